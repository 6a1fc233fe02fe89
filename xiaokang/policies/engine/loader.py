"""Policy files (P1): one YAML file per policy under ``rules/``, read, parsed and type-checked.

Every problem is a ``PolicyError`` naming the file, line and column, so ``xiaokang policies check``
can list them all. ``rules/_common.yaml`` holds the conditions shared by every person policy; a policy
names the ones it uses under ``common``.

``rules/parameters/`` is the shared parameter tree (as OpenFisca's ``parameters/``): one file per
parameter used by more than one policy, named after it (``parameters/quota_ratio.yaml``), in the same
format as a parameter under a policy's ``parameters``. A policy lists the ones it reads under
``shared_parameters``; they then are among its ``parameters`` (marked ``shared``), so every back end,
the sheet and the what-if treat them alike, and overriding one (``--set quota_ratio=…``) changes every
policy that uses it. A name is defined once: in one policy, or in the tree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

import yaml

from xiaokang.policies.engine import facts
from xiaokang.policies.engine.language import (
    BOOL,
    INT,
    NUMBER,
    T_BOOL,
    T_INT,
    T_NUMBER,
    T_TEXT,
    ExpressionError,
    Node,
    Symbol,
    Type,
    check,
    parse,
)

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"  # xiaokang/policies/rules/
COMMON_FILE = "_common.yaml"
PARAMETERS_DIR = "parameters"  # rules/parameters/: the shared parameter tree, one file per parameter
SHARED = "*"  # parse_override's policy id for the shared form ``--set quota_ratio=0.02``
ENTITIES = ("person", "household", "employer")
# levy: an amount the entity pays (the employment security fund levy, E1), not one it receives.
KINDS = ("cash", "service", "eligibility", "levy")
AMOUNT_KINDS = ("cash", "levy")
PERIODS = ("month", "year", "once")
# Every key a policy file may have: a misspelt one ("condtions") is an error, never silently ignored
# (it would drop the policy's conditions and make everyone eligible).
POLICY_KEYS = frozenset(
    {
        "id",
        "name",
        "entity",
        "kind",
        "period",
        "legal_basis",
        "requirements",
        "notes",
        "how_to_apply",
        "parameters",
        "shared_parameters",
        "definitions",
        "common",
        "conditions",
        "exclusions",
        "amount",
        "tests",
        "enrolment_by_approver",
    }
)


class PolicyError(Exception):
    def __init__(self, path: Path | str, line: int, column: int, message: str):
        self.path = Path(path)
        self.line = line
        self.column = column
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.path.name}:{self.line}:{self.column}: {self.message}"


class NoValueOnDay(PolicyError):
    """A parameter has no value on the day asked (the day is before its first value): the pages say so
    with the parameter's label and dates, not its identifier (U11)."""

    def __init__(self, path, line: int, column: int, message: str, *, parameter, day: dt.date):
        super().__init__(path, line, column, message)
        self.parameter = parameter
        self.day = day
        self.first = parameter.values[0].start


class PolicyErrors(Exception):
    def __init__(self, errors: list[PolicyError]):
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


# ---------------------------------------------------------------------------------------------------
# YAML with positions: strings and mappings remember where they start.


class Located(str):
    line = 0
    column = 0
    style: str | None = None


class LocatedDict(dict):
    line = 0
    column = 0


class _Loader(yaml.SafeLoader):
    pass


def _construct_str(loader: _Loader, node: yaml.ScalarNode) -> Located:
    value = Located(loader.construct_scalar(node))
    value.line = node.start_mark.line + 1
    value.column = node.start_mark.column + 1
    value.style = node.style
    return value


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> LocatedDict:
    loader.flatten_mapping(node)
    value = LocatedDict(loader.construct_mapping(node, deep=True))
    value.line = node.start_mark.line + 1
    value.column = node.start_mark.column + 1
    return value


def _construct_decimal(loader: _Loader, node: yaml.ScalarNode) -> Decimal:
    # Money and rates are exact: 0.015 stays 0.015, never a binary float.
    return Decimal(loader.construct_scalar(node).replace("_", ""))


