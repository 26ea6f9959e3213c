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
    wire_client.create_collection(NAME, schema=build_schema(wire_client))  # not loaded: pgmilvus reads it anyway
    return wire_client


def test_describe_matches_in_process(docs, local_client) -> None:
    wire = docs.describe_collection(NAME)
    local = local_client.describe_collection(NAME)
    for key in ("fields", "auto_id", "enable_dynamic_field", "functions", "description"):
        assert wire[key] == local[key], key
    assert wire["fields"][2] == {  # 102 is the dynamic field's (hidden), as rootcoord numbers them
        "field_id": 103, "name": "clips", "description": "", "type": D.ARRAY, "element_type": D.STRUCT,
        "params": {"max_capacity": 3},
        "struct_fields": [{"field_id": 104, "name": "emb", "type": D.FLOAT_VECTOR, "description": "",
                           "params": {"dim": 4}},
                          {"field_id": 105, "name": "label", "type": D.VARCHAR, "description": "",
                           "params": {"max_length": 16}},
                          {"field_id": 106, "name": "n", "type": D.INT64, "description": ""},
                          {"field_id": 107, "name": "w", "type": D.FLOAT, "description": ""}]}
    assert wire["fields"][3]["nullable"] is True and wire["fields"][3]["field_id"] == 108
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
    docs.upsert(NAME, [{"id": 5, "clips": [clip(7, 0), clip(7, 1)]}], partial_update=True)
    assert docs.get(NAME, ids=[5], output_fields=["clips", "tags"])[0] == \
        {"id": 5, "clips": [clip(7, 0), clip(7, 1)], "tags": []}
    docs.insert(NAME, [row(6), row(7, tags=None)])  # a batch whose nullable struct is all NULL: no payload
    assert [r["tags"] for r in docs.query(NAME, "id >= 6", output_fields=["tags"])] == [None, None]
    assert docs.delete(NAME, filter="id in [1, 2]")["delete_count"] == 2
    assert [r["id"] for r in docs.query(NAME, "id > 0", output_fields=["id"])] == [3, 4, 5, 6, 7]


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


# -- hand-built requests: what pymilvus never sends gets Milvus's refusal --------------------------

@pytest.fixture
def stub(serve_address):
    import grpc
    from pymilvus.grpc_gen import milvus_pb2_grpc

    with grpc.insecure_channel(serve_address) as channel:
        yield milvus_pb2_grpc.MilvusServiceStub(channel)


def kv(**params) -> list:
    from pymilvus.grpc_gen import common_pb2

    return [common_pb2.KeyValuePair(key=k, value=str(v)) for k, v in params.items()]


def sub(name: str, element: D = D.INT64, dtype: D = D.ARRAY, **flags) -> schema_pb2.FieldSchema:
    params = flags.pop("params", {"max_capacity": 2})
    return schema_pb2.FieldSchema(name=name, data_type=int(dtype), element_type=int(element),
                                  type_params=kv(**params), **flags)


def raw_schema(*subs: schema_pb2.FieldSchema, nullable: bool = False) -> bytes:
    return schema_pb2.CollectionSchema(
        name="raw", fields=[schema_pb2.FieldSchema(name="id", data_type=int(D.INT64), is_primary_key=True),
                            schema_pb2.FieldSchema(name="v", data_type=int(D.FLOAT_VECTOR), type_params=kv(dim=2))],
        struct_array_fields=[schema_pb2.StructArrayFieldSchema(name="s", fields=subs, nullable=nullable)]
    ).SerializeToString()


BAD_SCHEMAS = [
    ((sub("a", dtype=D.INT64),), 1100,
     "fields in StructArrayField must be Array or ArrayOfVector, field name = a, field type = Int64: invalid parameter"),
    ((sub("a", is_primary_key=True),), 1100, "primary key is not supported for struct field, field name = a: invalid"),
    ((sub("a", autoID=True),), 1100, "autoID is not supported for struct field, field name = a: invalid parameter"),
    ((sub("a", is_partition_key=True),), 105, "partition key is not supported for struct field, field name = a: "
                                              "illegal collection schema[collection=raw]"),
    ((sub("a"), sub("b", params={"max_capacity": 3})), 1100,
     "all sub-fields in struct array field must have the same max_capacity: structName=s, subFieldName=b, "
     "max_capacity=3, expected=2: invalid parameter"),
    ((sub("a", params={}),), 1101, "type param(max_capacity) should be specified for array field a of collection raw: "
                                   "missing parameter"),
    ((sub("a", nullable=True),), 1100, "sub-field in non-nullable struct cannot be nullable individually, set nullable "
                                       "on the struct instead: structName=s, subFieldName=a: invalid parameter"),
    ((sub("a", element=D.JSON),), 65535, "element type JSON is not supported"),
    ((sub("a", element=D._ARRAY_OF_STRUCT),), 65535, "nested array is not supported a"),
    # pgmilvus checks a schema as pymilvus does first: Milvus's proxy says "duplicated field name s[a] found"
    ((sub("a"), sub("a")), 1, "Duplicate field names in struct 's': {'a'}"),
]


