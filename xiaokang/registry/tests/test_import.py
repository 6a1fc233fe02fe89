"""The person import (R5, R6): planted errors are reported at their exact row and column and
nothing is written; re-import is idempotent; changes update the person and record history; hostile or
unusable files are refused."""

from __future__ import annotations

import io
import zipfile

import pytest
import xlsxwriter

from tests.helpers import make_id, person_row, write_csv
from xiaokang.registry.importing.reader import FileRejected
from xiaokang.registry.models import Certificate, EconomicStatusPeriod, Household, Person, PersonHistory
from xiaokang.registry.services import persons_import

pytestmark = pytest.mark.django_db


def _import(tmp_path, rows, actor, name="persons.csv", **kwargs):
    return persons_import(actor=actor, path=write_csv(tmp_path / name, rows), **kwargs)


def _errors(report):
    return [(e["row"], e["column"]) for e in report.errors]


def _nothing_written():
    return (
        not Person.objects.unscoped(reason="test").exists()
        and not Household.objects.exists()
        and not PersonHistory.objects.exists()
    )


def test_valid_file_creates_persons_certificates_households_and_history(tmp_path, system_actor):
    rows = [
        person_row(1),
        person_row(2, 家庭编号="H1", 与户主关系="配偶"),
        person_row(3, 街道乡镇="110108011"),
    ]

    report = _import(tmp_path, rows, system_actor)

    assert (report.rows, report.created, report.updated, report.unchanged, report.errors) == (3, 3, 0, 0, [])
    assert Person.objects.unscoped(reason="test").count() == 3
    assert Household.objects.count() == 2
    assert Certificate.objects.filter(status="active").count() == 3
    assert PersonHistory.objects.filter(action="create").count() == 3
    assert EconomicStatusPeriod.objects.filter(valid_to__isnull=True).count() == 2
    person = Person.objects.unscoped(reason="test").get(name="测试3")
    assert person.street.code == "110108011000"
    assert person.community.parent_id == person.street_id


def test_derived_birth_date_sex_and_masked_numbers_are_stored(tmp_path, system_actor):
    id_number = make_id("11010519491231002")  # = 11010519491231002X, DOMAIN.md's example
    _import(
        tmp_path,
        [person_row(1, 公民身份号码=id_number, 残疾人证号=id_number + "41", 联系电话="138-1234-5678")],
        system_actor,
    )

    person = Person.objects.unscoped(reason="test").get()
    assert str(person.birth_date) == "1949-12-31"
    assert person.sex == "female"  # sequence 002: even
    assert person.id_number_masked == "110105********002X"
    assert person.phone_masked == "138****5678"
    assert id_number not in person.id_number_encrypted and "13812345678" not in (person.phone_encrypted or "")


def test_lowercase_x_is_accepted_and_stored_uppercase(tmp_path, system_actor):
    id_number = make_id("11010519491231002").lower()
    report = _import(
        tmp_path, [person_row(1, 公民身份号码=id_number, 残疾人证号=id_number + "41")], system_actor
    )
    assert report.errors == []
    assert Person.objects.unscoped(reason="test").get().id_number_masked.endswith("002X")


@pytest.mark.parametrize(
    ("overrides", "column"),
    [
        ({"公民身份号码": "110105194912310021"}, "公民身份号码"),  # bad check digit (DOMAIN.md)
        ({"公民身份号码": "36042619910102009X"}, "公民身份号码"),  # bad check digit (DOMAIN.md)
        ({"公民身份号码": make_id("11010819900230001")}, "公民身份号码"),  # 30 February
        ({"公民身份号码": make_id("11010821000101001")}, "公民身份号码"),  # born in 2100
        (
            {"公民身份号码": "11010819900101", "残疾人证号": make_id("11010819900101001") + "41"},
            "公民身份号码",
        ),
        ({"残疾人证号": make_id("11010819800101999") + "41"}, "残疾人证号"),  # another person's ID
        ({"残疾人证号": "X"}, "残疾人证号"),
        ({"残疾类别": "视力"}, "残疾人证号"),  # certificate says 4 肢体
        ({"残疾等级": "二级"}, "残疾人证号"),  # certificate says grade 1
        ({"残疾类别": "失明"}, "残疾类别"),
        ({"残疾等级": "五级"}, "残疾等级"),
        ({"户籍类型": "外地"}, "户籍类型"),
        ({"人员状态": "失踪"}, "人员状态"),
        ({"街道乡镇": "朝阳门街道"}, "街道乡镇"),
        ({"社区村": "110108011001"}, "社区村"),  # a code under another street
        ({"多重残疾类别": "肢体、精神"}, "多重残疾类别"),  # components without 多重
        ({"发证日期": "2020-13-01"}, "发证日期"),
        ({"发证日期": "2999-01-01"}, "发证日期"),
        ({"家庭经济状况": "富裕"}, "家庭经济状况"),
        ({"危房": "也许"}, "危房"),
        ({"就业状况": "打工"}, "就业状况"),
        ({"生活自理": "部分"}, "生活自理"),
        ({"联系电话": "call me"}, "联系电话"),
        ({"姓名": ""}, "姓名"),
        ({"姓名": '=HYPERLINK("http://x")'}, "姓名"),
        ({"现住址": "@SUM(A1)"}, "现住址"),
    ],
)
def test_a_planted_error_names_its_row_and_column_and_nothing_is_written(
    tmp_path, system_actor, overrides, column
):
    if (
        "公民身份号码" in overrides and "残疾人证号" not in overrides
    ):  # keep the certificate consistent with it
        overrides["残疾人证号"] = overrides["公民身份号码"] + "41"
    rows = [person_row(1), person_row(2), person_row(3, **overrides), person_row(4)]

    report = _import(tmp_path, rows, system_actor)

    assert _errors(report) == [(4, column)]  # header = row 1, so the third data row is row 4
    assert " / " in report.errors[0]["message"]  # Chinese / English
    assert _nothing_written()


