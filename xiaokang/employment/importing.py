"""Employers (E1): `xiaokang import employers`, the import page and the staff form, with the
person import's rules: all or nothing, every error naming its row and column (the header as written in
the file) in Chinese and English, the same report and exit codes, idempotent (a re-import changes
nothing). Upsert by 统一社会信用代码; every write audited.

The file is read by the person import's reader (``registry.importing.reader.read_table``) and validated
column-wise with its collector (``registry.importing.validate``): one message per cell, the first rule
that failed. A form is a one-row file, so a form and a file can never disagree.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.db import transaction

from xiaokang.accounts.actors import Actor, scope_of
from xiaokang.audit.services import Event, log_action, log_actions
from xiaokang.core import safe_text
from xiaokang.core.identifiers import USCC_SHAPE, IdentifierError, parse_uscc, uscc_check_expr
from xiaokang.core.models import Area, AreaLevel
from xiaokang.employment.models import EMPLOYER_TYPE_ZH, Employer
from xiaokang.employment.selectors import employers_for
from xiaokang.policies.engine.facts import EMPLOYER_TYPE_VALUES
from xiaokang.registry.importing.columns import Column
from xiaokang.registry.importing.reader import read_table
from xiaokang.registry.importing.validate import YES_NO_VALUES, _Collector, _mapped, _msg
from xiaokang.registry.selectors import area_directory
from xiaokang.registry.services import ImportNotAllowed, ImportReport

EMPLOYER_COLUMNS: tuple[Column, ...] = (
    Column(
        "uscc",
        "统一社会信用代码",
        True,
        None,
        "18位数字或大写字母（GB 32100-2015，含校验位）",
        "18 digits or capital letters (GB 32100-2015, with its check character)",
    ),
    Column("name", "单位名称", True, None, "文本，最多200字", "text, at most 200 characters"),
    Column(
        "type",
        "单位类型",
        True,
        None,
        "企业 机关 事业单位 社会团体 民办非企业单位",
        "企业 机关 事业单位 社会团体 民办非企业单位, or enterprise government_organ public_institution "
        "social_organization private_non_enterprise",
    ),
    Column("state_owned", "是否国有", False, "否", "是 否", "是 (yes) 否 (no)"),
    Column("street", "所在街道", True, None, "名称，或9位/12位代码", "name, or the 9- or 12-digit code"),
    Column("committee_member", "残工委成员单位", False, "否", "是 否", "是 (yes) 否 (no)"),
)
EMPLOYER_HEADERS = {c.field: c.zh for c in EMPLOYER_COLUMNS}
NAME_MAX = 200
# The model's fields an import row sets (the upsert compares them).
MODEL_FIELDS = ("name", "employer_type", "state_owned", "street_id", "committee_member")
UNKNOWN_COLUMN = "未知列，已忽略 / unknown column, ignored"
REQUIRED = _msg("必填", "required")
OUTSIDE = "不属于您负责的区域（{}） / outside your area ({})"
CHUNK = 5000


def _rule_message(code: str) -> str:
    """The scalar validator's own words for a rule (core.identifiers is the reference)."""
    try:
        parse_uscc(code)
    except IdentifierError as error:
        return str(error)
    raise AssertionError(code)


USCC_FORMAT = _rule_message("")
USCC_CHECK = _rule_message("0" * 17 + "1")  # the right check character of seventeen 0s is 0


@dataclass
class EmployerValidation:
    rows: pl.DataFrame  # row, uscc, name, employer_type, state_owned, street_id, committee_member
    errors: pl.DataFrame  # row, column (header as in the file), message


