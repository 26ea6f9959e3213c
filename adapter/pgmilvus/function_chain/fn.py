"""pymilvus 3's expression helpers (``pymilvus/function_chain/fn.py``), same checks and texts."""

from __future__ import annotations

from typing import Any, List, Optional, Union

from ..errors import ParamError
from .chain import ColumnRef, FunctionChainExpr

_NUM_COMBINE_MODES = {"multiply", "sum", "max", "min", "avg", "weighted"}
_DECAY_FUNCTIONS = {"gauss", "exp", "linear"}
_XGBOOST_OUTPUTS = {"default", "raw"}


def _check_column_ref(value: Any, param_name: str) -> None:
    if not isinstance(value, ColumnRef):
        raise ParamError(message=f"{param_name} must be created by col(...)")


def num_combine(*cols: ColumnRef, mode: str = "sum", weights: Optional[List[float]] = None) -> FunctionChainExpr:
    """Combine two or more numeric columns: sum, multiply, max, min, avg, or weighted (a weighted sum)."""
    if len(cols) < 2:
        raise ParamError(message="fn.num_combine requires at least two columns")
    for value in cols:
        _check_column_ref(value, "fn.num_combine argument")
    if not isinstance(mode, str) or mode not in _NUM_COMBINE_MODES:
        raise ParamError(message=f"Unsupported num_combine mode: {mode}, expected one of "
                                 f"{sorted(_NUM_COMBINE_MODES)}")
    params: dict[str, Any] = {"mode": mode}
    if weights is not None:
        if mode != "weighted":
            raise ParamError(message="num_combine weights can only be used with mode='weighted'")
        if not isinstance(weights, list) or len(weights) != len(cols):
            raise ParamError(message="num_combine weights must be a list matching the column count")
        for weight in weights:
            if isinstance(weight, bool) or not isinstance(weight, (int, float)):
                raise ParamError(message="num_combine weights must be numeric")
        params["weights"] = [float(weight) for weight in weights]
    elif mode == "weighted":
        raise ParamError(message="num_combine mode='weighted' requires weights")
    return FunctionChainExpr("num_combine", args=cols, params=params)


def decay(value: ColumnRef, *, function: str, origin: Union[int, float], scale: Union[int, float],
          offset: Union[int, float] = 0, decay: float = 0.5) -> FunctionChainExpr:
    """A numeric column's decay score (gauss, exp, linear) around ``origin``."""
    _check_column_ref(value, "fn.decay value")
    if not isinstance(function, str) or function not in _DECAY_FUNCTIONS:
        raise ParamError(message=f"Unsupported decay function: {function}, expected one of "
                                 f"{sorted(_DECAY_FUNCTIONS)}")
    for name, param in {"origin": origin, "scale": scale, "offset": offset, "decay": decay}.items():
        if isinstance(param, bool) or not isinstance(param, (int, float)):
            raise ParamError(message=f"decay {name} must be numeric")
    return FunctionChainExpr("decay", args=(value,), params={"function": function, "origin": origin, "scale": scale,
                                                              "offset": offset, "decay": decay})


def round_decimal(value: ColumnRef, *, decimal: int) -> FunctionChainExpr:
    """A float column rounded to ``decimal`` (0 to 6) places."""
    _check_column_ref(value, "fn.round_decimal value")
    if isinstance(decimal, bool) or not isinstance(decimal, int) or decimal < 0 or decimal > 6:
        raise ParamError(message="round_decimal decimal must be an integer in [0, 6]")
    return FunctionChainExpr("round_decimal", args=(value,), params={"decimal": decimal})


def xgboost(*features: ColumnRef, model_resource: str, output: str = "default") -> FunctionChainExpr:
    """An XGBoost model's score of the feature columns (pgmilvus runs no models: the search refuses it)."""
    if not features:
        raise ParamError(message="fn.xgboost requires at least one feature column")
    for value in features:
        _check_column_ref(value, "fn.xgboost feature")
    if not isinstance(model_resource, str) or not model_resource:
        raise ParamError(message="xgboost model_resource must be a non-empty string")
    if not isinstance(output, str) or output not in _XGBOOST_OUTPUTS:
        raise ParamError(message=f"Unsupported xgboost output: {output}, expected one of {sorted(_XGBOOST_OUTPUTS)}")
    return FunctionChainExpr("xgboost", args=features, params={"model_resource": model_resource, "output": output})


def rerank_model(value: ColumnRef, *, queries: List[str], **provider_params: Any) -> FunctionChainExpr:
    """A rerank model service's score of a text column (pgmilvus calls no services: the search refuses it)."""
    _check_column_ref(value, "fn.rerank_model value")
    if not isinstance(queries, list) or not queries or not all(isinstance(q, str) and q for q in queries):
        raise ParamError(message="rerank_model queries must be a non-empty list of strings")
    params: dict[str, Any] = {"queries": queries}
    params.update(provider_params)
    return FunctionChainExpr("rerank_model", args=(value,), params=params)
