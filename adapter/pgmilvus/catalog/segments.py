"""Milvus's segments on Postgres partitions: writes at COPY speed into an indexed collection.

pgvector keeps an HNSW index up to date row by row (~600 rows/s for 128-d); a bulk
CREATE INDEX is ~20x faster.  So, as Milvus does, writes never wait for an index:

- each Milvus partition's table of a *segmented* collection (every collection created since
  008_segments.sql; a partition-key collection's hash partitions too) is LIST-partitioned on
  "$segment";
- the *growing* segment's leaf has no vector index: inserts and upserts COPY into it,
  searches sort its exact distances;
- once it holds ``seal_rows`` rows the writer *seals* it in its own transaction
  (all-or-nothing with the write) and a new growing leaf takes the writes;
- a *sealed* segment gets its vector indexes by ``CREATE INDEX CONCURRENTLY`` on its
  leaf (readers and writers, deletes included, go on), by whichever process claims
  it first with a session advisory lock: the client's background thread
  (builder.py), flush() (which seals every growing segment and waits), any other
  process.  A builder killed mid-build leaves an INVALID index and its lock is gone
  with its session: the next claimant drops the index and builds again.

A search over the parent plans a Merge Append of the sealed leaves' index scans
and a sort of the growing leaf's distances.  Primary keys stay unique across
segments: Postgres's key on a partitioned table must include "$segment", so the
writers check the whole table under the collection lock (writes.py).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional, Sequence

import psycopg
from psycopg import sql

from ..pg import green
from ..schema import ddl
from . import bm25_stats, indexes
from ..rbac import roles as rbac
from ..types import DataType, LoadedSegmentInfo, SegmentInfo, SegmentState
from ..errors import MilvusException
from .store import CATALOG, CollectionInfo, get_collection, lock_collection

_log = logging.getLogger("pgmilvus")

#: A growing segment is sealed at about this many bytes of vectors (an exact scan of it
#: stays a few ms), within [MIN_SEAL_ROWS, MAX_SEAL_ROWS] rows; PGMILVUS_SEGMENT_ROWS overrides.
SEAL_VECTOR_BYTES = 16 << 20
MIN_SEAL_ROWS = 2_000
MAX_SEAL_ROWS = 100_000
#: The fewest rows an idle growing segment is sealed with (idle_seal_rows): an exact scan of
#: fewer costs about what an index scan does.
MIN_IDLE_SEAL_ROWS = 256
#: First half of a segment's two-int advisory lock key (the second: its id).
_SEGMENT_LOCK_SPACE = 0x7073  # "ps"
#: The "$segment" of rows written by plain SQL (the column's default): a leaf with no vector index.
OUTSIDE_SEGMENT = 0
#: How often flush() looks whether another session finished building a segment.
_POLL_SECONDS = 0.05


def env_setting(name: str) -> Optional[float]:
    """The number an environment setting holds (PGMILVUS_SEGMENT_ROWS, ...), None when unset; a
    value that is not a number is logged and ignored (a write must not fail on it)."""
    value = os.environ.get(name)
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        _log.warning("%s=%r is not a number: ignored", name, value)
        return None


def seal_rows(info: CollectionInfo) -> int:
    """Rows after which the growing segment is sealed (tuned in bench/insert.py)."""
    forced = env_setting("PGMILVUS_SEGMENT_ROWS")
    if forced is not None:
        return max(1, int(forced))
    return max(MIN_SEAL_ROWS, min(MAX_SEAL_ROWS, SEAL_VECTOR_BYTES // vector_row_bytes(info)))


def vector_row_bytes(info: CollectionInfo) -> int:
    """A row's vectors in bytes, counted as float32 (512 when it has none of a fixed size)."""
    return sum(4 * int(f.dim or 0) for f in info.schema.vector_fields if f.dim) or 512


def idle_seal_rows(info: CollectionInfo) -> int:
    """Rows from which a growing segment that stopped taking writes is sealed by the background
    builder (``seal_idle``): a sixteenth of a full one, at least ``MIN_IDLE_SEAL_ROWS``;
    PGMILVUS_IDLE_SEAL_ROWS overrides (0 turns it off)."""
    forced = env_setting("PGMILVUS_IDLE_SEAL_ROWS")
    if forced is not None:
        return int(forced) if forced > 0 else 0
    return max(MIN_IDLE_SEAL_ROWS, seal_rows(info) // 16)


def leaf_name(partition_table: str, segment_id: int) -> str:
    return ddl.pg_name(partition_table, f"s{segment_id}")


def leaf_index_name(leaf: str, index_name: str) -> str:
    return ddl.pg_name(leaf, index_name)


# -- growing segments and sealing (inside the writer's transaction) -------------------------------

def create_growing(conn: psycopg.Connection, schema_name: str, collection_id: int, partition: str,
                   partition_table: str) -> int:
    """A new growing segment (leaf table) for ``partition``; its id."""
    segment_id = conn.execute(f"SELECT nextval('{CATALOG}.segment_ids')").fetchone()[0]
    leaf = leaf_name(partition_table, segment_id)
    # Made apart and attached, not CREATE TABLE ... PARTITION OF: that takes ACCESS EXCLUSIVE on the
    # partition's table until the writer commits, ATTACH only SHARE UPDATE EXCLUSIVE, which reads
    # never wait for.  A reader holding one partition and waiting for another, while a writer
    # sealing both in the other order waited for it, was a deadlock (race_fuzz.py, partition keys).
    conn.execute(ddl.create_like(schema_name, partition_table, leaf))
    conn.execute(ddl.attach_segment(schema_name, partition_table, leaf, segment_id))
    rbac.copy_grants(conn, schema_name, partition_table, leaf)
    _analyze_empty(conn, schema_name, leaf)
    conn.execute(f"INSERT INTO {CATALOG}.segments (id, collection_id, partition_name, table_name, state)"
                 " VALUES (%s, %s, %s, %s, 'growing')", (segment_id, collection_id, partition, leaf))
    return segment_id


def sealed_only(info: CollectionInfo, alias: Optional[str] = None) -> Optional[sql.Composable]:
    """``ignore_growing=True``: the rows of sealed segments only, as Milvus skips its growing
    (unflushed) segments; rows written by plain SQL (segment 0) count as growing.  None for a
    collection made before segments (it has no "$segment"): every row is read."""
    if not info.segmented:
        return None
    column = sql.Identifier(alias, "$segment") if alias else sql.Identifier("$segment")
    return sql.SQL("{} = ANY(ARRAY(SELECT id FROM {} WHERE collection_id = {} AND state <> 'growing'))").format(
        column, sql.Identifier(CATALOG, "segments"), sql.Literal(info.id))


def create_outside(conn: psycopg.Connection, schema_name: str, partition_table: str) -> None:
    """Segment 0 of a partition: rows INSERTed by plain SQL (the column's default), searched
    exactly; flush() moves them into the growing segment."""
    leaf = leaf_name(partition_table, OUTSIDE_SEGMENT)
    conn.execute(ddl.create_segment(schema_name, partition_table, leaf, OUTSIDE_SEGMENT))
    _analyze_empty(conn, schema_name, leaf)


def _analyze_empty(conn: psycopg.Connection, schema_name: str, leaf: str) -> None:
    """Tell the planner a new leaf is empty (never analyzed, it would be costed as 10 pages)."""
    conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(schema_name, leaf)))


