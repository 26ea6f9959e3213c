"""Schema changes on an existing collection: add / alter / drop a field, index properties.

Milvus 2.6 adds nullable fields to a live collection (``add_collection_field``)
and alters a few field and index properties in place.  Here each change is
one transaction: the ``ALTER TABLE`` on the collection's (partitioned) table
and the catalog rows commit together, or neither does.  The catalog change
bumps the collection's revision (sql/catalog/004_revision.sql), which moves
its revision marker and notifies every process: cached descriptions and
prepared statements built on the old schema are dropped, so every client,
in any process, sees the new field on its next call.

The checks and their order follow Milvus's proxy (``addCollectionFieldTask``,
``alterCollectionFieldTask``, ``alterIndexTask``) and its messages.
"""

from __future__ import annotations

import copy
from typing import Any, Optional

import psycopg
from psycopg import sql

from . import index_checks, segments, store as catalog, struct_fields, ttl
from ..data import analyzer
from ..schema import ddl
from .properties import (CONFIGURABLE_INDEX_KEYS, FIELD_DESCRIPTION_KEY, MMAP_KEY, OFFSET_CACHE_KEY,
                         WARMUP_KEYS)
from .store import CollectionInfo
from ..errors import ErrorCode, MilvusException, ParamError, collection_loaded, invalid_parameter
from ..schema.names import SYSTEM_FIELD_NAMES
from ..schema.structs import StructFieldSchema
from ..schema.model import (MAX_CAPACITY, MAX_FIELDS, MAX_VARCHAR, CollectionSchema, FieldSchema,
                            check_field_counts, check_max_length, check_varchar_length, warmup_problem)
from ..types import DENSE_VECTOR_TYPES, DataType

_CLUSTERING_KEY_TYPES = {DataType.INT8, DataType.INT16, DataType.INT32, DataType.INT64, DataType.FLOAT,
                         DataType.DOUBLE, DataType.VARCHAR, DataType.FLOAT_VECTOR}
#: alter_collection_field's keys (Milvus's allowedAlterProps); ``mmap_enabled`` is read as ``mmap.enabled``.
_ALTERABLE_FIELD_KEYS = ("max_length", MMAP_KEY, "max_capacity", FIELD_DESCRIPTION_KEY, *WARMUP_KEYS)


# -- add_collection_field ------------------------------------------------------------------------

def new_field(field_name: str, data_type: Any, desc: str, kwargs: dict[str, Any]) -> FieldSchema:
    """pymilvus's client side of add_collection_field: its own check, then create_field_schema."""
    dtype = data_type if isinstance(data_type, DataType) else None
    if dtype is None and isinstance(data_type, int) and not isinstance(data_type, bool):
        dtype = DataType(data_type) if data_type in DataType._value2member_map_ else None
    if dtype is not None and dtype.value in range(100, 106) and not kwargs.get("nullable", False):
        raise ParamError(message="Adding vector field to existing collection requires nullable=True")
    default = kwargs.get("default_value")
    if default is not None and not isinstance(default, (bool, int, float, str)):
        # pymilvus turns the default into a protobuf scalar when the FieldSchema is built.
        raise ParamError(message=f"Default value unsupported data type: {DataType.UNKNOWN.value}")
    options = {k: v for k, v in kwargs.items() if k not in ("timeout",)}
    return FieldSchema(field_name, data_type, desc, **options)


def add_field(conn: psycopg.Connection, info: CollectionInfo, field: FieldSchema) -> None:
    """Add ``field`` to the collection: one nullable (or defaulted) column on every partition."""
    check_new_field(info, field)
    info = segments.lock_for_ddl(conn, info)  # waits for writers in flight, stops builds
    schema = info.schema.copy()
    schema.fields.append(field)
    table = ddl.qualified(info.schema_name, info.table_name)
    conn.execute(sql.SQL("ALTER TABLE {} ADD COLUMN {}").format(table, ddl.column_def(field)))
    for statement in ddl.external_storage(info.schema_name, info.table_name, [field]):
        conn.execute(statement)
    if analyzer.stores_tokens(field):  # every row holds the default (or NULL): so do its tokens
        default = field.default_value if field.has_default and field.default_value is not None else None
        stored = None if default is None else analyzer.match_document(analyzer.for_field(field).positions(default))
        conn.execute(sql.SQL("ALTER TABLE {} ADD COLUMN {}").format(table, ddl.match_column_def(field.name, stored)))
        conn.execute(ddl.match_index(info.schema_name, info.table_name, field.name))
    catalog.add_field(conn, info.id, schema)


