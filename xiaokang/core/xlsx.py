"""Every xlsx the project writes is opened here (U11; GB/T 22239-2019 8.1.4.4 intrusion prevention).

A spreadsheet cell that starts with ``=`` (or ``{=`` for an array formula) is run by Excel as a formula
when the writer stores it as one: a person named ``=HYPERLINK("http://…","点击")`` in a roster would put a
live link (or worse, DDE) in front of the payment office. xlsxwriter's ``write()``/``write_row()`` turn
such strings into formulas, URLs and numbers by default, so the workbook is created with those
conversions off, and ``write_row`` below writes text with ``write_string`` explicitly: text stays text,
whatever the registry holds (the import's text rule refuses such values, but an export must be safe even
for a value that reached the database another way).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable
from decimal import Decimal
from typing import IO

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

# Options that make xlsxwriter's generic write() store every str as a string cell.
SAFE_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def workbook(path: str | os.PathLike | IO[bytes], *, constant_memory: bool = False) -> xlsxwriter.Workbook:
    """A new xlsxwriter workbook at ``path`` (or into an open binary file, core.listing's downloads) that
    never turns text into a formula, URL or number; ``constant_memory`` streams rows (memory does not
    grow with the row count)."""
    options = dict(SAFE_OPTIONS)
    if constant_memory:
        options["constant_memory"] = True
    return xlsxwriter.Workbook(path if hasattr(path, "write") else str(path), options)


def write_cell(sheet: Worksheet, row: int, col: int, value, cell_format: Format | None = None) -> None:
    """One cell: booleans and numbers as such, dates as ``YYYY-MM-DD`` text, everything else as a string cell
    (never a formula); ``None`` and ``""`` leave the cell empty."""
    if value is None or value == "":
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value, cell_format)
    elif isinstance(value, int | float | Decimal):
        sheet.write_number(row, col, float(value) if isinstance(value, Decimal) else value, cell_format)
    elif isinstance(value, datetime.date):
        sheet.write_string(row, col, value.isoformat(), cell_format)
    else:
        sheet.write_string(row, col, str(value), cell_format)


def write_row(
    sheet: Worksheet, row: int, col: int, values: Iterable, cell_format: Format | None = None
) -> None:
    """``values`` from column ``col`` on, each through ``write_cell`` (text as string cells)."""
    for offset, value in enumerate(values):
        write_cell(sheet, row, col + offset, value, cell_format)
