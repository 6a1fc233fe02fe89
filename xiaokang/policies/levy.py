"""``xiaokang levy FILE --year Y --out OUT.csv`` (E1): the employment security fund levy for the
employers of a file, nothing stored (for the finance bureau, and for what-ifs with ``--set``).

The same path as ``xiaokang screen``: the file is read by the shared reader (xlsx or csv, Chinese header
or English alias), validated column-wise with Polars (one message per bad cell naming its row and
column; any error → no output at all), handed to an in-process DuckDB without copying, evaluated by the
``employment_levy`` policy compiled to SQL (exact decimals: ``sql._Compiler``), and written by DuckDB
under a temporary name renamed into place.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import polars as pl
from django.conf import settings

from xiaokang.core.bilingual import bilingual
from xiaokang.core.identifiers import uscc_valid
from xiaokang.policies.engine import employers, sql
from xiaokang.policies.engine.facts import EMPLOYER_TYPE_VALUES, EMPLOYER_TYPE_ZH
from xiaokang.registry.importing.columns import Column
from xiaokang.registry.importing.reader import read_table
from xiaokang.registry.importing.validate import ERROR_SCHEMA, ErrorCollector, _mapped

LEVY_COLUMNS: tuple[Column, ...] = (
    Column("uscc", "统一社会信用代码", True, None, "18位，GB 32100-2015", "18 characters, GB 32100-2015"),
    Column("name", "单位名称", False, None, "文本", "text"),
    Column(
        "type",
        "单位类型",
        True,
        None,
        "企业 机关 事业单位 社会团体 民办非企业单位",
        "企业 机关 事业单位 社会团体 民办非企业单位 (or enterprise, government_organ …)",
    ),
    Column(
        "headcount",
        "在职职工人数",
        True,
        None,
        "上年平均人数，大于0，最多两位小数",
        "last year's average, > 0",
    ),
    Column(
        "total_wages", "工资总额", True, None, "元，不小于0，最多两位小数", "yuan, ≥ 0, at most 2 decimals"
    ),
    Column("disabled_grade_1_2", "一二级残疾职工人数", True, None, "整数，不小于0", "whole number ≥ 0"),
    Column("disabled_grade_3_4", "三四级残疾职工人数", True, None, "整数，不小于0", "whole number ≥ 0"),
)
OUTPUT_HEADER = (
    "uscc",
    "headcount",
    "counted",
    "quota",
    "shortfall",
    "ratio",
    "average_wage",
    "capped_wage",
    "reduction",
    "exempt",
    "levy",
)
# A number as a spreadsheet gives it: digits, an optional fraction ("500", "12.5", "50000000.00").
_DECIMAL = r"^\d+(\.\d+)?$"


@dataclass
class LevyReport:
    rows: int = 0
    errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    liable: int = 0  # employers that pay a levy above 0
    exempt: int = 0
    total_fen: int = 0


def validate_levy_rows(frame: pl.DataFrame, headers: dict[str, str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(the rows as the levy's source relation, the errors {row, column, message}). Every rule is first
    evaluated in one pass over the file; only a file with errors pays for collecting them cell by cell."""
    if "name" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias("name"))
    frame = frame.with_columns(
        pl.col("uscc").str.to_uppercase().alias("_uscc"),
        uscc_valid(frame["uscc"]).alias("_uscc_valid"),
        _mapped("type", EMPLOYER_TYPE_VALUES).alias("_type"),  # as the employer import reads it
        # "1,234.50" as some spreadsheets write money: the thousands separators are dropped.
        pl.col("total_wages").str.replace_all(",", "").alias("_wages"),
        pl.col("headcount").str.replace_all(",", "").alias("_headcount"),
    )
    required = bilingual("必填", "required")
    rules: list[tuple[str, pl.Expr, str]] = [
        ("uscc", pl.col("uscc").is_null(), required),
        (
            "uscc",
            ~pl.col("_uscc_valid"),
            bilingual(
                "统一社会信用代码格式或校验位不正确", "not a valid unified social credit code (GB 32100-2015)"
            ),
        ),
        (
            "uscc",
            pl.col("_uscc").is_not_null() & pl.col("_uscc").is_duplicated(),
            bilingual("统一社会信用代码在文件中重复", "the same code appears on more than one row"),
        ),
        ("type", pl.col("type").is_null(), required),
        (
            "type",
            pl.col("_type").is_null(),
            bilingual("单位类型应为：" + " ".join(EMPLOYER_TYPE_ZH.values()), "unknown employer type"),
        ),
    ]
    for column, text in (("headcount", "_headcount"), ("total_wages", "_wages")):
        rules += [
            (column, pl.col(column).is_null(), required),
            (
                column,
                ~pl.col(text).str.contains(_DECIMAL),
                bilingual("应为不小于0的数字", "must be a number ≥ 0"),
            ),
            (
                column,
                pl.col(text).str.extract(r"\.(\d+)$", 1).str.strip_chars_end("0").str.len_chars() > 2,
                bilingual("最多2位小数", "at most 2 decimal places"),
            ),
        ]
    for column, text in (("headcount", "_headcount"), ("total_wages", "_wages")):
        rules.append(
            (column, pl.col(text).str.contains(r"^\d{19}"), bilingual("数值过大", "the number is too large"))
        )
    rules.append(
        (
            "headcount",
            pl.col("_headcount").str.contains(r"^0+(\.0+)?$"),
            bilingual("在职职工人数不能为0", "the headcount cannot be 0"),
        )
    )
    for column in ("disabled_grade_1_2", "disabled_grade_3_4"):
        rules += [
            (column, pl.col(column).is_null(), required),
            (
                column,
                ~pl.col(column).str.contains(r"^\d{1,9}(\.0+)?$"),
                bilingual("应为不小于0的整数", "must be a whole number ≥ 0"),
            ),
        ]
    failing = frame.select(
        pl.any_horizontal([failing.fill_null(False).any() for _, failing, _ in rules]).alias("any")
    ).item()
    if failing:
        errors = ErrorCollector(frame, headers)
        for column, failing, message in rules:
            errors.add(column, failing, message)
        return frame.clear(), errors.result()
    rows = frame.select(
        pl.col("__row").alias("employer_id"),
        pl.col("_uscc").alias("uscc"),
        pl.col("_type").alias("employer_type"),
        pl.lit(False).alias("state_owned"),
        *employers.fixed_point_text_parts(pl.col("_headcount"), "headcount"),
        *employers.fixed_point_text_parts(pl.col("_wages"), "total_wages"),
        pl.col("disabled_grade_1_2").str.replace(r"\.0+$", "").cast(pl.Int64),
        pl.col("disabled_grade_3_4").str.replace(r"\.0+$", "").cast(pl.Int64),
    )
    return rows, pl.DataFrame(schema=ERROR_SCHEMA)


