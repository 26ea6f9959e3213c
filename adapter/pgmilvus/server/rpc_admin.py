"""RPCs of the control plane: connection, collections, partitions, indexes, load state, flush.

Each handler only reshapes the request into a pgmilvus MilvusClient call and
its answer into the response message.
"""

from __future__ import annotations

import json

import time
from typing import Any

from pymilvus.grpc_gen import common_pb2, milvus_pb2, rg_pb2

from ..errors import ErrorCode, MilvusException, collection_not_found, partition_not_found
from ..catalog.collections import hybrid_timestamp
from ..schema.index_params import IndexParams
from ..types import LoadState
from .convert.params import json_object, kv_dict, kv_value
from .convert.schema import collection_schema, describe_response
from . import metrics
from .handler import Call, RPCBase, rpc
from .status import SUCCESS, from_exception

#: describe_index keys that are bookkeeping, not index parameters.
_INDEX_FACTS = ("field_name", "index_name", "total_rows", "indexed_rows", "pending_index_rows", "state")


def load_groups(request: Any) -> dict[str, Any]:
    """A load request's replica number, resource groups and field list, as pymilvus's keywords
    (0 / empty: not given)."""
    return {"replica_number": request.replica_number or None, "_resource_groups": list(request.resource_groups),
            "load_fields": list(request.load_fields)}


def named_collection(client: Any, name: str, collection_id: int) -> str:
    """The collection a request names: by ``name``, else by its Milvus id, as Milvus's proxy reads
    both (pymilvus's describe_replica and the Java SDK's compact send ``collectionID`` alone); an
    unknown id is Milvus's collection-not-found (100)."""
    if name:
        return name
    found = client.collection_name_of(collection_id)
    if found is None:
        raise MilvusException(ErrorCode.COLLECTION_NOT_FOUND, f"collection not found[collection={collection_id}]")
    return found


def hybrid_ts() -> int:
    """Milvus's hybrid timestamp for now: physical milliseconds over an 18-bit logical counter."""
    return int(time.time() * 1000) << 18


def resource_group_message(group: Any) -> milvus_pb2.ResourceGroup:
    """describe_resource_group's answer as DescribeResourceGroup's message (the REST face's too)."""
    config = {k: v for k, v in group.config.to_dict().items() if v is not None}
    return milvus_pb2.ResourceGroup(
        name=group.name, capacity=group.capacity, num_available_node=group.num_available_node,
        num_loaded_replica=group.num_loaded_replica, num_outgoing_node=group.num_outgoing_node,
        num_incoming_node=group.num_incoming_node, config=rg_pb2.ResourceGroupConfig(**config),
        nodes=[common_pb2.NodeInfo(**node) for node in group.nodes])


