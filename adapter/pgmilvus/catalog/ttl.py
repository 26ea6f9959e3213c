"""Collection TTL (``collection.ttl.seconds``, Milvus 2.6): entities expire ``ttl`` seconds after
they were written.

Milvus stamps every row with its write time and masks, at read time, the rows older than
``now - ttl`` (segcore's MVCC step); compaction removes them later.  Here the same rule:

- a collection's table gets the hidden column ``"$ts"`` (schema/ddl.py) when a TTL is first set,
  at create time or by alter_collection_properties; collections never given one have no such
  column and pay nothing.  Rows stored before the ALTER count from the ALTER's time;
- every write stamps the row: COPY leaves the column out (its default is the transaction's
  time), so inserts and whole upserts (delete + insert) restart the clock, and a partial
  update sets it (data/writes.py);
- every read adds ``live`` (query, get, count(*), the iterators, search, hybrid_search,
  search by ids; a delete by filter deletes only live rows): with ttl > 0 a row is visible
  while ``"$ts" > now() - ttl``, evaluated at the read's transaction time.  The property is
  read from the collection's description, so changing it changes every row at once, and a
  cached plan (kept per catalog revision, which the change bumps) never keeps an old TTL;
- an insert of a key whose entity has expired must succeed: ``drop_expired`` removes the
  expired rows of those keys first, and compact() removes every expired row (``purge``).  Both
  go through the catalog's ``drop_expired`` (sql/catalog/012_collection_ttl.sql), which reads
  the TTL from the catalog itself, so a writer allowed to insert but not to delete can clear
  the way for its keys and nothing else.

Entity TTL (``ttl_field``, Milvus master, issue #47413): the property names a TIMESTAMPTZ field of
the schema, and each entity expires at the instant its field holds (NULL: never).  The same paths
apply it: ``live`` adds ``field IS NULL OR field > now()`` (segcore's CreateTTLFieldFilterExpression
keeps ``null OR ttl > query time``: an entity is expired at its instant), ``expiring`` is true, and
``drop_expired`` / ``purge`` delete such rows (sql/catalog/017_entity_ttl.sql).  No hidden column:
the field is the user's.  Milvus's proxy refuses a field that is missing or not TIMESTAMPTZ and
either TTL while the other is set (``check_field``); changing or dropping the property first
deletes the entities expired under it (``forget_expired``), since Milvus documents that dropping
``ttl_field`` does not resurface them.  The field named by the property cannot be dropped while it
is (``check_drop_field``).
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import psycopg
from psycopg import sql

from ..errors import invalid_parameter
from ..data import goparse
from ..schema import ddl
from ..schema.model import CollectionSchema, FieldSchema
from ..types import DataType
from . import segments
from .store import CATALOG, CollectionInfo

TTL_KEY = "collection.ttl.seconds"
#: Milvus master's common.CollectionTTLFieldKey: the TIMESTAMPTZ field holding each entity's expiry.
TTL_FIELD_KEY = "ttl_field"
#: Milvus's common.MaxTTLSeconds (100 years).
MAX_TTL_SECONDS = 3155760000


def check(properties: Mapping[str, Any]) -> None:
    """Milvus 2.6's validateCollectionTTL on create_collection's and alter_collection_properties's
    properties (pymilvus sends ``str(value)``, the proxy parses it with strconv.Atoi)."""
    if TTL_KEY not in properties:
        return
    value = goparse.atoi(str(properties[TTL_KEY]))
    if value is None:
        raise invalid_parameter("collection TTL is not a valid positive integer")
    if not -1 <= value <= MAX_TTL_SECONDS:
        raise invalid_parameter(f"collection TTL is out of range, expect [-1, {MAX_TTL_SECONDS}], got {value}")


def check_field(properties: Mapping[str, Any], schema: CollectionSchema,
                current: Optional[Mapping[str, Any]] = None) -> None:
    """Milvus master's proxy on ``ttl_field`` (createCollectionTask.validateTTL; alterCollectionTask
    with the collection's ``current`` properties): the name is a TIMESTAMPTZ field of ``schema``, and
    the two TTLs exclude each other, in the properties given and against those already set (the
    keys' presence counts, whatever their values: Milvus's hasTTLProp / hasTTLFieldProp)."""
    has_ttl = TTL_KEY in properties
    has_field = TTL_FIELD_KEY in properties
    if has_field:
        name = str(properties[TTL_FIELD_KEY])
        named = schema.field(name)
        if named is None:
            raise invalid_parameter(f"ttl field name {name} not found in schema",
                           "add a TIMESTAMPTZ field first (add_collection_field, nullable=True)")
        if named.dtype != DataType.TIMESTAMPTZ:
            raise invalid_parameter(f"ttl field must be timestamptz, field name = {name}", "name a TIMESTAMPTZ field")
    if has_ttl and has_field:
        raise invalid_parameter("collection TTL and ttl field cannot be set at the same time",
                       f"set either {TTL_KEY} or {TTL_FIELD_KEY}")
    if current is None:
        return
    if has_ttl and TTL_FIELD_KEY in current:
        raise invalid_parameter("ttl field is already exists, cannot be set collection TTL",
                       f"drop the {TTL_FIELD_KEY} property first")
    if has_field and TTL_KEY in current:
        raise invalid_parameter("collection TTL is already set, cannot be set ttl field",
                       f"drop the {TTL_KEY} property first")


def field(info: CollectionInfo) -> Optional[FieldSchema]:
    """The field whose value is each entity's expiry, or None: no ``ttl_field``, or one naming no
    TIMESTAMPTZ field of the schema (Milvus's getTTLFieldID then returns -1: nothing expires)."""
    name = info.properties.get(TTL_FIELD_KEY)
    found = info.schema.field(str(name)) if name is not None else None
    return found if found is not None and found.dtype == DataType.TIMESTAMPTZ else None


def check_drop_field(info: CollectionInfo, name: str) -> None:
    """drop_collection_field of the field ``ttl_field`` names: refused in Milvus master's words
    (validateDropField); the property goes first."""
    if info.properties.get(TTL_FIELD_KEY) is not None and str(info.properties[TTL_FIELD_KEY]) == name:
        raise invalid_parameter(f"cannot drop field {name} because it is referenced by collection property "
                                f"{TTL_FIELD_KEY}, drop the property first", "drop_collection_properties")


def seconds(properties: Mapping[str, Any]) -> int:
    """The TTL in force: 0 (no expiry) without the property, for 0 and -1, and for a value an
    older pgmilvus stored unchecked that Milvus would have refused."""
    value = goparse.atoi(str(properties.get(TTL_KEY, "")))
    return value if value is not None and 0 < value <= MAX_TTL_SECONDS else 0


def _collection_ttl(info: CollectionInfo) -> bool:
    """A collection TTL in force, with write times to apply it to (a TTL stored by a pgmilvus older
    than this rule has no "$ts": it takes effect once set again)."""
    return info.write_times and seconds(info.properties) > 0


def expiring(info: CollectionInfo) -> bool:
    """Whether rows of ``info`` can expire: under the collection TTL or an entity TTL field."""
    return _collection_ttl(info) or field(info) is not None


def live(info: CollectionInfo, alias: Optional[str] = None) -> Optional[sql.Composable]:
    """The condition a row of ``info`` must meet to be seen (None: every row is): written less
    than the TTL ago, and its TTL field NULL or after the reading transaction's time (segcore keeps
    ``ttl IS NULL OR ttl > now``).  The TTL and the field are in the text, so a statement built for
    one is never reused for another (plans are kept per catalog revision, which a property bumps)."""
    def column(name: str) -> sql.Identifier:
        return sql.Identifier(alias, name) if alias else sql.Identifier(name)

    conditions: list[sql.Composable] = []
    if _collection_ttl(info):
        conditions.append(sql.SQL("{} > now() - make_interval(secs => {})").format(
            column(ddl.TS_COLUMN), sql.Literal(seconds(info.properties))))
    expiry = field(info)
    if expiry is not None:
        later = sql.SQL("{} > now()").format(column(expiry.name))
        conditions.append(sql.SQL("({} IS NULL OR {})").format(column(expiry.name), later)
                          if expiry.nullable else later)
    if len(conditions) < 2:
        return conditions[0] if conditions else None
    return sql.SQL("({})").format(sql.SQL(" AND ").join(conditions))


def needs_column(info: CollectionInfo, properties: Mapping[str, Any]) -> bool:
    """Whether setting ``properties`` on ``info`` must first add "$ts" (a TTL > 0, none yet)."""
    return not info.write_times and seconds(properties) > 0


def add_column(conn: psycopg.Connection, info: CollectionInfo) -> CollectionInfo:
    """Add "$ts" to ``info``'s table (rows stored until now count from this moment), under the
    collection's DDL lock (writers in flight finish first, index builds stop); the collection
    as read again."""
    info = segments.lock_for_ddl(conn, info)
    conn.execute(ddl.add_ts_column(info.schema_name, info.table_name))
    return info


def drop_expired(conn: psycopg.Connection, info: CollectionInfo, keys: Any, array_type: sql.Composable) -> int:
    """Delete the rows of ``info`` expired (collection TTL or TTL field) that hold one of ``keys`` (an
    array parameter of ``array_type``; None: every expired row), through the catalog's
    drop_expired; how many.  Writers call it for their keys before an insert or partial update:
    an expired entity's key is free for Milvus, and its row must not come back if the TTL grows."""
    table = sql.Identifier(info.schema_name, info.table_name).as_string(conn)
    return conn.execute(sql.SQL("SELECT {}.drop_expired(%s::regclass, %s::{})").format(
        sql.Identifier(CATALOG), array_type), (table, keys)).fetchone()[0]


def purge(conn: psycopg.Connection, info: CollectionInfo) -> int:
    """compact(): every expired row of ``info`` deleted (reads never depend on it); how many.
    No keys (NULL) means every row; the NULL's array type is then never compared with the key."""
    if not expiring(info):
        return 0
    with conn.transaction():
        return drop_expired(conn, info, None, sql.SQL("bigint[]"))


def forget_expired(conn: psycopg.Connection, info: CollectionInfo, properties: Mapping[str, Any]) -> int:
    """Before ``info``'s properties become ``properties``: if that changes or drops ``ttl_field``,
    delete the entities expired under the field in force (how many).  Milvus documents that
    dropping ``ttl_field`` does not resurface expired entities (an upsert with a NULL or later
    expiry is the way back); read-time masking alone would bring them back, so they go now."""
    new = properties.get(TTL_FIELD_KEY)
    if field(info) is None or (new is not None and str(new) == str(info.properties.get(TTL_FIELD_KEY))):
        return 0
    return purge(conn, info)
