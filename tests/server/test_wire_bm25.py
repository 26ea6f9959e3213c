"""Full-text search (BM25 functions) over the wire: unmodified pymilvus against ``pgmilvus serve``
gives what pgmilvus gives in process on the same database."""

from __future__ import annotations

import pytest

pytest.importorskip("pymilvus")

import pymilvus  # noqa: E402
from pymilvus import DataType, Function, FunctionType  # noqa: E402

NAME = "texts"
TEXTS = {1: "The quick brown fox", 2: "a quick red fox and a quick dog", 3: "lazy dogs sleep",
         4: "Brown bread", 5: "FOX news: fox, fox"}


@pytest.fixture
def texts(wire_client):
    schema = wire_client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("text", DataType.VARCHAR, max_length=200, enable_analyzer=True,
                     analyzer_params={"type": "standard"})
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=4)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["text"],
                                 output_field_names=["sparse"]))
    index = wire_client.prepare_index_params()
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params={"bm25_k1": 1.5})
    index.add_index("dense", index_type="HNSW", metric_type="COSINE")
    wire_client.create_collection(NAME, schema=schema, index_params=index)
    wire_client.insert(NAME, [{"id": k, "text": v, "dense": [k, 1.0, k % 2, 0.5]} for k, v in TEXTS.items()])
    return wire_client


def _hits(result):
    return [[(h["id"], round(h["distance"], 5), h["entity"]) for h in hits] for hits in result]


def test_search_matches_in_process(texts, local_client):
    kwargs = {"anns_field": "sparse", "limit": 3, "output_fields": ["text"], "search_params": {"metric_type": "BM25"}}
    wire = texts.search(NAME, data=["quick fox", "brown"], **kwargs)
    assert _hits(wire) == _hits(local_client.search(NAME, data=["quick fox", "brown"], **kwargs))
    assert {h["id"] for h in wire[0]} == {1, 2, 5}  # the documents holding "quick" or "fox"
    assert wire[0][0]["distance"] > wire[0][1]["distance"] > wire[0][2]["distance"] > 0


def test_hybrid_matches_in_process(texts, local_client):
    import pgmilvus

    def reqs(module):
        return [module.AnnSearchRequest(["quick fox"], "sparse", {"metric_type": "BM25"}, 5),
                module.AnnSearchRequest([[1.0, 1.0, 0.0, 0.5]], "dense", {}, 5)]

    wire = texts.hybrid_search(NAME, reqs(pymilvus), pymilvus.RRFRanker(), limit=3, output_fields=["text"])
    local = local_client.hybrid_search(NAME, reqs(pgmilvus), pgmilvus.RRFRanker(), limit=3, output_fields=["text"])
    assert _hits(wire) == _hits(local)


