"""The data-quality report (R7): three lists staff work through to keep the registry clean.

- ``duplicates``: suspected duplicate persons, the same name and birth date under different ID numbers
  (one person entered twice with a mistyped ID number is the usual cause).
- ``expiring``: active certificates of persons with status normal that expire within the look-ahead
  window, so renewal (换证) can be arranged before the holder loses entitlement.
- ``deceased_active``: persons recorded as deceased who still carry data that should have ended with
  death (an active certificate now; enrolments once the cases app exists).

Each list is one set-based SQL query (GROUP BY / HAVING, joins; ARCHITECTURE rule 6) restricted to the
persons the actor may see: the compiled ``persons_for(actor)`` (rule 2). A duplicate pair is only
reported when both persons are in the actor's scope, so the report never reveals a record outside it.
ID numbers appear masked only.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import polars as pl
from django.utils import timezone

from xiaokang.accounts.actors import Actor
from xiaokang.registry.exporting import fetch_frame, scoped_person_ids_sql, write_xlsx
from xiaokang.registry.vocabulary import CATEGORY_CODE, STATUS_ZH

# How many days ahead a certificate counts as "expiring" (R7: "certificates that expire within 90 days").
# A working setting of the data-quality list (how early staff want to start renewals), not an amount or
# a condition of any policy, so it is a constant here rather than a dated policy parameter (rule 5).
EXPIRY_WARNING_DAYS = 90


@dataclass(frozen=True)
class ActiveDataSource:
    """One kind of data that should end when its person dies. ``sql`` selects ``person_id``, ``item``
    (text naming the record, never a clear ID number) and ``valid_until`` (date or NULL) for every
    record that is still active, whatever the person's status; the report keeps the deceased."""

    kind: str
    label_zh: str
    label_en: str
    sql: str


_CATEGORY_DIGIT_SQL = (
    "CASE c.category "
    + " ".join(f"WHEN '{ident}' THEN '{code}'" for ident, code in CATEGORY_CODE.items())
    + " END"
)

# The certificate number is derived (models.Certificate): here from the masked ID, never the clear one.
_CERTIFICATE_SOURCE_SQL = f"""
SELECT c.person_id AS person_id, c.valid_until AS valid_until,
       cp.id_number_masked || {_CATEGORY_DIGIT_SQL} || CAST(c.grade AS TEXT) || c.reissue AS item
FROM registry_certificate c JOIN registry_person cp ON cp.id = c.person_id
WHERE c.status = 'active'
"""  # noqa: S608 (constants of this module, no input)

# The place to add further kinds: later issues add enrolments (享受对象) with their policy and end date.
# The registry may not import the cases app (ARCHITECTURE rule 3: layers), so that app appends its
# source with ``register_active_data_source`` from its AppConfig.ready().
ACTIVE_DATA_SOURCES: list[ActiveDataSource] = [
    ActiveDataSource(
        kind="certificate",
        label_zh="有效残疾人证",
        label_en="active disability certificate",
        sql=_CERTIFICATE_SOURCE_SQL,
    ),
]


def register_active_data_source(source: ActiveDataSource) -> None:
    """Add a kind of data to the deceased-but-active list (idempotent by ``kind``)."""
    if all(s.kind != source.kind for s in ACTIVE_DATA_SOURCES):
        ACTIVE_DATA_SOURCES.append(source)


@dataclass
class QualityReport:
    today: dt.date
    horizon_days: int
    duplicates: pl.DataFrame
    expiring: pl.DataFrame
    deceased_active: pl.DataFrame

    def counts(self) -> dict[str, int]:
        return {
            "duplicates": self.duplicates.height,
            "duplicate_groups": self.duplicates.get_column("group").n_unique()
            if self.duplicates.height
            else 0,
            "expiring": self.expiring.height,
            "deceased_active": self.deceased_active.height,
        }


