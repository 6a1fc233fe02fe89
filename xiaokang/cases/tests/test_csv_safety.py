"""The roster and outreach CSVs (S5) are opened in Excel by staff: a text cell that would run as a formula is
written quoted with an apostrophe, a number as it is (U11; the import error CSV does the same)."""

import csv

from xiaokang.cases.rosters import write_csv_rows


def test_a_formula_in_a_text_cell_is_written_as_text_and_numbers_stay_numbers(tmp_path):
    path = tmp_path / "roster.csv"
    hostile = '=HYPERLINK("http://evil.example","x")'
    count = write_csv_rows(path, ("姓名", "金额", "备注"), iter([(hostile, 1200, "+1"), ("张三", 5, "正常")]))

    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert count == 2
    assert rows[1] == ["'" + hostile, "1200", "'+1"]
    assert rows[2] == ["张三", "5", "正常"]
