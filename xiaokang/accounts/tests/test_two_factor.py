"""The second factor (U11; GB/T 22239-2019 8.1.4.1 d): TOTP enrolment, sign-in in two steps, replay,
lockout, recovery codes, reset by the security administrator, and the API token with ``otp``."""

import json
import re

import pytest
from django.test import Client

from tests.helpers import TEST_TOTP_SECRET, enrol_totp, fresh_code, totp_code
from xiaokang.accounts.models import ApiToken, RecoveryCode, TotpDevice, User
from xiaokang.accounts.twofactor import current_step, enrolment_code_issue
from xiaokang.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "Pass-word-123"


def _password(client, username):
    return client.post("/login/", {"username": username, "password": PASSWORD})


def _with_enrolment_code(client, user) -> None:
    """The enrolment code a district administrator issues (split knowledge), typed on the enrolment page:
    a role that requires a factor enrols at sign-in only with it (test_enrolment_code.py)."""
    issuer = User.objects.filter(username="issuer").first() or User.objects.create_user(
        "issuer", password=PASSWORD, role="district_admin"
    )
    code = enrolment_code_issue(actor=issuer, user=user)
    assert client.post("/login/two-factor/", {"enrolment_code": code})["Location"] == "/login/two-factor/"


def _secret_on(page: str) -> str:
    return re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")


