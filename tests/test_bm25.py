"""Full-text search with a BM25 function (Milvus 2.5+): schema, writes, scores, errors, describe.

Scores are checked against a small BM25 written here from Milvus's definition (tokenizer:
runs of letters and digits, lowercased; idf = ln(1 + (N - df + 0.5) / (df + 0.5)); statistics
over the live rows of the whole collection).
"""

from __future__ import annotations

import json

import math
import random
import re
import string
import time
from collections import Counter
from typing import Optional

import psycopg
import pytest

from pgmilvus import (AnnSearchRequest, DataType, Function, FunctionType, MilvusException, ParamError,
                      RRFRanker)
from pgmilvus.errors import DataNotMatchException

DOCS = {
    1: "The quick brown fox jumps over the lazy dog",
    2: "A quick brown dog outpaces a quick red fox",
    3: "Lorem ipsum dolor sit amet",
    4: "Foxes are quick; FOX, fox!",
    5: "the dog sleeps",
    6: "Über straße café: Ünïcode words, 42 numbers_and_underscores",
    7: "",
    8: "brown bread and brown butter",
}
PARTITION = "p1"
IN_PARTITION = {5, 6, 7, 8}


def tokenize(text: str, lower: bool = True) -> list[str]:
    tokens = re.findall(r"[^\W_]+", text)
    return [t.lower() for t in tokens] if lower else tokens


def bm25(docs: dict[int, str], query: str, k1: float = 1.2, b: float = 0.75,
         counted: Optional[dict[int, str]] = None) -> dict[int, float]:
    """Every matching document's score, statistics over ``docs`` (the live rows), or over
    ``counted`` when given (a sealed segment's deleted rows count until compact())."""
    tfs = {pk: Counter(tokenize(text)) for pk, text in docs.items()}
    counted_tfs = tfs if counted is None else {pk: Counter(tokenize(text)) for pk, text in counted.items()}
    n = len(counted_tfs)
    avgdl = sum(sum(c.values()) for c in counted_tfs.values()) / n
    scores: dict[int, float] = {}
    for term, qtf in Counter(tokenize(query)).items():
        df = sum(1 for c in counted_tfs.values() if term in c)
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        for pk, counts in tfs.items():
            tf = counts.get(term)
            if tf:
                dl = sum(counts.values())
                scores[pk] = scores.get(pk, 0.0) + qtf * idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))
    return scores


def ranked(scores: dict[int, float], limit: int) -> list[tuple[int, float]]:
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


def bm25_schema(cli, analyzer_params=None, max_length=1000):
    schema = cli.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    kwargs = {"analyzer_params": analyzer_params} if analyzer_params is not None else {}
    schema.add_field("text", DataType.VARCHAR, max_length=max_length, enable_analyzer=True, **kwargs)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=4)
    schema.add_field("tag", DataType.INT64)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["text"],
                                 output_field_names=["sparse"]))
    return schema


def vector(pk: int) -> list[float]:
    return [float(pk), 1.0, float(pk % 3), 0.5]


def rows(docs: dict[int, str]) -> list[dict]:
    return [{"id": pk, "text": text, "dense": vector(pk), "tag": pk % 2} for pk, text in docs.items()]


@pytest.fixture
def docs(fresh_client):
    cli = fresh_client
    index = cli.prepare_index_params()
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                    params={"bm25_k1": 1.2, "bm25_b": 0.75})
    index.add_index("dense", index_type="HNSW", metric_type="COSINE")
    cli.create_collection("docs", schema=bm25_schema(cli), index_params=index)
    cli.create_partition("docs", PARTITION)
    cli.insert("docs", rows({k: v for k, v in DOCS.items() if k not in IN_PARTITION}))
    cli.insert("docs", rows({k: v for k, v in DOCS.items() if k in IN_PARTITION}), partition_name=PARTITION)
    return cli


def check_hits(hits, expected: list[tuple[int, float]]) -> None:
    assert [h["id"] for h in hits] == [pk for pk, _ in expected]
    for hit, (_, score) in zip(hits, expected):
        assert hit["distance"] == pytest.approx(score, rel=1e-5)


@pytest.mark.parametrize("query", ["quick fox", "brown brown dog", "FOX", "über CAFÉ 42", "nothing matches"])
def test_scores_match_bm25(docs, query):
    res = docs.search("docs", data=[query], anns_field="sparse", limit=5, output_fields=["text"],
                      search_params={"metric_type": "BM25"})
    check_hits(res[0], ranked(bm25(DOCS, query), 5))
    for hit in res[0]:
        assert hit["entity"] == {"text": DOCS[hit["id"]]}


