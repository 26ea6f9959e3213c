"""Milvus access control (users, roles, privileges) as PostgreSQL roles and GRANTs.

A Milvus user is a PostgreSQL LOGIN role of the same name, a Milvus role is a
NOLOGIN role (``milvus_role$<database>$<role>``, namespaced by the PostgreSQL
database because roles are cluster-wide and two pgmilvus databases on one
server must not share grants), ``grant_role`` is ``GRANT role TO user`` and a
privilege on a collection is a GRANT on its tables. So PostgreSQL itself
refuses what a user may not do, whichever client sends the statement; this
layer only remembers the Milvus view (catalog tables ``rbac_*``) and turns
PostgreSQL's refusal into Milvus's error.

Every GRANT a role holds is recomputed from the catalog on each change
(``_sync_role``), so a revoke can never strip a PostgreSQL privilege another
Milvus grant still needs, and drift can't accumulate.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional, Sequence

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from ..catalog import store as catalog
from ..schema import ddl
from ..catalog.store import CATALOG
from ..errors import ErrorCode, MilvusException, ParamError, PermissionDenied
from ..pg import green

from .privileges import (ALL_PRIVILEGES, ANY, BUILTIN_ROLES, CATALOG_GRANTS, DATABASE_CREATE,
                              NAME_MAX_LEN, NOT_AUTHENTICATED, OBJECT_PRIVILEGES, OBJECT_TYPES,
                              PASSWORD_MAX_LEN, PASSWORD_MIN_LEN, PRIVILEGE_GROUPS, PRIVILEGE_LEVELS, SCHEMA_CREATE,
                              SEQUENCE_USAGE, TABLE_GRANTS, USER_MAX_LEN, USER_PRIVILEGES)

# -- validation (Milvus's rules, checked before any SQL) ----------------------------------------------

def param_type(kind: str, value: Any, *, allow_empty: bool = False) -> str:
    """pymilvus's client-side check: code 1, "`<kind>` value <v> is illegal"."""
    if not isinstance(value, str) or (not value and not allow_empty):
        raise ParamError(message=f"`{kind}` value {value} is illegal")
    return value


def _invalid(message: str) -> MilvusException:
    return MilvusException(ErrorCode.INVALID_PARAMETER, f"{message}: invalid parameter")


#: Milvus's proxy.maxUserDescriptionLength and proxy.maxRoleDescriptionLength (bytes).
DESCRIPTION_MAX_LEN = 1024


def user_description(description: str) -> str:
    """ValidateUserDescription (Milvus 2.6.19+)."""
    size = len(description.encode())
    if size > DESCRIPTION_MAX_LEN:
        raise _invalid(f"invalid user description with length {size}, the length of user description must be "
                       f"less than or equal to {DESCRIPTION_MAX_LEN}")
    return description


def role_description(description: str) -> str:
    """rbacutil.ValidateRoleDescription (Milvus master)."""
    size = len(description.encode())
    if size > DESCRIPTION_MAX_LEN:
        raise MilvusException(ErrorCode.INVALID_PARAMETER,
                              "the length of role description must be not greater than limit: invalid parameter"
                              f"[expected=in range [0, {DESCRIPTION_MAX_LEN}]][actual={size}]")
    return description


def user_name(name: Any) -> str:
    """Milvus's ValidateUsername: a letter, then letters, digits, underscores; <= 32."""
    param_type("user", name, allow_empty=True)
    name = name.strip()
    if not name:
        raise _invalid("username must be not empty")
    if len(name) > USER_MAX_LEN:
        raise _invalid(f"invalid username {name} with length {len(name)}, the length of username must be "
                       f"less than {USER_MAX_LEN}")
    if not (name[0].isascii() and name[0].isalpha()):
        raise _invalid(f"invalid user name {name}, the first character must be a letter, but got {name[0]}")
    for ch in name[1:]:
        if not (ch.isascii() and (ch.isalnum() or ch == "_")):
            raise _invalid(f"invalid user name {name}, username must contain only numbers, letters and "
                           f"underscores, but got {ch}")
    if name.lower().startswith("pg_"):
        raise _invalid(f"invalid user name {name}, PostgreSQL reserves role names starting with pg_")
    return name


def password(value: Any) -> str:
    """Milvus's ValidatePassword: 6..256 bytes."""
    param_type("password", value, allow_empty=True)
    size = len(value.encode("utf-8"))
    if not PASSWORD_MIN_LEN <= size <= PASSWORD_MAX_LEN:
        raise MilvusException(ErrorCode.INVALID_PARAMETER,
                              f"invalid password length: invalid parameter[expected=[{PASSWORD_MIN_LEN}, "
                              f"{PASSWORD_MAX_LEN}]][actual={size}]")
    if "\x00" in value:
        raise _invalid("invalid password: it must not contain NUL characters")
    return value


