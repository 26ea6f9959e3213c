"""``/v2/vectordb/entities/*``: insert, upsert, delete, get, query, search, hybrid / advanced search.

Shaped as Milvus's handlers (internal/distributed/proxy/httpserver/handler_v2.go):
the request structs' defaults (a query's ``limit`` 100 and ``outputFields``
``["*"]``, a search's ``limit`` 100), ``get`` and ``delete`` by ``id`` turned
into ``pk in [...]`` as ``checkGetPrimaryKey`` does, and the answers'
``insertCount`` / ``insertIds``, ``upsertCount`` / ``upsertIds``,
``deleteCount``, rows with ``distance`` and ``topks``, ``cost`` 0 (a ``searchAggregation``'s buckets
instead: aggregation.py).  Values
convert in values.py; the operations are the pgmilvus client's (its rules, codes
and texts), search params and rankers as the gRPC face reads them (rpc_data.py).
"""

from __future__ import annotations

from typing import Any, Optional

from ...errors import MilvusException
from ...search.embedding_list import EmbeddingList
from ...search.rerank import AnnSearchRequest
from ...types import VECTOR_TYPES, DataType
from ..rpc_data import hybrid_ranker, ranker
from . import aggregation, chains, insert_checks, values
from .binding import COLLECTION_NAME, DB, Body, Field
from .databases import go_value
from .face import RestCall, Route, ok

#: merr.ErrCheckPrimaryKey, merr.ErrParameterInvalid, merr.ErrMissingRequiredParameters
PK_CODE, PK_TEXT = 1806, "please check the primary key and its' type can only in [int, string]"
INVALID_CODE, MISSING_CODE = 1100, 1802
_COUNT = "count(*)"


class DefaultBody(Body):
    """A request struct whose constructor sets defaults (``wrapperPost``'s ``func() any``): an absent or
    ``null`` key keeps its default, as ``encoding/json`` leaves it."""

    def __init__(self, name: str, fields: tuple[Field, ...], defaults: dict[str, Any]) -> None:
        super().__init__(name, fields)
        object.__setattr__(self, "defaults", defaults)

    def _value(self, field: Field, value: Any, path: str = "") -> Any:
        if value is None and field.key in self.defaults:
            return self.defaults[field.key]
        return super()._value(field, value, path)


_DB, _NAME = DB, COLLECTION_NAME
_EXPR = Field("exprParams", "ExprParams", "map[string]interface {}")
_CONSISTENCY = Field("consistencyLevel", "ConsistencyLevel")
_OUTPUT = Field("outputFields", "OutputFields", "[]string")
DATA = Body("CollectionDataReq", (_DB, _NAME, Field("partitionName", "PartitionName"),
                                  Field("data", "Data", "[]map[string]interface {}", required=True),
                                  Field("partialUpdate", "PartialUpdate", "bool"),
                                  Field("fieldOps", "FieldOps", "[]interface {}")))
FILTER = Body("CollectionFilterReq", (_DB, _NAME, Field("partitionName", "PartitionName"),
                                      Field("filter", "Filter"), _EXPR, Field("id", "ID", "interface {}")))
GET = DefaultBody("CollectionIDReq", (_DB, _NAME, Field("partitionName", "PartitionName"),
                                      Field("partitionNames", "PartitionNames", "[]string"), _OUTPUT,
                                      Field("id", "ID", "interface {}", required=True), _CONSISTENCY),
                  {"outputFields": ["*"]})
QUERY = DefaultBody("QueryReqV2", (_DB, _NAME, Field("partitionNames", "PartitionNames", "[]string"), _OUTPUT,
                                   Field("filter", "Filter"), Field("limit", "Limit", "int32"),
                                   Field("offset", "Offset", "int32"),
                                   Field("orderByFields", "OrderByFields", "[]string"), _EXPR, _CONSISTENCY),
                    {"limit": 100, "outputFields": ["*"]})
_SEARCH_COMMON = (_DB, _NAME, Field("partitionNames", "PartitionNames", "[]string"),
                  Field("groupingField", "GroupByField"), Field("groupSize", "GroupSize", "int32"),
                  Field("strictGroupSize", "StrictGroupSize", "bool"), Field("limit", "Limit", "int32"),
                  Field("offset", "Offset", "int32"), _OUTPUT, _CONSISTENCY,
                  Field("functionScore", "FunctionScore", "map[string]interface {}"),
                  Field("functionChains", "FunctionChains", "[]httpserver.FunctionChainReq"),
                  Field("searchAggregation", "SearchAggregation", "map[string]interface {}"))
