"""Times of slots as people read them, in the page's language and Beijing time (Asia/Shanghai):
"2026年12月1日 09:00–10:00" in Chinese, "Dec. 1, 2026 09:00–10:00" in English (Django's own formats)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import formats, timezone

register = template.Library()


@register.filter
def when(slot) -> str:
    """The slot's day and its start and end time."""
    start, end = timezone.localtime(slot.starts_at), timezone.localtime(slot.ends_at)
    day = formats.date_format(start.date(), "DATE_FORMAT")
    return f"{day} {start:%H:%M}–{end:%H:%M}"


@register.filter
def hours(slot) -> str:
    """Only the start and end time ("09:00–10:00"), under a heading that names the day."""
    start, end = timezone.localtime(slot.starts_at), timezone.localtime(slot.ends_at)
    return f"{start:%H:%M}–{end:%H:%M}"


@register.filter
def day_heading(day: dt.date) -> str:
    """ "2026年12月1日 星期二" / "Dec. 1, 2026, Tuesday"."""
    name = formats.date_format(day, "DATE_FORMAT")
    weekday = formats.date_format(day, "l")
    return f"{name} {weekday}" if name.endswith("日") else f"{name}, {weekday}"
