"""The one thin I/O layer: a psycopg pool with pgvector types, and error translation.

Everything above this module builds SQL without touching a socket; this is
where SQL meets the server, so it is also the one place where psycopg's
exceptions become MilvusExceptions (no raw driver error reaches a user).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import math
import re
import threading
from typing import Any, Callable, Iterator, Optional, TypeVar
from urllib.parse import quote, urlencode

import psycopg
from psycopg import errors as pge
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout
from psycopg_pool.pool import AddConnection

from . import callers, green, instants
from .green_pool import GreenPool
from .notifies import read_notifications, readable
from ..errors import ErrorCode, MilvusException, PermissionDenied, illegal

_log = logging.getLogger("pgmilvus")
MIN_PGVECTOR = (0, 8, 0)
T = TypeVar("T")
#: The name every revision marker starts with (catalog.revision_guard): a statement naming one
#: that no longer exists (SQLSTATE 42883) was built from a stale catalog.
REVISION_MARKER = "revision_"
#: Errors after which a read made without the checkout check is run again, checked: the
#: connection died (server restart, terminated backend) or the cached catalog was stale.
_RETRY_STATES = {"42P01", "42703", "42704", "42883"}
#: Reads a kept connection serves before it goes back through the pool (Database._keep).
_KEPT_USES = 256
_CONNECTION_BAD, _TX_IDLE = psycopg.pq.ConnStatus.BAD, psycopg.pq.TransactionStatus.IDLE
#: Set while a read call takes a connection without the checkout check (see Database.read).
_unchecked = contextvars.ContextVar("pgmilvus_unchecked", default=False)


class ConnectionLost(MilvusException):
    """The server went away mid-call; the call may be retried (nothing was committed)."""


def dsn_with(dsn: str, **overrides: Optional[str]) -> str:
    """Return ``dsn`` as a postgresql:// URI with some parameters replaced."""
    params = {k: v for k, v in conninfo_to_dict(dsn).items() if v is not None}
    params.update({k: v for k, v in overrides.items() if v is not None})
    user = quote(str(params.pop("user", "")), safe="")
    password = params.pop("password", None)
    dbname = quote(str(params.pop("dbname", "")), safe="")
    host = params.pop("host", "")
    port = params.pop("port", None)
    auth = f"{user}:{quote(str(password), safe='')}@" if password else (f"{user}@" if user else "")
    netloc = ""
    query: dict[str, Any] = {}
    if host and not str(host).startswith("/"):
        netloc = str(host) + (f":{port}" if port else "")
    else:
        if host:
            query["host"] = host
        if port:
            query["port"] = port
    query.update(params)
    tail = f"?{urlencode(query, quote_via=quote)}" if query else ""  # a space as %20: libpq reads no "+"
    return f"postgresql://{auth}{netloc}/{dbname}{tail}"


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def ensure_pgvector(conn: psycopg.Connection) -> None:
    """CREATE EXTENSION vector when allowed; a clear error naming the fix otherwise."""
    row = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
    if row is None:
        available = conn.execute(
            "SELECT default_version FROM pg_available_extensions WHERE name = 'vector'").fetchone()
        if available is None:
            raise MilvusException(ErrorCode.UNEXPECTED_ERROR,
                                  "the PostgreSQL server has no pgvector extension: install pgvector "
                                  ">= 0.8 on the server (e.g. the pgvector/pgvector:pg18 image), then "
                                  "reconnect")
        try:
            with conn.transaction():
                conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        except pge.InsufficientPrivilege:
            raise MilvusException(ErrorCode.PERMISSION_DENIED,
                                  "pgvector is installed on the server but not enabled in this "
                                  "database, and this user may not enable it: run `CREATE EXTENSION "
                                  "vector;` as a superuser or the database owner") from None
        except pge.UniqueViolation:
            pass  # another process created it at the same moment
        row = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
    assert row is not None
    if _version_tuple(row[0]) < MIN_PGVECTOR:
        raise MilvusException(ErrorCode.UNEXPECTED_ERROR,
                              f"pgvector {row[0]} is too old: pgmilvus needs >= 0.8; run "
                              "`ALTER EXTENSION vector UPDATE;` after upgrading pgvector on the server")


