"""Collection schemas: ``schema.CollectionSchema`` bytes -> pgmilvus's schema, describe dict -> proto.

Only the shape changes here: pgmilvus's CollectionSchema / FieldSchema check
every value (``verify`` at create time), exactly as for an in-process call.
"""

from __future__ import annotations

import json
from datetime import timezone
from typing import Any

from google.protobuf.message import DecodeError
from pymilvus.grpc_gen import common_pb2, milvus_pb2, schema_pb2

from ...data import timestamps
from ...pg.instants import WideInstant
from ...schema import structs
from ...schema.model import CollectionSchema, FieldSchema, Function
from ...schema.structs import StructFieldSchema
from ...errors import invalid_parameter
from ...types import VECTOR_TYPES, DataType, FunctionType, go_name
from ..status import bad_request
from .params import kv_value

_FLAGS = {"is_primary_key": "is_primary", "autoID": "auto_id", "nullable": "nullable",
          "is_partition_key": "is_partition_key", "is_clustering_key": "is_clustering_key",
          "is_function_output": "is_function_output"}

#: ValueField slot per data type (default values).
_VALUE_SLOTS = {DataType.BOOL: "bool_data", DataType.INT8: "int_data", DataType.INT16: "int_data",
                DataType.INT32: "int_data", DataType.INT64: "long_data", DataType.FLOAT: "float_data",
                DataType.DOUBLE: "double_data", DataType.VARCHAR: "string_data", DataType.TEXT: "string_data",
                DataType.TIMESTAMPTZ: "string_data", DataType.GEOMETRY: "string_data"}


def data_type(value: int, what: str) -> DataType:
    try:
        return DataType(value)
    except ValueError:
        raise bad_request(f"unknown data type {value} of {what}") from None


def collection_schema(raw: bytes, collection_name: str = "") -> CollectionSchema:
    """CreateCollectionRequest.schema (serialized ``schema.CollectionSchema``) as pgmilvus's schema."""
    proto = schema_pb2.CollectionSchema()
    try:
        proto.ParseFromString(raw)
    except DecodeError:
        raise bad_request("the collection schema is not a valid schema.CollectionSchema message") from None
    fields = [field_schema(f) for f in proto.fields if not f.is_dynamic]
    functions = [function(f) for f in proto.functions]
    # Milvus's proxy ignores the schema's own autoID (createCollectionTask sets it false): the key
    # field's says, and DescribeCollection answers that one (the Go SDK sends both, opposite in a test)
    return CollectionSchema(fields, proto.description, functions=functions,
                            enable_dynamic_field=proto.enable_dynamic_field,
                            external_source=getattr(proto, "external_source", ""),  # master's stubs
                            external_spec=getattr(proto, "external_spec", ""),
                            enable_namespace=getattr(proto, "enable_namespace", False),  # pymilvus 3's stubs
                            struct_fields=[struct_schema(s, collection_name) for s in proto.struct_array_fields])


def struct_schema(proto: schema_pb2.StructArrayFieldSchema, collection_name: str = "") -> StructFieldSchema:
    """A StructArrayFieldSchema (bare sub-field names, each an Array / ArrayOfVector carrying the
    struct's max_capacity) as the StructFieldSchema pymilvus built it from (structs.from_stored)."""
    params = {_MMAP_NAMES.get(kv.key, kv.key): kv_value(kv.value) for kv in proto.type_params}
    subs = [(f.name, f.data_type, f.description, _sub_arguments(f)) for f in proto.fields]
    return structs.from_stored(proto.name, subs, nullable=proto.nullable, description=proto.description,
                               params=params, collection_name=collection_name)


def _sub_arguments(proto: schema_pb2.FieldSchema) -> dict[str, Any]:
    """A sub-field's arguments: a field's, with its element type whatever its data type."""
    kwargs = field_arguments(proto)[3] if proto.data_type in DataType._value2member_map_ else {}
    kwargs["element_type"] = proto.element_type
    return kwargs


def function(proto: schema_pb2.FunctionSchema) -> Function:
    """A FunctionSchema (a schema's BM25 function, or a search's rerank function) as pgmilvus's Function."""
    kind = FunctionType(proto.type) if proto.type in FunctionType._value2member_map_ else FunctionType.UNKNOWN
    return Function(proto.name, kind, list(proto.input_field_names), list(proto.output_field_names),
                    proto.description, {kv.key: kv_value(kv.value) for kv in proto.params})


