"""ID and certificate number rules (DOMAIN.md) — the scalar reference validators, and the property that
the importer's column-wise rules agree with them on any input."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xiaokang.core.identifiers import (
    IdentifierError,
    check_certificate_matches,
    id_check_char,
    parse_certificate_number,
    parse_id_number,
)

TODAY = dt.date(2026, 11, 29)


@pytest.mark.parametrize("number", ["11010519491231002X", "360426199101010071", "44011320141005001X",
                                    "110102199101010078"])
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


@pytest.mark.parametrize(("body", "code"), [
    ("11010819900230001", "id_birth_date"),  # 30 February
    ("11010820270101001", "id_birth_future"),  # after TODAY
    ("11010818991231001", "id_birth_future"),  # before 1900
])
def test_impossible_or_future_birth_dates(body, code):
    with pytest.raises(IdentifierError) as excinfo:
        parse_id_number(body + id_check_char(body), today=TODAY)
    assert excinfo.value.code == code


def test_certificate_number_parts_and_agreement():
    cert = parse_certificate_number("11010519491231002X41B2")
    assert (cert.id_number, cert.category_code, cert.grade, cert.reissue) == ("11010519491231002X", 4, 1, "B2")
    check_certificate_matches(cert, id_number="11010519491231002X", category_code=4, grade=1)
    with pytest.raises(IdentifierError, match="grade"):
        check_certificate_matches(cert, id_number="11010519491231002X", category_code=4, grade=2)
    with pytest.raises(IdentifierError, match="category"):
        check_certificate_matches(cert, id_number="11010519491231002X", category_code=1, grade=1)
    with pytest.raises(IdentifierError, match="ID number"):
        check_certificate_matches(cert, id_number="360426199101010071", category_code=4, grade=1)


@pytest.mark.parametrize("number", ["11010519491231002X8", "11010519491231002X81", "11010519491231002X41B0",
                                    "11010519491231002X41C1", "11010519491231002X05"])
def test_malformed_certificate_numbers(number):
    with pytest.raises(IdentifierError):
        parse_certificate_number(number)


# --- the column-wise validator agrees with the scalar one -------------------------------------------
def _scalar_verdict(number: str) -> bool:
    try:
        parse_id_number(number, today=TODAY)
        return True
    except IdentifierError:
        return False


def _vector_verdicts(numbers: list[str]) -> list[bool]:
    from conftest import person_row
    from xiaokang.registry.importing.validate import AreaDirectory, validate_persons

    rows = [person_row(1, 公民身份号码=n) for n in numbers]
    frame = pl.DataFrame(rows).rename({"公民身份号码": "id_number"}).select(pl.col("id_number"))
    frame = frame.with_row_index("__row", offset=2).with_columns(pl.col("__row").cast(pl.Int64))
    directory = AreaDirectory(street_codes={}, communities=pl.DataFrame(
        schema={"street_code": pl.Utf8, "community_name": pl.Utf8, "community_code": pl.Utf8}))
    result = validate_persons(frame, {"id_number": "公民身份号码"}, directory, today=TODAY)
    bad_rows = set(result.errors.filter(pl.col("column") == "公民身份号码").get_column("row").to_list())
    return [row not in bad_rows for row in range(2, 2 + len(numbers))]


id_like = st.one_of(
    # plausible: Haidian code, a date that may or may not exist, any sequence, right or wrong check char
    st.builds(lambda y, m, d, s, c: f"110108{y:04d}{m:02d}{d:02d}{s:03d}{c}",
              st.integers(1890, 2030), st.integers(0, 13), st.integers(0, 32), st.integers(0, 999),
              st.sampled_from("0123456789Xx")),
    st.text(alphabet="0123456789Xx ", min_size=0, max_size=20),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(id_like, min_size=1, max_size=30, unique=True))
def test_column_rules_agree_with_the_scalar_validator(numbers):
    numbers = [n.strip() for n in numbers if n.strip()]
    if not numbers or len({n.upper() for n in numbers}) != len(numbers):
        return  # duplicates are a file-level rule, not an ID-number rule
    assert _vector_verdicts(numbers) == [_scalar_verdict(n) for n in numbers]


@given(st.builds(lambda y, m, d, s: f"110108{y:04d}{m:02d}{d:02d}{s:03d}",
                 st.integers(1900, 2025), st.integers(1, 12), st.integers(1, 28), st.integers(0, 999)))
def test_a_computed_check_char_always_validates(body):
    assert _scalar_verdict(body + id_check_char(body))
