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
- Split knowledge for enrolment (GB/T 22239-2019 8.1.4.1 d, 8.1.4.2 separation of privileges, 三权分立):
  a role that must have a factor enrols it only with an *enrolment code* a district administrator issued
  (never the security administrator, who may set the password and reset the factor, never the account
  itself). Whoever knows the password does not hold the code and the reverse, so neither signs in as the
  user alone. The operator's ``createuser`` and ``seed --demo-accounts`` enrol directly (system actor).
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

from xiaokang.accounts.actors import SystemActor
from xiaokang.accounts.models import (
    ApiToken,
    EnrolmentCode,
    LoginFailure,
    RecoveryCode,
    Role,
    TotpDevice,
    User,
)
from xiaokang.accounts.services import (
    AccountError,
    LoginRefused,
    _audit_account,
    _refuse_unless_security_admin,
    _system,
    end_sessions,
    is_locked,
    throttle_check,
    throttle_failure,
)
from xiaokang.core import crypto
from xiaokang.core.capabilities import can

ISSUER = "Xiaokang"
STEP_SECONDS = 30
DIGITS = 6
# Codes of one step either side are accepted (a phone's clock a little off), never one already used.
DRIFT_STEPS = 1
RECOVERY_CODES = 10
RECOVERY_DIGITS = 12
# Roles that must sign in with a second factor (GB/T 22239-2019 8.1.4.1 d: two factors for the
# administrators). A security setting about how a role signs in, not something a role may do, so it is not a
# capability (core.capabilities): no page, service or menu entry asks it, and can() must not be able to
# loosen it.
MANDATORY_ROLES = frozenset({Role.DISTRICT_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})
# Enrolment codes: 10 characters of an alphabet without 0/O and 1/I (32 symbols: 50 bits), 7 days, 5 tries.
ENROLMENT_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ENROLMENT_CODE_LENGTH = 10
ENROLMENT_CODE_DAYS = 7
ENROLMENT_CODE_TRIES = 5


class TwoFactorError(AccountError):
    pass


class EnrolmentCodeRefused(TwoFactorError):
    """The enrolment code given at sign-in was refused. ``why``: ``wrong`` (``left`` tries remain),
    ``void`` (that was the last try), ``invalid`` (no code in force: none issued, expired, used or void)."""

    def __init__(self, why: str, left: int = 0):
        super().__init__(f"enrolment code refused: {why}")
        self.why, self.left = why, left


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


def enrolment_code_needed(user: User) -> bool:
    """Whether enrolling a factor for ``user`` needs a district administrator's enrolment code: their
    role requires a factor and they have none (the forced enrolment at sign-in, or an account promoted
    while signed in). A role for which the factor is optional enrols voluntarily without one."""
    return requires_two_factor(user) and not has_two_factor(user)


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


def enrolment_confirm(*, user: User, code: str, enrolment_code: int | None = None) -> list[str] | None:
    """Confirm the unconfirmed secret with a current code: the factor is active from now on and the ten
    recovery codes are returned (shown once, stored hashed). None when the code does not match (nothing
    changes; audited).

    When the user's role requires a factor (enrolment_code_needed), ``enrolment_code`` must be the id of
    the enrolment code enrolment_code_check accepted for them and still in force: it is used up with the
    confirmation; otherwise EnrolmentCodeRefused (audited) and nothing changes (split knowledge)."""
    from xiaokang.audit.services import log_action

    now = timezone.now()
    needed = enrolment_code_needed(user)
    in_force = EnrolmentCode.objects.filter(
        pk=enrolment_code, user=user, used_at__isnull=True, voided_at__isnull=True, expires_at__gt=now
    )
    if needed and (enrolment_code is None or not in_force.exists()):
        log_action(
            user,
            "2fa.enrolment_code_refused",
            object_type="user",
            object_id=str(user.pk),
            details={"why": "invalid", "code_id": enrolment_code},
        )
        raise EnrolmentCodeRefused("invalid")
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=True).first()
        step = _matching_step(device_secret(device), normalise_code(code), now) if device else None
        if step is None:
            log_action(user, "2fa.enrol_refused", object_type="user", object_id=str(user.pk))
            return None
        details = {}
        if needed:
            used = in_force.select_for_update().select_related("issued_by").first()
            if used is None:  # voided or used by a concurrent request since the check above
                raise EnrolmentCodeRefused("invalid")
            used.used_at = now
            used.save(update_fields=["used_at"])
            details = {"code_id": used.pk, "issued_by": used.issued_by.username}
        device.confirmed_at, device.last_step = now, step
        device.save(update_fields=["confirmed_at", "last_step"])
        codes = _new_recovery_codes(user)
        log_action(user, "2fa.enrolled", object_type="user", object_id=str(user.pk), details=details)
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