DUPLICATES_SCHEMA = {
    "group": pl.Int64,
    "id_number_masked": pl.Utf8,
    "name": pl.Utf8,
    "birth_date": pl.Date,
    "street": pl.Utf8,
    "community": pl.Utf8,
    "status": pl.Utf8,
}
# What the report keeps of a duplicate: the birth YEAR. The masked ID's eight hidden digits are the birth
# date, so the date beside the mask would give back the whole ID number (PIPL art. 28; U11). The persons
# of a group share the date; the group number says so.
DUPLICATES_REPORT_SCHEMA = {
    **{k: v for k, v in DUPLICATES_SCHEMA.items() if k != "birth_date"},
    "birth_year": pl.Int32,
}
_DUPLICATES_COLUMNS = ["group", "id_number_masked", "name", "birth_year", "street", "community", "status"]
EXPIRING_SCHEMA = {
    "id_number_masked": pl.Utf8,
    "name": pl.Utf8,
    "street": pl.Utf8,
    "community": pl.Utf8,
    "certificate_number_masked": pl.Utf8,
    "valid_until": pl.Date,
    "days_left": pl.Int64,
}
DECEASED_ACTIVE_SCHEMA = {
    "id_number_masked": pl.Utf8,
    "name": pl.Utf8,
    "street": pl.Utf8,
    "community": pl.Utf8,
    "status_changed_on": pl.Date,
    "kind": pl.Utf8,
    "item": pl.Utf8,
    "valid_until": pl.Date,
}

# Same name and birth date, more than one ID number; both sides within the actor's scope.
_DUPLICATES_SQL = """
SELECT DENSE_RANK() OVER (ORDER BY p.name, p.birth_date) AS grp, p.id_number_masked, p.name,
       p.birth_date, s.name, cm.name, p.status
FROM registry_person p
JOIN (
    SELECT q.name AS name, q.birth_date AS birth_date
    FROM registry_person q
    WHERE q.id IN ({scope})
    GROUP BY q.name, q.birth_date
    HAVING COUNT(DISTINCT q.id_number_index) > 1
) d ON d.name = p.name AND d.birth_date = p.birth_date
JOIN core_area s ON s.id = p.street_id
JOIN core_area cm ON cm.id = p.community_id
WHERE p.id IN ({scope})
ORDER BY grp, s.code, cm.code, p.id
"""

_EXPIRING_SQL = f"""
SELECT p.id_number_masked, p.name, s.name, cm.name,
       p.id_number_masked || {_CATEGORY_DIGIT_SQL} || CAST(c.grade AS TEXT) || c.reissue, c.valid_until
FROM registry_certificate c
JOIN registry_person p ON p.id = c.person_id
JOIN core_area s ON s.id = p.street_id
JOIN core_area cm ON cm.id = p.community_id
WHERE c.status = 'active' AND p.status = 'normal' AND c.valid_until >= %s AND c.valid_until <= %s
  AND p.id IN ({{scope}})
ORDER BY c.valid_until, s.code, cm.code, p.id
"""  # noqa: S608 (constants of this module; the scope is persons_for's compiled SQL)

_DECEASED_ACTIVE_SQL = """
SELECT p.id_number_masked, p.name, s.name, cm.name, p.status_changed_on, a.kind, a.item, a.valid_until
FROM ({sources}) a
JOIN registry_person p ON p.id = a.person_id
JOIN core_area s ON s.id = p.street_id
JOIN core_area cm ON cm.id = p.community_id
WHERE p.status = 'deceased' AND p.id IN ({scope})
ORDER BY s.code, cm.code, p.id, a.kind
"""


def _empty(schema: dict) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


