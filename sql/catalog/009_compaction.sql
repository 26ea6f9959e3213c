-- Compaction (catalog/compaction.py): a segment being merged from others is in the catalog as
-- 'merging' from its creation (a standalone table, not attached: nobody reads it), so the
-- table of a merge whose process was killed is found and dropped by the next compaction.
ALTER TABLE pgmilvus_catalog.segments DROP CONSTRAINT IF EXISTS segments_state_check;
ALTER TABLE pgmilvus_catalog.segments ADD CONSTRAINT segments_state_check
    CHECK (state IN ('growing', 'sealed', 'indexed', 'merging'));
