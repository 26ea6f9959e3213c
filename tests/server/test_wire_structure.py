"""SUBSTRUCTURE / SUPERSTRUCTURE over the wire: unmodified pymilvus builds a BIN_FLAT index with them on
``pgmilvus serve``, searches and pages through it as in process (tests/test_search_structure.py has the
rules), and gets knowhere's refusals where Milvus's e2e suite expects them."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pymilvus")

from pymilvus import DataType, MilvusException  # noqa: E402

from tests.test_search_structure import DIM, NAME, QUERIES, ROWS, _packed, truth  # noqa: E402
from tests.test_search_structure import BITS, NULLS  # noqa: E402


def _collection(client, metric: str) -> None:
    schema = client.create_schema(enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("b", DataType.BINARY_VECTOR, dim=DIM, nullable=True)
    schema.add_field("cat", DataType.INT64)
    index = client.prepare_index_params()
    index.add_index("b", index_type="BIN_FLAT", metric_type=metric, params={"nlist": 128})
    client.create_collection(NAME, schema=schema, index_params=index)
    client.insert(NAME, [{"id": i, "b": None if i in NULLS else _packed(BITS[i]), "cat": i % 3} for i in range(ROWS)])


@pytest.mark.parametrize("metric", ["SUBSTRUCTURE", "SUPERSTRUCTURE"])
def test_search_and_iterator_as_in_process(wire_client, local_client, metric: str) -> None:
    _collection(wire_client, metric)
    assert wire_client.describe_index(NAME, "b")["metric_type"] == metric
    data = [_packed(q) for q in QUERIES[metric]]
    wire = wire_client.search(NAME, data=data, anns_field="b", limit=12, filter="cat != 2")
    local = local_client.search(NAME, data=data, anns_field="b", limit=12, filter="cat != 2")
    shown = [[(h["id"], h["distance"]) for h in hits] for hits in wire]
    assert shown == [[(h["id"], h["distance"]) for h in hits] for hits in local]
    assert shown == [[(i, 0.0) for i in truth(metric, q, lambda i: i % 3 != 2)[:12]] for q in QUERIES[metric]]
    iterator = wire_client.search_iterator(NAME, data=data[:1], anns_field="b", batch_size=5,
                                           search_params={"metric_type": metric})
    seen = []
    while page := iterator.next():
        seen += [h["id"] for h in page]
    iterator.close()
    assert seen == truth(metric, QUERIES[metric][0])


def test_refusals(wire_client) -> None:
    _collection(wire_client, "SUBSTRUCTURE")
    index = wire_client.prepare_index_params()
    index.add_index("b", index_type="BIN_IVF_FLAT", metric_type="SUPERSTRUCTURE", params={"nlist": 128})
    wire_client.release_collection(NAME)
    wire_client.drop_index(NAME, "b")
    with pytest.raises(MilvusException) as info:
        wire_client.create_index(NAME, index)
    assert (info.value.code, info.value.message) == (
        1100, "metric type SUPERSTRUCTURE not found or not supported, supported: [HAMMING JACCARD]: invalid parameter")
    index = wire_client.prepare_index_params()
    index.add_index("b", index_type="BIN_FLAT", metric_type="SUBSTRUCTURE")
    wire_client.create_index(NAME, index)
    wire_client.load_collection(NAME)
    with pytest.raises(MilvusException) as info:
        wire_client.search(NAME, data=[_packed(np.ones(DIM, np.uint8))], anns_field="b", limit=3,
                           search_params={"params": {"radius": 1}})
    assert info.value.code == 65535 and info.value.message.endswith("Substructure not support range_search")
