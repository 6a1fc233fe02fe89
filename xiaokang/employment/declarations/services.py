"""The declaration services (E1): submit, recheck, correct, resolve a conflict, approve. Each is
keyword-only, takes the ``actor``, runs in one transaction with its audit event and writes nothing when it
refuses (``DeclarationError``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from xiaokang.accounts.actors import Actor, actor_label
from xiaokang.audit.services import log_action
from xiaokang.core import crypto
from xiaokang.core.capabilities import can
from xiaokang.core.errors import FieldError
from xiaokang.employment.declaration_checks import (
    mask_certificate,
    recheck_rows,
    settle,
)
from xiaokang.employment.declarations.columns import (
    DEFAULT_DECLARATION_WINDOW,
    FIRST_LEVY_YEAR,
    MAX_CONTRACT_MONTHS,
    MAX_HEADCOUNT,
    MAX_WAGES,
)
from xiaokang.employment.declarations.errors import DeclarationError, _error, _refuse
from xiaokang.employment.declarations.parsing import (
    DeclarationCorrection,
    EmployeeInput,
    _clean_employees,
    _decimal,
    _months,
    _yes_no,
)
from xiaokang.employment.models import (
    ConflictResolution,
    Declaration,
    DeclarationChange,
    DeclarationState,
    DeclaredEmployee,
    EmployeeCheck,
    Employer,
)
from xiaokang.employment.selectors import employers_for
from xiaokang.policies.engine.employers import decide_levy, employer_record


def _month_day(year: int, text: str) -> dt.date:
    month, day = (int(part) for part in text.split("-"))
    return dt.date(year, month, day)


def declaration_window(levy_year: int) -> tuple[dt.date, dt.date]:
    """First and last day of the declaration window of ``levy_year`` (settings.XIAOKANG_DECLARATION_WINDOW,
    default 1 March – 31 October)."""
    start, end = getattr(settings, "XIAOKANG_DECLARATION_WINDOW", DEFAULT_DECLARATION_WINDOW)
    return _month_day(levy_year, start), _month_day(levy_year, end)


def _check_dates(levy_year, submitted_on, record_outside_window: bool, errors: list[FieldError]) -> bool:
    """Check the levy year and the day submitted; True when that day is outside the window (allowed
    only when staff say so: ``record_outside_window``)."""
    today = timezone.localdate()
    if not isinstance(levy_year, int) or not FIRST_LEVY_YEAR <= levy_year <= today.year:
        errors.append(
            _error(
                f"征收年度应在{FIRST_LEVY_YEAR}年至今年之间 / the levy year must be from {FIRST_LEVY_YEAR} "
                f"to this year",
                "levy_year",
            )
        )
        return False
    if not isinstance(submitted_on, dt.date):
        errors.append(_error("请填写申报日期 / enter the day it was submitted", "submitted_on"))
        return False
    if submitted_on > today:
        errors.append(
            _error("申报日期不能晚于今天 / the day submitted cannot be in the future", "submitted_on")
        )
        return False
    if submitted_on.year < levy_year:
        errors.append(
            _error(
                f"申报日期不能早于{levy_year}年1月1日（上年数据尚未完整） / the day submitted cannot be "
                f"before 1 January {levy_year} (last year's figures were not complete)",
                "submitted_on",
            )
        )
        return False
    start, end = declaration_window(levy_year)
    outside = not start <= submitted_on <= end
    if outside and not record_outside_window:
        errors.append(
            _error(
                f"申报日期不在申报期{start:%Y-%m-%d}至{end:%Y-%m-%d}内；确认后可作为期外申报登记 / the day "
                f"submitted is outside the declaration window {start:%Y-%m-%d} to {end:%Y-%m-%d}: confirm "
                f"to record it as a declaration outside the window",
                "submitted_on",
            )
        )
    return outside


# ---------------------------------------------------------------------------------------------------
# Permissions, locking


def _may_write(actor: Actor, employer: Employer, capability: str) -> bool:
    """``actor`` may do ``capability`` (core.capabilities) and the employer is in their area."""
    return can(actor, capability) and employers_for(actor).filter(pk=employer.pk).exists()


def _lock_year(levy_year: int) -> None:
    """Serialise the writes of one levy year: the cross-employer check reads other employers' rows.
    SQLite: the write transaction (BEGIN IMMEDIATE) already holds the database's only write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"xiaokang.declarations.{levy_year}"]
            )


def _stale(declaration: Declaration) -> DeclarationError:
    return DeclarationError(
        [
            _error(
                f"申报已被他人修改（当前版本 {declaration.version}），请刷新后重试 / the declaration changed "
                f"since you read it (version {declaration.version} now): reload it and try again",
                "version",
            )
        ],
        "stale",
    )


