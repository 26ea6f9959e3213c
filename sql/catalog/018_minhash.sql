-- pgmilvus catalog, version 18: the MHJACCARD metric of MinHash signatures (BINARY_VECTOR fields,
-- search/minhash.py).
--
-- A MinHash signature is a row of fixed-width hash values (knowhere's mh_element_bit_width bits
-- each).  Milvus compares two signatures element by element: their MHJACCARD similarity is the
-- share of equal elements, and MINHASH_LSH's band test asks whether some band (a run of
-- elements) is equal as a whole.  Both reduce to one question about x = a # b (their XOR): how
-- many of its windows of ``width`` bits hold a set bit.  Folding x onto itself (x | x >> s, with
-- s doubling but never past the window) leaves in each bit the OR of the ``width`` bits ending
-- there; ``mask`` has a 1 at the last bit of each window that counts, so bit_count(x & mask) is
-- the number of unequal windows.  Every step is one of PostgreSQL's bit-string operators: no
-- loop over the elements.  Re-runnable (CREATE OR REPLACE).
CREATE OR REPLACE FUNCTION pgmilvus_catalog.mh_unequal(x bit varying, width int, mask bit varying)
RETURNS bigint
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    covered int := 1;
    step int;
BEGIN
    WHILE covered < width LOOP
        step := least(covered, width - covered);
        x := x | (x >> step);
        covered := covered + step;
    END LOOP;
    RETURN bit_count(x & mask);
END
$$;

-- A MINHASH_LSH index: the signature's bands, each tagged with its position (16 bits), in a GIN
-- index on this expression (catalog/indexes.py, cast "mhbands(width,bands)").  Two signatures
-- share an element of these arrays exactly when some band of one equals the same band of the
-- other: MinHash LSH's hit, which a search asks for with && (search/minhash.py).
CREATE OR REPLACE FUNCTION pgmilvus_catalog.mh_bands(sig bit varying, width int, bands int)
RETURNS bit varying[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT array_agg((i::bit(16)) || substring(sig FROM i * width + 1 FOR width) ORDER BY i)
    FROM generate_series(0, bands - 1) AS i
$$;
