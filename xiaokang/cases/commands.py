"""`xiaokang roster`, `outreach` (P3, S5), the enrolment import kind and the seed's cases step, registered
in core/commands.py and core/seeding.py (docs/architecture/registration.md)."""

from __future__ import annotations

import sys
from pathlib import Path

from xiaokang.core import commands, seeding
from xiaokang.core.cli_support import EXIT_INPUT_ERRORS, EXIT_OK, UsageError, month, yuan


def cmd_roster(args) -> int:
    from xiaokang.accounts.actors import SystemActor
    from xiaokang.cases.rosters import RosterError, cash_policy_ids, roster_build, roster_export

    first_day = month(args.month)
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
    actor = SystemActor(f"cli roster {first_day:%Y-%m}")
    rosters = []
    for policy_id in policy_ids:
        try:
            summary = roster_build(actor=actor, policy_id=policy_id, month=first_day)
        except RosterError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_INPUT_ERRORS
        rosters.append(summary.roster)
        print(
            f"{policy_id} {first_day:%Y-%m}: {summary.paid} paid, {summary.held} held, "
            f"total {yuan(summary.total_fen)} yuan (draft)"
        )
        for row in summary.by_street:
            print(f"  {row['street']}: {row['paid']} paid, {row['held']} held, {yuan(row['total_fen'])}")
    paid, held = roster_export(actor=actor, rosters=rosters, path=out, held_path=args.held)
    print(f"wrote {paid} paid rows to {out}" + (f" and {held} held rows to {args.held}" if args.held else ""))
    return EXIT_OK


def _roster_arguments(p) -> None:
    p.add_argument("--month", required=True, metavar="YYYY-MM")
    p.add_argument("--out", required=True, metavar="FILE.csv|FILE.xlsx")
    p.add_argument("--policy", metavar="ID", help="one cash policy (default: every cash policy)")
    p.add_argument("--held", metavar="FILE.csv", help="with a .csv roster: the held persons and why")


commands.register(
    "roster",
    order=140,
    help="build the draft payment roster of a month and write it",
    arguments=_roster_arguments,
    handler=cmd_roster,
)


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


def _outreach_arguments(p) -> None:
    p.add_argument("--out", metavar="FILE.csv", help="id_number,policy,street_code,community")


commands.register(
    "outreach",
    order=150,
    help="create outreach tasks from the last evaluation run; write the open ones",
    arguments=_outreach_arguments,
    handler=cmd_outreach,
)


# --- seed --applications ---------------------------------------------------------------------------
def _seed_arguments(p) -> None:
    p.add_argument(
        "--applications",
        type=int,
        default=0,
        metavar="N",
        help="also a working district (if there are no applications yet): N synthetic applications in "
        "every workflow state, enrolments, approved rosters of the last three months, outreach tasks, "
        "temporary assistance, and the demo resident's case (make run: 150)",
    )


def seed_cases_step(args) -> None:
    if not args.applications:
        return
    from django.utils import timezone

    from xiaokang.accounts.actors import SystemActor
    from xiaokang.cases.synthetic import seed_cases

    seeded = seed_cases(
        actor=SystemActor("cli seed"),
        applications=args.applications,
        seed=args.seed,
        today=timezone.localdate(),
    )
    if not seeded.applications:
        print("there are applications already (or no persons): no cases seeded")
        return
    states = ", ".join(f"{state} {count}" for state, count in sorted(seeded.applications.items()))
    paid = sum(paid for _policy, _month, paid, _total in seeded.rosters)
    answered = sum(seeded.outreach_answered.values())
    print(
        f"seeded a working district: {seeded.legacy_enrolments} enrolments imported; "
        f"{sum(seeded.applications.values())} applications ({states}), {seeded.overdue} overdue; "
        f"{len(seeded.rosters)} approved rosters with {paid} payments; "
        f"{seeded.outreach_tasks} outreach tasks, {answered} answered; "
        f"{sum(seeded.temporary.values())} temporary-assistance grants"
    )


seeding.register_step(
    # Before the demo accounts (order 40): the demo resident's portal account is linked to the person
    # this step gave a case (cases.synthetic.demo_resident_person).
    seeding.SeedStep(
        "cases", order=35, arguments=_seed_arguments, run=seed_cases_step, counts=("--applications",)
    )
)
