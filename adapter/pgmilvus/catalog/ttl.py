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
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Optional

import psycopg
from psycopg import sql

from ..errors import invalid_parameter
from ..schema import ddl
from . import segments
from .store import CATALOG, CollectionInfo

TTL_KEY = "collection.ttl.seconds"
#: Milvus's common.MaxTTLSeconds (100 years).
MAX_TTL_SECONDS = 3155760000
#: What Go's strconv.Atoi takes (ASCII digits, one optional sign; its int64 range checked apart).
_GO_INT = re.compile(r"[+-]?[0-9]+")
_INT64 = range(-2 ** 63, 2 ** 63)


def check(properties: Mapping[str, Any]) -> None:
    """Milvus 2.6's validateCollectionTTL on create_collection's and alter_collection_properties's
    properties (pymilvus sends ``str(value)``, the proxy parses it with strconv.Atoi)."""
    if TTL_KEY not in properties:
        return
    text = str(properties[TTL_KEY])
    if not _GO_INT.fullmatch(text) or int(text) not in _INT64:
        raise invalid_parameter("collection TTL is not a valid positive integer")
    value = int(text)
    if not -1 <= value <= MAX_TTL_SECONDS:
        raise invalid_parameter(f"collection TTL is out of range, expect [-1, {MAX_TTL_SECONDS}], got {value}")


def seconds(properties: Mapping[str, Any]) -> int:
    """The TTL in force: 0 (no expiry) without the property, for 0 and -1, and for a value an
    older pgmilvus stored unchecked that Milvus would have refused."""
    text = str(properties.get(TTL_KEY, ""))
    if not _GO_INT.fullmatch(text):
        return 0
    value = int(text)
    return value if 0 < value <= MAX_TTL_SECONDS else 0


def expiring(info: CollectionInfo) -> bool:
    """Whether rows of ``info`` can expire: a TTL in force and write times to apply it to (a TTL
    stored by a pgmilvus older than this rule has no "$ts": it takes effect once set again)."""
    return info.write_times and seconds(info.properties) > 0


def live(info: CollectionInfo, alias: Optional[str] = None) -> Optional[sql.Composable]:
    """The condition a row of ``info`` must meet to be seen (None: every row is): written less
    than the TTL ago.  The TTL is a literal, so a statement built for one TTL is never reused
    for another (plans are kept per catalog revision, and the property's change bumps it)."""
    if not expiring(info):
        return None
    column = sql.Identifier(alias, ddl.TS_COLUMN) if alias else sql.Identifier(ddl.TS_COLUMN)
    return sql.SQL("{} > now() - make_interval(secs => {})").format(
        column, sql.Literal(seconds(info.properties)))


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
    """Delete the rows of ``info`` expired under the collection's TTL that hold one of ``keys`` (an
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
