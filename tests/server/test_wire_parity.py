"""pymilvus over ``pgmilvus serve`` returns what pgmilvus returns in-process, for the same data.

Data is written through the server (pymilvus packs the columns), then every
read is made twice, over the wire and in-process on the same database, and
the answers must be equal.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

pytest.importorskip("pymilvus")

from pymilvus import DataType  # noqa: E402

NAME = "parity"
DIM = 4


def _schema(client):
    schema = client.create_schema(auto_id=False, enable_dynamic_field=True, description="all types")
    schema.add_field("pk", DataType.INT64, is_primary=True)
    schema.add_field("title", DataType.VARCHAR, max_length=64)
    schema.add_field("flag", DataType.BOOL)
    schema.add_field("i8", DataType.INT8)
    schema.add_field("i16", DataType.INT16)
    schema.add_field("i32", DataType.INT32)
    schema.add_field("f32", DataType.FLOAT)
    schema.add_field("f64", DataType.DOUBLE)
    schema.add_field("doc", DataType.JSON)
    schema.add_field("tags", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=4, max_length=16)
    schema.add_field("nums", DataType.ARRAY, element_type=DataType.INT64, max_capacity=4)
    schema.add_field("note", DataType.VARCHAR, max_length=32, nullable=True)
    schema.add_field("level", DataType.INT32, default_value=7)
    schema.add_field("vec", DataType.FLOAT_VECTOR, dim=DIM)
    return schema


def _doc(i: int):
    """Objects, and (Milvus 2.6) bare JSON values: a string given as its JSON text, as pymilvus takes it."""
    return {0: json.dumps(f"s{i}"), 1: i}.get(i % 5, {"k": i, "s": ["a", str(i)]})


def _rows(n: int = 12) -> list[dict]:
    rng = np.random.default_rng(7)
    rows = []
    for i in range(n):
        row = {"pk": i, "title": f"t{i}", "flag": i % 2 == 0, "i8": i - 5, "i16": 300 + i, "i32": -70000 * i,
               "f32": i / 3, "f64": i / 7, "doc": _doc(i), "tags": [f"x{i}", "y"],
               "nums": [i, i * 2], "note": None if i % 3 == 0 else f"n{i}",
               "vec": rng.standard_normal(DIM).astype(np.float32).tolist()}
        if i % 4 == 0:
            row["level"] = i
        if i % 2:
            row["extra"] = {"odd": i}
            row["color"] = "red" if i % 3 else "blue"
        rows.append(row)
    return rows


@pytest.fixture
def loaded(wire_client):
    index = wire_client.prepare_index_params()
    index.add_index("vec", index_type="HNSW", metric_type="L2", params={"M": 8, "efConstruction": 32})
    wire_client.create_collection(NAME, schema=_schema(wire_client), index_params=index)
    res = wire_client.insert(NAME, _rows())
    assert res["insert_count"] == 12 and res["ids"] == list(range(12))
    return wire_client


QUERIES = [
    dict(filter="pk >= 0", output_fields=["*"]),
    dict(filter="pk >= 0"),
    dict(filter="i8 > 0", output_fields=["title", "color", "doc"]),
    dict(filter="pk >= 0", output_fields=["$meta"]),
    dict(filter="note is null", output_fields=["note", "level"]),
    dict(filter="pk in {ids}", filter_params={"ids": [1, 3, 5]}, output_fields=["extra"]),
    dict(filter="title like {p} and flag == {f}", filter_params={"p": "t1%", "f": True}),
    dict(filter="array_contains(tags, 'y')", output_fields=["tags", "nums"], limit=3, offset=2),
    dict(filter="", output_fields=["count(*)"]),
    dict(filter="color == 'red'", output_fields=["count(*)"]),
    dict(filter="doc['k'] > 100", output_fields=["*"]),
    dict(filter='doc in ["s0", "s5", "s10"]', output_fields=["doc"]),
    dict(filter="pk >= 0", output_fields=['$meta["color"]', "title", '$meta["title"]']),
]


@pytest.mark.parametrize("kwargs", QUERIES, ids=[q["filter"] or "all" for q in QUERIES])
def test_query_matches_in_process(loaded, local_client, kwargs) -> None:
    assert _plain(loaded.query(NAME, **kwargs)) == _plain(local_client.query(NAME, **kwargs))


def test_get_matches_in_process(loaded, local_client) -> None:
    for kwargs in (dict(ids=[2, 5, 99]), dict(ids=3, output_fields=["vec", "color"])):
        assert _plain(loaded.get(NAME, **kwargs)) == _plain(local_client.get(NAME, **kwargs))


SEARCHES = [
    dict(limit=3),
    dict(limit=5, output_fields=["title", "color", "doc"], filter="pk > 2"),
    dict(limit=4, output_fields=["*"], search_params={"params": {"ef": 64}}),
    dict(limit=2, offset=1, output_fields=["pk", "tags"]),
    dict(limit=3, filter="i8 in {v}", filter_params={"v": [-5, 0, 5]}, output_fields=["$meta"]),
    dict(limit=4, output_fields=['$meta["extra"]']),
]


@pytest.mark.parametrize("kwargs", SEARCHES, ids=[str(i) for i in range(len(SEARCHES))])
def test_search_matches_in_process(loaded, local_client, kwargs) -> None:
    queries = [[0.1, 0.2, 0.3, 0.4], [-1.0, 0.5, 0.0, 2.0]]
    wire = loaded.search(NAME, data=queries, anns_field="vec", **kwargs)
    local = local_client.search(NAME, data=queries, anns_field="vec", **kwargs)
    assert len(wire) == len(local) == 2
    for w_hits, l_hits in zip(wire, local):
        assert [h["pk"] for h in w_hits] == [h["pk"] for h in l_hits]
        assert all(math.isclose(a["distance"], b["distance"], rel_tol=1e-6, abs_tol=1e-6)
                   for a, b in zip(w_hits, l_hits))
        assert [_plain(h["entity"]) for h in w_hits] == [_plain(h["entity"]) for h in l_hits]


def test_metadata_calls_match_in_process(loaded, local_client) -> None:
    loaded.create_partition(NAME, "p1")
    for method, args in [("list_collections", ()), ("list_partitions", (NAME,)), ("has_partition", (NAME, "p1")),
                         ("has_partition", (NAME, "p2")), ("has_collection", (NAME,)),
                         ("has_collection", ("missing",)), ("get_load_state", (NAME,)),
                         ("get_collection_stats", (NAME,)), ("list_indexes", (NAME,)),
                         ("describe_index", (NAME, "vec"))]:
        assert getattr(loaded, method)(*args) == getattr(local_client, method)(*args), method
    wire, local = loaded.describe_collection(NAME), local_client.describe_collection(NAME)
    for field in wire["fields"]:  # pymilvus hands a default value out as the ValueField message itself
        if "default_value" in field:
            field["default_value"] = getattr(field["default_value"], field["default_value"].WhichOneof("data"))
    for key, value in local.items():
        assert wire[key] == value, key


def test_partitions_release_and_drop(loaded, local_client) -> None:
    loaded.create_partition(NAME, "p1")
    loaded.insert(NAME, [{**_rows(13)[12], "pk": 100}], partition_name="p1")
    assert loaded.query(NAME, filter="pk >= 0", output_fields=["pk"], partition_names=["p1"]) == [{"pk": 100}]
    loaded.release_collection(NAME)
    assert str(loaded.get_load_state(NAME)["state"]) == "NotLoad"
    loaded.drop_partition(NAME, "p1")
    assert loaded.list_partitions(NAME) == ["_default"]
    loaded.drop_index(NAME, "vec")
    assert loaded.list_indexes(NAME) == local_client.list_indexes(NAME) == []
    loaded.drop_collection(NAME)
    assert not local_client.has_collection(NAME)


def test_upsert_delete_and_flush(loaded, local_client) -> None:
    rows = _rows()[:3]
    for row in rows:
        row["title"] = "changed"
    res = loaded.upsert(NAME, rows)
    assert (res["upsert_count"], res["ids"]) == (3, [0, 1, 2])
    loaded.flush(NAME)
    assert [r["title"] for r in local_client.query(NAME, filter="pk < 3", output_fields=["title"])] == ["changed"] * 3
    assert loaded.delete(NAME, filter="flag == {f}", filter_params={"f": False})["delete_count"] == 6
    assert local_client.query(NAME, output_fields=["count(*)"])[0]["count(*)"] == 6


def _plain(value):
    """Rows and entities as plain Python (pymilvus and pgmilvus use their own dict / list classes)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, float):
        return round(value, 5)
    return value


def test_a_json_field_keeps_bare_strings(loaded) -> None:
    """A JSON string sent over the wire stays a string (it was read back as JSON text: "1" became 1)."""
    rows = loaded.query(NAME, filter='doc in ["s0", "s5", "s10"]', output_fields=["doc"])
    assert sorted((r["pk"], r["doc"]) for r in rows) == [(0, "s0"), (5, "s5"), (10, "s10")]
