"""Enrolments, monthly rosters and outreach (P3, S5, R7): the amount the rules give on the month's
first day, the deceased held, an approved month locked, nobody paid twice, outreach without duplicates."""

import datetime as dt

import pytest

from xiaokang.accounts.actors import SystemActor
from xiaokang.audit.models import AuditEvent
from xiaokang.cases.models import Application, Enrolment, OutreachTask, Roster, RosterLine, State
from xiaokang.cases.outreach import outreach_create
from xiaokang.cases.rosters import RosterError, roster_approve, roster_build, roster_rows
from xiaokang.cases.services import application_submit, application_transition
from xiaokang.policies import evaluation
from xiaokang.registry.models import Person

pytestmark = pytest.mark.django_db
OCTOBER = dt.date(2025, 10, 1)


def enrolled(person, actor, li_district_officer, policy="living_subsidy"):
    application = application_submit(
        actor=actor, person=person, policy_id=policy, channel="counter", received_on=dt.date(2025, 9, 30)
    ).application
    Application.objects.unscoped(reason="test").filter(pk=application.pk).update(state=State.APPROVED)
    application.refresh_from_db()
    application_transition(
        actor=li_district_officer, application=application, action="enrol", version=application.version
    )
    return Enrolment.objects.get(application=application)


def test_enrolling_starts_payment_the_month_after_the_application_was_received(
    people, sun_community_a, li_district_officer
):
    enrolment = enrolled(people["a"], sun_community_a, li_district_officer)

    assert (enrolment.start_month, enrolment.status) == (OCTOBER, "active")
    assert enrolment.application.events.get(action="enrol").details["start_month"] == "2025-10-01"


def test_the_roster_pays_the_rules_amount_and_holds_the_deceased_with_the_reason(
    people, sun_community_a, li_district_officer
):
    enrolled(people["a"], sun_community_a, li_district_officer)
    ordinary = enrolled(people["ordinary"], sun_community_a, li_district_officer)  # no longer qualifies
    Person.objects.unscoped(reason="test").filter(pk=people["a"].pk).update(status="deceased")

    summary = roster_build(actor=SystemActor("tests"), policy_id="living_subsidy", month=OCTOBER)

    lines = {line.person_id: line for line in summary.roster.lines.all()}
    assert (summary.paid, summary.held) == (0, 2)
    assert lines[people["a"].pk].failed == "status_normal"
    assert lines[ordinary.person_id].failed == "economic_status"


def test_a_qualifying_person_is_paid_and_an_approved_month_is_locked(
    people, sun_community_a, li_district_officer, wang_street_a
):
    enrolled(people["a"], sun_community_a, li_district_officer)
    summary = roster_build(actor=SystemActor("tests"), policy_id="living_subsidy", month=OCTOBER)
    assert (summary.paid, summary.total_fen) == (1, 40000)
    assert summary.by_street == [{"street": "万寿路街道", "paid": 1, "held": 0, "total_fen": 40000}]

    with pytest.raises(RosterError):
        roster_approve(actor=wang_street_a, roster=summary.roster)  # street staff do not approve
    roster_approve(actor=li_district_officer, roster=summary.roster)

    with pytest.raises(RosterError, match="approved"):
        roster_build(actor=SystemActor("tests"), policy_id="living_subsidy", month=OCTOBER)
    assert RosterLine.objects.unscoped(reason="test").get().approved
    assert AuditEvent.objects.filter(action="roster.approve").count() == 1


def test_the_database_refuses_a_person_paid_twice_for_one_policy_and_month(
    people, sun_community_a, li_district_officer
):
    from django.db import IntegrityError, transaction

    enrolment = enrolled(people["a"], sun_community_a, li_district_officer)
    roster = roster_build(actor=SystemActor("tests"), policy_id="living_subsidy", month=OCTOBER).roster
    roster_approve(actor=li_district_officer, roster=roster)
    line = RosterLine.objects.unscoped(reason="test").get()

    with pytest.raises(IntegrityError), transaction.atomic():
        RosterLine.objects.create(
            roster=roster,
            enrolment=enrolment,
            person=line.person,
            policy_id="living_subsidy",
            month=OCTOBER,
            paid=True,
            amount_fen=40000,
            street=line.street,
            community=line.community,
            approved=True,
        )


def test_rebuilding_a_draft_replaces_its_lines(people, sun_community_a, li_district_officer):
    enrolled(people["a"], sun_community_a, li_district_officer)
    first = roster_build(actor=SystemActor("tests"), policy_id="living_subsidy", month=OCTOBER)
    again = roster_build(actor=SystemActor("tests"), policy_id="living_subsidy", month=OCTOBER)

    assert first.roster.pk == again.roster.pk
    assert RosterLine.objects.unscoped(reason="test").count() == 1 and Roster.objects.count() == 1


def test_an_enrolment_starting_later_is_not_on_an_earlier_roster(
    people, sun_community_a, li_district_officer
):
    enrolled(people["a"], sun_community_a, li_district_officer)

    summary = roster_build(actor=SystemActor("tests"), policy_id="living_subsidy", month=dt.date(2025, 9, 1))

    assert (summary.paid, summary.held) == (0, 0)


