"""Vector search on a struct array's vector sub-field (``anns_field="clips[emb]"``).

Two searches exist, chosen by the sub-field's index metric (catalog/struct_indexes.py) and the
kind of query data, as Milvus chooses them (segcore takes the metric from the index):

* **embedding list** (MAX_SIM_* index, ``data=[EmbeddingList, ...]``): each query is a list of
  vectors; a row's score is, over the query's vectors, the sum of the best pair with the row's
  vectors (MAX_SIM / MAX_SIM_COSINE / MAX_SIM_IP: larger is better; MAX_SIM_L2 (squared),
  MAX_SIM_HAMMING, MAX_SIM_JACCARD: smaller).  Hits are rows, each pk once.
* **element level** (plain-metric index, plain query vectors): every element of every row is
  a candidate; hits are the top-``limit`` elements, the same pk possibly several times, each
  hit with its element's 0-based position as ``hit["offset"]`` (pymilvus exposes
  SearchResultData.element_indices so; the wire server reads the positions from there).

Rows whose struct array is NULL or empty are never hits.  The statements: struct_sql.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field
from typing import Any, Optional

import numpy as np
import psycopg
from psycopg import sql

from ..catalog import struct_indexes
from ..catalog.store import CollectionInfo, IndexInfo, revision_guard
from ..data import bound_filters, outputs, structs as struct_data, timestamps
from ..data.values import wire_adapters
from ..errors import ErrorCode, MilvusException, invalid_parameter
from ..schema.model import FieldSchema
from ..types import DataType, go_name
from . import struct_sql, target as target_mod
from .embedding_list import is_embedding_list
from .params import SearchRequest, check_window
from .results import Hit, SearchResult, search_result
from .sql import METRICS, Target, float32

#: The per-pair metric of each MAX_SIM metric (knowhere's emb_list_utils).
SUB_METRIC = {"MAX_SIM": "COSINE", "MAX_SIM_COSINE": "COSINE", "MAX_SIM_IP": "IP", "MAX_SIM_L2": "L2",
              "MAX_SIM_HAMMING": "HAMMING", "MAX_SIM_JACCARD": "JACCARD"}
#: Bytes per vector element in Milvus's placeholder (binary: a bit).
_WIDTH = {DataType.FLOAT_VECTOR: 4, DataType.FLOAT16_VECTOR: 2, DataType.BFLOAT16_VECTOR: 2, DataType.INT8_VECTOR: 1}


def wrapped(message: str) -> MilvusException:
    """merr.WrapErrParameterInvalid("", "", msg): the proxy's refusals of struct searches."""
    return MilvusException(ErrorCode.INVALID_PARAMETER, f"{message}: invalid parameter[expected=][actual=]")


def sub_field(info: CollectionInfo, name: Optional[str]) -> Optional[FieldSchema]:
    """The vector sub-field ``name`` names, or None (an ordinary field, or no name)."""
    if not name or not info.schema.struct_fields:
        return None
    field = info.schema.field(name)
    return field if field is not None and field.dtype == DataType._ARRAY_OF_VECTOR else None


def is_emb_list_data(request: SearchRequest) -> bool:
    """EmbeddingList queries, or flat arrays sent with pymilvus's ``is_embedding_list``."""
    return request.embedding_list or any(is_embedding_list(v) for v in request.data[:1])


def refuse_emb_list_on(info: CollectionInfo, request: SearchRequest, field: FieldSchema) -> None:
    """Embedding lists on an ordinary vector field: segcore's placeholder check."""
    if is_emb_list_data(request):
        raise invalid_parameter(f"vector type must be the same, field {field.name} - type {go_name(field.dtype)}, "
                                f"search ph type EmbList{go_name(field.dtype)}")  # Milvus's PlaceholderType names


