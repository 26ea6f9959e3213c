"""What Milvus checks of a search's function chains before running them, in its order.

* ``proxy`` (``task_search.go``, ``function_chain_validator.go``): the chains split by stage (one per
  stage; L2_RERANK runs on the proxy's merged hits, L0_RERANK on the query node's, others refused);
  the L2 chain read into its representation (``repr.go``), its ``$`` names checked (it reads ``$id``
  and ``$score``, writes ``$score``), the collection fields it reads found and of a type it can read.
* ``query_node`` (``l0_function_chain.go``): the L0 chains, which may only ``map``, write ``$score``
  and read ``$id`` / ``$score`` besides fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

from ...schema.model import CollectionSchema
from ...types import DataType, GO_NAMES
from .failures import ChainError, invalid, prefixed, wrap
from .spec import L0_RERANK, L1_RERANK, L2_RERANK, STAGE_NAMES, Chain, Column, Literal

#: Runtime stage names (``types/types.go``), as messages about a function's stage show them.
RUNTIME_STAGES = {1: "ingestion", 2: "pre_process", 3: "L0_rerank", 4: "L1_rerank", 5: "L2_rerank",
                  6: "post_process"}
ID, SCORE = "$id", "$score"
#: Field types a chain reads (``chain.ToArrowType``).
READABLE = frozenset({DataType.BOOL, DataType.INT8, DataType.INT16, DataType.INT32, DataType.INT64,
                      DataType.TIMESTAMPTZ, DataType.FLOAT, DataType.DOUBLE, DataType.STRING, DataType.VARCHAR,
                      DataType.TEXT})


@dataclass
class FunctionRepr:
    name: str
    params: Mapping[str, Any]
    args: tuple


@dataclass
class OpRepr:
    type: str
    params: Mapping[str, Any]
    function: Optional[FunctionRepr]
    inputs: list[str]
    outputs: list[str]


@dataclass
class ChainRepr:
    """A chain as Milvus's ``ChainRepr``: its ops, and the names read before any op wrote them."""

    name: str
    stage: str
    ops: list[OpRepr]
    required: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ProxyPlan:
    l2: Optional[ChainRepr]
    fields: tuple[str, ...]          # the collection fields the L2 chain reads
    query_node: tuple[Chain, ...]    # the L0 chains, checked by query_node


def is_system(name: str) -> bool:
    return name.startswith("$")


def to_repr(chain: Chain) -> ChainRepr:
    """``chain.ProtoChainToRepr``."""
    if chain.stage not in RUNTIME_STAGES:
        raise invalid(f"unsupported function chain stage: {STAGE_NAMES.get(chain.stage, chain.stage)}")
    ops = []
    for i, op in enumerate(chain.ops):
        try:
            ops.append(_op_repr(op))
        except ChainError as err:
            raise wrap(f"op[{i}]", err) from None
    repr_ = ChainRepr(chain.name, RUNTIME_STAGES[chain.stage], ops)
    produced: set[str] = set()
    for op in ops:
        for name in op.inputs:
            if name not in produced and name not in repr_.required:
                repr_.required.append(name)
        produced.update(op.outputs)
    return repr_


def _op_repr(op: Any) -> OpRepr:
    kind = op.op.strip()
    if not kind:
        raise invalid("op name is empty")
    repr_ = OpRepr(kind, op.params, None, _names(op.inputs, "input"), _names(op.outputs, "output"))
    if op.expr is not None:
        name = op.expr.name.strip()
        if not name:
            raise invalid("expr name is empty")
        repr_.function = FunctionRepr(name, op.expr.params, tuple(op.expr.args))
        repr_.inputs = _arg_inputs(op.expr.args)
    return repr_


def _names(names: Sequence[str], label: str) -> list[str]:
    out = []
    for name in names:
        if not name.strip():
            raise invalid(f"{label} name is empty")
        out.append(name.strip())
    return out


