"""Planner statistics that follow the data: ANALYZE after bulk writes, before the next read.

PostgreSQL plans a query from the table's statistics, and a freshly loaded
table has none until autovacuum's next round (up to a minute, and never for a
partitioned parent): the planner then guesses, e.g. 2,500 matches for
``k IN (5 values)``, and walks the primary key filtering 100k rows (19 ms)
instead of probing the ``k`` index (0.1 ms).  Milvus code queries right after
loading, so pgmilvus keeps the statistics current itself, with autovacuum's
own rule (a leaf table is due when the rows written since its last ANALYZE
exceed 50 + 10% of its rows):

* every write adds its row count to a per-process tally of the collection
  (no server work: a bulk load of many batches pays one ANALYZE, not one per
  batch);
* the next read of a collection whose tally is due runs the ANALYZE first
  (``settle``), so it is planned on real numbers;
* ``create_index``, ``flush``, ``load_collection`` and ``compact`` always
  check the server (writes of other processes count there too), and a new
  expression index (JSON paths) always gets its statistics;
* a collection still due when its writes pause is settled in the background
  shortly after (``Settler``), and at ``close()``, so another process reading
  it does not wait for autovacuum either.

Only the leaf tables are analyzed (``ANALYZE (SKIP_LOCKED) leaf, ...``): scans
are planned per leaf, and analyzing a partitioned parent would sample every
row a second time.  A 10k-row write into a 10M-row table stays under the
threshold and costs nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable, Optional

import psycopg
from psycopg import sql

_log = logging.getLogger("pgmilvus")

#: Autovacuum's defaults (autovacuum_analyze_threshold / _scale_factor).
BASE_ROWS = 50
SCALE = 0.1
#: Seconds after a collection's last write before the background settles it.
QUIET_SECONDS = 1.0

_LEAVES = sql.SQL(
    "SELECT n.nspname, c.relname, c.reltuples::float8, pg_relation_size(c.oid) > 0, "
    "COALESCE(pg_stat_get_last_analyze_time(c.oid), pg_stat_get_last_autoanalyze_time(c.oid)) IS NOT NULL, "
    "pg_stat_get_mod_since_analyze(c.oid) "
    "FROM pg_partition_tree(to_regclass(%s)) t JOIN pg_class c ON c.oid = t.relid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE t.isleaf")


@dataclass
class Leaf:
    schema: str
    table: str
    rows: float          # pg_class.reltuples (-1: never counted)
    has_data: bool       # its file is not empty
    analyzed: bool       # ANALYZE (manual or autovacuum) ran on it at least once
    changed: int         # rows changed since, as the server's statistics know (may lag ~1 s)

    @property
    def stale(self) -> bool:
        """Due by autovacuum's rule, as far as the server knows."""
        if not self.has_data:
            return False
        return not self.analyzed or self.changed > BASE_ROWS + SCALE * max(self.rows, 0.0)


@dataclass
class _Tally:
    """Rows this process wrote to one collection since it was last settled."""

    schema: str
    table: str
    pending: int = 0
    known_rows: float = 0.0     # the collection's rows at the last check
    last_write: float = 0.0

    @property
    def due(self) -> bool:
        return self.pending > BASE_ROWS + SCALE * self.known_rows


_tallies: dict[tuple[str, int], _Tally] = {}
_lock = threading.Lock()


def wrote(server: str, collection_id: int, schema: str, table: str, rows: int) -> None:
    """Count ``rows`` written (inserted, replaced or deleted) to a collection."""
    if rows <= 0:
        return
    key = (server, collection_id)
    with _lock:
        tally = _tallies.get(key)
        if tally is None:
            tally = _tallies[key] = _Tally(schema, table)
        tally.schema, tally.table = schema, table   # a rename moves the table
        tally.pending += rows
        tally.last_write = time.monotonic()


def due(server: str, collection_id: int) -> bool:
    """Whether a read should settle the collection first (a dict lookup: runs on every read)."""
    if not _tallies:
        return False
    tally = _tallies.get((server, collection_id))
    return tally is not None and tally.due


