"""Where each data type lives in ``schema.FieldData`` (one table, read both ways)."""

from __future__ import annotations

import struct
from typing import Callable, Iterator

from ...types import DataType

#: ScalarField slot per scalar type (TIMESTAMPTZ travels as ISO strings, as pymilvus sends it;
#: GEOMETRY as WKT both ways: pymilvus sends geometry_wkt_data, and Milvus 2.6's proxy turns the
#: WKB it stores back into geometry_wkt_data before answering, validateGeometryFieldSearchResult).
SCALAR_SLOTS = {
    DataType.BOOL: "bool_data", DataType.INT8: "int_data", DataType.INT16: "int_data",
    DataType.INT32: "int_data", DataType.INT64: "long_data", DataType.FLOAT: "float_data",
    DataType.DOUBLE: "double_data", DataType.STRING: "string_data", DataType.VARCHAR: "string_data",
    DataType.TEXT: "string_data", DataType.TIMESTAMPTZ: "string_data", DataType.JSON: "json_data",
    DataType.ARRAY: "array_data", DataType.GEOMETRY: "geometry_wkt_data",
}

#: Placeholder for a NULL cell in a full-length column (Milvus fills nulls with the zero value).
ZERO = {"bool_data": False, "int_data": 0, "long_data": 0, "float_data": 0.0, "double_data": 0.0,
        "string_data": "", "json_data": b"null",
        "geometry_wkt_data": ""}

#: VectorField slot and bytes per dimension of the vectors stored as bytes.
BYTE_VECTORS = {
    DataType.BINARY_VECTOR: ("binary_vector", 1 / 8),
    DataType.FLOAT16_VECTOR: ("float16_vector", 2),
    DataType.BFLOAT16_VECTOR: ("bfloat16_vector", 2),
    DataType.INT8_VECTOR: ("int8_vector", 1),
}

#: One (index, value) pair of a sparse row's bytes (SparseFloatArray contents, placeholders).
SPARSE_PAIR = struct.Struct("<If")


def sparse_pairs(raw: bytes, unsorted: Callable[[int, int], Exception]) -> Iterator[tuple[int, float]]:
    """A sparse row's (index, value) pairs, in the strictly increasing index order Milvus checks
    (a dict would merge a repeated index silently); ``unsorted(index, previous)`` is the error of
    the first pair out of order.  The caller checks that ``raw`` is whole pairs."""
    last = -1
    for index, value in SPARSE_PAIR.iter_unpack(raw):
        if index <= last:
            raise unsorted(index, last)
        last = index
        yield index, value
