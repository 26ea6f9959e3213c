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
    # jieba (search mode by default: a long word's dictionary 2-grams come before it), the chinese
    # analyzer (jieba + cnalphanumonly: punctuation and spaces go), a user dictionary in exact mode
    ("结巴分词器", {"tokenizer": "jieba"}, ["结巴", "分词", "分词器"]),
    ("结巴分词器", {"tokenizer": {"type": "jieba", "mode": "exact"}}, ["结巴", "分词器"]),
    ("我爱北京, ok!", {"tokenizer": "jieba"}, ["我", "爱", "北京", ",", " ", "ok", "!"]),
    ("我爱北京, ok!", {"type": "chinese"}, ["我", "爱", "北京", "ok"]),
    ("我爱北京, ok!", {"type": "chinese", "stop_words": ["我"]}, ["爱", "北京", "ok"]),
    ("我爱北京, ok!", {"tokenizer": "jieba", "filter": ["cncharonly"]}, ["我", "爱", "北京"]),
    ("稀疏向量很好", {"tokenizer": {"type": "jieba", "dict": ["稀疏向量"], "mode": "exact", "hmm": False}},
     ["稀疏向量", "很", "好"]),
    ("稀疏向量", {"tokenizer": {"type": "jieba", "dict": ["_default_", "稀疏向量"], "mode": "exact"}}, ["稀疏向量"]),
    # english: lowercase, Porter2 stems, then Snowball's English stop words (matched after stemming)
    ("The Milvus vector database is built for scale!", {"type": "english"},
     ["milvus", "vector", "databas", "built", "scale"]),
    ("Running flies", {"type": "english", "stop_words": ["fli"]}, ["run"]),
    ("Les chanteuses", {"tokenizer": "standard", "filter": ["lowercase", {"type": "stemmer", "language": "French"}]},
     ["le", "chanteux"]),
    ("The _x_ and it", {"tokenizer": "whitespace", "filter": [{"type": "stop", "stop_words": ["_english_", "_x_"]}]},
     ["The"]),
    # icu: every segment between two word breaks (UAX #29) is a token, spaces and punctuation too;
    # Han runs by jieba's dictionary, a Hiragana run whole, a Katakana run whole (UAX #29)
    ("Don't pay $3.14!", {"tokenizer": "icu"}, ["Don't", " ", "pay", " ", "$", "3.14", "!"]),
    ("a.b@example.com, U.S.A.", {"tokenizer": "icu"}, ["a.b", "@", "example.com", ",", " ", "U.S.A", "."]),
    ("e-mail  x_y", {"tokenizer": "icu"}, ["e", "-", "mail", "  ", "x_y"]),
    ("中文分词测试, 東京スカイツリーの駅です", {"tokenizer": "icu"},
     ["中文", "分词", "测试", ",", " ", "東京", "スカイツリー", "の", "駅", "です"]),
    ("한국어 샘플 😊🐍", {"tokenizer": "icu"}, ["한국어", " ", "샘플", " ", "😊", "🐍"]),
    ("The cat, the END", {"tokenizer": {"type": "icu", "ignored": 1}, "filter": [
        "lowercase", {"type": "stop", "stop_words": ["the", " "]}, {"type": "length", "max": 2}]}, [","]),
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


def test_jieba_details_follow_milvus_s_tokenizer(fresh_client) -> None:
    """jieba_tokenizer.rs: byte offsets; the position is the first character's index and the
    length the character count."""
    result = fresh_client.run_analyzer("结巴分词器", analyzer_params={"tokenizer": "jieba"}, with_detail=True)
    assert [(t.token, t.start_offset, t.end_offset, t.position, t.position_length) for t in result.tokens] == [
        ("结巴", 0, 6, 0, 2), ("分词", 6, 12, 2, 2), ("分词器", 6, 15, 2, 3)]


def test_icu_details_follow_milvus_s_tokenizer(fresh_client) -> None:
    """icu_tokneizer.rs: byte offsets; a position advances by the token's character count, which is
    its length; a token a filter drops keeps its positions used."""
    result = fresh_client.run_analyzer("Zoë  中文!", analyzer_params={"tokenizer": "icu", "filter": ["cnalphanumonly"]},
                                       with_detail=True)
    assert [(t.token, t.start_offset, t.end_offset, t.position, t.position_length) for t in result.tokens] == [
        ("Zoë", 0, 4, 0, 3), ("中文", 6, 12, 5, 2)]
    result = fresh_client.run_analyzer("Zoë  中文!", analyzer_params={"tokenizer": "icu"}, with_detail=True)
    assert [(t.token, t.start_offset, t.end_offset, t.position, t.position_length) for t in result.tokens] == [
        ("Zoë", 0, 4, 0, 3), ("  ", 4, 6, 3, 2), ("中文", 6, 12, 5, 2), ("!", 12, 13, 7, 1)]


