"""Filters for the policy pages: money stored in fen shown as yuan, signed changes, and the words for a
policy's period, a condition's group and a parameter's value."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from xiaokang.core.money import yuan_text

register = template.Library()


def _fen(value) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@register.filter
def yuan(fen) -> str:
    """An amount in fen (an int) as yuan with two decimals and thousands separators: 123400 → "1,234.00"."""
    fen = _fen(fen)
    if fen is None:
        return ""
    return yuan_text(fen)


@register.filter
def yuan_change(fen) -> str:
    """A change in fen as signed yuan: "+5,000.00", "-320.00", "0.00"."""
    fen = _fen(fen)
    if fen is None:
        return ""
    return f"+{yuan(fen)}" if fen > 0 else yuan(fen)


@register.filter
def count_change(count) -> str:
    """A change in a count, signed: "+3", "-1", "0"."""
    count = _fen(count)
    if count is None:
        return ""
    return f"+{count:,}" if count > 0 else f"{count:,}"


@register.filter
def per_period(period: str) -> str:
    """ "month" → "per month" (what an amount of a policy with that period is counted in)."""
    return {"month": _("per month"), "year": _("per year"), "once": _("once")}.get(period, period)


@register.filter
def condition_group(group: str) -> str:
    return {
        "common": _("common condition"),
        "condition": _("condition"),
        "exclusion": _("exclusion"),
    }.get(group, group)


@register.filter
def parameter_value(value) -> str:
    """A parameter value as shown: yes or no for a truth value, the number or text otherwise."""
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if value is None:
        return ""
    return str(value)


@register.filter
def sorted_names(names) -> list:
    """A set of names (unverified parameters) in a stable order."""
    return sorted(names or ())


@register.filter
def any_unverified(decisions) -> bool:
    """Whether any decision that grants something rests on a parameter value not yet verified (a person
    who does not qualify is shown "—", never a provisional amount: P2)."""
    return any(decision.unverified and decision.eligible for decision in decisions or ())
