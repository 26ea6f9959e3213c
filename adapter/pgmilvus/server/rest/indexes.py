"""``/v2/vectordb/indexes/*``, shaped as Milvus's handler_v2.go (listIndexes ... dropIndexProperties).

``create`` turns each ``indexParams`` item into CreateIndex's ``extra_params`` as
Milvus's ``convertToExtraParams`` does (``index_type`` from ``indexType`` or
``params.index_type``, ``metric_type``, ``params`` as JSON) and hands them to the
gRPC face's reading of them (rpc_admin.index_arguments), item by item, stopping
at the first failure as Milvus does.  ``describe`` prints the gRPC face's
IndexDescription (rpc_admin.describe_indexes) with Milvus's keys.  Property
values are Go's ``fmt.Sprintf("%v")`` of the JSON value, as Milvus sends them.
"""

from __future__ import annotations

import json
from typing import Any

from pymilvus.grpc_gen import common_pb2

from ...schema.index_params import IndexParams
from ..convert.params import kv_value
from ..rpc_admin import describe_indexes, index_arguments
from . import binding
from .binding import COLLECTION_NAME, DB, Body, Field
from .collections import _pairs
from .face import RestCall, Route, ok, plain_call

_DB_COLLECTION = (DB, COLLECTION_NAME)
_INDEX_NAME = Field("indexName", "IndexName", required=True)
INDEX = Body("IndexReq", (*_DB_COLLECTION, _INDEX_NAME, Field("timestamp", "Timestamp", "uint64")))
INDEX_PARAMS = Body("IndexParamReq", (*_DB_COLLECTION, Field("indexParams", "IndexParams", "[]httpserver.IndexParam",
                                                             required=True)))
#: One ``indexParams`` item; gin does not validate inside a slice (no ``dive``), so fieldName is not checked here.
INDEX_PARAM = Body("IndexParam", (Field("fieldName", "FieldName"), Field("indexName", "IndexName"),
                                  Field("metricType", "MetricType"), Field("indexType", "IndexType"),
                                  Field("params", "Params", "map[string]interface {}")))
WITH_PROPERTIES = Body("IndexReqWithProperties", (*_DB_COLLECTION, _INDEX_NAME,
                                                  Field("properties", "Properties", "map[string]interface {}")))
DROP_PROPERTIES = Body("DropIndexPropertiesReq", (*_DB_COLLECTION, _INDEX_NAME,
                                                  Field("propertyKeys", "PropertyKeys", "[]string")))


def list_indexes(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    return ok(call.client().list_indexes(body["collectionName"]))


def describe_index(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    found = describe_indexes(call.client(), body["collectionName"], index_name=body["indexName"])
    return ok([_described(d) for d in found])


def _described(desc: Any) -> dict[str, Any]:
    params = {p.key: p.value for p in desc.params}
    return {"indexName": desc.index_name, "fieldName": desc.field_name,
            "indexType": params.get("index_type", ""), "metricType": params.get("metric_type", ""),
            "mmap.enabled": params.get("mmap.enabled", ""),
            "indexoffsetcache.enabled": params.get("indexoffsetcache.enabled", ""),
            "warmup": params.get("warmup", ""), "totalRows": desc.total_rows,
            "pendingRows": desc.pending_index_rows, "indexedRows": desc.indexed_rows,
            "indexState": common_pb2.IndexState.Name(desc.state), "failReason": desc.index_state_fail_reason,
            "minIndexVersion": desc.min_index_version, "maxIndexVersion": desc.max_index_version,
            "indexParams": _pairs(desc.params)}


def create_index(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    client = call.client()
    for item in body["indexParams"]:
        param = INDEX_PARAM.bind(json.dumps(item).encode())
        params = IndexParams()
        params.add_index(param["fieldName"], index_name=param["indexName"],
                         **index_arguments(_extra_params(param)))
        client.create_index(body["collectionName"], params)
    return ok({})


def _extra_params(param: dict[str, Any]) -> list[common_pb2.KeyValuePair]:
    return extra_params(param["indexType"], param["metricType"], param["params"] or {})


def extra_params(index_type: str, metric_type: str, options: dict[str, Any]) -> list[common_pb2.KeyValuePair]:
    """convertToExtraParams (httpserver/utils.go): ``index_type`` (else ``params.index_type``),
    ``metric_type``, and ``params`` as Go's json.Marshal writes it (keys sorted, 1.0 as 1)."""
    extra = []
    index_type = index_type or (_go_text(options["index_type"]) if "index_type" in options else "")
    if index_type:
        extra.append(("index_type", index_type))
    if metric_type:
        extra.append(("metric_type", metric_type))
    if options:
        extra.append(("params", json.dumps(_go_json(options), sort_keys=True, separators=(",", ":"))))
    return [common_pb2.KeyValuePair(key=k, value=v) for k, v in extra]


def alter_index_properties(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    """As the gRPC face's AlterIndex reads the ``%v`` texts Milvus sends (rpc_schema.py)."""
    properties = {k: kv_value(_go_text(v)) for k, v in (body["properties"] or {}).items()}
    call.client().alter_index_properties(body["collectionName"], body["indexName"], properties)
    return ok({})


def drop_index_properties(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    """AlterIndex with ``delete_keys``; none is an AlterIndex with nothing, as there (rpc_schema.py)."""
    client, keys = call.client(), body["propertyKeys"] or []
    if keys:
        client.drop_index_properties(body["collectionName"], body["indexName"], keys)
    else:
        client.alter_index_properties(body["collectionName"], body["indexName"], {})
    return ok({})


def _go_json(value: Any) -> Any:
    """A decoded JSON value as Go re-encodes it: numbers were float64, so ``1.0`` is ``1``."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, dict):
        return {k: _go_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_go_json(v) for v in value]
    return value


def _go_text(value: Any) -> str:
    """Go's ``fmt.Sprintf("%v", v)`` of a decoded JSON scalar (objects and arrays: their JSON)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        value = _go_json(value)
        return repr(value) if isinstance(value, float) else str(value)
    if value is None:
        return "<nil>"
    return value if isinstance(value, str) else json.dumps(_go_json(value), separators=(",", ":"))


ROUTES = {
    "indexes/list": Route(binding.COLLECTION, list_indexes),
    "indexes/describe": Route(INDEX, describe_index),
    "indexes/create": Route(INDEX_PARAMS, create_index),
    "indexes/drop": Route(INDEX, plain_call("drop_index", "collectionName", "indexName")),
    "indexes/alter_properties": Route(WITH_PROPERTIES, alter_index_properties),
    "indexes/drop_properties": Route(DROP_PROPERTIES, drop_index_properties),
}
