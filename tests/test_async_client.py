"""AsyncMilvusClient in process (async_client.py).

Every operation is also run by the whole client-fixture suite through the
``async`` parameter of tests/fix_client.py; here: the face itself (names and
coroutines as pymilvus's), asyncio.gather, lazy connection, and the caller's
``psycopg.AsyncConnection`` with rollback, commit and cancellation.
"""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path
from typing import Any

import psycopg
import pymilvus
import pytest

from pgmilvus import (AsyncMilvusClient, ConnectionConfigException, DataType, LoadState, MilvusClient,
                      MilvusException)

pytestmark = pytest.mark.filterwarnings("error::ResourceWarning")


def _ours(name: str) -> bool:
    return not name.startswith("_") and callable(getattr(MilvusClient, name))


SYNC_ONLY = {"bind", "query_iterator", "search_iterator"}  # pymilvus's AsyncMilvusClient has none either


def test_every_operation_of_the_sync_client_is_on_the_async_one() -> None:
    missing = [n for n in dir(MilvusClient) if _ours(n) and n not in SYNC_ONLY
               and not hasattr(AsyncMilvusClient, n)]
    assert missing == []


@pytest.mark.parametrize("name", sorted(n for n in dir(pymilvus.AsyncMilvusClient)
                                        if not n.startswith("_") and hasattr(AsyncMilvusClient, n)))
def test_coroutines_where_pymilvus_has_coroutines(name: str) -> None:
    theirs = inspect.iscoroutinefunction(getattr(pymilvus.AsyncMilvusClient, name))
    assert inspect.iscoroutinefunction(getattr(AsyncMilvusClient, name)) == theirs


@pytest.mark.parametrize("name", ["get_load_state", "refresh_load"])
def test_pymilvus_async_parameters(name: str) -> None:
    theirs = list(inspect.signature(getattr(pymilvus.AsyncMilvusClient, name)).parameters)
    assert list(inspect.signature(getattr(AsyncMilvusClient, name)).parameters) == theirs


def run(coro) -> Any:
    return asyncio.run(coro)


def test_the_constructor_does_not_connect(tmp_path: Path) -> None:
    client = AsyncMilvusClient(str(tmp_path / "missing" / "x.db"))  # as pymilvus: no error yet

    async def first_call() -> None:
        try:
            await client.list_collections()
        finally:
            await client.close()

    with pytest.raises(ConnectionConfigException, match="Open local milvus failed, dir: .*missing not exists"):
        run(first_call())


def test_calls_after_close_are_refused(fresh_db: str) -> None:
    async def scenario() -> None:
        client = AsyncMilvusClient(fresh_db)
        await client.list_collections()
        await client.close()
        await client.list_collections()

    with pytest.raises(MilvusException, match="should create connection first"):
        run(scenario())


def test_gather_runs_writes_and_reads_concurrently(fresh_db: str) -> None:
    async def scenario() -> tuple:
        async with AsyncMilvusClient(fresh_db, pool_size=4) as client:
            await client.create_collection("docs", dimension=2, metric_type="L2")
            inserted = await asyncio.gather(*[
                client.insert("docs", [{"id": i * 10 + j, "vector": [i, j]} for j in range(10)])
                for i in range(20)])
            counts = await asyncio.gather(*[client.query("docs", filter="", output_fields=["count(*)"])
                                            for _ in range(10)])
            hits = await asyncio.gather(*[client.search("docs", [[i, 3]], limit=1) for i in range(20)])
            return inserted, counts, hits

    inserted, counts, hits = run(scenario())
    assert sum(r["insert_count"] for r in inserted) == 200
    assert {c[0]["count(*)"] for c in counts} == {200}
    assert [h[0][0]["id"] for h in hits] == [i * 10 + 3 for i in range(20)]


def test_errors_are_the_sync_clients(fresh_db: str) -> None:
    async def scenario() -> None:
        async with AsyncMilvusClient(fresh_db) as client:
            await client.describe_collection("nope")

    with pytest.raises(MilvusException) as caught:
        run(scenario())
    with MilvusClient(fresh_db) as sync, pytest.raises(MilvusException) as expected:
        sync.describe_collection("nope")
    assert (caught.value.code, caught.value.message) == (expected.value.code, expected.value.message)


