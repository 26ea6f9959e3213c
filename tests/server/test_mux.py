"""gRPC and REST on one port (server/mux.py), as a Milvus proxy serves both on 19530.

This module's ``pgmilvus serve --rest`` shares its port: pymilvus's gRPC calls and raw
HTTP/1.1 REST calls reach it side by side and concurrently; garbage, half
prefaces and dropped connections leave it serving; a server with open gRPC and
idle HTTP connections stops cleanly; without ``--rest`` (the default) gRPC is alone on the port.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("grpc")
pytest.importorskip("pymilvus")
requests = pytest.importorskip("requests")

from pymilvus import MilvusClient  # noqa: E402

from tests.fix_server import ServeProcess  # noqa: E402
from tests.server.fix_rest import rest_module_address, rest_module_process  # noqa: E402,F401 - server: --rest


def _post(address: str, path: str, body: dict, **kwargs) -> dict:
    answer = requests.post(f"http://{address}/v2/vectordb{path}", json=body, timeout=30, **kwargs)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _raw(address: str, payload: bytes, read: bool = True) -> bytes:
    """Send bytes on a fresh connection; what comes back before the server closes it (or 2 s pass)."""
    host, port = address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(payload)
        if not read:
            return b""
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(2)
        out = b""
        try:
            while chunk := sock.recv(65536):
                out += chunk
        except (socket.timeout, ConnectionResetError):
            pass
        return out


def test_grpc_and_rest_share_the_port(wire_client, serve_address) -> None:
    wire_client.create_collection("shared", dimension=4)
    assert _post(serve_address, "/collections/list", {}) == {"code": 0, "data": ["shared"]}
    assert _post(serve_address, "/collections/has", {"collectionName": "shared"}) == {"code": 0, "data": {"has": True}}
    wire_client.drop_collection("shared")
    assert _post(serve_address, "/collections/has", {"collectionName": "shared"}) == {"code": 0,
                                                                                     "data": {"has": False}}


def test_concurrent_grpc_and_rest_clients(wire_client, serve_address) -> None:
    wire_client.create_collection("busy", dimension=4)
    wire_client.insert("busy", [{"id": i, "vector": [i, 1, 2, 3]} for i in range(20)])
    failures: list[BaseException] = []

    def grpc_worker() -> None:
        client = MilvusClient(uri=f"http://{serve_address}")
        try:
            for _ in range(15):
                assert len(client.query("busy", filter="id >= 0", output_fields=["id"], limit=100)) == 20
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            client.close()

    def rest_worker() -> None:
        try:
            with requests.Session() as session:  # one keep-alive connection, many calls
                for _ in range(15):
                    answer = session.post(f"http://{serve_address}/v2/vectordb/collections/describe",
                                          json={"collectionName": "busy"}, timeout=30).json()
                    assert answer["code"] == 0 and answer["data"]["collectionName"] == "busy"
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)

    threads = [threading.Thread(target=fn) for fn in (grpc_worker, rest_worker) * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures, failures


@pytest.mark.parametrize("payload", [
    b"", b"\x00\xff" * 100, os.urandom(4096), b"PRI * HT", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + os.urandom(512),
    b"GET / HTTP/1.1\r\n", b"POST /v2/vectordb/collections/list HTTP/1.1\r\nContent-Length: 99\r\n\r\n{}",
    b"POST /v2/vectordb/collections/list HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"NOT-HTTP\r\n\r\n", b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
], ids=["empty", "binary", "random", "half-preface", "preface-then-garbage", "half-request",
        "short-body", "bad-chunk", "no-http", "huge-line"])
def test_garbage_never_stops_the_server(serve_address, wire_client, payload) -> None:
    _raw(serve_address, payload)
    assert wire_client.list_collections() == []
    assert _post(serve_address, "/collections/list", {}) == {"code": 0, "data": []}


def test_dropped_connections_leave_it_serving(serve_address, wire_client) -> None:
    for payload in (b"", b"PRI", b"POST /v2/vectordb/collections/list HTTP/1.1\r\n"):
        _raw(serve_address, payload, read=False)  # closed at once, mid-preface or mid-request
    assert _post(serve_address, "/collections/list", {}) == {"code": 0, "data": []}
    assert wire_client.list_collections() == []


def test_stop_is_clean_with_open_connections(serve_dsn, tmp_path: Path) -> None:
    server = ServeProcess(serve_dsn, tmp_path / "serve.log", workers=2, extra=("--rest",))
    grpc_client = MilvusClient(uri=f"http://{server.address}")
    grpc_client.list_collections()
    idle = requests.Session()
    assert idle.post(f"http://{server.address}/v2/vectordb/collections/list", json={}, timeout=30).json()["code"] == 0
    half = socket.create_connection(("127.0.0.1", server.port))
    half.sendall(b"PRI * HTTP/2.0\r\n")  # a client that never finishes its preface
    started = time.monotonic()
    assert server.stop(timeout=30) == 0, server.log()[-3000:]
    assert time.monotonic() - started < 20
    assert "pgmilvus serve stopped" in server.log()
    assert "Traceback" not in server.log()
    half.close()
    idle.close()
    grpc_client.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=2).close()


def test_without_rest_grpc_is_alone(serve_dsn, tmp_path: Path) -> None:
    server = ServeProcess(serve_dsn, tmp_path / "serve.log", workers=2)  # the default: no --rest
    try:
        assert "gRPC only" in server.log()
        client = MilvusClient(uri=f"http://{server.address}")
        assert isinstance(client.list_collections(), list)
        client.close()
        answer = _raw(server.address, b"POST /v2/vectordb/collections/list HTTP/1.1\r\nHost: x\r\n"
                                      b"Content-Length: 2\r\n\r\n{}")
        assert not answer.startswith(b"HTTP/1.1 200")  # gRPC's HTTP/2 server refuses HTTP/1.1
    finally:
        assert server.stop() == 0


def test_a_port_another_server_holds_is_refused(serve_dsn, tmp_path: Path) -> None:
    """A second server on a gRPC-only server's port fails to start ("address already in use" in
    Milvus): with gRPC's SO_REUSEPORT default both listened and shared the clients' connections."""
    from pgmilvus.server.app import Options, Server

    first = ServeProcess(serve_dsn, tmp_path / "serve.log", workers=2)  # no --rest: gRPC holds the port
    try:
        with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{first.port}$"):
            Server(Options(uri=serve_dsn, port=first.port, workers=2))
    finally:
        assert first.stop() == 0


def test_port_zero_reports_the_bound_port(serve_process) -> None:
    assert serve_process.port > 0
    assert f"listening on 127.0.0.1:{serve_process.port} " in serve_process.log()
    assert "gRPC and REST" in serve_process.log()
    assert json.loads(_raw(serve_process.address, b"POST /v2/vectordb/collections/list HTTP/1.1\r\nHost: x\r\n"
                                                  b"Connection: close\r\nContent-Length: 2\r\n\r\n{}")
                      .split(b"\r\n\r\n", 1)[1]) == {"code": 0, "data": []}
