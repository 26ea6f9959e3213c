"""The seed guide ("Insert, Upsert & Delete"), replayed step by step against Milvus's answers.

tests/fixtures/seed_milvus_lite.json holds what pymilvus 2.6 + Milvus Lite
returned for the same calls (re-record with
``/tmp/refvenv/bin/python tests/fixtures/record_seed.py``).  Every return
value and the rows left in each partition after each step must match it,
except where Lite differs from a real Milvus server; there the reference file
(../shared/reference/milvus-api.md) decides, and the test says why:

* delete: Lite returns the list of deleted primary keys (pymilvus's legacy
  path for servers < 2.3.2); a Milvus 2.3.2+ server returns
  ``OmitZeroDict({"delete_count": n, "cost": 0})`` (§8.3).  The count
  pgmilvus reports is the number of rows deleted, which for this guide is
  the same number the server reports (3, 2, then 2: the guide's printed 3 for
  the last step predates its own upsert, which left only two "blue" rows).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pgmilvus import MilvusClient
from tests.fixtures import seed_data

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "seed_milvus_lite.json").read_text())
STEPS = {s["step"]: s for s in FIXTURE["steps"]}
COLLECTION = "quick_setup"


def rows_by_partition(client: MilvusClient) -> dict[str, list[dict]]:
    out = {}
    for partition in client.list_partitions(COLLECTION):
        rows = client.query(COLLECTION, filter="id >= 0", output_fields=["*"], partition_names=[partition])
        out[partition] = sorted((dict(r) for r in rows), key=lambda r: r["id"])
    return out


def assert_rows(client: MilvusClient, step: str) -> None:
    assert rows_by_partition(client) == STEPS[step]["rows"], step


def assert_dict_result(result, step: str) -> None:
    expected = STEPS[step]
    assert type(result).__name__ == expected["result"]["type"] == "OmitZeroDict"
    assert dict(result) == expected["result"]["value"]
    assert repr(result) == expected["repr"]
    assert str(result) == expected["str"]


def assert_delete_result(result, step: str, count: int) -> None:
    # Lite: a list of deleted pks (legacy); real server (the reference): {"delete_count": n, "cost": 0}.
    assert STEPS[step]["result"]["type"] == "list"
    assert len(STEPS[step]["result"]["value"]) == count
    assert type(result).__name__ == "OmitZeroDict"
    assert dict(result) == {"delete_count": count, "cost": 0}
    assert repr(result) == f"{{'delete_count': {count}, 'cost': 0}}"
    assert str(result) == f"{{'delete_count': {count}}}"


@pytest.fixture
def client(fresh_client):
    return fresh_client


def test_seed_guide_step_by_step(client: MilvusClient) -> None:
    # 1-2. quick setup: pymilvus's real defaults (auto_id off, dynamic field on), metric IP.
    assert client.create_collection(collection_name=COLLECTION, dimension=5, metric_type="IP") is None
    described = client.describe_collection(COLLECTION)
    assert described["auto_id"] is STEPS["create_collection"]["describe_auto_id"] is False
    assert described["enable_dynamic_field"] is STEPS["create_collection"]["enable_dynamic_field"] is True
    assert_rows(client, "create_collection")

    # 3. insert ids 0-9 with a dynamic "color".
    res = client.insert(collection_name=COLLECTION, data=seed_data.INSERT_DEFAULT)
    assert_dict_result(res, "insert")
    assert_rows(client, "insert")

    # 4. partitionA, ids 10-19.
    client.create_partition(collection_name=COLLECTION, partition_name="partitionA")
    res = client.insert(collection_name=COLLECTION, data=seed_data.INSERT_PARTITION_A,
                        partition_name="partitionA")
    assert_dict_result(res, "insert_partitionA")
    assert_rows(client, "insert_partitionA")

    # 5. upsert 0-9 (whole entities replaced).
    res = client.upsert(collection_name=COLLECTION, data=seed_data.UPSERT_DEFAULT)
    assert_dict_result(res, "upsert")
    assert_rows(client, "upsert")

    # 6. upsert 10-19 in partitionA.
    res = client.upsert(collection_name=COLLECTION, data=seed_data.UPSERT_PARTITION_A,
                        partition_name="partitionA")
    assert_dict_result(res, "upsert_partitionA")
    assert_rows(client, "upsert_partitionA")

    # 7. delete by filter.
    res = client.delete(collection_name=COLLECTION, filter="id in [4,5,6]")
    assert_delete_result(res, "delete_filter", 3)
    assert_rows(client, "delete_filter")

    # 8. delete by ids inside partitionA.
    res = client.delete(collection_name=COLLECTION, ids=[18, 19], partition_name="partitionA")
    assert_delete_result(res, "delete_ids_partitionA", 2)
    assert_rows(client, "delete_ids_partitionA")

    # 9. delete by filter inside partitionA.
    res = client.delete(collection_name=COLLECTION, partition_name="partitionA", filter='color like "blue%"')
    assert_delete_result(res, "delete_like_partitionA", 2)
    assert res["delete_count"] == 2
    assert_rows(client, "delete_like_partitionA")


def test_seed_vectors_come_back_as_float32_values(client: MilvusClient) -> None:
    """Milvus stores float32: 0.3580376395471989 comes back as 0.35803765058517456, as in the fixture."""
    client.create_collection(collection_name=COLLECTION, dimension=5, metric_type="IP")
    client.insert(collection_name=COLLECTION, data=seed_data.INSERT_DEFAULT[:1])
    got = client.get(COLLECTION, ids=[0])
    assert got[0] == STEPS["insert"]["rows"]["_default"][0]
    assert all(type(v) is float for v in got[0]["vector"])
