"""Access control: Milvus users/roles/privileges are PostgreSQL roles and GRANTs.

Runs against the TCP server (password auth), where a user really logs in with
its own password. Each test proves two things for a refusal: the MilvusClient
call raises Milvus's permission error (not a psycopg error), and PostgreSQL
itself refuses the same statement sent with plain psycopg as that user, so the
rule holds whoever the client is.
"""

from __future__ import annotations

import uuid
from typing import Iterator

import psycopg
import pytest
from psycopg import errors as pge
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from pgmilvus import DataType, MilvusClient
from pgmilvus.pg import sqlfiles
from pgmilvus.pg.connection import dsn_with
from pgmilvus.errors import ErrorCode, MilvusException, ParamError

PASSWORD = "s3cret-Pass"
DIM = 4


def _bare(dsn: str) -> str:
    """The server URI without credentials, as a user would write it."""
    params = conninfo_to_dict(dsn)
    return f"postgresql://{params['host']}:{params['port']}/{params['dbname']}"


def _name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def _cleanup(dsn: str) -> None:
    """Roles are cluster-wide: drop what the test created before its database goes."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('pgmilvus_catalog.rbac_users')").fetchone()[0] is None:
            return
        users = [r[0] for r in conn.execute("SELECT name FROM pgmilvus_catalog.rbac_users")]
        roles = [r[0] for r in conn.execute("SELECT pg_role FROM pgmilvus_catalog.rbac_roles")]
        for name in users + roles:
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone():
                conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
                conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


@pytest.fixture
def admin_dsn(server_db: str) -> Iterator[str]:
    yield server_db
    _cleanup(server_db)


@pytest.fixture
def admin(admin_dsn: str) -> Iterator[MilvusClient]:
    cli = MilvusClient(admin_dsn)
    yield cli
    cli.close()


def _collection(admin: MilvusClient, dsn: str, name: str, rows: int = 5) -> None:
    admin.create_collection(name, dimension=DIM)
    with psycopg.connect(dsn, autocommit=True) as conn:
        for i in range(rows):
            conn.execute(sql.SQL("INSERT INTO {} (id, vector) VALUES (%s, %s::vector)").format(
                sql.Identifier("default", name)), (i, str([float(i + 1)] * DIM)))


def _user_with_role(admin: MilvusClient) -> tuple[str, str]:
    user, role = _name("u"), _name("r")
    admin.create_user(user, PASSWORD)
    admin.create_role(role)
    admin.grant_role(user, role)
    return user, role


def _connect(dsn: str, user: str, secret: str = PASSWORD, opened: list | None = None) -> MilvusClient:
    cli = MilvusClient(_bare(dsn), user=user, password=secret)
    if opened is not None:
        opened.append(cli)
    return cli


def _denied(excinfo: pytest.ExceptionInfo, privilege: str, user: str, db: str = "default") -> None:
    err = excinfo.value
    assert isinstance(err, MilvusException) and not isinstance(err, psycopg.Error)
    assert err.code == ErrorCode.PERMISSION_DENIED
    assert err.message == f"Privilege{privilege}: permission deny to {user} in the `{db}` database"


# -- enforcement ---------------------------------------------------------------------------------------

def test_granted_calls_work_and_the_rest_is_refused_by_postgres(admin, admin_dsn, opened):
    allowed, other = _name("c"), _name("c")
    _collection(admin, admin_dsn, allowed)
    _collection(admin, admin_dsn, other)
    user, role = _user_with_role(admin)
    admin.grant_privilege(role, "Collection", "Search", allowed)
    admin.grant_privilege(role, "Collection", "Query", allowed)

    cli = _connect(admin_dsn, user, opened=opened)
    assert sorted(r["id"] for r in cli.query(allowed, filter="id >= 0", output_fields=["id"])) == [0, 1, 2, 3, 4]
    hits = cli.search(allowed, data=[[1.0] * DIM], limit=2)
    assert len(hits[0]) == 2
    assert cli.describe_collection(allowed)["collection_name"] == allowed  # catalog metadata is public

    with pytest.raises(MilvusException) as excinfo:
        cli.insert(allowed, [{"id": 100, "vector": [0.5] * DIM}])
    _denied(excinfo, "Insert", user)
    with pytest.raises(MilvusException) as excinfo:
        cli.query(other, filter="id >= 0")
    _denied(excinfo, "Query", user)
    with pytest.raises(MilvusException) as excinfo:
        cli.drop_collection(allowed)
    _denied(excinfo, "DropCollection", user)
    assert admin.has_collection(allowed) and admin.query(allowed, filter="id == 100") == []

    # the same statements sent by plain psycopg as that user: PostgreSQL refuses them itself
    with psycopg.connect(dsn_with(admin_dsn, user=user, password=PASSWORD), autocommit=True) as conn:
        table = sql.Identifier("default", allowed)
        assert conn.execute(sql.SQL("SELECT count(*) FROM {}").format(table)).fetchone()[0] == 5
        with pytest.raises(pge.InsufficientPrivilege):
            conn.execute(sql.SQL("INSERT INTO {} (id, vector) VALUES (100, '[1,1,1,1]')").format(table))
        with pytest.raises(pge.InsufficientPrivilege):
            conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("default", other)))
        with pytest.raises(pge.InsufficientPrivilege):
            conn.execute(sql.SQL("DROP TABLE {}").format(table))
        with pytest.raises(pge.InsufficientPrivilege):
            conn.execute("SELECT * FROM pgmilvus_catalog.rbac_grants")


def test_token_login_and_insert_grant(admin, admin_dsn, opened):
    coll = _name("c")
    _collection(admin, admin_dsn, coll)
    user, role = _user_with_role(admin)
    admin.grant_privilege(role, "Collection", "Insert", coll)
    cli = MilvusClient(_bare(admin_dsn), token=f"{user}:{PASSWORD}")
    opened.append(cli)
    cli.insert(coll, [{"id": 100, "vector": [0.5] * DIM}])
    assert admin.get(coll, ids=[100], output_fields=["id"])[0]["id"] == 100
    with pytest.raises(MilvusException) as excinfo:
        cli.query(coll, filter="id >= 0")
    _denied(excinfo, "Query", user)
    # keys stored in a sealed segment are refused though the user may not read them
    admin.flush(coll)
    with pytest.raises(MilvusException, match=r"primary key 3 \(row 1\) already exists in collection"):
        cli.insert(coll, [{"id": 101, "vector": [0.5] * DIM}, {"id": 3, "vector": [0.5] * DIM}])
    assert admin.query(coll, filter="id >= 100", output_fields=["id"]) == [{"id": 100}]
    # the growing segment flush() made has the collection's grants (rbac.copy_grants)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        grants = conn.execute(
            "SELECT c.relname = %s, array_agg(a.privilege_type ORDER BY a.privilege_type)"
            " FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace"
            " CROSS JOIN LATERAL aclexplode(c.relacl) AS a JOIN pgmilvus_catalog.rbac_roles AS r"
            " ON r.pg_role = pg_get_userbyid(a.grantee) WHERE n.nspname = 'default' AND r.name = %s"
            " AND (c.relname = %s OR c.relname = (SELECT table_name FROM pgmilvus_catalog.segments"
            " WHERE state = 'growing' AND collection_id = (SELECT id FROM pgmilvus_catalog.collections"
            " WHERE name = %s))) GROUP BY 1 ORDER BY 1", (coll, role, coll, coll)).fetchall()
    assert [privileges for _, privileges in grants] == [["INSERT"], ["INSERT"]], grants
    cli.insert(coll, [{"id": 102, "vector": [0.5] * DIM}])
    assert admin.query(coll, filter="id >= 100", output_fields=["id"]) == [{"id": 100}, {"id": 102}]
    # and the catalog's function answers nothing about tables the caller may not insert into
    with psycopg.connect(dsn_with(admin_dsn, user=user, password=PASSWORD), autocommit=True) as conn:
        with pytest.raises(pge.InsufficientPrivilege):
            conn.execute("SELECT * FROM pgmilvus_catalog.existing_keys('pgmilvus_catalog.rbac_grants', "
                         "ARRAY[1::bigint], 5)")


def test_insert_only_user_reuses_the_key_of_an_expired_entity(admin, admin_dsn, opened):
    """A collection TTL (catalog/ttl.py): the expired rows of the inserted keys go through the
    catalog's drop_expired, which a user with Insert (no Delete, no Query) may call for its table;
    it deletes expired rows only, whatever the caller passes."""
    coll = _name("c")
    admin.create_collection(coll, dimension=DIM, properties={"collection.ttl.seconds": 100})
    admin.insert(coll, [{"id": i, "vector": [float(i + 1)] * DIM} for i in range(3)])
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("""UPDATE {} SET "$ts" = now() - interval '101 seconds' WHERE id = 0""").format(
            sql.Identifier("default", coll)))
    user, role = _user_with_role(admin)
    admin.grant_privilege(role, "Collection", "Insert", coll)
    cli = _connect(admin_dsn, user, opened=opened)
    assert cli.insert(coll, [{"id": 0, "vector": [9.0] * DIM}])["insert_count"] == 1
    with pytest.raises(MilvusException, match=r"primary key 1 \(row 0\) already exists"):
        cli.insert(coll, [{"id": 1, "vector": [9.0] * DIM}])
    assert [r["vector"][0] for r in admin.query(coll, filter="id >= 0", output_fields=["vector"])] == [9.0, 2.0, 3.0]
    with psycopg.connect(dsn_with(admin_dsn, user=user, password=PASSWORD), autocommit=True) as conn:
        table = sql.Identifier("default", coll).as_string(conn)
        assert conn.execute("SELECT pgmilvus_catalog.drop_expired(%s::regclass, ARRAY[1, 2]::bigint[])",
                            (table,)).fetchone()[0] == 0   # live rows stay
        with pytest.raises(pge.InsufficientPrivilege):
            conn.execute("SELECT pgmilvus_catalog.drop_expired('pgmilvus_catalog.rbac_grants', NULL::bigint[])")
    assert admin.query(coll, output_fields=["count(*)"])[0]["count(*)"] == 3


def test_revoke_keeps_what_another_grant_still_needs(admin, admin_dsn, opened):
    coll = _name("c")
    _collection(admin, admin_dsn, coll)
    user, role = _user_with_role(admin)
    admin.grant_privilege(role, "Collection", "Search", coll)
    admin.grant_privilege(role, "Collection", "Query", coll)
    cli = _connect(admin_dsn, user, opened=opened)
    admin.revoke_privilege(role, "Collection", "Search", coll)  # both need SELECT: Query keeps it
    assert len(cli.query(coll, filter="id >= 0")) == 5
    admin.revoke_privilege(role, "Collection", "Query", coll)
    with pytest.raises(MilvusException) as excinfo:
        cli.query(coll, filter="id >= 0")
    _denied(excinfo, "Query", user)
    admin.revoke_privilege(role, "Collection", "Query", coll)  # revoking twice is fine, like Milvus


def test_wildcard_grant_covers_later_collections(admin, admin_dsn, opened):
    first, later = _name("c"), _name("c")
    _collection(admin, admin_dsn, first)
    user, role = _user_with_role(admin)
    admin.grant_privilege(role, "Collection", "Query", "*")
    _collection(admin, admin_dsn, later, rows=3)
    cli = _connect(admin_dsn, user, opened=opened)
    assert len(cli.query(first, filter="id >= 0")) == 5
    assert len(cli.query(later, filter="id >= 0")) == 3
    with pytest.raises(MilvusException) as excinfo:
        cli.delete(later, ids=[0])
    _denied(excinfo, "Delete", user)


def test_privilege_groups_v2(admin, admin_dsn, opened):
    coll = _name("c")
    _collection(admin, admin_dsn, coll)
    user, role = _user_with_role(admin)
    admin.grant_privilege_v2(role, "CollectionReadOnly", coll)
    cli = _connect(admin_dsn, user, opened=opened)
    assert len(cli.query(coll, filter="id >= 0")) == 5
    with pytest.raises(MilvusException) as excinfo:
        cli.insert(coll, [{"id": 100, "vector": [0.5] * DIM}])
    _denied(excinfo, "Insert", user)
    admin.grant_privilege_v2(role, "CollectionReadWrite", coll, db_name="default")
    cli.insert(coll, [{"id": 100, "vector": [0.5] * DIM}])
    cli.delete(coll, ids=[100])
    privileges = {p["privilege"] for p in admin.describe_role(role)["privileges"]}
    assert privileges == {"CollectionReadOnly", "CollectionReadWrite"}
    admin.revoke_privilege_v2(role, "CollectionReadWrite", coll)
    admin.revoke_privilege_v2(role, "CollectionReadOnly", coll)
    with pytest.raises(MilvusException):
        cli.query(coll, filter="id >= 0")


def test_public_role_reaches_every_user(admin, admin_dsn, opened):
    coll = _name("c")
    _collection(admin, admin_dsn, coll)
    user = _name("u")
    admin.create_user(user, PASSWORD)
    cli = _connect(admin_dsn, user, opened=opened)
    with pytest.raises(MilvusException):
        cli.query(coll, filter="id >= 0")
    admin.grant_privilege("public", "Collection", "Query", coll)
    assert len(cli.query(coll, filter="id >= 0")) == 5


def test_admin_role_reads_and_writes_every_collection(admin, admin_dsn, opened):
    coll = _name("c")
    _collection(admin, admin_dsn, coll)
    user = _name("u")
    admin.create_user(user, PASSWORD)
    admin.grant_role(user, "admin")
    cli = _connect(admin_dsn, user, opened=opened)
    cli.insert(coll, [{"id": 100, "vector": [0.5] * DIM}])
    assert len(cli.query(coll, filter="id >= 0")) == 6


@pytest.mark.parametrize("privilege", ["All", "CreateCollection"])
def test_a_user_granted_create_collection_creates_one(admin, admin_dsn, opened, privilege):
    """Milvus's REST user e2e grants Global All, then creates a collection as the user: a new
    collection (and partition) starts a growing segment, drawing its id from the catalog's sequence."""
    user, role = _user_with_role(admin)
    admin.grant_privilege(role, "Global", privilege, "*")
    admin.grant_privilege(role, "Collection", "CreatePartition", "*")
    cli = MilvusClient(_bare(admin_dsn), token=f"{user}:{PASSWORD}")
    opened.append(cli)
    coll = _name("own")
    cli.create_collection(coll, dimension=DIM)
    cli.create_partition(coll, "p1")
    assert admin.list_partitions(coll) == ["_default", "p1"]
    if privilege == "All":
        cli.insert(coll, [{"id": 1, "vector": [0.5] * DIM}], partition_name="p1")
        assert admin.get(coll, ids=[1], output_fields=["id"]) == [{"id": 1}]