def validate_employers(frame: pl.DataFrame, headers: dict[str, str], actor: Actor) -> EmployerValidation:
    """Every rule column-wise over ``frame`` (text columns named by field, plus ``__row``)."""
    for column in EMPLOYER_COLUMNS:  # optional columns absent from the file: every cell empty
        if column.field not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias(column.field))
    headers = {**EMPLOYER_HEADERS, **headers}
    street_codes = area_directory().street_codes
    street_ids = dict(Area.objects.filter(level=AreaLevel.STREET).values_list("code", "pk"))
    uscc = pl.col("uscc").str.to_uppercase()
    frame = frame.with_columns(
        uscc.alias("_uscc"),
        uscc.str.contains(USCC_SHAPE).fill_null(False).alias("_uscc_shape"),
        uscc_check_expr(uscc).alias("_uscc_valid"),
        _mapped("type", EMPLOYER_TYPE_VALUES).alias("_type"),
        _mapped("state_owned", YES_NO_VALUES, "否").alias("_state_owned"),
        _mapped("committee_member", YES_NO_VALUES, "否").alias("_member"),
        pl.col("street").replace_strict(street_codes, default=None, return_dtype=pl.Utf8).alias("_street"),
    )
    duplicates = (
        frame.filter(pl.col("_uscc").is_not_null() & pl.col("_uscc").is_duplicated())
        .group_by("_uscc")
        .agg(pl.col("__row").sort().cast(pl.Utf8).str.join("、").alias("_dup_rows"))
    )
    frame = frame.join(duplicates, on="_uscc", how="left", maintain_order="left")

    c = _Collector(frame, headers)
    for column in EMPLOYER_COLUMNS:
        if column.required:
            c.add(column.field, pl.col(column.field).is_null(), REQUIRED)
    # Shape first (18 characters of the code's alphabet), then the check character (GB 32100-2015 §4.2).
    c.add("uscc", ~pl.col("_uscc_shape"), USCC_FORMAT)
    c.add("uscc", ~pl.col("_uscc_valid"), USCC_CHECK)
    c.add(
        "uscc",
        pl.col("_dup_rows").is_not_null(),
        pl.format(
            "同一文件中统一社会信用代码重复（第{}行） / "
            "the same credit code appears more than once in the file (rows {})",
            pl.col("_dup_rows"),
            pl.col("_dup_rows"),
        ),
    )
    c.add(
        "name",
        pl.col("name").str.len_chars() > NAME_MAX,
        _msg(f"超过{NAME_MAX}字", f"longer than {NAME_MAX} characters"),
    )
    # As in the person import (U11, core.safe_text): no text that a spreadsheet would run as a formula,
    # no control characters (exports stay safe).
    c.add(
        "name",
        pl.col("name").str.contains(safe_text.FORMULA_START),
        _msg(safe_text.FORMULA_START_ZH, safe_text.FORMULA_START_EN),
    )
    c.add(
        "name",
        pl.col("name").str.contains(safe_text.CONTROL),
        _msg(safe_text.CONTROL_ZH, safe_text.CONTROL_EN),
    )
    c.add(
        "type",
        pl.col("_type").is_null(),
        pl.format(
            "未知单位类型“{}”，应为企业、机关、事业单位、社会团体或民办非企业单位 / "
            "unknown employer type “{}”: expected 企业, 机关, 事业单位, 社会团体 or 民办非企业单位 "
            "(or enterprise, government_organ …)",
            pl.col("type"),
            pl.col("type"),
        ),
    )
    for name in ("state_owned", "committee_member"):
        target = "_state_owned" if name == "state_owned" else "_member"
        c.add(
            name,
            pl.col(target).is_null(),
            pl.format(
                "未知值“{}”，应为是或否 / unknown value “{}”, expected 是 or 否", pl.col(name), pl.col(name)
            ),
        )
    c.add(
        "street",
        pl.col("_street").is_null(),
        pl.format(
            "海淀区没有街道乡镇“{}” / no street or town “{}” in Haidian", pl.col("street"), pl.col("street")
        ),
    )
    _add_scope_errors(c, actor)
    rows = c.frame.select(
        pl.col("__row").alias("row"),
        pl.col("_uscc").alias("uscc"),
        pl.col("name"),
        pl.col("_type").alias("employer_type"),
        (pl.col("_state_owned") == "1").alias("state_owned"),
        pl.col("_street").replace_strict(street_ids, default=None, return_dtype=pl.Int64).alias("street_id"),
        (pl.col("_member") == "1").alias("committee_member"),
    )
    return EmployerValidation(rows=rows, errors=c.result())


def _add_scope_errors(c: _Collector, actor: Actor) -> None:
    """A street officer's rows must be employers of their street (the person pages' rule, GB/T 22239-2019
    8.1.4.2): a row of another street, and a row that would change an employer registered in another street,
    are errors."""
    scope = scope_of(actor)
    if scope.kind == "all":
        return
    if scope.kind != "street":
        raise ImportNotAllowed("您的角色不能修改用人单位 / your role cannot change employers")
    area = Area.objects.get(pk=scope.area_id)
    outside = OUTSIDE.format(area.name, area.code)
    c.add("street", pl.col("_street").is_not_null() & (pl.col("_street") != area.code), outside)
    codes = c.frame.filter(pl.col("_uscc_valid")).get_column("_uscc").unique().to_list()
    elsewhere: list[str] = []
    for start in range(0, len(codes), CHUNK):
        elsewhere += (
            Employer.objects.unscoped(reason="a credit code is registered once, in any street")
            .filter(uscc__in=codes[start : start + CHUNK])
            .exclude(street_id=area.pk)
            .values_list("uscc", flat=True)
        )
    if elsewhere:
        c.add("uscc", pl.col("_uscc").is_in(elsewhere), outside)


