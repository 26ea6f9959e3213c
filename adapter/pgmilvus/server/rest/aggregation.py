"""``searchAggregation`` on ``entities/search``, as Milvus master's REST handler serves it
(internal/distributed/proxy/httpserver: handler_v2.go's search, utils.go).

In: the handler refuses what cannot go with an aggregation (``ids``, offsets, grouping) before
anything else, then ``convertSearchAggregationReq`` refuses an empty or non-positive part with its
own 1100 texts; what is left becomes the core's spec (search/aggregation/spec.py's Level, built
here rather than through a ``SearchAggregationSpec`` message and ``from_message``: pymilvus 2.6's
stubs, which the server may run on, have no such message) and every check against the schema is
the core's (plan.py), so REST and gRPC answer the same codes and texts.
Out: ``buildSearchAggregationResp``: ``data`` is one ``{"buckets": [...]}`` per query and
``aggTopks`` the buckets per query; a bucket is ``key`` / ``count`` / ``metrics`` / ``hits`` /
``subGroups``, Int64 values as strings unless ``Accept-Type-Allow-Int64`` (``formatRESTInt64``).
"""

from __future__ import annotations

import base64
from typing import Any, Optional, Sequence

from ...errors import invalid_parameter
from ...search.aggregation.buckets import AggregationBucket, AggregationHit
from ...search.aggregation.spec import Level, SortKey, TopHitsSpec
from ...types import DataType
from . import values
from .binding import Body, Field
from .face import RestCall, ok

_PATH = "SearchReqV2.searchAggregation"
#: request_v2.go's SearchAggregationReq and the structs it holds (keys as encoding/json matches them).
_LEVEL = (Field("fields", "Fields", "[]string"), Field("size", "Size", "int64"),
          Field("searchSize", "SearchSize", "int64"), Field("metrics", "Metrics", "map[string]interface {}"),
          Field("order", "Order", "[]map[string]interface {}"), Field("topHits", "TopHits", "map[string]interface {}"),
          Field("subAggregation", "SubAggregation", "map[string]interface {}"))
_METRIC = (Field("op", "Op"), Field("fieldName", "FieldName"))
_ORDER = (Field("key", "Key"), Field("direction", "Direction"))
_TOP_HITS = (Field("size", "Size", "int64"), Field("sort", "Sort", "[]map[string]interface {}"))
_SORT = (Field("fieldName", "FieldName"), Field("direction", "Direction"))

#: proxy.OffsetKey, proxy.GroupByFieldKey, proxy.GroupByFieldsKey
_OFFSET, _GROUP_KEYS = "offset", ("group_by_field", "group_by_fields")


def read(body: dict[str, Any]) -> Level:
    """The search body's ``searchAggregation`` as the core's spec, refused first as the handler
    refuses its companions (these texts, code 1100, in this order)."""
    if body["ids"]:
        raise invalid_parameter("ids and searchAggregation cannot be used simultaneously")
    if body["offset"] != 0:
        raise invalid_parameter("offset is not supported with searchAggregation")
    params = body["searchParams"] or {}
    if _contains_any(params, _OFFSET):
        raise invalid_parameter("searchParams.offset is not supported with searchAggregation")
    if body["groupingField"] or body["groupSize"] != 0 or body["strictGroupSize"]:
        raise invalid_parameter("groupingField/groupSize/strictGroupSize and searchAggregation cannot be used "
                                "simultaneously")
    if _contains_any(params, *_GROUP_KEYS):
        raise invalid_parameter("searchParams.group_by_field(s) and searchAggregation cannot be used simultaneously")
    return _level(body["searchAggregation"], _PATH)


def _contains_any(params: dict[str, Any], *keys: str) -> bool:
    """searchParamsContainAny: a key at the top of searchParams or in its ``params`` object."""
    inner = params.get("params")
    return any(k in params or (isinstance(inner, dict) and k in inner) for k in keys)


