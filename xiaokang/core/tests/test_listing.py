"""core.listing (docs/architecture/listing.md): only declared columns sort, whatever the address says;
the header links keep the filter and reverse the current order; the export stops at its cap and says so."""

from __future__ import annotations

import io

import openpyxl
import pytest

from xiaokang.core.listing import Column, Listing, filter_query, xlsx_export

LIST = Listing(
    name="things",
    columns=(Column("name", "Name", ("name",)), Column("day", "Day", ("day", "name"))),
    default_sort="-day",
)


@pytest.mark.parametrize(
    "asked, used",
    [
        ("name", "name"),
        ("-name", "-name"),
        ("", "-day"),
        (None, "-day"),
        ("password", "-day"),
        ("-person__id_number_hash", "-day"),
        ("--name", "-day"),
        ("name,password", "-day"),
        (" name ", "name"),
    ],
)
def test_only_a_declared_column_sorts(asked, used):
    assert LIST.sort_key(asked) == used


def test_the_order_is_the_declared_fields_then_the_tie_breaker():
    class Recorder:
        def order_by(self, *fields):
            self.fields = fields
            return self

    assert LIST.order(Recorder(), "-day").fields == ("-day", "-name", "-pk")
    assert LIST.order(Recorder(), "name", tie_breaker="id").fields == ("name", "id")


def test_a_default_on_an_undeclared_column_is_a_programming_error():
    with pytest.raises(ValueError, match="not a declared column"):
        Listing(name="x", columns=(Column("a", "A", ("a",)),), default_sort="b")


def test_the_header_links_keep_the_filter_and_reverse_the_current_order():
    headers = LIST.headers({"street": "110108001000", "page": "3", "export": "xlsx"}, "name")

    assert headers["name"] == {
        "url": "?street=110108001000&sort=-name",
        "aria": "ascending",
        "next": "descending",
        "label": "Name",
    }
    assert headers["day"]["aria"] == "" and headers["day"]["url"].endswith("sort=day")


def test_the_filter_query_drops_the_page_and_the_export_switch():
    assert filter_query({"street": "1", "page": "2", "export": "xlsx", "state": ""}) == {"street": "1"}


def test_the_export_writes_text_as_text_and_stops_at_its_cap():
    rows = [('=HYPERLINK("http://x","y")', 1), ("b", 2), ("c", 3)]

    response, export = xlsx_export(
        filename="t.xlsx",
        sheet="T",
        header=("Name", "N"),
        rows=iter(rows),
        cap=2,
        capped_note=lambda c: f"stop {c}",
    )
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[0]

    assert export.rows == 2 and export.truncated
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["Name", "N"],
        ['=HYPERLINK("http://x","y")', 1],
        ["b", 2],
        ["stop 2", None],
    ]
    assert sheet["A2"].data_type == "s"  # a string cell, never a formula
    assert 'attachment; filename="t.xlsx"' in response["Content-Disposition"]
