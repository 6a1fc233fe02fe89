"""Words, not codes (P2, P3, U11): what the policy engine hands a page (the facts a condition read, the
amount row that applied, the names of parameters not yet verified, the rules' version) in the words of
the page's language. The engine itself is Django-free and speaks Chinese (``engine.facts.display``);
these filters give the English a reader of an English page needs, and a parameter's label instead of
its identifier."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaokang.core.language import is_chinese
from xiaokang.policies.engine import facts as fact_schema
from xiaokang.policies.engine.loader import policies
from xiaokang.registry import vocabulary

register = template.Library()


def _english_of_identifier() -> dict[str, str]:
    """Identifier → its English label, from the registry's Django choices (translated lazily)."""
    labels: dict[str, str] = {}
    for choices in (
        vocabulary.Category,
        vocabulary.Hukou,
        vocabulary.PersonStatus,
        vocabulary.Employment,
        vocabulary.EconomicStatus,
    ):
        for value, label in choices.choices:
            labels[value] = label
    return labels


def fact_value_in_language(fact: str, shown: str) -> str:
    """A fact's value as the engine shows it (Chinese: "低保", "是", "无有效证件") in the page's language."""
    if is_chinese():
        return shown
    field = fact_schema.FIELDS.get(fact) or fact_schema.EMPLOYER_FIELDS.get(fact)
    labels_zh = getattr(field, "labels_zh", None) or {}
    for value, label_zh in labels_zh.items():
        if label_zh != shown:
            continue
        if value is True:
            return str(_("yes"))
        if value is False:
            return str(_("no"))
        if value == fact_schema.NO_CATEGORY:
            return str(_("no valid certificate"))
        return str(_english_of_identifier().get(value, value))
    return shown


@register.filter
def used_label(item) -> str:
    """The label of a fact a condition read, from an engine ``used`` triple (fact, Chinese label, value)."""
    fact, label_zh, _value = item
    if is_chinese():
        return label_zh
    field = fact_schema.FIELDS.get(fact) or fact_schema.EMPLOYER_FIELDS.get(fact)
    return getattr(field, "en", "") or label_zh


@register.filter
def used_value(item) -> str:
    fact, _label, value = item
    return fact_value_in_language(fact, value)


@register.filter
def amount_row(decision) -> str:
    """The amount table row that applied (a benefit tier), in the page's language."""
    if is_chinese():
        return decision.amount_label
    return getattr(decision, "amount_label_en", "") or decision.amount_label


@register.filter
def policy_title(policy_id: str) -> str:
    """A policy's name in the page's language, from its identifier (``employment_levy`` → 就业保障金)."""
    policy = policies().get(policy_id)
    if policy is None:
        return policy_id
    return policy.zh if is_chinese() else policy.en


UNITS_EN = {
    "元/月": "yuan per month",
    "元/年": "yuan per year",
    "元/人·年": "yuan per person per year",
    "元": "yuan",
    "周岁": "years of age",
    "个工作日": "working days",
    "级": "grade",
    "倍": "times",
    "比例": "ratio",
    "人": "persons",
}


@register.filter
def unit_text(unit: str) -> str:
    """A parameter's unit (written in Chinese in the policy files) in the page's language."""
    if not unit or is_chinese():
        return unit or ""
    return UNITS_EN.get(unit, unit)


@register.filter
def parameter_labels(names, policy) -> list[str]:
    """The labels of parameters named by identifier (a decision's unverified ones), in the page's
    language and a stable order: a reader sees "低保家庭A类月补贴", not ``dibao_group_a``."""
    if isinstance(policy, str):  # a stored decision names its policy by identifier
        policy = policies().get(policy)
    parameters = getattr(policy, "parameters", {}) or {}
    labels = []
    for name in sorted(names or ()):
        parameter = parameters.get(name)
        if parameter is None:
            labels.append(name)
        elif is_chinese() or not parameter.en:
            labels.append(parameter.zh)
        else:
            labels.append(parameter.en)
    return labels


def rules_edition(policy, day: dt.date) -> tuple[int, dt.date | None]:
    """The rules' edition on ``day``: the Nth distinct date on which a parameter value took effect, and
    that date. Readers know a version by the day it took effect; the file hash (``policy.version``)
    stays for the record (stored runs, the API) and a tooltip for staff."""
    starts = sorted(
        {
            value.start
            for parameter in policy.parameters.values()
            for value in parameter.values
            if value.start <= day
        }
    )
    if not starts:
        return 1, None
    return len(starts), starts[-1]


@register.simple_tag
def rules_version(policy, day=None) -> str:
    """ "第3版（2024-07-01起）" / "edition 3 (from 2024-07-01)"."""
    number, start = rules_edition(policy, day or timezone.localdate())
    if start is None:
        return _("edition %(number)s") % {"number": number}
    return _("edition %(number)s (from %(date)s)") % {"number": number, "date": start.isoformat()}
