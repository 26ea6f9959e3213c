"""search(ranker=Function(reranker="decay")) and hybrid_search with it: scores against the formula
(written out here from Milvus's docs, independently of function_rank.py), order, offset / limit,
and Milvus's errors for bad parameters."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from pgmilvus import (AnnSearchRequest, DataType, Function, FunctionScore, FunctionType, MilvusClient,
                      MilvusException, ParamError, RRFRanker)

N = 40


@pytest.fixture
def client(fresh_client):
    return fresh_client


def _vectors() -> np.ndarray:
    rng = np.random.default_rng(7)
    return rng.random((N, 4)).astype(np.float32)


def _coll(client: MilvusClient, metric: str = "COSINE", dtype: DataType = DataType.INT64) -> np.ndarray:
    """Collection ``c``: id, vectors v and w, a numeric field ``ts`` = 10 * id, a VARCHAR and a JSON field."""
    schema = client.create_schema(enable_dynamic_field=True)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=4)
    schema.add_field("w", DataType.FLOAT_VECTOR, dim=4)
    schema.add_field("ts", dtype)
    schema.add_field("s", DataType.VARCHAR, max_length=8)
    schema.add_field("j", DataType.JSON)
    schema.add_field("arr", DataType.ARRAY, element_type=DataType.INT64, max_capacity=4)
    schema.add_field("at", DataType.TIMESTAMPTZ, nullable=True)
    index = client.prepare_index_params()
    index.add_index("v", index_type="FLAT", metric_type=metric)
    index.add_index("w", index_type="FLAT", metric_type="L2")
    client.create_collection("c", schema=schema, index_params=index)
    vectors = _vectors()
    client.insert("c", [{"id": i, "v": vectors[i].tolist(), "w": vectors[N - 1 - i].tolist(), "ts": 10 * i,
                         "s": str(i), "j": {"a": i}, "arr": [i], "dyn": i} for i in range(N)])
    return vectors


def _decay(function: str, field: str = "ts", **params: Any) -> Function:
    return Function(name="d", input_field_names=[field], function_type=FunctionType.RERANK,
                    params={"reranker": "decay", "function": function, **params})


def expected_factor(function: str, value: float, origin: float, scale: float, offset: float, decay: float
                    ) -> float:
    """The decay curves as Milvus's docs write them (Gaussian / Exponential / Linear Decay pages)."""
    d = max(0.0, abs(value - origin) - offset)
    if function == "gauss":
        sigma2 = -scale ** 2 / (2 * math.log(decay))
        return math.exp(-d ** 2 / (2 * sigma2))
    if function == "exp":
        return math.exp(math.log(decay) / scale * d)
    return max(decay, 1 - (1 - decay) * d / scale)


def _plain(client: MilvusClient, query: list[float], limit: int, field: str = "v") -> dict[int, float]:
    hits = client.search("c", [query], limit=limit, anns_field=field)[0]
    return {h["id"]: h["distance"] for h in hits}


