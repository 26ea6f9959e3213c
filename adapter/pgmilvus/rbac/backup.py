"""Milvus's BackupRBAC / RestoreRBAC: users, roles, grants and privilege groups as one value.

The value is milvus.proto's ``RBACMeta`` as a dict with the proto's field names (what the Node
SDK's ``backupRBAC`` returns; ``pgmilvus serve`` converts it with protobuf's json_format), so a
backup taken over the wire restores in process and the other way round::

    {"users": [{"user": "u", "password": "SCRAM-SHA-256$...", "roles": [{"name": "r"}]}],
     "roles": [{"name": "r", "description": ""}],
     "grants": [{"role": {"name": "r"}, "object": {"name": "Collection"}, "object_name": "c",
                 "db_name": "default", "grantor": {"user": {"name": "root"}, "privilege": {"name": "Search"}}}],
     "privilege_groups": [{"group_name": "g", "privileges": [{"name": "Query"}]}]}

As Milvus's rootcoord (kv_catalog BackupRBAC / RestoreRBAC, meta_table CheckIfRBACRestorable):
the backup leaves out ``root``, ``admin`` and ``public`` and lists every grant of the other roles
in every database; a restore first checks that nothing in it exists yet (1100 "failed to check if
rbac restorable: ..."), then creates roles, privilege groups, grants and users with their roles,
in the call's one transaction.  A password travels as PostgreSQL's verifier from pg_authid, which
PostgreSQL accepts back as is: only a superuser reads it, so only a superuser backs up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import psycopg
from psycopg import sql

from ..catalog.store import CATALOG
from ..errors import ErrorCode, MilvusException, ParamError, PermissionDenied
from . import groups, roles
from .privileges import ANY, BUILTIN_ROLES, OBJECT_TYPES

# -- backup ---------------------------------------------------------------------------------------------

def backup(conn: psycopg.Connection, db_name: str) -> dict[str, list[dict[str, Any]]]:
    """The RBAC meta of this pgmilvus database (the one PostgreSQL database: all Milvus databases)."""
    user = roles.require_manager(conn, db_name, "BackupRBAC")
    if not roles.verifiers_readable(conn):
        raise PermissionDenied(
            roles.denied_message("BackupRBAC", user, db_name) + ": a backup holds the users' password "
            "verifiers, which PostgreSQL lets only a superuser read (pg_authid); connect as a superuser (the "
            "embedded server's user is one)", user=user)
    return {"users": _users(conn), "roles": _roles(conn), "grants": _grants(conn),
            "privilege_groups": [{"group_name": name, "privileges": [{"name": p} for p in privileges]}
                                 for name, privileges in roles.custom_groups(conn).items()]}


def _users(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Every user but root, with its verifier ("" when it has no password) and its roles."""
    memberships: dict[str, list[dict[str, str]]] = {}
    for user, role in conn.execute(f"SELECT user_name, role_name FROM {CATALOG}.rbac_user_roles"
                                   " ORDER BY user_name, role_name"):
        memberships.setdefault(user, []).append({"name": role})
    rows = conn.execute(f"SELECT u.name, coalesce(a.rolpassword, '') FROM {CATALOG}.rbac_users AS u"
                        " LEFT JOIN pg_authid AS a ON a.rolname = u.name WHERE u.name <> %s"
                        " ORDER BY u.created_at, u.name", (roles.ROOT_USER,))
    return [{"user": name, "password": verifier, "roles": memberships.get(name, [])} for name, verifier in rows]


def _roles(conn: psycopg.Connection) -> list[dict[str, str]]:
    rows = conn.execute(f"SELECT name, description FROM {CATALOG}.rbac_roles WHERE name <> ALL(%s)"
                        " ORDER BY created_at, name", (list(BUILTIN_ROLES),))
    return [{"name": name, "description": description} for name, description in rows]


