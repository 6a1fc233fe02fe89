"""What other apps do after a stored evaluation run of the current rules (P3, S5, R7).

The policies app does not know them (layers: policies ← cases): an app registers a follow-up here from
its AppConfig.ready(), by dotted path (imported on first use). The cases app gives the community
workers their outreach tasks (主动救助) and stops payments to those who no longer qualify
(``cases.followups.after_evaluation``). `xiaokang evaluate` calls :func:`after_run`; so would a scheduled
evaluation: the rule lives here, not in the command.

A follow-up is ``f(*, actor, run)`` returning an object whose ``lines()`` report what it did."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.module_loading import import_string

_followups: dict[str, tuple[int, Callable | None]] = {}


def register_after_run(path: str, *, order: int) -> None:
    if path in _followups:
        raise ValueError(f"evaluation follow-up {path!r} registered twice")
    _followups[path] = (order, None)


def after_run(*, actor, run) -> list:
    """Run every follow-up, in their order, for ``run``. A what-if run (with overrides) has none: its
    results are not the rules in force."""
    if run.overrides:
        return []
    results = []
    for path, (order, function) in sorted(_followups.items(), key=lambda item: item[1][0]):
        if function is None:
            function = import_string(path)
            _followups[path] = (order, function)
        results.append(function(actor=actor, run=run))
    return results
