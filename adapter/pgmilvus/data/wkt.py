"""WKT for GEOMETRY fields, as Milvus 2.6 reads and writes it, in pure Python.

Milvus 2.6 checks a GEOMETRY value with twpayne/go-geom v1.6.1
(pkg/common.ConvertWKTToWKB: ``wkt.Unmarshal`` then WKB, empty points as NaN)
and returns it through ``wkt.Marshal`` of the WKB read back
(ConvertWKBToWKT).  PostGIS is not available, so pgmilvus stores the text
that round trip produces (``normalize``) and returns it unchanged: same
acceptance, same output ("POINT (1 2)", "POINT Z (1 2 3)", numbers in Go's
shortest fixed notation, "MULTIPOINT (1 2, 3 4)").

The parser mirrors go-geom's lexer (lex.go) and yacc grammar (wkt.y):
keywords in any case with optional Z / M / ZM, one layout for the whole
geometry (set by the first Z/M keyword or the first point's coordinate
count), base-type EMPTY is XY, a base-type geometry inside GEOMETRYCOLLECTION M
must be EMPTY, linestrings need two points, polygon rings four and closed.
Errors carry go-geom's text: ``syntax error: <problem> at line L, pos P``,
the line and a caret.  Two approximations: the caret of a context check
(ring not closed, mixed dimensionality...) sits on the token ending the
construct, as yacc's lookahead does in the common cases; and "expecting ..."
lists are given where the grammar allows at most four tokens, as goyacc does,
from this parser's own knowledge rather than yacc's tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Optional

#: Geometry kinds, in go-geom's keyword spelling.
KINDS = ("POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON",
         "GEOMETRYCOLLECTION")
#: Layouts: go-geom's names and the WKT suffix its encoder writes.
XY, XYZ, XYM, XYZM, NO_LAYOUT = "XY", "XYZ", "XYM", "XYZM", "not XYM"
_SUFFIX = {XY: "", XYZ: "Z ", XYM: "M ", XYZM: "ZM "}
_STRIDE = {XY: 2, XYZ: 3, XYM: 3, XYZM: 4}
_KEYWORD_LAYOUT = {"": None, "Z": XYZ, "M": XYM, "ZM": XYZM}
_DEFAULT_FOR_STRIDE = {2: XY, 3: XYZ, 4: XYZM}
#: Go's unicode.IsSpace in the one-byte range (Python's isspace also takes \x1c-\x1f).
_SPACE = frozenset("\t\n\v\f\r \x85\xa0")
_NUM_RUNES = frozenset("0123456789-.eE+")
#: strconv.ParseFloat's decimal syntax (no letters reach it: the lexer only passes _NUM_RUNES).
_GO_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")


class WKTError(ValueError):
    """A value go-geom's wkt.Unmarshal refuses; ``str()`` is go-geom's SyntaxError text."""


@dataclass
class Geometry:
    """One parsed geometry.  ``body`` by kind: POINT a coordinate tuple or None
    (EMPTY); LINESTRING a list of tuples; POLYGON a list of rings; MULTIPOINT a
    list of tuples or None; MULTILINESTRING / MULTIPOLYGON lists of those
    bodies ([] is an EMPTY member); GEOMETRYCOLLECTION a list of Geometry."""

    kind: str
    layout: str
    body: Any = field(default=None)


# -- output (go-geom encoding/wkt/encode.go) --------------------------------------------------

def go_float(x: float) -> str:
    """strconv.FormatFloat(x, 'f', -1, 64): shortest round-trip digits, never an exponent."""
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "+Inf" if x > 0 else "-Inf"
    text = format(Decimal(repr(x)), "f")
    return text[:-2] if text.endswith(".0") else text


def _coord(c: tuple) -> str:
    return " ".join(go_float(x) for x in c)


def _coords(cs: list) -> str:
    return "(" + ", ".join(_coord(c) for c in cs) + ")"


def _rings(rings: list) -> str:
    return "(" + ", ".join(_coords(r) if r else "EMPTY" for r in rings) + ")"


def _body(g: Geometry) -> str:
    """The text after the type keyword; empties are EMPTY as encode.go writes them."""
    b = g.body
    if not b:
        return "EMPTY"
    if g.kind == "POINT":
        return "(" + _coord(b) + ")"
    if g.kind == "LINESTRING":
        return _coords(b)
    if g.kind == "POLYGON":
        return _rings(b)
    if g.kind == "MULTIPOINT":
        return "(" + ", ".join(_coord(p) if p is not None else "EMPTY" for p in b) + ")"
    if g.kind == "MULTILINESTRING":
        return _rings(b)
    if g.kind == "MULTIPOLYGON":
        return "(" + ", ".join(_rings(p) if p else "EMPTY" for p in b) + ")"
    return "(" + ", ".join(to_wkt(m) for m in b) + ")"


def to_wkt(g: Geometry) -> str:
    """go-geom's wkt.Marshal: "POINT (1 2)", "POLYGON Z ((...))", "LINESTRING EMPTY"."""
    return f"{g.kind} {_SUFFIX.get(g.layout, '')}{_body(g)}"


