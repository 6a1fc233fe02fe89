"""Deciding with the evidence (S4, P2, G2): the documents the policy requires against those attached, the
override of a missing one (explicit, with a reason, in the timeline and the audit trail; the page, the
service and the API alike), the engine's verdict on the decision page and the progress indicator."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from xiaokang.audit.models import AuditEvent
from xiaokang.cases.evidence import document_checklist, missing_documents, required_documents
from xiaokang.cases.models import Application, ApplicationEvent, State
from xiaokang.cases.services import WorkflowError, application_transition
from xiaokang.cases.tests.workflow import PDF, attach_required, client_for, text
from xiaokang.cases.workflow import progress_of
from xiaokang.registry.tests.test_api import Api

pytestmark = pytest.mark.django_db

ID_CARD, CERTIFICATE, PROOF = "居民身份证", "残疾人证", "低保或低收入家庭证明"


def at_district(application) -> Application:
    Application.objects.unscoped(reason="test").filter(pk=application.pk).update(state=State.DISTRICT_REVIEW)
    return Application.objects.unscoped(reason="test").get(pk=application.pk)


def snapshot(application) -> tuple:
    row = Application.objects.unscoped(reason="test").get(pk=application.pk)
    return row.state, row.version, ApplicationEvent.objects.filter(application=row).count()


def test_the_policy_file_declares_the_required_documents():
    assert [d["zh"] for d in required_documents("living_subsidy")] == [ID_CARD, CERTIFICATE, PROOF]
    assert required_documents("no_such_policy") == []


def test_the_checklist_says_which_are_attached(application):
    attach_required(application, but=(PROOF,))
    checklist = document_checklist(application)
    assert [(r.zh, r.missing) for r in checklist] == [(ID_CARD, False), (CERTIFICATE, False), (PROOF, True)]
    assert [r.zh for r in missing_documents(application)] == [PROOF]


def test_an_approval_with_a_document_missing_is_refused_and_nothing_changes(application, li_district_officer):
    application = at_district(application)
    attach_required(application, but=(PROOF,))
    before = snapshot(application)
    audited = AuditEvent.objects.count()

    with pytest.raises(WorkflowError) as error:
        application_transition(
            actor=li_district_officer, application=application, action="approve", version=application.version
        )

    assert error.value.field == "documents" and PROOF in error.value.message
    assert snapshot(application) == before
    assert AuditEvent.objects.count() == audited


def test_an_override_without_a_reason_is_refused(application, li_district_officer):
    application = at_district(application)
    before = snapshot(application)
    with pytest.raises(WorkflowError) as error:
        application_transition(
            actor=li_district_officer,
            application=application,
            action="approve",
            version=application.version,
            override=True,
            override_reason="   ",
        )
    assert error.value.field == "override_reason"
    assert snapshot(application) == before


def test_an_override_with_a_reason_approves_and_is_in_the_timeline_and_the_audit(
    application, li_district_officer
):
    application = at_district(application)
    attach_required(application, but=(PROOF,))

    approved = application_transition(
        actor=li_district_officer,
        application=application,
        action="approve",
        version=application.version,
        override=True,
        override_reason="低保证明已在民政系统核实",
    )

    assert approved.state == State.APPROVED
    event = ApplicationEvent.objects.get(application=application, action="approve")
    assert event.details["override"] == {"missing": [PROOF], "reason": "低保证明已在民政系统核实"}
    audit = AuditEvent.objects.get(action="application.approve")
    assert audit.details["override"] == {"missing": [PROOF], "reason": "低保证明已在民政系统核实"}


def test_with_every_document_attached_no_override_is_needed_or_recorded(application, li_district_officer):
    application = at_district(application)
    attach_required(application)
    approved = application_transition(
        actor=li_district_officer, application=application, action="approve", version=application.version
    )
    assert approved.state == State.APPROVED
    assert "override" not in ApplicationEvent.objects.get(application=application, action="approve").details


def test_the_page_shows_required_documents_and_refuses_then_accepts_the_override(
    application, li_district_officer, documents_dir
):
    application = at_district(application)
    client = client_for(li_district_officer)
    url = f"/staff/applications/{application.pk}/"

    page = text(client.get(url).content.decode())
    assert "Documents the policy requires" in page and "missing" in page
    assert "Approve without the missing documents" in page
    assert "What the rules say" in page and "On the day received (2025-09-30)" in page
    assert "Progress" in page

    refused = client.post(url + "transition/", {"action": "approve", "version": application.version})
    assert refused.status_code == 422
    assert 'href="#override-approve"' in refused.content.decode()
    assert snapshot(application)[0] == State.DISTRICT_REVIEW

    no_reason = client.post(
        url + "transition/", {"action": "approve", "version": application.version, "override": "1"}
    )
    assert no_reason.status_code == 422 and 'href="#override-reason-approve"' in no_reason.content.decode()

    done = client.post(
        url + "transition/",
        {
            "action": "approve",
            "version": application.version,
            "override": "1",
            "override_reason": "急需，后补",
        },
    )
    assert done.status_code == 303
    page = text(client.get(url).content.decode())
    assert "Approved without required documents:" in page and "急需，后补" in page


def test_an_upload_names_the_required_document_it_is(application, sun_community_a, documents_dir):
    client = client_for(sun_community_a)
    url = f"/staff/applications/{application.pk}/documents/"
    response = client.post(url, {"file": SimpleUploadedFile("id.pdf", PDF), "requirement": ID_CARD})
    assert response.status_code == 303
    assert application.documents.get().requirement == ID_CARD
    # A name that is not one of the policy's required documents is refused, nothing stored.
    wrong = client.post(url, {"file": SimpleUploadedFile("x.pdf", PDF), "requirement": "护照"})
    assert wrong.status_code == 422 and application.documents.count() == 1


def test_the_api_refuses_an_approval_with_a_document_missing_unless_overridden(
    application, li_district_officer
):
    application = at_district(application)
    api = Api(li_district_officer)
    path = f"/applications/{application.pk}/transitions"

    refused = api.post(path, {"action": "approve", "version": application.version})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] == "documents"
    no_reason = api.post(path, {"action": "approve", "version": application.version, "override": True})
    assert no_reason.status_code == 422 and no_reason.json()["detail"][0]["field"] == "override_reason"
    too_long = api.post(
        path,
        {
            "action": "approve",
            "version": application.version,
            "override": True,
            "override_reason": "x" * 2001,
        },
    )
    assert too_long.status_code == 422 and too_long.json()["detail"][0]["field"] == "override_reason"

    done = api.post(
        path,
        {"action": "approve", "version": application.version, "override": True, "override_reason": "已核实"},
    )
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "approved"


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("submitted", ["current", "to_come", "to_come", "to_come", "to_come"]),
        ("street_review", ["done", "done", "current", "to_come", "to_come"]),
        ("approved", ["done", "done", "done", "done", "current", "to_come"]),
        ("appeal_review", ["done", "done", "done", "done", "done", "current"]),
        ("returned", ["done", "current"]),
    ],
)
def test_the_progress_says_the_levels_passed_current_and_to_come(state, expected):
    assert [step.status for step in progress_of(state)] == expected
