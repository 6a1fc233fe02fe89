"""``xiaokang screen`` (P2, P3): every person policy for the persons of a file in the registry
import format, nothing stored.

The file is read and validated exactly as an import (registry.importing: fastexcel/Polars, column-wise
rules); the validated frame is handed to an in-process DuckDB without copying (Arrow) and evaluated by
the same compiled SQL as a registry run (``sql`` in the ``duckdb`` dialect); the results come back as
Arrow and Polars writes the CSV. The cost is in reading, validating and writing (bench/run.py), so that
is where the path is column-wise end to end.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.conf import settings
from django.utils import timezone

from xiaokang.policies.engine import sql
from xiaokang.policies.engine.loader import person_policies
from xiaokang.policies.evaluation import Overrides
from xiaokang.registry.importing.columns import PERSON_COLUMNS
from xiaokang.registry.importing.reader import read_table
from xiaokang.registry.importing.validate import validate_persons
from xiaokang.registry.selectors import area_directory

OUTPUT_HEADER = ("id_number", "policy", "eligible", "amount", "reasons")


@dataclass
class ScreenReport:
    rows: int = 0
    errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    output_rows: int = 0
    eligible: dict[str, int] = field(default_factory=dict)  # policy id → eligible persons


def _source(rows: pl.DataFrame) -> pl.DataFrame:
    """The validated rows as a source relation (sql.SOURCE_COLUMNS); person_id is the file's row."""
    return rows.select(
        pl.col("row").alias("person_id"),
        pl.lit(0, dtype=pl.Int64).alias("street_id"),
        "birth_date",
        "status",
        "hukou",
        "category",
        pl.col("grade").cast(pl.Int32),
        "components",
        "issued_on",
        "valid_until",
        pl.lit(True).alias("certificate_active"),
        "economic_status",
        "employment",
        "family_planning_hardship",
        "dangerous_house",
        "work_injury_care",
        "self_care",
        "id_number",
    )


def screen_file(
    path: str | os.PathLike,
    out: str | os.PathLike,
    *,
    day: dt.date,
    overrides: Overrides | None = None,
    progress: Callable[[str], None] = lambda stage: None,
) -> ScreenReport:
    """Validate ``path``; with no errors, write OUT (header ``OUTPUT_HEADER``, one row per person and
    policy, in file order then policy order). Any invalid row: the errors, and no output file at all."""
    import duckdb

    overrides = overrides or {}
    policy_set = person_policies()
    parameters = {policy.id: policy.parameters_on(day, overrides.get(policy.id)) for policy in policy_set}
    sheet = read_table(path, PERSON_COLUMNS, max_bytes=settings.XIAOKANG_SCREEN_MAX_BYTES)
    report = ScreenReport(
        warnings=[
            {"row": 1, "column": name, "message": "未知列，已忽略 / unknown column, ignored"}
            for name in sheet.unknown_columns
        ]
    )
    progress("validating")
    # Validated as an import on the real today (a certificate issued after --date is data, just not yet
    # valid on that date).
    validation = validate_persons(sheet.frame, sheet.headers, area_directory(), today=timezone.localdate())
    report.rows = validation.rows.height
    if validation.errors.height:
        report.errors = validation.errors.to_dicts()
        return report
    progress("evaluating")

    source = _source(validation.rows)
    del sheet, validation
    connection = duckdb.connect(config={"threads": os.cpu_count() or 2, "memory_limit": "1GB"})
    try:
        connection.register("policy_source", source)
        connection.execute(
            "CREATE TEMPORARY TABLE policy_facts AS " + sql.facts_select("policy_source", day, "duckdb")
        )
        frames = []
        for policy in policy_set:
            frame = decide_facts(connection, policy, parameters[policy.id], "policy_facts")
            report.eligible[policy.id] = int(frame["eligible"].sum())
            frames.append(
                frame.select(
                    "eligible",
                    (pl.col("amount_fen") / 100).alias("amount"),  # written with two decimals below
                    "reasons",
                )
            )
    finally:
        connection.close()
    progress("writing")
    _write_output(source["id_number"], [policy.id for policy in policy_set], frames, Path(out))
    report.output_rows = source.height * len(policy_set)
    return report


def decide_facts(connection, policy, parameters: dict, facts_table: str) -> pl.DataFrame:
    """One policy decided by DuckDB for every person of ``facts_table``, in person order: eligible,
    amount_fen and reasons (the failed condition ids, null when eligible) as a categorical. The failed
    conditions leave DuckDB as a bit mask and become text once per distinct mask, not once per row."""
    decisions = sql.decisions_select(policy, parameters, facts_table, "duckdb", failed_mask=True)
    frame = connection.sql(
        f"SELECT person_id, eligible, amount_fen, failed FROM ({decisions}) d ORDER BY person_id"
    ).pl()
    masks = frame["failed"].unique().to_list()
    text = {mask: sql.failed_ids(policy, mask) or None for mask in masks}
    return frame.select(
        "person_id",
        "eligible",
        "amount_fen",
        pl.col("failed").replace_strict(text, return_dtype=pl.Utf8).cast(pl.Categorical).alias("reasons"),
    )


def _write_output(
    id_numbers: pl.Series, policy_ids: list[str], frames: list[pl.DataFrame], out: Path
) -> None:
    """One row per person and policy, persons in file order, each person's policies together. The
    per-policy results (one row per person each) are interleaved by a gather of numbers and categories,
    never by sorting ten million rows of text."""
    persons, count = id_numbers.len(), len(policy_ids)
    position = pl.arange(0, persons * count, eager=True)
    results = pl.concat(frames, rechunk=True)[(position % count) * persons + position // count]
    table = pl.DataFrame(
        [
            id_numbers.gather(position // count),
            pl.Series("policy", policy_ids, dtype=pl.Enum(policy_ids)).gather(position % count),
        ]
    ).hstack(results)
    # Written next to OUT and renamed into place: OUT is whole or absent, never half written.
    handle, temporary = tempfile.mkstemp(prefix=".screen-", suffix=".csv", dir=out.parent)
    os.close(handle)
    try:
        table.write_csv(temporary, float_precision=2)
        os.replace(temporary, out)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