def descendants(conn: psycopg.Connection, info: CollectionInfo) -> list[str]:
    """Every table under the collection's parent (partitions, segments' leaves)."""
    rows = conn.execute("SELECT c.relname FROM pg_partition_tree(%s::regclass) t JOIN pg_class c"
                        " ON c.oid = t.relid WHERE t.level > 0",
                        (sql.Identifier(info.schema_name, info.table_name).as_string(conn),)).fetchall()
    return [r[0] for r in rows]


def adopt_outside_rows(conn: psycopg.Connection, info: CollectionInfo, partition: str) -> None:
    """Move rows written by plain SQL (segment 0) into the partition's growing segment.

    Copied, then segment 0 truncated and analyzed empty (moving them by UPDATE would leave
    their dead tuples for every exact scan to read, and stale statistics).  Segment 0 is locked
    first, so a plain-SQL writer in flight either committed before the copy or waits for it.
    """
    part = info.partition(partition)
    assert part is not None
    leaf = sql.Identifier(info.schema_name, leaf_name(part.table_name, OUTSIDE_SEGMENT))
    if conn.execute(sql.SQL("SELECT NOT EXISTS (SELECT FROM {})").format(leaf)).fetchone()[0]:
        return
    conn.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(leaf))
    target = growing(conn, info, partition)
    names = row_columns(conn, leaf)
    moved = conn.execute(sql.SQL("INSERT INTO {} ({}, {}) SELECT {}, %s FROM {}").format(
        sql.Identifier(info.schema_name, part.table_name), names, sql.Identifier(ddl.SEGMENT_COLUMN), names,
        leaf), (target.id,)).rowcount
    conn.execute(sql.SQL("TRUNCATE {}").format(leaf))
    conn.execute(sql.SQL("ANALYZE {}").format(leaf))
    conn.execute(f"UPDATE {CATALOG}.segments SET rows = rows + %s WHERE id = %s", (moved, target.id))


def row_columns(conn: psycopg.Connection, table: sql.Identifier) -> sql.Composed:
    """The columns of ``table`` but "$segment", as a list: what moving rows between segments copies."""
    columns = conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped"
        " AND attname <> %s ORDER BY attnum", (table.as_string(conn), ddl.SEGMENT_COLUMN)).fetchall()
    return sql.SQL(", ").join(sql.Identifier(r[0]) for r in columns)


@dataclass
class Growing:
    """The growing segment a write goes to, and whether this writer may seal it."""

    id: int
    rows: int
    may_seal: bool
    may_read: bool   # the user may read the collection (checks keys across segments, writes.py)
    partition: str = ""


#: Whether this role may seal segments (count rows in the catalog, create a segment's table in the
#: collection's schema, the one parameter): writers without it leave sealing to the owner's writes.
_SEAL_RIGHTS = f"(has_table_privilege('{CATALOG}.segments', 'UPDATE') AND has_schema_privilege(%s, 'CREATE'))"


def _growing_rows(conn: psycopg.Connection, info: CollectionInfo, partition: Optional[str]) -> list[Growing]:
    """The growing segment of ``partition``, or of every partition when None."""
    where = "" if partition is None else " AND partition_name = %s"
    params: tuple = (info.schema_name, sql.Identifier(info.schema_name, info.table_name).as_string(conn), info.id)
    rows = conn.execute(
        f"SELECT id, rows, {_SEAL_RIGHTS}, has_table_privilege(%s::regclass, 'SELECT'), partition_name"
        f" FROM {CATALOG}.segments WHERE collection_id = %s AND state = 'growing'{where}",
        params + ((partition,) if partition is not None else ())).fetchall()
    return [Growing(*row) for row in rows]


def growing(conn: psycopg.Connection, info: CollectionInfo, partition: str) -> Growing:
    found = _growing_rows(conn, info, partition)
    assert found, f"partition {partition} of {info.name} has no growing segment"
    return found[0]


# -- partition-key collections: which hash partition a row goes to --------------------------------

#: PostgreSQL's hash partitioning (partbounds.c, compute_partition_hash_value): the key's extended
#: hash with this seed, combined into 0 by hash_combine64 (which adds the second constant; a NULL
#: key is not combined), the sum modulo 2^64 and then modulo the partition count.
_HASH_SEED = 0x7A5B22367996DCFD
_HASH_COMBINE = 0x49A0F4DD15E5A8E3


def hash_partition_name(remainder: int) -> str:
    """The Milvus partition name of a partition-key collection's hash partition ``remainder``."""
    return f"{ddl.DEFAULT_PARTITION}_{remainder}"


