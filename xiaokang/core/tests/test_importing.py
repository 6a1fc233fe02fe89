"""The import framework with a tiny made-up dataset (volunteer hours): declare → template → import with
errors → report → re-import unchanged, and hostile input (formula cells, wrong types, duplicate keys, a
row in another area)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass

import openpyxl
import polars as pl
import pytest

from xiaokang.core.importing import (
    Choice,
    Column,
    Context,
    Dataset,
    Date,
    FileRejected,
    IdNumber,
    Integer,
    ManyOf,
    Message,
    Money,
    Rule,
    ScopeResult,
    Text,
    Year,
    classify,
    counted,
    one_per_key,
)
from xiaokang.core.importing.template import GUIDE_SHEET, write_template

pytestmark = pytest.mark.django_db

KINDS = {"teaching": "助学", "visiting": "探访", "transport": "出行"}
SKILLS = {"手语": "sign", "驾驶": "driving", "护理": "care"}
OUT_OF_AREA = "不在您的辖区 / not in your area"

# The "database" of the made-up dataset: (id_number, year) → values.
STORE: dict[tuple[str, int], dict] = {}
FIELDS = ("name", "hours", "allowance_fen", "kind", "skills", "joined_on", "street")


@dataclass
class Officer:
    street: str | None  # None: the whole district
    refusals: list

    def __init__(self, street=None):
        self.street, self.refusals = street, []


def _scope(ctx: Context, rows: pl.DataFrame) -> ScopeResult | None:
    if ctx.actor.street is None:
        return None
    outside = rows.filter(pl.col("street") != ctx.actor.street)
    return ScopeResult(
        errors=outside.select(
            "row", pl.lit(ctx.headers["street"]).alias("column"), pl.lit(OUT_OF_AREA).alias("message")
        ),
        refused=outside.get_column("row").to_list(),
    )


def _refused(ctx: Context, refused: list) -> None:
    ctx.actor.refusals += refused


def _plan(rows: pl.DataFrame, ctx: Context):
    existing = pl.DataFrame(
        [{"id_number": k[0], "year": k[1], **v} for k, v in STORE.items()],
        schema={**{"id_number": pl.Utf8, "year": pl.Int64}, **{f: rows.schema[f] for f in FIELDS}},
    )
    return counted(classify(rows, existing, key=("id_number", "year"), fields=FIELDS))


def _write(plan, ctx: Context) -> None:
    for row in plan.detail.filter(pl.col("action") != "unchanged").iter_rows(named=True):
        STORE[(row["id_number"], row["year"])] = {f: row[f] for f in FIELDS}


_DUPLICATE_ROWS, _DUPLICATE = one_per_key(
    "id_number.duplicate",
    "id_number",
    ("id_number__value", "year__value"),
    Message(
        "同一人同一年度重复（第{_dup_rows}行）", "the same person and year appear twice (rows {_dup_rows})"
    ),
)

VOLUNTEERS = Dataset(
    name="test-volunteers",
    label=Message("志愿服务时长", "volunteer hours"),
    columns=(
        Column("id_number", "证件号码", True, type=IdNumber()),
        Column("name", "姓名", True, type=Text(max_length=20, safe=True)),
        Column("year", "年度", True, type=Year()),
        Column("hours", "时长", True, type=Integer(minimum=0, maximum=2000)),
        Column("allowance_fen", "补贴", False, type=Money()),
        Column(
            "kind",
            "类别",
            True,
            type=Choice(values={**{v: k for k, v in KINDS.items()}}, dropdown=tuple(KINDS.values())),
        ),
        Column("skills", "技能", False, type=ManyOf(values=SKILLS)),
        Column("joined_on", "登记日期", False, type=Date()),
        Column("street", "街道", True),
    ),
    key=("id_number", "year"),
    rules=(
        _DUPLICATE_ROWS,
        _DUPLICATE,
        Rule(
            "hours.too_many_for_visits",
            "hours",
            (pl.col("kind__value") == "visiting") & (pl.col("hours__value") > 500),
            Message("探访时长不能超过500小时", "visits cannot exceed 500 hours"),
        ),
    ),
    scope=_scope,
    refused=_refused,
    plan=_plan,
    write=_write,
    notes=(Message("按证件号码和年度匹配", "matched by ID number and year"),),
)
HEADER = [c.zh for c in VOLUNTEERS.columns]
ID_A, ID_B, ID_C = "11010819900101001X", "110108199001010028", "110108199001010036"


def _row(id_number=ID_A, name="张三", year="2025", hours="12", allowance="1,234.50", kind="助学",
         skills="手语、驾驶", joined="2025/3/1", street="街道甲"):  # fmt: skip
    return [id_number, name, year, hours, allowance, kind, skills, joined, street]


def _csv(tmp_path, rows, header=HEADER, name="v.csv"):
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture(autouse=True)
def _empty_store():
    STORE.clear()
    yield
    STORE.clear()


def test_the_template_has_the_headers_dropdowns_and_explanations(tmp_path):
    path = tmp_path / "t.xlsx"
    write_template(VOLUNTEERS, path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["志愿服务时长", GUIDE_SHEET]
    sheet = book["志愿服务时长"]
    assert [c.value for c in sheet[1]] == HEADER
    lists = {next(iter(v.sqref.ranges)).min_col: v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists == {HEADER.index("类别") + 1: '"助学,探访,出行"'}
    guide = book[GUIDE_SHEET]
    rows = list(guide.iter_rows(values_only=True))
    assert rows[0][:3] == ("列名", "英文别名", "必填")
    assert rows[1][:3] == ("证件号码", "id_number", "是")
    assert rows[5][4] == "元，最多两位小数"  # the type's help text
    assert any(r[0] == "按证件号码和年度匹配" for r in rows)


def test_a_clean_file_imports_and_a_reimport_is_unchanged(tmp_path):
    path = _csv(tmp_path, [_row(), _row(ID_B, year="2024", skills="", allowance="")])
    stages = []
    report = VOLUNTEERS.load(actor=Officer(), path=path, progress=stages.append)
    assert report.errors == [] and report.written
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert stages == ["validating", "writing"]
    stored = STORE[(ID_A, 2025)]
    assert stored["allowance_fen"] == 123450  # integer fen, never a float
    assert stored["skills"] == "sign,driving"
    assert str(stored["joined_on"]) == "2025-03-01"
    assert STORE[(ID_B, 2024)]["allowance_fen"] is None

    again = VOLUNTEERS.load(actor=Officer(), path=path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)

    changed = _csv(
        tmp_path, [_row(hours="13"), _row(ID_B, year="2024", skills="", allowance="")], name="c.csv"
    )
    report = VOLUNTEERS.load(actor=Officer(), path=changed, dry_run=True)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1) and not report.written
    assert STORE[(ID_A, 2025)]["hours"] == 12  # a dry run writes nothing
    assert json.dumps(report.as_json(), ensure_ascii=False)  # the report's JSON as every import's
    assert set(report.as_json()) == {"rows", "created", "updated", "unchanged", "errors", "warnings"}


def test_hostile_rows_are_each_named_by_row_column_and_rule_and_nothing_is_written(tmp_path):
    rows = [
        _row(name='=HYPERLINK("x")'),  # row 2: a formula
        _row(ID_B, name="李\t四", year="20x5", hours="abc"),  # row 3: a control character, wrong types
        _row(ID_C, allowance="1.234", kind="跳舞", skills="手语;潜水", joined="2025-13-01"),  # row 4
        _row(ID_C, year="2025", hours="600", kind="探访"),  # row 5: duplicate key with row 4, too many hours
        _row("110108199001010037", street="街道乙"),  # row 6: wrong check digit, another area
        ["", "", "", "", "", "", "", "", ""],  # an empty row: skipped
    ]
    officer = Officer(street="街道甲")
    report = VOLUNTEERS.load(
        actor=officer, path=_csv(tmp_path, [*rows, _row("110108199001010044", street="街道乙")])
    )
    assert not report.written and STORE == {}
    got = {(e["row"], e["column"]): e["message"] for e in report.errors}
    assert got[(2, "姓名")].startswith("不能以 = + - @ { 开头")
    assert got[(3, "姓名")].startswith("不能包含控制字符")
    assert got[(3, "年度")] == "“20x5”不是有效的年份 / “20x5” is not a valid year"
    assert got[(3, "时长")] == "“abc”不是有效的整数 / “abc” is not a valid whole number"
    assert got[(4, "补贴")] == "应为不小于0、最多两位小数的金额 / an amount in yuan, at most two decimals"
    assert got[(4, "类别")] == "未知值“跳舞” / unknown value “跳舞”"
    assert got[(4, "技能")] == "含未知值“手语;潜水” / contains an unknown value “手语;潜水”"
    assert got[(4, "登记日期")].startswith("日期“2025-13-01”无效")
    assert (
        got[(4, "证件号码")]
        == got[(5, "证件号码")]
        == ("同一人同一年度重复（第4、5行） / the same person and year appear twice (rows 4、5)")
    )
    assert got[(5, "时长")] == "探访时长不能超过500小时 / visits cannot exceed 500 hours"
    assert got[(6, "证件号码")] == "校验位错误 / check digit is wrong"
    # The scope rule comes after the rules, and its refusals are counted (rows 6 and 8: the empty row 7
    # was skipped, the numbers stay those of the spreadsheet).
    assert got[(6, "街道")] == got[(8, "街道")] == OUT_OF_AREA
    assert officer.refusals == [6, 8]
    assert [e["row"] for e in report.errors] == sorted(e["row"] for e in report.errors)
    assert report.rows == 6


def test_an_xlsx_formula_cell_is_never_imported_as_a_formula(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(_row(name="=1+1"))  # openpyxl stores it as a formula (no cached value)
    path = tmp_path / "f.xlsx"
    book.save(path)
    report = VOLUNTEERS.load(actor=Officer(), path=path)
    if report.errors:
        assert {e["column"] for e in report.errors} == {"姓名"}
        assert STORE == {}
    else:  # read as its (empty) value: then the name is missing, which is an error too
        assert not str(STORE[(ID_A, 2025)]["name"]).startswith("=")


def test_a_file_without_a_required_column_or_with_a_column_twice_is_refused(tmp_path):
    with pytest.raises(FileRejected, match="缺少必需的列：街道"):
        VOLUNTEERS.load(actor=Officer(), path=_csv(tmp_path, [_row()[:-1]], header=HEADER[:-1]))
    with pytest.raises(FileRejected, match="出现两次"):
        VOLUNTEERS.load(actor=Officer(), path=_csv(tmp_path, [[*_row(), "x"]], header=[*HEADER, "name"]))


def test_unknown_columns_are_warnings(tmp_path):
    report = VOLUNTEERS.load(actor=Officer(), path=_csv(tmp_path, [[*_row(), "x"]], header=[*HEADER, "备注"]))
    assert report.warnings == [
        {"row": 1, "column": "备注", "message": "未知列，已忽略 / unknown column, ignored"}
    ]
    assert report.created == 1


def test_column_rules_are_placed_where_the_dataset_names_them_or_first():
    names = [r.name for r in VOLUNTEERS.all_rules() if isinstance(r, Rule)]
    assert names[:3] == ["id_number.required", "id_number.shape", "id_number.check"]
    assert names[-2:] == ["id_number.duplicate", "hours.too_many_for_visits"]
    placed = Dataset(**{**VOLUNTEERS.__dict__, "rules": ("hours.invalid", "id_number.required")})
    assert [r.name for r in placed.all_rules()][-2:] == ["hours.invalid", "id_number.required"]
    with pytest.raises(ValueError, match="no column rule named"):
        Dataset(**{**VOLUNTEERS.__dict__, "rules": ("hours.nonsense",)}).all_rules()
    replaced = Rule("hours.invalid", "hours", pl.lit(False), "x")
    rules = Dataset(**{**VOLUNTEERS.__dict__, "rules": (replaced,)}).all_rules()
    assert [r for r in rules if getattr(r, "name", "") == "hours.invalid"] == [replaced]
