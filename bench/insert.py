"""Write throughput: pgmilvus vs raw psycopg binary COPY (vs Milvus Lite when available).

    python bench/insert.py --rows 100000                 # embedded server under /tmp
    python bench/insert.py --rows 100000 --dsn postgresql://user:pw@host/db
    python bench/insert.py --lite-python /tmp/refvenv/bin/python   # also time Milvus Lite

Data: ``--rows`` rows of a ``--dim``-d float vector (numpy float32 arrays), three
scalar fields (INT64 ``age``, DOUBLE ``score``, VARCHAR ``tag``) and a dynamic
key ``color``.  Measured on the same server, into identical tables (created by
pgmilvus, no vector index, so index build time does not hide the write path):

* insert all rows: ``client.insert`` vs ``COPY ... (FORMAT BINARY)`` with psycopg + pgvector;
* upsert 10% of the rows: ``client.upsert`` vs ``DELETE ... = ANY`` + binary COPY;
* delete 10% by filter: ``client.delete(filter=...)`` vs ``DELETE ... WHERE``.

Prints rows/s of each and the ratio pgmilvus / raw (the goal is >= 0.9).

``--index-first``: the path most Milvus code takes (issue 15).  A quick-setup collection
(AUTOINDEX: HNSW, COSINE) is created first, then rows are inserted in batches of 10k; writes
land in growing segments, sealed segments are indexed in the background and ``flush()``
waits for the last ones (segments.py).  Against hand-written binary COPY (batches of 10k,
one commit each) into an unindexed table, then ``CREATE INDEX ... USING hnsw`` with the same
build settings.  Shapes: ``--shapes 100000x128,50000x768``.  Goals: insert throughput
>= 0.5x COPY, time until every row is indexed <= 1.5x COPY + CREATE INDEX.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "adapter"))

from pgmilvus import DataType, MilvusClient  # noqa: E402

COLORS = ["red", "green", "blue", "pink", "grey", "white", "black", "brown"]


def make_rows(n: int, dim: int, start: int = 0, seed: int = 7) -> list[dict]:
    rng = np.random.default_rng(seed)
    vectors = rng.random((n, dim), dtype=np.float32)
    return [{"id": start + i, "vector": vectors[i], "age": (start + i) % 100, "score": float(i) * 0.5,
             "tag": f"tag_{i % 1000}", "color": COLORS[i % len(COLORS)]} for i in range(n)]


def schema(client: MilvusClient, dim: int):
    s = client.create_schema(enable_dynamic_field=True)
    s.add_field("id", DataType.INT64, is_primary=True)
    s.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    s.add_field("age", DataType.INT64)
    s.add_field("score", DataType.DOUBLE)
    s.add_field("tag", DataType.VARCHAR, max_length=32)
    return s


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# -- raw psycopg --------------------------------------------------------------------------------

def raw_copy(conn, table: str, rows: list[dict]) -> None:
    from psycopg.types.json import Jsonb

    with conn.cursor() as cur:
        with cur.copy(f'COPY {table} ("id", "vector", "age", "score", "tag", "$meta", "$partition") '
                      "FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int8", "vector", "int8", "float8", "varchar", "jsonb", "text"])
            for r in rows:
                copy.write_row((r["id"], r["vector"], r["age"], r["score"], r["tag"],
                                Jsonb({"color": r["color"]}), "_default"))


def run_raw(dsn: str, table: str, rows: list[dict], upserts: list[dict], cutoff: int) -> dict[str, float]:
    import psycopg
    from pgvector.psycopg import register_vector

    out = {}
    with psycopg.connect(dsn) as conn:
        register_vector(conn)
        out["insert"] = timed(lambda: (raw_copy(conn, table, rows), conn.commit()))

        def upsert() -> None:
            conn.execute(f'DELETE FROM {table} WHERE "id" = ANY(%s)', ([r["id"] for r in upserts],))
            raw_copy(conn, table, upserts)
            conn.commit()
        out["upsert"] = timed(upsert)
        out["delete"] = timed(lambda: (conn.execute(f'DELETE FROM {table} WHERE "age" < %s', (cutoff,)),
                                       conn.commit()))
    return out


# -- pgmilvus -----------------------------------------------------------------------------------

def run_pgmilvus(client: MilvusClient, name: str, rows: list[dict], upserts: list[dict],
                 cutoff: int) -> dict[str, float]:
    # Warm-up (imports, filter compiler, pool): the raw side's driver is warm too.
    client.query(name, filter=f"age < {cutoff}", limit=1)
    client.delete(name, filter=f"age < {cutoff}")
    out = {"insert": timed(lambda: client.insert(name, rows)),
           "upsert": timed(lambda: client.upsert(name, upserts)),
           "delete": timed(lambda: client.delete(name, filter=f"age < {cutoff}"))}
    return out


# -- Milvus Lite (optional, in its own interpreter) ---------------------------------------------

LITE_SCRIPT = r"""
import json, sys, tempfile, time
sys.path.insert(0, sys.argv[4])
import numpy as np
from pymilvus import MilvusClient, DataType
COLORS = ["red", "green", "blue", "pink", "grey", "white", "black", "brown"]
{make_rows}
{schema}
n, dim, cutoff = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rows = make_rows(n, dim)
ups = make_rows(n // 10, dim, seed=8)
c = MilvusClient(tempfile.mkdtemp() + "/bench.db")
s = schema(c, dim)
ip = c.prepare_index_params(); ip.add_index("vector", index_type="FLAT", metric_type="L2")
c.create_collection("bench", schema=s, index_params=ip)
out = {}
t = time.perf_counter()
for i in range(0, n, 10000):
    c.insert("bench", rows[i:i + 10000])
out["insert"] = time.perf_counter() - t
t = time.perf_counter(); c.upsert("bench", ups); out["upsert"] = time.perf_counter() - t
t = time.perf_counter(); c.delete("bench", filter=f"age < {cutoff}"); out["delete"] = time.perf_counter() - t
print(json.dumps(out))
"""


def run_lite(python: str, rows: int, dim: int, cutoff: int) -> dict[str, float] | None:
    if not python or not Path(python).exists():
        return None
    try:
        import inspect

        # The same rows and schema as the pgmilvus side: the functions' own source.
        script = (LITE_SCRIPT.replace("{make_rows}", inspect.getsource(make_rows))
                  .replace("{schema}", inspect.getsource(schema)))
        proc = subprocess.run([python, "-c", script, str(rows), str(dim), str(cutoff),
                               str(Path(__file__).resolve().parent)],
                              capture_output=True, text=True, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"(Milvus Lite skipped: {exc})")
        return None
    if proc.returncode != 0:
        print(f"(Milvus Lite failed: {proc.stderr.strip().splitlines()[-1:]})")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- index first (quick setup, then insert) ------------------------------------------------------

BATCH = 10_000


def index_first_raw(dsn: str, vectors: np.ndarray) -> tuple[float, float]:
    """(COPY seconds, CREATE INDEX seconds) into a plain table of the same database."""
    import psycopg
    from pgvector.psycopg import register_vector

    from pgmilvus.catalog import indexes

    dim = vectors.shape[1]
    with psycopg.connect(dsn, autocommit=True) as conn:
        register_vector(conn)
        conn.execute("DROP TABLE IF EXISTS bench_if_raw")
        conn.execute(f"CREATE TABLE bench_if_raw (id bigint PRIMARY KEY, vector vector({dim}) NOT NULL)")

        def copy() -> None:
            for start in range(0, len(vectors), BATCH):
                with conn.transaction(), conn.cursor() as cur:
                    with cur.copy("COPY bench_if_raw (id, vector) FROM STDIN (FORMAT BINARY)") as cp:
                        cp.set_types(["int8", "vector"])
                        for i in range(start, min(start + BATCH, len(vectors))):
                            cp.write_row((i, vectors[i]))
        copy_s = timed(copy)
        for key, value in indexes.build_settings().items():
            conn.execute("SELECT set_config(%s, %s, false)", (key, value))
        index_s = timed(lambda: conn.execute(
            "CREATE INDEX ON bench_if_raw USING hnsw (vector vector_cosine_ops)"))
        conn.execute("DROP TABLE bench_if_raw")
    return copy_s, index_s


def index_first_ours(client: MilvusClient, vectors: np.ndarray) -> tuple[float, float, int]:
    """(insert seconds, flush seconds, sealed segments) into a quick-setup collection."""
    client.drop_collection("bench_if")
    client.create_collection("bench_if", dimension=vectors.shape[1])  # AUTOINDEX

    def insert() -> None:
        for start in range(0, len(vectors), BATCH):
            client.insert("bench_if", [{"id": i, "vector": vectors[i]}
                                       for i in range(start, min(start + BATCH, len(vectors)))])
    insert_s = timed(insert)
    flush_s = timed(lambda: client.flush("bench_if"))
    with client._conn() as conn:
        info = client_collection(conn)
        sealed = conn.execute("SELECT count(*) FROM pgmilvus_catalog.segments WHERE collection_id = %s"
                              " AND state = 'indexed'", (info.id,)).fetchone()[0]
    return insert_s, flush_s, sealed


def client_collection(conn):
    from pgmilvus.catalog import collections

    return collections.require(conn, "default", "bench_if")


def run_index_first(uri: str, shapes: list[tuple[int, int]], rounds: int) -> None:
    """Each shape ``rounds`` times, the sides' order swapped each round (this host's speed drifts);
    each side's best insert rate and best time until indexed are kept."""
    client = MilvusClient(uri)
    dsn = client._db.conninfo
    lines = []
    for rows, dim in shapes:
        vectors = np.random.default_rng(3).random((rows, dim), dtype=np.float32)
        raw_copy_s = raw_total_s = ours_insert_s = ours_total_s = float("inf")
        sealed = 0
        for r in range(rounds):
            for side in (("raw", "ours") if r % 2 == 0 else ("ours", "raw")):
                if side == "raw":
                    copy_s, index_s = index_first_raw(dsn, vectors)
                    raw_copy_s, raw_total_s = min(raw_copy_s, copy_s), min(raw_total_s, copy_s + index_s)
                else:
                    insert_s, flush_s, sealed = index_first_ours(client, vectors)
                    client.drop_collection("bench_if")
                    ours_insert_s, ours_total_s = min(ours_insert_s, insert_s), min(ours_total_s, insert_s + flush_s)
        lines.append((f"{rows} x {dim}-d", rows / raw_copy_s, rows / ours_insert_s, raw_total_s,
                      ours_total_s, sealed))
    client.close()
    header = (f"{'shape':<16}{'COPY rows/s':>12}{'insert rows/s':>14}{'ratio':>7}"
              f"{'COPY+INDEX s':>14}{'to indexed s':>14}{'ratio':>7}{'segments':>10}")
    print(f"\nindex first: quick-setup AUTOINDEX collection, batches of 10k, vs binary COPY + CREATE INDEX"
          f" (best of {rounds} rounds each, in alternating order)\n")
    print(header)
    print("-" * len(header))
    for shape, copy_rate, ours_rate, raw_total, ours_total, sealed in lines:
        print(f"{shape:<16}{copy_rate:>12,.0f}{ours_rate:>14,.0f}{ours_rate / copy_rate:>7.2f}"
              f"{raw_total:>14.1f}{ours_total:>14.1f}{ours_total / raw_total:>7.2f}{sealed:>10}")


