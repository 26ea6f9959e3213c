"""The table a chain runs over: Milvus's DataFrame, one chunk per query vector.

A column has one kind (Arrow's type name) and its values per chunk; a NULL is None.  Float32
values are kept as the Python floats of float32 numbers (``f32``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from ...types import DataType

#: Arrow's type of a field's column (``chain.ToArrowType``) and Go's name of its array (``%T``).
KINDS = {DataType.BOOL: "bool", DataType.INT8: "int8", DataType.INT16: "int16", DataType.INT32: "int32",
         DataType.INT64: "int64", DataType.TIMESTAMPTZ: "int64", DataType.FLOAT: "float32",
         DataType.DOUBLE: "float64", DataType.STRING: "utf8", DataType.VARCHAR: "utf8", DataType.TEXT: "utf8"}
GO_ARRAYS = {"bool": "*array.Boolean", "int8": "*array.Int8", "int16": "*array.Int16", "int32": "*array.Int32",
             "int64": "*array.Int64", "float32": "*array.Float32", "float64": "*array.Float64",
             "utf8": "*array.String"}
NUMERIC = frozenset({"int8", "int16", "int32", "int64", "float32", "float64"})
COMPARABLE = NUMERIC | {"utf8"}


@dataclass
class Col:
    kind: str
    chunks: list[list[Any]]

    @property
    def go_type(self) -> str:
        return GO_ARRAYS[self.kind]


Frame = dict  # column name -> Col, every column with the same chunk sizes


def f32(value: Optional[float]) -> Optional[float]:
    return None if value is None else float(np.float32(value))


def sizes(frame: Frame) -> list[int]:
    first = next(iter(frame.values()))
    return [len(chunk) for chunk in first.chunks]


def pick(frame: Frame, rows: list[list[int]]) -> Frame:
    """The frame with each chunk's rows ``rows[chunk]``, in that order."""
    return {name: Col(col.kind, [[chunk[i] for i in kept] for chunk, kept in zip(col.chunks, rows)])
            for name, col in frame.items()}