def test_several_queries_offset_round_decimal(docs):
    res = docs.search("docs", data=["quick", "brown dog"], anns_field="sparse", limit=2, offset=1,
                      round_decimal=3)
    for hits, query in zip(res, ["quick", "brown dog"]):
        expected = ranked(bm25(DOCS, query), 3)[1:]
        assert [h["id"] for h in hits] == [pk for pk, _ in expected]
        assert [h["distance"] for h in hits] == [round(float(s), 3) for _, s in expected] or all(
            abs(h["distance"] - s) < 1e-3 for h, (_, s) in zip(hits, expected))


def test_filters_and_partitions_narrow_hits_not_statistics(docs):
    scores = bm25(DOCS, "brown dog fox")
    res = docs.search("docs", data=["brown dog fox"], anns_field="sparse", limit=10, filter="tag == 0")
    check_hits(res[0], ranked({k: v for k, v in scores.items() if k % 2 == 0}, 10))
    res = docs.search("docs", data=["brown dog fox"], anns_field="sparse", limit=10, partition_names=[PARTITION])
    check_hits(res[0], ranked({k: v for k, v in scores.items() if k in IN_PARTITION}, 10))


def test_writes_change_statistics(docs):
    docs.delete("docs", ids=[2, 4])
    docs.upsert("docs", rows({1: "lazy lazy cat"}))
    docs.insert("docs", rows({9: "a fox in the brown snow"}))
    live = {k: v for k, v in DOCS.items() if k not in (2, 4)}
    live.update({1: "lazy lazy cat", 9: "a fox in the brown snow"})
    for query in ("fox brown", "lazy cat"):
        res = docs.search("docs", data=[query], anns_field="sparse", limit=10)
        check_hits(res[0], ranked(bm25(live, query), 10))


def _kept(dsn: str) -> list:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT s.state, s.bm25 FROM pgmilvus_catalog.segments s JOIN pgmilvus_catalog.collections c"
                            " ON c.id = s.collection_id WHERE c.name = 'docs' AND s.bm25 IS NOT NULL").fetchall()


def _kept_df(dsn: str, term: str) -> int:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT COALESCE(sum(df), 0) FROM pgmilvus_catalog.bm25_terms WHERE term = %s",
                            (term,)).fetchone()[0]


def test_sealed_segments_keep_their_statistics_until_compact(docs, fresh_db):
    """As Milvus's: a flushed segment's statistics (rows, tokens, each term's df) are fixed once
    it is sealed and built, so rows deleted from it count until compact(); rows written since
    are counted as they come."""
    docs.flush("docs")
    kept = _kept(fresh_db)
    assert sorted(v["sparse"][0] for _, v in kept) == [4, 4]
    assert sum(v["sparse"][1] for _, v in kept) == sum(len(tokenize(t)) for t in DOCS.values())
    assert _kept_df(fresh_db, "brown") == sum(1 for t in DOCS.values() if "brown" in tokenize(t)) == 3
    docs.delete("docs", ids=[2, 4])
    docs.insert("docs", rows({9: "a fox in the brown snow"}))
    live = {k: v for k, v in DOCS.items() if k not in (2, 4)}
    live[9] = "a fox in the brown snow"
    counted = {**DOCS, 9: live[9]}
    for query in ("fox brown", "quick dog"):
        res = docs.search("docs", data=[query], anns_field="sparse", limit=10)
        check_hits(res[0], ranked(bm25(live, query, counted=counted), 10))
    docs.compact("docs")
    for query in ("fox brown", "quick dog"):
        res = docs.search("docs", data=[query], anns_field="sparse", limit=10)
        check_hits(res[0], ranked(bm25(live, query), 10))
    assert _kept_df(fresh_db, "brown") == 2
    docs.drop_collection("docs")
    assert _kept_df(fresh_db, "brown") == 0


def test_a_long_token_is_counted_in_a_built_segment(fresh_client):
    """A token longer than a B-tree key may be (base64, a URL: over 2,704 bytes) is kept in the
    catalog by a hash of it."""
    cli = fresh_client
    cli.create_collection("long", schema=bm25_schema(cli, max_length=10000))
    letters = string.ascii_lowercase + string.digits
    rng = random.Random(5)
    long_word = "".join(rng.choice(letters) for _ in range(8000))  # ~5 kB compressed
    docs = {1: f"{long_word} fox", 2: long_word, 3: "fox and dog", 4: "a dog"}
    cli.insert("long", rows(docs))
    cli.flush("long")
    for query in (long_word, f"fox {long_word}"):
        res = cli.search("long", data=[query], anns_field="sparse", limit=3)
        check_hits(res[0], ranked(bm25(docs, query), 3))


