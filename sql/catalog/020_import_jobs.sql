-- pgmilvus catalog, version 20: bulk import jobs (adapter/pgmilvus/imports/).
--
-- One row per job, so every process and server answers describe/list from the same state.  The
-- worker holds a session advisory lock on the job id (the bigint form) while the job is Pending or
-- Importing; a job in either state whose lock nobody holds belongs to a worker that died, and reads
-- as Failed (catalog/import_jobs.py).  Job ids: milliseconds since the epoch shifted left 18 bits
-- plus a sequence's low bits, int64 values unique and increasing, as Milvus's allocated ids are.
-- Any role may record jobs (the import itself needs INSERT on the collection, Milvus's Import
-- privilege) and reads every job; a role changes only the jobs it created (row security).
-- Re-runnable (IF NOT EXISTS).
CREATE SEQUENCE IF NOT EXISTS pgmilvus_catalog.import_job_seq;

CREATE TABLE IF NOT EXISTS pgmilvus_catalog.import_jobs (
    job_id          bigint PRIMARY KEY DEFAULT
        ((floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint << 18)
         + nextval('pgmilvus_catalog.import_job_seq') % 262144),
    db_name         text NOT NULL,
    collection_id   bigint NOT NULL,
    collection_name text NOT NULL,
    partition_name  text NOT NULL DEFAULT '',
    files           jsonb NOT NULL,
    options         jsonb NOT NULL DEFAULT '{}',
    state           text NOT NULL DEFAULT 'Pending',
    progress        int NOT NULL DEFAULT 0,
    reason          text NOT NULL DEFAULT '',
    imported_rows   bigint NOT NULL DEFAULT 0,
    total_rows      bigint NOT NULL DEFAULT 0,
    file_size       bigint NOT NULL DEFAULT 0,
    owner           name NOT NULL DEFAULT current_user,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    completed_at    timestamptz
);
CREATE INDEX IF NOT EXISTS import_jobs_collection ON pgmilvus_catalog.import_jobs (db_name, collection_name);

ALTER TABLE pgmilvus_catalog.import_jobs ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS import_jobs_read ON pgmilvus_catalog.import_jobs;
CREATE POLICY import_jobs_read ON pgmilvus_catalog.import_jobs FOR SELECT USING (true);
DROP POLICY IF EXISTS import_jobs_add ON pgmilvus_catalog.import_jobs;
CREATE POLICY import_jobs_add ON pgmilvus_catalog.import_jobs FOR INSERT WITH CHECK (owner = current_user);
DROP POLICY IF EXISTS import_jobs_own ON pgmilvus_catalog.import_jobs;
CREATE POLICY import_jobs_own ON pgmilvus_catalog.import_jobs FOR UPDATE
    USING (owner = current_user) WITH CHECK (owner = current_user);

GRANT SELECT, INSERT ON pgmilvus_catalog.import_jobs TO PUBLIC;
GRANT UPDATE (state, progress, reason, imported_rows, total_rows, file_size, completed_at)
    ON pgmilvus_catalog.import_jobs TO PUBLIC;
GRANT USAGE ON SEQUENCE pgmilvus_catalog.import_job_seq TO PUBLIC;
