"""Changing a collection over the wire (fields, index properties) and search with a decay ranker:
pymilvus through ``pgmilvus serve`` gets what pgmilvus in-process gives on the same database."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pymilvus")

from pymilvus import DataType, MilvusException  # noqa: E402

NAME = "evolve"
ROWS = 30


@pytest.fixture
def coll(wire_client):
    schema = wire_client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=4)
    schema.add_field("ts", DataType.INT64)
    schema.add_field("s", DataType.VARCHAR, max_length=8)
    index = wire_client.prepare_index_params()
    index.add_index("v", index_type="HNSW", metric_type="COSINE", index_name="v_idx")
    wire_client.create_collection(NAME, schema=schema, index_params=index)
    rng = np.random.default_rng(5)
    wire_client.insert(NAME, [{"id": i, "v": rng.random(4).tolist(), "ts": 10 * i, "s": str(i)} for i in range(ROWS)])
    return wire_client


def _field(client, name):
    return next(f for f in client.describe_collection(NAME)["fields"] if f["name"] == name)


def test_add_alter_and_drop_a_field(coll, local_client) -> None:
    coll.add_collection_field(NAME, "extra", DataType.VARCHAR, max_length=16, nullable=True, default_value="x")
    assert _field(local_client, "extra")["params"]["max_length"] == 16
    assert coll.query(NAME, filter="id == 3", output_fields=["extra"]) == [{"id": 3, "extra": "x"}]
    coll.alter_collection_field(NAME, "extra", field_params={"max_length": 32})
    assert _field(local_client, "extra")["params"]["max_length"] == 32
    if not hasattr(coll, "drop_collection_field"):
        return  # pymilvus 2.6: no drop_collection_field (pymilvus 3.0 added it)
    coll.drop_collection_field(NAME, "extra")
    assert "extra" not in [f["name"] for f in local_client.describe_collection(NAME)["fields"]]


@pytest.mark.parametrize("call, message", [
    (lambda c: c.add_collection_field(NAME, "ts", DataType.INT64, nullable=True), "ts"),
    (lambda c: c.add_collection_field(NAME, "nn", DataType.INT64), "nullable"),
    (lambda c: c.drop_collection_field(NAME, "nope"), "nope"),
], ids=["duplicate", "not-nullable", "unknown"])
def test_field_changes_refused_as_in_process(coll, local_client, call, message) -> None:
    if message == "nope" and not hasattr(coll, "drop_collection_field"):
        pytest.skip("pymilvus 2.6 has no drop_collection_field")
    with pytest.raises(MilvusException) as wire:
        call(coll)
    from pgmilvus import MilvusException as LocalError

    with pytest.raises(LocalError) as local:
        call(local_client)
    assert (wire.value.code, wire.value.message) == (local.value.code, local.value.message)
    assert message in wire.value.message


def test_index_properties(coll, local_client) -> None:
    with pytest.raises(MilvusException, match="release the collection first"):
        coll.alter_index_properties(NAME, "v_idx", {"mmap.enabled": True})
    coll.release_collection(NAME)
    coll.alter_index_properties(NAME, "v_idx", {"mmap.enabled": True})
    assert local_client.describe_index(NAME, "v_idx")["mmap.enabled"] == "True"
    coll.drop_index_properties(NAME, "v_idx", ["mmap.enabled"])
    assert "mmap.enabled" not in local_client.describe_index(NAME, "v_idx")


def test_an_index_is_described_as_its_request_sent_it(coll, local_client, serve_address) -> None:
    """Milvus answers DescribeIndex with the CreateIndex request's own pairs: flat from MilvusClient,
    a ``params`` JSON object from the ORM (and REST), with its values' JSON types."""
    from pymilvus import Collection, connections

    coll.add_collection_field(NAME, "w", DataType.FLOAT_VECTOR, dim=4, nullable=True)
    connections.connect("described", uri=f"http://{serve_address}")
    try:
        Collection(NAME, using="described").create_index(
            "w", {"index_type": "HNSW", "metric_type": "L2", "params": {"M": 8, "efConstruction": 40}},
            index_name="w_idx")
        [w_idx] = [i for i in Collection(NAME, using="described").indexes if i.index_name == "w_idx"]
    finally:
        connections.disconnect("described")
    sent = {"index_type": "HNSW", "metric_type": "L2", "params": {"M": 8, "efConstruction": 40}}
    assert w_idx.params == sent
    assert {k: coll.describe_index(NAME, "w_idx")[k] for k in sent} == sent
    assert {k: local_client.describe_index(NAME, "w_idx")[k] for k in sent} == sent
    assert coll.describe_index(NAME, "v_idx")["index_type"] == "HNSW" and "params" not in coll.describe_index(
        NAME, "v_idx")  # MilvusClient sends flat pairs
    coll.load_collection(NAME)
    assert len(coll.search(NAME, [[0.1, 0.2, 0.3, 0.4]], anns_field="w", limit=3)[0]) == 0  # w is null in every row


