"""search(): Milvus's vector search on pgvector, one round trip for all query vectors.

How a search runs (see docs/search.md):

1. ``search_params`` / kwargs are checked like pymilvus and Milvus
   (``search_params.build_request``); the field, index, metric, partitions and
   query vectors are resolved (``search_target``).
2. A strategy is chosen (``strategy.choose``): an index scan with pgvector's
   iterative scans, or an exact scan when there is no usable index, when the
   search groups, or when the filter is selective enough that scanning the
   matching rows is cheaper and exact (decided from the planner's estimate).
3. One statement (``search_sql``) serves every query vector; the index-scan
   GUCs go in the same pipeline, so a search costs one network round trip.
4. Hits are re-sorted by (distance, pk), de-duplicated by PK, cut by range
   search's far bound, offset and limit, and turned into Milvus's distances.
   A query whose index scan came back short (iterative scan limits) is re-run
   as an exact scan, so a search returns ``limit`` hits whenever at least
   ``limit`` rows match.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Callable, Optional, Sequence, Union

import psycopg
from psycopg import sql

from . import json_index, outputs, search_sql, strategy
from .catalog import CollectionInfo, revision_guard
from .errors import invalid_parameter
from .filters import plan_sql
from .search_params import SearchRequest
from .search_results import Hit, Hits, SearchResult
from .search_target import Resolved, array_type, encode_queries, group_field, query_encoder, resolve
from .values import wire_adapters

_log = logging.getLogger("pgmilvus")


@dataclass(slots=True)
class RawHit:
    """One hit before it becomes a ``Hit``: pgvector's distance and the decoded entity."""

    pk: Any
    raw: float
    entity: dict[str, Any]
    rank: int = 0              # grouping search: the group's rank (1 = best group)


@dataclass
class Plan:
    """What a search of one shape needs, whatever its query vectors: kept per collection.

    A shape is every argument but the vectors (field, metric, partitions,
    filter and its params, outputs, grouping, range).  Repeated searches of
    one shape (the common case: an application issues the same search with
    new vectors) reuse the plan and its statements, built once; the plan
    lives on the cached CollectionInfo, so a catalog change drops it.
    """

    resolved: Resolved
    out: outputs.OutputPlan
    conditions: list[sql.Composable]
    params: dict[str, Any]
    group_column: Optional[str]
    has_filter: bool
    guard: sql.Composable
    revision: tuple[int, int]            # (collection id, catalog revision) the plan was built on
    encoder: Any = None                  # the query vectors' encoder (values.field_encoder)
    statements: dict[Any, bytes] = field(default_factory=dict)

    def statement(self, conn: psycopg.Connection, key: Any, build: Callable[[], sql.Composable]) -> bytes:
        """The statement ``key`` as bytes, composed on first use only."""
        text = self.statements.get(key)
        if text is None:
            text = self.statements[key] = build().as_bytes(conn)
        return text


@dataclass
class Prepared:
    """Everything needed to run (and re-run) the statement of one search."""

    plan: Plan
    request: SearchRequest
    vectors: list[Any]
    keyset: Optional[tuple[float, list[Any]]] = None  # (last distance, keys returned at it)
    notes: list[str] = field(default_factory=list)

    @property
    def resolved(self) -> Resolved:
        return self.plan.resolved

    @property
    def out(self) -> outputs.OutputPlan:
        return self.plan.out

    @property
    def conditions(self) -> list[sql.Composable]:
        return self.plan.conditions

    @property
    def params(self) -> dict[str, Any]:
        return self.plan.params

    @property
    def group_column(self) -> Optional[str]:
        return self.plan.group_column

    @property
    def has_filter(self) -> bool:
        return self.plan.has_filter


# -- entry points ------------------------------------------------------------------------------

def search(conn: psycopg.Connection, info: CollectionInfo, request: SearchRequest) -> SearchResult:
    prepared = prepare(info, request)
    per_query = run(conn, prepared)
    return to_result(info, prepared, per_query)


def prepare(info: CollectionInfo, request: SearchRequest, keyset: Optional[tuple[float, list[Any]]] = None
            ) -> Prepared:
    """Resolve and check everything that needs no database access."""
    key = _shape(request)
    plans: dict[Any, Plan] = info.plans
    plan = plans.get(key) if key is not None else None
    if plan is None:
        plan = _plan(info, request)
        if key is not None:
            if len(plans) >= _PLANS_PER_COLLECTION:
                plans.clear()
            plans[key] = plan
    _check_range(plan.resolved, request)
    vectors = encode_queries(plan.resolved.field, request.data, plan.encoder)
    return Prepared(plan, request, vectors, keyset)


#: Distinct search shapes remembered per collection (a filter built with values in its
#: text makes every search a new shape; the plans are then simply rebuilt).
_PLANS_PER_COLLECTION = 256