def _entity_name(kind: str, name: str) -> str:
    """Milvus's validateName (roles, object names, privileges): letters, digits, ``_`` and ``$``."""
    name = name.strip()
    if not name:
        raise _invalid(f"{kind} should be not empty")
    if len(name) > NAME_MAX_LEN:
        raise MilvusException(ErrorCode.INVALID_PARAMETER,
                              f"the length of {kind} must be not greater than limit: invalid parameter"
                              f"[expected=[0, {NAME_MAX_LEN}]][actual={len(name)}]")
    if not (name[0].isascii() and (name[0].isalpha() or name[0] == "_")):
        raise _invalid(f"the first character of {kind} must be an underscore or letter")
    for i, ch in enumerate(name[1:], start=1):
        if not (ch.isascii() and (ch.isalnum() or ch in "_$")):
            raise _invalid(f"{kind} can only contain numbers, letters, dollars and underscores, found {ch} "
                           f"at {i}")
    return name


def role_name(name: Any) -> str:
    return _entity_name("role name", param_type("role_name", name))


def object_name(name: Any) -> str:
    name = param_type("object_name", name)
    return ANY if name.strip() == ANY else _entity_name("object name", name)


def db_name_of(value: Any, current: str) -> str:
    """The database a grant is about: the client's one when not given, ``*`` for all."""
    if value is None or value == "":
        return current
    if not isinstance(value, str):
        raise ParamError(message=f"`db_name` value {value} is illegal")
    from ..schema import names

    return ANY if value == ANY else names.database_name(value)


def privilege_for(object_type: Any, privilege: Any) -> tuple[str, str]:
    """Check a (v1) object type and privilege pair the way Milvus's rootcoord does."""
    object_type = param_type("object", object_type)
    privilege = param_type("privilege", privilege)
    if object_type not in OBJECT_PRIVILEGES:
        raise MilvusException(ErrorCode.SERVER_ERROR,
                              f"not found the object type[name: {object_type}], supported the object types: "
                              f"{list(OBJECT_TYPES)}")
    if privilege == ANY:
        return object_type, ANY
    _entity_name("Privilege", privilege)
    if privilege not in ALL_PRIVILEGES and privilege not in PRIVILEGE_GROUPS:
        raise MilvusException(ErrorCode.SERVER_ERROR, f"not found the privilege name[{privilege}]")
    if privilege not in OBJECT_PRIVILEGES[object_type]:
        raise MilvusException(ErrorCode.SERVER_ERROR,
                              f"not found the privilege name[{privilege}] in object[{object_type}]")
    return object_type, privilege


def v2_arguments(privilege: Any, collection: Any) -> tuple[str, str]:
    """pymilvus's and Milvus's proxy's checks of a 2.5+ grant's privilege and collection (``*`` or a name)."""
    privilege = param_type("privilege", privilege)
    collection = param_type("collection_name", collection)
    return privilege, ANY if collection == ANY else _entity_name("collection name", collection)


def privilege_v2(privilege: Any, collection: Any, db_name: str = ANY,
                 custom: Mapping[str, Sequence[str]] = {}) -> tuple[str, str, str]:
    """(object_type, privilege, object_name) for the 2.5+ API, where the level picks the type.

    ``custom`` are the catalog's privilege groups (custom_groups): Milvus stores a custom group's
    grant as a Global one on the collection named, and checks a group's level against the
    database and collection like a built-in group's (check_group_scope)."""
    privilege, collection = v2_arguments(privilege, collection)
    if privilege == ANY:
        return "Global", ANY, ANY
    if privilege in custom:
        check_group_scope(privilege, custom[privilege], db_name, collection)
        return "Global", privilege, collection
    if privilege not in ALL_PRIVILEGES and privilege not in PRIVILEGE_GROUPS:
        raise MilvusException(ErrorCode.SERVER_ERROR, f"not found the privilege name[{privilege}]")
    check_group_scope(privilege, PRIVILEGE_GROUPS.get(privilege, ()), db_name, collection)
    if privilege in OBJECT_PRIVILEGES["Collection"] or privilege == "CollectionAdmin":
        return "Collection", privilege, collection
    if privilege in USER_PRIVILEGES:
        return "User", privilege, ANY
    return "Global", privilege, ANY


def privilege_level(privilege: str) -> str:
    """Milvus 2.6's GetPrivilegeLevel: Cluster, Database, Collection, or "" (``All``, a group's name)."""
    return next((level for level, names in PRIVILEGE_LEVELS if privilege in names), "")


def check_group_scope(group: str, members: Sequence[str], db_name: str, collection: str) -> None:
    """Milvus 2.6's validatePrivilegeGroupParams: a group is granted at its level (its first
    privilege's; a group's privileges share one); a plain privilege or an empty group isn't checked."""
    if not members:
        return
    level = privilege_level(members[0])
    if level == "Cluster" and (db_name != ANY or collection != ANY):
        raise _invalid(f"dbName and collectionName should be * for the cluster level privilege: {group}")
    if level == "Database" and collection not in ("", ANY):
        raise _invalid(f"collectionName should be * for the database level privilege: {group}")
    if level == "Collection" and db_name == ANY and collection not in ("", ANY):
        raise _invalid(f"please specify database name for the collection level privilege: {group}")
    if not level:
        raise _server_error(f"not found the privilege level: group {group} holds {members[0]}, which has "
                            "no level (Cluster, Database or Collection); remove it from the group")