@dataclass
class StructPlan:
    """One search of a vector sub-field, resolved."""

    field: FieldSchema
    element: FieldSchema            # one element as a plain vector field
    index: Optional[IndexInfo]
    metric_name: str                # the index's metric (MAX_SIM_*: embedding-list search)
    target: Target                  # table, pk, per-pair metric, query SQL type
    column: sql.Composable
    conditions: list[sql.Composable]
    params: dict[str, Any]
    out: outputs.OutputPlan
    pk_name: str
    element_filter: Optional[sql.Composable] = None
    statements: dict[Any, bytes] = dataclass_field(default_factory=dict)  # composed once per (window, range, ...)

    @property
    def emb_list(self) -> bool:
        return self.metric_name in SUB_METRIC

    @property
    def larger_is_better(self) -> bool:
        return self.target.metric.larger_is_better


def _metric(field: FieldSchema, index: Optional[IndexInfo], requested: Optional[str], emb: bool) -> str:
    """The index's metric; a request's other metric is Milvus's mismatch (without an index,
    which Milvus's load refuses, the request's or the data kind's default)."""
    if index is not None and index.metric_type:
        return target_mod.metric_for(field, index, requested)
    if requested:
        return requested
    binary = field.element_type == DataType.BINARY_VECTOR
    return ("MAX_SIM_HAMMING" if binary else "MAX_SIM_COSINE") if emb else ("HAMMING" if binary else "COSINE")


def plan(info: CollectionInfo, request: SearchRequest, field: FieldSchema, iterating: bool = False) -> StructPlan:
    """Resolve and check a search of ``field`` (Milvus's refusals, in its words); kept on the
    collection's description per search shape, as search/ann.py keeps its plans."""
    check_window(request.limit, request.offset)
    emb = is_emb_list_data(request)
    from .ann import _shape  # ann dispatches here
    shape = _shape(request)
    key = None if shape is None else ("struct", shape, emb, iterating, request.params.get("iterator"),
                                      request.params.get("search_iter_v2"), request.params.get("retrieval_ann_ratio"),
                                      request.params.get("radius") is not None)
    found = info.plans.get(key) if key is not None else None
    if found is None:
        found = _plan(info, request, field, emb, iterating)
        if key is not None:
            bound_filters.remember(info.plans, key, found)
    return found


def _plan(info: CollectionInfo, request: SearchRequest, field: FieldSchema, emb: bool, iterating: bool
          ) -> StructPlan:
    index = target_mod.field_index(info, field)
    name = _metric(field, index, request.metric_type, emb)
    wants_list = name in SUB_METRIC
    if wants_list != emb:
        need = ("requires embedding list search, but search data is plain vector" if wants_list else
                "does not support embedding list search, but search data is embedding list")
        raise invalid_parameter(f"search type mismatch for VECTOR_ARRAY field {field.name}: metric_type {name} {need}")
    if emb:
        _check_emb_list(request, iterating)
        if request.aggregation is not None:  # Milvus's search_aggregation is a group_by to the proxy
            raise wrapped("group by is not supported for multi-search-multi on embedding list fields")
    elif request.aggregation is not None and any(
            f != info.schema.primary_field.name for f in request.aggregation.fields):
        raise wrapped("only group by primary key is supported for element-level search")
    elif request.params.get("iterator") and not request.params.get("search_iter_v2") and not iterating:
        raise wrapped("legacy search iterator is not supported for element-level search; use search iterator v2")
    elif request.group_by_field and request.group_by_field != info.schema.primary_field.name:
        raise wrapped("only group by primary key is supported for element-level search")
    if request.aggregation is not None or request.order_by:
        raise MilvusException(ErrorCode.UNSUPPORTED, f"search_aggregation / order_by_fields on struct array "
                                                     f"sub-field {field.name} are not supported by pgmilvus")
    element = struct_indexes.element_field(field)
    kind = struct_indexes.indexes.vector_column_kind(element)
    metric = METRICS[SUB_METRIC.get(name, name)]
    table, conditions, params = target_mod._source(info, request.partition_names, request.ignore_growing)
    query_type = f"{kind}({int(field.dim)})" + ("[]" if emb else "")
    target = Target(table=table, pk=info.schema.primary_field.name, column=sql.Identifier("t", field.name),
                    query_type=query_type, metric=metric)
    zone, parts = timestamps.rendering(info.properties, request.timezone, request.time_fields)
    split = element_split(info, request, zone)
    element_condition = None
    if split is not None:  # element_filter(S, P): the rows' part, and P at each element
        if emb or split.struct != field.struct_name:
            raise refuse_element_filter()
        condition = _text_condition(split.row_sql)
        element_condition = _text_condition(split.element_sql(f'e."{struct_sql.POSITION}"'))
    else:
        from .ann import filter_condition  # ann dispatches here
        condition = filter_condition(request.filter, info, request.filter_params, zone)
    conditions = [*conditions, *([condition] if condition is not None else []), revision_guard(info)]
    out = outputs.output_plan(info.schema, request.output_fields, default_all=False, include_pk=False,
                              timezone=zone, time_fields=parts)
    return StructPlan(field, element, index, name, target, sql.Identifier("t", field.name), conditions, params, out,
                      info.schema.primary_field.name, element_condition)


