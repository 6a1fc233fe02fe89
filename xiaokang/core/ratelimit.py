"""Rate limits counted in the database (S4: the status lookup is limited per client and per
application number). The web server runs several processes, so a per-process memory counter would let
each of them grant the full allowance; a row per attempt does not."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from xiaokang.core.models import RateLimitHit

# Attempts older than this count against no limit (the longest window is an hour): every attempt drops
# them, so the table holds at most a day of attempts, whichever keys stop being used.
RETENTION = dt.timedelta(days=1)


@dataclass(frozen=True)
class Limit:
    attempts: int  # allowed within the window
    window: dt.timedelta


def _lock(keys: list[str]) -> None:
    """Serialise the check-and-count of these keys across processes: on PostgreSQL (READ COMMITTED) two
    requests would otherwise both read "used < limit" and both pass. SQLite's single writer already
    serialises (the transaction starts IMMEDIATE). Sorted, so two callers never wait on each other."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for key in sorted(set(keys)):
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"ratelimit:{key}"])


def _used(key: str, window: dt.timedelta, now: dt.datetime) -> int:
    """Units counted against ``key`` within the window (a row carries its units as ``weight``)."""
    from django.db.models import Sum

    return (
        RateLimitHit.objects.filter(key=key, at__gt=now - window).aggregate(total=Sum("weight"))["total"] or 0
    )


def _count(keys: list[str], limit_of: dict[str, Limit], weight: int, now: dt.datetime) -> None:
    RateLimitHit.objects.bulk_create([RateLimitHit(key=key, at=now, weight=weight) for key in keys])
    # Old attempts are of no further use: drop them as we go, so the table stays small.
    longest = max(limit.window for limit in limit_of.values())
    RateLimitHit.objects.filter(key__in=keys, at__lte=now - longest).delete()
    RateLimitHit.objects.filter(at__lt=now - max(longest, RETENTION)).delete()


def attempt(keys: list[str], limit_of: dict[str, Limit], *, weight: int = 1) -> bool:
    """Count ``weight`` attempts (one by default) against each key; False (and nothing counted) when any
    key's allowance cannot take them. ``limit_of`` maps each key to its limit. A weight counts the refused
    rows of one import file at once (registry.services: out-of-area rows, U11), in one row per key."""
    now = timezone.now()
    keys = [key[:120] for key in keys]
    limit_of = {key[:120]: limit for key, limit in limit_of.items()}
    with transaction.atomic():
        _lock(keys)
        for key in keys:
            if _used(key, limit_of[key].window, now) + weight > limit_of[key].attempts:
                return False
        _count(keys, limit_of, weight, now)
    return True


@dataclass(frozen=True)
class Allowance:
    """The result of ``consume``: whether the amount was granted and what had been used before it."""

    granted: bool
    used: int


def consume(key: str, amount: int, limit: Limit) -> Allowance:
    """Count ``amount`` units (e.g. persons read) against ``key``: refused (nothing counted) when the
    units already used in the window plus ``amount`` exceed ``limit.attempts``. One insert when granted
    (a row carrying the amount as its weight), so a page of 200 persons costs one row, not 200."""
    now = timezone.now()
    key = key[:120]
    with transaction.atomic():
        _lock([key])
        used = _used(key, limit.window, now)
        if used + amount > limit.attempts:
            return Allowance(False, used)
        if amount > 0:
            _count([key], {key: limit}, amount, now)
    return Allowance(True, used)
