"""The person export and the empty template (R5, R7).

The export writes the import format (``importing/columns.py``), one row per person, so that a full export
re-imports with every row unchanged: the importer, the exporter and the template share one column list
and one vocabulary, and cannot disagree.

Batch path (ARCHITECTURE rule 6): one SQL query through ``connection.cursor()``, fetched in chunks into
Polars frames; labels are applied by vectorised expressions; XlsxWriter streams rows to disk in its
``constant_memory`` mode. No ORM object is built per person.

Privacy: ID and phone numbers are exported masked (``110108********002X``) unless ``full`` is asked for.
A masked export never carries a clear ID number anywhere, including inside the certificate number.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import polars as pl
import xlsxwriter
from django.core.exceptions import EmptyResultSet
from django.db import connection

from xiaokang.accounts.actors import Actor
from xiaokang.audit.services import log_action
from xiaokang.core import crypto, xlsx
from xiaokang.core.importing import template
from xiaokang.core.importing.template import (  # noqa: F401 (the template's names)
    GUIDE_SHEET,
    TEMPLATE_LAST_ROW,
    atomic_path,  # one for every file written (cases.rosters imports it from here)
)
from xiaokang.core.models import Area, AreaLevel
from xiaokang.registry.importing.columns import BY_FIELD, PERSON_COLUMNS
from xiaokang.registry.importing.persons import PERSONS
from xiaokang.registry.importing.validate import ROW_SCHEMA
from xiaokang.registry.selectors import persons_for
from xiaokang.registry.vocabulary import (
    CATEGORY_CODE,
    CATEGORY_ZH,
    ECONOMIC_STATUS_ZH,
    EMPLOYMENT_ZH,
    GRADE_ZH,
    HUKOU_ZH,
    RELATION_ZH,
    SELF_CARE_ZH,
    STATUS_ZH,
    YES_NO_ZH,
)

PERSON_SHEET = "残疾人信息"
# Rows fetched from the cursor per Polars frame: bounds memory for a 1,000,000-person export.
FETCH_CHUNK = 50_000
MAX_COLUMN_WIDTH = 60


# Columns in ROW_SCHEMA order after "row". {id} and {phone} are the clear (encrypted) or masked columns.
_PERSONS_SQL = """
SELECT p.name, {id}, p.birth_date, p.sex, c.category, c.grade, c.components, c.reissue, c.issued_on,
       c.valid_until, p.hukou, s.code, cm.code, cm.name, h.key, p.relation, h.economic_status,
       h.family_planning_hardship, h.dangerous_house, p.employment, p.self_care, p.work_injury_care,
       {phone}, p.address, p.status
