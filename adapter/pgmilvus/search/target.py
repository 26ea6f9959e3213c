"""What one search reads: the vector field, its index and metric, the query vectors.

Resolves the Milvus-level choices (``anns_field``, the index's metric versus
``search_params["metric_type"]``, partitions) into a ``search_sql.Target``
and encodes the query vectors into pgvector's binary form, with Milvus's
errors when something does not fit.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from typing import Any, Callable, Optional, Sequence

import numpy as np
from psycopg import sql

from . import bm25, minhash
from ..catalog import indexes, segments, ttl
from ..data import minhash as minhash_data, values
from ..catalog.store import CollectionInfo, IndexInfo
from ..errors import DataNotMatchException, ErrorCode, MilvusException, ParamError, invalid_parameter
from ..schema.model import FieldSchema
from ..schema.names import partition_name as check_partition_name
from .params import illegal
from .sql import METRICS, SPARSE_IP, Target, WideMetric, partition_condition
from ..types import DataType

@dataclass
class Resolved:
    """The field, index, metric and SQL target of one search."""

    field: FieldSchema
    index: Optional[IndexInfo]
    method: Optional[str]          # hnsw | ivfflat | diskann | None (exact scan only)
    target: Target
    conditions: list[sql.Composable]
    params: dict[str, Any]
    bm25: Optional[bm25.Bm25Field] = None   # a BM25 output field: how its queries are weighed
    source: Optional[FieldSchema] = None    # ... and its input field (the analyzer of the queries)
    #: A MinHash output field: its query texts' signatures (query vectors are taken as they are)
    signatures: Optional[Callable[[Sequence[Any]], list[Any]]] = None


def anns_field(info: CollectionInfo, name: Optional[str]) -> FieldSchema:
    """The vector field to search (Milvus's errors for unknown / ambiguous)."""
    vector_fields = info.schema.vector_fields
    if name:
        field = info.schema.field(name)
        if field is None:
            raise invalid_parameter(f"failed to create query plan: failed to get field schema by name: "
                                    f"fieldName({name}) not found")
        if not field.is_vector:  # the plan parser's ErrQueryPlan, wrapped by the proxy
            raise invalid_parameter(f"failed to create query plan: field ({name}) to search is not of vector "
                                    "data type: query plan failed")
        return field
    if len(vector_fields) == 1:
        return vector_fields[0]
    if not vector_fields:
        raise invalid_parameter(f"collection {info.name} has no vector field to search")
    raise invalid_parameter("multiple anns_fields exist, please specify a anns_field in search_params "
                            f"(one of {[f.name for f in vector_fields]})")


def field_index(info: CollectionInfo, field: FieldSchema) -> Optional[IndexInfo]:
    return next((i for i in info.indexes if i.field_name == field.name), None)


def metric_for(field: FieldSchema, index: Optional[IndexInfo], requested: Optional[str]) -> str:
    """The index's metric; a different ``metric_type`` in search_params is Milvus's error."""
    if index is not None and index.metric_type:
        if requested and requested != index.metric_type:
            raise MilvusException(ErrorCode.INVALID_PARAMETER,
                                  f"metric type not match: invalid parameter[expected={index.metric_type}]"
                                  f"[actual={requested}]")
        return index.metric_type
    return indexes.check_metric(field, requested)


def index_method(field: FieldSchema, index: Optional[IndexInfo]) -> Optional[str]:
    """Which pgvector access method serves the index (None: exact scans only)."""
    if index is None or not index.pg_index_name:
        return None
    return indexes.search_method(index.index_type, index.params)


def _column(field: FieldSchema, index: Optional[IndexInfo], method: Optional[str]
            ) -> tuple[sql.Composable, str, Optional[str]]:
    """The column expression (cast like the index, so the index serves it), the query type, and
    the type an index on a cast of a float vector orders by (``halfvec(3072)``, ``subvector(4000)``: the
    column and the query stay full-precision, for the distances; sql.inner_select)."""
    kind = indexes.vector_column_kind(field)
    column: sql.Composable = sql.Identifier("t", field.name)
    cast = indexes.index_cast(field, index.params) if method and index is not None else None
    if cast and (kind == "vector" and cast.startswith("halfvec") or cast.startswith("subvector")):
        return column, f"vector({int(field.dim)})", cast
    if cast:
        return sql.SQL("({}::{})").format(column, sql.SQL(cast)), cast, None
    if kind == "sparsevec":
        return column, "sparsevec", None
    if field.is_wide:
        return column, f"{kind}[]", None
    return column, f"{kind}({int(field.dim)})", None


def _resolve_bm25(info: CollectionInfo, field: FieldSchema, index: Optional[IndexInfo],
                  requested_metric: Optional[str], partition_names: Optional[Sequence[str]],
                  ignore_growing: bool) -> Resolved:
    """A search of a BM25 function's output field (search/bm25.py): its metric is BM25, with an
    index or without one (Milvus needs the index to load; pgmilvus scores the same either way)."""
    if requested_metric and requested_metric != "BM25":
        raise MilvusException(ErrorCode.INVALID_PARAMETER, "metric type not match: invalid parameter"
                                                           f"[expected=BM25][actual={requested_metric}]")
    table, conditions, params = _source(info, partition_names, ignore_growing)
    target = Target(table=table, pk=info.schema.primary_field.name, column=sql.Identifier("t", field.name),
                    query_type="jsonb", metric=bm25.BM25)
    parent = sql.Identifier(info.schema_name, info.table_name)
    alive = ttl.live(info, "t")  # expired entities are not in the statistics either
    weighing = bm25.field_info(parent, field, index, alive, info.id if info.segmented else None)
    return Resolved(field, index, None, target, conditions, params, weighing, info.schema.bm25_outputs[field.name])


def _minhash_texts(info: CollectionInfo, field: FieldSchema) -> Callable[[Sequence[Any]], list[Any]]:
    """Query texts of a MinHash output field hashed as its function hashes the stored texts
    (Milvus's delegator runs the function on them); signatures given as bytes pass through."""
    hash_texts = minhash_data.hasher(info.schema, field.name)

    def signatures(data: Sequence[Any]) -> list[Any]:
        texts = [i for i, v in enumerate(data) if isinstance(v, str)]
        if not texts:
            return list(data)
        signed = hash_texts([data[i] for i in texts])
        out = list(data)
        for i, signature in zip(texts, signed):
            out[i] = signature
        return out
    return signatures


def _minhash_metric(info: CollectionInfo, field: FieldSchema, index: Optional[IndexInfo],
                    requested: Optional[str]) -> Optional[str]:
    """A MinHash function's output is searched by MHJACCARD only (Milvus master's delegator)."""
    if field.name not in info.schema.minhash_outputs:
        return requested
    if requested and requested != "MHJACCARD":
        raise MilvusException(ErrorCode.SERVER_ERROR,
                              "must use MHJACCARD metric type when searching against MinHash Function output "
                              f"field: invalid parameter[expected=MHJACCARD][actual={requested}]")
    return "MHJACCARD" if index is None else requested


def resolve(info: CollectionInfo, name: Optional[str], requested_metric: Optional[str],
            partition_names: Optional[Sequence[str]], ignore_growing: bool = False,
            search_params: Optional[dict[str, Any]] = None) -> Resolved:
    field = anns_field(info, name)
    index = field_index(info, field)
    if field.name in info.schema.bm25_outputs:
        return _resolve_bm25(info, field, index, requested_metric, partition_names, ignore_growing)
    if field.dtype == DataType.BINARY_VECTOR:
        requested_metric = _minhash_metric(info, field, index, requested_metric)
    name = metric_for(field, index, requested_metric)
    if name == "MHJACCARD":
        return _resolve_minhash(info, field, index, partition_names, ignore_growing, search_params or {})
    metric = METRICS[name]
    if field.dtype == DataType.SPARSE_FLOAT_VECTOR and metric.name == "IP":
        metric = SPARSE_IP
    if field.is_wide:
        metric = WideMetric(*astuple(metric))
    method = index_method(field, index)
    column, query_type, approx = _column(field, index, method)
    table, conditions, params = _source(info, partition_names, ignore_growing)
    if field.nullable:
        # A row whose vector is NULL has no distance: Milvus never returns it as a hit.
        conditions.append(sql.SQL("{} IS NOT NULL").format(sql.Identifier("t", field.name)))
    target = Target(table=table, pk=info.schema.primary_field.name, column=column,
                    query_type=query_type, metric=metric, approx=approx)
    return Resolved(field, index, method, target, conditions, params)


def _resolve_minhash(info: CollectionInfo, field: FieldSchema, index: Optional[IndexInfo],
                     partition_names: Optional[Sequence[str]], ignore_growing: bool,
                     search_params: dict[str, Any]) -> Resolved:
    """An MHJACCARD search (search/minhash.py): exact, whatever the index."""
    indexed = index is not None and index.index_type == "MINHASH_LSH" and bool(index.pg_index_name)
    metric = minhash.metric(int(field.dim), index.params if index is not None else None, indexed, search_params)
    table, conditions, params = _source(info, partition_names, ignore_growing)
    if field.nullable:
        conditions.append(sql.SQL("{} IS NOT NULL").format(sql.Identifier("t", field.name)))
    target = Target(table=table, pk=info.schema.primary_field.name, column=sql.Identifier("t", field.name),
                    query_type=f"bit({int(field.dim)})", metric=metric)
    texts = _minhash_texts(info, field) if field.name in info.schema.minhash_outputs else None
    return Resolved(field, index, None, target, conditions, params, signatures=texts)


def _source(info: CollectionInfo, partition_names: Optional[Sequence[str]], ignore_growing: bool
            ) -> tuple[sql.Composable, list[sql.Composable], dict[str, Any]]:
    """The table to read and the conditions on its rows: the partitions (one named partition reads
    its child table), the sealed segments only with ``ignore_growing``, the live rows under a
    collection TTL or a TTL field (expired entities are no hits)."""
    table, conditions, params = _partitions(info, partition_names)
    for condition in (segments.sealed_only(info, "t") if ignore_growing else None, ttl.live(info, "t")):
        if condition is not None:
            conditions.append(condition)
    return table, conditions, params


def check_partitions(info: CollectionInfo, partition_names: Optional[Sequence[str]]) -> None:
    """The partitions a search names exist (Milvus's errors), checked before anything else of the
    request as Milvus's proxy resolves them first."""
    _partitions(info, partition_names)


def _partitions(info: CollectionInfo, partition_names: Optional[Sequence[str]]
                ) -> tuple[sql.Composable, list[sql.Composable], dict[str, Any]]:
    """The table to read and the partition condition: one named partition reads its child table."""
    parent = sql.Identifier(info.schema_name, info.table_name)
    if not partition_names:
        return parent, [], {}
    if info.schema.partition_key_field is not None:
        raise invalid_parameter("not support manually specifying the partition names if partition key "
                                "mode is used")
    names = list(dict.fromkeys(partition_names))
    for part_name in names:
        if info.partition(part_name) is None:
            check_partition_name(part_name, strict=False)  # Milvus's search checks it before the lookup
            raise MilvusException(ErrorCode.PARTITION_NOT_FOUND, f"partition name {part_name} not found: "
                                                                 f"partition not found[partition={part_name}]")
    if len(names) == 1:
        part = info.partition(names[0])
        assert part is not None
        return sql.Identifier(info.schema_name, part.table_name), [], {}
    return parent, [partition_condition()], {"parts": names}


# -- query vectors ---------------------------------------------------------------------------------

def _dense_len(field: FieldSchema, value: Any) -> Optional[int]:
    """The dimension of one query vector as given (None when the shape is not a dense vector)."""
    if field.dtype == DataType.BINARY_VECTOR:
        if isinstance(value, (bytes, bytearray)):
            return len(value) * 8
        if isinstance(value, np.ndarray) and value.dtype == np.uint8:
            return value.shape[0] * 8
        return None
    if isinstance(value, (bytes, bytearray)):
        width = 1 if field.dtype == DataType.INT8_VECTOR else 2
        return len(value) // width if field.dtype != DataType.FLOAT_VECTOR else None
    if isinstance(value, np.ndarray):
        return value.shape[0] if value.ndim == 1 else None
    if isinstance(value, (list, tuple)):
        return len(value)
    return None


def query_encoder(field: FieldSchema) -> Optional[Any]:
    """The encoder of the field's query vectors (None for sparse vectors: they have their own)."""
    return None if field.dtype == DataType.SPARSE_FLOAT_VECTOR else values.field_encoder(field)


def encode_queries(field: FieldSchema, data: Sequence[Any], encoder: Optional[Any] = None) -> list[Any]:
    """Query vectors in pgvector's binary wire form (values.py's encoders), Milvus's errors."""
    if field.dtype == DataType.SPARSE_FLOAT_VECTOR:
        return [_encode_one(field, v, values.sparse_query_wire) for v in data]
    encoder = encoder or values.field_encoder(field)
    dim = field.dim if field.dtype != DataType.BINARY_VECTOR else None
    out = []
    for i, value in enumerate(data):
        # A numpy row of the field's length (the common case) passes _check_query: skipped.
        if not (type(value) is np.ndarray and value.ndim == 1 and value.shape[0] == dim):
            _check_query(field, data, i, value)
        try:
            out.append(encoder(value, i))
        except DataNotMatchException as exc:
            raise _illegal_query(field, value, exc) from None
    return out


def _check_query(field: FieldSchema, data: Sequence[Any], i: int, value: Any) -> None:
    """Query vector ``i`` is a vector of the field's dimension (Milvus's errors)."""
    if isinstance(value, str):
        raise invalid_parameter(f"text query {value!r} needs a BM25 function on field {field.name}, which "
                                "has none: search the output field of the collection's BM25 function, or pass "
                                "vectors")
    got = _dense_len(field, value)
    if got is None:
        raise illegal("search_data", _show(data))
    if got != field.dim:
        raise invalid_parameter(f"vector dimension mismatch, expected vector size {field.dim}, actual "
                                f"{got} (query vector {i}, field {field.name})")


def _encode_one(field: FieldSchema, value: Any, encode: Any) -> Any:
    try:
        return encode(value)
    except DataNotMatchException as exc:
        raise _illegal_query(field, value, exc) from None


def _illegal_query(field: FieldSchema, value: Any, exc: DataNotMatchException) -> ParamError:
    return ParamError(message=f"`search_data` value {_show(value)} is illegal for field {field.name}: "
                              f"{exc.message}")


def _show(value: Any) -> str:
    text = repr(value.tolist() if isinstance(value, np.ndarray) else value)
    return text if len(text) <= 120 else text[:117] + "..."


def array_type(query_type: str) -> str:
    """The array type of ``query_type``.

    Typmods are left out (each element is cast to ``query_type`` afterwards); ``bit``
    becomes ``varbit`` because a bare ``bit`` is ``bit(1)`` and would truncate.
    """
    base = query_type.split("(")[0]
    return ("varbit" if base == "bit" else base) + "[]"
