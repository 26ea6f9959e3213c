"""A sealed segment's own B-trees (segments.scalar_plans): every plain scalar field without an
index of the user's gets one on each sealed segment, so a selective filter reads its rows instead
of the whole segment; the growing segment and what a B-tree cannot hold get none."""

from __future__ import annotations

import numpy as np
import pytest
from psycopg import sql

from pgmilvus import DataType
from pgmilvus.catalog import segments
from pgmilvus.catalog import store as catalog

SEAL = 300
ROWS = 2 * SEAL + 50
NAME = "btrees"


@pytest.fixture(autouse=True)
def small_segments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGMILVUS_SEGMENT_ROWS", str(SEAL))


def _vectors(n: int = ROWS) -> np.ndarray:
    return np.random.default_rng(7).random((n, 8), dtype=np.float32)


def _collection(client) -> None:
    """One field of each kind; ``user`` has the user's own STL_SORT index."""
    schema = client.create_schema(auto_id=False, enable_dynamic_field=True)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=8)
    schema.add_field("bucket", DataType.INT64)
    schema.add_field("small", DataType.INT8)
    schema.add_field("price", DataType.DOUBLE, nullable=True)
    schema.add_field("at", DataType.TIMESTAMPTZ)
    schema.add_field("tag", DataType.VARCHAR, max_length=64)
    schema.add_field("body", DataType.VARCHAR, max_length=4000)
    schema.add_field("flag", DataType.BOOL)
    schema.add_field("meta", DataType.JSON)
    schema.add_field("nums", DataType.ARRAY, element_type=DataType.INT64, max_capacity=4)
    schema.add_field("user", DataType.INT64)
    index = client.prepare_index_params()
    index.add_index("v", index_type="HNSW", metric_type="L2")
    index.add_index("user", index_type="STL_SORT")
    client.create_collection(NAME, schema=schema, index_params=index)
    vectors = _vectors()
    rows = [{"id": i, "v": vectors[i], "bucket": i % 50, "small": i % 7,
             "price": None if i % 5 == 0 else i / 4, "at": f"2026-01-01T00:00:{i % 60:02d}Z",
             "tag": f"t{i % 40}", "body": "b" * (i % 30), "flag": i % 2 == 0, "meta": {"i": i},
             "nums": [i], "user": i % 9} for i in range(ROWS)]
    for start in range(0, ROWS, SEAL):   # a segment sealed after each call that filled one
        client.insert(NAME, rows[start:start + SEAL])
    client.flush(NAME)


def _leaf_btrees(client) -> dict[tuple[str, str], list[str]]:
    """(segment state, leaf) -> the columns of the B-trees built on that leaf alone."""
    with client._conn() as conn:
        info = catalog.get_collection(conn, "default", NAME)
        leaves = conn.execute("SELECT state, id FROM pgmilvus_catalog.segments WHERE collection_id = %s",
                              (info.id,)).fetchall()
        out = {}
        for state, segment_id in leaves:
            leaf = segments.leaf_name(info.partition("_default").table_name, segment_id)
            out[(state, leaf)] = sorted(r[0] for r in conn.execute(
                "SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]"
                " WHERE i.indrelid = %s::regclass AND c.relname LIKE '$%%' AND i.indnatts = 1",
                (sql.Identifier(info.schema_name, leaf).as_string(conn),)))
    return out


def test_each_sealed_segment_indexes_its_plain_scalar_fields(client) -> None:
    _collection(client)
    leaves = _leaf_btrees(client)
    built = [columns for (state, _), columns in leaves.items() if state == "indexed"]
    assert len(built) == 3
    # not: the primary key (its own key), the user's STL_SORT field, a VARCHAR over 2,000 bytes,
    # BOOL, JSON, ARRAY, the vector
    assert all(columns == ["at", "bucket", "price", "small", "tag"] for columns in built)
    assert all(columns == [] for (state, _), columns in leaves.items() if state == "growing")
    # the user's indexes are what Milvus shows, nothing else
    assert sorted(client.list_indexes(NAME)) == ["user", "v"]


@pytest.mark.parametrize("expr", ["bucket == 7", "bucket in [3, 9] and small > 2", "tag == 't5'",
                                  "price < 20.0", "at > ISO '2026-01-01T00:00:55Z'", "tag like 't1%'"])
def test_filters_read_through_the_btrees_give_the_exact_rows(client, expr: str) -> None:
    _collection(client)
    scan = sorted(r["id"] for r in client.query(NAME, filter=expr + " or flag == true and flag == false",
                                                 output_fields=["id"]))   # BOOL: no B-tree, a scan
    assert sorted(r["id"] for r in client.query(NAME, filter=expr, output_fields=["id"])) == scan and scan
    vectors = _vectors()
    hits = client.search(NAME, [vectors[0]], limit=5, filter=expr, output_fields=["id"])[0]
    distances = ((vectors[scan] - vectors[0]) ** 2).sum(1)
    assert hits.ids == [scan[i] for i in np.argsort(distances, kind="stable")[:5]]


