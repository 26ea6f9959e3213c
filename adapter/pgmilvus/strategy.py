"""Index scan or exact scan, and the pgvector settings of an index scan.

Why this exists: with a filter, an HNSW / IVFFlat scan in Postgres finds
the nearest rows first and filters them afterwards, so a selective filter
can leave it with fewer than ``limit`` rows (pgvector issues 259, 671, 719).
pgvector 0.8's *iterative* index scans keep scanning until enough rows pass
(bounded by ``hnsw.max_scan_tuples`` / ``ivfflat.max_probes``); that is used
for every index scan here.  When the filter is selective, scanning the
matching rows exactly is both cheaper and exact, so the planner's row
estimate for the filter (``EXPLAIN``, cached briefly) picks that instead.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Optional

import psycopg

from . import search_sql

#: At most this many estimated matching rows: an exact scan (cheap, exact recall).
EXACT_MAX_ROWS = 10_000
#: Below this estimated fraction of matching rows an iterative index scan would have to
#: visit too many tuples per hit; scan the matching rows exactly instead.
EXACT_MAX_SELECTIVITY = 0.002
#: pgvector's default ef_search is 40 (recall ~0.95 on clustered data); Milvus lets ef go from topk up.
DEFAULT_EF = 100
MAX_EF = 1000
DEFAULT_NPROBE = 8
MIN_SCAN_TUPLES = 20_000
MAX_SCAN_TUPLES = 2_000_000
_ESTIMATE_TTL = 30.0
_ESTIMATE_CACHE_SIZE = 512


@dataclass
class Chosen:
    exact: bool
    settings: dict[str, str] = field(default_factory=dict)
    reason: str = ""


@dataclass
class Estimate:
    rows: float
    total: float

    @property
    def selectivity(self) -> float:
        return 1.0 if self.total <= 0 else min(1.0, self.rows / self.total)


def choose(conn: psycopg.Connection, prepared: Any) -> Chosen:
    """Exact scan or index scan (with its settings) for one prepared search."""
    resolved, request = prepared.resolved, prepared.request
    if resolved.method is None:
        return Chosen(True, reason="no vector index on the field (FLAT, none, or over pgvector's "
                                   "dimension limit): exact scan")
    if prepared.group_column is not None:
        return Chosen(True, reason="grouping search: exact scan")
    selectivity = 1.0
    if prepared.has_filter:
        estimate = estimate_rows(conn, prepared)
        selectivity = estimate.selectivity
        if estimate.rows <= EXACT_MAX_ROWS or selectivity <= EXACT_MAX_SELECTIVITY:
            return Chosen(True, reason=f"filter matches about {estimate.rows:.0f} of {estimate.total:.0f} "
                                       "rows: exact scan of the matching rows")
    settings = index_settings(resolved.method, request.params, request.window, selectivity,
                              ordered=prepared.keyset is not None)
    return Chosen(False, settings, reason=f"{resolved.method} iterative scan, estimated selectivity "
                                          f"{selectivity:.4f}")


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

class _EstimateCache:
    """(statement text, params) -> Estimate, for a few seconds: repeated filters skip EXPLAIN."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[Any, tuple[float, Estimate]] = OrderedDict()

    def get(self, key: Any) -> Optional[Estimate]:
        with self._lock:
            item = self._items.get(key)
            if item is None or time.monotonic() - item[0] > _ESTIMATE_TTL:
                return None
            self._items.move_to_end(key)
            return item[1]

    def put(self, key: Any, value: Estimate) -> None:
        with self._lock:
            self._items[key] = (time.monotonic(), value)
            self._items.move_to_end(key)
            while len(self._items) > _ESTIMATE_CACHE_SIZE:
                self._items.popitem(last=False)


_cache = _EstimateCache()


def _freeze(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    return value


def estimate_rows(conn: psycopg.Connection, prepared: Any) -> Estimate:
    """The planner's estimate of the rows matching the filter, and of all rows searched."""
    table = prepared.resolved.target.table
    filtered = search_sql.count_statement(table, prepared.conditions)
    unfiltered = search_sql.count_statement(table, prepared.resolved.conditions)
    pgconn = conn.pgconn
    key = (pgconn.host, pgconn.port, pgconn.db, filtered.as_string(conn), _freeze(prepared.params))
    cached = _cache.get(key)
    if cached is not None:
        return cached
    with conn.pipeline():
        cur1 = conn.execute(search_sql.explain(filtered), prepared.params)
        cur2 = conn.execute(search_sql.explain(unfiltered), prepared.resolved.params)
        plans = [cur1.fetchone()[0], cur2.fetchone()[0]]
    rows, total = (_plan_rows(p) for p in plans)
    estimate = Estimate(rows, max(total, rows))
    _cache.put(key, estimate)
    return estimate


def _plan_rows(plan: Any) -> float:
    if isinstance(plan, str):
        plan = json.loads(plan)
    try:
        value = float(plan[0]["Plan"]["Plan Rows"])
    except (KeyError, IndexError, TypeError, ValueError):
        return math.inf
    return value
