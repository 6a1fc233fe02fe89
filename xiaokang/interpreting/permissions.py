"""What can be done in sign-language interpretation, and by whom (U11; core.capabilities)."""

from django.utils.translation import gettext_lazy as _

from xiaokang.accounts.models import Role

CAPABILITIES = {
    # Bookings, interpreters and slots: the federation's district staff.
    "interpreting.manage": {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER},
}

# (url name, label, capability, order, group): the staff menu (core.menu); orders are shared by all apps.
MENU = (("interpreting-staff", _("Sign-language interpretation"), "interpreting.manage", 170, "services"),)
