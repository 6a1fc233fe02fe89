"""The security administrator's account pages in a real browser: axe-core, keyboard-only creation of an
account, an error announced and linked to its field."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def security_admin(transactional_db):
    # Created before the browser starts: ORM work belongs outside Playwright's running event loop
    # (see the browser fixture in conftest.py).
    from xiaokang.accounts.models import User

    return User.objects.create_user("sec", password="Pass-word-123", role="security_admin")


@pytest.fixture
def security_page(security_admin, page, log_in):
    log_in(page, security_admin.username)
    return page


def test_account_pages_pass_axe_and_work_by_keyboard(officer_a, security_page, check_page):
    page = security_page
    page.goto("/staff/accounts/")
    check_page(page, "accounts-list")
    page.goto("/staff/accounts/new/")
    check_page(page, "accounts-new")

    # Keyboard only: fill the form field by field with Tab, submit with Enter.
    page.get_by_label("用户名").focus()
    page.keyboard.type("new_officer")
    page.keyboard.press("Tab")
    page.get_by_label("角色").select_option("street_officer")
    page.get_by_label("区划代码").fill("110108003")
    page.get_by_label("初始密码").fill("short")  # refused: too short
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    summary = page.locator("#error-summary")
    assert summary.get_attribute("role") == "alert"
    check_page(page, "accounts-new-error")
    assert page.get_by_label("初始密码").get_attribute("aria-invalid") == "true"
    assert "密码太短：至少需要 10 个字符。" in summary.inner_text()  # in Chinese, like the rest of the page

    page.get_by_label("初始密码").fill("Strong-pass-42")
    page.get_by_label("授予理由").fill("新到岗")  # the role is proposed for a district admin's approval
    page.get_by_label("初始密码").press("Enter")
    page.wait_for_url("**/staff/accounts/")
    assert page.get_by_role("row", name="new_officer").is_visible()
    page.goto(f"/staff/accounts/{officer_a.pk}/")
    check_page(page, "accounts-edit")
