"""get / query / query_iterator: SQL for reads and pymilvus's result shapes.

Rows come back ordered by primary key (Milvus's order is segment order,
i.e. unspecified; a stable order is what lets query_iterator page by key),
or by the fields of ``order_by_fields`` (order_by.py), then the key; a query
with aggregates or ``group_by_fields`` returns groups instead (aggregates.py).
Milvus's limits are kept for compatibility (an empty filter needs a limit,
offset + limit <= 16384), with its messages; query_iterator pages by primary
key instead (``pk > last``), so it reads any number of rows in constant
memory without a window.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence, Union

import psycopg
from psycopg import sql

from ..catalog.store import CollectionInfo, revision_guard
from ..filters import element_split, plan_sql, sample_split, spatial_scope
from ..filters.compile import ELEMENTS, SUBSCRIPT
from ..filters.elements import is_element_level
from ..errors import (DataTypeNotMatchException, ErrorCode, MilvusException, ParamError, collection_replaced, illegal,
                     invalid_parameter)
from .outputs import OutputPlan, output_plan
from .results import HybridExtraList
from ..types import DataType
from . import aggregates, bound_filters, order_by, timestamps, values
from ..schema import ddl, names
from ..catalog import json_index, segments, ttl
from ..catalog.properties import TOPK_LIMIT, topk_limit
from ..pg import statements

MAX_WINDOW = TOPK_LIMIT
MAX_BATCH_SIZE = 16384


# -- argument checks --------------------------------------------------------------------------

def check_filter_type(expr: Any) -> str:
    if expr is None:
        return ""
    if not isinstance(expr, str):
        raise DataTypeNotMatchException(message=f"The type of expr must be string ,but {type(expr)} is given.")
    return expr


def normalize_ids(ids: Any) -> list[Any]:
    """``ids`` as a list, checked like pymilvus (int or str elements)."""
    if isinstance(ids, (int, str)) and not isinstance(ids, bool):
        return [ids]
    if not isinstance(ids, (list, tuple)):
        raise TypeError(f"wrong type of argument ids, expect list, int or str, got '{type(ids).__name__}'")
    for item in ids:
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            import numpy as np

            if isinstance(item, np.integer):
                continue
            raise TypeError(f"wrong type of argument ids, expect list, int or str, got '{type(item).__name__}'")
    return [int(i) if not isinstance(i, str) else i for i in ids]


#: What Go's strconv.ParseInt takes.
_INT64_TEXT = re.compile(r"[+-]?[0-9]+")


def _int_param(name: str, value: Any) -> int:
    """pymilvus sends ``str(value)`` and Milvus's proxy parses it as an int64 (so ``"10"`` is 10)."""
    text = str(value)
    if not _INT64_TEXT.fullmatch(text):
        raise invalid_parameter(f'{name} [{text}] is invalid, strconv.ParseInt: parsing "{text}": invalid syntax')
    return int(text)


