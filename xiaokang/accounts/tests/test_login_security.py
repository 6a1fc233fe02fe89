"""Login security (GB/T 22239-2019 8.1.4.1): lockout by username whatever the client address, audit of every
login, session rotation and idle expiry."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from xiaokang.accounts.models import LoginFailure
from xiaokang.accounts.services import api_token_issue, api_token_user
from xiaokang.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "Pass-word-123"


def _login(username, password, address="10.0.0.1"):
    client = Client(REMOTE_ADDR=address)
    return client, client.post("/login/", {"username": username, "password": password})


def test_five_failures_lock_the_username_for_15_minutes_whatever_the_address(wang_street_a):
    for n in range(5):
        _login("street_a", "wrong", address=f"10.0.0.{n}")  # five different client addresses
    _client, response = _login("street_a", PASSWORD, address="10.9.9.9")
    assert response.status_code == 200  # the form again, not a redirect
    assert "15" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
    LoginFailure.objects.update(at=timezone.now() - dt.timedelta(minutes=16))
    _client, response = _login("street_a", PASSWORD)
    assert response.status_code == 302
    assert not LoginFailure.objects.filter(username="street_a").exists()  # a success clears the count


def test_four_failures_do_not_lock(wang_street_a):
    for _ in range(4):
        _login("street_a", "wrong")
    _client, response = _login("street_a", PASSWORD)
    assert response.status_code == 302


def test_logins_are_audited(wang_street_a):
    _login("street_a", "wrong", address="10.1.1.1")
    _login("street_a", PASSWORD, address="10.1.1.2")
    events = list(AuditEvent.objects.order_by("id").values_list("action", "object_id", "client"))
    assert events == [
        ("login.failure", "street_a", "10.1.1.1"),
        ("login.success", str(wang_street_a.pk), "10.1.1.2"),
    ]


def test_the_session_id_changes_at_login_and_cookies_are_httponly(wang_street_a):
    client = Client()
    client.get("/login/")
    client.cookies["sessionid"] = "attacker-chosen"
    response = client.post("/login/", {"username": "street_a", "password": PASSWORD})
    assert response.cookies["sessionid"].value != "attacker-chosen"
    assert response.cookies["sessionid"]["httponly"]
    assert response.cookies["sessionid"]["samesite"] == "Lax"


def test_sessions_expire_after_30_idle_minutes(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST  # idle, not absolute: every request restarts the 30 minutes


def test_api_tokens_are_stored_hashed_and_expire(wang_street_a):
    token = api_token_issue(user=wang_street_a)
    assert api_token_user(token) == wang_street_a
    stored = wang_street_a.api_tokens.get()
    assert token not in stored.key_hash
    stored.expires_at = timezone.now() - dt.timedelta(seconds=1)
    stored.save()
    assert api_token_user(token) is None
    assert api_token_user("made-up") is None


def test_a_session_idle_for_30_minutes_is_over(wang_street_a):
    from django.contrib.sessions.models import Session

    client = Client()
    assert client.post("/login/", {"username": "street_a", "password": PASSWORD}).status_code == 302
    assert client.get("/staff/").status_code == 200
    session = Session.objects.get()
    assert session.expire_date - timezone.now() > dt.timedelta(minutes=29)  # each request restarts the 30 min
    session.expire_date = timezone.now() - dt.timedelta(seconds=1)  # 30 idle minutes have passed
    session.save()
    response = client.get("/staff/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
