"""What can be done in the employment quota, and by whom (E1–E3; core.capabilities). Street officers
work on their street's employers (scope); community workers have no part in it."""

from django.utils.translation import gettext_lazy as _

from xiaokang.accounts.models import Role

DISTRICT = {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER}
STAFF = DISTRICT | {Role.STREET_OFFICER}

CAPABILITIES = {
    "employer.read": STAFF,  # employer pages, export, the employers API
    "employer.write": STAFF,  # register, edit, import employers
    "declaration.read": STAFF,
    "declaration.write": STAFF,  # submit, correct, re-check a declaration
    "declaration.approve": DISTRICT,  # approve a declaration (the levy is fixed)
    # Which employer counts a person listed by several: the employers may be in different streets.
    "declaration.resolve_conflict": DISTRICT,
    "member_units.read": STAFF,  # the member units (T2)
}

# (url name, label, capability, order, group): the staff menu (core.menu); orders are shared by all apps.
MENU = (
    # The employment quota (E1–E3): street officers see their street's employers.
    ("employer-list", _("Employers"), "employer.read", 140, "employment"),
    ("declaration-list", _("Declarations"), "declaration.read", 150, "employment"),
    ("member-units-latest", _("Member units"), "member_units.read", 160, "employment"),
)
