-- pgmilvus catalog, version 21: text_match_fuzzy on the tokens pgmilvus stores for a text_match
-- field (the hidden column "$match$<field>" -> 't', an array of the row's distinct tokens; see
-- adapter/pgmilvus/data/analyzer.py match_document and filters/fuzzy.py).
--
-- Milvus's text_match_fuzzy(field, query, max_edit_distance=N) ORs one tantivy FuzzyTermQuery per
-- query token (tantivy-binding index_reader_text.rs fuzzy_match_query, transposition_cost_one):
-- a row matches when one of its tokens is within N edits of a query token, an edit being the
-- insertion, deletion or substitution of a character or the swap of two adjacent ones, no
-- character edited twice (optimal string alignment, the distance tantivy's Levenshtein automata
-- compute), characters being Unicode code points.  N = 0 never comes here: it is text_match, which
-- the GIN index serves; nothing indexes an edit distance, so this runs on each row the rest of the
-- filter leaves.  Re-runnable (CREATE OR REPLACE).

-- Whether a and b are within n edits.  One row of the distance table at a time (and the one
-- before it, for swaps), only its cells within n of the diagonal (the others are over n: they
-- hold n + 1); a row whose cells are all over n ends it, as no cell of a later row is smaller
-- than every cell of the row before it.  Simple expressions only (no query per call).
CREATE OR REPLACE FUNCTION pgmilvus_catalog.within_edits(a text, b text, n int)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    x text[] := string_to_array(a, NULL);  -- one element per character
    y text[] := string_to_array(b, NULL);
    la int := coalesce(array_length(x, 1), 0);
    lb int := coalesce(array_length(y, 1), 0);
    over int := n + 1;
    older int[];
    prev int[];
    cur int[];
    best int;
    v int;
    i int;
    j int;
BEGIN
    IF abs(la - lb) > n THEN
        RETURN false;
    END IF;
    IF a = b THEN
        RETURN true;
    END IF;
    prev := array_fill(over, ARRAY[lb + 1]);  -- prev[j + 1]: the distance of a's first i - 1 and b's first j
    FOR j IN 0..least(lb, n) LOOP
        prev[j + 1] := j;
    END LOOP;
    FOR i IN 1..la LOOP
        cur := array_fill(over, ARRAY[lb + 1]);
        IF i <= n THEN
            cur[1] := i;
        END IF;
        best := cur[1];
        FOR j IN greatest(1, i - n)..least(lb, i + n) LOOP
            v := least(prev[j + 1] + 1, cur[j] + 1, prev[j] + CASE WHEN x[i] = y[j] THEN 0 ELSE 1 END);
            IF i > 1 AND j > 1 AND x[i] = y[j - 1] AND x[i - 1] = y[j] THEN
                v := least(v, older[j - 1] + 1);
            END IF;
            cur[j + 1] := least(v, over);
            best := least(best, v);
        END LOOP;
        IF best > n THEN
            RETURN false;
        END IF;
        older := prev;
        prev := cur;
    END LOOP;
    RETURN prev[lb + 1] <= n;
END
$$;
GRANT EXECUTE ON FUNCTION pgmilvus_catalog.within_edits(text, text, int) TO PUBLIC;

-- Whether one of the row's tokens (a JSON array of strings) is within distance edits of one of
-- the query's, the length test first; the first such pair ends the scan.  Its COST (about 10 µs a
-- row, 100 times a plain PL/pgSQL function's default) makes the planner test a filter's other
-- conditions first and split a large scan among parallel workers.
CREATE OR REPLACE FUNCTION pgmilvus_catalog.text_match_fuzzy(tokens jsonb, query text[], distance int)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 10000 AS $$
DECLARE
    wanted int := coalesce(array_length(query, 1), 0);
    lengths int[] := array_fill(0, ARRAY[wanted]);
    token text;
    size int;
    t int;
    k int;
BEGIN
    FOR k IN 1..wanted LOOP
        lengths[k] := char_length(query[k]);
    END LOOP;
    FOR t IN 0..jsonb_array_length(tokens) - 1 LOOP
        token := tokens ->> t;
        size := char_length(token);
        FOR k IN 1..wanted LOOP
            IF abs(size - lengths[k]) <= distance AND pgmilvus_catalog.within_edits(token, query[k], distance) THEN
                RETURN true;
            END IF;
        END LOOP;
    END LOOP;
    RETURN false;
END
$$;
GRANT EXECUTE ON FUNCTION pgmilvus_catalog.text_match_fuzzy(jsonb, text[], int) TO PUBLIC;
