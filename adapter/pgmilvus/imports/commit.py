"""Two-phase import: committing and aborting the jobs created with ``auto_commit=false``.

Milvus (master, datacoord services.go CommitImport / AbortImport) imports such a job into segments
it keeps invisible, stops it Uncommitted, and flips the segments visible on commit (rows stamped
with the commit's time), or drops them on abort.  pgmilvus imports a job in ONE insert transaction
(run.py), and does the same here in two runs of it:

* the job's run loads every row through insert, as an auto-commit run does, so whatever insert
  refuses fails the job before it says Uncommitted, then rolls the transaction back and records
  Uncommitted with the row count.  It then holds nothing: no lock, no connection, no transaction,
  so the job outlives its process and any process of the catalog commits it;
* ``commit_job`` turns it Committing (under the job's lock, taken by this process's status
  connection) and starts a run that loads the files again and writes Completed in its transaction:
  the rows become visible at once, stamped (TTL, upsert order, deletes) with the commit's time, as
  Milvus stamps them;
* ``abort_job`` writes Failed, ``aborted by user``; nothing was ever written.

Why not PREPARE TRANSACTION (PostgreSQL's own two-phase commit): a prepared transaction keeps its
locks and its snapshot's horizon until committed, for as long as the job waits (hours, days): no
DDL on the collection, no vacuum of the database, upserts of the same keys blocked; and servers
ship with max_prepared_transactions = 0.  Why not a staging table: insert's checks and functions
would run at commit, after the job said Uncommitted.  The price: the files are read twice, the
commit takes as long as the load (state Committing meanwhile), and they must still be in the
committing server's ``--import-from`` source; a commit that cannot read them fails the job.

Answers follow Milvus's: an unknown job, a commit of a job that is not Uncommitted (Committing and
Completed: success, a repeated commit), an abort of a finished job (Failed by an abort: success),
an auto-commit job; both need the Import privilege on the job's collection (INSERT on its table).
"""

from __future__ import annotations

import time
from typing import Any, Callable, Optional

from ..catalog import import_jobs
from ..errors import ErrorCode, MilvusException, import_failed
from . import options as opts
from .jobs import NO_SOURCE, check_privilege
from .run import Plan, Run
from .source import ImportSource
from .status import Status

#: Seconds a commit waits for the lock of an Uncommitted job (its run releasing it).
_BUSY_WAIT = 30.0


def parse_job_id(job_id: str) -> int:
    """The REST handlers' strconv.ParseInt of the job id, with their text."""
    try:
        return opts.go_int(str(job_id))
    except ValueError as exc:
        raise MilvusException(ErrorCode.INVALID_PARAMETER,
                              f"{exc}: invalid parameter[expected=int64 jobId][actual={job_id}]") from None


def commit_job(client: Any, source: Optional[ImportSource], job_id: str,
               client_of: Optional[Callable[[str], Any]] = None) -> None:
    """Commit the Uncommitted job ``job_id``: Committing now, Completed once its rows are in.

    ``client_of(db_name)``: a client of the job's database when it is not ``client``'s (the REST
    face's clients); without it such a job is refused."""
    number = parse_job_id(job_id)
    with client._conn() as conn:
        row = _found(conn, number)
        if _committed(row, number):
            return
        check_privilege(conn, row["collection_id"], row["db_name"])
    if source is None:
        raise MilvusException(ErrorCode.IMPORT_SYS_FAILED, NO_SOURCE)
    runner = client if row["db_name"] == client._db_name else _client_of(client_of, row["db_name"], number)
    status = Status.of(runner._db)
    started = False
    with runner._conn() as conn:
        if not _take(status, conn, number):
            return  # a run of this process or another one commits it
        try:
            started = import_jobs.start_commit(conn, number)
            if not started:  # aborted or timed out meanwhile: answer its state
                _committed(_found(conn, number), number)
                return
        finally:
            if not started:
                status.release(number)
    plan = Plan(number, row["collection_id"], row["collection_name"], row["partition_name"], row["files"],
                row["options"], row["seconds_left"])
    Run(runner, source, plan, keep=True, committing=True).start()


def abort_job(client: Any, job_id: str) -> None:
    """Abort the job ``job_id`` before it is committed: Failed, aborted by user; its rows never land."""
    number = parse_job_id(job_id)
    with client._conn() as conn:
        while True:  # until the job is aborted, or its state (changed meanwhile) refuses it
            row = _found(conn, number)
            if row["state"] == "Failed" and row["reason"] == import_jobs.ABORTED:
                return
            if row["state"] in ("Failed", "Committing", "Completed"):
                raise import_failed(f"job {number} is in terminal/committed state {row['state']}, abort not allowed")
            _check_manual(row, number)
            check_privilege(conn, row["collection_id"], row["db_name"])
            if import_jobs.abort(conn, number):
                return


def _take(status: Status, conn: Any, number: int) -> bool:
    """The job's lock for its commit; False when another run commits it (Committing, Completed).

    An Uncommitted job's lock is held only by the run that made it Uncommitted, for the moment
    between that write and the lock's release, or by a commit about to write Committing: wait."""
    deadline = time.monotonic() + _BUSY_WAIT
    while not status.try_hold(number):
        if _committed(_found(conn, number), number):
            return False
        if time.monotonic() > deadline:
            raise MilvusException(ErrorCode.IMPORT_SYS_FAILED, f"job {number} is locked by a run that does not "
                                  "end (pgmilvus): importing data failed on server side")
        time.sleep(0.02)
    return True


def _found(conn: Any, number: int) -> dict:
    row = import_jobs.find(conn, number)
    if row is None:
        raise MilvusException(ErrorCode.IMPORT_SYS_FAILED,
                              f"job {number} not found: importing data failed on server side")
    return row


def _committed(row: dict, number: int) -> bool:
    """True: committed or being committed (success); False: Uncommitted; else Milvus's refusal."""
    if row["state"] in ("Committing", "Completed"):
        return True
    if row["state"] != "Uncommitted":
        raise import_failed(f"job {number} is in state {row['state']}, expected Uncommitted")
    _check_manual(row, number)
    return False


def _check_manual(row: dict, number: int) -> None:
    if opts.auto_commit(row["options"]):
        raise import_failed(f"job {number} is auto-commit, manual commit/abort not allowed")


def _client_of(client_of: Optional[Callable[[str], Any]], db_name: str, number: int) -> Any:
    if client_of is None:
        raise MilvusException(ErrorCode.INVALID_PARAMETER,
                              f"import job {number} imports into the database {db_name}: commit it with a "
                              "client of that database")
    return client_of(db_name)
