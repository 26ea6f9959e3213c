"""Idle pooled connections are read for the catalog change notifications they were sent.

Every pooled connection LISTENs for catalog changes (catalog/store.py's cache), and nothing read
an idle one: after a few hundred notifications its socket was full and its backend blocked
writing them, which held back PostgreSQL's NOTIFY queue and hung DROP DATABASE ... WITH (FORCE)
(each backend must answer its signal).  Database's drain thread reads them (connection.py).
"""

from __future__ import annotations

import asyncio
import threading
import time

import psycopg

from pgmilvus import AsyncMilvusClient, MilvusClient
from pgmilvus.catalog import store as catalog

from .fix_db import new_database

NOTIFICATIONS = 3000


def _flood(dsn: str) -> None:
    """Many catalog change notifications, as a burst of DDL in another process sends them."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for _ in range(NOTIFICATIONS // 500):
            conn.execute("SELECT pg_notify('pgmilvus_catalog', 'partitions') FROM generate_series(1, 500)")


def _blocked(dsn: str) -> list[int]:
    """This database's backends blocked writing to their client."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        return [row[0] for row in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'ClientWrite'")]


def _until(condition, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _drop_database_returns(pg_dsn: str) -> bool:
    """DROP DATABASE ... WITH (FORCE) of a scratch database returns (it waits for every backend)."""
    scratch = new_database(pg_dsn, prefix="drain")
    next(scratch)
    done = threading.Event()

    def drop() -> None:
        try:
            next(scratch)
        except StopIteration:
            done.set()

    threading.Thread(target=drop, daemon=True).start()
    return done.wait(60)


def test_idle_connections_are_read_and_drop_database_returns(pg_dsn: str, fresh_db: str) -> None:
    with MilvusClient(fresh_db) as client:
        client.create_collection("c", dimension=2)
        client.query("c", filter="id >= 0")       # a read leaves a kept connection too
        before = catalog.cache_generation()
        _flood(fresh_db)
        assert _until(lambda: catalog.cache_generation() > before), "no notification was read"
        assert _until(lambda: not _blocked(fresh_db)), "a backend stayed blocked writing notifications"
        assert _drop_database_returns(pg_dsn)
        assert client.query("c", filter="id >= 0") == []


def test_the_async_clients_idle_connections_are_read_too(pg_dsn: str, fresh_db: str) -> None:
    async def scenario() -> None:
        client = AsyncMilvusClient(fresh_db)
        try:
            await client.create_collection("c", dimension=2)
            await client.query("c", filter="id >= 0")
            await asyncio.to_thread(_flood, fresh_db)
            blocked = True
            for _ in range(600):   # the loop runs meanwhile: its idle connections are read on it
                blocked = bool(await asyncio.to_thread(_blocked, fresh_db))
                if not blocked:
                    break
                await asyncio.sleep(0.1)
            assert not blocked, "a backend stayed blocked writing notifications"
            assert await asyncio.to_thread(_drop_database_returns, pg_dsn)
            assert await client.query("c", filter="id >= 0") == []
        finally:
            await client.close()

    asyncio.run(scenario())
