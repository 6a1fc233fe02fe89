"""The deadlines dashboard (S4): applications in the user's area by street, waiting and past their
deadline today (``selectors.deadline_counts``, which the staff home's deadlines widget shows too)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from xiaokang.accounts.actors import scope_of
from xiaokang.cases.selectors import deadline_counts
from xiaokang.core.capabilities import requires


@require_GET
@requires("application.read")
def application_dashboard(request):
    today = timezone.localdate()
    rows, totals = deadline_counts(request.user, today)
    return render(
        request,
        "cases/dashboard.html",
        {
            "rows": rows,
            "totals": totals,
            "today": today,
            "community": scope_of(request.user).kind == "community",
        },
    )