@pytest.mark.parametrize("subs,code,text", BAD_SCHEMAS)
def test_raw_create_refusals(stub, wire_client, subs, code, text) -> None:
    status = stub.CreateCollection(milvus_pb2.CreateCollectionRequest(collection_name="raw", schema=raw_schema(*subs)))
    assert (status.code, status.reason[:len(text)]) == (code, text)
    assert not wire_client.has_collection("raw")


def test_raw_create_nullable_struct(stub, wire_client, local_client) -> None:
    subs = (sub("a", nullable=True), sub("e", D.FLOAT_VECTOR, D._ARRAY_OF_VECTOR, nullable=True,
                                         params={"dim": 2, "max_capacity": 2}))
    status = stub.CreateCollection(milvus_pb2.CreateCollectionRequest(collection_name="raw",
                                                                      schema=raw_schema(*subs, nullable=True)))
    assert status.code == 0, status.reason
    struct = local_client.collection_schema("raw").struct_field("s")
    assert (struct.nullable, struct.max_capacity, [f.dtype for f in struct.fields]) == \
        (True, 2, [D.INT64, D.FLOAT_VECTOR])


def scalar_cells(*rows: list) -> schema_pb2.FieldData:
    fd = schema_pb2.FieldData(type=int(D.ARRAY), field_name="a")
    for values in rows:
        cell = fd.scalars.array_data.data.add()
        if values is not None:
            cell.long_data.data.extend(values)
    return fd


def vector_cells(*rows: list, name: str = "e") -> schema_pb2.FieldData:
    fd = schema_pb2.FieldData(type=int(D._ARRAY_OF_VECTOR), field_name=name)
    fd.vectors.vector_array.dim = 2
    fd.vectors.vector_array.element_type = int(D.FLOAT_VECTOR)
    for values in rows:
        fd.vectors.vector_array.data.add(dim=2).float_vector.data.extend(values)
    return fd


def struct_data(*subs: schema_pb2.FieldData, name: str = "s") -> schema_pb2.FieldData:
    fd = schema_pb2.FieldData(type=int(D._ARRAY_OF_STRUCT), field_name=name)
    fd.struct_arrays.fields.extend(subs)
    return fd


BAD_PAYLOADS = [
    (struct_data(scalar_cells([1])), "length of fields of struct field mismatch length of the fields in schema, "
                                     "fieldName: s, collectionName:raw, fieldData fields length:1, schema fields length:2"),
    (struct_data(scalar_cells([1]), vector_cells([1, 2, 3, 4])),
     "inconsistent struct element count in struct 's' at row 0: 'a' has 1, 'e' has 2: invalid parameter"),
    (struct_data(scalar_cells([1]), vector_cells([1, 2, 3])),
     "struct 's' row 0 sub-field 'e': payload length 3 is not divisible by vector width 2: invalid parameter"),
    (struct_data(scalar_cells([1]), vector_cells([1, 2], name="x")), "sub-field 'x' not found in struct schema 's'"),
    (struct_data(scalar_cells(None), vector_cells([1, 2])),
     "struct 's' row 0 sub-field 'a': nil array data: invalid parameter"),
    (struct_data(scalar_cells([1]), vector_cells([1, 2]), name="t"),
     "fieldName t not exist in collection schema, fieldType ArrayOfStruct, fieldId 0"),
    (struct_data(scalar_cells([1], [2]), vector_cells([1, 2])),
     "inconsistent array length in struct field 's': expected 2, got 1 for sub-field 'e'"),
    (struct_data(scalar_cells([1, 2, 3]), vector_cells([1, 2] * 3)), "the length (3) of 0th array exceeds max capacity"),
]


@pytest.fixture
def raw(stub, wire_client):
    subs = (sub("a"), sub("e", D.FLOAT_VECTOR, D._ARRAY_OF_VECTOR, params={"dim": 2, "max_capacity": 2}))
    assert stub.CreateCollection(milvus_pb2.CreateCollectionRequest(collection_name="raw",
                                                                    schema=raw_schema(*subs))).code == 0
    return stub


