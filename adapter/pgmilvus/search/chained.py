"""search(function_chains=...): the vector search, then Milvus master's function chains over its hits.

As Milvus runs them (docs/search.md, "Function chains"):

* an L0_RERANK chain runs where Milvus's query node runs it, on the search's ``limit + offset``
  best hits (pgmilvus's collection is one segment): ``$score`` is the similarity, larger is better
  (L2 / HAMMING / JACCARD distances negated), the chain's maps rewrite it, the hits are sorted by it
  (ties: smaller ``$id``), then offset and limit apply and the distance returned is the new score
  (negated back for those metrics);
* an L2_RERANK chain runs where Milvus's proxy runs it, on the ``limit`` hits the search (and any
  L0 chain) returned, ``$score`` being the distance returned; its result, in its order, is the
  search's.

The fields a chain reads are selected with the hits, in the search's own statement.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import psycopg
from sqlglot import exp

from . import ann as search
from .chains import plan as chain_plan, run as chain_run
from .chains.failures import ChainError, exception, invalid
from .chains.frame import KINDS, Col, Frame, f32
from .chains.plan import ID, SCORE, ChainRepr
from .chains.spec import Chain
from .chains.operators import Sort
from ..catalog.store import CollectionInfo
from ..errors import ErrorCode, MilvusException
from ..types import DataType
from .params import SearchRequest
from .results import Hits, SearchResult

Found = list[tuple[Any, float]]  # a query's hits: (row, distance), best first


def search_with_chains(conn: psycopg.Connection, info: CollectionInfo, request: SearchRequest,
                       chains: Sequence[Chain]) -> SearchResult:
    try:
        proxy = chain_plan.proxy(chains, info.schema)
        if request.order_by:
            raise invalid("order_by and function rerank cannot be used together: they specify conflicting sort "
                          "criteria")
        l0, l0_fields = chain_plan.query_node(proxy.query_node, info.schema)
    except ChainError as err:
        search.prepare(info, request)  # Milvus checks the search itself first: its error comes first
        raise exception(err) from None
    if request.group_by_field:
        search.prepare(info, request)
        raise MilvusException(ErrorCode.UNSUPPORTED, "function_chains in a grouping search are not supported by "
                                                     "pgmilvus: search without group_by_field")
    fields = tuple(dict.fromkeys(proxy.fields + l0_fields))
    stage = dataclasses.replace(request, extra_columns=tuple(_column_sql(info, name) for name in fields))
    if l0:
        stage = dataclasses.replace(stage, limit=request.window, offset=0)
    prepared = search.prepare(info, stage)
    read = _Reader(prepared, {name: KINDS[info.schema.field(name).dtype] for name in fields})
    larger = prepared.resolved.target.metric.larger_is_better
    found = [search.finish(prepared, rows) for rows in search.run(conn, prepared)]
    if l0 and any(found):
        sign = 1.0 if larger else -1.0
        for repr_ in l0:  # each followed by Milvus's sort contract: $score descending, ties by $id
            found = _rerank(repr_, found, read, l0_fields, lambda d: sign * d, lambda s: sign * s,
                            Sort(SCORE, True, ID))
    if l0:
        found = [hits[request.offset:request.offset + request.limit] for hits in found]
    if proxy.l2 is not None and any(found):
        found = _rerank(proxy.l2, found, read, proxy.fields, lambda d: d, lambda s: s)
    return SearchResult([Hits(prepared.hits(hits), pk_name=prepared.plan.pk_name) for hits in found])


def _column_sql(info: CollectionInfo, name: str) -> str:
    """A field's value as a chain reads it (a TIMESTAMPTZ: Milvus's int64 microseconds)."""
    column = exp.column(name, quoted=True).sql(dialect="postgres")
    field = info.schema.field(name)
    if field is not None and field.dtype == DataType.TIMESTAMPTZ:
        return f"(EXTRACT(EPOCH FROM {column}) * 1000000)::bigint"
    return column


@dataclass(frozen=True)
class _Reader:
    """Reads a chain's input columns off the hit rows: the fields are the search's extra columns."""

    prepared: search.Prepared
    kinds: dict[str, str]  # field name -> its column's kind, in the order of the extra columns

    def column(self, name: str, found: list[Found]) -> Col:
        at = list(self.kinds).index(name)
        cells = [[search.extras(self.prepared, row)[at] for row, _ in hits] for hits in found]
        kind = self.kinds[name]
        if kind == "float32":
            cells = [[f32(v) for v in chunk] for chunk in cells]
        return Col(kind, cells)


def _rerank(repr_: ChainRepr, found: list[Found], read: _Reader, fields: Sequence[str], to_score: Any,
            to_distance: Any, contract: Optional[Sort] = None) -> list[Found]:
    """The hits of every query through one chain: its frame built, run, and read back in its order."""
    pk_kind = "utf8" if any(isinstance(row[search.PK], str) for hits in found for row, _ in hits) else "int64"
    frame: Frame = {ID: Col(pk_kind, [[row[search.PK] for row, _ in hits] for hits in found]),
                    SCORE: Col("float32", [[f32(to_score(d)) for _, d in hits] for hits in found])}
    for name in fields:
        frame[name] = read.column(name, found)
    try:
        ops = chain_run.build(repr_)
        frame = chain_run.execute(ops + ([contract] if contract is not None else []), frame)
    except ChainError as err:
        raise exception(err) from None
    out = []
    for hits, ids, scores in zip(found, frame[ID].chunks, frame[SCORE].chunks):
        by_pk = {row[search.PK]: row for row, _ in hits}
        out.append([(by_pk[pk], f32(to_distance(s if s is not None else 0.0))) for pk, s in zip(ids, scores)])
    return out
