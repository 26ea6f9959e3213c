"""statements.fetch_all: pgmilvus's statements as named prepared statements, straight on libpq.

What a caller relies on: the rows are psycopg's own (same values, same types),
errors are psycopg's exception classes, and the prepared statements survive
what can happen to them on a pooled connection (DISCARD ALL, DEALLOCATE, a
table changed under a cached plan, Ctrl-C).
"""

from __future__ import annotations

import signal
from typing import Iterator

import psycopg
import pytest
from psycopg import errors as pge

from pgmilvus.pg import green, statements
from pgmilvus.pg.statements import _Converted

# statement, query sent, parameter names in order
CONVERSIONS = [
    (b"SELECT %(a)s", b"SELECT $1", ["a"]),
    (b"SELECT %(a)s, %(b)b, %(a)s", b"SELECT $1, $2, $1", ["a", "b"]),
    (b"SELECT %(x)t::text", b"SELECT $1::text", ["x"]),
    (b"SELECT 'a%%b' || %(x)s", b"SELECT 'a%b' || $1", ["x"]),
    (b"SELECT 1", b"SELECT 1", []),
]

BAD_CONVERSIONS = [
    (b"SELECT %s", "a lone '%' in a statement with named parameters: b'SELECT %s'"),
    (b"SELECT %(a)s, %(a)b", "parameter a is used with two formats in b'SELECT %(a)s, %(a)b'"),
]


@pytest.mark.parametrize("statement, query, names", CONVERSIONS)
def test_placeholders_become_numbered_parameters(statement: bytes, query: bytes, names: list[str]) -> None:
    converted = _Converted(statement)
    assert (converted.query, converted.names) == (query, names)


@pytest.mark.parametrize("statement, message", BAD_CONVERSIONS)
def test_placeholders_that_cannot_be_converted(statement: bytes, message: str) -> None:
    with pytest.raises(ValueError) as info:
        _Converted(statement)
    assert str(info.value) == message


@pytest.fixture
def conn(fresh_db: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(fresh_db, autocommit=True) as c:
        c.execute("CREATE TABLE t (id int8 PRIMARY KEY, name text, tags text[], score float4)")
        c.execute("INSERT INTO t VALUES (1, 'a', '{x,y}', 0.5), (2, NULL, '{}', NULL), (3, 'c', NULL, 2.25)")
        yield c


def _ours(conn: psycopg.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE '\\_pgmilvus\\_%%' "
                                       "ORDER BY prepare_time").fetchall()]


STATEMENT = b"SELECT id, name, tags, score FROM t WHERE id >= %(lo)s AND (%(names)s::text[] IS NULL " \
            b"OR name = ANY(%(names)s)) ORDER BY id"


@pytest.mark.parametrize("params", [
    {"lo": 0, "names": None},
    {"lo": 2, "names": None},
    {"lo": 0, "names": ["a", "c"]},
    {"lo": 2**40, "names": None},          # an int8 where an int2 went before: another prepared form
])
def test_rows_are_psycopgs_own(conn: psycopg.Connection, params: dict) -> None:
    expected = conn.execute(STATEMENT, params, binary=True).fetchall()
    for _ in range(3):
        assert statements.fetch_all(conn, STATEMENT, params) == expected


def test_a_statement_is_prepared_on_its_second_use_only(conn: psycopg.Connection) -> None:
    statements.fetch_all(conn, STATEMENT, {"lo": 0, "names": None})
    assert _ours(conn) == []
    statements.fetch_all(conn, STATEMENT, {"lo": 0, "names": None})
    statements.fetch_all(conn, STATEMENT, {"lo": 1, "names": None})
    assert len(_ours(conn)) == 1
    statements.fetch_all(conn, b"SELECT 1 WHERE %(x)s", {"x": True}, prepare=False)
    statements.fetch_all(conn, b"SELECT 1 WHERE %(x)s", {"x": True}, prepare=False)
    assert len(_ours(conn)) == 1


@pytest.mark.parametrize("reset", ["DISCARD ALL", "DEALLOCATE ALL", "DEALLOCATE {name}"])
def test_a_statement_the_server_dropped_is_prepared_again(conn: psycopg.Connection, reset: str) -> None:
    params = {"lo": 2, "names": None}
    for _ in range(2):
        statements.fetch_all(conn, STATEMENT, params)
    [name] = _ours(conn)
    conn.execute(reset.format(name=name))
    assert statements.fetch_all(conn, STATEMENT, params) == [(2, None, [], None), (3, "c", None, 2.25)]
    assert len(_ours(conn)) == 1