def _client_int(name: str, value: Any) -> int:
    """pymilvus's own check of the iterators' integer arguments (client side: a ParamError)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise illegal(name, value, "it should be an int")
    return value


def _window_error(detail: str) -> MilvusException:
    return invalid_parameter(f"invalid max query result window, {detail}")


def window(limit: Any, offset: Any, maximum: int = MAX_WINDOW) -> tuple[Optional[int], int]:
    """Milvus's query pagination rules (the proxy's validateMaxQueryResultWindow; ``maximum`` is
    1,000,000 for a ``query_mode: large_topk`` collection); returns (limit or None, offset). An
    offset without a limit is ignored, as Milvus ignores it (it pages nothing).
    """
    limit = None if limit is None else _int_param("limit", limit)
    offset = 0 if offset is None else _int_param("offset", offset)
    if offset < 0:
        raise _window_error(f"offset [{offset}] is invalid, should be gte than 0")
    if limit is None:
        return None, 0
    if limit <= 0:
        raise _window_error(f"limit [{limit}] is invalid, should be greater than 0")
    if limit + offset > maximum:
        raise _window_error(f"(offset+limit) should be in range [1, {maximum}], but got {limit + offset}")
    return limit, offset


# -- filters ----------------------------------------------------------------------------------

def compile_where(info: CollectionInfo, expr: str, filter_params: Optional[dict],
                  operation: str = "query") -> Optional[sql.Composable]:
    """The WHERE condition of a Milvus filter (None for an empty one), errors prefixed like Milvus's
    ``failed to create <operation> plan: ...``."""
    text = plan_sql(expr, info.schema, filter_params, operation, json_index.indexed_paths(info),
                    timestamps.collection_timezone(info.properties))  # delete: the collection's zone, as 2.6
    return None if text is None else sql.SQL(text)


def ids_param(info: CollectionInfo, ids: list[Any]) -> list[Any]:
    """The values of ``ids`` checked against the primary key's type (bound as ``%(ids)s``)."""
    return values.pk_values(info.schema.primary_field, ids, "query")


def partition_where(info: CollectionInfo, partition_names: Any) -> Optional[sql.Composable]:
    """Restrict to the named partitions (None: all); unknown names fail as Milvus's query does."""
    if partition_names is None:
        return None
    if isinstance(partition_names, str):
        partition_names = [partition_names]
    if not isinstance(partition_names, (list, tuple)) or not all(isinstance(p, str) for p in partition_names):
        raise ParamError(message=f"partition_names must be a list of str, got {partition_names!r}")
    if not partition_names:
        return None
    if info.schema.partition_key_field is not None:  # Milvus's query refuses them before any lookup
        raise invalid_parameter("not support manually specifying the partition names if partition key "
                                "mode is used")
    for name in partition_names:
        if info.partition(name) is None:
            names.partition_name(name, strict=False)  # Milvus's query checks the name before looking it up
            raise MilvusException(ErrorCode.SERVER_ERROR, f"partition name {name} not found")
    return sql.SQL("{} = ANY({})").format(sql.Identifier(ddl.PARTITION_COLUMN), sql.Literal(list(partition_names)))


def _and(parts: Sequence[Optional[sql.Composable]]) -> sql.Composable:
    conds = [sql.SQL("({})").format(p) for p in parts if p is not None]
    return sql.SQL(" AND ").join(conds) if conds else sql.SQL("TRUE")


# -- query ------------------------------------------------------------------------------------

@dataclass
class Select:
    """The parts of a read's statement that do not change from call to call, composed once.

    A read's statement is ``head`` + its own condition (the compiled filter, or
    a bound array of ids) + ``tail``: the columns, the table, the partitions,
    the revision guard, the order and the window come from the shape of the
    request and are kept on the collection's description (``CollectionInfo.plans``),
    so a repeated read only joins bytes.  Bound values (ids, the iterator's last
    key) keep the statement's text the same, and statements.fetch_all prepares
    it from its second use.
    """

    plan: Union[OutputPlan, "aggregates.AggPlan"]
    head: bytes
    tail: bytes


def select_for(conn: psycopg.Connection, info: CollectionInfo, output_fields: Optional[Sequence[str]],
               partition_names: Any, limit: Optional[int], offset: int, after: bool = False,
               render: Optional[timestamps.Rendering] = None, ignore_growing: bool = False,
               order: tuple[order_by.SortKey, ...] = (), element: Optional[str] = None) -> Select:
    """The Select of one request shape (``after``: pages continue after ``%(after)s``, by key;
    ``render``: the TIMESTAMPTZ zone and time_fields, the collection's zone by default;
    ``ignore_growing``: sealed segments only; ``order``: sorted by these keys, not the key alone;
    ``element``: an element-level read of the struct array whose first sub-field column this is
    (``element_source``): one row per element, its 0-based index selected last, ordered by key
    then index, and ``after`` continues after ``(%(after)s, %(after_offset)s)``)."""
    render = render or timestamps.rendering(info.properties)
    return _remembered(info, lambda: ("query", tuple(output_fields) if output_fields is not None else None,
                                      _names(partition_names), limit, offset, after, render, ignore_growing, order,
                                      element),
                       lambda: _plain_select(conn, info, output_fields, partition_names, limit, offset, after,
                                             render, ignore_growing, order, element))


