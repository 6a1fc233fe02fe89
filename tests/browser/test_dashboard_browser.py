"""The staff home as a dashboard and the grouped staff menu, in Chromium (S4, U11): per role (the district
officer, a street officer, the auditor), axe-core at zero violations, charts drawn from their data with
their tables beside them, no CSP violation, the page without script, the menu by keyboard, and the
English header on one row at 1280 px.

The district officer's dashboard is kept as docs/screenshots/dashboard.png when XIAOKANG_DOCS_SCREENSHOT
is set (docs/dashboard.md says how to refresh it)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREEN_WIDTH
from tests.browser.menu import menu_link

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "dashboard.png"
STREETS = ("万寿路街道", "永定路街道", "羊坊店街道", "甘家口街道", "中关村街道")
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""


@pytest.fixture
def dashboard_data(system_actor, tmp_path):
    """Persons in five streets, applications received over the last weeks (some overdue, some decided),
    an evaluation run (its outreach tasks), and some of the eligible enrolled."""
    from tests.helpers import person_row, write_csv
    from xiaokang.cases.models import Application, ApplicationEvent, Enrolment
    from xiaokang.cases.services import application_submit
    from xiaokang.policies import evaluation
    from xiaokang.registry.models import Person
    from xiaokang.registry.services import persons_import

    rows = []
    for n in range(1, 31):
        row = person_row(n, 街道乡镇=STREETS[n % len(STREETS)], 家庭经济状况="低保" if n % 4 else "一般")
        if n % 3 == 0:  # grade 3: not severe, so no care subsidy (the certificate's last digit is the grade)
            row.update(残疾等级="三级", 残疾人证号=row["公民身份号码"] + "43")
        rows.append(row)
    report = persons_import(actor=system_actor, path=write_csv(tmp_path / "persons.csv", rows))
    assert report.written, report.errors
    persons = list(Person.objects.unscoped(reason="test").order_by("pk"))
    today = dt.date.today()
    for index, person in enumerate(persons[:20]):
        received = today - dt.timedelta(days=3 + index * 4)
        application = application_submit(
            actor=system_actor,
            person=person,
            policy_id="care_subsidy",
            channel="counter",
            received_on=received,
        ).application
        if index % 4 == 1:  # forwarded to the district, its decision due (the district officer's queue)
            Application.objects.unscoped(reason="test").filter(pk=application.pk).update(
                state="district_review", decide_by=received + dt.timedelta(days=30)
            )
        if index % 3 == 0:  # a decision some days after it came in (the chart's second line)
            event = ApplicationEvent.objects.create(
                application=application,
                actor_label="tests",
                action="approve",
                from_state="",
                to_state="approved",
            )
            decided = dt.datetime.combine(received + dt.timedelta(days=10), dt.time(10), tzinfo=dt.UTC)
            ApplicationEvent.objects.filter(pk=event.pk).update(at=min(decided, dt.datetime.now(dt.UTC)))
    evaluation.evaluate_registry(today, actor=system_actor)
    for person in persons[::2]:
        Enrolment.objects.create(person=person, policy_id="living_subsidy", start_month=today.replace(day=1))
    for person in persons[::3]:
        Enrolment.objects.create(person=person, policy_id="care_subsidy", start_month=today.replace(day=1))
    return persons


def _english(page) -> None:
    from urllib.parse import urlparse

    host = urlparse(page.url).hostname
    page.context.add_cookies([{"name": "django_language", "value": "en", "domain": host, "path": "/"}])


def _no_axe_violations(page) -> None:
    """axe-core (WCAG 2.1 A/AA and best practices): no violation at all, whatever its impact."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = results.response["violations"]
    if violations:
        print(results.generate_report())
    assert not violations, "; ".join(f"{v['id']} ({v['impact']})" for v in violations)


@pytest.mark.browser
def test_the_district_officers_dashboard_draws_its_charts_beside_their_tables(
    page, log_in, district_officer, dashboard_data, check_page, screenshot
):
    page.add_init_script(CSP_LISTENER)
    log_in(page, district_officer.username)
    page.goto("/staff/")
    charts = page.locator(".chart-canvas[data-chart-drawn=true]")
    expect(charts).to_have_count(2)  # the weekly flow and the coverage, drawn by xiaokang/charts.js

    for chart in ("#chart-weekly-flow", "#chart-coverage"):
        box = page.locator(chart)
        expect(box).to_be_visible()
        assert box.get_attribute("role") == "img" and box.get_attribute("aria-label")
        expect(box.locator("canvas")).to_have_count(1)
    # Each chart's table is there (folded once the chart is drawn) and names what it holds.
    expect(page.locator("details[data-chart-table]")).to_have_count(2)
    expect(page.locator("details[data-chart-table][open]")).to_have_count(0)
    expect(page.get_by_role("table", name="各街道符合条件者的纳入情况", include_hidden=True)).to_have_count(1)
    queue = page.get_by_role("table", name="等待您办理的申请")
    expect(queue.locator("tbody tr").first).to_be_visible()
    assert "已超期" in queue.locator("tbody tr").first.inner_text()  # overdue first
    expect(page.get_by_role("table", name="各街道逾期申请", include_hidden=True)).to_have_count(1)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__cspViolations") == []

    _no_axe_violations(page)
    check_page(page, "dashboard-district")
    if os.environ.get("XIAOKANG_DOCS_SCREENSHOT"):
        DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS_SCREENSHOT), full_page=True)