def test_get_load_state_of_partitions(fresh_db: str) -> None:
    async def scenario() -> list:
        async with AsyncMilvusClient(fresh_db) as client:
            await client.create_collection("docs", dimension=2)
            await client.create_partition("docs", "p")
            await client.release_partitions("docs", ["p"])
            return [await client.get_load_state("docs", partition_names=names)
                    for names in (None, ["_default"], ["_default", "p"])]

    assert [s["state"] for s in run(scenario())] == [LoadState.Loaded] * 2 + [LoadState.NotLoad]


# -- the caller's AsyncConnection ----------------------------------------------------------------------
WRITES = [
    ("insert", lambda c: c.insert("docs", [{"id": 3, "vector": [0.5, 0.6]}]), [1, 2, 3]),
    ("upsert", lambda c: c.upsert("docs", [{"id": 2, "vector": [0.9, 0.9]}, {"id": 4, "vector": [0, 1]}]),
     [1, 2, 4]),
    ("delete", lambda c: c.delete("docs", filter="id == 1"), [2]),
    ("ddl", lambda c: c.drop_collection("docs"), None),
]


async def _ids(client: AsyncMilvusClient) -> list[int] | None:
    if not await client.has_collection("docs"):
        return None
    return sorted(r["id"] for r in await client.query("docs", filter="id >= 0"))


async def _app(fresh_db: str) -> tuple[AsyncMilvusClient, psycopg.AsyncConnection]:
    client = AsyncMilvusClient(fresh_db)
    await client.create_collection("docs", dimension=2)
    await client.insert("docs", [{"id": 1, "vector": [0.1, 0.2]}, {"id": 2, "vector": [0.3, 0.4]}])
    aconn = await psycopg.AsyncConnection.connect(fresh_db, autocommit=True)
    await aconn.execute("CREATE TABLE article (id int PRIMARY KEY, title text)")
    return client, aconn


@pytest.mark.parametrize("commit", [False, True], ids=["rollback", "commit"])
@pytest.mark.parametrize("name, write, inside", WRITES, ids=[w[0] for w in WRITES])
def test_a_write_on_the_callers_async_connection(fresh_db: str, name, write, inside, commit) -> None:
    async def scenario() -> tuple:
        client, aconn = await _app(fresh_db)
        try:
            try:
                async with aconn.transaction(), client.bind(aconn):
                    await aconn.execute("INSERT INTO article VALUES (1, 'a')")
                    await write(client)
                    seen_inside = await _ids(client)
                    if not commit:
                        raise LookupError("the application rolls back")
            except LookupError:
                pass
            articles = (await (await aconn.execute("SELECT count(*) FROM article")).fetchone())[0]
            return seen_inside, await _ids(client), articles
        finally:
            await aconn.close()
            await client.close()

    seen_inside, after, articles = run(scenario())
    assert seen_inside == inside
    assert (after, articles) == ((inside, 1) if commit else ([1, 2], 0))


def test_a_failed_call_leaves_the_callers_transaction_usable(fresh_db: str) -> None:
    async def scenario() -> tuple:
        client, aconn = await _app(fresh_db)
        try:
            async with aconn.transaction(), client.bind(aconn):
                await client.insert("docs", [{"id": 3, "vector": [0.5, 0.6]}])
                with pytest.raises(MilvusException, match="dim"):
                    await client.insert("docs", [{"id": 4, "vector": [0.5]}])
                await aconn.execute("INSERT INTO article VALUES (1, 'a')")
            return await _ids(client)
        finally:
            await aconn.close()
            await client.close()

    assert run(scenario()) == [1, 2, 3]


def test_a_cancelled_call_is_cancelled_on_the_server_and_gives_the_connection_back(fresh_db: str) -> None:
    async def scenario() -> tuple:
        client, aconn = await _app(fresh_db)
        blocker = await psycopg.AsyncConnection.connect(fresh_db)
        try:
            found = await (await blocker.execute(
                "SELECT n.nspname, c.relname FROM pgmilvus_catalog.collections k JOIN pg_class c ON "
                "c.relname = k.table_name JOIN pg_namespace n ON n.oid = c.relnamespace WHERE k.name = 'docs'"
            )).fetchone()
            await blocker.execute(psycopg.sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(
                psycopg.sql.Identifier(*found)))
            async with aconn.transaction(), client.bind(aconn):
                await aconn.execute("INSERT INTO article VALUES (1, 'a')")
                waiting = asyncio.ensure_future(client.insert("docs", [{"id": 3, "vector": [0.5, 0.6]}]))
                await asyncio.sleep(1)
                waiting.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await waiting
                await aconn.execute("INSERT INTO article VALUES (2, 'b')")  # still usable
            await blocker.rollback()
            articles = (await (await aconn.execute("SELECT count(*) FROM article")).fetchone())[0]
            return await _ids(client), articles
        finally:
            await blocker.close()
            await aconn.close()
            await client.close()

    assert run(scenario()) == ([1, 2], 2)


