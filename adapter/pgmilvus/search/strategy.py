"""Index scan or exact scan, and the pgvector settings of an index scan.

Why this exists: with a filter, an HNSW / IVFFlat scan in Postgres finds
the nearest rows first and filters them afterwards, so a selective filter
can leave it with fewer than ``limit`` rows (pgvector issues 259, 671, 719).
pgvector 0.8's *iterative* index scans keep scanning until enough rows pass
(bounded by ``hnsw.max_scan_tuples`` / ``ivfflat.max_probes``); that is used
for every index scan here.  An exact scan of the matching rows is exact and,
when few rows match or an index on the filtered fields finds them, cheaper;
the planner's estimates for the filter (``EXPLAIN``, cached briefly) feed a
small cost model that picks the cheaper of the two (``exact_is_cheaper``).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from typing import Any, Optional

import psycopg

from ..catalog import indexes
from ..pg.connection import pipeline
from . import sql as search_sql

#: Below this estimated fraction of matching rows an exact scan is used whatever it costs: an
#: iterative index scan would visit too many tuples per hit to keep its recall.
EXACT_MAX_SELECTIVITY = 0.002
#: The cost model, in microseconds (measured on 50k-60k rows of 128-, 384-, 768- and 1536-d
#: clustered vectors, embedded server, 2 cores; docs/search.md has the table).  An exact scan
#: finds the matching rows (the planner's cost for that, per unit: cheap while the table fits in
#: a quarter of shared_buffers, dearer above, where sequential scans read through a small ring
#: buffer from the OS's cache) and computes one distance per matching row (far dearer when the
#: vectors are stored out of line, TOAST, from ~500 float dimensions on: each is fetched and
#: decompressed).  An index scan visits about max(ef, window / selectivity) candidates, each
#: costing some neighbour distances in the graph.
READ_UNIT_US = 0.35
READ_UNIT_RING_US = 1.2
ROW_US, ROW_US_PER_DIM = 0.1, 0.0004
OUT_OF_LINE_ROW_US, OUT_OF_LINE_ROW_US_PER_DIM = 0.9, 0.0014
CANDIDATE_US, CANDIDATE_US_PER_DIM = 1.5, 0.0075
#: pgvector's default ef_search is 40 (recall ~0.95 on clustered data); Milvus lets ef go from topk up.
DEFAULT_EF = 100
MAX_EF = 1000
DEFAULT_NPROBE = 8
#: pgvector's largest ivfflat.probes (its lists): knowhere takes nprobe up to 65536, searched with this many.
MAX_PROBES = 32768
MIN_SCAN_TUPLES = 20_000
MAX_SCAN_TUPLES = 2_000_000
#: How long a choice resting on the planner's estimate is kept (rows change; an index created
#: on a filtered field changes the catalog revision, hence the plan, at once).
_ESTIMATE_TTL = 30.0
_CHOICES_PER_PLAN = 64


@dataclass
class Chosen:
    exact: bool
    settings: dict[str, str] = field(default_factory=dict)
    reason: str = ""
    fence: Optional[bool] = None   # filter above a fence (search._planner_sorts); None: not asked yet


@dataclass
class Estimate:
    """The planner's estimates for one filtered search, and what the cost model needs of the data."""

    rows: float                 # rows matching the filter
    total: float                # rows searched (the partitions asked for)
    seq_scan: bool = True       # the filter's rows are found by reading every row (no usable index)
    read_cost: float = 0.0      # the planner's cost of finding them (units of one sequential page)
    ring: bool = False          # the table is over a quarter of shared_buffers (ring-buffer reads)
    dim: int = 128              # the vector's dimension, in float-sized elements
    out_of_line: bool = False   # the vectors are stored out of line (TOAST)

    @property
    def selectivity(self) -> float:
        return 1.0 if self.total <= 0 else min(1.0, self.rows / self.total)


def choose(conn: psycopg.Connection, prepared: Any) -> Chosen:
    """Exact scan or index scan (with its settings) for one prepared search.

    The choice is kept on the search's plan (search.Plan, one per collection
    revision and search shape; per value set of a bound range, whose matching
    rows depend on the values) for ``_ESTIMATE_TTL`` seconds when it rests on
    the planner's estimate, for good otherwise: repeated searches of one shape
    neither EXPLAIN again nor recompute the settings.
    """
    plan, request = prepared.plan, prepared.request
    resolved = plan.resolved
    if resolved.method is None:
        return _NO_INDEX
    if plan.group is not None:
        return _GROUPING
    params = request.params
    key = (request.window, prepared.keyset is not None, params.get("ef"), params.get("nprobe"),
           params.get("search_list"), params.get("search_list_size"), prepared.choice_key)
    choices = plan.choices
    now = time.monotonic()
    kept = choices.get(key)
    if kept is not None and kept[0] > now:
        return kept[1]
    estimate = estimate_rows(conn, prepared) if plan.filter is not None else None
    chosen = _choose(resolved.method, request.params, request.window, estimate, prepared.keyset is not None)
    if len(choices) >= _CHOICES_PER_PLAN:
        choices.clear()
    choices[key] = (now + _ESTIMATE_TTL if estimate is not None else math.inf, chosen)
    return chosen


