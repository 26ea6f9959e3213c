"""The client process's background builder of sealed segments' vector indexes (segments.py).

A daemon thread with a connection of its own (CREATE INDEX CONCURRENTLY needs autocommit,
and a build may take seconds the pool must not lose).  Each write to a segmented
collection pokes it; it builds every sealed segment of that collection that no other
process has claimed.  close() cancels a build in progress: the index it leaves INVALID
is dropped and built again by the next claimant (flush(), another process, a later client).

Builds wait for a pause in this process's writes (``QUIET`` seconds without one, or twice the
last gap between two writes when that is longer: a batch of large vectors takes longer than
QUIET to write; at most ``MAX_DEFER`` after the first write that poked): on a small machine a build's parallel
workers take the cores a bulk load's COPY needs (measured, bench/insert.py --index-first:
100k x 128-d loaded at 0.49x COPY speed with builds running alongside, ~0.6x without), and
a load of many batches is done sooner, and indexed no later, when its segments are built
after its last batch.  A steady stream of writes still gets its segments built every
``MAX_DEFER`` seconds; flush() never waits for the pause.  At a pause, growing segments big
enough to be worth an index are sealed first (segments.seal_idle).

The same thread compacts (compaction.py): once the process has not written to a collection
for ``compact_after()`` seconds (30 by default), a partition with ``AUTO_MERGE_SEGMENTS`` or
more small indexed segments in a row gets them merged, so a collection that stopped changing
ends in few segments without anyone calling compact().  Fewer in a row are left alone: each
merge rewrites the rows and builds their index again.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Optional

import psycopg

from . import compaction, store as catalog, segments
from ..pg import green
from .store import CollectionInfo

_log = logging.getLogger("pgmilvus")

#: Seconds without a write before builds start, and the longest a build waits for such a pause.
QUIET = 0.5
MAX_DEFER = 5.0
#: Indexed segments in a row (fitting one merged segment) that the background compaction merges.
AUTO_MERGE_SEGMENTS = 4


def compact_after() -> float:
    """Seconds without a write before the background compaction looks at a collection
    (PGMILVUS_AUTO_COMPACT_SECONDS overrides; 0 turns it off)."""
    forced = segments.env_setting("PGMILVUS_AUTO_COMPACT_SECONDS")
    return 30.0 if forced is None else forced


class Builder:
    def __init__(self, server: str) -> None:
        self._server = server
        self._pending: dict[int, CollectionInfo] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._conn: Optional[psycopg.Connection] = None
        self._last_poke = 0.0
        self._gap = 0.0   # seconds between the last two pokes (when under MAX_DEFER)
        self._to_compact: dict[int, CollectionInfo] = {}   # built since their last compaction

    def poke(self, info: CollectionInfo) -> None:
        """A write to ``info`` committed: build its sealed segments soon."""
        if not info.segmented or self._stop.is_set():
            return
        with self._lock:
            self._pending[info.id] = info
            now = time.monotonic()
            gap = now - self._last_poke
            self._gap = gap if gap < MAX_DEFER else 0.0
            self._last_poke = now
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="pgmilvus-segments", daemon=True)
                self._thread.start()
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            after = compact_after()
            if not self._wake.wait(after if self._to_compact and after > 0 else None):
                work, self._to_compact = list(self._to_compact.values()), {}
                self._each(work, self._compact, "compaction")  # no write for ``after`` seconds
                continue
            self._wake.clear()
            paused = self._wait_for_pause()
            with self._lock:
                work, self._pending = list(self._pending.values()), {}
            if paused:
                self._each(work, self._seal_idle, "seal of an idle segment")
            self._each(work, self._build, "index build")
        self._drop_connection()

    def _each(self, work: list[CollectionInfo], job: Callable[[CollectionInfo], None], what: str) -> None:
        """``job`` on each collection still there (its description read again: indexes created
        since the write are built too) until stopped; a failure is logged, never raised."""
        for info in work:
            if self._stop.is_set():
                return
            try:
                if self._conn is None or self._conn.closed:
                    self._conn = psycopg.connect(self._server, autocommit=True)
                fresh = catalog.get_collection(self._conn, info.db_name, info.name, aliases=False)
                if fresh is not None and fresh.id == info.id:  # else dropped meanwhile
                    job(fresh)
            except Exception as exc:  # a background helper: log, never raise into the app
                _log.info("background %s of %s failed: %s", what, info.name, exc)
                self._drop_connection()

    def _wait_for_pause(self) -> bool:
        """Until no write came for QUIET seconds (True), or MAX_DEFER seconds passed (see the module)."""
        deadline = time.monotonic() + MAX_DEFER
        while not self._stop.is_set():
            now = time.monotonic()
            pause_at = self._last_poke + max(QUIET, 2 * self._gap)
            if pause_at <= now:
                return True
            if deadline <= now:
                return False
            self._stop.wait(min(pause_at, deadline) - now)
        return False

    def _seal_idle(self, info: CollectionInfo) -> None:
        """The writes paused: seal the growing segments big enough to be worth an index
        (segments.seal_idle), so searches of a collection loaded below the seal size stop
        sorting all its rows; a steady stream of writes (no pause) seals only when full."""
        assert self._conn is not None
        with self._conn.transaction():
            sealed = segments.seal_idle(self._conn, info)
        if sealed:
            _log.debug("sealed %d idle growing segment(s) of %s", sealed, info.name)

    def _build(self, info: CollectionInfo) -> None:
        assert self._conn is not None
        while segments.build_pending(self._conn, info) and not self._stop.is_set():
            pass  # seals that came in during the builds
        self._to_compact[info.id] = info

    def _compact(self, info: CollectionInfo) -> None:
        """Merge the collection's runs of small segments (written to before the pause)."""
        assert self._conn is not None
        plans = compaction.compact(self._conn, info, min_segments=AUTO_MERGE_SEGMENTS, statistics=False)
        merged = sum(len(plan.sources) for plan in plans)
        if merged:
            _log.info("background compaction of %s merged %d segments", info.name, merged)

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
            green.join(self._thread, wait)
