"""``/v2/vectordb/jobs/import/{create,describe,get_progress,list,commit,abort}``: bulk import, as
Milvus shapes it.

What pymilvus's ``bulk_import``, ``get_import_progress`` and ``list_import_jobs``
send and read (pymilvus/bulk_writer/bulk_import.py), answered as Milvus's
``createImportJob``, ``getImportJobProcess``, ``listImportJob``, ``commitImportJob``
and ``abortImportJob`` (internal/distributed/proxy/httpserver/handler_v2.go).  The
jobs themselves are pgmilvus.imports' (the same operations the gRPC face calls,
which has no commit nor abort), reading files from the server's ``--import-from``
source.  Commit and abort take a job of any database, as Milvus's do.
"""

from __future__ import annotations

from typing import Any

from ... import imports
from . import binding
from .face import RestCall, Route, ok


def create(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    job_id = imports.create_job(call.client(), call.import_source, body["collectionName"], body["files"],
                                partition_name=body["partitionName"], options=body["options"] or {})
    return ok({"jobId": str(job_id)})


def describe(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    """getImportJobProcess: the job, its total file size and one detail per file group (a Milvus task)."""
    job = imports.describe_job(call.client(), body["jobId"])
    data: dict[str, Any] = {"jobId": body["jobId"], "createTime": job.create_time,
                            "collectionName": job.collection_name, "completeTime": job.complete_time,
                            "state": job.state, "progress": job.progress, "importedRows": job.imported_rows,
                            "totalRows": job.total_rows}
    if job.reason:
        data["reason"] = job.reason
    data["fileSize"] = job.file_size
    data["details"] = [_detail(job, group) for group in job.files]
    return ok(data)


def _detail(job: Any, group: list[str]) -> dict[str, Any]:
    """A task's progress: pgmilvus runs a job as one transaction, so each file group shares the job's
    state (fileName as Milvus prints a path list: ``[a.parquet]``; its size: the job's share); an
    Uncommitted or Committing job's tasks are done (Completed, 100), as Milvus's are."""
    done = job.state in ("Uncommitted", "Committing")
    detail: dict[str, Any] = {"fileName": f"[{' '.join(group)}]",
                              "fileSize": job.file_size if len(job.files) == 1 else 0,
                              "progress": 100 if done else job.progress, "completeTime": job.complete_time,
                              "state": "Completed" if done else job.state,
                              "importedRows": job.imported_rows if len(job.files) == 1 else 0,
                              "totalRows": job.total_rows if len(job.files) == 1 else 0}
    if job.reason:
        detail["reason"] = job.reason
    return detail


def list_jobs(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    records = []
    for job in imports.list_jobs(call.client(), body["collectionName"]):
        record = {"jobId": job.job_id, "collectionName": job.collection_name, "state": job.state,
                  "progress": job.progress}
        if job.reason:
            record["reason"] = job.reason
        records.append(record)
    return ok({"records": records})


def commit(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    """commitImportJob: the job turns Committing, then Completed once its rows are in."""
    imports.commit_job(call.client(), call.import_source, body["jobId"], client_of=call.client)
    return ok({})


def abort(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    """abortImportJob: the job turns Failed (aborted by user); its rows never land."""
    imports.abort_job(call.client(), body["jobId"])
    return ok({})


ROUTES = {
    "jobs/import/create": Route(binding.IMPORT, create),
    "jobs/import/describe": Route(binding.JOB_ID, describe),
    "jobs/import/get_progress": Route(binding.JOB_ID, describe),
    "jobs/import/list": Route(binding.OPTIONAL_COLLECTION, list_jobs),
    "jobs/import/commit": Route(binding.JOB_ID, commit),
    "jobs/import/abort": Route(binding.JOB_ID, abort),
}
