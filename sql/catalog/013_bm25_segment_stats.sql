-- pgmilvus catalog, version 13: each sealed segment's BM25 statistics (catalog/bm25_stats.py).
--
-- {"<BM25 output field>": [rows, tokens]} of the segment's rows when it was sealed, made by a
-- merge or last compacted; NULL when not known (a segment sealed before this version, or a
-- collection without a BM25 function): a search then counts that segment's rows itself.
ALTER TABLE pgmilvus_catalog.segments ADD COLUMN IF NOT EXISTS bm25 jsonb;
