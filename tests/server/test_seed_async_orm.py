"""The seed through pymilvus's other APIs: AsyncMilvusClient and the ORM (connections + Collection).

AsyncMilvusClient runs the in-process seed test itself, through a small
facade that awaits each call; the ORM replays the seed's steps with its own
calls and must leave the same rows in each partition.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest

pytest.importorskip("pymilvus")

from tests import test_seed  # noqa: E402
from tests.fixtures import seed_data  # noqa: E402


class AwaitEach:
    """A synchronous face of an AsyncMilvusClient: every method call runs to completion on one loop."""

    def __init__(self, uri: str) -> None:
        from pymilvus import AsyncMilvusClient

        self.loop = asyncio.new_event_loop()
        self.client = self.loop.run_until_complete(self._make(AsyncMilvusClient, uri))

    @staticmethod
    async def _make(cls, uri: str):
        return cls(uri=uri)

    def __getattr__(self, name: str):
        method = getattr(self.client, name)
        return lambda *args, **kwargs: self.loop.run_until_complete(method(*args, **kwargs))

    def shutdown(self) -> None:
        self.loop.run_until_complete(self.client.close())
        self.loop.close()


def test_seed_with_async_client(serve_address, wire_client) -> None:
    facade = AwaitEach(f"http://{serve_address}")
    try:
        test_seed.test_seed_guide_step_by_step(facade)
    finally:
        facade.shutdown()


@pytest.mark.filterwarnings("ignore::FutureWarning")  # pymilvus 3 deprecates the ORM API
def test_seed_with_orm(serve_address, wire_client) -> None:
    from pymilvus import Collection, Partition, connections, utility

    alias = f"orm_{uuid.uuid4().hex[:6]}"
    connections.connect(alias=alias, uri=f"http://{serve_address}")
    try:
        # The quick setup is a MilvusClient feature (the ORM has none): create with it, then use the ORM.
        wire_client.create_collection(test_seed.COLLECTION, dimension=5, metric_type="IP")
        assert utility.has_collection(test_seed.COLLECTION, using=alias)
        coll = Collection(test_seed.COLLECTION, using=alias)
        assert coll.insert(seed_data.INSERT_DEFAULT).insert_count == 10
        part = Partition(coll, "partitionA")
        assert part.insert(seed_data.INSERT_PARTITION_A).insert_count == 10
        assert coll.upsert(seed_data.UPSERT_DEFAULT).upsert_count == 10
        assert coll.upsert(seed_data.UPSERT_PARTITION_A, partition_name="partitionA").upsert_count == 10
        assert coll.delete("id in [4,5,6]").delete_count == 3
        assert coll.delete("id in [18, 19]", partition_name="partitionA").delete_count == 2
        assert coll.delete('color like "blue%"', partition_name="partitionA").delete_count == 2
        assert coll.num_entities == 13
        assert sorted(p.name for p in coll.partitions) == ["_default", "partitionA"]
        assert test_seed.rows_by_partition(wire_client) == test_seed.STEPS["delete_like_partitionA"]["rows"]
        hits = coll.search([seed_data.INSERT_DEFAULT[0]["vector"]], "vector", {"metric_type": "IP"}, limit=3,
                           output_fields=["color"])
        assert len(hits[0]) == 3 and all("color" in h.entity.fields for h in hits[0])
    finally:
        connections.disconnect(alias)
