"""Typed predicates: the checked, schema-resolved form of a filter.

The type checker turns the parse tree into these nodes, one per shape
Milvus's plan proto has (UnaryRange, BinaryRange, Term, BinaryArithOpEvalRange,
Exists, JSONContains, NullExpr, ...).  Every node here is known to be valid,
so the SQL compiler never has to re-check types; it only picks SQL forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Union

from ..types import DataType


# -- operands --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Column:
    """A typed scalar column (numbers, strings, bool, timestamptz).

    ``element``: ``$[a]`` inside element_filter / MATCH_*: the current element's value of the
    struct sub-field column ``name`` (``"S[a]"``), of type ``dtype`` (compiled as the column's
    subscript at the element's position)."""

    name: str
    dtype: DataType
    nullable: bool
    element: bool = False


@dataclass(frozen=True, slots=True)
class JsonRef:
    """A JSON column (a JSON field or the dynamic ``$meta``) and a key path.

    ``keys`` is empty for the whole field: its top-level value is compared like a
    path's value (``j < 10``, ``json_contains(j, 1)`` on a top-level array).
    """

    column: str
    keys: tuple[Any, ...]
    nullable: bool
    dynamic: bool


@dataclass(frozen=True, slots=True)
class ArrayCol:
    name: str
    element: DataType
    max_length: Optional[int]
    nullable: bool


@dataclass(frozen=True, slots=True)
class ArrayElem:
    """``a[i]``: element ``index`` (0-based, as Milvus writes it)."""

    array: ArrayCol
    index: int


@dataclass(frozen=True, slots=True)
class Length:
    """``array_length(x)`` of an ARRAY field or a JSON path."""

    target: Union[ArrayCol, JsonRef]


@dataclass(frozen=True, slots=True)
class TimeShift:
    """``ts + INTERVAL 'P1M2DT3H'`` (or ``-``): a TIMESTAMPTZ column moved by a calendar interval,
    signed, as Milvus 2.6 applies it (UTC civil time, whole seconds); only compared with an ISO
    constant."""

    target: Column
    months: int
    days: int
    seconds: int


Operand = Union[Column, JsonRef, ArrayCol, ArrayElem, Length]


@dataclass(frozen=True, slots=True)
class Arith:
    """``target op value`` (only ever compared with a constant)."""

    target: Union[Column, JsonRef, ArrayElem]
    op: str
    value: Union[int, float]


# -- predicates ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Compare:
    """``target op value``; ``value`` is a checked Python constant."""

    op: str
    target: Union[Operand, Arith, TimeShift]
    value: Any


@dataclass(frozen=True, slots=True)
class CompareColumns:
    op: str
    left: Column
    right: Column


@dataclass(frozen=True, slots=True)
class Between:
    target: Operand
    lower: Any
    lower_inclusive: bool
    upper: Any
    upper_inclusive: bool


@dataclass(frozen=True, slots=True)
class InList:
    target: Operand
    values: tuple[Any, ...]
    negated: bool


@dataclass(frozen=True, slots=True)
class LikeMatch:
    target: Operand
    pattern: str


@dataclass(frozen=True, slots=True)
class RegexMatch:
    """``target =~ pattern``: ``pattern`` as written (RE2), ``regex`` the PostgreSQL ARE that
    matches the same strings (regex.translate)."""

    target: Union[Column, JsonRef, ArrayElem]
    pattern: str
    regex: str


@dataclass(frozen=True, slots=True)
class KeyExists:
    target: JsonRef


@dataclass(frozen=True, slots=True)
class NullTest:
    target: Union[Column, JsonRef, ArrayCol]
    negated: bool


@dataclass(frozen=True, slots=True)
class Contains:
    """json_/array_contains (mode 'one'), _all ('all') and _any ('any')."""

    mode: str
    target: Union[ArrayCol, JsonRef]
    values: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class TextMatch:
    """``terms``: a column holding ``column``'s tokens under ``-> 't'`` (its hidden match column,
    or a BM25 output field's terms), which answers exactly, ``tokens`` being the query's by the
    field's analyzer; None: Postgres's full-text match approximates (collections made before
    pgmilvus stored tokens, analyzers it cannot run)."""

    column: str
    query: str
    terms: Optional[str] = None
    tokens: tuple[str, ...] = ()
    #: minimum_should_match: query tokens a row must hold, a repeated token counting once per
    #: occurrence (tantivy's BooleanQuery has a clause per token)
    minimum: int = 1


@dataclass(frozen=True, slots=True)
class TextMatchFuzzy:
    """``text_match_fuzzy`` with a distance of 1 or 2 (0 is a ``TextMatch``): some token of the
    row (``terms``, the hidden match column) is within ``distance`` edits of one of ``tokens``
    (the query's, by the field's analyzer), a transposition costing one (tantivy's
    ``FuzzyTermQuery``)."""

    column: str
    query: str
    terms: str
    tokens: tuple[str, ...]
    distance: int


@dataclass(frozen=True, slots=True)
class PhraseMatch:
    """``stored``: the hidden match column of ``column`` (tokens and positions, Milvus's exact
    phrase with ``slop``; ``tokens`` / ``offsets``: the phrase's, by offset); None: Postgres's
    ``phraseto_tsquery`` approximates, slop 0 only."""

    column: str
    phrase: str
    stored: Optional[str] = None
    tokens: tuple[str, ...] = ()
    offsets: tuple[int, ...] = ()
    slop: int = 0


@dataclass(frozen=True, slots=True)
class FunctionCall:
    """A filter function of segcore's registry (functions.py): ``empty(x)``, ``starts_with(x, p)``;
    each argument a VarChar column or a string constant (``str``).  Its own node, not the
    LIKE / ``==`` it compiles to: Milvus plans it as a CallExpr, which partition key isolation
    does not take for a use of the key."""

    name: str
    args: tuple[Union[Column, str], ...]


@dataclass(frozen=True, slots=True)
class Spatial:
    """``ST_<op>(column, 'wkt'[, distance])`` on a GEOMETRY column (spatial.py): ``op`` lower-cased
    (``st_within``), ``wkt`` the query geometry as written (None for ``st_isvalid``), ``distance``
    ST_DWITHIN's metres."""

    op: str
    column: str
    wkt: Optional[str] = None
    distance: Optional[float] = None


@dataclass(frozen=True, slots=True)
class RandomSample:
    fraction: float


@dataclass(frozen=True, slots=True)
class ElementFilter:
    """``element_filter(S, pred)``: elements of struct array ``struct`` where ``pred`` holds; only
    the whole filter or the last operand of the top-level ``and`` (typecheck).  ``column``: the
    first sub-field column, whose subscripts enumerate the elements.  As a row condition (delete,
    row-level search): the row has at least one such element."""

    struct: str
    column: str
    pred: "Pred"


@dataclass(frozen=True, slots=True)
class Match:
    """``MATCH_<kind>(S, pred[, threshold=count])``, kind all/any/least/most/exact: a row condition
    on k, the number of elements where ``pred`` is TRUE (n: where it is not NULL): all k == n,
    any k >= 1, least k >= count, most k <= count, exact k == count; a NULL struct array has no
    elements (MatchExpr.cpp)."""

    kind: str
    struct: str
    column: str
    pred: "Pred"
    count: int = 0


@dataclass(frozen=True, slots=True)
class Logic:
    op: str                     # 'and' | 'or'
    items: tuple["Pred", ...]


@dataclass(frozen=True, slots=True)
class Negate:
    item: "Pred"


@dataclass(frozen=True, slots=True)
class Truth:
    """A boolean literal standing as a predicate (Milvus master: ``x or true``, ``true and x``, a
    filter ``true``): always true or always false, never NULL."""

    value: bool


Pred = Union[Compare, CompareColumns, Between, InList, LikeMatch, RegexMatch, KeyExists, NullTest,
             Contains, TextMatch, TextMatchFuzzy, PhraseMatch, FunctionCall, Spatial, RandomSample, ElementFilter,
             Match, Logic, Negate, Truth]
PRED_TYPES = (Compare, CompareColumns, Between, InList, LikeMatch, RegexMatch, KeyExists, NullTest,
              Contains, TextMatch, TextMatchFuzzy, PhraseMatch, FunctionCall, Spatial, RandomSample, ElementFilter,
              Match, Logic, Negate, Truth)


def split_last(pred: object, kind: type) -> Optional[tuple[Optional["Pred"], "Pred"]]:
    """``(the rest, the last operand)`` when ``pred`` is a ``kind`` (rest None) or a top-level
    ``and`` ending in one (random_sample, element_filter); None otherwise."""
    if isinstance(pred, kind):
        return None, pred
    if isinstance(pred, Logic) and pred.op == "and" and isinstance(pred.items[-1], kind):
        rest = pred.items[:-1]
        return (rest[0] if len(rest) == 1 else Logic("and", rest)), pred.items[-1]
    return None


def ends_in_element_filter(pred: object) -> bool:
    """``pred`` is an element_filter, or a top-level ``and`` whose last operand is one."""
    return isinstance(pred, ElementFilter) or (
        isinstance(pred, Logic) and pred.op == "and" and isinstance(pred.items[-1], ElementFilter))
