"""Query / get speed: pgmilvus vs the same read hand-written in SQL (psycopg), right after a
bulk load and in steady state.

    python bench/query.py                               # embedded server under /tmp, 100k rows
    python bench/query.py --rows 1000000 --calls 300
    python bench/query.py --dsn postgresql://user:pw@host/db

Data: ``--rows`` rows of an INT64 primary key ``id``, INT64 ``k`` (STL_SORT index),
VARCHAR ``s`` (INVERTED index), DOUBLE ``f`` (STL_SORT index), a JSON field ``j`` with a
JSON-path index on ``j["a"]`` (double) and an 8-d vector.  Loaded with ``client.insert``
in batches of 10k, indexes created afterwards, as Milvus code does: no manual ANALYZE.

Reads, each ``limit=10`` with output fields ``k, s, f`` (the values differ on every call,
formatted into the filter text as Milvus code usually does):

* equality ``s == "str_123"``, ``in`` ``k in [5 values]``, range ``f >= x and f < x + d``
  (~50 rows), JSON path ``j["a"] == 123`` (~100 rows), ``get(ids=[10 ids])``;
* Milvus master's query ORDER BY (``order_by_fields=[{"field": "f", "order": "desc"}]`` over a
  1,000-row span of ``k``) and aggregates (``count(*)``, ``avg(f)`` over such a span).

The hand-written side is what a PostgreSQL user would write for the same request, with
bound parameters (psycopg prepares it after five runs): ``SELECT id, k, s, f FROM t
WHERE <cond> ORDER BY id LIMIT 10``, ``id`` order being pgmilvus's documented order.
The two sides are timed in turns of 25 calls on the same values (bench/turns.py).
"State": ``after load`` is measured first, right after the load and index build;
``steady`` after ``VACUUM ANALYZE`` and a warm-up pass.

Prints, per read: calls/s, p50 / p99 latency, the client's own CPU time per call (median),
and the ratio pgmilvus speed / SQL speed (goal >= 0.8).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "adapter"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg  # noqa: E402
from psycopg.types.json import Jsonb  # noqa: E402

from pgmilvus import DataType, MilvusClient  # noqa: E402

from turns import Side, bench_client, measure_sides, pin_server_apart, turn_ratio  # noqa: E402

TURN = 25
OUT = ["k", "s", "f"]
TABLE = '"default"."qbench"'


def load(client: MilvusClient, rows: int) -> float:
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=8)
    schema.add_field("k", DataType.INT64)
    schema.add_field("s", DataType.VARCHAR, max_length=32)
    schema.add_field("f", DataType.DOUBLE)
    schema.add_field("j", DataType.JSON)
    if client.has_collection("qbench"):
        client.drop_collection("qbench")
    client.create_collection("qbench", schema=schema)
    rng = np.random.default_rng(3)
    vectors = rng.random((rows, 8), dtype=np.float32)
    order = rng.permutation(rows)  # k is not correlated with the primary key
    started = time.perf_counter()
    for start in range(0, rows, 10_000):
        client.insert("qbench", [{"id": i, "v": vectors[i], "k": int(order[i]), "s": f"str_{order[i]}",
                                  "f": float(order[i]) / rows, "j": {"a": int(order[i]) % 1000}}
                                 for i in range(start, min(start + 10_000, rows))])
    index = client.prepare_index_params()
    index.add_index("k", index_type="STL_SORT")
    index.add_index("s", index_type="INVERTED")
    index.add_index("f", index_type="STL_SORT")
    index.add_index("j", index_type="INVERTED", index_name="j_a",
                    params={"json_path": 'j["a"]', "json_cast_type": "double"})
    client.create_index("qbench", index)
    return time.perf_counter() - started


def reads(rows: int, calls: int) -> list[tuple[str, list[Any], Callable, Callable]]:
    """(name, per-call values, pgmilvus call, hand-written call) of each read."""
    rng = np.random.default_rng(11)
    width = 50 / rows

    def values(make: Callable[[], Any]) -> list[Any]:
        return [make() for _ in range(calls)]

    def sql(where: str) -> str:
        return f"SELECT id, k, s, f FROM {TABLE} WHERE {where} ORDER BY id LIMIT 10"

    def ids(rows: list[Any]) -> list[Any]:  # what both sides must agree on: the ids, in order
        return [r["id"] if isinstance(r, dict) else r[0] for r in rows]

    def span(x: int) -> str:
        return f"k >= {x} and k < {x + 1000}"

    return [
        ("equality s == str", values(lambda: f"str_{rng.integers(rows)}"),
         lambda c, x: ids(c.query("qbench", filter=f's == "{x}"', output_fields=OUT, limit=10)),
         lambda r, x: ids(r.execute(sql("s = %s"), (x,)).fetchall())),
        ("in k in [5 ints]", values(lambda: [int(v) for v in rng.integers(0, rows, 5)]),
         lambda c, x: ids(c.query("qbench", filter=f"k in {x}", output_fields=OUT, limit=10)),
         lambda r, x: ids(r.execute(sql("k = ANY(%s)"), (x,)).fetchall())),
        ("range f (~50 rows)", values(lambda: float(rng.random())),
         lambda c, x: ids(c.query("qbench", filter=f"f >= {x!r} and f < {x + width!r}", output_fields=OUT,
                                  limit=10)),
         lambda r, x: ids(r.execute(sql("f >= %s AND f < %s"), (x, x + width)).fetchall())),
        ('json j["a"] == n', values(lambda: int(rng.integers(1000))),
         lambda c, x: ids(c.query("qbench", filter=f'j["a"] == {x}', output_fields=OUT, limit=10)),
         lambda r, x: ids(r.execute(sql("j @> %s"), (Jsonb({"a": x}),)).fetchall())),
        ("get 10 ids", values(lambda: [int(v) for v in rng.integers(0, rows, 10)]),
         lambda c, x: ids(c.get("qbench", ids=x, output_fields=OUT)),
         lambda r, x: ids(r.execute(f"SELECT id, k, s, f FROM {TABLE} WHERE id = ANY(%s) ORDER BY id",
                                    (x,)).fetchall())),
        # Milvus master's query ORDER BY and aggregates (pymilvus 3): one statement each
        ("order_by f desc, k span (1k rows)", values(lambda: int(rng.integers(max(1, rows - 1000)))),
         lambda c, x: ids(c.query("qbench", filter=span(x), output_fields=OUT, limit=10,
                                  order_by_fields=[{"field": "f", "order": "desc"}])),
         lambda r, x: ids(r.execute(f"SELECT id, k, s, f FROM {TABLE} WHERE k >= %s AND k < %s "
                                    "ORDER BY f DESC, id LIMIT 10", (x, x + 1000)).fetchall())),
        ("count(*), avg(f), k span (1k rows)", values(lambda: int(rng.integers(max(1, rows - 1000)))),
         lambda c, x: [tuple(r.values()) for r in c.query("qbench", filter=span(x),
                                                           output_fields=["count(*)", "avg(f)"])],
         lambda r, x: [tuple(row) for row in r.execute(f"SELECT count(*), avg(f) FROM {TABLE} WHERE k >= %s "
                                                       "AND k < %s", (x, x + 1000)).fetchall()]),
    ]

def row(name: str, side: Side, ratio: float | None = None) -> str:
    qps = len(side.times) / sum(side.times)
    p50 = statistics.median(side.times) * 1000
    p99 = float(np.percentile(side.times, 99)) * 1000
    cpu = statistics.median(side.cpu) * 1e6
    shown = f"{ratio:6.3f}" if ratio is not None else ""
    return f"{name:<42} {qps:9.1f} {p50:8.3f} {p99:8.3f} {cpu:7.0f} {shown:>6}"


def run_all(client: MilvusClient, raw: psycopg.Connection, state: str, plan: list, rounds: int) -> list[str]:
    lines = []
    for name, vals, pgm, hand in plan:
        # each side returns what the other must match (the ids, or an aggregate's values)
        timed = measure_sides({"sql": lambda x, h=hand: h(raw, x), "pgmilvus": lambda x, p=pgm: p(client, x)},
                              vals, rounds, TURN)
        sql_side, pgm_side = timed["sql"], timed["pgmilvus"]
        if sql_side.found != pgm_side.found:
            raise SystemExit(f"{name}: the two sides found different rows")
        lines.append(row(f"{name}, {state} [sql]", sql_side))
        lines.append(row(f"{name}, {state} [pgmilvus]", pgm_side, turn_ratio(sql_side, pgm_side)))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=200, help="calls per read and round")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the calls")
    parser.add_argument("--dsn", help="an existing PostgreSQL + pgvector (default: embedded under /tmp)")
    parser.add_argument("--pin", action="store_true",
                        help="this process on one CPU, the server on the others (turns.pin_server_apart)")
    args = parser.parse_args()

    with bench_client(args.dsn, "query") as (client, dsn, _folder):
        if args.pin:
            print(pin_server_apart(), flush=True)
        print(f"loading {args.rows} rows with client.insert, then create_index ...", flush=True)
        print(f"  loaded + indexed in {load(client, args.rows):.1f} s", flush=True)
        raw = psycopg.connect(dsn, autocommit=True)
        plan = reads(args.rows, args.calls)
        header = f"{'read':<42} {'calls/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'cpu µs':>7} {'ratio':>6}"
        lines = [header, "-" * len(header)]
        lines += run_all(client, raw, "after load", plan, args.rounds)
        raw.execute(f"VACUUM ANALYZE {TABLE}")
        lines += run_all(client, raw, "steady", plan, args.rounds)
        raw.close()
        print("\n".join(lines))


if __name__ == "__main__":
    main()
