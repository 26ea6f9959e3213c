"""Milvus's REST v2 ``partitions/*``, ``aliases/*`` and ``indexes/*`` on ``pgmilvus serve --rest``.

Table-driven: bad bodies get gin's 1801 / 1802 with Milvus's struct names, the
core's refusals read as over gRPC (pymilvus on the same server), the answers have
handler_v2.go's shapes and agree with what pymilvus reads back, and identical
concurrent ``indexes/create`` calls all succeed (Milvus's are idempotent).
"""

from __future__ import annotations

import concurrent.futures
import json
from typing import Any, Callable

import pytest

pytest.importorskip("grpc")
pytest.importorskip("pymilvus")
pytest.importorskip("requests")

from pymilvus import DataType  # noqa: E402

from tests.server.fix_rest import REQUIRED, UNMARSHAL, answers_as_over_grpc  # noqa: E402
from tests.server.fix_rest import post as _post  # noqa: E402
from tests.server.fix_rest import rest_module_address, rest_module_process  # noqa: E402,F401 - server: --rest


def _collection(client: Any, name: str = "books", index: bool = True) -> None:
    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=4)
    params = client.prepare_index_params()
    if index:
        params.add_index("v", index_name="v_idx", index_type="HNSW", metric_type="L2", params={"M": 8})
    client.create_collection(name, schema=schema, index_params=params if index else None)


@pytest.mark.parametrize("path, raw, code, message", [
    ("/partitions/has", b'{"collectionName": "c"}', 1802, REQUIRED.format("PartitionReq", "PartitionName")),
    ("/partitions/get_stats", b'{"partitionName": "p"}', 1802, REQUIRED.format("PartitionReq", "CollectionName")),
    ("/partitions/load", b'{"collectionName": "c"}', 1802, REQUIRED.format("PartitionsReq", "PartitionNames")),
    ("/partitions/release", b'{"collectionName": "c", "partitionNames": [1]}', 1801,
     UNMARSHAL.format("number", "PartitionsReq.partitionNames", "string")),
    ("/partitions/list", b"{}", 1802, REQUIRED.format("CollectionNameReq", "CollectionName")),
    ("/aliases/describe", b"{}", 1802, REQUIRED.format("AliasReq", "AliasName")),
    ("/aliases/drop", b'{"aliasName": 3}', 1801, UNMARSHAL.format("number", "AliasReq.aliasName", "string")),
    ("/aliases/create", b'{"collectionName": "c"}', 1802, REQUIRED.format("AliasCollectionReq", "AliasName")),
    ("/aliases/alter", b'{"aliasName": "a"}', 1802, REQUIRED.format("AliasCollectionReq", "CollectionName")),
    ("/indexes/describe", b'{"collectionName": "c"}', 1802, REQUIRED.format("IndexReq", "IndexName")),
    ("/indexes/describe", b'{"collectionName": "c", "indexName": "i", "timestamp": "x"}', 1801,
     UNMARSHAL.format("string", "IndexReq.timestamp", "uint64")),
    ("/indexes/create", b'{"collectionName": "c"}', 1802, REQUIRED.format("IndexParamReq", "IndexParams")),
    ("/indexes/create", b'{"collectionName": "c", "indexParams": [1]}', 1801,
     UNMARSHAL.format("number", "IndexParamReq.indexParams", "httpserver.IndexParam")),
    ("/indexes/alter_properties", b'{"collectionName": "c", "indexName": "i", "properties": []}', 1801,
     UNMARSHAL.format("array", "IndexReqWithProperties.properties", "map[string]interface {}")),
    ("/indexes/drop_properties", b'{"collectionName": "c"}', 1802,
     REQUIRED.format("DropIndexPropertiesReq", "IndexName")),
])
def test_bad_bodies_answer_gins_codes(serve_address, path, raw, code, message) -> None:
    assert _post(serve_address, path, raw=raw) == {"code": code, "message": message}


