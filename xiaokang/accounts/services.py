"""Account services: every write to accounts goes through here."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from xiaokang.accounts.actors import Actor
from xiaokang.accounts.models import ROLE_AREA_LEVEL, ApiToken, LoginFailure, Role, User
from xiaokang.core.models import Area


class AccountError(ValueError):
    pass


def _resolve_area(role: Role, area_code: str | None) -> Area | None:
    level = ROLE_AREA_LEVEL[role]
    if level is None:
        if area_code:
            raise AccountError(f"角色 {role.value} 不绑定区域 / role {role.value} takes no --area")
        return None
    if not area_code:
        raise AccountError(f"角色 {role.value} 需要 --area / role {role.value} needs --area (a {level} code)")
    code = area_code.strip()
    if len(code) == 9:
        code += "000"
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise AccountError(f"区域 {area_code} 不存在 / area {area_code} does not exist")
    if area.level != level:
        raise AccountError(
            f"区域 {area_code} 不是{'街道乡镇' if level == 'street' else '社区村'} / "
            f"area {area_code} is a {area.level}, role {role.value} needs a {level}"
        )
    return area


@transaction.atomic
def user_create(
    *, actor: Actor, username: str, role: str, password: str, area_code: str | None = None
) -> User:
    """Create a staff account with one role (the 三权分立 roles are mutually exclusive by construction:
    an account holds exactly one role)."""
    try:
        role_value = Role(role)
    except ValueError:
        raise AccountError(
            f"未知角色 {role} / unknown role {role}; one of: " + ", ".join(r.value for r in Role)
        ) from None
    if not username or User.objects.filter(username=username).exists():
        raise AccountError(f"用户名 {username!r} 已存在或为空 / username {username!r} is taken or empty")
    area = _resolve_area(role_value, area_code)
    user = User(username=username, role=role_value, area=area, is_staff=False)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise AccountError("密码不符合要求 / password rejected: " + " ".join(exc.messages)) from None
    user.set_password(password)
    user.save()
    _audit_account(actor, "account.create", user, {"role": user.role, "area": area.code if area else ""})
    return user


def _audit_account(actor: Actor, action: str, user: User, details: dict) -> None:
    from xiaokang.audit.services import log_action

    log_action(
        actor,
        action,
        object_type="user",
        object_id=str(user.pk),
        details={"username": user.username, **details},
    )


@transaction.atomic
def user_update(*, actor: Actor, user: User, role: str, area_code: str | None, is_active: bool) -> User:
    """Change an account's role, area or active flag (security administrator). One role per account:
    a role change replaces the old role, so no account ever holds two (三权分立)."""
    try:
        role_value = Role(role)
    except ValueError:
        raise AccountError(f"未知角色 {role} / unknown role {role}") from None
    if getattr(actor, "pk", None) == user.pk and (role_value != user.role or not is_active):
        raise AccountError(
            "不能更改自己的角色或停用自己 / you cannot change your own role or deactivate yourself"
        )
    area = _resolve_area(role_value, area_code)
    before = {"role": user.role, "area": user.area.code if user.area else "", "active": user.is_active}
    user.role, user.area, user.is_active = role_value, area, is_active
    user.save(update_fields=["role", "area", "is_active"])
    after = {"role": user.role, "area": area.code if area else "", "active": user.is_active}
    _audit_account(
        actor, "account.update", user, {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    )
    return user


@transaction.atomic
def user_unlock(*, actor: Actor, user: User) -> None:
    """Clear a username's failed logins (a security administrator lifts a lockout early)."""
    LoginFailure.objects.filter(username=user.username).delete()
    _audit_account(actor, "account.unlock", user, {})


