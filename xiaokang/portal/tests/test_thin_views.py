"""The portal's views parse, call one service or selector, and render (ARCHITECTURE rule 1;
docs/architecture/portal-views.md): the online application and the applicant's reads as services and
selectors, and the client address of the audit taken from the request, never threaded through."""

from __future__ import annotations

import pathlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test import Client
from django.utils import timezone

from xiaokang.audit.models import AuditEvent
from xiaokang.cases.models import Application
from xiaokang.cases.services import WorkflowError
from xiaokang.portal import applicants
from xiaokang.portal.tests.test_applicants import PDF, register, signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("documents_dir")]

VIEW_MODULES = [
    *sorted((pathlib.Path(__file__).parents[1] / "views").glob("*.py")),
    *sorted((pathlib.Path(__file__).parents[2] / "interpreting").glob("views*.py")),
]


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_views_hold_no_query_no_transaction_and_no_audit_client(path):
    text = path.read_text(encoding="utf-8")
    assert ".objects" not in text
    assert "transaction" not in text
    assert "log_action" not in text
    assert not re.search(r"\bclient=", text)


def test_online_apply_records_the_application_and_its_documents_or_nothing(people):
    account = register(people["a"])
    today = timezone.localdate()
    with pytest.raises(WorkflowError):
        applicants.online_apply(
            account=account,
            policy_id="living_subsidy",
            received_on=today,
            submission_token="s1",
            uploads=[SimpleUploadedFile("good.pdf", PDF), SimpleUploadedFile("bad.exe", b"MZ\x90\x00")],
        )
    assert not Application.objects.unscoped(reason="test").exists()

    first = applicants.online_apply(
        account=account,
        policy_id="living_subsidy",
        received_on=today,
        submission_token="s2",
        uploads=[SimpleUploadedFile("good.pdf", PDF)],
    )
    again = applicants.online_apply(
        account=account, policy_id="living_subsidy", received_on=today, submission_token="s2", uploads=[]
    )
    assert first.created and not again.created and again.application.pk == first.application.pk
    assert applicants.application_documents(first.application)[0].name == "good.pdf"


def test_someone_elses_application_is_404_and_audited_a_read_is_audited_when_asked(people):
    owner = register(people["a"])
    other = register(people["b"])
    application = applicants.online_apply(
        account=owner,
        policy_id="living_subsidy",
        received_on=timezone.localdate(),
        submission_token="s3",
        uploads=[],
    ).application

    with pytest.raises(Http404):
        applicants.applicant_application_or_404(other, application.pk)
    assert AuditEvent.objects.filter(
        action="access.denied", actor_label=f"applicant:{other.pk}", object_id=str(application.pk)
    ).exists()

    applicants.applicant_application_or_404(owner, application.pk)
    assert not AuditEvent.objects.filter(action="application.view").exists()
    applicants.applicant_application_or_404(owner, application.pk, viewed=True)
    assert AuditEvent.objects.filter(
        action="application.view", actor_label=f"applicant:{owner.pk}", object_id=application.number
    ).exists()


def test_the_audit_records_the_requests_address_without_a_client_argument(people):
    account = register(people["a"])
    signed_in(account).post("/account/logout/", REMOTE_ADDR="10.9.8.7")
    event = AuditEvent.objects.get(action="applicant.logout")
    assert event.client == "10.9.8.7"

    refused = Client(REMOTE_ADDR="10.9.8.6")
    refused.post("/account/login/", {"id_number": "110108198001011234", "password": "wrong-password-1"})
    assert AuditEvent.objects.get(action="applicant.login.failure").client == "10.9.8.6"