def test_icu_on_milvus_s_unit_test_text(fresh_client) -> None:
    """Milvus's icu_tokneizer.rs test expects 24 tokens: ICU's dictionary makes 最寄り one word where
    jieba cuts 最 / 寄 / り, and keeps は apart from とうきょう, one Hiragana run here."""
    text = "tokenizer for global doc, 中文分词测试, 東京スカイツリーの最寄り駅はとうきょうスカイツリー駅です"
    assert fresh_client.run_analyzer(text, analyzer_params={"tokenizer": "icu"}).tokens == [
        "tokenizer", " ", "for", " ", "global", " ", "doc", ",", " ", "中文", "分词", "测试", ",", " ", "東京",
        "スカイツリー", "の", "最", "寄", "り", "駅", "はとうきょう", "スカイツリー", "駅", "です"]


def test_search_mode_is_jieba_rs_s_cut_for_search(fresh_client) -> None:
    """Milvus's e2e tests take rjieba (jieba-rs) as the reference of its jieba tokenizer."""
    rjieba = pytest.importorskip("rjieba")
    text = "向量数据库混合搜索结合了稀疏向量和稠密向量，中华人民共和国成立了"
    assert fresh_client.run_analyzer(text, analyzer_params={"tokenizer": "jieba"}).tokens == \
        list(rjieba.cut_for_search(text, True))
    assert fresh_client.run_analyzer(text, analyzer_params={
        "tokenizer": {"type": "jieba", "mode": "exact", "hmm": False}}).tokens == list(rjieba.cut(text, False))


@pytest.mark.parametrize("tokenizer, message", [
    ({"type": "jieba", "dict": "稀疏"}, "jieba tokenizer dict must be array"),
    ({"type": "jieba", "dict": [1]}, "jieba tokenizer dict item must be string"),
    ({"type": "jieba", "dict": ["_default_", "_default_"]}, "jieba tokenizer dict can only set one default dict"),
    ({"type": "jieba", "mode": 1}, "jieba tokenizer mode must be string"),
    ({"type": "jieba", "mode": "full"}, 'jieba tokenizer mode must be "exact" or "search"'),
    ({"type": "jieba", "hmm": "yes"}, "jieba tokenizer mode must be boolean"),
    # any tokenizer: a name or a dict with a string type (icu itself takes no parameter to refuse)
    (1, "tokenizer name should be string or dict"),
    ({"mode": "exact"}, "customized tokenizer must set type"),
    ({"type": ["icu"]}, "tokenizer type should be string"),
    ("icu4x", "unsupported tokenizer: icu4x"),
])
def test_bad_tokenizer_parameters(fresh_client, tokenizer, message) -> None:
    with pytest.raises(MilvusException) as info:
        fresh_client.run_analyzer("x", analyzer_params={"tokenizer": tokenizer})
    assert (info.value.code, info.value.message) == (65535, f"create analyzer failed with error: {message} "
                                                            "(field run_analyzer)")


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
        fresh_client.run_analyzer("x", analyzer_params={"tokenizer": {"type": "lindera", "dict_kind": "unidic"}})
    assert info.value.code == 3000


@pytest.mark.parametrize("params, collection", [(None, None), ({"tokenizer": "icu4x"}, None), (None, "nope")])
def test_no_text_no_result_whatever_else_is_asked(fresh_client, params, collection) -> None:
    """The proxy answers an empty placeholder before it looks at the analyzer or the collection."""
    assert fresh_client.run_analyzer([], analyzer_params=params, collection_name=collection) == []


@pytest.mark.parametrize("params, message", [
    ("invalid params}", "JsonError: expected value at line 1 column 1"),
    ('{"a" 1}', "JsonError: expected `:` at line 1 column 6"),
    ('{"type": "standard"} x', "JsonError: trailing characters at line 1 column 22"),
])
def test_params_that_are_not_json(fresh_client, params, message) -> None:
    """tantivy-binding's create_analyzer: serde's error, after ``JsonError:`` (the Go SDK's test looks for it)."""
    with pytest.raises(MilvusException) as info:
        fresh_client.run_analyzer("x", analyzer_params=params)
    assert (info.value.code, info.value.message) == (
        65535, f"create analyzer failed with error: {message} (analyzer params should be a json map: {params!r}) "
               "(field run_analyzer)")
