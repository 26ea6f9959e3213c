-- pgmilvus catalog, version 26: the bounding box of a GEOMETRY value, for RTREE indexes.
--
-- A GEOMETRY field holds the WKT Milvus returns (go-geom's writer: the type keyword, then Z, M
-- or ZM for every coordinate of the value, numbers in fixed notation).  An RTREE index on it is a
-- GiST index on wkt_box(field): the spatial filters (filters/spatial.py) read only the rows whose
-- box meets the query geometry's (every ST_* test but ST_ISVALID fails on disjoint boxes), then
-- test those with GEOS.  The box spans the X and Y of every coordinate; an EMPTY value has none
-- and gets NULL, which meets no box.  IMMUTABLE: an expression index on the call serves it.
CREATE OR REPLACE FUNCTION pgmilvus_catalog.wkt_box(wkt text) RETURNS box
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS
$$
SELECT box(point(min(n.v) FILTER (WHERE (n.i - 1) % layout.stride = 0),
                 min(n.v) FILTER (WHERE (n.i - 1) % layout.stride = 1)),
           point(max(n.v) FILTER (WHERE (n.i - 1) % layout.stride = 0),
                 max(n.v) FILTER (WHERE (n.i - 1) % layout.stride = 1)))
FROM (SELECT CASE WHEN wkt ~ '^[A-Z]+ ZM ' THEN 4 WHEN wkt ~ '^[A-Z]+ [ZM] ' THEN 3 ELSE 2 END AS stride) AS layout,
     LATERAL (SELECT m.found[1]::float8 AS v, m.i
              FROM regexp_matches(wkt, '-?[0-9]+(?:\.[0-9]+)?', 'g') WITH ORDINALITY AS m(found, i)) AS n
$$;

GRANT EXECUTE ON FUNCTION pgmilvus_catalog.wkt_box(text) TO PUBLIC;