def test_an_idle_segment_is_sealed_for_its_statistics(fresh_client, fresh_db, monkeypatch):
    """Without a vector index to build, a BM25 collection's growing segment is still sealed and
    built once the writes pause, so its statistics are kept rather than counted per search."""
    monkeypatch.setenv("PGMILVUS_IDLE_SEAL_ROWS", "4")
    cli = fresh_client
    index = cli.prepare_index_params()
    index.add_index("dense", index_type="FLAT", metric_type="L2")
    cli.create_collection("docs", schema=bm25_schema(cli), index_params=index)
    cli.insert("docs", rows(DOCS))
    deadline = time.monotonic() + 30
    while not _kept(fresh_db) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [v["sparse"][0] for _, v in _kept(fresh_db)] == [len(DOCS)]
    res = cli.search("docs", data=["quick fox"], anns_field="sparse", limit=5)
    check_hits(res[0], ranked(bm25(DOCS, "quick fox"), 5))


def test_segments_sealed_without_statistics_are_counted(docs, fresh_db):
    """A segment sealed before the catalog kept statistics (bm25 NULL) is counted row by row."""
    docs.flush("docs")
    docs.insert("docs", rows({9: "a fox in the brown snow"}))
    with psycopg.connect(fresh_db) as conn:
        conn.execute("UPDATE pgmilvus_catalog.segments SET bm25 = NULL WHERE id = (SELECT min(id) FROM"
                     " pgmilvus_catalog.segments WHERE bm25 IS NOT NULL)")
    assert len(_kept(fresh_db)) == 1
    live = {**DOCS, 9: "a fox in the brown snow"}
    res = docs.search("docs", data=["fox brown"], anns_field="sparse", limit=10)
    check_hits(res[0], ranked(bm25(live, "fox brown"), 10))


def test_partial_update_recomputes_terms(docs):
    docs.upsert("docs", [{"id": 3, "text": "fox fox fox"}], partial_update=True)
    docs.upsert("docs", [{"id": 5, "tag": 7}], partial_update=True)  # text kept, terms kept
    live = {**DOCS, 3: "fox fox fox"}
    res = docs.search("docs", data=["fox dog"], anns_field="sparse", limit=10)
    check_hits(res[0], ranked(bm25(live, "fox dog"), 10))
    with pytest.raises(DataNotMatchException, match="Attempt to insert an unexpected function output field "
                                                    "`sparse` to collection"):
        docs.upsert("docs", [{"id": 3, "sparse": {1: 0.5}}], partial_update=True)


def _common_docs() -> dict[int, str]:
    """200 documents all holding "the" (and most "a"); "zebra" in 6, "yak" in 2."""
    docs = {}
    for pk in range(1, 201):
        words = ["the"] * (1 + pk % 3) + ["a"] * (pk % 5 > 0) + [f"filler{pk % 17}"] * (1 + pk % 4)
        words += ["zebra"] * (pk % 29 == 0) + ["yak"] * (pk % 67 == 0)
        docs[pk] = " ".join(words)
    return docs


@pytest.mark.parametrize("query, limit, offset, where", [
    ("the zebra", 5, 0, None),         # the 6 zebra documents fill the window: scored first, alone
    ("the zebra", 15, 0, None),        # they cannot: every document holding "the" is scored
    ("the a zebra yak", 4, 2, None),
    ("the yak", 3, 0, None),
    ("the yak", 3, 0, "tag == 1"),     # the filter leaves 1 yak document: all are scored
    ("the zebra", 5, 0, "tag == 0"),   # 3 even zebra documents: all are scored
    ("the zebra", 2, 0, "tag == 0"),
    ("the a", 5, 0, None),             # only common terms
])
def test_common_terms_scored_only_when_they_can_matter(fresh_client, query, limit, offset, where):
    """A query's common terms weigh little: documents holding only them are scored only when
    the documents holding a rarer term cannot fill the window (search/bm25.py Weighed)."""
    cli = fresh_client
    cli.create_collection("common", schema=bm25_schema(cli))
    docs = _common_docs()
    cli.insert("common", rows(docs))
    res = cli.search("common", data=[query], anns_field="sparse", limit=limit, offset=offset,
                     filter=where or "")
    expected = bm25(docs, query)
    if where:
        expected = {k: v for k, v in expected.items() if k % 2 == int(where[-1])}
    check_hits(res[0], ranked(expected, limit + offset)[offset:])


def test_common_terms_several_queries(fresh_client):
    """One query's rarer documents fill its window, the other's do not: each is answered right."""
    cli = fresh_client
    cli.create_collection("common", schema=bm25_schema(cli))
    docs = _common_docs()
    cli.insert("common", rows(docs))
    queries = ["the zebra", "the yak", "a zebra the"]
    res = cli.search("common", data=queries, anns_field="sparse", limit=4)
    for hits, query in zip(res, queries):
        check_hits(hits, ranked(bm25(docs, query), 4))


