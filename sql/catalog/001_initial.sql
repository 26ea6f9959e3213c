-- pgmilvus catalog, version 1.
-- The Milvus-level objects (databases, collections, fields, partitions, indexes,
-- aliases) live here, in the same PostgreSQL database as the data, so every
-- process and every server connection sees one consistent state, and DDL on the
-- catalog commits or rolls back together with the DDL on the collection tables.

CREATE TABLE pgmilvus_catalog.databases (
    name        text PRIMARY KEY,
    schema_name text NOT NULL UNIQUE,
    properties  jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE pgmilvus_catalog.collections (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    db_name           text NOT NULL REFERENCES pgmilvus_catalog.databases (name),
    name              text NOT NULL,
    table_name        text NOT NULL,
    description       text NOT NULL DEFAULT '',
    schema            jsonb NOT NULL,
    properties        jsonb NOT NULL DEFAULT '{}',
    consistency_level integer NOT NULL DEFAULT 2,
    num_shards        integer NOT NULL DEFAULT 1,
    num_partitions    integer,
    next_partition    integer NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (db_name, name),
    UNIQUE (db_name, table_name)
);

CREATE TABLE pgmilvus_catalog.fields (
    collection_id bigint NOT NULL REFERENCES pgmilvus_catalog.collections (id) ON DELETE CASCADE,
    field_id      integer NOT NULL,
    name          text NOT NULL,
    data_type     integer NOT NULL,
    spec          jsonb NOT NULL,
    PRIMARY KEY (collection_id, field_id),
    UNIQUE (collection_id, name)
);

CREATE TABLE pgmilvus_catalog.partitions (
    collection_id bigint NOT NULL REFERENCES pgmilvus_catalog.collections (id) ON DELETE CASCADE,
    name          text NOT NULL,
    table_name    text NOT NULL,
    ordinal       integer NOT NULL,
    loaded        boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (collection_id, name)
);

CREATE TABLE pgmilvus_catalog.indexes (
    collection_id bigint NOT NULL REFERENCES pgmilvus_catalog.collections (id) ON DELETE CASCADE,
    index_name    text NOT NULL,
    field_name    text NOT NULL,
    index_type    text NOT NULL,
    metric_type   text,
    params        jsonb NOT NULL DEFAULT '{}',
    pg_index_name text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (collection_id, index_name)
);

CREATE TABLE pgmilvus_catalog.aliases (
    db_name       text NOT NULL REFERENCES pgmilvus_catalog.databases (name),
    alias         text NOT NULL,
    collection_id bigint NOT NULL REFERENCES pgmilvus_catalog.collections (id) ON DELETE CASCADE,
    PRIMARY KEY (db_name, alias)
);

-- auto_id values: Milvus hands out large, time-ordered int64 ids from a global
-- allocator; one sequence shared by all collections gives ids unique across them.
CREATE SEQUENCE pgmilvus_catalog.auto_id START WITH 450000000000000000 CACHE 1;

INSERT INTO pgmilvus_catalog.databases (name, schema_name) VALUES ('default', 'default');
CREATE SCHEMA IF NOT EXISTS "default";
