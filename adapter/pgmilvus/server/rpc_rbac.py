"""RPCs of access control: users, roles and privileges, run as the caller.

Users are PostgreSQL roles and privileges are GRANTs (pgmilvus's rbac.py), so
these calls go through the caller's own client: PostgreSQL decides whether the
caller may create users or grant privileges.  Passwords arrive base64-encoded
(as every SDK sends them).  Changing or dropping a user closes the server's
clients logged in as that user, so the old password stops working at once.
BackupRBAC / RestoreRBAC convert RBACMeta to and from the client's dict (rbac/backup.py).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Optional

from google.protobuf import json_format
from pymilvus.grpc_gen import milvus_pb2

from .handler import Call, RPCBase, rpc
from .status import SUCCESS, bad_request

_GRANT = milvus_pb2.OperatePrivilegeType.Grant
_ADD = milvus_pb2.OperateUserRoleType.AddUserToRole
_ADD_TO_GROUP = milvus_pb2.OperatePrivilegeGroupType.AddPrivilegesToGroup
_REMOVE_FROM_GROUP = milvus_pb2.OperatePrivilegeGroupType.RemovePrivilegesFromGroup


def _password(raw: Any, what: str) -> str:
    try:
        return base64.b64decode(raw, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad_request(f"{what} is not base64-encoded UTF-8") from None


def update_credential(backend: Any, client: Any, user: str, old_password: str, new_password: str,
                      description: Optional[str]) -> None:
    """UpdateCredential (passwords decoded; ``description`` None when not sent): no new password but a
    description changes the description only; a new password closes the clients logged in as ``user``."""
    if not new_password and description is not None:  # pymilvus 3's update_user
        client.update_user(user, description)
        return
    client.update_password(user, old_password, new_password)
    if description is not None:
        client.update_user(user, description)
    backend.forget_user(user)


def delete_credential(backend: Any, client: Any, user: str) -> None:
    """DeleteCredential: drop the user and close the clients logged in as it."""
    client.drop_user(user)
    backend.forget_user(user)


def role_grants(described: dict[str, Any], object_type: str = "", object_name: str = "") -> list[dict[str, str]]:
    """SelectGrant's entities: the grants of a role as the client's ``describe_role`` gives them (of
    ``object_type`` / ``object_name`` when given), each with ``role_name``, ``object_type``,
    ``object_name``, ``db_name``, ``grantor_name`` and ``privilege`` ("" when there is none)."""
    keys = ("role_name", "object_type", "object_name", "db_name", "grantor_name", "privilege")
    return [{key: grant.get(key) or "" for key in keys}
            for grant in described.get("privileges", [])
            if (not object_type or grant["object_type"] == object_type)
            and (not object_name or grant["object_name"] == object_name)]


def operate_privilege_v2(backend: Any, call_db: str, caller: Any, grant: bool, role: str, privilege: str,
                         collection: str, db_name: str) -> None:
    """OperatePrivilegeV2: ``db_name`` is the grant's target, "*" for every database (then there is no
    database to connect to: the caller's default-database client makes the call)."""
    client = backend.client(None if db_name == "*" else call_db, caller)
    change = client.grant_privilege_v2 if grant else client.revoke_privilege_v2
    change(role, privilege, collection, db_name=db_name or None)


