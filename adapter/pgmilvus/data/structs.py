"""Struct array values: rows' lists of structs <-> the sub-field columns that store them.

A row's ``clips: [{"emb": [...], "desc": "a"}, {"emb": [...], "desc": "b"}]`` is stored as one
array per sub-field (schema/structs.py): ``"clips[emb]"`` = ``{v1, v2}``, ``"clips[desc]"`` =
``{a, b}``.  Writes transpose the structs into those arrays (each encoded by the column's own
encoder: an ARRAY's, or ``vector_array_encoder`` for vectors); reads zip them back.
"""

from __future__ import annotations

import struct as binary
from typing import Any, Callable, Optional, Sequence

import numpy as np
import psycopg

from ..errors import DataNotMatchException, ErrorCode, MilvusException
from ..schema.model import FieldSchema
from ..schema.structs import StructFieldSchema
from ..types import DataType
from . import values

#: The wire marker of a vector sub-field's array, per element type's pgvector column type.
_ARRAY_WIRES = {"vector": values.VectorArrayWire, "halfvec": values.HalfvecArrayWire, "bit": values.BitArrayWire}
_ELEMENT_TYPES = {DataType.FLOAT_VECTOR: "vector", DataType.INT8_VECTOR: "vector",
                  DataType.FLOAT16_VECTOR: "halfvec", DataType.BFLOAT16_VECTOR: "halfvec",
                  DataType.BINARY_VECTOR: "bit"}
_BIT_OID = 1560


def element_oid(conn: psycopg.Connection, dtype: DataType) -> int:
    """The type oid of a vector sub-field's elements on ``conn`` (pgvector's types have no fixed oid)."""
    name = _ELEMENT_TYPES[dtype]
    if name == "bit":
        return _BIT_OID
    info = conn.adapters.types.get(name)
    if info is None:
        raise MilvusException(ErrorCode.UNEXPECTED_ERROR, f"pgvector's type {name} is not registered on the "
                                                          "connection")
    return info.oid


def vector_array_encoder(column: FieldSchema, oid: int) -> values.Encoder:
    """``encode(list of vectors, row)`` -> the binary ``vector[]`` / ``halfvec[]`` / ``bit[]`` of a
    vector sub-field (PostgreSQL's array_send layout), each vector checked by its type's encoder."""
    assert column.element_type is not None
    element = values.field_encoder(FieldSchema(column.name, column.element_type, dim=column.dim))
    marker = _ARRAY_WIRES[_ELEMENT_TYPES[column.element_type]]
    empty = marker(binary.pack(">iii", 0, 0, oid))
    pack = binary.Struct(">i").pack

    capacity = int(column.max_capacity or 4096)

    def encode(value: Sequence[Any], row: int) -> bytes:
        if not value:
            return empty
        if len(value) > capacity:
            raise MilvusException(
                ErrorCode.INVALID_PARAMETER,
                f"the length ({len(value)}) of array of vector field {column.name} exceeds max capacity "
                f"({capacity}): invalid parameter[expected=valid length array][actual=array length exceeds max "
                f"capacity] (row {row})")
        parts = [element(v, row) for v in value]
        return marker(binary.pack(">iiiii", 1, 0, oid, len(parts), 1)
                      + b"".join(pack(len(p)) + p for p in parts))
    return encode


def _inconsistent(struct: StructFieldSchema, value: Any, row: int, detail: str) -> DataNotMatchException:
    """pymilvus's refusal of a struct array value (prepare.py, before the request leaves the client)."""
    return DataNotMatchException(
        message=f"The Input data type is inconsistent with defined schema, {{{struct.name}}} field should be a "
                f"struct array, but got a {{{type(value)}}} instead. Detail: Field '{struct.name}': {detail} "
                f"(row {row})")


