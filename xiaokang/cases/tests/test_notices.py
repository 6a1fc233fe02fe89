"""Notices and receipts that look official (S4, G2): the issuing body (a setting), room for the seal, the
date, the first month and payment method, the phone number and how to appeal (行政复议 60 days,
行政诉讼 6 months), never "provisional" on the resident's notice; one A4 page of PDF whose text (Chinese)
can be extracted; a receipt with the number and how to look up the status; another street's notice or
receipt is a 404, audited."""

import io

import pypdf
import pytest

from xiaokang.audit.models import AuditEvent
from xiaokang.cases.tests.test_documents_and_notice import decide
from xiaokang.cases.tests.workflow import client_for, text

pytestmark = pytest.mark.django_db


def pdf_text(response) -> tuple[int, str]:
    """(pages, text) of a PDF response."""
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def compact(value: str) -> str:
    return "".join(value.split())


def test_the_notice_names_the_issuer_seal_date_first_month_payment_phone_and_appeal(
    application, li_district_officer
):
    decide(application, li_district_officer, "approve")

    page = client_for(li_district_officer).get(f"/staff/applications/{application.pk}/notice/")
    notice = text(page.content.decode().split('<article class="notice', 1)[1])

    assert "北京市海淀区残疾人联合会" in notice and "（盖章）" in notice
    assert "每月 400.00 元" in notice and "起始月份" in notice and "2025年10月起" in notice
    assert "发放方式" in notice and "社会保障卡" in notice
    assert "咨询电话：12345" in notice
    assert "60 日内" in notice and "行政复议" in notice and "6 个月内" in notice and "行政诉讼" in notice
    assert "暂定" not in notice and "待核实" not in notice


def test_provisional_parameters_are_shown_to_staff_not_printed(application, li_district_officer):
    decide(application, li_district_officer, "approve")  # 400 yuan: an unverified parameter

    page = (
        client_for(li_district_officer).get(f"/staff/applications/{application.pk}/notice/").content.decode()
    )
    staff_part, notice = page.split('<article class="notice', 1)

    assert 'id="notice-provisional"' in staff_part and "dibao_group_a" in staff_part
    assert "no-print" in staff_part.split('id="notice-provisional"')[0].rsplit("<div", 1)[1]
    assert "暂定" not in notice and "provisional" not in notice.lower()


def test_the_issuer_and_phone_are_settings(application, li_district_officer, settings):
    settings.XIAOKANG_NOTICE_ISSUER = "北京市海淀区民政局"
    settings.XIAOKANG_NOTICE_PHONE = "010-00000000"
    decide(application, li_district_officer, "approve")
    page = (
        client_for(li_district_officer).get(f"/staff/applications/{application.pk}/notice/").content.decode()
    )
    assert "北京市海淀区民政局" in page and "010-00000000" in page


def test_the_notice_pdf_is_one_a4_page_with_the_body_the_applicant_and_the_amount(
    application, li_district_officer
):
    decide(application, li_district_officer, "approve")

    response = client_for(li_district_officer).get(f"/staff/applications/{application.pk}/notice.pdf")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="notice-{application.number}.pdf"'
    pages, content = pdf_text(response)
    assert pages == 1
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    width, height = (float(value) for value in reader.pages[0].mediabox[2:])
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)  # A4 in mm
    # Chinese text extracted from the PDF (the font is embedded with its character map).
    flat = compact(content)
    assert "北京市海淀区残疾人联合会" in flat and "测试1" in flat and "每月400.00元" in flat
    assert "暂定" not in flat
    assert AuditEvent.objects.filter(action="application.view", details__page="notice.pdf").count() == 1


def test_the_rejection_notice_pdf_states_the_reasons_and_how_to_appeal(
    people, sun_community_a, li_district_officer
):
    from xiaokang.cases.tests.workflow import submit

    application = submit(sun_community_a, people["ordinary"])
    decide(application, li_district_officer, "reject", reason="家庭经济状况不符合")

    _, content = pdf_text(
        client_for(li_district_officer).get(f"/staff/applications/{application.pk}/notice.pdf")
    )

    flat = compact(content)
    assert "不予批准" in flat and "家庭经济状况不符合" in flat and "行政复议" in flat and "行政诉讼" in flat


def test_the_receipt_has_the_number_and_how_to_look_up_the_status(application, sun_community_a):
    client = client_for(sun_community_a)

    page = text(client.get(f"/staff/applications/{application.pk}/receipt/").content.decode())
    assert application.number in page and "/status/" in page and "后六位" in page

    response = client.get(f"/staff/applications/{application.pk}/receipt.pdf")
    pages, content = pdf_text(response)
    flat = compact(content)
    assert pages == 1 and application.number in flat and "后六位" in flat and "困难残疾人生活补贴" in flat
    assert AuditEvent.objects.filter(action="application.view", details__page="receipt.pdf").count() == 1


def test_the_detail_page_links_the_receipt(application, sun_community_a):
    page = client_for(sun_community_a).get(f"/staff/applications/{application.pk}/").content.decode()
    assert f"/staff/applications/{application.pk}/receipt/" in page


def test_another_street_gets_404_for_the_notice_and_the_receipt_audited(
    application, li_district_officer, zhao_street_b
):
    decide(application, li_district_officer, "approve")
    client = client_for(zhao_street_b)
    denied = AuditEvent.objects.filter(action="access.denied").count()

    for suffix in ("notice/", "notice.pdf", "receipt/", "receipt.pdf"):
        assert client.get(f"/staff/applications/{application.pk}/{suffix}").status_code == 404, suffix

    assert AuditEvent.objects.filter(action="access.denied").count() == denied + 4


def test_no_notice_pdf_before_a_decision(application, sun_community_a):
    assert (
        client_for(sun_community_a).get(f"/staff/applications/{application.pk}/notice.pdf").status_code == 404
    )