def test_range_search_and_group_by(docs):
    scores = bm25(DOCS, "quick fox brown")
    radius = sorted(scores.values())[2]
    res = docs.search("docs", data=["quick fox brown"], anns_field="sparse", limit=10,
                      search_params={"params": {"radius": radius}})
    check_hits(res[0], ranked({k: v for k, v in scores.items() if v > radius}, 10))
    res = docs.search("docs", data=["quick fox brown"], anns_field="sparse", limit=2, group_by_field="tag",
                      output_fields=["tag"])
    best = {}
    for pk, score in ranked(scores, 10):
        best.setdefault(pk % 2, (pk, score))
    check_hits(res[0], sorted(best.values(), key=lambda kv: -kv[1]))


def test_hybrid_with_dense(docs):
    reqs = [AnnSearchRequest(["quick fox"], "sparse", {"metric_type": "BM25"}, 5),
            AnnSearchRequest([vector(4)], "dense", {}, 5)]
    res = docs.hybrid_search("docs", reqs, RRFRanker(), limit=3, output_fields=["text"])
    text_rank = [pk for pk, _ in ranked(bm25(DOCS, "quick fox"), 5)]
    dense = docs.search("docs", data=[vector(4)], anns_field="dense", limit=5)[0]
    fused: dict[int, float] = {}
    for ranking in (text_rank, [h["id"] for h in dense]):
        for rank, pk in enumerate(ranking):
            fused[pk] = fused.get(pk, 0.0) + 1 / (60 + rank + 1)
    assert [h["id"] for h in res[0]] == [pk for pk, _ in ranked(fused, 3)]
    assert all(h["entity"]["text"] == DOCS[h["id"]] for h in res[0])


def test_output_fields(docs):
    hits = docs.search("docs", data=["fox"], anns_field="sparse", limit=1, output_fields=["*"])[0]
    assert set(hits[0]["entity"]) == {"id", "text", "dense", "tag"}
    assert set(docs.query("docs", filter="id == 1")[0]) == {"id", "text", "dense", "tag"}
    for call in (lambda: docs.query("docs", filter="id == 1", output_fields=["sparse"]),
                 lambda: docs.search("docs", data=["fox"], anns_field="sparse", output_fields=["sparse"])):
        with pytest.raises(MilvusException, match="not allowed to retrieve raw data of field sparse") as err:
            call()
        assert err.value.code == 65535


def test_search_errors(docs):
    with pytest.raises(MilvusException) as err:
        docs.search("docs", data=[{1: 0.5}], anns_field="sparse")
    assert (err.value.code, err.value.message) == (
        1100, "please provide varchar/text for BM25 Function based search, got SparseFloatVector: invalid parameter")
    with pytest.raises(MilvusException, match=r"metric type not match: invalid parameter\[expected=BM25\]"
                                              r"\[actual=IP\]"):
        docs.search("docs", data=["fox"], anns_field="sparse", search_params={"metric_type": "IP"})


def test_insert_refuses_output_field(docs):
    row = dict(rows({20: "x"})[0], sparse={1: 0.5})
    with pytest.raises(DataNotMatchException) as err:
        docs.insert("docs", [row])
    assert err.value.message == ("Attempt to insert an unexpected function output field `sparse` to collection "
                                 "(row 0: Milvus computes it from field text)")


def test_describe(docs):
    desc = docs.describe_collection("docs")
    assert desc["functions"] == [{
        "name": "bm25", "id": 100, "description": "", "type": FunctionType.BM25, "params": {},
        "input_field_names": ["text"], "input_field_ids": [101], "output_field_names": ["sparse"],
        "output_field_ids": [102]}]
    sparse = next(f for f in desc["fields"] if f["name"] == "sparse")
    assert sparse.get("is_function_output") is True
    multi = docs.create_schema()  # analyzer params come back as the JSON text pymilvus sends (orjson's)
    multi.add_field("id", DataType.INT64, is_primary=True)
    multi.add_field("lang", DataType.VARCHAR, max_length=8)
    multi.add_field("text", DataType.VARCHAR, max_length=100, enable_analyzer=True, enable_match=True,
                    analyzer_params={"type": "chinese", "stop_words": ["的"]})
    multi.add_field("other", DataType.VARCHAR, max_length=100, enable_analyzer=True, multi_analyzer_params=MULTI)
    multi.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    multi.add_function(Function(name="bm", function_type=FunctionType.BM25, input_field_names=["other"],
                                output_field_names=["sparse"]))
    docs.create_collection("texts", schema=multi)
    params = {f["name"]: f["params"] for f in docs.describe_collection("texts")["fields"]}
    for name, key, given in (("text", "analyzer_params", {"type": "chinese", "stop_words": ["的"]}),
                             ("other", "multi_analyzer_params", MULTI)):
        text = params[name][key]  # compact, UTF-8; the catalog's jsonb does not keep the keys' order
        assert isinstance(text, str) and json.loads(text) == given
        assert ", " not in text and ": " not in text and "\\u" not in text
    index = docs.describe_index("docs", "sparse")
    assert (index["index_type"], index["metric_type"], index["bm25_k1"], index["bm25_b"], index["bm25_avgdl"]) == (
        "SPARSE_INVERTED_INDEX", "BM25", "1.2", "0.75", "100")