_NO_INDEX = Chosen(True, reason="no vector index on the field (FLAT, none, or over pgvector's dimension "
                                "limit): exact scan", fence=False)
_GROUPING = Chosen(True, reason="grouping search: exact scan", fence=False)


def _choose(method: str, params: dict[str, Any], window: int, estimate: Optional[Estimate],
            ordered: bool) -> Chosen:
    selectivity = estimate.selectivity if estimate is not None else 1.0
    settings = index_settings(method, params, window, selectivity, ordered=ordered)
    if estimate is None:
        return Chosen(False, settings, reason=f"{method} iterative scan, no filter")
    if selectivity <= EXACT_MAX_SELECTIVITY or exact_is_cheaper(estimate, settings, window):
        return Chosen(True, reason=f"filter matches about {estimate.rows:.0f} of {estimate.total:.0f} "
                                   "rows: exact scan of the matching rows")
    return Chosen(False, settings, reason=f"{method} iterative scan, estimated selectivity {selectivity:.4f}")


def exact_is_cheaper(estimate: Estimate, settings: dict[str, str], window: int) -> bool:
    """The cost model of the module's constants: exact scan versus iterative index scan.

    Exact: finding the matching rows (the planner's cost, ring-buffer reads of a
    large table by a sequential scan costing more), plus one distance per row.
    Index: the candidates the graph search visits, about max(ef, window /
    selectivity): an iterative scan goes on until ``window`` rows passed the
    filter (ivfflat and diskann are costed alike: their scans also grow as
    1 / selectivity).
    """
    return exact_cost(estimate) <= index_cost(estimate, settings, window)


def exact_cost(estimate: Estimate) -> float:
    """Microseconds of an exact scan of the matching rows (the module's cost model)."""
    unit = READ_UNIT_RING_US if estimate.ring and estimate.seq_scan else READ_UNIT_US
    if estimate.out_of_line:
        per_row = OUT_OF_LINE_ROW_US + OUT_OF_LINE_ROW_US_PER_DIM * estimate.dim
    else:
        per_row = ROW_US + ROW_US_PER_DIM * estimate.dim
    return unit * estimate.read_cost + per_row * estimate.rows


def index_cost(estimate: Estimate, settings: dict[str, str], window: int) -> float:
    """Microseconds of an iterative index scan until ``window`` rows pass the filter."""
    breadth = int(settings.get("hnsw.ef_search") or settings.get("diskann.query_search_list_size")
                  or DEFAULT_EF)
    candidates = max(breadth, window / max(estimate.selectivity, 1e-9))
    return (CANDIDATE_US + CANDIDATE_US_PER_DIM * estimate.dim) * candidates


def index_settings(method: str, params: dict[str, Any], window: int, selectivity: float,
                   ordered: bool = False) -> dict[str, str]:
    """GUCs for one index scan: ef / nprobe from search_params, iterative scan bounds.

    ``relaxed_order`` lets pgvector return rows slightly out of order (results are
    re-sorted afterwards); ``ordered`` (iterators paging by distance) needs strict order.
    """
    mode = "strict_order" if ordered else "relaxed_order"
    expected = window / max(selectivity, 1e-9)
    scan_tuples = int(min(MAX_SCAN_TUPLES, max(MIN_SCAN_TUPLES, 4 * expected)))
    if method == "ivfflat":
        probes = min(_positive_int(params.get("nprobe"), DEFAULT_NPROBE), MAX_PROBES)
        # pgvector's ivfflat has no strict_order: an ordered walk turns iterative scans off (the
        # probed lists come back strictly sorted; a short page is re-run as an exact scan).
        return {"ivfflat.probes": str(probes), "ivfflat.iterative_scan": "off" if ordered else mode}
    if method == "diskann":
        search_list = _positive_int(params.get("search_list_size", params.get("search_list")), max(100, window))
        return {"diskann.query_search_list_size": str(search_list)}
    ef = _positive_int(params.get("ef", params.get("efSearch")), DEFAULT_EF)  # efSearch: a FAISS HNSW
    # A filter passing a fraction s of the rows leaves about ef * s candidates per round of the
    # graph search: widen ef so that about `window` of them pass (capped by pgvector's 1000).
    ef = min(MAX_EF, max(ef, int(min(expected, MAX_EF))))
    return {"hnsw.ef_search": str(ef), "hnsw.iterative_scan": mode, "hnsw.max_scan_tuples": str(scan_tuples)}


