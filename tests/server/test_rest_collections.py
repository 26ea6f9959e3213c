"""REST v2 collections and databases endpoints (rest/collection_create.py, collection_ops.py,
databases.py) against a real ``pgmilvus serve --rest``: Milvus's codes and texts for the REST
handler's own refusals, and the same state as pymilvus's gRPC view of the same data."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("grpc")
pytest.importorskip("pymilvus")
requests = pytest.importorskip("requests")

from pymilvus import DataType, MilvusException  # noqa: E402

from tests.server.fix_rest import rest_module_address, rest_module_process  # noqa: E402,F401 - server: --rest

REQUIRED = ("missing required parameters, error: Key: '{0}.{1}' Error:Field validation for '{1}' failed on "
            "the 'required' tag")


def _post(address: str, path: str, body: object) -> dict:
    answer = requests.post(f"http://{address}/v2/vectordb{path}", data=json.dumps(body).encode(), timeout=60)
    assert answer.status_code == 200
    return answer.json()


QUICK = {"collectionName": "c", "dimension": 4}


@pytest.mark.parametrize("path, body, code, message", [
    ("/collections/create", {"dimension": 4}, 1802, REQUIRED.format("CollectionReq", "CollectionName")),
    ("/collections/create", {**QUICK, "autoID": 1}, 1801, "can only accept json format request, error: json: "
     "cannot unmarshal number into Go struct field CollectionReq.autoID of type bool"),
    ("/collections/create", {"collectionName": "c"}, 1100, "dimension is required for quickly create collection"
     "(default metric type: COSINE): invalid parameter[expected=collectionName & dimension][actual=collectionName]"),
    ("/collections/create", {**QUICK, "vectorFieldType": "Int8Vector"}, 1100,
     "vectorFieldType can only be [FloatVector, BinaryVector, Float16Vector, BFloat16Vector, SparseFloatVector], "
     "default: FloatVector: invalid parameter[expected=FloatVector, BinaryVector, Float16Vector, BFloat16Vector, "
     "SparseFloatVector][actual=Int8Vector]"),
    ("/collections/create", {**QUICK, "vectorFieldType": "SparseFloatVector"}, 1100,
     "dimension should not be specified for SparseFloatVector quick create: invalid parameter[expected=0][actual=4]"),
    ("/collections/create", {**QUICK, "metricType": "HAMMING"}, 1100, "float vector index does not support "
     "metric type: HAMMING: invalid parameter[expected=valid index params][actual=invalid index params]"),
    ("/collections/create", {**QUICK, "idType": "Int32"}, 1100, "idType can only be [Int64, VarChar], default: "
     "Int64: invalid parameter[expected=Int64, Varchar][actual=Int32]"),
    ("/collections/create", {**QUICK, "consistencyLevel": "Weak"}, 1100, "consistencyLevel can only be [Strong, "
     "Session, Bounded, Eventually, Customized], default: Bounded: invalid parameter[expected=Strong, Session, "
     "Bounded, Eventually, Customized][actual=Weak]"),
    ("/collections/create", {**QUICK, "consistencyLevel": "Strong", "params": {"consistencyLevel": "Bounded"}},
     1100, "top-level consistencyLevel conflicts with params.consistencyLevel: invalid parameter[expected=same "
     "consistencyLevel][actual=Bounded]"),
    ("/collections/create", {**QUICK, "properties": {"collection.ttl.seconds": 5}, "params": {"ttlSeconds": 5}},
     1100, "collection TTL is specified multiple times: invalid parameter"),
    ("/collections/create", {**QUICK, "externalSource": "s3://x"}, 1100, "externalSource and externalSpec must be "
     "set under schema when creating an external collection: invalid parameter[expected=schema.externalSource/"
     "schema.externalSpec][actual=top-level externalSource/externalSpec]"),
    ("/collections/create", {"collectionName": "c", "schema": {"fields": [{"fieldName": "id", "dataType": "int64"}]}},
     1100, "invalid parameter, data type int64 is invalid(case sensitive)."),
    ("/collections/create", {"collectionName": "c", "schema": {"fields": [
        {"fieldName": "a", "dataType": "Array", "elementDataType": "Texts"}]}},
     1100, "invalid parameter, element data type Texts is invalid(case sensitive)."),
    ("/collections/create", {"collectionName": "c", "schema": {"fields": [
        {"fieldName": "a", "dataType": "Int64", "defaultValue": "x"}]}}, 1100,
     'convert defaultValue fail, err:cannot use "x"(type: string) as long default value: invalid parameter'),
    ("/collections/create", {"collectionName": "c", "schema": {"functions": [
        {"name": "f", "type": "Nope", "inputFieldNames": [], "outputFieldNames": []}],
        "fields": [{"fieldName": "id", "dataType": "Int64", "isPrimary": True}]}}, 1100,
     "Unsupported function type: Nope: invalid parameter"),
    ("/collections/rename", {"collectionName": "c"}, 1802, REQUIRED.format("RenameCollectionReq",
                                                                           "NewCollectionName")),
    ("/collections/fields/alter_properties", {"collectionName": "c"}, 1802,
     REQUIRED.format("CollectionFieldReqWithParams", "FieldName")),
    ("/collections/get_compaction_state", {"jobID": "7"}, 1801, "can only accept json format request, error: "
     "json: cannot unmarshal string into Go struct field GetCompactionStateReq.jobID of type int64"),
    ("/collections/get_load_state", {"collectionName": "nothing"}, 100, "collection not found[collection=nothing]"),
    ("/collections/create", {"collectionName": "c", "schema": {"enableDynamicField": 1, "fields": [
        {"fieldName": "id", "dataType": "Int64", "isPrimary": True}]}}, 1801, "can only accept json format request, "
     "error: json: cannot unmarshal number into Go struct field CollectionReq.schema.enableDynamicField of type bool"),
    ("/collections/fields/add", {"collectionName": "c"}, 1802,
     REQUIRED.format("CollectionFieldReqWithSchema", "Schema")),
    ("/collections/fields/add", {"collectionName": "c", "schema": {"dataType": "Int64"}}, 1802,
     REQUIRED.format("CollectionFieldReqWithSchema.Schema", "FieldName")),
    ("/collections/fields/add", {"collectionName": "c", "schema": {"fieldName": "f", "dataType": "int64"}}, 1100,
     "data type int64 is invalid(case sensitive): invalid parameter"),
    ("/collections/fields/add", {"collectionName": "c", "schema": {
        "fieldName": "f", "dataType": "Array", "elementDataType": "Struct"}}, 1100,
     "StructArray field must be added through /v2/vectordb/collections/struct_fields/add: invalid parameter"),
    ("/collections/fields/add", {"collectionName": "c", "schema": {
        "fieldName": "f", "dataType": "Int64", "defaultValue": "x"}}, 1100, 'convert defaultValue fail, err: cannot '
     'use "x"(type: string) as long default value: invalid parameter: invalid parameter'),
    ("/databases/create", {}, 1802, REQUIRED.format("DatabaseReqWithProperties", "DbName")),
    ("/databases/drop_properties", {}, 1802, REQUIRED.format("DropDatabasePropertiesReq", "DbName")),
    ("/databases/describe", {}, 1802, REQUIRED.format("DatabaseReqRequiredName", "DbName")),
])
def test_refusals_answer_milvus_codes(serve_address, path, body, code, message) -> None:
    assert _post(serve_address, path, body) == {"code": code, "message": message}


def test_index_on_unknown_field(wire_client, serve_address) -> None:
    body = {"collectionName": "c", "schema": {"fields": [
        {"fieldName": "id", "dataType": "Int64", "isPrimary": True},
        {"fieldName": "v", "dataType": "FloatVector", "elementTypeParams": {"dim": 2}}]},
        "indexParams": [{"fieldName": "w", "metricType": "L2"}]}
    assert _post(serve_address, "/collections/create", body) == {
        "code": 1802, "message": "missing required parameters, error: `w` hasn't defined in schema"}


def test_quick_create_matches_pymilvus(wire_client, serve_address) -> None:
    body = {"collectionName": "quick", "dimension": 4, "idType": "VarChar", "primaryFieldName": "pk",
            "metricType": "L2", "params": {"max_length": 16, "enableDynamicField": False, "ttlSeconds": 60,
                                           "consistencyLevel": "Strong"}}
    assert _post(serve_address, "/collections/create", body) == {"code": 0, "data": {}}
    described = wire_client.describe_collection("quick")
    assert [(f["name"], f["type"].name, f.get("params", {})) for f in described["fields"]] == [
        ("pk", "VARCHAR", {"max_length": 16}), ("vector", "FLOAT_VECTOR", {"dim": 4})]
    assert described["enable_dynamic_field"] is False and described["consistency_level"] == 0
    assert described["properties"]["collection.ttl.seconds"] == "60"
    assert wire_client.describe_index("quick", "vector")["metric_type"] == "L2"
    assert _post(serve_address, "/collections/get_load_state", {"collectionName": "quick"}) == {
        "code": 0, "data": {"loadState": "LoadStateLoaded", "loadProgress": 100}, "message": ""}


def test_full_schema_without_indexes_stays_unloaded(wire_client, serve_address) -> None:
    body = {"collectionName": "full", "schema": {"autoID": True, "enableDynamicField": True, "fields": [
        {"fieldName": "id", "dataType": "Int64", "isPrimary": True},
        {"fieldName": "tags", "dataType": "Array", "elementDataType": "Int32",
         "elementTypeParams": {"max_capacity": 3}, "nullable": True},
        {"fieldName": "n", "dataType": "Double", "defaultValue": 1.5},
        {"fieldName": "v", "dataType": "FloatVector", "elementTypeParams": {"dim": 2}}]},
        "params": {"shardsNum": "2"}}
    assert _post(serve_address, "/collections/create", body) == {"code": 0, "data": {}}
    described = wire_client.describe_collection("full")
    assert described["auto_id"] is True and described["num_shards"] == 2
    fields = {f["name"]: f for f in described["fields"]}
    assert fields["tags"]["element_type"].name == "INT32" and fields["tags"]["nullable"] is True
    assert fields["n"]["default_value"].double_data == 1.5
    assert _post(serve_address, "/collections/get_load_state", {"collectionName": "full"}) == {
        "code": 0, "data": {"loadState": "LoadStateNotLoad"}}


def test_add_field_as_over_grpc(wire_client, serve_address) -> None:
    """fields/add reaches the core's add_collection_field: what pymilvus reads back, and its refusals."""
    body = {"collectionName": "grow", "schema": {"fields": [  # keys match as encoding/json matches them
        {"fieldname": "id", "datatype": "Int64", "isprimary": True},
        {"fieldName": "v", "dataType": "FloatVector", "elementTypeParams": {"dim": 2}}], "autoId": True}}
    assert _post(serve_address, "/collections/create", body) == {"code": 0, "data": {}}
    assert wire_client.describe_collection("grow")["auto_id"] is True
    add = {"collectionName": "grow", "schema": {"fieldName": "tags", "dataType": "Array", "elementDataType": "VarChar",
                                                "elementTypeParams": {"max_capacity": 4, "max_length": "8"},
                                                "nullable": True, "description": "labels"}}
    assert _post(serve_address, "/collections/fields/add", add) == {"code": 0, "data": {}}
    tags = next(f for f in wire_client.describe_collection("grow")["fields"] if f["name"] == "tags")
    assert (tags["element_type"].name, tags["params"], tags["nullable"], tags["description"]) == (
        "VARCHAR", {"max_capacity": 4, "max_length": 8}, True, "labels")
    with pytest.raises(MilvusException) as grpc:
        wire_client.add_collection_field("grow", "tags", DataType.INT64, nullable=True)
    assert _post(serve_address, "/collections/fields/add", add) == {"code": grpc.value.code,
                                                                    "message": grpc.value.message}


