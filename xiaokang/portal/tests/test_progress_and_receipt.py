"""The applicant's side of deciding (S4, U11): the progress indicator on the status lookup and on their own
application's page (the staff page's partial), and the receipt of their own application, printable and as
a PDF; someone else's receipt is a 404."""

import datetime as dt
import io

import pypdf
import pytest

from tests.helpers import id_tail
from xiaokang.cases.models import Application, State
from xiaokang.cases.services import application_submit
from xiaokang.portal.tests.test_applicants import register, signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("documents_dir")]


def test_the_status_lookup_shows_the_progress_as_an_ordered_list(client, counter_application):
    Application.objects.unscoped(reason="test").filter(pk=counter_application.pk).update(
        state=State.STREET_REVIEW
    )
    html = client.post(
        "/status/", {"number": counter_application.number, "id_tail": id_tail(counter_application)}
    ).content.decode()

    progress = html.split('<ol class="progress-steps">', 1)[1].split("</ol>", 1)[0]
    steps = progress.split("<li")[1:]
    assert len(steps) == 5
    assert 'aria-current="step"' in steps[2]
    assert "street review" in steps[2].lower() or "街道审核" in steps[2]
    assert sum('aria-current="step"' in step for step in steps) == 1
    # The state in words, not only by colour: done / now / to come.
    assert "progress-done" in steps[0] and "progress-to_come" in steps[4]


def test_the_applicant_sees_the_progress_and_prints_the_receipt(people, system_actor):
    person = people["a"]
    application = application_submit(
        actor=system_actor,
        person=person,
        policy_id="living_subsidy",
        channel="online",
        received_on=dt.date(2025, 9, 30),
    ).application
    client = signed_in(register(person))

    page = client.get(f"/account/applications/{application.pk}/").content.decode()
    assert 'aria-current="step"' in page
    assert f"/account/applications/{application.pk}/receipt/" in page

    receipt = client.get(f"/account/applications/{application.pk}/receipt/").content.decode()
    assert application.number in receipt and "/status/" in receipt and "网上申请" in receipt

    pdf = client.get(f"/account/applications/{application.pk}/receipt.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().split())
    assert application.number in text and "后六位" in text


def test_someone_else_s_receipt_is_404(people, system_actor):
    other = application_submit(
        actor=system_actor,
        person=people["b"],
        policy_id="living_subsidy",
        channel="counter",
        received_on=dt.date(2025, 9, 30),
    ).application
    client = signed_in(register(people["a"]))
    assert client.get(f"/account/applications/{other.pk}/receipt/").status_code == 404
    assert client.get(f"/account/applications/{other.pk}/receipt.pdf").status_code == 404


def test_the_applicant_says_which_required_document_the_files_are(people, system_actor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from xiaokang.cases.evidence import missing_documents

    application = application_submit(
        actor=system_actor,
        person=people["a"],
        policy_id="living_subsidy",
        channel="online",
        received_on=dt.date(2025, 9, 30),
    ).application
    client = signed_in(register(people["a"]))
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

    page = client.get(f"/account/applications/{application.pk}/").content.decode()
    assert 'name="requirement"' in page and "残疾人证" in page
    response = client.post(
        f"/account/applications/{application.pk}/documents/",
        {"documents": [SimpleUploadedFile("card.pdf", pdf)], "requirement": "残疾人证"},
    )
    assert response.status_code == 303
    assert "残疾人证" not in [required.zh for required in missing_documents(application)]
    # A name the policy does not require is refused; nothing stored.
    refused = client.post(
        f"/account/applications/{application.pk}/documents/",
        {"documents": [SimpleUploadedFile("x.pdf", pdf)], "requirement": "护照"},
    )
    assert refused.status_code == 422 and application.documents.count() == 1


def test_the_applicant_downloads_their_decision_notice_as_pdf(people, system_actor, li_district_officer):
    from xiaokang.cases.tests.test_documents_and_notice import decide

    application = application_submit(
        actor=system_actor,
        person=people["a"],
        policy_id="living_subsidy",
        channel="online",
        received_on=dt.date(2025, 9, 30),
    ).application
    client = signed_in(register(people["a"]))
    assert client.get(f"/account/applications/{application.pk}/notice.pdf").status_code == 404  # not yet

    decide(application, li_district_officer, "approve")
    page = client.get(f"/account/applications/{application.pk}/").content.decode()
    assert f"/account/applications/{application.pk}/notice.pdf" in page
    pdf = client.get(f"/account/applications/{application.pk}/notice.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().split())
    assert "北京市海淀区残疾人联合会" in text and people["a"].name in text and "每月400.00元" in text
    assert "暂定" not in text

    other = application_submit(
        actor=system_actor,
        person=people["b"],
        policy_id="living_subsidy",
        channel="counter",
        received_on=dt.date(2025, 9, 30),
    ).application
    decide(other, li_district_officer, "approve")
    assert client.get(f"/account/applications/{other.pk}/notice.pdf").status_code == 404
