"""``/v2/vectordb/resource_groups/{create,drop,alter,describe,list,transfer_replica}``, as Milvus
master's resource_group_handler_v2.go answers them.

The bodies are request_v2.go's structs (ResourceGroupReq, UpdateResourceGroupReq,
TransferReplicaReq), bound with gin's checks: a given ``config`` is validated down to its
``requests`` / ``limits`` (``node_num`` must be non-zero, gin's ``required`` on an int32), a
``node_filter``'s ``node_labels``; ``alter``'s configs are not (gin does not dive into a map).
Each config becomes the ResourceGroupConfig toPbResourceGroupConfig builds (``node_labels``:
key/value pairs) and goes to the core call the gRPC face makes (catalog/resource_groups.py
holds every rule).  Answers: ``{}``, ``list`` the names, ``describe`` Milvus's bare
``{"resource_group": ...}`` (no ``code``): the ResourceGroup message as Go's encoding/json
writes it (proto field names, zero values left out).
"""

from __future__ import annotations

from typing import Any, Optional

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from ..rpc_admin import resource_group_message
from .binding import Body, Field
from .databases import EMPTY
from .face import RestCall, Route, ok

_LIMIT = Body("ResourceGroupLimit", (Field("node_num", "NodeNum", "int32", required=True),))
_TRANSFER = Body("ResourceGroupTransfer", (Field("resource_group", "ResourceGroup", required=True),))
_NODE_FILTER = Body("ResourceGroupNodeFilter", (Field("node_labels", "NodeLabels", "map[string]string",
                                                      required=True),))
_CONFIG = Body("ResourceGroupConfig", (
    Field("requests", "Requests", "*httpserver.ResourceGroupLimit", required=True, struct=_LIMIT),
    Field("limits", "Limits", "*httpserver.ResourceGroupLimit", required=True, struct=_LIMIT),
    Field("transfer_from", "TransferFrom", "[]*httpserver.ResourceGroupTransfer", struct=_TRANSFER),
    Field("transfer_to", "TransferTo", "[]*httpserver.ResourceGroupTransfer", struct=_TRANSFER),
    Field("node_filter", "NodeFilter", "*httpserver.ResourceGroupNodeFilter", struct=_NODE_FILTER)))
GROUP = Body("ResourceGroupReq", (Field("name", "Name", required=True),
                                  Field("config", "Config", "*httpserver.ResourceGroupConfig", struct=_CONFIG)))
UPDATE = Body("UpdateResourceGroupReq", (Field("resource_groups", "ResourceGroups",
                                               "map[string]*httpserver.ResourceGroupConfig", required=True,
                                               struct=_CONFIG),))
TRANSFER = Body("TransferReplicaReq", (
    Field("sourceRgName", "SourceRgName", required=True), Field("targetRgName", "TargetRgName", required=True),
    Field("collectionName", "CollectionName", required=True),
    Field("replicaNum", "ReplicaNum", "int64", required=True)))


def core_config(config: Optional[dict[str, Any]]) -> Optional[dict[str, Any]]:
    """toPbResourceGroupConfig: the bound config as the core's dict (None: no config at all).  A
    missing ``requests`` / ``limits`` (only ``alter`` lets one through; Milvus's handler then dies
    on a nil pointer) stays None, for the core's ``requests or limits is required``."""
    if config is None:
        return None
    node_filter = config["node_filter"]
    return {
        "requests": _limit(config["requests"]), "limits": _limit(config["limits"]),
        "transfer_from": _transfers(config["transfer_from"]), "transfer_to": _transfers(config["transfer_to"]),
        "node_filter": None if node_filter is None else {"node_labels": [
            {"key": k, "value": v} for k, v in (node_filter["node_labels"] or {}).items()]}}


def _limit(limit: Optional[dict[str, Any]]) -> Optional[dict[str, int]]:
    return None if limit is None else {"node_num": limit["node_num"]}


def _transfers(transfers: Optional[list]) -> list[dict[str, str]]:
    return [{"resource_group": (t or {}).get("resource_group", "")} for t in transfers or ()]


def go_json(message: Message) -> dict[str, Any]:
    """A protobuf message as encoding/json writes Go's generated struct: the fields set (``omitempty``),
    by their proto names, enums and 64-bit integers as numbers."""
    return {field.name: _go_field(field, value) for field, value in message.ListFields()}


def _go_field(field: FieldDescriptor, value: Any) -> Any:
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        inner = field.message_type.fields_by_name["value"]
        return {str(k): _go_field(inner, v) for k, v in value.items()}
    # protobuf 7 dropped ``label``; the older ones pymilvus 2.6 brings lack ``is_repeated``
    if field.is_repeated if hasattr(field, "is_repeated") else field.label == FieldDescriptor.LABEL_REPEATED:
        return [go_json(v) if field.message_type is not None else v for v in value]
    return go_json(value) if field.message_type is not None else value


def create(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    call.client().create_resource_group(body["name"], config=core_config(body["config"]))
    return ok({})


def drop(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    call.client().drop_resource_group(body["name"])
    return ok({})


def alter(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    """updateResourceGroup: a null config is an empty message (neither requests nor limits)."""
    configs = {name: core_config(config) or {} for name, config in body["resource_groups"].items()}
    call.client().update_resource_groups(configs)
    return ok({})


def describe(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    group = call.client().describe_resource_group(body["name"])
    return {"resource_group": go_json(resource_group_message(group))}


def list_groups(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    return ok(call.client().list_resource_groups())


def transfer_replica(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    call.client().transfer_replica(body["sourceRgName"], body["targetRgName"], body["collectionName"],
                                   body["replicaNum"])
    return ok({})


ROUTES = {
    "resource_groups/create": Route(GROUP, create),
    "resource_groups/drop": Route(GROUP, drop),
    "resource_groups/alter": Route(UPDATE, alter),
    "resource_groups/describe": Route(GROUP, describe),
    "resource_groups/list": Route(EMPTY, list_groups),
    "resource_groups/transfer_replica": Route(TRANSFER, transfer_replica),
}
