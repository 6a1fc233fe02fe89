"""The public quota disclosure (E2) and the member units (E3, T2) in a real browser: axe-core finds
nothing serious in Chinese or English, nobody needs a mouse (skip link, search, then Tab into the table,
whose region scrolls by the arrow keys), and the page does not scroll sideways at 200 % zoom or 400 px
wide. Pictures of the page are kept in the screenshot directory (XIAOKANG_SCREENSHOTS, conftest.py):
disclosure.png and disclosure-400px.png.

The data is written in a fixture that runs before the browser starts (see the browser fixture in
conftest.py): six employers with approved 2025 declarations (four meet the quota), one submitted."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PICTURE = str(SCREENSHOTS / "disclosure.png")
NARROW_PICTURE = str(SCREENSHOTS / "disclosure-400px.png")
NARROW_TABLE_PICTURE = str(SCREENSHOTS / "disclosure-400px-table.png")
# name, street, type, headcount, counted (None: submitted, not approved), member unit
EMPLOYERS = [
    ("北京海淀科技发展有限公司", "110108001000", "enterprise", "120", 2, True),
    ("海淀区教育委员会", "110108001000", "government_organ", "200", 3, True),
    ("中关村智能制造股份有限公司", "110108011000", "enterprise", "1250.5", 12, False),
    ("北京市海淀医院", "110108011000", "public_institution", "860", 13, True),
    ("海淀区残疾人联合会", "110108001000", "public_institution", "40", 1, True),
    ("万寿路商贸有限责任公司", "110108001000", "enterprise", "75", 0, False),
    ("学院路餐饮管理有限公司", "110108011000", "enterprise", "55", None, True),
]


def _decision(headcount: Decimal, counted: int) -> dict:
    quota = (headcount * Decimal("0.015")).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    ratio = (Decimal(counted) / headcount).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
    return {
        "figures": {
            "headcount": str(headcount),
            "counted": str(counted),
            "quota": str(quota),
            "ratio": str(ratio),
        },
        "parameters": {"quota_ratio": "0.015"},
    }


@pytest.fixture
def disclosure_data(db):
    from xiaokang.core.models import Area
    from xiaokang.employment.models import Declaration, Employer

    for index, (name, street, kind, headcount, counted, member) in enumerate(EMPLOYERS, start=1):
        employer = Employer.objects.create(
            uscc=f"91110108{index:09d}X",
            name=name,
            employer_type=kind,
            street=Area.objects.get(code=street),
            committee_member=member,
        )
        approved = counted is not None
        Declaration.objects.create(
            employer=employer,
            levy_year=2025,
            headcount=Decimal(headcount),
            total_wages=Decimal("12345678.00"),
            submitted_on=dt.date(2025, 3, 10),
            state="approved" if approved else "submitted",
            approved_at=dt.datetime(2025, 6, 30, 2, 0, tzinfo=dt.UTC) if approved else None,
            counted=counted,
            decision=_decision(Decimal(headcount), counted) if approved else {},
        )


def focused(page) -> dict:
    return page.evaluate(
        "(() => { const e = document.activeElement;"
        " return {tag: e.tagName.toLowerCase(), id: e.id, cls: e.className, name: e.name || ''}; })()"
    )


def english(page, live_server) -> None:
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


def test_the_disclosure_page_passes_axe_in_chinese_and_english(
    disclosure_data, page, live_server, check_page
):
    page.goto("/quota/2025/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    rows = page.locator("table.disclosure-table tbody tr")
    expect(rows).to_have_count(6)
    expect(page.locator("main")).not_to_contain_text("学院路餐饮管理有限公司")  # not approved
    assert page.locator("table caption").count() == 1
    check_page(page, "disclosure-zh")

    english(page, live_server)
    page.goto("/quota/2025/")
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator("h1")).to_contain_text("Quota employment disclosure 2025")
    header = [" ".join(th.inner_text().split()) for th in page.locator("thead th").all()]
    assert header == [
        "Employer",
        "Meets the quota",
        "Ratio",
        "Disabled employees (as counted)",
        "Average staff last year",
        "Type",
        "Unified social credit code",
    ]
    check_page(page, "disclosure-en")

    page.goto("/quota/")
    check_page(page, "disclosure-years-en")


def test_search_then_tab_into_the_table_by_keyboard(disclosure_data, page, live_server, screenshot):
    english(page, live_server)
    page.goto("/quota/2025/")

    page.keyboard.press("Tab")
    assert focused(page)["cls"] == "skip-link"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    # From the top of main, the search box is the first field: Tab until it (nothing before it traps).
    for _ in range(10):
        page.keyboard.press("Tab")
        if focused(page)["id"] == "disclosure-q":
            break
    assert focused(page)["id"] == "disclosure-q"
    page.keyboard.type("海淀")
    # Then the filter: Tab into the radio group, the arrow keys choose "meet the quota".
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "meets-all"
    page.keyboard.press("ArrowDown")
    assert focused(page)["id"] == "meets-yes"
    expect(page.locator("#meets-yes")).to_be_checked()
    page.keyboard.press("Tab")
    assert focused(page)["tag"] == "button"
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert "q=%E6%B5%B7%E6%B7%80" in page.url and "meets=yes" in page.url
    # The answer takes focus; the next Tab is the table.
    expect(page.locator("#result-count")).to_be_focused()
    expect(page.locator("#result-count")).to_contain_text("4 of 6 employers match your search.")
    page.keyboard.press("Tab")
    region = page.locator(".table-region")
    expect(region).to_be_focused()
    names = [row.inner_text() for row in page.locator("tbody th[scope=row]").all()]
    assert sorted(names) == sorted(
        ["北京海淀科技发展有限公司", "海淀区教育委员会", "北京市海淀医院", "海淀区残疾人联合会"]
    )
    screenshot(page, "disclosure-focus-table")
    # Back to all employers: the "Clear the search" link, by keyboard.
    clear = page.get_by_role("link", name="Clear the search")
    clear.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("table.disclosure-table tbody tr")).to_have_count(6)


@pytest.mark.parametrize("width", [640, 400])
def test_no_sideways_scrolling_when_zoomed_or_narrow(disclosure_data, page, live_server, check_page, width):
    english(page, live_server)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/quota/2025/")

    check_page(page, f"disclosure-{width}px")  # axe, and the page does not scroll sideways
    region = page.locator(".table-region")
    box = region.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    # A table wider than the screen scrolls inside its region, with the arrow keys once it has focus.
    overflow = region.evaluate("e => e.scrollWidth - e.clientWidth")
    if overflow > 0:
        region.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => document.querySelector('.table-region').scrollLeft > 0")
    if width == 400:
        page.screenshot(path=NARROW_PICTURE, full_page=True)
        page.locator("#results-heading").scroll_into_view_if_needed()
        page.evaluate("document.querySelector('#results-heading').scrollIntoView()")
        page.screenshot(path=NARROW_TABLE_PICTURE)  # what the screen shows: the table, scrolled by one key


def test_the_desktop_picture(disclosure_data, page, live_server):
    english(page, live_server)
    page.goto("/quota/2025/")
    page.screenshot(path=PICTURE, full_page=True)


def test_the_member_units_page(disclosure_data, new_page, log_in, district_officer, live_server, check_page):
    page = new_page()
    log_in(page, district_officer.username)
    english(page, live_server)
    page.goto("/staff/member-units/2025/")

    rows = page.locator("table.disclosure-table tbody tr")
    expect(rows).to_have_count(5)
    expect(page.locator("tr:has-text('学院路餐饮管理有限公司')")).to_contain_text("No approved declaration")
    check_page(page, "member-units-en")
    page.set_viewport_size({"width": 400, "height": 800})
    check_page(page, "member-units-400px")