def expand(privilege: str, custom: Mapping[str, Sequence[str]] = {}) -> frozenset[str]:
    """The plain privileges a grant stands for (built-in and custom groups and ``*``/``All`` expanded).

    A custom group's members expand one level, as Milvus's expandPrivilegeGroups does."""
    if privilege in (ANY, "All"):
        return ALL_PRIVILEGES
    if privilege in custom:
        return frozenset().union(*(expand(member) for member in custom[privilege]))
    return frozenset(PRIVILEGE_GROUPS.get(privilege, (privilege,)))


# -- errors --------------------------------------------------------------------------------------------

def _server_error(message: str) -> MilvusException:
    return MilvusException(ErrorCode.SERVER_ERROR, message)


def _role_not_found() -> MilvusException:
    return _server_error("not found the role, maybe the role isn't existed or internal system error")


def _user_not_found() -> MilvusException:
    return _server_error("not found the user, maybe the user isn't existed or internal system error")


def denied_message(privilege: Optional[str], user: str, db_name: str) -> str:
    """Milvus's PrivilegeInterceptor text: ``PrivilegeInsert: permission deny to u in the `db` database``."""
    prefix = f"Privilege{privilege}: " if privilege else ""
    return f"{prefix}permission deny to {user} in the `{db_name}` database"


def current_user(conn: psycopg.Connection) -> str:
    return conn.execute("SELECT current_user").fetchone()[0]


def require_manager(conn: psycopg.Connection, db_name: str, privilege: str) -> str:
    """The connected role, if it may create roles and grant; else a clear refusal naming the fix."""
    user, allowed = conn.execute(
        "SELECT current_user, rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user").fetchone()
    if not allowed:
        raise PermissionDenied(
            denied_message(privilege, user, db_name) + ": managing Milvus users and roles needs a PostgreSQL "
            f"role with CREATEROLE; run `ALTER ROLE \"{user}\" CREATEROLE;` as a superuser, or connect as a "
            "superuser (the embedded server's user is one)", user=user)
    return user


# -- catalog rows ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Role:
    name: str
    pg_role: str
    description: str = ""


def pg_role_name(conn: psycopg.Connection, name: str) -> str:
    """``milvus_role$<pg database>$<role>``, hashed down to PostgreSQL's 63 bytes when longer."""
    database = conn.execute("SELECT current_database()").fetchone()[0]
    return ddl.pg_name("milvus_role", database, name)


def _role(conn: psycopg.Connection, name: str) -> Optional[Role]:
    row = conn.execute(f"SELECT name, pg_role, description FROM {CATALOG}.rbac_roles WHERE name = %s",
                       (name,)).fetchone()
    return Role(*row) if row else None


def custom_groups(conn: psycopg.Connection) -> dict[str, tuple[str, ...]]:
    """The catalog's custom privilege groups (011_privilege_groups.sql): name -> privileges, by name."""
    rows = conn.execute(f"SELECT name, privileges FROM {CATALOG}.rbac_privilege_groups ORDER BY name")
    return {name: tuple(privileges) for name, privileges in rows}


def _user_exists(conn: psycopg.Connection, name: str) -> bool:
    return conn.execute(f"SELECT 1 FROM {CATALOG}.rbac_users WHERE name = %s", (name,)).fetchone() is not None


def _pg_role_exists(conn: psycopg.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone() is not None


def ensure_builtin_roles(conn: psycopg.Connection) -> None:
    """Create ``admin`` and ``public`` (catalog rows and PostgreSQL roles) on first use.

    Done lazily, not in the migration, because creating roles needs CREATEROLE
    and any user may be the first to open a client on a new database.
    """
    for name in BUILTIN_ROLES:
        if _role(conn, name) is not None:
            continue
        pg = pg_role_name(conn, name)
        if not _pg_role_exists(conn, pg):
            conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(pg)))
        conn.execute(f"INSERT INTO {CATALOG}.rbac_roles (name, pg_role) VALUES (%s, %s)", (name, pg))
        if name == "admin":
            _sync_role(conn, Role(name, pg))


# -- passwords ------------------------------------------------------------------------------------------

def scram_verifier(secret: str, *, iterations: int = 4096, salt: Optional[bytes] = None) -> str:
    """A SCRAM-SHA-256 verifier PostgreSQL stores as is, so the clear password never reaches the server
    (nor its statement log). Only used for printable ASCII, where SASLprep is the identity."""
    salt = salt if salt is not None else os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", secret.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    b64 = lambda raw: base64.b64encode(raw).decode("ascii")  # noqa: E731
    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def _password_literal(secret: str) -> sql.Literal:
    if secret.isascii() and secret.isprintable():
        return sql.Literal(scram_verifier(secret))
    return sql.Literal(secret)  # PostgreSQL applies SASLprep itself


def _set_password(conn: psycopg.Connection, user: str, secret: str) -> None:
    conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(user), _password_literal(secret)))


