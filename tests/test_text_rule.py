"""Names and addresses refuse a leading = + - @ { and control characters (U11; GB/T 22239-2019 8.1.4.4),
in the person import (and so the person forms and API, which validate as a one-row import) and the
employer import (and its form): the error names the row and the column in both languages, nothing is
written."""

from __future__ import annotations

import pytest

from tests.helpers import person_row, write_csv
from xiaokang.core.safe_text import text_problem
from xiaokang.employment.importing import employers_import
from xiaokang.employment.models import Employer
from xiaokang.employment.tests.test_employers import employer_row
from xiaokang.registry.models import Person
from xiaokang.registry.services import persons_import

pytestmark = pytest.mark.django_db

FORMULA = "不能以 = + - @ { 开头（电子表格会当作公式） / must not start with = + - @ or {"
CONTROL = "不能包含控制字符（如制表符、换行符） / must not contain control characters"


@pytest.mark.parametrize(
    ("overrides", "column", "message"),
    [
        ({"姓名": '{=HYPERLINK("http://evil.example","x")}'}, "姓名", FORMULA),
        ({"姓名": "=1+1"}, "姓名", FORMULA),
        ({"姓名": "张\t三"}, "姓名", CONTROL),
        ({"姓名": "张\n三"}, "姓名", CONTROL),
        ({"姓名": "张\x85三"}, "姓名", CONTROL),  # C1 (NEL)
        ({"现住址": "{=1}"}, "现住址", FORMULA),
        ({"现住址": "北京市\x07海淀区"}, "现住址", CONTROL),
        ({"现住址": "海淀区\r\n中关村"}, "现住址", CONTROL),
    ],
)
def test_the_person_import_refuses_formula_starts_and_control_characters(
    tmp_path, system_actor, overrides, column, message
):
    rows = [person_row(1), person_row(2, **overrides)]
    report = persons_import(actor=system_actor, path=write_csv(tmp_path / "p.csv", rows))
    assert [(e["row"], e["column"]) for e in report.errors] == [(3, column)]
    assert report.errors[0]["message"].startswith(message)
    assert not Person.objects.unscoped(reason="test").exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [("{=HYPERLINK(1)}", FORMULA), ("甲\t公司", CONTROL), ("甲公司\x9b", CONTROL)],
)
def test_the_employer_import_refuses_them_too(tmp_path, system_actor, name, message):
    path = write_csv(tmp_path / "e.csv", [employer_row(1), employer_row(2, 单位名称=name)])
    report = employers_import(actor=system_actor, path=path)
    assert [(e["row"], e["column"]) for e in report.errors] == [(3, "单位名称")]
    assert report.errors[0]["message"].startswith(message)
    assert not Employer.objects.unscoped(reason="test").exists()


def test_ordinary_names_and_addresses_pass():
    for value in ("张三", "欧阳·娜娜", "北京市海淀区中关村大街1号院2-301", "O'Brien", "", None):
        assert text_problem(value) is None
    assert text_problem("{x") and text_problem("a\tb") and text_problem("-1")


@pytest.mark.parametrize("name", ["=cmd|' /C calc'!A0", "{=1}", "张\t三"])
def test_interpreting_bookings_and_interpreters_refuse_them(name):
    import datetime as dt

    from django.utils import timezone

    from xiaokang.accounts.actors import SystemActor
    from xiaokang.interpreting.models import Booking, Interpreter
    from xiaokang.interpreting.services import (
        InterpretingError,
        booking_create,
        interpreter_save,
        parse_times,
        slots_add,
    )

    actor = SystemActor("tests")
    with pytest.raises(InterpretingError) as refused:
        interpreter_save(actor=actor, name=name, languages="中国手语")
    assert refused.value.field == "name" and " / " in refused.value.message
    interpreter = interpreter_save(actor=actor, name="测试译员", languages="中国手语")
    day = timezone.localdate() + dt.timedelta(days=3)
    [slot] = slots_add(actor=actor, interpreter=interpreter, day=day, times=parse_times("09:00-10:00"))
    for field in ("requester_name", "organisation"):
        values = {"requester_name": "张三", "organisation": "海淀医院", field: name}
        with pytest.raises(InterpretingError) as refused:
            booking_create(
                actor=actor,
                slot=slot,
                requester_kind="office",
                phone="13812345678",
                purpose="hospital",
                **values,
            )
        assert refused.value.errors[field].startswith(("不能以", "不能包含"))
    assert not Booking.objects.exists() and Interpreter.objects.count() == 1


def test_an_applicant_name_is_refused_too():
    from tests.helpers import make_id
    from xiaokang.portal.applicants import ApplicantError, applicant_register

    with pytest.raises(ApplicantError) as refused:
        applicant_register(
            name="{=HYPERLINK(1)}", id_number=make_id("11010819900101001"), phone="13800001234", password="x"
        )
    assert refused.value.field == "name"


def test_the_import_error_csv_quotes_every_formula_start():
    from xiaokang.core.safe_text import spreadsheet_safe

    for value in ("=1", "+1", "-1", "@A1", "{=1}", "\t=1", "\r=1"):
        assert spreadsheet_safe(value) == "'" + value
    assert spreadsheet_safe("张三") == "张三" and spreadsheet_safe(None) == ""