def hash_partition_remainder(name: str) -> int:
    """The remainder of the hash partition ``hash_partition_name`` named ``name``."""
    return int(name.rsplit("_", 1)[1])


def hash_remainders(conn: psycopg.Connection, info: CollectionInfo, keys: Any) -> list[int]:
    """The hash partition (remainder) each partition-key value of ``keys`` (an array parameter)
    is routed to, computed by the server as its routing does (tests/test_segments.py compares
    them with where the rows land)."""
    field = info.schema.partition_key_field
    assert field is not None
    text = field.dtype != DataType.INT64
    statement = sql.SQL(
        "SELECT COALESCE(((({fn}(k, %(seed)s)::numeric + %(wrap)s + %(combine)s) %% %(wrap)s) %% %(m)s)::int, 0)"
        " FROM unnest(%(keys)s::{arr}) WITH ORDINALITY AS u(k, n) ORDER BY n").format(
        fn=sql.SQL("hashtextextended" if text else "hashint8extended"), arr=sql.SQL("text[]" if text else "bigint[]"))
    return [r[0] for r in conn.execute(statement, {"seed": _HASH_SEED, "wrap": 1 << 64, "combine": _HASH_COMBINE,
                                                   "m": len(info.partitions), "keys": keys}).fetchall()]


class SegmentWriter:
    """The growing segments a call writes into; counts the rows written and seals full segments.

    A call into a Milvus partition writes into that partition's growing segment.  A call into a
    partition-key collection (``partition`` None) writes into each hash partition's own growing
    segment: a row's is found from its key's hash (``hash_remainders``).  The seals run once
    the call's rows are written (a new leaf's creation locks the partition's table until commit,
    so it is the last statement of the transaction).
    """

    def __init__(self, conn: psycopg.Connection, info: CollectionInfo, partition: Optional[str]) -> None:
        self.conn, self.info = conn, info
        self.keyed = partition is None
        self.growing = {g.partition: g for g in _growing_rows(conn, info, partition)}
        assert self.growing, f"{info.name} has no growing segment"
        self.may_read = all(g.may_read for g in self.growing.values())
        self._by_remainder = {hash_partition_remainder(name): g for name, g in self.growing.items()} \
            if self.keyed else {}
        self._pending: dict[str, int] = {}
        self.sealed = False

    def segments(self, rows: int, keys: Any = None) -> list[int]:
        """The "$segment" of each of a chunk's ``rows`` (``keys``: their partition-key values as an
        array parameter, for a partition-key collection), counted as pending until ``wrote``."""
        pending = self._pending
        if not self.keyed:
            (name, segment), = self.growing.items()
            pending[name] = pending.get(name, 0) + rows
            return [segment.id] * rows
        out = []
        for remainder in hash_remainders(self.conn, self.info, keys):
            segment = self._by_remainder[remainder]
            pending[segment.partition] = pending.get(segment.partition, 0) + 1
            out.append(segment.id)
        return out

    def segments_for(self, keys: Any) -> list[int]:
        """The growing segment each row moves to when an update changes its partition-key value
        (``keys``: the new values, an array parameter): one round trip for them all."""
        return [self._by_remainder[r].id for r in hash_remainders(self.conn, self.info, keys)]

    def wrote(self) -> None:
        """The pending rows were written: count them toward their segments' seals."""
        for name, rows in self._pending.items():
            segment = self.growing[name]
            if segment.may_seal and rows:
                self.conn.execute(f"UPDATE {CATALOG}.segments SET rows = rows + %s WHERE id = %s",
                                  (rows, segment.id))
                segment.rows += rows
        self._pending = {}

    def finish(self) -> bool:
        """Seal the segments that are full; True when one was (builders have work)."""
        limit = seal_rows(self.info)
        for name, segment in self.growing.items():
            if segment.may_seal and segment.rows >= limit:
                seal(self.conn, self.info, name)
                self.sealed = True
        return self.sealed


def seal(conn: psycopg.Connection, info: CollectionInfo, partition: str) -> None:
    """Seal ``partition``'s growing segment and give the partition a new one."""
    part = info.partition(partition)
    assert part is not None
    conn.execute(f"UPDATE {CATALOG}.segments SET state = 'sealed'"
                 " WHERE collection_id = %s AND partition_name = %s AND state = 'growing'", (info.id, partition))
    create_growing(conn, info.schema_name, info.id, partition, part.table_name)


def seal_all(conn: psycopg.Connection, info: CollectionInfo) -> int:
    """flush(): seal every growing segment holding rows; how many were sealed (none when this
    user may not create tables in the collection's schema: its owner's writes or flush seal)."""
    if not _may_seal(conn, info):
        return 0
    for part in info.partitions:
        adopt_outside_rows(conn, info, part.name)
    partitions = _growing_partitions(conn, info, 1)
    for partition in partitions:
        seal(conn, info, partition)
    return len(partitions)


def _may_seal(conn: psycopg.Connection, info: CollectionInfo) -> bool:
    return conn.execute(f"SELECT {_SEAL_RIGHTS}", (info.schema_name,)).fetchone()[0]


def may_merge(conn: psycopg.Connection, info: CollectionInfo) -> bool:
    """Whether this role may replace segments (compaction.py): a seal's rights, DELETE on the
    catalog's segments and the collection's table's ownership (ATTACH / DETACH PARTITION need it).
    A role granted only Compaction vacuums and analyzes; the owner's compact() merges."""
    return conn.execute(
        f"SELECT {_SEAL_RIGHTS} AND has_table_privilege('{CATALOG}.segments', 'DELETE')"
        " AND pg_has_role(c.relowner, 'USAGE') FROM pg_class c WHERE c.oid = %s::regclass",
        (info.schema_name, sql.Identifier(info.schema_name, info.table_name).as_string(conn))).fetchone()[0]


