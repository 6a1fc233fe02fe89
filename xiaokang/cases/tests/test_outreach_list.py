"""The outreach list as a list people work with (P3, U11; core.listing): tasks whose person has since
applied or been enrolled are dropped (in the selector), the phone number is shown in full only to those
who call (``person.contact``: street officers and community workers), filters by street, community and
policy narrow the actor's area and never widen it, and the export holds the filtered, masked rows."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.helpers import STREET_A, STREET_B
from tests.listing import client_for, download, xlsx_rows
from xiaokang.audit.models import AuditEvent
from xiaokang.cases.models import OutreachTask
from xiaokang.cases.outreach import OutreachFilters, open_tasks_for, outreach_create, outreach_worklist
from xiaokang.cases.tests.test_views_work import enrolled
from xiaokang.cases.tests.workflow import submit
from xiaokang.core import crypto
from xiaokang.policies import evaluation
from xiaokang.registry.models import Person

pytestmark = pytest.mark.django_db

URL = "/staff/work/outreach/"
PHONE = "13812345678"


@pytest.fixture
def tasks(people, system_actor):
    """The tasks of a run: 测试1 living and care subsidies (street A), 测试2 both (street B), 测试3 the care
    subsidy (street A). 测试1 has a phone number."""
    Person.objects.unscoped(reason="test").filter(pk=people["a"].pk).update(
        phone_encrypted=crypto.encrypt(PHONE), phone_masked=crypto.mask_phone(PHONE)
    )
    run = evaluation.evaluate_registry(dt.date.today(), actor=system_actor).run
    outreach_create(actor=system_actor, run=run)
    return {
        (task.person.name, task.policy_id): task
        for task in OutreachTask.objects.unscoped(reason="test").select_related("person")
    }


def names_and_policies(queryset) -> set[tuple[str, str]]:
    return {(task.person.name, task.policy_id) for task in queryset}


def test_a_task_whose_person_has_since_applied_is_dropped(tasks, people, system_actor, li_district_officer):
    submit(system_actor, people["a"], received_on=dt.date.today())

    left = names_and_policies(open_tasks_for(li_district_officer))

    assert ("测试1", "living_subsidy") not in left
    assert ("测试1", "care_subsidy") in left  # another policy: still to call about


def test_a_task_whose_person_has_since_been_enrolled_is_dropped(tasks, people, li_district_officer):
    enrolled(people["b"], policy="care_subsidy")

    left = names_and_policies(open_tasks_for(li_district_officer))

    assert ("测试2", "care_subsidy") not in left
    assert ("测试2", "living_subsidy") in left


def test_the_filters_narrow_by_street_community_and_policy(tasks, li_district_officer):
    by_street = names_and_policies(outreach_worklist(li_district_officer, OutreachFilters(street=STREET_B)))
    by_policy = names_and_policies(
        outreach_worklist(li_district_officer, OutreachFilters(policy="living_subsidy"))
    )

    assert by_street == {("测试2", "living_subsidy"), ("测试2", "care_subsidy")}
    assert by_policy == {("测试1", "living_subsidy"), ("测试2", "living_subsidy")}


def test_the_community_filter_on_the_page(tasks, li_district_officer):
    community = tasks[("测试1", "living_subsidy")].community
    page = client_for(li_district_officer).get(URL, {"community": community.code}).content.decode()

    assert "测试1" in page and "测试2" not in page


def test_another_street_in_the_address_never_widens_the_scope(tasks, sun_community_a, wang_street_a):
    # Attack: the filter is intersected with the scope; street B's code finds nothing of street B.
    assert not names_and_policies(outreach_worklist(wang_street_a, OutreachFilters(street=STREET_B)))
    page = client_for(sun_community_a).get(URL, {"street": STREET_B}).content.decode()
    export = client_for(wang_street_a).get(URL, {"street": STREET_B, "export": "xlsx"})

    assert "测试2" not in page
    assert all(row[0] != "测试2" for row in xlsx_rows(download(export)))


def test_the_phone_is_shown_to_those_who_call_and_masked_for_the_district(
    tasks, sun_community_a, li_district_officer
):
    worker = client_for(sun_community_a).get(URL).content.decode()
    district = client_for(li_district_officer).get(URL).content.decode()

    assert PHONE in worker
    assert PHONE not in district and crypto.mask_phone(PHONE) in district


def test_the_export_holds_the_filtered_rows_masked_by_role_and_is_audited(
    tasks, sun_community_a, li_district_officer
):
    worker = xlsx_rows(
        download(client_for(sun_community_a).get(URL, {"policy": "care_subsidy", "export": "xlsx"}))
    )
    district = xlsx_rows(
        download(client_for(li_district_officer).get(URL, {"street": STREET_A, "export": "xlsx"}))
    )

    assert worker[0][:3] == ("Person", "ID number", "Phone")
    assert {(row[0], row[5]) for row in worker[1:]} == {
        ("测试1", "重度残疾人护理补贴"),
        ("测试3", "重度残疾人护理补贴"),
    }
    assert PHONE in {row[2] for row in worker[1:]}
    assert all("*" in row[1] for row in worker[1:])  # ID numbers masked for a community worker
    assert PHONE not in {row[2] for row in district[1:]}
    assert {row[0] for row in district[1:]} == {"测试1", "测试3"}
    events = AuditEvent.objects.filter(action="outreach.export").order_by("id")
    assert [event.details["rows"] for event in events] == [2, 3]
    assert events[0].details["full_phones"] is True and events[1].details["full_phones"] is False
    assert events[1].details["filters"] == {"street": STREET_A}
