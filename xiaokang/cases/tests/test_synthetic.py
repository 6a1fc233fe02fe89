"""The demo's working district (`xiaokang seed --applications N`; docs/synthetic-data.md; P2, P3, S3–S5,
G2, U11): every workflow state with its timeline, some overdue, approved rosters of the last three months,
outreach partly answered, temporary assistance, the demo resident's case; deterministic and seeded once."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from xiaokang.accounts.actors import SystemActor
from xiaokang.audit.models import AuditEvent
from xiaokang.cases.models import (
    Application,
    ApplicationEvent,
    OutreachTask,
    Roster,
    RosterLine,
    State,
    TemporaryAssistance,
)
from xiaokang.cases.services import month_start
from xiaokang.cases.synthetic import DEMO_RESIDENT_KEY, ROUTES, seed_cases
from xiaokang.cli import main
from xiaokang.registry.synthetic import seed_registry

pytestmark = pytest.mark.django_db

PERSONS, APPLICATIONS = 600, 40
REVIEW_STATES = (State.COMMUNITY_REVIEW, State.STREET_REVIEW, State.DISTRICT_REVIEW, State.APPEAL_REVIEW)


def applications():
    return Application.objects.unscoped(reason="test")


@pytest.fixture
def seeded(documents_dir, capsys):
    assert (
        main(["seed", "--persons", str(PERSONS), "--applications", str(APPLICATIONS), "--demo-accounts"]) == 0
    )
    return capsys.readouterr().out


def test_every_state_with_its_timeline_some_overdue(seeded):
    assert "seeded a working district" in seeded
    states = set(applications().values_list("state", flat=True))
    # Every state of the workflow (cases.workflow.STEPS), and a grant confirmed by the district (S3).
    assert states == set(State.values)
    today = timezone.localdate()
    overdue_acceptance = applications().filter(state=State.SUBMITTED, accept_by__lt=today)
    overdue_decision = applications().filter(state__in=REVIEW_STATES, decide_by__lt=today)
    assert overdue_acceptance.exists() and overdue_decision.exists()
    # In time too: not everything open is overdue.
    assert applications().filter(state__in=REVIEW_STATES, decide_by__gte=today).exists()
    # The history is the services' own: one timeline event and one audit event per step.
    enrolled = applications().filter(state=State.ENROLLED).exclude(idempotency_key=DEMO_RESIDENT_KEY).first()
    steps = list(ApplicationEvent.objects.filter(application=enrolled).values_list("action", flat=True))
    assert steps[0] == "submit" and steps[-1] == "enrol" and "approve" in steps
    audited = AuditEvent.objects.filter(object_type="application", object_id=enrolled.number)
    assert sorted(audited.values_list("action", flat=True)) == sorted(f"application.{s}" for s in steps)
    assert hasattr(enrolled, "enrolment")
    # Sent back once, and an appeal lodged: the routes with a longer history are there.
    assert ApplicationEvent.objects.filter(action="send_back").exists()
    assert ApplicationEvent.objects.filter(action="appeal").exists()
    # Separation of duties (G2): no officer took two steps of one application that the workflow keeps
    # apart: the one who accepted never decided.
    for application in applications().filter(state__in=[State.APPROVED, State.REJECTED, State.ENROLLED]):
        events = {e.action: e.actor_id for e in application.events.all()}
        if "accept" in events and "approve" in events:
            assert events["accept"] != events["approve"]


def test_rosters_of_the_last_three_months_are_approved_and_paid(seeded):
    today = timezone.localdate()
    months = {month_start(today, -n) for n in (1, 2, 3)}
    rosters = Roster.objects.all()
    assert {roster.month for roster in rosters if roster.approved} == months
    # This month's is a draft, for a district officer to approve (the roster page opens on it).
    assert {roster.month for roster in rosters if not roster.approved} == {month_start(today)}
    for month in months:
        paid = RosterLine.objects.unscoped(reason="test").filter(month=month, paid=True, approved=True)
        assert paid.exists()


def test_outreach_tasks_some_answered_and_temporary_assistance(seeded):
    tasks = OutreachTask.objects.unscoped(reason="test")
    assert tasks.filter(status="open").exists()
    assert tasks.exclude(status="open").exists()
    # An "applied" answer made an application on the person's behalf (P3).
    if tasks.filter(status="applied").exists():
        assert applications().filter(channel="outreach").exists()
    reviews = set(TemporaryAssistance.objects.values_list("review", flat=True))
    assert reviews == {"pending", "confirmed"}
    overdue = TemporaryAssistance.objects.filter(
        review="pending", district_review_by__lt=timezone.localdate()
    )
    assert overdue.exists()


def test_the_demo_accounts_are_free_to_take_the_next_step(seeded):
    # The seeded steps were taken by the synthetic officers, so the demo street officer may take the next
    # one of any application in their street (no separation-of-duties refusal).
    from xiaokang.accounts.models import User

    demo = User.objects.get(username="demo_street")
    assert not ApplicationEvent.objects.filter(actor=demo).exists()
    officers = User.objects.filter(username__startswith="synth_")
    assert officers.exists() and not any(officer.has_usable_password() for officer in officers)


def test_seeded_once_if_empty_does_nothing_the_second_time(seeded, capsys):
    counts = (applications().count(), Roster.objects.count(), AuditEvent.objects.count())
    assert (
        main(["seed", "--persons", str(PERSONS), "--applications", "5", "--if-empty", "--demo-accounts"]) == 0
    )
    out = capsys.readouterr().out
    assert "nothing seeded" in out and "no cases seeded" in out
    assert (applications().count(), Roster.objects.count()) == counts[:2]
    # Without --if-empty too: a district is seeded once.
    assert main(["seed", "--persons", "0", "--applications", "5"]) == 0
    assert applications().count() == counts[0]


class Rollback(Exception):
    pass


def _fingerprint(result) -> tuple:
    rows = (
        applications()
        .order_by("number")
        .values_list(
            "number", "person__id_number_index", "policy_id", "state", "received_on", "accept_by", "decide_by"
        )
    )
    return result.summary(), list(rows)


def test_same_seed_same_district(documents_dir):
    actor = SystemActor("test seed")
    seed_registry(actor=actor, persons=PERSONS, seed=1)
    today = timezone.localdate()
    with pytest.raises(Rollback), transaction.atomic():
        first = _fingerprint(seed_cases(actor=actor, applications=APPLICATIONS, seed=7, today=today))
        raise Rollback
    assert not applications().exists()
    second = _fingerprint(seed_cases(actor=actor, applications=APPLICATIONS, seed=7, today=today))
    assert first == second
    assert sum(first[0]["applications"].values()) >= len(ROUTES)


def test_a_negative_count_is_a_usage_error(capsys):
    assert main(["seed", "--persons", "1", "--applications", "-1"]) == 2
    assert "--applications" in capsys.readouterr().err
    assert not applications().exists()


def test_help_shows_the_option(capsys):
    with pytest.raises(SystemExit):
        main(["seed", "--help"])
    assert "--applications" in capsys.readouterr().out
