"""Applicants' accounts on the public portal in a real browser (S4, U11): registration and
verification (a code sent by SMS to the registry's phone, U11, typed with the keyboard alone; an office
code typed with JavaScript off), an online application with a document, the appeal of a rejection, the
whole application completed with the keyboard alone, and the apply flow with JavaScript off. Every page
is checked by check_portal_page (axe-core with no violation at all, one h1, no sideways scroll, under
150 KB) in Chinese and English, and in the high-contrast and large-text modes.

The registry is written in fixtures before the browser starts (see the browser fixture in conftest.py):
测试1 in 万寿路街道 (qualifies for the living subsidy; the registry holds a phone), 测试2 in 万寿路街道
with an application rejected by the district (for the appeal). English pages are asserted on the
msgids; Chinese pages on Chinese data."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "Applicant-pass-1"
LIVING = "困难残疾人生活补贴"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
UNKNOWN_ID_BODY = "11010819800101123"  # a valid ID number with its check digit, not in the registry


@pytest.fixture(autouse=True)
def documents_dir(settings, tmp_path):
    settings.XIAOKANG_DOCUMENTS_DIR = tmp_path / "documents"
    return settings.XIAOKANG_DOCUMENTS_DIR


@pytest.fixture
def portal_data(system_actor, tmp_path) -> dict:
    """Two persons of 万寿路街道 and, for 测试2, an application rejected by the district (through the
    workflow, by staff of each level); returns the clear ID numbers and the application's id."""
    from django.utils import timezone

    from tests.helpers import person_row, write_csv
    from xiaokang.accounts.models import User
    from xiaokang.cases.services import application_submit, application_transition
    from xiaokang.registry.models import Person
    from xiaokang.registry.services import persons_import

    rows = [person_row(1, 联系电话="13912345678"), person_row(2)]
    report = persons_import(actor=system_actor, path=write_csv(tmp_path / "persons.csv", rows))
    assert report.written, report.errors
    second = Person.objects.unscoped(reason="test").get(name="测试2")
    staff = {
        "community_worker": User.objects.create_user(
            "cw_portal", password="Pass-word-123", role="community_worker", area=second.community
        ),
        "street_officer": User.objects.create_user(
            "so_portal", password="Pass-word-123", role="street_officer", area=second.street
        ),
        "district_officer": User.objects.create_user(
            "do_portal", password="Pass-word-123", role="district_officer"
        ),
        # Whoever accepted does not do the community review (separation of duties, U11, G2).
        "reviewer": User.objects.create_user(
            "cw_portal2", password="Pass-word-123", role="community_worker", area=second.community
        ),
    }
    application = application_submit(
        actor=staff["community_worker"],
        person=second,
        policy_id="living_subsidy",
        channel="counter",
        received_on=timezone.localdate(),
    ).application
    for role, action, reason in (
        ("community_worker", "accept", ""),
        ("reviewer", "forward", ""),
        ("street_officer", "forward", ""),
        ("district_officer", "reject", "家庭收入超过标准"),
    ):
        application = application_transition(
            actor=staff[role],
            application=application,
            action=action,
            version=application.version,
            reason=reason,
        )
    return {
        "first": rows[0]["公民身份号码"],
        "second": rows[1]["公民身份号码"],
        "rejected": application.pk,
        "rejected_number": application.number,
    }


@pytest.fixture
def accounts(portal_data):
    """Accounts for 测试1 and 测试2, made through the service before the browser starts and verified as
    at the office (U11): a code printed for each person, entered for the account."""
    from xiaokang.accounts.actors import SystemActor
    from xiaokang.portal.applicants import applicant_register, registry_person_for
    from xiaokang.portal.verification import code_verify, office_code_issue

    for name, key in (("测试1", "first"), ("测试2", "second")):
        account = applicant_register(
            name=name, id_number=portal_data[key], phone="13800001234", password=PASSWORD
        )
        code, _ = office_code_issue(actor=SystemActor("tests"), person=registry_person_for(account))
        code_verify(account=account, code=code)
    return portal_data


def sign_in(page, id_number: str, *, language: str = "zh") -> None:
    page.goto("/account/login/")
    page.get_by_label("ID number" if language == "en" else re.compile("身份|ID")).first.fill(id_number)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/account/")


