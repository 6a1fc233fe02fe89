"""Money is kept in fen (integers) and shown in yuan with two decimals, exactly (no binary floats)."""

from __future__ import annotations


def yuan_text(fen: int, *, grouping: bool = True) -> str:
    """123400 → "1,234.00" (``grouping=False``: "1234.00", for files other programs read)."""
    whole, cents = divmod(abs(int(fen)), 100)
    sign = "-" if fen < 0 else ""
    return f"{sign}{whole:,}.{cents:02d}" if grouping else f"{sign}{whole}.{cents:02d}"
