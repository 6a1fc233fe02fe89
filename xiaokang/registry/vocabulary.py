"""The registry's controlled vocabularies: identifier (GLOSSARY.md) ↔ Chinese label ↔ English label.

Spreadsheets use the Chinese labels (and, for category and grade, the digits of the certificate
number); code and the database use the identifiers."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    # GB/T 26341-2010: digit 1 视力 … 7 多重 (the digit in the certificate number).
    VISUAL = "visual", _("visual")
    HEARING = "hearing", _("hearing")
    SPEECH = "speech", _("speech")
    PHYSICAL = "physical", _("physical")
    INTELLECTUAL = "intellectual", _("intellectual")
    MENTAL = "mental", _("mental")
    MULTIPLE = "multiple", _("multiple")


CATEGORY_ZH = {
    "visual": "视力",
    "hearing": "听力",
    "speech": "言语",
    "physical": "肢体",
    "intellectual": "智力",
    "mental": "精神",
    "multiple": "多重",
}
CATEGORY_CODE = {
    "visual": 1,
    "hearing": 2,
    "speech": 3,
    "physical": 4,
    "intellectual": 5,
    "mental": 6,
    "multiple": 7,
}
CATEGORY_BY_CODE = {v: k for k, v in CATEGORY_CODE.items()}

GRADE_ZH = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}


class Hukou(models.TextChoices):
    BEIJING_URBAN = "beijing_urban", _("Beijing urban")
    BEIJING_RURAL = "beijing_rural", _("Beijing rural")
    NON_LOCAL = "non_local", _("non-local")


HUKOU_ZH = {"beijing_urban": "本市城镇", "beijing_rural": "本市农业", "non_local": "外埠"}


class PersonStatus(models.TextChoices):
    NORMAL = "normal", _("normal")
    MOVED_OUT = "moved_out", _("moved out")
    DECEASED = "deceased", _("deceased")


STATUS_ZH = {"normal": "正常", "moved_out": "迁出", "deceased": "死亡"}


class Employment(models.TextChoices):
    EMPLOYED = "employed", _("employed")
    SELF_EMPLOYED = "self_employed", _("self-employed")
    FLEXIBLE = "flexible", _("flexible employment")
    UNEMPLOYED_REGISTERED = "unemployed_registered", _("registered unemployed")
    NOT_EMPLOYED = "not_employed", _("not employed")
    STUDENT = "student", _("student")
    RETIRED = "retired", _("retired")


EMPLOYMENT_ZH = {
    "employed": "在职",
    "self_employed": "自主创业",
    "flexible": "灵活就业",
    "unemployed_registered": "登记失业",
    "not_employed": "未就业",
    "student": "在校学生",
    "retired": "退休",
}


class EconomicStatus(models.TextChoices):
    DIBAO = "dibao", _("minimum living guarantee (dibao)")
    LOW_INCOME = "low_income", _("low income")
    EXTREMELY_POOR = "extremely_poor", _("extremely poor")
    ORDINARY = "ordinary", _("ordinary")


ECONOMIC_STATUS_ZH = {"dibao": "低保", "low_income": "低收入", "extremely_poor": "特困", "ordinary": "一般"}


class Relation(models.TextChoices):
    HEAD = "head", _("head of household")
    SPOUSE = "spouse", _("spouse")
    CHILD = "child", _("child")
    PARENT = "parent", _("parent")
    OTHER = "other", _("other")


RELATION_ZH = {"head": "户主", "spouse": "配偶", "child": "子女", "parent": "父母", "other": "其他"}


class HardshipCause(models.TextChoices):
    DISASTER = "disaster", _("disaster")
    ILLNESS = "illness", _("illness")
    SCHOOLING = "schooling", _("schooling")
    OTHER = "other", _("other")


HARDSHIP_CAUSE_ZH = {"disaster": "因灾", "illness": "因病", "schooling": "因学", "other": "其他"}


class CertificateStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    REPLACED = "replaced", _("replaced")
    REVOKED = "revoked", _("revoked")


class Sex(models.TextChoices):
    MALE = "male", _("male")
    FEMALE = "female", _("female")


YES_NO_ZH = {True: "是", False: "否"}
SELF_CARE_ZH = {True: "能", False: "不能"}