def _stored_password_matches(stored: Optional[str], user: str, secret: str) -> bool:
    """Check a password against pg_authid.rolpassword (SCRAM or md5) without logging in."""
    if not stored:
        return False
    if stored.startswith("md5"):
        return hmac.compare_digest(stored, "md5" + hashlib.md5((secret + user).encode()).hexdigest())
    if stored.startswith("SCRAM-SHA-256$"):
        try:
            head, keys = stored[len("SCRAM-SHA-256$"):].split("$", 1)
            iterations, salt = head.split(":", 1)
            stored_key = keys.split(":", 1)[0]
            expected = scram_verifier(secret, iterations=int(iterations), salt=base64.b64decode(salt))
        except ValueError:
            return False
        return hmac.compare_digest(expected.split("$")[2].split(":")[0], stored_key)
    return hmac.compare_digest(stored, secret)


def stored_verifier(value: str) -> bool:
    """Whether PostgreSQL keeps ``value`` as the verifier it is (``CREATE ROLE ... PASSWORD``) rather
    than hashing it as a clear password: a well-formed SCRAM-SHA-256 verifier or an md5 hash, as
    PostgreSQL's get_password_type tells them (anything else, a Milvus bcrypt hash too, would become
    the password itself)."""
    if value.startswith("md5"):
        return len(value) == 35 and all(ch in "0123456789abcdef" for ch in value[3:])
    if not value.startswith("SCRAM-SHA-256$"):
        return False
    try:
        head, keys = value[len("SCRAM-SHA-256$"):].split("$")
        iterations, salt = head.split(":")
        stored_key, server_key = keys.split(":")
        keys_ok = all(len(base64.b64decode(key, validate=True)) == hashlib.sha256().digest_size
                      for key in (stored_key, server_key))
        return int(iterations) > 0 and bool(base64.b64decode(salt, validate=True)) and keys_ok
    except ValueError:  # binascii.Error is one
        return False


def verifiers_readable(conn: psycopg.Connection) -> bool:
    """Whether the connected role may read the password verifiers in pg_authid (a superuser may)."""
    return conn.execute("SELECT has_table_privilege('pg_authid', 'SELECT')").fetchone()[0]


def password_matches(conn: psycopg.Connection, conninfo: str, user: str, secret: str) -> bool:
    """Whether ``secret`` is ``user``'s password: read from pg_authid when allowed (superuser), else
    by logging in once as the user (the only other way PostgreSQL answers)."""
    if verifiers_readable(conn):
        row = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (user,)).fetchone()
        return row is not None and _stored_password_matches(row[0], user, secret)
    from ..pg.connection import dsn_with

    return green.blocking(_logs_in, dsn_with(conninfo, user=user, password=secret))


def _logs_in(dsn: str) -> bool:
    try:
        with psycopg.connect(dsn, connect_timeout=10):
            return True
    except psycopg.OperationalError:
        return False


# -- users ----------------------------------------------------------------------------------------------

def create_user(conn: psycopg.Connection, db_name: str, name: str, secret: str, description: str = "") -> None:
    require_manager(conn, db_name, "CreateOwnership")
    ensure_builtin_roles(conn)
    taken = user_name_taken(conn, name)
    if taken == "a user":
        raise _server_error(f"user already exists: {name}")
    if taken:
        raise _server_error(f"user already exists: {name} (a PostgreSQL role of that name exists and is not "
                            "a pgmilvus user: choose another name)")
    add_user(conn, name, _password_literal(secret), description)


def user_name_taken(conn: psycopg.Connection, name: str) -> Optional[str]:
    """Why ``name`` can't become a new user (a pgmilvus user, or a PostgreSQL role of that name that
    is not one: roles are cluster-wide), or None when it can."""
    if _user_exists(conn, name):
        return "a user"
    if _pg_role_exists(conn, name):
        return "a PostgreSQL role that is not a pgmilvus user"
    return None


def add_user(conn: psycopg.Connection, name: str, secret: Optional[sql.Literal], description: str = "") -> None:
    """The user's LOGIN role (with the password ``secret``, a literal PostgreSQL hashes or keeps as a
    verifier; none when None), its catalog row and its ``public`` membership.  The caller checked
    that the name is free (user_name_taken) and created the built-in roles."""
    conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
    if secret is not None:
        conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(name), secret))
    conn.execute(f"INSERT INTO {CATALOG}.rbac_users (name, description) VALUES (%s, %s)",
                 (name, description or ""))
    public = _role(conn, "public")
    assert public is not None
    conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(public.pg_role), sql.Identifier(name)))


#: Milvus's built-in user and its default password (Milvus's common.security.defaultRootPassword).
ROOT_USER, ROOT_PASSWORD = "root", "Milvus"


def ensure_root(conn: psycopg.Connection, db_name: str) -> bool:
    """Create Milvus's ``root`` user (password ``Milvus`` until changed) as a superuser role, unless it
    exists: what an embedded server's ``pgmilvus serve --require-auth`` logs clients in against, as
    a Milvus server with authorization on. True when created."""
    if _user_exists(conn, ROOT_USER):
        return False
    create_user(conn, db_name, ROOT_USER, ROOT_PASSWORD)
    conn.execute(sql.SQL("ALTER ROLE {} SUPERUSER").format(sql.Identifier(ROOT_USER)))
    return True


