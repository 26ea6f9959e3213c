"""Reads and writes of the import-job catalog (020_import_jobs.sql, 022_import_commit.sql), on the
caller's connection.

A running job's worker holds a session advisory lock on the job id (``hold``): while the job is
Pending or Importing, and while a commit loads an Uncommitted job again (Committing).  Reads answer
what the stored state no longer says, rather than write it, so any role may read any job:

* Pending or Importing, nobody holding the lock: the worker died (and the import's one transaction
  with it, so nothing of it was written): Failed with ``ORPHANED``;
* Committing, nobody holding the lock: the committing worker died, nothing written: Uncommitted;
* Uncommitted past the job's deadline: Failed, ``import timeout`` (Milvus's import checker times
  out an uncommitted job too); Uncommitted whose collection is gone: Failed, ``collection <id>
  dropped`` (its checker's text).  An Uncommitted job has no worker and holds no lock: it lives on.

A Failed job reads 0 progress and 0 rows, as Milvus's GetImportProgress answers one.  The worker's
own writes (``update``) change a job only while it runs, so a job aborted meanwhile stays Failed.
"""

from __future__ import annotations

from typing import Any, Optional

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from .store import CATALOG

#: Why a job whose worker is gone failed (pgmilvus's text: Milvus's jobs outlive their workers).
ORPHANED = ("the pgmilvus process running this import stopped before it finished; nothing of it was "
            "written: create the import job again")
#: Milvus's reason for a job aborted by AbortImport (datacoord import_job.go).
ABORTED = "aborted by user"
#: The states a worker writes the job in (it holds the job's lock meanwhile).
RUNNING = ("Pending", "Importing", "Committing")
#: Whether someone holds the job's lock: the bigint advisory key is (classid, objid) = high, low half.
_HELD = ("EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
         " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
         " AND l.classid = (j.job_id >> 32)::oid AND l.objid = (j.job_id & 4294967295)::oid)")
#: The stored state, its worker's liveness applied ('Orphaned': a dead worker's job).
_LIVE = (f"CASE WHEN j.state IN ('Pending', 'Importing') AND NOT {_HELD} THEN 'Orphaned'"
         f" WHEN j.state = 'Committing' AND NOT {_HELD} THEN 'Uncommitted' ELSE j.state END")
#: Why a job reads as Failed though its stored state says otherwise (NULL: it does not).
_FAILURE = ("CASE s.state WHEN 'Orphaned' THEN %(orphaned)s"
            " WHEN 'Uncommitted' THEN CASE WHEN j.deadline < clock_timestamp() THEN 'import timeout'"
            f" WHEN NOT EXISTS (SELECT 1 FROM {CATALOG}.collections c WHERE c.id = j.collection_id)"
            " THEN 'collection ' || j.collection_id || ' dropped' END END")
_FROM = (f"FROM {CATALOG}.import_jobs j CROSS JOIN LATERAL (SELECT {_LIVE} AS state) s"
         f" CROSS JOIN LATERAL (SELECT {_FAILURE} AS failure) f")
_COLUMNS = (
    "j.job_id, j.db_name, j.collection_id, j.collection_name, j.partition_name, j.files, j.options,"
    " CASE WHEN f.failure IS NULL THEN s.state ELSE 'Failed' END AS state,"
    " CASE WHEN f.failure IS NULL THEN j.progress ELSE 0 END AS progress,"
    " coalesce(f.failure, j.reason) AS reason,"
    " CASE WHEN f.failure IS NULL THEN j.imported_rows ELSE 0 END AS imported_rows,"
    " CASE WHEN f.failure IS NULL THEN j.total_rows ELSE 0 END AS total_rows,"
    " j.file_size, j.created_at, j.completed_at,"
    " extract(epoch FROM j.deadline - clock_timestamp())::float8 AS seconds_left")


