"""Milvus master's REST v2 ``resource_groups/*``, ``collections/{add,alter,drop}_function``,
``common/run_analyzer``, ``segments/describe``, ``jobs/snapshot/*`` and ``quotacenter/describe`` on
``pgmilvus serve --rest`` (rest/resource_groups.py, functions.py, system.py, snapshots.py).

Table-driven: bad bodies get gin's 1801 / 1802 with Milvus's struct names (nested structs
included), the core's refusals read as over gRPC (pymilvus on the same server), and what REST
creates or answers is what pymilvus reads over gRPC.
"""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest

pytest.importorskip("grpc")
pytest.importorskip("pymilvus")
pytest.importorskip("requests")

from pymilvus import Function, FunctionType  # noqa: E402

from pgmilvus.client.unsupported import REFUSED  # noqa: E402
from tests.server.fix_rest import REQUIRED, UNMARSHAL, answers_as_over_grpc  # noqa: E402
from tests.server.fix_rest import post as _post  # noqa: E402
from tests.server.fix_rest import rest_module_address, rest_module_process  # noqa: E402,F401 - server: --rest
from tests.test_resource_groups import DEFAULT, rg_config, setup_groups  # noqa: E402

NO_CONTENT = {"code": 0, "data": {}}
DIM = 4


def _required(struct: str, *names: str) -> str:
    """gin's 1802 text for several empty required fields (one line each)."""
    first, *more = (REQUIRED.format(struct, n) for n in names)
    return "\n".join([first] + [m.replace("missing required parameters, error: ", "") for m in more])


