"""A masked ID beside a birth date is the whole ID (U11; GB/T 22239-2019 8.1.4.11; PIPL art. 28).

The mask ``110108********6374`` hides exactly the eight digits of the birth date. These tests walk every
page a registry reader can open, the data-quality spreadsheet and every list endpoint of the API, and
fail when one answer carries both a person's masked ID and their full birth date. Only the audited views
of one person (the person page, its edit form, and ``GET /api/v1/persons/{id}``, each a ``person.view``
event) may."""

from __future__ import annotations

import json

import fastexcel
import pytest
from django.test import Client

from config.api import api
from tests.helpers import make_id, person_row, write_csv
from tests.test_access_matrix import ACCESS, POST_ONLY, PUBLIC, _named_patterns, _url, world  # noqa: F401
from xiaokang.accounts.services import api_token_issue
from xiaokang.cases.models import Application
from xiaokang.employment.models import Declaration, Employer
from xiaokang.interpreting.models import Booking
from xiaokang.registry.models import Person
from xiaokang.registry.services import persons_import

pytestmark = pytest.mark.django_db

# The audited views of one person: the only answers that may carry both.
SINGLE_PERSON_PAGES = {"person-detail", "person-edit"}
SINGLE_PERSON_ENDPOINTS = {"/api/v1/persons/{person_id}"}


def _leaks(text: str) -> list[str]:
    """The persons whose masked ID and full birth date (YYYY-MM-DD, or 年月日) are both in ``text``."""
    leaks = []
    for mask, birth in Person.objects.unscoped(reason="test").values_list("id_number_masked", "birth_date"):
        dates = (birth.isoformat(), f"{birth.year}年{birth.month}月{birth.day}日", birth.strftime("%Y/%m/%d"))
        if mask in text and any(date in text for date in dates):
            leaks.append(f"{mask} {birth}")
    return leaks


@pytest.fixture
def duplicates(world, tmp_path, system_actor):  # noqa: F811 (the access matrix's fixture)
    """Two more persons with the same name and birth date and different ID numbers, so that the
    data-quality report lists them (its duplicates used to print the date beside the mask)."""
    rows = [
        person_row(3),
        person_row(
            3,
            公民身份号码=make_id("11010819530413998"),
            残疾人证号=make_id("11010819530413998") + "41",
            家庭编号="H99",
        ),
    ]
    persons_import(actor=system_actor, path=write_csv(tmp_path / "d.csv", rows))
    return world


def _page_urls(person, users) -> list[tuple[str, str]]:
    application = Application.objects.unscoped(reason="test").filter(person=person).first()
    booking = Booking.objects.get()
    urls = []
    for name, pattern in _named_patterns():
        if ACCESS[name] in (POST_ONLY, PUBLIC) or name in SINGLE_PERSON_PAGES:
            continue
        if name.startswith("account-"):
            kwargs = {"pk": users["district_officer"].pk}
        elif name.startswith("application-"):
            kwargs = {
                "pk": application.pk,
                "person_pk": person.pk,
                "document_pk": application.documents.get().pk,
            }
        elif name.startswith("employer-"):
            kwargs = {"pk": Employer.objects.unscoped(reason="test").get().pk, "year": 2025}
        elif name.startswith("declaration-"):
            kwargs = {"pk": Declaration.objects.unscoped(reason="test").get().pk, "year": 2025}
        elif name.startswith("member-units"):
            kwargs = {"year": 2025}
        elif name.startswith("interpreting-"):
            pk = booking.slot.interpreter_id if name == "interpreting-interpreter-edit" else booking.pk
            kwargs = {"pk": pk, "slot_id": booking.slot_id, "token": booking.access_token}
        else:
            kwargs = {"pk": person.pk, "policy_id": "living_subsidy"}
        urls.append((name, _url(pattern, kwargs)))
    return urls


