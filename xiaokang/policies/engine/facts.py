"""What a rule may read (P2): every fact defined once — name, type, description and how it is computed
from a record — and both back ends' views of it generated from that one definition: the interpreter's
value (``views_of``) and the SQL expression (``sql_column``, assembled by ``sql.facts_select`` for
SQLite, PostgreSQL and DuckDB). A fact is never written a second time in ``sql.py``.

A record is a person as the registry holds it (``record_for_person``) or as a validated import row holds
it (the same keys): birth date, certificate, household status … Facts are what rules read on an
evaluation date D: the age in completed years at D, whether the certificate is valid at D, and so on.
Each fact's ``compute`` names the record keys it reads (``reads``: they are the columns of a SQL source
relation, ``SOURCE_COLUMNS``) and gives its value in Python and in SQL side by side.

多重 (DOMAIN.md, "interpretation for multiple disability"): a 多重 certificate counts as each of its
component categories at the certificate's grade. A record therefore gives one *view* per category it
counts as (one for a single-category certificate), and a policy's decision is the most favourable view
(``interpreter.decide``; the SQL back end picks the same way). ``CategoryViews`` builds the views in
both back ends.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from xiaokang.core.dates import anniversary
from xiaokang.core.vocabulary import (
    CATEGORY_BY_CODE,
    CATEGORY_CODE,
    CATEGORY_ZH,
    ECONOMIC_STATUS_ZH,
    EMPLOYMENT_ZH,
    HUKOU_ZH,
    STATUS_ZH,
    YES_NO_ZH,
)
from xiaokang.policies.engine import dialect as sql_dialect
from xiaokang.policies.engine.language import BOOL, INT, NUMBER, T_BOOL, T_INT, T_NUMBER, Type

NO_CATEGORY = ""  # a person without an active certificate: no category, grade 0, certificate not valid
REQUIRED = object()  # a record key without a default (employer_record, Record)


def _text(labels_zh: dict) -> Type:
    """A text fact whose values are the identifiers of a registry vocabulary (the keys of its Chinese
    labels; the registry's Django choices list the same values, checked by a test)."""
    return Type("text", frozenset(labels_zh))


SINGLE_CATEGORIES = frozenset(value for value in CATEGORY_ZH if value != "multiple")
SQL_TYPES = {BOOL: "BOOLEAN", INT: "INTEGER", NUMBER: "NUMERIC", "text": "TEXT"}


# --- How a fact is computed: each kind gives the Python value and the SQL expression together --------
# The SQL reads the source row as ``s`` (``sql.facts_select``); ``reads`` are (record key, SQL type).


class Compute:
    reads: tuple[tuple[str, str], ...] = ()

    def python(self, record: dict, day: dt.date, type_: Type) -> object:  # pragma: no cover
        raise NotImplementedError

    def sql(self, day: dt.date, dialect: str, type_: Type) -> str:  # pragma: no cover
        raise NotImplementedError


@dataclass(frozen=True)
class Record(Compute):
    """The record's own value; missing (None, or "" for text) → ``default``."""

    key: str
    sql_type: str
    default: object = REQUIRED

    @property
    def reads(self):
        return ((self.key, self.sql_type),)

    def python(self, record, day, type_):
        if self.default is REQUIRED:
            return record[self.key]
        value = record.get(self.key)
        if value is None or value == "":
            value = self.default
        return bool(value) if type_.kind == BOOL else int(value) if type_.kind == INT else value

    def sql(self, day, dialect, type_):
        column = f"s.{self.key}"
        if self.default is REQUIRED:
            return column
        if type_.kind == "text":
            column = f"NULLIF({column}, '')"
        return f"COALESCE({column}, {sql_dialect.literal(self.default)})"


def has_certificate(record: dict) -> bool:
    return bool(record.get("category"))


HAS_CERTIFICATE_SQL = "(s.category IS NOT NULL AND s.category <> '')"


@dataclass(frozen=True)
class Certified(Compute):
    """``inner`` for a person with a certificate (a category), ``otherwise`` without."""

    inner: Compute
    otherwise: object

    @property
    def reads(self):
        return (("category", "TEXT"), *self.inner.reads)

    def python(self, record, day, type_):
        return self.inner.python(record, day, type_) if has_certificate(record) else self.otherwise

    def sql(self, day, dialect, type_):
        inner = self.inner.sql(day, dialect, type_)
        return f"CASE WHEN {HAS_CERTIFICATE_SQL} THEN {inner} ELSE {sql_dialect.literal(self.otherwise)} END"


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Completed years on ``day``; born 29 February → a year older on 1 March in common years."""
    return day.year - birth_date.year - ((birth_date.month, birth_date.day) > (day.month, day.day))


@dataclass(frozen=True)
class AgeOn(Compute):
    """Completed years on D of the date ``key`` (``age_on``)."""

    key: str

    @property
    def reads(self):
        return ((self.key, "DATE"),)

    def python(self, record, day, type_):
        return age_on(record[self.key], day)

    def sql(self, day, dialect, type_):
        # Born 29 February: 229 > 228 on 28 February of a common year (not yet), 229 > 301 false on 1 March.
        column = f"s.{self.key}"
        return (
            f"({day.year} - {sql_dialect.year(column, dialect)} - CASE WHEN "
            f"{sql_dialect.month_day(column, dialect)} > {day.month * 100 + day.day} THEN 1 ELSE 0 END)"
        )


def certificate_valid_on(record: dict, day: dt.date) -> bool:
    """Issued on or before ``day`` and ``day`` before the 10th anniversary of issue (《残疾人证管理办法》
    art. 19; issued 2015-03-01 → valid 2025-02-28, expired 2025-03-01)."""
    issued_on = record.get("issued_on")
    if not has_certificate(record) or issued_on is None or not record.get("certificate_active", True):
        return False
    return issued_on <= day < anniversary(issued_on, 10)


class CertificateValid(Compute):
    """``certificate_valid_on``. A SQL source gives ``valid_until``, the last day of validity (the registry
    stores it: ``issued_on``'s 10th anniversary − 1 day), where Python computes the anniversary."""

    reads = (
        ("category", "TEXT"),
        ("issued_on", "DATE"),
        ("valid_until", "DATE"),
        ("certificate_active", "BOOLEAN"),
    )

    def python(self, record, day, type_):
        return certificate_valid_on(record, day)

    def sql(self, day, dialect, type_):
        on = sql_dialect.date_literal(day, dialect)
        return (
            f"CASE WHEN {HAS_CERTIFICATE_SQL} AND s.certificate_active AND s.issued_on <= {on} "
            f"AND s.valid_until >= {on} THEN TRUE ELSE FALSE END"
        )


class CategoryViews(Compute):
    """The ``category`` and ``multiple`` facts, one view per category the certificate counts as (多重: each
    component digit of ``components``, e.g. '46'; none: the no-category view)."""

    reads = (("category", "TEXT"), ("components", "TEXT"))
    facts = ("category", "multiple")

    def views(self, record: dict) -> list[dict]:
        category = record.get("category") or NO_CATEGORY
        if category != "multiple":
            return [{"category": category, "multiple": False}]
        digits = sorted(
            {int(digit) for digit in record.get("components") or ""} - {CATEGORY_CODE["multiple"]}
        )
        return [{"category": CATEGORY_BY_CODE[digit], "multiple": True} for digit in digits] or [
            {"category": NO_CATEGORY, "multiple": True}
        ]

    def sql_views(self, relation: str, computed: str, dialect: str) -> tuple[str, str]:
        """(one-view persons, 多重 persons with their components): two SELECTs over ``relation`` giving
        person_id, street_id, nviews, category_code, category, multiple and the ``computed`` columns."""
        # Fixed columns and the compiler's relation: no request text (S608, as sql.py).
        single = f"""
    SELECT s.person_id AS person_id, s.street_id AS street_id, 1 AS nviews,
        COALESCE(cat.code, 0) AS category_code,
        CASE WHEN s.category = 'multiple' THEN '' ELSE COALESCE(s.category, '') END AS category,
        CASE WHEN s.category = 'multiple' THEN TRUE ELSE FALSE END AS multiple,{computed}
    FROM {relation} s LEFT JOIN {_categories_relation()} cat ON cat.name = s.category
    WHERE s.category IS NULL OR s.category <> 'multiple' OR COALESCE(s.components, '') = ''"""  # noqa: S608
        multiple = f"""
    SELECT s.person_id AS person_id, s.street_id AS street_id, length(s.components) AS nviews,
        cat.code AS category_code, cat.name AS category, TRUE AS multiple,{computed}
    FROM {relation} s JOIN {_categories_relation()} cat
        ON {sql_dialect.contains("s.components", "cat.digit", dialect)}
    WHERE s.category = 'multiple' AND COALESCE(s.components, '') <> ''"""  # noqa: S608
        return single, multiple


def _categories_relation() -> str:
    rows = [
        f"SELECT {code} AS code, '{name}' AS name, '{code}' AS digit"
        for name, code in CATEGORY_CODE.items()
        if name != "multiple"
    ]
    return "(" + " UNION ALL ".join(rows) + ")"


CATEGORY_VIEWS = CategoryViews()


@dataclass(frozen=True)
class Fact:
    name: str
    type: Type
    zh: str
    en: str
    labels_zh: dict | None = None  # value → Chinese label, for explanations
    # Person facts: how the fact is computed from a record (both back ends). Employer facts are read as
    # given (``employer_record``), with ``default`` when a record leaves them out.
    compute: Compute | None = None
    default: object = REQUIRED

    @property
    def per_view(self) -> bool:
        return isinstance(self.compute, CategoryViews)

    def value(self, record: dict, day: dt.date) -> object:
        """The interpreter's value (not for the per-view facts: ``views_of``)."""
        return self.compute.python(record, day, self.type)

    def sql_column(self, day: dt.date, dialect: str) -> str:
        """The SQL expression over the source row ``s`` (not for the per-view facts)."""
        return self.compute.sql(day, dialect, self.type)


def _flag(name: str, zh: str, en: str, default: bool = False) -> Fact:
    """A yes/no fact as imported (missing → ``default``)."""
    return Fact(name, T_BOOL, zh, en, YES_NO_ZH, Record(name, "BOOLEAN", default))


def _code(name: str, labels_zh: dict, zh: str, en: str, default: object = REQUIRED) -> Fact:
    """A text fact of a registry vocabulary, as imported (missing → ``default``)."""
    return Fact(name, _text(labels_zh), zh, en, labels_zh, Record(name, "TEXT", default))


FIELDS: dict[str, Fact] = {
    fact.name: fact
    for fact in (
        Fact("age", T_INT, "年龄（周岁）", "age in completed years", compute=AgeOn("birth_date")),
        _code("status", STATUS_ZH, "人员状态", "person status", "normal"),
        Fact(
            "certificate_valid",
            T_BOOL,
            "残疾人证在有效期内",
            "certificate valid",
            YES_NO_ZH,
            CertificateValid(),
        ),
        _code("hukou", HUKOU_ZH, "户籍类型", "household registration"),
        Fact(
            "category",
            Type("text", SINGLE_CATEGORIES | {NO_CATEGORY}),
            "残疾类别",
            "disability category",
            CATEGORY_ZH | {NO_CATEGORY: "无有效证件"},
            CATEGORY_VIEWS,
        ),
        Fact("multiple", T_BOOL, "多重残疾", "multiple disability", YES_NO_ZH, CATEGORY_VIEWS),
        Fact(
            "grade",
            T_INT,
            "残疾等级",
            "disability grade",
            compute=Certified(Record("grade", "INTEGER", 0), 0),
        ),
        _code("economic_status", ECONOMIC_STATUS_ZH, "家庭经济状况", "economic status", "ordinary"),
        _code("employment", EMPLOYMENT_ZH, "就业状况", "employment status", "not_employed"),
        _flag(
            "family_planning_hardship", "计划生育特殊困难家庭", "family-planning special-hardship household"
        ),
        _flag("dangerous_house", "住房为危房", "dangerous house"),
        _flag("work_injury_care", "领取工伤保险生活护理费", "receives the work-injury care allowance"),
        _flag("self_care", "生活能否自理", "able to care for themselves", default=True),
    )
}


def _source_columns() -> dict[str, str]:
    """Every record key a person fact reads, with its SQL type: the columns of a SQL source relation
    (one row per person), after ``person_id`` and ``street_id``."""
    columns = {"person_id": "BIGINT", "street_id": "BIGINT"}
    for fact in FIELDS.values():
        for key, sql_type in fact.compute.reads:
            columns.setdefault(key, sql_type)
    return columns


SOURCE_TYPES: dict[str, str] = _source_columns()


# --- Employers (E1): what an employer rule may read, for a levy year Y (last year's figures) ----

# 单位类型 (E1); the employment app's Employer.employer_type takes these values.
EMPLOYER_TYPE_ZH = {
    "enterprise": "企业",
    "government_organ": "机关",
    "public_institution": "事业单位",
    "social_organization": "社会团体",
    "private_non_enterprise": "民办非企业单位",
}

# How a file may write a type: its Chinese name or its identifier (the employer import and the levy file).
EMPLOYER_TYPE_VALUES = {
    **{zh: key for key, zh in EMPLOYER_TYPE_ZH.items()},
    **{key: key for key in EMPLOYER_TYPE_ZH},
}

# An employer fact is read as given (no ``compute``): its type says how each back end holds it
# (``employers.employer_record`` in Python: bool, int, exact Decimal; ``employers.source_select`` in
# DuckDB: a number in fixed point).
EMPLOYER_FIELDS: dict[str, Fact] = {
    fact.name: fact
    for fact in (
        Fact(
            "employer_type",
            Type("text", frozenset(EMPLOYER_TYPE_ZH)),
            "单位类型",
            "employer type",
            EMPLOYER_TYPE_ZH,
        ),
        Fact("state_owned", T_BOOL, "国有", "state-owned", YES_NO_ZH, default=False),
        Fact("headcount", T_NUMBER, "上年在职职工年平均人数", "last year's average headcount"),
        Fact("total_wages", T_NUMBER, "上年在职职工工资总额（元）", "last year's total wages (yuan)"),
        Fact(
            "disabled_grade_1_2", T_INT, "一、二级残疾职工人数", "disabled employees of grade 1–2", default=0
        ),
        Fact(
            "disabled_grade_3_4", T_INT, "三、四级残疾职工人数", "disabled employees of grade 3–4", default=0
        ),
    )
}

FIELDS_BY_ENTITY = {"person": FIELDS, "employer": EMPLOYER_FIELDS}


def fields_for(entity: str) -> dict[str, Fact]:
    return FIELDS_BY_ENTITY[entity]


def display(name: str, value: object) -> str:
    fact = FIELDS.get(name) or EMPLOYER_FIELDS.get(name)
    if fact is not None and fact.labels_zh is not None and value in fact.labels_zh:
        return fact.labels_zh[value]
    return str(value)


def views_of(record: dict, day: dt.date) -> list[dict]:
    """The facts of a record on ``day``, one dict per category the certificate counts as."""
    common = {name: fact.value(record, day) for name, fact in FIELDS.items() if not fact.per_view}
    return [{**common, **view} for view in CATEGORY_VIEWS.views(record)]


def record_for_person(person, certificate, household) -> dict:
    """A registry person (with its active certificate, or None, and its household) as a record."""
    return {
        "birth_date": person.birth_date,
        "status": person.status,
        "hukou": person.hukou,
        "category": certificate.category if certificate else None,
        "grade": certificate.grade if certificate else 0,
        "components": certificate.components if certificate else "",
        "issued_on": certificate.issued_on if certificate else None,
        "certificate_active": certificate is not None and certificate.status == "active",
        "economic_status": household.economic_status,
        "employment": person.employment,
        "family_planning_hardship": household.family_planning_hardship,
        "dangerous_house": household.dangerous_house,
        "work_injury_care": person.work_injury_care,
        "self_care": person.self_care,
    }
