"""The REST face: one POST -> one endpoint, answered in Milvus's envelope, logged in one line.

As Milvus's ``wrapperPost`` (internal/distributed/proxy/httpserver/handler_v2.go):
the body is bound to the endpoint's request struct (binding.py), the database is
the body's ``dbName``, else the ``DB-Name`` header, else ``default``; every answer
is HTTP 200 with ``{"code": 0, "data": ...}`` or ``{"code": <merr code>,
"message": "..."}``, except a caller who is not authenticated (HTTP 401, code 1800,
as Milvus's ``authenticate`` middleware, which runs before routing) and an unknown
path or method (HTTP 404, gin's ``404 page not found``).  Failures become codes through status.py, as on the
gRPC face, so both answer the same texts.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional

from ..auth import Credentials, Unauthenticated
from ..backend import DEFAULT_DB, Backend
from ..status import from_exception
from .binding import Body
from .credentials import caller_of

_log = logging.getLogger("pgmilvus.server")

#: merr.ErrNeedAuthenticate (pkg/util/merr/errors.go), answered with HTTP 401.
NEED_AUTH_CODE, NEED_AUTH_TEXT = 1800, "user hasn't authenticated"
NOT_FOUND = b"404 page not found"  # gin's answer to an unknown route (text/plain)


@dataclass
class RestCall:
    """What an endpoint needs: the database, the caller, the server's shared state."""

    path: str
    db_name: str
    caller: Optional[Credentials]
    backend: Backend
    import_source: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)  # e.g. Accept-Type-Allow-Int64

    def client(self, db_name: Optional[str] = None) -> Any:
        """The pgmilvus client of the call's database (or ``db_name``), connected as the caller."""
        return self.backend.client(db_name or self.db_name, self.caller)


Endpoint = Callable[[RestCall, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Route:
    body: Body
    endpoint: Endpoint


def plain_call(method: str, *keys: str) -> Endpoint:
    """An endpoint that makes one core call with the body's values of ``keys`` and answers ``{}``
    (handler_v2.go's ``wrapperReturnDefault``: drop, load, release, create a partition, an alias...)."""
    def endpoint(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
        getattr(call.client(), method)(*(body[key] for key in keys))
        return ok({})
    return endpoint


def ok(data: Any, **extra: Any) -> dict[str, Any]:
    """Milvus's success envelope (``HTTPReturnCode: merr.Code(nil)``)."""
    return {"code": 0, "data": data, **extra}


def failure(code: int, message: str) -> dict[str, Any]:
    return {"code": code, "message": message}


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # a JSON envelope (dict), or raw bytes for gin's plain-text 404


class RestFace:
    """Routes POSTs to endpoints; ``import_source`` is the server's ``--import-from`` source (or None)."""

    def __init__(self, backend: Backend, routes: Mapping[str, Route], import_source: Any = None) -> None:
        self.backend = backend
        self.routes = routes
        self.import_source = import_source

    def answer(self, method: str, path: str, headers: Mapping[str, str], raw: bytes) -> Answer:
        """The answer to one request; never raises."""
        route = self.routes.get(path) if method == "POST" else None
        start, db_name = time.perf_counter(), "-"
        try:
            caller = caller_of(headers.get("Authorization"))
            if route is None:
                if self.backend.require_auth:  # Milvus authenticates before routing
                    self.backend.client(None, caller)
                _log.info("REST %s %s not found", method, path)
                return Answer(404, NOT_FOUND)
            values = route.body.bind(raw)
            db_name = values.get("dbName") or headers.get("DB-Name") or DEFAULT_DB
            call = RestCall(path, db_name, caller, self.backend, self.import_source, headers)
            answer = Answer(200, route.endpoint(call, values))
        except Unauthenticated as exc:
            _log.info("REST %s db=%s unauthenticated: %s", path, db_name, exc)
            return Answer(401, failure(NEED_AUTH_CODE, NEED_AUTH_TEXT))
        except Exception as exc:  # every failure becomes Milvus's error envelope
            answer = Answer(200, _error_envelope(exc, path))
        code = answer.body.get("code", 0)
        _log.info("REST %s db=%s code=%d %.1fms%s", path, db_name, code, (time.perf_counter() - start) * 1000,
                  f" {str(answer.body.get('message', ''))[:300]!r}" if code else "")
        return answer


def _error_envelope(exc: Exception, path: str) -> dict[str, Any]:
    """The gRPC face's status of ``exc`` (status.py: an unexpected error is logged with its traceback)."""
    status = from_exception(exc, f"REST {path}")
    return failure(status.code, status.reason)
