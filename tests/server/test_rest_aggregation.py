"""``searchAggregation`` on ``/v2/vectordb/entities/search`` (``pgmilvus serve --rest``), as Milvus
master's REST handler answers it: ``data`` = one ``{"buckets": [...]}`` per query, ``aggTopks``,
Int64 values as strings unless ``Accept-Type-Allow-Int64``; the same buckets pymilvus reads over
gRPC; the handler's own refusals (conflicts, ``convertSearchAggregationReq``) table-driven, and the
core's (plan.py) with the texts the gRPC face answers."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

pytest.importorskip("grpc")
pytest.importorskip("pymilvus")
requests = pytest.importorskip("requests")

from pymilvus import DataType, SearchAggregation, TopHits  # noqa: E402

from tests.server.fix_rest import (UNMARSHAL, answers_as_over_grpc, rest_module_address,  # noqa: E402,F401
                                   rest_module_process)
from tests.test_search_aggregation import build_shop  # noqa: E402

ALLOW = {"Accept-Type-Allow-Int64": "true"}
SEARCH = "/entities/search"
Q = [[0.0, 0.0]]


def _search(address: str, agg: object, headers: dict | None = None, **body: object) -> dict:
    payload = {"collectionName": "shop", "data": Q, "annsField": "v", "limit": 5, **body, "searchAggregation": agg}
    answer = requests.post(f"http://{address}/v2/vectordb{SEARCH}", data=json.dumps(payload), headers=headers or {},
                           timeout=60)
    assert answer.status_code == 200
    return answer.json()


@pytest.fixture
def shop(wire_client) -> object:
    """tests/test_search_aggregation.py's shop (row i at distance (i/20)^2; brand NULL on 0 and 7,
    else a / b; FLOAT rating i/4; JSON j), made over gRPC; wire_client wipes it after the test."""
    build_shop(wire_client, DataType, "shop", 12)
    return wire_client


def test_buckets_print_as_milvus(shop, serve_address) -> None:
    """buildAggBucketResp: a NULL key is null, counts / ids strings, scores and FLOAT fields at float32
    precision, a JSON field's bytes base64, a metric nothing fed left out, no hits without topHits.
    searchSize 3 finds the groups null, b and a (rows 0, 1, 2); _key asc keeps null and a."""
    agg = {"fields": ["brand"], "size": 2, "searchSize": 3, "order": [{"key": "_key", "direction": "asc"}],
           "metrics": {"n": {"op": "count", "fieldName": "*"}, "p": {"op": "max", "fieldName": "price"}},
           "topHits": {"size": 1, "sort": [{"fieldName": "_score", "direction": "desc"}]}}
    answer = _search(serve_address, agg, outputFields=["rating", "j"])
    hit = {"id": "2", "distance": 0.010000001, "rating": 0.5, "j": base64.b64encode(b'{"a":2}').decode()}
    assert answer == {"code": 0, "cost": 0, "aggTopks": [2], "data": [{"buckets": [
        {"key": [{"fieldName": "brand", "fieldId": "102", "value": None}], "count": "1", "metrics": {"n": "1"},
         "hits": [{"id": "0", "distance": 0.0, "rating": 0.0, "j": base64.b64encode(b'{"a":0}').decode()}],
         "subGroups": []},
        {"key": [{"fieldName": "brand", "fieldId": "102", "value": "a"}], "count": "1",
         "metrics": {"n": "1", "p": "20"}, "hits": [hit], "subGroups": []}]}]}
    bare = _search(serve_address, {"fields": ["color"], "size": 1}, ALLOW, data=[[0.0, 0.0], [0.3, 0.0]])
    assert bare["aggTopks"] == [1, 1]
    assert [q["buckets"][0]["key"] for q in bare["data"]] == [[{"fieldName": "color", "fieldId": 103,
                                                                "value": "x"}], [{"fieldName": "color",
                                                                                  "fieldId": 103, "value": "x"}]]
    assert all(q["buckets"][0]["hits"] == [] and q["buckets"][0]["metrics"] == {} for q in bare["data"])


def _tree(buckets: list) -> list:
    """REST buckets (read with Accept-Type-Allow-Int64) as plain data."""
    return [([k["value"] for k in b["key"]], b["count"], b["metrics"],
             [(h.pop("id"), h.pop("distance"), {k: base64.b64decode(v) if k == "j" else v for k, v in h.items()})
              for h in b["hits"]], _tree(b["subGroups"])) for b in buckets]


def _wire_tree(buckets: list) -> list:
    """pymilvus's buckets as plain data, a score as Go prints a float32 (the shortest text)."""
    return [([k["value"] for k in b.key], b.count, b.metrics,
             [(h.pk, float(str(np.float32(h.score))), h.fields) for h in b.hits],
             _wire_tree(b.sub_groups)) for b in buckets]


