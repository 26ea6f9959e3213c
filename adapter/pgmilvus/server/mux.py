"""One public port for gRPC and Milvus's RESTful API, as a Milvus proxy serves both on 19530.

grpcio's Python server cannot answer HTTP/1.1, so gRPC listens on a private
unix socket (in a temporary folder only this user can enter) and the public
port is this small front listener.  Each accepted connection gets one thread
that peeks at its first bytes: the HTTP/2 connection preface (``PRI * HTTP/2.0``,
what every gRPC client sends first) is relayed to the gRPC socket byte for byte
(large buffers, ``sendall``: the copying happens in C with the GIL released);
anything else is HTTP/1.1 and is answered by the REST face's handler class on
the same socket.  gRPC's own connections are long-lived, so the cost is a
thread pair per client connection, not per call (measured in docs/server.md).
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import tempfile
import threading
import time
from typing import Any, Callable

_log = logging.getLogger("pgmilvus.server")

#: The start of the HTTP/2 client connection preface (RFC 9113 3.4): no HTTP/1.1 method begins so.
PREFACE = b"PRI * HTTP/2.0"
_CHUNK = 256 * 1024
#: Seconds a new connection may take to send its first bytes before it is closed.
FIRST_BYTES_TIMEOUT = 30.0


def private_grpc_socket() -> tuple[str, str]:
    """A unix socket path in a fresh folder of mode 0700 (the folder, to remove at stop; the path)."""
    folder = tempfile.mkdtemp(prefix="pgmilvus-grpc-")
    return folder, os.path.join(folder, "grpc.sock")


class Mux:
    """The public listener: ``port`` is the bound port (useful with ``port=0``).

    ``http_handler(sock, address)`` answers one HTTP/1.1 connection (keep-alive included) and
    returns when it closes.
    """

    def __init__(self, host: str, port: int, grpc_path: str, http_handler: Callable[[socket.socket, Any], None]) -> None:
        self._grpc_path = grpc_path
        self._http = http_handler
        self._listener = socket.create_server((host, port), reuse_port=False, backlog=128)
        self.port: int = self._listener.getsockname()[1]
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stopping = False
        self._acceptor = threading.Thread(target=self._accept, name="pgmilvus-mux", daemon=True)

    def start(self) -> None:
        self._acceptor.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, address = self._listener.accept()
            except OSError:
                return  # the listener was closed: stop
            if not self._track(conn):
                conn.close()
                return
            threading.Thread(target=self._serve, args=(conn, address), name="pgmilvus-conn", daemon=True).start()

    def _track(self, conn: socket.socket) -> bool:
        with self._lock:
            if self._stopping:
                return False
            self._open.add(conn)
            return True

    def _untrack(self, *socks: socket.socket) -> None:
        with self._lock:
            for sock in socks:
                self._open.discard(sock)
        for sock in socks:
            sock.close()

    def _serve(self, conn: socket.socket, address: Any) -> None:
        """Route one connection by its first bytes; never lets an error out of the thread."""
        try:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            first = _peek(conn, len(PREFACE))
            if not first:
                return
            if first == PREFACE:
                self._relay(conn)
            else:
                conn.settimeout(None)
                self._http(conn, address)
        except OSError as exc:
            _log.debug("connection from %s ended: %s", address, exc)
        except Exception:  # a bug here must not take the server down
            _log.exception("connection from %s failed", address)
        finally:
            self._untrack(conn)

    def _relay(self, client: socket.socket) -> None:
        """Copy bytes both ways between the client and gRPC's socket until either side closes."""
        client.settimeout(None)
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if not self._track(upstream):
            upstream.close()
            return
        try:
            upstream.connect(self._grpc_path)
            back = threading.Thread(target=_pump, args=(upstream, client), name="pgmilvus-relay", daemon=True)
            back.start()
            _pump(client, upstream)
            back.join()
        finally:
            self._untrack(upstream)

    def close(self) -> None:
        """Stop accepting, then cut every open connection (gRPC has had its grace period by then)."""
        with self._lock:
            self._stopping = True
            socks = list(self._open)
        self.stop_accepting()
        for sock in socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._acceptor.join(timeout=5)

    def stop_accepting(self) -> None:
        """Close the public listener (new connections are refused; open ones keep going).  Closing
        alone does not wake a thread blocked in ``accept`` on Linux; ``shutdown`` does."""
        try:
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()


def _peek(conn: socket.socket, size: int) -> bytes:
    """The connection's first bytes, left in the socket: enough to tell HTTP/2 from HTTP/1.1."""
    conn.settimeout(FIRST_BYTES_TIMEOUT)
    deadline = time.monotonic() + FIRST_BYTES_TIMEOUT
    while True:
        seen = conn.recv(size, socket.MSG_PEEK)
        if len(seen) >= size or not seen or not PREFACE.startswith(seen) or time.monotonic() > deadline:
            return seen  # all of it, closed, or already not the preface (HTTP/1.1)
        time.sleep(0.001)  # a partial preface: wait for the rest without spinning


def _pump(source: socket.socket, target: socket.socket) -> None:
    """Copy ``source`` to ``target`` until EOF or an error, then half-close ``target``."""
    buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    try:
        while True:
            size = source.recv_into(buffer)
            if not size:
                break
            target.sendall(view[:size])
    except OSError:
        pass
    try:
        target.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def remove_folder(folder: str) -> None:
    shutil.rmtree(folder, ignore_errors=True)
