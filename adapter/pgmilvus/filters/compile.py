"""Typed predicates (:mod:`.ir`) -> a sqlglot boolean expression for Postgres.

Choices, and why:

* Typed columns compare natively (``"i" = 1``), so B-tree indexes apply.
  Strings compare ``COLLATE "C"`` for ``< <= > >=`` because Milvus orders
  bytes, not by locale.  FLOAT (``real``) columns compare with the literal
  rounded to float32 (``CAST(0.1 AS REAL)``), as Milvus casts it.
* JSON and ``$meta`` predicates are jsonpath tests
  ``col @? 'strict $ ? (<condition on @>)'``: a GIN index (jsonb_ops or
  jsonb_path_ops) serves them, and a missing key or a value of another type
  makes the condition false instead of raising.  Equality with a scalar on a
  plain key path uses ``col @> '{"k": v}'`` (also GIN-served, and the form
  people index for).  Milvus 2.6 (since #50723 and #51135) gives a comparison,
  range, ``in``, ``like``, ``json_contains``, arithmetic comparison or
  ``array_length`` of a missing, null or mistyped JSON value SQL's UNKNOWN,
  which ``not`` keeps UNKNOWN (the row is not selected either way).  A WHERE
  clause keeps only TRUE rows, and a Kleene formula that is TRUE stays TRUE
  whatever its UNKNOWN leaves are, so each such leaf is compiled for where it
  stands (``_known``): as the plain test (UNKNOWN as false) under an even
  number of ``not``, as ``value not of the compared type OR test`` (UNKNOWN
  as true) under an odd number; ``!=`` and ``not in`` are the negations of
  ``==`` and ``in``.
* Nothing the user wrote is pasted into SQL: values become sqlglot literals,
  identifiers are quoted, and the jsonpath text is built here from
  ``json.dumps`` of keys and values, so it is always well-formed.
* An ARRAY element past the end is Postgres's NULL, Milvus 2.6's UNKNOWN (#51135).
* Arithmetic that could overflow the column's integer type is widened
  (BIGINT, then NUMERIC) and float arithmetic runs in NUMERIC, so no row
  can make Postgres raise an out-of-range error.
* TIMESTAMPTZ columns compare with ``CAST('<UTC time>' AS TIMESTAMPTZ)`` (an
  instant, exact to the microsecond as Milvus's int64 microseconds), which a
  B-tree serves.  ``ts + INTERVAL ...`` is Milvus 2.6's civil arithmetic in UTC
  on whole seconds, written with Postgres timestamps (``_time_shift``).
"""

from __future__ import annotations

import json
import re
from contextvars import ContextVar
from typing import Any, Callable, Iterable, Optional, Union

import numpy as np
from sqlglot import exp

from ..pg import instants
from ..types import INT_RANGES, INTEGER_TYPES, STRING_TYPES, DataType
from . import cache, ir, spatial
from .errors import SyntaxProblem

_C_COLLATION = exp.to_identifier("C", quoted=True)
_SQL_OPS: dict[str, Callable[..., exp.Expression]] = {
    "==": exp.EQ, "!=": exp.NEQ, "<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE}
_ARITH_OPS = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul, "/": exp.Div, "%": exp.Mod}
#: Postgres type of each scalar/element type (VARCHAR without length: casting a
#: constant to varchar(n) would silently truncate it).
_PG_TYPES = {
    DataType.BOOL: "BOOLEAN", DataType.INT8: "SMALLINT", DataType.INT16: "SMALLINT",
    DataType.INT32: "INT", DataType.INT64: "BIGINT", DataType.FLOAT: "REAL",
    DataType.DOUBLE: "DOUBLE PRECISION", DataType.VARCHAR: "VARCHAR", DataType.TEXT: "TEXT",
}
#: Value range of the Postgres type holding each integer field (INT8 lives in smallint).
_PG_INT_RANGE = {DataType.INT8: INT_RANGES[DataType.INT16], DataType.INT16: INT_RANGES[DataType.INT16],
                 DataType.INT32: INT_RANGES[DataType.INT32], DataType.INT64: INT_RANGES[DataType.INT64]}
_REGEX_SPECIAL = set("\\^$.|?*+()[]{}")


#: (JSON column, path keys, "DOUBLE" | "VARCHAR") of the B-tree-indexed JSON paths of the
#: collection being compiled for (json_index.indexed_paths); set by to_sql.
_json_indexes: ContextVar[frozenset] = ContextVar("pgmilvus_json_indexes", default=frozenset())
#: Whether the leaf being compiled stands under an odd number of ``not`` (``_known``).
_negated: ContextVar[bool] = ContextVar("pgmilvus_filter_negated", default=False)
#: The SQL of the other operands of the ``and`` a spatial test stands in (``_and_spatial``): its
#: pass reads only the rows where they may hold.
_spatial_rows: ContextVar[Optional[str]] = ContextVar("pgmilvus_spatial_rows_where", default=None)
#: The elements of a struct array, walked by element_filter / MATCH_* (``"$g"("$i")``: the 1-based
#: subscripts of the first sub-field column; every sub-field column has the same length).
ELEMENTS, SUBSCRIPT = "$g", "$i"
#: The 1-based subscript of the element a ``$[a]`` reads (an ``ir.Column`` with ``element``).
_position: ContextVar[exp.Expression] = ContextVar(
    "pgmilvus_filter_position", default=exp.column(SUBSCRIPT, ELEMENTS, quoted=True))