def _growing_partitions(conn: psycopg.Connection, info: CollectionInfo, least: int) -> list[str]:
    """The partitions whose growing segment holds ``least`` rows or more."""
    return [row[0] for row in conn.execute(
        f"SELECT partition_name FROM {CATALOG}.segments WHERE collection_id = %s"
        " AND state = 'growing' AND rows >= %s", (info.id, least))]


def seal_idle(conn: psycopg.Connection, info: CollectionInfo) -> int:
    """Seal the growing segments holding ``idle_seal_rows`` or more, once the writes paused
    (the background builder, in a transaction of its own); how many were sealed.

    A growing segment has no vector index: every search sorts its exact distances (7.7 ms
    for 20k x 128-d, against 0.8 ms through HNSW, measured with bench/serve.py).  A
    collection loaded below the seal size and then only searched, the quick-start case,
    would pay that on every search until flush(); Milvus's growing segments have an
    interim index instead.  Smaller segments stay growing: scanning them costs about what
    an index scan does, and sealing each small pause would leave many tiny segments
    (background compaction merges the ones sealed here).  A collection with a BM25 function is
    sealed even without a vector index: a built segment's BM25 statistics are kept
    (bm25_stats), where a growing one's are counted at every search."""
    least = idle_seal_rows(info)
    if not least or not (any(True for _ in vector_plans(info)) or info.schema.bm25_outputs):
        return 0   # nothing to build: a sealed segment would be scanned exactly too
    if not _growing_partitions(conn, info, least) or not _may_seal(conn, info):
        return 0
    info = lock_collection(conn, info)  # waits for writers in flight; the rows are read again
    partitions = _growing_partitions(conn, info, least)
    for partition in partitions:
        seal(conn, info, partition)
    return len(partitions)


# -- index builds (autocommit connection: CREATE INDEX CONCURRENTLY) ------------------------------

def vector_plans(info: CollectionInfo) -> Iterator[indexes.IndexPlan]:
    """The vector indexes every sealed segment gets, planned again from the catalog rows."""
    for index in info.indexes:
        field = info.schema.field(index.field_name)
        if field is None or not field.is_vector or not index.pg_index_name:
            continue
        facts = index.params.get(indexes.PG_KEY) or {}
        params = {k: v for k, v in index.params.items() if k != indexes.PG_KEY}
        plan = indexes.plan_vector_index(field, index.index_name, index.index_type, index.metric_type, params,
                                         has_vectorscale=facts.get("method") == "diskann")
        if plan.method is not None:
            yield plan


#: Scalar types a sealed segment indexes by itself (``scalar_plans``).
_SEGMENT_BTREE_TYPES = frozenset({DataType.INT8, DataType.INT16, DataType.INT32, DataType.INT64, DataType.FLOAT,
                                  DataType.DOUBLE, DataType.TIMESTAMPTZ, DataType.VARCHAR})
#: The longest VARCHAR (bytes) a segment's own B-tree takes: an entry holds at most ~2,700 bytes,
#: and a partial update may write a value of the full length into a sealed segment.
SEGMENT_BTREE_MAX_BYTES = 2000


def scalar_plans(info: CollectionInfo) -> Iterator[indexes.IndexPlan]:
    """A B-tree of each plain scalar field without an index of the user's, built on every sealed
    segment (never the growing one, whose writes stay at COPY speed).

    Milvus filters a segment by scanning its field in memory; PostgreSQL's scan of the heap reads
    the vectors' pages too (a 20k x 128-d segment: 1,472 pages, about 1 ms for any filter).  With
    the segment's B-tree a selective filter reads only its rows (``bucket == k`` over 0.5% of
    20k x 128-d rows: 1.03 -> 0.16 ms in-process), and the search's strategy sees that in the
    planner's estimate.  A sealed segment takes no new rows, so the index costs its build (a few
    ms per field in the background builder) and its pages, never an insert's time."""
    indexed = {index.field_name for index in info.indexes}
    for field in info.schema.fields:
        if (field.dtype not in _SEGMENT_BTREE_TYPES or field.is_primary or field.name in indexed
                or field.dtype == DataType.VARCHAR and field.byte_limit > SEGMENT_BTREE_MAX_BYTES):
            continue
        yield indexes.IndexPlan(field.name, field.name, "STL_SORT", None, {}, "btree", None, {})


def segment_index_name(leaf: str, plan: indexes.IndexPlan) -> str:
    """The name of ``plan``'s index on the segment ``leaf``: ``<leaf>$<index name>`` for a vector
    index, ``$<leaf>$<field>`` for the segment's own B-tree (Milvus takes any index name, so only
    a name no ``<leaf>$...`` can be keeps the two apart; no collection's table begins with ``$``)."""
    if plan.method == "btree":
        return _btree_name(leaf, plan.field_name)
    return leaf_index_name(leaf, plan.index_name)


def _btree_name(leaf: str, field_name: str) -> str:
    return ddl.pg_name("$" + leaf, field_name)


def segment_plans(info: CollectionInfo) -> Iterator[indexes.IndexPlan]:
    """Every index a sealed segment gets: the vector indexes, then its scalar B-trees."""
    yield from vector_plans(info)
    yield from scalar_plans(info)


def drop_scalar_btrees(conn: psycopg.Connection, info: CollectionInfo, field_name: str) -> None:
    """The sealed segments' own B-trees of ``field_name`` go (a VARCHAR grown past
    SEGMENT_BTREE_MAX_BYTES: a partial update could write a value no B-tree entry holds)."""
    for _, leaf in segment_tables(conn, info):
        conn.execute(indexes.drop_index_sql(info.schema_name, _btree_name(leaf, field_name)))


def create_scalar_btrees(conn: psycopg.Connection, info: CollectionInfo, field_name: str) -> None:
    """The built segments' own B-trees of ``field_name``, built again now that the user's index of
    it is dropped (``info`` without it).  PostgreSQL made each segment's B-tree of the field a part
    of that index when it was created on the parent table (an equal index on a partition is
    attached, not built twice), so the drop took them too; rebuilt here, as a new vector index is
    built on every segment at once, a filter on the field never falls back to reading whole
    segments.  Segments still waiting for their build get theirs from it (build_segment)."""
    for plan in scalar_plans(info):
        if plan.field_name != field_name:
            continue
        for _, leaf in segment_tables(conn, info, ("indexed",)):
            # One not attached to the user's index (an index of another kind) stayed: kept.
            _ensure_index(conn, info, leaf, plan, concurrently=False)


