"""API authentication (GB/T 22239-2019 8.1.4.1; docs/api.md): a token for a username and password, with the
lockout and audit of the login page; a bearer token on every other endpoint."""

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from xiaokang.accounts.models import ApiToken, LoginFailure, User
from xiaokang.accounts.services import api_token_issue
from xiaokang.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "Pass-word-123"


def _token(username, password, address="10.0.0.1", **client_options):
    client = Client(REMOTE_ADDR=address, **client_options)
    return client.post(
        "/api/v1/auth/token",
        json.dumps({"username": username, "password": password}),
        content_type="application/json",
    )


def _persons(token=None, header=None):
    headers = {}
    if header is not None:
        headers["HTTP_AUTHORIZATION"] = header
    elif token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return Client().get("/api/v1/persons", **headers)


def test_a_good_password_gets_a_token_that_opens_the_api(wang_street_a):
    response = _token("street_a", PASSWORD, address="10.1.1.1")

    assert response.status_code == 200
    token = response.json()["token"]
    assert _persons(token).status_code == 200
    assert list(AuditEvent.objects.order_by("id").values_list("action", "client")) == [
        ("login.success", "10.1.1.1"),
        ("api.token", "10.1.1.1"),
        ("person.list", "127.0.0.1"),  # every list is audited with its filters and row count
    ]
    # Only the hash is kept, and the token never enters the audit trail.
    assert token not in ApiToken.objects.get().key_hash
    assert not AuditEvent.objects.filter(details__icontains=token).exists()


def test_a_wrong_password_and_an_unknown_username_get_the_same_401(wang_street_a):
    wrong = _token("street_a", "Wrong-pass-123")
    unknown = _token("nobody", "Wrong-pass-123")

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert "locked" not in wrong.json()["detail"]
    events = list(AuditEvent.objects.values_list("action", "object_id").order_by("id"))
    # An unknown username is recorded as a keyed hash, never as typed (it may be a password).
    assert events[0] == ("login.failure", "street_a")
    assert events[1][0] == "login.failure" and events[1][1].startswith("hmac:")
    assert "nobody" not in events[1][1]
    assert not ApiToken.objects.exists()


def test_five_failures_lock_the_username_for_15_minutes_whatever_the_address(wang_street_a):
    for n in range(5):
        assert _token("street_a", "Wrong-pass-123", address=f"10.0.0.{n}").status_code == 401

    locked = _token("street_a", PASSWORD, address="10.9.9.9")  # the right password, a new address

    assert locked.status_code == 401
    assert "locked" in locked.json()["detail"] and "15" in locked.json()["detail"]
    assert not ApiToken.objects.exists()
    assert AuditEvent.objects.filter(action="login.locked", client="10.9.9.9").exists()
    # 15 minutes later the username opens again, and the success clears the count.
    LoginFailure.objects.update(at=timezone.now() - dt.timedelta(minutes=16))
    assert _token("street_a", PASSWORD).status_code == 200
    assert not LoginFailure.objects.filter(username="street_a").exists()


def test_four_failures_do_not_lock(wang_street_a):
    for n in range(4):
        _token("street_a", "Wrong-pass-123", address=f"10.0.1.{n}")
    assert _token("street_a", PASSWORD).status_code == 200


def test_a_locked_username_answers_the_same_whether_it_exists_or_not(wang_street_a):
    for _ in range(5):
        _token("street_a", "Wrong-pass-123")
        _token("ghost", "Wrong-pass-123")
    assert _token("street_a", PASSWORD).json() == _token("ghost", PASSWORD).json()


def test_an_inactive_account_gets_no_token_and_its_tokens_stop_working(wang_street_a):
    token = api_token_issue(user=wang_street_a)
    User.objects.filter(pk=wang_street_a.pk).update(is_active=False)
    assert _token("street_a", PASSWORD).status_code == 401
    assert _persons(token).status_code == 401


def test_an_expired_token_is_refused(wang_street_a):
    token = api_token_issue(user=wang_street_a)
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    response = _persons(token)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert "token" in response.json()["detail"]
    # A refused token is audited (U11; GB/T 22239-2019 8.1.4.3), without the token.
    refused = AuditEvent.objects.get(action="api.token_refused")
    assert (refused.actor_label, refused.object_id) == ("system:api", "/api/v1/persons")
    assert token not in str(refused.details)


@pytest.mark.parametrize(
    "header", [None, "", "Bearer", "Bearer made-up", "Token abc", "Basic c3RyZWV0X2E6eA=="]
)
def test_no_or_a_bad_token_is_refused(wang_street_a, header):
    response = _persons(header=header)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"detail"}


def test_a_signed_in_browser_session_does_not_open_the_api(wang_street_a):
    client = Client()
    client.force_login(wang_street_a)
    assert client.get("/api/v1/persons").status_code == 401


def test_the_token_endpoint_needs_no_csrf_token_and_takes_no_cookie(wang_street_a):
    response = _token("street_a", PASSWORD, enforce_csrf_checks=True)
    assert response.status_code == 200
    assert "sessionid" not in response.cookies


def test_a_malformed_request_answers_json_naming_the_problem(wang_street_a):
    client = Client()
    missing = client.post("/api/v1/auth/token", {"username": "street_a"}, content_type="application/json")
    assert missing.status_code == 422
    assert missing.json()["detail"] == [
        {"field": "password", "column": "password", "message": "必填 / required"}
    ]
    broken = client.post("/api/v1/auth/token", "{not json", content_type="application/json")
    assert broken.status_code == 400
    assert "JSON" in broken.json()["detail"]
    assert not LoginFailure.objects.exists()  # neither counted as a login attempt
