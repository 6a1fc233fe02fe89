"""Registry writes: every change to persons, households and certificates goes through a service here,
inside one transaction, recording history (R6)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xiaokang.accounts.actors import Actor, scope_of
from xiaokang.audit.services import Event, log_action, log_actions
from xiaokang.core import crypto
from xiaokang.core.bulk import fetch_in
from xiaokang.core.errors import FieldError, ServiceError
from xiaokang.core.importing import FileRejected, Report
from xiaokang.core.models import Area
from xiaokang.core.ratelimit import Limit, attempt
from xiaokang.registry.importing import apply as apply_
from xiaokang.registry.importing.columns import BY_FIELD, PERSON_COLUMNS
from xiaokang.registry.importing.persons import PERSONS
from xiaokang.registry.importing.validate import validate_persons
from xiaokang.registry.models import Household, HouseholdHardship, Person
from xiaokang.registry.selectors import area_directory
from xiaokang.registry.vocabulary import HardshipCause


class ImportNotAllowed(PermissionError):
    pass


# The import framework's report, under the name the registry has always used.
ImportReport = Report


# The one answer to a row whose person is, or would be, outside the user's area (U11; PIPL art. 10): the
# same words whether the person is registered in another street, in none, or the row names another area,
# so that staff cannot learn where (or whether) an ID number is registered. The district moves a person
# between areas (a transfer, registry.transfers).
OUT_OF_AREA = (
    "此人不能在您的辖区登记，由区残联办理；如此人已迁入您的辖区，请申请转移 / "
    "this person cannot be registered here; the district office handles it "
    "(if the person has moved to your area, request a transfer)"
)
OUT_OF_AREA_LIMIT_KEY = "registry-out-of-area:user:{}"


class OutOfAreaLimitReached(FileRejected):
    """Too many rows refused as outside the user's area within the window (U11: refusals are rate-limited
    so that the refusals cannot be used to find where ID numbers are registered)."""

    def __init__(self):
        super().__init__(
            "您近期被拒绝的辖区外记录过多，本次操作已拒绝，请稍后再试或联系区残联",
            "too many records outside your area were refused recently: this request is refused; "
            "try again later or ask the district office",
        )


@dataclass
class _ScopeCheck:
    errors: pl.DataFrame  # row, column, message (OUT_OF_AREA)
    refused: list[tuple[int, str, int | None]]  # (row, ID blind index, the person it matched or None)


def out_of_area_limit() -> Limit:
    attempts, minutes = settings.XIAOKANG_OUT_OF_AREA_RATE_LIMIT
    return Limit(attempts=attempts, window=dt.timedelta(minutes=minutes))


def _scope_check(actor: Actor, rows: pl.DataFrame, headers: dict[str, str]) -> _ScopeCheck | None:
    """Rows outside the actor's area are errors (U11): a street officer's rows must name their street,
    a community worker's their community, and (R5) a row whose ID number matches a person registered
    outside the actor's area is refused in the same words: the area written in the file never decides
    where an existing record lives. None for a district-wide actor."""
    scope = scope_of(actor)
    if scope.kind == "all":
        return None
    if scope.kind not in ("street", "community"):
        raise ImportNotAllowed("您的角色不能修改登记信息 / your role cannot change the registry")
    area = Area.objects.get(pk=scope.area_id)
    column, field = ("street", "street_code") if scope.kind == "street" else ("community", "community_code")
    indexes = crypto.blind_index_many(rows.get_column("id_number").fill_null("").to_list())
    area_column = "street_id" if scope.kind == "street" else "community_id"
    existing = {
        index: (person_id, area_id)
        for index, person_id, area_id in fetch_in(
            f"SELECT id_number_index, id, {area_column} FROM registry_person "  # noqa: S608 (constant)
            "WHERE id_number_index IN ({in_})",
            sorted(set(indexes)),
        )
    }
    matched = [existing.get(index) for index in indexes]
    # A household is shared by its members: a row naming a household with a member outside the area
    # would change (or join) another area's household, so it is refused in the same words.
    keys = sorted(set(rows.get_column("household").drop_nulls().to_list()))
    foreign_households = {
        key
        for (key,) in fetch_in(
            "SELECT DISTINCT h.key FROM registry_household h JOIN registry_person p "  # noqa: S608 (constants)
            f"ON p.household_id = h.id WHERE p.{area_column} <> {int(area.pk)} AND h.key IN ({{in_}})",
            keys,
        )
    }
    frame = rows.select("row", *dict.fromkeys([field, "street_code", "household"])).with_columns(
        pl.Series("_id_index", indexes, dtype=pl.Utf8),
        pl.Series("_person", [m[0] if m else None for m in matched], dtype=pl.Int64),
        pl.Series("_elsewhere", [bool(m and m[1] != area.pk) for m in matched], dtype=pl.Boolean),
    )
    frame = frame.with_columns(
        (pl.col("_elsewhere") | pl.col("household").is_in(list(foreign_households))).alias("_elsewhere")
    )
    flagged = frame.filter(pl.col(field).is_null() | (pl.col(field) != area.code) | pl.col("_elsewhere"))
    errors = flagged.select(
        "row",
        pl.lit(headers.get(column, BY_FIELD[column].zh)).alias("column"),
        pl.lit(OUT_OF_AREA).alias("message"),
    )
    # Counted and audited: the rows whose area the file names correctly (an unknown street has its own
    # error, which hides this one), where the neutral answer is what the user sees.
    refused = flagged.filter(pl.col("street_code").is_not_null()).select("row", "_id_index", "_person")
    return _ScopeCheck(errors=errors, refused=[tuple(r) for r in refused.iter_rows()])


def record_out_of_area_refusals(
    actor: Actor, refused: list[tuple[int, str, int | None]], *, source: str
) -> None:
    """Audit each out-of-area row (the ID number's blind index, never the number) and count it against
    the user's allowance; beyond it the whole call is refused (``OutOfAreaLimitReached``), audited too."""
    if not refused:
        return
    key = OUT_OF_AREA_LIMIT_KEY.format(getattr(actor, "pk", None) or actor.username)
    if not attempt([key], {key: out_of_area_limit()}, weight=len(refused)):
        log_action(
            actor,
            "registry.out_of_area_limited",
            object_type="user",
            object_id=str(getattr(actor, "pk", "") or ""),
            details={"rows": len(refused), "source": source},
        )
        raise OutOfAreaLimitReached
    log_actions(
        actor,
        [
            Event(
                "registry.out_of_area",
                "person",
                "" if person_id is None else str(person_id),
                person_id,
                {"row": row, "id_index": id_index, "source": source},
            )
            for row, id_index, person_id in refused
        ],
    )


def _no_progress(stage: str) -> None:
    return None


def persons_import(
    *,
    actor: Actor,
    path: str | os.PathLike,
    dry_run: bool = False,
    source: str = "import",
    progress: Callable[[str], None] = _no_progress,
    file_name: str | None = None,
) -> ImportReport:
    """Import a person file all-or-nothing (R5): the person dataset (``importing.persons.PERSONS``) through
    the import framework. Raises ``FileRejected`` for an unusable file. ``progress(stage)`` is called as
    each stage finishes (for the CLI's progress bar); ``file_name`` is the name the audit records when
    ``path`` is not the user's own (an upload stored under a random name)."""
    return PERSONS.load(
        actor=actor, path=path, dry_run=dry_run, source=source, progress=progress, file_name=file_name
    )


def _plan_and_apply(
    rows: pl.DataFrame, *, actor: Actor, dry_run: bool, source: str, report: ImportReport
) -> ImportReport:
    return PERSONS.save(rows, PERSONS.context(actor=actor, source=source, dry_run=dry_run), report)


def persons_save_rows(*, actor: Actor, rows: pl.DataFrame, source: str) -> ImportReport:
    """Write rows already in the validated format (the synthetic seed): the same plan/apply path."""
    report = ImportReport(rows=rows.height)
    return _plan_and_apply(rows, actor=actor, dry_run=False, source=source, report=report)


class RegistryError(ServiceError, ValueError):
    """A registry change that breaks a rule (a ServiceError); the message is in Chinese and English."""

    def __init__(self, message: str, *, field: str = "", kind: str = "invalid"):
        super().__init__(kind, [FieldError(field, message)])


@transaction.atomic
def household_hardship_record(
    *,
    actor: Actor,
    household_key: str,
    cause: str,
    started_on: dt.date,
    ended_on: dt.date | None = None,
    note: str = "",
) -> HouseholdHardship:
    """Record a hardship cause of a household with its dates (R4: 因灾、因病、因学 …)."""
    from xiaokang.registry.selectors import persons_for

    if cause not in HardshipCause.values:
        raise RegistryError(f"未知困难原因 {cause} / unknown hardship cause {cause}")
    if ended_on is not None and ended_on < started_on:
        raise RegistryError("结束日期早于开始日期 / ended before it started")
    if started_on > timezone.localdate():
        raise RegistryError("开始日期晚于今天 / starts in the future")
    # The household must have a member the actor may see: scope applies to households through persons.
    household = Household.objects.filter(
        key=household_key, pk__in=persons_for(actor).values("household_id")
    ).first()
    if household is None:
        raise RegistryError(f"家庭 {household_key} 不存在 / no household {household_key}")
    return HouseholdHardship.objects.create(
        household=household, cause=cause, started_on=started_on, ended_on=ended_on, note=note
    )


@dataclass
class PersonSaveResult:
    person_id: int | None
    errors: list[dict]  # [{"field": …, "column": …, "message": …}], empty when saved
    # Set when ``expected_version`` no longer matched: someone else saved first; nothing was written.
    conflict_version: int | None = None
    # Set when the user's allowance of out-of-area refusals is used up (U11): the call itself is refused.
    limited: bool = False


def person_values(*, actor: Actor, person_id: int) -> dict[str, str]:
    """A person's current record in the import format (field → text, full numbers): what an edit form or
    a partial API update starts from. The caller has passed ``selectors.person_for`` already."""
    from xiaokang.registry.exporting import person_rows, rows_to_import_frame

    frame = person_rows(actor=actor, person_ids=[person_id], full=True)
    if frame.height != 1:
        raise Person.DoesNotExist(person_id)
    row = rows_to_import_frame(frame).row(0, named=True)
    by_zh = {c.zh: c.field for c in PERSON_COLUMNS}
    return {by_zh[header]: ("" if value is None else str(value)) for header, value in row.items()}


def person_save(
    *,
    actor: Actor,
    values: dict[str, str],
    person_id: int | None = None,
    source: str = "form",
    expected_version: int | None = None,
) -> PersonSaveResult:
    """Create (``person_id`` None) or update one person from import-format values, validated exactly as
    an import row is (R5: a form validates as the import does) and written through the same
    plan/apply path, with history and audit. An update cannot change the ID number."""
    fields = {c.field for c in PERSON_COLUMNS}
    unknown = set(values) - fields
    if unknown:
        return PersonSaveResult(
            None, [{"field": f, "column": f, "message": "未知字段 / unknown field"} for f in sorted(unknown)]
        )
    if person_id is not None:
        current = person_values(actor=actor, person_id=person_id)
        if "id_number" in values and values["id_number"].strip().upper() != current["id_number"]:
            return PersonSaveResult(
                person_id,
                [
                    {
                        "field": "id_number",
                        "column": "公民身份号码",
                        "message": "公民身份号码不能修改 / the ID number cannot be changed",
                    }
                ],
            )
        values = {**current, **values}
    frame = pl.DataFrame({f: [values.get(f) or None] for f in fields}, schema={f: pl.Utf8 for f in fields})
    frame = frame.with_columns(pl.all().str.strip_chars().replace("", None))
    frame = frame.with_columns(pl.lit(2, dtype=pl.Int64).alias("__row"))
    headers = {c.field: c.zh for c in PERSON_COLUMNS}
    validation = validate_persons(frame, headers, area_directory(), today=timezone.localdate())
    errors = validation.errors
    scope = _scope_check(actor, validation.rows, headers)
    if scope is not None and scope.errors.height:
        try:
            record_out_of_area_refusals(actor, scope.refused, source=source)
        except OutOfAreaLimitReached as refused:
            return PersonSaveResult(
                person_id, [{"field": "__all__", "column": "", "message": str(refused)}], limited=True
            )
        errors = pl.concat([errors, scope.errors]).unique(
            subset=["row", "column"], keep="first", maintain_order=True
        )
    if errors.height:
        by_zh = {c.zh: c.field for c in PERSON_COLUMNS}
        return PersonSaveResult(
            person_id,
            [
                {"field": by_zh.get(e["column"], e["column"]), "column": e["column"], "message": e["message"]}
                for e in errors.to_dicts()
            ],
        )
    report = ImportReport(rows=1)
    with transaction.atomic():
        if person_id is not None and expected_version is not None:
            # Optimistic concurrency: the row is locked for the check and the write (PostgreSQL: FOR
            # UPDATE; SQLite: the write transaction holds the only write lock), so of two officers who
            # opened version n, exactly one saves and the other is told.
            version = (
                Person.objects.unscoped(reason="lock the person the caller opened through its gate")
                .select_for_update()
                .filter(pk=person_id)
                .values_list("version", flat=True)
                .get()
            )
            if version != expected_version:
                return PersonSaveResult(person_id, [], conflict_version=version)
        plan = apply_.plan(validation.rows)
        if person_id is None and plan.created != 1:
            return PersonSaveResult(
                None,
                [
                    {
                        "field": "id_number",
                        "column": "公民身份号码",
                        "message": "该公民身份号码已登记 / this ID number is already registered",
                    }
                ],
            )
        apply_.apply(plan, actor=actor, source=source)
        report.written = True
    saved = Person.objects.unscoped(reason="the person just written").get(
        id_number_index=plan.rows.get_column("id_index")[0]
    )
    return PersonSaveResult(saved.pk, [])