def test_empty_collection_and_no_index(fresh_client):
    cli = fresh_client
    cli.create_collection("plain", schema=bm25_schema(cli))
    assert cli.search("plain", data=["fox"], anns_field="sparse", limit=3)[0] == []
    cli.insert("plain", rows({1: "fox", 2: "dog"}))
    res = cli.search("plain", data=["fox"], anns_field="sparse", limit=3)
    check_hits(res[0], ranked(bm25({1: "fox", 2: "dog"}, "fox"), 3))
    index = cli.prepare_index_params()
    # (an AUTOINDEX takes no parameters but its metric in Milvus: tests/test_index_checks.py)
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                    params={"bm25_k1": 2.0, "bm25_b": 0.3})
    cli.create_index("plain", index)
    res = cli.search("plain", data=["fox"], anns_field="sparse", limit=3)
    check_hits(res[0], ranked(bm25({1: "fox", 2: "dog"}, "fox", k1=2.0, b=0.3), 3))


def test_custom_analyzer_without_lowercase(fresh_client):
    """{"tokenizer": "standard"} has no lowercase filter (Milvus's custom analyzers)."""
    cli = fresh_client
    cli.create_collection("c", schema=bm25_schema(cli, {"tokenizer": "standard",
                                                         "filter": [{"type": "stop", "stop_words": ["the"]}]}))
    cli.insert("c", rows({1: "Fox the fox", 2: "THE fox"}))
    hits = cli.search("c", data=["Fox"], anns_field="sparse", limit=3)[0]
    assert [h["id"] for h in hits] == [1]
    assert cli.search("c", data=["the"], anns_field="sparse", limit=3)[0] == []


def _schema_with(cli, change):
    schema = bm25_schema(cli)
    change(schema)
    return schema


def _set(field_name, **attrs):
    def change(schema):
        field = schema.field(field_name) if hasattr(schema, "field") else None
        field = field or next(f for f in schema.fields if f.name == field_name)
        for key, value in attrs.items():
            if key in ("enable_analyzer", "analyzer_params"):
                field.params[key] = value
            else:
                setattr(field, key, value)
    return change


def _add_function(**kwargs):
    def change(schema):
        args = {"name": "bm25b", "function_type": FunctionType.BM25, "input_field_names": ["text"],
                "output_field_names": ["sparse"]}
        args.update(kwargs)
        schema.add_function(Function(**args))
    return change


