"""``functionChains`` and ``functionScore`` on ``entities/search`` (and ``functionScore`` on hybrid /
advanced search), as Milvus master's REST handler reads them (handler_v2.go, utils.go).

Chains: ``genFunctionChains`` turns the JSON (request_v2.go's FunctionChainReq: ``name``, ``stage``
by its enum name, ``ops`` of ``op`` / ``expr`` / ``inputs`` / ``outputs`` / ``params``; an ``expr``
of ``name`` / ``args`` / ``params``; an arg of exactly one of ``column`` / ``literal``) into
FunctionChain messages, refusing an unknown or unspecified stage, an empty op, expr, column or
param name, a null value and an arg with both or neither, each wrapped once per level
(``functionChains[0]: ops[0]: expr: args[1]: exactly one of column or literal is required: invalid
parameter: ...``, code 1100).  Here the JSON becomes the core's Chain values (search/chains/spec.py)
directly, the values typed as the messages type them (a whole JSON number an int64, else a double),
rather than through FunctionChain messages and convert/chains.py: pymilvus 2.6's stubs, which the
server may run on, have no such message.  Every other rule (stages, system columns, functions,
their parameters, a chain beside a ``functionScore``) is the core's, with Milvus's texts.

Scores: ``genFunctionScore``: each function as genFunctionSchema builds it (collection_create.py)
and the top-level params as ``%v`` strings, then the gRPC face's conversion (rpc_data.py).
"""

from __future__ import annotations

import json
from typing import Any, Optional

from pymilvus.grpc_gen import common_pb2, schema_pb2

from ...errors import invalid_parameter
from ...search.chains.spec import Chain, Column, Expr, Literal, Op
from ..rpc_data import function_score
from .binding import Body, Field
from .collection_create import function_schema
from .databases import go_value

#: request_v2.go's FunctionChainReq, FunctionChainOpReq, FunctionChainExprReq, FunctionChainExprArgReq;
#: Go's type errors name the innermost struct and the path of keys to the field.
_CHAIN = Body("FunctionChainReq.functionChains", (
    Field("name", "Name"), Field("stage", "Stage"), Field("ops", "Ops", "[]httpserver.FunctionChainOpReq")))
_OP = Body("FunctionChainOpReq.functionChains.ops", (
    Field("op", "Op"), Field("expr", "Expr", "*httpserver.FunctionChainExprReq"),
    Field("inputs", "Inputs", "[]string"), Field("outputs", "Outputs", "[]string"),
    Field("params", "Params", "map[string]interface {}")))
_EXPR = Body("FunctionChainExprReq.functionChains.ops.expr", (
    Field("name", "Name"), Field("args", "Args", "[]httpserver.FunctionChainExprArgReq"),
    Field("params", "Params", "map[string]interface {}")))
_ARG = Body("FunctionChainExprArgReq.functionChains.ops.expr.args", (
    Field("column", "Column", "*string"), Field("literal", "Literal", "interface {}")))
_SCORE = Body("FunctionScore.functionScore", (
    Field("functions", "Functions", "[]httpserver.FunctionSchema"),
    Field("params", "Params", "map[string]interface {}")))

#: schemapb.FunctionChainStage_value; Unspecified is refused as ProtoStageToReprStage refuses it
_STAGES = {"FunctionChainStageIngestion": 1, "FunctionChainStagePreProcess": 2, "FunctionChainStageL0Rerank": 3,
           "FunctionChainStageL1Rerank": 4, "FunctionChainStageL2Rerank": 5, "FunctionChainStagePostProcess": 6}


class _Refused(Exception):
    """One level's WrapErrParameterInvalidMsg text (``...: invalid parameter``), wrapped by the next."""

    def __init__(self, message: str, inner: Optional["_Refused"] = None) -> None:
        super().__init__(f"{message}: {inner}: invalid parameter" if inner else f"{message}: invalid parameter")


