"""`xiaokang seed`: one command, a step per app (docs/synthetic-data.md). Each app that seeds demo data
registers a step from its own ``commands.py``: its options, the counts that must not be negative, a
refusal checked before anything is seeded, and the step itself (which calls the app's seeding service
and prints). The registry app registers the command (``seed_command``) and the persons step; the steps
run in their ``order``; their options appear in ``xiaokang seed --help`` in the same order.

Core imports no app: the steps come to it (docs/architecture/registration.md)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from xiaokang.core.cli_support import EXIT_OK, UsageError
from xiaokang.core.commands import CommandRegistrationError


@dataclass(frozen=True)
class SeedStep:
    name: str
    order: int
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], None]
    counts: tuple[str, ...] = ()  # options ("--employers") that must be 0 or more
    check: Callable[[argparse.Namespace], None] | None = None  # raises UsageError before any seeding


class SeedRegistry:
    def __init__(self) -> None:
        self._steps: dict[str, SeedStep] = {}

    def register(self, step: SeedStep) -> None:
        if step.name in self._steps:
            raise CommandRegistrationError(f"seed step {step.name!r} registered twice")
        if any(other.order == step.order for other in self._steps.values()):
            raise CommandRegistrationError(f"seed step {step.name!r}: order {step.order} is taken")
        self._steps[step.name] = step

    def steps(self) -> list[SeedStep]:
        return sorted(self._steps.values(), key=lambda step: step.order)

    def arguments(self, parser: argparse.ArgumentParser) -> None:
        for step in self.steps():
            step.arguments(parser)

    def handle(self, args: argparse.Namespace) -> int:
        steps = self.steps()
        counts = [option for step in steps for option in step.counts]
        if any(getattr(args, option.lstrip("-").replace("-", "_")) < 0 for option in counts):
            names = ", ".join(counts[:-1]) + " and " + counts[-1] if len(counts) > 1 else counts[0]
            raise UsageError(f"{names} must be 0 or more")
        # Every refusal before anything is seeded (the demo accounts under production settings, U11).
        for step in steps:
            if step.check is not None:
                step.check(args)
        for step in steps:
            step.run(args)
        return EXIT_OK


registry = SeedRegistry()
register_step = registry.register
