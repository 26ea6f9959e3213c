"""Collection TTL (``collection.ttl.seconds``, catalog/ttl.py): expired entities are invisible to
every read, writes restart their clock, an expired key may be inserted again, compact() removes
them.  Rows are made old by moving their hidden write time ("$ts") back with plain SQL, so no test
sleeps for a TTL to pass."""

from __future__ import annotations

from typing import Any, Callable

import psycopg
from psycopg import sql
import pytest

from pgmilvus import AnnSearchRequest, DataType, MilvusException, RRFRanker
from pgmilvus.catalog.ttl import MAX_TTL_SECONDS, TTL_KEY

DIM = 4
TTL = 100


def _vector(i: int) -> list[float]:
    return [1.0, float(i % 7), float(i % 3), 0.5]


def _row(i: int, **extra: Any) -> dict[str, Any]:
    return {"id": i, "vector": _vector(i), "tag": f"t{i % 2}", **extra}


def _make(client, properties: dict[str, Any] | None = None, rows: int = 10) -> None:
    """Quick setup (an AUTOINDEX vector index, loaded) with a dynamic ``tag``, ``rows`` rows, flushed:
    the rows in a sealed, indexed segment."""
    kwargs = {} if properties is None else {"properties": properties}
    client.create_collection("c", dimension=DIM, metric_type="L2", **kwargs)
    if rows:
        client.insert("c", [_row(i) for i in range(rows)])
        client.flush("c")


def _age(dsn: str, ids: list[Any], seconds: float, name: str = "c") -> None:
    """Move the write time of rows ``ids`` of collection ``name`` ``seconds`` into the past."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL('UPDATE {} SET "$ts" = "$ts" - make_interval(secs => %s) WHERE id = ANY(%s)')
                     .format(sql.Identifier("default", name)), (seconds, ids))


def _stored(dsn: str, name: str = "c") -> list[Any]:
    """The keys physically in the table, expired or not."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        return [r[0] for r in conn.execute(sql.SQL("SELECT id FROM {} ORDER BY id").format(
            sql.Identifier("default", name))).fetchall()]


def _ids(rows) -> list[Any]:
    return sorted(r["id"] for r in rows)


def _search_ids(result) -> list[Any]:
    return sorted(hit["id"] for hits in result for hit in hits)


def _iterated(iterator) -> list[Any]:
    seen = []
    while page := iterator.next():
        seen += [r["id"] for r in page]
    iterator.close()
    return sorted(seen)


#: (read, what it sees of collection "c"): every read gives the keys of the entities it sees.
READS: list[tuple[str, Callable[[Any], list[Any]]]] = [
    ("query", lambda c: _ids(c.query("c", filter="id >= 0"))),
    ("query_no_filter", lambda c: _ids(c.query("c", limit=100))),
    ("query_dynamic_filter", lambda c: _ids(c.query("c", filter='tag in ["t0", "t1"]'))),
    ("get", lambda c: _ids(c.get("c", ids=list(range(10))))),
    # count(*): as many keys, from the end (the expired ones are the first)
    ("count", lambda c: list(range(10))[10 - c.query("c", output_fields=["count(*)"])[0]["count(*)"]:]),
    ("query_iterator", lambda c: _iterated(c.query_iterator("c", batch_size=3, filter="id >= 0"))),
    ("search", lambda c: _search_ids(c.search("c", data=[_vector(0)], limit=20))),
    ("search_filter", lambda c: _search_ids(c.search("c", data=[_vector(0)], limit=20, filter="id >= 0"))),
    ("search_exact", lambda c: _search_ids(c.search("c", data=[_vector(0)], limit=20, filter="id < 1000000",
                                                    search_params={"ef": 20}))),
    ("search_grouped", lambda c: _search_ids(c.search("c", data=[_vector(0)], limit=20, group_by_field="id"))),
    ("search_ignore_growing", lambda c: _search_ids(c.search("c", data=[_vector(0)], limit=20,
                                                             search_params={"ignore_growing": True}))),
    ("search_iterator", lambda c: _iterated(c.search_iterator("c", data=[_vector(0)], batch_size=3, limit=20))),
    ("search_by_ids", lambda c: _search_ids(c.search("c", ids=[7], limit=20))),
    ("hybrid_search", lambda c: _search_ids(c.hybrid_search(
        "c", [AnnSearchRequest([_vector(0)], "vector", {}, 20),
              AnnSearchRequest([_vector(3)], "vector", {}, 20, expr="id >= 0")], RRFRanker(), limit=20))),
]
LIVE = [5, 6, 7, 8, 9]