def test_same_buckets_as_over_grpc(shop, serve_address) -> None:
    """Two levels, metrics, orders and top hits: the buckets pymilvus 3 reads from the gRPC face."""
    agg = {"fields": ["color"], "size": 2,
           "metrics": {"avg": {"op": "avg", "fieldName": "rating"}, "n": {"op": "count", "fieldName": "*"},
                       "lo": {"op": "min", "fieldName": "brand"}, "w": {"op": "sum", "fieldName": "weight"}},
           "order": [{"key": "avg", "direction": "desc"}],
           "topHits": {"size": 2, "sort": [{"fieldName": "price", "direction": "asc"}]},
           "subAggregation": {"fields": ["brand", "ok"], "size": 3, "order": [{"key": "_key", "direction": "asc"}],
                              "topHits": {"size": 1}}}
    outputs = ["price", "rating", "weight", "ok", "brand", "j"]
    queries = [[0.0, 0.0], [0.5, 0.0]]
    answer = _search(serve_address, agg, ALLOW, data=queries, limit=6, outputFields=outputs)
    wire = shop.search("shop", queries, limit=6, output_fields=outputs, search_aggregation=SearchAggregation(
        fields=["color"], size=2, metrics={"avg": {"avg": "rating"}, "n": {"count": "*"}, "lo": {"min": "brand"},
                                           "w": {"sum": "weight"}},
        order=[{"avg": "desc"}], top_hits=TopHits(size=2, sort=[{"price": "asc"}]),
        sub_aggregation=SearchAggregation(fields=["brand", "ok"], size=3, order=[{"_key": "asc"}],
                                          top_hits=TopHits(size=1))))
    assert answer["aggTopks"] == [len(b) for b in wire.agg_buckets] == [2, 2]
    assert [_tree(q["buckets"]) for q in answer["data"]] == [_wire_tree(b) for b in wire.agg_buckets]


BRAND = {"fields": ["brand"], "size": 2}
HANDLER_CONFLICTS = [  # handler_v2.go's search, before convertSearchAggregationReq
    ({"ids": [1], "data": None}, "ids and searchAggregation cannot be used simultaneously"),
    ({"offset": 1}, "offset is not supported with searchAggregation"),
    ({"searchParams": {"offset": 1}}, "searchParams.offset is not supported with searchAggregation"),
    ({"searchParams": {"params": {"offset": 1}}}, "searchParams.offset is not supported with searchAggregation"),
    ({"groupingField": "brand"}, "groupingField/groupSize/strictGroupSize and searchAggregation cannot be used "
                                 "simultaneously"),
    ({"groupSize": 2}, "groupingField/groupSize/strictGroupSize and searchAggregation cannot be used simultaneously"),
    ({"strictGroupSize": True}, "groupingField/groupSize/strictGroupSize and searchAggregation cannot be used "
                                "simultaneously"),
    ({"searchParams": {"group_by_field": "brand"}}, "searchParams.group_by_field(s) and searchAggregation cannot "
                                                    "be used simultaneously"),
    ({"searchParams": {"params": {"group_by_fields": '["brand"]'}}},
     "searchParams.group_by_field(s) and searchAggregation cannot be used simultaneously"),
]


@pytest.mark.parametrize("body, message", HANDLER_CONFLICTS)
def test_handler_conflicts(shop, serve_address, body, message) -> None:
    assert _search(serve_address, BRAND, **body) == {"code": 1100, "message": f"{message}: invalid parameter"}


