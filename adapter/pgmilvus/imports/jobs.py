"""Import jobs: what Milvus checks when a job is created, and the job's record.

``create_job`` makes the checks Milvus's proxy makes before answering (collection, partition rules,
file groups, options; importutilv2's texts), records a Pending job in the catalog
(catalog/import_jobs.py) and starts its run (run.py) on a thread of this process.
``describe_job`` and ``list_jobs`` read the records, so every process answers the same state;
commit.py commits and aborts the jobs created with ``auto_commit=false``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Optional

from ..catalog import collections, import_jobs
from ..errors import (ErrorCode, MilvusException, PermissionDenied, import_failed, invalid_parameter,
                      partition_not_found)
from ..rbac.roles import denied_message
from . import formats, options as opts
from .run import Plan, Run
from .source import ImportSource

#: dataCoord.import.maxFilesPerImportReq's default.
MAX_FILES = 1024
NO_SOURCE = ("bulk import needs a place to read files from: start pgmilvus serve with --import-from "
             "s3://ACCESS:SECRET@HOST:PORT/BUCKET (Milvus's object storage) or --import-from DIRECTORY "
             "(or set PGMILVUS_IMPORT_FROM): importing data failed on server side")


@dataclass
class ImportJob:
    job_id: str
    db_name: str
    collection_name: str
    partition_name: str
    #: Milvus's v2 ImportJobState names: Pending | Importing | Uncommitted | Committing | Completed | Failed
    state: str
    progress: int       # 0..100 (99 while Uncommitted or Committing)
    reason: str
    imported_rows: int
    total_rows: int
    file_size: int
    create_time: str    # RFC 3339, as Milvus's REST shows them
    complete_time: str
    files: list[list[str]]


def create_job(client: Any, source: Optional[ImportSource], collection_name: str, files: list[list[str]],
               partition_name: str = "", options: Optional[dict[str, str]] = None) -> str:
    """Check the request as Milvus does, record the job and start it; the job id."""
    options = {str(k): str(v) for k, v in (options or {}).items()}
    if source is None:
        raise MilvusException(ErrorCode.IMPORT_SYS_FAILED, NO_SOURCE)
    db_name = client._db_name
    with client._conn() as conn:
        info = collections.require(conn, db_name, collection_name)
        _check_partition(info, partition_name, options)
        groups = _check_files(source, files, opts.restoring(options))
        timeout = opts.timeout(options)
        opts.refuse_restore(options)
        check_privilege(conn, info.id, db_name)
        job_id = import_jobs.add(conn, db_name, info.id, info.name, partition_name, groups, options, timeout)
    plan = Plan(job_id, info.id, info.name, partition_name, groups, options, timeout)
    Run(client, source, plan, keep=opts.auto_commit(options)).start()
    return str(job_id)


def _check_partition(info: Any, partition_name: str, options: dict[str, str]) -> None:
    """The proxy's partition rules: a backup names its partition; an L0 import may name one, and
    needs the collection released; other imports as insert (none on a partition-key collection)."""
    backup = opts.flag(options, "backup")
    if backup and not partition_name:
        raise MilvusException(ErrorCode.MISSING_PARAMETER, "partition not specified: missing parameter")
    if opts.restoring(options) or info.schema.partition_key_field is None:
        if partition_name and info.partition(partition_name) is None:
            raise partition_not_found(partition_name)
    elif partition_name:
        raise import_failed("not allow to set partition name for collection with partition key")
    if not backup and opts.flag(options, "l0_import") and info.loaded:
        raise import_failed("for l0 import, collection cannot be loaded, please release it first")


def _check_files(source: ImportSource, files: list[list[str]], restore: bool) -> list[list[str]]:
    """The non-empty groups; their file types unless a backup restore names binlog folders."""
    groups = [[str(key) for key in group] for group in files if group]
    if not groups:
        raise invalid_parameter("import request is empty")
    if len(groups) > MAX_FILES:
        raise import_failed(f"The max number of import files should not exceed {MAX_FILES}, but got {len(groups)}")
    for group in groups:
        if not restore:
            formats.file_type(group)
        for key in group:
            source.check(key)
    return groups


def check_privilege(conn: Any, collection_id: int, db_name: str) -> None:
    """Milvus refuses an import (and its commit or abort) without the Import privilege on the
    collection (INSERT on its table: catalog may_import) at once."""
    user, allowed = import_jobs.may_import(conn, collection_id)
    if not allowed:
        raise PermissionDenied(denied_message("Import", user, db_name), user=user)


def describe_job(client: Any, job_id: str) -> ImportJob:
    """The job ``job_id`` (Milvus's GetImportProgress answers any database's job by id)."""
    try:
        number = opts.go_int(str(job_id))
    except ValueError as exc:
        raise invalid_parameter(f"parse job id failed: {exc}") from None
    with client._conn() as conn:
        row = import_jobs.find(conn, number)
    if row is None:
        raise MilvusException(ErrorCode.IMPORT_SYS_FAILED,
                              f"import job does not exist, jobID={number}: importing data failed on server side")
    return _job(row)


def list_jobs(client: Any, collection_name: str = "") -> list[ImportJob]:
    """The jobs of the client's database (of one collection, when named), oldest first."""
    db_name = client._db_name
    with client._conn() as conn:
        if collection_name:
            collections.require(conn, db_name, collection_name)
        return [_job(row) for row in import_jobs.in_database(conn, db_name, collection_name)]


def _job(row: dict) -> ImportJob:
    return ImportJob(job_id=str(row["job_id"]), db_name=row["db_name"], collection_name=row["collection_name"],
                     partition_name=row["partition_name"], state=row["state"], progress=row["progress"],
                     reason=row["reason"], imported_rows=row["imported_rows"], total_rows=row["total_rows"],
                     file_size=row["file_size"], create_time=_rfc3339(row["created_at"]),
                     complete_time=_rfc3339(row["completed_at"]), files=row["files"])


def _rfc3339(moment: Optional[datetime]) -> str:
    """Go's "2006-01-02T15:04:05Z07:00" (Milvus's job times), in UTC."""
    if moment is None:
        return ""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