#: (REST path, body, the same request through pymilvus)
CORE_REFUSALS: list[tuple[str, dict[str, Any], Callable[[Any], Any]]] = [
    ("/partitions/list", {"collectionName": "nope"}, lambda c: c.list_partitions("nope")),
    ("/partitions/create", {"collectionName": "nope", "partitionName": "p"},
     lambda c: c.create_partition("nope", "p")),
    ("/partitions/drop", {"collectionName": "books", "partitionName": "_default"},
     lambda c: c.drop_partition("books", "_default")),
    ("/partitions/load", {"collectionName": "books", "partitionNames": ["nope"]},
     lambda c: c.load_partitions("books", ["nope"])),
    ("/partitions/get_stats", {"collectionName": "books", "partitionName": "nope"},
     lambda c: c.get_partition_stats("books", "nope")),
    ("/aliases/describe", {"aliasName": "nope"}, lambda c: c.describe_alias("nope")),
    ("/aliases/create", {"collectionName": "nope", "aliasName": "a1"}, lambda c: c.create_alias("nope", "a1")),
    ("/aliases/alter", {"collectionName": "books", "aliasName": "nope"}, lambda c: c.alter_alias("books", "nope")),
    ("/aliases/list", {"collectionName": "nope"}, lambda c: c.list_aliases("nope")),
    ("/indexes/describe", {"collectionName": "nope", "indexName": "v_idx"},
     lambda c: c.describe_index("nope", "v_idx")),
    ("/indexes/list", {"collectionName": "nope"}, lambda c: c.list_indexes("nope")),
    ("/indexes/drop", {"collectionName": "nope", "indexName": "v_idx"}, lambda c: c.drop_index("nope", "v_idx")),
    ("/indexes/create", {"collectionName": "books", "indexParams": [{"fieldName": "v", "indexName": "other",
                                                                     "metricType": "IP", "indexType": "HNSW"}]},
     lambda c: c.create_index("books", _ip_index(c))),
]


def _ip_index(client: Any) -> Any:
    params = client.prepare_index_params()
    params.add_index("v", index_name="other", index_type="HNSW", metric_type="IP")
    return params


@pytest.mark.parametrize("path, body, grpc_call", CORE_REFUSALS, ids=[p + ":" + json.dumps(b) for p, b, _ in
                                                                     CORE_REFUSALS])
def test_core_refusals_read_as_over_grpc(wire_client, serve_address, path, body, grpc_call) -> None:
    _collection(wire_client)
    answers_as_over_grpc(wire_client, serve_address, path, body, grpc_call)


def test_describe_of_a_missing_index(wire_client, serve_address) -> None:
    """pymilvus reads DescribeIndex's 700 as None; REST answers it (as Milvus's describeIndex)."""
    _collection(wire_client)
    assert wire_client.describe_index("books", "nope") is None
    assert _post(serve_address, "/indexes/describe", {"collectionName": "books", "indexName": "nope"}) == {
        "code": 700, "message": "index not found[indexName=nope]"}


def test_partitions(wire_client, serve_address) -> None:
    _collection(wire_client)
    books = {"collectionName": "books"}
    assert _post(serve_address, "/partitions/create", {**books, "partitionName": "p1"}) == {"code": 0, "data": {}}
    assert _post(serve_address, "/partitions/list", books) == {"code": 0,
                                                                "data": wire_client.list_partitions("books")}
    for name, has in (("p1", True), ("p2", False)):
        assert _post(serve_address, "/partitions/has", {**books, "partitionName": name}) == {
            "code": 0, "data": {"has": has}}
    wire_client.insert("books", [{"id": i, "v": [0.1, 0.2, 0.3, float(i)]} for i in range(3)], partition_name="p1")
    stats = _post(serve_address, "/partitions/get_stats", {**books, "partitionName": "p1"})
    assert stats == {"code": 0, "data": {"rowCount": wire_client.get_partition_stats("books", "p1")["row_count"]}}
    assert stats["data"]["rowCount"] == 3
    assert _post(serve_address, "/partitions/load", {**books, "partitionNames": ["p1"]}) == {"code": 0, "data": {}}
    assert wire_client.get_load_state("books", partition_name="p1")["state"].name == "Loaded"
    assert _post(serve_address, "/partitions/release", {**books, "partitionNames": ["p1"]})["code"] == 0
    assert wire_client.get_load_state("books", partition_name="p1")["state"].name == "NotLoad"
    assert _post(serve_address, "/partitions/drop", {**books, "partitionName": "p1"}) == {"code": 0, "data": {}}
    assert not wire_client.has_partition("books", "p1")