def insert_request(struct: schema_pb2.FieldData, ids: tuple = (1,)) -> milvus_pb2.InsertRequest:
    pk = schema_pb2.FieldData(type=int(D.INT64), field_name="id")
    pk.scalars.long_data.data.extend(ids)
    vec = schema_pb2.FieldData(type=int(D.FLOAT_VECTOR), field_name="v")
    vec.vectors.dim = 2
    vec.vectors.float_vector.data.extend([0.5, 0.5] * len(ids))
    return milvus_pb2.InsertRequest(collection_name="raw", num_rows=len(ids), fields_data=[pk, vec, struct])


@pytest.mark.parametrize("struct,text", BAD_PAYLOADS)
def test_raw_insert_refusals(raw, local_client, struct, text) -> None:
    result = raw.Insert(insert_request(struct))
    assert result.status.reason[:len(text)] == text, result.status.reason
    assert local_client.query("raw", "id > 0") == []


def test_raw_insert_stored_sub_names(raw, local_client) -> None:
    """Sub-fields may be named ``s[a]`` as Milvus stores them; an element type may be left unset."""
    cells = scalar_cells([1, 2], [])
    cells.field_name = "s[a]"
    result = raw.Insert(insert_request(struct_data(cells, vector_cells([1, 2, 3, 4], [])), ids=(1, 2)))
    assert result.status.code == 0, result.status.reason
    rows = local_client.query("raw", "id > 0", output_fields=["s"])
    assert rows == [{"id": 1, "s": [{"a": 1, "e": [1.0, 2.0]}, {"a": 2, "e": [3.0, 4.0]}]}, {"id": 2, "s": []}]


def test_raw_insert_a_struct_column_typed_as_its_array(raw, local_client) -> None:
    """The Node SDK types a struct array's column as the field's ``Array`` (element type Struct),
    with the ``struct_arrays`` payload; Milvus's proxy tells struct columns by name and takes it."""
    column = struct_data(scalar_cells([1, 2]), vector_cells([1, 2, 3, 4]))
    column.type = int(D.ARRAY)
    result = raw.Insert(insert_request(column))
    assert result.status.code == 0, result.status.reason
    assert local_client.query("raw", "id > 0", output_fields=["s"]) == \
        [{"id": 1, "s": [{"a": 1, "e": [1.0, 2.0]}, {"a": 2, "e": [3.0, 4.0]}]}]


def test_add_collection_struct_field(docs, local_client) -> None:
    docs.insert(NAME, ROWS[:2])
    extra = docs.create_struct_field_schema()
    extra.add_field("k", D.VARCHAR, max_length=4)
    extra.add_field("x", D.FLOAT_VECTOR, dim=2)
    docs.add_collection_struct_field(NAME, "more", extra, max_capacity=2)
    wire, local = docs.describe_collection(NAME), local_client.describe_collection(NAME)
    assert wire["fields"] == local["fields"] and wire["fields"][-1]["nullable"] is True
    docs.insert(NAME, [{**row(9, 1), "more": [{"k": "ab", "x": [1.0, 2.0]}]}])
    got = {r["id"]: r["more"] for r in docs.query(NAME, "id > 0", output_fields=["more"])}
    assert got == {1: None, 2: None, 9: [{"k": "ab", "x": [1.0, 2.0]}]}
    with pytest.raises(MilvusException, match="duplicated field name clips"):
        docs.add_collection_struct_field(NAME, "clips", extra, max_capacity=2)


def test_embedding_list_placeholders() -> None:
    """EmbList* placeholders (one value per list of vectors) become one flat array per list, the
    core's search taking them with is_embedding_list=True."""
    from pymilvus.grpc_gen import common_pb2

    from pgmilvus.server.convert.vectors import EmbeddingLists, query_vectors

    group = common_pb2.PlaceholderGroup(placeholders=[common_pb2.PlaceholderValue(
        tag="$0", type=301, values=[np.arange(4, dtype="<f4").tobytes(), np.ones(2, dtype="<f4").tobytes()])])
    data = query_vectors(group.SerializeToString())
    assert isinstance(data, EmbeddingLists) and [d.tolist() for d in data] == [[0, 1, 2, 3], [1, 1]]
    group.placeholders[0].type = 302
    group.placeholders[0].values[:] = [np.array([0.5, 2], dtype="<f2").tobytes()]
    assert query_vectors(group.SerializeToString())[0].dtype == np.float16


