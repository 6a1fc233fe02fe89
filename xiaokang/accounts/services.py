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

from xiaokang.accounts.actors import Actor, SystemActor
from xiaokang.accounts.models import ROLE_AREA_LEVEL, ApiToken, LoginFailure, Role, RoleGrant, User
from xiaokang.core.capabilities import can
from xiaokang.core.errors import FieldError, ServiceError
from xiaokang.core.models import Area


class AccountError(ServiceError, ValueError):
    """A refused account change (a ServiceError); "中文 / English" or the page's language."""

    def __init__(self, message: str, field: str = "", kind: str = "invalid"):
        super().__init__(kind, [FieldError(field, message)])


class WrongPassword(AccountError):
    """The current password given to change one's own password is wrong."""


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


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise AccountError(
            f"未知角色 {role} / unknown role {role}; one of: " + ", ".join(r.value for r in Role)
        ) from None


def _code(area: Area | None) -> str:
    return area.code if area else ""


def _validated_password(password: str, user: User) -> str:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise AccountError("密码不符合要求 / password rejected: " + " ".join(exc.messages)) from None
    return password


def user_create(
    *,
    actor: Actor,
    username: str,
    role: str,
    password: str | None,
    area_code: str | None = None,
    reason: str = "",
) -> User:
    """Create a staff account (one role per account: the 三权分立 roles are mutually exclusive by
    construction).

    The operator (``xiaokang createuser``, a ``SystemActor``) is trusted: the account gets its role and a
    working password at once; that is how the first accounts are bootstrapped. A person (the security
    administrator's page) only PROPOSES the role: the account is created without one and a pending
    RoleGrant waits for a district administrator (GB/T 22239-2019 8.1.4.2, PIPL art. 51), and the
    password they chose must be changed at the first sign-in (8.1.4.1).

    ``password=None`` (the operator only): an account that cannot sign in, with no password at all, for
    the demo's synthetic officers whose work the seed records (cases.synthetic)."""
    role_value = _role(role)
    if not username or User.objects.filter(username=username).exists():
        raise AccountError(f"用户名 {username!r} 已存在或为空 / username {username!r} is taken or empty")
    area = _resolve_area(role_value, area_code)
    by_operator = isinstance(actor, SystemActor)
    if not by_operator:
        _refuse_unless_security_admin(actor, "account.create", username)
        if not (reason or "").strip():
            raise AccountError(REASON_REQUIRED)
    user = User(username=username, role=role_value, area=area, is_staff=False)
    if password is None:
        if not by_operator:
            raise AccountError("须设置密码 / a password is required")
        user.set_unusable_password()
    else:
        _validated_password(password, user)
        if not by_operator:
            user.role, user.area, user.must_change_password = "", None, True
        user.set_password(password)
    with transaction.atomic():
        user.save()
        _audit_account(
            actor,
            "account.create",
            user,
            {
                "role": user.role,
                "area": _code(user.area),
                "must_change_password": user.must_change_password,
                "can_sign_in": user.has_usable_password(),
            },
        )
        if not by_operator:
            _grant_create(actor=actor, user=user, to_role=role_value, to_area=area, reason=reason)
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


def user_update(
    *, actor: Actor, user: User, role: str, area_code: str | None, is_active: bool, reason: str = ""
) -> RoleGrant | None:
    """Change an account (security administrator). The active flag changes at once (deactivating takes
    rights away; reactivating gives back only the role a district administrator approved). A change of
    role or area is only proposed: the RoleGrant returned waits for a district administrator (三权分立,
    GB/T 22239-2019 8.1.4.2). One role per account: an approved change replaces the old role.

    Nobody changes their own role or area, or deactivates themselves: refused and audited."""
    role_value = _role(role)
    area = _resolve_area(role_value, area_code)
    changes_role = (role_value, area) != (user.role, user.area)
    pending = RoleGrant.objects.filter(user=user, status=RoleGrant.Status.PENDING).first()
    if pending is not None and (role_value, area) == (pending.to_role, pending.to_area):
        changes_role = False  # the form shows the proposal already waiting: nothing new to propose
    if getattr(actor, "pk", None) == user.pk and (changes_role or not is_active):
        _refused(
            actor,
            user,
            "self",
            "不能更改自己的角色、区域或停用自己 / "
            "you cannot change your own role or area, or deactivate yourself",
        )
    by_operator = isinstance(actor, SystemActor)
    if not by_operator:
        _refuse_unless_security_admin(actor, "account.update", user.username)
        if changes_role and not (reason or "").strip():
            raise AccountError(REASON_REQUIRED)
    with transaction.atomic():
        if is_active != user.is_active:
            user.is_active = is_active
            user.save(update_fields=["is_active"])
            _audit_account(actor, "account.update", user, {"active": [not is_active, is_active]})
        if changes_role and by_operator:
            # The operator (a command run on the server) is trusted, as for createuser: applied at once.
            before = [user.role, _code(user.area)]
            user.role, user.area = role_value, area
            user.save(update_fields=["role", "area"])
            _audit_account(
                actor,
                "account.update",
                user,
                {"role": [before[0], user.role], "area": [before[1], _code(area)]},
            )
        elif changes_role:
            return _grant_create(actor=actor, user=user, to_role=role_value, to_area=area, reason=reason)
    return None