def check_new_field(info: CollectionInfo, field: FieldSchema, function_output: bool = False) -> None:
    """Milvus's validateAddFieldRequest + the nullable rule + ValidateField, in that order; a
    ``function_output`` field (add_function_field) is not nullable: the function validator says so."""
    schema, name = info.schema, field.name
    if len(schema.fields) >= MAX_FIELDS:
        raise invalid_parameter(f"The number of fields has reached the maximum value {MAX_FIELDS}")
    if schema.field(name) is not None or schema.struct_field(name) is not None:
        raise invalid_parameter(f"duplicated field name {name}")
    if name in SYSTEM_FIELD_NAMES:
        raise invalid_parameter(f"not support to add system field, field name = {name}")
    if field.is_primary:
        raise invalid_parameter(f"not support to add pk field, field name = {name}")
    if field.is_partition_key:
        raise invalid_parameter(f"not support to add partition key field, field name  = {name}")
    if field.is_clustering_key:
        if field.dtype not in _CLUSTERING_KEY_TYPES:
            raise invalid_parameter(f"clustering key field {name} has unsupported data type "
                                    f"{field.dtype.name}")
        if any(f.is_clustering_key for f in schema.fields):
            raise invalid_parameter(f"already has another clustering key field, field name: {name}")
    if field.is_vector:
        check_field_counts(len(schema.fields) + 1, len(schema.vector_fields) + 1)
        if field.dtype in DENSE_VECTOR_TYPES and field.dim is None:
            raise invalid_parameter(f"vector field must have dimension specified, field name = {name}")
    if not field.nullable and not function_output:
        raise invalid_parameter(f"added field must be nullable, please check it, field name = {name}")
    if field.dtype == DataType.VARCHAR or (field.dtype == DataType.ARRAY
                                           and field.element_type == DataType.VARCHAR):
        check_varchar_length(name, field.max_length, info.name)
    field.verify(info.name)


# -- drop_collection_field (pymilvus 3.0) ---------------------------------------------------------

def drop_field(conn: psycopg.Connection, info: CollectionInfo, field_name: str, field_id: int) -> None:
    """Drop a field, its column on every partition and its indexes; other fields keep their data."""
    if field_name:
        struct_fields.sub_field_to_drop(info, field_name)
    struct = _struct_to_drop(info, field_name, field_id)
    if struct is not None:
        return struct_fields.drop_struct(conn, info, struct)
    field = _field_to_drop(info, field_name, field_id)
    ttl.check_drop_field(info, field.name)  # master's validateDropField, in its order and words
    for refused, kind in ((field.is_primary, "primary key"), (field.is_partition_key, "partition key"),
                          (field.is_clustering_key, "clustering key")):
        if refused:
            raise invalid_parameter(f"cannot drop {kind} field: {field.name}")
    if field.is_vector and len(info.schema.vector_fields) == 1:
        raise invalid_parameter(f"cannot drop the last vector field: {field.name}",
                                f"collection {info.name} needs a vector field")
    for function in info.schema.functions:  # master's validateDropField, after the other rules
        role = ("input" if field.name in function.input_field_names
                else "output" if field.name in function.output_field_names else None)
        if role is not None:
            raise invalid_parameter(f"field is referenced by function {function.name} as {role}, drop function first")
    info = segments.lock_for_ddl(conn, info)
    schema = info.schema.copy()
    schema.fields = [f for f in schema.fields if f.name != field.name]
    remove_column(conn, info, field.name, schema)


def remove_column(conn: psycopg.Connection, info: CollectionInfo, name: str, schema: CollectionSchema) -> None:
    """Drop field ``name``'s indexes and column (its tokens' too) and store ``schema``, the
    collection's without it (drop_collection_field, drop_function_field; under lock_for_ddl)."""
    from . import index_ops  # index_ops imports collections, which imports catalog

    for index in [i for i in info.indexes if i.field_name == name]:
        index_ops.drop(conn, info, index.index_name, with_field=True)
    columns = [name] + ([ddl.match_column(name)] if name in info.schema.token_fields else [])
    for column in columns:  # the field's tokens go with it, and their index with them
        conn.execute(sql.SQL("ALTER TABLE {} DROP COLUMN {}").format(
            ddl.qualified(info.schema_name, info.table_name), sql.Identifier(column)))
    catalog.remove_field(conn, info.id, schema, name)