DECISIONS_TABLE = "levy_decisions"


def _figures_select() -> str:
    """The decisions formatted as the output file writes them (E1): quota and shortfall to four
    decimals, ratio to six, money to two (each rounded half up), the headcount and the reduction as
    plain numbers ("12.5", "0.5", "1"). The decisions are in fixed point (``sql.entity_decisions_select``
    with ``fixed_point_outputs``): rounded by exact integer steps, written from BIGINT (DuckDB writes a
    DECIMAL(38, ·) through 128-bit divisions, the bulk of the time it took)."""
    compiler = sql.fixed_point_compiler()

    def text(units: str, places: int, plain: bool = False) -> str:
        """``units`` counts 10^-places; "-12.50" (or "-12.5" when ``plain``)."""
        scale = 10**places
        magnitude = f"CAST(abs({units}) AS BIGINT)"
        fraction = f"lpad(CAST({magnitude} % {scale} AS VARCHAR), {places}, '0')"
        point = f"'.' || {fraction}"
        if plain:
            point = f"CASE WHEN {magnitude} % {scale} = 0 THEN '' ELSE '.' || rtrim({fraction}, '0') END"
        fast = f"CASE WHEN {units} < 0 THEN '-' ELSE '' END || CAST({magnitude} // {scale} AS VARCHAR)" + (
            "" if places == 0 else f" || {point}"
        )
        unit = f"CAST({format(1 / Decimal(scale), 'f')} AS DECIMAL(38, {places}))"
        exact = f"CAST(CAST({units} AS DECIMAL(38, 0)) * {unit} AS VARCHAR)"
        if plain and places:
            exact = f"regexp_replace(regexp_replace({exact}, '0+$', ''), '\\.$', '')"
        # BIGINT holds any figure below 9.2 · 10^18 of its unit; beyond, the exact slow way.
        return f"(CASE WHEN abs({units}) < 9000000000000000000 THEN {fast} ELSE {exact} END)"

    figures = {
        "headcount": text(compiler.round_units("f.headcount", 8), 2, plain=True),
        "counted": text(compiler.round_units("f.counted", 10), 0),
        **{
            name: text(compiler.round_units(f"f.{name}", 10 - places), places)
            for name, places in employers.FIGURE_PLACES.items()
        },
        "reduction": text("f.reduction", 10, plain=True),
        "exempt": "CASE WHEN f.exempt THEN 'true' ELSE 'false' END",
        "levy": text("f.amount_fen", 2),
    }
    relation = compiler.staged(DECISIONS_TABLE)
    columns = ", ".join(f"{figures[name]} AS {name}" for name in OUTPUT_HEADER if name != "uscc")
    # In file order: DuckDB keeps the insertion order of a table and of a projection over it.
    return f"SELECT f.uscc AS uscc, {columns} FROM {relation} f"


