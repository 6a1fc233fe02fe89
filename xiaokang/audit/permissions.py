"""What can be done in the audit app, and by whom (U11; core.capabilities). The audit app sits below
accounts (layers), so the role is named by its value: ``accounts.models.Role.AUDITOR``."""

from django.utils.translation import gettext_lazy as _

AUDITOR = "auditor"

CAPABILITIES = {
    # 三权分立 (GB/T 22239-2019 8.1.4.2): the audit trail is the auditor's alone.
    "audit.read": {AUDITOR},
}

# (url name, label, capability, order, group): the staff menu (core.menu); orders are shared by all apps.
MENU = (("audit-list", _("Audit trail"), "audit.read", 180, "administration"),)