def is_vector_plan(plan: indexes.IndexPlan) -> bool:
    """A vector index, built on each sealed segment (never on the parent, whose index every new
    segment would inherit and the growing one maintain on every insert): pgvector's, and
    MINHASH_LSH's GIN index of bands."""
    return plan.method in ("hnsw", "ivfflat", "diskann") or plan.index_type == "MINHASH_LSH"


def segment_tables(conn: psycopg.Connection, info: CollectionInfo,
                   states: tuple[str, ...] = ("sealed", "indexed")) -> list[tuple[int, str]]:
    return conn.execute(f"SELECT id, table_name FROM {CATALOG}.segments WHERE collection_id = %s"
                        " AND state = ANY(%s) ORDER BY id", (info.id, list(states))).fetchall()


def _index_state(conn: psycopg.Connection, schema_name: str, name: str) -> Optional[bool]:
    """True: a valid index ``name``; False: an invalid one (a killed build); None: none."""
    row = conn.execute("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                       " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s",
                       (schema_name, name)).fetchone()
    return None if row is None else bool(row[0])


def _ensure_index(conn: psycopg.Connection, info: CollectionInfo, leaf: str, plan: indexes.IndexPlan,
                  concurrently: bool) -> None:
    """``plan``'s index on the segment ``leaf``, unless a valid one is there already; an invalid
    one (left by a killed build) is dropped first.  ``concurrently``: on an autocommit connection
    (the builders), else inside the caller's transaction."""
    name = segment_index_name(leaf, plan)
    state = _index_state(conn, info.schema_name, name)
    if state:
        return
    drop = sql.SQL("DROP INDEX {}IF EXISTS {}").format(
        sql.SQL("CONCURRENTLY " if concurrently else ""), sql.Identifier(info.schema_name, name))
    if state is False:
        conn.execute(drop)
    statement = indexes.create_index_sql(info.schema_name, leaf, plan, name=name, concurrently=concurrently)
    assert statement is not None
    indexes.run_build(conn, statement, drop)


def _changed_meanwhile(exc: psycopg.Error) -> bool:
    """A build stopped by DDL on its collection: cancelled by cancel_builds (a DDL's, "user request";
    not a statement timeout), failed by PostgreSQL to end a deadlock with a DDL that waits for its
    leaf (one that started after the DDL's last cancel), or a field, index or table the DDL dropped
    once the build could go on."""
    if isinstance(exc, psycopg.errors.QueryCanceled):
        return "user request" in str(exc)
    return exc.sqlstate in ("40P01", "42703", "42P01", "42704")


def build_segment(conn: psycopg.Connection, info: CollectionInfo, segment_id: int, leaf: str,
                  wait: bool) -> bool:
    """Build a sealed segment's indexes (segment_plans) if this session claims it; True if it did.

    ``wait``: wait for another builder of the segment (flush) instead of skipping it.
    """
    key = (_SEGMENT_LOCK_SPACE, segment_id % (1 << 31))
    while not conn.execute("SELECT pg_try_advisory_lock(%s::int, %s::int)", key).fetchone()[0]:
        # Another session builds it.  Poll, never block: a statement waiting on the lock holds a
        # snapshot, which that session's CREATE INDEX CONCURRENTLY would wait for (a deadlock).
        if not wait:
            return False
        green.sleep(_POLL_SECONDS)  # in AsyncMilvusClient's call, the loop runs meanwhile
    try:
        row = conn.execute(f"SELECT state FROM {CATALOG}.segments WHERE id = %s", (segment_id,)).fetchone()
        if row is None or row[0] != "sealed":
            return False  # built meanwhile, or dropped
        # The indexes as they are now: a field or index dropped since ``info`` was read is not built.
        fresh = get_collection(conn, info.db_name, info.name, aliases=False)
        if fresh is None or fresh.id != info.id:
            return False
        info = fresh
        for name, value in indexes.build_settings().items():
            conn.execute("SELECT set_config(%s, %s, false)", (name, value))
        try:
            for plan in segment_plans(info):
                _ensure_index(conn, info, leaf, plan, concurrently=True)
        except psycopg.Error as exc:
            if not _changed_meanwhile(exc):
                raise
            _log.info("segment %s of %s not built: the collection changed meanwhile (%s); the next build "
                      "takes it", segment_id, info.name, str(exc).strip().splitlines()[0])
            return False
        # VACUUM as well as ANALYZE (statistics for the planner): a sealed segment takes no new
        # rows, so its pages can be marked all-visible now, once.  A sequential scan then skips
        # the per-row visibility check (a filtered exact search over a 20k x 128-d segment: 1.64
        # -> 1.31 ms), and index-only scans skip the heap.  It costs ANALYZE's pass over the rows
        # (20k rows: 27 ms either way; 100k: 95 -> 137 ms).
        conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(info.schema_name, leaf)))
        with conn.transaction():
            bm25_stats.record(conn, info, segment_id, leaf)  # BM25 statistics: fixed from now until compact()
            conn.execute(f"UPDATE {CATALOG}.segments SET state = 'indexed' WHERE id = %s AND state = 'sealed'",
                         (segment_id,))
        return True
    finally:
        conn.execute("RESET maintenance_work_mem; RESET max_parallel_maintenance_workers")
        conn.execute("SELECT pg_advisory_unlock(%s::int, %s::int)", key)