def _remembered(info: CollectionInfo, key: Callable[[], Any], build: Callable[[], Select]) -> Select:
    """The Select of a request shape, built once and kept on the collection's description
    (``key()``: the shape; an argument that is not hashable builds it every time)."""
    try:
        shape = key()
        hash(shape)
    except TypeError:
        return build()
    found = info.plans.get(shape)
    if found is None:
        found = build()
        bound_filters.remember(info.plans, shape, found)
    return found


def _names(partition_names: Any) -> Any:
    return tuple(partition_names) if isinstance(partition_names, (list, tuple)) else partition_names


def _plain_select(conn: psycopg.Connection, info: CollectionInfo, output_fields: Optional[Sequence[str]],
                  partition_names: Any, limit: Optional[int], offset: int, after: bool,
                  render: timestamps.Rendering, ignore_growing: bool,
                  order: tuple[order_by.SortKey, ...], element: Optional[str] = None) -> Select:
    plan = output_plan(info.schema, output_fields, timezone=render[0], time_fields=render[1])
    pk = sql.Identifier(info.schema.primary_field.name)
    items = plan.select_sql()
    if element is not None and not plan.count:
        items = sql.SQL("{}, {} - 1").format(items, _SUBSCRIPT)
    head = sql.SQL("SELECT {} FROM {} WHERE ").format(items, element_source(info, element))
    fixed = _scope(info, partition_names, ignore_growing)
    if after:
        fixed.append(sql.SQL("{} > %(after)s").format(pk) if element is None else
                     sql.SQL("{0} >= %(after)s AND ({0}, {1}) > (%(after)s, %(after_offset)s + 1)").format(
                         pk, _SUBSCRIPT))  # the first half for the key's index
    tail = sql.SQL("")
    if not plan.count:
        tail = order_by.order_sql(order, info.schema.primary_field.name) if order else sql.SQL(" ORDER BY {}").format(
            pk)
        if element is not None:
            tail += sql.SQL(", {}").format(_SUBSCRIPT)
        if limit is not None:
            tail += sql.SQL(" LIMIT {}").format(sql.Literal(limit))
        if offset:
            tail += sql.SQL(" OFFSET {}").format(sql.Literal(offset))
    return Select(plan, head.as_bytes(conn), b" AND " + _and(fixed).as_bytes(conn) + tail.as_bytes(conn))


#: The element subscript of an element-level read (1-based), from ``element_source``.
_SUBSCRIPT = sql.Identifier(ELEMENTS, SUBSCRIPT)


def element_source(info: CollectionInfo, element: Optional[str]) -> sql.Composable:
    """The FROM of a read: the table, and for an element-level read (``element``: the first
    sub-field column of the element_filter's struct array) one row per element,
    ``CROSS JOIN LATERAL generate_subscripts("S[a]", 1) AS "$g"("$i")`` (no rows for a NULL or
    empty struct array)."""
    table = sql.Identifier(info.schema_name, info.table_name)
    if element is None:
        return table
    return sql.SQL("{} CROSS JOIN LATERAL generate_subscripts({}, 1) AS {}({})").format(
        table, sql.Identifier(element), sql.Identifier(ELEMENTS), sql.Identifier(SUBSCRIPT))


