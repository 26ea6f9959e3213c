"""text_match_fuzzy over the wire: unmodified pymilvus against ``pgmilvus serve`` (Milvus master's
e2e case, test_milvus_client_search_text_match.py test_query_with_text_match_fuzzy_filter), with
an expression template, a search filter, a delete filter and a refusal in Milvus's words."""

from __future__ import annotations

import pytest

pytest.importorskip("pymilvus")

from pymilvus import DataType, MilvusException  # noqa: E402

NAME = "fuzzy"
ROWS = [(0, "allergy season"), (1, "allergic reaction"), (2, "vector database")]


@pytest.fixture
def fuzzy(wire_client):
    schema = wire_client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("text", DataType.VARCHAR, max_length=65535, enable_analyzer=True, enable_match=True,
                     analyzer_params={"tokenizer": "standard"})
    schema.add_field("float32_emb", DataType.FLOAT_VECTOR, dim=8)
    index = wire_client.prepare_index_params()
    index.add_index(field_name="float32_emb", index_type="FLAT", metric_type="L2", params={})
    wire_client.create_collection(NAME, schema=schema, index_params=index)
    wire_client.insert(NAME, [{"id": i, "text": t, "float32_emb": [0.1 * (i + 1)] * 8} for i, t in ROWS])
    return wire_client


def _ids(client, expr: str, **kwargs) -> set[int]:
    return {row["id"] for row in client.query(NAME, filter=expr, output_fields=["id"], **kwargs)}


def test_milvus_e2e_case(fuzzy):
    assert _ids(fuzzy, 'text_match_fuzzy(text, "alergy", max_edit_distance=1)') == {0}
    assert _ids(fuzzy, 'text_match(text, "alergy")') == set()
    assert _ids(fuzzy, 'text_match_fuzzy(text, "alergy", max_edit_distance=0)') == set()
    assert _ids(fuzzy, 'TEXT_MATCH_FUZZY(text, {q}, MAX_EDIT_DISTANCE=1)', filter_params={"q": "vectr alergic"}) \
        == {1, 2}
    hits = fuzzy.search(NAME, [[0.0] * 8], limit=3, filter='text_match_fuzzy(text, {q}, max_edit_distance=2)',
                        filter_params={"q": "databse"}, output_fields=["id"])
    assert [h["id"] for h in hits[0]] == [2]
    fuzzy.delete(NAME, filter='text_match_fuzzy(text, "seasn", max_edit_distance=1)')
    assert _ids(fuzzy, "id >= 0") == {1, 2}


def test_refusal(fuzzy):
    with pytest.raises(MilvusException) as info:
        fuzzy.query(NAME, filter='text_match_fuzzy(text, "alergy", max_edit_distance=3)')
    assert info.value.code == 1100
    assert "max_edit_distance should be in [0, 2], got 3" in info.value.message
