"""Resource groups over the wire: unmodified pymilvus against ``pgmilvus serve`` answers what the
in-process client answers (tests/test_resource_groups.py's tables), and the server answers a bare
request as Milvus's proxy does where pymilvus would have refused it client-side."""

from __future__ import annotations

import pytest

pytest.importorskip("pymilvus")

import grpc  # noqa: E402
from pymilvus.grpc_gen import milvus_pb2, milvus_pb2_grpc, rg_pb2  # noqa: E402

from tests.test_resource_groups import BAD, DEFAULT, GOOD, describe, setup_groups  # noqa: E402


class WithTransferNode:
    """pymilvus's MilvusClient, and its connection's transfer_node (only the ORM's utility has it)."""

    def __init__(self, client) -> None:
        self._client = client

    def __getattr__(self, name: str):
        return getattr(self._client, name)

    def transfer_node(self, source: str, target: str, num_node: int) -> None:
        self._client._get_connection().transfer_node(source, target, num_node)


@pytest.fixture
def stub(serve_address):
    with grpc.insecure_channel(serve_address) as channel:
        yield milvus_pb2_grpc.MilvusServiceStub(channel)


@pytest.mark.parametrize("call, error, code, message", [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_resource_group_errors_over_the_wire(wire_client, call, error, code, message) -> None:
    setup_groups(wire_client)
    with pytest.raises(Exception) as info:
        call(WithTransferNode(wire_client))
    assert (type(info.value).__name__, info.value.code, info.value.message) == (error.__name__, code, message)


@pytest.mark.parametrize("calls, group, described", [case[1:] for case in GOOD], ids=[case[0] for case in GOOD])
def test_resource_groups_described_over_the_wire(wire_client, local_client, calls, group, described) -> None:
    setup_groups(wire_client)
    calls(WithTransferNode(wire_client))
    assert describe(wire_client, group) == described == describe(local_client, group)
    assert wire_client.list_resource_groups() == [DEFAULT, "rg_a", "rg_b"]


#: (id, rpc, request, code, reason): requests pymilvus checks before sending, as the proxy answers them.
BARE = [
    ("create-empty", "CreateResourceGroup", milvus_pb2.CreateResourceGroupRequest(), 1101,
     "resource group name couldn't be empty: missing parameter"),
    ("create-no-config", "CreateResourceGroup", milvus_pb2.CreateResourceGroupRequest(resource_group="rg_a"), 0, ""),
    ("create-empty-config", "CreateResourceGroup", milvus_pb2.CreateResourceGroupRequest(
        resource_group="rg_c", config=rg_pb2.ResourceGroupConfig()), 303,
     "requests or limits is required: resource group illegal config[rg=rg_c][config=]"),
    ("drop-empty", "DropResourceGroup", milvus_pb2.DropResourceGroupRequest(), 0, ""),
    ("describe-empty", "DescribeResourceGroup", milvus_pb2.DescribeResourceGroupRequest(), 300,
     "resource group not found[rg=]"),
    ("node-empty", "TransferNode", milvus_pb2.TransferNodeRequest(target_resource_group="rg_a", num_node=1), 1101,
     "resource group name couldn't be empty: missing parameter"),
    ("replica-empty-target", "TransferReplica", milvus_pb2.TransferReplicaRequest(
        source_resource_group=DEFAULT, collection_name="col", num_replica=1), 1101,
     "resource group name couldn't be empty: missing parameter"),
    ("update-none", "UpdateResourceGroups", milvus_pb2.UpdateResourceGroupsRequest(), 0, ""),
]


@pytest.mark.parametrize("rpc, request_, code, reason", [case[1:] for case in BARE], ids=[case[0] for case in BARE])
def test_bare_resource_group_requests(wire_client, stub, rpc, request_, code, reason) -> None:
    setup_groups(wire_client)
    answer = getattr(stub, rpc)(request_)
    status = answer if hasattr(answer, "reason") else answer.status
    assert (status.code, status.reason) == (code, reason)
