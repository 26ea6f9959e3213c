"""FilterError: the one exception every stage of the filter compiler raises.

Milvus reports a bad filter as ``cannot parse expression: <expr>, error:
<detail>`` with code 1100, and the proxy prefixes the operation
(``failed to create query plan: ...``) and suffixes ``: invalid parameter``.
Callers get the bare parse message here and add their operation's prefix
with :meth:`FilterError.wrap`, so one compiled-filter cache serves query,
search and delete alike.

A few refusals are not the parser's but segcore's, on the query node, when it
builds the plan it was sent (a function call its registry does not hold,
functions.py): code 65535, the message as the query node reports it.
"""

from __future__ import annotations

from typing import Callable, Optional, TypeVar

from ..errors import ErrorCode, MilvusException

#: How a segcore refusal comes back to the client, by the request the plan was built for (the
#: query node's words around it; pgmilvus names no node).
_QUERY_NODE = {"query": "fail to Query on QueryNode: worker query failed",
               "search": "fail to search on QueryNode: worker query failed"}


class FilterError(MilvusException):
    """A filter Milvus would reject; ``detail`` is the part after ``error: ``.

    ``column`` is the 1-based character column of the offending token (or
    None when the problem is not tied to one place), and it is also written
    into the message as ``column N: ...`` so users see where to look.
    ``segcore``: the query node refuses the plan, not the parser (code 65535, the bare detail).
    """

    def __init__(self, expr: str, detail: str, column: Optional[int] = None, whole: bool = False,
                 code: int = ErrorCode.INVALID_PARAMETER, segcore: bool = False) -> None:
        self.expr = expr
        self.detail = detail
        self.column = column
        self.segcore = segcore
        where = f"column {column}: " if column is not None else ""
        # ``whole``: Milvus reports it after parsing, as the whole message (not "cannot parse ...")
        super().__init__(code, detail if whole else f"cannot parse expression: {expr}, error: {where}{detail}")

    def wrap(self, prefix: str, request: str = "query") -> MilvusException:
        """The server-shaped error, e.g. ``wrap("failed to create query plan")``; a segcore
        refusal is the query node's, worded for ``request`` ("query" or "search")."""
        if self.segcore:
            return MilvusException(self.code, f"{_QUERY_NODE[request]}: {self.message}")
        return MilvusException(self.code, f"{prefix}: {self.message}: invalid parameter")


class SyntaxProblem(Exception):
    """Internal: raised by lexer/parser/typecheck with a 0-based position.

    It carries no expression text, so the stages stay independent of the
    caller; :func:`filters.compile_filter` turns it into a FilterError.
    """

    def __init__(self, detail: str, pos: Optional[int] = None, whole: bool = False,
                 code: int = ErrorCode.INVALID_PARAMETER, segcore: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.pos = pos
        self.whole = whole
        #: 1100 for what Milvus refuses too; 3000 (UNSUPPORTED) for what Milvus runs and pgmilvus cannot.
        self.code = code
        self.segcore = segcore

    def to_filter_error(self, expr: str) -> FilterError:
        return FilterError(expr, self.detail, None if self.pos is None else self.pos + 1, self.whole, self.code,
                           self.segcore)


def segcore_problem(detail: str) -> SyntaxProblem:
    """segcore's refusal of a plan the parser accepted (code 65535, reported as the query node's)."""
    return SyntaxProblem(detail, whole=True, code=ErrorCode.SERVER_ERROR, segcore=True)


T = TypeVar("T")


def reported(expr: str, work: Callable[[], T]) -> T:
    """``work()``, the stages' internal errors (SyntaxProblem, a tree too deep) raised as the
    FilterError of ``expr``."""
    try:
        return work()
    except SyntaxProblem as problem:
        raise problem.to_filter_error(expr) from None
    except RecursionError:
        raise FilterError(expr, "expression is nested too deeply") from None


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def int64_out_of_range(text: str) -> str:
    """The detail for an integer literal outside int64 (Milvus: strconv.ParseInt fails)."""
    return (f"integer literal {text} is out of range of int64 [{INT64_MIN}, {INT64_MAX}]: "
            f'strconv.ParseInt: parsing "{text}": value out of range')
