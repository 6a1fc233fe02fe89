"""What can be done with applications, rosters, outreach, reviews and temporary assistance, and by whom
(S3–S5, P3; core.capabilities). The steps of an application's review are the workflow's own table
(``cases.workflow.STEPS``: which role takes which action in which state), not capabilities."""

from django.utils.translation import gettext_lazy as _

from xiaokang.accounts.models import REGISTRY_READERS, Role

DISTRICT = {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER}

CAPABILITIES = {
    "application.read": REGISTRY_READERS,  # queues, deadlines, an application, its notice and documents
    "application.create": REGISTRY_READERS,  # register an application at the counter
    # Rosters are the district's (built for the whole district); street officers read them.
    "roster.read": DISTRICT | {Role.STREET_OFFICER},
    "roster.build": DISTRICT,
    "roster.approve": DISTRICT,
    "roster.download": DISTRICT,
    "outreach.read": REGISTRY_READERS,  # open outreach tasks
    "outreach.answer": REGISTRY_READERS,  # record an outreach outcome
    # The periodic review of an enrolment (reinstate or terminate): street or district staff.
    "enrolment.review": DISTRICT | {Role.STREET_OFFICER},
    # Temporary assistance (S3): granted on the spot by street or district staff, reviewed afterwards
    # by the district only (a different decision from the enrolment review above).
    "temporary.read": DISTRICT | {Role.STREET_OFFICER},
    "temporary.grant": DISTRICT | {Role.STREET_OFFICER},
    "temporary.review": DISTRICT,
}

# (url name, label, capability, order, group): the staff menu (core.menu); orders are shared by all apps.
MENU = (
    ("application-list", _("Applications"), "application.read", 80, "benefits"),
    ("application-dashboard", _("Deadlines"), "application.read", 90, "reports"),
    ("roster-list", _("Rosters"), "roster.read", 100, "benefits"),
    ("outreach-list", _("Outreach"), "outreach.read", 110, "benefits"),
    ("review-list", _("Reviews"), "enrolment.review", 120, "benefits"),
    ("temporary-list", _("Temporary assistance"), "temporary.read", 130, "benefits"),
)