def _scope(info: CollectionInfo, partition_names: Any, ignore_growing: bool) -> list[Optional[sql.Composable]]:
    """The conditions every read of a request shape adds to its own: the partitions, the revision
    guard, live rows (TTL), and sealed segments only for ``ignore_growing``."""
    fixed = [partition_where(info, partition_names), revision_guard(info), ttl.live(info)]
    sealed = segments.sealed_only(info) if ignore_growing else None
    if sealed is not None:
        fixed.append(sealed)
    return fixed


def aggregate_select(conn: psycopg.Connection, info: CollectionInfo, output_fields: Any, group_by: Sequence[str],
                     order: Sequence[str], partition_names: Any, limit: Optional[int], offset: int,
                     render: timestamps.Rendering, ignore_growing: bool = False,
                     element: Optional[str] = None) -> Select:
    """The Select of an aggregating query (its ``plan`` an aggregates.AggPlan): its columns, the
    table, the scope of ``select_for``, then GROUP BY, the order of the groups and the window; the
    plan and the statement are made once per request shape, as ``select_for``'s."""
    def build() -> Select:
        agg, keys = aggregates.plan(info.schema, output_fields, group_by, order, render)
        head = sql.SQL("SELECT {} FROM {} WHERE ").format(agg.select_sql(), element_source(info, element))
        tail = (b" AND " + _and(_scope(info, partition_names, ignore_growing)).as_bytes(conn)
                + agg.tail_sql(keys, limit, offset).as_bytes(conn))
        return Select(agg, head.as_bytes(conn), tail)

    return _remembered(info, lambda: ("aggregate", tuple(output_fields) if isinstance(output_fields, (list, tuple))
                                      else output_fields, tuple(group_by), tuple(order), _names(partition_names),
                                      limit, offset, render, ignore_growing, element), build)


@dataclass(frozen=True)
class Condition:
    """A read's own condition (statement text), its bound values, and whether the statement may be
    prepared (prepared from its second use; see statements)."""

    text: bytes
    params: dict[str, Any]
    prepare: bool = True


def condition(info: CollectionInfo, filter: str, filter_params: Optional[dict],
              ids: Optional[list[Any]], timezone: str = timestamps.DEFAULT_TIMEZONE) -> Condition:
    """The statement's own condition and its bound values: the ids, the filter, or none.
    ``timezone``: the read's (timestamps.read_timezone), for ``ISO`` times without an offset."""
    if ids is not None:
        return Condition(_ids_condition(info.schema.primary_field.name, info.schema.primary_field.dtype),
                         {"ids": ids_param(info, ids)})
    if filter and not filter_params and isinstance(filter, str):
        found = bound_filters.condition(info, filter)
        if found is not None:
            if found.prepare:
                return Condition(b"(" + found.text + b")", found.params)
            return Condition(b"(" + found.inline(found.text) + b")", {})
    text = plan_sql(filter, info.schema, filter_params, "query", json_index.indexed_paths(info), timezone)
    if text is None:
        return Condition(b"TRUE", {})
    # The filter holds literals only; a % in them must not be read as a placeholder.
    return Condition(b"(" + text.replace("%", "%%").encode() + b")", {})


def sample_condition(conn: psycopg.Connection, info: CollectionInfo, filter: str,
                     filter_params: Optional[dict], partition_names: Any,
                     timezone: str = timestamps.DEFAULT_TIMEZONE) -> Optional[bytes]:
    """A query's ``... and random_sample(f)``, taken exactly as Milvus does: ``max(1, int(n * f))``
    of the n rows the rest of the filter matches (in the queried partitions); None for other filters.

    The keys are drawn by ``ORDER BY random() LIMIT k`` with k counted by a second pass: two
    passes over the matching rows and a sort of their keys, where the plain ``random() < f``
    (search, delete) is one pass; docs/compatibility.md.
    """
    split = sample_split(filter, info.schema, filter_params, "query", json_index.indexed_paths(info), timezone)
    if split is None:
        return None
    rest, fraction = split
    # The filter holds literals only; a % in them must not be read as a placeholder.
    scope = _and([sql.SQL(rest.replace("%", "%%")) if rest else None,
                  partition_where(info, partition_names), ttl.live(info)])
    table = sql.Identifier(info.schema_name, info.table_name)
    return sql.SQL("({pk} IN (SELECT {pk} FROM {table} WHERE {scope} ORDER BY random() LIMIT (SELECT "
                   "greatest(1, floor(count(*) * {fraction}::float8))::bigint FROM {table} WHERE {scope})))").format(
        pk=sql.Identifier(info.schema.primary_field.name), table=table, scope=scope,
        fraction=sql.Literal(fraction)).as_bytes(conn)


