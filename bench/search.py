"""Search speed and recall: pgmilvus ``search`` vs the same query hand-written in SQL (psycopg).

    python bench/search.py                              # embedded server under /tmp: 50k x 128, 30k x 64
    python bench/search.py --shape 100000x96 --queries 300
    python bench/search.py --dsn postgresql://user:pw@host/db
    python bench/search.py --shape 30000x64 --no-lite --queries 500 --rounds 5 --pin   # steadier ratios

Data: per ``--shape`` (rows x dimension; by default 50k x 128 and a small, low-dimensional
30k x 64), clustered float32 vectors (seeded), an INT64 ``bucket`` (row % 200) to
filter on, HNSW (M=16, efConstruction=64), L2.  The same server, table and index
serve both sides.  Scenarios: no filter and filters matching 50%, 5% and 0.5% of
the rows, each with one query vector per call and with batches of 10.  pgmilvus
picks an iterative index scan or an exact scan of the matching rows from the
planner's estimates (strategy.py); the scenario name says which it picked
(``index`` / ``exact``), and the hand-written SQL is that same statement
(``ORDER BY v <-> $1 LIMIT 10`` with the hnsw settings pgmilvus uses, set once per
session; ``ORDER BY l2_distance(v, $1)`` for exact; an ``unnest ... CROSS JOIN
LATERAL`` for batches), so the ratio measures pgmilvus's own overhead (argument
checks, catalog lookup, encoding, result objects).

Prints, per scenario: calls/s, query vectors/s, p50 / p99 latency per call, the
client's own CPU time per call (median; the server's work and the wait are not
in it, so the difference between the two sides is pgmilvus's per-call cost),
recall@10 against exact search, and the ratio pgmilvus speed / SQL speed (goal >= 0.95).
The two sides are timed in turns of 25 calls (5 for batches of 10) on the same
query vectors (order swapped each turn), so a drift in the machine's speed does
not enter the ratio; the ratio is the median over turns of (SQL time / pgmilvus
time), so a turn disturbed by something else on the machine does not skew it
either.
With milvus-lite importable (``pip install pymilvus milvus-lite``), it is timed on
the same data too (``--no-lite`` to skip).  ``--pin`` runs the bench on one CPU and the
server's processes on the others (turns.pin_server_apart): on a small VM where the scheduler
puts each side's backend is otherwise worth 5-10% of a ratio from run to run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "adapter"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from pgmilvus import DataType, MilvusClient  # noqa: E402

import turns  # noqa: E402
from turns import Side, turn_ratio  # noqa: E402

LIMIT = 10
EF = 100


def clustered(seed: int, rows: int, queries: int, dim: int, clusters: int = 64) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((clusters, dim)).astype(np.float32) * 2

    def draw(n: int) -> np.ndarray:
        return (centers[rng.integers(0, clusters, n)] + rng.standard_normal((n, dim))).astype(np.float32)
    return draw(rows), draw(queries)


def load(client: MilvusClient, dsn: str, vectors: np.ndarray) -> float:
    from pgvector.psycopg import register_vector

    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=vectors.shape[1])
    schema.add_field("bucket", DataType.INT64)
    if client.has_collection("bench"):
        client.drop_collection("bench")
    client.create_collection("bench", schema=schema)
    started = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        register_vector(conn)
        with conn.cursor().copy('COPY "default"."bench" (id, v, bucket) FROM STDIN WITH (FORMAT BINARY)') as cp:
            cp.set_types(["int8", "vector", "int8"])
            for i, vec in enumerate(vectors):
                cp.write_row((i, vec, i % 200))
        conn.execute('ANALYZE "default"."bench"')
    index = client.prepare_index_params()
    index.add_index("v", index_type="HNSW", metric_type="L2", params={"M": 16, "efConstruction": 64})
    client.create_index("bench", index)
    # Rows COPYed by hand land in segment 0: flush moves them into a segment, seals and indexes it
    # (segments.py), leaving the settled collection searches are measured on.
    client.flush("bench")
    return time.perf_counter() - started


# -- the hand-written side -----------------------------------------------------------------------

TABLE = sql.Identifier("default", "bench")


def raw_statement(filter_sql: str, exact: bool, batch: bool) -> sql.Composable:
    order = sql.SQL("l2_distance(v, {q})") if exact else sql.SQL("v <-> {q}")
    q = sql.SQL("q.qv") if batch else sql.SQL("%(q)s::vector")
    where = sql.SQL(" WHERE " + filter_sql) if filter_sql else sql.SQL("")
    inner = sql.SQL("SELECT id, {d} AS d FROM {t}{w} ORDER BY d LIMIT 10").format(
        d=order.format(q=q), t=TABLE, w=where)
    if not batch:
        return inner
    return sql.SQL("SELECT q.i, r.* FROM unnest(%(qs)s::vector[]) WITH ORDINALITY AS q(qv, i) "
                   "CROSS JOIN LATERAL ({}) AS r").format(inner)


def raw_search(conn: psycopg.Connection, statement: sql.Composable, batch: np.ndarray) -> list[list[int]]:
    if len(batch) == 1:
        rows = conn.execute(statement, {"q": batch[0]}).fetchall()
        return [[r[0] for r in rows]]
    rows = conn.execute(statement, {"qs": list(batch)}).fetchall()
    out: list[list[int]] = [[] for _ in batch]
    for i, pk, _d in rows:
        out[i - 1].append(pk)
    return out


def sql_session(dsn: str, settings: dict[str, str]) -> psycopg.Connection:
    """The hand-written side's connection: pgvector's types, and the settings pgmilvus uses for
    the search (strategy_of), set once for the session."""
    from pgvector.psycopg import register_vector

    conn = psycopg.connect(dsn, autocommit=True)
    register_vector(conn)
    for key, value in settings.items():
        conn.execute("SELECT set_config(%s, %s, false)", (key, value))
    return conn


def strategy_of(client: MilvusClient, expr: str, dim: int) -> Any:
    """The scan pgmilvus picks for this filter (and its pgvector settings), as search() would."""
    from pgmilvus.catalog import collections
    from pgmilvus.search import ann as search
    from pgmilvus.search import strategy
    from pgmilvus.search.params import build_request

    request = build_request([[0.0] * dim], expr, LIMIT, None, None, None, None, {})
    return client._read(lambda conn: strategy.choose(
        conn, search.prepare(collections.require(conn, "default", "bench"), request)))


# -- measuring -----------------------------------------------------------------------------------

def measure(fn: Callable[[np.ndarray], list[list[int]]], batches: list[np.ndarray], rounds: int) -> Side:
    """One side alone, over ``rounds`` passes."""
    return measure_sides({"only": fn}, batches, rounds)["only"]


#: Calls per turn when two sides are timed in turns, for one query vector per call and for batches
#: (a batch call takes ~10x longer: fewer calls per turn keep the number of turns up).
TURN, BATCH_TURN = 25, 5


def measure_sides(fns: dict[str, Callable[[np.ndarray], list[list[int]]]], batches: list[np.ndarray],
                  rounds: int) -> dict[str, Side]:
    """bench/turns.py's turns, of ``TURN`` calls (``BATCH_TURN`` for batches of vectors)."""
    return turns.measure_sides(fns, batches, rounds, TURN if len(batches[0]) == 1 else BATCH_TURN)