def _shape(request: SearchRequest) -> Optional[tuple[Any, ...]]:
    """Every argument the plan depends on, hashable; None when some are not hashable."""
    try:
        key = (request.anns_field, request.metric_type,
               tuple(request.partition_names) if request.partition_names else None,
               request.filter, strategy.freeze(request.filter_params),
               tuple(request.output_fields) if request.output_fields is not None else None,
               request.group_by_field)
        hash(key)
    except TypeError:
        return None
    return key


def _plan(info: CollectionInfo, request: SearchRequest) -> Plan:
    resolved = resolve(info, request.anns_field, request.metric_type, request.partition_names)
    out = outputs.output_plan(info.schema, request.output_fields, default_all=False, include_pk=False)
    if out.count:
        raise invalid_parameter("count(*) is not an output field of search; use query(output_fields="
                                "[\"count(*)\"])")
    conditions = list(resolved.conditions)
    params = dict(resolved.params)
    filter_cond = filter_condition(request.filter, info, request.filter_params)
    if filter_cond is not None:
        conditions.append(filter_cond)
    group_column = None
    if request.group_by_field:
        group_column = group_field(info, request.group_by_field).name
    return Plan(resolved, out, conditions, params, group_column, filter_cond is not None,
                revision_guard(info), (info.id, info.revision), query_encoder(resolved.field))


def filter_condition(expr: str, info: CollectionInfo, filter_params: dict[str, Any]) -> Optional[sql.Composable]:
    """The compiled filter as a SQL condition (None for an empty filter)."""
    text = plan_sql(expr, info.schema, filter_params, "query", json_index.indexed_paths(info))
    if text is None:
        return None
    # The text is embedded in a statement that has bound parameters: a literal % must be doubled.
    return sql.SQL("({})").format(sql.SQL(text.replace("%", "%%")))


def _check_range(resolved: Resolved, request: SearchRequest) -> None:
    """Milvus's checks on radius / range_filter (range_filter must be on the near side)."""
    radius, range_filter = request.radius, request.range_filter
    if request.group_by_field and (radius is not None or range_filter is not None):
        raise invalid_parameter("Not allowed to do range-search when doing search-group-by")
    if range_filter is not None and radius is None:
        raise invalid_parameter("range_filter is set but radius is not: set radius for a range search")
    if radius is None or range_filter is None:
        return
    if resolved.target.metric.larger_is_better and not range_filter > radius:
        raise invalid_parameter(f"range_filter must be greater than radius for {resolved.target.metric.name}"
                                f" (radius={radius}, range_filter={range_filter})")
    if not resolved.target.metric.larger_is_better and not range_filter < radius:
        raise invalid_parameter(f"range_filter must be less than radius for {resolved.target.metric.name}"
                                f" (radius={radius}, range_filter={range_filter})")


# -- running -----------------------------------------------------------------------------------

def run(conn: psycopg.Connection, prepared: Prepared) -> list[list[RawHit]]:
    """Hits per query vector, best first, complete (exact re-run of short index scans)."""
    chosen = strategy.choose(conn, prepared)
    per_query = _execute(conn, prepared, list(range(len(prepared.vectors))), chosen.exact,
                         chosen.settings, prepared.request.window)
    if chosen.exact or prepared.group_column is not None:
        return per_query
    short = [i for i, hits in enumerate(per_query) if len(hits) < prepared.request.window]
    if short:
        redo = _execute(conn, prepared, short, True, {}, prepared.request.window)
        for i, hits in zip(short, redo):
            if len(hits) > len(per_query[i]):
                _log.warning("search on %s: the index scan (%s) found %d of %d hits for query vector %d "
                             "(%s); re-ran it as an exact scan, which found %d. Raise ef / nprobe or "
                             "hnsw.max_scan_tuples to avoid the second scan.",
                             prepared.resolved.field.name, prepared.resolved.method, len(per_query[i]),
                             prepared.request.window, i, chosen.reason, len(hits))
            per_query[i] = hits
    return per_query


def _execute(conn: psycopg.Connection, prepared: Prepared, which: Sequence[int], exact: bool,
             settings: dict[str, str], window: int) -> list[list[RawHit]]:
    """Run the statement for the query vectors ``which``; de-duplicated hits per vector."""
    fetch = window
    while True:
        rows = _fetch(conn, prepared, which, exact, settings, fetch)
        per_query = _split(prepared, rows, len(which))
        hits = [_dedupe(h) for h in per_query]
        # Duplicate primary keys (legal in Milvus) can leave fewer than `window` distinct hits
        # although more rows exist: fetch more for those vectors.
        lacking = [k for k, (raw, ded) in enumerate(zip(per_query, hits))
                   if len(raw) >= fetch and len(ded) < window]
        if not lacking or prepared.group_column is not None or fetch >= 8 * window + 1024:
            return hits
        fetch *= 2
        exact = True


