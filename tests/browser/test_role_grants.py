"""三权分立 in a real browser (GB/T 22239-2019 8.1.4.2, 8.1.4.1): the security administrator proposes an
account, a district administrator approves its role, and the new user must choose their own password at
the first sign-in before reading anything."""

import pytest

from tests.browser.menu import menu_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "Pass-word-123"
GIVEN = "Given-pass-456"
OWN = "Own-choice-987"


@pytest.fixture
def admins(transactional_db):
    # Created before the browser starts (ORM work outside Playwright's event loop: conftest.py).
    from xiaokang.accounts.models import User

    return (
        User.objects.create_user("sec", password=PASSWORD, role="security_admin"),
        User.objects.create_user("boss", password=PASSWORD, role="district_admin"),
    )


def test_proposed_approved_then_first_sign_in_changes_the_password(
    admins, persons, new_page, log_in, check_page
):
    # 1. The security administrator creates the account: its role is only proposed.
    sec = new_page()
    log_in(sec, "sec")
    sec.goto("/staff/accounts/new/")
    sec.get_by_label("用户名").fill("newbie")
    sec.get_by_label("角色").select_option("district_officer")
    sec.get_by_label("初始密码").fill(GIVEN)
    sec.get_by_label("授予理由").fill("新到岗的区级干事")
    sec.get_by_role("button", name="保存").click()
    sec.wait_for_url("**/staff/accounts/")
    row = sec.get_by_role("row", name="newbie")
    assert "无角色" in row.inner_text() and "待批准" in row.inner_text()

    # 2. A district administrator approves it on the role-change page.
    boss = new_page()
    log_in(boss, "boss")
    menu_link(boss, "/staff/grants/").click()
    boss.wait_for_url("**/staff/grants/")
    check_page(boss, "grants-pending")
    boss.get_by_label("备注").fill("同意")
    boss.get_by_role("button", name="批准 newbie 的变更").click()
    boss.wait_for_url("**/staff/grants/")
    assert "已批准" in boss.locator("main").inner_text()
    check_page(boss, "grants-decided")

    # 3. The new user signs in with the given password and lands on the change-password page; any other
    # page leads back to it until the password is their own.
    user = new_page()
    user.goto("/login/")
    user.get_by_label("用户名").fill("newbie")
    user.get_by_label("密码").fill(GIVEN)
    user.get_by_role("button", name="登录").click()
    user.wait_for_url("**/staff/password/")
    check_page(user, "password-change-forced")
    user.goto("/staff/persons/")
    assert user.url.endswith("/staff/password/")
    user.get_by_label("当前密码").fill(GIVEN)
    user.get_by_label("新密码", exact=True).fill(OWN)
    user.get_by_label("再次输入新密码").fill(OWN)
    user.get_by_role("button", name="修改密码").click()
    user.wait_for_url("**/staff/")
    assert "您的密码已修改" in user.locator("body").inner_text()
    user.goto("/staff/persons/")
    assert user.url.endswith("/staff/persons/")
    assert "万寿路街道" in user.locator("main").inner_text()
