"""A server never breaks on bad input: mutated pymilvus requests get Milvus Statuses (fuzz.py)."""

from __future__ import annotations

import pytest

pytest.importorskip("grpc")
pytest.importorskip("pymilvus")

from tests.server.fuzz import fuzz, recording, workload  # noqa: E402


def test_mutated_requests_get_statuses_and_the_server_keeps_serving(fresh_db: str) -> None:
    from pymilvus import MilvusClient

    with recording(fresh_db) as (address, recorded):
        workload(address)
        kept = list(recorded)
        assert len({method for method, _ in kept}) >= 20
        findings = fuzz(address, kept, count=600, seed=7)
        assert not findings, "\n".join(f"{n} x {key}" for key, n in findings.most_common())
        client = MilvusClient(uri=f"http://{address}")
        assert client.query("fz", filter="id >= 0", output_fields=["count(*)"])[0]["count(*)"] >= 1
        client.close()
