"""Working days on the official calendar (S4): deadlines across the National Day and Spring
Festival holidays, adjusted working days included."""

import datetime as dt

import pytest

from xiaokang.core.workdays import Deadline, add_working_days, is_working_day, working_days_between


def test_received_on_30_september_2025_is_accepted_by_14_october_and_decided_by_4_november():
    received = dt.date(2025, 9, 30)

    assert add_working_days(received, 5) == Deadline(dt.date(2025, 10, 14), provisional=False)
    assert add_working_days(received, 20).day == dt.date(2025, 11, 4)


def test_the_adjusted_saturday_is_a_working_day_and_the_holiday_weekdays_are_not():
    assert is_working_day(dt.date(2025, 10, 11)) == (True, False)  # Saturday, adjusted
    assert is_working_day(dt.date(2025, 10, 8)) == (False, False)  # Wednesday, National Day holiday


def test_the_spring_festival_2026_holiday_is_skipped():
    # 2026 Spring Festival: 15–23 February off; Saturday 14 February and 28 February are working days.
    assert add_working_days(dt.date(2026, 2, 13), 1).day == dt.date(2026, 2, 14)
    assert add_working_days(dt.date(2026, 2, 14), 1).day == dt.date(2026, 2, 24)


def test_a_year_without_a_published_calendar_counts_weekdays_and_says_so():
    deadline = add_working_days(dt.date(2026, 12, 28), 5)

    assert deadline.provisional
    assert deadline.day == dt.date(2027, 1, 4)  # 29, 30, 31 Dec (2026 calendar), then Fri 1, Mon 4 Jan


def test_working_days_between_counts_after_the_start_up_to_the_end():
    assert working_days_between(dt.date(2025, 9, 30), dt.date(2025, 10, 14)) == 5
    assert working_days_between(dt.date(2025, 10, 14), dt.date(2025, 10, 14)) == 0


def test_a_negative_count_is_refused():
    with pytest.raises(ValueError):
        add_working_days(dt.date(2025, 1, 1), -1)
