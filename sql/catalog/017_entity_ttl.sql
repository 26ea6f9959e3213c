-- pgmilvus catalog, version 17: entity TTL (Milvus master's ``ttl_field`` collection property,
-- adapter/pgmilvus/catalog/ttl.py).
--
-- ``ttl_field`` names a TIMESTAMPTZ field of the collection: each entity expires at the instant
-- its field holds (NULL: never), and reads skip it from then on (ttl.live).  drop_expired (012)
-- now deletes those rows too: for given primary keys before they are written again, or all of
-- them (compact(); alter or drop of the property, so that expired entities never resurface).
-- Both rules come from the catalog, never from the caller: the collection TTL as before, the
-- field only when the catalog lists it as a TIMESTAMPTZ field (data type 26) of this collection
-- and the table has it as a timestamptz column, so no other column can ever drive a delete.
-- Same guards as 012 (INSERT privilege, pgmilvus tables only).  Re-runnable (CREATE OR REPLACE).
CREATE OR REPLACE FUNCTION pgmilvus_catalog.drop_expired(tbl regclass, keys anyarray)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    coll_id bigint;
    ttl_text text;
    field_name text;
    ttl numeric;
    expired text[] := '{}';
    pk name;
    dropped bigint;
BEGIN
    IF NOT has_table_privilege(session_user, tbl, 'INSERT') THEN
        RAISE EXCEPTION 'permission denied for table %', tbl USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT c.id, c.properties ->> 'collection.ttl.seconds', c.properties ->> 'ttl_field'
        INTO coll_id, ttl_text, field_name
        FROM pgmilvus_catalog.collections c
        JOIN pgmilvus_catalog.databases d ON d.name = c.db_name
        JOIN pg_class r ON r.relname = c.table_name
        JOIN pg_namespace n ON n.oid = r.relnamespace AND n.nspname = d.schema_name
        WHERE r.oid = tbl;
    IF NOT FOUND THEN
        RAISE EXCEPTION '% is not a pgmilvus collection', tbl USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- The collection TTL, as ttl.seconds: a whole number of seconds in (0, 3155760000], with "$ts".
    IF ttl_text ~ '^[+-]?[0-9]{1,19}$' THEN
        ttl := ttl_text::numeric;
        IF ttl > 0 AND ttl <= 3155760000 AND EXISTS (
                SELECT FROM pg_attribute WHERE attrelid = tbl AND attname = '$ts' AND NOT attisdropped) THEN
            expired := expired || format('%I <= now() - make_interval(secs => %s)', '$ts', ttl);
        END IF;
    END IF;
    -- The entity TTL, as ttl.field: a TIMESTAMPTZ field of the schema; its NULL never expires.
    IF field_name IS NOT NULL
            AND EXISTS (SELECT FROM pgmilvus_catalog.fields f
                        WHERE f.collection_id = coll_id AND f.name = field_name AND f.data_type = 26)
            AND EXISTS (SELECT FROM pg_attribute WHERE attrelid = tbl AND attname = field_name
                        AND atttypid = 'timestamptz'::regtype AND NOT attisdropped) THEN
        expired := expired || format('%I <= now()', field_name);
    END IF;
    IF cardinality(expired) = 0 THEN
        RETURN 0;
    END IF;
    IF keys IS NULL THEN
        EXECUTE format('DELETE FROM %s WHERE %s', tbl, array_to_string(expired, ' OR '));
    ELSE
        -- The Milvus primary key is the first column of the table's primary key.
        SELECT a.attname INTO pk FROM pg_index i
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
            WHERE i.indrelid = tbl AND i.indisprimary;
        EXECUTE format('DELETE FROM %s WHERE %I = ANY($1) AND (%s)', tbl, pk, array_to_string(expired, ' OR '))
            USING keys;
    END IF;
    GET DIAGNOSTICS dropped = ROW_COUNT;
    RETURN dropped;
END
$$;
