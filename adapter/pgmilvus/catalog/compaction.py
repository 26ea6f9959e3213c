"""compact(): a partition's small indexed segments merged into one, its indexes built in bulk.

Many small segments (a collection loaded in many small batches, or flushed often) make every
search a Merge Append of many small HNSW scans; Milvus merges them (compaction), so does this:
consecutive small indexed segments of a partition whose live rows fit ``merge_rows`` (Milvus's
1 GB segments) are merged into a new segment, deleted rows left behind; the user's compact()
also rewrites a segment alone once a fifth of its rows are deleted (Milvus's single
compaction), so its vector index drops them.  Each
merge is a plan of the call's job (compaction_jobs.py).  Readers and writers are kept waiting only for the swap:

1. *Copy* (one REPEATABLE READ transaction, no lock beyond reading): the sources' live rows go
   into a new standalone table (``LIKE`` the partition's table: its columns, constraints and
   indexes), and each row's (primary key, xmin) into a session table, from the same snapshot.
   The new segment is in the catalog as ``merging`` from the start, so a process killed from
   here on leaves a table the next compact() drops.
2. *Build*: the vector indexes, in bulk, on the table nobody else sees (compact() waits).
3. *Swap* (one transaction, the collection's write lock, then SHARE ROW EXCLUSIVE on the
   partition's table: writers wait, readers go on): rows changed since the copy (their
   (key, xmin) is gone: deleted, updated in place, moved by an upsert) are deleted from the new
   table and the sources' current versions copied in; the sources are detached and dropped and
   the new table attached, taking ACCESS EXCLUSIVE on the partition's table until the commit
   (milliseconds).  A reader sees the old segments or the new one, never both.

If the collection changed meanwhile (a field added, an index created or dropped), the swap
gives up and the new table is dropped: the next compact() starts again.

With a collection TTL or a TTL field (``ttl_field``), compact() first deletes the expired rows
(ttl.purge), as Milvus's compaction drops expired entities (its EntityFilter: isEntityExpired,
isEntityExpiredByTTLField); reads never depended on it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Callable, Optional

import psycopg
from psycopg import sql

from ..errors import invalid_parameter
from ..pg.connection import catalog_collision
from ..rbac import roles as rbac
from ..schema import ddl
from ..types import DENSE_VECTOR_TYPES
from . import bm25_stats, indexes, segments, tokens, ttl
from . import store as catalog
from .store import CATALOG, CollectionInfo

#: Milvus's segment sizes (dataCoord.segment.maxSize, diskSegmentMaxSize), in MB: a force merge's
#: target may not be smaller than the one that applies.
SEGMENT_MAX_MB, DISK_SEGMENT_MAX_MB = 1024, 2048
#: First half of the advisory lock key of a collection's compaction (the second: its id).
_COMPACTION_LOCK_SPACE = 0x7063  # "pc"
#: What a copy or build says when the collection's columns changed under it (undefined column,
#: table, object).
_CHANGED_MEANWHILE = ("42703", "42P01", "42704")
#: Called before the new table's creation ("create") and before the copy ("copy") (tests: DDL there).
before: Optional[Callable[[str], None]] = None
#: Called between the build and the swap (tests: writes in between, a kill).
between: Optional[Callable[[], None]] = None


def merge_rows(info: CollectionInfo) -> int:
    """Rows a merged segment holds at most: Milvus's segment size (1 GB) of vectors, and at least
    two seals' worth.  A search costs an index scan per segment, so fewer, larger segments are
    what keep it level with one hand-written table (bench/settle.py).  PGMILVUS_MERGE_ROWS
    overrides."""
    forced = segments.env_setting("PGMILVUS_MERGE_ROWS")
    if forced is not None:
        return max(1, int(forced))
    return max(2 * segments.seal_rows(info), (SEGMENT_MAX_MB << 20) // segments.vector_row_bytes(info))


def groups(live: list[tuple[int, int]], target: int, min_segments: int = 2,
           dirty: frozenset[int] = frozenset()) -> list[list[int]]:
    """Runs of consecutive small segments ((id, live rows), in id order) whose rows fit ``target``;
    only runs of ``min_segments`` or more are merged, or runs holding a ``dirty`` segment (one
    whose deleted rows are worth a rewrite, see dirty_segments), which is rewritten alone when
    nothing else fits with it.  A segment holding more than half the target is not small
    (Milvus's dataCoord.segment.smallProportion, 0.5): it ends a run and is left as it is, so a
    growing collection's rows are rewritten a few times, not once per merge."""
    out: list[list[int]] = []
    run: list[int] = []
    total = 0
    for segment_id, rows in live:
        small = 2 * rows <= target
        if run and (not small or total + rows > target):
            out.append(run)
            run, total = [], 0
        if small:
            run.append(segment_id)
            total += rows
        elif segment_id in dirty:
            out.append([segment_id])
    if run:
        out.append(run)
    return [g for g in out if len(g) >= min_segments or not dirty.isdisjoint(g)]


#: The share of a segment's rows deleted since it was written that makes compact() rewrite it
#: alone (Milvus: dataCoord.compaction.single.ratio.threshold, ShouldDoSingleCompaction).
DELETED_RATIO = 0.2


def dirty_segments(written: dict[int, int], live: list[tuple[int, int]]) -> frozenset[int]:
    """Segments whose deleted (or expired) rows are at least DELETED_RATIO of the rows written
    into them: a rewrite drops them from the segment's vector index, as Milvus's compaction
    rewrites such a segment without its deleted rows."""
    return frozenset(segment_id for segment_id, rows in live
                     if written.get(segment_id, 0) > 0
                     and written[segment_id] - rows >= DELETED_RATIO * written[segment_id])


@dataclass(frozen=True)
class MergePlan:
    """One merge compact() made: its source segments and the segment that replaced them."""

    partition: str
    sources: tuple[int, ...]
    target: int


def check_target_size(info: CollectionInfo, target_mb: int) -> None:
    """A force merge's ``target_size`` against Milvus's configured segment size (datacoord's
    forceMergePolicy: the disk size when every dense vector field has a DISKANN index).  The
    merge itself keeps sizing segments by ``merge_rows``."""
    dense = {f.name for f in info.schema.fields if f.dtype in DENSE_VECTOR_TYPES}
    diskann = {i.field_name for i in info.indexes if i.index_type == "DISKANN"}
    limit = DISK_SEGMENT_MAX_MB if dense and dense <= diskann else SEGMENT_MAX_MB
    if target_mb < limit:
        raise invalid_parameter(f"targetSize {target_mb} MB should be greater than or equal to "
                                f"configMaxSize {limit} MB")


def compact(conn: psycopg.Connection, info: CollectionInfo, min_segments: int = 2,
            statistics: bool = True) -> list[MergePlan]:
    """Merge what can be merged in every partition of ``info`` (runs of ``min_segments`` or more:
    the background compaction asks for longer runs, builder.py); the merges made.  ``conn`` is
    autocommit; another process compacting the collection makes this a no-op (but for the
    expired rows of a TTL collection, deleted first by whichever process calls).
    ``statistics``: the user's compact(), not the background one: also rewrite a segment that
    lost a fifth of its rows to deletes (dirty_segments), recompute the built segments' BM25
    statistics and complete the stored tokens of text_match fields (tokens.py)."""
    ttl.purge(conn, info)
    if statistics:  # the user's compact(): text_match tokens of rows written without them
        info = tokens.complete(conn, info)
    if not info.segmented or not segments.may_merge(conn, info):
        return []
    key = (_COMPACTION_LOCK_SPACE, info.id % (1 << 31))
    if not conn.execute("SELECT pg_try_advisory_lock(%s::int, %s::int)", key).fetchone()[0]:
        return []
    try:
        drop_leftovers(conn, info)
        plans = []
        for part in info.partitions:
            live, written = _live_rows(conn, info, part.name, part.table_name)
            dirty = dirty_segments(written, live) if statistics else frozenset()
            for group in groups(live, merge_rows(info), min_segments, dirty):
                target = _merge(conn, info, part.name, group)
                if target is not None:
                    plans.append(MergePlan(part.name, tuple(group), target))
        if statistics and info.schema.bm25_outputs:
            # every built segment's BM25 statistics from its live rows, as Milvus's compaction
            # rewrites a segment without its deleted (and expired) rows; a sealed one not built
            # yet gets them from its builder
            for segment_id, leaf in segments.segment_tables(conn, info, ("indexed",)):
                with conn.transaction():
                    bm25_stats.record(conn, info, segment_id, leaf)
        return plans
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s::int, %s::int)", key)


