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
import time
from dataclasses import dataclass, field, replace
from operator import itemgetter
from typing import Any, Callable, Optional, Sequence, Union

import psycopg
from psycopg import sql

from ..data import bound_filters, outputs, timestamps
from ..catalog import json_index
from ..catalog.properties import isolated, topk_limit
from . import bm25, minhash, order as order_mod, sql as search_sql, strategy, structs
from .aggregation import plan as agg_plan, compute as agg_compute
from ..pg import statements
from ..schema import faiss_factory, knowhere_configs
from ..catalog.store import CollectionInfo, revision_guard
from ..errors import ErrorCode, MilvusException, invalid_parameter
from ..filters import has_spatial, isolation_problem, plan_sql, spatial_scope
from .params import SearchRequest, check_window
from .results import Hit, SearchResult, search_result
from .grouping import GroupBy, group_by
from .target import Resolved, array_type, check_partitions, encode_queries, query_encoder, resolve
from ..data.values import wire_adapters
from ..types import DataType

_log = logging.getLogger("pgmilvus")
_new_dict = dict.__new__  # a Hit without its Python-level __init__ (Prepared.hits)


#: A hit before it becomes a ``Hit`` is a row of the statement, best first after sorting:
#: ``(pk, pgvector distance, [group value,] output values..., [group rank])`` (batched
#: statements' leading query number is taken off).  Rows stay tuples until the final
#: hits are known: offset, limit and duplicates drop rows that need no decoding.
Row = tuple
PK, RAW, GROUP = 0, 1, 2  # GROUP: the group value, in grouping searches only
_ORDER = itemgetter(RAW, PK)               # (distance, pk): Milvus's order, ties by pk
_GROUPED_ORDER = itemgetter(-1, RAW, PK)   # grouping search: group rank first
_PK_OF, _RAW_OF = itemgetter(PK), itemgetter(RAW)


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
    conditions: list[sql.Composable]     # the partitions searched, and the filter (for estimates)
    params: dict[str, Any]
    group: Optional[GroupBy]             # a grouping search's group value (grouping.py)
    filter: Optional[sql.Composable]     # the compiled filter, None without one
    guard: sql.Composable
    revision: tuple[int, int]            # (collection id, catalog revision) the plan was built on
    encoder: Any = None                  # the query vectors' encoder (values.field_encoder)
    pk_name: str = "id"                  # the primary key's name: a hit's key for it
    entity: Optional[Callable[[Row], dict[str, Any]]] = None  # hit row -> output fields (None: none)
    order: tuple[order_mod.HitKey, ...] = ()  # order_by_fields: the hits re-sorted by these (order.py)
    agg: Optional[agg_plan.AggPlan] = None    # search_aggregation: the buckets' plan (aggregation/)
    statements: dict[Any, bytes] = field(default_factory=dict)
    choices: dict[Any, tuple[float, Any]] = field(default_factory=dict)  # strategy.choose's, kept
    quiet_until: float = 0.0             # no short-scan warning before this time (_warn_short_scan)

    @property
    def has_filter(self) -> bool:
        return self.filter is not None

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
    bound: Optional[bound_filters.Bound] = None        # the filter's bound values (bound_filters)
    terms: Optional[list[dict[str, int]]] = None       # BM25: each query text's terms (weighed by run)

    @property
    def params(self) -> dict[str, Any]:
        """The plan's parameters and this search's bound filter values (a bound range's values are
        written into the statement instead: ``statement_for``)."""
        return {**self.plan.params, **self.bound.params} if self.bound else self.plan.params

    def statement_for(self, statement: bytes) -> bytes:
        """The statement to run: a bound range's values written in, so each set of values gets a
        plan of its own (bound_filters)."""
        return statement if self.bound is None or self.bound.prepare else self.bound.inline(statement)

    @property
    def choice_key(self) -> Optional[tuple]:
        """What, beyond the plan, the scan choice depends on: a bound range's values (how many
        rows ``f < x`` matches depends on x; strategy.choose).  A bound equality's estimate is
        the same for every value outside the column's most common ones, so equalities share it."""
        if self.bound is None or self.bound.prepare:
            return None
        return tuple(self.bound.params.values())

    @property
    def resolved(self) -> Resolved:
        return self.plan.resolved

    @property
    def has_filter(self) -> bool:
        return self.plan.has_filter

    def hits(self, selected: list[tuple[Row, float]]) -> list[Hit]:
        """The ``Hit`` of each (hit row, Milvus distance), keyed by the plan's primary key name.

        ``search_results.make_hit``, inlined: a search makes one per hit, and a
        call per hit (and one for its entity) is a measurable part of a small search.
        """
        pk_name, entity = self.plan.pk_name, self.plan.entity
        named, grouped = pk_name != "id", isinstance(self.plan.group, GroupBy)
        out = []
        for row, distance in selected:
            hit = _new_dict(Hit)
            hit[pk_name] = row[PK]
            hit["distance"] = distance
            hit["entity"] = {} if entity is None else entity(row)
            if named:
                hit._pk_name = pk_name
            if grouped:
                hit._group_value = row[GROUP]
            out.append(hit)
        return out