def _claim(declaration: Declaration, version: int, **values) -> None:
    """Move to the next version if the row still has ``version`` and is open (one conditional UPDATE):
    of two officers acting at once, one wins and the other gets a conflict."""
    updated = (
        Declaration.objects.unscoped(reason="compare-and-set of a declaration read through its gate")
        .filter(pk=declaration.pk, version=version, state=DeclarationState.SUBMITTED)
        .update(version=F("version") + 1, **values)
    )
    if not updated:
        declaration.refresh_from_db()
        raise _stale(declaration)


# ---------------------------------------------------------------------------------------------------
# The registry check, stored


def _encrypted_rows(declaration: Declaration, inputs: list[EmployeeInput]) -> list[DeclaredEmployee]:
    tokens = crypto.encrypt_many([item.certificate.number for item in inputs])
    indexes = crypto.blind_index_many([item.certificate.id_number for item in inputs])
    return [
        DeclaredEmployee(
            declaration=declaration,
            certificate_encrypted=token,
            certificate_masked=mask_certificate(item.certificate),
            holder_index=index,
            contract_months=item.contract_months,
            minimum_wage_met=item.minimum_wage_met,
            social_insurance_paid=item.social_insurance_paid,
        )
        for item, token, index in zip(inputs, tokens, indexes, strict=True)
    ]


def _check_and_settle(declaration: Declaration, extra_indexes: set[str] = frozenset()) -> set[int]:
    """Re-run the registry check of every row of ``declaration`` and settle the outcome of the persons
    it lists (and of ``extra_indexes``: persons it no longer lists) across employers. Returns the other
    declarations whose rows changed."""
    employees = list(declaration.employees.order_by("pk"))
    changed = recheck_rows(employees, declaration.levy_year)
    DeclaredEmployee.objects.bulk_update(changed, ["person", "grade", "problems"])
    indexes = {employee.holder_index for employee in employees} | set(extra_indexes)
    return settle(declaration.levy_year, indexes) - {declaration.pk}


def _summary(declaration: Declaration) -> dict:
    employees = list(declaration.employees.values_list("outcome", "counts_as"))
    return {
        "employees": len(employees),
        "counted": sum(1 for outcome, _ in employees if outcome == EmployeeCheck.COUNTED),
        "counted_persons": sum(counts for _, counts in employees),
        "conflicts": sum(1 for outcome, _ in employees if outcome == EmployeeCheck.CONFLICT),
    }


# ---------------------------------------------------------------------------------------------------
# Services


def declaration_submit(
    *,
    actor: Actor,
    employer: Employer,
    levy_year: int,
    headcount,
    total_wages,
    submitted_on: dt.date,
    employees: list[dict],
    record_outside_window: bool = False,
) -> Declaration:
    """Record an employer's declaration for ``levy_year`` and run the registry check. ``employees``:
    dicts of ``certificate_number``, ``contract_months``, ``minimum_wage_met``, ``social_insurance_paid``
    (and optionally ``row``, the number errors name), e.g. from ``declaration_employees_from_file``."""
    if not _may_write(actor, employer, "declaration.write"):
        _refuse("您无权为此单位登记申报 / you may not record declarations for this employer", "employer")
    errors: list[FieldError] = []
    count = _decimal(headcount, "headcount", maximum=MAX_HEADCOUNT, positive=True, errors=errors)
    wages = _decimal(total_wages, "total_wages", maximum=MAX_WAGES, positive=False, errors=errors)
    outside = _check_dates(levy_year, submitted_on, record_outside_window, errors)
    inputs, employee_errors = _clean_employees(list(employees))
    errors += employee_errors
    one_per_year = Declaration.objects.unscoped(reason="one declaration per employer and levy year")
    if not errors and one_per_year.filter(employer=employer, levy_year=levy_year).exists():
        errors.append(_duplicate_error(levy_year))
    if errors:
        raise DeclarationError(errors)
    try:
        with transaction.atomic():
            _lock_year(levy_year)
            declaration = Declaration.objects.create(
                employer=employer,
                levy_year=levy_year,
                headcount=count,
                total_wages=wages,
                submitted_on=submitted_on,
                outside_window=outside,
            )
            DeclaredEmployee.objects.bulk_create(_encrypted_rows(declaration, inputs))
            others = _check_and_settle(declaration)
            declaration.refresh_from_db()
            log_action(
                actor,
                "declaration.submit",
                object_type="declaration",
                object_id=declaration.pk,
                details={
                    "employer": employer.uscc,
                    "levy_year": levy_year,
                    "headcount": str(count),
                    "total_wages": str(wages),
                    "submitted_on": submitted_on.isoformat(),
                    "outside_window": outside,
                    **_summary(declaration),
                    "other_declarations_changed": sorted(others),
                },
            )
    except IntegrityError:
        # Another officer recorded this employer's declaration for the year at the same moment.
        raise DeclarationError([_duplicate_error(levy_year)]) from None
    return declaration


