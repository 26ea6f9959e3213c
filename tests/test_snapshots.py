"""Collection snapshots (catalog/snapshots.py): a frozen copy restored into a new collection with
the same schema, partitions, indexes and rows; pins, restore jobs, Milvus master's texts."""

from __future__ import annotations

import random

import psycopg
import pytest
from psycopg import sql

from pgmilvus import DataType
from pgmilvus.errors import MilvusException, ParamError
from pgmilvus.pg.connection import dsn_with

from .test_rbac import PASSWORD, _connect, _denied, _user_with_role, admin, admin_dsn  # noqa: F401

DIM = 8


def _vectors(n: int) -> list[list[float]]:
    rng = random.Random(7)
    return [[rng.random() for _ in range(DIM)] for _ in range(n)]


def _source(client, name: str = "src", rows: int = 50) -> list[list[float]]:
    """A collection with a dynamic field, a user partition, a scalar index and rows in both partitions."""
    schema = client.create_schema(enable_dynamic_field=True, description="the source")
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=DIM)
    schema.add_field("tag", DataType.VARCHAR, max_length=32)
    index = client.prepare_index_params()
    index.add_index("vector", index_type="HNSW", metric_type="L2", params={"M": 8, "efConstruction": 64})
    index.add_index("tag", index_type="INVERTED", index_name="tag_idx")
    client.create_collection(name, schema=schema, index_params=index)
    client.create_partition(name, "p1")
    vectors = _vectors(rows + 5)
    client.insert(name, [{"id": i, "vector": vectors[i], "tag": f"t{i}", "extra": i} for i in range(rows)])
    client.insert(name, [{"id": 1000 + i, "vector": vectors[rows + i], "tag": "p"} for i in range(5)],
                  partition_name="p1")
    return vectors


def test_restore_copies_schema_partitions_indexes_and_rows(fresh_client) -> None:
    c = fresh_client
    _source(c)
    c.flush("src")
    c.insert("src", [{"id": 999, "vector": [0.0] * DIM, "tag": "later"}])  # not flushed: not in the snapshot
    c.create_snapshot("s1", "src", description="daily")
    c.insert("src", [{"id": 998, "vector": [0.0] * DIM, "tag": "later"}])  # after the snapshot
    job = c.restore_snapshot("s1", "src", "dst")
    state = c.get_restore_snapshot_state(job)
    assert (state.state, state.progress, state.snapshot_name, state.db_name, state.collection_name) == \
        ("RestoreSnapshotCompleted", 100, "s1", "default", "dst")
    src, dst = c.describe_collection("src"), c.describe_collection("dst")
    assert dst["fields"] == src["fields"] and dst["description"] == "the source"
    assert dst["enable_dynamic_field"] is True
    assert sorted(c.list_partitions("dst")) == ["_default", "p1"]
    assert sorted(c.list_indexes("dst")) == ["tag_idx", "vector"]
    assert c.describe_index("dst", "vector")["index_type"] == "HNSW"
    c.load_collection("dst")
    assert c.query("dst", "", output_fields=["count(*)"])[0]["count(*)"] == 55
    assert c.query("dst", "id == 3", output_fields=["tag", "extra"]) == [{"id": 3, "tag": "t3", "extra": 3}]
    assert c.query("dst", "", output_fields=["count(*)"], partition_names=["p1"])[0]["count(*)"] == 5
    assert c.query("dst", "id in [998, 999]") == []



def test_restored_indexes_are_described_as_their_originals(fresh_client) -> None:
    """A restore builds the indexes again from their catalog rows, past the checks of a request (an
    AUTOINDEX altered to mmap takes no parameters when asked for), and keeps what each request sent."""
    c = fresh_client
    schema = c.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=DIM)
    schema.add_field("tag", DataType.VARCHAR, max_length=32)
    index = c.prepare_index_params()
    index.add_index("vector", index_type="AUTOINDEX", metric_type="L2")
    index.add_index("tag")
    c.create_collection("src", schema=schema, index_params=index)
    c.release_collection("src")
    c.alter_index_properties("src", "vector", properties={"mmap.enabled": True})
    c.create_snapshot("s", "src")
    c.restore_snapshot("s", "src", "dst")
    for name in ("vector", "tag"):
        assert ({k: v for k, v in c.describe_index("dst", name).items()}
                == {k: v for k, v in c.describe_index("src", name).items()})
    assert c.describe_index("dst", "vector")["mmap.enabled"] == "True"
    assert "index_type" not in c.describe_index("dst", "tag")


