"""The staff menu, by role (deny by default: a role sees only the sections it may use)."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from xiaokang.accounts.models import Role

# (url name, label, roles that may use it). A section appears once its page exists.
STAFF_MENU = (
    (
        "person-list",
        _("Persons"),
        {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.STREET_OFFICER, Role.COMMUNITY_WORKER},
    ),
    ("registry-import", _("Import"), {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.STREET_OFFICER}),
    # Transfers between streets (R6, S4): the district's queue of requests to decide.
    ("transfer-list", _("Transfers"), {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.STREET_OFFICER}),
    (
        "registry-quality",
        _("Data quality"),
        {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.STREET_OFFICER, Role.COMMUNITY_WORKER},
    ),
    (
        "registry-export",
        _("Export"),
        {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.STREET_OFFICER, Role.COMMUNITY_WORKER},
    ),
    (
        "policy-list",
        _("Policies"),
        {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.STREET_OFFICER, Role.COMMUNITY_WORKER},
    ),
    ("policy-what-if", _("What-if"), {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.STREET_OFFICER}),
    (
        "application-list",
        _("Applications"),
        {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.STREET_OFFICER, Role.COMMUNITY_WORKER},
    ),
    (
        "application-dashboard",
        _("Deadlines"),
        {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.STREET_OFFICER, Role.COMMUNITY_WORKER},
    ),
    ("roster-list", _("Rosters"), {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.STREET_OFFICER}),
    (
        "outreach-list",
        _("Outreach"),
        {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.STREET_OFFICER, Role.COMMUNITY_WORKER},
    ),
    ("review-list", _("Reviews"), {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.STREET_OFFICER}),
    (
        "temporary-list",
        _("Temporary assistance"),
        {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.STREET_OFFICER},
    ),
    # The employment quota (E1–E3): street officers see their street's employers.
    ("employer-list", _("Employers"), {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.STREET_OFFICER}),
    (
        "declaration-list",
        _("Declarations"),
        {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.STREET_OFFICER},
    ),
    (
        "member-units-latest",
        _("Member units"),
        {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.STREET_OFFICER},
    ),
    # Sign-language interpretation (U11): the federation's district staff.
    ("interpreting-staff", _("Sign-language interpretation"), {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER}),
    ("audit-list", _("Audit trail"), {Role.AUDITOR}),
    # Role changes (三权分立): decided by the district administrators, read by the auditor.
    ("grant-list", _("Role changes"), {Role.DISTRICT_ADMIN}),
    ("audit-grant-list", _("Role changes"), {Role.AUDITOR}),
    ("account-list", _("Accounts"), {Role.SECURITY_ADMIN}),
    # Every staff member may set up a second factor (U11); some roles must.
    ("two-factor-enrol", _("Second factor"), set(Role)),
)


def staff_menu(request):
    user = getattr(request, "user", None)
    # No menu before the user has a role, nor while a password someone else set awaits its change
    # (accounts.middleware sends every page to the change-password page anyway).
    if user is None or not user.is_authenticated or getattr(user, "must_change_password", False):
        return {"staff_menu": []}
    current = getattr(getattr(request, "resolver_match", None), "url_name", None)
    items = []
    for name, label, roles in STAFF_MENU:
        if user.role not in roles:
            continue
        try:
            items.append({"url": reverse(name), "label": label, "current": name == current})
        except NoReverseMatch:
            continue
    return {"staff_menu": items}
