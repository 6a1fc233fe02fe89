"""Split knowledge for the enrolment of a second factor at sign-in (GB/T 22239-2019 8.1.4.1 d, 8.1.4.2
separation of privileges, 三权分立): the security administrator may set a password and reset a factor,
but enrolling a factor at sign-in also needs an enrolment code that only a district administrator issues.
So neither of them signs in as another user alone."""

import datetime as dt
import re

import pytest
from django.test import Client as DjangoClient
from django.utils import timezone

from tests.helpers import enrol_totp, totp_code
from xiaokang.accounts.models import EnrolmentCode, TotpDevice, User
from xiaokang.accounts.services import grant_approve, password_set, user_create
from xiaokang.accounts.twofactor import (
    ENROLMENT_CODE_ALPHABET,
    EnrolmentCodeRefused,
    TwoFactorError,
    enrolment_code_issue,
    enrolment_confirm,
    enrolment_start,
)
from xiaokang.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "Pass-word-123"
KNOWN = "Known-by-sec-456"


@pytest.fixture
def target(db):
    """The district administrator whose account the security administrator tries to take over."""
    user = User.objects.create_user("target", password=PASSWORD, role="district_admin")
    enrol_totp(user)
    return user


@pytest.fixture
def issuer(db):
    """Another district administrator: the one who may issue enrolment codes."""
    user = User.objects.create_user("issuer", password=PASSWORD, role="district_admin")
    enrol_totp(user)
    return user


@pytest.fixture
def security(security_zhou):
    """The security administrator (named actor), with a second factor."""
    enrol_totp(security_zhou)
    return security_zhou


def _secret_on(page: str) -> str | None:
    found = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page)
    return found.group(1).replace(" ", "") if found else None


def _code_on(page: str) -> str:
    return re.search(r'<code id="enrolment-code">([A-Z0-9-]+)</code>', page).group(1)


# The test client, in English: the assertions read its text.
def Client() -> DjangoClient:
    return DjangoClient(HTTP_ACCEPT_LANGUAGE="en")


def _sign_in(username: str, password: str) -> DjangoClient:
    client = Client()
    response = client.post("/login/", {"username": username, "password": password})
    assert response.status_code == 302 and response["Location"] == "/login/two-factor/"
    return client


def _actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def _signed_in(client: DjangoClient) -> bool:
    return client.get("/staff/").wsgi_request.user.is_authenticated


def test_the_security_admin_cannot_take_over_a_district_admin_with_a_password_and_a_reset(target, security):
    sec = Client()
    sec.force_login(security)
    # 1. The security administrator sets the district administrator's password on the account page …
    saved = sec.post(
        f"/staff/accounts/{target.pk}/",
        {"role": "district_admin", "area_code": "", "is_active": "on", "password": KNOWN, "reason": ""},
    )
    assert saved.status_code == 302
    # 2. … resets their second factor …
    assert sec.post(f"/staff/accounts/{target.pk}/two-factor-reset/").status_code == 302
    assert not TotpDevice.objects.filter(user=target).exists()

    # 3. … and signs in with the known password: the enrolment asks for an enrolment code first; no
    # secret, no QR code, no device.
    attacker = _sign_in("target", KNOWN)
    page = attacker.get("/login/two-factor/").content.decode()
    assert _secret_on(page) is None and "<svg" not in page
    assert 'name="enrolment_code"' in page and 'autocomplete="off"' in page
    assert not TotpDevice.objects.filter(user=target).exists()

    # Posting a TOTP code straight away (as the old enrolment form took it) enrols nothing.
    attacker.post("/login/two-factor/", {"code": totp_code()})
    # A made-up enrolment code is refused, announced and audited.
    refused = attacker.post("/login/two-factor/", {"enrolment_code": "ABCDE-FGHJK"})
    assert refused.status_code == 200 and 'role="alert"' in refused.content.decode()
    assert _secret_on(refused.content.decode()) is None
    # Even the service, given a device the attacker started themselves, will not confirm it without a code.
    secret = enrolment_start(user=target)
    with pytest.raises(EnrolmentCodeRefused):
        enrolment_confirm(user=target, code=totp_code(secret))
    assert not TotpDevice.objects.filter(user=target, confirmed_at__isnull=False).exists()
    assert not _signed_in(attacker)

    # The security administrator cannot issue the code either: refused on the page and in the service,
    # and audited.
    assert sec.post(f"/staff/grants/enrolment-code/{target.pk}/").status_code == 403
    with pytest.raises(TwoFactorError, match="only a district administrator"):
        enrolment_code_issue(actor=security, user=target)
    assert not EnrolmentCode.objects.exists()
    assert "2fa.enrolment_code_refused" in _actions()
    denied = AuditEvent.objects.filter(action="access.denied", actor_label="security")
    assert any(e.details.get("action") == "2fa.enrolment_code_issue" for e in denied)


