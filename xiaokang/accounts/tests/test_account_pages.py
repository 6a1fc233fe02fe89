"""Account management is the security administrator's alone (三权分立), and every change is audited."""

import pytest
from django.test import Client

from xiaokang.accounts.models import LoginFailure, User
from xiaokang.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "Pass-word-123"


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ["district_admin", "district_officer", "auditor"])
def test_other_roles_may_not_manage_accounts(role):
    user = User.objects.create_user(f"u_{role}", password=PASSWORD, role=role)
    client = _client(user)
    assert client.get("/staff/accounts/").status_code == 403
    assert (
        client.post(
            "/staff/accounts/new/", {"username": "x", "role": "auditor", "password": PASSWORD}
        ).status_code
        == 403
    )
    assert not User.objects.filter(username="x").exists()


def test_security_admin_creates_edits_unlocks_and_each_is_audited(security_zhou, wang_street_a):
    # The role of a new account and a role change are proposals until a district administrator approves
    # them (三权分立, GB/T 22239-2019 8.1.4.2): tests/test_role_grants.py.
    client = _client(security_zhou)
    assert client.get("/staff/accounts/").status_code == 200
    response = client.post(
        "/staff/accounts/new/",
        {
            "username": "newbie",
            "role": "street_officer",
            "area_code": "110108002",
            "password": "Strong-pass-42",
            "reason": "new street officer of 万寿路",
        },
    )
    assert response.status_code == 302
    newbie = User.objects.get(username="newbie")
    assert (newbie.role, newbie.area, newbie.must_change_password) == ("", None, True)
    grant = newbie.role_grants.get()
    assert (grant.to_role, grant.to_area.code, grant.status) == ("street_officer", "110108002000", "pending")
    response = client.post(
        f"/staff/accounts/{wang_street_a.pk}/",
        {"role": "auditor", "area_code": "", "is_active": "on", "reason": "moves to the audit office"},
    )
    assert response.status_code == 302
    wang_street_a.refresh_from_db()
    assert wang_street_a.role == "street_officer"  # proposed, not applied
    assert wang_street_a.role_grants.get().to_role == "auditor"
    LoginFailure.objects.create(username="street_a", at="2026-01-01T00:00:00Z")
    assert client.post(f"/staff/accounts/{wang_street_a.pk}/unlock/").status_code == 302
    assert not LoginFailure.objects.exists()
    actions = list(
        AuditEvent.objects.filter(actor_label="security").values_list("action", flat=True).order_by("id")
    )
    assert actions == ["account.create", "grant.propose", "grant.propose", "account.unlock"]


def test_errors_are_shown_and_nothing_is_created(security_zhou):
    client = _client(security_zhou)
    response = client.post(
        "/staff/accounts/new/", {"username": "weak", "role": "district_officer", "password": "short"}
    )
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert not User.objects.filter(username="weak").exists()


def test_security_admin_cannot_change_own_role(security_zhou):
    response = _client(security_zhou).post(
        f"/staff/accounts/{security_zhou.pk}/", {"role": "auditor", "is_active": "on"}
    )
    assert response.status_code == 200
    security_zhou.refresh_from_db()
    assert security_zhou.role == "security_admin"