def test_describe_lists_every_index(wire_client, serve_address) -> None:
    """handler_v2 names the first vector field in its DescribeIndex, which Milvus's proxy ignores."""
    body = {"collectionName": "two", "schema": {"fields": [
        {"fieldName": "id", "dataType": "Int64", "isPrimary": True},
        {"fieldName": "a", "dataType": "FloatVector", "elementTypeParams": {"dim": 2}},
        {"fieldName": "b", "dataType": "FloatVector", "elementTypeParams": {"dim": 2}}]},
        "indexParams": [{"fieldName": "a", "indexName": "ai", "metricType": "L2"},
                        {"fieldName": "b", "indexName": "bi", "metricType": "IP"}]}
    assert _post(serve_address, "/collections/create", body) == {"code": 0, "data": {}}
    described = _post(serve_address, "/collections/describe", {"collectionName": "two"})["data"]
    assert described["indexes"] == [{"indexName": "ai", "fieldName": "a", "metricType": "L2"},
                                    {"indexName": "bi", "fieldName": "b", "metricType": "IP"}]
    assert described["load"] == "LoadStateLoaded"
    body = {**body, "collectionName": "one", "indexParams": body["indexParams"][:1]}
    assert _post(serve_address, "/collections/create", body) == {
        "code": 1100, "message": "there is no vector index on field: [b], please create index firstly: invalid "
                                 "parameter"}
    assert _post(serve_address, "/collections/describe", {"collectionName": "one"})["data"]["load"] == (
        "LoadStateNotLoad")


