"""What a person rule may read (P2), and how one registry record becomes those facts.

A record is a person as the registry holds it (``record_for_person``) or as a validated import row holds
it (the same keys): birth date, certificate, household status … Facts are what rules read on an
evaluation date D: the age in completed years at D, whether the certificate is valid at D, and so on.

多重 (DOMAIN.md, "interpretation for multiple disability"): a 多重 certificate counts as each of its
component categories at the certificate's grade. A record therefore gives one *view* per category it
counts as (one for a single-category certificate), and a policy's decision is the most favourable view
(``interpreter.decide``; the SQL back end picks the same way). The SQL back end builds the same views in
``sql.facts_select``; both read ``FIELDS`` below.
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
from xiaokang.policies.engine.language import T_BOOL, T_INT, T_NUMBER, Type

NO_CATEGORY = ""  # a person without an active certificate: no category, grade 0, certificate not valid


def _text(labels_zh: dict) -> Type:
    """A text fact whose values are the identifiers of a registry vocabulary (the keys of its Chinese
    labels; the registry's Django choices list the same values, checked by a test)."""
    return Type("text", frozenset(labels_zh))


SINGLE_CATEGORIES = frozenset(value for value in CATEGORY_ZH if value != "multiple")


@dataclass(frozen=True)
class Fact:
    name: str
    type: Type
    zh: str
    en: str
    labels_zh: dict | None = None  # value → Chinese label, for explanations


FIELDS: dict[str, Fact] = {
    fact.name: fact
    for fact in (
        Fact("age", T_INT, "年龄（周岁）", "age in completed years"),
        Fact("status", _text(STATUS_ZH), "人员状态", "person status", STATUS_ZH),
        Fact("certificate_valid", T_BOOL, "残疾人证在有效期内", "certificate valid", YES_NO_ZH),
        Fact("hukou", _text(HUKOU_ZH), "户籍类型", "household registration", HUKOU_ZH),
        Fact(
            "category",
            Type("text", SINGLE_CATEGORIES | {NO_CATEGORY}),
            "残疾类别",
            "disability category",
            CATEGORY_ZH | {NO_CATEGORY: "无有效证件"},
        ),
        Fact("multiple", T_BOOL, "多重残疾", "multiple disability", YES_NO_ZH),
        Fact("grade", T_INT, "残疾等级", "disability grade"),
        Fact(
            "economic_status",
            _text(ECONOMIC_STATUS_ZH),
            "家庭经济状况",
            "economic status",
            ECONOMIC_STATUS_ZH,
        ),
        Fact("employment", _text(EMPLOYMENT_ZH), "就业状况", "employment status", EMPLOYMENT_ZH),
        Fact(
            "family_planning_hardship",
            T_BOOL,
            "计划生育特殊困难家庭",
            "family-planning special-hardship household",
            YES_NO_ZH,
        ),
        Fact("dangerous_house", T_BOOL, "住房为危房", "dangerous house", YES_NO_ZH),
        Fact(
            "work_injury_care",
            T_BOOL,
            "领取工伤保险生活护理费",
            "receives the work-injury care allowance",
            YES_NO_ZH,
        ),
        Fact("self_care", T_BOOL, "生活能否自理", "able to care for themselves", YES_NO_ZH),
    )
}


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
        Fact("state_owned", T_BOOL, "国有", "state-owned", YES_NO_ZH),
        Fact("headcount", T_NUMBER, "上年在职职工年平均人数", "last year's average headcount"),
        Fact("total_wages", T_NUMBER, "上年在职职工工资总额（元）", "last year's total wages (yuan)"),
        Fact("disabled_grade_1_2", T_INT, "一、二级残疾职工人数", "disabled employees of grade 1–2"),
        Fact("disabled_grade_3_4", T_INT, "三、四级残疾职工人数", "disabled employees of grade 3–4"),
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


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Completed years on ``day``; born 29 February → a year older on 1 March in common years."""
    return day.year - birth_date.year - ((birth_date.month, birth_date.day) > (day.month, day.day))


def certificate_valid_on(record: dict, day: dt.date) -> bool:
    """Issued on or before ``day`` and ``day`` before the 10th anniversary of issue (《残疾人证管理办法》
    art. 19; issued 2015-03-01 → valid 2025-02-28, expired 2025-03-01)."""
    issued_on = record.get("issued_on")
    if not record.get("category") or issued_on is None or not record.get("certificate_active", True):
        return False
    return issued_on <= day < anniversary(issued_on, 10)


def views_of(record: dict, day: dt.date) -> list[dict]:
    """The facts of a record on ``day``, one dict per category the certificate counts as."""
    common = {
        "age": age_on(record["birth_date"], day),
        "status": record.get("status") or "normal",
        "certificate_valid": certificate_valid_on(record, day),
        "hukou": record["hukou"],
        "grade": int(record.get("grade") or 0) if record.get("category") else 0,
        "economic_status": record.get("economic_status") or "ordinary",
        "employment": record.get("employment") or "not_employed",
        "family_planning_hardship": bool(record.get("family_planning_hardship")),
        "dangerous_house": bool(record.get("dangerous_house")),
        "work_injury_care": bool(record.get("work_injury_care")),
        "self_care": record.get("self_care", True) is not False,
    }
    category = record.get("category") or NO_CATEGORY
    if category != "multiple":
        return [{**common, "category": category, "multiple": False}]
    digits = sorted({int(digit) for digit in record.get("components") or ""} - {CATEGORY_CODE["multiple"]})
    return [{**common, "category": CATEGORY_BY_CODE[digit], "multiple": True} for digit in digits] or [
        {**common, "category": NO_CATEGORY, "multiple": True}
    ]


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
