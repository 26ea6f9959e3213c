"""Partition key isolation (``partitionkey.isolation``): Milvus 2.6's rules for the property and for
the filters of searches on such a collection (filters/isolation.py)."""

from __future__ import annotations

import pytest

from pgmilvus import AnnSearchRequest, DataType, MilvusClient, MilvusException, RRFRanker

NOT_FOUND = "partition key not found in expr or the expr is invalid when validating partition key isolation"


@pytest.fixture
def client(fresh_client):
    schema = fresh_client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("t", DataType.VARCHAR, max_length=8, is_partition_key=True)
    schema.add_field("x", DataType.INT64)
    fresh_client.create_collection("iso", schema=schema, properties={"partitionkey.isolation": "true"})
    fresh_client.insert("iso", [{"id": i, "v": [float(i), 1.0], "t": f"t{i % 3}", "x": i} for i in range(30)])
    return fresh_client


@pytest.mark.parametrize("expr", ['t == "t1"', 't == "t1" and x > 3', 'x > 3 and t == "t1"', 't like "t1"',
                                  '(t == "t1") and (x < 20 or x > 25)', 't =~ "^t1$"', 't =~ {p}'])
def test_a_search_naming_one_key_value_runs(client: MilvusClient, expr: str) -> None:
    hits = client.search("iso", [[1.0, 1.0]], filter=expr, limit=5, output_fields=["t"],
                         filter_params={"p": "^t1$"})[0]
    assert hits and {h["t"] for h in hits} == {"t1"}


@pytest.mark.parametrize("expr, text", [
    ("", NOT_FOUND),
    ("x > 3", NOT_FOUND),
    ('t in ["t1"]', "partition key isolation does not support IN"),
    ('t not in ["t1"]', "partition key isolation does not support IN"),
    ('t != "t1"', "partition key isolation does not support NotEqual"),
    ('t > "t1"', "partition key isolation does not support GreaterThan"),
    ('"t0" < t < "t2"', "partition key isolation does not support BinaryRange"),
    ('t like "t%"', "partition key isolation does not support PrefixMatch"),
    ('not (t == "t1")', "partition key isolation does not support NOT"),
    ('t =~ "t1"', "partition key isolation does not support RegexMatch"),   # Milvus master's =~
    ('t =~ "^t"', "partition key isolation does not support PrefixMatch"),  # its LIKE rewrites
    ('t =~ "1$"', "partition key isolation does not support PostfixMatch"),
    ('t !~ "^t1$"', "partition key isolation does not support NOT"),
    ('t == "t1" or x > 3', "partition key isolation does not support OR"),
])
def test_a_search_not_naming_one_key_value_is_refused(client: MilvusClient, expr: str, text: str) -> None:
    with pytest.raises(MilvusException) as info:
        client.search("iso", [[1.0, 1.0]], filter=expr, limit=5)
    assert (info.value.code, info.value.message) == (65535, text)


def test_hybrid_search_sub_requests_and_queries(client: MilvusClient) -> None:
    req = AnnSearchRequest([[1.0, 1.0]], "v", {}, 3, expr="x > 1")
    with pytest.raises(MilvusException, match=NOT_FOUND):
        client.hybrid_search("iso", [req], RRFRanker())
    assert len(client.query("iso", filter="x > 3", limit=100)) == 26  # queries are not restricted


def test_the_property_needs_a_partition_key_and_no_vector_index(fresh_client: MilvusClient) -> None:
    schema = fresh_client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    no_key = ("partition key isolation mode is enabled but no partition key field is set. Please set the "
              "partition key first: illegal collection schema[collection=plain]")
    with pytest.raises(MilvusException) as info:
        fresh_client.create_collection("plain", schema=schema, properties={"partitionkey.isolation": "true"})
    assert (info.value.code, info.value.message) == (105, no_key)
    assert not fresh_client.has_collection("plain")
    fresh_client.create_collection("plain", schema=schema)
    with pytest.raises(MilvusException) as info:
        fresh_client.alter_collection_properties("plain", {"partitionkey.isolation": True})
    assert (info.value.code, info.value.message) == (105, no_key)
    with pytest.raises(MilvusException, match='failed to parse partition key isolation: strconv.ParseBool: parsing "maybe"'):
        fresh_client.alter_collection_properties("plain", {"partitionkey.isolation": "maybe"})


def test_changing_the_mode_needs_the_vector_index_dropped(client: MilvusClient) -> None:
    index = client.prepare_index_params()
    index.add_index("v", index_type="HNSW", metric_type="L2")
    client.create_index("iso", index)
    text = ("can not alter partition key isolation mode if the collection already has a vector index. Please drop "
            "the index first: index duplicates[indexName=v]")
    for change in (lambda: client.alter_collection_properties("iso", {"partitionkey.isolation": "false"}),
                   lambda: client.drop_collection_properties("iso", ["partitionkey.isolation"])):
        with pytest.raises(MilvusException) as info:
            change()
        assert (info.value.code, info.value.message) == (702, text)
    client.alter_collection_properties("iso", {"partitionkey.isolation": "True"})  # unchanged: allowed
    client.drop_index("iso", "v")
    client.alter_collection_properties("iso", {"partitionkey.isolation": "false"})
    assert len(client.search("iso", [[1.0, 1.0]], filter="x > 3", limit=5)[0]) == 5
