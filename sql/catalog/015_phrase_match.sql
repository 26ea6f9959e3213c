-- pgmilvus catalog, version 15: phrase_match on the tokens pgmilvus stores for a text_match field
-- (the hidden column "$match$<field>", {"t": [token, ...], "p": {token: [position, ...]}}; see
-- adapter/pgmilvus/data/analyzer.py match_document and filters/compile.py).
--
-- Whether a row's token positions hold the phrase: Milvus's phrase_match runs tantivy's
-- PhraseQuery (Milvus's tantivy 0.23 fork, query/phrase_query/phrase_scorer.rs), and this is its
-- test of one document, step for step, so the same rows match:
--   * the phrase's terms come sorted by their offset in the query; a term's positions are moved
--     by (largest offset - its offset), so the terms of an exact phrase land on one position;
--   * slop 0: some position is held by every term;
--   * slop > 0: spans [left, right] start at the first term's positions; each middle term keeps,
--     per span, the positions that widen it least (ties all kept), widening it up to slop in
--     either direction (so terms may come out of order); the last term must fall within slop of
--     a span's far end.
-- The filter first asks the GIN index for the rows holding every term (-> 't' ?& terms); this
-- runs only on those.  Re-runnable (CREATE OR REPLACE).
CREATE OR REPLACE FUNCTION pgmilvus_catalog.phrase_match(positions jsonb, terms text[], offsets int[],
                                                         slop bigint)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    n int := cardinality(terms);
    top bigint;
    lefts bigint[];
    rights bigint[];
    nexts bigint[];
    new_lefts bigint[];
    new_rights bigint[];
    best_lefts bigint[];
    best_rights bigint[];
    best bigint;
    distance bigint;
    pos bigint;
    start_at int;
    kept_whole boolean;
    i int;
    s int;
    k int;
BEGIN
    IF n < 2 THEN
        RETURN n = 1 AND positions ? terms[1];
    END IF;
    SELECT max(o) INTO top FROM unnest(offsets) AS o;
    lefts := ARRAY(SELECT x::bigint + top - offsets[1] FROM jsonb_array_elements_text(positions -> terms[1]) AS x);
    IF slop = 0 THEN
        FOR i IN 2..n LOOP
            nexts := ARRAY(SELECT x::bigint + top - offsets[i] FROM jsonb_array_elements_text(positions -> terms[i]) AS x);
            lefts := ARRAY(SELECT unnest(lefts) INTERSECT SELECT unnest(nexts));
            IF cardinality(lefts) = 0 THEN
                RETURN false;
            END IF;
        END LOOP;
        RETURN true;
    END IF;
    rights := lefts;
    FOR i IN 2..n - 1 LOOP  -- the middle terms: widen the spans
        nexts := ARRAY(SELECT x::bigint + top - offsets[i] FROM jsonb_array_elements_text(positions -> terms[i]) AS x);
        new_lefts := '{}';
        new_rights := '{}';
        start_at := 1;
        FOR s IN 1..cardinality(lefts) LOOP
            best_lefts := '{}';
            best_rights := '{}';
            best := 9223372036854775807;
            kept_whole := false;
            FOR k IN start_at..cardinality(nexts) LOOP
                pos := nexts[k];
                IF pos < lefts[s] THEN
                    start_at := k;
                    distance := rights[s] - pos;
                    IF distance <= slop THEN
                        IF distance < best THEN
                            best := distance;
                            best_lefts := ARRAY[pos];
                            best_rights := ARRAY[rights[s]];
                        ELSIF distance = best THEN
                            best_lefts := best_lefts || pos;
                            best_rights := best_rights || rights[s];
                        END IF;
                    END IF;
                ELSIF pos > rights[s] THEN
                    distance := pos - lefts[s];
                    IF distance > slop THEN
                        EXIT;
                    END IF;
                    IF distance < best THEN
                        best := distance;
                        best_lefts := ARRAY[lefts[s]];
                        best_rights := ARRAY[pos];
                    ELSIF distance = best THEN
                        best_lefts := best_lefts || lefts[s];
                        best_rights := best_rights || pos;
                    END IF;
                ELSE
                    IF pos = lefts[s] THEN
                        start_at := k;
                    END IF;
                    best := rights[s] - lefts[s];
                    IF NOT kept_whole THEN
                        best_lefts := ARRAY[lefts[s]];
                        best_rights := ARRAY[rights[s]];
                        kept_whole := true;
                    END IF;
                END IF;
            END LOOP;
            new_lefts := new_lefts || best_lefts;
            new_rights := new_rights || best_rights;
        END LOOP;
        lefts := new_lefts;
        rights := new_rights;
        IF cardinality(lefts) = 0 THEN
            RETURN false;
        END IF;
    END LOOP;
    nexts := ARRAY(SELECT x::bigint + top - offsets[n] FROM jsonb_array_elements_text(positions -> terms[n]) AS x);
    s := 1;
    k := 1;
    WHILE s <= cardinality(lefts) AND k <= cardinality(nexts) LOOP  -- the last term
        pos := nexts[k];
        IF pos < lefts[s] THEN
            IF rights[s] - pos <= slop THEN
                RETURN true;
            END IF;
            k := k + 1;
        ELSIF pos > rights[s] THEN
            IF pos - lefts[s] <= slop THEN
                RETURN true;
            END IF;
            s := s + 1;
        ELSE
            RETURN true;
        END IF;
    END LOOP;
    RETURN false;
END
$$;
GRANT EXECUTE ON FUNCTION pgmilvus_catalog.phrase_match(jsonb, text[], int[], bigint) TO PUBLIC;