REASON_REQUIRED = "请说明理由 / give a reason for the role change (field: reason)"


def _refused(actor: Actor, user: User | None, why: str, message: str, **details) -> None:
    """Record a refused account change and raise it. The event is written in its own transaction, before
    the caller's (if any) is rolled back by the error: a refusal is audited (GB/T 22239-2019 8.1.4.3)."""
    from xiaokang.audit.services import log_action

    log_action(
        actor,
        "grant.refused",
        object_type="user",
        object_id=str(user.pk) if user is not None else "",
        details={"username": user.username if user is not None else "", "why": why, **details},
    )
    raise AccountError(message)


def _refuse_unless_security_admin(
    actor: Actor, action: str, username: str, *, capability: str = "account.manage"
) -> None:
    # A person's decision, never a batch job's: an actor without is_active (a SystemActor) is refused.
    if not getattr(actor, "is_active", False) or not can(actor, capability):
        from xiaokang.audit.services import log_action

        log_action(
            actor, "access.denied", object_type="user", object_id=username[:64], details={"action": action}
        )
        raise AccountError("只有安全管理员可以管理账号 / only the security administrator manages accounts")


def _grant_create(*, actor: Actor, user: User, to_role: Role, to_area: Area | None, reason: str) -> RoleGrant:
    if RoleGrant.objects.filter(user=user, status=RoleGrant.Status.PENDING).exists():
        raise AccountError(
            f"账号 {user.username} 已有待批准的角色变更 / account {user.username} already has a pending role "
            "change: a district administrator must decide it first"
        )
    grant = RoleGrant.objects.create(
        user=user,
        from_role=user.role,
        from_area=user.area,
        to_role=to_role,
        to_area=to_area,
        reason=reason.strip()[:500],
        proposed_by=actor,
        proposed_at=timezone.now(),
    )
    _audit_grant(actor, "grant.propose", grant)
    return grant


def _audit_grant(actor: Actor, action: str, grant: RoleGrant) -> None:
    from xiaokang.audit.services import log_action

    log_action(
        actor,
        action,
        object_type="role_grant",
        object_id=str(grant.pk),
        details={
            "username": grant.user.username,
            "user_id": grant.user_id,
            "role": [grant.from_role, grant.to_role],
            "area": [_code(grant.from_area), _code(grant.to_area)],
            "reason": grant.reason,
            "proposed_by": grant.proposed_by.username,
            **({"note": grant.decision_note} if grant.decision_note else {}),
        },
    )


def _check_decider(actor: Actor, grant: RoleGrant, action: str) -> None:
    """Only an active district administrator who is neither the account concerned nor the proposer
    decides a grant (two people, and never oneself: GB/T 22239-2019 8.1.4.2). Refusals are audited."""
    refusals = (
        (
            not getattr(actor, "is_active", False) or not can(actor, "grant.decide"),
            "not_district_admin",
            "只有区级管理员可以批准或驳回角色变更 / only a district administrator decides role changes",
        ),
        (
            actor.pk == grant.user_id,
            "self",
            "不能决定自己的角色变更 / you cannot decide a change of your own role or area",
        ),
        (
            actor.pk == grant.proposed_by_id,
            "proposer",
            "不能决定自己提出的角色变更 / you cannot decide a role change you proposed",
        ),
    )
    for refused, why, message in refusals:
        if refused:  # the first that applies is the one audited
            _refused(actor, grant.user, why, message, grant=grant.pk, action=action)


def _locked_pending(grant: RoleGrant) -> RoleGrant:
    locked = RoleGrant.objects.select_for_update().select_related("user", "proposed_by").get(pk=grant.pk)
    if locked.status != RoleGrant.Status.PENDING:
        raise AccountError(
            f"该角色变更已{locked.get_status_display()} / this role change was already decided "
            f"({locked.status})"
        )
    return locked


