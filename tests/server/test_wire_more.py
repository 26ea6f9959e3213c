"""Beyond the seed over the wire: databases, aliases, hybrid search, iterators, and more calls.

Each check compares pymilvus over ``pgmilvus serve`` with pgmilvus in-process
on the same database.
"""

from __future__ import annotations

import inspect
import json

import numpy as np
import pytest

pytest.importorskip("pymilvus")

from pymilvus import AnnSearchRequest, DataType, MilvusClient, MilvusException, RRFRanker, WeightedRanker  # noqa: E402

NAME = "more"
DIM = 4


@pytest.fixture
def two_vectors(wire_client):
    schema = wire_client.create_schema(auto_id=False, enable_dynamic_field=True)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=DIM)
    schema.add_field("other", DataType.FLOAT_VECTOR, dim=DIM)
    schema.add_field("tag", DataType.VARCHAR, max_length=16)
    index = wire_client.prepare_index_params()
    index.add_index("dense", index_type="FLAT", metric_type="L2")
    index.add_index("other", index_type="FLAT", metric_type="IP")
    wire_client.create_collection(NAME, schema=schema, index_params=index)
    rng = np.random.default_rng(3)
    rows = [{"id": i, "dense": rng.random(DIM).tolist(), "other": rng.random(DIM).tolist(), "tag": f"t{i % 3}"}
            for i in range(40)]
    wire_client.insert(NAME, rows)
    return wire_client


@pytest.mark.parametrize("ranker", [RRFRanker(), RRFRanker(10), WeightedRanker(0.3, 0.7)], ids=["rrf", "rrf10", "w"])
def test_hybrid_search_matches_in_process(two_vectors, local_client, ranker) -> None:
    import pgmilvus

    queries = [[0.1, 0.2, 0.3, 0.4], [0.9, 0.1, 0.5, 0.2]]

    def reqs(module):
        return [module.AnnSearchRequest(queries, "dense", {"metric_type": "L2"}, 10, expr="tag != 't1'"),
                module.AnnSearchRequest(queries, "other", {"metric_type": "IP"}, 8)]

    local_ranker = (pgmilvus.RRFRanker(ranker.dict()["params"]["k"]) if "k" in ranker.dict()["params"]
                    else pgmilvus.WeightedRanker(0.3, 0.7))
    import pymilvus

    wire = two_vectors.hybrid_search(NAME, reqs(pymilvus), ranker, limit=5, output_fields=["tag"])
    local = local_client.hybrid_search(NAME, reqs(pgmilvus), local_ranker, limit=5, output_fields=["tag"])
    assert [[(h["id"], round(h["distance"], 5), h["entity"]) for h in hits] for hits in wire] == \
           [[(h["id"], round(h["distance"], 5), h["entity"]) for h in hits] for hits in local]


@pytest.mark.parametrize("scorer", [None, "sum"])
def test_grouping_hybrid_search_matches_in_process(two_vectors, local_client, scorer) -> None:
    """group_by_field / group_size / rank_group_scorer travel in HybridSearch's rank_params."""
    import pgmilvus
    import pymilvus

    queries = [[0.1, 0.2, 0.3, 0.4]]
    extra = {"rank_group_scorer": scorer} if scorer else {}

    def run(client, module):
        reqs = [module.AnnSearchRequest(queries, "dense", {"metric_type": "L2"}, 3),
                module.AnnSearchRequest(queries, "other", {"metric_type": "IP"}, 3)]
        res = client.hybrid_search(NAME, reqs, module.RRFRanker(), limit=2, group_by_field="tag", group_size=2,
                                   output_fields=["tag"], **extra)
        return [[(h["id"], round(h["distance"], 5), h["entity"]) for h in hits] for hits in res]

    wire = run(two_vectors, pymilvus)
    assert wire == run(local_client, pgmilvus)
    assert len(wire[0]) == 4 and len({e["tag"] for _, _, e in wire[0]}) == 2


@pytest.mark.parametrize("field, kwargs", [
    ("tag", {}), ("color", {}), ("meta['n']", {"json_type": DataType.INT64}),
    ("meta", {"json_path": "meta['s']", "strict_cast": True}),
], ids=["varchar", "dynamic-key", "json-type", "json-path"])
def test_grouping_by_json_matches_in_process(two_vectors, local_client, field, kwargs) -> None:
    """json_path / json_type / strict_cast travel in search_params, as pymilvus sends them."""
    import pgmilvus

    two_vectors.create_collection("grp", schema=_json_schema(), index_params=_flat("v"))
    two_vectors.insert("grp", [{"id": i, "v": [float(i), 0.0], "tag": f"t{i % 3}", "color": f"c{i % 4}",
                                "meta": {"n": i % 5, "s": f"s{i % 2}"}} for i in range(20)])
    local_kwargs = {k: pgmilvus.DataType(int(v)) if k == "json_type" else v for k, v in kwargs.items()}
    wire = two_vectors.search("grp", [[0.0, 0.0]], limit=2, group_by_field=field, group_size=2, **kwargs)
    local = local_client.search("grp", [[0.0, 0.0]], limit=2, group_by_field=field, group_size=2, **local_kwargs)
    assert [h["id"] for h in wire[0]] == [h["id"] for h in local[0]]
    assert len(wire[0]) == 4
    from pymilvus import MilvusException

    with pytest.raises(MilvusException, match="failed to cast json value to int64_t"):
        two_vectors.search("grp", [[0.0, 0.0]], limit=2, group_by_field="meta['s']", json_type=DataType.INT64,
                           strict_cast=True)


