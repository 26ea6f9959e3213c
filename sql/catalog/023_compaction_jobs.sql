-- pgmilvus catalog, version 23: compaction jobs and their plans (adapter/pgmilvus/catalog/compaction_jobs.py).
--
-- compact() merges and rewrites segments before it returns (catalog/compaction.py); each call is
-- one job, recorded here with its plans (sources -> target segment ids), so get_compaction_plans
-- and list_compaction_tasks answer from any process or server, as Milvus's datacoord answers for
-- the tasks it retains.  Job ids are made as import job ids are (020): milliseconds since the
-- epoch shifted left 18 bits plus a sequence's low bits, increasing int64 values like Milvus's
-- allocated ids.  A role records its own jobs and prunes its own old ones (a day, as Milvus
-- cleans finished tasks); every role reads every job.  Re-runnable (IF NOT EXISTS).
CREATE SEQUENCE IF NOT EXISTS pgmilvus_catalog.compaction_job_seq;

CREATE TABLE IF NOT EXISTS pgmilvus_catalog.compaction_jobs (
    job_id        bigint PRIMARY KEY DEFAULT
        ((floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint << 18)
         + nextval('pgmilvus_catalog.compaction_job_seq') % 262144),
    collection_id bigint NOT NULL REFERENCES pgmilvus_catalog.collections (id) ON DELETE CASCADE,
    plans         jsonb NOT NULL DEFAULT '[]',
    owner         name NOT NULL DEFAULT current_user,
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS compaction_jobs_collection ON pgmilvus_catalog.compaction_jobs (collection_id);

ALTER TABLE pgmilvus_catalog.compaction_jobs ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS compaction_jobs_read ON pgmilvus_catalog.compaction_jobs;
CREATE POLICY compaction_jobs_read ON pgmilvus_catalog.compaction_jobs FOR SELECT USING (true);
DROP POLICY IF EXISTS compaction_jobs_add ON pgmilvus_catalog.compaction_jobs;
CREATE POLICY compaction_jobs_add ON pgmilvus_catalog.compaction_jobs FOR INSERT WITH CHECK (owner = current_user);
DROP POLICY IF EXISTS compaction_jobs_prune ON pgmilvus_catalog.compaction_jobs;
CREATE POLICY compaction_jobs_prune ON pgmilvus_catalog.compaction_jobs FOR DELETE USING (owner = current_user);

GRANT SELECT, INSERT, DELETE ON pgmilvus_catalog.compaction_jobs TO PUBLIC;
GRANT USAGE ON SEQUENCE pgmilvus_catalog.compaction_job_seq TO PUBLIC;