def levy_file(
    path: str | os.PathLike,
    out: str | os.PathLike,
    *,
    levy_year: int,
    overrides: dict | None = None,
    progress: Callable[[str], None] = lambda stage: None,
) -> LevyReport:
    """Validate ``path``; with no errors, write OUT (``OUTPUT_HEADER``, one row per employer in file
    order). Any invalid row: the errors, and no output file at all. ``overrides``: the levy policy's
    parameters, {name: value}."""
    policy = employers.policies()[employers.LEVY_POLICY]
    policy_sql = employers.decisions_sql(
        policy,
        levy_year,
        overrides,
        employers.FIGURES,
        passthrough=("uscc", "headcount"),
        fixed_point_outputs=True,
    )
    progress("reading")
    sheet = read_table(path, LEVY_COLUMNS, max_bytes=settings.XIAOKANG_SCREEN_MAX_BYTES)
    report = LevyReport(
        warnings=[
            {"row": 1, "column": name, "message": bilingual("未知列，已忽略", "unknown column, ignored")}
            for name in sheet.unknown_columns
        ]
    )
    progress("validating")
    rows, errors = validate_levy_rows(sheet.frame, sheet.headers)
    report.rows = sheet.frame.height
    if errors.height:
        report.errors = errors.to_dicts()
        return report
    del sheet
    progress("evaluating")
    out = Path(out)
    handle, temporary = tempfile.mkstemp(prefix=".levy-", suffix=".csv", dir=out.parent)
    os.close(handle)
    connection = employers.duckdb_connection()
    try:
        connection.register(employers.SOURCE_TABLE, rows)
        connection.execute(f"CREATE TEMPORARY TABLE {DECISIONS_TABLE} AS {policy_sql}")
        liable, exempt, total = connection.execute(
            f"SELECT count(*) FILTER (WHERE amount_fen > 0), count(*) FILTER (WHERE exempt), "
            f"COALESCE(sum(amount_fen), 0) FROM {DECISIONS_TABLE}"
        ).fetchone()
        progress("writing")
        target = temporary.replace("'", "''")  # a path, quoted as an SQL string
        connection.execute(f"COPY ({_figures_select()}) TO '{target}' (HEADER, DELIMITER ',')")
        report.liable, report.exempt, report.total_fen = int(liable), int(exempt), int(total)
        os.replace(temporary, out)  # OUT is whole or absent, never half written
    finally:
        connection.close()
        if os.path.exists(temporary):
            os.unlink(temporary)
    return report
