"""search(ids=[...]): the stored vectors of primary keys as the query vectors.

Milvus 2.6's proxy (``handleIfSearchByPK``) reads the search field of the given
keys in the searched partitions, in one query, and runs an ordinary search
with them, one query vector per key in the order given.  Here the read and
the search share one transaction, so a key cannot vanish in between.  A key
whose vector is NULL (a nullable vector field) gets an empty hit list.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np
import psycopg

from ..catalog.store import CollectionInfo
from ..data import reads
from ..errors import ErrorCode, MilvusException, ParamError, illegal, invalid_parameter
from ..types import DataType
from .params import MAX_NQ, nq_invalid
from .results import Hits, SearchResult


def check_ids(ids: Any) -> list[Any]:
    """The keys as a list (one key alone is a list of one), checked as pymilvus and the proxy do."""
    if isinstance(ids, (int, np.integer, str)) and not isinstance(ids, bool):
        ids = [ids]
    if not isinstance(ids, (list, tuple)) or not ids:
        raise illegal("ids", ids)
    if any(isinstance(i, (bool, np.bool_)) for i in ids):
        raise ParamError(message="ids must not contain boolean values")
    if all(isinstance(i, (int, np.integer)) for i in ids):
        ids = [int(i) for i in ids]
    elif not all(isinstance(i, str) for i in ids):
        raise ParamError(message=f"Unsupported id type: {type(ids[0])}: give ints or strs, one kind")
    if len(set(ids)) != len(ids):
        raise invalid_parameter("duplicate IDs found in search request")
    if len(ids) > MAX_NQ:
        raise nq_invalid(len(ids))
    return list(ids)


def search_field(info: CollectionInfo, ids: list[Any], name: Optional[str]) -> str:
    """The field whose vectors are read: ``anns_field``, or the only vector field."""
    schema = info.schema
    if not name:
        vectors = schema.vector_fields
        if len(vectors) != 1:
            detail = ("multiple vector fields exist, please specify anns_field in search_params" if vectors
                      else "no vector field found in schema")
            raise _wrapped(detail, "valid anns_field in search_params", "missing")
        name = vectors[0].name
    field = schema.field(name)
    if field is None:
        raise MilvusException(ErrorCode.FIELD_NOT_FOUND, f"vector field not found in schema: field not "
                                                         f"found[field={name}]")
    if field.dtype == DataType._ARRAY_OF_VECTOR:  # a struct array's vector sub-field (Milvus master's proxy)
        raise invalid_parameter("array of vector is not supported for search by IDs")
    if not field.is_vector:
        raise invalid_parameter(f"field ({name}) to search is not of vector data type")
    pk = schema.primary_field
    if (pk.dtype == DataType.INT64) != isinstance(ids[0], int):
        kind, wanted = ("int64", "int64 IDs") if pk.dtype == DataType.INT64 else ("varchar", "string IDs")
        raise _wrapped(f"primary key is {kind}, but IDs type mismatch", wanted, "got other type")
    return name


def _wrapped(message: str, expected: str, actual: str) -> MilvusException:
    """Milvus's merr.WrapErrParameterInvalid text."""
    return MilvusException(ErrorCode.INVALID_PARAMETER,
                           f"{message}: invalid parameter[expected={expected}][actual={actual}]")


def stored_vectors(conn: psycopg.Connection, info: CollectionInfo, ids: list[Any], field: str,
                   partition_names: Optional[Sequence[str]]) -> list[Any]:
    """The vectors of ``ids`` in their order (None for a NULL vector); every key must exist in the
    searched partitions (Milvus's error lists the missing ones).  A BM25 output field's queries are
    the keys' texts, its function's input (as master's proxy fetches them)."""
    pk = info.schema.primary_field.name
    source = info.schema.bm25_outputs.get(field)
    read = source.name if source is not None else field
    rows = reads.query(conn, info, ids=ids, output_fields=[read], partition_names=partition_names)
    found = {row[pk]: row.get(read) for row in rows}
    missing = [i for i in ids if i not in found]
    if missing:
        raise invalid_parameter("some of the provided primary key IDs do not exist: missing IDs = "
                                f"[{' '.join(map(str, missing))}]")
    return [_as_query(found[i]) for i in ids]


def _as_query(value: Any) -> Any:
    """A vector as query() returns it -> as search() takes it (byte vectors come as [bytes])."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], (bytes, bytearray)):
        return bytes(value[0])
    return value


def spread(result: SearchResult, present: list[bool], pk_name: str) -> SearchResult:
    """The hits of the keys with a vector, and an empty list at each key without one."""
    hits = iter(result)
    out = SearchResult([next(hits) if has else Hits([], pk_name=pk_name) for has in present],
                       extra=result.extra, recalls=result.recalls)
    if result.agg_buckets:  # search_aggregation: no buckets for a key without a vector
        buckets = iter(result.agg_buckets)
        out.agg_buckets = [next(buckets) if has else [] for has in present]
    return out
