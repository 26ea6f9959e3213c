"""Collection snapshots (Milvus master): create, describe, list, drop, restore, pins, restore jobs.

Milvus's snapshot names the segment files of a collection; here it is a frozen copy of the
collection's table (snapshot_store.py), of its sealed segments only (Milvus's snapshot holds the
flushed segments: rows not yet flushed are not in it).  A restore creates the target collection through the
same path create_collection takes (collections.create, add_partition, index_ops.create), copies
the rows into each partition's growing segment and seals it, so the background builder indexes
the restored segments as it does any sealed segment.  A restore completes within its call
(Milvus's runs as a job): its job is recorded completed, and the pin Milvus's job holds on
the snapshot meanwhile is released with it.

Texts and codes are those of Milvus's proxy (internal/proxy/task_snapshot.go) and datacoord
(services.go, snapshot_manager.go, snapshot_meta.go).
"""

from __future__ import annotations

import time
from typing import Any, Optional

import psycopg
from psycopg import sql

from . import collections, index_ops, indexes, segments, snapshot_store as store
from . import store as catalog
from ..errors import ErrorCode, MilvusException, database_not_found, invalid_parameter
from ..schema import ddl
from ..schema.index_params import IndexParams
from ..schema.model import CollectionSchema
from ..types import RestoreSnapshotJobInfo, SnapshotInfo

#: dataCoord.snapshot.maxCompactionProtectionSeconds (7 days) and the proxy's maxPinTTLSeconds (30 days).
MAX_PROTECTION_SECONDS = 604800
MAX_PIN_TTL_SECONDS = 30 * 24 * 3600
#: proxy.maxNameLength; proxy.nameValidation.allowedChars.
_MAX_NAME = 255
_ALLOWED = "$"


def check_name(name: str, kind: str = "snapshot name") -> None:
    """Milvus master's validateName: trimmed, not empty, at most 255 bytes, a letter or '_' first,
    then letters, digits, '_' and '$' (Go looks at bytes: a multi-byte first character fails)."""
    raw = name.strip().encode()
    if not raw:
        raise MilvusException(ErrorCode.INVALID_PARAMETER,
                              f"{kind} should be not empty: invalid parameter[expected=not empty][actual=]")
    if len(raw) > _MAX_NAME:
        raise MilvusException(ErrorCode.INVALID_PARAMETER, f"the length of {kind} must be not greater than limit: "
                                                           f"invalid parameter[expected={_MAX_NAME}][actual={len(raw)}]")
    if not (raw[0] == ord("_") or chr(raw[0]).isascii() and chr(raw[0]).isalpha()):
        raise MilvusException(ErrorCode.INVALID_PARAMETER, f"the first character of {kind} must be an underscore "
                                                           f"or letter: invalid parameter[expected=95][actual={raw[0]}]")
    for i in range(1, len(raw)):
        c = chr(raw[i])
        if not (c == "_" or c.isascii() and c.isalnum() or c in _ALLOWED):
            raise invalid_parameter(f"{kind} can only contain numbers, letters, underscores, and allowed "
                                    f"characters ({_ALLOWED}), found {c} at {i}")


def _required(value: str, what: str) -> None:
    if not value:
        raise MilvusException(ErrorCode.MISSING_PARAMETER, f"{what}: missing parameter")


def _not_found(collection_id: int, name: str, why: str = "") -> MilvusException:
    prefix = f"{why}: " if why else ""
    return MilvusException(2600, f"{prefix}collection {collection_id}: snapshot not found[snapshot={name}]")


def _snapshot(conn: psycopg.Connection, info: catalog.CollectionInfo, name: str, why: str = "",
              for_update: bool = False) -> dict:
    row = store.find(conn, info.id, name, for_update=for_update)
    if row is None:
        raise _not_found(info.id, name, why)
    return row


# -- create, drop, describe, list ---------------------------------------------------------------------

def create(conn: psycopg.Connection, db_name: str, collection_name: str, name: str, description: str,
           protection: int) -> None:
    check_name(name)
    if protection < 0:
        raise invalid_parameter("compaction_protection_seconds must be non-negative")
    if protection > MAX_PROTECTION_SECONDS:
        raise invalid_parameter(f"compaction_protection_seconds must not exceed {MAX_PROTECTION_SECONDS}")
    info = collections.require(conn, db_name, collection_name, for_update=True)
    if store.find(conn, info.id, name) is not None:
        raise invalid_parameter(f"snapshot name {name} already exists in collection {info.id}")
    # Milvus copies the segments that are persisted (flushed), not its growing segments' buffers:
    # here the sealed segments, as ignore_growing reads them (flush() first to include every row).
    store.add(conn, info, name, description or "", protection, segments.sealed_only(info))


