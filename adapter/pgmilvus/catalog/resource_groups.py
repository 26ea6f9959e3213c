"""Resource groups as a standalone Milvus has them: one query node (id 1), in the default group.

Each group's name and config live in ``pgmilvus_catalog.resource_groups`` (025_resource_groups.sql),
so every process and server sees one state.  The checks and their texts are Milvus master's: the
proxy's name check (``ValidateResourceGroupName``), querycoord's ``CheckIfResourceGroupAddable``,
``CheckIfResourceGroupsUpdatable``, ``CheckIfTransferNode``, ``validateResourceGroupConfig``,
``validateResourceGroupIsDeletable``, the transfer-replica callback and ``AssignReplica`` for load.

Where a standalone Milvus's resource observer would move its one node to a group whose config
requests one, pgmilvus keeps it in the default group (PostgreSQL serves every collection from
there): a created group describes no node, and a replica transferred to it stays where it is.
A config is a dict with the ResourceGroupConfig message's fields (``config_dict`` reads pymilvus's
protobuf ResourceGroupConfig as well); a missing ``requests`` / ``limits`` stays ``None``.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional

import psycopg
from psycopg.types.json import Jsonb

from ..errors import ErrorCode, MilvusException, ParamError, client_side, illegal
from . import collections, listings
from .segments import NODE_ID, node_address
from .store import CATALOG

DEFAULT = "__default_resource_group"
DEFAULT_CAPACITY = 1000000      # querycoord's defaultResourceGroupCapacity
MAX_GROUPS = 1024               # quotaAndLimits.limits.maxResourceGroupNumOfQueryNode, the default counted
NAME_MAX_LENGTH = 255           # proxy.maxNameLength
_LOCK = "pgmilvus_resource_groups"  # serialises the writers, as querycoord's cluster resource key
Config = dict[str, Any]


# -- errors, in merr's words ------------------------------------------------------------------------

def _invalid(expected: object, actual: object, message: str = "") -> MilvusException:
    """merr.WrapErrParameterInvalid: ``<message>: invalid parameter[expected=..][actual=..]``."""
    text = f"invalid parameter[expected={expected}][actual={actual}]"
    return MilvusException(ErrorCode.INVALID_PARAMETER, f"{message}: {text}" if message else text)


def not_found(name: str) -> MilvusException:
    return MilvusException(ErrorCode.RESOURCE_GROUP_NOT_FOUND, f"resource group not found[rg={name}]")


def _illegal_config(name: str, config: Config, why: str) -> MilvusException:
    return MilvusException(303, f"{why}: resource group illegal config[rg={name}][config={config_text(config)}]")


def _node_not_enough(name: str, current: int, expected: int) -> MilvusException:
    return MilvusException(304, f"resource group node not enough[rg={name}][currentNodeNum={current}]"
                                f"[expectedNodeNum={expected}]")


# -- names and configs ----------------------------------------------------------------------------

def check_name(name: Any, key: str = "resource_group_name") -> None:
    """pymilvus's check (a non-empty str) then the proxy's ValidateResourceGroupName (bytes, as Go)."""
    if not name or not isinstance(name, str):
        server = MilvusException(ErrorCode.MISSING_PARAMETER, "resource group name couldn't be empty: missing parameter")
        raise client_side(illegal(key, name), server)
    invalid = f"Invalid resource group name {name}."
    raw = name.encode()
    if len(raw) > NAME_MAX_LENGTH:
        raise _invalid_msg(f"{invalid} the length of a resource group name must be less than {NAME_MAX_LENGTH} "
                           "characters")
    if not (raw[:1] == b"_" or raw[:1].isalpha()):
        raise _invalid_msg(f"{invalid} the first character of a resource group name must be an underscore or letter")
    if not all(c == ord("_") or chr(c).isascii() and chr(c).isalnum() for c in raw[1:]):
        raise _invalid_msg(f"{invalid} resource group name can only contain numbers, letters and underscores")


def _invalid_msg(message: str) -> MilvusException:
    """merr.WrapErrParameterInvalidMsg: the message, then ``: invalid parameter``."""
    return MilvusException(ErrorCode.INVALID_PARAMETER, f"{message}: invalid parameter")


def new_config(requests: int, limits: int) -> Config:
    """querycoord's newResourceGroupConfig: what a create without a config makes (0, 0)."""
    return {"requests": {"node_num": requests}, "limits": {"node_num": limits},
            "transfer_from": [], "transfer_to": [], "node_filter": None}


