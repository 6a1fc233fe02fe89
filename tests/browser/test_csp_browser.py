"""The Content-Security-Policy breaks nothing (U11; GB/T 22239-2019 8.1.4.4): Chromium reports no CSP
violation (neither a ``securitypolicyviolation`` event nor a console message) on public pages, staff
pages and the API docs, whose Swagger UI runs from this site's files only."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LISTEN = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""
PUBLIC = [
    "/",
    "/policies/",
    "/screener/",
    "/status/",
    "/quota/",
    "/login/",
    "/account/login/",
    "/account/register/",
]
STAFF = ["/staff/", "/staff/persons/", "/staff/applications/", "/staff/registry/import/", "/staff/employers/"]


def _watch(page) -> list[str]:
    messages: list[str] = []
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda m: (
            messages.append(m.text) if "Content Security Policy" in m.text or "Refused" in m.text else None
        ),
    )
    return messages


def _visit(page, url: str, console: list[str]) -> None:
    response = page.goto(url)
    assert response is not None and response.status < 500, url
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    violations = page.evaluate("window.__cspViolations")
    assert violations == [] and console == [], f"{url}: {violations} {console}"


@pytest.mark.browser
def test_no_csp_violation_on_public_and_staff_pages(page, log_in, district_officer, persons):
    console = _watch(page)
    for url in PUBLIC:
        _visit(page, url, console)
    log_in(page, district_officer.username)
    for url in STAFF:
        _visit(page, url, console)
    page.goto("/staff/persons/")
    page.locator("main a[href^='/staff/persons/']").first.click()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__cspViolations") == [] and console == []


@pytest.mark.browser
def test_the_api_docs_work_under_their_policy(page):
    console = _watch(page)
    _visit(page, "/api/v1/docs", console)
    page.locator(".swagger-ui .info .title").wait_for()  # Swagger UI rendered: its scripts ran
    assert "Xiaokang API" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator(".opblock-summary").first.click()  # open an operation: parameters, schemas, examples
    page.locator(".opblock-body").first.wait_for()
    page.locator(".models").first.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__cspViolations") == [] and console == []
