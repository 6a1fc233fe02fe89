"""The importer's column-wise ID-number rules agree with the scalar reference validator
(xiaokang.core.identifiers) on any input: a property test."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xiaokang.core.identifiers import IdentifierError, parse_id_number

TODAY = dt.date(2026, 11, 29)


def _scalar_verdict(number: str) -> bool:
    try:
        parse_id_number(number, today=TODAY)
        return True
    except IdentifierError:
        return False


def _vector_verdicts(numbers: list[str]) -> list[bool]:
    from tests.helpers import person_row
    from xiaokang.registry.importing.validate import AreaDirectory, validate_persons

    rows = [person_row(1, 公民身份号码=n) for n in numbers]
    frame = pl.DataFrame(rows).rename({"公民身份号码": "id_number"}).select(pl.col("id_number"))
    frame = frame.with_row_index("__row", offset=2).with_columns(pl.col("__row").cast(pl.Int64))
    directory = AreaDirectory(
        street_codes={},
        communities=pl.DataFrame(
            schema={"street_code": pl.Utf8, "community_name": pl.Utf8, "community_code": pl.Utf8}
        ),
    )
    result = validate_persons(frame, {"id_number": "公民身份号码"}, directory, today=TODAY)
    bad_rows = set(result.errors.filter(pl.col("column") == "公民身份号码").get_column("row").to_list())
    return [row not in bad_rows for row in range(2, 2 + len(numbers))]


id_like = st.one_of(
    # plausible: Haidian code, a date that may or may not exist, any sequence, right or wrong check char
    st.builds(
        lambda y, m, d, s, c: f"110108{y:04d}{m:02d}{d:02d}{s:03d}{c}",
        st.integers(1890, 2030),
        st.integers(0, 13),
        st.integers(0, 32),
        st.integers(0, 999),
        st.sampled_from("0123456789Xx"),
    ),
    st.text(alphabet="0123456789Xx ", min_size=0, max_size=20),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(id_like, min_size=1, max_size=30, unique=True))
def test_column_rules_agree_with_the_scalar_validator(numbers):
    numbers = [n.strip() for n in numbers if n.strip()]
    if not numbers or len({n.upper() for n in numbers}) != len(numbers):
        return  # duplicates are a file-level rule, not an ID-number rule
    assert _vector_verdicts(numbers) == [_scalar_verdict(n) for n in numbers]