# -- list / describe shapes -------------------------------------------------------------------------------

def test_list_and_describe_shapes(admin, admin_dsn):
    coll = _name("c")
    _collection(admin, admin_dsn, coll, rows=0)
    user, role = _user_with_role(admin)
    admin.grant_privilege(role, "Collection", "Search", coll)
    admin.grant_privilege(role, "Global", "CreateCollection", "*")

    assert user in admin.list_users()
    assert admin.describe_user(user) == {"user_name": user, "roles": (role,), "description": ""}
    assert admin.describe_user(_name("nobody")) == {}
    roles = admin.list_roles()
    assert roles[:2] == ["admin", "public"] and role in roles
    described = admin.describe_role(role)
    assert described == {"role": role, "description": "", "privileges": [
        {"object_type": "Collection", "object_name": coll, "db_name": "default", "role_name": role,
         "privilege": "Search", "grantor_name": "pgm"},
        {"object_type": "Global", "object_name": "*", "db_name": "default", "role_name": role,
         "privilege": "CreateCollection", "grantor_name": "pgm"},
    ]}
    assert list(described["privileges"][0]) == ["object_type", "object_name", "db_name", "role_name",
                                                 "privilege", "grantor_name"]
    admin.grant_privilege(role, "Collection", "Search", coll)  # granting twice is a no-op
    assert len(admin.describe_role(role)["privileges"]) == 2
    assert admin.describe_role("admin")["privileges"] == []


