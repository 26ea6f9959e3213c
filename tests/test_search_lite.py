"""search() against milvus-lite's recorded results on the same data (tests/fixtures/record_search.py).

FLAT / exact search: identical ids and distances within 1e-5 (relative), for
L2, IP, COSINE and sparse IP; with and without filters, several query vectors,
output_fields with dynamic keys, offset, group_by and range search.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from pgmilvus import DataType, MilvusClient

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "search_milvus_lite.json").read_text())
CASES = [(name, case["name"]) for name, coll in FIXTURE["collections"].items() for case in coll["cases"]]


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-5)


def _create(client: MilvusClient, name: str, spec: dict) -> None:
    if spec["kind"] == "float":
        schema = client.create_schema(enable_dynamic_field=True)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("vec", DataType.FLOAT_VECTOR, dim=8)
        schema.add_field("cat", DataType.VARCHAR, max_length=8)
        schema.add_field("num", DataType.INT64)
        field, rows = "vec", FIXTURE["float_rows"]
    else:
        schema = client.create_schema()
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("sv", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_field("num", DataType.INT64)
        field = "sv"
        rows = [{**r, "sv": {int(k): v for k, v in r["sv"].items()}} for r in FIXTURE["sparse_rows"]]
    index = client.prepare_index_params()
    index.add_index(field, index_type=spec["index_type"], metric_type=spec["metric"])
    client.create_collection(name, schema=schema, index_params=index)
    client.insert(name, rows)


@pytest.fixture(scope="module")
def lite_client(pg_dsn: str):
    """One database with every recorded collection (created once for the module)."""
    import uuid

    import psycopg
    from psycopg import sql

    from pgmilvus.pg.connection import dsn_with

    db = f"t_lite_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db)))
    client = MilvusClient(dsn_with(pg_dsn, dbname=db))
    for name, spec in FIXTURE["collections"].items():
        _create(client, name, spec)
    yield client
    client.close()
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db)))


def _data(collection: str, case: dict) -> list[Any]:
    if collection.startswith("sparse"):
        return [{int(k): v for k, v in d.items()} for d in case["data"]]
    return case["data"]


def _assert_entity(got: dict, expected: dict) -> None:
    assert set(got) == set(expected)
    for key, value in expected.items():
        if isinstance(value, list) and value and isinstance(value[0], float):
            assert all(_close(a, b) for a, b in zip(got[key], value)), key
        else:
            assert got[key] == value, key


@pytest.mark.parametrize("collection,case_name", CASES, ids=[f"{c}-{n}" for c, n in CASES])
def test_matches_milvus_lite(lite_client: MilvusClient, collection: str, case_name: str) -> None:
    case = next(c for c in FIXTURE["collections"][collection]["cases"] if c["name"] == case_name)
    if "error" in case:
        pytest.skip(f"milvus-lite rejected this case: {case['error']}")
    kwargs = {k: v for k, v in case.items() if k not in ("name", "data", "expected")}
    res = lite_client.search(collection, _data(collection, case), **kwargs)
    assert len(res) == len(case["expected"])
    for got, expected in zip(res, case["expected"]):
        assert [h["id"] for h in got] == [h["id"] for h in expected]
        for hit, want in zip(got, expected):
            assert _close(hit["distance"], want["distance"]), (hit, want)
            _assert_entity(hit["entity"], want["entity"])
