"""Vector search on ARRAY<STRUCT> vector sub-fields: embedding-list (MAX_SIM_*) and element-level
searches, their indexes and Milvus's refusals (real Postgres; distances checked against numpy)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from pgmilvus import (AnnSearchRequest, DataType, EmbeddingList, MilvusClient, MilvusException, RRFRanker,
                      WeightedRanker)

DIM = 4
ROWS = 40


@pytest.fixture
def client(fresh_client):
    return fresh_client


def _data(seed: int = 0, binary: bool = False) -> list[dict]:
    """Rows with 0 to 4 structs; every 7th row's struct array is NULL, every 11th empty."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(ROWS):
        n = int(rng.integers(1, 5))
        if binary:
            clips = [{"emb": rng.integers(0, 256, DIM // 8 or 1, dtype=np.uint8).tobytes(), "desc": f"d{i}_{j}",
                      "n": j} for j in range(n)]
        else:
            clips = [{"emb": rng.standard_normal(DIM).astype(np.float32).tolist(), "desc": f"d{i}_{j}", "n": j}
                     for j in range(n)]
        if i % 7 == 3:
            clips = None
        elif i % 11 == 5:
            clips = []
        vec = [1.0, 0.0, 0.0, 0.0] if binary else rng.standard_normal(DIM).astype(np.float32).tolist()
        rows.append({"id": i, "vec": vec, "doc": i % 3, "clips": clips})
    return rows


def make(client: MilvusClient, name: str, metric: str = "MAX_SIM_COSINE", index_type: str = "HNSW",
         element_type: DataType = DataType.FLOAT_VECTOR, dim: int = DIM, seed: int = 0, index: bool = True) -> list:
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vec", DataType.FLOAT_VECTOR, dim=DIM)
    schema.add_field("doc", DataType.INT64)
    struct = client.create_struct_field_schema()
    struct.add_field("emb", element_type, dim=dim)
    struct.add_field("desc", DataType.VARCHAR, max_length=32)
    struct.add_field("n", DataType.INT64)
    schema.add_field("clips", DataType.ARRAY, element_type=DataType.STRUCT, struct_schema=struct, max_capacity=8,
                     nullable=True)
    client.create_collection(name, schema=schema)
    rows = _data(seed, element_type == DataType.BINARY_VECTOR)
    client.insert(name, rows)
    params = client.prepare_index_params()
    params.add_index("vec", index_type="FLAT", metric_type="COSINE")
    if index:
        params.add_index("clips[emb]", index_type=index_type, metric_type=metric)
    client.create_index(name, params)
    if index:
        client.load_collection(name)
    return rows


# -- numpy ground truth ---------------------------------------------------------------------------

def _pair(metric: str, q: np.ndarray, d: np.ndarray) -> float:
    if metric == "COSINE":
        return float(q @ d / (np.linalg.norm(q) * np.linalg.norm(d)))
    if metric == "IP":
        return float(q @ d)
    return float(((q - d) ** 2).sum())  # squared L2


_SUB = {"MAX_SIM": "COSINE", "MAX_SIM_COSINE": "COSINE", "MAX_SIM_IP": "IP", "MAX_SIM_L2": "L2"}


def maxsim_truth(rows: list, queries: np.ndarray, metric: str) -> list[tuple[int, float]]:
    """(pk, score) best first: Σ over query vectors of the best element (knowhere's definition)."""
    sub = _SUB[metric]
    larger = sub != "L2"
    out = []
    for row in rows:
        if not row["clips"]:
            continue
        docs = np.array([c["emb"] for c in row["clips"]], dtype=np.float32)
        pairs = [[_pair(sub, q, d) for d in docs] for q in queries]
        score = sum(max(p) if larger else min(p) for p in pairs)
        out.append((row["id"], score))
    out.sort(key=lambda x: (-x[1] if larger else x[1], x[0]))
    return out


def element_truth(rows: list, q: np.ndarray, metric: str) -> list[tuple[int, int, float]]:
    """(pk, position, distance) of every element, best first."""
    larger = metric != "L2"
    out = [(row["id"], j, _pair(metric, q, np.array(c["emb"], dtype=np.float32)))
           for row in rows for j, c in enumerate(row["clips"] or [])]
    out.sort(key=lambda x: ((-x[2] if larger else x[2]), x[0], x[1]))
    return out


class refused:
    """``with refused(pattern):`` the block raises a MilvusException whose message matches."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, exc, tb) -> bool:
        assert isinstance(exc, MilvusException), f"no MilvusException: {exc!r}"
        assert re.search(self.pattern, exc.message), exc.message
        return True


def _queries(seed: int, n: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, DIM)).astype(np.float32)


# -- embedding-list search --------------------------------------------------------------------------

@pytest.mark.parametrize("metric", ["MAX_SIM", "MAX_SIM_COSINE", "MAX_SIM_IP", "MAX_SIM_L2"])
def test_emb_list_scores_match_numpy(client, metric):
    rows = make(client, "e", metric)
    lists = [_queries(1, 3), _queries(2, 1)]
    res = client.search("e", data=[EmbeddingList(q) for q in lists], anns_field="clips[emb]", limit=10,
                        search_params={"metric_type": metric})
    assert len(res) == 2
    for hits, q in zip(res, lists):
        truth = maxsim_truth(rows, q, metric)[:10]
        assert [h["id"] for h in hits] == [pk for pk, _ in truth]
        np.testing.assert_allclose([h["distance"] for h in hits], [s for _, s in truth], rtol=1e-5, atol=1e-5)
        assert all("offset" not in h for h in hits)


def test_emb_list_skips_null_and_empty_rows_filters_outputs_offset(client):
    rows = make(client, "e")
    q = _queries(3, 2)
    res = client.search("e", data=[EmbeddingList(q)], anns_field="clips[emb]", limit=100, filter="doc == 1",
                        output_fields=["clips", "doc"])
    kept = [r for r in rows if r["doc"] == 1]
    truth = maxsim_truth(kept, q, "MAX_SIM_COSINE")
    assert [h["id"] for h in res[0]] == [pk for pk, _ in truth]
    by_id = {r["id"]: r for r in rows}
    for hit in res[0]:
        assert hit["entity"]["doc"] == 1
        assert [c["desc"] for c in hit["entity"]["clips"]] == [c["desc"] for c in by_id[hit["id"]]["clips"]]
    paged = client.search("e", data=[EmbeddingList(q)], anns_field="clips[emb]", limit=3, offset=2, filter="doc == 1")
    assert [h["id"] for h in paged[0]] == [pk for pk, _ in truth[2:5]]


def test_emb_list_pymilvus_flat_form(client):
    """pymilvus sends an EmbeddingList as its flat array with ``is_embedding_list=True``."""
    rows = make(client, "e")
    q = _queries(4, 3)
    res = client.search("e", data=[q.reshape(-1)], anns_field="clips[emb]", limit=5, is_embedding_list=True)
    assert [h["id"] for h in res[0]] == [pk for pk, _ in maxsim_truth(rows, q, "MAX_SIM_COSINE")[:5]]


@pytest.mark.parametrize("kwargs, search_params, text", [
    ({}, {"params": {"radius": 0.5}},
     "range search is not supported for multi-search-multi on embedding list fields: invalid parameter[expected=][actual=]"),
    ({"group_by_field": "doc"}, {},
     "group by is not supported for multi-search-multi on embedding list fields: invalid parameter[expected=][actual=]"),
    ({}, {"params": {"retrieval_ann_ratio": 0}},
     "retrieval_ann_ratio could not be less than or equal to 0: invalid parameter"),
    ({}, {"metric_type": "MAX_SIM"}, "metric type not match: invalid parameter[expected=MAX_SIM_COSINE][actual=MAX_SIM]"),
])
def test_emb_list_refusals(client, kwargs, search_params, text):
    make(client, "e")
    with pytest.raises(MilvusException) as err:
        client.search("e", data=[EmbeddingList(_queries(5, 2))], anns_field="clips[emb]", limit=5,
                      search_params=search_params, **kwargs)
    assert err.value.code == 1100 and err.value.message == text


def test_emb_list_mode_mismatch_and_by_ids(client):
    make(client, "e")
    with refused(r"^search type mismatch for VECTOR_ARRAY field clips\[emb\]: metric_type "
                                              r"MAX_SIM_COSINE requires embedding list search, but search data is plain "
                                              r"vector: invalid parameter$"):
        client.search("e", data=[_queries(6, 1)[0].tolist()], anns_field="clips[emb]", limit=5)
    with refused(r"^vector type must be the same, field vec - type FloatVector, search ph "
                                              r"type EmbListFloatVector: invalid parameter$"):
        client.search("e", data=[EmbeddingList(_queries(6, 2))], anns_field="vec", limit=5)
    with refused(r"^array of vector is not supported for search by IDs: invalid parameter$"):
        client.search("e", ids=[1], anns_field="clips[emb]", limit=5)


# -- indexes ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("index_type, metric, text", [
    ("HNSW", "BM25", "array of vector with float element type does not support metric type: BM25, supported: "
                     "[L2 IP COSINE MAX_SIM MAX_SIM_COSINE MAX_SIM_L2 MAX_SIM_IP]: invalid parameter"
                     "[expected=valid index params][actual=invalid index params]"),
    ("HNSW", "MAX_SIM_HAMMING", "array of vector with float element type does not support metric type: "
                                "MAX_SIM_HAMMING, supported: [L2 IP COSINE MAX_SIM MAX_SIM_COSINE MAX_SIM_L2 "
                                "MAX_SIM_IP]: invalid parameter[expected=valid index params][actual=invalid index params]"),
    ("FLAT", "MAX_SIM_COSINE", "data type ArrayOfVector can't build with this index FLAT: invalid parameter"),
    ("IVF_PQ", "MAX_SIM_IP", "data type ArrayOfVector can't build with this index IVF_PQ: invalid parameter"),
])
def test_index_refusals(client, index_type, metric, text):
    make(client, "e", index=False)
    params = client.prepare_index_params()
    params.add_index("clips[emb]", index_type=index_type, metric_type=metric)
    with pytest.raises(MilvusException) as err:
        client.create_index("e", params)
    assert err.value.code == 1100 and err.value.message == text


def test_index_diskann_strategy_and_normal_field_max_sim(client):
    make(client, "e", index=False)
    params = client.prepare_index_params()
    params.add_index("clips[emb]", index_type="DISKANN", metric_type="MAX_SIM_COSINE",
                     params={"emb_list_strategy": "muvera"})
    with refused(r"^DiskANN only supports TokenANN strategy, got 'muvera': invalid "
                                              r"parameter$"):
        client.create_index("e", params)
    params = client.prepare_index_params()
    params.add_index("vec", index_type="HNSW", metric_type="MAX_SIM_COSINE")
    client.drop_index("e", "vec")
    with refused(r"^float vector index does not support metric type: MAX_SIM_COSINE: "
                                              r"invalid parameter\[expected=valid index params\]"):
        client.create_index("e", params)


def test_index_autoindex_describe_list_drop_and_load(client):
    make(client, "e", index=False)
    with refused(r"^there is no vector index on field: \[clips\[emb\]\], please create "
                                              r"index firstly: invalid parameter$"):
        client.load_collection("e")
    params = client.prepare_index_params()
    params.add_index("clips[emb]", index_type="AUTOINDEX")
    client.create_index("e", params)
    assert "clips[emb]" in client.list_indexes("e")
    described = client.describe_index("e", "clips[emb]")
    assert (described["field_name"], described["index_name"], described["metric_type"]) == (
        "clips[emb]", "clips[emb]", "MAX_SIM_COSINE")
    client.load_collection("e")
    client.release_collection("e")
    client.drop_index("e", "clips[emb]")
    assert client.list_indexes("e") == ["vec"]


# -- element-level search -----------------------------------------------------------------------------

@pytest.mark.parametrize("metric", ["L2", "IP", "COSINE"])
def test_element_search_matches_numpy(client, metric):
    rows = make(client, "el", metric, "FLAT")
    q = _queries(7, 2)
    res = client.search("el", data=q.tolist(), anns_field="clips[emb]", limit=12, output_fields=["clips"])
    for hits, vector in zip(res, q):
        truth = element_truth(rows, vector, metric)[:12]
        assert [(h["id"], h["offset"]) for h in hits] == [(pk, pos) for pk, pos, _ in truth]
        np.testing.assert_allclose([h["distance"] for h in hits], [d for *_, d in truth], rtol=1e-5, atol=1e-5)
        assert all(len(h["entity"]["clips"]) > h["offset"] for h in hits)


def test_element_search_filter_offset_range_group(client):
    rows = make(client, "el", "L2", "HNSW")
    q = _queries(8, 1)[0]
    truth = element_truth([r for r in rows if r["doc"] != 0], q, "L2")
    res = client.search("el", data=[q.tolist()], anns_field="clips[emb]", limit=5, offset=3, filter="doc != 0")
    assert [(h["id"], h["offset"]) for h in res[0]] == [(pk, pos) for pk, pos, _ in truth[3:8]]
    radius, near = truth[9][2] + 1e-4, truth[2][2] + 1e-4
    ranged = client.search("el", data=[q.tolist()], anns_field="clips[emb]", limit=50, filter="doc != 0",
                           search_params={"params": {"radius": radius, "range_filter": near}})
    assert [(h["id"], h["offset"]) for h in ranged[0]] == [(pk, pos) for pk, pos, _ in truth[3:10]]
    grouped = client.search("el", data=[q.tolist()], anns_field="clips[emb]", limit=3, group_by_field="id",
                            group_size=2, filter="doc != 0")
    best: dict = {}
    for pk, pos, d in truth:
        best.setdefault(pk, []).append((pos, d))
    kept = sorted(((d, pk, pos) for pk in list(best)[:3] for pos, d in best[pk][:2]))  # in distance order
    assert [(h["id"], h["offset"]) for h in grouped[0]] == [(pk, pos) for _, pk, pos in kept]


def test_element_search_refusals(client):
    make(client, "el", "COSINE", "FLAT")
    q = [_queries(9, 1)[0].tolist()]
    with refused(r"^only group by primary key is supported for element-level search: "
                                              r"invalid parameter\[expected=\]\[actual=\]$"):
        client.search("el", data=q, anns_field="clips[emb]", limit=3, group_by_field="doc")
    with refused(r"^search type mismatch for VECTOR_ARRAY field clips\[emb\]: metric_type "
                                              r"COSINE does not support embedding list search, but search data is "
                                              r"embedding list: invalid parameter$"):
        client.search("el", data=[EmbeddingList(_queries(9, 2))], anns_field="clips[emb]", limit=3)
    with refused(r"^vector dimension mismatch"):
        client.search("el", data=[[1.0, 2.0]], anns_field="clips[emb]", limit=3)


# -- other element types ------------------------------------------------------------------------------

def _typed(client: MilvusClient, element_type: DataType, metric: str, index_type: str = "HNSW") -> list:
    """A collection of 16-d vectors of ``element_type`` (as numpy arrays of their dtype)."""
    rng = np.random.default_rng(11)
    dtype = {DataType.FLOAT16_VECTOR: np.float16, DataType.INT8_VECTOR: np.int8,
             DataType.BINARY_VECTOR: np.uint8, DataType.BFLOAT16_VECTOR: np.float32}[element_type]
    width = 2 if element_type == DataType.BINARY_VECTOR else 16

    def vector():
        if dtype == np.uint8:
            return rng.integers(0, 256, width, dtype=np.uint8)
        if dtype == np.int8:
            return rng.integers(-20, 20, width, dtype=np.int8)
        return rng.standard_normal(width).astype(dtype)

    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vec", DataType.FLOAT_VECTOR, dim=2)
    struct = client.create_struct_field_schema()
    struct.add_field("emb", element_type, dim=16)
    schema.add_field("clips", DataType.ARRAY, element_type=DataType.STRUCT, struct_schema=struct, max_capacity=8)
    client.create_collection("ty", schema=schema)
    rows = [{"id": i, "clips": [{"emb": vector()} for _ in range(1 + i % 3)]} for i in range(30)]
    client.insert("ty", [{"id": r["id"], "vec": [1.0, 0.0], "clips": [{"emb": c["emb"].tobytes() if dtype == np.uint8 else
                                                    c["emb"]} for c in r["clips"]]} for r in rows])
    params = client.prepare_index_params()
    params.add_index("clips[emb]", index_type=index_type, metric_type=metric)
    params.add_index("vec", index_type="FLAT", metric_type="L2")
    client.create_index("ty", params)
    client.load_collection("ty")
    return rows, vector


def _binary_pair(metric: str, q: np.ndarray, d: np.ndarray) -> float:
    a, b = np.unpackbits(q), np.unpackbits(d)
    if metric.endswith("HAMMING"):
        return float((a != b).sum())
    return float(1 - (a & b).sum() / max(1, (a | b).sum()))


@pytest.mark.parametrize("element_type, metric", [
    (DataType.FLOAT16_VECTOR, "MAX_SIM_L2"), (DataType.BFLOAT16_VECTOR, "MAX_SIM_IP"),
    (DataType.INT8_VECTOR, "MAX_SIM_COSINE"), (DataType.BINARY_VECTOR, "MAX_SIM_HAMMING"),
    (DataType.BINARY_VECTOR, "MAX_SIM_JACCARD"),
])
def test_emb_list_element_types(client, element_type, metric):
    rows, vector = _typed(client, element_type, metric)
    query = [vector() for _ in range(2)]
    res = client.search("ty", data=[EmbeddingList(query)], anns_field="clips[emb]", limit=30)
    binary = element_type == DataType.BINARY_VECTOR
    scores = {}
    for row in rows:
        if binary:
            pairs = [[_binary_pair(metric, q, c["emb"]) for c in row["clips"]] for q in query]
        else:
            sub = _SUB[metric]
            pairs = [[_pair(sub, q.astype(np.float32), c["emb"].astype(np.float32)) for c in row["clips"]]
                     for q in query]
        larger = metric in ("MAX_SIM_IP", "MAX_SIM_COSINE")
        scores[row["id"]] = sum(max(p) if larger else min(p) for p in pairs)
    got = {h["id"]: h["distance"] for h in res[0]}
    assert len(got) == 30
    for pk, score in got.items():
        assert score == pytest.approx(scores[pk], rel=2e-2, abs=2e-2)  # bf16 keeps 8 bits of mantissa


@pytest.mark.parametrize("element_type, metric", [(DataType.BINARY_VECTOR, "HAMMING"),
                                                  (DataType.FLOAT16_VECTOR, "L2"), (DataType.INT8_VECTOR, "IP")])
def test_element_search_element_types(client, element_type, metric):
    rows, vector = _typed(client, element_type, metric, "HNSW")
    q = vector()
    res = client.search("ty", data=[q.tobytes() if element_type == DataType.BINARY_VECTOR else q.tolist()],
                        anns_field="clips[emb]", limit=200)
    assert len(res[0]) == sum(len(r["clips"]) for r in rows)
    by_id = {r["id"]: r for r in rows}
    for hit in res[0]:
        d = by_id[hit["id"]]["clips"][hit["offset"]]["emb"]
        if element_type == DataType.BINARY_VECTOR:
            assert hit["distance"] == _binary_pair(metric, q, d)
        else:
            assert hit["distance"] == pytest.approx(_pair(metric, q.astype(np.float32), d.astype(np.float32)),
                                                    rel=1e-3, abs=1e-3)


@pytest.mark.parametrize("metric", ["SUBSTRUCTURE", "SUPERSTRUCTURE"])
def test_element_search_with_a_structure_metric(client, metric):
    """A BIN_FLAT element-level index with a structure metric (Milvus master's proxy checks the element
    type): the hits are the elements holding the query's bits (lying within them), at distance 0."""
    rows, vector = _typed(client, DataType.BINARY_VECTOR, metric, "BIN_FLAT")
    q = vector() & vector() if metric == "SUBSTRUCTURE" else vector() | vector() | vector()  # few bits / most
    res = client.search("ty", data=[q.tobytes()], anns_field="clips[emb]", limit=200)

    def inside(e: np.ndarray) -> bool:
        return bool(((q & e) == (q if metric == "SUBSTRUCTURE" else e)).all())

    expected = [(r["id"], k) for r in rows for k, c in enumerate(r["clips"]) if inside(c["emb"])]
    assert expected and [(h["id"], h["offset"]) for h in res[0]] == expected
    assert all(h["distance"] == 0.0 for h in res[0])


def test_element_hnsw_index_refuses_a_structure_metric(client):
    with pytest.raises(MilvusException) as info:
        _typed(client, DataType.BINARY_VECTOR, "SUBSTRUCTURE", "HNSW")
    assert (info.value.code, info.value.message) == (
        1100, "metric type SUBSTRUCTURE not found or not supported, supported: [HAMMING JACCARD] (or MAX_SIM_*/DTW_* "
              "compound forms thereof): invalid parameter")


# -- hybrid_search ------------------------------------------------------------------------------------

def _rrf(*lists, k: int = 60) -> list[tuple]:
    scores: dict = {}
    for ids in lists:
        for rank, key in enumerate(ids, start=1):
            scores[key] = scores.get(key, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda item: -item[1])


def test_hybrid_emb_list_with_normal_vector(client):
    make(client, "e")
    lists, vec = [EmbeddingList(_queries(12, 2))], _queries(13, 1).tolist()
    emb = client.search("e", data=lists, anns_field="clips[emb]", limit=5, filter="doc != 2")
    plain = client.search("e", data=vec, anns_field="vec", limit=5)
    res = client.hybrid_search("e", [AnnSearchRequest(lists, "clips[emb]", {}, 5, expr="doc != 2"),
                                     AnnSearchRequest(vec, "vec", {}, 5)], RRFRanker(), limit=6,
                               output_fields=["doc"])
    expected = _rrf([h["id"] for h in emb[0]], [h["id"] for h in plain[0]])[:6]
    assert [round(h["distance"], 5) for h in res[0]] == [round(s, 5) for _, s in expected]
    assert {h["id"] for h in res[0]} == {pk for pk, _ in expected} and all("offset" not in h for h in res[0])
    weighted = client.hybrid_search("e", [AnnSearchRequest(lists, "clips[emb]", {}, 5)], WeightedRanker(1.0), limit=3)
    raw = client.search("e", data=lists, anns_field="clips[emb]", limit=3)
    assert [h["distance"] for h in weighted[0]] == pytest.approx(
        [0.5 + np.arctan(h["distance"]) / np.pi for h in raw[0]], rel=1e-5)


def test_hybrid_element_level_collapse_and_same_struct_fusion(client):
    rows = make(client, "el", "L2", "FLAT")
    q = _queries(14, 1)
    vec = _queries(15, 1).tolist()
    elements = client.search("el", data=q.tolist(), anns_field="clips[emb]", limit=8)
    rows_of = list(dict.fromkeys(h["id"] for h in elements[0]))  # max-collapse: each row at its best element
    plain = client.search("el", data=vec, anns_field="vec", limit=8)
    res = client.hybrid_search("el", [AnnSearchRequest(q.tolist(), "clips[emb]", {}, 8),
                                      AnnSearchRequest(vec, "vec", {}, 8)], RRFRanker(), limit=20)
    expected = _rrf(rows_of, [h["id"] for h in plain[0]])
    assert sorted(round(h["distance"], 6) for h in res[0]) == sorted(round(s, 6) for _, s in expected)
    assert len({h["id"] for h in res[0]}) == len(res[0]) and all("offset" not in h for h in res[0])
    fused = client.hybrid_search("el", [AnnSearchRequest(q.tolist(), "clips[emb]", {}, 8),
                                        AnnSearchRequest(q.tolist(), "clips[emb]", {}, 8)], RRFRanker(), limit=8)
    assert [(h["id"], h["offset"]) for h in fused[0]] == [(h["id"], h["offset"]) for h in elements[0]]


@pytest.mark.parametrize("param, kwargs, text", [
    ({"radius": 1.0}, {}, "range search is not supported for vector array (embedding-list) fields in hybrid search, "
                          "fieldName:clips[emb]: invalid parameter[expected=][actual=]"),
    ({}, {"group_by_field": "doc"}, "group by search is not supported for vector array (embedding-list) fields in "
                                    "hybrid search, fieldName:clips[emb]: invalid parameter[expected=][actual=]"),
])
def test_hybrid_emb_list_refusals(client, param, kwargs, text):
    make(client, "e")
    with refused("^" + re.escape(text) + "$"):
        client.hybrid_search("e", [AnnSearchRequest([EmbeddingList(_queries(16, 2))], "clips[emb]",
                                                    {"params": param}, 5),
                                   AnnSearchRequest(_queries(17, 1).tolist(), "vec", {}, 5)], RRFRanker(), limit=5,
                             **kwargs)


@pytest.mark.parametrize("scope, text", [
    ({"collapse": {"strategy": "sum"}}, "element_scope.collapse.strategy sum is only supported for positively related "
                                        "metrics: invalid parameter[expected=][actual=]"),
    ({"collapse": {"strategy": "topk_avg"}}, "element_scope.collapse.topk is required for strategy topk_avg: invalid "
                                             "parameter[expected=][actual=]"),
    ({"other": 1}, "element_scope.collapse is required: invalid parameter[expected=][actual=]"),
])
def test_hybrid_element_scope_refusals(client, scope, text):
    make(client, "el", "L2", "FLAT")
    with refused("^" + re.escape(text) + "$"):
        client.hybrid_search("el", [AnnSearchRequest(_queries(18, 1).tolist(), "clips[emb]",
                                                     {"params": {"element_scope": scope}}, 5),
                                    AnnSearchRequest(_queries(19, 1).tolist(), "vec", {}, 5)], RRFRanker(), limit=5)


# -- search_iterator ----------------------------------------------------------------------------------

def test_element_search_iterator_walks_every_element(client):
    rows = make(client, "el", "COSINE", "FLAT")
    q = _queries(20, 1)[0]
    truth = element_truth([r for r in rows if r["doc"] != 1], q, "COSINE")
    it = client.search_iterator("el", data=[q.tolist()], anns_field="clips[emb]", batch_size=7, filter="doc != 1",
                                output_fields=["doc"])
    walked = []
    while True:
        page = it.next()
        if not page:
            break
        walked.extend(page)
    assert [(h["id"], h["offset"]) for h in walked] == [(pk, pos) for pk, pos, _ in truth]
    np.testing.assert_allclose([h["distance"] for h in walked], [d for *_, d in truth], rtol=1e-5, atol=1e-5)
    limited = client.search_iterator("el", data=[q.tolist()], anns_field="clips[emb]", batch_size=4, limit=10)
    assert sum(len(limited.next()) for _ in range(4)) == 10


def test_emb_list_search_iterator_refused(client):
    make(client, "e")
    with refused(r"^search iterator is not supported for multi-search-multi on embedding list fields: invalid "
                 r"parameter\[expected=\]\[actual=\]$"):
        client.search_iterator("e", data=[EmbeddingList(_queries(21, 2))], anns_field="clips[emb]", batch_size=5)
    with refused(r"^search iterator is not supported for multi-search-multi"):  # pymilvus's flat form
        client.search_iterator("e", data=[_queries(21, 2).reshape(-1)], anns_field="clips[emb]", batch_size=5,
                               is_embedding_list=True)


def test_hybrid_same_struct_group_by_pk_and_sub_field_outputs(client):
    make(client, "el", "IP", "FLAT")
    q = _queries(22, 1).tolist()
    reqs = [AnnSearchRequest(q, "clips[emb]", {}, 10), AnnSearchRequest(q, "clips[emb]", {}, 10)]
    grouped = client.hybrid_search("el", reqs, RRFRanker(), limit=4, group_by_field="id", output_fields=["clips[desc]"])
    ids = [h["id"] for h in grouped[0]]
    assert len(ids) == len(set(ids)) == 4 and all("offset" in h for h in grouped[0])
    assert all(set(c) == {"desc"} for h in grouped[0] for c in h["entity"]["clips"])
    with refused(r"^only group by primary key is supported for same-struct element-level vector array fields in "
                 r"hybrid search: invalid parameter\[expected=\]\[actual=\]$"):
        client.hybrid_search("el", reqs, RRFRanker(), limit=4, group_by_field="doc")
    with refused(r"^group by search is only supported for same-struct element-level vector array fields in hybrid "
                 r"search, fieldName:clips\[emb\]"):
        client.hybrid_search("el", [reqs[0], AnnSearchRequest(q, "vec", {}, 5)], RRFRanker(), limit=4,
                             group_by_field="id")


# -- element_filter (filters/elements.py's element_split) -------------------------------------------

@pytest.mark.parametrize("expr, row_ok, element_ok", [
    ("element_filter(clips, $[n] >= 1)", lambda r: True, lambda c: c["n"] >= 1),
    ('doc == 1 && element_filter(clips, $[n] == 0 || $[desc] like "d1%")', lambda r: r["doc"] == 1,
     lambda c: c["n"] == 0 or c["desc"].startswith("d1")),
])
def test_element_filter_selects_elements(client, expr, row_ok, element_ok):
    rows = make(client, "el", "L2", "FLAT")
    q = _queries(23, 1)[0]
    kept = [dict(r, clips=[c if element_ok(c) else None for c in r["clips"] or []]) for r in rows if row_ok(r)]
    truth = [t for t in element_truth([dict(r, clips=[c or {"emb": [np.inf] * DIM} for c in r["clips"]])
                                       for r in kept], q, "L2") if np.isfinite(t[2])]
    res = client.search("el", data=[q.tolist()], anns_field="clips[emb]", limit=15, filter=expr)
    assert [(h["id"], h["offset"]) for h in res[0]] == [(pk, pos) for pk, pos, _ in truth[:15]]


def test_element_filter_refused_in_row_level_searches(client):
    make(client, "e")
    text = (r"^element_filter is only supported for element-level search on vector sub-fields of the same struct "
            r"array; use MATCH_ANY/MATCH_\* for row-level vector search: invalid parameter$")
    with refused(text):
        client.search("e", data=[[0.1] * DIM], anns_field="vec", limit=3, filter="element_filter(clips, $[n] > 0)")
    with refused(text):
        client.search("e", data=[EmbeddingList(_queries(24, 2))], anns_field="clips[emb]", limit=3,
                      filter="element_filter(clips, $[n] > 0)")


def test_element_filter_with_range_group_and_iterator(client):
    rows = make(client, "el", "COSINE", "FLAT")
    q = _queries(25, 1)[0]
    kept = [dict(r, clips=[c for c in r["clips"] or [] if c["n"] >= 1]) for r in rows]
    positions = {(r["id"], j) for r in rows for j, c in enumerate(r["clips"] or []) if c["n"] >= 1}
    truth = [t for t in element_truth(rows, q, "COSINE") if (t[0], t[1]) in positions]
    expr = "element_filter(clips, $[n] >= 1)"
    it = client.search_iterator("el", data=[q.tolist()], anns_field="clips[emb]", batch_size=5, filter=expr)
    walked = []
    while page := it.next():
        walked.extend(page)
    assert [(h["id"], h["offset"]) for h in walked] == [(pk, pos) for pk, pos, _ in truth]
    grouped = client.search("el", data=[q.tolist()], anns_field="clips[emb]", limit=4, group_by_field="id",
                            filter=expr)
    best: dict = {}
    for pk, pos, _ in truth:
        best.setdefault(pk, pos)
    assert [(h["id"], h["offset"]) for h in grouped[0]] == list(best.items())[:4]
    radius = truth[6][2] - 1e-4
    ranged = client.search("el", data=[q.tolist()], anns_field="clips[emb]", limit=50, filter=expr,
                           search_params={"params": {"radius": radius}})
    assert [(h["id"], h["offset"]) for h in ranged[0]] == [(pk, pos) for pk, pos, _ in truth[:7]]
    assert kept  # rows whose elements all fail the predicate are simply absent


@pytest.mark.parametrize("index_metric, data, fields, message", [
    ("COSINE", [[1.0, 1.0, 1.0, 1.0]], ["g"], "only group by primary key is supported for element-level search"),
    ("COSINE", [[1.0, 1.0, 1.0, 1.0]], ["id", "g"], "only group by primary key is supported for element-level search"),
    ("MAX_SIM_COSINE", "list", ["id"], "group by is not supported for multi-search-multi on embedding list fields"),
])
def test_search_aggregation_refusals(fresh_client, index_metric, data, fields, message):
    """search_aggregation is a group_by to Milvus's proxy: its refusals for struct sub-field searches."""
    from pgmilvus import CollectionSchema, EmbeddingList, SearchAggregation

    cli = fresh_client
    schema = CollectionSchema()
    schema.add_field("id", DataType.INT64, is_primary=True).add_field("g", DataType.INT64)
    sub = cli.create_struct_field_schema()
    sub.add_field("emb", DataType.FLOAT_VECTOR, dim=4)
    schema.add_field("clips", DataType.ARRAY, element_type=DataType.STRUCT, struct_schema=sub, max_capacity=3)
    index = cli.prepare_index_params()
    index.add_index("clips[emb]", index_type="HNSW", metric_type=index_metric)
    cli.create_collection("agg", schema=schema, index_params=index)
    cli.insert("agg", [{"id": i, "g": i % 2, "clips": [{"emb": [1.0, float(i), 2.0, 3.0]}]} for i in range(4)])
    if data == "list":
        data = [EmbeddingList()]
        data[0].add([1.0, 1.0, 1.0, 1.0])
    with pytest.raises(MilvusException, match=message):
        cli.search("agg", data, anns_field="clips[emb]", limit=3, search_aggregation=SearchAggregation(fields=fields, size=2))