def grant_approve(*, actor: Actor, grant: RoleGrant, note: str = "") -> RoleGrant:
    """Approve a pending grant and apply it to the account (role and area), both audited."""
    _check_decider(actor, grant, "approve")
    with transaction.atomic():
        grant = _locked_pending(grant)
        user = User.objects.select_for_update().get(pk=grant.user_id)
        if (user.role, user.area_id) != (grant.from_role, grant.from_area_id):
            raise AccountError(
                f"账号 {user.username} 在提议后已变更，请驳回后重新提议 / account {user.username} changed "
                "since this was proposed: reject it and propose again"
            )
        grant.status, grant.decided_by, grant.decided_at = RoleGrant.Status.APPROVED, actor, timezone.now()
        grant.decision_note = (note or "").strip()[:500]
        grant.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        user.role, user.area = grant.to_role, grant.to_area
        user.save(update_fields=["role", "area"])
        _audit_grant(actor, "grant.approve", grant)
        # Sessions opened under the old role end by themselves (the role is in the session hash,
        # User.get_session_auth_hash); API tokens carry no such hash, so they are revoked: the account
        # signs in again with its new role (and enrols first where the role needs a second factor).
        ApiToken.objects.filter(user=user).delete()
    return grant


def end_sessions(user: User) -> int:
    """End every signed-in session of ``user`` (database sessions); returns how many."""
    from django.contrib.sessions.models import Session

    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended


def grant_reject(*, actor: Actor, grant: RoleGrant, note: str = "") -> RoleGrant:
    """Reject a pending grant: the account keeps its role and area; audited."""
    _check_decider(actor, grant, "reject")
    with transaction.atomic():
        grant = _locked_pending(grant)
        grant.status, grant.decided_by, grant.decided_at = RoleGrant.Status.REJECTED, actor, timezone.now()
        grant.decision_note = (note or "").strip()[:500]
        grant.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        _audit_grant(actor, "grant.reject", grant)
    return grant


# Passwords (GB/T 22239-2019 8.1.4.1 identification: a password someone else chose is changed at once).
def password_set(*, actor: Actor, user: User, password: str) -> None:
    """Someone else (the security administrator) sets ``user``'s password: it works for one sign-in, after
    which the user must choose their own. Their sessions end (Django checks the password hash on every
    request) and their API tokens are revoked."""
    if getattr(actor, "pk", None) == user.pk:
        raise AccountError(
            "请在“修改密码”页修改自己的密码 / change your own password on the change-password page"
        )
    if not isinstance(actor, SystemActor):
        _refuse_unless_security_admin(actor, "account.password_set", user.username)
    _validated_password(password, user)
    user.set_password(password)
    user.must_change_password = True
    with transaction.atomic():
        user.save(update_fields=["password", "must_change_password"])
        ApiToken.objects.filter(user=user).delete()
        _audit_account(actor, "account.password_set", user, {"must_change_password": True})


def password_change(*, actor: User, current: str, new: str) -> None:
    """A user changes their own password: the current one, then a new one that obeys the policy
    (accounts.passwords) and differs from it. Clears ``must_change_password``; ends the user's other
    sessions (the view keeps this one with update_session_auth_hash) and revokes their API tokens.
    Success and a wrong current password are both audited."""
    from xiaokang.audit.services import current_client, log_action

    # The current password is a sign-in secret: a wrong one counts towards the lockout like a failed
    # sign-in (8.1.4.1 b), or a left-open session could guess it without limit on this page.
    key = failure_key(actor.username)
    if is_locked(key):
        log_action(
            actor,
            "account.password_change_refused",
            object_type="user",
            object_id=str(actor.pk),
            details={"locked": True},
        )
        raise WrongPassword(
            f"失败次数过多，请 {LOCKOUT_MINUTES} 分钟后再试 / too many failed attempts: try again in "
            f"{LOCKOUT_MINUTES} minutes (field: current password)"
        )
    if not actor.check_password(current):
        LoginFailure.objects.create(username=key, at=timezone.now(), client=current_client.get() or "")
        log_action(actor, "account.password_change_refused", object_type="user", object_id=str(actor.pk))
        raise WrongPassword("当前密码不正确 / the current password is wrong (field: current password)")
    if new == current:
        raise AccountError("新密码不能与当前密码相同 / the new password must differ from the current one")
    _validated_password(new, actor)
    with transaction.atomic():
        actor.set_password(new)
        actor.must_change_password = False
        actor.save(update_fields=["password", "must_change_password"])
        ApiToken.objects.filter(user=actor).delete()
        log_action(actor, "account.password_change", object_type="user", object_id=str(actor.pk))


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


