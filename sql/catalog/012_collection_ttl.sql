-- pgmilvus catalog, version 12: collection TTL (``collection.ttl.seconds``, adapter/pgmilvus/catalog/ttl.py).
--
-- A collection with a TTL has the hidden column "$ts" (each row's write time); a row is
-- expired once "$ts" <= now() - TTL, and reads skip it (ttl.live).  Expired rows are deleted
-- by this function: for given primary keys before they are inserted again (writes.py: a writer
-- allowed to insert but not to delete, Milvus's Insert privilege, must still clear the way
-- for its keys), or all of them (compact()).  It runs as the catalog's owner, only for a
-- session user allowed to INSERT into the table, only on pgmilvus collection tables, and
-- takes the TTL from the catalog rather than from the caller, so it never deletes a live row.
-- keys NULL: every expired row.  Re-runnable (CREATE OR REPLACE).
CREATE OR REPLACE FUNCTION pgmilvus_catalog.drop_expired(tbl regclass, keys anyarray)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ttl_text text;
    ttl numeric;
    pk name;
    dropped bigint;
BEGIN
    IF NOT has_table_privilege(session_user, tbl, 'INSERT') THEN
        RAISE EXCEPTION 'permission denied for table %', tbl USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT c.properties ->> 'collection.ttl.seconds' INTO ttl_text
        FROM pgmilvus_catalog.collections c
        JOIN pgmilvus_catalog.databases d ON d.name = c.db_name
        JOIN pg_class r ON r.relname = c.table_name
        JOIN pg_namespace n ON n.oid = r.relnamespace AND n.nspname = d.schema_name
        WHERE r.oid = tbl;
    IF NOT FOUND THEN
        RAISE EXCEPTION '% is not a pgmilvus collection', tbl USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- As ttl.seconds: a TTL in force is a whole number of seconds in (0, 3155760000].
    IF ttl_text IS NULL OR ttl_text !~ '^[+-]?[0-9]{1,19}$' THEN
        RETURN 0;
    END IF;
    ttl := ttl_text::numeric;
    IF ttl <= 0 OR ttl > 3155760000 OR NOT EXISTS (
            SELECT FROM pg_attribute WHERE attrelid = tbl AND attname = '$ts' AND NOT attisdropped) THEN
        RETURN 0;
    END IF;
    IF keys IS NULL THEN
        EXECUTE format('DELETE FROM %s WHERE %I <= now() - make_interval(secs => $1)', tbl, '$ts')
            USING ttl::double precision;
    ELSE
        -- The Milvus primary key is the first column of the table's primary key.
        SELECT a.attname INTO pk FROM pg_index i
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
            WHERE i.indrelid = tbl AND i.indisprimary;
        EXECUTE format('DELETE FROM %s WHERE %I = ANY($1) AND %I <= now() - make_interval(secs => $2)',
                       tbl, pk, '$ts')
            USING keys, ttl::double precision;
    END IF;
    GET DIAGNOSTICS dropped = ROW_COUNT;
    RETURN dropped;
END
$$;
