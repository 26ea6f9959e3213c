-- pgmilvus catalog, version 2: access control (see adapter/pgmilvus/rbac.py, docs/reliability.md).
-- Milvus users are PostgreSQL LOGIN roles and Milvus roles are NOLOGIN roles;
-- PostgreSQL's GRANTs enforce them. These tables only remember what was asked
-- for in Milvus terms, so list_users / describe_role can answer and a revoke can
-- recompute exactly which GRANTs a role must still hold. Passwords never live here.

CREATE TABLE pgmilvus_catalog.rbac_users (
    name        text PRIMARY KEY,              -- the PostgreSQL role name, same spelling
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE pgmilvus_catalog.rbac_roles (
    name        text PRIMARY KEY,              -- the Milvus role name
    pg_role     text NOT NULL UNIQUE,          -- the NOLOGIN PostgreSQL role behind it
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE pgmilvus_catalog.rbac_user_roles (
    user_name text NOT NULL REFERENCES pgmilvus_catalog.rbac_users (name) ON DELETE CASCADE,
    role_name text NOT NULL REFERENCES pgmilvus_catalog.rbac_roles (name) ON DELETE CASCADE,
    PRIMARY KEY (user_name, role_name)
);

CREATE TABLE pgmilvus_catalog.rbac_grants (
    role_name    text NOT NULL REFERENCES pgmilvus_catalog.rbac_roles (name) ON DELETE CASCADE,
    object_type  text NOT NULL,                -- Global | Collection | User
    object_name  text NOT NULL,                -- a collection name, or '*'
    db_name      text NOT NULL,                -- a Milvus database name, or '*'
    privilege    text NOT NULL,                -- Milvus API name: Search, CollectionReadOnly, ...
    grantor_name text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (role_name, object_type, object_name, db_name, privilege)
);

-- Every user pgmilvus connects as must be able to open a client: read the
-- catalog version and resolve databases/collections. This is metadata only
-- (PostgreSQL already shows table and column names to every role through
-- pg_catalog); the collection tables and the rbac_* tables stay private.
GRANT USAGE ON SCHEMA pgmilvus_catalog TO PUBLIC;
GRANT SELECT ON pgmilvus_catalog.version, pgmilvus_catalog.databases, pgmilvus_catalog.collections,
    pgmilvus_catalog.fields, pgmilvus_catalog.partitions, pgmilvus_catalog.indexes,
    pgmilvus_catalog.aliases TO PUBLIC;