#: a field's mmap flag: ``mmap_enabled`` in pymilvus's FieldSchema, ``mmap.enabled`` on the wire
#: (pymilvus turns one into the other both ways)
_MMAP_NAMES = {"mmap.enabled": "mmap_enabled"}
_MMAP_KEYS = {"mmap_enabled": "mmap.enabled"}


def field_schema(proto: schema_pb2.FieldSchema) -> FieldSchema:
    """A field of a CreateCollection schema.  pymilvus refuses autoID on a field that is not the
    key as the field is built; Milvus's proxy judges the whole schema first (its vector fields,
    reserved names and key, then ``only one field can speficy AutoID``), so such a field is built
    without it and flagged after, for the schema's checks to answer."""
    name, dtype, description, kwargs = field_arguments(proto)
    misplaced = bool(kwargs.get("auto_id")) and not kwargs.get("is_primary")
    if misplaced:
        kwargs["auto_id"] = False
    field = FieldSchema(name, dtype, description, **kwargs)
    field.auto_id = field.auto_id or misplaced
    return field


def field_arguments(proto: schema_pb2.FieldSchema) -> tuple[str, DataType, str, dict[str, Any]]:
    """A FieldSchema message as FieldSchema's (and add_collection_field's) arguments."""
    dtype = data_type(proto.data_type, f"field {proto.name}")
    kwargs: dict[str, Any] = {_MMAP_NAMES.get(kv.key, kv.key): kv_value(kv.value) for kv in proto.type_params}
    for attr, key in _FLAGS.items():
        if getattr(proto, attr):
            kwargs[key] = True
    if getattr(proto, "external_field", ""):  # master's stubs
        kwargs["external_field"] = proto.external_field
    if dtype == DataType.ARRAY:
        # as sent, even a number that is no data type: create_collection names it as Milvus does
        kwargs["element_type"] = proto.element_type
    if proto.HasField("default_value"):
        slot = proto.default_value.WhichOneof("data")
        _check_default_slot(proto, dtype, slot)
        kwargs["default_value"] = getattr(proto.default_value, slot) if slot else None
        if slot == "timestamptz_data":  # UTC microseconds (the Node SDK's form): as the instant's text
            kwargs["default_value"] = timestamps.render(WideInstant(kwargs["default_value"]), timezone.utc)
    return proto.name, dtype, proto.description, kwargs


#: The number slots of a default value Python's int / float cannot tell apart, the field types
#: rootcoord's checkFieldSchema lets each fill and its name for them (long_data is the core's:
#: pymilvus sends every int there, which pgmilvus takes on any field the value fits).
_DEFAULT_SLOTS = {"int_data": ({DataType.INT8, DataType.INT16, DataType.INT32}, "DataType_Int"),
                  "float_data": ({DataType.FLOAT}, "DataType_Float"),
                  "double_data": ({DataType.DOUBLE}, "DataType_Double")}


def _check_default_slot(proto: schema_pb2.FieldSchema, dtype: DataType, slot: Any) -> None:
    """A default value sent in a number slot of another type than the field's (the Go SDK's
    WithDefaultValueInt on an INT64 field): rootcoord's refusal, which the value alone no longer
    shows once read.  Fields that take no default at all are left to the core's own texts."""
    allowed = _DEFAULT_SLOTS.get(slot)
    if allowed is None or dtype in allowed[0] or proto.is_primary_key or dtype in VECTOR_TYPES \
            or dtype in (DataType.ARRAY, DataType.JSON, DataType.GEOMETRY, DataType.TEXT):
        return
    raise invalid_parameter(f"type ({go_name(dtype)}) of field ({proto.name}) is not equal to the "
                            f"type({allowed[1]}) of default_value")


# -- describe_collection dict -> DescribeCollectionResponse -------------------------------------------