@pytest.mark.parametrize("path, raw, code, message", [
    ("/resource_groups/create", b"{}", 1802, REQUIRED.format("ResourceGroupReq", "Name")),
    ("/resource_groups/create", b'{"name": "rg", "config": {}}', 1802,
     _required("ResourceGroupReq.Config", "Requests", "Limits")),
    ("/resource_groups/create", b'{"name": "rg", "config": {"requests": {"node_num": 0}, "limits": {"node_num": 1}}}',
     1802, REQUIRED.format("ResourceGroupReq.Config.Requests", "NodeNum")),
    ("/resource_groups/create", b'{"name": "rg", "config": {"requests": {"node_num": 1}, "limits": {"node_num": 1}, '
                                b'"node_filter": {}}}', 1802,
     REQUIRED.format("ResourceGroupReq.Config.NodeFilter", "NodeLabels")),
    ("/resource_groups/create", b'{"name": "rg", "config": {"requests": {"node_num": "1"}}}', 1801,
     UNMARSHAL.format("string", "ResourceGroupLimit.config.requests.node_num", "int32")),
    ("/resource_groups/create", b'{"name": "rg", "config": []}', 1801,
     UNMARSHAL.format("array", "ResourceGroupReq.config", "httpserver.ResourceGroupConfig")),
    ("/resource_groups/create", b'{"name": "rg", "config": {"transfer_from": [{"resource_group": 1}]}}', 1801,
     UNMARSHAL.format("number", "ResourceGroupTransfer.config.transfer_from.resource_group", "string")),
    ("/resource_groups/drop", b'{"name": ""}', 1802, REQUIRED.format("ResourceGroupReq", "Name")),
    ("/resource_groups/describe", b'{"name": 1}', 1801, UNMARSHAL.format("number", "ResourceGroupReq.name",
                                                                         "string")),
    ("/resource_groups/alter", b"{}", 1802, REQUIRED.format("UpdateResourceGroupReq", "ResourceGroups")),
    ("/resource_groups/alter", b'{"resource_groups": {"rg": 1}}', 1801,
     UNMARSHAL.format("number", "UpdateResourceGroupReq.resource_groups", "httpserver.ResourceGroupConfig")),
    ("/resource_groups/alter", b'{"resource_groups": {"rg": {"limits": {"node_num": "x"}}}}', 1801,
     UNMARSHAL.format("string", "ResourceGroupLimit.resource_groups.limits.node_num", "int32")),
    ("/resource_groups/transfer_replica", b"{}", 1802, _required(
        "TransferReplicaReq", "SourceRgName", "TargetRgName", "CollectionName", "ReplicaNum")),
    ("/resource_groups/transfer_replica", b'{"sourceRgName": "a", "targetRgName": "b", "collectionName": "c", '
                                          b'"replicaNum": "1"}', 1801,
     UNMARSHAL.format("string", "TransferReplicaReq.replicaNum", "int64")),
    ("/resource_groups/list", b"[]", 1801, "can only accept json format request, error: json: cannot unmarshal "
                                           "array into Go value of type httpserver.EmptyReq"),
    ("/collections/add_function", b'{"collectionName": "c"}', 1802, _required(
        "CollectionAddFunction.Function", "FunctionName", "FunctionType", "InputFieldNames", "OutputFieldNames")),
    ("/collections/add_function", b'{"function": {"name": "f", "type": "BM25", "inputFieldNames": [], '
                                  b'"outputFieldNames": []}}', 1802,
     REQUIRED.format("CollectionAddFunction", "CollectionName")),
    ("/collections/add_function", b'{"collectionName": "c", "function": {"name": 1}}', 1801,
     UNMARSHAL.format("number", "FunctionSchema.function.name", "string")),
    ("/collections/add_function", b'{"collectionName": "c", "function": "f"}', 1801,
     UNMARSHAL.format("string", "CollectionAddFunction.function", "httpserver.FunctionSchema")),
    ("/collections/add_function", b'{"collectionName": "c", "function": {"name": "f", "type": "Nope", '
                                  b'"inputFieldNames": ["t"], "outputFieldNames": ["v"]}}', 1100,
     "Unsupported function type: Nope: invalid parameter"),
    ("/collections/alter_function", b'{"collectionName": "c", "function": {"name": "f", "type": "BM25", '
                                    b'"inputFieldNames": [], "outputFieldNames": []}}', 1802,
     REQUIRED.format("CollectionAlterFunction", "FunctionName")),
    ("/collections/drop_function", b'{"collectionName": "c"}', 1802,
     REQUIRED.format("CollectionDropFunction", "FunctionName")),
    ("/common/run_analyzer", b"{}", 1802, REQUIRED.format("RunAnalyzerReq", "Text")),
    ("/common/run_analyzer", b'{"text": ["a"], "analyzerParams": {"type": "standard"}}', 1801,
     UNMARSHAL.format("object", "RunAnalyzerReq.analyzerParams", "string")),
    ("/common/run_analyzer", b'{"text": []}', 0, None),
    ("/segments/describe", b'{"segmentIDs": ["1"]}', 1801,
     UNMARSHAL.format("string", "GetSegmentsInfoReq.segmentIDs", "int64")),
    ("/segments/describe", b'{"segmentIDs": [424242]}', 600, "segment not found[segment=424242]"),
    ("/jobs/snapshot/describe", b"{}", 1802, REQUIRED.format("JobIDReq", "JobID")),
    ("/jobs/snapshot/describe", b'{"jobId": "abc"}', 1100,
     'strconv.ParseInt: parsing "abc": invalid syntax: invalid parameter[expected=int64 jobId][actual=abc]'),
    ("/jobs/snapshot/describe", b'{"jobId": "424242"}', 2101,
     "restore job not found: jobID=424242: importing data failed on server side"),
    ("/jobs/snapshot/list", b'{"collectionName": 1}', 1801,
     UNMARSHAL.format("number", "OptionalCollectionNameReq.collectionName", "string")),
    ("/jobs/snapshot/export", b'{"collectionName": "c"}', 1802, _required("ExportSnapshotReq", "Name",
                                                                           "TargetS3Path")),
    ("/jobs/snapshot/export", b'{"collectionName": "c", "snapshotName": "s", "targetS3Path": "s3://b/p"}', 3000,
     f"export_snapshot: {REFUSED['export_snapshot']}"),
    ("/jobs/snapshot/restore_external", b'{"targetCollectionName": "c"}', 1802,
     REQUIRED.format("RestoreExternalSnapshotReq", "SnapshotMetadataURI")),
    ("/jobs/snapshot/restore_external", b'{"targetCollectionName": "c", "snapshotMetadataURI": "s3://b/m.json"}',
     3000, f"restore_external_snapshot: {REFUSED['restore_external_snapshot']}"),
    ("/quotacenter/describe", b"", 1801, "can only accept json format request, the request body should be nil, "
                                         "however {} is valid"),
])
def test_bad_bodies(serve_address, path, raw, code, message) -> None:
    answer = _post(serve_address, path, raw=raw)
    assert answer == ({"code": code, "message": message} if message else {"code": 0, "data": {"results": []}})


