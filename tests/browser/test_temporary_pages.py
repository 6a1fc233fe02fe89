"""Temporary assistance (S3) in a real browser, with the keyboard alone: a street officer grants an amount
from the person's page (over the limit first: the error summary takes focus and links to the amount),
attaches a document afterwards; a district officer opens the list of grants awaiting review from the
menu (one overdue), is refused a rejection without a reason, confirms the grant and opens the notice.
Every page is checked by axe-core and for sideways scrolling (check_page), the list and the form also
400 px wide. Screenshots go to the screenshot directory (XIAOKANG_SCREENSHOTS) as well.

The data is written in a fixture that runs before the browser starts (see the browser fixture in
conftest.py): 测试1 and 测试2 in 万寿路街道; 测试2 was granted temporary assistance on 2025-09-30, long
overdue for its documents and its review. The pages are read in English (the language cookie)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.browser.menu import menu_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = SCREENSHOTS
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def temporary_data(system_actor, tmp_path, settings, officer_a, district_officer) -> dict:
    from tests.helpers import person_row, write_csv
    from xiaokang.cases.temporary import temporary_assistance_grant
    from xiaokang.policies.engine.loader import policies
    from xiaokang.registry.models import Person
    from xiaokang.registry.services import persons_import

    settings.XIAOKANG_DOCUMENTS_DIR = tmp_path / "documents"
    report = persons_import(
        actor=system_actor, path=write_csv(tmp_path / "p.csv", [person_row(1), person_row(2)])
    )
    assert report.written, report.errors
    persons = {person.name: person for person in Person.objects.unscoped(reason="test").all()}
    overdue = temporary_assistance_grant(
        actor=officer_a,
        person=persons["测试2"],
        amount=Decimal("800"),
        reason="家中失火",
        received_on=dt.date(2025, 9, 30),
    ).application
    limit = policies()["temporary_assistance"].parameters["street_approval_limit"].value_on(dt.date.today())
    return {
        "persons": {name: person.pk for name, person in persons.items()},
        "overdue": overdue.number,
        "limit": Decimal(limit.value),
    }


@pytest.fixture
def check(check_page):
    def run(page, name: str) -> None:
        check_page(page, f"temporary-{name}")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    return run


@pytest.fixture
def signed_in(new_page, log_in, live_server):
    def make(username: str):
        page = new_page()
        log_in(page, username)
        page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
        return page

    return make


def press_enter_on(page, locator) -> None:
    locator.focus()
    expect(locator).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_grant_attach_and_review_with_the_keyboard(
    temporary_data, officer_a, district_officer, signed_in, check
):
    from xiaokang.cases.models import State, TemporaryAssistance

    street = signed_in(officer_a.username)
    street.goto(f"/staff/persons/{temporary_data['persons']['测试1']}/")
    press_enter_on(street, street.get_by_role("link", name="Grant temporary assistance"))
    expect(street.locator("h1")).to_contain_text("Grant temporary assistance")
    check(street, "form")

    # Over the limit: nothing granted, the summary has focus and links to the amount.
    street.locator("#id_amount").fill(str(temporary_data["limit"] + 1))
    street.locator("#id_reason").fill("突发重病住院，急需生活费")
    press_enter_on(street, street.get_by_role("button", name="Grant it"))
    expect(street.locator("#error-summary")).to_be_focused()
    expect(street.locator("#error-summary")).to_contain_text("street approval limit")
    expect(street.locator("#id_amount")).to_have_attribute("aria-invalid", "true")
    check(street, "form-error")
    street.locator("#error-summary a").click()
    expect(street.locator("#id_amount")).to_be_focused()

    street.locator("#id_amount").fill("1500")
    press_enter_on(street, street.get_by_role("button", name="Grant it"))
    expect(street.locator(".messages .success")).to_contain_text("has been granted: 1,500.00 yuan")
    expect(street.locator("#documents-status")).to_contain_text("none attached yet")
    check(street, "detail-granted")

    # The documents, afterwards.
    street.locator("#id_file").set_input_files(
        files=[{"name": "诊断证明.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    press_enter_on(street, street.get_by_role("button", name="Attach", exact=True))
    expect(street.locator("#documents-status")).to_contain_text("1 attached")

    # The district officer: the list from the menu, the overdue grant first.
    district = signed_in(district_officer.username)
    district.goto("/staff/")
    press_enter_on(district, menu_link(district, "/staff/work/temporary/"))
    expect(district.locator("#count-waiting")).to_have_text("2")
    expect(district.locator("#count-review-overdue")).to_have_text("1")
    expect(district.locator("#count-documents-overdue")).to_have_text("1")
    expect(district.locator("tbody tr").first).to_contain_text(temporary_data["overdue"])
    expect(district.locator("tbody tr").first).to_have_class("overdue")
    check(district, "list")

    grant = TemporaryAssistance.objects.exclude(application__number=temporary_data["overdue"]).get()
    press_enter_on(district, district.get_by_role("link", name=grant.application.number))
    check(district, "detail-review")

    # Reject without a reason: refused, the summary links to the reason.
    district.locator("#review-decision_1").focus()
    district.keyboard.press("Space")
    press_enter_on(district, district.get_by_role("button", name="Record the review"))
    expect(district.locator("#error-summary")).to_be_focused()
    check(district, "detail-review-error")
    district.locator("#error-summary a").click()
    expect(district.locator("#reason-review")).to_be_focused()

    district.locator("#review-decision_0").focus()
    district.keyboard.press("Space")
    press_enter_on(district, district.get_by_role("button", name="Record the review"))
    expect(district.locator(".messages .success")).to_contain_text("Confirmed")
    assert TemporaryAssistance.objects.get(pk=grant.pk).application.state == State.CONFIRMED
    check(district, "detail-confirmed")

    press_enter_on(district, district.locator(".contents a[href$='/notice/']"))
    expect(district.locator("h1")).to_contain_text("临时救助批准通知书")
    expect(district.locator("article.notice")).to_contain_text("一次性 1,500.00 元")
    check(district, "notice")


@pytest.mark.parametrize("name", ["list", "form"])
def test_the_pages_at_400_px(temporary_data, officer_a, signed_in, check, name):
    page = signed_in(officer_a.username)
    page.set_viewport_size({"width": 400, "height": 800})
    url = {
        "list": "/staff/work/temporary/",
        "form": f"/staff/work/temporary/new/{temporary_data['persons']['测试1']}/",
    }[name]
    page.goto(url)
    check(page, f"w400-{name}")
