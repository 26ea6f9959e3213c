-- pgmilvus catalog, version 13: each sealed segment's BM25 statistics (catalog/bm25_stats.py),
-- as Milvus keeps them per segment: fixed when they are computed (after the segment is sealed,
-- by whoever builds its indexes; when a merge makes it; at compact()), so rows deleted from the
-- segment later still count, until compact().
--
-- segments.bm25: {"<BM25 output field>": [rows, tokens]}; NULL when not computed (a segment
-- not built yet, sealed before this version, or of a collection without a BM25 function): a
-- search then counts that segment's rows itself.
ALTER TABLE pgmilvus_catalog.segments ADD COLUMN IF NOT EXISTS bm25 jsonb;
