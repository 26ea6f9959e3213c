"""Entity TTL (``ttl_field``) over the wire: pymilvus through ``pgmilvus serve`` sees the rows pgmilvus
sees in process (the server passes the property through; the core masks the expired entities), and
gets Milvus's refusals."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

pytest.importorskip("pymilvus")

from pymilvus import DataType, MilvusException  # noqa: E402

NAME = "ttl_wire"
PAST = (datetime.now(timezone.utc) - timedelta(seconds=60)).isoformat()
FUTURE = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
#: The expiry of row i: 0-3 expired, 4-5 later, 6-7 never (NULL).
EXPIRY = [PAST] * 4 + [FUTURE] * 2 + [None] * 2


@pytest.fixture
def ttl_collection(wire_client):
    schema = wire_client.create_schema(enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("ttl", DataType.TIMESTAMPTZ, nullable=True)
    schema.add_field("vec", DataType.FLOAT_VECTOR, dim=2)
    index = wire_client.prepare_index_params()
    index.add_index("vec", index_type="FLAT", metric_type="L2")
    wire_client.create_collection(NAME, schema=schema, index_params=index,
                                  properties={"ttl_field": "ttl", "timezone": "UTC"})
    wire_client.insert(NAME, [{"id": i, "vec": [float(i), 0.0], "ttl": t} for i, t in enumerate(EXPIRY)])
    return wire_client


#: reads made over the wire and in process: each gives the keys it sees
READS = [
    ("query", lambda c: sorted(r["id"] for r in c.query(NAME, filter="id >= 0"))),
    ("get", lambda c: sorted(r["id"] for r in c.get(NAME, ids=list(range(8))))),
    ("count", lambda c: c.query(NAME, output_fields=["count(*)"])[0]["count(*)"]),
    ("search", lambda c: sorted(h["id"] for h in c.search(NAME, [[0.0, 0.0]], limit=10)[0])),
]


@pytest.mark.parametrize("read", [r for _, r in READS], ids=[n for n, _ in READS])
def test_reads_match_in_process(ttl_collection, local_client, read) -> None:
    wire = read(ttl_collection)
    assert wire == read(local_client)
    assert wire in ([4, 5, 6, 7], 4)


def test_property_writes_and_refusals(ttl_collection, local_client) -> None:
    assert ttl_collection.describe_collection(NAME)["properties"]["ttl_field"] == "ttl"
    assert ttl_collection.delete(NAME, ids=[0, 4])["delete_count"] == 1
    ttl_collection.insert(NAME, [{"id": 1, "vec": [1.0, 0.0], "ttl": None}])     # an expired key is free
    ttl_collection.compact(NAME)
    assert local_client.get_collection_stats(NAME)["row_count"] == 4   # 1, 5, 6, 7: the expired rows went
    with pytest.raises(MilvusException) as info:
        ttl_collection.alter_collection_properties(NAME, {"collection.ttl.seconds": 60})
    assert info.value.code == 1100
    assert info.value.message.startswith("ttl field is already exists, cannot be set collection TTL: invalid parameter")
    ttl_collection.drop_collection_properties(NAME, ["ttl_field"])
    assert sorted(r["id"] for r in ttl_collection.query(NAME, filter="id >= 0")) == [1, 5, 6, 7]
