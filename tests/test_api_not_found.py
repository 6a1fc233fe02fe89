"""Every answer under /api/ is JSON, also for a path no route can match: Django's resolver does not match
a line break or another control character, so such a path never reaches the API's fallback router and
fell through to the site's HTML 404 (found by the schema fuzzer, tests/fuzz). Elsewhere the site keeps
its own 404 page."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/api/v1/persons/%0A", "/api/v1/persons/1%0D%0A", "/api/v1/%0A/x", "/api/%0A", "/api/other"]
)
def test_a_path_under_api_that_no_route_matches_is_a_json_404(path):
    response = Client().get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "未找到 / not found"}


def test_a_missing_page_outside_the_api_is_the_sites_html_404():
    response = Client().get("/no/such/page/%0A")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
