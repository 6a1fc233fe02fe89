"""The person pages in a real browser: search, list, detail and the edit form, with axe-core, reflow at
200 % and 400 % zoom, and the keyboard alone (R1–R4, U11). Screenshots go to /tmp/xiaokang-screenshots/.

Fixtures from tests/browser/conftest.py: ``persons`` imports 测试1 and 测试2 (deceased) in 万寿路街道 and
测试3 in 中关村街道."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.menu import menu_link
from tests.helpers import person_row

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ID_1 = person_row(1)["公民身份号码"]


def focused(page) -> dict:
    return page.evaluate(
        "(() => { const e = document.activeElement;"
        " return {tag: e.tagName.toLowerCase(), id: e.id, text: e.textContent.trim()}; })()"
    )


def person_pk(name: str) -> int:
    from xiaokang.registry.models import Person

    return Person.objects.unscoped(reason="test").get(name=name).pk


def result_names(page) -> list[str]:
    return page.locator("table.results tbody th[scope=row]").all_inner_texts()


@pytest.mark.browser
def test_the_list_and_a_name_search_for_the_district_officer(district_page, persons, check_page):
    page = district_page
    page.goto("/staff/")
    menu_link(page, "/staff/persons/").click()  # the menu entry from staff_menu, in its group

    expect(page.locator("h1")).to_have_count(1)
    assert page.locator(".site-nav a[aria-current=page]").get_attribute("href") == "/staff/persons/"
    assert result_names(page) == ["测试1", "测试2", "测试3"]
    table = page.get_by_role("table")
    assert table.locator("caption").count() == 1
    assert table.locator("thead th[scope=col]").count() == 9
    assert ID_1 not in page.content()
    check_page(page, "persons-list")

    page.locator("#id_name").fill("测试3")
    page.locator("#id_status").select_option("normal")
    page.locator("form[method=get] button[type=submit]").click()
    page.wait_for_url("**/staff/persons/?*")

    assert result_names(page) == ["测试3"]
    assert page.locator("#id_name").input_value() == "测试3"  # the search is kept in its fields
    check_page(page, "persons-list-filtered")


@pytest.mark.browser
def test_a_street_officer_lists_only_their_street(street_a_page, persons, check_page):
    page = street_a_page
    page.goto("/staff/persons/")

    assert result_names(page) == ["测试1", "测试2"]
    assert "中关村" not in page.locator("main").inner_text()
    check_page(page, "persons-list-street-a")


@pytest.mark.browser
def test_keyboard_only_search_by_name_then_by_id_number(district_page, persons, screenshot):
    page = district_page
    page.goto("/staff/persons/")

    page.keyboard.press("Tab")  # the skip link first, as on every page
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    page.keyboard.press("Tab")
    assert focused(page)["text"] == page.locator("main a.button").first.inner_text()  # "register a person"
    page.keyboard.press("Tab")  # "request a transfer into your area" (R6, S4)
    assert focused(page)["text"] == page.get_by_role("link", name="申请迁入本辖区").inner_text()
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "id_name"
    page.keyboard.type("测试1")
    screenshot(page, "persons-keyboard-name")
    page.keyboard.press("Enter")  # Enter in a text field submits its form
    page.wait_for_url("**/staff/persons/?*")
    assert result_names(page) == ["测试1"]

    # Through the filters to the ID-number field of the second form, by Tab alone.
    page.locator("#id_name").focus()
    for _ in range(20):
        page.keyboard.press("Tab")
        if focused(page)["id"] == "id_id_number":
            break
    assert focused(page)["id"] == "id_id_number"
    page.keyboard.type(ID_1)
    screenshot(page, "persons-keyboard-id")
    page.keyboard.press("Enter")

    page.wait_for_url(f"**/staff/persons/{person_pk('测试1')}/")
    assert ID_1 not in page.url  # POSTed, and the answer's address holds the record id only
    assert page.locator("h1").inner_text().startswith("测试1")


@pytest.mark.browser
def test_an_id_number_that_matches_nobody_is_answered_in_place(street_a_page, persons, check_page):
    page = street_a_page
    page.goto("/staff/persons/")
    page.locator("#id_id_number").fill(person_row(3)["公民身份号码"])  # 测试3 lives in street B
    page.locator("#id_id_number").press("Enter")
    page.wait_for_load_state()

    assert page.url.endswith("/staff/persons/")
    assert result_names(page) == []
    assert page.locator("#result-count").inner_text().strip() != ""
    expect(page.locator("#result-count")).to_be_focused()  # the answer is where the reader is
    check_page(page, "persons-list-not-found")


@pytest.mark.browser
def test_the_detail_page(district_page, persons, check_page, screenshot):
    page = district_page
    pk = person_pk("测试2")
    page.goto(f"/staff/persons/{pk}/")

    assert page.locator("h1").count() == 1
    assert ID_1 not in page.content()
    for section in ("personal", "certificate", "household", "history", "as-of", "viewers"):
        assert page.locator(f"h2#{section}").count() == 1
    assert "district" in page.locator("table:has(#viewers-caption) tbody").inner_text()
    check_page(page, "persons-detail")

    # The "as it stood on" form, by keyboard: the date field, then its button.
    page.locator(".contents a[href='#as-of']").click()
    page.locator("#id_as_of").fill("2020-06-30")
    page.locator("#id_as_of").press("Enter")
    page.wait_for_url("**as_of=2020-06-30*")
    # Imported just now: on 2020-06-30 the person was not yet on the registry.
    assert page.locator("#as-of-caption").count() == 0
    screenshot(page, "persons-detail-as-of")


@pytest.mark.browser
def test_the_detail_page_with_history_and_a_past_record(district_page, persons, check_page):
    import datetime as dt

    from xiaokang.accounts.models import User
    from xiaokang.registry.models import PersonHistory
    from xiaokang.registry.services import person_save

    page = district_page
    pk = person_pk("测试1")
    officer = User.objects.get(username="district")
    assert (
        person_save(actor=officer, values={"name": "新名", "phone": "13911112222"}, person_id=pk).errors == []
    )
    PersonHistory.objects.filter(person_id=pk, action="create").update(
        recorded_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    page.goto(f"/staff/persons/{pk}/?as_of={yesterday}#as-of")

    history = page.locator("table:has(#history-caption)")
    assert "新名" in history.inner_text() and "测试1" in history.inner_text()
    assert "测试1" in page.locator("table:has(#as-of-caption)").inner_text()
    assert "13911112222" not in page.content()
    check_page(page, "persons-detail-history")


@pytest.mark.browser
def test_the_edit_form_with_an_error_then_saved(district_page, persons, check_page, screenshot):
    page = district_page
    pk = person_pk("测试1")
    page.goto(f"/staff/persons/{pk}/edit/")

    assert page.locator("h1").count() == 1
    assert ID_1 not in page.content()
    assert page.locator("#id_name").input_value() == "测试1"
    assert page.locator("#id_certificate_number").input_value() == "41"
    for control in page.locator("main input:not([type=hidden]), main select").all():
        control_id = control.get_attribute("id")
        assert page.locator(f"label[for='{control_id}']").count() == 1, control_id
    check_page(page, "persons-edit")

    page.locator("#id_name").fill("新名")
    page.locator("#id_grade").select_option("二级")  # the certificate number still says grade 1
    page.locator("main form[method=post] button[type=submit]").click()
    page.wait_for_load_state()

    summary = page.locator("#error-summary")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()
    certificate = page.locator("#id_certificate_number")
    assert certificate.get_attribute("aria-invalid") == "true"
    described = certificate.get_attribute("aria-describedby").split()
    assert "id_certificate_number_error" in described
    assert page.locator("#id_name").input_value() == "新名"  # what was typed is kept
    check_page(page, "persons-edit-error")
    summary.locator("a[href='#id_certificate_number']").click()
    expect(certificate).to_be_focused()
    screenshot(page, "persons-edit-error-field")

    certificate.fill("42")
    page.locator("main form[method=post] button[type=submit]").click()
    page.wait_for_url(f"**/staff/persons/{pk}/")

    assert page.locator("h1").inner_text().startswith("新名")
    assert page.locator(".messages .message.success").count() == 1
    check_page(page, "persons-detail-after-save")


@pytest.mark.browser
def test_the_register_form(district_page, persons, check_page):
    page = district_page
    page.goto("/staff/persons/new/")

    assert page.locator("#id_id_number").count() == 1
    check_page(page, "persons-create")
    page.locator("main form[method=post] button[type=submit]").click()  # empty: every required column
    page.wait_for_load_state()

    expect(page.locator("#error-summary")).to_be_focused()
    assert page.locator("[aria-invalid=true]").count() >= 10
    check_page(page, "persons-create-error")


PAGES = {
    "list": lambda: "/staff/persons/",
    "detail": lambda: f"/staff/persons/{person_pk('测试1')}/",
    "edit": lambda: f"/staff/persons/{person_pk('测试1')}/edit/",
}


@pytest.mark.browser
@pytest.mark.parametrize("zoom", [2, 4])
@pytest.mark.parametrize("name", list(PAGES))
def test_person_pages_reflow_when_zoomed(new_page, log_in, district_officer, persons, check_page, name, zoom):
    page = new_page(zoom=zoom)
    log_in(page, district_officer.username)
    page.goto(PAGES[name]())

    check_page(page, f"zoom{zoom * 100}-persons-{name}")


@pytest.mark.browser
@pytest.mark.parametrize("name", list(PAGES))
def test_person_pages_in_english(new_page, log_in, district_officer, persons, check_page, name):
    page = new_page()
    log_in(page, district_officer.username)
    page.goto("/staff/")
    page.get_by_label("语言").select_option("en")
    page.get_by_role("button", name="切换语言").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(PAGES[name]())

    assert page.locator("html").get_attribute("lang") == "en"
    check_page(page, f"en-persons-{name}")