def _struct_to_drop(info: CollectionInfo, field_name: str, field_id: int) -> Optional[StructFieldSchema]:
    """The struct array named ``field_name`` or numbered ``field_id`` (a sub-field's id is refused)."""
    schema = info.schema
    if field_name:
        return schema.struct_field(field_name)
    for struct, struct_id, sub_ids in schema.struct_ids():
        if field_id == struct_id:
            return struct
        if field_id in sub_ids:
            sub = struct.fields[list(sub_ids).index(field_id)]
            raise invalid_parameter(f"cannot drop sub-field of struct array field: {struct.name}.{sub.name}")
    return None


def _field_to_drop(info: CollectionInfo, field_name: str, field_id: int) -> FieldSchema:
    """The field named ``field_name``, or else the one whose describe_collection field_id is ``field_id``."""
    if field_name:
        field = info.schema.field(field_name)
        if field is not None and field.struct_name is not None:
            field = None  # a struct's sub-field column: dropped only with its struct
    elif isinstance(field_id, int):
        names = {i: n for n, i in info.schema.field_ids().items()}
        field = info.schema.field(names[field_id]) if field_id in names else None
    else:
        raise ParamError(message="pass the field_name (or the field_id) of the field to drop")
    if field is None and field_name:
        raise invalid_parameter(f"field not found: {field_name}")
    if field is None:
        raise invalid_parameter(f"field not found with id: {field_id}")
    return field


# -- alter_collection_field ----------------------------------------------------------------------

def alter_field(conn: psycopg.Connection, info: CollectionInfo, field_name: str,
                field_params: Any) -> None:
    """Change max_length / max_capacity / mmap.enabled / warmup / the description of one field
    (Milvus's alterable keys).

    A larger max_length widens the column; a smaller one only tightens the
    check on new rows, since Milvus keeps the existing longer values too.
    """
    if not isinstance(field_params, dict):
        raise ParamError(message=f"field_params must be a dict, got {type(field_params).__name__}")
    params = {(MMAP_KEY if key == "mmap_enabled" else key): value for key, value in field_params.items()}
    if struct_fields.names_struct(info, field_name):
        for key, value in params.items():
            if key not in ("max_length", "max_capacity"):
                _check_field_param(info, None, field_name, key, value)
        struct_fields.alter_struct(conn, info, field_name, params)
        return
    field = info.schema.field(field_name)
    for key, value in params.items():
        _check_field_param(info, field, field_name, key, value)
    if field is None:  # rootcoord's GetFieldProperties
        raise invalid_parameter(f"field {field_name} does not exist in collection")
    info = segments.lock_for_ddl(conn, info)
    changed = copy.deepcopy(field)
    for key, value in params.items():
        if key == MMAP_KEY:
            changed.params["mmap_enabled"] = str(value).lower() == "true"
        elif key in ("max_length", "max_capacity"):
            changed.params[key] = int(str(value))
        elif key == "warmup":
            changed.params[key] = str(value)
        elif key == FIELD_DESCRIPTION_KEY:
            changed.description = str(value)
    if changed.max_length != field.max_length:
        _resize_strings(conn, info, changed)
    if changed.max_capacity != field.max_capacity:
        _replace_checks(conn, info, changed)
    schema = info.schema.copy()
    schema.fields = [changed if f.name == field_name else f for f in schema.fields]
    catalog.set_field(conn, info.id, schema, field_name)