class AdminRPCs(RPCBase):

    # -- connection ------------------------------------------------------------------------------
    @rpc
    def Connect(self, call: Call, request: milvus_pb2.ConnectRequest) -> milvus_pb2.ConnectResponse:
        # log in now, in the database the call names: a wrong password or a database that does not
        # exist (800) fails the connect, as Milvus's proxy checks both (the Go SDK's UseDatabase reconnects)
        self._client(call)
        identifier = self.sessions.connect(request.client_info.sdk_type)
        info = common_pb2.ServerInfo(build_tags=metrics.BUILD_TAGS, deploy_mode=metrics.DEPLOY_MODE,
                                     build_time="", git_commit="")
        return milvus_pb2.ConnectResponse(status=SUCCESS, server_info=info, identifier=identifier)

    @rpc
    def GetVersion(self, call: Call, request: Any) -> milvus_pb2.GetVersionResponse:
        return milvus_pb2.GetVersionResponse(status=SUCCESS, version=self._client(call).get_server_version())

    def _unhealthy(self) -> str:
        """Why the server cannot serve ("" when PostgreSQL answers): an answer, not an error."""
        try:
            self.backend.server_client().get_server_version()
        except Exception as exc:
            return str(exc) or type(exc).__name__
        return ""

    @rpc
    def CheckHealth(self, call: Call, request: Any) -> milvus_pb2.CheckHealthResponse:
        reason = self._unhealthy()
        return milvus_pb2.CheckHealthResponse(status=SUCCESS, isHealthy=not reason, reasons=[reason] if reason else [])

    @rpc
    def GetComponentStates(self, call: Call, request: Any) -> milvus_pb2.ComponentStates:
        """The proxy's state, as Milvus's proxy answers it: Healthy while PostgreSQL answers (as
        CheckHealth decides), Abnormal otherwise."""
        code = common_pb2.StateCode.Abnormal if self._unhealthy() else common_pb2.StateCode.Healthy
        return milvus_pb2.ComponentStates(status=SUCCESS, state=milvus_pb2.ComponentInfo(
            nodeID=metrics.NODE_ID, role="proxy", state_code=code))

    @rpc
    def GetMetrics(self, call: Call, request: milvus_pb2.GetMetricsRequest) -> milvus_pb2.GetMetricsResponse:
        """``system_info``: the topology tools read (server/metrics.py); other types 1200."""
        response, component = metrics.system_info(request.request)
        return milvus_pb2.GetMetricsResponse(status=SUCCESS, response=response, component_name=component)

    @rpc
    def AllocTimestamp(self, call: Call, request: Any) -> milvus_pb2.AllocTimestampResponse:
        return milvus_pb2.AllocTimestampResponse(status=SUCCESS, timestamp=hybrid_ts())

    # -- collections -----------------------------------------------------------------------------
    @rpc
    def CreateCollection(self, call: Call, request: milvus_pb2.CreateCollectionRequest) -> Any:
        kwargs: dict[str, Any] = {"consistency_level": int(request.consistency_level),
                                  "shards_num": request.shards_num or 1,
                                  "properties": kv_dict(request.properties, parse=False)}
        if request.num_partitions:
            kwargs["num_partitions"] = int(request.num_partitions)
        schema = collection_schema(request.schema, request.collection_name)
        self._client(call).create_collection(request.collection_name, schema=schema, **kwargs)
        return SUCCESS

    @rpc
    def DropCollection(self, call: Call, request: Any) -> Any:
        client = self._dropping_client(call)
        if client is not None:
            client.drop_collection(request.collection_name)
        return SUCCESS

    @rpc
    def HasCollection(self, call: Call, request: Any) -> milvus_pb2.BoolResponse:
        return milvus_pb2.BoolResponse(status=SUCCESS, value=self._client(call).has_collection(request.collection_name))

    @rpc
    def DescribeCollection(self, call: Call, request: Any) -> milvus_pb2.DescribeCollectionResponse:
        return self._describe(call, request.collection_name)

    def _describe(self, call: Call, name: str) -> milvus_pb2.DescribeCollectionResponse:
        response = describe_response(self._client(call).describe_collection(name), call.db_name)
        response.status.CopyFrom(SUCCESS)
        return response

    @rpc
    def BatchDescribeCollection(self, call: Call, request: milvus_pb2.BatchDescribeCollectionRequest) -> Any:
        """Milvus master's proxy: DescribeCollection for each name, each answer with its own status."""
        if not request.collection_name:
            raise MilvusException(ErrorCode.MISSING_PARAMETER, "collection names cannot be empty: missing parameter")
        return milvus_pb2.BatchDescribeCollectionResponse(
            status=SUCCESS, responses=[self._describe_one(call, name) for name in request.collection_name])

    def _describe_one(self, call: Call, name: str) -> milvus_pb2.DescribeCollectionResponse:
        try:
            return self._describe(call, name)
        except Exception as exc:
            return milvus_pb2.DescribeCollectionResponse(status=from_exception(exc, "BatchDescribeCollection"),
                                                         collection_name=name)

    @rpc
    def ShowCollections(self, call: Call, request: milvus_pb2.ShowCollectionsRequest) -> Any:
        """Names with ids, creation times and shard numbers, as Milvus 2.6's rootcoord lists them (the
        Node SDK's ``showCollections`` answers ``{name, id, timestamp}`` from them, Attu shows them, the
        Java SDK's ``listCollectionsV2`` reads ``shards_num``); the
        ``InMemory`` type lists the loaded ones only, each 100% loaded and queryable."""
        listed = self._client(call).list_collection_details()
        if request.collection_names:
            wanted = set(request.collection_names)
            listed = [c for c in listed if c.name in wanted]
        in_memory = request.type == milvus_pb2.InMemory
        response = milvus_pb2.ShowCollectionsResponse(status=SUCCESS)
        for shown in listed:
            if in_memory and not shown.loaded:
                continue
            created = hybrid_timestamp(shown.created_at)
            response.collection_names.append(shown.name)
            response.collection_ids.append(shown.id)
            response.created_timestamps.append(created)
            response.created_utc_timestamps.append(created >> 18)  # the hybrid timestamp's milliseconds
            response.shards_num.append(shown.num_shards or 1)
            if in_memory:
                response.inMemory_percentages.append(100)
                response.query_service_available.append(True)
        return response

    @rpc
    def GetCollectionStatistics(self, call: Call, request: Any) -> Any:
        stats = self._client(call).get_collection_stats(request.collection_name)
        return milvus_pb2.GetCollectionStatisticsResponse(
            status=SUCCESS, stats=[common_pb2.KeyValuePair(key=k, value=str(v)) for k, v in stats.items()])

    # -- load state ------------------------------------------------------------------------------
    @rpc
    def LoadCollection(self, call: Call, request: Any) -> Any:
        self._client(call).load_collection(request.collection_name, **load_groups(request))
        return SUCCESS

    @rpc
    def ReleaseCollection(self, call: Call, request: Any) -> Any:
        self._client(call).release_collection(request.collection_name)
        return SUCCESS

    @rpc
    def ListResourceGroups(self, call: Call, request: Any) -> Any:
        return milvus_pb2.ListResourceGroupsResponse(status=SUCCESS,
                                                     resource_groups=self._client(call).list_resource_groups())

    @rpc
    def DescribeResourceGroup(self, call: Call, request: milvus_pb2.DescribeResourceGroupRequest) -> Any:
        group = self._client(call).describe_resource_group(request.resource_group)
        return milvus_pb2.DescribeResourceGroupResponse(status=SUCCESS, resource_group=resource_group_message(group))

    @rpc
    def CreateResourceGroup(self, call: Call, request: milvus_pb2.CreateResourceGroupRequest) -> Any:
        config = request.config if request.HasField("config") else None  # none: querycoord's (0, 0)
        self._client(call).create_resource_group(request.resource_group, config=config)
        return SUCCESS

    @rpc
    def DropResourceGroup(self, call: Call, request: milvus_pb2.DropResourceGroupRequest) -> Any:
        if request.resource_group:  # Milvus's proxy checks no name: querycoord ignores an unknown one
            self._client(call).drop_resource_group(request.resource_group)
        return SUCCESS

    @rpc
    def UpdateResourceGroups(self, call: Call, request: milvus_pb2.UpdateResourceGroupsRequest) -> Any:
        self._client(call).update_resource_groups(dict(request.resource_groups))
        return SUCCESS

    @rpc
    def TransferNode(self, call: Call, request: milvus_pb2.TransferNodeRequest) -> Any:
        self._client(call).transfer_node(request.source_resource_group, request.target_resource_group,
                                         request.num_node)
        return SUCCESS

    @rpc
    def TransferReplica(self, call: Call, request: milvus_pb2.TransferReplicaRequest) -> Any:
        self._client(call).transfer_replica(request.source_resource_group, request.target_resource_group,
                                            request.collection_name, request.num_replica)
        return SUCCESS

    @rpc
    def GetReplicas(self, call: Call, request: milvus_pb2.GetReplicasRequest) -> Any:
        """describe_replica: pymilvus names the collection by id (collectionID), others may by name."""
        client = self._client(call)
        name = named_collection(client, request.collection_name, request.collectionID)
        collection_id = request.collectionID or client.describe_collection(name)["collection_id"]
        replicas = [milvus_pb2.ReplicaInfo(
            replicaID=r.id, collectionID=collection_id, node_ids=list(r.group_nodes),
            resource_group_name=r.resource_group, num_outbound_node=r.num_outbound_node,
            shard_replicas=[milvus_pb2.ShardReplica(leaderID=s.shard_leader, leader_addr=s.leader_address,
                                                    dm_channel_name=s.channel_name,
                                                    node_ids=sorted(s.shard_nodes)) for s in r.shards])
            for r in client.describe_replica(name)]
        return milvus_pb2.GetReplicasResponse(status=SUCCESS, replicas=replicas)

    @rpc
    def GetLoadState(self, call: Call, request: milvus_pb2.GetLoadStateRequest) -> Any:
        partition = request.partition_names[0] if request.partition_names else ""
        state = self._client(call).get_load_state(request.collection_name, partition_name=partition)["state"]
        return milvus_pb2.GetLoadStateResponse(status=SUCCESS, state=int(state))

    @rpc
    def GetLoadingProgress(self, call: Call, request: Any) -> Any:
        """Loading is synchronous here: a loaded collection (or every named partition) is at 100%,
        an unloaded one is an error; each named partition must exist (the proxy's getPartitionProgress)."""
        client, name = self._client(call), request.collection_name
        state = client.get_load_state(name)["state"]
        if state == LoadState.NotExist:
            raise collection_not_found(name, call.db_name)
        for partition in request.partition_names:
            if client.get_load_state(name, partition_name=partition)["state"] == LoadState.NotExist:
                raise partition_not_found(partition)
        if state != LoadState.Loaded:
            raise MilvusException(ErrorCode.COLLECTION_NOT_LOADED, f"collection not loaded[collection={name}]")
        return milvus_pb2.GetLoadingProgressResponse(status=SUCCESS, progress=100, refresh_progress=100)

    @rpc
    def Flush(self, call: Call, request: milvus_pb2.FlushRequest) -> Any:
        client, ts = self._client(call), hybrid_ts()
        response = milvus_pb2.FlushResponse(status=SUCCESS, db_name=call.db_name)
        for name in request.collection_names:
            client.flush(name)
            response.coll_segIDs[name].data.extend([])
            response.flush_coll_segIDs[name].data.extend([])
            response.coll_seal_times[name] = (ts >> 18) // 1000
            response.coll_flush_ts[name] = ts
        return response

    @rpc
    def GetFlushState(self, call: Call, request: Any) -> Any:
        return milvus_pb2.GetFlushStateResponse(status=SUCCESS, flushed=True)

    @rpc
    def FlushAll(self, call: Call, request: Any) -> Any:
        self._client(call).flush_all(db=request.db_name)
        return milvus_pb2.FlushAllResponse(status=SUCCESS, flush_all_ts=hybrid_ts())

    @rpc
    def GetFlushAllState(self, call: Call, request: Any) -> Any:
        return milvus_pb2.GetFlushAllStateResponse(status=SUCCESS, flushed=True)

    # -- partitions ------------------------------------------------------------------------------
    @rpc
    def CreatePartition(self, call: Call, request: Any) -> Any:
        self._client(call).create_partition(request.collection_name, request.partition_name)
        return SUCCESS

    @rpc
    def DropPartition(self, call: Call, request: Any) -> Any:
        self._client(call).drop_partition(request.collection_name, request.partition_name)
        return SUCCESS

    def _dropping_client(self, call: Call) -> Any:
        """The call's client, or None in a database that is gone: Milvus's proxy makes dropping a
        collection idempotent there too (dropCollectionTask.PreExecute: ErrDatabaseNotFound is
        "dropped already")."""
        try:
            return self._client(call)
        except MilvusException as exc:
            if exc.code == ErrorCode.DATABASE_NOT_FOUND:
                return None
            raise

    @rpc
    def HasPartition(self, call: Call, request: Any) -> Any:
        found = self._client(call).has_partition(request.collection_name, request.partition_name)
        return milvus_pb2.BoolResponse(status=SUCCESS, value=found)

    @rpc
    def ShowPartitions(self, call: Call, request: Any) -> Any:
        """Names with their Milvus ids and creation times (the Node SDK's ``showPartitions`` answers
        them); the ids are the partitions' own, the same whichever names the request filters by."""
        listed = self._client(call).list_partition_details(request.collection_name)
        if request.partition_names:
            wanted = set(request.partition_names)
            listed = [p for p in listed if p.name in wanted]
        in_memory = request.type == milvus_pb2.ShowType.InMemory
        if in_memory:
            listed = _loaded_partitions(listed, bool(request.partition_names))
        response = milvus_pb2.ShowPartitionsResponse(status=SUCCESS)
        for shown in listed:
            if in_memory:
                response.inMemory_percentages.append(100)
            created = hybrid_timestamp(shown.created_at)
            response.partition_names.append(shown.name)
            response.partitionIDs.append(shown.id)
            response.created_timestamps.append(created)
            response.created_utc_timestamps.append(created >> 18)
        return response

    # -- indexes ---------------------------------------------------------------------------------
    @rpc
    def CreateIndex(self, call: Call, request: milvus_pb2.CreateIndexRequest) -> Any:
        params = IndexParams()
        params.add_index(request.field_name, index_name=request.index_name, **index_arguments(request.extra_params))
        self._client(call).create_index(request.collection_name, params)
        return SUCCESS

    @rpc
    def DescribeIndex(self, call: Call, request: milvus_pb2.DescribeIndexRequest) -> Any:
        found = describe_indexes(self._client(call), request.collection_name, request.index_name)
        return milvus_pb2.DescribeIndexResponse(status=SUCCESS, index_descriptions=found)

    @rpc
    def GetIndexStatistics(self, call: Call, request: milvus_pb2.GetIndexStatisticsRequest) -> Any:
        """datacoord's GetIndexStatistics (the Node SDK's ``getIndexStatistics``): DescribeIndex's
        descriptions with their row counts; no index of the name is datacoord's text for it."""
        found = describe_indexes(self._client(call), request.collection_name, request.index_name,
                                 missing=f"index not found[indexName={request.index_name}]")
        return milvus_pb2.GetIndexStatisticsResponse(status=SUCCESS, index_descriptions=found)

    @rpc
    def GetIndexState(self, call: Call, request: milvus_pb2.GetIndexStateRequest) -> Any:
        """The deprecated state call (Node's getIndexState): the one index ``index_name`` names (all
        of the collection's with ``""``), as datacoord's GetIndexState; the field is not looked at."""
        found = _one_index(self._client(call), request.collection_name, request.index_name)
        return milvus_pb2.GetIndexStateResponse(status=SUCCESS, state=found.state)

    @rpc
    def GetIndexBuildProgress(self, call: Call, request: milvus_pb2.GetIndexBuildProgressRequest) -> Any:
        found = _one_index(self._client(call), request.collection_name, request.index_name)
        return milvus_pb2.GetIndexBuildProgressResponse(status=SUCCESS, indexed_rows=found.indexed_rows,
                                                        total_rows=found.total_rows)

    @rpc
    def DropIndex(self, call: Call, request: milvus_pb2.DropIndexRequest) -> Any:
        client, name = self._client(call), request.index_name
        if not name and request.field_name:
            found = client.list_indexes(request.collection_name, field_name=request.field_name)
            name = found[0] if len(found) == 1 else ""
        client.drop_index(request.collection_name, name)
        return SUCCESS


