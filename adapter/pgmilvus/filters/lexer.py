"""Tokenizer for Milvus filter expressions (Plan.g4's lexer rules).

Hand-written rather than sqlglot's tokenizer because the languages disagree
on basics: ``"x"`` is a string here, ``&&``/``||``/``!`` are logic, integer
literals follow Go (``010`` is octal), keywords are only all-lower or
ALL-UPPER, and ``name["k"][0]`` is a single JSON-identifier token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional

from .errors import INT64_MAX, SyntaxProblem, int64_out_of_range

# Token kinds
INT, FLOAT, BOOL, STR, IDENT, PATH, OP, KW, EOF = (
    "INT", "FLOAT", "BOOL", "STR", "IDENT", "PATH", "OP", "KW", "EOF")
#: Struct array forms (Plan.g4): ``S[a]`` (value (S, a)), ``S[0][a]`` (value (S, 0, a)), ``$[a]`` (value a).
STRUCT_FIELD, STRUCT_INDEX, SUB_FIELD = "STRUCT_FIELD", "STRUCT_INDEX", "SUB_FIELD"

META = "$meta"

#: Keywords and the canonical (lower-case) name they lex to.  Only the
#: all-lower and ALL-UPPER spellings are keywords, as in Plan.g4.
_KEYWORDS = {}
for _word in ("and", "or", "not", "in", "like", "exists"):
    _KEYWORDS[_word] = _word
    _KEYWORDS[_word.upper()] = _word
#: ``ISO '...'`` and ``INTERVAL '...'`` (TIMESTAMPTZ comparisons, Plan.g4's ISO / INTERVAL): keywords
#: here only right before a string (or a ``{template}``, to say it is not taken), so a field named ``iso``
#: or ``interval`` still reads as a field.
_STRING_PREFIXES = {"iso": "iso", "ISO": "iso", "interval": "interval", "INTERVAL": "interval"}
_BOOLS = {"true": True, "True": True, "TRUE": True,
          "false": False, "False": False, "FALSE": False}
#: `is null` family: exact spellings, single spaces (Plan.g4 ISNULL/ISNOTNULL).
_NULL_TESTS = (("is not null", "isnotnull"), ("IS NOT NULL", "isnotnull"),
               ("is null", "isnull"), ("IS NULL", "isnull"))

#: Multi-character operators first so the longest match wins.
_OPERATORS = ("**", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "=~", "!~",
              "<", ">", "+", "-", "*", "/", "%", "&", "|", "^", "~", "!",
              "(", ")", "[", "]", ",", "{", "}", "=")

_OPS2 = frozenset(op for op in _OPERATORS if len(op) == 2)
_OPS1 = frozenset(op for op in _OPERATORS if len(op) == 1)
_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def is_identifier(text: str) -> bool:
    """A name the grammar reads as one identifier (Milvus parses dynamic output field names so)."""
    return _IDENT_RE.fullmatch(text) is not None

_HEX_FLOAT_RE = re.compile(r"0[xX]([0-9a-fA-F]*\.?[0-9a-fA-F]*)[pP][+-]?[0-9]+")
_NUMBER_RE = re.compile(
    r"(?P<float>(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+)"
    r"|(?P<hex>0[xX][0-9a-fA-F]+)|(?P<bin>0[bB][01]+)|(?P<dec>[0-9]+)")
_INDEX_RE = re.compile(r"[0-9]+")
_STRUCT_FIELD_RE = re.compile(r"\[([A-Za-z_][A-Za-z0-9_]*)\]")
_STRUCT_INDEX_RE = re.compile(r"\[(0|[1-9][0-9]*)\]\[([A-Za-z_][A-Za-z0-9_]*)\]")

_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f",
                   "v": "\v", "?": "?", "\\": "\\", "'": "'", '"': '"'}


@dataclass(frozen=True, slots=True)
class BadString:
    """The value of a string literal whose escapes are not C's (``"\\d"``): an error where a string
    is read as text, but the pattern of ``=~`` / ``!~`` (Milvus keeps its backslashes for the
    regular expression), so the lexer defers it to the parser."""

    problem: SyntaxProblem


@dataclass(frozen=True, slots=True)
class Token:
    """One lexeme; ``value`` is the decoded literal / canonical keyword."""

    kind: str
    text: str
    pos: int
    value: Any = None


def tokenize(text: str) -> list[Token]:
    """All tokens of ``text`` followed by an EOF token; raises SyntaxProblem."""
    lexer = _Lexer(text)
    return lexer.run()


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.out: list[Token] = []

    def run(self) -> list[Token]:
        text = self.text
        n = len(text)
        while self.i < n:
            ch = text[self.i]
            if ch in " \t\r\n":
                self.i += 1
                continue
            if ch == "\0":
                raise SyntaxProblem("NUL characters are not allowed in filter expressions", self.i)
            # ASCII digits only: str.isdigit() also takes "²" or "٣", which no number rule reads
            if "0" <= ch <= "9" or (ch == "." and self.i + 1 < n and "0" <= text[self.i + 1] <= "9"):
                self._number()
            elif ch in "\"'":
                start = self.i
                value = self._string(defer=True)
                self.out.append(Token(STR, text[start:self.i], start, value))
            elif ch in "rR" and self.i + 1 < n and text[self.i + 1] in "\"'":
                start = self.i
                self.i += 1
                value = self._string(raw=True)
                self.out.append(Token(STR, text[start:self.i], start, value))
            elif ch == "$":
                self._meta()
            elif ch.isalpha() or ch == "_":
                self._word()
            else:
                self._operator()
        self.out.append(Token(EOF, "<EOF>", n))
        return self.out

    # -- pieces ----------------------------------------------------------------------------
    def _operator(self) -> None:
        two = self.text[self.i:self.i + 2]
        op = two if two in _OPS2 else two[:1] if two[:1] in _OPS1 else None
        if op is not None:
            self.out.append(Token(OP, op, self.i, op))
            self.i += len(op)
            return
        raise SyntaxProblem(f"token recognition error at: '{self.text[self.i]}'", self.i)

    def _number(self) -> None:
        start = self.i
        m = _HEX_FLOAT_RE.match(self.text, start)
        if m:
            try:
                value = float.fromhex(m.group(0))
            except (ValueError, OverflowError):
                raise SyntaxProblem(f"invalid floating literal {m.group(0)}", start) from None
            self._finish_number(m.end(), FLOAT, value)
            return
        m = _NUMBER_RE.match(self.text, start)
        assert m is not None
        lexeme = m.group(0)
        if m.group("float") is not None:
            value = float(lexeme)
            if value in (float("inf"), float("-inf")):
                raise SyntaxProblem(f"floating literal {lexeme} is out of range", start)
            self._finish_number(m.end(), FLOAT, value)
            return
        if m.group("hex") is not None:
            value = int(lexeme[2:], 16)
        elif m.group("bin") is not None:
            value = int(lexeme[2:], 2)
        elif len(lexeme) > 1 and lexeme[0] == "0":
            # Go / C: a leading zero means octal, so 010 == 8 and 09 is invalid.
            if any(c in "89" for c in lexeme):
                raise SyntaxProblem(f"invalid integer literal {lexeme} (leading 0 means octal)", start)
            value = int(lexeme, 8)
        else:
            value = int(lexeme)
        if value > INT64_MAX + 1:  # 2**63 is let through for -9223372036854775808 (typecheck)
            raise SyntaxProblem(int64_out_of_range(lexeme), start)
        self._finish_number(m.end(), INT, value)

    def _finish_number(self, end: int, kind: str, value: Any) -> None:
        if end < len(self.text) and (self.text[end].isalnum() or self.text[end] in "_."):
            raise SyntaxProblem(f"invalid numeric literal {self.text[self.i:end + 1]}", self.i)
        self.out.append(Token(kind, self.text[self.i:end], self.i, value))
        self.i = end

    def _meta(self) -> None:
        start = self.i
        if self.text.startswith("$[", start):  # $[a]: a struct's sub-field inside element_filter / MATCH_*
            m = _IDENT_RE.match(self.text, start + 2)
            if m is not None and self.text.startswith("]", m.end()):
                self.i = m.end() + 1
                self.out.append(Token(SUB_FIELD, self.text[start:self.i], start, m.group(0)))
                return
        if not self.text.startswith(META, start) or (
                start + 5 < len(self.text) and (self.text[start + 5].isalnum() or self.text[start + 5] == "_")):
            raise SyntaxProblem("token recognition error at: '$'", start)
        self.i += len(META)
        self._maybe_path(start, META)

    def _word(self) -> None:
        start = self.i
        for spelling, kind in _NULL_TESTS:
            if self.text.startswith(spelling, start):
                end = start + len(spelling)
                if end >= len(self.text) or not (self.text[end].isalnum() or self.text[end] == "_"):
                    self.out.append(Token(KW, spelling, start, kind))
                    self.i = end
                    return
        m = _IDENT_RE.match(self.text, start)
        if m is None:  # a non-ASCII letter: identifiers are ASCII only
            raise SyntaxProblem(f"token recognition error at: '{self.text[start]}'", start)
        word = m.group(0)
        self.i = m.end()
        if self.i < len(self.text) and not self.text[self.i].isascii() and self.text[self.i].isalnum():
            raise SyntaxProblem(f"token recognition error at: '{self.text[self.i]}'", self.i)
        if word in ("u8", "u", "U", "L") and text_at(self.text, self.i) in ("\"", "'"):
            raise SyntaxProblem(f"string prefix {word} is not supported", start)
        if word in _KEYWORDS:
            self.out.append(Token(KW, word, start, _KEYWORDS[word]))
        elif word in _STRING_PREFIXES and self.text[self.i:].lstrip(" \t\r\n")[:1] in ("\"", "'", "{"):
            self.out.append(Token(KW, word, start, _STRING_PREFIXES[word]))
        elif word in _BOOLS:
            self.out.append(Token(BOOL, word, start, _BOOLS[word]))
        else:
            self._maybe_path(start, word)

    def _maybe_path(self, start: int, base: str) -> None:
        """``name`` or ``name["k"][0]...`` (no spaces, as Plan.g4's JSONIdentifier)."""
        keys: list[Any] = []
        text = self.text
        if base != META and self._struct_form(start, base):
            return
        while self.i < len(text) and text[self.i] == "[":
            open_pos = self.i
            self.i += 1
            ch = text[self.i] if self.i < len(text) else ""
            if ch in ("\"", "'") or (ch in "rR" and text[self.i + 1:self.i + 2] in ("\"", "'")):
                if ch in "rR":
                    self.i += 1
                    key = self._string(raw=True)
                else:
                    key = self._string()
                if key == "" and text[self.i:self.i + 1] == "]":
                    raise SyntaxProblem("invalid identifier: empty JSON key", open_pos)
            else:
                m = _INDEX_RE.match(text, self.i)
                if m is None and (ch.isalpha() or ch == "_"):  # Plan.g4 reads `j[x]` as a struct's field
                    raise SyntaxProblem("json key must be enclosed in double quotes or single quotes",
                                        open_pos)
                key = None
                if m is not None:
                    key, self.i = int(m.group(0)), m.end()
            if key is None or self.i >= len(text) or text[self.i] != "]":
                # Not a JSONIdentifier's `[key]` (`j[-1]`, `j[1.5]`, `j["a"`, `a []`): the path
                # ends before it, and the parser stops there (Milvus's "invalid expression").
                self.i = open_pos
                break
            self.i += 1
            keys.append(key)
        if keys:
            self.out.append(Token(PATH, text[start:self.i], start, (base, tuple(keys))))
        else:
            self.out.append(Token(IDENT, base, start, base))

    def _struct_form(self, start: int, base: str) -> bool:
        """``S[a]`` or ``S[0][a]`` (Plan.g4's StructFieldIdentifier / StructIndexFieldIdentifier:
        an unquoted identifier key, no spaces); False (nothing consumed) for anything else."""
        text = self.text
        m = _STRUCT_FIELD_RE.match(text, self.i)
        if m is not None:
            self.i = m.end()
            self.out.append(Token(STRUCT_FIELD, text[start:self.i], start, (base, m.group(1))))
            return True
        m = _STRUCT_INDEX_RE.match(text, self.i)
        if m is not None:
            self.i = m.end()
            self.out.append(Token(STRUCT_INDEX, text[start:self.i], start, (base, int(m.group(1)), m.group(2))))
            return True
        return False

    def _string(self, raw: bool = False, defer: bool = False) -> Any:
        """A quoted literal at self.i; C escapes unless raw.  Rejects NUL.  ``defer``: a bad escape
        or a NUL makes the value a BadString instead of raising (the token still ends at its quote)."""
        text = self.text
        quote = text[self.i]
        start = self.i
        self.i += 1
        parts: list[str] = []
        deferred: Optional[SyntaxProblem] = None
        while True:
            if self.i >= len(text):
                raise SyntaxProblem("unterminated string literal", start)
            ch = text[self.i]
            if ch == quote:
                self.i += 1
                break
            if ch in "\r\n":
                raise SyntaxProblem("newline in string literal", self.i)
            if ch == "\\":
                if raw:
                    # r"..." keeps backslashes, but \" still cannot end the string
                    nxt = text[self.i + 1:self.i + 2]
                    parts.append(ch + nxt)
                    self.i += 2 if nxt else 1
                    continue
                try:
                    parts.append(self._escape())
                except SyntaxProblem as problem:
                    if not defer:
                        raise
                    deferred = deferred or problem
                    self.i += 2 if text[self.i + 1:self.i + 2] not in ("", "\r", "\n") else 1
                continue
            parts.append(ch)
            self.i += 1
        value = "".join(parts)
        if deferred is None and "\0" in value:
            deferred = SyntaxProblem("NUL characters are not allowed in strings", start)
        if deferred is not None:
            if not defer:
                raise deferred
            return BadString(deferred)
        return value

    def _escape(self) -> str:
        text = self.text
        pos = self.i
        nxt = text[pos + 1:pos + 2]
        if nxt in _SIMPLE_ESCAPES:
            self.i += 2
            return _SIMPLE_ESCAPES[nxt]
        if nxt in "01234567" and nxt:
            m = re.compile(r"[0-7]{1,3}").match(text, pos + 1)
            self.i = m.end()
            return chr(int(m.group(0), 8))
        widths = {"x": 2, "u": 4, "U": 8}
        if nxt in widths and nxt:
            width = widths[nxt]
            digits = text[pos + 2:pos + 2 + width]
            if len(digits) != width or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise SyntaxProblem(f"invalid escape sequence \\{nxt}{digits}", pos)
            code = int(digits, 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise SyntaxProblem(f"invalid unicode escape \\{nxt}{digits}", pos)
            self.i = pos + 2 + width
            return chr(code)
        shown = nxt if nxt else "<EOF>"
        raise SyntaxProblem(f"invalid escape sequence \\{shown} in string literal (to escape a LIKE "
                            f"wildcard write \\\\{nxt if nxt in '%_' else '%'})", pos)


def text_at(text: str, i: int) -> str:
    return text[i:i + 1]


def describe(token: Optional[Token]) -> str:
    """How a token is quoted in syntax errors (ANTLR style)."""
    if token is None or token.kind == EOF:
        return "'<EOF>'"
    return f"'{token.text}'"
