"""What the list calls answer besides names: ids, creation times, load states (one query each).

Milvus's rootcoord gives every database, collection and partition an int64 id that never changes
and is never given again; SDKs and tools (the Node SDK's ``showCollections`` / ``showPartitions``,
Attu, the Java SDK's ``listCollectionsV2``) show them and match segments to partitions by them.
Databases and collections have identity columns in the catalog (001, 024); a partition's id is
made from its collection's id and its ordinal (the catalog's per-collection counter, which a
dropped partition does not give back), so it is stable and unique across collections.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg

from .store import CATALOG, partition_id


@dataclass(frozen=True)
class ListedCollection:
    """What ShowCollections answers for a collection besides its name."""

    name: str
    id: int
    created_at: datetime
    num_shards: int
    loaded: bool


@dataclass(frozen=True)
class ListedPartition:
    """What ShowPartitions answers for a partition besides its name."""

    name: str
    id: int
    created_at: datetime
    loaded: bool


@dataclass(frozen=True)
class ListedDatabase:
    """What ListDatabases / DescribeDatabase answer for a database besides its name."""

    name: str
    id: int
    created_at: datetime


def collection_listing(conn: psycopg.Connection, db_name: str) -> list[ListedCollection]:
    """The database's collections in creation order, with their ids, creation times, shard numbers
    and whether a partition is loaded (one query, however many collections)."""
    rows = conn.execute(f"SELECT c.name, c.id, c.created_at, c.num_shards, EXISTS (SELECT 1 FROM {CATALOG}.partitions p"
                        " WHERE p.collection_id = c.id AND p.loaded)"
                        f" FROM {CATALOG}.collections c WHERE c.db_name = %s ORDER BY c.id", (db_name,)).fetchall()
    return [ListedCollection(*row) for row in rows]


def loaded_collections(conn: psycopg.Connection, db_name: str) -> list[str]:
    """The database's collections with a loaded partition (describe_resource_group's replicas)."""
    return [c.name for c in collection_listing(conn, db_name) if c.loaded]


def partition_listing(conn: psycopg.Connection, collection_id: int) -> list[ListedPartition]:
    """The collection's partitions in the order list_partitions gives them."""
    rows = conn.execute(f"SELECT name, ordinal, created_at, loaded FROM {CATALOG}.partitions"
                        " WHERE collection_id = %s ORDER BY ordinal", (collection_id,)).fetchall()
    return [ListedPartition(name, partition_id(collection_id, ordinal), created, loaded)
            for name, ordinal, created, loaded in rows]


def database_listing(conn: psycopg.Connection) -> list[ListedDatabase]:
    """Every database in the order list_databases gives them."""
    rows = conn.execute(f"SELECT name, id, created_at FROM {CATALOG}.databases ORDER BY created_at, name").fetchall()
    return [ListedDatabase(*row) for row in rows]
