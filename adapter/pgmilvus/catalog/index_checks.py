"""Milvus's checks of an index request that no Postgres index needs: which index types may be
memory-mapped, what an AUTOINDEX request may carry, which fields take a BITMAP index, what an
NGRAM index must be given.

pgvector and B-trees have no use for ``mmap.enabled`` or for AUTOINDEX's build parameters, but
a request Milvus refuses is refused here too (its proxy's createIndexTask, its datacoord's
AlterIndex and the BITMAP checker, Milvus master), in its words, so an application that runs
on pgmilvus runs on Milvus.
"""

from __future__ import annotations

from typing import Any, Optional

from .properties import GO_FALSE, GO_TRUE, MMAP_KEY
from ..data import goparse
from ..errors import ErrorCode, MilvusException, invalid_parameter
from ..schema.model import FieldSchema
from ..types import INTEGER_TYPES, STRING_TYPES, DataType

#: Vector index types knowhere cannot memory-map (no mmap feature flag): DiskANN lives on disk,
#: the GPU ones in device memory.
VECTOR_NO_MMAP = frozenset({"DISKANN", "GPU_IVF_FLAT", "GPU_IVF_PQ", "GPU_CAGRA", "GPU_BRUTE_FORCE"})
#: Scalar index types Milvus memory-maps (IsScalarMmapIndex: "Trie" in that spelling only).
SCALAR_MMAP = frozenset({"INVERTED", "BITMAP", "HYBRID", "Trie", "NGRAM"})
#: The scalar index type Milvus's AUTOINDEX builds where it cannot be memory-mapped (its
#: scalarAutoIndex defaults; every other field type gets HYBRID).
_SCALAR_AUTO = {DataType.GEOMETRY: "RTREE", DataType.TIMESTAMPTZ: "STL_SORT"}
#: pgmilvus's own build parameter (indexes.wants_halfvec), which no Milvus index knows.
_PGMILVUS_KEYS = ("halfvec",)


def _mmaps(index_type: str, vector: bool) -> bool:
    if index_type == "AUTOINDEX":
        return True
    if vector:
        return index_type not in VECTOR_NO_MMAP
    return index_type in SCALAR_MMAP


def _mmap_enabled(value: Any, prefix: str) -> bool:
    """``mmap.enabled`` as Go's strconv.ParseBool reads pymilvus's ``str(value)``."""
    text = str(value)
    if text not in GO_TRUE | GO_FALSE:
        raise invalid_parameter(f"{prefix}: invalid {MMAP_KEY} value: {text}, expected: true, false", wraps=2)
    return text in GO_TRUE


def check_create_mmap(index_type: str, vector: bool, params: dict[str, Any]) -> None:
    """create_index with ``mmap.enabled``: the proxy checks it against the index type as given
    (none given: nothing to check; AUTOINDEX: always allowed)."""
    if not index_type or params.get(MMAP_KEY) is None:
        return
    prefix = "invalid mmap type params"
    if _mmap_enabled(params[MMAP_KEY], prefix) and not _mmaps(index_type, vector):
        raise invalid_parameter(f"{prefix}: index type {index_type} does not support mmap", wraps=2)


def check_alter_mmap(index_type: str, field: Optional[FieldSchema], value: Any) -> None:
    """alter_index_properties turning ``mmap.enabled`` on: datacoord checks the type the index
    was built as, a scalar AUTOINDEX being the type Milvus built for the field."""
    vector = field is not None and field.takes_vector_index
    built = index_type or "AUTOINDEX"
    if built == "AUTOINDEX" and field is not None and not vector:
        built = _SCALAR_AUTO.get(field.dtype, "HYBRID")
    prefix = "invalid mmap index params"
    if _mmap_enabled(value, prefix) and not _mmaps(built, vector):
        raise invalid_parameter(f"{prefix}: index type {built} does not support mmap", wraps=2)


def check_autoindex_params(index_type: str, params: dict[str, Any]) -> None:
    """A vector AUTOINDEX (asked for, or no type given) picks its own build parameters: Milvus's
    proxy refuses any but the metric type (``mmap.enabled`` and ``warmup`` too), pgmilvus's
    ``halfvec`` aside."""
    if (index_type or "AUTOINDEX").upper() != "AUTOINDEX":
        return
    if any(value is not None and key not in _PGMILVUS_KEYS for key, value in params.items()):
        raise invalid_parameter("only metric type can be passed when use AutoIndex")


def check_bitmap_field(field: FieldSchema) -> None:
    """Milvus's BITMAP checker: no primary key; bool, integer and string values, or arrays of them
    (a JSON field's paths are checked with its path index)."""
    if field.is_primary:
        raise invalid_parameter("create bitmap index on primary key not supported")
    bitmap_types = INTEGER_TYPES | STRING_TYPES | {DataType.BOOL}
    if field.dtype == DataType.ARRAY:
        if field.element_type not in bitmap_types:
            raise invalid_parameter("bitmap index are only supported on bool, int, string for array field")
    elif field.dtype != DataType.JSON and field.dtype not in bitmap_types:
        raise invalid_parameter("bitmap index are only supported on bool, int, string and array field")


def check_ngram(dtype: DataType, params: dict[str, Any]) -> None:
    """Milvus's NGRAM checker (ngram_index_checker.go, master), in its order: the field type
    (CheckValidDataType), a JSON field's ``json_cast_type`` (VARCHAR only), both grams given,
    each an integer, then ``0 < min_gram <= max_gram``.  pg_trgm indexes trigrams whatever the
    grams, so they are only checked and shown (describe_index).

    A TEXT field never gets here (the proxy refuses any scalar index on it first); a key whose
    value is None is not sent by pymilvus, so it is missing."""
    if dtype not in (DataType.VARCHAR, DataType.JSON):
        raise invalid_parameter("ngram index can only be created on VARCHAR or JSON field")
    if dtype == DataType.JSON:
        cast = params.get("json_cast_type")
        if cast is None:
            raise MilvusException(ErrorCode.MISSING_PARAMETER,
                                  "JSON field with ngram index must specify json_cast_type: missing parameter")
        cast = str(cast).strip().upper()  # pymilvus sends every value as its str()
        if cast != "VARCHAR":
            raise invalid_parameter(f"JSON field with ngram index only supports VARCHAR cast type, got: {cast}")
    if params.get("min_gram") is None or params.get("max_gram") is None:
        raise MilvusException(ErrorCode.MISSING_PARAMETER,
                              "Ngram index must specify both min_gram and max_gram: missing parameter")
    grams = []
    for key in ("min_gram", "max_gram"):
        number = goparse.atoi(str(params[key]))
        if number is None:
            raise invalid_parameter(f"{key} for Ngram index must be an integer, got: {params[key]}")
        grams.append(number)
    low, high = grams
    if low <= 0 or high <= 0 or low > high:
        raise invalid_parameter(f"invalid min_gram or max_gram value for Ngram index, min_gram: {low}, "
                                f"max_gram: {high}")
