"""Reads (search, hybrid_search, search_iterator, query, get, query_iterator) skip the pool's checkout round trip.

What makes that safe, tested here from the user's side: a read never runs on
an out-of-date collection description (the statement's revision guard fails
and the call runs again on a fresh one), and a dead pooled connection costs a
retry, not an error.  The stale tests put the process's cached descriptions
back as they were before the change and switch catalog notifications off, so
the cache is certainly stale when the read starts: the worst case of a
notification still in flight.
"""

from __future__ import annotations

from typing import Any, Callable

import psycopg
import pytest

from pgmilvus import AnnSearchRequest, DataType, MilvusClient, RRFRanker
from pgmilvus.catalog import store as catalog
from pgmilvus.pg import connection, green_pool
from pgmilvus.errors import MilvusException

READS: dict[str, Callable[[MilvusClient], Any]] = {
    "search": lambda c: c.search("c", [[1.0, 0.0, 0.0, 0.0]], limit=3, output_fields=["*"]),
    "hybrid_search": lambda c: c.hybrid_search(
        "c", [AnnSearchRequest([[1.0, 0.0, 0.0, 0.0]], "v", {}, limit=3)], RRFRanker(), limit=3,
        output_fields=["*"]),
    "search_iterator": lambda c: c.search_iterator("c", [[1.0, 0.0, 0.0, 0.0]], batch_size=3,
                                                   output_fields=["*"]).next(),
    "query": lambda c: c.query("c", filter="pk < 3", output_fields=["*"]),
    "get": lambda c: c.get("c", ids=[0, 1, 2]),
    "query_iterator": lambda c: c.query_iterator("c", batch_size=3, output_fields=["*"]).next(),
}


def _schema(extra: bool = False):
    s = MilvusClient.create_schema()
    s.add_field("pk", DataType.INT64, is_primary=True)
    s.add_field("v", DataType.FLOAT_VECTOR, dim=4)
    if extra:
        s.add_field("tag", DataType.VARCHAR, max_length=8)
    return s


def _create(c: MilvusClient, metric: str = "L2", extra: bool = False) -> None:
    index = c.prepare_index_params()
    index.add_index("v", index_type="HNSW", metric_type=metric)
    c.create_collection("c", schema=_schema(extra), index_params=index)
    rows = [{"pk": i, "v": [1.0, float(i), 0.0, 0.0]} for i in range(20)]
    if extra:
        rows = [{**r, "tag": f"t{r['pk']}"} for r in rows]
    c.insert("c", rows)


@pytest.fixture
def stale(monkeypatch: pytest.MonkeyPatch) -> Callable[[dict], None]:
    """``stale(snapshot)``: the cache holds ``snapshot`` again and notifications do nothing."""
    def go_stale(snapshot: dict) -> None:
        monkeypatch.setattr(connection._Listener, "fire", lambda self, channel: None)
        catalog._cache.clear()
        catalog._cache.update(snapshot)
    return go_stale


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the pool's checkout checks (one round trip each)."""
    seen: list[int] = []
    original = connection.ConnectionPool.check_connection

    def counting(conn: psycopg.Connection) -> None:
        seen.append(1)
        original(conn)
    monkeypatch.setattr(connection.ConnectionPool, "check_connection", staticmethod(counting))
    original_async = green_pool.AsyncConnectionPool.check_connection

    async def counting_async(aconn: psycopg.AsyncConnection) -> None:   # AsyncMilvusClient's pool
        seen.append(1)
        await original_async(aconn)
    monkeypatch.setattr(green_pool.AsyncConnectionPool, "check_connection", staticmethod(counting_async))
    return seen


def _recreate_behind_the_cache(client: MilvusClient, stale: Callable[[dict], None],
                               extra: bool = False) -> None:
    """Drop and create "c" again while the cache keeps the old description (notifications off)."""
    snapshot = dict(catalog._cache)
    client.drop_collection("c")
    _create(client, extra=extra)
    stale(snapshot)


