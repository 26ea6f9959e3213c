"""Precedence-climbing parser for Milvus filters (Plan.g4's ``expr`` rule).

Plan.g4 is one left-recursive ANTLR rule whose earlier alternatives bind
tighter.  Flattened, from loosest to tightest:

    or  <  and  <  |  <  ^  <  &  <  == !=  <  < <= > >= (and chained ranges)
    <  in / not in  <  << >>  <  + -  <  * / %  <  unary + - ~ not !
    <  **  <  =~ !~  <  like  <  exists  <  primaries (literals, fields, paths,
    calls, ``x is [not] null``, ``(e)``, ``[..]``, ``{tmpl}``,
    ``ISO '...'``, ``INTERVAL '...'``)

so ``not i == 1`` is ``(not i) == 1`` (a type error, as in Milvus) and
``not s like "a%"`` is ``not (s like "a%")``, ``not s =~ "x"`` ``not (s =~ "x")``.  All binary levels are
left-associative, ``**`` included.
"""

from __future__ import annotations

from typing import Optional

from . import ast
from .errors import SyntaxProblem
from .lexer import (BOOL, EOF, FLOAT, IDENT, INT, KW, OP, PATH, STR, STRUCT_FIELD, STRUCT_INDEX, SUB_FIELD, BadString,
                    Token, describe, tokenize)
from .regex import literal_pattern

# Binding power of each infix operator (higher binds tighter).
_INFIX = {
    "or": 10, "||": 10,
    "and": 20, "&&": 20,
    "|": 30, "^": 32, "&": 34,
    "==": 40, "!=": 40,
    "<": 50, "<=": 50, ">": 50, ">=": 50,
    "in": 60, "not": 60,          # 'not' only as the first half of 'not in'
    "<<": 70, ">>": 70,
    "+": 80, "-": 80,
    "*": 90, "/": 90, "%": 90,
    "**": 110,
    "=~": 115, "!~": 115,
    "like": 120,
}
_UNARY_BP = 100
_EXISTS_BP = 130
_CANONICAL = {"||": "or", "&&": "and"}
_LOWER_DIR = {"<", "<="}
_UPPER_DIR = {">", ">="}

#: Functions of Plan.g4 (spelled all-lower or ALL-UPPER).
FUNCTIONS = {
    "json_contains", "json_contains_all", "json_contains_any",
    "array_contains", "array_contains_all", "array_contains_any",
    "array_length", "text_match", "text_match_fuzzy", "phrase_match", "random_sample",
    "element_filter", "match_all", "match_any", "match_least", "match_most", "match_exact",
    "st_equals", "st_touches", "st_overlaps", "st_crosses", "st_contains", "st_intersects",
    "st_within", "st_dwithin", "st_isvalid",
}


