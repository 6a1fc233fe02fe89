"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

Run with ``.venv/bin/pytest tests/browser -q -m browser`` (docs/pages.md)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "Pass-word-123"  # the password of the actors in /conftest.py
SCREENSHOTS = Path(os.environ.get("XIAOKANG_SCREENSHOTS", "/tmp/xiaokang-screenshots"))

# A 1280 x 800 screen. Zooming in by a factor z leaves 1280/z CSS pixels of width at device scale z:
# that is what Chromium lays out when the user zooms, so a smaller viewport stands for the zoom.
# 200 % is the brief's bar; 400 % (320 CSS px) is WCAG 1.4.10's.
SCREEN_WIDTH, SCREEN_HEIGHT = 1280, 800


@pytest.fixture
def browser(request, transactional_db, monkeypatch):
    """Chromium for one test (about 0.6 s to start), deliberately not one for the whole session.

    While Playwright's sync API is started it leaves an asyncio loop *running* in the main thread. Django
    then (a) refuses ORM calls as async-unsafe, and (b) keeps this thread's database connections in a
    separate, context-local store (asgiref ``Local(thread_critical=True)``): a new connection that lacks
    what the test database set-up put on the first one, so ``serialized_rollback`` silently restores
    nothing, and every later test in the session, browser or not, would run beside a "running" loop.
    So Playwright starts after the database is set up for the test and stops before it is flushed."""
    marker = request.node.get_closest_marker("django_db")
    if not (marker and marker.kwargs.get("serialized_rollback")):
        # A transactional test without it empties the tables the migrations filled (the Haidian areas,
        # content types) and leaves every later serialized-rollback test on its worker failing.
        pytest.fail("a browser test needs @pytest.mark.django_db(transaction=True, serialized_rollback=True)")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Only while the loop runs, and only in this process: nothing here is concurrent with the loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # The connections opened while the loop ran live in that separate store: close them here, or
        # PostgreSQL cannot drop the test database at the end (it is "being accessed by other users").
        connections.close_all()


