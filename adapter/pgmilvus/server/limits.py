"""Message size limits, like Milvus's, with an error that says which limit and how to raise it.

Milvus's proxy refuses requests larger than 64 MB and responses larger than
256 MB by default (``proxy.grpc.serverMaxRecvSize`` / ``serverMaxSendSize`` in
milvus.yaml) with gRPC RESOURCE_EXHAUSTED and gRPC's own text ("received
message larger than max (N vs. M)"), which names neither the setting nor the
fix.  So gRPC's limits are left open and this interceptor applies ours: an
oversized request is never parsed (its deserializer returns a marker) and the
call answers RESOURCE_EXHAUSTED with gRPC's words first (tools match on them),
then the size, the limit and the ``pgmilvus serve`` option; a response that
would be too large is replaced by the same kind of error.  Nothing runs for a
refused request, so nothing is written.  The same deserializer hands bytes
that are no valid message of the RPC to its handler as a ``BadMessage``,
answered with a Status naming the RPC and protobuf's complaint, where gRPC
would answer a bare INTERNAL "Exception deserializing request!".
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import grpc
from google.protobuf.message import DecodeError

from .status import BadMessage

#: Milvus's proxy defaults, in MB: what it receives, what it sends.
DEFAULT_RECEIVE_MB = 64
DEFAULT_SEND_MB = 256
_MB = 1024 * 1024


class _Oversize:
    """Stands in for a request too large to parse."""

    __slots__ = ("size",)

    def __init__(self, size: int) -> None:
        self.size = size


def _message(what: str, size: int, limit_mb: int, option: str) -> str:
    grpc_words = "received message" if what == "request" else "trying to send message"
    return (f"{grpc_words} larger than max ({size} vs. {limit_mb * _MB}): the {what} of {size} bytes is "
            f"larger than pgmilvus serve's limit of {limit_mb} MB; split it into smaller calls, or start "
            f"the server with a larger {option}")


class SizeLimits(grpc.ServerInterceptor):
    """Refuse requests above ``receive_mb`` and responses above ``send_mb`` (unary RPCs)."""

    def __init__(self, receive_mb: int = DEFAULT_RECEIVE_MB, send_mb: int = DEFAULT_SEND_MB) -> None:
        self.receive_mb, self.send_mb = receive_mb, send_mb
        self._receive, self._send = receive_mb * _MB, send_mb * _MB
        self._handlers: dict[str, Optional[grpc.RpcMethodHandler]] = {}

    def intercept_service(self, continuation: Callable[..., Any],
                          details: grpc.HandlerCallDetails) -> Optional[grpc.RpcMethodHandler]:
        method = details.method
        if method not in self._handlers:  # one wrapped handler per method (handlers never change)
            self._handlers[method] = self._wrap(continuation(details), method)
        return self._handlers[method]

    def _wrap(self, handler: Optional[grpc.RpcMethodHandler], method: str) -> Optional[grpc.RpcMethodHandler]:
        if handler is None or handler.unary_unary is None or not hasattr(handler, "_replace"):
            return handler
        return handler._replace(request_deserializer=self._guard(handler.request_deserializer, method),
                                unary_unary=self._checked(handler.unary_unary))

    def _guard(self, deserialize: Optional[Callable[[bytes], Any]], method: str) -> Callable[[bytes], Any]:
        """The request's deserializer, refusing what is too large unparsed, and handing bytes that
        are no valid message to the RPC as a BadMessage (answered with a Status naming it)."""
        limit = self._receive
        rpc = method.rsplit("/", 1)[-1]

        def guarded(data: bytes) -> Any:
            if len(data) > limit:
                return _Oversize(len(data))
            if deserialize is None:
                return data
            try:
                return deserialize(data)
            except DecodeError as exc:
                return BadMessage(rpc, str(exc))
        return guarded

    def _checked(self, behaviour: Callable[[Any, grpc.ServicerContext], Any]) -> Callable[..., Any]:
        limits = self

        def checked(request: Any, context: grpc.ServicerContext) -> Any:
            if isinstance(request, _Oversize):
                context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED,
                              _message("request", request.size, limits.receive_mb, "--max-receive-message-mb"))
            response = behaviour(request, context)
            size = response.ByteSize()
            if size > limits._send:
                context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED,
                              _message("response", size, limits.send_mb, "--max-send-message-mb") +
                              " (or ask for fewer rows or fields)")
            return response
        return checked
