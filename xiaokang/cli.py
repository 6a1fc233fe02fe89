"""`xiaokang`: the one command for every staff batch job (R5).

Exit codes (a contract other scripts rely on): 0 done; 1 the input had errors (nothing written);
2 unusable invocation or file. Each subcommand parses its arguments, calls one service or selector,
and prints; the work itself lives in the apps.
"""

from __future__ import annotations

import argparse
import getpass
import io
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

EXIT_OK, EXIT_INPUT_ERRORS, EXIT_UNUSABLE = 0, 1, 2

DEMO_PASSWORD = "Xiaokang-demo-2025"  # noqa: S105 (printed by `make run`; demo databases only)
DEMO_STREET = "110108001000"  # 万寿路街道


class UsageError(Exception):
    """An invocation that cannot be carried out (exit 2)."""


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")
    import django

    django.setup()


def _console():
    from rich.console import Console

    return Console(stderr=True)


def _progress():
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=_console(),
        transient=False,
        disable=not sys.stderr.isatty(),
    )


def _stage_progress(stages: list[str]) -> tuple[object, Callable[[str], None]]:
    """A progress bar over named stages; returns (progress, advance(stage_name))."""
    progress = _progress()
    task = progress.add_task(stages[0], total=len(stages))

    def advance(stage: str) -> None:
        progress.update(task, advance=1, description=stage)

    return progress, advance


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
        _reinstall_triggers(connection, "cli migrate")  # idempotent: the audit tables are append-only
    try:
        call_command("check", stdout=io.StringIO())
    except SystemCheckError as exc:
        raise UsageError(str(exc)) from None
    print("database is up to date")
    return EXIT_OK


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


# --- seed ------------------------------------------------------------------------------------------
def _demo_accounts() -> list[tuple[str, str, str]]:
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


def cmd_seed(args) -> int:
    from django.conf import settings

    from xiaokang.accounts.actors import SystemActor
    from xiaokang.accounts.models import User
    from xiaokang.accounts.services import user_create
    from xiaokang.registry.models import Person
    from xiaokang.registry.synthetic import seed_registry

    if args.persons < 0 or args.employers < 0 or args.interpreting_days < 0:
        raise UsageError("--persons, --employers and --interpreting-days must be 0 or more")
    if args.demo_accounts and not settings.XIAOKANG_ALLOW_DEMO_ACCOUNTS:
        # Refused before anything is seeded (U11; GB/T 22239-2019 8.1.4.1: no known default passwords).
        raise UsageError(
            "--demo-accounts is refused under production settings: demo accounts share a published "
            "password; create real accounts with `xiaokang createuser` / "
            "生产环境不允许创建演示账户（演示账户使用公开的密码），请用 xiaokang createuser 创建账户"
        )
    if args.if_empty and Person.objects.unscoped(reason="seed --if-empty: is the registry empty").exists():
        print("the registry is not empty: nothing seeded")
    else:
        progress = _progress()
        with progress:
            task = progress.add_task("seed", total=None)

            def report(stage: str, done: int, total: int) -> None:
                progress.update(task, description=stage, completed=done, total=total)

            result = seed_registry(
                actor=SystemActor("cli seed"), persons=args.persons, seed=args.seed, progress=report
            )
        print(
            f"seeded {args.persons} synthetic persons (seed {args.seed}): "
            f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged"
        )
    if args.employers:
        from django.utils import timezone

        from xiaokang.employment.synthetic import seed_employers

        seeded = seed_employers(
            actor=SystemActor("cli seed"),
            employers=args.employers,
            seed=args.seed,
            today=timezone.localdate(),
        )
        if seeded.employers:
            print(
                f"seeded {seeded.employers} synthetic employers: {seeded.declarations} quota declarations, "
                f"{seeded.approved} approved"
            )
        else:
            print("there are employers already: no employers seeded")
    if args.interpreting_days:
        from xiaokang.interpreting.synthetic import seed_interpreters

        added = seed_interpreters(days=args.interpreting_days)
        print(
            f"seeded {added['interpreters']} synthetic sign-language interpreters, "
            f"{added['slots']} free times"
        )
    if args.demo_accounts:
        from xiaokang.accounts.twofactor import (
            confirmed_device,
            device_secret,
            enrol_with_secret,
            provisioning_uri,
            requires_two_factor,
        )

        for username, role, area in _demo_accounts():
            user = User.objects.filter(username=username).first()
            if user is None:
                user = user_create(
                    actor=SystemActor("cli seed"),
                    username=username,
                    role=role,
                    password=DEMO_PASSWORD,
                    area_code=area or None,
                )
            print(f"  demo login: {username:16} {role:18} {area}")
            # U11: the roles that sign in with a second factor get one; the demo (only) prints its
            # secret every time, so a person trying the demo can add it to an authenticator app.
            device = confirmed_device(user)
            if device is None and requires_two_factor(user):
                enrol_with_secret(actor=SystemActor("cli seed"), user=user)
                device = confirmed_device(user)
            if device is not None:
                secret = device_secret(device)
                print(f"      TOTP secret {secret}  ({provisioning_uri(user, secret)})")
        applicant = _demo_applicant()
        if applicant:
            print(f"  demo resident (portal, /account/login/, verified by the seed): ID number {applicant}")
        print(f"  demo password for all: {DEMO_PASSWORD}")
    return EXIT_OK