def vacuum(conn: psycopg.Connection, info: CollectionInfo) -> None:
    """compact()'s last step: VACUUM (ANALYZE) the collection's table, deleted rows reclaimed and
    planner statistics fresh.  SKIP_LOCKED: a segment the background builder is indexing (CREATE
    INDEX CONCURRENTLY, which waits for this VACUUM to end) is left for next time, not waited for (a
    deadlock); so is the rest of the pass when another session rewrote a catalog row it rewrites."""
    try:
        conn.execute(sql.SQL("VACUUM (ANALYZE, SKIP_LOCKED) {}").format(
            sql.Identifier(info.schema_name, info.table_name)))
    except psycopg.Error as exc:
        if not catalog_collision(exc):
            raise


def drop_leftovers(conn: psycopg.Connection, info: CollectionInfo) -> None:
    """Tables of merges a killed process left (never attached: nobody reads them).  Also run by
    drop_collection and rename_collection: such a table is not under the collection's table, so
    dropping or moving that would miss it."""
    for segment_id, table in conn.execute(f"SELECT id, table_name FROM {CATALOG}.segments"
                                          " WHERE collection_id = %s AND state = 'merging'", (info.id,)).fetchall():
        with conn.transaction():
            rbac.lock_grants(conn, shared=True)  # see _copy
            conn.execute(ddl.drop_table(info.schema_name, table))
            conn.execute(f"DELETE FROM {CATALOG}.segments WHERE id = %s", (segment_id,))


