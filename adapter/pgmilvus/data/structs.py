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

    def encode(value: Sequence[Any], row: int) -> bytes:
        if not value:
            return empty
        parts = [element(v, row) for v in value]
        return marker(binary.pack(">iiiii", 1, 0, oid, len(parts), 1)
                      + b"".join(pack(len(p)) + p for p in parts))
    return encode


def _struct_problem(struct: StructFieldSchema, row: int, detail: str) -> DataNotMatchException:
    return DataNotMatchException(message=f"The Input data type is inconsistent with defined schema, "
                                         f"{{{struct.name}}} field should be a list of dict, {detail} (row {row})")


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
        if not isinstance(value, (list, tuple)):
            raise _struct_problem(self.struct, row, f"but got a {type(value)} instead")
        capacity = int(self.struct.max_capacity or 0)
        if capacity and len(value) > capacity:
            raise MilvusException(
                ErrorCode.INVALID_PARAMETER,
                f"the length ({len(value)}) of {row}th struct array exceeds max capacity ({capacity}): "
                "invalid parameter[expected=valid length array][actual=array length exceeds max capacity] "
                f"(field {self.struct.name})")
        subs = self.subs
        out: list[list[Any]] = [[] for _ in subs]
        for index, element in enumerate(value):
            if not isinstance(element, dict):
                raise _struct_problem(self.struct, row, f"but element {index} is a {type(element)}")
            if element.keys() != self.sub_set:
                self._refuse_keys(element, row, index)
            for col, sub in zip(out, subs):
                col.append(element[sub])
        return out

    def _refuse_keys(self, element: dict, row: int, index: int) -> None:
        missing = [s for s in self.subs if s not in element]
        if missing:
            raise DataNotMatchException(
                message=f"field {missing[0]} of struct {self.struct.name} is missing in element {index} "
                        f"(row {row}): every struct gives all of {', '.join(self.subs)}")
        extra = next(k for k in element if k not in self.sub_set)
        raise DataNotMatchException(
            message=f"field {extra} is not a field of struct {self.struct.name} (element {index}, row {row}): "
                    f"its fields are {', '.join(self.subs)}")

    def _missing(self, row: dict, index: int) -> DataNotMatchException:
        name = self.struct.name
        if name in row:
            return DataNotMatchException(
                message=f"The Input data type is inconsistent with defined schema, {{{name}}} field should be "
                        f"a list of dict, but got a {{{type(None)}}} instead. Detail: None is only allowed "
                        f"for nullable fields; row {index}")
        return DataNotMatchException(
            message=f"Insert missed an field `{name}` to collection without set nullable==true or set "
                    f"default_value (row {index}: give `{name}` a value)")


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