def test_aliases(wire_client, serve_address) -> None:
    _collection(wire_client)
    _collection(wire_client, "other", index=False)
    assert _post(serve_address, "/aliases/list", {}) == {"code": 0, "data": []}
    assert _post(serve_address, "/aliases/create", {"collectionName": "books", "aliasName": "a"}) == {
        "code": 0, "data": {}}
    assert _post(serve_address, "/aliases/list", {"collectionName": "books"}) == {"code": 0, "data": ["a"]}
    assert _post(serve_address, "/aliases/describe", {"aliasName": "a"}) == {
        "code": 0, "data": {"dbName": "default", "collectionName": "books", "aliasName": "a"}}
    assert _post(serve_address, "/aliases/alter", {"collectionName": "other", "aliasName": "a"})["code"] == 0
    assert wire_client.describe_alias("a")["collection_name"] == "other"
    assert _post(serve_address, "/aliases/drop", {"aliasName": "a"}) == {"code": 0, "data": {}}
    assert wire_client.list_aliases()["aliases"] == []


def test_indexes(wire_client, serve_address) -> None:
    _collection(wire_client, index=False)
    books = {"collectionName": "books"}
    assert _post(serve_address, "/indexes/list", books) == {"code": 0, "data": []}  # index not found: []
    create = {**books, "indexParams": [{"fieldName": "v", "indexName": "vi", "metricType": "IP",
                                        "params": {"index_type": "HNSW", "M": 16.0, "efConstruction": 64}}]}
    assert _post(serve_address, "/indexes/create", create) == {"code": 0, "data": {}}
    assert _post(serve_address, "/indexes/list", books) == {"code": 0, "data": ["vi"]}
    described = _post(serve_address, "/indexes/describe", {**books, "indexName": "vi"})
    index = wire_client.describe_index("books", "vi")
    assert index["index_type"] == "HNSW" and index["metric_type"] == "IP"  # and the params as sent:
    assert index["params"] == {"index_type": "HNSW", "M": 16, "efConstruction": 64}
    [entry] = described["data"]
    assert entry == {
        "indexName": "vi", "fieldName": "v", "indexType": "HNSW", "metricType": "IP", "mmap.enabled": "",
        "indexoffsetcache.enabled": "", "warmup": "", "totalRows": 0, "pendingRows": 0, "indexedRows": 0,
        "indexState": "Finished", "failReason": "", "minIndexVersion": 0, "maxIndexVersion": 0,
        "indexParams": entry["indexParams"]}
    pairs = {p["key"]: p["value"] for p in entry["indexParams"]}
    assert {**pairs, "params": json.loads(pairs["params"])} == {
        k: v for k, v in index.items() if k not in ("field_name", "index_name", "total_rows", "indexed_rows",
                                                    "pending_index_rows", "state")}
    vi = {**books, "indexName": "vi"}
    assert _post(serve_address, "/indexes/alter_properties", {**vi, "properties": {"mmap.enabled": True}}) == {
        "code": 0, "data": {}}
    assert wire_client.describe_index("books", "vi")["mmap.enabled"] in ("True", "true")
    assert _post(serve_address, "/indexes/drop_properties", {**vi, "propertyKeys": ["mmap.enabled"]})["code"] == 0
    assert "mmap.enabled" not in wire_client.describe_index("books", "vi")
    assert _post(serve_address, "/indexes/drop", vi) == {"code": 0, "data": {}}
    assert wire_client.list_indexes("books") == []


def test_identical_concurrent_index_creations_all_succeed(wire_client, serve_address) -> None:
    _collection(wire_client, index=False)
    create = {"collectionName": "books", "indexParams": [{"fieldName": "v", "indexName": "vi", "metricType": "L2",
                                                          "indexType": "HNSW", "params": {"M": 16}}]}
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: _post(serve_address, "/indexes/create", create), range(6)))
    assert answers == [{"code": 0, "data": {}}] * 6
    assert wire_client.list_indexes("books") == ["vi"]
