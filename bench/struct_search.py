"""Struct array vector sub-field searches: pgmilvus against the same search hand-written in SQL.

    python bench/struct_search.py                        # 2000x64 and 20000x128 (rows x dim)
    python bench/struct_search.py --shape 50000x128 --queries 50

Data: rows of 1 to 8 structs (``clips``) of a random unit vector ``emb`` and a label, a
doc-level ``cat`` (10 values).  Two collections: ``clips[emb]`` indexed MAX_SIM_COSINE (embedding-list
searches, queries of 4 vectors) and COSINE (element-level searches).  Every search is exact
(pgvector cannot index an array of vectors); the hand-written statements are what a PostgreSQL
user would write with pgvector: unnest the arrays, best pair per query vector, sum, top 10.
Searches: top 10, without and with a filter ``cat == 3`` (10% of the rows).  The sides are timed
in turns on the same queries (bench/turns.py); the ratio is pgmilvus speed / SQL speed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "adapter"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg  # noqa: E402

from pgmilvus import DataType, EmbeddingList  # noqa: E402

from turns import SIDES_HEADER, measure_sides, shapes_main, sides_line  # noqa: E402

TURN = 10


def load(client: Any, name: str, metric: str, rows: int, dim: int) -> None:
    if client.has_collection(name):
        client.drop_collection(name)
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vec", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("cat", DataType.INT64)
    struct = client.create_struct_field_schema()
    struct.add_field("emb", DataType.FLOAT_VECTOR, dim=dim)
    struct.add_field("label", DataType.VARCHAR, max_length=16)
    schema.add_field("clips", DataType.ARRAY, element_type=DataType.STRUCT, struct_schema=struct, max_capacity=8)
    index = client.prepare_index_params()
    index.add_index("vec", index_type="FLAT", metric_type="L2")
    index.add_index("clips[emb]", index_type="HNSW", metric_type=metric)
    client.create_collection(name, schema=schema, index_params=index)
    rng = np.random.default_rng(3)
    for start in range(0, rows, 2000):
        batch = []
        for i in range(start, min(rows, start + 2000)):
            n = int(rng.integers(1, 9))
            vectors = rng.standard_normal((n, dim)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            batch.append({"id": i, "vec": [0.0, 1.0], "cat": i % 10,
                          "clips": [{"emb": v, "label": f"l{j}"} for j, v in enumerate(vectors)]})
        client.insert(name, batch)


def _literal(vectors: np.ndarray) -> str:
    return "{" + ",".join('"[' + ",".join(map(str, v.tolist())) + ']"' for v in vectors) + "}"


def sides(client: Any, raw: psycopg.Connection, dim: int, emb: bool, filtered: bool) -> dict[str, Any]:
    name = "sbench_e" if emb else "sbench_el"
    table = f'"default"."{name}"'
    where = " AND t.cat = 3" if filtered else ""
    if emb:
        statement = (f"SELECT t.id, s.d FROM {table} AS t CROSS JOIN LATERAL (SELECT sum(b) AS d FROM (SELECT "
                     f"min(e <=> q) - 1 AS b FROM unnest(%(q)s::vector({dim})[]) WITH ORDINALITY AS x(q, i) "
                     f"CROSS JOIN unnest(t.\"clips[emb]\") AS e GROUP BY i) AS y) AS s WHERE "
                     f"cardinality(t.\"clips[emb]\") > 0{where} ORDER BY s.d, t.id LIMIT 10")
    else:
        statement = (f"SELECT t.id, e.o - 1, e.v <=> %(q)s::vector({dim}) AS d FROM {table} AS t CROSS JOIN LATERAL "
                     f"unnest(t.\"clips[emb]\") WITH ORDINALITY AS e(v, o) WHERE true{where} "
                     f"ORDER BY d, t.id, e.o LIMIT 10")
    expr = "cat == 3" if filtered else ""

    def ours(query: np.ndarray) -> list[Any]:
        data = [EmbeddingList(query)] if emb else [query[0]]
        hits = client.search(name, data, anns_field="clips[emb]", limit=10, filter=expr)[0]
        return [h["id"] for h in hits]

    def hand(query: np.ndarray) -> list[Any]:
        value = _literal(query) if emb else "[" + ",".join(map(str, query[0].tolist())) + "]"
        return [r[0] for r in raw.execute(statement, {"q": value}).fetchall()]

    return {"sql": hand, "pgmilvus": ours}


def run_shape(client: Any, dsn: str, rows: int, dim: int, args: Any) -> list[str]:
    load(client, "sbench_e", "MAX_SIM_COSINE", rows, dim)
    load(client, "sbench_el", "COSINE", rows, dim)
    raw = psycopg.connect(dsn, autocommit=True)
    raw.execute('VACUUM ANALYZE "default"."sbench_e"')
    raw.execute('VACUUM ANALYZE "default"."sbench_el"')
    rng = np.random.default_rng(9)
    queries = [rng.standard_normal((4, dim)).astype(np.float32) for _ in range(args.queries)]
    lines = []
    for emb in (True, False):
        for filtered in (False, True):
            timed = measure_sides(sides(client, raw, dim, emb, filtered), queries, args.rounds, TURN)
            label = f"{rows}x{dim} {'emb-list' if emb else 'element'}{', filter' if filtered else ''}"
            if timed["sql"].found != timed["pgmilvus"].found:
                raise SystemExit(f"{label}: the two sides found different hits")
            lines.append(sides_line(label, timed["sql"], timed["pgmilvus"]))
    raw.close()
    return lines


def main() -> None:
    shapes_main(__doc__, "struct_search", ["2000x64", "20000x128"], 20, SIDES_HEADER, run_shape)


if __name__ == "__main__":
    main()
