"""Separation of duties in the case workflow (U11, G2; GB/T 22239-2019 8.1.4.2 d: least privilege and
separation of privileges): no one decides their own work. Whoever accepted an application does not forward
it; the decision (approve or reject) is not made by whoever accepted, reviewed or forwarded it; an appeal
is not decided by whoever rejected; the approver does not enrol unless the policy file says
``enrolment_by_approver: true``; a temporary-assistance grant is not reviewed by whoever granted it.
Each refusal names the rule in both languages, is audited and changes nothing; the pages answer 403 and
the API 403 with the message; a system actor is not an officer and is not checked."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.actors import make_staff
from xiaokang.audit.models import AuditEvent
from xiaokang.cases.documents import document_add
from xiaokang.cases.models import Application, ApplicationEvent, Enrolment, State, TemporaryReview
from xiaokang.cases.services import WorkflowError, application_submit, application_transition
from xiaokang.cases.temporary import temporary_assistance_grant, temporary_assistance_review
from xiaokang.cases.tests.workflow import attach_required
from xiaokang.policies.engine.loader import policies
from xiaokang.registry.tests.test_api import Api

pytestmark = pytest.mark.django_db

RECEIVED = dt.date(2025, 9, 30)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def submit(person, actor, policy="living_subsidy") -> Application:
    return application_submit(
        actor=actor, person=person, policy_id=policy, channel="counter", received_on=RECEIVED
    ).application


def move(actor, application, action, reason=""):
    application = Application.objects.unscoped(reason="test").get(pk=application.pk)
    if action == "approve":
        attach_required(application)  # the documents are not what these tests are about (S4)
    return application_transition(
        actor=actor, application=application, action=action, version=application.version, reason=reason
    )


def snapshot(application) -> tuple:
    row = Application.objects.unscoped(reason="test").get(pk=application.pk)
    return row.state, row.version, ApplicationEvent.objects.filter(application=row).count()


def refused(actor, application, action, message, reason=""):
    """``actor`` may not take ``action``: a ``duty`` refusal naming the rule, nothing changed, audited."""
    before = snapshot(application)
    denials = AuditEvent.objects.filter(action="access.denied").count()
    with pytest.raises(WorkflowError) as error:
        move(actor, application, action, reason)
    assert error.value.kind == "duty", error.value.message
    assert message in error.value.message
    assert " / " in error.value.message  # Chinese / English
    assert snapshot(application) == before
    denial = AuditEvent.objects.filter(action="access.denied").order_by("-id").first()
    assert AuditEvent.objects.filter(action="access.denied").count() == denials + 1
    assert denial.actor_label == actor.username and denial.object_id == application.number
    assert denial.details["rule"] == "separation_of_duties" and denial.details["attempted"] == action


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_one_officer_trying_every_step_is_refused_at_each_step_after_the_first(
    people,
    system_actor,
    wang_street_a,
    sun_community_a,
    feng_street_a,
    li_district_officer,
    liu_district_officer,
):
    application = submit(people["a"], system_actor)

    move(wang_street_a, application, "accept")  # the street office's counter accepts
    refused(
        wang_street_a,
        application,
        "forward",
        "you accepted this application; another officer must forward it",
    )
    move(sun_community_a, application, "forward")  # the community review, by another officer
    # The street review: not by whoever accepted, nor by whoever did the community review.
    refused(
        wang_street_a,
        application,
        "forward",
        "you accepted this application; another officer must forward it",
    )
    move(feng_street_a, application, "forward")

    # The accepting officer, now district staff, still may not decide what they accepted.
    wang_street_a.role, wang_street_a.area = "district_officer", None
    wang_street_a.save()
    refused(
        wang_street_a,
        application,
        "approve",
        "you accepted this application; another officer must approve it",
    )
    refused(wang_street_a, application, "reject", "another officer must decide it", reason="不符合")

    move(li_district_officer, application, "approve")
    refused(
        li_district_officer,
        application,
        "enrol",
        "you approved this application; another officer must enrol it",
    )
    assert not Enrolment.objects.exists()

    assert move(liu_district_officer, application, "enrol").state == State.ENROLLED
    assert Enrolment.objects.get().application_id == application.pk
    assert AuditEvent.objects.filter(action="access.denied").count() == 5


def test_the_community_review_is_not_done_by_whoever_accepted_and_the_street_review_neither(
    people, system_actor, sun_community_a, zheng_community_a, wang_street_a, feng_street_a
):
    application = submit(people["a"], system_actor)
    move(sun_community_a, application, "accept")
    refused(
        sun_community_a,
        application,
        "forward",
        "you accepted this application; another officer must forward it",
    )
    move(wang_street_a, application, "forward")  # a street officer may do the community review (COUNTER)
    refused(
        wang_street_a,
        application,
        "forward",
        "you did this application's community review; another officer must forward it",
    )
    assert move(feng_street_a, application, "forward").state == State.DISTRICT_REVIEW


def test_three_officers_and_two_district_officers_take_the_journey(
    people,
    sun_community_a,
    zheng_community_a,
    wang_street_a,
    li_district_officer,
    liu_district_officer,
):
    application = submit(people["a"], sun_community_a)  # recording it is not a review step
    for actor, action in [
        (sun_community_a, "accept"),
        (zheng_community_a, "forward"),
        (wang_street_a, "forward"),
        (li_district_officer, "approve"),
        (liu_district_officer, "enrol"),
    ]:
        application = move(actor, application, action)
    assert application.state == State.ENROLLED
    assert not AuditEvent.objects.filter(action="access.denied").exists()


def test_sending_back_and_forwarding_again_is_the_same_officer_s_own_level(
    people, system_actor, sun_community_a, zheng_community_a, wang_street_a, li_district_officer
):
    """The rule bars earlier *other* steps, not the officer's own level taken again after a send-back."""
    application = submit(people["a"], system_actor)
    move(sun_community_a, application, "accept")
    move(zheng_community_a, application, "forward")
    move(wang_street_a, application, "forward")
    move(li_district_officer, application, "send_back", reason="补充收入证明")
    assert move(wang_street_a, application, "forward").state == State.DISTRICT_REVIEW
    move(li_district_officer, application, "send_back", reason="再核")
    move(wang_street_a, application, "send_back", reason="补材料")
    move(zheng_community_a, application, "forward")
    assert move(wang_street_a, application, "forward").state == State.DISTRICT_REVIEW
    # The district officer who sent it back may still decide it: it is their own level.
    assert move(li_district_officer, application, "approve").state == State.APPROVED


