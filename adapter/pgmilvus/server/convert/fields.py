"""Read results: the row dicts pgmilvus returns -> columnar ``FieldData``, as a Milvus proxy sends them.

Values arrive in pymilvus's Python shapes (float vectors as lists, byte
vectors as ``[bytes]``, sparse as ``{index: value}``); SDKs rebuild the same
shapes from these columns.  Dynamic keys travel in one ``$meta`` JSON column
(``is_dynamic``), nulls as ``valid_data`` with zero placeholders.
"""

from __future__ import annotations

import json
from datetime import timezone
from typing import Any, Iterable, Optional, Sequence

import numpy as np
from pymilvus.grpc_gen import schema_pb2

from ...data import timestamps
from ...schema.model import DYNAMIC_FIELD, CollectionSchema, FieldSchema
from ...types import DataType
from .slots import BYTE_VECTORS, SCALAR_SLOTS, SPARSE_PAIR, ZERO


def columns(rows: Sequence[dict[str, Any]], fields: Iterable[FieldSchema], dynamic: bool,
            other: Iterable[str] = ()) -> list[schema_pb2.FieldData]:
    """One FieldData per schema field in ``fields`` (+ ``$meta`` when ``dynamic``), one entry per row;
    ``other``: row keys that are no dynamic key (struct arrays, sent in columns of their own)."""
    out = []
    names = set(other)
    for field in fields:
        names.add(field.name)
        out.append(column(field, [row.get(field.name) for row in rows]))
    if dynamic:
        meta = [{k: v for k, v in row.items() if k not in names} for row in rows]
        fd = schema_pb2.FieldData(type=int(DataType.JSON), field_name=DYNAMIC_FIELD, is_dynamic=True)
        fd.scalars.json_data.data.extend(_json_bytes(m) for m in meta)
        out.append(fd)
    return out


def aggregate_columns(rows: Sequence[dict[str, Any]], outputs: Iterable[Any]) -> list[schema_pb2.FieldData]:
    """The columns of an aggregating query (aggregates.Column: a name as the user wrote it, the type
    and nullability Milvus gives it), one entry per group."""
    return [column(FieldSchema(c.name, c.dtype, nullable=c.nullable), [row.get(c.name) for row in rows])
            for c in outputs]


def column(field: FieldSchema, values: list[Any]) -> schema_pb2.FieldData:
    if field.dtype == DataType.TIMESTAMPTZ and any(type(v) is list for v in values):
        field = _time_parts_field(field)
    fd = schema_pb2.FieldData(type=int(field.dtype), field_name=field.name)
    nulls = [v is None for v in values]
    if any(nulls) or field.nullable:
        fd.valid_data.extend(not n for n in nulls)
    if field.dtype in SCALAR_SLOTS:
        _fill_scalars(fd, field, values)
    elif field.dtype == DataType.FLOAT_VECTOR:
        fd.vectors.dim = int(field.dim or 0)
        present = [v for v in values if v is not None]
        fd.vectors.float_vector.SetInParent()  # an empty column still names its slot, as Milvus's does
        if present:
            fd.vectors.float_vector.data.extend(np.asarray(present, dtype=np.float32).ravel().tolist())
    elif field.dtype in BYTE_VECTORS:
        slot, _ = BYTE_VECTORS[field.dtype]
        fd.vectors.dim = int(field.dim or 0)
        setattr(fd.vectors, slot, b"".join(_one_bytes(v) for v in values if v is not None))
    elif field.dtype == DataType.SPARSE_FLOAT_VECTOR:
        contents = [_sparse_bytes(v) for v in values if v is not None]
        fd.vectors.sparse_float_vector.SetInParent()
        fd.vectors.sparse_float_vector.contents.extend(contents)
        fd.vectors.sparse_float_vector.dim = max((max(v, default=-1) + 1 for v in values if v), default=0)
    return fd


def _fill_scalars(fd: schema_pb2.FieldData, field: FieldSchema, values: list[Any]) -> None:
    slot = SCALAR_SLOTS[field.dtype]
    if field.dtype == DataType.ARRAY:
        element = field.element_type or DataType.NONE
        array = fd.scalars.array_data
        array.SetInParent()
        array.element_type = int(element)
        element_slot = SCALAR_SLOTS.get(element)
        for value in values:
            cell = array.data.add()
            if value is not None and element_slot is not None:
                getattr(cell, element_slot).data.extend(value)
        return
    if field.dtype == DataType.JSON:
        data = [ZERO[slot] if v is None else _json_bytes(v) for v in values]
    else:
        zero = ZERO[slot]
        data = [zero if v is None else v for v in values]
    cells = getattr(fd.scalars, slot)
    cells.SetInParent()  # an empty column still names its slot (the Node SDK reads results by it)
    cells.data.extend(data)


def group_column(schema: CollectionSchema, name: str, values: list[Any], json_type: Optional[str]) -> \
        schema_pb2.FieldData:
    """A grouping search's ``group_by_field_value``: each hit's group value, in a column of the
    grouped field's type; a JSON field, a path in one or a dynamic key gives a JSON column (its
    group values are JSON texts, or typed values with ``json_type``)."""
    field = schema.field(name)
    if field is not None and field.dtype != DataType.JSON:
        if field.dtype == DataType.TIMESTAMPTZ:
            values = [None if v is None else timestamps.render(v, timezone.utc) for v in values]
        return column(FieldSchema(field.name, field.dtype, nullable=True), values)
    base = name.split("[", 1)[0]
    owner = base if schema.field(base) is not None else DYNAMIC_FIELD
    fd = schema_pb2.FieldData(type=int(DataType.JSON), field_name=owner)
    fd.valid_data.extend(v is not None for v in values)
    cells = fd.scalars.json_data
    cells.SetInParent()
    cells.data.extend(ZERO["json_data"] if v is None else v.encode() if isinstance(v, str) and not json_type
                        else _json_bytes(v) for v in values)
    return fd


def _time_parts_field(field: FieldSchema) -> FieldSchema:
    """A TIMESTAMPTZ column read with ``time_fields`` (each value the list of its parts): Milvus 2.6's
    proxy sends it as an Array of Int64 (extractFieldsFromResults), and so SDKs return the lists."""
    return FieldSchema(field.name, DataType.ARRAY, element_type=DataType.INT64, max_capacity=4096,
                       nullable=field.nullable)


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _one_bytes(value: Any) -> bytes:
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], (bytes, bytearray)):
        return bytes(value[0])
    if isinstance(value, np.ndarray):
        return value.tobytes()
    return bytes(value)


def _sparse_bytes(value: dict[int, float]) -> bytes:
    return b"".join(SPARSE_PAIR.pack(int(i), float(v)) for i, v in sorted(value.items()))
