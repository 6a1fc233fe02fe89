"""Application reads, scoped like the registry (ARCHITECTURE rule 2): an application belongs to the
street and community of its person when it was received; out of scope and missing both answer 404.

The pages (cases/views/) and the API read through these functions only (ARCHITECTURE rule 1): the
queue, the deadline counts (the dashboard and the staff home's widget, S4), and what one application's
page shows (its timeline, documents, decision, grant and enrolment)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, DateField, F, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy

from xiaokang.accounts.actors import Actor, scope_of
from xiaokang.accounts.scoping import gate
from xiaokang.cases.models import (
    OPEN_STATES,
    Application,
    ApplicationDocument,
    ApplicationEvent,
    Enrolment,
    State,
    TemporaryAssistance,
)
from xiaokang.cases.services import TEMPORARY_POLICY_ID
from xiaokang.core.listing import Column, Listing
from xiaokang.core.models import Area, AreaLevel
from xiaokang.core.workdays import add_working_days

# The states with a deadline still running: acceptance while submitted, the decision while in review.
REVIEW_STATES = (State.COMMUNITY_REVIEW, State.STREET_REVIEW, State.DISTRICT_REVIEW, State.APPEAL_REVIEW)
WAITING_STATES = (State.SUBMITTED, *REVIEW_STATES)

# The queue's state filter: the open applications, all of them, or one state (cases/forms).
OPEN = ""
ALL = "all"

# A temporary-assistance grant is a decision from the start (the notice states the one-off amount);
# the district's confirmation or rejection is the later one.
DECISION_ACTIONS = ("approve", "reject", "grant", "confirm")


def applications_for(actor: Actor) -> QuerySet[Application]:
    return Application.objects.for_actor(actor)


def application_for(actor: Actor, application_id: int) -> Application:
    """The one gate for a single application: out of scope or missing → Http404, audited."""
    applications = applications_for(actor).select_related("person", "street", "community")
    return gate(applications, application_id, actor=actor, object_type="application")


@dataclass(frozen=True)
class QueueFilters:
    """The queue's filters (S4): ``state`` (``OPEN``, ``ALL`` or one state), ``policy``, ``street`` and
    ``community`` (area codes), ``deadline`` ("", "overdue", "due_soon" within ``due_soon_days`` working
    days of ``today``). Empty values do not filter. An area narrows the actor's scope, never widens it."""

    state: str = OPEN
    policy: str = ""
    street: str = ""
    community: str = ""
    deadline: str = ""

    def as_query(self) -> dict:
        values = {
            "state": self.state,
            "policy": self.policy,
            "street": self.street,
            "community": self.community,
            "deadline": self.deadline,
        }
        return {key: value for key, value in values.items() if value}


# The queue's sortable columns (core.listing): the default is the nearest running deadline first.
APPLICATIONS = Listing(
    name="application",
    columns=(
        Column("number", gettext_lazy("Number"), ("number",)),
        Column("received", gettext_lazy("Received on"), ("received_on",)),
        Column("state", gettext_lazy("State"), ("state",)),
        Column("policy", gettext_lazy("Policy"), ("policy_id",)),
        Column("deadline", gettext_lazy("Deadline"), ("waiting", "deadline", "received_on")),
    ),
    default_sort="deadline",
)


