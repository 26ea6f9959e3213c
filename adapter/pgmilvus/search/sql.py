"""SQL for vector search, built with ``psycopg.sql`` (identifiers quoted, values bound).

Distances: every statement orders by pgvector's own value (``raw``), always
ascending, and Python turns it into Milvus's number (``Metric.to_milvus``):

=========  ===================  ====================  =====================
metric     index form (orders)  exact form (no index)  Milvus distance
=========  ===================  ====================  =====================
L2         ``a <-> b``          ``l2_distance``        raw² (squared L2)
IP         ``a <#> b`` (= -ip)  ``-inner_product``     -raw (dot product)
COSINE     ``a <=> b``          ``cosine_distance``    1 - raw (similarity)
HAMMING    ``a <~> b``          ``hamming_distance``   raw
JACCARD    ``a <%> b``          ``jaccard_distance``   raw
=========  ===================  ====================  =====================

SUBSTRUCTURE and SUPERSTRUCTURE (``StructureMetric``) are a condition, not a distance: every
hit is at 0.

The *exact* form computes the same number with pgvector's functions, which
an index cannot serve: that is how a statement asks for an exact scan
without turning off index scans for the filter columns (a B-tree on a
filtered field still helps).

A zero vector has no direction: pgvector's cosine distance to it is NaN,
Milvus's cosine similarity 0 (never NaN).  The exact form maps NaN to 1
(similarity 0), so such rows rank where milvus-lite ranks them; pgvector's
cosine indexes do not hold zero vectors (nor does a Milvus 2.3.5 server
return them), and a zero query vector is run as an exact scan (search.run).

Several query vectors go in one statement: ``unnest`` of an array of vectors
``WITH ORDINALITY`` and a ``LATERAL`` subquery per vector, so one round trip
serves the whole batch and each vector still gets its own index scan.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar, Optional, Sequence

from array import array
from operator import mul, neg

import numpy as np
from psycopg import sql
from psycopg.adapt import PyFormat

from ..schema.ddl import PARTITION_COLUMN, cast_sql

#: Column aliases used inside search statements; field names cannot start with "$".
PK, DIST, GROUP, BEST, RANK, QVEC, QNUM = "$pk", "$d", "$g", "$best", "$rank", "$v", "$i"


@dataclass(frozen=True)
class Metric:
    """How one Milvus metric maps onto pgvector (see the module table)."""

    name: str
    operator: str
    function: str
    negate_function: bool
    larger_is_better: bool
    undefined: Optional[str] = None   # the exact form's value where pgvector's is NaN (zero vectors)
    #: Rows at distance 0 are no hits (MHJACCARD): they sort last, and the answer drops them
    #: (ann.finish) rather than a condition computing the distance a second time.
    positive_only: bool = False
    #: pgvector's ``vector[]`` has no array of arrays: one query vector per statement (ann._execute).
    one_query_per_statement: ClassVar[bool] = False

    def raw(self, column: sql.Composable, query: sql.Composable, exact: bool) -> sql.Composable:
        """pgvector's distance (smaller = closer) in index-orderable or exact form."""
        if not exact:
            # Statements always carry bound parameters, so a literal % (Jaccard's <%>) is doubled.
            return sql.SQL("({} {} {})").format(column, sql.SQL(self.operator.replace("%", "%%")), query)
        call = sql.SQL("{}({}, {})").format(sql.SQL(self.function), column, query)
        if self.undefined is not None:
            call = sql.SQL("COALESCE(NULLIF({}, 'NaN'), {})").format(call, sql.SQL(self.undefined))
        return sql.SQL("(-{})").format(call) if self.negate_function else call

    def matches(self, column: sql.Composable, query: sql.Composable) -> Optional[sql.Composable]:
        """A condition every hit meets, given the query (None: every row has a distance; BM25's
        rows must hold a query term, search/bm25.py)."""
        return None

    def milvus_sql(self, raw: sql.Composable) -> sql.Composable:
        """Milvus's distance from ``raw``, in SQL (as float4, the precision Milvus returns)."""
        text = {"L2": "(({0}) * ({0}))", "IP": "(-({0}))", "COSINE": "(1 - ({0}))"}.get(self.name, "({0})")
        return sql.SQL("(" + text + ")::real").format(raw)

    def to_milvus(self, raw: list[float]) -> list[float]:
        """Milvus's distances from pgvector's, rounded to float32 as Milvus returns them."""
        # map() over C functions rather than comprehensions: no Python-level call (every search)
        if self.name == "L2":
            raw = list(map(mul, raw, raw))
        elif self.name == "IP":
            raw = list(map(neg, raw))
        elif self.name == "COSINE":
            raw = list(map((1.0).__sub__, raw))
        return float32(raw)