def recall(found: list[list[int]], truth: list[list[int]]) -> float:
    return float(np.mean([len(set(f) & set(t)) / LIMIT for f, t in zip(found, truth)]))


def truth_for(vectors: np.ndarray, queries: np.ndarray, mask: np.ndarray) -> list[list[int]]:
    candidates = np.flatnonzero(mask)
    rows = vectors[candidates]  # one copy, not one per query (600k rows: 300 MB)
    out = []
    for q in queries:
        dist = ((rows - q) ** 2).sum(1)
        out.append(candidates[np.argsort(dist)[:LIMIT]].tolist())
    return out


def row(name: str, side: Side, nq: int, rec: float, ratio_value: float | None = None) -> str:
    qps = len(side.times) / sum(side.times)
    p50 = statistics.median(side.times) * 1000
    p99 = float(np.percentile(side.times, 99)) * 1000
    cpu = statistics.median(side.cpu) * 1e6
    ratio = f"{ratio_value:6.3f}" if ratio_value is not None else "      "
    return f"{name:<44} {qps:9.1f} {qps * nq:10.1f} {p50:8.2f} {p99:8.2f} {cpu:7.0f} {rec:8.3f} {ratio}"


def lite_side(vectors: np.ndarray, buckets: np.ndarray, scenarios: list, folder: str) -> dict[str, Any]:
    """milvus-lite on the same data (HNSW index, same ef); empty when it is not importable."""
    try:
        from pymilvus import DataType as LDT, MilvusClient as LiteClient
        import milvus_lite  # noqa: F401
    except ImportError:
        return {}
    client = LiteClient(os.path.join(folder, "lite.db"))
    schema = client.create_schema()
    schema.add_field("id", LDT.INT64, is_primary=True)
    schema.add_field("v", LDT.FLOAT_VECTOR, dim=vectors.shape[1])
    schema.add_field("bucket", LDT.INT64)
    index = client.prepare_index_params()
    index.add_index("v", index_type="HNSW", metric_type="L2", params={"M": 16, "efConstruction": 64})
    client.create_collection("bench", schema=schema, index_params=index)
    for start in range(0, len(vectors), 5000):
        client.insert("bench", [{"id": i, "v": vectors[i].tolist(), "bucket": int(buckets[i])}
                                for i in range(start, min(start + 5000, len(vectors)))])
    out = {}
    for name, expr, _where, _chosen, nq, batches, _truth in scenarios:
        def fn(batch: np.ndarray, expr: str = expr) -> list[list[int]]:
            res = client.search("bench", batch.tolist(), limit=LIMIT, filter=expr,
                                search_params={"params": {"ef": EF}})
            return [list(h.ids) for h in res]
        out[name] = measure(fn, batches, 1)
    client.close()
    return out