@functools.lru_cache(maxsize=256)
def _ids_condition(pk: str, dtype: DataType) -> bytes:
    """``pk = ANY(%(ids)s::bigint[])`` (``text[]`` for a VARCHAR key)."""
    array = b"bigint[]" if dtype == DataType.INT64 else b"text[]"
    return b"(" + sql.Identifier(pk).as_string(None).encode() + b" = ANY(%(ids)s::" + array + b"))"


def fetch(conn: psycopg.Connection, select: Select, cond: Condition,
          extra: Optional[dict[str, Any]] = None) -> list[tuple]:
    """The rows of the statement (``extra``: more bound values, e.g. the iterator's last key)."""
    params = {**cond.params, **extra} if extra else cond.params
    return statements.fetch_all(conn, select.head + cond.text + select.tail, params, prepare=cond.prepare)


def element_cursor(info: CollectionInfo, last_pk: Any, last_offset: Any) -> Optional[tuple[Any, int]]:
    """pymilvus's element-level query iterator position (``query_iter_last_pk`` /
    ``query_iter_last_element_offset``, strings over the wire) as ``query``'s ``element_after``."""
    if last_pk is None or last_offset is None:
        return None
    pk = info.schema.primary_field
    try:
        key = int(last_pk) if pk.dtype == DataType.INT64 else str(last_pk)
        return key, int(last_offset)
    except (TypeError, ValueError):
        raise MilvusException(ErrorCode.INVALID_PARAMETER,
                              f"invalid query iterator position: query_iter_last_pk={last_pk!r}, "
                              f"query_iter_last_element_offset={last_offset!r}: invalid parameter") from None