def float32(values: list[float]) -> list[float]:
    """``values`` rounded to float32 (Python floats holding float32 values).

    ``array("f")`` does it in C without numpy's per-call overhead (this runs on
    every search); past float32's range it refuses, and numpy gives inf as Milvus does.
    """
    try:
        return array("f", values).tolist()
    except OverflowError:
        with np.errstate(over="ignore"):
            return np.asarray(values, dtype=np.float64).astype(np.float32).tolist()


@dataclass(frozen=True)
class OverlapMetric(Metric):
    """IP on sparse vectors: Milvus's inverted index only visits rows sharing a dimension with the
    query, so a row with nothing in common (inner product 0, an empty query) is never a hit, where
    pgvector would fill ``limit`` with them at distance 0."""

    def matches(self, column: sql.Composable, query: sql.Composable) -> Optional[sql.Composable]:
        return sql.SQL("({} <#> {}) <> 0").format(column, query)


#: The sparse IP search's metric (target.resolve picks it for SPARSE_FLOAT_VECTOR fields).
SPARSE_IP = OverlapMetric("IP", "<#>", "inner_product", True, True)

@dataclass(frozen=True)
class WideMetric(Metric):
    """A wide vector (schema/model.py ``is_wide``: more than pgvector's 16,000 dims, stored as an
    array of pieces) has no index: its raw distance is summed over the pieces, in the raw form of
    the metric (L2: the root of the summed squares; IP: the summed negated products; COSINE: one
    minus the summed products over the norms, 1 for a zero vector, as the exact form says)."""

    one_query_per_statement: ClassVar[bool] = True

    def raw(self, column: sql.Composable, query: sql.Composable, exact: bool) -> sql.Composable:
        a, b = sql.Identifier("$w", "$a"), sql.Identifier("$w", "$b")
        if self.name == "L2":
            value = sql.SQL("sqrt(sum(({} <-> {}) ^ 2))").format(a, b)
        elif self.name == "IP":
            value = sql.SQL("sum({} <#> {})").format(a, b)
        else:
            value = sql.SQL("COALESCE(1 + sum({a} <#> {b}) / NULLIF(sqrt(sum({a} <#> {a}) * sum({b} <#> {b})), 0), "
                            "1)").format(a=a, b=b)
        return sql.SQL('(SELECT {} FROM unnest({}, {}) AS "$w"("$a", "$b"))').format(value, column, query)


@dataclass(frozen=True)
class StructureMetric(Metric):
    """SUBSTRUCTURE / SUPERSTRUCTURE on binary vectors (BIN_FLAT's, knowhere's ``binary_knn_mc``):
    a row is a hit when it holds every bit of the query (SUBSTRUCTURE: ``(row & q) = q``) or
    every bit it has is the query's (SUPERSTRUCTURE: ``(row & q) = row``), at distance 0; there
    is no nearer or farther, so hits come in primary-key order (knowhere takes the first matching
    rows of each segment in row order) and fewer than ``limit`` rows may match.  Bit strings of
    one length AND bitwise in Postgres; no index serves the test: always an exact scan."""

    def raw(self, column: sql.Composable, query: sql.Composable, exact: bool) -> sql.Composable:
        return sql.SQL("0::float8")

    def matches(self, column: sql.Composable, query: sql.Composable) -> Optional[sql.Composable]:
        whole = query if self.name == "SUBSTRUCTURE" else column
        return sql.SQL("(({} & {}) = {})").format(column, query, whole)


