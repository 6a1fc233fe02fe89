"""`xiaokang seed` (the command and its persons step), `import`, `export`, `template`, `quality` (R5,
R7), registered in core/commands.py (docs/architecture/registration.md)."""

from __future__ import annotations

import sys
from pathlib import Path

from xiaokang.core import commands, seeding
from xiaokang.core.cli_support import (
    EXIT_INPUT_ERRORS,
    EXIT_OK,
    UsageError,
    print_errors,
    progress,
    stage_progress,
    write_report,
)


# --- seed: the command, and its first step (the persons) -------------------------------------------
def _persons_arguments(p) -> None:
    p.add_argument("--persons", type=int, required=True, help="how many persons")
    p.add_argument("--seed", type=int, default=1, help="random seed (same seed, same population)")
    p.add_argument("--if-empty", action="store_true", help="do nothing if the registry already has persons")


def seed_persons(args) -> None:
    from xiaokang.accounts.actors import SystemActor
    from xiaokang.registry.models import Person
    from xiaokang.registry.synthetic import seed_registry

    if args.if_empty and Person.objects.unscoped(reason="seed --if-empty: is the registry empty").exists():
        print("the registry is not empty: nothing seeded")
        return
    bar = progress()
    with bar:
        task = bar.add_task("seed", total=None)

        def report(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total)

        result = seed_registry(
            actor=SystemActor("cli seed"), persons=args.persons, seed=args.seed, progress=report
        )
    print(
        f"seeded {args.persons} synthetic persons (seed {args.seed}): "
        f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged"
    )


seeding.register_step(
    seeding.SeedStep(
        "persons", order=10, arguments=_persons_arguments, run=seed_persons, counts=("--persons",)
    )
)
commands.register(
    "seed",
    order=40,
    help="add a deterministic synthetic Haidian population",
    arguments=seeding.registry.arguments,
    handler=seeding.registry.handle,
)


# --- import ----------------------------------------------------------------------------------------
def cmd_import(args) -> int:
    from xiaokang.accounts.actors import SystemActor
    from xiaokang.core.importing import dataset
    from xiaokang.registry.importing.reader import FileRejected

    # Every dataset an app declares in its imports.py (core.importing); same report, same exit codes.
    load = dataset(args.kind).load
    bar, advance = stage_progress(["reading", "validating", "writing"])
    try:
        with bar:
            report = load(
                actor=SystemActor(f"cli import {Path(args.file).name}"),
                path=args.file,
                dry_run=args.dry_run,
                progress=advance,
            )
    except FileRejected as exc:
        write_report(
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
    write_report(args.report, report.as_json())
    for warning in report.warnings:
        print(f"warning: {warning['column']}: {warning['message']}", file=sys.stderr)
    if report.errors:
        print_errors(report.errors)
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


def _import_arguments(p) -> None:
    from xiaokang.core.importing import datasets

    p.add_argument("kind", choices=list(datasets()))
    p.add_argument("file", help=".xlsx or .csv (UTF-8, with or without BOM)")
    p.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
    p.add_argument("--report", metavar="REPORT.json", help="write the JSON report here")


commands.register(
    "import",
    order=50,
    help="import a spreadsheet, all or nothing (persons, enrolments, or employers)",
    arguments=_import_arguments,
    handler=cmd_import,
)


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


def _export_arguments(p) -> None:
    p.add_argument("kind", choices=["persons"])
    p.add_argument("--out", required=True, metavar="FILE.xlsx", help=".xlsx or .csv")
    p.add_argument("--street", metavar="CODE", help="only this street (9- or 12-digit code)")
    p.add_argument("--full", action="store_true", help="full ID and phone numbers (sensitive)")


commands.register(
    "export",
    order=60,
    help="export in the import format (masked unless --full)",
    arguments=_export_arguments,
    handler=cmd_export,
)


def cmd_template(args) -> int:
    from xiaokang.registry.exporting import write_template

    if not args.out.lower().endswith(".xlsx"):
        raise UsageError("--out must name an .xlsx file / 模板须为.xlsx文件")
    write_template(args.out)
    print(f"wrote the person import template to {args.out}")
    return EXIT_OK


def _template_arguments(p) -> None:
    p.add_argument("kind", choices=["persons"])
    p.add_argument("--out", required=True, metavar="FILE.xlsx")


commands.register(
    "template",
    order=70,
    help="write the empty import template with an explanation sheet",
    arguments=_template_arguments,
    handler=cmd_template,
)


def cmd_quality(args) -> int:
    from xiaokang.accounts.actors import SystemActor
    from xiaokang.registry.quality import quality_export, quality_report

    report = quality_report(actor=SystemActor("cli quality"))
    print(f"suspected duplicate persons:            {report.duplicates.height}")
    print(f"certificates expiring within {report.horizon_days} days:   {report.expiring.height}")
    print(f"deceased persons still carrying active data: {report.deceased_active.height}")
    if args.out:
        if not args.out.lower().endswith(".xlsx"):
            raise UsageError("--out must name an .xlsx file")
        quality_export(
            actor=SystemActor(f"cli quality {Path(args.out).name[:100]}"), report=report, path=args.out
        )
        print(f"wrote {args.out}")
    return EXIT_OK


def _quality_arguments(p) -> None:
    p.add_argument("--out", metavar="FILE.xlsx")


commands.register(
    "quality",
    order=110,
    help="data-quality report: duplicates, expiring certificates, deceased with active data",
    arguments=_quality_arguments,
    handler=cmd_quality,
)
