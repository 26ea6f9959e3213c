"""The collection property ``query_mode: large_topk`` (Milvus 2.6.14): searches may ask for up to
1,000,000 hits and queries read up to 1,000,000 rows; Milvus's checks of the property."""

from __future__ import annotations

import numpy as np
import pytest

from pgmilvus import AnnSearchRequest, DataType, RRFRanker
from pgmilvus.errors import MilvusException

ROWS = 16500  # above the usual 16,384


def _collection(client, name: str, large: bool, rows: int = ROWS, index: bool = True) -> np.ndarray:
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=4)
    params = None
    if index:
        params = client.prepare_index_params()
        params.add_index("v", index_type="FLAT", metric_type="L2")
    client.create_collection(name, schema=schema, index_params=params,
                             properties={"query_mode": "large_topk"} if large else None)
    vectors = np.random.default_rng(1).random((rows, 4), dtype=np.float32)
    if rows:
        client.insert(name, [{"id": i, "v": vectors[i]} for i in range(rows)])
    return vectors


def _fails(code: int, text: str, call) -> None:
    with pytest.raises(MilvusException) as info:
        call()
    assert (info.value.code, text in info.value.message) == (code, True), info.value.message


def test_large_topk_raises_the_search_and_query_limits(client) -> None:
    vectors = _collection(client, "big", large=True)
    _collection(client, "plain", large=False, rows=100)
    assert client.describe_collection("big")["properties"]["query_mode"] == "large_topk"
    hits = client.search("big", [vectors[0].tolist()], limit=16400)[0]
    assert len(hits) == 16400 and hits[0]["id"] == 0
    paged = client.search("big", [vectors[0].tolist()], limit=10, offset=16390)[0]
    assert [h["id"] for h in paged] == [h["id"] for h in hits[16390:16400]]
    assert len(client.query("big", filter="", output_fields=["id"], limit=16450)) == 16450
    request = AnnSearchRequest([vectors[0].tolist()], "v", {}, limit=16400)
    assert len(client.hybrid_search("big", [request], RRFRanker(), limit=16390)[0]) == 16390
    _fails(1100, "topk [1000001] is invalid, it should be in range [1, 1000000], but got 1000001",
           lambda: client.search("big", [vectors[0].tolist()], limit=1_000_001))
    # without the property: Milvus's usual 16,384
    _fails(1100, "topk [16385] is invalid, it should be in range [1, 16384], but got 16385",
           lambda: client.search("plain", [vectors[0].tolist()], limit=16385))
    _fails(1100, "offset [16385] is invalid, it should be in range [1, 16384], but got 16385",
           lambda: client.search("plain", [vectors[0].tolist()], limit=1, offset=16385))
    _fails(1100, "(offset+limit) should be in range [1, 16384], but got 16385",
           lambda: client.query("plain", filter="", limit=16385))
    _fails(65535, "invalid max query result window, (offset+limit) should be in range [1, 16384], but got 16385",
           lambda: client.hybrid_search("plain", [request], RRFRanker(), limit=16385))


@pytest.mark.parametrize("properties,text", [
    ({"query_mode": "invalid_mode"}, 'invalid query_mode value "invalid_mode", valid values: [large_topk]'),
    ({"query_mode": "LARGE_TOPK"}, 'invalid query_mode value "LARGE_TOPK", valid values: [large_topk]'),
    ({"Query_Mode": "large_topk"}, 'invalid property key "Query_Mode", did you mean "query_mode"?'),
])
def test_query_mode_is_checked_at_create(client, properties: dict, text: str) -> None:
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=4)
    _fails(1100, text, lambda: client.create_collection("bad", schema=schema, properties=properties))
    assert not client.has_collection("bad")


def test_query_mode_changes_only_without_a_vector_index(client) -> None:
    _collection(client, "c", large=False, rows=10)
    text = "can not alter query_mode if the collection already has a vector index. Please drop the index first"
    _fails(702, text, lambda: client.alter_collection_properties("c", {"query_mode": "large_topk"}))
    client.release_collection("c")
    client.drop_index("c", "v")
    _fails(1100, 'invalid query_mode value "big"',
           lambda: client.alter_collection_properties("c", {"query_mode": "big"}))
    client.alter_collection_properties("c", {"query_mode": "large_topk"})
    client.alter_collection_properties("c", {"query_mode": "large_topk"})  # unchanged: no index check
    index = client.prepare_index_params()
    index.add_index("v", index_type="FLAT", metric_type="L2")
    client.create_index("c", index)
    assert client.describe_collection("c")["properties"]["query_mode"] == "large_topk"
    _fails(702, text, lambda: client.drop_collection_properties("c", ["query_mode"]))
    client.drop_index("c", "v")
    client.drop_collection_properties("c", ["query_mode"])
    assert "query_mode" not in client.describe_collection("c")["properties"]