def test_multiple_without_components_is_an_error_and_with_components_is_stored(tmp_path, system_actor):
    bad_id, good_id = make_id("11010819800101001"), make_id("11010819800101003")
    rows = [
        person_row(1, 公民身份号码=bad_id, 残疾人证号=bad_id + "72", 残疾类别="多重", 残疾等级="2"),
        person_row(
            2,
            公民身份号码=good_id,
            残疾人证号=good_id + "72",
            残疾类别="7",
            残疾等级="2",
            多重残疾类别="精神；肢体",
        ),
    ]
    assert _errors(_import(tmp_path, rows, system_actor)) == [(2, "多重残疾类别")]

    report = _import(tmp_path, rows[1:], system_actor)
    assert report.errors == []
    assert Certificate.objects.get().components == "46"


def test_the_same_id_number_twice_marks_each_row(tmp_path, system_actor):
    rows = [person_row(1), person_row(2), person_row(1, 姓名="别人")]
    report = _import(tmp_path, rows, system_actor)
    assert _errors(report) == [(2, "公民身份号码"), (4, "公民身份号码")]
    assert "2、4" in report.errors[0]["message"]
    assert _nothing_written()


def test_rows_of_one_household_must_agree_on_household_fields(tmp_path, system_actor):
    rows = [
        person_row(1, 家庭编号="F"),
        person_row(2, 家庭编号="F", 家庭经济状况="一般", 危房="是"),
        person_row(3),
    ]
    report = _import(tmp_path, rows, system_actor)
    assert _errors(report) == [(2, "家庭经济状况"), (2, "危房"), (3, "家庭经济状况"), (3, "危房")]
    assert _nothing_written()


def test_every_error_is_reported_not_only_the_first(tmp_path, system_actor):
    rows = [person_row(n) for n in range(1, 201)]
    rows[10]["残疾类别"] = "?"
    rows[150]["户籍类型"] = "?"
    rows[199]["公民身份号码"] = "1"
    report = _import(tmp_path, rows, system_actor)
    assert _errors(report) == [(12, "残疾类别"), (152, "户籍类型"), (201, "公民身份号码")]
    assert _nothing_written()


def test_english_aliases_free_column_order_and_unknown_columns(tmp_path, system_actor):
    from xiaokang.registry.importing.columns import BY_FIELD

    zh_to_alias = {c.zh: c.field for c in BY_FIELD.values()}
    row = {zh_to_alias[k]: v for k, v in reversed(list(person_row(1).items()))}
    row["备注"] = "something"
    report = _import(tmp_path, [row], system_actor)
    assert report.errors == []
    assert report.created == 1
    assert report.warnings == [
        {"row": 1, "column": "备注", "message": "未知列，已忽略 / unknown column, ignored"}
    ]


def test_optional_columns_may_be_absent_and_take_their_defaults(tmp_path, system_actor):
    required = [
        "姓名",
        "公民身份号码",
        "残疾人证号",
        "残疾类别",
        "残疾等级",
        "发证日期",
        "户籍类型",
        "街道乡镇",
        "社区村",
        "家庭编号",
        "家庭经济状况",
    ]
    row = {k: v for k, v in person_row(1).items() if k in required}
    assert _import(tmp_path, [row], system_actor).errors == []
    person = Person.objects.unscoped(reason="test").get()
    assert (person.relation, person.status, person.employment, person.self_care, person.work_injury_care) == (
        "head",
        "normal",
        "not_employed",
        True,
        False,
    )


