"""The import, data-quality, export and audit pages in a real browser: upload, the report with the rows in
error marked, confirm, the audit filters and chain check; axe-core, reflow and a keyboard path on each.

The pages are read in English (the language cookie, as the language form sets it), so that the assertions
name the msgids whatever the Chinese catalogue says; one check of each main page runs in Chinese too."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.menu import menu_link
from tests.helpers import person_row, write_csv

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


def in_english(page, live_server) -> None:
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


def focused(page) -> dict:
    return page.evaluate(
        "(() => { const e = document.activeElement;"
        " return {tag: e.tagName.toLowerCase(), id: e.id, text: e.textContent.trim()}; })()"
    )


@pytest.fixture
def planted_errors(tmp_path):
    """Row 3: an unknown grade; row 5: an unknown category and status; rows 2 and 4 are fine."""
    rows = [
        person_row(11),
        person_row(12, 残疾等级="九级"),
        person_row(13),
        person_row(14, 残疾类别="飞行", 人员状态="失踪"),
    ]
    return write_csv(tmp_path / "with-errors.csv", rows)


@pytest.fixture
def valid_file(tmp_path):
    return write_csv(tmp_path / "valid.csv", [person_row(21), person_row(22), person_row(23)])


# ---------------------------------------------------------------------------------------------------
# Import


@pytest.mark.browser
def test_import_report_marks_the_rows_in_error_and_writes_nothing(
    district_page, live_server, persons, planted_errors, check_page, screenshot
):
    from xiaokang.registry.models import Person

    page = district_page
    in_english(page, live_server)
    page.goto("/staff/")
    menu_link(page, "/staff/registry/import/").click()  # "Import", in its menu group
    expect(page.get_by_role("heading", level=1)).to_have_text("Import persons")
    file_input = page.get_by_label("Spreadsheet file")
    assert file_input.get_attribute("accept").startswith(".xlsx,.csv")
    assert "at most 50.0" in page.locator(f"#{file_input.get_attribute('aria-describedby')}").inner_text()
    check_page(page, "batch-import-upload")

    file_input.set_input_files(planted_errors)
    page.get_by_role("button", name="Upload and check").click()

    summary = page.locator("#report-errors")
    expect(summary).to_be_focused()  # a screen reader starts at the outcome
    expect(summary).to_have_attribute("role", "alert")
    assert page.title().startswith("Error: Check of the file")
    assert "3 errors: nothing will be written" in summary.inner_text()
    errors = page.get_by_role("table", name="Errors (3)")
    assert [
        [" ".join(t.split()) for t in r.locator("th, td").all_text_contents()[:2]]
        for r in errors.locator("tbody tr").all()
    ] == [
        ["Show row 3", "残疾等级"],
        ["Show row 5", "残疾类别"],
        ["Show row 5", "人员状态"],
    ]
    rows = page.get_by_role("table", name="Rows with errors, as in your file")
    assert rows.locator("tbody th[scope=row]").all_inner_texts() == ["3", "5"]
    marked = rows.locator("td.cell-error")
    assert marked.count() == 3
    first = marked.first
    assert first.locator(".visually-hidden").inner_text().strip() == "Error:"  # not colour alone
    assert first.locator(".cell-error-mark").inner_text() == "✗"
    assert "九级" in first.inner_text() and "unknown grade" in first.inner_text()
    # The error list's link takes focus to the wrong cell, which the region scrolls into view.
    errors.get_by_role("link").first.click()
    expect(first).to_be_focused()
    assert "九级" in page.evaluate("document.activeElement.textContent")
    expect(first).to_be_in_viewport()
    assert page.get_by_role("button", name="Confirm import").count() == 0
    assert Person.objects.unscoped(reason="test").count() == 3
    check_page(page, "batch-import-report-errors")
    rows.scroll_into_view_if_needed()
    screenshot(page, "batch-import-rows-in-error")


@pytest.mark.browser
def test_a_valid_file_is_confirmed_with_the_keyboard_and_written(
    district_page, live_server, persons, valid_file, check_page, data_dir
):
    from xiaokang.registry.models import Person

    page = district_page
    in_english(page, live_server)
    page.goto("/staff/registry/import/")
    page.get_by_label("Spreadsheet file").set_input_files(valid_file)
    page.get_by_role("button", name="Upload and check").click()

    expect(page.locator("#report-heading")).to_be_focused()
    facts = page.locator(".report-counts").inner_text()
    assert "Rows\n3" in facts and "New persons (to be created)\n3" in facts
    check_page(page, "batch-import-report-ok")
    assert Person.objects.unscoped(reason="test").count() == 3

    # Keyboard only: from the outcome, Tab reaches the confirm button; Enter presses it.
    for _ in range(10):
        page.keyboard.press("Tab")
        if focused(page)["text"] == "Confirm import":
            break
    assert focused(page)["text"] == "Confirm import"
    page.keyboard.press("Enter")

    expect(page.locator("#result-heading")).to_be_focused()
    assert page.title().startswith("Import done")
    assert "New persons\n3" in page.locator(".report-counts").inner_text()
    assert Person.objects.unscoped(reason="test").count() == 6
    assert not list((data_dir / "uploads").iterdir())
    check_page(page, "batch-import-done")


@pytest.mark.browser
def test_an_unusable_file_shows_its_message_at_the_field(district_page, live_server, tmp_path, check_page):
    page = district_page
    in_english(page, live_server)
    legacy = tmp_path / "old.xls"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    page.goto("/staff/registry/import/")
    page.get_by_label("Spreadsheet file").set_input_files(legacy)
    page.get_by_role("button", name="Upload and check").click()

    expect(page.locator("#error-summary")).to_be_focused()
    field = page.get_by_label("Spreadsheet file")
    assert field.get_attribute("aria-invalid") == "true"
    message = page.locator("#id_file_error").inner_text()
    assert "不支持旧版.xls文件" in message and "legacy .xls files are not supported" in message
    check_page(page, "batch-import-rejected")
    page.locator("#error-summary a").first.click()
    expect(field).to_be_focused()


@pytest.mark.browser
def test_the_import_page_in_chinese_passes_axe(street_a_page, planted_errors, check_page):
    page = street_a_page
    page.goto("/staff/registry/import/")
    page.locator("#id_file").set_input_files(planted_errors)
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_selector("#report-errors")

    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.locator("td.cell-error").count() == 3
    check_page(page, "batch-import-report-zh")


@pytest.mark.browser
@pytest.mark.parametrize("zoom", [2, 4])
def test_the_import_report_reflows_when_zoomed(
    new_page, log_in, district_officer, live_server, persons, planted_errors, check_page, zoom
):
    page = new_page(zoom=zoom)
    log_in(page, district_officer.username)
    in_english(page, live_server)
    page.goto("/staff/registry/import/")
    page.get_by_label("Spreadsheet file").set_input_files(planted_errors)
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_selector("#report-errors")

    # The wide tables scroll inside their own regions; the page itself does not scroll sideways.
    check_page(page, f"batch-zoom{zoom * 100}-import-report")


# ---------------------------------------------------------------------------------------------------
# Data quality and export


@pytest.mark.browser
def test_the_quality_and_export_pages_pass_axe(district_page, live_server, persons, check_page):
    page = district_page
    in_english(page, live_server)
    page.goto("/staff/")
    menu_link(page, "/staff/registry/quality/").click()  # "Data quality", in its menu group

    expect(page.get_by_role("heading", level=1)).to_have_text("Data quality")
    table = page.get_by_role("table", name="Deceased persons with data still active: 1")
    assert table.locator("tbody th[scope=row]").all_inner_texts() == ["测试2"]
    check_page(page, "batch-quality")

    page.get_by_role("link", name="Export the registry").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Export persons")
    assert page.get_by_label("Street or town").is_visible()
    assert page.get_by_label("Excel workbook (.xlsx)").is_checked()
    assert page.get_by_label("Full ID and phone numbers").count() == 0  # a district officer, not the admin
    check_page(page, "batch-export")
    with page.expect_download() as download:
        page.get_by_label("CSV, UTF-8 (.csv)").check()
        page.get_by_role("button", name="Export").click()
    assert download.value.suggested_filename.startswith("persons-all-")


# ---------------------------------------------------------------------------------------------------
# Audit


@pytest.fixture
def auditor_page(page, log_in, live_server, persons):
    from xiaokang.accounts.models import User

    User.objects.create_user("auditor", password="Pass-word-123", role="auditor")
    log_in(page, "auditor")
    in_english(page, live_server)
    return page


@pytest.mark.browser
def test_the_audit_page_filters_with_the_keyboard_and_checks_the_chain(auditor_page, check_page, screenshot):
    page = auditor_page
    page.goto("/staff/")
    menu_link(page, "/staff/audit/").click()  # "Audit trail", in its menu group

    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    table = page.get_by_role("table", name="Audit events, newest first", exact=False)
    assert table.locator("thead th[scope=col]").all_inner_texts()[:4] == ["Event", "Time", "User", "Action"]
    assert table.locator("tbody tr").count() >= 4  # the persons' import, the sign-in
    check_page(page, "audit-list")

    # Keyboard only: choose an action, then press Enter in a text field to filter.
    page.get_by_label("Action").select_option("login.success")
    page.get_by_label("User").focus()
    page.keyboard.type("audit")
    page.keyboard.press("Enter")

    page.wait_for_url("**action=login.success**")
    assert "(filtered)" in table.locator("caption").inner_text()
    actions = {" ".join(t.split()) for t in table.locator("tbody td:nth-child(4)").all_inner_texts()}
    assert actions == {"Signed in"}  # in words, never the code (audit/actions.py)
    assert set(table.locator("tbody td:nth-child(3)").all_inner_texts()) == {"auditor"}
    check_page(page, "audit-filtered")

    page.get_by_role("button", name="Verify the chain").click()
    message = page.locator(".messages .message")
    expect(message).to_contain_text("The audit chain is intact")
    check_page(page, "audit-verified")


@pytest.mark.browser
def test_the_audit_page_names_a_tampered_event(auditor_page, check_page):
    from django.db import connection

    from xiaokang.audit import triggers
    from xiaokang.audit.models import AuditEvent

    page = auditor_page
    victim = AuditEvent.objects.order_by("id")[1]
    triggers.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET actor_label = %s WHERE id = %s", ["someone-else", victim.pk]
        )
    page.goto("/staff/audit/")

    page.get_by_role("button", name="Verify the chain").click()

    message = page.locator(".messages .message.error")
    expect(message).to_contain_text(f"The audit chain is BROKEN at event {victim.pk}")
    check_page(page, "audit-broken")


@pytest.mark.browser
@pytest.mark.parametrize("zoom", [2, 4])
def test_the_audit_page_reflows_when_zoomed(new_page, log_in, live_server, persons, check_page, zoom):
    from xiaokang.accounts.models import User

    User.objects.create_user("auditor", password="Pass-word-123", role="auditor")
    page = new_page(zoom=zoom)
    log_in(page, "auditor")
    in_english(page, live_server)
    page.goto("/staff/audit/")

    check_page(page, f"audit-zoom{zoom * 100}")


@pytest.mark.browser
def test_the_export_page_offers_full_numbers_to_the_district_administrator(
    page, log_in, live_server, persons, check_page
):
    from xiaokang.accounts.models import User

    User.objects.create_user("admin", password="Pass-word-123", role="district_admin")
    log_in(page, "admin")
    in_english(page, live_server)
    page.goto("/staff/registry/export/")

    full = page.get_by_label("Full ID and phone numbers")
    assert not full.is_checked()
    assert (
        "sensitive personal information"
        in page.locator(f"#{full.get_attribute('aria-describedby')}").inner_text()
    )
    check_page(page, "batch-export-admin")
    full.check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Export").click()
    assert download.value.suggested_filename.endswith("-full.xlsx")


# ---------------------------------------------------------------------------------------------------
# Not a browser test: the command line's export, audited by the same code path as the page's. It lives
# here because tests outside xiaokang/ may drive the CLI (import-linter: registry may not import cli).