def drop_user(conn: psycopg.Connection, db_name: str, name: str) -> None:
    """Like Milvus, dropping an unknown user succeeds; a PostgreSQL role pgmilvus didn't create is never touched."""
    me = require_manager(conn, db_name, "DropOwnership")
    if not _user_exists(conn, name):
        return
    if name == me:
        raise _invalid(f"user {name} is the current user and can not be dropped")
    deps = {r[0] for r in conn.execute(
        "SELECT DISTINCT deptype FROM pg_shdepend d JOIN pg_roles r ON r.oid = d.refobjid "
        "WHERE r.rolname = %s AND d.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
        (name,)).fetchall()}
    if "o" in deps:
        conn.execute(sql.SQL("REASSIGN OWNED BY {} TO CURRENT_USER").format(sql.Identifier(name)))
    if deps:
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
    conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))
    conn.execute(f"DELETE FROM {CATALOG}.rbac_users WHERE name = %s", (name,))


def update_password(conn: psycopg.Connection, conninfo: str, db_name: str, name: str, old: str,
                    new: str) -> None:
    """Milvus checks the old password first (error 1400); a user may change their own without CREATEROLE."""
    own = name == current_user(conn)
    if not own:
        require_manager(conn, db_name, "UpdateUser")
    # a user always exists as themselves; others must be pgmilvus users (never foreign roles)
    if not (own or _user_exists(conn, name)) or not password_matches(conn, conninfo, name, old):
        raise MilvusException(NOT_AUTHENTICATED, f"old password not correct for {name}: not authenticated")
    _set_password(conn, name, new)


def update_user(conn: psycopg.Connection, db_name: str, name: str, description: str) -> None:
    """UpdateCredential with a description only (pymilvus 3's update_user): the catalog's text."""
    if name != current_user(conn):
        require_manager(conn, db_name, "UpdateUser")
    if not _user_exists(conn, name):
        raise _user_not_found()
    conn.execute(f"UPDATE {CATALOG}.rbac_users SET description = %s WHERE name = %s", (description, name))


def list_users(conn: psycopg.Connection) -> list[str]:
    return [r[0] for r in conn.execute(f"SELECT name FROM {CATALOG}.rbac_users ORDER BY created_at, name")]


def describe_user(conn: psycopg.Connection, name: str) -> dict[str, Any]:
    """``{'user_name', 'roles', 'description'}`` as pymilvus builds it, or ``{}`` for an unknown user."""
    row = conn.execute(f"SELECT description FROM {CATALOG}.rbac_users WHERE name = %s", (name,)).fetchone()
    if row is None:
        return {}
    roles = [r[0] for r in conn.execute(
        f"SELECT role_name FROM {CATALOG}.rbac_user_roles WHERE user_name = %s ORDER BY role_name", (name,))]
    return {"user_name": name, "roles": tuple(roles), "description": row[0]}


# -- roles ----------------------------------------------------------------------------------------------

def create_role(conn: psycopg.Connection, db_name: str, name: str, description: str = "") -> None:
    require_manager(conn, db_name, "CreateOwnership")
    ensure_builtin_roles(conn)
    if _role(conn, name) is not None:
        raise _server_error(f'role [name:"{name}"] already exists')
    pg = pg_role_name(conn, name)
    if _pg_role_exists(conn, pg):
        # left over by a database dropped without drop_role: start it from a clean slate
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(pg)))
    else:
        conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(pg)))
    conn.execute(f"INSERT INTO {CATALOG}.rbac_roles (name, pg_role, description) VALUES (%s, %s, %s)",
                 (name, pg, description or ""))


def alter_role(conn: psycopg.Connection, db_name: str, name: str, description: str) -> None:
    """AlterRole (Milvus master): a role's description; the built-in roles are not altered."""
    require_manager(conn, db_name, "CreateOwnership")
    if name in BUILTIN_ROLES:
        raise MilvusException(ErrorCode.PERMISSION_DENIED,
                              f"the role[{name}] is a default role, which can't be altered: privilege not permitted")
    if _role(conn, name) is None:
        raise _role_not_found()
    conn.execute(f"UPDATE {CATALOG}.rbac_roles SET description = %s WHERE name = %s", (description, name))


def drop_role(conn: psycopg.Connection, db_name: str, name: str, force_drop: bool = False) -> None:
    require_manager(conn, db_name, "DropOwnership")
    if name in BUILTIN_ROLES:
        raise _server_error(f"the role[{name}] is a default role, which can't be dropped")
    role = _role(conn, name)
    if role is None:
        raise _role_not_found()
    granted = conn.execute(f"SELECT count(*) FROM {CATALOG}.rbac_grants WHERE role_name = %s",
                           (name,)).fetchone()[0]
    if granted and not force_drop:
        raise _server_error(f"fail to drop the role that it has privileges. Use REVOKE API to revoke "
                            f"privileges, or drop_role(\"{name}\", force_drop=True)")
    conn.execute(f"DELETE FROM {CATALOG}.rbac_roles WHERE name = %s", (name,))
    conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role.pg_role)))
    conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role.pg_role)))