# -- entry points ------------------------------------------------------------------------------

def search(conn: psycopg.Connection, info: CollectionInfo, request: SearchRequest) -> SearchResult:
    sub_field = structs.sub_field(info, request.anns_field)
    with spatial_scope(conn, info, request.filter):
        if sub_field is not None:  # a struct array's vector sub-field (search/structs.py)
            return structs.search(conn, info, request, sub_field)
        prepared = prepare(info, request)
    per_query = run(conn, prepared)
    return to_result(prepared, per_query)


def prepare(info: CollectionInfo, request: SearchRequest, keyset: Optional[tuple[float, list[Any]]] = None,
            iterating: bool = False) -> Prepared:
    """Resolve and check everything that needs no database access (``iterating``: a search
    iterator's page, whose ef knowhere leaves unchecked)."""
    check_window(request.limit, request.offset, topk_limit(info))
    aggregating = request.aggregation is not None
    ranged = check_radius(request)
    bound = None
    if request.filter and not request.filter_params and isinstance(request.filter, str):
        bound = bound_filters.condition(info, request.filter)
    key = _shape(request, bound)
    plans: dict[Any, Plan] = info.plans
    plan = plans.get(key) if key is not None else None
    if plan is None:
        plan = _plan(info, request, bound)
        if key is not None:
            bound_filters.remember(plans, key, plan)
    if aggregating:  # the search finds the aggregation's composite groups instead of ``limit`` hits
        request = _aggregation_request(plan, request)
    if ranged:
        check_range(plan.resolved.target.metric, request)  # else nothing to check (most searches)
    index = plan.resolved.index
    if request.params or index is not None and index.index_type == "FAISS":
        top_k = None if ranged or iterating or keyset is not None or request.group_by_field else request.window
        check_index_params(plan.resolved, request, top_k, ranged, iterating)
    if request.embedding_list or structs.is_emb_list_data(request):
        structs.refuse_emb_list_on(info, request, plan.resolved.field)
    if plan.resolved.source is not None:  # BM25: the texts' terms now, their weights in run()
        return Prepared(plan, request, [], keyset, bound, bm25.query_terms(plan.resolved.source, request.data,
                                                                         request.params.get("analyzer_name")))
    data = request.data if plan.resolved.signatures is None else plan.resolved.signatures(request.data)
    vectors = encode_queries(plan.resolved.field, data, plan.encoder)
    return Prepared(plan, request, vectors, keyset, bound)


