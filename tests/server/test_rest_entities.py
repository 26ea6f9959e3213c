"""``/v2/vectordb/entities/*`` on ``pgmilvus serve --rest``, with raw HTTP, as Milvus answers them.

Collections are made through pymilvus over the wire on the same server; the REST
answers are compared with what pymilvus reads for the same rows (the gRPC face),
in Milvus's REST shapes: Int64 as strings unless ``Accept-Type-Allow-Int64``,
bytes vectors base64, a JSON field as its text, an Array as Go prints a
ScalarField, ``distance`` and ``topks`` on search hits; refusals table-driven.
"""

from __future__ import annotations

import json

import pytest

pytest.importorskip("grpc")
pytest.importorskip("pymilvus")
requests = pytest.importorskip("requests")

from pymilvus import DataType  # noqa: E402

from tests.server.fix_rest import rest_module_address, rest_module_process  # noqa: E402,F401 - server: --rest

ALLOW = {"Accept-Type-Allow-Int64": "true"}
REQUIRED = ("missing required parameters, error: Key: '{0}.{1}' Error:Field validation for '{1}' failed on "
            "the 'required' tag")


def _post(address: str, action: str, body: object, headers: dict | None = None) -> dict:
    answer = requests.post(f"http://{address}/v2/vectordb/entities/{action}", data=json.dumps(body),
                           headers=headers or {}, timeout=30)
    assert answer.status_code == 200
    return answer.json()


def _rows(n: int) -> list[dict]:
    return [{"id": i, "v": [float(i), 0.5, 0.25, 0.125], "b": "AQI=", "sp": {"1": 0.5, "7": i + 1.0},
             "j": {"k": i} if i else None, "a": [i, 2], "f": 0.1, "s": f"s{i}", "dyn": i} for i in range(n)]


