"""``AsyncMilvusClient``: pymilvus's asyncio client, in process, over the one core.

Every method is a coroutine that runs ``MilvusClient``'s method of the same
name in a worker thread of the client's own, so each rule (validation, typing,
SQL, the per-call transaction) exists once and the event loop never waits on
Postgres.  The workers are as many as the client's pool has connections, so
``asyncio.gather`` of N calls runs min(N, pool size) of them at once.

As pymilvus's, the constructor does not connect: the embedded server is started
(or the DSN's server reached) by the first call, in a worker thread.

``async with client.bind(aconn):`` runs the calls of that task on the
application's ``psycopg.AsyncConnection``, inside its transaction (see
callers.py): the connection's lock is held for the call, the call runs on a
synchronous twin of the same libpq connection (callers.twin), and a call
cancelled by asyncio is cancelled on the server too, so the connection is free
again when the ``CancelledError`` reaches the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import inspect
from typing import Any, AsyncIterator, Callable, Dict, List, Optional, TypeVar

import psycopg

from ..pg import callers
from .milvus_client import MilvusClient
from .workers import Workers
from ..errors import MilvusException
from ..types import LoadState

T = TypeVar("T")

#: MilvusClient methods that stay synchronous on pymilvus's AsyncMilvusClient (no server call).
_PLAIN = ("create_schema", "create_field_schema", "prepare_index_params", "get_server_type")
#: MilvusClient methods with no asyncio twin: the face's own lifecycle, and the iterators, which
#: pymilvus's AsyncMilvusClient does not have either.
_NOT_WRAPPED = ("bind", "close", "query_iterator", "search_iterator", "get_load_state", "refresh_load")

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
        self._workers = Workers(int(kwargs.get("pool_size", 8)), "pgmilvus-async")
        self._closed = False

    # -- plumbing --------------------------------------------------------------------------------
    async def _client(self) -> MilvusClient:
        """The synchronous client, opened by the first call (pymilvus connects lazily too)."""
        if self._closed:
            raise MilvusException(message="should create connection first")
        if self._sync is None:
            async with self._opening:
                if self._sync is None:
                    self._sync = await self._workers.run(functools.partial(MilvusClient, **self._args))
        return self._sync

    async def _call(self, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``method`` of the synchronous client, run in a worker (on the bound connection, if any)."""
        sync = await self._client()
        aconn = _bound.get().get(id(self))
        if aconn is None:
            return await self._workers.run(functools.partial(method, sync, *args, **kwargs))
        async with aconn.lock:
            twin = callers.twin(aconn)

            def on_twin() -> T:
                with sync.bind(twin):
                    return method(sync, *args, **kwargs)

            running = self._workers.run(on_twin)
            try:
                return await asyncio.shield(running)
            except asyncio.CancelledError:
                # The worker is using the caller's connection: stop its statement on the server and
                # wait until it gave the connection back (its savepoint rolled back), then cancel.
                twin.cancel_safe()
                with contextlib.suppress(BaseException):
                    await running
                raise

    @contextlib.asynccontextmanager
    async def bind(self, connection: Any) -> AsyncIterator[Any]:
        """pgmilvus's own: within ``async with client.bind(aconn):``, this client's calls made by this
        task run on the application's ``psycopg.AsyncConnection``, inside the transaction it opened,
        each in a savepoint; pgmilvus never commits or rolls it back (docs/integrations.md)."""
        if not isinstance(connection, psycopg.AsyncConnection):
            raise MilvusException(message=f"AsyncMilvusClient.bind() needs a psycopg 3 AsyncConnection, got "
                                          f"{type(connection).__name__} (a psycopg Connection binds to "
                                          "MilvusClient.bind)")
        twin = callers.twin(connection)
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
            await self._workers.run(self._sync.close)
        self._workers.stop()

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
