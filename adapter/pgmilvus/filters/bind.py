"""Bound values for the literals Milvus code formats into its filters.

Milvus code usually writes its values into the filter text
(``f'user_id == {uid}'``, ``f'tag in {tags}'``), so every call is a new text:
compiling it costs 50-150 µs of client CPU, and the new SQL text is parsed and
planned again by the server.  Hand-written SQL binds the value and reuses one
prepared statement.  This module gives pgmilvus the same: a filter is split
into its *shape* (the text with the literals that are plain comparisons of a
typed field abstracted) and those literals' values; a shape is compiled once,
through the ordinary compiler, into SQL with ``%(bN)s`` placeholders, and
later filters of the same shape only bind their values.

What is abstracted (everything else stays in the shape, verbatim):

* an integer literal compared with an INT64 field, or in its ``in [...]`` list;
* a string literal compared with a VARCHAR field, or in its ``in [...]`` list;
* the query string of ``text_match(field, "...")`` (no options) on a field whose tokens the
  collection stores: the compiler renders the query's tokens (the field's analyzer) as one
  ``text[]`` literal, so the parameter is that literal's text, made per call by the analyzer
  (``Tokens``);
* the pattern of ``field =~ "..."`` / ``!~`` on a VARCHAR field: the compiler renders its
  PostgreSQL form (regex.translate), so the parameter is that, made per call (``Pattern``; a
  pattern Milvus refuses sends the call the ordinary way, which raises its error);
* an integer or string literal that a JSON key is ``==`` to (``j["a"] == 5``, a dynamic
  field's ``color == "red"``): the compiler renders it inside a JSON document
  (``col @> '{"a": 5}'``), so the parameter is that document, rebuilt per call
  from the shape's document with the value's JSON in place (``Template.docs``);

where the comparison stands alone between ``and`` / ``or`` / parentheses, so
the literal is the whole right-hand side.  The template is made by compiling
the shape twice with two different sets of sentinel values: each sentinel must
come out exactly once, verbatim, and both compilations must agree once the
sentinels are replaced.  A shape that does not (or does not compile) is not
bound: its filters take the ordinary path, with its errors.  Per call, the
values are checked as the compiler checks them (int64 range, valid text); a
value that fails sends that call the ordinary way too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from ..data import analyzer
from ..schema.model import CollectionSchema
from ..types import DataType, INT_RANGES
from . import lexer
from .compile import token_array
from .errors import SyntaxProblem
from .regex import RegexProblem, translate

_COMPARISONS = frozenset(("==", "!=", "<", "<=", ">", ">="))
_REGEX_OPS = frozenset(("=~", "!~"))
#: Tokens that may stand right before a bound comparison's field, and right after its value.
_BEFORE = frozenset((("OP", "("), ("OP", "&&"), ("OP", "||"), ("KW", "and"), ("KW", "or")))
_AFTER = frozenset((("OP", ")"), ("OP", "&&"), ("OP", "||"), ("KW", "and"), ("KW", "or"), ("EOF", None)))
_BINDABLE = {DataType.INT64: lexer.INT, DataType.VARCHAR: lexer.STR}
_INT_LO, _INT_HI = INT_RANGES[DataType.INT64]
#: Two sets of sentinels: values no filter uses, rendered verbatim by the compiler.
_SENTINEL_INTS = (7_340_032_000_000_000_000, 8_128_384_000_000_000_000)
_SENTINEL_STRS = ("pgmilvus_bind_7c1e_", "pgmilvus_bind_93af_")


#: Literal candidates, found by one regex pass (no lexing per call): strings without escapes,
#: decimal numbers (floats are never bound, but a new float value keeps the skeleton).  Which
#: candidates are bound is decided once per skeleton with the real lexer.
_CANDIDATE = re.compile(r"""("[^"\\\n]*"|'[^'\\\n]*')"""
                        r"""|(?<![\w.])((?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+)(?![\w.])"""
                        r"""|(?<![\w.])(0|[1-9][0-9]*)(?![\w.])""")
#: Shapes of one skeleton that may miss the cache before its filters stop being bound (their
#: other literals vary: each would cost two compilations instead of one).
MISSES_PER_SKELETON = 16
_MARKERS = {lexer.STR: "\x00S", lexer.INT: "\x00I", lexer.FLOAT: "\x00F"}
#: Where a bound value goes in a JSON document of ``Template.docs``.
_VALUE = "\x00V"
#: A JSON document literal of the compiled SQL (``_jsonb`` in compile.py).
_JSONB_LITERAL = re.compile(r"CAST\('((?:[^']|'')*)' AS JSONB\)")