def config_dict(config: Any) -> Config:
    """A ResourceGroupConfig (pymilvus's protobuf message or a dict of its fields) as a dict."""
    if config is None:
        return new_config(0, 0)
    if hasattr(config, "HasField"):  # pymilvus.client.types.ResourceGroupConfig (rg_pb2)
        def limit(field: str) -> Optional[dict]:
            return {"node_num": getattr(config, field).node_num} if config.HasField(field) else None
        labels = [{"key": kv.key, "value": kv.value} for kv in config.node_filter.node_labels]
        return {"requests": limit("requests"), "limits": limit("limits"),
                "transfer_from": [{"resource_group": t.resource_group} for t in config.transfer_from],
                "transfer_to": [{"resource_group": t.resource_group} for t in config.transfer_to],
                "node_filter": {"node_labels": labels} if config.HasField("node_filter") else None}
    if not isinstance(config, Mapping):
        raise ParamError(message=f"`config` value {config} is illegal: give a ResourceGroupConfig or a dict")
    return {"requests": _limit(config.get("requests")), "limits": _limit(config.get("limits")),
            "transfer_from": _transfers(config.get("transfer_from")),
            "transfer_to": _transfers(config.get("transfer_to")),
            "node_filter": _node_filter(config.get("node_filter"))}


def _limit(value: Any) -> Optional[dict]:
    if value is None:
        return None
    num = value.get("node_num", 0) if isinstance(value, Mapping) else value
    if not isinstance(num, int) or isinstance(num, bool):
        raise ParamError(message=f"`node_num` value {num} is illegal")
    return {"node_num": num}


def _transfers(value: Any) -> list[dict]:
    out = []
    for item in value or ():
        group = item.get("resource_group", "") if isinstance(item, Mapping) else item
        out.append({"resource_group": str(group)})
    return out


def _node_filter(value: Any) -> Optional[dict]:
    if value is None:
        return None
    labels = value.get("node_labels", []) if isinstance(value, Mapping) else []
    return {"node_labels": [{"key": str(kv.get("key", "")), "value": str(kv.get("value", ""))} for kv in labels]}


def config_text(config: Config) -> str:
    """The config as Go prints a ResourceGroupConfig in merr's fields (prototext, one line)."""
    parts = []
    for field in ("requests", "limits"):
        if config.get(field) is not None:
            num = config[field]["node_num"]
            parts.append(f"{field}:{{node_num:{num}}}" if num else f"{field}:{{}}")
    for field in ("transfer_from", "transfer_to"):
        parts += [f'{field}:{{resource_group:"{t["resource_group"]}"}}' for t in config.get(field) or ()]
    if config.get("node_filter") is not None:
        labels = " ".join(f'node_labels:{{key:"{kv["key"]}" value:"{kv["value"]}"}}'
                          for kv in config["node_filter"]["node_labels"])
        parts.append(f"node_filter:{{{labels}}}")
    return " ".join(parts)


def _validate(groups: Mapping[str, Config], name: str, config: Config) -> None:
    """querycoord's validateResourceGroupConfig, against the groups that exist."""
    if config["limits"] is None or config["requests"] is None:
        raise _illegal_config(name, config, "requests or limits is required")
    requests, limits = config["requests"]["node_num"], config["limits"]["node_num"]
    if requests < 0 or limits < 0:
        raise _illegal_config(name, config, "node num in `requests` or `limits` should not less than 0")
    if limits < requests:
        raise _illegal_config(name, config, "limits node num should not less than requests node num")
    for field, label in (("transfer_from", "TransferFrom"), ("transfer_to", "TransferTo")):
        for transfer in config[field]:
            other = transfer["resource_group"]
            if other == name:
                raise _illegal_config(name, config, f"resource group in `{label}` {name} should not be itself")
            if other not in groups:
                raise _illegal_config(name, config, f"resource group in `{label}` {other} not exist")


# -- the catalog ----------------------------------------------------------------------------------

def _groups(conn: psycopg.Connection, lock: bool = False) -> dict[str, Config]:
    """Every group's config, in creation order (the default first); ``lock`` serialises writers."""
    if lock:
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (_LOCK,))
    rows = conn.execute(f"SELECT name, config FROM {CATALOG}.resource_groups ORDER BY created_at, name").fetchall()
    return {name: config_dict(config) for name, config in rows}  # jsonb keeps no key order


def _save(conn: psycopg.Connection, configs: Mapping[str, Config]) -> None:
    for name, config in configs.items():
        conn.execute(f"UPDATE {CATALOG}.resource_groups SET config = %s WHERE name = %s", (Jsonb(config), name))


def names(conn: psycopg.Connection) -> list[str]:
    """list_resource_groups: the default group and the created ones."""
    return list(_groups(conn))


def create(conn: psycopg.Connection, name: Any, config: Any = None) -> None:
    """create_resource_group: idempotent for the same config, else ``already exist``; 1024 at most."""
    check_name(name)
    wanted = config_dict(config)
    groups = _groups(conn, lock=True)
    if name in groups:
        if groups[name] == wanted:
            return
        raise MilvusException(301, f"resource group already exist, but create with different config[rg={name}]")
    if len(groups) >= MAX_GROUPS:
        raise MilvusException(302, f"resource group num reach limit[rg={name}][limit={MAX_GROUPS}]")
    _validate(groups, name, wanted)
    conn.execute(f"INSERT INTO {CATALOG}.resource_groups (name, config) VALUES (%s, %s)", (name, Jsonb(wanted)))


