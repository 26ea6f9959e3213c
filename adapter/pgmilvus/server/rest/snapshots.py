"""``/v2/vectordb/jobs/snapshot/{describe,list,export,restore_external}``, as handler_v2.go's
``getRestoreSnapshotState``, ``listRestoreSnapshotJobs``, ``exportSnapshot`` and
``restoreExternalSnapshot``.

``describe`` parses ``jobId`` as the handler does (strconv.ParseInt: 1100 with its text) and
answers the core's restore job (catalog/snapshots.py: a restore completes within its call);
``list`` the database's jobs (of ``collectionName`` if given) as ``{"records": [...]}``; a job
is restoreSnapshotJobToREST's map (``state``: the RestoreSnapshotState name).  ``export`` and
``restore_external`` bind Milvus's structs (1801 / 1802), then get the core's refusal (3000,
client/unsupported.py): pgmilvus keeps snapshots in PostgreSQL, never in object storage.
Master serves no REST route to create, list, describe or drop a snapshot itself: the gRPC face does.
"""

from __future__ import annotations

from typing import Any

from ...imports.commit import parse_job_id
from .binding import DB, JOB_ID, OPTIONAL_COLLECTION, Body, Field
from .face import RestCall, Route, ok

_DB, _SPEC = DB, Field("externalSpec", "ExternalSpec")
EXPORT = Body("ExportSnapshotReq", (_DB, Field("collectionName", "CollectionName", required=True),
                                    Field("snapshotName", "Name", required=True),
                                    Field("targetS3Path", "TargetS3Path", required=True), _SPEC))
RESTORE_EXTERNAL = Body("RestoreExternalSnapshotReq", (
    _DB, Field("targetCollectionName", "TargetCollectionName", required=True),
    Field("snapshotMetadataURI", "SnapshotMetadataURI", required=True), _SPEC))


def _job(info: Any) -> dict[str, Any]:
    """restoreSnapshotJobToREST."""
    return {"jobId": info.job_id, "snapshotName": info.snapshot_name, "dbName": info.db_name,
            "collectionName": info.collection_name, "state": info.state, "progress": info.progress,
            "reason": info.reason, "startTime": info.start_time, "timeCost": info.time_cost}


def describe(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    return ok(_job(call.client().get_restore_snapshot_state(parse_job_id(body["jobId"]))))


def list_jobs(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    return ok({"records": [_job(j) for j in call.client().list_restore_snapshot_jobs(body["collectionName"])]})


def export(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    return call.client().export_snapshot(body["snapshotName"], body["collectionName"], body["targetS3Path"],
                                         body["externalSpec"])


def restore_external(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    return call.client().restore_external_snapshot(body["targetCollectionName"], body["snapshotMetadataURI"],
                                                   body["externalSpec"])


ROUTES = {
    "jobs/snapshot/describe": Route(JOB_ID, describe),
    "jobs/snapshot/list": Route(OPTIONAL_COLLECTION, list_jobs),
    "jobs/snapshot/export": Route(EXPORT, export),
    "jobs/snapshot/restore_external": Route(RESTORE_EXTERNAL, restore_external),
}
