"""Named row rules and the column-wise validation that applies them (R5; ARCHITECTURE rule 7).

A rule names the field it reports on, the rows where it fails (a Polars expression over the whole frame,
or a function of the import's context giving one) and its message in Chinese and English. A ``Step``
derives columns the rules after it read (a group-by, a lookup table). Rules run in order; each yields
the rows where it fails as (row, column as headed in the file, message), and a cell keeps only its first
failure, so a rule may assume the rules before it on the same cell passed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from xiaokang.core.importing.columns import Column, Message, message_expr

ERROR_SCHEMA = {"row": pl.Int64, "column": pl.Utf8, "message": pl.Utf8}


@dataclass
class Context:
    """What rules, scope and writing may know about the import under way."""

    actor: Any = None
    today: dt.date | None = None
    headers: Mapping[str, str] = field(default_factory=dict)  # field → header as written in the file
    source: str = "import"
    dry_run: bool = False
    path: Any = None
    file_name: str = ""
    data: dict = field(default_factory=dict)  # a dataset's own lookups (areas, policies …)
    _digest: str | None = None

    @property
    def file_digest(self) -> str:
        """SHA-256 of the file (for the audit of a written import), computed once, when asked."""
        if self._digest is None:
            import hashlib
            from pathlib import Path

            self._digest = hashlib.sha256(Path(self.path).read_bytes()).hexdigest() if self.path else ""
        return self._digest


FrameTest = pl.Expr | Callable[[Context], pl.Expr]
MessageLike = Message | str | Callable[[Context], pl.Expr]


@dataclass(frozen=True)
class Rule:
    """``name`` (``<field>.<what>``, unique in its dataset) fails on the rows where ``fails`` is true."""

    name: str
    field: str
    fails: FrameTest
    message: MessageLike

    def failing(self, ctx: Context) -> pl.Expr:
        return self.fails(ctx) if callable(self.fails) and not isinstance(self.fails, pl.Expr) else self.fails

    def message_expr(self, ctx: Context, columns) -> pl.Expr:
        message = self.message
        if isinstance(message, Message):
            return message_expr(message, columns, value=self.field)
        if isinstance(message, str):
            return pl.lit(message)
        return message(ctx)


@dataclass(frozen=True)
class Step:
    """Derives columns for the rules after it: ``derive(frame, ctx)`` returns the frame with them."""

    name: str
    derive: Callable[[pl.DataFrame, Context], pl.DataFrame]


def one_per_key(name: str, field: str, key: tuple[str, ...], message: Message) -> tuple[Step, Rule]:
    """The file names each key (value columns ``key``) at most once: every row of a repeated key fails,
    and ``{_dup_rows}`` in ``message`` lists the rows (``2、5``)."""

    def derive(frame: pl.DataFrame, ctx: Context) -> pl.DataFrame:
        present = pl.all_horizontal([pl.col(k).is_not_null() for k in key])
        repeated = (
            frame.filter(present & pl.struct(list(key)).is_duplicated())
            .group_by(list(key))
            .agg(pl.col("__row").sort().cast(pl.Utf8).str.join("、").alias("_dup_rows"))
        )
        if "_dup_rows" in frame.columns:
            frame = frame.drop("_dup_rows")
        if not repeated.height:
            return frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias("_dup_rows"))
        return frame.join(repeated, on=list(key), how="left", maintain_order="left")

    return Step(f"{name}.rows", derive), Rule(name, field, pl.col("_dup_rows").is_not_null(), message)


class ErrorCollector:
    """Gathers (row, column, message) of failing rules over ``frame``; ``column`` is the header as the file
    wrote it (``headers``: field → header), else the column's Chinese header (``by_field``)."""

    def __init__(
        self, frame: pl.DataFrame, headers: Mapping[str, str], by_field: Mapping[str, Column] | None = None
    ):
        self.frame = frame
        self.headers = headers
        self.by_field = by_field or {}
        self.parts: list[pl.DataFrame] = []

    def header(self, field: str) -> str:
        column = self.by_field.get(field)
        return self.headers.get(field, column.zh if column is not None else field)

    def add(self, field: str, failing: pl.Expr, message: str | pl.Expr) -> None:
        message_expr = pl.lit(message) if isinstance(message, str) else message
        part = (
            self.frame.lazy()
            .filter(failing.fill_null(False))
            .select(
                pl.col("__row").alias("row"),
                pl.lit(self.header(field)).alias("column"),
                message_expr.cast(pl.Utf8).alias("message"),
            )
        )
        self.parts.append(part.collect())

    def result(self) -> pl.DataFrame:
        if not self.parts:
            return pl.DataFrame(schema=ERROR_SCHEMA)
        errors = pl.concat(self.parts, how="vertical_relaxed")
        # One message per cell: the first rule that failed (rules are added in dependency order).
        return (
            errors.with_row_index("__order")
            .unique(subset=["row", "column"], keep="first", maintain_order=True)
            .sort(["row", "__order"])
            .drop("__order")
        )


def apply_rules(
    frame: pl.DataFrame, rules, ctx: Context, by_field: Mapping[str, Column]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Run ``rules`` (Rules and Steps, in order) over ``frame``: the frame with every derived column, and
    the errors (row, column, message), one per cell, sorted by row."""
    collector = ErrorCollector(frame, ctx.headers, by_field)
    for rule in rules:
        if isinstance(rule, Step):
            collector.frame = rule.derive(collector.frame, ctx)
            continue
        collector.add(rule.field, rule.failing(ctx), rule.message_expr(ctx, collector.frame.columns))
    return collector.frame, collector.result()
