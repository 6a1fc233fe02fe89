"""The empty template of any dataset (R5): sheet 1 holds only the header row, every column formatted as
text (so Excel keeps 18-digit ID numbers, leading zeros and dates exactly as typed) and a dropdown (a
data-validation list) on every column whose type has choices; sheet 2 explains each column (from the
declaration) and the import rules. Written through ``core.xlsx`` (text stays text, U11)."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from xiaokang.core import xlsx
from xiaokang.core.importing.columns import Message
from xiaokang.core.importing.dataset import Dataset

GUIDE_SHEET = "填写说明"
# The template's dropdowns and text formatting cover this many spreadsheet rows (header = row 1).
TEMPLATE_LAST_ROW = 100_000
GUIDE_COLUMNS = ("列名", "英文别名", "必填", "默认值", "允许的值", "English notes")

# What every import does, whatever the dataset: said on every template after the dataset's own notes.
COMMON_NOTES = (
    Message(
        "导入为“全部或全无”：只要有一行出错，整个文件都不写入；请按错误报告（行号、列名、原因）改正后重新导入。",
        "Import is all-or-nothing: if any row has an error, nothing in the file is written; correct the rows "
        "the error report names (row, column, reason) and import again.",
    ),
    Message(
        "行号：表头是第1行，第一条记录是第2行；错误报告中的行号就是电子表格左侧显示的行号。空行会被跳过。",
        "Row numbers: the header is row 1 and the first record is row 2; the row numbers in the error report "
        "are the ones the spreadsheet shows. Empty rows are skipped.",
    ),
)
TEXT_NOTE = Message(
    "本模板各列已设为文本格式，请勿改为数字格式，以免身份证号、证号被Excel改写。表头可用中文列名或英文别名。",
    "Every column of this template is formatted as text: keep it so, or Excel rewrites ID and certificate "
    "numbers. Headers may be the Chinese names or the English aliases.",
)


@contextmanager
def atomic_path(path: str | os.PathLike):
    """Write to a temporary file beside ``path`` and move it into place only when complete, so a failed
    write never leaves a half-written file that looks like a good one."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent or ".")
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def template_guide(dataset: Dataset) -> pl.DataFrame:
    """The explanation sheet's table: one row per column of the dataset."""
    columns = dataset.columns

    def notes(c) -> str:
        kind = "Required" if c.required else "Optional"
        default = f"; empty means {c.default}" if c.default else ""
        return f"{kind}{default}. Allowed: {c.values_en}"

    return pl.DataFrame(
        {
            "列名": [c.zh for c in columns],
            "英文别名": [c.field for c in columns],
            "必填": ["是" if c.required else "否" for c in columns],
            "默认值": [c.default or "" for c in columns],
            "允许的值": [c.values_zh for c in columns],
            "English notes": [notes(c) for c in columns],
        },
        schema={k: pl.Utf8 for k in GUIDE_COLUMNS},
    )


def template_notes(dataset: Dataset) -> list[str]:
    """The import rules under the column table: the common ones, the dataset's, the text-format note
    (each line Chinese, then English)."""
    lines: list[str] = []
    for note in (*COMMON_NOTES, *dataset.notes, TEXT_NOTE):
        lines += [note.zh, note.en]
    return lines


def write_template(dataset: Dataset, path: str | os.PathLike) -> None:
    """The empty import template of ``dataset`` at ``path`` (.xlsx)."""
    guide = template_guide(dataset)
    with atomic_path(path) as tmp:
        workbook = xlsx.workbook(tmp)
        try:
            header = workbook.add_format({"bold": True})
            text = workbook.add_format({"num_format": "@"})
            wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
            plain = workbook.add_format({})  # the rules below run across the columns, unwrapped
            sheet = workbook.add_worksheet(dataset.sheet or dataset.label.zh)
            last = TEMPLATE_LAST_ROW - 1  # zero-based index of spreadsheet row 100000
            for col, column in enumerate(dataset.columns):
                sheet.set_column(col, col, column.width, text)
                sheet.write_string(0, col, column.zh, header)
                values = column.type.choices()
                if not values:
                    continue
                warn = column.type.dropdown_warn_only
                sheet.data_validation(
                    1,
                    col,
                    last,
                    col,
                    {
                        "validate": "list",
                        "source": values,
                        "error_type": "warning" if warn else "stop",
                        "error_title": column.zh,
                        "error_message": (
                            f"请从下拉列表选择：{'、'.join(values)}{'（也可填数字）' if warn else ''}\n"
                            f"Choose from the list{' (digits are accepted too)' if warn else ''}."
                        ),
                    },
                )
            sheet.freeze_panes(1, 0)
            sheet.ignore_errors({"number_stored_as_text": "A1:XFD1048576"})

            notes_sheet = workbook.add_worksheet(GUIDE_SHEET)
            widths = (16, 26, 6, 8, 40, 60)
            for col, width in enumerate(widths):
                notes_sheet.set_column(col, col, width, wrap)
            notes_sheet.freeze_panes(1, 0)
            xlsx.write_row(notes_sheet, 0, 0, guide.columns, header)
            for r, values in enumerate(guide.iter_rows(), start=1):
                xlsx.write_row(notes_sheet, r, 0, values)
            row = guide.height + 2
            notes_sheet.write_string(row, 0, "导入规则 / Import rules", header)
            for offset, line in enumerate(template_notes(dataset), start=1):
                notes_sheet.write_string(row + offset, 0, line, plain)
        finally:
            workbook.close()
