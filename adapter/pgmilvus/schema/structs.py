"""ARRAY<STRUCT> fields: pymilvus's StructFieldSchema, and the columns that hold one.

Milvus stores a struct array column by column: each sub-field ``s`` of the struct field ``clips``
is an ARRAY (scalar sub-fields) or an ArrayOfVector (vector sub-fields) named ``clips[s]``, one
element per struct of the row (typeutil.ConcatStructFieldName).  pgmilvus does the same in
PostgreSQL: ``clips[s]`` is a column of type ``varchar(n)[]``, ``bigint[]``, ``vector(d)[]``...,
so a filter on ``clips[s]`` is an array filter, an element filter walks the columns in step
(``unnest`` of several arrays), and a row's structs are the columns zipped back.

The sub-field columns are FieldSchemas like any other (``columns``), marked with the struct they
belong to (``struct_name``), so DDL, encoders and decoders serve them unchanged.
"""

from __future__ import annotations

import copy
from typing import Any, Iterable, Optional

from ..errors import ErrorCode, MilvusException, ParamError, invalid_parameter
from ..types import DENSE_VECTOR_TYPES, DataType, VECTOR_TYPES, go_name

#: Sub-field types pymilvus refuses in StructFieldSchema.add_field.
_NESTED = {DataType.ARRAY, DataType._ARRAY_OF_VECTOR, DataType.STRUCT, DataType._ARRAY_OF_STRUCT}


def column_name(struct: str, sub: str) -> str:
    """Milvus's ConcatStructFieldName: the sub-field ``sub`` of ``struct`` as ``struct[sub]``."""
    return f"{struct}[{sub}]"


def split_column_name(name: str) -> Optional[tuple[str, str]]:
    """``("clips", "s")`` for ``"clips[s]"``; None for a name of no such form."""
    if not name.endswith("]") or "[" not in name:
        return None
    struct, _, sub = name[:-1].partition("[")
    if not struct or not sub or "[" in sub or "]" in sub:
        return None
    return struct, sub