def test_reimporting_the_same_file_changes_nothing(tmp_path, system_actor):
    rows = [person_row(n, 联系电话="13800000000" if n % 2 else "") for n in range(1, 21)]
    _import(tmp_path, rows, system_actor)
    history_before = PersonHistory.objects.count()
    versions = list(
        Person.objects.unscoped(reason="test").order_by("id").values_list("version", "updated_at")
    )

    report = _import(tmp_path, rows, system_actor)

    assert (report.created, report.updated, report.unchanged) == (0, 0, 20)
    assert PersonHistory.objects.count() == history_before
    assert (
        list(Person.objects.unscoped(reason="test").order_by("id").values_list("version", "updated_at"))
        == versions
    )


def test_a_changed_row_updates_the_person_and_records_old_and_new_values(tmp_path, system_actor):
    _import(tmp_path, [person_row(1), person_row(2)], system_actor)

    report = _import(
        tmp_path,
        [person_row(1, 姓名="新名字", 人员状态="死亡", 联系电话="13911112222"), person_row(2)],
        system_actor,
    )

    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    person = Person.objects.unscoped(reason="test").get(name="新名字")
    assert person.status == "deceased" and person.status_changed_on is not None
    assert person.version == 2
    entry = PersonHistory.objects.filter(person=person, action="update").get()
    assert entry.changes["name"] == ["测试1", "新名字"]
    assert entry.changes["status"] == ["normal", "deceased"]
    assert entry.changes["phone"] == [None, "139****2222"]  # masked, never in clear
    assert entry.actor_label == "system:tests"


def test_a_new_grade_replaces_the_certificate_and_keeps_the_old_one(tmp_path, system_actor):
    row = person_row(1)
    _import(tmp_path, [row], system_actor)
    id_number = row["公民身份号码"]

    _import(tmp_path, [person_row(1, 残疾等级="二级", 残疾人证号=id_number + "42")], system_actor)

    assert list(Certificate.objects.order_by("id").values_list("grade", "status")) == [
        (1, "replaced"),
        (2, "active"),
    ]


def test_a_household_status_change_closes_the_old_period_and_updates_every_member(tmp_path, system_actor):
    _import(
        tmp_path, [person_row(1, 家庭编号="F"), person_row(2, 家庭编号="F", 与户主关系="子女")], system_actor
    )
    EconomicStatusPeriod.objects.update(valid_from="2020-01-01")  # the status held since 2020

    report = _import(tmp_path, [person_row(1, 家庭编号="F", 家庭经济状况="低收入")], system_actor)

    assert report.updated == 1
    periods = list(EconomicStatusPeriod.objects.order_by("valid_from").values_list("status", "valid_to"))
    assert periods[0][0] == "dibao" and periods[0][1] is not None
    assert periods[1] == ("low_income", None)
    other = Person.objects.unscoped(reason="test").get(
        name="测试2"
    )  # not in the file, but their household changed
    assert other.history.filter(action="update").get().changes == {"economic_status": ["dibao", "low_income"]}


def test_a_new_community_name_is_created_under_its_street(tmp_path, system_actor):
    from xiaokang.core.models import Area

    _import(
        tmp_path,
        [person_row(1, 社区村="新建社区"), person_row(2, 社区村="新建社区", 街道乡镇="上地")],
        system_actor,
    )

    codes = sorted(Area.objects.filter(name="新建社区").values_list("code", flat=True))
    assert codes == ["110108001001", "110108022001"]


def test_dry_run_counts_but_writes_nothing(tmp_path, system_actor):
    report = _import(tmp_path, [person_row(1), person_row(2)], system_actor, dry_run=True)
    assert (report.created, report.written) == (2, False)
    assert _nothing_written()


def test_a_street_officer_cannot_import_rows_of_another_street(tmp_path, wang_street_a):
    rows = [person_row(1), person_row(2, 街道乡镇="中关村街道")]
    report = _import(tmp_path, rows, wang_street_a)
    assert _errors(report) == [(3, "街道乡镇")]
    assert _nothing_written()


