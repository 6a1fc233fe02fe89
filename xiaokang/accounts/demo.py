"""The demo database's staff accounts (`xiaokang seed --demo-accounts`; docs/synthetic-data.md): one
account per role, sharing a published password, so refused under production settings (U11;
GB/T 22239-2019 8.1.4.1: no known default passwords; ``XIAOKANG_ALLOW_DEMO_ACCOUNTS``)."""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "Xiaokang-demo-2025"  # noqa: S105 (printed by `make run`; demo databases only)
DEMO_STREET = "110108001000"  # 万寿路街道


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    area: str  # area code or ""
    totp_secret: str | None  # for the roles that sign in with a second factor
    totp_uri: str | None


def demo_accounts() -> list[tuple[str, str, str]]:
    """One account per role for the demo database: (username, role, area code or "")."""
    from xiaokang.core.models import Area

    community = Area.objects.filter(parent__code=DEMO_STREET).order_by("code").first()
    accounts = [
        ("demo_admin", "district_admin", ""),
        ("demo_district", "district_officer", ""),
        ("demo_street", "street_officer", DEMO_STREET),
        ("demo_auditor", "auditor", ""),
        ("demo_security", "security_admin", ""),
    ]
    if community is not None:
        accounts.insert(3, ("demo_community", "community_worker", community.code))
    return accounts


def demo_accounts_seed(*, actor) -> list[DemoLogin]:
    """Create the demo accounts that do not exist yet (through ``user_create``, as the operator's
    ``createuser`` does) and enrol a second factor where the role needs one. The demo (only) gives back
    the factor's secret every time, so a person trying the demo can add it to an authenticator app."""
    from xiaokang.accounts.models import User
    from xiaokang.accounts.services import user_create
    from xiaokang.accounts.twofactor import (
        confirmed_device,
        device_secret,
        enrol_with_secret,
        provisioning_uri,
        requires_two_factor,
    )

    logins = []
    for username, role, area in demo_accounts():
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                actor=actor, username=username, role=role, password=DEMO_PASSWORD, area_code=area or None
            )
        # U11: the roles that sign in with a second factor get one.
        device = confirmed_device(user)
        if device is None and requires_two_factor(user):
            enrol_with_secret(actor=actor, user=user)
            device = confirmed_device(user)
        secret = device_secret(device) if device is not None else None
        uri = provisioning_uri(user, secret) if secret is not None else None
        logins.append(DemoLogin(username, role, area, secret, uri))
    return logins
