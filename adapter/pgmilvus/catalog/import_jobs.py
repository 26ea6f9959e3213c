"""Reads and writes of the import-job catalog (020_import_jobs.sql), on the caller's connection.

A running job's worker holds a session advisory lock on the job id (``hold``); a job still Pending
or Importing whose lock nobody holds was left by a worker that died, and every read answers it as
Failed with ``ORPHANED`` (the import's one transaction died with it, so nothing of it was written).
Reads compute that rather than write it, so any role may read any job.
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
_RUNNING = ("Pending", "Importing")
#: Whether someone holds the job's lock: the bigint advisory key is (classid, objid) = high, low half.
_HELD = ("EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
         " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
         " AND l.classid = (j.job_id >> 32)::oid AND l.objid = (j.job_id & 4294967295)::oid)")
_ALIVE = f"(j.state NOT IN ('Pending', 'Importing') OR {_HELD})"
_COLUMNS = (
    "j.job_id, j.db_name, j.collection_name, j.partition_name, j.files,"
    f" CASE WHEN {_ALIVE} THEN j.state ELSE 'Failed' END AS state,"
    f" CASE WHEN {_ALIVE} THEN j.progress ELSE 0 END AS progress,"
    f" CASE WHEN {_ALIVE} THEN j.reason ELSE %(orphaned)s END AS reason,"
    " j.imported_rows, j.total_rows, j.file_size, j.created_at, j.completed_at")


def add(conn: psycopg.Connection, db_name: str, collection_id: int, collection_name: str, partition_name: str,
        files: list[list[str]], options: dict[str, str]) -> int:
    """Record a Pending job; its id."""
    return conn.execute(
        f"INSERT INTO {CATALOG}.import_jobs (db_name, collection_id, collection_name, partition_name, files,"
        " options) VALUES (%s, %s, %s, %s, %s, %s) RETURNING job_id",
        (db_name, collection_id, collection_name, partition_name, Jsonb(files), Jsonb(options))).fetchone()[0]


def hold(conn: psycopg.Connection, job_id: int) -> None:
    """Take the job's lock for this session (the worker's, until ``release``)."""
    conn.execute("SELECT pg_advisory_lock(%s::bigint)", (job_id,))


def release(conn: psycopg.Connection, job_id: int) -> None:
    conn.execute("SELECT pg_advisory_unlock(%s::bigint)", (job_id,))


def update(conn: psycopg.Connection, job_id: int, **columns: Any) -> None:
    """Set some of state, progress, reason, imported_rows, total_rows, file_size; a final state also
    sets completed_at."""
    sets = [sql.SQL("{} = %s").format(sql.Identifier(name)) for name in columns]
    if columns.get("state") in ("Completed", "Failed"):
        sets.append(sql.SQL("completed_at = clock_timestamp()"))
    conn.execute(sql.SQL("UPDATE {}.import_jobs SET {} WHERE job_id = %s").format(
        sql.Identifier(CATALOG), sql.SQL(", ").join(sets)), (*columns.values(), job_id))


def find(conn: psycopg.Connection, job_id: int) -> Optional[dict]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(f"SELECT {_COLUMNS} FROM {CATALOG}.import_jobs j WHERE j.job_id = %(id)s",
                           {"orphaned": ORPHANED, "id": job_id}).fetchone()


def in_database(conn: psycopg.Connection, db_name: str, collection_name: str = "") -> list[dict]:
    """The jobs of ``db_name`` (of one collection, when named), oldest first."""
    where = " AND j.collection_name = %(collection)s" if collection_name else ""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            f"SELECT {_COLUMNS} FROM {CATALOG}.import_jobs j WHERE j.db_name = %(db)s{where} ORDER BY j.job_id",
            {"orphaned": ORPHANED, "db": db_name, "collection": collection_name}).fetchall()
