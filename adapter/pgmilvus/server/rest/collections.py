"""``/v2/vectordb/collections/{list,has,describe}``, shaped as Milvus's handler_v2.go.

``describe`` builds the same DescribeCollectionResponse the gRPC face sends
(convert/schema.py) and prints it as Milvus's ``getCollectionDetails`` does
(``printFieldsV2``, ``printIndexes``, ...; httpserver/utils.go): Milvus's data
types by name, key/value lists as ``{"key", "value"}`` objects; a load state or
index that cannot be read is not an error but a note in ``message`` (``index not
found[collection=c];`` for a collection without index), as there.
"""

from __future__ import annotations

from typing import Any

from pymilvus.grpc_gen import common_pb2, schema_pb2

from ...types import DataType, LoadState
from ..convert.schema import describe_response
from ..rpc_admin import describe_indexes
from . import binding
from .face import RestCall, Route, ok

#: Milvus's hidden fields (common.MetaFieldName, common.NamespaceFieldName): never printed.
_HIDDEN = ("$meta", "$namespace_id")
_DEFAULT_METRIC = "COSINE"  # httpserver/constant.go DefaultMetricType


def list_collections(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    return ok(call.client().list_collections())


def has_collection(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    return ok({"has": call.client().has_collection(body["collectionName"])})


def describe_collection(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    client, name = call.client(), body["collectionName"]
    described = describe_response(client.describe_collection(name), call.db_name)
    schema, notes = described.schema, ""
    try:
        load = "LoadState" + LoadState(client.get_load_state(name)["state"]).name
    except Exception as exc:  # noqa: BLE001 - Milvus notes the failure and answers the rest
        load, notes = "", notes + f"{_text(exc)};"
    try:  # handler_v2 names the first vector field, which the proxy's DescribeIndex ignores
        indexes = [{"indexName": i.index_name, "fieldName": i.field_name, "metricType": _metric(i.params)}
                   for i in describe_indexes(client, name)]
    except Exception as exc:  # noqa: BLE001
        indexes, notes = [], notes + f"{_text(exc)};"
    primary = next((f for f in schema.fields if f.is_primary_key), None)
    return ok({
        "collectionName": described.collection_name, "collectionID": described.collectionID,
        "description": schema.description, "autoId": bool(primary and primary.autoID),
        "fields": [_field(f) for f in schema.fields if f.name not in _HIDDEN],
        "structFields": [_struct(s) for s in schema.struct_array_fields],
        "functions": [_function(f) for f in schema.functions],
        "aliases": list(described.aliases), "indexes": indexes, "load": load,
        "shardsNum": described.shards_num, "partitionsNum": described.num_partitions,
        "consistencyLevel": common_pb2.ConsistencyLevel.Name(described.consistency_level),
        "enableDynamicField": schema.enable_dynamic_field, "externalSource": "", "externalSpec": "",
        "properties": _pairs(described.properties)}, message=notes)


_TYPE_NAMES = schema_pb2.DataType.Name


def _field(field: schema_pb2.FieldSchema) -> dict[str, Any]:
    """printFieldDetail(field, oldVersion=false)."""
    out: dict[str, Any] = {"name": field.name, "primaryKey": field.is_primary_key,
                           "partitionKey": field.is_partition_key, "clusteringKey": field.is_clustering_key,
                           "autoId": field.autoID, "description": field.description, "nullable": field.nullable}
    if field.HasField("default_value"):
        slot = field.default_value.WhichOneof("data")
        out["defaultValue"] = {"Data": {_go_name(slot): getattr(field.default_value, slot)}} if slot else {}
    if field.is_function_output:
        out["isFunctionOutput"] = True
    out["type"] = _TYPE_NAMES(field.data_type)
    out["id"] = field.fieldID
    if field.type_params:
        out["params"] = _pairs(field.type_params)
    if field.data_type in (DataType.ARRAY, DataType._ARRAY_OF_VECTOR):
        out["elementType"] = _TYPE_NAMES(field.element_type)
    return out


def _struct(struct: schema_pb2.StructArrayFieldSchema) -> dict[str, Any]:
    """printStructArrayFieldsV2: sub-fields by their bare names."""
    subs = []
    for sub in struct.fields:
        detail = _field(sub)
        if sub.name.startswith(f"{struct.name}[") and sub.name.endswith("]"):
            detail["name"] = sub.name[len(struct.name) + 1:-1]
        subs.append(detail)
    out = {"name": struct.name, "id": struct.fieldID, "description": struct.description,
           "nullable": struct.nullable, "type": "ArrayOfStruct", "fields": subs}
    if struct.type_params:
        out["params"] = _pairs(struct.type_params)
    return out


def _function(function: schema_pb2.FunctionSchema) -> dict[str, Any]:
    """printFunctionDetails (the type as its enum number, as Go's JSON writes an int32 enum)."""
    return {"name": function.name, "description": function.description, "type": function.type,
            "id": function.id, "inputFieldNames": list(function.input_field_names),
            "outputFieldNames": list(function.output_field_names), "params": _pairs(function.params)}


def _pairs(pairs: Any) -> list[dict[str, str]]:
    """A protobuf KeyValuePair list as Go's JSON writes it (empty values omitted: ``omitempty``)."""
    return [{k: v for k, v in (("key", p.key), ("value", p.value)) if v} for p in pairs]


def _metric(params: Any) -> str:
    return next((p.value for p in params if p.key == "metric_type"), _DEFAULT_METRIC)


def _go_name(slot: str) -> str:
    """A ValueField oneof slot's Go name (``long_data`` -> ``LongData``)."""
    return "".join(part.title() for part in slot.split("_"))


def _text(exc: Exception) -> str:
    return getattr(exc, "message", None) or str(exc)


ROUTES = {
    "collections/list": Route(binding.DATABASE, list_collections),
    "collections/has": Route(binding.COLLECTION, has_collection),
    "collections/describe": Route(binding.COLLECTION, describe_collection),
}
