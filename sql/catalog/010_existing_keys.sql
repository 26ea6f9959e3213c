-- Primary keys of a write by a user who may insert into a collection but not read it (Milvus's
-- Insert privilege without Query): the writer must still refuse a key stored in another segment
-- or partition (writes.py), which takes reading the table.  This function reads it as the
-- catalog's owner and answers only which of the given keys exist, only to a session user
-- allowed to INSERT into that table, and only for pgmilvus collection tables.
CREATE OR REPLACE FUNCTION pgmilvus_catalog.existing_keys(tbl regclass, keys anyarray, found_limit integer)
RETURNS SETOF anyelement
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    pk name;
BEGIN
    IF NOT has_table_privilege(session_user, tbl, 'INSERT') THEN
        RAISE EXCEPTION 'permission denied for table %', tbl USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT EXISTS (SELECT FROM pgmilvus_catalog.collections c
                   JOIN pgmilvus_catalog.databases d ON d.name = c.db_name
                   JOIN pg_class r ON r.relname = c.table_name
                   JOIN pg_namespace n ON n.oid = r.relnamespace AND n.nspname = d.schema_name
                   WHERE r.oid = tbl) THEN
        RAISE EXCEPTION '% is not a pgmilvus collection', tbl USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- The Milvus primary key is the first column of the table's primary key.
    SELECT a.attname INTO pk FROM pg_index i
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
        WHERE i.indrelid = tbl AND i.indisprimary;
    RETURN QUERY EXECUTE format(
        'SELECT k FROM unnest($1) AS k WHERE EXISTS (SELECT FROM %s WHERE %I = k) ORDER BY 1 LIMIT $2', tbl, pk)
        USING keys, found_limit;
END
$$;
