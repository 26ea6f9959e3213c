"""``ranker=Function(...)`` / ``FunctionScore`` rerank functions: decay rankers, computed over the
hits, beside any boost functions (boost.py); ``plan`` reads a ranker as Milvus's proxy does.

Milvus 2.6 (``internal/util/function/rerank/decay_function.go``, docs "Decay
Ranker Overview"):

* the vector search finds ``limit + offset`` candidates per query, as without
  a ranker;
* each candidate's score becomes ``normalized × decay(value)``: the distance is
  kept for COSINE / IP / BM25 and turned into ``1 - 2·atan(d)/π`` for L2,
  JACCARD and HAMMING (smaller-is-better metrics); in hybrid_search the
  normalized score is the largest over the requests that found the entity;
* ``decay(v)`` with ``d = max(0, |v - origin| - offset)``:
  gauss ``exp(ln(decay) · d² / scale²)``, exp ``exp(ln(decay) · d / scale)``,
  linear ``max(decay, 1 - (1 - decay) · d / scale)``, computed in float64 and
  multiplied in float32 as Milvus does;
* candidates are sorted by the new score (ties: smaller primary key first;
  entities whose field is NULL last, with score 0), then offset / limit and
  round_decimal apply.

Parameters are checked like Milvus master does, with its messages and code
65535.  Model rerankers (``"reranker": "model"``) call a network service
(TEI, vLLM, Cohere...): refused with code 3000 naming the provider.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np

from ..catalog.store import CollectionInfo
from ..data.timestamps import DEFAULT_TIMEZONE
from ..errors import ErrorCode, MilvusException, ParamError
from . import boost
from .rerank import RRFRanker, WeightedRanker, pk_order
from ..schema.model import CollectionSchema
from ..types import GO_NAMES, DataType, FunctionType

DECAY_FUNCTIONS = ("gauss", "exp", "linear")
NUMERIC_TYPES = (DataType.INT8, DataType.INT16, DataType.INT32, DataType.INT64, DataType.FLOAT, DataType.DOUBLE)
#: Scalar types Milvus names in "must be numeric"; the others are "unsupported field type".  A
#: TIMESTAMPTZ input is refused as Milvus master refuses it (2.6 listed the type but never ran it).
_SCALAR_TYPES = (DataType.BOOL, DataType.VARCHAR, DataType.TEXT, DataType.TIMESTAMPTZ)
_LARGER_IS_BETTER = ("COSINE", "IP", "BM25", "MAX_SIM", "MAX_SIM_IP", "MAX_SIM_COSINE")


class FunctionScore:
    """pymilvus's FunctionScore: rerank functions (``functions``) and how to combine them (``params``)."""

    def __init__(self, functions: Any, params: Optional[dict] = None) -> None:
        self._functions = [functions] if _is_function(functions) else list(functions)
        self._params = params

    @property
    def functions(self) -> list:
        return self._functions

    @property
    def params(self) -> Optional[dict]:
        return self._params


@dataclass(frozen=True)
class DecayRanker:
    """A checked decay function over the numeric field ``field``."""

    field: str
    function: str
    origin: float
    scale: float
    offset: float
    decay: float

    def factor(self, value: Optional[float]) -> float:
        """The decay score of a field value (a NULL value gets 0; rank() puts it last)."""
        if value is None:
            return 0.0
        distance = max(0.0, abs(float(value) - self.origin) - self.offset)
        if self.function == "gauss":
            return math.exp(math.log(self.decay) * distance * distance / (self.scale * self.scale))
        if self.function == "exp":
            return math.exp(math.log(self.decay) / self.scale * distance)
        return max(self.decay, 1.0 - (1.0 - self.decay) / self.scale * distance)

    def score(self, normalized: float, value: Optional[float]) -> float:
        """Milvus's float32 product of the normalized similarity and the decay score."""
        return float(np.float32(self.factor(value)) * np.float32(normalized))