# -- resource groups -------------------------------------------------------------------------------

#: (id, path, body, the pymilvus call that sends the same request over gRPC): the core's refusals.
REFUSALS = [
    ("create-name", "/resource_groups/create", {"name": "1rg"}, lambda c: c.create_resource_group("1rg")),
    ("create-other-config", "/resource_groups/create", {
        "name": "rg_a", "config": {"requests": {"node_num": 1}, "limits": {"node_num": 1}}},
     lambda c: c.create_resource_group("rg_a", config=rg_config(1, 1))),
    ("create-limits-below", "/resource_groups/create", {
        "name": "rg_c", "config": {"requests": {"node_num": 2}, "limits": {"node_num": 1}}},
     lambda c: c.create_resource_group("rg_c", config=rg_config(2, 1))),
    ("create-transfer-unknown", "/resource_groups/create", {"name": "rg_c", "config": {
        "requests": {"node_num": 1}, "limits": {"node_num": 1}, "transfer_to": [{"resource_group": "nope"}]}},
     lambda c: c.create_resource_group("rg_c", config=rg_config(1, 1, transfer_to=[{"resource_group": "nope"}]))),
    ("drop-limits", "/resource_groups/drop", {"name": "rg_b"}, lambda c: c.drop_resource_group("rg_b")),
    ("drop-transfer-from", "/resource_groups/drop", {"name": "rg_a"}, lambda c: c.drop_resource_group("rg_a")),
    ("describe-unknown", "/resource_groups/describe", {"name": "nope"}, lambda c: c.describe_resource_group("nope")),
    ("alter-unknown", "/resource_groups/alter", {"resource_groups": {
        "nope": {"requests": {"node_num": 0}, "limits": {"node_num": 0}}}},
     lambda c: c.update_resource_groups({"nope": rg_config(0, 0)})),
    ("alter-no-limits", "/resource_groups/alter", {"resource_groups": {"rg_a": {"requests": {"node_num": 1}}}},
     lambda c: c.update_resource_groups({"rg_a": rg_config(1)})),
    ("alter-null", "/resource_groups/alter", {"resource_groups": {"rg_a": None}},
     lambda c: c.update_resource_groups({"rg_a": rg_config()})),
    ("transfer-unknown-target", "/resource_groups/transfer_replica", {
        "sourceRgName": DEFAULT, "targetRgName": "nope", "collectionName": "col", "replicaNum": 1},
     lambda c: c.transfer_replica(DEFAULT, "nope", "col", 1)),
    ("transfer-not-loaded", "/resource_groups/transfer_replica", {
        "sourceRgName": DEFAULT, "targetRgName": "rg_a", "collectionName": "idle", "replicaNum": 1},
     lambda c: c.transfer_replica(DEFAULT, "rg_a", "idle", 1)),
    ("transfer-too-many", "/resource_groups/transfer_replica", {
        "sourceRgName": DEFAULT, "targetRgName": "rg_a", "collectionName": "col", "replicaNum": 2},
     lambda c: c.transfer_replica(DEFAULT, "rg_a", "col", 2)),
    ("transfer-no-collection", "/resource_groups/transfer_replica", {
        "sourceRgName": DEFAULT, "targetRgName": "rg_a", "collectionName": "nope", "replicaNum": 1},
     lambda c: c.transfer_replica(DEFAULT, "rg_a", "nope", 1)),
]