_BOOL_WORDS = ("True", "False", "true", "false")


def index_arguments(pairs: Any) -> dict[str, Any]:
    """CreateIndex ``extra_params`` as add_index arguments: a JSON ``params`` KV (pymilvus, Node) and
    flat KVs (Java) both become build parameters; a missing ``index_type`` is AUTOINDEX (Node's quick setup).
    No pairs at all are sent as none (``_sent_params`` empty): Milvus describes such a scalar index
    without a type (indexes.describe)."""
    raw = {p.key: p.value for p in pairs}
    sent_nothing = not raw
    params = json_object(raw.pop("params"), "index params") if "params" in raw else {}
    index_type = raw.pop("index_type", "") or "AUTOINDEX"
    arguments: dict[str, Any] = {"index_type": index_type}
    if params:  # described as sent (Milvus keeps the request's pairs); a bare AUTOINDEX is not
        arguments["_sent_params"] = {"params": dict(params), **raw}
    elif sent_nothing:
        arguments["_sent_params"] = {}
    metric = raw.pop("metric_type", "")
    if metric:
        arguments["metric_type"] = metric
    for key, value in raw.items():  # a bool's spelling as sent ("True", "true"): describe_index shows it
        params.setdefault(key, value if value in _BOOL_WORDS else kv_value(value))
    arguments["params"] = params
    return arguments


