"""core.ratelimit: attempts counted in the database per key, within a window (S4)."""

import datetime as dt

import pytest
from django.utils import timezone

from xiaokang.core.models import RateLimitHit
from xiaokang.core.ratelimit import RETENTION, Limit, attempt, consume

pytestmark = pytest.mark.django_db

WINDOW = dt.timedelta(minutes=15)


def test_the_allowance_then_refused_and_nothing_counted_when_refused():
    limits = {"a": Limit(2, WINDOW), "b": Limit(5, WINDOW)}
    assert attempt(["a", "b"], limits)
    assert attempt(["a", "b"], limits)
    assert not attempt(["a", "b"], limits)  # "a" is used up: neither key counts the refused attempt
    assert RateLimitHit.objects.filter(key="b").count() == 2
    assert attempt(["b"], {"b": Limit(5, WINDOW)})


def test_attempts_leave_the_window_and_old_rows_of_any_key_are_dropped():
    limits = {"a": Limit(1, WINDOW)}
    assert attempt(["a"], limits)
    assert not attempt(["a"], limits)
    RateLimitHit.objects.update(at=timezone.now() - WINDOW - dt.timedelta(seconds=1))
    assert attempt(["a"], limits)
    # A key nobody uses again does not stay for ever.
    RateLimitHit.objects.create(key="gone", at=timezone.now() - RETENTION - dt.timedelta(minutes=1))
    attempt(["a"], {"a": Limit(10, WINDOW)})
    assert not RateLimitHit.objects.filter(key="gone").exists()


def test_consume_counts_units_not_requests_with_one_row_per_call():
    """The bulk-read limit (U11): 200 persons on a page are one row of weight 200."""
    limit = Limit(10, WINDOW)
    assert consume("r", 6, limit).granted
    assert RateLimitHit.objects.get(key="r").weight == 6
    refused = consume("r", 5, limit)  # 6 + 5 > 10: refused, nothing counted
    assert (refused.granted, refused.used) == (False, 6)
    assert RateLimitHit.objects.filter(key="r").count() == 1
    assert consume("r", 4, limit).granted  # exactly the limit
    assert not consume("r", 1, limit).granted
    RateLimitHit.objects.update(at=timezone.now() - WINDOW - dt.timedelta(seconds=1))
    assert consume("r", 10, limit).granted