FROM registry_person p
JOIN core_area s ON s.id = p.street_id
JOIN core_area cm ON cm.id = p.community_id
JOIN registry_household h ON h.id = p.household_id
LEFT JOIN registry_certificate c ON c.person_id = p.id AND c.status = 'active'
WHERE p.id IN ({scope}){street_filter}
ORDER BY s.code, cm.code, h.key, p.id
"""

_DIGIT_TO_CATEGORY_ZH = {str(code): CATEGORY_ZH[ident] for ident, code in CATEGORY_CODE.items()}
_CATEGORY_DIGIT = {ident: str(code) for ident, code in CATEGORY_CODE.items()}

# ---------------------------------------------------------------------------------------------------
# Validated rows → import format


def area_names() -> dict[str, str]:
    """12-digit code → name of every street/town and community/village (public reference data)."""
    return dict(
        Area.objects.filter(level__in=[AreaLevel.STREET, AreaLevel.COMMUNITY]).values_list("code", "name")
    )


def _labels(field: str, mapping: Mapping) -> pl.Expr:
    return pl.col(field).replace_strict(dict(mapping), return_dtype=pl.Utf8)


def _flag(field: str, labels: Mapping[bool, str]) -> pl.Expr:
    return pl.when(pl.col(field)).then(pl.lit(labels[True])).otherwise(pl.lit(labels[False]))


def _as_date_text(field: str, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.Utf8:
        return pl.col(field)
    return pl.col(field).dt.strftime("%Y-%m-%d")


def rows_to_import_frame(rows: pl.DataFrame, *, names: Mapping[str, str] | None = None) -> pl.DataFrame:
    """The import format (Chinese headers in ``PERSON_COLUMNS`` order, Chinese labels, every cell text)
    of rows in the validated row format. ``names`` maps area codes to names (default: read from the
    database); a row whose community is not yet known (``community_code`` null, as the synthetic
    generator writes them) keeps its ``community_name``. An unknown vocabulary value or street code is a
    programming error and raises."""
    if names is None:
        names = area_names()
    names = dict(names)
    schema = rows.schema
    # The certificate number is derived, never stored (models.Certificate): ID + category + grade + reissue.
    # Masked rows carry the masked ID, so the masked certificate number never reveals the clear one.
    certificate = (
        pl.col("id_number")
        + pl.col("category").replace_strict(_CATEGORY_DIGIT, return_dtype=pl.Utf8)
        + pl.col("grade").cast(pl.Utf8)
        + pl.col("cert_reissue").fill_null("")
    )
    components = (
        pl.col("components")
        .fill_null("")
        .str.split("")
        .list.eval(pl.element().filter(pl.element() != "").replace_strict(_DIGIT_TO_CATEGORY_ZH))
        .list.join("、")
    )
    community = (
        pl.when(pl.col("community_code").is_not_null())
        .then(
            pl.col("community_code").replace_strict(
                names, default=pl.col("community_name"), return_dtype=pl.Utf8
            )
        )
        .otherwise(pl.col("community_name"))
    )
    by_field: dict[str, pl.Expr] = {
        "name": pl.col("name"),
        "id_number": pl.col("id_number"),
        "certificate_number": certificate,
        "category": _labels("category", CATEGORY_ZH),
        "multiple_categories": components,
        "grade": pl.col("grade").cast(pl.Int64).replace_strict(GRADE_ZH, return_dtype=pl.Utf8),
        "certificate_issued": _as_date_text("issued_on", schema["issued_on"]),
        "hukou": _labels("hukou", HUKOU_ZH),
        "street": pl.col("street_code").replace_strict(names, return_dtype=pl.Utf8),
        "community": community,
        "household": pl.col("household"),
        "relation": _labels("relation", RELATION_ZH),
        "economic_status": _labels("economic_status", ECONOMIC_STATUS_ZH),
        "family_planning_hardship": _flag("family_planning_hardship", YES_NO_ZH),
        "dangerous_house": _flag("dangerous_house", YES_NO_ZH),
        "employment": _labels("employment", EMPLOYMENT_ZH),
        "self_care": _flag("self_care", SELF_CARE_ZH),
        "work_injury_care": _flag("work_injury_care", YES_NO_ZH),
        "phone": pl.col("phone"),
        "address": pl.col("address"),
        "status": _labels("status", STATUS_ZH),
    }
    missing = set(BY_FIELD) - set(by_field)
    assert not missing, f"PERSON_COLUMNS has columns the exporter does not know: {missing}"
    return rows.select([by_field[c.field].cast(pl.Utf8).fill_null("").alias(c.zh) for c in PERSON_COLUMNS])


# ---------------------------------------------------------------------------------------------------
# Reading the registry


def scoped_person_ids_sql(actor: Actor) -> tuple[str, tuple] | None:
    """The SQL (and parameters) selecting the ids of the persons ``actor`` may see: ``persons_for(actor)``
    compiled, so batch reads pass through the same gate as every other read (ARCHITECTURE rule 2).
    None when the actor sees nobody."""
    try:
        sql, params = persons_for(actor).values("id").query.sql_with_params()
    except EmptyResultSet:  # persons_for(...).none(): an actor without registry access
        return None
    return sql, tuple(params)


def street_by_code(code: str) -> Area:
    """The street or town of a 9- or 12-digit code; ValueError (bilingual) when there is none."""
    text = (code or "").strip()
    full = text + "000" if len(text) == 9 else text
    area = None
    if len(full) == 12 and full.isdigit():
        area = Area.objects.filter(level=AreaLevel.STREET, code=full).first()
    if area is None:
        raise ValueError(f"未知街道乡镇代码 {code} / unknown street code {code}")
    return area


def normalise_frame(frame: pl.DataFrame, schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """Cast raw cursor values to ``schema``: SQLite returns booleans as 0/1 and dates as text where it
    cannot see the column's declared type, PostgreSQL returns bool and date."""
    exprs = []
    for name, dtype in schema.items():
        current = frame.schema[name]
        column = pl.col(name)
        if dtype == pl.Date and current == pl.Utf8:
            column = column.str.slice(0, 10).str.to_date("%Y-%m-%d")
        elif dtype == pl.Boolean and current.is_integer():
            column = column != 0
        exprs.append(column.cast(dtype).alias(name))
    return frame.select(exprs)


