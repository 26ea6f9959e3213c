"""MilvusClient calls inside the application's own transaction (``client.bind(conn)``, callers.py):
a vector write and the application's own writes commit or roll back together."""

from __future__ import annotations

import threading
from typing import Iterator

import psycopg
import pytest
from psycopg.rows import dict_row

from pgmilvus import DataType, MilvusClient, MilvusException


@pytest.fixture
def app(fresh_db: str) -> Iterator[tuple[MilvusClient, psycopg.Connection]]:
    """A client with collection ``docs`` (rows 1, 2), and the application's connection with its own
    table ``article`` (not autocommit, as psycopg's default)."""
    client = MilvusClient(fresh_db)
    client.create_collection("docs", dimension=2)
    client.insert("docs", [{"id": 1, "vector": [0.1, 0.2]}, {"id": 2, "vector": [0.3, 0.4]}])
    conn = psycopg.connect(fresh_db)
    conn.execute("CREATE TABLE article (id int PRIMARY KEY, title text)")
    conn.commit()
    yield client, conn
    conn.close()
    client.close()


def _ids(client: MilvusClient, name: str = "docs") -> list[int]:
    return sorted(r["id"] for r in client.query(name, filter="id >= 0"))


def _articles(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT count(*) FROM article").fetchone()[0]


WRITES = [
    ("insert", lambda c: c.insert("docs", [{"id": 3, "vector": [0.5, 0.6]}]), [1, 2, 3]),
    ("upsert", lambda c: c.upsert("docs", [{"id": 2, "vector": [0.9, 0.9]}, {"id": 4, "vector": [0, 1]}]),
     [1, 2, 4]),
    ("delete", lambda c: c.delete("docs", filter="id == 1"), [2]),
]


@pytest.mark.parametrize("name, write, inside", WRITES, ids=[w[0] for w in WRITES])
def test_a_rollback_undoes_the_app_row_and_the_write(app, name, write, inside) -> None:
    client, conn = app
    with client.bind(conn):
        conn.execute("INSERT INTO article VALUES (1, 'a')")
        write(client)
        assert _ids(client) == inside  # the call sees its own transaction's rows
    assert _ids(client) == [1, 2]  # other connections do not, until the commit
    conn.rollback()
    assert _ids(client) == [1, 2] and _articles(conn) == 0


@pytest.mark.parametrize("name, write, inside", WRITES, ids=[w[0] for w in WRITES])
def test_a_commit_keeps_both(app, name, write, inside) -> None:
    client, conn = app
    with client.bind(conn):
        conn.execute("INSERT INTO article VALUES (1, 'a')")
        write(client)
    conn.commit()
    assert _ids(client) == inside and _articles(conn) == 1


def test_collection_ddl_rolls_back_and_the_catalog_cache_keeps_nothing(app) -> None:
    client, conn = app
    with client.bind(conn):
        client.create_collection("fresh", dimension=2)
        client.insert("fresh", [{"id": 7, "vector": [1, 2]}])
        assert client.has_collection("fresh") and _ids(client, "fresh") == [7]
        client.drop_collection("docs")
        assert not client.has_collection("docs")
        client.add_collection_field("fresh", "note", DataType.VARCHAR, max_length=8, nullable=True)
    conn.rollback()
    assert client.list_collections() == ["docs"] and _ids(client) == [1, 2]
    with client.bind(conn):  # the caller's connection, after its rollback, sees the same
        assert client.list_collections() == ["docs"] and _ids(client) == [1, 2]
    conn.rollback()


def test_a_failed_call_leaves_the_transaction_usable(app) -> None:
    client, conn = app
    with client.bind(conn):
        conn.execute("INSERT INTO article VALUES (1, 'a')")
        client.insert("docs", [{"id": 3, "vector": [0.5, 0.6]}])
        with pytest.raises(MilvusException, match="primary key 1 .* already exists"):
            client.insert("docs", [{"id": 5, "vector": [0, 0]}, {"id": 1, "vector": [0, 0]}])
        with pytest.raises(MilvusException, match="cannot parse expression"):
            client.query("docs", filter="id >")
        assert _ids(client) == [1, 2, 3] and _articles(conn) == 1
    conn.commit()
    assert _ids(client) == [1, 2, 3] and _articles(conn) == 1


def test_autocommit_connection_commits_each_call(app, fresh_db) -> None:
    client, _ = app
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        with client.bind(conn):
            client.insert("docs", [{"id": 3, "vector": [0.5, 0.6]}])
        assert _ids(client) == [1, 2, 3]
        with pytest.raises(psycopg.errors.DivisionByZero):
            with conn.transaction(), client.bind(conn):  # the application's transaction holds the call
                client.delete("docs", ids=[3])
                assert _ids(client) == [1, 2]
                conn.execute("SELECT 1/0")  # the application fails: its transaction rolls back
        assert _ids(client) == [1, 2, 3]


def test_the_apps_row_factory_is_kept(app) -> None:
    client, conn = app
    conn.row_factory = dict_row
    with client.bind(conn):
        assert client.get("docs", ids=[1], output_fields=["id"]) == [{"id": 1}]
        assert client.describe_collection("docs")["collection_name"] == "docs"
    assert conn.execute("SELECT 1 AS one").fetchone() == {"one": 1}
    conn.rollback()


def test_other_threads_and_other_clients_keep_their_pool(app, fresh_db) -> None:
    client, conn = app
    seen: list[list[int]] = []
    other = MilvusClient(fresh_db)
    try:
        with client.bind(conn):
            client.insert("docs", [{"id": 3, "vector": [0.5, 0.6]}])
            worker = threading.Thread(target=lambda: seen.append(_ids(client)))
            worker.start()
            worker.join()
            assert seen == [[1, 2]] and _ids(other) == [1, 2] and _ids(client) == [1, 2, 3]
    finally:
        other.close()
        conn.rollback()


def test_bind_refuses_what_it_cannot_run_on(app, pg_dsn) -> None:
    client, conn = app
    with pytest.raises(MilvusException, match="needs a psycopg 3 Connection, got str"):
        client.bind("postgresql://")
    with psycopg.connect(pg_dsn) as elsewhere:
        with pytest.raises(MilvusException, match="catalog lives in"):
            client.bind(elsewhere)
    closed = psycopg.connect(conn.info.dsn)
    closed.close()
    with pytest.raises(MilvusException, match="closed connection"):
        client.bind(closed)



def test_the_readme_idiom(app, fresh_db) -> None:
    client, _ = app
    with psycopg.connect(fresh_db) as conn, client.bind(conn):
        conn.execute("INSERT INTO article (id, title) VALUES (%s, %s)", (7, "t"))
        client.insert("docs", [{"id": 7, "vector": [0.1, 0.1]}])
    with pytest.raises(RuntimeError):
        with psycopg.connect(fresh_db) as conn, client.bind(conn):
            conn.execute("INSERT INTO article (id, title) VALUES (%s, %s)", (8, "t"))
            client.insert("docs", [{"id": 8, "vector": [0.1, 0.1]}])
            raise RuntimeError("the application fails")
    with psycopg.connect(fresh_db) as conn:
        assert [r[0] for r in conn.execute("SELECT id FROM article ORDER BY id")] == [7]
    assert _ids(client) == [1, 2, 7]


def test_flush_in_the_callers_transaction_seals_and_leaves_building_for_later(app) -> None:
    client, conn = app
    with client.bind(conn):
        client.insert("docs", [{"id": 3, "vector": [0.5, 0.6]}])
        client.flush("docs")  # CREATE INDEX CONCURRENTLY cannot run in a transaction: not attempted
        assert _ids(client) == [1, 2, 3]
    conn.commit()
    client.flush("docs")
    assert _ids(client) == [1, 2, 3]
    assert client.describe_index("docs", client.list_indexes("docs")[0])["pending_index_rows"] == 0


def test_a_pooled_connection_bound_as_a_callers_writes_json(app) -> None:
    """An import job binds one of the client's own pooled connections: after a write on it, its
    own adapters know pgmilvus's binary markers, the bound map (another connection's copy) had to
    learn them too, or a JSON value went to psycopg's json dumper (TypeError)."""
    client, _ = app
    client.insert("docs", [{"id": 5, "vector": [0.0, 0.1], "note": {"a": 1}}])  # a pooled connection writes
    with client._db.own_connection() as conn, conn.transaction(), client.bind(conn):
        client.insert("docs", [{"id": 6, "vector": [0.2, 0.3], "note": {"b": [1, 2]}}])
    assert client.get("docs", ids=[5, 6], output_fields=["note"]) == [{"id": 5, "note": {"a": 1}},
                                                                      {"id": 6, "note": {"b": [1, 2]}}]
