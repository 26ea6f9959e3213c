"""Milvus 2.5+ custom privilege groups: a name for a set of privileges, granted like one.

A group is a row of ``rbac_privilege_groups`` (011_privilege_groups.sql); granting it
(grant_privilege_v2) is a row of ``rbac_grants`` naming it, and roles.py's ``_sync_role``
expands it into the GRANTs of its privileges.  So adding or removing a privilege only
rewrites the row and re-syncs the roles granted the group: PostgreSQL then allows exactly
what the group holds now.  Checks and texts are Milvus 2.6's (proxy ValidatePrivilegeGroupName,
rootcoord CheckIfPrivilegeGroupCreatable/Dropable/Alterable), pymilvus's before them.
"""

from __future__ import annotations

from typing import Any, Sequence

import psycopg

from ..catalog.store import CATALOG
from ..errors import ErrorCode, MilvusException, ParamError
from .privileges import ALL_PRIVILEGES, ANY, NAME_MAX_LEN, PRIVILEGE_GROUPS
from .roles import _entity_name, _invalid, custom_groups, param_type, privilege_level, require_manager, \
    sync_group_roles

# -- arguments (pymilvus's checks, then Milvus's proxy's) ------------------------------------------------

def group_name(value: Any) -> str:
    """pymilvus's ``privilege_group`` check, then Milvus's ValidatePrivilegeGroupName."""
    name = param_type("privilege_group", value)
    if len(name) > NAME_MAX_LEN:
        raise _bad_name(name, f"the length of a privilege group name {name} must be less than {NAME_MAX_LEN} "
                              "characters")
    if not (name[0] == "_" or (name[0].isascii() and name[0].isalpha())):
        raise _bad_name(name, f"the first character of a privilege group name {name} must be an underscore "
                              "or letter")
    if not all(ch == "_" or (ch.isascii() and ch.isalnum()) for ch in name[1:]):
        raise _invalid(f"privilege group name {name} can only contain numbers, letters and underscores")
    return name


def _bad_name(name: str, message: str) -> MilvusException:
    """Milvus's ErrPrivilegeGroupInvalidName (code 1402)."""
    return MilvusException(ErrorCode.PRIVILEGE_GROUP_INVALID_NAME,
                           f"{message}: invalid privilege group name[privilegeGroup={name}]")


def privilege_names(value: Any) -> list[str]:
    """pymilvus's ``privileges`` check (a non-empty list of non-empty str), then Milvus's
    ValidatePrivilege of each name (letters, digits, ``_`` and ``$``, or ``*``)."""
    if not (isinstance(value, list) and value and all(isinstance(p, str) and p for p in value)):
        raise ParamError(message=f"`privileges` value {value} is illegal")
    return [p if p == ANY else _entity_name("Privilege", p) for p in value]


# -- the calls ----------------------------------------------------------------------------------------

def create_privilege_group(conn: psycopg.Connection, db_name: str, name: str) -> None:
    """An empty group; its name must be neither a group already nor a built-in privilege or group."""
    require_manager(conn, db_name, "CreatePrivilegeGroup")
    why = "failed to check if privilege group creatable"
    if name in custom_groups(conn):
        raise _refused(f"{why}: privilege group name [{name}] is defined by users",
                       f"choose another name, or drop_privilege_group(\"{name}\") first")
    if is_defined(name):
        raise _refused(f"{why}: privilege group name [{name}] is defined by built in privileges or privilege "
                       "groups in system", "choose another name")
    insert_group(conn, name)


def insert_group(conn: psycopg.Connection, name: str, privileges: Sequence[str] = ()) -> None:
    """A group's row (checked by the caller: the name free, the privileges Milvus's); each privilege
    kept once, in order, as Milvus's SavePrivilegeGroup keeps them."""
    conn.execute(f"INSERT INTO {CATALOG}.rbac_privilege_groups (name, privileges) VALUES (%s, %s)",
                 (name, list(dict.fromkeys(privileges))))


