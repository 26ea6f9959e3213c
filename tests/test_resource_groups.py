"""Resource groups as a standalone Milvus has them (catalog/resource_groups.py): the proxy's and
querycoord's checks with master's texts, one line per case, in process (``client``: embedded,
server, async); tests/server/test_wire_resource_groups.py runs the same table over the wire."""

from __future__ import annotations

import pytest

from pgmilvus import MilvusException, ParamError

DEFAULT = "__default_resource_group"


def rg_config(requests=None, limits=None, **more):
    """pymilvus's ResourceGroupConfig (a protobuf message), as applications build it."""
    from pymilvus.client.types import ResourceGroupConfig

    fields = {k: v for k, v in (("requests", requests), ("limits", limits)) if v is not None}
    return ResourceGroupConfig(**{k: {"node_num": v} for k, v in fields.items()}, **more)


def setup_groups(client) -> None:
    """rg_a (no config: requests and limits 0), rg_b (requests 1, limits 2, transfers from rg_a),
    a loaded collection ``col`` and a released one ``idle``."""
    client.create_resource_group("rg_a")
    client.create_resource_group("rg_b", config=rg_config(1, 2, transfer_from=[{"resource_group": "rg_a"}]))
    client.create_collection("col", dimension=4)
    client.create_collection("idle", dimension=4)
    client.release_collection("idle")


def _invalid(name: str, why: str) -> str:
    return f"Invalid resource group name {name}. {why}: invalid parameter"


