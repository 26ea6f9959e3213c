"""Entity TTL (Milvus master's ``ttl_field``, catalog/ttl.py): each entity expires at the instant its
TIMESTAMPTZ field holds (NULL: never).  Expired entities are invisible to every read, a delete does
not count them, their keys are free again, compact() removes them; the property is checked as
Milvus's proxy checks it.  Expiry instants are written in the past or far in the future, or moved
into the past with plain SQL, so no test sleeps."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Optional

import psycopg
from psycopg import sql
import pytest

from pgmilvus import DataType, MilvusException
from pgmilvus.catalog.ttl import TTL_FIELD_KEY, TTL_KEY

from tests.test_ttl import DIM, READS, _ids, _row, _search_ids, _stored, _vector

PAST = (datetime.now(timezone.utc) - timedelta(seconds=60)).isoformat()
FUTURE = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
#: The expiry of row i: 0-4 expired already, 5-7 later, 8-9 never (NULL).
EXPIRY = [PAST] * 5 + [FUTURE] * 3 + [None] * 2
LIVE = [5, 6, 7, 8, 9]


def _schema(client, ttl_type: DataType = DataType.TIMESTAMPTZ, nullable: bool = True, extra: Optional[str] = None):
    schema = client.create_schema(enable_dynamic_field=True)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("ttl", ttl_type, nullable=nullable)
    if extra:
        schema.add_field(extra, DataType.TIMESTAMPTZ, nullable=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=DIM)
    return schema


def _make(client, properties: Optional[dict[str, Any]] = None, rows: int = 10, extra: Optional[str] = None) -> None:
    """Collection "c" with its TTL field "ttl" (AUTOINDEX, loaded), rows with EXPIRY, flushed."""
    index = client.prepare_index_params()
    index.add_index("vector", index_type="AUTOINDEX", metric_type="L2")
    client.create_collection("c", schema=_schema(client, extra=extra), index_params=index,
                             properties={TTL_FIELD_KEY: "ttl", "timezone": "UTC"} if properties is None else properties)
    if rows:
        client.insert("c", [_row(i, ttl=EXPIRY[i]) for i in range(rows)])
        client.flush("c")


def _expire(dsn: str, ids: list[Any], column: str = "ttl") -> None:
    """Set the expiry of rows ``ids`` to a second ago, as time passing would."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("UPDATE {} SET {} = now() - interval '1 second' WHERE id = ANY(%s)").format(
            sql.Identifier("default", "c"), sql.Identifier(column)), (ids,))


@pytest.mark.parametrize("read", [r for _, r in READS], ids=[name for name, _ in READS])
def test_expired_entities_are_invisible_to_every_read(fresh_client, fresh_db, read) -> None:
    _make(fresh_client)
    assert read(fresh_client) == LIVE
    _expire(fresh_db, [5, 6])
    assert read(fresh_client) == [7, 8, 9]


def test_the_expiry_instant_itself_is_expired(fresh_client, fresh_db) -> None:
    """segcore keeps ``ttl IS NULL OR ttl > now``: at its instant, an entity is gone.  One transaction,
    so that now() is the same instant for the writes and the read."""
    from pgmilvus.catalog import store, ttl

    _make(fresh_client)
    with psycopg.connect(fresh_db) as conn:
        conn.execute('UPDATE "default".c SET ttl = now() WHERE id = 5')
        conn.execute("UPDATE \"default\".c SET ttl = now() + interval '1 microsecond' WHERE id = 6")
        condition = ttl.live(store.get_collection(conn, "default", "c"))
        query = sql.SQL('SELECT id FROM "default".c WHERE {} ORDER BY id').format(condition)
        seen = [r[0] for r in conn.execute(query)]
    assert seen == [6, 7, 8, 9]