@dataclass(frozen=True)
class Tokens:
    """A bound text_match query: its parameter is the ``text[]`` text of its tokens by the
    field's analyzer (compile.token_array), as the compiler renders them."""

    column: str
    analyzer: Any = field(compare=False)

    def __call__(self, text: str) -> str:
        return token_array(self.analyzer.tokens(text))


@dataclass(frozen=True)
class Pattern:
    """A bound ``=~`` / ``!~`` pattern: its parameter is the PostgreSQL regular expression the
    compiler renders it as (a bound literal has no backslash, so its text is the pattern)."""

    def __call__(self, text: str) -> str:
        return translate(text)


@dataclass(frozen=True)
class Template:
    """The SQL of a shape with ``%(bN)s`` placeholders (other ``%`` doubled), and for each bound
    value the JSON document it is the parameter of (``_VALUE`` where the value goes), the
    ``Tokens`` that make its parameter, or None when the value is the parameter itself."""

    text: str
    docs: tuple
    sql: bytes = field(init=False, compare=False)  # the text as sent

    def __post_init__(self) -> None:
        object.__setattr__(self, "sql", self.text.encode())


@dataclass(frozen=True)
class Scan:
    """A filter's literal candidates and its *skeleton*: the text with each candidate replaced
    by a marker of its kind."""

    expr: str
    skeleton: str
    spans: tuple        # (start, end) of each candidate
    kinds: tuple        # lexer.STR / lexer.INT of each candidate

    def key(self, mask: tuple) -> tuple:
        """The filter's shape under ``mask`` (the candidates bound): the skeleton and the text of
        every candidate that is not bound."""
        return (self.skeleton,) + tuple(self.expr[a:b] for (a, b), bound in zip(self.spans, mask)
                                        if not bound)

    def values(self, mask: tuple, docs: tuple = ()) -> Optional[dict[str, Any]]:
        """The bound values as parameters (a value inside a JSON document of ``docs`` as that
        document's text), or None when one of them cannot be bound as is."""
        out: dict[str, Any] = {}
        for (a, b), kind, bound in zip(self.spans, self.kinds, mask):
            if bound:
                value: Any = self.expr[a + 1:b - 1] if kind == lexer.STR else int(self.expr[a:b])
                if not _valid(kind, value):
                    return None
                doc = docs[len(out)] if docs else None
                if doc.__class__ is Tokens:
                    value = doc(value)
                elif doc.__class__ is Pattern:
                    try:
                        value = doc(value)
                    except (RegexProblem, RecursionError):
                        return None
                elif doc is not None:
                    value = doc.replace(_VALUE, json.dumps(value, ensure_ascii=False))
                out[f"b{len(out)}"] = value
        return out

    def with_sentinels(self, mask: tuple, variant: int) -> str:
        """The filter with sentinel set ``variant`` in place of the bound values."""
        out, start, n = [], 0, 0
        for (a, b), kind, bound in zip(self.spans, self.kinds, mask):
            if bound:
                out.append(self.expr[start:a])
                out.append(_sentinel_json(kind, variant, n))
                start, n = b, n + 1
        out.append(self.expr[start:])
        return "".join(out)

    def bound_kinds(self, mask: tuple) -> tuple:
        return tuple(k for k, bound in zip(self.kinds, mask) if bound)


def scan(expr: str) -> Optional[Scan]:
    """The candidates of ``expr`` (None when it has none): one regex pass, run on every call."""
    spans, kinds, pieces = [], [], []
    start = 0
    for match in _CANDIDATE.finditer(expr):
        a, b = match.span()
        kind = lexer.STR if match.group(1) is not None else lexer.FLOAT if match.group(2) else lexer.INT
        spans.append((a, b))
        kinds.append(kind)
        pieces.append(expr[start:a])
        pieces.append(_MARKERS[kind])
        start = b
    if not spans:
        return None
    pieces.append(expr[start:])
    return Scan(expr, "".join(pieces), tuple(spans), tuple(kinds))


def mask(found: Scan, schema: CollectionSchema) -> tuple:
    """Which candidates of ``found`` are bindable (the real lexer's tokens, ``_slots``); all False
    when the filter does not lex."""
    try:
        tokens = lexer.tokenize(found.expr)
    except SyntaxProblem:
        return (False,) * len(found.spans)
    if any(token.kind == lexer.KW and token.value == "iso" for token in tokens):
        # An ISO timestamp without an offset is read in the read's time zone, which a shape
        # (compiled once per collection) does not know: such filters take the ordinary path.
        return (False,) * len(found.spans)
    slots = {(tokens[i].pos, tokens[i].pos + len(tokens[i].text)): op for i, op in _slots(tokens, schema).items()}
    return tuple((op if isinstance(op, tuple) else True) if (op := slots.get(span)) is not None else False
                 for span in found.spans)


