"""Column-wise validation of a person file (R1, R2, R5).

Every rule is a Polars expression over the whole column, so 100,000 rows validate in a fraction of a
second and a million in a few (`xiaokang screen`, P2, checks a 1,000,000-row file with the same rules).
Each rule yields the rows where it fails as (row, column, message); a cell reports only its first failure.
The scalar validators in ``xiaokang.core.identifiers`` are the reference: a property test checks that
the ID-number and certificate rules here agree with them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from xiaokang.core import safe_text
from xiaokang.core.identifiers import id_check_valid
from xiaokang.registry.importing.columns import BY_FIELD
from xiaokang.registry.models import CERTIFICATE_VALID_YEARS
from xiaokang.registry.vocabulary import (
    CATEGORY_CODE,
    CATEGORY_ZH,
    ECONOMIC_STATUS_ZH,
    EMPLOYMENT_ZH,
    GRADE_ZH,
    HUKOU_ZH,
    RELATION_ZH,
    STATUS_ZH,
)


def _lookup(zh: dict, *, extra: dict | None = None) -> dict[str, str]:
    """Accept the Chinese label and the identifier itself for every vocabulary value."""
    out = {label: ident for ident, label in zh.items()}
    out.update({ident: ident for ident in zh})
    out.update(extra or {})
    return out


CATEGORY_VALUES = _lookup(CATEGORY_ZH, extra={str(code): ident for ident, code in CATEGORY_CODE.items()})
# A component may be named by label, identifier or digit; the value is its digit.
COMPONENT_DIGIT = {key: str(CATEGORY_CODE[ident]) for key, ident in CATEGORY_VALUES.items()}
COMPONENT_DIGITS_IN_ORDER = sorted(set(COMPONENT_DIGIT.values()))  # single digits, "1" … "7"
# What separates the components in one 多重残疾类别 cell (the template's explanation sheet).
COMPONENT_SEPARATORS = r"[,，、;；]"
GRADE_VALUES = {
    **{label: str(g) for g, label in GRADE_ZH.items()},
    **{str(g): str(g) for g in GRADE_ZH},
    **{f"{g}级": str(g) for g in GRADE_ZH},
}
HUKOU_VALUES = _lookup(HUKOU_ZH)
RELATION_VALUES = _lookup(RELATION_ZH)
ECONOMIC_VALUES = _lookup(ECONOMIC_STATUS_ZH)
EMPLOYMENT_VALUES = _lookup(EMPLOYMENT_ZH)
STATUS_VALUES = _lookup(STATUS_ZH)
YES_NO_VALUES = {"是": "1", "否": "0", "yes": "1", "no": "0", "true": "1", "false": "0", "1": "1", "0": "0"}
SELF_CARE_VALUES = {
    "能": "1",
    "不能": "0",
    "yes": "1",
    "no": "0",
    "true": "1",
    "false": "0",
    "1": "1",
    "0": "0",
}

ID_SHAPE = r"^\d{17}[\dX]$"
CERT_SHAPE = r"^(\d{17}[\dX])([1-7])([1-4])(B[1-9])?$"
DATE_SHAPE = r"^\d{4}-\d{1,2}-\d{1,2}( 00:00:00(\.0+)?)?$"
COMMUNITY_CODE_SHAPE = r"^\d{12}$"
NAME_MAX, ADDRESS_MAX, HOUSEHOLD_MAX = 50, 200, 64

# The validated row format: the frame ``validate_persons`` returns as ``rows`` (identifiers for values,
# plain ID numbers). The writer (apply.py), the exporter (``person_rows`` returns it,
# ``rows_to_import_frame`` reads it) and the synthetic generator all speak it.
ROW_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64,
    "name": pl.Utf8,
    "id_number": pl.Utf8,
    "birth_date": pl.Date,
    "sex": pl.Utf8,
    "category": pl.Utf8,
    "grade": pl.Int16,
    "components": pl.Utf8,
    "cert_reissue": pl.Utf8,
    "issued_on": pl.Date,
    "valid_until": pl.Date,
    "hukou": pl.Utf8,
    "street_code": pl.Utf8,
    "community_code": pl.Utf8,
    "community_name": pl.Utf8,
    "household": pl.Utf8,
    "relation": pl.Utf8,
    "economic_status": pl.Utf8,
    "family_planning_hardship": pl.Boolean,
    "dangerous_house": pl.Boolean,
    "employment": pl.Utf8,
    "self_care": pl.Boolean,
    "work_injury_care": pl.Boolean,
    "phone": pl.Utf8,
    "address": pl.Utf8,
    "status": pl.Utf8,
}

ERROR_SCHEMA = {"row": pl.Int64, "column": pl.Utf8, "message": pl.Utf8}


@dataclass
class AreaDirectory:
    """What the validator needs to know about areas: every way a street may be written → 12-digit code,
    and the existing communities (street code, name, code)."""

    street_codes: dict[str, str]
    communities: pl.DataFrame  # columns street_code, community_name, community_code


@dataclass
class Validation:
    rows: pl.DataFrame  # normalised, one row per input row (meaningful only where no error)
    errors: pl.DataFrame  # row, column (header as in the file), message, sorted by row


def _msg(zh: str, en: str) -> str:
    return f"{zh} / {en}"


class _Collector:
    def __init__(self, frame: pl.DataFrame, headers: dict[str, str]):
        self.frame = frame
        self.headers = headers
        self.parts: list[pl.DataFrame] = []

    def add(self, field: str, failing: pl.Expr, message: str | pl.Expr) -> None:
        header = self.headers.get(field, BY_FIELD[field].zh if field in BY_FIELD else field)
        message_expr = pl.lit(message) if isinstance(message, str) else message
        part = (
            self.frame.lazy()
            .filter(failing.fill_null(False))
            .select(
                pl.col("__row").alias("row"), pl.lit(header).alias("column"), message_expr.alias("message")
            )
        )
        self.parts.append(part.collect())

    def result(self) -> pl.DataFrame:
        if not self.parts:
            return pl.DataFrame(schema=ERROR_SCHEMA)
        errors = pl.concat(self.parts, how="vertical_relaxed")
        # One message per cell: the first rule that failed (rules are added in dependency order).
        return (
            errors.with_row_index("__order")
            .unique(subset=["row", "column"], keep="first", maintain_order=True)
            .sort(["row", "__order"])
            .drop("__order")
        )


# Public name for other imports' validators (employers, the levy file): one error format for every file.
ErrorCollector = _Collector


def _mapped(field: str, mapping: dict[str, str], default: str | None = None) -> pl.Expr:
    """The identifier each cell of ``field`` stands for (null when none), ``default`` for an empty cell.
    Values are matched as written and, for English identifiers, case-insensitively."""
    value = pl.col(field) if default is None else pl.col(field).fill_null(default)
    return value.map_batches(lambda cells: _map_distinct(cells, mapping), return_dtype=pl.Utf8)


def _map_distinct(cells: pl.Series, mapping: dict[str, str], *, fold_case: bool = True) -> pl.Series:
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


def validate_persons(
    frame: pl.DataFrame, headers: dict[str, str], areas: AreaDirectory, *, today: dt.date
) -> Validation:
    present = set(frame.columns)
    for field in BY_FIELD:  # optional columns absent from the file: every cell empty
        if field not in present:
            frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias(field))

    id_upper = pl.col("id_number").str.to_uppercase()
    cert_upper = pl.col("certificate_number").str.to_uppercase()
    phone_digits = pl.col("phone").str.replace_all(r"[\s\-]", "")
    issued_text = pl.col("certificate_issued").str.replace_all(r"[/.]", "-")
    frame = frame.with_columns(
        id_upper.alias("_id"),
        id_upper.str.contains(ID_SHAPE).alias("_id_shape"),
        # null where the shape is wrong (that rule reports it)
        id_upper.map_batches(id_check_valid, return_dtype=pl.Boolean).alias("_id_check_ok"),
        id_upper.str.slice(6, 8).str.to_date("%Y%m%d", strict=False).alias("birth_date"),
        cert_upper.alias("_cert"),
        cert_upper.str.contains(CERT_SHAPE).alias("_cert_shape"),
        _mapped("category", CATEGORY_VALUES).alias("category_id"),
        _mapped("grade", GRADE_VALUES).alias("_grade"),
        issued_text.str.contains(DATE_SHAPE).alias("_issued_shape"),
        issued_text.str.slice(0, 10)
        .str.extract(r"^(\d{4}-\d{1,2}-\d{1,2})", 1)
        .str.to_date("%Y-%m-%d", strict=False)
        .alias("issued_on"),
        _mapped("hukou", HUKOU_VALUES).alias("hukou_id"),
        pl.col("street")
        .replace_strict(areas.street_codes, default=None, return_dtype=pl.Utf8)
        .alias("street_code"),
        _mapped("relation", RELATION_VALUES, "户主").alias("relation_id"),
        _mapped("economic_status", ECONOMIC_VALUES).alias("economic_status_id"),
        _mapped("family_planning_hardship", YES_NO_VALUES, "否").alias("_fph"),
        _mapped("dangerous_house", YES_NO_VALUES, "否").alias("_dangerous"),
        _mapped("employment", EMPLOYMENT_VALUES, "未就业").alias("employment_id"),
        _mapped("self_care", SELF_CARE_VALUES, "能").alias("_self_care"),
        _mapped("work_injury_care", YES_NO_VALUES, "否").alias("_work_injury"),
        _mapped("status", STATUS_VALUES, "正常").alias("status_id"),
        phone_digits.alias("phone_digits"),
        pl.col("multiple_categories")
        .str.replace_all(COMPONENT_SEPARATORS, ",")
        .str.split(",")
        .list.eval(pl.element().str.strip_chars().replace_strict(COMPONENT_DIGIT, default=None))
        .alias("_components"),
    )
    # The certificate number's parts, by position once its shape is known (CERT_SHAPE's four groups).
    cert_part = pl.when(pl.col("_cert_shape")).then(pl.col("_cert"))
    frame = frame.with_columns(
        cert_part.str.slice(0, 18).alias("_cert_id"),
        cert_part.str.slice(18, 1).alias("_cert_category"),
        cert_part.str.slice(19, 1).alias("_cert_grade"),
        cert_part.str.slice(20).fill_null("").alias("cert_reissue"),
        pl.col("_components").list.eval(pl.element().is_null()).list.any().alias("_components_unknown"),
        # The distinct known components' digits in order ("14"), one membership test per digit: a
        # third of the time of dropping, de-duplicating, sorting and joining every list.
        pl.when(pl.col("_components").is_not_null())
        .then(
            pl.concat_str(
                [
                    pl.when(pl.col("_components").list.contains(digit))
                    .then(pl.lit(digit))
                    .otherwise(pl.lit(""))
                    for digit in COMPONENT_DIGITS_IN_ORDER
                ]
            )
        )
        .alias("_components_digits"),
        pl.col("category_id")
        .replace_strict({k: str(v) for k, v in CATEGORY_CODE.items()}, default=None, return_dtype=pl.Utf8)
        .alias("_category_digit"),
    )

    c = _Collector(frame, headers)
    # Required cells first: an empty required cell reports only that.
    for field, column in BY_FIELD.items():
        if column.required:
            c.add(field, pl.col(field).is_null(), _msg("必填", "required"))

    c.add(
        "name",
        pl.col("name").str.len_chars() > NAME_MAX,
        _msg(f"超过{NAME_MAX}字", f"longer than {NAME_MAX} characters"),
    )

    # 公民身份号码 (GB 11643-1999): shape, check character, a real birth date not in the future.
    c.add(
        "id_number",
        ~pl.col("_id_shape"),
        _msg(
            "应为18位：17位数字加校验位（数字或X）；若为数字格式请改为文本",
            "must be 17 digits and a check character (digit or X); "
            "if the cell is a number, format it as text",
        ),
    )
    c.add(
        "id_number",
        ~pl.col("_id_check_ok"),
        _msg("校验位错误", "check digit is wrong"),
    )
    c.add(
        "id_number",
        pl.col("_id_shape") & pl.col("birth_date").is_null(),
        _msg("出生日期不存在", "the birth date does not exist"),
    )
    c.add(
        "id_number",
        (pl.col("birth_date") > today) | (pl.col("birth_date").dt.year() < 1900),
        _msg("出生日期不合理（晚于今天或早于1900年）", "the birth date is in the future or before 1900"),
    )
    # Duplicates among well-formed numbers (a malformed one has its own error already), compared as
    # integers (the 17 digits and the check character): hashing a million integers instead of a million
    # strings.
    check_char = pl.col("_id").str.slice(17, 1)
    id_key = pl.when(pl.col("_id_shape")).then(
        pl.col("_id").str.slice(0, 17).cast(pl.Int64, strict=False) * 11
        + pl.when(check_char == "X").then(10).otherwise(check_char.cast(pl.Int64, strict=False))
    )
    dup_rows = (
        frame.select("__row", "_id", id_key.alias("_id_key"))
        .filter(pl.col("_id_key").is_not_null() & pl.col("_id_key").is_duplicated())
        .group_by("_id")
        .agg(pl.col("__row").sort().cast(pl.Utf8).str.join("、").alias("_dup_rows"))
    )
    if dup_rows.height:
        frame = frame.join(dup_rows, on="_id", how="left", maintain_order="left")
    else:  # the usual case, without a join over every row
        frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias("_dup_rows"))
    c.frame = frame
    c.add(
        "id_number",
        pl.col("_dup_rows").is_not_null(),
        pl.format(
            "同一文件中公民身份号码重复（第{}行） / "
            "the same ID number appears more than once in the file (rows {})",
            pl.col("_dup_rows"),
            pl.col("_dup_rows"),
        ),
    )

    c.add(
        "category",
        pl.col("category_id").is_null(),
        pl.format("未知残疾类别“{}” / unknown category “{}”", pl.col("category"), pl.col("category")),
    )
    c.add(
        "grade",
        pl.col("_grade").is_null(),
        pl.format("未知残疾等级“{}” / unknown grade “{}”", pl.col("grade"), pl.col("grade")),
    )

    # 残疾人证号 = ID number + category digit + grade digit (+ B1–B9), and must agree with them.
    c.add(
        "certificate_number",
        pl.col("_cert_id").is_null(),
        _msg(
            "应为20位（身份证号+类别位+等级位）或22位（另加B1–B9）",
            "must be 20 characters (ID number + category digit + grade digit) or 22 with a B1–B9 suffix",
        ),
    )
    c.add(
        "certificate_number",
        pl.col("_id_shape") & (pl.col("_cert_id") != pl.col("_id")),
        _msg("残疾人证号与公民身份号码不一致", "does not match the ID number"),
    )
    c.add(
        "certificate_number",
        pl.col("_cert_category") != pl.col("_category_digit"),
        _msg("残疾人证号的类别位与残疾类别不一致", "its category digit does not match the category"),
    )
    c.add(
        "certificate_number",
        pl.col("_cert_grade") != pl.col("_grade"),
        _msg("残疾人证号的等级位与残疾等级不一致", "its grade digit does not match the grade"),
    )

    # 多重: components iff the category is multiple; two or more known single categories.
    is_multiple = pl.col("category_id") == "multiple"
    c.add(
        "multiple_categories",
        is_multiple & pl.col("multiple_categories").is_null(),
        _msg("多重残疾须填写多重残疾类别", "required when the category is 多重 (multiple)"),
    )
    c.add(
        "multiple_categories",
        pl.col("category_id").is_not_null() & ~is_multiple & pl.col("multiple_categories").is_not_null(),
        _msg("仅多重残疾可填写多重残疾类别", "only allowed when the category is 多重 (multiple)"),
    )
    c.add(
        "multiple_categories",
        pl.col("_components_unknown"),
        pl.format(
            "含未知残疾类别“{}” / contains an unknown category “{}”",
            pl.col("multiple_categories"),
            pl.col("multiple_categories"),
        ),
    )
    c.add(
        "multiple_categories",
        pl.col("_components_digits").str.contains("7"),
        _msg("组成类别不能是多重", "a component cannot itself be 多重"),
    )
    c.add(
        "multiple_categories",
        is_multiple & (pl.col("_components_digits").str.len_chars() < 2),
        _msg("多重残疾至少包含两个不同类别", "a multiple disability has at least two different categories"),
    )

    c.add(
        "certificate_issued",
        ~pl.col("_issued_shape") | pl.col("issued_on").is_null(),
        pl.format(
            "日期“{}”无效，应为YYYY-MM-DD / invalid date “{}”, expected YYYY-MM-DD",
            pl.col("certificate_issued"),
            pl.col("certificate_issued"),
        ),
    )
    c.add("certificate_issued", pl.col("issued_on") > today, _msg("发证日期晚于今天", "issued in the future"))
    id_valid = (
        pl.col("_id_shape")
        & pl.col("_id_check_ok")
        & (pl.col("birth_date") <= today)
        & (pl.col("birth_date").dt.year() >= 1900)
    )
    c.add(
        "certificate_issued",
        id_valid & (pl.col("issued_on") < pl.col("birth_date")),
        _msg("发证日期早于出生日期", "issued before the holder's birth date"),
    )

    c.add(
        "hukou",
        pl.col("hukou_id").is_null(),
        pl.format("未知户籍类型“{}” / unknown household registration “{}”", pl.col("hukou"), pl.col("hukou")),
    )
    c.add(
        "street",
        pl.col("street_code").is_null(),
        pl.format(
            "海淀区没有街道乡镇“{}” / no street or town “{}” in Haidian", pl.col("street"), pl.col("street")
        ),
    )
    c.add(
        "household",
        pl.col("household").str.len_chars() > HOUSEHOLD_MAX,
        _msg(f"超过{HOUSEHOLD_MAX}字", f"longer than {HOUSEHOLD_MAX} characters"),
    )
    for field, target, label_zh, label_en in (
        ("relation", "relation_id", "与户主关系", "relation"),
        ("economic_status", "economic_status_id", "家庭经济状况", "economic status"),
        ("family_planning_hardship", "_fph", "值，应为是或否", "value, expected 是 or 否"),
        ("dangerous_house", "_dangerous", "值，应为是或否", "value, expected 是 or 否"),
        ("employment", "employment_id", "就业状况", "employment status"),
        ("self_care", "_self_care", "值，应为能或不能", "value, expected 能 or 不能"),
        ("work_injury_care", "_work_injury", "值，应为是或否", "value, expected 是 or 否"),
        ("status", "status_id", "人员状态", "status"),
    ):
        c.add(
            field,
            pl.col(target).is_null(),
            pl.format(f"未知{label_zh}“{{}}” / unknown {label_en} “{{}}”", pl.col(field), pl.col(field)),
        )
    c.add(
        "phone",
        pl.col("phone").is_not_null() & ~pl.col("phone_digits").str.contains(r"^\d{5,20}$"),
        _msg("联系电话应为5–20位数字", "the phone number must be 5–20 digits"),
    )
    c.add(
        "address",
        pl.col("address").str.len_chars() > ADDRESS_MAX,
        _msg(f"超过{ADDRESS_MAX}字", f"longer than {ADDRESS_MAX} characters"),
    )

    # Text that a spreadsheet would run as a formula (= + - @, { for an array formula) or that hides
    # control characters is refused (U11, core.safe_text), so that no export of the registry can carry a
    # formula into staff's Excel (CSV injection, OWASP). Every exported text field of the row.
    for field in ("name", "address", "community", "household"):
        c.add(
            field,
            pl.col(field).str.contains(safe_text.FORMULA_START),
            _msg(safe_text.FORMULA_START_ZH, safe_text.FORMULA_START_EN),
        )
        c.add(
            field,
            pl.col(field).str.contains(safe_text.CONTROL),
            _msg(safe_text.CONTROL_ZH, safe_text.CONTROL_EN),
        )

    frame = _resolve_communities(frame, areas)
    c.frame = frame
    c.add(
        "community",
        pl.col("street_code").is_not_null() & pl.col("_community_code_unknown"),
        pl.format(
            "社区村代码“{}”不存在或不属于该街道乡镇 / community code “{}” does not exist under this street",
            pl.col("community"),
            pl.col("community"),
        ),
    )
    c.add(
        "community",
        pl.col("community").str.len_chars() > NAME_MAX,
        _msg(f"超过{NAME_MAX}字", f"longer than {NAME_MAX} characters"),
    )

    # Household fields are the household's, not the row's: every row of one household must agree. Only
    # households of several rows can disagree; one grouping counts the values of all three fields.
    household_fields = (
        ("economic_status", "economic_status_id"),
        ("family_planning_hardship", "_fph"),
        ("dangerous_house", "_dangerous"),
    )
    shared = pl.col("household").is_not_null() & pl.col("household").is_duplicated()
    distinct_values = (
        frame.filter(shared)
        .group_by("household")
        .agg([pl.col(target).drop_nulls().n_unique() for _, target in household_fields])
    )
    for field, target in household_fields:
        disagreeing = distinct_values.filter(pl.col(target) > 1).get_column("household")
        if disagreeing.len():
            column = BY_FIELD[field]
            c.add(
                field,
                pl.col("household").is_in(disagreeing.implode()),
                pl.format(
                    f"同一家庭（{{}}）各行的{column.zh}不一致 / rows of household {{}} disagree on {field}",
                    pl.col("household"),
                    pl.col("household"),
                ),
            )

    rows = frame.select(
        pl.col("__row").alias("row"),
        pl.col("name"),
        pl.col("_id").alias("id_number"),
        pl.col("birth_date"),
        pl.when(pl.col("_id").str.slice(16, 1).cast(pl.Int32, strict=False) % 2 == 1)
        .then(pl.lit("male"))
        .otherwise(pl.lit("female"))
        .alias("sex"),
        pl.col("category_id").alias("category"),
        pl.col("_grade").cast(pl.Int16, strict=False).alias("grade"),
        pl.col("_components_digits").fill_null("").alias("components"),
        pl.col("cert_reissue"),
        pl.col("issued_on"),
        _valid_until(pl.col("issued_on")).alias("valid_until"),
        pl.col("hukou_id").alias("hukou"),
        pl.col("street_code"),
        pl.col("community_code"),
        pl.col("community").alias("community_name"),
        pl.col("household"),
        pl.col("relation_id").alias("relation"),
        pl.col("economic_status_id").alias("economic_status"),
        (pl.col("_fph") == "1").alias("family_planning_hardship"),
        (pl.col("_dangerous") == "1").alias("dangerous_house"),
        pl.col("employment_id").alias("employment"),
        (pl.col("_self_care") == "1").alias("self_care"),
        (pl.col("_work_injury") == "1").alias("work_injury_care"),
        pl.col("phone_digits").alias("phone"),
        pl.col("address").fill_null(""),
        pl.col("status_id").alias("status"),
    )
    return Validation(rows=rows, errors=c.result())


def _valid_until(issued: pl.Expr) -> pl.Expr:
    """Vector form of ``registry.models.certificate_valid_until``: the day before the 10th anniversary,
    29 February's anniversary falling on 1 March in common years."""
    anniversary = issued.dt.offset_by(f"{CERTIFICATE_VALID_YEARS}y")
    leap_day = (issued.dt.month() == 2) & (issued.dt.day() == 29) & (anniversary.dt.day() == 28)
    return pl.when(leap_day).then(anniversary).otherwise(anniversary.dt.offset_by("-1d"))


