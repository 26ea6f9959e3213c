"""BackupRBAC / RestoreRBAC over the wire (server/rpc_rbac.py), against ``pgmilvus serve --require-auth``.

pymilvus's MilvusClient has no method for them (2.6 and 3.0 alike), so the calls go through the
venv's own generated stubs with pymilvus's login header, as the Node SDK's ``backupRBAC`` /
``restoreRBAC`` and milvus-backup send them; the rest of the test is unmodified pymilvus.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

grpc = pytest.importorskip("grpc")
pytest.importorskip("pymilvus")

from google.protobuf import json_format  # noqa: E402
from pymilvus import MilvusClient  # noqa: E402
from pymilvus.grpc_gen import milvus_pb2, milvus_pb2_grpc  # noqa: E402

from tests.fix_db import TCP_PASSWORD, TCP_USER  # noqa: E402


def _call(address: str, rpc: str, request: Any, user: str = TCP_USER, password: str = TCP_PASSWORD) -> Any:
    """One RPC as ``user`` (pymilvus's ``authorization`` header: base64 of ``user:password``)."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    with grpc.insecure_channel(address) as channel:
        return getattr(milvus_pb2_grpc.MilvusServiceStub(channel), rpc)(request, metadata=(("authorization", token),))


def _listings(client: MilvusClient, user: str, role: str) -> dict[str, Any]:
    return {"users": sorted(client.list_users()), "roles": sorted(client.list_roles()),
            "user": client.describe_user(user), "grants": client.describe_role(role),
            "groups": client.list_privilege_groups()}


def test_backup_drop_restore_over_the_wire(rbac_wire) -> None:
    """Backup, drop, restore: the same listings, the old password logs in, the grants apply; a second
    restore, an empty one and a caller without the privileges get Milvus's answers."""
    uri, admin, local = rbac_wire.uri, rbac_wire.admin, rbac_wire.local
    group, role, user, coll = rbac_wire.group, rbac_wire.role, rbac_wire.user, rbac_wire.coll
    address = uri.removeprefix("http://")
    admin.create_user(user, "Secret-123")
    admin.create_role(role)
    admin.grant_role(user, role)
    admin.create_privilege_group(group)
    admin.add_privileges_to_group(group, ["Query"])
    admin.grant_privilege_v2(role, group, coll)
    admin.grant_privilege(role, "Collection", "Search", coll)
    before = _listings(admin, user, role)

    answer = _call(address, "BackupRBAC", milvus_pb2.BackupRBACMetaRequest())
    assert answer.status.code == 0
    assert answer.RBAC_meta == json_format.ParseDict(local.backup_rbac(), milvus_pb2.RBACMeta())
    assert [(u.user, [r.name for r in u.roles]) for u in answer.RBAC_meta.users] == [(user, [role])]

    admin.revoke_privilege_v2(role, group, coll)
    admin.drop_privilege_group(group)
    admin.drop_role(role, force_drop=True)
    admin.drop_user(user)
    restored = _call(address, "RestoreRBAC", milvus_pb2.RestoreRBACMetaRequest(RBAC_meta=answer.RBAC_meta))
    assert (restored.code, restored.reason) == (0, "")
    assert _listings(admin, user, role) == before

    member = MilvusClient(uri=uri, user=user, password="Secret-123")  # the old password
    try:
        assert member.query(coll, filter="id > 0", output_fields=["id"]) == [{"id": 1}]
        assert len(member.search(coll, data=[[1, 2, 3]], limit=1)[0]) == 1
    finally:
        member.close()

    again = _call(address, "RestoreRBAC", milvus_pb2.RestoreRBACMetaRequest(RBAC_meta=answer.RBAC_meta))
    assert (again.code, again.reason) == (1100, f"failed to check if rbac restorable: role [{role}] already "
                                                f"exists: invalid parameter; drop_role(\"{role}\") first, or "
                                                "leave it out")
    # no meta (or an empty one) is a success, as Milvus's proxy and rootcoord answer it
    assert _call(address, "RestoreRBAC", milvus_pb2.RestoreRBACMetaRequest()).code == 0
    for rpc, request, privilege in (("BackupRBAC", milvus_pb2.BackupRBACMetaRequest(), "BackupRBAC"),
                                    ("RestoreRBAC", milvus_pb2.RestoreRBACMetaRequest(), "RestoreRBAC")):
        answer = _call(address, rpc, request, user, "Secret-123")
        status = answer.status if rpc == "BackupRBAC" else answer
        assert status.code == 1401
        assert status.reason.startswith(f"Privilege{privilege}: permission deny to {user} in the `default` "
                                        "database")
