"""Milvus's access-control vocabulary and what each privilege means in PostgreSQL.

Pure data: the privilege names Milvus accepts per object type, the 2.5+
privilege groups, the GRANTs each privilege becomes on collection and catalog
tables, and which privilege each MilvusClient method needs (to name it in
Milvus's permission error). ``rbac.py`` applies it.
"""

from __future__ import annotations

# -- Milvus's vocabulary ---------------------------------------------------------------------------

BUILTIN_ROLES = ("admin", "public")
OBJECT_TYPES = ("Collection", "Global", "User")
ANY = "*"
USER_MAX_LEN = 32          # proxy.maxUsernameLength
PASSWORD_MIN_LEN = 6       # proxy.minPasswordLength
PASSWORD_MAX_LEN = 256     # proxy.maxPasswordLength
NAME_MAX_LEN = 255         # proxy.maxNameLength (role names)
#: ErrPrivilegeNotAuthenticated: what Milvus answers to a wrong old password.
NOT_AUTHENTICATED = 1400

_COLLECTION_PRIVILEGES = (
    "Load", "Release", "Compaction", "Insert", "Delete", "Upsert", "GetStatistics", "CreateIndex",
    "IndexDetail", "DropIndex", "Search", "Flush", "Query", "LoadBalance", "Import",
    "GetLoadingProgress", "GetLoadState", "CreatePartition", "DropPartition", "ShowPartitions",
    "HasPartition", "GetFlushState")
_GLOBAL_PRIVILEGES = (
    "All", "CreateCollection", "DropCollection", "DescribeCollection", "ShowCollections",
    "RenameCollection", "CreateOwnership", "DropOwnership", "SelectOwnership", "ManageOwnership",
    "BackupRBAC", "RestoreRBAC", "CreateResourceGroup", "UpdateResourceGroups", "DropResourceGroup",
    "DescribeResourceGroup", "ListResourceGroups", "TransferReplica", "TransferNode", "FlushAll",
    "CreateDatabase", "DropDatabase", "ListDatabases", "AlterDatabase", "DescribeDatabase",
    "CreateAlias", "DropAlias", "DescribeAlias", "ListAliases", "CreatePrivilegeGroup",
    "DropPrivilegeGroup", "ListPrivilegeGroups", "OperatePrivilegeGroup")
USER_PRIVILEGES = ("UpdateUser", "SelectUser")

_COLLECTION_RO = ("Query", "Search", "IndexDetail", "GetFlushState", "GetLoadState",
                  "GetLoadingProgress", "HasPartition", "ShowPartitions", "DescribeCollection",
                  "DescribeAlias", "GetStatistics", "ListAliases")
_COLLECTION_RW = _COLLECTION_RO + ("Load", "Release", "Insert", "Delete", "Upsert", "Import", "Flush",
                                   "Compaction", "LoadBalance", "CreateIndex", "DropIndex",
                                   "CreatePartition", "DropPartition")
_DATABASE_RO = ("ShowCollections", "DescribeDatabase")
_CLUSTER_RO = ("ListDatabases", "SelectOwnership", "SelectUser", "DescribeResourceGroup",
               "ListResourceGroups", "ListPrivilegeGroups")