def _duplicate_error(levy_year: int) -> FieldError:
    return _error(
        f"此单位{levy_year}年度的申报已登记，请更正该申报 / this employer's declaration for {levy_year} is "
        f"already recorded: correct that one",
        "levy_year",
    )


def declaration_recheck(*, actor: Actor, declaration: Declaration) -> dict:
    """Run the registry check again (after the registry changed); an approved declaration stays fixed.
    Returns the counts after the check."""
    if not _may_write(actor, declaration.employer, "declaration.write"):
        _refuse("您无权核查此申报 / you may not check this declaration")
    with transaction.atomic():
        _lock_year(declaration.levy_year)
        declaration.refresh_from_db()
        if declaration.state != DeclarationState.SUBMITTED:
            _refuse("申报已核定，不再核查 / the declaration is approved: it is not checked again", "state")
        before = list(declaration.employees.order_by("pk").values_list("pk", "outcome", "problems"))
        others = _check_and_settle(declaration)
        after = list(declaration.employees.order_by("pk").values_list("pk", "outcome", "problems"))
        summary = _summary(declaration)
        log_action(
            actor,
            "declaration.recheck",
            object_type="declaration",
            object_id=declaration.pk,
            details={
                **summary,
                "rows_changed": sum(1 for b, a in zip(before, after, strict=True) if b != a),
                "other_declarations_changed": sorted(others),
            },
        )
        declaration.refresh_from_db()
    return summary


def _yes_no_text(value: bool) -> str:
    return "是 / yes" if value else "否 / no"


def _employee_text(employee: DeclaredEmployee | EmployeeInput) -> str:
    contract = employee.contract_months
    wage = "是" if employee.minimum_wage_met else "否"
    insurance = "是" if employee.social_insurance_paid else "否"
    wage_en = "yes" if employee.minimum_wage_met else "no"
    insurance_en = "yes" if employee.social_insurance_paid else "no"
    return (
        f"合同{contract}个月，不低于最低工资：{wage}，足额社保：{insurance} / contract {contract} months, "
        f"minimum wage: {wage_en}, insurance paid: {insurance_en}"
    )


@dataclass
class _Change:
    field: str
    old: str
    new: str
    subject: str = ""


