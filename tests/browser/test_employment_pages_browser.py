"""The staff pages of the employment quota (E1) in a real browser: the employers (list, one
employer, the form with its errors, the import) and the declarations (one declaration with its counted
and not-counted employees, the persons listed by two employers). Each passes axe-core in Chinese and
English (check_page: nothing serious or critical, no sideways scrolling), as do the declaration list,
the declaration and correction forms and the employer edit form in English; the list is searched and a
result opened with the keyboard alone; a district officer decides a conflict with the keyboard alone;
at 400 px and at 200 % zoom the pages do not scroll sideways. Pictures: emp-*.png in the screenshot
directory (XIAOKANG_SCREENSHOTS).

The data is written in a fixture that runs before the browser starts (see the browser fixture in
conftest.py): four employers (imported as a file), three persons with certificates, and two declarations
for 2025. 北京海淀科技发展有限公司 lists 测试1 (counted, grade 1: as two), 测试2 (a six-month contract:
not counted), 测试3, and a certificate nobody in the registry holds; 中关村智能制造股份有限公司 lists 测试3
too, so 测试3 is listed by two employers (a conflict) until district staff decide.

The pages are read in English (the language cookie, as the language form sets it) where the assertions
name msgids; the Chinese pages are checked by axe and by their language."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.helpers import make_id, person_row, write_csv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

YEAR = 2025
SCIENCE = "北京海淀科技发展有限公司"  # street A: the declaration with every outcome
MAKER = "中关村智能制造股份有限公司"  # street B: lists 测试3 too
EMPLOYERS = [
    # (name, type, street, state-owned, member unit)
    (SCIENCE, "企业", "万寿路街道", "否", "是"),
    ("万寿路商贸有限责任公司", "企业", "万寿路街道", "否", "否"),
    (MAKER, "企业", "中关村街道", "是", "否"),
    ("海淀区教育委员会", "机关", "万寿路街道", "否", "是"),
]
NOBODY = make_id("11010819800101999") + "41"  # a valid number that no person in the registry holds


def uscc(n: int) -> str:
    from xiaokang.core.identifiers import uscc_check_char

    first17 = f"91110108{n:09d}"
    return first17 + uscc_check_char(first17)


def employee(number: str, months: int = 36, wage: bool = True, insurance: bool = True) -> dict:
    return {
        "certificate_number": number,
        "contract_months": months,
        "minimum_wage_met": wage,
        "social_insurance_paid": insurance,
    }


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    """Uploads (the import page) go to a directory of this test only."""
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


@pytest.fixture
def employment_data(system_actor, tmp_path) -> dict:
    """The employers, persons and declarations above; returns the record ids the tests open."""
    from xiaokang.employment.declarations import declaration_submit
    from xiaokang.employment.importing import employers_import
    from xiaokang.employment.models import EmployeeCheck, Employer
    from xiaokang.registry.models import Person
    from xiaokang.registry.services import persons_import

    rows = [
        {
            "统一社会信用代码": uscc(n),
            "单位名称": name,
            "单位类型": kind,
            "所在街道": street,
            "是否国有": state_owned,
            "残工委成员单位": member,
        }
        for n, (name, kind, street, state_owned, member) in enumerate(EMPLOYERS, start=1)
    ]
    report = employers_import(actor=system_actor, path=write_csv(tmp_path / "employers.csv", rows))
    assert report.written and report.created == len(EMPLOYERS), report.errors

    persons = [
        person_row(1),  # 肢体一级, issued 2020-01-01: valid on 2024-12-31, counts as two
        person_row(2, 残疾等级="三级", 残疾人证号=person_row(2)["公民身份号码"] + "43"),
        person_row(3, 残疾等级="三级", 残疾人证号=person_row(3)["公民身份号码"] + "43"),
    ]
    report = persons_import(actor=system_actor, path=write_csv(tmp_path / "persons.csv", persons))
    assert report.written, report.errors
    certificate = {n: row["残疾人证号"] for n, row in enumerate(persons, start=1)}

    science = Employer.objects.unscoped(reason="test").get(name=SCIENCE)
    maker = Employer.objects.unscoped(reason="test").get(name=MAKER)
    common = {"levy_year": YEAR, "submitted_on": dt.date(YEAR, 3, 10), "actor": system_actor}
    declaration = declaration_submit(
        employer=science,
        headcount=Decimal("120"),
        total_wages=Decimal("14400000.00"),
        employees=[
            employee(certificate[1]),
            employee(certificate[2], months=6),  # too short a contract
            employee(certificate[3]),
            employee(NOBODY),
        ],
        **common,
    )
    other = declaration_submit(
        employer=maker,
        headcount=Decimal("860.5"),
        total_wages=Decimal("98000000.00"),
        employees=[employee(certificate[3], months=24)],
        **common,
    )
    outcomes = list(declaration.employees.order_by("pk").values_list("outcome", flat=True))
    assert outcomes == [
        EmployeeCheck.COUNTED,
        EmployeeCheck.NOT_COUNTED,
        EmployeeCheck.CONFLICT,
        EmployeeCheck.NOT_COUNTED,
    ]
    assert other.employees.get().outcome == EmployeeCheck.CONFLICT
    return {
        "science": science.pk,
        "maker": maker.pk,
        "declaration": declaration.pk,
        "other": other.pk,
        "person": Person.objects.unscoped(reason="test").get(name="测试3").pk,
    }


@pytest.fixture
def officer(employment_data, district_officer, new_page, log_in, live_server):
    """A new page (own cookies) signed in as the district officer, reading English unless told; the data
    is written before the browser starts."""

    def make(*, english: bool = True, **page_options):
        page = new_page(**page_options)
        log_in(page, district_officer.username)
        if english:
            to_english(page, live_server)
        return page

    return make


def to_english(page, live_server) -> None:
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


def focused(page) -> dict:
    return page.evaluate(
        "(() => { const e = document.activeElement;"
        " return {tag: e.tagName.toLowerCase(), id: e.id, type: e.type || '',"
        " href: e.getAttribute('href') || '', text: e.textContent.trim()}; })()"
    )


def tab_until(page, test, *, limit: int = 40) -> int:
    """Press Tab until ``test(focused(page))`` holds; the number of presses (fails after ``limit``)."""
    for count in range(1, limit + 1):
        page.keyboard.press("Tab")
        if test(focused(page)):
            return count
    raise AssertionError(f"not reached with {limit} presses of Tab; focus is on {focused(page)}")


def picture(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"emp-{name}.png"), full_page=True)


def fits_its_region(table) -> None:
    """On a desktop screen the table needs no sideways scrolling: its last column is in view."""
    region = table.locator("xpath=ancestor::div[contains(@class, 'table-region')][1]")
    overflow = region.evaluate("e => e.scrollWidth - e.clientWidth")
    assert overflow <= 0, f"the table is {overflow}px wider than its region"
    last = table.locator("thead th").last.bounding_box()
    assert last["x"] + last["width"] <= table.page.viewport_size["width"]


# ---------------------------------------------------------------------------------------------------
# 1. The employer pages pass axe, in Chinese and English


@pytest.mark.parametrize("english", [False, True], ids=["zh", "en"])
def test_the_employer_pages_pass_axe(employment_data, officer, check_page, tmp_path, english):
    page = officer(english=english)
    lang = "en" if english else "zh-Hans"
    suffix = "en" if english else "zh"

    page.goto("/staff/employers/")
    assert page.locator("html").get_attribute("lang") == lang
    names = page.locator("table.results tbody th[scope=row]").all_inner_texts()
    assert sorted(names) == sorted(name for name, *_ in EMPLOYERS)
    assert page.locator("table.results caption").count() == 1
    fits_its_region(page.locator("table.results"))  # the member-unit column is not hidden
    assert page.locator(".site-nav a[aria-current=page]").get_attribute("href") == "/staff/employers/"
    check_page(page, f"emp-employer-list-{suffix}")
    picture(page, f"employer-list-{suffix}")

    page.goto(f"/staff/employers/{employment_data['science']}/")
    expect(page.locator("h1")).to_contain_text(SCIENCE)
    expect(page.locator("dl.record")).to_contain_text(uscc(1))
    years = page.locator("table tbody th[scope=row] a")
    expect(years).to_have_text([str(YEAR)])
    check_page(page, f"emp-employer-{suffix}")
    picture(page, f"employer-{suffix}")

    # The form, sent empty: the summary takes focus and each error links to its field.
    page.goto("/staff/employers/new/")
    check_page(page, f"emp-employer-form-{suffix}")
    page.locator("main form button[type=submit]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    assert page.title().startswith("Error" if english else "错误")
    links = summary.locator("a")
    targets = [href.removeprefix("#") for href in links.evaluate_all("(as) => as.map(a => a.hash)")]
    # The four required columns, in the order of the form.
    assert targets == ["id_uscc", "id_name", "id_type", "id_street"], targets
    for target in targets:
        field = page.locator(f"#{target}")
        expect(field).to_have_attribute("aria-invalid", "true")
        described = field.get_attribute("aria-describedby").split()
        assert f"{target}_error" in described
        expect(page.locator(f"#{target}_error")).to_be_visible()
        assert page.locator(f"label[for={target}]").count() == 1
    check_page(page, f"emp-employer-form-errors-{suffix}")
    picture(page, f"employer-form-errors-{suffix}")
    # Following a link of the summary by keyboard puts the focus on its field.
    links.nth(1).focus()
    page.keyboard.press("Enter")
    expect(page.locator("#id_name")).to_be_focused()
    from xiaokang.employment.models import Employer

    assert Employer.objects.unscoped(reason="test").count() == len(EMPLOYERS)  # nothing was saved

    # The import: the upload page, then a file with errors (the report lists them, nothing written).
    page.goto("/staff/employers/import/")
    expect(page.locator("h1")).to_have_count(1)
    check_page(page, f"emp-employer-import-{suffix}")
    bad = write_csv(
        tmp_path / "bad-employers.csv",
        [
            {
                "统一社会信用代码": uscc(9)[:-1] + "0",
                "单位名称": "错误单位",
                "单位类型": "公司",
                "所在街道": "万寿路街道",
            },
            {
                "统一社会信用代码": uscc(10),
                "单位名称": "正确单位",
                "单位类型": "企业",
                "所在街道": "万寿路街道",
            },
        ],
    )
    page.locator("#id_file").set_input_files(str(bad))
    with page.expect_navigation():
        page.locator("form[enctype] button[type=submit]").click()
    expect(page.locator("#report-errors")).to_be_focused()
    error_rows = page.locator("table:has(#errors-caption) tbody th[scope=row]").all_inner_texts()
    assert error_rows and set(error_rows) == {"2"}, error_rows  # the first data row, not the second
    check_page(page, f"emp-employer-import-report-{suffix}")
    picture(page, f"employer-import-report-{suffix}")
    assert Employer.objects.unscoped(reason="test").count() == len(EMPLOYERS)


# ---------------------------------------------------------------------------------------------------
# 2. Search the list and open a result with the keyboard alone


def test_search_and_open_an_employer_with_the_keyboard(employment_data, officer, screenshot):
    page = officer()
    page.goto("/staff/employers/")

    page.keyboard.press("Tab")
    assert "skip-link" in page.evaluate("document.activeElement.className")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    tab_until(page, lambda f: f["id"] == "id_q")
    page.keyboard.type("智能")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the form is sent from the field

    assert "q=%E6%99%BA%E8%83%BD" in page.url
    expect(page.locator("#result-count")).to_contain_text("1 employer matches.")
    expect(page.locator("#id_q")).to_have_value("智能")
    result = page.locator("table.results tbody th[scope=row] a")
    expect(result).to_have_text([MAKER])
    # From the top of the page: the skip link, then Tab to the result.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    presses = tab_until(page, lambda f: f["tag"] == "a" and f["text"] == MAKER)
    assert presses <= 15, f"{presses} presses of Tab from the top of main to the result"
    screenshot(page, "emp-search-result-focused")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    page.wait_for_url(f"**/staff/employers/{employment_data['maker']}/")
    expect(page.locator("h1")).to_contain_text(MAKER)


# ---------------------------------------------------------------------------------------------------
# 3. The declaration and the conflicts pages; a conflict decided with the keyboard


def test_the_declaration_page_says_who_counts_and_why_not(employment_data, officer, check_page):
    page = officer()
    page.goto(f"/staff/declarations/{employment_data['declaration']}/")

    expect(page.locator("h1")).to_contain_text(SCIENCE)
    table = page.locator("table:has(#employees-caption)")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(4)
    # Columns: the certificate (th), contract, wage, insurance, outcome, counts as, why not counted.
    outcomes = [" ".join(t.split()) for t in rows.locator("td:nth-child(5)").all_inner_texts()]
    assert outcomes == ["✓ counted", "✗ not counted", "listed by another employer", "✗ not counted"]
    assert rows.locator("td:nth-child(6)").all_inner_texts() == ["2", "0", "0", "0"]
    # The problems in words, in the column "Why not counted".
    why = rows.locator("td:nth-child(7)")
    expect(why.nth(0).locator("li")).to_have_count(0)
    expect(why.nth(1)).to_have_text("the labour contract is shorter than one year")
    expect(why.nth(2)).to_contain_text("another employer's declaration for the same year lists this person")
    expect(why.nth(3)).to_have_text("no person in the registry holds this certificate number")
    fits_its_region(table)  # the reasons are in view, not past the region's edge
    # Nothing shows a whole certificate number: they are masked.
    assert "*" in rows.locator("th").first.inner_text()
    expect(page.locator(".note-problem")).to_contain_text("1 employee is listed by another employer too")
    assert page.locator("form[action$='/approve/']").count() == 0  # not while a person is in conflict
    check_page(page, "emp-declaration-en")
    picture(page, "declaration")

    page.context.clear_cookies(name="django_language")
    page.reload()
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    expect(why.nth(1)).to_have_text("劳动合同期限不足1年")
    fits_its_region(table)
    check_page(page, "emp-declaration-zh")
    picture(page, "declaration-zh")


def test_a_district_officer_decides_a_conflict_with_the_keyboard(employment_data, officer, check_page):
    from xiaokang.employment.models import ConflictResolution, DeclaredEmployee, EmployeeCheck

    page = officer()
    page.goto(f"/staff/declarations/{employment_data['declaration']}/")
    link = page.locator(".note-problem a")
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(f"**/staff/declarations/conflicts/{YEAR}/")

    section = page.locator(f"section:has(h2#person-{employment_data['person']})")
    expect(section).to_have_count(1)
    expect(section.locator("h2")).to_contain_text("测试3")  # district staff see the name
    radios = section.get_by_role("radio")
    expect(radios).to_have_count(2)
    group = section.get_by_role("group", name="Which employer counts this person?")
    expect(group).to_have_count(1)
    check_page(page, "emp-conflicts-en")
    picture(page, "conflicts")

    # Keyboard only: from the top of main, Tab into the radio group, the arrow keys choose, Tab to the
    # note, type, Tab to the button, Enter.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    tab_until(page, lambda f: f["type"] == "radio")
    assert section.locator("input[type=radio]:checked").count() == 0  # nothing chosen in advance
    first = page.locator("input[type=radio]:focus + label").inner_text()
    page.keyboard.press("Space" if SCIENCE in first else "ArrowDown")  # choose it, or the next one
    expect(section.locator("input[type=radio]:checked")).to_have_count(1)
    expect(section.locator("input[type=radio]:checked + label")).to_contain_text(SCIENCE)
    # Past the link to the declaration of the chosen employer, to the note.
    tab_until(page, lambda f: f["id"] == f"reason-{employment_data['person']}", limit=4)
    page.keyboard.type("合同较长")
    page.keyboard.press("Tab")
    assert focused(page)["tag"] == "button"
    with page.expect_navigation():
        page.keyboard.press("Enter")

    page.wait_for_url(f"**/staff/declarations/conflicts/{YEAR}/")
    expect(page.locator(".messages .success")).to_contain_text(
        f"Decided: {SCIENCE} counts this person for {YEAR}; the other declarations do not."
    )
    expect(page.locator("main")).to_contain_text(f"No person is listed by two employers for {YEAR}.")
    resolution = ConflictResolution.objects.get(levy_year=YEAR)
    assert resolution.declaration_id == employment_data["declaration"]
    other = DeclaredEmployee.objects.get(declaration_id=employment_data["other"])
    assert other.outcome == EmployeeCheck.NOT_COUNTED
    check_page(page, "emp-conflicts-resolved-en")
    picture(page, "conflicts-resolved")

    # The declaration now counts 测试3, records the decision, and can be approved.
    page.goto(f"/staff/declarations/{employment_data['declaration']}/")
    rows = page.locator("table:has(#employees-caption) tbody tr")
    assert " ".join(rows.nth(2).locator("td").nth(3).inner_text().split()) == "✓ counted"
    history = page.locator("table.timeline tbody tr").filter(has_text="Listed by two employers: decided")
    expect(history).to_have_count(1)
    expect(history).to_contain_text("合同较长")  # the officer's note is the reason
    assert page.locator("form[action$='/approve/']").count() == 1
    # And the other employer's declaration says why it does not count them.
    page.goto(f"/staff/declarations/{employment_data['other']}/")
    expect(page.locator("table:has(#employees-caption) tbody tr td").nth(5)).to_have_text(
        "this person is counted for another employer"
    )


def test_the_conflicts_page_in_chinese(employment_data, officer, check_page):
    page = officer(english=False)
    page.goto(f"/staff/declarations/conflicts/{YEAR}/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    expect(page.locator("input[type=radio]")).to_have_count(2)
    check_page(page, "emp-conflicts-zh")
    picture(page, "conflicts-zh")


# ---------------------------------------------------------------------------------------------------
# 4. No sideways scrolling at 400 px and at 200 % zoom


PAGES = {
    "employer-list": lambda data: "/staff/employers/",
    "declaration": lambda data: f"/staff/declarations/{data['declaration']}/",
}


@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("size", ["400px", "zoom200"])
def test_no_sideways_scrolling_at_400_px_or_200_percent(employment_data, officer, check_page, name, size):
    page = officer(zoom=2) if size == "zoom200" else officer()
    if size == "400px":
        page.set_viewport_size({"width": 400, "height": 800})
    width = page.viewport_size["width"]
    assert width == (640 if size == "zoom200" else 400)
    page.goto(PAGES[name](employment_data))

    check_page(page, f"emp-{name}-{size}")  # axe, and the page does not scroll sideways
    # A table wider than the screen scrolls inside its own region, which stays on the screen and can
    # be scrolled with the arrow keys.
    for region in page.locator("main .table-region").all():
        box = region.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, box
        assert region.get_attribute("tabindex") == "0"
        if region.evaluate("e => e.scrollWidth - e.clientWidth") > 0:
            region.focus()
            page.keyboard.press("ArrowRight")
            page.wait_for_function("(e) => e.scrollLeft > 0", arg=region.element_handle())
    picture(page, f"{name}-{size}")


# ---------------------------------------------------------------------------------------------------
# The other declaration and employer pages pass axe too


def check_list(page, data) -> None:
    rows = page.locator("table.queue tbody th[scope=row]")
    expect(rows).to_have_count(2)
    link = page.locator(f"main a[href='/staff/declarations/conflicts/{YEAR}/']")
    expect(link).to_have_text(f"1 person listed by two employers in {YEAR}")


def check_create(page, data) -> None:
    expect(page.locator("#id_employer")).to_have_value(uscc(1))  # from ?employer=


def check_correct(page, data) -> None:
    expect(page.locator("main form fieldset legend").first).to_have_text("Figures of last year")
    assert page.locator("main form fieldset").count() == 1 + 4 + 1  # figures, 4 employees, additions


def check_edit(page, data) -> None:
    expect(page.locator("#id_name")).to_have_value(SCIENCE)


OTHER_PAGES = {
    "declaration-list": (lambda data: f"/staff/declarations/?year={YEAR}", check_list),
    "declaration-create": (lambda data: f"/staff/declarations/new/?employer={data['science']}", check_create),
    "declaration-correct": (
        lambda data: f"/staff/declarations/{data['declaration']}/correct/",
        check_correct,
    ),
    "employer-edit": (lambda data: f"/staff/employers/{data['science']}/edit/", check_edit),
}


@pytest.mark.parametrize("name", list(OTHER_PAGES))
def test_the_other_pages_pass_axe(employment_data, officer, check_page, name):
    page = officer()
    url, check = OTHER_PAGES[name]
    page.goto(url(employment_data))
    expect(page.locator("h1")).to_have_count(1)
    check(page, employment_data)
    check_page(page, f"emp-{name}-en")