@pytest.mark.parametrize("change, code, message", [
    (_set("text", enable_analyzer=False), 65535, "BM25 function input field must set enable_analyzer to true"),
    (_set("sparse", nullable=True), 65535, "function output field cannot be nullable: function bm25, field sparse"),
    (_add_function(name="bm25"), 65535, "duplicate function name: bm25"),
    (_add_function(), 65535, "duplicate function output field: function bm25b, field sparse"),
    (_add_function(name="b2", params={"k": 1}), 65535, "BM25 function accepts no params"),
    (_add_function(name="b2", input_field_names=["tag"]), 1, "BM25 function input field must be VARCHAR."),
    (_add_function(name="b2", output_field_names=["dense"]), 1,
     "BM25 function output field must be SPARSE_FLOAT_VECTOR."),
    (_add_function(name="b2", output_field_names=["nope"]), 1,
     "Function output field not found in collection schema.: nope"),
    (_add_function(name="b2", input_field_names=["nope"]), 1,
     "Function input field not found in collection schema.: nope"),
    (_add_function(name="b2", output_field_names=["id"]), 1,
     "The output field must not be primary key, partition key, clustering key."),
    (_set("text", analyzer_params={"type": "english", "stop_words": "x"}), 65535,
     "create analyzer failed with error: stop_words should be a list of strings (field text)"),
    (_set("text", analyzer_params={"tokenizer": {"type": "lindera", "dict_kind": "unidic"}}), 3000,
     "analyzer of field text: the lindera tokenizer's dict_kind unidic (pgmilvus runs ipadic, ko-dic, cc-cedict) "
     "is not supported by pgmilvus"),
    (_set("text", analyzer_params={"tokenizer": {"type": "jieba", "dict": ["_extend_default_"]}}), 3000,
     "analyzer of field text: jieba's _extend_default_ dictionary (dict.txt.big) is not supported by pgmilvus"),
    (_set("text", analyzer_params={"tokenizer": {"type": "jieba", "mode": "full"}}), 65535,
     'create analyzer failed with error: jieba tokenizer mode must be "exact" or "search" (field text)'),
    (_set("text", analyzer_params={"tokenizer": "standard", "filter": [{"type": "stemmer", "language": "latin"}]}),
     65535, "create analyzer failed with error: create stemmer failed : unsupport language: latin (field text)"),
    (_set("text", analyzer_params={"tokenizer": "standard", "filter": [{"type": "stemmer", "language": 1}]}),
     65535, "create analyzer failed with error: stemmer language field should be string (field text)"),
    (_set("text", analyzer_params={"type": "standard", "stop_words": ["_french_"]}), 3000,
     "analyzer of field text: the built-in stop word list _french_ is not supported by pgmilvus"),
    (_add_function(name="e", function_type=FunctionType.TEXTEMBEDDING, output_field_names=["dense"],
                   params={"provider": "openai"}), 3000,
     "function e (TEXTEMBEDDING) is not supported by pgmilvus: compute embeddings before insert"),
], ids=lambda v: v if isinstance(v, int) else None)
def test_schema_errors(fresh_client, change, code, message):
    with pytest.raises((MilvusException, ParamError)) as err:
        fresh_client.create_collection("bad", schema=_schema_with(fresh_client, change))
    assert err.value.code == code
    assert err.value.message.startswith(message)
    assert not fresh_client.has_collection("bad")


@pytest.mark.parametrize("inputs, outputs, message", [
    (["t"], ["t"], "Input and output field names must be different."),
    (["t", "t"], ["s"], "Duplicate input field names are not allowed in function."),
    (["t"], ["s", "s"], "Duplicate output field names are not allowed in function."),
    (["t", 1], ["s"], "The type of function input and output must be str."),
])
def test_function_constructor_errors(inputs, outputs, message):
    """pymilvus's own checks in Function(), made before any request."""
    with pytest.raises(ParamError) as err:
        Function("f", FunctionType.BM25, inputs, outputs)
    assert err.value.message == message


def test_index_errors(fresh_client):
    cli = fresh_client
    cli.create_collection("c", schema=bm25_schema(cli))
    index = cli.prepare_index_params()
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
    with pytest.raises(MilvusException) as err:
        cli.create_index("c", index)
    assert (err.value.code, err.value.message) == (
        65535, "index metric type of BM25 function output field must be BM25, got IP")
    schema = cli.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("s", DataType.SPARSE_FLOAT_VECTOR)
    cli.create_collection("plain_sparse", schema=schema)
    index = cli.prepare_index_params()
    index.add_index("s", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    with pytest.raises(MilvusException, match="only BM25 Function output field support BM25 metric type"):
        cli.create_index("plain_sparse", index)
    for params, message in [
            ({"bm25_k1": 3.5}, "Out of range in json: param 'bm25_k1' (3.5) should be in range [0.000000, 3.000000]"),
            ({"bm25_b": "-0.1"}, "Out of range in json: param 'bm25_b' (-0.1) should be in range [0.000000, 1.000000]"),
            ({"bm25_k1": "high"}, "Type conflict in json: param 'bm25_k1' (\"high\") should be a number"),
            ({"quant_type": "fp16"}, "quant_type for BM25 metric must be 'u16' or 'u32', got 'fp16'")]:
        index = cli.prepare_index_params()
        index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params=params)
        with pytest.raises(MilvusException) as err:
            cli.create_index("c", index)
        assert (err.value.code, err.value.message) == (1100, message + ": invalid parameter")
    index = cli.prepare_index_params()
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                    params={"inverted_index_algo": "SINDI", "sindi_window_size": 4096, "quant_type": "u16"})
    cli.create_index("c", index)   # knowhere's newer algorithms and their params are taken


def test_rename_drop_and_recreate(docs):
    docs.rename_collection("docs", "docs2")
    docs.create_collection("docs", schema=bm25_schema(docs))
    docs.insert("docs", rows({1: "fox"}))
    assert [h["id"] for h in docs.search("docs2", data=["fox"], anns_field="sparse", limit=1)[0]] == [4]
    docs.drop_collection("docs2")
    assert [h["id"] for h in docs.search("docs", data=["fox"], anns_field="sparse", limit=1)[0]] == [1]


