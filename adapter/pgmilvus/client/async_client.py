"""``AsyncMilvusClient``: pymilvus's asyncio client, in process, over the one core.

Every method is a coroutine that runs ``MilvusClient``'s method of the same
name on the event loop's thread, in a greenlet (pg/green.py): each rule
(validation, typing, SQL, the per-call transaction) exists once, and wherever
the core waits on Postgres, the wait is awaited on psycopg's
``AsyncConnection``, so the loop runs other tasks meanwhile.  The connections
come from an ``AsyncConnectionPool`` of the client's own (``pool_size``), so
``asyncio.gather`` of N calls runs min(N, pool size) of them at once.

As pymilvus's, the constructor does not connect: the first call starts the
embedded server (or reaches the DSN's server) and migrates the catalog, the
synchronous client's one-time setup, in a thread; then it opens the
AsyncConnectionPool on the loop.

``async with client.bind(aconn):`` runs the calls of that task on the
application's ``psycopg.AsyncConnection``, inside its transaction (see
callers.py): the connection's lock is held for the call, the call runs on the
connection's green twin (green.twin), and a call cancelled by asyncio is
cancelled on the server too (AsyncConnection.wait does it), its savepoint
rolled back, so the connection is free again when the ``CancelledError``
reaches the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import inspect
from typing import Any, AsyncIterator, Callable, Dict, List, Optional, TypeVar

import psycopg

from ..pg import green
from .milvus_client import MilvusClient
from .optimize import AsyncOptimizeTask
from ..errors import MilvusException
from ..types import LoadState

T = TypeVar("T")

#: MilvusClient methods that stay synchronous on pymilvus's AsyncMilvusClient (no server call).
_PLAIN = ("create_schema", "create_field_schema", "prepare_index_params", "get_server_type",
          # plain on pymilvus's AsyncMilvusClient too (the last two refused here: client/unsupported.py)
          "create_struct_field_schema", "dump_messages", "session")
#: MilvusClient methods with no asyncio twin: the face's own lifecycle, and the iterators, which
#: pymilvus's AsyncMilvusClient does not have either.
_NOT_WRAPPED = ("bind", "close", "query_iterator", "search_iterator", "get_load_state", "refresh_load", "optimize")

#: The caller's async connection of this task, per AsyncMilvusClient (id -> connection).
_bound: contextvars.ContextVar[Dict[int, psycopg.AsyncConnection]] = contextvars.ContextVar(
    "pgmilvus_async_bound", default={})


class AsyncMilvusClient:
    """Drop-in for ``pymilvus.AsyncMilvusClient`` backed by PostgreSQL + pgvector."""

    def __init__(self, uri: str = "", user: str = "", password: str = "", db_name: str = "",
                 token: str = "", timeout: Optional[float] = None, **kwargs: Any) -> None:
        self._args = dict(uri=uri, user=user, password=password, db_name=db_name, token=token,
                          timeout=timeout, **kwargs)
        self._sync: Optional[MilvusClient] = None
        self._opening = asyncio.Lock()
        self._closed = False

    # -- plumbing --------------------------------------------------------------------------------
    async def _client(self) -> MilvusClient:
        """The synchronous client, opened by the first call (pymilvus connects lazily too): its
        one-time setup in a thread, then its AsyncConnectionPool opened on this loop."""
        if self._closed:
            raise MilvusException(message="should create connection first")
        if self._sync is None:
            async with self._opening:
                if self._sync is None:
                    sync = await asyncio.to_thread(functools.partial(MilvusClient, **self._args))
                    try:
                        await sync._db.open_green()
                    except BaseException:
                        await asyncio.to_thread(sync.close)
                        raise
                    self._sync = sync
        return self._sync

    async def _call(self, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``method`` of the synchronous client, run green on this loop (on the bound connection,
        if any)."""
        sync = await self._client()
        aconn = _bound.get().get(id(self))
        if aconn is None:
            return await green.run_green(method, sync, *args, **kwargs)
        async with aconn.lock:
            return await green.run_green(_on, green.twin(aconn), method, sync, *args, **kwargs)

    @contextlib.asynccontextmanager
    async def bind(self, connection: Any) -> AsyncIterator[Any]:
        """pgmilvus's own: within ``async with client.bind(aconn):``, this client's calls made by this
        task run on the application's ``psycopg.AsyncConnection``, inside the transaction it opened,
        each in a savepoint; pgmilvus never commits or rolls it back (docs/integrations.md)."""
        if not isinstance(connection, psycopg.AsyncConnection):
            raise MilvusException(message=f"AsyncMilvusClient.bind() needs a psycopg 3 AsyncConnection, got "
                                          f"{type(connection).__name__} (a psycopg Connection binds to "
                                          "MilvusClient.bind)")
        twin = green.twin(connection)
        await self._call(lambda sync: sync.bind(twin) and None)  # the same checks as MilvusClient.bind
        token = _bound.set({**_bound.get(), id(self): connection})
        try:
            yield connection
        finally:
            _bound.reset(token)

    async def close(self) -> None:
        """Close the client; calls after it raise, as pymilvus's do."""
        if self._closed:
            return
        self._closed = True
        if self._sync is not None:
            await green.run_green(self._sync.close)

    async def __aenter__(self) -> "AsyncMilvusClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    # -- pymilvus's async signatures where they differ from the synchronous client's ---------------
    async def get_load_state(self, collection_name: str, partition_names: Optional[List[str]] = None,
                             timeout: Optional[float] = None, **kwargs: Any) -> Dict[str, Any]:
        """The collection's load state; with ``partition_names``, the least loaded of them."""
        if not partition_names:
            return await self._call(MilvusClient.get_load_state, collection_name, timeout=timeout, **kwargs)
        states = [await self._call(MilvusClient.get_load_state, collection_name, partition_name=name,
                                   timeout=timeout, **kwargs) for name in partition_names]
        return min(states, key=lambda state: _LOAD_ORDER.index(state["state"]))

    async def refresh_load(self, collection_name: str, partition_names: Optional[List[str]] = None,
                           timeout: Optional[float] = None, **kwargs: Any) -> None:
        """Nothing to refresh: Postgres reads every committed row (partition_names is checked only)."""
        if partition_names:
            for name in partition_names:
                await self._call(MilvusClient.get_load_state, collection_name, partition_name=name,
                                 timeout=timeout)
        return await self._call(MilvusClient.refresh_load, collection_name, timeout=timeout, **kwargs)

    async def optimize(self, collection_name: str, target_size: Optional[str] = None, wait: bool = True,
                       timeout: Optional[float] = None, **kwargs: Any) -> Any:
        """MilvusClient.optimize; ``wait=False`` returns pymilvus's AsyncOptimizeTask shape (an
        awaited ``result()``), already finished."""
        result = await self._call(MilvusClient.optimize, collection_name, target_size, True, timeout, **kwargs)
        return result if wait else AsyncOptimizeTask(result)


def _on(twin: psycopg.Connection, method: Callable[..., T], sync: MilvusClient, *args: Any,
        **kwargs: Any) -> T:
    """``method`` of ``sync`` on the caller's connection (its green twin)."""
    with sync.bind(twin):
        return method(sync, *args, **kwargs)


#: Load states from least to most loaded.
_LOAD_ORDER = [LoadState.NotExist, LoadState.NotLoad, LoadState.Loading, LoadState.Loaded]


def _coroutine(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def call(self: AsyncMilvusClient, *args: Any, **kwargs: Any) -> Any:
        return await self._call(method, *args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


def _install() -> None:
    """One coroutine per MilvusClient operation, with its signature and docstring."""
    for name, method in inspect.getmembers(MilvusClient, inspect.isfunction):
        if name.startswith("_") or name in _NOT_WRAPPED or name in _PLAIN:
            continue
        setattr(AsyncMilvusClient, name, _coroutine(name, method))
    for name in _PLAIN:
        setattr(AsyncMilvusClient, name, inspect.getattr_static(MilvusClient, name))


_install()