def _live_rows(conn: psycopg.Connection, info: CollectionInfo, partition: str,
               table: str) -> tuple[list[tuple[int, int]], dict[int, int]]:
    """(id, live rows) of the partition's indexed segments, in id order, and the rows written
    into each (the catalog's count, deletes not subtracted)."""
    written = dict(conn.execute(f"SELECT id, rows FROM {CATALOG}.segments WHERE collection_id = %s"
                                " AND partition_name = %s AND state = 'indexed' ORDER BY id",
                                (info.id, partition)).fetchall())
    counts = dict(conn.execute(sql.SQL("SELECT {s}, count(*) FROM {t} WHERE {s} = ANY(%s) GROUP BY 1").format(
        s=sql.Identifier(ddl.SEGMENT_COLUMN), t=sql.Identifier(info.schema_name, table)), (list(written),)).fetchall())
    return [(i, int(counts.get(i, 0))) for i in sorted(written)], written


def _merge(conn: psycopg.Connection, info: CollectionInfo, partition: str, sources: list[int]) -> Optional[int]:
    """The sources replaced by one new segment; its id, None when the collection changed meanwhile."""
    part = info.partition(partition)
    assert part is not None
    schema, parent = info.schema_name, part.table_name
    if before is not None:
        before("create")
    with conn.transaction():
        new_id = conn.execute(f"SELECT nextval('{CATALOG}.segment_ids')").fetchone()[0]
        leaf = segments.leaf_name(parent, new_id)
        conn.execute(ddl.create_like(schema, parent, leaf))
        conn.execute(f"INSERT INTO {CATALOG}.segments (id, collection_id, partition_name, table_name, state)"
                     " VALUES (%s, %s, %s, %s, 'merging')", (new_id, info.id, partition, leaf))
    try:
        if before is not None:
            before("copy")
        _build(conn, info, leaf, _copy(conn, info, parent, leaf, new_id, sources))
        with conn.transaction():  # out of the swap's locks; rows changed meanwhile are not counted
            bm25_stats.record(conn, info, new_id, leaf)
        if between is not None:
            between()
        if not _swap(conn, info, partition, parent, leaf, new_id, sources):
            _abandon(conn, info, leaf, new_id)
            return None
    except psycopg.Error as exc:
        # A field added or dropped since ``info`` was read (the copy or a build names a column the
        # new table lacks: the swap would have abandoned the merge), or a catalog row rewritten by
        # another session at once: the merge is left for the next compaction.
        if not catalog_collision(exc) and (exc.sqlstate not in _CHANGED_MEANWHILE or not _changed(conn, info)):
            raise
        _abandon(conn, info, leaf, new_id)
        return None
    except BaseException:
        if not conn.closed and conn.pgconn.transaction_status == psycopg.pq.TransactionStatus.IDLE:
            _abandon(conn, info, leaf, new_id)
        raise
    finally:
        with contextlib.suppress(psycopg.Error):
            conn.execute("DROP TABLE IF EXISTS pg_temp.pgmilvus_merge_seen")
    conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(schema, leaf)))
    return new_id


