"""``/v2/vectordb/collections/...``: drop, rename, load, refresh_load, release, get_load_state,
get_stats, truncate, alter_properties, drop_properties, fields/alter_properties, compact,
get_compaction_state and flush, answered as Milvus's handler_v2.go answers them.

Each handler makes the core call the gRPC face makes for the same RPC (rpc_admin.py,
rpc_more.py, rpc_schema.py) and shapes the answer as the REST handler does: ``{}`` for
a plain success, ``rowCount`` for stats, ``loadState`` / ``loadProgress`` for the load
state (a collection that does not exist is ``collection not found[collection=c]``, code 100).
"""

from __future__ import annotations

from typing import Any

from ...errors import ErrorCode, MilvusException
from ...types import LoadState
from . import binding
from .binding import COLLECTION_NAME, DB, Body, Field
from .databases import go_properties
from .face import RestCall, Route, ok, plain_call

_DB, _NAME = DB, COLLECTION_NAME
RENAME = Body("RenameCollectionReq", (_DB, _NAME, Field("newCollectionName", "NewCollectionName", required=True),
                                      Field("newDbName", "NewDbName")))
WITH_PROPERTIES = Body("CollectionReqWithProperties", (_DB, _NAME, Field("properties", "Properties",
                                                                         "map[string]interface {}")))
DROP_PROPERTIES = Body("DropCollectionPropertiesReq", (_DB, _NAME, Field("propertyKeys", "PropertyKeys",
                                                                         "[]string")))
FIELD_PARAMS = Body("CollectionFieldReqWithParams", (_DB, _NAME, Field("fieldName", "FieldName", required=True),
                                                     Field("fieldParams", "FieldParams", "map[string]interface {}")))
COMPACT = Body("CompactReq", (_DB, _NAME, Field("isClustering", "IsClustering", "bool")))
COMPACTION_STATE = Body("GetCompactionStateReq", (Field("jobID", "JobID", "int64"),))
FLUSH = Body("FlushReq", (_DB, _NAME))


def rename_collection(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    call.client().rename_collection(body["collectionName"], body["newCollectionName"],
                                    target_db=body["newDbName"] or call.db_name)
    return ok({})


def get_load_state(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    """getCollectionLoadState: NotExist is an error, NotLoad a bare state, else the progress
    (loading is synchronous here: a loaded collection or partition list is at 100)."""
    client, name = call.client(), body["collectionName"]
    state = LoadState(client.get_load_state(name)["state"])
    if state == LoadState.NotExist:
        raise MilvusException(ErrorCode.COLLECTION_NOT_FOUND, f"collection not found[collection={name}]")
    if state == LoadState.NotLoad:
        return ok({"loadState": "LoadStateNotLoad"})
    progress, message = 100, ""
    try:
        for partition in body["partitionNames"] or []:
            if LoadState(client.get_load_state(name, partition_name=partition)["state"]) != LoadState.Loaded:
                raise MilvusException(ErrorCode.PARTITION_NOT_LOADED, f"partition not loaded[partition={partition}]")
    except MilvusException as exc:  # Milvus notes the progress failure and answers "Loading", -1
        progress, message = -1, f"{exc.message}."
    return ok({"loadState": "LoadStateLoaded" if progress >= 100 else "LoadStateLoading",
               "loadProgress": progress}, message=message)


def get_stats(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    """wrapperReturnRowCount: ``row_count`` as a number."""
    stats = call.client().get_collection_stats(body["collectionName"])
    return ok({"rowCount": int(stats.get("row_count", 0))})


def alter_properties(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    """AlterCollection with properties; none at all is the core's "nothing to alter", as on gRPC."""
    client, properties = call.client(), go_properties(body["properties"])
    if properties:
        client.alter_collection_properties(body["collectionName"], properties)
    else:
        client.drop_collection_properties(body["collectionName"], [])
    return ok({})


def drop_properties(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    call.client().drop_collection_properties(body["collectionName"], body["propertyKeys"] or [])
    return ok({})


def alter_field_properties(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    call.client().alter_collection_field(body["collectionName"], body["fieldName"],
                                         go_properties(body["fieldParams"]))
    return ok({})


def compact(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    job = call.client().compact(body["collectionName"], is_clustering=body["isClustering"])
    return ok({"compactionID": job})


def get_compaction_state(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    """Compaction ran inside ``compact``: every job is completed, with all its plans (as the gRPC
    face answers)."""
    client = call.client()
    state = client.get_compaction_state(body["jobID"])
    return ok({"compactionID": body["jobID"], "state": state, "executingPlanNumber": 0,
               "timeoutPlanNumber": 0, "completedPlanNumber": len(client.get_compaction_plans(body["jobID"]).plans)})


def flush(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    """Flush, then waitForFlush: pgmilvus's flush returns once flushed."""
    call.client().flush(body["collectionName"])
    return ok({})


ROUTES = {
    "collections/drop": Route(binding.COLLECTION, plain_call("drop_collection", "collectionName")),
    "collections/truncate": Route(binding.COLLECTION, plain_call("truncate_collection", "collectionName")),
    "collections/rename": Route(RENAME, rename_collection),
    "collections/load": Route(binding.COLLECTION, plain_call("load_collection", "collectionName")),
    "collections/refresh_load": Route(binding.COLLECTION, plain_call("refresh_load", "collectionName")),
    "collections/release": Route(binding.COLLECTION, plain_call("release_collection", "collectionName")),
    "collections/get_load_state": Route(binding.COLLECTION, get_load_state),
    "collections/get_stats": Route(binding.COLLECTION, get_stats),
    "collections/alter_properties": Route(WITH_PROPERTIES, alter_properties),
    "collections/drop_properties": Route(DROP_PROPERTIES, drop_properties),
    "collections/fields/alter_properties": Route(FIELD_PARAMS, alter_field_properties),
    "collections/compact": Route(COMPACT, compact),
    "collections/get_compaction_state": Route(COMPACTION_STATE, get_compaction_state),
    "collections/flush": Route(FLUSH, flush),
}
