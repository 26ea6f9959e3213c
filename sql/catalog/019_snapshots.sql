-- pgmilvus catalog, version 19: collection snapshots (adapter/pgmilvus/catalog/snapshots.py).
--
-- Milvus's snapshot references a collection's segment files; on PostgreSQL a snapshot is a
-- frozen copy: its rows live in a table of the schema pgmilvus_snapshots (every column of the
-- collection's table, hidden ones included), its description here.  A snapshot's name is unique
-- within its collection (Milvus keys them by collection id), so two collections may share one.
-- Restores complete within the call; restore_jobs records them so that
-- get_restore_snapshot_state and list_restore_snapshot_jobs answer as Milvus does.
-- Re-runnable (IF NOT EXISTS).
CREATE SCHEMA IF NOT EXISTS pgmilvus_snapshots;

CREATE TABLE IF NOT EXISTS pgmilvus_catalog.snapshots (
    id                 bigserial PRIMARY KEY,
    collection_id      bigint NOT NULL,
    name               text NOT NULL,
    description        text NOT NULL DEFAULT '',
    db_name            text NOT NULL,
    collection_name    text NOT NULL,
    schema             jsonb NOT NULL,
    properties         jsonb NOT NULL,
    consistency_level  int NOT NULL,
    num_shards         int NOT NULL,
    num_partitions     int,
    partitions         jsonb NOT NULL,
    indexes            jsonb NOT NULL,
    data_table         text NOT NULL,
    compaction_protection_seconds bigint NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (collection_id, name)
);

CREATE TABLE IF NOT EXISTS pgmilvus_catalog.snapshot_pins (
    pin_id      bigint PRIMARY KEY,
    snapshot_id bigint NOT NULL REFERENCES pgmilvus_catalog.snapshots (id) ON DELETE CASCADE,
    expires_at  timestamptz
);

CREATE TABLE IF NOT EXISTS pgmilvus_catalog.restore_jobs (
    job_id         bigserial PRIMARY KEY,
    snapshot_name  text NOT NULL,
    db_name        text NOT NULL,
    collection_id  bigint NOT NULL,
    collection_name text NOT NULL,
    state          text NOT NULL,
    progress       int NOT NULL,
    reason         text NOT NULL DEFAULT '',
    start_time     bigint NOT NULL,
    time_cost      bigint NOT NULL
);

-- Milvus binds a snapshot's life to its collection's: dropping the collection drops its
-- snapshots.  A trigger, run as the catalog's owner, so that a role allowed to drop a collection
-- (DELETE on collections) needs no privilege on the snapshot store.
CREATE OR REPLACE FUNCTION pgmilvus_catalog.drop_collection_snapshots()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    snapshot_id bigint;
BEGIN
    FOR snapshot_id IN SELECT id FROM pgmilvus_catalog.snapshots WHERE collection_id = OLD.id LOOP
        EXECUTE format('DROP TABLE IF EXISTS pgmilvus_snapshots.%I', 's' || snapshot_id);
    END LOOP;
    DELETE FROM pgmilvus_catalog.snapshots WHERE collection_id = OLD.id;
    RETURN OLD;
END
$$;

DROP TRIGGER IF EXISTS drop_snapshots ON pgmilvus_catalog.collections;
CREATE TRIGGER drop_snapshots AFTER DELETE ON pgmilvus_catalog.collections
    FOR EACH ROW EXECUTE FUNCTION pgmilvus_catalog.drop_collection_snapshots();