def describe_indexes(client: Any, collection: str, index_name: str = "",
                     missing: str = "") -> list[milvus_pb2.IndexDescription]:
    """Milvus's DescribeIndex: the named index (all with ``""``), or ``index not found`` (700; the
    text ``missing``, by default DescribeIndex's: datacoord's naming the index, or for ``""`` the
    proxy's naming the collection); the request's ``field_name`` is ignored, as
    Milvus's proxy ignores it.  The REST face's collection description answers the same
    (rest/collections.py)."""
    names = client.list_indexes(collection)
    if index_name:
        names = [n for n in names if n == index_name]
    if not names:  # datacoord names the index asked for; the proxy names the collection for ""
        default = f"index not found[indexName={index_name}]" if index_name else \
            f"index not found[collection={collection}]"
        raise MilvusException(ErrorCode.INDEX_NOT_FOUND, missing or default)
    ids = client.index_ids(collection)
    found = (client.describe_index(collection, name) for name in names)
    return [index_description(desc, ids.get(desc["index_name"], 0)) for desc in found if desc is not None]


def _one_index(client: Any, collection: str, index_name: str) -> milvus_pb2.IndexDescription:
    """datacoord's GetIndexState / GetIndexBuildProgress: exactly one index answers the name
    (``""`` names every index of the collection), else 700 or 702 naming it."""
    names = [n for n in client.list_indexes(collection) if not index_name or n == index_name]
    if not names:
        raise MilvusException(ErrorCode.INDEX_NOT_FOUND, f"index not found[indexName={index_name}]")
    if len(names) > 1:
        raise MilvusException(ErrorCode.INDEX_DUPLICATE, f"index duplicates[indexName={index_name}]")
    return index_description(client.describe_index(collection, names[0]), client.index_ids(collection).get(names[0], 0))