def _grants(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """The grants of every role but the built-in ones, in every database (Milvus asks for db ``*``)."""
    rows = conn.execute(f"SELECT role_name, object_type, object_name, db_name, grantor_name, privilege"
                        f" FROM {CATALOG}.rbac_grants WHERE role_name <> ALL(%s)"
                        " ORDER BY role_name, db_name, object_type, object_name, privilege", (list(BUILTIN_ROLES),))
    return [{"role": {"name": role}, "object": {"name": object_type}, "object_name": object_name,
             "db_name": db, "grantor": {"user": {"name": grantor}, "privilege": {"name": privilege}}}
            for role, object_type, object_name, db, grantor, privilege in rows]


# -- the meta a restore is given --------------------------------------------------------------------------

@dataclass(frozen=True)
class Grant:
    role: str
    object_type: str
    object_name: str
    db_name: str
    privilege: str
    grantor: str


@dataclass
class Meta:
    """A checked RBACMeta: names in Milvus's rules, each part in the order given."""
    users: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (user, verifier, roles)
    roles: list[tuple[str, str]] = field(default_factory=list)  # (name, description)
    grants: list[Grant] = field(default_factory=list)
    privilege_groups: list[tuple[str, list[str]]] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.users or self.roles or self.grants or self.privilege_groups)


def parse(meta: Any, current_db: str) -> Meta:
    """Check ``meta`` (a dict as ``backup`` returns, keys optional as protobuf's json_format leaves
    empty ones out) before any SQL: shapes (code 1), then names and descriptions by Milvus's rules."""
    meta = _mapping(meta, "meta")
    parsed = Meta()
    for i, role in enumerate(_list(meta, "roles")):
        role = _mapping(role, f"roles[{i}]")
        description = _text(role, "description", f"roles[{i}]")
        parsed.roles.append((roles.role_name(_text(role, "name", f"roles[{i}]")), roles.role_description(description)))
    for i, group in enumerate(_list(meta, "privilege_groups")):
        where = f"privilege_groups[{i}]"
        group = _mapping(group, where)
        parsed.privilege_groups.append((groups.group_name(_text(group, "group_name", where)),
                                        [_name(p, f"{where}.privileges") for p in _list(group, "privileges", where)]))
    for i, grant in enumerate(_list(meta, "grants")):
        parsed.grants.append(_grant(_mapping(grant, f"grants[{i}]"), f"grants[{i}]", current_db))
    for i, user in enumerate(_list(meta, "users")):
        where = f"users[{i}]"
        user = _mapping(user, where)
        parsed.users.append((roles.user_name(_text(user, "user", where)), _text(user, "password", where),
                             [roles.role_name(_name(r, f"{where}.roles")) for r in _list(user, "roles", where)]))
    return parsed


def _grant(grant: Mapping[str, Any], where: str, current_db: str) -> Grant:
    role = roles.role_name(_name(grant.get("role") or {}, f"{where}.role"))
    object_type = _name(grant.get("object") or {}, f"{where}.object")
    if object_type not in OBJECT_TYPES:  # rootcoord's text for an unknown object type
        raise MilvusException(ErrorCode.SERVER_ERROR, f"not found the object type[name: {object_type}], supported "
                                                      f"the object types: {list(OBJECT_TYPES)}")
    grantor = _mapping(grant.get("grantor") or {}, f"{where}.grantor")
    privilege = _name(grantor.get("privilege") or {}, f"{where}.grantor.privilege")
    return Grant(role=role, object_type=object_type,
                 object_name=roles.object_name(_text(grant, "object_name", where)),
                 db_name=roles.db_name_of(_text(grant, "db_name", where), current_db),
                 privilege=roles.param_type("privilege", privilege),
                 grantor=_name(grantor.get("user") or {}, f"{where}.grantor.user"))


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ParamError(message=f"`{where}` value {value!r} is illegal: the RBAC meta is a dict as backup_rbac "
                                 "returns it")
    return value


def _list(value: Mapping[str, Any], key: str, where: str = "meta") -> list[Any]:
    items = value.get(key) or []
    if not isinstance(items, (list, tuple)):
        raise ParamError(message=f"`{where}.{key}` value {items!r} is illegal: a list is expected")
    return list(items)


def _text(value: Mapping[str, Any], key: str, where: str) -> str:
    text = value.get(key) or ""
    if not isinstance(text, str):
        raise ParamError(message=f"`{where}.{key}` value {text!r} is illegal: a string is expected")
    return text