METRICS = {
    "L2": Metric("L2", "<->", "l2_distance", False, False),
    "IP": Metric("IP", "<#>", "inner_product", True, True),
    "COSINE": Metric("COSINE", "<=>", "cosine_distance", False, True, undefined="1"),
    "HAMMING": Metric("HAMMING", "<~>", "hamming_distance", False, False),
    "JACCARD": Metric("JACCARD", "<%>", "jaccard_distance", False, False),
    "SUBSTRUCTURE": StructureMetric("SUBSTRUCTURE", "", "", False, False),
    "SUPERSTRUCTURE": StructureMetric("SUPERSTRUCTURE", "", "", False, False),
}


@dataclass(frozen=True)
class Target:
    """Where and what a search reads: the table, the vector column and its query type."""

    table: sql.Composable            # qualified parent or child table
    pk: str                          # primary key column
    column: sql.Composable           # the vector column (maybe cast, e.g. sparsevec's typmod for the index)
    query_type: str                  # SQL type of one query vector, e.g. "vector(128)"
    metric: Metric
    #: An index on ``column::approx`` (a float vector indexed as halfvec) orders the index scans;
    #: the distances come from the column itself (inner_select).
    approx: Optional[str] = None


def query_param(target: Target, name: str = "q") -> sql.Composable:
    """One query vector bound as a parameter, typed like the column."""
    return sql.SQL("{}::{}").format(sql.Placeholder(name, PyFormat.BINARY), sql.SQL(target.query_type))


def _lateral_query(target: Target) -> sql.Composable:
    return sql.SQL("{}::{}").format(sql.Identifier("q", QVEC), sql.SQL(target.query_type))


def _where(conditions: Sequence[sql.Composable]) -> sql.Composable:
    if not conditions:
        return sql.SQL("")
    return sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conditions)


def _outputs(items: Sequence[sql.Composable]) -> sql.Composable:
    if not items:
        return sql.SQL("")
    return sql.SQL(", ") + sql.SQL(", ").join(
        sql.SQL("{} AS {}").format(item, sql.Identifier(f"$o{i}")) for i, item in enumerate(items))


def range_condition(target: Target, raw: sql.Composable, value_name: str,
                    closer_side: bool) -> sql.Composable:
    """Milvus's range-search inequality on one side (section 9.4 of the API notes).

    ``closer_side`` (range_filter): keep ``d >= range_filter`` (L2-like) or
    ``d <= range_filter`` (IP/COSINE); far side (radius): ``d < radius`` or ``d > radius``.
    """
    larger = target.metric.larger_is_better
    if closer_side:
        op = "<=" if larger else ">="
    else:
        op = ">" if larger else "<"
    return sql.SQL("{} {} {}::real").format(target.metric.milvus_sql(raw), sql.SQL(op),
                                           sql.Placeholder(value_name))


def partition_condition(name: str = "parts") -> sql.Composable:
    return sql.SQL("{} = ANY({})").format(sql.Identifier("t", PARTITION_COLUMN), sql.Placeholder(name))