def run_shape(client: MilvusClient, dsn: str, rows: int, dim: int, args: argparse.Namespace,
              folder: str) -> list[str]:
    """Load ``rows`` x ``dim`` and time every scenario on it; the table's lines."""
    vectors, queries = clustered(5, rows, args.queries, dim)
    buckets = np.arange(rows) % 200
    print(f"loading {rows} x {dim} and building HNSW (M=16, efConstruction=64) ...", flush=True)
    print(f"  loaded + indexed in {load(client, dsn, vectors):.1f} s", flush=True)

    scenarios = []
    for name, expr, where, mask in (("no filter", "", "", np.ones(rows, bool)),
                                    ("filter 50%", "bucket < 100", "bucket < 100", buckets < 100),
                                    ("filter 5%", "bucket < 10", "bucket < 10", buckets < 10),
                                    ("filter 0.5%", "bucket == 7", "bucket = 7", buckets == 7)):
        truth = truth_for(vectors, queries, mask)
        chosen = strategy_of(client, expr, dim)
        label = f"{rows // 1000}k x {dim}, {name} ({'exact' if chosen.exact else 'index'})"
        for nq in (1, 10):
            batches = [queries[i:i + nq] for i in range(0, len(queries) - nq + 1, nq)]
            scenarios.append((f"{label}, nq={nq}", expr, where, chosen, nq, batches, truth))

    raw = psycopg.connect(dsn, autocommit=True)
    from pgvector.psycopg import register_vector

    register_vector(raw)
    lines = []
    for name, expr, where, chosen, nq, batches, truth in scenarios:
        statement = raw_statement(where, chosen.exact, nq > 1)
        for key, value in chosen.settings.items():  # what pgmilvus sets for this search
            raw.execute("SELECT set_config(%s, %s, false)", (key, value))

        def pgm(batch: np.ndarray, expr: str = expr) -> list[list[int]]:
            res = client.search("bench", batch, limit=LIMIT, filter=expr)
            return [hits.ids for hits in res]
        timed = measure_sides({"sql": lambda b, s=statement: raw_search(raw, s, b), "pgmilvus": pgm},
                              batches, args.rounds)
        sql_side, pgm_side = timed["sql"], timed["pgmilvus"]
        lines.append(row(f"{name} [sql]", sql_side, nq, recall(sql_side.found, truth)))
        lines.append(row(f"{name} [pgmilvus]", pgm_side, nq, recall(pgm_side.found, truth),
                         turn_ratio(sql_side, pgm_side)))
    raw.close()
    if not args.no_lite:
        lite = lite_side(vectors, buckets, scenarios, folder)
        for name, _expr, _where, _chosen, nq, _batches, truth in scenarios:
            if name in lite:
                side = lite[name]
                lines.append(row(f"{name} [milvus-lite]", side, nq, recall(side.found, truth)))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", action="append", metavar="ROWSxDIM",
                        help="data shape, repeatable (default: 50000x128 and the small 30000x64)")
    parser.add_argument("--queries", type=int, default=200, help="query vectors per scenario")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the queries")
    parser.add_argument("--dsn", help="an existing PostgreSQL + pgvector (default: embedded under /tmp)")
    parser.add_argument("--no-lite", action="store_true", help="skip milvus-lite even when importable")
    parser.add_argument("--pin", action="store_true",
                        help="this process on one CPU, the server on the others (turns.pin_server_apart)")
    args = parser.parse_args()
    shapes = [tuple(int(n) for n in s.lower().split("x")) for s in (args.shape or ["50000x128", "30000x64"])]

    with turns.bench_client(args.dsn, "search") as (client, dsn, folder):
        if args.pin:
            print(turns.pin_server_apart(), flush=True)
        header = (f"{'scenario':<44} {'calls/s':>9} {'vectors/s':>10} {'p50 ms':>8} {'p99 ms':>8} "
                  f"{'cpu µs':>7} {'recall':>8} {'ratio':>6}")
        lines = [header, "-" * len(header)]
        for rows, dim in shapes:
            lines += run_shape(client, dsn, rows, dim, args, folder)
        print("\n".join(lines))


if __name__ == "__main__":
    main()
