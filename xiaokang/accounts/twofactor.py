"""The second factor of staff sign-in (U11; GB/T 22239-2019 8.1.4.1 d: two or more authentication
techniques, one of them cryptographic).

- TOTP of RFC 6238 (30 s, 6 digits, SHA-1: what every authenticator app reads), with pyotp. The secret
  is stored encrypted (core.crypto, AES-256-GCM). A code is accepted once: the time step of the last
  accepted code is stored, and a code of that step or an earlier one is refused (replay).
- Ten one-time recovery codes, stored only as a keyed hash (core.crypto.blind_index).
- Mandatory for district_admin, security_admin and auditor, and for every role when
  XIAOKANG_REQUIRE_2FA is true; any staff member may enrol.
- A failed code counts towards the username lockout like a failed password, and towards the client
  address throttle (accounts.services). Every step is audited.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets

import pyotp
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xiaokang.accounts.models import ApiToken, LoginFailure, RecoveryCode, Role, TotpDevice, User
from xiaokang.accounts.services import (
    AccountError,
    LoginRefused,
    _audit_account,
    _system,
    is_locked,
    throttle_check,
    throttle_failure,
)
from xiaokang.core import crypto

ISSUER = "Xiaokang"
STEP_SECONDS = 30
DIGITS = 6
# Codes of one step either side are accepted (a phone's clock a little off), never one already used.
DRIFT_STEPS = 1
RECOVERY_CODES = 10
RECOVERY_DIGITS = 12
MANDATORY_ROLES = frozenset({Role.DISTRICT_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})


class TwoFactorError(AccountError):
    pass


def requires_two_factor(user: User) -> bool:
    return bool(settings.XIAOKANG_REQUIRE_2FA) or user.role in MANDATORY_ROLES


def confirmed_device(user: User) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def has_two_factor(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def second_step(user: User) -> str | None:
    """What follows a right password: ``code`` (the user has a second factor), ``enrol`` (their role
    requires one and they have none: enrolment, and nothing else, before the sign-in completes) or None."""
    if has_two_factor(user):
        return "code"
    if requires_two_factor(user):
        return "enrol"
    return None


def provisioning_uri(user: User, secret: str) -> str:
    """The ``otpauth://totp/...`` URI an authenticator app reads (from the QR code or typed in)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=user.username, issuer_name=ISSUER
    )


def device_secret(device: TotpDevice) -> str:
    return crypto.decrypt(device.secret_encrypted)


def current_step(now: dt.datetime | None = None) -> int:
    return int((now or timezone.now()).timestamp()) // STEP_SECONDS


def _matching_step(secret: str, code: str, now: dt.datetime) -> int | None:
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    here = current_step(now)
    for step in range(here - DRIFT_STEPS, here + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def normalise_code(code: str) -> str:
    """Digits only: spaces and dashes people type between groups are dropped."""
    return re.sub(r"[\s\-]", "", code or "")


def _recovery_hash(user: User, code: str) -> str:
    return crypto.blind_index(f"recovery:{user.pk}:{code}")


# --- Enrolment -------------------------------------------------------------------------------------


@transaction.atomic
def enrolment_start(*, user: User) -> str:
    """A new secret for ``user`` (replacing an unconfirmed one), to be shown once and confirmed with a
    current code. Refused when the user already has a confirmed factor (the security administrator
    resets it first)."""
    if has_two_factor(user):
        raise TwoFactorError("已绑定动态口令 / this account already has a second factor")
    secret = pyotp.random_base32()
    TotpDevice.objects.filter(user=user).delete()
    TotpDevice.objects.create(user=user, secret_encrypted=crypto.encrypt(secret), created_at=timezone.now())
    return secret


def pending_secret(user: User) -> str | None:
    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=True).first()
    return device_secret(device) if device else None


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [
        "".join(secrets.choice("0123456789") for _ in range(RECOVERY_DIGITS)) for _ in range(RECOVERY_CODES)
    ]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=_recovery_hash(user, c)) for c in codes
    )
    return [f"{c[:4]}-{c[4:8]}-{c[8:]}" for c in codes]


