"""search(search_aggregation=...): Milvus master's buckets over the nearest hits (search/aggregation/).

Row i of ``shop`` lies at distance (i / 20)^2 from Q, so the hits come in id order and the expected
buckets can be worked out by hand: the search keeps the nearest ``topk`` composite groups (every
level's fields together; topk = the product of the sizes) with ``group_size`` hits each (the
largest top_hits size, else 1), then each level buckets those hits."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from pgmilvus import DataType, MilvusClient, SearchAggregation, TopHits
from pgmilvus.errors import MilvusException, ParamError

Q = [[0.0, 0.0]]
N = 12


def brand(i: int) -> Any:
    return None if i % 7 == 0 else "ab"[i % 2]


def build_shop(client: Any, types: Any, name: str, n: int) -> None:
    """The shop collection, for pgmilvus (``types``: its DataType) or pymilvus (its own)."""
    s = client.create_schema(enable_dynamic_field=False)
    s.add_field("id", types.INT64, is_primary=True)
    s.add_field("v", types.FLOAT_VECTOR, dim=2)
    s.add_field("brand", types.VARCHAR, max_length=4, nullable=True)
    s.add_field("color", types.VARCHAR, max_length=4)
    s.add_field("price", types.INT64, nullable=True)
    s.add_field("rating", types.FLOAT)
    s.add_field("j", types.JSON)
    s.add_field("weight", types.DOUBLE)
    s.add_field("ok", types.BOOL)
    index = client.prepare_index_params()
    index.add_index("v", index_type="FLAT", metric_type="L2")
    client.create_collection(name, schema=s, index_params=index)
    client.insert(name, [{"id": i, "v": [i / 20, 0.0], "brand": brand(i), "color": "xyz"[i % 3],
                          "price": None if i % 5 == 0 else i * 10, "rating": i / 4, "j": {"a": i},
                          "weight": i / 7, "ok": i % 4 == 0} for i in range(n)])


@pytest.fixture
def shop(fresh_client) -> MilvusClient:
    build_shop(fresh_client, DataType, "shop", N)
    return fresh_client


def tree(buckets) -> list:
    """Buckets as plain data: (key values, count, metrics, hit pks, sub-buckets)."""
    return [([k["value"] for k in b.key], b.count, b.metrics, [h.pk for h in b.hits], tree(b.sub_groups))
            for b in buckets]


@pytest.mark.parametrize("agg, expected", [
    # 2 groups (null brand: rows 0, 7; b: rows 1, 3), 2 hits each; count(price) skips the NULL
    (SearchAggregation(fields=["brand"], size=2, metrics={"n": {"count": "*"}, "p": {"sum": "price"},
                                                          "c": {"count": "price"}},
                       top_hits=TopHits(size=2, sort=[{"_score": "asc"}])),
     [([None], 2, {"n": 2, "p": 70, "c": 1}, [0, 7], []), (["b"], 2, {"n": 2, "p": 40, "c": 2}, [1, 3], [])]),
    # no top_hits sort: the score descending, so the farther hit first (as Milvus sorts them)
    (SearchAggregation(fields=["brand"], size=1, top_hits=TopHits(size=3)), [([None], 2, {}, [7, 0], [])]),
    # ordered by key: NULL before any value; a metric with no value is left out
    (SearchAggregation(fields=["brand"], size=3, metrics={"p": {"max": "price"}}, order=[{"_key": "asc"}]),
     [([None], 1, {}, [], []), (["a"], 1, {"p": 20}, [], []), (["b"], 1, {"p": 10}, [], [])]),
    (SearchAggregation(fields=["brand"], size=3, order=[{"_count": "desc"}, {"_key": "desc"}],
                       top_hits=TopHits(size=3)),
     [(["b"], 3, {}, [5, 3, 1], []), (["a"], 3, {}, [6, 4, 2], []), ([None], 2, {}, [7, 0], [])]),
    # composite keys; order by a metric; top_hits by a field, NULLs last
    (SearchAggregation(fields=["color", "brand"], size=2, metrics={"lo": {"min": "price"}},
                       order=[{"lo": "desc"}], top_hits=TopHits(size=2, sort=[{"price": "desc"}])),
     [(["y", "b"], 1, {"lo": 10}, [1], []), (["x", None], 1, {}, [0], [])]),
    # two levels: 4 (color, brand) groups of 1 hit: rows 0-3; colors x (0, 3) and y (1) kept
    (SearchAggregation(fields=["color"], size=2,
                       sub_aggregation=SearchAggregation(fields=["brand"], size=2, top_hits=TopHits(size=1))),
     [(["x"], 2, {}, [], [([None], 1, {}, [0], []), (["b"], 1, {}, [3], [])]),
      (["y"], 1, {}, [], [(["b"], 1, {}, [1], [])])]),
])
def test_buckets(shop: MilvusClient, agg, expected) -> None:
    res = shop.search("shop", Q, limit=3, output_fields=["brand"], search_aggregation=agg)
    assert len(res) == 1 and list(res[0]) == []  # Milvus returns no plain hits beside the buckets
    assert tree(res.agg_buckets[0]) == expected


def test_metric_values_and_hits(shop: MilvusClient) -> None:
    plain = shop.search("shop", Q, limit=N, output_fields=["price"])
    score = {h["id"]: h["distance"] for h in plain[0]}
    agg = SearchAggregation(fields=["color"], size=3, order=[{"avg_r": "desc"}],
                            metrics={"avg_r": {"avg": "rating"}, "sum_r": {"sum": "rating"},
                                     "far": {"max": "_score"}, "lo": {"min": "brand"}},
                            top_hits=TopHits(size=3, sort=[{"price": "desc"}]))
    res = shop.search("shop", Q, limit=3, output_fields=["price", "brand"], search_aggregation=agg)
    buckets = res.agg_buckets[0]
    assert [b.key for b in buckets] == [[{"field_name": "color", "field_id": 103, "value": c}] for c in "zyx"]
    z = buckets[0]  # rows 2, 5, 8
    assert z.metrics == {"avg_r": 1.25, "sum_r": 3.75, "far": pytest.approx(score[8], rel=1e-6), "lo": "a"}
    assert [h.pk for h in z.hits] == [8, 2, 5]  # price desc, the NULL price last
    assert [h.fields for h in z.hits] == [{"price": 80, "brand": "a"}, {"price": 20, "brand": "a"}, {"brand": "b"}]
    assert z.hits[0].field_ids() == {"price": 104, "brand": 102}
    assert z.hits[0].score == pytest.approx(score[8], rel=1e-6)
    assert float(np.float32(z.hits[0].score)) == z.hits[0].score  # a float32, as Milvus's scores
    assert repr(z).startswith("AggregationBucket(key=[{'field_name': 'color', 'field_id': 103, 'value': 'z'}], "
                              "count=3, metrics=")


def test_one_list_of_buckets_per_query(shop: MilvusClient) -> None:
    res = shop.search("shop", [[0.0, 0.0], [0.55, 0.0]], limit=5, search_aggregation=SearchAggregation(
        fields=["brand"], size=1, metrics={"n": {"count": "*"}}))
    assert [list(hits) for hits in res] == [[], []]
    assert [tree(b) for b in res.agg_buckets] == [[([None], 1, {"n": 1}, [], [])], [(["b"], 1, {"n": 1}, [], [])]]
    assert shop.search("shop", Q, limit=2).agg_buckets == []  # a plain search has none


def test_filter_and_range_search(shop: MilvusClient) -> None:
    res = shop.search("shop", Q, limit=3, filter="price > 35", search_params={"params": {"radius": 0.2}},
                      search_aggregation=SearchAggregation(fields=["brand"], size=5, top_hits=TopHits(size=5)))
    # rows 4, 6, 7, 8 pass the filter, and lie within radius 0.2 (row 9: 0.2025)
    assert sorted((b.key[0]["value"] or "", sorted(h.pk for h in b.hits)) for b in res.agg_buckets[0]) == \
           [("", [7]), ("a", [4, 6, 8])]
    res = shop.search("shop", Q, limit=3, filter="price > 35", search_params={"params": {"radius": 0.2,
                                                                                     "range_filter": 0.05}},
                      search_aggregation=SearchAggregation(fields=["brand"], size=5, top_hits=TopHits(size=5)))
    # range_filter keeps the groups' nearer rows out too (row 4: 0.04)
    assert sorted((b.key[0]["value"] or "", sorted(h.pk for h in b.hits)) for b in res.agg_buckets[0]) == \
           [("", [7]), ("a", [6, 8])]


def test_pymilvus_objects_are_taken(shop: MilvusClient) -> None:
    pymilvus = pytest.importorskip("pymilvus")
    theirs = pymilvus.SearchAggregation(fields=["brand"], size=2, metrics={"n": {"count": "*"}},
                                        top_hits=pymilvus.TopHits(size=2, sort=[{"_score": "asc"}]))
    ours = SearchAggregation(fields=["brand"], size=2, metrics={"n": {"count": "*"}},
                             top_hits=TopHits(size=2, sort=[{"_score": "asc"}]))
    assert tree(shop.search("shop", Q, search_aggregation=theirs).agg_buckets[0]) == \
           tree(shop.search("shop", Q, search_aggregation=ours).agg_buckets[0])


def _levels(n: int) -> SearchAggregation:
    agg = None
    for name in ["color", "brand", "price", "id", "rating"][:n][::-1]:
        agg = SearchAggregation(fields=[name], size=1, sub_aggregation=agg)
    return agg


BAD = "invalid parameter"


@pytest.mark.parametrize("kwargs, code, message", [
    (dict(search_aggregation=_levels(5)), 1100, f"search_aggregation nesting exceeds max 4 levels: {BAD}"),
    (dict(search_aggregation=SearchAggregation(fields=["nope"], size=1)), 1100,
     f'invalid group_by field "nope": field "nope" not found in schema: {BAD}'),
    (dict(search_aggregation=SearchAggregation(fields=["rating"], size=1)), 1100,
     'group_by field "rating": FLOAT / DOUBLE fields are not supported with search_aggregation (BucketKeyEntry '
     f"has no float variant; equality on floats is fragile): {BAD}"),
    (dict(search_aggregation=SearchAggregation(fields=["j"], size=1)), 1100,
     f'group_by field "j": JSON / dynamic fields are not yet supported with search_aggregation: {BAD}'),
    (dict(search_aggregation=SearchAggregation(fields=["v"], size=1)), 1100,
     "unsupported data type VECTOR_FLOAT for group by operator: group by needs an INT8-INT64, TIMESTAMPTZ, BOOL, "
     f"VARCHAR or JSON field: {BAD}"),
    (dict(search_aggregation=SearchAggregation(fields=["brand", "brand"], size=1)), 1100,
     f'duplicated group_by field "brand" in one level: {BAD}'),
    (dict(search_aggregation=SearchAggregation(fields=["brand"], size=1, sub_aggregation=SearchAggregation(
        fields=["brand"], size=1))), 1100, f'duplicated group_by field "brand" across levels: {BAD}'),
    (dict(search_aggregation=SearchAggregation(fields=["brand"], size=1, metrics={"m": {"sum": "color"}})), 1100,
     f'invalid metric "m": aggregation operator sum does not support data type VarChar: {BAD}'),
    (dict(search_aggregation=SearchAggregation(fields=["brand"], size=1, metrics={"m": {"count": "j"}})), 1100,
     f'metric field "j": JSON / dynamic fields are not yet supported with search_aggregation: {BAD}'),
    (dict(search_aggregation=SearchAggregation(fields=["brand"], size=1, top_hits=TopHits(
        size=1, sort=[{"j['a']": "asc"}]))), 1100, f"top_hits.sort JSON path is not yet supported: \"j['a']\": {BAD}"),
    (dict(search_aggregation=SearchAggregation(fields=["brand"], size=1, top_hits=TopHits(
        size=1, sort=[{"nope": "asc"}]))), 1100,
     f'invalid top_hits.sort field "nope": field "nope" not found in schema: {BAD}'),
    (dict(search_aggregation=SearchAggregation(fields=["brand"], size=50, sub_aggregation=SearchAggregation(
        fields=["color"], size=50, top_hits=TopHits(size=5)))), 1100,
     f"number of search_aggregation result entries is too large: {BAD}"),
    (dict(data=Q * 2, search_aggregation=SearchAggregation(fields=["brand"], size=5000, top_hits=TopHits(size=2))),
     1100, f"number of search_aggregation result entries is too large: {BAD}"),  # 5000 x 2 is the limit for nq=1
    (dict(offset=1, search_aggregation=SearchAggregation(fields=["brand"], size=1)), 1100,
     f"offset is not supported with search_aggregation: {BAD}"),
    (dict(group_by_field="brand", search_aggregation=SearchAggregation(fields=["brand"], size=1)), 1,
     "search_aggregation and group_by_field are mutually exclusive"),
    (dict(group_by_fields=["brand"], search_aggregation=SearchAggregation(fields=["brand"], size=1)), 1,
     "search_aggregation and group_by_fields are mutually exclusive"),
    (dict(search_aggregation={"fields": ["brand"]}), 1, "search_aggregation must be a SearchAggregation instance, "
                                                        "got dict"),
    (dict(search_aggregation=SearchAggregation(fields=["brand"], size=1),
          highlighter=pytest.importorskip("pgmilvus").LexicalHighlighter(pre_tags=["<b>"], post_tags=["</b>"])),
     1100, f"highlighter and search_aggregation cannot be used simultaneously: {BAD}"),
])
def test_refusals(shop: MilvusClient, kwargs, code, message) -> None:
    args = {"data": Q, "limit": 3, **kwargs}  # the parameters are shared by both faces: not changed
    with pytest.raises(MilvusException) as exc:
        shop.search("shop", **args)
    assert (exc.value.code, exc.value.message) == (code, message)


def test_boundary_of_result_entries(shop: MilvusClient) -> None:
    res = shop.search("shop", Q, search_aggregation=SearchAggregation(fields=["brand"], size=5000,
                                                                      top_hits=TopHits(size=2)))
    assert len(res.agg_buckets[0]) == 3


def test_refused_by_iterator_and_hybrid_search(shop: MilvusClient) -> None:
    agg = SearchAggregation(fields=["brand"], size=1)
    with pytest.raises(MilvusException) as exc:
        shop.search_iterator("shop", Q, batch_size=2, search_aggregation=agg)
    assert (exc.value.code, exc.value.message) == (1100, f"search iterator is not supported with "
                                                         f"search_aggregation: {BAD}")
    from pgmilvus import AnnSearchRequest, RRFRanker
    with pytest.raises(ParamError, match="^<ParamError: \\(code=1, message=search_aggregation is not supported in "
                                         "hybrid_search\\)>$"):
        shop.hybrid_search("shop", [AnnSearchRequest(Q, "v", {}, 3)], RRFRanker(), search_aggregation=agg)


@pytest.mark.parametrize("make, message", [
    (lambda: SearchAggregation(fields=[], size=1), "SearchAggregation.fields must be a non-empty list of str"),
    (lambda: SearchAggregation(fields=["a"], size=0), "SearchAggregation.size must be a positive int, got 0"),
    (lambda: SearchAggregation(fields=["a['b']"], size=1),
     "SearchAggregation.fields does not yet support bracketed JSON path expressions, got \"a['b']\""),
    (lambda: TopHits(size=-1), "TopHits.size must be a positive int, got -1"),
    (lambda: TopHits(size=1, sort=[{"a": "up"}]), "TopHits.sort direction must be 'asc' or 'desc', got 'up'"),
    (lambda: SearchAggregation(fields=["a"], size=1, metrics={"m": {"median": "a"}}),
     "metrics['m'] op must be one of ['avg', 'count', 'max', 'min', 'sum'], got 'median'"),
    (lambda: SearchAggregation(fields=["a"], size=1, metrics={"m": {"sum": "*"}}),
     "metrics['m'] '*' is only valid for 'count' op, got op='sum'"),
    (lambda: SearchAggregation(fields=["a"], size=1, order=[{"m": "asc"}]),
     "SearchAggregation.order key 'm' must be a metric alias or one of ['_count', '_key']; defined metrics: []"),
])
def test_arguments_checked_as_pymilvus_does(make, message) -> None:
    with pytest.raises(ParamError) as exc:
        make()
    assert exc.value.message == message


def test_dynamic_keys_refused(fresh_client) -> None:
    s = fresh_client.create_schema(enable_dynamic_field=True)
    s.add_field("id", DataType.INT64, is_primary=True)
    s.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    s.add_field("k", DataType.VARCHAR, max_length=4)
    fresh_client.create_collection("dyn", schema=s)
    for agg, usage in [(SearchAggregation(fields=["extra"], size=1), "group_by field"),
                       (SearchAggregation(fields=["k"], size=1, metrics={"m": {"sum": "extra"}}), "metric field"),
                       (SearchAggregation(fields=["k"], size=1, top_hits=TopHits(size=1, sort=[{"extra": "asc"}])),
                        "top_hits.sort field")]:
        with pytest.raises(MilvusException) as exc:
            fresh_client.search("dyn", Q, search_aggregation=agg)
        assert exc.value.message == f'{usage} "extra": JSON / dynamic fields are not yet supported with ' \
                                    f"search_aggregation: {BAD}"
