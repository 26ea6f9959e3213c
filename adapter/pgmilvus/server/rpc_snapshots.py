"""The snapshot RPCs of Milvus master: protobuf to and from the core's snapshot calls
(MilvusClient.create_snapshot, ..., catalog/snapshots.py), nothing more.

``db_name`` picks the call's client (handler.Call), as Milvus's proxy fills it from the
session's database; RestoreSnapshot's target database travels as its own field.
"""

from __future__ import annotations

from typing import Any

from pymilvus.grpc_gen import milvus_pb2

from .handler import Call, RPCBase, rpc
from .status import SUCCESS


def _job(info: Any) -> milvus_pb2.RestoreSnapshotInfo:
    return milvus_pb2.RestoreSnapshotInfo(
        job_id=info.job_id, snapshot_name=info.snapshot_name, db_name=info.db_name,
        collection_name=info.collection_name, state=milvus_pb2.RestoreSnapshotState.Value(info.state),
        progress=info.progress, reason=info.reason, start_time=info.start_time, time_cost=info.time_cost)


class SnapshotRPCs(RPCBase):

    @rpc
    def CreateSnapshot(self, call: Call, request: milvus_pb2.CreateSnapshotRequest) -> Any:
        self._client(call).create_snapshot(request.name, request.collection_name, description=request.description,
                                           compaction_protection_seconds=request.compaction_protection_seconds)
        return SUCCESS

    @rpc
    def DropSnapshot(self, call: Call, request: milvus_pb2.DropSnapshotRequest) -> Any:
        self._client(call).drop_snapshot(request.name, request.collection_name)
        return SUCCESS

    @rpc
    def ListSnapshots(self, call: Call, request: milvus_pb2.ListSnapshotsRequest) -> Any:
        names = self._client(call).list_snapshots(request.collection_name)
        return milvus_pb2.ListSnapshotsResponse(status=SUCCESS, snapshots=names)

    @rpc
    def DescribeSnapshot(self, call: Call, request: milvus_pb2.DescribeSnapshotRequest) -> Any:
        info = self._client(call).describe_snapshot(request.name, request.collection_name)
        return milvus_pb2.DescribeSnapshotResponse(
            status=SUCCESS, name=info.name, description=info.description, collection_name=info.collection_name,
            partition_names=info.partition_names, create_ts=info.create_ts, s3_location=info.s3_location)

    @rpc
    def RestoreSnapshot(self, call: Call, request: milvus_pb2.RestoreSnapshotRequest) -> Any:
        job_id = self._client(call).restore_snapshot(request.name, request.collection_name,
                                                     request.target_collection_name,
                                                     target_db_name=request.target_db_name)
        return milvus_pb2.RestoreSnapshotResponse(status=SUCCESS, job_id=job_id)

    @rpc
    def GetRestoreSnapshotState(self, call: Call, request: milvus_pb2.GetRestoreSnapshotStateRequest) -> Any:
        info = self._client(call).get_restore_snapshot_state(request.job_id)
        return milvus_pb2.GetRestoreSnapshotStateResponse(status=SUCCESS, info=_job(info))

    @rpc
    def ListRestoreSnapshotJobs(self, call: Call, request: milvus_pb2.ListRestoreSnapshotJobsRequest) -> Any:
        jobs = self._client(call).list_restore_snapshot_jobs(request.collection_name)
        return milvus_pb2.ListRestoreSnapshotJobsResponse(status=SUCCESS, jobs=[_job(j) for j in jobs])

    @rpc
    def PinSnapshotData(self, call: Call, request: milvus_pb2.PinSnapshotDataRequest) -> Any:
        pin_id = self._client(call).pin_snapshot_data(request.name, request.collection_name,
                                                      ttl_seconds=request.ttl_seconds)
        return milvus_pb2.PinSnapshotDataResponse(status=SUCCESS, pin_id=pin_id)

    @rpc
    def UnpinSnapshotData(self, call: Call, request: milvus_pb2.UnpinSnapshotDataRequest) -> Any:
        self._client(call).unpin_snapshot_data(request.pin_id)
        return SUCCESS
