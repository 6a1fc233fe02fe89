"""What differs between the SQL dialects the engine compiles to (``sql.DIALECTS``: sqlite, postgresql,
duckdb): literals, dates, string search. Read by the fact definitions (``facts.py``) and the rules
compiler (``sql.py``), so a dialect difference is written once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

DIALECTS = ("sqlite", "postgresql", "duckdb")


def literal(value: object) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return f"'{value.isoformat()}'"
    text = str(value).replace("'", "''")
    return f"'{text}'"


def date_literal(day: dt.date, dialect: str) -> str:
    return f"'{day.isoformat()}'" if dialect == "sqlite" else f"DATE '{day.isoformat()}'"


def year(column: str, dialect: str) -> str:
    if dialect == "sqlite":
        return f"CAST(strftime('%Y', {column}) AS INTEGER)"
    return f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"


def month_day(column: str, dialect: str) -> str:
    """MMDD as an integer (29 February → 229)."""
    if dialect == "sqlite":
        return f"CAST(strftime('%m%d', {column}) AS INTEGER)"
    return f"CAST(EXTRACT(MONTH FROM {column}) * 100 + EXTRACT(DAY FROM {column}) AS INTEGER)"


def contains(haystack: str, needle: str, dialect: str) -> str:
    if dialect == "sqlite":
        return f"instr({haystack}, {needle}) > 0"
    return f"strpos({haystack}, {needle}) > 0"
