"""The first pages, in a real browser: language, keyboard, errors, scoping, logout, 404 and axe-core.

Every test runs against a live server, so the database is not rolled back but flushed after each test;
serialized_rollback restores what the migrations put there (the Haidian areas) before the next one."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

HOME_H1_ZH = "海淀区残疾人服务"
HOME_H1_EN = "Services for disabled residents of Haidian"


def lang(page) -> str:
    return page.locator("html").get_attribute("lang")


def focused(page) -> dict:
    """What has keyboard focus: enough to say which element it is."""
    return page.evaluate(
        "(() => { const e = document.activeElement;"
        " return {tag: e.tagName.toLowerCase(), id: e.id, cls: e.className, text: e.textContent.trim()}; })()"
    )


@pytest.mark.browser
def test_home_page_in_chinese_then_english_through_the_language_form(page, check_page):
    page.goto("/")

    assert lang(page) == "zh-Hans"
    assert page.get_by_role("heading", level=1).inner_text() == HOME_H1_ZH
    assert page.locator("h1").count() == 1
    assert page.get_by_role("link", name="工作人员登录").first.get_attribute("href") == "/login/"
    check_page(page, "home-zh")

    page.get_by_label("语言").select_option("en")
    page.get_by_role("button", name="切换语言").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")  # waits for the new page
    assert page.get_by_role("heading", level=1).inner_text() == HOME_H1_EN
    assert page.get_by_role("heading", level=2, name="What you can do here").is_visible()
    assert page.get_by_label("Language").input_value() == "en"
    check_page(page, "home-en")


@pytest.mark.browser
def test_landmarks_skip_link_and_focus_order_on_the_home_page(page, screenshot):
    page.goto("/")

    for role in ("banner", "navigation", "main", "contentinfo"):
        assert page.get_by_role(role).count() >= 1, role
    page.keyboard.press("Tab")
    assert focused(page)["cls"] == "skip-link"
    box = page.locator(".skip-link").bounding_box()
    assert box["y"] >= 0 and box["height"] > 0  # on screen when focused, for sighted keyboard users
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "小康海淀区残疾人服务平台"  # then the header, in reading order
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "首页"
    screenshot(page, "focus-header-link")
    # The public portal's menu (U11; docs/portal.md), in the order a resident needs it, then the quota
    # disclosure.
    for item in ("自测可享待遇", "政策指南", "网上申请", "办理进度查询", "手语翻译预约", "按比例就业公示"):
        page.keyboard.press("Tab")
        assert focused(page)["text"] == item
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "居民登录"
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "工作人员登录"
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "language-select"
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "切换语言"
    screenshot(page, "focus-button")
    # Then the display settings (U11): two checkboxes and their button.
    page.keyboard.press("Tab")
    assert focused(page)["tag"] == "input" and page.evaluate("document.activeElement.name") == "contrast"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "large"
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "应用显示设置"


@pytest.mark.browser
def test_keyboard_only_login_starts_at_the_skip_link(page, district_officer, check_page, screenshot):
    page.goto("/login/")
    check_page(page, "login")

    page.keyboard.press("Tab")
    assert focused(page)["cls"] == "skip-link"
    screenshot(page, "focus-skip-link")
    page.keyboard.press("Enter")  # follow the skip link: focus moves into main
    assert focused(page)["id"] == "main"
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "id_username"
    page.keyboard.type(district_officer.username)
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "id_password"
    page.keyboard.type("Pass-word-123")
    screenshot(page, "focus-password")
    page.keyboard.press("Enter")

    page.wait_for_url("**/staff/")
    assert page.get_by_role("heading", level=1).inner_text() == "工作台"


@pytest.mark.browser
def test_login_fields_are_labelled_with_autocomplete(page):
    page.goto("/login/")

    assert page.get_by_label("用户名").get_attribute("autocomplete") == "username"
    assert page.get_by_label("密码").get_attribute("autocomplete") == "current-password"
    assert page.get_by_label("密码").get_attribute("type") == "password"


@pytest.mark.browser
def test_wrong_password_shows_a_focused_summary_linked_to_the_fields(page, district_officer, check_page):
    page.goto("/login/")
    page.get_by_label("用户名").fill(district_officer.username)
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()

    summary = page.locator("#error-summary")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()  # autofocus: a screen reader starts reading at the problem
    assert page.title().startswith("错误")
    password = page.get_by_label("密码")
    assert password.get_attribute("aria-invalid") == "true"
    described_by = password.get_attribute("aria-describedby").split()
    description = " ".join(page.locator(f"#{id_}").inner_text() for id_ in described_by)
    assert "用户名" in description and "密码" in description  # Django's "please enter a correct …"
    assert page.get_by_label("用户名").input_value() == district_officer.username  # kept, not retyped
    check_page(page, "login-error")


@pytest.mark.browser
def test_empty_login_links_each_field_to_its_own_error(page, check_page):
    page.goto("/login/")
    page.get_by_role("button", name="登录").click()

    username = page.get_by_label("用户名")
    expect(username).to_have_attribute("aria-describedby", "id_username-error")
    assert "必填" in page.locator("#id_username-error").inner_text()
    check_page(page, "login-empty")
    page.locator("#error-summary a").first.click()  # the summary's link takes you to the field
    expect(username).to_be_focused()


@pytest.mark.browser
def test_staff_home_shows_every_street_to_the_district_officer(district_page, persons, check_page):
    page = district_page
    page.goto("/staff/")

    assert page.get_by_role("heading", level=1).inner_text() == "工作台"
    assert "全区" in page.locator(".facts").inner_text()
    assert "区级工作人员" in page.locator(".facts").inner_text()
    table = page.get_by_role("table", name="各街道（乡镇）登记残疾人及人员状态")
    assert table.locator("thead th[scope=col]").count() == 5
    assert table.locator("tbody th[scope=row]").all_inner_texts() == ["万寿路街道", "中关村街道"]
    assert rows_of(table) == [
        ["万寿路街道", "2", "1", "0", "1"],
        ["中关村街道", "1", "1", "0", "0"],
        ["全部街道（乡镇）", "3", "2", "0", "1"],
    ]
    check_page(page, "staff-district")


@pytest.mark.browser
def test_staff_home_shows_only_street_a_to_its_officer(street_a_page, persons, check_page):
    page = street_a_page
    page.goto("/staff/")

    assert "万寿路街道" in page.locator(".facts").inner_text()
    table = page.get_by_role("table", name="各街道（乡镇）登记残疾人及人员状态")  # among the dashboard's
    assert rows_of(table) == [
        ["万寿路街道", "2", "1", "0", "1"],
        ["全部街道（乡镇）", "2", "1", "0", "1"],
    ]
    assert "中关村" not in page.content()
    check_page(page, "staff-street-a")


@pytest.mark.browser
def test_an_auditor_is_told_that_the_role_does_not_read_the_registry(page, log_in, persons, check_page):
    from xiaokang.accounts.models import User

    User.objects.create_user("auditor", password="Pass-word-123", role="auditor")
    log_in(page, "auditor")

    assert page.get_by_role("table").count() == 0
    assert "审计员" in page.locator(".note").inner_text()
    assert "不查阅残疾人名册" in page.locator(".note").inner_text()
    check_page(page, "staff-auditor")


@pytest.mark.browser
def test_staff_home_requires_login(page):
    page.goto("/staff/")

    assert page.url.endswith("/login/?next=/staff/")


@pytest.mark.browser
def test_logout_returns_home_signed_out(district_page, live_server):
    page = district_page
    assert "district" in page.locator(".account").inner_text()

    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(f"{live_server.url}/")

    assert page.get_by_role("heading", level=1).inner_text() == HOME_H1_ZH
    assert page.get_by_role("button", name="退出登录").count() == 0
    page.goto("/staff/")
    assert "/login/" in page.url


@pytest.mark.browser
def test_unknown_address_shows_the_404_page(page, check_page):
    response = page.goto("/no-such-page/")

    assert response.status == 404
    assert lang(page) == "zh-Hans"
    assert page.get_by_role("heading", level=1).inner_text() == "页面不存在"
    assert page.get_by_role("link", name="返回首页").is_visible()
    check_page(page, "404")


PAGES = {"home": "/", "login": "/login/", "staff": "/staff/", "404": "/no-such-page/"}


@pytest.mark.browser
@pytest.mark.parametrize("zoom", [2, 4])
@pytest.mark.parametrize("name", list(PAGES))
def test_pages_reflow_when_zoomed(new_page, log_in, district_officer, persons, check_page, name, zoom):
    page = new_page(zoom=zoom)
    if name == "staff":
        log_in(page, district_officer.username)
    page.goto(PAGES[name])

    # check_page fails if the page scrolls sideways at 640 CSS px (200 %) or 320 CSS px (400 %).
    check_page(page, f"zoom{zoom * 100}-{name}")


@pytest.mark.browser
@pytest.mark.parametrize("name", ["home", "login", "staff"])
def test_pages_reflow_with_text_at_twice_the_default_size(
    page, log_in, district_officer, persons, check_page, name
):
    if name == "staff":
        log_in(page, district_officer.username)
    page.goto(PAGES[name])
    # What a reader gets who sets the browser's default text size to 32 px: every size is in rem,
    # so all text doubles, and nothing may be cut off or push the page sideways (WCAG 1.4.4).
    page.evaluate("document.documentElement.style.fontSize = '200%'")

    assert page.evaluate("getComputedStyle(document.querySelector('h1')).fontSize") == "64px"
    check_page(page, f"text200-{name}")


def rows_of(table) -> list[list[str]]:
    return [
        [cell.strip() for cell in row.locator("th, td").all_inner_texts()]
        for row in table.locator("tbody tr, tfoot tr").all()
    ]


@pytest.mark.browser
@pytest.mark.parametrize("name", ["500", "403_csrf"])
def test_pages_rendered_without_a_request_context_are_accessible(page, check_page, name):
    from django.test import RequestFactory
    from django.views.csrf import csrf_failure
    from django.views.defaults import server_error

    # Django renders these two itself with a bare context (no user, no request): render them the same
    # way and show the result in the browser, on the live server's origin so that the stylesheet loads.
    request = RequestFactory().get("/")
    response = server_error(request) if name == "500" else csrf_failure(request, reason="test")
    page.goto("/")
    page.set_content(response.content.decode())

    assert lang(page) == "zh-Hans"
    assert page.locator("h1").count() == 1
    assert page.get_by_role("link", name="返回首页").is_visible()
    check_page(page, f"error-{name}")