def test_a_code_issued_by_a_district_admin_lets_the_user_enrol_once(target, issuer, security):
    password_set(actor=security, user=target, password=KNOWN)
    TotpDevice.objects.filter(user=target).delete()  # the factor was reset

    code = enrolment_code_issue(actor=issuer, user=target)
    assert re.fullmatch(rf"[{ENROLMENT_CODE_ALPHABET}]{{5}}-[{ENROLMENT_CODE_ALPHABET}]{{5}}", code)
    stored = EnrolmentCode.objects.get()
    assert code.replace("-", "") not in stored.code_hash and stored.issued_by == issuer
    assert stored.expires_at - stored.issued_at == dt.timedelta(days=7)

    user = _sign_in("target", KNOWN)
    # Typed as people type it: lower case, a space instead of the dash.
    accepted = user.post("/login/two-factor/", {"enrolment_code": code.lower().replace("-", " ")})
    assert accepted.status_code == 302 and accepted["Location"] == "/login/two-factor/"
    secret = _secret_on(user.get("/login/two-factor/").content.decode())
    assert secret
    done = user.post("/login/two-factor/", {"code": totp_code(secret)})
    assert len(re.findall(r"<code>(\d{4}-\d{4}-\d{4})</code>", done.content.decode())) == 10
    assert _signed_in(user)  # (the password someone else set must be changed next)
    stored.refresh_from_db()
    assert stored.used_at is not None
    enrolled = AuditEvent.objects.get(action="2fa.enrolled", actor_label="target")
    assert enrolled.details["issued_by"] == "issuer"
    assert AuditEvent.objects.filter(action="2fa.enrolment_code_issued", actor_label="issuer").exists()
    assert AuditEvent.objects.filter(action="2fa.enrolment_code_accepted").count() == 1

    # Single use: after another reset, the same code is refused.
    TotpDevice.objects.filter(user=target).delete()
    again = _sign_in("target", KNOWN)
    refused = again.post("/login/two-factor/", {"enrolment_code": code})
    assert refused.status_code == 200 and "no valid enrolment code" in refused.content.decode()
    assert not _signed_in(again)


def test_five_wrong_codes_void_it(target, issuer):
    TotpDevice.objects.filter(user=target).delete()
    code = enrolment_code_issue(actor=issuer, user=target)
    wrong = "ABCDEFGHJK" if code.replace("-", "") != "ABCDEFGHJK" else "KJHGFEDCBA"
    client = _sign_in("target", PASSWORD)
    for left in (4, 3, 2, 1):
        page = client.post("/login/two-factor/", {"enrolment_code": wrong}).content.decode()
        assert f"After {left} more wrong tries" in page
    page = client.post("/login/two-factor/", {"enrolment_code": wrong}).content.decode()
    assert "now void" in page
    # The right code no longer works.
    page = client.post("/login/two-factor/", {"enrolment_code": code}).content.decode()
    assert "no valid enrolment code" in page and _secret_on(page) is None
    row = EnrolmentCode.objects.get()
    assert row.failures == 5 and row.voided_at is not None
    refusals = AuditEvent.objects.filter(action="2fa.enrolment_code_refused").order_by("id")
    assert [e.details["why"] for e in refusals] == ["wrong"] * 4 + ["void", "invalid"]


def test_an_expired_code_is_refused(target, issuer):
    TotpDevice.objects.filter(user=target).delete()
    code = enrolment_code_issue(actor=issuer, user=target)
    EnrolmentCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    client = _sign_in("target", PASSWORD)
    page = client.post("/login/two-factor/", {"enrolment_code": code}).content.decode()
    assert "no valid enrolment code" in page and _secret_on(page) is None


def test_a_new_code_voids_the_old_one_even_after_it_was_accepted(target, issuer):
    TotpDevice.objects.filter(user=target).delete()
    first = enrolment_code_issue(actor=issuer, user=target)
    client = _sign_in("target", PASSWORD)
    assert client.post("/login/two-factor/", {"enrolment_code": first}).status_code == 302
    secret = _secret_on(client.get("/login/two-factor/").content.decode())
    second = enrolment_code_issue(actor=issuer, user=target)  # e.g. the first was handed to the wrong person
    page = client.post("/login/two-factor/", {"code": totp_code(secret)}).content.decode()
    assert "no valid enrolment code" in page and not _signed_in(client)
    assert not TotpDevice.objects.filter(user=target, confirmed_at__isnull=False).exists()
    # The first code is void: typed again, it counts as a wrong try against the code now in force.
    assert (
        "After 4 more wrong tries"
        in client.post("/login/two-factor/", {"enrolment_code": first}).content.decode()
    )
    assert client.post("/login/two-factor/", {"enrolment_code": second}).status_code == 302