_KEY_SEPARATOR = "\x1f"  # joins a street code and a community name into one key; no name contains it


def _resolve_communities(frame: pl.DataFrame, areas: AreaDirectory) -> pl.DataFrame:
    """community_code for known communities (by code, or by name under the row's street); a name not
    yet known keeps a null code and is created under the street; an unknown code is an error."""
    # Looked up as small tables of distinct values rather than joined: a join over a million rows cost
    # as much as the rest of this function.
    street_of_code = dict(areas.communities.select("community_code", "street_code").iter_rows())
    code_of_name = {
        f"{street}{_KEY_SEPARATOR}{name}": code
        for street, name, code in areas.communities.select(
            "street_code", "community_name", "community_code"
        ).iter_rows()
    }
    is_code = pl.col("community").str.contains(COMMUNITY_CODE_SHAPE)
    frame = frame.with_columns(
        pl.col("community")
        .map_batches(
            lambda cells: _map_distinct(cells, street_of_code, fold_case=False), return_dtype=pl.Utf8
        )
        .alias("_code_street"),
        pl.concat_str(["street_code", "community"], separator=_KEY_SEPARATOR)
        .map_batches(lambda keys: _map_distinct(keys, code_of_name, fold_case=False), return_dtype=pl.Utf8)
        .alias("_name_match"),
    )
    return frame.with_columns(
        pl.when(is_code)
        .then(pl.when(pl.col("_code_street") == pl.col("street_code")).then(pl.col("community")))
        .otherwise(pl.col("_name_match"))
        .alias("community_code"),
        (is_code & (pl.col("_code_street").is_null() | (pl.col("_code_street") != pl.col("street_code"))))
        .fill_null(False)
        .alias("_community_code_unknown"),
    )