LONG = "a" * 256
LOAD = "call query coordinator LoadCollection: "
#: (id, call, exception class, code, message): what each bad call raises.
BAD = [
    ("create-empty", lambda c: c.create_resource_group(""), ParamError, 1, "`resource_group_name` value  is illegal"),
    ("create-first-char", lambda c: c.create_resource_group("1rg"), MilvusException, 1100,
     _invalid("1rg", "the first character of a resource group name must be an underscore or letter")),
    ("create-chars", lambda c: c.create_resource_group("r-g"), MilvusException, 1100,
     _invalid("r-g", "resource group name can only contain numbers, letters and underscores")),
    ("create-chinese", lambda c: c.create_resource_group("不合法"), MilvusException, 1100,
     _invalid("不合法", "the first character of a resource group name must be an underscore or letter")),
    ("create-long", lambda c: c.create_resource_group(LONG), MilvusException, 1100,
     _invalid(LONG, "the length of a resource group name must be less than 255 characters")),
    ("create-other-config", lambda c: c.create_resource_group("rg_a", config=rg_config(1, 1)), MilvusException, 301,
     "resource group already exist, but create with different config[rg=rg_a]"),
    ("create-no-limits", lambda c: c.create_resource_group("rg_c", config=rg_config(1)), MilvusException, 303,
     "requests or limits is required: resource group illegal config[rg=rg_c][config=requests:{node_num:1}]"),
    ("create-negative", lambda c: c.create_resource_group("rg_c", config=rg_config(-1, 1)), MilvusException, 303,
     "node num in `requests` or `limits` should not less than 0: resource group illegal config[rg=rg_c]"
     "[config=requests:{node_num:-1} limits:{node_num:1}]"),
    ("create-limits-below", lambda c: c.create_resource_group("rg_c", config=rg_config(2, 1)), MilvusException, 303,
     "limits node num should not less than requests node num: resource group illegal config[rg=rg_c]"
     "[config=requests:{node_num:2} limits:{node_num:1}]"),
    ("create-transfer-self", lambda c: c.create_resource_group(
        "rg_c", config=rg_config(0, 0, transfer_to=[{"resource_group": "rg_c"}])), MilvusException, 303,
     "resource group in `TransferTo` rg_c should not be itself: resource group illegal config[rg=rg_c]"
     '[config=requests:{} limits:{} transfer_to:{resource_group:"rg_c"}]'),
    ("create-transfer-unknown", lambda c: c.create_resource_group(
        "rg_c", config=rg_config(0, 0, transfer_from=[{"resource_group": "nope"}])), MilvusException, 303,
     "resource group in `TransferFrom` nope not exist: resource group illegal config[rg=rg_c]"
     '[config=requests:{} limits:{} transfer_from:{resource_group:"nope"}]'),
    ("drop-default", lambda c: c.release_collection("col") or c.drop_resource_group(DEFAULT), MilvusException, 1100,
     "default resource group is not deletable: invalid parameter[expected=not default resource group]"
     f"[actual={DEFAULT}]"),
    ("drop-limits", lambda c: c.drop_resource_group("rg_b"),
     MilvusException, 1100, "resource group's limits node num is not 0: invalid parameter"
                            "[expected=not empty resource group][actual=rg_b]"),
    ("drop-transfer-from", lambda c: c.drop_resource_group("rg_a"), MilvusException, 1100,
     "resource group rg_a is used by rg_b's `TransferFrom`, remove that configuration first: invalid parameter"
     "[expected=not `TransferFrom` of resource group][actual=rg_a]"),
    ("update-unknown", lambda c: c.update_resource_groups({"nope": rg_config(0, 0)}), MilvusException, 300,
     "resource group not found[rg=nope]"),
    ("update-bad-name", lambda c: c.update_resource_groups({"a b": rg_config(0, 0)}), MilvusException, 1100,
     _invalid("a b", "resource group name can only contain numbers, letters and underscores")),
    ("update-no-requests", lambda c: c.update_resource_groups({DEFAULT: rg_config(limits=3)}), MilvusException, 303,
     f"requests or limits is required: resource group illegal config[rg={DEFAULT}][config=limits:{{node_num:3}}]"),
    ("describe-unknown", lambda c: c.describe_resource_group("nope"), MilvusException, 300,
     "resource group not found[rg=nope]"),
    ("describe-empty", lambda c: c.describe_resource_group(""), ParamError, 1, "`resource_group_name` value  is illegal"),
    ("node-same", lambda c: c.transfer_node("rg_a", "rg_a", 1), MilvusException, 1100,
     "source resource group and target resource group should not be the same, resource group: rg_a: invalid parameter"),
    ("node-zero", lambda c: c.transfer_node(DEFAULT, "rg_a", 0), MilvusException, 1100,
     "invalid parameter[expected=NumNode > 0][actual=invalid NumNode 0]"),
    ("node-unknown", lambda c: c.transfer_node(DEFAULT, "nope", 1), MilvusException, 300,
     "resource group not found[rg=nope]"),
    ("node-not-enough", lambda c: c.transfer_node(DEFAULT, "rg_a", 2), MilvusException, 304,
     f"resource group node not enough[rg={DEFAULT}][currentNodeNum=1][expectedNodeNum=2]"),
    ("node-from-empty", lambda c: c.transfer_node("rg_a", DEFAULT, 1), MilvusException, 304,
     "resource group node not enough[rg=rg_a][currentNodeNum=0][expectedNodeNum=1]"),
    ("replica-target", lambda c: c.transfer_replica(DEFAULT, "nope", "col", 1), MilvusException, 300,
     "the target resource group[nope] doesn't exist: resource group not found[rg=nope]"),
    ("replica-source", lambda c: c.transfer_replica("nope", DEFAULT, "col", 1), MilvusException, 300,
     "the source resource group[nope] doesn't exist: resource group not found[rg=nope]"),
    ("replica-collection", lambda c: c.transfer_replica(DEFAULT, "rg_a", "nope", 1), MilvusException, 100,
     "collection not found[database=default][collection=nope]"),
    ("replica-same", lambda c: c.transfer_replica("rg_a", "rg_a", "col", 1), MilvusException, 1100,
     "source resource group and target resource group should not be the same, resource group: rg_a: invalid parameter"),
    ("replica-zero", lambda c: c.transfer_replica(DEFAULT, "rg_a", "col", 0), MilvusException, 1100,
     "invalid parameter[expected=NumReplica > 0][actual=invalid NumReplica 0]"),
    ("replica-not-loaded", lambda c: c.transfer_replica(DEFAULT, "rg_a", "idle", 1), MilvusException, 101,
     "collection not loaded[collection=idle]"),
    ("replica-too-many", lambda c: c.transfer_replica(DEFAULT, "rg_a", "col", 2), MilvusException, 1100,
     "the number of replicas to transfer is greater than the number of replicas in the collection: "
     "invalid parameter[expected=2][actual=1]"),
    ("replica-not-in-source", lambda c: c.transfer_replica("rg_a", DEFAULT, "col", 1), MilvusException, 1100,
     "invalid parameter[expected=NumReplica not greater than the number of replica in source resource group]"
     "[actual=only found [0] replicas of collection [col] in source resource group [rg_a], but 1 require]"),
    ("load-two-replicas", lambda c: c.load_collection("idle", replica_number=2, _resource_groups=[DEFAULT]),
     MilvusException, 12,
     LOAD + "when load 2 replica count: service resource insufficient[currentStreamingNode=1][expectedStreamingNode=2]"),
    ("load-group-count", lambda c: c.load_collection("idle", replica_number=1, _resource_groups=["rg_a", "rg_b"]),
     MilvusException, 1100, LOAD + "replica=[1] resource group=[rg_a,rg_b], resource group num can only be 0, 1 "
                                   "or same as replica number: invalid parameter"),
    ("load-unknown-group", lambda c: c.load_collection("idle", _resource_groups=["nope"]), MilvusException, 300,
     LOAD + "resource group not found[rg=nope]"),
    ("load-empty-group-name", lambda c: c.load_collection("idle", _resource_groups=[""]), MilvusException, 300,
     LOAD + "resource group not found[rg=]"),
    ("load-group-no-node", lambda c: c.load_collection("idle", _resource_groups=["rg_a"]), MilvusException, 304,
     LOAD + "resource group node not enough[rg=rg_a][currentNodeNum=0][expectedNodeNum=1]"),
    ("load-partitions-no-node", lambda c: c.load_partitions("idle", ["_default"], _resource_groups=["rg_b"]),
     MilvusException, 304, "resource group node not enough[rg=rg_b][currentNodeNum=0][expectedNodeNum=1]"),
    # a load naming neither replicas nor groups takes the collection's, else the database's (querycoord)
    ("load-database-group", lambda c: c.alter_database_properties("default", {
        "database.replica.number": "1", "database.resource_groups": "nope"}) or c.load_collection("idle"), MilvusException, 300,
     LOAD + "resource group not found[rg=nope]"),
    ("load-database-replicas", lambda c: c.alter_database_properties("default", {
        "database.replica.number": "2", "database.resource_groups": DEFAULT}) or c.load_collection("idle"),
     MilvusException, 12,
     LOAD + "when load 2 replica count: service resource insufficient[currentStreamingNode=1][expectedStreamingNode=2]"),
    ("load-collection-group-first", lambda c: c.alter_database_properties("default", {
        "database.replica.number": "1", "database.resource_groups": DEFAULT}) or c.alter_collection_properties("idle", {
            "collection.resource_groups": "rg_a"}) or c.load_collection("idle"), MilvusException, 304,
     LOAD + "resource group node not enough[rg=rg_a][currentNodeNum=0][expectedNodeNum=1]"),
]