def normalized(metric: str, distance: float) -> float:
    """The similarity a decay ranker multiplies: larger is better for every metric."""
    if metric.upper() in _LARGER_IS_BETTER:
        return distance
    return float(np.float32(1.0 - 2.0 * math.atan(distance) / math.pi))


def is_ranker_function(value: Any) -> bool:
    """A Function or FunctionScore (pymilvus's or pgmilvus's)."""
    return _is_function(value) or hasattr(value, "functions")


def _is_function(value: Any) -> bool:
    """A pymilvus or pgmilvus Function (duck-typed: user code may hand either)."""
    return all(hasattr(value, a) for a in ("name", "type", "input_field_names", "params")) \
        and not hasattr(value, "functions")


def _sent(value: Any) -> str:
    """A parameter value as pymilvus sends it (what Milvus's messages show)."""
    return json.dumps(value) if isinstance(value, (dict, list)) else str(value)


def _server_error(message: str) -> MilvusException:
    return MilvusException(ErrorCode.SERVER_ERROR, message)


@dataclass(frozen=True)
class Rerank:
    """What a ``ranker=`` asks for: boost functions applied to the search's hits (boost.py), then
    one reranker (a DecayRanker, or in hybrid_search an RRFRanker / WeightedRanker); either may be
    None."""

    boosts: Optional[boost.Boosts]
    ranker: Any


def plan(ranker: Any, info: CollectionInfo, hybrid: bool = False, filter_params: Optional[dict] = None,
         timezone: str = DEFAULT_TIMEZONE) -> Rerank:
    """The rerank a ``ranker=`` argument (a Function or FunctionScore) asks for, checked in Milvus's
    order: the boost functions with the search plan (their filters use the search's
    ``filter_params`` and ``timezone``), then the proxy's reranker.  Milvus runs one reranker
    besides any number of boost functions."""
    if not is_ranker_function(ranker):
        raise ParamError(message="The search ranker must be a Function or FunctionScore.")
    functions = list(ranker.functions or []) if hasattr(ranker, "functions") else [ranker]
    sent = [{str(k): _sent(v) for k, v in (f.params or {}).items()} for f in functions]
    names = [_rerank_name(p) for p in sent]
    boosts = boost.parse([s for s, n in zip(sent, names) if boost.is_boost(n)],
                         {str(k): _sent(v) for k, v in (getattr(ranker, "params", None) or {}).items()},
                         info, filter_params, timezone)
    chosen = None
    for function, name in zip(functions, names):
        found = _reranker(function, name, info.schema, hybrid)
        if found is not None and chosen is not None:
            raise _server_error("currently only supports one rerank")
        chosen = found if found is not None else chosen
    return Rerank(boosts, chosen)


def _rerank_name(params: dict[str, str]) -> str:
    """Milvus's GetRerankName: the value of the first ``reranker`` key in any case, lower-cased."""
    return next((v.lower() for k, v in params.items() if k.lower() == "reranker"), "")


def _reranker(function: Any, name: str, schema: CollectionSchema, hybrid: bool) -> Any:
    """One function as Milvus's proxy reads it (``createFunction``): None for a boost function."""
    if FunctionType(int(function.type)) != FunctionType.RERANK:
        raise _server_error(f"{FunctionType(int(function.type)).name} is not rerank function.")
    outputs = list(getattr(function, "output_field_names", None) or [])
    if outputs:
        raise _server_error(f"rerank function should not have output field, but now is {len(outputs)}")
    params = {str(k).lower(): v for k, v in (function.params or {}).items()}
    if boost.is_boost(name):
        return None
    if name == "decay":
        return _decay(function, params, schema)
    if name == "model":
        provider = _sent(params.get("provider", "(none)"))
        raise MilvusException(ErrorCode.UNSUPPORTED,
                              f"model reranker (provider {provider}) is not supported by pgmilvus: it calls "
                              "a network service; rerank the hits in your application, or use a decay "
                              "ranker, RRFRanker or WeightedRanker")
    if name in ("rrf", "weighted") and hybrid:
        return _fusion(name, params)
    if name in ("rrf", "weighted"):
        raise MilvusException(ErrorCode.UNSUPPORTED,
                              f"{name} reranker in search() is not supported by pgmilvus: use a decay ranker, "
                              "or hybrid_search with RRFRanker / WeightedRanker")
    raise _server_error(f"unsupported reranker {name}" if name else "reranker name not specified")


