"""The second factor in a real browser (U11): another district administrator issues an enrolment code on
the role-change page (split knowledge, GB/T 22239-2019 8.1.4.2); the new district administrator types it,
enrols with the QR page, signs in with a code, and a replayed code is refused; axe-core on the
enrolment-code, enrolment and code pages."""

import re

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.menu import menu_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PASSWORD = "Pass-word-123"


@pytest.fixture
def admin(transactional_db):
    from xiaokang.accounts.models import User

    User.objects.create_user("deputy", password=PASSWORD, role="district_admin")
    return User.objects.create_user("chief", password=PASSWORD, role="district_admin")


def _password(page):
    page.goto("/login/")
    page.get_by_label("用户名").fill("chief")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_enrol_with_the_qr_page_sign_in_with_a_code_and_a_replay_is_refused(
    admin, new_page, log_in, check_page
):
    # Another district administrator issues chief's enrolment code on the role-change page.
    deputy = new_page()
    log_in(deputy, "deputy")
    menu_link(deputy, "/staff/grants/").click()
    deputy.wait_for_url("**/staff/grants/")
    waiting = deputy.get_by_role("region", name="等待设置第二因素的账号")
    assert "chief" in waiting.inner_text()
    check_page(deputy, "grants-waiting-for-a-factor")
    deputy.get_by_role("button", name="为 chief 签发绑定码").click()
    deputy.wait_for_url("**/staff/grants/enrolment-code/*/")
    code = deputy.locator("#enrolment-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", code)
    check_page(deputy, "enrolment-code-issued")

    # chief signs in with the password: the enrolment code comes first; a wrong one is announced.
    page = new_page()
    _password(page)
    page.wait_for_url("**/login/two-factor/")
    field = page.get_by_label("绑定码")
    assert field.get_attribute("autocomplete") == "off"
    assert page.locator("figure.qr svg").count() == 0
    check_page(page, "enrolment-code")
    field.fill("ABCDE-FGHJK" if code != "ABCDE-FGHJK" else "KJHGF-EDCBA")
    page.get_by_role("button", name="继续").click()
    alert = page.get_by_role("alert")
    assert "绑定码不正确" in alert.inner_text()
    check_page(page, "enrolment-code-error")
    page.get_by_label("绑定码").fill(code.lower())
    page.get_by_role("button", name="继续").click()
    page.wait_for_url("**/login/two-factor/")
    assert page.locator("figure.qr svg").count() == 1  # the QR code, inline: no request, no script
    check_page(page, "two-factor-enrol")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    field = page.locator("input[name=code]")
    assert field.get_attribute("autocomplete") == "one-time-code"
    assert field.get_attribute("inputmode") == "numeric"
    assert page.get_by_label("验证码").count() == 1

    used = totp.now()
    field.fill(used)
    page.get_by_role("button", name="确认").click()
    # all_inner_texts() does not wait: wait for the page that shows the codes first.
    expect(page.locator(".recovery-codes code")).to_have_count(10)
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"\d{4}-\d{4}-\d{4}", c) for c in codes)
    page.get_by_role("link", name="我已妥善保存，继续").click()
    page.wait_for_url("**/staff/")

    # Another browser: the password, then the code already used: refused, announced, not signed in.
    other = new_page()
    _password(other)
    other.wait_for_url("**/login/code/")
    other.locator("input[name=code]").fill(used)
    other.get_by_role("button", name="登录", exact=True).click()
    alert = other.get_by_role("alert")
    assert "验证码" in alert.inner_text()
    assert other.url.endswith("/login/code/")
    check_page(other, "login-code-error")

    # The next code signs in.
    from xiaokang.accounts.models import TotpDevice

    step = TotpDevice.objects.get(user=admin).last_step + 1
    other.locator("input[name=code]").fill(totp.generate_otp(step))
    other.get_by_role("button", name="登录", exact=True).click()
    other.wait_for_url("**/staff/")