_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


def _where(value: object, fallback: tuple[int, int]) -> tuple[int, int]:
    if isinstance(value, (Located, LocatedDict)):
        return value.line, value.column
    return fallback


def _expression_position(text: Located, offset: int, lines: list[str]) -> tuple[int, int]:
    """The file line and column of ``offset`` in an expression string."""
    if text.style in ("|", ">"):
        line = text.line + 1 + text[:offset].count("\n")
        raw = lines[line - 1] if 0 < line <= len(lines) else ""
        indent = len(raw) - len(raw.lstrip(" "))
        return line, indent + offset - (text[:offset].rfind("\n") + 1) + 1
    quote = 1 if text.style in ('"', "'") else 0
    return text.line, text.column + quote + offset


# ---------------------------------------------------------------------------------------------------
# The policy model


@dataclass
class ParameterValue:
    start: dt.date
    value: object
    citation: str
    verified: bool


@dataclass
class Parameter:
    name: str
    zh: str
    en: str
    unit: str
    type: Type
    values: list[ParameterValue]  # by start date
    line: int
    column: int
    source: Path | None = None  # the tree file of a shared parameter; None: the policy's own

    @property
    def shared(self) -> bool:
        return self.source is not None

    @property
    def source_name(self) -> str:
        """``parameters/quota_ratio.yaml`` for a shared parameter, "" for a policy's own."""
        return f"{PARAMETERS_DIR}/{self.source.name}" if self.source is not None else ""

    def value_on(self, day: dt.date) -> ParameterValue | None:
        current = None
        for value in self.values:
            if value.start <= day:
                current = value
        return current


@dataclass
class Definition:
    id: str
    zh: str
    en: str
    text: str
    node: Node


@dataclass
class Condition:
    id: str
    zh: str
    en: str
    text: str
    node: Node
    citation: str
    group: str  # common, condition, exclusion


@dataclass
class AmountRule:
    zh: str
    en: str
    when_text: str
    when: Node | None  # None: the amount expression without a table
    amount_text: str
    amount: Node


@dataclass
class Policy:
    id: str
    zh: str
    en: str
    entity: str
    kind: str
    period: str
    legal_basis: list[dict]
    notes: list[dict]
    parameters: dict[str, Parameter]
    definitions: dict[str, Definition]
    conditions: list[Condition]
    amounts: list[AmountRule]  # first matching row; empty for service and eligibility policies
    tests: list[dict]
    path: Path
    version: str  # hash of the file, the common conditions and the shared parameters it uses
    how_to_apply: dict = field(default_factory=dict)
    # Separation of duties (U11, G2): the officer who approved an application may also enrol it only
    # where the policy file says ``enrolment_by_approver: true`` (default false: another officer enrols).
    enrolment_by_approver: bool = False

    @property
    def is_cash(self) -> bool:
        return self.kind == "cash"

    @property
    def has_amount(self) -> bool:
        return self.kind in AMOUNT_KINDS

    def parameters_on(self, day: dt.date, overrides: dict[str, object] | None = None) -> dict[str, object]:
        """Parameter values in force on ``day``; ``overrides`` ({name: value}) hold on every date."""
        overrides = overrides or {}
        values: dict[str, object] = {}
        for name, parameter in self.parameters.items():
            if name in overrides:
                values[name] = overrides[name]
                continue
            current = parameter.value_on(day)
            if current is None:
                raise NoValueOnDay(
                    parameter.source or self.path,
                    parameter.line,
                    parameter.column,
                    f"parameter {name!r} has no value on {day.isoformat()} "
                    f"(the first is from {parameter.values[0].start.isoformat()})",
                    parameter=parameter,
                    day=day,
                )
            values[name] = current.value
        return values

    def unverified_on(self, day: dt.date) -> set[str]:
        return {
            name
            for name, parameter in self.parameters.items()
            if (value := parameter.value_on(day)) is not None and not value.verified
        }


# ---------------------------------------------------------------------------------------------------
# Reading


