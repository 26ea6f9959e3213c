"""Struct array sub-searches of hybrid_search (Milvus master's struct_hybrid_search.go).

* An embedding-list sub-search gives rows, fused like any other sub-search (its MAX_SIM_* metric
  normalised as rerank.normalize says).
* An element-level sub-search gives elements.  When every sub-search is element-level on the
  same struct, elements are fused as they are: the fusion key is (pk, position), final hits
  keep ``offset`` and a pk may repeat.  Otherwise each one's elements are collapsed to rows first
  (``element_scope: {"collapse": {"strategy": ..., "topk": k}}`` in its params: the row's best
  element by default; sum / avg / topk_sum / topk_avg of its elements' scores).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Optional, Sequence

import psycopg

from ..catalog.store import CollectionInfo
from ..errors import ErrorCode, MilvusException
from ..schema.model import FieldSchema
from . import structs
from .params import SearchRequest

STRATEGIES = ("max", "sum", "avg", "topk_sum", "topk_avg")


def _refusal(message: str, field: FieldSchema) -> MilvusException:
    return structs.wrapped(f"{message}, fieldName:{field.name}")


def same_struct(info: CollectionInfo, requests: Sequence[SearchRequest]) -> Optional[str]:
    """The struct every sub-search searches element by element, or None (Milvus's
    inferElementLevelHybrid)."""
    names = set()
    for request in requests:
        field = structs.sub_field(info, request.anns_field)
        if field is None or structs.is_emb_list_data(request):
            return None
        names.add(field.struct_name)
    return names.pop() if len(names) == 1 else None


def element_scope(request: SearchRequest, element_level: bool, fused_whole: bool) -> tuple[SearchRequest, str, int]:
    """The sub-request without ``element_scope``, and its (strategy, topk), checked as Milvus does."""
    scope = request.params.get("element_scope")
    if scope is None:
        return request, "max", 0
    if not element_level:
        raise structs.wrapped("element_scope is only supported for element-level search on struct array vector "
                              "sub-fields")
    if fused_whole:
        raise MilvusException(ErrorCode.INVALID_PARAMETER, "element_scope is not allowed for same-struct "
                                                           "element-level hybrid search: invalid parameter")
    params = {k: v for k, v in request.params.items() if k != "element_scope"}
    if not isinstance(scope, dict) or "collapse" not in scope:
        raise structs.wrapped("element_scope.collapse is required")
    for key in scope:
        if key != "collapse":
            raise structs.wrapped(f"unsupported element_scope key: {key}")
    collapse = scope["collapse"] if isinstance(scope["collapse"], dict) else {}
    for key in collapse:
        if key not in ("strategy", "topk"):
            raise structs.wrapped(f"unsupported element_scope.collapse key: {key}")
    strategy = collapse.get("strategy")
    if not strategy:
        raise structs.wrapped("element_scope.collapse.strategy is required")
    if strategy not in STRATEGIES:
        raise structs.wrapped(f"unsupported element_scope.collapse.strategy: {strategy}")
    topk = collapse.get("topk")
    if strategy.startswith("topk_"):
        if topk is None:
            raise structs.wrapped(f"element_scope.collapse.topk is required for strategy {strategy}")
        if not isinstance(topk, int) or isinstance(topk, bool) or topk <= 0:
            raise structs.wrapped("element_scope.collapse.topk must be positive")
    elif topk is not None:
        raise structs.wrapped("element_scope.collapse.topk is only valid for topk strategies")
    return replace(request, params=params), strategy, int(topk or 0)


def sub_search(conn: psycopg.Connection, info: CollectionInfo, request: SearchRequest, field: FieldSchema,
               grouping: bool, fused_whole: bool) -> tuple[list[list[tuple[Any, float]]], str]:
    """One struct sub-search's hits per query as ``(key, distance)`` best first, and its metric."""
    emb = structs.is_emb_list_data(request)
    kind = "embedding-list" if emb else "element-level"
    if request.params.get("iterator") or request.params.get("search_iter_v2"):
        raise _refusal(f"search iterator is not supported for vector array ({kind}) fields in hybrid search", field)
    if emb and request.params.get("radius") is not None:
        raise _refusal("range search is not supported for vector array (embedding-list) fields in hybrid search",
                       field)
    if grouping and emb:
        raise _refusal("group by search is not supported for vector array (embedding-list) fields in hybrid search",
                       field)
    if grouping and not fused_whole:
        raise _refusal("group by search is only supported for same-struct element-level vector array fields in "
                       "hybrid search", field)
    request, strategy, topk = element_scope(request, not emb, fused_whole)
    if grouping:  # same-struct element hybrid: its grouping is by pk, after fusion (hybrid.grouped)
        request = replace(request, group_by_field=None)
    p = structs.plan(info, request, field)
    if strategy.startswith(("sum", "avg", "topk")) and not p.larger_is_better:
        raise structs.wrapped(f"element_scope.collapse.strategy {strategy} is only supported for positively related "
                              f"metrics")
    out = []
    for found in structs.rows(conn, p, request):
        found = found[request.offset:request.window]
        values = structs.distances(p, [r[1] for r in found])
        if p.emb_list:
            out.append([(r[0], d) for r, d in zip(found, values)])
        elif fused_whole:
            out.append([((r[0], r[2]), d) for r, d in zip(found, values)])
        else:
            out.append(collapse([(r[0], d) for r, d in zip(found, values)], strategy, topk, p.larger_is_better))
    return out, p.metric_name


def collapse(hits: list[tuple[Any, float]], strategy: str, topk: int, larger: bool) -> list[tuple[Any, float]]:
    """Element hits (best first) as one hit per pk: its score by ``strategy``, rows best first
    (ties: the row seen first)."""
    by_pk: dict[Any, list[float]] = {}
    for pk, distance in hits:
        by_pk.setdefault(pk, []).append(distance)
    rows = []
    for order, (pk, scores) in enumerate(by_pk.items()):
        if strategy.startswith("topk_"):
            scores = scores[:topk]
        value = scores[0] if strategy == "max" else sum(scores)
        if strategy.endswith("avg"):
            value /= len(scores)
        rows.append((-value if larger else value, order, pk, value))
    rows.sort(key=lambda r: r[:2])
    return [(pk, value) for _, _, pk, value in rows]
