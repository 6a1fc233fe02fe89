"""Documents (type by content, size-limited, stored outside the database, served in scope, audited) and
the printable decision notice (S4)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.helpers import signed_in
from xiaokang.audit.models import AuditEvent
from xiaokang.cases.models import Application, ApplicationDocument, State
from xiaokang.cases.services import application_transition
from xiaokang.cases.tests.workflow import PDF, attach_required, submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("documents_dir")]


def upload(client, application, name, content):
    return client.post(
        f"/staff/applications/{application.pk}/documents/", {"file": SimpleUploadedFile(name, content)}
    )


def test_a_pdf_is_stored_outside_the_database_and_downloaded_with_an_audit(
    application, sun_community_a, documents_dir
):
    client = signed_in(sun_community_a)

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
    application, sun_community_a, documents_dir, name, content
):
    response = upload(signed_in(sun_community_a), application, name, content)

    assert response.status_code == 422
    assert "document-error-summary" in response.content.decode()
    assert ApplicationDocument.objects.count() == 0
    assert not documents_dir.exists() or not any(p.is_file() for p in documents_dir.rglob("*"))


def test_a_file_over_the_limit_is_refused(application, sun_community_a, settings):
    settings.XIAOKANG_DOCUMENT_MAX_BYTES = 10

    response = upload(signed_in(sun_community_a), application, "big.pdf", PDF)

    assert response.status_code == 422
    assert ApplicationDocument.objects.count() == 0


def test_street_b_can_neither_attach_nor_download_and_it_is_audited(
    application, sun_community_a, zhao_street_b
):
    upload(signed_in(sun_community_a), application, "a.pdf", PDF)
    document = ApplicationDocument.objects.get()
    client = signed_in(zhao_street_b)

    assert upload(client, application, "b.pdf", PDF).status_code == 404
    assert client.get(f"/staff/applications/{application.pk}/documents/{document.pk}/").status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_type="application").count() == 2
    assert ApplicationDocument.objects.count() == 1


def decide(application, li_district_officer, action, reason=""):
    Application.objects.unscoped(reason="test").filter(pk=application.pk).update(state=State.DISTRICT_REVIEW)
    application.refresh_from_db()
    if action == "approve":
        attach_required(application)
    return application_transition(
        actor=li_district_officer,
        application=application,
        action=action,
        version=application.version,
        reason=reason,
    )


def test_the_approval_notice_states_the_amount_and_the_basis(application, li_district_officer):
    decide(application, li_district_officer, "approve")

    page = (
        signed_in(li_district_officer).get(f"/staff/applications/{application.pk}/notice/").content.decode()
    )

    assert "予以批准" in page and "每月 400.00 元" in page and "国发〔2015〕52号" in page
    assert "print.css" in page


def test_the_rejection_notice_lists_the_failed_conditions_with_citations_and_the_appeal_period(
    people, sun_community_a, li_district_officer
):
    application = submit(sun_community_a, people["ordinary"])
    decide(application, li_district_officer, "reject", reason="家庭经济状况不符合")

    page = (
        signed_in(li_district_officer).get(f"/staff/applications/{application.pk}/notice/").content.decode()
    )

    assert "不予批准" in page and "家庭为低保或低收入家庭" in page and "国发〔2015〕52号" in page
    assert "60 日内" in page and "家庭经济状况不符合" in page


def test_no_notice_before_a_decision(application, sun_community_a):
    assert signed_in(sun_community_a).get(f"/staff/applications/{application.pk}/notice/").status_code == 404
