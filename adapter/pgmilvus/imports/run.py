"""An import job's run: every group's rows in ONE ``insert`` transaction, on a thread of its own.

The rows go through the job's client's ``insert`` (a generator streamed in chunks inside the one
transaction), so every value check, function (BM25, MinHash), default and dynamic-field rule of
insert applies unchanged; the job's Completed state is written in that same transaction, so either
every row lands and the job says Completed, or none does and it says Failed (Milvus commits an import
segment by segment: a failed Milvus job can leave some behind).  Progress goes to the catalog on a
second connection, which also holds the job's advisory lock for as long as the run lasts: a job
whose process died reads as Failed (catalog/import_jobs.py).  Both connections are the run's own,
outside the client's pool, which stays whole for the calls however long a job runs; two jobs of a
process load at a time, the others stay Pending (as Milvus queues import jobs).
"""

from __future__ import annotations

import contextlib
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
#: Jobs of this process that load at once; the others wait, Pending, holding only their lock
#: connection (a burst of jobs, each with two connections of its own, exhausted the server's).
_LOADING = threading.BoundedSemaphore(2)


class Run:
    """One job's run on a thread of its own: the lock and progress connection, then the one transaction."""

    def __init__(self, client: Any, source: ImportSource, job_id: int, collection: str, partition: str,
                 groups: list[list[str]], options: dict[str, str], timeout: Optional[float]) -> None:
        self.client, self.source, self.job_id = client, source, job_id
        self.collection, self.partition, self.groups, self.options = collection, partition, groups, options
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.held = threading.Event()
        self.rows = 0
        self.group: list[str] = []

    def start(self) -> None:
        """Start the thread; return once it holds the job's lock (so a lock-less Pending job is dead)."""
        threading.Thread(target=self._main, name=f"pgmilvus-import-{self.job_id}", daemon=True).start()
        self.held.wait(60)

    def _main(self) -> None:
        try:
            with self.client._db.dedicated_connection() as status:
                import_jobs.hold(status, self.job_id)
                self.held.set()
                try:
                    self._run(status)
                finally:
                    import_jobs.release(status, self.job_id)
        except Exception:  # the job reads as Failed (its lock is gone); the log says why
            _log.exception("import job %s: its status connection failed", self.job_id)
        finally:
            self.held.set()

    def _run(self, status: Any) -> None:
        try:
            size = 0
            for self.group in self.groups:
                size += sum(self.source.size(key) for key in self.group)
            with _LOADING:
                import_jobs.update(status, self.job_id, state="Importing", progress=10, file_size=size)
                layout = Layout.of(self.client.describe_collection(self.collection))
                self._load(layout, lambda **cols: import_jobs.update(status, self.job_id, **cols))
        except MilvusException as exc:
            where = f", file: {', '.join(self.group)}" if self.group else ""
            import_jobs.update(status, self.job_id, state="Failed", progress=0, imported_rows=0,
                               reason=f"error: {exc.message}{where}")
        except Exception as exc:  # a bug of pgmilvus: the job says so rather than stay Importing
            _log.exception("import job %s failed", self.job_id)
            import_jobs.update(status, self.job_id, state="Failed", progress=0, imported_rows=0,
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
