"""MinHash search speed: pgmilvus (a MINHASH function, a MINHASH_LSH index) against the same search
hand-written in SQL on the same table, right after a load and in steady state.

    python bench/minhash.py                          # 5000x16 and 50000x128 (rows x num_hashes)
    python bench/minhash.py --shape 200000x64 --queries 100

Data: texts of 8-30 words drawn from a 2,000-word vocabulary, many sharing long runs of words
(near duplicates: each text is a random earlier one with a few words changed, or a new one), a
MINHASH function (word shingles of 3, ``num_hashes`` 32-bit hashes) and a MINHASH_LSH index with
``mh_element_bit_width`` 32 and ``num_hashes / 4`` bands.  Loaded with ``client.insert`` in
batches of 5,000 (the load rate, signatures included, is printed); the searches wait until the
background builder has indexed the sealed segments.

Searches, top 10 of one text each (pgmilvus is given the text and hashes it; the hand-written
side is given the signature, already computed):

* LSH (the default): rows sharing a band, ``&&`` on the GIN index of the bands, in key order;
* jaccard (``mh_search_with_jaccard``): every row's similarity, best first.

The hand-written statements use pgmilvus's catalog functions (what a PostgreSQL user would have
to write the same way) and bound parameters.  The sides are timed in turns on the same texts
(bench/turns.py); the ratio is pgmilvus speed / SQL speed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "adapter"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg  # noqa: E402

from pgmilvus import DataType, Function, FunctionType  # noqa: E402
from pgmilvus.data import minhash  # noqa: E402

from turns import SIDES_HEADER, measure_sides, shapes_main, sides_line  # noqa: E402

NAME = "mhbench"
TABLE = f'"default"."{NAME}"'
TURN = 10
VOCABULARY = 2000


def texts(rows: int, seed: int = 5) -> list[str]:
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(VOCABULARY)]
    out: list[str] = []
    for _ in range(rows):
        if out and rng.random() < 0.6:
            base = out[int(rng.integers(len(out)))].split()
            for _ in range(int(rng.integers(1, 4))):
                base[int(rng.integers(len(base)))] = words[int(rng.integers(VOCABULARY))]
            out.append(" ".join(base))
        else:
            out.append(" ".join(words[int(i)] for i in rng.integers(0, VOCABULARY, int(rng.integers(8, 31)))))
    return out


def load(client: Any, docs: list[str], num_hashes: int) -> float:
    if client.has_collection(NAME):
        client.drop_collection(NAME)
    schema = client.create_schema(enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("text", DataType.VARCHAR, max_length=1000)
    schema.add_field("sig", DataType.BINARY_VECTOR, dim=num_hashes * 32)
    schema.add_function(Function(name="mh", function_type=FunctionType.MINHASH, input_field_names=["text"],
                                 output_field_names=["sig"], params={"num_hashes": num_hashes}))
    index = client.prepare_index_params()
    index.add_index("sig", index_type="MINHASH_LSH", metric_type="MHJACCARD",
                    params={"mh_lsh_band": num_hashes // 4, "mh_element_bit_width": 32})
    client.create_collection(NAME, schema=schema, index_params=index)
    started = time.perf_counter()
    for start in range(0, len(docs), 5000):
        client.insert(NAME, [{"id": i, "text": docs[i]} for i in range(start, min(len(docs), start + 5000))])
    took = time.perf_counter() - started
    deadline = time.time() + 300
    while time.time() < deadline and client.describe_index(NAME, "sig").get("pending_index_rows", 0):
        time.sleep(0.5)
    return took


def signed(queries: list[str], num_hashes: int) -> dict[str, str]:
    """Each query text's signature as a bit-string literal (the hand-written side's input)."""
    params = minhash.MinHashParams(num_hashes)
    sigs = minhash.signatures(params, queries, str.split)  # the standard analyzer keeps these words
    return {text: "".join(f"{b:08b}" for b in sig) for text, sig in zip(queries, sigs)}


def sides(client: Any, raw: psycopg.Connection, num_hashes: int, jaccard: bool,
          bits_of: dict[str, str]) -> dict[str, Any]:
    bits = num_hashes * 32
    band_bits, bands = 4 * 32, num_hashes // 4
    if jaccard:
        mask = ("0" * 31 + "1") * num_hashes
        statement = (f"SELECT id, ({num_hashes} - pgmilvus_catalog.mh_unequal((sig # %(q)s::bit({bits}))::varbit, "
                     f"32, %(m)s::varbit))::real / {num_hashes} AS s FROM {TABLE} ORDER BY s DESC, id LIMIT 10")
    else:
        mask = ""
        # the hits first (the GIN index), then their order: a plain ORDER BY id LIMIT would walk the key's
        # B-tree testing every row's bands, the planner taking && to keep 15% of the rows
        statement = (f"WITH hits AS MATERIALIZED (SELECT id FROM {TABLE} WHERE pgmilvus_catalog.mh_bands((sig)::varbit, "
                     f"{band_bits}, {bands}) && pgmilvus_catalog.mh_bands((%(q)s::bit({bits}))::varbit, {band_bits}, "
                     f"{bands})) SELECT id FROM hits ORDER BY id LIMIT 10")
    search_params = {"params": {"mh_search_with_jaccard": jaccard}}

    def ours(text: str) -> list[Any]:
        hits = client.search(NAME, [text], anns_field="sig", limit=10, search_params=search_params)[0]
        return [h["id"] for h in hits if h["distance"] > 0]

    def hand(text: str) -> list[Any]:
        found = raw.execute(statement, {"q": bits_of[text], "m": mask}).fetchall()
        return [r[0] for r in found if not jaccard or r[1] > 0]

    return {"sql": hand, "pgmilvus": ours}


def run_shape(client: Any, dsn: str, rows: int, num_hashes: int, args: Any) -> list[str]:
    docs = texts(rows)
    took = load(client, docs, num_hashes)
    lines = [f"{rows} x {num_hashes} hashes: loaded at {rows / took:,.0f} rows/s (signatures included)"]
    raw = psycopg.connect(dsn, autocommit=True)
    rng = np.random.default_rng(7)
    queries = [docs[int(i)] for i in rng.integers(0, rows, args.queries)]
    bits_of = signed(queries, num_hashes)
    for state in ("after load", "steady"):
        if state == "steady":
            raw.execute(f"VACUUM ANALYZE {TABLE}")
        for jaccard in (False, True):
            timed = measure_sides(sides(client, raw, num_hashes, jaccard, bits_of), queries, args.rounds, TURN)
            name = f"{rows}x{num_hashes} {'jaccard' if jaccard else 'LSH'}, {state}"
            if jaccard:  # ties at the 10th similarity may be cut differently; the best hits must agree
                same = timed["sql"].found[:1] == timed["pgmilvus"].found[:1]
            else:
                same = timed["sql"].found == timed["pgmilvus"].found
            if not same:
                raise SystemExit(f"{name}: the two sides found different rows")
            lines.append(sides_line(name, timed["sql"], timed["pgmilvus"]))
    raw.close()
    return lines


def main() -> None:
    shapes_main(__doc__, "minhash", ["5000x16", "50000x128"], 60, SIDES_HEADER, run_shape, label="ROWSxHASHES")


if __name__ == "__main__":
    main()