def check_radius(request: SearchRequest) -> bool:
    """Whether the search is a range search; a range_filter without a radius is refused (Milvus
    master's words, checked before the metric; 2.6 ignores it)."""
    ranged = request.params.get("radius") is not None or request.params.get("range_filter") is not None
    if ranged and request.radius is None:
        raise invalid_parameter("range_filter requires radius to be set; range_filter alone is not a valid range "
                                "search parameter")
    return ranged


def _shape(request: SearchRequest, bound: Optional[bound_filters.Bound] = None) -> Optional[tuple[Any, ...]]:
    """Every argument the plan depends on, hashable; None when some are not hashable.

    A filter whose values are bound counts by its shape: searches that differ only in those
    values share a plan (and its statements, prepared on the server, and its scan choice).
    """
    if has_spatial(request.filter):  # its SQL holds the keys matched now (filters/spatial.py)
        return None
    try:
        key = (request.anns_field, request.metric_type,
               tuple(request.partition_names) if request.partition_names else None,
               ("bound", bound.shape) if bound is not None else request.filter,
               _freeze(request.filter_params) if request.filter_params else None,
               tuple(request.output_fields) if request.output_fields is not None else None,
               request.group_by_field, request.group_json_path, request.group_json_type, request.group_strict_cast,
               request.ignore_growing, request.timezone, request.time_fields, request.extra_columns,
               request.order_by, request.params.get("mh_search_with_jaccard"), request.aggregation)
        hash(key)
    except TypeError:
        return None
    return key


def _freeze(value: Any) -> Any:
    """A hashable stand-in for nested lists and dicts (cache keys)."""
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    return value


def _plan(info: CollectionInfo, request: SearchRequest, bound: Optional[bound_filters.Bound] = None) -> Plan:
    if structs.sub_field(info, request.anns_field) is not None:  # search() / hybrid / iterators dispatch before
        raise MilvusException(ErrorCode.UNSUPPORTED, f"rerank functions and highlighters on a struct array "
                                                     f"sub-field search ({request.anns_field}) are not supported by "
                                                     "pgmilvus: search it without them")
    # Milvus's proxy checks the partitions, then the output fields, before the plan (the anns field)
    check_partitions(info, request.partition_names)
    zone, parts = timestamps.rendering(info.properties, request.timezone, request.time_fields)
    out = outputs.output_plan(info.schema, request.output_fields, default_all=False, include_pk=False,
                              timezone=zone, time_fields=parts)
    if out.count:
        raise MilvusException(ErrorCode.INVALID_PARAMETER, "aggregates are not supported in search request: "
                                                           "invalid parameter (count(*) is an output of query: "
                                                           "use query(output_fields=[\"count(*)\"]))")
    resolved = resolve(info, request.anns_field, request.metric_type, request.partition_names, request.ignore_growing,
                       request.params)
    structs.refuse_row_level_element_filter(info, request, zone)
    conditions = list(resolved.conditions)
    params = dict(resolved.params)
    if bound is not None:  # the text has %(bN)s placeholders, and its other % doubled
        filter_cond: Optional[sql.Composable] = sql.SQL("({})").format(sql.SQL(bound.text.decode()))
    else:
        filter_cond = filter_condition(request.filter, info, request.filter_params, zone)
    if filter_cond is not None:
        conditions.append(filter_cond)
    if isolated(info):
        refused = isolation_problem(request.filter, info.schema, request.filter_params, zone)
        if refused is not None:
            raise MilvusException(ErrorCode.SERVER_ERROR, refused)
    group: Optional[Any] = None
    agg = None
    if request.group_by_field:
        group = group_by(info, request)
        if resolved.field.dtype == DataType.BINARY_VECTOR:  # 2.6's proxy, after parsing the grouping
            raise MilvusException(ErrorCode.SERVER_ERROR, "not support search_group_by operation based on "
                                                          "binary vector column")
    elif request.aggregation is not None:  # master's aggregation: a grouping by every level's fields
        agg = agg_plan.build(request.aggregation, info.schema)
        group = agg_plan.CompositeGroup(agg.group_names)
    keys = order_mod.parse(request.order_by, info.schema) if request.order_by and agg is None else ()
    return Plan(resolved, out, conditions, params, group, filter_cond,
                revision_guard(info), (info.id, info.revision), query_encoder(resolved.field),
                info.schema.primary_field.name, _entities(out, group is not None), keys, agg=agg)


