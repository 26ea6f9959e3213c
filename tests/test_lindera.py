"""Milvus's lindera tokenizer (data/lindera.py, the ``pgmilvus[lindera]`` extra): run_analyzer's
tokens, offsets and positions on the three dictionaries, lindera's tag filters, the parameter
errors Milvus gives, and text_match / phrase_match / BM25 over lindera fields."""

from __future__ import annotations

import sys
from typing import Iterator

import pytest

from pgmilvus import MilvusException
from pgmilvus.data import analyzer, lindera

from .fix_client import FACES, analyzed_client

pytest.importorskip("lindera", reason='the lindera extra (pip install "pgmilvus[lindera]")')


def _lindera(kind: str, *filters, **params) -> dict:
    tokenizer = {"type": "lindera", "dict_kind": kind, **params}
    if filters:
        tokenizer["filter"] = list(filters)
    return {"tokenizer": tokenizer}


SKYTREE = "東京スカイツリーの最寄り駅はとうきょうスカイツリー駅です"  # Milvus's lindera_tokenizer.rs text
KOREAN = "한국어의형태해석을실시할수있습니다."                   # lindera's own ko-dic test text

#: (text, analyzer_params, the tokens)
CASES = [
    # ipadic: MeCab's IPADIC segmentation (lindera's and Milvus's unit-test texts)
    (SKYTREE, _lindera("ipadic"),
     ["東京", "スカイ", "ツリー", "の", "最寄り駅", "は", "とう", "きょう", "スカイ", "ツリー", "駅", "です"]),
    ("すもももももももものうち", _lindera("ipadic"), ["すもも", "も", "もも", "も", "もも", "の", "うち"]),
    ("日本語の形態素解析を行うことができます。テスト。", _lindera("ipadic"),
     ["日本語", "の", "形態素", "解析", "を", "行う", "こと", "が", "でき", "ます", "。", "テスト", "。"]),
    # every lattice token is kept: whitespace runs are tokens, 。、\n\t end a sentence
    (" Hello  World 2024年", _lindera("ipadic"), [" ", "Hello", "  ", "World", " ", "2024", "年"]),
    ("東京、大阪\n京都\t奈良", _lindera("ipadic"), ["東京", "、", "大阪", "\n", "京都", "\t", "奈良"]),
    ("関西国際空港限定トートバッグ", _lindera("ipadic"), ["関西国際空港", "限定", "トートバッグ"]),
    ("関西国際空港限定トートバッグ", _lindera("ipadic", mode="decompose"), ["関西", "国際", "空港", "限定", "トートバッグ"]),
    ("関西国際空港", _lindera("ipadic", mode="normal"), ["関西国際空港"]),
    # ko-dic and cc-cedict
    (KOREAN, _lindera("ko-dic"), ["한국어", "의", "형태", "해석", "을", "실시", "할", "수", "있", "습니다", "."]),
    ("안녕하세요 세계", _lindera("ko-dic"), ["안녕", "하", "세요", " ", "세계"]),
    ("可以进行中文形态学分析。", _lindera("cc-cedict"), ["可以", "进行", "中文", "形态学", "分析", "。"]),
    # lindera's filters: a Japanese tag is its first four parts, "*" filled; an unknown word's is UNK
    (SKYTREE, _lindera("ipadic", {"kind": "japanese_stop_tags", "tags": ["接続詞", "助詞", "助詞,格助詞",
                                                                         "助詞,連体化"]}),
     ["東京", "スカイ", "ツリー", "最寄り駅", "は", "とう", "きょう", "スカイ", "ツリー", "駅", "です"]),
    ("東京スカイツリーの最寄り駅", _lindera("ipadic", {"kind": "japanese_keep_tags", "tags": [
        "名詞,固有名詞,地域,一般", "名詞,一般"]}), ["東京", "スカイ", "ツリー", "最寄り駅"]),
    ("Hello World", _lindera("ipadic", {"kind": "japanese_stop_tags", "tags": ["UNK"]}), ["Hello", " ", "World"]),
    ("東京スカイツリーの最寄り駅", _lindera("ipadic", {"kind": "japanese_compound_word", "tags": [
        "名詞,固有名詞,地域", "名詞,一般"]}), ["東京", "スカイツリー", "の", "最寄り駅"]),
    ("東京スカイツリーの最寄り駅", _lindera("ipadic", {"kind": "japanese_compound_word", "tags": [
        "名詞,固有名詞,地域", "名詞,一般"]}, {"kind": "japanese_keep_tags", "tags": ["複合語"]}), ["スカイツリー"]),
    ("東京スカイツリーの最寄り駅", _lindera("ipadic", {"kind": "japanese_compound_word", "tags": ["名詞,一般"],
                                                    "new_tag": "名詞,固有名詞"},
                                         {"kind": "japanese_stop_tags", "tags": ["名詞,固有名詞"]}), ["東京", "の", "最寄り駅"]),
    (KOREAN, _lindera("ko-dic", {"kind": "korean_keep_tags", "tags": ["NNG"]}), ["한국어", "형태", "해석", "실시"]),
    ("안녕하세요 세계", _lindera("ko-dic", {"kind": "korean_stop_tags", "tags": ["UNK", "XSV"]}), ["안녕", "세요", "세계"]),
    # the analyzer's own filters run after lindera's
    ("Hello World", {**_lindera("ipadic"), "filter": ["lowercase", {"type": "stop", "stop_words": [" "]}]},
     ["hello", "world"]),
]