_CLUSTER_RW = _CLUSTER_RO + ("FlushAll", "TransferNode", "TransferReplica", "UpdateResourceGroups")
#: Milvus 2.5+ built-in privilege groups (grant_privilege_v2 names).
PRIVILEGE_GROUPS: dict[str, tuple[str, ...]] = {
    "CollectionReadOnly": _COLLECTION_RO,
    "CollectionReadWrite": _COLLECTION_RW,
    "CollectionAdmin": _COLLECTION_RW + ("CreateAlias", "DropAlias"),
    "DatabaseReadOnly": _DATABASE_RO,
    "DatabaseReadWrite": _DATABASE_RO + ("AlterDatabase",),
    "DatabaseAdmin": _DATABASE_RO + ("AlterDatabase", "CreateCollection", "DropCollection"),
    "ClusterReadOnly": _CLUSTER_RO,
    "ClusterReadWrite": _CLUSTER_RW,
    "ClusterAdmin": _CLUSTER_RW + ("BackupRBAC", "RestoreRBAC", "CreateDatabase", "DropDatabase",
                                   "CreateOwnership", "DropOwnership", "ManageOwnership",
                                   "CreateResourceGroup", "DropResourceGroup", "UpdateUser",
                                   "RenameCollection", "CreatePrivilegeGroup", "DropPrivilegeGroup",
                                   "OperatePrivilegeGroup"),
}
#: Milvus 2.6's privilege levels (util.GetPrivilegeLevel): the first group listing a privilege
#: gives its level; a privilege in none (``All``, a group's name) has the level "".
PRIVILEGE_LEVELS: tuple[tuple[str, frozenset[str]], ...] = (
    ("Cluster", frozenset(PRIVILEGE_GROUPS["ClusterAdmin"])),
    ("Database", frozenset(PRIVILEGE_GROUPS["DatabaseAdmin"])),
    ("Collection", frozenset(PRIVILEGE_GROUPS["CollectionAdmin"])),
)
OBJECT_PRIVILEGES: dict[str, frozenset[str]] = {
    "Collection": frozenset(_COLLECTION_PRIVILEGES) | {"CollectionReadOnly", "CollectionReadWrite"},
    "Global": frozenset(_GLOBAL_PRIVILEGES) | frozenset(PRIVILEGE_GROUPS),
    "User": frozenset(USER_PRIVILEGES),
}
ALL_PRIVILEGES = frozenset(_COLLECTION_PRIVILEGES + _GLOBAL_PRIVILEGES + USER_PRIVILEGES)

# -- what each Milvus privilege means in PostgreSQL --------------------------------------------------

#: Privileges on the collection's own tables (parent and partitions).
TABLE_GRANTS: dict[str, tuple[str, ...]] = {
    "Query": ("SELECT",), "Search": ("SELECT",), "GetStatistics": ("SELECT",),
    "Insert": ("INSERT",), "Import": ("INSERT",),
    # a filtered delete reads the columns it tests; an upsert replaces rows
    "Delete": ("DELETE", "SELECT"),
    "Upsert": ("INSERT", "UPDATE", "DELETE", "SELECT"),
    # compact(): counts each segment's live rows, VACUUM and ANALYZE (MAINTAIN, PostgreSQL 17+)
    "Compaction": ("SELECT", "MAINTAIN"),
}
#: Catalog tables the operation writes (or, for ListPrivilegeGroups, reads: private tables) -> privilege, columns.
CATALOG_GRANTS: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    "Load": (("partitions", "UPDATE", ("loaded",)),),
    "Release": (("partitions", "UPDATE", ("loaded",)),),
    "CreateIndex": (("indexes", "INSERT", ()), ("indexes", "UPDATE", ("params",))),
    "DropIndex": (("indexes", "DELETE", ()),),
    "CreatePartition": (("partitions", "INSERT", ()), ("collections", "UPDATE", ("next_partition",)),
                        ("segments", "INSERT", ())),
    "DropPartition": (("partitions", "DELETE", ()),),
    "CreateAlias": (("aliases", "INSERT", ()), ("aliases", "UPDATE", ("collection_id",))),
    "DropAlias": (("aliases", "DELETE", ()),),
    "ListPrivilegeGroups": (("rbac_privilege_groups", "SELECT", ()),),
    # list_users / list_roles / describe_role (Global SelectOwnership) and describe_user (SelectUser)
    # read the private rbac_* rows: users, roles, memberships, grants (never passwords: PostgreSQL's)
    "SelectOwnership": (("rbac_users", "SELECT", ()), ("rbac_roles", "SELECT", ()),
                        ("rbac_user_roles", "SELECT", ()), ("rbac_grants", "SELECT", ()),
                        ("rbac_privilege_groups", "SELECT", ())),
    "SelectUser": (("rbac_users", "SELECT", ()), ("rbac_user_roles", "SELECT", ())),
    "CreateCollection": (("collections", "INSERT", ()), ("collections", "UPDATE", ("next_partition",)),
                         ("fields", "INSERT", ()), ("partitions", "INSERT", ()), ("indexes", "INSERT", ()),
                         ("segments", "INSERT", ())),
    "DropCollection": (("collections", "DELETE", ()),),
    "RenameCollection": (("collections", "UPDATE", ("db_name", "name", "table_name")),
                         ("partitions", "UPDATE", ("table_name",))),
    "CreateDatabase": (("databases", "INSERT", ()),),
    "DropDatabase": (("databases", "DELETE", ()), ("aliases", "DELETE", ())),
    "AlterDatabase": (("databases", "UPDATE", ("properties",)),),
    # resource groups (025): every role reads them; writing is the Cluster privileges'
    "CreateResourceGroup": (("resource_groups", "INSERT", ()),),
    "DropResourceGroup": (("resource_groups", "DELETE", ()),),
    "UpdateResourceGroups": (("resource_groups", "UPDATE", ("config",)),),
    "TransferNode": (("resource_groups", "UPDATE", ("config",)),),
}
#: Operations that create tables in the database's schema.
SCHEMA_CREATE = frozenset({"CreateCollection", "CreatePartition"})
#: Operations that draw auto_id values from the shared sequence.
#: The catalog sequences each privilege draws from: auto_id keys, and the id of the growing segment
#: a new collection or partition starts with (segments.create_growing).
SEQUENCE_USAGE = {"Insert": ("auto_id",), "Upsert": ("auto_id",), "Import": ("auto_id",),
                  "CreateCollection": ("segment_ids",), "CreatePartition": ("segment_ids",)}