class RbacRPCs(RPCBase):
    # -- users -----------------------------------------------------------------------------------
    @rpc
    def CreateCredential(self, call: Call, request: milvus_pb2.CreateCredentialRequest) -> Any:
        self._client(call).create_user(request.username, _password(request.password, "password"),
                                       description=request.description or None)
        return SUCCESS

    @rpc
    def UpdateCredential(self, call: Call, request: milvus_pb2.UpdateCredentialRequest) -> Any:
        description = request.description if request.HasField("description") else None
        passwords = ("", "") if not request.newPassword and description is not None else (
            _password(request.oldPassword, "oldPassword"), _password(request.newPassword, "newPassword"))
        update_credential(self.backend, self._client(call), request.username, *passwords, description)
        return SUCCESS

    @rpc
    def AlterRole(self, call: Call, request: milvus_pb2.AlterRoleRequest) -> Any:
        self._client(call).alter_role(request.role_name, request.description)
        return SUCCESS

    @rpc
    def DeleteCredential(self, call: Call, request: milvus_pb2.DeleteCredentialRequest) -> Any:
        delete_credential(self.backend, self._client(call), request.username)
        return SUCCESS

    @rpc
    def ListCredUsers(self, call: Call, request: Any) -> Any:
        return milvus_pb2.ListCredUsersResponse(status=SUCCESS, usernames=self._client(call).list_users())

    @rpc
    def SelectUser(self, call: Call, request: milvus_pb2.SelectUserRequest) -> Any:
        client = self._client(call)
        names = [request.user.name] if request.user.name else client.list_users()
        response = milvus_pb2.SelectUserResponse(status=SUCCESS)
        for name in names:
            desc = client.describe_user(name)
            if not desc:
                continue
            roles = [milvus_pb2.RoleEntity(name=r) for r in desc.get("roles", ())] if request.include_role_info else []
            response.results.append(milvus_pb2.UserResult(user=milvus_pb2.UserEntity(name=name), roles=roles,
                                                          description=desc.get("description") or ""))
        return response

    @rpc
    def OperateUserRole(self, call: Call, request: milvus_pb2.OperateUserRoleRequest) -> Any:
        client = self._client(call)
        change = client.grant_role if request.type == _ADD else client.revoke_role
        change(request.username, request.role_name)
        return SUCCESS

    # -- roles -----------------------------------------------------------------------------------
    @rpc
    def CreateRole(self, call: Call, request: milvus_pb2.CreateRoleRequest) -> Any:
        self._client(call).create_role(request.entity.name, description=request.entity.description)
        return SUCCESS

    @rpc
    def DropRole(self, call: Call, request: milvus_pb2.DropRoleRequest) -> Any:
        self._client(call).drop_role(request.role_name, force_drop=request.force_drop)
        return SUCCESS

    @rpc
    def SelectRole(self, call: Call, request: milvus_pb2.SelectRoleRequest) -> Any:
        client = self._client(call)
        names = [request.role.name] if request.role.name else client.list_roles()
        members: dict[str, list[str]] = {}
        if request.include_user_info:
            for user in client.list_users():
                for role in client.describe_user(user).get("roles", ()):
                    members.setdefault(role, []).append(user)
        response = milvus_pb2.SelectRoleResponse(status=SUCCESS)
        for name in names:
            description = client.describe_role(name, db_name=call.db_name).get("description", "") \
                if request.role.name else ""
            response.results.append(milvus_pb2.RoleResult(
                role=milvus_pb2.RoleEntity(name=name, description=description or ""),
                users=[milvus_pb2.UserEntity(name=u) for u in members.get(name, [])]))
        return response

    # -- privileges ------------------------------------------------------------------------------
    @rpc
    def SelectGrant(self, call: Call, request: milvus_pb2.SelectGrantRequest) -> Any:
        entity = request.entity
        response = milvus_pb2.SelectGrantResponse(status=SUCCESS)
        described = self._client(call).describe_role(entity.role.name, db_name=entity.db_name or call.db_name)
        for grant in role_grants(described, entity.object.name, entity.object_name):
            response.entities.append(milvus_pb2.GrantEntity(
                role=milvus_pb2.RoleEntity(name=grant["role_name"]),
                object=milvus_pb2.ObjectEntity(name=grant["object_type"]), object_name=grant["object_name"],
                db_name=grant["db_name"],
                grantor=milvus_pb2.GrantorEntity(user=milvus_pb2.UserEntity(name=grant["grantor_name"]),
                                                 privilege=milvus_pb2.PrivilegeEntity(name=grant["privilege"]))))
        return response

    @rpc
    def OperatePrivilege(self, call: Call, request: milvus_pb2.OperatePrivilegeRequest) -> Any:
        client, entity = self._client(call), request.entity
        change = client.grant_privilege if request.type == _GRANT else client.revoke_privilege
        change(entity.role.name, entity.object.name, entity.grantor.privilege.name, entity.object_name,
               db_name=entity.db_name)
        return SUCCESS

    @rpc
    def OperatePrivilegeV2(self, call: Call, request: milvus_pb2.OperatePrivilegeV2Request) -> Any:
        operate_privilege_v2(self.backend, call.db_name, call.caller, request.type == _GRANT, request.role.name,
                             request.grantor.privilege.name, request.collection_name, request.db_name)
        return SUCCESS

    # -- custom privilege groups (rbac/groups.py) --------------------------------------------------
    @rpc
    def CreatePrivilegeGroup(self, call: Call, request: milvus_pb2.CreatePrivilegeGroupRequest) -> Any:
        self._client(call).create_privilege_group(request.group_name)
        return SUCCESS

    @rpc
    def DropPrivilegeGroup(self, call: Call, request: milvus_pb2.DropPrivilegeGroupRequest) -> Any:
        self._client(call).drop_privilege_group(request.group_name)
        return SUCCESS

    @rpc
    def ListPrivilegeGroups(self, call: Call, request: milvus_pb2.ListPrivilegeGroupsRequest) -> Any:
        return milvus_pb2.ListPrivilegeGroupsResponse(status=SUCCESS, privilege_groups=[
            milvus_pb2.PrivilegeGroupInfo(group_name=g["privilege_group"],
                                          privileges=[milvus_pb2.PrivilegeEntity(name=p) for p in g["privileges"]])
            for g in self._client(call).list_privilege_groups()])

    @rpc
    def OperatePrivilegeGroup(self, call: Call, request: milvus_pb2.OperatePrivilegeGroupRequest) -> Any:
        client = self._client(call)
        change = {_ADD_TO_GROUP: client.add_privileges_to_group,
                  _REMOVE_FROM_GROUP: client.remove_privileges_from_group}.get(request.type)
        if change is None:  # rootcoord's text (after its checks of the group, which need a type here)
            raise bad_request(f"invalid operate privilege group type: got {request.type}, expected "
                              f"AddPrivilegesToGroup ({_ADD_TO_GROUP}) or RemovePrivilegesFromGroup "
                              f"({_REMOVE_FROM_GROUP})", code=65535)
        change(request.group_name, [p.name for p in request.privileges])
        return SUCCESS

    # -- RBAC meta backup (rbac/backup.py: the core's dict is RBACMeta with the proto's field names) ----
    @rpc
    def BackupRBAC(self, call: Call, request: milvus_pb2.BackupRBACMetaRequest) -> Any:
        meta = json_format.ParseDict(self._client(call).backup_rbac(), milvus_pb2.RBACMeta())
        return milvus_pb2.BackupRBACMetaResponse(status=SUCCESS, RBAC_meta=meta)

    @rpc
    def RestoreRBAC(self, call: Call, request: milvus_pb2.RestoreRBACMetaRequest) -> Any:
        """No meta, or an empty one, is a success (Milvus's proxy and rootcoord), after the privilege check."""
        self._client(call).restore_rbac(json_format.MessageToDict(request.RBAC_meta, preserving_proto_field_name=True))
        return SUCCESS
