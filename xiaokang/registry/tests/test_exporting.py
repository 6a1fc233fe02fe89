"""The person export and the empty template (R5): round trips, masking, scope, street filter."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import fastexcel
import openpyxl
import polars as pl
import pytest

from tests.helpers import STREET_A, STREET_B, person_row, write_csv
from xiaokang.core.crypto import mask_id_number
from xiaokang.core.models import Area
from xiaokang.registry.exporting import (
    GUIDE_SHEET,
    PERSON_SHEET,
    ROW_SCHEMA,
    TEMPLATE_LAST_ROW,
    export_persons,
    person_rows,
    rows_to_import_frame,
    write_template,
    write_xlsx,
)
from xiaokang.registry.exporting import (
    write_csv as export_write_csv,
)
from xiaokang.registry.importing.columns import PERSON_COLUMNS
from xiaokang.registry.importing.reader import read_table
from xiaokang.registry.importing.validate import validate_persons
from xiaokang.registry.models import Certificate, Person, PersonHistory
from xiaokang.registry.selectors import area_directory
from xiaokang.registry.services import persons_import

pytestmark = pytest.mark.django_db

HEADERS = [c.zh for c in PERSON_COLUMNS]


def _id(row: dict) -> str:
    return row["公民身份号码"]


def population() -> list[dict]:
    """Every shape of record the import format can carry, in two streets."""
    rows = [
        person_row(1),
        person_row(2, 残疾类别="多重", 多重残疾类别="肢体、精神", 残疾等级="二级"),
        person_row(3, 社区村="第二社区"),
        person_row(4, 联系电话="13812345678", 现住址="海淀区万寿路1号院2号楼301"),
        person_row(5, 人员状态="迁出"),
        person_row(6, 人员状态="死亡", 家庭经济状况="一般"),
        person_row(
            7,
            残疾类别="视力",
            残疾等级="三级",
            户籍类型="本市农业",
            家庭经济状况="低收入",
            计生特殊困难家庭="是",
            危房="是",
            就业状况="在职",
            生活自理="不能",
            享受工伤护理费="是",
            发证日期="2016-02-29",
        ),
        person_row(
            8,
            家庭编号="H7",
            与户主关系="配偶",
            残疾类别="智力",
            残疾等级="四级",
            户籍类型="外埠",
            家庭经济状况="低收入",
            计生特殊困难家庭="是",
            危房="是",
            就业状况="退休",
        ),
        person_row(9, 街道乡镇="中关村街道", 社区村="科学院社区", 就业状况="在校学生", 家庭经济状况="特困"),
        person_row(
            10,
            街道乡镇="中关村街道",
            社区村="科学院社区",
            联系电话="13900001111",
            残疾类别="精神",
            残疾等级="二级",
        ),
    ]
    # Certificate numbers follow category and grade; a reissued certificate carries its B suffix.
    digits = {"视力": "1", "听力": "2", "言语": "3", "肢体": "4", "智力": "5", "精神": "6", "多重": "7"}
    grades = {"一级": "1", "二级": "2", "三级": "3", "四级": "4"}
    for row in rows:
        row["残疾人证号"] = _id(row) + digits[row["残疾类别"]] + grades[row["残疾等级"]]
    rows[2]["残疾人证号"] += "B1"
    return rows


def load(tmp_path, rows: list[dict], actor, name: str = "seed.csv"):
    report = persons_import(actor=actor, path=write_csv(tmp_path / name, rows))
    assert report.errors == [], report.errors
    assert report.created == len(rows)
    return report


def read_xlsx_sheet(path, sheet: int | str = 0) -> pl.DataFrame:
    reader = fastexcel.read_excel(str(path))
    return reader.load_sheet(sheet, dtypes="string").to_polars()


def read_export(path) -> pl.DataFrame:
    if str(path).endswith(".csv"):
        return pl.read_csv(path, infer_schema=False).fill_null("")
    return read_xlsx_sheet(path).fill_null("")


def all_file_text(path) -> str:
    """Every byte of text in the file: all sheets and parts of an xlsx, or the whole CSV."""
    data = path.read_bytes()
    if data.startswith(b"PK"):
        archive = zipfile.ZipFile(io.BytesIO(data))
        return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return data.decode("utf-8-sig")


# --- round trip -------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_full_export_reimports_with_every_row_unchanged(tmp_path, system_actor, suffix):
    # given a registry with every shape of record
    rows = population()
    load(tmp_path, rows, system_actor)
    history = PersonHistory.objects.count()
    certificates = Certificate.objects.count()

    # when it is exported in full and the file imported again
    path = tmp_path / f"export{suffix}"
    count = export_persons(actor=system_actor, path=path, full=True)
    report = persons_import(actor=system_actor, path=path)

    # then every row is unchanged and nothing was written
    assert count == len(rows)
    assert report.errors == []
    assert (report.rows, report.created, report.updated, report.unchanged) == (len(rows), 0, 0, len(rows))
    assert PersonHistory.objects.count() == history
    assert Certificate.objects.count() == certificates


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_full_export_holds_exactly_what_was_imported(tmp_path, system_actor, suffix):
    rows = population()
    load(tmp_path, rows, system_actor)

    path = tmp_path / f"export{suffix}"
    export_persons(actor=system_actor, path=path, full=True)
    exported = read_export(path)

    assert exported.columns == HEADERS
    assert sorted(exported.rows()) == sorted(tuple(r[h] for h in HEADERS) for r in rows)


def test_full_export_normalises_what_the_importer_normalises(tmp_path, system_actor):
    # A phone written with dashes and an ID with a lowercase x are stored normalised, exported as stored,
    # and the export still re-imports unchanged.
    rows = [person_row(n) for n in range(20, 40)]
    row = next(r for r in rows if _id(r).endswith("X"))
    row.update({"公民身份号码": _id(row).lower(), "联系电话": "138-0000 1234", "街道乡镇": "万寿路"})
    row["残疾人证号"] = _id(row) + "41"
    load(tmp_path, rows, system_actor)

    path = tmp_path / "export.csv"
    export_persons(actor=system_actor, path=path, full=True)
    exported = read_export(path)
    back = exported.filter(pl.col("公民身份号码") == _id(row).upper()).row(0, named=True)
    report = persons_import(actor=system_actor, path=path)

    assert back["联系电话"] == "13800001234"
    assert back["街道乡镇"] == "万寿路街道"
    assert back["残疾人证号"].startswith(_id(row).upper())
    assert (report.created, report.updated, report.unchanged) == (0, 0, len(rows))


def test_street_officer_full_export_reimports_unchanged_by_the_same_officer(
    tmp_path, system_actor, wang_street_a
):
    load(tmp_path, population(), system_actor)

    path = tmp_path / "a.xlsx"
    count = export_persons(actor=wang_street_a, path=path, full=True)
    report = persons_import(actor=wang_street_a, path=path)

    assert report.errors == []
    assert (report.rows, report.created, report.updated, report.unchanged) == (count, 0, 0, count)


def test_a_change_after_export_is_seen_on_reimport(tmp_path, system_actor):
    # The round trip is not vacuous: an edited exported cell is an update.
    load(tmp_path, population(), system_actor)
    path = tmp_path / "export.csv"
    export_persons(actor=system_actor, path=path, full=True)
    frame = read_export(path).with_columns(
        pl.when(pl.col("姓名") == "测试1")
        .then(pl.lit("海淀区某路9号"))
        .otherwise(pl.col("现住址"))
        .alias("现住址")
    )
    frame.write_csv(path)

    report = persons_import(actor=system_actor, path=path)

    assert (report.created, report.updated) == (0, 1)


# --- masking ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_masked_export_never_contains_a_clear_id_or_phone_number(tmp_path, system_actor, suffix):
    rows = population()
    load(tmp_path, rows, system_actor)

    path = tmp_path / f"masked{suffix}"
    count = export_persons(actor=system_actor, path=path)
    text = all_file_text(path)
    exported = read_export(path)

    assert count == len(rows)
    for row in rows:
        assert _id(row) not in text
        assert _id(row)[6:14] not in text  # not even the birth date part
        if row["联系电话"]:
            assert row["联系电话"] not in text
    by_name = {r["姓名"]: r for r in exported.iter_rows(named=True)}
    for row in rows:
        got = by_name[row["姓名"]]
        masked = mask_id_number(_id(row))
        assert got["公民身份号码"] == masked == _id(row)[:6] + "********" + _id(row)[-4:]
        # the certificate number is the masked ID + its own suffix, never the clear ID
        assert got["残疾人证号"] == masked + row["残疾人证号"][18:]
    assert by_name["测试4"]["联系电话"] == "138****5678"
    assert by_name["测试1"]["联系电话"] == ""


def test_masked_person_rows_carry_masked_forms(db, tmp_path, system_actor):
    rows = population()
    load(tmp_path, rows, system_actor)

    frame = person_rows(actor=system_actor)
    full = person_rows(actor=system_actor, full=True)

    assert frame.schema == pl.Schema(ROW_SCHEMA)
    assert full.schema == pl.Schema(ROW_SCHEMA)
    assert set(frame.get_column("id_number")) == {mask_id_number(_id(r)) for r in rows}
    assert set(full.get_column("id_number")) == {_id(r) for r in rows}
    assert full.get_column("row").to_list() == list(range(2, len(rows) + 2))


# --- scope and street filter ------------------------------------------------------------------------


def _names(path) -> set[str]:
    return set(read_export(path).get_column("姓名"))


def test_street_officer_exports_only_their_street(
    tmp_path, system_actor, wang_street_a, zhao_street_b, li_district_officer
):
    load(tmp_path, population(), system_actor)

    export_persons(actor=wang_street_a, path=tmp_path / "a.xlsx")
    export_persons(actor=zhao_street_b, path=tmp_path / "b.xlsx")
    export_persons(actor=li_district_officer, path=tmp_path / "d.xlsx")

    a, b, d = _names(tmp_path / "a.xlsx"), _names(tmp_path / "b.xlsx"), _names(tmp_path / "d.xlsx")
    assert a == {f"测试{n}" for n in range(1, 9)}
    assert b == {"测试9", "测试10"}
    assert d == a | b
    assert set(read_export(tmp_path / "a.xlsx").get_column("街道乡镇")) == {"万寿路街道"}


def test_street_officer_asking_for_another_street_gets_nothing(tmp_path, system_actor, wang_street_a):
    load(tmp_path, population(), system_actor)

    count = export_persons(actor=wang_street_a, path=tmp_path / "other.csv", street_code=STREET_B)

    assert count == 0
    assert read_export(tmp_path / "other.csv").columns == HEADERS


def test_community_worker_exports_only_their_community(tmp_path, system_actor):
    from xiaokang.accounts.models import User

    load(tmp_path, population(), system_actor)
    community = Area.objects.get(parent__code=STREET_A, name="第二社区")
    worker = User.objects.create_user(
        "worker", password="Pass-word-123", role="community_worker", area=community
    )

    frame = person_rows(actor=worker)

    assert frame.get_column("name").to_list() == ["测试3"]


def test_actor_without_registry_access_gets_an_empty_export(tmp_path, system_actor, auditor_qian):
    load(tmp_path, population(), system_actor)
    auditor = auditor_qian

    frame = person_rows(actor=auditor, full=True)
    count = export_persons(actor=auditor, path=tmp_path / "none.xlsx", full=True)

    assert frame.height == 0
    assert frame.schema == pl.Schema(ROW_SCHEMA)
    assert count == 0
    assert read_xlsx_sheet(tmp_path / "none.xlsx").columns == HEADERS


@pytest.mark.parametrize("code", [STREET_B, STREET_B[:9]])
def test_street_filter_accepts_9_and_12_digit_codes(tmp_path, system_actor, code):
    load(tmp_path, population(), system_actor)

    count = export_persons(actor=system_actor, path=tmp_path / "b.csv", street_code=code)

    assert count == 2
    assert _names(tmp_path / "b.csv") == {"测试9", "测试10"}


@pytest.mark.parametrize("code", ["110108099", "110108099000", "110108000000", "110108001001", "abc", ""])
def test_unknown_street_code_is_refused_in_both_languages(db, tmp_path, system_actor, code):
    with pytest.raises(ValueError, match=f"未知街道乡镇代码 {code} / unknown street code {code}"):
        export_persons(actor=system_actor, path=tmp_path / "x.xlsx", street_code=code)
    assert not (tmp_path / "x.xlsx").exists()


@pytest.mark.parametrize("name", ["persons.txt", "persons.xls", "persons"])
def test_export_refuses_other_file_types(db, tmp_path, system_actor, name):
    with pytest.raises(ValueError, match=r"不支持的导出文件类型.*unsupported export file type"):
        export_persons(actor=system_actor, path=tmp_path / name)
    assert list(tmp_path.iterdir()) == []


# --- the file formats -------------------------------------------------------------------------------


def test_xlsx_cells_are_text_with_a_bold_frozen_header(tmp_path, system_actor):
    load(tmp_path, population(), system_actor)
    path = tmp_path / "export.xlsx"
    export_persons(actor=system_actor, path=path, full=True)

    inferred = fastexcel.read_excel(str(path)).load_sheet(0).to_polars()  # no dtypes forced
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[PERSON_SHEET]

    assert workbook.sheetnames == [PERSON_SHEET]
    for header in ("公民身份号码", "残疾人证号", "联系电话", "发证日期"):
        assert inferred.schema[header] == pl.Utf8
    assert all(cell.data_type == "s" for row in sheet.iter_rows(min_row=2) for cell in row if cell.value)
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.column_dimensions["B"].width >= 18  # the ID number column fits 18 digits


def test_write_xlsx_writes_extra_sheets_and_numbers(tmp_path):
    frame = pl.DataFrame({"号码": ["110105194912310020"], "数量": [3]})
    extra = pl.DataFrame({"名称": ["甲", "乙"]})

    write_xlsx(frame, tmp_path / "x.xlsx", sheet_name="一", extra_sheets={"二": extra})

    reader = fastexcel.read_excel(str(tmp_path / "x.xlsx"))
    assert reader.sheet_names == ["一", "二"]
    first = reader.load_sheet(0).to_polars()
    assert first.row(0) == ("110105194912310020", 3)
    assert reader.load_sheet(1).to_polars().get_column("名称").to_list() == ["甲", "乙"]


def test_csv_has_a_byte_order_mark_and_chinese_headers(tmp_path, system_actor):
    load(tmp_path, population(), system_actor)
    path = tmp_path / "export.csv"

    export_persons(actor=system_actor, path=path)

    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header == HEADERS


def test_write_csv_of_an_empty_frame_writes_the_header(tmp_path):
    export_write_csv(pl.DataFrame(schema={h: pl.Utf8 for h in HEADERS}), tmp_path / "e.csv")

    assert (tmp_path / "e.csv").read_text(encoding="utf-8-sig").strip() == ",".join(HEADERS)


# --- validated rows → import format (also the benchmarks' writer) ----------------------------------


def test_rows_to_import_frame_inverts_validation(db, tmp_path):
    # given a file whose communities are not yet in the database (community_code null after validation)
    rows = population()
    sheet = read_table(write_csv(tmp_path / "in.csv", rows), PERSON_COLUMNS)
    validated = validate_persons(sheet.frame, sheet.headers, area_directory(), today=dt.date(2025, 1, 1))
    assert validated.errors.height == 0

    # when the validated rows are turned back into the import format, names given as a dict
    names = {STREET_A: "万寿路街道", STREET_B: "中关村街道"}
    frame = rows_to_import_frame(validated.rows, names=names)

    # then the file comes back cell for cell
    assert frame.columns == HEADERS
    assert frame.rows() == [tuple(r[h] for h in HEADERS) for r in rows]


def test_rows_to_import_frame_prefers_the_known_community_name(db):
    row = {name: [None] for name in ROW_SCHEMA}
    row.update(
        {
            "row": [2],
            "name": ["甲"],
            "id_number": ["11010519491231002X"],
            "category": ["physical"],
            "grade": [1],
            "components": [""],
            "cert_reissue": [""],
            "hukou": ["beijing_urban"],
            "street_code": [STREET_A],
            "community_code": ["110108001001"],
            "community_name": ["110108001001"],
            "household": ["H"],
            "relation": ["head"],
            "economic_status": ["dibao"],
            "family_planning_hardship": [False],
            "dangerous_house": [True],
            "employment": ["student"],
            "self_care": [False],
            "work_injury_care": [True],
            "address": [""],
            "status": ["normal"],
        }
    )
    frame = pl.DataFrame(row, schema=ROW_SCHEMA)

    out = rows_to_import_frame(frame, names={STREET_A: "万寿路街道", "110108001001": "甲社区"}).row(
        0, named=True
    )

    assert out["社区村"] == "甲社区"
    assert out["残疾人证号"] == "11010519491231002X41"
    assert (out["危房"], out["生活自理"], out["享受工伤护理费"], out["计生特殊困难家庭"]) == (
        "是",
        "不能",
        "是",
        "否",
    )
    assert out["联系电话"] == "" and out["发证日期"] == ""


# --- the template -----------------------------------------------------------------------------------


def test_template_has_the_header_and_an_explanation_sheet(tmp_path):
    path = tmp_path / "template.xlsx"

    write_template(path)

    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == [PERSON_SHEET, GUIDE_SHEET]
    sheet = workbook[PERSON_SHEET]
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet.max_row == 1
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    # ID, certificate and phone columns are text so that Excel keeps every digit
    for header in ("公民身份号码", "残疾人证号", "联系电话"):
        index = HEADERS.index(header) + 1
        # adjacent columns of the same format are stored as one <col min max> range
        dimension = next(d for d in sheet.column_dimensions.values() if d.min <= index <= d.max)
        assert dimension.number_format == "@"

    guide = read_xlsx_sheet(path, GUIDE_SHEET)
    assert guide.columns == ["列名", "英文别名", "必填", "默认值", "允许的值", "English notes"]
    body = guide.head(len(PERSON_COLUMNS))
    assert body.get_column("列名").to_list() == HEADERS
    assert body.get_column("英文别名").to_list() == [c.field for c in PERSON_COLUMNS]
    assert body.get_column("必填").to_list() == ["是" if c.required else "否" for c in PERSON_COLUMNS]
    assert body.get_column("默认值").fill_null("").to_list() == [c.default or "" for c in PERSON_COLUMNS]
    assert body.get_column("允许的值").to_list() == [c.values_zh for c in PERSON_COLUMNS]
    notes = " ".join(guide.get_column("列名").drop_nulls().to_list()[len(PERSON_COLUMNS) :])
    assert "全部或全无" in notes and "all-or-nothing" in notes and "第1行" in notes and "row 1" in notes


def test_template_dropdowns_cover_the_enumerated_columns(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path)

    sheet = openpyxl.load_workbook(path)[PERSON_SHEET]
    by_column = {}
    for validation in sheet.data_validations.dataValidation:
        assert validation.type == "list"
        for cell_range in validation.sqref.ranges:
            assert (cell_range.min_row, cell_range.max_row) == (2, TEMPLATE_LAST_ROW)
            by_column[HEADERS[cell_range.min_col - 1]] = validation.formula1.strip('"').split(",")

    assert set(by_column) == {
        "残疾类别",
        "残疾等级",
        "户籍类型",
        "与户主关系",
        "家庭经济状况",
        "计生特殊困难家庭",
        "危房",
        "就业状况",
        "生活自理",
        "享受工伤护理费",
        "人员状态",
    }
    assert by_column["残疾类别"] == ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"]
    assert by_column["生活自理"] == ["能", "不能"]
    assert by_column["人员状态"] == ["正常", "迁出", "死亡"]


def test_empty_template_imports_as_zero_rows_without_error(tmp_path, system_actor):
    path = tmp_path / "template.xlsx"
    write_template(path)

    report = persons_import(actor=system_actor, path=path)

    assert report.errors == [] and report.warnings == []
    assert (report.rows, report.created, report.updated, report.unchanged) == (0, 0, 0, 0)
    assert Person.objects.unscoped(reason="test").count() == 0


def test_filled_template_imports(tmp_path, system_actor):
    # The template is the import format: rows typed under its header import.
    path = tmp_path / "template.xlsx"
    write_template(path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[PERSON_SHEET]
    for row in population():
        sheet.append([row[h] or None for h in HEADERS])
    workbook.save(path)

    report = persons_import(actor=system_actor, path=path)

    assert report.errors == []
    assert report.created == len(population())
