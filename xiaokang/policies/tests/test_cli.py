"""The policy commands' contract (P1–P3, P5): `policies check|test|show`, `screen` and `evaluate`
with their options, output format and exit codes."""

from __future__ import annotations

import csv

import pytest

from tests.helpers import person_row, write_csv
from xiaokang.cli import main
from xiaokang.policies.models import EvaluationResult, EvaluationRun
from xiaokang.registry.models import Person
from xiaokang.registry.services import persons_import

pytestmark = pytest.mark.django_db


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_policies_check_passes_and_names_a_parameter_missing_on_the_date(capsys):
    assert main(["policies", "check", "--date", "2025-06-01"]) == 0
    assert "14 policies" in capsys.readouterr().out

    assert main(["policies", "check", "--date", "2024-06-30"]) == 1
    err = capsys.readouterr().err
    assert "living_subsidy.yaml:" in err and "parameter 'dibao_standard' has no value on 2024-06-30" in err


def test_policies_test_runs_every_case_through_both_back_ends(capsys):
    assert main(["policies", "test"]) == 0

    out = capsys.readouterr().out
    passed, total = out.split(" case runs")[0].split(" of ")
    assert passed == total and int(total) >= 2 * 60


def test_policies_show_prints_the_sheet_in_chinese_with_unverified_values_flagged(capsys):
    assert main(["policies", "show", "living_subsidy", "--date", "2025-06-01"]) == 0

    out = capsys.readouterr().out
    assert "困难残疾人生活补贴" in out and "京民社救发〔2024〕80号" in out
    assert "dibao_standard" in out and "1450" in out
    assert "400元/月 【待核实】" in out

    assert main(["policies", "show", "no_such_policy"]) == 2
    assert "there are: " in capsys.readouterr().err


def test_screen_writes_one_row_per_person_and_policy_and_stores_nothing(tmp_path):
    rows = [
        person_row(1),  # 低保, grade-1 physical: living 400, care 300
        person_row(2, 家庭经济状况="一般", 残疾等级="三级", 残疾人证号=person_row(2)["公民身份号码"] + "43"),
        person_row(3, 户籍类型="外埠"),
    ]
    source = write_csv(tmp_path / "in.csv", rows)
    out = tmp_path / "out.csv"

    assert main(["screen", str(source), "--out", str(out), "--date", "2025-06-01"]) == 0

    table = read_rows(out)
    assert table[0] == ["id_number", "policy", "eligible", "amount", "reasons"]
    assert len(table) == 1 + 3 * 11
    result = {(r[0], r[1]): r[2:] for r in table[1:]}
    first, second, third = (row["公民身份号码"] for row in rows)
    assert result[(first, "living_subsidy")] == ["true", "400.00", ""]
    assert result[(first, "care_subsidy")] == ["true", "300.00", ""]
    assert result[(first, "accident_insurance")] == ["true", "0.00", ""]
    assert result[(second, "living_subsidy")] == ["false", "0.00", "economic_status"]
    assert result[(second, "care_subsidy")] == ["false", "0.00", "care_tier"]
    assert result[(third, "living_subsidy")] == ["false", "0.00", "beijing_hukou"]
    assert result[(third, "temporary_assistance")] == ["true", "0.00", ""]  # no household condition
    assert result[(first, "rural_housing_renovation")] == ["false", "0.00", "rural_hukou;dangerous_house"]
    assert Person.objects.unscoped(reason="test").count() == 0


def test_screen_set_overrides_a_parameter(tmp_path):
    source = write_csv(tmp_path / "in.csv", [person_row(1)])
    out = tmp_path / "out.csv"

    argv = ["screen", str(source), "--out", str(out), "--set", "living_subsidy.dibao_group_a=450.5"]
    assert main([*argv, "--set", "care_subsidy.high_tier_amount=333"]) == 0

    result = {r[1]: r[3] for r in read_rows(out)[1:]}
    assert result["living_subsidy"] == "450.50"
    assert result["care_subsidy"] == "333.00"


def test_screen_with_an_invalid_row_exits_1_with_the_errors_and_writes_no_output(tmp_path, capsys):
    rows = [person_row(1), person_row(2, 残疾等级="五级")]
    out = tmp_path / "out.csv"

    assert main(["screen", str(write_csv(tmp_path / "in.csv", rows)), "--out", str(out)]) == 1

    err = capsys.readouterr().err
    assert "残疾等级" in err and "no output written" in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "in.csv"]  # no temporary file left behind


@pytest.mark.parametrize(
    "extra",
    [
        ["--set", "living_subsidy.nope=1"],
        ["--set", "living_subsidy.dibao_standard=lots"],
        ["--date", "2025-13-01"],
        ["--date", "2024-01-01"],  # dibao_standard has no value before 2024-07-01
    ],
)
def test_screen_unusable_invocations_exit_2(tmp_path, extra):
    source = write_csv(tmp_path / "in.csv", [person_row(1)])

    assert main(["screen", str(source), "--out", str(tmp_path / "o.csv"), *extra]) == 2
    assert not (tmp_path / "o.csv").exists()


def test_screen_of_a_missing_file_exits_2(tmp_path):
    assert main(["screen", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o.csv")]) == 2


def test_evaluate_stores_a_run_and_dry_run_stores_nothing(tmp_path, system_actor, capsys):
    persons_import(actor=system_actor, path=write_csv(tmp_path / "p.csv", [person_row(1), person_row(2)]))

    assert (
        main(["evaluate", "--date", "2025-06-01", "--dry-run", "--set", "living_subsidy.dibao_group_a=500"])
        == 0
    )
    out = capsys.readouterr().out
    assert "living_subsidy by street" in out and "万寿路街道" in out
    assert "800.00" in out and "1,000.00" in out  # two 低保 group-A persons: 2 × 400 now, 2 × 500 what-if
    assert EvaluationRun.objects.count() == 0

    assert main(["evaluate", "--date", "2025-06-01"]) == 0
    out = capsys.readouterr().out
    assert "first run" in out and "living_subsidy" in out
    assert EvaluationResult.objects.count() == 22  # 2 persons × 11 person policies

    assert main(["evaluate", "--date", "2025-06-01"]) == 0
    assert "changes since run" in capsys.readouterr().out
    assert EvaluationRun.objects.count() == 2