def test_roster_export_masks_id_numbers_except_for_the_district_administrator(
    people, sun_community_a, li_district_officer
):
    enrolled(people["a"], sun_community_a, li_district_officer)
    roster = roster_build(actor=SystemActor("tests"), policy_id="living_subsidy", month=OCTOBER).roster

    [masked] = roster_rows([roster], paid=True, full=False)
    [full] = roster_rows([roster], paid=True, full=True)

    assert masked == (
        people["a"].id_number_masked,
        "测试1",
        "110108001",
        people["a"].community.name,
        "living_subsidy",
        "2025-10",
        "400.00",
    )
    assert "*" not in full[0] and len(full[0]) == 18


def test_outreach_tasks_go_to_qualifying_persons_without_an_enrolment_or_application_once(
    people, sun_community_a, li_district_officer, system_actor
):
    run = evaluation.evaluate_registry(dt.date.today(), actor=system_actor).run
    application_submit(
        actor=sun_community_a,
        person=people["a"],
        policy_id="care_subsidy",
        channel="counter",
        received_on=dt.date.today(),
    )

    created = outreach_create(actor=system_actor, run=run)
    again = outreach_create(actor=system_actor, run=run)

    tasks = set(OutreachTask.objects.unscoped(reason="test").values_list("person__name", "policy_id"))
    # 测试1 (低保, grade 1) qualifies for both subsidies but has applied for the care subsidy;
    # 测试2 (street B, the same) for both; 测试3 (一般) for the care subsidy only.
    assert tasks == {
        ("测试1", "living_subsidy"),
        ("测试2", "living_subsidy"),
        ("测试2", "care_subsidy"),
        ("测试3", "care_subsidy"),
    }
    assert (created, again) == (4, 0)


def test_after_a_run_the_dead_are_terminated_and_the_no_longer_eligible_suspended_for_review(
    people, sun_community_a, li_district_officer, system_actor
):
    from xiaokang.cases.enrolments import enrolments_after_run
    from xiaokang.cases.models import ReviewTask
    from xiaokang.registry.models import Household

    dead = enrolled(people["a"], sun_community_a, li_district_officer)
    poorer = enrolled(people["b"], sun_community_a, li_district_officer)
    kept = enrolled(people["a"], sun_community_a, li_district_officer, policy="care_subsidy")
    Person.objects.unscoped(reason="test").filter(pk=people["a"].pk).update(status="deceased")
    Household.objects.filter(pk=people["b"].household_id).update(economic_status="ordinary")
    run = evaluation.evaluate_registry(dt.date.today(), actor=system_actor).run

    changes = enrolments_after_run(actor=system_actor, run=run)

    assert (changes.terminated, changes.suspended) == (2, 1)  # 测试1's two enrolments; 测试2's subsidy
    statuses = dict(Enrolment.objects.values_list("pk", "status"))
    assert statuses == {dead.pk: "terminated", kept.pk: "terminated", poorer.pk: "suspended"}
    task = ReviewTask.objects.unscoped(reason="test").get()
    assert (task.enrolment_id, task.failed, task.street.code) == (
        poorer.pk,
        "economic_status",
        "110108011000",
    )
    assert enrolments_after_run(actor=system_actor, run=run) == type(changes)(0, 0)


def test_an_outreach_answer_applied_creates_the_outreach_application_once(
    people, sun_community_a, system_actor
):
    from xiaokang.cases.outreach import outreach_record_outcome
    from xiaokang.cases.services import WorkflowError

    run = evaluation.evaluate_registry(dt.date.today(), actor=system_actor).run
    outreach_create(actor=system_actor, run=run)
    task = OutreachTask.objects.unscoped(reason="test").get(person=people["a"], policy_id="living_subsidy")

    answered = outreach_record_outcome(
        actor=sun_community_a, task=task, outcome="applied", note="电话联系，同意申请"
    )

    application = Application.objects.unscoped(reason="test").get(
        person=people["a"], policy_id="living_subsidy"
    )
    assert answered == application
    assert (application.channel, application.state) == ("outreach", State.SUBMITTED)
    task.refresh_from_db()
    assert (task.status, task.note) == ("applied", "电话联系，同意申请")
    with pytest.raises(WorkflowError) as error:
        outreach_record_outcome(actor=sun_community_a, task=task, outcome="declined")
    assert error.value.kind == "stale"


