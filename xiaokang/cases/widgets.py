"""The staff home's deadlines widget (S4): the totals of the deadlines dashboard, registered in
CasesConfig.ready() with core/widgets.py; the counts are the dashboard's own (selectors.deadline_counts)."""

from __future__ import annotations

from django.utils import timezone


def deadlines_widget(request) -> dict:
    from xiaokang.cases.selectors import deadline_counts

    _rows, totals = deadline_counts(request.user, timezone.localdate())
    return {"template": "cases/_deadlines_widget.html", "totals": totals}
