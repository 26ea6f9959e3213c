-- pgmilvus catalog, version 14: each built segment's BM25 document frequencies
-- (catalog/bm25_stats.py), beside its totals in segments.bm25 (013): the segments whose bm25
-- is set have their terms here, written in the same transaction.
CREATE TABLE IF NOT EXISTS pgmilvus_catalog.bm25_terms (
    term       text    NOT NULL,
    field      text    NOT NULL,
    segment_id bigint  NOT NULL REFERENCES pgmilvus_catalog.segments (id) ON DELETE CASCADE,
    df         integer NOT NULL,
    PRIMARY KEY (term, field, segment_id)
);
-- ON DELETE CASCADE looks the segment's terms up by segment.
CREATE INDEX IF NOT EXISTS bm25_terms_segment ON pgmilvus_catalog.bm25_terms (segment_id);
-- Every user who may search may read them, as the segments.
GRANT SELECT ON pgmilvus_catalog.bm25_terms TO PUBLIC;