@pytest.mark.parametrize("function", ["gauss", "exp", "linear"])
@pytest.mark.parametrize("metric", ["COSINE", "L2", "IP"])
def test_decay_scores_follow_the_formula(client: MilvusClient, function: str, metric: str) -> None:
    vectors = _coll(client, metric)
    query = vectors[3].tolist()
    params = {"origin": 100, "scale": 50, "offset": 20, "decay": 0.4}
    plain = _plain(client, query, 10)
    hits = client.search("c", [query], limit=10, anns_field="v", ranker=_decay(function, **params),
                         output_fields=["ts"])[0]
    expected = {}
    for pk, distance in plain.items():
        sim = distance if metric in ("COSINE", "IP") else 1 - 2 * math.atan(distance) / math.pi
        expected[pk] = sim * expected_factor(function, 10 * pk, 100, 50, 20, 0.4)
    assert sorted(h["id"] for h in hits) == sorted(plain)  # the same candidates, reordered
    for hit in hits:
        assert hit["distance"] == pytest.approx(expected[hit["id"]], rel=1e-5, abs=1e-6)
        assert hit["entity"] == {"ts": 10 * hit["id"]}
    scores = [h["distance"] for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_decay_defaults_offset_window_and_types(client: MilvusClient) -> None:
    vectors = _coll(client, "COSINE", DataType.FLOAT)
    query = vectors[0].tolist()
    plain = _plain(client, query, 12)
    ranker = _decay("gauss", origin=0, scale=100)  # offset 0, decay 0.5
    full = client.search("c", [query], limit=12, anns_field="v", ranker=ranker)[0]
    for hit in full:
        assert hit["distance"] == pytest.approx(plain[hit["id"]] * 0.5 ** ((10 * hit["id"] / 100) ** 2), rel=1e-5)
    # offset / limit cut the reranked list of limit + offset candidates
    page = client.search("c", [query], limit=5, offset=7, anns_field="v", ranker=ranker)[0]
    assert [h["id"] for h in page] == [h["id"] for h in full][7:12]
    # a filter that matches nothing, round_decimal, nq = 2
    assert len(client.search("c", [query], limit=5, filter="ts >= 90 and ts <= 40", ranker=ranker,
                             anns_field="v")[0]) == 0
    two = client.search("c", [query, vectors[5].tolist()], limit=3, anns_field="v", ranker=ranker,
                        round_decimal=2)
    assert len(two) == 2 and all(h["distance"] == round(h["distance"], 2) for h in two[1])
    # a FunctionScore of one function is the same ranker
    same = client.search("c", [query], limit=12, anns_field="v", ranker=FunctionScore(ranker))[0]
    assert [h["id"] for h in same] == [h["id"] for h in full]


def test_decay_in_hybrid_search_takes_the_best_normalized_score(client: MilvusClient) -> None:
    vectors = _coll(client)
    query = vectors[2].tolist()
    reqs = [AnnSearchRequest([query], "v", {}, 8), AnnSearchRequest([query], "w", {}, 8)]
    by_v, by_w = _plain(client, query, 8, "v"), _plain(client, query, 8, "w")
    hits = client.hybrid_search("c", reqs, _decay("exp", origin=200, scale=100), limit=20)[0]
    assert sorted(h["id"] for h in hits) == sorted(set(by_v) | set(by_w))
    for hit in hits:
        pk = hit["id"]
        sims = ([by_v[pk]] if pk in by_v else []) + ([1 - 2 * math.atan(by_w[pk]) / math.pi] if pk in by_w else [])
        assert hit["distance"] == pytest.approx(max(sims) * expected_factor("exp", 10 * pk, 200, 100, 0, 0.5),
                                                rel=1e-5, abs=1e-6)
    # rrf as a Function is RRFRanker
    rrf = Function(name="r", input_field_names=[], function_type=FunctionType.RERANK,
                   params={"reranker": "rrf", "k": 60})
    as_function = client.hybrid_search("c", reqs, rrf, limit=10)[0]
    assert [h["id"] for h in as_function] == [h["id"] for h in client.hybrid_search("c", reqs, RRFRanker(), 10)[0]]


BAD = [
    ({"reranker": "decay", "function": "gauss", "offset": 0, "scale": 100}, "decay origin not specified"),
    ({"reranker": "decay", "function": "gauss", "origin": 0}, "decay scale not specified"),
    ({"reranker": "decay", "function": "gauss", "origin": "invalid", "scale": 100},
     "decay param origin: invalid is not a number"),
    ({"reranker": "decay", "function": "gauss", "origin": [1], "scale": 100},
     "decay param origin: [1] is not a number"),
    ({"reranker": "decay", "function": "gauss", "origin": 0, "scale": 0}, "decay: scale must be > 0, got 0"),
    ({"reranker": "decay", "function": "gauss", "origin": 0, "scale": -1.0}, "decay: scale must be > 0, got -1.0"),
    ({"reranker": "decay", "function": "gauss", "origin": 0, "scale": 1, "offset": -1.0},
     "decay: offset must be >= 0, got -1.0"),
    ({"reranker": "decay", "function": "gauss", "origin": 0, "scale": 1, "offset": "x"},
     "decay param offset: x is not a number"),
    ({"reranker": "decay", "function": "gauss", "origin": 0, "scale": 1, "decay": 1},
     "Decay function param: decay must 0 < decay < 1, but got 1"),
    ({"reranker": "decay", "function": "gauss", "origin": 0, "scale": 1, "decay": "invalid"},
     "decay param decay: invalid is not a number"),
    ({"reranker": "decay", "function": "invalid", "origin": 0, "scale": 1},
     'decay: invalid function "invalid", must be one of [gauss, exp, linear]'),
    ({"reranker": "decay", "function": 1, "origin": 0, "scale": 1},
     'decay: invalid function "1", must be one of [gauss, exp, linear]'),
    ({"reranker": "invalid"}, "unsupported reranker invalid"),
    ({"reranker": 1}, "unsupported reranker 1"),
    ({"reranker": ""}, "reranker name not specified"),
    ({}, "reranker name not specified"),
]


@pytest.mark.parametrize("params,message", BAD)
def test_bad_decay_parameters_get_milvus_errors(client: MilvusClient, params: dict, message: str) -> None:
    _coll(client)
    ranker = Function(name="d", input_field_names=["ts"], function_type=FunctionType.RERANK, params=params)
    with pytest.raises(MilvusException) as info:
        client.search("c", [[0.1, 0.2, 0.3, 0.4]], anns_field="v", ranker=ranker)
    assert (info.value.code, info.value.message) == (65535, message)


@pytest.mark.parametrize("fields,message", [
    (["ts", "id"], "decay reranker requires exactly 1 input field, got 2"),
    (["dyn"], "input field dyn not found in collection schema"),
    (["s"], "decay input field s must be numeric, got VarChar"),
    (["at"], "decay input field at must be numeric, got Timestamptz"),  # Milvus master
    (["j"], "unsupported field type: JSON"),
    (["arr"], "unsupported field type: Array"),
    (["v"], "unsupported field type: FloatVector"),
])
def test_decay_input_fields_must_be_one_numeric_field(client: MilvusClient, fields: list, message: str) -> None:
    _coll(client)
    ranker = Function(name="d", input_field_names=fields, function_type=FunctionType.RERANK,
                      params={"reranker": "decay", "function": "gauss", "origin": 0, "scale": 100})
    with pytest.raises(MilvusException) as info:
        client.search("c", [[0.1, 0.2, 0.3, 0.4]], anns_field="v", ranker=ranker)
    assert (info.value.code, info.value.message) == (65535, message)


def test_model_rankers_and_other_refusals(client: MilvusClient) -> None:
    _coll(client)
    model = Function(name="m", input_field_names=["s"], function_type=FunctionType.RERANK,
                     params={"reranker": "model", "provider": "tei", "queries": ["q"], "endpoint": "http://x"})
    with pytest.raises(MilvusException) as info:
        client.search("c", [[0.1, 0.2, 0.3, 0.4]], anns_field="v", ranker=model)
    assert info.value.code == 3000 and "model reranker (provider tei) is not supported" in info.value.message
    reqs = [AnnSearchRequest([[0.1, 0.2, 0.3, 0.4]], "v", {}, 5)]
    with pytest.raises(MilvusException) as info:
        client.hybrid_search("c", reqs, model, limit=5)
    assert info.value.code == 3000 and "provider tei" in info.value.message
    with pytest.raises(ParamError, match="The search ranker must be a Function or FunctionScore"):
        client.search("c", [[0.1, 0.2, 0.3, 0.4]], anns_field="v", ranker="Function")


def test_null_field_values_rank_last_with_score_zero(client: MilvusClient) -> None:
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("n", DataType.FLOAT, nullable=True)
    index = client.prepare_index_params()
    index.add_index("v", index_type="FLAT", metric_type="COSINE")
    client.create_collection("c", schema=schema, index_params=index)
    values = [0, None, 50, None, 100, 200]
    # the NULL rows are the most similar ones: they still come last
    client.insert("c", [{"id": i, "v": [1.0, 0.1 * (i % 2 == 0)], "n": v} for i, v in enumerate(values)])
    hits = client.search("c", [[1.0, 0.0]], limit=6, ranker=_decay("gauss", field="n", origin=0, scale=100),
                         output_fields=["n"])[0]
    assert [h["id"] for h in hits] == [0, 2, 4, 5, 1, 3]
    assert [h["distance"] for h in hits][-2:] == [0.0, 0.0]
    cos = {i: 1 / math.sqrt(1.01) if i % 2 == 0 else 1.0 for i in range(6)}
    assert [h["distance"] for h in hits][:4] == pytest.approx(
        [cos[i] * 0.5 ** ((values[i] / 100) ** 2) for i in (0, 2, 4, 5)], rel=1e-5)


def test_weighted_function_in_hybrid_search_is_weighted_ranker(client: MilvusClient) -> None:
    from pgmilvus import WeightedRanker
    vectors = _coll(client)
    reqs = [AnnSearchRequest([vectors[1].tolist()], "v", {}, 6), AnnSearchRequest([vectors[1].tolist()], "w", {}, 6)]
    weighted = Function(name="w", input_field_names=[], function_type=FunctionType.RERANK,
                        params={"reranker": "weighted", "weights": [0.3, 0.7], "norm_score": True})
    got = client.hybrid_search("c", reqs, weighted, limit=8)[0]
    want = client.hybrid_search("c", reqs, WeightedRanker(0.3, 0.7, norm_score=True), limit=8)[0]
    assert [(h["id"], h["distance"]) for h in got] == [(h["id"], h["distance"]) for h in want]


@pytest.mark.parametrize("offset", [0, 1])
def test_decay_with_group_by_regroups_the_grouped_hits(client: MilvusClient, offset: int) -> None:
    """As Milvus 2.6's rerank: the grouping search's hits (limit + offset groups of group_size),
    each score decayed, regrouped (best group_size per group; groups by their best score, ties by
    size then first key), then offset and limit on the groups."""
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=4)
    schema.add_field("ts", DataType.INT64)
    schema.add_field("g", DataType.INT64)
    index = client.prepare_index_params()
    index.add_index("v", index_type="FLAT", metric_type="COSINE")
    client.create_collection("grp", schema=schema, index_params=index)
    vectors = _vectors()
    client.insert("grp", [{"id": i, "v": vectors[i].tolist(), "ts": 10 * i, "g": i % 7} for i in range(N)])
    query, limit, size = vectors[2].tolist(), 3, 2
    grouped = client.search("grp", [query], limit=limit + offset, anns_field="v", group_by_field="g",
                            group_size=size, output_fields=["g"])[0]
    decayed = sorted(((h["id"], h["distance"] * expected_factor("gauss", 10 * h["id"], 0, 100, 0, 0.5),
                       h["entity"]["g"]) for h in grouped), key=lambda t: (-t[1], t[0]))
    groups: dict[int, list] = {}
    for pk, score, g in decayed:
        groups.setdefault(g, []).append((pk, score))
    order = sorted(groups.values(), key=lambda m: (-max(s for _, s in m), -len(m), m[0][0]))[offset:offset + limit]
    expected = [hit for members in order for hit in members]
    hits = client.search("grp", [query], limit=limit, offset=offset, anns_field="v", group_by_field="g",
                         group_size=size, ranker=_decay("gauss", origin=0, scale=100), output_fields=["g"])[0]
    assert [h["id"] for h in hits] == [pk for pk, _ in expected]
    assert [h["distance"] for h in hits] == pytest.approx([s for _, s in expected], rel=1e-5)
    assert all(h["entity"]["g"] == h["id"] % 7 for h in hits)
    # hybrid_search of the same request twice: each entity's best score is its score, so the same
    reqs = [AnnSearchRequest([query], "v", {}, limit + offset) for _ in range(2)]
    both = client.hybrid_search("grp", reqs, _decay("gauss", origin=0, scale=100), limit=limit, offset=offset,
                                group_by_field="g", group_size=size)[0]
    assert [(h["id"], pytest.approx(h["distance"], rel=1e-5)) for h in both] == [(h["id"], h["distance"]) for h in hits]