def test_describe_and_refusals(texts):
    desc = texts.describe_collection(NAME)
    assert [(f["name"], f["type"], f["input_field_names"], f["output_field_names"]) for f in desc["functions"]] == \
           [("bm25", FunctionType.BM25, ["text"], ["sparse"])]
    assert next(f for f in desc["fields"] if f["name"] == "sparse").get("is_function_output") is True
    assert texts.describe_index(NAME, "sparse")["bm25_k1"] == "1.5"
    with pytest.raises(pymilvus.MilvusException, match="Attempt to insert an unexpected function output field "
                                                       "`sparse` to collection"):
        texts.insert(NAME, [{"id": 9, "text": "x", "dense": [1, 1, 1, 1], "sparse": {1: 0.5}}])
    with pytest.raises(pymilvus.MilvusException, match="not allowed to retrieve raw data of field sparse"):
        texts.query(NAME, filter="id > 0", output_fields=["sparse"])
    assert set(texts.query(NAME, filter="id == 1", output_fields=["*"])[0]) == {"id", "text", "dense"}
    with pytest.raises(pymilvus.MilvusException,
                       match="please provide varchar/text for BM25 Function based search, got FloatVector"):
        texts.search(NAME, data=[[0.1, 0.2, 0.3, 0.4]], anns_field="sparse")
    with pytest.raises(pymilvus.MilvusException, match="BM25 function input field must set enable_analyzer to true"):
        schema = texts.create_schema()
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("t", DataType.VARCHAR, max_length=20)
        schema.add_field("s", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(Function(name="f", function_type=FunctionType.BM25, input_field_names=["t"],
                                     output_field_names=["s"]))
        texts.create_collection("bad", schema=schema)


def test_run_analyzer_matches_in_process(texts, local_client) -> None:
    """RunAnalyzer: the tokens (with details and hashes) pgmilvus gives in process, by params or field."""
    params = {"tokenizer": "standard", "filter": ["lowercase", {"type": "stop", "stop_words": ["the"]}]}
    wire = texts.run_analyzer(["The Zoë fox", "x"], analyzer_params=params, with_detail=True, with_hash=True)
    local = local_client.run_analyzer(["The Zoë fox", "x"], analyzer_params=params, with_detail=True, with_hash=True)
    assert [[t.dict for t in r.tokens] for r in wire] == [[t.dict for t in r.tokens] for r in local]
    assert texts.run_analyzer("Brown BREAD", collection_name=NAME, field_name="text").tokens == ["brown", "bread"]


@pytest.mark.parametrize("call, code, message", [
    (lambda c, m: c.add_collection_function(NAME, m.Function("b2", m.FunctionType.BM25, ["text"], ["sparse"])),
     65535, "currently does not support adding BM25 function"),
    (lambda c, m: c.alter_collection_function(NAME, "bm25", m.Function("bm25", m.FunctionType.BM25, ["text"], ["sparse"])),
     65535, "currently does not support alter BM25 function"),
    (lambda c, m: c.drop_collection_function(NAME, "bm25"), 65535, "currently does not support droping BM25 function"),
    (lambda c, m: c.alter_collection_function(NAME, "nope", m.Function("nope", m.FunctionType.TEXTEMBEDDING, ["text"],
                                                                       ["dense"])), 65535, "function nope not found"),
    (lambda c, m: c.add_collection_function(NAME, m.Function("emb", m.FunctionType.TEXTEMBEDDING, ["text"], ["dense"])),
     3000, "function emb (TEXTEMBEDDING) is not supported by pgmilvus: compute embeddings before insert"),
])
def test_function_changes_refused_as_in_process(texts, local_client, call, code, message):
    """Milvus 2.6 neither adds, alters nor drops a BM25 function; pgmilvus runs no embedding model."""
    import pgmilvus

    for client, module in ((texts, pymilvus), (local_client, pgmilvus)):
        with pytest.raises(module.MilvusException) as err:
            call(client, module)
        assert (err.value.code, err.value.message) == (code, message)
    texts.drop_collection_function(NAME, "not_there")   # a function the collection lacks: nothing to do
    assert [f["name"] for f in texts.describe_collection(NAME)["functions"]] == ["bm25"]


def test_multi_analyzer_field_over_the_wire(wire_client, local_client) -> None:
    """multi_analyzer_params travel as a type param (JSON text, as Milvus describes it), a search's
    ``analyzer_name`` in its search params, run_analyzer's ``analyzer_names``; Chinese through jieba."""
    import json

    multi = {"by_field": "lang", "analyzers": {"en": {"type": "english"}, "zh": {"type": "chinese"},
                                                "default": {"type": "standard"}}}
    schema = wire_client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("lang", DataType.VARCHAR, max_length=8)
    schema.add_field("text", DataType.VARCHAR, max_length=200, enable_analyzer=True, multi_analyzer_params=multi)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["text"],
                                 output_field_names=["sparse"]))
    index = wire_client.prepare_index_params()
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    wire_client.create_collection("ml", schema=schema, index_params=index)
    wire_client.insert("ml", [{"id": 1, "lang": "en", "text": "Running databases"},
                              {"id": 2, "lang": "zh", "text": "向量数据库很好"}, {"id": 3, "lang": "xx", "text": "run"}])
    field = next(f for f in wire_client.describe_collection("ml")["fields"] if f["name"] == "text")
    assert json.loads(field["params"]["multi_analyzer_params"]) == multi
    for text, name in (("runs", "en"), ("数据库", "zh"), ("run", None)):
        params = {"analyzer_name": name} if name else {}
        wire = wire_client.search("ml", [text], anns_field="sparse", limit=3, search_params=params)
        local = local_client.search("ml", [text], anns_field="sparse", limit=3, search_params=params)
        assert _hits(wire) == _hits(local) and wire[0]
    assert [r.tokens for r in wire_client.run_analyzer(["Running", "数据库"], collection_name="ml", field_name="text",
                                                       analyzer_names=["en", "zh"])] == [["run"], ["数据", "据库", "数据库"]]


def test_lexical_highlighter_over_the_wire(texts, local_client) -> None:
    """SearchRequest.highlighter in, SearchResultData.highlight_results out: pymilvus's hits carry
    the same ``highlight`` as in process."""
    import pgmilvus

    def highlighter(module):
        return module.LexicalHighlighter(highlight_search_text=True, fragment_size=8, pre_tags=["<b>"],
                                         post_tags=["</b>"],
                                         highlight_query=[{"type": "TextMatch", "field": "text", "text": "dog"}])

    bm25 = {"metric_type": "BM25"}
    wire = texts.search(NAME, ["quick fox"], anns_field="sparse", limit=3, search_params=bm25,
                        highlighter=highlighter(pymilvus))
    local = local_client.search(NAME, ["quick fox"], anns_field="sparse", limit=3, search_params=bm25,
                                highlighter=highlighter(pgmilvus))
    assert [[(h["id"], h["highlight"]) for h in hits] for hits in wire] == \
           [[(h["id"], h["highlight"]) for h in hits] for hits in local]
    assert all(h["highlight"]["text"]["fragments"][0].startswith("<b>") for h in wire[0])
