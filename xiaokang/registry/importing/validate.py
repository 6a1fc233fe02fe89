"""The person rules (R1, R2, R5), declared to the import framework (``xiaokang.core.importing``).

Every rule is named (``<field>.<what>``), says in Chinese and English why a cell is refused, and is a
Polars expression over the whole column, so 100,000 rows validate in a fraction of a second and a
million in a few (`xiaokang screen`, P2, checks a 1,000,000-row file with the same rules). The column
types (``columns.py``) parse the vocabularies, the ID number and the date; ``prepare`` derives what the
rules below read; ``PERSON_RULES`` lists them in the order they run (a cell reports only its first
failure). The scalar validators in ``xiaokang.core.identifiers`` are the reference: a property test
checks that the ID-number and certificate rules here agree with them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from xiaokang.core.identifiers import id_check_valid
from xiaokang.core.importing.columns import Message, lookup, map_distinct, mapped, msg
from xiaokang.core.importing.dataset import Validation
from xiaokang.core.importing.rules import ERROR_SCHEMA, Context, ErrorCollector, Rule, Step
from xiaokang.registry.importing.columns import (
    ADDRESS_MAX,
    BY_FIELD,
    GRADE_VALUES,
    HOUSEHOLD_MAX,
    NAME_MAX,
    SELF_CARE_VALUES,
    YES_NO_VALUES,
)
from xiaokang.registry.models import CERTIFICATE_VALID_YEARS
from xiaokang.registry.vocabulary import (
    CATEGORY_CODE,
    CATEGORY_ZH,
    ECONOMIC_STATUS_ZH,
    EMPLOYMENT_ZH,
    HUKOU_ZH,
    RELATION_ZH,
    STATUS_ZH,
)

__all__ = [
    "ADDRESS_MAX",
    "ERROR_SCHEMA",
    "GRADE_VALUES",
    "HOUSEHOLD_MAX",
    "NAME_MAX",
    "SELF_CARE_VALUES",
    "YES_NO_VALUES",
    "ErrorCollector",
    "Validation",
]

_lookup = lookup


CATEGORY_VALUES = _lookup(CATEGORY_ZH, extra={str(code): ident for ident, code in CATEGORY_CODE.items()})
# A component may be named by label, identifier or digit; the value is its digit.
COMPONENT_DIGIT = {key: str(CATEGORY_CODE[ident]) for key, ident in CATEGORY_VALUES.items()}
COMPONENT_DIGITS_IN_ORDER = sorted(set(COMPONENT_DIGIT.values()))  # single digits, "1" … "7"
# What separates the components in one 多重残疾类别 cell (the template's explanation sheet).
COMPONENT_SEPARATORS = r"[,，、;；]"
HUKOU_VALUES = _lookup(HUKOU_ZH)
RELATION_VALUES = _lookup(RELATION_ZH)
ECONOMIC_VALUES = _lookup(ECONOMIC_STATUS_ZH)
EMPLOYMENT_VALUES = _lookup(EMPLOYMENT_ZH)
STATUS_VALUES = _lookup(STATUS_ZH)

ID_SHAPE = r"^\d{17}[\dX]$"
CERT_SHAPE = r"^(\d{17}[\dX])([1-7])([1-4])(B[1-9])?$"
DATE_SHAPE = r"^\d{4}-\d{1,2}-\d{1,2}( 00:00:00(\.0+)?)?$"
COMMUNITY_CODE_SHAPE = r"^\d{12}$"

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


@dataclass
class AreaDirectory:
    """What the validator needs to know about areas: every way a street may be written → 12-digit code,
    and the existing communities (street code, name, code)."""

    street_codes: dict[str, str]
    communities: pl.DataFrame  # columns street_code, community_name, community_code


# Public names other imports used before the framework existed (the levy file, screening).
_Collector = ErrorCollector
_msg = msg
_map_distinct = map_distinct
_mapped = mapped


# ---------------------------------------------------------------------------------------------------
# What the rules read, derived column-wise once (the column types have parsed the vocabularies, the ID
# number into ``_id`` and the issue date into ``issued_on``)


def _areas(ctx: Context) -> AreaDirectory:
    areas = ctx.data.get("areas")
    if areas is None:
        from xiaokang.registry.selectors import area_directory

        areas = ctx.data["areas"] = area_directory()
    return areas


def prepare(frame: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    areas = _areas(ctx)
    frame = frame.with_columns(
        pl.col("_id").str.contains(ID_SHAPE).alias("_id_shape"),
        # null where the shape is wrong (that rule reports it)
        pl.col("_id").map_batches(id_check_valid, return_dtype=pl.Boolean).alias("_id_check_ok"),
        pl.col("_id").str.slice(6, 8).str.to_date("%Y%m%d", strict=False).alias("birth_date"),
        pl.col("certificate_number").str.to_uppercase().alias("_cert"),
        pl.col("street")
        .replace_strict(areas.street_codes, default=None, return_dtype=pl.Utf8)
        .alias("street_code"),
        pl.col("phone").str.replace_all(r"[\s\-]", "").alias("phone_digits"),
        pl.col("multiple_categories")
        .str.replace_all(COMPONENT_SEPARATORS, ",")
        .str.split(",")
        .list.eval(pl.element().str.strip_chars().replace_strict(COMPONENT_DIGIT, default=None))
        .alias("_components"),
    )
    frame = frame.with_columns(pl.col("_cert").str.contains(CERT_SHAPE).alias("_cert_shape"))
    # The certificate number's parts, by position once its shape is known (CERT_SHAPE's four groups).
    cert_part = pl.when(pl.col("_cert_shape")).then(pl.col("_cert"))
    return frame.with_columns(
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


def _duplicate_ids(frame: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Duplicates among well-formed numbers (a malformed one has its own error already), compared as
    integers (the 17 digits and the check character): hashing a million integers instead of a million
    strings."""
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
        return frame.join(dup_rows, on="_id", how="left", maintain_order="left")
    # the usual case, without a join over every row
    return frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias("_dup_rows"))


