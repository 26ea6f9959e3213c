"""A chain's operators (Milvus's ``operator_*.go``): map, sort, limit, select; filter is built and
refused as Milvus refuses it (no function returns a boolean); group_by is not supported by pgmilvus.

Each operator works chunk by chunk (query by query), as Milvus's do.
"""

from __future__ import annotations

import functools
from typing import Any, Optional

from ...errors import ErrorCode
from . import functions
from .failures import ChainError, internal, invalid, missing, wrap
from .frame import COMPARABLE, Col, Frame, pick, sizes
from .params import Reader
from .plan import ID, OpRepr, is_system


class Operator:
    name = ""
    function: Optional[functions.Function] = None

    def execute(self, frame: Frame) -> Frame:
        raise NotImplementedError


def _read(frame: Frame, scope: str, names: list[str]) -> list[Col]:
    for name in names:
        if name not in frame:
            raise internal(f'{scope}: column "{name}" not found')
    return [frame[name] for name in names]


class Map(Operator):
    name = "Map"

    def __init__(self, function: functions.Function, inputs: list[str], outputs: list[str]) -> None:
        self.function, self.inputs, self.outputs = function, inputs, outputs

    def execute(self, frame: Frame) -> Frame:
        col = self.function.run(_read(frame, "map_op", self.inputs))
        out = {name: c for name, c in frame.items() if name not in self.outputs}
        out[self.outputs[0]] = col
        return out


class Sort(Operator):
    name = "Sort"

    def __init__(self, column: str, desc: bool, tie_break: str) -> None:
        self.column, self.desc, self.tie_break = column, desc, tie_break

    def execute(self, frame: Frame) -> Frame:
        if self.column not in frame:
            raise internal(f'sort_op: column "{self.column}" not found')
        col = frame[self.column]
        if col.kind not in COMPARABLE:
            raise internal(f"sort_op: column {self.column} has non-comparable type {col.kind}")
        tie = frame.get(self.tie_break) if self.tie_break else None
        if tie is not None and tie.kind not in COMPARABLE:
            tie = None
        rows = []
        for c, values in enumerate(col.chunks):
            ties = tie.chunks[c] if tie is not None else None
            rows.append(sorted(range(len(values)), key=functools.cmp_to_key(
                lambda i, j, v=values, t=ties: self._compare(v, t, i, j))))
        return pick(frame, rows)

    def _compare(self, values: list[Any], ties: Optional[list[Any]], i: int, j: int) -> int:
        """Milvus's order: NULLs last, then by value, ties by the tie-break column ascending (NULL first)."""
        a, b = values[i], values[j]
        if a is None or b is None:
            if a is None and b is None:
                return _cmp(ties[i], ties[j]) if ties is not None else 0
            return 1 if a is None else -1
        order = _cmp(a, b)
        if order:
            return -order if self.desc else order
        return _cmp(ties[i], ties[j]) if ties is not None else 0


def _cmp(a: Any, b: Any) -> int:
    if a is None or b is None:
        return 0 if a is None and b is None else (-1 if a is None else 1)
    return (a > b) - (a < b)


class Limit(Operator):
    name = "Limit"

    def __init__(self, limit: int, offset: int) -> None:
        self.limit, self.offset = limit, offset

    def execute(self, frame: Frame) -> Frame:
        return pick(frame, [list(range(n))[self.offset:self.offset + self.limit] for n in sizes(frame)])


class Select(Operator):
    name = "Select"

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns

    def execute(self, frame: Frame) -> Frame:
        names = list(self.columns) + [n for n in frame if is_system(n) and n not in self.columns]
        return {name: col for name, col in zip(names, _read(frame, "select_op", names))}


def build(op: OpRepr) -> Operator:
    """``operatorFromReprWithContext``."""
    if op.type == "map":
        return _map(op)
    if op.type == "filter":
        return _filter(op)
    if op.type == "sort":
        return _sort(op)
    if op.type == "limit":
        return _limit(op)
    if op.type == "select":
        columns = Reader("select_op", op.params).strings("columns", False)
        if not columns:
            raise missing("select_op: columns is required")
        return Select(columns)
    if op.type == "group_by":
        raise ChainError('the "group_by" operator of function chains is not supported by pgmilvus: group the '
                         "search with group_by_field instead", ErrorCode.UNSUPPORTED)
    raise invalid(f"unknown operator type: {op.type}")


def _function(op: OpRepr, scope: str) -> functions.Function:
    assert op.function is not None
    try:
        return functions.build(op.function)
    except ChainError as err:
        if err.code == ErrorCode.UNSUPPORTED:
            raise
        raise wrap(f"{scope} function", err) from None


def _map(op: OpRepr) -> Operator:
    if op.function is None:
        raise invalid("map operator requires function")
    function = _function(op, "map")
    if not op.inputs:
        raise invalid("map operator requires inputs")
    if not op.outputs:
        raise invalid("map operator requires outputs")
    if len(op.outputs) != 1:
        raise internal(f"map_op: output columns count ({len(op.outputs)}) must match function output types "
                       "count (1)")
    return Map(function, op.inputs, op.outputs)


def _filter(op: OpRepr) -> Operator:
    if op.function is None:
        raise missing("filter_op: function is required")
    _function(op, "filter")
    if not op.inputs:
        raise missing("filter_op: inputs is required")
    raise internal("filter_op: function must return boolean type, got float32")


def _sort(op: OpRepr) -> Operator:
    if not op.inputs:
        raise missing("sort_op: column is required")
    if len(op.inputs) > 2:
        raise invalid(f"sort_op: expects at most 2 input columns, got {len(op.inputs)}")
    desc = Reader("sort_op", op.params).boolean("desc", False)
    tie = op.inputs[1] if len(op.inputs) > 1 else ID
    return Sort(op.inputs[0], desc, tie if tie != op.inputs[0] else "")


def _limit(op: OpRepr) -> Operator:
    reader = Reader("limit_op", op.params)
    limit = reader.int64("limit", True)
    if limit <= 0:
        raise invalid("limit_op: limit must be positive")
    offset = reader.int64("offset", False)
    if offset < 0:
        raise invalid("limit_op: offset must be non-negative")
    return Limit(limit, offset)