def cancel_builds(conn: psycopg.Connection, info: CollectionInfo) -> int:
    """Cancel the segment index builds running on the collection's tables (any process's builder,
    ``CREATE INDEX CONCURRENTLY``; a caller's create_index is never one), before DDL that locks
    its leaves: how many were asked to stop.

    A CREATE INDEX CONCURRENTLY waits, before it ends, for every transaction older than its
    snapshot, the dropping one included, while DROP TABLE waits for the build's lock on the leaf:
    PostgreSQL breaks that deadlock by failing one of the two, the drop as often as the build
    (seen in bench/serve.py).  A cancelled build leaves an invalid index, dropped with its table;
    its builder logs the failure and goes on.  Builds of a role this session may not signal are
    left to the deadlock detector.
    """
    # A transaction keeps the first view of the sessions it reads; hold_leaves asks again in one.
    conn.execute("SELECT pg_stat_clear_snapshot()")
    table = sql.Identifier(info.schema_name, info.table_name).as_string(conn)
    return conn.execute(_CANCEL_BUILDS, {"tree": table}).fetchone()[0]


#: cancel_builds' statement: the builds' CREATE INDEX CONCURRENTLY, and their DROP INDEX CONCURRENTLY
#: of an invalid index left by a killed build (it too waits for every transaction that holds a lock
#: on the leaf, and holds the leaf meanwhile: the same deadlock, seen in tests/race_fuzz.py).
_CANCEL_BUILDS = """
WITH tree AS (SELECT relid FROM pg_partition_tree(%(tree)s::regclass))
SELECT count(pg_cancel_backend(a.pid)) FROM pg_stat_activity a
 WHERE a.usesysid IS NOT NULL AND a.pid <> pg_backend_pid() AND pg_has_role(a.usesysid, 'MEMBER')
   AND (EXISTS (SELECT FROM pg_stat_progress_create_index p
                 WHERE p.pid = a.pid AND p.command = 'CREATE INDEX CONCURRENTLY' AND p.relid IN (TABLE tree))
        OR starts_with(upper(ltrim(a.query)), 'DROP INDEX CONCURRENTLY')
           AND EXISTS (SELECT FROM pg_locks l WHERE l.pid = a.pid AND l.relation IN (TABLE tree)))
"""


#: hold_leaves: tries at taking the leaves' locks without waiting, and the pause between two.
_HOLD_TRIES, _HOLD_PAUSE = 40, 0.05


def hold_leaves(conn: psycopg.Connection, info: CollectionInfo) -> None:
    """SHARE on every leaf of a segmented collection, in the caller's transaction, before DDL that
    locks them: no segment index build can start on them until the commit.

    ``cancel_builds`` alone leaves a race: a build that starts right after it holds its leaf and
    waits for this transaction, which then waits for the leaf (a deadlock PostgreSQL ends by failing
    one of them, the caller's create_index seen failing so in Milvus's e2e tests).  So the locks are
    taken NOWAIT, builds cancelled again until they are free; after the tries (writers, other
    DDL) the last attempt waits as any DDL would."""
    if not info.segmented:
        cancel_builds(conn, info)
        return
    tree = conn.execute(
        "SELECT n.nspname, c.relname, t.isleaf FROM pg_partition_tree(%s::regclass) t"
        " JOIN pg_class c ON c.oid = t.relid JOIN pg_namespace n ON n.oid = c.relnamespace ORDER BY t.level",
        (sql.Identifier(info.schema_name, info.table_name).as_string(conn),)).fetchall()
    # The table and its partitions first, waiting as any DDL: a delete (or ANALYZE) locks them
    # before the leaves, so leaves held first while it holds the table deadlocked with the DDL's
    # ALTER or DROP of the table (a delete racing a rename, seen in tests/race_fuzz.py).
    tables = [sql.SQL("ONLY {}").format(sql.Identifier(schema, table)) for schema, table, leaf in tree if not leaf]
    if tables:
        conn.execute(sql.SQL("LOCK TABLE {} IN SHARE MODE").format(sql.SQL(", ").join(tables)))
    leaves = [sql.Identifier(schema, table) for schema, table, leaf in tree if leaf]
    if not leaves:
        return
    statement = sql.SQL("LOCK TABLE {} IN SHARE MODE").format(sql.SQL(", ").join(leaves))
    for _ in range(_HOLD_TRIES):
        cancel_builds(conn, info)
        try:
            with conn.transaction():  # a savepoint: a refused NOWAIT undoes only itself
                conn.execute(statement + sql.SQL(" NOWAIT"))
            return
        except psycopg.errors.LockNotAvailable:
            green.sleep(_HOLD_PAUSE)
    wait_in_turns(conn, statement, lambda: cancel_builds(conn, info))


def lock_for_ddl(conn: psycopg.Connection, info: CollectionInfo) -> CollectionInfo:
    """``lock_collection`` for DDL that takes every leaf's lock (DROP, RENAME, ALTER TABLE), with
    the index builds in flight cancelled and none started until the commit (``hold_leaves``), then
    the whole tree (``exclusive``): the collection as read again."""
    info = lock_collection(conn, info)
    hold_leaves(conn, info)
    exclusive(conn, info)
    return info


#: exclusive: tries at locking the whole tree without waiting, and the pause between two.
_EXCLUSIVE_TRIES, _EXCLUSIVE_PAUSE = 100, 0.02


def exclusive(conn: psycopg.Connection, info: CollectionInfo) -> None:
    """ACCESS EXCLUSIVE on the collection's whole tree, for DDL that drops or alters its tables, taken
    all at once or not at all (NOWAIT, in a savepoint) before the DDL's own statements take them.

    Readers do not lock a tree in one order: one through the collection's table takes it top down,
    one of a single partition (a search with one partition name, a delete in a partition, compact's
    counts) takes the partition, then the collection's table (PostgreSQL opens the parent to check
    the partition's bounds).  A DDL that waited while holding part of the tree was then a deadlock
    with such a reader (race_fuzz.py: drop_collection racing compact).  Trying the whole tree
    without waiting, it never holds one table while waiting for another; after the tries (a busy
    collection), the last attempt waits as any DDL would."""
    rbac.lock_grants(conn, shared=True)  # no re-grant rewrites these tables' pg_class rows meanwhile
    statement = sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(
        sql.Identifier(info.schema_name, info.table_name))
    for _ in range(_EXCLUSIVE_TRIES):
        try:
            with conn.transaction():  # a savepoint: a refused NOWAIT gives back what it took
                conn.execute(statement + sql.SQL(" NOWAIT"))
            return
        except psycopg.errors.LockNotAvailable:
            green.sleep(_EXCLUSIVE_PAUSE)
    wait_in_turns(conn, statement, lambda: None)