def _aggregation_request(plan: Plan, request: SearchRequest) -> SearchRequest:
    """The request an aggregation search runs: ``topk`` composite groups of ``group_size`` hits (the
    caller's limit is checked, then ignored, as Milvus does), after Milvus's later checks."""
    assert plan.agg is not None
    agg_plan.check_entries(plan.agg, len(request.data))
    if request.offset > 0:
        raise invalid_parameter("offset is not supported with search_aggregation")
    copy = request.with_data(request.data)
    copy.limit, copy.group_size = plan.agg.topk, plan.agg.group_size
    return copy


def _entities(out: outputs.OutputPlan, grouped: bool) -> Optional[Callable[[Row], dict[str, Any]]]:
    """The function from a hit row to its output fields (pymilvus's ``entity`` dict); None
    without output fields."""
    width = out.width
    if not width:
        return None
    start = 3 if grouped else 2
    decode = out.decode
    return lambda row: decode(row[start:start + width])


def filter_condition(expr: str, info: CollectionInfo, filter_params: dict[str, Any],
                     timezone: str = timestamps.DEFAULT_TIMEZONE) -> Optional[sql.Composable]:
    """The compiled filter as a SQL condition (None for an empty filter); ``timezone``: the
    search's (its ``timezone``, else the collection's), for ``ISO`` times without an offset."""
    text = plan_sql(expr, info.schema, filter_params, "query", json_index.indexed_paths(info), timezone,
                    request="search")
    if text is None:
        return None
    # The text is embedded in a statement that has bound parameters: a literal % must be doubled.
    return sql.SQL("({})").format(sql.SQL(text.replace("%", "%%")))


def check_index_params(resolved: Resolved, request: SearchRequest, top_k: Optional[int], ranged: bool = False,
                       iterating: bool = False) -> None:
    """knowhere's checks of the search params against the searched index's config (a field without
    an index: AUTOINDEX's, what Milvus would have built); ``top_k`` None: no at-least-k check (range
    searches, iterators, groupings).  A FAISS index: its Faiss family's knobs (faiss_factory.py)."""
    if resolved.field.dtype == DataType.SPARSE_FLOAT_VECTOR:
        return  # the sparse indexes' params: schema/knowhere.py's checks
    if resolved.index is not None and resolved.index.index_type == "FAISS":
        problem = faiss_factory.search_problem(resolved.index.params.get("faiss_index_name"), request.params,
                                               bool(request.filter), ranged, iterating)
        if problem is not None:
            raise knowhere_configs.search_failed(problem)
        return
    index_type = resolved.index.index_type if resolved.index is not None else "AUTOINDEX"
    knowhere_configs.check_search(index_type, request.params, top_k)


def check_range(metric: search_sql.Metric, request: SearchRequest) -> None:
    """Milvus's checks on radius / range_filter (range_filter must be on the near side)."""
    radius, range_filter = request.radius, request.range_filter
    if request.group_by_field and (radius is not None or range_filter is not None):
        raise invalid_parameter("Not allowed to do range-search when doing search-group-by")
    if metric.name == "MHJACCARD":
        raise minhash.refuse_range()
    if isinstance(metric, search_sql.StructureMetric):  # Faiss's IndexBinaryFlat::range_search throws
        raise knowhere_configs.search_failed(f"{metric.name.capitalize()} not support range_search")
    if radius is None or range_filter is None:
        return
    if metric.larger_is_better and not range_filter > radius:
        raise invalid_parameter(f"range_filter must be greater than radius for {metric.name}"
                                f" (radius={radius}, range_filter={range_filter})")
    if not metric.larger_is_better and not range_filter < radius:
        raise invalid_parameter(f"range_filter must be less than radius for {metric.name}"
                                f" (radius={radius}, range_filter={range_filter})")


