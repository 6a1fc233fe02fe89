"""Calendar arithmetic with no Django import, shared by the registry and the policy engine (P1–P3: the
engine in ``xiaokang.policies.engine`` reads no Django module)."""

from __future__ import annotations

import datetime as dt


def anniversary(start: dt.date, years: int) -> dt.date:
    """The ``years``-th anniversary; 29 February falls on 1 March in common years."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return dt.date(start.year + years, 3, 1)
