"""Widgets of the staff home page (dashboard): each app registers its own from its AppConfig.ready(), so
the registry's home page shows them without importing the apps above it (layers, import-linter).

``register(name, provider, *, capability, order)``:

- ``provider(request) -> dict | None``: the widget's context, with ``template`` (the partial that
  renders it); None shows nothing. A dotted path is imported on first use, so starting Django (every
  ``xiaokang`` command) does not import views.
- ``capability``: who sees it, a name in the capability table (core/capabilities.py): the same one
  that guards the page the widget summarises.
- ``order``: its place on the page (stable whatever the order the apps start in).
- ``wide``: it spans the dashboard's whole row (a wide table or chart) instead of taking one column;
  a provider may decide it per request by returning ``wide`` in its context.

A widget's context may hold a ``chart`` (drawn by xiaokang/charts.js with the vendored ECharts through
the partial ``widgets/_chart.html``; docs/dashboard.md): the staff home then loads the chart scripts.
A chart never stands alone: the widget's template shows the same numbers as a table (U11).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.module_loading import import_string

from xiaokang.core.capabilities import can

Provider = Callable[..., dict | None]


class WidgetRegistrationError(ValueError):
    """A widget registered twice under one name or at one place in the order."""


@dataclass
class Widget:
    name: str
    provider: Provider | str
    capability: str
    order: int
    wide: bool = False
    _resolved: dict = field(default_factory=dict, repr=False)

    def _get(self, attribute: str):
        if attribute not in self._resolved:
            value = getattr(self, attribute)
            self._resolved[attribute] = import_string(value) if isinstance(value, str) else value
        return self._resolved[attribute]

    def is_visible(self, user) -> bool:
        return can(user, self.capability)

    def render_context(self, request) -> dict | None:
        context = self._get("provider")(request)
        if context is not None:
            context = {"name": self.name, "wide": self.wide, **context}
        return context


class WidgetRegistry:
    def __init__(self) -> None:
        self._widgets: dict[str, Widget] = {}

    def register(
        self, name: str, provider: Provider | str, *, capability: str, order: int, wide: bool = False
    ) -> None:
        if name in self._widgets:
            raise WidgetRegistrationError(f"widget {name!r} registered twice")
        taken = {widget.order: widget.name for widget in self._widgets.values()}
        if order in taken:
            raise WidgetRegistrationError(f"widget {name!r}: order {order} is taken by {taken[order]!r}")
        self._widgets[name] = Widget(name, provider, capability, order, wide)

    def widgets(self) -> list[Widget]:
        return sorted(self._widgets.values(), key=lambda widget: widget.order)

    def for_request(self, request) -> list[dict]:
        """The widgets the signed-in user may see, in their order, each as its template's context."""
        shown = []
        for widget in self.widgets():
            if widget.is_visible(request.user) and (context := widget.render_context(request)) is not None:
                shown.append(context)
        return shown


def has_charts(widgets: list[dict]) -> bool:
    """Whether any of the shown widgets (``for_request``'s answer) draws a chart."""
    return any(widget.get("chart") for widget in widgets)


registry = WidgetRegistry()
register = registry.register
widgets_for = registry.for_request