class StructFieldSchema:
    """pymilvus's StructFieldSchema (MilvusClient.create_struct_field_schema): the sub-fields of
    an ARRAY<STRUCT> field; its name, ``max_capacity`` and ``nullable`` are set when the schema's
    add_field(..., DataType.ARRAY, element_type=DataType.STRUCT, struct_schema=...) adds it."""

    def __init__(self, nullable: bool = False, description: str = "") -> None:
        if not isinstance(nullable, bool):
            raise ParamError(message="nullable must be boolean")
        if not isinstance(description, str):
            raise ParamError(message="description must be string")
        self.name = ""
        self._fields: list[Any] = []
        self._description = description
        self._type_params: dict[str, Any] = {}
        self._nullable = nullable
        self.max_capacity: Optional[int] = None

    def add_field(self, field_name: str, datatype: DataType, **kwargs: Any) -> "StructFieldSchema":
        from .model import FieldSchema  # the model imports this module

        if datatype in _NESTED:
            raise ParamError(message="Struct field schema does not support Array, ArrayOfVector or Struct")
        self._fields.append(FieldSchema(field_name, datatype, **kwargs))
        return self

    @property
    def fields(self) -> list[Any]:
        return self._fields

    @property
    def description(self) -> str:
        return self._description

    @description.setter
    def description(self, value: str) -> None:  # alter_collection_field's ``field.description``
        self._description = value

    @property
    def nullable(self) -> bool:
        return self._nullable

    @property
    def params(self) -> dict[str, Any]:
        return self._type_params

    @property
    def dtype(self) -> DataType:
        return DataType.STRUCT

    def sub_field(self, name: str) -> Any:
        return next((f for f in self._fields if f.name == name), None)

    def columns(self) -> list[Any]:
        """One FieldSchema per sub-field, as Milvus's proto holds it: ``struct[sub]``, an ARRAY of
        the sub-field's type, or an ArrayOfVector of its vector type (``dim`` kept)."""
        from .model import FieldSchema

        out = []
        for sub in self._fields:
            kwargs: dict[str, Any] = {"element_type": sub.dtype, "max_capacity": self.max_capacity,
                                      "nullable": self._nullable}
            for key in ("dim", "max_length"):
                if sub.params.get(key) is not None:
                    kwargs[key] = sub.params[key]
            dtype = DataType._ARRAY_OF_VECTOR if sub.dtype in VECTOR_TYPES else DataType.ARRAY
            column = FieldSchema(column_name(self.name, sub.name), dtype, sub.description, **kwargs)
            column._deferred = None  # "clips[emb]" is no field name: the struct's names were checked
            column.struct_name = self.name
            column.sub_name = sub.name
            out.append(column)
        return out

    # -- describe and catalog ------------------------------------------------------------------
    def to_dict(self, field_id: Optional[int] = None, sub_ids: Optional[Iterable[int]] = None) -> dict[str, Any]:
        """The field dict MilvusClient.describe_collection gives (pymilvus's
        convert_struct_fields_to_user_format): an ARRAY of STRUCT with its sub-fields."""
        out: dict[str, Any] = {}
        if field_id is not None:
            out["field_id"] = field_id
        out.update(name=self.name, description=self._description, type=DataType.ARRAY,
                   element_type=DataType.STRUCT, params={})
        if self._nullable:
            out["nullable"] = True
        if self.max_capacity:
            out["params"]["max_capacity"] = self.max_capacity
        ids = list(sub_ids) if sub_ids is not None else [None] * len(self._fields)
        subs = []
        for sub, sub_id in zip(self._fields, ids):
            item: dict[str, Any] = {}
            if sub_id is not None:
                item["field_id"] = sub_id
            item.update(name=sub.name, type=sub.dtype, description=sub.description)
            if sub.params:
                item["params"] = dict(sub.params)
            subs.append(item)
        out["struct_fields"] = subs
        return out

    def to_catalog(self) -> dict[str, Any]:
        return {"name": self.name, "description": self._description, "nullable": self._nullable,
                "max_capacity": self.max_capacity, "params": dict(self._type_params),
                "fields": [f.to_catalog() for f in self._fields]}

    @classmethod
    def from_catalog(cls, data: dict[str, Any]) -> "StructFieldSchema":
        from .model import FieldSchema

        struct = cls(bool(data.get("nullable")), data.get("description", ""))
        struct.name = data["name"]
        struct.max_capacity = data.get("max_capacity")
        struct._type_params = dict(data.get("params") or {})
        struct._fields = [FieldSchema.from_catalog(f) for f in data["fields"]]
        return struct

    def copy(self) -> "StructFieldSchema":
        return copy.deepcopy(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StructFieldSchema) and self.to_catalog() == other.to_catalog()

    def __repr__(self) -> str:
        return f"StructFieldSchema({self.to_dict()!r})"


def foreign(value: Any) -> StructFieldSchema:
    """pymilvus's own StructFieldSchema (code that builds it with pymilvus beside pgmilvus) as
    pgmilvus's; pgmilvus's is returned as it is."""
    if isinstance(value, StructFieldSchema):
        return value
    if not all(hasattr(value, a) for a in ("fields", "nullable", "description", "params")):
        raise ParamError(message="struct_schema must be StructFieldSchema")
    from .model import FieldSchema

    struct = StructFieldSchema(bool(value.nullable), value.description or "")
    struct.name = getattr(value, "name", "") or ""
    struct.max_capacity = getattr(value, "max_capacity", None)
    struct._type_params = dict(value.params or {})
    for sub in value.fields:
        kwargs = dict(getattr(sub, "params", {}) or {})
        struct._fields.append(FieldSchema(sub.name, DataType(int(sub.dtype)), sub.description or "", **kwargs))
    return struct


# -- checks ---------------------------------------------------------------------------------------

