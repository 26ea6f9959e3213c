"""A SearchRequest's ``function_chains`` (schema.proto's FunctionChain messages) as the core's chains
(search/chains/spec.py): the values as sent, an unset one as None, for the core to judge."""

from __future__ import annotations

from typing import Any, Optional, Union

from ...search.chains.spec import Chain, Column, Expr, Literal, Op


def chains(messages: Any) -> Optional[list[Chain]]:
    """The chains of a request (None when it has none)."""
    if not messages:
        return None
    return [Chain(m.name, int(m.stage), tuple(_op(op) for op in m.ops)) for m in messages]


def _op(message: Any) -> Op:
    expr = None
    if message.HasField("expr"):
        expr = Expr(message.expr.name, tuple(_arg(a) for a in message.expr.args), _params(message.expr.params))
    return Op(message.op, expr, tuple(message.inputs), tuple(message.outputs), _params(message.params))


def _arg(message: Any) -> Union[Column, Literal, None]:
    kind = message.WhichOneof("arg")
    if kind == "column":
        return Column(message.column.name)
    if kind == "literal":
        return Literal(value(message.literal))
    return None


def _params(params: Any) -> dict[str, Any]:
    return {key: value(item) for key, item in params.items()}


def value(message: Any) -> Any:
    """A FunctionParamValue as the Python value of its kind (None: unset)."""
    kind = message.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [value(v) for v in message.array_value.values]
    if kind == "object_value":
        return _params(message.object_value.fields)
    return getattr(message, kind)
