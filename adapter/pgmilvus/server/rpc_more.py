"""RPCs beyond the seed: databases, aliases, partition load / stats, rename / truncate / alter, compaction.

Database RPCs name their target in ``db_name``: they run on the default
database's client, never on a client of the database they create or drop.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymilvus.grpc_gen import common_pb2, milvus_pb2

from ..types import Plan, SegmentState
from .convert.params import kv_dict
from .handler import Call, RPCBase, rpc
from .rpc_admin import load_groups, named_collection
from .status import SUCCESS


class MoreRPCs(RPCBase):

    # -- analyzers -------------------------------------------------------------------------------
    @rpc
    def RunAnalyzer(self, call: Call, request: milvus_pb2.RunAnalyzerRequest) -> Any:
        """client.run_analyzer: the core's analyzers (data/analyzer.py), with or without details."""
        texts = [bytes(raw).decode("utf-8", "replace") for raw in request.placeholder]
        results = self._client(call).run_analyzer(
            texts, analyzer_params=request.analyzer_params or None, with_hash=request.with_hash,
            with_detail=request.with_detail, collection_name=request.collection_name or None,
            field_name=request.field_name or None, analyzer_names=list(request.analyzer_names) or None)
        response = milvus_pb2.RunAnalyzerResponse(status=SUCCESS)
        for result in results:
            tokens = response.results.add().tokens
            for token in result.tokens:
                tokens.add(**(token.dict if hasattr(token, "dict") else {"token": token}))
        return response

    # -- databases -------------------------------------------------------------------------------
    @rpc
    def CreateDatabase(self, call: Call, request: milvus_pb2.CreateDatabaseRequest) -> Any:
        properties = kv_dict(request.properties, parse=False)
        self._default_client(call).create_database(request.db_name, properties=properties)
        return SUCCESS

    @rpc
    def DropDatabase(self, call: Call, request: milvus_pb2.DropDatabaseRequest) -> Any:
        self._default_client(call).drop_database(request.db_name)
        self.backend.forget(request.db_name)
        return SUCCESS

    @rpc
    def ListDatabases(self, call: Call, request: Any) -> Any:
        """Names with the catalog's ids and creation times (rootcoord's are nanoseconds)."""
        listed = self._default_client(call).list_database_details()
        return milvus_pb2.ListDatabasesResponse(status=SUCCESS, db_names=[d.name for d in listed],
                                                db_ids=[d.id for d in listed],
                                                created_timestamp=[_nanoseconds(d.created_at) for d in listed])

    @rpc
    def DescribeDatabase(self, call: Call, request: milvus_pb2.DescribeDatabaseRequest) -> Any:
        client = self._default_client(call)
        desc = dict(client.describe_database(request.db_name or "default"))
        name = desc.pop("name")
        listed = next((d for d in client.list_database_details() if d.name == name), None)
        return milvus_pb2.DescribeDatabaseResponse(
            status=SUCCESS, db_name=name, dbID=listed.id if listed else 0,
            created_timestamp=_nanoseconds(listed.created_at) if listed else 0,
            properties=[common_pb2.KeyValuePair(key=k, value=str(v)) for k, v in desc.items()])

    @rpc
    def AlterDatabase(self, call: Call, request: milvus_pb2.AlterDatabaseRequest) -> Any:
        client = self._default_client(call)
        if request.delete_keys:
            client.drop_database_properties(request.db_name, list(request.delete_keys))
        if request.properties or not request.delete_keys:  # neither: the core's "nothing to alter"
            client.alter_database_properties(request.db_name, kv_dict(request.properties, parse=False))
        return SUCCESS

    # -- aliases ---------------------------------------------------------------------------------
    @rpc
    def CreateAlias(self, call: Call, request: Any) -> Any:
        self._client(call).create_alias(request.collection_name, request.alias)
        return SUCCESS

    @rpc
    def AlterAlias(self, call: Call, request: Any) -> Any:
        self._client(call).alter_alias(request.collection_name, request.alias)
        return SUCCESS

    @rpc
    def DropAlias(self, call: Call, request: Any) -> Any:
        self._client(call).drop_alias(request.alias)
        return SUCCESS

    @rpc
    def DescribeAlias(self, call: Call, request: Any) -> Any:
        desc = self._client(call).describe_alias(request.alias)
        return milvus_pb2.DescribeAliasResponse(status=SUCCESS, db_name=desc["db_name"], alias=desc["alias"],
                                                collection=desc["collection_name"])

    @rpc
    def ListAliases(self, call: Call, request: Any) -> Any:
        desc = self._client(call).list_aliases(request.collection_name)
        return milvus_pb2.ListAliasesResponse(status=SUCCESS, db_name=desc["db_name"],
                                              collection_name=desc["collection_name"], aliases=desc["aliases"])

    # -- collections and partitions, continued ---------------------------------------------------
    @rpc
    def RenameCollection(self, call: Call, request: milvus_pb2.RenameCollectionRequest) -> Any:
        self._client(call).rename_collection(request.oldName, request.newName, target_db=request.newDBName)
        return SUCCESS

    @rpc
    def TruncateCollection(self, call: Call, request: Any) -> Any:
        self._client(call).truncate_collection(request.collection_name)
        return milvus_pb2.TruncateCollectionResponse(status=SUCCESS)

    @rpc
    def AlterCollection(self, call: Call, request: milvus_pb2.AlterCollectionRequest) -> Any:
        client = self._client(call)
        if request.properties:
            client.alter_collection_properties(request.collection_name, kv_dict(request.properties, parse=False))
        if request.delete_keys or not request.properties:  # neither: the core's "nothing to alter"
            client.drop_collection_properties(request.collection_name, list(request.delete_keys))
        return SUCCESS

    @rpc
    def LoadPartitions(self, call: Call, request: Any) -> Any:
        self._client(call).load_partitions(request.collection_name, list(request.partition_names),
                                           **load_groups(request))
        return SUCCESS

    @rpc
    def ReleasePartitions(self, call: Call, request: Any) -> Any:
        self._client(call).release_partitions(request.collection_name, list(request.partition_names))
        return SUCCESS

    @rpc
    def GetPartitionStatistics(self, call: Call, request: Any) -> Any:
        stats = self._client(call).get_partition_stats(request.collection_name, request.partition_name)
        return milvus_pb2.GetPartitionStatisticsResponse(
            status=SUCCESS, stats=[common_pb2.KeyValuePair(key=k, value=str(v)) for k, v in stats.items()])

    @rpc
    def ManualCompaction(self, call: Call, request: Any) -> Any:
        # pymilvus sends target_size in MB (0: not given); the Java SDK names the collection by id only
        client = self._client(call)
        name = (named_collection(client, request.collection_name, request.collectionID)
                if request.collectionID else request.collection_name)
        job = client.compact(name, target_size=request.target_size or None)
        return milvus_pb2.ManualCompactionResponse(status=SUCCESS, compactionID=job,
                                                   compactionPlanCount=len(client.get_compaction_plans(job).plans))

    @rpc
    def GetCompactionState(self, call: Call, request: Any) -> Any:
        """Compaction ran inside ManualCompaction: every job is completed, with all its plans."""
        plans = self._client(call).get_compaction_plans(request.compactionID).plans
        return milvus_pb2.GetCompactionStateResponse(status=SUCCESS, state=common_pb2.CompactionState.Completed,
                                                     completedPlanNo=len(plans))

    @rpc
    def GetCompactionStateWithPlans(self, call: Call, request: Any) -> Any:
        """One job's plans (get_compaction_plans), or with a collection name and no id the
        collection's retained jobs' (pymilvus 3's list_compaction_tasks)."""
        client = self._client(call)
        if not request.compactionID and getattr(request, "collection_name", ""):
            found = client.list_compaction_tasks(request.collection_name)
        else:
            found = client.get_compaction_plans(request.compactionID)
        return milvus_pb2.GetCompactionPlansResponse(status=SUCCESS, state=int(found.state),
                                                     mergeInfos=[_merge_info(plan) for plan in found.plans])

    @rpc
    def GetPersistentSegmentInfo(self, call: Call, request: Any) -> Any:
        states = [SegmentState(s) for s in getattr(request, "states", ())] or None  # pymilvus 2.6: none
        listed = self._client(call).list_persistent_segments(request.collectionName, states=states)
        channel = {"insert_channel"} & set(milvus_pb2.PersistentSegmentInfo.DESCRIPTOR.fields_by_name)
        return milvus_pb2.GetPersistentSegmentInfoResponse(status=SUCCESS, infos=[
            milvus_pb2.PersistentSegmentInfo(
                segmentID=s.segment_id, collectionID=s.collection_id, partitionID=s.partition_id,
                num_rows=s.num_rows, state=int(s.state), level=s.level, is_sorted=s.is_sorted,
                storage_version=s.storage_version, **{k: s.insert_channel for k in channel}) for s in listed])

    @rpc
    def LoadBalance(self, call: Call, request: Any) -> Any:
        self._client(call).load_balance(request.collectionName, request.src_nodeID, list(request.dst_nodeIDs),
                                        list(request.sealed_segmentIDs))
        return SUCCESS

    @rpc
    def GetQuerySegmentInfo(self, call: Call, request: Any) -> Any:
        listed = self._client(call).list_loaded_segments(request.collectionName)
        return milvus_pb2.GetQuerySegmentInfoResponse(status=SUCCESS, infos=[
            milvus_pb2.QuerySegmentInfo(
                segmentID=s.segment_id, collectionID=s.collection_id, partitionID=s.partition_id,
                mem_size=s.mem_size, num_rows=s.num_rows, index_name=s.index_name, indexID=s.index_id,
                nodeID=s.node_ids[0], nodeIds=s.node_ids, state=int(s.state), level=s.level,
                is_sorted=s.is_sorted, storage_version=s.storage_version) for s in listed])


#: CompactionMergeInfo's fields in the installed stubs (pymilvus 2.6's have sources and target only).
_MERGE_FIELDS = set(milvus_pb2.CompactionMergeInfo.DESCRIPTOR.fields_by_name)


def _merge_info(plan: Plan) -> Any:
    values = {"sources": plan.sources, "target": plan.target, "plan_id": plan.plan_id, "trigger_id": plan.trigger_id,
              "collection_id": plan.collection_id, "partition_id": plan.partition_id, "channel": plan.channel,
              "type": int(plan.compaction_type), "state": int(plan.state), "targets": plan.targets}
    return milvus_pb2.CompactionMergeInfo(**{k: v for k, v in values.items() if k in _MERGE_FIELDS})


def _nanoseconds(moment: datetime) -> int:
    """A database's creation time as rootcoord keeps it (``time.Now().UnixNano()``)."""
    return int(moment.timestamp() * 1_000_000) * 1000
