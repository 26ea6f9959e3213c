"""Milvus bulk import: jobs that load the files pymilvus's bulk writers write into a collection.

``open_source`` names where files come from (source.py), ``create_job`` / ``describe_job`` /
``list_jobs`` are the jobs (jobs.py) that the wire faces (gRPC Import, GetImportState,
ListImportTasks; REST /v2/vectordb/jobs/import/*) call; ``commit_job`` / ``abort_job`` end the jobs
created with ``options={"auto_commit": "false"}`` (commit.py); formats.py and rows.py read the files.
"""

from .commit import abort_job, commit_job
from .jobs import ImportJob, create_job, describe_job, list_jobs
from .source import ImportSource, open_source

__all__ = ["ImportJob", "ImportSource", "abort_job", "commit_job", "create_job", "describe_job", "list_jobs",
           "open_source"]