def _positive_int(value: Any, default: int) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default


# -- estimates ----------------------------------------------------------------------------------

def estimate_rows(conn: psycopg.Connection, prepared: Any) -> Estimate:
    """The planner's estimates for the filter and for all rows searched, and the data's layout."""
    plan = prepared.plan
    table = plan.resolved.target.table
    filtered = plan.statement(conn, "explain filtered", lambda: search_sql.explain(
        search_sql.count_statement(table, plan.conditions)))
    # The vector column keeps this a sequential scan (no index-only scan), whose cost gives the
    # table's pages.
    unfiltered = plan.statement(conn, "explain all", lambda: search_sql.explain(
        search_sql.count_statement(table, plan.resolved.conditions, plan.resolved.target.column)))
    with pipeline(conn):
        cur1 = conn.execute(filtered, prepared.params)
        cur2 = conn.execute(unfiltered, plan.resolved.params)
        cur3 = conn.execute(search_sql.SERVER_COSTS)
        plans = [cur1.fetchone()[0], cur2.fetchone()[0]]
        buffers, block_size, page_cost, tuple_cost = cur3.fetchone()
    (rows, read_cost), (total, all_cost) = (_plan_rows_cost(p) for p in plans)
    total = max(total, rows)
    dim, stored = _vector_size(plan.resolved.field)
    # A sequential scan costs one seq_page_cost per page and one cpu_tuple_cost per row.  With
    # a plan it cannot read, the model assumes a small table stored inline.
    known = page_cost > 0 and 0 < total < math.inf and math.isfinite(all_cost)
    pages = max(0.0, (all_cost - tuple_cost * total) / page_cost) if known else 0.0
    per_row = pages * block_size / total if known else math.inf
    return Estimate(rows, total, _has_seq_scan(plans[0]),
                    read_cost=read_cost / page_cost if page_cost > 0 else read_cost,
                    ring=pages > buffers / 4, dim=dim, out_of_line=per_row < stored)


def _vector_size(field: Any) -> tuple[int, float]:
    """(dimension in float-sized elements, bytes of one stored vector) for the cost model.

    A sparse vector's size depends on its rows: it counts as small and inline.
    """
    kind = indexes.vector_column_kind(field)
    dim = int(field.dim or 0) if kind != "sparsevec" else 0
    if kind == "vector":
        return dim, 4 * dim + 8
    if kind == "halfvec":
        return dim, 2 * dim + 8
    if kind == "bit":
        return max(1, dim // 32), dim / 8 + 8
    return 64, 0.0


def _plan_rows_cost(plan: Any) -> tuple[float, float]:
    """(Plan Rows, Total Cost) of an ``EXPLAIN (FORMAT JSON)`` result; infinite when unreadable."""
    if isinstance(plan, str):
        plan = json.loads(plan)
    try:
        top = plan[0]["Plan"]
        return float(top["Plan Rows"]), float(top["Total Cost"])
    except (KeyError, IndexError, TypeError, ValueError):
        return math.inf, math.inf


def _has_seq_scan(plan: Any) -> bool:
    """Whether the plan reads some table sequentially (the filter has no usable index there).

    An unreadable plan counts as a sequential scan: the cost model then leans to index scans.
    """
    nodes = plan_nodes(plan)
    # An empty leaf (segment 0, a fresh growing segment: segments.py) costs nothing to scan.
    return nodes is None or any(n.get("Node Type") == "Seq Scan" and n.get("Total Cost", 1.0) >= 1.0
                                for n in nodes)


def sorts_instead_of_index_scan(plan: Any) -> bool:
    """Whether a plan sorts rows and orders none by an index scan.

    In a segmented collection (segments.py) a Sort of the growing segment's rows under a
    Merge Append of the sealed segments' ordered index scans is the plan meant.
    """
    nodes = plan_nodes(plan) or []
    ordered = any(n.get("Node Type") == "Index Scan" and n.get("Order By") for n in nodes)
    return not ordered and any("Sort" in n.get("Node Type", "") for n in nodes)


def node_types(plan: Any) -> Optional[set[str]]:
    """The node types of an ``EXPLAIN (FORMAT JSON)`` result; None when it cannot be read."""
    nodes = plan_nodes(plan)
    return None if nodes is None else {node.get("Node Type", "") for node in nodes}


def plan_nodes(plan: Any) -> Optional[list[dict[str, Any]]]:
    """Every node of an ``EXPLAIN (FORMAT JSON)`` result; None when it cannot be read."""
    if isinstance(plan, str):
        plan = json.loads(plan)
    try:
        stack = [plan[0]["Plan"]]
    except (KeyError, IndexError, TypeError):
        return None
    nodes = []
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node.get("Plans", []))
    return nodes