def leaves(conn: psycopg.Connection, schema: str, table: str) -> list[Leaf]:
    """The collection's leaf tables (itself when not partitioned) and what the server knows of them."""
    name = sql.Identifier(schema, table).as_string(conn)
    return [Leaf(*row) for row in conn.execute(_LEAVES, (name,)).fetchall()]


def analyze(conn: psycopg.Connection, targets: list[Leaf]) -> None:
    """ANALYZE the leaves, skipping any another session is analyzing (it brings the same numbers)."""
    if targets:
        conn.execute(sql.SQL("ANALYZE (SKIP_LOCKED) {}").format(
            sql.SQL(", ").join(sql.Identifier(t.schema, t.table) for t in targets)))


def settle(conn: psycopg.Connection, server: str, collection_id: int, schema: str, table: str,
           *, everything: bool = False) -> list[Leaf]:
    """Bring the collection's statistics up to date; returns the leaves analyzed.

    ``everything``: analyze every leaf holding data (a new expression index has
    no statistics until then).  Never raises for the statistics' sake: a failed
    ANALYZE leaves the planner where autovacuum would have, and the call goes on.
    """
    key = (server, collection_id)
    with _lock:
        tally = _tallies.pop(key, None)
    pending = tally.pending if tally is not None else 0
    try:
        found = leaves(conn, schema, table)
        total = sum(max(leaf.rows, 0.0) for leaf in found)
        ours = pending > BASE_ROWS + SCALE * total
        targets = [leaf for leaf in found if leaf.has_data and (everything or ours or leaf.stale)]
        analyze(conn, targets)
    except psycopg.Error as exc:
        if conn.pgconn.transaction_status == psycopg.pq.TransactionStatus.INERROR:
            raise  # inside the caller's transaction: it must fail as it would have
        _log.info("statistics of %s.%s not refreshed: %s", schema, table, str(exc).strip().splitlines()[0])
        return []
    with _lock:
        later = _tallies.pop(key, None)   # written meanwhile: keep counting from here
        fresh = _Tally(schema, table, known_rows=total + pending)
        if later is not None:
            fresh.pending, fresh.last_write = later.pending, later.last_write
            _tallies[key] = fresh
        elif not targets and pending:
            fresh.pending, fresh.last_write = pending, tally.last_write if tally else 0.0
            _tallies[key] = fresh
    return targets


def quiet(server: str, older_than: float) -> list[tuple[int, str, str]]:
    """(collection id, schema, table) of this server's due collections with no write for ``older_than`` s."""
    now = time.monotonic()
    with _lock:
        return [(cid, t.schema, t.table) for (srv, cid), t in _tallies.items()
                if srv == server and t.due and now - t.last_write >= older_than]


class Settler:
    """A daemon thread that settles collections once their writes pause (see the module docstring).

    ``run`` gets (collection id, schema, table) and settles it on a connection of its own.
    The thread starts at the client's first write and wakes every ``QUIET_SECONDS``.
    """

    def __init__(self, server: str, run: Callable[[int, str, str], None]) -> None:
        self._server, self._run = server, run
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._start_lock = threading.Lock()

    def poke(self) -> None:
        """A write happened: make sure the thread runs."""
        if self._thread is None:
            with self._start_lock:
                if self._thread is None and not self._stop.is_set():
                    self._thread = threading.Thread(target=self._loop, name="pgmilvus-stats", daemon=True)
                    self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(QUIET_SECONDS):
            for collection in quiet(self._server, QUIET_SECONDS):
                if self._stop.is_set():
                    return
                try:
                    self._run(*collection)
                except Exception as exc:  # a background helper: log, never raise into the app
                    _log.info("background statistics refresh failed: %s", exc)

    def stop(self) -> None:
        """Settle what is still due now (the process may exit next), then end the thread."""
        self._stop.set()
        for collection in quiet(self._server, 0.0):
            try:
                self._run(*collection)
            except Exception as exc:
                _log.info("statistics refresh at close failed: %s", exc)