# ---------------------------------------------------------------------------------------------------
# Writing


@dataclass
class _Plan:
    creates: list[Employer] = field(default_factory=list)
    updates: list[tuple[Employer, dict]] = field(default_factory=list)  # employer, {field: [old, new]}
    unchanged: int = 0


def _plan(rows: pl.DataFrame) -> _Plan:
    codes = rows.get_column("uscc").to_list()
    existing: dict[str, Employer] = {}
    for start in range(0, len(codes), CHUNK):
        existing.update(
            (e.uscc, e)
            for e in Employer.objects.unscoped(
                reason="a credit code is registered once, in any street"
            ).filter(uscc__in=codes[start : start + CHUNK])
        )
    plan = _Plan()
    for row in rows.iter_rows(named=True):
        values = {name: row[name] for name in MODEL_FIELDS}
        employer = existing.get(row["uscc"])
        if employer is None:
            plan.creates.append(Employer(uscc=row["uscc"], **values))
            continue
        changes = {
            name: [getattr(employer, name), value]
            for name, value in values.items()
            if getattr(employer, name) != value
        }
        if not changes:
            plan.unchanged += 1
            continue
        for name, (_old, new) in changes.items():
            setattr(employer, name, new)
        plan.updates.append((employer, changes))
    return plan


def _street_codes() -> dict[int, str]:
    return dict(Area.objects.filter(level=AreaLevel.STREET).values_list("pk", "code"))


def _audit_values(values: dict, codes: dict[int, str]) -> dict:
    """Field → value as the audit trail records it: the street by its code (``codes``: street id →
    code), not its row id; a change ``[old, new]`` stays a pair."""
    out = dict(values)
    if "street_id" in out:
        street = out.pop("street_id")
        out["street"] = [codes.get(v) for v in street] if isinstance(street, list) else codes.get(street)
    return out


def _apply(plan: _Plan, *, actor: Actor, source: str) -> None:
    """Writes the plan inside the caller's transaction, one audit event per employer created or changed."""
    Employer.objects.bulk_create(plan.creates, batch_size=CHUNK)
    Employer.objects.unscoped(reason="import: the employers the plan changes").bulk_update(
        [employer for employer, _changes in plan.updates], list(MODEL_FIELDS), batch_size=CHUNK
    )
    created = (
        dict(
            Employer.objects.unscoped(reason="import: the employers just created")
            .filter(uscc__in=[e.uscc for e in plan.creates])
            .values_list("uscc", "pk")
        )
        if plan.creates
        else {}
    )
    codes = _street_codes()
    events = [
        Event(
            "employer.create",
            "employer",
            str(created[e.uscc]),
            details={
                "uscc": e.uscc,
                "values": _audit_values({name: getattr(e, name) for name in MODEL_FIELDS}, codes),
                "source": source,
            },
        )
        for e in plan.creates
    ]
    events += [
        Event(
            "employer.update",
            "employer",
            str(e.pk),
            details={"uscc": e.uscc, "changes": _audit_values(changes, codes), "source": source},
        )
        for e, changes in plan.updates
    ]
    if events:
        log_actions(actor, events)


def _no_progress(stage: str) -> None:
    return None


