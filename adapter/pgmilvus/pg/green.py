"""The greenlet bridge: the synchronous core run on the event loop, its waits awaited there.

AsyncMilvusClient's calls are MilvusClient's calls, so each rule (validation, typing, SQL, the
per-call transaction) is written once.  To run them on psycopg's async connections without a
thread, ``run_green`` runs the synchronous call in a child greenlet of the coroutine that awaits
it (the idea of SQLAlchemy's asyncio extension): wherever the core would block, on a socket in
psycopg's ``Connection.wait`` (``GreenConnection`` below) or in ``time.sleep`` (``sleep``), the
child calls ``await_``, which switches to the coroutine; the coroutine awaits the awaitable on the
event loop and switches back with its result or exception.  Every call of a client thus runs on
the loop's thread, and the loop runs other tasks while Postgres works.

The child runs in a copy of the task's context variables (the task's bound connection, its
per-call flags), as ``asyncio.to_thread`` would; what the child sets stays the child's.  A task
cancelled while its child waits gets the ``CancelledError`` inside the child, at the
``await_`` it is in: the core's cleanup (a savepoint rolled back, the connection given back)
runs as it does for any error, through ``await_`` as well.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from typing import Any, Awaitable, Callable, Optional, TypeVar

import greenlet
import psycopg

from ..errors import ErrorCode, MilvusException

T = TypeVar("T")
#: psycopg's own default for Connection.wait's ``interval``.
_WAIT_INTERVAL = 0.1


class _Child(greenlet.greenlet):
    """A greenlet running one synchronous call for ``run_green`` (``in_green`` looks for it)."""


async def run_green(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` run to its end on this thread, its ``await_`` calls awaited here."""
    child = _Child(fn)
    child.gr_context = contextvars.copy_context()
    request = child.switch(*args, **kwargs)
    while not child.dead:
        try:
            value = await request
        except BaseException as exc:  # the child's own error now, CancelledError included
            request = child.throw(exc)
        else:
            request = child.switch(value)
    return request


def in_green() -> bool:
    """Whether this code runs inside ``run_green`` (waits must go through ``await_``)."""
    return isinstance(greenlet.getcurrent(), _Child)


def await_(awaitable: Awaitable[T]) -> T:
    """The result of ``awaitable``, awaited by the coroutine that runs this green call."""
    current = greenlet.getcurrent()
    if not isinstance(current, _Child):
        if asyncio.iscoroutine(awaitable):
            awaitable.close()  # never awaited: no "coroutine was never awaited" warning
        raise MilvusException(ErrorCode.UNEXPECTED_ERROR,
                              "pgmilvus awaited outside AsyncMilvusClient's green call; please report it")
    return current.parent.switch(awaitable)


def sleep(seconds: float) -> None:
    """``time.sleep``, or ``asyncio.sleep`` on the loop inside a green call (the loop keeps running)."""
    if in_green():
        await_(asyncio.sleep(seconds))
    else:
        time.sleep(seconds)


def blocking(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)``, which blocks without psycopg's ``wait`` (a connect, a pool's start):
    inside a green call, run in a thread and awaited, so the loop runs meanwhile."""
    if in_green():
        return await_(asyncio.to_thread(fn, *args, **kwargs))
    return fn(*args, **kwargs)


def join(thread: threading.Thread, timeout: float) -> None:
    """``thread.join(timeout)``; inside a green call, polled with ``sleep`` so the loop runs on."""
    if not in_green():
        thread.join(timeout)
        return
    deadline = time.monotonic() + timeout
    while thread.is_alive() and time.monotonic() < deadline:
        sleep(0.02)


class GreenConnection(psycopg.Connection):
    """A synchronous psycopg Connection on an AsyncConnection's libpq connection.

    Everything psycopg's synchronous Connection does on the socket goes through ``wait`` (execute,
    executemany's pipeline, COPY, transactions and savepoints, notifications): in a green call it
    is the AsyncConnection's ``wait``, awaited on the loop, which also cancels the statement on the
    server when the task is cancelled.  ``cancel_safe`` is the one socket path that bypasses
    ``wait`` (a cancel connection of its own), awaited likewise.  tests/test_statements.py checks
    these psycopg paths.  Outside a green call the twin waits as a synchronous Connection does.
    """

    _aconn: psycopg.AsyncConnection

    def wait(self, gen: Any, interval: float = _WAIT_INTERVAL, timeout: Optional[float] = None) -> Any:
        if in_green():
            return await_(self._aconn.wait(gen, interval, timeout))
        return super().wait(gen, interval, timeout)

    def cancel_safe(self, *, timeout: float = 30.0) -> None:
        if in_green():
            await_(self._aconn.cancel_safe(timeout=timeout))
        else:
            super().cancel_safe(timeout=timeout)


def twin(aconn: psycopg.AsyncConnection) -> GreenConnection:
    """The GreenConnection of ``aconn``, made once per ``aconn``.

    It shares the session and its open transaction and ``aconn``'s adapters (pgvector's types
    registered on a pooled connection), not psycopg's Python-side state.  Its own prepared
    statements are off (psycopg names them ``_pg3_N`` per Connection object: the twin's would
    collide with ``aconn``'s in the one session); the notice and notify handlers its constructor
    takes over are given back to ``aconn``.  It is never closed (the connection is ``aconn``'s);
    ``_pool`` tells psycopg not to warn when it is dropped.
    """
    found = getattr(aconn, "_pgmilvus_twin", None)
    if found is None:
        pgconn = aconn.pgconn
        handlers = pgconn.notice_handler, pgconn.notify_handler
        found = GreenConnection(pgconn)
        pgconn.notice_handler, pgconn.notify_handler = handlers
        found._aconn = aconn
        found._adapters = aconn.adapters  # type: ignore[attr-defined]
        found.prepare_threshold = None
        found._pool = None  # type: ignore[attr-defined]
        aconn._pgmilvus_twin = found  # type: ignore[attr-defined]
    found._autocommit = aconn.autocommit  # the application may switch it between calls
    return found
