"""`xiaokang policies check|test|show`, `screen`, `evaluate` (P1–P3), registered in core/commands.py
(docs/architecture/registration.md). ``overrides`` (--set) is shared with the levy (employment)."""

from __future__ import annotations

import sys

from xiaokang.core import commands
from xiaokang.core.cli_support import (
    EXIT_INPUT_ERRORS,
    EXIT_OK,
    UsageError,
    day,
    file_job,
    out_path,
    stage_progress,
    stdout_console,
    subcommands,
    yuan,
)

SET_HELP = "override a parameter for this run, e.g. living_subsidy.dibao_standard=1500 (repeatable)"


def overrides(args):
    """--set NAME=VALUE …, by policy; exit 2 for a parameter no policy has."""
    from xiaokang.policies.engine.loader import overrides_by_policy, parse_override, policies

    try:
        return overrides_by_policy([parse_override(policies(), text) for text in args.set or []])
    except ValueError as exc:
        raise UsageError(f"--set {exc}") from None


def _vendor() -> str:
    from django.db import connection

    return connection.vendor


# --- policies check / test / show ------------------------------------------------------------------
def cmd_policies_check(args) -> int:
    from xiaokang.policies.engine.loader import check_dates, load_all

    on = day(args)
    loaded, errors = load_all()
    errors += check_dates(loaded, on)
    for error in errors:
        print(error, file=sys.stderr)
    if errors:
        print(f"{len(errors)} errors in the policy files / 政策文件有错误", file=sys.stderr)
        return EXIT_INPUT_ERRORS
    conditions = sum(len(policy.conditions) for policy in loaded.values())
    unverified = sum(len(policy.unverified_on(on)) for policy in loaded.values())
    print(
        f"{len(loaded)} policies, {conditions} conditions: all valid on {on.isoformat()}"
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


def cmd_policies_show(args) -> int:
    from xiaokang.policies.engine.loader import policies
    from xiaokang.policies.engine.sheet import build_sheet, render_text

    policy = policies().get(args.policy_id)
    if policy is None:
        raise UsageError(f"no policy {args.policy_id!r}; there are: {', '.join(policies())}")
    print(render_text(build_sheet(policy, day(args))))
    return EXIT_OK


def _policies_arguments(p) -> None:
    policies_sub = subcommands(p, "policies_command")
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


commands.register(
    "policies", order=120, help="the policy files: check, test, show", arguments=_policies_arguments
)


# --- screen ----------------------------------------------------------------------------------------
def cmd_screen(args) -> int:
    from xiaokang.policies.engine.loader import policies
    from xiaokang.policies.screening import screen_file
    from xiaokang.registry.importing.reader import FileRejected

    on = day(args)
    changed = overrides(args)
    for policy in policies().values():
        policy.parameters_on(on, changed.get(policy.id))  # a missing value: exit 2 before reading
    out = out_path(args.out)
    report = file_job(
        lambda advance: screen_file(args.file, out, day=on, overrides=changed, progress=advance),
        ["reading", "validating", "evaluating", "writing"],
        rejected=FileRejected,
    )
    if report is None:
        return EXIT_INPUT_ERRORS
    eligible = ", ".join(f"{policy} {count}" for policy, count in sorted(report.eligible.items()))
    print(f"screened {report.rows} persons on {on.isoformat()}: {report.output_rows} rows in {out}")
    print(f"eligible: {eligible}")
    return EXIT_OK


def _screen_arguments(p) -> None:
    p.add_argument("file", help="a person file in the import format (.xlsx or .csv)")
    p.add_argument("--out", required=True, metavar="OUT.csv", help="id_number,policy,eligible,amount,reasons")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="evaluation date (default today)")
    p.add_argument("--set", action="append", metavar="NAME=VALUE", help=SET_HELP)


commands.register(
    "screen",
    order=130,
    help="evaluate every person policy for the persons of a file; store nothing",
    arguments=_screen_arguments,
    handler=cmd_screen,
)


# --- evaluate --------------------------------------------------------------------------------------
def _what_if(args, on, changed, actor) -> int:
    from rich.table import Table

    from xiaokang.policies import evaluation

    console = stdout_console()
    comparisons = evaluation.what_if(on, actor=actor, overrides=changed)
    table = Table(title=f"what-if on {on.isoformat()} (nothing stored) / 模拟测算（不保存）")
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
            yuan(total.current_fen) if cash else "-",
            str(total.what_if_eligible),
            yuan(total.what_if_fen) if cash else "-",
            f"{total.eligible_change:+d}" + (f" / {yuan(total.fen_change)}" if cash else ""),
        )
    console.print(table)
    changed_policies = [comparison for comparison in comparisons if comparison.changed]
    if not changed_policies:
        print("no --set given: the what-if is the current rules / 未指定参数调整")
    for comparison in changed_policies:
        table = Table(title=f"{comparison.policy.id} by street / 按街道")
        for column in ("street", "eligible now", "monthly now", "eligible what-if", "monthly what-if"):
            table.add_column(column, justify="left" if column == "street" else "right")
        for row in comparison.streets:
            table.add_row(
                row.street_name,
                str(row.current_eligible),
                yuan(row.current_fen),
                str(row.what_if_eligible),
                yuan(row.what_if_fen),
            )
        console.print(table)
    return EXIT_OK


def cmd_evaluate(args) -> int:
    from rich.table import Table

    from xiaokang.accounts.actors import SystemActor
    from xiaokang.policies import evaluation, followups
    from xiaokang.policies.engine.loader import person_policies

    on = day(args)
    changed = overrides(args)
    actor = SystemActor("cli evaluate")
    if args.dry_run:
        return _what_if(args, on, changed, actor)
    bar, advance = stage_progress(["facts", *[p.id for p in person_policies()]])
    with bar:
        report = evaluation.evaluate_registry(on, actor=actor, overrides=changed, progress=advance)
    run = report.run
    table = Table(title=f"run {run.pk} on {on.isoformat()}: {run.persons} persons, {run.seconds:.1f} s")
    for column in ("policy", "eligible", "monthly total", "newly eligible", "no longer eligible"):
        table.add_column(column, justify="left" if column == "policy" else "right")
    for change in report.policies:
        table.add_row(
            change.policy.id,
            str(change.eligible),
            yuan(change.amount_fen) if change.policy.is_cash else "-",
            "-" if change.newly_eligible is None else str(change.newly_eligible),
            "-" if change.no_longer_eligible is None else str(change.no_longer_eligible),
        )
    stdout_console().print(table)
    if report.previous is None:
        print("first run: nothing to compare with / 首次测算")
    else:
        print(f"changes since run {report.previous.pk} of {report.previous.evaluated_on.isoformat()}")
    if run.overrides:
        print("overrides: " + ", ".join(f"{k}={v}" for k, v in run.overrides.items()))
    # What the other apps do after a run of the current rules (outreach, enrolments: policies.followups).
    for result in followups.after_run(actor=actor, run=run):
        for line in result.lines():
            print(line)
    return EXIT_OK


def _evaluate_arguments(p) -> None:
    p.add_argument("--date", metavar="YYYY-MM-DD", help="evaluation date (default today)")
    p.add_argument("--set", action="append", metavar="NAME=VALUE", help=SET_HELP)
    p.add_argument(
        "--dry-run", action="store_true", help="store nothing; compare with the current rules by street"
    )


commands.register(
    "evaluate",
    order=190,
    help="evaluate every policy over the registry and store the run",
    arguments=_evaluate_arguments,
    handler=cmd_evaluate,
)