def declaration_correct(
    *,
    actor: Actor,
    declaration: Declaration,
    version: int,
    changes: DeclarationCorrection | dict,
    reason: str,
) -> Declaration:
    """Correct a declaration that is not yet approved, on the version the officer read. ``changes``: a
    ``DeclarationCorrection`` (new ``headcount`` and ``total_wages``, employees to ``add``, row ids to
    ``remove``, ``change``: {row id: EmployeeChange}); the older nested dict is still taken
    (``DeclarationCorrection.from_dict``). Each change is kept (``DeclarationChange``, old and new, with
    the reason), then the registry check runs again."""
    if isinstance(changes, dict):
        changes = DeclarationCorrection.from_dict(changes)
    reason = (reason or "").strip()
    employer = declaration.employer
    if not _may_write(actor, employer, "declaration.write"):
        _refuse("您无权更正此申报 / you may not correct this declaration")
    if declaration.state != DeclarationState.SUBMITTED:
        _refuse("申报已核定，不能更正 / the declaration is approved: it cannot be corrected", "state")
    if version != declaration.version:
        raise _stale(declaration)
    errors: list[FieldError] = []
    if not reason:
        errors.append(_error("请填写更正原因 / enter the reason for the correction", "reason"))
    elif len(reason) > 500:
        errors.append(_error("原因最多500字 / at most 500 characters", "reason"))
    planned: list[_Change] = []
    figures = {}
    given = changes.figures()
    for name, maximum, positive in (
        ("headcount", MAX_HEADCOUNT, True),
        ("total_wages", MAX_WAGES, False),
    ):
        if name in given:
            value = _decimal(given[name], name, maximum=maximum, positive=positive, errors=errors)
            if value is not None and value != getattr(declaration, name):
                figures[name] = value
                planned.append(_Change(name, str(getattr(declaration, name)), str(value)))
    rows = {employee.pk: employee for employee in declaration.employees.order_by("pk")}
    removed = []
    for pk in changes.remove:
        employee = rows.get(int(pk))
        if employee is None:
            errors.append(_error("没有这一行 / no such row", "employees"))
            continue
        removed.append(employee)
        planned.append(_Change("employee_removed", _employee_text(employee), "", employee.certificate_masked))
    updated: list[DeclaredEmployee] = []
    for pk, change in changes.change.items():
        values = change.given()
        employee = rows.get(int(pk))
        if employee is None or employee in removed:
            continue
        dirty = False
        if "contract_months" in values:
            months = _months(values["contract_months"])
            if months is None:
                errors.append(
                    _error(
                        f"应为1至{MAX_CONTRACT_MONTHS}的整数月数 / a whole number of months from 1 to "
                        f"{MAX_CONTRACT_MONTHS}",
                        f"employees.{pk}.contract_months",
                    )
                )
            elif months != employee.contract_months:
                planned.append(
                    _Change(
                        "employee.contract_months",
                        str(employee.contract_months),
                        str(months),
                        employee.certificate_masked,
                    )
                )
                employee.contract_months, dirty = months, True
        for name in ("minimum_wage_met", "social_insurance_paid"):
            if name not in values:
                continue
            flag = _yes_no(values[name])
            if flag is None:
                errors.append(_error("应填“是”或“否” / write 是 (yes) or 否 (no)", f"employees.{pk}.{name}"))
            elif flag != getattr(employee, name):
                planned.append(
                    _Change(
                        f"employee.{name}",
                        _yes_no_text(getattr(employee, name)),
                        _yes_no_text(flag),
                        employee.certificate_masked,
                    )
                )
                setattr(employee, name, flag)
                dirty = True
        if dirty:
            updated.append(employee)
    kept = [employee for employee in rows.values() if employee not in removed]
    taken = {}
    for employee in kept:
        number = crypto.decrypt(employee.certificate_encrypted)[:18]
        taken[number] = (f"已列的{employee.certificate_masked}", f"the listed {employee.certificate_masked}")
    added, add_errors = _clean_employees(list(changes.add), taken=taken)
    errors += [replace(error, field=f"employees.add.{error.field}") for error in add_errors]
    for item in added:
        planned.append(
            _Change("employee_added", "", _employee_text(item), mask_certificate(item.certificate))
        )
    if errors:
        raise DeclarationError(errors)
    if not planned:
        _refuse("没有需要更正的内容 / nothing was changed", "changes", kind="invalid")
    with transaction.atomic():
        _lock_year(declaration.levy_year)
        _claim(declaration, version, **figures)
        old_indexes = {employee.holder_index for employee in removed}
        DeclaredEmployee.objects.filter(pk__in=[employee.pk for employee in removed]).delete()
        DeclaredEmployee.objects.bulk_update(
            updated, ["contract_months", "minimum_wage_met", "social_insurance_paid"]
        )
        DeclaredEmployee.objects.bulk_create(_encrypted_rows(declaration, added))
        label = actor_label(actor)
        DeclarationChange.objects.bulk_create(
            [
                DeclarationChange(
                    declaration=declaration,
                    actor=_user(actor),
                    actor_label=label,
                    field=change.field,
                    subject=change.subject,
                    old_value=change.old,
                    new_value=change.new,
                    reason=reason,
                )
                for change in planned
            ]
        )
        declaration.refresh_from_db()
        others = _check_and_settle(declaration, old_indexes)
        log_action(
            actor,
            "declaration.correct",
            object_type="declaration",
            object_id=declaration.pk,
            details={
                "reason": reason,
                "changes": [
                    {"field": c.field, "subject": c.subject, "old": c.old, "new": c.new} for c in planned
                ],
                **_summary(declaration),
                "other_declarations_changed": sorted(others),
            },
        )
        declaration.refresh_from_db()
    return declaration


def _user(actor: Actor):
    return actor if getattr(actor, "pk", None) else None


