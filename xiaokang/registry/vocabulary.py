"""The registry's controlled vocabularies: identifier (GLOSSARY.md) ↔ Chinese label ↔ English label.

Spreadsheets use the Chinese labels (and, for category and grade, the digits of the certificate
number); code and the database use the identifiers. The Chinese labels and category digits live in
``xiaokang.core.vocabulary`` (no Django import, so the policy engine can read them) and are re-exported
here for the apps."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaokang.core.vocabulary import (  # the Chinese labels and category digits, Django-free
    CATEGORY_BY_CODE,
    CATEGORY_CODE,
    CATEGORY_ZH,
    ECONOMIC_STATUS_ZH,
    EMPLOYMENT_ZH,
    GRADE_ZH,
    HARDSHIP_CAUSE_ZH,
    HUKOU_ZH,
    RELATION_ZH,
    SELF_CARE_ZH,
    STATUS_ZH,
    YES_NO_ZH,
)

__all__ = [
    "CATEGORY_BY_CODE",
    "CATEGORY_CODE",
    "CATEGORY_ZH",
    "ECONOMIC_STATUS_ZH",
    "EMPLOYMENT_ZH",
    "GRADE_ZH",
    "HARDSHIP_CAUSE_ZH",
    "HUKOU_ZH",
    "RELATION_ZH",
    "SELF_CARE_ZH",
    "STATUS_ZH",
    "YES_NO_ZH",
    "Category",
    "CertificateStatus",
    "EconomicStatus",
    "Employment",
    "HardshipCause",
    "Hukou",
    "PersonStatus",
    "Relation",
    "Sex",
]


class Category(models.TextChoices):
    # GB/T 26341-2010: digit 1 视力 … 7 多重 (the digit in the certificate number).
    VISUAL = "visual", _("visual")
    HEARING = "hearing", _("hearing")
    SPEECH = "speech", _("speech")
    PHYSICAL = "physical", _("physical")
    INTELLECTUAL = "intellectual", _("intellectual")
    MENTAL = "mental", _("mental")
    MULTIPLE = "multiple", _("multiple")


class Hukou(models.TextChoices):
    BEIJING_URBAN = "beijing_urban", _("Beijing urban")
    BEIJING_RURAL = "beijing_rural", _("Beijing rural")
    NON_LOCAL = "non_local", _("non-local")


class PersonStatus(models.TextChoices):
    NORMAL = "normal", _("normal")
    MOVED_OUT = "moved_out", _("moved out")
    DECEASED = "deceased", _("deceased")


class Employment(models.TextChoices):
    EMPLOYED = "employed", _("employed")
    SELF_EMPLOYED = "self_employed", _("self-employed")
    FLEXIBLE = "flexible", _("flexible employment")
    UNEMPLOYED_REGISTERED = "unemployed_registered", _("registered unemployed")
    NOT_EMPLOYED = "not_employed", _("not employed")
    STUDENT = "student", _("student")
    RETIRED = "retired", _("retired")


class EconomicStatus(models.TextChoices):
    DIBAO = "dibao", _("minimum living guarantee (dibao)")
    LOW_INCOME = "low_income", _("low income")
    EXTREMELY_POOR = "extremely_poor", _("extremely poor")
    ORDINARY = "ordinary", _("ordinary")


class Relation(models.TextChoices):
    HEAD = "head", _("head of household")
    SPOUSE = "spouse", _("spouse")
    CHILD = "child", _("child")
    PARENT = "parent", _("parent")
    OTHER = "other", _("other")


class HardshipCause(models.TextChoices):
    DISASTER = "disaster", _("disaster")
    ILLNESS = "illness", _("illness")
    SCHOOLING = "schooling", _("schooling")
    OTHER = "other", _("other")


class CertificateStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    REPLACED = "replaced", _("replaced")
    REVOKED = "revoked", _("revoked")


class Sex(models.TextChoices):
    MALE = "male", _("male")
    FEMALE = "female", _("female")