def drop(conn: psycopg.Connection, name: Any) -> None:
    """drop_resource_group: nothing for an unknown name; the default group, a group whose limits
    ask for nodes or one another group transfers from / to cannot go (validateResourceGroupIsDeletable)."""
    if not name or not isinstance(name, str):  # the server answers Milvus's success (rpc_admin)
        raise illegal("resource_group_name", name)
    groups = _groups(conn, lock=True)
    if name == DEFAULT:
        loaded = _loaded_collection(conn)
        if loaded is not None:  # querycoord looks for the group's replicas before it checks the group
            error = _invalid("empty resource group", f"resource group {name} has collection {loaded} loaded")
            raise MilvusException(error.code, f"some replicas still loaded in resource group[{name}], "
                                              f"release it first: {error.message}")
        raise _invalid("not default resource group", name, "default resource group is not deletable")
    if name not in groups:
        return
    if groups[name]["limits"]["node_num"] != 0:
        raise _invalid("not empty resource group", name, "resource group's limits node num is not 0")
    for other, config in groups.items():
        for field, label in (("transfer_from", "TransferFrom"), ("transfer_to", "TransferTo")):
            if any(t["resource_group"] == name for t in config[field]):
                raise _invalid(f"not `{label}` of resource group", name,
                               f"resource group {name} is used by {other}'s `{label}`, remove that configuration first")
    conn.execute(f"DELETE FROM {CATALOG}.resource_groups WHERE name = %s", (name,))


def _loaded_collection(conn: psycopg.Connection) -> Optional[int]:
    """The id of a loaded collection of any database (each has its replica in the default group)."""
    row = conn.execute(f"SELECT min(collection_id) FROM {CATALOG}.partitions WHERE loaded").fetchone()
    return row[0]


def update(conn: psycopg.Connection, configs: Mapping[str, Any]) -> None:
    """update_resource_groups: every group must exist and every config be valid, then all are stored."""
    if not isinstance(configs, Mapping):
        raise ParamError(message=f"`configs` value {configs} is illegal: give a dict of group name -> config")
    for name in configs:
        check_name(name)
    wanted = {name: config_dict(config) for name, config in configs.items()}
    groups = _groups(conn, lock=True)
    for name, config in wanted.items():
        if name not in groups:
            raise not_found(name)
        _validate(groups, name, config)
    _save(conn, wanted)


def transfer_node(conn: psycopg.Connection, source: Any, target: Any, num_node: Any) -> None:
    """transfer_node (deprecated in Milvus for update_resource_groups): the requests / limits
    CheckIfTransferNode writes.  The node itself stays in the default group (module docstring)."""
    check_name(source)
    check_name(target)
    _check_int(num_node)
    if source == target:
        raise _invalid_msg("source resource group and target resource group should not be the same, "
                           f"resource group: {source}")
    if num_node <= 0:
        raise _invalid("NumNode > 0", f"invalid NumNode {num_node}")
    groups = _groups(conn, lock=True)
    for name in (source, target):
        if name not in groups:
            raise not_found(name)
    if _node_count(source) < num_node:
        raise _node_not_enough(source, _node_count(source), num_node)
    from_config, to_config = groups[source], groups[target]
    from_config["requests"]["node_num"] = max(from_config["requests"]["node_num"] - num_node, 0)
    if source != DEFAULT:
        from_config["limits"]["node_num"] = max(from_config["limits"]["node_num"] - num_node, 0)
    to_config["requests"]["node_num"] += num_node
    to_config["limits"]["node_num"] = max(to_config["limits"]["node_num"], to_config["requests"]["node_num"])
    _save(conn, {source: from_config, target: to_config})