@pytest.fixture
def things(wire_client, serve_address) -> str:
    """Collection ``things``: every value kind the REST face converts, five rows inserted through REST (per test: wire_client wipes the server after each)."""
    schema = wire_client.create_schema(enable_dynamic_field=True)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=4)
    schema.add_field("b", DataType.BINARY_VECTOR, dim=16)
    schema.add_field("sp", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("j", DataType.JSON, nullable=True)
    schema.add_field("a", DataType.ARRAY, element_type=DataType.INT64, max_capacity=4)
    schema.add_field("f", DataType.FLOAT)
    schema.add_field("s", DataType.VARCHAR, max_length=20)
    index = wire_client.prepare_index_params()
    for name, kind, metric in (("v", "AUTOINDEX", "L2"), ("b", "BIN_FLAT", "HAMMING"),
                               ("sp", "SPARSE_INVERTED_INDEX", "IP")):
        index.add_index(name, index_type=kind, metric_type=metric)
    wire_client.create_collection("things", schema=schema, index_params=index)
    answer = _post(serve_address, "insert", {"collectionName": "things", "data": _rows(5)})
    assert answer == {"code": 0, "data": {"insertCount": 5, "insertIds": ["0", "1", "2", "3", "4"]}, "cost": 0}
    return "things"


def test_query_prints_values_as_milvus(things, serve_address, wire_client) -> None:
    data = _post(serve_address, "query", {"collectionName": things, "filter": "id in [0, 1]"})["data"]
    assert data[1] == {"id": "1", "v": [1.0, 0.5, 0.25, 0.125], "b": "AQI=", "sp": {"1": 0.5, "7": 2.0},
                       "j": '{"k":1}', "a": {"Data": {"LongData": {"data": [1, 2]}}}, "f": 0.1, "s": "s1",
                       "dyn": 1}
    assert data[0]["j"] is None
    assert wire_client.query(things, filter="id == 1", output_fields=["b"])[0]["b"] == [b"\x01\x02"]
    allowed = _post(serve_address, "query", {"collectionName": things, "filter": "id == 1",
                                             "outputFields": ["s"]}, ALLOW)
    assert allowed == {"code": 0, "data": [{"id": 1, "s": "s1"}], "cost": 0}


def test_a_row_read_back_upserts_unchanged(things, serve_address, wire_client) -> None:
    """The Node HttpClient's read-modify-upsert: a query prints Int64 values as text, and Milvus's
    checkAndSetData reads numbers and bools given as text (strconv's syntax) back into their fields."""
    row = _post(serve_address, "query", {"collectionName": things, "filter": "id == 3", "outputFields": ["*"]})["data"][0]
    assert row.pop("id") == "3"
    row["id"] = "3"
    row["a"] = [3, 2]  # an Array prints as Go's ScalarField, which Milvus's checkAndSetData does not read back either
    answer = _post(serve_address, "upsert", {"collectionName": things, "data": [{**row, "f": "2.5", "s": "back"}]})
    assert answer["code"] == 0 and answer["data"]["upsertIds"] == ["3"], answer
    assert wire_client.get(things, ids=[3], output_fields=["f", "s"]) == [{"id": 3, "f": 2.5, "s": "back"}]
    refused = _post(serve_address, "upsert", {"collectionName": things, "data": [{**row, "id": "3.0"}]})
    assert refused["code"] == 1804 and 'strconv.ParseInt: parsing "3.0": invalid syntax' in refused["message"]


@pytest.mark.parametrize("body, data", [
    ({"filter": "id < 3", "outputFields": ["count(*)"]}, [{"count(*)": "3"}]),
    ({"filter": "id >= 0", "outputFields": ["s"], "limit": 2, "offset": 1}, [{"id": "1", "s": "s1"},
                                                                               {"id": "2", "s": "s2"}]),
])
def test_query_limit_offset_count(things, serve_address, body, data) -> None:
    assert _post(serve_address, "query", {"collectionName": things, **body})["data"] == data


@pytest.mark.parametrize("ids, data", [
    ([2, "3"], [{"id": "2", "f": 0.1}, {"id": "3", "f": 0.1}]),
    (4, [{"id": "4", "f": 0.1}]),
])
def test_get_by_id(things, serve_address, ids, data) -> None:
    answer = _post(serve_address, "get", {"collectionName": things, "id": ids, "outputFields": ["f"]})
    assert answer == {"code": 0, "data": data, "cost": 0}


@pytest.mark.parametrize("action, body, code, message", [
    ("get", {"collectionName": "things"}, 1802, REQUIRED.format("CollectionIDReq", "ID")),
    ("get", {"collectionName": "things", "id": ["x"]}, 1806,
     "please check the primary key and its' type can only in [int, string], error: unable to cast \"x\" of "
     "type string to int64"),
    ("insert", {"collectionName": "things"}, 1802, REQUIRED.format("CollectionDataReq", "Data")),
    ("search", {"collectionName": "things"}, 1802,
     "either 'ids' (for primary key search) or 'data' (for vector search) must be provided"),
    ("search", {"collectionName": "things", "ids": [1], "data": [[1, 2, 3, 4]]}, 1100,
     "primary keys (ids) and query vectors (data) are mutually exclusive. Please provide either 'ids' or "
     "'data', not both"),
    ("search", {"collectionName": "things", "data": [[1, 2, 3, 4]], "limit": 0}, 1100,
     "topk [0] is invalid, it should be in range [1, 16384], but got 0: invalid parameter"),
    ("search", {"collectionName": "things", "ids": [1.5], "annsField": "v"}, 1100,
     "invalid int64 id at index 0: 1.5 has fractional part: invalid parameter"),
    ("search", {"collectionName": "things", "ids": [True], "annsField": "v"}, 1100,
     "invalid id type at index 0: expected int64, got bool: invalid parameter"),
    ("insert", {"collectionName": "things", "data": [{**_rows(1)[0], "v": [1, 2, 3, 4, 5]}]}, 1804,
     "fail to deal the insert data, error: []float32 size 5 doesn't equal to vector dimension 4 of FloatVector: "
     "invalid parameter"),
    ("insert", {"collectionName": "things", "data": [{**_rows(1)[0], "b": [1, 2, 3]}]}, 1804,
     "fail to deal the insert data, error: []byte size 3 doesn't equal to vector dimension 16 of BinaryVector: "
     "invalid parameter"),
    ("upsert", {"collectionName": "things", "data": [{**_rows(1)[0], "f": None}]}, 1804,
     "fail to deal the insert data, error: unable to cast \"\" of type string to float32: invalid "
     "parameter[expected=Float][actual=]"),
    ("insert", {"collectionName": "things", "data": [{**_rows(1)[0], "a": None}]}, 1804,
     "fail to deal the insert data, error: unexpected end of JSON input: invalid parameter[expected=Array of "
     "Int64][actual=]"),
    ("insert", {"collectionName": "things", "data": [{"id": 1, "b": "AQI=", "sp": {"1": 0.5}}]}, 1804,
     "fail to deal the insert data, error: missing vector field: v: invalid parameter[expected=FloatVector]"
     "[actual=]"),
    ("insert", {"collectionName": "things", "data": [{**_rows(1)[0], "id": None}]}, 1804,
     "fail to deal the insert data, error: strconv.ParseInt: parsing \"\": invalid syntax: invalid "
     "parameter[expected=Int64][actual=]"),
    ("hybrid_search", {"collectionName": "things", "functionChains": [{}]}, 1100,
     "functionChains is not supported for hybrid search yet: invalid parameter"),
])
def test_refusals(things, serve_address, action, body, code, message) -> None:
    assert _post(serve_address, action, body) == {"code": code, "message": message}


@pytest.mark.parametrize("action", ["insert", "upsert", "delete", "get", "query", "search"])
def test_core_errors_read_as_over_grpc(serve_address, wire_client, action) -> None:
    with pytest.raises(Exception) as caught:
        wire_client.describe_collection("missing")
    body = {"collectionName": "missing", "data": [{"id": 1}], "id": 1, "filter": "id > 0"}
    assert _post(serve_address, action, body) == {"code": caught.value.code, "message": caught.value.message}


def test_search_hits(things, serve_address, wire_client) -> None:
    body = {"collectionName": things, "annsField": "v", "data": [[1.0, 0.5, 0.25, 0.125]], "limit": 2,
            "outputFields": ["s"]}
    answer = _post(serve_address, "search", body)
    assert answer == {"code": 0, "data": [{"s": "s1", "id": "1", "distance": 0.0},
                                          {"s": "s0", "id": "0", "distance": 1.0}], "cost": 0, "topks": [2]}
    grpc = wire_client.search(things, [[1.0, 0.5, 0.25, 0.125]], anns_field="v", limit=2)[0]
    assert [str(h["id"]) for h in grpc] == [r["id"] for r in answer["data"]]
    sparse = _post(serve_address, "search", {"collectionName": things, "annsField": "sp", "data": [{"7": 1.0}],
                                             "limit": 1, "searchParams": {"metricType": "IP"}}, ALLOW)
    assert sparse["data"] == [{"id": 4, "distance": 5.0}]
    binary = _post(serve_address, "search", {"collectionName": things, "annsField": "b", "data": ["AQI="],
                                             "limit": 1})
    assert binary["data"][0]["distance"] == 0.0


@pytest.mark.parametrize("path", ["hybrid_search", "advanced_search"])
def test_hybrid_search(things, serve_address, path) -> None:
    body = {"collectionName": things, "limit": 2, "outputFields": ["s"],
            "search": [{"annsField": "v", "data": [[1.0, 0.5, 0.25, 0.125]], "limit": 3},
                       {"annsField": "sp", "data": [{"7": 1.0}], "limit": 3}],
            "rerank": {"strategy": "weighted", "params": {"weights": [1.0, 0.0]}}}
    answer = _post(serve_address, path, body)
    assert answer["code"] == 0 and answer["topks"] == [2] and answer["data"][0]["id"] == "1"


def test_upsert_and_delete(things, serve_address, wire_client) -> None:
    upserted = _post(serve_address, "upsert", {"collectionName": things, "partialUpdate": True,
                                               "data": [{"id": 3, "s": "up"}]}, ALLOW)
    assert upserted == {"code": 0, "data": {"upsertCount": 1, "upsertIds": [3]}, "cost": 0}
    assert wire_client.get(things, 3, output_fields=["s", "f"])[0]["s"] == "up"
    inserted = _post(serve_address, "insert", {"collectionName": things, "data": _rows(8)[5:]})
    assert inserted["data"] == {"insertCount": 3, "insertIds": ["5", "6", "7"]}
    assert _post(serve_address, "delete", {"collectionName": things, "filter": "id in [5, 6]"}) == {
        "code": 0, "data": {"deleteCount": 2}}
    assert _post(serve_address, "delete", {"collectionName": things, "id": 7}) == {
        "code": 0, "data": {"deleteCount": 1}}
    assert wire_client.get(things, [5, 6, 7]) == []


def _rest(address: str, path: str, body: object) -> dict:
    """A call outside entities/ (collections/...)."""
    return requests.post(f"http://{address}/v2/vectordb/{path}", data=json.dumps(body), timeout=30).json()


STRUCT_SCHEMA = {"fields": [{"fieldName": "id", "dataType": "Int64", "isPrimary": True},
                            {"fieldName": "v", "dataType": "FloatVector", "elementTypeParams": {"dim": 2}}],
                 "structFields": [{"fieldName": "clips", "typeParams": {"max_capacity": 4}, "fields": [
                     {"fieldName": "label", "dataType": "Array", "elementDataType": "VarChar",
                      "elementTypeParams": {"max_length": 16}},
                     {"fieldName": "emb", "dataType": "ArrayOfVector", "elementDataType": "FloatVector",
                      "elementTypeParams": {"dim": 2}}]}]}


def test_struct_arrays(wire_client, serve_address) -> None:
    """schema.structFields (StructArrayFieldSchema.GetProto), struct rows in and out as
    extractStructArrayRow prints them, embedding-list search data, struct_fields/add."""
    indexes = [{"fieldName": "v", "indexName": "vi", "metricType": "L2"},
               {"fieldName": "clips[emb]", "indexName": "ei", "metricType": "MAX_SIM_L2", "indexType": "HNSW"}]
    assert _rest(serve_address, "collections/create", {
        "collectionName": "s", "schema": STRUCT_SCHEMA, "indexParams": indexes}) == {"code": 0, "data": {}}
    clips = [[{"label": "a", "emb": [0.0, 0.0]}, {"label": "b", "emb": [1.0, 1.0]}], [{"label": "c", "emb": [5.0, 5.0]}]]
    rows = [{"id": i, "v": [float(i), 0.0], "clips": c} for i, c in enumerate(clips)]
    assert _post(serve_address, "insert", {"collectionName": "s", "data": rows})["data"]["insertCount"] == 2
    got = _post(serve_address, "query", {"collectionName": "s", "filter": "id >= 0",
                                                  "outputFields": ["clips"]})["data"]
    assert sorted(got, key=lambda r: r["id"]) == [{"id": "0", "clips": clips[0]}, {"id": "1", "clips": clips[1]}]
    assert [r["clips"] for r in wire_client.query("s", "id >= 0", output_fields=["clips"])] == [
        [{"label": e["label"], "emb": e["emb"]} for e in c] for c in clips]
    hits = _post(serve_address, "search", {"collectionName": "s", "annsField": "clips[emb]",
                                                    "data": [[[5.0, 5.0]]], "limit": 2})["data"]
    assert [h["id"] for h in hits] == ["1", "0"]
    refused = _rest(serve_address, "collections/create", {"collectionName": "t", "schema": {
        **STRUCT_SCHEMA, "structFields": [{**STRUCT_SCHEMA["structFields"][0], "fields": [
            {"fieldName": "n", "dataType": "Int64"}]}]}})
    assert refused == {"code": 1100, "message": "sub-field n of struct clips must be Array or ArrayOfVector, got "
                                                "Int64: invalid parameter"}
    added = {"fieldName": "more", "dataType": "ArrayOfStruct", "nullable": True, "typeParams": {"max_capacity": 2},
             "fields": [{"fieldName": "x", "dataType": "Array", "elementDataType": "Int32"}]}
    assert _rest(serve_address, "collections/struct_fields/add", {"collectionName": "s", "schema": added}) == {
        "code": 0, "data": {}}
    assert wire_client.query("s", "id == 0", output_fields=["more"])[0]["more"] is None
    assert _rest(serve_address, "collections/struct_fields/add", {"collectionName": "s", "schema": {
        "fieldName": "m", "dataType": "Int64"}}) == {"code": 1100, "message": "StructArray field must use "
        "ArrayOfStruct or Array with Struct element, got dataType Int64 and elementDataType : invalid parameter"}


def test_partial_update_field_ops(things, serve_address) -> None:
    """fieldOps ``[{"fieldName", "op"}]`` (ops named in any case) append to and remove from arrays."""
    body = {"collectionName": "things", "partialUpdate": True}
    answer = _post(serve_address, "upsert", {**body, "data": [{"id": 1, "a": [7]}],
                                             "fieldOps": [{"fieldName": "a", "op": "array_append"}]})
    assert answer["code"] == 0, answer
    _post(serve_address, "upsert", {**body, "data": [{"id": 1, "a": [1]}],
                                    "fieldOps": [{"fieldName": "a", "op": " ARRAY_REMOVE "}]})
    got = _post(serve_address, "get", {"collectionName": "things", "id": 1, "outputFields": ["a"]}, ALLOW)
    assert got["data"][0]["a"] == {"Data": {"LongData": {"data": [2, 7]}}}


@pytest.mark.parametrize(("ops", "code", "message"), [
    ([{"fieldName": "a", "op": "MERGE"}], 1100, "unsupported partial update op: MERGE: invalid parameter"),
    ([{"fieldName": "s", "op": "ARRAY_APPEND"}], 1100,
     'op ARRAY_APPEND requires Array field, but field "s" is VarChar: invalid parameter'),
])
def test_partial_update_field_ops_refused(things, serve_address, ops, code, message) -> None:
    body = {"collectionName": "things", "partialUpdate": True, "data": [{"id": 1, "s": "x", "a": [1]}], "fieldOps": ops}
    assert _post(serve_address, "upsert", body) == {"code": code, "message": message}


@pytest.mark.parametrize("key", ["ignoreGrowing", "ignore_growing"])
def test_search_ignoring_growing_rows(things, serve_address, wire_client, key) -> None:
    """A top-level ``searchParams`` ``ignoreGrowing`` skips the rows inserted since the last flush."""
    body = {"collectionName": "things", "data": [[1, 2, 3, 4]], "annsField": "v", "limit": 3}
    assert _post(serve_address, "search", {**body, "searchParams": {key: True}})["data"] == []
    assert len(_post(serve_address, "search", {**body, "searchParams": {key: False}})["data"]) == 3
    wire_client.flush("things")
    assert len(_post(serve_address, "search", {**body, "searchParams": {key: True}})["data"]) == 3


def test_search_by_ids_given_as_strings(things, serve_address) -> None:
    """convertIDsToSchemapbIDs: Int64 keys may come as decimal strings (no float64 precision loss)."""
    by_numbers = _post(serve_address, "search", {"collectionName": "things", "ids": [1, 2], "annsField": "v",
                                                 "limit": 3})
    by_strings = _post(serve_address, "search", {"collectionName": "things", "ids": ["1", "2"], "annsField": "v",
                                                 "limit": 3})
    assert by_numbers["code"] == 0 and by_strings == by_numbers
