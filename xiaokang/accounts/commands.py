"""`xiaokang migrate`, `createuser`, `serve`: the operator's commands that set up and run the site
(registered in core/commands.py; docs/architecture/registration.md). Also provides the system actor
that every command acts as (``core.commands.system_actor``)."""

from __future__ import annotations

import getpass
import io
import os
import sys

from xiaokang.core import commands
from xiaokang.core.cli_support import EXIT_INPUT_ERRORS, EXIT_OK, UsageError


def _system_actor(label: str):
    from xiaokang.accounts.actors import SystemActor

    return SystemActor(label)


commands.provide_system_actor(_system_actor)


# --- migrate ---------------------------------------------------------------------------------------
def cmd_migrate(args) -> int:
    from django.conf import settings
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError
    from django.db import connection

    # The checks run after migrating: before, a database whose audit triggers were removed would stop
    # the very command that puts them back.
    call_command("migrate", interactive=False, verbosity=1 if args.verbose else 0, skip_checks=True)
    if getattr(settings, "XIAOKANG_AUDIT_TRIGGERS", True):
        # idempotent: the audit tables are append-only
        from xiaokang.audit.commands import reinstall_triggers

        reinstall_triggers(connection, "cli migrate")
    try:
        call_command("check", stdout=io.StringIO())
    except SystemCheckError as exc:
        raise UsageError(str(exc)) from None
    print("database is up to date")
    return EXIT_OK


def _migrate_arguments(p) -> None:
    p.add_argument("-v", "--verbose", action="store_true")


commands.register(
    "migrate",
    order=10,
    help="create or update the database tables (and the audit tables' append-only triggers)",
    arguments=_migrate_arguments,
    handler=cmd_migrate,
)


# --- createuser ------------------------------------------------------------------------------------
def cmd_createuser(args) -> int:
    from xiaokang.accounts.actors import SystemActor
    from xiaokang.accounts.services import AccountError, user_create

    password = os.environ.get("XIAOKANG_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            raise UsageError("no password: set XIAOKANG_PASSWORD or run in a terminal / 未提供密码")
        password = getpass.getpass("Password / 密码: ")
        if password != getpass.getpass("Again / 再次输入: "):
            print("passwords differ / 两次输入的密码不一致", file=sys.stderr)
            return EXIT_INPUT_ERRORS
    try:
        user = user_create(
            actor=SystemActor("cli createuser"),
            username=args.username,
            role=args.role,
            password=password,
            area_code=args.area,
        )
    except AccountError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_INPUT_ERRORS
    area = f" ({user.area.name} {user.area.code})" if user.area else ""
    print(f"created {user.username}: {user.role}{area}")
    from xiaokang.accounts.twofactor import enrol_with_secret, requires_two_factor

    if requires_two_factor(user):
        # U11: the role signs in with a second factor; enrolled here, so the first sign-in is not left
        # to whoever types the password first. The URI is printed once and stored nowhere in clear.
        uri = enrol_with_secret(actor=SystemActor("cli createuser"), user=user)
        print("second factor (TOTP) enrolled; give this to the user once, as a QR code or typed in /")
        print("已绑定动态口令，请将以下地址一次性交给用户（可生成二维码）:")
        print(f"  {uri}")
    return EXIT_OK


def _createuser_arguments(p) -> None:
    from xiaokang.accounts.models import Role

    p.add_argument("username")
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.add_argument(
        "--area", help="street (9 or 12 digits) or community code (12 digits), for street and community roles"
    )


commands.register(
    "createuser",
    order=20,
    help="create a staff account (password from XIAOKANG_PASSWORD or asked)",
    arguments=_createuser_arguments,
    handler=cmd_createuser,
)


# --- serve -----------------------------------------------------------------------------------------
def cmd_serve(args) -> int:
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError
    from gunicorn.app.base import BaseApplication

    # The start-up checks, among them the audit trail's append-only triggers (U11): refuse to serve.
    try:
        call_command("check", stdout=io.StringIO())
    except SystemCheckError as exc:
        raise UsageError(f"refusing to serve / 拒绝启动:\n{exc}") from None
    # Static files are served by WhiteNoise from the collected directory (compressed, cache headers);
    # collected before the application (and WhiteNoise) is loaded.
    call_command("collectstatic", interactive=False, verbosity=0)
    from config.wsgi import application

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{args.host}:{args.port}")
            self.cfg.set("workers", args.workers)
            self.cfg.set("threads", 4)
            self.cfg.set("accesslog", "-")
            # Access log lines carry paths only (PIPL art. 51: nothing sensitive in logs).
            # %(U)s is the path without the query string: a search's parameters never reach the log.
            self.cfg.set("access_log_format", '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms')

        def load(self):
            return application

    print(f"Xiaokang is serving on http://{args.host}:{args.port}/", flush=True)
    Server().run()
    return EXIT_OK


def _serve_arguments(p) -> None:
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=2)


commands.register(
    "serve",
    order=30,
    help="serve the site with a production-grade server (gunicorn)",
    arguments=_serve_arguments,
    handler=cmd_serve,
)
