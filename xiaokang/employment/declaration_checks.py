"""The registry check of a declaration's disabled employees (E1; 财税〔2015〕72号 art. 7).

For levy year Y (last year's figures, Y−1), a listed employee is **counted** only if

1. the certificate number's holder (its first 18 characters, the ID number) is a person in the
   registry (``certificate_not_found`` otherwise);
2. the person's certificate in force on 31 December of Y−1 — the latest of their certificates issued on
   or before that day, revoked ones left out — has the listed category and grade, and that day is before
   its 10th anniversary (``certificate_not_valid``: not yet issued, expired, replaced by a certificate of
   another category or grade, or revoked);
3. the labour contract is at least 12 months (``contract_too_short``), the pay at least the local minimum
   wage (``below_minimum_wage``) and social insurance paid in full (``insurance_not_paid``);
4. no other employer counts them for the same year: when two or more open declarations would each count
   the person, every one of them is a ``conflict`` (``listed_by_other_employer``) until staff choose the
   declaration that counts them; the others then get ``counted_for_other_employer``, as does a later
   declaration of a person already counted by an approved one.

A counted employee of grade 1 or 2 (the levy policy's ``double_count_max_grade``) counts as two persons.

This module computes; ``declarations.py`` writes (with the audit trail) and calls it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F

from xiaokang.accounts.actors import SystemActor
from xiaokang.core import crypto
from xiaokang.core.bilingual import bilingual
from xiaokang.core.dates import anniversary
from xiaokang.core.identifiers import CertificateNumber, parse_certificate_number
from xiaokang.employment.models import (
    ConflictResolution,
    Declaration,
    DeclarationState,
    DeclaredEmployee,
    EmployeeCheck,
)
from xiaokang.policies.engine.employers import LEVY_POLICY, levy_day
from xiaokang.policies.engine.loader import policies
from xiaokang.registry.models import CERTIFICATE_VALID_YEARS, Certificate
from xiaokang.registry.selectors import persons_for
from xiaokang.registry.vocabulary import CATEGORY_BY_CODE, CertificateStatus

# 财税〔2015〕72号 art. 7: a labour contract (or service agreement) of at least one year.
MIN_CONTRACT_MONTHS = 12
# Grade 1–2 certificate holders count as two persons (art. 7), unless the levy policy says otherwise.
DEFAULT_DOUBLE_COUNT_MAX_GRADE = 2

# Problem codes: machine ids stored on the row (';'-separated), each with its words for people.
PROBLEMS: dict[str, tuple[str, str]] = {
    "certificate_not_found": (
        "登记库中没有此残疾人证号的持证人",
        "no person in the registry holds this certificate number",
    ),
    "certificate_not_valid": (
        "上年12月31日此证不在有效期内（尚未发证、已过期、已换发为其他类别或等级，或已注销）",
        "the certificate was not valid on 31 December of the year before (not yet issued, expired, "
        "replaced by another category or grade, or revoked)",
    ),
    "contract_too_short": ("劳动合同期限不足1年", "the labour contract is shorter than one year"),
    "below_minimum_wage": ("工资低于本市最低工资标准", "paid less than the local minimum wage"),
    "insurance_not_paid": ("未足额缴纳社会保险", "social insurance not paid in full"),
    "listed_by_other_employer": (
        "另一单位同年的申报也列有此人，待区残联核定计入哪一单位",
        "another employer's declaration for the same year lists this person too: district staff decide "
        "which one counts them",
    ),
    "counted_for_other_employer": ("此人已计入另一单位", "this person is counted for another employer"),
}
# The codes that come from other declarations (recomputed together, across employers).
CROSS_EMPLOYER_PROBLEMS = ("listed_by_other_employer", "counted_for_other_employer")


def problem_text(code: str) -> str:
    """``"中文 / English"`` for a problem code (``core.language.in_page_language`` picks the half)."""
    zh, en = PROBLEMS.get(code, (code, code))
    return bilingual(zh, en)


def reference_day(levy_year: int) -> dt.date:
    """The day the figures and the certificates are judged on: 31 December of the year before."""
    return dt.date(levy_year - 1, 12, 31)


def double_count_max_grade(levy_year: int) -> int:
    """The highest grade that counts as two persons: the levy policy's ``double_count_max_grade`` on the
    day whose parameters decide levy year Y (``policies.employers.levy_day``), or 2 (art. 7) when the
    policy does not set it."""
    policy = policies().get(LEVY_POLICY)
    if policy is None or "double_count_max_grade" not in policy.parameters:
        return DEFAULT_DOUBLE_COUNT_MAX_GRADE
    return int(policy.parameters_on(levy_day(levy_year))["double_count_max_grade"])


def mask_certificate(cert: CertificateNumber) -> str:
    """``110108********002X41``: the ID number's mask, then category, grade and reissue suffix."""
    return crypto.mask_id_number(cert.id_number) + cert.number[18:]


def certificate_of(employee: DeclaredEmployee) -> CertificateNumber:
    return parse_certificate_number(crypto.decrypt(employee.certificate_encrypted))


@dataclass
class RowCheck:
    """What the registry says about one listed employee, before other employers are considered."""

    person_id: int | None
    grade: int | None
    problems: list[str]


def certificate_in_force(certificates: list[Certificate], day: dt.date) -> Certificate | None:
    """The person's certificate on ``day``: the latest issued on or before it, revoked ones left out."""
    issued = [c for c in certificates if c.status != CertificateStatus.REVOKED and c.issued_on <= day]
    if not issued:
        return None
    # Same issue date: the one still active wins, then the later row.
    return max(issued, key=lambda c: (c.issued_on, c.status == CertificateStatus.ACTIVE, c.pk))