def test_no_page_shows_a_masked_id_beside_a_birth_date(duplicates):
    person, users = duplicates
    person = Person.objects.unscoped(reason="test").get(pk=person.pk)
    client = Client()
    client.force_login(users["district_admin"])
    walked, failures = [], []
    for name, url in _page_urls(person, users):
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        walked.append(name)
        leaks = _leaks(response.content.decode())
        if leaks:
            failures.append((name, url, leaks))
    # The lists that used to leak are among the pages walked.
    assert {"person-list", "registry-quality", "application-list"} <= set(walked)
    # A search by name that finds several persons (the same page, another query).
    response = client.get("/staff/persons/", {"name": "测试"})
    assert response.status_code == 200
    if _leaks(response.content.decode()):
        failures.append(("person-list", "?name=测试", _leaks(response.content.decode())))
    assert failures == [], "\n".join(map(str, failures))


def test_the_data_quality_spreadsheet_gives_the_birth_year_beside_the_mask(duplicates, tmp_path):
    _, users = duplicates
    client = Client()
    client.force_login(users["district_admin"])
    response = client.post("/staff/registry/quality/download/")
    assert response.status_code == 200
    path = tmp_path / "q.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    reader = fastexcel.read_excel(str(path))
    text = "\n".join(
        json.dumps(reader.load_sheet(name, dtypes="string").to_polars().rows(), ensure_ascii=False)
        for name in reader.sheet_names
    )
    masks = [
        m
        for m in Person.objects.unscoped(reason="test").values_list("id_number_masked", flat=True)
        if m in text
    ]
    assert masks, "the duplicates are listed"
    assert _leaks(text) == []


def _api_get_paths() -> list[str]:
    paths = api.get_openapi_schema()["paths"]
    return [path for path, operations in paths.items() if "get" in operations]


def test_no_api_list_answer_shows_a_masked_id_beside_a_birth_date(duplicates):
    person, users = duplicates
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=users['district_admin'])}"}
    client = Client()
    ids = {
        "person_id": person.pk,
        "application_id": Application.objects.unscoped(reason="test").filter(person=person).first().pk,
        "employer_id": Employer.objects.unscoped(reason="test").get().pk,
    }
    walked, failures = [], []
    for path in _api_get_paths():
        if path in SINGLE_PERSON_ENDPOINTS:
            continue
        url = path.format(**ids)
        response = client.get(url, **headers)
        walked.append((url, response.status_code))
        if _leaks(response.content.decode()):
            failures.append((url, _leaks(response.content.decode())))
    for body in ({}, {"search": "测试"}, {"street": "110108001000"}):
        url = "/api/v1/persons/search"
        response = client.post(url, json.dumps(body), content_type="application/json", **headers)
        assert response.status_code == 200
        walked.append((url, response.status_code))
        if _leaks(response.content.decode()):
            failures.append((url, body, _leaks(response.content.decode())))
    assert ("/api/v1/persons", 200) in walked
    assert failures == [], "\n".join(map(str, failures))
    # The list gives the year; the audited single view keeps the date.
    item = client.get("/api/v1/persons", **headers).json()["items"][0]
    assert (
        "birth_date" not in item
        and item["birth_year"] == Person.objects.unscoped(reason="test").order_by("pk")[0].birth_date.year
    )
    one = client.get(f"/api/v1/persons/{person.pk}", **headers).json()
    assert one["birth_date"] == person.birth_date.isoformat()


LIST_PAGES = {
    "person-list": "person.list",
    "registry-quality": "registry.quality",
    "application-list": "application.list",
    "outreach-list": "outreach.list",
    "review-list": "review.list",
    "temporary-list": "temporary.list",
}


def test_every_list_page_of_persons_writes_one_event_with_its_row_count(duplicates):
    """U11; GB/T 22239-2019 8.1.4.3: each list of persons is one audit event with the number shown."""
    from xiaokang.audit.models import AuditEvent

    person, users = duplicates
    client = Client()
    client.force_login(users["district_admin"])
    urls = dict(_page_urls(person, users))
    failures = []
    for name, action in LIST_PAGES.items():
        before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        assert client.get(urls[name]).status_code == 200
        events = list(AuditEvent.objects.filter(id__gt=before))
        if [e.action for e in events] != [action] or "rows" not in events[0].details:
            failures.append((name, [(e.action, e.details) for e in events]))
    assert failures == [], failures
