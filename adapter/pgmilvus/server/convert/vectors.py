"""Search vectors: ``PlaceholderGroup`` bytes -> the query vectors pgmilvus's search takes."""

from __future__ import annotations

from typing import Any

import numpy as np
from google.protobuf.message import DecodeError
from pymilvus.grpc_gen import common_pb2, schema_pb2

from ...errors import ErrorCode, MilvusException
from ...types import DataType
from ..status import bad_request
from .slots import SPARSE_PAIR, sparse_pairs

_P = common_pb2.PlaceholderType
#: Dense placeholder types whose values pgmilvus takes as raw bytes (one ``bytes`` per query).
_BYTE_TYPES = {_P.BinaryVector, _P.Float16Vector, _P.BFloat16Vector, _P.Int8Vector}
#: Embedding-list placeholder types (one value per list of vectors) and their elements' numpy type.
_EMB_LISTS = {300: "binary", 301: "<f4", 302: "<f2", 303: "bfloat16", 305: "int8"}


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
    if not holder.values:  # the Go SDK sends no vectors with no type: the core's nq check answers
        return []
    kind = holder.type
    if kind == _P.FloatVector:
        return [_floats(v) for v in holder.values]
    if kind in _BYTE_TYPES:
        return [bytes(v) for v in holder.values]
    if kind == _P.SparseFloatVector:
        return [_sparse(v) for v in holder.values]
    if kind == _P.VarChar:  # full-text search: pymilvus sends each text as UTF-8 bytes
        return [_text(v) for v in holder.values]
    if kind in _EMB_LISTS:
        return EmbeddingLists(embedding_list(v, _EMB_LISTS[kind]) for v in holder.values)
    name = _P.Name(kind) if kind in _P.values() else str(kind)
    raise bad_request(f"placeholder type {name} is not supported by pgmilvus serve", int(ErrorCode.UNSUPPORTED))


#: The field type each vector placeholder type searches (Milvus's placeholderTypeToDataType).
_PLACEHOLDER_FIELD = {_P.FloatVector: DataType.FLOAT_VECTOR, _P.Float16Vector: DataType.FLOAT16_VECTOR,
                      _P.BFloat16Vector: DataType.BFLOAT16_VECTOR, _P.BinaryVector: DataType.BINARY_VECTOR,
                      _P.Int8Vector: DataType.INT8_VECTOR, _P.SparseFloatVector: DataType.SPARSE_FLOAT_VECTOR}


def check_vector_type(raw: bytes, field: Any) -> None:
    """The query vectors' placeholder type fits the searched field (the core sees only bytes, so
    float16 bytes would pass for bfloat16 ones): Milvus's proxy converts float32 queries of a
    float16 / bfloat16 field and refuses other types (ConvertPlaceholderGroup); segcore refuses any
    other mismatch (Plan.cpp).  Non-vector placeholders (texts, embedding lists) are the core's."""
    group = common_pb2.PlaceholderGroup()
    try:
        group.ParseFromString(raw)
    except DecodeError:
        return  # query_vectors reports it
    if not group.placeholders or field.dtype not in _PLACEHOLDER_FIELD.values():  # e.g. a struct's lists
        return
    if getattr(field, "is_function_output", False):  # BM25 / MinHash outputs: the core's check, in Milvus's words
        return
    kind = group.placeholders[0].type
    wanted = _PLACEHOLDER_FIELD.get(kind)
    if wanted is None or wanted == field.dtype:
        return
    field_type, search_type = schema_pb2.DataType.Name(int(field.dtype)), _P.Name(kind)
    if field.dtype in (DataType.FLOAT16_VECTOR, DataType.BFLOAT16_VECTOR):
        if kind == _P.FloatVector:
            return
        raise MilvusException(ErrorCode.INVALID_PARAMETER, f"vector type must be the same: field type {field_type}, "
                                                           f"search type {search_type}: invalid parameter")
    raise MilvusException(ErrorCode.SERVER_ERROR, f"vector type must be the same, field {field.name} - type "
                                                  f"{field_type}, search ph type {search_type}")


class EmbeddingLists(list):
    """The queries of an EmbList* placeholder (a search of a struct's vector sub-field with
    MAX_SIM_* metrics): one flat array per embedding list, its vectors concatenated, which the
    core's search takes with ``is_embedding_list=True`` as pymilvus's MilvusClient.search does."""

    def objects(self, dim: int) -> list[Any]:
        """The lists as EmbeddingList objects of vectors of ``dim`` (a hybrid sub-search's data:
        AnnSearchRequest has no ``is_embedding_list``).  pymilvus's class, which the core's search
        takes as its own (search/embedding_list.is_embedding_list, branch struct-search)."""
        from pymilvus.client.embedding_list import EmbeddingList

        out = []
        for flat in self:
            array = np.frombuffer(flat, dtype=np.uint8) if isinstance(flat, bytes) else flat
            width = dim // 8 if isinstance(flat, bytes) else dim
            if width <= 0 or len(array) % width:
                raise bad_request(f"an embedding list of {len(array)} values is no whole number of vectors of dim {dim}")
            out.append(EmbeddingList(array.reshape(-1, width)))
        return out


def embedding_list(raw: bytes, dtype: str) -> Any:
    """One EmbList* placeholder value (one embedding list: its vectors' bytes concatenated, each
    encoded as a plain vector) as a flat numpy array of the element type (binary: the bytes).  The
    core cuts it into vectors by the sub-field's dim and refuses a ragged one in Milvus's words;
    should it rather take the core's EmbeddingList, this is the one place to build it."""
    raw = bytes(raw)
    if dtype == "binary":
        return raw
    numpy_type = _bfloat16() if dtype == "bfloat16" else np.dtype(dtype)
    if len(raw) % numpy_type.itemsize:
        raise bad_request(f"an embedding list of {len(raw)} bytes is not whole {dtype} values (a truncated vector?)")
    return np.frombuffer(raw, dtype=numpy_type)


def _bfloat16() -> np.dtype:
    import ml_dtypes  # pymilvus's own dependency for bfloat16 vectors

    return np.dtype(ml_dtypes.bfloat16)


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
    """One sparse query vector; its indices must ascend strictly, as knowhere checks the row it is
    given (a dict would merge a repeated index silently)."""
    if len(raw) % SPARSE_PAIR.size:
        raise bad_request(f"a sparse query vector of {len(raw)} bytes is not whole (index, value) pairs")
    return dict(sparse_pairs(raw, lambda index, last: MilvusException(
        ErrorCode.SERVER_ERROR, f"Invalid sparse row: id should be strict ascending (index {index} after {last})")))