@pytest.mark.parametrize("read", [r for _, r in READS], ids=[name for name, _ in READS])
def test_expired_entities_are_invisible_to_every_read(fresh_client, fresh_db, read) -> None:
    _make(fresh_client, {TTL_KEY: TTL})
    assert read(fresh_client) == list(range(10))
    _age(fresh_db, [0, 1, 2, 3, 4], TTL + 1)
    _age(fresh_db, LIVE, TTL - 30)  # old, not expired
    assert read(fresh_client) == LIVE


def test_random_sample_draws_from_live_entities(fresh_client, fresh_db) -> None:
    """Milvus's exact count, max(1, int(n * f)), of the n live entities."""
    _make(fresh_client, {TTL_KEY: TTL})
    _age(fresh_db, [0, 1, 2, 3, 4], TTL + 1)
    for _ in range(5):
        drawn = _ids(fresh_client.query("c", filter="id >= 0 and random_sample(0.5)"))
        assert len(drawn) == 2 and set(drawn) <= set(LIVE)


def test_search_by_ids_of_an_expired_key_is_missing(fresh_client, fresh_db) -> None:
    _make(fresh_client, {TTL_KEY: TTL})
    _age(fresh_db, [0], TTL + 1)
    with pytest.raises(MilvusException) as info:
        fresh_client.search("c", ids=[0, 5], limit=3)
    assert (info.value.code, info.value.message) == (
        1100, "some of the provided primary key IDs do not exist: missing IDs = [0]: invalid parameter")


#: (properties altered, or None for dropping the TTL) -> the rows seen: each line after the last.
CHANGES = [
    ({TTL_KEY: TTL}, LIVE),
    ({TTL_KEY: 10 * TTL}, list(range(10))),
    ({TTL_KEY: str(TTL)}, LIVE),
    ({TTL_KEY: 0}, list(range(10))),
    ({TTL_KEY: 1}, []),
    ({TTL_KEY: -1}, list(range(10))),
    ({TTL_KEY: "+100"}, LIVE),
    (None, list(range(10))),
]


def test_changing_the_ttl_applies_to_every_row_at_once(fresh_client, fresh_db) -> None:
    _make(fresh_client)
    fresh_client.alter_collection_properties("c", {TTL_KEY: TTL})  # adds the write times: now for all rows
    _age(fresh_db, list(range(10)), 50)
    _age(fresh_db, [0, 1, 2, 3, 4], TTL)
    count = lambda: fresh_client.query("c", output_fields=["count(*)"])[0]["count(*)"]  # noqa: E731
    search = lambda: _search_ids(fresh_client.search("c", data=[_vector(0)], limit=20))  # noqa: E731
    for properties, seen in CHANGES:
        if properties is None:
            fresh_client.drop_collection_properties("c", [TTL_KEY])
        else:
            fresh_client.alter_collection_properties("c", properties)
        assert (_ids(fresh_client.query("c", filter="id >= 0")), count(), search()) == (seen, len(seen), seen), \
            properties


def test_a_collection_without_ttl_has_no_write_times(fresh_client, fresh_db) -> None:
    """No TTL, no "$ts" column (no cost for ordinary collections); the first TTL adds it."""
    _make(fresh_client)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        has = lambda: conn.execute(  # noqa: E731
            """SELECT count(*) FROM pg_attribute WHERE attrelid = '"default".c'::regclass AND attname = '$ts'""").fetchone()[0]
        assert has() == 0
        fresh_client.alter_collection_properties("c", {TTL_KEY: 0})   # no expiry: still no column
        assert has() == 0
        fresh_client.alter_collection_properties("c", {TTL_KEY: TTL})
        assert has() == 1


