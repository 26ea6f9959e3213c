"""The gRPC server: options, start, and a clean stop on SIGTERM / Ctrl-C."""

from __future__ import annotations

import logging
import signal
import threading
from concurrent import futures
from dataclasses import dataclass
from typing import Optional

import grpc
from pymilvus.grpc_gen import milvus_pb2_grpc

from ..imports import open_source
from .backend import Backend
from .mux import Mux, private_grpc_socket, remove_folder
from .rest import rest_face
from .rest.http import connection_handler
from .limits import DEFAULT_RECEIVE_MB, DEFAULT_SEND_MB, SizeLimits
from .servicer import MilvusServicer

_log = logging.getLogger("pgmilvus.server")


@dataclass
class Options:
    uri: str
    host: str = "127.0.0.1"
    port: int = 19530
    workers: int = 10
    user: str = ""
    password: str = ""
    require_auth: bool = False
    tls_cert: str = ""
    tls_key: str = ""
    max_receive_message_mb: int = DEFAULT_RECEIVE_MB
    max_send_message_mb: int = DEFAULT_SEND_MB
    import_from: str = ""  # bulk import's files: s3://ACCESS:SECRET@HOST:PORT/BUCKET or a directory
    #: Milvus's RESTful API v2 on the same port (mux.py; not with TLS, where gRPC keeps the port).
    #: Opt-in: the relay in front of gRPC costs each gRPC call ~0.07 ms (docs/server.md).
    rest: bool = False


class Server:
    """A running ``pgmilvus serve``: ``port`` is the bound port (useful with ``port=0``)."""

    def __init__(self, options: Options) -> None:
        self.options = options
        credentials = _tls(options) if options.tls_cert else None
        source = open_source(options.import_from) if options.import_from else None
        self.backend = Backend(options.uri, pool_size=max(options.workers, 2), user=options.user,
                               password=options.password, require_auth=options.require_auth)
        # gRPC's own limits stay open: SizeLimits applies ours, with an error that names the option.
        self._grpc = grpc.server(
            futures.ThreadPoolExecutor(max_workers=options.workers, thread_name_prefix="pgmilvus-rpc"),
            interceptors=[SizeLimits(options.max_receive_message_mb, options.max_send_message_mb)],
            options=[("grpc.max_receive_message_length", -1), ("grpc.max_send_message_length", -1),
                     # Milvus's keepalive enforcement (pings every 5 s allowed, also between calls):
                     # pymilvus's clients ping, and a stricter server answers "Too many pings"
                     ("grpc.http2.min_ping_interval_without_data_ms", 5000), ("grpc.http2.max_ping_strikes", 0),
                     ("grpc.keepalive_permit_without_calls", 1),
                     # a port another server holds is refused, as Milvus's proxy refuses it (gRPC's
                     # SO_REUSEPORT default would have the two servers share its connections)
                     ("grpc.so_reuseport", 0)])
        milvus_pb2_grpc.add_MilvusServiceServicer_to_server(MilvusServicer(self.backend, source), self._grpc)
        self._import_source = source
        self._mux: Optional[Mux] = None
        self._grpc_folder = ""
        try:
            self.port = self._listen_shared() if options.rest and not credentials else self._listen(credentials)
        except (OSError, RuntimeError):
            self.port = 0
        if not self.port:
            self.backend.close()
            remove_folder(self._grpc_folder)
            raise OSError(f"cannot listen on {options.host}:{options.port}")

    def _listen(self, credentials: Optional[grpc.ServerCredentials]) -> int:
        """gRPC alone on the public port (the default, and always with TLS)."""
        address = f"{self.options.host}:{self.options.port}"
        return (self._grpc.add_secure_port(address, credentials) if credentials
                else self._grpc.add_insecure_port(address))

    def _listen_shared(self) -> int:
        """gRPC on a private unix socket, the mux on the public port (gRPC and REST, as Milvus)."""
        self._grpc_folder, path = private_grpc_socket()
        if not self._grpc.add_insecure_port(f"unix:{path}"):
            return 0
        self.rest = rest_face(self.backend, self._import_source)
        handler = connection_handler(self.rest, self.options.max_receive_message_mb * 1024 * 1024)
        self._mux = Mux(self.options.host, self.options.port, path, handler)
        return self._mux.port

    def start(self) -> "Server":
        self._grpc.start()
        if self._mux is not None:
            self._mux.start()
        elif self.options.rest:
            _log.warning("--rest is off with --tls-cert: gRPC serves TLS alone on the port (docs/server.md)")
        _log.info("pgmilvus serve listening on %s:%d (%d workers%s%s%s)", self.options.host, self.port,
                  self.options.workers, ", TLS" if self.options.tls_cert else "",
                  ", gRPC and REST" if self._mux is not None else ", gRPC only",
                  ", authentication required" if self.options.require_auth else "")
        return self

    def stop(self, grace: Optional[float] = 5.0) -> None:
        """Refuse new calls, let running ones finish (``grace`` seconds), then close the pools."""
        if self._mux is not None:
            self._mux.stop_accepting()
        self._grpc.stop(grace).wait()
        if self._mux is not None:
            self._mux.close()
            remove_folder(self._grpc_folder)
        self.backend.close()
        _log.info("pgmilvus serve stopped")

    def wait(self) -> None:
        self._grpc.wait_for_termination()


def _tls(options: Options) -> grpc.ServerCredentials:
    """Server credentials from PEM files (a certificate chain and its private key)."""
    if not options.tls_key:
        raise OSError("--tls-cert needs --tls-key (the certificate's private key)")
    with open(options.tls_key, "rb") as key, open(options.tls_cert, "rb") as cert:
        return grpc.ssl_server_credentials([(key.read(), cert.read())])


def serve(options: Options) -> None:
    """Run until SIGTERM or Ctrl-C (SIGINT), then stop cleanly."""
    server = Server(options).start()
    stopping = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        _log.info("signal %d: stopping", signum)
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        # Timed waits: the kernel may deliver SIGTERM to another thread (the mux's), and then Python
        # runs the handler only when the main thread next executes bytecode, never in an endless wait.
        while not stopping.wait(0.5):
            pass
    finally:
        server.stop()
