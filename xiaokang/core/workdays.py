"""Working days on the official Chinese calendar (S4: deadlines in working days, holidays and
adjusted working days included), from the maintained `chinese-calendar` package (the State Council's
annual holiday notices, 国务院办公厅关于部分节假日安排的通知).

The package covers the years whose notice is published (the next year's usually appears in November or
December). For a later year, a day counts as a working day when it is Monday to Friday and the result
is marked provisional, so a deadline is never refused, only flagged until the package is updated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import chinese_calendar


@dataclass(frozen=True)
class Deadline:
    day: dt.date
    provisional: bool  # some day counted lies in a year without a published calendar


def is_working_day(day: dt.date) -> tuple[bool, bool]:
    """(working day?, provisional?): provisional when the year has no published calendar."""
    try:
        return chinese_calendar.is_workday(day), False
    except NotImplementedError:
        return day.weekday() < 5, True


def add_working_days(start: dt.date, days: int) -> Deadline:
    """The ``days``-th working day after ``start`` (start itself not counted): received 2025-09-30 →
    5 working days → 2025-10-14, across the National Day holiday and the adjusted Saturday 2025-10-11."""
    if days < 0:
        raise ValueError("days must be 0 or more")
    day = start
    provisional = False
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        working, unsure = is_working_day(day)
        provisional = provisional or unsure
        if working:
            counted += 1
    return Deadline(day, provisional)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` ≤ ``start``)."""
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day)[0]:
            count += 1
    return count