# -- running -----------------------------------------------------------------------------------

def run(conn: psycopg.Connection, prepared: Prepared) -> list[list[Row]]:
    """Hits per query vector, best first, complete (exact re-run of short index scans)."""
    weighed = None
    if prepared.terms is not None and not prepared.vectors:
        weighed = bm25.weigh(conn, prepared.plan.resolved.bm25, prepared.terms)
        if weighed is None:  # no token in the collection: Milvus skips the search
            return [[] for _ in prepared.terms]
        if _may_prune(prepared):
            prepared.vectors = [w.first if w.first is not None else w.payload for w in weighed]
        else:
            prepared.vectors, weighed = [w.payload for w in weighed], None
    chosen = strategy.choose(conn, prepared)
    if chosen.fence is None:
        chosen.fence = not chosen.exact and prepared.has_filter and _planner_sorts(conn, prepared, chosen)
    window = prepared.request.window
    if prepared.plan.group is not None and prepared.plan.group.strict_cast:
        _check_cast(conn, prepared)
    per_query = _execute(conn, prepared, list(range(len(prepared.vectors))), chosen.exact,
                         chosen.settings, window, chosen.fence)
    if weighed is not None:
        _score_the_rest(conn, prepared, weighed, per_query, chosen, window)
    plan = prepared.plan
    if chosen.exact or plan.group is not None:
        return per_query
    undefined = plan.resolved.target.metric.undefined is not None  # a zero query vector: NaN
    short = []
    for i, hits in enumerate(per_query):  # a loop, not a comprehension: this runs on every search
        if len(hits) < window or undefined and any(row[RAW] != row[RAW] for row in hits):
            short.append(i)
    if short:
        redo = _execute(conn, prepared, short, True, {}, window)
        for i, hits in zip(short, redo):
            if len(hits) > len(per_query[i]):
                _warn_short_scan(prepared, chosen, i, len(per_query[i]), len(hits))
            per_query[i] = hits
    return per_query


def _may_prune(prepared: Prepared) -> bool:
    """A BM25 search may first score only the documents holding a rarer term (bm25.Weighed):
    a plain top-k, not a range, grouping or iterator page, whose rows beyond the window matter."""
    request = prepared.request
    return (prepared.plan.group is None and prepared.keyset is None and request.radius is None
            and request.params.get("range_filter") is None)


def _score_the_rest(conn: psycopg.Connection, prepared: Prepared, weighed: list[bm25.Weighed],
                    per_query: list[list[Row]], chosen: strategy.Chosen, window: int) -> None:
    """Re-run with every document the queries whose first try cannot vouch for its window."""
    prepared.vectors = [w.payload for w in weighed]
    redo = [i for i, w in enumerate(weighed) if w.first is not None and not (  # margin: rounding of the sums
        len(per_query[i]) >= window and -per_query[i][-1][RAW] > w.rest * (1 + 1e-9) + 1e-12)]
    if redo:
        for i, hits in zip(redo, _execute(conn, prepared, redo, chosen.exact, chosen.settings, window)):
            per_query[i] = hits


#: A search shape warns of short index scans at most this often (seconds): an application
#: repeats its searches, and one warning a minute says as much as one per call.
_SHORT_SCAN_WARNING_EVERY = 60.0


def _check_cast(conn: psycopg.Connection, prepared: Prepared) -> None:
    """A grouping search with ``strict_cast``: segcore's error when a searched row's JSON value
    is not of ``json_type`` (one EXISTS over the searched rows before the search)."""
    plan = prepared.plan
    assert plan.group is not None
    refused = plan.group.uncastable()
    if refused is None:
        return
    statement = plan.statement(conn, "strict cast", lambda: sql.SQL("SELECT EXISTS ({})").format(
        search_sql.count_statement(plan.resolved.target.table, [*plan.conditions, refused])))
    if execute(conn, statement, prepared.params, {}, prepare=False)[0][0]:
        raise plan.group.cast_error()