def drop_field_properties(conn: psycopg.Connection, info: CollectionInfo, field_name: str,
                          keys: list[str]) -> None:
    """Drop mmap.enabled / warmup keys from one field (Milvus 2.6's AlterCollectionField
    ``delete_keys``, which only those keys may name: allowedDropProps).  The Java and Node SDKs
    send it (dropCollectionFieldProperties); pymilvus has no such call.  Dropping a key the field
    does not hold changes nothing and is no error, as rootcoord ignores an unchanged field."""
    keys = [MMAP_KEY if key == "mmap_enabled" else key for key in keys]
    for key in keys:
        if key not in (MMAP_KEY, *WARMUP_KEYS):
            raise invalid_parameter(f"{key} is not allowed to drop in collection field param")
        if info.loaded:
            raise collection_loaded(info.name, "can not drop collection field properties if collection loaded")
    field = info.schema.field(field_name)
    if field is None:  # rootcoord's GetFieldProperties
        raise invalid_parameter(f"field {field_name} does not exist in collection")
    changed = copy.deepcopy(field)
    for key in keys:
        changed.params.pop("mmap_enabled" if key == MMAP_KEY else key, None)
    if changed.params == field.params:
        return
    info = segments.lock_for_ddl(conn, info)
    schema = info.schema.copy()
    schema.fields = [changed if f.name == field_name else f for f in schema.fields]
    catalog.set_field(conn, info.id, schema, field_name)


def _check_field_param(info: CollectionInfo, field: Any, name: str, key: str, value: Any) -> None:
    if key not in _ALTERABLE_FIELD_KEYS:
        raise invalid_parameter(f"{key} does not allow update in collection field param")
    if key == MMAP_KEY or key in WARMUP_KEYS:
        if info.loaded:
            what = "collection field properties" if key == MMAP_KEY else "warmup"
            raise collection_loaded(info.name, f"can not alter {what} if collection loaded")
        if key == MMAP_KEY and str(value).lower() not in ("true", "false"):
            raise invalid_parameter(f"invalid {MMAP_KEY} value: {value}, expected: true, false")
        problem = warmup_problem(value) if key == "warmup" else None
        if problem:
            raise invalid_parameter(problem)
    elif key == "max_length":
        strings = field is not None and (field.dtype == DataType.VARCHAR or (
            field.dtype == DataType.ARRAY and field.element_type == DataType.VARCHAR))
        if not strings:
            raise invalid_parameter(f"{name} can not modify the maxlength for non-string types")
        number = _int_param(value)
        if number is None:
            raise invalid_parameter(f"max_length should be an integer, but got {value!r}")
        if number > MAX_VARCHAR:
            raise invalid_parameter(f"{number} exceeds the maximum allowed value {MAX_VARCHAR}")
        check_max_length(name, number)
    elif key == "max_capacity":
        if field is None or field.dtype != DataType.ARRAY:
            raise invalid_parameter(f"{name} can not modify the maxcapacity for non-array types")
        number = _int_param(value)
        if number is None:
            raise invalid_parameter(f"the value for max_capacity of field {name} must be an integer")
        if not 0 < number <= MAX_CAPACITY:
            raise invalid_parameter(f"the maximum capacity specified for a Array should be in "
                                    f"(0, {MAX_CAPACITY}]")


def _int_param(value: Any) -> Any:
    """The int Milvus reads from the string pymilvus sends (``str(value)``), or None."""
    if isinstance(value, bool):
        return None
    try:
        return int(str(value))
    except ValueError:
        return None


def _resize_strings(conn: psycopg.Connection, info: CollectionInfo, field: FieldSchema) -> None:
    """Widen the column when max_length grows past its Postgres length; move the byte check either way."""
    current = conn.execute(
        f"SELECT atttypmod - 4 FROM pg_attribute WHERE attrelid = {_TABLE_OID} AND attname = %s",
        (*_regclass(info), field.name)).fetchone()[0]
    key = info.schema.partition_key_field
    if field.max_length > current and key is not None and key.name == field.name:
        raise MilvusException(ErrorCode.UNSUPPORTED,
                              f"max_length of partition key field {field.name} can not grow beyond {current} "
                              "in pgmilvus: PostgreSQL can not change the type of a partitioning column")
    # The old check goes first: Postgres rebuilds a column's constraints when its type changes.
    _drop_checks(conn, info, field)
    if field.max_length > current:
        conn.execute(sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE {}").format(
            ddl.qualified(info.schema_name, info.table_name), sql.Identifier(field.name),
            ddl.column_type(field)))
        if field.byte_limit > segments.SEGMENT_BTREE_MAX_BYTES:
            segments.drop_scalar_btrees(conn, info, field.name)
    _add_checks(conn, info, field)


