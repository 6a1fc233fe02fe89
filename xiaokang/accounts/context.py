"""The staff menu: the entries the apps registered (core.menu), each shown to a user who has its capability
(core.capabilities; deny by default: a role sees only the sections it may use)."""

from django.urls import NoReverseMatch, reverse

from xiaokang.core import menu
from xiaokang.core.capabilities import can


def staff_menu(request):
    user = getattr(request, "user", None)
    # No menu before the user has a role, nor while a password someone else set awaits its change
    # (accounts.middleware sends every page to the change-password page anyway).
    if user is None or not user.is_authenticated or getattr(user, "must_change_password", False):
        return {"staff_menu": []}
    current = getattr(getattr(request, "resolver_match", None), "url_name", None)
    items = []
    for entry in menu.entries():
        if not can(user, entry.capability):
            continue
        try:  # a section appears once its page exists
            items.append(
                {"url": reverse(entry.url_name), "label": entry.label, "current": entry.url_name == current}
            )
        except NoReverseMatch:
            continue
    return {"staff_menu": items}
