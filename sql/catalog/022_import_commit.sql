-- pgmilvus catalog, version 22: two-phase import jobs (auto_commit=false; adapter/pgmilvus/imports/).
--
-- A job created with the option auto_commit=false stops in state 'Uncommitted' once its load went
-- through (and was rolled back); 'Committing' while a commit loads it again for good, under the
-- committing worker's advisory lock; then 'Completed'.  An Uncommitted job has no worker and holds
-- no lock: it outlives every process.  Reads (catalog/import_jobs.py) answer an Uncommitted job
-- past its deadline as Failed ('import timeout', as Milvus's import checker fails it), one whose
-- collection is gone as Failed ('collection <id> dropped'), and a Committing job whose worker
-- died as Uncommitted again (its load died with it: nothing of it was written).
--
-- deadline: created_at plus the job's timeout option (NULL: none).
-- Committing or aborting someone else's job: Milvus lets any user holding the Import privilege on
-- the job's collection do it, so a role with INSERT on the collection's table may update the job
-- (import_jobs_importer), besides the role that created it (import_jobs_own).
-- Re-runnable (IF NOT EXISTS, CREATE OR REPLACE, DROP POLICY IF EXISTS).
ALTER TABLE pgmilvus_catalog.import_jobs ADD COLUMN IF NOT EXISTS deadline timestamptz;

-- Whether the current role may import into the collection: USAGE on its database's schema and INSERT
-- on its table (by oid: a role without USAGE on the schema is answered false, not refused).
CREATE OR REPLACE FUNCTION pgmilvus_catalog.may_import(collection bigint)
RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(bool_or(has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(r.oid, 'INSERT')), false)
    FROM pgmilvus_catalog.collections c
    JOIN pgmilvus_catalog.databases d ON d.name = c.db_name
    JOIN pg_namespace n ON n.nspname = d.schema_name
    JOIN pg_class r ON r.relnamespace = n.oid AND r.relname = c.table_name
    WHERE c.id = collection
$$;
GRANT EXECUTE ON FUNCTION pgmilvus_catalog.may_import(bigint) TO PUBLIC;

DROP POLICY IF EXISTS import_jobs_importer ON pgmilvus_catalog.import_jobs;
CREATE POLICY import_jobs_importer ON pgmilvus_catalog.import_jobs FOR UPDATE
    USING (pgmilvus_catalog.may_import(collection_id)) WITH CHECK (pgmilvus_catalog.may_import(collection_id));