def to_sql(pred: "ir.Pred", json_indexes: frozenset = frozenset(),
           position: Optional[exp.Expression] = None) -> exp.Expression:
    """The Postgres boolean expression for a checked predicate.

    ``json_indexes``: range comparisons on these paths also get the indexed
    expression (``_indexed_range``), so a B-tree on it can serve them.
    ``position``: the 1-based subscript a ``$[a]`` reads (an element predicate compiled alone,
    filters.elements); by default ``"$g"."$i"`` of the element_filter / MATCH_* around it.
    """
    token = _json_indexes.set(json_indexes)
    placed = _position.set(position) if position is not None else None
    try:
        return _compile(pred)
    finally:
        _json_indexes.reset(token)
        if placed is not None:
            _position.reset(placed)


def _compile(pred: "ir.Pred") -> exp.Expression:
    return _COMPILERS[type(pred)](pred)


# -- literals --------------------------------------------------------------------------------
def _number(value: Union[int, float]) -> exp.Expression:
    return exp.Literal.number(repr(value) if isinstance(value, float) else str(value))


def _literal(value: Any, dtype: DataType) -> exp.Expression:
    """A constant already cast (by the type checker) to ``dtype``."""
    if dtype == DataType.TIMESTAMPTZ:
        return _timestamptz(value)
    if dtype == DataType.BOOL:
        return exp.true() if value else exp.false()
    if dtype in STRING_TYPES:
        return exp.Literal.string(value)
    if dtype == DataType.FLOAT:
        return _real(value)
    return _number(value)


def _real(value: Union[int, float]) -> exp.Expression:
    """``value`` rounded to float32 as Milvus does, written so Postgres never raises."""
    with np.errstate(over="ignore", under="ignore"):
        f32 = np.float32(value)
    if np.isinf(f32):
        text: exp.Expression = exp.Literal.string("Infinity" if f32 > 0 else "-Infinity")
    else:
        text = exp.Literal.number(repr(float(f32)) if f32 == 0 else str(f32).replace("e+", "e"))
    return exp.cast(text, "REAL")


def _timestamptz(value: int) -> exp.Expression:
    """An instant (microseconds since the Unix epoch, timestamps.parse) as
    ``CAST('2024-12-31 22:00:00+00:00' AS TIMESTAMPTZ)``: the text is instants.pg_text's, in UTC
    (digits, ``-``, ``:``, ``.``, ``+``, and `` BC`` for a year before 1)."""
    return exp.cast(exp.Literal.string(instants.pg_text(value)), "TIMESTAMPTZ")


def _array_type(element: DataType) -> exp.DataType:
    return exp.DataType.build(f"{_PG_TYPES[element]}[]", dialect="postgres")


def _array_literal(values: tuple, element: DataType) -> exp.Expression:
    return exp.cast(exp.Array(expressions=[_literal(v, element) for v in values]),
                    _array_type(element))


def _jsonb(value: Any) -> exp.Expression:
    return exp.cast(exp.Literal.string(json.dumps(value, ensure_ascii=False)), "JSONB")


def _col(name: str) -> exp.Column:
    return exp.column(name, quoted=True)


def _paren(expr: exp.Expression) -> exp.Expression:
    return expr if isinstance(expr, exp.Paren) else exp.Paren(this=expr)