def _hits(result: Any) -> list[Any]:
    """The rows a read returned, as comparable plain data."""
    if isinstance(result, list) and result and isinstance(result[0], list):  # search results
        return [[(h["pk"], round(h["distance"], 4), sorted(h["entity"])) for h in hits] for hits in result]
    return [sorted(row.items()) for row in result]


@pytest.mark.parametrize("op", list(READS))
def test_reads_and_writes_take_no_checkout_round_trip(client: MilvusClient, checks: list[int],
                                                       op: str) -> None:
    _create(client)
    READS[op](client)  # warm: the description is cached now
    checks.clear()
    assert len(_hits(READS[op](client))) >= 1
    assert checks == []
    client.insert("c", [{"pk": 100, "v": [0.0, 0.0, 0.0, 1.0]}])
    client.upsert("c", [{"pk": 100, "v": [0.0, 0.0, 1.0, 1.0]}])
    client.delete("c", ids=[100])
    assert checks == []


@pytest.mark.parametrize("runs", [1, 10])  # 10: the statement is prepared, with a generic plan
def test_search_after_the_index_changed_metric_uses_the_new_metric(client: MilvusClient, stale,
                                                                   runs: int) -> None:
    _create(client, "L2")
    for _ in range(runs):
        before = READS["search"](client)
    assert [h["distance"] for h in before[0]] == [0.0, 1.0, 4.0]  # squared L2
    snapshot = dict(catalog._cache)
    client.release_collection("c")
    client.drop_index("c", "v")
    index = client.prepare_index_params()
    index.add_index("v", index_type="HNSW", metric_type="IP")
    client.create_index("c", index)
    client.load_collection("c")
    stale(snapshot)
    after = READS["search"](client)  # the cached description still says L2
    assert [h["distance"] for h in after[0]] == [1.0, 1.0, 1.0]  # inner products, not L2
    assert [h["pk"] for h in after[0]] == [0, 1, 2]


@pytest.mark.parametrize("op", list(READS))
def test_read_after_the_collection_was_recreated_sees_the_new_one(client: MilvusClient, stale,
                                                                  op: str) -> None:
    _create(client)
    assert "tag" not in str(_hits(READS[op](client)))
    _recreate_behind_the_cache(client, stale, extra=True)
    got = _hits(READS[op](client))  # the cached description is of the dropped collection
    assert got and "tag" in str(got)


@pytest.mark.parametrize("runs", [1, 10])
@pytest.mark.parametrize("op", list(READS))
def test_read_through_an_alias_moved_behind_the_cache_reads_the_new_target(client: MilvusClient, stale,
                                                                          op: str, runs: int) -> None:
    """Only the catalog changes (no table does): the revision guard alone sees it."""
    _create(client, extra=True)
    client.rename_collection("c", "first")
    _create(client)
    client.create_alias("c", "a")
    client.rename_collection("c", "second")
    client.rename_collection("first", "c")  # "c" has the tag field again, "a" points at "second"
    read = READS[op]
    with_alias = lambda c: read(_AliasAs(c))  # noqa: E731
    for _ in range(runs):
        assert "tag" not in str(_hits(with_alias(client)))
    snapshot = dict(catalog._cache)
    client.alter_alias("c", "a")
    stale(snapshot)
    got = _hits(with_alias(client))  # the cached alias still points at "second"
    assert got and "tag" in str(got)


class _AliasAs:
    """The client, with its reads of collection "c" sent to alias "a"."""

    def __init__(self, client: MilvusClient) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)
        return lambda collection, *args, **kwargs: method("a" if collection == "c" else collection,
                                                           *args, **kwargs)


@pytest.mark.parametrize("op", list(READS))
def test_read_after_the_collection_was_dropped_is_not_found(client: MilvusClient, stale, op: str) -> None:
    _create(client)
    READS[op](client)
    snapshot = dict(catalog._cache)
    client.drop_collection("c")
    stale(snapshot)
    with pytest.raises(MilvusException) as info:
        READS[op](client)
    assert info.value.code == 100, info.value