def inner_select(target: Target, query: sql.Composable, conditions: Sequence[sql.Composable],
                 outputs: Sequence[sql.Composable], exact: bool, limit: int,
                 range_filter: bool = False, keyset: bool = False,
                 filter_condition: Optional[sql.Composable] = None, fence: bool = False) -> sql.Composable:
    """The top-k statement for one query vector.

    ``limit`` is written into the statement, not bound: with ``LIMIT $n`` the
    server's generic plan of a prepared statement is slower (measured 7% on a
    small HNSW search), and statements are cached per limit anyway.

    Ordered by the raw distance only in index mode (a second key would stop the
    index from serving the order), by (distance, pk) in exact mode so ties are stable.

    ``filter_condition`` is the user's filter.  With ``fence`` (index mode) it
    is applied above a fence (``ORDER BY d OFFSET 0`` in a subquery), so the
    planner cannot swap the index scan for a filtered sequential scan and a
    top-N sort.  It does that when the vectors are stored out of line (TOAST,
    any vector over ~2 kB, i.e. float vectors of more than ~500 dimensions):
    it costs reading them as if it were free, and sorted for filters the index
    serves far faster (768-d, 60k rows, a 50% filter: 61 ms sorted, 2.2 ms
    fenced).  The fence is only used when the server would sort
    (search._planner_sorts): where it already runs the index scan, the filter
    is cheaper inside it (768-d, a 5% filter: 2.3 ms, 3.3 ms fenced).
    """
    if target.approx is not None and not exact:
        return _refined(target, query, conditions, outputs, limit, range_filter, keyset, filter_condition, fence)
    raw = target.metric.raw(target.column, query, exact)
    pk = sql.Identifier("t", target.pk)
    conds = _with_match(target, query, conditions)
    if range_filter:
        conds.append(range_condition(target, raw, "range_filter", closer_side=True))
    if keyset:
        conds.append(_after_last_page(raw, pk))
    order = sql.SQL("{}").format(sql.Identifier(DIST))
    if exact:
        order = sql.SQL("{}, {}").format(sql.Identifier(DIST), sql.Identifier(PK))
    if filter_condition is not None and fence and not exact:
        return sql.SQL("SELECT {pk} AS {pk_alias}, {dist} AS {d}{outputs} FROM (SELECT t.*, {raw} AS {d} "
                       "FROM {table} AS t{where} ORDER BY {d} OFFSET 0) AS t WHERE {filter} "
                       "LIMIT {limit}").format(
            pk=pk, pk_alias=sql.Identifier(PK), dist=sql.Identifier("t", DIST), d=sql.Identifier(DIST),
            outputs=_outputs(outputs), raw=raw, table=target.table, where=_where(conds),
            filter=filter_condition, limit=sql.Literal(int(limit)))
    if filter_condition is not None:
        conds.append(filter_condition)
    return sql.SQL("SELECT {pk} AS {pk_alias}, {raw} AS {d}{outputs} FROM {table} AS t{where} "
                   "ORDER BY {order} LIMIT {limit}").format(
        pk=pk, pk_alias=sql.Identifier(PK), raw=raw, d=sql.Identifier(DIST), outputs=_outputs(outputs),
        table=target.table, where=_where(conds), order=order, limit=sql.Literal(int(limit)))


def _after_last_page(raw: sql.Composable, pk: sql.Composable) -> sql.Composable:
    """A search iterator's next page: farther rows, or rows at the same distance not returned yet
    (``tied`` holds every key already returned at that distance).  Exact ties are common
    (duplicate vectors) and an index scan orders them arbitrarily, so the pk alone cannot say
    which of them came before."""
    return sql.SQL("({raw} > {d} OR ({raw} = {d} AND NOT {pk} = ANY({tied})))").format(
        raw=raw, d=sql.Placeholder("last_d"), pk=pk, tied=sql.Placeholder("tied"))


#: Candidates an index on a vector's first dims (catalog/indexes.py halfvec_cast) takes per hit
#: asked for: its order is coarser than the whole vector's.
PREFIX_CANDIDATES = 4


