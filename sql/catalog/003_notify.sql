-- Catalog change notifications. Every process keeps parsed collection
-- descriptions in memory; a committed catalog change sends a NOTIFY on
-- channel pgmilvus_catalog, which every listening pgmilvus connection (in any
-- process) receives at once, so they drop what they kept. NOTIFY is delivered
-- only on commit: a rolled-back change never invalidates anything, and never
-- needed to.
CREATE FUNCTION pgmilvus_catalog.notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('pgmilvus_catalog', TG_TABLE_NAME);
    RETURN NULL;
END;
$$;

CREATE TRIGGER notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pgmilvus_catalog.databases
    FOR EACH STATEMENT EXECUTE FUNCTION pgmilvus_catalog.notify_change();
CREATE TRIGGER notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pgmilvus_catalog.collections
    FOR EACH STATEMENT EXECUTE FUNCTION pgmilvus_catalog.notify_change();
CREATE TRIGGER notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pgmilvus_catalog.fields
    FOR EACH STATEMENT EXECUTE FUNCTION pgmilvus_catalog.notify_change();
CREATE TRIGGER notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pgmilvus_catalog.partitions
    FOR EACH STATEMENT EXECUTE FUNCTION pgmilvus_catalog.notify_change();
CREATE TRIGGER notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pgmilvus_catalog.indexes
    FOR EACH STATEMENT EXECUTE FUNCTION pgmilvus_catalog.notify_change();
CREATE TRIGGER notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pgmilvus_catalog.aliases
    FOR EACH STATEMENT EXECUTE FUNCTION pgmilvus_catalog.notify_change();