def _demo_applicant() -> str | None:
    """A portal account for one synthetic person of the demo street (S4, U11), verified as a resident's
    would be at the office (U11): the seed prints an office code as ``system:cli seed`` (audited) and
    enters it for the account. The ID number to sign in with, or None when the registry has nobody
    there."""
    from xiaokang.accounts.actors import SystemActor
    from xiaokang.core import crypto
    from xiaokang.portal.applicants import applicant_register
    from xiaokang.portal.models import ApplicantAccount
    from xiaokang.portal.verification import code_verify, office_code_issue
    from xiaokang.registry.models import Person

    person = (
        Person.objects.unscoped(reason="seed: the demo applicant")
        .filter(street__code=DEMO_STREET, status="normal", phone_encrypted__isnull=False)
        .order_by("pk")
        .first()
    )
    if person is None:
        return None
    id_number = crypto.decrypt(person.id_number_encrypted)
    account = ApplicantAccount.objects.filter(id_number_index=person.id_number_index).first()
    if account is None:
        account = applicant_register(
            name=person.name,
            id_number=id_number,
            phone=crypto.decrypt(person.phone_encrypted),
            password=DEMO_PASSWORD,
        )
    if account.is_active and account.person_id is None:
        code, _expires = office_code_issue(actor=SystemActor("cli seed"), person=person)
        code_verify(account=account, code=code)
    return id_number


# --- import ----------------------------------------------------------------------------------------
def _print_errors(
    errors: list[dict], limit: int = 50, rest: str = "all of them are in --report) / 其余见报告文件"
) -> None:
    from rich.table import Table

    table = Table(title=f"{len(errors)} 处错误 / errors", show_lines=False)
    table.add_column("行 row", justify="right")
    table.add_column("列 column")
    table.add_column("错误 / error")
    for error in errors[:limit]:
        table.add_row(str(error["row"]), error["column"], error["message"])
    _console().print(table)
    if len(errors) > limit:
        print(
            f"… and {len(errors) - limit} more ({rest}",
            file=sys.stderr,
        )


def _write_report(path: str | None, payload: dict) -> None:
    if path:
        Path(path).write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")


def cmd_import(args) -> int:
    from xiaokang.accounts.actors import SystemActor
    from xiaokang.cases.importing import enrolments_import
    from xiaokang.employment.importing import employers_import
    from xiaokang.registry.importing.reader import FileRejected
    from xiaokang.registry.services import persons_import

    load = {
        "persons": persons_import,
        "enrolments": enrolments_import,
        "employers": employers_import,
    }[args.kind]
    progress, advance = _stage_progress(["reading", "validating", "writing"])
    try:
        with progress:
            report = load(
                actor=SystemActor(f"cli import {Path(args.file).name}"),
                path=args.file,
                dry_run=args.dry_run,
                progress=advance,
            )
    except FileRejected as exc:
        _write_report(
            args.report,
            {
                "rows": 0,
                "created": 0,
                "updated": 0,
                "unchanged": 0,
                "errors": [{"row": 0, "column": "", "message": str(exc)}],
                "warnings": [],
            },
        )
        raise UsageError(str(exc)) from None
    _write_report(args.report, report.as_json())
    for warning in report.warnings:
        print(f"warning: {warning['column']}: {warning['message']}", file=sys.stderr)
    if report.errors:
        _print_errors(report.errors)
        print(
            f"{report.rows} rows, {len(report.errors)} errors: nothing written / 有错误，未写入任何数据",
            file=sys.stderr,
        )
        return EXIT_INPUT_ERRORS
    verb = "would be" if args.dry_run else "were"
    print(
        f"{report.rows} rows: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged"
        + (f" ({verb} written: dry run, nothing written)" if args.dry_run else "")
    )
    return EXIT_OK


