"""Employers (E1): the all-or-nothing import (service, CLI, page), the staff pages, the API, and
the street officer's scope on each, with the three actors of ARCHITECTURE.md (district, street A,
street B)."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.helpers import STREET_A, STREET_B, write_csv
from xiaokang.accounts.services import api_token_issue
from xiaokang.audit.models import AuditEvent
from xiaokang.core.identifiers import parse_uscc, uscc_check_char
from xiaokang.core.models import Area
from xiaokang.employment.importing import employer_save, employers_import
from xiaokang.employment.models import Employer

pytestmark = pytest.mark.django_db


def make_uscc(n: int) -> str:
    """A valid 统一社会信用代码 (GB 32100-2015): enterprise (91), Haidian (110108), organisation code n."""
    first17 = f"91110108{n:09d}"
    return first17 + uscc_check_char(first17)


def employer_row(n: int = 1, **overrides) -> dict:
    """One valid row of the employer import format (Chinese headers), employer number ``n``."""
    row = {
        "统一社会信用代码": make_uscc(n),
        "单位名称": f"测试单位{n}",
        "单位类型": "企业",
        "是否国有": "否",
        "所在街道": "万寿路街道",
        "残工委成员单位": "否",
    }
    row.update(overrides)
    return row


def wrong_check(code: str) -> str:
    """``code`` with another check character."""
    return code[:17] + ("0" if code[17] != "0" else "1")


@pytest.fixture
def imported(tmp_path, system_actor):
    """Employer 1 in street A (万寿路街道), employer 2 in street B (中关村街道, a member unit)."""
    rows = [employer_row(1), employer_row(2, 所在街道="中关村街道", 残工委成员单位="是")]
    report = employers_import(actor=system_actor, path=write_csv(tmp_path / "seed.csv", rows))
    assert report.written, report.errors
    return {
        "a": Employer.objects.unscoped(reason="test").get(street__code=STREET_A),
        "b": Employer.objects.unscoped(reason="test").get(street__code=STREET_B),
    }


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


# ---------------------------------------------------------------------------------------------------
# The import


def test_a_valid_file_is_imported_and_audited(tmp_path, system_actor):
    rows = [
        employer_row(1, 单位类型="机关", 是否国有="是"),
        employer_row(2, 单位类型="private_non_enterprise", 所在街道="110108011", 残工委成员单位="是"),
        employer_row(3, 所在街道="110108001000", 统一社会信用代码=make_uscc(3).lower()),
    ]
    path = write_csv(tmp_path / "employers.csv", rows)

    dry = employers_import(actor=system_actor, path=path, dry_run=True)
    assert (dry.rows, dry.created, dry.written) == (3, 3, False)
    assert not Employer.objects.unscoped(reason="test").exists()

    report = employers_import(actor=system_actor, path=path)

    assert report.as_json() == {
        "rows": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "errors": [],
        "warnings": [],
    }
    one = Employer.objects.unscoped(reason="test").get(uscc=make_uscc(1))
    assert (one.employer_type, one.state_owned, one.street.code) == ("government_organ", True, STREET_A)
    two = Employer.objects.unscoped(reason="test").get(uscc=make_uscc(2))
    assert (two.employer_type, two.street.code, two.committee_member) == (
        "private_non_enterprise",
        STREET_B,
        True,
    )
    assert Employer.objects.unscoped(reason="test").filter(uscc=make_uscc(3)).exists()  # stored in upper case
    assert len(events("employer.create")) == 3
    (file_event,) = events("employer.import")
    assert file_event.object_id == "employers.csv" and len(file_event.details["sha256"]) == 64
    assert file_event.details["created"] == 3


@pytest.mark.parametrize(
    ("overrides", "column", "message"),
    [
        (
            {"统一社会信用代码": wrong_check(make_uscc(2))},
            "统一社会信用代码",
            "统一社会信用代码校验位不正确 / the check character of the unified social credit code is wrong",
        ),
        (
            {"统一社会信用代码": "91110108ABC"},
            "统一社会信用代码",
            "统一社会信用代码应为18位数字或大写字母（不含I、O、S、V、Z） / "
            "a unified social credit code is 18 digits or capital letters (no I, O, S, V, Z)",
        ),
        ({"单位类型": "公司"}, "单位类型", "未知单位类型“公司”"),
        (
            {"所在街道": "火星街道"},
            "所在街道",
            "海淀区没有街道乡镇“火星街道” / no street or town “火星街道” in Haidian",
        ),
        ({"单位名称": ""}, "单位名称", "必填 / required"),
        ({"单位名称": "x" * 201}, "单位名称", "超过200字 / longer than 200 characters"),
        ({"单位名称": "=HYPERLINK(1)"}, "单位名称", "不能以 = + - @ { 开头"),
        ({"是否国有": "也许"}, "是否国有", "未知值“也许”，应为是或否"),
        ({"残工委成员单位": "maybe"}, "残工委成员单位", "unknown value “maybe”, expected 是 or 否"),
    ],
)
def test_each_error_names_row_and_column_and_nothing_is_written(
    tmp_path, system_actor, overrides, column, message
):
    path = write_csv(tmp_path / "e.csv", [employer_row(1), employer_row(2, **overrides)])

    report = employers_import(actor=system_actor, path=path)

    assert len(report.errors) == 1, report.errors
    (error,) = report.errors
    assert (error["row"], error["column"]) == (3, column)
    assert message in error["message"]
    assert not report.written
    assert not Employer.objects.unscoped(reason="test").exists()
    assert not events("employer.import") and not events("employer.create")


def test_a_code_twice_in_the_file_is_an_error_on_both_rows(tmp_path, system_actor):
    rows = [employer_row(1), employer_row(2), employer_row(3, 统一社会信用代码=make_uscc(1))]

    report = employers_import(actor=system_actor, path=write_csv(tmp_path / "e.csv", rows))

    assert [(e["row"], e["column"]) for e in report.errors] == [
        (2, "统一社会信用代码"),
        (4, "统一社会信用代码"),
    ]
    assert "（第2、4行）" in report.errors[0]["message"] and "(rows 2、4)" in report.errors[0]["message"]
    assert not Employer.objects.unscoped(reason="test").exists()


def test_english_aliases_and_unknown_columns(tmp_path, system_actor):
    path = tmp_path / "e.csv"
    path.write_text(
        f"uscc,name,type,street,remark\n{make_uscc(1)},Acme,enterprise,万寿路,hello\n", encoding="utf-8"
    )

    report = employers_import(actor=system_actor, path=path)

    assert report.written and report.created == 1
    assert report.warnings == [
        {"row": 1, "column": "remark", "message": "未知列，已忽略 / unknown column, ignored"}
    ]
    employer = Employer.objects.unscoped(reason="test").get()
    assert (employer.state_owned, employer.committee_member) == (False, False)  # defaults 否


def test_a_required_column_missing_refuses_the_file(tmp_path, system_actor):
    from xiaokang.registry.importing.reader import FileRejected

    path = tmp_path / "e.csv"
    path.write_text(f"统一社会信用代码,单位名称\n{make_uscc(1)},甲\n", encoding="utf-8")
    with pytest.raises(FileRejected, match="单位类型"):
        employers_import(actor=system_actor, path=path)


def test_a_reimport_is_unchanged_and_a_change_is_an_update(tmp_path, system_actor, imported):
    rows = [employer_row(1), employer_row(2, 所在街道="中关村街道", 残工委成员单位="是")]
    again = employers_import(actor=system_actor, path=write_csv(tmp_path / "again.csv", rows))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert not events("employer.update")

    rows[0]["单位名称"] = "新名称"
    rows.append(employer_row(3))
    changed = employers_import(actor=system_actor, path=write_csv(tmp_path / "changed.csv", rows))

    assert (changed.created, changed.updated, changed.unchanged) == (1, 1, 1)
    assert Employer.objects.unscoped(reason="test").get(pk=imported["a"].pk).name == "新名称"
    (update,) = events("employer.update")
    assert update.object_id == str(imported["a"].pk)
    assert update.details["changes"] == {"name": ["测试单位1", "新名称"]}


def test_a_street_officer_imports_employers_of_their_street_only(tmp_path, wang_street_a, imported):
    rows = [
        employer_row(3),
        employer_row(4, 所在街道="中关村街道"),  # another street
        employer_row(2, 所在街道="万寿路街道"),  # street B's employer, moved into street A
    ]

    report = employers_import(actor=wang_street_a, path=write_csv(tmp_path / "e.csv", rows))

    assert [(e["row"], e["column"]) for e in report.errors] == [(3, "所在街道"), (4, "统一社会信用代码")]
    assert all("outside your area (110108001000)" in e["message"] for e in report.errors)
    assert (
        Employer.objects.unscoped(reason="test").count() == 2
        and Employer.objects.unscoped(reason="test").get(pk=imported["b"].pk).street.code == STREET_B
    )

    ok = employers_import(actor=wang_street_a, path=write_csv(tmp_path / "ok.csv", [employer_row(3)]))
    assert ok.written and ok.created == 1


def test_the_form_uses_the_import_rules_and_is_audited(li_district_officer, wang_street_a, imported):
    values = {
        "uscc": wrong_check(make_uscc(5)),
        "name": "",
        "type": "公司",
        "street": "万寿路街道",
    }
    result = employer_save(actor=li_district_officer, values=values)
    assert {e["field"] for e in result.errors} == {"uscc", "name", "type"}
    assert result.employer is None and Employer.objects.unscoped(reason="test").count() == 2

    values.update(uscc=make_uscc(5), name="新单位", type="事业单位")
    result = employer_save(actor=li_district_officer, values=values)
    assert result.errors == [] and result.employer.employer_type == "public_institution"
    assert events("employer.create")[-1].details["source"] == "form"

    taken = employer_save(actor=li_district_officer, values={**values, "uscc": make_uscc(1)})
    assert taken.errors[0]["message"].startswith("该统一社会信用代码已登记")

    changed = employer_save(actor=wang_street_a, employer=imported["a"], values={"state_owned": "是"})
    assert (
        changed.errors == [] and Employer.objects.unscoped(reason="test").get(pk=imported["a"].pk).state_owned
    )
    assert events("employer.update")[-1].details["changes"] == {"state_owned": [False, True]}
    moved = employer_save(actor=wang_street_a, employer=imported["a"], values={"street": "中关村街道"})
    assert moved.errors[0]["field"] == "street" and "outside your area" in moved.errors[0]["message"]


def test_parse_uscc_agrees_with_the_generated_codes():
    assert parse_uscc(make_uscc(7).lower()) == make_uscc(7)


# ---------------------------------------------------------------------------------------------------
# Pages


def client_for(user) -> Client:
    # In English: the assertions name the msgids, which hold whatever the Chinese catalogue says.
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def csv_upload(rows: list[dict], name: str = "employers.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8-sig"), content_type="text/csv")


def test_the_list_searches_filters_and_is_scoped(imported, li_district_officer, wang_street_a, zhao_street_b):
    page = client_for(li_district_officer).get(reverse("employer-list")).content.decode()
    assert "测试单位1" in page and "测试单位2" in page
    assert "<caption" in page and '<th scope="col">' in page

    page = client_for(li_district_officer).get(reverse("employer-list"), {"committee_member": "yes"})
    assert "测试单位2" in page.content.decode() and "测试单位1" not in page.content.decode()
    page = client_for(li_district_officer).get(reverse("employer-list"), {"q": make_uscc(1)[:17].lower()})
    assert "测试单位1" in page.content.decode() and "测试单位2" not in page.content.decode()
    page = client_for(li_district_officer).get(
        reverse("employer-list"), {"street": STREET_B, "type": "enterprise"}
    )
    assert "测试单位2" in page.content.decode() and "测试单位1" not in page.content.decode()

    page = client_for(wang_street_a).get(reverse("employer-list")).content.decode()
    assert "测试单位1" in page and "测试单位2" not in page
    page = client_for(zhao_street_b).get(reverse("employer-list"), {"q": "测试"}).content.decode()
    assert "测试单位2" in page and "测试单位1" not in page


def test_the_list_is_paginated(tmp_path, system_actor, li_district_officer):
    rows = [employer_row(n) for n in range(1, 53)]
    employers_import(actor=system_actor, path=write_csv(tmp_path / "many.csv", rows))
    client = client_for(li_district_officer)
    first = client.get(reverse("employer-list"), {"type": "enterprise"}).content.decode()
    assert "Page 1 of 2" in first and "type=enterprise&amp;page=2" in first
    second = client.get(reverse("employer-list"), {"type": "enterprise", "page": 2}).content.decode()
    assert second.count('<th scope="row">') == 2


def test_the_detail_page_is_404_outside_the_street_and_audited(imported, wang_street_a):
    client = client_for(wang_street_a)
    page = client.get(reverse("employer-detail", args=[imported["a"].pk])).content.decode()
    assert imported["a"].uscc in page and "Quota declarations" in page

    assert client.get(reverse("employer-detail", args=[imported["b"].pk])).status_code == 404
    assert client.get(reverse("employer-edit", args=[imported["b"].pk])).status_code == 404
    assert events("access.denied")[-1].object_id == str(imported["b"].pk)


def test_the_detail_page_lists_declarations_with_the_approved_levy(imported, li_district_officer):
    import datetime as dt
    from decimal import Decimal

    employer = imported["a"]
    common = {"headcount": Decimal(100), "total_wages": Decimal(1), "submitted_on": dt.date(2025, 3, 1)}
    employer.declarations.create(levy_year=2024, state="approved", levy_fen=1234500, **common)
    employer.declarations.create(levy_year=2025, **common)

    page = (
        client_for(li_district_officer).get(reverse("employer-detail", args=[employer.pk])).content.decode()
    )

    assert page.index("2025") < page.index("2024")  # the latest year first
    assert "12,345.00" in page and "not yet approved" in page


def test_create_and_edit_through_the_pages(imported, wang_street_a):
    client = client_for(wang_street_a)
    form = client.get(reverse("employer-create")).content.decode()
    assert '<label for="id_uscc">' in form and "中关村街道" not in form  # their own street only

    response = client.post(
        reverse("employer-create"),
        {"uscc": wrong_check(make_uscc(9)), "name": "", "type": "企业", "street": "万寿路街道"},
    )
    page = response.content.decode()
    assert "<title>Error: Register an employer" in page
    assert 'id="error-summary"' in page and "autofocus" in page
    assert "the check character of the unified social credit code is wrong" in page
    assert 'aria-invalid="true"' in page

    response = client.post(
        reverse("employer-create"),
        {
            "uscc": make_uscc(9),
            "name": "新单位",
            "type": "企业",
            "street": "万寿路街道",
            "state_owned": "否",
            "committee_member": "是",
        },
    )
    employer = Employer.objects.unscoped(reason="test").get(uscc=make_uscc(9))
    assert response.status_code == 303 and response["Location"] == reverse(
        "employer-detail", args=[employer.pk]
    )
    assert employer.committee_member

    edit = client.get(reverse("employer-edit", args=[employer.pk])).content.decode()
    assert f'value="{make_uscc(9)}"' in edit
    response = client.post(
        reverse("employer-edit", args=[employer.pk]),
        {
            "uscc": make_uscc(9),
            "name": "改名单位",
            "type": "企业",
            "street": "万寿路街道",
            "state_owned": "否",
            "committee_member": "是",
        },
    )
    assert (
        response.status_code == 303
        and Employer.objects.unscoped(reason="test").get(pk=employer.pk).name == "改名单位"
    )


def test_import_pages_check_then_confirm(imported, li_district_officer, data_dir):
    client = client_for(li_district_officer)
    assert "统一社会信用代码" in client.get(reverse("employer-import")).content.decode()

    bad = client.post(
        reverse("employer-import"), {"file": csv_upload([employer_row(3), employer_row(4, 所在街道="火星")])}
    ).content.decode()
    assert "1 error: nothing will be written" in bad
    assert re.search(r'<th scope="row" class="num">3</th>\s*<td lang="zh-Hans">所在街道</td>', bad)
    assert reverse("employer-import-confirm") not in bad

    good = client.post(
        reverse("employer-import"), {"file": csv_upload([employer_row(1, 单位名称="改"), employer_row(3)])}
    ).content.decode()
    assert "add 1 new employers, change 1 and leave 0 unchanged" in good
    assert Employer.objects.unscoped(reason="test").count() == 2

    done = client.post(reverse("employer-import-confirm")).content.decode()
    assert "Import done" in done
    assert Employer.objects.unscoped(reason="test").count() == 3
    assert not list((data_dir / "uploads").iterdir())
    assert events("employer.import")[-1].object_id == "employers.csv"
    again = client.post(reverse("employer-import-confirm"), follow=True).content.decode()
    assert "There is no checked file waiting to be imported" in again


def test_a_street_officer_import_page_refuses_another_street(imported, wang_street_a):
    client = client_for(wang_street_a)
    page = client.post(
        reverse("employer-import"), {"file": csv_upload([employer_row(5, 所在街道="中关村街道")])}
    ).content.decode()
    assert "outside your area" in page
    client.post(reverse("employer-import-confirm"))
    assert Employer.objects.unscoped(reason="test").count() == 2


def test_the_export_opens_with_openpyxl_and_is_scoped(imported, wang_street_a, li_district_officer, tmp_path):
    response = client_for(li_district_officer).get(reverse("employer-export"), {"committee_member": "no"})
    assert response.status_code == 200
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("统一社会信用代码", "单位名称", "单位类型", "是否国有", "所在街道", "残工委成员单位")
    assert rows[1:] == [(imported["a"].uscc, "测试单位1", "企业", "否", "万寿路街道", "否")]
    assert events("employer.export")[-1].details["rows"] == 1

    response = client_for(wang_street_a).get(reverse("employer-export"))
    path.write_bytes(b"".join(response.streaming_content))
    codes = [row[0] for row in openpyxl.load_workbook(path).active.iter_rows(min_row=2, values_only=True)]
    assert codes == [imported["a"].uscc]


def test_the_export_reimports_unchanged(imported, li_district_officer, tmp_path, system_actor):
    response = client_for(li_district_officer).get(reverse("employer-export"))
    path = tmp_path / "all.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    report = employers_import(actor=system_actor, path=path)
    assert (report.rows, report.unchanged, report.errors) == (2, 2, [])


@pytest.mark.parametrize("role", ["community_worker", "auditor", "security_admin"])
def test_other_roles_get_403(imported, other_roles, role):
    client = client_for(other_roles[role])
    assert client.get(reverse("employer-list")).status_code == 403
    assert client.get(reverse("employer-detail", args=[imported["a"].pk])).status_code == 403
    assert client.post(reverse("employer-import-confirm")).status_code == 403


# ---------------------------------------------------------------------------------------------------
# API


def api_get(user, path, params=None):
    client = Client()
    return client.get(
        f"/api/v1{path}", params or {}, HTTP_AUTHORIZATION=f"Bearer {api_token_issue(user=user)}"
    )


def test_api_lists_filters_and_pages(imported, li_district_officer):
    answer = api_get(li_district_officer, "/employers").json()
    assert answer["count"] == 2 and [e["name"] for e in answer["items"]] == ["测试单位1", "测试单位2"]
    assert answer["items"][1] | {"id": 0} == {
        "id": 0,
        "uscc": make_uscc(2),
        "name": "测试单位2",
        "type": "enterprise",
        "type_zh": "企业",
        "state_owned": False,
        "street_code": STREET_B,
        "street_name": "中关村街道",
        "committee_member": True,
    }
    assert [
        e["name"]
        for e in api_get(li_district_officer, "/employers", {"committee_member": "true"}).json()["items"]
    ] == ["测试单位2"]
    assert (
        api_get(li_district_officer, "/employers", {"street": "110108001", "type": "企业"}).json()["count"]
        == 1
    )
    assert api_get(li_district_officer, "/employers", {"q": "单位2"}).json()["count"] == 1
    page = api_get(li_district_officer, "/employers", {"limit": 1, "offset": 1}).json()
    assert (page["count"], [e["name"] for e in page["items"]], page["offset"]) == (2, ["测试单位2"], 1)
    bad = api_get(li_district_officer, "/employers", {"type": "公司", "limit": 500})
    assert bad.status_code == 422
    assert {d["field"] for d in bad.json()["detail"]} == {"type", "limit"}


def test_api_scope_and_roles(imported, wang_street_a, other_roles):
    assert [e["name"] for e in api_get(wang_street_a, "/employers").json()["items"]] == ["测试单位1"]
    assert api_get(wang_street_a, "/employers", {"street": STREET_B}).json()["count"] == 0
    assert api_get(wang_street_a, f"/employers/{imported['a'].pk}").json()["uscc"] == imported["a"].uscc
    outside = api_get(wang_street_a, f"/employers/{imported['b'].pk}")
    assert outside.status_code == 404 and outside.json() == {"detail": "未找到 / not found"}
    assert api_get(wang_street_a, "/employers/999999").status_code == 404
    assert api_get(wang_street_a, f"/employers/{2**70}").status_code == 404
    for role in ("community_worker", "auditor", "security_admin"):
        assert api_get(other_roles[role], "/employers").status_code == 403
    assert Client().get("/api/v1/employers").status_code == 401


def test_area_fixture_sanity():
    assert Area.objects.filter(code=STREET_A).exists()
