"""The wrapper every RPC handler goes through.

``rpc`` finds the call's database (``db_name`` field, else the ``dbname``
header), runs the handler, turns any exception into the response's
``status`` (so a bad call never breaks the connection or the server), and
logs one line per call at info level.
"""

from __future__ import annotations

import functools
import logging
import time
from typing import Any, Callable

import grpc
from pymilvus.grpc_gen import common_pb2, milvus_pb2

from .auth import Unauthenticated, credentials
from .status import BadMessage, from_exception

_log = logging.getLogger("pgmilvus.server")
SERVICE = milvus_pb2.DESCRIPTOR.services_by_name["MilvusService"]


class Call:
    """What a handler needs to know about its call: the database and the client session."""

    __slots__ = ("rpc", "db_name", "identifier", "caller")

    def __init__(self, rpc: str, request: Any, context: grpc.ServicerContext) -> None:
        self.rpc = rpc
        metadata = dict(context.invocation_metadata() or ())
        db = getattr(request, "db_name", "") or getattr(request, "dbName", "")  # older messages: dbName
        self.db_name = db or metadata.get("dbname") or "default"
        self.identifier = metadata.get("identifier", "")
        self.caller = credentials(metadata.get("authorization"))


def _response_class(name: str) -> type:
    output = SERVICE.methods_by_name[name].output_type
    return common_pb2.Status if output.full_name == "milvus.proto.common.Status" \
        else getattr(milvus_pb2, output.name)


def _status_field(response_class: type) -> str:
    """The response's Status field: ``status``, or another name (AlterCollectionSchema's ``alter_status``)."""
    fields = response_class.DESCRIPTOR.fields
    return next((f.name for f in fields if f.message_type is not None
                 and f.message_type.full_name == "milvus.proto.common.Status"), "status")


def rpc(handler: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a handler ``(self, call, request) -> response`` into a gRPC method.

    An RPC the installed pymilvus's stubs do not define (pymilvus 2.6 has no
    ``AlterCollectionSchema``) is left out: no client of those stubs sends it.
    """
    name = handler.__name__
    if name not in SERVICE.methods_by_name:
        return handler
    response_class = _response_class(name)
    status_field = None if response_class is common_pb2.Status else _status_field(response_class)

    @functools.wraps(handler)
    def method(self: Any, request: Any, context: grpc.ServicerContext) -> Any:
        start = time.perf_counter()
        try:
            call = Call(name, request, context)
            if type(request) is BadMessage:
                raise request.error
            response, code, reason = handler(self, call, request), 0, ""
        except Unauthenticated as exc:
            _log.info("%s unauthenticated: %s", name, exc)
            context.abort(grpc.StatusCode.UNAUTHENTICATED, str(exc))
        except Exception as exc:  # every failure becomes the response's status
            status = from_exception(exc, name)
            response = status if status_field is None else response_class(**{status_field: status})
            code, reason = status.code, f" {status.reason[:300]!r}"  # what the caller was told, for the operator
        _log.info("%s db=%s collection=%s code=%d %.1fms%s", name, call.db_name,
                  getattr(request, "collection_name", "") or "-", code, (time.perf_counter() - start) * 1000, reason)
        return response

    method.rpc_handler = True  # type: ignore[attr-defined]
    return method


class RPCBase:
    """What every RPC mixin shares: the clients, per database and caller."""

    backend: Any
    sessions: Any
    search_iterators: Any

    def _client(self, call: Call) -> Any:
        """The client of the call's database, connected as the caller."""
        return self.backend.client(call.db_name, call.caller)

    def _default_client(self, call: Call) -> Any:
        """The caller's client of the default database (database RPCs name their target in db_name)."""
        return self.backend.client(None, call.caller)
