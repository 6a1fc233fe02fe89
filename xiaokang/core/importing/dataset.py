"""A dataset declares itself; the framework reads, validates, checks scope, plans and writes (R5).

    file ─ read_table ─► text frame ─ parse (column types) ─► rules (named, in order) ─► rows + errors
         ─ scope (the importer's area) ─► plan (created / updated / unchanged by key) ─► write (set-wise)

All or nothing: any error stops before the transaction, and the plan and the write run in one
transaction, so a failure leaves nothing behind. A dry run plans (so it can count) and writes nothing.
The report (``Report.as_json``) is the same for every dataset, and so are the command line's exit codes
(0 written, 1 errors in rows, 2 file refused: ``FileRejected``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone

from xiaokang.core.importing.columns import Column, Message
from xiaokang.core.importing.reader import read_table
from xiaokang.core.importing.report import UNKNOWN_COLUMN, Report
from xiaokang.core.importing.rules import Context, Rule, Step, apply_rules


@dataclass
class Validation:
    rows: pl.DataFrame  # the dataset's row format, one row per input row (meaningful only where no error)
    errors: pl.DataFrame  # row, column (header as in the file), message, sorted by row


@dataclass
class Plan:
    """What a write would do: the counts of the report, and whatever the dataset's writer needs."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    detail: Any = None


@dataclass
class ScopeResult:
    """Rows outside the importer's area: their errors (row, column, message), and the refusals to count
    and audit (``Dataset.refused``)."""

    errors: pl.DataFrame
    refused: list = field(default_factory=list)


def _no_progress(stage: str) -> None:
    return None


@dataclass(frozen=True)
class Dataset:
    """One importable dataset.

    ``columns``: the file's columns. ``rules``: named rules and steps, in order; each column's own rules
    (``<field>.required``, ``<field>.invalid`` …) run first unless the list names them (as the string
    ``"<field>.required"``) where they should run, or replaces them with a Rule of that name. ``key``: the
    value columns that identify a record (a re-import is unchanged). ``prepare(frame, ctx)``: lookups
    before the rules. ``rows(frame, ctx)``: the validated row format (default: ``__row`` as ``row`` and
    each column's value under its field name). ``scope(ctx, rows)``: rows outside the importer's area
    (None: all may be imported); ``refused(ctx, refusals)`` counts and audits them (and may refuse the
    call). ``plan(rows, ctx)`` and ``write(plan, ctx)``: compare with the database and write set-wise, in
    one transaction. ``setup(ctx)``: fills ``ctx.data`` once per import."""

    name: str
    label: Message
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    plan: Callable[[pl.DataFrame, Context], Plan]
    write: Callable[[Plan, Context], None]
    rules: Sequence[Rule | Step | str] = ()
    prepare: Callable[[pl.DataFrame, Context], pl.DataFrame] | None = None
    rows: Callable[[pl.DataFrame, Context], pl.DataFrame] | None = None
    scope: Callable[[Context, pl.DataFrame], ScopeResult | None] | None = None
    refused: Callable[[Context, list], None] | None = None
    setup: Callable[[Context], None] | None = None
    notes: tuple[Message, ...] = ()  # the template's import rules, after the column list
    sheet: str = ""  # the template's data sheet name (default: the label)
    max_bytes: int | None = None  # the reader's size limit (default: XIAOKANG_IMPORT_MAX_BYTES)

    # -- declared parts -----------------------------------------------------------------------------

    @property
    def by_field(self) -> dict[str, Column]:
        return {c.field: c for c in self.columns}

    def all_rules(self) -> list[Rule | Step]:
        """The dataset's rules with every column's own rules placed: where the list names them, else first
        (in column order). A name that is neither a column rule nor unique is a programming error."""
        own = {rule.name: rule for column in self.columns for rule in column.rules()}
        # A name places a column's rule; a Rule of the same name replaces it (other words, same place).
        named = {r for r in self.rules if isinstance(r, str)}
        named |= {r.name for r in self.rules if isinstance(r, Rule) and r.name in own}
        unknown = named - set(own)
        if unknown:
            raise ValueError(f"dataset {self.name}: no column rule named {sorted(unknown)}")
        out = [rule for name, rule in own.items() if name not in named]
        out += [own[r] if isinstance(r, str) else r for r in self.rules]
        # (a replacing Rule keeps its own words: the generated one of that name is not added)
        names = [r.name for r in out if isinstance(r, Rule)]
        duplicated = {n for n in names if names.count(n) > 1}
        if duplicated:
            raise ValueError(f"dataset {self.name}: rules named twice: {sorted(duplicated)}")
        return out

    # -- the pipeline -------------------------------------------------------------------------------

    def context(self, *, actor=None, headers=None, today: dt.date | None = None, **kwargs) -> Context:
        ctx = Context(
            actor=actor,
            today=today or timezone.localdate(),
            headers={**{c.field: c.zh for c in self.columns}, **(headers or {})},
            **kwargs,
        )
        if self.setup is not None:
            self.setup(ctx)
        return ctx

    def validate(self, frame: pl.DataFrame, ctx: Context) -> Validation:
        """Parse every column and apply every rule to ``frame`` (text columns named by field, plus
        ``__row``). Column-wise: no Python loop over rows."""
        present = set(frame.columns)
        missing = [c.field for c in self.columns if c.field not in present]
        if missing:  # optional columns absent from the file: every cell empty
            frame = frame.with_columns([pl.lit(None, dtype=pl.Utf8).alias(f) for f in missing])
        parsed = [expr for expr in (c.parse() for c in self.columns) if expr is not None]
        if parsed:
            frame = frame.with_columns(parsed)
        if self.prepare is not None:
            frame = self.prepare(frame, ctx)
        frame, errors = apply_rules(frame, self.all_rules(), ctx, self.by_field)
        rows = self.rows(frame, ctx) if self.rows is not None else self.default_rows(frame)
        return Validation(rows=rows, errors=errors)

    def default_rows(self, frame: pl.DataFrame) -> pl.DataFrame:
        return frame.select(
            pl.col("__row").alias("row"), *[pl.col(c.value).alias(c.field) for c in self.columns]
        )

    def check_scope(self, ctx: Context, rows: pl.DataFrame, errors: pl.DataFrame) -> pl.DataFrame:
        """Adds the out-of-area errors after the rules' (a cell keeps its first error) and counts and
        audits the refusals (``refused`` may refuse the whole call)."""
        if self.scope is None:
            return errors
        scope = self.scope(ctx, rows)
        if scope is None or not scope.errors.height:
            return errors
        if self.refused is not None:
            self.refused(ctx, scope.refused)
        merged = pl.concat([errors, scope.errors.select(errors.columns)], how="vertical_relaxed")
        merged = merged.unique(subset=["row", "column"], keep="first", maintain_order=True)
        return merged.sort("row", maintain_order=True)

    def load(
        self,
        *,
        actor,
        path: str | os.PathLike,
        dry_run: bool = False,
        progress: Callable[[str], None] = _no_progress,
        file_name: str | None = None,
        source: str = "import",
    ) -> Report:
        """Import ``path`` all or nothing as ``actor``. Raises ``FileRejected`` for an unusable file.
        ``progress(stage)`` is called as each stage finishes; ``file_name`` is the name the audit records
        when ``path`` is not the user's own (an upload stored under a random name)."""
        sheet = read_table(path, self.columns, max_bytes=self.max_bytes)
        progress("validating")
        warnings = [{"row": 1, "column": name, "message": UNKNOWN_COLUMN} for name in sheet.unknown_columns]
        ctx = self.context(
            actor=actor,
            headers=sheet.headers,
            source=source,
            dry_run=dry_run,
            path=path,
            file_name=file_name or Path(path).name,
        )
        validation = self.validate(sheet.frame, ctx)
        errors = self.check_scope(ctx, validation.rows, validation.errors)
        report = Report(rows=validation.rows.height, warnings=warnings)
        progress("writing")
        if errors.height:
            report.errors = errors.to_dicts()
            return report
        return self.save(validation.rows, ctx, report)

    def save(self, rows: pl.DataFrame, ctx: Context, report: Report) -> Report:
        """Plan and (unless a dry run) write validated rows, in one transaction."""
        with transaction.atomic():
            plan = self.plan(rows, ctx)
            report.created, report.updated, report.unchanged = plan.created, plan.updated, plan.unchanged
            if not ctx.dry_run:
                self.write(plan, ctx)
                report.written = True
        return report


