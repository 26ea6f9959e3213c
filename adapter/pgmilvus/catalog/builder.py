"""The client process's background builder of sealed segments' vector indexes (segments.py).

A daemon thread with a connection of its own (CREATE INDEX CONCURRENTLY needs autocommit,
and a build may take seconds the pool must not lose).  Each write to a segmented
collection pokes it; it builds every sealed segment of that collection that no other
process has claimed.  close() cancels a build in progress: the index it leaves INVALID
is dropped and built again by the next claimant (flush(), another process, a later client).
"""

from __future__ import annotations

import logging
import threading
from typing import Optional

import psycopg

from . import store as catalog, segments
from .store import CollectionInfo

_log = logging.getLogger("pgmilvus")


class Builder:
    def __init__(self, server: str) -> None:
        self._server = server
        self._pending: dict[int, CollectionInfo] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._conn: Optional[psycopg.Connection] = None

    def poke(self, info: CollectionInfo) -> None:
        """A write to ``info`` committed: build its sealed segments soon."""
        if not info.segmented or self._stop.is_set():
            return
        with self._lock:
            self._pending[info.id] = info
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="pgmilvus-segments", daemon=True)
                self._thread.start()
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            self._wake.clear()
            with self._lock:
                work, self._pending = list(self._pending.values()), {}
            for info in work:
                if self._stop.is_set():
                    break
                try:
                    self._build(info)
                except Exception as exc:  # a background helper: log, never raise into the app
                    _log.info("background index build of %s failed: %s", info.name, exc)
                    self._drop_connection()
        self._drop_connection()

    def _build(self, info: CollectionInfo) -> None:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self._server, autocommit=True)
        fresh = catalog.get_collection(self._conn, info.db_name, info.name, aliases=False)
        if fresh is None or fresh.id != info.id:
            return  # dropped meanwhile
        info = fresh  # indexes created since the write are built too
        while segments.build_pending(self._conn, info) and not self._stop.is_set():
            pass  # seals that came in during the builds

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # already broken
                pass

    def stop(self, wait: float = 5.0) -> None:
        """End the thread (waiting up to ``wait`` seconds); a build in progress is cancelled (the
        next claimant redoes it) and the thread's session, with any segment claim, closed."""
        self._stop.set()
        self._wake.set()
        conn = self._conn
        if conn is not None and not conn.closed:
            try:
                conn.cancel()
            except Exception:
                pass
        if self._thread is not None:
            self._thread.join(wait)
