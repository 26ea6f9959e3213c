"""Index scan or exact scan: the cost model (one line per case) and the choice on real estimates."""

from __future__ import annotations

import numpy as np
import pytest

from pgmilvus import DataType, MilvusClient
from pgmilvus.catalog import collections, segments
from pgmilvus.search import ann as search
from pgmilvus.search import strategy
from pgmilvus.search.params import build_request

# One line per case: the estimate (rows matching, rows searched, the filter needs a sequential
# scan, the planner's cost of finding the rows, the table over a quarter of shared_buffers, dim,
# vectors stored out of line), ef as pgmilvus widens it for the selectivity, window -> exact is
# cheaper.  Measured cases give the measured exact / index times of pgmilvus's own statements
# (clustered data as bench/search.py's, embedded server, 2 cores).
COST_CASES = [
    # 128-d, 20k rows, in shared buffers
    ((200, 20_000, True, 1_684, False, 128, False), 1000, 10, True),      # 0.75 / 2.58 ms
    ((1_000, 20_000, True, 1_684, False, 128, False), 200, 10, False),    # 0.80 / 0.48 ms
    ((4_000, 20_000, True, 1_684, False, 128, False), 100, 10, False),    # 0.96 / 0.32 ms
    # 128-d, 50k rows
    ((496, 50_000, True, 4_209, False, 128, False), 1000, 10, True),      # 1.72 / 2.52 ms
    ((993, 50_000, True, 4_209, False, 128, False), 503, 10, False),      # 1.73 / 1.17 ms
    # 128-d, 100k rows: over a quarter of shared_buffers, read through the ring
    ((1_000, 100_000, True, 8_418, True, 128, False), 1000, 10, False),   # 8.89 / 4.82 ms
    ((5_000, 100_000, True, 8_418, True, 128, False), 200, 10, False),    # 11.1 / 1.38 ms
    # 128-d, 100k rows, a B-tree on the filtered field (index-only scans find the rows)
    ((1_929, 100_000, False, 66, True, 128, False), 518, 10, True),        # 0.40 / 2.10 ms
    ((9_783, 100_000, False, 291, True, 128, False), 102, 10, False),      # 1.88 / 1.02 ms
    # 384-d, 60k rows: inline, 94 MB, read through the ring
    ((560, 60_000, True, 12_782, True, 384, False), 1000, 10, False),     # 17.8 / 5.55 ms
    ((5_711, 60_000, True, 12_782, True, 384, False), 105, 10, False),    # 15.3 / 1.51 ms
    # larger tables: 128-d, 200k rows (a parallel scan finds the rows); 384-d, 150k rows
    ((1_932, 200_000, True, 16_575, True, 128, False), 1000, 10, False),  # 29.1 / 11.3 ms
    ((717, 150_000, True, 31_891, True, 384, False), 1000, 10, False),    # 49.2 / 12.8 ms
    # 768-d, 60k rows: vectors out of line (TOAST), a 5 MB heap
    ((880, 60_000, True, 1_414, False, 768, True), 681, 10, True),        # 3.08 / 5.33 ms
    ((2_650, 60_000, True, 1_414, False, 768, True), 226, 10, False),     # 7.65 / 2.26 ms
    # 1536-d, 30k rows, out of line
    ((602, 30_000, True, 719, False, 1536, True), 498, 10, True),         # 1.76 / 7.95 ms
    ((1_502, 30_000, True, 719, False, 1536, True), 200, 10, False),      # 4.28 / 2.67 ms
    # unmeasured: a tiny collection, a large one, a large window
    ((50, 1_000, True, 30, False, 128, False), 1000, 10, True),
    ((400_000, 1_000_000, True, 84_000, True, 128, False), 100, 10, False),
    ((5_000, 100_000, True, 8_418, True, 128, False), 100, 1000, True),  # 20,000 candidates
]


@pytest.mark.parametrize("estimate,ef,window,expected", COST_CASES)
def test_cost_model(estimate: tuple, ef: int, window: int, expected: bool) -> None:
    assert strategy.exact_is_cheaper(strategy.Estimate(*estimate), {"hnsw.ef_search": str(ef)}, window) is expected


ROWS = 10_000


def _create(client: MilvusClient, name: str, dim: int) -> None:
    """A collection of (id, v: dim-d float vectors, bucket: INT64 to filter on)."""
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=dim)
    schema.add_field("bucket", DataType.INT64)
    client.create_collection(name, schema=schema)


