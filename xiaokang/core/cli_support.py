"""What every app's `xiaokang` commands share: exit codes, the usage error, progress bars, error tables,
reports, and the parsing of dates, months and output paths (the command registry: core/commands.py).

Exit codes (a contract other scripts rely on): 0 done; 1 the input had errors (nothing written);
2 unusable invocation or file. Raise :class:`UsageError` for exit 2 with a message.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

EXIT_OK, EXIT_INPUT_ERRORS, EXIT_UNUSABLE = 0, 1, 2


class UsageError(Exception):
    """An invocation that cannot be carried out (exit 2)."""


class Parser(argparse.ArgumentParser):
    def error(
        self, message
    ):  # argparse's own exit code for bad usage is already 2; keep it, say it bilingually
        self.print_usage(sys.stderr)
        self.exit(EXIT_UNUSABLE, f"{self.prog}: error: {message}\n")


def subcommands(parser: argparse.ArgumentParser, dest: str):
    """The subcommands of a command (``audit verify``): required, with the same error handling."""
    return parser.add_subparsers(dest=dest, required=True, parser_class=Parser)


def console():
    from rich.console import Console

    return Console(stderr=True)


def stdout_console():
    from rich.console import Console

    # Not a terminal (a pipe, a log file, a script): wide enough that no policy id or figure is cut.
    return Console(width=None if sys.stdout.isatty() else 160)


def progress():
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console(),
        transient=False,
        disable=not sys.stderr.isatty(),
    )


def stage_progress(stages: list[str]) -> tuple[object, Callable[[str], None]]:
    """A progress bar over named stages; returns (progress, advance(stage_name))."""
    bar = progress()
    task = bar.add_task(stages[0], total=len(stages))

    def advance(stage: str) -> None:
        bar.update(task, advance=1, description=stage)

    return bar, advance


def print_errors(
    errors: list[dict], limit: int = 50, rest: str = "all of them are in --report) / 其余见报告文件"
) -> None:
    from rich.table import Table

    table = Table(title=f"{len(errors)} 处错误 / errors", show_lines=False)
    table.add_column("行 row", justify="right")
    table.add_column("列 column")
    table.add_column("错误 / error")
    for error in errors[:limit]:
        table.add_row(str(error["row"]), error["column"], error["message"])
    console().print(table)
    if len(errors) > limit:
        print(
            f"… and {len(errors) - limit} more ({rest}",
            file=sys.stderr,
        )


def write_report(path: str | None, payload: dict) -> None:
    if path:
        Path(path).write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")


def file_job(run, stages: list[str], *, rejected: type[Exception]):
    """A batch job over an input file (screen, levy): progress by stage, an unusable file (``rejected``,
    the reader's FileRejected) → exit 2, the warnings; with row errors they are printed and None is
    returned (the caller exits 1, no output)."""
    bar, advance = stage_progress(stages)
    try:
        with bar:
            report = run(advance)
    except rejected as exc:
        raise UsageError(str(exc)) from None
    for warning in report.warnings:
        print(f"warning: {warning['column']}: {warning['message']}", file=sys.stderr)
    if report.errors:
        print_errors(report.errors, rest="correct these first) / 请先更正以上错误")
        print(
            f"{report.rows} rows, {len(report.errors)} errors: no output written / 有错误，未输出结果",
            file=sys.stderr,
        )
        return None
    return report


def day(args):
    """``--date`` as a date (default today); exit 2 for anything but YYYY-MM-DD."""
    import datetime as dt

    from django.utils import timezone

    if not getattr(args, "date", None):
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(args.date)
    except ValueError:
        raise UsageError(f"--date {args.date!r}: write YYYY-MM-DD / 日期格式应为YYYY-MM-DD") from None


def month(text: str):
    import datetime as dt

    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise UsageError(f"--month {text!r}: write YYYY-MM / 月份格式应为YYYY-MM") from None


def out_path(text: str) -> Path:
    """--out, refused (exit 2) before any work when its directory does not exist."""
    out = Path(text)
    if not out.parent.is_dir():
        raise UsageError(f"--out: no such directory {out.parent} / 输出目录不存在")
    return out


def yuan(fen: int) -> str:
    from xiaokang.core.money import yuan_text

    return yuan_text(fen)
