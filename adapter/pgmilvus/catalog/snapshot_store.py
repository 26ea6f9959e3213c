"""Reads and writes of the snapshot catalog (019_snapshots.sql), on the caller's connection.

A snapshot's rows live in ``pgmilvus_snapshots.s<id>``, its description in
``pgmilvus_catalog.snapshots``; pins and restore jobs have tables of their own.
Dropping a collection drops its snapshots (a trigger of 019_snapshots.sql, run as the
catalog's owner).
"""

from __future__ import annotations

import json
from typing import Any, Optional

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from .store import CATALOG, CollectionInfo

SNAPSHOTS_SCHEMA = "pgmilvus_snapshots"
#: An active pin: no expiry, or one still ahead.
_ACTIVE = "(p.expires_at IS NULL OR p.expires_at > clock_timestamp())"


def data_table(snapshot_id: int) -> sql.Identifier:
    return sql.Identifier(SNAPSHOTS_SCHEMA, f"s{snapshot_id}")


def find(conn: psycopg.Connection, collection_id: int, name: str, *, for_update: bool = False) -> Optional[dict]:
    """The snapshot ``name`` of the collection, as its catalog row (None: none)."""
    lock = " FOR UPDATE" if for_update else ""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(f"SELECT * FROM {CATALOG}.snapshots WHERE collection_id = %s AND name = %s{lock}",
                           (collection_id, name)).fetchone()


def names(conn: psycopg.Connection, collection_id: int) -> list[str]:
    rows = conn.execute(f"SELECT name FROM {CATALOG}.snapshots WHERE collection_id = %s ORDER BY id",
                        (collection_id,)).fetchall()
    return [r[0] for r in rows]


def add(conn: psycopg.Connection, info: CollectionInfo, name: str, description: str, protection: int,
        rows: Optional[sql.Composable]) -> int:
    """Record the snapshot of ``info`` and copy the rows of its table that match ``rows`` (None:
    every row), every column (hidden ones included)."""
    snapshot_id = conn.execute(
        f"INSERT INTO {CATALOG}.snapshots (collection_id, name, description, db_name, collection_name, schema,"
        " properties, consistency_level, num_shards, num_partitions, partitions, indexes, data_table,"
        " compaction_protection_seconds) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '', %s)"
        " RETURNING id",
        (info.id, name, description, info.db_name, info.name, Jsonb(json.loads(info.schema.to_catalog())),
         Jsonb(info.properties), info.consistency_level, info.num_shards, info.num_partitions,
         Jsonb([p.name for p in sorted(info.partitions, key=lambda p: p.ordinal)]),
         Jsonb([_index_row(i) for i in info.indexes]), protection)).fetchone()[0]
    table = data_table(snapshot_id)
    conn.execute(f"UPDATE {CATALOG}.snapshots SET data_table = %s WHERE id = %s", (table.as_string(conn), snapshot_id))
    conn.execute(sql.SQL("CREATE TABLE {} AS SELECT * FROM {} WHERE {}").format(
        table, sql.Identifier(info.schema_name, info.table_name), rows if rows is not None else sql.SQL("true")))
    return snapshot_id


def _index_row(index: Any) -> dict[str, Any]:
    return {"index_name": index.index_name, "field_name": index.field_name, "index_type": index.index_type,
            "metric_type": index.metric_type, "params": index.params}


def remove(conn: psycopg.Connection, snapshot_id: int) -> None:
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(data_table(snapshot_id)))
    conn.execute(f"DELETE FROM {CATALOG}.snapshots WHERE id = %s", (snapshot_id,))


def columns(conn: psycopg.Connection, table: sql.Identifier) -> list[str]:
    rows = conn.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
                        " AND NOT attisdropped ORDER BY attnum", (table.as_string(conn),)).fetchall()
    return [r[0] for r in rows]


# -- pins --------------------------------------------------------------------------------------------

def has_active_pins(conn: psycopg.Connection, snapshot_id: int) -> bool:
    return conn.execute(f"SELECT EXISTS (SELECT FROM {CATALOG}.snapshot_pins p WHERE p.snapshot_id = %s"
                        f" AND {_ACTIVE})", (snapshot_id,)).fetchone()[0]


def add_pin(conn: psycopg.Connection, snapshot_id: int, ttl_seconds: int) -> int:
    """A new pin (a random positive id, as Milvus's); ttl 0: it never expires."""
    return conn.execute(
        f"INSERT INTO {CATALOG}.snapshot_pins (pin_id, snapshot_id, expires_at)"
        " VALUES ((floor(random() * 9007199254740990) + 1)::bigint, %s,"
        " CASE WHEN %s > 0 THEN clock_timestamp() + make_interval(secs => %s) END) RETURNING pin_id",
        (snapshot_id, ttl_seconds, ttl_seconds)).fetchone()[0]


def remove_pin(conn: psycopg.Connection, pin_id: int) -> None:
    """Unpin; an unknown pin is unpinned already (Milvus: idempotent)."""
    conn.execute(f"DELETE FROM {CATALOG}.snapshot_pins WHERE pin_id = %s", (pin_id,))


# -- restore jobs ------------------------------------------------------------------------------------

_JOB_COLUMNS = ("j.job_id, j.snapshot_name, COALESCE(c.db_name, '') AS db_name, COALESCE(c.name, '') AS"
                " collection_name, j.state, j.progress, j.reason, j.start_time, j.time_cost")
_JOBS = f"FROM {CATALOG}.restore_jobs j LEFT JOIN {CATALOG}.collections c ON c.id = j.collection_id"


def add_job(conn: psycopg.Connection, snapshot_name: str, db_name: str, collection_id: int, collection_name: str,
            start_ms: int, cost_ms: int) -> int:
    """A completed restore job (restores complete within the call)."""
    return conn.execute(
        f"INSERT INTO {CATALOG}.restore_jobs (snapshot_name, db_name, collection_id, collection_name, state,"
        " progress, start_time, time_cost) VALUES (%s, %s, %s, %s, 'RestoreSnapshotCompleted', 100, %s, %s)"
        " RETURNING job_id", (snapshot_name, db_name, collection_id, collection_name, start_ms, cost_ms)).fetchone()[0]


def job(conn: psycopg.Connection, job_id: int) -> Optional[dict]:
    """A job, its target named as Milvus's proxy names it: by the collection's id now ("" once dropped)."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(f"SELECT {_JOB_COLUMNS} {_JOBS} WHERE j.job_id = %s", (job_id,)).fetchone()


def jobs(conn: psycopg.Connection, collection_id: Optional[int], db_name: Optional[str]) -> list[dict]:
    """Jobs restoring into ``collection_id``, else into a collection now in ``db_name``, else all."""
    where, params = sql.SQL(""), ()
    if collection_id is not None:
        where, params = sql.SQL(" WHERE j.collection_id = %s"), (collection_id,)
    elif db_name is not None:
        where, params = sql.SQL(" WHERE c.db_name = %s"), (db_name,)
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(sql.SQL(f"SELECT {_JOB_COLUMNS} {_JOBS}") + where + sql.SQL(" ORDER BY j.job_id"),
                           params).fetchall()