def _warn_short_scan(prepared: Prepared, chosen: strategy.Chosen, query: int, found: int, exact: int) -> None:
    plan = prepared.plan
    now = time.monotonic()
    level = logging.WARNING if now >= plan.quiet_until else logging.DEBUG
    if level == logging.WARNING:
        plan.quiet_until = now + _SHORT_SCAN_WARNING_EVERY
    _log.log(level, "search on %s: the index scan (%s) found %d of %d hits for query vector %d (%s); re-ran "
             "it as an exact scan, which found %d. Raise ef / nprobe or hnsw.max_scan_tuples to avoid the "
             "second scan; if many rows were updated or deleted since the last VACUUM, the index is full of "
             "dead entries: compact() (VACUUM) or autovacuum clears them.%s (Said at most once a minute per "
             "search shape.)", prepared.resolved.field.name, prepared.resolved.method, found,
             prepared.request.window, query, chosen.reason, exact,
             " With COSINE, vectors of all zeros are not in the index." if prepared.resolved.target.metric.undefined
             else "")


def _planner_sorts(conn: psycopg.Connection, prepared: Prepared, chosen: strategy.Chosen) -> bool:
    """Whether the server would sort the filtered rows instead of running the index scan chosen.

    It does so when the vectors are stored out of line (see search_sql.inner_select); the
    statement is then written with the filter above a fence.  Asked once per choice (the
    choice is kept on the plan), with the settings of the scan, which the server's costs
    depend on.
    """
    statement, params = _statement(conn, prepared, [0], False, prepared.request.window, fence=False)
    plan = execute(conn, b"EXPLAIN (FORMAT JSON) " + statement, params, chosen.settings, prepare=False)[0][0]
    return strategy.sorts_instead_of_index_scan(plan)


def _execute(conn: psycopg.Connection, prepared: Prepared, which: Sequence[int], exact: bool,
             settings: dict[str, str], window: int, fence: bool = False) -> list[list[Row]]:
    """Run the statement for the query vectors ``which``; de-duplicated hits per vector."""
    if len(which) > 1 and prepared.plan.resolved.target.metric.one_query_per_statement:
        return [hits for i in which for hits in _execute(conn, prepared, [i], exact, settings, window, fence)]
    fetch = window
    while True:
        statement, params = _statement(conn, prepared, which, exact, fetch, fence)
        rows = execute(conn, prepared.statement_for(statement), params, settings)
        hits = _split(prepared, rows, len(which))
        # Duplicate primary keys (legal in Milvus) can leave fewer than `window` distinct hits
        # although more rows exist: fetch more for those vectors.
        lacking = False
        for k, raw in enumerate(hits):
            if len(set(map(_PK_OF, raw))) < len(raw):
                hits[k] = ded = _dedupe(raw)
                lacking = lacking or len(raw) >= fetch and len(ded) < window
        if not lacking or prepared.plan.group is not None or fetch >= 8 * window + 1024:
            return hits
        fetch *= 2
        exact = True


