"""An import job's run: every group's rows in ONE ``insert`` transaction, on a thread of its own.

The rows go through the job's client's ``insert`` (a generator streamed in chunks inside the one
transaction), so every value check, function (BM25, MinHash), default and dynamic-field rule of
insert applies unchanged.  A run that keeps its rows (``keep``: an auto-commit job, or the commit of
an Uncommitted one) writes the job's Completed state in that same transaction, so either every row
lands and the job says Completed, or none does and it says Failed (Milvus commits an import segment
by segment: a failed Milvus job can leave some behind).  A run of an ``auto_commit=false`` job rolls
its transaction back once every row went through insert, and records the job Uncommitted with its
row count: whatever insert refuses failed the job before that (commit.py explains why).

The load's connection is the run's own, outside the client's pool, which stays whole for the calls
however long a job runs; two jobs of a process load at a time, the others stay Pending (as Milvus
queues import jobs).  The run holds the job's lock on its process's status connection
(status.py) for as long as it lasts; a progress write that finds the job aborted stops the run.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Iterator, Optional

import psycopg

from ..catalog import import_jobs
from ..errors import ErrorCode, MilvusException
from . import formats
from .rows import Layout
from .source import ImportSource
from .status import Status

_log = logging.getLogger("pgmilvus.imports")
#: Rows between two progress updates.
_PROGRESS_EVERY = 10_000
#: Jobs of this process that load at once (each on a connection of its own); the others wait, Pending.
_LOADING = threading.BoundedSemaphore(2)


@dataclass(frozen=True)
class Plan:
    """What a run loads: the job's collection (by id: a collection dropped and made again is not
    the job's), partition, file groups and options, and the seconds left before its deadline."""

    job_id: int
    collection_id: int
    collection: str
    partition: str
    groups: list[list[str]]
    options: dict[str, str]
    timeout: Optional[float]


class _Stopped(Exception):
    """The job was aborted while its run went on: the run stops, writing nothing."""


class Run:
    """One job's run on a thread of its own: its lock on the status connection, then the one transaction.

    ``keep``: the rows stay and the job says Completed (else: rolled back, Uncommitted);
    ``committing``: the run commits an Uncommitted job (Committing; its caller took the lock).
    """

    def __init__(self, client: Any, source: ImportSource, plan: Plan, keep: bool, committing: bool = False) -> None:
        self.client, self.source, self.plan = client, source, plan
        self.keep, self.committing = keep, committing
        self.deadline = None if plan.timeout is None else time.monotonic() + plan.timeout
        self.status = Status.of(client._db)
        self.rows = 0
        self.group: list[str] = []

    def start(self) -> None:
        """Take the job's lock (unless a commit took it), then start the thread (a Pending job nobody
        holds is dead)."""
        if not self.committing:
            try:
                self.status.hold(self.plan.job_id)
            except Exception:  # the job reads as Failed (no lock); the log says why
                _log.exception("import job %s: its status connection failed", self.plan.job_id)
                return
        threading.Thread(target=self._main, name=f"pgmilvus-import-{self.plan.job_id}", daemon=True).start()

    def _main(self) -> None:
        try:
            self._run()
        except _Stopped:
            _log.info("import job %s: aborted, stopped", self.plan.job_id)
        except Exception:  # the job reads as Failed (its lock is gone); the log says why
            _log.exception("import job %s: its status connection failed", self.plan.job_id)
        finally:
            self.status.release(self.plan.job_id)

    def _set(self, **columns: Any) -> None:
        """Write the job's state or progress; stop when it was aborted meanwhile."""
        if not self.status.update(self.plan.job_id, **columns):
            raise _Stopped()

    def _run(self) -> None:
        try:
            size = 0
            for self.group in self.plan.groups:
                size += sum(self.source.size(key) for key in self.group)
            with _LOADING:
                if not self.committing:
                    self._set(state="Importing", progress=10, file_size=size)
                described = self.client.describe_collection(self.plan.collection)
                if described["collection_id"] != self.plan.collection_id:
                    self._set(state="Failed", progress=0, imported_rows=0, total_rows=0,
                              reason=f"collection {self.plan.collection_id} dropped")
                    return
                self._load(Layout.of(described))
        except MilvusException as exc:
            where = f", file: {', '.join(self.group)}" if self.group else ""
            self._set(state="Failed", progress=0, imported_rows=0, total_rows=0, reason=f"error: {exc.message}{where}")
        except _Stopped:
            raise
        except Exception as exc:  # a bug of pgmilvus: the job says so rather than stay Importing
            _log.exception("import job %s failed", self.plan.job_id)
            self._set(state="Failed", progress=0, imported_rows=0, total_rows=0,
                      reason=f"pgmilvus failed to import: {type(exc).__name__}: {exc}")

    def _load(self, layout: Layout) -> None:
        """Every group's rows in one insert transaction: Completed in it, or rolled back and Uncommitted."""
        job_id = self.plan.job_id
        with self.client._db.dedicated_connection() as conn:
            with conn.transaction() as tx, self.client.bind(conn):
                self.client.insert(self.plan.collection, self._rows(layout), partition_name=self.plan.partition)
                if not self.keep:
                    raise psycopg.Rollback(tx)
                if not import_jobs.update(conn, job_id, state="Completed", progress=100, reason="",
                                          imported_rows=self.rows, total_rows=self.rows):
                    raise _Stopped()
        if not self.keep:
            self._set(state="Uncommitted", progress=99, imported_rows=self.rows, total_rows=self.rows)
        _log.info("import job %s: %d rows into %s%s", job_id, self.rows, self.plan.collection,
                  "" if self.keep else ", rolled back: Uncommitted")

    def _rows(self, layout: Layout) -> Iterator[dict]:
        groups = self.plan.groups
        for done, group in enumerate(groups, 1):
            self.group = group
            with contextlib.ExitStack() as files:
                paths = [files.enter_context(self.source.local(key)) for key in group]
                for row in formats.read_group(formats.file_type(group), paths, layout, self.plan.options):
                    self.rows += 1
                    if self.deadline is not None and time.monotonic() > self.deadline:
                        raise MilvusException(ErrorCode.IMPORT_FAILED, "import timeout")
                    if self.rows % _PROGRESS_EVERY == 0 and not self.committing:
                        self._set(imported_rows=self.rows)
                    yield row
            if not self.committing:
                self._set(progress=10 + 89 * done // len(groups), imported_rows=self.rows)
