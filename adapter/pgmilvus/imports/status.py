"""The one connection per server and process that holds the running import jobs' locks and writes
their progress (``Status``).

Every running job's advisory lock (a job whose process died reads as Failed, catalog/import_jobs.py)
and its progress go through it: a burst of jobs, each with a lock connection of its own, exhausted
the server's ``max_connections``.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from ..catalog import import_jobs


class Status:
    """The connection of one server (``database``: a client's Database) for its running jobs.

    Opened by the first job and closed with the last, so an idle process keeps no connection for
    imports; a connection that broke (its locks went with it: those jobs read as Failed) is replaced
    for the next job.  psycopg serialises the threads' statements on it.
    """

    _all: dict[str, "Status"] = {}
    _guard = threading.Lock()

    def __init__(self, database: Any) -> None:
        self.database = database
        self.jobs: set[int] = set()
        self.conn: Any = None
        self.stack = contextlib.ExitStack()

    @classmethod
    def of(cls, database: Any) -> "Status":
        with cls._guard:
            return cls._all.setdefault(database.conninfo, cls(database))

    def _open(self) -> None:
        if self.conn is None or self.conn.closed:
            self.stack.close()
            self.conn = self.stack.enter_context(self.database.dedicated_connection())

    def hold(self, job_id: int) -> None:
        """Take the job's lock (a new job: nobody else has it)."""
        with self._guard:
            self._open()
            import_jobs.hold(self.conn, job_id)
            self.jobs.add(job_id)

    def try_hold(self, job_id: int) -> bool:
        """Take the job's lock unless a run of this process or another one has it (a commit under way)."""
        with self._guard:
            if job_id in self.jobs:
                return False
            self._open()
            try:
                taken = import_jobs.try_hold(self.conn, job_id)
            except Exception:
                if not self.jobs:
                    self._close()
                raise
            if taken:
                self.jobs.add(job_id)
            elif not self.jobs:
                self._close()
            return taken

    def release(self, job_id: int) -> None:
        with self._guard:
            self.jobs.discard(job_id)
            try:
                if not self.conn.closed:
                    import_jobs.release(self.conn, job_id)
            finally:
                if not self.jobs:
                    self._close()

    def _close(self) -> None:
        self.conn = None
        self.stack.close()

    def update(self, job_id: int, **columns: Any) -> bool:
        """The run's write (import_jobs.update): False when the job no longer runs (aborted)."""
        return import_jobs.update(self.conn, job_id, **columns)