def _fusion(name: str, params: dict[str, Any]) -> Any:
    """Function(reranker="rrf" | "weighted") in hybrid_search: the same fusion as the rankers."""
    if name == "rrf":
        return RRFRanker(params.get("k", 60))
    norm = params.get("norm_score", False)
    return WeightedRanker(*fusion_weights(params.get("weights")),
                          norm_score=norm if isinstance(norm, bool) else _sent(norm).lower() == "true")


def fusion_weights(weights: Any) -> list[float]:
    """A weighted fusion's ``weights`` param, a list of numbers, or Milvus's refusal (2.6's
    weighted_function.go reads the param as ``[]float32``) instead of a TypeError inside the ranker."""
    if weights is None or weights == []:
        raise _server_error("weights not found")
    if not isinstance(weights, (list, tuple)) or not all(
            isinstance(w, (int, float)) and not isinstance(w, bool) for w in weights):
        raise _server_error(f"parse weights param failed, weight should be []float, bug got: {_sent(weights)}")
    return list(weights)


def _decay(function: Any, params: dict[str, Any], schema: CollectionSchema) -> DecayRanker:
    inputs = list(function.input_field_names or [])
    if len(inputs) != 1:
        raise _server_error(f"decay reranker requires exactly 1 input field, got {len(inputs)}")
    field = schema.field(inputs[0])
    if field is None:
        raise _server_error(f"input field {inputs[0]} not found in collection schema")
    go_name = GO_NAMES.get(field.dtype, field.dtype.name)
    if field.dtype in _SCALAR_TYPES:
        raise _server_error(f"decay input field {field.name} must be numeric, got {go_name}")
    if field.dtype not in NUMERIC_TYPES:
        raise _server_error(f"unsupported field type: {go_name}")
    kind = _sent(params.get("function", ""))
    if kind not in DECAY_FUNCTIONS:
        raise _server_error(f'decay: invalid function "{kind}", must be one of [gauss, exp, linear]')
    origin = _number(params, "origin", None)
    scale = _number(params, "scale", None)
    offset = _number(params, "offset", 0.0)
    decay = _number(params, "decay", 0.5)
    if scale <= 0:
        raise _server_error(f"decay: scale must be > 0, got {_sent(params['scale'])}")
    if offset < 0:
        raise _server_error(f"decay: offset must be >= 0, got {_sent(params['offset'])}")
    if not 0 < decay < 1:
        raise _server_error(f"Decay function param: decay must 0 < decay < 1, but got {_sent(params['decay'])}")
    return DecayRanker(field.name, kind, origin, scale, offset, decay)


def _number(params: dict[str, Any], key: str, default: Optional[float]) -> float:
    """A finite number parameter (Milvus parses the text pymilvus sends; bools are not numbers)."""
    if key not in params:
        if default is None:
            raise _server_error(f"decay {key} not specified")
        return default
    value = params[key]
    try:
        number = float(value) if not isinstance(value, (bool, list, dict)) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, str) and ("_" in value or value != value.strip()):
        number = math.nan
    if not math.isfinite(number):
        raise _server_error(f"decay param {key}: {_sent(value)} is not a number")
    return number


def rank(ranker: DecayRanker, candidates: Sequence[tuple[Any, float]], values: dict[Any, Any]
         ) -> list[tuple[Any, float]]:
    """(pk, decayed score) best first from (pk, normalized score); ties by primary key.

    Entities whose field is NULL come last whatever their similarity (score 0), as in Milvus.
    """
    scored = [(pk, ranker.score(norm, values.get(pk))) for pk, norm in candidates]
    return sorted(scored, key=lambda item: (values.get(item[0]) is None, -item[1], pk_order(item[0])))