#: wait_in_turns: how long each turn waits in the lock's queue.
_TURN = "250ms"


def wait_in_turns(conn: psycopg.Connection, statement: sql.Composable, between: Callable[[], None]) -> None:
    """Take a DDL's locks once trying without waiting failed (a busy collection): waiting in the
    queue as any DDL (so a stream of writers or readers cannot starve it: they queue behind it),
    but a turn of ``_TURN`` at a time, ``between()`` before each (cancel the builds that started
    since).  One long wait held the DDL's earlier locks while it waited, and a build that started
    after the last cancel (it waits for the DDL's transaction), or a reader taking the tree in the
    other order, then closed a cycle PostgreSQL ends by failing one side, the user's call as often
    as not (race_fuzz.py's create_index, once in a full test run).  Leaving the queue breaks such a
    cycle before the deadlock detector (1 s) looks.  Bounded as one statement would be: once the
    call's statement_timeout is near, the last turn waits for the rest of it."""
    timeout = conn.execute("SELECT current_setting('statement_timeout')::interval").fetchone()[0]
    deadline = None if not timeout else time.monotonic() + timeout.total_seconds()
    previous = conn.execute("SELECT current_setting('lock_timeout')").fetchone()[0]
    while deadline is None or time.monotonic() + 0.5 < deadline:
        between()
        try:
            with conn.transaction():  # a savepoint: a turn that ran out undoes only itself
                conn.execute("SELECT set_config('lock_timeout', %s, true)", (_TURN,))
                conn.execute(statement)
                conn.execute("SELECT set_config('lock_timeout', %s, true)", (previous,))
            return
        except psycopg.errors.LockNotAvailable:
            continue
    between()
    conn.execute(statement)


def emptied(conn: psycopg.Connection, info: CollectionInfo) -> None:
    """After TRUNCATE: the sealed segments, empty now, go (their leaves and catalog rows), as Milvus
    drops a truncated collection's segments, so list_persistent_segments lists none; the growing
    ones stay for the next writes, their counts at 0 so they are not sealed early.  Runs in the
    truncate's transaction, under its locks (lock_for_ddl stopped builds in flight)."""
    for _segment_id, leaf in segment_tables(conn, info, ("sealed", "indexed")):
        conn.execute(ddl.drop_table(info.schema_name, leaf))
    conn.execute(f"DELETE FROM {CATALOG}.segments WHERE collection_id = %s AND state IN ('sealed', 'indexed')",
                 (info.id,))
    conn.execute(f"UPDATE {CATALOG}.segments SET rows = 0 WHERE collection_id = %s", (info.id,))


def fingerprint(conn: psycopg.Connection, info: CollectionInfo) -> tuple:
    """The collection's segments as they stand (id, state, rows): the same tuple twice, some
    time apart, says nobody wrote to it meanwhile (builder.adopt)."""
    return tuple(conn.execute(f"SELECT id, state, rows FROM {CATALOG}.segments WHERE collection_id = %s"
                              " ORDER BY id", (info.id,)).fetchall())


def build_pending(conn: psycopg.Connection, info: CollectionInfo, wait: bool = False) -> int:
    """Build every sealed segment of the collection this session can claim; how many it built."""
    built = 0
    for segment_id, leaf in segment_tables(conn, info, ("sealed",)):
        built += build_segment(conn, info, segment_id, leaf, wait)
    return built


# -- create_index / drop_index on a segmented collection (inside their transaction) ---------------

def create_vector_index(conn: psycopg.Connection, info: CollectionInfo, plan: indexes.IndexPlan) -> None:
    """A new vector index: built now on every sealed and indexed segment (never the growing one).

    An index of that name may be there already: a build of the index this replaces, cancelled by
    hold_leaves (invalid), or one that started before the drop_index and ended after it (the old
    definition).  It goes first, under this transaction's locks on the leaves."""
    largest = conn.execute(f"SELECT coalesce(max(rows), 0) FROM {CATALOG}.segments WHERE collection_id = %s",
                           (info.id,)).fetchone()[0]
    memory = indexes.graph_memory(conn.info.host, info.schema, [plan], largest)
    if memory is not None:  # the transaction's, as create_index's other build settings
        conn.execute("SELECT set_config('maintenance_work_mem', %s, true)", (memory,))
    for _, leaf in segment_tables(conn, info):
        name = leaf_index_name(leaf, plan.index_name)
        statement = indexes.create_index_sql(info.schema_name, leaf, plan, name=name)
        assert statement is not None
        conn.execute(indexes.drop_index_sql(info.schema_name, name))
        indexes.run_build(conn, statement)


def drop_vector_index(conn: psycopg.Connection, info: CollectionInfo, index_name: str) -> None:
    for _, leaf in segment_tables(conn, info, ("growing", "sealed", "indexed")):
        conn.execute(indexes.drop_index_sql(info.schema_name, leaf_index_name(leaf, index_name)))


def index_progress(conn: psycopg.Connection, info: CollectionInfo) -> tuple[int, int, int]:
    """describe_index's (total_rows, indexed_rows, pending_index_rows) of a vector index, as
    Milvus counts them: rows of built segments are indexed, rows of sealed ones wait for their
    build, rows of growing segments (searched exactly) are neither."""
    by_state = dict(conn.execute(f"SELECT state, array_agg(id) FROM {CATALOG}.segments"
                                 " WHERE collection_id = %s GROUP BY state", (info.id,)).fetchall())
    segment = sql.Identifier(ddl.SEGMENT_COLUMN)
    row = conn.execute(sql.SQL("SELECT count(*), count(*) FILTER (WHERE {s} = ANY(%s)),"
                               " count(*) FILTER (WHERE {s} = ANY(%s)) FROM {t}").format(
        s=segment, t=sql.Identifier(info.schema_name, info.table_name)),
        (by_state.get("indexed", []), by_state.get("sealed", []))).fetchone()
    return int(row[0]), int(row[1]), int(row[2])