# -- lexer (go-geom encoding/wkt/lex.go) ------------------------------------------------------

@dataclass
class _Token:
    kind: str          # "$end", a keyword ("POINTZ"), "EMPTY", "NUM", "'('", "')'", "','"
    pos: tuple         # (line number from 1, line start offset, position in line)
    value: float = 0.0


class _Lexer:
    """Tokens of go-geom's lexer.  Go reads the string byte by byte, so the text is
    handled as its UTF-8 bytes (latin-1 decoded) to classify letters the same way."""

    def __init__(self, text: str) -> None:
        self.raw = text
        self.s = text.encode("utf-8", "surrogatepass").decode("latin-1")
        self.i, self.line, self.line_start = 0, 1, 0

    def _peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def _next(self) -> str:
        c = self._peek()
        if c:
            self.i += 1
            if c == "\n":
                self.line, self.line_start = self.line + 1, self.i
        return c

    def _trim(self) -> None:
        while self._peek() in _SPACE and self._peek():
            self._next()

    def pos(self) -> tuple:
        return (self.line, self.line_start, self.i - self.line_start)

    def error(self, problem: str, pos: tuple, hint: str = "") -> WKTError:
        return WKTError(_syntax_error(self.s, problem, pos, hint))

    def token(self) -> _Token:
        self._trim()
        pos = self.pos()
        c = self._peek()
        if not c:
            return _Token("$end", pos)
        if c in "(),":
            self._next()
            return _Token(f"'{c}'", pos)
        if c.isalpha():
            return self._keyword(pos)
        if c in _NUM_RUNES and c not in "+eE":
            return self._number(pos)
        self._next()
        raise self.error("invalid character", pos)

    def _keyword(self, pos: tuple) -> _Token:
        word = []
        while self._peek() and self._peek().isalpha():
            word.append(self._next().upper())
        word = "".join(word)
        if word != "EMPTY":
            self._trim()
            for letter in "ZM":
                if self._peek().upper() == letter:
                    self._next()
                    word += letter
        base = word.rstrip("ZM") if word not in KINDS else word
        if word == "EMPTY" or (base in KINDS and word[len(base):] in _KEYWORD_LAYOUT):
            return _Token(word, pos)
        raise self.error("invalid keyword", pos)

    def _number(self, pos: tuple) -> _Token:
        start = self.i
        while self._peek() and self._peek() in _NUM_RUNES:
            self._next()
        text = self.s[start:self.i]
        value = float(text) if _GO_FLOAT.match(text) else None
        if value is None or value in (float("inf"), float("-inf")):
            raise self.error("invalid number", pos)   # ParseFloat: bad syntax or out of range
        return _Token("NUM", pos, value)


def _split_keyword(word: str) -> tuple[str, Optional[str]]:
    """("POLYGONZM") -> ("POLYGON", XYZM); a base type has layout None."""
    for kind in KINDS:
        if word.startswith(kind) and word[len(kind):] in _KEYWORD_LAYOUT:
            return kind, _KEYWORD_LAYOUT[word[len(kind):]]
    raise AssertionError(word)


def _syntax_error(s: str, problem: str, pos: tuple, hint: str) -> str:
    """go-geom's SyntaxError.Error(): problem, line, a snippet of +-30 bytes and a caret."""
    line_num, line_start, line_pos = pos
    end = s.find("\n", line_start)
    end = len(s) if end == -1 else end
    prefix, suffix = f"LINE {line_num}: ", "\n"
    snip_pos, snip_start = line_pos, line_start
    left_min = line_start + line_pos - 30
    if snip_start < left_min:
        snip_pos -= left_min - snip_start
        snip_start = left_min
        prefix += "..."
    right_max = line_start + line_pos + 30
    if end > right_max:
        end, suffix = right_max, "..." + suffix
    snippet = s[snip_start:end].replace("\t", " ").encode("latin-1").decode("utf-8", "replace")
    text = (f"syntax error: {problem} at line {line_num}, pos {line_pos}\n{prefix}{snippet}{suffix}"
            + " " * (len(prefix) + snip_pos) + "^")
    return text + (f"\nHINT: {hint}" if hint else "")


# -- parser (go-geom encoding/wkt/wkt.y and its layout stack) ----------------------------------

@dataclass
class _Frame:
    """lex_stack.go's layoutStackObj: the layout so far, whether we are at the top or
    in a base-type GEOMETRYCOLLECTION, and whether the next point must be EMPTY."""

    layout: str
    in_base: bool
    must_be_empty: bool = False


