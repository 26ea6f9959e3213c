-- Collection revisions: a number on each collection row that grows with every
-- committed change to the collection's catalog rows (its own row, fields,
-- partitions, indexes, aliases pointing at it).
--
-- Why: read calls (search, query, get) skip the pool's checkout round trip and
-- run on the collection description the process cached. A statement built
-- from a cached description carries pgmilvus_catalog.expect_revision(id, n)
-- as a one-time condition; if the collection changed (or was dropped) since it
-- was read, the statement fails with SQLSTATE PGM01 instead of running on a
-- stale plan, and the client re-reads the catalog and runs the call again.
-- The check is in the same statement, so it costs no round trip.
ALTER TABLE pgmilvus_catalog.collections ADD COLUMN revision bigint NOT NULL DEFAULT 1;

CREATE FUNCTION pgmilvus_catalog.bump_own_revision() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.revision := OLD.revision + 1;
    RETURN NEW;
END;
$$;

CREATE TRIGGER bump_revision BEFORE UPDATE ON pgmilvus_catalog.collections
    FOR EACH ROW EXECUTE FUNCTION pgmilvus_catalog.bump_own_revision();

-- A change to a row that belongs to a collection bumps that collection (both
-- the old and the new one when an alias is re-pointed). Rows deleted by the
-- cascade of a collection's own deletion find no row to bump.
CREATE FUNCTION pgmilvus_catalog.bump_revision() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE pgmilvus_catalog.collections SET revision = revision + 1 WHERE id = OLD.collection_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND (TG_OP = 'INSERT' OR NEW.collection_id <> OLD.collection_id) THEN
        UPDATE pgmilvus_catalog.collections SET revision = revision + 1 WHERE id = NEW.collection_id;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER bump_revision AFTER INSERT OR UPDATE OR DELETE ON pgmilvus_catalog.fields
    FOR EACH ROW EXECUTE FUNCTION pgmilvus_catalog.bump_revision();
CREATE TRIGGER bump_revision AFTER INSERT OR UPDATE OR DELETE ON pgmilvus_catalog.partitions
    FOR EACH ROW EXECUTE FUNCTION pgmilvus_catalog.bump_revision();
CREATE TRIGGER bump_revision AFTER INSERT OR UPDATE OR DELETE ON pgmilvus_catalog.indexes
    FOR EACH ROW EXECUTE FUNCTION pgmilvus_catalog.bump_revision();
CREATE TRIGGER bump_revision AFTER INSERT OR UPDATE OR DELETE ON pgmilvus_catalog.aliases
    FOR EACH ROW EXECUTE FUNCTION pgmilvus_catalog.bump_revision();

-- The guard itself. STABLE with constant arguments: the planner evaluates it
-- once per statement, as a gating condition above the scan (an index-ordered
-- scan stays index-ordered).
CREATE FUNCTION pgmilvus_catalog.expect_revision(collection_id bigint, expected bigint) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    PERFORM 1 FROM pgmilvus_catalog.collections WHERE id = collection_id AND revision = expected;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'pgmilvus: collection % changed since this process read it', collection_id
            USING ERRCODE = 'PGM01';
    END IF;
    RETURN true;
END;
$$;