def _changed(conn: psycopg.Connection, info: CollectionInfo) -> bool:
    """Whether the collection was altered, dropped or replaced since ``info`` was read."""
    fresh = catalog.get_collection(conn, info.db_name, info.name, aliases=False)
    return fresh is None or fresh.id != info.id or fresh.revision != info.revision


def _copy_statement(conn: psycopg.Connection, info: CollectionInfo, parent: str, leaf: str,
                    where: sql.Composable) -> sql.Composed:
    names = segments.row_columns(conn, sql.Identifier(info.schema_name, parent))
    return sql.SQL("INSERT INTO {leaf} ({names}, {s}) SELECT {names}, %(new)s FROM {parent} AS src WHERE {where}").format(
        leaf=sql.Identifier(info.schema_name, leaf), parent=sql.Identifier(info.schema_name, parent), names=names,
        s=sql.Identifier(ddl.SEGMENT_COLUMN), where=where)


def _copy(conn: psycopg.Connection, info: CollectionInfo, parent: str, leaf: str, new_id: int,
          sources: list[int]) -> int:
    """The sources' live rows into the new table, and their (key, xmin), from one snapshot; how many."""
    pk, segment = sql.Identifier(info.schema.primary_field.name), sql.Identifier(ddl.SEGMENT_COLUMN)
    in_sources = sql.SQL("src.{} = ANY(%(sources)s)").format(segment)
    params = {"new": new_id, "sources": sources}
    conn.execute("DROP TABLE IF EXISTS pg_temp.pgmilvus_merge_seen")
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
    try:
        copied = conn.execute(_copy_statement(conn, info, parent, leaf, in_sources), params).rowcount
        conn.execute(sql.SQL("CREATE TEMP TABLE pgmilvus_merge_seen AS SELECT src.{pk} AS pk, src.xmin::text AS x"
                             " FROM {parent} AS src WHERE {where}").format(
            pk=pk, parent=sql.Identifier(info.schema_name, parent), where=in_sources), params)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    # The partition constraint, proved once here, spares ATTACH a scan under the swap's locks.  It
    # is added NOT VALID under the grants' lock: adding it rewrites the new table's pg_class row,
    # which a re-grant's GRANT ... ON ALL TABLES IN SCHEMA (rbac._sync_role: create_collection
    # among others) rewrites too, and PostgreSQL orders the two by no lock: one of them failed with
    # "tuple concurrently updated" (race_fuzz.py's compact).  The scan, VALIDATE, rewrites only
    # pg_constraint and runs outside it.  DROP TABLE (_abandon, drop_leftovers) collides the same way.
    table, name = sql.Identifier(info.schema_name, leaf), sql.Identifier(ddl.pg_name(leaf, "segment"))
    with conn.transaction():
        rbac.lock_grants(conn, shared=True)
        conn.execute(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} CHECK ({} = {}) NOT VALID").format(
            table, name, segment, sql.Literal(int(new_id))))
    conn.execute(sql.SQL("ALTER TABLE {} VALIDATE CONSTRAINT {}").format(table, name))
    return copied


