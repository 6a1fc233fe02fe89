"""Public disclosure of employers' quota compliance (按比例就业公示; E2) and the working
committee's member units (残工委成员单位; E3, T2). docs/disclosure.md describes both.

The disclosure is public by design, so its selectors take no actor: only **approved** declarations are
read, and only the employer's identity, its headcount, the disabled employees counted, the ratio and
whether it meets the quota leave this module. No employee, no wage, no levy amount.

Every figure comes from the approved decision (``Declaration.decision["figures"]``), so a later change of
the rules never changes what was disclosed. "Meets the quota" is ``counted ≥ quota``, compared as exact
decimals (a counted number exactly equal to the quota meets it). The database makes the same comparison
for the page's filter and totals (``_annotated``); the rows shown are computed again from the decision's
strings in Python, so what is printed is exact on every database.

The member-units list is for staff and scoped: a street officer sees their street's member units only."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from xiaokang.accounts.actors import Actor
from xiaokang.core import xlsx
from xiaokang.core.errors import FieldError, ServiceError
from xiaokang.core.importing.template import atomic_path
from xiaokang.employment.models import EMPLOYER_TYPE_ZH, Declaration, DeclarationState
from xiaokang.employment.selectors import employers_for

PAGE_SIZE = 100
# Reads outside any actor's area (accounts.scoping): the disclosure publishes every approved declaration
# of the district (E1), and a member unit's own declarations are read once the unit is in scope.
PUBLIC = "the public disclosure of approved declarations (E1)"
UNITS_OWN = "the declarations of the member units in the actor's scope"
SCHEMA = "xiaokang.quota-disclosure/1"
FORMATS = ("csv", "json", "xlsx")

# The credit-platform schema (市场主体信用信息平台), in this order, in CSV and JSON alike. Changing a field
# means a new schema name ("…/2"); adding one too (consumers may check the field list).
CREDIT_FIELDS = (
    "uscc",
    "name",
    "employer_type",
    "levy_year",
    "headcount",
    "counted_disabled_employees",
    "ratio",
    "quota",
    "meets_quota",
    "disclosed_on",
)

# The public spreadsheet: the page's columns, headed in Chinese.
DISCLOSURE_XLSX_HEADER = (
    "单位名称",
    "统一社会信用代码",
    "单位类型",
    "上年在职职工人数",
    "安排残疾人就业人数（按规定折算）",
    "安排比例",
    "是否达到规定比例",
)
MEMBER_UNITS_XLSX_HEADER = (
    "成员单位名称",
    "统一社会信用代码",
    "单位类型",
    "街道乡镇",
    "安排残疾人就业人数（按规定折算）",
    "是否至少安排1名残疾人就业",
)

TWO_PLACES = Decimal("0.01")
FOUR_PLACES = Decimal("0.0001")
SIX_PLACES = Decimal("0.000001")
MAX_SEARCH = 100  # characters of a search that are used


class DisclosureError(ServiceError, ValueError):
    """An export that cannot be written as asked (an unknown format)."""

    def __init__(self, message: str, field: str = "format"):
        super().__init__("invalid", [FieldError(field, message)])


# ---------------------------------------------------------------------------------------------------
# Disclosure rows


@dataclass(frozen=True)
class DisclosureRow:
    """One employer's compliance for a levy year, as disclosed: nothing about its employees or wages."""

    uscc: str
    name: str
    employer_type: str
    levy_year: int
    headcount: Decimal  # two decimals (average headcount may be fractional)
    counted: int  # disabled employees as counted (grade 1–2 count twice)
    quota: Decimal  # four decimals: headcount × quota ratio
    ratio: Decimal  # six decimals: counted ÷ headcount
    meets: bool
    disclosed_on: date | None  # the day the declaration was approved (Asia/Shanghai)

    @property
    def employer_type_zh(self) -> str:
        return EMPLOYER_TYPE_ZH.get(self.employer_type, self.employer_type)

    @property
    def headcount_text(self) -> str:
        """100.00 → "100", 100.50 → "100.5": a headcount as people read it."""
        return plain_decimal(self.headcount)

    @property
    def quota_text(self) -> str:
        return plain_decimal(self.quota)

    @property
    def ratio_percent(self) -> str:
        """The ratio as a percentage with two decimals ("1.50"), rounded half up."""
        return str((self.ratio * 100).quantize(TWO_PLACES, rounding=ROUND_HALF_UP))

    def credit_record(self) -> dict:
        """The record of the credit-platform schema: decimals as fixed-point strings (exact), the counted
        number and the year as integers, ``meets_quota`` a boolean."""
        return {
            "uscc": self.uscc,
            "name": self.name,
            "employer_type": self.employer_type,
            "levy_year": self.levy_year,
            "headcount": str(self.headcount.quantize(TWO_PLACES)),
            "counted_disabled_employees": self.counted,
            "ratio": str(self.ratio.quantize(SIX_PLACES)),
            "quota": str(self.quota.quantize(FOUR_PLACES)),
            "meets_quota": self.meets,
            "disclosed_on": self.disclosed_on.isoformat() if self.disclosed_on else None,
        }


