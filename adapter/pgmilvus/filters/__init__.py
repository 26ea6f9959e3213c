"""Milvus boolean filter expressions compiled to Postgres SQL (see docs/filters.md).

Pipeline: :mod:`.lexer` -> :mod:`.parser` (tree of :mod:`.ast` nodes, cached
by text) -> :mod:`.typecheck` (Milvus's rules against the collection schema,
giving :mod:`.ir` predicates) -> :mod:`.compile` (sqlglot builders) ->
:mod:`.cache` (compiled once per schema, text and params).

Callers::

    where = compile_filter(filter, schema, filter_params)   # exp.Expression | None
    sql = filter_sql(filter, schema, filter_params)          # str | None
    try: ...
    except FilterError as e:
        raise e.wrap("failed to create query plan")         # Milvus's message shape

The expression references columns unqualified and quoted (``"i"``,
``"$meta"``); it contains literals only, no bind parameters.

A filter holding ``element_filter(S, P)`` compiles, through these, to its row-level meaning
(rows with a selected element); element-level reads take it apart with
:func:`element_split` (elements.py): the row-level SQL and P at an element position.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Optional

from sqlglot import exp

from ..data.timestamps import DEFAULT_TIMEZONE
from ..errors import ParamError
from ..schema.model import CollectionSchema
from ..types import DataType
from . import ast, cache, ir, isolation, spatial
from .compile import to_sql
from .elements import ElementSplit, element_split
from .errors import FilterError, SyntaxProblem, reported
from .parser import parse
from .typecheck import check, resolve

__all__ = ["FilterError", "compile_filter", "filter_sql", "plan_sql", "parse_filter", "sample_split",
           "identifier", "clear_cache", "element_split", "ElementSplit", "has_spatial", "spatial_scope"]


def parse_filter(expr: str):
    """The parse tree of ``expr`` (cached by text); None for an empty filter."""
    if not isinstance(expr, str):
        raise FilterError(str(expr), f"the filter must be a str, got {type(expr).__name__}")

    def build():
        try:
            expr.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise FilterError(expr.encode("utf-8", "backslashreplace").decode(),
                              "the filter is not valid unicode (lone surrogate)",
                              exc.start + 1) from None
        try:
            return parse(expr)
        except SyntaxProblem as problem:
            raise problem.to_filter_error(expr) from None
        except RecursionError:
            raise FilterError(expr, "expression is nested too deeply") from None

    return cache.parse_cache.get_or_build(expr, build)


def _compiled(expr: str, schema: CollectionSchema, params: Optional[dict],
              json_indexes: frozenset = frozenset(),
              timezone: str = DEFAULT_TIMEZONE) -> Optional[tuple[exp.Expression, str]]:
    if params is not None and not isinstance(params, dict):
        raise FilterError(expr, f"filter_params must be a dict, got {type(params).__name__}")
    key = (cache.schema_key(schema), expr, cache.params_key(params), json_indexes, timezone)

    def build():
        tree = parse_filter(expr)
        if tree is None:
            return None
        pred = reported(expr, lambda: check(tree, schema, params, expr, timezone))
        if has_spatial(expr):
            return _Checked(pred)  # its SQL names the rows matched now: made per call, below
        sql = reported(expr, lambda: to_sql(pred, json_indexes))
        return sql, sql.sql(dialect="postgres")

    found = cache.compile_cache.get_or_build(key, build)
    if isinstance(found, _Checked):
        sql = reported(expr, lambda: to_sql(found.pred, json_indexes))
        return sql, sql.sql(dialect="postgres")
    return found


class _Checked:
    """A spatial filter's checked predicate, kept in place of its SQL (_compiled)."""

    __slots__ = ("pred",)

    def __init__(self, pred: "ir.Pred") -> None:
        self.pred = pred


def has_spatial(expr: Any) -> bool:
    """Whether filter ``expr`` calls a spatial function (ST_WITHIN ...): its SQL is made per call,
    against the rows of the read (spatial.rows), so no plan holding it may be kept."""
    if not spatial.may_hold(expr):
        return False

    def walk(node: Any) -> bool:
        if isinstance(node, ast.Call) and node.name in spatial.NAMES:
            return True
        if isinstance(node, tuple):
            return any(walk(item) for item in node)
        if isinstance(node, ast.Node):
            return any(walk(getattr(node, slot)) for slot in node.__slots__)
        return False

    def build() -> bool:
        try:
            return walk(parse_filter(expr))
        except FilterError:
            return False  # the read itself raises the parse error
    return cache.parse_cache.get_or_build(("spatial", expr), build)


def spatial_scope(conn: Any, info: Any, *exprs: Any) -> contextlib.AbstractContextManager:
    """Around a read (or delete) of collection ``info`` on ``conn``: its spatial filters among
    ``exprs`` compile against its rows (spatial.rows); a no-op for every other filter."""
    if not any(has_spatial(expr) for expr in exprs):
        return contextlib.nullcontext()
    pk = info.schema.primary_field
    boxed = frozenset(index.field_name for index in info.indexes  # RTREE: a GiST index of boxes (026_wkt_box.sql)
                      if index.index_type in ("RTREE", "AUTOINDEX") and index.pg_index_name
                      and getattr(info.schema.field(index.field_name), "dtype", None) == DataType.GEOMETRY)
    return spatial.rows(conn, info.schema_name, info.table_name, pk.name, pk.dtype == DataType.INT64, boxed)


