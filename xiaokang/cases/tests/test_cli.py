"""The roster and outreach commands' contract (P3, S5): options, file columns, exit codes."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from tests.helpers import person_row, write_csv
from xiaokang.cases.models import Enrolment, Roster
from xiaokang.cases.rosters import roster_approve
from xiaokang.cases.tests.workflow import enrol
from xiaokang.cli import main
from xiaokang.registry.models import Person
from xiaokang.registry.services import persons_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled(tmp_path, system_actor, li_district_officer, wang_street_a):
    rows = [person_row(1), person_row(2)]
    persons_import(actor=system_actor, path=write_csv(tmp_path / "p.csv", rows))
    enrol(wang_street_a, li_district_officer, Person.objects.unscoped(reason="test").order_by("pk"))
    Person.objects.unscoped(reason="test").filter(name="测试2").update(
        status="deceased"
    )  # died after enrolment
    return rows


def read(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_roster_csv_has_the_contract_columns_and_the_held_file_says_why(enrolled, tmp_path, capsys):
    out, held = tmp_path / "roster.csv", tmp_path / "held.csv"

    assert (
        main(
            [
                "roster",
                "--month",
                "2025-10",
                "--out",
                str(out),
                "--policy",
                "living_subsidy",
                "--held",
                str(held),
            ]
        )
        == 0
    )

    paid = read(out)
    assert paid[0] == ["id_number", "name", "street_code", "community", "policy", "month", "amount"]
    assert paid[1] == [
        enrolled[0]["公民身份号码"],
        "测试1",
        "110108001",
        "测试社区",
        "living_subsidy",
        "2025-10",
        "400.00",
    ]
    assert len(paid) == 2
    assert read(held)[1][0] == enrolled[1]["公民身份号码"] and read(held)[1][-1] == "status_normal"
    assert "1 paid, 1 held" in capsys.readouterr().out
    assert Enrolment.objects.count() == 2


def test_roster_xlsx_has_a_held_sheet(enrolled, tmp_path):
    from python_calamine import CalamineWorkbook

    out = tmp_path / "roster.xlsx"
    assert main(["roster", "--month", "2025-10", "--out", str(out)]) == 0

    workbook = CalamineWorkbook.from_path(str(out))
    assert len(workbook.sheet_names) == 2
    assert workbook.get_sheet_by_index(0).to_python()[1][-1] == "400.00"


def test_rebuilding_an_approved_month_exits_1(enrolled, tmp_path, li_district_officer, capsys):
    assert (
        main(["roster", "--month", "2025-10", "--out", str(tmp_path / "r.csv"), "--policy", "living_subsidy"])
        == 0
    )
    roster_approve(actor=li_district_officer, roster=Roster.objects.get())

    assert (
        main(
            ["roster", "--month", "2025-10", "--out", str(tmp_path / "r2.csv"), "--policy", "living_subsidy"]
        )
        == 1
    )
    assert "approved" in capsys.readouterr().err
    assert not (tmp_path / "r2.csv").exists()


@pytest.mark.parametrize(
    "extra",
    [
        ["--month", "2025-13"],
        ["--month", "2025-10", "--policy", "health_check"],
        ["--month", "2025-10", "--out", "roster.txt"],
    ],
)
def test_roster_unusable_invocations_exit_2(db, tmp_path, extra):
    argv = ["roster", "--out", str(tmp_path / "r.csv"), *extra]
    assert main(argv) == 2


def test_outreach_needs_a_run_then_lists_the_open_tasks(enrolled, tmp_path, capsys):
    assert main(["outreach"]) == 2

    assert main(["evaluate"]) == 0
    assert "new outreach tasks" in capsys.readouterr().out
    out = tmp_path / "outreach.csv"
    assert main(["outreach", "--out", str(out)]) == 0

    rows = read(out)
    assert rows[0] == ["id_number", "policy", "street_code", "community"]
    # 测试1 is enrolled in the living subsidy; the care subsidy is open to them. 测试2 is deceased.
    assert rows[1:] == [[enrolled[0]["公民身份号码"], "care_subsidy", "110108001", "测试社区"]]


def write_enrolments(path, rows, headers=("公民身份号码", "项目", "开始月份", "月金额")):
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


@pytest.fixture
def registry(tmp_path, system_actor):
    rows = [person_row(1), person_row(2)]
    persons_import(actor=system_actor, path=write_csv(tmp_path / "p.csv", rows))
    return rows


def test_import_enrolments_is_idempotent_and_flags_amounts_the_rules_do_not_give(registry, tmp_path, capsys):
    first, second = (row["公民身份号码"] for row in registry)
    path = write_enrolments(
        tmp_path / "e.csv",
        [[first, "困难残疾人生活补贴", "2024-01", "400"], [second, "care_subsidy", "2023-07", "250.50"]],
    )

    assert main(["import", "enrolments", str(path)]) == 0
    assert "2 created" in capsys.readouterr().out
    assert main(["import", "enrolments", str(path), "--report", str(tmp_path / "r.json")]) == 0
    assert "2 unchanged" in capsys.readouterr().out

    enrolments = {e.policy_id: e for e in Enrolment.objects.all()}
    assert enrolments["living_subsidy"].start_month == dt.date(2024, 1, 1)
    assert (enrolments["living_subsidy"].legacy_amount_fen, enrolments["living_subsidy"].needs_review) == (
        40000,
        False,
    )
    assert (enrolments["care_subsidy"].legacy_amount_fen, enrolments["care_subsidy"].needs_review) == (
        25050,
        True,
    )


def test_import_enrolments_with_errors_names_each_row_and_column_and_writes_nothing(registry, tmp_path):
    import json

    first = registry[0]["公民身份号码"]
    path = write_enrolments(
        tmp_path / "e.csv",
        [
            [first, "living_subsidy", "2024-01", ""],
            ["110108199001011234", "living_subsidy", "2024-01", ""],
            [first, "no_such", "2024-1", "-5"],
            [first, "living_subsidy", "2024-02", "1.234"],
        ],
    )
    report = tmp_path / "r.json"

    assert main(["import", "enrolments", str(path), "--report", str(report)]) == 1

    errors = {(e["row"], e["column"]) for e in json.loads(report.read_text(encoding="utf-8"))["errors"]}
    assert errors == {
        (2, "公民身份号码"),  # the same person and policy twice (rows 2 and 5)
        (3, "公民身份号码"),  # nobody with that ID number
        (4, "项目"),
        (4, "开始月份"),
        (4, "月金额"),
        (5, "公民身份号码"),
        (5, "月金额"),
    }
    assert Enrolment.objects.count() == 0


def test_import_enrolments_without_a_required_column_exits_2(registry, tmp_path):
    path = write_enrolments(tmp_path / "e.csv", [["x", "y"]], headers=("公民身份号码", "项目"))

    assert main(["import", "enrolments", str(path)]) == 2
