"""Milvus bulk import: jobs that load the files pymilvus's bulk writers write into a collection.

``open_source`` names where files come from (source.py), ``create_job`` / ``describe_job`` /
``list_jobs`` are the jobs (jobs.py) that the wire faces (gRPC Import, GetImportState,
ListImportTasks; REST /v2/vectordb/jobs/import/*) call; formats.py and rows.py read the files.
"""

from .jobs import ImportJob, create_job, describe_job, list_jobs
from .source import ImportSource, open_source

__all__ = ["ImportJob", "ImportSource", "create_job", "describe_job", "list_jobs", "open_source"]
