"""pymilvus 3's FunctionChain builder (``pymilvus/function_chain/chain.py``): same classes, same
checks and texts.  The search reads a chain through search/chains/spec.py, as it reads pymilvus's."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Mapping, Optional, Sequence, Union

from ..errors import ParamError


class FunctionChainStage(IntEnum):
    """Where a chain runs (schema.proto's FunctionChainStage); search takes L0_RERANK and L2_RERANK."""

    UNSPECIFIED = 0
    INGESTION = 1
    PRE_PROCESS = 2
    L0_RERANK = 3
    L1_RERANK = 4
    L2_RERANK = 5
    POST_PROCESS = 6


@dataclass(frozen=True)
class ColumnRef:
    """A column an expression reads: a field, ``$id``, ``$score``, or an earlier map's output."""

    name: str

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise ParamError(message=f"Column name must be a string, got {type(self.name).__name__}")
        if not self.name:
            raise ParamError(message="Column name must not be empty")


def col(name: str) -> ColumnRef:
    return ColumnRef(name)


@dataclass(frozen=True)
class FunctionChainExpr:
    """A function call: its name, its arguments (ColumnRefs), its parameters."""

    name: str
    args: tuple = ()
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ParamError(message="Function chain expression name must be a non-empty string")
        if not isinstance(self.params, Mapping):
            raise ParamError(message="Function chain expression params must be a mapping")


@dataclass(frozen=True)
class FunctionChainOp:
    """One operation: ``map`` (with an expression), ``sort``, ``limit``..."""

    op: str
    expr: Optional[FunctionChainExpr] = None
    inputs: tuple = ()
    outputs: tuple = ()
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.op, str) or not self.op:
            raise ParamError(message="Function chain op name must be a non-empty string")
        if self.expr is not None and not isinstance(self.expr, FunctionChainExpr):
            raise ParamError(message="Function chain op expr must be a FunctionChainExpr")
        if not isinstance(self.params, Mapping):
            raise ParamError(message="Function chain op params must be a mapping")


def _column_name(value: Union[str, ColumnRef], param_name: str) -> str:
    if isinstance(value, ColumnRef):
        return value.name
    if isinstance(value, str) and value:
        return value
    raise ParamError(message=f"{param_name} must be a non-empty string or ColumnRef")


class FunctionChain:
    """A chain of operations for one stage, built fluently: ``.map(...)``, ``.sort(...)``, ``.limit(...)``."""

    def __init__(self, stage: FunctionChainStage, name: str = "") -> None:
        try:
            self._stage = FunctionChainStage(stage)
        except ValueError as err:
            raise ParamError(message=f"Unknown function chain stage: {stage}") from err
        if not isinstance(name, str):
            raise ParamError(message="Function chain name must be a string")
        self._name = name
        self._ops: list[FunctionChainOp] = []

    @property
    def name(self) -> str:
        return self._name

    @property
    def stage(self) -> FunctionChainStage:
        return self._stage

    @property
    def ops(self) -> Sequence[FunctionChainOp]:
        return tuple(self._ops)

    def map(self, output: str, expr: FunctionChainExpr) -> "FunctionChain":
        if not isinstance(output, str) or not output:
            raise ParamError(message="Function chain map output must be a non-empty string")
        if not isinstance(expr, FunctionChainExpr):
            raise ParamError(message="Function chain map expr must be a FunctionChainExpr")
        self._ops.append(FunctionChainOp(op="map", expr=expr, outputs=(output,)))
        return self

    def sort(self, by: Union[str, ColumnRef], desc: bool = True,
             tie_break_col: Optional[Union[str, ColumnRef]] = None) -> "FunctionChain":
        column = _column_name(by, "sort by")
        if not isinstance(desc, bool):
            raise ParamError(message="Function chain sort desc must be a boolean")
        params: dict[str, Any] = {"column": column, "desc": desc}
        inputs = [column]
        if tie_break_col is not None:
            tie = _column_name(tie_break_col, "tie_break_col")
            params["tie_break_col"] = tie
            inputs.append(tie)
        self._ops.append(FunctionChainOp(op="sort", inputs=tuple(inputs), params=params))
        return self

    def limit(self, limit: int, offset: int = 0) -> "FunctionChain":
        if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
            raise ParamError(message="Function chain limit must be a positive integer")
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise ParamError(message="Function chain offset must be a non-negative integer")
        self._ops.append(FunctionChainOp(op="limit", params={"limit": limit, "offset": offset}))
        return self

    def __repr__(self) -> str:
        return f"FunctionChain(stage={self._stage.name}, name={self._name!r}, ops={list(self._ops)!r})"