def _call(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


# -- typed scalar columns --------------------------------------------------------------------
def _scalar(target: Union[ir.Column, ir.ArrayElem]) -> tuple[exp.Expression, DataType]:
    if isinstance(target, ir.Column):
        if target.element:  # $[a]: "S[a]"[position]
            return exp.Bracket(this=_col(target.name), expressions=[_position.get().copy()], offset=1), target.dtype
        return _col(target.name), target.dtype
    element = exp.Bracket(this=_col(target.array.name),
                          expressions=[exp.Literal.number(target.index + 1)], offset=1)
    return element, target.array.element


def _cmp(op: str, left: exp.Expression, right: exp.Expression, dtype: DataType) -> exp.Expression:
    if dtype in STRING_TYPES and op not in ("==", "!="):
        left = exp.Collate(this=left, expression=_C_COLLATION.copy())
    return _SQL_OPS[op](this=left, expression=right)


def _compare_typed(op: str, target: Union[ir.Column, ir.ArrayElem], value: Any) -> exp.Expression:
    sql, dtype = _scalar(target)
    return _cmp(op, sql, _literal(value, dtype), dtype)


def _arith_typed(arith: ir.Arith, op: str, value: Any) -> exp.Expression:
    sql, dtype = _scalar(arith.target)
    const = arith.value
    if dtype in INTEGER_TYPES and arith.op in ("+", "-"):
        # Exact over integers and overflow-free: `i + 1 == 3` is `i = 2`, which
        # a B-tree index on the column also serves.
        shifted = value - const if arith.op == "+" else value + const
        return _SQL_OPS[op](this=sql, expression=_number(shifted))
    if dtype in INTEGER_TYPES:
        sql, widened = _widen_int(sql, dtype, arith.op, const)
        node_cls = exp.IntDiv if (arith.op == "/" and widened == "NUMERIC") else _ARITH_OPS[arith.op]
        expr = node_cls(this=sql, expression=_number(const))
        if node_cls is exp.Div:
            expr.set("typed", True)
        return _SQL_OPS[op](this=_paren(expr), expression=_number(value))
    # FLOAT / DOUBLE: NUMERIC arithmetic never overflows or raises.
    expr = _ARITH_OPS[arith.op](this=exp.cast(sql, "NUMERIC"), expression=_number(const))
    if isinstance(expr, exp.Div):
        expr.set("typed", True)
    return _SQL_OPS[op](this=_paren(expr), expression=_number(value))


def _widen_int(sql: exp.Expression, dtype: DataType, op: str,
               const: int) -> tuple[exp.Expression, str]:
    """Cast the column up when ``column op const`` could leave its Postgres type's range."""
    lo, hi = INT_RANGES[dtype]
    if op == "%":
        results = [0]
    elif op == "/":
        results = [_trunc_div(lo, const), _trunc_div(hi, const)]
    else:
        fn = {"+": lambda a: a + const, "-": lambda a: a - const, "*": lambda a: a * const}[op]
        results = [fn(lo), fn(hi)]
    const_range = _PG_INT_RANGE[DataType.INT32] if INT_RANGES[DataType.INT32][0] <= const <= \
        INT_RANGES[DataType.INT32][1] else _PG_INT_RANGE[DataType.INT64]
    col_range = _PG_INT_RANGE[dtype]
    result_range = max(col_range, const_range, key=lambda r: r[1])
    if result_range[0] <= min(results) and max(results) <= result_range[1]:
        return sql, "PLAIN"
    i64 = INT_RANGES[DataType.INT64]
    if i64[0] <= min(results) and max(results) <= i64[1]:
        return exp.cast(sql, "BIGINT"), "BIGINT"
    return exp.cast(sql, "NUMERIC"), "NUMERIC"


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


# -- JSON (jsonpath) -------------------------------------------------------------------------
def _jp_path(ref: ir.JsonRef) -> str:
    parts = ["@"]
    for key in ref.keys:
        parts.append(f"[{key}]" if isinstance(key, int) else "." + json.dumps(key, ensure_ascii=False))
    return "".join(parts)


def _jp_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    return json.dumps(value, ensure_ascii=False)


def _jsonpath(ref: ir.JsonRef, condition: str) -> exp.Expression:
    return exp.JSONBPathExists(this=_col(ref.column),
                               expression=exp.Literal.string(f"strict $ ? ({condition})"))


def _json_extract(ref: ir.JsonRef) -> exp.Expression:
    sql: exp.Expression = _col(ref.column)
    for key in ref.keys:
        lit = exp.Literal.number(key) if isinstance(key, int) else exp.Literal.string(key)
        sql = exp.JSONExtract(this=sql, expression=lit)
    return sql


def _two_valued(ref: ir.JsonRef, pred: exp.Expression) -> exp.Expression:
    """Make a possibly-NULL JSON test true/false; a NULL JSON *column* stays NULL."""
    pred = exp.Coalesce(this=pred, expressions=[exp.false()])
    if not ref.nullable:
        return pred
    return exp.Case(ifs=[exp.If(this=exp.Is(this=_col(ref.column), expression=exp.Null()),
                                true=exp.Null())], default=pred)


def _jp_cmp(path: str, op: str, value: Any) -> str:
    return f"{path} {op} {_jp_value(value)}"


def _json_type(value: Any) -> str:
    """The ``jsonb_typeof`` of the JSON values Milvus compares ``value`` with (any number with a
    number: int64 and double paths read both)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, (list, tuple)) else "object"


def _known(ref: ir.JsonRef, types: Iterable[str], test: exp.Expression) -> exp.Expression:
    """A JSON leaf ``test`` (true only on a value of one of ``types``), compiled for where it stands
    (module docstring): as is, or under an odd number of ``not`` as ``NOT (value of one of types)
    OR test``, so the enclosing ``not`` leaves a missing, null or mistyped value unselected."""
    if not _negated.get():
        return test
    kinds = sorted(set(types))
    typeof = _call("jsonb_typeof", _json_extract(ref))  # NULL: no such path, or a NULL column
    literals = [exp.Literal.string(k) for k in kinds]
    mistyped = (exp.NullSafeNEQ(this=typeof, expression=literals[0]) if len(literals) == 1 else
                exp.Coalesce(this=exp.Not(this=exp.In(this=typeof, expressions=literals)),
                             expressions=[exp.true()]))
    return _paren(exp.Or(this=mistyped, expression=_paren(test)))


def _under_not(make: Callable[[], exp.Expression]) -> exp.Expression:
    """``NOT (...)`` of what ``make`` compiles, its JSON leaves compiled for the other side of the
    ``not`` (``not``, ``!=`` and ``not in``)."""
    token = _negated.set(not _negated.get())
    try:
        leaf = make()
    finally:
        _negated.reset(token)
    return exp.Not(this=_paren(leaf))


def _compare_json(op: str, ref: ir.JsonRef, value: Any) -> exp.Expression:
    if op == "!=":
        return _under_not(lambda: _compare_json("==", ref, value))
    kind = [_json_type(value)]
    if isinstance(value, (list, dict)):
        return _known(ref, kind, _two_valued(ref, exp.EQ(this=_json_extract(ref), expression=_jsonb(value))))
    if op == "==":
        return _known(ref, kind, _json_equal(ref, value))
    return _known(ref, kind, _indexed_range(ref, _jsonpath(ref, _jp_cmp(_jp_path(ref), op, value)),
                                            [(op, value)]))


JSON_VALUE_FUNCTIONS = {"DOUBLE": "json_number", "VARCHAR": "json_text"}


def json_value(column: str, keys: tuple[Any, ...], cast: str) -> exp.Expression:
    """``pgmilvus_catalog.json_number("col" -> 'k' -> 0)``: a JSON path's typed value (NULL if
    missing or of another JSON type), the expression B-tree JSON path indexes are built on."""
    ref = ir.JsonRef(column, keys, False, False)
    return _catalog_call(JSON_VALUE_FUNCTIONS[cast], _json_extract(ref))


def _catalog_call(name: str, *args: exp.Expression) -> exp.Expression:
    """``pgmilvus_catalog.<name>(args)``: a function of pgmilvus's catalog migrations."""
    return exp.Dot(this=exp.to_identifier("pgmilvus_catalog"),
                   expression=exp.Anonymous(this=name, expressions=list(args)))


