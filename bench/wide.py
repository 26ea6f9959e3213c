"""Wide float vectors (2,001 to 4,000 dimensions, e.g. 3,072-d embeddings): pgmilvus ``search``
on its automatic ``halfvec`` HNSW index with exact distances, against hand-written SQL.

    python bench/wide.py                                # embedded server under /tmp: 10k x 3072, 20k x 2048
    python bench/wide.py --shape 50000x3072 --queries 200 --dsn postgresql://user:pw@host/db

Data: bench/search.py's (clustered float32 vectors, HNSW M=16 efConstruction=64, L2, flushed);
pgvector indexes a ``vector`` of at most 2,000 dimensions, so pgmilvus builds the index on
``v::halfvec(dim)``.  One query vector per call, limit 10, each side timed in turns of 20 calls on
the same queries (bench/turns.py), ratio = SQL time / pgmilvus time.  The SQL sides:

* ``halfvec+rerank``: what pgvector's documentation suggests for such vectors, the same work as
  pgmilvus: ``SELECT id, v <-> q FROM (SELECT id, v FROM t ORDER BY v::halfvec(n) <->
  q::halfvec(n) LIMIT 10) c ORDER BY 2``, with the hnsw settings pgmilvus uses;
* ``exact``: ``ORDER BY l2_distance(v, q) LIMIT 10``, what every search ran before pgmilvus built
  the halfvec index on its own (the index was kept in the catalog only).

recall: the share of the exact top 10 that pgmilvus returns; ``dist err``: the largest relative
difference between a distance pgmilvus returns and numpy's float32 distance of the same pair.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np
import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "adapter"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import search as search_bench  # noqa: E402  (bench/search.py: data and loading)
import turns  # noqa: E402

TURN = 20


def run_shape(client, dsn: str, rows: int, dim: int, args: argparse.Namespace) -> list[str]:
    vectors, queries = search_bench.clustered(17, rows, args.queries, dim)
    seconds = search_bench.load(client, dsn, vectors)
    chosen = search_bench.strategy_of(client, "", dim)
    lines = [f"-- {rows} x {dim}: loaded, indexed and flushed in {seconds:.1f} s; search strategy: "
             f"{'exact' if chosen.exact else 'index'}"]
    raw = psycopg.connect(dsn, autocommit=True)
    from pgvector.psycopg import register_vector
    register_vector(raw)
    for key, value in chosen.settings.items():
        raw.execute("SELECT set_config(%s, %s, false)", (key, value))
    half = f"halfvec({dim})"
    statements = {
        "halfvec+rerank": sql.SQL("SELECT id, v <-> %(q)s::vector AS d FROM (SELECT id, v FROM {t} ORDER BY "
                                  "v::{h} <-> %(q)s::vector::{h} LIMIT 10) c ORDER BY d, id").format(
            t=search_bench.TABLE, h=sql.SQL(half)),
        "exact": sql.SQL("SELECT id, l2_distance(v, %(q)s::vector) AS d FROM {t} ORDER BY d, id LIMIT 10").format(
            t=search_bench.TABLE),
    }
    calls = list(queries)

    def ours(q):
        return [[(h["id"], h["distance"]) for h in client.search("bench", [q.tolist()], limit=10)[0]]]
    for name, statement in statements.items():
        def theirs(q, statement=statement):
            return [[(r[0], r[1] ** 2) for r in raw.execute(statement, {"q": q}).fetchall()]]
        sides = turns.measure_sides({"sql": theirs, "pgmilvus": ours}, calls[:40] if name == "exact" else calls,
                                    args.rounds if name != "exact" else 1, TURN if name != "exact" else 5)
        ratio = turns.turn_ratio(sides["sql"], sides["pgmilvus"])
        lines.append(f"{name:<15} {_cell(sides['pgmilvus'])} {_cell(sides['sql'])} {ratio:7.2f}")
    recall, worst = [], 0.0
    for q in queries[:50]:
        hits = client.search("bench", [q.tolist()], limit=10)[0]
        exact = ((vectors - q) ** 2).sum(1)
        recall.append(len(set(np.argsort(exact)[:10].tolist()) & {h["id"] for h in hits}) / 10)
        worst = max([worst] + [abs(h["distance"] - exact[h["id"]]) / exact[h["id"]] for h in hits])
    lines.append(f"recall@10 {np.mean(recall):.3f}; dist err {worst:.1e}")
    raw.close()
    return lines


def _cell(side: turns.Side) -> str:
    qps = len(side.times) / sum(side.times)
    return f"{qps:8.1f} {statistics.median(side.times) * 1000:8.2f} {np.percentile(side.times, 99) * 1000:8.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", action="append", metavar="ROWSxDIM",
                        help="data shape, repeatable (default: 10000x3072 and 20000x2048)")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dsn", help="an existing PostgreSQL + pgvector (default: embedded under /tmp)")
    args = parser.parse_args()
    shapes = [tuple(int(n) for n in s.lower().split("x")) for s in (args.shape or ["10000x3072", "20000x2048"])]
    with turns.bench_client(args.dsn, "wide") as (client, dsn, _folder):
        header = (f"{'sql side':<15} {'pgm/s':>8} {'p50':>8} {'p99':>8} {'sql/s':>8} {'p50':>8} {'p99':>8} "
                  f"{'ratio':>7}")
        lines = [header, "-" * len(header)]
        for rows, dim in shapes:
            lines += run_shape(client, dsn, rows, dim, args)
        print("\n".join(lines))


if __name__ == "__main__":
    main()