def plain_decimal(value: Decimal) -> str:
    """A decimal without trailing zeros and never in exponent form (7.5000 → "7.5", 100.00 → "100")."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _decimal(text) -> Decimal | None:
    if text is None or text == "":
        return None
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _row(values: dict) -> DisclosureRow | None:
    """A row from the declaration's own figures (``values`` as ``_VALUES`` reads them); None when the
    decision carries no quota and no quota ratio (the approval service always stores both)."""
    decision = values["decision"] or {}
    figures = decision.get("figures") or {}
    parameters = decision.get("parameters") or {}
    headcount = values["headcount"]
    counted = values["counted"]
    if counted is None:
        counted_figure = _decimal(figures.get("counted"))
        counted = int(counted_figure) if counted_figure is not None else 0
    quota = _decimal(figures.get("quota"))
    if quota is None:
        quota_ratio = _decimal(parameters.get("quota_ratio"))
        if quota_ratio is None:
            return None
        quota = (headcount * quota_ratio).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
    ratio = _decimal(figures.get("ratio"))
    if ratio is None:
        ratio = (Decimal(counted) / headcount).quantize(SIX_PLACES, rounding=ROUND_HALF_UP)
    approved_at = values["approved_at"]
    return DisclosureRow(
        uscc=values["employer__uscc"],
        name=values["employer__name"],
        employer_type=values["employer__employer_type"],
        levy_year=values["levy_year"],
        headcount=headcount,
        counted=counted,
        quota=quota,
        ratio=ratio,
        meets=Decimal(counted) >= quota,
        disclosed_on=timezone.localdate(approved_at) if approved_at else None,
    )


_VALUES = (
    "employer__uscc",
    "employer__name",
    "employer__employer_type",
    "levy_year",
    "headcount",
    "counted",
    "decision",
    "approved_at",
)


def _annotated(year: int) -> QuerySet:
    """The approved declarations of ``year`` with ``quota_value``, ``counted_value`` and ``meets`` computed
    by the database (the same rule as ``_row``), for filtering and counting without reading every row."""
    decimal = DecimalField(max_digits=24, decimal_places=6)
    quota = Coalesce(
        Cast(KT("decision__figures__quota"), decimal),
        Cast(F("headcount") * Cast(KT("decision__parameters__quota_ratio"), decimal), decimal),
    )
    counted = Coalesce(
        Cast(F("counted"), decimal),
        Cast(KT("decision__figures__counted"), decimal),
        Value(Decimal(0)),
        output_field=decimal,
    )
    return (
        Declaration.objects.unscoped(reason=PUBLIC)
        .filter(levy_year=year, state=DeclarationState.APPROVED)
        .annotate(quota_value=quota, counted_value=counted)
        .exclude(quota_value__isnull=True)
        .annotate(
            meets=Case(
                When(counted_value__gte=F("quota_value"), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    )


def disclosure_queryset(year: int, *, search: str = "", meets: bool | None = None) -> QuerySet:
    """The disclosed declarations of ``year``, sorted by employer name (then credit code): narrowed to a
    name or credit code containing ``search`` and to those that meet (True) or do not meet (False)."""
    queryset = _annotated(year)
    search = (search or "").strip()[:MAX_SEARCH]
    if search:
        queryset = queryset.filter(
            Q(employer__name__icontains=search) | Q(employer__uscc__icontains=search.upper())
        )
    if meets is not None:
        queryset = queryset.filter(meets=meets)
    return queryset.order_by("employer__name", "employer__uscc")


def disclosure_rows(queryset: QuerySet) -> Iterator[DisclosureRow]:
    """The rows of a ``disclosure_queryset`` (or a slice of it), read in chunks."""
    for values in queryset.values(*_VALUES).iterator(chunk_size=2000):
        row = _row(values)
        if row is not None:
            yield row


@dataclass(frozen=True)
class Totals:
    employers: int
    meeting: int

    @property
    def not_meeting(self) -> int:
        return self.employers - self.meeting


def disclosure_totals(queryset: QuerySet) -> Totals:
    result = queryset.aggregate(employers=Count("pk"), meeting=Count("pk", filter=Q(meets=True)))
    return Totals(result["employers"] or 0, result["meeting"] or 0)


@dataclass(frozen=True)
class YearSummary:
    year: int
    employers: int
    meeting: int

    @property
    def not_meeting(self) -> int:
        return self.employers - self.meeting


def approved_years() -> list[int]:
    """The levy years with at least one approved declaration, newest first (one query)."""
    years = (
        Declaration.objects.unscoped(reason=PUBLIC)
        .filter(state=DeclarationState.APPROVED)
        .order_by()
        .values_list("levy_year", flat=True)
        .distinct()
    )
    return sorted(set(years), reverse=True)


def disclosure_years() -> list[YearSummary]:
    """Every levy year with at least one disclosed declaration, newest first, with its totals."""
    summaries = []
    for year in approved_years():
        totals = disclosure_totals(_annotated(year))
        if totals.employers:
            summaries.append(YearSummary(year, totals.employers, totals.meeting))
    return summaries


def quota_ratios(year: int) -> list[Decimal]:
    """The quota ratios the approved decisions of ``year`` used (normally one: Beijing's 1.5 %)."""
    ratios = set()
    for decision in (
        Declaration.objects.unscoped(reason=PUBLIC)
        .filter(levy_year=year, state=DeclarationState.APPROVED)
        .order_by()
        .values_list("decision", flat=True)
    ):
        ratio = _decimal(((decision or {}).get("parameters") or {}).get("quota_ratio"))
        if ratio is not None:
            ratios.add(ratio.normalize())
    return sorted(ratios)


# ---------------------------------------------------------------------------------------------------
# Export writers (the pages and ``disclosure_write`` share them, so a download and a file are the same)


def write_credit_csv(handle, rows: Iterable[DisclosureRow]) -> int:
    """The credit-platform CSV: UTF-8 without a byte-order mark, a header of ``CREDIT_FIELDS``, CRLF line
    ends (RFC 4180), ``true``/``false`` for ``meets_quota``, an empty ``disclosed_on`` when unknown."""
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow(CREDIT_FIELDS)
    count = 0
    for row in rows:
        record = row.credit_record()
        record["meets_quota"] = "true" if record["meets_quota"] else "false"
        record["counted_disabled_employees"] = str(record["counted_disabled_employees"])
        record["disclosed_on"] = record["disclosed_on"] or ""
        writer.writerow([record[field] for field in CREDIT_FIELDS])
        count += 1
    return count


def credit_json(year: int, rows: Iterable[DisclosureRow]) -> str:
    """The credit-platform JSON document: ``{"schema": SCHEMA, "levy_year": year, "records": [...]}``."""
    document = {
        "schema": SCHEMA,
        "levy_year": year,
        "records": [row.credit_record() for row in rows],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _write_workbook(
    path: str | os.PathLike, sheets: list[tuple[str, tuple[str, ...], Iterable[tuple], dict[int, str]]]
) -> None:
    """An xlsx of plain sheets: a bold, frozen header row, then the rows; ``formats`` maps a column to a
    number format (others are text, as the other exports write them)."""
    workbook = xlsx.workbook(path)
    try:
        bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        text = workbook.add_format({"num_format": "@"})
        for name, header, rows, formats in sheets:
            sheet = workbook.add_worksheet(name)
            number_formats = {column: workbook.add_format({"num_format": f}) for column, f in formats.items()}
            for column in range(len(header)):
                sheet.set_column(column, column, 34 if column == 0 else 18)
            sheet.freeze_panes(1, 0)
            xlsx.write_row(sheet, 0, 0, header, bold)
            for index, row in enumerate(rows, start=1):
                for column, value in enumerate(row):
                    if value is None:
                        continue  # an empty cell (a member unit without a declaration has no number)
                    if column in number_formats and isinstance(value, int | float):
                        sheet.write_number(index, column, value, number_formats[column])
                    else:
                        sheet.write_string(index, column, str(value), text)
    finally:
        workbook.close()


def write_disclosure_xlsx(path: str | os.PathLike, year: int, rows: Iterable[DisclosureRow]) -> int:
    """The public spreadsheet: sheet 按比例就业公示 (the page's columns; numbers as numbers, the ratio
    with six decimals), and sheet 说明 (the year and the totals)."""
    counts = {"employers": 0, "meeting": 0}

    def data():
        for row in rows:
            counts["employers"] += 1
            counts["meeting"] += row.meets
            yield (
                row.name,
                row.uscc,
                row.employer_type_zh,
                float(row.headcount),
                row.counted,
                float(row.ratio),
                "是" if row.meets else "否",
            )

    def notes():
        yield ("公示年度", str(year))
        yield ("单位数", counts["employers"])
        yield ("达到规定比例的单位数", counts["meeting"])
        yield ("未达到规定比例的单位数", counts["employers"] - counts["meeting"])
        yield (
            "说明",
            "仅列出已审核的按比例就业年审申报；残疾人就业人数按规定折算（一、二级残疾人按2人计算）。",
        )

    _write_workbook(
        path,
        [
            ("按比例就业公示", DISCLOSURE_XLSX_HEADER, data(), {3: "0.00", 4: "0", 5: "0.000000"}),
            ("说明", ("项目", "内容"), notes(), {1: "0"}),
        ],
    )
    return counts["employers"]


def disclosure_write(year: int, fmt: str, out_path: str | os.PathLike) -> int:
    """Write the disclosure of ``year`` to ``out_path`` as ``fmt`` (csv, json or xlsx), atomically: the
    file appears complete or not at all. Returns the number of records (0 is a valid answer: nothing
    approved for that year yet). For the CLI (``xiaokang disclosure``) and the download pages."""
    if fmt not in FORMATS:
        raise DisclosureError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    rows = disclosure_rows(disclosure_queryset(year))
    with atomic_path(out_path) as tmp:
        if fmt == "xlsx":
            return write_disclosure_xlsx(tmp, year, rows)
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            if fmt == "csv":
                return write_credit_csv(handle, rows)
            records = list(rows)
            handle.write(credit_json(year, records))
            return len(records)


def credit_csv_text(year: int) -> str:
    buffer = io.StringIO(newline="")
    write_credit_csv(buffer, disclosure_rows(disclosure_queryset(year)))
    return buffer.getvalue()


def credit_json_text(year: int) -> str:
    return credit_json(year, disclosure_rows(disclosure_queryset(year)))


# ---------------------------------------------------------------------------------------------------
# Member units of the working committee (E3, T2): each employs at least one disabled person


MEETS = "meets"
BELOW = "below"
NO_DECLARATION = "none"


@dataclass(frozen=True)
class MemberUnitRow:
    uscc: str
    name: str
    employer_type: str
    street_name: str
    counted: int | None  # None: no approved declaration for the year
    pending: bool  # a declaration for the year awaits approval

    @property
    def employer_type_zh(self) -> str:
        return EMPLOYER_TYPE_ZH.get(self.employer_type, self.employer_type)

    @property
    def status(self) -> str:
        if self.counted is None:
            return NO_DECLARATION
        return MEETS if self.counted >= 1 else BELOW


@dataclass(frozen=True)
class MemberUnitTotals:
    units: int
    meeting: int
    without_declaration: int

    @property
    def below(self) -> int:
        return self.units - self.meeting - self.without_declaration


def member_units_for(actor: Actor) -> QuerySet:
    """The member units the actor sees: the district's for district staff, one street's for a street
    officer, none for anyone else."""
    return employers_for(actor).filter(committee_member=True)


def member_units(actor: Actor, year: int) -> tuple[list[MemberUnitRow], MemberUnitTotals]:
    """Every member unit in the actor's scope with its counted disabled employees of ``year`` (from the
    approved declaration), sorted by name; the totals are over the same units."""
    declarations = Declaration.objects.unscoped(reason=UNITS_OWN).filter(
        employer=OuterRef("pk"), levy_year=year
    )
    units = list(
        member_units_for(actor)
        .annotate(pending=Exists(declarations.exclude(state=DeclarationState.APPROVED)))
        .values_list("pk", "uscc", "name", "employer_type", "street__name", "pending")
        .order_by("name", "uscc")
    )
    approved = {}
    for employer_id, counted, decision in (
        Declaration.objects.unscoped(reason=UNITS_OWN)
        .filter(employer_id__in=[unit[0] for unit in units], levy_year=year, state=DeclarationState.APPROVED)
        .values_list("employer_id", "counted", "decision")
    ):
        if counted is None:
            figure = _decimal(((decision or {}).get("figures") or {}).get("counted"))
            counted = int(figure) if figure is not None else 0
        approved[employer_id] = counted
    rows = [
        MemberUnitRow(
            uscc=uscc,
            name=name,
            employer_type=employer_type,
            street_name=street_name,
            counted=approved.get(pk),
            pending=pending and pk not in approved,
        )
        for pk, uscc, name, employer_type, street_name, pending in units
    ]
    totals = MemberUnitTotals(
        units=len(rows),
        meeting=sum(row.status == MEETS for row in rows),
        without_declaration=sum(row.status == NO_DECLARATION for row in rows),
    )
    return rows, totals


def member_unit_years() -> list[int]:
    """The levy years any member unit declared for, newest first."""
    return sorted(
        set(
            Declaration.objects.unscoped(reason="the levy years member units declared for (no figures)")
            .filter(employer__committee_member=True)
            .order_by()
            .values_list("levy_year", flat=True)
            .distinct()
        ),
        reverse=True,
    )


def write_member_units_xlsx(
    path: str | os.PathLike, year: int, rows: list[MemberUnitRow], totals: MemberUnitTotals, area: str
) -> None:
    """The member units of ``year`` (sheet 成员单位) and their totals (sheet 合计), written atomically."""
    answer = {MEETS: "是", BELOW: "否", NO_DECLARATION: "无已审核申报"}
    data = (
        (row.name, row.uscc, row.employer_type_zh, row.street_name, row.counted, answer[row.status])
        for row in rows
    )
    summary = (
        ("年度", str(year)),
        ("范围", area),
        ("成员单位数", totals.units),
        ("至少安排1名残疾人就业的单位数", totals.meeting),
        ("已审核但未安排残疾人就业的单位数", totals.below),
        ("无已审核申报的单位数", totals.without_declaration),
    )
    with atomic_path(path) as tmp:
        _write_workbook(
            tmp,
            [
                ("成员单位", MEMBER_UNITS_XLSX_HEADER, data, {4: "0"}),
                ("合计", ("项目", "内容"), summary, {1: "0"}),
            ],
        )
