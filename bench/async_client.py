"""AsyncMilvusClient under asyncio.gather vs the same reads hand-written on psycopg's async pool.

    python bench/async_client.py                          # embedded server under /tmp, 20k x 64
    python bench/async_client.py --rows 50000 --dim 768
    python bench/async_client.py --dsn postgresql://user:pw@host/db

Data: ``--rows`` rows of an INT64 key ``id``, INT64 ``k`` (STL_SORT index) and a ``--dim``-d
FLOAT_VECTOR (HNSW, L2), loaded with ``insert`` in batches of 10k and flushed (indexes built).

Work, each in turns of ``--turn`` calls run by ``asyncio.gather`` with at most ``--concurrency``
in flight (a semaphore), the sides interleaved turn by turn (order swapped each turn), on the
same arguments:

* search: one vector, top 10, ``output_fields=["k"]``;
* query: ``k == x`` (one row), ``output_fields=["k"]``;
* get: 10 ids.

The hand-written side is what an asyncio application would write: a psycopg
``AsyncConnectionPool`` of the same size as the client's pool, pgvector's
``register_vector_async``, ``hnsw.ef_search = 64`` (the ef pgmilvus is given),
``SELECT id, v <-> %s, k FROM t ORDER BY 2 LIMIT 10`` (and the
matching ``WHERE`` statements for query and get).  pgmilvus runs each call of the synchronous
core on the event loop, its waits awaited on its own AsyncConnectionPool (docs/integrations.md).

Prints calls/s per side and the ratio pgmilvus / SQL: the median over turns of the two sides'
turn times.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Awaitable, Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "adapter"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pgvector.psycopg import register_vector_async  # noqa: E402
from psycopg_pool import AsyncConnectionPool  # noqa: E402

from pgmilvus import AsyncMilvusClient, DataType  # noqa: E402

from turns import bench_client  # noqa: E402

TABLE = '"default"."abench"'
POOL = 8
EF = {"params": {"ef": 64}}  # both sides search with ef 64 (pgvector's default is 40, pgmilvus's 100)


def load(client: Any, rows: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("k", DataType.INT64)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=dim)
    index = client.prepare_index_params()
    index.add_index("v", index_type="HNSW", metric_type="L2", params={"M": 16, "efConstruction": 64})
    index.add_index("k", index_type="STL_SORT")
    client.create_collection("abench", schema=schema, index_params=index)
    vectors = rng.standard_normal((rows, dim), dtype=np.float32)
    for start in range(0, rows, 10_000):
        stop = min(rows, start + 10_000)
        client.insert("abench", [{"id": i, "k": i * 7, "v": vectors[i]} for i in range(start, stop)])
    client.flush("abench")
    return vectors


async def turns(sides: dict[str, Callable[[Any], Awaitable[Any]]], calls: list[Any], turn: int,
                concurrency: int) -> dict[str, list[float]]:
    """Each side's turn times: ``turn`` calls gathered, at most ``concurrency`` in flight."""
    out: dict[str, list[float]] = {name: [] for name in sides}
    names = list(sides)
    for number, start in enumerate(range(0, len(calls), turn)):
        chunk = calls[start:start + turn]
        for name in (names if number % 2 == 0 else names[::-1]):
            gate = asyncio.Semaphore(concurrency)

            async def one(args: Any, fn: Callable[[Any], Awaitable[Any]] = sides[name]) -> Any:
                async with gate:
                    return await fn(args)

            began = time.perf_counter()
            await asyncio.gather(*[one(args) for args in chunk])
            out[name].append(time.perf_counter() - began)
    return out


async def run(dsn: str, vectors: np.ndarray, args: argparse.Namespace) -> list[tuple]:
    rng = np.random.default_rng(7)
    client = AsyncMilvusClient(dsn, pool_size=POOL)

    async def configure(conn: Any) -> None:
        await conn.set_autocommit(True)
        await register_vector_async(conn)
        await conn.execute("SET hnsw.ef_search = 64")

    pool = AsyncConnectionPool(dsn, min_size=POOL, max_size=POOL, configure=configure, open=False)
    await pool.open()
    rows = len(vectors)

    async def sql(statement: str, params: Any) -> list:
        async with pool.connection() as conn:
            return await (await conn.execute(statement, params, prepare=True)).fetchall()

    work = {
        "search": (lambda q: client.search("abench", [q], limit=10, output_fields=["k"], search_params=EF),
                   lambda q: sql(f"SELECT id, v <-> %s AS d, k FROM {TABLE} ORDER BY d LIMIT 10", [q]),
                   [vectors[i] + 0.01 for i in rng.integers(0, rows, args.calls)]),
        "query": (lambda k: client.query("abench", filter=f"k == {k}", output_fields=["k"]),
                  lambda k: sql(f"SELECT id, k FROM {TABLE} WHERE k = %s", [k]),
                  [int(i) * 7 for i in rng.integers(0, rows, args.calls)]),
        "get": (lambda ids: client.get("abench", ids=ids, output_fields=["k"]),
                lambda ids: sql(f"SELECT id, k FROM {TABLE} WHERE id = ANY(%s)", [ids]),
                [[int(i) for i in rng.integers(0, rows, 10)] for _ in range(args.calls)]),
    }
    table = []
    for name, (ours, theirs, calls) in work.items():
        for fn in (ours, theirs):
            await asyncio.gather(*[fn(c) for c in calls[:POOL]])  # warm-up: connections, prepares
        for concurrency in args.concurrency:
            times = await turns({"pgmilvus": ours, "sql": theirs}, calls, args.turn, concurrency)
            ratio = statistics.median(s / p for p, s in zip(times["pgmilvus"], times["sql"]))
            rate = {side: args.turn / statistics.median(t) for side, t in times.items()}
            table.append((name, concurrency, rate["sql"], rate["pgmilvus"], ratio))
    await client.close()
    await pool.close()
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dsn")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--calls", type=int, default=800)
    parser.add_argument("--turn", type=int, default=40)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    args = parser.parse_args()
    rng = np.random.default_rng(3)
    with bench_client(args.dsn, "async") as (client, dsn, _):
        started = time.perf_counter()
        vectors = load(client, args.rows, args.dim, rng)
        print(f"{args.rows} x {args.dim}: loaded and indexed in {time.perf_counter() - started:.1f} s; "
              f"{args.calls} calls per read, turns of {args.turn}")
        table = asyncio.run(run(dsn, vectors, args))
    print(f"{'read':8} {'in flight':>9} {'SQL calls/s':>12} {'pgmilvus calls/s':>17} {'ratio':>6}")
    for name, concurrency, sql_rate, ours_rate, ratio in table:
        print(f"{name:8} {concurrency:>9} {sql_rate:>12,.0f} {ours_rate:>17,.0f} {ratio:>6.2f}")


if __name__ == "__main__":
    main()
