"""An import job's run: every group's rows in ONE ``insert`` transaction, on a thread of its own.

The rows go through the job's client's ``insert`` (a generator streamed in chunks inside the one
transaction), so every value check, function (BM25, MinHash), default and dynamic-field rule of
insert applies unchanged; the job's Completed state is written in that same transaction, so either
every row lands and the job says Completed, or none does and it says Failed (Milvus commits an import
segment by segment: a failed Milvus job can leave some behind).  The load's connection is the run's
own, outside the client's pool, which stays whole for the calls however long a job runs; two jobs of
a process load at a time, the others stay Pending (as Milvus queues import jobs).  Every job's
advisory lock (held for as long as its run lasts: a job whose process died reads as Failed,
catalog/import_jobs.py) and its progress go through ONE status connection per server and process
(``_Status``): a burst of jobs, each with a lock connection of its own, exhausted the server's
``max_connections``.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
from typing import Any, Callable, Iterator, Optional

from ..catalog import import_jobs
from ..errors import ErrorCode, MilvusException
from . import formats
from .rows import Layout
from .source import ImportSource

_log = logging.getLogger("pgmilvus.imports")
#: Rows between two progress updates.
_PROGRESS_EVERY = 10_000
#: Jobs of this process that load at once (each on a connection of its own); the others wait, Pending.
_LOADING = threading.BoundedSemaphore(2)


class _Status:
    """The one connection per server that holds the running jobs' locks and writes their progress.

    Opened by the first job and closed with the last, so an idle process keeps no connection for
    imports; a connection that broke (its locks went with it: those jobs read as Failed) is replaced
    for the next job.  psycopg serialises the threads' statements on it.
    """

    _all: dict[str, "_Status"] = {}
    _guard = threading.Lock()

    def __init__(self, database: Any) -> None:
        self.database = database
        self.jobs: set[int] = set()
        self.conn: Any = None
        self.stack = contextlib.ExitStack()

    @classmethod
    def of(cls, database: Any) -> "_Status":
        with cls._guard:
            return cls._all.setdefault(database.conninfo, cls(database))

    def hold(self, job_id: int) -> None:
        with self._guard:
            if self.conn is None or self.conn.closed:
                self.stack.close()
                self.conn = self.stack.enter_context(self.database.dedicated_connection())
            import_jobs.hold(self.conn, job_id)
            self.jobs.add(job_id)

    def release(self, job_id: int) -> None:
        with self._guard:
            self.jobs.discard(job_id)
            try:
                if not self.conn.closed:
                    import_jobs.release(self.conn, job_id)
            finally:
                if not self.jobs:
                    self.conn = None
                    self.stack.close()

    def update(self, job_id: int, **columns: Any) -> None:
        import_jobs.update(self.conn, job_id, **columns)


class Run:
    """One job's run on a thread of its own: its lock on the status connection, then the one transaction."""

    def __init__(self, client: Any, source: ImportSource, job_id: int, collection: str, partition: str,
                 groups: list[list[str]], options: dict[str, str], timeout: Optional[float]) -> None:
        self.client, self.source, self.job_id = client, source, job_id
        self.collection, self.partition, self.groups, self.options = collection, partition, groups, options
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.status = _Status.of(client._db)
        self.rows = 0
        self.group: list[str] = []

    def start(self) -> None:
        """Take the job's lock, then start the thread (a Pending job nobody holds is dead)."""
        try:
            self.status.hold(self.job_id)
        except Exception:  # the job reads as Failed (no lock); the log says why
            _log.exception("import job %s: its status connection failed", self.job_id)
            return
        threading.Thread(target=self._main, name=f"pgmilvus-import-{self.job_id}", daemon=True).start()

    def _main(self) -> None:
        try:
            self._run()
        except Exception:  # the job reads as Failed (its lock is gone); the log says why
            _log.exception("import job %s: its status connection failed", self.job_id)
        finally:
            self.status.release(self.job_id)

    def _run(self) -> None:
        update = functools.partial(self.status.update, self.job_id)
        try:
            size = 0
            for self.group in self.groups:
                size += sum(self.source.size(key) for key in self.group)
            with _LOADING:
                update(state="Importing", progress=10, file_size=size)
                layout = Layout.of(self.client.describe_collection(self.collection))
                self._load(layout, update)
        except MilvusException as exc:
            where = f", file: {', '.join(self.group)}" if self.group else ""
            update(state="Failed", progress=0, imported_rows=0, reason=f"error: {exc.message}{where}")
        except Exception as exc:  # a bug of pgmilvus: the job says so rather than stay Importing
            _log.exception("import job %s failed", self.job_id)
            update(state="Failed", progress=0, imported_rows=0,
                   reason=f"pgmilvus failed to import: {type(exc).__name__}: {exc}")

    def _load(self, layout: Layout, progress: Callable[..., None]) -> None:
        """Every group's rows in one insert transaction that also marks the job Completed."""
        with self.client._db.dedicated_connection() as conn, conn.transaction(), self.client.bind(conn):
            self.client.insert(self.collection, self._rows(layout, progress), partition_name=self.partition)
            import_jobs.update(conn, self.job_id, state="Completed", progress=100, reason="",
                               imported_rows=self.rows, total_rows=self.rows)
        _log.info("import job %s: %d rows into %s", self.job_id, self.rows, self.collection)

    def _rows(self, layout: Layout, progress: Callable[..., None]) -> Iterator[dict]:
        for done, group in enumerate(self.groups, 1):
            self.group = group
            with contextlib.ExitStack() as files:
                paths = [files.enter_context(self.source.local(key)) for key in group]
                for row in formats.read_group(formats.file_type(group), paths, layout, self.options):
                    self.rows += 1
                    if self.deadline is not None and time.monotonic() > self.deadline:
                        raise MilvusException(ErrorCode.IMPORT_FAILED, "import timeout")
                    if self.rows % _PROGRESS_EVERY == 0:
                        progress(imported_rows=self.rows)
                    yield row
            progress(progress=10 + 89 * done // len(self.groups), imported_rows=self.rows)
