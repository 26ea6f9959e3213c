"""backup_rbac / restore_rbac (Milvus's BackupRBAC / RestoreRBAC, rbac/backup.py), in process.

On the TCP server (password auth), so a restored user really logs in with its old password.
Round trip: a populated RBAC state is backed up, dropped and restored, and every listing is what
it was; refusals carry rootcoord's code and text; a restore is all or nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from typing import Any, Iterator

import psycopg
import pytest
from psycopg import sql

from pgmilvus import AsyncMilvusClient, MilvusClient
from pgmilvus.errors import ErrorCode, MilvusException, ParamError
from tests.fix_db import new_database
from tests.test_rbac import PASSWORD, _cleanup, _connect, _name

DIM = 4


@pytest.fixture
def admin(server_db: str) -> Iterator[MilvusClient]:
    cli = MilvusClient(server_db)
    yield cli
    cli.close()
    _cleanup(server_db)


def _populate(admin: MilvusClient) -> dict[str, str]:
    """Two users (one with two roles), two roles, a custom group, grants in two databases."""
    names = {key: _name(key) for key in ("u1", "u2", "r1", "r2", "g", "c")}
    admin.create_collection(names["c"], dimension=DIM)
    admin.insert(names["c"], [{"id": i, "vector": [float(i + 1)] * DIM} for i in range(3)])
    admin.create_database("db2")
    admin.create_user(names["u1"], PASSWORD)
    admin.create_user(names["u2"], PASSWORD + "2", description="the second")
    admin.create_role(names["r1"], description="readers")
    admin.create_role(names["r2"])
    admin.grant_role(names["u1"], names["r1"])
    admin.grant_role(names["u1"], names["r2"])
    admin.grant_privilege(names["r1"], "Collection", "Search", names["c"])
    admin.grant_privilege_v2(names["r1"], "Insert", names["c"], db_name="db2")
    admin.grant_privilege_v2(names["r2"], "ClusterReadOnly", "*", db_name="*")
    admin.create_privilege_group(names["g"])
    admin.add_privileges_to_group(names["g"], ["Query", "GetStatistics"])
    admin.grant_privilege_v2(names["r1"], names["g"], names["c"])
    return names


def _listings(client: MilvusClient, names: dict[str, str]) -> dict[str, Any]:
    """What a user sees of the RBAC state (order aside: a restore creates everything at one instant)."""
    return {"users": sorted(client.list_users()), "roles": sorted(client.list_roles()),
            "user_roles": {u: client.describe_user(names[u]).get("roles") for u in ("u1", "u2")},
            "grants": {(r, db): client.describe_role(names[r], db_name=db)
                       for r in ("r1", "r2") for db in ("default", "db2", "*")},
            "groups": client.list_privilege_groups()}


def _drop_all(admin: MilvusClient, names: dict[str, str]) -> None:
    admin.revoke_privilege_v2(names["r1"], names["g"], names["c"])
    admin.drop_privilege_group(names["g"])
    for role in ("r1", "r2"):
        admin.drop_role(names[role], force_drop=True)
    for user in ("u1", "u2"):
        admin.drop_user(names[user])


def test_backup_is_rbac_meta_without_root_admin_and_public(admin):
    names = _populate(admin)
    meta = admin.backup_rbac()
    assert sorted(meta) == ["grants", "privilege_groups", "roles", "users"]
    assert [(u["user"], u["roles"]) for u in meta["users"]] == [
        (names["u1"], sorted([{"name": names["r1"]}, {"name": names["r2"]}], key=lambda r: r["name"])),
        (names["u2"], [])]
    assert all(u["password"].startswith("SCRAM-SHA-256$") for u in meta["users"])
    assert meta["roles"] == [{"name": names["r1"], "description": "readers"}, {"name": names["r2"], "description": ""}]
    grantor = admin.describe_role(names["r1"])["privileges"][0]["grantor_name"]

    def grant(role: str, object_type: str, object_name: str, db: str, privilege: str) -> dict[str, Any]:
        return {"role": {"name": names[role]}, "object": {"name": object_type}, "object_name": object_name,
                "db_name": db, "grantor": {"user": {"name": grantor}, "privilege": {"name": privilege}}}

    expected = [grant("r1", "Collection", names["c"], "db2", "Insert"),
                grant("r1", "Collection", names["c"], "default", "Search"),
                grant("r1", "Global", names["c"], "default", names["g"]),
                grant("r2", "Global", "*", "*", "ClusterReadOnly")]
    key = lambda g: (g["role"]["name"], g["db_name"], g["object"]["name"], g["object_name"])  # noqa: E731
    assert sorted(meta["grants"], key=key) == sorted(expected, key=key)
    assert meta["privilege_groups"] == [{"group_name": names["g"],
                                         "privileges": [{"name": "Query"}, {"name": "GetStatistics"}]}]


def test_backup_drop_restore_gives_back_every_listing_and_the_passwords(admin, server_db, opened):
    names = _populate(admin)
    before, meta = _listings(admin, names), admin.backup_rbac()
    _drop_all(admin, names)
    assert names["u1"] not in admin.list_users() and names["r1"] not in admin.list_roles()

    assert admin.restore_rbac(copy.deepcopy(meta)) is None
    after = _listings(admin, names)
    # a user's description is not in Milvus's RBACMeta (UserInfo: user, password, roles)
    assert after.pop("user_roles") == before.pop("user_roles")
    assert after == before
    assert admin.backup_rbac() == meta
    # the old password logs in, and PostgreSQL applies the restored grants (Search, and Query via the group)
    user = _connect(server_db, names["u1"], opened=opened)
    assert len(user.search(names["c"], data=[[1.0] * DIM], limit=2)[0]) == 2
    assert len(user.query(names["c"], filter="id >= 0")) == 3
    other = _connect(server_db, names["u2"], PASSWORD + "2", opened=opened)
    assert other.describe_collection(names["c"])["collection_name"] == names["c"]


def test_the_async_client_backs_up_and_restores_too(admin, server_db):
    role = _name("r")
    admin.create_role(role)
    meta = admin.backup_rbac()
    admin.drop_role(role)

    async def round_trip() -> dict[str, Any]:
        async with AsyncMilvusClient(server_db) as client:
            await client.restore_rbac(meta)
            return await client.backup_rbac()

    assert asyncio.run(round_trip()) == meta


def test_a_backup_restores_into_another_database(admin, tcp_dsn):
    """Roles, grants and groups copy to another pgmilvus database (users are PostgreSQL roles, one
    set per server: those exist there already and are left out)."""
    names = _populate(admin)
    meta = admin.backup_rbac()
    with contextlib.contextmanager(new_database)(tcp_dsn, "copy") as copy_dsn, MilvusClient(copy_dsn) as target:
        try:
            with pytest.raises(MilvusException) as excinfo:
                target.restore_rbac(meta)
            assert (excinfo.value.code, excinfo.value.message) == (
                ErrorCode.INVALID_PARAMETER, f"failed to check if rbac restorable: user [{names['u1']}] already "
                "exists: invalid parameter; a PostgreSQL role of that name exists and is not a pgmilvus user")
            target.restore_rbac({**meta, "users": []})
            assert target.describe_role(names["r1"]) == admin.describe_role(names["r1"])
            assert target.list_privilege_groups() == admin.list_privilege_groups()
        finally:
            _cleanup(copy_dsn)  # roles are the server's, not the database's


def test_an_empty_meta_restores_nothing(admin):
    roles = admin.list_roles()
    for meta in ({}, {"users": [], "roles": [], "grants": [], "privilege_groups": []}):
        assert admin.restore_rbac(meta) is None
    assert admin.list_roles() == roles


_BCRYPT = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"


def _refusal_cases() -> list:
    """(id, meta built from the existing names, the message after "failed to check if rbac restorable: ")."""
    return [
        ("role exists", lambda n: {"roles": [{"name": n["role"]}]},
         lambda n: f"role [{n['role']}] already exists: invalid parameter; drop_role(\"{n['role']}\") first, or "
                   "leave it out"),
        ("built-in role", lambda n: {"roles": [{"name": "admin"}]},
         lambda n: "role [admin] already exists: invalid parameter; drop_role(\"admin\") first, or leave it out"),
        ("group exists", lambda n: {"privilege_groups": [{"group_name": n["group"]}]},
         lambda n: f"privilege group [{n['group']}] already exists: invalid parameter; "
                   f"drop_privilege_group(\"{n['group']}\") first, or leave it out"),
        ("unknown privilege", lambda n: {"grants": [{"role": {"name": n["role"]}, "object": {"name": "Global"},
                                                     "object_name": "*", "db_name": "*",
                                                     "grantor": {"privilege": {"name": "Nope"}}}]},
         lambda n: "privilege [Nope] does not exist: invalid parameter"),
        ("unknown role of a user", lambda n: {"users": [{"user": n["new_user"], "roles": [{"name": "ghost"}]}]},
         lambda n: "role [ghost] does not exist: invalid parameter"),
        ("user exists", lambda n: {"users": [{"user": n["user"]}]},
         lambda n: f"user [{n['user']}] already exists: invalid parameter; drop_user(\"{n['user']}\") first, or "
                   "leave it out"),
        ("a Milvus bcrypt hash", lambda n: {"users": [{"user": n["new_user"], "password": _BCRYPT}]},
         lambda n: f"the password of user [{n['new_user']}] is not a PostgreSQL password verifier: invalid "
                   "parameter; pgmilvus restores the SCRAM-SHA-256 (or md5) verifier its backup_rbac gives; a "
                   "Milvus server's bcrypt hash can't be converted: create that user with create_user instead"),
    ]


@pytest.mark.parametrize("case, build, message", _refusal_cases(), ids=[c[0] for c in _refusal_cases()])
def test_restore_refusals(admin, case, build, message):
    names = {"role": _name("r"), "group": _name("g"), "user": _name("u"), "new_user": _name("u")}
    admin.create_role(names["role"])
    admin.create_privilege_group(names["group"])
    admin.create_user(names["user"], PASSWORD)
    before = admin.backup_rbac()
    with pytest.raises(MilvusException) as excinfo:
        admin.restore_rbac({"roles": [{"name": _name("fresh")}], **build(names)})
    assert (excinfo.value.code, excinfo.value.message) == (
        ErrorCode.INVALID_PARAMETER, f"failed to check if rbac restorable: {message(names)}")
    assert admin.backup_rbac() == before


@pytest.mark.parametrize("meta, message", [
    ("roles", "`meta` value 'roles' is illegal: the RBAC meta is a dict as backup_rbac returns it"),
    ({"roles": {"name": "r"}}, "`meta.roles` value {'name': 'r'} is illegal: a list is expected"),
    ({"users": [{"user": 7}]}, "`users[0].user` value 7 is illegal: a string is expected"),
    ({"grants": [{"role": "r"}]}, "`grants[0].role` value 'r' is illegal: the RBAC meta is a dict as backup_rbac "
                                  "returns it"),
])
def test_malformed_metas_are_refused_before_any_sql(admin, meta, message):
    with pytest.raises(ParamError) as excinfo:
        admin.restore_rbac(meta)
    assert (excinfo.value.code, excinfo.value.message) == (ErrorCode.UNEXPECTED_ERROR, message)


def test_names_are_checked_by_milvus_rules(admin):
    with pytest.raises(MilvusException) as excinfo:
        admin.restore_rbac({"roles": [{"name": "1r"}]})
    assert excinfo.value.message == "the first character of role name must be an underscore or letter: invalid " \
                                    "parameter"
    with pytest.raises(MilvusException) as excinfo:
        admin.restore_rbac({"grants": [{"role": {"name": "r"}, "object": {"name": "Table"}, "object_name": "*",
                                        "grantor": {"privilege": {"name": "Search"}}}]})
    assert (excinfo.value.code, excinfo.value.message) == (
        65535, "not found the object type[name: Table], supported the object types: ['Collection', 'Global', 'User']")


def test_a_restore_that_fails_while_writing_leaves_nothing(admin):
    """Checks pass (no role exists yet), then the second of two same-named roles fails to create:
    the first is rolled back with it."""
    role = _name("r")
    before = admin.list_roles()
    with pytest.raises(MilvusException) as excinfo:
        admin.restore_rbac({"roles": [{"name": role}, {"name": role}]})
    assert (excinfo.value.code, excinfo.value.message) == (65535, f'role [name:"{role}"] already exists')
    assert admin.list_roles() == before


def test_backup_and_restore_need_their_privileges(admin, server_db, opened):
    user = _name("u")
    admin.create_user(user, PASSWORD)
    cli = _connect(server_db, user, opened=opened)
    for call, privilege in ((cli.backup_rbac, "BackupRBAC"), (lambda: cli.restore_rbac({}), "RestoreRBAC")):
        with pytest.raises(MilvusException) as excinfo:
            call()
        assert excinfo.value.code == ErrorCode.PERMISSION_DENIED
        assert excinfo.value.message.startswith(f"Privilege{privilege}: permission deny to {user} in the `default` "
                                                "database: managing Milvus users and roles needs a PostgreSQL role "
                                                "with CREATEROLE")
    # a manager who is no superuser may not read the password verifiers: refused, not a backup without them
    with psycopg.connect(server_db, autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER ROLE {} CREATEROLE").format(sql.Identifier(user)))
    with pytest.raises(MilvusException) as excinfo:
        _connect(server_db, user, opened=opened).backup_rbac()
    assert (excinfo.value.code, excinfo.value.message) == (
        ErrorCode.PERMISSION_DENIED, f"PrivilegeBackupRBAC: permission deny to {user} in the `default` database: a "
        "backup holds the users' password verifiers, which PostgreSQL lets only a superuser read (pg_authid); "
        "connect as a superuser (the embedded server's user is one)")


def test_stored_verifiers_are_told_from_clear_passwords():
    from pgmilvus.rbac import roles

    verifier = roles.scram_verifier("Secret-123")
    assert roles.stored_verifier(verifier)
    assert roles.stored_verifier("md5" + "0" * 32)
    for value in ("Secret-123", _BCRYPT, verifier[:-4], verifier.replace("$4096:", "$x:"), "md5" + "0" * 31,
                  "md5" + "G" * 32, "SCRAM-SHA-256$4096:c2FsdA==$YQ==:YQ=="):
        assert not roles.stored_verifier(value), value
