"""``/v2/vectordb/collections/fields/add``: a field added to a collection, as Milvus's
handler_v2.go ``addCollectionField`` answers it.

The body's ``schema`` is request_v2.go's ``FieldSchema``, turned into the
``schema.FieldSchema`` message as its ``GetProto`` does (its checks and texts), then
added by the core call the gRPC face's AddCollectionField makes (rpc_schema.py), so
every rule of adding a field is the core's.  A struct array field is refused as
Milvus refuses it here (it has an endpoint of its own, ``struct_fields/add``).
"""

from __future__ import annotations

import json
from typing import Any

from pymilvus.grpc_gen import schema_pb2

from ...errors import MilvusException
from ..convert.schema import field_arguments
from .binding import Body, Field
from .collection_create import _default_value, invalid_msg
from .face import RestCall, Route, ok

ADD_FIELD = Body("CollectionFieldReqWithSchema", (
    Field("dbName", "DbName"), Field("collectionName", "CollectionName", required=True),
    Field("schema", "Schema", "*httpserver.FieldSchema", required=True)))
#: request_v2.go's FieldSchema (gin validates the nested struct's own required tags too).
FIELD_SCHEMA = Body("CollectionFieldReqWithSchema.Schema", (
    Field("fieldName", "FieldName", required=True), Field("description", "Description"),
    Field("dataType", "DataType", required=True), Field("elementDataType", "ElementDataType"),
    Field("externalField", "ExternalField"), Field("isPrimary", "IsPrimary", "bool"),
    Field("isPartitionKey", "IsPartitionKey", "bool"), Field("isClusteringKey", "IsClusteringKey", "bool"),
    Field("elementTypeParams", "ElementTypeParams", "map[string]interface {}"),
    Field("typeParams", "TypeParams", "map[string]interface {}"), Field("nullable", "Nullable", "bool"),
    Field("defaultValue", "DefaultValue", "interface {}")))


def add_field(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    field = FIELD_SCHEMA.bind(json.dumps(body["schema"]).encode())
    if field["dataType"] == "ArrayOfStruct" or (field["dataType"] == "Array" and field["elementDataType"] == "Struct"):
        raise invalid_msg("StructArray field must be added through /v2/vectordb/collections/struct_fields/add")
    name, dtype, description, kwargs = field_arguments(field_proto(field))
    call.client().add_collection_field(body["collectionName"], name, dtype, description, **kwargs)
    return ok({})


def field_proto(field: dict[str, Any]) -> schema_pb2.FieldSchema:
    """FieldSchema.GetProto (request_v2.go): data types by their exact enum names, the default value
    as convertDefaultValue reads it, element type params as strings or their JSON."""
    if field["dataType"] not in schema_pb2.DataType.keys():
        raise invalid_msg(f"data type {field['dataType']} is invalid(case sensitive)")
    data_type = schema_pb2.DataType.Value(field["dataType"])
    proto = schema_pb2.FieldSchema(
        name=field["fieldName"], description=field["description"], is_primary_key=field["isPrimary"],
        is_partition_key=field["isPartitionKey"], is_clustering_key=field["isClusteringKey"],
        data_type=data_type, nullable=field["nullable"])
    try:
        default = _default_value(field["defaultValue"], data_type)
    except MilvusException as exc:
        cause = exc.message.removeprefix("convert defaultValue fail, err:")
        raise invalid_msg(f"convert defaultValue fail, err: {cause}") from None
    if default is not None:
        proto.default_value.CopyFrom(default)
    if field["dataType"] in ("Array", "ArrayOfVector"):
        if field["elementDataType"] not in schema_pb2.DataType.keys():
            raise invalid_msg(f"element data type {field['elementDataType']} is invalid(case sensitive)")
        proto.element_type = schema_pb2.DataType.Value(field["elementDataType"])
    for key, value in (field["elementTypeParams"] or {}).items():
        text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        proto.type_params.add(key=key, value=text)
    return proto


ROUTES = {"collections/fields/add": Route(ADD_FIELD, add_field)}