def verify_client(struct: StructFieldSchema) -> None:
    """pymilvus's checks when it builds the request (Prepare.get_struct_array_field_schema,
    StructFieldSchema._check_fields), in its order and words."""
    if struct.max_capacity is None:
        raise ParamError(message=f"max_capacity not set for struct field: {struct.name}")
    if not struct.fields:
        raise ParamError(message="Struct field must have at least one field")
    where = f"in struct '{struct.name}'"
    for sub in struct.fields:
        for flag, what in (("is_primary", "be primary key"), ("is_partition_key", "be partition key"),
                           ("is_clustering_key", "be clustering key"), ("is_dynamic", "be dynamic field")):
            if getattr(sub, flag):
                raise ParamError(message=f"Field '{sub.name}' {where} cannot {what}")
        if sub.nullable:
            raise ParamError(message=f"Field '{sub.name}' {where} cannot be nullable individually, set nullable "
                                     "on the struct instead")
        if sub.auto_id:
            raise ParamError(message=f"Field '{sub.name}' {where} cannot have auto_id")
        if sub.has_default and sub.default_value is not None:
            raise ParamError(message=f"Field '{sub.name}' {where} cannot have default value")
    names = [f.name for f in struct.fields]
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        raise ParamError(message=f"Duplicate field names in struct '{struct.name}': {duplicated}")


def verify_reserved(struct: StructFieldSchema) -> None:
    """The proxy's reserved-name check: the struct's name and its sub-fields' bare names."""
    from . import names

    for name in [struct.name] + [f.name for f in struct.fields]:
        names.field_name_not_reserved(name)


def verify_server(struct: StructFieldSchema, collection_name: str = "") -> None:
    """Milvus's ValidateStructArrayField: the struct, then each sub-field (ValidateFieldsInStruct)
    with its bare name; pgmilvus also checks the struct's own name, which Milvus does not (it
    becomes part of the columns' names)."""
    from . import names
    from .model import check_varchar_length, warmup_problem

    names.field_name(struct.name)
    if not struct.fields:
        raise MilvusException(ErrorCode.SERVER_ERROR, f"struct array field {struct.name} has no sub-fields")
    if "warmup" in struct.params:
        problem = warmup_problem(struct.params["warmup"])
        if problem:
            raise MilvusException(ErrorCode.INVALID_PARAMETER, f"invalid warmup policy for struct field "
                                                               f"{struct.name}: {problem}: invalid parameter")
    columns = struct.columns()
    for sub, column in zip(struct.fields, columns):
        names.field_name(sub.name)
        names.field_name_not_keyword(sub.name)
        _verify_sub_type(sub, column)
        if sub.dtype in DENSE_VECTOR_TYPES:
            sub._verify_dim()
            sub._verify_pgvector_dim()
        if sub.dtype == DataType.VARCHAR:
            check_varchar_length(sub.name, sub.max_length, collection_name)
        if not isinstance(struct.max_capacity, int) or isinstance(struct.max_capacity, bool):
            raise MilvusException(ErrorCode.SERVER_ERROR,
                                  f"the value for max_capacity of field {sub.name} must be an integer")
        column._verify_capacity(collection_name)  # the range, as any ARRAY's
    for column in columns:  # after every sub-field's Milvus checks: pgmilvus's own limit
        if len(column.name.encode()) > 63:
            raise MilvusException(ErrorCode.INVALID_PARAMETER,
                                  f"field name {column.name} is {len(column.name.encode())} bytes long; "
                                  "PostgreSQL column names hold at most 63 bytes: use a shorter struct or "
                                  "sub-field name: invalid parameter")


def _verify_sub_type(sub: Any, column: Any) -> None:
    """ValidateFieldsInStruct's type checks: no nesting, fixed-dimension vectors, and for a scalar
    sub-field the element types of any ARRAY (its column's own check)."""
    dtype, name = sub.dtype, sub.name
    if dtype in (DataType.ARRAY, DataType._ARRAY_OF_VECTOR, DataType._ARRAY_OF_STRUCT, DataType.STRUCT):
        raise MilvusException(ErrorCode.SERVER_ERROR, f"nested array is not supported {name}")
    if dtype in VECTOR_TYPES and dtype not in DENSE_VECTOR_TYPES:
        raise MilvusException(ErrorCode.SERVER_ERROR,
                              f"Unsupported element type {go_name(dtype)} of ArrayOfVector field {name}, only "
                              "fixed dimension vector types are supported")
    if dtype not in VECTOR_TYPES:
        column._verify_element_type()


# -- Milvus's stored form -----------------------------------------------------------------------

