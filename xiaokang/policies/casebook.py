"""Each policy's own test cases (the ``tests`` of its file), run through both back ends (P2):
``xiaokang policies test`` and ``policies/tests/test_policy_cases.py``. Named *casebook* (the worked
examples a policy file carries) so it is not mistaken for the ``cases`` app (applications). It stays
beside the engine, not in it: the SQL back end runs on the configured database (``evaluation``).

A case gives a date, a person (only what differs from ``BASELINE``: a certified adult of Beijing, grade-1
physical, ordinary household) and what to expect: ``eligible``, ``amount`` (yuan, default 0) and
``reasons`` (the failed condition ids, in the file's order; none when eligible).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from xiaokang.core.money import fen_to_yuan
from xiaokang.policies import evaluation
from xiaokang.policies.engine import interpreter
from xiaokang.policies.engine.loader import Policy
from xiaokang.registry.vocabulary import CATEGORY_CODE

BASELINE = {
    "birth_date": dt.date(1980, 5, 1),
    "status": "normal",
    "hukou": "beijing_urban",
    "category": "physical",
    "grade": 1,
    "components": "",
    "issued_on": dt.date(2020, 1, 1),
    "certificate_active": True,
    "economic_status": "ordinary",
    "employment": "not_employed",
    "family_planning_hardship": False,
    "dangerous_house": False,
    "work_injury_care": False,
    "self_care": True,
}


@dataclass
class Outcome:
    eligible: bool
    amount: Decimal
    reasons: list[str]


@dataclass
class CaseResult:
    policy: Policy
    name: str
    backend: str
    expected: Outcome
    actual: Outcome | None
    error: str = ""

    @property
    def passed(self) -> bool:
        return not self.error and self.actual == self.expected

    def describe(self) -> str:
        if self.error:
            return f"{self.policy.id} [{self.backend}] {self.name}: {self.error}"
        return (
            f"{self.policy.id} [{self.backend}] {self.name}: expected {_show(self.expected)}, "
            f"got {_show(self.actual)}"
        )


def _show(outcome: Outcome | None) -> str:
    if outcome is None:
        return "nothing"
    reasons = ";".join(outcome.reasons) or "-"
    return f"eligible={str(outcome.eligible).lower()} amount={outcome.amount:.2f} reasons={reasons}"


def case_record(person: dict) -> dict:
    record = {**BASELINE, **(person or {})}
    components = record.get("components")
    if isinstance(components, list):
        record["components"] = "".join(sorted(str(CATEGORY_CODE[name]) for name in components))
    return record


def _expected(case: dict) -> Outcome:
    expect = case.get("expect") or {}
    return Outcome(
        bool(expect.get("eligible")),
        Decimal(str(expect.get("amount", 0))).quantize(Decimal("0.01")),
        list(expect.get("reasons") or []),
    )


def run_cases(policy: Policy) -> list[CaseResult]:
    """Every case of ``policy`` through the interpreter and through the SQL back end (person policies:
    the configured database, temporary tables only; employer policies: DuckDB, where levy files are
    evaluated)."""
    if policy.entity == "employer":
        return _run_employer_cases(policy)
    results: list[CaseResult] = []
    by_date: dict[dt.date, list[tuple[dict, dict]]] = {}
    for case in policy.tests:
        name = str(case.get("name", "?"))
        day = case.get("date")
        expected = _expected(case)
        if not isinstance(day, dt.date):
            for backend in ("interpreter", "sql"):
                results.append(CaseResult(policy, name, backend, expected, None, "the case needs a date"))
            continue
        try:
            record = case_record(case.get("person") or {})
            decision = interpreter.decide_record(policy, record, day)
        except (KeyError, TypeError, ValueError) as exc:
            for backend in ("interpreter", "sql"):
                results.append(CaseResult(policy, name, backend, expected, None, f"bad person: {exc}"))
            continue
        actual = Outcome(decision.eligible, decision.amount, decision.failed)
        results.append(CaseResult(policy, name, "interpreter", expected, actual))
        by_date.setdefault(day, []).append((case, record))
    for day, cases in by_date.items():
        rows = evaluation.decisions_for_records([record for _, record in cases], policy, day)
        for (case, _), row in zip(cases, rows, strict=True):
            actual = Outcome(
                bool(row["eligible"]),
                fen_to_yuan(int(row["amount_fen"])),
                [reason for reason in (row["failed"] or "").split(";") if reason],
            )
            results.append(CaseResult(policy, str(case.get("name", "?")), "sql", _expected(case), actual))
    return results


def _run_employer_cases(policy: Policy) -> list[CaseResult]:
    """An employer case gives ``year`` (the levy year) and ``employer`` (what differs from
    ``employers.EMPLOYER_BASELINE``)."""
    from xiaokang.policies.engine import employers

    results: list[CaseResult] = []
    by_year: dict[int, list[tuple[dict, dict]]] = {}
    for case in policy.tests:
        name = str(case.get("name", "?"))
        year = case.get("year")
        expected = _expected(case)
        try:
            if not isinstance(year, int):
                raise ValueError("the case needs a year (the levy year)")
            record = employers.case_employer(case.get("employer"))
            decision = employers.decide_employer(policy, record, year)
        except (KeyError, TypeError, ValueError) as exc:
            for backend in ("interpreter", "sql"):
                results.append(CaseResult(policy, name, backend, expected, None, f"bad case: {exc}"))
            continue
        results.append(
            CaseResult(
                policy,
                name,
                "interpreter",
                expected,
                Outcome(decision.eligible, decision.amount, decision.failed),
            )
        )
        by_year.setdefault(year, []).append((case, record))
    for year, cases in by_year.items():
        rows = employers.decide_records_sql(policy, [record for _, record in cases], year)
        for (case, _), row in zip(cases, rows, strict=True):
            actual = Outcome(
                bool(row["eligible"]),
                fen_to_yuan(int(row["amount_fen"])),
                [reason for reason in (row["failed"] or "").split(";") if reason],
            )
            results.append(CaseResult(policy, str(case.get("name", "?")), "sql", _expected(case), actual))
    return results