@contextlib.contextmanager
def _first_connection(conninfo: str, timeout: Optional[float]) -> Iterator[psycopg.Connection]:
    """The connection made at client creation: failing here is pymilvus's code 2, not a lost call."""
    try:
        conn = psycopg.connect(conninfo, autocommit=True,
                               connect_timeout=max(2, math.ceil(timeout or 10)))
    except psycopg.OperationalError as exc:
        params = conninfo_to_dict(conninfo)
        where = f"{params.get('host') or 'localhost'}:{params.get('port') or 5432}"
        raise MilvusException(2, f"Fail connecting to server on {where}, illegal connection params or "
                                 f"server unavailable: {_first_line(exc)}") from None
    with conn:
        yield conn


class _Listener:
    """Channels every pooled connection LISTENs on, and what to call when one fires.

    Notifications reach a connection while it runs a query, the checkout
    check included (psycopg's notify handler).
    """

    def __init__(self, channels: dict[str, Callable[[], None]]) -> None:
        self.channels = channels

    def configure(self, conn: psycopg.Connection) -> None:
        from pgvector.psycopg import register_vector

        register_vector(conn)
        instants.register(conn.adapters)
        for statement in self._listens():
            conn.execute(statement)
        conn.add_notify_handler(lambda notify: self.fire(notify.channel))

    async def configure_async(self, aconn: psycopg.AsyncConnection) -> None:
        """``configure`` for the AsyncConnectionPool of AsyncMilvusClient (green_pool.py)."""
        from pgvector.psycopg import register_vector_async

        await register_vector_async(aconn)
        instants.register(aconn.adapters)
        for statement in self._listens():
            await aconn.execute(statement)
        aconn.add_notify_handler(lambda notify: self.fire(notify.channel))

    def _listens(self) -> list[sql.Composable]:
        return [sql.SQL("LISTEN {}").format(sql.Identifier(channel)) for channel in self.channels]

    def fire(self, channel: str) -> None:
        callback = self.channels.get(channel)
        if callback is not None:
            callback()

    def check(self, conn: psycopg.Connection) -> None:
        """Pool check at checkout: one empty statement (skipped by Database.read).

        It proves the connection still works (a server restart or a terminated
        backend is replaced before the call uses it, a bare socket read cannot
        tell in time), and psycopg hands any notification that arrived while
        the connection sat in the pool to the handler on the way.
        """
        if not _unchecked.get():
            ConnectionPool.check_connection(conn)


class _Pool(ConnectionPool):
    """psycopg's ConnectionPool, telling whether a caller waits for a connection (Database._keep),
    and reading what its idle connections were sent (``drain``)."""

    def waiting(self) -> bool:
        return bool(self._waiting)   # psycopg_pool's queue of waiting clients (tests/test_statements.py)

    def drain(self) -> None:
        """Read the catalog change notifications an idle connection was sent (the ones whose socket
        has something to read; no statement is sent).  Nothing reads an idle LISTENing connection,
        and a few hundred notifications fill its socket: its backend then blocks writing them, which
        holds back PostgreSQL's NOTIFY queue and every command that waits for each backend to
        answer a signal (DROP DATABASE ... WITH (FORCE) never returned).  ConnectionPool.check would
        read them too, but it sends a statement on every connection and grows the pool by one."""
        with self._lock:  # psycopg_pool's idle deque (tests/test_notify_drain.py); select() does not wait
            taken = readable(list(self._pool))
            for conn in taken:
                self._pool.remove(conn)
        for conn in taken:
            try:
                read_notifications(conn)
            except Exception:  # a broken one is replaced, as ConnectionPool.check replaces it
                self._close_connection(conn)
                self.run_task(AddConnection(self))
            else:
                self._add_to_pool(conn)


#: How often idle connections are read for the notifications they were sent (Database._drain_loop):
#: a few hundred fill a socket, and each read is one select() when nothing came.
DRAIN_SECONDS = 0.5

#: PostgreSQL's largest ``statement_timeout`` (milliseconds, an int4): a longer timeout waits as long.
MAX_STATEMENT_TIMEOUT_MS = 2**31 - 1


