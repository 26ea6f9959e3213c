"""hybrid_search(): several ANN searches fused by a ranker, as Milvus's proxy does.

Each AnnSearchRequest runs as an ordinary search (its own field, metric,
``param``, ``limit`` and filter; the same partitions), hits de-duplicated by
PK; the ranker fuses the per-request lists (rerank.py); offset / limit cut
the fused list; then the output fields of the final PKs are read in one
statement.  ``distance`` in the result is the fused score (larger is better).

With ``group_by_field`` every sub-search is a grouping search (its ``limit``
groups of ``group_size`` hits), and the fused hits are grouped again as
Milvus 2.6's rerank does: best first, at most ``group_size`` per group value,
groups ranked by their best, summed or mean score (``rank_group_scorer``),
``offset`` / ``limit`` counting groups.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Optional, Sequence

import numpy as np
import psycopg

from . import boost, function_rank, ann as search, sql as search_sql, struct_hybrid, structs
from ..data import outputs, timestamps
from ..catalog.properties import topk_limit
from ..catalog.store import CollectionInfo, revision_guard
from ..errors import ErrorCode, MilvusException, ParamError, invalid_parameter
from .rerank import AnnSearchRequest, BaseRanker, fuse, pk_order
from .params import SearchRequest, build_request, check_limit, check_round_decimal, nq_invalid
from .results import Hits, SearchResult, make_hit
from ..data.values import wire_adapters
from ..filters import spatial_scope


#: hybrid_search kwargs handed to each sub-search (grouping, and ignore_growing as 2.6 does; timezone:
#: the zone of ``ISO`` times without an offset in the requests' filters, as a search's own)
_SUB_KWARGS = ("group_by_field", "group_size", "strict_group_size", "ignore_growing", "timezone")
GROUP_SCORERS = ("max", "sum", "avg")


#: Milvus's most sub-requests in one hybrid search (proxy defaultMaxSearchRequest).
MAX_REQUESTS = 1024


def _requests(reqs: Any, partition_names: Optional[Sequence[str]], sub: dict[str, Any], window: int,
              maximum: int) -> list[SearchRequest]:
    """The sub-searches, with Milvus 2.6's proxy checks: at most 1024, none empty (nq 0), each
    sub-request's limit in [1, ``maximum``], a missing or unreadable one being the hybrid's ``window``
    (limit + offset: parseSearchInfo's externalLimit)."""
    if not isinstance(reqs, (list, tuple)):
        raise ParamError(message=f"`reqs` value {reqs} is illegal: give a non-empty list of AnnSearchRequest")
    if len(reqs) > MAX_REQUESTS:
        raise MilvusException(ErrorCode.SERVER_ERROR, f"maximum of ann search requests is {MAX_REQUESTS}")
    if not reqs:
        raise nq_invalid(0)
    out = []
    for req in reqs:
        if not isinstance(req, AnnSearchRequest):
            raise ParamError(message=f"`reqs` items must be AnnSearchRequest, got {type(req).__name__}")
        param = req.param or {}
        param = dict(param) if isinstance(param, dict) else param  # not a dict: build_request says so
        out.append(build_request(req.data, req.expr or "", _sub_limit(req.limit, window, maximum), None, param,
                                 partition_names, req.anns_field, {"filter_params": req.expr_params or {}, **sub}))
    nqs = {len(r.data) for r in out}
    if len(nqs) != 1:
        raise invalid_parameter(f"the nq of all AnnSearchRequest must be the same, got {sorted(nqs)}")
    return out


def _sub_limit(limit: Any, window: int, maximum: int) -> int:
    if isinstance(limit, str):
        try:
            limit = int(limit.strip(), 0)
        except ValueError:
            limit = None
    if limit is None or isinstance(limit, bool) or not isinstance(limit, (int, np.integer)):
        return window
    if not 1 <= limit <= maximum:
        raise invalid_parameter(f"topk [{limit}] is invalid, it should be in range [1, {maximum}], but got {limit}")
    return int(limit)


def hybrid_search(conn: psycopg.Connection, info: CollectionInfo, reqs: Any, ranker: Any, limit: Any,
                  output_fields: Optional[Sequence[str]], partition_names: Optional[Sequence[str]],
                  kwargs: dict[str, Any]) -> SearchResult:
    limit = check_limit(limit)
    round_decimal = check_round_decimal(kwargs.get("round_decimal", -1))
    offset = kwargs.get("offset", 0) or 0
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ParamError(message=f"wrong type for offset, expect int, got {type(offset)}")
    maximum = topk_limit(info)
    if limit + offset > maximum:  # 2.6's parseRankParams (validateMaxQueryResultWindow)
        raise MilvusException(ErrorCode.SERVER_ERROR, f"invalid max query result window, (offset+limit) should be "
                                                      f"in range [1, {maximum}], but got {limit + offset}")
    if ranker is None:
        raise MilvusException(ErrorCode.UNSUPPORTED, "hybrid_search without a ranker is not supported by "
                                                     "pgmilvus: pass RRFRanker(), WeightedRanker(...) or a "
                                                     "rerank Function")
    if not isinstance(ranker, BaseRanker) and not function_rank.is_ranker_function(ranker):
        raise ParamError(message="The hybrid search rerank must be a Function or a Ranker.")
    sub = {k: kwargs[k] for k in _SUB_KWARGS if kwargs.get(k) is not None}
    scorer = _group_scorer(kwargs) if sub.get("group_by_field") else None
    requests = _requests(reqs, partition_names, sub, limit + offset, maximum)
    zone, parts = timestamps.rendering(info.properties, kwargs.get("timezone"), kwargs.get("time_fields"))
    boosts = None
    if not isinstance(ranker, BaseRanker):
        ranker, boosts = _fusion_of(ranker, info, zone, scorer is not None)
    out_plan = outputs.output_plan(info.schema, output_fields, default_all=False, include_pk=False,
                                   timezone=zone, time_fields=parts)
    per_request, metrics, group_of = [], [], {}
    whole = _element_fusion(info, requests, scorer is not None)  # fusion keys (pk, position)
    for request in requests:
        field = structs.sub_field(info, request.anns_field)
        if field is not None:  # a struct array's vector sub-field (struct_hybrid.py)
            if boosts is not None:
                raise MilvusException(ErrorCode.UNSUPPORTED, f"boost functions with a struct array sub-search "
                                                             f"({field.name}) are not supported by pgmilvus")
            found, metric = struct_hybrid.sub_search(conn, info, request, field, scorer is not None, whole)
            per_request.append(found)
            metrics.append(metric)
            if whole and scorer is not None:
                group_of.update((key, key[0]) for hits in found for key, _ in hits)
            continue
        if request.params.get("element_scope") is not None:
            struct_hybrid.element_scope(request, False, False)
        if boosts is not None:  # Milvus's sub-searches share the request's function_score
            request = dataclasses.replace(request, extra_columns=boost.columns(boosts))
        with spatial_scope(conn, info, request.filter):
            prepared = search.prepare(info, request)
        metrics.append(prepared.resolved.target.metric.name)
        found = [search.finish(prepared, hits) for hits in search.run(conn, prepared)]
        if scorer is not None:
            group_of.update((row[search.PK], row[search.GROUP]) for hits in found for row, _ in hits)
        if boosts is not None:
            per_request.append(boost.apply(boosts, [[(row[search.PK], distance, search.extras(prepared, row))
                                                     for row, distance in hits] for hits in found],
                                           prepared.resolved.target.metric.larger_is_better))
        else:
            per_request.append([[(row[search.PK], distance) for row, distance in hits] for hits in found])
    nq = len(requests[0].data)
    if isinstance(ranker, function_rank.DecayRanker):
        decayed = _decayed(conn, info, ranker, per_request, metrics, nq)
        fused = [grouped(hits, group_of, requests[0].group_size, scorer, offset, limit) if scorer is not None
                 else hits[offset:offset + limit] for hits in decayed]
    elif scorer is not None:
        size = requests[0].group_size
        fused = [grouped(fuse(ranker, [r[q] for r in per_request], metrics), group_of, size, scorer,
                         offset, limit) for q in range(nq)]
    else:
        fused = [fuse(ranker, [r[q] for r in per_request], metrics)[offset:offset + limit] for q in range(nq)]
    entities = entities_by_pk(conn, info, out_plan, {key[0] if whole else key for hits in fused for key, _ in hits})
    pk_name = info.schema.primary_field.name
    data = []
    for hits in fused:
        row = []
        for pk, score in hits:
            value = float(np.float32(score))
            if round_decimal > 0:
                value = round(value, round_decimal)
            if whole:  # same-struct element fusion: the element's position as ``offset``
                row.append(make_hit(pk_name, pk[0], value, dict(entities.get(pk[0], {}))))
                row[-1]["offset"] = pk[1]
                continue
            row.append(make_hit(pk_name, pk, value, dict(entities.get(pk, {}))))
            if scorer is not None:  # a grouping hybrid search: the hit's group value, as a search's
                row[-1]._group_value = group_of.get(pk)
        data.append(Hits(row, pk_name=pk_name))
    return SearchResult(data)


def _element_fusion(info: CollectionInfo, requests: Sequence[SearchRequest], grouping: bool) -> bool:
    """Every sub-search element-level on one struct: elements are fused as they are (Milvus
    master's same-struct element hybrid), grouped by the primary key only."""
    if struct_hybrid.same_struct(info, requests) is None:
        return False
    group = requests[0].group_by_field
    if grouping and group != info.schema.primary_field.name:
        raise structs.wrapped("only group by primary key is supported for same-struct element-level vector array "
                              "fields in hybrid search")
    return True


def _fusion_of(ranker: Any, info: CollectionInfo, zone: str, grouping: bool) -> tuple[Any, Any]:
    """A rerank Function or FunctionScore as (the fusion ranker, the boosts of every sub-search)."""
    rerank = function_rank.plan(ranker, info, hybrid=True, timezone=zone)
    if rerank.boosts is not None and grouping:
        raise boost.refuse_grouping()
    if rerank.ranker is None:
        raise MilvusException(ErrorCode.UNSUPPORTED, "hybrid_search needs a ranker that fuses its requests: "
                                                     "add an rrf, weighted or decay Function beside the boost "
                                                     "functions")
    return rerank.ranker, rerank.boosts


def _group_scorer(kwargs: dict[str, Any]) -> str:
    scorer = kwargs.get("rank_group_scorer") or "max"
    if scorer not in GROUP_SCORERS:
        raise invalid_parameter(f"input group scorer type: {scorer} is not supported!")
    return scorer


def grouped(hits: list[tuple[Any, float]], group_of: dict[Any, Any], size: int, scorer: str, offset: int,
            limit: int) -> list[tuple[Any, float]]:
    """Fused hits (best first) regrouped as Milvus 2.6's rerank does (newGroupingIDScores): the
    best ``size`` of each group value; groups ordered by their score (ties: the larger group,
    then the smaller first key); the hits of groups ``offset`` to ``offset + limit``."""
    groups: dict[Any, list[tuple[Any, float]]] = {}
    for pk, score in hits:
        members = groups.setdefault(group_of.get(pk), [])
        if len(members) < size:
            members.append((pk, score))

    def rank(members: list[tuple[Any, float]]) -> tuple:
        scores = [score for _, score in members]
        value = {"max": max(scores), "sum": sum(scores), "avg": sum(scores) / len(scores)}[scorer]
        return -value, -len(members), pk_order(members[0][0])

    ordered = sorted(groups.values(), key=rank)[offset:offset + limit]
    return [hit for members in ordered for hit in members]


def _decayed(conn: psycopg.Connection, info: CollectionInfo, ranker: "function_rank.DecayRanker",
             per_request: list, metrics: list[str], nq: int) -> list:
    """Decay in hybrid_search: per entity, the best normalized score over the requests that
    found it (Milvus's maxMerge), times the decay of its field value."""
    plan = outputs.output_plan(info.schema, [ranker.field], default_all=False, include_pk=False)
    pks = {pk for r in per_request for hits in r for pk, _ in hits}
    values = {pk: e.get(ranker.field) for pk, e in entities_by_pk(conn, info, plan, pks).items()}
    out = []
    for q in range(nq):
        best: dict[Any, float] = {}
        for r, metric in zip(per_request, metrics):
            for pk, distance in r[q]:
                score = function_rank.normalized(metric, distance)
                best[pk] = max(best.get(pk, score), score)
        out.append(function_rank.rank(ranker, list(best.items()), values))
    return out


def entities_by_pk(conn: psycopg.Connection, info: CollectionInfo, plan: outputs.OutputPlan,
              pks: set[Any]) -> dict[Any, dict[str, Any]]:
    """Output fields of the fused hits, read once for all query vectors."""
    if not pks or plan.width == 0:
        return {}
    from psycopg import sql

    table = sql.Identifier(info.schema_name, info.table_name)
    statement = search_sql.fetch_by_pk(table, info.schema.primary_field.name, plan.select_items("t"),
                                       revision_guard(info))
    wire_adapters(conn)
    rows = conn.execute(statement, {"ids": list(pks)}, binary=True).fetchall()
    return {row[0]: plan.decode(row[1:]) for row in rows}
