"""The rules' expression language (P1): small, typed, and never run through Python ``eval``.

    expression := 'if' expression 'then' expression 'else' expression | or
    or         := and ('or' and)*
    and        := not ('and' not)*
    not        := 'not' not | comparison
    comparison := sum (('==' | '!=' | '<' | '<=' | '>' | '>=') sum | ['not'] 'in' list)?
    sum        := product (('+' | '-') product)*
    product    := unary (('*' | '/') unary)*
    unary      := '-' unary | atom
    atom       := NUMBER | STRING | 'true' | 'false' | NAME | '(' expression ')' | list
    list       := '[' expression (',' expression)* ']'

A NAME is a fact of the entity (``facts.PERSON_FIELDS``), a parameter of the policy, a definition of the
policy or, in an amount, a condition of the policy. Types: bool, int, number (exact decimal), text; a
text fact with a closed vocabulary (``category``, ``economic_status`` …) only compares with values of
that vocabulary, so a misspelt value is an error when the file loads, not a silent "not eligible".

Both back ends (``interpreter`` and ``sql``) walk the same checked tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

BOOL = "bool"
INT = "int"
NUMBER = "number"
TEXT = "text"
NUMERIC = (INT, NUMBER)


@dataclass(frozen=True)
class Type:
    kind: str
    values: frozenset[str] | None = None  # the closed vocabulary of a text fact

    def __str__(self) -> str:
        return self.kind


T_BOOL = Type(BOOL)
T_INT = Type(INT)
T_NUMBER = Type(NUMBER)
T_TEXT = Type(TEXT)


class ExpressionError(Exception):
    """An error at ``offset`` (0-based) in the expression text."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.message = message
        self.offset = offset


# ---------------------------------------------------------------------------------------------------
# Syntax tree. ``type`` is set by ``check``; ``kind`` of a Name by the environment it resolves in.


@dataclass(eq=False)
class Node:
    offset: int
    type: Type | None = field(default=None, init=False)


@dataclass(eq=False)
class Literal(Node):
    value: object = None


@dataclass(eq=False)
class Name(Node):
    name: str = ""
    kind: str = ""  # fact, parameter, definition, condition


@dataclass(eq=False)
class Unary(Node):
    op: str = ""
    operand: Node | None = None


@dataclass(eq=False)
class Binary(Node):
    op: str = ""
    left: Node | None = None
    right: Node | None = None


@dataclass(eq=False)
class InList(Node):
    operand: Node | None = None
    items: list[Node] = field(default_factory=list)
    negated: bool = False


@dataclass(eq=False)
class IfElse(Node):
    condition: Node | None = None
    then: Node | None = None
    otherwise: Node | None = None


def children(node: Node) -> list[Node]:
    if isinstance(node, Unary):
        return [node.operand]
    if isinstance(node, Binary):
        return [node.left, node.right]
    if isinstance(node, InList):
        return [node.operand, *node.items]
    if isinstance(node, IfElse):
        return [node.condition, node.then, node.otherwise]
    return []


def names_in(node: Node) -> list[Name]:
    """Every name the expression reads, in reading order."""
    found: list[Name] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Name):
            found.append(current)
        stack.extend(reversed(children(current)))
    return found


# ---------------------------------------------------------------------------------------------------
# Tokens and parser

