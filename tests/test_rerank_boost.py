"""search(ranker=FunctionScore([Function(reranker="boost"), ...])): Milvus's boost rankers.

Four rows whose distances to the query [1, 0] are known (COSINE 1, 0.8, 0.6, 0; L2 0, 0.4,
0.8, 2; IP as COSINE); the expected scores are worked out by hand from Milvus's rules (the
boost values a hit's filters match, combined by function_mode, applied by boost_mode; L2
scores negated), and the random values are those Milvus's C MurmurHash3_x64_64_Special and
hash_to_double give for the keys 1-4 with seed 7 (compiled and run beside this test's
writing).  Negative cases assert Milvus's exact messages.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import pytest

from pgmilvus import (AnnSearchRequest, DataType, Function, FunctionScore, FunctionType, MilvusClient,
                      MilvusException, RRFRanker)

#: MurmurHash3_x64_64_Special(key, 7) through hash_to_double, from Milvus's C code
RANDOM_SEED_7 = {1: 0.25019656136525525, 2: 0.22827583384088834, 3: 0.68135787685205806,
                 4: 0.015901101165748832}
ROWS = [([1.0, 0.0], "odd"), ([0.8, 0.6], "even"), ([0.6, 0.8], "odd"), ([0.0, 1.0], "even")]


@pytest.fixture
def client(fresh_client):
    return fresh_client


def _coll(client: MilvusClient, metric: str, name: str = "b") -> None:
    schema = client.create_schema(enable_dynamic_field=True)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("n", DataType.INT64)
    schema.add_field("s", DataType.VARCHAR, max_length=8)
    index = client.prepare_index_params()
    index.add_index("v", index_type="FLAT", metric_type=metric)
    client.create_collection(name, schema=schema, index_params=index)
    client.insert(name, [{"id": i, "v": v, "n": i, "s": s, "dyn": i * 10} for i, (v, s) in enumerate(ROWS, 1)])


def boost(weight: Any, filter: Optional[str] = None, **extra: Any) -> Function:
    params = {"reranker": "boost", "weight": weight, **({"filter": filter} if filter else {}), **extra}
    return Function(name=f"b{weight}", function_type=FunctionType.RERANK, input_field_names=[], params=params)


def _search(client: MilvusClient, ranker: Any, limit: int = 4, **kwargs: Any) -> list[tuple[int, float]]:
    hits = client.search("b", [[1.0, 0.0]], limit=limit, anns_field="v", ranker=ranker, **kwargs)[0]
    return [(h["id"], h["distance"]) for h in hits]


CASES = [  # metric, functions, FunctionScore params, expected score per id (order: best first)
    ("COSINE", [boost(2.0, "n > 2")], None, {1: 1.0, 2: 0.8, 3: 1.2, 4: 0.0}),
    ("COSINE", [boost("1.5")], {"boost_mode": "multiply"}, {1: 1.5, 2: 1.2, 3: 0.9, 4: 0.0}),
    ("COSINE", [boost(0.5, "s == 'even'")], {"boost_mode": "sum"}, {1: 1.0, 2: 1.3, 3: 0.6, 4: 0.5}),
    ("COSINE", [boost(2.0, "n in [2, 4]"), boost(3.0, "n >= 3")], {"function_mode": "sum", "boost_mode": "sum"},
     {1: 1.0, 2: 2.8, 3: 3.6, 4: 5.0}),
    ("COSINE", [boost(2.0, "n in [2, 4]"), boost(3.0, "n >= 3")], {"function_mode": "multiply", "boost_mode": "sum"},
     {1: 1.0, 2: 2.8, 3: 3.6, 4: 6.0}),
    ("COSINE", [boost(2.0, "n in [2, 4]"), boost(3.0, "n >= 3")], None, {1: 1.0, 2: 1.6, 3: 1.8, 4: 0.0}),
    ("COSINE", [boost(2.0, "n > 10"), boost(3.0, "n < 0")], {"boost_mode": "sum"}, {1: 1.0, 2: 0.8, 3: 0.6, 4: 0.0}),
    ("COSINE", [boost(2.0, "dyn >= 30")], {"boost_mode": "SUM"}, {1: 1.0, 2: 0.8, 3: 2.6, 4: 2.0}),
    ("COSINE", [boost(2.0, "dyn >= 30")], {"BOOST_MODE": "sum"}, {1: 1.0, 2: 0.8, 3: 1.2, 4: 0.0}),
    ("IP", [boost(1.0, random_score={"seed": 7, "field": "n"})], None,
     {i: d * RANDOM_SEED_7[i] for i, d in {1: 1.0, 2: 0.8, 3: 0.6, 4: 0.0}.items()}),
    ("IP", [boost(2.0, "n == 1", random_score={"seed": 7, "field": "n"})], {"boost_mode": "sum"},
     {1: 1.0 + 2 * RANDOM_SEED_7[1], 2: 0.8, 3: 0.6, 4: 0.0}),
    ("COSINE", [boost(2.0, 'starts_with(s, "ev")')], None, {1: 1.0, 2: 1.6, 3: 0.6, 4: 0.0}),
    ("L2", [boost(0.25, "n == 3")], {"boost_mode": "multiply"}, {1: 0.0, 2: 0.4, 3: 0.2, 4: 2.0}),
    ("L2", [boost(0.7, "n == 3")], {"boost_mode": "sum"}, {1: 0.0, 2: 0.4, 3: 0.1, 4: 2.0}),
]


@pytest.mark.parametrize("metric,functions,params,expected", CASES)
def test_boosted_scores_and_order(client: MilvusClient, metric: str, functions: list, params: Optional[dict],
                                  expected: dict[int, float]) -> None:
    _coll(client, metric)
    hits = _search(client, FunctionScore(functions, params))
    larger = metric != "L2"
    order = sorted(expected, key=lambda i: ((-expected[i] if larger else expected[i]), i))
    assert [pk for pk, _ in hits] == order
    for pk, score in hits:
        assert math.isclose(score, expected[pk], rel_tol=1e-5, abs_tol=1e-6), (pk, score, expected[pk])


def test_offset_limit_filter_and_round_decimal_apply_after_the_boost(client: MilvusClient) -> None:
    _coll(client, "COSINE")
    ranker = FunctionScore(boost(5.0, "n == 4"))
    # the window is limit + offset: row 4 (score 0) is outside the top 2, so nothing to boost
    assert [pk for pk, _ in _search(client, ranker, limit=2)] == [1, 2]
    assert _search(client, ranker, limit=2, offset=2) == [(3, pytest.approx(0.6)), (4, 0.0)]
    assert [pk for pk, _ in _search(client, FunctionScore(boost(3.0, "n == 3")), limit=2, offset=1)] == [1, 2]
    assert _search(client, FunctionScore(boost(3.0, "n == 3")), limit=3, filter="n != 1",
                   round_decimal=2) == [(3, 1.8), (2, 0.8), (4, 0.0)]
    assert _search(client, boost(2.0, "n == {k}"), limit=2, filter_params={"k": 2}) == \
        [(2, pytest.approx(1.6)), (1, 1.0)]


def test_a_boost_then_a_decay_ranker(client: MilvusClient) -> None:
    _coll(client, "COSINE")
    decay = Function(name="d", function_type=FunctionType.RERANK, input_field_names=["n"],
                     params={"reranker": "decay", "function": "linear", "origin": 1, "scale": 10, "decay": 0.5})
    hits = _search(client, FunctionScore([boost(4.0, "n == 4"), decay], {"boost_mode": "sum"}))
    factor = {i: max(0.5, 1 - 0.5 * (i - 1) / 10) for i in range(1, 5)}
    expected = {1: 1.0 * factor[1], 2: 0.8 * factor[2], 3: 0.6 * factor[3], 4: 4.0 * factor[4]}
    assert [pk for pk, _ in hits] == [4, 1, 2, 3]
    assert [round(s, 5) for _, s in hits] == [round(expected[pk], 5) for pk, _ in hits]


def test_boost_in_hybrid_search_rescored_each_request(client: MilvusClient) -> None:
    _coll(client, "COSINE")
    reqs = [AnnSearchRequest([[1.0, 0.0]], "v", {}, 4), AnnSearchRequest([[0.0, 1.0]], "v", {}, 4)]
    rrf = Function(name="r", function_type=FunctionType.RERANK, input_field_names=[], params={"reranker": "rrf"})
    plain = client.hybrid_search("b", reqs, RRFRanker(), limit=4)[0]
    boosted = client.hybrid_search("b", reqs, FunctionScore([boost(10.0, "n == 3"), rrf]), limit=4)[0]
    assert [h["id"] for h in plain][0] != 3
    assert boosted[0]["id"] == 3 and math.isclose(boosted[0]["distance"], 2 / 61, rel_tol=1e-5)
    with pytest.raises(MilvusException) as info:
        client.hybrid_search("b", reqs, FunctionScore([boost(10.0)]), limit=4)
    assert info.value.code == 3000 and "add an rrf, weighted or decay Function" in info.value.message


def test_an_empty_function_score_is_a_plain_search(client: MilvusClient) -> None:
    _coll(client, "COSINE")
    assert _search(client, FunctionScore([])) == _search(client, None)


PLAN = "failed to create query plan: "
BAD = [  # functions, params, search kwargs, code, message
    ([boost("invalid_float")], None, {}, 1100,
     PLAN + 'parse function scorer weight params failed with error: {strconv.ParseFloat: parsing "invalid_float": '
            "invalid syntax}: invalid parameter"),
    ([boost("1e39")], None, {}, 1100,
     PLAN + 'parse function scorer weight params failed with error: {strconv.ParseFloat: parsing "1e39": '
            "value out of range}: invalid parameter"),
    ([boost(" 1")], None, {}, 1100,
     PLAN + 'parse function scorer weight params failed with error: {strconv.ParseFloat: parsing " 1": '
            "invalid syntax}: invalid parameter"),
    ([Function(name="x", function_type=FunctionType.RERANK, input_field_names=[], params={"reranker": "boost"})],
     None, {}, 1100, PLAN + "must set weight params for weight scorer: invalid parameter"),
    ([boost(1.5, "invalid_field @@@ 123")], None, {}, 1100,
     PLAN + "parse expr failed with error: {cannot parse expression: invalid_field @@@ 123, error: column 15: "
            "token recognition error at: '@'}: invalid parameter"),
    ([boost(1.5, "n > 'a'")], None, {}, 1100, None),
    ([boost(1.5, "empty(n)")], None, {}, 65535,
     "fail to search on QueryNode: worker query failed: function empty(int64_t) not found."),
    ([boost(1.5)], None, {"group_by_field": "n"}, 1100,
     PLAN + "don't support use segment scorer with group_by or search_iterator: invalid parameter"),
    ([boost(1.5)], {"boost_mode": "max"}, {}, 1100,
     PLAN + "unknown boost mode: max: invalid parameter: invalid parameter"),
    ([boost(1.5)], {"function_mode": "avg"}, {}, 1100,
     PLAN + "unknown function mode: avg: invalid parameter: invalid parameter"),
    ([boost(1.5, random_score={"field": "nope"})], None, {}, 1100,
     PLAN + "random seed field not found: field not found[field=nope]: invalid parameter"),
    ([boost(1.5, random_score={"field": "s"})], None, {}, 1100,
     PLAN + "only support int64 field as random seed, but got VarChar: invalid parameter: invalid parameter"),
    ([boost(1.5, random_score={"field": 3})], None, {}, 1100,
     PLAN + "random seed field name must be string: invalid parameter: invalid parameter"),
    ([boost(1.5, random_score={"seed": "x"})], None, {}, 1100,
     PLAN + "random seed must be number: invalid parameter: invalid parameter"),
    ([boost(1.5), Function(name="b2", function_type=FunctionType.RERANK, input_field_names=["n"],
                           output_field_names=["v"], params={"reranker": "boost", "weight": 1})], None, {}, 65535,
     "rerank function should not have output field, but now is 1"),
    ([Function(name="d", function_type=FunctionType.RERANK, input_field_names=["n"],
               params={"reranker": "decay", "function": "gauss", "origin": 0, "scale": 1}),
      Function(name="e", function_type=FunctionType.RERANK, input_field_names=["n"],
               params={"reranker": "decay", "function": "exp", "origin": 0, "scale": 1})], None, {}, 65535,
     "currently only supports one rerank"),
]


@pytest.mark.parametrize("functions,params,kwargs,code,message", BAD)
def test_bad_boost_functions_get_milvus_errors(client: MilvusClient, functions: list, params: Optional[dict],
                                               kwargs: dict, code: int, message: Optional[str]) -> None:
    _coll(client, "COSINE")
    with pytest.raises(MilvusException) as info:
        _search(client, FunctionScore(functions, params), **kwargs)
    assert info.value.code == code
    if message is None:  # the filter's own type error, in the boost wrapper
        assert info.value.message.startswith(PLAN + "parse expr failed with error: {cannot parse expression: n > 'a'")
    else:
        assert info.value.message == message


def test_boost_on_full_text_search(client: MilvusClient) -> None:
    """Boosts read their filters in the BM25 statements too (term by term, pruned and not)."""
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("text", DataType.VARCHAR, max_length=200, enable_analyzer=True)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("n", DataType.INT64)
    schema.add_function(Function(name="bm", function_type=FunctionType.BM25, input_field_names=["text"],
                                 output_field_names=["sparse"]))
    index = client.prepare_index_params()
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    client.create_collection("t", schema=schema, index_params=index)
    client.insert("t", [{"id": i, "text": "fox " * (5 - i) + "dog", "n": i} for i in range(5)])
    for text in ("fox", "fox dog"):
        plain = {h["id"]: h["distance"] for h in client.search("t", [text], anns_field="sparse", limit=5)[0]}
        hits = client.search("t", [text], anns_field="sparse", limit=5, output_fields=["n"],
                             ranker=FunctionScore(boost(100.0, "n == 3"), {"boost_mode": "sum"}))[0]
        assert hits[0]["id"] == 3 and hits[0]["entity"] == {"n": 3}
        assert math.isclose(hits[0]["distance"], plain[3] + 100, rel_tol=1e-5)
        assert [h["id"] for h in hits[1:]] == [pk for pk in sorted(plain, key=lambda k: -plain[k]) if pk != 3]
