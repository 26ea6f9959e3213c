"""search(ranker=...): the vector search, then rerank functions over its hits (function_rank.py).

The search runs as without a ranker for ``limit + offset`` candidates per
query (range bounds included; ``limit + offset`` groups for a grouping search);
boost functions (boost.py) rescore and reorder them, as Milvus's segments do;
a decay ranker's input field is read for the candidates by primary key and the
decayed scores order them (and regroup them: hybrid.grouped); offset, limit and
round_decimal apply last, as in Milvus's proxy.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import psycopg

from . import boost, function_rank, hybrid, order, ann as search
from ..data import outputs, timestamps
from ..catalog.store import CollectionInfo
from ..errors import MilvusException
from .params import SearchRequest
from .results import Hits, SearchResult


def search_with_ranker(conn: psycopg.Connection, info: CollectionInfo, request: SearchRequest, ranker: Any
                       ) -> SearchResult:
    order.refuse_ranker(request.order_by)
    stage = dataclasses.replace(request, limit=request.window, offset=0, round_decimal=-1)
    zone = timestamps.rendering(info.properties, request.timezone, request.time_fields)[0]
    try:
        rerank = function_rank.plan(ranker, info, filter_params=request.filter_params, timezone=zone)
    except MilvusException:
        search.prepare(info, stage)  # Milvus checks the search itself first: its error comes first
        raise
    if rerank.boosts is not None:
        if request.group_by_field:
            search.prepare(info, stage)
            raise boost.refuse_grouping()
        stage = dataclasses.replace(stage, extra_columns=boost.columns(rerank.boosts))
    prepared = search.prepare(info, stage)
    if rerank.boosts is None and rerank.ranker is None:  # FunctionScore(functions=[]): no rerank
        return search.search(conn, info, request)
    metric = prepared.resolved.target.metric
    per_query = [search.finish(prepared, rows) for rows in search.run(conn, prepared)]
    if rerank.boosts is not None:
        hits = boost.apply(rerank.boosts, [[(row[search.PK], distance, search.extras(prepared, row))
                                            for row, distance in rows] for rows in per_query],
                           metric.larger_is_better)
    else:
        hits = [[(row[search.PK], distance) for row, distance in rows] for rows in per_query]
    decay = rerank.ranker
    values = {} if decay is None else field_values(conn, info, decay.field, {pk for h in hits for pk, _ in h})
    pk_name = prepared.plan.pk_name
    data = []
    for rows, found in zip(per_query, hits):
        by_pk = {row[search.PK]: row for row, _ in rows}
        ranked = found
        if decay is not None:
            ranked = function_rank.rank(decay, [(pk, function_rank.normalized(metric.name, d)) for pk, d in found],
                                        values)
        if request.group_by_field is None:
            ranked = ranked[request.offset:request.offset + request.limit]
        else:  # the grouped search's hits regrouped by their decayed scores, as Milvus 2.6's rerank does
            group_of = {row[search.PK]: row[search.GROUP] for row, _ in rows}
            ranked = hybrid.grouped(ranked, group_of, request.group_size, "max", request.offset, request.limit)
        if request.round_decimal != -1:
            ranked = [(pk, round(score, request.round_decimal)) for pk, score in ranked]
        data.append(Hits(prepared.hits([(by_pk[pk], score) for pk, score in ranked]), pk_name=pk_name))
    return SearchResult(data)


def field_values(conn: psycopg.Connection, info: CollectionInfo, field: str, pks: set[Any]) -> dict[Any, Any]:
    """The value of ``field`` for each primary key (one statement for every query vector)."""
    plan = outputs.output_plan(info.schema, [field], default_all=False, include_pk=False)
    return {pk: entity.get(field) for pk, entity in hybrid.entities_by_pk(conn, info, plan, pks).items()}