def test_a_selective_filter_reads_the_segments_btree(client, monkeypatch: pytest.MonkeyPatch) -> None:
    """6,000 rows of 64-d vectors in one segment: ``bucket == 7`` (0.5%) is read through the
    segment's B-tree, and the search takes the exact route over those rows."""
    monkeypatch.setenv("PGMILVUS_SEGMENT_ROWS", "6000")
    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=64)
    schema.add_field("bucket", DataType.INT64)
    index = client.prepare_index_params()
    index.add_index("v", index_type="HNSW", metric_type="L2")
    client.create_collection("wide", schema=schema, index_params=index)
    vectors = np.random.default_rng(3).random((6000, 64), dtype=np.float32)
    client.insert("wide", [{"id": i, "v": vectors[i], "bucket": i % 200} for i in range(6000)])
    client.flush("wide")
    with client._conn() as conn:
        info = catalog.get_collection(conn, "default", "wide")
        plan = "\n".join(r[0] for r in conn.execute(sql.SQL("EXPLAIN SELECT id FROM {} WHERE bucket = 7").format(
            sql.Identifier(info.schema_name, info.table_name))))
        built = [leaf for _, leaf in segments.segment_tables(conn, info)]
    assert len(built) == 1 and f'Index Scan on "${built[0]}$bucket"' in plan, plan
    hits = client.search("wide", [vectors[7]], limit=10, filter="bucket == 7")[0]
    truth = np.arange(7, 6000, 200)
    assert hits.ids == truth[np.argsort(((vectors[truth] - vectors[7]) ** 2).sum(1))[:10]].tolist()


def test_a_merged_segment_gets_them_too(client) -> None:
    _collection(client)
    before = set(_leaf_btrees(client))
    client.delete(NAME, filter="id < 250")
    client.compact(NAME)
    leaves = _leaf_btrees(client)
    assert set(leaves) - before   # a merged segment
    assert all(columns == ["at", "bucket", "price", "small", "tag"]
               for (state, _), columns in leaves.items() if state == "indexed")
    assert client.query(NAME, filter="bucket == 7", output_fields=["id"]) == [
        {"id": i} for i in range(250, ROWS) if i % 50 == 7]


def test_a_varchar_grown_past_the_limit_loses_them_and_takes_long_values(client) -> None:
    """A sealed row's ``tag`` may be updated in place to the new length, which no B-tree entry
    holds: growing ``max_length`` past 2,000 bytes drops the segments' B-trees of the field."""
    _collection(client)
    client.alter_collection_field(NAME, field_name="tag", field_params={"max_length": 6000})
    leaves = _leaf_btrees(client)
    assert all(columns == ["at", "bucket", "price", "small"]
               for (state, _), columns in leaves.items() if state == "indexed")
    long = "x" * 5000
    client.upsert(NAME, [{"id": 3, "tag": long}], partial_update=True)
    assert client.query(NAME, filter="tag like 'xx%'", output_fields=["tag"]) == [{"id": 3, "tag": long}]


def test_a_users_index_may_take_any_name(client) -> None:
    """Any index name Milvus takes, one named after a field (``bucket``, ``_bucket``) included, never
    meets a segment's own B-tree (``$bucket`` is refused by Milvus's index-name rule)."""
    _collection(client)
    client.release_collection(NAME)
    client.drop_index(NAME, "v")
    for name in ("_bucket", "bucket"):
        index = client.prepare_index_params()
        index.add_index("v", index_type="HNSW", metric_type="L2", index_name=name)
        client.create_index(NAME, index)
        assert sorted(client.list_indexes(NAME)) == sorted([name, "user"])
        client.drop_index(NAME, name)
    assert all(columns == ["at", "bucket", "price", "small", "tag"]
               for (state, _), columns in _leaf_btrees(client).items() if state == "indexed")


@pytest.mark.parametrize("field, index_type", [("bucket", "STL_SORT"), ("tag", "Trie")])   # Trie: another opclass
def test_a_users_index_of_the_field_takes_them_over_and_its_drop_gives_them_back(client, field: str,
                                                                               index_type: str) -> None:
    """The user's index, created on the whole table, takes each segment's own B-tree of the field
    as its part on that segment (PostgreSQL attaches an equal index), and its drop takes them
    along: the built segments index the field again at once, and a segment sealed afterwards gets
    its B-tree from its build."""
    _collection(client)
    index = client.prepare_index_params()
    index.add_index(field, index_type=index_type)
    client.create_index(NAME, index)
    assert all(columns == ["at", "bucket", "price", "small", "tag"]
               for (state, _), columns in _leaf_btrees(client).items() if state == "indexed")
    client.drop_index(NAME, field)
    client.drop_index(NAME, "user")
    assert sorted(client.list_indexes(NAME)) == ["v"]
    vectors = _vectors(SEAL)
    client.insert(NAME, [{"id": ROWS + i, "v": vectors[i], "bucket": i % 50, "small": 1, "price": 1.0,
                          "at": "2026-01-02T00:00:00Z", "tag": "new", "body": "", "flag": True, "meta": {},
                          "nums": [], "user": i % 9} for i in range(SEAL)])
    client.flush(NAME)
    built = [columns for (state, _), columns in _leaf_btrees(client).items() if state == "indexed"]
    assert len(built) == 4
    assert all(columns == ["at", "bucket", "price", "small", "tag", "user"] for columns in built)
    assert client.query(NAME, filter="user == 4 and bucket == 4", output_fields=["id"]) == [
        {"id": i} for i in range(ROWS) if i % 9 == 4 and i % 50 == 4] + [
        {"id": ROWS + i} for i in range(SEAL) if i % 9 == 4 and i % 50 == 4]