def enrolment_confirm(*, user: User, code: str, client: str | None = None) -> list[str] | None:
    """Confirm the unconfirmed secret with a current code: the factor is active from now on and the ten
    recovery codes are returned (shown once, stored hashed). None when the code does not match (nothing
    changes; audited)."""
    from xiaokang.audit.services import log_action

    now = timezone.now()
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=True).first()
        step = _matching_step(device_secret(device), normalise_code(code), now) if device else None
        if step is None:
            log_action(user, "2fa.enrol_refused", object_type="user", object_id=str(user.pk), client=client)
            return None
        device.confirmed_at, device.last_step = now, step
        device.save(update_fields=["confirmed_at", "last_step"])
        codes = _new_recovery_codes(user)
        log_action(user, "2fa.enrolled", object_type="user", object_id=str(user.pk), client=client)
    return codes


@transaction.atomic
def enrol_with_secret(*, actor, user: User, secret: str | None = None) -> str:
    """Enrol a confirmed factor directly (``xiaokang createuser``, the demo accounts, tests): returns the
    ``otpauth://`` URI, to be handed to the user once. Replaces any factor the user had."""
    secret = secret or pyotp.random_base32()
    TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    TotpDevice.objects.create(
        user=user,
        secret_encrypted=crypto.encrypt(secret),
        created_at=timezone.now(),
        confirmed_at=timezone.now(),
    )
    _audit_account(actor, "2fa.enrolled", user, {"by": actor.username})
    return provisioning_uri(user, secret)


@transaction.atomic
def two_factor_reset(*, actor, user: User) -> None:
    """The security administrator removes a user's second factor (lost phone): the device, the recovery
    codes, the user's API tokens and signed-in sessions go; the user enrols again at the next sign-in."""
    from django.contrib.sessions.models import Session

    TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    ApiToken.objects.filter(user=user).delete()
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
    _audit_account(actor, "2fa.reset", user, {})


# --- Sign-in ---------------------------------------------------------------------------------------


def second_factor_check(
    *, user: User, code: str, client: str | None = None, allow_recovery: bool = True
) -> str:
    """Check the second step of a sign-in: a current TOTP code not used before, or (``allow_recovery``)
    an unused recovery code. Returns ``totp`` or ``recovery``; raises LoginRefused (a failure counted
    towards the username lockout and audited) or services.LoginThrottled."""
    from xiaokang.audit.services import current_client, log_action

    client = current_client.get() if client is None else client
    code = normalise_code(code)
    now = timezone.now()
    with transaction.atomic():
        row, throttled = throttle_check(client, now)
        if throttled is not None:
            refused = throttled
        elif is_locked(user.username):
            if throttle_failure(row, now):
                log_action(
                    _system("login"),
                    "login.locked",
                    object_type="user",
                    object_id=user.username[:64],
                    client=client,
                )
            refused = LoginRefused(locked=True)
        else:
            device = (
                TotpDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
            )
            used = None
            if device is not None and len(code) == DIGITS and code.isdigit():
                step = _matching_step(device_secret(device), code, now)
                if step is not None and (device.last_step is None or step > device.last_step):
                    device.last_step = step
                    device.save(update_fields=["last_step"])
                    used = "totp"
                elif step is not None:
                    log_action(
                        user, "2fa.replay_refused", object_type="user", object_id=str(user.pk), client=client
                    )
            elif device is not None and allow_recovery and len(code) == RECOVERY_DIGITS and code.isdigit():
                updated = RecoveryCode.objects.filter(
                    user=user, code_hash=_recovery_hash(user, code), used_at__isnull=True
                ).update(used_at=now)
                if updated:
                    used = "recovery"
            if used is None:
                LoginFailure.objects.create(username=user.username, at=now, client=client)
                if throttle_failure(row, now):
                    log_action(user, "2fa.refused", object_type="user", object_id=str(user.pk), client=client)
                refused = LoginRefused(locked=is_locked(user.username))
            else:
                LoginFailure.objects.filter(username=user.username).delete()
                action = "2fa.accepted" if used == "totp" else "2fa.recovery_used"
                details = {}
                if used == "recovery":
                    details["left"] = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
                log_action(
                    user, action, object_type="user", object_id=str(user.pk), client=client, details=details
                )
                log_action(user, "login.success", object_type="user", object_id=str(user.pk), client=client)
                return used
    raise refused


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