# -- searches of vector sub-fields (the core's search/structs.py, branch struct-search) ---------------

def _struct_search_core() -> None:
    try:
        import pgmilvus.search.structs  # noqa: F401
    except ImportError:
        pytest.skip("the core has no struct sub-field search yet (branch struct-search)")


@pytest.fixture
def lists(wire_client):
    _struct_search_core()
    schema = wire_client.create_schema()
    schema.add_field("id", D.INT64, is_primary=True)
    schema.add_field("v", D.FLOAT_VECTOR, dim=2)
    sub = wire_client.create_struct_field_schema()
    sub.add_field("e", D.FLOAT_VECTOR, dim=2)
    sub.add_field("t", D.VARCHAR, max_length=8)
    schema.add_field("s", D.ARRAY, element_type=D.STRUCT, struct_schema=sub, max_capacity=4)
    wire_client.create_collection("el", schema=schema)
    wire_client.insert("el", [{"id": i, "v": [1.0, float(i)], "s": [{"e": [1.0, float(i + 2 * j)], "t": f"t{i}{j}"}
                                                                    for j in range(3)]} for i in range(6)])
    return wire_client


def _index(client: MilvusClient, metric: str) -> None:
    index = client.prepare_index_params()
    index.add_index("v", index_type="FLAT", metric_type="L2")
    index.add_index("s[e]", index_type="HNSW", metric_type=metric, params={"M": 8, "efConstruction": 64})
    client.create_index("el", index)
    client.load_collection("el")


def _hits(result) -> list:
    return [[(h["id"], round(h["distance"], 4), h.get("offset"), h["entity"]) for h in hits] for hits in result]


def test_element_level_search_offsets(lists, local_client) -> None:
    _index(lists, "L2")
    kwargs = {"anns_field": "s[e]", "limit": 4, "output_fields": ["s[t]"]}
    wire = lists.search("el", data=[[1.0, 2.0], [1.0, 7.0]], **kwargs)
    assert _hits(wire) == _hits(local_client.search("el", data=[[1.0, 2.0], [1.0, 7.0]], **kwargs))
    assert all(h.get("offset") is not None for hits in wire for h in hits)


def test_embedding_list_search(lists, local_client) -> None:
    from pymilvus import AnnSearchRequest, RRFRanker
    from pymilvus.client.embedding_list import EmbeddingList

    _index(lists, "MAX_SIM_L2")
    query = [EmbeddingList(np.array([[1.0, 2.0], [1.0, 3.0]], dtype=np.float32))]
    kwargs = {"anns_field": "s[e]", "limit": 3, "output_fields": ["s[t]"]}
    wire = lists.search("el", data=query, **kwargs)
    assert _hits(wire) == _hits(local_client.search("el", data=query, **kwargs))
    assert all(h.get("offset") is None for h in wire[0])
    import pgmilvus

    def hybrid(client, request_class, ranker):
        reqs = [request_class(query, "s[e]", {"metric_type": "MAX_SIM_L2"}, 3),
                request_class([[1.0, 2.0]], "v", {"metric_type": "L2"}, 3)]
        return _hits(client.hybrid_search("el", reqs, ranker, limit=3))

    assert hybrid(lists, AnnSearchRequest, RRFRanker()) == \
        hybrid(local_client, pgmilvus.AnnSearchRequest, pgmilvus.RRFRanker())


def test_element_level_query_and_iterator(wire_client, local_client) -> None:
    """element_filter: one row per matching element with its offset (QueryResults.element_indices),
    and pymilvus's query iterator pages through them by (pk, element offset) as in process.  A
    collection of its own name: pymilvus caches a schema per name (another test adds a struct)."""
    name = "elements"
    wire_client.create_collection(name, schema=build_schema(wire_client))
    docs = wire_client
    docs.insert(name, ROWS)
    expr = "element_filter(clips, $[n] >= 0)"
    wire = docs.query(name, expr, output_fields=["id"], limit=10)
    assert list(wire) == list(local_client.query(name, expr, output_fields=["id"], limit=10))
    assert [(r["id"], r["offset"]) for r in wire] == [(1, 0), (1, 1), (3, 0), (3, 1), (3, 2), (4, 0), (5, 0)]
    iterator = docs.query_iterator(name, batch_size=2, filter=expr, output_fields=["id"])
    pages = []
    while page := iterator.next():
        pages.append([(r["id"], r["offset"]) for r in page])
    iterator.close()
    assert sum(pages, []) == [(r["id"], r["offset"]) for r in wire]