# --- export / template / quality --------------------------------------------------------------------
def cmd_export(args) -> int:
    from xiaokang.accounts.actors import SystemActor
    from xiaokang.registry.exporting import export_persons

    # The export audits itself ("registry.export", exporting.export_persons); the actor's label names the
    # job and the file, as the import's does.
    try:
        count = export_persons(
            actor=SystemActor(f"cli export {Path(args.out).name[:100]}"),  # actor_label: 150 chars
            path=args.out,
            street_code=args.street,
            full=args.full,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(
        f"exported {count} persons to {args.out}"
        + (" (full ID and phone numbers)" if args.full else " (masked)")
    )
    return EXIT_OK


def cmd_template(args) -> int:
    from xiaokang.registry.exporting import write_template

    if not args.out.lower().endswith(".xlsx"):
        raise UsageError("--out must name an .xlsx file / 模板须为.xlsx文件")
    write_template(args.out)
    print(f"wrote the person import template to {args.out}")
    return EXIT_OK


def cmd_quality(args) -> int:
    from xiaokang.accounts.actors import SystemActor
    from xiaokang.registry.quality import quality_report, write_quality_xlsx

    report = quality_report(actor=SystemActor("cli quality"))
    print(f"suspected duplicate persons:            {report.duplicates.height}")
    print(f"certificates expiring within {report.horizon_days} days:   {report.expiring.height}")
    print(f"deceased persons still carrying active data: {report.deceased_active.height}")
    if args.out:
        if not args.out.lower().endswith(".xlsx"):
            raise UsageError("--out must name an .xlsx file")
        write_quality_xlsx(report, args.out)
        # A file listing persons, audited as the page's download is (U11; GB/T 22239-2019 8.1.4.3).
        from xiaokang.audit.services import log_action

        log_action(
            SystemActor(f"cli quality {Path(args.out).name[:100]}"),
            "registry.quality_export",
            object_type="file",
            details={"format": "xlsx", **report.counts()},
        )
        print(f"wrote {args.out}")
    return EXIT_OK


# --- audit ---------------------------------------------------------------------------------------
def _triggers_missing() -> list[str]:
    from django.conf import settings
    from django.db import connection

    from xiaokang.audit import triggers

    if not getattr(settings, "XIAOKANG_AUDIT_TRIGGERS", True):
        return []
    return triggers.missing(connection)


def cmd_audit_verify(args) -> int:
    from xiaokang.audit.services import AnchorFileError, anchors_check, anchors_read, verify_chain

    anchors = None
    if args.anchors:
        try:
            anchors = anchors_read(args.anchors)
        except AnchorFileError as exc:
            raise UsageError(str(exc)) from None
    failed = False
    absent = _triggers_missing()
    if absent:
        print(
            "audit trail NOT append-only: trigger(s) missing: " + ", ".join(absent) + " (run `xiaokang audit "
            "protect`) / 审计表缺少防篡改触发器",
            file=sys.stderr,
        )
        failed = True
    result = verify_chain()
    for first, last in result.gaps:
        ids = str(first) if first == last else f"{first}-{last}"
        print(
            f"audit ids missing: {ids} (before event {last + 1}) / 审计事件编号缺失: {ids}", file=sys.stderr
        )
    if result.broken_id is not None:
        print(
            f"audit chain BROKEN at event {result.broken_id}: {result.reason} "
            f"({result.checked} events before it are intact) / 审计链在第{result.broken_id}号事件处断裂",
            file=sys.stderr,
        )
        failed = True
    if anchors is not None:
        for event_id, problem in anchors_check(anchors):
            print(f"audit anchor check FAILED at event {event_id}: {problem} / 与锚点不符", file=sys.stderr)
            failed = True
    if failed:
        return EXIT_INPUT_ERRORS
    anchored = f", {len(anchors)} anchors match" if anchors is not None else ""
    print(f"audit chain intact: {result.checked} events verified{anchored} / 审计链完整")
    return EXIT_OK


def cmd_audit_anchor(args) -> int:
    from xiaokang.audit.services import anchor_write, verify_chain

    result = verify_chain()
    if result.broken_id is not None:
        print(
            f"audit chain BROKEN at event {result.broken_id}: {result.reason}; nothing anchored "
            f"/ 审计链断裂，未写入锚点",
            file=sys.stderr,
        )
        return EXIT_INPUT_ERRORS
    try:
        line = anchor_write(args.out, result)
    except OSError as exc:
        raise UsageError(f"{args.out}: cannot be appended to ({exc})") from None
    print(f"anchored: {line}")
    return EXIT_OK


def cmd_audit_protect(args) -> int:
    from django.db import connection

    from xiaokang.audit import triggers

    _reinstall_triggers(connection, "cli audit protect")
    absent = triggers.missing(connection)
    if absent:
        raise UsageError("triggers still missing: " + ", ".join(absent))
    print("audit tables are append-only (triggers installed) / 审计表防篡改触发器已安装")
    return EXIT_OK


def _reinstall_triggers(connection, label: str) -> None:
    """Install the audit triggers; if any was missing, say so and record it: a removed trigger is a sign
    of tampering (8.1.4.3 c), never repaired in silence."""
    from xiaokang.accounts.actors import SystemActor
    from xiaokang.audit import triggers
    from xiaokang.audit.services import log_action

    before = triggers.missing(connection)
    triggers.install(connection)
    if before:
        print(
            f"audit triggers were missing and are reinstalled: {', '.join(before)} "
            "/ 审计触发器曾缺失，已重装",
            file=sys.stderr,
        )
        log_action(SystemActor(label), "audit.protect", object_type="audit", details={"reinstalled": before})


# --- backup / restore (GB/T 22239-2019 8.1.4.9) ---------------------------------------------------
def cmd_backup(args) -> int:
    from django.db import DatabaseError

    from xiaokang.accounts.actors import SystemActor
    from xiaokang.audit.backup import BackupError, backup_create

    try:
        result = backup_create(actor=SystemActor("cli backup"), out=args.out)
    except BackupError as exc:
        print(f"xiaokang backup: {exc} / 备份被拒绝", file=sys.stderr)
        return exc.code
    except (DatabaseError, OSError) as exc:
        raise UsageError(f"the backup failed: {exc} / 备份失败") from None
    print(
        f"backed up the {result.vendor} database and documents to {result.directory}: {result.files} files, "
        f"{result.bytes} bytes, checksums in manifest.json (keys NOT included: keep them apart) / 备份完成"
    )
    return EXIT_OK


def cmd_restore(args) -> int:
    from django.db import DatabaseError

    from xiaokang.accounts.actors import SystemActor
    from xiaokang.audit.backup import BackupError, backup_restore
    from xiaokang.audit.services import verify_chain

    try:
        manifest = backup_restore(actor=SystemActor("cli restore"), directory=args.directory)
    except BackupError as exc:
        print(f"xiaokang restore: {exc} / 恢复被拒绝，未做任何更改", file=sys.stderr)
        return exc.code
    except (DatabaseError, OSError) as exc:
        raise UsageError(f"the restore failed: {exc} / 恢复失败") from None
    print(f"restored the backup of {manifest.get('created')} from {args.directory} / 恢复完成")
    result = verify_chain()
    if result.broken_id is not None:
        print(
            f"audit chain BROKEN at event {result.broken_id}: {result.reason} (another XIAOKANG_AUDIT_KEY?)",
            file=sys.stderr,
        )
        return EXIT_INPUT_ERRORS
    print(f"audit chain intact: {result.checked} events verified / 审计链完整")
    return EXIT_OK


# --- policies, screen, evaluate (P1–P3) ------------------------------------------------------------
def _day(args):
    import datetime as dt

    from django.utils import timezone

    if not getattr(args, "date", None):
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(args.date)
    except ValueError:
        raise UsageError(f"--date {args.date!r}: write YYYY-MM-DD / 日期格式应为YYYY-MM-DD") from None


def _overrides(args):
    from xiaokang.policies.engine.loader import overrides_by_policy, parse_override, policies

    try:
        return overrides_by_policy([parse_override(policies(), text) for text in args.set or []])
    except ValueError as exc:
        raise UsageError(f"--set {exc}") from None


def _stdout_console():
    from rich.console import Console

    # Not a terminal (a pipe, a log file, a script): wide enough that no policy id or figure is cut.
    return Console(width=None if sys.stdout.isatty() else 160)


def _yuan(fen: int) -> str:
    from xiaokang.core.money import yuan_text

    return yuan_text(fen)


def cmd_policies_check(args) -> int:
    from xiaokang.policies.engine.loader import check_dates, load_all

    day = _day(args)
    loaded, errors = load_all()
    errors += check_dates(loaded, day)
    for error in errors:
        print(error, file=sys.stderr)
    if errors:
        print(f"{len(errors)} errors in the policy files / 政策文件有错误", file=sys.stderr)
        return EXIT_INPUT_ERRORS
    conditions = sum(len(policy.conditions) for policy in loaded.values())
    unverified = sum(len(policy.unverified_on(day)) for policy in loaded.values())
    print(
        f"{len(loaded)} policies, {conditions} conditions: all valid on {day.isoformat()}"
        + (f"; {unverified} parameter values not yet verified / 待核实" if unverified else "")
    )
    return EXIT_OK


def cmd_policies_test(args) -> int:
    from xiaokang.policies.casebook import run_cases
    from xiaokang.policies.engine.loader import policies

    total = failed = 0
    for policy in policies().values():
        for result in run_cases(policy):
            total += 1
            if not result.passed:
                failed += 1
                print(f"FAIL {result.describe()}", file=sys.stderr)
    print(f"{total - failed} of {total} case runs passed (interpreter and SQL on {_vendor()})")
    return EXIT_INPUT_ERRORS if failed else EXIT_OK


def _vendor() -> str:
    from django.db import connection

    return connection.vendor


def cmd_policies_show(args) -> int:
    from xiaokang.policies.engine.loader import policies
    from xiaokang.policies.engine.sheet import build_sheet, render_text

    policy = policies().get(args.policy_id)
    if policy is None:
        raise UsageError(f"no policy {args.policy_id!r}; there are: {', '.join(policies())}")
    print(render_text(build_sheet(policy, _day(args))))
    return EXIT_OK


def _out_path(text: str) -> Path:
    """--out, refused (exit 2) before any work when its directory does not exist."""
    out = Path(text)
    if not out.parent.is_dir():
        raise UsageError(f"--out: no such directory {out.parent} / 输出目录不存在")
    return out


def _file_job(run, stages: list[str]):
    """A batch job over an input file (screen, levy): progress by stage, an unusable file → exit 2,
    the warnings; with row errors they are printed and None is returned (the caller exits 1, no output)."""
    from xiaokang.registry.importing.reader import FileRejected

    progress, advance = _stage_progress(stages)
    try:
        with progress:
            report = run(advance)
    except FileRejected as exc:
        raise UsageError(str(exc)) from None
    for warning in report.warnings:
        print(f"warning: {warning['column']}: {warning['message']}", file=sys.stderr)
    if report.errors:
        _print_errors(report.errors, rest="correct these first) / 请先更正以上错误")
        print(
            f"{report.rows} rows, {len(report.errors)} errors: no output written / 有错误，未输出结果",
            file=sys.stderr,
        )
        return None
    return report


def cmd_screen(args) -> int:
    from xiaokang.policies.engine.loader import policies
    from xiaokang.policies.screening import screen_file

    day = _day(args)
    overrides = _overrides(args)
    for policy in policies().values():
        policy.parameters_on(day, overrides.get(policy.id))  # a missing value: exit 2 before reading
    out = _out_path(args.out)
    report = _file_job(
        lambda advance: screen_file(args.file, out, day=day, overrides=overrides, progress=advance),
        ["reading", "validating", "evaluating", "writing"],
    )
    if report is None:
        return EXIT_INPUT_ERRORS
    eligible = ", ".join(f"{policy} {count}" for policy, count in sorted(report.eligible.items()))
    print(f"screened {report.rows} persons on {day.isoformat()}: {report.output_rows} rows in {out}")
    print(f"eligible: {eligible}")
    return EXIT_OK


def cmd_evaluate(args) -> int:
    from rich.table import Table

    from xiaokang.accounts.actors import SystemActor
    from xiaokang.policies import evaluation

    day = _day(args)
    overrides = _overrides(args)
    actor = SystemActor("cli evaluate")
    console = _stdout_console()
    if args.dry_run:
        comparisons = evaluation.what_if(day, actor=actor, overrides=overrides)
        table = Table(title=f"what-if on {day.isoformat()} (nothing stored) / 模拟测算（不保存）")
        for column in (
            "policy",
            "eligible now",
            "monthly now",
            "eligible what-if",
            "monthly what-if",
            "change",
        ):
            table.add_column(column, justify="left" if column == "policy" else "right")
        for comparison in comparisons:
            total = comparison.total
            cash = comparison.policy.is_cash
            table.add_row(
                comparison.policy.id + (" *" if comparison.changed else ""),
                str(total.current_eligible),
                _yuan(total.current_fen) if cash else "-",
                str(total.what_if_eligible),
                _yuan(total.what_if_fen) if cash else "-",
                f"{total.eligible_change:+d}" + (f" / {_yuan(total.fen_change)}" if cash else ""),
            )
        console.print(table)
        changed = [comparison for comparison in comparisons if comparison.changed]
        if not changed:
            print("no --set given: the what-if is the current rules / 未指定参数调整")
        for comparison in changed:
            table = Table(title=f"{comparison.policy.id} by street / 按街道")
            for column in ("street", "eligible now", "monthly now", "eligible what-if", "monthly what-if"):
                table.add_column(column, justify="left" if column == "street" else "right")
            for row in comparison.streets:
                table.add_row(
                    row.street_name,
                    str(row.current_eligible),
                    _yuan(row.current_fen),
                    str(row.what_if_eligible),
                    _yuan(row.what_if_fen),
                )
            console.print(table)
        return EXIT_OK
    progress, advance = _stage_progress(["facts", *[p.id for p in _person_policies()]])
    with progress:
        report = evaluation.evaluate_registry(day, actor=actor, overrides=overrides, progress=advance)
    run = report.run
    table = Table(title=f"run {run.pk} on {day.isoformat()}: {run.persons} persons, {run.seconds:.1f} s")
    for column in ("policy", "eligible", "monthly total", "newly eligible", "no longer eligible"):
        table.add_column(column, justify="left" if column == "policy" else "right")
    for change in report.policies:
        table.add_row(
            change.policy.id,
            str(change.eligible),
            _yuan(change.amount_fen) if change.policy.is_cash else "-",
            "-" if change.newly_eligible is None else str(change.newly_eligible),
            "-" if change.no_longer_eligible is None else str(change.no_longer_eligible),
        )
    console.print(table)
    if report.previous is None:
        print("first run: nothing to compare with / 首次测算")
    else:
        print(f"changes since run {report.previous.pk} of {report.previous.evaluated_on.isoformat()}")
    if run.overrides:
        print("overrides: " + ", ".join(f"{k}={v}" for k, v in run.overrides.items()))
    else:
        # Each run of the current rules gives the community workers their outreach tasks (主动救助,
        # P3) and stops payments to those who no longer qualify (S5, R7).
        from xiaokang.cases.enrolments import enrolments_after_run
        from xiaokang.cases.outreach import outreach_create

        print(f"{outreach_create(actor=actor, run=run)} new outreach tasks / 新增主动服务任务")
        changes = enrolments_after_run(actor=actor, run=run)
        print(
            f"enrolments: {changes.terminated} terminated (deceased or moved out), "
            f"{changes.suspended} suspended for review / "
            f"终止{changes.terminated}人，暂停待复核{changes.suspended}人"
        )
    return EXIT_OK


def _person_policies():
    from xiaokang.policies.engine.loader import person_policies

    return person_policies()


# --- roster, outreach (P3, S5) ---------------------------------------------------------------------
def _month(text: str):
    import datetime as dt

    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise UsageError(f"--month {text!r}: write YYYY-MM / 月份格式应为YYYY-MM") from None


def cmd_roster(args) -> int:
    from xiaokang.accounts.actors import SystemActor
    from xiaokang.cases.rosters import RosterError, cash_policy_ids, roster_build, roster_export

    month = _month(args.month)
    out = Path(args.out)
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise UsageError("--out must name a .csv or .xlsx file / 名册文件须为.csv或.xlsx")
    if args.held and out.suffix.lower() != ".csv":
        raise UsageError("--held goes with a .csv roster; an .xlsx roster has the held sheet inside")
    policy_ids = cash_policy_ids()
    if args.policy:
        if args.policy not in policy_ids:
            raise UsageError(
                f"--policy {args.policy!r}: not a cash policy; cash policies: {', '.join(policy_ids)}"
            )
        policy_ids = [args.policy]
    actor = SystemActor(f"cli roster {month:%Y-%m}")
    rosters = []
    for policy_id in policy_ids:
        try:
            summary = roster_build(actor=actor, policy_id=policy_id, month=month)
        except RosterError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_INPUT_ERRORS
        rosters.append(summary.roster)
        print(
            f"{policy_id} {month:%Y-%m}: {summary.paid} paid, {summary.held} held, "
            f"total {_yuan(summary.total_fen)} yuan (draft)"
        )
        for row in summary.by_street:
            print(f"  {row['street']}: {row['paid']} paid, {row['held']} held, {_yuan(row['total_fen'])}")
    paid, held = roster_export(actor=actor, rosters=rosters, path=out, held_path=args.held)
    print(f"wrote {paid} paid rows to {out}" + (f" and {held} held rows to {args.held}" if args.held else ""))
    return EXIT_OK


def cmd_outreach(args) -> int:
    from xiaokang.accounts.actors import SystemActor
    from xiaokang.cases.outreach import OutreachError, outreach_create, outreach_export

    actor = SystemActor("cli outreach")
    try:
        created = outreach_create(actor=actor)
    except OutreachError as exc:
        raise UsageError(str(exc)) from None
    print(f"{created} new outreach tasks / 新增主动服务任务")
    if args.out:
        count = outreach_export(actor=actor, path=args.out)
        print(f"wrote {count} open tasks to {args.out}")
    return EXIT_OK


# --- employment quota (E1–E3) ----------------------------------------------------------------------
def _levy_overrides(args) -> dict:
    from xiaokang.policies.engine.employers import LEVY_POLICY

    overrides = _overrides(args)
    levy = overrides.get(LEVY_POLICY, {})  # a shared parameter (quota_ratio) is set for its other users too
    others = sorted(
        policy for policy, values in overrides.items() if policy != LEVY_POLICY and values.keys() - levy
    )
    if others:
        raise UsageError(f"--set: levy takes only {LEVY_POLICY}.NAME=VALUE, not {', '.join(others)}")
    return overrides.get(LEVY_POLICY, {})


def _levy_year(args) -> int:
    from xiaokang.policies.engine.employers import LEVY_POLICY, levy_day
    from xiaokang.policies.engine.loader import PolicyError, policies

    try:
        policies()[LEVY_POLICY].parameters_on(levy_day(args.year))
    except (PolicyError, ValueError, OverflowError) as exc:
        raise UsageError(f"--year {args.year}: {exc}") from None
    return args.year


def cmd_levy(args) -> int:
    year = _levy_year(args)
    out = _out_path(args.out)
    if args.from_declarations:
        if args.file or args.set:
            raise UsageError("--from-declarations reads approved declarations: no FILE and no --set")
        from xiaokang.accounts.actors import SystemActor
        from xiaokang.employment.collection import collection_list_write

        count, total_fen = collection_list_write(
            actor=SystemActor("cli levy --from-declarations"), levy_year=year, path=out
        )
        print(f"levy year {year}: {count} approved declarations, {_yuan(total_fen)} yuan, written to {out}")
        return EXIT_OK
    if not args.file:
        raise UsageError("levy needs FILE (or --from-declarations) / 请给出文件")
    from xiaokang.policies.levy import levy_file

    overrides = _levy_overrides(args)
    report = _file_job(
        lambda advance: levy_file(args.file, out, levy_year=year, overrides=overrides, progress=advance),
        ["reading", "validating", "evaluating", "writing"],
    )
    if report is None:
        return EXIT_INPUT_ERRORS
    print(
        f"levy year {year}: {report.rows} employers, {report.liable} liable, {report.exempt} exempt, "
        f"total {_yuan(report.total_fen)} yuan, written to {out}"
    )
    return EXIT_OK


def cmd_employer_payments(args) -> int:
    from xiaokang.accounts.actors import SystemActor
    from xiaokang.employment.collection import payment_list_write

    year = _levy_year(args)
    out = _out_path(args.out)
    rows, total_fen = payment_list_write(actor=SystemActor("cli employer-payments"), levy_year=year, path=out)
    print(f"year {year}: {rows} payments, {_yuan(total_fen)} yuan, written to {out}")
    return EXIT_OK


def cmd_disclosure(args) -> int:
    from xiaokang.employment.disclosure import disclosure_write

    out = _out_path(args.out)
    count = disclosure_write(args.year, args.format, out)
    print(f"levy year {args.year}: {count} employers disclosed ({args.format}), written to {out}")
    return EXIT_OK


# --- the parser ------------------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    def error(
        self, message
    ):  # argparse's own exit code for bad usage is already 2; keep it, say it bilingually
        self.print_usage(sys.stderr)
        self.exit(EXIT_UNUSABLE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    from xiaokang.accounts.models import Role

    parser = _Parser(
        prog="xiaokang",
        description="Xiaokang (小康): batch jobs for the Haidian disabled-persons registry. "
        "Exit codes: 0 done, 1 the input had errors (nothing written), 2 unusable invocation or file.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser(
        "migrate", help="create or update the database tables (and the audit tables' append-only triggers)"
    )
    p.add_argument("-v", "--verbose", action="store_true")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("createuser", help="create a staff account (password from XIAOKANG_PASSWORD or asked)")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.add_argument(
        "--area", help="street (9 or 12 digits) or community code (12 digits), for street and community roles"
    )
    p.set_defaults(func=cmd_createuser)

    p = sub.add_parser("serve", help="serve the site with a production-grade server (gunicorn)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=2)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("seed", help="add a deterministic synthetic Haidian population")
    p.add_argument("--persons", type=int, required=True, help="how many persons")
    p.add_argument("--seed", type=int, default=1, help="random seed (same seed, same population)")
    p.add_argument("--if-empty", action="store_true", help="do nothing if the registry already has persons")
    p.add_argument(
        "--employers",
        type=int,
        default=0,
        help="also synthetic employers with quota declarations of the last two years (if there are none)",
    )
    p.add_argument(
        "--interpreting-days",
        type=int,
        default=0,
        metavar="DAYS",
        help="also synthetic sign-language interpreters with free times on the working days of the next "
        "DAYS days (days that have slots already are left alone)",
    )
    p.add_argument(
        "--demo-accounts",
        action="store_true",
        help="also create one demo account per role, and a demo resident's portal account",
    )
    p.set_defaults(func=cmd_seed)

    p = sub.add_parser(
        "import", help="import a spreadsheet, all or nothing (persons, enrolments, or employers)"
    )
    p.add_argument("kind", choices=["persons", "enrolments", "employers"])
    p.add_argument("file", help=".xlsx or .csv (UTF-8, with or without BOM)")
    p.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
    p.add_argument("--report", metavar="REPORT.json", help="write the JSON report here")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="export in the import format (masked unless --full)")
    p.add_argument("kind", choices=["persons"])
    p.add_argument("--out", required=True, metavar="FILE.xlsx", help=".xlsx or .csv")
    p.add_argument("--street", metavar="CODE", help="only this street (9- or 12-digit code)")
    p.add_argument("--full", action="store_true", help="full ID and phone numbers (sensitive)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("template", help="write the empty import template with an explanation sheet")
    p.add_argument("kind", choices=["persons"])
    p.add_argument("--out", required=True, metavar="FILE.xlsx")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("audit", help="the audit trail")
    audit_sub = p.add_subparsers(dest="audit_command", required=True, parser_class=_Parser)
    q = audit_sub.add_parser(
        "verify",
        help="check the triggers and recompute the HMAC chain; exit 1 naming the first broken event, gaps "
        "in the ids, and (with --anchors) a deleted tail or rewritten chain",
    )
    q.add_argument("--anchors", metavar="FILE", help="an anchors file written by `audit anchor`")
    q.set_defaults(func=cmd_audit_verify)
    q = audit_sub.add_parser(
        "anchor",
        help="verify the chain, then append 'timestamp event_id head_mac' to FILE "
        "(append-only; run it from cron)",
    )
    q.add_argument("--out", required=True, metavar="FILE")
    q.set_defaults(func=cmd_audit_anchor)
    q = audit_sub.add_parser("protect", help="(re)install the append-only triggers on the audit tables")
    q.set_defaults(func=cmd_audit_protect)

    p = sub.add_parser(
        "backup",
        help="copy the database and documents into an empty DIR with a manifest of checksums (no keys)",
    )
    p.add_argument("--out", required=True, metavar="DIR")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser(
        "restore",
        help="check a backup's checksums, then restore it onto an EMPTY database and documents directory",
    )
    p.add_argument("directory", metavar="DIR")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser(
        "quality", help="data-quality report: duplicates, expiring certificates, deceased with active data"
    )
    p.add_argument("--out", metavar="FILE.xlsx")
    p.set_defaults(func=cmd_quality)

    p = sub.add_parser("policies", help="the policy files: check, test, show")
    policies_sub = p.add_subparsers(dest="policies_command", required=True, parser_class=_Parser)
    q = policies_sub.add_parser("check", help="validate every policy file; exit 1 with the errors")
    q.add_argument(
        "--date", metavar="YYYY-MM-DD", help="every parameter must have a value on it (default today)"
    )
    q.set_defaults(func=cmd_policies_check)
    q = policies_sub.add_parser("test", help="run every policy's test cases through the interpreter and SQL")
    q.set_defaults(func=cmd_policies_test)
    q = policies_sub.add_parser("show", help="print a policy's readable sheet (in Chinese)")
    q.add_argument("policy_id")
    q.add_argument("--date", metavar="YYYY-MM-DD", help="parameters in force on this date (default today)")
    q.set_defaults(func=cmd_policies_show)

    set_help = "override a parameter for this run, e.g. living_subsidy.dibao_standard=1500 (repeatable)"
    p = sub.add_parser("screen", help="evaluate every person policy for the persons of a file; store nothing")
    p.add_argument("file", help="a person file in the import format (.xlsx or .csv)")
    p.add_argument("--out", required=True, metavar="OUT.csv", help="id_number,policy,eligible,amount,reasons")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="evaluation date (default today)")
    p.add_argument("--set", action="append", metavar="NAME=VALUE", help=set_help)
    p.set_defaults(func=cmd_screen)

    p = sub.add_parser("roster", help="build the draft payment roster of a month and write it")
    p.add_argument("--month", required=True, metavar="YYYY-MM")
    p.add_argument("--out", required=True, metavar="FILE.csv|FILE.xlsx")
    p.add_argument("--policy", metavar="ID", help="one cash policy (default: every cash policy)")
    p.add_argument("--held", metavar="FILE.csv", help="with a .csv roster: the held persons and why")
    p.set_defaults(func=cmd_roster)

    p = sub.add_parser(
        "outreach", help="create outreach tasks from the last evaluation run; write the open ones"
    )
    p.add_argument("--out", metavar="FILE.csv", help="id_number,policy,street_code,community")
    p.set_defaults(func=cmd_outreach)

    p = sub.add_parser(
        "levy",
        help="the employment security fund levy for the employers of a file (or approved declarations)",
    )
    p.add_argument(
        "file", nargs="?", help="employers (.xlsx or .csv): uscc,name,type,headcount,total_wages,…"
    )
    p.add_argument("--year", type=int, required=True, metavar="Y", help="levy year (figures of Y−1)")
    p.add_argument(
        "--out", required=True, metavar="OUT", help="OUT.csv from a file; OUT.xlsx with --from-declarations"
    )
    p.add_argument(
        "--set", action="append", metavar="NAME=VALUE", help="e.g. employment_levy.social_average_wage=120000"
    )
    p.add_argument(
        "--from-declarations",
        action="store_true",
        help="the collection list for the tax bureau from the approved declarations of Y (xlsx)",
    )
    p.set_defaults(func=cmd_levy)

    p = sub.add_parser(
        "employer-payments",
        help="the year's over-quota rewards and employment subsidies for approved declarations (xlsx)",
    )
    p.add_argument("--year", type=int, required=True, metavar="Y", help="the levy year of the declarations")
    p.add_argument("--out", required=True, metavar="OUT.xlsx")
    p.set_defaults(func=cmd_employer_payments)

    p = sub.add_parser(
        "disclosure",
        help="the quota disclosure of a year: csv/json for the credit platform, or xlsx (docs/disclosure.md)",
    )
    p.add_argument("--year", type=int, required=True, metavar="Y", help="levy year")
    p.add_argument("--format", required=True, choices=["csv", "json", "xlsx"])
    p.add_argument("--out", required=True, metavar="FILE")
    p.set_defaults(func=cmd_disclosure)

    p = sub.add_parser("evaluate", help="evaluate every policy over the registry and store the run")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="evaluation date (default today)")
    p.add_argument("--set", action="append", metavar="NAME=VALUE", help=set_help)
    p.add_argument(
        "--dry-run", action="store_true", help="store nothing; compare with the current rules by street"
    )
    p.set_defaults(func=cmd_evaluate)
    return parser


def main(argv: list[str] | None = None) -> int:
    from django.core.exceptions import ImproperlyConfigured

    from config.env import ImproperlyConfiguredError

    try:
        _setup_django()
    except (ImproperlyConfigured, ImproperlyConfiguredError) as exc:
        print(f"xiaokang: configuration error / 配置错误: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    from xiaokang.policies.engine.loader import PolicyError, PolicyErrors

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"xiaokang {args.command}: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except (PolicyError, PolicyErrors) as exc:
        # A broken policy file, or a parameter with no value on the date asked for: nothing was run.
        print(f"xiaokang {args.command}: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        print("interrupted: nothing written by the interrupted step", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
