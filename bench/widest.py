"""Vectors wider than pgvector's 16,000 dims (Milvus takes 32,768): pgmilvus stores them in pieces
(``vector[]`` of 16,000-dim pieces) and searches them exactly; against the hand-written way of
holding such a vector in pgvector, one ``vector`` column per piece.

    python bench/widest.py                      # embedded server under /tmp: 1000 x 32768, 3000 x 20000
    python bench/widest.py --shape 2000x32768 --dsn postgresql://user:pw@host/db

Per shape, in turns on the same data (bench/turns.py, ratio = SQL time / pgmilvus time):

* insert: the rows in batches of 100, ``client.insert`` (checks, COPY of the pieces, a growing
  segment) against a binary COPY into ``(id, v1 vector(16000), v2 vector(...), ...)``, each side
  into a fresh table per turn; rows/s;
* search: top 10 by L2, one query vector per call, after ``flush`` (pgmilvus: sealed segments,
  no vector index: exact), against ``ORDER BY (v1 <-> q1)^2 + (v2 <-> q2)^2 ... LIMIT 10`` (no
  index either: pgvector indexes 2,000 dims of ``vector``); both sides' top 10 are compared.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "adapter"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import search as search_bench  # noqa: E402  (bench/search.py: clustered data)
import turns  # noqa: E402

from pgmilvus import DataType  # noqa: E402

PIECE = 16_000
BATCH = 100
RAW = sql.Identifier("public", "widest_raw")


def _collection(client, dim: int) -> None:
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=dim)
    index = client.prepare_index_params()
    index.add_index("v", index_type="FLAT", metric_type="L2")
    if client.has_collection("widest"):
        client.drop_collection("widest")
    client.create_collection("widest", schema=schema, index_params=index)


def _pieces(dim: int) -> list[tuple[int, int]]:
    return [(start, min(dim, start + PIECE)) for start in range(0, dim, PIECE)]


def _raw_table(conn: psycopg.Connection, dim: int) -> None:
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(RAW))
    columns = [sql.SQL("{} vector({})").format(sql.Identifier(f"v{k + 1}"), sql.Literal(b - a))
               for k, (a, b) in enumerate(_pieces(dim))]
    conn.execute(sql.SQL("CREATE TABLE {} (id bigint PRIMARY KEY, {})").format(RAW, sql.SQL(", ").join(columns)))


def _raw_insert(conn: psycopg.Connection, vectors: np.ndarray, start: int) -> None:
    pieces = _pieces(vectors.shape[1])
    names = sql.SQL(", ").join(sql.Identifier(f"v{k + 1}") for k in range(len(pieces)))
    with conn.cursor().copy(sql.SQL("COPY {} (id, {}) FROM STDIN WITH (FORMAT BINARY)").format(RAW, names)) as cp:
        cp.set_types(["int8"] + ["vector"] * len(pieces))
        for i, vec in enumerate(vectors):
            cp.write_row((start + i, *(vec[a:b] for a, b in pieces)))


def run_shape(client, dsn: str, rows: int, dim: int, args) -> list[str]:
    from pgvector.psycopg import register_vector

    vectors, queries = search_bench.clustered(23, rows, args.queries, dim, clusters=16)
    raw = psycopg.connect(dsn, autocommit=True)
    register_vector(raw)
    batches = [(start, vectors[start:start + BATCH]) for start in range(0, rows, BATCH)]

    def fresh(side: str) -> None:
        _collection(client, dim) if side == "pgmilvus" else _raw_table(raw, dim)
    sides = {"sql": lambda b: _raw_insert(raw, b[1], b[0]) or [],
             "pgmilvus": lambda b: client.insert("widest", [{"id": b[0] + i, "v": v} for i, v in enumerate(b[1])])
             and []}
    inserted = {name: turns.Side() for name in sides}
    for turn in range(args.rounds):
        for name in (list(sides) if turn % 2 == 0 else list(sides)[::-1]):
            fresh(name)
            inserted[name].turns.append(sum(_timed(sides[name], b) for b in batches))
    rate = {name: rows * len(side.turns) / sum(side.turns) for name, side in inserted.items()}
    lines = [f"-- {rows} x {dim}",
             f"{'insert rows/s':<15} {rate['pgmilvus']:9.1f} {'':15} {rate['sql']:9.1f} {'':15} "
             f"{turns.turn_ratio(inserted['sql'], inserted['pgmilvus']):7.2f}"]
    client.flush("widest")
    raw.execute(sql.SQL("ANALYZE {}").format(RAW))
    pieces = _pieces(dim)
    distance = sql.SQL(" + ").join(sql.SQL("({} <-> {}::vector) ^ 2").format(
        sql.Identifier(f"v{k + 1}"), sql.Placeholder(f"q{k + 1}")) for k in range(len(pieces)))
    statement = sql.SQL("SELECT id FROM {} ORDER BY {}, id LIMIT 10").format(RAW, distance)

    def theirs(q):
        params = {f"q{k + 1}": q[a:b] for k, (a, b) in enumerate(pieces)}
        return [[r[0] for r in raw.execute(statement, params).fetchall()]]

    def ours(q):
        return [[h["id"] for h in client.search("widest", [q], limit=10)[0]]]
    searched = turns.measure_sides({"sql": theirs, "pgmilvus": ours}, list(queries), args.rounds, 5)
    same = sum(a == b for a, b in zip(searched["sql"].found, searched["pgmilvus"].found))
    lines.append(f"{'search top 10':<15} {turns.cell(searched['pgmilvus'])} {turns.cell(searched['sql'])} "
                 f"{turns.turn_ratio(searched['sql'], searched['pgmilvus']):7.2f}")
    lines.append(f"same top 10 on both sides: {same} of {len(queries)} queries")
    raw.execute(sql.SQL("DROP TABLE {}").format(RAW))
    raw.close()
    client.drop_collection("widest")
    return lines


def _timed(fn, args) -> float:
    import time

    started = time.perf_counter()
    fn(args)
    return time.perf_counter() - started


def main() -> None:
    header = (f"{'':<15} {'pgm/s':>9} {'p50':>7} {'p99':>7} {'sql/s':>9} {'p50':>7} {'p99':>7} "
              f"{'ratio':>7}")
    turns.shapes_main(__doc__, "widest", ["1000x32768", "3000x20000"], 20, header, run_shape)


if __name__ == "__main__":
    main()
