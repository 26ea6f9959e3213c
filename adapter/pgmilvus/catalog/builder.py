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

Reads adopt the upkeep of collections another process wrote (``adopt``): a loader that exits
(or is killed) before its builder got to its sealed segments leaves them to be built by the
next process that reads them, as Milvus's server builds whatever its clients did; once the
collection's segments have not changed for ``compact_after()`` seconds, as that process sees
them, its idle growing segments are sealed and its small segments merged too.  A collection
this process writes is left to the write path above.
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
#: Seconds between two looks of reads at a collection's upkeep (adopt).
ADOPT_SECONDS = 5.0
#: Seconds after a write by a client of this process during which reads leave the collection to
#: the write path (whether or not the background compaction is on).
OWN_WRITES_SECONDS = 30.0
#: (server, collection id) -> when a client of this process last wrote to it: every client's
#: builder leaves such a collection to the write path (adopt).
_written: dict[tuple[str, int], float] = {}


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
        self._looked: dict[int, float] = {}    # collection id -> when reads last asked for upkeep
        self._adopted: dict[int, CollectionInfo] = {}   # waiting for the thread's look
        # collection id -> its segments as last seen, since when, and whether the quiet upkeep is done
        self._unchanged: dict[int, tuple[tuple, float, bool]] = {}

    def poke(self, info: CollectionInfo) -> None:
        """A write to ``info`` committed: build its sealed segments soon."""
        if not info.segmented or self._stop.is_set():
            return
        with self._lock:
            self._pending[info.id] = info
            now = time.monotonic()
            _written[(self._server, info.id)] = now
            gap = now - self._last_poke
            self._gap = gap if gap < MAX_DEFER else 0.0
            self._last_poke = now
            self._start()
        self._wake.set()

    def adopt(self, info: CollectionInfo) -> None:
        """A read of ``info``: at most every ADOPT_SECONDS, look whether its upkeep was left
        undone by the process that wrote it (see the module); a collection this process wrote to
        within OWN_WRITES_SECONDS is the write path's.  Costs the read a clock read."""
        now = time.monotonic()
        looked = self._looked.get(info.id)
        if not info.segmented or self._stop.is_set() or (looked is not None and now - looked < ADOPT_SECONDS):
            return
        with self._lock:
            self._looked[info.id] = now
            written = _written.get((self._server, info.id))
            if written is not None and now - written < OWN_WRITES_SECONDS:
                return
            self._adopted[info.id] = info
            self._start()
        self._wake.set()

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="pgmilvus-segments", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            after = compact_after()
            # due ``after`` seconds after the last write, however many reads woke the thread meanwhile
            due = max(0.0, self._last_poke + after - time.monotonic()) if self._to_compact and after > 0 \
                else None
            if not self._wake.wait(due):
                work, self._to_compact = list(self._to_compact.values()), {}
                self._each(work, self._compact, "compaction")  # no write for ``after`` seconds
                continue
            self._wake.clear()
            with self._lock:
                adopted, self._adopted = list(self._adopted.values()), {}
            self._each(adopted, self._adopt, "upkeep")
            if not self._pending:
                continue
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
                if fresh is not None and fresh.id == info.id:
                    job(fresh)
                else:  # dropped meanwhile: what the thread kept of it goes too
                    self._forget(info.id)
            except Exception as exc:  # a background helper: log, never raise into the app
                _log.info("background %s of %s failed: %s", what, info.name, exc)
                self._drop_connection()

    def _forget(self, collection_id: int) -> None:
        with self._lock:
            self._looked.pop(collection_id, None)
            self._unchanged.pop(collection_id, None)
            self._to_compact.pop(collection_id, None)
            _written.pop((self._server, collection_id), None)

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

    def _adopt(self, info: CollectionInfo) -> None:
        """Once the collection's segments are as this thread last saw them (no write since its
        last look, ADOPT_SECONDS or more ago: the writers paused, whose own threads build at their
        pauses, or are gone), build the sealed segments nobody builds; once they stayed so for
        compact_after(), seal the idle growing ones and merge the small ones.  A role that may not
        replace segments (segments.may_merge) leaves all of it to others."""
        assert self._conn is not None
        if not segments.may_merge(self._conn, info):
            return
        seen = segments.fingerprint(self._conn, info)
        before, since, settled = self._unchanged.get(info.id, (None, 0.0, False))
        if seen != before:
            self._unchanged[info.id] = (seen, time.monotonic(), False)
            return
        while segments.build_pending(self._conn, info) and not self._stop.is_set():
            pass
        after = compact_after()
        if settled or after <= 0 or time.monotonic() - since < after:
            return
        self._seal_idle(info)
        while segments.build_pending(self._conn, info) and not self._stop.is_set():
            pass
        self._compact(info)
        # done for this state: again only once the segments change (a write, or this upkeep's)
        now_seen = segments.fingerprint(self._conn, info)
        self._unchanged[info.id] = (now_seen, time.monotonic(), now_seen == seen)

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
