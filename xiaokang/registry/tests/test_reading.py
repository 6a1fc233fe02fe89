"""Every list and search of persons is audited, and bulk reading is limited (U11; GB/T 22239-2019
8.1.4.3, 8.1.4.11; PIPL arts. 51, 55): one event per call with its filters and the number of persons
returned (an ID or certificate number as its blind index, never the number); paging past
XIAOKANG_BULK_READ_LIMIT persons in the window answers 429 and alerts the auditor once."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from tests.helpers import person_row, write_csv
from xiaokang.accounts.services import api_token_issue
from xiaokang.audit.models import AuditEvent
from xiaokang.core import crypto
from xiaokang.core.models import RateLimitHit
from xiaokang.registry.models import Person
from xiaokang.registry.services import persons_import

pytestmark = pytest.mark.django_db

READ_ACTIONS = ("person.list", "person.search")


@pytest.fixture
def registry(tmp_path, system_actor):
    rows = [person_row(n) for n in range(1, 6)]
    persons_import(actor=system_actor, path=write_csv(tmp_path / "p.csv", rows))
    return rows


def _api(user):
    client = Client(REMOTE_ADDR="10.9.9.9")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=user)}"}

    def get(path, params=None):
        return client.get(f"/api/v1{path}", params or {}, **headers)

    def post(path, body):
        return client.post(f"/api/v1{path}", json.dumps(body), content_type="application/json", **headers)

    return get, post


def _reads():
    return list(AuditEvent.objects.filter(action__in=READ_ACTIONS).order_by("id"))


def _trail_text() -> str:
    return json.dumps(
        list(AuditEvent.objects.values("object_id", "details", "action")), ensure_ascii=False, default=str
    )


# ---------------------------------------------------------------------------------------------------
# Audit: one event per call, filters and count


def test_an_api_list_writes_one_event_with_its_filters_and_the_count(registry, li_district_officer):
    get, _ = _api(li_district_officer)

    response = get("/persons", {"street": "110108001000", "limit": 3})

    assert response.status_code == 200 and len(response.json()["items"]) == 3
    [event] = _reads()
    assert event.action == "person.list"
    assert event.actor_label == "district" and event.client == "10.9.9.9"
    assert event.details["rows"] == 3
    assert event.details["filters"] == {"street": "110108001000"}


def test_a_search_by_id_number_records_the_blind_index_never_the_number(registry, li_district_officer):
    _, post = _api(li_district_officer)
    number = registry[1]["公民身份号码"]

    response = post("/persons/search", {"id_number": number})

    assert [item["name"] for item in response.json()["items"]] == ["测试2"]
    [event] = _reads()
    assert event.action == "person.search"
    assert event.details["rows"] == 1
    assert event.details["filters"] == {"id_number_index": crypto.blind_index(number)}
    # The index is the person's own: the auditor can tell whose number was looked up.
    assert (
        Person.objects.unscoped(reason="test")
        .get(id_number_index=event.details["filters"]["id_number_index"])
        .name
        == "测试2"
    )
    assert number not in _trail_text() and number[6:14] not in _trail_text()


def test_a_search_by_certificate_number_records_the_blind_index(registry, li_district_officer):
    get, _ = _api(li_district_officer)
    certificate = registry[2]["残疾人证号"]

    response = get("/persons", {"certificate_number": certificate})

    assert [item["name"] for item in response.json()["items"]] == ["测试3"]
    [event] = _reads()
    assert event.details["filters"] == {
        "id_number_index": crypto.blind_index(certificate[:18]),
        "certificate_suffix": certificate[18:],
    }
    assert certificate[:18] not in _trail_text()


def test_the_list_page_and_its_number_search_are_audited(registry, li_district_officer):
    client = Client()
    client.force_login(li_district_officer)
    number = registry[0]["公民身份号码"]

    assert client.get("/staff/persons/", {"name": "测试"}).status_code == 200
    response = client.post("/staff/persons/", {"id_number": number})

    assert response.status_code == 303  # one person found: to the person's page
    listed, searched = _reads()
    assert (listed.action, listed.details["rows"], listed.details["filters"]) == (
        "person.search",
        5,
        {"name": "测试"},
    )
    assert searched.details["filters"] == {"id_number_index": crypto.blind_index(number)}
    assert searched.details["rows"] == 1
    assert number not in _trail_text()


def test_the_data_quality_page_is_audited(registry, li_district_officer):
    client = Client()
    client.force_login(li_district_officer)

    assert client.get("/staff/registry/quality/").status_code == 200

    event = AuditEvent.objects.get(action="registry.quality")
    assert "rows" in event.details and "duplicates" in event.details


# ---------------------------------------------------------------------------------------------------
# Bulk reading: persons read, not requests


def test_paging_past_the_limit_answers_429_and_writes_exactly_one_alert(
    registry, li_district_officer, settings
):
    settings.XIAOKANG_BULK_READ_LIMIT = 4
    get, post = _api(li_district_officer)

    first = get("/persons", {"limit": 2})
    second = get("/persons", {"limit": 2, "after": first.json()["next_after"]})
    third = get("/persons", {"limit": 2, "after": second.json()["next_after"]})
    again = post("/persons/search", {"limit": 2})

    statuses = (first.status_code, second.status_code, third.status_code, again.status_code)
    assert statuses == (200, 200, 429, 429)
    assert "4" in third.json()["detail"] and "try again later" in third.json()["detail"]
    assert "稍后再试" in third.json()["detail"]
    [alert] = AuditEvent.objects.filter(action="alert.bulk_read")
    assert alert.actor_label == "district" and alert.client == "10.9.9.9"
    assert alert.details == {
        "action": "person.list",
        "read": 4,
        "asked": 1,
        "limit": 4,
        "window_seconds": 600,
    }
    # The refused calls are not recorded as reads: two pages were given.
    assert [e.details["rows"] for e in _reads()] == [2, 2]


def test_the_limit_counts_persons_across_pages_and_api_for_one_reader_only(
    registry, li_district_officer, wang_street_a, settings
):
    settings.XIAOKANG_BULK_READ_LIMIT = 6
    get, _ = _api(li_district_officer)
    client = Client()
    client.force_login(li_district_officer)

    assert get("/persons").status_code == 200  # 5 persons
    response = client.get("/staff/persons/")  # 5 more: past 6
    assert response.status_code == 429
    page = response.content.decode()
    assert "读取的人员记录过多" in page and "超过6条" in page  # the default language, 简体中文
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/staff/persons/")
    assert english.status_code == 429
    assert "Too many person records read" in english.content.decode()
    assert "more than 6 person records within 10 minutes" in english.content.decode()
    assert client.get("/staff/persons/").status_code == 429
    assert AuditEvent.objects.filter(action="alert.bulk_read").count() == 1
    # Another reader has an allowance of their own.
    other = Client()
    other.force_login(wang_street_a)
    assert other.get("/staff/persons/").status_code == 200


def test_the_window_passes(registry, li_district_officer, settings):
    settings.XIAOKANG_BULK_READ_LIMIT = 5
    settings.XIAOKANG_BULK_READ_WINDOW = 1
    get, _ = _api(li_district_officer)
    assert get("/persons").status_code == 200
    assert get("/persons").status_code == 429
    # Age the counted reads past the window instead of sleeping.
    RateLimitHit.objects.update(at=RateLimitHit.objects.first().at - dt.timedelta(seconds=2))
    assert get("/persons").status_code == 200


def test_the_auditor_sees_the_alert_at_the_top_of_the_audit_page(
    registry, li_district_officer, auditor_qian, settings
):
    settings.XIAOKANG_BULK_READ_LIMIT = 1
    get, _ = _api(li_district_officer)
    assert get("/persons").status_code == 429
    client = Client()
    client.force_login(auditor_qian)

    page = client.get("/staff/audit/").content.decode()

    alerts = page[page.index('id="alerts-heading"') : page.index('id="verify-heading"')]
    assert "alert.bulk_read" in alerts and "district" in alerts
    assert "?action=alert.bulk_read" in alerts
    assert "最新的1条警报" in alerts  # the default language, 简体中文
    filtered = client.get("/staff/audit/", {"action": "alert.bulk_read"})
    assert filtered.status_code == 200
