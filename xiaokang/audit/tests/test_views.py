"""The audit page (U11; GB/T 22239-2019 8.1.4.3, 8.1.4.2): for auditors only (三权分立), filters by user,
action, person and date (days in Asia/Shanghai), newest first with keyset pagination, its own reading audited,
and the button that verifies the hash chain and names the first broken event."""

from __future__ import annotations

import datetime as dt
import re
import types
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.urls import reverse

from xiaokang.audit import services, triggers
from xiaokang.audit.models import AuditEvent
from xiaokang.audit.selectors import AuditFilters, audit_chain_verify, audit_events

pytestmark = pytest.mark.django_db
PASSWORD = "Pass-word-123"
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
ROLES = [
    "district_admin",
    "district_officer",
    "street_officer",
    "community_worker",
    "auditor",
    "security_admin",
]


class Job:
    """A system job as an actor (the audit layer knows actors only by ``pk`` and ``username``)."""

    pk = None

    def __init__(self, name: str):
        self.username = f"system:{name}"


@pytest.fixture
def users(staff_by_role):
    """The named actors of tests/actors.py, one per role."""
    return staff_by_role


def client_for(user) -> Client:
    # In English: the assertions name the msgids, which hold whatever the Chinese catalogue says.
    client = Client(headers={"accept-language": "en"})
    if user is not None:
        client.force_login(user)
    return client


def at(moment: dt.datetime):
    """Events written now carry ``moment`` as their time."""
    return types.SimpleNamespace(now=lambda: moment)


def shown_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<th scope="row" class="num">(\d+)</th>', page)]


def get(client: Client, **params) -> str:
    response = client.get(reverse("audit-list"), params)
    assert response.status_code == 200
    return response.content.decode()


# ---------------------------------------------------------------------------------------------------
# Who may see it


