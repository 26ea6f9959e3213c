"""Dense vectors wider than pgvector's 16,000 dims (Milvus takes 32,768): stored as an array of
pieces (schema/model.py WIDE_PIECE), searched exactly with distances summed over the pieces."""

from __future__ import annotations

import numpy as np
import pytest

from pgmilvus import AnnSearchRequest, DataType, MilvusClient, RRFRanker
from pgmilvus.errors import MilvusException

D = DataType
WIDE = 16_010   # two pieces: 16,000 and 10 dims
ROWS = 24


def _truth(metric: str, data: np.ndarray, query: np.ndarray) -> tuple[list[int], list[float]]:
    """The top 5 and their Milvus distances, computed in float64 by numpy."""
    data, query = data.astype(np.float64), query.astype(np.float64)
    if metric == "L2":
        score = ((data - query) ** 2).sum(1)
        order = np.argsort(score)
    elif metric == "IP":
        score = data @ query
        order = np.argsort(-score)
    else:
        score = data @ query / np.linalg.norm(data, axis=1) / np.linalg.norm(query)
        order = np.argsort(-score)
    return order[:5].tolist(), score[order[:5]].tolist()


def _data(dtype: DataType, dim: int, rows: int = ROWS, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype == D.INT8_VECTOR:
        return rng.integers(-128, 128, (rows, dim)).astype(np.int8)
    if dtype == D.FLOAT16_VECTOR:
        return rng.random((rows, dim)).astype(np.float16)
    return rng.random((rows, dim), dtype=np.float32)


def _collection(client: MilvusClient, dtype: DataType, metric: str, dim: int = WIDE,
                index: str = "HNSW") -> np.ndarray:
    schema = client.create_schema()
    schema.add_field("id", D.INT64, is_primary=True)
    schema.add_field("v", dtype, dim=dim)
    schema.add_field("tag", D.INT64)
    params = client.prepare_index_params()
    params.add_index("v", index_type=index, metric_type=metric)
    client.create_collection("wide", schema=schema, index_params=params)
    data = _data(dtype, dim)
    client.insert("wide", [{"id": i, "v": v, "tag": i % 3} for i, v in enumerate(data)])
    return data


@pytest.mark.parametrize("dtype,metric", [
    (D.FLOAT_VECTOR, "L2"), (D.FLOAT_VECTOR, "IP"), (D.FLOAT_VECTOR, "COSINE"),
    (D.INT8_VECTOR, "L2"), (D.FLOAT16_VECTOR, "IP"), (D.BFLOAT16_VECTOR, "COSINE"),
])
def test_search_ranks_and_scores_as_over_the_whole_vector(client: MilvusClient, dtype: DataType, metric: str) -> None:
    data = _collection(client, dtype, metric)
    stored = data.astype(np.float32) if dtype != D.BFLOAT16_VECTOR else _bfloat16(data)
    queries = (data[[3, 7]] // 2) if dtype == D.INT8_VECTOR else stored[[3, 7]] + 0.25
    found = client.search("wide", queries, limit=5)   # two query vectors: one statement each
    for query, hits in zip(queries, found):
        ids, scores = _truth(metric, stored, query.astype(np.float32))
        assert [h["id"] for h in hits] == ids
        assert [h["distance"] for h in hits] == pytest.approx(scores, rel=1e-4)


def _bfloat16(data: np.ndarray) -> np.ndarray:
    """BFLOAT16 values as pgmilvus keeps them: halfvec, float16 precision (docs/compatibility.md)."""
    return data.astype(np.float16).astype(np.float32)


@pytest.mark.parametrize("dtype", [D.FLOAT_VECTOR, D.INT8_VECTOR, D.FLOAT16_VECTOR])
def test_vectors_come_back_whole(client: MilvusClient, dtype: DataType) -> None:
    data = _collection(client, dtype, "L2", dim=32_768)
    got = client.get("wide", ids=[5], output_fields=["v"])[0]["v"]
    if dtype == D.FLOAT_VECTOR:
        assert got == data[5].tolist()
    else:  # pymilvus's [bytes] of 16-bit and int8 vectors
        assert got == [data[5].astype("<f2" if dtype == D.FLOAT16_VECTOR else np.int8).tobytes()]
    assert client.describe_collection("wide")["fields"][1]["params"] == {"dim": 32_768}


def test_reads_and_writes_of_a_wide_field(client: MilvusClient) -> None:
    """Filters, range, grouping, iterator, hybrid and by-key searches; upserts (whole and partial),
    deletes; the index is recorded (describe_index) while searches stay exact."""
    data = _collection(client, D.FLOAT_VECTOR, "L2")
    query = data[4] + 0.01
    assert [h["id"] for h in client.search("wide", [query], limit=3, filter="tag == 1")[0]] == \
        [i for i in _truth_all(data, query) if i % 3 == 1][:3]
    near = _truth("L2", data, query)[1][2]
    ranged = client.search("wide", [query], limit=10, search_params={"params": {"radius": near * 1.000001}})[0]
    assert [h["id"] for h in ranged] == _truth_all(data, query)[:3]
    groups = client.search("wide", [query], limit=3, group_by_field="tag", output_fields=["tag"])[0]
    assert sorted(h["tag"] for h in groups) == [0, 1, 2]
    iterator, seen = client.search_iterator("wide", [query], batch_size=5, limit=12), []
    while page := iterator.next():
        seen += [h["id"] for h in page]
    assert seen == _truth_all(data, query)[:12]
    hybrid = client.hybrid_search("wide", [AnnSearchRequest([query], "v", {}, 3)], RRFRanker(), limit=3)[0]
    assert [h["id"] for h in hybrid] == _truth("L2", data, query)[0][:3]
    assert [h["id"] for h in client.search("wide", ids=[4], limit=1)[0]] == [4]
    client.upsert("wide", [{"id": 0, "v": data[9], "tag": 5}])
    client.upsert("wide", [{"id": 1, "tag": 7}], partial_update=True)
    assert {h["id"] for h in client.search("wide", [data[9]], limit=2)[0]} == {0, 9}
    assert client.get("wide", ids=[1], output_fields=["v", "tag"])[0] == {"id": 1, "v": data[1].tolist(), "tag": 7}
    assert client.delete("wide", filter="tag == 2")["delete_count"] == 8
    index = client.describe_index("wide", "v")
    assert (index["index_type"], index["metric_type"], index["indexed_rows"]) == ("HNSW", "L2", 16)


def _truth_all(data: np.ndarray, query: np.ndarray) -> list[int]:
    return np.argsort(((data.astype(np.float64) - query) ** 2).sum(1)).tolist()


def test_nullable_and_added_wide_fields(client: MilvusClient) -> None:
    _collection(client, D.FLOAT_VECTOR, "IP")
    client.add_collection_field("wide", "extra", D.FLOAT_VECTOR, dim=20_000, nullable=True)
    extra = _data(D.FLOAT_VECTOR, 20_000, rows=2, seed=3)
    client.insert("wide", [{"id": 100 + i, "v": _data(D.FLOAT_VECTOR, WIDE, 1, i)[0], "tag": 0, "extra": e}
                           for i, e in enumerate(extra)])
    hits = client.search("wide", [extra[1]], anns_field="extra", limit=10, search_params={"metric_type": "L2"})[0]
    assert [h["id"] for h in hits] == [101, 100]   # the rows without the field are no hits
    assert client.get("wide", ids=[0, 100], output_fields=["extra"]) == [
        {"id": 0, "extra": None}, {"id": 100, "extra": extra[0].tolist()}]


@pytest.mark.parametrize("vector,message", [
    ([0.5] * 16_009, "the length(16009) of float data should divide the dim(16010)"),
    ([0.5] * 16_009 + [float("nan")], "value 'NaN' is not a number or infinity (row 0, field v)"),
])
def test_bad_wide_vectors_are_refused_whole(client: MilvusClient, vector: list, message: str) -> None:
    _collection(client, D.FLOAT_VECTOR, "L2")
    with pytest.raises(MilvusException) as info:
        client.insert("wide", [{"id": 99, "v": vector, "tag": 0}])
    assert message in info.value.message
    assert client.query("wide", output_fields=["count(*)"])[0]["count(*)"] == ROWS


def test_a_struct_vector_sub_field_stays_within_pgvectors_dims(client: MilvusClient) -> None:
    schema = client.create_schema()
    schema.add_field("id", D.INT64, is_primary=True)
    schema.add_field("v", D.FLOAT_VECTOR, dim=4)
    struct = client.create_struct_field_schema()
    struct.add_field("emb", D.FLOAT_VECTOR, dim=16_001)
    schema.add_field("clips", D.ARRAY, element_type=D.STRUCT, struct_schema=struct, max_capacity=4)
    with pytest.raises(MilvusException) as info:
        client.create_collection("s", schema=schema)
    assert (info.value.code, info.value.message) == (
        3000, "invalid dimension: 16001 of field emb: pgmilvus stores FLOAT_VECTOR as pgvector's vector, which "
              "holds at most 16000 dimensions (Milvus allows 32768); reduce the dimension")
