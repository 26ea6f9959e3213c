"""Import jobs: what Milvus checks when a job is created, and the job's record.

``create_job`` makes the checks Milvus's proxy makes before answering (collection, partition rules,
file groups, options; importutilv2's texts), records a Pending job in the catalog
(catalog/import_jobs.py) and starts its run (run.py) on a thread of this process.
``describe_job`` and ``list_jobs`` read the records, so every process answers the same state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Optional

from psycopg import sql

from ..catalog import collections, import_jobs
from ..errors import (ErrorCode, MilvusException, PermissionDenied, import_failed, invalid_parameter,
                      partition_not_found)
from ..rbac.roles import denied_message
from . import formats
from .run import Run
from .source import ImportSource

#: dataCoord.import.maxFilesPerImportReq's default.
MAX_FILES = 1024
_GO_DURATION = re.compile(r"[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)")
_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
NO_SOURCE = ("bulk import needs a place to read files from: start pgmilvus serve with --import-from "
             "s3://ACCESS:SECRET@HOST:PORT/BUCKET (Milvus's object storage) or --import-from DIRECTORY "
             "(or set PGMILVUS_IMPORT_FROM): importing data failed on server side")


@dataclass
class ImportJob:
    job_id: str
    db_name: str
    collection_name: str
    partition_name: str
    state: str          # Pending | Importing | Completed | Failed (Milvus's v2 ImportJobState names)
    progress: int       # 0..100
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
        _check_partition(info, partition_name)
        groups = _check_files(source, files)
        timeout = _check_options(options)
        _check_privilege(conn, info, db_name)
        job_id = import_jobs.add(conn, db_name, info.id, info.name, partition_name, groups, options)
    Run(client, source, job_id, info.name, partition_name, groups, options, timeout).start()
    return str(job_id)


def _check_partition(info: Any, partition_name: str) -> None:
    if info.schema.partition_key_field is not None:
        if partition_name:
            raise import_failed("not allow to set partition name for collection with partition key")
    elif partition_name and info.partition(partition_name) is None:
        raise partition_not_found(partition_name)


def _check_files(source: ImportSource, files: list[list[str]]) -> list[list[str]]:
    groups = [[str(key) for key in group] for group in files if group]
    if not groups:
        raise invalid_parameter("import request is empty")
    if len(groups) > MAX_FILES:
        raise import_failed(f"The max number of import files should not exceed {MAX_FILES}, but got {len(groups)}")
    for group in groups:
        formats.file_type(group)
        for key in group:
            source.check(key)
    return groups


def _check_options(options: dict[str, str]) -> Optional[float]:
    """The ``timeout`` option in seconds (a Go duration, as Milvus parses it); refuses what pgmilvus lacks."""
    for flag, what in (("backup", "restoring Milvus backups (binlog files)"),
                       ("l0_import", "importing deletions (L0 segments)")):
        if options.get(flag, "").lower() == "true":
            raise MilvusException(ErrorCode.UNSUPPORTED,
                                  f"the import option {flag}=true ({what}) is not supported by pgmilvus: import "
                                  "row files (Parquet, JSON, numpy, CSV), or copy a Milvus collection with "
                                  "pgmilvus migrate")
    if "timeout" not in options:
        return None
    text = options["timeout"]
    if not _GO_DURATION.fullmatch(text):
        raise import_failed(f'parse timeout failed: time: invalid duration "{text}"')
    seconds = sum(float(n) * _GO_UNITS[u] for n, u in re.findall(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)", text))
    return -seconds if text.startswith("-") else seconds


def _check_privilege(conn: Any, info: Any, db_name: str) -> None:
    """Milvus refuses an import without the Import privilege (INSERT on the collection's table) at once."""
    table = sql.Identifier(info.schema_name, info.table_name).as_string(conn)
    user, allowed = conn.execute("SELECT current_user, has_table_privilege(%s, 'INSERT')", (table,)).fetchone()
    if not allowed:
        raise PermissionDenied(denied_message("Import", user, db_name), user=user)


def describe_job(client: Any, job_id: str) -> ImportJob:
    """The job ``job_id`` (Milvus's GetImportProgress answers any database's job by id)."""
    try:
        number = int(str(job_id), 10)
    except ValueError:
        raise invalid_parameter(f'parse job id failed: strconv.ParseInt: parsing "{job_id}": invalid syntax') from None
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
