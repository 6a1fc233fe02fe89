"""Policy reads. A person's decisions are read through the registry's access gate (person_for) by the
caller; here only what the engine adds."""

from __future__ import annotations

import datetime as dt

from xiaokang.policies import interpreter
from xiaokang.policies.facts import record_for_person
from xiaokang.policies.loader import person_policies
from xiaokang.policies.models import EvaluationRun


def decisions_for_person(person, day: dt.date, overrides: dict | None = None) -> list[interpreter.Decision]:
    """Every person policy decided for ``person`` (already let through person_for) on ``day``."""
    # The active certificate, from prefetched certificates when the caller prefetched them.
    certificate = next((c for c in person.certificates.all() if c.status == "active"), None)
    record = record_for_person(person, certificate, person.household)
    overrides = overrides or {}
    return [
        interpreter.decide_record(policy, record, day, overrides.get(policy.id))
        for policy in person_policies()
    ]


def latest_run() -> EvaluationRun | None:
    return EvaluationRun.objects.order_by("-id").first()