def test_restore_partition_key_collection(fresh_client) -> None:
    """Each row lands in the hash partition its key routes it to, as an insert would."""
    c = fresh_client
    schema = c.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=DIM)
    schema.add_field("key", DataType.VARCHAR, max_length=16, is_partition_key=True)
    index = c.prepare_index_params()
    index.add_index("vector", index_type="FLAT", metric_type="L2")
    c.create_collection("src", schema=schema, num_partitions=4, index_params=index)
    vectors = _vectors(40)
    c.insert("src", [{"id": i, "vector": vectors[i], "key": f"k{i % 7}"} for i in range(40)])
    c.flush("src")
    c.create_snapshot("s", "src")
    c.restore_snapshot("s", "src", "dst")
    assert c.describe_collection("dst")["num_partitions"] == 4
    counts = [c.get_partition_stats("src", f"_default_{i}")["row_count"] for i in range(4)]
    assert [c.get_partition_stats("dst", f"_default_{i}")["row_count"] for i in range(4)] == counts
    assert sum(counts) == 40 and counts.count(0) < 4
    c.load_collection("dst")
    for key in ("k0", "k3"):
        expected = c.query("src", f'key == "{key}"', output_fields=["id"])
        assert c.query("dst", f'key == "{key}"', output_fields=["id"]) == expected and expected
    c.insert("dst", [{"id": 100, "vector": vectors[0], "key": "k3"}])  # routed as the copied rows
    assert len(c.query("dst", 'key == "k3"', output_fields=["id"])) == len(expected) + 1

def test_describe_list_and_drop(fresh_client) -> None:
    c = fresh_client
    c.create_collection("a", DIM)
    c.create_collection("b", DIM)
    c.create_snapshot("shared", "a", description="first")
    c.create_snapshot("shared", "b")  # unique per collection, as in Milvus
    c.create_snapshot("second", "a")
    assert c.list_snapshots("a") == ["shared", "second"]
    info = c.describe_snapshot("shared", "a")
    assert (info.name, info.description, info.collection_name, info.partition_names, info.s3_location) == \
        ("shared", "first", "a", ["_default"], "")
    assert info.create_ts > 0
    c.drop_snapshot("shared", "a")
    c.drop_snapshot("shared", "a")  # idempotent
    assert c.list_snapshots("a") == ["second"]
    c.rename_collection("a", "a2")  # a snapshot follows its collection
    assert c.list_snapshots("a2") == ["second"]
    assert c.describe_snapshot("second", "a2").collection_name == "a2"
    c.drop_collection("a2")
    c.create_collection("a2", DIM)
    assert c.list_snapshots("a2") == []  # dropped with its collection


def test_pins_block_drop(fresh_client) -> None:
    c = fresh_client
    c.create_collection("a", DIM)
    c.create_snapshot("s", "a")
    pin = c.pin_snapshot_data("s", "a", ttl_seconds=60)
    assert pin > 0
    with pytest.raises(MilvusException) as info:
        c.drop_snapshot("s", "a")
    assert (info.value.code, info.value.message) == \
        (2601, "active pins exist, unpin before dropping: snapshot is pinned[snapshot=s]")
    c.unpin_snapshot_data(pin)
    c.unpin_snapshot_data(pin)  # idempotent
    c.drop_snapshot("s", "a")
    assert c.list_snapshots("a") == []


def test_restore_jobs_by_database(fresh_client) -> None:
    c = fresh_client
    with pytest.raises(MilvusException, match="pgmilvus_snapshots is reserved"):
        c.create_database("pgmilvus_snapshots")  # the snapshot store's schema
    c.create_database("other")
    c.create_collection("a", DIM)
    c.create_snapshot("s", "a")
    job = c.restore_snapshot("s", "a", "copy", target_db_name="other")
    assert [j.job_id for j in c.list_restore_snapshot_jobs(db_name="other")] == [job]
    assert c.list_restore_snapshot_jobs() == []
    assert c.list_restore_snapshot_jobs(collection_name="copy", db_name="other")[0].collection_name == "copy"