def _level(given: Any, path: str) -> Level:
    """convertSearchAggregationReq: names and keys trimmed, empty or non-positive parts refused."""
    req = Body(path, _LEVEL).bind_object(given)
    if not req["fields"]:
        raise invalid_parameter("searchAggregation.fields must be non-empty")
    fields = tuple(f.strip() for f in req["fields"])
    if not all(fields):
        raise invalid_parameter("searchAggregation.fields must contain non-empty field names")
    size, search_size = req["size"], req["searchSize"]
    if size <= 0:
        raise invalid_parameter("searchAggregation.size must be positive")
    if search_size < 0:
        raise invalid_parameter("searchAggregation.searchSize must be non-negative")
    if 0 < search_size < size:
        raise invalid_parameter("searchAggregation.searchSize must be greater than or equal to size")
    metrics: dict[str, tuple[str, str]] = {}
    for alias, metric in (req["metrics"] or {}).items():
        m = Body(f"{path}.metrics", _METRIC).bind_object(metric)
        alias, op, name = alias.strip(), m["op"].strip(), m["fieldName"].strip()
        if not alias:
            raise invalid_parameter("searchAggregation.metrics alias must be non-empty")
        if not op:
            raise invalid_parameter(f"searchAggregation.metrics.{alias}.op must be non-empty")
        if not name:
            raise invalid_parameter(f"searchAggregation.metrics.{alias}.fieldName must be non-empty")
        metrics[alias] = (op, name)
    order = tuple(_pair(item, f"{path}.order", _ORDER, "order") for item in req["order"] or [])
    top = _top_hits(req["topHits"], f"{path}.topHits") if req["topHits"] is not None else None
    sub = _level(req["subAggregation"], f"{path}.subAggregation") if req["subAggregation"] is not None else None
    return Level(fields, size, search_size, tuple(sorted((a, op, n) for a, (op, n) in metrics.items())),
                 order, top, sub)


def _top_hits(given: dict[str, Any], path: str) -> TopHitsSpec:
    """convertTopHitsReq (REST has no ``null_first``: false)."""
    req = Body(path, _TOP_HITS).bind_object(given)
    if req["size"] <= 0:
        raise invalid_parameter("searchAggregation.topHits.size must be positive")
    keys = (SortKey(*_pair(item, f"{path}.sort", _SORT, "topHits.sort")) for item in req["sort"] or [])
    return TopHitsSpec(req["size"], tuple(keys))


def _pair(item: Any, path: str, fields: tuple[Field, Field], where: str) -> tuple[str, str]:
    """An order or top_hits.sort entry: its two strings trimmed, each refused when empty
    (``searchAggregation.order key must be non-empty``)."""
    got = Body(path, fields).bind_object(item)
    first, second = (got[f.key].strip() for f in fields)
    for field, value in zip(fields, (first, second)):
        if not value:
            raise invalid_parameter(f"searchAggregation.{where} {field.key} must be non-empty")
    return first, second


# -- the answer ----------------------------------------------------------------------------------------


def answer(call: RestCall, described: dict[str, Any], per_query: Sequence[Sequence[AggregationBucket]]) -> dict:
    """buildSearchAggregationResp's ``data`` with ``cost`` and ``aggTopks`` beside it."""
    out = _Out(values.allow_int64(call.headers), values.primary_of(described)["name"],
               {f["name"] for f in described.get("fields", []) if DataType(f["type"]) == DataType.FLOAT})
    return ok([{"buckets": [out.bucket(b) for b in buckets]} for buckets in per_query], cost=0,
              aggTopks=[len(buckets) for buckets in per_query])


class _Out:
    """The JSON of buckets for one call (its Int64 choice, primary key name, FLOAT fields)."""

    def __init__(self, int64: bool, pk_name: str, float32_fields: set[str]) -> None:
        self.int64, self.pk_name, self.float32_fields = int64, pk_name, float32_fields

    def bucket(self, bucket: AggregationBucket) -> dict[str, Any]:
        """buildAggBucketResp."""
        return {"key": [{"fieldName": k["field_name"] or str(k["field_id"]),
                         "fieldId": values.int64_out(k["field_id"], self.int64),
                         "value": self.value(k["value"])} for k in bucket.key],
                "count": values.int64_out(bucket.count, self.int64),
                "metrics": {alias: self.value(v) for alias, v in bucket.metrics.items()},
                "hits": [self.hit(h) for h in bucket.hits],
                "subGroups": [self.bucket(b) for b in bucket.sub_groups]}

    def hit(self, hit: AggregationHit) -> dict[str, Any]:
        """buildAggHitsResp: the primary key, ``distance`` (a float32), the hit's fields."""
        row = {self.pk_name: self.value(hit.pk), values.DISTANCE: values.score(hit.score)}
        for name, value in hit.fields.items():
            row[name] = values.score(value) if name in self.float32_fields else self.value(value)
        return row

    def value(self, value: Optional[Any]) -> Any:
        """A key, metric or field value by the kind Milvus sends it as (int_val, double_val, bool_val,
        string_val, bytes_val: Go's ``[]byte`` is base64 in JSON)."""
        if isinstance(value, int) and not isinstance(value, bool):
            return values.int64_out(value, self.int64)
        if isinstance(value, bytes):
            return base64.b64encode(value).decode()
        return value