def test_field_properties_are_dropped_as_the_java_and_node_sdks_ask(coll, serve_address, local_client) -> None:
    """AlterCollectionField ``delete_keys`` (the Java and Node SDKs' dropCollectionFieldProperties;
    pymilvus has no such call) drops mmap.enabled or warmup, as Milvus 2.6 does; pgmilvus refused
    it (3000). An index property keeps the text the request sent (Java sends "true")."""
    import grpc
    from pymilvus.grpc_gen import common_pb2, milvus_pb2, milvus_pb2_grpc

    def alter(stub, **kwargs) -> common_pb2.Status:
        return stub.AlterCollectionField(milvus_pb2.AlterCollectionFieldRequest(collection_name=NAME,
                                                                                field_name="ts", **kwargs))

    coll.release_collection(NAME)
    with grpc.insecure_channel(serve_address) as channel:
        stub = milvus_pb2_grpc.MilvusServiceStub(channel)
        assert alter(stub, properties=[common_pb2.KeyValuePair(key="mmap.enabled", value="true")]).code == 0
        assert _field(local_client, "ts")["params"].get("mmap_enabled") is True
        assert alter(stub, delete_keys=["mmap.enabled"]).code == 0
        assert "mmap_enabled" not in _field(local_client, "ts")["params"]
        assert alter(stub, delete_keys=["mmap.enabled"]).code == 0  # nothing to drop: no error
        refused = alter(stub, delete_keys=["max_length"])
        assert (refused.code, refused.reason) == (
            1100, "max_length is not allowed to drop in collection field param: invalid parameter")
        altered = stub.AlterIndex(milvus_pb2.AlterIndexRequest(
            collection_name=NAME, index_name="v_idx",
            extra_params=[common_pb2.KeyValuePair(key="mmap.enabled", value="true")]))
        assert altered.code == 0
    assert local_client.describe_index(NAME, "v_idx")["mmap.enabled"] == "true"
    coll.load_collection(NAME)
    with grpc.insecure_channel(serve_address) as channel:
        loaded = alter(milvus_pb2_grpc.MilvusServiceStub(channel), delete_keys=["mmap.enabled"])
    assert (loaded.code, "can not drop collection field properties if collection loaded" in loaded.reason) == (
        104, True)


def _decay(module) -> tuple:
    fn = module.Function(name="ts_decay", input_field_names=["ts"], function_type=module.FunctionType.RERANK,
                         params={"reranker": "decay", "function": "gauss", "origin": 100, "scale": 50,
                                 "offset": 5, "decay": 0.5})
    return fn, module.FunctionScore(functions=[fn])


@pytest.mark.parametrize("shape", ["function", "function_score"])
def test_search_with_a_decay_ranker(coll, local_client, shape) -> None:
    import pgmilvus
    import pymilvus

    query = [[0.1, 0.5, 0.2, 0.9], [0.3, 0.3, 0.3, 0.3]]
    pick = 0 if shape == "function" else 1
    wire = coll.search(NAME, query, limit=5, output_fields=["ts"], ranker=_decay(pymilvus)[pick])
    local = local_client.search(NAME, query, limit=5, output_fields=["ts"], ranker=_decay(pgmilvus)[pick])
    assert [[(h["id"], round(h["distance"], 5), h["entity"]) for h in hits] for hits in wire] == \
           [[(h["id"], round(h["distance"], 5), h["entity"]) for h in hits] for hits in local]


def test_a_bad_decay_ranker_is_the_same_error(coll, local_client) -> None:
    import pgmilvus
    import pymilvus

    def bad(module):
        return module.Function(name="d", input_field_names=["s"], function_type=module.FunctionType.RERANK,
                               params={"reranker": "decay", "function": "gauss", "origin": 1, "scale": 1})

    with pytest.raises(MilvusException) as wire:
        coll.search(NAME, [[0.1, 0.2, 0.3, 0.4]], limit=3, ranker=bad(pymilvus))
    with pytest.raises(pgmilvus.MilvusException) as local:
        local_client.search(NAME, [[0.1, 0.2, 0.3, 0.4]], limit=3, ranker=bad(pgmilvus))
    assert (wire.value.code, wire.value.message) == (local.value.code, local.value.message)
    assert "must be numeric" in wire.value.message


