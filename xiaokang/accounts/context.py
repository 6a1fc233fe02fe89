"""The staff menu and breadcrumbs: the entries the apps registered (core.menu), each shown to a user who has
its capability (core.capabilities; deny by default: a role sees only the sections it may use), in the
menu's groups (U11).

Context for base.html:
- ``staff_menu``: the entries the user may use, in menu order (url, label, group, current);
- ``staff_menu_groups``: the same under their groups (core.menu.grouped);
- ``staff_page``: the page is a staff page (under /staff/, or a menu entry's page): it shows the staff
  navigation, and the public portal's pages their own (U11: the two menus are kept apart);
- ``breadcrumbs``: on a staff page, Staff home → the entry's group → the entry (found from the page's URL
  by core.menu.entry_for_path); a page adds its own last step in ``{% block breadcrumb_current %}``."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from xiaokang.core import menu
from xiaokang.core.capabilities import can

STAFF_PATH_PREFIX = "/staff/"
NO_MENU = {"staff_menu": [], "staff_menu_groups": [], "staff_page": False, "breadcrumbs": []}


def staff_menu(request):
    user = getattr(request, "user", None)
    # No menu before the user has a role, nor while a password someone else set awaits its change
    # (accounts.middleware sends every page to the change-password page anyway).
    if user is None or not user.is_authenticated or getattr(user, "must_change_password", False):
        return NO_MENU
    current = getattr(getattr(request, "resolver_match", None), "url_name", None)
    items = []
    for entry in menu.entries():
        if not can(user, entry.capability):
            continue
        try:  # a section appears once its page exists
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        items.append(
            {
                "url_name": entry.url_name,
                "url": url,
                "label": entry.label,
                "group": entry.group,
                "current": entry.url_name == current,
            }
        )
    path = getattr(request, "path", "") or ""
    owner = menu.entry_for_path(path, {item["url_name"]: item["url"] for item in items})
    staff_page = path.startswith(STAFF_PATH_PREFIX) or owner is not None
    return {
        "staff_menu": items,
        "staff_menu_groups": menu.grouped(items),
        "staff_page": staff_page,
        "breadcrumbs": _breadcrumbs(items, owner, current) if staff_page else [],
    }


def _breadcrumbs(items: list[dict], owner: str | None, current: str | None) -> list[dict]:
    """Staff home → group → entry; each step a link but the page itself (``current``: aria-current).
    The staff home has none (it is the start)."""
    if current == "staff-home":
        return []
    trail = [{"label": _("Staff home"), "url": reverse("staff-home"), "current": False}]
    item = next((item for item in items if item["url_name"] == owner), None)
    if item is not None:
        trail.append({"label": menu.group(item["group"]).label, "url": None, "current": False})
        trail.append({"label": item["label"], "url": item["url"], "current": item["url_name"] == current})
    return trail