def _statement(conn: psycopg.Connection, prepared: Prepared, which: Sequence[int], exact: bool, fetch: int,
               fence: bool) -> tuple[bytes, dict[str, Any]]:
    """The statement (cached on the plan) and its parameters for the query vectors ``which``."""
    plan, request = prepared.plan, prepared.request
    nq = len(which)
    range_filter = request.params.get("range_filter") is not None  # checked by prepare (check_range)
    keyset = prepared.keyset is not None
    limit = request.window if plan.group is not None else fetch
    target = plan.resolved.target
    fence = fence and not exact
    key: tuple = (nq == 1, exact, limit, range_filter, keyset, fence)
    slotted = bm25.slotted(prepared.vectors[which[0]]) if nq == 1 and prepared.terms is not None else None
    if slotted is not None:  # BM25, one query: scored term by term (slot_params below)
        target = replace(target, metric=slotted)
        key += (slotted.slots,)
    statement = plan.statements.get(key)
    if statement is None:
        statement = plan.statement(conn, key, lambda: search_sql.search_statement(
            target, nq, plan.resolved.conditions, _selected(plan, request), exact=exact, limit=limit,
            range_filter=range_filter, group=plan.group.expression() if plan.group is not None else None, keyset=keyset,
            array_type=array_type(target.query_type), guard=plan.guard, filter_condition=plan.filter,
            fence=fence))
    params = prepared.params
    params = dict(params) if params else {}
    if nq == 1:
        params["q"] = prepared.vectors[which[0]]
        if slotted is not None:
            params.update(bm25.slot_params(params["q"]))
    else:
        params["qs"] = [prepared.vectors[i] for i in which]
    if plan.group is not None:
        params["group_size"] = request.group_size
    if range_filter:
        params["range_filter"] = request.range_filter
    if keyset:
        params["last_d"], params["tied"] = prepared.keyset
    return statement, params


def _selected(plan: Plan, request: SearchRequest) -> list[sql.Composable]:
    """The output fields' select items, then the request's extra columns (after them in each row:
    ``extras``).  The extras are pgmilvus's compiled SQL, literals only: a % is doubled for the
    statement's placeholders."""
    return [*plan.out.select_items("t"), *(sql.SQL(text.replace("%", "%%")) for text in request.extra_columns),
            *(sql.SQL(key.column.replace("%", "%%")) for key in plan.order),
            *(sql.Identifier("t", name) for name in (plan.agg.columns if plan.agg is not None else ()))]


def extras(prepared: Prepared, row: Row) -> Row:
    """The values of the request's extra columns in a hit row (not grouped: boosts refuse it)."""
    return row[2 + prepared.plan.out.width:]


def execute(conn: psycopg.Connection, statement: Union[bytes, sql.Composable], params: dict[str, Any],
            settings: dict[str, str], prepare: bool = True) -> list[tuple]:
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
    return statements.fetch_all(conn, statement, params, prepare=prepare)


def apply_settings(conn: psycopg.Connection, settings: dict[str, str]) -> None:
    if not settings:
        return
    current: dict[str, str] = getattr(conn, "_pgmilvus_gucs", {})
    if settings.items() <= current.items():
        return
    changed = {k: v for k, v in settings.items() if current.get(k) != v}
    set_stmt, set_params = search_sql.settings_statement(changed)
    idle = conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    conn.execute(set_stmt, set_params)
    # Outside a transaction the change is committed at once; inside one it could still be
    # rolled back, so it is not remembered.
    conn._pgmilvus_gucs = {**current, **changed} if idle else {}


# -- turning rows into hits --------------------------------------------------------------------

def _split(prepared: Prepared, rows: list[tuple], nq: int) -> list[list[Row]]:
    """Rows of the statement -> hit rows per query vector, sorted by (distance, pk)."""
    if nq == 1:
        per_query = [rows]
    else:                                   # batched rows start with the query vector's number
        per_query = [[] for _ in range(nq)]
        for row in rows:
            per_query[row[0] - 1].append(row[1:])
    key = _GROUPED_ORDER if prepared.plan.group is not None else _ORDER
    for part in per_query:
        part.sort(key=key)                  # C-level keys: this runs on every search
    return per_query


def _dedupe(rows: list[Row]) -> list[Row]:
    """The rows with a primary key seen before dropped (best first: the first of each is kept)."""
    seen: set[Any] = set()
    out = []
    for row in rows:
        if row[PK] not in seen:
            seen.add(row[PK])
            out.append(row)
    return out


