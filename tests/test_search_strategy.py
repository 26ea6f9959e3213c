"""Index scan or exact scan: the cost model (one line per case) and the choice on real estimates."""

from __future__ import annotations

import numpy as np
import pytest

from pgmilvus import DataType, MilvusClient, collections, search, strategy
from pgmilvus.search_params import build_request

# rows matching, rows searched, filter needs a sequential scan, ef, window -> exact is cheaper.
# The first six were measured (bench/search.py data, 128-d, raw SQL, ms index vs exact; ef as
# pgmilvus widens it for the selectivity).
COST_CASES = [
    (200, 20_000, True, 1000, 10, True),       # 2.58 vs 0.75
    (1_000, 20_000, True, 200, 10, False),     # 0.48 vs 0.80
    (4_000, 20_000, True, 100, 10, False),     # 0.32 vs 0.96
    (10_000, 20_000, True, 100, 10, False),    # 0.32 vs 1.36
    (1_000, 100_000, True, 1000, 10, False),   # 4.82 vs 8.89
    (5_000, 100_000, True, 200, 10, False),    # 1.38 vs 11.12
    (2_000, 100_000, False, 500, 10, True),    # an index finds the 2,000 rows
    (5_000, 100_000, False, 200, 10, False),   # ... 5,000 rows: about even, the index scan
    (50, 1_000, True, 1000, 10, True),         # tiny collections: exact
    (400_000, 1_000_000, True, 100, 10, False),
]


@pytest.mark.parametrize("rows,total,seq,ef,window,expected", COST_CASES)
def test_cost_model(rows: int, total: int, seq: bool, ef: int, window: int, expected: bool) -> None:
    estimate = strategy.Estimate(rows, total, seq)
    assert strategy.exact_is_cheaper(estimate, {"hnsw.ef_search": str(ef)}, window) is expected


ROWS = 10_000


@pytest.fixture
def coll(client: MilvusClient) -> MilvusClient:
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=4)
    schema.add_field("bucket", DataType.INT64)
    client.create_collection("c", schema=schema)
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((ROWS, 4)).astype(np.float32)
    client.insert("c", [{"id": i, "v": vectors[i], "bucket": i % 200} for i in range(ROWS)])
    index = client.prepare_index_params()
    index.add_index("v", index_type="HNSW", metric_type="L2")
    client.create_index("c", index)
    client.compact("c")  # ANALYZE: the planner's estimates
    return client


def _choice(client: MilvusClient, expr: str) -> bool:
    request = build_request([[0.0] * 4], expr, 10, None, None, None, None, {})
    return client._read(lambda conn: strategy.choose(
        conn, search.prepare(collections.require(conn, "default", "c"), request))).exact


@pytest.mark.parametrize("expr,exact", [
    ("", False),
    ("bucket < 100", False),   # 50%
    ("bucket < 20", False),    # 10%, read by a sequential scan
    ("bucket == 7", True),     # 0.5%
    ("bucket == 7 and id < 0", True),
])
def test_choice_follows_the_estimates(coll: MilvusClient, expr: str, exact: bool) -> None:
    assert _choice(coll, expr) is exact


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
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=dim)
    schema.add_field("bucket", DataType.INT64)
    client.create_collection("big", schema=schema)
    rng = np.random.default_rng(5)
    centers = rng.standard_normal((16, dim)).astype(np.float32) * 2
    vectors = (centers[rng.integers(0, 16, rows)] + rng.standard_normal((rows, dim))).astype(np.float32)
    for start in range(0, rows, 1000):
        client.insert("big", [{"id": i, "v": vectors[i], "bucket": i % 200} for i in range(start, start + 1000)])
    index = client.prepare_index_params()
    index.add_index("v", index_type="HNSW", metric_type="L2", params={"M": 16, "efConstruction": 64})
    client.create_index("big", index)
    client.compact("big")
    query = vectors[7] + 0.1
    hits = client.search("big", [query], limit=10, filter="bucket < 60")[0]

    info = client._read(lambda conn: collections.require(conn, "default", "big"))
    plan = next(p for p in info.plans.values() if p.has_filter)
    statement = plan.statements[(True, False, 10, False, False, True)]  # nq 1, index scan, limit 10, fenced

    def explain(conn, text: bytes, q) -> str:
        from pgmilvus.values import wire_adapters
        wire_adapters(conn)
        return "\n".join(r[0] for r in conn.execute(b"EXPLAIN " + text, {"q": q}).fetchall())
    wire = plan.encoder(query, 0)
    ours = client._read(lambda conn: explain(conn, statement, wire))
    unfenced = (b'SELECT "t"."id", ("t"."v" <-> %(q)b::vector(1536)) AS d FROM "default"."big" AS t '
                b'WHERE ("bucket" < 60) ORDER BY d LIMIT 10')
    assert "Index Scan using" in ours and "Sort" not in ours, ours
    assert "Sort" in client._read(lambda conn: explain(conn, unfenced, wire))  # what the fence prevents

    truth = np.flatnonzero(np.arange(rows) % 200 < 60)
    nearest = truth[np.argsort(((vectors[truth] - query) ** 2).sum(1))[:10]].tolist()
    assert len(hits) == 10 and all(h["id"] % 200 < 60 for h in hits)
    assert len(set(hits.ids) & set(nearest)) >= 9


def test_no_fence_where_the_server_already_runs_the_index_scan(coll: MilvusClient) -> None:
    """Small vectors are stored inline: the planner runs the index scan with the filter in it,
    which is cheaper than the fenced form, so the statement stays plain."""
    hits = coll.search("c", [[0.0] * 4], limit=10, filter="bucket < 100")[0]
    assert len(hits) == 10 and all(h["id"] % 200 < 100 for h in hits)
    info = coll._read(lambda conn: collections.require(conn, "default", "c"))
    plan = next(p for p in info.plans.values() if p.has_filter)
    assert [k[-1] for k in plan.statements if isinstance(k, tuple)] == [False]
    assert all(not c.fence for _, c in plan.choices.values())