@pytest.mark.parametrize("path, body, grpc_call", [c[1:] for c in REFUSALS], ids=[c[0] for c in REFUSALS])
def test_resource_group_refusals_as_over_grpc(wire_client, serve_address, path, body, grpc_call) -> None:
    setup_groups(wire_client)
    answers_as_over_grpc(wire_client, serve_address, path, body, grpc_call)


def test_resource_groups_lifecycle(wire_client, serve_address) -> None:
    setup_groups(wire_client)
    config = {"requests": {"node_num": 1}, "limits": {"node_num": 3}, "transfer_from": [{"resource_group": "rg_a"}],
              "node_filter": {"node_labels": {"zone": "z1"}}}
    assert _post(serve_address, "/resource_groups/create", {"name": "rg_c", "config": config}) == NO_CONTENT
    assert _post(serve_address, "/resource_groups/create", {"name": "rg_c", "config": config}) == NO_CONTENT
    assert _post(serve_address, "/resource_groups/create", {"name": "rg_d"}) == NO_CONTENT
    assert _post(serve_address, "/resource_groups/list", {}) == {
        "code": 0, "data": [DEFAULT, "rg_a", "rg_b", "rg_c", "rg_d"]}
    assert _post(serve_address, "/resource_groups/describe", {"name": "rg_c"}) == {"resource_group": {
        "name": "rg_c", "capacity": 1, "config": {"requests": {"node_num": 1}, "limits": {"node_num": 3},
                                                  "transfer_from": [{"resource_group": "rg_a"}],
                                                  "node_filter": {"node_labels": [{"key": "zone", "value": "z1"}]}}}}
    described = wire_client.describe_resource_group("rg_c")
    assert (described.capacity, described.config.limits.node_num) == (1, 3)
    assert _post(serve_address, "/resource_groups/alter", {"resource_groups": {
        "rg_d": {"requests": {"node_num": 0}, "limits": {"node_num": 2}}}}) == NO_CONTENT
    assert wire_client.describe_resource_group("rg_d").config.limits.node_num == 2
    assert _post(serve_address, "/resource_groups/describe", {"name": "rg_d"}) == {"resource_group": {
        "name": "rg_d", "config": {"requests": {}, "limits": {"node_num": 2}}}}
    host = socket.gethostname()
    assert _post(serve_address, "/resource_groups/describe", {"name": DEFAULT}) == {"resource_group": {
        "name": DEFAULT, "capacity": 1000000, "num_available_node": 1, "num_loaded_replica": {"col": 1},
        "config": {"requests": {}, "limits": {"node_num": 1000000}},
        "nodes": [{"node_id": 1, "address": host, "hostname": host}]}}
    assert _post(serve_address, "/resource_groups/transfer_replica", {
        "sourceRgName": DEFAULT, "targetRgName": "rg_d", "collectionName": "col", "replicaNum": 1}) == NO_CONTENT
    assert _post(serve_address, "/resource_groups/drop", {"name": "rg_nothing"}) == NO_CONTENT
    assert _post(serve_address, "/resource_groups/alter", {"resource_groups": {
        "rg_d": {"requests": {"node_num": 0}, "limits": {"node_num": 0}}}}) == NO_CONTENT
    assert _post(serve_address, "/resource_groups/drop", {"name": "rg_d"}) == NO_CONTENT
    assert "rg_d" not in wire_client.list_resource_groups()


# -- collection functions --------------------------------------------------------------------------

def _text_collection(client) -> None:
    from pymilvus import DataType

    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("text", DataType.VARCHAR, max_length=100, enable_analyzer=True)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=DIM)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(Function("bm25", FunctionType.BM25, ["text"], ["sparse"]))
    client.create_collection("texts", schema=schema)


