"""Employer policies (E1, E4): the employment security fund levy and the employer rewards and
subsidies, decided by the same engine as the person policies.

An employer record is last year's figures for a levy year Y (``EMPLOYER_FIELDS``: type, state-owned,
average headcount, total wages, counted disabled employees of grade 1–2 and 3–4). Parameters are those in
force on 31 December of Y (``levy_day``): the reductions of 财政部公告2019年第98号 hold for levy years
2020–2027, the 2 × wage cap of 财税〔2018〕39号 from levy year 2018.

Both back ends: ``decide_employer`` (the interpreter: every condition and every figure, for a declaration
page and the stored approval) and ``sql.entity_decisions_select`` (DuckDB over a file, ``levy.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from xiaokang.core.money import yuan_to_fen
from xiaokang.policies.engine import interpreter
from xiaokang.policies.engine.facts import EMPLOYER_FIELDS, REQUIRED
from xiaokang.policies.engine.language import BOOL, INT, NUMBER
from xiaokang.policies.engine.loader import Policy, policies

LEVY_POLICY = "employment_levy"

# An employer that differs only in what a test case gives (``xiaokang.policies.casebook``): 500 staff,
# 50,000,000 yuan.
EMPLOYER_BASELINE = {
    "employer_type": "enterprise",
    "state_owned": False,
    "headcount": Decimal(500),
    "total_wages": Decimal(50_000_000),
    "disabled_grade_1_2": 0,
    "disabled_grade_3_4": 0,
}

# The levy's figures as ``xiaokang levy`` writes them (E1): decimals per column.
FIGURE_PLACES = {"quota": 4, "shortfall": 4, "ratio": 6, "average_wage": 2, "capped_wage": 2}
FIGURES = ("counted", "quota", "shortfall", "ratio", "average_wage", "capped_wage", "reduction", "exempt")


def levy_day(levy_year: int) -> dt.date:
    """The day whose parameters decide levy year Y: 31 December of Y."""
    return dt.date(levy_year, 12, 31)


def employer_policies() -> list[Policy]:
    return [policy for policy in policies().values() if policy.entity == "employer"]


def employer_record(**values) -> dict:
    """An employer's facts typed as ``EMPLOYER_FIELDS`` declares them (bool, int, exact Decimal, text);
    a fact left out takes its declared default (none: a TypeError, as a missing keyword)."""
    unknown = set(values) - set(EMPLOYER_FIELDS)
    if unknown:
        raise TypeError(f"unknown employer facts: {', '.join(sorted(unknown))}")
    record = {}
    for name, fact in EMPLOYER_FIELDS.items():
        value = values.get(name, fact.default)
        if value is REQUIRED:
            raise TypeError(f"employer_record() missing the fact {name!r}")
        record[name] = _TYPED[fact.type.kind](value)
    return record


_TYPED = {BOOL: bool, INT: int, NUMBER: Decimal, "text": lambda value: value}


def case_employer(values: dict | None) -> dict:
    """A test case's employer: the baseline with the keys given replaced (numbers as exact decimals)."""
    record = {**EMPLOYER_BASELINE, **(values or {})}
    unknown = set(record) - set(EMPLOYER_FIELDS)
    if unknown:
        raise KeyError(f"unknown employer keys: {', '.join(sorted(unknown))}")
    return employer_record(**record)


def decide_employer(
    policy: Policy, record: dict, levy_year: int, overrides: dict | None = None
) -> interpreter.Decision:
    return interpreter.decide(policy, [dict(record)], levy_day(levy_year), overrides)


