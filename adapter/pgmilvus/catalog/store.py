"""Reads and writes of the catalog tables (``pgmilvus_catalog``), on a given connection.

The catalog is Postgres itself, so the caller's transaction covers both the
catalog rows and the DDL on the collection tables: a failed create leaves
neither behind, and every process sees the same state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Optional

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from ..pg import callers, sqlfiles
from ..pg.connection import REVISION_MARKER, ConnectionLost
from ..errors import ErrorCode, MilvusException, collection_not_found
from ..schema import ddl
from ..schema.model import CollectionSchema

CATALOG = "pgmilvus_catalog"
#: Any constant works: it only has to be the same in every process.
_MIGRATION_LOCK = 0x70676D696C767573
#: First half of the two-int advisory lock key of a collection; the second is its id.
_COLLECTION_LOCK_SPACE = 0x706D  # "pm"


@dataclass
class PartitionInfo:
    name: str
    table_name: str
    ordinal: int
    loaded: bool


@dataclass
class IndexInfo:
    index_name: str
    field_name: str
    index_type: str
    metric_type: Optional[str]
    params: dict[str, Any]
    pg_index_name: Optional[str]
    #: The catalog's id of the index (024_object_ids.sql): DescribeIndex's indexID; 0 until stored.
    id: int = 0


@dataclass
class CollectionInfo:
    """One collection as the catalog knows it (what every operation starts from)."""

    id: int
    db_name: str
    schema_name: str
    name: str
    table_name: str
    schema: CollectionSchema
    properties: dict[str, Any]
    consistency_level: int
    num_shards: int
    num_partitions: Optional[int]
    created_at: datetime
    #: Last schema or property change (007_schema_changes.sql); None: never changed.
    updated_at: Optional[datetime] = None
    partitions: list[PartitionInfo] = field(default_factory=list)
    indexes: list[IndexInfo] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    looked_up_as: str = ""
    #: Milvus partitions partitioned by segment (008_segments.sql, segments.py).
    segmented: bool = False
    #: The table has the hidden "$ts" column (write times, added when a TTL is set: catalog/ttl.py).
    write_times: bool = False
    revision: int = 0             # grows with every committed catalog change (004_revision.sql)
    #: Search plans by request shape (search.Plan): they live and die with this description.
    plans: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def partition(self, name: str) -> Optional[PartitionInfo]:
        return next((p for p in self.partitions if p.name == name), None)

    def partition_ids(self) -> dict[str, int]:
        """Each partition's Milvus id (listings.py), by name."""
        return {p.name: partition_id(self.id, p.ordinal) for p in self.partitions}

    @property
    def loaded(self) -> bool:
        return any(p.loaded for p in self.partitions)


#: A partition's id: its collection's id in the high bits, its ordinal in the low ones.
PARTITION_ID_SHIFT = 32


def partition_id(collection_id: int, ordinal: int) -> int:
    """The Milvus id of a collection's partition with ``ordinal`` (catalog ``partitions.ordinal``, a
    per-collection counter a dropped partition does not give back): stable, unique across
    collections, as rootcoord's allocated ids are."""
    return (int(collection_id) << PARTITION_ID_SHIFT) | int(ordinal)


# -- installation ------------------------------------------------------------------------------

def install(conn: psycopg.Connection, migrated: Optional[Callable[[psycopg.Connection], None]] = None) -> int:
    """Create or migrate the catalog; safe when many processes start at once.

    An up-to-date catalog is only read, so users without CREATE on the
    database (Milvus users with a few privileges) can open a client.
    ``migrated(conn)`` runs in the migration's transaction when a migration ran (the client
    re-applies every role's grants then: a migration's new catalog table has none).
    """
    latest = needed = sqlfiles.migrations()[-1][0]
    found = None
    if conn.execute(f"SELECT to_regclass('{CATALOG}.version')").fetchone()[0] is not None:
        row = conn.execute(f"SELECT version FROM {CATALOG}.version").fetchone()
        found = row[0] if row is not None else None
        if found is not None and found >= latest:
            return found
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            conn.execute(sqlfiles.read("catalog/bootstrap.sql"))
            current = conn.execute(f"SELECT version FROM {CATALOG}.version").fetchone()[0]
            latest = current
            for version, text in sqlfiles.migrations():
                if version > current:
                    conn.execute(text)
                    latest = version
            if latest != current:
                conn.execute(f"UPDATE {CATALOG}.version SET version = %s", (latest,))
                if migrated is not None:
                    migrated(conn)
    except psycopg.errors.InsufficientPrivilege as exc:
        raise _cannot_migrate(found, needed, exc) from None
    return latest


