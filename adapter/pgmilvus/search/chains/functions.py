"""The functions a chain's ``map`` evaluates (Milvus's ``chain/expr``): num_combine, decay,
round_decimal, with Milvus's parameter checks and float32 results; xgboost and rerank_model are
checked like Milvus checks them, then refused: pgmilvus runs no models (docs/search.md).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Optional, Sequence

from ...errors import ErrorCode
from .failures import ChainError, internal, invalid, missing, wrap
from .frame import NUMERIC, Col, f32
from .params import Reader
from .plan import FunctionRepr
from .spec import Literal
from ..function_rank import DecayRanker

ALL_STAGES = None  # a function every stage runs
_MODES = ("multiply", "sum", "max", "min", "avg", "weighted")


class Function:
    """A built function: its name, the stages it runs in, what it does to its input columns."""

    def __init__(self, name: str, run: Callable[[list[Col]], Col], stages: Optional[tuple[str, ...]] = ALL_STAGES
                 ) -> None:
        self.name, self.run, self.stages = name, run, stages

    def runs_in(self, stage: str) -> bool:
        return self.stages is None or stage in self.stages


def build(repr_: FunctionRepr) -> Function:
    """``FunctionFromReprWithContext``: the registered factory, then the argument check."""
    factory = _FACTORIES.get(repr_.name)
    if factory is None:
        raise invalid(f"unknown function: {repr_.name}")
    function = factory(repr_.params)
    if repr_.name == "xgboost" and not repr_.args:
        raise invalid("xgboost: expected at least one feature column")
    for i, arg in enumerate(repr_.args):
        if arg is None:
            raise invalid(f"{repr_.name}: expr arg[{i}] is nil")
        if isinstance(arg, Literal):
            raise invalid(f"{repr_.name}: literal expr arg[{i}] is not supported")
    return function


# -- num_combine -----------------------------------------------------------------------------------

def _num_combine(params: Any) -> Function:
    reader = Reader("num_combine", params)
    mode = reader.string("mode", False) or "multiply"
    weights = reader.floats("weights", False)
    if mode not in _MODES:
        raise invalid(f'num_combine: invalid mode "{mode}", must be one of [{", ".join(_MODES)}]')
    if mode == "weighted" and not weights:
        raise invalid("num_combine: weighted mode requires weights")

    def run(inputs: list[Col]) -> Col:
        if len(inputs) < 2:
            raise invalid(f"num_combine: expected at least 2 input columns, got {len(inputs)}")
        if mode == "weighted" and len(weights or []) != len(inputs):
            raise invalid(f"num_combine: weighted mode requires {len(inputs)} weights, got {len(weights or [])}")
        for i, col in enumerate(inputs):
            if col.kind not in NUMERIC:
                raise invalid(f"num_combine: column {i}: unsupported input column type {col.go_type}, "
                              "expected numeric type")
        chunks = []
        for rows in zip(*(col.chunks for col in inputs)):
            chunks.append([None if None in values else f32(_combine(mode, weights, values)) for values in zip(*rows)])
        return Col("float32", chunks)

    return Function("num_combine", run)


def _combine(mode: str, weights: Optional[list[float]], values: Sequence[float]) -> float:
    values = [float(v) for v in values]
    if mode == "multiply":
        return math.prod(values)
    if mode == "sum":
        return sum(values)
    if mode == "max":
        return max(values)
    if mode == "min":
        return min(values)
    if mode == "avg":
        return sum(values) / len(values)
    return sum(v * w for v, w in zip(values, weights or []))


# -- decay -----------------------------------------------------------------------------------------

def _decay(params: Any) -> Function:
    reader = Reader("decay", params)
    kind = reader.string("function", True)
    origin = reader.float64("origin", True)
    scale = reader.float64("scale", True)
    offset = reader.float64("offset", False, 0.0)
    decay = reader.float64("decay", False, 0.5)
    if scale <= 0:
        raise invalid(f"decay: scale must be > 0, got {scale:f}")
    if offset < 0:
        raise invalid(f"decay: offset must be >= 0, got {offset:f}")
    if decay <= 0 or decay >= 1:
        raise invalid(f"decay: decay must be 0 < decay < 1, got {decay:f}")
    if decay < 0.001 or decay > 0.999:
        raise invalid(f"decay: decay must be between 0.001000 and 0.999000 for numerical stability, got {decay:f}")
    if kind not in ("gauss", "exp", "linear"):
        raise invalid(f'decay: invalid function "{kind}", must be one of [gauss, exp, linear]')

    score = DecayRanker("", kind, origin, scale, offset, decay).factor  # the decay ranker's arithmetic

    def run(inputs: list[Col]) -> Col:
        if len(inputs) != 1:
            raise internal(f"decay: expected 1 input column, got {len(inputs)}")
        col = inputs[0]
        if col.kind not in NUMERIC and any(v is not None for chunk in col.chunks for v in chunk):
            raise wrap("decay", invalid(f"unsupported input column type {col.go_type}, expected numeric type"),
                       ErrorCode.SERVICE_INTERNAL)
        return Col("float32", [[None if v is None else f32(score(float(v))) for v in chunk] for chunk in col.chunks])

    return Function("decay", run)


# -- round_decimal ---------------------------------------------------------------------------------

def _round_decimal(params: Any) -> Function:
    decimal = Reader("round_decimal", params).int64("decimal", True)
    if decimal < 0 or decimal > 6:
        raise invalid(f"round_decimal: decimal must be in range [0, 6], got {decimal}")
    multiplier = 10.0 ** decimal

    def run(inputs: list[Col]) -> Col:
        if len(inputs) != 1:
            raise internal(f"round_decimal: expected 1 input column, got {len(inputs)}")
        col = inputs[0]
        if col.kind != "float32" and col.chunks:
            raise invalid(f"round_decimal: input chunk 0 must be Float32, got {col.go_type}")
        return Col("float32", [[None if v is None else f32(math.floor(v * multiplier + 0.5) / multiplier)
                                for v in chunk] for chunk in col.chunks])

    return Function("round_decimal", run)


# -- models: checked, then refused ------------------------------------------------------------------

def _xgboost(params: Any) -> Function:
    for key in params:
        if key in ("feature_names", "objective"):
            raise invalid(f'xgboost: parameter "{key}" is not supported')
        if key not in ("model_resource", "output"):
            raise invalid(f'xgboost: unknown parameter "{key}"')
    reader = Reader("xgboost", params)
    resource = reader.string("model_resource", True)
    output = reader.string("output", False) or "default"
    if not resource:
        raise invalid("xgboost: model_resource is required")
    if output not in ("default", "raw"):
        raise invalid(f'xgboost: output must be one of [default, raw], got "{output}"')

    def run(inputs: list[Col]) -> Col:
        raise ChainError(f'xgboost: file resource "{resource}" not found: invalid parameter; pgmilvus has no '
                         "file resources and does not run XGBoost models: score the hits in your application",
                         ErrorCode.INVALID_PARAMETER)

    return Function("xgboost", run, ("L0_rerank",))


def _rerank_model(params: Any) -> Function:
    if not Reader("rerank_model", params).strings("queries", False):
        raise missing("rerank_model: queries must not be empty")
    provider = params.get("provider", "(none)")
    raise ChainError(f"rerank_model (provider {provider}) is not supported by pgmilvus: it calls a network "
                     "service; rerank the hits in your application", ErrorCode.UNSUPPORTED)


_FACTORIES: dict[str, Callable[[Any], Function]] = {
    "num_combine": _num_combine, "decay": _decay, "round_decimal": _round_decimal, "xgboost": _xgboost,
    "rerank_model": _rerank_model,
}