# ---------------------------------------------------------------------------------------------------
# Comparing by key: created / updated / unchanged, column-wise


def classify(
    rows: pl.DataFrame, existing: pl.DataFrame, *, key: Sequence[str], fields: Sequence[str]
) -> pl.DataFrame:
    """``rows`` with an ``action`` column ("create" | "update" | "unchanged"): matched to ``existing``
    (the stored records: the key columns and ``fields``) by ``key``, a row whose ``fields`` all equal the
    stored ones is unchanged. ``existing`` comes back as ``<field>_db`` columns for the writer."""
    stored = existing.select(
        *[pl.col(k) for k in key], *[pl.col(f).alias(f"{f}_db") for f in fields], pl.lit(True).alias("_found")
    )
    joined = rows.join(stored, on=list(key), how="left", maintain_order="left")
    same = (
        pl.all_horizontal([pl.col(f).eq_missing(pl.col(f"{f}_db")) for f in fields])
        if fields
        else pl.lit(True)
    )
    return joined.with_columns(
        pl.when(pl.col("_found").is_null())
        .then(pl.lit("create"))
        .when(same)
        .then(pl.lit("unchanged"))
        .otherwise(pl.lit("update"))
        .alias("action")
    ).drop("_found")


def counted(frame: pl.DataFrame, detail: Any = None) -> Plan:
    """A plan from a frame with an ``action`` column (``classify``)."""
    counts = dict(frame.group_by("action").len().iter_rows()) if frame.height else {}
    return Plan(
        created=counts.get("create", 0),
        updated=counts.get("update", 0),
        unchanged=counts.get("unchanged", 0),
        detail=frame if detail is None else detail,
    )