class StructColumns:
    """Encodes one struct array field of a chunk of rows into its sub-field columns."""

    def __init__(self, struct: StructFieldSchema, conn: psycopg.Connection, timezone_name: str) -> None:
        self.struct = struct
        self.columns = struct.columns()
        self.subs = [c.sub_name for c in self.columns]
        self.sub_set = frozenset(self.subs)
        self._encoders: list[values.Encoder] = [
            vector_array_encoder(c, element_oid(conn, c.element_type)) if c.dtype == DataType._ARRAY_OF_VECTOR
            else values.field_encoder(c, timezone_name) for c in self.columns]

    def encode(self, chunk: list[dict], base: int) -> list[list[Any]]:
        """One value list per sub-field column (None for a NULL struct array)."""
        struct = self.struct
        out: list[list[Any]] = [[] for _ in self.columns]
        for i, row in enumerate(chunk):
            value = row.get(struct.name)
            if value is None:
                if not struct.nullable:
                    raise self._missing(row, base + i)
                for col in out:
                    col.append(None)
                continue
            for col, sub_values, encode in zip(out, self._transpose(value, base + i), self._encoders):
                col.append(encode(sub_values, base + i))
        return out

    def _transpose(self, value: Any, row: int) -> list[list[Any]]:
        if isinstance(value, np.ndarray):
            value = value.tolist()
        if not isinstance(value, list):
            raise _inconsistent(self.struct, value, row, f"Expected list, got {type(value).__name__}")
        subs = self.subs
        out: list[list[Any]] = [[] for _ in subs]
        for index, element in enumerate(value):
            if not isinstance(element, dict):
                raise _inconsistent(self.struct, value, row,
                                    f"Element at index {index} must be dict, got {type(element).__name__}")
            if element.keys() != self.sub_set:
                self._refuse_keys(value, element, row, index)
            for col, sub in zip(out, subs):
                item = element[sub]
                if item is None:
                    raise _inconsistent(self.struct, value, row,
                                        f"Field '{sub}' in element at index {index} cannot be None")
                col.append(item)
        return out

    def _refuse_keys(self, value: Any, element: dict, row: int, index: int) -> None:
        missing = {s for s in self.subs if s not in element}
        if missing:
            raise _inconsistent(self.struct, value, row,
                                f"Element at index {index} missing required fields: {missing}")
        extra = {k for k in element if k not in self.sub_set}
        raise _inconsistent(self.struct, value, row, f"Element at index {index} has unexpected fields: {extra}")

    def _missing(self, row: dict, index: int) -> DataNotMatchException:
        name = self.struct.name
        if name in row:
            return _inconsistent(self.struct, None, index, "Expected list, got NoneType")
        return DataNotMatchException(
            message=f"Insert missed an field `{name}` to collection without set nullable==true or set "
                    f"default_value (row {index}: give `{name}` a value)")


def refuse_sub_field_keys(schema: Any, chunk: list[Any], base: int, partial: bool) -> None:
    """An upsert row naming a struct's sub-field (``clips[label]``) as a field of its own: pymilvus
    refuses it before sending (Prepare._raise_struct_sub_field_update_error); a struct is written whole."""
    if not schema.struct_fields:
        return
    for i, row in enumerate(chunk):
        if not isinstance(row, dict):
            continue
        for key in row:
            column = schema.field(key) if isinstance(key, str) and key.endswith("]") else None
            if column is not None and column.struct_name is not None:
                what = (f"Partial struct update is unsupported for struct sub-field `{key}`; update the whole struct "
                        f"field `{column.struct_name}` instead") if partial else (
                        f"Struct sub-field `{key}` cannot be used as a top-level field; write the whole struct field "
                        f"`{column.struct_name}` instead")
                raise DataNotMatchException(message=f"{what} (row {base + i})")


def refuse_unsent(schema: Any, row: dict, index: int) -> None:
    """A partial update of an entity that does not exist yet must give every struct array that is
    not nullable (Milvus 2.6's proxy text)."""
    for struct in schema.struct_fields:
        if not struct.nullable and struct.name not in row:
            raise MilvusException(ErrorCode.INVALID_PARAMETER,
                                  f"structFieldSchema({struct.name}) has no corresponding fieldData pass in: invalid "
                                  f"parameter (row {index}: a partial update of an entity that does not exist yet "
                                  "must give every struct array that is not nullable)")


# -- reads ------------------------------------------------------------------------------------

def zipper(struct: StructFieldSchema, subs: Sequence[str],
           decoders: Sequence[Callable[[Any], Any]]) -> Callable[[Sequence[Any]], Optional[list[dict]]]:
    """``zip(values)`` -> the row's list of structs from the stored arrays of the sub-fields
    ``subs`` (None when the struct array is NULL), each element decoded by its sub-field's decoder."""
    def zip_row(arrays: Sequence[Any]) -> Optional[list[dict]]:
        if arrays[0] is None:
            return None
        columns = [[None if v is None else dec(v) for v in arr] for arr, dec in zip(arrays, decoders)]
        return [dict(zip(subs, items)) for items in zip(*columns)]
    return zip_row
