"""AsyncMilvusClient's pool: psycopg's AsyncConnectionPool, handing the green core sync twins.

``Database`` takes its connections from here inside a green call (green.py) and from its
synchronous ConnectionPool everywhere else (the synchronous face, the background threads).  The
pool is configured as the synchronous one is (``configure``: pgvector's types, LISTEN, the notify
handler); its connections are checked at checkout unless the caller asks for none (a read, see
Database.read), and what the core gets is the connection's GreenConnection.
"""

from __future__ import annotations

import asyncio
import contextvars
from typing import Awaitable, Callable, Optional

import psycopg
from psycopg_pool import AsyncConnectionPool
from psycopg_pool.pool_async import AddConnection

from . import green
from .notifies import read_notifications, readable

#: Set in the task while a checkout skips the pool's check (the check runs in the awaiting task).
_skip_check = contextvars.ContextVar("pgmilvus_green_skip_check", default=False)


async def _check(aconn: psycopg.AsyncConnection) -> None:
    """The pool's check at checkout (one empty statement), unless the checkout skips it."""
    if not _skip_check.get():
        await AsyncConnectionPool.check_connection(aconn)


class GreenPool:
    """An AsyncConnectionPool opened on the event loop, its connections seen as GreenConnections."""

    def __init__(self, conninfo: str, *, max_size: int, timeout: float,
                 configure: Callable[[psycopg.AsyncConnection], Awaitable[None]]) -> None:
        self.timeout = timeout
        self._pool = AsyncConnectionPool(conninfo, min_size=1, max_size=max_size, open=False,
                                         kwargs={"autocommit": True}, configure=configure, check=_check,
                                         timeout=timeout, name="pgmilvus-async")
        self.loop: Optional[asyncio.AbstractEventLoop] = None  # the loop it was opened on

    async def open(self) -> None:
        """Open the pool on the running loop (its tasks live there), waiting for one connection."""
        await self._pool.open(wait=True, timeout=self.timeout)
        self.loop = asyncio.get_running_loop()

    async def drain(self) -> None:
        """The synchronous pool's ``drain`` (connection.py), on the loop: what each idle connection
        with something to read was sent goes to its handlers (notifies.py)."""
        pool = self._pool
        async with pool._lock:  # psycopg_pool's idle deque (tests/test_notify_drain.py)
            taken = readable(list(pool._pool))
            for conn in taken:
                pool._pool.remove(conn)
        for conn in taken:
            try:
                read_notifications(conn)
            except Exception:
                await pool._close_connection(conn)
                pool.run_task(AddConnection(pool))
            else:
                await pool._add_to_pool(conn)

    def getconn(self, checked: bool) -> psycopg.Connection:
        """A pooled connection's twin (in a green call)."""
        return green.twin(green.await_(self._get(checked)))

    async def _get(self, checked: bool) -> psycopg.AsyncConnection:
        token = _skip_check.set(not checked)
        try:
            return await self._pool.getconn()
        finally:
            _skip_check.reset(token)

    def waiting(self) -> bool:
        """Whether a caller waits for a connection (Database._keep)."""
        return bool(self._pool._waiting)   # psycopg_pool's queue (tests/test_statements.py)

    def putconn(self, conn: psycopg.Connection) -> None:
        """Give a twin's connection back (the pool rolls back what is open, drops what is broken);
        shielded: a task cancelled meanwhile (again) must not lose the connection to the pool."""
        green.await_(asyncio.shield(self._pool.putconn(_async_of(conn))))

    async def release(self, conn: psycopg.Connection) -> None:
        """Give a twin's connection back from outside a green call (the drain's broken ones)."""
        await self._pool.putconn(_async_of(conn))

    def close(self) -> None:
        """Close the pool (in a green call)."""
        green.await_(self._pool.close())


def _async_of(conn: psycopg.Connection) -> psycopg.AsyncConnection:
    aconn: Optional[psycopg.AsyncConnection] = getattr(conn, "_aconn", None)
    assert aconn is not None, "a GreenPool connection is a GreenConnection"
    return aconn