def test_a_review_reinstates_or_terminates_the_suspended_enrolment(
    people, sun_community_a, li_district_officer, wang_street_a, system_actor
):
    from xiaokang.cases.enrolments import enrolments_after_run, review_resolve
    from xiaokang.cases.models import ReviewTask
    from xiaokang.cases.services import WorkflowError
    from xiaokang.registry.models import Household

    enrolment = enrolled(people["a"], sun_community_a, li_district_officer)
    Household.objects.filter(pk=people["a"].household_id).update(economic_status="ordinary")
    enrolments_after_run(
        actor=system_actor, run=evaluation.evaluate_registry(dt.date.today(), actor=system_actor).run
    )
    task = ReviewTask.objects.unscoped(reason="test").get()

    with pytest.raises(WorkflowError):
        review_resolve(actor=sun_community_a, task=task, decision="reinstate")
    review_resolve(actor=wang_street_a, task=task, decision="reinstate", note="低保复核中，恢复发放")

    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.status_reason) == ("active", "低保复核中，恢复发放")
    assert ReviewTask.objects.unscoped(reason="test").get().status == "resolved"


def test_only_district_staff_build_rosters(people, wang_street_a):
    with pytest.raises(RosterError, match="district"):
        roster_build(actor=wang_street_a, policy_id="living_subsidy", month=OCTOBER)
    assert Roster.objects.count() == 0


def test_a_draft_rebuilt_after_it_was_read_is_not_approved(people, sun_community_a, li_district_officer):
    enrolled(people["a"], sun_community_a, li_district_officer)
    read = roster_build(actor=SystemActor("tests"), policy_id="living_subsidy", month=OCTOBER).roster
    seen = read.built_at
    roster_build(actor=SystemActor("tests"), policy_id="living_subsidy", month=OCTOBER)

    with pytest.raises(RosterError, match="rebuilt"):
        roster_approve(actor=li_district_officer, roster=read, built_at=seen)
    assert not Roster.objects.get().approved


def test_an_outreach_task_answered_applied_while_an_application_is_open_links_to_it(
    people, sun_community_a, system_actor
):
    from xiaokang.cases.outreach import outreach_record_outcome

    run = evaluation.evaluate_registry(dt.date.today(), actor=system_actor).run
    outreach_create(actor=system_actor, run=run)
    task = OutreachTask.objects.unscoped(reason="test").get(person=people["a"], policy_id="living_subsidy")
    counter = application_submit(
        actor=sun_community_a,
        person=people["a"],
        policy_id="living_subsidy",
        channel="counter",
        received_on=dt.date.today(),
    ).application

    answered = outreach_record_outcome(actor=sun_community_a, task=task, outcome="applied")

    assert answered == counter
    assert (
        Application.objects.unscoped(reason="test")
        .filter(person=people["a"], policy_id="living_subsidy")
        .count()
        == 1
    )
    assert AuditEvent.objects.get(action="outreach.outcome").details["application"] == counter.number


def test_the_first_roster_pays_arrears_for_the_months_since_the_enrolment_started(
    people, sun_community_a, li_district_officer
):
    enrolled(people["a"], sun_community_a, li_district_officer)  # received 2025-09-30: paid from October

    december = roster_build(
        actor=SystemActor("tests"), policy_id="living_subsidy", month=dt.date(2025, 12, 1)
    )

    months = sorted(december.roster.lines.values_list("month", "paid", "amount_fen"))
    assert months == [
        (dt.date(2025, 10, 1), True, 40000),
        (dt.date(2025, 11, 1), True, 40000),
        (dt.date(2025, 12, 1), True, 40000),
    ]
    assert december.total_fen == 120000
    roster_approve(actor=li_district_officer, roster=december.roster)
    january = roster_build(actor=SystemActor("tests"), policy_id="living_subsidy", month=dt.date(2026, 1, 1))
    assert list(january.roster.lines.values_list("month", flat=True)) == [dt.date(2026, 1, 1)]


def test_an_imported_enrolment_gets_no_arrears_for_the_months_the_legacy_system_paid(
    people, li_district_officer
):
    Enrolment.objects.create(person=people["a"], policy_id="living_subsidy", start_month=dt.date(2024, 1, 1))

    summary = roster_build(actor=SystemActor("tests"), policy_id="living_subsidy", month=dt.date(2025, 12, 1))

    assert list(summary.roster.lines.values_list("month", flat=True)) == [dt.date(2025, 12, 1)]


def test_a_reinstated_imported_enrolment_is_paid_the_months_it_missed(people, li_district_officer):
    enrolment = Enrolment.objects.create(
        person=people["a"], policy_id="living_subsidy", start_month=dt.date(2024, 1, 1)
    )
    october = roster_build(actor=SystemActor("tests"), policy_id="living_subsidy", month=OCTOBER).roster
    roster_approve(actor=li_district_officer, roster=october)
    Enrolment.objects.filter(pk=enrolment.pk).update(status="suspended")
    roster_build(
        actor=SystemActor("tests"), policy_id="living_subsidy", month=dt.date(2025, 11, 1)
    )  # not on it
    Enrolment.objects.filter(pk=enrolment.pk).update(status="active")  # reinstated

    december = roster_build(
        actor=SystemActor("tests"), policy_id="living_subsidy", month=dt.date(2025, 12, 1)
    )

    assert sorted(december.roster.lines.values_list("month", flat=True)) == [
        dt.date(2025, 11, 1),
        dt.date(2025, 12, 1),
    ]
