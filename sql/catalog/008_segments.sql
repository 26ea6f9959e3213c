-- Segments (issue 15): Milvus's growing / sealed segments as Postgres partitions.
--
-- A collection created with ``segmented`` (every new collection without a
-- partition key) has each Milvus partition table partitioned again, LIST on
-- the hidden column "$segment".  One leaf per segment:
--   growing  takes the writes (COPY), has no vector index, searched exactly;
--   sealed   full, waiting for its vector indexes (any process may build them,
--            claiming the segment with an advisory lock);
--   indexed  its vector indexes are built (CREATE INDEX CONCURRENTLY on the leaf).
-- ``rows`` counts rows written into the segment (deletes not subtracted): it
-- decides when a growing segment is sealed.  Segment rows are not covered by
-- the revision triggers: segments change under writes, not the collection's
-- description, and searches on the parent table stay valid across a seal.
ALTER TABLE pgmilvus_catalog.collections ADD COLUMN IF NOT EXISTS segmented boolean NOT NULL DEFAULT false;

CREATE SEQUENCE IF NOT EXISTS pgmilvus_catalog.segment_ids;

CREATE TABLE IF NOT EXISTS pgmilvus_catalog.segments (
    id             bigint PRIMARY KEY,
    collection_id  bigint NOT NULL REFERENCES pgmilvus_catalog.collections (id) ON DELETE CASCADE,
    partition_name text NOT NULL,
    table_name     text NOT NULL,
    state          text NOT NULL CHECK (state IN ('growing', 'sealed', 'indexed')),
    rows           bigint NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS segments_collection ON pgmilvus_catalog.segments (collection_id, state);
-- One growing segment per partition.
CREATE UNIQUE INDEX IF NOT EXISTS segments_one_growing ON pgmilvus_catalog.segments (collection_id, partition_name)
    WHERE state = 'growing';

-- Every user may see the segments (describe_index reads them); writers that may
-- also create tables in the collection's schema (the owner, admins) count rows and seal.
GRANT SELECT ON pgmilvus_catalog.segments TO PUBLIC;