def test_describe_role_gives_the_grants_that_apply_in_a_database(admin, admin_dsn):
    """rootcoord's ListGrant: a database's grants plus those of every database (``*``); ``*`` asks for
    the grants of all databases (the Node SDK's listGrants)."""
    db = _name("db")
    admin.create_database(db)
    user, role = _user_with_role(admin)
    admin.grant_privilege_v2(role, "Query", "*", db_name="default")
    admin.grant_privilege_v2(role, "Search", "*", db_name=db)
    admin.grant_privilege_v2(role, "Insert", "*", db_name="*")
    for db_name, expected in [("default", {("default", "Query"), ("*", "Insert")}),
                              (db, {(db, "Search"), ("*", "Insert")}),
                              ("*", {("default", "Query"), (db, "Search"), ("*", "Insert")})]:
        got = {(p["db_name"], p["privilege"]) for p in admin.describe_role(role, db_name=db_name)["privileges"]}
        assert got == expected, db_name


def test_postgres_objects_behind_users_and_roles(admin, admin_dsn):
    user, role = _user_with_role(admin)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        login, stored = conn.execute("SELECT rolcanlogin, rolpassword FROM pg_authid WHERE rolname = %s",
                                     (user,)).fetchone()
        assert login and stored.startswith("SCRAM-SHA-256$")
        pg_role = conn.execute("SELECT pg_role FROM pgmilvus_catalog.rbac_roles WHERE name = %s",
                               (role,)).fetchone()[0]
        assert pg_role.startswith("milvus_role$")
        assert conn.execute("SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = %s", (pg_role,)).fetchone()[0]
        assert conn.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", (user, pg_role)).fetchone()[0]


# -- passwords ------------------------------------------------------------------------------------------