def test_collection_lifecycle(wire_client, serve_address) -> None:
    wire_client.create_collection("life", dimension=2)
    wire_client.insert("life", [{"id": 1, "vector": [0.1, 0.2]}, {"id": 2, "vector": [0.3, 0.4]}])
    assert _post(serve_address, "/collections/flush", {"collectionName": "life"}) == {"code": 0, "data": {}}
    assert _post(serve_address, "/collections/get_stats", {"collectionName": "life"}) == {
        "code": 0, "data": {"rowCount": 2}}
    assert _post(serve_address, "/collections/release", {"collectionName": "life"})["code"] == 0
    assert wire_client.get_load_state("life")["state"].name == "NotLoad"
    assert _post(serve_address, "/collections/load", {"collectionName": "life"})["code"] == 0
    assert _post(serve_address, "/collections/refresh_load", {"collectionName": "life"})["code"] == 0
    assert _post(serve_address, "/collections/release", {"collectionName": "life"})["code"] == 0
    assert _post(serve_address, "/collections/alter_properties", {
        "collectionName": "life", "properties": {"collection.ttl.seconds": 100, "mmap.enabled": True}})["code"] == 0
    properties = wire_client.describe_collection("life")["properties"]
    assert (properties["collection.ttl.seconds"], properties["mmap.enabled"]) == ("100", "true")
    assert _post(serve_address, "/collections/drop_properties", {
        "collectionName": "life", "propertyKeys": ["mmap.enabled"]})["code"] == 0
    assert "mmap.enabled" not in wire_client.describe_collection("life")["properties"]
    compacted = _post(serve_address, "/collections/compact", {"collectionName": "life"})
    job = compacted["data"]["compactionID"]
    assert _post(serve_address, "/collections/get_compaction_state", {"jobID": job}) == {"code": 0, "data": {
        "compactionID": job, "state": "Completed", "executingPlanNumber": 0, "timeoutPlanNumber": 0,
        "completedPlanNumber": 0}}
    assert _post(serve_address, "/collections/rename", {"collectionName": "life", "newCollectionName": "life2"}) \
        == {"code": 0, "data": {}}
    assert wire_client.list_collections() == ["life2"]
    assert _post(serve_address, "/collections/truncate", {"collectionName": "life2"})["code"] == 0
    assert _post(serve_address, "/collections/drop", {"collectionName": "life2"}) == {"code": 0, "data": {}}
    assert wire_client.list_collections() == []