#: Expiry values as pymilvus sends them: offsets, Z, no fractional second, no offset (the
#: collection's zone); each row's expiry is an absolute instant whatever the zones say.
ZONES = [
    ("offset", lambda t: t.astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%dT%H:%M:%S+08:00")),
    ("z", lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")),
    ("isoformat", lambda t: t.isoformat()),
    ("collection_zone", lambda t: t.astimezone(timezone(timedelta(hours=-5))).strftime("%Y-%m-%d %H:%M:%S")),
]


@pytest.mark.parametrize("render", [r for _, r in ZONES], ids=[n for n, _ in ZONES])
def test_expiry_is_an_instant_in_any_zone(fresh_client, render) -> None:
    _make(fresh_client, {TTL_FIELD_KEY: "ttl", "timezone": "America/Bogota"}, rows=0)   # UTC-5, no DST
    now = datetime.now(timezone.utc)
    fresh_client.insert("c", [_row(0, ttl=render(now - timedelta(seconds=30))),
                              _row(1, ttl=render(now + timedelta(hours=1)))])
    assert _ids(fresh_client.query("c", filter="id >= 0")) == [1]
    fresh_client.alter_collection_properties("c", {"timezone": "Asia/Shanghai"})  # the instants stay
    assert _ids(fresh_client.query("c", filter="id >= 0")) == [1]


def test_delete_counts_live_entities(fresh_client, fresh_db) -> None:
    _make(fresh_client)
    assert fresh_client.delete("c", ids=[0, 5, 8])["delete_count"] == 2    # 0 expired: gone as well
    assert fresh_client.delete("c", filter="id in [1, 6]")["delete_count"] == 1
    assert _stored(fresh_db) == [1, 2, 3, 4, 7, 9]  # a delete by filter deletes what it finds (live)


#: (upsert row, partial_update) of expired key 1, and what the query then sees of it (None: refused)
UPSERTS = [
    ({"id": 1, "vector": _vector(1), "ttl": None}, False, {"id": 1, "ttl": None}),
    ({"id": 1, "vector": _vector(1), "ttl": FUTURE}, True, {"id": 1, "ttl": FUTURE}),
    ({"id": 1, "tag": "x"}, True, None),        # a partial update of a missing entity: incomplete row
]


@pytest.mark.parametrize("row, partial, seen", UPSERTS, ids=["upsert", "partial_whole_row", "partial_missing"])
def test_upsert_of_an_expired_key(fresh_client, fresh_db, row, partial, seen) -> None:
    _make(fresh_client)
    if seen is None:
        with pytest.raises(MilvusException) as info:
            fresh_client.upsert("c", [row], partial_update=partial)
        assert info.value.code == 1100
        assert info.value.message.startswith("fieldSchema(vector) has no corresponding fieldData pass in")
        return
    assert fresh_client.upsert("c", [row], partial_update=partial)["upsert_count"] == 1
    got = fresh_client.query("c", filter="id == 1", output_fields=["ttl"])
    assert [(r["id"], r["ttl"] is None) for r in got] == [(seen["id"], seen["ttl"] is None)]
    assert _stored(fresh_db).count(1) == 1


def test_partial_update_keeps_the_expiry(fresh_client, fresh_db) -> None:
    """Without the TTL field, a partial update leaves the entity's expiry as it was."""
    _make(fresh_client)
    fresh_client.upsert("c", [{"id": 5, "tag": "new"}, {"id": 8, "tag": "new"}], partial_update=True)
    _expire(fresh_db, [5])
    assert fresh_client.query("c", filter="tag == 'new'", output_fields=["tag"]) == [{"id": 8, "tag": "new"}]


def test_upsert_moves_the_expiry(fresh_client, fresh_db) -> None:
    _make(fresh_client)
    fresh_client.upsert("c", [_row(5, ttl=PAST), _row(8, ttl=PAST), _row(9, ttl=FUTURE)])
    assert _ids(fresh_client.query("c", filter="id >= 0")) == [6, 7, 9]


def test_insert_of_an_expired_key_succeeds(fresh_client, fresh_db) -> None:
    _make(fresh_client)
    with pytest.raises(MilvusException) as info:
        fresh_client.insert("c", [_row(5, ttl=None)])
    assert info.value.message.startswith("primary key 5 (row 0) already exists in collection c")
    assert fresh_client.insert("c", [_row(i, ttl=FUTURE) for i in range(3)])["insert_count"] == 3
    assert _stored(fresh_db) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]   # the expired rows were replaced
    assert _ids(fresh_client.query("c", filter="id >= 0")) == [0, 1, 2] + LIVE


def test_compact_removes_expired_rows(fresh_client, fresh_db) -> None:
    _make(fresh_client)
    assert fresh_client.get_collection_stats("c")["row_count"] == 10   # counted until compaction
    fresh_client.compact("c")
    assert _stored(fresh_db) == LIVE
    assert fresh_client.get_collection_stats("c")["row_count"] == 5


def test_describe_shows_the_property(fresh_client) -> None:
    _make(fresh_client, rows=0)
    assert fresh_client.describe_collection("c")["properties"] == {TTL_FIELD_KEY: "ttl", "timezone": "UTC"}


#: (properties altered, or a list of keys dropped) -> the rows seen after it: each line after the last.
#: Changing or dropping the field first deletes what expired under it (Milvus: no resurfacing).
CHANGES = [
    ({TTL_FIELD_KEY: "other"}, [0, 1, 2, 3, 6, 7, 8, 9]),   # "other": 4 and 5 expired, NULL elsewhere
    ({TTL_FIELD_KEY: "ttl"}, [6, 7, 8, 9]),                 # "ttl": 0-4 expired; the switch deleted 4, 5
    ({TTL_FIELD_KEY: "ttl"}, [6, 7, 8, 9]),                 # the same field: nothing deleted
    ([TTL_FIELD_KEY], [6, 7, 8, 9]),                        # 0-3 do not resurface: the drop deleted them
    ({TTL_FIELD_KEY: "other"}, [6, 7, 8, 9]),
]


def test_altering_and_dropping_the_property(fresh_client, fresh_db) -> None:
    _make(fresh_client, {"timezone": "UTC"}, extra="other")
    _expire(fresh_db, [4, 5], "other")
    assert _ids(fresh_client.query("c", filter="id >= 0")) == list(range(10))   # no property: no expiry
    for change, seen in CHANGES:
        if isinstance(change, list):
            fresh_client.drop_collection_properties("c", change)
        else:
            fresh_client.alter_collection_properties("c", change)
        count = fresh_client.query("c", output_fields=["count(*)"])[0]["count(*)"]
        hits = _search_ids(fresh_client.search("c", data=[_vector(0)], limit=20))
        assert (_ids(fresh_client.query("c", filter="id >= 0")), count, hits) == (seen, len(seen), seen), change
    assert _stored(fresh_db) == [6, 7, 8, 9]
    assert fresh_client.describe_collection("c")["properties"][TTL_FIELD_KEY] == "other"


def test_add_field_then_set_it(fresh_client, fresh_db) -> None:
    """Milvus's documented way for an existing collection: add the field, name it, backfill."""
    fresh_client.create_collection("c", dimension=DIM, metric_type="L2")
    fresh_client.insert("c", [_row(i) for i in range(4)])
    fresh_client.add_collection_field("c", "expire_at", DataType.TIMESTAMPTZ, nullable=True)
    fresh_client.alter_collection_properties("c", {TTL_FIELD_KEY: "expire_at"})
    fresh_client.upsert("c", [_row(1, expire_at=PAST), _row(2, expire_at=FUTURE)])
    assert _ids(fresh_client.query("c", filter="id >= 0")) == [0, 2, 3]


def _alter(client, properties):
    client.alter_collection_properties("c", properties)


def _create(client, properties, ttl_type=DataType.TIMESTAMPTZ):
    client.create_collection("c", schema=_schema(client, ttl_type), properties=properties)


#: (what is done, Milvus master's text): every one a 1100 ": invalid parameter", then what to do.
REFUSED = [
    (lambda c: _create(c, {TTL_FIELD_KEY: "ttl"}, DataType.INT64), "ttl field must be timestamptz, field name = ttl"),
    (lambda c: _create(c, {TTL_FIELD_KEY: "nonexistent"}), "ttl field name nonexistent not found in schema"),
    (lambda c: _create(c, {TTL_FIELD_KEY: "tag"}), "ttl field name tag not found in schema"),  # a dynamic key
    (lambda c: _create(c, {TTL_FIELD_KEY: "ttl", TTL_KEY: 3600}),
     "collection TTL and ttl field cannot be set at the same time"),
    (lambda c: (_create(c, {}), _alter(c, {TTL_FIELD_KEY: "vector"})),
     "ttl field must be timestamptz, field name = vector"),
    (lambda c: (_create(c, {}), _alter(c, {TTL_FIELD_KEY: "ttl", TTL_KEY: 0})),
     "collection TTL and ttl field cannot be set at the same time"),
    (lambda c: (_create(c, {TTL_KEY: 3600}), _alter(c, {TTL_FIELD_KEY: "ttl"})),
     "collection TTL is already set, cannot be set ttl field"),
    (lambda c: (_create(c, {TTL_KEY: -1}), _alter(c, {TTL_FIELD_KEY: "ttl"})),    # the key counts, not its value
     "collection TTL is already set, cannot be set ttl field"),
    (lambda c: (_create(c, {TTL_FIELD_KEY: "ttl"}), _alter(c, {TTL_KEY: 60})),
     "ttl field is already exists, cannot be set collection TTL"),
    (lambda c: (_create(c, {TTL_FIELD_KEY: "ttl"}), c.drop_collection_field("c", "ttl")),
     "cannot drop field ttl because it is referenced by collection property ttl_field, drop the property first"),
]


@pytest.mark.parametrize("call, message", REFUSED, ids=range(len(REFUSED)))
def test_refusals(fresh_client, call, message) -> None:
    with pytest.raises(MilvusException) as info:
        call(fresh_client)
    assert info.value.code == 1100
    assert info.value.message.startswith(f"{message}: invalid parameter; ")


def test_switching_between_the_two_ttls(fresh_client) -> None:
    """Milvus's migration: drop one property, then set the other."""
    _create(fresh_client, {TTL_KEY: 3600})
    fresh_client.drop_collection_properties("c", [TTL_KEY])
    fresh_client.alter_collection_properties("c", {TTL_FIELD_KEY: "ttl"})
    fresh_client.drop_collection_properties("c", [TTL_FIELD_KEY])
    fresh_client.alter_collection_properties("c", {TTL_KEY: 60})
    fresh_client.drop_collection_field("c", "ttl")        # no longer the TTL field
    assert fresh_client.describe_collection("c")["properties"] == {"timezone": "UTC", TTL_KEY: "60"}


def test_a_non_nullable_ttl_field(fresh_client) -> None:
    index = fresh_client.prepare_index_params()
    index.add_index("vector", index_type="AUTOINDEX", metric_type="L2")
    fresh_client.create_collection("c", schema=_schema(fresh_client, nullable=False), index_params=index,
                                   properties={TTL_FIELD_KEY: "ttl"})
    fresh_client.insert("c", [_row(0, ttl=PAST), _row(1, ttl=FUTURE)])
    assert _ids(fresh_client.query("c", filter="id >= 0")) == [1]


def test_a_catalog_before_entity_ttl_is_migrated(fresh_db) -> None:
    """Catalog migration 017 (drop_expired learns the TTL field) on a database made before it, and again."""
    from pgmilvus import MilvusClient
    from pgmilvus.catalog import store
    from pgmilvus.pg import sqlfiles

    with MilvusClient(fresh_db) as client:
        _make(client)
    with psycopg.connect(fresh_db, autocommit=True) as conn:  # back to the catalog of version 16
        conn.execute(sqlfiles.read("catalog/012_collection_ttl.sql"))
        conn.execute("UPDATE pgmilvus_catalog.version SET version = 16")
    store.invalidate_cache()
    with MilvusClient(fresh_db) as client:
        client.compact("c")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        assert conn.execute("SELECT version FROM pgmilvus_catalog.version").fetchone()[0] >= 17
        for _ in range(2):  # re-runnable
            conn.execute(sqlfiles.read("catalog/017_entity_ttl.sql"))
    assert _stored(fresh_db) == LIVE
