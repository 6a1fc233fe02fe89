"""A resident whose certificate has expired is told so plainly, with what to do (P3, U11), on the
account page, the application form and the screener's result: each page checked by axe-core in both
languages, and the screener's link to applying online followed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "Applicant-pass-1"


@pytest.fixture
def expired_account(system_actor, tmp_path) -> str:
    """A verified account of a person whose certificate was issued eleven years ago (valid ten)."""
    from django.utils import timezone

    from tests.helpers import person_row, write_csv
    from xiaokang.accounts.actors import SystemActor
    from xiaokang.portal.applicants import applicant_register, registry_person_for
    from xiaokang.portal.verification import code_verify, office_code_issue
    from xiaokang.registry.services import persons_import

    issued = timezone.localdate().replace(day=1) - dt.timedelta(days=11 * 366)
    row = person_row(1, 发证日期=issued.isoformat())
    report = persons_import(actor=system_actor, path=write_csv(tmp_path / "persons.csv", [row]))
    assert report.written, report.errors
    account = applicant_register(
        name=row["姓名"], id_number=row["公民身份号码"], phone="13800001234", password=PASSWORD
    )
    code, _ = office_code_issue(actor=SystemActor("tests"), person=registry_person_for(account))
    code_verify(account=account, code=code)
    return row["公民身份号码"]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_account_and_the_application_form_say_the_certificate_expired(
    expired_account, portal_page, check_portal_page, language
):
    page = portal_page(language=language)
    page.goto("/account/login/")
    page.locator("#id_id_number").fill(expired_account)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/account/")
    note = page.locator("#certificate-expired")
    expect(note).to_be_visible()
    expect(note).to_contain_text("残联办理换证" if language == "zh" else "renew the certificate")
    check_portal_page(page, f"portal-certificate-expired-home-{language}")

    page.goto("/account/apply/living_subsidy/")
    expect(page.locator("#certificate-expired")).to_be_visible()
    check_portal_page(page, f"portal-certificate-expired-apply-{language}")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_screener_says_the_certificate_expired_and_links_to_applying(
    portal_page, check_portal_page, language
):
    page = portal_page(language=language)
    issued = (dt.date.today() - dt.timedelta(days=11 * 366)).isoformat()
    page.goto(
        "/screener/?age=45&hukou=本市城镇&category=肢体&grade=一级&economic_status=低保"
        f"&certificate_issued={issued}"
    )
    expect(page.locator("#certificate-expired")).to_be_visible()
    check_portal_page(page, f"portal-screener-certificate-expired-{language}")
    page.locator(".screener-apply a").click()
    page.wait_for_url(re.compile(r"/account/login/"))
    expect(page.locator("h1")).to_be_visible()