def describe_response(desc: dict[str, Any], db_name: str) -> milvus_pb2.DescribeCollectionResponse:
    fields = [_field_proto(f) for f in desc["fields"] if f.get("element_type") != DataType.STRUCT]
    struct_fields = [_struct_proto(f) for f in desc["fields"] if f.get("element_type") == DataType.STRUCT]
    schema = schema_pb2.CollectionSchema(name=desc["collection_name"], description=desc["description"],
                                         autoID=bool(desc["auto_id"]), fields=fields,
                                         struct_array_fields=struct_fields,
                                         functions=[_function_proto(f) for f in desc.get("functions") or []],
                                         enable_dynamic_field=bool(desc["enable_dynamic_field"]))
    ts = int(desc.get("created_timestamp") or 0)
    updated = int(desc.get("update_timestamp") or ts)  # what SDKs send back as a write's schema_timestamp
    return milvus_pb2.DescribeCollectionResponse(
        schema=schema, collectionID=int(desc["collection_id"]), collection_name=desc["collection_name"],
        created_timestamp=ts, created_utc_timestamp=ts >> 18, update_timestamp=updated,
        update_timestamp_str=str(updated),  # the Node SDK's (a JS number cannot hold it)
        shards_num=int(desc.get("num_shards") or 1), aliases=list(desc.get("aliases") or []),
        consistency_level=int(desc.get("consistency_level") or 0), db_name=db_name,
        properties=[common_pb2.KeyValuePair(key=k, value=str(v))
                    for k, v in (desc.get("properties") or {}).items()],
        num_partitions=int(desc.get("num_partitions") or 0))


def _function_proto(function: dict[str, Any]) -> schema_pb2.FunctionSchema:
    """describe_collection's function dict (catalog/collections.py) as Milvus sends it."""
    return schema_pb2.FunctionSchema(
        name=function["name"], id=int(function["id"]), description=function.get("description", ""),
        type=int(function["type"]), input_field_names=function["input_field_names"],
        input_field_ids=function["input_field_ids"], output_field_names=function["output_field_names"],
        output_field_ids=function["output_field_ids"],
        params=[common_pb2.KeyValuePair(key=k, value=str(v)) for k, v in function["params"].items()])


def _field_proto(field: dict[str, Any]) -> schema_pb2.FieldSchema:
    dtype = DataType(field["type"])
    proto = schema_pb2.FieldSchema(
        fieldID=int(field.get("field_id") or 0), name=field["name"], description=field.get("description", ""),
        data_type=int(dtype), is_primary_key=bool(field.get("is_primary")), autoID=bool(field.get("auto_id")),
        nullable=bool(field.get("nullable")), is_partition_key=bool(field.get("is_partition_key")),
        is_clustering_key=bool(field.get("is_clustering_key")),
        is_function_output=bool(field.get("is_function_output")), is_dynamic=bool(field.get("is_dynamic")),
        type_params=[common_pb2.KeyValuePair(key=_MMAP_KEYS.get(k, k), value=_param_text(v))
                     for k, v in (field.get("params") or {}).items()])
    if field.get("element_type") is not None:
        proto.element_type = int(field["element_type"])
    if field.get("default_value") is not None and dtype in _VALUE_SLOTS:
        setattr(proto.default_value, _VALUE_SLOTS[dtype], field["default_value"])
    return proto


def _struct_proto(field: dict[str, Any]) -> schema_pb2.StructArrayFieldSchema:
    """describe_collection's struct dict (pymilvus's user form: an ARRAY of STRUCT listing its
    sub-fields) as Milvus describes it: bare sub-field names, each an Array / ArrayOfVector of its
    type carrying the struct's max_capacity and nullability; no struct-level type params."""
    nullable = bool(field.get("nullable"))
    capacity = field["params"].get("max_capacity")
    subs = []
    for sub in field["struct_fields"]:
        dtype = DataType(sub["type"])
        params = dict(sub.get("params") or {})
        if capacity is not None:
            params["max_capacity"] = capacity
        subs.append(_field_proto({**sub, "type": DataType._ARRAY_OF_VECTOR if dtype in VECTOR_TYPES else DataType.ARRAY,
                                  "element_type": dtype, "params": params, "nullable": nullable}))
    return schema_pb2.StructArrayFieldSchema(fieldID=int(field.get("field_id") or 0), name=field["name"],
                                             description=field.get("description", ""), nullable=nullable,
                                             fields=subs)


def _param_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):  # as pymilvus sends it (orjson: compact, UTF-8)
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)
