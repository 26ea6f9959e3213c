"""Client fixtures: the same tests run against both ways of connecting.

``client`` is parametrized: ``embedded`` opens a Milvus-Lite-style path (the
private embedded Postgres, shared by the session and wiped between tests);
``server`` connects by ``postgresql://`` URI over TCP to a second server (or
``$PGMILVUS_TEST_DSN``), in a brand-new database per test; ``async`` is
``AsyncMilvusClient`` on the embedded path, its coroutines awaited one by one
on an event loop of its own (``Awaiting``), so the async face passes the very
tests the sync one does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.fix_db import new_database


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
    # what the default database's properties configure for later tests' loads and creates
    configured = {"database.replica.number", "database.resource_groups", "database.max.collections"}
    if configured & set(client.describe_database("default")):
        client.drop_database_properties("default", sorted(configured))
    _wipe_resource_groups(client)


def _wipe_resource_groups(client) -> None:
    """Drop the created resource groups (emptied of requests, limits and transfers first) and give
    the default group its first config back."""
    from pgmilvus.catalog.resource_groups import DEFAULT, DEFAULT_CAPACITY, new_config

    groups = client.list_resource_groups()
    client.update_resource_groups({g: new_config(0, DEFAULT_CAPACITY if g == DEFAULT else 0) for g in groups})
    for group in groups:
        if group != DEFAULT:
            client.drop_resource_group(group)


@pytest.fixture(scope="session")
def embedded_path(test_root: Path) -> Iterator[str]:
    from pgmilvus.pg import embedded

    path = str(test_root / "embedded.db")
    yield path
    # Stop the server before test_root's teardown deletes its folder.
    embedded.release(path)


class Awaiting:
    """An AsyncMilvusClient seen as a MilvusClient: each coroutine method is run to its end on an
    event loop in a thread of its own.  What AsyncMilvusClient lacks as pymilvus's does (the
    iterators), and the internals white-box tests look at, are the synchronous client's inside."""

    def __init__(self, aclient) -> None:
        import asyncio
        import threading

        self._aclient = aclient
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro):
        import asyncio

        from pgmilvus.pg import green

        if green.in_green():  # a test's hook inside a call, calling the client again: on its loop
            return green.await_(coro)
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def __getattr__(self, name: str):
        import inspect

        if name.startswith("_") or name in ("query_iterator", "search_iterator"):  # white-box tests
            self.run(self._aclient._client())
            return getattr(self._aclient._sync, name)
        found = getattr(self._aclient, name)
        if not inspect.iscoroutinefunction(found):
            return found
        return lambda *args, **kwargs: self.run(found(*args, **kwargs))

    def close(self) -> None:
        self.run(self._aclient.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()


@pytest.fixture(params=["embedded", "server", "async"])
def client(request: pytest.FixtureRequest, embedded_path: str) -> Iterator:
    from pgmilvus import AsyncMilvusClient, MilvusClient

    if request.param in ("embedded", "async"):
        cli = MilvusClient(embedded_path) if request.param == "embedded" else Awaiting(
            AsyncMilvusClient(embedded_path))
        _wipe(cli)
        yield cli
        _wipe(cli)
        cli.close()
    else:
        dsn = request.getfixturevalue("server_db")
        cli = MilvusClient(dsn)
        yield cli
        cli.close()


#: The in-process faces: MilvusClient, and AsyncMilvusClient awaited call by call (``Awaiting``).
FACES = ["sync", "async"]


def open_client(face: str, dsn: str):
    """A client of ``face`` (one of FACES) on ``dsn``."""
    from pgmilvus import AsyncMilvusClient, MilvusClient

    return MilvusClient(dsn) if face == "sync" else Awaiting(AsyncMilvusClient(dsn))


def analyzed_client(face: str, dsn: str, name: str, fields: dict, docs: list, bm25_input: str) -> Iterator:
    """A ``face`` client on ``dsn`` (closed after) with collection ``name`` (made once): a
    text_match VARCHAR field per ``fields`` entry (name -> analyzer_params), a BM25 function on
    ``bm25_input`` into an indexed ``sparse``, ``docs`` as rows 0, 1, 2..."""
    client = open_client(face, dsn)
    if not client.has_collection(name):
        _analyzed_collection(client, name, fields, docs, bm25_input)
    yield client
    client.close()


def _analyzed_collection(client, name: str, fields: dict, docs: list, bm25_input: str) -> None:
    from pgmilvus import DataType, Function, FunctionType

    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    for field, params in fields.items():
        schema.add_field(field, DataType.VARCHAR, max_length=200, enable_analyzer=True, enable_match=True,
                         analyzer_params=params)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(Function(name="bm", function_type=FunctionType.BM25, input_field_names=[bm25_input],
                                 output_field_names=["sparse"]))
    index = client.prepare_index_params()
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    client.create_collection(name, schema=schema, index_params=index)
    client.insert(name, [{"id": i, **doc} for i, doc in enumerate(docs)])


@pytest.fixture(params=FACES)
def fresh_client(request: pytest.FixtureRequest, fresh_db: str) -> Iterator:
    """A client on a brand-new database, once per face, so a module's tests pass on both."""
    cli = open_client(request.param, fresh_db)
    yield cli
    cli.close()


@pytest.fixture
def server_db(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database on the TCP server (``tcp_dsn``), falling back to the session server."""
    try:
        base = request.getfixturevalue("tcp_dsn")
    except pytest.FixtureLookupError:
        base = request.getfixturevalue("pg_dsn")
    yield from new_database(base)


@pytest.fixture
def opened() -> Iterator[list]:
    """Clients a test opens (as its users, say), closed at the end."""
    clients: list = []
    yield clients
    for cli in clients:
        cli.close()