def check_timeout(timeout: Any) -> None:
    """pymilvus's is_legal_timeout, its text: None or a number of seconds (not NaN, which no
    deadline is).  Checked where a call starts and again where the timeout becomes
    statement_timeout (calls that take a connection without MilvusClient's own check)."""
    if timeout is not None and (not isinstance(timeout, (int, float)) or math.isnan(timeout)):
        raise illegal("timeout", timeout)


def statement_timeout_ms(timeout: Any) -> int:
    """A call's ``timeout`` (seconds) as ``statement_timeout``: at least 1 ms, at most PostgreSQL's limit."""
    check_timeout(timeout)
    return max(1, int(min(timeout * 1000, MAX_STATEMENT_TIMEOUT_MS)))


class Database:
    """A pool of connections to one PostgreSQL database, pgvector types registered.

    AsyncMilvusClient's Database has a second pool (``open_green``): psycopg's
    AsyncConnectionPool, whose connections the calls run green on the event loop take (as their
    GreenConnection twins); every other caller (the synchronous face, the background threads)
    takes the synchronous pool's.  Everything else (the kept read connection, the checkout check,
    the statement_timeout, the error translation) is the same code for both.
    """

    def __init__(self, conninfo: str, *, max_size: int = 8, timeout: Optional[float] = None,
                 listen: Optional[dict[str, Callable[[], None]]] = None) -> None:
        self.conninfo = conninfo
        self._listener = listener = _Listener(dict(listen or {}))
        self._max_size = max_size
        self.user = str(conninfo_to_dict(conninfo).get("user") or "")
        self.timeout = timeout
        with translate_errors():
            with _first_connection(conninfo, timeout) as conn:
                ensure_pgvector(conn)
                self.dbname = conn.info.dbname
            self.pool = _Pool(conninfo, min_size=1, max_size=max_size, open=False,
                                       kwargs={"autocommit": True}, configure=listener.configure,
                                       check=listener.check,
                                       timeout=timeout or 30.0, name="pgmilvus")
            self.pool.open(wait=True, timeout=timeout or 30.0)
        #: AsyncMilvusClient's pool (open_green): the connections of green calls.
        self.green_pool: Optional[GreenPool] = None
        # Per pool, the connections the last reads gave back, kept out of it for the next reads: a
        # search then pays no pool checkout and return (see _take_kept / _keep).  Up to the pool's
        # size less one: reads running side by side (threads, or AsyncMilvusClient's gather) each
        # find one, where the pool's own checkout costs more than a small read (AsyncConnectionPool's
        # most of all: a future and a loop turn each way).
        self._kept: dict[Any, list[psycopg.Connection]] = {}
        self._kept_uses: dict[Any, int] = {}
        self._kept_lock = threading.Lock()
        self._closing = False
        self._drained = threading.Event()  # set by close(): the drain thread ends
        if listener.channels:
            threading.Thread(target=self._drain_loop, name="pgmilvus-drain", daemon=True).start()

    async def open_green(self) -> None:
        """Open AsyncMilvusClient's AsyncConnectionPool on the running loop: from now on, calls run
        by green.run_green take their connections from it (the synchronous pool stays for the
        background threads)."""
        pool = GreenPool(self.conninfo, max_size=self._max_size, timeout=self.timeout or 30.0,
                         configure=self._listener.configure_async)
        with translate_errors():
            await pool.open()
        self.green_pool = pool

    def reopened(self, conninfo: str) -> "Database":
        """A Database as this one (pool size, timeout, LISTEN channels, a green pool if it has one)
        on ``conninfo`` (the same server, another password)."""
        fresh = green.blocking(Database, conninfo, max_size=self._max_size, timeout=self.timeout,
                               listen=self._listener.channels)
        if self.green_pool is not None:
            green.await_(fresh.open_green())
        return fresh

    def _source(self) -> Any:
        """The pool this call's connections come from: the green one inside a green call."""
        return self.green_pool if self.green_pool is not None and green.in_green() else self.pool

    def _owner(self, conn: psycopg.Connection) -> Any:
        """The pool ``conn`` came from."""
        return self.green_pool if isinstance(conn, green.GreenConnection) else self.pool

    @contextlib.contextmanager
    def connection(self, timeout: Optional[float] = None) -> Iterator[psycopg.Connection]:
        """A pooled autocommit connection, checked at checkout; errors become MilvusExceptions.

        ``timeout`` (seconds, pymilvus's per-call argument; else the client's)
        becomes the session's statement_timeout for as long as the block runs.
        """
        callers_conn = callers.bound(id(self))
        if callers_conn is not None:
            with translate_errors(), callers.call_on(callers_conn) as conn:
                yield conn
            return
        with self.own_connection(timeout) as conn:
            yield conn

    @contextlib.contextmanager
    def own_connection(self, timeout: Optional[float] = None) -> Iterator[psycopg.Connection]:
        """A pooled connection even when a caller's connection is bound (VACUUM cannot run inside
        the caller's transaction)."""
        with translate_errors(), self._pooled(timeout, checked=True) as conn:
            yield conn

    @contextlib.contextmanager
    def dedicated_connection(self) -> Iterator[psycopg.Connection]:
        """A connection of its own, outside the pool (autocommit, pgvector's types), for work that
        holds one for long (an import job's run): the pool's connections stay for the calls, and a
        small pool cannot be drained by it."""
        from pgvector.psycopg import register_vector

        with translate_errors(), psycopg.connect(self.conninfo, autocommit=True) as conn:
            register_vector(conn)
            instants.register(conn.adapters)
            yield conn

    def bind(self, conn: Any) -> contextlib.AbstractContextManager:
        """Run this database's calls on the caller's connection within the block (callers.py)."""
        return callers.bind(id(self), callers.check(conn, self.dbname, self._adapters_template))

    def _adapters_template(self) -> Any:
        """A pooled connection's adapters (pgvector's types, JSON decoded), for callers.check."""
        with self._pooled(None, checked=False) as pooled:
            return pooled.adapters

    def read(self, call: Callable[[psycopg.Connection], T], timeout: Optional[float] = None,
             on_stale: Optional[Callable[[], None]] = None) -> T:
        """Run a read-only ``call`` without the checkout round trip; again, checked, if it must.

        The checkout check costs a round trip, as much as a small search
        itself.  A read can do without it: a dead connection fails the call
        before anything happened, and a statement built from a stale cached
        catalog fails on its revision guard (catalog.revision_guard).  Either
        way the call runs again on a checked connection, after ``on_stale``
        dropped the cached catalog; a read has no effect to repeat.
        """
        if callers.bound(id(self)) is not None:
            with self.connection(timeout) as conn:
                return call(conn)
        # Plain try blocks rather than context managers: this runs on every search.
        try:
            for attempt in range(3):
                conn = self._checkout(timeout, checked=attempt > 0)
                try:
                    return call(conn)
                except psycopg.Error as exc:
                    if attempt == 2 or not _worth_retrying(exc):
                        raise
                    _log.debug("read call retried on a checked connection: %s", _first_line(exc))
                    if on_stale is not None:
                        on_stale()
                finally:
                    self._checkin(conn, timeout, keep=True)
        except MilvusException:
            raise
        except _TRANSLATED as exc:
            raise translated(exc) from None
        raise AssertionError("unreachable")

    @contextlib.contextmanager
    def begun(self, prepare: Callable[[psycopg.Connection], T],
              timeout: Optional[float] = None) -> Iterator[tuple[psycopg.Connection, T]]:
        """A write's connection inside its transaction, with what ``prepare(conn)`` returned,
        having run on it before BEGIN (a write's collection lookup, served by the cache).

        The checkout check's round trip is left out, as for a read: BEGIN proves the connection
        alive (and hands over any notification that waited on it).  A connection that fails in
        ``prepare`` or at BEGIN has done nothing, so the call takes a checked one and runs
        ``prepare`` again; once BEGIN returned, nothing is repeated.
        """
        if callers.bound(id(self)) is not None:
            with self.connection(timeout) as conn:
                value = prepare(conn)
                with begin(conn):
                    yield conn, value
            return
        with translate_errors(), contextlib.ExitStack() as stack:
            for attempt in range(2):
                with contextlib.ExitStack() as attempt_stack:
                    conn = self._checkout(timeout, checked=attempt > 0)
                    attempt_stack.callback(self._checkin, conn, timeout, True)
                    try:
                        value = prepare(conn)
                        attempt_stack.enter_context(conn.transaction())
                    except psycopg.Error as exc:
                        if attempt or not _worth_retrying(exc):
                            raise
                        _log.debug("write retried on a checked connection: %s", _first_line(exc))
                        continue
                    stack.enter_context(attempt_stack.pop_all())
                    break
            yield conn, value

    @contextlib.contextmanager
    def _pooled(self, timeout: Optional[float], checked: bool) -> Iterator[psycopg.Connection]:
        conn = self._checkout(timeout, checked)
        try:
            yield conn
        finally:
            self._checkin(conn, timeout)

    def _checkout(self, timeout: Optional[float], checked: bool) -> psycopg.Connection:
        """A pooled connection (checked: after the pool's check), with the call's statement_timeout."""
        timeout = timeout if timeout is not None else self.timeout
        source = self._source()
        conn = None if checked else self._take_kept(source)
        if conn is None:
            if checked:
                self._release_kept(source, every=False)  # this caller may need one: the pool is bounded
            conn = self._get(source, checked)
        if timeout:
            try:
                conn.execute("SELECT set_config('statement_timeout', %s, false)",
                             (str(statement_timeout_ms(timeout)),))
            except psycopg.Error as exc:
                source.putconn(conn)  # a broken one is discarded by the pool
                if checked or not _worth_retrying(exc):
                    raise
                # An unchecked connection (a read's, a write's) that died in the pool: this
                # statement was its check, and the call goes on with a checked one.
                return self._checkout(timeout, checked=True)
            except BaseException:
                source.putconn(conn)
                raise
        return conn

    def _get(self, source: Any, checked: bool) -> psycopg.Connection:
        if source is self.pool:
            token = _unchecked.set(not checked)
            try:
                return self.pool.getconn()
            finally:
                _unchecked.reset(token)
        return source.getconn(checked)

    def _checkin(self, conn: psycopg.Connection, timeout: Optional[float], keep: bool = False) -> None:
        try:
            if ((timeout if timeout is not None else self.timeout) and not conn.closed
                    and conn.pgconn.transaction_status == psycopg.pq.TransactionStatus.IDLE):
                conn.execute("RESET statement_timeout")
        finally:
            # The pool rolls back a transaction left open and discards a broken connection.
            if not (keep and self._keep(conn)):
                self._owner(conn).putconn(conn)

    def _take_kept(self, source: Any) -> Optional[psycopg.Connection]:
        with self._kept_lock:
            kept = self._kept.get(source)
            return kept.pop() if kept else None

    def _keep(self, conn: psycopg.Connection) -> bool:
        """Keep ``conn`` for a next read, if it is healthy and idle.

        Every ``_KEPT_USES`` reads it goes back through the pool instead, which
        applies its lifetime limit and its checks to it.
        """
        pgconn = conn.pgconn  # conn.closed and the transaction status, read once: every read runs this
        if pgconn.status == _CONNECTION_BAD or pgconn.transaction_status != _TX_IDLE:
            return False
        source = self._owner(conn)
        with self._kept_lock:
            kept = self._kept.setdefault(source, [])
            # Never while a caller waits in the pool, and never the pool's last connection: a caller
            # that found none kept and is about to wait gets the next one given back.
            if self._closing or len(kept) >= self._max_size - 1 or source.waiting():
                return False
            uses = self._kept_uses[source] = self._kept_uses.get(source, 0) + 1
            if uses >= _KEPT_USES:
                self._kept_uses[source] = 0
                return False  # through the pool this time
            kept.append(conn)
            return True

    def _release_kept(self, source: Any, every: bool = True) -> None:
        """Give the kept connections back to ``source``: all of them (close), or one (a checked
        caller's checkout: one is all it may need from a bounded pool, and the rest keep serving
        reads; in the green pool each give-back is an awaited call)."""
        while (conn := self._take_kept(source)) is not None:
            source.putconn(conn)
            if not every:
                return

    @contextlib.contextmanager
    def transaction(self, timeout: Optional[float] = None) -> Iterator[psycopg.Connection]:
        """A connection inside one transaction: all of the block, or nothing."""
        with self.connection(timeout) as conn, begin(conn):
            yield conn

    def _drain_loop(self) -> None:
        """Every ``DRAIN_SECONDS``, read what the idle and kept connections were sent (_Pool.drain;
        the green pool's on its loop): the cache is dropped as soon as another process changes the
        catalog, and no backend blocks on a full socket."""
        while not self._drained.wait(DRAIN_SECONDS):
            try:
                self._drain_kept(self.pool)
                self.pool.drain()
                green_pool = self.green_pool
                if green_pool is not None and green_pool.loop is not None and not green_pool.loop.is_closed():
                    self._drain_kept(green_pool)
                    asyncio.run_coroutine_threadsafe(green_pool.drain(), green_pool.loop)
            except Exception:  # a pool closing meanwhile; the next turn tries again
                _log.debug("reading idle connections failed", exc_info=True)

    def _drain_kept(self, source: Any) -> None:
        """The kept connections' part of the drain: read in place, under the lock that hands them out."""
        with self._kept_lock:
            kept = self._kept.get(source, [])
            broken = []
            for conn in readable(kept):
                try:
                    read_notifications(conn)
                except Exception:
                    kept.remove(conn)
                    broken.append(conn)
        for conn in broken:
            if source is self.pool:
                source.putconn(conn)  # the pool discards a broken connection
            else:  # the green pool gives back on its loop
                asyncio.run_coroutine_threadsafe(source.release(conn), source.loop)

    def close(self) -> None:
        """Close the pools; the green one only from a green call (AsyncMilvusClient.close)."""
        self._drained.set()
        with self._kept_lock:
            self._closing = True
        if self.green_pool is not None and green.in_green():
            self._release_kept(self.green_pool)
            self.green_pool.close()
        self._release_kept(self.pool)
        green.blocking(self.pool.close)  # it joins its worker threads