def two_factor_reset(*, actor, user: User) -> None:
    """The security administrator removes a user's second factor (lost phone): the device, the recovery
    codes, the user's API tokens and signed-in sessions go; the user enrols again at the next sign-in.
    Anyone else is refused here, not only by the page, and the refusal is audited (8.1.4.2)."""
    if not isinstance(actor, SystemActor):
        _refuse_unless_security_admin(actor, "2fa.reset", user.username, capability="two_factor.reset")
    with transaction.atomic():
        TotpDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        ApiToken.objects.filter(user=user).delete()
        end_sessions(user)
        _audit_account(actor, "2fa.reset", user, {})


# --- Enrolment codes (split knowledge) -------------------------------------------------------------


def normalise_enrolment_code(code: str) -> str:
    """Upper case, without the spaces and dashes people type between groups."""
    return re.sub(r"[\s\-]", "", code or "").upper()


def format_enrolment_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def _enrolment_hash(user: User, code: str) -> str:
    return crypto.blind_index(f"enrolment:{user.pk}:{normalise_enrolment_code(code)}")


def open_enrolment_code(user: User, now: dt.datetime | None = None) -> EnrolmentCode | None:
    """The enrolment code in force for ``user`` (issued, not used, not void, not expired), or None."""
    return EnrolmentCode.objects.filter(
        user=user, used_at__isnull=True, voided_at__isnull=True, expires_at__gt=now or timezone.now()
    ).first()


def _refuse_issue(actor, user: User, why: str, message: str) -> None:
    from xiaokang.audit.services import log_action

    # Written before the error is raised (and outside any transaction of ours): a refusal is audited.
    log_action(
        actor,
        "access.denied",
        object_type="user",
        object_id=str(user.pk),
        details={"action": "2fa.enrolment_code_issue", "username": user.username, "why": why},
    )
    raise TwoFactorError(message)


def enrolment_code_issue(*, actor, user: User) -> str:
    """A district administrator issues ``user`` a one-time enrolment code (returned once, formatted
    ``XXXXX-XXXXX``; only its keyed hash is stored), valid ENROLMENT_CODE_DAYS days; any code issued
    before is void. Refused (and audited) unless ``actor`` is an active district administrator other than
    ``user``, ``user`` is active and their role requires a factor they do not have yet."""
    if not getattr(actor, "is_active", False) or not can(actor, "two_factor.issue_code"):
        _refuse_issue(
            actor,
            user,
            "not_district_admin",
            "只有区级管理员可以签发绑定码 / only a district administrator issues enrolment codes",
        )
    if actor.pk == user.pk:
        _refuse_issue(
            actor,
            user,
            "self",
            "不能为自己的账号签发绑定码，请另一位区级管理员签发 / you cannot issue an enrolment code for "
            "your own account: another district administrator does",
        )
    if not user.is_active:
        _refuse_issue(
            actor,
            user,
            "inactive",
            f"账号 {user.username} 已停用 / account {user.username} is deactivated",
        )
    if has_two_factor(user):
        _refuse_issue(
            actor,
            user,
            "enrolled",
            f"账号 {user.username} 已绑定动态口令 / account {user.username} already has a second factor",
        )
    if not requires_two_factor(user):
        _refuse_issue(
            actor,
            user,
            "not_required",
            f"账号 {user.username} 的角色登录时无需动态口令 / the role of account {user.username} does not "
            "sign in with a second factor",
        )
    code = "".join(secrets.choice(ENROLMENT_CODE_ALPHABET) for _ in range(ENROLMENT_CODE_LENGTH))
    now = timezone.now()
    with transaction.atomic():
        voided = EnrolmentCode.objects.filter(user=user, used_at__isnull=True, voided_at__isnull=True).update(
            voided_at=now
        )
        issued = EnrolmentCode.objects.create(
            user=user,
            code_hash=_enrolment_hash(user, code),
            issued_by=actor,
            issued_at=now,
            expires_at=now + dt.timedelta(days=ENROLMENT_CODE_DAYS),
        )
        _audit_account(
            actor,
            "2fa.enrolment_code_issued",
            user,
            {"code_id": issued.pk, "expires": issued.expires_at.isoformat(), "voided_before": voided},
        )
    return format_enrolment_code(code)