# Login security (U11; GB/T 22239-2019 8.1.4.1 identification and authentication).
LOCKOUT_FAILURES = 5
LOCKOUT_MINUTES = 15
API_TOKEN_HOURS = 8
# Per client address (U11, 8.1.4.1 b): THROTTLE_AFTER failures from one address within the window are
# free; after that each further attempt waits 2^k seconds (k = failures beyond THROTTLE_AFTER, at most
# THROTTLE_MAX_SECONDS) and is refused early, before any password is checked. The first AUDIT_EACH
# failures of an address in a window are audited one by one; the rest as one summary per window.
THROTTLE_WINDOW_MINUTES = 15
THROTTLE_AFTER = 10
THROTTLE_MAX_SECONDS = 15 * 60
AUDIT_EACH = 10


class LoginRefused(Exception):
    """Wrong credentials or a locked username; ``locked`` tells which (the message never says whether the
    username exists)."""

    def __init__(self, locked: bool):
        super().__init__("locked" if locked else "invalid")
        self.locked = locked


class LoginThrottled(Exception):
    """Too many failures from this client address: try again in ``retry_after`` seconds (HTTP 429)."""

    def __init__(self, retry_after: int):
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


def _system(label: str):
    from xiaokang.accounts.actors import SystemActor

    return SystemActor(label)


def is_locked(username: str) -> bool:
    since = timezone.now() - dt.timedelta(minutes=LOCKOUT_MINUTES)
    return LoginFailure.objects.filter(username=username, at__gte=since).count() >= LOCKOUT_FAILURES


def failure_key(username: str) -> str:
    """What a failed sign-in for ``username`` is counted and audited under: the username of an existing
    account, else a keyed hash of what was typed (PIPL art. 51; GB/T 22239-2019 8.1.4.3 audit records
    hold no secrets): a password typed into the user-name field never lands in LoginFailure rows or the
    audit trail in clear."""
    from xiaokang.core import crypto

    if username and User.objects.filter(username=username).exists():
        return username
    return "hmac:" + crypto.blind_index("staff-login:" + username)


def _throttle_row(client: str, now: dt.datetime):
    """The client's throttle row (locked for this transaction), its window renewed when over; a window
    that saw a flood is summarised in the audit trail as it closes (one event with the counts)."""
    from xiaokang.accounts.models import LoginThrottle

    row, _created = LoginThrottle.objects.select_for_update().get_or_create(
        client=client[:64], defaults={"window_start": now}
    )
    if now - row.window_start >= dt.timedelta(minutes=THROTTLE_WINDOW_MINUTES):
        _summarise(row, now)
        row.window_start, row.failures, row.refused, row.last_failure_at = now, 0, 0, None
        row.save()
        # Rows of addresses that stopped long ago and have nothing left to summarise are of no use.
        LoginThrottle.objects.filter(
            window_start__lt=now - dt.timedelta(days=1), failures__lte=AUDIT_EACH, refused=0
        ).delete()
    return row


def _summarise(row, now: dt.datetime) -> None:
    from xiaokang.audit.services import log_action

    if row.failures > AUDIT_EACH or row.refused:
        log_action(
            _system("login"),
            "login.flood",
            object_type="client",
            object_id=row.client,
            client=row.client,
            details={
                "failures": row.failures,
                "refused": row.refused,
                "from": row.window_start.isoformat(),
                "to": now.isoformat(),
            },
        )


def throttle_retry_after(row, now: dt.datetime) -> int:
    """Seconds the client must still wait (0: it may try now)."""
    if row.failures < THROTTLE_AFTER or row.last_failure_at is None:
        return 0
    wait = min(2 ** (row.failures - THROTTLE_AFTER), THROTTLE_MAX_SECONDS)
    remaining = (row.last_failure_at + dt.timedelta(seconds=wait) - now).total_seconds()
    return max(0, math.ceil(remaining))


def throttle_check(client: str, now: dt.datetime):
    """The client's throttle row, or LoginThrottled (counted; the first refusal of a window audited)."""
    from xiaokang.audit.services import log_action

    row = _throttle_row(client, now)
    wait = throttle_retry_after(row, now)
    if wait:
        row.refused += 1
        row.save(update_fields=["refused"])
        if row.refused == 1:
            log_action(
                _system("login"),
                "login.throttled",
                object_type="client",
                object_id=row.client,
                client=row.client,
                details={"failures": row.failures, "retry_after": wait},
            )
        return row, LoginThrottled(wait)
    return row, None


