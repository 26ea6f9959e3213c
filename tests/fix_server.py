"""A real ``pgmilvus serve`` for the wire tests, and clients of it.

``serve_address``: one server process for the session (``python -m
pgmilvus.cli serve --port 0``), over a database of its own on the session's
PostgreSQL; it is stopped with SIGTERM at the end and must exit cleanly.
``wire_client``: an unmodified ``pymilvus.MilvusClient`` connected to it; every
collection, alias and extra database is dropped after each test.
``local_client``: pgmilvus's in-process MilvusClient on the same database, to
compare what both return for the same data.
"""

from __future__ import annotations

import dataclasses
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from tests.fix_db import new_database

ADAPTER = Path(__file__).resolve().parent.parent / "adapter"
_LISTENING = re.compile(r"listening on 127\.0\.0\.1:(\d+)")


class ServeProcess:
    """``pgmilvus serve`` in a child process; its log (one line per call) goes to ``log_path``."""

    def __init__(self, uri: str, log_path: Path, workers: int = 4, extra: tuple[str, ...] = ()) -> None:
        self.log_path = log_path
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ADAPTER),
                                                                         os.environ.get("PYTHONPATH")]))}
        self._log = open(log_path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pgmilvus.cli", "serve", "--uri", uri, "--host", "127.0.0.1", "--port", "0",
             "--workers", str(workers), *extra],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, env=env, cwd="/tmp")
        self.port = self._wait_listening()

    def _wait_listening(self, timeout: float = 120.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = _LISTENING.search(self.log())
            if found:
                return int(found.group(1))
            if self.proc.poll() is not None:
                raise RuntimeError(f"pgmilvus serve exited with {self.proc.returncode}:\n{self.log()[-3000:]}")
            time.sleep(0.1)
        self.proc.kill()
        raise RuntimeError(f"pgmilvus serve did not start within {timeout}s:\n{self.log()[-3000:]}")

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM, then wait: the exit code (0 for a clean stop)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode


@pytest.fixture(scope="session")
def serve_dsn(pg_dsn: str) -> Iterator[str]:
    """A PostgreSQL database of the session server for the wire tests only."""
    yield from new_database(pg_dsn, "serve")


@pytest.fixture(scope="session")
def serve_process(serve_dsn: str, test_root: Path) -> Iterator[ServeProcess]:
    pytest.importorskip("grpc")
    pytest.importorskip("pymilvus")
    server = ServeProcess(serve_dsn, test_root / "serve.log")
    yield server
    code = server.stop()
    assert code == 0, f"pgmilvus serve did not stop cleanly ({code}):\n{server.log()[-3000:]}"


@pytest.fixture(scope="session")
def serve_address(serve_process: ServeProcess) -> str:
    return serve_process.address


@pytest.fixture(scope="module")
def rest_serve_process(serve_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    """``pgmilvus serve --rest`` on the session's database: gRPC and Milvus's REST API on one port.
    A module overrides ``serve_process`` / ``serve_address`` with it to run ``wire_client`` there."""
    server = ServeProcess(serve_dsn, tmp_path_factory.mktemp("rest") / "serve.log", extra=("--rest",))
    yield server
    code = server.stop()
    assert code == 0, f"pgmilvus serve --rest did not stop cleanly ({code}):\n{server.log()[-3000:]}"


@pytest.fixture(scope="module")
def auth_dsn(tcp_dsn: str) -> Iterator[str]:
    """A database of its own on the TCP server (which checks passwords), per test module."""
    yield from new_database(tcp_dsn, "auth")


@pytest.fixture(scope="module")
def auth_server(auth_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    """``pgmilvus serve --require-auth`` over ``auth_dsn``: each call runs as its caller's role."""
    server = ServeProcess(auth_dsn, tmp_path_factory.mktemp("auth") / "serve.log", extra=("--require-auth",))
    yield server
    assert server.stop() == 0


def quietly(*cleanups: Callable[[], Any]) -> None:
    """Run each cleanup call; one whose object is already gone (pymilvus's MilvusException) is fine."""
    from pymilvus import MilvusException

    for cleanup in cleanups:
        try:
            cleanup()
        except MilvusException:
            pass


@dataclasses.dataclass(frozen=True)
class RbacWire:
    """What an RBAC test over the wire works with (the ``rbac_wire`` fixture)."""
    uri: str
    admin: Any  # pymilvus's MilvusClient, as the TCP server's superuser
    local: Any  # pgmilvus's MilvusClient on the same database
    group: str
    role: str
    user: str
    coll: str


@pytest.fixture
def rbac_wire(auth_server: ServeProcess, auth_dsn: str) -> Iterator[RbacWire]:
    """Unmodified pymilvus logged in to ``auth_server`` as the superuser, pgmilvus in process on its
    database, and fresh names for a privilege group, role, user and collection (``coll`` created,
    holding the row id 1); whatever of them is left is dropped afterwards."""
    import pgmilvus
    from pymilvus import MilvusClient

    from tests.fix_db import TCP_PASSWORD, TCP_USER

    uri, suffix = f"http://{auth_server.address}", uuid.uuid4().hex[:6]
    wire = RbacWire(uri, MilvusClient(uri=uri, token=f"{TCP_USER}:{TCP_PASSWORD}"), pgmilvus.MilvusClient(auth_dsn),
                    f"pg_{suffix}", f"r_{suffix}", f"u_{suffix}", f"c_{suffix}")
    admin = wire.admin
    try:
        admin.create_collection(wire.coll, dimension=3)
        admin.insert(wire.coll, [{"id": 1, "vector": [1, 2, 3]}])
        yield wire
    finally:
        quietly(lambda: admin.drop_role(wire.role, force_drop=True), lambda: admin.drop_user(wire.user),
                lambda: admin.drop_privilege_group(wire.group), lambda: admin.drop_collection(wire.coll))
        admin.close()
        wire.local.close()


@pytest.fixture
def local_client(serve_dsn: str) -> Iterator:
    """pgmilvus in-process, on the database the server serves."""
    from pgmilvus import MilvusClient

    client = MilvusClient(serve_dsn)
    yield client
    client.close()


@pytest.fixture
def wire_client(serve_address: str, serve_dsn: str) -> Iterator:
    """Unmodified pymilvus talking to ``pgmilvus serve``; the server's data is wiped afterwards."""
    from pymilvus import MilvusClient

    client = MilvusClient(uri=f"http://{serve_address}")
    yield client
    client.close()
    _wipe(serve_dsn)


def _wipe(dsn: str) -> None:
    from pgmilvus import MilvusClient
    from tests.fix_client import _wipe as wipe_databases

    with MilvusClient(dsn) as client:
        wipe_databases(client)
