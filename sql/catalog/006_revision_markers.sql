-- Revision markers: the revision guard at no cost per statement.
--
-- 004's guard, expect_revision(id, n), is a PL/pgSQL call that reads the
-- collection's row on every statement: about 2% of a small search (measured
-- with bench/search.py's statements).  A marker is a function whose name holds
-- the collection's id and current revision, pgmilvus_catalog."revision_<id>_<n>"(),
-- IMMUTABLE SQL returning true: the planner inlines it away, so a statement
-- that carries it as a condition runs as if it were not there.  A change to
-- the collection drops the marker and creates the next one; a statement built
-- on the old revision then names a function that no longer exists and fails
-- with SQLSTATE 42883 when it is parsed, or when its prepared plan is checked
-- (the plan depends on the function it inlined), and the client re-reads the
-- catalog and runs the call again (connection.Database.read).
--
-- Every role that reads a collection calls its marker: EXECUTE is granted to PUBLIC
-- explicitly, in case default privileges were tightened on this server.
CREATE FUNCTION pgmilvus_catalog.create_revision_marker(marker text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE format('CREATE FUNCTION pgmilvus_catalog.%I() RETURNS boolean '
                   'LANGUAGE sql IMMUTABLE PARALLEL SAFE AS %L', marker, 'SELECT true');
    EXECUTE format('GRANT EXECUTE ON FUNCTION pgmilvus_catalog.%I() TO PUBLIC', marker);
END;
$$;
REVOKE EXECUTE ON FUNCTION pgmilvus_catalog.create_revision_marker(text) FROM PUBLIC;

-- SECURITY DEFINER: the markers belong to the catalog's owner, so any role
-- that may change the catalog can move them.
CREATE FUNCTION pgmilvus_catalog.move_revision_marker() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        EXECUTE format('DROP FUNCTION IF EXISTS pgmilvus_catalog.%I()',
                       'revision_' || OLD.id || '_' || OLD.revision);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM pgmilvus_catalog.create_revision_marker('revision_' || NEW.id || '_' || NEW.revision);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER move_revision_marker AFTER INSERT OR UPDATE OR DELETE ON pgmilvus_catalog.collections
    FOR EACH ROW EXECUTE FUNCTION pgmilvus_catalog.move_revision_marker();

DO $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT id, revision FROM pgmilvus_catalog.collections LOOP
        PERFORM pgmilvus_catalog.create_revision_marker('revision_' || c.id || '_' || c.revision);
    END LOOP;
END;
$$;
