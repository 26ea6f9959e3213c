"""Schema changes of ARRAY<STRUCT> fields: add a struct array, drop one, alter its properties.

Milvus master adds a struct array to a live collection with its own request
(AddCollectionStructField): it must be nullable, its rows read NULL until written.  Here its
sub-field columns are added to the collection's table in one transaction with the catalog's
schema, as add_collection_field adds a column (catalog/evolution.py).  A struct array is dropped
whole (drop_collection_field by its name): its sub-fields cannot be dropped alone.
"""

from __future__ import annotations

import copy
from typing import Any, Optional

import psycopg
from psycopg import sql

from . import segments, store as catalog
from .properties import FIELD_DESCRIPTION_KEY, MMAP_KEY
from .store import CollectionInfo
from ..errors import ParamError, invalid_parameter
from ..schema import ddl, names, structs
from ..schema.model import check_field_counts
from ..schema.structs import StructFieldSchema
from ..types import DataType


def new_struct(field_name: str, struct_schema: Any, max_capacity: Any, desc: Optional[str],
               kwargs: dict[str, Any]) -> StructFieldSchema:
    """pymilvus's client side of add_collection_struct_field: its checks, the struct it sends."""
    if not isinstance(struct_schema, StructFieldSchema) and not hasattr(struct_schema, "fields"):
        raise ParamError(message="struct_schema must be StructFieldSchema")
    if kwargs.get("nullable") is False:
        raise ParamError(message="Adding struct field to existing collection requires nullable=True")
    struct = structs.foreign(struct_schema).copy()
    struct.name = field_name
    struct.max_capacity = max_capacity
    if desc:
        struct._description = desc
    struct._nullable = True
    for key in ("mmap_enabled", "warmup"):
        if key in kwargs:
            struct._type_params[key] = kwargs[key]
    structs.verify_client(struct)
    return struct


def check_new_struct(info: CollectionInfo, struct: StructFieldSchema) -> None:
    """Milvus master's proxy checks of AddCollectionStructField, in its order and words."""
    if not struct.nullable:
        raise invalid_parameter(f"added struct field must be nullable, please check it, struct field name = "
                                f"{struct.name}")
    names.field_name(struct.name)
    if struct.name in names.SYSTEM_FIELD_NAMES:
        raise invalid_parameter(f"not support to add system field, field name = {struct.name}")
    structs.verify_server(struct, info.name)
    for sub in struct.fields:
        if sub.name in names.SYSTEM_FIELD_NAMES:
            raise invalid_parameter(f"not support to add system field, field name = {sub.name}")
    schema = info.schema
    if schema.field(struct.name) is not None or schema.struct_field(struct.name) is not None:
        raise invalid_parameter(f"duplicated field name {struct.name}")
    vectors = sum(1 for f in struct.fields if f.is_vector)
    struct_vectors = sum(1 for c in schema.struct_columns if c.dtype == DataType._ARRAY_OF_VECTOR)
    check_field_counts(len(schema.fields) + sum(1 + len(s.fields) for s in schema.struct_fields) + 1 + len(struct.fields),
                       len(schema.vector_fields) + struct_vectors + vectors)


def add_struct(conn: psycopg.Connection, info: CollectionInfo, struct: StructFieldSchema) -> None:
    """Add ``struct``'s sub-field columns (NULL on every stored row) and store the schema."""
    check_new_struct(info, struct)
    info = segments.lock_for_ddl(conn, info)  # waits for writers in flight, stops builds
    schema = info.schema.copy()
    schema.add_struct_field(struct)
    table = ddl.qualified(info.schema_name, info.table_name)
    for column in struct.columns():
        conn.execute(sql.SQL("ALTER TABLE {} ADD COLUMN {}").format(table, ddl.column_def(column)))
    catalog.change_schema(conn, info.id, schema)


def sub_field_to_drop(info: CollectionInfo, field_name: str) -> None:
    """drop_collection_field of a struct's sub-field: Milvus scans the structs first, so a bare
    sub-field name is refused even when a field of the schema has that name too."""
    for struct in info.schema.struct_fields:
        if struct.sub_field(field_name) is not None:
            raise invalid_parameter(f"cannot drop sub-field of struct array field: {struct.name}.{field_name}")


def drop_struct(conn: psycopg.Connection, info: CollectionInfo, struct: StructFieldSchema) -> None:
    """Drop a struct array: its sub-field columns and their indexes (one transaction)."""
    from . import index_ops  # index_ops imports collections, which imports catalog

    columns = [c.name for c in struct.columns()]
    others = [c for c in info.schema.vector_fields]
    if not others and all(c.dtype == DataType._ARRAY_OF_VECTOR and c.struct_name == struct.name
                          for c in info.schema.struct_columns if c.dtype == DataType._ARRAY_OF_VECTOR):
        raise invalid_parameter(f"cannot drop struct array field {struct.name}: it would leave no vector field in "
                                "the collection")
    info = segments.lock_for_ddl(conn, info)
    for index in [i for i in info.indexes if i.field_name in columns]:
        index_ops.drop(conn, info, index.index_name, with_field=True)
    table = ddl.qualified(info.schema_name, info.table_name)
    for column in columns:
        conn.execute(sql.SQL("ALTER TABLE {} DROP COLUMN {}").format(table, sql.Identifier(column)))
    schema = info.schema.copy()
    schema.struct_fields = [s for s in schema.struct_fields if s.name != struct.name]
    catalog.change_schema(conn, info.id, schema)


def names_struct(info: CollectionInfo, field_name: str) -> bool:
    """Whether ``field_name`` is a struct array or the column of one's sub-field (``clips[emb]``)."""
    if info.schema.struct_field(field_name) is not None:
        return True
    column = info.schema.field(field_name)
    return column is not None and column.struct_name is not None


def alter_struct(conn: psycopg.Connection, info: CollectionInfo, field_name: str,
                 params: dict[str, Any]) -> bool:
    """alter_collection_field of a struct array (``clips``) or of a sub-field's column
    (``clips[emb]``): mmap and warmup are stored (they change nothing in PostgreSQL); a length or
    capacity is refused as Milvus refuses it (it looks only at the schema's fields, so the name it
    prints is empty).  False when ``field_name`` names neither."""
    schema = info.schema
    struct = schema.struct_field(field_name)
    column = schema.field(field_name) if struct is None else None
    if struct is None and (column is None or column.struct_name is None):
        return False
    if "max_length" in params:
        raise invalid_parameter(" can not modify the maxlength for non-string types")
    if "max_capacity" in params:
        raise invalid_parameter(" can not modify the maxcapacity for non-array types")
    changed = schema.copy()
    target_struct = changed.struct_field(struct.name if struct is not None else column.struct_name)
    assert target_struct is not None
    target = target_struct.params if struct is not None else target_struct.sub_field(column.sub_name).params
    for key, value in params.items():
        if key == MMAP_KEY:
            target["mmap_enabled"] = str(value).lower() == "true"
        elif key == FIELD_DESCRIPTION_KEY:  # Milvus master changes only top-level fields' descriptions
            owner = target_struct if struct is not None else target_struct.sub_field(column.sub_name)
            owner.description = str(value)
        else:
            target[key] = copy.deepcopy(value)
    catalog.change_schema(conn, info.id, changed)
    return True
