"""What can be done with the policies, and by whom (P1–P3; core.capabilities)."""

from django.utils.translation import gettext_lazy as _

from xiaokang.accounts.models import REGISTRY_READERS, Role

CAPABILITIES = {
    # The policy sheets, a person's eligibility (page section and API).
    "policy.read": REGISTRY_READERS,
    # What-if by street: counts over the whole district's registry, so not the community workers.
    "policy.what_if": {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.STREET_OFFICER},
}

# (url name, label, capability, order, group): the staff menu (core.menu); orders are shared by all apps.
MENU = (
    ("policy-list", _("Policies"), "policy.read", 60, "benefits"),
    ("policy-what-if", _("What-if"), "policy.what_if", 70, "reports"),
)