def add(conn: psycopg.Connection, db_name: str, collection_id: int, collection_name: str, partition_name: str,
        files: list[list[str]], options: dict[str, str], timeout: Optional[float] = None) -> int:
    """Record a Pending job (its deadline ``timeout`` seconds from now, if any); its id."""
    return conn.execute(
        f"INSERT INTO {CATALOG}.import_jobs (db_name, collection_id, collection_name, partition_name, files,"
        " options, deadline) VALUES (%s, %s, %s, %s, %s, %s,"
        " clock_timestamp() + make_interval(secs => %s::float8)) RETURNING job_id",
        (db_name, collection_id, collection_name, partition_name, Jsonb(files), Jsonb(options),
         timeout)).fetchone()[0]


def hold(conn: psycopg.Connection, job_id: int) -> None:
    """Take the job's lock for this session (the worker's, until ``release``)."""
    conn.execute("SELECT pg_advisory_lock(%s::bigint)", (job_id,))


def try_hold(conn: psycopg.Connection, job_id: int) -> bool:
    """Take the job's lock for this session unless another session holds it."""
    return bool(conn.execute("SELECT pg_try_advisory_lock(%s::bigint)", (job_id,)).fetchone()[0])


def release(conn: psycopg.Connection, job_id: int) -> None:
    conn.execute("SELECT pg_advisory_unlock(%s::bigint)", (job_id,))


def update(conn: psycopg.Connection, job_id: int, **columns: Any) -> bool:
    """The worker's write: some of state, progress, reason, imported_rows, total_rows, file_size (a final
    state also sets completed_at), while the job runs; False when it no longer does (aborted)."""
    sets = [sql.SQL("{} = %s").format(sql.Identifier(name)) for name in columns]
    if columns.get("state") in ("Completed", "Failed"):
        sets.append(sql.SQL("completed_at = clock_timestamp()"))
    return conn.execute(sql.SQL("UPDATE {}.import_jobs SET {} WHERE job_id = %s AND state = ANY(%s)").format(
        sql.Identifier(CATALOG), sql.SQL(", ").join(sets)), (*columns.values(), job_id, list(RUNNING))).rowcount == 1


def start_commit(conn: psycopg.Connection, job_id: int) -> bool:
    """Committing, from Uncommitted (or Committing, its committer dead); the caller holds the job's lock."""
    return conn.execute(f"UPDATE {CATALOG}.import_jobs SET state = 'Committing' WHERE job_id = %s"
                        " AND state IN ('Uncommitted', 'Committing')", (job_id,)).rowcount == 1


def abort(conn: psycopg.Connection, job_id: int) -> bool:
    """Failed, aborted by user, unless the job finished or is being committed meanwhile."""
    return conn.execute(
        f"UPDATE {CATALOG}.import_jobs j SET state = 'Failed', reason = %s, progress = 0, imported_rows = 0,"
        " total_rows = 0, completed_at = clock_timestamp() WHERE j.job_id = %s"
        f" AND (j.state IN ('Pending', 'Importing', 'Uncommitted') OR j.state = 'Committing' AND NOT {_HELD})",
        (ABORTED, job_id)).rowcount == 1


def may_import(conn: psycopg.Connection, collection_id: int) -> tuple[str, bool]:
    """The connected role, and whether it may import into the collection (022_import_commit.sql)."""
    user, allowed = conn.execute(f"SELECT current_user, {CATALOG}.may_import(%s)", (collection_id,)).fetchone()
    return user, bool(allowed)


def find(conn: psycopg.Connection, job_id: int) -> Optional[dict]:
    """The job as read (see above); also its collection id, options and seconds left before its deadline."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(f"SELECT {_COLUMNS} {_FROM} WHERE j.job_id = %(id)s",
                           {"orphaned": ORPHANED, "id": job_id}).fetchone()


def in_database(conn: psycopg.Connection, db_name: str, collection_name: str = "") -> list[dict]:
    """The jobs of ``db_name`` (of one collection, when named), oldest first."""
    where = " AND j.collection_name = %(collection)s" if collection_name else ""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(f"SELECT {_COLUMNS} {_FROM} WHERE j.db_name = %(db)s{where} ORDER BY j.job_id",
                           {"orphaned": ORPHANED, "db": db_name, "collection": collection_name}).fetchall()