def throttle_failure(row, now: dt.datetime) -> bool:
    """Count a failure against the client; True while its failures are still audited one by one."""
    row.failures += 1
    row.last_failure_at = now
    row.save(update_fields=["failures", "last_failure_at"])
    return row.failures <= AUDIT_EACH


def login_check(*, request, username: str, password: str, client: str | None = None) -> User:
    """Authenticate the password step with lockout and throttling (U11):
    - 5 failures for one username within 15 minutes lock it for 15 minutes, whatever the client address
      (attempts while locked do not prolong the lock);
    - an address with more than THROTTLE_AFTER failures in the window waits 2^k seconds per attempt
      (LoginThrottled, checked before the password);
    - every outcome is audited and committed even though the login is refused (floods as a summary).
    A user who has a second factor (or must enrol one) is audited ``login.password``: the sign-in is
    complete only after accounts.twofactor.second_factor_check."""
    from xiaokang.accounts.twofactor import second_step
    from xiaokang.audit.services import current_client, log_action

    username = (username or "").strip()
    client = current_client.get() if client is None else client
    now = timezone.now()
    with transaction.atomic():
        row, throttled = throttle_check(client, now)
        if throttled is not None:
            refused = throttled
        else:
            key = failure_key(username)
            if is_locked(key):
                if throttle_failure(row, now):
                    log_action(
                        _system("login"),
                        "login.locked",
                        object_type="user",
                        object_id=key[:64],
                        client=client,
                    )
                refused = LoginRefused(locked=True)
            else:
                user = authenticate(request, username=username, password=password)
                if user is None:
                    LoginFailure.objects.create(username=key, at=now, client=client)
                    if throttle_failure(row, now):
                        log_action(
                            _system("login"),
                            "login.failure",
                            object_type="user",
                            object_id=key[:64],
                            client=client,
                        )
                    refused = LoginRefused(locked=is_locked(key))
                elif second_step(user):
                    # The failures stay counted until the second factor is through: a known password
                    # must not reset the count of wrong codes.
                    log_action(
                        user, "login.password", object_type="user", object_id=str(user.pk), client=client
                    )
                    return user
                else:
                    LoginFailure.objects.filter(username=username).delete()
                    log_action(
                        user, "login.success", object_type="user", object_id=str(user.pk), client=client
                    )
                    return user
    raise refused


@transaction.atomic
def api_token_issue(*, user: User, client: str | None = None) -> str:
    """A new bearer token for ``user``, valid API_TOKEN_HOURS hours; only its hash is kept."""
    from xiaokang.audit.services import log_action

    token = secrets.token_urlsafe(32)
    now = timezone.now()
    ApiToken.objects.create(
        user=user,
        key_hash=hashlib.sha256(token.encode()).hexdigest(),
        created_at=now,
        expires_at=now + dt.timedelta(hours=API_TOKEN_HOURS),
    )
    log_action(user, "api.token", object_type="user", object_id=str(user.pk), client=client)
    return token


def api_token_user(token: str) -> User | None:
    """The active user a bearer token belongs to, or None (unknown, expired, idle longer than
    XIAOKANG_API_TOKEN_IDLE_MINUTES, or the user is inactive). A use is recorded at most once a minute
    (one UPDATE a minute per token, not one per request)."""
    if not token:
        return None
    now = timezone.now()
    found = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hashlib.sha256(token.encode()).hexdigest(), expires_at__gt=now)
        .first()
    )
    if found is None or not found.user.is_active:
        return None
    idle = dt.timedelta(minutes=settings.XIAOKANG_API_TOKEN_IDLE_MINUTES)
    if now - (found.last_used_at or found.created_at) > idle:
        return None
    if found.last_used_at is None or now - found.last_used_at >= dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found.user
