"""text_match / phrase_match: pgmilvus against hand-written Postgres full-text SQL, and the cost of
storing a text_match field's tokens at write time.

    python bench/text_match.py                       # embedded server under /tmp: 20k x 12 words, 50k x 60 words
    python bench/text_match.py --shape 100000x30 --dsn postgresql://user:pw@host/db

Data: documents of random words (a Zipf-like vocabulary of 20,000 words, so a few words are in
most documents and most words in few), ``ROWSxWORDS``.  pgmilvus: an INT64 key, a 4-d vector and
a VARCHAR ``t`` with ``enable_match=True`` (the standard analyzer), loaded by ``insert`` in calls
of 5,000 rows.  SQL: the table a Postgres user would write, ``(id bigint primary key, t text)``
with a GIN index on ``to_tsvector('simple', t)``, loaded by COPY; its queries use Postgres's own
parser (``to_tsquery`` / ``<->`` / ``<N>``), so its matches are close to, not the same as,
Milvus's (the ``same`` column: the share of calls whose ids agree).

Scenarios, each ``query(filter, output_fields=["id"], limit=100)`` against ``SELECT id ... WHERE
... ORDER BY id LIMIT 100``: a rare word, two common words, an exact two-word phrase, a phrase
with slop 2 (SQL: ``a <-> b | a <2> b | a <3> b``, in order only).  Timed right after the load
(neither side analyzed or vacuumed: both GIN indexes hold the new rows in their pending lists) and
again after ``flush()`` and ``VACUUM ANALYZE`` of the SQL table (steady state), in turns of 20 calls on the same words
(bench/turns.py); ratio = SQL time / pgmilvus time (1.0: as fast).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "adapter"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import turns  # noqa: E402

from pgmilvus import DataType  # noqa: E402

VOCABULARY = 20_000
TURN = 20
BATCH = 5_000


def words_of(rng: random.Random) -> list[str]:
    """The vocabulary, most common first (word i drawn with weight 1 / (i + 1))."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    out: list[str] = []
    seen = set()
    while len(out) < VOCABULARY:
        word = "".join(rng.choice(letters) for _ in range(rng.randint(3, 9)))
        if word not in seen:
            seen.add(word)
            out.append(word)
    return out


def documents(rows: int, length: int, vocabulary: list[str], rng: random.Random) -> list[str]:
    weights = [1 / (i + 1) for i in range(len(vocabulary))]
    drawn = rng.choices(vocabulary, weights=weights, k=rows * length)
    return [" ".join(drawn[i * length:(i + 1) * length]) for i in range(rows)]


def load_collection(client, texts: list[str], name: str, match: bool) -> float:
    """Seconds to insert ``texts`` into a new collection ``name`` (``match``: t has enable_match)."""
    if client.has_collection(name):
        client.drop_collection(name)
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=4)
    schema.add_field("t", DataType.VARCHAR, max_length=65535, enable_analyzer=match, enable_match=match)
    client.create_collection(name, schema=schema)
    started = time.perf_counter()
    for start in range(0, len(texts), BATCH):
        client.insert(name, [{"id": i, "v": [0.5, 0.5, 0.5, 0.5], "t": texts[i]}
                             for i in range(start, min(start + BATCH, len(texts)))])
    return time.perf_counter() - started


def load(client, raw: psycopg.Connection, texts: list[str]) -> tuple[float, float, float]:
    """Seconds to load ``texts`` through pgmilvus with and without enable_match, and by hand-written
    COPY (index built first, as pgmilvus's is: both keep their GIN index up to date while loading)."""
    plain = load_collection(client, texts, "plain", match=False)
    client.drop_collection("plain")
    ours = load_collection(client, texts, "tm", match=True)
    raw.execute("DROP TABLE IF EXISTS bench_text")
    raw.execute("CREATE TABLE bench_text (id bigint PRIMARY KEY, t text)")
    raw.execute("CREATE INDEX ON bench_text USING gin (to_tsvector('simple', t))")
    started = time.perf_counter()
    for start in range(0, len(texts), BATCH):
        with raw.transaction(), raw.cursor().copy("COPY bench_text (id, t) FROM STDIN") as copy:
            for i in range(start, min(start + BATCH, len(texts))):
                copy.write_row((i, texts[i]))
    theirs = time.perf_counter() - started
    return ours, theirs, plain