@pytest.mark.parametrize("call, error, code, message", [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_resource_group_errors(client, call, error, code, message) -> None:
    setup_groups(client)
    with pytest.raises(error) as info:
        call(client)
    assert (info.value.code, info.value.message) == (code, message)


def describe(client, name: str) -> tuple:
    group = client.describe_resource_group(name)
    return (group.name, group.capacity, group.num_available_node, dict(group.num_loaded_replica),
            str(group.config), [n.node_id if hasattr(n, "node_id") else n["node_id"] for n in group.nodes])


#: (id, calls, group, its description (name, capacity, nodes, replicas, config, node ids)) after them.
GOOD = [
    ("default", lambda c: None, DEFAULT,
     (DEFAULT, 1000000, 1, {"col": 1}, "requests {\n}\nlimits {\n  node_num: 1000000\n}\n", [1])),
    ("created", lambda c: None, "rg_a", ("rg_a", 0, 0, {}, "requests {\n}\nlimits {\n}\n", [])),
    ("with-config", lambda c: None, "rg_b",
     ("rg_b", 1, 0, {}, 'requests {\n  node_num: 1\n}\nlimits {\n  node_num: 2\n}\ntransfer_from {\n'
                        '  resource_group: "rg_a"\n}\n', [])),
    ("create-again", lambda c: c.create_resource_group("rg_a"), "rg_a",
     ("rg_a", 0, 0, {}, "requests {\n}\nlimits {\n}\n", [])),
    ("update", lambda c: c.update_resource_groups({"rg_a": rg_config(3, 4)}), "rg_a",
     ("rg_a", 3, 0, {}, "requests {\n  node_num: 3\n}\nlimits {\n  node_num: 4\n}\n", [])),
    ("update-default", lambda c: c.update_resource_groups({DEFAULT: rg_config(1, 5)}), DEFAULT,
     (DEFAULT, 1000000, 1, {"col": 1}, "requests {\n  node_num: 1\n}\nlimits {\n  node_num: 5\n}\n", [1])),
    ("transfer-node-target", lambda c: c.transfer_node(DEFAULT, "rg_a", 1), "rg_a",
     ("rg_a", 1, 0, {}, "requests {\n  node_num: 1\n}\nlimits {\n  node_num: 1\n}\n", [])),
    ("transfer-node-source", lambda c: c.transfer_node(DEFAULT, "rg_a", 1), DEFAULT,
     (DEFAULT, 1000000, 1, {"col": 1}, "requests {\n}\nlimits {\n  node_num: 1000000\n}\n", [1])),
    ("transfer-replica-stays", lambda c: c.transfer_replica(DEFAULT, "rg_a", "col", 1), DEFAULT,
     (DEFAULT, 1000000, 1, {"col": 1}, "requests {\n}\nlimits {\n  node_num: 1000000\n}\n", [1])),
    ("load-default-group", lambda c: c.load_collection("idle", _resource_groups=[DEFAULT]), DEFAULT,
     (DEFAULT, 1000000, 1, {"col": 1, "idle": 1}, "requests {\n}\nlimits {\n  node_num: 1000000\n}\n", [1])),
    ("load-two-replicas-no-group", lambda c: c.load_collection("idle", replica_number=2), DEFAULT,
     (DEFAULT, 1000000, 1, {"col": 1, "idle": 1}, "requests {\n}\nlimits {\n  node_num: 1000000\n}\n", [1])),
    ("loaded-again-elsewhere", lambda c: c.load_collection("col", replica_number=2, _resource_groups=["rg_a"]),
     "rg_a", ("rg_a", 0, 0, {}, "requests {\n}\nlimits {\n}\n", [])),
]


@pytest.mark.parametrize("calls, group, described", [case[1:] for case in GOOD], ids=[case[0] for case in GOOD])
def test_resource_groups_described(client, calls, group, described) -> None:
    setup_groups(client)
    calls(client)
    assert describe(client, group) == described
    assert client.list_resource_groups() == [DEFAULT, "rg_a", "rg_b"]


def test_created_dropped_and_dropped_again(client) -> None:
    """drop is idempotent, a dropped name can be created again; the 1024th group is the last."""
    setup_groups(client)
    client.update_resource_groups({"rg_b": rg_config(0, 0)})
    client.drop_resource_group("rg_b")
    client.drop_resource_group("rg_b")
    client.drop_resource_group("nope")
    assert client.list_resource_groups() == [DEFAULT, "rg_a"]
    client.create_resource_group("rg_b")
    client.create_resource_group("_r" * 127 + "x")  # 255 bytes
    assert client.list_resource_groups() == [DEFAULT, "rg_a", "rg_b", "_r" * 127 + "x"]
    client.release_collection("col")
    client.drop_resource_group("rg_a")


def test_the_1024_limit_counts_the_default_group(client) -> None:
    for i in range(1023):
        client.create_resource_group(f"rg_{i}")
    with pytest.raises(MilvusException) as info:
        client.create_resource_group("one_more")
    assert (info.value.code, info.value.message) == (302, "resource group num reach limit[rg=one_more][limit=1024]")
    client.create_resource_group("rg_0")  # the same config again: no new group


def test_a_dict_config_and_a_protobuf_one_are_the_same(client) -> None:
    """The core takes a dict of the message's fields too; the config reads like pymilvus's message."""
    client.create_resource_group("rg_d", config={"requests": {"node_num": 1}, "limits": {"node_num": 1}})
    client.create_resource_group("rg_d", config=rg_config(1, 1))  # the same: a no-op
    config = client.describe_resource_group("rg_d").config
    assert (config.requests.node_num, config.limits.node_num, config.transfer_from) == (1, 1, [])
    assert str(config) == str(rg_config(1, 1))