def drop_privilege_group(conn: psycopg.Connection, db_name: str, name: str) -> None:
    """Like Milvus, dropping a name that is no custom group succeeds; a granted group is refused."""
    require_manager(conn, db_name, "DropPrivilegeGroup")
    if name not in custom_groups(conn):
        return
    row = conn.execute(f"SELECT role_name FROM {CATALOG}.rbac_grants WHERE privilege = %s ORDER BY role_name"
                       " LIMIT 1", (name,)).fetchone()
    if row is not None:
        raise MilvusException(ErrorCode.SERVER_ERROR, f"failed to check if privilege group dropable: privilege "
                              f"group [{name}] is used by role [{row[0]}], Use REVOKE API to revoke it first")
    conn.execute(f"DELETE FROM {CATALOG}.rbac_privilege_groups WHERE name = %s", (name,))


def list_privilege_groups(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """pymilvus's shape: ``[{"privilege_group": name, "privileges": (names...)}]``, the custom
    groups first, then the built-in ones (Milvus appends them)."""
    groups = {**custom_groups(conn), **PRIVILEGE_GROUPS}
    return [{"privilege_group": name, "privileges": tuple(privileges)} for name, privileges in groups.items()]


def add_privileges_to_group(conn: psycopg.Connection, db_name: str, name: str, privileges: Sequence[str]) -> None:
    """Add privileges (all of one level, with those already there), then re-sync the roles granted it."""
    current = _alterable(conn, db_name, name, privileges)
    merged = list(dict.fromkeys([*current, *privileges]))
    if len({privilege_level(p) for p in merged}) > 1:
        raise _refused("failed to check if privilege group alterable: privileges are not the same privilege "
                       "level", f"group {name} holds {_levels(current)}, adding {_levels(privileges)}: put "
                                "privileges of different levels (Cluster, Database, Collection) in different groups")
    _store(conn, name, merged)


def remove_privileges_from_group(conn: psycopg.Connection, db_name: str, name: str,
                                 privileges: Sequence[str]) -> None:
    """Remove privileges (absent ones are ignored, as in Milvus), then re-sync the roles granted it."""
    current = _alterable(conn, db_name, name, privileges)
    _store(conn, name, [p for p in current if p not in set(privileges)])


# -- helpers ------------------------------------------------------------------------------------------

def _refused(message: str, fix: str) -> MilvusException:
    """Milvus's 1100 text, then what to do about it."""
    return MilvusException(ErrorCode.INVALID_PARAMETER, f"{message}: invalid parameter; {fix}")


def is_defined(name: str) -> bool:
    """Milvus's IsPrivilegeNameDefined: a built-in privilege or privilege group name."""
    return name in ALL_PRIVILEGES or name in PRIVILEGE_GROUPS


def _alterable(conn: psycopg.Connection, db_name: str, name: str, privileges: Sequence[str]) -> list[str]:
    """Milvus's CheckIfPrivilegeGroupAlterable; the group's privileges, its row locked until commit
    (two concurrent changes of one group must not lose one)."""
    require_manager(conn, db_name, "OperatePrivilegeGroup")
    why = "failed to check if privilege group alterable"
    row = conn.execute(f"SELECT privileges FROM {CATALOG}.rbac_privilege_groups WHERE name = %s FOR UPDATE",
                       (name,)).fetchone()
    if row is None:
        raise _refused(f"{why}: there is no privilege group name [{name}] defined in system to operate",
                       f"create_privilege_group(\"{name}\") first")
    if not privileges:
        raise _refused(f"{why}: privileges is empty when alter the privilege group", "name one privilege at least")
    custom = custom_groups(conn)
    for privilege in privileges:
        if not (is_defined(privilege) or privilege in custom):
            raise _refused(f"{why}: there is no privilege name or privilege group name [{privilege}] defined "
                           "in system to operate", "name a Milvus privilege such as Search or Insert")
    return list(row[0])


def _levels(privileges: Sequence[str]) -> str:
    """Each privilege with its level, so a mixed-level refusal shows which one doesn't fit."""
    return ", ".join(f"{p} ({privilege_level(p) or 'no level'})" for p in privileges) or "nothing"


def _store(conn: psycopg.Connection, name: str, privileges: list[str]) -> None:
    """Save the group's privileges and re-sync the roles granted it, in the call's one transaction."""
    conn.execute(f"UPDATE {CATALOG}.rbac_privilege_groups SET privileges = %s WHERE name = %s",
                 (privileges, name))
    sync_group_roles(conn)
