"""The application queue as a list people work with (S4, U11; core.listing): filters that narrow it
(street, community, policy, state, deadline), whitelisted sorting, and the export of the filtered
result to xlsx: masked as the role requires, audited, and never wider than the actor's area."""

from __future__ import annotations

import pytest

from tests.helpers import STREET_A, STREET_B
from tests.listing import client_for, download, xlsx_rows
from xiaokang.audit.models import AuditEvent
from xiaokang.cases.tests.workflow import submit

pytestmark = pytest.mark.django_db

URL = "/staff/applications/"


@pytest.fixture
def two_streets(people, system_actor):
    return {
        "a": submit(system_actor, people["a"]),
        "b": submit(system_actor, people["b"]),
        "a_other_policy": submit(system_actor, people["ordinary"], policy="care_subsidy"),
    }


def test_the_street_filter_narrows_the_district_queue(two_streets, li_district_officer):
    page = client_for(li_district_officer).get(URL, {"street": STREET_B}).content.decode()

    assert two_streets["b"].number in page
    assert two_streets["a"].number not in page


def test_the_policy_filter_narrows_the_queue(two_streets, li_district_officer):
    page = client_for(li_district_officer).get(URL, {"policy": "care_subsidy"}).content.decode()

    assert two_streets["a_other_policy"].number in page
    assert two_streets["a"].number not in page and two_streets["b"].number not in page


def test_the_overdue_filter_keeps_only_applications_past_their_deadline(two_streets, li_district_officer):
    # Received 2025-09-30: every deadline has long passed, so "due soon" finds nothing and "overdue" all.
    client = client_for(li_district_officer)

    overdue = client.get(URL, {"deadline": "overdue"}).content.decode()
    due_soon = client.get(URL, {"deadline": "due_soon"}).content.decode()

    assert all(application.number in overdue for application in two_streets.values())
    assert not any(application.number in due_soon for application in two_streets.values())


def test_another_streets_code_in_the_address_shows_nothing_of_that_street(two_streets, wang_street_a):
    # Attack: a street officer of A asks for street B. The filter narrows the scope, never replaces it.
    response = client_for(wang_street_a).get(URL, {"street": STREET_B})

    assert two_streets["b"].number not in response.content.decode()
    assert "测试2" not in response.content.decode()


def test_another_streets_export_is_empty_of_that_street(two_streets, wang_street_a):
    response = client_for(wang_street_a).get(URL, {"street": STREET_B, "export": "xlsx"})
    rows = xlsx_rows(download(response))

    numbers = {row[0] for row in rows[1:]}
    assert two_streets["b"].number not in numbers
    assert "测试2" not in {row[1] for row in rows[1:]}


@pytest.mark.parametrize(
    "sort", ["password", "-person__id_number_hash", "person__id_number_encrypted", "--number"]
)
def test_a_sort_the_list_does_not_declare_is_ignored(two_streets, li_district_officer, sort):
    # Attack: a user string never reaches order_by (it could sort by a secret and leak it by order).
    response = client_for(li_district_officer).get(URL, {"sort": sort})

    assert response.status_code == 200
    default = client_for(li_district_officer).get(URL).content.decode()
    order = [a.number for a in two_streets.values()]
    assert sorted(order, key=response.content.decode().index) == sorted(order, key=default.index)


def test_sorting_by_number_descending_reverses_the_order(two_streets, li_district_officer):
    client = client_for(li_district_officer)
    numbers = sorted(application.number for application in two_streets.values())

    ascending = client.get(URL, {"sort": "number", "state": "all"}).content.decode()
    descending = client.get(URL, {"sort": "-number", "state": "all"}).content.decode()

    assert sorted(numbers, key=ascending.index) == numbers
    assert sorted(numbers, key=descending.index) == numbers[::-1]
    assert 'aria-sort="descending"' in descending


def test_the_export_holds_the_filtered_rows_with_masked_id_numbers(two_streets, li_district_officer):
    response = client_for(li_district_officer).get(URL, {"street": STREET_A, "export": "xlsx"})

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "no-store" in response["Cache-Control"]
    rows = xlsx_rows(download(response))
    assert rows[0][:3] == ("Number", "Person", "ID number")
    numbers = {row[0] for row in rows[1:]}
    assert numbers == {two_streets["a"].number, two_streets["a_other_policy"].number}
    assert all("*" in row[2] for row in rows[1:])  # a district officer sees masks


def test_the_district_administrator_exports_full_id_numbers(two_streets, chen_district_admin, people):
    from xiaokang.core import crypto

    response = client_for(chen_district_admin).get(URL, {"policy": "living_subsidy", "export": "xlsx"})
    rows = xlsx_rows(download(response))

    full = crypto.decrypt(people["a"].id_number_encrypted)
    assert full in {row[2] for row in rows[1:]}


def test_the_export_is_audited_with_its_filters_and_row_count(two_streets, li_district_officer):
    client_for(li_district_officer).get(URL, {"street": STREET_A, "sort": "-number", "export": "xlsx"})

    event = AuditEvent.objects.filter(action="application.export").get()
    assert event.actor_label == li_district_officer.username
    assert event.details["rows"] == 2
    assert event.details["filters"] == {"street": STREET_A}
    assert event.details["sort"] == "-number"
    assert event.details["full_id_numbers"] is False


def test_an_export_stops_at_its_cap_and_says_so(two_streets, li_district_officer, monkeypatch):
    import dataclasses

    from xiaokang.cases.views import applications

    monkeypatch.setattr(
        applications, "APPLICATIONS", dataclasses.replace(applications.APPLICATIONS, export_cap=1)
    )
    response = client_for(li_district_officer).get(URL, {"export": "xlsx"})
    rows = xlsx_rows(download(response))

    assert len(rows) == 3  # the header, one application, the note
    assert "stops here at 1 rows" in rows[2][0]
    assert AuditEvent.objects.get(action="application.export").details["truncated"] is True