@contextlib.contextmanager
def begin(conn: psycopg.Connection) -> Iterator[None]:
    """One transaction on ``conn`` (from Database.connection) for the block: all of it, or nothing.
    What the caller read on ``conn`` before it (a write's collection, from the process's cache of
    descriptions, which keeps none read inside a transaction) stays outside."""
    if callers.is_callers(conn):  # connection() opened its savepoint already
        yield
        return
    with translate_errors(), conn.transaction():
        yield


@contextlib.contextmanager
def translate_errors() -> Iterator[None]:
    """Turn driver errors into MilvusExceptions with a message a user can act on."""
    try:
        yield
    except MilvusException:
        raise
    except _TRANSLATED as exc:
        raise translated(exc) from None


#: The errors ``translated`` rewrites.
_TRANSLATED = (PoolTimeout, psycopg.Error)


def translated(exc: BaseException) -> MilvusException:
    """The MilvusException a driver error (one of ``_TRANSLATED``) becomes."""
    if isinstance(exc, PoolTimeout):
        return ConnectionLost(ErrorCode.UNEXPECTED_ERROR,
                              f"could not get a connection to PostgreSQL in time ({exc}); the server "
                              "may be down or overloaded: retry the call")
    if isinstance(exc, pge.QueryCanceled):
        return MilvusException(ErrorCode.UNEXPECTED_ERROR,
                               f"the statement was cancelled ({_first_line(exc)}): the timeout was "
                               "reached; raise `timeout=` or narrow the request")
    if isinstance(exc, pge.UndefinedTable):
        table = _undefined_table(exc)
        return MilvusException(ErrorCode.COLLECTION_NOT_FOUND,
                               f"collection not found: the collection{f' (table {table})' if table else ''} "
                               "was dropped or renamed while this call ran")
    if isinstance(exc, pge.InsufficientPrivilege):
        pgconn = getattr(exc, "pgconn", None)
        user = (pgconn.user or b"").decode() if pgconn is not None else ""
        return PermissionDenied(f"permission deny to {user}: {_first_line(exc)}; ask for the "
                                "privilege with grant_privilege or connect as a user that has it",
                                user=user)
    if isinstance(exc, pge.DiskFull):
        return MilvusException(ErrorCode.UNEXPECTED_ERROR,
                               f"the PostgreSQL server is out of disk space ({_first_line(exc)}); "
                               "nothing of this call was written: free space and retry")
    if isinstance(exc, (pge.SerializationFailure, pge.DeadlockDetected)) or catalog_collision(exc):
        return ConnectionLost(ErrorCode.UNEXPECTED_ERROR,
                              f"the call conflicted with a concurrent one ({_first_line(exc)}); nothing "
                              "was written: retry it")
    if isinstance(exc, pge.OutOfMemory):  # an answer, not a lost connection: a retry fails the same way
        return MilvusException(ErrorCode.UNEXPECTED_ERROR,
                               f"the PostgreSQL server ran out of memory ({_first_line(exc)}); nothing of "
                               "this call was written. 'out of shared memory' on a collection with many "
                               "partitions: raise the server's max_locks_per_transaction (pgmilvus's "
                               "embedded server has 512), or drop partitions first")
    if isinstance(exc, pge.ProgramLimitExceeded):  # an OperationalError, but no retry will pass
        return MilvusException(ErrorCode.UNEXPECTED_ERROR,
                               f"over one of PostgreSQL's limits ({_first_line(exc)}); nothing of this call "
                               "was written: make the request smaller")
    if isinstance(exc, psycopg.OperationalError):
        return ConnectionLost(ErrorCode.UNEXPECTED_ERROR,
                              f"lost the connection to PostgreSQL ({_first_line(exc)}); nothing of this "
                              "call was committed: retry it")
    if _names_old_revision(exc):
        return ConnectionLost(ErrorCode.UNEXPECTED_ERROR,
                              "the collection was changed by another call again and again while this "
                              "one ran; nothing was written: retry it")
    return MilvusException(ErrorCode.UNEXPECTED_ERROR, f"PostgreSQL error: {_first_line(exc)}")


