"""What can be done with staff accounts, and by whom (U11; core.capabilities). 三权分立 (GB/T 22239-2019
8.1.4.2): the security administrator manages accounts and proposes role changes, a district administrator
decides them, the auditor reads them."""

from django.utils.translation import gettext_lazy as _

from xiaokang.accounts.models import Role

CAPABILITIES = {
    "account.manage": {Role.SECURITY_ADMIN},  # create, edit, unlock accounts; propose role changes
    "two_factor.reset": {Role.SECURITY_ADMIN},  # remove an account's second factor
    "grant.decide": {Role.DISTRICT_ADMIN},  # approve or reject a proposed role change
    "grant.audit": {Role.AUDITOR},  # read every role change
    "two_factor.issue_code": {Role.DISTRICT_ADMIN},  # issue a second-factor enrolment code
    "two_factor.enrol": set(Role),  # set up one's own second factor (some roles must: twofactor.py)
}

# (url name, label, capability, order, group): the staff menu (core.menu); orders are shared by all apps.
MENU = (
    ("grant-list", _("Role changes"), "grant.decide", 190, "administration"),
    ("audit-grant-list", _("Role changes"), "grant.audit", 200, "administration"),
    ("account-list", _("Accounts"), "account.manage", 210, "administration"),
    ("two-factor-enrol", _("Second factor"), "two_factor.enrol", 220, "administration"),
)