def _text_condition(text: Optional[str]) -> Optional[sql.Composable]:
    """Compiled filter SQL as a condition of a statement with bound parameters (% doubled)."""
    return None if text is None else sql.SQL("({})").format(sql.SQL(text.replace("%", "%%")))


def element_split(info: CollectionInfo, request: SearchRequest, zone: str) -> Any:
    """The filter's element_filter part (filters.elements), or None without one (most filters:
    the parser is only asked when the text names the function)."""
    from ..filters import elements
    if not info.schema.struct_fields or not elements.is_element_level(request.filter):
        return None
    from ..catalog import json_index
    return elements.element_split(request.filter, info.schema, request.filter_params, "search",
                                  json_index.indexed_paths(info), zone)


def refuse_element_filter() -> MilvusException:
    """element_filter in a row-level search (an ordinary vector field, embedding lists, another struct)."""
    return invalid_parameter("element_filter is only supported for element-level search on vector sub-fields of the "
                             "same struct array; use MATCH_ANY/MATCH_* for row-level vector search")


def refuse_row_level_element_filter(info: CollectionInfo, request: SearchRequest, zone: str) -> None:
    """A search of an ordinary vector field whose filter holds element_filter: Milvus's refusal."""
    if element_split(info, request, zone) is not None:
        raise refuse_element_filter()


def _check_emb_list(request: SearchRequest, iterating: bool) -> None:
    """Milvus's proxy refusals for embedding-list ("multi-search-multi") searches."""
    if request.params.get("radius") is not None:
        raise wrapped("range search is not supported for multi-search-multi on embedding list fields")
    if iterating or request.params.get("iterator"):
        raise wrapped("search iterator is not supported for multi-search-multi on embedding list fields")
    if request.group_by_field:
        raise wrapped("group by is not supported for multi-search-multi on embedding list fields")
    ratio = request.params.get("retrieval_ann_ratio")
    if ratio is not None and float(ratio) <= 0:
        raise invalid_parameter("retrieval_ann_ratio could not be less than or equal to 0")


# -- query data ----------------------------------------------------------------------------------

def _query_lists(p: StructPlan, request: SearchRequest) -> list[list[Any]]:
    """Each query's vectors: an EmbeddingList's, or a flat array cut into vectors of the dim."""
    dim = int(p.field.dim)
    per_vector = dim // 8 if p.element.dtype == DataType.BINARY_VECTOR else dim
    out = []
    for value in request.data:
        if is_embedding_list(value):
            if len(value) == 0:
                raise ValueError("EmbeddingList is empty")
            out.append([np.asarray(v) for v in value])
            continue
        flat = np.frombuffer(value, dtype=np.uint8) if isinstance(value, (bytes, bytearray)) else np.asarray(value)
        if flat.ndim == 2:
            out.append(list(flat))
            continue
        if flat.ndim != 1 or len(flat) == 0 or len(flat) % per_vector:
            width = _WIDTH.get(p.element.dtype, 1)
            size = len(flat) * (1 if p.element.dtype == DataType.BINARY_VECTOR else width)
            step = per_vector * (1 if p.element.dtype == DataType.BINARY_VECTOR else width)
            raise invalid_parameter(f"line.size() % bytes_per_vec == 0 assert failed, line.size() = {size}, "
                                    f"dim = {dim}, bytes_per_vec = {step}")
        out.append([flat[i:i + per_vector] for i in range(0, len(flat), per_vector)])
    return out


