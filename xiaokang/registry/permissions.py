"""What can be done in the registry, and by whom (R1–R7, U11; core.capabilities). Which persons an actor
sees is scope, not capability (``accounts.actors.scope_of``). The auditor and the security administrator
read no personal data (三权分立)."""

from django.utils.translation import gettext_lazy as _

from xiaokang.accounts.models import REGISTRY_READERS, Role

DISTRICT = {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER}

CAPABILITIES = {
    "person.read": REGISTRY_READERS,  # search, list and open persons (the API too)
    "person.write": REGISTRY_READERS,  # register and edit a person
    # Full ID numbers on a page or in a file (a roster, an export, the outreach list): the district
    # administrator only; everyone else sees masks (PIPL art. 51, U11).
    "id_number.full": {Role.DISTRICT_ADMIN},
    # Full phone numbers in a list or its export: the staff who call persons (the outreach list, P3):
    # street officers and community workers; the district's lists show masks.
    "person.contact": {Role.STREET_OFFICER, Role.COMMUNITY_WORKER},
    "registry.import": DISTRICT | {Role.STREET_OFFICER},  # the person import (R5)
    "registry.quality": REGISTRY_READERS,  # the data-quality report (R7)
    "registry.export": REGISTRY_READERS,  # the masked export (R5)
    "transfer.request": DISTRICT | {Role.STREET_OFFICER},  # ask to move a person to another street (R6)
    "transfer.decide": DISTRICT,  # the district decides a transfer
}

# (url name, label, capability, order, group): the staff menu (core.menu); orders are shared by all apps.
MENU = (
    ("person-list", _("Persons"), "person.read", 10, "persons"),
    ("registry-import", _("Import"), "registry.import", 20, "persons"),
    # Transfers between streets (R6, S4): the district's queue of requests to decide.
    ("transfer-list", _("Transfers"), "transfer.request", 30, "persons"),
    ("registry-quality", _("Data quality"), "registry.quality", 40, "reports"),
    ("registry-export", _("Export"), "registry.export", 50, "reports"),
)