DATABASE_CREATE = frozenset({"CreateDatabase"})

#: MilvusClient method -> the privilege Milvus checks for it (names the refused privilege).
METHOD_PRIVILEGES: dict[str, str] = {
    "insert": "Insert", "upsert": "Upsert", "delete": "Delete", "search": "Search",
    "hybrid_search": "Search", "search_iterator": "Search", "query": "Query", "get": "Query",
    "query_iterator": "Query", "create_collection": "CreateCollection",
    "drop_collection": "DropCollection", "describe_collection": "DescribeCollection",
    "has_collection": "DescribeCollection", "list_collections": "ShowCollections",
    "list_collection_details": "ShowCollections",
    "rename_collection": "RenameCollection", "truncate_collection": "Delete",
    "load_collection": "Load", "refresh_load": "Load", "load_partitions": "Load",
    "release_collection": "Release", "release_partitions": "Release", "get_load_state": "GetLoadState",
    "flush": "Flush", "flush_all": "FlushAll", "compact": "Compaction", "optimize": "Compaction",
    "get_collection_stats": "GetStatistics",
    "get_partition_stats": "GetStatistics", "create_index": "CreateIndex", "drop_index": "DropIndex",
    "describe_index": "IndexDetail", "list_indexes": "IndexDetail", "create_partition": "CreatePartition",
    "drop_partition": "DropPartition", "has_partition": "HasPartition", "list_partitions": "ShowPartitions",
    "list_partition_details": "ShowPartitions", "index_ids": "IndexDetail",
    "create_database": "CreateDatabase", "drop_database": "DropDatabase", "list_databases": "ListDatabases",
    "list_database_details": "ListDatabases",
    "describe_database": "DescribeDatabase", "alter_database_properties": "AlterDatabase",
    "drop_database_properties": "AlterDatabase", "create_alias": "CreateAlias", "alter_alias": "CreateAlias",
    "drop_alias": "DropAlias", "describe_alias": "DescribeAlias", "list_aliases": "ListAliases",
    "create_user": "CreateOwnership", "drop_user": "DropOwnership", "create_role": "CreateOwnership",
    "drop_role": "DropOwnership", "grant_role": "ManageOwnership", "revoke_role": "ManageOwnership",
    "grant_privilege": "ManageOwnership", "revoke_privilege": "ManageOwnership",
    "grant_privilege_v2": "ManageOwnership", "revoke_privilege_v2": "ManageOwnership",
    "update_password": "UpdateUser", "update_user": "UpdateUser", "alter_role": "CreateOwnership",
    "list_users": "SelectOwnership", "describe_user": "SelectUser",
    "list_roles": "SelectOwnership", "describe_role": "SelectOwnership",
    "create_privilege_group": "CreatePrivilegeGroup", "drop_privilege_group": "DropPrivilegeGroup",
    "list_privilege_groups": "ListPrivilegeGroups", "add_privileges_to_group": "OperatePrivilegeGroup",
    "remove_privileges_from_group": "OperatePrivilegeGroup",
    "backup_rbac": "BackupRBAC", "restore_rbac": "RestoreRBAC",
    "create_resource_group": "CreateResourceGroup", "drop_resource_group": "DropResourceGroup",
    "update_resource_groups": "UpdateResourceGroups", "transfer_node": "TransferNode",
    "transfer_replica": "TransferReplica", "load_balance": "LoadBalance",
    # the privilege_ext_obj option of each request in milvus.proto (AlterCollection, AlterCollectionField
    # -> CreateCollection; AlterIndex -> CreateIndex; drop_collection_field is AlterCollectionSchema)
    "alter_collection_properties": "CreateCollection", "drop_collection_properties": "CreateCollection",
    "add_collection_field": "AddCollectionField", "add_collection_struct_field": "AddCollectionField", "alter_collection_field": "CreateCollection",
    "drop_collection_field_properties": "CreateCollection",
    "drop_collection_field": "AlterCollectionSchema", "alter_index_properties": "CreateIndex",
    "drop_index_properties": "CreateIndex",
    "add_collection_function": "CreateCollection", "alter_collection_function": "CreateCollection",
    "drop_collection_function": "CreateCollection",
    "add_function_field": "AlterCollectionSchema", "drop_function_field": "AlterCollectionSchema",
    "alter_collection_schema_add": "AlterCollectionSchema", "alter_collection_schema_drop": "AlterCollectionSchema",
    # pgmilvus's own: the schema a describe gives (the wire server types answers with it)
    "collection_schema": "DescribeCollection",
    # Milvus master's snapshot RPCs (commonpb.ObjectPrivilege: PrivilegeCreateSnapshot, ...)
    "create_snapshot": "CreateSnapshot", "drop_snapshot": "DropSnapshot", "describe_snapshot": "DescribeSnapshot",
    "list_snapshots": "ListSnapshots", "restore_snapshot": "RestoreSnapshot",
    "get_restore_snapshot_state": "RestoreSnapshot", "list_restore_snapshot_jobs": "RestoreSnapshot",
    "pin_snapshot_data": "PinSnapshotData", "unpin_snapshot_data": "UnpinSnapshotData",
}
#: Methods whose request Milvus checks no privilege for (GetReplicas, GetVersion, ...) or that send
#: none: a refusal by PostgreSQL is reported without a privilege name.
UNCHECKED_METHODS = frozenset({"describe_replica", "get_compaction_state", "get_flush_all_state", "get_server_type",
                               "get_compaction_plans", "list_compaction_tasks",  # GetCompactionStateWithPlans
                               "get_server_version", "use_database", "using_database", "close",
                               "list_persistent_segments", "list_segments", "list_loaded_segments",
                               "get_segments_info",  # GetSegmentsInfo is internalpb's: no privilege
                               "bind",  # pgmilvus's own: sends nothing itself
                               # the resource_groups table is every role's to read (025_resource_groups.sql)
                               "list_resource_groups", "describe_resource_group",
                               "run_analyzer",  # RunAnalyzerRequest has no privilege_ext_obj
                               "collection_name_of",  # pgmilvus's own: a catalog lookup, as describe_replica's
                               "schema_timestamp",  # pgmilvus's own: the catalog read of a write's schema check
                               # pgmilvus's own, for pgmilvus serve over an embedded server: PostgreSQL's
                               # privileges decide (pg_authid is a superuser's; creating root needs CREATEROLE)
                               "verify_password", "ensure_root_user"})
