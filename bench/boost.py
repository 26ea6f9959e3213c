"""Boost rankers' cost: pgmilvus ``search(ranker=FunctionScore([boost]))`` against the same search
hand-written in SQL, and against pgmilvus's plain search.

    python bench/boost.py                              # embedded server under /tmp: 20k x 128, 50k x 32
    python bench/boost.py --shape 100000x96 --queries 300 --dsn postgresql://user:pw@host/db

Data: bench/search.py's (clustered float32 vectors, an INT64 ``bucket`` = row % 200, HNSW M=16
efConstruction=64, L2), flushed.  Scenarios, one query vector per call, limit 10:

* ``boost``: one boost function, ``bucket < 20`` (10% of the rows) with weight 0.5 multiplying
  (an L2 distance halved: those hits move up).  pgmilvus runs the vector search, then one
  statement evaluating the boost filter on the hits (search/boost.py), then sorts in Python.
  The SQL side does it in one statement: ``SELECT id, d * CASE WHEN bucket < 20 THEN 0.5 ELSE 1
  END AS s FROM (SELECT id, bucket, v <-> q AS d ... ORDER BY v <-> q LIMIT 10) x ORDER BY s, id``,
  with the hnsw settings pgmilvus uses for the search.
* ``boost+random``: the same plus a random_score function over ``bucket`` (seeded): the SQL side
  cannot compute Milvus's MurmurHash3, so it is timed against the ``boost`` SQL statement (a floor).
* ``plain``: pgmilvus's search without a ranker against the inner SQL statement (the base cost).

Prints per scenario calls/s, p50 / p99 ms per call for both sides and the ratio pgmilvus / SQL
speed (median over turns of 25 calls timed alternately on the same queries: bench/turns.py).
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

from pgmilvus import Function, FunctionScore, FunctionType  # noqa: E402

LIMIT = 10
TURN = 25


def boost(weight: str, filter_expr: str | None = None, **extra) -> Function:
    params = {"reranker": "boost", "weight": weight, **({"filter": filter_expr} if filter_expr else {}), **extra}
    return Function(name=f"b{len(extra)}", function_type=FunctionType.RERANK, input_field_names=[], params=params)


RANKERS = {
    "boost": FunctionScore([boost("0.5", "bucket < 20")]),
    "boost+random": FunctionScore([boost("0.5", "bucket < 20"),
                                   boost("0.1", random_score={"seed": 7, "field": "bucket"})],
                                  params={"function_mode": "sum"}),
    "plain": None,
}

INNER = "SELECT id, bucket, v <-> %(q)s::vector AS d FROM {t} ORDER BY v <-> %(q)s::vector LIMIT 10"
BOOSTED = ("SELECT id, d * CASE WHEN bucket < 20 THEN 0.5 ELSE 1 END AS s FROM (" + INNER + ") x "
           "ORDER BY s, id")


def run_shape(client, dsn: str, rows: int, dim: int, args: argparse.Namespace) -> list[str]:
    vectors, queries = search_bench.clustered(11, rows, args.queries, dim)
    seconds = search_bench.load(client, dsn, vectors)
    chosen = search_bench.strategy_of(client, "", dim)
    kind = "exact" if chosen.exact else "index"
    lines = [f"-- {rows} x {dim}: loaded, indexed and flushed in {seconds:.1f} s; search strategy: {kind}"]
    raw = search_bench.sql_session(dsn, chosen.settings)
    calls = [q for q in queries]
    for name, ranker in RANKERS.items():
        text = INNER if name == "plain" else BOOSTED
        statement = sql.SQL(text).format(t=search_bench.TABLE)

        def ours(q, ranker=ranker):
            return [[h["id"] for h in client.search("bench", [q.tolist()], limit=LIMIT, ranker=ranker)[0]]]

        def theirs(q, statement=statement):
            return [[r[0] for r in raw.execute(statement, {"q": q}).fetchall()]]
        sides = turns.measure_sides({"sql": theirs, "pgmilvus": ours}, calls, args.rounds, TURN)
        ratio = turns.turn_ratio(sides["sql"], sides["pgmilvus"])
        same = float(np.mean([a == b for a, b in zip(sides["sql"].found, sides["pgmilvus"].found)]))
        lines.append(f"{name:<14} {turns.cell(sides['pgmilvus'])} {turns.cell(sides['sql'])} {ratio:6.3f} {same:6.2f}")
    raw.close()
    return lines


def main() -> None:
    header = (f"{'scenario':<14} {'pgm/s':>9} {'p50':>7} {'p99':>7} {'sql/s':>9} {'p50':>7} {'p99':>7} "
              f"{'ratio':>6} {'same':>6}")
    turns.shapes_main(__doc__, "boost", ['20000x128', '50000x32'], 200, header, run_shape, "ROWSxDIM")


if __name__ == "__main__":
    main()