KEYWORDS = {"and", "or", "not", "in", "if", "then", "else", "true", "false"}
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<string>"[^"\n]*"|'[^'\n]*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|<|>|\+|-|\*|/|\(|\)|\[|\]|,)
    """,
    re.VERBOSE,
)


@dataclass
class Token:
    kind: str  # number, string, name, keyword, op, end
    text: str
    offset: int


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            if text[position] in "\"'":
                raise ExpressionError("unterminated string", position)
            raise ExpressionError(f"unexpected character {text[position]!r}", position)
        kind = match.lastgroup
        value = match.group()
        if kind == "name" and value in KEYWORDS:
            kind = "keyword"
        if kind != "space":
            tokens.append(Token(kind, value, position))
        position = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.index = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def accept(self, kind: str, text: str | None = None) -> Token | None:
        token = self.current
        if token.kind == kind and (text is None or token.text == text):
            self.index += 1
            return token
        return None

    def expect(self, kind: str, text: str) -> Token:
        token = self.accept(kind, text)
        if token is None:
            raise ExpressionError(f"expected {text!r}, found {self._describe()}", self.current.offset)
        return token

    def _describe(self) -> str:
        return "the end" if self.current.kind == "end" else repr(self.current.text)

    def parse(self) -> Node:
        node = self.expression()
        if self.current.kind != "end":
            raise ExpressionError(f"unexpected {self._describe()}", self.current.offset)
        return node

    def expression(self) -> Node:
        token = self.accept("keyword", "if")
        if token is None:
            return self.disjunction()
        condition = self.expression()
        self.expect("keyword", "then")
        then = self.expression()
        self.expect("keyword", "else")
        otherwise = self.expression()
        return IfElse(token.offset, condition=condition, then=then, otherwise=otherwise)

    def disjunction(self) -> Node:
        node = self.conjunction()
        while token := self.accept("keyword", "or"):
            node = Binary(token.offset, op="or", left=node, right=self.conjunction())
        return node

    def conjunction(self) -> Node:
        node = self.negation()
        while token := self.accept("keyword", "and"):
            node = Binary(token.offset, op="and", left=node, right=self.negation())
        return node

    def negation(self) -> Node:
        if token := self.accept("keyword", "not"):
            return Unary(token.offset, op="not", operand=self.negation())
        return self.comparison()

    def comparison(self) -> Node:
        node = self.sum()
        token = self.current
        if token.kind == "op" and token.text in ("==", "!=", "<", "<=", ">", ">="):
            self.index += 1
            return Binary(token.offset, op=token.text, left=node, right=self.sum())
        negated = False
        if token.kind == "keyword" and token.text == "not" and self.tokens[self.index + 1].text == "in":
            self.index += 1
            negated = True
        if self.accept("keyword", "in"):
            return InList(token.offset, operand=node, items=self.list_items(), negated=negated)
        return node

    def list_items(self) -> list[Node]:
        self.expect("op", "[")
        items = [self.expression()]
        while self.accept("op", ","):
            items.append(self.expression())
        self.expect("op", "]")
        return items

    def sum(self) -> Node:
        node = self.product()
        while True:
            token = self.accept("op", "+") or self.accept("op", "-")
            if token is None:
                return node
            node = Binary(token.offset, op=token.text, left=node, right=self.product())

    def product(self) -> Node:
        node = self.unary()
        while True:
            token = self.accept("op", "*") or self.accept("op", "/")
            if token is None:
                return node
            node = Binary(token.offset, op=token.text, left=node, right=self.unary())

    def unary(self) -> Node:
        if token := self.accept("op", "-"):
            return Unary(token.offset, op="-", operand=self.unary())
        return self.atom()

    def atom(self) -> Node:
        token = self.current
        if token.kind == "number":
            self.index += 1
            value = Decimal(token.text) if "." in token.text else int(token.text)
            return Literal(token.offset, value=value)
        if token.kind == "string":
            self.index += 1
            return Literal(token.offset, value=token.text[1:-1])
        if token.kind == "keyword" and token.text in ("true", "false"):
            self.index += 1
            return Literal(token.offset, value=token.text == "true")
        if token.kind == "name":
            self.index += 1
            return Name(token.offset, name=token.text)
        if self.accept("op", "("):
            node = self.expression()
            self.expect("op", ")")
            return node
        if token.kind == "op" and token.text == "[":
            raise ExpressionError("a list may only follow 'in'", token.offset)
        raise ExpressionError(f"expected a value, found {self._describe()}", token.offset)


def parse(text: str) -> Node:
    if not text.strip():
        raise ExpressionError("empty expression", 0)
    return _Parser(text).parse()


# ---------------------------------------------------------------------------------------------------
# Type checking


@dataclass(frozen=True)
class Symbol:
    kind: str  # fact, parameter, definition, condition
    type: Type


def literal_type(value: object) -> Type:
    if isinstance(value, bool):
        return T_BOOL
    if isinstance(value, int):
        return T_INT
    if isinstance(value, Decimal):
        return T_NUMBER
    return T_TEXT


def check(node: Node, symbols: dict[str, Symbol]) -> Type:
    """Annotate every node with its type; raise ExpressionError at the first unknown name or type error."""
    node.type = _check(node, symbols)
    return node.type


def _check(node: Node, symbols: dict[str, Symbol]) -> Type:
    if isinstance(node, Literal):
        return literal_type(node.value)
    if isinstance(node, Name):
        symbol = symbols.get(node.name)
        if symbol is None:
            raise ExpressionError(f"unknown name {node.name!r}", node.offset)
        node.kind = symbol.kind
        return symbol.type
    if isinstance(node, Unary):
        operand = check(node.operand, symbols)
        if node.op == "not":
            _expect_kind(node.operand, operand, (BOOL,), "'not'")
            return T_BOOL
        _expect_kind(node.operand, operand, NUMERIC, "'-'")
        return operand
    if isinstance(node, Binary):
        left = check(node.left, symbols)
        right = check(node.right, symbols)
        if node.op in ("and", "or"):
            _expect_kind(node.left, left, (BOOL,), repr(node.op))
            _expect_kind(node.right, right, (BOOL,), repr(node.op))
            return T_BOOL
        if node.op in ("+", "-", "*", "/"):
            _expect_kind(node.left, left, NUMERIC, repr(node.op))
            _expect_kind(node.right, right, NUMERIC, repr(node.op))
            if node.op == "/" or NUMBER in (left.kind, right.kind):
                return T_NUMBER
            return T_INT
        if node.op in ("<", "<=", ">", ">="):
            _expect_kind(node.left, left, NUMERIC, repr(node.op))
            _expect_kind(node.right, right, NUMERIC, repr(node.op))
            return T_BOOL
        _expect_comparable(node, left, node.right, right)
        return T_BOOL
    if isinstance(node, InList):
        operand = check(node.operand, symbols)
        for item in node.items:
            _expect_comparable(node, operand, item, check(item, symbols))
        return T_BOOL
    if isinstance(node, IfElse):
        condition = check(node.condition, symbols)
        _expect_kind(node.condition, condition, (BOOL,), "'if'")
        then = check(node.then, symbols)
        otherwise = check(node.otherwise, symbols)
        if then.kind in NUMERIC and otherwise.kind in NUMERIC:
            return T_NUMBER if NUMBER in (then.kind, otherwise.kind) else T_INT
        if then.kind != otherwise.kind:
            raise ExpressionError(f"'then' gives {then} but 'else' gives {otherwise}", node.otherwise.offset)
        return then
    raise TypeError(node)  # pragma: no cover - the parser makes no other node


def _expect_kind(node: Node, actual: Type, kinds: tuple[str, ...], where: str) -> None:
    if actual.kind not in kinds:
        wanted = " or ".join(kinds)
        raise ExpressionError(f"{where} needs {wanted}, got {actual}", node.offset)


def _expect_comparable(node: Node, left: Type, right_node: Node, right: Type) -> None:
    if left.kind in NUMERIC and right.kind in NUMERIC:
        return
    if left.kind != right.kind:
        raise ExpressionError(f"cannot compare {left} with {right}", right_node.offset)
    # A literal compared with a closed vocabulary must be one of its values.
    vocabulary = left.values or right.values
    if vocabulary and isinstance(right_node, Literal) and right_node.value not in vocabulary:
        allowed = ", ".join(sorted(vocabulary))
        raise ExpressionError(f"{right_node.value!r} is not one of: {allowed}", right_node.offset)