_EMBED = {"name": "embed", "type": "TextEmbedding", "inputFieldNames": ["text"], "outputFieldNames": ["dense"],
          "params": {"provider": "openai", "model_name": "text-embedding-3-small"}}
_EMBED_FUNCTION = Function("embed", FunctionType.TEXTEMBEDDING, ["text"], ["dense"],
                           params={"provider": "openai", "model_name": "text-embedding-3-small"})
_BM25 = {"name": "bm25", "type": "BM25", "inputFieldNames": ["text"], "outputFieldNames": ["sparse"]}

#: (id, path, body, the pymilvus call that sends the same request over gRPC)
FUNCTION_REFUSALS = [
    ("add-embedding", "/collections/add_function", {"collectionName": "texts", "function": _EMBED},
     lambda c: c.add_collection_function("texts", _EMBED_FUNCTION)),
    ("add-no-collection", "/collections/add_function", {"collectionName": "nope", "function": _EMBED},
     lambda c: c.add_collection_function("nope", _EMBED_FUNCTION)),
    ("alter-bm25", "/collections/alter_function", {"collectionName": "texts", "functionName": "bm25",
                                                   "function": _BM25},
     lambda c: c.alter_collection_function("texts", "bm25", Function("bm25", FunctionType.BM25, ["text"],
                                                                     ["sparse"]))),
    ("drop-bm25", "/collections/drop_function", {"collectionName": "texts", "functionName": "bm25"},
     lambda c: c.drop_collection_function("texts", "bm25")),
]


@pytest.mark.parametrize("path, body, grpc_call", [c[1:] for c in FUNCTION_REFUSALS],
                         ids=[c[0] for c in FUNCTION_REFUSALS])
def test_function_refusals_as_over_grpc(wire_client, serve_address, path, body, grpc_call) -> None:
    _text_collection(wire_client)
    answers_as_over_grpc(wire_client, serve_address, path, body, grpc_call)


def test_drop_unknown_function(wire_client, serve_address) -> None:
    _text_collection(wire_client)
    assert _post(serve_address, "/collections/drop_function", {"collectionName": "texts",
                                                                "FunctionName": "nothing"}) == NO_CONTENT


# -- run_analyzer ----------------------------------------------------------------------------------

def _tokens(result: Any, detail: bool, hashed: bool) -> list[dict[str, Any]]:
    """pymilvus's AnalyzeResult as the REST handler writes its tokens."""
    out = []
    for token in result.tokens:
        data = token if isinstance(token, dict) else getattr(token, "dict", {"token": token})
        shown = {"token": data["token"]}
        if detail:
            shown.update(startOffset=data["start_offset"], endOffset=data["end_offset"], position=data["position"],
                         positionLength=data["position_length"])
        if hashed:
            shown["hash"] = data["hash"]
        out.append(shown)
    return out


@pytest.mark.parametrize("detail, hashed", [(False, False), (True, False), (False, True), (True, True)])
def test_run_analyzer_as_over_grpc(wire_client, serve_address, detail, hashed) -> None:
    texts = ["Milvus on PostgreSQL", "the quick brown fox"]
    params = {"tokenizer": "standard", "filter": ["lowercase"]}
    results = wire_client.run_analyzer(texts, analyzer_params=params, with_detail=detail, with_hash=hashed)
    body = {"text": texts, "analyzerParams": json.dumps(params), "withDetail": detail, "withHash": hashed}
    assert _post(serve_address, "/common/run_analyzer", body) == {
        "code": 0, "data": {"results": [{"tokens": _tokens(r, detail, hashed)} for r in results]}}


def test_run_analyzer_of_a_field(wire_client, serve_address) -> None:
    _text_collection(wire_client)
    answer = _post(serve_address, "/common/run_analyzer", {"text": ["Hello World"], "collectionName": "texts",
                                                           "fieldName": "text"})
    assert answer == {"code": 0, "data": {"results": [{"tokens": [{"token": "hello"}, {"token": "world"}]}]}}


