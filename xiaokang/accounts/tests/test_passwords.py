"""Passwords (GB/T 22239-2019 8.1.4.1 identification and authentication): a password someone else set is
changed at the first sign-in, before any other page or API token; every account changes its own
password (current one, new one twice, the policy of accounts.passwords), audited."""

import json

import pytest
from django.test import Client

from xiaokang.accounts.models import ApiToken, User
from xiaokang.accounts.services import api_token_issue
from xiaokang.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "Pass-word-123"
SET_BY_ADMIN = "Given-pass-456"
NEW = "Own-choice-987"


def _sign_in(username, password):
    client = Client()
    response = client.post("/login/", {"username": username, "password": password})
    assert response.status_code == 302
    return client


def _token(username, password):
    return Client().post(
        "/api/v1/auth/token",
        json.dumps({"username": username, "password": password}),
        content_type="application/json",
    )


def _change(client, current, new, again=None):
    return client.post(
        "/staff/password/",
        {"current_password": current, "new_password": new, "new_password_again": again or new},
    )


def test_a_password_set_by_the_security_admin_must_be_changed_first(security_zhou, wang_street_a):
    old_token = api_token_issue(user=wang_street_a)
    admin = Client()
    admin.force_login(security_zhou)
    response = admin.post(
        f"/staff/accounts/{wang_street_a.pk}/",
        {"role": "street_officer", "area_code": "110108001", "is_active": "on", "password": SET_BY_ADMIN},
    )
    assert response.status_code == 302
    wang_street_a.refresh_from_db()
    assert wang_street_a.must_change_password and wang_street_a.role == "street_officer"
    assert not ApiToken.objects.filter(user=wang_street_a).exists()  # its tokens end with the old password
    assert Client().get("/api/v1/persons", HTTP_AUTHORIZATION=f"Bearer {old_token}").status_code == 401
    client = _sign_in("street_a", SET_BY_ADMIN)
    # Every page leads to the change-password page until the user has chosen their own.
    for url in ("/staff/", "/staff/persons/", "/staff/applications/"):
        response = client.get(url)
        assert (response.status_code, response.url) == (302, "/staff/password/"), url
    page = client.get("/staff/password/")
    assert page.status_code == 200 and "您的密码是由他人设置的" in page.content.decode()
    # The API refuses a token, with a message that says why.
    refused = _token("street_a", SET_BY_ADMIN)
    assert refused.status_code == 403
    assert "change your password first" in refused.json()["detail"]
    # The user chooses their own: then the pages and a token work.
    assert _change(client, SET_BY_ADMIN, NEW).status_code == 302
    wang_street_a.refresh_from_db()
    assert not wang_street_a.must_change_password
    assert client.get("/staff/").status_code == 200
    assert _token("street_a", NEW).status_code == 200
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "account.password_set" in actions and "account.password_change" in actions
    assert SET_BY_ADMIN not in json.dumps(list(AuditEvent.objects.values_list("details", flat=True)))


def test_a_token_issued_before_the_flag_is_refused(wang_street_a):
    token = api_token_issue(user=wang_street_a)
    User.objects.filter(pk=wang_street_a.pk).update(must_change_password=True)
    response = Client().get("/api/v1/persons", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403
    assert "change your password first" in response.json()["detail"]


def test_own_password_change_works_is_audited_and_ends_other_sessions(wang_street_a):
    here = _sign_in("street_a", "Pass-word-123")
    elsewhere = _sign_in("street_a", "Pass-word-123")
    assert _change(here, "Pass-word-123", NEW).status_code == 302
    wang_street_a.refresh_from_db()
    assert wang_street_a.check_password(NEW)
    assert here.get("/staff/").status_code == 200  # this session stays signed in
    assert elsewhere.get("/staff/").status_code == 302  # the other one is signed out
    event = AuditEvent.objects.get(action="account.password_change")
    assert event.actor_label == "street_a"


@pytest.mark.parametrize(
    ("current", "new", "again", "message"),
    [
        ("wrong-Pass-1", NEW, NEW, "current password is wrong"),
        ("Pass-word-123", NEW, NEW + "x", "differ"),
        ("Pass-word-123", "short", "short", "too short"),
        ("Pass-word-123", "alllowercaseletters", "alllowercaseletters", "three of"),
        ("Pass-word-123", "Pass-word-123", "Pass-word-123", "differ from the current"),
    ],
)
def test_a_bad_change_is_refused_and_changes_nothing(wang_street_a, current, new, again, message):
    client = Client()
    client.force_login(wang_street_a)
    client.cookies["django_language"] = "en"
    response = client.post(
        "/staff/password/",
        {"current_password": current, "new_password": new, "new_password_again": again},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    wang_street_a.refresh_from_db()
    assert wang_street_a.check_password("Pass-word-123")


def test_a_wrong_current_password_is_audited(wang_street_a):
    client = Client()
    client.force_login(wang_street_a)
    _change(client, "wrong-Pass-1", NEW)
    assert AuditEvent.objects.filter(action="account.password_change_refused").count() == 1


def test_guessing_the_current_password_counts_towards_the_lockout(wang_street_a):
    """The attack: a session left open guesses the current password on the change-password page, which
    counted no failure. Now five wrong ones lock the user name, as five failed sign-ins do, and even the
    right password is then refused here and at sign-in."""
    client = Client()
    client.force_login(wang_street_a)
    for n in range(5):
        _change(client, f"wrong-Pass-{n}", NEW)
    _change(client, PASSWORD, NEW)
    wang_street_a.refresh_from_db()
    assert wang_street_a.check_password(PASSWORD)  # not changed: locked
    assert Client().post("/login/", {"username": "street_a", "password": PASSWORD}).status_code == 200
