"""Search on a collection loaded through ``insert()``, as its segments settle, against the same
rows in one hand-written pgvector table (COPY, then CREATE INDEX) on the same server.

    python bench/settle.py --rounds 2                 # embedded server under /tmp: 100k x 768, 600k x 128
    python bench/settle.py --shape 50000x768 --queries 100

A collection written through ``insert()`` is sealed every ~16 MB of vectors, each sealed
segment with its own index (docs/search.md, segments), and a search is one index scan per
segment; compaction merges them.  Per ``--shape``: clustered float32 vectors (seeded), HNSW
(M=16, efConstruction=64, 1 GB maintenance_work_mem and 2 workers on both sides), L2, search
top-10 of one vector at ef 64, no filter.  Phases, on the same data:

* ``loaded``: every row indexed after the load (5,000-row inserts), nothing merged yet;
* ``merged 8 seals``: compact() with merged segments of at most 8 seals (``PGMILVUS_MERGE_ROWS``;
  the size pgmilvus merged to before 2026-12-07);
* ``merged``: compact() with the default size (Milvus's 1 GB of vectors).

The background compaction is off (``PGMILVUS_AUTO_COMPACT_SECONDS=0``) so that each phase
holds still; it merges the same runs 30 s after the writes pause.  The sides are timed in turns
of 20 calls (order swapped each turn); the ratio is the median over turns of (SQL time /
pgmilvus time); each side's recall@10 is against the exact nearest rows.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "adapter"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg  # noqa: E402

import turns  # noqa: E402
from search import clustered, recall, truth_for  # noqa: E402
from serve import steady  # noqa: E402
from turns import turn_ratio  # noqa: E402

NAME = "settle"
TURN = 20
LOAD_BATCH = 5000
PARAMS = {"metric_type": "L2", "params": {"ef": 64}}


def load_pgmilvus(client: Any, vectors: np.ndarray) -> float:
    """Insert in batches, then wait until the background builder has indexed every row; seconds."""
    from pgmilvus import DataType

    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=vectors.shape[1])
    index = client.prepare_index_params()
    index.add_index("v", index_type="HNSW", metric_type="L2", params={"M": 16, "efConstruction": 64})
    client.create_collection(NAME, schema=schema, index_params=index)
    started = time.monotonic()
    for start in range(0, len(vectors), LOAD_BATCH):
        client.insert(NAME, [{"id": start + i, "v": v.tolist()}
                             for i, v in enumerate(vectors[start:start + LOAD_BATCH])])
    steady(client, NAME)
    return time.monotonic() - started


def load_by_hand(conn: psycopg.Connection, vectors: np.ndarray) -> float:
    """What an application writing psycopg / pgvector by hand does: one table, COPY, CREATE INDEX."""
    started = time.monotonic()
    conn.execute(f"CREATE TABLE public.by_hand (id bigint PRIMARY KEY, v vector({vectors.shape[1]}))")
    with conn.cursor().copy("COPY public.by_hand (id, v) FROM STDIN WITH (FORMAT BINARY)") as copy:
        copy.set_types(["int8", "vector"])
        for i, vector in enumerate(vectors):
            copy.write_row((i, vector))
    conn.execute("SET maintenance_work_mem = '1GB'")
    conn.execute("SET max_parallel_maintenance_workers = 2")
    conn.execute("CREATE INDEX ON public.by_hand USING hnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 64)")
    conn.execute("ANALYZE public.by_hand")
    conn.execute("SET hnsw.ef_search = 64")
    return time.monotonic() - started


def phase(title: str, client: Any, conn: psycopg.Connection, queries: np.ndarray, truth: list[list[int]],
          rounds: int) -> str:
    def by_hand(q: np.ndarray) -> list:
        return [[r[0] for r in conn.execute("SELECT id FROM public.by_hand ORDER BY v <-> %s LIMIT 10",
                                            (q,)).fetchall()]]

    def pgmilvus(q: np.ndarray) -> list:
        return [[h["id"] for h in client.search(NAME, [q.tolist()], limit=10, search_params=PARAMS)[0]]]

    measured = turns.measure_sides({"sql": by_hand, "pgmilvus": pgmilvus}, list(queries), rounds, TURN)
    raw, pgm = measured["sql"], measured["pgmilvus"]
    segments = len(client.list_persistent_segments(NAME))  # every one indexed by now
    return (f"  {title:<16} {segments:>8} {statistics.median(raw.times) * 1000:9.2f} "
            f"{statistics.median(pgm.times) * 1000:9.2f} {turn_ratio(raw, pgm):6.2f} "
            f"{recall(raw.found, truth):10.3f} {recall(pgm.found, truth):10.3f}")


def compact(client: Any, merge_rows: int | None) -> float:
    """compact() with merged segments of at most ``merge_rows`` (None: the default); seconds."""
    if merge_rows is not None:
        os.environ["PGMILVUS_MERGE_ROWS"] = str(merge_rows)
    started = time.monotonic()
    try:
        client.compact(NAME)
    finally:
        os.environ.pop("PGMILVUS_MERGE_ROWS", None)
    return time.monotonic() - started


def run_shape(client: Any, dsn: str, rows: int, dim: int, args: Any) -> list[str]:
    from pgvector.psycopg import register_vector

    vectors, queries = clustered(7, rows, args.queries, dim)
    truth = truth_for(vectors, queries, np.ones(rows, bool))
    with psycopg.connect(dsn, autocommit=True) as conn:
        register_vector(conn)
        by_hand = load_by_hand(conn, vectors)
        loaded = load_pgmilvus(client, vectors)
        lines = [f"{rows} x {dim}: by hand, COPY + CREATE INDEX {by_hand:.1f} s; pgmilvus, inserts until "
                 f"every row is indexed {loaded:.1f} s",
                 phase("loaded", client, conn, queries, truth, args.rounds)]
        print(lines[-1], flush=True)
        for title, merge_rows in (("merged 8 seals", 8 * seal_rows(client)), ("merged", None)):
            took = compact(client, merge_rows)
            lines.append(phase(title, client, conn, queries, truth, args.rounds) + f"   (compact {took:.1f} s)")
            print(lines[-1], flush=True)
        client.drop_collection(NAME)
        conn.execute("DROP TABLE public.by_hand")
    return lines


def seal_rows(client: Any) -> int:
    """The collection's seal size (segments.seal_rows)."""
    from pgmilvus.catalog import segments, store

    with client._conn() as conn:
        return segments.seal_rows(store.get_collection(conn, "default", NAME))


def main() -> None:
    os.environ["PGMILVUS_AUTO_COMPACT_SECONDS"] = "0"
    header = (f"  {'phase':<16} {'segments':>8} {'sql p50':>9} {'pgm p50':>9} {'ratio':>6} "
              f"{'sql recall':>10} {'pgm recall':>10}")
    turns.shapes_main(__doc__, "settle", ["100000x768", "600000x128"], 200, header, run_shape)


if __name__ == "__main__":
    main()
