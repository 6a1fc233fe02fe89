"""Account services: every write to accounts goes through here."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

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


# Login security (issue 3 §1; MLPS level 3 identity authentication).
LOCKOUT_FAILURES = 5
LOCKOUT_MINUTES = 15
API_TOKEN_HOURS = 8


class LoginRefused(Exception):
    """Wrong credentials or a locked username; ``locked`` tells which (the message never says whether the
    username exists)."""

    def __init__(self, locked: bool):
        super().__init__("locked" if locked else "invalid")
        self.locked = locked


def _system(label: str):
    from xiaokang.accounts.actors import SystemActor

    return SystemActor(label)


def is_locked(username: str) -> bool:
    since = timezone.now() - dt.timedelta(minutes=LOCKOUT_MINUTES)
    return LoginFailure.objects.filter(username=username, at__gte=since).count() >= LOCKOUT_FAILURES


def login_check(*, request, username: str, password: str, client: str | None = None) -> User:
    """Authenticate with lockout: 5 failures for one username within 15 minutes lock it for 15 minutes,
    whatever the client address. Every success and failure is audited (and committed even though the
    login is refused)."""
    from xiaokang.audit.services import current_client, log_action

    username = (username or "").strip()
    client = current_client.get() if client is None else client
    with transaction.atomic():
        if is_locked(username):
            LoginFailure.objects.create(username=username, at=timezone.now(), client=client)
            log_action(
                _system("login"), "login.locked", object_type="user", object_id=username[:64], client=client
            )
            refused = LoginRefused(locked=True)
        else:
            user = authenticate(request, username=username, password=password)
            if user is None:
                LoginFailure.objects.create(username=username, at=timezone.now(), client=client)
                log_action(
                    _system("login"),
                    "login.failure",
                    object_type="user",
                    object_id=username[:64],
                    client=client,
                )
                refused = LoginRefused(locked=is_locked(username))
            else:
                LoginFailure.objects.filter(username=username).delete()
                log_action(user, "login.success", object_type="user", object_id=str(user.pk), client=client)
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
    """The active user a bearer token belongs to, or None (unknown, expired, or the user is inactive)."""
    if not token:
        return None
    found = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hashlib.sha256(token.encode()).hexdigest(), expires_at__gt=timezone.now())
        .first()
    )
    if found is None or not found.user.is_active:
        return None
    return found.user
