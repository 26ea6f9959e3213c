"""Running a chain (``FuncChainFromReprWithContext``, ``ExecuteWithOptions``): its operators built
and checked for its stage, then applied in turn to the frame."""

from __future__ import annotations

from ...errors import ErrorCode
from . import operators
from .failures import ChainError, invalid, prefixed, wrap
from .frame import Frame
from .plan import ChainRepr


def build(repr_: ChainRepr) -> list[operators.Operator]:
    ops = []
    for i, op in enumerate(repr_.ops):
        try:
            ops.append(operators.build(op))
        except ChainError as err:
            if err.code == ErrorCode.UNSUPPORTED:  # pgmilvus's refusal, said as is
                raise
            raise wrap(f"operator[{i}]", err, ErrorCode.SERVICE_INTERNAL) from None
    for i, op in enumerate(ops):
        if op.function is not None and not op.function.runs_in(repr_.stage):
            raise invalid(f'operator[{i}] function "{op.function.name}" does not support stage "{repr_.stage}"')
    return ops


def execute(ops: list[operators.Operator], frame: Frame) -> Frame:
    for op in ops:
        try:
            frame = op.execute(frame)
        except ChainError as err:
            raise prefixed(f"{op.name} failed", err) from None
    return frame
