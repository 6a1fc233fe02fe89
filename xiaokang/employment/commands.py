"""`xiaokang levy`, `employer-payments`, `disclosure` (E1–E3), the employer import kind and the seed's
employers step, registered in core/commands.py (docs/architecture/registration.md)."""

from __future__ import annotations

from xiaokang.core import commands, seeding
from xiaokang.core.cli_support import EXIT_INPUT_ERRORS, EXIT_OK, UsageError, file_job, out_path, yuan
from xiaokang.policies.commands import overrides


# --- seed --employers ------------------------------------------------------------------------------
def _seed_arguments(p) -> None:
    p.add_argument(
        "--employers",
        type=int,
        default=0,
        help="also synthetic employers with quota declarations of the last two years (if there are none)",
    )


def seed_employers_step(args) -> None:
    if not args.employers:
        return
    from django.utils import timezone

    from xiaokang.accounts.actors import SystemActor
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


seeding.register_step(
    seeding.SeedStep(
        "employers", order=20, arguments=_seed_arguments, run=seed_employers_step, counts=("--employers",)
    )
)


# --- levy, employer-payments, disclosure -----------------------------------------------------------
def _levy_overrides(args) -> dict:
    from xiaokang.policies.engine.employers import LEVY_POLICY

    changed = overrides(args)
    levy = changed.get(LEVY_POLICY, {})  # a shared parameter (quota_ratio) is set for its other users too
    others = sorted(
        policy for policy, values in changed.items() if policy != LEVY_POLICY and values.keys() - levy
    )
    if others:
        raise UsageError(f"--set: levy takes only {LEVY_POLICY}.NAME=VALUE, not {', '.join(others)}")
    return changed.get(LEVY_POLICY, {})


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
    out = out_path(args.out)
    if args.from_declarations:
        if args.file or args.set:
            raise UsageError("--from-declarations reads approved declarations: no FILE and no --set")
        from xiaokang.accounts.actors import SystemActor
        from xiaokang.employment.collection import collection_list_write

        count, total_fen = collection_list_write(
            actor=SystemActor("cli levy --from-declarations"), levy_year=year, path=out
        )
        print(f"levy year {year}: {count} approved declarations, {yuan(total_fen)} yuan, written to {out}")
        return EXIT_OK
    if not args.file:
        raise UsageError("levy needs FILE (or --from-declarations) / 请给出文件")
    from xiaokang.policies.levy import levy_file
    from xiaokang.registry.importing.reader import FileRejected

    changed = _levy_overrides(args)
    report = file_job(
        lambda advance: levy_file(args.file, out, levy_year=year, overrides=changed, progress=advance),
        ["reading", "validating", "evaluating", "writing"],
        rejected=FileRejected,
    )
    if report is None:
        return EXIT_INPUT_ERRORS
    print(
        f"levy year {year}: {report.rows} employers, {report.liable} liable, {report.exempt} exempt, "
        f"total {yuan(report.total_fen)} yuan, written to {out}"
    )
    return EXIT_OK


def _levy_arguments(p) -> None:
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


commands.register(
    "levy",
    order=160,
    help="the employment security fund levy for the employers of a file (or approved declarations)",
    arguments=_levy_arguments,
    handler=cmd_levy,
)


def cmd_employer_payments(args) -> int:
    from xiaokang.accounts.actors import SystemActor
    from xiaokang.employment.collection import payment_list_write

    year = _levy_year(args)
    out = out_path(args.out)
    rows, total_fen = payment_list_write(actor=SystemActor("cli employer-payments"), levy_year=year, path=out)
    print(f"year {year}: {rows} payments, {yuan(total_fen)} yuan, written to {out}")
    return EXIT_OK


def _employer_payments_arguments(p) -> None:
    p.add_argument("--year", type=int, required=True, metavar="Y", help="the levy year of the declarations")
    p.add_argument("--out", required=True, metavar="OUT.xlsx")


commands.register(
    "employer-payments",
    order=170,
    help="the year's over-quota rewards and employment subsidies for approved declarations (xlsx)",
    arguments=_employer_payments_arguments,
    handler=cmd_employer_payments,
)


def cmd_disclosure(args) -> int:
    from xiaokang.employment.disclosure import disclosure_write

    out = out_path(args.out)
    count = disclosure_write(args.year, args.format, out)
    print(f"levy year {args.year}: {count} employers disclosed ({args.format}), written to {out}")
    return EXIT_OK


def _disclosure_arguments(p) -> None:
    p.add_argument("--year", type=int, required=True, metavar="Y", help="levy year")
    p.add_argument("--format", required=True, choices=["csv", "json", "xlsx"])
    p.add_argument("--out", required=True, metavar="FILE")


commands.register(
    "disclosure",
    order=180,
    help="the quota disclosure of a year: csv/json for the credit platform, or xlsx (docs/disclosure.md)",
    arguments=_disclosure_arguments,
    handler=cmd_disclosure,
)