@pytest.mark.parametrize("connection, message", [
    ("not a connection", "AsyncMilvusClient.bind() needs a psycopg 3 AsyncConnection, got str (a psycopg "
                         "Connection binds to MilvusClient.bind)"),
])
def test_bind_refuses(fresh_db: str, connection: Any, message: str) -> None:
    async def scenario() -> None:
        async with AsyncMilvusClient(fresh_db) as client:
            async with client.bind(connection):
                pass

    with pytest.raises(MilvusException) as caught:
        run(scenario())
    assert caught.value.message == message


def test_bind_refuses_a_connection_to_another_database(fresh_db: str, pg_dsn: str) -> None:
    async def scenario() -> None:
        async with AsyncMilvusClient(fresh_db) as client, \
                await psycopg.AsyncConnection.connect(pg_dsn) as other:
            async with client.bind(other):
                pass

    with pytest.raises(MilvusException, match="bind\\(\\) got a connection to database 'postgres'"):
        run(scenario())


def test_add_field_over_async(fresh_db: str) -> None:
    async def scenario() -> dict:
        async with AsyncMilvusClient(fresh_db) as client:
            await client.create_collection("docs", dimension=2)
            await client.add_collection_field("docs", "note", DataType.VARCHAR, max_length=8, nullable=True)
            return await client.describe_collection("docs")

    assert [f["name"] for f in run(scenario())["fields"]] == ["id", "vector", "note"]


# -- on the event loop, on psycopg's AsyncConnections (pg/green.py) ---------------------------------------
async def _table(dsn: str) -> psycopg.sql.Composable:
    """The Postgres table of the collection "docs"."""
    async with await psycopg.AsyncConnection.connect(dsn) as conn:
        found = await (await conn.execute(
            "SELECT n.nspname, c.relname FROM pgmilvus_catalog.collections k JOIN pg_class c ON "
            "c.relname = k.table_name JOIN pg_namespace n ON n.oid = c.relnamespace WHERE k.name = 'docs'"
        )).fetchone()
    return psycopg.sql.Identifier(*found)


async def _lock_row(dsn: str, row_id: int) -> psycopg.AsyncConnection:
    """Another application's connection holding a row lock on row ``row_id`` of "docs"."""
    blocker = await psycopg.AsyncConnection.connect(dsn)
    await blocker.execute(psycopg.sql.SQL("SELECT 1 FROM {} WHERE id = %s FOR UPDATE").format(
        await _table(dsn)), (row_id,))
    return blocker


