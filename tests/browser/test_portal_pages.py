"""The public portal's pages in a real browser (P2, S4, U11): every page with axe-core reporting
no violation at all, in both languages, plain and in the high-contrast and large-text modes; the screener
and the status lookup by keyboard alone and without JavaScript; zoom to 200 %; the display settings."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.helpers import id_tail, representable, screener_answers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ANSWERS = "age=45&hukou=本市城镇&category=肢体&grade=一级&economic_status=低保"
PUBLIC_PAGES = {
    "home": "/",
    "guide": "/policies/",
    "guide-living-subsidy": "/policies/living_subsidy/",
    "guide-care-subsidy": "/policies/care_subsidy/",
    "screener": "/screener/",
    "screener-result": f"/screener/?{ANSWERS}",
    "screener-errors": "/screener/?age=abc&hukou=火星&category=肢体&grade=9",
    "status": "/status/",
}


def focused_name(page) -> str:
    return page.evaluate("document.activeElement.name || document.activeElement.id")


def results(page) -> dict[str, tuple[str, str]]:
    items = page.locator("[data-policy]")
    return {
        items.nth(i).get_attribute("data-policy"): (
            items.nth(i).get_attribute("data-eligible"),
            items.nth(i).get_attribute("data-amount"),
        )
        for i in range(items.count())
    }


@pytest.mark.parametrize(
    "language,mode",
    [("zh", "plain"), ("en", "plain"), ("zh", "both"), ("en", "both")],
)
def test_every_public_page_passes_axe(portal_page, check_portal_page, language, mode):
    page = portal_page(language=language, mode=mode)
    for name, url in PUBLIC_PAGES.items():
        page.goto(url)
        assert page.evaluate("document.documentElement.lang") == ("zh-Hans" if language == "zh" else "en")
        classes = page.evaluate("document.documentElement.className")
        assert ("high-contrast" in classes and "large-text" in classes) == (mode == "both")
        check_portal_page(page, f"portal-{name}-{language}-{mode}")


def test_every_policy_guide_page_passes_axe(portal_page, check_portal_page):
    """The guide is generated from the files: every person policy's page, not only the two above."""
    from xiaokang.policies.engine.loader import person_policies

    page = portal_page()
    for policy in person_policies():
        page.goto(f"/policies/{policy.id}/")
        check_portal_page(page, f"portal-guide-{policy.id}-zh-plain")


@pytest.mark.parametrize("mode", ["contrast", "large"])
def test_each_display_mode_alone(portal_page, check_portal_page, mode):
    page = portal_page(mode=mode)
    for name in ("home", "screener-result", "guide-living-subsidy"):
        page.goto(PUBLIC_PAGES[name])
        check_portal_page(page, f"portal-{name}-zh-{mode}")


def test_the_display_settings_persist_from_page_to_page(portal_page):
    page = portal_page()
    page.goto("/")
    page.get_by_label("高对比度").check()
    page.get_by_label("大字").check()
    page.get_by_role("button", name="应用显示设置").click()
    expect(page.locator("html")).to_have_class(re.compile("high-contrast"))
    assert page.url.endswith("/")  # back on the page the form was on
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(0, 0, 0)"
    size = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert size == 24  # 150 % of the browser's 16 px
    page.goto("/policies/")
    assert "large-text" in page.evaluate("document.documentElement.className")
    assert page.get_by_label("高对比度").is_checked()
    # Switched off again: the cookie goes.
    page.get_by_label("高对比度").uncheck()
    page.get_by_label("大字").uncheck()
    page.get_by_role("button", name="应用显示设置").click()
    expect(page.locator("html")).not_to_have_class(re.compile("high-contrast"))
    assert not [c for c in page.context.cookies() if c["name"] == "xiaokang_display"]


def test_the_screener_by_keyboard_alone(portal_page, check_portal_page, screenshot):
    page = portal_page()
    page.goto("/screener/")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Enter")  # into main
    while focused_name(page) != "age":
        page.keyboard.press("Tab")
    page.keyboard.type("45")
    screenshot(page, "portal-screener-keyboard-age")
    # A radio group is one Tab stop; the arrow keys choose within it (and the first arrow selects).
    page.keyboard.press("Tab")
    assert focused_name(page) == "hukou"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")  # 本市城镇, the first
    page.keyboard.press("Tab")
    assert focused_name(page) == "category"
    for _ in range(3):  # 视力 → 听力 → 言语 → 肢体
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")  # the checkboxes of a multiple disability: each its own stop, left alone
    while focused_name(page) == "multiple_categories":
        page.keyboard.press("Tab")
    assert focused_name(page) == "grade"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")  # 一级
    page.keyboard.press("Tab")
    assert focused_name(page) == "economic_status"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")  # 低保
    screenshot(page, "portal-screener-keyboard-radio")
    page.keyboard.press("Enter")  # submits the form from a radio button

    page.wait_for_url(re.compile(r"/screener/\?"))
    assert results(page)["living_subsidy"] == ("true", "400.00")
    # The result has focus (autofocus): a screen reader starts there.
    assert page.evaluate("document.activeElement.id") == "results"
    check_portal_page(page, "portal-screener-keyboard-result")


