"""The seed's demo accounts step (`xiaokang seed --demo-accounts`; U11), registered with core/seeding.py
(docs/architecture/registration.md). It lives in the portal because it makes both the staff demo
accounts (``accounts.demo``) and a demo resident's portal account (``portal.demo``): only the portal
sits above both."""

from __future__ import annotations

from xiaokang.core import seeding
from xiaokang.core.cli_support import UsageError


def _seed_arguments(p) -> None:
    p.add_argument(
        "--demo-accounts",
        action="store_true",
        help="also create one demo account per role, and a demo resident's portal account",
    )


def _refuse_in_production(args) -> None:
    from django.conf import settings

    if args.demo_accounts and not settings.XIAOKANG_ALLOW_DEMO_ACCOUNTS:
        # Refused before anything is seeded (U11; GB/T 22239-2019 8.1.4.1: no known default passwords).
        raise UsageError(
            "--demo-accounts is refused under production settings: demo accounts share a published "
            "password; create real accounts with `xiaokang createuser` / "
            "生产环境不允许创建演示账户（演示账户使用公开的密码），请用 xiaokang createuser 创建账户"
        )


def seed_demo_accounts_step(args) -> None:
    if not args.demo_accounts:
        return
    from xiaokang.accounts.actors import SystemActor
    from xiaokang.accounts.demo import DEMO_PASSWORD, demo_accounts_seed
    from xiaokang.portal.demo import demo_applicant

    actor = SystemActor("cli seed")
    for login in demo_accounts_seed(actor=actor):
        print(f"  demo login: {login.username:16} {login.role:18} {login.area}")
        if login.totp_secret is not None:
            print(f"      TOTP secret {login.totp_secret}  ({login.totp_uri})")
    applicant = demo_applicant(actor=actor)
    if applicant:
        print(f"  demo resident (portal, /account/login/, verified by the seed): ID number {applicant}")
    print(f"  demo password for all: {DEMO_PASSWORD}")


seeding.register_step(
    seeding.SeedStep(
        "demo-accounts",
        order=40,
        arguments=_seed_arguments,
        run=seed_demo_accounts_step,
        check=_refuse_in_production,
    )
)