@pytest.fixture
def new_page(browser, live_server, transactional_db):
    """A factory of pages (each in its own context: own cookies) whose relative URLs go to the live server."""
    contexts = []

    def make(*, zoom: int = 1, locale: str = "zh-CN", javascript: bool = True):
        context = browser.new_context(
            base_url=live_server.url,
            locale=locale,
            java_script_enabled=javascript,
            viewport={"width": SCREEN_WIDTH // zoom, "height": SCREEN_HEIGHT // zoom},
            device_scale_factor=zoom,
        )
        # A page waiting for something that never comes fails in seconds, not after Playwright's 30.
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def log_in():
    """Sign a page in through the login form, as a person would. A user whose role signs in with a second
    factor (U11) is given one with the tests' known secret first, and types its current code."""

    def sign_in(page, username: str, password: str = PASSWORD) -> None:
        from tests.helpers import enrol_totp, fresh_code
        from xiaokang.accounts.models import User
        from xiaokang.accounts.twofactor import has_two_factor, requires_two_factor

        user = User.objects.get(username=username)
        if requires_two_factor(user) and not has_two_factor(user):
            enrol_totp(user)
        page.goto("/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        if has_two_factor(user):
            page.wait_for_url("**/login/code/")
            page.locator("input[name=code]").fill(fresh_code(user))
            page.get_by_role("button", name="登录", exact=True).click()
        page.wait_for_url("**/staff/")

    return sign_in


@pytest.fixture
def district_page(page, log_in, district_officer):
    """A page signed in as the district officer (sees the whole district)."""
    log_in(page, district_officer.username)
    return page


@pytest.fixture
def street_a_page(page, log_in, officer_a):
    """A page signed in as the officer of street A (万寿路街道)."""
    log_in(page, officer_a.username)
    return page


@pytest.fixture
def persons(system_actor, tmp_path):
    """Three persons: two in street A (万寿路街道, one of them deceased), one in street B (中关村街道)."""
    from tests.helpers import person_row, write_csv
    from xiaokang.registry.services import persons_import

    rows = [
        person_row(1),
        person_row(2, 人员状态="死亡"),
        person_row(3, 街道乡镇="中关村街道"),
    ]
    report = persons_import(actor=system_actor, path=write_csv(tmp_path / "persons.csv", rows))
    assert report.written, report.errors


@pytest.fixture
def screenshot():
    """Keep a picture of the page (the visible part) for a person to look at: focus rings, zoom."""

    def take(page, name: str, *, full_page: bool = False) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


@pytest.fixture
def check_page(screenshot):
    """The checks every page gets: axe-core finds nothing serious or critical, the page does not
    scroll sideways, and a screenshot is kept for a person to look at."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page, name: str) -> None:
        results = axe.run(page)
        serious = [v for v in results.response["violations"] if v["impact"] in {"serious", "critical"}]
        if serious:
            print(results.generate_report())
        assert not serious, f"{page.url}: " + "; ".join(f"{v['id']} ({v['impact']})" for v in serious)
        root = "document.documentElement"
        overflow = page.evaluate(f"{root}.scrollWidth - {root}.clientWidth")
        assert overflow <= 0, f"{page.url}: the page scrolls sideways by {overflow}px"
        screenshot(page, name, full_page=True)

    return check


# U11: every page under 150 KB transferred. The navigation's and every resource's size as the
# browser counts them (encodedBodySize when a cached response reports a transfer size of 0).
PAGE_BUDGET_BYTES = 150 * 1024
PAGE_WEIGHT_SCRIPT = """() => {
  const entries = [
    ...performance.getEntriesByType('navigation'),
    ...performance.getEntriesByType('resource'),
  ];
  return {
    origin: location.origin,
    urls: entries.map(e => e.name),
    bytes: entries.reduce((sum, e) => sum + Math.max(e.transferSize || 0, e.encodedBodySize || 0), 0),
  };
}"""


# The display modes of the portal (U11): every portal page is checked plain, in high contrast and
# with large text, as the cookie the header's display form sets (xiaokang.portal.display).
DISPLAY_MODES = {"plain": "", "contrast": "contrast", "large": "large", "both": "contrast,large"}


@pytest.fixture
def portal_page(new_page, live_server):
    """A page for the public portal in a given language (``zh`` or ``en``) and display mode (a key of
    DISPLAY_MODES), set as a visitor's own choices would set them: the language and display cookies."""
    from urllib.parse import urlparse

    def make(*, language: str = "zh", mode: str = "plain", zoom: int = 1, javascript: bool = True):
        page = new_page(zoom=zoom, locale="zh-CN" if language == "zh" else "en-US", javascript=javascript)
        host = urlparse(live_server.url).hostname
        cookies = [{"name": "django_language", "value": "zh-hans" if language == "zh" else "en"}]
        if DISPLAY_MODES[mode]:
            cookies.append({"name": "xiaokang_display", "value": DISPLAY_MODES[mode]})
        page.context.add_cookies([{**c, "domain": host, "path": "/"} for c in cookies])
        page.javascript_enabled = javascript  # check_portal_page needs script (axe runs in the page)
        return page

    return make


@pytest.fixture
def check_portal_page(screenshot):
    """The stricter checks of the public portal (U11): axe-core (WCAG 2.1 A and AA rules and best
    practices) reports no violation at all, whatever its impact; one h1; lang set; no sideways scroll;
    every request to the site's own origin and the whole page under 150 KB transferred."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page, name: str) -> None:
        # page.evaluate never returns on a page whose context has JavaScript disabled: say so instead of
        # hanging. Check the no-script flow's pages by opening them in a page with script.
        assert getattr(page, "javascript_enabled", True), "check_portal_page needs a page with JavaScript"
        results = axe.run(page)
        violations = results.response["violations"]
        if violations:
            print(results.generate_report())
        assert not violations, f"{page.url}: " + "; ".join(
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in violations
        )
        assert page.locator("h1").count() == 1, f"{page.url}: one h1"
        assert page.evaluate("document.documentElement.lang") in {"zh-Hans", "en"}
        root = "document.documentElement"
        overflow = page.evaluate(f"{root}.scrollWidth - {root}.clientWidth")
        assert overflow <= 0, f"{page.url}: the page scrolls sideways by {overflow}px"
        screenshot(page, name, full_page=True)

        weight = page.evaluate(PAGE_WEIGHT_SCRIPT)
        foreign = [url for url in weight["urls"] if not url.startswith(weight["origin"])]
        assert not foreign, f"{page.url}: requests outside the site: {foreign}"
        assert weight["bytes"] < PAGE_BUDGET_BYTES, f"{page.url}: {weight['bytes']} bytes transferred"

    return check
