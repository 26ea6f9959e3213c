"""Milvus's function-chain errors: Go's wrapped error texts, kept as Milvus builds them.

Milvus wraps an error in another with ``merr.WrapErr...Msg("prefix: %v", err)``: the text becomes
``prefix: <inner text>: <the outer kind's words>`` (``invalid parameter``, ``missing parameter``,
``service internal error``).  ``ChainError`` carries such a text and its code; ``exception`` turns it
into the MilvusException the caller gets.
"""

from __future__ import annotations

from ...errors import ErrorCode, MilvusException

_WORDS = {ErrorCode.INVALID_PARAMETER: "invalid parameter", ErrorCode.MISSING_PARAMETER: "missing parameter",
          ErrorCode.SERVICE_INTERNAL: "service internal error"}
_INPUT = (ErrorCode.INVALID_PARAMETER, ErrorCode.MISSING_PARAMETER)


class ChainError(Exception):
    """A function-chain error: Milvus's text and code."""

    def __init__(self, text: str, code: int = ErrorCode.INVALID_PARAMETER) -> None:
        super().__init__(text)
        self.text = text
        self.code = code


def invalid(message: str) -> ChainError:
    return ChainError(f"{message}: invalid parameter", ErrorCode.INVALID_PARAMETER)


def missing(message: str) -> ChainError:
    return ChainError(f"{message}: missing parameter", ErrorCode.MISSING_PARAMETER)


def internal(message: str) -> ChainError:
    return ChainError(f"{message}: service internal error", ErrorCode.SERVICE_INTERNAL)


def wrap(prefix: str, err: ChainError, code: int = ErrorCode.INVALID_PARAMETER) -> ChainError:
    """``merr.WrapErr<code>Msg("prefix: %v", err)``.  An input error wrapped as an internal one
    (Milvus's chain builder does so) keeps its input code: the caller's request is what is wrong."""
    kept = err.code if code == ErrorCode.SERVICE_INTERNAL and err.code in _INPUT else code
    return ChainError(f"{prefix}: {err.text}: {_WORDS[code]}", kept)


def prefixed(prefix: str, err: ChainError) -> ChainError:
    """``merr.Wrapf(err, "prefix")``: the text prefixed, the code kept."""
    return ChainError(f"{prefix}: {err.text}", err.code)


def exception(err: ChainError) -> MilvusException:
    return MilvusException(err.code, err.text)