SEARCH = DefaultBody("SearchReqV2", _SEARCH_COMMON + (
    Field("data", "Data", "[]interface {}"), Field("ids", "Ids", "[]interface {}"),
    Field("annsField", "AnnsField"), Field("filter", "Filter"),
    Field("searchParams", "SearchParams", "map[string]interface {}"), _EXPR), {"limit": 100})
#: request_v2.go's SubSearchReq (and master's searchAggregation, refused for hybrid search): each
#: sub-request is decoded as Go decodes it, so a value of a wrong type is 1801, not a crash.
SUB_SEARCH = Body("SubSearchReq", (
    Field("data", "Data", "[]interface {}"), Field("annsField", "AnnsField"), Field("filter", "Filter"),
    Field("groupingField", "GroupByField"), Field("metricType", "MetricType"), Field("limit", "Limit", "int32"),
    Field("offset", "Offset", "int32"), Field("params", "SearchParams", "map[string]interface {}"), _EXPR,
    Field("searchAggregation", "SearchAggregation", "map[string]interface {}")))
HYBRID = DefaultBody("HybridSearchReq", _SEARCH_COMMON + (
    Field("search", "Search", "[]httpserver.SubSearchReq", struct=SUB_SEARCH),
    Field("rerank", "Rerank", "map[string]interface {}")), {"limit": 100})


# -- writes --------------------------------------------------------------------------------------------


