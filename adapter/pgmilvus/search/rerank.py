"""AnnSearchRequest, RRFRanker and WeightedRanker with pymilvus's constructors, and their fusion.

The fusion follows Milvus's proxy (``rerank`` package), section 9.6 of the API notes:

* RRF: ``score(d) = sum_i 1 / (k + rank_i(d))``, rank 1-based inside request i;
  a document absent from a request contributes nothing.
* Weighted: ``score(d) = sum_i w_i * norm_i(distance_i(d))``; with ``norm_score``
  COSINE -> (1 + x) / 2, IP -> 0.5 + atan(x) / pi, BM25 -> 2 atan(x) / pi,
  L2 and other smaller-is-better metrics -> 1 - 2 atan(x) / pi.  Without
  ``norm_score`` the raw distance is used, smaller-is-better metrics still
  flipped with 1 - 2 atan(x) / pi so that larger always means better.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Sequence, Union

from ..errors import DataTypeNotMatchException, ErrorCode, MilvusException, ParamError, invalid_parameter

RANKER_TYPE_RRF = "rrf"
RANKER_TYPE_WEIGHTED = "weighted"


class BaseRanker:
    """Base of the rankers (pymilvus's ``BaseRanker``): ``dict()`` describes it."""

    def dict(self) -> Dict[str, Any]:
        return {}

    def __str__(self) -> str:
        return str(self.dict())

    def scores(self, per_request: Sequence[Sequence[tuple[Any, float]]], metrics: Sequence[str]) -> Dict[Any, float]:
        raise NotImplementedError


class RRFRanker(BaseRanker):
    """Reciprocal rank fusion with smoothing constant ``k`` (Milvus checks 0 < k < 16384)."""

    def __init__(self, k: int = 60) -> None:
        self._strategy = RANKER_TYPE_RRF
        self._k = k

    def dict(self) -> Dict[str, Any]:
        return {"strategy": self._strategy, "params": {"k": self._k}}

    def scores(self, per_request: Sequence[Sequence[tuple[Any, float]]], metrics: Sequence[str]) -> Dict[Any, float]:
        k = self._k
        if isinstance(k, bool) or not isinstance(k, (int, float)) or not 0 < k < 16384:
            raise invalid_parameter(f"The rank params k should be in range (0, 16384), but got {k}")
        out: Dict[Any, float] = {}
        for hits in per_request:
            for rank, (pk, _distance) in enumerate(hits, start=1):
                out[pk] = out.get(pk, 0.0) + 1.0 / (k + rank)
        return out


class WeightedRanker(BaseRanker):
    """Weighted sum of (normalised) distances, one weight per request."""

    def __init__(self, *nums: Union[int, float], norm_score: bool = True) -> None:
        self._strategy = RANKER_TYPE_WEIGHTED
        weights = []
        for num in nums:
            if isinstance(num, bool) or not isinstance(num, (int, float)):
                raise TypeError(f"Weight must be a number, got {type(num)}")
            weights.append(num)
        self._weights = weights
        self._norm_score = norm_score

    def dict(self) -> Dict[str, Any]:
        return {"strategy": self._strategy, "params": {"weights": self._weights, "norm_score": self._norm_score}}

    def scores(self, per_request: Sequence[Sequence[tuple[Any, float]]], metrics: Sequence[str]) -> Dict[Any, float]:
        if len(self._weights) != len(per_request):
            raise MilvusException(ErrorCode.INVALID_PARAMETER,
                                  "the length of weights param mismatch with ann search requests: invalid "
                                  f"parameter[expected={len(per_request)}][actual={len(self._weights)}]")
        for w in self._weights:
            if not 0 <= w <= 1:
                raise invalid_parameter(f"rank param weight should be in range [0, 1], got {w}")
        out: Dict[Any, float] = {}
        for weight, hits, metric in zip(self._weights, per_request, metrics):
            for pk, distance in hits:
                out[pk] = out.get(pk, 0.0) + weight * normalize(metric, distance, self._norm_score)
        return out


def normalize(metric: str, x: float, norm_score: bool = True) -> float:
    """Milvus's score normalisation per metric (larger is better afterwards)."""
    metric = metric.upper()
    if metric == "COSINE":
        return (1.0 + x) / 2.0 if norm_score else x
    if metric in ("IP", "MAX_SIM", "MAX_SIM_IP", "MAX_SIM_COSINE"):  # positive MAX_SIM: operator_merge.go
        return 0.5 + math.atan(x) / math.pi if norm_score else x
    if metric == "BM25":
        return 2.0 * math.atan(x) / math.pi if norm_score else x
    return 1.0 - 2.0 * math.atan(x) / math.pi


class AnnSearchRequest:
    """One ANN search of a hybrid_search (pymilvus's constructor and properties)."""

    def __init__(self, data: Any, anns_field: str, param: Dict, limit: int, expr: Optional[str] = None,
                 expr_params: Optional[dict] = None, filter: Optional[str] = None) -> None:
        self._data = data
        self._anns_field = anns_field
        self._param = param
        self._limit = limit
        if expr is not None and filter is not None:
            raise ParamError(message="Provide either 'expr' or 'filter', not both.")
        resolved = filter if filter is not None else expr
        if resolved is not None and not isinstance(resolved, str):
            raise DataTypeNotMatchException(
                message=f"The type of expr must be string ,but {type(resolved)} is given.")
        self._expr = resolved
        self._expr_params = expr_params

    @property
    def data(self) -> Any:
        return self._data

    @property
    def anns_field(self) -> str:
        return self._anns_field

    @property
    def param(self) -> Dict:
        return self._param

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def expr(self) -> Optional[str]:
        return self._expr

    @property
    def filter(self) -> Optional[str]:
        return self._expr

    @property
    def expr_params(self) -> Optional[dict]:
        return self._expr_params

    def __str__(self) -> str:
        return str({"anns_field": self.anns_field, "param": self.param, "limit": self.limit, "expr": self.expr})


def fuse(ranker: BaseRanker, per_request: List[List[tuple[Any, float]]], metrics: Sequence[str]
         ) -> List[tuple[Any, float]]:
    """(pk, fused score) best first; ties broken by the primary key for a stable order."""
    scores = ranker.scores(per_request, metrics)
    return sorted(scores.items(), key=lambda item: (-item[1], pk_order(item[0])))


def pk_order(pk: Any) -> tuple:
    """Sort key of a primary key (ints and strings never compared with each other); a (pk,
    element position) pair, the key of a same-struct element fusion (struct_hybrid.py), by both."""
    if isinstance(pk, tuple):
        return (2, pk_order(pk[0]), pk[1])
    return (0, pk, "") if isinstance(pk, int) else (1, 0, str(pk))
