"""A document downloads with the type and extension its bytes imply (U11; GB/T 22239-2019 8.1.4.4):
``x.pdf.html`` holding a PDF comes back as ``x.pdf``/application/pdf, content of no known type as an
``application/octet-stream`` attachment, always with ``nosniff``."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.helpers import signed_in
from xiaokang.cases.models import ApplicationDocument
from xiaokang.cases.tests.workflow import PDF

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("documents_dir")]


@pytest.fixture
def staff(application, sun_community_a):
    return signed_in(sun_community_a), application


def _upload(client, application, name, content) -> ApplicationDocument:
    url = f"/staff/applications/{application.pk}/documents/"
    assert client.post(url, {"file": SimpleUploadedFile(name, content, "text/html")}).status_code == 303
    return ApplicationDocument.objects.latest("pk")


def test_a_pdf_named_html_downloads_as_a_pdf(staff):
    client, application = staff
    document = _upload(client, application, "x.pdf.html", PDF)

    response = client.get(f"/staff/applications/{application.pk}/documents/{document.pk}/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="x.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_content_of_an_unknown_type_downloads_as_an_octet_stream_attachment(staff, documents_dir):
    client, application = staff
    document = _upload(client, application, "scan.pdf", PDF)
    (documents_dir / document.path).write_bytes(b"<html><script>alert(1)</script></html>")

    response = client.get(f"/staff/applications/{application.pk}/documents/{document.pk}/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="scan.bin"'
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "extension", "expected"),
    [
        ("x.pdf.html", "pdf", "x.pdf"),
        ("身份证.jpg.svg", "jpg", "身份证.jpg"),
        ("../../etc/passwd", "png", "passwd.png"),
        (".html", "pdf", "document.pdf"),
        ("report.exe", None, "report.bin"),
    ],
)
def test_download_names(name, extension, expected):
    from xiaokang.cases.documents import download_name

    assert download_name(name, extension) == expected
