"""The person list's export (R5, U11; core.listing): the filtered list's rows as xlsx, the ID number masked
unless the role may see it in full, counted against the bulk-read limit and audited before anything is
written, and never wider than the reader's area whatever the address asks for."""

from __future__ import annotations

import pytest

from tests.helpers import STREET_A, STREET_B
from tests.listing import client_for, download, xlsx_rows
from xiaokang.audit.models import AuditEvent
from xiaokang.core import crypto

pytestmark = pytest.mark.django_db
URL = "/staff/persons/"


def test_the_export_holds_the_filtered_persons_masked(people, li_district_officer):
    response = client_for(li_district_officer).get(URL, {"street": STREET_A, "export": "xlsx"})
    rows = xlsx_rows(download(response))

    assert rows[0][:2] == ("Name", "ID number")
    assert {row[0] for row in rows[1:]} == {"测试1", "测试3"}
    assert all("*" in row[1] for row in rows[1:])
    event = AuditEvent.objects.get(action="person.export")
    assert event.details["rows"] == 2 and not event.details.get("full_id_numbers")


def test_the_district_administrator_exports_full_id_numbers(people, chen_district_admin):
    rows = xlsx_rows(download(client_for(chen_district_admin).get(URL, {"name": "测试1", "export": "xlsx"})))

    assert rows[1][1] == crypto.decrypt(people["a"].id_number_encrypted)


def test_another_street_in_the_address_exports_nothing_of_it(people, wang_street_a):
    response = client_for(wang_street_a).get(URL, {"street": STREET_B, "export": "xlsx"})

    # The form refuses a street outside the scope: no file, no rows of street B.
    body = download(response)
    assert "测试2".encode() not in body
    if response.get("Content-Type", "").startswith("application/vnd"):
        assert "测试2" not in {row[0] for row in xlsx_rows(body)[1:]}


def test_an_export_past_the_bulk_read_limit_is_refused_and_writes_nothing(
    people, li_district_officer, settings
):
    settings.XIAOKANG_BULK_READ_LIMIT = 2

    response = client_for(li_district_officer).get(URL, {"export": "xlsx"})

    assert response.status_code == 429
    assert not AuditEvent.objects.filter(action="person.export").exists()
    assert AuditEvent.objects.filter(action="alert.bulk_read").exists()


def test_the_list_offers_the_export_of_its_filter(people, li_district_officer):
    page = client_for(li_district_officer).get(URL, {"street": STREET_A}).content.decode()

    assert f"?street={STREET_A}&amp;export=xlsx" in page
