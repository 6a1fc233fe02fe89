"""Money is kept in fen (integers) and computed in yuan as exact ``Decimal`` (ARCHITECTURE rule 4: never a
binary float). The only conversions between the two are here; plain Python with no imports of
the project, so the Django-free policy engine uses them too.

    yuan_to_fen("1,234.5")  → 123450      fen_to_yuan(123450) → Decimal("1234.50")
    yuan_to_fen("1.234")    → MoneyError   (a fen has no fractions: refused, never rounded)
    yuan_text(123450)       → "1,234.50"
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

FEN = Decimal("0.01")
# The words temporary assistance has always used; "中文 / English" (core.bilingual's form: this module
# imports nothing, not even core.bilingual, whose page-language lookup needs Django: import-linter).
NOT_YUAN = "金额须为元，最多两位小数 / the amount is in yuan, with at most two decimals"


class MoneyError(ValueError):
    """Not an amount of yuan with at most two decimals; ``message`` is "中文 / English"."""

    def __init__(self, value, message: str = NOT_YUAN):
        super().__init__(f"{message} ({value!r})")
        self.value = value
        self.message = message


def fen_to_yuan(fen: int) -> Decimal:
    """123400 → Decimal("1234.00"), exactly."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"fen is an int, not {type(fen).__name__}")
    return (Decimal(fen) / 100).quantize(FEN)


def yuan_to_fen(yuan: Decimal | int | str) -> int:
    """Yuan (a Decimal, an int, or text such as "1,234.50") → fen, exactly. Refuses (MoneyError) a float
    (it is not exact), text that is not a number, infinities and NaN, and more than two decimals; it never
    rounds. Thousands separators and surrounding spaces in text are allowed."""
    if isinstance(yuan, (float, bool)):
        raise MoneyError(yuan)
    text = yuan.strip().replace(",", "") if isinstance(yuan, str) else yuan
    try:
        value = Decimal(text)
        exact = value.is_finite() and value == value.quantize(FEN)
    except (InvalidOperation, ValueError, TypeError):  # not a number, or too large to carry to the fen
        exact = False
    if not exact:
        raise MoneyError(yuan)
    return int(value * 100)


def yuan_text(fen: int, *, grouping: bool = True) -> str:
    """123400 → "1,234.00" (``grouping=False``: "1234.00", for files other programs read)."""
    whole, cents = divmod(abs(int(fen)), 100)
    sign = "-" if fen < 0 else ""
    return f"{sign}{whole:,}.{cents:02d}" if grouping else f"{sign}{whole}.{cents:02d}"