def _indexed_range(ref: ir.JsonRef, test: exp.Expression, bounds: list[tuple[str, Any]]) -> exp.Expression:
    """``test AND json_number(path) > v ...`` when a B-tree indexes the path, else ``test``.

    The added condition is true whenever ``test`` is (same value, same order:
    numeric / code points, jsonpath's rules) and false or NULL otherwise, so
    ``test AND added`` equals ``test`` everywhere, under NOT too; it only gives
    the planner an indexable expression.
    """
    if not ref.keys:
        return test
    values = [v for _, v in bounds]
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        cast = "DOUBLE"
    elif all(isinstance(v, str) for v in values):
        cast = "VARCHAR"
    else:
        return test
    if (ref.column, ref.keys, cast) not in _json_indexes.get():
        return test
    value = json_value(ref.column, ref.keys, cast)
    dtype = DataType.DOUBLE if cast == "DOUBLE" else DataType.VARCHAR  # VARCHAR: COLLATE "C", as the index
    conds = [_cmp(op, value.copy(), _number(v) if cast == "DOUBLE" else exp.Literal.string(v), dtype)
             for op, v in bounds]
    combined = conds[0]
    for cond in conds[1:]:
        combined = exp.And(this=combined, expression=cond)
    return _paren(exp.And(this=test, expression=combined))


def _json_equal(ref: ir.JsonRef, value: Any) -> exp.Expression:
    """``@>`` on a nested object when the path is all keys, else jsonpath ``==``.

    The whole field (no keys) always takes jsonpath: ``'[5]' @> '5'`` is true (a
    top-level array contains its scalar elements), ``[5] == 5`` is not.
    """
    if ref.keys and all(isinstance(k, str) for k in ref.keys):
        doc: Any = value
        for key in reversed(ref.keys):
            doc = {key: doc}
        return exp.ArrayContainsAll(this=_col(ref.column), expression=_jsonb(doc))
    return _jsonpath(ref, _jp_cmp(_jp_path(ref), "==", value))


def _arith_json(arith: ir.Arith, op: str, value: Any) -> exp.Expression:
    """A number's arithmetic compared (jsonpath); UNKNOWN for any other value, also for ``!=``."""
    if op == "!=":
        return _under_not(lambda: _arith_json(arith, "==", value))
    return _known(arith.target, ["number"], _arith_json_test(arith, op, value))


def _arith_json_test(arith: ir.Arith, op: str, value: Any) -> exp.Expression:
    path = _jp_path(arith.target)
    const = _jp_value(arith.value)
    if arith.op == "/" and isinstance(arith.value, int):
        # Integer division truncates toward zero (C / Go), jsonpath divides exactly.
        q = f"({path} / {const})"
        cond = (f"({q} >= 0 && {q}.floor() {op} {_jp_value(value)}) || "
                f"({q} < 0 && {q}.ceiling() {op} {_jp_value(value)})")
    else:
        cond = f"{path} {arith.op} {const} {op} {_jp_value(value)}"
    return _jsonpath(arith.target, cond)


# -- LIKE --------------------------------------------------------------------------------------
def like_parts(pattern: str) -> list[tuple[str, str]]:
    """Milvus LIKE: ``%`` any run, ``_`` one char, ``\\`` escapes the next char.

    A trailing lone backslash is a literal backslash.
    """
    parts: list[tuple[str, str]] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            parts.append(("lit", pattern[i + 1] if i + 1 < len(pattern) else "\\"))
            i += 2
            continue
        parts.append(("any", "") if ch == "%" else ("one", "") if ch == "_" else ("lit", ch))
        i += 1
    return parts


def like_to_pg(pattern: str) -> str:
    out = []
    for kind, ch in like_parts(pattern):
        if kind == "any":
            out.append("%")
        elif kind == "one":
            out.append("_")
        else:
            out.append("\\" + ch if ch in "%_\\" else ch)
    return "".join(out)


def like_to_regex(pattern: str) -> str:
    out = ["^"]
    for kind, ch in like_parts(pattern):
        if kind == "any":
            out.append(".*")
        elif kind == "one":
            out.append(".")
        else:
            out.append("\\" + ch if ch in _REGEX_SPECIAL else ch)
    out.append("$")
    return "".join(out)