def check_rows(rows: list[tuple[CertificateNumber, int, bool, bool]], levy_year: int) -> list[RowCheck]:
    """The registry check of ``rows`` (certificate, contract months, minimum wage met, insurance paid),
    in order. The registry is read district-wide: an employee may live anywhere."""
    day = reference_day(levy_year)
    indexes = crypto.blind_index_many([cert.id_number for cert, *_ in rows])
    persons = {
        person.id_number_index: person
        for person in persons_for(SystemActor("declaration check"))
        .filter(id_number_index__in=set(indexes))
        .prefetch_related("certificates")
    }
    results = []
    for (cert, contract_months, minimum_wage_met, insurance_paid), index in zip(rows, indexes, strict=True):
        problems = []
        person = persons.get(index)
        grade = None
        if person is None:
            problems.append("certificate_not_found")
        else:
            current = certificate_in_force(list(person.certificates.all()), day)
            valid = (
                current is not None
                and current.category == CATEGORY_BY_CODE.get(cert.category_code)
                and current.grade == cert.grade
                and day < anniversary(current.issued_on, CERTIFICATE_VALID_YEARS)
            )
            if valid:
                grade = current.grade
            else:
                problems.append("certificate_not_valid")
        if contract_months < MIN_CONTRACT_MONTHS:
            problems.append("contract_too_short")
        if not minimum_wage_met:
            problems.append("below_minimum_wage")
        if not insurance_paid:
            problems.append("insurance_not_paid")
        results.append(RowCheck(person.pk if person else None, grade, problems))
    return results


def recheck_rows(employees: list[DeclaredEmployee], levy_year: int) -> list[DeclaredEmployee]:
    """Run the registry check on stored rows: person, grade and their own problems set on the objects
    (not saved); the outcome is ``settle``'s. Returns the rows whose check changed."""
    checks = check_rows(
        [
            (certificate_of(e), e.contract_months, e.minimum_wage_met, e.social_insurance_paid)
            for e in employees
        ],
        levy_year,
    )
    changed = []
    for employee, check in zip(employees, checks, strict=True):
        kept = [code for code in employee.problem_codes if code in CROSS_EMPLOYER_PROBLEMS]
        before = (employee.person_id, employee.grade, employee.problems)
        employee.person_id = check.person_id
        employee.grade = check.grade
        employee.problems = ";".join(check.problems + kept)
        if (employee.person_id, employee.grade, employee.problems) != before:
            changed.append(employee)
    return changed


def _own_problems(employee: DeclaredEmployee) -> list[str]:
    return [code for code in employee.problem_codes if code not in CROSS_EMPLOYER_PROBLEMS]


def settle(levy_year: int, holder_indexes: set[str]) -> set[int]:
    """Decide the outcome of every open row of ``levy_year`` listing one of these persons, across
    employers (rule 4 above), and save the rows that change. Returns the ids of the declarations whose
    rows changed (their versions are increased here, so that a page read before is stale)."""
    if not holder_indexes:
        return set()
    double_max = double_count_max_grade(levy_year)
    rows = list(
        DeclaredEmployee.objects.filter(
            declaration__levy_year=levy_year, holder_index__in=holder_indexes
        ).select_related("declaration")
    )
    by_person: dict[str, list[DeclaredEmployee]] = defaultdict(list)
    for row in rows:
        by_person[row.holder_index].append(row)
    person_ids = {row.person_id for row in rows if row.person_id}
    chosen = dict(
        ConflictResolution.objects.filter(levy_year=levy_year, person_id__in=person_ids).values_list(
            "person_id", "declaration_id"
        )
    )
    changed: list[DeclaredEmployee] = []
    for group in by_person.values():
        open_rows = [r for r in group if r.declaration.state == DeclarationState.SUBMITTED]
        counted_elsewhere = any(
            r.declaration.state == DeclarationState.APPROVED and r.outcome == EmployeeCheck.COUNTED
            for r in group
        )
        qualifying = [r for r in open_rows if r.person_id and not _own_problems(r)]
        winner = None
        if not counted_elsewhere and len(qualifying) == 1:
            winner = qualifying[0]
        elif not counted_elsewhere and qualifying:
            choice = chosen.get(qualifying[0].person_id)
            winner = next((r for r in qualifying if r.declaration_id == choice), None)
        for row in open_rows:
            own = _own_problems(row)
            if own:
                outcome, extra = EmployeeCheck.NOT_COUNTED, []
            elif row is winner:
                outcome, extra = EmployeeCheck.COUNTED, []
            elif counted_elsewhere or winner is not None:
                outcome, extra = EmployeeCheck.NOT_COUNTED, ["counted_for_other_employer"]
            else:
                outcome, extra = EmployeeCheck.CONFLICT, ["listed_by_other_employer"]
            counts_as = (
                (2 if (row.grade or 9) <= double_max else 1) if outcome == EmployeeCheck.COUNTED else 0
            )
            problems = ";".join(own + extra)
            if (row.outcome, row.counts_as, row.problems) != (outcome, counts_as, problems):
                row.outcome, row.counts_as, row.problems = outcome, counts_as, problems
                changed.append(row)
    DeclaredEmployee.objects.bulk_update(changed, ["outcome", "counts_as", "problems"])
    declaration_ids = {row.declaration_id for row in changed}
    if declaration_ids:
        Declaration.objects.unscoped(reason="recheck: the declarations whose rows changed").filter(
            pk__in=declaration_ids
        ).update(version=F("version") + 1)
    return declaration_ids
