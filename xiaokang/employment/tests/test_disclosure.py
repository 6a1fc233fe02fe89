"""The quota-compliance disclosure (E2) and the working committee's member units (E3, T2):
only approved declarations, nothing about employees or wages, the boundary of "meets the quota", the
exports' exact contents, search and filter, unknown years, and the member units' scope.

The data is written straight with the ORM (the declaration service is tested in test_declarations.py): four
approved declarations of 2025, one submitted one, one of 2024, and member units with and without a
declaration. Pages are read in English (the language cookie), so the assertions name the msgids."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pytest
from django.test import Client

from tests.helpers import STREET_A, STREET_B
from xiaokang.accounts.models import User
from xiaokang.audit.models import AuditEvent
from xiaokang.core.models import Area
from xiaokang.employment import disclosure
from xiaokang.employment.models import Declaration, DeclaredEmployee, Employer

pytestmark = pytest.mark.django_db

YEAR = 2025
# Values that must never leave the disclosure: wages, the levy, an employee's certificate number.
TOTAL_WAGES = Decimal("98765432.10")
AVERAGE_WAGE = "987654.32"
LEVY = "555555.55"
CERTIFICATE_MASKED = "110108********123X11"
HOLDER_INDEX = "0123456789abcdef0123456789abcdef"
SECRETS = ("98765432", "987654", "555555", "55555555", CERTIFICATE_MASKED, "********", HOLDER_INDEX)

# Six-character unified social credit codes are enough for tests; real ones have 18.
USCC = {
    "甲": "91110108000000001A",
    "乙": "91110108000000002B",
    "丙": "12110108000000003C",
    "丁": "91110108000000004D",
    "戊": "11110108000000005E",
    "己": "91110108000000006F",
}


def _street(code: str) -> Area:
    return Area.objects.get(code=code)


def _employer(key: str, name: str, *, street=STREET_A, employer_type="enterprise", member=False) -> Employer:
    return Employer.objects.create(
        uscc=USCC[key],
        name=name,
        employer_type=employer_type,
        street=_street(street),
        committee_member=member,
    )


def _decision(headcount: Decimal, counted: int, quota_ratio: str = "0.015") -> dict:
    """A levy decision as the approval stores it (figures as strings; wages and levy included, as the
    real one has them, so that the tests can check they are not disclosed)."""
    quota = (headcount * Decimal(quota_ratio)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    ratio = (Decimal(counted) / headcount).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
    return {
        "figures": {
            "headcount": str(headcount),
            "counted": str(counted),
            "quota": str(quota),
            "shortfall": str(max(quota - counted, Decimal(0))),
            "ratio": str(ratio),
            "average_wage": AVERAGE_WAGE,
            "capped_wage": AVERAGE_WAGE,
            "reduction": "0.90",
            "exempt": "false",
            "levy": LEVY,
        },
        "parameters": {"quota_ratio": quota_ratio},
        "version": "test",
    }


def _declare(
    employer: Employer,
    headcount: str,
    counted: int,
    *,
    year: int = YEAR,
    approved: bool = True,
    approved_at: dt.datetime | None = None,
    decision: dict | None = None,
) -> Declaration:
    headcount_value = Decimal(headcount)
    return Declaration.objects.create(
        employer=employer,
        levy_year=year,
        headcount=headcount_value,
        total_wages=TOTAL_WAGES,
        submitted_on=dt.date(year, 3, 10),
        state="approved" if approved else "submitted",
        approved_at=(approved_at or dt.datetime(year, 6, 30, 2, 0, tzinfo=dt.UTC)) if approved else None,
        counted=counted if approved else None,
        levy_fen=55555555 if approved else None,
        reduction=Decimal("0.90") if approved else None,
        exempt=False if approved else None,
        decision=(decision or _decision(headcount_value, counted)) if approved else {},
    )


@pytest.fixture
def data() -> dict:
    """2025: 甲 (100 staff, 2 counted: meets), 乙 (200 staff, 3 counted = quota 3: meets exactly),
    丙 (400 staff, 5 counted < 6: does not), 己 (10 staff, 0 counted: does not) approved; 丁 submitted.
    2024: 甲 approved. Member units: 甲 and 丁 (street A), 戊 (street A, no declaration at all), 丙 and 己
    (street B)."""
    jia = _employer("甲", "甲科技有限公司", member=True)
    yi = _employer("乙", "乙建设集团有限公司")
    bing = _employer("丙", "丙研究院", street=STREET_B, employer_type="public_institution", member=True)
    ding = _employer("丁", "丁贸易有限公司", member=True)
    wu = _employer("戊", "戊区政府办公室", employer_type="government_organ", member=True)
    ji = _employer("己", "己咨询有限公司", street=STREET_B, member=True)
    # Approved at 20:00 UTC on 30 June: 1 July in Beijing, the day it is disclosed.
    jia_2025 = _declare(jia, "100", 2, approved_at=dt.datetime(2025, 6, 30, 20, 0, tzinfo=dt.UTC))
    DeclaredEmployee.objects.create(
        declaration=jia_2025,
        certificate_encrypted="ciphertext-of-the-certificate",
        certificate_masked=CERTIFICATE_MASKED,
        holder_index=HOLDER_INDEX,
        contract_months=24,
        minimum_wage_met=True,
        social_insurance_paid=True,
        grade=1,
        outcome="counted",
        counts_as=2,
    )
    _declare(yi, "200", 3)
    _declare(bing, "400", 5)
    _declare(ji, "10", 0)
    _declare(ding, "50", 1, approved=False)
    _declare(jia, "90", 2, year=2024)
    return {"jia": jia, "yi": yi, "bing": bing, "ding": ding, "wu": wu, "ji": ji}


def english(client: Client | None = None) -> Client:
    client = client or Client()
    client.cookies["django_language"] = "en"
    return client


def _signed_in(user) -> Client:
    client = english()
    client.force_login(user)
    return client


def _text(response) -> str:
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8")


def _xlsx_rows(content: bytes, sheet: int = 0) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return [tuple(row) for row in workbook.worksheets[sheet].iter_rows(values_only=True)]


def _xlsx_bytes(response) -> bytes:
    return b"".join(response.streaming_content)


# ---------------------------------------------------------------------------------------------------
# Selectors


def test_only_approved_declarations_are_disclosed_sorted_by_name(data):
    rows = list(disclosure.disclosure_rows(disclosure.disclosure_queryset(YEAR)))

    names = [row.name for row in rows]
    assert names == sorted(["甲科技有限公司", "乙建设集团有限公司", "丙研究院", "己咨询有限公司"])
    assert "丁贸易有限公司" not in names  # submitted, not approved
    assert [row.levy_year for row in rows] == [YEAR] * 4
    totals = disclosure.disclosure_totals(disclosure.disclosure_queryset(YEAR))
    assert (totals.employers, totals.meeting, totals.not_meeting) == (4, 2, 2)


def test_meets_the_quota_when_counted_equals_the_quota(data):
    rows = {row.name: row for row in disclosure.disclosure_rows(disclosure.disclosure_queryset(YEAR))}

    exactly = rows["乙建设集团有限公司"]
    assert (exactly.counted, exactly.quota) == (3, Decimal("3.0000"))
    assert exactly.meets
    assert rows["甲科技有限公司"].meets  # 2 ≥ 1.5
    assert not rows["丙研究院"].meets  # 5 < 6
    assert not rows["己咨询有限公司"].meets  # 0 < 0.15


def test_the_databases_filter_agrees_with_the_rows_at_the_boundary(data):
    # Just above and just below a whole number, so that a float comparison would show.
    over = Employer.objects.create(
        uscc="91110108000000007G", name="庚有限公司", employer_type="enterprise", street=_street(STREET_A)
    )
    under = Employer.objects.create(
        uscc="91110108000000008H", name="辛有限公司", employer_type="enterprise", street=_street(STREET_A)
    )
    # 200.01 × 0.015 = 3.00015 → quota 3.0002 (4 decimals, half up): 3 counted do not meet it.
    _declare(over, "200.01", 3)
    # 199.99 × 0.015 = 2.99985 → 2.9999: 3 counted meet it.
    _declare(under, "199.99", 3)

    meeting = {
        row.name for row in disclosure.disclosure_rows(disclosure.disclosure_queryset(YEAR, meets=True))
    }
    not_meeting = {
        row.name for row in disclosure.disclosure_rows(disclosure.disclosure_queryset(YEAR, meets=False))
    }
    assert meeting == {"甲科技有限公司", "乙建设集团有限公司", "辛有限公司"}
    assert not_meeting == {"丙研究院", "己咨询有限公司", "庚有限公司"}
    for row in disclosure.disclosure_rows(disclosure.disclosure_queryset(YEAR)):
        assert row.meets == (row.name in meeting)


def test_a_decision_without_a_quota_figure_uses_its_quota_ratio(data):
    employer = Employer.objects.create(
        uscc="91110108000000009J", name="壬有限公司", employer_type="enterprise", street=_street(STREET_A)
    )
    decision = _decision(Decimal("100"), 2, quota_ratio="0.02")
    del decision["figures"]["quota"], decision["figures"]["ratio"]
    _declare(employer, "100", 2, decision=decision)

    (row,) = disclosure.disclosure_rows(disclosure.disclosure_queryset(YEAR, search="壬"))
    assert (row.quota, row.ratio, row.meets) == (Decimal("2.0000"), Decimal("0.020000"), True)
    assert disclosure.disclosure_queryset(YEAR, search="壬", meets=True).count() == 1


def test_years_with_approved_declarations(data):
    _declare(data["wu"], "30", 0, year=2023, approved=False)

    years = disclosure.disclosure_years()

    assert [(y.year, y.employers, y.meeting) for y in years] == [(2025, 4, 2), (2024, 1, 1)]


# ---------------------------------------------------------------------------------------------------
# The public page


def test_the_disclosure_page_is_public_and_lists_the_approved_employers(data):
    response = english().get("/quota/2025/")

    assert response.status_code == 200
    page = _text(response)
    for name in ("甲科技有限公司", "乙建设集团有限公司", "丙研究院", "己咨询有限公司"):
        assert name in page
    assert "丁贸易有限公司" not in page
    assert USCC["甲"] in page
    assert "事业单位" in page and "public institution" in page  # 丙's type, Chinese then English
    assert "2.00%" in page and "1.50%" in page and "1.25%" in page and "0.00%" in page
    assert "Quota employment disclosure 2025" in page
    # Totals: 4 employers, 2 meet, 2 do not.
    assert '<dd class="number">4</dd>' in page
    assert page.count('<dd class="number">2</dd>') == 2
    assert "at least 1.5 % of its average staff" in page


def test_the_page_is_a_table_with_caption_and_header_scopes(data):
    page = _text(english().get("/quota/2025/"))

    assert '<caption id="results-caption">' in page
    assert 'role="region" aria-labelledby="results-caption" tabindex="0"' in page
    assert page.count('<th scope="col"') >= 7
    assert page.count('<th scope="row" lang="zh-Hans">') == 4
    assert 'role="search"' in page
    assert '<label for="disclosure-q">' in page
    assert "<legend>Show</legend>" in page
    assert 'class="skip-link" href="#main"' in page  # from the base template
    assert 'id="language-select"' in page
    assert 'href="/quota/"' in page  # the menu item of the public pages


def test_search_by_name_or_code_and_filter(data):
    def names(query: str) -> list[str]:
        page = _text(english().get("/quota/2025/" + query))
        return [name for name in ("甲科技", "乙建设", "丙研究院", "己咨询") if name in page]

    assert names("?q=乙") == ["乙建设"]
    assert names("?q=" + USCC["丙"][-6:].lower()) == ["丙研究院"]  # part of the code, any case
    assert names("?q=有限公司") == ["甲科技", "乙建设", "己咨询"]
    assert names("?meets=yes") == ["甲科技", "乙建设"]
    assert names("?meets=no") == ["丙研究院", "己咨询"]
    assert names("?q=有限公司&meets=no") == ["己咨询"]
    assert names("?meets=maybe") == ["甲科技", "乙建设", "丙研究院", "己咨询"]  # ignored

    page = _text(english().get("/quota/2025/?q=有限公司&meets=no"))
    assert "1 of 4 employers matches your search." in page
    assert 'id="result-count" tabindex="-1" autofocus' in page
    assert 'id="meets-no" name="meets" value="no" checked' in page
    assert 'value="有限公司"' in page
    page = _text(english().get("/quota/2025/?q=nobody"))
    assert "No employer matches your search." in page
    assert "<table" not in page


def test_the_page_is_paginated_keeping_the_search(data, monkeypatch):
    monkeypatch.setattr(disclosure, "PAGE_SIZE", 2)

    first = _text(english().get("/quota/2025/?meets="))
    assert "Page 1 of 2" in first and "Showing 1 to 2." in first
    assert 'href="?page=2" rel="next"' in first

    filtered = _text(english().get("/quota/2025/?q=%E6%9C%89%E9%99%90&meets=yes"))  # 有限
    assert "Page 1" not in filtered  # 甲 and 乙: one page

    second = english().get("/quota/2025/?page=2")
    text = _text(second)
    assert second.status_code == 200
    assert "Page 2 of 2" in text and 'rel="prev"' in text
    assert text.count('<th scope="row"') == 2
    assert "page 2 of 2" in text  # in the caption and the title

    beyond = _text(english().get("/quota/2025/?page=99"))  # the last page, not an error
    assert "Page 2 of 2" in beyond


def test_an_unknown_year_says_nothing_was_disclosed(data):
    response = english().get("/quota/2031/")

    assert response.status_code == 200
    assert "Nothing has been disclosed for 2031" in _text(response)
    assert "<table" not in _text(response)
    assert english().get("/quota/99999/").status_code == 404
    assert english().get("/quota/99999/credit.json").status_code == 404


def test_the_years_page(data):
    response = english().get("/quota/")

    assert response.status_code == 200
    page = _text(response)
    assert 'href="/quota/2025/"' in page and 'href="/quota/2024/"' in page
    assert 'href="/quota/2025.xlsx"' in page and 'href="/quota/2025/credit.csv"' in page
    assert 'href="/quota/2025/credit.json"' in page
    assert 'aria-current="page">Quota disclosure' in page


def test_the_years_page_without_any_disclosure():
    page = _text(english().get("/quota/"))
    assert "Nothing has been disclosed yet" in page


def test_pages_take_get_and_head_only(data):
    assert Client().post("/quota/2025/").status_code == 405
    assert Client().head("/quota/2025/credit.csv").status_code == 200


# ---------------------------------------------------------------------------------------------------
# Exports


def test_credit_csv(data):
    response = Client().get("/quota/2025/credit.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="quota-disclosure-2025.csv"'
    content = response.content
    assert not content.startswith(b"\xef\xbb\xbf")  # no byte-order mark
    text = content.decode("utf-8")
    assert text.split("\r\n")[0] == (
        "uscc,name,employer_type,levy_year,headcount,counted_disabled_employees,ratio,quota,"
        "meets_quota,disclosed_on"
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    by_code = {row["uscc"]: row for row in rows}
    assert [row["name"] for row in rows] == sorted(row["name"] for row in rows)
    assert by_code[USCC["甲"]] == {
        "uscc": USCC["甲"],
        "name": "甲科技有限公司",
        "employer_type": "enterprise",
        "levy_year": "2025",
        "headcount": "100.00",
        "counted_disabled_employees": "2",
        "ratio": "0.020000",
        "quota": "1.5000",
        "meets_quota": "true",
        "disclosed_on": "2025-07-01",  # approved 2025-06-30 20:00 UTC: 1 July in Beijing
    }
    assert by_code[USCC["乙"]]["meets_quota"] == "true"
    assert by_code[USCC["乙"]]["quota"] == "3.0000"
    assert by_code[USCC["丙"]]["meets_quota"] == "false"
    assert by_code[USCC["丙"]]["employer_type"] == "public_institution"
    assert by_code[USCC["丙"]]["ratio"] == "0.012500"
    assert USCC["丁"] not in by_code
    assert len(rows) == 4


def test_credit_json(data):
    response = Client().get("/quota/2025/credit.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    document = json.loads(response.content.decode("utf-8"))
    assert set(document) == {"schema", "levy_year", "records"}
    assert document["schema"] == "xiaokang.quota-disclosure/1"
    assert document["levy_year"] == 2025
    records = {record["uscc"]: record for record in document["records"]}
    assert records[USCC["乙"]] == {
        "uscc": USCC["乙"],
        "name": "乙建设集团有限公司",
        "employer_type": "enterprise",
        "levy_year": 2025,
        "headcount": "200.00",
        "counted_disabled_employees": 3,
        "ratio": "0.015000",
        "quota": "3.0000",
        "meets_quota": True,
        "disclosed_on": "2025-06-30",
    }
    assert records[USCC["己"]]["meets_quota"] is False
    assert list(document["records"][0]) == list(disclosure.CREDIT_FIELDS)
    assert "甲科技有限公司" in response.content.decode("utf-8")  # not \u-escaped


def test_disclosure_xlsx(data):
    response = Client().get("/quota/2025.xlsx")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="quota-disclosure-2025.xlsx"'
    content = _xlsx_bytes(response)
    rows = _xlsx_rows(content)
    assert rows[0] == disclosure.DISCLOSURE_XLSX_HEADER
    assert rows[0][0] == "单位名称"
    by_code = {row[1]: row for row in rows[1:]}
    assert len(by_code) == 4
    assert by_code[USCC["丙"]] == ("丙研究院", USCC["丙"], "事业单位", 400, 5, 0.0125, "否")
    assert by_code[USCC["乙"]][-1] == "是"
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    assert sheet["F2"].number_format == "0.000000"  # the ratio with six decimals
    assert sheet["D2"].number_format == "0.00"
    notes = dict(_xlsx_rows(content, sheet=1)[1:])
    assert notes["公示年度"] == "2025"
    assert (notes["单位数"], notes["达到规定比例的单位数"]) == (4, 2)


def test_exports_of_a_year_with_nothing_approved_are_empty(data):
    # 2025 for 丁 only would be the access matrix's case: a submitted declaration, nothing disclosed.
    assert Client().get("/quota/2031/credit.csv").content == (
        b"uscc,name,employer_type,levy_year,headcount,counted_disabled_employees,ratio,quota,"
        b"meets_quota,disclosed_on\r\n"
    )
    document = json.loads(Client().get("/quota/2031/credit.json").content)
    assert document == {"schema": "xiaokang.quota-disclosure/1", "levy_year": 2031, "records": []}
    rows = _xlsx_rows(_xlsx_bytes(Client().get("/quota/2031.xlsx")))
    assert rows == [disclosure.DISCLOSURE_XLSX_HEADER]


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_disclosure_write_writes_the_download(data, tmp_path, fmt):
    out = tmp_path / f"out.{fmt}"

    count = disclosure.disclosure_write(YEAR, fmt, out)

    assert count == 4
    assert [path.name for path in tmp_path.iterdir()] == [out.name]  # no temporary file left
    url = {"csv": "/quota/2025/credit.csv", "json": "/quota/2025/credit.json", "xlsx": "/quota/2025.xlsx"}
    response = Client().get(url[fmt])
    if fmt == "xlsx":
        assert _xlsx_rows(out.read_bytes()) == _xlsx_rows(_xlsx_bytes(response))
    else:
        assert out.read_bytes() == response.content


def test_disclosure_write_refuses_an_unknown_format_and_leaves_nothing(data, tmp_path):
    with pytest.raises(disclosure.DisclosureError):
        disclosure.disclosure_write(YEAR, "pdf", tmp_path / "out.pdf")
    assert list(tmp_path.iterdir()) == []


def test_disclosure_write_keeps_the_old_file_when_writing_fails(data, tmp_path, monkeypatch):
    out = tmp_path / "out.csv"
    out.write_text("old", encoding="utf-8")

    def fail(handle, rows):
        handle.write("half")
        raise RuntimeError("disk full")

    monkeypatch.setattr(disclosure, "write_credit_csv", fail)
    with pytest.raises(RuntimeError):
        disclosure.disclosure_write(YEAR, "csv", out)
    assert out.read_text(encoding="utf-8") == "old"
    assert [path.name for path in tmp_path.iterdir()] == ["out.csv"]


def test_no_employee_data_wages_or_levy_in_any_output(data, li_district_officer):
    outputs = {
        "years": _text(english().get("/quota/")),
        "page": _text(english().get("/quota/2025/")),
        "csv": _text(Client().get("/quota/2025/credit.csv")),
        "json": _text(Client().get("/quota/2025/credit.json")),
        "xlsx": repr(_xlsx_rows(_xlsx_bytes(Client().get("/quota/2025.xlsx"))))
        + repr(_xlsx_rows(_xlsx_bytes(Client().get("/quota/2025.xlsx")), sheet=1)),
    }
    staff = _signed_in(li_district_officer)
    outputs["member-units"] = _text(staff.get("/staff/member-units/2025/"))
    member_xlsx = _xlsx_bytes(staff.get("/staff/member-units/2025.xlsx"))
    outputs["member-units-xlsx"] = repr(_xlsx_rows(member_xlsx)) + repr(_xlsx_rows(member_xlsx, sheet=1))
    for name, text in outputs.items():
        for secret in SECRETS:
            assert secret not in text, (name, secret)
    json_record = json.loads(outputs["json"])["records"][0]
    assert set(json_record) == set(disclosure.CREDIT_FIELDS)


# ---------------------------------------------------------------------------------------------------
# Member units (E3, T2)


def _units(page: str) -> list[str]:
    names = (
        "甲科技有限公司",
        "乙建设集团有限公司",
        "丙研究院",
        "丁贸易有限公司",
        "戊区政府办公室",
        "己咨询有限公司",
    )
    return [name for name in names if name in page]


def test_member_units_for_the_district(data, li_district_officer):
    rows, totals = disclosure.member_units(li_district_officer, YEAR)

    assert [row.name for row in rows] == sorted(
        ["甲科技有限公司", "丙研究院", "丁贸易有限公司", "戊区政府办公室", "己咨询有限公司"]
    )
    status = {row.name: (row.counted, row.status, row.pending) for row in rows}
    assert status == {
        "甲科技有限公司": (2, "meets", False),
        "丙研究院": (5, "meets", False),
        "丁贸易有限公司": (None, "none", True),  # submitted, not approved
        "戊区政府办公室": (None, "none", False),  # no declaration at all
        "己咨询有限公司": (0, "below", False),
    }
    assert (totals.units, totals.meeting, totals.below, totals.without_declaration) == (5, 2, 1, 2)


def test_the_member_units_page(data, li_district_officer):
    response = _signed_in(li_district_officer).get("/staff/member-units/2025/")

    assert response.status_code == 200
    page = _text(response)
    assert _units(page) == [
        "甲科技有限公司",
        "丙研究院",
        "丁贸易有限公司",
        "戊区政府办公室",
        "己咨询有限公司",
    ]
    assert "乙建设集团有限公司" not in page  # not a member unit
    assert page.count("No approved declaration") == 3  # 2 rows and the totals' label
    assert "A declaration awaits approval" in page
    assert '<dd class="number">5</dd>' in page
    assert '<caption id="units-caption">' in page
    assert 'href="/staff/member-units/2025.xlsx"' in page
    assert 'href="/staff/member-units/2024/"' in page


def test_a_street_officer_sees_their_streets_member_units(data, wang_street_a, zhao_street_b):
    rows, totals = disclosure.member_units(wang_street_a, YEAR)
    assert [row.name for row in rows] == sorted(["甲科技有限公司", "丁贸易有限公司", "戊区政府办公室"])
    assert (totals.units, totals.meeting, totals.below, totals.without_declaration) == (3, 1, 0, 2)

    page = _text(_signed_in(zhao_street_b).get("/staff/member-units/2025/"))
    assert _units(page) == ["丙研究院", "己咨询有限公司"]
    assert "The member units of your street" in page and "中关村街道" in page
    assert '<dd class="number">2</dd>' in page  # two units

    rows = _xlsx_rows(_xlsx_bytes(_signed_in(zhao_street_b).get("/staff/member-units/2025.xlsx")))
    assert [row[0] for row in rows[1:]] == ["丙研究院", "己咨询有限公司"]


def test_member_units_xlsx_and_its_audit(data, li_district_officer):
    response = _signed_in(li_district_officer).get("/staff/member-units/2025.xlsx")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="member-units-2025.xlsx"'
    assert "no-store" in response["Cache-Control"]
    content = _xlsx_bytes(response)
    rows = _xlsx_rows(content)
    assert rows[0] == disclosure.MEMBER_UNITS_XLSX_HEADER
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["戊区政府办公室"] == (
        "戊区政府办公室",
        USCC["戊"],
        "机关",
        "万寿路街道",
        None,
        "无已审核申报",
    )
    assert by_name["甲科技有限公司"][4:] == (2, "是")
    assert by_name["己咨询有限公司"][4:] == (0, "否")
    totals = dict(_xlsx_rows(content, sheet=1)[1:])
    assert totals["成员单位数"] == 5 and totals["至少安排1名残疾人就业的单位数"] == 2
    assert totals["范围"] == "海淀区"
    event = AuditEvent.objects.filter(action="member_units.export").get()
    assert event.object_id == "2025"


@pytest.mark.parametrize("role", ["community_worker", "auditor", "security_admin"])
def test_other_roles_may_not_see_member_units(data, role):
    area = Area.objects.filter(level="community").first() if role == "community_worker" else None
    if role == "community_worker" and area is None:
        area = Area.objects.create(
            code="110108001001", name="测试社区", level="community", parent=_street(STREET_A)
        )
    user = User.objects.create_user(f"u_{role}", password="Pass-word-123", role=role, area=area)
    client = _signed_in(user)
    assert client.get("/staff/member-units/2025/").status_code == 403
    assert client.get("/staff/member-units/2025.xlsx").status_code == 403
    assert Client().get("/staff/member-units/2025/").status_code == 302  # to the login page


def test_the_latest_member_units_year(data, li_district_officer):
    page = _text(_signed_in(li_district_officer).get("/staff/member-units/"))
    assert "Member units 2025" in page
    assert 'href="/staff/member-units/2025/" aria-current="page"' in page


def test_member_units_of_a_year_without_declarations(data, li_district_officer):
    rows, totals = disclosure.member_units(li_district_officer, 2031)
    assert {row.status for row in rows} == {"none"}
    assert (totals.units, totals.without_declaration) == (5, 5)
    assert _signed_in(li_district_officer).get("/staff/member-units/2031/").status_code == 200