def test_search_iterator_pages_follow_the_scores(docs):
    """search_iterator on the BM25 field: pages continue after the last score (keyset), best first."""
    query = "quick brown fox dog"
    iterator = docs.search_iterator("docs", data=[query], anns_field="sparse", batch_size=2, limit=7)
    seen = []
    while True:
        page = iterator.next()
        if not page:
            break
        seen.extend((h["id"], h["distance"]) for h in page)
    iterator.close()
    expected = ranked(bm25(DOCS, query), 7)
    assert [pk for pk, _ in seen] == [pk for pk, _ in expected]
    assert [d for _, d in seen] == pytest.approx([s for _, s in expected], rel=1e-5)


ZH_DOCS = ["向量数据库是一种专门存储向量的数据库", "混合搜索结合了稀疏向量和稠密向量", "今天天气很好，我们去公园散步",
           "Milvus 是一个开源的向量数据库"]


def test_chinese_full_text_search_and_text_match(fresh_client):
    """The chinese analyzer (jieba + cnalphanumonly) on a BM25 field: documents holding the query's
    words rank first; text_match on the field reads the function's stored terms (the analyzer's
    tokens, exactly), as it does on a jieba field without one (its stored tokens)."""
    schema = fresh_client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("text", DataType.VARCHAR, max_length=1000, enable_analyzer=True, enable_match=True,
                     analyzer_params={"type": "chinese"})
    schema.add_field("other", DataType.VARCHAR, max_length=1000, enable_analyzer=True, enable_match=True,
                     analyzer_params={"tokenizer": "jieba"})
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(Function(name="bm", function_type=FunctionType.BM25, input_field_names=["text"],
                                 output_field_names=["sparse"]))
    index = fresh_client.prepare_index_params()
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    fresh_client.create_collection("zh", schema=schema, index_params=index)
    fresh_client.insert("zh", [{"id": i, "text": d, "other": d} for i, d in enumerate(ZH_DOCS)])
    hits = fresh_client.search("zh", ["向量数据库"], anns_field="sparse", limit=4)[0]
    assert [h["id"] for h in hits] == [0, 3, 1]  # doc 0 holds 向量 twice and 数据库 twice; doc 2 none
    assert sorted(r["id"] for r in fresh_client.query("zh", filter="text_match(text, '天气 公园')")) == [2]
    assert sorted(r["id"] for r in fresh_client.query("zh", filter="text_match(text, '稠密 Milvus')")) == [1, 3]
    assert fresh_client.query("zh", filter="text_match(text, '，')") == []
    # minimum_should_match counts the query tokens a row holds
    assert [r["id"] for r in fresh_client.query("zh", filter="text_match(text, '天气 公园 向量', "
                                                              "minimum_should_match=2)")] == [2]
    assert fresh_client.query("zh", filter="text_match(text, '天气 公园', minimum_should_match=3)") == []
    # a jieba field without a BM25 function: its own stored tokens (tests/test_text_match.py)
    assert sorted(r["id"] for r in fresh_client.query("zh", filter="text_match(other, '天气')")) == [2]
    assert sorted(r["id"] for r in fresh_client.query("zh", filter="phrase_match(other, '向量数据库')")) == [0, 3]


MULTI = {"by_field": "lang", "alias": {"cn": "zh"},
         "analyzers": {"en": {"type": "english"}, "zh": {"type": "chinese"}, "default": {"tokenizer": "whitespace"}}}


def _multi_schema(cli, multi=MULTI, **text_params):
    schema = cli.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("lang", DataType.VARCHAR, max_length=16)
    schema.add_field("n", DataType.INT64)
    schema.add_field("text", DataType.VARCHAR, max_length=1000, enable_analyzer=True, multi_analyzer_params=multi,
                     **text_params)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(Function(name="bm", function_type=FunctionType.BM25, input_field_names=["text"],
                                 output_field_names=["sparse"]))
    return schema


