"""The fixed-point arithmetic of the DuckDB back end (``sql._Compiler.fixed_arithmetic``): a quotient
truncated to 10 places and a product rounded half up to 10 places, computed from a DOUBLE estimate that
exact 128-bit checks correct, must equal the interpreter's Decimal arithmetic on every value, above all
next to the truncation and rounding boundaries, for large and small magnitudes and both signs."""

from __future__ import annotations

from decimal import Decimal

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from xiaokang.policies.engine import interpreter, sql
from xiaokang.policies.engine.language import T_NUMBER, Binary, Name

UNITS = 10**10


def _fixed(values: list[tuple[Decimal, Decimal]], op: str) -> list[Decimal]:
    compiler = sql.fixed_point_compiler()
    node = Binary(0, op=op, left=Name(0, name="a", kind="fact"), right=Name(0, name="b", kind="fact"))
    node.type = T_NUMBER
    expression = compiler.sql(node)
    relation = compiler.staged("(SELECT * FROM source)")
    rows = ", ".join(f"({int(a * UNITS)}, {int(b * UNITS)})" for a, b in values)
    connection = duckdb.connect()
    try:
        values = f"(VALUES {rows}) v(a, b)"
        columns = "CAST(a AS HUGEINT) AS a, CAST(b AS HUGEINT) AS b, ROW_NUMBER() OVER () AS i"
        connection.execute(f"CREATE TABLE source AS SELECT {columns} FROM {values}")  # noqa: S608
        result = connection.execute(
            f"SELECT CAST({expression} AS VARCHAR) FROM {relation} f ORDER BY i"  # noqa: S608
        )
        return [Decimal(units) / UNITS for (units,) in result.fetchall()]
    finally:
        connection.close()


def _decimal(digits: int, places: int = 10):
    bound = 10**digits - 1
    return st.integers(-bound, bound).map(lambda units: Decimal(units).scaleb(-places))


def _near_boundary():
    """(a, b) with a / b within a few units of the 10th place of a whole number of 10^-10 (q·b ± ε)."""

    @st.composite
    def build(draw):
        b = draw(st.one_of(_decimal(6, 2), _decimal(12), _decimal(3, 10)).filter(bool))
        q = draw(st.one_of(_decimal(4), _decimal(8), _decimal(14), _decimal(2)))
        epsilon = Decimal(draw(st.integers(-3, 3))).scaleb(-10)
        return (q * b + epsilon).quantize(Decimal("1e-10")), b

    return build()


PAIRS = st.one_of(
    st.tuples(_decimal(12), _decimal(12)),
    st.tuples(_decimal(18), _decimal(3)),  # large quotients, beyond 10^15 units (the exact `//`)
    st.tuples(_decimal(3), _decimal(18)),  # tiny quotients
    st.tuples(_decimal(10, 2), _decimal(6, 2)),  # money / headcount
    _near_boundary(),
    st.tuples(_decimal(8), st.just(Decimal(0))),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(PAIRS, min_size=1, max_size=50))
def test_fixed_quotient_is_the_interpreters_truncated_quotient(pairs):
    assert _fixed(pairs, "/") == [interpreter._divide(a, b) for a, b in pairs]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.tuples(_decimal(12), _decimal(12)), st.tuples(_decimal(14), _decimal(6)), _near_boundary()
        ),
        min_size=1,
        max_size=50,
    )
)
def test_fixed_product_is_the_interpreters_rounded_product(pairs):
    assert _fixed(pairs, "*") == [interpreter._multiply(a, b) for a, b in pairs]


def test_boundaries_exactly():
    third = Decimal("0.3333333333")
    pairs = [
        (Decimal(1), Decimal(3)),
        (Decimal(-1), Decimal(3)),
        (Decimal(2), Decimal(-3)),
        (Decimal(100000), Decimal(3)),
        (Decimal(1000000), Decimal(3)),  # 3·10^15 units: the exact `//`
        (Decimal("12345678.9"), Decimal("0.0003")),  # 4·10^20 units
        (Decimal("0.0000000001"), Decimal("99999999999999999")),
        (third * 3, third),  # 0.9999999999 / 0.3333333333 = 3 exactly
        (third * 3 - Decimal("1e-10"), third),  # just below 3
        (Decimal(5), Decimal(0)),
    ]
    assert _fixed(pairs, "/") == [interpreter._divide(a, b) for a, b in pairs]
    products = [
        (Decimal("0.00005"), Decimal("0.00001")),  # 5·10^-10 … exactly half: away from zero
        (Decimal("-0.00005"), Decimal("0.00001")),
        (Decimal("0.00004999"), Decimal("0.00001")),
        (Decimal("12345678.9"), Decimal("98765.4321")),
    ]
    assert _fixed(products, "*") == [interpreter._multiply(a, b) for a, b in products]