ERRORS = [  # (call, code, message)
    (lambda c: c.create_snapshot("s", "a"), 1100, "snapshot name s already exists in collection {id}: invalid parameter"),
    (lambda c: c.create_snapshot(" ", "a"), 1100,
     "snapshot name should be not empty: invalid parameter[expected=not empty][actual=]"),
    (lambda c: c.create_snapshot("a-b", "a"), 1100, "snapshot name can only contain numbers, letters, underscores, "
                                                     "and allowed characters ($), found - at 1: invalid parameter"),
    (lambda c: c.create_snapshot("s" * 256, "a"), 1100, "the length of snapshot name must be not greater than "
                                                         "limit: invalid parameter[expected=255][actual=256]"),
    (lambda c: c.create_snapshot("t", "a", compaction_protection_seconds=604801), 1100,
     "compaction_protection_seconds must not exceed 604800: invalid parameter"),
    (lambda c: c.create_snapshot("t", "nope"), 100, "collection not found[database=default][collection=nope]"),
    (lambda c: c.create_snapshot("", "a"), 1, "snapshot_name must be a non-empty string"),
    (lambda c: c.create_snapshot("t", "a", compaction_protection_seconds=-1), 1,
     "compaction_protection_seconds must be a non-negative integer"),
    (lambda c: c.describe_snapshot("nope", "a"), 2600, "collection {id}: snapshot not found[snapshot=nope]"),
    (lambda c: c.restore_snapshot("nope", "a", "t"), 2600,
     "failed to pin source snapshot under restore lock: collection {id}: snapshot not found[snapshot=nope]"),
    (lambda c: c.restore_snapshot("s", "a", "a"), 65535, "failed to restore collection: create duplicate collection "
                                                          "with different parameters, collection: a: invalid parameter"),
    (lambda c: c.restore_snapshot("s", "a", "al"), 1601, "failed to restore collection: please choose a unique name: "
                                                          "alias and collection name conflict[database=default][alias=al]"),
    (lambda c: c.get_restore_snapshot_state(99999), 2101,
     "restore job not found: jobID=99999: importing data failed on server side"),
    (lambda c: c.get_restore_snapshot_state(0), 1, "job_id must be a positive integer"),
    (lambda c: c.list_snapshots(), 1101, "collection_name is required for ListSnapshots: missing parameter"),
    (lambda c: c.pin_snapshot_data("s", "a", ttl_seconds=2_592_001), 1100,
     "ttl_seconds exceeds maximum of 2592000 (30 days): invalid parameter"),
    (lambda c: c.pin_snapshot_data("nope", "a"), 2600, "collection {id}: snapshot not found[snapshot=nope]"),
    (lambda c: c.unpin_snapshot_data(0), 1, "pin_id must be a positive integer"),
]


@pytest.mark.parametrize("call, code, message", ERRORS)
def test_errors(fresh_client, call, code, message) -> None:
    c = fresh_client
    c.create_collection("a", DIM)
    c.create_alias("a", "al")
    c.create_snapshot("s", "a")
    collection_id = c.describe_collection("a")["collection_id"]
    with pytest.raises(MilvusException) as info:
        call(c)
    assert (info.value.code, info.value.message) == (code, message.format(id=collection_id))
    assert isinstance(info.value, ParamError) == (code == 1)
    assert sorted(c.list_collections()) == ["a"]  # nothing half-written


# -- access control: PostgreSQL refuses what a role was not granted -------------------------------------



def test_snapshots_need_privileges_and_go_with_a_collection_dropped_by_a_user(admin, admin_dsn, opened):
    """Without grants a user's snapshot calls are refused with Milvus's text (pgmilvus grants no
    snapshot privilege yet: only a superuser or the catalog's owner takes snapshots); a user
    allowed to drop a collection drops its snapshots with it (a trigger run as the catalog's owner)."""
    admin.create_collection("a", DIM)
    admin.create_snapshot("s", "a")
    user, role = _user_with_role(admin)
    cli = _connect(admin_dsn, user, opened=opened)
    for call, privilege in [(lambda: cli.create_snapshot("t", "a"), "CreateSnapshot"),
                            (lambda: cli.list_snapshots("a"), "ListSnapshots"),
                            (lambda: cli.restore_snapshot("s", "a", "b"), "RestoreSnapshot"),
                            (lambda: cli.pin_snapshot_data("s", "a"), "PinSnapshotData")]:
        with pytest.raises(MilvusException) as excinfo:
            call()
        _denied(excinfo, privilege, user)
    # DropCollection is DELETE on the catalog's collections (privileges.CATALOG_GRANTS): a role with
    # only that deletes the collection's row, and the trigger drops its snapshots, rows and table
    collection_id = admin.describe_collection("a")["collection_id"]
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("GRANT DELETE ON pgmilvus_catalog.collections TO {}").format(sql.Identifier(user)))
        table = conn.execute("SELECT data_table FROM pgmilvus_catalog.snapshots WHERE collection_id = %s",
                             (collection_id,)).fetchone()[0]
    with psycopg.connect(dsn_with(admin_dsn, user=user, password=PASSWORD), autocommit=True) as conn:
        conn.execute("DELETE FROM pgmilvus_catalog.collections WHERE id = %s", (collection_id,))
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM pgmilvus_catalog.snapshots").fetchone()[0] == 0
        assert conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0] is None