def _arg_inputs(args: Sequence[Any]) -> list[str]:
    """The columns an expression reads, first seen first."""
    out: list[str] = []
    for i, arg in enumerate(args):
        if isinstance(arg, Literal):
            if arg.value is None:
                raise wrap(f"expr arg[{i}]", invalid("literal: function param value is nil"))
            continue
        if not isinstance(arg, Column):
            raise wrap(f"expr arg[{i}]", invalid("function chain expr arg is unset"))
        name = arg.name.strip()
        if not name:
            raise wrap(f"expr arg[{i}]", invalid("column name is empty"))
        if name not in out:
            out.append(name)
    return out


def proxy(chains: Sequence[Chain], schema: CollectionSchema) -> ProxyPlan:
    """The proxy's checks (``splitFunctionChainsByStage``, ``newFunctionChainRerankMeta``)."""
    l2: list[Chain] = []
    l0: list[Chain] = []
    seen: set[int] = set()
    for i, chain in enumerate(chains):
        name = STAGE_NAMES.get(chain.stage, str(chain.stage))
        if chain.stage in seen:
            raise invalid(f"function chain stage {name} appears more than once")
        seen.add(chain.stage)
        if chain.stage == L2_RERANK:
            l2.append(chain)
        elif chain.stage == L0_RERANK:
            l0.append(chain)
        elif chain.stage == L1_RERANK:
            raise invalid(f"function chain[{i}] stage {name} is not supported yet")
        else:
            raise invalid(f"function chain[{i}] stage {name} is not supported in search request")
    if not l2:
        return ProxyPlan(None, (), tuple(l0))
    chain = l2[0]
    if not chain.ops:
        raise invalid("function chain[0] must contain at least one op")
    try:
        repr_ = to_repr(chain)
        _l2_system_names(repr_)
    except ChainError as err:
        raise wrap("function chain[0]", err) from None
    fields = []
    for name in repr_.required:
        if is_system(name):
            continue  # checked above
        _field(schema, name)
        fields.append(name)
    return ProxyPlan(repr_, tuple(fields), tuple(l0))


def _l2_system_names(repr_: ChainRepr) -> None:
    for i, op in enumerate(repr_.ops):
        for name in op.inputs:
            if is_system(name) and name not in (ID, SCORE):
                raise wrap(f'op[{i}] input "{name}"',
                           invalid(f'system input "{name}" is not supported by L2 rerank function chain'))
        for name in op.outputs:
            if is_system(name) and name != SCORE:
                raise wrap(f'op[{i}] output "{name}"',
                           invalid(f'system output "{name}" is not writable by L2 rerank function chain'))


def _field(schema: CollectionSchema, name: str) -> None:
    found = schema.field(name)
    if found is None:
        raise invalid(f'function chain input "{name}" is neither a previous output nor a collection field')
    if found.dtype not in READABLE:
        raise invalid(f'function chain input "{name}" has unsupported field type '
                      f'{GO_NAMES.get(found.dtype, found.dtype.name)}')


def query_node(chains: Sequence[Chain], schema: CollectionSchema) -> tuple[list[ChainRepr], tuple[str, ...]]:
    """The query node's checks of the L0 chains (``prepareQueryNodeFunctionChainsFromPlan``): their
    representations and the fields they read."""
    reprs: list[ChainRepr] = []
    fields: list[str] = []
    for i, chain in enumerate(chains):
        if not chain.ops:
            raise invalid(f"querynode function chain[{i}] must contain at least one op")
        try:
            repr_ = to_repr(chain)
            _l0_ops(repr_)
            for name in repr_.required:
                if is_system(name):
                    if name not in (ID, SCORE):
                        raise invalid(f'system input "{name}" is not readable by L0 rerank function chain')
                elif name not in fields:
                    _field(schema, name)
                    fields.append(name)
        except ChainError as err:
            raise prefixed(f"querynode function chain[{i}]", err) from None
        reprs.append(repr_)
    return reprs, tuple(fields)


def _l0_ops(repr_: ChainRepr) -> None:
    for i, op in enumerate(repr_.ops):
        if op.type != "map":
            raise invalid(f'op[{i}] type "{op.type}" is not supported by L0 rerank function chain')
    for i, op in enumerate(repr_.ops):
        for name in op.outputs:
            if is_system(name) and name != SCORE:
                raise invalid(f'op[{i}] system output "{name}" is not writable by L0 rerank function chain')