def quality_report(*, actor: Actor, today: dt.date | None = None) -> QualityReport:
    """The three data-quality lists for the persons ``actor`` may see (R7), as of ``today``."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=EXPIRY_WARNING_DAYS)
    scope = scoped_person_ids_sql(actor)
    if scope is None:
        return QualityReport(
            today,
            EXPIRY_WARNING_DAYS,
            _empty(DUPLICATES_REPORT_SCHEMA).select(_DUPLICATES_COLUMNS),
            _empty(EXPIRING_SCHEMA),
            _empty(DECEASED_ACTIVE_SCHEMA),
        )
    scope_sql, scope_params = scope

    duplicates = fetch_frame(
        _DUPLICATES_SQL.format(scope=scope_sql), (*scope_params, *scope_params), DUPLICATES_SCHEMA
    )
    duplicates = duplicates.select(
        *_DUPLICATES_COLUMNS[:3],
        pl.col("birth_date").dt.year().cast(pl.Int32).alias("birth_year"),
        *_DUPLICATES_COLUMNS[4:],
    )

    expiring_schema = {k: v for k, v in EXPIRING_SCHEMA.items() if k != "days_left"}
    expiring = fetch_frame(
        _EXPIRING_SQL.format(scope=scope_sql), (today, horizon, *scope_params), expiring_schema
    ).with_columns((pl.col("valid_until") - pl.lit(today)).dt.total_days().cast(pl.Int64).alias("days_left"))

    # Each source names its kind as a literal column so that one query covers every source.
    sources = " UNION ALL ".join(
        f"SELECT a{i}.person_id, '{s.kind}' AS kind, a{i}.item, a{i}.valid_until FROM ({s.sql}) a{i}"  # noqa: S608
        for i, s in enumerate(ACTIVE_DATA_SOURCES)
    )
    deceased_active = fetch_frame(
        _DECEASED_ACTIVE_SQL.format(sources=sources, scope=scope_sql), scope_params, DECEASED_ACTIVE_SCHEMA
    )
    return QualityReport(today, EXPIRY_WARNING_DAYS, duplicates, expiring, deceased_active)


# ---------------------------------------------------------------------------------------------------
# Spreadsheet

SUMMARY_SHEET = "汇总"
DUPLICATES_SHEET = "疑似重复人员"
EXPIRING_SHEET = "证件即将到期"
DECEASED_ACTIVE_SHEET = "死亡仍有有效数据"

_HEADERS = {
    "group": "组号",
    "id_number_masked": "公民身份号码",
    "name": "姓名",
    "birth_year": "出生年份",
    "street": "街道乡镇",
    "community": "社区村",
    "status": "人员状态",
    "certificate_number_masked": "残疾人证号",
    "valid_until": "有效期至",
    "days_left": "剩余天数",
    "status_changed_on": "状态变更日期",
    "kind": "仍有效的数据",
    "item": "记录",
}


def quality_sheets(report: QualityReport) -> dict[str, pl.DataFrame]:
    """The report as the spreadsheet shows it: a summary first, then one sheet per list, with Chinese
    headers and labels. Also usable by the CLI to print the same tables."""
    kind_labels = {s.kind: s.label_zh for s in ACTIVE_DATA_SOURCES}
    counts = report.counts()
    end = report.today + dt.timedelta(days=report.horizon_days)
    summary = pl.DataFrame(
        {
            "检查项": [
                "疑似重复人员（姓名、出生日期相同，公民身份号码不同）",
                f"残疾人证{report.horizon_days}天内到期（人员状态正常）",
                "人员状态为死亡但仍有有效数据",
            ],
            "Check": [
                "suspected duplicate persons (same name and birth date, different ID numbers)",
                f"certificates expiring within {report.horizon_days} days (status normal)",
                "deceased persons with data still active",
            ],
            "数量": [counts["duplicates"], counts["expiring"], counts["deceased_active"]],
            "说明": [
                f"共{counts['duplicate_groups']}组 / {counts['duplicate_groups']} groups",
                f"{report.today.isoformat()} 至 {end.isoformat()} / from {report.today} to {end}",
                "、".join(s.label_zh for s in ACTIVE_DATA_SOURCES),
            ],
        },
        schema={"检查项": pl.Utf8, "Check": pl.Utf8, "数量": pl.Int64, "说明": pl.Utf8},
    )
    duplicates = report.duplicates.with_columns(
        pl.col("status").replace_strict(STATUS_ZH, default=pl.col("status"), return_dtype=pl.Utf8)
    )
    deceased = report.deceased_active.with_columns(
        pl.col("kind").replace_strict(kind_labels, default=pl.col("kind"), return_dtype=pl.Utf8)
    )
    return {
        SUMMARY_SHEET: summary,
        DUPLICATES_SHEET: duplicates.rename(_HEADERS, strict=False),
        EXPIRING_SHEET: report.expiring.rename(_HEADERS, strict=False),
        DECEASED_ACTIVE_SHEET: deceased.rename(_HEADERS, strict=False),
    }


def write_quality_xlsx(report: QualityReport, path: str | os.PathLike) -> None:
    """One workbook: the summary sheet with the three counts, then one sheet per list (R7)."""
    sheets = quality_sheets(report)
    first = next(iter(sheets))
    write_xlsx(sheets.pop(first), path, sheet_name=first, extra_sheets=sheets)


def quality_export(*, actor: Actor, report: QualityReport, path: str | os.PathLike) -> None:
    """Write the report's workbook and audit it once the file exists: a file listing persons (names,
    masked IDs), audited as the page's download and ``exporting.export_persons`` are (U11; GB/T
    22239-2019 8.1.4.3)."""
    from xiaokang.audit.services import log_action

    write_quality_xlsx(report, path)
    log_action(
        actor,
        "registry.quality_export",
        object_type="file",
        details={"format": "xlsx", **report.counts()},
    )
