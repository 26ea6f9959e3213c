"""HTTP/1.1 on one accepted socket (the standard library's request handler), for the mux.

``http.server`` parses requests and keeps connections alive; this module only
reads the body (``Content-Length`` or chunked), hands the request to the REST
face and writes its answer as gin would (JSON, ``application/json;
charset=utf-8``).  No framework is needed for a few POST endpoints.
"""

from __future__ import annotations

import json
import socket
from http.server import BaseHTTPRequestHandler
from typing import Any, Callable

from .face import Answer, RestFace

#: Seconds an idle keep-alive connection stays open.
IDLE_TIMEOUT = 120.0


class _BodyTooLarge(Exception):
    pass


def connection_handler(face: RestFace, max_body: int) -> Callable[[socket.socket, Any], None]:
    """``handle(sock, address)``: serve one HTTP/1.1 connection until it closes."""

    class Handler(_RestHandler):
        pass

    Handler.face, Handler.max_body = face, max_body

    def handle(sock: socket.socket, address: Any) -> None:
        Handler(sock, address, None)

    return handle


class _RestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT
    face: RestFace
    max_body: int

    def _serve(self) -> None:
        try:
            raw = self._body()
        except _BodyTooLarge:
            self._send(Answer(413, b"request body too large (see --max-receive-message-mb)"))
            self.close_connection = True
            return
        except (ValueError, OSError):
            self._send(Answer(400, b"400 Bad Request"))
            self.close_connection = True
            return
        path = self.path.split("?", 1)[0]
        self._send(self.face.answer(self.command, path, self.headers, raw))

    do_POST = do_GET = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _serve

    def do_HEAD(self) -> None:
        self._send(Answer(404, b""))

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._chunked()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        if length > self.max_body:
            raise _BodyTooLarge()
        return self.rfile.read(length)

    def _chunked(self) -> bytes:
        parts, total = [], 0
        while True:
            size = int(self.rfile.readline(1024).split(b";")[0].strip() or b"x", 16)
            if size == 0:
                while self.rfile.readline(1024).strip():  # trailers
                    pass
                return b"".join(parts)
            total += size
            if total > self.max_body:
                raise _BodyTooLarge()
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def _send(self, answer: Answer) -> None:
        if isinstance(answer.body, bytes):
            payload, kind = answer.body, "text/plain"
        else:
            payload, kind = json.dumps(answer.body, separators=(",", ":")).encode(), "application/json; charset=utf-8"
        self.send_response(answer.status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def version_string(self) -> str:
        return "pgmilvus"

    def log_message(self, format: str, *args: Any) -> None:
        """The face logs one line per call itself (face.py); http.server's stderr lines are dropped."""
