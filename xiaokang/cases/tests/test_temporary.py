"""Temporary assistance (临时救助, S3; docs/cases.md): a street officer's one-off grant on the spot up to
the limit of the policy file, the documents added afterwards, the district's review within its deadline
by another officer (maker-checker), on the version read; scope, roles, the policy's conditions, the
deadlines in working days, the pages (grant form, list with what is overdue, review on the application
page, printable notice) and the policy file's own cases.

The pages are read in English (the msgids)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xiaokang.audit.models import AuditEvent
from xiaokang.cases.documents import document_add
from xiaokang.cases.forms.applications import ApplicationForm
from xiaokang.cases.models import (
    Application,
    ApplicationEvent,
    Enrolment,
    OutreachTask,
    State,
    TemporaryAssistance,
    TemporaryReview,
)
from xiaokang.cases.outreach import outreach_create
from xiaokang.cases.rosters import cash_policy_ids
from xiaokang.cases.services import (
    TEMPORARY_POLICY_ID,
    WorkflowError,
    application_submit,
    application_transition,
)
from xiaokang.cases.temporary import temporary_assistance_grant, temporary_assistance_review
from xiaokang.cases.tests.workflow import client_for, text
from xiaokang.core.workdays import add_working_days
from xiaokang.policies import evaluation
from xiaokang.policies.casebook import run_cases
from xiaokang.policies.engine.loader import policies
from xiaokang.registry.models import Person

pytestmark = pytest.mark.django_db

SEPTEMBER_30 = dt.date(2025, 9, 30)  # the day before the National Day holiday (1–8 October 2025)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
LIST = "/staff/work/temporary/"


@pytest.fixture(autouse=True)
def documents_dir(settings, tmp_path):
    settings.XIAOKANG_DOCUMENTS_DIR = tmp_path / "documents"
    return settings.XIAOKANG_DOCUMENTS_DIR


def limit(day: dt.date = SEPTEMBER_30) -> Decimal:
    """The street approval limit of the policy file on ``day`` (whatever value it is corrected to)."""
    parameter = policies()[TEMPORARY_POLICY_ID].parameters["street_approval_limit"]
    return Decimal(parameter.value_on(day).value)


def working_days(name: str, day: dt.date = SEPTEMBER_30) -> int:
    return int(policies()[TEMPORARY_POLICY_ID].parameters[name].value_on(day).value)


def grant(
    actor, person, amount=Decimal("1500"), *, received_on=SEPTEMBER_30, reason="家中失火，急需生活费", **kw
):
    return temporary_assistance_grant(
        actor=actor, person=person, amount=amount, reason=reason, received_on=received_on, **kw
    ).application


def attach(actor, application):
    return document_add(
        actor=actor,
        application=application,
        upload=SimpleUploadedFile("诊断证明.pdf", PDF, content_type="application/pdf"),
    )


def nothing_written() -> bool:
    return (
        not Application.objects.unscoped(reason="test").exists()
        and not TemporaryAssistance.objects.exists()
        and not AuditEvent.objects.filter(action__startswith="temporary_assistance.").exists()
    )


# ---------------------------------------------------------------------------------------------------
# The grant


def test_an_amount_over_the_limit_is_refused_naming_the_limit_and_nothing_is_written(people, wang_street_a):
    with pytest.raises(WorkflowError) as refused:
        grant(wang_street_a, people["a"], limit() + Decimal("0.01"))

    assert refused.value.field == "amount"
    assert f"{limit():,.2f}" in refused.value.message
    assert nothing_written()


def test_an_amount_at_the_limit_is_granted_approved_at_once_with_its_event_and_audit(people, wang_street_a):
    application = grant(wang_street_a, people["a"], limit())

    assert application.number == "HD-2025-000001"
    assert (application.policy_id, application.state, application.version) == (
        TEMPORARY_POLICY_ID,
        State.APPROVED,
        1,
    )
    record = application.temporary_assistance
    assert record.amount_fen == record.limit_fen == int(limit() * 100)
    assert (record.granted_by, record.granted_on, record.review) == (
        wang_street_a,
        SEPTEMBER_30,
        TemporaryReview.PENDING,
    )
    assert record.reason == "家中失火，急需生活费"
    event = ApplicationEvent.objects.get(application=application)
    assert (event.action, event.from_state, event.to_state) == ("grant", "", State.APPROVED)
    audit = AuditEvent.objects.get(action="temporary_assistance.grant")
    assert (audit.object_id, audit.person_id, audit.actor_label) == (
        application.number,
        people["a"].pk,
        "street_a",
    )
    # Eligibility, not cash: no enrolment, and it is no cash policy for rosters and outreach.
    assert not Enrolment.objects.exists()
    assert TEMPORARY_POLICY_ID not in cash_policy_ids()


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5"), "12.345", "abc", "1e40", "NaN"])
def test_an_amount_that_is_not_a_positive_sum_of_yuan_and_fen_is_refused(people, wang_street_a, amount):
    with pytest.raises(WorkflowError) as refused:
        grant(wang_street_a, people["a"], amount)

    assert refused.value.field == "amount"
    assert nothing_written()


def test_the_emergency_must_be_described(people, wang_street_a):
    with pytest.raises(WorkflowError) as refused:
        grant(wang_street_a, people["a"], reason="  ")

    assert refused.value.field == "reason"
    assert nothing_written()


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        pytest.param("zhao_street_b", 404, id="an officer of another street: refused, 404 and audited"),
        pytest.param("sun_community_a", 403, id="a community worker: refused, 403"),
    ],
)
def test_an_officer_of_another_street_or_a_community_worker_may_not_grant(people, request, actor, status):
    user = request.getfixturevalue(actor)
    with pytest.raises(WorkflowError) as refused:
        grant(user, people["a"])
    assert refused.value.kind == "illegal"

    client = client_for(user)
    assert client.get(f"/staff/work/temporary/new/{people['a'].pk}/").status_code == status
    response = client.post(
        f"/staff/work/temporary/new/{people['a'].pk}/",
        {"amount": "100", "reason": "急", "received_on": "2025-09-30", "submission_token": "t1"},
    )
    assert response.status_code == status
    assert nothing_written()
    if status == 404:  # no existence leak, and the attempt is audited
        assert AuditEvent.objects.filter(action="access.denied").exists()


def test_a_deceased_person_is_refused_with_the_condition_not_met(people, wang_street_a):
    Person.objects.unscoped(reason="test").filter(pk=people["a"].pk).update(status="deceased")
    person = Person.objects.unscoped(reason="test").get(pk=people["a"].pk)

    with pytest.raises(WorkflowError) as refused:
        grant(wang_street_a, person)

    assert "人员状态为正常（未迁出、未死亡）" in refused.value.message
    assert "status normal" in refused.value.message
    assert nothing_written()
    page = client_for(wang_street_a).get(f"/staff/work/temporary/new/{person.pk}/")
    assert "This person cannot receive temporary assistance today" in text(page.content.decode())


def test_the_deadlines_are_working_days_from_the_grant_across_the_national_day_holiday(people, wang_street_a):
    application = grant(wang_street_a, people["a"], received_on=SEPTEMBER_30)
    record = application.temporary_assistance

    documents = add_working_days(SEPTEMBER_30, working_days("documents_working_days")).day
    review = add_working_days(SEPTEMBER_30, working_days("district_review_working_days")).day
    assert (record.documents_due_by, record.district_review_by) == (documents, review)
    # With the shipped 10 working days: 1–8 October are the holiday, Saturday 11 October is worked.
    if working_days("documents_working_days") == 10:
        assert record.documents_due_by == dt.date(2025, 10, 21)
    assert (application.accept_by, application.decide_by) == (SEPTEMBER_30, record.district_review_by)
    assert not record.deadlines_provisional


def test_a_grant_cannot_be_dated_in_the_future(people, wang_street_a):
    with pytest.raises(WorkflowError) as refused:
        grant(wang_street_a, people["a"], received_on=timezone.localdate() + dt.timedelta(days=1))
    assert refused.value.field == "received_on"


def test_a_second_grant_waits_for_the_district_review_of_the_first(
    people, wang_street_a, li_district_officer
):
    first = grant(wang_street_a, people["a"])

    with pytest.raises(WorkflowError) as refused:
        grant(wang_street_a, people["a"], reason="又遇困难")
    assert first.number in refused.value.message

    attach(wang_street_a, first)
    temporary_assistance_review(actor=li_district_officer, application=first, version=1, decision="confirm")
    second = grant(wang_street_a, people["a"], reason="又遇困难")
    assert second.number == "HD-2025-000002"


def test_the_same_form_token_twice_grants_once(people, wang_street_a):
    form = {"amount": "800", "reason": "急", "received_on": SEPTEMBER_30, "idempotency_key": "k1"}
    first = temporary_assistance_grant(actor=wang_street_a, person=people["a"], **form)
    again = temporary_assistance_grant(actor=wang_street_a, person=people["a"], **form)

    assert first.created and not again.created
    assert again.application == first.application
    assert TemporaryAssistance.objects.count() == 1


def test_temporary_assistance_is_not_applied_for_nor_moved_through_the_workflow(
    people, wang_street_a, sun_community_a, li_district_officer
):
    with pytest.raises(WorkflowError) as refused:
        application_submit(
            actor=sun_community_a,
            person=people["a"],
            policy_id=TEMPORARY_POLICY_ID,
            channel="counter",
            received_on=SEPTEMBER_30,
        )
    assert refused.value.field == "policy"
    assert TEMPORARY_POLICY_ID not in dict(ApplicationForm().fields["policy"].choices)

    application = grant(wang_street_a, people["a"])
    with pytest.raises(WorkflowError) as illegal:
        application_transition(actor=li_district_officer, application=application, action="enrol", version=1)
    assert illegal.value.kind == "illegal"
    assert not Enrolment.objects.exists()


# ---------------------------------------------------------------------------------------------------
# The district's review


def test_the_district_confirms_a_grant_once_its_documents_are_attached(
    people, wang_street_a, li_district_officer
):
    application = grant(wang_street_a, people["a"])

    with pytest.raises(WorkflowError) as refused:
        temporary_assistance_review(
            actor=li_district_officer, application=application, version=1, decision="confirm"
        )
    assert refused.value.field == "documents"

    attach(wang_street_a, application)  # the documents, afterwards, through the documents mechanism
    application = temporary_assistance_review(
        actor=li_district_officer, application=application, version=1, decision="confirm"
    )

    assert (application.state, application.version) == (State.CONFIRMED, 2)
    record = TemporaryAssistance.objects.get(pk=application.pk)
    assert (record.review, record.reviewed_by, record.review_reason) == (
        TemporaryReview.CONFIRMED,
        li_district_officer,
        "",
    )
    assert record.reviewed_at is not None
    assert list(application.events.values_list("action", flat=True)) == ["grant", "confirm"]
    assert AuditEvent.objects.filter(
        action="temporary_assistance.confirm", object_id=application.number
    ).exists()


def test_the_district_rejects_a_grant_with_a_reason(people, wang_street_a, li_district_officer):
    application = grant(wang_street_a, people["a"])

    with pytest.raises(WorkflowError) as refused:
        temporary_assistance_review(
            actor=li_district_officer, application=application, version=1, decision="reject"
        )
    assert refused.value.field == "reason"

    application = temporary_assistance_review(
        actor=li_district_officer,
        application=application,
        version=1,
        decision="reject",
        reason="经核实不属于突发困难",
    )

    assert application.state == State.REJECTED
    assert (application.rejected_by, application.rejected_on) == (li_district_officer, timezone.localdate())
    record = TemporaryAssistance.objects.get(pk=application.pk)
    assert (record.review, record.review_reason) == (TemporaryReview.REJECTED, "经核实不属于突发困难")
    assert AuditEvent.objects.filter(action="temporary_assistance.reject").exists()
    # Not the ordinary workflow: no appeal recorded through it.
    with pytest.raises(WorkflowError):
        application_transition(
            actor=li_district_officer, application=application, action="appeal", version=2, reason="不服"
        )


def test_whoever_granted_it_does_not_review_it(people, li_district_officer, liu_district_officer):
    application = grant(li_district_officer, people["a"])
    attach(li_district_officer, application)

    with pytest.raises(WorkflowError) as refused:
        temporary_assistance_review(
            actor=li_district_officer, application=application, version=1, decision="confirm"
        )
    assert refused.value.kind == "duty"
    assert "you granted this temporary assistance; another officer must review it" in refused.value.message
    page = text(
        client_for(li_district_officer).get(f"/staff/applications/{application.pk}/").content.decode()
    )
    assert "so another district officer reviews it" in page and "Record the review" not in page

    application = temporary_assistance_review(
        actor=liu_district_officer, application=application, version=1, decision="confirm"
    )
    assert application.state == State.CONFIRMED


def test_a_street_officer_does_not_review(people, wang_street_a, li_district_officer):
    application = grant(li_district_officer, people["a"])
    with pytest.raises(WorkflowError) as refused:
        temporary_assistance_review(
            actor=wang_street_a, application=application, version=1, decision="reject"
        )
    assert refused.value.kind == "illegal"

    response = client_for(wang_street_a).post(
        f"/staff/applications/{application.pk}/temporary-review/",
        {"decision": "reject", "version": "1", "reason": "x"},
    )
    assert response.status_code == 403


def test_a_review_on_a_stale_version_is_a_conflict_and_changes_nothing(
    people, wang_street_a, li_district_officer, liu_district_officer
):
    application = grant(wang_street_a, people["a"])
    attach(wang_street_a, application)
    read_by_both = Application.objects.unscoped(reason="test").get(pk=application.pk)
    temporary_assistance_review(
        actor=li_district_officer, application=read_by_both, version=1, decision="reject", reason="不符"
    )

    with pytest.raises(WorkflowError) as stale:
        temporary_assistance_review(
            actor=liu_district_officer, application=read_by_both, version=1, decision="confirm"
        )
    assert stale.value.kind == "stale"
    assert Application.objects.unscoped(reason="test").get(pk=application.pk).state == State.REJECTED

    response = client_for(liu_district_officer).post(
        f"/staff/applications/{application.pk}/temporary-review/",
        {"decision": "confirm", "version": "1"},
    )
    assert response.status_code == 409
    assert "Someone else changed this application" in text(response.content.decode())
    assert TemporaryAssistance.objects.get(pk=application.pk).review == TemporaryReview.REJECTED


# ---------------------------------------------------------------------------------------------------
# The pages


def test_the_grant_form_grants_and_shows_the_grant_with_its_deadlines(people, wang_street_a):
    client = client_for(wang_street_a)
    form = client.get(f"/staff/work/temporary/new/{people['a'].pk}/")
    html = form.content.decode()
    assert form.status_code == 200
    assert f"{limit(timezone.localdate()):,.2f} yuan" in text(html)
    token = re.search(r'name="submission_token" value="([^"]+)"', html).group(1)

    posted = {
        "amount": "1200.50",
        "reason": "突发重病住院",
        "received_on": "2025-09-30",
        "submission_token": token,
    }
    response = client.post(f"/staff/work/temporary/new/{people['a'].pk}/", posted)
    assert response.status_code == 303
    again = client.post(f"/staff/work/temporary/new/{people['a'].pk}/", posted)
    assert again.status_code == 303 and again["Location"] == response["Location"]
    record = TemporaryAssistance.objects.get()
    assert record.amount_fen == 120050

    page = text(client.get(response["Location"]).content.decode())
    assert "has been granted: 1,200.50 yuan" in page
    assert "1,200.50 yuan" in page and "突发重病住院" in page
    assert f"none attached yet: due by {record.documents_due_by:%Y-%m-%d}" in page
    assert f"awaiting the district's review, due by {record.district_review_by:%Y-%m-%d}" in page
    assert "Attach the documents of the grant below." in page


def test_the_grant_form_shows_the_limit_error_on_the_amount_field(people, wang_street_a):
    response = client_for(wang_street_a).post(
        f"/staff/work/temporary/new/{people['a'].pk}/",
        {
            "amount": str(limit(timezone.localdate()) + 1),
            "reason": "急",
            "received_on": timezone.localdate().isoformat(),
            "submission_token": "t",
        },
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="error-summary"' in html and 'href="#id_amount"' in html
    assert "the amount is over the street approval limit" in html
    assert nothing_written()


def test_documents_are_added_afterwards_on_the_grants_page(people, wang_street_a):
    application = grant(wang_street_a, people["a"])
    client = client_for(wang_street_a)

    response = client.post(
        f"/staff/applications/{application.pk}/documents/",
        {"file": SimpleUploadedFile("事故证明.pdf", PDF)},
    )

    assert response.status_code == 303
    assert application.documents.count() == 1
    page = text(client.get(f"/staff/applications/{application.pk}/").content.decode())
    assert "1 attached" in page and "none attached yet" not in page


def test_the_review_on_the_application_page(people, wang_street_a, li_district_officer):
    application = grant(wang_street_a, people["a"])
    client = client_for(li_district_officer)

    page = client.get(f"/staff/applications/{application.pk}/").content.decode()
    assert "Record the review" in page and 'name="version" value="1"' in page
    assert ">Enrol<" not in page  # the ordinary workflow's actions are not offered

    missing = client.post(f"/staff/applications/{application.pk}/temporary-review/", {"version": "1"})
    assert missing.status_code == 422 and 'href="#review-decision_0"' in missing.content.decode()
    no_reason = client.post(
        f"/staff/applications/{application.pk}/temporary-review/", {"decision": "reject", "version": "1"}
    )
    assert no_reason.status_code == 422 and 'href="#reason-review"' in no_reason.content.decode()
    no_documents = client.post(
        f"/staff/applications/{application.pk}/temporary-review/", {"decision": "confirm", "version": "1"}
    )
    assert no_documents.status_code == 422 and 'href="#id_file"' in no_documents.content.decode()
    assert Application.objects.unscoped(reason="test").get(pk=application.pk).state == State.APPROVED

    done = client.post(
        f"/staff/applications/{application.pk}/temporary-review/",
        {"decision": "reject", "version": "1", "reason": "材料不实"},
    )
    assert done.status_code == 303
    page = text(client.get(done["Location"]).content.decode())
    assert "Recovering the money paid is done outside this system" in page
    assert "材料不实" in page


def test_the_list_shows_the_reviews_and_documents_overdue_nearest_deadline_first(
    people, wang_street_a, zhao_street_b, sun_community_a, li_district_officer
):
    overdue = grant(wang_street_a, people["a"], received_on=SEPTEMBER_30)  # deadlines in October 2025
    recent = grant(wang_street_a, people["ordinary"], received_on=timezone.localdate())
    other_street = grant(li_district_officer, people["b"], received_on=timezone.localdate())
    attach(wang_street_a, recent)

    html = client_for(li_district_officer).get(LIST).content.decode()
    page = text(html)
    assert re.search(r'id="count-waiting">\s*3<', html)
    assert re.search(r'id="count-review-overdue">\s*1<', html)
    assert re.search(r'id="count-documents-overdue">\s*1<', html)
    assert html.index(overdue.number) < html.index(recent.number)
    assert re.search(
        rf'<tr class="overdue">\s*<th scope="row" class="number"><a [^>]+>{overdue.number}<', html
    )
    assert "overdue" in page and other_street.number in page

    street_a = client_for(wang_street_a).get(LIST).content.decode()
    assert overdue.number in street_a and other_street.number not in street_a
    assert overdue.number not in client_for(zhao_street_b).get(LIST).content.decode()
    assert client_for(sun_community_a).get(LIST).status_code == 403

    # A reviewed grant leaves the list.
    attach(wang_street_a, overdue)
    temporary_assistance_review(actor=li_district_officer, application=overdue, version=1, decision="confirm")
    assert overdue.number not in client_for(li_district_officer).get(LIST).content.decode()


def test_the_queue_shows_the_district_review_deadline_of_a_grant(people, wang_street_a):
    application = grant(wang_street_a, people["a"])

    html = client_for(wang_street_a).get("/staff/applications/").content.decode()

    assert application.number in html and "district review by" in html


def test_the_menu_has_the_list_for_district_and_street_staff(people, wang_street_a, sun_community_a):
    assert 'href="/staff/work/temporary/"' in client_for(wang_street_a).get("/staff/").content.decode()
    assert 'href="/staff/work/temporary/"' not in client_for(sun_community_a).get("/staff/").content.decode()


def test_the_notice_states_the_one_off_amount_and_after_a_rejection_the_recovery(
    people, wang_street_a, li_district_officer
):
    application = grant(wang_street_a, people["a"], Decimal("1500"))
    client = client_for(wang_street_a)

    notice = client.get(f"/staff/applications/{application.pk}/notice/").content.decode()
    assert "临时救助批准通知书" in notice and "一次性 1,500.00 元" in notice
    assert "家中失火，急需生活费" in notice

    temporary_assistance_review(
        actor=li_district_officer, application=application, version=1, decision="reject", reason="不符"
    )
    notice = client.get(f"/staff/applications/{application.pk}/notice/").content.decode()
    assert "临时救助复核不予确认通知书" in notice and "不符" in notice and "追回" in notice


# ---------------------------------------------------------------------------------------------------
# The policy file


def test_the_policy_files_own_cases_pass_through_both_back_ends():
    policy = policies()[TEMPORARY_POLICY_ID]
    results = run_cases(policy)

    assert len(policy.tests) >= 4
    assert len(results) == 2 * len(policy.tests)
    assert [result.describe() for result in results if not result.passed] == []
    assert (policy.kind, policy.period, [c.id for c in policy.conditions]) == (
        "eligibility",
        "once",
        ["status_normal"],
    )


def test_an_evaluation_run_creates_no_outreach_task_for_temporary_assistance(people, system_actor):
    run = evaluation.evaluate_registry(dt.date(2025, 10, 1), actor=system_actor).run
    outreach_create(actor=system_actor, run=run)

    assert not OutreachTask.objects.unscoped(reason="test").filter(policy_id=TEMPORARY_POLICY_ID).exists()
    assert OutreachTask.objects.unscoped(reason="test").exists()  # the cash policies still do
