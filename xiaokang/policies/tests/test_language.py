"""The expression language (P1): parsed to a typed tree, every error with its position."""

from decimal import Decimal

import pytest

from xiaokang.policies.engine.language import (
    T_BOOL,
    T_INT,
    T_NUMBER,
    ExpressionError,
    Symbol,
    Type,
    check,
    parse,
)

SYMBOLS = {
    "age": Symbol("fact", T_INT),
    "multiple": Symbol("fact", T_BOOL),
    "category": Symbol("fact", Type("text", frozenset({"visual", "mental"}))),
    "rate": Symbol("parameter", T_NUMBER),
}


def checked(text: str):
    node = parse(text)
    check(node, SYMBOLS)
    return node


def test_a_condition_is_typed_bool_and_arithmetic_int_or_number():
    assert checked('age >= 16 and category in ["visual", "mental"]').type == T_BOOL
    assert checked("age * 2 + 1").type == T_INT
    assert checked("age * rate").type == T_NUMBER
    assert checked("age / 2").type == T_NUMBER
    assert checked("if multiple then 300 else 100").type == T_INT


def test_decimal_literals_are_exact():
    node = parse("0.015")

    assert node.value == Decimal("0.015")


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("agee >= 16", 0, "unknown name 'agee'"),
        ("age >= 16 and", 13, "expected a value"),
        ("age >= 'x'", 7, "needs int or number"),
        ('category == "visul"', 12, "'visul' is not one of"),
        ("multiple + 1", 0, "needs int or number"),
        ("age and multiple", 0, "needs bool"),
        ("(age > 1", 8, "expected ')'"),
        ("age $ 1", 4, "unexpected character"),
        ('category == "open', 12, "unterminated string"),
        ("if multiple then 1 else 'x'", 24, "'then' gives int but 'else' gives text"),
        ("__import__('os')", 10, "unexpected '('"),  # no calls: nothing to reach Python with
    ],
)
def test_errors_name_the_position_and_the_problem(text, offset, message):
    with pytest.raises(ExpressionError) as error:
        checked(text)

    assert error.value.offset == offset
    assert message in error.value.message
