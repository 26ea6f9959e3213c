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
"""

from __future__ import annotations

from typing import Optional

from sqlglot import exp

from ..errors import ParamError
from ..schema import CollectionSchema
from . import cache
from .compile import to_sql
from .errors import FilterError, SyntaxProblem
from .parser import parse
from .typecheck import check

__all__ = ["FilterError", "compile_filter", "filter_sql", "plan_sql", "parse_filter", "clear_cache"]


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
              json_indexes: frozenset = frozenset()) -> Optional[tuple[exp.Expression, str]]:
    if params is not None and not isinstance(params, dict):
        raise FilterError(expr, f"filter_params must be a dict, got {type(params).__name__}")
    key = (cache.schema_key(schema), expr, cache.params_key(params), json_indexes)

    def build():
        tree = parse_filter(expr)
        if tree is None:
            return None
        try:
            pred = check(tree, schema, params, expr)
            sql = to_sql(pred, json_indexes)
        except SyntaxProblem as problem:
            raise problem.to_filter_error(expr) from None
        except RecursionError:
            raise FilterError(expr, "expression is nested too deeply") from None
        return sql, sql.sql(dialect="postgres")

    return cache.compile_cache.get_or_build(key, build)


def compile_filter(expr: str, schema: CollectionSchema,
                   params: Optional[dict] = None) -> Optional[exp.Expression]:
    """A boolean sqlglot expression for Milvus filter ``expr``; None if it is empty.

    Raises FilterError (code 1100) for anything Milvus would reject.  The
    returned tree is a private copy: callers may embed or mutate it.
    """
    compiled = _compiled(expr, schema, params)
    return None if compiled is None else compiled[0].copy()


def filter_sql(expr: str, schema: CollectionSchema, params: Optional[dict] = None,
               json_indexes: frozenset = frozenset()) -> Optional[str]:
    """The Postgres SQL text of :func:`compile_filter` (cached), or None."""
    compiled = _compiled(expr, schema, params, json_indexes)
    return None if compiled is None else compiled[1]


def plan_sql(expr: str, schema: CollectionSchema, params: Optional[dict],
             operation: str, json_indexes: frozenset = frozenset()) -> Optional[str]:
    """:func:`filter_sql` for a query, search or delete plan: Milvus's argument check and error shape.

    ``operation`` names the plan in errors: ``failed to create <operation> plan: ...``.
    ``json_indexes``: the collection's B-tree-indexed JSON paths (json_index.indexed_paths).
    """
    if not expr or not expr.strip():
        return None
    if params is not None and not isinstance(params, dict):
        raise ParamError(message=f"filter_params must be a dict, got {type(params).__name__}")
    try:
        return filter_sql(expr, schema, params, json_indexes)
    except FilterError as exc:
        raise exc.wrap(f"failed to create {operation} plan") from None


def clear_cache() -> None:
    cache.clear()
