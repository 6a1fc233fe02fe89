"""The bulk-read limit in a real browser (U11; PIPL art. 51): the person list shows the birth year, a
reader who pages past the limit gets the "Too many person records read" page, and the auditor finds the
alert at the top of the audit page; axe-core on each."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.browser
def test_paging_past_the_limit_then_the_auditor_sees_the_alert(
    new_page, log_in, live_server, district_officer, persons, check_page, settings
):
    from xiaokang.accounts.models import User

    settings.XIAOKANG_BULK_READ_LIMIT = 4
    page = new_page()
    log_in(page, district_officer.username)
    page.goto("/staff/persons/")
    table = page.get_by_role("table")
    assert table.locator("thead th[scope=col]").nth(3).inner_text() == "出生年份"
    assert table.locator("tbody tr").first.locator("td").nth(2).inner_text() == "1951"  # 测试1, 1951-02-11
    assert "1951-02-11" not in page.content()

    page.reload()  # three more persons: past four

    expect(page.get_by_role("heading", level=1)).to_have_text("读取的人员记录过多")
    expect(page.get_by_role("alert")).to_contain_text("超过4条")
    check_page(page, "bulk-read-limited")

    User.objects.create_user("auditor", password="Pass-word-123", role="auditor")
    auditor = new_page()
    log_in(auditor, "auditor")
    auditor.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    auditor.goto("/staff/audit/")
    alerts = auditor.get_by_role("region", name="Alerts")
    # The alert in words, not its code (audit/actions.py).
    expect(alerts).to_contain_text("Alert: stopped for reading too many person records")
    expect(alerts).to_contain_text("district")
    check_page(auditor, "audit-alerts")
    alerts.get_by_role("link", name="Show every bulk-reading alert").click()
    auditor.wait_for_url("**action=alert.bulk_read**")
    rows = auditor.get_by_role("table", name="Audit events, newest first", exact=False).locator("tbody tr")
    expect(rows).to_have_count(1)