def _like(pred: ir.LikeMatch) -> exp.Expression:
    if isinstance(pred.target, ir.JsonRef):
        regex = json.dumps(like_to_regex(pred.pattern), ensure_ascii=False)
        test = _jsonpath(pred.target, f'{_jp_path(pred.target)} like_regex {regex} flag "s"')
        return _known(pred.target, ["string"], _ngram_indexed(pred.target, test, pred.pattern))
    sql, _ = _scalar(pred.target)
    return _sql_like(sql, pred.pattern)


def _sql_like(text: exp.Expression, pattern: str) -> exp.Expression:
    """``text LIKE 'p' ESCAPE '\\'``: the form pg_trgm's GIN index and a pattern B-tree serve."""
    return exp.Escape(this=exp.Like(this=text, expression=exp.Literal.string(like_to_pg(pattern))),
                      expression=exp.Literal.string("\\"))


def _ngram_indexed(ref: ir.JsonRef, test: exp.Expression, pattern: str) -> exp.Expression:
    """``test AND json_text(path) LIKE pattern`` when an NGRAM index puts a trigram index on the
    path's text (json_index.create_trigram_sql), else ``test``.  ``json_text`` is the string
    value (NULL for any other JSON type or a missing path), and LIKE matches it exactly where
    ``like_regex`` does (one character for ``_``, any run for ``%``), so the conjunction equals
    ``test`` everywhere, under NOT too (as ``_indexed_range``'s)."""
    if not ref.keys or (ref.column, ref.keys, "NGRAM") not in _json_indexes.get():
        return test
    return _paren(exp.And(this=test, expression=_sql_like(json_value(ref.column, ref.keys, "VARCHAR"), pattern)))


def _function_call(pred: ir.FunctionCall) -> exp.Expression:
    """segcore's filter functions (functions.py): ``empty(x)`` is ``x = ''``; ``starts_with(x, p)``
    of a column and a constant is ``x LIKE 'p%'`` (the prefix escaped), the form a B-tree serves,
    else Postgres's ``STARTS_WITH``.  Both compare bytes, and a NULL argument gives NULL."""
    args = [_col(arg.name) if isinstance(arg, ir.Column) else exp.Literal.string(arg) for arg in pred.args]
    if pred.name == "empty":
        return exp.EQ(this=args[0], expression=exp.Literal.string(""))
    text, prefix = pred.args
    if isinstance(text, ir.Column) and isinstance(prefix, str):
        pattern = "".join("\\" + ch if ch in "%_\\" else ch for ch in prefix) + "%"
        return exp.Escape(this=exp.Like(this=args[0], expression=exp.Literal.string(pattern)),
                          expression=exp.Literal.string("\\"))
    return exp.StartsWith(this=args[0], expression=args[1])


# -- regular expressions (=~) ------------------------------------------------------------------
def _regex(pred: ir.RegexMatch) -> exp.Expression:
    """``"s" ~ '<ARE>'`` (NULL stays NULL: UNKNOWN); a JSON string value by jsonpath ``like_regex``
    (flag ``s``: ``.`` takes newlines there too), any other JSON value UNKNOWN (``_known``).  The
    ARE uses no flag, class or case rule that depends on a collation (filters/regex/)."""
    target = pred.target
    if isinstance(target, ir.JsonRef):
        regex = json.dumps(pred.regex, ensure_ascii=False)
        return _known(target, ["string"],
                      _jsonpath(target, f'{_jp_path(target)} like_regex {regex} flag "s"'))
    sql, _ = _scalar(target)
    return exp.RegexpLike(this=sql, expression=exp.Literal.string(pred.regex))


def _utc(value: exp.Expression) -> exp.Expression:
    """A timestamptz as the UTC civil time (``timestamp``), where Milvus's interval arithmetic runs."""
    return exp.AtTimeZone(this=value, zone=exp.Literal.string("UTC"))


def _time_shift(shift: ir.TimeShift, op: str, value: int) -> exp.Expression:
    """``ts +/- INTERVAL ... <op> ISO ...`` as Milvus 2.6 evaluates it (TimestamptzArithCompareExpr):
    the value's UTC civil second (fraction dropped), each part moved by the interval's and normalised
    like absl::CivilSecond (Jan 31 + 1 month is Mar 2 or 3, not Feb's last day), compared with the
    constant.  Postgres clamps ``+ 1 month`` to the end of a month, so the months are added to the
    first of the month and the rest of the value after:
    ``m + interval + (u - m)`` with ``u`` the value truncated to the second and ``m`` its month."""
    second = _call("DATE_TRUNC", exp.Literal.string("second"), _utc(_col(shift.target.name)))
    month = _call("DATE_TRUNC", exp.Literal.string("month"), _utc(_col(shift.target.name)))
    interval = exp.cast(exp.Literal.string(f"{shift.months} months {shift.days} days {shift.seconds} seconds"),
                        "INTERVAL")
    moved = exp.Add(this=exp.Add(this=month, expression=interval),
                    expression=_paren(exp.Sub(this=second, expression=month.copy())))
    return _SQL_OPS[op](this=_paren(moved), expression=_utc(_timestamptz(value)))


