"""Partition key isolation (the collection property ``partitionkey.isolation``, Milvus 2.5+).

With it, Milvus builds one index per partition key value and a search must say
which one: its filter must hold ``key == value``, and-ed with anything else
(exprutil.ValidatePartitionKeyIsolation).  Postgres needs no such restriction,
but a search Milvus refuses is refused here with its words, so code written on
pgmilvus keeps working on Milvus.
"""

from __future__ import annotations

from typing import Optional

from . import ir
from .regex import optimized_op

#: Milvus's planpb.OpType names, for the comparisons isolation refuses on the key.
_OP_NAMES = {"!=": "NotEqual", ">": "GreaterThan", ">=": "GreaterEqual", "<": "LessThan", "<=": "LessEqual"}
NOT_FOUND = "partition key not found in expr or the expr is invalid when validating partition key isolation"


def problem(pred: Optional["ir.Pred"], key: str) -> Optional[str]:
    """Milvus's refusal of this filter under isolation, or None when it names one key value."""
    try:
        found = _names_key(pred, key) if pred is not None else False
    except _Refused as refused:
        return str(refused)
    return None if found else NOT_FOUND


class _Refused(Exception):
    pass


def _names_key(pred: "ir.Pred", key: str) -> bool:
    """Whether ``pred`` pins the key to one value; raises where Milvus refuses a use of the key."""
    if isinstance(pred, ir.Logic):
        found = [_names_key(item, key) for item in pred.items]  # left first, as Milvus walks it
        if pred.op == "or" and any(found):
            raise _Refused("partition key isolation does not support OR")
        return pred.op == "and" and any(found)
    if isinstance(pred, ir.Negate):
        if _names_key(pred.item, key):
            raise _Refused("partition key isolation does not support NOT")
        return False
    if not _on_key(pred, key):
        return False
    if isinstance(pred, ir.Compare):
        if pred.op == "==":
            return True
        raise _Refused(f"partition key isolation does not support {_OP_NAMES.get(pred.op, pred.op)}")
    if isinstance(pred, ir.InList):
        raise _Refused("partition key isolation does not support IN")
    if isinstance(pred, ir.Between):
        raise _Refused("partition key isolation does not support BinaryRange")
    if isinstance(pred, ir.LikeMatch):
        op = _like_op(pred.pattern)
        if op == "Equal":  # a pattern without wildcards is an equality to Milvus's parser
            return True
        raise _Refused(f"partition key isolation does not support {op}")
    if isinstance(pred, ir.RegexMatch):
        op = optimized_op(pred.pattern)
        if op == "Equal":  # ^literal$ is an equality to Milvus's parser
            return True
        raise _Refused(f"partition key isolation does not support {op}")
    return False


def _on_key(pred: "ir.Pred", key: str) -> bool:
    target = getattr(pred, "target", None)
    return isinstance(target, ir.Column) and target.name == key


def _like_op(pattern: str) -> str:
    """The OpType Milvus's parser makes of a LIKE pattern."""
    inner = pattern.strip("%")
    if "%" in inner or "_" in inner:
        return "Match"
    if pattern.startswith("%") and pattern.endswith("%") and len(pattern) > 1:
        return "InnerMatch"
    if pattern.startswith("%"):
        return "PostfixMatch"
    return "PrefixMatch" if pattern.endswith("%") else "Equal"