@pytest.mark.parametrize("role", ["district_admin", "security_admin", "auditor"])
def test_a_mandatory_role_without_a_factor_enrols_before_reaching_anything(role):
    boss = User.objects.create_user("boss", password=PASSWORD, role=role)
    client = Client()

    response = _password(client, "boss")
    assert response.status_code == 302 and response["Location"] == "/login/two-factor/"
    # Nothing else is reachable: the password alone signs nobody in.
    for url in ("/staff/", "/staff/accounts/", "/audit/"):
        assert client.get(url).status_code in (302, 404)
        assert not client.get(url).wsgi_request.user.is_authenticated

    _with_enrolment_code(client, boss)
    page = client.get("/login/two-factor/").content.decode()
    assert "<svg" in page and "otpauth" not in page.lower().split("<svg")[0]  # inline QR, no request
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    secret = _secret_on(page)
    device = TotpDevice.objects.get(user__username="boss")
    assert device.confirmed_at is None
    assert secret not in device.secret_encrypted  # stored encrypted

    wrong = client.post(
        "/login/two-factor/", {"code": "000000" if totp_code(secret) != "000000" else "111111"}
    )
    assert wrong.status_code == 200 and 'role="alert"' in wrong.content.decode()
    assert _secret_on(wrong.content.decode()) == secret

    done = client.post("/login/two-factor/", {"code": totp_code(secret)})
    codes = re.findall(r"<code>(\d{4}-\d{4}-\d{4})</code>", done.content.decode())
    assert len(codes) == 10
    assert done["Cache-Control"].startswith("max-age=0") or "no-store" in done["Cache-Control"]
    assert client.get("/staff/").status_code == 200
    stored = list(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert len(stored) == 10 and not any(c.replace("-", "") in h for c in codes for h in stored)
    # The staff home names persons in its queue, so showing it is audited (application.list): not sign-in.
    actions = list(
        AuditEvent.objects.exclude(action="application.list").order_by("id").values_list("action", flat=True)
    )
    assert actions == [
        "login.password",
        "2fa.enrolment_code_issued",
        "2fa.enrolment_code_accepted",
        "2fa.enrol_refused",
        "2fa.enrolled",
    ]


def test_enrolment_shows_a_new_secret_each_time_and_refuses_a_second_factor_twice(chen_district_admin):
    client = Client()
    _password(client, "admin")
    _with_enrolment_code(client, chen_district_admin)
    first = _secret_on(client.get("/login/two-factor/").content.decode())
    second = _secret_on(client.get("/login/two-factor/").content.decode())
    assert first != second


def test_sign_in_with_a_code_and_a_replayed_code_is_refused(chen_district_admin):
    enrol_totp(chen_district_admin)
    client = Client()
    response = _password(client, "admin")
    assert response["Location"] == "/login/code/"
    assert not client.get("/staff/").wsgi_request.user.is_authenticated

    code = totp_code()
    assert client.post("/login/code/", {"code": code}).status_code == 302
    assert client.get("/staff/").status_code == 200
    assert TotpDevice.objects.get().last_step >= current_step() - 1

    # The same code again (an observer of the first sign-in), with the password: refused.
    thief = Client()
    _password(thief, "admin")
    replay = thief.post("/login/code/", {"code": code})
    assert replay.status_code == 200
    assert not thief.get("/staff/").wsgi_request.user.is_authenticated
    # The staff home names persons in its queue, so showing it is audited (application.list): not sign-in.
    actions = list(
        AuditEvent.objects.exclude(action="application.list").order_by("id").values_list("action", flat=True)
    )
    assert actions == [
        "2fa.enrolled",
        "login.password",
        "2fa.accepted",
        "login.success",
        "login.password",
        "2fa.replay_refused",
        "2fa.refused",
    ]


def test_failed_codes_count_towards_the_lockout(chen_district_admin):
    enrol_totp(chen_district_admin)
    client = Client()
    _password(client, "admin")
    wrong = "000000" if totp_code() != "000000" else "111111"
    for _ in range(5):
        client.post("/login/code/", {"code": wrong})
    page = client.post("/login/code/", {"code": fresh_code(chen_district_admin)})
    assert not client.get("/staff/").wsgi_request.user.is_authenticated
    # The right password afterwards does not reset the count: the user name is locked.
    again = Client()
    response = _password(again, "admin")
    assert response.status_code == 200 and "15" in response.content.decode()
    assert page.status_code in (200, 302)


def test_a_known_password_does_not_reset_the_count_of_wrong_codes(chen_district_admin):
    enrol_totp(chen_district_admin)
    wrong = "000000" if totp_code() != "000000" else "111111"
    for _ in range(5):  # five rounds: right password, wrong code
        client = Client()
        _password(client, "admin")
        client.post("/login/code/", {"code": wrong})
    client = Client()
    assert _password(client, "admin").status_code == 200  # locked now


def test_a_recovery_code_works_once(chen_district_admin):
    client = Client()
    _password(client, "admin")
    _with_enrolment_code(client, chen_district_admin)
    secret = _secret_on(client.get("/login/two-factor/").content.decode())
    done = client.post("/login/two-factor/", {"code": totp_code(secret)})
    code = re.findall(r"<code>(\d{4}-\d{4}-\d{4})</code>", done.content.decode())[0]

    first = Client()
    _password(first, "admin")
    assert first.post("/login/code/", {"code": code}).status_code == 302
    second = Client()
    _password(second, "admin")
    assert second.post("/login/code/", {"code": code}).status_code == 200
    assert AuditEvent.objects.filter(action="2fa.recovery_used").count() == 1


def test_the_security_administrator_resets_a_factor_and_the_user_enrols_again(
    chen_district_admin, security_zhou
):
    enrol_totp(chen_district_admin)
    signed_in = Client()
    signed_in.force_login(chen_district_admin)
    client = Client()
    client.force_login(security_zhou)
    page = client.get(f"/staff/accounts/{chen_district_admin.pk}/").content.decode()
    assert f"/staff/accounts/{chen_district_admin.pk}/two-factor-reset/" in page

    response = client.post(f"/staff/accounts/{chen_district_admin.pk}/two-factor-reset/")
    assert response.status_code == 302
    assert not TotpDevice.objects.filter(user=chen_district_admin).exists()
    event = AuditEvent.objects.get(action="2fa.reset")
    assert event.actor_label == "security" and event.object_id == str(chen_district_admin.pk)
    assert not signed_in.get("/staff/").wsgi_request.user.is_authenticated  # its sessions end
    assert _password(Client(), "admin")["Location"] == "/login/two-factor/"


def test_only_the_security_administrator_resets(chen_district_admin, li_district_officer):
    enrol_totp(chen_district_admin)
    client = Client()
    client.force_login(li_district_officer)
    assert client.post(f"/staff/accounts/{chen_district_admin.pk}/two-factor-reset/").status_code == 403
    assert TotpDevice.objects.filter(user=chen_district_admin).exists()
    # The service refuses too (any caller, not only the page), and the refusal is audited.
    from xiaokang.accounts.services import AccountError
    from xiaokang.accounts.twofactor import two_factor_reset

    with pytest.raises(AccountError):
        two_factor_reset(actor=li_district_officer, user=chen_district_admin)
    assert TotpDevice.objects.filter(user=chen_district_admin).exists()
    assert any(
        "2fa.reset" in str(d)
        for d in AuditEvent.objects.filter(action="access.denied").values_list("details", flat=True)
    )


def test_an_officer_needs_no_factor_unless_the_setting_requires_it(wang_street_a, settings):
    assert _password(Client(), "street_a")["Location"] == "/staff/"
    settings.XIAOKANG_REQUIRE_2FA = True
    assert _password(Client(), "street_a")["Location"] == "/login/two-factor/"


def test_any_staff_member_may_enrol_and_then_signs_in_with_a_code(wang_street_a):
    client = Client()
    client.force_login(wang_street_a)
    secret = _secret_on(client.get("/login/two-factor/").content.decode())
    client.post("/login/two-factor/", {"code": totp_code(secret)})
    assert "2fa.enrolled" in AuditEvent.objects.values_list("action", flat=True)
    assert _password(Client(), "street_a")["Location"] == "/login/code/"


def test_a_pending_sign_in_expires(chen_district_admin, monkeypatch):
    enrol_totp(chen_district_admin)
    client = Client()
    _password(client, "admin")
    import time

    later = time.time() + 11 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.post("/login/code/", {"code": totp_code()})["Location"] == "/login/"


# --- API ---------------------------------------------------------------------------------------------


def _token(body, address="10.0.0.1"):
    return Client(REMOTE_ADDR=address).post(
        "/api/v1/auth/token", json.dumps(body), content_type="application/json"
    )


def test_the_api_token_needs_the_current_code_for_an_account_with_a_factor(wang_street_a):
    enrol_totp(wang_street_a)
    without = _token({"username": "street_a", "password": PASSWORD})
    assert without.status_code == 401 and "otp" in without.json()["detail"]
    wrong = _token({"username": "street_a", "password": PASSWORD, "otp": "12345x"})
    assert wrong.status_code == 401
    assert not ApiToken.objects.exists()

    code = fresh_code(wang_street_a)
    good = _token({"username": "street_a", "password": PASSWORD, "otp": code})
    assert good.status_code == 200 and good.json()["token"]
    replay = _token({"username": "street_a", "password": PASSWORD, "otp": code})
    assert replay.status_code == 401
    assert ApiToken.objects.count() == 1


def test_the_api_refuses_a_token_to_a_mandatory_role_without_a_factor(chen_district_admin):
    response = _token({"username": "admin", "password": PASSWORD})
    assert response.status_code == 401 and "second factor" in response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_the_api_takes_no_recovery_code(chen_district_admin):
    client = Client()
    _password(client, "admin")
    _with_enrolment_code(client, chen_district_admin)
    secret = _secret_on(client.get("/login/two-factor/").content.decode())
    done = client.post("/login/two-factor/", {"code": totp_code(secret)})
    code = re.findall(r"<code>(\d{4}-\d{4}-\d{4})</code>", done.content.decode())[0]
    assert _token({"username": "admin", "password": PASSWORD, "otp": code}).status_code == 401


def test_force_login_reaches_pages_for_tests_that_do_not_test_sign_in(chen_district_admin):
    client = Client()
    client.force_login(chen_district_admin)
    assert client.get("/staff/").status_code == 200
    assert TEST_TOTP_SECRET  # the helper's secret, for tests that sign in through the form