@pytest.mark.parametrize("op", list(READS))
def test_read_on_connections_killed_in_the_pool_just_works(server_db: str, op: str) -> None:
    c = MilvusClient(server_db)
    _create(c)
    expected = _hits(READS[op](c))
    with psycopg.connect(server_db, autocommit=True) as conn:
        killed = conn.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname ="
                              " current_database() AND pid <> pg_backend_pid()").fetchone()[0]
    assert killed >= 1
    assert _hits(READS[op](c)) == expected  # no error: the read ran again on a new connection
    c.close()


def test_a_description_that_keeps_changing_is_a_retryable_error(client: MilvusClient, stale,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    _create(client)
    READS["query"](client)
    _recreate_behind_the_cache(client, stale)
    # The refresh is lost every time (as if each retry met yet another change).
    monkeypatch.setattr(catalog, "invalidate_cache", lambda: None)
    with pytest.raises(connection.ConnectionLost) as info:
        READS["query"](client)
    assert "retry" in info.value.message
    assert "PGM01" not in info.value.message and "expect_revision" not in info.value.message
    assert "revision_" not in info.value.message and "does not exist" not in info.value.message


def test_a_write_on_a_collection_recreated_meanwhile_is_a_retryable_error(client: MilvusClient,
                                                                          stale) -> None:
    """Here the drop and create send no notification: the write's lock_collection finds them."""
    _create(client)
    READS["query"](client)
    _recreate_behind_the_cache(client, stale)
    with pytest.raises(connection.ConnectionLost) as info:
        client.insert("c", [{"pk": 100, "v": [0.0, 0.0, 0.0, 1.0]}])
    assert "dropped and created again" in info.value.message and "retry" in info.value.message
    assert client.insert("c", [{"pk": 100, "v": [0.0, 0.0, 0.0, 1.0]}])["insert_count"] == 1  # the retry
    assert client.get("c", ids=[100])[0]["pk"] == 100


def test_query_iterator_follows_catalog_changes_between_pages(client: MilvusClient) -> None:
    _create(client, extra=True)
    it = client.query_iterator("c", batch_size=5, filter="pk >= 2", output_fields=["tag"])
    first = it.next()
    index = client.prepare_index_params()
    index.add_index("tag", index_type="INVERTED")
    client.create_index("c", index)      # a new catalog revision between pages
    rest = [row for page in it for row in page]
    assert [r["pk"] for r in first + rest] == list(range(2, 20))
    assert rest[0] == {"pk": 7, "tag": "t7"}


@pytest.mark.parametrize("start", [
    lambda c: c.query_iterator("c", batch_size=5),
    lambda c: c.search_iterator("c", [[1.0, 0.0, 0.0, 0.0]], batch_size=5),
], ids=["query_iterator", "search_iterator"])
def test_an_iterator_over_a_collection_created_again_ends_with_an_error(client: MilvusClient, start) -> None:
    _create(client)
    it = start(client)
    assert [r["pk"] for r in it.next()] == [0, 1, 2, 3, 4]
    client.drop_collection("c")
    _create(client, extra=True)
    with pytest.raises(MilvusException) as info:
        it.next()
    assert info.value.code == 100 and "create a new iterator" in info.value.message
    assert [r["pk"] for r in start(client).next()] == [0, 1, 2, 3, 4]


# -- the kept connection: reads in a row skip the pool ---------------------------------------------

@pytest.fixture
def checkouts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the pool's checkouts (getconn), checked or not."""
    seen: list[int] = []
    original = connection.ConnectionPool.getconn

    def counting(pool: connection.ConnectionPool, *args: Any, **kwargs: Any) -> psycopg.Connection:
        seen.append(1)
        return original(pool, *args, **kwargs)
    monkeypatch.setattr(connection.ConnectionPool, "getconn", counting)
    original_green = green_pool.GreenPool.getconn

    def counting_green(pool: green_pool.GreenPool, *args: Any, **kwargs: Any) -> psycopg.Connection:
        seen.append(1)   # AsyncMilvusClient's pool
        return original_green(pool, *args, **kwargs)
    monkeypatch.setattr(green_pool.GreenPool, "getconn", counting_green)
    return seen


def _backend(c: MilvusClient) -> int:
    return c._read(lambda conn: conn.execute("SELECT pg_backend_pid()").fetchone()[0])


def test_reads_in_a_row_reuse_the_kept_connection(client: MilvusClient, checkouts: list[int]) -> None:
    _create(client)
    READS["search"](client)
    pid = _backend(client)  # on the async face: the synchronous pool's (the iterators use it too)
    checkouts.clear()
    for op in READS:
        READS[op](client)
    assert _backend(client) == pid and checkouts == []


def test_the_kept_connection_goes_back_through_the_pool_now_and_then(
        client: MilvusClient, checkouts: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "_KEPT_USES", 4)
    _create(client)
    READS["get"](client)
    checkouts.clear()
    for _ in range(12):
        READS["get"](client)
    assert len(checkouts) == 3  # every 4th read returned it to the pool, the next one took it again


def test_a_write_after_reads_gets_the_connection_even_from_a_pool_of_one(server_db: str,
                                                                         checks: list[int]) -> None:
    c = MilvusClient(server_db, pool_size=1)
    _create(c)
    READS["search"](c)  # a read before: the pool's only connection is never kept (Database._keep)
    checks.clear()
    c.insert("c", [{"pk": 100, "v": [0.0, 0.0, 0.0, 1.0]}])  # does not wait for a free connection
    assert checks == []  # its BEGIN is the check (Database.begun)
    assert _hits(READS["get"](c))
    c.close()


def test_close_closes_the_kept_connection(server_db: str) -> None:
    c = MilvusClient(server_db)
    _create(c)
    READS["query"](c)
    [kept] = c._db._kept[c._db.pool]
    assert not kept.closed
    c.close()
    assert kept.closed and not c._db._kept[c._db.pool]


def test_a_dead_kept_connection_is_replaced(server_db: str) -> None:
    c = MilvusClient(server_db)
    _create(c)
    expected = _hits(READS["search"](c))
    pid = _backend(c)
    with psycopg.connect(server_db, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
    assert _hits(READS["search"](c)) == expected  # no error
    assert _backend(c) != pid
    c.close()


def test_a_catalog_from_before_revision_markers_gets_them(server_db: str) -> None:
    """Migration 006 on a catalog that already has collections: each gets its marker."""
    with MilvusClient(server_db) as c:
        _create(c)
        expected = _hits(READS["search"](c))
    with psycopg.connect(server_db, autocommit=True) as conn:  # back to the catalog of version 5
        conn.execute("DROP FUNCTION pgmilvus_catalog.move_revision_marker() CASCADE")
        conn.execute("DROP FUNCTION pgmilvus_catalog.create_revision_marker(text)")
        for (marker,) in conn.execute("SELECT proname FROM pg_proc WHERE proname LIKE 'revision\\_%%'").fetchall():
            conn.execute(f'DROP FUNCTION pgmilvus_catalog."{marker}"()')
        conn.execute("UPDATE pgmilvus_catalog.version SET version = 5")
    catalog._cache.clear()
    with MilvusClient(server_db) as c:
        assert _hits(READS["search"](c)) == expected
        c.insert("c", [{"pk": 100, "v": [1.0, 0.0, 0.0, 0.0]}])  # a change moves the marker
        assert [h["pk"] for h in c.search("c", [[1.0, 0.0, 0.0, 0.0]], limit=2)[0]] == [0, 100]
        c.create_partition("c", "p")
        assert c.list_partitions("c") == ["_default", "p"]
        assert _hits(READS["search"](c))[0][0][0] == 0