@pytest.mark.parametrize("text, params, tokens", CASES)
def test_tokens(fresh_client, text, params, tokens) -> None:
    assert fresh_client.run_analyzer(text, analyzer_params=params).tokens == tokens


#: (text, analyzer_params, (token, start byte, end byte, position, position length) of each token)
DETAILS = [
    ("東京 駅。", _lindera("ipadic"), [("東京", 0, 6, 0, 1), (" ", 6, 7, 1, 1), ("駅", 7, 10, 2, 1), ("。", 10, 13, 3, 1)]),
    ("한국어의 형태", _lindera("ko-dic"), [("한국어", 0, 9, 0, 1), ("의", 9, 12, 1, 1), (" ", 12, 13, 2, 1),
                                         ("형태", 13, 19, 3, 1)]),
    # a compound holds its first part's position, its parts' count as length; a dropped token's
    # position stays used
    ("スカイツリーの駅", _lindera("ipadic", {"kind": "japanese_compound_word", "tags": ["名詞,一般"]},
                                {"kind": "japanese_stop_tags", "tags": ["助詞,連体化"]}),
     [("スカイツリー", 0, 18, 0, 2), ("駅", 21, 24, 3, 1)]),
]


@pytest.mark.parametrize("text, params, details", DETAILS)
def test_details(fresh_client, text, params, details) -> None:
    result = fresh_client.run_analyzer(text, analyzer_params=params, with_detail=True)
    assert [(t.token, t.start_offset, t.end_offset, t.position, t.position_length) for t in result.tokens] == details


@pytest.mark.parametrize("tokenizer, message", [
    ({"type": "lindera"}, "lindera tokenizer dict_kind must be set"),
    ({"type": "lindera", "dict_kind": 1}, "lindera tokenizer dict kind should be string"),
    ({"type": "lindera", "dict_kind": "jp"}, "unsupported lindera dict type: jp"),
    ({"type": "lindera", "dict_kind": "ipadic", "mode": 1}, "lindera tokenizer mode must be string"),
    ({"type": "lindera", "dict_kind": "ipadic", "mode": "search"},
     'lindera tokenizer mode must be "normal" or "decompose", got "search"'),
    ({"type": "lindera", "dict_kind": "ipadic", "filter": "x"}, "lindera filters should be array"),
    (_lindera("ipadic", 1)["tokenizer"], "lindera tokenizer filter params must be object"),
    (_lindera("ipadic", {"tags": []})["tokenizer"], "lindera tokenizer filter must have type"),
    (_lindera("ipadic", {"kind": 1})["tokenizer"], "lindera tokenizer filter type should be string"),
    (_lindera("ipadic", {"kind": "lowercase"})["tokenizer"], "unknown lindera filter type"),
    (_lindera("ipadic", "japanese_keep_tags")["tokenizer"], "lindera japanese keep tags filter must use with params"),
    (_lindera("ipadic", "japanese_compound_word")["tokenizer"],
     "lindera japanese compound word filter must use with params"),
    (_lindera("ko-dic", "korean_stop_tags")["tokenizer"], "lindera korean stop tags filter must use with params"),
    (_lindera("ko-dic", {"kind": "korean_keep_tags"})["tokenizer"], "lindera filter tags must be set"),
    (_lindera("ko-dic", {"kind": "korean_keep_tags", "tags": "NNG"})["tokenizer"], "lindera filter tags must be array"),
    (_lindera("ko-dic", {"kind": "korean_keep_tags", "tags": [1]})["tokenizer"], "lindera filter tags must be string"),
    (_lindera("ipadic", {"kind": "japanese_compound_word", "tags": [], "new_tag": 1})["tokenizer"],
     "lindera japanese compound word filter new_tag must be string"),
])
def test_bad_parameters(fresh_client, tokenizer, message) -> None:
    with pytest.raises(MilvusException) as info:
        fresh_client.run_analyzer("x", analyzer_params={"tokenizer": tokenizer})
    assert (info.value.code, info.value.message) == (65535, f"create analyzer failed with error: {message} "
                                                            "(field run_analyzer)")


