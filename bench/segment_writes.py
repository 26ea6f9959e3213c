"""Writes by primary key into a collection of many segments, against hand-written SQL on one table.

    python bench/segment_writes.py                         # 250,000 rows in 50 segments, 128-d
    python bench/segment_writes.py --shape 300000x100 --queries 30

A bulk load leaves one sealed segment per ~16 MB of vectors until the background compaction
merges them (30 s after the writes stop), so the writes that follow it, and every write of a
load that never pauses, go to a collection of tens of segments.  Each such write looks for its
keys in every segment (insert: the duplicate-key check; upsert and delete: the rows replaced).
Data per ``--shape`` (rows x segments): 128-d float32 vectors with int64 keys, loaded in
1,000-row batches with ``PGMILVUS_SEGMENT_ROWS`` = rows / segments and flushed (every segment
indexed, compaction off); the hand-written side is one table (``id bigint PRIMARY KEY``,
``vector(128)``) holding the same rows.  Work, 1,000-row batches: ``insert`` of new keys
(pgmilvus: ``client.insert``; by hand: binary COPY, the table's key refuses duplicates),
``upsert`` of stored keys (``client.upsert``; ``DELETE ... = ANY`` then COPY), ``delete`` of the
inserted keys (``client.delete(ids=...)``; ``DELETE ... = ANY``), each one transaction, then the
same three through ``AsyncMilvusClient`` (whose connections never prepare statements).  Sides in
turns (bench/turns.py); ratio = hand-written time / pgmilvus time, the median over turns.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any, Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "adapter"))
os.environ.setdefault("PGMILVUS_AUTO_COMPACT_SECONDS", "0")  # the segments stay as the load left them
os.environ.setdefault("PGMILVUS_IDLE_SEAL_ROWS", "0")  # and no build runs beside the timed writes

from turns import measure_sides, shapes_main, turn_ratio, cell  # noqa: E402

DIM, BATCH = 128, 1000
HEADER = (f"{'rows x segments, batch of 1,000':<36} {'sql /s':>9} {'p50':>7} {'p99':>7} {'pgm /s':>9} "
          f"{'p50':>7} {'p99':>7} {'ratio':>6}")


def batch(lo: int, rng: np.random.Generator) -> tuple[list[int], np.ndarray]:
    return list(range(lo, lo + BATCH)), rng.random((BATCH, DIM), dtype=np.float32)


def load(client: Any, dsn: str, rows: int, segments: int) -> None:
    """The collection (segments of rows / segments rows, indexed) and the hand-written table."""
    import psycopg
    from pgvector.psycopg import register_vector

    os.environ["PGMILVUS_SEGMENT_ROWS"] = str(max(2000, rows // segments))
    client.create_collection("w", dimension=DIM, auto_id=False, id_type="int", primary_field_name="id")
    rng = np.random.default_rng(0)
    with psycopg.connect(dsn) as conn:
        register_vector(conn)
        conn.execute(f"CREATE TABLE hand (id bigint PRIMARY KEY, vector vector({DIM}))")
        for lo in range(0, rows, BATCH):
            keys, vectors = batch(lo, rng)
            client.insert("w", [{"id": k, "vector": v} for k, v in zip(keys, vectors)])
            copy_rows(conn, keys, vectors)
        conn.execute("ANALYZE hand")
        conn.commit()
    client.flush("w")
    os.environ["PGMILVUS_SEGMENT_ROWS"] = "100000"  # the timed writes seal nothing


def copy_rows(conn: Any, keys: list[int], vectors: np.ndarray) -> None:
    with conn.cursor().copy("COPY hand (id, vector) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(["int8", "vector"])
        for k, v in zip(keys, vectors):
            copy.write_row((k, v))


def counter_keys(start: int, step: Callable[[int], int]) -> Callable[[], int]:
    """Each call's first key: the n-th call gets ``start + step(n)``."""
    state = {"n": 0}

    def nxt() -> int:
        state["n"] += 1
        return start + step(state["n"])
    return nxt