def parse(text: str) -> Optional[ast.Node]:
    """The tree of ``text``; None when it is empty or whitespace only."""
    tokens = tokenize(text)
    if tokens[0].kind == EOF:
        return None
    parser = _Parser(tokens)
    node = parser.expr(0)
    tok = parser.peek()
    if tok.kind == OP and tok.text == "=":
        raise SyntaxProblem("token recognition error at: '=' (use == for equality)", tok.pos)
    if tok.kind != EOF:  # Milvus 2.6: a whole expression followed by more tokens
        raise SyntaxProblem(f"invalid expression: {text} (extraneous input {describe(tok)} expecting <EOF>)",
                            tok.pos)
    return node


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0

    # -- token helpers ---------------------------------------------------------------------
    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def is_op(self, text: str, ahead: int = 0) -> bool:
        tok = self.peek(ahead)
        return tok.kind == OP and tok.text == text

    def expect_op(self, text: str) -> Token:
        tok = self.peek()
        if tok.kind != OP or tok.text != text:
            raise SyntaxProblem(f"mismatched input {describe(tok)} expecting '{text}'", tok.pos)
        return self.advance()

    @staticmethod
    def infix_name(tok: Token) -> Optional[str]:
        if tok.kind == OP:
            return tok.text
        if tok.kind == KW and tok.value in ("and", "or", "in", "not", "like"):
            return tok.value
        return None

    # -- expressions -----------------------------------------------------------------------
    def expr(self, min_bp: int) -> ast.Node:
        left = self.prefix()
        while True:
            tok = self.peek()
            name = self.infix_name(tok)
            bp = _INFIX.get(name) if name else None
            if bp is None or bp <= min_bp:
                return left
            left = self.infix(left, tok, name, bp)

    def infix(self, left: ast.Node, tok: Token, name: str, bp: int) -> ast.Node:
        self.advance()
        if name == "not":
            nxt = self.peek()
            if not (nxt.kind == KW and nxt.value == "in"):
                raise SyntaxProblem(f"mismatched input {describe(tok)}: 'not' must be followed by "
                                    f"'in' here (write not (...) to negate)", tok.pos)
            self.advance()
            return ast.In(tok.pos, left, self.expr(bp), True)
        if name == "in":
            return ast.In(tok.pos, left, self.expr(bp), False)
        if name == "like":
            return ast.Like(tok.pos, left, self.expr(bp))
        if name in ("=~", "!~"):
            return ast.Regex(tok.pos, left, self.regex_pattern(bp), name == "!~")
        right = self.expr(bp)
        if name in _LOWER_DIR or name in _UPPER_DIR:
            return self.maybe_range(left, tok, name, right, bp)
        return ast.Binary(tok.pos, _CANONICAL.get(name, name), left, right)

    def regex_pattern(self, bp: int) -> ast.Node:
        """The right of ``=~`` / ``!~``: a string literal is read as Milvus reads a pattern
        (regex.literal_pattern: ``"\\d"`` is ``\\d``, not an escape error), anything else as an
        operand (the type checker takes only a template)."""
        tok = self.peek()
        follower = self.infix_name(self.peek(1))
        if tok.kind == STR and not (follower and _INFIX.get(follower, 0) > bp):
            self.advance()
            return ast.RegexLiteral(tok.pos, literal_pattern(tok.text), tok.text)
        return self.expr(bp)

    def maybe_range(self, left: ast.Node, tok: Token, op1: str, middle: ast.Node,
                    bp: int) -> ast.Node:
        """``1 < x <= 5`` / ``5 > x > 1``: the middle must be a field or path."""
        nxt = self.peek()
        same_dir = _LOWER_DIR if op1 in _LOWER_DIR else _UPPER_DIR
        if (isinstance(middle, (ast.Ident, ast.Path, ast.SubField, ast.StructIndex)) and nxt.kind == OP
                and nxt.text in same_dir):
            self.advance()
            upper = self.expr(bp)
            return ast.Range(tok.pos, left, op1, middle, nxt.text, upper)
        return ast.Binary(tok.pos, op1, left, middle)

    def prefix(self) -> ast.Node:
        tok = self.peek()
        if tok.kind == OP and tok.text in ("+", "-", "~", "!"):
            self.advance()
            op = "not" if tok.text == "!" else tok.text
            return ast.Unary(tok.pos, op, self.expr(_UNARY_BP))
        if tok.kind == KW and tok.value == "not":
            self.advance()
            return ast.Unary(tok.pos, "not", self.expr(_UNARY_BP))
        if tok.kind == KW and tok.value == "exists":
            self.advance()
            first = self.i
            operand = self.expr(_EXISTS_BP)
            return ast.Exists(tok.pos, operand, "".join(t.text for t in self.tokens[first:self.i]))
        return self.primary()

    def primary(self) -> ast.Node:
        tok = self.peek()
        if tok.kind in (INT, FLOAT, BOOL, STR):
            self.advance()
            return ast.Const(tok.pos, _text_value(tok), tok.text)
        if tok.kind == IDENT:
            self.advance()
            if self.is_op("("):
                return self.call(tok)
            return self.null_test(ast.Ident(tok.pos, tok.value))
        if tok.kind == KW and tok.value in ("iso", "interval"):
            self.advance()
            string = self.advance()  # the lexer makes these keywords only before a string or a {
            if string.kind != STR:
                raise SyntaxProblem(f"{tok.text} takes a string literal, as in {tok.text} "
                                    f"'{'2025-01-01T00:00:00Z' if tok.value == 'iso' else 'P1D'}' (Milvus 2.6 "
                                    f"has no template there)", string.pos)
            node = ast.Iso if tok.value == "iso" else ast.Interval
            return node(tok.pos, _text_value(string), f"{tok.text} {string.text}")
        if tok.kind == PATH:
            self.advance()
            base, keys = tok.value
            return self.null_test(ast.Path(tok.pos, base, keys))
        if tok.kind == STRUCT_FIELD:
            self.advance()
            return ast.StructField(tok.pos, *tok.value)
        if tok.kind == STRUCT_INDEX:
            self.advance()
            return ast.StructIndex(tok.pos, *tok.value)
        if tok.kind == SUB_FIELD:
            self.advance()
            return ast.SubField(tok.pos, tok.value)
        if tok.kind == OP:
            if tok.text == "(":
                self.advance()
                inner = self.expr(0)
                self.expect_op(")")
                return inner
            if tok.text == "[":
                return self.list_literal()
            if tok.text == "{":
                self.advance()
                name_tok = self.peek()
                if name_tok.kind != IDENT:
                    raise SyntaxProblem(f"mismatched input {describe(name_tok)} expecting a template "
                                        f"variable name", name_tok.pos)
                self.advance()
                self.expect_op("}")
                return ast.Template(tok.pos, name_tok.value)
            if tok.text == "=":
                raise SyntaxProblem("token recognition error at: '=' (use == for equality)", tok.pos)
        raise SyntaxProblem(f"mismatched input {describe(tok)} expecting an operand", tok.pos)

    def null_test(self, node: ast.Node) -> ast.Node:
        tok = self.peek()
        if tok.kind == KW and tok.value in ("isnull", "isnotnull"):
            self.advance()
            return ast.IsNull(tok.pos, node, tok.value == "isnotnull")
        return node

    def list_literal(self) -> ast.Node:
        start = self.expect_op("[")
        items: list[ast.Node] = []
        while not self.is_op("]"):
            items.append(self.expr(0))
            if self.is_op(","):
                self.advance()
                continue
            if not self.is_op("]"):
                tok = self.peek()
                raise SyntaxProblem(f"mismatched input {describe(tok)} expecting {{',', ']'}}",
                                    tok.pos)
        self.advance()
        return ast.ListExpr(start.pos, tuple(items))

    def call(self, name_tok: Token) -> ast.Node:
        spelled = name_tok.value
        lowered = spelled.lower()
        if lowered in FUNCTIONS and spelled not in (lowered, lowered.upper()):
            # Plan.g4 spells its functions all-lower or ALL-UPPER; another spelling is a generic
            # call (its Call rule), which segcore looks up, lower-cased, and does not find
            lowered = spelled
        self.expect_op("(")
        args: list[ast.Node] = []
        texts: list[str] = []
        options: list[tuple[str, ast.Node]] = []
        while not self.is_op(")"):
            if self.peek().kind == IDENT and self.is_op("=", 1):
                key = self.advance()
                self.advance()
                options.append((key.value, self.expr(0)))
            else:
                if options:
                    tok = self.peek()
                    raise SyntaxProblem("positional argument after keyword argument", tok.pos)
                first = self.i
                args.append(self.expr(0))
                texts.append("".join(t.text for t in self.tokens[first:self.i]))
            if self.is_op(","):
                self.advance()
            elif not self.is_op(")"):
                tok = self.peek()
                raise SyntaxProblem(f"mismatched input {describe(tok)} expecting {{',', ')'}}",
                                    tok.pos)
        self.advance()
        return ast.Call(name_tok.pos, lowered, tuple(args), tuple(options), spelled, tuple(texts))


def integer_constant(value: ast.Node) -> ast.Const:
    """``value`` when it is what Plan.g4's ``IntegerConstant`` token is (a literal integer, no sign,
    no expression: ``threshold=N``, ``max_edit_distance=N``), else ANTLR's refusal of it."""
    if not isinstance(value, ast.Const) or not isinstance(value.value, int) or isinstance(value.value, bool):
        shown = value.op if isinstance(value, ast.Unary) else value.text if isinstance(value, ast.Const) \
            else value.name if isinstance(value, ast.Ident) else "{" if isinstance(value, ast.Template) \
            else "an expression"
        raise SyntaxProblem(f"mismatched input '{shown}' expecting IntegerConstant", value.pos)
    return value


def _text_value(tok: Token):
    """A literal's value; a string whose escapes are not C's is an error here (only ``=~`` reads it)."""
    if isinstance(tok.value, BadString):
        raise tok.value.problem
    return tok.value
