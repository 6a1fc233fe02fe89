"""Annual quota declarations (E1): the registry check of every listed employee, persons listed
by two employers, corrections with their history and optimistic versions, scope, approval fixing the
levy, and nothing written on invalid input; then the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from tests.helpers import STREET_A, STREET_B, make_id, person_row, write_csv
from xiaokang.accounts.models import User
from xiaokang.audit.models import AuditEvent
from xiaokang.core.errors import FieldError
from xiaokang.core.models import Area
from xiaokang.employment.declaration_checks import double_count_max_grade, problem_text
from xiaokang.employment.declaration_selectors import conflicts_for, declarations_for
from xiaokang.employment.declarations import (
    DeclarationCorrection,
    DeclarationError,
    EmployeeChange,
    conflict_resolve,
    declaration_approve,
    declaration_correct,
    declaration_employees_from_file,
    declaration_employees_from_text,
    declaration_recheck,
    declaration_submit,
)
from xiaokang.employment.models import (
    ConflictResolution,
    Declaration,
    DeclarationChange,
    DeclaredEmployee,
    Employer,
)
from xiaokang.registry.models import Person
from xiaokang.registry.services import persons_import

pytestmark = pytest.mark.django_db

YEAR = 2025
SUBMITTED = dt.date(2025, 3, 10)
EMPLOYER_CODES = ("91110108551385082Q", "911101087263523737", "91110108MA01CXYZ1F")


# ---------------------------------------------------------------------------------------------------
# Fixtures


def _id(n: int) -> str:
    return person_row(n)["公民身份号码"]


@pytest.fixture
def registry(tmp_path, system_actor):
    """Persons with the certificates the rules look at (levy year 2025: judged on 2024-12-31)."""
    rows = [
        person_row(1),  # physical grade 1, issued 2020-01-01: valid, counts as two
        person_row(2, 残疾等级="三级", 残疾人证号=_id(2) + "43"),  # grade 3: counts as one
        person_row(3, 发证日期="2014-12-31"),  # 10th anniversary 2024-12-31: expired that day
        person_row(4, 发证日期="2015-01-01"),  # anniversary 2025-01-01: still valid on 2024-12-31
        person_row(5, 发证日期="2025-01-01"),  # issued after 2024-12-31
        person_row(6, 残疾等级="四级", 残疾人证号=_id(6) + "44"),  # grade 4
        person_row(7, 残疾等级="三级", 残疾人证号=_id(7) + "43", 街道乡镇="中关村街道"),
    ]
    persons_import(actor=system_actor, path=write_csv(tmp_path / "persons.csv", rows))
    return {n: Person.objects.unscoped(reason="test").get(name=f"测试{n}") for n in range(1, 8)}


def _employer(n: int, street_code: str = STREET_A, **values) -> Employer:
    return Employer.objects.create(
        uscc=EMPLOYER_CODES[n],
        name=f"单位{n}",
        employer_type=values.pop("employer_type", "enterprise"),
        street=Area.objects.get(code=street_code),
        **values,
    )


@pytest.fixture
def employers(db):
    return [_employer(0), _employer(1), _employer(2, STREET_B)]


def employee(number: str, months=36, wage=True, insurance=True) -> dict:
    return {
        "certificate_number": number,
        "contract_months": months,
        "minimum_wage_met": wage,
        "social_insurance_paid": insurance,
    }


def cert(n: int, suffix: str = "41") -> str:
    return _id(n) + suffix


def submit(actor, employer, employees, *, year=YEAR, headcount="100", wages="10000000", **kwargs):
    return declaration_submit(
        actor=actor,
        employer=employer,
        levy_year=year,
        headcount=Decimal(headcount),
        total_wages=Decimal(wages),
        submitted_on=kwargs.pop("submitted_on", dt.date(year, 3, 10)),
        employees=employees,
        **kwargs,
    )


def correct(actor, declaration, changes, *, reason="更正"):
    """A correction of ``declaration`` as it was read (its version then)."""
    return declaration_correct(
        actor=actor, declaration=declaration, version=declaration.version, changes=changes, reason=reason
    )


def rows_of(declaration) -> list[DeclaredEmployee]:
    return list(declaration.employees.order_by("pk"))


# ---------------------------------------------------------------------------------------------------
# The registry check


def test_each_outcome_of_the_registry_check(registry, employers, li_district_officer):
    declaration = submit(
        li_district_officer,
        employers[0],
        [
            employee(cert(1)),  # valid grade 1
            employee(cert(2, "43")),  # valid grade 3
            employee(make_id("11010819800101001") + "41"),  # nobody in the registry
            employee(cert(3)),  # expired on 2024-12-31 (its 10th anniversary)
            employee(cert(4)),  # valid on its last day
            employee(cert(5)),  # issued 2025-01-01, after the day
            employee(cert(6, "43")),  # the registry says grade 4: another grade
            employee(cert(7, "43"), months=11),
            employee(make_id("11010819800101002") + "41", wage=False),
        ],
    )
    rows = rows_of(declaration)
    outcomes = [(r.outcome, r.problems, r.counts_as, r.grade) for r in rows]
    assert outcomes[0] == ("counted", "", 2, 1)
    assert outcomes[1] == ("counted", "", 1, 3)
    assert outcomes[2] == ("not_counted", "certificate_not_found", 0, None)
    assert outcomes[3] == ("not_counted", "certificate_not_valid", 0, None)
    assert outcomes[4] == ("counted", "", 2, 1)
    assert outcomes[5] == ("not_counted", "certificate_not_valid", 0, None)
    assert outcomes[6] == ("not_counted", "certificate_not_valid", 0, None)
    assert outcomes[7] == ("not_counted", "contract_too_short", 0, 3)
    assert outcomes[8][1] == "certificate_not_found;below_minimum_wage"
    assert rows[0].person_id == registry[1].pk and rows[2].person_id is None


def test_every_problem_is_listed_with_words(registry, employers, li_district_officer):
    declaration = submit(
        li_district_officer, employers[0], [employee(cert(1), months=6, wage=False, insurance=False)]
    )
    (row,) = rows_of(declaration)
    assert row.problem_codes == ["contract_too_short", "below_minimum_wage", "insurance_not_paid"]
    assert problem_text("insurance_not_paid") == "未足额缴纳社会保险 / social insurance not paid in full"


def test_the_certificate_number_is_not_stored_in_clear(registry, employers, li_district_officer):
    declaration = submit(li_district_officer, employers[0], [employee(cert(1))])
    (row,) = rows_of(declaration)
    assert _id(1) not in row.certificate_encrypted
    assert row.certificate_masked == _id(1)[:6] + "********" + _id(1)[-4:] + "41"
    assert row.holder_index == registry[1].id_number_index
    event = AuditEvent.objects.get(action="declaration.submit")
    assert _id(1) not in str(event.details)


def test_grade_1_and_2_count_twice_per_the_levy_policy():
    assert double_count_max_grade(2025) == 2


def test_recheck_after_the_registry_changed(registry, employers, li_district_officer, tmp_path, system_actor):
    declaration = submit(li_district_officer, employers[0], [employee(cert(5))])
    assert rows_of(declaration)[0].outcome == "not_counted"
    # The certificate's issue date corrected in the registry: valid on 2024-12-31 now.
    persons_import(actor=system_actor, path=write_csv(tmp_path / "fix.csv", [person_row(5)]))
    version = Declaration.objects.unscoped(reason="test").get().version
    summary = declaration_recheck(actor=li_district_officer, declaration=declaration)
    assert summary["counted"] == 1
    assert rows_of(declaration)[0].outcome == "counted"
    assert Declaration.objects.unscoped(reason="test").get().version > version
    assert AuditEvent.objects.filter(action="declaration.recheck").count() == 1


# ---------------------------------------------------------------------------------------------------
# Persons listed by two employers


def test_a_person_on_two_declarations_is_a_conflict_on_both(registry, employers, li_district_officer):
    first = submit(li_district_officer, employers[0], [employee(cert(1)), employee(cert(2, "43"))])
    assert [r.outcome for r in rows_of(first)] == ["counted", "counted"]
    version = Declaration.objects.unscoped(reason="test").get(pk=first.pk).version
    second = submit(li_district_officer, employers[1], [employee(cert(1))])
    first.refresh_from_db()
    assert first.version > version  # the first changed: a page read before is stale
    assert [(r.outcome, r.problems) for r in rows_of(first)] == [
        ("conflict", "listed_by_other_employer"),
        ("counted", ""),
    ]
    assert [(r.outcome, r.problems, r.counts_as) for r in rows_of(second)] == [
        ("conflict", "listed_by_other_employer", 0)
    ]
    groups = conflicts_for(li_district_officer, YEAR)
    assert [(g.person_id, len(g.rows)) for g in groups] == [(registry[1].pk, 2)]


def test_a_person_who_would_not_count_anyway_is_no_conflict(registry, employers, li_district_officer):
    first = submit(li_district_officer, employers[0], [employee(cert(1))])
    second = submit(li_district_officer, employers[1], [employee(cert(1), months=6)])
    assert rows_of(first)[0].outcome == "counted"
    assert rows_of(second)[0].problems == "contract_too_short"


def test_approval_waits_for_the_resolution_which_counts_them_once(registry, employers, li_district_officer):
    first = submit(li_district_officer, employers[0], [employee(cert(1))])
    second = submit(li_district_officer, employers[1], [employee(cert(1))])
    first.refresh_from_db()
    with pytest.raises(DeclarationError) as refused:
        declaration_approve(actor=li_district_officer, declaration=first, version=first.version)
    assert refused.value.kind == "illegal" and refused.value.errors[0]["field"] == "conflicts"
    assert Declaration.objects.unscoped(reason="test").get(pk=first.pk).state == "submitted"

    conflict_resolve(actor=li_district_officer, person=registry[1], levy_year=YEAR, declaration=second)
    assert [(r.outcome, r.counts_as) for r in rows_of(second)] == [("counted", 2)]
    assert [(r.outcome, r.problems) for r in rows_of(first)] == [
        ("not_counted", "counted_for_other_employer")
    ]
    for declaration in (first, second):
        change = DeclarationChange.objects.get(declaration=declaration)
        assert change.field == "conflict_resolved" and change.subject == rows_of(first)[0].certificate_masked
    event = AuditEvent.objects.get(action="declaration.conflict_resolve")
    assert event.person_id == registry[1].pk
    assert conflicts_for(li_district_officer, YEAR) == []

    # The resolution holds when the declarations are checked again.
    first.refresh_from_db()
    declaration_recheck(actor=li_district_officer, declaration=first)
    assert rows_of(second)[0].outcome == "counted"
    assert rows_of(first)[0].outcome == "not_counted"

    second.refresh_from_db()
    approved = declaration_approve(actor=li_district_officer, declaration=second, version=second.version)
    assert approved.counted == 2
    first.refresh_from_db()
    assert (
        declaration_approve(actor=li_district_officer, declaration=first, version=first.version).counted == 0
    )


def test_a_person_counted_on_an_approved_declaration_is_not_counted_again(
    registry, employers, li_district_officer
):
    first = submit(li_district_officer, employers[0], [employee(cert(1))])
    declaration_approve(actor=li_district_officer, declaration=first, version=first.version)
    later = submit(li_district_officer, employers[1], [employee(cert(1))])
    assert [(r.outcome, r.problems) for r in rows_of(later)] == [
        ("not_counted", "counted_for_other_employer")
    ]


def test_removing_the_person_from_one_declaration_ends_the_conflict(registry, employers, li_district_officer):
    first = submit(li_district_officer, employers[0], [employee(cert(1))])
    second = submit(li_district_officer, employers[1], [employee(cert(1))])
    (row,) = rows_of(second)
    second.refresh_from_db()
    correct(
        li_district_officer,
        second,
        {"employees": {"remove": [row.pk]}},
        reason="单位更正：此人为劳务派遣，由派遣单位申报",
    )
    assert [r.outcome for r in rows_of(first)] == ["counted"]
    assert rows_of(second) == []


def test_only_district_staff_resolve_and_approve(registry, employers, li_district_officer, wang_street_a):
    first = submit(wang_street_a, employers[0], [employee(cert(1))])
    submit(wang_street_a, employers[1], [employee(cert(1))])
    with pytest.raises(DeclarationError):
        conflict_resolve(actor=wang_street_a, person=registry[1], levy_year=YEAR, declaration=first)
    assert not ConflictResolution.objects.exists()
    other = submit(wang_street_a, employers[0], [], year=2024)
    with pytest.raises(DeclarationError):
        declaration_approve(actor=wang_street_a, declaration=other, version=other.version)


# ---------------------------------------------------------------------------------------------------
# Corrections


def test_corrections_are_kept_with_old_and_new_values(registry, employers, li_district_officer):
    declaration = submit(
        li_district_officer, employers[0], [employee(cert(1), months=6), employee(cert(2, "43"))]
    )
    short, grade3 = rows_of(declaration)
    assert short.outcome == "not_counted"
    declaration.refresh_from_db()
    corrected = correct(
        li_district_officer,
        declaration,
        {
            "headcount": Decimal("120.5"),
            "total_wages": Decimal("10000000"),  # unchanged: no history entry
            "employees": {
                "change": {short.pk: {"contract_months": 24}},
                "remove": [grade3.pk],
                "add": [employee(cert(6, "44"), wage="是", insurance="是")],
            },
        },
        reason="核对劳动合同原件",
    )
    assert corrected.headcount == Decimal("120.50")
    changes = {
        (c.field, c.subject, c.old_value, c.new_value)
        for c in DeclarationChange.objects.filter(declaration=corrected)
    }
    assert ("headcount", "", "100.00", "120.50") in changes
    assert ("employee.contract_months", short.certificate_masked, "6", "24") in changes
    fields = sorted(field for field, *_ in changes)
    assert fields == ["employee.contract_months", "employee_added", "employee_removed", "headcount"]
    assert {c.reason for c in DeclarationChange.objects.all()} == {"核对劳动合同原件"}
    # Checked again: the contract now counts.
    assert [(r.outcome, r.counts_as) for r in rows_of(corrected)] == [("counted", 2), ("counted", 1)]
    event = AuditEvent.objects.get(action="declaration.correct")
    assert event.details["reason"] == "核对劳动合同原件" and len(event.details["changes"]) == 4


def test_a_correction_is_typed_input_and_the_nested_dict_still_reads_the_same(
    registry, employers, li_district_officer
):
    declaration = submit(li_district_officer, employers[0], [employee(cert(1), months=6), employee(cert(2))])
    short, other = rows_of(declaration)
    declaration.refresh_from_db()
    typed = DeclarationCorrection(
        headcount="120.5",
        change={
            short.pk: EmployeeChange(contract_months=24),
            other.pk: EmployeeChange(minimum_wage_met="否"),
        },
    )
    assert typed == DeclarationCorrection.from_dict(
        {
            "headcount": "120.5",
            "employees": {
                "change": {short.pk: {"contract_months": 24}, other.pk: {"minimum_wage_met": "否"}}
            },
        }
    )
    assert EmployeeChange(contract_months=24).given() == {"contract_months": 24}
    corrected = declaration_correct(
        actor=li_district_officer,
        declaration=declaration,
        version=declaration.version,
        changes=typed,
        reason="核对",
    )
    assert corrected.headcount == Decimal("120.50")
    fields = sorted(c.field for c in DeclarationChange.objects.filter(declaration=corrected))
    assert fields == ["employee.contract_months", "employee.minimum_wage_met", "headcount"]
    # A value given but wrong names its field; nothing changed.
    with pytest.raises(DeclarationError) as wrong:
        declaration_correct(
            actor=li_district_officer,
            declaration=corrected,
            version=corrected.version,
            changes=DeclarationCorrection(change={short.pk: EmployeeChange(contract_months="")}),
            reason="核对",
        )
    assert wrong.value.errors[0].field == f"employees.{short.pk}.contract_months"
    assert isinstance(wrong.value.errors[0], FieldError)


def test_a_stale_version_is_a_conflict_and_changes_nothing(
    registry, employers, li_district_officer, wang_street_a
):
    declaration = submit(li_district_officer, employers[0], [employee(cert(1))])
    read_by_a = Declaration.objects.unscoped(reason="test").get(pk=declaration.pk)
    read_by_b = Declaration.objects.unscoped(reason="test").get(pk=declaration.pk)
    correct(li_district_officer, read_by_a, {"headcount": "110"})
    with pytest.raises(DeclarationError) as stale:
        correct(wang_street_a, read_by_b, {"headcount": "90"})
    assert stale.value.kind == "stale"
    assert "reload" in stale.value.message
    assert Declaration.objects.unscoped(reason="test").get().headcount == Decimal("110.00")
    assert DeclarationChange.objects.count() == 1
    current = Declaration.objects.unscoped(reason="test").get()
    with pytest.raises(DeclarationError) as stale_approval:
        declaration_approve(actor=li_district_officer, declaration=current, version=current.version - 1)
    assert stale_approval.value.kind == "stale"


def test_an_approved_declaration_is_not_corrected(registry, employers, li_district_officer):
    declaration = submit(li_district_officer, employers[0], [employee(cert(1))])
    declaration = declaration_approve(
        actor=li_district_officer, declaration=declaration, version=declaration.version
    )
    with pytest.raises(DeclarationError) as refused:
        correct(li_district_officer, declaration, {"headcount": "1"}, reason="x")
    assert refused.value.kind == "illegal"
    with pytest.raises(DeclarationError):
        declaration_recheck(actor=li_district_officer, declaration=declaration)


@pytest.mark.parametrize(
    ("changes", "reason", "field", "message"),
    [
        pytest.param({"headcount": "90"}, " ", "reason", None, id="no reason"),
        pytest.param({"headcount": "100"}, "更正", "changes", None, id="no change"),
        pytest.param(
            {"employees": {"add": [employee(cert(1, "41B1"))]}}, "更正", None, "same person", id="twice"
        ),
    ],
)
def test_a_correction_needs_a_reason_and_a_change(
    registry, employers, li_district_officer, changes, reason, field, message
):
    declaration = submit(li_district_officer, employers[0], [employee(cert(1))])
    with pytest.raises(DeclarationError) as refused:
        correct(li_district_officer, declaration, changes, reason=reason)
    error = refused.value.errors[0]
    if field:
        assert error["field"] == field
    else:
        assert message in error["message"]
    assert DeclarationChange.objects.count() == 0


# ---------------------------------------------------------------------------------------------------
# Scope


def test_street_officers_see_and_write_their_street_only(registry, employers, wang_street_a, zhao_street_b):
    declaration = submit(wang_street_a, employers[0], [employee(cert(1))])
    assert list(declarations_for(wang_street_a)) == [declaration]
    assert list(declarations_for(zhao_street_b)) == []
    assert conflicts_for(zhao_street_b, YEAR) == []
    with pytest.raises(DeclarationError):
        submit(zhao_street_b, employers[1], [])
    assert submit(zhao_street_b, employers[2], []).employer == employers[2]
    client = Client()
    client.force_login(zhao_street_b)
    assert client.get(f"/staff/declarations/{declaration.pk}/").status_code == 404
    assert client.get(f"/staff/declarations/{declaration.pk}/correct/").status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_type="declaration").count() == 2


# ---------------------------------------------------------------------------------------------------
# Approval fixes the levy


def test_approval_fixes_the_levy_of_the_worked_example(tmp_path, system_actor, li_district_officer):
    rows = [
        person_row(11, 残疾等级="三级", 残疾人证号=_id(11) + "43"),
        person_row(12, 残疾等级="四级", 残疾人证号=_id(12) + "44"),
    ]
    persons_import(actor=system_actor, path=write_csv(tmp_path / "p.csv", rows))
    employer = _employer(0)
    declaration = submit(
        li_district_officer,
        employer,
        [employee(_id(11) + "43"), employee(_id(12) + "44")],
        year=2024,
        headcount="500",
        wages="50000000",
    )
    assert [r.counts_as for r in rows_of(declaration)] == [1, 1]
    approved = declaration_approve(
        actor=li_district_officer, declaration=declaration, version=declaration.version
    )
    assert approved.state == "approved"
    assert approved.levy_fen == 49_500_000  # (7.5 − 2) × 100,000 × 90 % = 495,000.00
    assert approved.counted == 2
    assert approved.reduction == Decimal("0.9")
    assert approved.exempt is False
    assert approved.approved_by == li_district_officer and approved.approved_at is not None
    assert approved.decision["policy"] == "employment_levy"
    assert approved.decision["figures"]["levy"] == "495000.00"
    assert approved.decision["parameters"]
    event = AuditEvent.objects.get(action="declaration.approve")
    assert event.details["levy_fen"] == 49_500_000
    with pytest.raises(DeclarationError):
        declaration_approve(actor=li_district_officer, declaration=approved, version=approved.version)


def test_grade_1_counts_twice_in_the_levy(registry, employers, li_district_officer):
    declaration = submit(
        li_district_officer,
        employers[0],
        [employee(cert(1)), employee(cert(2, "43"))],
        headcount="500",
        wages="50000000",
    )
    approved = declaration_approve(
        actor=li_district_officer, declaration=declaration, version=declaration.version
    )
    assert approved.counted == 3


# ---------------------------------------------------------------------------------------------------
# Invalid input: nothing written


def test_nothing_is_written_on_invalid_input(registry, employers, li_district_officer):
    events = AuditEvent.objects.count()
    with pytest.raises(DeclarationError) as invalid:
        submit(
            li_district_officer,
            employers[0],
            [
                employee(cert(1)),
                employee(cert(2, "43"), months="twelve"),
                employee(cert(1, "41B1")),  # the same person as row 1
                employee("12345", wage="maybe"),
            ],
            headcount="0",
            wages="-1",
        )
    errors = {(e["row"], e["field"]) for e in invalid.value.errors}
    assert (None, "headcount") in errors and (None, "total_wages") in errors
    assert (2, "contract_months") in errors
    assert (3, "certificate_number") in errors
    assert (4, "certificate_number") in errors and (4, "minimum_wage_met") in errors
    duplicate = next(e for e in invalid.value.errors if e["row"] == 3)
    assert (
        duplicate["message"]
        == "与第1行是同一人（身份证号相同） / the same person as row 1 (the same ID number)"
    )
    assert Declaration.objects.unscoped(reason="test").count() == 0 and DeclaredEmployee.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_one_declaration_per_employer_and_year(registry, employers, li_district_officer):
    submit(li_district_officer, employers[0], [])
    with pytest.raises(DeclarationError) as twice:
        submit(li_district_officer, employers[0], [employee(cert(1))])
    assert twice.value.errors[0]["field"] == "levy_year"
    assert Declaration.objects.unscoped(reason="test").count() == 1


def test_the_declaration_window(registry, employers, li_district_officer, settings):
    with pytest.raises(DeclarationError) as late:
        submit(li_district_officer, employers[0], [], submitted_on=dt.date(2025, 11, 3))
    assert late.value.errors[0]["field"] == "submitted_on"
    assert "2025-03-01" in late.value.errors[0]["message"]
    recorded = submit(
        li_district_officer, employers[0], [], submitted_on=dt.date(2025, 11, 3), record_outside_window=True
    )
    assert recorded.outside_window is True
    assert submit(li_district_officer, employers[1], []).outside_window is False
    settings.XIAOKANG_DECLARATION_WINDOW = ("01-01", "12-31")
    assert (
        submit(li_district_officer, employers[2], [], submitted_on=dt.date(2025, 11, 3)).outside_window
        is False
    )
    with pytest.raises(DeclarationError) as early:
        submit(li_district_officer, employers[0], [], year=2024, submitted_on=dt.date(2023, 12, 1))
    assert early.value.errors[0]["field"] == "submitted_on"
    with pytest.raises(DeclarationError) as future_year:
        submit(li_district_officer, employers[0], [], year=2099, submitted_on=dt.date(2025, 3, 1))
    assert future_year.value.errors[0]["field"] == "levy_year"


# ---------------------------------------------------------------------------------------------------
# Employees from a file or typed in


def test_employees_from_a_file(tmp_path):
    path = write_csv(
        tmp_path / "employees.csv",
        [
            {
                "残疾人证号": cert(1),
                "劳动合同期限（月）": "36",
                "工资不低于最低工资标准": "是",
                "足额缴纳社会保险": "否",
            },
            {
                "残疾人证号": "",
                "劳动合同期限（月）": "",
                "工资不低于最低工资标准": "",
                "足额缴纳社会保险": "",
            },
            {
                "残疾人证号": cert(2, "43"),
                "劳动合同期限（月）": "12",
                "工资不低于最低工资标准": "否",
                "足额缴纳社会保险": "是",
            },
        ],
    )
    employees = declaration_employees_from_file(path)
    assert [(e["row"], e["certificate_number"], e["social_insurance_paid"]) for e in employees] == [
        (2, cert(1), "否"),
        (4, cert(2, "43"), "是"),
    ]


def test_file_errors_name_the_row_and_the_column(tmp_path):
    path = write_csv(
        tmp_path / "employees.csv",
        [
            {
                "certificate_number": cert(1),
                "contract_months": "36",
                "minimum_wage_met": "是",
                "足额缴纳社会保险": "是",
            },
            {
                "certificate_number": cert(2, "4"),
                "contract_months": "0",
                "minimum_wage_met": "x",
                "足额缴纳社会保险": "是",
            },
        ],
    )
    with pytest.raises(DeclarationError) as invalid:
        declaration_employees_from_file(path)
    assert {(e["row"], e["column"]) for e in invalid.value.errors} == {
        (3, "certificate_number"),
        (3, "contract_months"),
        (3, "minimum_wage_met"),
    }
    missing = write_csv(tmp_path / "missing.csv", [{"残疾人证号": cert(1)}])
    with pytest.raises(DeclarationError) as refused:
        declaration_employees_from_file(missing)
    assert refused.value.errors[0]["field"] == "file"
    assert "劳动合同期限（月）" in refused.value.errors[0]["message"]


def test_employees_typed_in():
    text = f"{cert(1)}, 36, 是, 是\n\n{cert(2, '43')}\t12\t否\t是\n"
    employees = declaration_employees_from_text(text)
    assert [(e["row"], e["contract_months"], e["minimum_wage_met"]) for e in employees] == [
        (1, "36", "是"),
        (3, "12", "否"),
    ]
    with pytest.raises(DeclarationError) as invalid:
        declaration_employees_from_text(f"{cert(1)}, 36, 是")
    assert invalid.value.errors[0]["row"] == 1


# ---------------------------------------------------------------------------------------------------
# The pages


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_record_a_declaration_on_the_page(registry, employers, wang_street_a):
    client = _client(wang_street_a)
    page = client.get(f"/staff/declarations/new/?employer={employers[0].pk}")
    assert page.status_code == 200 and employers[0].uscc in page.content.decode()
    response = client.post(
        "/staff/declarations/new/",
        {
            "employer": employers[0].uscc.lower(),
            "levy_year": "2025",
            "headcount": "100",
            "total_wages": "10000000",
            "submitted_on": "2025-03-10",
            "employees_text": f"{cert(1)}, 36, 是, 是\n{cert(3)}, 36, 是, 是",
        },
    )
    declaration = Declaration.objects.unscoped(reason="test").get()
    assert response.status_code == 303 and response["Location"] == f"/staff/declarations/{declaration.pk}/"
    detail = client.get(response["Location"])
    text = detail.content.decode()
    assert detail.status_code == 200
    assert "上年12月31日此证不在有效期内" in text  # the problem in plain words (Chinese page)
    assert _id(1) not in text  # masked
    assert "/approve/" not in text and f"/staff/declarations/{declaration.pk}/recheck/" in text


def test_the_page_names_the_rows_in_error_and_records_nothing(registry, employers, li_district_officer):
    response = _client(li_district_officer).post(
        "/staff/declarations/new/",
        {
            "employer": employers[0].uscc,
            "levy_year": "2025",
            "headcount": "0",
            "total_wages": "10000000",
            "submitted_on": "2025-03-10",
            "employees_text": f"{cert(1)}, 36, 是, 是\n{cert(1)}, 3, 是, 是",
        },
    )
    text = response.content.decode()
    assert response.status_code == 422
    assert 'role="alert"' in text and "autofocus" in text
    assert 'href="#id_employees_text"' in text and 'href="#id_headcount"' in text
    assert Declaration.objects.unscoped(reason="test").count() == 0


def test_an_employer_outside_the_street_is_not_found_on_the_page(registry, employers, zhao_street_b):
    response = _client(zhao_street_b).post(
        "/staff/declarations/new/",
        {
            "employer": employers[0].uscc,
            "levy_year": "2025",
            "headcount": "100",
            "total_wages": "1",
            "submitted_on": "2025-03-10",
        },
    )
    assert response.status_code == 422 and Declaration.objects.unscoped(reason="test").count() == 0


def test_correct_on_the_page_and_the_stale_version_message(registry, employers, li_district_officer):
    declaration = submit(li_district_officer, employers[0], [employee(cert(1), months=6)])
    (row,) = rows_of(declaration)
    client = _client(li_district_officer)
    page = client.get(f"/staff/declarations/{declaration.pk}/correct/")
    assert page.status_code == 200
    data = {
        "version": str(declaration.version),
        "headcount": "100",
        "total_wages": "10000000",
        f"e{row.pk}_contract_months": "12",
        f"e{row.pk}_minimum_wage_met": "是",
        f"e{row.pk}_social_insurance_paid": "是",
        "reason": "核对合同",
    }
    response = client.post(f"/staff/declarations/{declaration.pk}/correct/", data)
    assert response.status_code == 303
    assert rows_of(declaration)[0].outcome == "counted"
    history = client.get(f"/staff/declarations/{declaration.pk}/").content.decode()
    assert "核对合同" in history
    stale = client.post(f"/staff/declarations/{declaration.pk}/correct/", {**data, "headcount": "99"})
    assert stale.status_code == 409
    assert 'role="alert"' in stale.content.decode()
    assert Declaration.objects.unscoped(reason="test").get().headcount == Decimal("100.00")


def test_approve_and_resolve_on_the_pages(registry, employers, li_district_officer, wang_street_a):
    first = submit(li_district_officer, employers[0], [employee(cert(1))])
    second = submit(li_district_officer, employers[1], [employee(cert(1))])
    first.refresh_from_db()
    client = _client(li_district_officer)
    refused = client.post(f"/staff/declarations/{first.pk}/approve/", {"version": first.version})
    assert refused.status_code == 422
    conflicts = client.get(f"/staff/declarations/conflicts/{YEAR}/")
    assert conflicts.status_code == 200 and employers[1].name in conflicts.content.decode()
    assert 'name="declaration"' in conflicts.content.decode()
    street_page = _client(wang_street_a).get(f"/staff/declarations/conflicts/{YEAR}/").content.decode()
    assert employers[1].name in street_page and 'name="declaration"' not in street_page
    assert (
        _client(wang_street_a)
        .post(
            f"/staff/declarations/conflicts/{YEAR}/resolve/",
            {"person": registry[1].pk, "declaration": first.pk},
        )
        .status_code
        == 403
    )
    resolved = client.post(
        f"/staff/declarations/conflicts/{YEAR}/resolve/",
        {"person": registry[1].pk, "declaration": first.pk},
    )
    assert resolved.status_code == 303
    again = client.post(
        f"/staff/declarations/conflicts/{YEAR}/resolve/",
        {"person": registry[1].pk, "declaration": second.pk},
    )
    assert again.status_code == 409
    first.refresh_from_db()
    stale = client.post(f"/staff/declarations/{first.pk}/approve/", {"version": first.version - 1})
    assert stale.status_code == 409
    assert (
        _client(wang_street_a)
        .post(f"/staff/declarations/{first.pk}/approve/", {"version": first.version})
        .status_code
        == 403
    )
    approved = client.post(f"/staff/declarations/{first.pk}/approve/", {"version": first.version})
    assert approved.status_code == 303
    first.refresh_from_db()
    assert first.state == "approved" and first.counted == 2
    detail = client.get(f"/staff/declarations/{first.pk}/").content.decode()
    assert "employment_levy" in detail


def test_the_list_filters_and_counts_conflicts(registry, employers, li_district_officer, wang_street_a):
    submit(li_district_officer, employers[0], [employee(cert(1))])
    submit(li_district_officer, employers[1], [employee(cert(1))])
    submit(li_district_officer, employers[2], [], year=2024)
    client = _client(li_district_officer)
    page = client.get("/staff/declarations/", {"year": YEAR})
    assert page.status_code == 200
    assert page.context["conflicts"] == 1
    assert page.context["page"].paginator.count == 2
    by_street = client.get("/staff/declarations/", {"street": STREET_B})
    assert by_street.context["page"].paginator.count == 1
    street_a = _client(wang_street_a).get("/staff/declarations/")
    assert street_a.context["page"].paginator.count == 2


def test_the_recheck_button(registry, employers, li_district_officer):
    declaration = submit(li_district_officer, employers[0], [employee(cert(1))])
    response = _client(li_district_officer).post(f"/staff/declarations/{declaration.pk}/recheck/")
    assert response.status_code == 303


def test_a_user_without_an_account_role_is_refused(employers, db):
    auditor = User.objects.create_user("auditor", password="Pass-word-123", role="auditor")
    assert _client(auditor).get("/staff/declarations/").status_code == 403