def fetch_frame(sql: str, params, schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """Run one query and collect its rows, chunk by chunk, into a frame of ``schema`` (in column order)."""
    names = list(schema)
    parts: list[pl.DataFrame] = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while True:
            chunk = cursor.fetchmany(FETCH_CHUNK)
            if not chunk:
                break
            raw = pl.DataFrame(chunk, schema=names, orient="row", infer_schema_length=None)
            parts.append(normalise_frame(raw, schema))
    if not parts:
        return pl.DataFrame(schema=dict(schema))
    return pl.concat(parts, how="vertical")


def _decrypt_column(frame: pl.DataFrame, name: str) -> pl.Series:
    decrypt = crypto.decrypt
    values = [None if token is None else decrypt(token) for token in frame.get_column(name).to_list()]
    return pl.Series(name, values, dtype=pl.Utf8)


def person_rows(
    *, actor: Actor, street_code: str | None = None, full: bool = False, person_ids: list[int] | None = None
) -> pl.DataFrame:
    """The persons ``actor`` may see (optionally of one street), each with their active certificate and
    household, in the validated row format. ID and phone numbers are decrypted when ``full``, otherwise
    masked (R5: "masked unless --full"). ``row`` numbers the rows as the spreadsheet will (header = 1)."""
    street = street_by_code(street_code) if street_code is not None else None
    scope = scoped_person_ids_sql(actor)
    if scope is None:
        return pl.DataFrame(schema=ROW_SCHEMA)
    scope_sql, params = scope
    sql = _PERSONS_SQL.format(
        id="p.id_number_encrypted" if full else "p.id_number_masked",
        phone="p.phone_encrypted" if full else "p.phone_masked",
        scope=scope_sql,
        street_filter=(" AND s.code = %s" if street else "")
        + (f" AND p.id IN ({', '.join(['%s'] * len(person_ids))})" if person_ids else ""),
    )
    params = (*params, street.code) if street else params
    params = (*params, *person_ids) if person_ids else params
    schema = {name: dtype for name, dtype in ROW_SCHEMA.items() if name != "row"}
    frame = fetch_frame(sql, params, schema)
    if full:
        frame = frame.with_columns(_decrypt_column(frame, "id_number"), _decrypt_column(frame, "phone"))
    else:  # a person without a phone has an empty mask; the validated format says "no phone" with null
        frame = frame.with_columns(pl.when(pl.col("phone") != "").then(pl.col("phone")).alias("phone"))
    frame = frame.with_columns(pl.col("address").fill_null(""))
    return frame.select(pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias("row"), pl.all())


# ---------------------------------------------------------------------------------------------------
# Writing files


def _display_width(text: pl.Expr) -> pl.Expr:
    # CJK characters take three bytes in UTF-8 and two columns on screen; ASCII takes one of each.
    chars = text.str.len_chars()
    return chars + (text.str.len_bytes() - chars) // 2


def _column_widths(frame: pl.DataFrame) -> list[int]:
    if frame.height:
        widest = frame.select(
            _display_width(pl.col(c).cast(pl.Utf8)).max().alias(c) for c in frame.columns
        ).row(0)
    else:
        widest = [0] * frame.width
    header = pl.DataFrame({"h": frame.columns}, schema={"h": pl.Utf8}).select(_display_width(pl.col("h")))
    return [
        min(max(w or 0, h, 4) + 2, MAX_COLUMN_WIDTH)
        for w, h in zip(widest, header.get_column("h").to_list(), strict=True)
    ]


def _write_sheet(workbook: xlsxwriter.Workbook, name: str, frame: pl.DataFrame, formats: dict) -> None:
    sheet = workbook.add_worksheet(name)
    numeric = [frame.schema[c].is_integer() for c in frame.columns]
    for col, width in enumerate(_column_widths(frame)):
        sheet.set_column(col, col, width, None if numeric[col] else formats["text"])
    sheet.freeze_panes(1, 0)
    # Numbers stored as text are intended (ID numbers): keep Excel's green warning triangles away.
    sheet.ignore_errors({"number_stored_as_text": "A1:XFD1048576"})
    xlsx.write_row(sheet, 0, 0, frame.columns, formats["header"])
    # Every value is written as a string (dates as YYYY-MM-DD) so that an 18-digit number never becomes a
    # float; only integer columns (counts, days) are written as numbers.
    text = frame.select(
        pl.col(c) if numeric[i] else pl.col(c).cast(pl.Utf8) for i, c in enumerate(frame.columns)
    )
    write_string, write_number = sheet.write_string, sheet.write_number
    any_numeric = any(numeric)
    for r, values in enumerate(text.iter_rows(), start=1):
        for c, value in enumerate(values):
            if value is None or value == "":
                continue
            if any_numeric and numeric[c]:
                write_number(r, c, value)
            else:
                write_string(r, c, value)


def _formats(workbook: xlsxwriter.Workbook) -> dict:
    return {"header": workbook.add_format({"bold": True}), "text": workbook.add_format({"num_format": "@"})}


def write_xlsx(
    frame: pl.DataFrame,
    path: str | os.PathLike,
    *,
    sheet_name: str = PERSON_SHEET,
    extra_sheets: Mapping[str, pl.DataFrame] | None = None,
) -> None:
    """Write ``frame`` (and ``extra_sheets``, in order) to an xlsx file: text cells, bold frozen header,
    columns sized to their content. Streams rows (``constant_memory``), so memory does not grow with rows."""
    with atomic_path(path) as tmp:
        workbook = xlsx.workbook(tmp, constant_memory=True)
        try:
            formats = _formats(workbook)
            _write_sheet(workbook, sheet_name, frame, formats)
            for name, extra in (extra_sheets or {}).items():
                _write_sheet(workbook, name, extra, formats)
        finally:
            workbook.close()


def write_csv(frame: pl.DataFrame, path: str | os.PathLike) -> None:
    """UTF-8 CSV with a byte-order mark, which is how Excel recognises UTF-8 (R5)."""
    with atomic_path(path) as tmp:
        frame.write_csv(tmp, include_bom=True)


def _export_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValueError(
            f"不支持的导出文件类型“{path.suffix or path.name}”，请使用 .xlsx 或 .csv / "
            f"unsupported export file type {path.suffix or path.name!r}: use .xlsx or .csv"
        )
    return suffix


def export_persons(
    *, actor: Actor, path: str | os.PathLike, street_code: str | None = None, full: bool = False
) -> int:
    """Export the persons ``actor`` may see to ``path`` (.xlsx or .csv) in the import format (R5);
    returns the number of persons written. ``full`` writes clear ID and phone numbers.

    Every export is audited ("registry.export", U11; GB/T 22239-2019 8.1.4.3), whoever asks (a page, the
    command line's SystemActor): recorded once the file exists, so the trail lists exactly the files that were
    produced. Should the record fail, the file is removed: no export, above all a full one, leaves
    unrecorded."""
    path = Path(path)
    suffix = _export_suffix(path)
    street = street_by_code(street_code).code if street_code is not None else ""
    frame = rows_to_import_frame(person_rows(actor=actor, street_code=street or None, full=full))
    if suffix == ".xlsx":
        write_xlsx(frame, path)
    else:
        write_csv(frame, path)
    try:
        log_action(
            actor,
            "registry.export",
            object_type="file",
            details={"rows": frame.height, "full": full, "street": street, "format": suffix.lstrip(".")},
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return frame.height


# ---------------------------------------------------------------------------------------------------
# The empty template


def template_guide() -> pl.DataFrame:
    """The explanation sheet: one row per column of the import format, from ``PERSON_COLUMNS``."""
    return template.template_guide(PERSONS)


def write_template(path: str | os.PathLike) -> None:
    """The empty person import template (R5), written by the import framework
    (``core.importing.template``): sheet 1 holds only the header row, every column formatted as text (so
    Excel keeps 18-digit ID numbers, leading zeros and dates exactly as typed) and dropdowns on the
    columns whose type has choices; sheet 2 explains each column and the import rules."""
    template.write_template(PERSONS, path)
