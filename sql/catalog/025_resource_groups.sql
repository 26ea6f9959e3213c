-- pgmilvus catalog, version 25: resource groups (adapter/pgmilvus/catalog/resource_groups.py).
--
-- Milvus's querycoord keeps each resource group's name and config (requests / limits node_num,
-- transfer_from / transfer_to, node_filter) in its meta store, so create_resource_group on one
-- proxy is seen by every other.  pgmilvus keeps them here for the same reason: every process and
-- every `pgmilvus serve` reads one state.  The config is the ResourceGroupConfig message as JSON
-- (a missing requests / limits stays missing: Milvus compares configs with proto.Equal, which
-- tells an absent message from an empty one).  Nodes are not stored: like a standalone Milvus,
-- pgmilvus has one query node, always in the default group.
--
-- Cluster-level objects with no owner, so no row security: every role reads the groups
-- (list_resource_groups / describe_resource_group, as before this table), and writing needs the
-- privilege Milvus checks, granted per table by rbac/privileges.py (CATALOG_GRANTS:
-- CreateResourceGroup INSERT, DropResourceGroup DELETE, UpdateResourceGroups / TransferNode UPDATE).
-- Re-runnable (IF NOT EXISTS, ON CONFLICT).
CREATE TABLE IF NOT EXISTS pgmilvus_catalog.resource_groups (
    name       text PRIMARY KEY,                -- the group's Milvus name (proxy-checked)
    config     jsonb NOT NULL,                  -- its ResourceGroupConfig
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The default group exists from the start, as querycoord creates it, with its config
-- (requests 0, limits 1,000,000 nodes); update_resource_groups may change that config.
INSERT INTO pgmilvus_catalog.resource_groups (name, config)
VALUES ('__default_resource_group',
        '{"requests": {"node_num": 0}, "limits": {"node_num": 1000000}, "transfer_from": [], "transfer_to": [], "node_filter": null}')
ON CONFLICT (name) DO NOTHING;

GRANT SELECT ON pgmilvus_catalog.resource_groups TO PUBLIC;
