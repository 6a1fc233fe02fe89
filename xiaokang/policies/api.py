"""Eligibility over the API (P2): ``GET /api/v1/persons/{id}/eligibility?date=YYYY-MM-DD``.

The person is read through the registry's gate (``registry.api.person_in_scope``: 404 out of scope or
missing, audited), then every person policy is decided by the interpreter, with each condition's value,
the data it used and its citation."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from xiaokang.accounts.api import DetailOut, TokenAuth
from xiaokang.audit.services import log_action
from xiaokang.policies.engine.loader import PolicyError
from xiaokang.policies.selectors import decisions_for_person
from xiaokang.registry.api import person_in_scope

router = Router(tags=["eligibility"], auth=TokenAuth("policy.read"))


class EligibilityQuery(Schema):
    date: dt.date | None = None


class FactUsedOut(Schema):
    fact: str
    label: str
    value: str


class ConditionOut(Schema):
    id: str
    group: str  # common, condition, exclusion
    label_zh: str
    label_en: str
    passed: bool
    used: list[FactUsedOut]
    citation: str


class PolicyDecisionOut(Schema):
    policy: str
    name_zh: str
    name_en: str
    kind: str
    eligible: bool
    amount: str  # yuan, two decimals; "0.00" when not eligible or not a cash policy
    period: str
    amount_rule: str
    failed: list[str]
    decided_as_category: str
    unverified_parameters: list[str]
    version: str
    conditions: list[ConditionOut]


class EligibilityOut(Schema):
    person_id: int
    date: dt.date
    policies: list[PolicyDecisionOut]


@router.get(
    "/{int:person_id}/eligibility",
    response={200: EligibilityOut, 400: DetailOut, 401: DetailOut, 403: DetailOut, 404: DetailOut},
    summary="Every policy decided for one person, with reasons",
)
def person_eligibility(request: HttpRequest, person_id: int, query: Query[EligibilityQuery]):
    """For every person policy: eligible or not, the amount, and each condition with the data it used
    and its legal citation. `date` defaults to today."""
    person = person_in_scope(request, person_id)
    day = query.date or timezone.localdate()
    try:
        decisions = decisions_for_person(person, day)
    except PolicyError as exc:
        raise HttpError(400, f"{exc.message} / 该日期无适用参数") from None
    log_action(
        request.auth,
        "person.eligibility",
        object_type="person",
        object_id=person.pk,
        person_id=person.pk,
        details={"date": day.isoformat()},
    )
    return {
        "person_id": person.pk,
        "date": day,
        "policies": [
            {
                "policy": d.policy.id,
                "name_zh": d.policy.zh,
                "name_en": d.policy.en,
                "kind": d.policy.kind,
                "eligible": d.eligible,
                "amount": f"{d.amount:.2f}",
                "period": d.policy.period,
                "amount_rule": d.amount_label,
                "failed": d.failed,
                "decided_as_category": d.category,
                "unverified_parameters": sorted(d.unverified),
                "version": d.policy.version,
                "conditions": [
                    {
                        "id": r.condition.id,
                        "group": r.condition.group,
                        "label_zh": r.condition.zh,
                        "label_en": r.condition.en,
                        "passed": r.passed,
                        "used": [{"fact": f, "label": label, "value": v} for f, label, v in r.used],
                        "citation": r.condition.citation,
                    }
                    for r in d.conditions
                ],
            }
            for d in decisions
        ],
    }