def test_update_password(admin, admin_dsn, opened):
    user = _name("u")
    admin.create_user(user, PASSWORD)
    admin.update_password(user, PASSWORD, "n3w-Password")
    with pytest.raises(MilvusException):
        _connect(admin_dsn, user, PASSWORD, opened)
    cli = _connect(admin_dsn, user, "n3w-Password", opened)
    with pytest.raises(MilvusException) as excinfo:
        admin.update_password(user, "wrong-password", "other-Password")
    assert excinfo.value.code == 1400
    assert excinfo.value.message == f"old password not correct for {user}: not authenticated"
    # a user changes their own password without CREATEROLE, and keeps working with reset_connection
    cli.update_password(user, "n3w-Password", "th1rd-Password", reset_connection=True)
    assert cli.list_collections() == []
    _connect(admin_dsn, user, "th1rd-Password", opened)
    with pytest.raises(MilvusException) as excinfo:
        admin.update_password(_name("ghost"), PASSWORD, "other-Password")
    assert excinfo.value.code == 1400


# -- drop -----------------------------------------------------------------------------------------------

def test_drop_user_and_role(admin, admin_dsn):
    coll = _name("c")
    _collection(admin, admin_dsn, coll, rows=0)
    user, role = _user_with_role(admin)
    admin.grant_privilege(role, "Collection", "Query", coll)
    admin.drop_user(user)
    admin.drop_user(user)  # unknown user: no error, like Milvus
    assert user not in admin.list_users()
    with pytest.raises(MilvusException) as excinfo:
        admin.drop_role(role)
    assert excinfo.value.code == ErrorCode.SERVER_ERROR and "has privileges" in excinfo.value.message
    admin.drop_role(role, force_drop=True)
    assert role not in admin.list_roles()
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s", (user,)).fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname LIKE %s",
                            (f"%${role}",)).fetchone()[0] == 0
    admin.create_role(role)  # the name is free again
    admin.drop_role(role)


def test_drop_never_touches_foreign_postgres_roles(admin, admin_dsn):
    admin.drop_user("pgm")  # the connected superuser is not a pgmilvus user: nothing happens
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname = 'pgm'").fetchone()[0] == 1


# -- error paths ----------------------------------------------------------------------------------------

def test_duplicates_and_unknowns(admin):
    user, role = _user_with_role(admin)
    with pytest.raises(MilvusException) as excinfo:
        admin.create_user(user, PASSWORD)
    assert (excinfo.value.code, excinfo.value.message) == (65535, f"user already exists: {user}")
    with pytest.raises(MilvusException) as excinfo:
        admin.create_user("pgm", PASSWORD)
    assert excinfo.value.message.startswith("user already exists: pgm")
    with pytest.raises(MilvusException) as excinfo:
        admin.create_role(role)
    assert excinfo.value.message == f'role [name:"{role}"] already exists'
    not_found_role = "not found the role, maybe the role isn't existed or internal system error"
    for call in (lambda: admin.grant_role(user, "nosuchrole"), lambda: admin.drop_role("nosuchrole"),
                 lambda: admin.describe_role("nosuchrole"),
                 lambda: admin.grant_privilege("nosuchrole", "Collection", "Query", "*")):
        with pytest.raises(MilvusException) as excinfo:
            call()
        assert (excinfo.value.code, excinfo.value.message) == (65535, not_found_role)
    with pytest.raises(MilvusException) as excinfo:
        admin.grant_role("nosuchuser", role)
    assert "not found the user" in excinfo.value.message
    for builtin in ("admin", "public"):
        with pytest.raises(MilvusException) as excinfo:
            admin.drop_role(builtin)
        assert excinfo.value.message == f"the role[{builtin}] is a default role, which can't be dropped"


@pytest.mark.parametrize("bad", ["", "0", "n@me", "h h", "a" * 33, "x'; DROP TABLE t; --", "pg_user1", "é"])
def test_bad_user_names(admin, bad):
    with pytest.raises(MilvusException) as excinfo:
        admin.create_user(bad, PASSWORD)
    assert excinfo.value.code == ErrorCode.INVALID_PARAMETER and "invalid parameter" in excinfo.value.message


@pytest.mark.parametrize("bad", [1, None, [], {}])
def test_bad_user_types(admin, bad):
    with pytest.raises(ParamError) as excinfo:
        admin.create_user(bad, PASSWORD)
    assert excinfo.value.code == 1 and excinfo.value.message == f"`user` value {bad} is illegal"


@pytest.mark.parametrize("bad", ["", "0", "p@ss", "h h", "1+1=2", "x" * 257])
def test_bad_passwords(admin, bad):
    with pytest.raises(MilvusException) as excinfo:
        admin.create_user(_name("u"), bad)
    assert excinfo.value.code == ErrorCode.INVALID_PARAMETER
    assert excinfo.value.message.startswith("invalid password")


@pytest.mark.parametrize("bad, code", [("", 1), (None, 1), ("1role", 1100), ("ro le", 1100),
                                       ('r"; DROP ROLE x; --', 1100), ("r" * 256, 1100)])
def test_bad_role_names(admin, bad, code):
    with pytest.raises(MilvusException) as excinfo:
        admin.create_role(bad)
    assert excinfo.value.code == code


@pytest.mark.parametrize("object_type, privilege, message", [
    ("Collection", "Fly", "not found the privilege name[Fly]"),
    ("Table", "Query", "not found the object type[name: Table]"),
    ("Global", "Query", "not found the privilege name[Query] in object[Global]"),
])
def test_bad_privileges(admin, object_type, privilege, message):
    role = _name("r")
    admin.create_role(role)
    with pytest.raises(MilvusException) as excinfo:
        admin.grant_privilege(role, object_type, privilege, "*")
    assert excinfo.value.code == 65535 and excinfo.value.message.startswith(message)
    admin.drop_role(role)


def test_unknown_database_in_grant(admin):
    role = _name("r")
    admin.create_role(role)
    with pytest.raises(MilvusException) as excinfo:
        admin.grant_privilege(role, "Collection", "Query", "*", db_name="nosuchdb")
    assert excinfo.value.code == ErrorCode.DATABASE_NOT_FOUND


