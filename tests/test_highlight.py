"""search(highlighter=LexicalHighlighter(...)): Milvus 2.6's lexical highlighter.

The fragments are worked out by hand from Milvus's rules (query node fetchFragmentsFromOffsets,
proxy buildStringFragments): marks are the tokens of the texts looked for; a fragment starts
``fragment_offset`` characters before a mark, is at least ``fragment_size`` long, takes the marks
it reaches; at most ``num_of_fragments``; the i-th mark of a fragment gets the i-th tags.
"""

from __future__ import annotations

import pytest

from pgmilvus import DataType, Function, FunctionType, LexicalHighlighter, MilvusClient, MilvusException

TEXT = "Milvus is a vector database built for scale. The vector search engine is fast."


@pytest.fixture
def client(fresh_client):
    schema = fresh_client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("text", DataType.VARCHAR, max_length=1000, enable_analyzer=True, enable_match=True)
    schema.add_field("note", DataType.VARCHAR, max_length=100, enable_analyzer=True, nullable=True)
    schema.add_field("plain", DataType.VARCHAR, max_length=100)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=2)
    schema.add_function(Function(name="bm", function_type=FunctionType.BM25, input_field_names=["text"],
                                 output_field_names=["sparse"]))
    index = fresh_client.prepare_index_params()
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    index.add_index("dense", index_type="FLAT", metric_type="L2")
    fresh_client.create_collection("hl", schema=schema, index_params=index)
    fresh_client.insert("hl", [{"id": 1, "text": TEXT, "note": "a Vector note", "plain": "x", "dense": [0.0, 0.0]},
                               {"id": 2, "text": "Postgres stores rows", "note": None, "plain": "y",
                                "dense": [1.0, 1.0]}])
    return fresh_client


CASES = [  # highlighter arguments, the fragments of the text of hit 1 for the search text "vector database"
    ({"highlight_search_text": True}, [TEXT]),
    ({"highlight_search_text": True, "fragment_size": 20, "fragment_offset": 5, "pre_tags": ["<b>"],
      "post_tags": ["</b>"]}, ["is a <b>vector</b> <b>database</b>", " The <b>vector</b> search e"]),
    ({"highlight_search_text": True, "fragment_size": 20, "num_of_fragments": 1, "pre_tags": ["[", "{"],
      "post_tags": ["]", "}"]}, ["[vector] {database} buil"]),
    ({"highlight_search_text": True, "fragment_size": 5, "num_of_fragments": 1}, ["<em>vector</em>"]),
    ({"highlight_search_text": True, "num_of_fragments": 0}, []),
    ({"highlight_query": [{"type": "TextMatch", "field": "text", "text": "ENGINE fast"}], "fragment_size": 1},
     ["<em>engine</em>", "<em>fast</em>"]),
]


@pytest.mark.parametrize("arguments, fragments", CASES)
def test_fragments(client: MilvusClient, arguments: dict, fragments: list) -> None:
    hits = client.search("hl", ["vector database"], anns_field="sparse", limit=2, search_params={"metric_type": "BM25"},
                         highlighter=LexicalHighlighter(**arguments))[0]
    by_id = {h["id"]: h["highlight"] for h in hits}
    if fragments == [TEXT]:  # from the first mark (offset 0), 100 characters: the rest of the text
        fragments = [TEXT[12:].replace("vector", "<em>vector</em>").replace("database", "<em>database</em>")]
    assert by_id[1] == {"text": {"fragments": fragments, "scores": []}}


def test_queries_on_other_fields_and_dense_searches(client: MilvusClient) -> None:
    h = LexicalHighlighter(highlight_query=[{"type": "TextMatch", "field": "note", "text": "vector"}])
    hits = client.search("hl", [[0.0, 0.0]], anns_field="dense", limit=2, highlighter=h, output_fields=["plain"])[0]
    assert [(x["id"], x["entity"], x["highlight"]) for x in hits] == [
        (1, {"plain": "x"}, {"note": {"fragments": ["<em>Vector</em> note"], "scores": []}}),
        (2, {"plain": "y"}, {"note": {"fragments": [], "scores": []}})]   # NULL text: no fragment


@pytest.mark.parametrize("arguments, kwargs, message", [
    ({"pre_tags": []}, {}, "pre_tags cannot be empty list"),
    ({"fragment_size": 0}, {}, "invalid fragment_size: 0"),
    ({"num_of_fragments": -1}, {}, "invalid num_of_fragments: -1"),
    ({"fragment_offset": -2}, {}, "invalid fragment_offset: -2"),
    ({"highlight_query": [{"type": "Phrase", "field": "text", "text": "x"}]}, {},
     "unmarshal highlight queries failed: invalid highlight query type: Phrase"),
    ({"highlight_query": [{"type": "TextMatch", "text": "x"}]}, {},
     "unmarshal highlight queries failed: must set `field` in query"),
    ({"highlight_query": [{"type": "TextMatch", "field": "nope", "text": "x"}]}, {},
     "highlight field not found in schema: nope"),
    # Milvus reads the metric as given: a BM25 search must name it to highlight its text
    ({"highlight_search_text": True}, {}, 'Search highlight only support with metric type "BM25" but was: '),
    ({"highlight_search_text": True}, {"anns_field": "dense", "data": [[0.0, 0.0]], "search_params": {"metric_type": "L2"}},
     'Search highlight only support with metric type "BM25" but was: '),   # sic: Milvus's empty metric
    ({"highlight_search_text": True}, {"data": [[0.0, 0.0]], "search_params": {"metric_type": "BM25"}},
     "please provide varchar/text for BM25 Function based search, got FloatVector"),
])
def test_bad_highlighters(client: MilvusClient, arguments: dict, kwargs: dict, message: str) -> None:
    args = {"anns_field": "sparse", "data": ["vector"], **kwargs}
    with pytest.raises(MilvusException) as info:
        client.search("hl", limit=2, highlighter=LexicalHighlighter(**arguments), **args)
    assert (info.value.code, info.value.message) == (1100, f"{message}: invalid parameter")


def test_highlighting_a_dense_search_text_needs_a_bm25_field(client: MilvusClient) -> None:
    with pytest.raises(MilvusException) as info:
        client.search("hl", [[0.0, 0.0]], anns_field="dense", limit=2, search_params={"metric_type": "BM25"},
                      highlighter=LexicalHighlighter(highlight_search_text=True))
    assert (info.value.code, info.value.message) == (5, "service internal error: Search with highlight failed, "
                                                        "input field of BM25 annsField not found")