def application_queue(
    actor: Actor,
    *,
    state: str = OPEN,
    policy: str = "",
    filters: QueueFilters | None = None,
    sort: str | None = None,
    today: dt.date | None = None,
    due_soon_days: int = 3,
) -> QuerySet[Application]:
    """The officer's queue (S4): the applications in the actor's area narrowed by ``filters`` (or the
    older ``state``/``policy`` keywords), sorted by the declared column ``sort`` names (core.listing;
    by default the next deadline first: acceptance while submitted, else the decision; those whose
    deadline no longer runs (approved, returned, rejected, enrolled) after the others)."""
    filters = filters or QueueFilters(state=state, policy=policy)
    queryset = applications_for(actor).select_related("person", "street", "community")
    if filters.state == OPEN:
        queryset = queryset.filter(state__in=OPEN_STATES)
    elif filters.state != ALL:
        queryset = queryset.filter(state=filters.state)
    if filters.policy:
        queryset = queryset.filter(policy_id=filters.policy)
    # Narrowing the scoped queryset: another street's code finds nothing (the scope stays).
    if filters.street:
        queryset = queryset.filter(street__code=filters.street)
    if filters.community:
        queryset = queryset.filter(community__code=filters.community)
    queryset = queryset.annotate(
        deadline=Case(
            When(state=State.SUBMITTED, then=F("accept_by")), default=F("decide_by"), output_field=DateField()
        ),
        waiting=Case(
            When(state__in=WAITING_STATES, then=Value(0)),
            When(state=State.APPROVED, policy_id=TEMPORARY_POLICY_ID, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
    )
    if filters.deadline:
        today = today or timezone.localdate()
        queryset = queryset.filter(waiting=0)
        if filters.deadline == "overdue":
            queryset = queryset.filter(deadline__lt=today)
        else:
            # Due soon: at most ``due_soon_days`` working days left (cases.views.applications._deadline).
            limit = add_working_days(today, due_soon_days + 1).day
            queryset = queryset.filter(deadline__gte=today, deadline__lt=limit)
    return APPLICATIONS.order(queryset, sort)


def person_applications(actor: Actor, person) -> QuerySet[Application]:
    """The applications of ``person`` in the actor's area, the latest first (the person page's section)."""
    return applications_for(actor).filter(person=person).order_by("-received_on", "-pk")


def _streets_in_scope(actor: Actor, counted_ids) -> list[Area]:
    scope = scope_of(actor)
    if scope.kind == "all":
        filters = Q(level=AreaLevel.STREET)
    elif scope.kind == "street":
        filters = Q(pk=scope.area_id)
    elif scope.kind == "community":
        filters = Q(children__pk=scope.area_id)
    else:
        return []
    # A street with applications is listed even if the area tree says otherwise (never a count lost).
    return list(Area.objects.filter(filters | Q(pk__in=counted_ids)).distinct().order_by("code"))


def deadline_counts(actor: Actor, today: dt.date) -> tuple[list[dict], dict]:
    """Applications in the actor's area by street, waiting and past their deadline on ``today``: the rows
    and their totals (the deadlines dashboard and the staff home's deadlines widget)."""
    counted = {
        row["street_id"]: row
        for row in applications_for(actor)
        .values("street_id")
        .annotate(
            submitted=Count("pk", filter=Q(state=State.SUBMITTED)),
            acceptance_overdue=Count("pk", filter=Q(state=State.SUBMITTED, accept_by__lt=today)),
            in_review=Count("pk", filter=Q(state__in=REVIEW_STATES)),
            decision_overdue=Count("pk", filter=Q(state__in=REVIEW_STATES, decide_by__lt=today)),
            # A temporary-assistance grant awaiting the district's review is not awaiting enrolment.
            approved=Count("pk", filter=Q(state=State.APPROVED) & ~Q(policy_id=TEMPORARY_POLICY_ID)),
        )
        .order_by()
    }
    columns = ("submitted", "acceptance_overdue", "in_review", "decision_overdue", "approved")
    rows = []
    totals = dict.fromkeys(columns, 0)
    for street in _streets_in_scope(actor, list(counted)):
        counts = {column: counted.get(street.pk, {}).get(column, 0) for column in columns}
        for column in columns:
            totals[column] += counts[column]
        rows.append({"street": street, **counts})
    return rows, totals


# ---------------------------------------------------------------------------------------------------
# One application (already let through ``application_for``)


def application_events(application: Application) -> list[ApplicationEvent]:
    """The application's timeline, oldest first."""
    return list(application.events.order_by("at", "id"))


def application_history(application: Application) -> list[ApplicationEvent]:
    """The application's events in the order they were written (the API's history)."""
    return list(application.events.order_by("id"))


def application_documents(application: Application) -> list[ApplicationDocument]:
    return list(application.documents.order_by("id"))


def application_document(application: Application, document_id: int) -> ApplicationDocument:
    """A document of ``application`` (404 if it has no such document)."""
    document = application.documents.filter(pk=document_id).first()
    if document is None:
        raise Http404("no such document")
    return document


def decision_event(application: Application) -> ApplicationEvent | None:
    """The latest decision on the application (approval, rejection, grant, the district's review)."""
    return application.events.filter(action__in=DECISION_ACTIONS).order_by("-id").first()


def grant_of(application: Application) -> TemporaryAssistance | None:
    """The temporary-assistance grant an application records (S3), if it is one."""
    return TemporaryAssistance.objects.filter(application=application).first()


def enrolment_of(application: Application) -> Enrolment | None:
    return Enrolment.objects.filter(application=application).first()