def grant_role(conn: psycopg.Connection, db_name: str, user: str, name: str) -> None:
    require_manager(conn, db_name, "ManageOwnership")
    ensure_builtin_roles(conn)
    role = _role(conn, name)
    if role is None:
        raise _role_not_found()
    if not _user_exists(conn, user):
        raise _user_not_found()
    conn.execute(f"INSERT INTO {CATALOG}.rbac_user_roles (user_name, role_name) VALUES (%s, %s)"
                 " ON CONFLICT DO NOTHING", (user, name))
    conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(role.pg_role), sql.Identifier(user)))


def revoke_role(conn: psycopg.Connection, db_name: str, user: str, name: str) -> None:
    """Revoking a role the user doesn't have succeeds, as in Milvus; ``public`` stays with every user."""
    require_manager(conn, db_name, "ManageOwnership")
    role = _role(conn, name)
    if role is None:
        raise _role_not_found()
    if not _user_exists(conn, user):
        raise _user_not_found()
    if name == "public":
        return
    conn.execute(f"DELETE FROM {CATALOG}.rbac_user_roles WHERE user_name = %s AND role_name = %s", (user, name))
    conn.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(role.pg_role), sql.Identifier(user)))


def list_roles(conn: psycopg.Connection) -> list[str]:
    rows = [r[0] for r in conn.execute(f"SELECT name FROM {CATALOG}.rbac_roles ORDER BY created_at, name")]
    custom = [r for r in rows if r not in BUILTIN_ROLES]
    return list(BUILTIN_ROLES) + custom


def describe_role(conn: psycopg.Connection, name: str, db_name: str) -> dict[str, Any]:
    """``{'role', 'description', 'privileges': [...]}``: the grants that apply in ``db_name``, as
    rootcoord's ListGrant gives them: those of that database and those of every database (``*``);
    ``db_name='*'`` gives the grants of every database (the Node SDK's listGrants asks so)."""
    if name in BUILTIN_ROLES:
        role = _role(conn, name) or Role(name, "")
    else:
        role = _role(conn, name)
        if role is None:
            raise _role_not_found()
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            f"SELECT object_type, object_name, db_name, role_name, privilege, grantor_name"
            f" FROM {CATALOG}.rbac_grants WHERE role_name = %s AND (db_name = %s OR db_name = %s OR %s = %s)"
            " ORDER BY object_type, object_name, privilege", (name, db_name, ANY, db_name, ANY)).fetchall()
    return {"role": name, "description": role.description, "privileges": [dict(r) for r in rows]}


# -- privileges ------------------------------------------------------------------------------------------

def grant_privilege(conn: psycopg.Connection, current_db: str, role: str, object_type: str, privilege: str,
                    object_: str, db_name: str) -> None:
    """Record the grant, then recompute the role's GRANTs (idempotent, like Milvus)."""
    grantor = require_manager(conn, current_db, "ManageOwnership")
    ensure_builtin_roles(conn)
    found = _role(conn, role)
    if found is None:
        raise _role_not_found()
    if db_name != ANY and catalog.database_schema(conn, db_name) is None:
        from ..errors import database_not_found

        raise database_not_found(db_name)
    insert_grant(conn, role, object_type, object_, db_name, privilege, grantor)
    _sync_role(conn, found)