def insert(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    client, name = call.client(), body["collectionName"]
    described = client.describe_collection(name)
    rows = _rows_in(body["data"], described)
    result = client.insert(name, rows, partition_name=body["partitionName"])
    return ok({"insertCount": result["insert_count"], "insertIds": _ids(call, described, result["ids"])}, cost=0)


def upsert(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"partial_update": body["partialUpdate"]}
    if body["fieldOps"]:
        kwargs["field_ops"] = _field_ops(body["fieldOps"])
    client, name = call.client(), body["collectionName"]
    described = client.describe_collection(name)
    rows = _rows_in(body["data"], described, body["partialUpdate"])
    result = client.upsert(name, rows, partition_name=body["partitionName"], **kwargs)
    return ok({"upsertCount": result["upsert_count"], "upsertIds": _ids(call, described, result["ids"])}, cost=0)


def _field_ops(items: list[Any]) -> dict[str, str]:
    """buildFieldPartialUpdateOps: ``[{"fieldName", "op"}]`` with ops named case-insensitively, as
    the client's ``field_ops`` (its own aliases are Milvus's op names, lower-cased)."""
    ops: dict[str, str] = {}
    for item in items:
        item = item if isinstance(item, dict) else {}
        op = str(item.get("op") or "")
        if op.strip().upper() not in ("REPLACE", "ARRAY_APPEND", "ARRAY_REMOVE"):
            raise MilvusException(INVALID_CODE, f"unsupported partial update op: {op}: invalid parameter")
        ops[str(item.get("fieldName") or "")] = op.strip().lower()
    return ops


def _rows_in(data: Any, described: dict[str, Any], partial_update: bool = False) -> list[dict[str, Any]]:
    fields = values.fields_of(described)
    rows = values.rows_in(data, fields)
    insert_checks.check_rows(data, fields, partial_update)
    return rows


def _ids(call: RestCall, described: dict[str, Any], ids: Any) -> list[Any]:
    """Int64 keys as strings unless the caller allows int64 numbers (``formatInt64``)."""
    if DataType(values.primary_of(described)["type"]) != DataType.INT64:
        return list(ids)
    return [int(i) if values.allow_int64(call.headers) else str(i) for i in ids]


def delete(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    client, name = call.client(), body["collectionName"]
    described = client.describe_collection(name)
    expr = body["filter"] or _pk_filter(described, body["id"])
    result = client.delete(name, filter=expr, partition_name=body["partitionName"] or None,
                           filter_params=body["exprParams"] or {})
    return ok({"deleteCount": result["delete_count"]})


def _pk_filter(described: dict[str, Any], ids: Any) -> str:
    """checkGetPrimaryKey + convertRange: ``pk in [1,2]`` / ``pk in ["a","b"]`` from the body's ``id``."""
    primary = values.primary_of(described)
    items = ids if isinstance(ids, list) else ([] if ids is None else [ids])
    if DataType(primary["type"]) == DataType.INT64:
        try:
            text = ",".join(str(_to_int64(i)) for i in items)
        except ValueError as exc:
            raise MilvusException(PK_CODE, f"{PK_TEXT}, error: {exc}") from None
    else:
        text = ",".join(f'"{i}"' if isinstance(i, str) else f'"{""}"' for i in items)
    return f"{primary['name']} in [{text}]"


def _to_int64(value: Any) -> int:
    """spf13/cast's ToInt64E of a JSON id (a number or a numeric string)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return int(value)
    text = str(value)
    try:
        return int(text[:-2] if text.endswith(".0") else text, 0)
    except ValueError:
        raise ValueError(f'unable to cast "{text}" of type string to int64') from None


# -- reads ---------------------------------------------------------------------------------------------


def get(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    client, name = call.client(), body["collectionName"]
    described = client.describe_collection(name)
    rows = client.query(name, filter=_pk_filter(described, body["id"]), output_fields=body["outputFields"],
                        partition_names=body["partitionNames"] or None)
    return ok(_rows_out(call, described, rows), cost=0)


def query(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    client, name = call.client(), body["collectionName"]
    described = client.describe_collection(name)
    output = body["outputFields"]
    kwargs: dict[str, Any] = {"filter_params": body["exprParams"] or {}}
    if body["offset"] > 0:
        kwargs["offset"] = body["offset"]
    if body["limit"] > 0 and _COUNT not in (output or []):  # matchCountRule
        kwargs["limit"] = body["limit"]
    if body["orderByFields"]:
        kwargs["order_by_fields"] = ",".join(body["orderByFields"])
    rows = client.query(name, filter=body["filter"], output_fields=output,
                        partition_names=body["partitionNames"] or None, **kwargs)
    return ok(_rows_out(call, described, rows), cost=0)


def _rows_out(call: RestCall, described: dict[str, Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    fields, int64 = values.fields_of(described), values.allow_int64(call.headers)
    out = []
    for row in rows:
        shown = values.row_out({k: v for k, v in row.items() if k != _COUNT}, fields, int64)
        if _COUNT in row:
            shown[_COUNT] = values.int64_out(row[_COUNT], int64)
        out.append(shown)
    return out


# -- search --------------------------------------------------------------------------------------------


def search(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    has_ids, has_data = bool(body["ids"]), bool(body["data"])
    if has_ids and has_data:
        raise MilvusException(INVALID_CODE, "primary keys (ids) and query vectors (data) are mutually exclusive. "
                                            "Please provide either 'ids' or 'data', not both")
    if not has_ids and not has_data:
        raise MilvusException(MISSING_CODE, "either 'ids' (for primary key search) or 'data' (for vector "
                                            "search) must be provided")
    client, name = call.client(), body["collectionName"]
    described = client.describe_collection(name)
    kwargs = _group_kwargs(body)
    if body["searchAggregation"] is not None:
        kwargs["search_aggregation"] = aggregation.read(body)
    search_params = _search_params(body["searchParams"] or {})
    kwargs.update(_functions(body))
    if body["functionChains"]:
        kwargs["function_chains"] = chains.read(body["functionChains"])
    kwargs["filter_params"] = body["exprParams"] or {}
    if body["offset"]:
        kwargs["offset"] = body["offset"]
    if has_ids:
        kwargs["ids"] = values.search_ids(body["ids"], values.primary_of(described))
        data = None
    else:
        data = _query_vectors(described, body["annsField"], body["data"])
    result = client.search(name, data=data, filter=body["filter"], limit=body["limit"],
                           output_fields=body["outputFields"], search_params=search_params,
                           partition_names=body["partitionNames"] or None, anns_field=body["annsField"] or None,
                           **kwargs)
    if "search_aggregation" in kwargs:
        return aggregation.answer(call, described, result.agg_buckets)
    return _hits_out(call, described, result)


def hybrid_search(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    if body["searchAggregation"] is not None or any((s or {}).get("searchAggregation") is not None
                                                    for s in body["search"] or []):
        raise MilvusException(INVALID_CODE, "searchAggregation is not supported for hybrid search: invalid "
                                            "parameter")
    if body["functionChains"]:
        raise MilvusException(INVALID_CODE, "functionChains is not supported for hybrid search yet: invalid "
                                            "parameter")
    client, name = call.client(), body["collectionName"]
    described = client.describe_collection(name)
    reqs = []
    for sub in body["search"] or []:
        anns = sub.get("annsField") or ""
        params = _search_params(sub.get("params") or {}, sub.get("metricType"))
        reqs.append(AnnSearchRequest(_query_vectors(described, anns, sub.get("data") or []),
                                     anns or _only_vector(described), params, int(sub.get("limit") or 0),
                                     expr=sub.get("filter") or None, expr_params=sub.get("exprParams") or None))
    rerank = body["rerank"] or {}
    kwargs = _group_kwargs(body)
    if body["offset"]:
        kwargs["offset"] = body["offset"]
    score = _functions(body).get("ranker")
    result = client.hybrid_search(name, reqs, hybrid_ranker(score) if score is not None else
                                  ranker({"strategy": rerank.get("strategy"), "params": rerank.get("params") or {}}),
                                  limit=body["limit"], output_fields=body["outputFields"],
                                  partition_names=body["partitionNames"] or None, **kwargs)
    return _hits_out(call, described, result)


def _functions(body: dict[str, Any]) -> dict[str, Any]:
    """The body's ``functionScore`` as the search's ``ranker`` (none without functions)."""
    score = chains.score(body["functionScore"])
    return {} if score is None else {"ranker": score}


def _group_kwargs(body: dict[str, Any]) -> dict[str, Any]:
    """groupingField (and groupSize / strictGroupSize with it), as the handler adds them."""
    if not body["groupingField"]:
        return {}
    kwargs: dict[str, Any] = {"group_by_field": body["groupingField"]}
    if body["groupSize"] > 0:
        kwargs.update(group_size=body["groupSize"], strict_group_size=body["strictGroupSize"])
    return kwargs


def _search_params(given: dict[str, Any], metric: Optional[str] = None) -> dict[str, Any]:
    """generateSearchParams: ``params`` plus every other key (a key in both must agree), the metric
    from ``metricType`` / ``metric_type``; a top-level ``ignoreGrowing`` / ``ignore_growing`` is also
    the request's own ``ignore_growing`` pair, as Milvus sends every top-level key as one."""
    inner = given.get("params") or {}
    if not isinstance(inner, dict):
        raise MilvusException(INVALID_CODE, "searchParams.params must be a dict: invalid parameter")
    merged = dict(inner)
    for key, value in given.items():
        if key == "params":
            continue
        if key in inner and inner[key] != value:
            raise MilvusException(INVALID_CODE, f"ambiguous parameter: {key}, in search_param: {value}, in "
                                                f"search_param.params: {inner[key]}: invalid parameter")
        merged[key] = value
    metric = metric or merged.pop("metricType", None) or merged.pop("metric_type", None)
    merged.pop("metricType", None)
    merged.pop("metric_type", None)
    out: dict[str, Any] = {"params": merged}
    for key in ("ignore_growing", "ignoreGrowing"):
        if key in given:
            out["ignore_growing"] = go_value(merged.pop(key))
    if metric:
        out["metric_type"] = metric
    return out


def _only_vector(described: dict[str, Any]) -> str:
    vectors = [f["name"] for f in described.get("fields", []) if DataType(f["type"]) in VECTOR_TYPES]
    return vectors[0] if len(vectors) == 1 else ""


def _query_vectors(described: dict[str, Any], anns: str, data: list[Any]) -> list[Any]:
    """The query vectors as the client takes them (a BM25 field's queries stay text)."""
    fields = values.fields_of(described)
    field = fields.get(anns or _only_vector(described))
    if field is None:
        if values.struct_vector(described, anns) and _embedding_lists(data):
            return [EmbeddingList(query) for query in data]  # handler_v2: EmbList* placeholders
        return data
    return [v if isinstance(v, str) and DataType(field["type"]) not in values.BYTES_VECTORS
            else values.query_vector(field, v) for v in data]


def _embedding_lists(data: list[Any]) -> bool:
    """isEmbeddingListData: the first query is a list whose first item is a list (a vector)."""
    return bool(data) and isinstance(data[0], list) and bool(data[0]) and isinstance(data[0][0], list)


def _hits_out(call: RestCall, described: dict[str, Any], result: Any) -> dict[str, Any]:
    """buildQueryResp over every query's hits, the primary key from the ids, ``distance``, ``topks``."""
    fields, int64 = values.fields_of(described), values.allow_int64(call.headers)
    pk = values.primary_of(described)
    rows, topks = [], []
    for hits in result:
        topks.append(len(hits))
        for hit in hits:
            row = values.row_out(dict(hit.get("entity") or {}), fields, int64)
            row[pk["name"]] = values.value_out(pk, hit["id"], int64)
            row[values.DISTANCE] = values.score(hit["distance"])
            rows.append(row)
    return ok(rows, cost=0, topks=topks)


ROUTES = {
    "entities/insert": Route(DATA, insert),
    "entities/upsert": Route(DATA, upsert),
    "entities/delete": Route(FILTER, delete),
    "entities/get": Route(GET, get),
    "entities/query": Route(QUERY, query),
    "entities/search": Route(SEARCH, search),
    "entities/advanced_search": Route(HYBRID, hybrid_search),
    "entities/hybrid_search": Route(HYBRID, hybrid_search),
}
