"""The application workflow (S4): the journey, every illegal transition refused, reasons,
optimistic versions, idempotent submission, deadlines in working days, appeals by another officer."""

import datetime as dt

import pytest

from xiaokang.audit.models import AuditEvent
from xiaokang.cases.models import Application, ApplicationEvent, State
from xiaokang.cases.services import WorkflowError, application_submit, application_transition
from xiaokang.cases.tests.workflow import RECEIVED, move, submit
from xiaokang.cases.workflow import ACTIONS, STEPS

pytestmark = pytest.mark.django_db


def test_the_whole_journey_from_counter_to_enrolment(
    people, sun_community_a, zheng_community_a, wang_street_a, li_district_officer, liu_district_officer
):
    application = submit(sun_community_a, people["a"])

    assert application.number == "HD-2025-000001"
    assert (application.state, application.accept_by, application.decide_by) == (
        State.SUBMITTED,
        dt.date(2025, 10, 14),
        dt.date(2025, 11, 4),
    )
    for actor, action, state in [
        (sun_community_a, "accept", State.COMMUNITY_REVIEW),
        (zheng_community_a, "forward", State.STREET_REVIEW),
        (wang_street_a, "forward", State.DISTRICT_REVIEW),
        (li_district_officer, "approve", State.APPROVED),
        (liu_district_officer, "enrol", State.ENROLLED),
    ]:
        application = move(actor, application, action)
        assert application.state == state

    assert application.version == 6
    timeline = list(application.events.values_list("action", "to_state", "actor_label"))
    assert timeline[0] == ("submit", "submitted", "community_a")
    assert [step[0] for step in timeline] == ["submit", "accept", "forward", "forward", "approve", "enrol"]
    actions = (
        AuditEvent.objects.filter(object_type="application").order_by("id").values_list("action", flat=True)
    )
    assert list(actions) == [
        "application.submit",
        "application.accept",
        "application.forward",
        "application.forward",
        "application.approve",
        "application.enrol",
    ]


def test_every_step_not_in_the_workflow_is_refused_and_changes_nothing(
    people, sun_community_a, wang_street_a, li_district_officer
):
    actors = {
        "community_worker": sun_community_a,
        "street_officer": wang_street_a,
        "district_officer": li_district_officer,
    }
    application = submit(sun_community_a, people["a"])
    refused = 0
    for state in State.values:
        Application.objects.unscoped(reason="test").filter(pk=application.pk).update(state=state)
        for action in ACTIONS:
            step = STEPS.get((state, action))
            for role, actor in actors.items():
                if step is not None and role in step.roles:
                    continue
                current = Application.objects.unscoped(reason="test").get(pk=application.pk)
                events = ApplicationEvent.objects.count()
                with pytest.raises(WorkflowError) as error:
                    move(actor, current, action, reason="a reason")
                assert error.value.kind == "illegal", (state, action, role)
                after = Application.objects.unscoped(reason="test").get(pk=application.pk)
                assert (after.state, after.version) == (state, current.version)
                assert ApplicationEvent.objects.count() == events
                refused += 1
    assert refused > 150


@pytest.mark.parametrize(("state", "action"), [("submitted", "return"), ("district_review", "reject")])
def test_returning_and_rejecting_need_a_reason(people, sun_community_a, li_district_officer, state, action):
    application = submit(sun_community_a, people["a"])
    Application.objects.unscoped(reason="test").filter(pk=application.pk).update(state=state)
    application.refresh_from_db()
    actor = sun_community_a if state == "submitted" else li_district_officer

    with pytest.raises(WorkflowError) as error:
        move(actor, application, action, reason="  ")

    assert (error.value.kind, error.value.field) == ("invalid", "reason")


def test_a_rejection_lists_the_failed_conditions_with_their_citations(
    people, sun_community_a, li_district_officer
):
    application = submit(sun_community_a, people["ordinary"])
    Application.objects.unscoped(reason="test").filter(pk=application.pk).update(state=State.DISTRICT_REVIEW)
    application.refresh_from_db()

    application = move(li_district_officer, application, "reject", reason="家庭经济状况不符合")

    event = application.events.get(action="reject")
    assert [c["id"] for c in event.details["failed_conditions"]] == ["economic_status"]
    assert "国发〔2015〕52号" in event.details["failed_conditions"][0]["citation"]
    assert application.rejected_by == li_district_officer


