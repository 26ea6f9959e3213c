"""``/v2/vectordb/partitions/*``, shaped as Milvus's handler_v2.go (listPartitions ... releasePartitions).

Each endpoint is one call of the pgmilvus client (the same the gRPC face makes,
rpc_admin.py / rpc_more.py); the handler only shapes the answer: a list, ``{"has"}``,
``{"rowCount"}`` (wrapperReturnRowCount) or Milvus's empty ``{}``.
"""

from __future__ import annotations

from typing import Any

from . import binding
from .binding import COLLECTION_NAME, DB, Body, Field
from .face import RestCall, Route, ok, plain_call

_DB_COLLECTION = (DB, COLLECTION_NAME)
PARTITION = Body("PartitionReq", (*_DB_COLLECTION, Field("partitionName", "PartitionName", required=True)))
PARTITIONS = Body("PartitionsReq", (*_DB_COLLECTION,
                                    Field("partitionNames", "PartitionNames", "[]string", required=True)))


def list_partitions(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    return ok(call.client().list_partitions(body["collectionName"]))


def has_partition(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    return ok({"has": call.client().has_partition(body["collectionName"], body["partitionName"])})


def partition_stats(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    """wrapperReturnRowCount: ``row_count`` as a number (as its text when it is none)."""
    stats = call.client().get_partition_stats(body["collectionName"], body["partitionName"])
    text = str(stats.get("row_count", 0))
    return ok({"rowCount": int(text) if text.lstrip("-").isdigit() else text})


ROUTES = {
    "partitions/list": Route(binding.COLLECTION, list_partitions),
    "partitions/has": Route(PARTITION, has_partition),
    "partitions/get_stats": Route(PARTITION, partition_stats),
    "partitions/create": Route(PARTITION, plain_call("create_partition", "collectionName", "partitionName")),
    "partitions/drop": Route(PARTITION, plain_call("drop_partition", "collectionName", "partitionName")),
    "partitions/load": Route(PARTITIONS, plain_call("load_partitions", "collectionName", "partitionNames")),
    "partitions/release": Route(PARTITIONS, plain_call("release_partitions", "collectionName", "partitionNames")),
}