class _FileReader:
    def __init__(self, path: Path):
        self.path = path
        self.text = path.read_text(encoding="utf-8")
        self.lines = self.text.splitlines()
        self.errors: list[PolicyError] = []

    def error(self, where: object, message: str, fallback: tuple[int, int] = (1, 1)) -> None:
        line, column = _where(where, fallback)
        self.errors.append(PolicyError(self.path, line, column, message))

    def load(self) -> LocatedDict | None:
        try:
            data = yaml.load(self.text, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            problem = getattr(exc, "problem", None) or str(exc)
            self.errors.append(PolicyError(self.path, line, column, f"YAML: {problem}"))
            return None
        if not isinstance(data, dict):
            self.error(data, "a policy file is a mapping of keys (id, name, entity …)")
            return None
        return data

    def text_field(self, data: dict, key: str, *, required: bool = True) -> str:
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.error(data, f"{key!r} is required")
            return ""
        if not isinstance(value, str):
            self.error(data, f"{key!r} must be text")
            return ""
        return value

    def names(self, data: dict, key: str = "label") -> tuple[str, str]:
        value = data.get(key)
        if not isinstance(value, dict):
            self.error(data, f"{key!r} needs zh and en")
            return "", ""
        return self.text_field(value, "zh"), self.text_field(value, "en")

    def expression(self, text: object, symbols: dict[str, Symbol], owner: dict, what: str) -> Node | None:
        if not isinstance(text, str):
            self.error(owner, f"{what} must be an expression (text)")
            return None
        try:
            node = parse(text)
            check(node, symbols)
        except ExpressionError as exc:
            line, column = (
                _expression_position(text, exc.offset, self.lines)
                if isinstance(text, Located)
                else _where(owner, (1, 1))
            )
            self.errors.append(PolicyError(self.path, line, column, f"{what}: {exc.message}"))
            return None
        return node


def _parameter_type(values: list[object]) -> Type | None:
    kinds = set()
    for value in values:
        if isinstance(value, bool):
            kinds.add(BOOL)
        elif isinstance(value, int):
            kinds.add(INT)
        elif isinstance(value, Decimal):
            kinds.add(NUMBER)
        elif isinstance(value, str):
            kinds.add("text")
        else:
            return None
    if kinds <= {INT}:
        return T_INT
    if kinds <= {INT, NUMBER}:
        return T_NUMBER
    if kinds == {BOOL}:
        return T_BOOL
    if kinds == {"text"}:
        return T_TEXT
    return None


def _read_parameter(
    reader: _FileReader, name: str, spec: object, source: Path | None = None
) -> Parameter | None:
    """One parameter (a policy's or the tree's: the same format): label, unit, type, dated values."""
    line, column = _where(spec, (1, 1))
    if not isinstance(spec, dict) or not isinstance(spec.get("values"), list) or not spec["values"]:
        reader.error(spec, f"parameter {name!r} needs a label and a list of dated values")
        return None
    label_zh, label_en = reader.names(spec)
    values: list[ParameterValue] = []
    for item in spec["values"]:
        if not isinstance(item, dict) or not isinstance(item.get("from"), dt.date) or "value" not in item:
            reader.error(item, f"each value of {name!r} has 'from' (a date), 'value', 'citation'")
            continue
        verified = item.get("verified")
        if not isinstance(verified, bool):
            reader.error(item, f"a value of {name!r} must say verified: true or false")
            verified = False
        values.append(
            ParameterValue(item["from"], item["value"], reader.text_field(item, "citation"), verified)
        )
    values.sort(key=lambda value: value.start)
    parameter_type = _parameter_type([value.value for value in values])
    declared = spec.get("type")
    if declared == "number" and parameter_type in (T_INT, T_NUMBER):
        # Money: written 400 in the file, but a what-if may set 450.50.
        parameter_type = T_NUMBER
        for value in values:
            value.value = Decimal(value.value)
    elif declared is not None and (parameter_type is None or declared != parameter_type.kind):
        reader.error(spec, f"parameter {name!r}: the values are not of type {declared}")
        return None
    if parameter_type is None:
        reader.error(spec, f"the values of {name!r} are not all of one type")
        return None
    return Parameter(
        name, label_zh, label_en, str(spec.get("unit") or ""), parameter_type, values, line, column, source
    )


PARAMETER_KEYS = frozenset({"label", "unit", "type", "values"})


@dataclass
class SharedParameters:
    """The tree ``rules/parameters/``: the parameters read, each file's errors, each file's text."""

    parameters: dict[str, Parameter]
    broken: dict[str, list[PolicyError]]  # name → the errors of its file
    texts: dict[str, str]
    types: dict[str, Type] = field(default_factory=dict)  # a broken file's type, when it has one

    @property
    def errors(self) -> list[PolicyError]:
        return [error for errors in self.broken.values() for error in errors]


@cache
def _shared_parameters(rules_dir: Path) -> SharedParameters:
    tree = SharedParameters({}, {}, {})
    all_facts = {name for fields in facts.FIELDS_BY_ENTITY.values() for name in fields}
    for path in sorted((rules_dir / PARAMETERS_DIR).glob("*.yaml")):
        reader = _FileReader(path)
        data = reader.load()
        name = path.stem
        if data is not None:
            for key in data:
                if key not in PARAMETER_KEYS:
                    reader.error(
                        key, f"unknown key {key!r}; a parameter file has: {', '.join(sorted(PARAMETER_KEYS))}"
                    )
            if name in all_facts:
                reader.error(data, f"parameter {name!r} has the name of a fact")
            parameter = _read_parameter(reader, name, data, path)
            if parameter is not None and not reader.errors:
                tree.parameters[name] = parameter
                tree.texts[name] = reader.text
            elif parameter is not None:
                tree.types[name] = parameter.type
        if reader.errors:
            tree.broken[name] = reader.errors
    return tree


def shared_parameters(rules_dir: Path = RULES_DIR) -> dict[str, Parameter]:
    """The shared parameter tree (``rules/parameters/``), by name."""
    return _shared_parameters(rules_dir).parameters


def fact_symbols(entity: str) -> dict[str, Symbol]:
    if entity not in facts.FIELDS_BY_ENTITY:  # household rules: not yet (every name is then unknown)
        return {}
    return {name: Symbol("fact", fact.type) for name, fact in facts.fields_for(entity).items()}


def _read_conditions(
    reader: _FileReader, items: object, symbols: dict[str, Symbol], group: str, key: str
) -> list[Condition]:
    if items is None:
        return []
    if not isinstance(items, list):
        reader.error(items, f"{key!r} is a list of conditions")
        return []
    result = []
    for item in items:
        if not isinstance(item, dict):
            reader.error(item, f"each of {key!r} is a mapping with id, label, expression, citation")
            continue
        condition_id = reader.text_field(item, "id")
        zh, en = reader.names(item)
        citation = reader.text_field(item, "citation")
        node = reader.expression(item.get("expression"), symbols, item, f"condition {condition_id!r}")
        if node is not None and node.type != T_BOOL:
            reader.error(item.get("expression"), f"condition {condition_id!r} must be true or false")
            node = None
        if node is not None:
            result.append(Condition(condition_id, zh, en, str(item["expression"]), node, citation, group))
    return result


@cache
def _common_conditions(rules_dir: Path) -> tuple[dict[str, Condition], list[PolicyError], str]:
    path = rules_dir / COMMON_FILE
    if not path.exists():
        return {}, [], ""
    reader = _FileReader(path)
    data = reader.load()
    conditions: dict[str, Condition] = {}
    if data is not None:
        for condition in _read_conditions(
            reader, data.get("conditions"), fact_symbols("person"), "common", "conditions"
        ):
            conditions[condition.id] = condition
    return conditions, reader.errors, reader.text


def read_policy(path: Path, rules_dir: Path = RULES_DIR) -> tuple[Policy | None, list[PolicyError]]:
    reader = _FileReader(path)
    data = reader.load()
    if data is None:
        return None, reader.errors
    for key in data:
        if key not in POLICY_KEYS:
            reader.error(key, f"unknown key {key!r}; a policy file has: {', '.join(sorted(POLICY_KEYS))}")
    policy_id = reader.text_field(data, "id")
    if policy_id and policy_id != path.stem:
        reader.error(data.get("id"), f"the id {policy_id!r} differs from the file name {path.stem!r}")
    zh, en = reader.names(data, "name")
    entity = reader.text_field(data, "entity")
    kind = reader.text_field(data, "kind")
    period = reader.text_field(data, "period")
    for key, value, allowed in (
        ("entity", entity, ENTITIES),
        ("kind", kind, KINDS),
        ("period", period, PERIODS),
    ):
        if value and value not in allowed:
            reader.error(data.get(key), f"{key} must be one of {', '.join(allowed)}")
    symbols = fact_symbols(entity)

    parameters: dict[str, Parameter] = {}
    raw_parameters = data.get("parameters") or {}
    if not isinstance(raw_parameters, dict):
        reader.error(raw_parameters, "'parameters' maps each name to its label and dated values")
        raw_parameters = {}
    # The shared parameters first (the tree), then the policy's own.
    shared = _shared_parameters(rules_dir)
    shared_used = data.get("shared_parameters") or []
    if not isinstance(shared_used, list):
        reader.error(shared_used, "'shared_parameters' is a list of names from the parameter tree")
        shared_used = []
    for name in shared_used:
        parameter = shared.parameters.get(name)
        if parameter is None:
            if name in shared.broken:
                # The file's own errors (load_all lists them once); its name stays known, so the
                # expressions that read it report nothing more.
                reader.errors += shared.broken[name]
                if name in shared.types:
                    symbols[name] = Symbol("parameter", shared.types[name])
                continue
            known = ", ".join(sorted(shared.parameters)) or "none"
            reader.error(name, f"no shared parameter {name!r} in {PARAMETERS_DIR}/ (there are: {known})")
            continue
        if name in parameters:
            reader.error(name, f"shared parameter {name!r} is listed twice")
            continue
        parameters[name] = parameter
        symbols[name] = Symbol("parameter", parameter.type)
    for name, spec in raw_parameters.items():
        if name in shared.parameters or name in shared.broken:
            reader.error(
                name,
                f"parameter {name!r} is defined here and in {PARAMETERS_DIR}/{name}.yaml: a parameter is "
                f"defined once; list it under shared_parameters instead",
            )
            if name not in symbols:  # not listed either: its uses should report nothing more
                parameter = _read_parameter(reader, name, spec)
                if parameter is not None:
                    symbols[name] = Symbol("parameter", parameter.type)
            continue
        parameter = _read_parameter(reader, name, spec)
        if parameter is None:
            continue
        if name in symbols:
            reader.error(spec, f"parameter {name!r} has the name of a fact")
            continue
        parameters[name] = parameter
        symbols[name] = Symbol("parameter", parameter.type)

    definitions: dict[str, Definition] = {}
    for item in data.get("definitions") or []:
        if not isinstance(item, dict):
            reader.error(item, "each definition is a mapping with id, label, expression")
            continue
        definition_id = reader.text_field(item, "id")
        label_zh, label_en = reader.names(item)
        node = reader.expression(item.get("expression"), symbols, item, f"definition {definition_id!r}")
        if node is None or not definition_id:
            continue
        if definition_id in symbols:
            reader.error(item, f"definition {definition_id!r} has the name of a fact or parameter")
            continue
        definitions[definition_id] = Definition(
            definition_id, label_zh, label_en, str(item["expression"]), node
        )
        symbols[definition_id] = Symbol("definition", node.type)

    common, common_errors, common_text = _common_conditions(rules_dir)
    conditions: list[Condition] = []
    if data.get("common") and entity != "person":
        reader.error(
            data.get("common"), f"the common conditions are person conditions; a {entity} policy has none"
        )
    for name in (data.get("common") or []) if entity == "person" else []:
        if name not in common:
            reader.error(name, f"no common condition {name!r} in {COMMON_FILE}")
            continue
        conditions.append(common[name])
    conditions += _read_conditions(reader, data.get("conditions"), symbols, "condition", "conditions")
    conditions += _read_conditions(reader, data.get("exclusions"), symbols, "exclusion", "exclusions")
    seen: set[str] = set()
    for condition in conditions:
        if condition.id in seen:
            reader.error(data, f"condition id {condition.id!r} is used twice")
        seen.add(condition.id)

    amounts: list[AmountRule] = []
    amount = data.get("amount")
    if kind in AMOUNT_KINDS:
        if not isinstance(amount, dict) or not ("expression" in amount or "table" in amount):
            reader.error(data, f"a {kind} policy needs amount: expression or amount: table")
        elif "expression" in amount:
            node = reader.expression(amount["expression"], symbols, amount, "amount")
            if node is not None:
                amounts.append(AmountRule("", "", "", None, str(amount["expression"]), node))
        else:
            for row in amount.get("table") or []:
                if not isinstance(row, dict):
                    reader.error(row, "each amount row has when, amount and a label")
                    continue
                label_zh, label_en = reader.names(row)
                when = reader.expression(row.get("when"), symbols, row, "amount 'when'")
                value = reader.expression(row.get("amount"), symbols, row, "amount")
                if when is not None and when.type != T_BOOL:
                    reader.error(row.get("when"), "'when' must be true or false")
                    continue
                if when is not None and value is not None:
                    amounts.append(
                        AmountRule(label_zh, label_en, str(row["when"]), when, str(row["amount"]), value)
                    )
        for rule in amounts:
            if rule.amount.type not in (T_INT, T_NUMBER):
                reader.error(amount, "an amount must be a number")
    elif amount is not None:
        reader.error(amount, f"a {kind} policy has no amount")

    tests = data.get("tests") or []
    if not isinstance(tests, list):
        reader.error(tests, "'tests' is a list of cases")
        tests = []

    enrolment_by_approver = data.get("enrolment_by_approver", False)
    if not isinstance(enrolment_by_approver, bool):
        key = next((k for k in data if k == "enrolment_by_approver"), data)
        reader.error(
            enrolment_by_approver if isinstance(enrolment_by_approver, Located) else key,
            "'enrolment_by_approver' must be true or false (may the officer who approved an application "
            "also enrol it?)",
        )
        enrolment_by_approver = False
    elif enrolment_by_approver and entity != "person":
        key = next(k for k in data if k == "enrolment_by_approver")
        reader.error(key, "'enrolment_by_approver' is for a policy people apply for (entity: person)")

    legal_basis = data.get("legal_basis") or []
    if not legal_basis:
        reader.error(data, "'legal_basis' is required: the documents the policy rests on")

    errors = reader.errors + (common_errors if data.get("common") else [])
    if errors:
        return None, errors
    version_source = reader.text + (common_text if data.get("common") else "")
    # A shared parameter's file is part of every policy that reads it: changing its values changes those
    # policies' versions (runs store the version they were decided by). Policies without shared
    # parameters hash exactly as before the tree existed.
    for name in sorted(name for name, parameter in parameters.items() if parameter.shared):
        version_source += f"\n# {PARAMETERS_DIR}/{name}\n" + shared.texts[name]
    policy = Policy(
        id=policy_id,
        zh=zh,
        en=en,
        entity=entity,
        kind=kind,
        period=period,
        legal_basis=list(legal_basis),
        notes=list(data.get("notes") or []),
        parameters=parameters,
        definitions=definitions,
        conditions=conditions,
        amounts=amounts,
        tests=tests,
        path=path,
        version=hashlib.sha256(version_source.encode()).hexdigest()[:12],
        how_to_apply=dict(data.get("how_to_apply") or {}),
        enrolment_by_approver=enrolment_by_approver,
    )
    return policy, []


def load_all(rules_dir: Path = RULES_DIR) -> tuple[dict[str, Policy], list[PolicyError]]:
    policies: dict[str, Policy] = {}
    # A broken tree file is reported once here (and again by each policy that lists it).
    errors: list[PolicyError] = list(_shared_parameters(rules_dir).errors)
    for path in sorted(rules_dir.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        policy, file_errors = read_policy(path, rules_dir)
        errors += [error for error in file_errors if error.path.parent.name != PARAMETERS_DIR]
        if policy is not None:
            policies[policy.id] = policy
    return policies, errors


@cache
def policies() -> dict[str, Policy]:
    """The shipped policies, read once per process; a broken file stops everything that uses them."""
    loaded, errors = load_all()
    if errors:
        raise PolicyErrors(errors)
    return loaded


def person_policies() -> list[Policy]:
    return [policy for policy in policies().values() if policy.entity == "person"]


def check_dates(policy_set: dict[str, Policy], day: dt.date) -> list[PolicyError]:
    """Every parameter has a value on ``day``."""
    errors = []
    for policy in policy_set.values():
        try:
            policy.parameters_on(day)
        except PolicyError as error:
            errors.append(error)
    return errors


def parse_override(policy_set: dict[str, Policy], assignment: str) -> tuple[str, str, object]:
    """``policy_id.parameter=value`` → (policy id, parameter, typed value), or the shared form
    ``parameter=value`` for a parameter of the tree → (``SHARED``, parameter, typed value). Either form of
    a shared parameter changes every policy that uses it (``overrides_by_policy``). ValueError says what
    is wrong."""
    name, sep, raw = assignment.partition("=")
    policy_id, dot, parameter_name = name.strip().partition(".")
    shared = {
        parameter.name: parameter
        for policy in policy_set.values()
        for parameter in policy.parameters.values()
        if parameter.shared
    }
    if sep and not dot and policy_id in shared:
        return SHARED, policy_id, coerce(shared[policy_id], raw.strip(), assignment)
    if not sep or not dot:
        shared_names = f" or SHARED_PARAMETER=VALUE ({', '.join(sorted(shared))})" if shared else ""
        raise ValueError(
            f"{assignment!r}: write POLICY.PARAMETER=VALUE, e.g. living_subsidy.dibao_standard=1500"
            + shared_names
        )
    policy = policy_set.get(policy_id)
    if policy is None:
        raise ValueError(f"{assignment!r}: no policy {policy_id!r}")
    parameter = policy.parameters.get(parameter_name)
    if parameter is None:
        known = ", ".join(policy.parameters) or "none"
        raise ValueError(f"{assignment!r}: {policy_id} has no parameter {parameter_name!r} (it has: {known})")
    return policy_id, parameter_name, coerce(parameter, raw.strip(), assignment)


def coerce(parameter: Parameter, raw: str, context: str) -> object:
    kind = parameter.type.kind
    if kind == BOOL:
        lowered = raw.lower()
        if lowered in ("true", "1", "yes", "是"):
            return True
        if lowered in ("false", "0", "no", "否"):
            return False
        raise ValueError(f"{context}: {parameter.name} is true or false")
    if kind in (INT, NUMBER):
        try:
            value = Decimal(raw.replace(",", ""))
        except InvalidOperation:
            raise ValueError(f"{context}: {parameter.name} is a number, not {raw!r}") from None
        if not value.is_finite():
            raise ValueError(f"{context}: {parameter.name} is a number, not {raw!r}")
        if kind == INT:
            if value != value.to_integral_value():
                raise ValueError(f"{context}: {parameter.name} is a whole number")
            return int(value)
        return value
    return raw


def overrides_by_policy(
    assignments: list[tuple[str, str, object]], policy_set: dict[str, Policy] | None = None
) -> dict[str, dict[str, object]]:
    """{policy id: {parameter: value}} from ``parse_override``'s assignments. A shared parameter (either
    form) is set for every policy of ``policy_set`` (default: the shipped policies) that uses it, so the
    levy and the reward never run on two different quota ratios."""
    policy_set = policies() if policy_set is None else policy_set
    result: dict[str, dict[str, object]] = {}
    for policy_id, name, value in assignments:
        targets = [policy_id]
        if policy_id == SHARED or _is_shared(policy_set.get(policy_id), name):
            targets = [other.id for other in policy_set.values() if _is_shared(other, name)]
        for target in targets:
            result.setdefault(target, {})[name] = value
    return result


def _is_shared(policy: Policy | None, name: str) -> bool:
    return policy is not None and name in policy.parameters and policy.parameters[name].shared