def _refined(target: Target, query: sql.Composable, conditions: Sequence[sql.Composable],
             outputs: Sequence[sql.Composable], limit: int, range_filter: bool, keyset: bool,
             filter_condition: Optional[sql.Composable], fence: bool) -> sql.Composable:
    """An index scan on the ``approx`` cast of a float vector finds the candidates: the top
    ``limit`` of a halfvec index, four times as many of one on the vector's first 4,000 dims.
    Their distances are then computed on the stored vectors and the query as given, and the
    ``limit`` nearest returned in that order: Milvus's HNSW returns approximate neighbours at
    their exact distances.  The exact distance rides along as the last output of the candidates'
    statement; a range_filter and a search iterator's last page are checked on it as the index
    scan goes (at halfvec precision a hit on the bound could fall either side), so an iterator's
    pages follow each other by exact distance too."""
    prefix = target.approx.startswith("subvector")
    approx = replace(target, column=cast_sql(target.column, target.approx), approx=None)
    exact_distance = target.metric.raw(target.column, query, False)
    conditions = list(conditions)
    if range_filter:
        conditions.append(range_condition(target, exact_distance, "range_filter", closer_side=True))
    if keyset:
        conditions.append(_after_last_page(exact_distance, sql.Identifier("t", target.pk)))
    candidates = inner_select(approx, cast_sql(query, target.approx), conditions, [*outputs, exact_distance],
                              False, limit * PREFIX_CANDIDATES if prefix else limit,
                              filter_condition=filter_condition, fence=fence)
    distance = sql.Identifier(f"$o{len(outputs)}")
    kept = [sql.Identifier(f"$o{i}") for i in range(len(outputs))]
    return sql.SQL("SELECT {pk}, {distance} AS {d}{kept} FROM ({candidates}) AS c ORDER BY {distance}, {pk} "
                   "LIMIT {limit}").format(
        pk=sql.Identifier(PK), distance=distance, d=sql.Identifier(DIST),
        kept=sql.SQL("").join(sql.SQL(", ") + item for item in kept), candidates=candidates,
        limit=sql.Literal(int(limit)))


def _with_match(target: Target, query: sql.Composable, conditions: Sequence[sql.Composable]
                ) -> list[sql.Composable]:
    match = target.metric.matches(target.column, query)
    return [*conditions, match] if match is not None else list(conditions)


def grouped_select(target: Target, query: sql.Composable, conditions: Sequence[sql.Composable],
                   outputs: Sequence[sql.Composable], group: sql.Composable, groups: int) -> sql.Composable:
    """Grouping search, exactly: the best ``group_size`` hits of the best ``groups`` groups.

    Groups are ranked by their best hit (ties by the group value); the rows of
    one group by (distance, pk).  Window functions over the filtered rows, so it
    is an exact scan (a grouping search cannot stop an index scan early).  ``group``: the
    group value of a row of ``t`` (grouping.GroupBy.expression).
    """
    raw = target.metric.raw(target.column, query, True)
    pk = sql.Identifier("t", target.pk)
    conditions = _with_match(target, query, conditions)
    inner = sql.SQL(
        "SELECT {pk} AS {pk_alias}, {raw} AS {d}, {group} AS {g}{outputs}, "
        "row_number() OVER (PARTITION BY {group} ORDER BY {raw}, {pk}) AS \"$rn\", "
        "min({raw}) OVER (PARTITION BY {group}) AS {best} FROM {table} AS t{where}").format(
        pk=pk, pk_alias=sql.Identifier(PK), raw=raw, d=sql.Identifier(DIST), group=group,
        g=sql.Identifier(GROUP), outputs=_outputs(outputs), best=sql.Identifier(BEST),
        table=target.table, where=_where(conditions))
    ranked = sql.SQL("SELECT s.*, dense_rank() OVER (ORDER BY {best}, {g}) AS {rank} FROM ({inner}) AS s "
                     "WHERE \"$rn\" <= {size}").format(
        best=sql.Identifier(BEST), g=sql.Identifier(GROUP), rank=sql.Identifier(RANK), inner=inner,
        size=sql.Placeholder("group_size"))
    return sql.SQL("SELECT * FROM ({ranked}) AS s2 WHERE {rank} <= {groups}").format(
        ranked=ranked, rank=sql.Identifier(RANK), groups=sql.Literal(int(groups)))


def batched(target: Target, inner: sql.Composable, array_type: str,
            guard: Optional[sql.Composable] = None) -> sql.Composable:
    """Run ``inner`` (written against ``q."$v"``) once per query vector, in one statement.

    ``guard`` (a one-time condition) goes on the outer query: evaluated once, not per vector.
    """
    return sql.SQL("SELECT q.{i}, r.* FROM unnest({qs}::{atype}) WITH ORDINALITY AS q({v}, {i}) "
                   "CROSS JOIN LATERAL ({inner}) AS r{where}").format(
        i=sql.Identifier(QNUM), qs=sql.Placeholder("qs", PyFormat.BINARY), atype=sql.SQL(array_type), v=sql.Identifier(QVEC),
        inner=inner, where=_where([guard] if guard is not None else []))