# -- per-predicate compilers -----------------------------------------------------------------
def _compare(pred: ir.Compare) -> exp.Expression:
    target = pred.target
    if isinstance(target, ir.TimeShift):
        return _time_shift(target, pred.op, pred.value)
    if isinstance(target, ir.Arith):
        if isinstance(target.target, ir.JsonRef):
            return _arith_json(target, pred.op, pred.value)
        return _arith_typed(target, pred.op, pred.value)
    if isinstance(target, ir.JsonRef):
        return _compare_json(pred.op, target, pred.value)
    if isinstance(target, ir.ArrayCol):
        return _SQL_OPS[pred.op](this=_col(target.name),
                                 expression=_array_literal(pred.value, target.element))
    if isinstance(target, ir.Length):
        inner = target.target
        if isinstance(inner, ir.ArrayCol):
            return _SQL_OPS[pred.op](this=_call("cardinality", _col(inner.name)),
                                     expression=_number(pred.value))
        path = f"{_jp_path(inner)}.size()"
        def size(op: str) -> exp.Expression:  # UNKNOWN for a value that is no array, also for `!=`
            return _known(inner, ["array"], _jsonpath(inner, _jp_cmp(path, op, pred.value)))
        return _under_not(lambda: size("==")) if pred.op == "!=" else size(pred.op)
    return _compare_typed(pred.op, target, pred.value)


def _compare_columns(pred: ir.CompareColumns) -> exp.Expression:
    dtype = pred.left.dtype
    return _cmp(pred.op, _scalar(pred.left)[0], _scalar(pred.right)[0], dtype)


def _between(pred: ir.Between) -> exp.Expression:
    lo_op = ">=" if pred.lower_inclusive else ">"
    hi_op = "<=" if pred.upper_inclusive else "<"
    target = pred.target
    if isinstance(target, ir.JsonRef):
        path = _jp_path(target)
        test = _jsonpath(target, f"{_jp_cmp(path, lo_op, pred.lower)} && "
                                 f"{_jp_cmp(path, hi_op, pred.upper)}")
        return _known(target, [_json_type(pred.lower), _json_type(pred.upper)],
                      _indexed_range(target, test, [(lo_op, pred.lower), (hi_op, pred.upper)]))
    sql, dtype = _scalar(target)
    both = exp.And(this=_cmp(lo_op, sql, _literal(pred.lower, dtype), dtype),
                   expression=_cmp(hi_op, sql.copy(), _literal(pred.upper, dtype), dtype))
    return _paren(both)


def _in_list(pred: ir.InList) -> exp.Expression:
    target = pred.target
    if not pred.values:
        if pred.negated and getattr(target, "nullable", False):  # a null field is UNKNOWN, never selected
            column = target.column if isinstance(target, ir.JsonRef) else target.name
            return exp.Not(this=exp.Is(this=_col(column), expression=exp.Null()))
        return exp.true() if pred.negated else exp.false()
    if isinstance(target, ir.JsonRef):
        path = _jp_path(target)
        cond = " || ".join(_jp_cmp(path, "==", v) for v in pred.values)

        def test() -> exp.Expression:
            return _known(target, map(_json_type, pred.values), _jsonpath(target, cond))
        return _under_not(test) if pred.negated else test()
    sql, dtype = _scalar(target)
    test = exp.In(this=sql, expressions=[_literal(v, dtype) for v in pred.values])
    if pred.negated:
        test = exp.Not(this=test)
    return test


#: Milvus 2.6's Json::exist: the key holds something other than null, {} or [] (nested all the way
#: down: {"b": null} and [[], {}] count as empty), i.e. at least one scalar that is not null.
_NON_EMPTY = '.** ? (@.type() != "null" && @.type() != "object" && @.type() != "array")'


def _exists(pred: ir.KeyExists) -> exp.Expression:
    return _jsonpath(pred.target, f"exists({_jp_path(pred.target)}{_NON_EMPTY})")


def _null_test(pred: ir.NullTest) -> exp.Expression:
    test = exp.Is(this=_col(pred.target.column if isinstance(pred.target, ir.JsonRef)
                            else pred.target.name), expression=exp.Null())
    return exp.Not(this=test) if pred.negated else test


def _contains(pred: ir.Contains) -> exp.Expression:
    target = pred.target
    if isinstance(target, ir.ArrayCol):
        column = _col(target.name)
        if pred.mode == "one" and target.name.endswith("]"):  # a struct sub-field: @>, which its GIN index serves
            return exp.ArrayContainsAll(this=column, expression=_array_literal(pred.values, target.element))
        if pred.mode == "one":
            return exp.EQ(this=_literal(pred.values[0], target.element),
                          expression=exp.Any(this=_paren(column)))
        array = _array_literal(pred.values, target.element)
        if pred.mode == "all":
            return exp.ArrayContainsAll(this=column, expression=array)
        return exp.ArrayOverlaps(this=column, expression=array)
    return _known(target, ["array"], _contains_json(pred.mode, target, pred.values))


def _contains_json(mode: str, ref: ir.JsonRef, values: tuple) -> exp.Expression:
    """Element equality on a JSON array (``@>`` would also match sub-arrays)."""
    path = _jp_path(ref)
    scalars = [v for v in values if not isinstance(v, (list, dict))]
    nested = [v for v in values if isinstance(v, (list, dict))]
    tests: list[exp.Expression] = []
    if scalars:
        # `exists(arr[*] ? (@ == v))` tests elements one by one: a plain `arr[*] == v`
        # is unknown in strict mode as soon as one element is an array or object.
        if mode == "any":
            any_of = " || ".join(f"@ == {_jp_value(v)}" for v in scalars)
            cond = f"exists({path}[*] ? ({any_of}))"
        else:
            cond = " && ".join(f"exists({path}[*] ? (@ == {_jp_value(v)}))" for v in scalars)
        tests.append(_jsonpath(ref, cond))
    for value in nested:
        tests.append(_element_equal(ref, value))
    if not tests:
        if mode == "any":
            return exp.false()
        return _jsonpath(ref, f'{path}.type() == "array"')
    if len(tests) == 1:
        return tests[0]
    combine = exp.or_ if mode == "any" else exp.and_
    return _paren(combine(*tests))


