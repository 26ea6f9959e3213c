"""Exceptions -> ``common.Status``, as a Milvus proxy fills it.

Milvus sets ``code`` (the merr code pgmilvus's exceptions already carry) and,
for old clients, the deprecated ``error_code`` from it
(milvus-io/milvus ``pkg/util/merr/utils.go``, ``oldCode``): the Node SDK reads
``error_code`` in many places, so both must agree with Milvus.
"""

from __future__ import annotations

import logging
from typing import Optional

from pymilvus.grpc_gen import common_pb2

from ..errors import ErrorCode, MilvusException

_log = logging.getLogger("pgmilvus.server")
_E = common_pb2.ErrorCode

#: merr code -> legacy ErrorCode (every other code maps to UnexpectedError).
_OLD_CODES = {
    int(ErrorCode.COLLECTION_NOT_FOUND): _E.CollectionNotExists,
    int(ErrorCode.INVALID_PARAMETER): _E.IllegalArgument,
    int(ErrorCode.MISSING_PARAMETER): _E.IllegalArgument,
    int(ErrorCode.PARAMETER_TOO_LARGE): _E.IllegalArgument,
    int(ErrorCode.PARTITION_NOT_FOUND): _E.MetaFailed,
    int(ErrorCode.RATE_LIMIT): _E.RateLimit,
    int(ErrorCode.FORCE_DENY): _E.ForceDeny,
    int(ErrorCode.INDEX_NOT_FOUND): _E.IndexNotExist,
    int(ErrorCode.COLLECTION_SCHEMA_MISMATCH): _E.SchemaMismatch,
}

SUCCESS = common_pb2.Status()


def old_code(code: int) -> int:
    """Milvus's ``oldCode``: the legacy ``error_code`` of a merr ``code``."""
    if code == 0:
        return _E.Success
    return _OLD_CODES.get(code, _E.UnexpectedError)


def status(code: int, reason: str) -> common_pb2.Status:
    return common_pb2.Status(code=code, error_code=old_code(code), reason=reason)


def from_exception(exc: BaseException, rpc: str) -> common_pb2.Status:
    """The Status a failed call answers with; unexpected errors are logged with their traceback.
    A check pymilvus makes client-side answers with the Milvus server's text (errors.client_side)."""
    exc = getattr(exc, "server_answer", None) or exc
    if isinstance(exc, MilvusException):
        return status(exc.code or int(ErrorCode.UNEXPECTED_ERROR), exc.message)
    _log.error("%s failed unexpectedly", rpc, exc_info=exc)
    return status(int(ErrorCode.SERVER_ERROR),
                  f"unexpected error in pgmilvus serve ({rpc}): {type(exc).__name__}: {exc}")


def bad_request(message: str, code: Optional[int] = None) -> MilvusException:
    """A malformed protocol message (wrong lengths, truncated vectors...): 1100 naming the problem."""
    if code is None or code == ErrorCode.INVALID_PARAMETER:
        return MilvusException(ErrorCode.INVALID_PARAMETER, f"{message}: invalid parameter")
    return MilvusException(code, message)


class BadMessage:
    """Stands in for a request whose bytes are no valid protobuf message of its RPC (limits.py's
    deserializer returns it instead of letting gRPC answer a bare INTERNAL "Exception
    deserializing request!"); the RPC wrapper answers with ``error`` as the call's Status."""

    __slots__ = ("error",)

    def __init__(self, rpc: str, reason: str) -> None:
        self.error = bad_request(f"the {rpc} request is not a valid protobuf message ({reason}); send it "
                                 "with a Milvus SDK or check the bytes")

