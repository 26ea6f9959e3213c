"""Full-text (BM25) search speed: where the time of one search goes.

    python bench/bm25.py                       # embedded server under /tmp, 50k documents
    python bench/bm25.py --rows 100000 --dsn postgresql://user:pw@host/db

Data: ``--rows`` documents of 5 to 40 words drawn from a Zipf-distributed vocabulary of 20,000
words (seeded), a BM25 function on the text, a dense 4-d field.  Queries: 2 or 3 words, either
rare (ranks 500-20,000) or including a common word (ranks 1-50).  Prints per scenario the
median and p90 latency of a pgmilvus search (statistics statements + scoring statement), of
the statistics alone (N, avgdl, df per term: search/bm25.py reads them per search, adding the
sealed segments' totals kept in the catalog), and of the statistics counted from every row (as
for segments sealed before catalog version 13), then the plan of the scoring statement (the GIN
index on the terms must appear in it).  The documents are flushed (sealed) after the load, or
with ``--growing`` kept in the growing segment (as right after a bulk load, before a flush or
the idle seal).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "adapter"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import turns  # noqa: E402

from pgmilvus import DataType, Function, FunctionType  # noqa: E402

VOCABULARY = 20_000


def words(rng: np.random.Generator, count: int) -> list[str]:
    ranks = np.minimum(rng.zipf(1.1, count), VOCABULARY)
    return [f"w{r}" for r in ranks]


def create(client, rows: int, flush: bool = True) -> None:
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("text", DataType.VARCHAR, max_length=2000, enable_analyzer=True)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=4)
    schema.add_function(Function("bm25", FunctionType.BM25, ["text"], ["sparse"]))
    index = client.prepare_index_params()
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    index.add_index("dense", index_type="FLAT", metric_type="L2")
    client.drop_collection("bm25_bench")
    client.create_collection("bm25_bench", schema=schema, index_params=index)
    rng = np.random.default_rng(7)
    start = time.perf_counter()
    batch = []
    for i in range(rows):
        batch.append({"id": i, "text": " ".join(words(rng, int(rng.integers(5, 41)))), "dense": [0.1, 0.2, 0.3, 0.4]})
        if len(batch) == 5000:
            client.insert("bm25_bench", batch)
            batch = []
    if batch:
        client.insert("bm25_bench", batch)
    if flush:
        client.flush("bm25_bench")
    print(f"inserted {rows} documents in {time.perf_counter() - start:.1f} s", flush=True)


def turns_timed(queries: list[str], one, other) -> tuple[tuple[float, float], tuple[float, float]]:
    """(p50, p90) ms of ``one`` and of ``other`` over the same queries, in alternating turns."""
    times: tuple[list[float], list[float]] = ([], [])
    for query in queries:
        for call, out in ((one, times[0]), (other, times[1])):
            start = time.perf_counter()
            call(query)
            out.append((time.perf_counter() - start) * 1000)
    return tuple((statistics.median(t), sorted(t)[int(len(t) * 0.9) - 1]) for t in times)  # type: ignore[return-value]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--dsn", help="an existing PostgreSQL + pgvector (default: embedded under /tmp)")
    parser.add_argument("--growing", action="store_true",
                        help="no flush, no idle seal: every document stays in the growing segment, whose "
                             "statistics are counted at each search (right after a bulk load)")
    args = parser.parse_args()
    if args.growing:
        os.environ["PGMILVUS_IDLE_SEAL_ROWS"] = "0"   # before the client starts its builder
    with turns.bench_client(args.dsn, "bm25") as (client, dsn, folder):
        create(client, args.rows, flush=not args.growing)
        import psycopg
        from pgmilvus.catalog import store
        from pgmilvus.search import bm25

        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("ANALYZE")
            info = store.get_collection(conn, "default", "bm25_bench")
            parent = psycopg.sql.Identifier(info.schema_name, info.table_name)
            target = bm25.Bm25Field(parent, "sparse", 1.2, 0.75, collection_id=info.id)
            every_row = bm25.Bm25Field(parent, "sparse", 1.2, 0.75)   # no kept totals: a count of every row
            rng = np.random.default_rng(11)
            scenarios = {"rare words": lambda: " ".join(f"w{r}" for r in rng.integers(500, VOCABULARY, 3)),
                         "with a common word": lambda: f"w{rng.integers(1, 50)} w{rng.integers(500, VOCABULARY)}",
                         "common words only": lambda: f"w{rng.integers(1, 20)} w{rng.integers(1, 20)}"}
            print(f"{'scenario':<20} {'search p50 ms':>13} {'p90':>6} {'unpruned p50':>12} {'p90':>6}"
                  f" {'stats p50':>9} {'p90':>6} {'every row p50':>13} {'p90':>6}")
            share = bm25.COMMON_SHARE
            for name, make in scenarios.items():
                queries = [make() for _ in range(args.runs)]

                def search(text: str, pruned: bool) -> None:
                    bm25.COMMON_SHARE = share if pruned else 2.0   # no term is in 200% of the rows
                    client.search("bm25_bench", data=[text], anns_field="sparse", limit=10)

                pruned, unpruned = turns_timed(queries, lambda q: search(q, True), lambda q: search(q, False))
                bm25.COMMON_SHARE = share
                stats, whole = turns_timed(queries, lambda q: bm25.weigh(conn, target, [{t: 1 for t in q.split()}]),
                                           lambda q: bm25.weigh(conn, every_row, [{t: 1 for t in q.split()}]))
                print(f"{name:<20} {pruned[0]:>13.1f} {pruned[1]:>6.1f} {unpruned[0]:>12.1f} {unpruned[1]:>6.1f}"
                      f" {stats[0]:>9.1f} {stats[1]:>6.1f} {whole[0]:>13.1f} {whole[1]:>6.1f}", flush=True)
            payload = bm25.weigh(conn, target, [{"w3": 1, "w900": 1}])[0].payload
            query = psycopg.sql.SQL("%(q)s::jsonb")
            col = psycopg.sql.Identifier("t", "sparse")
            plan = conn.execute(psycopg.sql.SQL("EXPLAIN SELECT id, {} FROM {} AS t WHERE {} ORDER BY 2 LIMIT 10").format(
                bm25.BM25.raw(col, query, True), parent, bm25.BM25.matches(col, query)), {"q": payload}).fetchall()
            print("\n".join(r[0] for r in plan))


if __name__ == "__main__":
    main()
