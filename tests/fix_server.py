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

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest

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
    import psycopg
    from psycopg import sql

    from pgmilvus.pg.connection import dsn_with

    name = f"serve_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield dsn_with(pg_dsn, dbname=name)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


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
