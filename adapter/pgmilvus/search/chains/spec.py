"""The one representation of a search's function chains, whichever face sent them.

In process, ``search(function_chains=...)`` takes pgmilvus's or pymilvus's ``FunctionChain`` (or a
list of them); ``pgmilvus serve`` translates the SearchRequest's ``function_chains`` messages into
``Chain`` values (server/convert/chains.py).  ``chains`` reads either into ``Chain`` values, with
pymilvus's client-side checks (``Prepare.function_chains_schema``) and the parameter values
pymilvus's ``to_proto`` would send.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Union

import numpy as np

from ...errors import ParamError, client_side, invalid_parameter

#: FunctionChainStage (schema.proto): the number and the name Milvus's messages show.
STAGE_NAMES = {0: "FunctionChainStageUnspecified", 1: "FunctionChainStageIngestion",
               2: "FunctionChainStagePreProcess", 3: "FunctionChainStageL0Rerank", 4: "FunctionChainStageL1Rerank",
               5: "FunctionChainStageL2Rerank", 6: "FunctionChainStagePostProcess"}
UNSPECIFIED, L0_RERANK, L1_RERANK, L2_RERANK = 0, 3, 4, 5


@dataclass(frozen=True)
class Column:
    """An expression argument naming a column (a field, ``$id`` / ``$score``, or an earlier output)."""

    name: str


@dataclass(frozen=True)
class Literal:
    """An expression argument given as a value (Milvus's functions refuse them); None: left unset."""

    value: Any


@dataclass(frozen=True)
class Expr:
    name: str
    args: tuple[Union[Column, Literal, None], ...] = ()  # None: an argument with neither set (wire only)
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Op:
    op: str
    expr: Optional[Expr] = None
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Chain:
    name: str
    stage: int
    ops: tuple[Op, ...] = ()


def chains(value: Any, ranker: Any = None) -> tuple[Chain, ...]:
    """``function_chains`` as Chain values (empty: none), checked as pymilvus checks them."""
    if value is None or isinstance(value, list) and not value:
        return ()
    if ranker is not None:
        raise client_side(ParamError(message="function_chains and ranker cannot be used together"),
                          invalid_parameter("function_score and function_chains cannot be used together"))
    items = value if isinstance(value, list) else [value]
    if not all(_is_chain(item) for item in items):
        raise ParamError(message="function_chains must be a FunctionChain or a list of FunctionChain")
    out = tuple(item if isinstance(item, Chain) else _chain(item) for item in items)
    for i, chain in enumerate(out):
        if chain.stage == UNSPECIFIED:
            raise client_side(ParamError(message="UNSPECIFIED function chain stage is not supported for search"),
                              invalid_parameter(f"function chain[{i}] stage {STAGE_NAMES[UNSPECIFIED]} is not "
                                                "supported in search request"))
    return out


def _is_chain(value: Any) -> bool:
    return isinstance(value, Chain) or all(hasattr(value, a) for a in ("stage", "name", "ops"))


def _chain(value: Any) -> Chain:
    return Chain(str(value.name), int(value.stage), tuple(_op(op) for op in value.ops))


def _op(value: Any) -> Op:
    expr = None
    if value.expr is not None:
        expr = Expr(value.expr.name, tuple(_arg(a) for a in value.expr.args), _params(value.expr.params))
    return Op(value.op, expr, tuple(value.inputs), tuple(value.outputs), _params(value.params))


def _arg(value: Any) -> Union[Column, Literal]:
    if isinstance(value, (Column, Literal)):
        return value
    if hasattr(value, "name") and not isinstance(value, (str, bytes, Mapping, list, tuple)):
        return Column(value.name)  # a ColumnRef (col(...))
    return Literal(param_value(value))


def _params(params: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in params.items():
        if not isinstance(key, str) or not key:
            raise ParamError(message="Function chain parameter names must be non-empty strings")
        out[key] = param_value(value)
    return out


def param_value(value: Any) -> Any:
    """A parameter as pymilvus's ``_to_param_value`` sends it: bool, int, float, str, bytes, list, dict."""
    if value is None:
        raise ParamError(message="Function chain parameters do not support None")
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, (list, tuple)):
        return [param_value(item) for item in value]
    if isinstance(value, Mapping):
        return _params(value)
    raise ParamError(message=f"Unsupported function chain parameter type: {type(value).__name__}")
