"""The text rule for values that end up in spreadsheets (U11; GB/T 22239-2019 8.1.4.4): names, addresses
and other free text may not start with a character a spreadsheet reads as the start of a formula
(``= + - @``, and ``{`` for an array formula ``{=…}``), and may not contain control characters (C0
U+0000–U+001F, DEL and C1 U+007F–U+009F; tab and newline included): they hide text in a cell and in a
list, and no name or address needs them.

The patterns are written for both Python's ``re`` and Polars (Rust ``regex``), so the import's
column-wise validation and a single form field apply exactly the same rule. Exports are safe on their own
(``core.xlsx`` writes text as text); this rule keeps such values out of the registry in the first place.
"""

from __future__ import annotations

import re

FORMULA_START = r"^[=+\-@{]"
CONTROL = r"[\x00-\x1f\x7f-\x9f]"

FORMULA_START_ZH = "不能以 = + - @ { 开头（电子表格会当作公式）"
FORMULA_START_EN = "must not start with = + - @ or { (a spreadsheet would run it as a formula)"
CONTROL_ZH = "不能包含控制字符（如制表符、换行符）"
CONTROL_EN = "must not contain control characters (such as a tab or a line break)"

_FORMULA_START = re.compile(FORMULA_START)
_CONTROL = re.compile(CONTROL)


def text_problem(value: str | None) -> tuple[str, str] | None:
    """(Chinese, English) of the rule ``value`` breaks, or None when it is acceptable."""
    if not value:
        return None
    if _FORMULA_START.search(value):
        return FORMULA_START_ZH, FORMULA_START_EN
    if _CONTROL.search(value):
        return CONTROL_ZH, CONTROL_EN
    return None


def spreadsheet_safe(text) -> str:
    """A cell a spreadsheet must not run as a formula, for files written as plain text (CSV): quoted with
    an apostrophe when it starts as a formula or with a control character (tab, carriage return)."""
    text = "" if text is None else str(text)
    return "'" + text if _FORMULA_START.match(text) or _CONTROL.match(text) else text