CONVERT = [  # convertSearchAggregationReq / convertTopHitsReq (utils.go), also on a sub-aggregation
    ({"size": 1}, "searchAggregation.fields must be non-empty"),
    ({"fields": ["brand", " "], "size": 1}, "searchAggregation.fields must contain non-empty field names"),
    ({"fields": ["brand"], "size": 0}, "searchAggregation.size must be positive"),
    ({"fields": ["brand"], "size": 1, "searchSize": -1}, "searchAggregation.searchSize must be non-negative"),
    ({"fields": ["brand"], "size": 3, "searchSize": 2},
     "searchAggregation.searchSize must be greater than or equal to size"),
    ({**BRAND, "metrics": {" ": {"op": "sum", "fieldName": "price"}}}, "searchAggregation.metrics alias must be "
                                                                        "non-empty"),
    ({**BRAND, "metrics": {"bad": {"op": "", "fieldName": "price"}}}, "searchAggregation.metrics.bad.op must be "
                                                                       "non-empty"),
    ({**BRAND, "metrics": {"bad": None}}, "searchAggregation.metrics.bad.op must be non-empty"),
    ({**BRAND, "metrics": {"m": {"op": "sum"}}}, "searchAggregation.metrics.m.fieldName must be non-empty"),
    ({**BRAND, "order": [{"direction": "asc"}]}, "searchAggregation.order key must be non-empty"),
    ({**BRAND, "order": [{"key": "_count"}]}, "searchAggregation.order direction must be non-empty"),
    ({**BRAND, "topHits": {"size": 0}}, "searchAggregation.topHits.size must be positive"),
    ({**BRAND, "topHits": {"size": 1, "sort": [{"direction": "asc"}]}},
     "searchAggregation.topHits.sort fieldName must be non-empty"),
    ({**BRAND, "topHits": {"size": 1, "sort": [{"fieldName": "price"}]}},
     "searchAggregation.topHits.sort direction must be non-empty"),
    ({**BRAND, "subAggregation": {"fields": ["color"]}}, "searchAggregation.size must be positive"),
    ({}, "searchAggregation.fields must be non-empty"),
]


@pytest.mark.parametrize("agg, message", CONVERT)
def test_convert_refusals(shop, serve_address, agg, message) -> None:
    assert _search(serve_address, agg) == {"code": 1100, "message": f"{message}: invalid parameter"}


@pytest.mark.parametrize("agg, message", [  # encoding/json's refusals of SearchAggregationReq's types
    ("brand", UNMARSHAL.format("string", "SearchReqV2.searchAggregation", "map[string]interface {}")),
    ({"fields": "brand", "size": 1}, UNMARSHAL.format("string", "SearchReqV2.searchAggregation.fields", "[]string")),
    ({"fields": ["brand"], "size": 1.5}, UNMARSHAL.format("number", "SearchReqV2.searchAggregation.size", "int64")),
    ({"fields": ["brand"], "size": 1, "subAggregation": {"fields": ["ok"], "size": "2"}},
     UNMARSHAL.format("string", "SearchReqV2.searchAggregation.subAggregation.size", "int64")),
])
def test_type_refusals(shop, serve_address, agg, message) -> None:
    assert _search(serve_address, agg) == {"code": 1801, "message": message}


@pytest.mark.parametrize("agg, message", [  # the core's checks (plan.py), as Milvus's proxy words them
    ({"fields": ["nope"], "size": 1}, 'invalid group_by field "nope": field "nope" not found in schema'),
    ({**BRAND, "metrics": {"m": {"op": "median", "fieldName": "price"}}},
     'invalid metric "m": unsupported metric op "median"'),
    ({**BRAND, "order": [{"key": "_count", "direction": "up"}]},
     'invalid order direction for key "_count": direction must be asc or desc'),
    ({**BRAND, "subAggregation": {"fields": ["brand"], "size": 1}}, 'duplicated group_by field "brand" across levels'),
])
def test_core_refusals(shop, serve_address, agg, message) -> None:
    assert _search(serve_address, agg) == {"code": 1100, "message": f"{message}: invalid parameter"}


@pytest.mark.parametrize("agg, grpc_agg", [
    ({"fields": ["nope"], "size": 1}, SearchAggregation(fields=["nope"], size=1)),
    ({**BRAND, "metrics": {"m": {"op": "sum", "fieldName": "color"}}},
     SearchAggregation(fields=["brand"], size=2, metrics={"m": {"sum": "color"}})),
])
def test_core_refusals_read_as_over_grpc(shop, serve_address, agg, grpc_agg) -> None:
    body = {"collectionName": "shop", "data": Q, "annsField": "v", "limit": 5, "searchAggregation": agg}
    answers_as_over_grpc(shop, serve_address, SEARCH, body,
                         lambda c: c.search("shop", Q, limit=5, anns_field="v", search_aggregation=grpc_agg))


@pytest.mark.parametrize("path, body", [
    ("hybrid_search", {"searchAggregation": BRAND}),
    ("advanced_search", {"search": [{"data": Q, "annsField": "v", "limit": 3, "searchAggregation": BRAND}]}),
])
def test_hybrid_refuses_aggregation(shop, serve_address, path, body) -> None:
    payload = {"collectionName": "shop", "search": [{"data": Q, "annsField": "v", "limit": 3}],
               "rerank": {"strategy": "rrf", "params": {}}, **body}
    answer = requests.post(f"http://{serve_address}/v2/vectordb/entities/{path}", data=json.dumps(payload),
                           timeout=60).json()
    assert answer == {"code": 1100, "message": "searchAggregation is not supported for hybrid search: invalid "
                                               "parameter"}