def tab_to(page, selector: str, *, limit: int = 120) -> None:
    """Press Tab until the element matching ``selector`` has the focus (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def pdf_file(tmp_path, name: str = "certificate.pdf"):
    path = tmp_path / name
    path.write_bytes(PDF)
    return path


# ---------------------------------------------------------------------------------------------------


def test_registration_then_verification_by_a_code_sent_to_the_registry_phone(
    portal_data, portal_page, check_portal_page
):
    from tests.helpers import make_id
    from xiaokang.core import sms
    from xiaokang.portal.models import ApplicantAccount

    sms.outbox.clear()

    page = portal_page(language="zh")
    page.goto("/account/register/")
    check_portal_page(page, "portal-register-zh")
    # Nothing filled: every field says what is wrong, the summary first (focused, announced).
    page.locator("main button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_focused()
    assert page.title().startswith(("错误", "Error"))
    assert page.locator("[aria-invalid=true]").count() == 5
    check_portal_page(page, "portal-register-errors-zh")

    page.locator("#id_name").fill("测试1")
    page.locator("#id_id_number").fill(portal_data["first"])
    page.locator("#id_phone").fill("13800001234")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password_again").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    # Name and ID number match the registry, yet nothing is linked: the verification page says how.
    page.wait_for_url("**/account/verify/")
    assert ApplicantAccount.objects.get(name="测试1").person is None
    expect(page.locator("main")).to_contain_text("139****5678")
    check_portal_page(page, "portal-verify-zh")
    page.goto("/account/")
    expect(page.locator("#not-linked")).to_be_visible()
    check_portal_page(page, "portal-dashboard-unverified-zh")
    # With the keyboard alone: to the verification link, send a code, type it, send.
    tab_to(page, "#not-linked a[href='/account/verify/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/account/verify/")
    tab_to(page, "form[action='/account/verify/send/'] button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/account/verify/#code-form")
    assert [message.phone for message in sms.outbox] == ["13912345678"]  # the registry's, not the typed
    code = re.search(r"\b(\d{6})\b", sms.outbox[-1].text).group(1)
    # A wrong code first: the error is announced and linked to the field.
    tab_to(page, "#id_code")
    page.keyboard.type("000000" if code != "000000" else "111111")
    page.keyboard.press("Enter")
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#id_code")).to_have_attribute("aria-invalid", "true")
    check_portal_page(page, "portal-verify-error-zh")
    page.locator("#id_code").fill(code)
    page.locator("#code-form button[type=submit]").click()
    page.wait_for_url("**/account/")
    expect(page.locator("#not-linked")).to_have_count(0)
    expect(page.locator(".utility-bar .account")).to_contain_text("测试1")
    check_portal_page(page, "portal-dashboard-linked-zh")
    assert ApplicantAccount.objects.get(name="测试1").person is not None
    page.goto("/account/apply/")
    expect(page.locator("main")).to_contain_text(LIVING)
    check_portal_page(page, "portal-apply-choose-zh")

    # In English and high contrast: an ID number the registry does not have gives an unlinked account.
    page = portal_page(language="en", mode="contrast")
    page.goto("/account/register/")
    check_portal_page(page, "portal-register-en-contrast")
    page.get_by_label("Name").fill("王五")
    page.get_by_label(re.compile("^ID number")).fill(make_id(UNKNOWN_ID_BODY))
    page.get_by_label(re.compile("^Phone number")).fill("010-6255 1234")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password_again").fill(PASSWORD)
    page.get_by_role("button", name="Create the account").click()
    page.wait_for_url("**/account/verify/")
    expect(page.locator("#verify-office")).to_be_visible()  # no record: verify at the office
    check_portal_page(page, "portal-verify-office-en-contrast")
    page.goto("/account/")
    expect(page.locator("#not-linked")).to_be_visible()
    check_portal_page(page, "portal-dashboard-unlinked-en-contrast")
    page.goto("/account/apply/")
    expect(page.locator("#not-linked")).to_be_visible()
    check_portal_page(page, "portal-apply-unlinked-en-contrast")
    assert ApplicantAccount.objects.get(name="王五").person is None

    page = portal_page(language="zh")
    sign_in(page, make_id(UNKNOWN_ID_BODY))
    page.goto("/account/apply/living_subsidy/")
    expect(page.locator("#not-linked")).to_be_visible()
    check_portal_page(page, "portal-apply-unlinked-zh")


def test_verification_with_an_office_code_without_javascript(portal_data, portal_page, check_portal_page):
    """Staff print a code on the person page; the resident types it with scripts off (plain forms)."""
    from xiaokang.accounts.actors import SystemActor
    from xiaokang.portal.applicants import applicant_register
    from xiaokang.portal.models import ApplicantAccount
    from xiaokang.portal.verification import format_office_code, office_code_issue
    from xiaokang.registry.models import Person

    applicant_register(name="测试2", id_number=portal_data["second"], phone="13800001234", password=PASSWORD)
    code, _ = office_code_issue(
        actor=SystemActor("tests"), person=Person.objects.unscoped(reason="test").get(name="测试2")
    )
    page = portal_page(language="en", javascript=False)
    sign_in(page, portal_data["second"], language="en")
    page.get_by_role("link", name="Verify your account").first.click()
    page.wait_for_url("**/account/verify/")
    expect(page.locator("#verify-office")).to_be_visible()  # the registry holds no phone for 测试2
    page.get_by_label(re.compile("^Verification code")).fill(format_office_code(code).lower())
    page.get_by_role("button", name="Verify", exact=True).click()
    page.wait_for_url("**/account/")
    expect(page.locator("main")).to_contain_text(portal_data["rejected_number"])
    assert ApplicantAccount.objects.get(name="测试2").verified_by == "office"

    checked = portal_page(language="en", mode="large")
    applicant_register(name="测试1", id_number=portal_data["first"], phone="13800001234", password=PASSWORD)
    sign_in(checked, portal_data["first"], language="en")
    checked.goto("/account/verify/")
    check_portal_page(checked, "portal-verify-en-large")


def test_sign_in_pages_and_a_refused_sign_in(accounts, portal_page, check_portal_page):
    page = portal_page(language="en", mode="large")
    page.goto("/account/login/")
    check_portal_page(page, "portal-login-en-large")
    page.get_by_label(re.compile("^ID number")).fill(accounts["first"])
    page.locator("#id_password").fill("Wrong-pass-123")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#error-summary")).to_contain_text("not right")
    check_portal_page(page, "portal-login-error-en-large")

    page = portal_page(language="zh", mode="both")
    page.goto("/account/login/")
    check_portal_page(page, "portal-login-zh-both")


def test_an_online_application_with_a_document(accounts, portal_page, check_portal_page, tmp_path):
    from xiaokang.cases.models import Application

    page = portal_page(language="en")
    sign_in(page, accounts["first"], language="en")
    check_portal_page(page, "portal-dashboard-en")
    page.get_by_role("link", name="Apply online for a benefit").click()
    page.wait_for_url("**/account/apply/")
    expect(page.locator("main")).to_contain_text("You may qualify.")
    check_portal_page(page, "portal-apply-choose-en")
    page.locator("a[href$='/apply/living_subsidy/']").click()
    page.wait_for_url("**/apply/living_subsidy/")
    check_portal_page(page, "portal-apply-en")

    # Without consent: nothing sent, the error at the checkbox.
    page.locator("#id_documents").set_input_files(str(pdf_file(tmp_path)))
    page.get_by_role("button", name="Send the application").click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#id_consent")).to_have_attribute("aria-invalid", "true")
    check_portal_page(page, "portal-apply-error-en")
    assert not Application.objects.unscoped(reason="test").filter(person__name="测试1").exists()

    page.locator("#id_documents").set_input_files(str(pdf_file(tmp_path)))
    page.locator("#id_consent").check()
    page.get_by_role("button", name="Send the application").click()
    page.wait_for_url(re.compile(r"/account/applications/\d+/$"))
    application = Application.objects.unscoped(reason="test").get(person__name="测试1")
    assert application.channel == "online" and application.documents.count() == 1
    expect(page.locator("h1")).to_contain_text(application.number)
    expect(page.locator("#documents").locator("xpath=..")).to_contain_text("certificate.pdf")
    expect(page.locator(".messages")).to_contain_text(application.number)
    check_portal_page(page, "portal-application-en")

    page = portal_page(language="zh", mode="large")
    sign_in(page, accounts["first"])
    expect(page.locator("main table").first).to_contain_text(application.number)
    check_portal_page(page, "portal-dashboard-zh-large")
    page.goto(f"/account/applications/{application.pk}/")
    check_portal_page(page, "portal-application-zh-large")


def test_the_appeal_of_a_rejection(accounts, portal_page, check_portal_page):
    from xiaokang.cases.models import Application

    url = f"/account/applications/{accounts['rejected']}/"
    page = portal_page(language="en", mode="large")
    sign_in(page, accounts["second"], language="en")
    page.goto(url)
    expect(page.get_by_role("button", name="Send the appeal")).to_be_visible()
    check_portal_page(page, "portal-rejected-en-large")

    page = portal_page(language="zh", mode="contrast")
    sign_in(page, accounts["second"])
    page.locator(f"main a[href='{url}']").click()
    expect(page.locator("#decision").locator("xpath=..")).to_contain_text("家庭收入超过标准")
    for username in ("cw_portal", "so_portal", "do_portal"):
        expect(page.locator("main")).not_to_contain_text(username)
    check_portal_page(page, "portal-rejected-zh-contrast")

    # No reason: refused at the field.
    page.locator("form[action$='/appeal/'] button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#id_reason")).to_have_attribute("aria-invalid", "true")
    check_portal_page(page, "portal-appeal-error-zh-contrast")

    page.locator("#id_reason").fill("我家的收入已经减少，附上新的证明。")
    page.locator("form[action$='/appeal/'] button[type=submit]").click()
    page.wait_for_url(f"**/account/applications/{accounts['rejected']}/")
    application = Application.objects.unscoped(reason="test").get(pk=accounts["rejected"])
    assert application.state == "appeal_review"
    expect(page.locator("form[action$='/appeal/']")).to_have_count(0)
    check_portal_page(page, "portal-appealed-zh-contrast")

    page = portal_page(language="en")
    sign_in(page, accounts["second"], language="en")
    page.goto(f"/account/applications/{accounts['rejected']}/")
    expect(page.locator("main")).to_contain_text("Appeal received")
    check_portal_page(page, "portal-appealed-en")


def test_an_application_completed_with_the_keyboard_alone(accounts, portal_page, check_portal_page):
    """Tab, Enter and Space only: sign in, open the apply page, choose the benefit, consent, send."""
    from xiaokang.cases.models import Application

    page = portal_page(language="zh", mode="large")
    page.goto("/account/login/")
    tab_to(page, "#id_id_number")
    page.keyboard.type(accounts["first"])
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/account/")
    tab_to(page, "main a[href='/account/apply/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/account/apply/")
    tab_to(page, "main a[href$='/apply/living_subsidy/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/apply/living_subsidy/")
    check_portal_page(page, "portal-apply-keyboard-zh-large")
    tab_to(page, "#id_consent")
    page.keyboard.press("Space")
    expect(page.locator("#id_consent")).to_be_checked()
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/account/applications/\d+/$"))
    application = Application.objects.unscoped(reason="test").get(person__name="测试1")
    assert application.channel == "online"
    expect(page.locator("h1")).to_contain_text(application.number)


def test_the_apply_flow_works_without_javascript(accounts, portal_page, check_portal_page, tmp_path):
    """The core flow with scripts off: sign in, apply with two documents, read the application, sign out.
    axe-core cannot run in a page whose scripts are off (its timers never fire: check_portal_page would
    wait for ever), so the same pages are checked afterwards in a page with scripts on."""
    from xiaokang.cases.models import Application

    page = portal_page(language="en", javascript=False)
    sign_in(page, accounts["first"], language="en")
    page.goto("/account/apply/")
    page.locator("a[href$='/apply/living_subsidy/']").click()
    page.wait_for_url("**/apply/living_subsidy/")
    # Without consent: the server answers with the error at the checkbox (no script involved).
    page.get_by_role("button", name="Send the application").click()
    expect(page.locator("#id_consent")).to_have_attribute("aria-invalid", "true")
    page.locator("#id_documents").set_input_files(
        [str(pdf_file(tmp_path, "a.pdf")), str(pdf_file(tmp_path, "b.pdf"))]
    )
    page.locator("#id_consent").check()
    page.get_by_role("button", name="Send the application").click()
    page.wait_for_url(re.compile(r"/account/applications/\d+/$"))
    application = Application.objects.unscoped(reason="test").get(person__name="测试1")
    assert application.channel == "online"
    assert sorted(application.documents.values_list("name", flat=True)) == ["a.pdf", "b.pdf"]
    expect(page.locator("h1")).to_contain_text(application.number)
    assert page.locator("h1").count() == 1
    detail_url = page.url
    # Signing out is a plain form too.
    page.locator(".utility-bar form[action='/account/logout/'] button").click()
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/account/")
    page.wait_for_url("**/account/login/?next=/account/")

    checked = portal_page(language="en")
    sign_in(checked, accounts["first"], language="en")
    checked.goto(detail_url)
    expect(checked.locator("#documents").locator("xpath=..")).to_contain_text("b.pdf")
    check_portal_page(checked, "portal-application-documents-en")
    checked.goto("/account/apply/care_subsidy/")
    check_portal_page(checked, "portal-apply-care-en")


@pytest.fixture
def interpreting_slots(db):
    """Free interpreting times on the coming working days (the demo seed), for the booking pages."""
    from xiaokang.interpreting.synthetic import seed_interpreters

    return seed_interpreters(days=10)


def test_every_portal_page_at_200_percent_zoom(accounts, interpreting_slots, portal_page, check_portal_page):
    """U11: text zoomed to 200 % on a 1280-pixel screen (640 CSS pixels) loses nothing and does
    not scroll sideways, on the applicant's pages and the booking pages as on the public ones
    (test_portal_pages.py zooms the screener and the guide)."""
    from xiaokang.interpreting.models import Slot

    visitor = portal_page(zoom=2)
    for name, url in (
        ("register", "/account/register/"),
        ("login", "/account/login/"),
        ("interpreting", "/interpreting/"),
        ("interpreting-book", f"/interpreting/slots/{Slot.objects.order_by('starts_at').first().pk}/book/"),
    ):
        visitor.goto(url)
        check_portal_page(visitor, f"zoom-200-{name}")
    page = portal_page(zoom=2, mode="large")
    sign_in(page, accounts["second"])
    for name, url in (
        ("account", "/account/"),
        ("application", f"/account/applications/{accounts['rejected']}/"),
        ("apply", "/account/apply/"),
        ("apply-living-subsidy", "/account/apply/living_subsidy/"),
    ):
        page.goto(url)
        check_portal_page(page, f"zoom-200-large-{name}")


def test_the_staff_print_a_code_and_unlink_an_account(accounts, new_page, log_in, check_page):
    """The person page's "Portal account" section (U11): print a verification code (a letter), then
    unlink the account with a reason (an empty reason is refused at the field)."""
    from xiaokang.portal.models import ApplicantAccount
    from xiaokang.registry.models import Person

    person = Person.objects.unscoped(reason="test").get(name="测试2")
    page = new_page()
    log_in(page, "so_portal")
    page.goto(f"/staff/persons/{person.pk}/")
    section = page.locator("section:has(h2#portal-account)")
    expect(section).to_contain_text("2")  # the account's dates
    check_page(page, "portal-staff-person-section")

    section.locator("form[action$='/portal-code/'] button").click()
    page.wait_for_url(f"**/staff/persons/{person.pk}/portal-code/")
    expect(page.locator(".verification-code")).to_have_text(re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}$"))
    check_page(page, "portal-staff-office-code-letter")

    page.goto(f"/staff/persons/{person.pk}/")
    page.locator("section:has(h2#portal-account) a[href$='/portal-unlink/']").click()
    page.wait_for_url(f"**/staff/persons/{person.pk}/portal-unlink/")
    check_page(page, "portal-staff-unlink")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#id_reason")).to_have_attribute("aria-invalid", "true")
    check_page(page, "portal-staff-unlink-error")
    page.locator("#id_reason").fill("本人到社区核验身份证：账户非本人")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/staff/persons/{person.pk}/#portal-account")
    assert ApplicantAccount.objects.get(name="测试2").person is None