def _element_equal(ref: ir.JsonRef, value: Any) -> exp.Expression:
    array = _json_extract(ref)
    elements = exp.select(exp.Literal.number(1)).from_(
        exp.Table(this=_call("jsonb_array_elements", array.copy()),
                  alias=exp.TableAlias(this=exp.to_identifier("e")))).where(
        exp.EQ(this=exp.column("value", "e"), expression=_jsonb(value)))
    case = exp.Case(ifs=[exp.If(this=exp.EQ(this=_call("jsonb_typeof", array),
                                            expression=exp.Literal.string("array")),
                                true=exp.Exists(this=elements))], default=exp.false())
    return _two_valued(ref, case) if ref.nullable else case


def _text_match(pred: ir.TextMatch) -> exp.Expression:
    if pred.terms is not None:  # ("out" -> 't') ?| ARRAY[tokens]: the GIN index of BM25 serves it
        if len(pred.tokens) < pred.minimum:
            return exp.false()

        def stored() -> exp.Expression:
            return _stored(pred.terms, "t")
        any_of = exp.JSONBContainsAnyTopKeys(this=stored(), expression=exp.cast(
            exp.Literal.string(token_array(pred.tokens)), "TEXT[]"))
        if pred.minimum == 1:
            return any_of
        held = [exp.cast(exp.JSONBContainsTopKey(this=stored(), expression=exp.Literal.string(t)), "INT")
                for t in pred.tokens]
        count = held[0]
        for item in held[1:]:
            count = exp.Add(this=count, expression=item)
        return exp.and_(any_of, exp.GTE(this=_paren(count), expression=exp.Literal.number(pred.minimum)))
    tokens = [t for t in re.findall(r"\w+", pred.query.lower()) if t != "or"]
    if not tokens:
        return exp.false()
    query = _call("websearch_to_tsquery", exp.Literal.string("simple"),
                  exp.Literal.string(" or ".join(dict.fromkeys(tokens))))
    return exp.MatchAgainst(this=query, expressions=[_tsvector(pred.column)])


def _text_match_fuzzy(pred: ir.TextMatchFuzzy) -> exp.Expression:
    """The catalog's test of the row's stored tokens against the query's (021_text_match_fuzzy.sql):
    no index narrows an edit distance, so it runs on every row the rest of the filter leaves."""
    if not pred.tokens:
        return exp.false()
    return _catalog_call("text_match_fuzzy", _stored(pred.terms, "t"),
                         exp.cast(exp.Literal.string(token_array(pred.tokens)), "TEXT[]"),
                         exp.Literal.number(pred.distance))


def _phrase_match(pred: ir.PhraseMatch) -> exp.Expression:
    if pred.stored is not None:  # rows holding every token (the GIN index), then their positions
        tokens = exp.Array(expressions=[exp.Literal.string(t) for t in pred.tokens])
        every = exp.JSONBContainsAllTopKeys(this=_stored(pred.stored, "t"), expression=tokens.copy())
        offsets = exp.Array(expressions=[exp.Literal.number(p) for p in pred.offsets])
        placed = _catalog_call("phrase_match", _stored(pred.stored, "p"), tokens, exp.cast(offsets, "INT[]"),
                               exp.Literal.number(pred.slop))
        return exp.and_(every, placed)
    query = _call("phraseto_tsquery", exp.Literal.string("simple"), exp.Literal.string(pred.phrase))
    return exp.MatchAgainst(this=query, expressions=[_tsvector(pred.column)])


def token_array(tokens: Iterable[str]) -> str:
    """The ``text[]`` input text of the distinct ``tokens``, each quoted (any token is one element):
    one literal the filter binder (bind.py) can give as a parameter instead."""
    quoted = ('"' + t.replace("\\", "\\\\").replace('"', '\\"') + '"' for t in dict.fromkeys(tokens))
    return "{" + ",".join(quoted) + "}"


def _stored(column: str, key: str) -> exp.Expression:
    """``("column" -> 'key')``: a stored tokens column's part (ddl.match_column, BM25 terms)."""
    return _paren(exp.JSONExtract(this=_col(column), expression=exp.JSONPath(
        expressions=[exp.JSONPathRoot(), exp.JSONPathKey(this=key)]), only_json_types=True))


def _tsvector(column: str) -> exp.Expression:
    return _call("to_tsvector", exp.Literal.string("simple"), _col(column))