def encode(conn: psycopg.Connection, p: StructPlan, request: SearchRequest) -> list[Any]:
    """The query values bound as ``%(q)s``: an array of vectors per list, else one vector each."""
    wire_adapters(conn)
    if not p.emb_list:
        return target_mod.encode_queries(p.element, request.data)
    array = struct_data.vector_array_encoder(p.field, struct_data.element_oid(conn, p.element.dtype))
    lists = _query_lists(p, request)
    for i, vectors in enumerate(lists):  # each vector checked as a plain query vector of the element type
        target_mod.encode_queries(p.element, vectors)
    return [array(vectors, i) for i, vectors in enumerate(lists)]


# -- running -------------------------------------------------------------------------------------

def _statement(p: StructPlan, request: SearchRequest, keyset: bool = False) -> sql.Composable:
    items = p.out.select_items("t")
    if p.emb_list:
        return struct_sql.emb_list_statement(p.target, p.column, p.conditions, items, request.window)
    conds = struct_sql.element_conditions(p.target, p.conditions, request.radius is not None,
                                          request.range_filter is not None, keyset, p.element_filter)
    if request.group_by_field:
        return struct_sql.grouped_element_statement(p.target, p.column, conds, items, request.window)
    return struct_sql.element_statement(p.target, p.column, conds, items, request.window)


def rows(conn: psycopg.Connection, p: StructPlan, request: SearchRequest,
         keyset: Optional[tuple[float, Any, int]] = None) -> list[list[tuple]]:
    """The statement's rows per query, best first: ``(pk, raw key, [position,] outputs...)``."""
    if not p.emb_list:
        from . import ann  # ann dispatches here
        if ann.check_radius(request):
            ann.check_range(p.target.metric, request)
    key = (request.window, request.radius is not None, request.range_filter is not None, keyset is not None,
           bool(request.group_by_field))
    statement = p.statements.get(key)
    if statement is None:
        statement = p.statements[key] = _statement(p, request, keyset is not None).as_bytes(conn)
    base = dict(p.params)
    if request.radius is not None:
        base["radius"] = request.radius
    if request.range_filter is not None:
        base["range_filter"] = request.range_filter
    if request.group_by_field:
        base["group_size"] = request.group_size
    if keyset is not None:
        base["last_d"], base["last_pk"], base["last_o"] = keyset
    out = []
    for value in encode(conn, p, request):
        out.append(conn.execute(statement, {**base, "q": value}, binary=True).fetchall())
    return out


def distances(p: StructPlan, raw: list[float]) -> list[float]:
    """Milvus's distances from the statements' keys (float32, as Milvus returns them)."""
    if p.emb_list:
        return float32([-d for d in raw] if p.larger_is_better else list(raw))
    return p.target.metric.to_milvus(list(raw))


def hits(p: StructPlan, request: SearchRequest, found: list[tuple]) -> list[Hit]:
    """The request's window of hits (offset applied), element positions as ``hit["offset"]``."""
    if request.group_by_field:
        lo, hi = request.offset, request.window
        found = [r for r in found if lo < r[-1] <= hi]
    else:
        found = found[request.offset:request.window]
    values = distances(p, [r[1] for r in found])
    if request.round_decimal > 0:
        values = [round(v, request.round_decimal) for v in values]
    start = 2 if p.emb_list else 3
    width = p.out.width
    out = []
    for row, distance in zip(found, values):
        hit = Hit(pk_name=p.pk_name)
        hit[p.pk_name] = row[0]
        hit["distance"] = distance
        if not p.emb_list:
            hit["offset"] = row[2]
        hit["entity"] = p.out.decode(row[start:start + width]) if width else {}
        out.append(hit)
    return out


def search(conn: psycopg.Connection, info: CollectionInfo, request: SearchRequest,
           field: FieldSchema) -> SearchResult:
    p = plan(info, request, field)
    return search_result([hits(p, request, found) for found in rows(conn, p, request)], p.pk_name)