def test_the_write_time_is_hidden(fresh_client, fresh_db) -> None:
    _make(fresh_client, {TTL_KEY: TTL}, rows=0)
    fresh_client.insert("c", [_row(1, extra=2)])
    described = fresh_client.describe_collection("c")
    assert described["properties"] == {"timezone": "UTC", TTL_KEY: str(TTL)}
    assert [f["name"] for f in described["fields"]] == ["id", "vector"]
    assert fresh_client.query("c", filter="id >= 0", output_fields=["*"]) == [
        {"id": 1, "vector": _vector(1), "tag": "t1", "extra": 2}]
    hit = fresh_client.search("c", data=[_vector(1)], limit=1, output_fields=["*"])[0][0]
    assert set(hit["entity"]) == {"id", "vector", "tag", "extra"}
    with pytest.raises(MilvusException) as info:
        fresh_client.query("c", filter="id >= 0", output_fields=["$ts"])
    assert (info.value.code, info.value.message) == (1100, "parse output field name failed: $ts")


@pytest.mark.parametrize("partial", [False, True], ids=["upsert", "partial_update"])
def test_upsert_restarts_the_clock(fresh_client, fresh_db, partial) -> None:
    _make(fresh_client, {TTL_KEY: TTL})
    _age(fresh_db, list(range(10)), TTL - 10)      # all old, none expired
    row = {"id": 2, "tag": "new"} if partial else _row(2, tag="new")
    assert fresh_client.upsert("c", [row], partial_update=partial)["upsert_count"] == 1
    _age(fresh_db, list(range(10)), 20)           # the others expire; row 2 was written again
    assert fresh_client.query("c", filter="id >= 0", output_fields=["tag"]) == [{"id": 2, "tag": "new"}]


def test_upsert_of_an_expired_entity_writes_a_new_one(fresh_client, fresh_db) -> None:
    """A partial update treats an expired entity as missing: it must be a complete row."""
    _make(fresh_client, {TTL_KEY: TTL})
    _age(fresh_db, [1, 2], TTL + 1)
    with pytest.raises(MilvusException) as info:
        fresh_client.upsert("c", [{"id": 1, "tag": "x"}], partial_update=True)
    assert info.value.code == 1100
    assert info.value.message.startswith(
        "fieldSchema(vector) has no corresponding fieldData pass in: invalid parameter")
    fresh_client.upsert("c", [_row(1, tag="back")], partial_update=True)
    fresh_client.upsert("c", [_row(2, tag="whole")])
    assert fresh_client.query("c", filter="id in [1, 2]", output_fields=["tag"]) == [
        {"id": 1, "tag": "back"}, {"id": 2, "tag": "whole"}]
    assert _stored(fresh_db) == list(range(10))   # the expired rows were replaced, not kept beside


#: (layout, schema builder, keys): a segmented LIST collection with INT64 keys, a partition-key one
#: with VARCHAR keys (the table's own key then includes the partition key, not "$segment").
def _int_schema(client):
    schema = client.create_schema(enable_dynamic_field=True)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=DIM)
    return schema


def _keyed_schema(client):
    schema = client.create_schema(enable_dynamic_field=True)
    schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=8)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=DIM)
    schema.add_field("k", DataType.INT64, is_partition_key=True)
    return schema


LAYOUTS = [("int64_list", _int_schema, [0, 1, 2]), ("varchar_partition_key", _keyed_schema, ["a", "b", "c"])]