def only_equalities(found: Scan, schema: CollectionSchema, bound: tuple) -> bool:
    """Whether every bound value of ``found`` is compared by ``==``, listed by ``in`` or a
    text_match query (its GIN index serves any word: a generic plan does as well); a regular
    expression, as a range, is planned with its value.

    PostgreSQL's generic plan estimates those from the column's statistics whatever the value
    (a statement prepared for them plans as well as one per call); a range's generic estimate
    is a fixed guess, so a shape with one is planned for each call's values (bound_filters)."""
    try:
        tokens = lexer.tokenize(found.expr)
    except SyntaxProblem:
        return False
    ranges = {(tokens[i].pos, tokens[i].pos + len(tokens[i].text))
              for i, op in _slots(tokens, schema).items()
              if op not in ("==", "in") and not (isinstance(op, tuple) and op[0] == "text_match")}
    return not any(span in ranges for span, is_bound in zip(found.spans, bound) if is_bound)


def _valid(kind: str, value: Any) -> bool:
    """The value binds exactly as the compiler would embed it."""
    if kind == lexer.INT:
        return _INT_LO <= value <= _INT_HI
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _slots(tokens: list[lexer.Token], schema: CollectionSchema) -> dict[int, str]:
    """Positions of the literals that are the whole right-hand side of a typed field's comparison,
    each with its operator (``in`` for a list item)."""
    out: dict[int, Any] = {}
    n = len(tokens)
    for i, tok in enumerate(tokens):
        if tok.kind not in (lexer.IDENT, lexer.PATH):
            continue
        before = _key(tokens[i - 1]) if i else None
        if tok.kind == lexer.IDENT and tok.text.lower() == "text_match":  # a call: `not` may precede it
            matched = _text_match_query(tokens, i, schema)
            if matched is not None and (before is None or before in _BEFORE or before == (lexer.KW, "not")):
                out[i + 4] = ("text_match", matched)
            continue
        if before is not None and before not in _BEFORE:
            continue
        if _json_key(tok, schema):
            j = i + 2
            if (j + 1 < n and _key(tokens[i + 1]) == (lexer.OP, "==") and tokens[j].kind in (lexer.INT, lexer.STR)
                    and _key(tokens[j + 1]) in _AFTER):
                out[j] = "=="
            continue
        if tok.kind == lexer.PATH:
            continue
        field = schema.field(tok.text)
        literal = _BINDABLE.get(field.dtype) if field is not None else None
        if literal is None:
            continue
        nxt = tokens[i + 1] if i + 1 < n else None
        if nxt is not None and nxt.kind == lexer.OP and nxt.text in _COMPARISONS:
            j = i + 2
            if j + 1 < n and tokens[j].kind == literal and _key(tokens[j + 1]) in _AFTER:
                out[j] = nxt.text
        elif nxt is not None and nxt.kind == lexer.OP and nxt.text in _REGEX_OPS and literal == lexer.STR:
            j = i + 2
            if j + 1 < n and tokens[j].kind == lexer.STR and _key(tokens[j + 1]) in _AFTER:
                out[j] = ("regex",)
        elif nxt is not None and nxt.kind == lexer.KW and nxt.value == "in":
            out.update(dict.fromkeys(_list_items(tokens, i + 2, literal), "in"))
    return out


def _text_match_query(tokens: list[lexer.Token], i: int, schema: CollectionSchema) -> Optional[str]:
    """The field of ``text_match(field, "query")`` at ``i`` (no options, a field whose tokens are
    stored, followed by a boundary), else None."""
    if i + 6 > len(tokens) - 1:
        return None
    opening, column, comma, query, closing = tokens[i + 1:i + 6]
    if (_key(opening), column.kind, _key(comma), query.kind, _key(closing)) != (
            (lexer.OP, "("), lexer.IDENT, (lexer.OP, ","), lexer.STR, (lexer.OP, ")")):
        return None
    if column.text not in schema.token_fields or _key(tokens[i + 6]) not in _AFTER:
        return None
    return column.text


def _json_key(tok: lexer.Token, schema: CollectionSchema) -> bool:
    """``tok`` names a key of a JSON document by string keys only (``j["a"]``, a dynamic field's
    ``color`` or ``color["x"]``, ``$meta["k"]``): its ``==`` compiles to ``@>`` containment."""
    name, keys = tok.value if tok.kind == lexer.PATH else (tok.text, ())
    if not all(isinstance(key, str) for key in keys):
        return False
    field = schema.field(name)
    if field is not None:
        return field.dtype == DataType.JSON and bool(keys)
    return bool(schema.enable_dynamic_field)