def _communities(frame: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    return _resolve_communities(frame, _areas(ctx))


# Household fields are the household's, not the row's: every row of one household must agree.
_HOUSEHOLD_FIELDS = (
    ("economic_status", "economic_status_id"),
    ("family_planning_hardship", "_fph"),
    ("dangerous_house", "_dangerous"),
)


def _household_agreement(frame: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """``_disagree_<field>`` for the rows of a household whose rows disagree on ``field``. Only households
    of several rows can disagree; one grouping counts the values of all three fields."""
    shared = pl.col("household").is_not_null() & pl.col("household").is_duplicated()
    distinct_values = (
        frame.filter(shared)
        .group_by("household")
        .agg([pl.col(target).drop_nulls().n_unique() for _, target in _HOUSEHOLD_FIELDS])
    )
    flags = []
    for field, target in _HOUSEHOLD_FIELDS:
        disagreeing = distinct_values.filter(pl.col(target) > 1).get_column("household")
        flag = pl.col("household").is_in(disagreeing.implode()) if disagreeing.len() else pl.lit(False)
        flags.append(flag.alias(f"_disagree_{field}"))
    return frame.with_columns(flags)


def _id_valid(ctx: Context) -> pl.Expr:
    return (
        pl.col("_id_shape")
        & pl.col("_id_check_ok")
        & (pl.col("birth_date") <= ctx.today)
        & (pl.col("birth_date").dt.year() >= 1900)
    )


_IS_MULTIPLE = pl.col("category_id") == "multiple"

# The rules in the order they run; a name in quotes is a column's own rule (columns.py), placed here.
PERSON_RULES: tuple[Rule | Step | str, ...] = (
    # Required cells first: an empty required cell reports only that.
    *(f"{c.field}.required" for c in BY_FIELD.values() if c.required),
    "name.length",
    # 公民身份号码 (GB 11643-1999): shape, check character, a real birth date not in the future.
    "id_number.shape",
    "id_number.check",
    Rule(
        "id_number.birth_date",
        "id_number",
        pl.col("_id_shape") & pl.col("birth_date").is_null(),
        Message("出生日期不存在", "the birth date does not exist"),
    ),
    Rule(
        "id_number.birth_range",
        "id_number",
        lambda ctx: (pl.col("birth_date") > ctx.today) | (pl.col("birth_date").dt.year() < 1900),
        Message("出生日期不合理（晚于今天或早于1900年）", "the birth date is in the future or before 1900"),
    ),
    Step("id_number.duplicate_rows", _duplicate_ids),
    Rule(
        "id_number.duplicate",
        "id_number",
        pl.col("_dup_rows").is_not_null(),
        Message(
            "同一文件中公民身份号码重复（第{_dup_rows}行）",
            "the same ID number appears more than once in the file (rows {_dup_rows})",
        ),
    ),
    "category.invalid",
    "grade.invalid",
    # 残疾人证号 = ID number + category digit + grade digit (+ B1–B9), and must agree with them.
    Rule(
        "certificate_number.shape",
        "certificate_number",
        pl.col("_cert_id").is_null(),
        Message(
            "应为20位（身份证号+类别位+等级位）或22位（另加B1–B9）",
            "must be 20 characters (ID number + category digit + grade digit) or 22 with a B1–B9 suffix",
        ),
    ),
    Rule(
        "certificate_number.id_number",
        "certificate_number",
        pl.col("_id_shape") & (pl.col("_cert_id") != pl.col("_id")),
        Message("残疾人证号与公民身份号码不一致", "does not match the ID number"),
    ),
    Rule(
        "certificate_number.category",
        "certificate_number",
        pl.col("_cert_category") != pl.col("_category_digit"),
        Message("残疾人证号的类别位与残疾类别不一致", "its category digit does not match the category"),
    ),
    Rule(
        "certificate_number.grade",
        "certificate_number",
        pl.col("_cert_grade") != pl.col("_grade"),
        Message("残疾人证号的等级位与残疾等级不一致", "its grade digit does not match the grade"),
    ),
    # 多重: components iff the category is multiple; two or more known single categories.
    Rule(
        "multiple_categories.required",
        "multiple_categories",
        _IS_MULTIPLE & pl.col("multiple_categories").is_null(),
        Message("多重残疾须填写多重残疾类别", "required when the category is 多重 (multiple)"),
    ),
    Rule(
        "multiple_categories.only_multiple",
        "multiple_categories",
        pl.col("category_id").is_not_null() & ~_IS_MULTIPLE & pl.col("multiple_categories").is_not_null(),
        Message("仅多重残疾可填写多重残疾类别", "only allowed when the category is 多重 (multiple)"),
    ),
    Rule(
        "multiple_categories.invalid",
        "multiple_categories",
        pl.col("_components_unknown"),
        Message("含未知残疾类别“{value}”", "contains an unknown category “{value}”"),
    ),
    Rule(
        "multiple_categories.nested",
        "multiple_categories",
        pl.col("_components_digits").str.contains("7"),
        Message("组成类别不能是多重", "a component cannot itself be 多重"),
    ),
    Rule(
        "multiple_categories.too_few",
        "multiple_categories",
        _IS_MULTIPLE & (pl.col("_components_digits").str.len_chars() < 2),
        Message(
            "多重残疾至少包含两个不同类别", "a multiple disability has at least two different categories"
        ),
    ),
    "certificate_issued.invalid",
    Rule(
        "certificate_issued.future",
        "certificate_issued",
        lambda ctx: pl.col("issued_on") > ctx.today,
        Message("发证日期晚于今天", "issued in the future"),
    ),
    Rule(
        "certificate_issued.before_birth",
        "certificate_issued",
        lambda ctx: _id_valid(ctx) & (pl.col("issued_on") < pl.col("birth_date")),
        Message("发证日期早于出生日期", "issued before the holder's birth date"),
    ),
    "hukou.invalid",
    Rule(
        "street.unknown",
        "street",
        pl.col("street_code").is_null(),
        Message("海淀区没有街道乡镇“{value}”", "no street or town “{value}” in Haidian"),
    ),
    "household.length",
    "relation.invalid",
    "economic_status.invalid",
    "family_planning_hardship.invalid",
    "dangerous_house.invalid",
    "employment.invalid",
    "self_care.invalid",
    "work_injury_care.invalid",
    "status.invalid",
    Rule(
        "phone.digits",
        "phone",
        pl.col("phone").is_not_null() & ~pl.col("phone_digits").str.contains(r"^\d{5,20}$"),
        Message("联系电话应为5–20位数字", "the phone number must be 5–20 digits"),
    ),
    "address.length",
    # Text that a spreadsheet would run as a formula (= + - @, { for an array formula) or that hides
    # control characters is refused (U11, core.safe_text), so that no export of the registry can carry a
    # formula into staff's Excel (CSV injection, OWASP). Every exported text field of the row.
    *(
        f"{field}.{rule}"
        for field in ("name", "address", "community", "household")
        for rule in ("formula", "control")
    ),
    Step("community.resolve", _communities),
    Rule(
        "community.unknown_code",
        "community",
        pl.col("street_code").is_not_null() & pl.col("_community_code_unknown"),
        Message(
            "社区村代码“{value}”不存在或不属于该街道乡镇",
            "community code “{value}” does not exist under this street",
        ),
    ),
    "community.length",
    Step("household.agreement", _household_agreement),
    *(
        Rule(
            f"{field}.household",
            field,
            pl.col(f"_disagree_{field}"),
            Message(
                f"同一家庭（{{household}}）各行的{BY_FIELD[field].zh}不一致",
                f"rows of household {{household}} disagree on {field}",
            ),
        )
        for field, _target in _HOUSEHOLD_FIELDS
    ),
)


def person_rows(frame: pl.DataFrame, ctx: Context | None = None) -> pl.DataFrame:
    """The validated row format (ROW_SCHEMA) of a validated frame."""
    return frame.select(
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


def validate_persons(
    frame: pl.DataFrame, headers: dict[str, str], areas: AreaDirectory, *, today: dt.date
) -> Validation:
    """The person rules over ``frame`` (text columns named by field, plus ``__row``), without the scope
    (``services._scope_check``): what the import, the form, the API and screening share."""
    from xiaokang.registry.importing.persons import PERSONS

    ctx = PERSONS.context(headers=headers, today=today)
    ctx.data["areas"] = areas
    return PERSONS.validate(frame, ctx)


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