def query(conn: psycopg.Connection, info: CollectionInfo, *, filter: str = "",
          output_fields: Optional[Sequence[str]] = None, ids: Optional[list[Any]] = None,
          partition_names: Any = None, limit: Any = None, offset: Any = None,
          filter_params: Optional[dict] = None, timezone: Any = None,
          time_fields: Any = None, ignore_growing: bool = False, order: Sequence[str] = (),
          group_by: Sequence[str] = (), element_after: Optional[tuple[Any, int]] = None) -> HybridExtraList:
    """query / get; ``timezone`` and ``time_fields`` say how TIMESTAMPTZ values come back
    (timestamps.rendering: the collection's zone by default); ``ignore_growing``: sealed
    segments only; ``order``: the ORDER BY key texts (order_by.specs); ``group_by``: the GROUP BY
    field names (aggregates.group_by_names).  Aggregates or a GROUP BY make it an aggregating query.

    A filter holding ``element_filter(S, P)`` makes an element-level query (Milvus master): one
    result per selected element (a row passing the rest of the filter, an element where P holds),
    ordered by primary key then element index, ``limit`` / ``offset`` / ``count(*)`` counting
    elements; each dict is the whole row with ``"offset"`` (the 0-based element index) right after
    its first key, as pymilvus expands QueryResults.element_indices.  The result then has
    ``element_level = True``: consecutive dicts of one primary key are one wire row whose
    ``element_indices`` are their offsets (pgmilvus serve).  ``element_after``: ``(pk, offset)``,
    elements after that one only (a query iterator's ``query_iter_last_pk`` /
    ``query_iter_last_element_offset``)."""
    limit, offset = window(limit, offset, topk_limit(info))
    if order:
        order_by.require_limit(order, limit)
    render = timestamps.rendering(info.properties, timezone, time_fields)
    element = element_condition(info, filter, filter_params, ids, render[0])
    column = element[1] if element is not None else None
    if aggregates.requested(output_fields, group_by):
        return _aggregate(conn, info, filter, output_fields, ids, partition_names, limit, offset, filter_params,
                          render, ignore_growing, order, group_by, element)
    after = element is not None and element_after is not None
    select = select_for(conn, info, output_fields, partition_names, limit, offset, after, render=render,
                        ignore_growing=ignore_growing, element=column)
    if order:
        select = select_for(conn, info, output_fields, partition_names, limit, offset, after, render=render,
                            ignore_growing=ignore_growing, order=order_by.parse(order, info.schema), element=column)
    cond = element[0] if element is not None else _own_condition(conn, info, filter, filter_params, ids,
                                                                  partition_names, render)
    if cond.text == b"TRUE" and limit is None:
        raise MilvusException(ErrorCode.INVALID_PARAMETER,
                              "empty expression should be used with limit: invalid parameter")
    # The guard lets the client run reads on a cached catalog without a checkout round trip.
    extra = {"after": element_after[0], "after_offset": int(element_after[1])} if after else None
    rows = fetch(conn, select, cond, extra)
    if column is None or select.plan.count:
        return HybridExtraList(select.plan.decode_rows(rows), extra={"cost": 0})
    result = HybridExtraList(element_rows(select.plan, rows), extra={"cost": 0})
    result.element_level = True
    return result


def element_condition(info: CollectionInfo, filter: str, filter_params: Optional[dict], ids: Optional[list[Any]],
                      timezone: str = timestamps.DEFAULT_TIMEZONE) -> Optional[tuple[Condition, str]]:
    """An element-level read's condition (the doc-level part of the filter and the element
    predicate at ``"$g"."$i"``, element_source) and the struct's first sub-field column; None when
    the read is by ids or its filter holds no element_filter."""
    if ids is not None or not is_element_level(filter):
        return None
    split = element_split(filter, info.schema, filter_params, "query", json_index.indexed_paths(info), timezone)
    if split is None:
        return None
    position = sql.Identifier(ELEMENTS, SUBSCRIPT).as_string(None)
    parts = [p for p in (split.row_sql, split.element_sql(position)) if p]
    text = " AND ".join(f"({p})" for p in parts)
    # The filter holds literals only; a % in them must not be read as a placeholder.
    return Condition(b"(" + text.replace("%", "%%").encode() + b")", {}), split.first_column


def element_rows(plan: OutputPlan, rows: list[tuple]) -> list[dict[str, Any]]:
    """Rows of an element-level read (the element index selected last) as pymilvus's dicts: the
    row's, with ``"offset"`` inserted right after the first key (pymilvus's order)."""
    out = []
    for decoded, row in zip(plan.decode_rows([r[:-1] for r in rows]), rows):
        items = list(decoded.items())
        out.append(dict(items[:1] + [("offset", int(row[-1]))] + items[1:]))
    return out


def _own_condition(conn: psycopg.Connection, info: CollectionInfo, filter: str, filter_params: Optional[dict],
                   ids: Optional[list[Any]], partition_names: Any, render: timestamps.Rendering) -> Condition:
    """The request's condition: a ``random_sample`` draw, the ids or the filter."""
    sampled = sample_condition(conn, info, filter, filter_params, partition_names, render[0]) if ids is None else None
    return Condition(sampled, {}) if sampled is not None else condition(info, filter, filter_params, ids, render[0])