@pytest.mark.parametrize("tokenizer, what", [
    ({"type": "lindera", "dict_kind": "unidic"}, "the lindera tokenizer's dict_kind unidic (pgmilvus runs ipadic, "
                                                 "ko-dic, cc-cedict)"),
    ({"type": "lindera", "dict_kind": "ipadic-neologd"}, "the lindera tokenizer's dict_kind ipadic-neologd "
                                                         "(pgmilvus runs ipadic, ko-dic, cc-cedict)"),
    ({"type": "lindera", "dict_kind": "ipadic", "user_dict": {"type": "local", "path": "/tmp/u.csv"}},
     "the lindera tokenizer's user_dict (a Milvus file resource)"),
])
def test_refused(fresh_client, tokenizer, what) -> None:
    with pytest.raises(MilvusException) as info:
        fresh_client.run_analyzer("x", analyzer_params={"tokenizer": tokenizer})
    assert (info.value.code, info.value.message) == (3000, f"analyzer of field run_analyzer: {what} is not supported "
                                                           f"by pgmilvus; supported: {analyzer.SUPPORTED}")


def test_without_the_extra(fresh_client, monkeypatch) -> None:
    """Without the binding a lindera analyzer is refused naming the extra to install."""
    monkeypatch.setitem(sys.modules, "lindera", None)
    lindera._tokenizer.cache_clear()
    analyzer._cached.cache_clear()
    try:
        with pytest.raises(MilvusException) as info:
            fresh_client.run_analyzer("x", analyzer_params=_lindera("ipadic", mode="normal"))
    finally:
        lindera._tokenizer.cache_clear()
        analyzer._cached.cache_clear()
    assert (info.value.code, info.value.message) == (
        3000, 'analyzer of field run_analyzer: the lindera tokenizer without the lindera extra (pip install '
              f'"pgmilvus[lindera]") is not supported by pgmilvus; supported: {analyzer.SUPPORTED}')


FIELDS = {
    "ja": _lindera("ipadic"),
    "ko": _lindera("ko-dic", {"kind": "korean_stop_tags", "tags": ["JKG", "JKO", "UNK"]}),
    "zh": _lindera("cc-cedict"),
}
DOCS = [
    {"ja": SKYTREE, "ko": KOREAN, "zh": "可以进行中文形态学分析。"},
    {"ja": "スカイツリーの駅", "ko": "형태의 해석", "zh": "中文分析"},
    {"ja": "大阪の駅です", "ko": "세계", "zh": "形态学"},
]


@pytest.fixture(scope="module", params=FACES)
def lindera_client(request: pytest.FixtureRequest, module_db: str) -> Iterator:
    """A collection with a text_match field per dictionary and a BM25 function on ``ja``."""
    yield from analyzed_client(request.param, module_db, "lin", FIELDS, DOCS, "ja")


MATCHES = [
    ('text_match(ja, "駅")', [0, 1, 2]),
    ('text_match(ja, "スカイツリー")', [0, 1]),        # the query is tokenized too: スカイ, ツリー
    ('text_match(ja, "東京タワー")', [0]),
    ('text_match(ja, "スカイツリー駅", minimum_should_match=3)', [0, 1]),  # スカイ ツリー 駅
    ('text_match(ja, "東京駅です", minimum_should_match=3)', [0]),
    ('phrase_match(ja, "スカイツリー駅")', [0]),
    ('phrase_match(ja, "スカイツリーの駅")', [1]),
    ('phrase_match(ja, "スカイツリー駅", 1)', [0, 1]),
    ('text_match(ko, "해석")', [0, 1]),
    ('text_match(ko, "의")', []),                      # JKG is a stop tag
    ('phrase_match(ko, "형태해석")', [0]),
    ('phrase_match(ko, "형태의 해석")', [1]),          # 의 keeps its position, the space its own
    ('text_match(zh, "中文")', [0, 1]),
    ('phrase_match(zh, "中文形态学")', [0]),
    ('phrase_match(zh, "分析中文")', []),
]


@pytest.mark.parametrize("expr, expected", MATCHES, ids=[m[0] for m in MATCHES])
def test_text_and_phrase_match(lindera_client, expr, expected) -> None:
    assert sorted(r["id"] for r in lindera_client.query("lin", filter=expr, output_fields=["id"])) == expected


def test_bm25_search_over_a_lindera_field(lindera_client) -> None:
    hits = lindera_client.search("lin", data=["大阪の駅"], anns_field="sparse", limit=3)[0]
    assert [h["id"] for h in hits][0] == 2  # 大阪 only there; 駅 and の everywhere