def figure_text(name: str, value: object) -> str:
    """A figure written as the levy file and the stored decision write it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if name in FIGURE_PLACES:
        places = Decimal(1).scaleb(-FIGURE_PLACES[name])
        return str(Decimal(value).quantize(places, rounding=ROUND_HALF_UP))
    if name == "reduction":
        return _plain(Decimal(value))
    return str(value)


def _plain(value: Decimal) -> str:
    """1.0000000000 → "1", 0.50 → "0.5" (the multiplier as the issue writes it)."""
    text = format(value.normalize(), "f")
    return text


@dataclass
class LevyDecision:
    """The levy of one employer for one year, with the figures that explain it (E1)."""

    decision: interpreter.Decision
    levy_year: int
    record: dict

    @property
    def counted(self) -> int:
        return int(self.decision.definitions["counted"])

    @property
    def exempt(self) -> bool:
        return bool(self.decision.definitions["exempt"])

    @property
    def reduction(self) -> Decimal:
        return Decimal(self.decision.definitions["reduction"]).normalize()

    @property
    def levy(self) -> Decimal:
        return self.decision.amount  # rounded half up to the fen, 0 when exempt

    @property
    def levy_fen(self) -> int:
        return yuan_to_fen(self.levy)

    @property
    def figures(self) -> dict[str, str]:
        """``headcount,counted,quota,shortfall,ratio,average_wage,capped_wage,reduction,exempt,levy`` as
        ``xiaokang levy`` writes them."""
        values = {"headcount": _plain(self.record["headcount"])}
        values.update({name: figure_text(name, self.decision.definitions[name]) for name in FIGURES})
        values["levy"] = f"{self.levy:.2f}"
        return values

    def as_json(self) -> dict:
        policy = self.decision.policy
        return {
            "policy": policy.id,
            "version": policy.version,
            "levy_year": self.levy_year,
            "levy_day": levy_day(self.levy_year).isoformat(),
            "record": {key: _json_value(value) for key, value in self.record.items()},
            "parameters": {name: _json_value(value) for name, value in self.decision.parameters.items()},
            "unverified": sorted(self.decision.unverified),
            "figures": self.figures,
            "conditions": [
                {"id": result.condition.id, "label": result.condition.zh, "passed": result.passed}
                for result in self.decision.conditions
            ],
        }


def _json_value(value: object) -> object:
    return format(value, "f") if isinstance(value, Decimal) else value


def decide_levy(record: dict, levy_year: int, overrides: dict | None = None) -> LevyDecision:
    """The levy for ``record`` (``employer_record``) and levy year Y; ``overrides``: {parameter: value}
    for a what-if (``--set employment_levy.social_average_wage=120000``)."""
    policy = policies()[LEVY_POLICY]
    return LevyDecision(decide_employer(policy, record, levy_year, overrides), levy_year, record)


# --- The SQL back end for employers: DuckDB in process ----------------------------------------------

SOURCE_TABLE = "employer_source"


# From the facts' declared types: a number travels as two exact BIGINT parts, an int as itself.
NUMBER_FACTS = tuple(name for name, fact in EMPLOYER_FIELDS.items() if fact.type.kind == NUMBER)
INT_FACTS = tuple(name for name, fact in EMPLOYER_FIELDS.items() if fact.type.kind == INT)
OTHER_FACTS = tuple(name for name in EMPLOYER_FIELDS if name not in (*NUMBER_FACTS, *INT_FACTS))


def source_select(table: str = SOURCE_TABLE, passthrough: tuple[str, ...] = ()) -> str:
    """The facts typed for the compiled rules (``sql.entity_decisions_select``: DuckDB computes in fixed
    point, every number a HUGEINT count of 10^-10), from a relation of text/int/bool columns where each
    number fact comes in two exact BIGINT parts: ``{name}_whole`` (the floor) and ``{name}_units`` (the
    rest in 10^-10, 0 ≤ units < 10^10; ``fixed_point_parts``). Never floating point (E1), and
    no DECIMAL cast either (each is a 128-bit division in DuckDB)."""
    numbers = ", ".join(
        f"CAST({name}_whole AS HUGEINT) * 10000000000 + {name}_units AS {name}" for name in NUMBER_FACTS
    )
    ints = ", ".join(f"CAST({name} AS HUGEINT) * 10000000000 AS {name}" for name in INT_FACTS)
    others = ", ".join(
        f"CAST({name} AS BOOLEAN) AS {name}" if EMPLOYER_FIELDS[name].type.kind == BOOL else name
        for name in OTHER_FACTS
    )
    columns = f"employer_id, {others}, {numbers}, {ints}"
    columns += "".join(f", {name}" for name in passthrough if name not in (*NUMBER_FACTS, *INT_FACTS))
    return f"SELECT {columns} FROM {table}"


UNITS = 10**10


def fixed_point_parts(value: Decimal) -> tuple[int, int]:
    """(whole, units) of ``source_select`` for an exact decimal of at most 10 places."""
    units = Decimal(value).scaleb(10)
    if units != units.to_integral_value():
        raise ValueError(f"{value}: more than 10 decimal places")
    return divmod(int(units), UNITS)


def fixed_point_text_parts(text, name: str):
    """``fixed_point_parts`` as Polars expressions over ``text``, an expression of validated
    non-negative decimals ("12.5", "50000000.00": digits, an optional fraction of which at most the
    first 10 places are not 0): [``{name}_whole``, ``{name}_units``]."""
    import polars as pl

    whole = text.str.extract(r"^(\d+)", 1).cast(pl.Int64)
    fraction = text.str.extract(r"\.(\d+)$", 1).fill_null("").str.slice(0, 10).str.pad_end(10, "0")
    return [whole.alias(f"{name}_whole"), fraction.cast(pl.Int64).alias(f"{name}_units")]


def duckdb_connection():
    import os

    import duckdb

    return duckdb.connect(config={"threads": os.cpu_count() or 2, "memory_limit": "1GB"})


def decisions_sql(
    policy: Policy,
    levy_year: int,
    overrides: dict | None = None,
    outputs=(),
    passthrough=(),
    fixed_point_outputs: bool = False,
) -> str:
    """The decisions of the employers in ``SOURCE_TABLE`` (``source_select``), in its order; number
    ``outputs`` as DECIMAL(38, 10), or in fixed point (``sql.entity_decisions_select``)."""
    from xiaokang.policies.engine import sql

    parameters = policy.parameters_on(levy_day(levy_year), overrides)
    return sql.entity_decisions_select(
        policy,
        parameters,
        source_select(passthrough=passthrough),
        "duckdb",
        "employer_id",
        outputs,
        passthrough,
        fixed_point_outputs,
    )


def decide_records_sql(
    policy: Policy, records: list[dict], levy_year: int, overrides: dict | None = None, outputs=()
) -> list[dict]:
    """The SQL back end's decisions for records given in Python (policy cases, the property test), in
    the records' order: employer_id, eligible, amount_fen, failed and the ``outputs`` definitions."""
    import polars as pl

    def row(index: int, record: dict) -> dict:
        values = {"employer_id": index, **{name: record[name] for name in (*OTHER_FACTS, *INT_FACTS)}}
        for name in NUMBER_FACTS:
            values[f"{name}_whole"], values[f"{name}_units"] = fixed_point_parts(record[name])
        return values

    polars_types = {BOOL: pl.Boolean, INT: pl.Int64, "text": pl.Utf8}
    frame = pl.DataFrame(
        [row(index, record) for index, record in enumerate(records)],
        schema={
            "employer_id": pl.Int64,
            **{name: polars_types[EMPLOYER_FIELDS[name].type.kind] for name in OTHER_FACTS},
            **{f"{name}_{part}": pl.Int64 for name in NUMBER_FACTS for part in ("whole", "units")},
            **{name: pl.Int64 for name in INT_FACTS},
        },
    )
    connection = duckdb_connection()
    try:
        connection.register(SOURCE_TABLE, frame)
        cursor = connection.execute(
            decisions_sql(policy, levy_year, overrides, outputs) + " ORDER BY employer_id"
        )
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        connection.close()