def test_a_table_changed_under_a_prepared_statement(conn: psycopg.Connection) -> None:
    statement = b"SELECT * FROM t WHERE id = %(id)s"
    for _ in range(2):
        assert statements.fetch_all(conn, statement, {"id": 1}) == [(1, "a", ["x", "y"], 0.5)]
    conn.execute("ALTER TABLE t ADD COLUMN extra int4 DEFAULT 7")  # "cached plan must not change result type"
    assert statements.fetch_all(conn, statement, {"id": 1}) == [(1, "a", ["x", "y"], 0.5, 7)]
    assert len(_ours(conn)) == 1  # the stale one was deallocated


def test_errors_are_psycopgs_and_the_connection_goes_on(conn: psycopg.Connection) -> None:
    for _ in range(2):
        with pytest.raises(pge.DivisionByZero):
            statements.fetch_all(conn, b"SELECT 1 / %(zero)s", {"zero": 0})
    with pytest.raises(pge.UndefinedTable):
        statements.fetch_all(conn, b"SELECT * FROM missing WHERE 1 = %(x)s", {"x": 1})
    assert statements.fetch_all(conn, b"SELECT %(x)s::int", {"x": 5}) == [(5,)]


def test_no_more_prepared_statements_than_the_capacity(conn: psycopg.Connection,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(statements, "CAPACITY", 3)
    for i in range(6):
        statement = b"SELECT %(x)s::int + " + str(i).encode()
        for _ in range(2):
            assert statements.fetch_all(conn, statement, {"x": 1}) == [(1 + i,)]
    assert len(_ours(conn)) == 3


def test_inside_a_transaction(conn: psycopg.Connection) -> None:
    with conn.transaction(force_rollback=True):
        conn.execute("DELETE FROM t WHERE id = 1")
        for _ in range(2):
            assert [r[0] for r in statements.fetch_all(conn, STATEMENT, {"lo": 0, "names": None})] == [2, 3]
    assert [r[0] for r in statements.fetch_all(conn, STATEMENT, {"lo": 0, "names": None})] == [1, 2, 3]


def test_a_connection_that_is_not_autocommit_opens_its_transaction_as_psycopg_does(fresh_db: str) -> None:
    with psycopg.connect(fresh_db) as c:
        rows = statements.fetch_all(c, b"SELECT %(x)s::int", {"x": 1})
        assert rows == [(1,)]
        assert c.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS


def test_ctrl_c_cancels_the_running_statement(conn: psycopg.Connection) -> None:
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with pytest.raises(KeyboardInterrupt):
            statements.fetch_all(conn, b"SELECT pg_sleep(%(s)s)", {"s": 30})
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert statements.fetch_all(conn, b"SELECT %(x)s::int", {"x": 2}) == [(2,)]
    with psycopg.connect(conn.info.dsn, autocommit=True) as other:
        running = other.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%%' "
                                "AND state = 'active'").fetchone()[0]
    assert running == 0


def test_the_psycopg_internals_pgmilvus_relies_on_are_there(conn: psycopg.Connection) -> None:
    """statements.py drives libpq through psycopg internals, and callers.py swaps a connection's
    adapters for a call: a psycopg release that changes them must fail here, loudly, first."""
    from psycopg import generators
    from psycopg.adapt import AdaptersMap, Transformer

    assert callable(generators.execute) and callable(conn.wait)
    assert Transformer(conn).adapters is conn.adapters
    assert isinstance(conn._adapters, AdaptersMap) and conn._adapters is conn.adapters


def test_the_pool_internals_pgmilvus_relies_on_are_there(fresh_db: str) -> None:
    """Database._keep keeps a read's connection only while nobody waits in the pool: it reads
    psycopg_pool's queue of waiting callers, in both pools."""
    import asyncio

    from psycopg_pool import AsyncConnectionPool, ConnectionPool

    with ConnectionPool(fresh_db, min_size=1, max_size=1, timeout=0.2) as pool:
        assert not pool._waiting
        with pool.connection():
            with pytest.raises(Exception):
                pool.getconn()
        assert len(pool._waiting) == 0

    async def scenario() -> None:
        async with AsyncConnectionPool(fresh_db, min_size=1, max_size=1, open=False) as pool:
            async with pool.connection():
                waiter = asyncio.ensure_future(pool.getconn())
                await asyncio.sleep(0.05)
                assert len(pool._waiting) == 1
            await pool.putconn(await waiter)

    asyncio.run(scenario())


