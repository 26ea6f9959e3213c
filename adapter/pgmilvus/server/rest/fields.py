"""``/v2/vectordb/collections/fields/add`` and ``/struct_fields/add``: a field or an ARRAY<STRUCT>
field added to a collection, as Milvus's handler_v2.go ``addCollectionField`` /
``addCollectionStructField`` answer them.

The body's ``schema`` is request_v2.go's ``FieldSchema``, turned into the
``schema.FieldSchema`` message as its ``GetProto`` does (its checks and texts), then
added by the core call the gRPC face's AddCollectionField makes (rpc_schema.py), so
every rule of adding a field is the core's.  A struct array field is refused as
Milvus refuses it here (it has an endpoint of its own, ``struct_fields/add``).
"""

from __future__ import annotations

import json
from typing import Any

from ..convert.schema import field_arguments, struct_schema
from .binding import Body, Field
from .face import RestCall, Route, ok
from .externals import refuse_schema
from .go_schema import field_proto, invalid_msg, struct_proto

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
    Field("typeParams", "TypeParams", "map[string]interface {}"), Field("fields", "Fields", "[]interface {}"),
    Field("nullable", "Nullable", "bool"),
    Field("defaultValue", "DefaultValue", "interface {}")))


def add_field(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    field = FIELD_SCHEMA.bind(json.dumps(body["schema"]).encode())
    if field["dataType"] == "ArrayOfStruct" or (field["dataType"] == "Array" and field["elementDataType"] == "Struct"):
        raise invalid_msg("StructArray field must be added through /v2/vectordb/collections/struct_fields/add")
    refuse_schema("add_collection_field", "", "", [field])
    name, dtype, description, kwargs = field_arguments(field_proto(field))
    call.client().add_collection_field(body["collectionName"], name, dtype, description, **kwargs)
    return ok({})


def add_struct_field(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    """addCollectionStructField: FieldSchema.GetStructArrayProto, then the core call the gRPC face's
    AddCollectionStructField makes."""
    field = FIELD_SCHEMA.bind(json.dumps(body["schema"]).encode())
    if not (field["dataType"] == "ArrayOfStruct" or (field["dataType"] == "Array"
                                                     and field["elementDataType"] == "Struct")):
        raise invalid_msg(f"StructArray field must use ArrayOfStruct or Array with Struct element, got dataType "
                          f"{field['dataType']} and elementDataType {field['elementDataType']}")
    collection = body["collectionName"]
    struct = struct_schema(struct_proto(body["schema"]), collection)
    call.client().add_collection_struct_field(collection, struct.name, struct, struct.max_capacity,
                                              struct.description or None, nullable=struct.nullable)
    return ok({})


ROUTES = {"collections/fields/add": Route(ADD_FIELD, add_field),
          "collections/struct_fields/add": Route(ADD_FIELD, add_struct_field)}