def test_managing_access_needs_createrole(admin, admin_dsn, opened):
    user = _name("u")
    admin.create_user(user, PASSWORD)
    cli = _connect(admin_dsn, user, opened=opened)
    with pytest.raises(MilvusException) as excinfo:
        cli.create_user(_name("u"), PASSWORD)
    assert excinfo.value.code == ErrorCode.PERMISSION_DENIED
    assert excinfo.value.message.startswith(f"PrivilegeCreateOwnership: permission deny to {user} in the "
                                            "`default` database")
    assert "CREATEROLE" in excinfo.value.message
    with pytest.raises(MilvusException) as excinfo:
        cli.list_users()  # the rbac_* catalog tables are private to managers
    _denied(excinfo, "SelectOwnership", user)


def test_select_ownership_reads_users_and_roles(admin, admin_dsn, opened):
    """Global SelectOwnership lets a user list users and roles and describe a role (milvus.proto:
    ListCredUsers and SelectRole), SelectUser describe a user; without them: 1401."""
    user, role = _user_with_role(admin)
    cli = _connect(admin_dsn, user, opened=opened)
    for call, privilege in ((cli.list_users, "SelectOwnership"), (cli.list_roles, "SelectOwnership"),
                            (lambda: cli.describe_user(user), "SelectUser")):
        with pytest.raises(MilvusException) as excinfo:
            call()
        _denied(excinfo, privilege, user)
    admin.grant_privilege(role, "Global", "SelectOwnership", "*")
    admin.grant_privilege(role, "User", "SelectUser", "*")
    assert user in cli.list_users() and role in cli.list_roles()
    assert cli.describe_role(role) == admin.describe_role(role)
    assert cli.describe_user(user) == admin.describe_user(user)


# -- pure helpers ---------------------------------------------------------------------------------------

def test_scram_verifier_checks_like_postgres():
    from pgmilvus.rbac import roles as rbac

    stored = rbac.scram_verifier("pencil", salt=b"0123456789abcdef")
    assert rbac._stored_password_matches(stored, "u", "pencil")
    assert not rbac._stored_password_matches(stored, "u", "pencil2")
    assert not rbac._stored_password_matches(None, "u", "pencil")


def test_sync_collection_grants_new_partitions(admin, admin_dsn):
    from pgmilvus.rbac import roles as rbac

    coll = _name("c")
    _collection(admin, admin_dsn, coll, rows=0)
    user, role = _user_with_role(admin)
    admin.grant_privilege(role, "Collection", "Query", coll)
    admin.create_partition(coll, "p1")  # a new child table: PostgreSQL doesn't copy the parent's ACL
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        child = conn.execute("SELECT p.table_name FROM pgmilvus_catalog.partitions p JOIN "
                             "pgmilvus_catalog.collections c ON c.id = p.collection_id "
                             "WHERE c.name = %s AND p.name = 'p1'", (coll,)).fetchone()[0]
        rbac.sync_collection(conn, "default", coll)
        assert conn.execute("SELECT has_table_privilege(%s, %s, 'SELECT')",
                            (user, f'"default"."{child}"')).fetchone()[0]


def test_every_public_method_names_its_privilege_or_needs_none():
    """A refusal names Milvus's privilege for the call (milvus.proto's privilege_ext_obj of its
    request); the few calls Milvus checks nothing for are listed as such."""
    import inspect

    from pgmilvus.rbac.privileges import METHOD_PRIVILEGES, UNCHECKED_METHODS

    public = {n for n, m in vars(MilvusClient).items() if not n.startswith("_") and inspect.isfunction(m)
              and not getattr(m, "pgmilvus_refused", False)}  # client/unsupported.py: refusals send nothing
    assert public - set(METHOD_PRIVILEGES) == UNCHECKED_METHODS & public
    assert {n: METHOD_PRIVILEGES[n] for n in ("add_collection_field", "alter_collection_field",
                                              "drop_collection_field", "alter_index_properties",
                                              "drop_index_properties", "alter_collection_properties")} == {
        "add_collection_field": "AddCollectionField", "alter_collection_field": "CreateCollection",
        "drop_collection_field": "AlterCollectionSchema", "alter_index_properties": "CreateIndex",
        "drop_index_properties": "CreateIndex", "alter_collection_properties": "CreateCollection"}


def test_schema_change_refused_names_the_privilege(admin, admin_dsn, opened):
    name = _name("c")
    _collection(admin, admin_dsn, name)
    user, _ = _user_with_role(admin)
    cli = _connect(admin_dsn, user, opened=opened)
    with pytest.raises(MilvusException) as excinfo:
        cli.add_collection_field(name, "extra", DataType.INT64, nullable=True)
    _denied(excinfo, "AddCollectionField", user)
    with pytest.raises(MilvusException) as excinfo:
        cli.alter_collection_properties(name, {"mmap.enabled": True})
    _denied(excinfo, "CreateCollection", user)
    assert "extra" not in [f["name"] for f in admin.describe_collection(name)["fields"]]


# -- custom privilege groups (rbac/groups.py) -----------------------------------------------------------