def _names_old_revision(exc: BaseException) -> bool:
    """Whether ``exc`` is a statement's call of a revision marker that is gone (a stale catalog)."""
    return (isinstance(exc, pge.UndefinedFunction)
            and f"pgmilvus_catalog.{REVISION_MARKER}" in (exc.diag.message_primary or "")) or _lost_function(exc)


def catalog_collision(exc: BaseException) -> bool:
    """Two sessions rewrote one row of PostgreSQL's own catalog at once (XX000 "tuple concurrently
    updated" / "deleted"): some DDL takes no lock that would order them; the loser's statement
    fails and a retry passes."""
    return (isinstance(exc, psycopg.Error) and exc.sqlstate == "XX000"
            and str(exc).startswith(("tuple concurrently updated", "tuple concurrently deleted")))


def _lost_function(exc: BaseException) -> bool:
    """A function dropped between the statement's parse and its planning: PostgreSQL found it by
    name, then not its row (XX000).  In pgmilvus's statements only a revision marker is dropped so
    (a change to the collection, committed at that moment): a stale catalog too (race_fuzz.py)."""
    return (isinstance(exc, psycopg.Error) and exc.sqlstate == "XX000"
            and str(exc).startswith("cache lookup failed for function"))


def _worth_retrying(exc: psycopg.Error) -> bool:
    """A failure a checked connection and a fresh catalog could cure (see Database.read)."""
    if isinstance(exc, psycopg.OperationalError):
        return not isinstance(exc, pge.QueryCanceled)
    return exc.sqlstate in _RETRY_STATES or _lost_function(exc)