def test_the_screener_without_javascript_and_a_bookmark(portal_page):
    page = portal_page(javascript=False)
    page.goto("/screener/")
    page.get_by_label("年龄（周岁）").fill("8")
    page.get_by_role("group", name="户籍类型").get_by_label("本市农业").check()
    page.get_by_role("group", name="残疾人证上的残疾类别").get_by_label("多重").check()
    components = page.get_by_role("group", name="多重残疾的组成类别")
    components.get_by_label("言语").check()
    components.get_by_label("智力").check()
    page.get_by_role("group", name="残疾等级").get_by_label("二级").check()
    page.get_by_role("group", name="家庭经济状况").get_by_label("低收入").check()
    page.get_by_role("button", name="查看可享待遇").click()
    # count() does not wait: wait for the GET's answer page before reading it.
    page.wait_for_url(re.compile(r"/screener/\?"))
    expect(page.locator("[data-policy]").first).to_be_attached()
    found = results(page)
    assert found, "results without script"
    assert found["child_rehabilitation"][0] == "true"  # a child of 8 with an intellectual component
    # The address is the bookmark: opened again, the same answers and the same result.
    again = portal_page(javascript=False)
    again.goto(page.url)
    expect(again.locator("[data-policy]").first).to_be_attached()
    assert results(again) == found
    assert again.get_by_role("group", name="多重残疾的组成类别").get_by_label("智力").is_checked()


def test_screener_errors_are_announced_and_tied_to_their_fields(portal_page, check_portal_page):
    page = portal_page()
    page.goto("/screener/")
    page.get_by_role("button", name="查看可享待遇").click()
    summary = page.locator("#error-summary")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()
    assert page.title().startswith("错误")
    age = page.get_by_label("年龄（周岁）")
    assert age.get_attribute("aria-invalid") == "true"
    assert "id_age_error" in age.get_attribute("aria-describedby")
    hukou = page.locator("fieldset#id_hukou")
    assert "id_hukou_error" in hukou.get_attribute("aria-describedby")
    # The summary's link takes the keyboard to the field.
    summary.get_by_role("link").first.press("Enter")
    assert page.evaluate("location.hash") == "#id_age"
    check_portal_page(page, "portal-screener-empty-errors")


def test_the_screener_at_200_percent_zoom(portal_page, check_portal_page):
    page = portal_page(zoom=2)
    page.goto(PUBLIC_PAGES["screener-result"])
    check_portal_page(page, "portal-screener-zoom-200")
    page.goto(PUBLIC_PAGES["guide-living-subsidy"])
    check_portal_page(page, "portal-guide-zoom-200")


def test_status_lookup_by_keyboard(portal_page, check_portal_page, counter_application):
    page = portal_page()
    page.goto("/status/")
    page.get_by_label("申请编号").focus()
    page.keyboard.type(counter_application.number)
    page.keyboard.press("Tab")
    page.keyboard.type(id_tail(counter_application))
    page.keyboard.press("Enter")
    answer = page.locator("#status-answer")
    expect(answer).to_contain_text(counter_application.number)
    expect(answer).to_contain_text("2025-11-04")
    check_portal_page(page, "portal-status-found")

    page.get_by_label("申请编号").fill(counter_application.number)
    page.get_by_label("申请人身份证号码后六位").fill("00000X")
    page.get_by_role("button", name="查询进度").click()
    expect(page.locator("#status-answer")).to_contain_text("未找到申请")
    check_portal_page(page, "portal-status-not-found")


def test_status_lookup_without_javascript(portal_page, counter_application):
    page = portal_page(javascript=False)
    page.goto("/status/")
    page.get_by_label("申请编号").fill(counter_application.number)
    page.get_by_label("申请人身份证号码后六位").fill(id_tail(counter_application))
    page.get_by_role("button", name="查询进度").click()
    expect(page.locator("#status-answer")).to_contain_text("2025-11-04")


def test_status_lookup_in_english(portal_page, check_portal_page, counter_application):
    page = portal_page(language="en", mode="both")
    page.goto("/status/")
    page.get_by_label("Application number").fill(counter_application.number)
    page.get_by_label("The last six characters of the applicant's ID number").fill(
        id_tail(counter_application)
    )
    page.get_by_role("button", name="Show the status").click()
    expect(page.locator("#status-answer")).to_contain_text("Received")
    check_portal_page(page, "portal-status-found-en-both")


def test_the_screener_page_gives_the_policies_own_test_cases(portal_page):
    """One test case of every person policy, answered on the page in the browser: where the policy's
    parameters today are those of the case's date, the page shows the case's expected result (the full
    set of cases runs through the screener's form in xiaokang/portal/tests/test_public.py)."""
    from decimal import Decimal
    from urllib.parse import urlencode

    from django.utils import timezone

    from xiaokang.policies.casebook import _expected, case_record
    from xiaokang.policies.engine.loader import person_policies

    today = timezone.localdate()
    page = portal_page(javascript=False)
    checked = []
    for policy in person_policies():
        for case in policy.tests:
            day, record = case["date"], case_record(case.get("person") or {})
            if not representable(record, day) or policy.parameters_on(day) != policy.parameters_on(today):
                continue
            page.goto("/screener/?" + urlencode(screener_answers(record, day), doseq=True))
            item = page.locator(f'[data-policy="{policy.id}"]')
            expected = _expected(case)
            assert item.get_attribute("data-eligible") == str(expected.eligible).lower(), case["name"]
            shown = expected.amount if expected.eligible and policy.is_cash else Decimal(0)
            assert item.get_attribute("data-amount") == f"{shown:.2f}", case["name"]
            checked.append(policy.id)
            break
    assert len(checked) >= 10, checked  # nearly every policy has a case the screener can be asked