def _filtered_search(client: MilvusClient, name: str, query, expr: str):
    """The hits of a filtered search and the plan it left on the collection's description.

    AsyncMilvusClient searches on its green pool and ``_read`` takes the synchronous one, whose
    connections may still hold the notifications of the fixture's DDL: reading them drops the
    cached description (and its plans).  Such notifications are delivered once, so a second
    search keeps its plan."""
    for _ in range(3):
        hits = client.search(name, [query], limit=10, filter=expr)[0]
        info = client._read(lambda conn: collections.require(conn, "default", name))
        plan = next((p for p in info.plans.values() if isinstance(p, search.Plan) and p.has_filter), None)
        if plan is not None:
            return hits, plan
    raise AssertionError(f"no filtered plan kept on {name}")


@pytest.fixture
def coll(client: MilvusClient) -> MilvusClient:
    _create(client, "c", 4)
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((ROWS, 4)).astype(np.float32)
    client.insert("c", [{"id": i, "v": vectors[i], "bucket": i % 200} for i in range(ROWS)])
    index = client.prepare_index_params()
    index.add_index("v", index_type="HNSW", metric_type="L2")
    client.create_index("c", index)
    client.flush("c")    # a settled collection: every row in an indexed segment (segments.py)
    _without_segment_btrees(client, "c")
    client.compact("c")  # ANALYZE: the planner's estimates
    return client


def _without_segment_btrees(client: MilvusClient, name: str) -> None:
    """The sealed segments' own B-tree of ``bucket`` dropped: a filter read by a sequential scan, as
    on a growing segment or a field no B-tree serves (JSON, ARRAY, BOOL, a long VARCHAR)."""
    with client._conn() as conn:
        segments.drop_scalar_btrees(conn, collections.require(conn, "default", name), "bucket")


def _choice(client: MilvusClient, expr: str) -> bool:
    request = build_request([[0.0] * 4], expr, 10, None, None, None, None, {})
    return client._read(lambda conn: strategy.choose(
        conn, search.prepare(collections.require(conn, "default", "c"), request))).exact


def _estimate(client: MilvusClient, name: str, expr: str, dim: int) -> strategy.Estimate:
    request = build_request([[0.0] * dim], expr, 10, None, None, None, None, {})
    return client._read(lambda conn: strategy.estimate_rows(
        conn, search.prepare(collections.require(conn, "default", name), request)))


def test_the_estimate_reads_the_data_layout(coll: MilvusClient) -> None:
    estimate = _estimate(coll, "c", "bucket < 20", 4)
    # (the planner counts at least one row for each empty leaf: segment 0, an empty growing segment)
    assert 500 < estimate.rows < 2000 and ROWS <= estimate.total <= ROWS + 2 and estimate.seq_scan
    assert estimate.dim == 4 and not estimate.out_of_line and not estimate.ring
    assert 0 < estimate.read_cost < 1000


def _wide(client: MilvusClient, dim: int, rows: int) -> None:
    _create(client, "wide", dim)
    rng = np.random.default_rng(4)
    client.insert("wide", [{"id": i, "v": rng.standard_normal(dim).astype(np.float32), "bucket": i % 10}
                           for i in range(rows)])
    client.compact("wide")


def test_large_vectors_are_seen_stored_out_of_line(client: MilvusClient) -> None:
    _wide(client, 1536, 300)
    estimate = _estimate(client, "wide", "bucket < 5", 1536)
    assert estimate.out_of_line and estimate.dim == 1536 and 300 <= estimate.total <= 302


def test_an_index_on_a_scalar_field_does_not_hide_the_tables_size(client: MilvusClient) -> None:
    """The table's pages come from the plan of a scan of all rows: one an index-only scan of a
    B-tree could serve would be costed by the index's size instead."""
    _wide(client, 256, 3000)
    index = client.prepare_index_params()
    index.add_index("bucket", index_type="STL_SORT")
    client.create_index("wide", index)
    client.compact("wide")
    estimate = _estimate(client, "wide", "bucket < 5", 256)
    assert not estimate.seq_scan and not estimate.out_of_line


@pytest.mark.parametrize("expr,exact", [
    ("", False),
    ("bucket < 100", False),   # 50%
    ("bucket < 20", False),    # 10%, read by a sequential scan
    ("bucket == 7", True),     # 0.5%
    ("bucket == 7 and id < 0", True),
])
def test_choice_follows_the_estimates(coll: MilvusClient, expr: str, exact: bool) -> None:
    assert _choice(coll, expr) is exact