def _json_schema():
    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=True)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("tag", DataType.VARCHAR, max_length=8)
    schema.add_field("meta", DataType.JSON)
    return schema


def _flat(field):
    index = MilvusClient.prepare_index_params()
    index.add_index(field, index_type="FLAT", metric_type="L2")
    return index


def test_a_query_naming_no_output_field_answers_the_key_alone(two_vectors, serve_address) -> None:
    """Milvus's proxy gives the primary key alone when no output field is named (the ORM's query);
    MilvusClient sends ``["*"]`` for none and gets every field."""
    from pymilvus import Collection, connections

    connections.connect("bare", uri=f"http://{serve_address}")
    try:
        two_vectors.load_collection(NAME)
        assert Collection(NAME, using="bare").query("id in [1, 2]") == [{"id": 1}, {"id": 2}]
        assert Collection(NAME, using="bare").query("id in [1]", output_fields=["tag"]) == [{"id": 1, "tag": "t1"}]
    finally:
        connections.disconnect("bare")
    assert set(two_vectors.query(NAME, "id in [1]")[0]) == {"id", "dense", "other", "tag"}


def test_loading_progress_checks_the_partitions_named(two_vectors, serve_address) -> None:
    """GetLoadingProgress: 100% once loaded; each named partition must exist (getPartitionProgress)."""
    from pymilvus import connections, utility

    connections.connect("progress", uri=f"http://{serve_address}")
    try:
        two_vectors.load_collection(NAME)
        assert utility.loading_progress(NAME, using="progress") == {"loading_progress": "100%"}
        assert utility.loading_progress(NAME, ["_default"], using="progress") == {"loading_progress": "100%"}
        for partitions in (["nope"], ["_default", "nope"]):
            with pytest.raises(MilvusException) as caught:
                utility.loading_progress(NAME, partitions, using="progress")
            assert (caught.value.code, caught.value.message) == (200, "partition not found[partition=nope]")
    finally:
        connections.disconnect("progress")


def test_search_by_ids_matches_in_process(two_vectors, local_client) -> None:
    """SearchRequest.ids (pymilvus's search(ids=...)) runs the keys' stored vectors."""
    kwargs = dict(anns_field="dense", limit=4, filter="tag != 't1'", output_fields=["tag"])
    wire = two_vectors.search(NAME, ids=[6, 3], **kwargs)
    local = local_client.search(NAME, ids=[6, 3], **kwargs)
    assert [[(h["id"], round(h["distance"], 5), h["entity"]) for h in hits] for hits in wire] == \
           [[(h["id"], round(h["distance"], 5), h["entity"]) for h in hits] for hits in local]
    assert wire[0][0]["id"] == 6 and wire[0][0]["distance"] == pytest.approx(0.0, abs=1e-6)
    from pymilvus import MilvusException

    with pytest.raises(MilvusException, match=r"missing IDs = \[99\]: invalid parameter"):
        two_vectors.search(NAME, ids=[7, 99], anns_field="dense")


def test_query_iterator_pages(two_vectors, local_client) -> None:
    it = two_vectors.query_iterator(NAME, batch_size=7, filter="id >= 3", output_fields=["tag"])
    pages = []
    while True:
        page = it.next()
        if not page:
            break
        pages.append([dict(r) for r in page])
    it.close()
    assert [len(p) for p in pages] == [7, 7, 7, 7, 7, 2]
    assert [r for p in pages for r in p] == local_client.query(NAME, filter="id >= 3", output_fields=["tag"],
                                                              limit=100)


def test_search_iterator_pages(two_vectors, local_client) -> None:
    it = two_vectors.search_iterator(NAME, data=[[0.5, 0.5, 0.5, 0.5]], anns_field="dense", batch_size=6,
                                     limit=20, search_params={"metric_type": "L2"})
    ids = []
    while True:
        page = it.next()
        if not page:
            break
        ids.extend(h["id"] for h in page)
    it.close()
    expected = local_client.search(NAME, [[0.5, 0.5, 0.5, 0.5]], anns_field="dense", limit=20,
                                   search_params={"metric_type": "L2"})[0]
    assert ids == [h["id"] for h in expected]