def _check_int(value: Any) -> None:
    """What protobuf answers pymilvus for an int32 field given another type."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"'{type(value).__name__}' object cannot be interpreted as an integer")


def _node_count(name: str) -> int:
    return 1 if name == DEFAULT else 0


def transfer_replica(conn: psycopg.Connection, db_name: str, source: Any, target: Any, collection: str,
                     num_replicas: Any) -> None:
    """transfer_replica's checks: the proxy's (names, then the collection), querycoord's in its
    order.  A replica a standalone moves to a group with no node would serve nothing; pgmilvus's
    stays in the default group, so a transfer that passes the checks changes nothing
    (docs/compatibility.md)."""
    check_name(source)
    check_name(target)
    _check_int(num_replicas)
    loaded = collections.require(conn, db_name, collection).loaded
    groups = _groups(conn)
    for side, name in (("source", source), ("target", target)):
        if name not in groups:  # Milvus 2.5's wrapping, master's text after it
            raise MilvusException(ErrorCode.RESOURCE_GROUP_NOT_FOUND, f"the {side} resource group[{name}] doesn't "
                                                                      f"exist: {not_found(name).message}")
    if source == target:
        raise _invalid_msg("source resource group and target resource group should not be the same, "
                           f"resource group: {source}")
    if num_replicas <= 0:
        raise _invalid("NumReplica > 0", f"invalid NumReplica {num_replicas}")
    if not loaded:
        raise MilvusException(ErrorCode.COLLECTION_NOT_LOADED, f"collection not loaded[collection={collection}]")
    if num_replicas > 1:
        raise _invalid(num_replicas, 1, "the number of replicas to transfer is greater than the number of "
                                        "replicas in the collection")
    in_source = 1 if source == DEFAULT else 0
    if in_source < num_replicas:
        raise _invalid("NumReplica not greater than the number of replica in source resource group",
                       f"only found [{in_source}] replicas of collection [{collection}] in source resource group "
                       f"[{source}], but {num_replicas} require")


def configured_load(collection_properties: dict[str, Any], database_properties: dict[str, Any]
                    ) -> tuple[Optional[int], list[str]]:
    """The replica number and resource groups a load naming neither takes (querycoord's
    GetCollectionLoadInfo): the collection's ``collection.replica.number`` /
    ``collection.resource_groups``, else the database's ``database.*`` ones; a value that does not
    parse is passed over, as querycoord passes it over."""
    replicas: Optional[int] = None
    groups: list[str] = []
    for properties, prefix in ((collection_properties, "collection"), (database_properties, "database")):
        if replicas is None:
            try:
                number = int(str(properties.get(f"{prefix}.replica.number", "")), 10)
                replicas = number if number > 0 else None
            except ValueError:
                pass
        if not groups and properties.get(f"{prefix}.resource_groups"):
            groups = [g.strip() for g in str(properties[f"{prefix}.resource_groups"]).split(",")]
    return replicas, groups

def check_load(conn: psycopg.Connection, replica_number: Optional[int], resource_groups: Optional[Iterable[str]],
               loaded: bool) -> None:
    """querycoord's AssignReplica for a load naming resource groups: 0, 1 or one group per replica;
    the standalone's one streaming node; each group must exist and, for a collection not yet
    loaded, have a node per replica.  A load naming no group is not checked: pgmilvus has always
    accepted any ``replica_number`` (one replica serves), and Milvus's own e2e tests that load 2
    replicas (ClusterOnly, L3) pass on it; a standalone Milvus refuses 2 or more (12)."""
    wanted = list(resource_groups or ())
    if not wanted:
        return
    replicas = replica_number if replica_number and replica_number > 0 else 1
    if len(wanted) not in (0, 1, replicas):
        raise _invalid_msg(f"replica=[{replicas}] resource group=[{','.join(wanted)}], resource group num can "
                           "only be 0, 1 or same as replica number")
    if not loaded and replicas > 1:
        raise MilvusException(12, f"when load {replicas} replica count: service resource insufficient"
                                  f"[currentStreamingNode=1][expectedStreamingNode={replicas}]")
    if len(wanted) > 1:  # a replica in each group
        per_group = {name: wanted.count(name) for name in wanted}
    else:
        per_group = {wanted[0]: replicas}
    groups = _groups(conn) if any(name != DEFAULT for name in per_group) else {DEFAULT: {}}
    for name, num in per_group.items():
        if name not in groups:
            raise not_found(name)
        if not loaded and num > _node_count(name):
            raise _node_not_enough(name, _node_count(name), num)


def describe(conn: psycopg.Connection, db_name: str, name: str) -> dict[str, Any]:
    """describe_resource_group: capacity (the default group's 1,000,000, else requests.node_num, as
    querycoord's GetCapacity), nodes (node 1 in the default group), the database's loaded collections
    (one replica each, in the default group) and the stored config."""
    if not name or not isinstance(name, str):
        raise client_side(illegal("resource_group_name", name), not_found(name or ""))
    config = conn.execute(f"SELECT config FROM {CATALOG}.resource_groups WHERE name = %s", (name,)).fetchone()
    if config is None:
        raise not_found(name)
    config = config_dict(config[0])
    default = name == DEFAULT
    host = node_address()
    return {"name": name,
            "capacity": DEFAULT_CAPACITY if default else config["requests"]["node_num"],
            "num_available_node": _node_count(name),
            "num_loaded_replica": {c: 1 for c in listings.loaded_collections(conn, db_name)} if default else {},
            "num_outgoing_node": {}, "num_incoming_node": {},
            "config": config,
            "nodes": [{"node_id": NODE_ID, "address": host, "hostname": host}] if default else []}