def _list_items(tokens: list[lexer.Token], j: int, literal: str) -> list[int]:
    """Positions of ``[lit, lit, ...]`` starting at ``j`` (empty unless the whole list is literals
    followed by a boundary)."""
    n = len(tokens)
    if j >= n or (tokens[j].kind, tokens[j].text) != ("OP", "["):
        return []
    items = []
    j += 1
    while j < n and tokens[j].kind == literal:
        items.append(j)
        j += 1
        if j < n and (tokens[j].kind, tokens[j].text) == ("OP", ","):
            j += 1
    if not items or j + 1 >= n or (tokens[j].kind, tokens[j].text) != ("OP", "]"):
        return []
    return items if _key(tokens[j + 1]) in _AFTER else []


def _key(tok: lexer.Token) -> tuple:
    return (tok.kind, None) if tok.kind == lexer.EOF else (tok.kind, tok.value if tok.kind == lexer.KW
                                                          else tok.text)


def template(found: Scan, bound: tuple, compile_text: Callable[[str], Optional[str]],
             schema: CollectionSchema) -> Optional[Template]:
    """The SQL of the filter's shape with ``%(bN)s`` for its bound values, or None when the
    compiler does not render every value verbatim (a text_match query: its tokens), once, the
    same way for any value."""
    kinds = found.bound_kinds(bound)
    transforms = [(Pattern() if b[0] == "regex" else Tokens(b[1], analyzer.for_field(schema.field(b[1]))))
                  if isinstance(b, tuple) else None for b in bound if b]
    made = []
    for variant in (0, 1):
        try:
            text = compile_text(found.with_sentinels(bound, variant))
        except Exception:  # the shape itself is refused: the ordinary path gives the error
            return None
        if text is None:
            return None
        made.append(_placeholders(text, kinds, variant, transforms))
    return made[0] if made[0] is not None and made[0] == made[1] else None


def _sentinel_json(kind: str, variant: int, i: int) -> str:
    """Sentinel ``i`` of set ``variant`` as a filter literal; it is also its JSON spelling."""
    return str(_SENTINEL_INTS[variant] + i) if kind == lexer.INT else f'"{_SENTINEL_STRS[variant]}{i}"'


def _documents(text: str, kinds: tuple, variant: int) -> tuple[str, list]:
    """``text`` (``%`` doubled) with each JSON document literal holding one sentinel replaced by
    that value's placeholder, and each value's document (None for a value not inside one)."""
    docs: list = [None] * len(kinds)

    def replace(match: re.Match) -> str:
        doc = match.group(1).replace("%%", "%").replace("''", "'")
        for i, kind in enumerate(kinds):
            sentinel = _sentinel_json(kind, variant, i)
            if doc.count(sentinel) == 1 and docs[i] is None:
                docs[i] = doc.replace(sentinel, _VALUE)
                return f"CAST(%(b{i})s AS JSONB)"
        return match.group(0)

    return _JSONB_LITERAL.sub(replace, text), docs


def _placeholders(text: str, kinds: tuple, variant: int, transforms: list) -> Optional[Template]:
    text, docs = _documents(text.replace("%", "%%"), kinds, variant)
    for i, tokens in enumerate(transforms):
        if tokens.__class__ is Tokens:  # the sentinel's tokens, rendered as compile.token_array renders them
            rendered = "CAST('" + tokens(f"{_SENTINEL_STRS[variant]}{i}").replace("'", "''") + "' AS TEXT[])"
            if text.count(rendered) != 1:
                return None
            text = text.replace(rendered, f"CAST(%(b{i})s AS TEXT[])")
            docs[i] = tokens
    for i, kind in enumerate(kinds):
        if docs[i] is not None:
            if text.count(f"%(b{i})s") != 1:
                return None
            continue
        if kind == lexer.INT:
            pattern = r"(?<![\w.'\"])" + str(_SENTINEL_INTS[variant] + i) + r"(?![\w.'\"])"
        else:
            pattern = re.escape(f"'{_SENTINEL_STRS[variant]}{i}'")
        text, count = re.subn(pattern, f"%(b{i})s", text)
        if count != 1:
            return None
    if any(_SENTINEL_STRS[variant] in text or str(_SENTINEL_INTS[variant] + i) in text
           for i in range(len(kinds))):
        return None  # a value also rendered somewhere else (in another form)
    for i, made in enumerate(transforms):
        if made.__class__ is Pattern:  # rendered verbatim (a sentinel translates to itself)
            if docs[i] is not None:
                return None
            docs[i] = made
    return Template(text, tuple(docs))
