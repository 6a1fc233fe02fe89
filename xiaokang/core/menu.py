"""The staff menu, registered by the apps (deny by default: a user sees an entry only with its capability).

Each app adds its entries in ``AppConfig.ready()``::

    menu.register("transfer-list", _("Transfers"), "transfer.request", order=30)

``accounts.context.staff_menu`` shows the entries in ``order`` (then registration order) to a signed-in
user who ``can`` the entry's capability (``core.capabilities``). An entry whose URL does not resolve is
left out (a section appears once its page exists)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class MenuEntry:
    url_name: str
    label: str  # a lazy translation
    capability: str
    order: int


_ENTRIES: list[MenuEntry] = []


def register(url_name: str, label, capability: str, *, order: int) -> None:
    if any(entry.url_name == url_name for entry in _ENTRIES):
        raise ImproperlyConfigured(f"menu entry {url_name!r} is already registered")
    _ENTRIES.append(MenuEntry(url_name, label, capability, order))


def entries() -> list[MenuEntry]:
    """Every registered entry, in menu order (``sorted`` is stable: equal orders keep registration order)."""
    return sorted(_ENTRIES, key=lambda entry: entry.order)


def register_all(items) -> None:
    """An app's ``permissions.MENU``: (url name, label, capability, order) each."""
    for url_name, label, capability, order in items:
        register(url_name, label, capability, order=order)
