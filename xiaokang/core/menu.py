"""The staff menu, registered by the apps (deny by default: a user sees an entry only with its capability).

Each app adds its entries in ``AppConfig.ready()``::

    menu.register("transfer-list", _("Transfers"), "transfer.request", order=30, group="persons")

The entries are shown in groups (U11: a short menu people can find their way in rather than twenty flat
links): ``GROUPS`` names them, in the order the menu shows them. ``accounts.context.staff_menu`` shows the
entries in ``order`` (then registration order), group by group, to a signed-in user who ``can`` the
entry's capability (``core.capabilities``); a group with no entry for the user is not shown. An entry
whose URL does not resolve is left out (a section appears once its page exists).

The same registry gives every staff page its breadcrumbs (home → group → entry): ``entry_for_path``
finds the entry a page belongs to by its URL."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class MenuGroup:
    key: str
    label: str  # a lazy translation


# The staff menu's groups, in menu order (U11). A context: "Persons" and "Employment" are also entries'
# and fields' words, translated otherwise there.
GROUPS: tuple[MenuGroup, ...] = (
    MenuGroup("persons", pgettext_lazy("menu group", "Persons")),
    MenuGroup("benefits", pgettext_lazy("menu group", "Benefits and cases")),
    MenuGroup("employment", pgettext_lazy("menu group", "Employment")),
    MenuGroup("services", pgettext_lazy("menu group", "Services")),
    MenuGroup("reports", pgettext_lazy("menu group", "Reports")),
    MenuGroup("administration", pgettext_lazy("menu group", "Administration")),
)
GROUP_KEYS = tuple(group.key for group in GROUPS)


@dataclass(frozen=True)
class MenuEntry:
    url_name: str
    label: str  # a lazy translation
    capability: str
    order: int
    group: str  # a key of GROUPS


_ENTRIES: list[MenuEntry] = []


def register(url_name: str, label, capability: str, *, order: int, group: str) -> None:
    if any(entry.url_name == url_name for entry in _ENTRIES):
        raise ImproperlyConfigured(f"menu entry {url_name!r} is already registered")
    if group not in GROUP_KEYS:
        raise ImproperlyConfigured(f"menu entry {url_name!r}: unknown group {group!r} (one of {GROUP_KEYS})")
    _ENTRIES.append(MenuEntry(url_name, label, capability, order, group))


def entries() -> list[MenuEntry]:
    """Every registered entry, in menu order (``sorted`` is stable: equal orders keep registration order)."""
    return sorted(_ENTRIES, key=lambda entry: entry.order)


def group(key: str) -> MenuGroup:
    return GROUPS[GROUP_KEYS.index(key)]


def grouped(items: list[dict]) -> list[dict]:
    """``items`` (dicts with a ``group`` key, in menu order) under their groups, in the groups' order;
    groups without items left out. Each group: ``key``, ``label``, ``items``, ``current`` (an item is)."""
    shown = []
    for menu_group in GROUPS:
        members = [item for item in items if item["group"] == menu_group.key]
        if members:
            shown.append(
                {
                    "key": menu_group.key,
                    "label": menu_group.label,
                    "items": members,
                    "current": any(item["current"] for item in members),
                }
            )
    return shown


def entry_for_path(path: str, urls: dict[str, str]) -> str | None:
    """The url name of the entry whose URL is the longest start of ``path`` (``urls``: url name → URL of
    the entries the user sees): the list a detail page belongs to. None if no entry's URL starts it."""
    best = None
    for url_name, url in urls.items():
        if path.startswith(url) and (best is None or len(url) > len(urls[best])):
            best = url_name
    return best


def register_all(items) -> None:
    """An app's ``permissions.MENU``: (url name, label, capability, order, group) each."""
    for url_name, label, capability, order, menu_group in items:
        register(url_name, label, capability, order=order, group=menu_group)