def conflict_resolve(
    *,
    actor: Actor,
    person,
    levy_year: int,
    declaration: Declaration,
    reason: str = "",
) -> Declaration:
    """Staff decide that ``declaration`` counts ``person`` for ``levy_year``; the other declarations
    listing them in conflict get ``not_counted`` (``counted_for_other_employer``). Recorded as a change on
    every declaration concerned, and audited. District staff only: the employers may be in different
    streets."""
    if not can(actor, "declaration.resolve_conflict"):
        _refuse("只有区级工作人员可以核定 / only district staff decide which employer counts a person")
    reason = (reason or "").strip()[
        :500
    ] or "核定计入的单位 / staff decided which employer counts this person"
    with transaction.atomic():
        _lock_year(levy_year)
        rows = list(
            DeclaredEmployee.objects.filter(
                declaration__levy_year=levy_year,
                person=person,
                outcome=EmployeeCheck.CONFLICT,
                declaration__state=DeclarationState.SUBMITTED,
            ).select_related("declaration__employer")
        )
        if not any(row.declaration_id == declaration.pk for row in rows):
            _refuse(
                "此人在该申报中没有待核定的冲突（可能已被他人处理） / this person is not in conflict on this "
                "declaration (someone may have resolved it already)",
                "declaration",
                kind="stale",
            )
        ConflictResolution.objects.update_or_create(
            person=person,
            levy_year=levy_year,
            defaults={
                "declaration": declaration,
                "resolved_by": _user(actor),
                "actor_label": actor_label(actor),
            },
        )
        settle(levy_year, {row.holder_index for row in rows})
        chosen = declaration.employer
        label = actor_label(actor)
        DeclarationChange.objects.bulk_create(
            [
                DeclarationChange(
                    declaration_id=row.declaration_id,
                    actor=_user(actor),
                    actor_label=label,
                    field="conflict_resolved",
                    subject=row.certificate_masked,
                    old_value="与另一单位冲突 / listed by another employer",
                    new_value="计入本单位 / counted here"
                    if row.declaration_id == declaration.pk
                    else f"计入{chosen.name}（{chosen.uscc}） / counted for {chosen.name} ({chosen.uscc})",
                    reason=reason,
                )
                for row in rows
            ]
        )
        log_action(
            actor,
            "declaration.conflict_resolve",
            object_type="declaration",
            object_id=declaration.pk,
            person_id=person.pk,
            details={
                "levy_year": levy_year,
                "counted_by": declaration.pk,
                "not_counted_by": sorted(
                    row.declaration_id for row in rows if row.declaration_id != declaration.pk
                ),
                "reason": reason,
            },
        )
    declaration.refresh_from_db()
    return declaration


def declaration_approve(*, actor: Actor, declaration: Declaration, version: int) -> Declaration:
    """Approve a declaration on the version the officer read and fix its levy: the levy policy's decision
    for the employer's figures and counted employees (grade 1–2 and grade 3–4), stored with the
    parameters it used. Refused while any employee is in conflict. District staff only."""
    employer = declaration.employer
    if not _may_write(actor, employer, "declaration.approve"):
        _refuse("只有区级工作人员可以核定申报 / only district staff approve declarations")
    if declaration.state != DeclarationState.SUBMITTED:
        _refuse("申报已核定 / the declaration is already approved", "state")
    if version != declaration.version:
        raise _stale(declaration)
    with transaction.atomic():
        _lock_year(declaration.levy_year)
        employees = list(declaration.employees.values_list("outcome", "counts_as"))
        conflicts = sum(1 for outcome, _ in employees if outcome == EmployeeCheck.CONFLICT)
        if conflicts:
            _refuse(
                f"有{conflicts}名残疾职工与其他单位冲突，须先核定 / {conflicts} employee(s) are listed by "
                f"another employer too: resolve that first",
                "conflicts",
            )
        # The check already weighed each employee (counts_as: 2 up to the policy's double_count_max_grade,
        # else 1); the levy's facts are those two groups.
        counted = [weight for outcome, weight in employees if outcome == EmployeeCheck.COUNTED]
        record = employer_record(
            employer_type=employer.employer_type,
            state_owned=employer.state_owned,
            headcount=declaration.headcount,
            total_wages=declaration.total_wages,
            disabled_grade_1_2=sum(1 for weight in counted if weight == 2),
            disabled_grade_3_4=sum(1 for weight in counted if weight == 1),
        )
        decision = decide_levy(record, declaration.levy_year)
        _claim(
            declaration,
            version,
            state=DeclarationState.APPROVED,
            counted=int(decision.counted),
            levy_fen=decision.levy_fen,
            reduction=decision.reduction,
            exempt=decision.exempt,
            decision=decision.as_json(),
            approved_at=timezone.now(),
            approved_by=_user(actor),
        )
        declaration.refresh_from_db()
        log_action(
            actor,
            "declaration.approve",
            object_type="declaration",
            object_id=declaration.pk,
            details={
                "employer": employer.uscc,
                "levy_year": declaration.levy_year,
                "counted": declaration.counted,
                "levy_fen": declaration.levy_fen,
                "reduction": str(declaration.reduction),
                "exempt": declaration.exempt,
                "policy_version": declaration.decision.get("version", ""),
            },
        )
    return declaration
