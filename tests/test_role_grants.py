"""Separation of powers (三权分立, GB/T 22239-2019 8.1.4.2 access control; PIPL art. 51): the security
administrator only proposes roles; a district administrator who is neither the account concerned nor the
proposer approves them. Until then the account reads no person."""

import re

import pytest
from django.test import Client

from tests.helpers import person_row, totp_code, write_csv
from xiaokang.accounts.actors import scope_of
from xiaokang.accounts.models import RoleGrant, User
from xiaokang.accounts.services import AccountError, grant_approve, grant_reject, user_update
from xiaokang.audit.models import AuditEvent
from xiaokang.registry.models import Person
from xiaokang.registry.services import persons_import

pytestmark = pytest.mark.django_db
PASSWORD = "Pass-word-123"
NEW_PASSWORD = "Own-choice-987"


@pytest.fixture
def staff(db):
    make = User.objects.create_user
    return {
        "sec": make("sec", password=PASSWORD, role="security_admin"),
        "admin": make("admin", password=PASSWORD, role="district_admin"),
        "admin2": make("admin2", password=PASSWORD, role="district_admin"),
        "auditor": make("auditor", password=PASSWORD, role="auditor"),
        "officer": make("officer", password=PASSWORD, role="district_officer"),
    }


@pytest.fixture
def person(tmp_path, system_actor):
    persons_import(actor=system_actor, path=write_csv(tmp_path / "p.csv", [person_row(1)]))
    return Person.objects.unscoped(reason="test").get()


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _sign_in(username, password):
    client = Client()
    response = client.post("/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def _reads_person(client, person) -> bool:
    response = client.get(f"/staff/persons/{person.pk}/", follow=True)
    return response.status_code == 200 and person.name in response.content.decode()


def test_security_admin_creating_a_district_admin_reads_nobody_until_approved(staff, person):
    """The attack: the security administrator creates a district administrator with a password of their
    choice and signs in with it to read persons."""
    sec = _client(staff["sec"])
    response = sec.post(
        "/staff/accounts/new/",
        {"username": "mole", "role": "district_admin", "password": PASSWORD, "reason": "new head"},
    )
    assert response.status_code == 302
    mole = User.objects.get(username="mole")
    assert mole.role == "" and scope_of(mole).kind == "none"
    client = _sign_in("mole", PASSWORD)
    # Forced to choose a new password first; even then the account has no role that reads persons.
    assert client.get(f"/staff/persons/{person.pk}/").url == "/staff/password/"
    client.post(
        "/staff/password/",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
    )
    assert not _reads_person(client, person)
    assert client.get("/staff/persons/").status_code == 403
    # A district administrator approves: the role applies, and the approver is shown the enrolment code
    # of its second factor (split knowledge, GB/T 22239-2019 8.1.4.1 d): the role requires one.
    grant = mole.role_grants.get()
    response = _client(staff["admin"]).post(f"/staff/grants/{grant.pk}/approve/", {"note": "ok"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    code = re.search(r'<code id="enrolment-code">([A-Z0-9-]+)</code>', response.content.decode()).group(1)
    mole.refresh_from_db()
    assert mole.role == "district_admin"
    # The session the security administrator opened with the password alone does not carry the new role.
    assert not _reads_person(client, person)
    assert not client.get("/staff/").wsgi_request.user.is_authenticated
    # Signing in again needs the enrolment code, which only the district administrator holds.
    again = _sign_in("mole", NEW_PASSWORD)
    assert again.get("/staff/persons/").status_code in (302, 404)
    assert 'name="enrolment_code"' in again.get("/login/two-factor/").content.decode()
    assert not _reads_person(again, person)
    # With it (handed to the real user in person), the account enrols and now (only now) reads persons.
    assert again.post("/login/two-factor/", {"enrolment_code": code}).status_code == 302
    secret = re.search(
        r'<code id="totp-secret">([A-Z2-7 ]+)</code>', again.get("/login/two-factor/").content.decode()
    )
    again.post("/login/two-factor/", {"code": totp_code(secret.group(1).replace(" ", ""))})
    assert _reads_person(again, person)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "account.create",
        "grant.propose",
        "grant.approve",
        "account.password_change",
        "2fa.enrolment_code_issued",
        "2fa.enrolled",
    } <= actions


def test_security_admin_turning_the_auditor_into_a_district_admin_needs_approval(staff, person):
    sec = _client(staff["sec"])
    auditor = staff["auditor"]
    response = sec.post(
        f"/staff/accounts/{auditor.pk}/",
        {"role": "district_admin", "area_code": "", "is_active": "on", "reason": "help out"},
    )
    assert response.status_code == 302
    auditor.refresh_from_db()
    assert auditor.role == "auditor"
    assert not _reads_person(_client(auditor), person)
    # The security administrator cannot approve their own proposal, nor can the API (403 for its role).
    grant = auditor.role_grants.get()
    assert sec.post(f"/staff/grants/{grant.pk}/approve/").status_code == 403
    with pytest.raises(AccountError, match="district administrator"):
        grant_approve(actor=staff["sec"], grant=grant)
    auditor.refresh_from_db()
    assert auditor.role == "auditor" and not _reads_person(_client(auditor), person)
    # Rejected by a district administrator: it stays an auditor.
    grant_reject(actor=staff["admin"], grant=grant, note="no")
    auditor.refresh_from_db()
    assert auditor.role == "auditor"
    assert RoleGrant.objects.get().status == "rejected"


def test_auditor_and_security_admin_roles_also_take_two_people(staff):
    """A security administrator cannot make an account an auditor (or a second security administrator)
    and back on their own."""
    grant = user_update(
        actor=staff["sec"], user=staff["officer"], role="auditor", area_code=None, is_active=True, reason="x"
    )
    staff["officer"].refresh_from_db()
    assert staff["officer"].role == "district_officer" and grant.status == "pending"
    grant_approve(actor=staff["admin"], grant=grant)
    staff["officer"].refresh_from_db()
    assert staff["officer"].role == "auditor"


def test_nobody_changes_or_decides_their_own_role(staff):
    sec, admin = staff["sec"], staff["admin"]
    # The security administrator on their own account: refused, audited, nothing proposed.
    response = _client(sec).post(
        f"/staff/accounts/{sec.pk}/",
        {"role": "district_admin", "area_code": "", "is_active": "on", "reason": "me"},
    )
    assert response.status_code == 200
    assert "cannot change your own role" in response.content.decode()
    sec.refresh_from_db()
    assert sec.role == "security_admin" and not RoleGrant.objects.exists()
    refused = AuditEvent.objects.get(action="grant.refused")
    assert (refused.actor_label, refused.details["why"]) == ("sec", "self")
    # A district administrator's own grant (even a step down) is decided by another one, never by them.
    grant = user_update(
        actor=sec, user=admin, role="district_officer", area_code=None, is_active=True, reason="rotation"
    )
    response = _client(admin).post(f"/staff/grants/{grant.pk}/approve/", follow=True)
    assert "cannot decide a change of your own role" in response.content.decode()
    with pytest.raises(AccountError, match="own role"):
        grant_reject(actor=admin, grant=grant)
    admin.refresh_from_db()
    assert admin.role == "district_admin"
    assert AuditEvent.objects.filter(action="grant.refused", actor_label="admin").count() == 2
    grant_approve(actor=staff["admin2"], grant=grant)
    admin.refresh_from_db()
    assert admin.role == "district_officer"


def test_a_district_admin_grant_for_b_is_not_approvable_by_b(staff):
    """B is proposed for district administrator: B cannot approve it, neither as the officer B is nor as
    a district administrator B might already be."""
    b = staff["officer"]
    grant = user_update(
        actor=staff["sec"], user=b, role="district_admin", area_code=None, is_active=True, reason="promote"
    )
    # B is not a district administrator yet: refused.
    with pytest.raises(AccountError):
        grant_approve(actor=b, grant=grant)
    # Even a B that is a district administrator (reached another way) may not approve their own grant.
    User.objects.filter(pk=b.pk).update(role="district_admin")
    b.refresh_from_db()
    with pytest.raises(AccountError, match="own role"):
        grant_approve(actor=b, grant=grant)
    assert RoleGrant.objects.get().status == "pending"
    User.objects.filter(pk=b.pk).update(role="district_officer")
    grant_approve(actor=staff["admin"], grant=grant)
    assert RoleGrant.objects.get().status == "approved"


def test_a_stale_or_decided_grant_is_not_applied(staff):
    officer = staff["officer"]
    grant = user_update(
        actor=staff["sec"], user=officer, role="district_admin", area_code=None, is_active=True, reason="r"
    )
    with pytest.raises(AccountError, match="pending"):
        user_update(
            actor=staff["sec"], user=officer, role="auditor", area_code=None, is_active=True, reason="r"
        )
    grant_reject(actor=staff["admin"], grant=grant)
    with pytest.raises(AccountError, match="already decided"):
        grant_approve(actor=staff["admin2"], grant=grant)
    officer.refresh_from_db()
    assert officer.role == "district_officer"


def test_a_role_change_needs_a_reason(staff):
    response = _client(staff["sec"]).post(
        f"/staff/accounts/{staff['officer'].pk}/", {"role": "auditor", "area_code": "", "is_active": "on"}
    )
    assert response.status_code == 200
    assert "reason" in response.content.decode()
    assert not RoleGrant.objects.exists()


def test_grant_lists(staff):
    user_update(
        actor=staff["sec"], user=staff["officer"], role="auditor", area_code=None, is_active=True, reason="r"
    )
    page = _client(staff["admin"]).get("/staff/grants/").content.decode()
    assert "officer" in page and "/approve/" in page
    audit_page = _client(staff["auditor"]).get("/staff/audit/grants/").content.decode()
    assert "officer" in audit_page and "/approve/" not in audit_page
    assert _client(staff["sec"]).get("/staff/grants/").status_code == 403
    assert _client(staff["officer"]).get("/staff/audit/grants/").status_code == 403


def test_a_new_account_waiting_for_its_role_can_be_deactivated(staff):
    sec = _client(staff["sec"])
    sec.post(
        "/staff/accounts/new/",
        {
            "username": "temp",
            "role": "street_officer",
            "area_code": "110108001",
            "password": PASSWORD,
            "reason": "r",
        },
    )
    temp = User.objects.get(username="temp")
    page = sec.get(f"/staff/accounts/{temp.pk}/").content.decode()
    assert 'value="street_officer" selected' in page and "110108001000" in page
    response = sec.post(f"/staff/accounts/{temp.pk}/", {"role": "street_officer", "area_code": "110108001"})
    assert response.status_code == 302
    temp.refresh_from_db()
    assert not temp.is_active and temp.role == ""
    assert RoleGrant.objects.get(user=temp).status == "pending"


def test_an_approved_role_change_ends_the_sessions_opened_under_the_old_role(staff, person):
    """A session must never carry rights it was not signed in with (8.1.4.2). The attack: a session opened
    while the account had no role (or a narrower one) is kept until a role is approved, then reads with
    the new role. Here for a role that needs no second factor, so no enrolment step would stop it."""
    from xiaokang.core.models import Area

    pending = User.objects.create_user("newcomer", password=PASSWORD, role="")
    kept = _client(pending)
    assert not _reads_person(kept, person)
    grant = user_update(
        actor=staff["sec"],
        user=pending,
        role="street_officer",
        area_code=Area.objects.get(pk=person.street_id).code,
        is_active=True,
        reason="new colleague",
    )
    grant_approve(actor=staff["admin"], grant=grant)
    assert not _reads_person(kept, person)  # the old session ended with the change
    assert _reads_person(_client(User.objects.get(pk=pending.pk)), person)  # a new sign-in reads