@pytest.mark.browser
def test_a_street_officers_dashboard_shows_their_street_only(
    page, log_in, officer_a, dashboard_data, check_page
):
    log_in(page, officer_a.username)
    page.goto("/staff/")
    expect(page.locator(".chart-canvas[data-chart-drawn=true]")).to_have_count(2)

    coverage = page.get_by_role("table", name="各街道符合条件者的纳入情况", include_hidden=True)
    # The table is folded under its chart: read its text, not what is rendered.
    streets = coverage.locator("tbody th[scope=row]").evaluate_all(
        "(cells) => cells.map((c) => c.textContent)"
    )
    assert streets == ["万寿路街道"]
    # No other street anywhere: not in a table, not in a chart's data, not in the menu.
    content = page.content()
    for other in STREETS[1:]:
        assert other not in content
    assert page.evaluate(
        "JSON.parse(document.getElementById('chart-coverage-data').textContent).categories"
    ) == ["万寿路街道"]
    _no_axe_violations(page)
    check_page(page, "dashboard-street-a")


@pytest.mark.browser
def test_the_auditors_home_shows_no_person_data(page, log_in, auditor_qian, dashboard_data, check_page):
    log_in(page, auditor_qian.username)
    page.goto("/staff/")
    expect(page.locator(".note")).to_be_visible()

    assert page.locator(".dashboard").count() == 0 and page.get_by_role("table").count() == 0
    assert "测试" not in page.content()  # no person's name
    # The auditor's menu: administration only (the audit trail, role changes).
    assert page.locator("details.nav-menu summary").all_inner_texts() == ["系统管理"]
    _no_axe_violations(page)
    check_page(page, "dashboard-auditor")


@pytest.mark.browser
def test_without_script_the_tables_show_and_the_menu_still_opens(
    new_page, log_in, district_officer, dashboard_data
):
    page = new_page(javascript=False)
    log_in(page, district_officer.username)
    page.goto("/staff/")
    expect(page.get_by_role("heading", level=1)).to_have_count(1)

    expect(page.locator("details[data-chart-table][open]")).to_have_count(2)
    expect(page.get_by_role("table", name="各街道符合条件者的纳入情况")).to_be_visible()
    expect(page.locator(".chart-canvas").first).to_be_hidden()  # no empty box where a chart would be
    link = menu_link(page, "/staff/persons/")  # <details> opens by keyboard without script
    with page.expect_navigation():
        link.click()
    expect(page.locator(".breadcrumbs [aria-current=page]")).to_have_text("残疾人信息")


@pytest.mark.browser
def test_the_staff_menu_by_keyboard_and_its_breadcrumbs(page, log_in, district_officer, dashboard_data):
    log_in(page, district_officer.username)
    page.goto("/staff/")

    summary = page.locator("details.nav-menu summary", has_text="补贴与业务")
    link = menu_link(page, "/staff/applications/")
    expect(summary.locator("xpath=..")).to_have_attribute("open", "")
    page.keyboard.press("Escape")  # xiaokang/nav.js: closes the group, focus back on its summary
    expect(link).to_be_hidden()
    expect(summary).to_be_focused()

    link = menu_link(page, "/staff/applications/")
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    crumbs = page.get_by_role("navigation", name="面包屑导航")
    expect(crumbs.locator("li")).to_have_count(3)
    assert crumbs.locator("li").all_inner_texts()[:2] == ["工作台", "补贴与业务"]
    assert crumbs.locator("[aria-current=page]").get_attribute("href") == "/staff/applications/"
    assert page.locator(".site-nav a[aria-current=page]").get_attribute("href") == "/staff/applications/"


@pytest.mark.browser
def test_the_english_header_is_one_row_at_1280_px(page, log_in, chen_district_admin, check_page):
    # The district administrator has the most menu groups (every one of them): the widest header.
    log_in(page, chen_district_admin.username)
    _english(page)
    page.goto("/staff/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff home")
    assert page.viewport_size["width"] == SCREEN_WIDTH == 1280

    items = page.locator(".site-nav .nav-groups > li")
    expect(items).to_have_count(len(page.locator("details.nav-menu").all()) + 1)  # and Staff home
    boxes = [item.bounding_box() for item in items.all()]
    # One row: every item's box overlaps every other's vertically (a second row would start below the
    # first row's bottom); and the items run left to right.
    tops, bottoms = [box["y"] for box in boxes], [box["y"] + box["height"] for box in boxes]
    assert max(tops) < min(bottoms), f"the menu wraps: item tops {tops}"
    lefts = [box["x"] for box in boxes]
    assert lefts == sorted(lefts)
    name = page.locator(".site-name").bounding_box()
    nav = page.locator(".site-nav").bounding_box()
    # The menu sits beside the site's name, not under it.
    assert nav["y"] < name["y"] + name["height"] and nav["x"] > name["x"] + name["width"] - 1
    _no_axe_violations(page)
    check_page(page, "header-en-1280")