async def _waiting_on_locks(dsn: str) -> int:
    async with await psycopg.AsyncConnection.connect(dsn) as conn:
        return (await (await conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")).fetchone())[0]


def test_calls_run_on_the_loops_thread_and_on_async_connections(fresh_db: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    waits: list[tuple[str, int]] = []
    async_wait, sync_wait = psycopg.AsyncConnection.wait, psycopg.Connection.wait

    def on_async(self, *args: Any, **kwargs: Any) -> Any:
        waits.append(("async", threading.get_ident()))
        return async_wait(self, *args, **kwargs)

    def on_sync(self, *args: Any, **kwargs: Any) -> Any:
        waits.append(("sync", threading.get_ident()))
        return sync_wait(self, *args, **kwargs)

    async def scenario() -> tuple:
        async with AsyncMilvusClient(fresh_db) as client:
            await client.create_collection("docs", dimension=2)
            monkeypatch.setattr(psycopg.AsyncConnection, "wait", on_async)
            monkeypatch.setattr(psycopg.Connection, "wait", on_sync)
            threads = set(threading.enumerate())
            await client.insert("docs", [{"id": i, "vector": [i, 1]} for i in range(10)])
            hits = await client.search("docs", [[3, 1]], limit=2)
            rows = await client.query("docs", filter="id < 3")
            return threading.get_ident(), {t.name for t in set(threading.enumerate()) - threads}, hits, rows

    loop_thread, started, hits, rows = run(scenario())
    monkeypatch.undo()
    assert len(hits[0]) == 2 and len(rows) == 3
    assert {kind for kind, _ in waits} == {"async"}                # no synchronous wait on a socket
    assert {thread for _, thread in waits} == {loop_thread}         # every wait on the loop's thread
    assert started <= {"pgmilvus-stats", "pgmilvus-segments"}       # no worker thread, the background
    #                                                                 helpers of any write only


def test_the_loop_runs_while_a_call_waits_on_postgres(fresh_db: str) -> None:
    async def scenario() -> tuple:
        async with AsyncMilvusClient(fresh_db) as client:
            await client.create_collection("docs", dimension=2)
            await client.insert("docs", [{"id": 1, "vector": [0.1, 0.2]}, {"id": 2, "vector": [0.3, 0.4]}])
            blocker = await _lock_row(fresh_db, 1)
            ticks = 0
            try:
                deleting = asyncio.ensure_future(client.delete("docs", ids=[1], timeout=10))
                while ticks < 50:                # half a second of ticks while the delete waits
                    await asyncio.sleep(0.01)
                    ticks += 1
                waited = not deleting.done() and await _waiting_on_locks(fresh_db) == 1
                await blocker.commit()
                deleted = await deleting
            finally:
                await blocker.close()
            return waited, deleted, await client.query("docs", filter="id >= 0")

    waited, deleted, rows = run(scenario())
    assert waited and deleted["delete_count"] == 1 and [r["id"] for r in rows] == [2]


def test_gather_of_more_calls_than_the_pool_has_connections(fresh_db: str) -> None:
    async def scenario() -> tuple:
        async with AsyncMilvusClient(fresh_db, pool_size=2) as client:
            await client.create_collection("docs", dimension=2, metric_type="L2")
            inserted = await asyncio.gather(*[client.insert("docs", [{"id": i, "vector": [i, 0]}])
                                              for i in range(40)])
            hits = await asyncio.gather(*[client.search("docs", [[i, 0]], limit=1) for i in range(40)])
            gets = await asyncio.gather(*[client.get("docs", ids=[i]) for i in range(40)])
            return inserted, hits, gets

    inserted, hits, gets = run(scenario())
    assert sum(r["insert_count"] for r in inserted) == 40
    assert [h[0][0]["id"] for h in hits] == list(range(40))
    assert [g[0]["id"] for g in gets] == list(range(40))


def test_a_call_timed_out_by_asyncio_is_cancelled_and_the_pool_stays_usable(fresh_db: str) -> None:
    async def scenario() -> tuple:
        async with AsyncMilvusClient(fresh_db, pool_size=2) as client:
            await client.create_collection("docs", dimension=2)
            await client.insert("docs", [{"id": 1, "vector": [0.1, 0.2]}, {"id": 2, "vector": [0.3, 0.4]}])
            blocker = await _lock_row(fresh_db, 1)
            try:
                for _ in range(3):                       # more than the pool's connections
                    with pytest.raises(asyncio.TimeoutError):
                        await asyncio.wait_for(client.delete("docs", ids=[1]), timeout=0.3)
                    assert await _waiting_on_locks(fresh_db) == 0   # cancelled on the server too
                others = await asyncio.gather(*[client.get("docs", ids=[2]) for _ in range(4)])
            finally:
                await blocker.close()
            return others, await client.query("docs", filter="id >= 0")

    others, rows = run(scenario())
    assert [o[0]["id"] for o in others] == [2] * 4
    assert [r["id"] for r in rows] == [1, 2]                      # the cancelled deletes left nothing


def test_a_user_changes_their_password_with_reset_connection(server_db: str) -> None:
    """The client's pools are opened again with the new password: the async face's green pool too,
    and the login check of a user who may not read pg_authid runs off the loop."""
    import uuid

    from psycopg.conninfo import conninfo_to_dict

    user = f"u_{uuid.uuid4().hex[:10]}"
    params = conninfo_to_dict(server_db)
    bare = f"postgresql://{params['host']}:{params['port']}/{params['dbname']}"

    async def scenario() -> list:
        async with AsyncMilvusClient(server_db) as admin:
            await admin.create_user(user, "s3cret-Pass")
            try:
                async with AsyncMilvusClient(bare, user=user, password="s3cret-Pass") as client:
                    await client.update_password(user, "s3cret-Pass", "n3w-Password", reset_connection=True)
                    assert client._sync._db.green_pool is not None
                    return await client.list_collections()
            finally:
                await admin.drop_user(user)

    assert run(scenario()) == []
