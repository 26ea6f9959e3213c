"""Parse tree of a Milvus filter: what was written, before any schema is known.

Nodes are small frozen dataclasses carrying ``pos`` (0-based offset into the
filter text) so later stages can say *where* an error is.  The tree depends
only on the text, which is why the parser's output can be cached by text
alone and reused across collections.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional


@dataclass(frozen=True, slots=True)
class Node:
    pos: int


@dataclass(frozen=True, slots=True)
class Const(Node):
    """A literal; ``text`` is its spelling (Milvus quotes it in errors)."""

    value: Any
    text: str


@dataclass(frozen=True, slots=True)
class ListExpr(Node):
    """``[e1, e2, ...]`` (elements are folded to constants by the type checker)."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Template(Node):
    """``{name}``: replaced by ``filter_params[name]``."""

    name: str


@dataclass(frozen=True, slots=True)
class Ident(Node):
    """A bare field name, or ``$meta``."""

    name: str


@dataclass(frozen=True, slots=True)
class Path(Node):
    """``name["k"][0]...``: JSON path, dynamic-key path or array element."""

    base: str
    keys: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class StructField(Node):
    """``S[a]``: the sub-field ``a`` of struct array ``S``, a whole ARRAY column (``"S[a]"``)."""

    struct: str
    sub: str


@dataclass(frozen=True, slots=True)
class StructIndex(Node):
    """``S[i][a]``: sub-field ``a`` of element ``i`` (0-based), as ``arr[i]`` of an ARRAY field."""

    struct: str
    index: int
    sub: str


@dataclass(frozen=True, slots=True)
class SubField(Node):
    """``$[a]``: the current element's sub-field ``a`` (only inside element_filter / MATCH_*)."""

    sub: str


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str           # '+', '-', '~', 'not'
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: str           # arithmetic, comparison, 'and', 'or', bit and shift ops
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Range(Node):
    """``lower op1 target op2 upper`` (both ops '<'/'<=' or both '>'/'>=')."""

    lower: Node
    op1: str
    target: Node
    op2: str
    upper: Node


@dataclass(frozen=True, slots=True)
class In(Node):
    target: Node
    values: Node
    negated: bool


@dataclass(frozen=True, slots=True)
class Like(Node):
    target: Node
    pattern: Node


@dataclass(frozen=True, slots=True)
class Regex(Node):
    """``target =~ pattern`` (``negated``: ``!~``)."""

    target: Node
    pattern: Node
    negated: bool


@dataclass(frozen=True, slots=True)
class RegexLiteral(Node):
    """A string literal right of ``=~`` / ``!~``: ``pattern`` as Milvus reads it there (backslash
    sequences kept), ``text`` as written."""

    pattern: str
    text: str


@dataclass(frozen=True, slots=True)
class Exists(Node):
    operand: Node
    operand_text: str = ""  # the operand's tokens without spaces, as ANTLR's GetText gives it


@dataclass(frozen=True, slots=True)
class IsNull(Node):
    target: Node
    negated: bool


@dataclass(frozen=True, slots=True)
class Call(Node):
    """A function call; ``name`` is lower-cased, ``options`` are ``k=v`` args."""

    name: str
    args: tuple[Node, ...]
    options: tuple[tuple[str, Node], ...] = ()
    spelled: Optional[str] = None
    #: each argument as written, tokens without spaces (ANTLR's GetText, which Milvus's errors print)
    arg_texts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Iso(Node):
    """``ISO '2025-01-01T00:00:00Z'``: a TIMESTAMPTZ constant; ``value`` is the unquoted string
    (parsed by the type checker, which knows the time zone of a value without an offset)."""

    value: str
    text: str


@dataclass(frozen=True, slots=True)
class Interval(Node):
    """``INTERVAL 'P1DT2H'``: an ISO 8601 duration added to or subtracted from a TIMESTAMPTZ field."""

    value: str
    text: str