def test_a_bound_range_is_chosen_for_its_own_values(coll: MilvusClient) -> None:
    """Filters of one shape with other values share a plan (bound_filters), not a scan choice when
    their values are a range's: ``bucket < 100`` matches half the rows, ``bucket < 1`` 0.5%."""
    ordered = ["bucket < 150", "bucket < 100", "bucket < 1", "bucket < 100", "bucket < 1"]
    assert [_choice(coll, expr) for expr in ordered] == [False, False, True, False, True]


def test_an_index_on_the_filtered_field_makes_exact_scans_cheaper(coll: MilvusClient) -> None:
    assert _choice(coll, "bucket < 20") is False
    index = coll.prepare_index_params()
    index.add_index("bucket", index_type="STL_SORT")
    coll.create_index("c", index)
    coll.compact("c")
    assert _choice(coll, "bucket < 20") is True
    hits = coll.search("c", [[0.0] * 4], limit=10, filter="bucket < 20")[0]
    assert len(hits) == 10 and all(h["id"] % 200 < 20 for h in hits)


def test_a_filtered_index_scan_stays_an_index_scan_on_large_vectors(client: MilvusClient) -> None:
    """1536-d vectors are stored out of line (TOAST), which the planner does not cost: for a 30%
    filter it would sort the filtered rows instead of using the index strategy.choose picked.
    pgmilvus sees that in the plan and keeps the filter above a fence, so the index scan runs."""
    dim, rows = 1536, 5000
    _create(client, "big", dim)
    rng = np.random.default_rng(5)
    centers = rng.standard_normal((16, dim)).astype(np.float32) * 2
    vectors = (centers[rng.integers(0, 16, rows)] + rng.standard_normal((rows, dim))).astype(np.float32)
    for start in range(0, rows, 1000):
        client.insert("big", [{"id": i, "v": vectors[i], "bucket": i % 200} for i in range(start, start + 1000)])
    index = client.prepare_index_params()
    index.add_index("v", index_type="HNSW", metric_type="L2", params={"M": 16, "efConstruction": 64})
    client.create_index("big", index)
    client.flush("big")  # every segment sealed and indexed (segments.py)
    client.compact("big")
    query = vectors[7] + 0.1
    hits, plan = _filtered_search(client, "big", query, "bucket < 60")
    statement = plan.statements[(True, False, 10, False, False, True)]  # nq 1, index scan, limit 10, fenced

    def explain(conn, text: bytes, q) -> str:
        from pgmilvus.data.values import wire_adapters
        wire_adapters(conn)
        return "\n".join(r[0] for r in conn.execute(b"EXPLAIN " + text, {"q": q}).fetchall())
    wire = plan.encoder(query, 0)
    ours = client._read(lambda conn: explain(conn, statement, wire))
    unfenced = (b'SELECT "t"."id", ("t"."v" <-> %(q)b::vector(1536)) AS d FROM "default"."big" AS t '
                b'WHERE ("bucket" < 60) ORDER BY d LIMIT 10')
    # Every segment holding rows is read by its index; only the empty growing leaf and segment 0
    # (rows written by plain SQL) are sorted, under the Merge Append.
    assert "Index Scan using" in ours, ours
    with client._conn() as conn:
        full = [r[0] for r in conn.execute("SELECT table_name FROM pgmilvus_catalog.segments"
                                           " WHERE rows > 0 AND table_name LIKE 'big$%'")]
    assert full and not [leaf for leaf in full if f'Seq Scan on "{leaf}"' in ours], ours
    assert "Sort" in client._read(lambda conn: explain(conn, unfenced, wire))  # what the fence prevents

    truth = np.flatnonzero(np.arange(rows) % 200 < 60)
    nearest = truth[np.argsort(((vectors[truth] - query) ** 2).sum(1))[:10]].tolist()
    assert len(hits) == 10 and all(h["id"] % 200 < 60 for h in hits)
    assert len(set(hits.ids) & set(nearest)) >= 9


def test_no_fence_where_the_server_already_runs_the_index_scan(coll: MilvusClient) -> None:
    """Small vectors are stored inline: the planner runs the index scan with the filter in it,
    which is cheaper than the fenced form, so the statement stays plain."""
    hits, plan = _filtered_search(coll, "c", [0.0] * 4, "bucket < 100")
    assert len(hits) == 10 and all(h["id"] % 200 < 100 for h in hits)
    assert [k[-1] for k in plan.statements if isinstance(k, tuple)] == [False]
    assert all(not c.fence for _, c in plan.choices.values())