def test_core_refusals_read_as_over_grpc(wire_client, serve_address) -> None:
    assert _post(serve_address, "/collections/drop", {"collectionName": "missing"}) == {"code": 0, "data": {}}
    for path, call in [("/collections/release", lambda: wire_client.release_collection("missing")),
                       ("/collections/load", lambda: wire_client.load_collection("missing")),
                       ("/collections/get_stats", lambda: wire_client.get_collection_stats("missing"))]:
        with pytest.raises(MilvusException) as info:
            call()
        assert _post(serve_address, path, {"collectionName": "missing"}) == {
            "code": info.value.code, "message": info.value.message}


def test_databases(wire_client, serve_address) -> None:
    assert _post(serve_address, "/databases/create", {"dbName": "d1", "properties": {"database.max.collections": 5}}) \
        == {"code": 0, "data": {}}
    assert wire_client.describe_database("d1")["database.max.collections"] == "5"
    assert _post(serve_address, "/databases/list", {})["data"] == wire_client.list_databases()
    assert _post(serve_address, "/databases/alter", {"dbName": "d1", "properties": {"mmap.enabled": False}}) \
        == {"code": 0, "data": {}}
    described = _post(serve_address, "/databases/describe", {"dbName": "d1"})
    assert described["data"]["dbName"] == "d1" and {"key": "mmap.enabled", "value": "false"} in \
        described["data"]["properties"]
    assert _post(serve_address, "/databases/drop_properties", {"dbName": "d1", "propertyKeys": ["mmap.enabled"]}) \
        == {"code": 0, "data": {}}
    assert "mmap.enabled" not in wire_client.describe_database("d1")
    with pytest.raises(MilvusException) as info:
        wire_client.create_database("d1")
    assert _post(serve_address, "/databases/create", {"dbName": "d1"}) == {
        "code": info.value.code, "message": info.value.message}
    assert _post(serve_address, "/databases/drop", {"dbName": "d1"}) == {"code": 0, "data": {}}
    assert "d1" not in wire_client.list_databases()