def search_statement(target: Target, nq: int, conditions: Sequence[sql.Composable],
                     outputs: Sequence[sql.Composable], *, exact: bool, limit: int, range_filter: bool = False,
                     group: Optional[sql.Composable] = None, keyset: bool = False,
                     array_type: str = "", guard: Optional[sql.Composable] = None,
                     filter_condition: Optional[sql.Composable] = None, fence: bool = False) -> sql.Composable:
    """The whole statement for ``nq`` query vectors (a scalar parameter when nq == 1).

    ``conditions``: the partitions searched and such; ``filter_condition``: the
    user's filter (see inner_select for where it goes).

    ``guard``: the catalog revision check (catalog.revision_guard), a condition
    with no column in it that the server evaluates once per statement.  It is
    put above the top-k (a subquery with LIMIT keeps it there): in the scan's
    WHERE it would add a gating node that every scanned row passes through
    (measured 3% on an exact scan of 50k rows).
    """
    query = query_param(target) if nq == 1 else _lateral_query(target)
    if group is not None:
        everything = [*conditions, filter_condition] if filter_condition is not None else list(conditions)
        if range_filter:  # search_aggregation's range search (a grouping search refuses one)
            raw = target.metric.raw(target.column, query, True)
            everything.append(range_condition(target, raw, "range_filter", closer_side=True))
        inner = grouped_select(target, query, everything, outputs, group, limit)
    else:
        inner = inner_select(target, query, conditions, outputs, exact, limit, range_filter=range_filter,
                             keyset=keyset, filter_condition=filter_condition, fence=fence)
    if nq > 1:
        return batched(target, inner, array_type, guard)
    if guard is None:
        return inner
    return sql.SQL("SELECT * FROM ({}) AS {} WHERE {}").format(inner, sql.Identifier("$top"), guard)


def count_statement(table: sql.Composable, conditions: Sequence[sql.Composable],
                    column: sql.Composable = sql.SQL("1")) -> sql.Composable:
    """The rows a search reads, for the planner's estimates (``column``: what is selected)."""
    return sql.SQL("SELECT {} FROM {} AS t{}").format(column, table, _where(conditions))


def explain(statement: sql.Composable) -> sql.Composable:
    return sql.SQL("EXPLAIN (FORMAT JSON) ") + statement


#: What the cost model (strategy.py) needs of the server's settings: shared_buffers in pages,
#: the page size, and the planner's costs of a sequential page and of a row.
SERVER_COSTS = sql.SQL(
    "SELECT pg_size_bytes(current_setting('shared_buffers')) / current_setting('block_size')::float8, "
    "current_setting('block_size')::float8, current_setting('seq_page_cost')::float8, "
    "current_setting('cpu_tuple_cost')::float8")


def settings_statement(settings: dict[str, str]) -> tuple[sql.Composable, list[Any]]:
    """One SELECT applying ``settings`` with set_config (session level; see search.py)."""
    calls = [sql.SQL("set_config({}, {}, false)").format(sql.Placeholder(), sql.Placeholder())
             for _ in settings]
    params: list[Any] = []
    for key, value in settings.items():
        params.extend([key, value])
    return sql.SQL("SELECT ") + sql.SQL(", ").join(calls), params


def fetch_by_pk(table: sql.Composable, pk: str, outputs: Sequence[sql.Composable],
                guard: sql.Composable) -> sql.Composable:
    """Output fields of given primary keys (hybrid_search fetches them after fusing).

    ``guard`` (catalog.revision_guard) fails the statement if the collection
    changed since the description the outputs were planned from.
    """
    return sql.SQL("SELECT DISTINCT ON ({pk}) {pk}{outputs} FROM {table} AS t "
                   "WHERE {pk} = ANY({ids}) AND {guard}").format(
        pk=sql.Identifier("t", pk), outputs=_outputs(outputs), table=table, ids=sql.Placeholder("ids"),
        guard=guard)