def _name(entity: Any, where: str) -> str:
    """The ``name`` of an entity (RoleEntity, PrivilegeEntity, ...)."""
    return _text(_mapping(entity, where), "name", where)


# -- restore --------------------------------------------------------------------------------------------

def restore(conn: psycopg.Connection, db_name: str, meta: Meta) -> None:
    """Milvus's RestoreRBAC in the call's transaction: all of it, or nothing."""
    grantor = roles.require_manager(conn, db_name, "RestoreRBAC")
    if meta.empty():  # rootcoord: "rbac meta is empty", answered as a success
        return
    roles.ensure_builtin_roles(conn)
    _check_restorable(conn, meta)
    for name, description in meta.roles:
        roles.create_role(conn, db_name, name, description)
    for name, privileges in meta.privilege_groups:
        groups.insert_group(conn, name, privileges)
    for g in meta.grants:
        roles.insert_grant(conn, g.role, g.object_type, g.object_name, g.db_name, g.privilege, g.grantor or grantor)
    roles.sync_roles(conn, {g.role for g in meta.grants})
    for name, verifier, member_of in meta.users:
        roles.add_user(conn, name, sql.Literal(verifier) if verifier else None)
        for role in member_of:
            roles.grant_role(conn, db_name, name, role)


def _check_restorable(conn: psycopg.Connection, meta: Meta) -> None:
    """meta_table's CheckIfRBACRestorable, in its order; then pgmilvus's own checks of what PostgreSQL
    needs (a password it keeps as a verifier, a group's privileges known, a grant's role)."""
    existing_roles = set(roles.list_roles(conn))
    for name, _ in meta.roles:
        if name in existing_roles:
            raise _not_restorable(f"role [{name}] already exists", f"drop_role(\"{name}\") first, or leave it out")
    existing_groups = roles.custom_groups(conn)
    for name, privileges in meta.privilege_groups:
        if name in existing_groups:
            raise _not_restorable(f"privilege group [{name}] already exists",
                                  f"drop_privilege_group(\"{name}\") first, or leave it out")
        if groups.is_defined(name):
            raise _not_restorable(f"privilege group name [{name}] is defined by built in privileges or privilege "
                                  "groups in system")
        _check_privileges(privileges, {})
    known_groups = {**existing_groups, **dict(meta.privilege_groups)}
    _check_privileges([g.privilege for g in meta.grants], known_groups)
    roles_after = existing_roles | {name for name, _ in meta.roles}
    _check_roles([g.role for g in meta.grants], roles_after)
    for name, verifier, member_of in meta.users:
        _check_user(conn, name, verifier)
        _check_roles(member_of, roles_after)


def _check_privileges(names: list[str], custom: Mapping[str, Any]) -> None:
    for name in names:
        if name != ANY and name not in custom and not groups.is_defined(name):
            raise _not_restorable(f"privilege [{name}] does not exist")


def _check_roles(names: list[str], known: set[str]) -> None:
    for name in names:
        if name not in known:
            raise _not_restorable(f"role [{name}] does not exist")


def _check_user(conn: psycopg.Connection, name: str, verifier: str) -> None:
    taken = roles.user_name_taken(conn, name)
    if taken:
        raise _not_restorable(f"user [{name}] already exists",
                              f"drop_user(\"{name}\") first, or leave it out" if taken == "a user" else
                              "a PostgreSQL role of that name exists and is not a pgmilvus user")
    if verifier and not roles.stored_verifier(verifier):
        raise _not_restorable(f"the password of user [{name}] is not a PostgreSQL password verifier",
                              "pgmilvus restores the SCRAM-SHA-256 (or md5) verifier its backup_rbac gives; "
                              "a Milvus server's bcrypt hash can't be converted: create that user with "
                              "create_user instead")


def _not_restorable(message: str, fix: str = "") -> MilvusException:
    """rootcoord's wrap of ErrParameterInvalid (1100), then pgmilvus's hint."""
    text = f"failed to check if rbac restorable: {message}: invalid parameter"
    return MilvusException(ErrorCode.INVALID_PARAMETER, f"{text}; {fix}" if fix else text)