def accounts_waiting_for_factor(*, actor) -> list[dict]:
    """For the district administrators' role-change page: active accounts whose role requires a second
    factor and who have none confirmed, each with the enrolment code in force (or None). Empty for anyone
    but an active district administrator."""
    if not getattr(actor, "is_active", False) or not can(actor, "two_factor.issue_code"):
        return []
    users = [
        u
        for u in User.objects.filter(is_active=True)
        .exclude(role="")
        .exclude(totp_device__confirmed_at__isnull=False)
        .select_related("area")
        .order_by("username")
        if requires_two_factor(u)
    ]
    now = timezone.now()
    codes = {
        c.user_id: c
        for c in EnrolmentCode.objects.filter(
            user__in=users, used_at__isnull=True, voided_at__isnull=True, expires_at__gt=now
        ).select_related("issued_by")
    }
    return [{"user": u, "code": codes.get(u.pk)} for u in users]


def enrolment_code_check(*, user: User, code: str) -> EnrolmentCode:
    """Check the enrolment code ``user`` typed at sign-in against the one in force. Returns it (audited
    ``2fa.enrolment_code_accepted``; it is used up only when the factor is confirmed) or raises
    EnrolmentCodeRefused (audited ``2fa.enrolment_code_refused``, committed): a wrong code counts, and the
    ENROLMENT_CODE_TRIES-th wrong one voids it."""
    from xiaokang.audit.services import log_action

    now = timezone.now()
    with transaction.atomic():
        row = (
            EnrolmentCode.objects.select_for_update()
            .filter(user=user, used_at__isnull=True, voided_at__isnull=True, expires_at__gt=now)
            .first()
        )
        if row is not None and hmac.compare_digest(row.code_hash, _enrolment_hash(user, code)):
            log_action(
                user,
                "2fa.enrolment_code_accepted",
                object_type="user",
                object_id=str(user.pk),
                details={"code_id": row.pk},
            )
            return row
        details: dict = {"why": "invalid"}
        refused = EnrolmentCodeRefused("invalid")
        if row is not None:
            row.failures += 1
            left = max(0, ENROLMENT_CODE_TRIES - row.failures)
            if not left:
                row.voided_at = now
            row.save(update_fields=["failures", "voided_at"])
            details = {"why": "wrong" if left else "void", "code_id": row.pk, "failures": row.failures}
            refused = EnrolmentCodeRefused(details["why"], left)
        log_action(
            user,
            "2fa.enrolment_code_refused",
            object_type="user",
            object_id=str(user.pk),
            details=details,
        )
    raise refused


# --- Sign-in ---------------------------------------------------------------------------------------


def second_factor_check(
    *, user: User, code: str, throttle_address: str | None = None, allow_recovery: bool = True
) -> str:
    """Check the second step of a sign-in: a current TOTP code not used before, or (``allow_recovery``)
    an unused recovery code. Returns ``totp`` or ``recovery``; raises LoginRefused (a failure counted
    towards the username lockout and audited) or services.LoginThrottled. ``throttle_address``: the
    address the throttle counts (None: the request's, as the audit middleware set it)."""
    from xiaokang.audit.services import current_client, log_action

    address = current_client.get() if throttle_address is None else throttle_address
    code = normalise_code(code)
    now = timezone.now()
    with transaction.atomic():
        row, throttled = throttle_check(address, now)
        if throttled is not None:
            refused = throttled
        elif is_locked(user.username):
            if throttle_failure(row, now):
                log_action(
                    _system("login"),
                    "login.locked",
                    object_type="user",
                    object_id=user.username[:64],
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
                    log_action(user, "2fa.replay_refused", object_type="user", object_id=str(user.pk))
            elif device is not None and allow_recovery and len(code) == RECOVERY_DIGITS and code.isdigit():
                updated = RecoveryCode.objects.filter(
                    user=user, code_hash=_recovery_hash(user, code), used_at__isnull=True
                ).update(used_at=now)
                if updated:
                    used = "recovery"
            if used is None:
                LoginFailure.objects.create(username=user.username, at=now, client=address)
                if throttle_failure(row, now):
                    log_action(user, "2fa.refused", object_type="user", object_id=str(user.pk))
                refused = LoginRefused(locked=is_locked(user.username))
            else:
                LoginFailure.objects.filter(username=user.username).delete()
                action = "2fa.accepted" if used == "totp" else "2fa.recovery_used"
                details = {}
                if used == "recovery":
                    details["left"] = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
                log_action(user, action, object_type="user", object_id=str(user.pk), details=details)
                log_action(user, "login.success", object_type="user", object_id=str(user.pk))
                return used
    raise refused


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
