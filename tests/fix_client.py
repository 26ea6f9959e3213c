"""Client fixtures: the same tests run against both ways of connecting.

``client`` is parametrized: ``embedded`` opens a Milvus-Lite-style path (the
private embedded Postgres, shared by the session and wiped between tests);
``server`` connects by ``postgresql://`` URI over TCP to a second server (or
``$PGMILVUS_TEST_DSN``), in a brand-new database per test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest


def _wipe(client) -> None:
    for db in client.list_databases():
        client.use_database(db)
        for alias in client.list_aliases()["aliases"]:
            client.drop_alias(alias)
        for name in client.list_collections():
            client.drop_collection(name)
    client.use_database("default")
    for db in client.list_databases():
        if db != "default":
            client.drop_database(db)


@pytest.fixture(scope="session")
def embedded_path(test_root: Path) -> Iterator[str]:
    from pgmilvus import embedded

    path = str(test_root / "embedded.db")
    yield path
    # Stop the server before test_root's teardown deletes its folder.
    embedded.release(path)


@pytest.fixture(params=["embedded", "server"])
def client(request: pytest.FixtureRequest, embedded_path: str) -> Iterator:
    from pgmilvus import MilvusClient

    if request.param == "embedded":
        cli = MilvusClient(embedded_path)
        _wipe(cli)
        yield cli
        _wipe(cli)
        cli.close()
    else:
        dsn = request.getfixturevalue("server_db")
        cli = MilvusClient(dsn)
        yield cli
        cli.close()


@pytest.fixture
def server_db(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database on the TCP server (``tcp_dsn``), falling back to the session server."""
    import uuid

    import psycopg
    from psycopg import sql

    from pgmilvus.connection import dsn_with

    try:
        base = request.getfixturevalue("tcp_dsn")
    except pytest.FixtureLookupError:
        base = request.getfixturevalue("pg_dsn")
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield dsn_with(base, dbname=name)
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