@pytest.mark.parametrize(("name", "method"), [("audit-list", "get"), ("audit-verify", "post")])
def test_anonymous_visitors_are_sent_to_the_login_page(db, name, method):
    url = reverse(name)
    response = getattr(Client(), method)(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method"), [("audit-list", "get"), ("audit-verify", "post")])
def test_only_the_auditor_may_read_the_trail(users, role, name, method):
    user = users[role]
    services.log_action(Job("tests"), "person.view", object_type="person", object_id="7", person_id=7)

    response = getattr(client_for(user), method)(reverse(name))

    if role == "auditor":
        assert response.status_code == (200 if method == "get" else 302)
        assert not AuditEvent.objects.filter(action="access.denied").exists()
    else:
        # 三权分立: not even the district administrator or the security administrator.
        assert response.status_code == 403
        assert "person.view" not in response.content.decode()
        denied = AuditEvent.objects.get(action="access.denied")
        assert (denied.actor_id, denied.object_type, denied.object_id) == (user.pk, "page", name)
        assert denied.client == "127.0.0.1"  # the test client's address, recorded by audit.middleware
        assert not AuditEvent.objects.filter(action__in=["audit.view", "audit.verify"]).exists()


@pytest.mark.parametrize("role", ["district_admin", "security_admin", "district_officer"])
def test_the_selectors_refuse_anyone_but_an_auditor(users, role):
    with pytest.raises(PermissionDenied):
        audit_events(users[role], AuditFilters())
    with pytest.raises(PermissionDenied):
        audit_chain_verify(users[role])
    with pytest.raises(PermissionDenied):
        audit_events(Job("cli"), AuditFilters())  # not even a system job


def test_the_menu_offers_the_audit_trail_to_the_auditor_only(users):
    url = reverse("audit-list")
    for role in ROLES:
        page = client_for(users[role]).get(reverse("staff-home")).content.decode()
        assert (f'href="{url}"' in page) == (role == "auditor"), role


# ---------------------------------------------------------------------------------------------------
# What it shows


def test_events_newest_first_with_readable_masked_details(users):
    with services.recorded_client("10.0.0.9"):
        services.log_action(users["district_officer"], "login.success", object_type="user", object_id="2")
    services.log_action(
        users["district_officer"],
        "person.update",
        object_type="person",
        object_id="7",
        person_id=7,
        details={
            "source": "form",
            "changes": {"name": ["甲", "乙"], "phone": ["13800000000", "13900000000"]},
        },
    )

    page = get(client_for(users["auditor"]))

    first, second = AuditEvent.objects.order_by("id")[:2]
    assert shown_ids(page) == [second.pk, first.pk]  # the page's own audit.view is written after reading
    # Actions in words, never a bare code (audit/actions.py).
    assert "<td>Person changed</td>" in page and "<td>Signed in</td>" in page
    table = page.split("<tbody>")[1].split("</tbody>")[0]
    assert "person.update" not in table and "login.success" not in table
    # The object in words, with a link to its own events (the auditor opens no person page: 三权分立).
    assert "Person 7" in table and "/staff/persons/7/" not in table
    assert "object_type=person&amp;object_id=7" in table
    assert '<span class="detail-name">changes.name</span>: 甲 → 乙' in page
    assert '<span class="detail-name">changes.phone</span>: *** → ***' in page
    assert "13800000000" not in page
    assert "10.0.0.9" in page
    assert page.count("<h1>") == 1 and "<caption" in page


def test_viewing_the_page_is_itself_audited(users):
    auditor = users["auditor"]

    get(client_for(auditor), user="district", action="")

    view = AuditEvent.objects.get(action="audit.view")
    assert view.actor_id == auditor.pk and view.client == "127.0.0.1"
    assert view.details == {"filters": {"user": "district"}, "before": None, "shown": 0}
    # The next reading shows the first one.
    assert view.pk in shown_ids(get(client_for(auditor)))


@pytest.fixture
def trail(users):
    """Events of two users, several actions and persons, on both sides of midnight in Shanghai."""
    late = dt.datetime(2024, 6, 15, 23, 30, tzinfo=SHANGHAI)  # 15:30 UTC, June 15
    early = dt.datetime(2024, 6, 16, 0, 30, tzinfo=SHANGHAI)  # 16:30 UTC, still June 15 in UTC
    officer, street_a = users["district_officer"], users["street_officer"]
    original = services.timezone
    try:
        services.timezone = at(late)
        services.log_action(officer, "person.view", object_type="person", object_id="7", person_id=7)
        services.log_action(street_a, "registry.export", object_type="file", details={"rows": 3})
        services.timezone = at(early)
        services.log_action(street_a, "person.view", object_type="person", object_id="8", person_id=8)
        services.log_action(officer, "login.success", object_type="user", object_id=str(officer.pk))
    finally:
        services.timezone = original
    return list(AuditEvent.objects.order_by("id"))


def test_filters_by_user_action_person_and_date(users, trail):
    client = client_for(users["auditor"])
    view_7, export, view_8, login = (e.pk for e in trail)

    assert shown_ids(get(client, user="street")) == [view_8, export]  # part of the user name
    assert shown_ids(get(client, user="STREET_A")) == [view_8, export]  # in any case
    assert shown_ids(get(client, action="person.view")) == [view_8, view_7]
    assert shown_ids(get(client, person="7")) == [view_7]
    # Days are Shanghai days: 00:30 on June 16 in Shanghai is June 15 in UTC.
    assert shown_ids(get(client, date_from="2024-06-16", date_to="2024-06-16")) == [login, view_8]
    assert shown_ids(get(client, date_to="2024-06-15")) == [export, view_7]
    assert shown_ids(get(client, user="district", action="person.view", date_to="2024-06-15")) == [view_7]


def test_the_action_filter_offers_the_actions_present(users, trail):
    page = get(client_for(users["auditor"]))

    options = re.findall(r'<option value="([^"]*)"', page.split('id="id_action"')[1].split("</select>")[0])
    # Sorted by their labels: "Person viewed", "Persons exported", "Signed in".
    assert options == ["", "person.view", "registry.export", "login.success"]


def test_wrong_filters_are_explained_and_nothing_is_read(users, trail):
    page = get(client_for(users["auditor"]), person="seven", date_from="2024-06-16", date_to="2024-06-15")

    assert "<title>Error: Audit trail" in page
    assert 'role="alert"' in page
    assert 'href="#id_person"' in page and 'href="#id_date_to"' in page
    assert "The end date is before the start date." in page
    assert shown_ids(page) == []
    assert not AuditEvent.objects.filter(action="audit.view").exists()


def test_keyset_pagination_newest_first(users):
    for n in range(60):
        services.log_action(Job("tests"), "person.view", object_type="person", object_id=str(n), person_id=n)
    client = client_for(users["auditor"])
    ids = list(AuditEvent.objects.order_by("-id").values_list("id", flat=True))

    first = get(client, action="person.view")

    assert shown_ids(first) == ids[:50]
    older = re.search(r'<a href="([^"]+)">Older events</a>', first).group(1).replace("&amp;", "&")
    assert f"before={ids[49]}" in older and "action=person.view" in older
    second = client.get(older).content.decode()
    assert shown_ids(second) == ids[50:]
    assert "Older events" not in second
    assert re.search(r'<a href="/staff/audit/\?action=person.view">Newest events</a>', second)


# ---------------------------------------------------------------------------------------------------
# Verifying the chain


def test_the_verify_button_reports_an_intact_chain(users, trail):
    response = client_for(users["auditor"]).post(reverse("audit-verify"), follow=True)

    page = response.content.decode()
    assert "The audit chain is intact: 4 events verified." in page
    check = AuditEvent.objects.get(action="audit.verify")
    assert check.actor_id == users["auditor"].pk and check.details["intact"] is True


def test_the_verify_button_reports_a_tampered_chain_at_the_altered_event(users, trail):
    altered = trail[1]
    triggers.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET details = %s WHERE id = %s", ['{"rows": 3000}', altered.pk]
        )

    response = client_for(users["auditor"]).post(reverse("audit-verify"), follow=True)

    page = response.content.decode()
    assert f"The audit chain is BROKEN at event {altered.pk}" in page
    assert "the event was altered" in page and "The 1 event before it is intact." in page
    check = AuditEvent.objects.get(action="audit.verify")
    assert check.details == {"checked": 1, "intact": False, "broken_at": altered.pk}


def test_the_verify_button_reports_a_removed_event(users, trail):
    removed, following = trail[1], trail[2]
    triggers.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [removed.pk])

    page = client_for(users["auditor"]).post(reverse("audit-verify"), follow=True).content.decode()

    assert f"BROKEN at event {following.pk}" in page and "an event was removed or reordered" in page
    assert f"Event numbers missing from the audit trail: {removed.pk} (deleted events" in page


def test_verifying_needs_a_post(users):
    assert client_for(users["auditor"]).get(reverse("audit-verify")).status_code == 405
