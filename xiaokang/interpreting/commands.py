"""The seed's sign-language interpreters step (`xiaokang seed --interpreting-days DAYS`; U11),
registered with core/seeding.py (docs/architecture/registration.md)."""

from __future__ import annotations

from xiaokang.core import seeding


def _seed_arguments(p) -> None:
    p.add_argument(
        "--interpreting-days",
        type=int,
        default=0,
        metavar="DAYS",
        help="also synthetic sign-language interpreters with free times on the working days of the next "
        "DAYS days (days that have slots already are left alone)",
    )


def seed_interpreters_step(args) -> None:
    if not args.interpreting_days:
        return
    from xiaokang.interpreting.synthetic import seed_interpreters

    added = seed_interpreters(days=args.interpreting_days)
    print(
        f"seeded {added['interpreters']} synthetic sign-language interpreters, {added['slots']} free times, "
        f"{added['bookings']} bookings"
    )


seeding.register_step(
    seeding.SeedStep(
        "interpreters",
        order=30,
        arguments=_seed_arguments,
        run=seed_interpreters_step,
        counts=("--interpreting-days",),
    )
)