def employers_import(
    *,
    actor: Actor,
    path: str | os.PathLike,
    dry_run: bool = False,
    progress: Callable[[str], None] = _no_progress,
    file_name: str | None = None,
) -> ImportReport:
    """Import an employer file all or nothing. Raises ``FileRejected`` for an unusable file (exit 2).
    ``file_name``: the name the audit records when ``path`` is an upload stored under a random name."""
    sheet = read_table(path, EMPLOYER_COLUMNS)
    progress("validating")
    report = ImportReport(
        rows=sheet.frame.height,
        warnings=[{"row": 1, "column": name, "message": UNKNOWN_COLUMN} for name in sheet.unknown_columns],
    )
    validation = validate_employers(sheet.frame, sheet.headers, actor)
    progress("writing")
    if validation.errors.height:
        report.errors = validation.errors.to_dicts()
        return report
    name = file_name or Path(path).name
    with transaction.atomic():
        plan = _plan(validation.rows)
        report.created, report.updated = len(plan.creates), len(plan.updates)
        report.unchanged = plan.unchanged
        if dry_run:
            return report
        _apply(plan, actor=actor, source="import")
        report.written = True
        log_action(
            actor,
            "employer.import",
            object_type="file",
            object_id=name[:64],
            details={
                "file": name,
                "sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest(),
                "rows": report.rows,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
            },
        )
    return report


# ---------------------------------------------------------------------------------------------------
# One employer (the staff form)


@dataclass
class EmployerSaveResult:
    employer: Employer | None
    errors: list[dict]  # [{"field", "column", "message"}], empty when saved


def employer_values(employer: Employer) -> dict[str, str]:
    """An employer in the import format (field → text): what the edit form starts from."""
    return {
        "uscc": employer.uscc,
        "name": employer.name,
        "type": EMPLOYER_TYPE_ZH[employer.employer_type],
        "state_owned": "是" if employer.state_owned else "否",
        "street": employer.street.name,
        "committee_member": "是" if employer.committee_member else "否",
    }


def employer_save(
    *, actor: Actor, employer: Employer | None = None, values: dict[str, str], source: str = "form"
) -> EmployerSaveResult:
    """Create (``employer`` None) or change one employer from import-format values, validated exactly as a
    row of the import file (the same messages) and audited. Changing the credit code to one another
    employer has, or creating an employer whose code is registered, is an error."""
    fields = [c.field for c in EMPLOYER_COLUMNS]
    unknown = sorted(set(values) - set(fields))
    if unknown:
        return EmployerSaveResult(
            employer, [{"field": f, "column": f, "message": "未知字段 / unknown field"} for f in unknown]
        )
    if employer is not None:
        if not employers_for(actor).filter(pk=employer.pk).exists():
            raise ImportNotAllowed("不属于您负责的区域 / outside your area")
        values = {**employer_values(employer), **values}
    frame = pl.DataFrame(
        {f: [(values.get(f) or "").strip() or None] for f in fields}, schema={f: pl.Utf8 for f in fields}
    ).with_columns(pl.lit(2, dtype=pl.Int64).alias("__row"))
    validation = validate_employers(frame, EMPLOYER_HEADERS, actor)
    by_header = {c.zh: c.field for c in EMPLOYER_COLUMNS}
    errors = [
        {"field": by_header.get(e["column"], e["column"]), "column": e["column"], "message": e["message"]}
        for e in validation.errors.to_dicts()
    ]
    if errors:
        return EmployerSaveResult(employer, errors)
    row = validation.rows.row(0, named=True)
    with transaction.atomic():
        taken = Employer.objects.unscoped(reason="a credit code is registered once, in any street").filter(
            uscc=row["uscc"]
        )
        if employer is not None:
            taken = taken.exclude(pk=employer.pk)
        if taken.exists():
            return EmployerSaveResult(
                employer,
                [
                    {
                        "field": "uscc",
                        "column": EMPLOYER_HEADERS["uscc"],
                        "message": "该统一社会信用代码已登记 / this credit code is already registered",
                    }
                ],
            )
        new_values = {"uscc": row["uscc"], **{name: row[name] for name in MODEL_FIELDS}}
        if employer is None:
            employer = Employer.objects.create(**new_values)
            log_action(
                actor,
                "employer.create",
                object_type="employer",
                object_id=employer.pk,
                details={
                    "uscc": employer.uscc,
                    "values": _audit_values(new_values, _street_codes()),
                    "source": source,
                },
            )
            return EmployerSaveResult(employer, [])
        changes = {
            name: [getattr(employer, name), value]
            for name, value in new_values.items()
            if getattr(employer, name) != value
        }
        if changes:
            old_code = employer.uscc
            for name, (_old, new) in changes.items():
                setattr(employer, name, new)
            employer.save()
            log_action(
                actor,
                "employer.update",
                object_type="employer",
                object_id=employer.pk,
                details={
                    "uscc": old_code,
                    "changes": _audit_values(changes, _street_codes()),
                    "source": source,
                },
            )
    return EmployerSaveResult(employer, [])