def test_xlsx_with_spreadsheet_dates_imports_like_csv(tmp_path, system_actor):
    import datetime as dt

    row = person_row(1)
    path = tmp_path / "persons.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet()
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for col, (header, value) in enumerate(row.items()):
        sheet.write_string(0, col, header)
        if header == "发证日期":
            sheet.write_datetime(1, col, dt.datetime(2020, 1, 1), date_format)
        elif header == "残疾等级":
            sheet.write_number(1, col, 1)
        else:
            sheet.write_string(1, col, value)
    book.close()

    report = persons_import(actor=system_actor, path=path)

    assert report.errors == []
    assert str(Certificate.objects.get().issued_on) == "2020-01-01"


# --- files that cannot be used at all (exit code 2) ------------------------------------------------------
def test_missing_required_columns_are_named(tmp_path, system_actor):
    row = {k: v for k, v in person_row(1).items() if k not in ("残疾等级", "家庭编号")}
    with pytest.raises(FileRejected) as excinfo:
        _import(tmp_path, [row], system_actor)
    assert "残疾等级" in str(excinfo.value) and "household" in str(excinfo.value)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02binary\x00", "not a spreadsheet (xlsx or csv)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
        ("姓名,公民身份号码\n张三,1\n".encode("gbk"), "UTF-8"),
        (b'a,b\n"unclosed,1\n', "CSV"),
        (b"PK\x03\x04 not really a zip", "zip"),
    ],
)
def test_unusable_files_are_refused(tmp_path, system_actor, content, expected):
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    with pytest.raises(FileRejected) as excinfo:
        persons_import(actor=system_actor, path=path)
    assert expected in str(excinfo.value)
    assert _nothing_written()


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path, system_actor):
    path = tmp_path / "persons.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(FileRejected, match="not an xlsx workbook"):
        persons_import(actor=system_actor, path=path)


def test_a_file_over_the_size_limit_is_refused(tmp_path, system_actor, settings):
    settings.XIAOKANG_IMPORT_MAX_BYTES = 100
    with pytest.raises(FileRejected, match="limit"):
        _import(tmp_path, [person_row(1)], system_actor)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path, system_actor, settings):
    settings.XIAOKANG_IMPORT_MAX_UNZIPPED_BYTES = 10 * 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr(
            "xl/worksheets/sheet1.xml", b"\x00" * (20 * 1024 * 1024)
        )  # 20 MB of zeros, ~20 KB packed
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(buffer.getvalue())
    assert path.stat().st_size < 100_000
    with pytest.raises(FileRejected, match="too large when unzipped"):
        persons_import(actor=system_actor, path=path)


def test_a_header_only_file_imports_nothing(tmp_path, system_actor):
    path = tmp_path / "empty.csv"
    path.write_text(",".join(person_row(1).keys()) + "\n", encoding="utf-8")
    report = persons_import(actor=system_actor, path=path)
    assert (report.rows, report.errors) == (0, [])


def test_phone_masks_are_the_same_column_wise_as_one_by_one(tmp_path, system_actor):
    from xiaokang.core.crypto import mask_phone

    phones = ["13812345678", "01062345678", "62543210", "6254321", "12345", "010623456789"]
    _import(tmp_path, [person_row(n, 联系电话=p) for n, p in enumerate(phones, start=1)], system_actor)
    stored = dict(Person.objects.unscoped(reason="test").values_list("name", "phone_masked"))
    assert [stored[f"测试{n}"] for n in range(1, len(phones) + 1)] == [mask_phone(p) for p in phones]
    assert stored["测试3"] == "****3210"  # an 8-digit landline keeps only its last four digits


def test_every_imported_change_is_an_audit_event_and_the_chain_verifies(tmp_path, system_actor):
    from xiaokang.audit.models import AuditEvent
    from xiaokang.audit.services import log_action, verify_chain

    log_action(system_actor, "login.success")  # the chain already has a head
    _import(tmp_path, [person_row(1), person_row(2, 家庭编号="H1")], system_actor)
    _import(
        tmp_path,
        [person_row(1, 姓名="改“名”\\字", 联系电话="13911112222"), person_row(2, 家庭编号="H1")],
        system_actor,
    )

    person = Person.objects.unscoped(reason="test").get(name="改“名”\\字")
    events = list(AuditEvent.objects.filter(person_id=person.pk).order_by("id"))
    assert [e.action for e in events] == ["person.create", "person.update"]
    assert events[1].details == {
        "source": "import",
        "changes": {"name": ["测试1", "改“名”\\字"], "phone": [None, "139****2222"]},
    }
    assert AuditEvent.objects.filter(action="registry.import").count() == 2
    assert verify_chain().broken_id is None
    assert verify_chain().checked == AuditEvent.objects.count() == 6