def sides(client: Any, conn: Any, stored: int, label: str) -> dict[str, dict[str, Callable[[Any], Any]]]:
    """Per workload, the hand-written and the pgmilvus call (``client``: sync, or an async one
    wrapped to run to completion); keys from counters, so each call writes fresh ones."""
    rng = np.random.default_rng(1)
    vectors = rng.random((BATCH, DIM), dtype=np.float32)
    rows = lambda lo: [{"id": lo + i, "vector": v} for i, v in enumerate(vectors)]  # noqa: E731
    base = 10_000_000 * (2 if label else 1)
    fresh = {s: counter_keys(base, lambda n: n * BATCH) for s in ("sql", "pgm", "sql-del", "pgm-del")}
    old = {s: counter_keys(0, lambda n: (n * 7919 % (stored // BATCH)) * BATCH) for s in ("sql", "pgm")}

    def timed(act: Callable[[int], Any], keys: Callable[[], int]) -> Callable[[Any], list]:
        """One timed call: ``act`` on the batch starting at the next key (nothing collected)."""
        def call(_: Any) -> list:
            act(keys())
            return []
        return call

    def by_hand(*steps: Callable[[int], Any]) -> Callable[[int], None]:
        """The hand-written steps on a batch, one transaction."""
        def act(lo: int) -> None:
            for step in steps:
                step(lo)
            conn.commit()
        return act

    keys = lambda lo: list(range(lo, lo + BATCH))  # noqa: E731
    delete = lambda lo: conn.execute("DELETE FROM hand WHERE id = ANY(%s)", (keys(lo),))  # noqa: E731
    copy = lambda lo: copy_rows(conn, keys(lo), vectors)  # noqa: E731
    return {f"{label}insert new keys": {"sql": timed(by_hand(copy), fresh["sql"]),
                                        "pgm": timed(lambda lo: client.insert("w", rows(lo)), fresh["pgm"])},
            f"{label}upsert stored keys": {"sql": timed(by_hand(delete, copy), old["sql"]),
                                           "pgm": timed(lambda lo: client.upsert("w", rows(lo)), old["pgm"])},
            f"{label}delete(ids=...)": {
                "sql": timed(by_hand(delete), fresh["sql-del"]),
                "pgm": timed(lambda lo: client.delete("w", ids=keys(lo)), fresh["pgm-del"])}}


class SyncAsync:
    """AsyncMilvusClient's calls run to completion on one event loop, as the sync ones are timed."""

    def __init__(self, uri: str) -> None:
        from pgmilvus import AsyncMilvusClient

        self.loop = asyncio.new_event_loop()
        self.client = AsyncMilvusClient(uri)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.client, name)
        return lambda *a, **k: self.loop.run_until_complete(method(*a, **k))

    def close(self) -> None:
        self.loop.run_until_complete(self.client.close())
        self.loop.close()


def run_shape(client: Any, dsn: str, rows: int, segments: int, args: Any) -> list[str]:
    import psycopg
    from pgvector.psycopg import register_vector

    load(client, dsn, rows, segments)
    aclient = SyncAsync(dsn)  # the same server as ``client``'s
    lines = []
    with psycopg.connect(dsn) as conn:
        register_vector(conn)
        calls = list(range(args.queries))
        for label, each in (("", client), ("async ", aclient)):
            for name, fns in sides(each, conn, rows, label).items():
                got = measure_sides(fns, calls, args.rounds, turn=5, collect=False)
                lines.append(f"{f'{rows}x{segments} {name}':<36} {cell(got['sql'])} {cell(got['pgm'])} "
                             f"{turn_ratio(got['sql'], got['pgm']):6.2f}")
    aclient.close()
    client.drop_collection("w")
    with psycopg.connect(dsn) as conn:
        conn.execute("DROP TABLE hand")
    return lines


if __name__ == "__main__":
    shapes_main(__doc__, "segment-writes", ["250000x50"], 20, HEADER, run_shape, label="ROWSxSEGMENTS")
