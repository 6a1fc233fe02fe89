"""The audit list as a list people work with (U11; GB/T 22239-2019 8.1.4.3): the object in words with a
link to its own events, filters by object type and number, and the export of the filtered events to xlsx
(the auditor only, itself recorded)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.listing import download, xlsx_rows
from xiaokang.audit import services
from xiaokang.audit.actions import object_page
from xiaokang.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
URL = "/staff/audit/"


@pytest.fixture
def trail(li_district_officer):
    services.log_action(
        li_district_officer, "declaration.approve", object_type="declaration", object_id="154"
    )
    services.log_action(li_district_officer, "person.view", object_type="person", object_id="7", person_id=7)
    services.log_action(li_district_officer, "person.view", object_type="person", object_id="8", person_id=8)


def client_for(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def test_the_action_and_object_are_in_words_with_a_link_to_the_objects_events(trail, auditor_qian):
    page = client_for(auditor_qian).get(URL).content.decode()
    table = page.split("<tbody>")[1].split("</tbody>")[0]

    assert "Declaration approved" in table and "declaration.approve" not in table
    assert "Declaration 154" in table
    assert f"{URL}?object_type=declaration&amp;object_id=154" in table


def test_the_object_filter_narrows_to_one_objects_events(trail, auditor_qian):
    page = client_for(auditor_qian).get(URL, {"object_type": "person", "object_id": "7"}).content.decode()
    table = page.split("<tbody>")[1].split("</tbody>")[0]

    assert "Person 7" in table and "Person 8" not in table and "Declaration" not in table


def test_a_page_link_is_offered_only_to_a_viewer_who_may_open_the_object(li_district_officer, auditor_qian):
    assert object_page(li_district_officer, "person", "7") == "/staff/persons/7/"
    assert object_page(auditor_qian, "person", "7") is None  # 三权分立: the auditor reads no person
    assert object_page(li_district_officer, "person", "7; drop") is None
    assert object_page(li_district_officer, "evaluation_run", "3") is None  # no page for it


def test_the_export_holds_the_filtered_events_in_words_and_is_recorded(trail, auditor_qian):
    response = client_for(auditor_qian).get(URL, {"object_type": "person", "export": "xlsx"})
    rows = xlsx_rows(download(response))

    assert rows[0][:5] == ("Event", "Time", "User", "Action", "Action code")
    assert [(row[3], row[6]) for row in rows[1:]] == [("Person viewed", "8"), ("Person viewed", "7")]
    event = AuditEvent.objects.get(action="audit.export")
    assert event.actor_id == auditor_qian.pk
    assert event.details["rows"] == 2 and event.details["filters"] == {"object_type": "person"}


@pytest.mark.parametrize("role", ["district_admin", "district_officer", "security_admin"])
def test_nobody_but_the_auditor_exports_the_trail(trail, staff_by_role, role):
    response = client_for(staff_by_role[role]).get(URL, {"export": "xlsx"})

    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="audit.export").exists()
