"""search(ids=[...]): the stored vectors of primary keys as query vectors (Milvus 2.6's search by PK)."""

from __future__ import annotations

import numpy as np
import pytest

from pgmilvus import DataType, MilvusClient, MilvusException, ParamError

ROWS = 30


@pytest.fixture
def client(fresh_client):
    schema = fresh_client.create_schema(enable_dynamic_field=True)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("f", DataType.FLOAT_VECTOR, dim=4)
    schema.add_field("b", DataType.BINARY_VECTOR, dim=16)
    schema.add_field("h", DataType.FLOAT16_VECTOR, dim=4)
    schema.add_field("sp", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("g", DataType.INT64)
    index = fresh_client.prepare_index_params()
    index.add_index("f", index_type="FLAT", metric_type="COSINE")
    index.add_index("b", index_type="BIN_FLAT", metric_type="HAMMING")
    index.add_index("h", index_type="FLAT", metric_type="L2")
    index.add_index("sp", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
    fresh_client.create_collection("c", schema=schema, index_params=index)
    fresh_client.create_partition("c", "p1")
    rng = np.random.default_rng(5)
    rows = [{"id": i, "f": rng.random(4).tolist(), "b": bytes(rng.integers(0, 256, 2, dtype=np.uint8)),
             "h": rng.random(4).astype(np.float16), "sp": {int(k): 0.5 + i for k in rng.integers(0, 50, 3)},
             "g": i % 3} for i in range(ROWS)]
    fresh_client.insert("c", rows[:20])
    fresh_client.insert("c", rows[20:], partition_name="p1")
    return fresh_client


def _plain(res) -> list[list[tuple]]:
    return [[(h["id"], round(h["distance"], 4), h["entity"]) for h in hits] for hits in res]


@pytest.mark.parametrize("field", ["f", "b", "h", "sp"])
def test_search_by_ids_is_a_search_with_the_stored_vectors(client: MilvusClient, field: str) -> None:
    ids = [7, 2, 25]
    stored = {r["id"]: r[field] for r in client.get("c", ids=ids, output_fields=[field])}
    vectors = [stored[i][0] if isinstance(stored[i], list) and isinstance(stored[i][0], bytes) else stored[i]
               for i in ids]
    kwargs = dict(anns_field=field, limit=5, filter="g != 1", output_fields=["g"])
    assert _plain(client.search("c", ids=ids, **kwargs)) == _plain(client.search("c", data=vectors, **kwargs))


def test_search_by_one_id_and_in_partitions(client: MilvusClient) -> None:
    res = client.search("c", ids=22, anns_field="f", limit=3, partition_names=["p1"])
    assert len(res) == 1 and res[0][0]["id"] == 22 and all(h["id"] >= 20 for h in res[0])
    with pytest.raises(MilvusException, match=r"missing IDs = \[3\]: invalid parameter"):
        client.search("c", ids=[22, 3], anns_field="f", partition_names=["p1"])


def test_search_by_ids_varchar_keys_and_null_vectors(fresh_client: MilvusClient) -> None:
    schema = fresh_client.create_schema()
    schema.add_field("k", DataType.VARCHAR, is_primary=True, max_length=8)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2, nullable=True)
    fresh_client.create_collection("s", schema=schema)
    fresh_client.insert("s", [{"k": "a", "v": [1.0, 0.0]}, {"k": "b", "v": None}, {"k": "c", "v": [0.0, 1.0]}])
    res = fresh_client.search("s", ids=["c", "b", "a"], limit=2)
    assert [[h["k"] for h in hits] for hits in res] == [["c", "a"], [], ["a", "c"]]
    assert [list(hits) for hits in fresh_client.search("s", ids=["b"], limit=2)] == [[]]


def test_search_by_ids_on_a_bm25_field_queries_with_the_keys_texts(fresh_client: MilvusClient) -> None:
    """Master's proxy reads a BM25 output field's input text for the keys and searches with it."""
    from pymilvus import Function, FunctionType

    schema = fresh_client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("text", DataType.VARCHAR, max_length=64, enable_analyzer=True)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(Function("bm25", FunctionType.BM25, input_field_names=["text"], output_field_names=["sparse"]))
    index = fresh_client.prepare_index_params()
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    fresh_client.create_collection("b", schema=schema, index_params=index)
    fresh_client.insert("b", [{"id": 1, "text": "red apple pie"}, {"id": 2, "text": "green pear"},
                              {"id": 3, "text": "red wine"}])
    by_ids = fresh_client.search("b", ids=[2, 1], anns_field="sparse", limit=3)
    by_text = fresh_client.search("b", data=["green pear", "red apple pie"], anns_field="sparse", limit=3)
    assert [[h["id"] for h in hits] for hits in by_ids] == [[h["id"] for h in hits] for hits in by_text]
    assert [hits[0]["id"] for hits in by_ids] == [2, 1]


@pytest.mark.parametrize("kwargs, error, code, text", [
    (dict(ids=[]), ParamError, 1, "`ids` value [] is illegal"),
    (dict(ids=[True]), ParamError, 1, "ids must not contain boolean values"),
    (dict(ids=[1.5]), ParamError, 1, "Unsupported id type: <class 'float'>"),
    (dict(ids=[1, 1], anns_field="f"), MilvusException, 1100, "duplicate IDs found in search request: invalid parameter"),
    (dict(ids=[1], data=[[0.1] * 4], anns_field="f"), ParamError, 1, "Either ids or data must be provided, not both"),
    (dict(ids=[1]), MilvusException, 1100, "multiple vector fields exist, please specify anns_field in search_params: invalid parameter[expected=valid anns_field in search_params][actual=missing]"),
    (dict(ids=[1], anns_field="g"), MilvusException, 1100, "field (g) to search is not of vector data type: invalid parameter"),
    (dict(ids=[1], anns_field="zz"), MilvusException, 1700, "vector field not found in schema: field not found[field=zz]"),
    (dict(ids=["1"], anns_field="f"), MilvusException, 1100, "primary key is int64, but IDs type mismatch: invalid parameter[expected=int64 IDs][actual=got other type]"),
    (dict(ids=[1, 99, 98], anns_field="f"), MilvusException, 1100, "some of the provided primary key IDs do not exist: missing IDs = [99 98]: invalid parameter"),
    (dict(ids=list(range(16385)), anns_field="f"), MilvusException, 1100, "nq [16385] is invalid, nq (number of search vector per search request) should be in range [1, 16384], but got 16385: invalid parameter"),
])
def test_search_by_ids_errors(client: MilvusClient, kwargs, error, code, text) -> None:
    with pytest.raises(error) as info:
        client.search("c", limit=3, **kwargs)
    assert info.value.code == code and text in info.value.message

