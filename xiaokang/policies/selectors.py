"""Policy reads. A person's decisions are read through the registry's access gate (person_for) by the
caller; here only what the engine adds."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.db.models import Count, Sum

from xiaokang.accounts.actors import Actor, scope_of
from xiaokang.policies.engine import interpreter
from xiaokang.policies.engine.facts import record_for_person
from xiaokang.policies.engine.loader import PolicyError, person_policies, policies
from xiaokang.policies.models import EvaluationResult, EvaluationRun


def person_record(person) -> dict:
    """A registry person as the engine's record (facts.record_for_person), with the active certificate
    taken from prefetched certificates when the caller prefetched them."""
    certificate = next((c for c in person.certificates.all() if c.status == "active"), None)
    return record_for_person(person, certificate, person.household)


def decisions_for_person(person, day: dt.date, overrides: dict | None = None) -> list[interpreter.Decision]:
    """Every person policy decided for ``person`` (already let through person_for) on ``day``."""
    record = person_record(person)
    overrides = overrides or {}
    return [
        interpreter.decide_record(policy, record, day, overrides.get(policy.id))
        for policy in person_policies()
    ]


def decision_for_person(person, policy_id: str, day: dt.date) -> interpreter.Decision | None:
    """One policy decided for ``person`` on ``day``; None when the policy is unknown or has no parameter
    values on that day (the callers, a rejection and a notice, then state no amounts or conditions)."""
    policy = policies().get(policy_id)
    if policy is None:
        return None
    try:
        return interpreter.decide_record(policy, person_record(person), day)
    except PolicyError:
        return None


def latest_run() -> EvaluationRun | None:
    return EvaluationRun.objects.order_by("-id").first()


class Totals(NamedTuple):
    eligible: int
    amount_fen: int


def run_totals(actor: Actor, run: EvaluationRun) -> dict[str, Totals]:
    """{policy id: (eligible persons, total amount in fen)} of a stored run, for the persons in the
    actor's area: a district-wide run's totals are counted again within a street or community."""
    scope = scope_of(actor)
    if scope.kind == "all":
        return {row.policy_id: Totals(row.eligible, row.amount_fen) for row in run.policies.all()}
    results = EvaluationResult.objects.filter(run_policy__run=run, eligible=True)
    if scope.kind == "street":
        results = results.filter(street_id=scope.area_id)
    elif scope.kind == "community":
        results = results.filter(person__community_id=scope.area_id)
    else:
        return {}
    rows = results.values("run_policy__policy_id").annotate(count=Count("id"), total=Sum("amount_fen"))
    totals = {row.policy_id: Totals(0, 0) for row in run.policies.all()}
    totals.update({row["run_policy__policy_id"]: Totals(row["count"], row["total"] or 0) for row in rows})
    return totals
