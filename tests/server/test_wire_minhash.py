"""MinHash over the wire: unmodified pymilvus sends texts for a MinHash function's output field
(and MHJACCARD search params) to ``pgmilvus serve``, and gets what pgmilvus gives in process."""

from __future__ import annotations

import pytest

pytest.importorskip("pymilvus")

from pymilvus import DataType, Function, FunctionType, MilvusException  # noqa: E402

NAME = "dedup"
TEXTS = {1: "the quick brown fox jumps over the lazy dog", 2: "the quick brown fox jumps over the lazy cat",
         3: "completely different text", 4: None, 5: "the quick brown fox jumps over the lazy dog"}


@pytest.fixture
def dedup(wire_client):
    schema = wire_client.create_schema(enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("text", DataType.VARCHAR, max_length=500, nullable=True)
    schema.add_field("sig", DataType.BINARY_VECTOR, dim=512)
    schema.add_function(Function(name="mh", function_type=FunctionType.MINHASH, input_field_names=["text"],
                                 output_field_names=["sig"], params={"num_hashes": 16, "token_level": "char"}))
    index = wire_client.prepare_index_params()
    index.add_index("sig", index_type="MINHASH_LSH", metric_type="MHJACCARD",
                    params={"mh_lsh_band": 4, "mh_element_bit_width": 32})
    wire_client.create_collection(NAME, schema=schema, index_params=index)
    wire_client.insert(NAME, [{"id": k, "text": v} for k, v in TEXTS.items()])
    return wire_client


@pytest.mark.parametrize("params", [{}, {"mh_search_with_jaccard": True, "refine_k": 10}])
def test_search_matches_in_process(dedup, local_client, params):
    kwargs = {"anns_field": "sig", "limit": 4, "output_fields": ["text"],
              "search_params": {"metric_type": "MHJACCARD", "params": params}}
    data = [TEXTS[1], TEXTS[3]]
    wire = dedup.search(NAME, data=data, **kwargs)
    local = local_client.search(NAME, data=data, **kwargs)
    shown = [[(h["id"], h["distance"], h["entity"]) for h in hits] for hits in wire]
    assert shown == [[(h["id"], h["distance"], h["entity"]) for h in hits] for hits in local]
    assert shown[0][0][:2] in ((1, 1.0), (5, 1.0)) and shown[1][0][:2] == (3, 1.0)
    assert 4 not in {h[0] for hits in shown for h in hits}


def test_signatures_and_refusals(dedup, local_client):
    wire = {r["id"]: r["sig"] for r in dedup.query(NAME, "id > 0", output_fields=["sig"])}
    assert wire == {r["id"]: r["sig"] for r in local_client.query(NAME, "id > 0", output_fields=["sig"])}
    assert wire[4] == [b"\xff" * 64] and wire[1] == wire[5]
    with pytest.raises(MilvusException) as err:
        dedup.search(NAME, data=[TEXTS[1]], anns_field="sig", search_params={"metric_type": "HAMMING"})
    assert err.value.code == 65535 and "must use MHJACCARD metric type" in err.value.message
    with pytest.raises(MilvusException) as err:
        dedup.insert(NAME, [{"id": 9, "text": "x", "sig": b"\x00" * 64}])
    assert "unexpected function output field" in str(err.value)
    assert dedup.describe_collection(NAME)["functions"][0]["type"] == FunctionType.MINHASH
