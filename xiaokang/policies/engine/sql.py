"""The second back end (P2): the same checked rules compiled to SQL, so a batch evaluation runs
inside the database as set-based statements, never a Python loop over persons.

Three dialects of one compiler: ``sqlite`` and ``postgresql`` (the registry's databases) and ``duckdb``
(``xiaokang screen``: a file evaluated in process, ARCHITECTURE "The rules engine").

The pipeline has two stages, both plain SELECTs that callers wrap in CREATE TABLE … AS or INSERT …:

1. ``facts_select(source, day)``: a *source* relation (one row per person with the record columns
   below, from the registry tables or from a validated file) → one row per person and category view
   with every fact of ``facts.FIELDS`` computed on ``day`` (the same as ``facts.views_of``).
2. ``decisions_select(policy, parameters, facts_table)``: facts → one row per person: eligible, amount
   in fen, failed condition ids (``;``-separated, in the file's order) and the category decided as,
   picking the most favourable view as ``interpreter.favourable_key`` does.

Parameters are written into the statement as literals (they are typed values from the policy files or
a checked ``--set``, never user text in a query); facts never leave the database.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from xiaokang.policies.engine import facts
from xiaokang.policies.engine.dialect import DIALECTS, date_literal, literal  # noqa: F401 (sql.literal)
from xiaokang.policies.engine.facts import FIELDS
from xiaokang.policies.engine.language import (
    INT,
    NUMBER,
    Binary,
    IfElse,
    InList,
    Literal,
    Name,
    Node,
    Unary,
)
from xiaokang.policies.engine.loader import Policy

DUCKDB_DECIMAL = "DECIMAL(38, 10)"
SCALE = "10000000000"  # 10^10: numbers carry 10 decimal places (interpreter.PLACES)

# The columns a source relation provides (one row per person): person_id, street_id and every record key
# a fact reads, with its SQL type, from the facts' one definition (``facts.SOURCE_TYPES``).
SOURCE_TYPES = facts.SOURCE_TYPES
SOURCE_COLUMNS = tuple(SOURCE_TYPES)
FACT_COLUMNS = ("person_id", "street_id", "nviews", "category_code", *FIELDS)
DECISION_COLUMNS = ("person_id", "street_id", "category", "eligible", "amount_fen", "failed")


class _Compiler:
    def __init__(
        self,
        policy: Policy,
        parameters: dict,
        dialect: str,
        definitions_as_columns: bool = False,
        fixed_point: bool = False,
    ):
        if dialect not in DIALECTS:
            raise ValueError(dialect)
        if fixed_point and dialect != "duckdb":
            raise ValueError("fixed point is DuckDB's")
        self.policy = policy
        self.parameters = parameters
        self.dialect = dialect
        # Definitions read as columns computed once each (entity_decisions_select), or written inline.
        self.definitions_as_columns = definitions_as_columns
        # Every number (int or decimal) a HUGEINT count of 10^-10 (``fixed_literal``), the facts too.
        self.fixed_point = fixed_point
        self.steps: list[tuple[str, str]] = []
        self.steps_taken = 0

    def value(self, value: object) -> str:
        if self.fixed_point and _is_number(value):
            return fixed_literal(value)
        return literal(value)

    def sql(self, node: Node) -> str:
        if isinstance(node, Literal):
            return self.value(node.value)
        if isinstance(node, Name):
            if node.kind == "fact":
                return f"f.{node.name}"
            if node.kind == "parameter":
                return self.value(self.parameters[node.name])
            if self.definitions_as_columns:
                return f"f.{node.name}"
            return f"({self.sql(self.policy.definitions[node.name].node)})"
        if isinstance(node, Unary):
            return f"(NOT {self.sql(node.operand)})" if node.op == "not" else f"(-{self.sql(node.operand)})"
        if isinstance(node, Binary):
            left, right = self.sql(node.left), self.sql(node.right)
            if self.fixed_point and node.op in ("*", "/"):
                return self.fixed_arithmetic(node, left, right)
            if node.op == "/":
                return self.quotient(left, right)
            operator = {"==": "=", "!=": "<>", "and": "AND", "or": "OR"}.get(node.op, node.op)
            number = node.type is not None and node.type.kind == NUMBER
            if number and node.op in "+-*" and not self.fixed_point:
                return self.number(left, operator, right)
            return f"({left} {operator} {right})"
        if isinstance(node, InList):
            items = ", ".join(self.sql(item) for item in node.items)
            return f"({self.sql(node.operand)} {'NOT IN' if node.negated else 'IN'} ({items}))"
        if isinstance(node, IfElse):
            return (
                f"(CASE WHEN {self.sql(node.condition)} THEN {self.sql(node.then)} "
                f"ELSE {self.sql(node.otherwise)} END)"
            )
        raise TypeError(node)  # pragma: no cover

    # Numbers are decimals carried to 10 places, exactly as the interpreter computes them
    # (interpreter.PLACES): a product rounded half up to 10 places, a quotient truncated to 10 places,
    # x / 0 = 0 (never an error). SQLite has no decimal type: there numbers are REAL (person rules only
    # add and compare amounts; employer rules, which divide and multiply money, run on DuckDB or
    # PostgreSQL).
    def number(self, left: str, operator: str, right: str) -> str:
        if self.dialect == "sqlite":
            return f"({left} {operator} {right})"
        if self.dialect == "postgresql":
            value = f"(CAST({left} AS NUMERIC) {operator} {right})"
            return f"ROUND({value}, 10)" if operator == "*" else value
        value = f"(CAST({left} AS {DUCKDB_DECIMAL}) {operator} CAST({right} AS {DUCKDB_DECIMAL}))"
        # DuckDB widens a product's scale to 20 and rounds half away from zero when cast back to 10.
        return f"CAST({value} AS {DUCKDB_DECIMAL})" if operator == "*" else value

    def quotient(self, left: str, right: str) -> str:
        if self.dialect == "sqlite":
            return f"COALESCE(CAST({left} AS REAL) / NULLIF({right}, 0), 0)"
        if self.dialect == "postgresql":
            # div() is the exact integer quotient, truncated towards zero.
            quotient = f"div(CAST({left} AS NUMERIC) * {SCALE}, NULLIF({right}, 0))"
            return f"COALESCE(TRUNC({quotient} / {SCALE}, 10), 0)"
        # DuckDB divides decimals in floating point: the exact truncated quotient comes from 128-bit
        # integers instead (both sides scaled to integers; values up to 10^17 fit).
        numerator = f"CAST(CAST({left} AS {DUCKDB_DECIMAL}) * {SCALE} AS HUGEINT) * {SCALE}"
        denominator = f"NULLIF(CAST(CAST({right} AS {DUCKDB_DECIMAL}) * {SCALE} AS HUGEINT), 0)"
        return (
            f"COALESCE(CAST(({numerator}) // {denominator} AS DECIMAL(38, 0)) "
            f"* CAST(0.0000000001 AS {DUCKDB_DECIMAL}), 0)"
        )

    # Fixed point (DuckDB, entity_decisions_select): DuckDB's DECIMAL(38, 10) is exact, but every
    # rescaling (a product back to 10 places, a cast to HUGEINT for the exact quotient, a cast to
    # DOUBLE or text) is a 128-bit division, about 0.15 µs a value: the levy of 200,000 employers spent
    # most of its time there (bench/levy_bench.py). As HUGEINT counts of 10^-10 a sum and a comparison
    # are plain integer operations, and the two roundings are one exact floor division each
    # (``floor_div``), which needs no 128-bit division. The intermediate values are columns (``steps``,
    # laid over the relation by ``staged``), each computed once, so a product of products does not
    # repeat its factors' text many times over.
    def step(self, expression: str) -> str:
        name = f"_fx{len(self.steps) + self.steps_taken}"
        self.steps.append((name, expression))
        return f"f.{name}"

    def staged(self, relation: str) -> str:
        """``relation`` with the pending steps' columns added, one SELECT each."""
        for name, expression in self.steps:
            relation = f"(SELECT f.*, {expression} AS {name} FROM {relation} f)"
        self.steps_taken += len(self.steps)
        self.steps = []
        return relation

    def fixed_arithmetic(self, node: Binary, left: str, right: str) -> str:
        if node.op == "*":
            for factor, other in ((node.left, right), (node.right, left)):
                whole = _whole_factor(factor, self.parameters)
                if whole is not None:  # n × 2: exact without rounding
                    return f"({other} * {whole})"
            # The product counts 10^-20; rounded half up (away from zero) to 10^-10.
            product = self.step(f"({left} * {right})")
            return self.round_units(product, 10)
        # Truncated towards zero to 10^-10: |left| × 10^10 // |right| with the sign of the quotient;
        # x / 0 = 0.
        numerator = self.step(f"(abs({left}) * {SCALE})")
        divisor = self.step(f"abs({right})")
        quotient = self.floor_div(numerator, divisor)
        return self.step(
            f"(CASE WHEN {divisor} = 0 THEN CAST(0 AS HUGEINT) "
            f"WHEN ({left} < 0) <> ({right} < 0) THEN -{quotient} ELSE {quotient} END)"
        )

    def round_units(self, units: str, drop: int) -> str:
        """``units`` / 10^drop rounded half up (away from zero) to a whole number, exactly."""
        divisor, half = str(10**drop), str(10**drop // 2)
        magnitude = self.step(f"(abs({units}) + {half})")
        rounded = self.floor_div(magnitude, divisor)
        return self.step(f"(CASE WHEN {units} < 0 THEN -{rounded} ELSE {rounded} END)")

    def floor_div(self, n: str, d: str) -> str:
        """floor(n / d) for HUGEINT columns n ≥ 0 and d ≥ 0 (NULL for d = 0), exactly, without a 128-bit
        division in the common case: the quotient estimated in DOUBLE, corrected by one step and then
        *verified* by exact 128-bit multiplication (0 ≤ n − q·d < d); the exact ``//`` for any row
        whose check fails and for quotients of 10^15 or more. The estimate's relative error is below
        6·10^-16 (three DOUBLE roundings and the two-part HUGEINT conversion), so below 10^15 it is
        within one unit of the true quotient and the corrected value passes the check; the check makes
        the result exact whatever the estimate was."""
        estimate = self.step(f"(CAST({n} AS DOUBLE) / CAST({d} AS DOUBLE))")
        small = f"({estimate} < 1e15)"  # false for d = 0 (inf, NaN or NULL)
        q0 = self.step(f"(CASE WHEN {small} THEN CAST(floor({estimate}) AS HUGEINT) ELSE 0 END)")
        r0 = f"({n} - {q0} * {d})"
        q1 = self.step(f"({q0} + CASE WHEN {r0} < 0 THEN -1 WHEN {r0} >= {d} THEN 1 ELSE 0 END)")
        r1 = f"({n} - {q1} * {d})"
        return self.step(
            f"(CASE WHEN {small} AND {r1} >= 0 AND {r1} < {d} THEN {q1} ELSE {n} // NULLIF({d}, 0) END)"
        )


def fixed_point_compiler() -> _Compiler:
    """A DuckDB fixed-point compiler for rounding steps outside a policy (``round_units``, ``staged``)."""
    return _Compiler(None, {}, "duckdb", definitions_as_columns=True, fixed_point=True)


def _is_number(value: object) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def fixed_literal(value: int | Decimal) -> str:
    """A number as a HUGEINT count of 10^-10; more than 10 decimal places is refused, not rounded."""
    units = Decimal(value).scaleb(10)
    if units != units.to_integral_value():
        raise ValueError(f"{value}: more than 10 decimal places")
    return f"CAST({int(units)} AS HUGEINT)"


def _whole_factor(node: Node, parameters: dict) -> int | None:
    """A literal or parameter factor that is a whole number (2 × …), else None."""
    if isinstance(node, Literal):
        value = node.value
    elif isinstance(node, Name) and node.kind == "parameter":
        value = parameters[node.name]
    else:
        return None
    if _is_number(value) and Decimal(value) == Decimal(value).to_integral_value():
        return int(value)
    return None


def fixed_to_decimal(units: str) -> str:
    """A fixed-point number as DECIMAL(38, 10) (no rescaling: the scales add up to 10)."""
    unit = f"CAST(0.0000000001 AS {DUCKDB_DECIMAL})"
    return f"CAST(CAST({units} AS DECIMAL(38, 0)) * {unit} AS {DUCKDB_DECIMAL})"


def facts_select(source: str, day: dt.date, dialect: str, views: str = "all") -> str:
    """One row per person and category view (FACT_COLUMNS) from ``source`` (a SELECT or table name
    giving SOURCE_COLUMNS), every fact on ``day`` generated from its one definition (``facts.FIELDS``:
    ``Fact.sql_column``, the same computation as ``facts.views_of``). ``views``: ``all``, or only the
    persons with one view (``single``) or with several (``multiple``: 多重), so a batch can keep the few
    多重 persons apart and rank only them."""
    computed = ",".join(
        f"\n        {fact.sql_column(day, dialect)} AS {name}"
        for name, fact in FIELDS.items()
        if not fact.per_view
    )
    relation = f"({source})" if source.lstrip().upper().startswith("SELECT") else source
    single, multiple = facts.CATEGORY_VIEWS.sql_views(relation, computed, dialect)
    columns = ", ".join(FACT_COLUMNS)
    if views == "single":
        return f"SELECT {columns} FROM ({single}) views"
    if views == "multiple":
        return f"SELECT {columns} FROM ({multiple}) views"
    return f"SELECT {columns} FROM ({single} UNION ALL {multiple}) views"


def conditions_select(policy: Policy, parameters: dict, facts_table: str, dialect: str) -> str:
    """Stage 1 of a decision: per person and view, every condition's value (``c0``, ``c1`` … in the
    file's order) and the amount the table gives (before eligibility), each computed once. Kept apart
    from stage 2 because a database that inlines subqueries (SQLite's flattener) would otherwise compute
    every condition again for each place stage 2 reads it (bench/policy_bench.py: 3× the time)."""
    compiler = _Compiler(policy, parameters, dialect)
    flags = ", ".join(
        f"{compiler.sql(condition.node)} AS c{index}" for index, condition in enumerate(policy.conditions)
    )
    if policy.has_amount and policy.amounts:
        branches = " ".join(
            f"WHEN {'TRUE' if rule.when is None else compiler.sql(rule.when)} "
            f"THEN {compiler.sql(rule.amount)}"
            for rule in policy.amounts
        )
        amount = f"CASE {branches} ELSE 0 END"
    else:
        amount = "0"
    return (
        f"SELECT person_id, street_id, nviews, category, category_code, {flags + ', ' if flags else ''}"
        f"{amount} AS amount FROM {facts_table} f"
    )


def decisions_from_conditions(
    policy: Policy,
    conditions_table: str,
    dialect: str,
    multiple_conditions_table: str | None = None,
    *,
    failed_mask: bool = False,
) -> str:
    """Stage 2: one row per person (DECISION_COLUMNS) from stage 1's rows: eligible when every condition
    holds, the amount in fen (0 when not eligible), the failed condition ids; a person with several views
    (多重) keeps the most favourable (``interpreter.favourable_key``). With ``multiple_conditions_table``
    the one-view and several-view persons are in separate tables; without, one table holds both.
    With ``failed_mask`` the failed conditions come as an integer instead of text, bit ``i`` set when
    condition ``i`` failed (``failed_ids`` reads it): building the text row by row was most of the time
    DuckDB took for ``xiaokang screen``, and a file has only a few distinct combinations."""
    count = len(policy.conditions)
    eligible = " AND ".join(f"c{index}" for index in range(count)) or "TRUE"
    if failed_mask:
        failed = (
            " + ".join(f"CASE WHEN c{index} THEN 0 ELSE {1 << index} END" for index in range(count)) or "0"
        )
        passed = "0"
    else:
        failed_parts = [
            f"CASE WHEN c{index} THEN '' ELSE '{condition.id};' END"
            for index, condition in enumerate(policy.conditions)
        ]
        failed = f"rtrim({' || '.join(failed_parts)}, ';')" if failed_parts else "''"
        passed = "''"
    nfailed = " + ".join(f"CASE WHEN c{index} THEN 0 ELSE 1 END" for index in range(count)) or "0"
    integer = "INTEGER" if dialect == "sqlite" else "BIGINT"

    def decided(table: str, where: str, ranked: bool) -> str:
        rank = f", {nfailed} AS nfailed, category_code" if ranked else ""
        return f"""
        SELECT person_id, street_id, category, ({eligible}) AS eligible,
            CASE WHEN {eligible} THEN CAST(ROUND(amount * 100) AS {integer}) ELSE 0 END AS amount_fen,
            CASE WHEN {eligible} THEN {passed} ELSE {failed} END AS failed{rank}
        FROM {table} WHERE {where}"""

    columns = ", ".join(DECISION_COLUMNS)
    several = (
        decided(multiple_conditions_table, "TRUE", True)
        if multiple_conditions_table
        else decided(conditions_table, "nviews > 1", True)
    )
    one = decided(conditions_table, "TRUE" if multiple_conditions_table else "nviews = 1", False)
    return f"""
    SELECT {columns} FROM ({one}) one_view
    UNION ALL
    SELECT {columns} FROM (
        SELECT {columns}, ROW_NUMBER() OVER (
            PARTITION BY person_id ORDER BY eligible DESC, amount_fen DESC, nfailed ASC, category_code ASC
        ) AS favour
        FROM ({several}) several_views
    ) ranked WHERE favour = 1"""


def failed_ids(policy: Policy, mask: int) -> str:
    """The ``failed`` text (condition ids in the file's order, ``;``-separated) for a ``failed_mask``."""
    return ";".join(condition.id for index, condition in enumerate(policy.conditions) if mask >> index & 1)


def decisions_select(
    policy: Policy,
    parameters: dict,
    facts_table: str,
    dialect: str,
    multiple_table: str | None = None,
    *,
    failed_mask: bool = False,
) -> str:
    """Both stages in one statement (for an engine that does not inline, e.g. DuckDB, or one person).
    With ``multiple_table``, ``facts_table`` holds the one-view persons and ``multiple_table`` the rest;
    without, ``facts_table`` holds all views. ``failed_mask``: as in ``decisions_from_conditions``."""
    stage1 = f"({conditions_select(policy, parameters, facts_table, dialect)}) conditions"
    stage1_multiple = (
        f"({conditions_select(policy, parameters, multiple_table, dialect)}) conditions_multiple"
        if multiple_table
        else None
    )
    return decisions_from_conditions(policy, stage1, dialect, stage1_multiple, failed_mask=failed_mask)


def entity_decisions_select(
    policy: Policy,
    parameters: dict,
    source: str,
    dialect: str,
    key: str,
    outputs: tuple[str, ...] = (),
    passthrough: tuple[str, ...] = (),
    fixed_point_outputs: bool = False,
) -> str:
    """One row per entity of a policy without category views (employers, E1): ``key``, eligible,
    amount in fen, the failed condition ids and, for each name in ``outputs``, that definition's value
    (the levy's quota, shortfall, ratio … shown beside the amount), and the ``passthrough`` columns of
    the source as they are. ``source`` gives ``key`` and the entity's facts
    (``facts.fields_for(policy.entity)``) as columns; rows come out in the source's order.

    DuckDB computes in fixed point (``_Compiler.fixed_arithmetic``): there ``source`` gives every int
    and number fact as a HUGEINT count of 10^-10 (12.5 → 125000000000), and the ``outputs`` come out as
    DECIMAL(38, 10) (numbers) and BIGINT (ints), or with ``fixed_point_outputs`` as they were computed
    (a caller that formats them itself, ``levy.py``, saves the conversions)."""
    fixed = dialect == "duckdb"
    compiler = _Compiler(policy, parameters, dialect, definitions_as_columns=True, fixed_point=fixed)
    # Each definition is a column computed once, in file order (a definition reads only earlier ones):
    # written inline instead, the levy's amount would repeat the exact divisions of its definitions
    # dozens of times per row (bench: 3× the time).
    relation = f"({source})" if source.lstrip().upper().startswith("SELECT") else source
    for name, definition in policy.definitions.items():
        value = compiler.sql(definition.node)
        relation = compiler.staged(relation)
        relation = f"(SELECT f.*, {value} AS {name} FROM {relation} f)"
    flags = [compiler.sql(condition.node) for condition in policy.conditions]
    eligible = " AND ".join(f"({flag})" for flag in flags) or "TRUE"
    failed = (
        "rtrim("
        + " || ".join(
            f"CASE WHEN {flag} THEN '' ELSE '{condition.id};' END"
            for flag, condition in zip(flags, policy.conditions, strict=True)
        )
        + ", ';')"
        if flags
        else "''"
    )
    amount = "0"
    if policy.has_amount and policy.amounts:
        branches = " ".join(
            f"WHEN {'TRUE' if rule.when is None else compiler.sql(rule.when)} "
            f"THEN {compiler.sql(rule.amount)}"
            for rule in policy.amounts
        )
        amount = f"CASE {branches} ELSE 0 END"
    integer = "INTEGER" if dialect == "sqlite" else "BIGINT"
    fen = f"CAST(ROUND(({amount}) * 100, 0) AS {integer})"
    if fixed:  # the amount in 10^-10 rounded half up to 10^-2
        relation = compiler.staged(relation)
        relation = f"(SELECT f.*, {amount} AS _amount FROM {relation} f)"
        fen = f"CAST({compiler.round_units('f._amount', 8)} AS BIGINT)"

    def output(name: str) -> str:
        kind = policy.definitions[name].node.type.kind if name in policy.definitions else None
        if not fixed or fixed_point_outputs or kind not in (INT, NUMBER):
            return f"f.{name}"
        if kind == INT:
            return f"CAST({compiler.round_units(f'f.{name}', 10)} AS BIGINT)"
        return fixed_to_decimal(f"f.{name}")

    selected = [f"{output(name)} AS {name}" for name in outputs]
    if fixed:
        relation = compiler.staged(relation)

    columns = [
        f"f.{key} AS {key}",
        f"({eligible}) AS eligible",
        f"CASE WHEN {eligible} THEN {fen} ELSE 0 END AS amount_fen",
        f"CASE WHEN {eligible} THEN '' ELSE {failed} END AS failed",
        *selected,
        *(f"f.{name} AS {name}" for name in passthrough),
    ]
    return f"SELECT {', '.join(columns)} FROM {relation} f"