class _Parser:
    def __init__(self, text: str) -> None:
        self.lex = _Lexer(text)
        self.stack = [_Frame(NO_LAYOUT, True)]
        self.look: Optional[_Token] = None

    # tokens
    def peek(self) -> _Token:
        if self.look is None:
            self.look = self.lex.token()
        return self.look

    def take(self) -> _Token:
        tok = self.peek()
        self.look = None
        return tok

    def unexpected(self, tok: _Token, expecting: tuple = ()) -> WKTError:
        problem = f"unexpected {tok.kind}"
        if expecting:
            problem += ", expecting " + " or ".join(expecting)
        return self.lex.error(problem, tok.pos)

    def expect(self, kind: str, expecting: tuple = ()) -> _Token:
        tok = self.take()
        if tok.kind != kind:
            raise self.unexpected(tok, expecting or (kind,))
        return tok

    def fail(self, problem: str, hint: str = "", tok: Optional[_Token] = None) -> WKTError:
        return self.lex.error(problem, (tok or self.peek()).pos, hint)

    # layout stack (lex.go validate* functions)
    @property
    def top(self) -> _Frame:
        return self.stack[-1]

    def layout_error(self, new: str, hint: str = "", tok: Optional[_Token] = None) -> WKTError:
        return self.fail(f"mixed dimensionality, parsed layout is {self.top.layout} but encountered "
                         f"layout of {new}", hint, tok)

    def set_if_none(self, layout: str) -> None:
        if self.top.layout == NO_LAYOUT:
            self.top.layout = layout

    def set_layout(self, layout: str, tok: _Token) -> None:
        """validateAndSetLayoutIfNoLayout, for a Z / M / ZM keyword."""
        if self.top.layout not in (NO_LAYOUT, layout):
            raise self.layout_error(layout, tok=tok)
        self.set_if_none(layout)

    def base_type_allowed(self, tok: _Token) -> None:
        """validateBaseGeometryTypeAllowed: a keyword without Z/M."""
        if not self.top.in_base:
            if self.top.layout == XYM:
                self.top.must_be_empty = True
        elif self.top.layout == XYM:
            raise self.layout_error(NO_LAYOUT, "the M variant is required for non-empty XYM geometries "
                                    "in GEOMETRYCOLLECTIONs", tok)

    def base_empty_allowed(self, tok: _Token) -> None:
        """validateBaseTypeEmptyAllowed: EMPTY after a keyword without Z/M is XY."""
        if not self.top.in_base:
            if self.top.layout == XYM:
                self.top.must_be_empty = False
            return
        if self.top.layout not in (NO_LAYOUT, XY):
            raise self.layout_error(XY, "EMPTY is XY layout in base geometry type", tok)
        self.set_if_none(XY)

    def empty(self, base: bool) -> bool:
        """Take an EMPTY if it comes (empty_in_base_type / empty_in_non_base_type)."""
        if self.peek().kind != "EMPTY":
            return False
        tok = self.take()
        if base:
            self.base_empty_allowed(tok)
        return True

    def open_paren(self, expecting: tuple = ("'('",)) -> None:
        """geometry_opening_lparen: a base type in GEOMETRYCOLLECTION M must be EMPTY."""
        tok = self.expect("'('", expecting)
        if self.top.must_be_empty:
            raise self.layout_error(NO_LAYOUT, "the M variant is required for non-empty XYM geometries "
                                    "in GEOMETRYCOLLECTIONs", tok)

    # coordinates
    def point(self) -> tuple:
        """flat_coords_point: 2 to 4 numbers, matching the layout so far."""
        coords = []
        while self.peek().kind == "NUM":
            coords.append(self.take().value)
        if not coords:
            raise self.unexpected(self.peek(), ("NUM",))
        stride = len(coords)
        if stride == 1:
            raise self.fail("not enough coordinates", "each point needs at least 2 coords")
        if stride > 4:
            raise self.fail("too many coordinates", "each point can have at most 4 coords")
        layout = self.top.layout
        if layout != NO_LAYOUT and _STRIDE[layout] != stride:
            raise self.fail(f"mixed dimensionality, parsed layout is {layout} so expecting "
                            f"{_STRIDE[layout]} coords but got {stride} coords")
        self.set_if_none(_DEFAULT_FOR_STRIDE[stride])
        return tuple(coords)

    @property
    def _last_close(self) -> _Token:
        return _Token("')'", self._close_pos)

    def separated(self, item: Any, base: bool) -> list:
        """The members of a MULTI* type: '(' item-or-EMPTY (',' item-or-EMPTY)* ')'."""
        if base:
            self.open_paren(("EMPTY", "'('"))
        else:
            self.expect("'('", ("EMPTY", "'('"))
        members = []
        while True:
            members.append(None if self.empty(base) else item())
            if self.peek().kind != "','":
                break
            self.take()
        self.expect("')'", ("')'", "','"))
        return members

    # geometries
    def geometry(self) -> Geometry:
        tok = self.take()
        if tok.kind in ("$end", "NUM", "EMPTY", "'('", "')'", "','"):
            raise self.unexpected(tok)
        kind, layout = _split_keyword(tok.kind)
        if kind == "GEOMETRYCOLLECTION":
            return self.collection(layout, tok)
        base = layout is None
        if base:
            self.base_type_allowed(tok)
        else:
            self.set_layout(layout, tok)
        if self.empty(base):
            return Geometry(kind, self.top.layout, None if kind == "POINT" else [])
        return Geometry(kind, "", self.body(kind, base))

    def body(self, kind: str, base: bool) -> Any:
        if kind == "POINT":
            self.open_paren(("EMPTY", "'('"))
            coords = self.point()
            self.expect("')'")
            return coords
        if kind == "LINESTRING":
            return self._linestring_checked()
        if kind == "POLYGON":
            return self._polygon()
        if kind == "MULTIPOINT":
            return self.separated(self._multipoint_member, base)
        if kind == "MULTILINESTRING":
            return [m or [] for m in self.separated(self._linestring_checked, base)]
        return [m or [] for m in self.separated(self._polygon, base)]

    def _multipoint_member(self) -> tuple:
        """A MULTIPOINT member: "1 2" or "(1 2)"."""
        if self.peek().kind == "'('":
            self.open_paren()
            coords = self.point()
            self.expect("')'")
            return coords
        return self.point()

    def _linestring_checked(self) -> list:
        points = self._list_with_close(self.point)
        if len(points) < 2:
            raise self.fail("non-empty linestring with only one point", "minimum number of points is 2",
                            self._last_close)
        return points

    def _polygon(self) -> list:
        self.open_paren(("EMPTY", "'('"))
        rings = [self._ring_checked()]
        while self.peek().kind == "','":
            self.take()
            rings.append(self._ring_checked())
        self.expect("')'", ("')'", "','"))
        return rings

    def _ring_checked(self) -> list:
        points = self._list_with_close(self.point)
        if len(points) < 4:
            raise self.fail("polygon ring doesn't have enough points", "minimum number of points is 4",
                            self._last_close)
        dims = 3 if self.top.layout in (XYZ, XYZM) else 2
        if points[0][:dims] != points[-1][:dims]:
            raise self.fail("polygon ring not closed", "ensure first and last point are the same",
                            self._last_close)
        return points

    def _list_with_close(self, item: Any) -> list:
        self.open_paren()
        out = [item()]
        while self.peek().kind == "','":
            self.take()
            out.append(item())
        self._close_pos = self.expect("')'", ("')'", "','")).pos
        return out

    def collection(self, layout: Optional[str], tok: _Token) -> Geometry:
        """GEOMETRYCOLLECTION: a layout stack frame of its own (validateAndPushLayoutStackFrame)."""
        if layout is not None and self.top.layout not in (NO_LAYOUT, layout):
            raise self.layout_error(layout, tok=tok)
        outer = self.top
        self.stack.append(_Frame(outer.layout if layout is None else layout,
                                 outer.in_base if layout is None else False))
        members: list = []
        if not self.empty(layout is None):
            self.expect("'('", ("EMPTY", "'('"))
            members.append(self.geometry())
            while self.peek().kind == "','":
                self.take()
                members.append(self.geometry())
            self.expect("')'", ("')'", "','"))
        popped = self.stack.pop().layout
        self.set_if_none(popped)
        return Geometry("GEOMETRYCOLLECTION", self.top.layout, members)

    def parse(self) -> Geometry:
        g = self.geometry()
        tok = self.take()
        if tok.kind != "$end":
            raise self.unexpected(tok, ("$end",))
        return g


def _fix_layout(g: Geometry, layout: str) -> Geometry:
    """Every member of a parse shares one layout (go-geom builds each with the
    stack's layout, and mixed ones are refused): stamp it on the tree."""
    if not g.layout or g.layout == NO_LAYOUT:
        g.layout = layout
    if g.kind == "GEOMETRYCOLLECTION":
        for m in g.body:
            _fix_layout(m, layout)
    return g


def parse(text: str) -> Geometry:
    """wkt.Unmarshal: the geometry, or WKTError with go-geom's message."""
    parser = _Parser(text)
    g = parser.parse()
    final = parser.top.layout if parser.top.layout != NO_LAYOUT else XY
    return _fix_layout(g, final)


def normalize(text: str) -> str:
    """The WKT Milvus 2.6 returns for ``text`` (WKT -> WKB -> WKT), or WKTError."""
    return to_wkt(parse(text))