def test_search_iterator_is_pymilvus_s_v2_and_keeps_ties(wire_client) -> None:
    """pymilvus's SearchIteratorV2 (not its V1 fallback): pages follow the server's token, hits tied
    at a page's last distance are neither lost nor repeated, and external_filter_func works."""
    wire_client.create_collection("ties", dimension=2, metric_type="L2")
    wire_client.insert("ties", [{"id": i, "vector": [float(i // 3), 0.0]} for i in range(40)])  # ties of 3

    def pages(**kwargs):
        it = wire_client.search_iterator("ties", data=[[0.0, 0.0]], **kwargs)
        assert type(it).__name__ == "SearchIteratorV2"
        out = []
        while page := it.next():
            out.append([h["id"] for h in page])
        return out

    assert sum(pages(batch_size=4), []) == list(range(40))
    assert pages(batch_size=5, external_filter_func=lambda hits: [h for h in hits if h["id"] % 2 == 0]) == \
        [list(range(0, 10, 2)), list(range(10, 20, 2)), list(range(20, 30, 2)), list(range(30, 40, 2))]
    assert pages(batch_size=5, limit=7, search_params={"params": {"radius": 50.0}}) == [[0, 1, 2, 3, 4], [5, 6]]


def test_an_unknown_search_iterator_token_is_an_error(two_vectors, serve_address) -> None:
    import grpc
    from pymilvus.grpc_gen import common_pb2, milvus_pb2, milvus_pb2_grpc

    group = common_pb2.PlaceholderGroup(placeholders=[common_pb2.PlaceholderValue(
        tag="$0", type=common_pb2.FloatVector, values=[np.zeros(DIM, np.float32).tobytes()])])
    params = {"topk": "3", "anns_field": "dense", "search_iter_v2": "True", "search_iter_batch_size": "3",
              "search_iter_id": "pgm-gone", "search_iter_last_bound": "0.5"}
    with grpc.insecure_channel(serve_address) as channel:
        reply = milvus_pb2_grpc.MilvusServiceStub(channel).Search(milvus_pb2.SearchRequest(
            collection_name=NAME, placeholder_group=group.SerializeToString(), dsl_type=common_pb2.BoolExprV1,
            search_params=[common_pb2.KeyValuePair(key=k, value=v) for k, v in params.items()]))
    assert reply.status.code == 1100
    assert "search iterator pgm-gone is not known to this server" in reply.status.reason


@pytest.mark.parametrize("asked, listed", [(["tag", "color"], ["tag", "color"]), (["*"], ["tag", "$meta"]),
                                           (["$meta"], ["$meta"]), (['$meta["color"]'], ["color"])])
def test_results_list_dynamic_keys_by_name(two_vectors, serve_address, asked, listed) -> None:
    """``output_fields`` of a search or query result lists a dynamic key asked by name under that name,
    "$meta" only when every key was asked, as Milvus's proxy lists them (translateOutputFields'
    userOutputFields). The Java SDK builds a hit's entity from that list: with "$meta" listed in place
    of "color", its hits had {"$meta": {"color": ...}} instead of {"color": ...}."""
    import grpc
    from pymilvus.grpc_gen import common_pb2, milvus_pb2, milvus_pb2_grpc

    two_vectors.insert(NAME, [{"id": 99, "dense": [0.0] * DIM, "other": [0.0] * DIM, "tag": "t", "color": "red",
                               "size": 3}])
    group = common_pb2.PlaceholderGroup(placeholders=[common_pb2.PlaceholderValue(
        tag="$0", type=common_pb2.FloatVector, values=[np.zeros(DIM, np.float32).tobytes()])])
    with grpc.insecure_channel(serve_address) as channel:
        stub = milvus_pb2_grpc.MilvusServiceStub(channel)
        found = stub.Search(milvus_pb2.SearchRequest(
            collection_name=NAME, placeholder_group=group.SerializeToString(), dsl_type=common_pb2.BoolExprV1,
            dsl="id == 99", output_fields=asked, search_params=[
                common_pb2.KeyValuePair(key=k, value=v) for k, v in {"topk": "1", "anns_field": "dense"}.items()]))
        rows = stub.Query(milvus_pb2.QueryRequest(collection_name=NAME, expr="id == 99", output_fields=asked))
    assert (found.status.code, rows.status.code) == (0, 0)
    assert [n for n in found.results.output_fields if n in {"tag", "color", "$meta"}] == listed
    assert [n for n in rows.output_fields if n in {"tag", "color", "$meta"}] == listed
    meta = next(f for f in found.results.fields_data if f.is_dynamic)
    assert json.loads(meta.scalars.json_data.data[0]) == ({"color": "red"} if "color" in listed
                                                          else {"color": "red", "size": 3})


def test_collections_are_listed_and_compacted_as_java_asks(two_vectors, serve_address) -> None:
    """ShowCollections answers each collection's id, creation timestamps and shard number with its name,
    as Milvus 2.6's rootcoord does (the Java SDK's listCollectionsV2 reads ``shards_num``); the Java
    SDK's compact names the collection by ``collectionID`` alone, which Milvus's proxy accepts (it
    was refused: "collection name should not be empty")."""
    import grpc
    from pymilvus.grpc_gen import milvus_pb2, milvus_pb2_grpc

    with grpc.insecure_channel(serve_address) as channel:
        stub = milvus_pb2_grpc.MilvusServiceStub(channel)
        described = stub.DescribeCollection(milvus_pb2.DescribeCollectionRequest(collection_name=NAME))
        shown = stub.ShowCollections(milvus_pb2.ShowCollectionsRequest())
        compacted = stub.ManualCompaction(milvus_pb2.ManualCompactionRequest(collectionID=described.collectionID))
        unknown = stub.ManualCompaction(milvus_pb2.ManualCompactionRequest(collectionID=described.collectionID + 999))
    assert (list(shown.collection_names), list(shown.collection_ids), list(shown.shards_num)) == (
        [NAME], [described.collectionID], [1])
    assert list(shown.created_timestamps) == [described.created_timestamp]
    assert list(shown.created_utc_timestamps) == [described.created_utc_timestamp]
    assert (compacted.status.code, compacted.compactionID > 0) == (0, True)
    assert (unknown.status.code, unknown.status.reason) == (
        100, f"collection not found[collection={described.collectionID + 999}]")


def test_field_mmap_flags_travel_as_milvus_s_mmap_enabled(wire_client, local_client) -> None:
    """pymilvus sends a field's ``mmap_enabled`` as the type param ``mmap.enabled`` and reads it back
    from there: set at create time and by alter_collection_field, describe shows it both ways."""
    schema = wire_client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2, mmap_enabled=True)
    schema.add_field("t", DataType.VARCHAR, max_length=16, mmap_enabled=True)
    schema.add_field("j", DataType.JSON, mmap_enabled=False)
    wire_client.create_collection("mm", schema=schema)
    wire_client.alter_collection_field("mm", "t", field_params={"mmap.enabled": False})
    params = {f["name"]: f["params"] for f in wire_client.describe_collection("mm")["fields"]}
    assert params == {"id": {}, "v": {"dim": 2, "mmap_enabled": True}, "t": {"max_length": 16, "mmap_enabled": False},
                      "j": {"mmap_enabled": False}}
    assert params == {f["name"]: f["params"] for f in local_client.describe_collection("mm")["fields"]}


def test_partition_key_isolation_over_the_wire(wire_client) -> None:
    """The property travels in CreateCollection's properties; a search must name one key value."""
    from pymilvus import MilvusException

    schema = wire_client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("t", DataType.VARCHAR, max_length=8, is_partition_key=True)
    wire_client.create_collection("iso", schema=schema, properties={"partitionkey.isolation": "true"})
    wire_client.insert("iso", [{"id": i, "v": [float(i), 1.0], "t": f"t{i % 3}"} for i in range(12)])
    assert {h["t"] for h in wire_client.search("iso", [[1.0, 1.0]], filter='t == "t2"', limit=3,
                                                output_fields=["t"])[0]} == {"t2"}
    with pytest.raises(MilvusException) as info:
        wire_client.search("iso", [[1.0, 1.0]], filter='t in ["t2"]', limit=3)
    assert (info.value.code, info.value.message) == (65535, "partition key isolation does not support IN")


def test_databases_and_aliases(wire_client, serve_address, local_client) -> None:
    wire_client.create_database("analytics", properties={"database.replica.number": 1})
    assert set(wire_client.list_databases()) == set(local_client.list_databases()) == {"default", "analytics"}
    assert wire_client.describe_database("analytics")["name"] == "analytics"
    wire_client.alter_database_properties("analytics", {"k": "v"})
    assert local_client.describe_database("analytics")["k"] == "v"
    other = MilvusClient(uri=f"http://{serve_address}", db_name="analytics")
    try:
        other.create_collection("in_db", dimension=3)
        other.insert("in_db", [{"id": 1, "vector": [1, 2, 3]}])
        assert other.list_collections() == ["in_db"] and "in_db" not in wire_client.list_collections()
        other.create_alias("in_db", "nick")
        assert other.describe_alias("nick")["collection_name"] == "in_db"
        assert other.list_aliases()["aliases"] == ["nick"]
        assert other.query("nick", filter="id > 0", output_fields=["id"]) == [{"id": 1}]
        other.create_collection("second", dimension=3)
        other.alter_alias("second", "nick")
        assert other.describe_alias("nick")["collection_name"] == "second"
        other.drop_alias("nick")
        assert other.list_aliases()["aliases"] == []
        other.rename_collection("second", "renamed")
        assert sorted(other.list_collections()) == ["in_db", "renamed"]
        other.drop_collection("in_db")
        other.drop_collection("renamed")
    finally:
        other.close()
    wire_client.drop_database("analytics")
    assert wire_client.list_databases() == ["default"]


def test_partition_calls_compaction_and_properties(two_vectors, local_client) -> None:
    two_vectors.create_partition(NAME, "p")
    two_vectors.insert(NAME, [{"id": 100, "dense": [0] * DIM, "other": [1] * DIM, "tag": "p"}], partition_name="p")
    assert two_vectors.get_partition_stats(NAME, "p") == local_client.get_partition_stats(NAME, "p") == {"row_count": 1}
    two_vectors.release_collection(NAME)
    two_vectors.load_partitions(NAME, ["p"])
    assert str(two_vectors.get_load_state(NAME, partition_name="p")["state"]) == "Loaded"
    two_vectors.release_partitions(NAME, ["p"])
    assert str(local_client.get_load_state(NAME, partition_name="p")["state"]) == "NotLoad"
    job = two_vectors.compact(NAME)
    assert two_vectors.get_compaction_state(job) == "Completed"
    if "target_size" in inspect.signature(two_vectors.compact).parameters:  # pymilvus 3
        with pytest.raises(MilvusException) as err:
            two_vectors.compact(NAME, target_size=1000)
        assert (err.value.code, err.value.message) == (
            1100, "targetSize 1000 MB should be greater than or equal to configMaxSize 1024 MB: invalid parameter")
        assert two_vectors.compact(NAME, target_size=1, target_size_unit="gb") > 0
    two_vectors.alter_collection_properties(NAME, {"collection.ttl.seconds": 60})
    assert local_client.describe_collection(NAME)["properties"] == {"timezone": "UTC", "collection.ttl.seconds": "60"}
    two_vectors.drop_collection_properties(NAME, ["collection.ttl.seconds"])
    assert local_client.describe_collection(NAME)["properties"] == {"timezone": "UTC"}
    two_vectors.truncate_collection(NAME)
    assert local_client.query(NAME, output_fields=["count(*)"])[0]["count(*)"] == 0


def test_compaction_plans_over_the_wire(two_vectors, local_client) -> None:
    """A flushed segment that lost half its rows is rewritten by compact(): the job's plan (its
    source, its new target) reads the same over the wire as in process, and the state counts it."""
    two_vectors.flush(NAME)
    [sealed] = [s.segment_id for s in local_client.list_persistent_segments(NAME)]
    two_vectors.delete(NAME, filter="id < 20")
    job = two_vectors.compact(NAME)
    local = local_client.get_compaction_plans(job)
    [plan] = local.plans
    assert plan.sources == [sealed] and [s.segment_id for s in local_client.list_persistent_segments(NAME)] \
        == [plan.target]
    wire = two_vectors.get_compaction_plans(job)
    assert [(p.sources, p.target) for p in wire.plans] == [(plan.sources, plan.target)]
    if hasattr(two_vectors, "list_compaction_tasks"):  # pymilvus 3: every field as in process
        assert repr(wire) == repr(local)
        assert repr(two_vectors.list_compaction_tasks(NAME)) == repr(local_client.list_compaction_tasks(NAME))
    assert two_vectors.get_compaction_plans(job + 1).plans == []


def test_segments_are_listed_over_the_wire(two_vectors, local_client) -> None:
    flushed, growing = 4, 2   # Milvus's SegmentState numbers (pymilvus 2.6 keeps them as ints)
    two_vectors.flush(NAME)
    wire = two_vectors.list_persistent_segments(NAME)
    local = local_client.list_persistent_segments(NAME)
    assert [(s.segment_id, s.num_rows, int(s.state), s.collection_id) for s in wire] \
        == [(s.segment_id, s.num_rows, int(s.state), s.collection_id) for s in local]
    assert sum(s.num_rows for s in wire) == 40 and {int(s.state) for s in wire} == {flushed}
    assert {s.level for s in wire} == {s.level for s in local} == {2}  # L1, as datacoord allocates them
    loaded = two_vectors.list_loaded_segments(NAME)
    assert [(s.segment_id, s.index_name, list(s.node_ids)) for s in loaded] \
        == [(s.segment_id, "dense", [1]) for s in wire]
    if "states" in inspect.signature(two_vectors.list_persistent_segments).parameters:  # pymilvus 3
        from pymilvus.client.types import SegmentState

        listed = two_vectors.list_persistent_segments(NAME, states=[SegmentState.Growing])
        assert [int(s.state) for s in listed] == [growing]


def test_shard_leader_has_an_address(two_vectors, serve_address, local_client) -> None:
    """GetReplicas names each shard leader's address (pymilvus drops it; the Java SDK's
    ShardReplica.getLeaderAddress hands it out): the query node's, as describe_resource_group gives."""
    import grpc
    from pymilvus.grpc_gen import milvus_pb2, milvus_pb2_grpc

    with grpc.insecure_channel(serve_address) as channel:
        reply = milvus_pb2_grpc.MilvusServiceStub(channel).GetReplicas(
            milvus_pb2.GetReplicasRequest(collection_name=NAME))
    [node] = local_client.describe_resource_group("__default_resource_group").nodes
    assert reply.status.code == 0
    assert [s.leader_addr for r in reply.replicas for s in r.shard_replicas] == [node["address"]]
    assert node["address"]


def test_drop_index_naming_no_index_over_the_wire(two_vectors, local_client) -> None:
    """DropIndex with an empty index name (the Java v1 SDK's default): datacoord's rule, in the core."""
    two_vectors.release_collection(NAME)
    with pytest.raises(MilvusException) as err:
        two_vectors.drop_index(NAME, "")
    assert (err.value.code, err.value.message) == (702, "index duplicates[indexName=]")
    two_vectors.drop_index(NAME, "other")
    two_vectors.drop_index(NAME, "")
    assert local_client.list_indexes(NAME) == []


def test_describe_replica_over_the_wire(two_vectors, local_client) -> None:
    """pymilvus names the collection of GetReplicas by id: the one replica pgmilvus describes in process."""
    def shape(replicas):
        return [(r.id, sorted((s.channel_name, s.shard_leader, tuple(sorted(s.shard_nodes))) for s in r.shards),
                 tuple(r.group_nodes), r.resource_group) for r in replicas]

    assert shape(two_vectors.describe_replica(NAME)) == shape(local_client.describe_replica(NAME))
    two_vectors.release_collection(NAME)
    assert two_vectors.describe_replica(NAME) == local_client.describe_replica(NAME) == []  # as master
    assert two_vectors.list_resource_groups() == local_client.list_resource_groups() == ["__default_resource_group"]


GEO_ROWS = [{"id": 1, "v": [0.0, 0.0], "g": "point(1 2)", "d": "MULTIPOINT((1 2),(3 4))"},
            {"id": 2, "v": [0.0, 1.0], "g": None},
            {"id": 3, "v": [1.0, 1.0], "g": "GEOMETRYCOLLECTION(POINT(1 2 3))", "d": None}]


@pytest.fixture
def geometry(wire_client):
    schema = wire_client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("g", DataType.GEOMETRY, nullable=True)
    schema.add_field("d", DataType.GEOMETRY, default_value="POINT(0 0)")
    index = wire_client.prepare_index_params()
    index.add_index("v", index_type="FLAT", metric_type="L2")
    index.add_index("g", index_type="RTREE")
    wire_client.create_collection("geo", schema=schema, index_params=index)
    wire_client.insert("geo", GEO_ROWS)
    return wire_client


def test_geometry_reads_match_in_process(geometry, local_client) -> None:
    """pymilvus sends geometry_wkt_data and reads geometry_wkt_data back, as with Milvus 2.6."""
    for client in (geometry, local_client):
        rows = client.query("geo", "id > 0", output_fields=["g", "d"])
        assert {r["id"]: (r["g"], r["d"]) for r in rows} == {
            1: ("POINT (1 2)", "MULTIPOINT (1 2, 3 4)"), 2: (None, "POINT (0 0)"),
            3: ("GEOMETRYCOLLECTION Z (POINT Z (1 2 3))", "POINT (0 0)")}
        assert [r["id"] for r in client.query("geo", "g is null")] == [2]
        hits = client.search("geo", [[0.0, 0.0]], limit=3, output_fields=["g"])[0]
        assert [(h["id"], h["entity"]["g"]) for h in hits] == [(1, "POINT (1 2)"), (2, None),
                                                                (3, "GEOMETRYCOLLECTION Z (POINT Z (1 2 3))")]
        fields = {f["name"]: f for f in client.describe_collection("geo")["fields"]}
        default = fields["d"]["default_value"]  # pymilvus shows the wire's ValueField as is
        assert fields["g"]["type"] == DataType.GEOMETRY and getattr(default, "string_data", default) == "POINT(0 0)"
        assert client.describe_index("geo", "g")["index_type"] == "RTREE"


def test_spatial_filters_match_in_process(geometry, local_client) -> None:
    """ST_* filters (filters/spatial.py) in query, search, template, iterator and delete over the wire."""
    square = "POLYGON ((-1 -1, 3 -1, 3 3, -1 3, -1 -1))"
    for client in (geometry, local_client):
        assert [r["id"] for r in client.query("geo", f"ST_WITHIN(g, '{square}')")] == [1, 3]
        assert [r["id"] for r in client.query("geo", f"not ST_WITHIN(d, '{square}')")] == [1]
        assert [r["id"] for r in client.query("geo", "ST_CONTAINS(d, {p})", filter_params={"p": "POINT (3 4)"})] == [1]
        hits = client.search("geo", [[0.0, 0.0]], limit=3, filter="ST_DWITHIN(g, 'POINT (1 2)', 10) or g is null")
        assert [h["id"] for h in hits[0]] == [1, 2, 3]
        pages = client.query_iterator("geo", batch_size=1, filter="ST_EQUALS(d, 'POINT (0 0)')")
        assert [r["id"] for r in pages.next() + pages.next() + pages.next()] == [2, 3]
        pages.close()
    assert geometry.delete("geo", filter="ST_ISVALID(g)")["delete_count"] == 2
    assert [r["id"] for r in local_client.query("geo", "id > 0")] == [2]


@pytest.mark.parametrize("call,code,text", [
    (lambda c: c.insert("geo", [{"id": 9, "v": [0.0, 0.0], "g": "POINT ()"}]), 1001,
     "IO failed: syntax error: unexpected ')', expecting NUM at line 1, pos 7"),
    (lambda c: c.query("geo", 'ST_CONTAINS(d, 5)'), 1100, "WKT string should be a string literal or template"),
    (lambda c: c.query("geo", 'ST_DWITHIN(g, "POINT (1 2)", -1)'), 1100, "distance parameter must be non-negative"),
])
def test_geometry_errors_match_in_process(geometry, local_client, call, code, text) -> None:
    from pymilvus import MilvusException as WireError

    import pgmilvus

    with pytest.raises(WireError) as wire:
        call(geometry)
    with pytest.raises(pgmilvus.MilvusException) as local:
        call(local_client)
    assert (wire.value.code, wire.value.message) == (local.value.code, local.value.message)
    assert local.value.code == code and text in local.value.message


def test_vector_columns_without_a_vector(wire_client, local_client) -> None:
    """pymilvus sends a vector field whose rows are all None as a column with no vector: nulls in a
    nullable field, Milvus's "array type mismatch" in a field that is not."""
    schema = MilvusClient.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("w", DataType.FLOAT_VECTOR, dim=2, nullable=True)
    wire_client.create_collection("nulls", schema=schema)
    wire_client.insert("nulls", [{"id": i, "v": [1.0, float(i)], "w": None} for i in range(3)])
    assert [r["w"] for r in local_client.query("nulls", filter="id >= 0", output_fields=["w"])] == [None] * 3
    from pymilvus import MilvusException

    with pytest.raises(MilvusException, match=r"float vector field 'v' is illegal, array type mismatch: invalid "
                                              r"parameter\[expected=need float vector\]\[actual=got nil\]"):
        wire_client.insert("nulls", [{"id": 9, "v": None, "w": [1.0, 2.0]}])


def test_collection_ttl_hides_expired_entities_over_the_wire(wire_client, serve_dsn) -> None:
    """``collection.ttl.seconds`` (catalog/ttl.py) over the wire: rows whose write time is older than
    the TTL are gone from query, count(*), get, search and hybrid search, and back when it grows."""
    import psycopg

    wire_client.create_collection(NAME, dimension=DIM, metric_type="L2",
                                  properties={"collection.ttl.seconds": 100})
    wire_client.insert(NAME, [{"id": i, "vector": [1.0, float(i), 0.0, 0.5]} for i in range(6)])
    with psycopg.connect(serve_dsn, autocommit=True) as conn:  # rows 0..2 written 101 s ago
        conn.execute('UPDATE "default".more SET "$ts" = "$ts" - interval \'101 seconds\' WHERE id < 3')
    live = [3, 4, 5]
    query = [r["id"] for r in wire_client.query(NAME, filter="id >= 0")]
    count = wire_client.query(NAME, output_fields=["count(*)"])[0]["count(*)"]
    got = [r["id"] for r in wire_client.get(NAME, ids=[0, 1, 2, 3, 4, 5])]
    search = sorted(h["id"] for h in wire_client.search(NAME, data=[[1.0, 0.0, 0.0, 0.5]], limit=6)[0])
    hybrid = sorted(h["id"] for h in wire_client.hybrid_search(
        NAME, [AnnSearchRequest([[1.0, 0.0, 0.0, 0.5]], "vector", {}, 6)], RRFRanker(), limit=6)[0])
    assert (sorted(query), count, sorted(got), search, hybrid) == (live, 3, live, live, live)
    assert wire_client.insert(NAME, [{"id": 0, "vector": [0.0] * DIM}])["insert_count"] == 1  # expired: free
    wire_client.alter_collection_properties(NAME, {"collection.ttl.seconds": 1000})
    assert wire_client.query(NAME, output_fields=["count(*)"])[0]["count(*)"] == 6
    assert wire_client.describe_collection(NAME)["properties"]["collection.ttl.seconds"] == "1000"
    with pytest.raises(Exception) as info:
        wire_client.alter_collection_properties(NAME, {"collection.ttl.seconds": "abc"})
    assert (info.value.code, info.value.message) == (
        1100, "collection TTL is not a valid positive integer: invalid parameter")


def test_field_warmup_travels_as_a_type_param(wire_client) -> None:
    """pymilvus puts add_field(warmup=...) among the field's type_params; describe shows it back."""
    schema = MilvusClient.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2, warmup="sync")
    wire_client.create_collection("warm", schema=schema)
    assert [f["params"].get("warmup") for f in wire_client.describe_collection("warm")["fields"]] == [None, "sync"]
    from pymilvus import MilvusException

    bad = MilvusClient.create_schema(auto_id=False)
    bad.add_field("id", DataType.INT64, is_primary=True)
    bad.add_field("v", DataType.FLOAT_VECTOR, dim=2, warmup="Sync")
    with pytest.raises(MilvusException, match="invalid warmup policy for field v: invalid warmup policy: Sync"):
        wire_client.create_collection("warm2", schema=bad)


def test_field_ops_travel_in_upsert_requests(wire_client, local_client) -> None:
    """pymilvus's FieldOp.array_append() / array_remove() (UpsertRequest.field_ops) merge arrays."""
    from pymilvus import FieldOp, MilvusException

    schema = MilvusClient.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("tags", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=3, max_length=8)
    wire_client.create_collection("ops", schema=schema)
    wire_client.insert("ops", [{"id": 1, "v": [1.0, 0.0], "tags": ["a", "b"]}])
    wire_client.upsert("ops", [{"id": 1, "tags": ["c"]}], field_ops={"tags": FieldOp.array_append()})
    wire_client.upsert("ops", [{"id": 1, "tags": ["a"]}], field_ops={"tags": FieldOp.array_remove()})
    assert local_client.get("ops", ids=[1], output_fields=["tags"])[0]["tags"] == ["b", "c"]
    with pytest.raises(MilvusException, match="array length 4 exceeds max_capacity 3"):
        wire_client.upsert("ops", [{"id": 1, "tags": ["x", "y"]}], field_ops={"tags": "array_append"})


def test_flush_all_over_the_wire(two_vectors, local_client) -> None:
    """pymilvus's flush_all (FlushAll, then GetFlushAllState until flushed) seals and indexes."""
    two_vectors.flush_all(timeout=60)
    index = local_client.describe_index(NAME, "dense")
    assert (index["indexed_rows"], index["pending_index_rows"]) == (40, 0)


def test_user_and_role_descriptions(wire_client) -> None:
    """pymilvus 3's update_user (UpdateCredential with a description) and alter_role (AlterRole)."""
    import uuid

    from pymilvus import MilvusException

    user, role = f"u_{uuid.uuid4().hex[:8]}", f"r_{uuid.uuid4().hex[:8]}"
    wire_client.create_user(user, "Passw0rd!", description="first")
    wire_client.create_role(role, description="readers")
    try:
        wire_client.update_user(user, "second")
        wire_client.alter_role(role, "writers")
        assert wire_client.describe_user(user)["description"] == "second"
        assert wire_client.describe_role(role)["description"] == "writers"
        with pytest.raises(MilvusException) as err:
            wire_client.alter_role("public", "x")
        assert err.value.code == 1401 and "default role" in err.value.message
    finally:
        wire_client.drop_user(user)
        wire_client.drop_role(role)


@pytest.mark.parametrize("dtype", [DataType.FLOAT_VECTOR, DataType.FLOAT16_VECTOR])
def test_vectors_wider_than_pgvectors_columns_over_the_wire(wire_client, local_client, dtype) -> None:
    """32,768 dims (Milvus's largest; stored in pieces, tests/test_wide_vectors.py): the quick
    path's AUTOINDEX, inserts, searches and reads through pymilvus as in process."""
    name = f"widest_{dtype.name.lower()}"   # pymilvus caches a collection's schema by name
    schema = wire_client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", dtype, dim=32768)
    index = wire_client.prepare_index_params()
    index.add_index("v", metric_type="COSINE")
    wire_client.create_collection(name, schema=schema, index_params=index)
    data = np.random.default_rng(5).random((6, 32768)).astype(np.float32 if dtype == DataType.FLOAT_VECTOR
                                                                    else np.float16)
    assert wire_client.insert(name, [{"id": i, "v": v} for i, v in enumerate(data)])["insert_count"] == 6
    wire = wire_client.search(name, list(data[[2, 4]]), limit=3)
    local = local_client.search(name, data[[2, 4]], limit=3)
    assert [[(h["id"], round(h["distance"], 5)) for h in hits] for hits in wire] == \
        [[(h["id"], round(h["distance"], 5)) for h in hits] for hits in local]
    assert [hits[0]["id"] for hits in wire] == [2, 4]
    got = wire_client.get(name, ids=[3], output_fields=["v"])[0]["v"]
    assert np.array_equal(np.asarray(got if dtype == DataType.FLOAT_VECTOR else np.frombuffer(got[0], "<f2")),
                          data[3])