def scenarios(vocabulary: list[str], rng: random.Random, calls: int) -> dict[str, list[tuple[str, str]]]:
    """name -> [(Milvus filter, tsquery text)] of ``calls`` calls."""
    rare = vocabulary[2000:]
    common = vocabulary[:30]
    out: dict[str, list[tuple[str, str]]] = {"rare word": [], "2 common words": [], "phrase": [],
                                             "phrase slop 2": []}
    for _ in range(calls):
        word = rng.choice(rare)
        out["rare word"].append((f'text_match(t, "{word}")', word))
        a, b = rng.sample(common, 2)
        out["2 common words"].append((f'text_match(t, "{a} {b}")', f"{a} | {b}"))
        a, b = rng.sample(vocabulary[:300], 2)
        out["phrase"].append((f'phrase_match(t, "{a} {b}")', f"{a} <-> {b}"))
        out["phrase slop 2"].append((f'phrase_match(t, "{a} {b}", 2)', f"{a} <-> {b} | {a} <2> {b} | {a} <3> {b}"))
    return out


def run_shape(client, dsn: str, rows: int, length: int, args: argparse.Namespace) -> list[str]:
    with psycopg.connect(dsn, autocommit=True) as raw:
        return _run_shape(client, raw, rows, length, args)


def _run_shape(client, raw: psycopg.Connection, rows: int, length: int, args: argparse.Namespace) -> list[str]:
    rng = random.Random(rows * 31 + length)
    vocabulary = words_of(rng)
    texts = documents(rows, length, vocabulary, rng)
    ours, theirs, plain = load(client, raw, texts)
    lines = [f"-- {rows} x {length} words: load {rows / ours:,.0f} rows/s pgmilvus, {rows / theirs:,.0f} rows/s "
             f"COPY (ratio {theirs / ours:.2f}); pgmilvus without enable_match {rows / plain:,.0f} rows/s"]
    cases = scenarios(vocabulary, rng, args.queries)
    for state in ("after load", "after flush"):
        if state == "after flush":  # and the SQL table vacuumed: both GIN pending lists merged
            client.flush("tm")
            raw.execute("VACUUM ANALYZE bench_text")
        for name, calls in cases.items():
            def ours_fn(call):
                return [[r["id"] for r in client.query("tm", filter=call[0], output_fields=["id"], limit=100)]]

            def theirs_fn(call):
                return [[r[0] for r in raw.execute(
                    "SELECT id FROM bench_text WHERE to_tsvector('simple', t) @@ to_tsquery('simple', %s)"
                    " ORDER BY id LIMIT 100", (call[1],)).fetchall()]]
            sides = turns.measure_sides({"sql": theirs_fn, "pgmilvus": ours_fn}, calls, args.rounds, TURN)
            ratio = turns.turn_ratio(sides["sql"], sides["pgmilvus"])
            same = float(np.mean([a == b for a, b in zip(sides["sql"].found, sides["pgmilvus"].found)]))
            lines.append(f"{state:<12} {name:<15} {turns.cell(sides['pgmilvus'])} {turns.cell(sides['sql'])} "
                         f"{ratio:6.2f} {same:5.2f}")
    client.drop_collection("tm")
    raw.execute("DROP TABLE bench_text")
    return lines


def main() -> None:
    header = (f"{'state':<12} {'scenario':<15} {'pgm/s':>9} {'p50':>7} {'p99':>7} {'sql/s':>9} {'p50':>7} "
              f"{'p99':>7} {'ratio':>6} {'same':>5}")
    turns.shapes_main(__doc__, "text-match", ['20000x12', '50000x60'], 100, header, run_shape, "ROWSxWORDS")


if __name__ == "__main__":
    main()