def index_description(desc: dict[str, Any], index_id: int = 0) -> milvus_pb2.IndexDescription:
    """describe_index's dict (and the index's catalog id) -> IndexDescription; its parameters as flat
    KVs, as pgmilvus describes them."""
    kvs = [common_pb2.KeyValuePair(key=k, value=json.dumps(v) if isinstance(v, dict) else str(v))
           for k, v in desc.items() if k not in _INDEX_FACTS]
    return milvus_pb2.IndexDescription(
        index_name=desc["index_name"], field_name=desc["field_name"], params=kvs, indexID=index_id,
        indexed_rows=int(desc.get("indexed_rows") or 0), total_rows=int(desc.get("total_rows") or 0),
        pending_index_rows=int(desc.get("pending_index_rows") or 0),
        state=common_pb2.IndexState.Value(desc.get("state") or "Finished"))


def _loaded_partitions(listed: list[Any], named: bool) -> list[Any]:
    """ShowPartitions of type InMemory, as querycoord's ShowLoadPartitions answers it: the loaded
    partitions; a named one that is not loaded fails (201)."""
    if not named:
        return [p for p in listed if p.loaded]
    for shown in listed:
        if not shown.loaded:
            raise MilvusException(ErrorCode.PARTITION_NOT_LOADED, f"partition not loaded[partition={shown.id}]")
    return listed
