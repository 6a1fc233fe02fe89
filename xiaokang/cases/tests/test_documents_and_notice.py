"""Documents (type by content, size-limited, stored outside the database, served in scope, audited) and
the printable decision notice (S4)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from xiaokang.audit.models import AuditEvent
from xiaokang.cases.models import Application, ApplicationDocument, State
from xiaokang.cases.services import application_submit, application_transition

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def documents_dir(settings, tmp_path):
    settings.XIAOKANG_DOCUMENTS_DIR = tmp_path / "documents"
    return settings.XIAOKANG_DOCUMENTS_DIR


@pytest.fixture
def application(people, community_worker):
    return application_submit(
        actor=community_worker,
        person=people["a"],
        policy_id="living_subsidy",
        channel="counter",
        received_on=dt.date(2025, 9, 30),
    ).application


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def upload(client, application, name, content):
    return client.post(
        f"/staff/applications/{application.pk}/documents/", {"file": SimpleUploadedFile(name, content)}
    )


def test_a_pdf_is_stored_outside_the_database_and_downloaded_with_an_audit(
    application, community_worker, documents_dir
):
    client = client_for(community_worker)

    response = upload(client, application, "身份证复印件.pdf", PDF)

    assert response.status_code == 303
    document = ApplicationDocument.objects.get()
    assert (document.name, document.content_type, document.size) == (
        "身份证复印件.pdf",
        "application/pdf",
        len(PDF),
    )
    assert (documents_dir / document.path).read_bytes() == PDF
    download = client.get(f"/staff/applications/{application.pk}/documents/{document.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert list(
        AuditEvent.objects.filter(action__startswith="document.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "document.upload",
        "document.download",
    ]


@pytest.mark.parametrize(
    ("name", "content"),
    [("scan.pdf", b"just text, not a PDF"), ("photo.png", b"GIF89a....."), ("empty.pdf", b"")],
)
def test_a_file_that_is_not_pdf_jpeg_or_png_by_content_is_refused_and_nothing_is_stored(
    application, community_worker, documents_dir, name, content
):
    response = upload(client_for(community_worker), application, name, content)

    assert response.status_code == 422
    assert "document-error-summary" in response.content.decode()
    assert ApplicationDocument.objects.count() == 0
    assert not documents_dir.exists() or not any(p.is_file() for p in documents_dir.rglob("*"))


def test_a_file_over_the_limit_is_refused(application, community_worker, settings):
    settings.XIAOKANG_DOCUMENT_MAX_BYTES = 10

    response = upload(client_for(community_worker), application, "big.pdf", PDF)

    assert response.status_code == 422
    assert ApplicationDocument.objects.count() == 0


def test_street_b_can_neither_attach_nor_download_and_it_is_audited(application, community_worker, officer_b):
    upload(client_for(community_worker), application, "a.pdf", PDF)
    document = ApplicationDocument.objects.get()
    client = client_for(officer_b)

    assert upload(client, application, "b.pdf", PDF).status_code == 404
    assert client.get(f"/staff/applications/{application.pk}/documents/{document.pk}/").status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_type="application").count() == 2
    assert ApplicationDocument.objects.count() == 1


def decide(application, district_officer, action, reason=""):
    Application.objects.unscoped(reason="test").filter(pk=application.pk).update(state=State.DISTRICT_REVIEW)
    application.refresh_from_db()
    return application_transition(
        actor=district_officer,
        application=application,
        action=action,
        version=application.version,
        reason=reason,
    )


def test_the_approval_notice_states_the_amount_and_the_basis(application, district_officer):
    decide(application, district_officer, "approve")

    page = client_for(district_officer).get(f"/staff/applications/{application.pk}/notice/").content.decode()

    assert "予以批准" in page and "每月 400.00 元" in page and "国发〔2015〕52号" in page
    assert "print.css" in page


def test_the_rejection_notice_lists_the_failed_conditions_with_citations_and_the_appeal_period(
    people, community_worker, district_officer
):
    application = application_submit(
        actor=community_worker,
        person=people["ordinary"],
        policy_id="living_subsidy",
        channel="counter",
        received_on=dt.date(2025, 9, 30),
    ).application
    decide(application, district_officer, "reject", reason="家庭经济状况不符合")

    page = client_for(district_officer).get(f"/staff/applications/{application.pk}/notice/").content.decode()

    assert "不予批准" in page and "家庭为低保或低收入家庭" in page and "国发〔2015〕52号" in page
    assert "60 日内" in page and "家庭经济状况不符合" in page


def test_no_notice_before_a_decision(application, community_worker):
    assert (
        client_for(community_worker).get(f"/staff/applications/{application.pk}/notice/").status_code == 404
    )