#: Set while ``pipeline`` runs: psycopg's warning about the pipeline it could not end goes unsaid.
_IN_PIPELINE: contextvars.ContextVar[bool] = contextvars.ContextVar("pgmilvus_in_pipeline", default=False)


class _PipelineExitFilter(logging.Filter):
    """Drops psycopg's "error ignored terminating <Pipeline>: pipeline aborted" inside ``pipeline``:
    the statement that failed in it is the error the call raises (or retries, a stale catalog)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (_IN_PIPELINE.get() and str(record.msg).startswith("error ignored terminating"))


logging.getLogger("psycopg").addFilter(_PipelineExitFilter())


@contextlib.contextmanager
def pipeline(conn: psycopg.Connection) -> Iterator[None]:
    """``conn.pipeline()``, without psycopg printing a warning when a statement in it fails (it logs
    one as it ends an aborted pipeline: a stray line on a user's console for every such error)."""
    token = _IN_PIPELINE.set(True)
    try:
        with conn.pipeline():
            yield
    finally:
        _IN_PIPELINE.reset(token)


def _undefined_table(exc: BaseException) -> str:
    """The table PostgreSQL names in its 'relation "..." does not exist', or ""."""
    found = re.search(r'relation "(.+?)" does not exist', str(exc))
    return found.group(1) if found else ""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
