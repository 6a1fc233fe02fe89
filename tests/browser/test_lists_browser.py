"""Staff lists in a real browser (P2, P3, S4, U11; core.listing): a district officer filters the
application queue by street, sorts it and downloads the export (the xlsx read back with openpyxl: the
filtered rows only, ID numbers masked); the wide tables (the person list, the person page's history, the
application queue and the declaration list with its levy column) fit at 1280 px or scroll inside their own
keyboard-reachable region with the key column first; axe-core finds no violation at all on the lists.

The pages are read in English (the language cookie), so that the assertions name the msgids."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.browser.test_employment_pages_browser import data_dir, employment_data  # noqa: F401 (fixtures)
from tests.helpers import STREET_A, STREET_B
from tests.listing import xlsx_rows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def queue(system_actor, tmp_path) -> dict:
    """测试1 and 测试2 in street A, 测试3 in street B, each with a living-subsidy application; 测试1's
    record changed once (a history row). Written before the browser starts."""
    from tests.helpers import person_row, write_csv
    from xiaokang.cases.services import application_submit
    from xiaokang.registry.models import Person
    from xiaokang.registry.services import persons_import

    rows = [person_row(1), person_row(2), person_row(3, 街道乡镇="中关村街道")]
    assert persons_import(actor=system_actor, path=write_csv(tmp_path / "p.csv", rows)).written
    rows[0] = person_row(1, 联系地址="北京市海淀区万寿路甲15号院3号楼2单元501室（测试一个很长的地址）")
    persons_import(actor=system_actor, path=write_csv(tmp_path / "p2.csv", rows))
    persons = {p.name: p for p in Person.objects.unscoped(reason="test").all()}
    numbers = {}
    for name, person in persons.items():
        numbers[name] = application_submit(
            actor=system_actor,
            person=person,
            policy_id="living_subsidy",
            channel="counter",
            received_on=dt.date(2025, 9, 30),
        ).application.number
    return {"numbers": numbers, "persons": {name: p.pk for name, p in persons.items()}}


@pytest.fixture
def english_district(new_page, log_in, district_officer, live_server):
    def make():
        page = new_page()
        log_in(page, district_officer.username)
        page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
        return page

    return make


def no_axe_violations(page) -> None:
    """axe-core: no violation of any impact (the lists are held to the portal's bar)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = results.response["violations"]
    if violations:
        print(results.generate_report())
    assert not violations, "; ".join(f"{v['id']} ({v['impact']})" for v in violations)


def fits_or_scrolls(page, region) -> None:
    """At 1280 px: the table's last column ends within what its region can scroll to, the region is on
    the screen, and it either fits or scrolls (overflow auto), reachable with the keyboard."""
    box = region.bounding_box()
    width = page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, box
    assert region.get_attribute("tabindex") == "0" and region.get_attribute("role") == "region"
    measured = region.evaluate(
        """r => {
          const last = r.querySelector('thead tr th:last-child').getBoundingClientRect();
          const own = r.getBoundingClientRect();
          return {lastRight: last.right - own.left + r.scrollLeft, scrollWidth: r.scrollWidth,
                  clientWidth: r.clientWidth, overflowX: getComputedStyle(r).overflowX};
        }"""
    )
    assert measured["lastRight"] <= measured["scrollWidth"] + 0.5, measured
    fits = measured["scrollWidth"] <= measured["clientWidth"]
    assert fits or measured["overflowX"] in ("auto", "scroll"), measured
    if not fits:
        region.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("(e) => e.scrollLeft > 0", arg=region.element_handle())


def test_filter_the_queue_sort_it_and_download_the_export(queue, english_district, tmp_path):
    page = english_district()
    page.goto("/staff/applications/")
    expect(page.locator("table.queue tbody tr")).to_have_count(3)
    no_axe_violations(page)

    page.get_by_label("Street or town").select_option(STREET_A)
    page.get_by_role("button", name="Show these applications").click()
    page.wait_for_url(f"**street={STREET_A}**")
    expect(page.locator("table.queue tbody tr")).to_have_count(2)

    page.locator("table.queue thead a.sort-link", has_text="Number").click()
    page.wait_for_url("**sort=number**")
    header = page.locator("table.queue thead th[aria-sort]")
    expect(header).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("table.queue tbody tr")).to_have_count(2)
    numbers = page.locator("table.queue tbody th[scope=row]").all_inner_texts()
    assert numbers == sorted(numbers)
    no_axe_violations(page)

    with page.expect_download() as download_info:
        page.locator("p.list-export a").click()
    path = tmp_path / "export.xlsx"
    download_info.value.save_as(path)
    rows = xlsx_rows(path.read_bytes())
    assert {row[0] for row in rows[1:]} == {queue["numbers"]["测试1"], queue["numbers"]["测试2"]}
    assert [row[0] for row in rows[1:]] == sorted(row[0] for row in rows[1:])  # the page's order
    assert all("*" in row[2] for row in rows[1:])  # masked for a district officer
    assert STREET_B not in str(rows)