def test_enrolment_by_the_approver_only_where_the_policy_file_says_so(
    people, system_actor, li_district_officer, monkeypatch
):
    application = submit(people["a"], system_actor)
    Application.objects.unscoped(reason="test").filter(pk=application.pk).update(state=State.DISTRICT_REVIEW)
    move(li_district_officer, application, "approve")
    refused(
        li_district_officer,
        application,
        "enrol",
        "you approved this application; another officer must enrol it",
    )

    monkeypatch.setattr(policies()["living_subsidy"], "enrolment_by_approver", True)

    assert move(li_district_officer, application, "enrol").state == State.ENROLLED


def test_an_appeal_is_decided_by_neither_the_rejecter_nor_whoever_rejected_the_appeal(
    people, system_actor, sun_community_a, li_district_officer, liu_district_officer
):
    third = make_staff("district3", "district_officer")
    application = submit(people["ordinary"], system_actor)
    Application.objects.unscoped(reason="test").filter(pk=application.pk).update(state=State.DISTRICT_REVIEW)
    move(li_district_officer, application, "reject", reason="不符合")
    move(sun_community_a, application, "appeal", reason="复议")
    message = "you rejected this application; another officer must decide the appeal"
    refused(li_district_officer, application, "approve", message)
    refused(li_district_officer, application, "reject", message, reason="维持")
    move(liu_district_officer, application, "reject", reason="维持原决定")
    move(sun_community_a, application, "appeal", reason="再次复议")
    refused(li_district_officer, application, "approve", message)
    refused(
        liu_district_officer,
        application,
        "approve",
        "you rejected this application's appeal; another officer must decide the appeal",
    )
    assert move(third, application, "approve").state == State.APPROVED


def test_a_system_actor_is_not_an_officer_and_is_not_checked(people, system_actor):
    application = submit(people["a"], system_actor)
    Application.objects.unscoped(reason="test").filter(pk=application.pk).update(state=State.DISTRICT_REVIEW)
    move(system_actor, application, "approve")

    assert move(system_actor, application, "enrol").state == State.ENROLLED


