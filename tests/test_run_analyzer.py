"""run_analyzer(): the tokens of Milvus's analyzers (data/analyze.py), in process and over the wire."""

from __future__ import annotations

import zlib

import pytest

from pgmilvus import DataType, Function, FunctionType, MilvusException

#: (texts, analyzer_params, the tokens)
CASES = [
    ("The Quick, brown fox!", None, ["the", "quick", "brown", "fox"]),
    (["Hello World", ""], None, [["hello", "world"], []]),
    ("The Quick fox", {"type": "standard", "stop_words": ["the"]}, ["quick", "fox"]),
    ("The Quick-fox", {"tokenizer": "whitespace"}, ["The", "Quick-fox"]),
    ("The Quick-fox", '{"tokenizer": "standard", "filter": ["lowercase"]}', ["the", "quick", "fox"]),
]


@pytest.mark.parametrize("texts, params, tokens", CASES)
def test_tokens(fresh_client, texts, params, tokens) -> None:
    result = fresh_client.run_analyzer(texts, analyzer_params=params)
    got = result.tokens if isinstance(texts, str) else [r.tokens for r in result]
    assert got == tokens


def test_details_and_hashes(fresh_client) -> None:
    result = fresh_client.run_analyzer("Zoë  the fox", analyzer_params={"type": "standard", "stop_words": ["the"]},
                                       with_detail=True, with_hash=True)
    assert [t.dict for t in result.tokens] == [
        {"token": "zoë", "start_offset": 0, "end_offset": 4, "position": 0, "position_length": 1,
         "hash": zlib.crc32("zoë".encode())},
        {"token": "fox", "start_offset": 10, "end_offset": 13, "position": 2, "position_length": 1,
         "hash": zlib.crc32(b"fox")}]  # byte offsets; "the" keeps position 1


def test_a_field_s_analyzer(fresh_client) -> None:
    schema = fresh_client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("text", DataType.VARCHAR, max_length=100, enable_analyzer=True,
                     analyzer_params={"tokenizer": "whitespace"})
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["text"],
                                 output_field_names=["sparse"]))
    fresh_client.create_collection("docs", schema=schema)
    assert fresh_client.run_analyzer("A b-c", collection_name="docs", field_name="text").tokens == ["A", "b-c"]
    with pytest.raises(MilvusException, match="must set field name when collection name was set"):
        fresh_client.run_analyzer("x", collection_name="docs")
    with pytest.raises(MilvusException, match="can't use analyzer params and \\(collection,field\\) in same time"):
        fresh_client.run_analyzer("x", analyzer_params={"type": "standard"}, collection_name="docs", field_name="text")
    with pytest.raises(MilvusException, match="field id of collection docs has no analyzer"):
        fresh_client.run_analyzer("x", collection_name="docs", field_name="id")
    with pytest.raises(MilvusException) as info:
        fresh_client.run_analyzer("x", analyzer_params={"type": "english"})
    assert info.value.code == 3000
