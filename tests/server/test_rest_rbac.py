"""Milvus's REST v2 ``users/*``, ``roles/*`` and ``privilege_groups/*`` on ``pgmilvus serve --rest``.

Table-driven: bad bodies get gin's 1801 / 1802 with Milvus's struct names, the
core's refusals read as over gRPC (pymilvus on the same server), and what REST
creates, grants and describes is what pymilvus reads back over gRPC.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterator

import pytest

pytest.importorskip("grpc")
pytest.importorskip("pymilvus")
pytest.importorskip("requests")

from pymilvus import MilvusException  # noqa: E402

from tests.server.fix_rest import REQUIRED, UNMARSHAL, answers_as_over_grpc  # noqa: E402
from tests.server.fix_rest import post as _post  # noqa: E402
from tests.server.fix_rest import rest_module_address, rest_module_process  # noqa: E402,F401 - server: --rest

USER, ROLE, GROUP = "rest_user", "rest_role", "rest_group"
NO_CONTENT = {"code": 0, "data": {}}


@pytest.fixture
def cleanup(wire_client) -> Iterator[None]:
    """Drops what a test made (the server's wipe drops collections and databases, not users or roles)."""
    yield
    if USER in wire_client.list_users():
        wire_client.drop_user(USER)
    if ROLE in wire_client.list_roles():
        wire_client.drop_role(ROLE, force_drop=True)
    if GROUP in [g["privilege_group"] for g in wire_client.list_privilege_groups()]:
        wire_client.drop_privilege_group(GROUP)


@pytest.mark.parametrize("path, raw, code, message", [
    ("/users/describe", b"{}", 1802, REQUIRED.format("UserReq", "UserName")),
    ("/users/drop", b'{"userName": ""}', 1802, REQUIRED.format("UserReq", "UserName")),
    ("/users/create", b'{"userName": "u"}', 1802, REQUIRED.format("PasswordReq", "Password")),
    ("/users/create", b'{"userName": "u", "password": "p", "description": 3}', 1801,
     UNMARSHAL.format("number", "PasswordReq.description", "string")),
    ("/users/update_password", b'{"password": "p"}', 1802, REQUIRED.format("NewPasswordReq", "UserName")),
    ("/users/grant_role", b'{"userName": "u"}', 1802, REQUIRED.format("UserRoleReq", "RoleName")),
    ("/users/revoke_role", b'{"roleName": "r"}', 1802, REQUIRED.format("UserRoleReq", "UserName")),
    ("/users/list", b"[]", 1801, "can only accept json format request, error: json: cannot unmarshal array into Go "
                                 "value of type httpserver.DatabaseReq"),
    ("/roles/create", b"{}", 1802, REQUIRED.format("RoleReq", "RoleName")),
    ("/roles/describe", b'{"roleName": 1}', 1801, UNMARSHAL.format("number", "RoleReq.roleName", "string")),
    ("/roles/drop", b'{"dbName": "default"}', 1802, REQUIRED.format("RoleReq", "RoleName")),
    ("/roles/grant_privilege", b'{"roleName": "r", "objectType": "Global", "objectName": "*"}', 1802,
     REQUIRED.format("GrantReq", "Privilege")),
    ("/roles/revoke_privilege", b'{"roleName": "r"}', 1802, "\n".join(
        [REQUIRED.format("GrantReq", "ObjectType")] + [
            REQUIRED.format("GrantReq", name).replace("missing required parameters, error: ", "")
            for name in ("ObjectName", "Privilege")])),
    ("/roles/grant_privilege_v2", b'{"roleName": "r", "collectionName": "*"}', 1802,
     REQUIRED.format("GrantV2Req", "Privilege")),
    ("/roles/revoke_privilege_v2", b'{"privilege": "Search"}', 1802, REQUIRED.format("GrantV2Req", "RoleName")),
    ("/privilege_groups/create", b"{}", 1802, REQUIRED.format("PrivilegeGroupReq", "PrivilegeGroupName")),
    ("/privilege_groups/add_privileges_to_group", b'{"privilegeGroupName": "g", "privileges": [1]}', 1801,
     UNMARSHAL.format("number", "PrivilegeGroupReq.privileges", "string")),
])
def test_bad_bodies_answer_gins_codes(serve_address, path, raw, code, message) -> None:
    assert _post(serve_address, path, raw=raw) == {"code": code, "message": message}


#: (REST path, body, the same request through pymilvus)
CORE_REFUSALS: list[tuple[str, dict[str, Any], Callable[[Any], Any]]] = [
    ("/users/create", {"userName": USER, "password": "1234"}, lambda c: c.create_user(USER, "1234")),
    ("/users/create", {"userName": "1bad", "password": "12345678"}, lambda c: c.create_user("1bad", "12345678")),
    ("/users/update_password", {"userName": "nope_user", "password": "12345678", "newPassword": "1"},
     lambda c: c.update_password("nope_user", "12345678", "1")),
    ("/users/update_password", {"userName": "nope_user", "password": "12345678", "newPassword": "87654321"},
     lambda c: c.update_password("nope_user", "12345678", "87654321")),
    ("/users/grant_role", {"userName": "root", "roleName": "nope_role"}, lambda c: c.grant_role("root", "nope_role")),
    ("/roles/create", {"roleName": "public"}, lambda c: c.create_role("public")),
    ("/roles/drop", {"roleName": "admin"}, lambda c: c.drop_role("admin")),
    ("/roles/describe", {"roleName": "nope_role"}, lambda c: c.describe_role("nope_role")),
    ("/roles/grant_privilege", {"roleName": "public", "objectType": "Nope", "objectName": "*", "privilege": "Search"},
     lambda c: c.grant_privilege("public", "Nope", "Search", "*")),
    ("/roles/grant_privilege_v2", {"roleName": "public", "privilege": "Nope", "collectionName": "*"},
     lambda c: c.grant_privilege_v2("public", "Nope", "*")),
    ("/privilege_groups/create", {"privilegeGroupName": "1bad"}, lambda c: c.create_privilege_group("1bad")),
    ("/privilege_groups/add_privileges_to_group", {"privilegeGroupName": "nope_group", "privileges": ["Search"]},
     lambda c: c.add_privileges_to_group("nope_group", ["Search"])),
]


@pytest.mark.parametrize("path, body, grpc_call", CORE_REFUSALS, ids=[p + ":" + json.dumps(b) for p, b, _ in
                                                                     CORE_REFUSALS])
def test_core_refusals_read_as_over_grpc(wire_client, serve_address, path, body, grpc_call) -> None:
    answers_as_over_grpc(wire_client, serve_address, path, body, grpc_call)


def test_users(wire_client, serve_address, cleanup) -> None:
    created = _post(serve_address, "/users/create", {"userName": USER, "password": "12345678",
                                                     "description": "first"})
    assert created == NO_CONTENT
    listed = _post(serve_address, "/users/list", {})
    assert listed == {"code": 0, "data": wire_client.list_users()} and USER in listed["data"]
    assert wire_client.describe_user(USER)["description"] == "first"
    assert _post(serve_address, "/users/describe", {"userName": USER}) == {"code": 0, "data": [],
                                                                            "description": "first"}
    # a description alone, then a new password (the old one must be right) with a description
    assert _post(serve_address, "/users/update_password", {"userName": USER, "description": "second"}) == NO_CONTENT
    assert wire_client.describe_user(USER)["description"] == "second"
    wrong = _post(serve_address, "/users/update_password", {"userName": USER, "password": "nope_nope",
                                                            "newPassword": "87654321"})
    with pytest.raises(MilvusException) as grpc_error:
        wire_client.update_password(USER, "nope_nope", "87654321")
    assert wrong == {"code": grpc_error.value.code, "message": grpc_error.value.message}
    assert _post(serve_address, "/users/update_password", {
        "userName": USER, "password": "12345678", "newPassword": "87654321", "description": "third"}) == NO_CONTENT
    assert wire_client.describe_user(USER)["description"] == "third"
    assert _post(serve_address, "/users/drop", {"userName": USER}) == NO_CONTENT
    assert USER not in wire_client.list_users()
    assert _post(serve_address, "/users/describe", {"userName": USER}) == {"code": 0, "data": [], "description": ""}


def test_roles_and_grants(wire_client, serve_address, cleanup) -> None:
    wire_client.create_user(USER, "12345678")
    assert _post(serve_address, "/roles/create", {"roleName": ROLE, "description": "readers"}) == NO_CONTENT
    listed = _post(serve_address, "/roles/list", {})
    assert listed == {"code": 0, "data": wire_client.list_roles()} and ROLE in listed["data"]
    assert wire_client.describe_role(ROLE)["description"] == "readers"
    assert _post(serve_address, "/roles/alter", {"roleName": ROLE, "description": "writers"}) == NO_CONTENT
    assert _post(serve_address, "/roles/describe", {"roleName": ROLE}) == {"code": 0, "data": [],
                                                                            "description": "writers"}

    role_user = {"userName": USER, "roleName": ROLE}
    assert _post(serve_address, "/users/grant_role", role_user) == NO_CONTENT
    assert list(wire_client.describe_user(USER)["roles"]) == [ROLE]
    assert _post(serve_address, "/users/describe", {"userName": USER}) == {"code": 0, "data": [ROLE],
                                                                            "description": ""}

    grant = {"roleName": ROLE, "objectType": "Collection", "objectName": "*", "privilege": "Search"}
    assert _post(serve_address, "/roles/grant_privilege", grant) == NO_CONTENT
    v2 = {"roleName": ROLE, "privilege": "Query", "collectionName": "books", "dbName": "default"}
    assert _post(serve_address, "/roles/grant_privilege_v2", v2) == NO_CONTENT
    described = _post(serve_address, "/roles/describe", {"roleName": ROLE})
    grpc = wire_client.describe_role(ROLE)["privileges"]
    assert described["code"] == 0 and described["description"] == "writers"
    assert sorted(described["data"], key=lambda g: g["privilege"]) == sorted(
        ({"objectType": g["object_type"], "objectName": g["object_name"], "privilege": g["privilege"],
          "dbName": g["db_name"], "grantor": g["grantor_name"]} for g in grpc), key=lambda g: g["privilege"])
    assert {(g["objectName"], g["privilege"]) for g in described["data"]} == {("*", "Search"), ("books", "Query")}

    assert _post(serve_address, "/roles/revoke_privilege", grant) == NO_CONTENT
    assert _post(serve_address, "/roles/revoke_privilege_v2", v2) == NO_CONTENT
    assert wire_client.describe_role(ROLE)["privileges"] == []
    assert _post(serve_address, "/users/revoke_role", role_user) == NO_CONTENT
    assert list(wire_client.describe_user(USER)["roles"]) == []
    assert _post(serve_address, "/roles/drop", {"roleName": ROLE}) == NO_CONTENT
    assert ROLE not in wire_client.list_roles()


def test_grant_v2_to_every_database(wire_client, serve_address, cleanup) -> None:
    """dbName "*" is the grant's target, not a database to connect to (as the gRPC face's OperatePrivilegeV2)."""
    wire_client.create_role(ROLE)
    every = {"roleName": ROLE, "privilege": "Search", "collectionName": "*", "dbName": "*"}
    assert _post(serve_address, "/roles/grant_privilege_v2", every) == NO_CONTENT
    assert [(g["db_name"], g["privilege"]) for g in wire_client.describe_role(ROLE, db_name="*")["privileges"]] == [
        ("*", "Search")]
    assert _post(serve_address, "/roles/revoke_privilege_v2", every) == NO_CONTENT
    assert wire_client.describe_role(ROLE, db_name="*")["privileges"] == []


def test_privilege_groups(wire_client, serve_address, cleanup) -> None:
    group = {"privilegeGroupName": GROUP}
    assert _post(serve_address, "/privilege_groups/create", group) == NO_CONTENT
    assert _post(serve_address, "/privilege_groups/add_privileges_to_group",
                 {**group, "privileges": ["Search", "Query"]}) == NO_CONTENT
    listed = _post(serve_address, "/privilege_groups/list", {})
    assert listed["code"] == 0 and list(listed) == ["code", "data"]
    assert listed["data"]["privilegeGroups"] == [
        {"privilegeGroupName": g["privilege_group"], "privileges": ",".join(g["privileges"])}
        for g in wire_client.list_privilege_groups()]
    [mine] = [g for g in listed["data"]["privilegeGroups"] if g["privilegeGroupName"] == GROUP]
    assert sorted(mine["privileges"].split(",")) == ["Query", "Search"]
    assert _post(serve_address, "/privilege_groups/remove_privileges_from_group",
                 {**group, "privileges": ["Query"]}) == NO_CONTENT
    assert [list(g["privileges"]) for g in wire_client.list_privilege_groups() if g["privilege_group"] == GROUP] == [
        ["Search"]]
    assert _post(serve_address, "/privilege_groups/drop", group) == NO_CONTENT
    assert GROUP not in [g["privilege_group"] for g in wire_client.list_privilege_groups()]