def _groups(dsn: str) -> list[tuple]:
    """The catalog's groups and grants, to show a refused call changed nothing."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute("SELECT name, privileges FROM pgmilvus_catalog.rbac_privilege_groups ORDER BY 1"
                            ).fetchall() + conn.execute("SELECT role_name, privilege, object_name FROM "
                                                        "pgmilvus_catalog.rbac_grants ORDER BY 1, 2, 3").fetchall()


# (call on client c, with group g holding Insert and granted to role r; exception class, code, message start)
GROUP_CASES = [
    ("create_int", lambda c, g, r: c.create_privilege_group(1), ParamError, 1, "`privilege_group` value 1 is"),
    ("create_float", lambda c, g, r: c.create_privilege_group(1.0), ParamError, 1, "`privilege_group` value 1.0 is"),
    ("create_empty", lambda c, g, r: c.create_privilege_group(""), ParamError, 1, "`privilege_group` value  is illegal"),
    ("create_dash", lambda c, g, r: c.create_privilege_group("test-role"), MilvusException, 1100,
     "privilege group name test-role can only contain numbers, letters and underscores: invalid parameter"),
    ("create_space", lambda c, g, r: c.create_privilege_group("ff ff"), MilvusException, 1100,
     "privilege group name ff ff can only contain numbers, letters and underscores: invalid parameter"),
    ("create_digit_first", lambda c, g, r: c.create_privilege_group("1g"), MilvusException, 1402,
     "the first character of a privilege group name 1g must be an underscore or letter: invalid privilege group name"),
    ("create_too_long", lambda c, g, r: c.create_privilege_group("g" * 256), MilvusException, 1402,
     f"the length of a privilege group name {'g' * 256} must be less than 255 characters"),
    ("create_existing", lambda c, g, r: c.create_privilege_group(g), MilvusException, 1100,
     "failed to check if privilege group creatable: privilege group name [{g}] is defined by users: invalid parameter"),
    ("create_builtin_group", lambda c, g, r: c.create_privilege_group("CollectionReadOnly"), MilvusException, 1100,
     "failed to check if privilege group creatable: privilege group name [CollectionReadOnly] is defined by built in "
     "privileges or privilege groups in system: invalid parameter"),
    ("create_builtin_privilege", lambda c, g, r: c.create_privilege_group("Insert"), MilvusException, 1100,
     "failed to check if privilege group creatable: privilege group name [Insert] is defined by built in"),
    ("drop_int", lambda c, g, r: c.drop_privilege_group(1), ParamError, 1, "`privilege_group` value 1 is illegal"),
    ("drop_dash", lambda c, g, r: c.drop_privilege_group("a-b"), MilvusException, 1100, "privilege group name a-b can"),
    ("drop_granted", lambda c, g, r: c.drop_privilege_group(g), MilvusException, 65535,
     "failed to check if privilege group dropable: privilege group [{g}] is used by role [{r}], Use REVOKE API to "
     "revoke it first"),
    ("add_group_int", lambda c, g, r: c.add_privileges_to_group(1, ["Insert"]), ParamError, 1,
     "`privilege_group` value 1 is illegal"),
    ("add_group_dash", lambda c, g, r: c.add_privileges_to_group("n%$#@!", ["Insert"]), MilvusException, 1100,
     "privilege group name n%$#@! can only contain numbers, letters and underscores: invalid parameter"),
    ("add_privileges_str", lambda c, g, r: c.add_privileges_to_group(g, "Insert"), ParamError, 1,
     "`privileges` value Insert is illegal"),
    ("add_privileges_empty", lambda c, g, r: c.add_privileges_to_group(g, []), ParamError, 1,
     "`privileges` value [] is illegal"),
    ("add_privileges_int", lambda c, g, r: c.add_privileges_to_group(g, [1]), ParamError, 1,
     "`privileges` value [1] is illegal"),
    ("add_privilege_dash", lambda c, g, r: c.add_privileges_to_group(g, ["In-sert"]), MilvusException, 1100,
     "Privilege can only contain numbers, letters, dollars and underscores, found - at 2: invalid parameter"),
    ("add_to_missing_group", lambda c, g, r: c.add_privileges_to_group("privilege_group_not_exist", ["Insert"]),
     MilvusException, 1100, "failed to check if privilege group alterable: there is no privilege group name "
     "[privilege_group_not_exist] defined in system to operate: invalid parameter"),
    ("add_to_builtin_group", lambda c, g, r: c.add_privileges_to_group("CollectionReadOnly", ["Insert"]),
     MilvusException, 1100, "failed to check if privilege group alterable: there is no privilege group name "
     "[CollectionReadOnly] defined in system to operate"),
    ("add_unknown_privilege", lambda c, g, r: c.add_privileges_to_group(g, ["invalid_privilege"]), MilvusException,
     1100, "failed to check if privilege group alterable: there is no privilege name or privilege group name "
     "[invalid_privilege] defined in system to operate: invalid parameter"),
    ("add_other_level", lambda c, g, r: c.add_privileges_to_group(g, ["CreateCollection"]), MilvusException, 1100,
     "failed to check if privilege group alterable: privileges are not the same privilege level: invalid parameter"),
    ("add_mixed_levels", lambda c, g, r: c.add_privileges_to_group(g, ["Search", "ListDatabases"]), MilvusException,
     1100, "failed to check if privilege group alterable: privileges are not the same privilege level"),
    ("remove_group_int", lambda c, g, r: c.remove_privileges_from_group(1.0, ["Insert"]), ParamError, 1,
     "`privilege_group` value 1.0 is illegal"),
    ("remove_privileges_str", lambda c, g, r: c.remove_privileges_from_group(g, "invalid_privilege"), ParamError, 1,
     "`privileges` value invalid_privilege is illegal"),
    ("remove_from_missing_group", lambda c, g, r: c.remove_privileges_from_group("nope", ["Insert"]),
     MilvusException, 1100, "failed to check if privilege group alterable: there is no privilege group name [nope]"),
    ("grant_cluster_level_on_collection", lambda c, g, r: c.grant_privilege_v2(r, "ClusterReadOnly", "coll"),
     MilvusException, 1100, "dbName and collectionName should be * for the cluster level privilege: "
     "ClusterReadOnly: invalid parameter"),
    ("grant_database_level_on_collection", lambda c, g, r: c.grant_privilege_v2(r, "DatabaseAdmin", "coll"),
     MilvusException, 1100, "collectionName should be * for the database level privilege: DatabaseAdmin: invalid "
     "parameter"),
    ("grant_collection_level_any_db", lambda c, g, r: c.grant_privilege_v2(r, g, "coll", db_name="*"),
     MilvusException, 1100, "please specify database name for the collection level privilege: {g}: invalid "
     "parameter"),
    ("grant_unknown_group", lambda c, g, r: c.grant_privilege_v2(r, "no_such_group", "*"), MilvusException, 65535,
     "not found the privilege name[no_such_group]"),
]


@pytest.fixture
def granted_group(admin) -> Iterator[tuple[str, str]]:
    """A group holding Insert, granted to a role on every collection of ``default``."""
    group, role = _name("g"), _name("r")
    admin.create_privilege_group(group)
    admin.add_privileges_to_group(group, ["Insert"])
    admin.create_role(role)
    admin.grant_privilege_v2(role, group, "*", db_name="default")
    yield group, role
    admin.drop_role(role, force_drop=True)
    admin.drop_privilege_group(group)


@pytest.mark.parametrize("case, call, exc, code, text", GROUP_CASES, ids=[c[0] for c in GROUP_CASES])
def test_privilege_group_refusals(admin, admin_dsn, granted_group, case, call, exc, code, text):
    """Milvus 2.6's (or pymilvus's) class, code and text; nothing changed in the catalog."""
    group, role = granted_group
    before = _groups(admin_dsn)
    with pytest.raises(MilvusException) as excinfo:
        call(admin, group, role)
    err = excinfo.value
    assert type(err) is exc and err.code == code, err
    assert err.message.startswith(text.replace("{g}", group).replace("{r}", role)), err.message
    assert _groups(admin_dsn) == before


def test_privilege_group_lifecycle_and_listing(admin, admin_dsn):
    group = _name("g")
    admin.create_privilege_group(group)
    listed = admin.list_privilege_groups()
    assert {"privilege_group": group, "privileges": ()} in listed
    builtin = [g["privilege_group"] for g in listed if g["privilege_group"] != group]
    assert builtin[:3] == ["CollectionReadOnly", "CollectionReadWrite", "CollectionAdmin"]  # after the custom ones
    admin.add_privileges_to_group(group, ["Search", "Query"])
    admin.add_privileges_to_group(group, ["Query", "Load"])  # already there: kept once
    admin.remove_privileges_from_group(group, ["Search", "Release"])  # absent: ignored, as in Milvus
    assert {"privilege_group": group, "privileges": ("Query", "Load")} in admin.list_privilege_groups()
    admin.drop_privilege_group(group)
    admin.drop_privilege_group(group)  # no such custom group: succeeds, as in Milvus
    admin.drop_privilege_group("CollectionReadOnly")  # a built-in one: succeeds, and stays
    names = [g["privilege_group"] for g in admin.list_privilege_groups()]
    assert group not in names and "CollectionReadOnly" in names


def test_granted_group_follows_its_privileges(admin, admin_dsn, opened):
    """A role granted a group may do what the group holds now: adding or removing a privilege
    re-syncs the role's PostgreSQL GRANTs; the grant covers only the collection it names."""
    coll, other, group = _name("c"), _name("c"), _name("g")
    _collection(admin, admin_dsn, coll)
    _collection(admin, admin_dsn, other)
    user, role = _user_with_role(admin)
    admin.create_privilege_group(group)
    admin.add_privileges_to_group(group, ["Query"])
    admin.grant_privilege_v2(role, group, coll)
    assert [p for p in admin.describe_role(role)["privileges"]] == [
        {"object_type": "Global", "object_name": coll, "db_name": "default", "role_name": role,
         "privilege": group, "grantor_name": conninfo_to_dict(admin_dsn)["user"]}]
    cli = _connect(admin_dsn, user, opened=opened)
    assert len(cli.query(coll, filter="id >= 0")) == 5
    with pytest.raises(MilvusException) as excinfo:
        cli.query(other, filter="id >= 0")
    _denied(excinfo, "Query", user)
    with pytest.raises(MilvusException) as excinfo:
        cli.insert(coll, [{"id": 100, "vector": [0.5] * DIM}])
    _denied(excinfo, "Insert", user)
    admin.add_privileges_to_group(group, ["Insert"])
    cli.insert(coll, [{"id": 100, "vector": [0.5] * DIM}])
    admin.remove_privileges_from_group(group, ["Query"])
    with pytest.raises(MilvusException) as excinfo:
        cli.query(coll, filter="id >= 0")
    _denied(excinfo, "Query", user)
    with psycopg.connect(dsn_with(admin_dsn, user=user, password=PASSWORD), autocommit=True) as conn:
        with pytest.raises(pge.InsufficientPrivilege):  # PostgreSQL itself refuses it
            conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("default", coll)))
    admin.revoke_privilege_v2(role, group, coll)
    with pytest.raises(MilvusException) as excinfo:
        cli.insert(coll, [{"id": 101, "vector": [0.5] * DIM}])
    _denied(excinfo, "Insert", user)
    admin.drop_privilege_group(group)  # no longer granted


