"""The employment-quota commands (E1–E3): ``import employers``, ``levy`` (columns, header, number
formats, exit codes, nothing written on bad input; the collection list from approved declarations),
``employer-payments`` and ``disclosure``."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal

import openpyxl
import polars as pl
import pytest
from django.utils import timezone

from tests.helpers import write_csv
from xiaokang.cli import main
from xiaokang.core.identifiers import uscc_check_char
from xiaokang.core.models import Area
from xiaokang.employment.models import Declaration, Employer
from xiaokang.policies.engine import employers
from xiaokang.registry.exporting import write_xlsx

pytestmark = pytest.mark.django_db
HEADER = "uscc,headcount,counted,quota,shortfall,ratio,average_wage,capped_wage,reduction,exempt,levy"


def code(n: int) -> str:
    first17 = f"91110108{n:09d}"
    return first17 + uscc_check_char(first17)


def row(n: int, type_="企业", headcount="500", wages="50000000", g12="0", g34="0") -> dict:
    return {
        "统一社会信用代码": code(n),
        "单位名称": f"单位{n}",
        "单位类型": type_,
        "在职职工人数": headcount,
        "工资总额": wages,
        "一二级残疾职工人数": g12,
        "三四级残疾职工人数": g34,
    }


def read(path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_the_worked_examples_in_the_output_format(tmp_path, capsys):
    source = write_csv(
        tmp_path / "employers.csv",
        [
            row(1, g34="2"),
            row(2, g34="5"),
            row(3, headcount="30", wages="3000000"),
            row(4, type_="机关", headcount="30", wages="3000000"),
        ],
    )
    out = tmp_path / "levy.csv"

    assert main(["levy", str(source), "--year", "2024", "--out", str(out)]) == 0

    assert read(out) == [
        HEADER,
        f"{code(1)},500,2,7.5000,5.5000,0.004000,100000.00,100000.00,0.9,false,495000.00",
        f"{code(2)},500,5,7.5000,2.5000,0.010000,100000.00,100000.00,0.5,false,125000.00",
        f"{code(3)},30,0,0.4500,0.4500,0.000000,100000.00,100000.00,1,true,0.00",
        f"{code(4)},30,0,0.4500,0.4500,0.000000,100000.00,100000.00,0.9,false,40500.00",
    ]
    assert "4 employers, 3 liable, 1 exempt, total 660,500.00 yuan" in capsys.readouterr().out


def test_xlsx_with_english_aliases_and_a_what_if(tmp_path):
    frame = pl.DataFrame(
        {
            "uscc": [code(1)],
            "name": ["甲"],
            "type": ["enterprise"],
            "headcount": ["500"],
            "total_wages": ["50000000"],
            "disabled_grade_1_2": ["1"],
            "disabled_grade_3_4": ["0"],
        }
    )
    source = tmp_path / "employers.xlsx"
    write_xlsx(frame, source, sheet_name="单位")
    out = tmp_path / "levy.csv"

    argv = ["levy", str(source), "--year", "2024", "--out", str(out)]
    assert main([*argv, "--set", "employment_levy.social_average_wage=40000"]) == 0

    # 2 counted (grade 1 counts twice); the average wage 100,000 capped at 2 × 40,000.
    assert read(out)[1] == f"{code(1)},500,2,7.5000,5.5000,0.004000,100000.00,80000.00,0.9,false,396000.00"


def test_any_invalid_row_exits_1_with_the_row_errors_and_writes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")  # the error table unwrapped
    bad_code = code(2)[:-1] + ("0" if code(2)[-1] != "0" else "1")
    source = write_csv(
        tmp_path / "employers.csv",
        [
            row(1),
            row(2, type_="公司") | {"统一社会信用代码": bad_code},
            row(3, headcount="0"),
            row(4, wages="-5", g12=""),
            row(1),  # the same code twice
        ],
    )
    out = tmp_path / "levy.csv"

    assert main(["levy", str(source), "--year", "2024", "--out", str(out)]) == 1

    assert not out.exists()
    err = capsys.readouterr().err
    for column, text in (
        ("统一社会信用代码", "校验位"),
        ("单位类型", "unknown employer type"),
        ("在职职工人数", "cannot be 0"),
        ("工资总额", "must be a number ≥ 0"),
        ("一二级残疾职工人数", "required"),
        ("统一社会信用代码", "more than one row"),
    ):
        assert column in err and text in err
    assert "no output written" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["levy", "{missing}", "--year", "2024", "--out", "{out}"],  # no such file
        ["levy", "{file}", "--year", "2010", "--out", "{out}"],  # no parameters in force
        ["levy", "{file}", "--year", "2024", "--out", "{out}", "--set", "living_subsidy.dibao_standard=1"],
        ["levy", "{file}", "--year", "2024", "--out", "{out}", "--set", "employment_levy.no_such=1"],
        ["levy", "--year", "2024", "--out", "{out}"],  # neither FILE nor --from-declarations
        ["levy", "{file}", "--year", "2024", "--out", "{out}", "--from-declarations"],
    ],
)
def test_unusable_invocations_exit_2_and_write_nothing(tmp_path, argv):
    source = write_csv(tmp_path / "employers.csv", [row(1)])
    out = tmp_path / "levy.csv"
    names = {"missing": tmp_path / "none.csv", "file": source, "out": out}

    assert main([part.format(**names) for part in argv]) == 2
    assert not out.exists()


def test_from_declarations_writes_the_collection_list_of_approved_declarations(tmp_path):
    street = Area.objects.get(code="110108001000")
    approved, pending = (
        Employer.objects.create(uscc=code(n), name=f"单位{n}", employer_type="enterprise", street=street)
        for n in (1, 2)
    )
    decided = employers.decide_levy(
        employers.employer_record(
            employer_type="enterprise",
            headcount=Decimal(500),
            total_wages=Decimal(50_000_000),
            disabled_grade_3_4=2,
        ),
        2024,
    )
    common = {
        "levy_year": 2024,
        "headcount": 500,
        "total_wages": 50_000_000,
        "submitted_on": dt.date(2024, 3, 5),
    }
    Declaration.objects.create(
        employer=approved,
        state="approved",
        approved_at=timezone.now(),
        counted=decided.counted,
        levy_fen=decided.levy_fen,
        reduction=decided.reduction,
        exempt=decided.exempt,
        decision=decided.as_json(),
        **common,
    )
    Declaration.objects.create(employer=pending, **common)
    out = tmp_path / "collection.xlsx"

    assert main(["levy", "--from-declarations", "--year", "2024", "--out", str(out)]) == 0

    sheet = openpyxl.load_workbook(out).worksheets[0]
    rows = [[cell.value for cell in line] for line in sheet.iter_rows()]
    assert len(rows) == 2  # the header and the approved declaration only
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["统一社会信用代码"] == code(1)
    assert record["应缴残疾人就业保障金（元）"] == "495000.00"
    assert record["应缴比例"] == "0.9"


def test_the_output_csv_is_readable_by_the_csv_module(tmp_path):
    source = write_csv(tmp_path / "employers.csv", [row(1, headcount="12.50", wages="1,000,000.00", g12="1")])
    out = tmp_path / "levy.csv"
    assert main(["levy", str(source), "--year", "2024", "--out", str(out)]) == 0
    with open(out, newline="", encoding="utf-8") as handle:
        record = next(csv.DictReader(handle))
    assert record["headcount"] == "12.5" and record["average_wage"] == "80000.00" and record["levy"] == "0.00"


def approved_declaration(**extra) -> Declaration:
    """单位1's approved 2024 declaration: 500 staff, 8 employees of grade 3 or 4 against a quota of 7.5."""
    street = Area.objects.get(code="110108001000")
    employer = Employer.objects.create(uscc=code(1), name="单位1", employer_type="enterprise", street=street)
    decided = employers.decide_levy(
        employers.employer_record(
            employer_type="enterprise",
            headcount=Decimal(500),
            total_wages=Decimal(50_000_000),
            disabled_grade_3_4=8,
        ),
        2024,
    )
    return Declaration.objects.create(
        employer=employer,
        levy_year=2024,
        headcount=500,
        total_wages=50_000_000,
        submitted_on=dt.date(2024, 3, 5),
        state="approved",
        counted=decided.counted,
        levy_fen=decided.levy_fen,
        decision=decided.as_json(),
        **extra,
    )