def test_an_appeal_is_decided_by_another_officer_within_the_period(
    people, sun_community_a, li_district_officer, liu_district_officer
):
    application = submit(sun_community_a, people["ordinary"])
    Application.objects.unscoped(reason="test").filter(pk=application.pk).update(state=State.DISTRICT_REVIEW)
    application.refresh_from_db()
    application = move(li_district_officer, application, "reject", reason="不符合")
    application = move(sun_community_a, application, "appeal", reason="申请人提出复议")

    with pytest.raises(WorkflowError) as error:
        move(li_district_officer, application, "approve")
    assert error.value.kind == "duty"
    assert "you rejected this application; another officer must decide the appeal" in error.value.message

    assert move(liu_district_officer, application, "approve").state == State.APPROVED


def test_an_appeal_after_the_period_is_refused(people, sun_community_a, li_district_officer):
    application = submit(sun_community_a, people["ordinary"])
    Application.objects.unscoped(reason="test").filter(pk=application.pk).update(
        state=State.REJECTED,
        rejected_by=li_district_officer,
        rejected_on=dt.date.today() - dt.timedelta(days=61),
    )
    application.refresh_from_db()

    with pytest.raises(WorkflowError, match="60-day appeal period"):
        move(sun_community_a, application, "appeal", reason="复议")


def test_two_officers_at_once_one_wins_and_the_other_gets_a_conflict(people, sun_community_a, wang_street_a):
    application = submit(sun_community_a, people["a"])
    first_read = Application.objects.unscoped(reason="test").get(pk=application.pk)
    second_read = Application.objects.unscoped(reason="test").get(pk=application.pk)

    move(sun_community_a, first_read, "accept")
    with pytest.raises(WorkflowError) as error:
        move(wang_street_a, second_read, "return", reason="材料不全")

    assert error.value.kind == "stale"
    after = Application.objects.unscoped(reason="test").get(pk=application.pk)
    assert (after.state, after.version) == (State.COMMUNITY_REVIEW, 2)
    assert application.events.count() == 2


def test_a_stale_version_is_refused_whatever_the_action(people, sun_community_a):
    application = submit(sun_community_a, people["a"])

    with pytest.raises(WorkflowError) as error:
        application_transition(actor=sun_community_a, application=application, action="fly", version=7)

    assert error.value.kind == "stale"


def test_the_same_idempotency_key_creates_one_application(people, sun_community_a):
    form = {
        "policy_id": "living_subsidy",
        "channel": "counter",
        "received_on": RECEIVED,
        "idempotency_key": "k-1",
    }
    first = application_submit(actor=sun_community_a, person=people["a"], **form)
    again = application_submit(actor=sun_community_a, person=people["a"], **form)

    assert (first.created, again.created) == (True, False)
    assert first.application.pk == again.application.pk
    assert Application.objects.unscoped(reason="test").count() == 1


def test_a_second_open_application_for_the_same_policy_is_refused_naming_the_first(people, sun_community_a):
    first = submit(sun_community_a, people["a"])

    with pytest.raises(WorkflowError) as error:
        submit(sun_community_a, people["a"])

    assert first.number in error.value.message and error.value.field == "policy"
    assert submit(sun_community_a, people["a"], policy="care_subsidy").number == "HD-2025-000002"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"policy": "no_such_policy"}, "policy"),
        ({"channel": "fax"}, "channel"),
        ({"received_on": dt.date.today() + dt.timedelta(days=1)}, "received_on"),
    ],
)
def test_bad_submissions_are_refused_naming_the_field(people, sun_community_a, changes, field):
    with pytest.raises(WorkflowError) as error:
        submit(sun_community_a, people["a"], **changes)

    assert (error.value.kind, error.value.field) == ("invalid", field)
    assert Application.objects.unscoped(reason="test").count() == 0


def test_a_person_who_died_or_moved_out_cannot_apply(people, sun_community_a):
    from xiaokang.registry.models import Person

    Person.objects.unscoped(reason="test").filter(pk=people["a"].pk).update(status="moved_out")
    people["a"].refresh_from_db()

    with pytest.raises(WorkflowError) as error:
        submit(sun_community_a, people["a"])

    assert error.value.field == "id_number"


def test_an_idempotency_key_reused_for_another_policy_is_refused(people, sun_community_a):
    submit(sun_community_a, people["a"], idempotency_key="k-9")

    with pytest.raises(WorkflowError) as error:
        submit(sun_community_a, people["a"], policy="care_subsidy", idempotency_key="k-9")

    assert error.value.field == "idempotency_key" and "HD-2025-000001" in error.value.message


def test_an_appeal_gets_its_own_decision_deadline(people, sun_community_a, li_district_officer):
    application = submit(sun_community_a, people["ordinary"])
    Application.objects.unscoped(reason="test").filter(pk=application.pk).update(
        state=State.REJECTED, rejected_by=li_district_officer
    )
    application.refresh_from_db()

    application = move(sun_community_a, application, "appeal", reason="复议")

    assert application.decide_by > dt.date.today()
