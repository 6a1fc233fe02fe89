"""What the staff home's cases widgets show (S4, S5, P2, P3; cases/widgets.py): reads only, each scoped
to the actor's area like every other read of this app (ARCHITECTURE rule 2: ``for_actor``; a street
officer counts their own street, a community worker their community, district staff the district).

- ``my_queue``: the applications waiting for a step the actor's role takes (accept, forward, decide,
  enrol), the next deadline first, so the overdue ones lead, each with the required documents missing;
- ``weekly_flow``: applications received and decided per week, the last weeks;
- ``month_rosters``: this month's roster of each cash policy: not built, draft or approved, and its
  totals within the actor's area;
- ``open_outreach``: open outreach tasks per policy;
- ``subsidy_coverage``: per street, of the persons the latest evaluation run found eligible for the
  living subsidy (``living_subsidy``) and the care subsidy (``care_subsidy``), how many are enrolled."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from xiaokang.accounts.actors import Actor, scope_of
from xiaokang.cases.evidence import missing_documents
from xiaokang.cases.models import ApplicationEvent, Enrolment, EnrolmentStatus
from xiaokang.cases.rosters import cash_policy_ids, rosters_of, summarise
from xiaokang.cases.selectors import DECISION_ACTIONS, _streets_in_scope, application_queue, applications_for
from xiaokang.cases.workflow import STEPS
from xiaokang.policies.models import EvaluationResult
from xiaokang.policies.selectors import latest_run

QUEUE_SHOWN = 10
WEEKS_SHOWN = 12
# The two subsidies every disabled person may qualify for (GLOSSARY: policy ids), in this order.
COVERAGE_POLICY_IDS = ("living_subsidy", "care_subsidy")


def _states_acted_on_by(role: str) -> list[str]:
    """The states in which ``role`` takes a step of the workflow (cases.workflow.STEPS)."""
    return sorted({state for (state, _action), step in STEPS.items() if role in step.roles})


def my_queue(actor: Actor, today: dt.date, limit: int = QUEUE_SHOWN) -> tuple[list[dict], int]:
    """The first ``limit`` applications waiting for the actor's role, the next deadline first, and how
    many wait in all. Each row: the application, its deadline, whether it is overdue, the required
    documents missing."""
    states = _states_acted_on_by(getattr(actor, "role", ""))
    if not states:
        return [], 0
    queue = application_queue(actor, state="all").filter(state__in=states).prefetch_related("documents")
    rows = [
        {
            "application": application,
            "deadline": application.deadline,
            "overdue": application.deadline is not None and application.deadline < today,
            # The documents its policy requires that are not attached yet (S4, G2): a worker sees which
            # cases need a call to the applicant before they can be decided.
            "missing_documents": missing_documents(application),
        }
        for application in queue[:limit]
    ]
    return rows, queue.count()


def week_starts(today: dt.date, weeks: int = WEEKS_SHOWN) -> list[dt.date]:
    """The Mondays of the last ``weeks`` weeks, this week's last."""
    this_monday = today - dt.timedelta(days=today.weekday())
    return [this_monday - dt.timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]


def weekly_flow(actor: Actor, today: dt.date, weeks: int = WEEKS_SHOWN) -> list[dict]:
    """Per week (Monday's date), the applications in the actor's area received and decided (approved,
    rejected, granted or confirmed) in it."""
    starts = week_starts(today, weeks)
    first = starts[0]
    applications = applications_for(actor)
    received_by_day = (
        applications.filter(received_on__gte=first)
        .values("received_on")
        .annotate(count=Count("pk"))
        .order_by()
    )
    decided_by_day = (
        ApplicationEvent.objects.filter(
            application__in=applications.values("pk"), action__in=DECISION_ACTIONS, at__date__gte=first
        )
        .annotate(day=TruncDate("at"))
        .values("day")
        .annotate(count=Count("pk"))
        .order_by()
    )
    rows = {start: {"week": start, "received": 0, "decided": 0} for start in starts}

    def week_of(day: dt.date) -> dt.date:
        return day - dt.timedelta(days=day.weekday())

    for row in received_by_day:
        if (week := week_of(row["received_on"])) in rows:
            rows[week]["received"] += row["count"]
    for row in decided_by_day:
        if row["day"] is not None and (week := week_of(row["day"])) in rows:
            rows[week]["decided"] += row["count"]
    return list(rows.values())


def month_rosters(actor: Actor, today: dt.date) -> tuple[dt.date, list[dict]]:
    """This month's roster of each cash policy: its state (``none``, ``draft``, ``approved``) and, when
    built, the persons paid and held and the amount paid in the actor's area (rosters.summarise)."""
    month = today.replace(day=1)
    policy_ids = cash_policy_ids()
    rosters = rosters_of(month, policy_ids)
    rows = []
    for policy_id in policy_ids:
        roster = rosters.get(policy_id)
        row = {"policy_id": policy_id, "state": "none", "paid": 0, "held": 0, "total_fen": 0}
        if roster is not None:
            summary = summarise(roster, actor)
            row.update(
                state="approved" if roster.approved else "draft",
                paid=summary.paid,
                held=summary.held,
                total_fen=summary.total_fen,
            )
        rows.append(row)
    return month, rows


def open_outreach(actor: Actor) -> list[dict]:
    """Open outreach tasks in the actor's area per policy, the most first."""
    from xiaokang.cases.outreach import open_tasks_for

    return list(
        open_tasks_for(actor).values("policy_id").annotate(count=Count("pk")).order_by("-count", "policy_id")
    )


@dataclass
class Coverage:
    eligible: int = 0
    enrolled: int = 0

    @property
    def percent(self) -> int | None:
        return round(100 * self.enrolled / self.eligible) if self.eligible else None


def subsidy_coverage(actor: Actor) -> tuple[object | None, list[dict]]:
    """The latest evaluation run and, per street in the actor's area with someone eligible, for each of
    COVERAGE_POLICY_IDS: the persons the run found eligible and how many of them have an active
    enrolment now. No run: no rows (nothing to measure against)."""
    run = latest_run()
    scope = scope_of(actor)
    if run is None or scope.kind == "none":
        return run, []
    results = EvaluationResult.objects.filter(
        run_policy__run=run, run_policy__policy_id__in=COVERAGE_POLICY_IDS, eligible=True
    )
    # The results carry their street; a community worker's are those of the persons in their community
    # (as policies.selectors.run_totals counts them).
    if scope.kind == "street":
        results = results.filter(street_id=scope.area_id)
    elif scope.kind == "community":
        results = results.filter(person__community_id=scope.area_id)
    counted: dict[int, dict[str, Coverage]] = {}
    for policy_id in COVERAGE_POLICY_IDS:
        enrolled_persons = Enrolment.objects.filter(
            policy_id=policy_id, status=EnrolmentStatus.ACTIVE
        ).values("person_id")
        rows = (
            results.filter(run_policy__policy_id=policy_id)
            .values("street_id")
            .annotate(eligible=Count("pk"), enrolled=Count("pk", filter=Q(person_id__in=enrolled_persons)))
            .order_by()
        )
        for row in rows:
            counted.setdefault(row["street_id"], {})[policy_id] = Coverage(row["eligible"], row["enrolled"])
    table = []
    # The streets with someone eligible: coverage of nobody is no number (and 29 empty bars hide the rest).
    for street in _streets_in_scope(actor, list(counted)):
        if street.pk not in counted:
            continue
        by_policy = counted[street.pk]
        table.append(
            {
                "street": street,
                **{policy_id: by_policy.get(policy_id, Coverage()) for policy_id in COVERAGE_POLICY_IDS},
            }
        )
    return run, table