def _spatial(pred: ir.Spatial) -> exp.Expression:
    """``pk = ANY('{matching keys}')`` (spatial.py); under a ``not``, ``CASE WHEN geo IS NULL THEN
    NULL ELSE ... END``, so a NULL geometry stays NULL there as in segcore.  The keys are the rows'
    of now, so nothing built from this SQL is kept (cache.per_call)."""
    scope = spatial.current()
    if scope is None:
        detail, code = spatial.unavailable(pred.op.upper())
        raise SyntaxProblem(detail, whole=True, code=code)
    cache.per_call()
    keys = spatial.matching_keys(pred.op, pred.column, pred.wkt, pred.distance, _spatial_rows.get())
    if scope.int_keys:
        listed = exp.cast(exp.Literal.string("{" + ",".join(str(int(k)) for k in keys) + "}"), "BIGINT[]")
    else:
        listed = exp.cast(exp.Literal.string(token_array(keys)), "TEXT[]")
    matched = exp.EQ(this=_col(scope.pk), expression=exp.Any(this=_paren(listed)))
    if not _negated.get():  # NULL and FALSE select alike: the bare test, which the key's index serves
        return matched
    return exp.Case(ifs=[exp.If(this=exp.Is(this=_col(pred.column), expression=exp.Null()),
                                true=exp.Null())], default=matched)


def _random_sample(pred: ir.RandomSample) -> exp.Expression:
    return exp.LT(this=_call("random"), expression=_number(pred.fraction))


def _elements_where(column: str, pred: "ir.Pred", negate: bool = False) -> exp.Select:
    """``SELECT 1 FROM generate_subscripts("S[a]", 1) AS "$g"("$i") WHERE [NOT] (pred)``: the
    elements of the row's struct array where ``pred`` (or its negation) is TRUE; ``pred`` is
    compiled on its own (TRUE selects; NULL, never produced by sub-fields, skips)."""
    token = _negated.set(False)
    placed = _position.set(exp.column(SUBSCRIPT, ELEMENTS, quoted=True))
    try:
        cond = _compile(pred)
    finally:
        _negated.reset(token)
        _position.reset(placed)
    if negate:
        cond = exp.Not(this=_paren(cond))
    source = exp.Table(this=_call("generate_subscripts", _col(column), exp.Literal.number(1)),
                       alias=exp.TableAlias(this=exp.to_identifier(ELEMENTS, quoted=True),
                                            columns=[exp.to_identifier(SUBSCRIPT, quoted=True)]))
    return exp.select(exp.Literal.number(1)).from_(source).where(cond)


def _element_filter(pred: ir.ElementFilter) -> exp.Expression:
    """As a row condition (delete, row-level search): the row has a selected element."""
    return exp.Exists(this=_elements_where(pred.column, pred.pred))


def _match(pred: ir.Match) -> exp.Expression:
    """MATCH_* (ir.Match): EXISTS for any, NOT EXISTS of a failing element for all, else the count
    of TRUE elements compared with the threshold; never NULL (a NULL array has no elements)."""
    if pred.kind == "any":
        return exp.Exists(this=_elements_where(pred.column, pred.pred))
    if pred.kind == "all":
        return exp.Not(this=exp.Exists(this=_elements_where(pred.column, pred.pred, negate=True)))
    counted = _elements_where(pred.column, pred.pred)
    counted.set("expressions", [exp.Count(this=exp.Star())])
    op = {"least": exp.GTE, "most": exp.LTE, "exact": exp.EQ}[pred.kind]
    return op(this=exp.Subquery(this=counted), expression=exp.Literal.number(pred.count))


def _logic(pred: ir.Logic) -> exp.Expression:
    if pred.op == "and" and any(isinstance(item, ir.Spatial) for item in pred.items):
        return _and_spatial(pred.items)
    items = [_compile(item) for item in pred.items]
    combine = exp.and_ if pred.op == "and" else exp.or_
    return combine(*items, copy=False)


def _and_spatial(items: tuple["ir.Pred", ...]) -> exp.Expression:
    """An ``and`` holding spatial tests: its other operands first, so that the spatial pass reads
    only the rows where the ``and`` may hold: where they are TRUE, or, under a ``not`` (where a
    NULL ``and`` differs from a FALSE one), where none is FALSE (``x IS NOT FALSE``, which no index
    serves).  ``random_sample`` draws anew, so it restricts nothing."""
    compiled = {i: _compile(item) for i, item in enumerate(items) if not isinstance(item, ir.Spatial)}
    negated = _negated.get()
    kept = [exp.Not(this=exp.Is(this=_paren(sql.copy()), expression=exp.false())) if negated else _paren(sql.copy())
            for i, sql in compiled.items() if not isinstance(items[i], ir.RandomSample)]
    token = _spatial_rows.set(exp.and_(*kept).sql(dialect="postgres") if kept else None)
    try:
        parts = [compiled[i] if i in compiled else _compile(item) for i, item in enumerate(items)]
    finally:
        _spatial_rows.reset(token)
    return exp.and_(*parts, copy=False)


def _negate(pred: ir.Negate) -> exp.Expression:
    return _under_not(lambda: _compile(pred.item))


_COMPILERS: dict[type, Callable[[Any], exp.Expression]] = {
    ir.Compare: _compare, ir.CompareColumns: _compare_columns, ir.Between: _between,
    ir.InList: _in_list, ir.LikeMatch: _like, ir.RegexMatch: _regex, ir.KeyExists: _exists,
    ir.NullTest: _null_test,
    ir.Contains: _contains, ir.TextMatch: _text_match, ir.TextMatchFuzzy: _text_match_fuzzy,
    ir.PhraseMatch: _phrase_match, ir.FunctionCall: _function_call, ir.Spatial: _spatial,
    ir.RandomSample: _random_sample, ir.Logic: _logic, ir.Negate: _negate,
    ir.ElementFilter: _element_filter, ir.Match: _match,
    ir.Truth: lambda pred: exp.true() if pred.value else exp.false(),
}