# -- what list_persistent_segments / list_loaded_segments report ----------------------------------

#: pgmilvus's states as Milvus names them: a sealed segment waiting for its vector indexes is
#: Sealed, one whose indexes are built is Flushed (persisted, indexed); a merge in progress is
#: not a segment yet.
MILVUS_STATES = {"growing": SegmentState.Growing, "sealed": SegmentState.Sealed, "indexed": SegmentState.Flushed}
#: The one query node of a standalone Milvus, every segment's (collections.replicas and the server's
#: metrics name it too).
NODE_ID = 1
#: A segment's level: L1 (SegmentLevel 2), what datacoord gives every segment it allocates for inserts
#: and what mix compaction writes; pgmilvus has no L0 (delete-only) segments nor L2 (clustered) ones.
LEVEL_L1 = 2


def node_address() -> str:
    """The one query node's address: this host's name, what describe_resource_group's nodes, a
    replica's shard leader and GetMetrics's hardware ``ip`` all give."""
    return socket.gethostname()


def infos(conn: psycopg.Connection, info: CollectionInfo, states: tuple) -> list[SegmentInfo]:
    """The collection's segments in ``states`` (SegmentState values), with their live rows.
    Partition ids are the partitions' Milvus ids (store.partition_id).  A sealed
    segment is ``is_sorted``, as Milvus's are once its stats task has sorted them by key: a sealed
    leaf is as fast to look a key up in (its key's B-tree); a growing one is not sorted in Milvus."""
    wanted = [name for name, state in MILVUS_STATES.items() if state in states]
    rows = conn.execute(f"SELECT id, partition_name, state FROM {CATALOG}.segments WHERE collection_id = %s"
                        " AND state = ANY(%s) ORDER BY id", (info.id, wanted)).fetchall()
    live = dict(conn.execute(sql.SQL("SELECT {s}, count(*) FROM {t} GROUP BY 1").format(
        s=sql.Identifier(ddl.SEGMENT_COLUMN), t=sql.Identifier(info.schema_name, info.table_name))).fetchall())
    ids = info.partition_ids()
    return [SegmentInfo(segment_id=segment_id, collection_id=info.id, collection_name=info.name,
                        num_rows=int(live.get(segment_id, 0)), is_sorted=state != "growing",
                        state=MILVUS_STATES[state],
                        level=LEVEL_L1, storage_version=0, partition_id=ids.get(partition, 0),
                        insert_channel=insert_channel(info.id))
            for segment_id, partition, state in rows]


#: merr.ErrSegmentNotFound
SEGMENT_NOT_FOUND = 600


def by_ids(conn: psycopg.Connection, segment_ids: Sequence[int]) -> list[SegmentInfo]:
    """GetSegmentsInfo (REST's segments/describe): each segment by id in the order asked, whatever
    its collection, database or state (datacoord's IncludeUnHealthy); an unknown id is datacoord's
    ``segment not found[segment=<id>]``."""
    owners = {row[0]: row[1:] for row in conn.execute(
        f"SELECT s.id, c.db_name, c.name FROM {CATALOG}.segments s JOIN {CATALOG}.collections c"
        " ON c.id = s.collection_id WHERE s.id = ANY(%s)", (list(segment_ids),)).fetchall()}
    found: dict[int, SegmentInfo] = {}
    out = []
    for segment_id in segment_ids:
        if segment_id in owners and segment_id not in found:
            info = get_collection(conn, *owners[segment_id], aliases=False)
            if info is not None:
                found.update((s.segment_id, s) for s in infos(conn, info, tuple(MILVUS_STATES.values())))
        if segment_id not in found:
            raise MilvusException(SEGMENT_NOT_FOUND, f"segment not found[segment={segment_id}]")
        out.append(found[segment_id])
    return out


def insert_channel(collection_id: int) -> str:
    """The one DML channel of a collection's segments, named as a standalone Milvus names its first
    shard's virtual channel."""
    return f"by-dev-rootcoord-dml_0_{collection_id}v0"


def loaded_infos(conn: psycopg.Connection, info: CollectionInfo) -> list[LoadedSegmentInfo]:
    """The sealed segments of the collection's loaded partitions, as a query node reports them
    (Milvus lists no growing segment here, and each listed one as ``Sealed``, its segment type on
    the query node, whatever datacoord's state), with their tables' size on disk as mem_size."""
    loaded = {p.name for p in info.partitions if p.loaded}
    vector = next((i for i in info.indexes if (f := info.schema.field(i.field_name)) is not None and f.is_vector),
                  None)
    out = []
    ids = info.partition_ids()
    by_id = {ids[p.name]: p for p in info.partitions}
    for seg in infos(conn, info, (SegmentState.Sealed, SegmentState.Flushed)):
        partition = by_id[seg.partition_id]
        if partition.name not in loaded:
            continue
        size = conn.execute("SELECT pg_total_relation_size(%s::regclass)", (sql.Identifier(
            info.schema_name, leaf_name(partition.table_name, seg.segment_id)).as_string(conn),)).fetchone()[0]
        out.append(LoadedSegmentInfo(
            segment_id=seg.segment_id, collection_id=seg.collection_id, collection_name=seg.collection_name,
            num_rows=seg.num_rows, is_sorted=seg.is_sorted, state=SegmentState.Sealed, level=LEVEL_L1, storage_version=0,
            partition_id=seg.partition_id, index_name=vector.index_name if vector else "", index_id=vector.id if vector else 0,
            node_ids=[NODE_ID], mem_size=int(size)))
    return out
