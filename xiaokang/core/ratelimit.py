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


def attempt(keys: list[str], limit_of: dict[str, Limit], *, weight: int = 1) -> bool:
    """Count ``weight`` attempts (one by default) against each key; False (and nothing counted) when any
    key's allowance cannot take them. ``limit_of`` maps each key to its limit. A weight counts the refused
    rows of one import file at once (registry.services: out-of-area rows, U11)."""
    now = timezone.now()
    with transaction.atomic():
        for key in keys:
            limit = limit_of[key]
            used = RateLimitHit.objects.filter(key=key, at__gt=now - limit.window).count()
            if used + weight > limit.attempts:
                return False
        RateLimitHit.objects.bulk_create(
            [RateLimitHit(key=key[:120], at=now) for key in keys for _ in range(weight)]
        )
        # Old attempts are of no further use: drop them as we go, so the table stays small.
        longest = max(limit.window for limit in limit_of.values())
        RateLimitHit.objects.filter(key__in=keys, at__lte=now - longest).delete()
        RateLimitHit.objects.filter(at__lt=now - max(longest, RETENTION)).delete()
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
    from django.db.models import Sum

    now = timezone.now()
    key = key[:120]
    with transaction.atomic():
        used = (
            RateLimitHit.objects.filter(key=key, at__gt=now - limit.window).aggregate(total=Sum("weight"))[
                "total"
            ]
            or 0
        )
        if used + amount > limit.attempts:
            return Allowance(False, used)
        if amount > 0:
            RateLimitHit.objects.create(key=key, at=now, weight=amount)
        RateLimitHit.objects.filter(key=key, at__lte=now - limit.window).delete()
        RateLimitHit.objects.filter(at__lt=now - max(limit.window, RETENTION)).delete()
    return Allowance(True, used)