def identifier(text: str, schema: CollectionSchema) -> Optional[tuple[str, tuple]]:
    """The column and key path ``text`` names when it is one field, JSON path, array element or
    dynamic key (``f``, ``j["k"][0]``, ``color``), as Milvus's ParseIdentifier reads it; None
    when it is anything else or names nothing ("cannot parse identifier")."""
    try:
        tree = parse(text)
        if not isinstance(tree, (ast.Ident, ast.Path)):
            return None
        found = resolve(tree, schema)
    except (SyntaxProblem, RecursionError):
        return None
    if isinstance(found, ir.JsonRef):
        return found.column, found.keys
    if isinstance(found, ir.ArrayElem):
        return found.array.name, (found.index,)
    return found.name, ()


def isolation_problem(expr: str, schema: CollectionSchema, params: Optional[dict] = None,
                      timezone: str = DEFAULT_TIMEZONE) -> Optional[str]:
    """Under partition key isolation, Milvus's refusal of a search filter (isolation.py), or None.
    The filter itself was compiled first, so it parses and types."""
    key = schema.partition_key_field
    if key is None:
        return None
    tree = parse_filter(expr)
    try:
        pred = check(tree, schema, params, expr, timezone) if tree is not None else None
    except SyntaxProblem as problem:
        raise problem.to_filter_error(expr) from None
    return isolation.problem(pred, key.name)


def compile_filter(expr: str, schema: CollectionSchema, params: Optional[dict] = None,
                   timezone: str = DEFAULT_TIMEZONE) -> Optional[exp.Expression]:
    """A boolean sqlglot expression for Milvus filter ``expr``; None if it is empty.

    Raises FilterError (code 1100) for anything Milvus would reject.  The
    returned tree is a private copy: callers may embed or mutate it.
    ``timezone``: the zone of an ``ISO '...'`` timestamp without an offset (the read's
    ``timezone``, else the collection's property; timestamps.read_timezone).
    """
    compiled = _compiled(expr, schema, params, timezone=timezone)
    return None if compiled is None else compiled[0].copy()


def filter_sql(expr: str, schema: CollectionSchema, params: Optional[dict] = None,
               json_indexes: frozenset = frozenset(), timezone: str = DEFAULT_TIMEZONE) -> Optional[str]:
    """The Postgres SQL text of :func:`compile_filter` (cached), or None."""
    compiled = _compiled(expr, schema, params, json_indexes, timezone)
    return None if compiled is None else compiled[1]


def plan_sql(expr: str, schema: CollectionSchema, params: Optional[dict],
             operation: str, json_indexes: frozenset = frozenset(),
             timezone: str = DEFAULT_TIMEZONE, request: str = "query") -> Optional[str]:
    """:func:`filter_sql` for a query, search or delete plan: Milvus's argument check and error shape.

    ``operation`` names the plan in errors: ``failed to create <operation> plan: ...``.
    ``json_indexes``: the collection's B-tree-indexed JSON paths (json_index.indexed_paths).
    ``timezone``: of ``ISO`` timestamps without an offset (query/search: the call's ``timezone``,
    else the collection's; delete: the collection's, as Milvus 2.6's proxy).
    ``request``: "search" or "query" (delete too), whose query node words a segcore refusal
    (FilterError.wrap); a search's plan is a query plan to the proxy.
    """
    if not expr or not expr.strip():
        return None
    if params is not None and not isinstance(params, dict):
        raise ParamError(message=f"filter_params must be a dict, got {type(params).__name__}")
    try:
        return filter_sql(expr, schema, params, json_indexes, timezone)
    except FilterError as exc:
        raise exc.wrap(f"failed to create {operation} plan", request) from None


def sample_split(expr: str, schema: CollectionSchema, params: Optional[dict], operation: str,
                 json_indexes: frozenset = frozenset(),
                 timezone: str = DEFAULT_TIMEZONE) -> Optional[tuple[Optional[str], float]]:
    """For a filter ending in ``random_sample(f)``: (the SQL of the rest of it, or None; f), else None.

    random_sample may only be the whole filter or the last operand of a top-level and
    (typecheck), so the rest is an ordinary filter: a caller that knows the table can take
    exactly ``max(1, int(n * f))`` of its n rows, as Milvus does (reads.sample_condition).
    """
    if not isinstance(expr, str) or "random_sample" not in expr.lower():
        return None
    return split_filter(expr, schema, params, operation, json_indexes, timezone, ir.RandomSample,
                        lambda rest, sample: (rest, sample.fraction))


def split_filter(expr: str, schema: CollectionSchema, params: Optional[dict], operation: str,
                 json_indexes: frozenset, timezone: str, kind: type, make: Callable[[Optional[str], Any], Any]) -> Any:
    """``make(SQL of the rest or None, the last operand)`` for a filter that is an ir ``kind``
    (random_sample, element_filter) or a top-level ``and`` ending in one, cached; None for any
    other filter; Milvus's errors as :func:`plan_sql` gives them."""
    if params is not None and not isinstance(params, dict):
        raise ParamError(message=f"filter_params must be a dict, got {type(params).__name__}")
    key = (kind.__name__, cache.schema_key(schema), expr, cache.params_key(params), json_indexes, timezone)

    def build():
        tree = parse_filter(expr)

        def split():
            found = ir.split_last(check(tree, schema, params, expr, timezone) if tree is not None else None, kind)
            if found is None:
                return False  # the function's name was only a field name or in a string
            rest, last = found
            return make(None if rest is None else to_sql(rest, json_indexes).sql(dialect="postgres"), last)
        return reported(expr, split)

    try:
        found = cache.compile_cache.get_or_build(key, build)
    except FilterError as exc:
        request = "search" if operation == "search" else "query"
        raise exc.wrap(f"failed to create {operation} plan", request) from None
    return found or None


def clear_cache() -> None:
    cache.clear()
