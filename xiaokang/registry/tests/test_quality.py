"""The data-quality report (R7): duplicates, expiring certificates, deceased with active data."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import fastexcel
import polars as pl
import pytest

from tests.helpers import make_id, person_row, write_csv
from xiaokang.core.crypto import mask_id_number
from xiaokang.core.dates import anniversary
from xiaokang.registry.models import Certificate, certificate_valid_until
from xiaokang.registry.quality import (
    DECEASED_ACTIVE_SHEET,
    DUPLICATES_SHEET,
    EXPIRING_SHEET,
    EXPIRY_WARNING_DAYS,
    SUMMARY_SHEET,
    quality_report,
    write_quality_xlsx,
)
from xiaokang.registry.services import persons_import

pytestmark = pytest.mark.django_db

# A fixed "today" for the report; certificates are issued ten years before, so always in the past.
TODAY = dt.date(2024, 6, 15)


def issued_for(valid_until: dt.date) -> dt.date:
    """The issue date of a certificate valid until ``valid_until`` (the day before its 10th anniversary)."""
    issued = anniversary(valid_until + dt.timedelta(days=1), -10)
    assert certificate_valid_until(issued) == valid_until
    return issued


def expiring_row(n: int, days: int, **overrides) -> dict:
    return person_row(n, 发证日期=issued_for(TODAY + dt.timedelta(days=days)).isoformat(), **overrides)


def twin(name: str, birth: str, seq: int, n: int, **overrides) -> dict:
    """A person with the given name and birth date (YYYYMMDD) and their own ID number."""
    id_number = make_id(f"110108{birth}{seq:03d}")
    return person_row(n, 姓名=name, 公民身份号码=id_number, 残疾人证号=id_number + "41", **overrides)


def load(tmp_path, rows, actor, name="seed.csv"):
    report = persons_import(actor=actor, path=write_csv(tmp_path / name, rows))
    assert report.errors == [], report.errors
    return report


def _ids(frame: pl.DataFrame) -> set[str]:
    return set(frame.get_column("id_number_masked"))


# --- expiring certificates --------------------------------------------------------------------------


def test_expiring_lists_day_0_to_day_90_and_nothing_else(tmp_path, system_actor):
    rows = {
        "day0": expiring_row(1, 0),
        "day1": expiring_row(2, 1),
        "day90": expiring_row(3, EXPIRY_WARNING_DAYS),
        "day91": expiring_row(4, EXPIRY_WARNING_DAYS + 1),
        "yesterday": expiring_row(5, -1),
        "moved_out": expiring_row(6, 10, 人员状态="迁出"),
        "deceased": expiring_row(7, 10, 人员状态="死亡"),
        "far": person_row(8, 发证日期="2020-01-01"),
    }
    load(tmp_path, list(rows.values()), system_actor)

    report = quality_report(actor=system_actor, today=TODAY)

    by_mask = {mask_id_number(r["公民身份号码"]): key for key, r in rows.items()}
    assert len(by_mask) == len(rows)
    assert [by_mask[m] for m in report.expiring.get_column("id_number_masked")] == ["day0", "day1", "day90"]
    assert report.expiring.get_column("days_left").to_list() == [0, 1, 90]
    assert report.expiring.get_column("valid_until").to_list() == [
        TODAY,
        TODAY + dt.timedelta(days=1),
        TODAY + dt.timedelta(days=90),
    ]
    first = report.expiring.row(0, named=True)
    assert first["certificate_number_masked"] == mask_id_number(rows["day0"]["公民身份号码"]) + "41"
    assert first["name"] == "测试1" and first["street"] == "万寿路街道" and first["community"] == "测试社区"


def test_a_replaced_certificate_no_longer_counts(tmp_path, system_actor):
    # given a certificate expiring in 30 days, then reissued (B1) with a new issue date
    row = expiring_row(1, 30)
    load(tmp_path, [row], system_actor)
    assert quality_report(actor=system_actor, today=TODAY).expiring.height == 1
    reissued = {**row, "残疾人证号": row["残疾人证号"] + "B1", "发证日期": "2024-05-01"}
    load(tmp_path, [reissued], system_actor, name="reissue.csv")

    report = quality_report(actor=system_actor, today=TODAY)

    assert Certificate.objects.filter(status="replaced").count() == 1
    assert report.expiring.height == 0


def test_expiring_reissued_certificate_shows_its_suffix_masked(tmp_path, system_actor):
    row = expiring_row(1, 5)
    row["残疾人证号"] += "B2"
    load(tmp_path, [row], system_actor)

    report = quality_report(actor=system_actor, today=TODAY)

    assert report.expiring.get_column("certificate_number_masked").to_list() == [
        mask_id_number(row["公民身份号码"]) + "41B2"
    ]


# --- suspected duplicates ---------------------------------------------------------------------------


def duplicate_population() -> list[dict]:
    return [
        twin("王芳", "19800505", 1, 1),
        twin("王芳", "19800505", 2, 2, 社区村="第二社区"),
        twin("王芳", "19800505", 3, 3, 街道乡镇="中关村街道", 人员状态="死亡"),
        twin("王芳", "19800506", 4, 4),  # another birth date: not a duplicate
        twin("李娜", "19800505", 5, 5),  # another name: not a duplicate
        twin("张伟", "19750101", 6, 6),
        twin("张伟", "19750101", 7, 7),
        twin("赵磊", "19700101", 8, 8, 街道乡镇="中关村街道"),
        twin("赵磊", "19700101", 9, 9, 街道乡镇="中关村街道"),
    ]


def _groups(frame: pl.DataFrame) -> set[frozenset[str]]:
    """The duplicate groups by membership (group numbers depend on the database's collation)."""
    return {frozenset(g.get_column("id_number_masked")) for _, g in frame.group_by("group")}


def test_duplicates_are_same_name_and_birth_date_with_different_id_numbers(tmp_path, system_actor):
    rows = duplicate_population()
    load(tmp_path, rows, system_actor)
    masked = [mask_id_number(r["公民身份号码"]) for r in rows]

    report = quality_report(actor=system_actor, today=TODAY)

    assert _groups(report.duplicates) == {
        frozenset(masked[0:3]),
        frozenset(masked[5:7]),
        frozenset(masked[7:9]),
    }
    assert report.counts()["duplicate_groups"] == 3
    assert sorted(report.duplicates.get_column("group").unique().to_list()) == [1, 2, 3]
    row = report.duplicates.filter(pl.col("id_number_masked") == masked[2]).row(0, named=True)
    assert row["name"] == "王芳" and row["birth_year"] == 1980
    assert row["street"] == "中关村街道" and row["status"] == "deceased"
    # rows of one group are adjacent
    groups = report.duplicates.get_column("group").to_list()
    assert groups == sorted(groups)


def test_duplicates_stay_within_the_actors_scope(tmp_path, system_actor, wang_street_a, zhao_street_b):
    rows = duplicate_population()
    load(tmp_path, rows, system_actor)
    masked = [mask_id_number(r["公民身份号码"]) for r in rows]

    a = quality_report(actor=wang_street_a, today=TODAY)
    b = quality_report(actor=zhao_street_b, today=TODAY)

    # officer A sees the two 王芳 of street A, not the third one in street B
    assert _groups(a.duplicates) == {frozenset(masked[0:2]), frozenset(masked[5:7])}
    # officer B's single 王芳 has no twin in their scope: nothing about street A leaks
    assert _groups(b.duplicates) == {frozenset(masked[7:9])}


# --- deceased with active data ----------------------------------------------------------------------


def test_deceased_with_an_active_certificate_is_listed(tmp_path, system_actor):
    rows = [
        person_row(1, 人员状态="死亡"),
        person_row(2),
        person_row(3, 人员状态="迁出"),
        person_row(
            4,
            人员状态="死亡",
            街道乡镇="中关村街道",
            社区村="科学院社区",
            残疾类别="多重",
            多重残疾类别="视力,听力",
            残疾等级="二级",
        ),
    ]
    rows[3]["残疾人证号"] = rows[3]["公民身份号码"] + "72B1"
    load(tmp_path, rows, system_actor)

    report = quality_report(actor=system_actor, today=TODAY)

    frame = report.deceased_active
    assert _ids(frame) == {mask_id_number(rows[0]["公民身份号码"]), mask_id_number(rows[3]["公民身份号码"])}
    assert set(frame.get_column("kind")) == {"certificate"}
    second = frame.filter(pl.col("name") == "测试4").row(0, named=True)
    assert second["item"] == mask_id_number(rows[3]["公民身份号码"]) + "72B1"
    assert second["valid_until"] == certificate_valid_until(dt.date(2020, 1, 1))
    assert second["street"] == "中关村街道" and second["community"] == "科学院社区"
    assert isinstance(second["status_changed_on"], dt.date)


# --- scope ------------------------------------------------------------------------------------------


def mixed_population() -> list[dict]:
    return [
        expiring_row(1, 10),
        expiring_row(2, 10, 街道乡镇="中关村街道"),
        person_row(3, 人员状态="死亡"),
        person_row(4, 人员状态="死亡", 街道乡镇="中关村街道"),
    ]


def test_each_list_is_scoped_to_the_actor(
    tmp_path, system_actor, wang_street_a, zhao_street_b, li_district_officer
):
    rows = mixed_population()
    load(tmp_path, rows, system_actor)
    masked = [mask_id_number(r["公民身份号码"]) for r in rows]

    a = quality_report(actor=wang_street_a, today=TODAY)
    b = quality_report(actor=zhao_street_b, today=TODAY)
    district = quality_report(actor=li_district_officer, today=TODAY)

    assert (_ids(a.expiring), _ids(a.deceased_active)) == ({masked[0]}, {masked[2]})
    assert (_ids(b.expiring), _ids(b.deceased_active)) == ({masked[1]}, {masked[3]})
    assert (_ids(district.expiring), _ids(district.deceased_active)) == (
        {masked[0], masked[1]},
        {masked[2], masked[3]},
    )


def test_actor_without_registry_access_gets_empty_lists(tmp_path, system_actor):
    from xiaokang.accounts.models import User

    load(tmp_path, mixed_population() + duplicate_population()[:2], system_actor)
    auditor = User.objects.create_user("auditor", password="Pass-word-123", role="auditor")

    report = quality_report(actor=auditor, today=TODAY)

    assert report.counts() == {"duplicates": 0, "duplicate_groups": 0, "expiring": 0, "deceased_active": 0}


def test_today_defaults_to_the_local_date(db, system_actor):
    from django.utils import timezone

    report = quality_report(actor=system_actor)

    assert report.today == timezone.localdate()
    assert report.horizon_days == EXPIRY_WARNING_DAYS


# --- the spreadsheet --------------------------------------------------------------------------------


def test_quality_xlsx_has_a_summary_then_one_sheet_per_list(tmp_path, system_actor):
    rows = [*mixed_population(), twin("王芳", "19800505", 1, 11), twin("王芳", "19800505", 2, 12)]
    load(tmp_path, rows, system_actor)
    report = quality_report(actor=system_actor, today=TODAY)
    path = tmp_path / "quality.xlsx"

    write_quality_xlsx(report, path)

    reader = fastexcel.read_excel(str(path))
    assert reader.sheet_names == [SUMMARY_SHEET, DUPLICATES_SHEET, EXPIRING_SHEET, DECEASED_ACTIVE_SHEET]
    summary = reader.load_sheet(SUMMARY_SHEET).to_polars()
    assert summary.get_column("数量").cast(pl.Int64).to_list() == [2, 2, 2]
    assert "1组" in summary.get_column("说明")[0]
    duplicates = reader.load_sheet(DUPLICATES_SHEET, dtypes="string").to_polars()
    assert duplicates.columns == [
        "组号",
        "公民身份号码",
        "姓名",
        "出生年份",
        "街道乡镇",
        "社区村",
        "人员状态",
    ]
    # The year only: the date beside the masked ID would give back the whole ID number (PIPL art. 28).
    assert set(duplicates.get_column("出生年份")) == {"1980"}
    assert set(duplicates.get_column("人员状态")) == {"正常"}
    expiring = reader.load_sheet(EXPIRING_SHEET, dtypes="string").to_polars()
    assert expiring.columns == [
        "公民身份号码",
        "姓名",
        "街道乡镇",
        "社区村",
        "残疾人证号",
        "有效期至",
        "剩余天数",
    ]
    assert expiring.get_column("剩余天数").to_list() == ["10", "10"]
    deceased = reader.load_sheet(DECEASED_ACTIVE_SHEET, dtypes="string").to_polars()
    assert deceased.columns == [
        "公民身份号码",
        "姓名",
        "街道乡镇",
        "社区村",
        "状态变更日期",
        "仍有效的数据",
        "记录",
        "有效期至",
    ]
    assert set(deceased.get_column("仍有效的数据")) == {"有效残疾人证"}
    # masked only: no clear ID number anywhere in the workbook
    archive = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    text = "".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    for row in rows:
        assert row["公民身份号码"] not in text


def test_quality_xlsx_of_a_clean_registry_has_empty_lists(db, tmp_path, system_actor):
    path = tmp_path / "quality.xlsx"

    write_quality_xlsx(quality_report(actor=system_actor, today=TODAY), path)

    reader = fastexcel.read_excel(str(path))
    summary = reader.load_sheet(SUMMARY_SHEET).to_polars()
    assert summary.get_column("数量").cast(pl.Int64).to_list() == [0, 0, 0]
    assert reader.load_sheet(EXPIRING_SHEET).to_polars().height == 0