def _build(conn: psycopg.Connection, info: CollectionInfo, leaf: str, rows: int) -> None:
    """The segment's indexes on the new table, in bulk (nobody reads it yet: no CONCURRENTLY),
    with the memory its ``rows``' graphs need (a merge holds up to 1 GB of vectors)."""
    settings = indexes.build_settings()
    memory = indexes.graph_memory(conn.info.host, info.schema, segments.vector_plans(info), rows)
    if memory is not None:
        settings["maintenance_work_mem"] = memory
    for name, value in settings.items():
        conn.execute("SELECT set_config(%s, %s, false)", (name, value))
    try:
        for plan in segments.segment_plans(info):
            statement = indexes.create_index_sql(info.schema_name, leaf, plan,
                                                 name=segments.segment_index_name(leaf, plan))
            assert statement is not None
            indexes.run_build(conn, statement)
    finally:
        conn.execute("RESET maintenance_work_mem; RESET max_parallel_maintenance_workers")


def _swap(conn: psycopg.Connection, info: CollectionInfo, partition: str, parent: str, leaf: str,
          new_id: int, sources: list[int]) -> bool:
    """Catch up with writes since the copy and put the new segment in the sources' place; False
    (nothing changed) when the collection's description changed meanwhile."""
    schema = info.schema_name
    pk, segment = sql.Identifier(info.schema.primary_field.name), sql.Identifier(ddl.SEGMENT_COLUMN)
    target, source_table = sql.Identifier(schema, leaf), sql.Identifier(schema, parent)
    with conn.transaction():
        fresh = catalog.lock_collection(conn, info)
        rbac.lock_grants(conn, shared=True)  # DETACH and DROP rewrite the sources' pg_class rows
        conn.execute(sql.SQL("LOCK TABLE ONLY {} IN SHARE ROW EXCLUSIVE MODE").format(source_table))
        if fresh.revision != info.revision:
            return False
        in_sources = sql.SQL("src.{} = ANY(%(sources)s)").format(segment)
        params = {"new": new_id, "sources": sources}
        # Gone or rewritten since the copy: out of the new table; their current versions back in.
        conn.execute(sql.SQL("DELETE FROM {t} AS n USING pgmilvus_merge_seen AS seen WHERE n.{pk} = seen.pk"
                             " AND NOT EXISTS (SELECT FROM {p} AS src WHERE {w} AND src.{pk} = seen.pk"
                             " AND src.xmin::text = seen.x)").format(t=target, pk=pk, p=source_table, w=in_sources),
                     params)
        changed = sql.SQL("{} AND NOT EXISTS (SELECT FROM pgmilvus_merge_seen AS seen WHERE seen.pk = src.{}"
                          " AND seen.x = src.xmin::text)").format(in_sources, pk)
        conn.execute(_copy_statement(conn, info, parent, leaf, changed), params)
        old = conn.execute(f"SELECT table_name FROM {CATALOG}.segments WHERE id = ANY(%s)", (sources,)).fetchall()
        for (table,) in old:
            conn.execute(sql.SQL("ALTER TABLE {} DETACH PARTITION {}").format(source_table, sql.Identifier(schema, table)))
        conn.execute(ddl.attach_segment(schema, parent, leaf, new_id))
        for (table,) in old:
            conn.execute(ddl.drop_table(schema, table))
        rows = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(target)).fetchone()[0]
        conn.execute(f"UPDATE {CATALOG}.segments SET state = 'indexed', rows = %s WHERE id = %s", (rows, new_id))
        conn.execute(f"DELETE FROM {CATALOG}.segments WHERE id = ANY(%s)", (sources,))
        rbac.copy_grants(conn, schema, parent, leaf)  # Postgres gives a new leaf no grants
    return True


def _abandon(conn: psycopg.Connection, info: CollectionInfo, leaf: str, new_id: int) -> None:
    with conn.transaction():
        rbac.lock_grants(conn, shared=True)  # see _copy
        conn.execute(ddl.drop_table(info.schema_name, leaf))
        conn.execute(f"DELETE FROM {CATALOG}.segments WHERE id = %s", (new_id,))