def test_privilege_groups_need_a_manager(admin, admin_dsn, opened):
    """A user without CREATEROLE may not change groups; ListPrivilegeGroups (ClusterReadOnly) lets it list them."""
    user, role = _user_with_role(admin)
    cli = _connect(admin_dsn, user, opened=opened)
    with pytest.raises(MilvusException) as excinfo:
        cli.create_privilege_group(_name("g"))
    assert excinfo.value.code == ErrorCode.PERMISSION_DENIED
    assert excinfo.value.message.startswith(f"PrivilegeCreatePrivilegeGroup: permission deny to {user}")
    with pytest.raises(MilvusException) as excinfo:
        cli.list_privilege_groups()
    _denied(excinfo, "ListPrivilegeGroups", user)
    admin.grant_privilege_v2(role, "ClusterReadOnly", "*", db_name="*")
    assert "ClusterAdmin" in [g["privilege_group"] for g in cli.list_privilege_groups()]


def test_load_and_release_need_only_their_privileges(admin, admin_dsn, opened):
    """A role granted Load and Release on a collection loads and releases it: the catalog read
    needs no USAGE on the collection's schema (it finds the table in pg_class by name), and the
    loaded flag's revision trigger runs as the catalog's owner (migration 016)."""
    name = _name("c")
    _collection(admin, admin_dsn, name)
    user, role = _user_with_role(admin)
    cli = _connect(admin_dsn, user, opened=opened)
    with pytest.raises(MilvusException) as info:
        cli.load_collection(name)
    assert info.value.code == 1401 and "PrivilegeLoad" in info.value.message
    for privilege in ("Load", "Release"):
        admin.grant_privilege(role, "Collection", privilege, name)
    cli.release_collection(name)
    cli.load_collection(name)
    assert admin.get_load_state(name)["state"].name == "Loaded"


