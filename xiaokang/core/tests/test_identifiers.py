"""ID and certificate number rules (DOMAIN.md): the scalar reference validators. The importer's
column-wise rules are checked against these in registry/tests/test_validate_agreement.py."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xiaokang.core.identifiers import (
    IdentifierError,
    check_certificate_matches,
    id_check_char,
    id_check_valid,
    parse_certificate_number,
    parse_id_number,
)

TODAY = dt.date(2026, 11, 29)


@pytest.mark.parametrize(
    "number", ["11010519491231002X", "360426199101010071", "44011320141005001X", "110102199101010078"]
)
def test_valid_examples_from_domain_md(number):
    assert parse_id_number(number, today=TODAY).number == number


@pytest.mark.parametrize("number", ["36042619910102009X", "110105194912310021"])
def test_invalid_check_digits_from_domain_md(number):
    with pytest.raises(IdentifierError) as excinfo:
        parse_id_number(number, today=TODAY)
    assert excinfo.value.code == "id_check_digit"


def test_lowercase_x_is_accepted_and_stored_uppercase():
    assert parse_id_number("11010519491231002x", today=TODAY).number == "11010519491231002X"


def test_birth_date_and_sex_are_derived():
    parsed = parse_id_number("11010519491231002X", today=TODAY)
    assert (parsed.birth_date, parsed.sex) == (dt.date(1949, 12, 31), "female")
    assert parse_id_number("360426199101010071", today=TODAY).sex == "male"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("11010819900230001", "id_birth_date"),  # 30 February
        ("11010820270101001", "id_birth_future"),  # after TODAY
        ("11010818991231001", "id_birth_future"),  # before 1900
    ],
)
def test_impossible_or_future_birth_dates(body, code):
    with pytest.raises(IdentifierError) as excinfo:
        parse_id_number(body + id_check_char(body), today=TODAY)
    assert excinfo.value.code == code


def test_certificate_number_parts_and_agreement():
    cert = parse_certificate_number("11010519491231002X41B2")
    parts = (cert.id_number, cert.category_code, cert.grade, cert.reissue)
    assert parts == ("11010519491231002X", 4, 1, "B2")
    check_certificate_matches(cert, id_number="11010519491231002X", category_code=4, grade=1)
    with pytest.raises(IdentifierError, match="grade"):
        check_certificate_matches(cert, id_number="11010519491231002X", category_code=4, grade=2)
    with pytest.raises(IdentifierError, match="category"):
        check_certificate_matches(cert, id_number="11010519491231002X", category_code=1, grade=1)
    with pytest.raises(IdentifierError, match="ID number"):
        check_certificate_matches(cert, id_number="360426199101010071", category_code=4, grade=1)


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002X8",
        "11010519491231002X81",
        "11010519491231002X41B0",
        "11010519491231002X41C1",
        "11010519491231002X05",
    ],
)
def test_malformed_certificate_numbers(number):
    with pytest.raises(IdentifierError):
        parse_certificate_number(number)


def _valid(number: str) -> bool:
    try:
        parse_id_number(number, today=TODAY)
        return True
    except IdentifierError:
        return False


@given(
    st.builds(
        lambda y, m, d, s: f"110108{y:04d}{m:02d}{d:02d}{s:03d}",
        st.integers(1900, 2025),
        st.integers(1, 12),
        st.integers(1, 28),
        st.integers(0, 999),
    )
)
def test_a_computed_check_char_always_validates(body):
    assert _valid(body + id_check_char(body))


def test_column_check_of_domain_md_examples_and_malformed_values():
    """id_check_valid (the bulk import's NumPy check) on DOMAIN.md's valid and invalid numbers; a value
    that is not 17 digits and a check character is null (the shape rule reports it)."""
    import polars as pl

    numbers = pl.Series(
        "id",
        [
            "11010519491231002X",
            "360426199101010071",
            "36042619910102009X",
            "110105194912310021",
            None,
            "11010519491231002",
            "11010519491231002Y",
            "1101051949123100211",
            "",
        ],
    )
    assert id_check_valid(numbers).to_list() == [True, True, False, False, None, None, None, None, None]


@given(st.lists(st.text("0123456789X", min_size=18, max_size=18), max_size=50))
def test_column_check_agrees_with_the_scalar_check(numbers):
    import polars as pl

    expected = [
        id_check_char(number[:17]) == number[17] if "X" not in number[:17] else None for number in numbers
    ]
    assert id_check_valid(pl.Series("id", numbers, dtype=pl.Utf8)).to_list() == expected