def _cannot_migrate(found: Optional[int], latest: int, exc: psycopg.Error) -> MilvusException:
    """A user who may not create or change the catalog met one that is missing or older than this
    pgmilvus (an upgrade): say so, and who can bring it up to date."""
    state = "has no pgmilvus catalog" if found is None else f"has the pgmilvus catalog version {found}"
    return MilvusException(ErrorCode.PERMISSION_DENIED,
                           f"this database {state} and this pgmilvus needs version {latest}, which this user may not "
                           f"create ({exc.diag.message_primary}): connect once as the database's owner or a superuser "
                           "(any pgmilvus client or `pgmilvus serve`) to install or upgrade the catalog")


# -- databases ---------------------------------------------------------------------------------

def database_schema(conn: psycopg.Connection, db_name: str) -> Optional[str]:
    row = conn.execute(f"SELECT schema_name FROM {CATALOG}.databases WHERE name = %s",
                       (db_name,)).fetchone()
    return row[0] if row else None


def list_databases(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute(f"SELECT name FROM {CATALOG}.databases ORDER BY created_at, name").fetchall()
    return [r[0] for r in rows]


def describe_database(conn: psycopg.Connection, db_name: str) -> Optional[dict[str, Any]]:
    row = conn.execute(f"SELECT properties FROM {CATALOG}.databases WHERE name = %s",
                       (db_name,)).fetchone()
    return None if row is None else dict(row[0])


def add_database(conn: psycopg.Connection, db_name: str, schema_name: str,
                 properties: dict[str, Any]) -> None:
    conn.execute(f"INSERT INTO {CATALOG}.databases (name, schema_name, properties) VALUES (%s, %s, %s)",
                 (db_name, schema_name, Jsonb(properties)))


def set_database_properties(conn: psycopg.Connection, db_name: str, properties: dict[str, Any]) -> None:
    conn.execute(f"UPDATE {CATALOG}.databases SET properties = %s WHERE name = %s",
                 (Jsonb(properties), db_name))


def remove_database(conn: psycopg.Connection, db_name: str) -> None:
    conn.execute(f"DELETE FROM {CATALOG}.databases WHERE name = %s", (db_name,))


def count_collections(conn: psycopg.Connection, db_name: str) -> int:
    return conn.execute(f"SELECT count(*) FROM {CATALOG}.collections WHERE db_name = %s",
                        (db_name,)).fetchone()[0]


# -- collections -------------------------------------------------------------------------------

def lock_collection_name(conn: psycopg.Connection, db_name: str, name: str) -> None:
    """Serialise what takes or frees one name of a database (until the transaction ends): creating
    a collection, renaming one to it, creating, altering or dropping an alias of it.  Concurrent
    identical create_collection calls then all succeed, as in Milvus, the later ones finding the
    first's rows instead of failing on the catalog's unique key, and a rename racing a create of
    its new name waits instead of deadlocking on PostgreSQL's unique keys.

    The order of DDL's locks, so that none deadlocks with another: names first, then collections
    (lock_collection's advisory lock, then the catalog row: _read_collection), then tables."""
    conn.execute("SELECT pg_advisory_xact_lock(%s::int, hashtext(%s))", (_COLLECTION_LOCK_SPACE + 1,
                                                                         f"{db_name}.{name}"))  # names hold no "."


def lock_collection(conn: psycopg.Connection, info: "CollectionInfo", describe: bool = True) -> "CollectionInfo":
    """Take the collection's write lock (until the transaction ends) and re-read it, unless its
    revision shows that nothing changed since ``info`` was read (a writer's usual case: the read
    and parse of the catalog rows cost about 1 ms, a fifth of a 1,000-row 128-d insert's own work).

    Writers that check primary-key uniqueness across partitions, and DDL that
    drops or renames the table, take it: a writer then either finishes before
    the drop or sees that the collection is gone (code 100), never a half state.
    ``describe``: the not-found error a write gets (pymilvus's describe_collection
    before it), else Milvus's own (load, release, aliases).
    """
    conn.execute("SELECT pg_advisory_xact_lock(%s::int, %s::int)", (_COLLECTION_LOCK_SPACE, info.id))
    row = conn.execute(f"SELECT revision FROM {CATALOG}.collections WHERE id = %s", (info.id,)).fetchone()
    if row is not None and row[0] == info.revision:
        return info   # nothing of the collection changed since ``info`` was read: no second parse
    fresh = _read_collection(conn, info.db_name, info.name, aliases=False, for_update=False)
    if fresh is None:
        raise collection_not_found(info.looked_up_as or info.name, info.db_name, describe=describe)
    if fresh.id != info.id:
        # The call was checked against a collection since dropped and created again under the same
        # name (by another process, in the moment since this one read it): nothing is written yet.
        invalidate_cache()
        raise ConnectionLost(ErrorCode.UNEXPECTED_ERROR,
                             f"collection {info.name} was dropped and created again while this call ran; "
                             "nothing was written: retry the call")
    fresh.looked_up_as = info.looked_up_as
    return fresh


#: The live columns of the collection's table, found by name in the system catalogs: to_regclass of a
#: schema-qualified name needs USAGE on the schema, which a role granted only catalog privileges
#: (RBAC's Load, CreateIndex, ...) lacks ("permission denied for schema").
_TABLE_COLUMNS = """pg_attribute a JOIN pg_class r ON r.oid = a.attrelid
                 JOIN pg_namespace n ON n.oid = r.relnamespace
               WHERE n.nspname = d.schema_name AND r.relname = c.table_name AND NOT a.attisdropped"""

_COLLECTION_SELECT = f"""
SELECT c.id, c.db_name, d.schema_name, c.name, c.table_name, c.schema, c.properties,
       c.consistency_level, c.num_shards, c.num_partitions, c.created_at, c.updated_at, c.revision, c.segmented,
       EXISTS (SELECT FROM {_TABLE_COLUMNS}
               AND a.attname = {sql.Literal(ddl.TS_COLUMN).as_string(None)}) AS write_times,
       ARRAY(SELECT a.attname::text FROM {_TABLE_COLUMNS}
             AND starts_with(a.attname::text, {sql.Literal(ddl.MATCH_PREFIX + "$").as_string(None)}))
           AS match_columns,
       COALESCE((SELECT json_agg(json_build_object('name', p.name, 'table_name', p.table_name,
                                                   'ordinal', p.ordinal, 'loaded', p.loaded)
                                 ORDER BY p.ordinal)
                 FROM {CATALOG}.partitions p WHERE p.collection_id = c.id), '[]') AS partitions,
       COALESCE((SELECT json_agg(json_build_object('index_name', i.index_name, 'field_name', i.field_name,
                                                   'index_type', i.index_type, 'metric_type', i.metric_type,
                                                   'params', i.params, 'pg_index_name', i.pg_index_name,
                                                   'id', i.id)
                                 ORDER BY i.created_at, i.index_name)
                 FROM {CATALOG}.indexes i WHERE i.collection_id = c.id), '[]') AS indexes,
       COALESCE((SELECT json_agg(a.alias ORDER BY a.alias)
                 FROM {CATALOG}.aliases a WHERE a.collection_id = c.id), '[]') AS aliases
FROM {CATALOG}.collections c JOIN {CATALOG}.databases d ON d.name = c.db_name
"""


def _to_info(row: dict[str, Any], looked_up_as: str) -> CollectionInfo:
    schema = CollectionSchema.from_catalog(row["schema"])
    stored = set(row["match_columns"])
    schema.token_fields = frozenset(f.name for f in schema.fields if ddl.match_column(f.name) in stored)
    return CollectionInfo(
        id=row["id"], db_name=row["db_name"], schema_name=row["schema_name"], name=row["name"],
        table_name=row["table_name"], schema=schema,
        properties=dict(row["properties"]), consistency_level=row["consistency_level"],
        num_shards=row["num_shards"], num_partitions=row["num_partitions"],
        created_at=row["created_at"], updated_at=row["updated_at"],
        partitions=[PartitionInfo(**p) for p in row["partitions"]],
        indexes=[IndexInfo(**i) for i in row["indexes"]],
        aliases=list(row["aliases"]), looked_up_as=looked_up_as, revision=row["revision"],
        segmented=row["segmented"], write_times=row["write_times"])


def revision_guard(info: CollectionInfo) -> sql.Composable:
    """A condition that fails the statement (SQLSTATE 42883) if ``info`` is out of date.

    Read calls run on cached descriptions without a checkout round trip
    (connection.Database.read); this condition is what makes that safe: a
    statement built from a description that another call has since changed
    never runs.  It names the collection's revision marker
    (sql/catalog/006_revision_markers.sql), which the planner inlines away, so
    it costs the statement nothing; a change to the collection drops it.
    """
    return sql.SQL("{}()").format(sql.Identifier(CATALOG, revision_marker(info.id, info.revision)))


def revision_marker(collection_id: int, revision: int) -> str:
    return f"{REVISION_MARKER}{int(collection_id)}_{int(revision)}"


#: Channel of the catalog's change notifications (sql/catalog/003_notify.sql).
CHANGES_CHANNEL = "pgmilvus_catalog"
#: (server, database, Milvus database, name) -> CollectionInfo, valid until a notification.
_cache: dict[tuple[Any, ...], CollectionInfo] = {}
_CACHE_LIMIT = 1024
#: How many times the cache was dropped (only ever grows; see cache_generation).
_dropped = 0


def invalidate_cache() -> None:
    """Forget every parsed collection: called for each catalog change notification."""
    global _dropped
    _cache.clear()
    _dropped += 1


def cache_generation() -> int:
    """Changes whenever the cache is dropped: a write that looked its collection up from the cache
    before BEGIN, whose BEGIN then delivered a change notification, looks it up again."""
    return _dropped


def get_collection(conn: psycopg.Connection, db_name: str, name: str, *,
                   aliases: bool = True, for_update: bool = False) -> Optional[CollectionInfo]:
    """The collection called ``name`` in ``db_name``, or the one the alias ``name`` points to.

    Plain lookups (the start of every data call) reuse a parsed description
    until a catalog change notification arrives (any process's committed DDL
    sends one; the connection check reads it before the call starts), which
    spares the catalog join and the schema parsing. Only descriptions read
    outside a transaction are kept, so nothing uncommitted is ever cached.
    DDL (``for_update``) always reads afresh and may change the object it gets, and so does
    a call on the application's own connection (callers.py), inside its transaction.
    """
    if for_update or not aliases or callers.is_callers(conn):
        return _read_collection(conn, db_name, name, aliases=aliases, for_update=for_update)
    pgconn = conn.pgconn
    key = (pgconn.host, pgconn.port, pgconn.db, db_name, name)
    hit = _cache.get(key)
    if hit is not None:
        return hit
    info = _read_collection(conn, db_name, name, aliases=True, for_update=False)
    if info is not None and conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        _cache[key] = info
    return info


def _read_collection(conn: psycopg.Connection, db_name: str, name: str, *,
                     aliases: bool, for_update: bool) -> Optional[CollectionInfo]:
    """``for_update`` locks the row first and reads it in a second statement: under READ COMMITTED a
    statement that waited for the lock still reads the indexes and partitions (subqueries) as they were
    before the wait, so two concurrent identical create_index calls both missed the first's index
    and the second failed on the catalog's primary key.

    DDL takes the collection's write lock (lock_collection's advisory lock) before the row's, as
    writers and compaction take it before they touch catalog rows: one order, so no deadlock.  A
    DROP that locked the row first and then waited for a writer's write lock deadlocked with it: the
    writer's new segment row checks its foreign key against the locked row.  The row lock is FOR NO
    KEY UPDATE, which orders DDL as FOR UPDATE did and leaves such key checks free."""
    row = _lock_named(conn, db_name, name, aliases) if for_update else \
        _select_collection(conn, _COLLECTION_SELECT, db_name, name, aliases)
    return None if row is None else _to_info(row, name)


def _lock_named(conn: psycopg.Connection, db_name: str, name: str, aliases: bool) -> Optional[dict[str, Any]]:
    """The write lock, then the row lock, of the collection ``name`` names, and its row as read then;
    None when it names none.

    The name may move to another collection while the write lock is awaited (a rename, a drop and
    create, an alias altered), or name one only once the first look found none (a create): the row
    then locked, or read, would be another collection's, changed by this DDL without its write lock
    or whose write lock it would take after its row's, the reverse of everyone's order, and a
    deadlock (tests/race_fuzz.py).  So the locks and the read are taken in a savepoint, undone and
    taken again until they are one collection's."""
    select = f"SELECT c.id FROM {CATALOG}.collections c"
    for _ in range(_LOCK_TRIES):
        with conn.transaction() as savepoint:
            found = _select_collection(conn, select, db_name, name, aliases)
            if found is None:
                return None
            conn.execute("SELECT pg_advisory_xact_lock(%s::int, %s::int)", (_COLLECTION_LOCK_SPACE, found["id"]))
            locked = _select_collection(conn, select, db_name, name, aliases, " FOR NO KEY UPDATE OF c")
            row = _select_collection(conn, _COLLECTION_SELECT, db_name, name, aliases) if locked else None
            if locked is None or row is None:
                return None
            if locked["id"] == found["id"] == row["id"]:
                return row
            raise psycopg.Rollback(savepoint)
    raise ConnectionLost(ErrorCode.UNEXPECTED_ERROR, f"collection {name} was renamed or dropped and created "
                         "again and again while this call ran; nothing was written: retry it")


#: _lock_named: how many times the name may move under it before the call gives up.
_LOCK_TRIES = 10


def _select_collection(conn: psycopg.Connection, select: str, db_name: str, name: str, aliases: bool,
                       lock: str = "") -> Optional[dict[str, Any]]:
    """``select``'s row of the collection named ``name`` (or by alias ``name``), None if none."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(select + " WHERE c.db_name = %s AND c.name = %s" + lock, (db_name, name)).fetchone()
        if row is None and aliases:
            row = cur.execute(select + f" JOIN {CATALOG}.aliases al ON al.collection_id = c.id"
                              " WHERE al.db_name = %s AND al.alias = %s" + lock, (db_name, name)).fetchone()
    return row


def collection_name_of(conn: psycopg.Connection, db_name: str, collection_id: int) -> Optional[str]:
    """The name of the collection with Milvus id ``collection_id`` in ``db_name`` (None: no such one)."""
    row = conn.execute(f"SELECT name FROM {CATALOG}.collections WHERE db_name = %s AND id = %s",
                       (db_name, collection_id)).fetchone()
    return None if row is None else row[0]


def list_collections(conn: psycopg.Connection, db_name: str) -> list[str]:
    rows = conn.execute(f"SELECT name FROM {CATALOG}.collections WHERE db_name = %s ORDER BY id",
                        (db_name,)).fetchall()
    return [r[0] for r in rows]


def table_name_taken(conn: psycopg.Connection, schema_name: str, table: str) -> bool:
    row = conn.execute("SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                       "WHERE n.nspname = %s AND c.relname = %s", (schema_name, table)).fetchone()
    return row is not None


def add_collection(conn: psycopg.Connection, db_name: str, name: str, table: str,
                   schema: CollectionSchema, *, properties: dict[str, Any], consistency_level: int,
                   num_shards: int, num_partitions: Optional[int], segmented: bool = False) -> int:
    schema = schema.copy()  # the caller's schema object gets no ids: it may create other collections
    collection_id = conn.execute(
        f"INSERT INTO {CATALOG}.collections (db_name, name, table_name, description, schema, properties,"
        " consistency_level, num_shards, num_partitions, segmented)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (db_name, name, table, schema.description, _stored(schema),
         Jsonb(properties), consistency_level, num_shards, num_partitions, segmented)).fetchone()[0]
    with conn.cursor() as cur:
        cur.executemany(
            f"INSERT INTO {CATALOG}.fields (collection_id, field_id, name, data_type, spec)"
            " VALUES (%s, %s, %s, %s, %s)",
            [(collection_id, schema.assigned_ids[f.name], f.name, int(f.dtype), Jsonb(f.to_catalog()))
             for f in schema.fields])
    return collection_id


def remove_collection(conn: psycopg.Connection, collection_id: int) -> None:
    conn.execute(f"DELETE FROM {CATALOG}.collections WHERE id = %s", (collection_id,))


def rename_collection(conn: psycopg.Connection, collection_id: int, db_name: str, name: str,
                      table: str) -> None:
    conn.execute(f"UPDATE {CATALOG}.collections SET db_name = %s, name = %s, table_name = %s WHERE id = %s",
                 (db_name, name, table, collection_id))


def set_schema(conn: psycopg.Connection, collection_id: int, schema: CollectionSchema) -> None:
    """Store a changed schema (the update bumps the collection's revision: cached plans go)."""
    conn.execute(f"UPDATE {CATALOG}.collections SET schema = %s WHERE id = %s", (_stored(schema), collection_id))


def _stored(schema: CollectionSchema) -> Jsonb:
    """The schema as the catalog keeps it, every field with its Milvus id (assign_field_ids)."""
    schema.assign_field_ids()
    return Jsonb(json.loads(schema.to_catalog()))


def set_description(conn: psycopg.Connection, collection_id: int, schema: CollectionSchema) -> None:
    """Store ``schema`` whose description changed (alter_collection_properties'
    ``collection.description``): the schema and the description column."""
    conn.execute(f"UPDATE {CATALOG}.collections SET description = %s, schema = %s, updated_at = now() WHERE id = %s",
                 (schema.description, _stored(schema), collection_id))


def set_consistency_level(conn: psycopg.Connection, collection_id: int, level: int) -> None:
    conn.execute(f"UPDATE {CATALOG}.collections SET consistency_level = %s, updated_at = now() WHERE id = %s",
                 (level, collection_id))


def set_properties(conn: psycopg.Connection, collection_id: int, properties: dict[str, Any]) -> None:
    conn.execute(f"UPDATE {CATALOG}.collections SET properties = %s, updated_at = now() WHERE id = %s",
                 (Jsonb(properties), collection_id))


def add_field(conn: psycopg.Connection, collection_id: int, schema: CollectionSchema) -> None:
    """Store ``schema``, whose last field is new (add_collection_field); bumps the revision."""
    field = schema.fields[-1]
    stored = _stored(schema)  # the new field's id: max_field_id + 1 (never a dropped field's)
    conn.execute(f"INSERT INTO {CATALOG}.fields (collection_id, field_id, name, data_type, spec)"
                 " VALUES (%s, %s, %s, %s, %s)",
                 (collection_id, schema.assigned_ids[field.name], field.name, int(field.dtype), Jsonb(field.to_catalog())))
    _write_schema(conn, collection_id, stored)


def set_field(conn: psycopg.Connection, collection_id: int, schema: CollectionSchema, name: str) -> None:
    """Store ``schema`` whose field ``name`` changed (alter_collection_field)."""
    field = schema.field(name)
    assert field is not None
    conn.execute(f"UPDATE {CATALOG}.fields SET spec = %s WHERE collection_id = %s AND name = %s",
                 (Jsonb(field.to_catalog()), collection_id, name))
    _set_schema(conn, collection_id, schema)


def remove_field(conn: psycopg.Connection, collection_id: int, schema: CollectionSchema, name: str) -> None:
    """Store ``schema``, from which field ``name`` was dropped (drop_collection_field)."""
    conn.execute(f"DELETE FROM {CATALOG}.fields WHERE collection_id = %s AND name = %s", (collection_id, name))
    _set_schema(conn, collection_id, schema)


def change_schema(conn: psycopg.Connection, collection_id: int, schema: CollectionSchema) -> None:
    """Store ``schema`` after a change of its struct arrays (catalog/struct_fields.py); as every
    schema change, it moves describe_collection's update_timestamp."""
    _set_schema(conn, collection_id, schema)


def _set_schema(conn: psycopg.Connection, collection_id: int, schema: CollectionSchema) -> None:
    _write_schema(conn, collection_id, _stored(schema))


def _write_schema(conn: psycopg.Connection, collection_id: int, stored: Jsonb) -> None:
    conn.execute(f"UPDATE {CATALOG}.collections SET schema = %s, updated_at = now() WHERE id = %s",
                 (stored, collection_id))


# -- partitions --------------------------------------------------------------------------------

def next_partition_ordinal(conn: psycopg.Connection, collection_id: int) -> int:
    return conn.execute(f"UPDATE {CATALOG}.collections SET next_partition = next_partition + 1"
                        " WHERE id = %s RETURNING next_partition - 1", (collection_id,)).fetchone()[0]


def partition_names(conn: psycopg.Connection, collection_id: int) -> list[str]:
    """The partitions as committed now: a description read with FOR UPDATE that waited for
    another DDL keeps its older partition list (READ COMMITTED re-checks only the locked row)."""
    return [r[0] for r in conn.execute(f"SELECT name FROM {CATALOG}.partitions WHERE collection_id = %s",
                                       (collection_id,)).fetchall()]


def add_partition(conn: psycopg.Connection, collection_id: int, name: str, table: str, ordinal: int,
                  loaded: bool) -> None:
    conn.execute(f"INSERT INTO {CATALOG}.partitions (collection_id, name, table_name, ordinal, loaded)"
                 " VALUES (%s, %s, %s, %s, %s)", (collection_id, name, table, ordinal, loaded))


def remove_partition(conn: psycopg.Connection, collection_id: int, name: str) -> None:
    conn.execute(f"DELETE FROM {CATALOG}.partitions WHERE collection_id = %s AND name = %s",
                 (collection_id, name))
    conn.execute(f"DELETE FROM {CATALOG}.segments WHERE collection_id = %s AND partition_name = %s",
                 (collection_id, name))


def set_loaded(conn: psycopg.Connection, collection_id: int, loaded: bool,
               partitions: Optional[list[str]] = None) -> None:
    if partitions is None:
        conn.execute(f"UPDATE {CATALOG}.partitions SET loaded = %s WHERE collection_id = %s",
                     (loaded, collection_id))
    else:
        conn.execute(f"UPDATE {CATALOG}.partitions SET loaded = %s WHERE collection_id = %s"
                     " AND name = ANY(%s)", (loaded, collection_id, partitions))


# -- indexes -----------------------------------------------------------------------------------

def add_index(conn: psycopg.Connection, collection_id: int, index: IndexInfo) -> None:
    """Store ``index``; its ``id`` is the catalog's."""
    index.id = conn.execute(
        f"INSERT INTO {CATALOG}.indexes (collection_id, index_name, field_name, index_type,"
        " metric_type, params, pg_index_name) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (collection_id, index.index_name, index.field_name, index.index_type, index.metric_type,
         Jsonb(index.params), index.pg_index_name)).fetchone()[0]


def rename_index_objects(conn: psycopg.Connection, collection_id: int, index: IndexInfo) -> None:
    """Store ``index``'s Postgres index names (pg_index_name, params) after its table was renamed."""
    conn.execute(f"UPDATE {CATALOG}.indexes SET pg_index_name = %s, params = %s"
                 " WHERE collection_id = %s AND index_name = %s",
                 (index.pg_index_name, Jsonb(index.params), collection_id, index.index_name))


def set_index_params(conn: psycopg.Connection, collection_id: int, index_name: str,
                     params: dict[str, Any]) -> None:
    """Store an index's params (alter_index_properties / drop_index_properties)."""
    conn.execute(f"UPDATE {CATALOG}.indexes SET params = %s WHERE collection_id = %s AND index_name = %s",
                 (Jsonb(params), collection_id, index_name))


def remove_index(conn: psycopg.Connection, collection_id: int, index_name: str) -> None:
    conn.execute(f"DELETE FROM {CATALOG}.indexes WHERE collection_id = %s AND index_name = %s",
                 (collection_id, index_name))


# -- aliases -----------------------------------------------------------------------------------

def alias_target(conn: psycopg.Connection, db_name: str, alias: str) -> Optional[str]:
    row = conn.execute(f"SELECT c.name FROM {CATALOG}.aliases a JOIN {CATALOG}.collections c"
                       " ON c.id = a.collection_id WHERE a.db_name = %s AND a.alias = %s",
                       (db_name, alias)).fetchone()
    return row[0] if row else None


def set_alias(conn: psycopg.Connection, db_name: str, alias: str, collection_id: int) -> None:
    conn.execute(f"INSERT INTO {CATALOG}.aliases (db_name, alias, collection_id) VALUES (%s, %s, %s)"
                 " ON CONFLICT (db_name, alias) DO UPDATE SET collection_id = EXCLUDED.collection_id",
                 (db_name, alias, collection_id))


def remove_alias(conn: psycopg.Connection, db_name: str, alias: str) -> None:
    conn.execute(f"DELETE FROM {CATALOG}.aliases WHERE db_name = %s AND alias = %s", (db_name, alias))


def list_aliases(conn: psycopg.Connection, db_name: str, collection_id: Optional[int] = None) -> list[str]:
    if collection_id is None:
        rows = conn.execute(f"SELECT alias FROM {CATALOG}.aliases WHERE db_name = %s ORDER BY alias",
                            (db_name,)).fetchall()
    else:
        rows = conn.execute(f"SELECT alias FROM {CATALOG}.aliases WHERE db_name = %s AND collection_id = %s"
                            " ORDER BY alias", (db_name, collection_id)).fetchall()
    return [r[0] for r in rows]


def next_auto_ids(conn: psycopg.Connection, count: int) -> list[int]:
    """``count`` fresh auto_id values in one round trip."""
    rows = conn.execute(f"SELECT nextval('{CATALOG}.auto_id') FROM generate_series(1, %s)",
                        (count,)).fetchall()
    return [r[0] for r in rows]