def _aggregate(conn: psycopg.Connection, info: CollectionInfo, filter: str, output_fields: Any,
               ids: Optional[list[Any]], partition_names: Any, limit: Optional[int], offset: int,
               filter_params: Optional[dict], render: timestamps.Rendering, ignore_growing: bool,
               order: Sequence[str], group_by: Sequence[str],
               element: Optional[tuple[Condition, str]] = None) -> HybridExtraList:
    """An aggregating query, its checks nearly in the proxy's order (PreExecute): the filter, the plan
    (aggregates.plan) and the partitions (made together, once per request shape), an empty filter
    without limit (allowed with aggregates: one row per group at most), then ``count(*)`` with
    ``limit`` and no GROUP BY (a single count).  ``element``: an element-level query's condition
    and struct column (element_condition): the aggregates run over the selected elements
    (``count(*)`` counts them, as Milvus's)."""
    cond = element[0] if element is not None else _own_condition(conn, info, filter, filter_params, ids,
                                                                  partition_names, render)
    select = aggregate_select(conn, info, output_fields, group_by, order, partition_names, limit, offset, render,
                              ignore_growing, element[1] if element is not None else None)
    agg = select.plan
    assert isinstance(agg, aggregates.AggPlan)
    if cond.text == b"TRUE" and limit is None and not agg.aggregates:
        raise MilvusException(ErrorCode.INVALID_PARAMETER,
                              "empty expression should be used with limit: invalid parameter")
    if agg.count_star and limit is not None and not agg.group_by:
        raise MilvusException(ErrorCode.INVALID_PARAMETER,
                              "count entities with pagination is not allowed: invalid parameter")
    try:
        rows = fetch(conn, select, cond)
    except psycopg.errors.NumericValueOutOfRange:
        # segcore's checkPlus refuses an INT64 sum leaving the range ("integer overflow: a + b")
        raise MilvusException(ErrorCode.SERVER_ERROR, "integer overflow: a sum of INT64 values leaves the int64 "
                                                      "range; sum fewer rows (a narrower filter or more groups)") from None
    result = HybridExtraList(agg.decode_rows(rows), extra={"cost": 0})
    result.aggregate = agg  # its columns, for pgmilvus serve's typed answer (no second plan)
    return result


# -- query_iterator ---------------------------------------------------------------------------

