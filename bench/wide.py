"""Wide float vectors (over 2,000 dimensions, e.g. 3,072-d and 4,096-d embeddings): pgmilvus
``search`` on its automatic ``halfvec`` HNSW index (of the first 4,000 dims over 4,000) with exact
distances, against hand-written SQL.

    python bench/wide.py             # embedded server under /tmp: 10k x 3072, 20k x 2048, 10k x 4096
    python bench/wide.py --shape 50000x3072 --queries 200 --dsn postgresql://user:pw@host/db

Data: bench/search.py's (clustered float32 vectors, HNSW M=16 efConstruction=64, L2, flushed);
pgvector indexes a ``vector`` of at most 2,000 dimensions, so pgmilvus builds the index on
``v::halfvec(dim)`` (up to 4,000) or ``subvector(v, 1, 4000)::halfvec(4000)``.  One query vector per call, limit 10, each side timed in turns of 20 calls on
the same queries (bench/turns.py), ratio = SQL time / pgmilvus time.  The SQL sides:

* ``halfvec+rerank`` / ``prefix+rerank``: what pgvector's documentation suggests for such
  vectors, the same work as pgmilvus: ``SELECT id, v <-> q FROM (SELECT id, v FROM t ORDER BY
  v::halfvec(n) <-> q::halfvec(n) LIMIT 10) c ORDER BY 2`` (over 4,000 dims: ``ORDER BY
  subvector(v, 1, 4000)::halfvec(4000) <-> ... LIMIT 40``, then the 10 nearest), with the hnsw
  settings pgmilvus uses;
* ``exact``: ``ORDER BY l2_distance(v, q) LIMIT 10``, what every search ran before pgmilvus built
  the halfvec index on its own (the index was kept in the catalog only).

recall: the share of the exact top 10 that pgmilvus returns; ``dist err``: the largest relative
difference between a distance pgmilvus returns and numpy's float32 distance of the same pair.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
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
    raw = search_bench.sql_session(dsn, chosen.settings)
    if dim <= 4000:
        name, order, candidates = "halfvec+rerank", f"v::halfvec({dim}) <-> %(q)s::vector::halfvec({dim})", 10
    else:
        name, order, candidates = ("prefix+rerank", "subvector(v, 1, 4000)::halfvec(4000) <-> "
                                   "subvector(%(q)s::vector, 1, 4000)::halfvec(4000)", 40)
    statements = {
        name: sql.SQL("SELECT id, v <-> %(q)s::vector AS d FROM (SELECT id, v FROM {t} ORDER BY " + order +
                      " LIMIT {n}) c ORDER BY d, id LIMIT 10").format(t=search_bench.TABLE, n=sql.Literal(candidates)),
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
        lines.append(f"{name:<15} {turns.cell(sides['pgmilvus'])} {turns.cell(sides['sql'])} {ratio:7.2f}")
    recall, worst = [], 0.0
    for q in queries[:50]:
        hits = client.search("bench", [q.tolist()], limit=10)[0]
        exact = ((vectors - q) ** 2).sum(1)
        recall.append(len(set(np.argsort(exact)[:10].tolist()) & {h["id"] for h in hits}) / 10)
        worst = max([worst] + [abs(h["distance"] - exact[h["id"]]) / exact[h["id"]] for h in hits])
    lines.append(f"recall@10 {np.mean(recall):.3f}; dist err {worst:.1e}")
    raw.close()
    return lines


def main() -> None:
    header = (f"{'sql side':<15} {'pgm/s':>9} {'p50':>7} {'p99':>7} {'sql/s':>9} {'p50':>7} {'p99':>7} "
              f"{'ratio':>7}")
    turns.shapes_main(__doc__, "wide", ['10000x3072', '20000x2048', '10000x4096'], 100, header, run_shape, "ROWSxDIM")


if __name__ == "__main__":
    main()