def insert_grant(conn: psycopg.Connection, role: str, object_type: str, object_: str, db_name: str,
                 privilege: str, grantor: str) -> None:
    """Record a grant (a second one of the same is a no-op, as in Milvus); the caller then re-syncs
    the role's GRANTs (sync_roles)."""
    conn.execute(f"INSERT INTO {CATALOG}.rbac_grants (role_name, object_type, object_name, db_name, privilege,"
                 " grantor_name) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                 (role, object_type, object_, db_name, privilege, grantor))


def revoke_privilege(conn: psycopg.Connection, current_db: str, role: str, object_type: str, privilege: str,
                     object_: str, db_name: str) -> None:
    """Forget the grant and recompute: GRANTs another remaining grant implies are kept."""
    require_manager(conn, current_db, "ManageOwnership")
    found = _role(conn, role)
    if found is None:
        raise _role_not_found()
    conn.execute(f"DELETE FROM {CATALOG}.rbac_grants WHERE role_name = %s AND object_type = %s"
                 " AND object_name = %s AND db_name = %s AND privilege = %s",
                 (role, object_type, object_, db_name, privilege))
    _sync_role(conn, found)


def sync_collection(conn: psycopg.Connection, db_name: str, name: str = ANY) -> None:
    """Re-apply the GRANTs of every role with a grant on collection ``name`` of ``db_name``.

    PostgreSQL doesn't copy a parent's ACL to a new table or partition, so call
    this after create_collection, create_partition and rename_collection (and
    with ``name="*"`` after create_database). A no-op unless the connected user
    manages access (superuser or CREATEROLE), the only one who may grant.
    """
    if not _manages_access(conn):
        return
    rows = conn.execute(f"SELECT DISTINCT role_name FROM {CATALOG}.rbac_grants"
                        " WHERE object_name IN (%s, '*') AND db_name IN (%s, '*')", (name, db_name)).fetchall()
    sync_roles(conn, {r[0] for r in rows} | {"admin"})


def _manages_access(conn: psycopg.Connection) -> bool:
    """Whether the connected user may grant (superuser or CREATEROLE) and RBAC's catalog exists."""
    return conn.execute(
        "SELECT (rolsuper OR rolcreaterole) AND to_regclass('pgmilvus_catalog.rbac_grants') IS NOT NULL"
        " FROM pg_roles WHERE rolname = current_user").fetchone()[0]


def sync_every_role(conn: psycopg.Connection) -> None:
    """Re-apply every role's GRANTs (after a catalog migration: a new catalog table, such as
    025's resource groups, holds none of the grants the roles' Milvus privileges imply).  A no-op
    unless the connected user manages access, as sync_collection."""
    if not _manages_access(conn):
        return
    rows = conn.execute(f"SELECT DISTINCT role_name FROM {CATALOG}.rbac_grants ORDER BY 1").fetchall()
    sync_roles(conn, {r[0] for r in rows} | {"admin"})


def sync_roles(conn: psycopg.Connection, names: Iterable[str]) -> None:
    """Re-apply the GRANTs of the roles named (those the catalog knows)."""
    for role_name_ in sorted(names):
        found = _role(conn, role_name_)
        if found is not None:
            _sync_role(conn, found)


def sync_group_roles(conn: psycopg.Connection) -> None:
    """Re-apply the GRANTs of every role granted a custom privilege group (after the group changed)."""
    rows = conn.execute(f"SELECT DISTINCT g.role_name FROM {CATALOG}.rbac_grants AS g"
                        f" JOIN {CATALOG}.rbac_privilege_groups AS p ON p.name = g.privilege"
                        " ORDER BY 1").fetchall()
    sync_roles(conn, {name for (name,) in rows})


#: The table privileges aclexplode() names (the only words copy_grants writes into a GRANT).
_TABLE_PRIVILEGES = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER",
                               "MAINTAIN"})


def copy_grants(conn: psycopg.Connection, schema_name: str, parent: str, leaf: str) -> None:
    """GRANT on a collection's new ``leaf`` table (a segment) what its ``parent`` table holds.

    PostgreSQL gives a new partition no grants, and the writers COPY into a segment's leaf
    directly.  The parent's grants are the collection's (sync_collection keeps them); copying
    them touches the new leaf only, where sync_collection re-grants every table of every
    database and so takes locks on other collections' tables (a seal then deadlocked with a
    concurrent drop_collection of another collection, seen in bench/serve.py).
    """
    rows = conn.execute(
        "SELECT a.grantee = 0, pg_get_userbyid(a.grantee), array_agg(a.privilege_type)"
        " FROM pg_class AS c CROSS JOIN LATERAL aclexplode(c.relacl) AS a"
        " WHERE c.oid = %s::regclass AND a.grantee <> c.relowner GROUP BY a.grantee",
        (sql.Identifier(schema_name, parent).as_string(conn),)).fetchall()
    target = sql.Identifier(schema_name, leaf)
    for public, grantee, privileges in rows:
        known = sorted(set(privileges) & _TABLE_PRIVILEGES)
        if not known:
            continue  # a privilege this module does not know: never written into a GRANT
        listed = sql.SQL(", ").join(sql.SQL(p) for p in known)
        conn.execute(sql.SQL("GRANT {} ON TABLE {} TO {}").format(
            listed, target, sql.SQL("PUBLIC") if public else sql.Identifier(grantee)))


def _grants_of(conn: psycopg.Connection, role: Role) -> list[tuple[str, str, str, str]]:
    if role.name == "admin":
        return [("Global", ANY, ANY, ANY)]
    return conn.execute(f"SELECT object_type, object_name, db_name, privilege FROM {CATALOG}.rbac_grants"
                        " WHERE role_name = %s", (role.name,)).fetchall()


#: Advisory lock of the tables' grants (``lock_grants``).
_GRANTS_LOCK = (0x7067, 0)  # "pg"


def lock_grants(conn: psycopg.Connection, shared: bool) -> None:
    """Until the transaction ends: ``shared`` for DDL that rewrites its tables' rows in pg_class
    (ALTER, DROP, TRUNCATE, DETACH), exclusive for a re-grant (``_sync_role``), which rewrites the
    ACL of every table in a schema (GRANT ... ON ALL TABLES) without locking any of them.  A
    re-grant beside such DDL on another collection failed one of the two with PostgreSQL's "tuple
    concurrently updated" (race_fuzz.py: create_partition of one collection, add_field of another)."""
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    conn.execute(sql.SQL("SELECT {}(%s::int, %s::int)").format(sql.Identifier(function)), _GRANTS_LOCK)


