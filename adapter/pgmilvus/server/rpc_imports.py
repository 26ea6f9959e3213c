"""The v1 bulk-import RPCs (``utility.do_bulk_insert`` and friends): protobuf to and from the
import jobs (imports/jobs.py), mapped as Milvus's proxy maps them onto its v2 jobs
(internal/proxy/impl.go: convertToV2ImportRequest, convertToV1GetImportResponse, ...).

``Import`` sends all of its files as ONE file group, as Milvus's proxy does (so a numpy group's
``.npy`` files travel together; a JSON or Parquet request names one file).  The files are read from
the server's ``--import-from`` source (``import_source``, None when the server has none).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from pymilvus.grpc_gen import common_pb2, milvus_pb2

from .. import imports
from ..imports.source import ImportSource
from .handler import Call, RPCBase, rpc
from .status import SUCCESS

#: v2 job states -> commonpb.ImportState (convertToV1GetImportResponse).
_STATES = {"Pending": "ImportPending", "Importing": "ImportStarted", "Completed": "ImportCompleted",
           "Failed": "ImportFailed"}


def _state(job: imports.ImportJob, listed: bool = False) -> milvus_pb2.GetImportStateResponse:
    """A job as Milvus's proxy answers it; a listed job, like Milvus's, carries no rows nor create time."""
    infos = [common_pb2.KeyValuePair(key="failed_reason", value=job.reason),
             common_pb2.KeyValuePair(key="progress_percent", value=str(job.progress))]
    created = 0 if listed or not job.create_time else int(
        datetime.strptime(job.create_time, "%Y-%m-%dT%H:%M:%S%z").timestamp())
    return milvus_pb2.GetImportStateResponse(
        status=SUCCESS, state=common_pb2.ImportState.Value(_STATES.get(job.state, "ImportFailed")),
        row_count=0 if listed else job.imported_rows, infos=infos, create_ts=created)


class ImportRPCs(RPCBase):
    import_source: Optional[ImportSource]

    @rpc
    def Import(self, call: Call, request: milvus_pb2.ImportRequest) -> Any:
        options = {kv.key: kv.value for kv in request.options}
        job_id = imports.create_job(self._client(call), self.import_source, request.collection_name,
                                    [list(request.files)], request.partition_name, options)
        return milvus_pb2.ImportResponse(status=SUCCESS, tasks=[int(job_id)])

    @rpc
    def GetImportState(self, call: Call, request: milvus_pb2.GetImportStateRequest) -> Any:
        return _state(imports.describe_job(self._client(call), str(request.task)))

    @rpc
    def ListImportTasks(self, call: Call, request: milvus_pb2.ListImportTasksRequest) -> Any:
        jobs = imports.list_jobs(self._client(call), request.collection_name)
        return milvus_pb2.ListImportTasksResponse(status=SUCCESS, tasks=[_state(j, listed=True) for j in jobs])
