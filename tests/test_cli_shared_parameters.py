"""``xiaokang levy --set`` with a parameter of the shared tree (rules/parameters/, E1): the shared form and
the dotted form are both accepted and change the quota the levy uses."""

from __future__ import annotations

import pytest

from tests.helpers import write_csv
from xiaokang.cli import main
from xiaokang.employment.tests.test_cli import code, row


@pytest.mark.django_db
@pytest.mark.parametrize("assignment", ["quota_ratio=0.02", "employment_levy.quota_ratio=0.02"])
def test_xiaokang_levy_takes_the_shared_quota_ratio_in_either_form(tmp_path, assignment):
    source = write_csv(tmp_path / "employers.csv", [row(1, g34="8")])
    out = tmp_path / "levy.csv"

    assert main(["levy", str(source), "--year", "2024", "--out", str(out), "--set", assignment]) == 0

    # 500 staff × 2 % = 10 against 8 counted: (10 − 8) × 100,000 × 50 % (the 1 %-and-above band).
    line = out.read_text(encoding="utf-8").splitlines()[1]
    assert line == f"{code(1)},500,8,10.0000,2.0000,0.016000,100000.00,100000.00,0.5,false,100000.00"
