"""The staff home's cases widgets (S4, S5, P2, P3), registered in CasesConfig.ready() with core/widgets.py.
Each reads through the scoped selectors of cases/dashboard.py (and cases/selectors.py): a street officer's
widgets count their street only.

- ``my_queue_widget``: the applications waiting for the user's step, overdue ones first;
- ``deadlines_widget``: the deadlines dashboard's totals, and for district staff the same per street;
- ``weekly_flow_widget``: a chart of the applications received and decided per week, with its table;
- ``rosters_widget``: this month's rosters: state and totals;
- ``outreach_widget``: open outreach tasks per policy;
- ``coverage_widget``: coverage of the living and care subsidies by street, a chart with its table."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _


def _policy_name(policy_id: str) -> str:
    from xiaokang.policies.engine.loader import policies

    policy = policies().get(policy_id)
    return policy.zh if policy is not None else policy_id


def my_queue_widget(request) -> dict:
    from xiaokang.cases.dashboard import my_queue
    from xiaokang.cases.views.common import state_label
    from xiaokang.registry.reading import record_read

    rows, waiting = my_queue(request.user, timezone.localdate())
    for row in rows:
        row["policy"] = _policy_name(row["application"].policy_id)
        row["state"] = state_label(row["application"].state)
    # The queue names persons: one audit event, like the applications list it summarises (U11).
    record_read(
        request.user,
        "application.list",
        rows=len(rows),
        details={"filters": {"widget": "my_queue"}},
        limited=False,
        object_type="application",
    )
    return {"template": "cases/_queue_widget.html", "rows": rows, "waiting": waiting}


def deadlines_widget(request) -> dict:
    from xiaokang.accounts.actors import scope_of
    from xiaokang.cases.selectors import deadline_counts

    rows, totals = deadline_counts(request.user, timezone.localdate())
    return {
        "template": "cases/_deadlines_widget.html",
        "totals": totals,
        # District staff see the overdue counts of every street (S4); a street sees its own totals only.
        "rows": rows if scope_of(request.user).kind == "all" else [],
    }


def weekly_flow_widget(request) -> dict:
    from xiaokang.cases.dashboard import weekly_flow

    weeks = weekly_flow(request.user, timezone.localdate())
    return {
        "template": "cases/_weekly_widget.html",
        "weeks": weeks,
        "chart": {
            "id": "chart-weekly-flow",
            "type": "line",
            "categories": [f"{row['week']:%m-%d}" for row in weeks],
            "series": [
                {"name": _("Received"), "data": [row["received"] for row in weeks]},
                {"name": _("Decided"), "data": [row["decided"] for row in weeks]},
            ],
        },
    }


def rosters_widget(request) -> dict:
    from xiaokang.cases.dashboard import month_rosters

    month, rows = month_rosters(request.user, timezone.localdate())
    for row in rows:
        row["policy"] = _policy_name(row["policy_id"])
    return {"template": "cases/_rosters_widget.html", "month": month, "rows": rows}


def outreach_widget(request) -> dict:
    from xiaokang.cases.dashboard import open_outreach

    rows = open_outreach(request.user)
    for row in rows:
        row["policy"] = _policy_name(row["policy_id"])
    return {
        "template": "cases/_outreach_widget.html",
        "rows": rows,
        "total": sum(row["count"] for row in rows),
    }


def coverage_widget(request) -> dict:
    from xiaokang.cases.dashboard import COVERAGE_POLICY_IDS, subsidy_coverage

    run, rows = subsidy_coverage(request.user)
    names = {policy_id: _policy_name(policy_id) for policy_id in COVERAGE_POLICY_IDS}
    return {
        "template": "cases/_coverage_widget.html",
        "wide": True,
        "run": run,
        "rows": [
            {"street": row["street"], "policies": [row[policy_id] for policy_id in COVERAGE_POLICY_IDS]}
            for row in rows
        ],
        "policy_names": [names[policy_id] for policy_id in COVERAGE_POLICY_IDS],
        "chart": {
            "id": "chart-coverage",
            "type": "bar",
            "horizontal": True,
            "percent": True,
            "categories": [row["street"].name for row in rows],
            "series": [
                {"name": names[policy_id], "data": [row[policy_id].percent or 0 for row in rows]}
                for policy_id in COVERAGE_POLICY_IDS
            ],
        }
        if rows
        else None,
    }