def drop(conn: psycopg.Connection, db_name: str, collection_name: str, name: str) -> None:
    """Dropping an unknown snapshot succeeds (Milvus: idempotent); a pinned one is refused (2601)."""
    check_name(name)
    _required(collection_name, "collection_name is required for drop snapshot")
    info = collections.require(conn, db_name, collection_name, for_update=True)
    row = store.find(conn, info.id, name, for_update=True)
    if row is None:
        return
    if store.has_active_pins(conn, row["id"]):
        raise MilvusException(2601, f"active pins exist, unpin before dropping: snapshot is pinned[snapshot={name}]")
    store.remove(conn, row["id"])


def describe(conn: psycopg.Connection, db_name: str, collection_name: str, name: str) -> SnapshotInfo:
    """The collection is named as it is called now (Milvus resolves the snapshot's collection id)."""
    check_name(name)
    _required(collection_name, "collection_name is required for describe snapshot")
    info = collections.require(conn, db_name, collection_name)
    row = _snapshot(conn, info, name)
    return SnapshotInfo(name=row["name"], description=row["description"], collection_name=info.name,
                        partition_names=list(row["partitions"]),
                        create_ts=collections.hybrid_timestamp(row["created_at"]), s3_location="")


def list_names(conn: psycopg.Connection, db_name: str, collection_name: str) -> list[str]:
    """Milvus master lists one collection's snapshots only (its proxy requires the name)."""
    if db_name and catalog.database_schema(conn, db_name) is None:
        raise database_not_found(db_name)
    _required(collection_name, "collection_name is required for ListSnapshots")
    info = collections.require(conn, db_name or "default", collection_name)
    return store.names(conn, info.id)


# -- pins -------------------------------------------------------------------------------------------

def pin(conn: psycopg.Connection, db_name: str, collection_name: str, name: str, ttl_seconds: int) -> int:
    check_name(name)
    _required(collection_name, "collection_name is required for pin snapshot data")
    if ttl_seconds < 0:
        raise invalid_parameter("ttl_seconds must be non-negative")
    if ttl_seconds > MAX_PIN_TTL_SECONDS:
        raise invalid_parameter(f"ttl_seconds exceeds maximum of {MAX_PIN_TTL_SECONDS} (30 days)")
    info = collections.require(conn, db_name, collection_name)
    row = _snapshot(conn, info, name, for_update=True)
    return store.add_pin(conn, row["id"], ttl_seconds)


def unpin(conn: psycopg.Connection, pin_id: int) -> None:
    _required(pin_id, "pin_id is required for unpin snapshot data")  # type: ignore[arg-type]
    store.remove_pin(conn, pin_id)


# -- restore ----------------------------------------------------------------------------------------

def restore(conn: psycopg.Connection, db_name: str, collection_name: str, name: str, target_db: str,
            target_name: str) -> int:
    """Restore into a new collection ``target_name`` of ``target_db`` ("": the default database,
    as Milvus's datacoord creates it); the id of its (completed) restore job."""
    started = time.time()
    check_name(name)
    _required(collection_name, "collection_name is required for restore snapshot")
    _required(target_name, "target_collection_name is required for restore snapshot")
    check_name(target_name, "collection name")
    source = collections.require(conn, db_name, collection_name)
    row = _snapshot(conn, source, name, "failed to pin source snapshot under restore lock", for_update=True)
    target_db = target_db or "default"
    _check_target(conn, target_db, target_name)
    info = _create_target(conn, row, target_db, target_name)
    _copy_rows(conn, info, row["id"])
    cost = int((time.time() - started) * 1000)
    return store.add_job(conn, name, target_db, info.id, target_name, int(started * 1000), cost)


def _check_target(conn: psycopg.Connection, target_db: str, target_name: str) -> None:
    """Milvus's rootcoord refuses an existing target (its restore job fails synchronously)."""
    why = "failed to restore collection"
    if catalog.database_schema(conn, target_db) is None:
        raise MilvusException(ErrorCode.DATABASE_NOT_FOUND, f"{why}: database not found[database={target_db}]")
    if catalog.get_collection(conn, target_db, target_name, aliases=False) is not None:
        raise MilvusException(ErrorCode.SERVER_ERROR, f"{why}: create duplicate collection with different "
                                                      f"parameters, collection: {target_name}: invalid parameter")
    if catalog.alias_target(conn, target_db, target_name) is not None:
        raise MilvusException(ErrorCode.ALIAS_COLLECTION_NAME_CONFLICT,
                              f"{why}: please choose a unique name: alias and collection name conflict"
                              f"[database={target_db}][alias={target_name}]")


