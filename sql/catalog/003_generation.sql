-- Catalog generation: a number that changes with every committed catalog change, so
-- a process can keep parsed collection descriptions and check in one tiny query
-- that they are still current. Values come from a sequence, never reused even when
-- a transaction rolls back, and start from the clock, so a re-created catalog
-- never repeats an old value.
CREATE SEQUENCE pgmilvus_catalog.generation_seq;
SELECT setval('pgmilvus_catalog.generation_seq', (extract(epoch FROM clock_timestamp()) * 1000000)::bigint);

CREATE TABLE pgmilvus_catalog.generation (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    value     bigint NOT NULL
);
INSERT INTO pgmilvus_catalog.generation (value) VALUES (nextval('pgmilvus_catalog.generation_seq'));

-- SECURITY DEFINER: whoever may change the catalog (a Milvus user granted
-- CreateCollection, say) may also move the generation on.
CREATE FUNCTION pgmilvus_catalog.bump_generation() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    UPDATE pgmilvus_catalog.generation SET value = nextval('pgmilvus_catalog.generation_seq');
    RETURN NULL;
END;
$$;

CREATE TRIGGER bump_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pgmilvus_catalog.databases
    FOR EACH STATEMENT EXECUTE FUNCTION pgmilvus_catalog.bump_generation();
CREATE TRIGGER bump_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pgmilvus_catalog.collections
    FOR EACH STATEMENT EXECUTE FUNCTION pgmilvus_catalog.bump_generation();
CREATE TRIGGER bump_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pgmilvus_catalog.fields
    FOR EACH STATEMENT EXECUTE FUNCTION pgmilvus_catalog.bump_generation();
CREATE TRIGGER bump_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pgmilvus_catalog.partitions
    FOR EACH STATEMENT EXECUTE FUNCTION pgmilvus_catalog.bump_generation();
CREATE TRIGGER bump_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pgmilvus_catalog.indexes
    FOR EACH STATEMENT EXECUTE FUNCTION pgmilvus_catalog.bump_generation();
CREATE TRIGGER bump_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pgmilvus_catalog.aliases
    FOR EACH STATEMENT EXECUTE FUNCTION pgmilvus_catalog.bump_generation();

GRANT SELECT ON pgmilvus_catalog.generation TO PUBLIC;
