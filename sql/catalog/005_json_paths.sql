-- Values of one JSON path, typed, for B-tree indexes on JSON paths (json_index.py).
-- A JSON path index with json_cast_type DOUBLE or VARCHAR is a B-tree on
-- json_number(col #> path) or json_text(col #> path); the filter compiler adds
-- the same expression next to its jsonpath test for range comparisons on that
-- path, so the index can serve them.  Both are NULL when the value has another
-- JSON type (or is missing): the jsonpath test is false then too, so the added
-- condition never changes a result.  numeric and code-point order (the
-- index and the comparison both use COLLATE "C") are jsonpath's own
-- comparison rules.  IMMUTABLE SQL: inlined, so an index on the call serves
-- the call in a query.
CREATE FUNCTION pgmilvus_catalog.json_number(value jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN jsonb_typeof(value) = 'number' THEN value::numeric END $$;

CREATE FUNCTION pgmilvus_catalog.json_text(value jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN jsonb_typeof(value) = 'string' THEN value #>> '{}' END $$;
