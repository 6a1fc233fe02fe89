"""``{% load capabilities %}`` … ``{% if user|can:"policy.what_if" %}``: a template asks the capability table
(core.capabilities), never a role by name."""

from django import template

from xiaokang.core.capabilities import can as _can

register = template.Library()


@register.filter
def can(user, name: str) -> bool:
    return _can(user, name)
