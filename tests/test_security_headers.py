"""Security headers on every URL (U11; GB/T 22239-2019 8.1.4.4; PIPL art. 51): the Content-Security-Policy
and the Permissions-Policy on public pages, staff pages, errors, the API and its docs, and
``Cache-Control: no-store`` wherever personal data is shown (the API except its OpenAPI document, staff
pages, the applicant's account)."""

from __future__ import annotations

import pytest
from django.test import Client

from xiaokang.accounts.services import api_token_issue

pytestmark = pytest.mark.django_db

CSP_PARTS = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
)
PERMISSIONS = ("camera=()", "microphone=()", "geolocation=()", "payment=()")

PUBLIC = [
    "/",
    "/policies/",
    "/screener/",
    "/status/",
    "/quota/",
    "/login/",
    "/account/login/",
    "/no-such-page/",
]
STAFF = ["/staff/", "/staff/persons/", "/staff/applications/", "/staff/registry/export/", "/staff/employers/"]
API = ["/api/v1/persons/", "/api/v1/no-such-endpoint"]


def assert_csp(response) -> None:
    policy = response["Content-Security-Policy"]
    for part in CSP_PARTS:
        assert part in policy, (response.request["PATH_INFO"], part)
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    for feature in PERMISSIONS:
        assert feature in response["Permissions-Policy"]


@pytest.mark.parametrize("url", PUBLIC)
def test_public_pages_carry_the_policies(url):
    response = Client().get(url)
    assert response.status_code in (200, 404)
    assert_csp(response)


@pytest.mark.parametrize("url", STAFF)
def test_staff_pages_carry_the_policies_and_are_never_cached(url, li_district_officer):
    client = Client()
    client.force_login(li_district_officer)
    response = client.get(url)
    assert response.status_code == 200, url
    assert_csp(response)
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("url", API)
def test_api_answers_are_never_cached(url, li_district_officer):
    token = api_token_issue(user=li_district_officer)
    response = Client().get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 404)
    assert "no-store" in response["Cache-Control"]
    assert_csp(response)
    # Refused answers too.
    refused = Client().get(url)
    assert "no-store" in refused["Cache-Control"]


def test_the_openapi_document_may_be_cached_and_the_docs_page_works_from_this_site_only():
    schema = Client().get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert "no-store" not in schema.get("Cache-Control", "")
    docs = Client().get("/api/v1/docs")
    assert docs.status_code == 200
    assert_csp(docs)  # the same policy: Swagger UI runs from static files
    text = docs.content.decode()
    assert "cdn." not in text and "https://" not in text  # ninja's own static files


def test_the_applicant_account_is_never_cached():
    response = Client().get("/account/")
    assert "no-store" in response["Cache-Control"]


def test_public_pages_without_personal_data_stay_cacheable():
    assert "no-store" not in Client().get("/policies/").get("Cache-Control", "")


def test_a_weaker_cache_header_is_replaced_and_a_view_policy_is_kept(rf):
    from django.http import HttpResponse

    from xiaokang.core.middleware import SecurityHeadersMiddleware

    def cached(request):
        response = HttpResponse("person")
        response["Cache-Control"] = "public, max-age=3600"
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    response = SecurityHeadersMiddleware(cached)(rf.get("/staff/persons/1/"))
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Security-Policy"] == "default-src 'none'"  # a view's own, stricter policy
    public = SecurityHeadersMiddleware(cached)(rf.get("/policies/"))
    assert public["Cache-Control"] == "public, max-age=3600"
