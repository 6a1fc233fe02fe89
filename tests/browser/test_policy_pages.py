"""The policy pages in a real browser (P1–P3): the policy list, a policy's sheet, the what-if driven by
the keyboard, and the eligibility section of the person page, each checked by axe-core and for sideways
scrolling (check_page), also at 200 % and 400 % zoom. Screenshots go to /tmp/policy-shots/ as well.

The registry is written in fixtures that run before the browser starts (see the browser fixture in
conftest.py): 测试1 (低保, 一级肢体: living subsidy 400, a value not yet verified), 测试2 (低收入, 二级视力:
the 低保 standard, 1450) and 测试4 (一般, 三级肢体: no living subsidy) in 万寿路街道, 测试3 (低收入, 一级
肢体: 1450) in 中关村街道, and one stored evaluation run of today."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.menu import menu_link
from tests.helpers import person_row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path("/tmp/policy-shots")
LIVING = "困难残疾人生活补贴"
DIBAO_STANDARD = "id_living_subsidy.dibao_standard"


@pytest.fixture
def policy_persons(system_actor, tmp_path) -> dict[str, int]:
    """The four persons above and a stored run; returns their record ids by name."""
    from tests.helpers import write_csv
    from xiaokang.policies.evaluation import evaluate_registry
    from xiaokang.registry.models import Person
    from xiaokang.registry.services import persons_import

    visual = person_row(2)
    rows = [
        person_row(1),
        person_row(
            2,
            家庭经济状况="低收入",
            残疾类别="视力",
            残疾等级="二级",
            残疾人证号=visual["公民身份号码"] + "12",
        ),
        person_row(3, 街道乡镇="中关村街道", 家庭经济状况="低收入"),
        person_row(4, 家庭经济状况="一般", 残疾等级="三级", 残疾人证号=person_row(4)["公民身份号码"] + "43"),
    ]
    report = persons_import(actor=system_actor, path=write_csv(tmp_path / "persons.csv", rows))
    assert report.written, report.errors
    evaluate_registry(dt.date.today(), actor=system_actor)
    return dict(Person.objects.unscoped(reason="test").values_list("name", "pk"))


@pytest.fixture
def officer_page(policy_persons, district_officer, page, log_in):
    """A page signed in as the district officer, the data written before the browser started."""
    log_in(page, district_officer.username)
    return page


@pytest.fixture
def street_a_officer_page(policy_persons, officer_a, page, log_in):
    log_in(page, officer_a.username)
    return page


@pytest.fixture
def check(check_page):
    """check_page (axe-core, no sideways scrolling, a screenshot), and a full-page picture in SHOTS."""

    def run(page, name: str) -> None:
        check_page(page, f"policies-{name}")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    return run


def focused(page) -> dict:
    return page.evaluate(
        "(() => { const e = document.activeElement;"
        " return {tag: e.tagName.toLowerCase(), id: e.id, text: e.textContent.trim()}; })()"
    )


def cells(row) -> list[str]:
    return [" ".join(cell.split()) for cell in row.locator("th, td").all_inner_texts()]


def row_named(table, name: str):
    return table.locator("tbody tr, tfoot tr").filter(has=table.page.locator("th", has_text=name))


def to_english(page) -> None:
    page.get_by_label("语言").select_option("en")
    page.get_by_role("button", name="切换语言").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_the_policy_list_then_the_living_subsidy_sheet(officer_page, check):
    from xiaokang.policies.engine.loader import policies

    page = officer_page
    page.goto("/staff/")
    menu_link(page, "/staff/policies/").click()  # the menu entry, in its group
    page.wait_for_url("**/staff/policies/")

    expect(page.locator("h1")).to_have_count(1)
    table = page.get_by_role("table")
    assert table.locator("caption").count() == 1
    assert table.locator("tbody th[scope=row]").count() == len(policies())
    living = row_named(table, LIVING)
    # From the stored run: three persons get the living subsidy, 400 + 1450 + 1450 yuan a month.
    assert cells(living)[-2:] == ["3", "3,300.00"]
    assert living.locator(".provisional").count() == 1  # its 低保-household amounts are not yet verified
    assert page.locator("main a[href='/staff/policies/what-if/']").is_visible()
    check(page, "list")

    living.get_by_role("link").click()
    page.wait_for_url("**/staff/policies/living_subsidy/")

    assert LIVING in page.locator("h1").inner_text()
    assert page.locator("#unverified-note").is_visible()
    for heading in ("legal-basis", "how-to-apply", "conditions", "definitions", "parameters", "amounts"):
        assert page.locator(f"h2#{heading}").count() == 1, heading
    standard = page.locator("#parameter-dibao_standard")
    assert "1450" in standard.inner_text()
    assert standard.locator("tr.current").count() == 1  # in force today
    assert standard.locator(".unverified").count() == 0  # verified against 京民社救发〔2024〕80号
    group_a = page.locator("#parameter-dibao_group_a")
    assert "400" in group_a.locator("tr.current").inner_text()
    assert group_a.locator(".unverified").count() == 1
    conditions = page.locator("table:has(#conditions-caption)")
    assert "economic_status" in conditions.inner_text()
    assert "国发〔2015〕52号" in conditions.inner_text()
    check(page, "sheet-living-subsidy")

    # Another date, by keyboard: before the 低保 standard of 2024-07-01 the parameter has no value.
    page.locator("#id_date").fill("2020-01-01")
    page.locator("#id_date").press("Enter")
    page.wait_for_url("**date=2020-01-01")
    assert page.locator("#parameter-dibao_standard tr.current").count() == 0
    assert page.locator("#parameter-dibao_standard .flag-warning").count() == 1
    check(page, "sheet-living-subsidy-2020")

    page.locator("#id_date").fill("2020-13-45")
    page.locator("#id_date").press("Enter")
    page.wait_for_load_state()
    expect(page.locator("#error-summary")).to_be_focused()
    assert page.locator("#id_date").get_attribute("aria-invalid") == "true"
    check(page, "sheet-date-error")


def test_the_sheet_in_english_flags_the_values_not_yet_verified(officer_page, check):
    page = officer_page
    to_english(page)
    page.goto("/staff/policies/living_subsidy/")

    assert page.locator("html").get_attribute("lang") == "en"
    assert "living subsidy" in page.locator("h1").inner_text()
    group_a = page.locator("#parameter-dibao_group_a tr.current")
    assert "400" in group_a.inner_text() and "not yet verified" in group_a.inner_text()
    standard = page.locator("#parameter-dibao_standard tr.current")
    assert "1450" in standard.inner_text() and "in force on" in standard.inner_text()
    assert "not yet verified" not in standard.inner_text()
    check(page, "en-sheet-living-subsidy")

    page.goto("/staff/policies/")
    check(page, "en-list")


def test_the_what_if_by_keyboard(officer_page, check, screenshot):
    page = officer_page
    page.goto("/staff/policies/what-if/")

    expect(page.locator("h1")).to_have_count(1)
    assert page.locator("#results-heading").count() == 0
    field = page.locator(f"[id='{DIBAO_STANDARD}']")
    assert field.input_value() == "1450"  # each field holds the value in force
    assert page.locator(f"label[for='{DIBAO_STANDARD}']").count() == 1
    for control in page.locator("main form input:not([type=hidden]), main form select").all():
        control_id = control.get_attribute("id")
        assert page.locator(f"label[for='{control_id}']").count() == 1, control_id
    check(page, "what-if")

    # Keyboard only: into the field, replace the value, Enter submits the form (its first button: run).
    field.focus()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("1500")
    screenshot(page, "policies-what-if-typed")
    page.keyboard.press("Enter")
    page.wait_for_url("**run=1*")

    expect(page.locator("#results-heading")).to_be_focused()  # the answer is where the reader is
    assert "living_subsidy.dibao_standard" in page.locator(".what-if-changes").inner_text()
    assert "1500" in page.locator(".what-if-changes").inner_text()
    summary = page.locator("table:has(#what-if-caption)")
    # Eligible persons now, in the what-if and the change; the cost (yuan a month) likewise.
    assert cells(row_named(summary, LIVING))[1:] == ["3", "3", "0", "3,300.00", "3,400.00", "+100.00"]
    streets = page.locator("table.what-if-streets")
    assert streets.count() == 1  # only the policy whose parameter changed
    assert cells(row_named(streets, "万寿路街道"))[1:] == ["2", "2", "0", "1,850.00", "1,900.00", "+50.00"]
    assert cells(row_named(streets, "中关村街道"))[1:] == ["1", "1", "0", "1,450.00", "1,500.00", "+50.00"]
    assert field.input_value() == "1500"  # what was typed is kept
    check(page, "what-if-results")

    # Compare with nothing changed: the page says so.
    field.fill("1450")
    page.locator("button[name=run]").press("Enter")
    page.wait_for_load_state()
    assert page.locator("#no-changes").is_visible()
    assert page.locator("table.what-if-streets").count() == 0

    # A value that is not a number: an error summary linked to the field, nothing compared.
    page.locator(f"[id='{DIBAO_STANDARD}']").fill("abc")
    page.locator(f"[id='{DIBAO_STANDARD}']").press("Enter")
    page.wait_for_load_state()
    expect(page.locator("#error-summary")).to_be_focused()
    assert page.locator(f"[id='{DIBAO_STANDARD}']").get_attribute("aria-invalid") == "true"
    assert page.locator("#results-heading").count() == 0
    check(page, "what-if-error")
    page.locator("#error-summary a").first.click()  # the summary's link takes you to the field
    expect(page.locator(f"[id='{DIBAO_STANDARD}']")).to_be_focused()


def test_a_street_officer_compares_their_own_street_only(street_a_officer_page, check):
    page = street_a_officer_page
    page.goto("/staff/policies/what-if/")
    page.locator(f"[id='{DIBAO_STANDARD}']").fill("1500")
    page.locator(f"[id='{DIBAO_STANDARD}']").press("Enter")
    page.wait_for_url("**run=1*")

    streets = page.locator("table.what-if-streets")
    assert streets.locator("tbody th[scope=row]").all_inner_texts() == ["万寿路街道"]
    assert "中关村" not in page.locator("main").inner_text()
    check(page, "what-if-street-a")


def test_the_person_page_explains_each_decision(officer_page, policy_persons, check, screenshot):
    page = officer_page
    page.goto(f"/staff/persons/{policy_persons['测试4']}/")

    section = page.locator("section:has(h2#eligibility)")
    assert page.locator(".contents a[href='#eligibility']").count() == 1
    summary = section.get_by_role("table").first
    living = row_named(summary, LIVING)
    assert "✗" in living.inner_text()
    assert cells(living)[-1] == "1"  # one condition not met: the household is 一般
    check(page, "person-ordinary")

    # Keyboard: to the policy's summary line, Enter opens it.
    details = section.locator("details#decision-living_subsidy")
    details.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(details).to_have_attribute("open", "")
    conditions = details.get_by_role("table")
    economic = conditions.locator("tr.condition-not-met")
    assert economic.count() == 1
    assert "✗" in economic.inner_text()
    met, not_met = (
        row.locator(".mark .visually-hidden").inner_text()
        for row in (conditions.locator("tr.condition-met").first, economic)
    )
    assert met and not_met and met != not_met  # the mark in words too, for screen readers
    assert "家庭经济状况：一般" in economic.inner_text()
    assert "国发〔2015〕52号" in economic.inner_text()
    assert conditions.locator("tr.condition-met").count() == 5
    assert "✓" in conditions.locator("tr.condition-met").first.inner_text()
    assert details.locator("a[href^='/staff/policies/living_subsidy/']").count() == 1
    check(page, "person-ordinary-open")

    page.goto(f"/staff/persons/{policy_persons['测试1']}/#eligibility")
    living = row_named(page.locator("section:has(h2#eligibility) table").first, LIVING)
    assert "✓" in living.inner_text()
    assert "400.00" in living.inner_text()
    assert living.locator(".provisional").count() == 1  # the 低保 group A amount is not yet verified
    screenshot(page, "policies-person-dibao")

    # Another date, by keyboard: before 2024-07-01 the rules cannot be applied (no 低保 standard).
    page.locator("#id_eligibility_date").fill("2020-01-01")
    page.locator("#id_eligibility_date").press("Enter")
    page.wait_for_url("**eligibility_date=2020-01-01*")
    assert page.locator("#eligibility-error").is_visible()
    error = page.locator("#eligibility-error").inner_text()
    assert "2024-07-01" in error and "dibao_standard" not in error  # the parameter by its label (U11)
    check(page, "person-rules-error")

    page.locator("#id_eligibility_date").fill("2020-02-31")
    page.locator("#id_eligibility_date").press("Enter")
    page.wait_for_load_state()
    assert page.locator("#id_eligibility_date").get_attribute("aria-invalid") == "true"
    described = page.locator("#id_eligibility_date").get_attribute("aria-describedby").split()
    assert "id_eligibility_date_error" in described
    check(page, "person-date-error")


PAGES = {
    "list": lambda persons: "/staff/policies/",
    "sheet": lambda persons: "/staff/policies/living_subsidy/",
    "what-if": lambda persons: (
        f"/staff/policies/what-if/?date={dt.date.today()}&living_subsidy.dibao_standard=1500&run=1"
    ),
    "person": lambda persons: f"/staff/persons/{persons['测试4']}/#eligibility",
}


@pytest.mark.parametrize("zoom", [2, 4])
@pytest.mark.parametrize("name", list(PAGES))
def test_policy_pages_reflow_when_zoomed(
    policy_persons, district_officer, new_page, log_in, check, name, zoom
):
    page = new_page(zoom=zoom)
    log_in(page, district_officer.username)
    page.goto(PAGES[name](policy_persons))
    if name == "person":
        page.locator("details#decision-living_subsidy summary").click()

    check(page, f"zoom{zoom * 100}-{name}")


@pytest.mark.parametrize("name", list(PAGES))
def test_policy_pages_at_400_px_and_with_text_at_twice_the_size(
    policy_persons, district_officer, page, log_in, check, name
):
    log_in(page, district_officer.username)
    page.set_viewport_size({"width": 400, "height": 800})
    page.goto(PAGES[name](policy_persons))
    if name == "person":
        page.locator("details#decision-living_subsidy summary").click()
    check(page, f"w400-{name}")

    page.set_viewport_size({"width": 1280, "height": 800})
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    check(page, f"text200-{name}")