def test_descriptions_of_users_and_roles(admin):
    """pymilvus 3's update_user / alter_role (Milvus master) change the descriptions create_* gave."""
    user, role = _name("u"), _name("r")
    admin.create_user(user, "Passw0rd!", description="first")
    admin.create_role(role, description="readers")
    admin.update_user(user, "second")
    admin.alter_role(role, "writers")
    assert admin.describe_user(user)["description"] == "second"
    assert admin.describe_role(role)["description"] == "writers"
    for call, code, message in [
        (lambda: admin.update_user(_name("nobody"), "x"), 65535,
         "not found the user, maybe the user isn't existed or internal system error"),
        (lambda: admin.alter_role(_name("nobody"), "x"), 65535,
         "not found the role, maybe the role isn't existed or internal system error"),
        (lambda: admin.alter_role("admin", "x"), 1401,
         "the role[admin] is a default role, which can't be altered: privilege not permitted"),
        (lambda: admin.alter_role(role, "x" * 1025), 1100,
         "the length of role description must be not greater than limit: invalid parameter[expected=in range "
         "[0, 1024]][actual=1025]"),
        (lambda: admin.update_user(user, "é" * 513), 1100,
         "invalid user description with length 1026, the length of user description must be less than or equal "
         "to 1024: invalid parameter"),
    ]:
        with pytest.raises(MilvusException) as err:
            call()
        assert (err.value.code, err.value.message) == (code, message)
    assert admin.describe_role(role)["description"] == "writers"
    admin.drop_user(user)
    admin.drop_role(role)


def test_a_user_granted_compaction_compacts_and_reads_its_plans(admin, admin_dsn, opened):
    """A role granted Compaction may compact (VACUUM and ANALYZE: PostgreSQL's MAINTAIN); the
    merges are the owner's (they replace the table's partitions).  The job is recorded as that
    role's (row security on compaction_jobs), and any role reads the plans."""
    name = _name("c")
    _collection(admin, admin_dsn, name)
    admin.flush(name)
    user, role = _user_with_role(admin)
    admin.grant_privilege(role, "Collection", "Compaction", name)
    cli = _connect(admin_dsn, user, opened=opened)
    job = cli.compact(name)
    assert cli.get_compaction_state(job) == "Completed"
    assert (cli.get_compaction_plans(job).compaction_id, admin.get_compaction_plans(job).plans) == (job, [])


def test_a_migration_gives_roles_granted_before_it_the_new_tables_grants(admin, admin_dsn, opened):
    """A role granted CreateResourceGroup on a catalog older than 025 (the table did not exist, so
    no GRANT on it was made) may create groups once a client has migrated the catalog: the
    migration re-applies every role's grants (rbac.sync_every_role)."""
    user, role = _user_with_role(admin)
    admin.grant_privilege_v2(role, "CreateResourceGroup", "*", db_name="*")
    with psycopg.connect(admin_dsn, autocommit=True) as conn:  # the state before 025 ran
        pg_role = conn.execute("SELECT pg_role FROM pgmilvus_catalog.rbac_roles WHERE name = %s",
                               (role,)).fetchone()[0]
        conn.execute(sql.SQL("REVOKE ALL ON pgmilvus_catalog.resource_groups FROM {}").format(
            sql.Identifier(pg_role)))
        conn.execute("UPDATE pgmilvus_catalog.version SET version = 24")
        may_insert = "SELECT has_table_privilege(%s, 'pgmilvus_catalog.resource_groups', 'INSERT')"
        assert conn.execute(may_insert, (pg_role,)).fetchone()[0] is False
        MilvusClient(admin_dsn).close()  # migrates: 025 again (re-runnable), then every role's grants
        assert conn.execute(may_insert, (pg_role,)).fetchone()[0] is True
    group = _name("rg")
    _connect(admin_dsn, user, opened=opened).create_resource_group(group)
    assert group in admin.list_resource_groups()
    admin.drop_resource_group(group)


def test_a_user_who_may_not_migrate_an_old_catalog_is_told_who_can(admin, admin_dsn, opened):
    """After an upgrade, a client of a user without CREATE meets a catalog older than its pgmilvus:
    1401 naming both versions and who can upgrade it (it was ``permission deny to : ...``)."""
    user, _ = _user_with_role(admin)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute("UPDATE pgmilvus_catalog.version SET version = 24")
    with pytest.raises(MilvusException) as excinfo:
        _connect(admin_dsn, user, opened=opened)
    assert excinfo.value.code == ErrorCode.PERMISSION_DENIED
    latest = sqlfiles.migrations()[-1][0]
    assert excinfo.value.message.startswith(f"this database has the pgmilvus catalog version 24 and this pgmilvus "
                                            f"needs version {latest}, which this user may not create (permission "
                                            "denied")
    assert excinfo.value.message.endswith("connect once as the database's owner or a superuser (any pgmilvus "
                                          "client or `pgmilvus serve`) to install or upgrade the catalog")
    MilvusClient(admin_dsn).close()  # the owner's client upgrades it
    _connect(admin_dsn, user, opened=opened)


def test_resource_groups_need_the_cluster_privileges(admin, admin_dsn, opened):
    """Every role lists and describes the groups; creating, updating and dropping one needs
    CreateResourceGroup / UpdateResourceGroups / DropResourceGroup (025_resource_groups.sql)."""
    user, role = _user_with_role(admin)
    group = _name("rg")
    cli = _connect(admin_dsn, user, opened=opened)
    assert "__default_resource_group" in cli.list_resource_groups()
    assert cli.describe_resource_group("__default_resource_group").num_available_node == 1
    with pytest.raises(MilvusException) as excinfo:
        cli.create_resource_group(group)
    _denied(excinfo, "CreateResourceGroup", user)
    admin.grant_privilege_v2(role, "CreateResourceGroup", "*", db_name="*")
    admin.grant_privilege_v2(role, "UpdateResourceGroups", "*", db_name="*")
    cli.create_resource_group(group)
    cli.update_resource_groups({group: {"requests": {"node_num": 0}, "limits": {"node_num": 1}}})
    assert cli.describe_resource_group(group).config.limits.node_num == 1
    cli.update_resource_groups({group: {"requests": {"node_num": 0}, "limits": {"node_num": 0}}})
    with pytest.raises(MilvusException) as excinfo:
        cli.drop_resource_group(group)
    _denied(excinfo, "DropResourceGroup", user)
    admin.drop_resource_group(group)
    assert group not in cli.list_resource_groups()