def _sync_role(conn: psycopg.Connection, role: Role) -> None:
    """Make the PostgreSQL role hold exactly the GRANTs its Milvus grants imply."""
    lock_grants(conn, shared=False)
    schemas = dict(conn.execute(f"SELECT name, schema_name FROM {CATALOG}.databases").fetchall())
    database = conn.execute("SELECT current_database()").fetchone()[0]
    for stmt in _revoke_all(role.pg_role, database, schemas.values()):
        conn.execute(stmt)
    plan = _Plan(database)
    custom = custom_groups(conn)
    for object_type, obj, db, privilege in _grants_of(conn, role):
        targets = schemas if db == ANY else {db: schemas[db]} if db in schemas else {}
        # a Global grant covers every table, but a custom group's is on the collection it names
        whole = obj == ANY or (object_type == "Global" and privilege not in custom)
        _plan_grant(conn, plan, whole, obj, expand(privilege, custom), targets)
    for stmt in plan.statements(role.pg_role):
        conn.execute(stmt)


class _Plan:
    """The GRANTs to issue, collected first so each object is granted once."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.tables: dict[tuple[str, str], set[str]] = {}
        self.all_tables: dict[str, set[str]] = {}
        self.schema_usage: set[str] = set()
        self.schema_create: set[str] = set()
        self.catalog: set[tuple[str, str, tuple[str, ...]]] = set()
        self.sequences: set[str] = set()
        self.database_create = False

    def statements(self, pg_role: str) -> Iterable[sql.Composed]:
        grantee = sql.Identifier(pg_role)
        for schema in sorted(self.schema_usage | self.schema_create):
            kinds = "USAGE, CREATE" if schema in self.schema_create else "USAGE"
            yield sql.SQL("GRANT {} ON SCHEMA {} TO {}").format(sql.SQL(kinds), sql.Identifier(schema), grantee)
        for schema, privs in sorted(self.all_tables.items()):
            listed = sql.SQL(", ").join(sql.SQL(p) for p in sorted(privs))
            yield sql.SQL("GRANT {} ON ALL TABLES IN SCHEMA {} TO {}").format(listed, sql.Identifier(schema),
                                                                              grantee)
            yield sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT {} ON TABLES TO {}").format(
                sql.Identifier(schema), listed, grantee)
        for (schema, table), privs in sorted(self.tables.items()):
            listed = sql.SQL(", ").join(sql.SQL(p) for p in sorted(privs))
            yield sql.SQL("GRANT {} ON TABLE {} TO {}").format(listed, sql.Identifier(schema, table), grantee)
        for table, priv, columns in sorted(self.catalog):
            cols = sql.SQL(" ({})").format(sql.SQL(", ").join(map(sql.Identifier, columns))) if columns \
                else sql.SQL("")
            yield sql.SQL("GRANT {}{} ON TABLE {} TO {}").format(sql.SQL(priv), cols,
                                                                sql.Identifier(CATALOG, table), grantee)
        for sequence in sorted(self.sequences):
            yield sql.SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(sql.Identifier(CATALOG, sequence), grantee)
        if self.database_create:
            yield sql.SQL("GRANT CREATE ON DATABASE {} TO {}").format(sql.Identifier(self.database), grantee)


def _plan_grant(conn: psycopg.Connection, plan: _Plan, whole: bool, obj: str, atoms: frozenset[str],
                schemas: dict[str, str]) -> None:
    """Add to ``plan`` the GRANTs of privileges ``atoms`` on collection ``obj`` (every table when ``whole``)."""
    table_privs = set().union(*(TABLE_GRANTS.get(a, ()) for a in atoms))
    for atom in atoms:
        plan.catalog.update(CATALOG_GRANTS.get(atom, ()))
    for atom in atoms:
        plan.sequences.update(SEQUENCE_USAGE.get(atom, ()))
    plan.database_create |= bool(atoms & DATABASE_CREATE)
    for db, schema in schemas.items():
        if atoms & SCHEMA_CREATE:
            plan.schema_create.add(schema)
        if not table_privs:
            continue
        plan.schema_usage.add(schema)
        if whole:
            plan.all_tables.setdefault(schema, set()).update(table_privs)
            continue
        info = catalog.get_collection(conn, db, obj, aliases=False)
        if info is None:
            continue  # Milvus accepts grants on collections created later (see sync_collection)
        for table in [info.table_name] + [p.table_name for p in info.partitions]:
            plan.tables.setdefault((info.schema_name, table), set()).update(table_privs)


def _revoke_all(pg_role: str, database: str, schemas: Iterable[str]) -> Iterable[sql.Composed]:
    grantee = sql.Identifier(pg_role)
    for schema in schemas:
        ident = sql.Identifier(schema)
        yield sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(ident, grantee)
        yield sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} REVOKE ALL ON TABLES FROM {}").format(ident, grantee)
        yield sql.SQL("REVOKE ALL ON SCHEMA {} FROM {}").format(ident, grantee)
    # PUBLIC's SELECT on the catalog (002_rbac.sql) is a separate grant and stays.
    yield sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(sql.Identifier(CATALOG), grantee)
    for sequence in sorted({name for names in SEQUENCE_USAGE.values() for name in names}):
        yield sql.SQL("REVOKE ALL ON SEQUENCE {} FROM {}").format(sql.Identifier(CATALOG, sequence), grantee)
    yield sql.SQL("REVOKE CREATE ON DATABASE {} FROM {}").format(sql.Identifier(database), grantee)
