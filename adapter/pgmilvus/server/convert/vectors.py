"""Search vectors: ``PlaceholderGroup`` bytes -> the query vectors pgmilvus's search takes."""

from __future__ import annotations

import struct
from typing import Any

import numpy as np
from google.protobuf.message import DecodeError
from pymilvus.grpc_gen import common_pb2

from ...errors import ErrorCode
from ..status import bad_request

_P = common_pb2.PlaceholderType
_SPARSE_PAIR = struct.Struct("<If")
#: Dense placeholder types whose values pgmilvus takes as raw bytes (one ``bytes`` per query).
_BYTE_TYPES = {_P.BinaryVector, _P.Float16Vector, _P.BFloat16Vector, _P.Int8Vector}


def query_vectors(raw: bytes) -> list[Any]:
    """The query vectors of a SearchRequest's ``placeholder_group`` (its first placeholder)."""
    group = common_pb2.PlaceholderGroup()
    try:
        group.ParseFromString(raw)
    except DecodeError:
        raise bad_request("placeholder_group is not a valid PlaceholderGroup message") from None
    if not group.placeholders:
        raise bad_request("placeholder_group holds no placeholder (no query vectors)")
    holder = group.placeholders[0]
    kind = holder.type
    if kind == _P.FloatVector:
        return [_floats(v) for v in holder.values]
    if kind in _BYTE_TYPES:
        return [bytes(v) for v in holder.values]
    if kind == _P.SparseFloatVector:
        return [_sparse(v) for v in holder.values]
    if kind == _P.VarChar:  # full-text search: pymilvus sends each text as UTF-8 bytes
        return [_text(v) for v in holder.values]
    name = _P.Name(kind) if kind in _P.values() else str(kind)
    raise bad_request(f"placeholder type {name} is not supported by pgmilvus serve", int(ErrorCode.UNSUPPORTED))


def _text(raw: bytes) -> str:
    try:
        return bytes(raw).decode("utf-8")
    except UnicodeDecodeError:  # Milvus's BM25 function refuses such a text (bm25_function.go run)
        raise bad_request(f"string data must be utf8 format: {bytes(raw)!r}") from None


def _floats(raw: bytes) -> np.ndarray:
    if len(raw) % 4:
        raise bad_request(f"a float query vector of {len(raw)} bytes is not whole float32 values "
                          "(a truncated vector?)")
    return np.frombuffer(raw, dtype="<f4")


def _sparse(raw: bytes) -> dict[int, float]:
    if len(raw) % _SPARSE_PAIR.size:
        raise bad_request(f"a sparse query vector of {len(raw)} bytes is not whole (index, value) pairs")
    return {index: value for index, value in _SPARSE_PAIR.iter_unpack(raw)}