# -- main ---------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--dsn", help="postgresql:// DSN of a server with pgvector (default: embedded)")
    parser.add_argument("--path", default=None, help="embedded server folder (default: a temp dir under /tmp)")
    parser.add_argument("--rounds", type=int, default=3, help="repeat and keep each side's best time")
    parser.add_argument("--lite-python", default=os.environ.get("PGMILVUS_LITE_PYTHON", "/tmp/refvenv/bin/python"),
                        help="interpreter with pymilvus + milvus-lite ('' to skip)")
    parser.add_argument("--index-first", action="store_true",
                        help="time the index-first path (quick setup, insert) against COPY + CREATE INDEX")
    parser.add_argument("--shapes", default="100000x128,50000x768", help="rows x dim list for --index-first")
    args = parser.parse_args()

    tmp = None
    if args.dsn:
        uri = args.dsn
    else:
        tmp = tempfile.mkdtemp(prefix="pgmilvus-bench-", dir="/tmp")
        os.chmod(tmp, 0o755)
        uri = args.path or str(Path(tmp) / "bench.db")
    if args.index_first:
        try:
            run_index_first(uri, [tuple(int(x) for x in shape.split("x")) for shape in args.shapes.split(",")],
                            args.rounds)
        finally:
            if tmp:
                shutil.rmtree(tmp, ignore_errors=True)
        return
    rows = make_rows(args.rows, args.dim)
    upserts = make_rows(max(1, args.rows // 10), args.dim, seed=8)  # ids 0..n/10 replaced
    cutoff = 10  # age < 10: 10% of the rows
    try:
        client = MilvusClient(uri)
        from psycopg import sql

        from pgmilvus.catalog import collections

        dsn = client._db.conninfo  # the same server and database for the raw run
        raw: dict[str, float] = {}
        ours: dict[str, float] = {}
        for round_no in range(args.rounds):
            for name in ("bench_pgmilvus", "bench_raw"):
                client.drop_collection(name)
                client.create_collection(name, schema=schema(client, args.dim))
            with client._conn() as conn:
                info = collections.require(conn, "default", "bench_raw")
                table = sql.Identifier(info.schema_name, info.table_name).as_string(conn)
            sides = [("raw", lambda: run_raw(dsn, table, rows, upserts, cutoff)),
                     ("ours", lambda: run_pgmilvus(client, "bench_pgmilvus", rows, upserts, cutoff))]
            if round_no % 2:
                sides.reverse()  # alternate who goes first: server state (WAL, checkpoints) evens out
            for side, run in sides:
                best = raw if side == "raw" else ours
                for op, seconds in run().items():
                    best[op] = min(best.get(op, seconds), seconds)
            assert client.query("bench_pgmilvus", output_fields=["count(*)"])[0]["count(*)"] == \
                client.query("bench_raw", output_fields=["count(*)"])[0]["count(*)"]
        for name in ("bench_pgmilvus", "bench_raw"):
            client.drop_collection(name)
        client.close()
        lite = run_lite(args.lite_python, args.rows, args.dim, cutoff)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)

    counts = {"insert": args.rows, "upsert": len(upserts), "delete": args.rows // 10}
    print(f"\n{args.rows} rows, {args.dim}-d float vectors + 3 scalars + 1 dynamic key"
          f" ({'DSN' if args.dsn else 'embedded server'}; best of {args.rounds} rounds, sides alternating)\n")
    header = f"{'operation':<22}{'raw COPY rows/s':>16}{'pgmilvus rows/s':>17}{'ratio':>8}"
    header += f"{'Milvus Lite rows/s':>20}" if lite else ""
    print(header)
    print("-" * len(header))
    for op, label in (("insert", f"insert {counts['insert']}"), ("upsert", f"upsert {counts['upsert']}"),
                      ("delete", f"delete {counts['delete']} (filter)")):
        r, p = counts[op] / raw[op], counts[op] / ours[op]
        line = f"{label:<22}{r:>16,.0f}{p:>17,.0f}{p / r:>8.2f}"
        if lite:
            line += f"{counts[op] / lite[op]:>20,.0f}"
        print(line)


if __name__ == "__main__":
    main()