def _create_target(conn: psycopg.Connection, row: dict, target_db: str, target_name: str) -> catalog.CollectionInfo:
    """The target collection, its partitions and indexes, as the snapshot describes them."""
    schema = CollectionSchema.from_catalog(row["schema"])
    kwargs: dict[str, Any] = {"consistency_level": row["consistency_level"], "num_shards": row["num_shards"],
                              "properties": dict(row["properties"]), "num_partitions": row["num_partitions"]}
    collections.create(conn, target_db, target_name, schema, None, kwargs)
    info = _target(conn, target_db, target_name)
    if schema.partition_key_field is None:
        for partition in row["partitions"]:
            if partition != ddl.DEFAULT_PARTITION:
                collections.add_partition(conn, info, partition)
    if row["indexes"]:
        info = _target(conn, target_db, target_name)
        params = IndexParams()
        for index in row["indexes"]:
            user = {k: v for k, v in index["params"].items() if k != indexes.PG_KEY}
            if index["metric_type"]:
                user["metric_type"] = index["metric_type"]
            sent = (index["params"].get(indexes.PG_KEY) or {}).get("sent")  # described as it was
            params.add_index(index["field_name"], index["index_type"] or "", index["index_name"], params=user,
                             _sent_params=sent)
        index_ops.create(conn, info, params, restoring=True)
    return _target(conn, target_db, target_name)


def _target(conn: psycopg.Connection, db_name: str, name: str) -> catalog.CollectionInfo:
    info = catalog.get_collection(conn, db_name, name, aliases=False)
    assert info is not None
    return info


def _copy_rows(conn: psycopg.Connection, info: catalog.CollectionInfo, snapshot_id: int) -> None:
    """The snapshot's rows into each partition's growing segment, which is then sealed: the
    builder indexes it as any sealed segment.  Columns both tables have are copied ("$segment"
    is the new segment's)."""
    source = store.data_table(snapshot_id)
    parent = sql.Identifier(info.schema_name, info.table_name)
    theirs = set(store.columns(conn, source))
    names = [c for c in store.columns(conn, parent) if c in theirs and c != ddl.SEGMENT_COLUMN]
    listed = sql.SQL(", ").join(sql.Identifier(c) for c in names)
    key = info.schema.partition_key_field
    for part in info.partitions:
        if key is None:
            where = sql.SQL("{} = {}").format(sql.Identifier(ddl.PARTITION_COLUMN), sql.Literal(part.name))
        else:
            where = sql.SQL("satisfies_hash_partition({}::regclass::oid, {}, {}, {})").format(
                sql.Literal(parent.as_string(conn)), sql.Literal(len(info.partitions)),
                sql.Literal(segments.hash_partition_remainder(part.name)), sql.Identifier(key.name))
        growing = segments.growing(conn, info, part.name)
        copied = conn.execute(sql.SQL("INSERT INTO {} ({}, {}) SELECT {}, %s FROM {} WHERE {}").format(
            sql.Identifier(info.schema_name, part.table_name), listed, sql.Identifier(ddl.SEGMENT_COLUMN), listed,
            source, where), (growing.id,)).rowcount
        if copied:
            conn.execute(f"UPDATE {catalog.CATALOG}.segments SET rows = rows + %s WHERE id = %s", (copied, growing.id))
            segments.seal(conn, info, part.name)


# -- restore jobs -----------------------------------------------------------------------------------

def _job_info(row: dict) -> RestoreSnapshotJobInfo:
    return RestoreSnapshotJobInfo(**row)


def job_state(conn: psycopg.Connection, job_id: int) -> RestoreSnapshotJobInfo:
    row = store.job(conn, job_id)
    if row is None:
        raise MilvusException(2101, f"restore job not found: jobID={job_id}: importing data failed on server side")
    return _job_info(row)


def jobs(conn: psycopg.Connection, db_name: str, collection_name: str) -> list[RestoreSnapshotJobInfo]:
    """Jobs restoring into ``collection_name`` (of ``db_name``), else into ``db_name``'s collections."""
    if catalog.database_schema(conn, db_name) is None:
        raise database_not_found(db_name)
    collection_id: Optional[int] = None
    if collection_name:
        collection_id = collections.require(conn, db_name, collection_name).id
    return [_job_info(r) for r in store.jobs(conn, collection_id, db_name)]
