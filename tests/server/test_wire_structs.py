"""ARRAY<STRUCT> fields over the wire: unmodified pymilvus creates, describes, writes and reads
struct arrays through ``pgmilvus serve`` and gets what pgmilvus gives in process (the same
schema dict, the same rows), and hand-built requests get Milvus's refusals."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pymilvus")

from pymilvus import DataType as D, MilvusClient, MilvusException  # noqa: E402
from pymilvus.grpc_gen import milvus_pb2, schema_pb2  # noqa: E402

NAME = "docs"


def build_schema(client: MilvusClient, nullable_tags: bool = True):
    schema = client.create_schema(enable_dynamic_field=True)
    schema.add_field("id", D.INT64, is_primary=True)
    schema.add_field("v", D.FLOAT_VECTOR, dim=4)
    clips = client.create_struct_field_schema()
    clips.add_field("emb", D.FLOAT_VECTOR, dim=4)
    clips.add_field("label", D.VARCHAR, max_length=16)
    clips.add_field("n", D.INT64)
    clips.add_field("w", D.FLOAT)
    schema.add_field("clips", D.ARRAY, element_type=D.STRUCT, struct_schema=clips, max_capacity=3,
                     mmap_enabled=True)
    tags = client.create_struct_field_schema()
    tags.add_field("t", D.VARCHAR, max_length=8)
    tags.add_field("ok", D.BOOL)
    schema.add_field("tags", D.ARRAY, element_type=D.STRUCT, struct_schema=tags, max_capacity=2,
                     nullable=nullable_tags)
    return schema


def clip(i: int, j: int) -> dict:
    return {"emb": [float(i), float(j), 0.5, 0.25], "label": f"l{i}{j}", "n": 10 * i + j, "w": 0.5 * j}


def row(i: int, count: int = 2, tags: object = "absent") -> dict:
    out = {"id": i, "v": [0.5, 0.25, float(i), 1.0], "clips": [clip(i, j) for j in range(count)], "extra": i}
    if tags != "absent":
        out["tags"] = tags
    return out


ROWS = [row(1), row(2, 0, tags=[{"t": "a", "ok": True}]), row(3, 3, tags=None),
        row(4, 1, tags=[{"t": "b", "ok": False}, {"t": "c", "ok": True}]), row(5, 1, tags=[])]


@pytest.fixture
def docs(wire_client):
    wire_client.create_collection(NAME, schema=build_schema(wire_client))
    index = wire_client.prepare_index_params()
    index.add_index("v", index_type="FLAT", metric_type="L2")
    wire_client.create_index(NAME, index)
    wire_client.load_collection(NAME)
    return wire_client


def test_describe_matches_in_process(docs, local_client) -> None:
    wire = docs.describe_collection(NAME)
    local = local_client.describe_collection(NAME)
    for key in ("fields", "auto_id", "enable_dynamic_field", "functions", "description"):
        assert wire[key] == local[key], key
    assert wire["fields"][2] == {
        "field_id": 102, "name": "clips", "description": "", "type": D.ARRAY, "element_type": D.STRUCT,
        "params": {"max_capacity": 3},
        "struct_fields": [{"field_id": 103, "name": "emb", "type": D.FLOAT_VECTOR, "description": "",
                           "params": {"dim": 4}},
                          {"field_id": 104, "name": "label", "type": D.VARCHAR, "description": "",
                           "params": {"max_length": 16}},
                          {"field_id": 105, "name": "n", "type": D.INT64, "description": ""},
                          {"field_id": 106, "name": "w", "type": D.FLOAT, "description": ""}]}
    assert wire["fields"][3]["nullable"] is True and wire["fields"][3]["field_id"] == 107
    # the struct's mmap flag is kept (describe, as Milvus's, does not show struct-level params)
    assert local_client.collection_schema(NAME).struct_field("clips").params == {"mmap_enabled": True}


def test_insert_query_upsert_delete(docs, local_client) -> None:
    assert docs.insert(NAME, ROWS)["insert_count"] == 5
    for output in (None, ["*"], ["id", "clips"], ["clips[label]", "tags[ok]"], ["id", "clips[emb]", "clips[n]"]):
        wire = docs.query(NAME, "id > 0", output_fields=output)
        local = local_client.query(NAME, "id > 0", output_fields=output)
        assert sorted(wire, key=lambda r: r["id"]) == sorted(local, key=lambda r: r["id"]), output
    got = {r["id"]: r for r in docs.query(NAME, "id > 0", output_fields=["clips[label]", "tags"])}
    assert got[1] == {"id": 1, "clips": [{"label": "l10"}, {"label": "l11"}], "tags": None}
    assert got[2]["clips"] == [] and got[2]["tags"] == [{"t": "a", "ok": True}]
    assert got[5]["tags"] == [] and got[3]["tags"] is None
    full = docs.get(NAME, ids=[3])[0]
    assert full["clips"][2] == {"emb": [3.0, 2.0, 0.5, 0.25], "label": "l32", "n": 32, "w": 1.0}
    assert full["extra"] == 3
    docs.upsert(NAME, [row(1, 1, tags=[{"t": "z", "ok": False}])])
    docs.upsert(NAME, [{"id": 4, "tags": None}], partial_update=True)
    got = {r["id"]: r for r in docs.query(NAME, "id in [1, 4]", output_fields=["clips", "tags"])}
    assert got[1]["clips"] == [clip(1, 0)] and got[1]["tags"] == [{"t": "z", "ok": False}]
    assert got[4]["tags"] is None and got[4]["clips"] == [clip(4, 0)]
    assert docs.delete(NAME, filter="id in [1, 2]")["delete_count"] == 2
    assert [r["id"] for r in docs.query(NAME, "id > 0", output_fields=["id"])] == [3, 4, 5]


def test_search_outputs(docs, local_client) -> None:
    docs.insert(NAME, ROWS)
    kwargs = {"anns_field": "v", "limit": 3, "output_fields": ["clips[n]", "tags"]}
    wire = docs.search(NAME, data=[[0.5, 0.25, 2.0, 1.0]], **kwargs)
    local = local_client.search(NAME, data=[[0.5, 0.25, 2.0, 1.0]], **kwargs)
    assert [[(h["id"], h["entity"]) for h in hits] for hits in wire] == \
        [[(h["id"], h["entity"]) for h in hits] for hits in local]
    assert wire[0][0]["entity"] == {"clips": [], "tags": [{"t": "a", "ok": True}]}


@pytest.mark.parametrize("dtype,dim,value", [
    (D.FLOAT16_VECTOR, 4, np.array([0.5, 1.0, -2.0, 3.0], dtype=np.float16)),
    (D.BFLOAT16_VECTOR, 4, np.array([0.5, 1.0, -2.0, 3.0], dtype=np.float32)),
    (D.INT8_VECTOR, 4, np.array([1, -2, 3, 127], dtype=np.int8)),
    (D.BINARY_VECTOR, 16, b"\x0f\xf0"),
])
def test_vector_sub_field_types(wire_client, local_client, dtype, dim, value) -> None:
    schema = wire_client.create_schema()
    schema.add_field("id", D.INT64, is_primary=True)
    schema.add_field("v", D.FLOAT_VECTOR, dim=2)
    sub = wire_client.create_struct_field_schema()
    sub.add_field("e", dtype, dim=dim)
    schema.add_field("s", D.ARRAY, element_type=D.STRUCT, struct_schema=sub, max_capacity=2)
    name = f"vt{int(dtype)}"  # pymilvus caches a schema by collection name
    wire_client.create_collection(name, schema=schema)
    if dtype == D.BFLOAT16_VECTOR:
        import ml_dtypes
        value = value.astype(ml_dtypes.bfloat16)
    wire_client.insert(name, [{"id": 1, "v": [0.1, 0.2], "s": [{"e": value}, {"e": value}]}])
    wire = wire_client.query(name, "id == 1", output_fields=["s"])[0]["s"]
    local = local_client.query(name, "id == 1", output_fields=["s"])[0]["s"]
    assert [[np.asarray(x).tolist() if not isinstance(x, list) else [np.asarray(y).tolist() for y in x]
             for x in e.values()] for e in wire] == \
        [[np.asarray(x).tolist() if not isinstance(x, list) else [np.asarray(y).tolist() for y in x]
          for x in e.values()] for e in local]
    assert [type(x) for x in wire[0]["e"]] == [type(x) for x in local[0]["e"]]
    assert len(wire) == 2
