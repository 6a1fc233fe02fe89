"""The first back end (P2): one person on one date, recording the value of every condition and
the facts it read, so that staff and applicants see why or why not, with the legal text behind it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext

from xiaokang.core.money import yuan_to_fen
from xiaokang.policies.engine import facts as fact_schema
from xiaokang.policies.engine.language import (
    Binary,
    IfElse,
    InList,
    Literal,
    Name,
    Node,
    Unary,
    names_in,
)
from xiaokang.policies.engine.loader import Condition, Policy

FEN = Decimal("0.01")
# Numbers are exact decimals carried to 10 places (docs/policies.md, "The expression language"): a sum is
# exact, a product is rounded half up to 10 places, a quotient truncated to 10 places; money is rounded
# half up to the fen only at the end. The SQL back ends do the same (sql._Compiler), so the two agree to
# the fen on every input, not just "almost" (E1: the levy is exact).
PLACES = Decimal("1e-10")
PRECISION = 60  # digits of the working context: enough that nothing is rounded before the 10th place


@dataclass
class ConditionResult:
    condition: Condition
    passed: bool
    used: list[tuple[str, str, str]]  # (fact, Chinese label, value as shown)


@dataclass
class Decision:
    policy: Policy
    eligible: bool
    amount: Decimal  # monthly (or per period) amount in yuan, 0 when not eligible or not cash
    conditions: list[ConditionResult]
    category: str  # the category the decision was made as (多重: the most favourable component)
    amount_label: str = ""  # the amount table row that applied
    parameters: dict[str, object] = field(default_factory=dict)
    unverified: set[str] = field(default_factory=set)
    definitions: dict[str, object] = field(default_factory=dict)  # every definition's value (the figures)
    amount_label_en: str = ""  # the same row's English label (an English page shows it, U11)

    @property
    def failed(self) -> list[str]:
        return [result.condition.id for result in self.conditions if not result.passed]

    @property
    def amount_fen(self) -> int:
        return yuan_to_fen(self.amount)


class _Evaluator:
    def __init__(self, policy: Policy, facts: dict, parameters: dict):
        self.policy = policy
        self.facts = facts
        self.parameters = parameters
        self.definitions: dict[str, object] = {}

    def value(self, node: Node) -> object:
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Name):
            if node.kind == "fact":
                return self.facts[node.name]
            if node.kind == "parameter":
                return self.parameters[node.name]
            if node.name not in self.definitions:
                self.definitions[node.name] = self.value(self.policy.definitions[node.name].node)
            return self.definitions[node.name]
        if isinstance(node, Unary):
            operand = self.value(node.operand)
            return (not operand) if node.op == "not" else -operand
        if isinstance(node, Binary):
            if node.op == "and":
                return bool(self.value(node.left)) and bool(self.value(node.right))
            if node.op == "or":
                return bool(self.value(node.left)) or bool(self.value(node.right))
            left = self.value(node.left)
            right = self.value(node.right)
            return _BINARY[node.op](left, right)
        if isinstance(node, InList):
            operand = self.value(node.operand)
            found = any(operand == self.value(item) for item in node.items)
            return found != node.negated
        if isinstance(node, IfElse):
            return self.value(node.then) if self.value(node.condition) else self.value(node.otherwise)
        raise TypeError(node)  # pragma: no cover

    def facts_read(self, node: Node) -> list[str]:
        """The facts an expression reads, through its definitions too."""
        seen: list[str] = []
        for name in names_in(node):
            if name.kind == "fact":
                read = [name.name]
            elif name.kind == "definition":
                read = self.facts_read(self.policy.definitions[name.name].node)
            else:
                read = []
            for fact in read:
                if fact not in seen:
                    seen.append(fact)
        return seen


def _divide(left, right):
    if not right:
        return Decimal(0)
    return (Decimal(left) / Decimal(right)).quantize(PLACES, rounding=ROUND_DOWN)


def _multiply(left, right):
    product = left * right
    if isinstance(product, Decimal):
        return product.quantize(PLACES, rounding=ROUND_HALF_UP)
    return product


_BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": _multiply,
    "/": _divide,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def decide_view(policy: Policy, view: dict, parameters: dict) -> Decision:
    with localcontext(prec=PRECISION):
        return _decide_view(policy, view, parameters)


def _decide_view(policy: Policy, view: dict, parameters: dict) -> Decision:
    fields = fact_schema.fields_for(policy.entity)
    evaluator = _Evaluator(policy, view, parameters)
    results = []
    for condition in policy.conditions:
        passed = bool(evaluator.value(condition.node))
        used = [
            (name, fields[name].zh, fact_schema.display(name, view[name]))
            for name in evaluator.facts_read(condition.node)
        ]
        results.append(ConditionResult(condition, passed, used))
    eligible = all(result.passed for result in results)
    amount = Decimal(0)
    label = label_en = ""
    if eligible and policy.has_amount:
        for rule in policy.amounts:
            if rule.when is None or evaluator.value(rule.when):
                amount = Decimal(evaluator.value(rule.amount)).quantize(FEN, rounding=ROUND_HALF_UP)
                label, label_en = rule.zh, rule.en
                break
    decision = Decision(policy, eligible, amount, results, view.get("category", ""), label, parameters)
    decision.amount_label_en = label_en
    decision.definitions = {
        name: evaluator.value(Name(0, name=name, kind="definition")) for name in policy.definitions
    }
    return decision


def favourable_key(decision: Decision) -> tuple:
    """Most favourable first: eligible, then the larger amount, then fewer failed conditions, then the
    lower category digit (so the choice is the same in both back ends)."""
    category_code = fact_schema.CATEGORY_CODE.get(decision.category, 0)
    return (not decision.eligible, -decision.amount_fen, len(decision.failed), category_code)


def decide(
    policy: Policy, views: list[dict], day: dt.date, overrides: dict[str, object] | None = None
) -> Decision:
    """The decision for one person (all their category views) on ``day``."""
    parameters = policy.parameters_on(day, overrides)
    decisions = [decide_view(policy, view, parameters) for view in views]
    best = min(decisions, key=favourable_key)
    best.unverified = policy.unverified_on(day) - set(overrides or ())
    return best


def decide_record(
    policy: Policy, record: dict, day: dt.date, overrides: dict[str, object] | None = None
) -> Decision:
    return decide(policy, fact_schema.views_of(record, day), day, overrides)
