"""``/v2/vectordb/{users,roles,privilege_groups}/*``, shaped as Milvus's handler_v2.go (listUsers ...
removePrivilegesFromGroup).

Each endpoint is the pgmilvus client call the gRPC face's rpc_rbac.py makes for the
RPC Milvus's handler sends (ListCredUsers, SelectUser, CreateCredential, ...), with
its conversions (update_credential, role_grants, operate_privilege_v2); passwords
arrive in plain text.  Answers: a list (wrapperReturnList), ``describe`` a list with
a ``description`` beside it, ``privilege_groups/list`` ``{"privilegeGroups": [...]}``,
the others Milvus's empty ``{}``.
"""

from __future__ import annotations

from typing import Any

from .. import rpc_rbac
from .binding import DATABASE, DB, Body, Field
from .face import RestCall, Route, ok, plain_call

_DB = DB
_USER, _ROLE = Field("userName", "UserName", required=True), Field("roleName", "RoleName", required=True)
_DESCRIPTION = Field("description", "Description", "*string")
_PRIVILEGE = Field("privilege", "Privilege", required=True)
USER = Body("UserReq", (_USER,))
PASSWORD = Body("PasswordReq", (_USER, Field("password", "Password", required=True), _DESCRIPTION))
NEW_PASSWORD = Body("NewPasswordReq", (_USER, Field("password", "Password"), Field("newPassword", "NewPassword"),
                                       _DESCRIPTION))
USER_ROLE = Body("UserRoleReq", (_USER, _ROLE))
ROLE = Body("RoleReq", (_DB, _ROLE, Field("description", "Description")))
GRANT = Body("GrantReq", (_ROLE, Field("objectType", "ObjectType", required=True),
                          Field("objectName", "ObjectName", required=True), _PRIVILEGE, _DB))
GRANT_V2 = Body("GrantV2Req", (_ROLE, _DB, Field("collectionName", "CollectionName"), _PRIVILEGE))
PRIVILEGE_GROUP = Body("PrivilegeGroupReq", (Field("privilegeGroupName", "PrivilegeGroupName", required=True),
                                             Field("privileges", "Privileges", "[]string")))


def list_users(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    return ok(call.client().list_users())


def describe_user(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    """SelectUser with its roles: the role names, the description beside them (none: [] and "")."""
    desc = call.client().describe_user(body["userName"]) or {}
    return ok(list(desc.get("roles", ())), description=desc.get("description") or "")


def create_user(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    call.client().create_user(body["userName"], body["password"], description=body["description"])
    return ok({})


def update_password(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    """updateUser: the passwords are sent only with a new password."""
    passwords = (body["password"], body["newPassword"]) if body["newPassword"] else ("", "")
    rpc_rbac.update_credential(call.backend, call.client(), body["userName"], *passwords, body["description"])
    return ok({})


def drop_user(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    rpc_rbac.delete_credential(call.backend, call.client(), body["userName"])
    return ok({})


def list_roles(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    return ok(call.client().list_roles())


def describe_role(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    """SelectRole's description, SelectGrant's grants in the call's database (handler_v2.go's keys)."""
    desc = call.client().describe_role(body["roleName"], db_name=call.db_name)
    return ok([{"objectType": g["object_type"], "objectName": g["object_name"], "privilege": g["privilege"],
                "dbName": g["db_name"], "grantor": g["grantor_name"]} for g in rpc_rbac.role_grants(desc)],
              description=desc.get("description") or "")


def create_role(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    call.client().create_role(body["roleName"], description=body["description"])
    return ok({})


def _privilege(grant: bool) -> Any:
    """addPrivilegeToRole / removePrivilegeFromRole: OperatePrivilege in the call's database."""
    def endpoint(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
        client = call.client()
        change = client.grant_privilege if grant else client.revoke_privilege
        change(body["roleName"], body["objectType"], body["privilege"], body["objectName"], db_name=call.db_name)
        return ok({})
    return endpoint


def _privilege_v2(grant: bool) -> Any:
    """grantV2 / revokeV2: OperatePrivilegeV2 with the body's dbName (the grant's target, maybe "*")."""
    def endpoint(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
        rpc_rbac.operate_privilege_v2(call.backend, call.db_name, call.caller, grant, body["roleName"],
                                      body["privilege"], body["collectionName"], body["dbName"])
        return ok({})
    return endpoint


def list_privilege_groups(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    """Each group's name and its privileges joined by commas."""
    return ok({"privilegeGroups": [
        {"privilegeGroupName": g["privilege_group"], "privileges": ",".join(g["privileges"])}
        for g in call.client().list_privilege_groups()]})


def _group_change(method: str) -> Any:
    """add_privileges_to_group / remove_privileges_from_group: OperatePrivilegeGroup (``privileges``: [] if none)."""
    def endpoint(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
        getattr(call.client(), method)(body["privilegeGroupName"], body["privileges"] or [])
        return ok({})
    return endpoint


ROUTES = {
    "users/list": Route(DATABASE, list_users),
    "users/describe": Route(USER, describe_user),
    "users/create": Route(PASSWORD, create_user),
    "users/update_password": Route(NEW_PASSWORD, update_password),
    "users/drop": Route(USER, drop_user),
    "users/grant_role": Route(USER_ROLE, plain_call("grant_role", "userName", "roleName")),
    "users/revoke_role": Route(USER_ROLE, plain_call("revoke_role", "userName", "roleName")),
    "roles/list": Route(DATABASE, list_roles),
    "roles/describe": Route(ROLE, describe_role),
    "roles/create": Route(ROLE, create_role),
    "roles/alter": Route(ROLE, plain_call("alter_role", "roleName", "description")),
    "roles/drop": Route(ROLE, plain_call("drop_role", "roleName")),
    "roles/grant_privilege": Route(GRANT, _privilege(True)),
    "roles/revoke_privilege": Route(GRANT, _privilege(False)),
    "roles/grant_privilege_v2": Route(GRANT_V2, _privilege_v2(True)),
    "roles/revoke_privilege_v2": Route(GRANT_V2, _privilege_v2(False)),
    "privilege_groups/create": Route(PRIVILEGE_GROUP, plain_call("create_privilege_group", "privilegeGroupName")),
    "privilege_groups/drop": Route(PRIVILEGE_GROUP, plain_call("drop_privilege_group", "privilegeGroupName")),
    "privilege_groups/list": Route(DATABASE, list_privilege_groups),
    "privilege_groups/add_privileges_to_group": Route(PRIVILEGE_GROUP, _group_change("add_privileges_to_group")),
    "privilege_groups/remove_privileges_from_group": Route(PRIVILEGE_GROUP,
                                                           _group_change("remove_privileges_from_group")),
}
