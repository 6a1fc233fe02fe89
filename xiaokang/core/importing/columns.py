"""What a dataset's file looks like (R5): its columns, each with a Chinese header, a field name (also the
English alias a header may use), whether it is required, the value an empty cell stands for, the help
text of the template, and a type that parses the cell column-wise.

A type turns the text column into its value column (``Column.into``; null where the cell cannot be read)
and names the rules a cell of that type must pass (``Type.rules``): the framework adds them to the
dataset's rules (see ``dataset.Dataset``). Every parse is a Polars expression over the whole column.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import polars as pl

from xiaokang.core import safe_text
from xiaokang.core.bilingual import Message, bilingual

# The platform's one bilingual message type (core.bilingual) is the rules' too; ``msg`` joins the halves.
msg = bilingual

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def message_expr(message: Message, columns: Iterable[str], value: str | None = None) -> pl.Expr:
    """``message`` for each row, as "中文 / English": a literal, or ``pl.format`` over the frame columns its
    ``{name}`` placeholders name (``{value}``: the cell's own text, the column ``value``)."""
    text = str(message)
    known = set(columns)
    names: list[str] = []

    def swap(match: re.Match) -> str:
        name = match.group(1)
        if name == "value" and value is not None:
            name = value
        if name not in known:
            return match.group(0)
        names.append(name)
        return "{}"

    template = _PLACEHOLDER.sub(swap, text)
    if not names:
        return pl.lit(text)
    return pl.format(template, *[pl.col(n) for n in names])


REQUIRED = Message("必填", "required")


# ---------------------------------------------------------------------------------------------------
# Parsing helpers (one lookup per distinct value, not per cell)


def map_distinct(cells: pl.Series, mapping: Mapping[str, str], *, fold_case: bool = True) -> pl.Series:
    """A column has a handful of distinct values in a million rows: look each distinct value up once
    (as written, then lower-cased when ``fold_case``), then replace by that small table (a third of the
    time of matching every cell twice, a fifth of a join)."""
    distinct = pl.DataFrame({"value": cells.unique().drop_nulls()}).with_columns(
        pl.col("value").str.to_lowercase().alias("lower")
    )
    table = {}
    for value, lower in distinct.iter_rows():
        found = mapping.get(value)
        if found is None and fold_case:
            found = mapping.get(lower)
        if found is not None:
            table[value] = found
    return cells.replace_strict(table, default=None, return_dtype=pl.Utf8)


def mapped(field: str, mapping: Mapping[str, str], default: str | None = None) -> pl.Expr:
    """The identifier each cell of ``field`` stands for (null when none), ``default`` for an empty cell.
    Values are matched as written and, for English identifiers, case-insensitively."""
    value = pl.col(field) if default is None else pl.col(field).fill_null(default)
    return value.map_batches(lambda cells: map_distinct(cells, mapping), return_dtype=pl.Utf8)


def lookup(labels: Mapping, *, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A vocabulary (identifier → Chinese label, ``core.vocabulary``) as what a cell may say: the label or
    the identifier itself, plus ``extra`` spellings."""
    out = {str(label): str(ident) for ident, label in labels.items()}
    out.update({str(ident): str(ident) for ident in labels})
    out.update(extra or {})
    return out


# ---------------------------------------------------------------------------------------------------
# Types


@dataclass(frozen=True)
class Type:
    """Text as written: no value column, no rule of its own."""

    help_zh: str = "文本"
    help_en: str = "text"

    def parse(self, cell: pl.Expr) -> pl.Expr | None:
        """The value column from the cell (already defaulted), null where it cannot be read; None: the
        type has no value column (the text is the value)."""
        return None

    def rules(self, column: Column) -> list:
        """The rules every cell of this type must pass, named ``<field>.<rule>``."""
        return []

    def choices(self) -> list[str]:
        """The values the template's dropdown offers (none: no dropdown)."""
        return []

    dropdown_warn_only: bool = False  # other values than the dropdown's are accepted (digits …)


def _invalid_rule(column: Column, message: Message):
    from xiaokang.core.importing.rules import Rule

    return Rule(
        f"{column.field}.invalid",
        column.field,
        pl.col(column.field).is_not_null() & pl.col(column.value).is_null()
        if column.default is None
        else pl.col(column.value).is_null(),
        message,
    )


@dataclass(frozen=True)
class Text(Type):
    """Free text, at most ``max_length`` characters; ``safe``: the text rule (U11, ``core.safe_text``: no
    leading ``= + - @ {``, no control characters) so no export can carry a formula into Excel."""

    max_length: int | None = None
    safe: bool = False
    help_zh: str = ""
    help_en: str = ""

    def __post_init__(self):
        if not self.help_zh:
            limit = f"，最多{self.max_length}字" if self.max_length else ""
            object.__setattr__(self, "help_zh", "文本" + limit)
        if not self.help_en:
            limit = f", at most {self.max_length} characters" if self.max_length else ""
            object.__setattr__(self, "help_en", "text" + limit)

    def rules(self, column: Column) -> list:
        from xiaokang.core.importing.rules import Rule

        name = column.field
        out = []
        if self.max_length:
            out.append(
                Rule(
                    f"{name}.length",
                    name,
                    pl.col(name).str.len_chars() > self.max_length,
                    Message(f"超过{self.max_length}字", f"longer than {self.max_length} characters"),
                )
            )
        if self.safe:
            out += [
                Rule(
                    f"{name}.formula",
                    name,
                    pl.col(name).str.contains(safe_text.FORMULA_START),
                    Message(safe_text.FORMULA_START_ZH, safe_text.FORMULA_START_EN),
                ),
                Rule(
                    f"{name}.control",
                    name,
                    pl.col(name).str.contains(safe_text.CONTROL),
                    Message(safe_text.CONTROL_ZH, safe_text.CONTROL_EN),
                ),
            ]
        return out


@dataclass(frozen=True)
class Choice(Type):
    """One value of a list: ``values`` maps every accepted spelling to the stored identifier (English
    identifiers match case-insensitively); ``dropdown`` is what the template offers. ``message`` says why
    a cell was refused (``{value}`` is the cell)."""

    values: Mapping[str, str] = field(default_factory=dict)
    dropdown: tuple[str, ...] = ()
    message: Message = Message("未知值“{value}”", "unknown value “{value}”")
    dropdown_warn_only: bool = False
    help_zh: str = ""
    help_en: str = ""

    def __post_init__(self):
        if not self.help_zh:
            object.__setattr__(self, "help_zh", " ".join(self.dropdown))
        if not self.help_en:
            object.__setattr__(self, "help_en", " ".join(self.dropdown))

    def parse(self, cell: pl.Expr) -> pl.Expr:
        values = dict(self.values)
        return cell.map_batches(lambda cells: map_distinct(cells, values), return_dtype=pl.Utf8)

    def rules(self, column: Column) -> list:
        return [_invalid_rule(column, self.message)]

    def choices(self) -> list[str]:
        return list(self.dropdown)


def vocabulary(
    labels: Mapping,
    *,
    label: Message | None = None,
    message: Message | None = None,
    extra: Mapping[str, str] | None = None,
    warn_only: bool = False,
    help_zh: str = "",
    help_en: str = "",
) -> Choice:
    """A choice over a controlled vocabulary (identifier → Chinese label, ``core.vocabulary``): the label
    or the identifier is accepted, the identifier stored, the labels offered in the dropdown. ``label``
    names the vocabulary in the message ``未知<label>“…” / unknown <label> “…”``."""
    if message is None:
        label = label or Message("值", "value")
        message = Message(f"未知{label.zh}“{{value}}”", f"unknown {label.en} “{{value}}”")
    return Choice(
        values=lookup(labels, extra=extra),
        dropdown=tuple(str(v) for v in labels.values()),
        message=message,
        dropdown_warn_only=warn_only,
        help_zh=help_zh,
        help_en=help_en,
    )


YES_NO_VALUES = {"是": "1", "否": "0", "yes": "1", "no": "0", "true": "1", "false": "0", "1": "1", "0": "0"}


def yes_no(message: Message | None = None) -> Choice:
    """是/否, stored as "1"/"0" (``Column.value == "1"`` is the boolean)."""
    return Choice(
        values=YES_NO_VALUES,
        dropdown=("是", "否"),
        message=message
        or Message("未知值“{value}”，应为是或否", "unknown value “{value}”, expected 是 or 否"),
        help_zh="是 否",
        help_en="是 (yes) 否 (no)",
    )


@dataclass(frozen=True)
class ManyOf(Type):
    """Several values of a list in one cell, separated by any of ``separators``; the value is the
    distinct identifiers in the list's order, joined by commas ("hearing,physical")."""

    values: Mapping[str, str] = field(default_factory=dict)
    separators: str = r"[,，、;；]"
    message: Message = Message("含未知值“{value}”", "contains an unknown value “{value}”")
    help_zh: str = "一个或多个值，用 , ， 、 或 ; 分隔"
    help_en: str = "one or more values separated by , ， 、 or ;"

    def parse(self, cell: pl.Expr) -> pl.Expr:
        values = dict(self.values)
        order = list(dict.fromkeys(values.values()))
        parts = cell.str.replace_all(self.separators, ",").str.split(",")
        known = parts.list.eval(pl.element().str.strip_chars().replace_strict(values, default=None))
        joined = pl.concat_str(
            [
                pl.when(known.list.contains(ident)).then(pl.lit(ident + ",")).otherwise(pl.lit(""))
                for ident in order
            ]
        ).str.strip_suffix(",")
        return pl.when(known.list.eval(pl.element().is_null()).list.any()).then(None).otherwise(joined)

    def rules(self, column: Column) -> list:
        return [_invalid_rule(column, self.message)]


_DATE_SHAPE = r"^\d{4}-\d{1,2}-\d{1,2}( 00:00:00(\.0+)?)?$"


@dataclass(frozen=True)
class Date(Type):
    """A date written YYYY-MM-DD (or / . as separators), or a spreadsheet date (read as text with a
    midnight time)."""

    help_zh: str = "YYYY-MM-DD 或电子表格日期"
    help_en: str = "YYYY-MM-DD or a spreadsheet date"
    message: Message = Message(
        "日期“{value}”无效，应为YYYY-MM-DD", "invalid date “{value}”, expected YYYY-MM-DD"
    )

    def parse(self, cell: pl.Expr) -> pl.Expr:
        text = cell.str.replace_all(r"[/.]", "-")
        return (
            pl.when(text.str.contains(_DATE_SHAPE))
            .then(text.str.slice(0, 10).str.extract(r"^(\d{4}-\d{1,2}-\d{1,2})", 1))
            .str.to_date("%Y-%m-%d", strict=False)
        )

    def rules(self, column: Column) -> list:
        return [_invalid_rule(column, self.message)]


@dataclass(frozen=True)
class Month(Type):
    """A month written YYYY-MM; the value is its first day."""

    help_zh: str = "YYYY-MM"
    help_en: str = "YYYY-MM"
    message: Message = Message("格式应为YYYY-MM", "write YYYY-MM")

    def parse(self, cell: pl.Expr) -> pl.Expr:
        return pl.when(cell.str.contains(r"^\d{4}-\d{2}$")).then(
            (cell + "-01").str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        )

    def rules(self, column: Column) -> list:
        return [_invalid_rule(column, self.message)]


@dataclass(frozen=True)
class Integer(Type):
    """A whole number between ``minimum`` and ``maximum``."""

    minimum: int | None = None
    maximum: int | None = None
    help_zh: str = "整数"
    help_en: str = "a whole number"
    message: Message = Message("“{value}”不是有效的整数", "“{value}” is not a valid whole number")

    def parse(self, cell: pl.Expr) -> pl.Expr:
        number = pl.when(cell.str.contains(r"^-?\d{1,18}$")).then(cell.cast(pl.Int64, strict=False))
        if self.minimum is not None:
            number = pl.when(number >= self.minimum).then(number)
        if self.maximum is not None:
            number = pl.when(number <= self.maximum).then(number)
        return number

    def rules(self, column: Column) -> list:
        return [_invalid_rule(column, self.message)]


@dataclass(frozen=True)
class Year(Integer):
    minimum: int | None = 1900
    maximum: int | None = 2100
    help_zh: str = "四位年份，如2025"
    help_en: str = "a four-digit year, e.g. 2025"
    message: Message = Message("“{value}”不是有效的年份", "“{value}” is not a valid year")


@dataclass(frozen=True)
class Money(Type):
    """An amount in yuan (at most two decimals, thousands separated by commas allowed, not negative); the
    value is integer fen (ARCHITECTURE rule 4: never a float)."""

    help_zh: str = "元，最多两位小数"
    help_en: str = "yuan, at most two decimals"
    message: Message = Message("应为不小于0、最多两位小数的金额", "an amount in yuan, at most two decimals")

    def parse(self, cell: pl.Expr) -> pl.Expr:
        amount = cell.str.replace_all(",", "").cast(pl.Decimal(14, 2), strict=False)
        return pl.when(cell.str.contains(r"^\d[\d,]*(\.\d{1,2})?$")).then((amount * 100).cast(pl.Int64))

    def rules(self, column: Column) -> list:
        return [_invalid_rule(column, self.message)]


ID_SHAPE = r"^\d{17}[\dX]$"


@dataclass(frozen=True)
class IdNumber(Type):
    """A citizen ID number (GB 11643-1999): 17 digits and a check character; the value is upper-cased."""

    help_zh: str = "18位，末位可为X"
    help_en: str = "18 characters, the last may be X"

    def parse(self, cell: pl.Expr) -> pl.Expr:
        return cell.str.to_uppercase()

    def rules(self, column: Column) -> list:
        from xiaokang.core.identifiers import id_check_valid
        from xiaokang.core.importing.rules import Rule

        value = pl.col(column.value)
        return [
            Rule(
                f"{column.field}.shape",
                column.field,
                ~value.str.contains(ID_SHAPE),
                Message(
                    "应为18位：17位数字加校验位（数字或X）；若为数字格式请改为文本",
                    "must be 17 digits and a check character (digit or X); "
                    "if the cell is a number, format it as text",
                ),
            ),
            Rule(
                f"{column.field}.check",
                column.field,
                ~value.map_batches(id_check_valid, return_dtype=pl.Boolean),
                Message("校验位错误", "check digit is wrong"),
            ),
        ]


# ---------------------------------------------------------------------------------------------------
# Columns


@dataclass(frozen=True)
class Column:
    """One column of a dataset's file. The first six fields keep the order every import has always used
    (``Column("name", "姓名", True, None, "文本", "text")``); ``type`` parses the cell into ``value``."""

    field: str  # the English alias, also the field name in code
    zh: str  # the Chinese header
    required: bool = False
    default: str | None = None  # the Chinese value assumed when the cell is empty
    values_zh: str = ""  # allowed values, for the template's explanation sheet (default: the type's help)
    values_en: str = ""
    type: Type = field(default_factory=Type)
    into: str | None = None  # the value column's name (default ``<field>__value``)
    width: int = 14  # the template's column width

    def __post_init__(self):
        if not self.values_zh:
            object.__setattr__(self, "values_zh", self.type.help_zh)
        if not self.values_en:
            object.__setattr__(self, "values_en", self.type.help_en)

    @property
    def value(self) -> str:
        """The frame column holding the parsed value (the text column itself for a plain ``Type``)."""
        if self.into:
            return self.into
        return f"{self.field}__value" if self.type.parse(pl.col(self.field)) is not None else self.field

    def parse(self) -> pl.Expr | None:
        cell = pl.col(self.field) if self.default is None else pl.col(self.field).fill_null(self.default)
        parsed = self.type.parse(cell)
        return None if parsed is None else parsed.alias(self.value)

    def rules(self) -> list:
        from xiaokang.core.importing.rules import Rule

        out = []
        if self.required:
            out.append(Rule(f"{self.field}.required", self.field, pl.col(self.field).is_null(), REQUIRED))
        return out + self.type.rules(self)


ColumnsLike = tuple[Column, ...]
Parser = Callable[[pl.Expr], pl.Expr]


def _identifier_message(parse, value: str) -> str:
    """The scalar validator's own words for a rule (``core.identifiers`` is the reference)."""
    from xiaokang.core.identifiers import IdentifierError

    try:
        parse(value)
    except IdentifierError as error:
        return str(error)
    raise AssertionError(value)


@dataclass(frozen=True)
class CreditCode(Type):
    """A unified social credit code (GB 32100-2015): 18 digits or capital letters with a check
    character; the value is upper-cased. Its messages are the scalar validator's."""

    help_zh: str = "18位数字或大写字母（GB 32100-2015，含校验位）"
    help_en: str = "18 digits or capital letters (GB 32100-2015, with its check character)"

    def parse(self, cell: pl.Expr) -> pl.Expr:
        return cell.str.to_uppercase()

    def rules(self, column: Column) -> list:
        from xiaokang.core.identifiers import USCC_SHAPE, parse_uscc, uscc_check_expr
        from xiaokang.core.importing.rules import Rule

        value = pl.col(column.value)
        return [
            # Shape first (18 characters of the code's alphabet), then the check character (§4.2).
            Rule(
                f"{column.field}.shape",
                column.field,
                ~value.str.contains(USCC_SHAPE).fill_null(False),
                _identifier_message(parse_uscc, ""),
            ),
            Rule(
                f"{column.field}.check",
                column.field,
                ~uscc_check_expr(value),
                # the right check character of seventeen 0s is 0
                _identifier_message(parse_uscc, "0" * 17 + "1"),
            ),
        ]