def test_multi_analyzer_fields_pick_an_analyzer_per_row_and_per_search(fresh_client):
    """multi_analyzer_params: each row's text is analyzed by the analyzer its by_field names (through
    alias; unknown names: default); a search analyzes its text with search_params' analyzer_name
    (none: default); run_analyzer takes analyzer_names."""
    index = fresh_client.prepare_index_params()
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    fresh_client.create_collection("ml", schema=_multi_schema(fresh_client), index_params=index)
    fresh_client.insert("ml", [{"id": 1, "lang": "en", "n": 1, "text": "Running databases quickly"},
                               {"id": 2, "lang": "cn", "n": 2, "text": "向量数据库很好"},
                               {"id": 3, "lang": "fr", "n": 3, "text": "Running Databases"}])

    def found(text, name=None):
        params = {"analyzer_name": name} if name else {}
        return [h["id"] for h in fresh_client.search("ml", [text], anns_field="sparse", limit=3,
                                                     search_params=params)[0]]

    assert found("run database", "en") == [1]            # stems on both sides
    assert found("数据库", "zh") == found("数据库", "cn") == [2]
    assert found("Running Databases") == [3]              # default: whitespace, case kept
    assert found("Running Databases", "unknown") == [3]
    assert [r.tokens for r in fresh_client.run_analyzer(["Running fast", "向量数据库", "a B"], collection_name="ml",
                                                        field_name="text", analyzer_names=["en", "cn", "x"])] == \
        [["run", "fast"], ["向量", "数据", "据库", "数据库"], ["a", "B"]]
    assert fresh_client.run_analyzer("Running", collection_name="ml", field_name="text",
                                     analyzer_names="en").tokens == ["run"]
    with pytest.raises(MilvusException, match="but now analzer name num: 2, text num: 3"):
        fresh_client.run_analyzer(["a", "b", "c"], collection_name="ml", field_name="text", analyzer_names=["en", "zh"])
    fresh_client.upsert("ml", [{"id": 3, "lang": "en", "text": "Running Databases"}], partial_update=True)
    assert sorted(found("run", "en")) == [1, 3]
    with pytest.raises(MilvusException) as info:
        fresh_client.upsert("ml", [{"id": 3, "text": "Running"}], partial_update=True)
    assert info.value.code == 3000 and "must give both" in info.value.message


def test_multi_analyzer_field_with_icu_analyzers(fresh_client):
    """Milvus's e2e multi-analyzer fields (util_fts.py) send the languages without an analyzer of
    their own to icu, through alias or as the default."""
    multi = {"by_field": "lang", "alias": {"fr": "icu", "jp": "icu"},
             "analyzers": {"en": {"type": "english"}, "icu": {"tokenizer": "icu"}, "default": {"tokenizer": "icu"}}}
    index = fresh_client.prepare_index_params()
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    fresh_client.create_collection("mi", schema=_multi_schema(fresh_client, multi), index_params=index)
    fresh_client.insert("mi", [{"id": 1, "lang": "en", "n": 1, "text": "Running databases"},
                               {"id": 2, "lang": "jp", "n": 2, "text": "東京スカイツリーの駅"},
                               {"id": 3, "lang": "fr", "n": 3, "text": "L'été à Paris"},
                               {"id": 4, "lang": "de", "n": 4, "text": "Straße in Paris"}])
    for text, name, ids in [("run", "en", [1]), ("スカイツリー", "jp", [2]), ("L'été", "fr", [3]),
                            ("Paris", None, [3, 4]), ("L", "fr", [])]:
        hits = fresh_client.search("mi", [text], anns_field="sparse", limit=4,
                                   search_params={"analyzer_name": name} if name else {})[0]
        assert sorted(h["id"] for h in hits) == ids, (text, name)
    assert fresh_client.run_analyzer("L'été à Paris", collection_name="mi", field_name="text",
                                     analyzer_names="fr").tokens == ["L'été", " ", "à", " ", "Paris"]


@pytest.mark.parametrize("multi, extra, message", [
    ({"analyzers": {"default": {}}}, {},
     "multi analyzer params now must set by_field to specify with field decide analyzer"),
    ({"by_field": 1, "analyzers": {"default": {}}}, {}, "multi analyzer params by_field must be string but now: 1"),
    ({"by_field": "nope", "analyzers": {"default": {}}}, {},
     'multi analyzer dependent field "nope" not exist in collection bad'),
    ({"by_field": "n", "analyzers": {"default": {}}}, {},
     "multi analyzer params now only support by string field, but field n is not string"),
    ({"by_field": "lang", "alias": {"a": 1}, "analyzers": {"default": {}}}, {},
     'multi analyzer alias must be string map but now: {"a": 1}'),
    ({"by_field": "lang"}, {}, "multi analyzer params must set analyzers "),
    ({"by_field": "lang", "analyzers": {"en": {}}}, {}, "multi analyzer must set default analyzer for all unknown value"),
    (MULTI, {"enable_match": True}, "multi analyzer now only support for bm25, but now field text enable match"),
    (MULTI, {"analyzer_params": {"type": "english"}},
     "field text analyzer params should be none if has multi analyzer params"),
])
def test_bad_multi_analyzer_params(fresh_client, multi, extra, message):
    with pytest.raises(MilvusException) as info:
        fresh_client.create_collection("bad", schema=_multi_schema(fresh_client, multi, **extra))
    assert (info.value.code, info.value.message) == (65535, message)
    assert not fresh_client.has_collection("bad")
