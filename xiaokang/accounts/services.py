"""Account services: every write to accounts goes through here."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from xiaokang.accounts.actors import Actor
from xiaokang.accounts.models import ROLE_AREA_LEVEL, Role, User
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
    return user