def test_the_page_refuses_with_403_names_the_rule_and_changes_nothing(people, system_actor, sun_community_a):
    application = submit(people["a"], system_actor)
    move(sun_community_a, application, "accept")
    client = client_for(sun_community_a)
    page = client.get(f"/staff/applications/{application.pk}/").content.decode()
    assert 'name="action"' not in page  # no form for a step this user may not take
    assert "you accepted this application; another officer must forward it" in page
    before = snapshot(application)

    response = client.post(
        f"/staff/applications/{application.pk}/transition/",
        {
            "action": "forward",
            "version": Application.objects.unscoped(reason="test").get(pk=application.pk).version,
        },
    )

    assert response.status_code == 403
    html = response.content.decode()
    assert "There is a problem" in html and "another officer must forward it" in html
    assert snapshot(application) == before
    assert (
        AuditEvent.objects.filter(action="access.denied", details__rule="separation_of_duties").count() == 1
    )


def test_the_page_in_chinese_names_the_rule_in_chinese(people, system_actor, sun_community_a):
    application = submit(people["a"], system_actor)
    move(sun_community_a, application, "accept")
    client = client_for(sun_community_a)
    client.cookies["django_language"] = "zh-hans"

    response = client.post(
        f"/staff/applications/{application.pk}/transition/",
        {
            "action": "forward",
            "version": Application.objects.unscoped(reason="test").get(pk=application.pk).version,
        },
    )

    assert response.status_code == 403
    assert "您受理了此申请，须由其他工作人员转报" in response.content.decode()


def test_the_queue_marks_what_another_officer_must_do(
    people, system_actor, sun_community_a, zheng_community_a
):
    mine = submit(people["a"], system_actor)
    move(sun_community_a, mine, "accept")
    other = submit(people["a"], system_actor, "care_subsidy")
    move(zheng_community_a, other, "accept")

    html = client_for(sun_community_a).get("/staff/applications/").content.decode()

    rows = {
        number: row
        for row in re.findall(r"<tr.*?</tr>", html, re.S)
        for number in re.findall(r"HD-\d{4}-\d{6}", row)
    }
    mine_number = Application.objects.unscoped(reason="test").get(pk=mine.pk).number
    other_number = Application.objects.unscoped(reason="test").get(pk=other.pk).number
    assert "another officer must forward it" in rows[mine_number]
    assert "another officer must" not in rows[other_number]


def test_the_api_refuses_with_403_and_the_message(people, system_actor, sun_community_a):
    application = submit(people["a"], system_actor)
    move(sun_community_a, application, "accept")
    before = snapshot(application)

    response = Api(sun_community_a).post(
        f"/applications/{application.pk}/transitions",
        {
            "action": "forward",
            "version": Application.objects.unscoped(reason="test").get(pk=application.pk).version,
        },
    )

    assert response.status_code == 403
    assert "you accepted this application; another officer must forward it" in response.json()["detail"]
    assert snapshot(application) == before


def test_a_temporary_assistance_grant_is_not_reviewed_by_its_granter(
    people, li_district_officer, liu_district_officer
):
    application = temporary_assistance_grant(
        actor=li_district_officer,
        person=people["a"],
        amount=Decimal("1500"),
        reason="家中失火",
        received_on=RECEIVED,
    ).application
    document_add(
        actor=li_district_officer,
        application=application,
        upload=SimpleUploadedFile("证明.pdf", PDF, content_type="application/pdf"),
    )
    before = snapshot(application)

    with pytest.raises(WorkflowError) as error:
        temporary_assistance_review(
            actor=li_district_officer,
            application=application,
            version=application.version,
            decision="confirm",
        )

    assert error.value.kind == "duty"
    assert "you granted this temporary assistance; another officer must review it" in error.value.message
    assert snapshot(application) == before
    assert application.temporary_assistance.review == TemporaryReview.PENDING
    assert AuditEvent.objects.get(action="access.denied").details["attempted"] == "review.confirm"

    response = client_for(li_district_officer).post(
        f"/staff/applications/{application.pk}/temporary-review/",
        {"decision": "confirm", "version": application.version, "reason": ""},
    )
    assert response.status_code == 403 and snapshot(application) == before

    listing = client_for(li_district_officer).get("/staff/work/temporary/").content.decode()
    assert "You granted it: another district officer reviews it." in listing

    reviewed = temporary_assistance_review(
        actor=liu_district_officer,
        application=application,
        version=application.version,
        decision="confirm",
    )
    assert reviewed.state == State.CONFIRMED
