"""Row ids that come from outside (an address, a form): one bound for every app.

A database id is a signed 64-bit integer; a larger number in an address would overflow the query. The
``id`` path converter (registered by CoreConfig) matches only ids that fit, so ``/…/99999999999999999999/``
is simply not found, and views receive ids they can query with. ``safe_id`` does the same for an id in a
form or a query string."""

from __future__ import annotations

MAX_ROW_ID = 2**63 - 1


def safe_id(value: int) -> int:
    """``value`` if it can be a row id, else 0 (which no row has): the lookup then finds nothing."""
    return value if 0 <= value <= MAX_ROW_ID else 0


class RowIdConverter:
    """``<id:pk>``: a whole number of at most 19 digits that fits a 64-bit id; anything else is no match
    (404) rather than an overflow."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ROW_ID:
            raise ValueError(value)  # the URL resolver takes it as no match
        return number

    def to_url(self, value: int) -> str:
        return str(value)