_EXT = "external collections are not supported by pgmilvus"
_EXT_FIELDS = [{"fieldName": "id", "dataType": "Int64", "isPrimary": True, "externalField": "id"},
               {"fieldName": "v", "dataType": "FloatVector", "externalField": "v", "elementTypeParams": {"dim": "2"}}]


@pytest.mark.parametrize("path, body, code, message", [  # Milvus master's external collections: code 3000
    ("/collections/create", {"collectionName": "ext", "schema": {"externalSource": "s3://b/x/", "externalSpec": "{}",
                                                                 "fields": _EXT_FIELDS}},
     3000, f"create_collection: {_EXT} (externalField of id, v)"),
    ("/collections/create", {"collectionName": "ext", "schema": {"externalSource": "s3://b/x/", "fields": [
        {**f, "externalField": ""} for f in _EXT_FIELDS]}},
     3000, f"create_collection: {_EXT} (schema.externalSource/externalSpec)"),
    ("/jobs/external_collection/refresh", {"collectionName": "c"}, 3000, f"refresh_external_collection: {_EXT}"),
    ("/jobs/external_collection/list", {}, 3000, f"list_refresh_external_collection_jobs: {_EXT}"),
    ("/jobs/external_collection/describe", {"jobId": 7}, 3000, f"get_refresh_external_collection_progress: {_EXT}"),
    ("/jobs/external_collection/describe", {"jobId": "7"}, 1801, "can only accept json format request, error: json: "
     "cannot unmarshal string into Go struct field RefreshExternalCollectionProgressReq.jobId of type int64"),
    ("/jobs/external_collection/refresh", {}, 1802, "missing required parameters, error: Key: "
     "'RefreshExternalCollectionReq.CollectionName' Error:Field validation for 'CollectionName' failed on the "
     "'required' tag"),
    ("/collections/fields/add", {"collectionName": "c", "schema": {"fieldName": "x", "dataType": "Int64",
                                                                   "externalField": "y", "nullable": True}},
     3000, f"add_collection_field: {_EXT} (externalField of x)"),
])
def test_external_collections_refused(serve_address, path, body, code, message) -> None:
    assert _post(serve_address, path, body) == {"code": code, "message": message}
