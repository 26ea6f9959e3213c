"""Milvus REST's Go schema structs (request_v2.go's FieldSchema, StructArrayFieldSchema, default
values) as schema protobuf messages, with the checks and texts of their ``GetProto`` methods and
``convertDefaultValue``: what collections/create, fields/add and struct_fields/add share."""

from __future__ import annotations

import json
from typing import Any, Optional

from pymilvus.grpc_gen import schema_pb2

from ...errors import ErrorCode, MilvusException
from ..convert.params import go_type_name
from .binding import go_keys
from .databases import go_value

#: The keys of request_v2.go's FieldSchema, with their zero values.
FIELD_ZEROS = {"fieldName": "", "description": "", "dataType": "", "elementDataType": "", "externalField": "",
               "isPrimary": False, "isPartitionKey": False, "isClusteringKey": False, "elementTypeParams": None,
               "typeParams": None, "fields": None, "nullable": False, "defaultValue": None}


def invalid(expected: Any, actual: Any, message: str) -> MilvusException:
    """merr.WrapErrParameterInvalid(expected, actual, message)."""
    return MilvusException(ErrorCode.INVALID_PARAMETER,
                           f"{message}: invalid parameter[expected={go_value(expected)}][actual={go_value(actual)}]")


def invalid_msg(message: str) -> MilvusException:
    """merr.WrapErrParameterInvalidMsg(message)."""
    return MilvusException(ErrorCode.INVALID_PARAMETER, f"{message}: invalid parameter")


_DEFAULT_KINDS = {
    schema_pb2.Bool: ("bool", "bool_data", "bool"), schema_pb2.Int8: ("number", "int_data", '"int'),
    schema_pb2.Int16: ("number", "int_data", '"int'), schema_pb2.Int32: ("number", "int_data", '"int'),
    schema_pb2.Int64: ("number", "long_data", "long"), schema_pb2.Float: ("number", "float_data", "float"),
    schema_pb2.Double: ("number", "double_data", "float"), schema_pb2.VarChar: ("string", "string_data", "string"),
    schema_pb2.String: ("string", "string_data", "string"), schema_pb2.Geometry: ("string", "string_data", "geometry"),
    schema_pb2.Timestamptz: ("string", "string_data", "")}


def default_value(value: Any, data_type: int) -> Optional[schema_pb2.ValueField]:
    """convertDefaultValue: JSON numbers for numeric types, strings, booleans; its texts otherwise."""
    if value is None:
        return None
    if data_type not in _DEFAULT_KINDS:
        raise _default_failed(invalid_msg(f"Unexpected default value type: {schema_pb2.DataType.Name(data_type)}"))
    kind, slot, noun = _DEFAULT_KINDS[data_type]
    fits = {"bool": isinstance(value, bool), "string": isinstance(value, str),
            "number": isinstance(value, (int, float)) and not isinstance(value, bool)}[kind]
    if not fits:
        if not noun:
            raise _default_failed(invalid("string", value, "Wrong defaultValue type"))
        raise _default_failed(invalid_msg(f'cannot use "{go_value(value)}"(type: {go_type_name(value)}) as '
                                          f'{noun} default value'))
    if slot in ("int_data", "long_data"):
        value = int(value)
    try:
        return schema_pb2.ValueField(**{slot: value})
    except ValueError:  # Go's float64 -> intN conversion would wrap it; refused instead
        raise _default_failed(invalid_msg(f"default value {go_value(value)} is out of range for "
                                          f"{schema_pb2.DataType.Name(data_type)}")) from None


def _default_failed(exc: MilvusException) -> MilvusException:
    return MilvusException(exc.code, f"convert defaultValue fail, err:{exc.message}")


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
        default = default_value(field["defaultValue"], data_type)
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
        proto.type_params.add(key=key, value=_param_text(value))
    return proto


def struct_proto(struct: dict[str, Any]) -> schema_pb2.StructArrayFieldSchema:
    """StructArrayFieldSchema.GetProto: sub-fields Array / ArrayOfVector only, no keys, nulls,
    defaults or repeated names; the struct's max_capacity given to each sub-field that has none."""
    struct = field_values(struct)
    name = struct["fieldName"]
    if not struct["fields"]:
        raise invalid_msg(f"struct field {name} must contain at least one sub-field")
    proto = schema_pb2.StructArrayFieldSchema(name=name, description=struct["description"],
                                              nullable=struct["nullable"])
    parent = {**(struct["elementTypeParams"] or {}), **(struct["typeParams"] or {})}
    for key, value in parent.items():
        proto.type_params.add(key=key, value=_param_text(value))
    seen: set[str] = set()
    for raw in struct["fields"]:
        sub = field_values(raw)
        sub_proto = field_proto(sub)
        if sub_proto.data_type not in (schema_pb2.Array, schema_pb2.ArrayOfVector):
            raise invalid_msg(f"sub-field {sub['fieldName']} of struct {name} must be Array or ArrayOfVector, got "
                              f"{sub['dataType']}")
        for broken, text in ((sub_proto.is_primary_key or sub_proto.is_partition_key or sub_proto.is_clustering_key,
                              "cannot be primary / partition / clustering key"),
                             (sub_proto.nullable, "cannot be nullable"),
                             (sub_proto.HasField("default_value"), "cannot set defaultValue")):
            if broken:
                raise invalid_msg(f"sub-field {sub['fieldName']} of struct {name} {text}")
        if sub_proto.name in seen:
            raise invalid_msg(f"duplicated sub-field name {sub_proto.name} in struct {name}")
        seen.add(sub_proto.name)
        if "max_capacity" in parent and not any(p.key == "max_capacity" for p in sub_proto.type_params):
            sub_proto.type_params.add(key="max_capacity", value=_param_text(parent["max_capacity"]))
        proto.fields.append(sub_proto)
    return proto


def field_values(field: Any) -> dict[str, Any]:
    """A FieldSchema object's values by key, as encoding/json fills the struct (zero values for the
    absent keys, keys matched case-insensitively)."""
    field = go_keys(field if isinstance(field, dict) else {}, tuple(FIELD_ZEROS))
    return {key: zero if field.get(key) is None else field[key] for key, zero in FIELD_ZEROS.items()}


def _param_text(value: Any) -> str:
    """getElementTypeParams: a string as it is, anything else its JSON."""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
