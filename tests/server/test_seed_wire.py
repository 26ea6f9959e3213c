"""The seed guide over the wire: unmodified pymilvus against ``pgmilvus serve``.

The in-process seed test (tests/test_seed.py) runs a second time, unchanged,
with a pymilvus MilvusClient connected to the server: same calls, same
assertions, same expected values (Milvus Lite's recorded answers, and a real
server's delete counts).
"""

from __future__ import annotations

from tests import test_seed


def test_seed_guide_step_by_step_over_the_wire(wire_client) -> None:
    assert type(wire_client).__module__.startswith("pymilvus")
    test_seed.test_seed_guide_step_by_step(wire_client)


def test_seed_vectors_come_back_as_float32_values_over_the_wire(wire_client) -> None:
    test_seed.test_seed_vectors_come_back_as_float32_values(wire_client)