def test_the_psycopg_internals_the_async_twin_relies_on_are_there(fresh_db: str) -> None:
    """green.twin runs the synchronous core on an AsyncConnection's libpq connection: the
    handlers it gives back, the adapters it shares, the autocommit flag it copies and psycopg's
    pooled-connection marker must still be what they are, or this fails first."""
    import asyncio
    import inspect

    from psycopg import _connection_base

    async def scenario() -> None:
        async with await psycopg.AsyncConnection.connect(fresh_db, autocommit=True) as aconn:
            handlers = aconn.pgconn.notice_handler, aconn.pgconn.notify_handler
            twin = green.twin(aconn)
            assert (aconn.pgconn.notice_handler, aconn.pgconn.notify_handler) == handlers
            assert twin.pgconn is aconn.pgconn and twin._autocommit is True and twin.autocommit
            assert twin.adapters is aconn.adapters and twin is green.twin(aconn)
            assert await green.run_green(lambda: twin.execute("SELECT 1").fetchone()) == (1,)

    asyncio.run(scenario())
    assert 'hasattr(self, "_pool")' in inspect.getsource(_connection_base.BaseConnection.__del__)


def test_every_socket_wait_of_the_twin_is_awaited_on_the_loop(fresh_db: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """In a green call, every path the core takes on the twin waits through its ``wait`` (awaited
    on the event loop): execute, executemany, fetches, COPY both ways, transactions and
    savepoints, statements.fetch_all, notifications.  psycopg's blocking waits are booby-trapped:
    a psycopg release that waits on the socket some other way fails here first."""
    import asyncio

    from psycopg import waiting

    def blocking(*args: object, **kwargs: object) -> None:
        raise AssertionError("a blocking psycopg wait inside a green call")

    heard: list[str] = []

    def core(twin: psycopg.Connection) -> list:
        cur = twin.cursor()
        cur.execute("CREATE TABLE t (id int PRIMARY KEY, v text)")
        cur.executemany("INSERT INTO t VALUES (%s, %s)", [(1, "a"), (2, "b")])
        with twin.transaction():
            with cur.copy("COPY t FROM STDIN") as copy:
                copy.write_row((3, "c"))
            with pytest.raises(pge.UniqueViolation), twin.transaction():  # a savepoint
                cur.execute("INSERT INTO t VALUES (1, 'again')")
        with cur.copy("COPY t (id) TO STDOUT") as copy:
            copied = [int(row[0]) for row in copy.rows()]
        cur.execute("SELECT pg_sleep(0.2), pg_notify('pgm_test', 'hi')")  # the loop runs meanwhile
        prepared = [statements.fetch_all(twin, b"SELECT count(*) FROM t WHERE id > %(x)s", {"x": 0})
                    for _ in range(2)]
        return [copied, prepared, cur.execute("SELECT v FROM t ORDER BY id").fetchall()]

    async def scenario() -> tuple:
        async with await psycopg.AsyncConnection.connect(fresh_db, autocommit=True) as aconn:
            await aconn.execute("LISTEN pgm_test")
            aconn.add_notify_handler(lambda n: heard.append(n.payload))
            twin = green.twin(aconn)
            ticks = 0

            async def ticker() -> None:
                nonlocal ticks
                while True:
                    await asyncio.sleep(0.01)
                    ticks += 1

            ticking = asyncio.ensure_future(ticker())
            monkeypatch.setattr(waiting, "wait", blocking)
            monkeypatch.setattr(waiting, "wait_conn", blocking)
            try:
                found = await green.run_green(core, twin)
            finally:
                monkeypatch.undo()
                ticking.cancel()
            return found, ticks

    (copied, prepared, rows), ticks = asyncio.run(scenario())
    assert copied == [1, 2, 3] and prepared == [[(3,)], [(3,)]] and rows == [("a",), ("b",), ("c",)]
    assert heard == ["hi"] and ticks >= 10


def test_await_outside_a_green_call_is_refused() -> None:
    import asyncio

    from pgmilvus import MilvusException

    assert not green.in_green()
    with pytest.raises(MilvusException, match="awaited outside AsyncMilvusClient's green call"):
        green.await_(asyncio.sleep(0))
