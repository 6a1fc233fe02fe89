from xiaokang.core.money import yuan_text


def test_fen_are_shown_as_yuan_exactly():
    assert yuan_text(123400) == "1,234.00"
    assert yuan_text(123405, grouping=False) == "1234.05"
    assert yuan_text(-32000) == "-320.00"
    assert yuan_text(0) == "0.00"


# fen ↔ yuan (ARCHITECTURE rule 4: integer fen stored, exact Decimal computed, never a float)

from decimal import Decimal  # noqa: E402

import pytest  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from xiaokang.core.money import NOT_YUAN, MoneyError, fen_to_yuan, yuan_to_fen  # noqa: E402

FEN = st.integers(min_value=-(10**15), max_value=10**15)


def test_yuan_become_fen_exactly():
    assert yuan_to_fen("1,234.50") == 123450
    assert yuan_to_fen(" 0.01 ") == 1
    assert yuan_to_fen(Decimal("3000")) == 300000
    assert yuan_to_fen(7) == 700
    assert yuan_to_fen("-320.00") == -32000
    assert fen_to_yuan(123450) == Decimal("1234.50")
    assert str(fen_to_yuan(5)) == "0.05"


@pytest.mark.parametrize(
    "value", ["1.234", "0.001", "abc", "", "1e400000000", "NaN", "Infinity", "1,2.3.4", 0.1, 1.0, True, None]
)
def test_what_is_not_yuan_with_two_decimals_is_refused_never_rounded(value):
    with pytest.raises(MoneyError) as refused:
        yuan_to_fen(value)
    assert "最多两位小数" in str(refused.value) and "at most two decimals" in str(refused.value)
    assert (
        refused.value.message
        == NOT_YUAN
        == "金额须为元，最多两位小数 / the amount is in yuan, with at most two decimals"
    )


def test_fen_to_yuan_takes_integers_only():
    with pytest.raises(TypeError):
        fen_to_yuan(1.5)
    with pytest.raises(TypeError):
        fen_to_yuan(True)


@given(FEN)
def test_fen_survive_the_round_trip(fen):
    assert yuan_to_fen(fen_to_yuan(fen)) == fen
    assert yuan_to_fen(yuan_text(fen)) == fen
    assert yuan_to_fen(yuan_text(fen, grouping=False)) == fen


@given(st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**12), max_value=10**12))
def test_two_decimal_yuan_survive_the_round_trip(yuan):
    assert fen_to_yuan(yuan_to_fen(yuan)) == yuan


@given(st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-(10**6), max_value=10**6))
def test_a_third_decimal_is_refused(yuan):
    if yuan != yuan.quantize(Decimal("0.01")):
        with pytest.raises(MoneyError):
            yuan_to_fen(yuan)
    else:
        assert yuan_to_fen(yuan) * 1 == int(yuan * 100)