@pytest.mark.parametrize("schema_of, keys", [(s, k) for _, s, k in LAYOUTS], ids=[n for n, _, _ in LAYOUTS])
def test_insert_of_an_expired_key_succeeds(fresh_client, fresh_db, schema_of, keys) -> None:
    fresh_client.create_collection("c", schema=schema_of(fresh_client), properties={TTL_KEY: TTL})
    rows = [{"id": key, "vector": _vector(i), "k": i} for i, key in enumerate(keys)]
    fresh_client.insert("c", rows)
    _age(fresh_db, keys[:2], TTL + 1)
    with pytest.raises(MilvusException) as info:
        fresh_client.insert("c", [rows[2]])
    assert info.value.message.startswith(f"primary key {keys[2]!r} (row 0) already exists in collection c")
    fresh_client.flush("c")                           # the expired rows in a sealed segment
    assert fresh_client.insert("c", [{**rows[0], "k": 7}])["insert_count"] == 1   # another hash partition
    fresh_client.insert("c", [rows[1]])               # the same partition and key
    assert sorted(_stored(fresh_db)) == sorted(keys)  # the expired rows went
    assert fresh_client.query("c", filter="k >= 0", output_fields=["k"]) == [
        {"id": keys[0], "k": 7}, {"id": keys[1], "k": 1}, {"id": keys[2], "k": 2}]


def test_delete_counts_live_entities(fresh_client, fresh_db) -> None:
    _make(fresh_client, {TTL_KEY: TTL})
    _age(fresh_db, [0, 1, 2], TTL + 1)
    assert fresh_client.delete("c", ids=[0, 5])["delete_count"] == 1        # 0 expired: gone as well
    assert fresh_client.delete("c", filter="id in [1, 6] or id == 7")["delete_count"] == 2
    assert _stored(fresh_db) == [1, 2, 3, 4, 8, 9]   # a delete by filter deletes what it finds (live)
    fresh_client.drop_collection_properties("c", [TTL_KEY])
    assert _ids(fresh_client.query("c", filter="id >= 0")) == [1, 2, 3, 4, 8, 9]


def test_compact_removes_expired_rows(fresh_client, fresh_db) -> None:
    _make(fresh_client, {TTL_KEY: TTL})
    _age(fresh_db, [0, 1, 2, 3, 4], TTL + 1)
    assert _stored(fresh_db) == list(range(10))      # reads hide them, nothing deletes them yet
    fresh_client.compact("c")
    assert _stored(fresh_db) == LIVE
    fresh_client.alter_collection_properties("c", {TTL_KEY: 10 * TTL})
    assert _ids(fresh_client.query("c", filter="id >= 0")) == LIVE


#: (property value, Milvus 2.6's message: proxy validateCollectionTTL, strconv.Atoi)
INVALID = [
    ("abc", "collection TTL is not a valid positive integer"),
    ("1.5", "collection TTL is not a valid positive integer"),
    ("", "collection TTL is not a valid positive integer"),
    (" 5", "collection TTL is not a valid positive integer"),
    ("1_000", "collection TTL is not a valid positive integer"),
    ("٣", "collection TTL is not a valid positive integer"),          # a non-ASCII digit
    (True, "collection TTL is not a valid positive integer"),         # sent as "True"
    (2 ** 63, "collection TTL is not a valid positive integer"),      # beyond int64
    (-2, "collection TTL is out of range, expect [-1, 3155760000], got -2"),
    (MAX_TTL_SECONDS + 1, "collection TTL is out of range, expect [-1, 3155760000], got 3155760001"),
    (-2 ** 63, f"collection TTL is out of range, expect [-1, 3155760000], got {-2 ** 63}"),
]


@pytest.mark.parametrize("value, message", INVALID)
def test_invalid_ttl_is_refused_by_create_and_alter(fresh_client, value, message) -> None:
    with pytest.raises(MilvusException) as info:
        fresh_client.create_collection("c", dimension=DIM, properties={TTL_KEY: value})
    assert (info.value.code, info.value.message) == (1100, f"{message}: invalid parameter")
    assert not fresh_client.has_collection("c")
    fresh_client.create_collection("c", dimension=DIM)
    fresh_client.release_collection("c")
    with pytest.raises(MilvusException) as info:
        fresh_client.alter_collection_properties("c", {TTL_KEY: value})
    assert (info.value.code, info.value.message) == (1100, f"{message}: invalid parameter")
    assert TTL_KEY not in fresh_client.describe_collection("c")["properties"]