def _throttle_row(address: str, now: dt.datetime):
    """The address's throttle row (locked for this transaction), its window renewed when over; a window
    that saw a flood is summarised in the audit trail as it closes (one event with the counts)."""
    from xiaokang.accounts.models import LoginThrottle

    row, _created = LoginThrottle.objects.select_for_update().get_or_create(
        client=address[:64], defaults={"window_start": now}
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


def throttle_check(address: str, now: dt.datetime):
    """The address's throttle row, or LoginThrottled (counted; the first refusal of a window audited)."""
    from xiaokang.audit.services import log_action

    row = _throttle_row(address, now)
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


def login_check(*, request, username: str, password: str, throttle_address: str | None = None) -> User:
    """Authenticate the password step with lockout and throttling (U11):
    - 5 failures for one username within 15 minutes lock it for 15 minutes, whatever the client address
      (attempts while locked do not prolong the lock);
    - an address with more than THROTTLE_AFTER failures in the window waits 2^k seconds per attempt
      (LoginThrottled, checked before the password);
    - every outcome is audited and committed even though the login is refused (floods as a summary).
    A user who has a second factor (or must enrol one) is audited ``login.password``: the sign-in is
    complete only after accounts.twofactor.second_factor_check. ``throttle_address`` is the address the
    throttle counts (None: the request's, as the audit middleware set it); the audit trail records the
    request's address by itself."""
    from xiaokang.accounts.twofactor import second_step
    from xiaokang.audit.services import current_client, log_action

    username = (username or "").strip()
    address = current_client.get() if throttle_address is None else throttle_address
    now = timezone.now()
    with transaction.atomic():
        row, throttled = throttle_check(address, now)
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
                    )
                refused = LoginRefused(locked=True)
            else:
                user = authenticate(request, username=username, password=password)
                if user is None:
                    LoginFailure.objects.create(username=key, at=now, client=address)
                    if throttle_failure(row, now):
                        log_action(
                            _system("login"),
                            "login.failure",
                            object_type="user",
                            object_id=key[:64],
                        )
                    refused = LoginRefused(locked=is_locked(key))
                elif second_step(user):
                    # The failures stay counted until the second factor is through: a known password
                    # must not reset the count of wrong codes.
                    log_action(user, "login.password", object_type="user", object_id=str(user.pk))
                    return user
                else:
                    LoginFailure.objects.filter(username=username).delete()
                    log_action(user, "login.success", object_type="user", object_id=str(user.pk))
                    return user
    raise refused


@transaction.atomic
def api_token_issue(*, user: User) -> str:
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
    log_action(user, "api.token", object_type="user", object_id=str(user.pk))
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


class TokenRefused(Exception):
    """A token request stopped after the password (audited): ``why`` is ``enrol`` (the account must set
    up its second factor on the pages first), ``otp`` (a code is missing or wrong), ``locked`` (a wrong
    code locked the username) or ``password_change`` (someone else set the password)."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


def api_token_sign_in(
    *, request, username: str, password: str, otp: str | None, throttle_address: str | None = None
) -> str:
    """A bearer token for the API (U11): the pages' password step (``login_check``: lockout, throttling
    per ``throttle_address``, audited), the second factor when the account has one (a current TOTP code
    as ``otp``; no recovery codes here), and no token while the password is one someone else set.
    Raises LoginThrottled, LoginRefused (the password step) or TokenRefused; every refusal is audited."""
    from xiaokang.accounts.twofactor import second_factor_check, second_step
    from xiaokang.audit.services import log_action

    user = login_check(
        request=request, username=username, password=password, throttle_address=throttle_address
    )
    step = second_step(user)
    if step == "enrol":
        log_action(user, "2fa.required", object_type="user", object_id=str(user.pk))
        raise TokenRefused("enrol")
    if step == "code":
        if not otp:
            log_action(user, "2fa.refused", object_type="user", object_id=str(user.pk))
            raise TokenRefused("otp")
        try:
            second_factor_check(user=user, code=otp, throttle_address=throttle_address, allow_recovery=False)
        except LoginRefused as refused:
            raise TokenRefused("locked" if refused.locked else "otp") from None
    if user.must_change_password:
        log_action(user, "api.token_refused", object_type="user", object_id=str(user.pk))
        raise TokenRefused("password_change")
    return api_token_issue(user=user)
