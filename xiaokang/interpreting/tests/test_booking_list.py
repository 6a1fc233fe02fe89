"""The staff booking list as a list people work with (U11; core.listing): whitelisted sorting and the
xlsx export of the filtered list (the requester's phone masked), audited; the interpreting staff only."""

from __future__ import annotations

import pytest

from tests.listing import client_for, download, xlsx_rows
from xiaokang.audit.models import AuditEvent
from xiaokang.interpreting.tests.test_booking import PHONE, _book, interpreter, slots  # noqa: F401

pytestmark = pytest.mark.django_db
URL = "/staff/interpreting/"


@pytest.fixture
def booked(slots):  # noqa: F811
    return [_book(slots[0], phone="13900001111"), _book(slots[2], phone="13900002222")]


def test_sorting_by_time_descending_puts_the_latest_first(booked, li_district_officer):
    client = client_for(li_district_officer)
    references = [b.reference for b in booked]

    ascending = client.get(URL, {"sort": "time"}).content.decode()
    descending = client.get(URL, {"sort": "-time"}).content.decode()

    assert sorted(references, key=ascending.index) == references
    assert sorted(references, key=descending.index) == references[::-1]


def test_an_undeclared_sort_is_ignored(booked, li_district_officer):
    response = client_for(li_district_officer).get(URL, {"sort": "-phone_encrypted"})

    assert response.status_code == 200
    page = response.content.decode()
    references = [b.reference for b in booked]
    assert sorted(references, key=page.index) == references


def test_the_export_holds_the_filtered_bookings_with_masked_phones(booked, li_district_officer):
    response = client_for(li_district_officer).get(URL, {"status": "requested", "export": "xlsx"})
    rows = xlsx_rows(download(response))

    assert rows[0][0] == "Reference"
    assert [row[0] for row in rows[1:]] == [b.reference for b in booked]
    assert "13900001111" not in str(rows) and "*" in rows[1][5]
    event = AuditEvent.objects.get(action="interpreting.export")
    assert event.details["rows"] == 2 and event.details["filters"] == {"status": "requested"}


def test_a_street_officer_cannot_export_the_bookings(booked, wang_street_a):
    response = client_for(wang_street_a).get(URL, {"export": "xlsx"})

    assert response.status_code in (403, 404)
    assert not AuditEvent.objects.filter(action="interpreting.export").exists()