@pytest.mark.parametrize("body, grpc_call", [
    ({"text": ["a"], "analyzerParams": '{"tokenizer": "nope"}'},
     lambda c: c.run_analyzer(["a"], analyzer_params={"tokenizer": "nope"})),
    ({"text": ["a"], "analyzerParams": '{"type": "standard"}', "collectionName": "texts", "fieldName": "text"},
     lambda c: c.run_analyzer(["a"], analyzer_params={"type": "standard"}, collection_name="texts",
                              field_name="text")),
    ({"text": ["a"], "collectionName": "texts"}, lambda c: c.run_analyzer(["a"], collection_name="texts")),
    ({"text": ["a"], "collectionName": "texts", "fieldName": "id"},
     lambda c: c.run_analyzer(["a"], collection_name="texts", field_name="id")),
])
def test_run_analyzer_refusals_as_over_grpc(wire_client, serve_address, body, grpc_call) -> None:
    _text_collection(wire_client)
    answers_as_over_grpc(wire_client, serve_address, "/common/run_analyzer", body, grpc_call)


# -- segments, quota center ------------------------------------------------------------------------

def test_segments_describe(wire_client, local_client, serve_address) -> None:
    wire_client.create_collection("segs", DIM)
    wire_client.insert("segs", [{"id": i, "vector": [float(i)] * DIM} for i in range(10)])
    wire_client.flush("segs")
    listed = local_client.list_segments("segs")
    assert listed
    ids = [s.segment_id for s in listed]
    answer = _post(serve_address, "/segments/describe", {"collectionID": 0, "segmentIDs": ids[::-1]})
    assert answer == {"code": 0, "data": {"segmentInfos": [
        {"segmentID": s.segment_id, "collectionID": s.collection_id, "partitionID": s.partition_id,
         "vChannel": s.insert_channel, "numRows": s.num_rows, "state": int(s.state), "level": s.level,
         "isSorted": s.is_sorted, "insertLogs": [], "deltaLogs": [], "statsLogs": []} for s in listed[::-1]]}}
    assert sum(s["numRows"] for s in answer["data"]["segmentInfos"]) == 10
    assert _post(serve_address, "/segments/describe", {}) == {"code": 0, "data": {"segmentInfos": []}}
    assert _post(serve_address, "/segments/describe", {"segmentIDs": [ids[0], 424242]}) == {
        "code": 600, "message": "segment not found[segment=424242]"}


def test_quota_center_describe(serve_address) -> None:
    answer = _post(serve_address, "/quotacenter/describe", {})
    assert answer["code"] == 0 and json.loads(answer["data"]) == {
        "QueryNodeMetrics": {}, "DataNodeMetrics": {}, "ProxyMetrics": {}, "DataCoordMetrics": None}


# -- snapshot jobs ---------------------------------------------------------------------------------

def test_snapshot_jobs(wire_client, serve_address) -> None:
    wire_client.create_collection("src", DIM)
    wire_client.insert("src", [{"id": i, "vector": [float(i)] * DIM} for i in range(5)])
    wire_client.create_snapshot("s1", "src")
    job = wire_client.restore_snapshot("s1", "src", "dst")
    state = wire_client.get_restore_snapshot_state(job)
    record = {"jobId": job, "snapshotName": "s1", "dbName": "default", "collectionName": "dst",
              "state": "RestoreSnapshotCompleted", "progress": 100, "reason": state.reason,
              "startTime": state.start_time, "timeCost": state.time_cost}
    assert _post(serve_address, "/jobs/snapshot/describe", {"jobId": str(job)}) == {"code": 0, "data": record}
    assert _post(serve_address, "/jobs/snapshot/list", {}) == {"code": 0, "data": {"records": [record]}}
    assert _post(serve_address, "/jobs/snapshot/list", {"collectionName": "dst"}) == {
        "code": 0, "data": {"records": [record]}}
    answers_as_over_grpc(wire_client, serve_address, "/jobs/snapshot/list", {"collectionName": "other"},
                         lambda c: c.list_restore_snapshot_jobs(collection_name="other"))