def test_employer_payments_lists_rewards_and_subsidies_of_approved_declarations(tmp_path, capsys):
    approved_declaration()
    out = tmp_path / "payments.xlsx"

    assert main(["employer-payments", "--year", "2024", "--out", str(out)]) == 0

    rows = [[cell.value for cell in line] for line in openpyxl.load_workbook(out).worksheets[0].iter_rows()]
    paid = {row[5]: row[7] for row in rows[1:]}
    # 8 counted against a quota of 7.5: 0.5 × 5,000; 8 employees × (3,000 + 2,400).
    assert paid == {"over_quota_reward": "2500.00", "employment_subsidy": "43200.00"}
    assert "2 payments, 45,700.00 yuan" in capsys.readouterr().out


def test_disclosure_writes_the_credit_platform_files(tmp_path):
    approved_declaration(approved_at=timezone.now())
    for fmt in ("csv", "json", "xlsx"):
        out = tmp_path / f"disclosure.{fmt}"
        assert main(["disclosure", "--year", "2024", "--format", fmt, "--out", str(out)]) == 0
        assert out.stat().st_size > 0
    lines = (tmp_path / "disclosure.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("uscc,name,employer_type,levy_year") and lines[1].startswith(code(1))
    with pytest.raises(SystemExit) as exited:
        main(["disclosure", "--year", "2024", "--format", "pdf", "--out", str(tmp_path / "x")])
    assert exited.value.code == 2


def employer_row(n: int, **overrides) -> dict:
    row = {
        "统一社会信用代码": code(n),
        "单位名称": f"测试单位{n}",
        "单位类型": "企业",
        "是否国有": "否",
        "所在街道": "万寿路街道",
        "残工委成员单位": "否",
    }
    return row | overrides


def test_import_employers_exit_codes(tmp_path):
    good = write_csv(tmp_path / "good.csv", [employer_row(1), employer_row(2)])
    report_path = tmp_path / "r.json"
    assert main(["import", "employers", str(good), "--dry-run"]) == 0
    assert not Employer.objects.unscoped(reason="test").exists()
    assert main(["import", "employers", str(good), "--report", str(report_path)]) == 0
    assert json.loads(report_path.read_text(encoding="utf-8"))["created"] == 2

    bad = write_csv(tmp_path / "bad.csv", [employer_row(3), employer_row(4, 单位类型="公司")])
    assert main(["import", "employers", str(bad), "--report", str(report_path)]) == 1
    errors = json.loads(report_path.read_text(encoding="utf-8"))["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(3, "单位类型")]
    assert Employer.objects.unscoped(reason="test").count() == 2

    assert main(["import", "employers", str(tmp_path / "missing.csv")]) == 2
    not_employers = tmp_path / "x.csv"
    not_employers.write_text("a,b\n1,2\n", encoding="utf-8")
    assert main(["import", "employers", str(not_employers)]) == 2


def test_seed_employers_records_and_approves_declarations_through_the_services(capsys):
    assert main(["seed", "--persons", "300", "--employers", "30"]) == 0
    assert "seeded 30 synthetic employers" in capsys.readouterr().out

    assert (
        Employer.objects.unscoped(reason="test").count() == 30
        and Employer.objects.unscoped(reason="test").filter(committee_member=True).count() == 10
    )
    assert all(
        name.endswith("（合成）")
        for name in Employer.objects.unscoped(reason="test").values_list("name", flat=True)
    )
    approved = Declaration.objects.unscoped(reason="test").filter(state="approved")
    assert approved.exists() and all(d.decision.get("policy") == "employment_levy" for d in approved)
    # The demo has a conflict to resolve: one person on two declarations of this year.
    assert (
        Declaration.objects.unscoped(reason="test").filter(employees__outcome="conflict").distinct().count()
        == 2
    )

    assert main(["seed", "--persons", "0", "--employers", "30"]) == 0  # once only
    assert "no employers seeded" in capsys.readouterr().out
    assert Employer.objects.unscoped(reason="test").count() == 30


def test_seed_employers_before_the_window_opens_uses_the_two_years_before():
    from xiaokang.accounts.actors import SystemActor
    from xiaokang.employment.synthetic import seed_employers
    from xiaokang.registry.synthetic import seed_registry

    actor = SystemActor("test")
    seed_registry(actor=actor, persons=100, seed=1)
    seeded = seed_employers(actor=actor, employers=12, seed=1, today=dt.date(2026, 2, 10))
    assert seeded.declarations
    assert set(Declaration.objects.unscoped(reason="test").values_list("levy_year", flat=True)) == {
        2024,
        2025,
    }