def _boosts(module, weight: str = "2.5") -> object:
    """Boost functions as pymilvus sends them: text weights, a random_score dict (JSON on the wire)."""
    def fn(name, **params):
        return module.Function(name=name, input_field_names=[], function_type=module.FunctionType.RERANK,
                               params={"reranker": "boost", **params})

    return module.FunctionScore(functions=[fn("a", weight=weight, filter="ts >= {low}"),
                                           fn("b", weight="0.5", random_score={"seed": 3, "field": "ts"})],
                                params={"boost_mode": "sum", "function_mode": "multiply"})


@pytest.mark.parametrize("weight", ["2.5", "bad"])
def test_search_with_boost_functions(coll, local_client, weight) -> None:
    import pgmilvus
    import pymilvus

    query = [[0.1, 0.5, 0.2, 0.9], [0.3, 0.3, 0.3, 0.3]]
    kwargs = {"limit": 6, "output_fields": ["ts"], "filter_params": {"low": 60}}
    if weight == "bad":
        with pytest.raises(MilvusException) as wire:
            coll.search(NAME, query, ranker=_boosts(pymilvus, weight), **kwargs)
        with pytest.raises(pgmilvus.MilvusException) as local:
            local_client.search(NAME, query, ranker=_boosts(pgmilvus, weight), **kwargs)
        assert (wire.value.code, wire.value.message) == (local.value.code, local.value.message)
        assert wire.value.code == 1100 and 'parsing "bad": invalid syntax' in wire.value.message
        return
    wire = coll.search(NAME, query, ranker=_boosts(pymilvus), **kwargs)
    local = local_client.search(NAME, query, ranker=_boosts(pgmilvus), **kwargs)
    plain = local_client.search(NAME, query, limit=6)
    assert [[(h["id"], round(h["distance"], 5), h["entity"]) for h in hits] for hits in wire] == \
           [[(h["id"], round(h["distance"], 5), h["entity"]) for h in hits] for hits in local]
    assert [h["id"] for h in wire[0]] != [h["id"] for h in plain[0]]


def _bad_schema(client, extra):
    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True, nullable=extra == "nullable-pk")
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=4)
    if extra == "array-1001":
        schema.add_field("a", DataType.ARRAY, element_type=1001, max_capacity=2)
    elif extra == "capacity-none":
        schema.add_field("a", DataType.ARRAY, element_type=DataType.INT64, max_capacity=None)
    elif extra == "int8-default-str":
        schema.add_field("i8", DataType.INT8, default_value="abc")
    elif extra == "11-vectors":
        for i in range(10):
            schema.add_field(f"v{i}", DataType.FLOAT_VECTOR, dim=4)
    elif extra == "string":
        schema.add_field("s", DataType.STRING)
    return schema


@pytest.mark.parametrize("extra, code, message", [
    ("nullable-pk", 1100, "primary field not support null, type:Int64, name:id: invalid parameter"),
    ("array-1001", 65535, "element type 1001 is not supported"),
    ("capacity-none", 65535, "the value for max_capacity of field a must be an integer"),
    ("int8-default-str", 1100, "type (Int8) of field (i8) is not equal to the type(DataType_VarChar) of default_value"),
    ("11-vectors", 65535, "maximum vector field's number should be limited to 10"),
    ("string", 65535, "string data type not supported yet, please use VarChar type instead"),
])
def test_create_collection_schema_checks_say_what_milvus_says(wire_client, local_client, extra, code,
                                                              message) -> None:
    """create_collection's schema checks (schema/model.py) answer over the wire as in process, in
    Milvus 2.6's words: pymilvus passes these schemas on unchecked."""
    from pgmilvus import MilvusException as LocalError

    with pytest.raises(MilvusException) as wire:
        wire_client.create_collection("bad", schema=_bad_schema(wire_client, extra))
    with pytest.raises(LocalError) as local:
        local_client.create_collection("bad", schema=_bad_schema(local_client, extra))
    assert message in wire.value.message and message in local.value.message
    assert wire.value.code == local.value.code == code
