"""Answers pymilvus does not read but the Node SDK (and Attu on it) does.

The Node SDK builds each hit from ``SearchResultData.output_fields``, sizes
every page of its search iterator with that page's own request, lists
collections with the ids and creation times of ShowCollections and asks
GetIndexStatistics; these checks send the requests it sends, over raw gRPC, to
``pgmilvus serve``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

DataType = pytest.importorskip("pymilvus").DataType

NAME = "answers"


@pytest.fixture
def colored(wire_client):
    """Ten rows [i, 0] (L2: hit i is the i-th nearest to [0, 0]) with a dynamic key color."""
    wire_client.create_collection(NAME, dimension=2, metric_type="L2", enable_dynamic_field=True)
    wire_client.insert(NAME, [{"id": i, "vector": [float(i), 0.0], "color": f"c{i}", "n": i} for i in range(10)])
    return wire_client


def _search(address: str, output_fields: list[str], **params: str) -> Any:
    """One raw Search of [0, 0] with these search_params (strings, as the SDKs send them)."""
    import grpc
    from pymilvus.grpc_gen import common_pb2, milvus_pb2, milvus_pb2_grpc

    group = common_pb2.PlaceholderGroup(placeholders=[common_pb2.PlaceholderValue(
        tag="$0", type=common_pb2.FloatVector, values=[np.zeros(2, np.float32).tobytes()])])
    params = {"anns_field": "vector", **params}
    with grpc.insecure_channel(address) as channel:
        reply = milvus_pb2_grpc.MilvusServiceStub(channel).Search(milvus_pb2.SearchRequest(
            collection_name=NAME, placeholder_group=group.SerializeToString(), dsl_type=common_pb2.BoolExprV1,
            output_fields=output_fields, nq=1,
            search_params=[common_pb2.KeyValuePair(key=k, value=v) for k, v in params.items()]))
    assert reply.status.code == 0, reply.status.reason
    return reply


def test_grouping_search_answers_its_group_values(colored, serve_address) -> None:
    """Milvus's proxy: each hit's group value in ``group_by_field_value`` for a request naming
    ``group_by_field`` only (the Go SDK reads it for ResultSet.GroupByValue), in
    ``group_by_field_values`` for ``group_by_fields``."""
    legacy = _search(serve_address, [], topk="3", group_by_field="id").results
    assert (legacy.group_by_field_value.field_name, list(legacy.group_by_field_value.scalars.long_data.data),
            len(legacy.group_by_field_values)) == ("id", [0, 1, 2], 0)
    plural = _search(serve_address, [], topk="2", group_by_fields="color").results
    [values] = plural.group_by_field_values
    assert (values.field_name, list(values.scalars.json_data.data)) == ("$meta", [b'"c0"', b'"c1"'])
    assert not plural.HasField("group_by_field_value")
    plain = _search(serve_address, [], topk="2").results
    assert not plain.HasField("group_by_field_value") and not plain.group_by_field_values


def test_search_lists_a_dynamic_key_by_its_name(colored, serve_address) -> None:
    """Milvus's proxy answers its userOutputFields: ``color`` itself, ``$meta`` only for ``*``;
    the Node SDK reads a listed name with no column of its own from ``$meta``."""
    named = _search(serve_address, ["color"], topk="2")
    assert list(named.results.output_fields) == ["color"]
    assert [f.field_name for f in named.results.fields_data] == ["$meta"]
    every = _search(serve_address, ["*"], topk="2")
    assert set(every.results.output_fields) == {"id", "vector", "$meta"}
    hits = colored.search(NAME, [[0.0, 0.0]], limit=2, output_fields=["color"])[0]
    assert [h["entity"] for h in hits] == [{"color": "c0"}, {"color": "c1"}]  # pymilvus: unchanged
    hits = colored.search(NAME, [[0.0, 0.0]], limit=1, output_fields=["*"])[0]
    assert hits[0]["entity"] == {"id": 0, "vector": [0.0, 0.0], "color": "c0", "n": 0}


def test_a_search_iterator_page_is_sized_by_its_own_request(colored, serve_address) -> None:
    """Milvus takes each page's size from that request's search_iter_batch_size; the Node SDK
    shrinks the last page to what its limit leaves (limit 5, pages of 3: then 2)."""
    first = _search(serve_address, [], topk="3", search_iter_v2="True", search_iter_batch_size="3")
    token = first.results.search_iterator_v2_results.token
    bound = first.results.search_iterator_v2_results.last_bound
    last = _search(serve_address, [], topk="2", search_iter_v2="True", search_iter_batch_size="2",
                   search_iter_id=token, search_iter_last_bound=str(bound))
    assert (list(first.results.ids.int_id.data), list(last.results.ids.int_id.data)) == ([0, 1, 2], [3, 4])


def test_show_collections_gives_ids_and_creation_times(colored, local_client, serve_address) -> None:
    """As Milvus's rootcoord: ids and created (hybrid and UTC milliseconds) timestamps with the
    names; the InMemory type lists loaded collections only, 100% loaded."""
    import grpc
    from pymilvus.grpc_gen import milvus_pb2, milvus_pb2_grpc

    colored.create_collection("cold", dimension=2)
    colored.release_collection("cold")
    with grpc.insecure_channel(serve_address) as channel:
        stub = milvus_pb2_grpc.MilvusServiceStub(channel)
        every = stub.ShowCollections(milvus_pb2.ShowCollectionsRequest())
        loaded = stub.ShowCollections(milvus_pb2.ShowCollectionsRequest(type=milvus_pb2.InMemory))
    described = {n: local_client.describe_collection(n) for n in (NAME, "cold")}
    assert list(every.collection_names) == [NAME, "cold"]
    assert list(every.collection_ids) == [described[n]["collection_id"] for n in every.collection_names]
    assert list(every.created_timestamps) == [described[n]["created_timestamp"] for n in every.collection_names]
    assert list(every.created_utc_timestamps) == [t >> 18 for t in every.created_timestamps]
    assert not every.inMemory_percentages
    assert (list(loaded.collection_names), list(loaded.inMemory_percentages), list(loaded.query_service_available)) \
        == ([NAME], [100], [True])


def _stub(channel: Any) -> Any:
    from pymilvus.grpc_gen import milvus_pb2_grpc

    return milvus_pb2_grpc.MilvusServiceStub(channel)


def test_partition_ids_are_stable_whatever_the_request_names(colored, serve_address) -> None:
    """Milvus's partition ids are rootcoord's: a partition keeps its id when the request filters by
    name or another partition is dropped, and a new one never takes a dropped one's; segments name
    their partition by it."""
    import grpc
    from pymilvus.grpc_gen import milvus_pb2

    for name in ("p1", "p2", "p3"):
        colored.create_partition(NAME, name)
    colored.insert(NAME, [{"id": 100, "vector": [0.5, 0.5]}], partition_name="p3")
    colored.flush(NAME)

    def show(*names: str) -> dict[str, tuple[int, int, int]]:
        reply = stub.ShowPartitions(milvus_pb2.ShowPartitionsRequest(collection_name=NAME, partition_names=names))
        assert reply.status.code == 0, reply.status.reason
        return {n: (i, c, u) for n, i, c, u in zip(reply.partition_names, reply.partitionIDs,
                                                   reply.created_timestamps, reply.created_utc_timestamps)}

    with grpc.insecure_channel(serve_address) as channel:
        stub = _stub(channel)
        every = show()
        assert list(every) == ["_default", "p1", "p2", "p3"]
        ids = {n: shown[0] for n, shown in every.items()}
        assert len(set(ids.values())) == 4 and all(i > 0 for i in ids.values())
        assert all(created >> 18 == utc > 0 for _, created, utc in every.values())
        assert show("p3") == {"p3": every["p3"]}
        colored.release_partitions(NAME, ["p2"])
        colored.drop_partition(NAME, "p2")
        colored.create_partition(NAME, "p4")
        again = show()
        assert {n: again[n] for n in ("_default", "p1", "p3")} == {n: every[n] for n in ("_default", "p1", "p3")}
        assert again["p4"][0] not in ids.values()
        segments = stub.GetPersistentSegmentInfo(milvus_pb2.GetPersistentSegmentInfoRequest(collectionName=NAME))
    by_id = {i: n for n, (i, _, _) in again.items()}
    assert {by_id[s.partitionID] for s in segments.infos if s.num_rows} >= {"_default", "p3"}


def test_show_partitions_in_memory_lists_the_loaded_ones(colored, serve_address) -> None:
    """ShowPartitions of type InMemory (the Node SDK's ``showPartitions({type: Loaded})``) answers
    querycoord's loaded partitions with their percentages; a named one not loaded is 201."""
    import grpc
    from pymilvus.grpc_gen import milvus_pb2

    colored.create_partition(NAME, "hot")
    colored.create_partition(NAME, "cold")
    colored.release_collection(NAME)
    colored.load_partitions(NAME, ["hot"])
    with grpc.insecure_channel(serve_address) as channel:
        stub = _stub(channel)

        def show(*names: str) -> Any:
            return stub.ShowPartitions(milvus_pb2.ShowPartitionsRequest(
                collection_name=NAME, partition_names=names, type=milvus_pb2.ShowType.InMemory))

        loaded = show()
        assert (list(loaded.partition_names), list(loaded.inMemory_percentages)) == (["hot"], [100])
        every = stub.ShowPartitions(milvus_pb2.ShowPartitionsRequest(collection_name=NAME))
        assert list(every.partition_names) == ["_default", "hot", "cold"]
        refused = show("hot", "cold").status
        cold_id = every.partitionIDs[2]
        assert (refused.code, refused.reason) == (201, f"partition not loaded[partition={cold_id}]")


def test_load_balance_answers_as_milvus(colored, serve_address) -> None:
    """The Node SDK's loadBalance: a request naming no collection is 100 (CollectionNotExists), one on
    the one node succeeds (UNIMPLEMENTED would read as success in that SDK)."""
    import grpc
    from pymilvus.grpc_gen import milvus_pb2

    with grpc.insecure_channel(serve_address) as channel:
        stub = _stub(channel)
        nameless = stub.LoadBalance(milvus_pb2.LoadBalanceRequest(src_nodeID=1))
        assert (nameless.code, nameless.error_code) == (100, 4)  # 4: legacy CollectionNotExists
        done = stub.LoadBalance(milvus_pb2.LoadBalanceRequest(collectionName=NAME, src_nodeID=1))
        assert done.code == 0, done.reason
        wrong = stub.LoadBalance(milvus_pb2.LoadBalanceRequest(collectionName=NAME, src_nodeID=9))
        assert wrong.code == 901 and wrong.reason.endswith("node not found[node=9]")


def test_databases_and_indexes_have_ids_of_their_own(colored, serve_address) -> None:
    """rootcoord's database ids (the default database's is 1) and datacoord's index ids: stable,
    unique, and DescribeDatabase / DescribeIndex give the ids the lists give."""
    import grpc
    from pymilvus.grpc_gen import milvus_pb2

    colored.create_database("ids_a")
    colored.create_database("ids_b")
    try:
        with grpc.insecure_channel(serve_address) as channel:
            stub = _stub(channel)
            listed = stub.ListDatabases(milvus_pb2.ListDatabasesRequest())
            ids = dict(zip(listed.db_names, listed.db_ids))
            assert ids["default"] == 1 and len(set(ids.values())) == len(ids)
            assert all(t > 10 ** 18 for t in listed.created_timestamp)  # nanoseconds, as rootcoord keeps them
            described = stub.DescribeDatabase(milvus_pb2.DescribeDatabaseRequest(db_name="ids_b"))
            assert (described.dbID, described.created_timestamp) == (
                ids["ids_b"], dict(zip(listed.db_names, listed.created_timestamp))["ids_b"])
            colored.drop_database("ids_a")
            after = stub.ListDatabases(milvus_pb2.ListDatabasesRequest())
            assert dict(zip(after.db_names, after.db_ids))["ids_b"] == ids["ids_b"]

            schema = colored.create_schema()
            schema.add_field("id", DataType.INT64, is_primary=True)
            schema.add_field("vector", DataType.FLOAT_VECTOR, dim=2)
            schema.add_field("n", DataType.INT64)
            colored.create_collection("ids_c", schema=schema, index_params=_index("vector", "n"))
            first = _index_ids(stub, "ids_c")
            assert len(first) == 2 and 0 not in first.values() and len(set(first.values())) == 2
            colored.drop_index("ids_c", "n")
            colored.create_index("ids_c", _index("n"))
            second = _index_ids(stub, "ids_c")
            assert second["vector"] == first["vector"] and second["n"] not in first.values()
    finally:
        colored.drop_database("ids_b")


def _index(*fields: str) -> Any:
    from pymilvus import MilvusClient

    params = MilvusClient.prepare_index_params()
    for field in fields:
        params.add_index(field, index_name=field, index_type="AUTOINDEX",
                         **({"metric_type": "L2"} if field == "vector" else {}))
    return params


def _index_ids(stub: Any, collection: str) -> dict[str, int]:
    from pymilvus.grpc_gen import milvus_pb2

    reply = stub.DescribeIndex(milvus_pb2.DescribeIndexRequest(collection_name=collection))
    assert reply.status.code == 0, reply.status.reason
    return {d.index_name: d.indexID for d in reply.index_descriptions}


def test_index_statistics_describe_the_named_index(colored, serve_address) -> None:
    """datacoord's GetIndexStatistics: DescribeIndex's descriptions, an unknown name 700 naming it."""
    import grpc
    from pymilvus.grpc_gen import milvus_pb2, milvus_pb2_grpc

    with grpc.insecure_channel(serve_address) as channel:
        stub = milvus_pb2_grpc.MilvusServiceStub(channel)
        found = stub.GetIndexStatistics(milvus_pb2.GetIndexStatisticsRequest(collection_name=NAME))
        described = stub.DescribeIndex(milvus_pb2.DescribeIndexRequest(collection_name=NAME))
        missing = stub.GetIndexStatistics(milvus_pb2.GetIndexStatisticsRequest(collection_name=NAME,
                                                                               index_name="nope"))
    assert found.status.code == 0
    assert list(found.index_descriptions) == list(described.index_descriptions)
    assert [(d.field_name, d.total_rows) for d in found.index_descriptions] == [("vector", 10)]
    assert (missing.status.code, missing.status.reason) == (700, "index not found[indexName=nope]")


def test_a_write_from_a_stale_schema_is_refused_as_milvus_refuses_it(colored, local_client, serve_address) -> None:
    """DescribeCollection answers the last schema change as ``update_timestamp`` (and its text, the
    Node SDK's); a write whose ``schema_timestamp`` is another is 109 with the legacy SchemaMismatch
    that makes pymilvus and the Node SDK describe again and resend; 0 is not checked."""
    import grpc
    from pymilvus.grpc_gen import common_pb2, milvus_pb2, milvus_pb2_grpc, schema_pb2

    from pgmilvus import DataType

    def insert(stub, schema_timestamp: int) -> Any:
        return stub.Insert(milvus_pb2.InsertRequest(
            collection_name=NAME, num_rows=1, schema_timestamp=schema_timestamp, fields_data=[
                schema_pb2.FieldData(field_name="id", type=DataType.INT64,
                                     scalars=schema_pb2.ScalarField(long_data=schema_pb2.LongArray(data=[20]))),
                schema_pb2.FieldData(field_name="vector", type=DataType.FLOAT_VECTOR, vectors=schema_pb2.VectorField(
                    dim=2, float_vector=schema_pb2.FloatArray(data=[20.0, 0.0])))]))

    with grpc.insecure_channel(serve_address) as channel:
        stub = milvus_pb2_grpc.MilvusServiceStub(channel)
        before = stub.DescribeCollection(milvus_pb2.DescribeCollectionRequest(collection_name=NAME))
        local_client.add_collection_field(NAME, "later", DataType.INT64, nullable=True)
        after = stub.DescribeCollection(milvus_pb2.DescribeCollectionRequest(collection_name=NAME))
        stale = insert(stub, before.update_timestamp)
        current = insert(stub, after.update_timestamp)
    assert after.update_timestamp > before.update_timestamp == before.created_timestamp
    assert after.update_timestamp == local_client.describe_collection(NAME)["update_timestamp"]
    assert after.update_timestamp_str == str(after.update_timestamp)
    assert (stale.status.code, stale.status.error_code) == (109, common_pb2.SchemaMismatch)
    assert stale.status.reason == (f"collection schema mismatch[collection={NAME}] (schema_timestamp "
                                   f"{before.update_timestamp}, the collection's is {after.update_timestamp}: "
                                   "describe the collection again and resend)")
    assert (current.status.code, current.insert_cnt) == (0, 1)
    assert colored.query(NAME, filter="id == 20", output_fields=["later"]) == [{"id": 20, "later": None}]


def test_pymilvus_resends_a_write_after_another_client_changed_the_schema(colored, local_client) -> None:
    """pymilvus caches the schema (with its timestamp) per server: after another client made the
    collection again with another dimension, its insert is refused once and resent."""
    local_client.drop_collection(NAME)
    local_client.create_collection(NAME, dimension=3)
    assert colored.insert(NAME, [{"id": 1, "vector": [1.0, 2.0, 3.0]}])["insert_count"] == 1
    assert colored.query(NAME, filter="id == 1", output_fields=["vector"])[0]["vector"] == [1.0, 2.0, 3.0]
