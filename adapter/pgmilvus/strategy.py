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

from . import search_sql

#: Below this estimated fraction of matching rows an exact scan is used whatever it costs: an
#: iterative index scan would visit too many tuples per hit to keep its recall.
EXACT_MAX_SELECTIVITY = 0.002
#: The cost model, in units of one distance computation (measured with bench/search.py's data,
#: 128-d, 20k and 100k rows, 2 cores): reading and filtering one row of a sequential scan costs
#: about 0.7 of them; an HNSW scan costs about 45 per candidate it visits (m = 16: ~2m neighbour
#: distances per hop, plus the page reads), and it visits about max(ef, window / selectivity).
SEQ_ROW_COST = 0.7
INDEX_CANDIDATE_COST = 45.0
#: pgvector's default ef_search is 40 (recall ~0.95 on clustered data); Milvus lets ef go from topk up.
DEFAULT_EF = 100
MAX_EF = 1000
DEFAULT_NPROBE = 8
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
    rows: float                 # rows matching the filter
    total: float                # rows searched (the partitions asked for)
    seq_scan: bool = True       # the filter's rows are found by reading every row (no usable index)

    @property
    def selectivity(self) -> float:
        return 1.0 if self.total <= 0 else min(1.0, self.rows / self.total)


def choose(conn: psycopg.Connection, prepared: Any) -> Chosen:
    """Exact scan or index scan (with its settings) for one prepared search.

    The choice is kept on the search's plan (search.Plan, one per collection
    revision and search shape) for ``_ESTIMATE_TTL`` seconds when it rests on
    the planner's estimate, for good otherwise: repeated searches of one shape
    neither EXPLAIN again nor recompute the settings.
    """
    resolved, request = prepared.resolved, prepared.request
    if resolved.method is None:
        return _NO_INDEX
    if prepared.group_column is not None:
        return _GROUPING
    params = request.params
    key = (request.window, prepared.keyset is not None, params.get("ef"), params.get("nprobe"),
           params.get("search_list"))
    choices = prepared.plan.choices
    now = time.monotonic()
    kept = choices.get(key)
    if kept is not None and kept[0] > now:
        return kept[1]
    estimate = estimate_rows(conn, prepared) if prepared.has_filter else None
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

    Exact: one distance per matching row, plus reading every row when no index
    serves the filter.  Index: the candidates the graph search visits, about
    max(ef, window / selectivity): an iterative scan goes on until ``window``
    rows passed the filter (ivfflat and diskann are costed alike: their scans
    also grow as 1 / selectivity).
    """
    exact = estimate.rows + (SEQ_ROW_COST * estimate.total if estimate.seq_scan else estimate.rows)
    breadth = int(settings.get("hnsw.ef_search") or settings.get("diskann.query_search_list_size")
                  or DEFAULT_EF)
    index = INDEX_CANDIDATE_COST * max(breadth, window / max(estimate.selectivity, 1e-9))
    return exact <= index


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
        probes = _positive_int(params.get("nprobe"), DEFAULT_NPROBE)
        return {"ivfflat.probes": str(probes), "ivfflat.iterative_scan": mode}
    if method == "diskann":
        search_list = _positive_int(params.get("search_list"), max(100, window))
        return {"diskann.query_search_list_size": str(search_list)}
    ef = _positive_int(params.get("ef"), DEFAULT_EF)
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
    """The planner's estimate of the rows matching the filter, and of all rows searched."""
    plan = prepared.plan
    table = plan.resolved.target.table
    filtered = plan.statement(conn, "explain filtered", lambda: search_sql.explain(
        search_sql.count_statement(table, plan.conditions)))
    unfiltered = plan.statement(conn, "explain all", lambda: search_sql.explain(
        search_sql.count_statement(table, plan.resolved.conditions)))
    with conn.pipeline():
        cur1 = conn.execute(filtered, plan.params)
        cur2 = conn.execute(unfiltered, plan.resolved.params)
        plans = [cur1.fetchone()[0], cur2.fetchone()[0]]
    rows, total = (_plan_rows(p) for p in plans)
    return Estimate(rows, max(total, rows), _has_seq_scan(plans[0]))


def _plan_rows(plan: Any) -> float:
    if isinstance(plan, str):
        plan = json.loads(plan)
    try:
        value = float(plan[0]["Plan"]["Plan Rows"])
    except (KeyError, IndexError, TypeError, ValueError):
        return math.inf
    return value


def _has_seq_scan(plan: Any) -> bool:
    """Whether the plan reads some table sequentially (the filter has no usable index there).

    An unreadable plan counts as a sequential scan: the cost model then leans to index scans.
    """
    types = node_types(plan)
    return types is None or "Seq Scan" in types


def node_types(plan: Any) -> Optional[set[str]]:
    """The node types of an ``EXPLAIN (FORMAT JSON)`` result; None when it cannot be read."""
    if isinstance(plan, str):
        plan = json.loads(plan)
    try:
        stack = [plan[0]["Plan"]]
    except (KeyError, IndexError, TypeError):
        return None
    types = set()
    while stack:
        node = stack.pop()
        types.add(node.get("Node Type", ""))
        stack.extend(node.get("Plans", []))
    return types