@pytest.mark.parametrize("value", [-1, 0, 1, "+5", "3155760000", "-0"])
def test_valid_ttl_is_stored_as_given(fresh_client, value) -> None:
    fresh_client.create_collection("c", dimension=DIM, properties={TTL_KEY: value})
    assert fresh_client.describe_collection("c")["properties"][TTL_KEY] == str(value)


def test_a_ttl_stored_before_write_times_has_no_effect(fresh_client, fresh_db) -> None:
    """A TTL an older pgmilvus stored (and ignored) leaves rows visible until it is set again."""
    _make(fresh_client)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("UPDATE pgmilvus_catalog.collections SET properties = properties || %s::jsonb"
                     " WHERE name = 'c'", ('{"collection.ttl.seconds": "1"}',))
    assert len(fresh_client.query("c", filter="id >= 0")) == 10
    fresh_client.alter_collection_properties("c", {TTL_KEY: 1})
    _age(fresh_db, [0], 2)
    assert len(fresh_client.query("c", filter="id >= 0")) == 9


def test_insert_stamps_rows_in_one_statement(fresh_client, fresh_db) -> None:
    """Rows written by plain SQL get the time too (the column's default)."""
    _make(fresh_client, {TTL_KEY: TTL}, rows=0)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("""INSERT INTO "default".c (id, vector) VALUES (1, '[1,2,3,4]')""")
    _age(fresh_db, [1], TTL + 1)
    assert fresh_client.query("c", filter="id >= 0") == []


def test_a_catalog_before_ttl_is_migrated(fresh_db) -> None:
    """Catalog migration 012 (the catalog's drop_expired) on a database made before it, and again."""
    from pgmilvus import MilvusClient
    from pgmilvus.catalog import store
    from pgmilvus.pg import sqlfiles

    with MilvusClient(fresh_db) as client:
        _make(client, {TTL_KEY: TTL})
    with psycopg.connect(fresh_db, autocommit=True) as conn:  # back to the catalog of version 11
        conn.execute("DROP FUNCTION pgmilvus_catalog.drop_expired(regclass, anyarray)")
        conn.execute("UPDATE pgmilvus_catalog.version SET version = 11")
    store.invalidate_cache()
    _age(fresh_db, [0], TTL + 1)
    with MilvusClient(fresh_db) as client:
        assert client.insert("c", [_row(0)])["insert_count"] == 1
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        assert conn.execute("SELECT version FROM pgmilvus_catalog.version").fetchone()[0] >= 12
        for _ in range(2):  # re-runnable
            conn.execute(sqlfiles.read("catalog/012_collection_ttl.sql"))
    assert _stored(fresh_db) == list(range(10))


def test_bm25_search_sees_live_entities_only(fresh_client, fresh_db) -> None:
    """A BM25 search's hits and its statistics (N, avgdl, df) leave expired entities out: after the
    others expire, scores are those of a collection holding the live rows alone."""
    from pgmilvus import Function, FunctionType

    def make(name: str, ttl_seconds: int) -> None:
        schema = fresh_client.create_schema()
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("text", DataType.VARCHAR, max_length=100, enable_analyzer=True)
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["text"],
                                     output_field_names=["sparse"]))
        fresh_client.create_collection(name, schema=schema, properties={"collection.ttl.seconds": ttl_seconds})

    texts = ["red fox", "red red dog", "blue fox jumps", "green tree"]
    make("c", 100)
    fresh_client.insert("c", [{"id": i, "text": t} for i, t in enumerate(texts)])
    _age(fresh_db, [2, 3], 101)
    make("live", 100)
    fresh_client.insert("live", [{"id": i, "text": t} for i, t in enumerate(texts[:2])])
    hits = fresh_client.search("c", ["red fox"], anns_field="sparse", limit=5)[0]
    alone = fresh_client.search("live", ["red fox"], anns_field="sparse", limit=5)[0]
    assert [(h["id"], round(h["distance"], 5)) for h in hits] == [(h["id"], round(h["distance"], 5)) for h in alone]
    assert {h["id"] for h in hits} == {0, 1}
