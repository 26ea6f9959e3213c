-- pgmilvus catalog, version 11: Milvus 2.5+ custom privilege groups (adapter/pgmilvus/rbac/groups.py).
-- A group is only a name for a set of privileges: granting it (grant_privilege_v2) is a
-- row of rbac_grants naming the group, and a role's PostgreSQL GRANTs are recomputed from
-- its grants with each group expanded (rbac/roles.py, _sync_role), so changing a group
-- re-syncs the roles granted it.  Private like the other rbac_* tables: managers only,
-- plus roles granted ListPrivilegeGroups (privileges.py, CATALOG_GRANTS).

CREATE TABLE IF NOT EXISTS pgmilvus_catalog.rbac_privilege_groups (  -- re-runnable, as 008
    name       text PRIMARY KEY,                 -- the group's Milvus name
    privileges text[] NOT NULL DEFAULT '{}',     -- Milvus API names, in the order they were added
    created_at timestamptz NOT NULL DEFAULT now()
);
