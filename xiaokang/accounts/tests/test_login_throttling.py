"""Sign-in throttling per client address (U11; GB/T 22239-2019 8.1.4.1 b), flood summaries in the audit
trail, unknown user names never stored as typed, and the lockout no longer renewed by attempts made while
locked. Before these controls anyone could lock any staff account forever from one address."""

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from xiaokang.accounts.models import LoginFailure, LoginThrottle
from xiaokang.accounts.services import AUDIT_EACH, THROTTLE_AFTER
from xiaokang.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "Pass-word-123"


def _login(username, password, address="10.0.0.1"):
    return Client(REMOTE_ADDR=address).post("/login/", {"username": username, "password": password})


def _wind_back(seconds):
    LoginThrottle.objects.update(last_failure_at=timezone.now() - dt.timedelta(seconds=seconds))


def test_an_address_that_keeps_failing_waits_longer_and_longer(wang_street_a):
    for n in range(THROTTLE_AFTER):  # one address trying many user names (locking them all)
        assert _login(f"user{n}", "wrong", address="10.6.6.6").status_code == 200

    refused = _login("street_a", PASSWORD, address="10.6.6.6")  # even the right password: not checked
    assert refused.status_code == 429
    assert refused["Retry-After"] == "1"
    assert "1" in refused.content.decode() and 'role="alert"' in refused.content.decode()
    assert not refused.wsgi_request.user.is_authenticated
    # Another address is not held up.
    assert _login("street_a", PASSWORD, address="10.7.7.7").status_code == 302

    _wind_back(1)
    assert _login("user0", "wrong", address="10.6.6.6").status_code == 200  # the 11th failure
    assert _login("user0", "wrong", address="10.6.6.6")["Retry-After"] == "2"
    _wind_back(2)
    _login("user0", "wrong", address="10.6.6.6")  # the 12th
    assert _login("user0", "wrong", address="10.6.6.6")["Retry-After"] == "4"
    _wind_back(4)
    assert _login("street_a", PASSWORD, address="10.6.6.6").status_code == 302


def test_the_api_answers_429_with_retry_after(wang_street_a):
    client = Client(REMOTE_ADDR="10.6.6.6")
    for n in range(THROTTLE_AFTER):
        client.post(
            "/api/v1/auth/token",
            json.dumps({"username": f"u{n}", "password": "x"}),
            content_type="application/json",
        )
    response = client.post(
        "/api/v1/auth/token",
        json.dumps({"username": "street_a", "password": PASSWORD}),
        content_type="application/json",
    )
    assert response.status_code == 429
    assert response["Retry-After"] == "1" and "retry in 1 seconds" in response.json()["detail"]


def test_a_flood_is_audited_as_a_summary_not_one_row_per_attempt(wang_street_a):
    for n in range(THROTTLE_AFTER):
        _login(f"user{n}", "wrong", address="10.6.6.6")
    for _ in range(200):  # refused early: none of these is one audit row
        _login("street_a", "wrong", address="10.6.6.6")
    for _ in range(5):  # failures beyond AUDIT_EACH, each after its wait
        _wind_back(10_000)
        _login("ghost", "wrong", address="10.6.6.6")

    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count("login.failure") == AUDIT_EACH  # the rest are counted, not one row each
    assert actions.count("login.throttled") == 1
    assert len(actions) <= AUDIT_EACH + 2

    # The window closes; the next attempt from the address writes one summary with the counts.
    row = LoginThrottle.objects.get(client="10.6.6.6")
    assert row.failures >= THROTTLE_AFTER + 5 and row.refused >= 190  # 200 in a few seconds: a few waited
    LoginThrottle.objects.update(window_start=timezone.now() - dt.timedelta(minutes=16))
    _login("street_a", PASSWORD, address="10.6.6.6")
    flood = AuditEvent.objects.get(action="login.flood")
    assert flood.client == "10.6.6.6"
    assert (flood.details["failures"], flood.details["refused"]) == (row.failures, row.refused)


def test_a_password_typed_as_a_user_name_is_never_stored_in_clear(wang_street_a):
    secret = "Street-a-Pass-9!"
    _login(secret, "street_a", address="10.1.1.1")  # the fields swapped by mistake

    assert not LoginFailure.objects.filter(username__icontains="Street-a").exists()
    stored = LoginFailure.objects.get()
    assert stored.username.startswith("hmac:") and secret not in stored.username
    for event in AuditEvent.objects.all():
        assert secret not in event.object_id and secret not in json.dumps(event.details)
    # The same typed text is counted under the same key, so the lockout still works for it.
    for _ in range(4):
        _login(secret, "x", address="10.1.1.1")
    assert "15" in _login(secret, "x", address="10.1.1.1").content.decode()


def test_attempts_while_locked_do_not_prolong_the_lock(wang_street_a):
    for n in range(5):
        _login("street_a", "wrong", address=f"10.0.0.{n}")
    LoginFailure.objects.update(at=timezone.now() - dt.timedelta(minutes=10))
    for n in range(5):  # an attacker keeps trying while it is locked
        _login("street_a", "wrong", address=f"10.0.1.{n}")
    # 15 minutes after the fifth failure (the attempts made while locked are not failures that count).
    LoginFailure.objects.filter(at__lte=timezone.now() - dt.timedelta(minutes=9)).update(
        at=timezone.now() - dt.timedelta(minutes=16)
    )
    assert _login("street_a", PASSWORD, address="10.0.2.1").status_code == 302


def test_the_throttle_counts_the_address_it_is_given_and_the_trail_records_the_requests(wang_street_a):
    """``throttle_address`` is what the throttle counts; the audit trail takes the address from the
    request (``recorded_client``), never from an argument (docs/architecture/thin-views.md)."""
    from xiaokang.accounts.services import LoginRefused, login_check
    from xiaokang.audit.services import recorded_client

    with recorded_client("10.3.3.3"), pytest.raises(LoginRefused):
        login_check(request=None, username="street_a", password="wrong", throttle_address="10.4.4.4")
    assert LoginThrottle.objects.get(client="10.4.4.4").failures == 1
    assert not LoginThrottle.objects.filter(client="10.3.3.3").exists()
    failure = AuditEvent.objects.get(action="login.failure")
    assert failure.client == "10.3.3.3"
    assert LoginFailure.objects.get(username="street_a").client == "10.4.4.4"
