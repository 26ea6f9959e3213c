"""Snapshots over the wire: unmodified pymilvus's snapshot calls to ``pgmilvus serve`` give what
pgmilvus gives in process (rpc_snapshots.py only converts protobuf)."""

from __future__ import annotations

import pytest

pytest.importorskip("pymilvus")

from pymilvus import MilvusException  # noqa: E402

DIM = 8


def test_lifecycle(wire_client, local_client):
    wire_client.create_collection("src", DIM)
    wire_client.insert("src", [{"id": i, "vector": [float(i)] * DIM} for i in range(20)])
    wire_client.flush("src")
    wire_client.create_snapshot("s1", "src", description="d")
    assert wire_client.list_snapshots(collection_name="src") == local_client.list_snapshots("src") == ["s1"]
    info = wire_client.describe_snapshot("s1", "src")
    assert (info.name, info.description, info.collection_name, info.partition_names) == ("s1", "d", "src", ["_default"])
    assert info.create_ts == local_client.describe_snapshot("s1", "src").create_ts
    job = wire_client.restore_snapshot("s1", "src", "dst")
    state = wire_client.get_restore_snapshot_state(job)
    assert (state.job_id, state.state, state.progress, state.collection_name, state.db_name) == \
        (job, "RestoreSnapshotCompleted", 100, "dst", "default")
    assert [j.job_id for j in wire_client.list_restore_snapshot_jobs()] == [job]
    wire_client.load_collection("dst")
    assert wire_client.query("dst", "", output_fields=["count(*)"])[0]["count(*)"] == 20
    pin = wire_client.pin_snapshot_data("s1", "src", ttl_seconds=30)
    with pytest.raises(MilvusException) as err:
        wire_client.drop_snapshot("s1", "src")
    assert (err.value.code, err.value.message) == \
        (2601, "active pins exist, unpin before dropping: snapshot is pinned[snapshot=s1]")
    wire_client.unpin_snapshot_data(pin)
    wire_client.drop_snapshot("s1", "src")
    assert wire_client.list_snapshots(collection_name="src") == []


@pytest.mark.parametrize("call, code, message", [
    (lambda c: c.describe_snapshot("nope", "src"), 2600, "snapshot not found[snapshot=nope]"),
    (lambda c: c.create_snapshot(" ", "src"), 1100,
     "snapshot name should be not empty: invalid parameter[expected=not empty][actual=]"),
    (lambda c: c.get_restore_snapshot_state(424242), 2101, "restore job not found: jobID=424242"),
    (lambda c: c.list_snapshots(), 1101, "collection_name is required for ListSnapshots: missing parameter"),
])
def test_errors(wire_client, call, code, message):
    wire_client.create_collection("src", DIM)
    with pytest.raises(MilvusException) as err:
        call(wire_client)
    assert err.value.code == code and message in err.value.message