def to_result(prepared: Prepared, per_query: list[list[Row]]) -> SearchResult:
    """Milvus's distances, range search's far bound, offset / limit, then Hit objects."""
    if prepared.plan.agg is not None:
        return _aggregated(prepared, per_query)
    if len(per_query) == 1:  # one query vector (the common case): no comprehension's call
        return search_result([prepared.hits(finish(prepared, per_query[0]))], prepared.plan.pk_name)
    return search_result([prepared.hits(finish(prepared, rows)) for rows in per_query], prepared.plan.pk_name)


def _aggregated(prepared: Prepared, per_query: list[list[Row]]) -> SearchResult:
    """An aggregation search's result: no hits (Milvus returns none), ``agg_buckets`` per query."""
    plan = prepared.plan
    agg = plan.agg
    assert agg is not None
    start = 3 + plan.out.width + len(prepared.request.extra_columns)
    stop = start + len(agg.columns)
    entity = plan.entity
    value = agg_compute.hit_value
    out = []
    for rows in per_query:
        kept = finish(prepared, rows)
        kept.sort(key=lambda hit: (hit[0][RAW], hit[0][PK]))  # best first over all groups, as Milvus walks them
        scores = search_sql.float32([distance for _, distance in kept])  # Milvus's scores are float32
        hits = [agg_compute.Row(row[PK], score, row[start:stop], {} if entity is None else
                                {k: value(v) for k, v in entity(row).items() if v is not None})
                for (row, _), score in zip(kept, scores)]
        out.append(agg_compute.buckets(agg, hits, agg.field_ids))
    result = search_result([[] for _ in per_query], plan.pk_name)
    result.agg_buckets = out
    return result


def finish(prepared: Prepared, rows: list[Row]) -> list[tuple[Row, float]]:
    """(hit row, Milvus distance) after the range bound, offset and limit of the request."""
    request = prepared.request
    plan = prepared.plan
    metric = plan.resolved.target.metric
    values = metric.to_milvus(list(map(_RAW_OF, rows)))
    if request.params.get("radius") is not None:  # checked by prepare (check_range)
        radius = search_sql.float32([request.radius])[0]
        rows, values = _kept(rows, values, [(d > radius if metric.larger_is_better else d < radius) for d in values])
    elif metric.positive_only and values and not values[-1] > 0:
        rows, values = _kept(rows, values, [d > 0 for d in values])
    if request.round_decimal > 0:
        values = [round(v, request.round_decimal) for v in values]
    out = list(zip(rows, values))
    if plan.order:
        return _ordered(prepared, out)
    if plan.group is not None:
        lo, hi = request.offset, request.offset + request.limit
        return [(r, d) for r, d in out if lo < r[-1] <= hi]
    return out[request.offset:request.offset + request.limit]


def _kept(rows: list[Row], values: list[float], keep: list[bool]) -> tuple[list[Row], list[float]]:
    return [r for r, k in zip(rows, keep) if k], [d for d, k in zip(values, keep) if k]


def _ordered(prepared: Prepared, out: list[tuple[Row, float]]) -> list[tuple[Row, float]]:
    """order_by_fields: the window's hits (groups) sorted by the keys' values, then offset and limit."""
    plan, request = prepared.plan, prepared.request
    grouped = plan.group is not None
    start = (3 if grouped else 2) + plan.out.width + len(request.extra_columns)
    stop = start + len(plan.order)

    def values(hit: tuple[Row, float]) -> Row:
        return hit[0][start:stop]

    if not grouped:
        return order_mod.ordered(out[:request.window], plan.order, values)[request.offset:request.window]
    window = [hit for hit in out if hit[0][-1] <= request.window]
    hits = order_mod.ordered(window, plan.order, values, group_of=lambda hit: hit[0][-1])
    ranks = list(dict.fromkeys(hit[0][-1] for hit in hits))[request.offset:request.window]
    kept = set(ranks)
    return [hit for hit in hits if hit[0][-1] in kept]
