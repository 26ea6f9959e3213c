"""Compaction jobs (023_compaction_jobs.sql): what each compact() call merged, for
get_compaction_plans and list_compaction_tasks.

compact() is done when it returns, so a job is Completed from the start; its plans are the merges
compaction.compact() made, each a Milvus mix compaction (sources -> one target), as master's
manual compaction reports its plans.  A job whose id is unknown (never made, pruned after a day,
or of a dropped collection) reads as Completed with no plan, as datacoord answers for a trigger
id with no task.
"""

from __future__ import annotations

from typing import Any, Sequence

import psycopg
from psycopg.types.json import Jsonb

from ..errors import collection_not_found
from ..types import CompactionPlans, CompactionTaskState, CompactionType, Plan, State
from . import segments
from .compaction import MergePlan
from .store import CATALOG, CollectionInfo

#: How long a job's plans are kept (Milvus cleans up finished compaction tasks too).
RETENTION = "1 day"


def record(conn: psycopg.Connection, info: CollectionInfo, plans: Sequence[MergePlan]) -> int:
    """A new job holding ``plans``; the caller's jobs older than RETENTION are pruned."""
    ids = info.partition_ids()
    stored = [{"partition_id": ids.get(plan.partition, 0), "sources": list(plan.sources),
               "target": plan.target} for plan in plans]
    try:
        with conn.transaction():
            conn.execute(f"DELETE FROM {CATALOG}.compaction_jobs WHERE owner = current_user"
                         " AND created_at < clock_timestamp() - %s::interval", (RETENTION,))
            return conn.execute(f"INSERT INTO {CATALOG}.compaction_jobs (collection_id, plans) VALUES (%s, %s)"
                                " RETURNING job_id", (info.id, Jsonb(stored))).fetchone()[0]
    except psycopg.errors.ForeignKeyViolation:
        # compact() runs outside a transaction: the collection was dropped meanwhile.
        raise collection_not_found(info.looked_up_as or info.name, info.db_name) from None


def job_plans(conn: psycopg.Connection, job_id: int) -> CompactionPlans:
    """get_compaction_plans: the job's plans."""
    row = conn.execute(f"SELECT collection_id, plans FROM {CATALOG}.compaction_jobs WHERE job_id = %s",
                       (job_id,)).fetchone()
    out = CompactionPlans(job_id, State.Completed)
    if row is not None:
        out.plans = _plans(job_id, row[0], row[1])
    return out


def collection_tasks(conn: psycopg.Connection, info: CollectionInfo) -> CompactionPlans:
    """list_compaction_tasks: the plans of every retained job of the collection, oldest first."""
    out = CompactionPlans(0, State.Completed, collection_name=info.name)
    for job_id, stored in conn.execute(f"SELECT job_id, plans FROM {CATALOG}.compaction_jobs"
                                       " WHERE collection_id = %s ORDER BY job_id", (info.id,)).fetchall():
        out.plans.extend(_plans(job_id, info.id, stored))
    return out


def _plans(job_id: int, collection_id: int, stored: list[dict[str, Any]]) -> list[Plan]:
    channel = segments.insert_channel(collection_id)
    return [Plan(list(plan["sources"]), plan["target"], plan_id=plan["target"], trigger_id=job_id,
                 collection_id=collection_id, partition_id=plan["partition_id"], channel=channel,
                 compaction_type=CompactionType.MixCompaction, state=CompactionTaskState.Completed)
            for plan in stored]