def read(given: list[Any]) -> list[Chain]:
    """genFunctionChains: the body's ``functionChains`` (bound as a list of objects) as Chain values."""
    out = []
    for i, item in enumerate(given):
        try:
            out.append(_chain(_CHAIN.bind_object(item)))
        except _Refused as exc:
            raise invalid_parameter(f"functionChains[{i}]: {exc}") from None
    return out


def _chain(req: dict[str, Any]) -> Chain:
    name = req["stage"].strip()
    if name not in _STAGES:
        raise _Refused(f"unsupported function chain stage: {name}")
    ops = []
    for i, op in enumerate(req["ops"] or []):
        try:
            ops.append(_op(_OP.bind_object(op)))
        except _Refused as exc:
            raise _Refused(f"ops[{i}]", exc) from None
    return Chain(req["name"].strip(), _STAGES[name], tuple(ops))


def _op(req: dict[str, Any]) -> Op:
    name = req["op"].strip()
    if not name:
        raise _Refused("op name is empty")
    params = _wrapped("params", _params, req["params"])
    expr = None if req["expr"] is None else _wrapped("expr", _expr, _EXPR.bind_object(req["expr"]))
    return Op(name, expr, tuple(s.strip() for s in req["inputs"] or []),
              tuple(s.strip() for s in req["outputs"] or []), params)


def _expr(req: dict[str, Any]) -> Expr:
    name = req["name"].strip()
    if not name:
        raise _Refused("expr name is empty")
    args = tuple(_wrapped(f"args[{i}]", _arg, _ARG.bind_object(a)) for i, a in enumerate(req["args"] or []))
    return Expr(name, args, _wrapped("params", _params, req["params"]))


def _arg(req: dict[str, Any]) -> Any:
    column, literal = req["column"], req["literal"]
    if (column is None) == (literal is None):
        raise _Refused("exactly one of column or literal is required")
    if column is not None:
        if not column.strip():
            raise _Refused("column name is empty")
        return Column(column.strip())
    return Literal(_wrapped("literal", _value, literal))


def _wrapped(prefix: str, convert: Any, value: Any) -> Any:
    try:
        return convert(value)
    except _Refused as exc:
        raise _Refused(prefix, exc) from None


def _params(params: Optional[dict[str, Any]]) -> dict[str, Any]:
    """genFunctionParamMap: names trimmed (an empty one refused), each value converted."""
    return _named(params or {}, "param name is empty", "param")


def _named(items: dict[str, Any], empty: str, label: str) -> dict[str, Any]:
    """A map of names to values (params, an object value's fields): names trimmed, an empty one
    refused with ``empty``, each value converted under ``label "name"``."""
    out = {}
    for key, item in items.items():
        if not key.strip():
            raise _Refused(empty)
        out[key.strip()] = _wrapped(f"{label} {json.dumps(key)}", _value, item)
    return out


def _value(value: Any) -> Any:
    """genFunctionParamValue: a JSON value as the FunctionParamValue's (a JSON number is a Go float64:
    a whole one within int64 is an int64 value, any other a double)."""
    if value is None:
        raise _Refused("function param value is nil")
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        number = float(value)
        return int(number) if number.is_integer() and -2.0**63 <= number < 2.0**63 else number
    if isinstance(value, list):
        return [_wrapped(f"array[{i}]", _value, item) for i, item in enumerate(value)]
    return _named(value, "object field name is empty", "object field")


def score(given: Optional[dict[str, Any]]) -> Any:
    """genFunctionScore of the body's ``functionScore`` as the gRPC face reads the message (None
    when it has no functions, as the handler then sends none)."""
    req = _SCORE.bind_object(given)
    if not req["functions"]:
        return None
    proto = schema_pb2.FunctionScore(
        functions=[function_schema(f) for f in req["functions"]],
        params=[common_pb2.KeyValuePair(key=k, value=go_value(v)) for k, v in (req["params"] or {}).items()])
    return function_score(proto)