def from_stored(name: str, subs: list[tuple[str, int, str, dict[str, Any]]], *, nullable: bool,
                description: str = "", params: Optional[dict[str, Any]] = None,
                collection_name: str = "") -> StructFieldSchema:
    """A struct array as Milvus's CollectionSchema message holds it (StructArrayFieldSchema: one
    Array / ArrayOfVector FieldSchema per sub-field, each with the struct's ``max_capacity`` and
    nullability) as the StructFieldSchema pymilvus built it from.  ``subs``: each sub-field's
    FieldSchema arguments as sent (name, data type number, description, keyword arguments with
    ``element_type``, ``max_capacity``, flags and type params).

    What pymilvus always sends right and only a hand-built request gets wrong is refused here in
    Milvus's words (its proxy's and rootcoord's); everything else is left to ``verify_server``."""
    for attr, what in (("is_primary", "primary key"), ("auto_id", "autoID")):
        for sub_name, _, _, kwargs in subs:
            if kwargs.get(attr):
                raise invalid_parameter(f"{what} is not supported for struct field, field name = {sub_name}")
    for sub_name, dtype, _, _ in subs:
        if dtype not in (DataType.ARRAY, DataType._ARRAY_OF_VECTOR):
            raise invalid_parameter(f"fields in StructArrayField must be Array or ArrayOfVector, field name = "
                                    f"{sub_name}, field type = {go_name(dtype)}")
    for attr, what in (("is_partition_key", "partition key"), ("is_clustering_key", "clustering key")):
        for sub_name, _, _, kwargs in subs:
            if kwargs.get(attr):
                raise MilvusException(ErrorCode.COLLECTION_ILLEGAL_SCHEMA,
                                      f"{what} is not supported for struct field, field name = {sub_name}: illegal "
                                      f"collection schema[collection={collection_name}]")
    struct = StructFieldSchema(nullable, description)
    struct.name = name
    struct._type_params = dict(params or {})
    struct.max_capacity = _stored_capacity(name, subs, collection_name)
    for sub_name, dtype, sub_description, kwargs in subs:
        if not nullable and kwargs.get("nullable"):
            raise invalid_parameter(f"sub-field in non-nullable struct cannot be nullable individually, set "
                                    f"nullable on the struct instead: structName={name}, subFieldName={sub_name}")
        if kwargs.get("default_value") is not None:
            raise invalid_parameter(f"fields in struct array field not support default_value, data type:"
                                    f"{go_name(dtype)}, element type:{go_name(kwargs.get('element_type') or 0)}, "
                                    f"name:{column_name(name, sub_name)}")
        struct._fields.append(_stored_sub(sub_name, sub_description, kwargs))
    return struct


def _stored_capacity(name: str, subs: list[tuple[str, int, str, dict[str, Any]]], collection_name: str) -> Any:
    """The struct's ``max_capacity``: every sub-field carries it, all the same (Milvus's
    validateStructArrayFieldMaxCapacity); a value that is no integer is judged by verify_server."""
    expected: Any = None
    for sub_name, _, _, kwargs in subs:
        if "max_capacity" not in kwargs:
            raise MilvusException(ErrorCode.MISSING_PARAMETER,
                                  f"type param(max_capacity) should be specified for array field {sub_name} of "
                                  f"collection {collection_name}: missing parameter")
        capacity = kwargs["max_capacity"]
        if expected is None:
            expected = capacity
        elif capacity != expected and isinstance(capacity, int) and isinstance(expected, int):
            raise invalid_parameter(f"all sub-fields in struct array field must have the same max_capacity: "
                                    f"structName={name}, subFieldName={sub_name}, max_capacity={capacity}, "
                                    f"expected={expected}")
    return expected


def _stored_sub(name: str, description: str, kwargs: dict[str, Any]) -> Any:
    """One sub-field as the user declared it: the element type is its type; the struct's
    capacity and nullability are the struct's."""
    from .model import FieldSchema

    rest = {k: v for k, v in kwargs.items()
            if k not in ("element_type", "max_capacity", "nullable", "default_value")}
    element = kwargs.get("element_type") or 0
    dtype = DataType(element) if element in DataType._value2member_map_ else element
    return FieldSchema(name, dtype, description, **rest)  # any type: verify_server names a bad one
