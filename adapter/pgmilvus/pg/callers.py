"""The application's own connection: MilvusClient calls inside the caller's transaction.

``MilvusClient.bind(conn)`` makes every call of that client, in this thread
or task (a context variable), run on ``conn`` instead of the client's pool:
inside the transaction the application opened (Django's ``atomic()``,
SQLAlchemy's session, ``with conn.transaction()``), so a vector write and the
application's own writes commit or roll back together.

Each call runs in a savepoint of its own (``conn.transaction()``), so a call
that fails leaves nothing behind and the caller's transaction usable; pgmilvus
never commits or rolls back the caller's transaction. On a connection that is
not in autocommit mode a call opens the transaction if none is open, as any
statement does there, and leaves it open; in autocommit mode with no
transaction open, each call is a transaction of its own. The catalog cache is
not used on a bound connection: what the caller's transaction created or
dropped is seen by its own calls, and nothing it may roll back is kept.
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Any, Callable, Iterator, Optional

import psycopg
from psycopg.adapt import AdaptersMap
from psycopg.rows import tuple_row

from ..errors import ErrorCode, MilvusException

#: Bound connections of this context: id(Database) -> the caller's connection.
_bound: contextvars.ContextVar[dict[int, psycopg.Connection]] = contextvars.ContextVar("pgmilvus_bound",
                                                                                      default={})


def check(conn: Any, dbname: str, template: Callable[[], AdaptersMap]) -> psycopg.Connection:
    """The caller's connection, if pgmilvus can run on it: an open psycopg 3 connection to the
    client's database. pgmilvus's calls on it use a copy of a pooled connection's adapters
    (``template()``, asked for at the first bind of ``conn``: pgvector's types, JSON decoded),
    swapped in for the call only: the application's own adapters (Django's decode JSON itself)
    stay as they are."""
    if not isinstance(conn, psycopg.Connection):
        raise MilvusException(ErrorCode.UNEXPECTED_ERROR,
                              f"bind() needs a psycopg 3 Connection, got {type(conn).__name__} (Django: "
                              "django.db.connection.connection; SQLAlchemy: session.connection()"
                              ".connection.driver_connection)")
    if conn.closed:
        raise MilvusException(ErrorCode.UNEXPECTED_ERROR, "bind() got a closed connection")
    if conn.info.dbname != dbname:
        raise MilvusException(ErrorCode.UNEXPECTED_ERROR,
                              f"bind() got a connection to database {conn.info.dbname!r}, but this client's "
                              f"catalog lives in {dbname!r}: connect both to the same database")
    if not hasattr(conn, "_adapters"):
        raise MilvusException(ErrorCode.UNEXPECTED_ERROR,
                              f"bind() does not know this psycopg release ({psycopg.__version__}): "
                              "Connection._adapters is gone; please report it")
    if getattr(conn, "_pgmilvus_adapters", None) is None:
        conn._pgmilvus_adapters = AdaptersMap(template())  # type: ignore[attr-defined]
    return conn


@contextlib.contextmanager
def bind(key: int, conn: psycopg.Connection) -> Iterator[psycopg.Connection]:
    """Within the block, calls of the Database ``key`` run on ``conn``."""
    token = _bound.set({**_bound.get(), key: conn})
    try:
        yield conn
    finally:
        _bound.reset(token)


def bound(key: int) -> Optional[psycopg.Connection]:
    """The caller's connection for Database ``key`` in this context, or None."""
    found = _bound.get()
    return found.get(key) if found else None


def is_callers(conn: psycopg.Connection) -> bool:
    """``conn`` is a caller's connection (bypass the catalog cache on it)."""
    found = _bound.get()
    return bool(found) and any(c is conn for c in found.values())


@contextlib.contextmanager
def call_on(conn: psycopg.Connection) -> Iterator[psycopg.Connection]:
    """One call on the caller's connection: a savepoint (a transaction when none is open), rows
    as tuples and pgmilvus's adapters whatever the application set, both given back after."""
    factory, adapters = conn.row_factory, conn._adapters  # type: ignore[attr-defined]
    conn.row_factory = tuple_row
    conn._adapters = conn._pgmilvus_adapters  # type: ignore[attr-defined]
    try:
        if not conn.autocommit and conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
            # As any statement on a non-autocommit connection: the transaction begins and stays
            # open for the application (conn.transaction() would BEGIN and COMMIT it itself).
            conn.execute("SELECT")
        with conn.transaction():
            yield conn
    finally:
        conn.row_factory = factory
        conn._adapters = adapters  # type: ignore[attr-defined]