def _replace_checks(conn: psycopg.Connection, info: CollectionInfo, field: FieldSchema) -> None:
    _drop_checks(conn, info, field)
    _add_checks(conn, info, field)


def _drop_checks(conn: psycopg.Connection, info: CollectionInfo, field: FieldSchema) -> None:
    names = conn.execute(
        "SELECT c.conname FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid"
        f" AND a.attnum = ANY (c.conkey) WHERE c.conrelid = {_TABLE_OID} AND c.contype = 'c'"
        " AND a.attname = %s AND cardinality(c.conkey) = 1", (*_regclass(info), field.name)).fetchall()
    for (name,) in names:
        conn.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
            ddl.qualified(info.schema_name, info.table_name), sql.Identifier(name)))


def _add_checks(conn: psycopg.Connection, info: CollectionInfo, field: FieldSchema) -> None:
    """The field's limits as CHECK constraints for new rows only.

    NOT VALID: rows written under the old limit stay (as in Milvus), and no
    scan of the table is needed.
    """
    for check in ddl.column_checks(field):
        conn.execute(sql.SQL("ALTER TABLE {} ADD {} NOT VALID").format(
            ddl.qualified(info.schema_name, info.table_name), check))


_TABLE_OID = "format('%%I.%%I', %s::text, %s::text)::regclass"


def _regclass(info: CollectionInfo) -> tuple[str, str]:
    """Bound values for ``_TABLE_OID``: the collection table's oid, whatever its name holds."""
    return info.schema_name, info.table_name


# -- index properties -----------------------------------------------------------------------------

def alter_index_properties(conn: psycopg.Connection, info: CollectionInfo, index_name: str,
                           properties: Any) -> None:
    """Store index properties Milvus lets change (``mmap.enabled``, BITMAP's
    ``indexoffsetcache.enabled``, ``warmup``); shown by describe_index.

    Postgres has nothing to map them to: the index itself is unchanged.
    """
    if not isinstance(properties, dict):
        raise ParamError(message=f"properties must be a dict, got {type(properties).__name__}")
    for key, value in properties.items():
        if key not in CONFIGURABLE_INDEX_KEYS:
            raise invalid_parameter(f"{key} is not a configable index property")
        if key == "warmup":
            problem = warmup_problem(value)
            if problem:
                raise invalid_parameter(f"invalid warmup params: {problem}")
        elif str(value).lower() not in ("true", "false"):
            raise invalid_parameter(f"invalid {key} value: {value}, expected: true, false")
    index = _index_to_change(info, index_name)
    if MMAP_KEY in properties:
        index_checks.check_alter_mmap(index.index_type, info.schema.field(index.field_name), properties[MMAP_KEY])
    if str(properties.get(OFFSET_CACHE_KEY, "")).lower() == "true" and index.index_type.upper() != "BITMAP":
        raise invalid_parameter(f"invalid offset cache index params: only bitmap index support {OFFSET_CACHE_KEY} "
                                f"now (index {index_name} is {index.index_type})")
    # pymilvus sends every value as str(value): True is stored and shown as "True".
    catalog.set_index_params(conn, info.id, index.index_name,
                             {**index.params, **{k: str(v) for k, v in properties.items()}})


def drop_index_properties(conn: psycopg.Connection, info: CollectionInfo, index_name: str,
                          property_keys: Any) -> None:
    if not isinstance(property_keys, (list, tuple)):
        raise ParamError(message=f"property_keys must be a list, got {type(property_keys).__name__}")
    for key in property_keys:
        if key not in CONFIGURABLE_INDEX_KEYS:
            raise invalid_parameter(f"{key} is not a configable index property")
    index = _index_to_change(info, index_name)
    catalog.set_index_params(conn, info.id, index.index_name,
                             {k: v for k, v in index.params.items() if k not in set(property_keys)})


def _index_to_change(info: CollectionInfo, index_name: str) -> catalog.IndexInfo:
    if info.loaded:
        raise collection_loaded(info.name, "can't alter index on loaded collection, please release the "
                                           "collection first")
    index = next((i for i in info.indexes if i.index_name == index_name), None)
    if index is None:
        raise MilvusException(ErrorCode.INDEX_NOT_FOUND,
                              f"index not found[collection={info.name}][indexName={index_name}]")
    return index