class QueryIterator:
    """pymilvus's QueryIterator: ``next()`` gives the next page (``[]`` when done), ``close()``.

    Pages are read by primary key (``pk > last ORDER BY pk LIMIT batch``), each a read of
    its own (``read``: MilvusClient._read, no checkout round trip, the revision guard):
    memory and server state stay constant whatever the collection's size.  Rows written
    between pages may or may not be seen (no snapshot).  A catalog change between pages
    (an index, a new field) is followed; a collection dropped and created again under the
    same name ends the iteration with an error, as its pages would mix two collections.
    """

    def __init__(self, read: Callable[[Callable[[psycopg.Connection], Any]], Any],
                 locate: Callable[[psycopg.Connection], CollectionInfo], *, batch_size: Any = 1000,
                 limit: Any = -1, filter: str = "", output_fields: Optional[Sequence[str]] = None,
                 partition_names: Any = None, filter_params: Optional[dict] = None, offset: Any = 0,
                 timezone: Any = None, time_fields: Any = None) -> None:
        self._read, self._locate = read, locate
        self._batch = _batch_size(batch_size)
        limit = -1 if limit is None else _client_int("limit", limit)
        if limit < -1:
            raise ParamError(message=f"`limit` value {limit} is illegal: use -1 for no limit or a "
                                     "positive int")
        self._remaining: Optional[int] = None if limit == -1 else limit
        self._offset = 0 if offset is None else _client_int("offset", offset)
        if self._offset < 0:
            raise ParamError(message=f"`offset` value {self._offset} is illegal: it should be >= 0")
        self._args = (check_filter_type(filter), output_fields, partition_names, filter_params)
        self._render_args = (timezone, time_fields)  # TIMESTAMPTZ output (timestamps.rendering)
        self._shape: Optional[_PageShape] = None
        self._collection_id: Optional[int] = None  # of the collection the first page read
        self._last: Any = None
        self._last_offset = 0  # element-level: the index of the last element returned
        self._done = False
        read(lambda conn: self._shape_for(conn, locate(conn)))  # bad arguments fail now, as in pymilvus

    def _shape_for(self, conn: psycopg.Connection, info: CollectionInfo) -> "_PageShape":
        """The statement parts for ``info``'s revision (built again after a change)."""
        shape = self._shape
        if shape is not None and shape.revision == (info.id, info.revision):
            return shape
        filter, output_fields, partition_names, filter_params = self._args
        render = timestamps.rendering(info.properties, *self._render_args)
        first = select_for(conn, info, output_fields, partition_names, None, 0, render=render)
        if first.plan.count:
            raise ParamError(message="count(*) is not supported by query_iterator: use query(..., "
                                     "output_fields=[\"count(*)\"])")
        with spatial_scope(conn, info, filter):  # its keys as of the first page: the iterator's snapshot
            element = element_condition(info, filter, filter_params, None, render[0])
            cond = element[0] if element is not None else condition(info, filter, filter_params, None, render[0])
        pk = info.schema.primary_field.name
        self._shape = _PageShape((info.id, info.revision), output_fields, partition_names,
                                 first.plan.names.index(pk), cond, render, element[1] if element else None)
        return self._shape

    def next(self) -> list[dict[str, Any]]:
        if self._done:
            return []
        size = self._batch if self._remaining is None else min(self._batch, self._remaining)
        if size <= 0:
            self.close()
            return []
        collection_id, plan, pk_pos, rows = self._read(lambda conn: self._page(conn, size))
        element = self._shape is not None and self._shape.element is not None
        self._offset = 0
        if not rows:
            self.close()
            return []
        self._collection_id = collection_id
        self._last = rows[-1][pk_pos]
        if element:  # element-level: pages continue after the last (pk, element index)
            self._last_offset = rows[-1][-1]
        if self._remaining is not None:
            self._remaining -= len(rows)
        page = element_rows(plan, rows) if element else plan.decode_rows(rows)
        if len(rows) < size:
            self._done = True
        return page

    def _page(self, conn: psycopg.Connection, size: int) -> tuple[int, OutputPlan, int, list[tuple]]:
        info = self._locate(conn)
        if self._collection_id is not None and info.id != self._collection_id:
            raise collection_replaced(info.name, "query_iterator")
        shape = self._shape_for(conn, info)
        after = self._last is not None
        select = select_for(conn, info, shape.output_fields, shape.partition_names, size, self._offset, after,
                            shape.render, element=shape.element)
        extra = ({"after": self._last} if shape.element is None else
                 {"after": self._last, "after_offset": self._last_offset}) if after else None
        return info.id, select.plan, shape.pk_pos, fetch(conn, select, shape.cond, extra)

    def close(self) -> None:
        self._done = True

    def __iter__(self):
        while True:
            page = self.next()
            if not page:
                return
            yield page


@dataclass
class _PageShape:
    revision: tuple[int, int]       # (collection id, catalog revision) it was built for
    output_fields: Optional[Sequence[str]]
    partition_names: Any
    pk_pos: int                     # the primary key's position in the rows
    cond: Condition                 # the compiled filter
    render: timestamps.Rendering    # TIMESTAMPTZ output: zone, time_fields
    element: Optional[str] = None   # element-level: the struct's first sub-field column (element_source)


def _batch_size(value: Any) -> int:
    if value is None:
        return 1000
    value = _client_int("batch_size", value)
    if value < 0:
        raise ParamError(message="batch size cannot be less than zero")
    if value > MAX_BATCH_SIZE:
        raise ParamError(message=f"batch size cannot be larger than {MAX_BATCH_SIZE}")
    return value or 1000