def test_the_outreach_list_filters_and_passes_axe(queue, english_district):
    from xiaokang.accounts.actors import SystemActor
    from xiaokang.cases.outreach import outreach_create
    from xiaokang.policies import evaluation

    run = evaluation.evaluate_registry(dt.date.today(), actor=SystemActor("tests")).run
    outreach_create(actor=SystemActor("tests"), run=run)
    page = english_district()
    page.goto("/staff/work/outreach/")
    expect(page.locator("h1")).to_have_count(1)
    page.get_by_label("Street or town").select_option(STREET_B)
    page.get_by_role("button", name="Show these tasks").click()
    page.wait_for_url(f"**street={STREET_B}**")
    expect(page.locator("ol.task-list > li")).not_to_have_count(0)
    assert all("测试3" in title for title in page.locator("h2.task-title").all_inner_texts())
    no_axe_violations(page)


@pytest.mark.parametrize("where", ["persons", "history", "queue", "policy"])
def test_wide_tables_fit_or_scroll_at_1280_px(queue, english_district, screenshot, where):
    page = english_district()
    assert page.viewport_size["width"] == 1280
    url = {
        "persons": "/staff/persons/",
        "history": f"/staff/persons/{queue['persons']['测试1']}/",
        "queue": "/staff/applications/",
        "policy": "/staff/policies/living_subsidy/",  # the parameters' dated values (their history)
    }[where]
    page.goto(url)
    table = {
        "persons": "table.results",
        "history": "table.history",
        "queue": "table.queue",
        "policy": "table.parameters",
    }[where]
    expect(page.locator(f"{table} tbody tr").first).to_be_visible()
    region = page.locator(f"{table}").locator("xpath=ancestor::div[contains(@class, 'table-region')][1]")
    fits_or_scrolls(page, region)
    # The key column comes first and stays in view while the rest scrolls (sticky).
    first = page.locator(f"{table} tbody tr").first.locator("th, td").first
    assert first.evaluate("e => e.tagName") == "TH"
    assert first.evaluate("e => getComputedStyle(e).position") == "sticky"
    no_axe_violations(page)
    screenshot(page, f"lists-1280-{where}", full_page=True)


def test_the_declaration_list_shows_its_levy_column_at_1280_px(employment_data, english_district, screenshot):  # noqa: F811
    page = english_district()
    page.goto("/staff/declarations/?year=2025")
    expect(page.locator("table.queue tbody tr")).to_have_count(2)
    region = page.locator("table.queue").locator("xpath=ancestor::div[contains(@class, 'table-region')][1]")
    fits_or_scrolls(page, region)
    # Wide lists use the screen's width (table-region wide): at 1280 px the levy column is in view.
    assert region.evaluate("r => r.scrollWidth - r.clientWidth") <= 0
    levy = page.locator("table.queue thead th").last
    expect(levy).to_contain_text("Levy")
    no_axe_violations(page)
    screenshot(page, "lists-1280-declarations", full_page=True)