def test_who_may_issue_a_code_and_for_whom(target, issuer, security, li_district_officer):
    TotpDevice.objects.filter(user=target).delete()
    with pytest.raises(TwoFactorError, match="only a district administrator"):
        enrolment_code_issue(actor=li_district_officer, user=target)
    with pytest.raises(TwoFactorError, match="your own account"):
        enrolment_code_issue(actor=target, user=target)
    with pytest.raises(TwoFactorError, match="already has a second factor"):
        enrolment_code_issue(actor=issuer, user=security)
    with pytest.raises(TwoFactorError, match="does not sign in with a second factor"):
        enrolment_code_issue(actor=issuer, user=li_district_officer)
    target.is_active = False
    target.save()
    with pytest.raises(TwoFactorError, match="deactivated"):
        enrolment_code_issue(actor=issuer, user=target)
    issuer.is_active = False
    issuer.save()
    target.is_active = True
    target.save()
    with pytest.raises(TwoFactorError, match="only a district administrator"):
        enrolment_code_issue(actor=issuer, user=target)
    assert not EnrolmentCode.objects.exists()
    assert AuditEvent.objects.filter(action="access.denied").count() == 6


def test_the_grants_page_lists_waiting_accounts_and_shows_a_code_once(target, issuer):
    TotpDevice.objects.filter(user=target).delete()
    boss = Client()
    boss.force_login(issuer)
    page = boss.get("/staff/grants/").content.decode()
    assert "Accounts waiting for a second factor" in page
    assert f"/staff/grants/enrolment-code/{target.pk}/" in page
    assert f"/staff/grants/enrolment-code/{issuer.pk}/" not in page  # has a factor (and is oneself)

    shown = boss.post(f"/staff/grants/enrolment-code/{target.pk}/")
    assert shown.status_code == 200 and "no-store" in shown["Cache-Control"]
    code = _code_on(shown.content.decode())
    assert code not in boss.get("/staff/grants/").content.decode()  # shown once
    assert "Issued by issuer" in boss.get("/staff/grants/").content.decode()

    client = _sign_in("target", PASSWORD)
    assert client.post("/login/two-factor/", {"enrolment_code": code}).status_code == 302


def test_approving_a_role_that_needs_a_factor_shows_the_code_at_once(issuer, security):
    # The security administrator creates an account with a password of their choice and proposes it as
    # district administrator; another district administrator approves.
    new = user_create(
        actor=security, username="newboss", role="district_admin", password=KNOWN, reason="new post"
    )
    grant = new.role_grants.get()
    boss = Client()
    boss.force_login(issuer)
    shown = boss.post(f"/staff/grants/{grant.pk}/approve/", {"note": "ok"})
    assert shown.status_code == 200 and "no-store" in shown["Cache-Control"]
    code = _code_on(shown.content.decode())
    assert EnrolmentCode.objects.get(user=new).issued_by == issuer

    # The security administrator, who knows the password, cannot enrol without the code …
    attacker = _sign_in("newboss", KNOWN)
    assert _secret_on(attacker.get("/login/two-factor/").content.decode()) is None
    # … the user, with it, can.
    user = _sign_in("newboss", KNOWN)
    assert user.post("/login/two-factor/", {"enrolment_code": code}).status_code == 302


def test_approving_a_role_without_a_factor_needs_no_code(issuer, security):
    new = user_create(actor=security, username="clerk", role="district_officer", password=KNOWN, reason="x")
    grant_approve(actor=issuer, grant=new.role_grants.get())
    assert not EnrolmentCode.objects.exists()
    boss = Client()
    boss.force_login(issuer)
    assert "/staff/grants/enrolment-code/" not in boss.get("/staff/grants/").content.decode()


def test_a_code_accepted_in_an_abandoned_sign_in_does_not_carry_over(target, issuer):
    TotpDevice.objects.filter(user=target).delete()
    code = enrolment_code_issue(actor=issuer, user=target)
    client = _sign_in("target", PASSWORD)
    assert client.post("/login/two-factor/", {"enrolment_code": code}).status_code == 302
    # Abandoned; the next sign-in in the same browser asks for the code again.
    client.post("/login/", {"username": "target", "password": PASSWORD})
    page = client.get("/login/two-factor/").content.decode()
    assert 'name="enrolment_code"' in page and _secret_on(page) is None


def test_a_signed_in_account_whose_role_requires_a_factor_needs_a_code_an_optional_role_none(
    target, wang_street_a
):
    TotpDevice.objects.filter(user=target).delete()
    promoted = Client()
    promoted.force_login(target)  # e.g. a session older than the role
    page = promoted.get("/login/two-factor/").content.decode()
    assert 'name="enrolment_code"' in page and _secret_on(page) is None
    # An officer (the factor optional) enrols voluntarily from the staff menu without a code.
    voluntary = Client()
    voluntary.force_login(wang_street_a)
    secret = _secret_on(voluntary.get("/login/two-factor/").content.decode())
    assert secret
    voluntary.post("/login/two-factor/", {"code": totp_code(secret)})
    assert TotpDevice.objects.filter(user=wang_street_a, confirmed_at__isnull=False).exists()