def _fetch(conn: psycopg.Connection, prepared: Prepared, which: Sequence[int], exact: bool,
           settings: dict[str, str], fetch: int) -> list[tuple]:
    plan, request = prepared.plan, prepared.request
    nq = len(which)
    range_filter = request.range_filter is not None
    keyset = prepared.keyset is not None
    limit = request.window if plan.group_column is not None else fetch
    target = plan.resolved.target
    statement = plan.statement(conn, (nq == 1, exact, limit, range_filter, keyset), lambda: search_sql.search_statement(
        target, nq, plan.conditions, plan.out.select_items("t"), exact=exact, limit=limit,
        range_filter=range_filter, group_column=plan.group_column, keyset=keyset,
        array_type=array_type(target.query_type), guard=plan.guard))
    params = dict(plan.params)
    if nq == 1:
        params["q"] = prepared.vectors[which[0]]
    else:
        params["qs"] = [prepared.vectors[i] for i in which]
    if plan.group_column is not None:
        params["group_size"] = request.group_size
    if range_filter:
        params["range_filter"] = request.range_filter
    if keyset:
        params["last_d"], params["tied"] = prepared.keyset
    return execute(conn, statement, params, settings)


def execute(conn: psycopg.Connection, statement: Union[bytes, sql.Composable], params: dict[str, Any],
            settings: dict[str, str]) -> list[tuple]:
    """Apply the index-scan settings (when they changed) and run the statement.

    Settings are applied at session level (set_config(..., false)) rather than
    SET LOCAL: that needs no transaction, hence no BEGIN/COMMIT round trips, and
    the values last applied are remembered per pooled connection, so repeated
    searches with the same settings cost one round trip.  Every search that uses
    an index sets all the GUCs it relies on, so a value left on the connection
    never leaks into another search (exact scans do not read them).
    """
    wire_adapters(conn)
    apply_settings(conn, settings)
    return conn.execute(statement, params).fetchall()


def apply_settings(conn: psycopg.Connection, settings: dict[str, str]) -> None:
    if not settings:
        return
    current: dict[str, str] = getattr(conn, "_pgmilvus_gucs", {})
    changed = {k: v for k, v in settings.items() if current.get(k) != v}
    if not changed:
        return
    set_stmt, set_params = search_sql.settings_statement(changed)
    idle = conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    conn.execute(set_stmt, set_params)
    # Outside a transaction the change is committed at once; inside one it could still be
    # rolled back, so it is not remembered.
    conn._pgmilvus_gucs = {**current, **changed} if idle else {}


# -- turning rows into hits --------------------------------------------------------------------

def _split(prepared: Prepared, rows: list[tuple], nq: int) -> list[list[RawHit]]:
    """Rows of the statement -> hits per query vector, sorted by (distance, pk)."""
    first = 0 if nq == 1 else 1              # batched rows start with the query vector's number
    grouped = prepared.group_column is not None
    per_query: list[list[tuple]] = [rows] if nq == 1 else [[] for _ in range(nq)]
    if nq > 1:
        for row in rows:
            per_query[row[0] - 1].append(row)
    # Sorting the rows (C-level keys) before making hits: this runs on every search.
    key = itemgetter(-1, first + 1, first) if grouped else itemgetter(first + 1, first)
    width, decode = prepared.out.width, prepared.out.decode
    start = first + 2 + (1 if grouped else 0)
    out = []
    for part in per_query:
        part.sort(key=key)
        out.append([RawHit(row[first], row[first + 1], decode(row[start:start + width]) if width else {},
                           row[-1] if grouped else 0) for row in part])
    return out


def _dedupe(hits: list[RawHit]) -> list[RawHit]:
    seen: set[Any] = set()
    out = []
    for hit in hits:
        if hit.pk not in seen:
            seen.add(hit.pk)
            out.append(hit)
    return out


def to_result(info: CollectionInfo, prepared: Prepared, per_query: list[list[RawHit]]) -> SearchResult:
    """Milvus's distances, range search's far bound, offset / limit, then Hit objects."""
    pk_name = info.schema.primary_field.name
    data = []
    for hits in per_query:
        selected = finish(prepared, hits)
        data.append(Hits([Hit({pk_name: h.pk, "distance": d, "entity": h.entity}, pk_name=pk_name)
                          for h, d in selected], pk_name=pk_name))
    return SearchResult(data)


def finish(prepared: Prepared, hits: list[RawHit]) -> list[tuple[RawHit, float]]:
    """(hit, Milvus distance) after the range bound, offset and limit of the request."""
    request = prepared.request
    metric = prepared.resolved.target.metric
    values = metric.to_milvus([h.raw for h in hits])
    if request.radius is not None:
        radius = search_sql.float32([request.radius])[0]
        keep = [(d > radius if metric.larger_is_better else d < radius) for d in values]
        hits = [h for h, k in zip(hits, keep) if k]
        values = [d for d, k in zip(values, keep) if k]
    if request.round_decimal > 0:
        values = [round(v, request.round_decimal) for v in values]
    out = list(zip(hits, values))
    if prepared.group_column is not None:
        lo, hi = request.offset, request.offset + request.limit
        return [(h, d) for h, d in out if lo < h.rank <= hi]
    return out[request.offset:request.offset + request.limit]
