"""Milvus's other token filters (data/analyzer_filters.py): run_analyzer's tokens and positions,
their parameter errors, and text_match / phrase_match / BM25 over fields that use them."""

from __future__ import annotations

from typing import Iterator

import pytest

from pgmilvus import MilvusException

from .fix_client import FACES, analyzed_client


def _std(*filters) -> dict:
    return {"tokenizer": "standard", "filter": list(filters)}


def _ws(*filters) -> dict:
    return {"tokenizer": "whitespace", "filter": list(filters)}


#: (text, analyzer_params, the tokens)
CASES = [
    # asciifolding: Lucene's table (ligatures and letters without a decomposition too); others kept
    ("Café Möller crème brûlée", _std("asciifolding"), ["Cafe", "Moller", "creme", "brulee"]),
    ("Łukasz œuvre æsthetic Škoda straße ı ĳ", _std("asciifolding"),
     ["Lukasz", "oeuvre", "aesthetic", "Skoda", "strasse", "i", "ij"]),
    ("Ａ①⑴⒈ ½ «x» 中文", _ws("asciifolding"), ["A1(1)1.", "½", '"x"', "中文"]),  # ½: not in the table
    # removepunct: a token holding any punctuation or space is dropped, not stripped
    ("hello, world ! foo-bar $5 a+b ok", _ws("removepunct"), ["world", "$5", "a+b", "ok"]),
    ("中文标点，测试。", {"tokenizer": "jieba", "filter": ["removepunct"]}, ["中文", "标点", "中文标点", "测试"]),
    # decimaldigit: every script's decimal digits to ASCII
    ("price ١٢٣ baht ๔๕๖ ７８ ۹ ²", _std("decimaldigit"), ["price", "123", "baht", "456", "78", "9", "²"]),
    # arabic_normalization: hamza/madda alef, teh marbuta, alef maksura; harakat and tatweel removed
    ("أحمد إسلام آمن مدرسة على", _std("arabic_normalization"), ["احمد", "اسلام", "امن", "مدرسه", "علي"]),
    ("كِتَابٌ عـــربي", _ws("arabic_normalization"), ["كتاب", "عربي"]),
    # regex: keeps the tokens the expression is found in (anywhere in the token)
    ("test milvus testing atest", _std({"type": "regex", "expr": "^(?!test)"}), ["milvus", "atest"]),
    ("abc 123 a1 中文", _std({"type": "regex", "expr": r"\d"}), ["123", "a1"]),
    ("中文 abc 東京", _std({"type": "regex", "expr": r"\p{Han}"}), ["中文", "東京"]),
    ("cat dog", _std({"type": "regex", "expr": "[a-z&&[^aeiou]]{3}"}), []),  # Rust's set operations
    # decompounder: whole decompositions only, longest word first, no backtracking, case kept
    ("Dampfschifffahrt brotbackautomat", _std("lowercase", {"type": "decompounder", "word_list": [
        "dampf", "schiff", "fahrt", "brot", "backen", "automat"]}),
     ["dampf", "schiff", "fahrt", "brotbackautomat"]),
    ("banknote notebank bank Banknote", _std({"type": "decompounder", "word_list": ["bank", "note"]}),
     ["bank", "note", "note", "bank", "bank", "Banknote"]),
    ("foobar", _std({"type": "decompounder", "word_list": ["foo", "foob", "bar"]}), ["foobar"]),  # foob leaves "ar"
    ("foobar", _std({"type": "decompounder", "word_list": ["fo", "foo", "bar", "ob"]}), ["foo", "bar"]),
    # synonym: Milvus's own unit case (expand false: a group stands for its first word; a mapping
    # replaces the word), then expanding groups and mappings
    ("test trans synonym", _std({"type": "synonym", "expand": False, "synonyms": [
        "trans => translate, \\=>", "\\\\test, test, tests"]}), ["\\test", "translate", "=>", "synonym"]),
    ("quick car", _std({"type": "synonym", "synonyms": ["quick, fast, speedy"]}),
     ["quick", "fast", "speedy", "car"]),
    ("fast car", _std({"type": "synonym", "synonyms": ["quick, fast", "car => auto"]}),
     ["quick", "fast", "auto", "car"]),
    ("a b", _std({"type": "synonym", "expand": False, "synonyms": ["a =>", "b => c", "b => d"]}),
     ["a", "c", "d"]),  # a mapped to nothing stays; rules for one word add up
    ("new york", _ws({"type": "synonym", "synonyms": ["new\\ york, ny"]}), ["new", "york"]),  # one token each
    ("big", _std({"type": "synonym"}), ["big"]),
    # pinyin: the original token, then each Chinese character's reading (Milvus's defaults)
    ("中文测试", {"tokenizer": "jieba", "filter": ["pinyin"]}, ["中文", "zhong", "wen", "测试", "ce", "shi"]),
    ("中文测试 abc", {"tokenizer": "jieba", "filter": [{"type": "pinyin", "keep_original": False,
                                                          "keep_full_pinyin": False,
                                                          "keep_joined_full_pinyin": True,
                                                          "keep_separate_first_letter": True}]},
     ["zhongwen", "zw", "ceshi", "cs"]),  # a token without Chinese characters leaves nothing
    ("绿色 a中", _ws({"type": "pinyin", "keep_original": False}), ["lü", "se", "zhong"]),
]


@pytest.mark.parametrize("text, params, tokens", CASES)
def test_tokens(fresh_client, text, params, tokens) -> None:
    assert fresh_client.run_analyzer(text, analyzer_params=params).tokens == tokens


#: (text, analyzer_params, (token, start byte, end byte, position, position length) of each token)
DETAILS = [
    # a dropped token keeps its position used
    ("a, b c", _ws("removepunct"), [("b", 3, 4, 1, 1), ("c", 5, 6, 2, 1)]),
    ("x1 yy z2", _std({"type": "regex", "expr": "[0-9]"}), [("x1", 0, 2, 0, 1), ("z2", 6, 8, 2, 1)]),
    # added tokens take the position and offsets of the token they came from
    ("Zoë quick", _std({"type": "synonym", "synonyms": ["quick, fast"]}),
     [("Zoë", 0, 4, 0, 1), ("quick", 5, 10, 1, 1), ("fast", 5, 10, 1, 1)]),
    ("x banknote y", _std({"type": "decompounder", "word_list": ["bank", "note"]}),
     [("x", 0, 1, 0, 1), ("bank", 2, 10, 1, 1), ("note", 2, 10, 1, 1), ("y", 11, 12, 2, 1)]),
    # pinyin: the n-th reading at the token's position + n while n is at most its position length
    # (jieba's: its characters), else at the token's position; joined forms span the token
    ("中文测试", {"tokenizer": "jieba", "filter": [{"type": "pinyin", "keep_joined_full_pinyin": True}]},
     [("中文", 0, 6, 0, 2), ("zhong", 0, 6, 0, 1), ("wen", 0, 6, 1, 1), ("zhongwen", 0, 6, 0, 2),
      ("测试", 6, 12, 2, 2), ("ce", 6, 12, 2, 1), ("shi", 6, 12, 3, 1), ("ceshi", 6, 12, 2, 2)]),
    ("中文测试", _std({"type": "pinyin", "keep_original": False}),
     [("zhong", 0, 12, 0, 1), ("wen", 0, 12, 1, 1), ("ce", 0, 12, 0, 1), ("shi", 0, 12, 0, 1)]),
]


@pytest.mark.parametrize("text, params, expected", DETAILS)
def test_positions(fresh_client, text, params, expected) -> None:
    result = fresh_client.run_analyzer(text, analyzer_params=params, with_detail=True)
    assert [(t.token, t.start_offset, t.end_offset, t.position, t.position_length)
            for t in result.tokens] == expected


#: (filter, Milvus's text): code 65535, "create analyzer failed with error: <text>"
BAD = [
    ("decompounder", "build analyzer failed, filter not found :decompounder"),
    ("synonym", "build analyzer failed, filter not found :synonym"),
    ({"expr": "x"}, "no type field in filter params"),
    ({"type": 1}, "filter type should be string"),
    ({"type": "regex"}, "must set expr for regex filter"),
    ({"type": "regex", "expr": 1}, "expr must be string"),
    ({"type": "regex", "expr": "a("},
     "regex expression invalid, expr:a(, err: missing ) at position 2"),  # the regex module's words
    ({"type": "decompounder"}, "decompounder word list is empty"),
    ({"type": "decompounder", "word_list": []}, "decompounder word list is empty"),
    ({"type": "decompounder", "word_list": "bank"}, "decompounder word list should be array"),
    ({"type": "decompounder", "word_list": ["bank", 1]}, "decompounder word list item should be string"),
    ({"type": "synonym", "expand": "yes"}, "create synonym filter failed, `expand` must be bool"),
    ({"type": "synonym", "synonyms": "a, b"}, "create synonym filter failed, `synonyms` must be array"),
    ({"type": "synonym", "synonyms": [["a"]]}, "create synonym filter failed, item in `synonyms` must be string"),
    ({"type": "synonym", "synonyms": ["a, b\\"]}, "invalid synonym escaped in the end: a, b\\"),
    ({"type": "synonym", "synonyms": ["a\\b"]}, "invalid synonym escaped: \\b in a\\b"),
    ({"type": "synonym", "synonyms": ["a => b => c"]}, 'read synonym dict failed, has more than one "=>" in a => b => c'),
    ({"type": "synonym", "synonyms": ["new york, ny"]},
     "read synonym dict failed, has space between words new york, ny, please use \\ to escape space"),
    ({"type": "pinyin", "keep_original": "yes"}, "keep_original must be a boolean value"),
    ({"type": "pinyin", "keep_full_pinyin": 1}, "keep_full_pinyin must be a boolean value"),
    ({"type": "pinyin", "keep_joined_full_pinyin": None}, "keep_joined_full_pinyin must be a boolean value"),
    ({"type": "pinyin", "keep_separate_first_letter": "no"}, "keep_separate_first_letter must be a boolean value"),
]


@pytest.mark.parametrize("spec, message", BAD)
def test_bad_filter_parameters(fresh_client, spec, message) -> None:
    with pytest.raises(MilvusException) as info:
        fresh_client.run_analyzer("x", analyzer_params=_std(spec))
    assert (info.value.code, info.value.message) == (65535, f"create analyzer failed with error: {message} "
                                                            "(field run_analyzer)")


#: (filter, what pgmilvus names): code 3000, read through Milvus's file resources
REFUSED = [
    ({"type": "decompounder", "word_list": ["a"], "word_list_file": {"type": "local", "path": "/x"}},
     "the decompounder filter's word_list_file (a Milvus file resource)"),
    ({"type": "synonym", "synonyms_file": {"type": "remote", "resource_name": "s", "file_name": "s.txt"}},
     "the synonym filter's synonyms_file (a Milvus file resource)"),
]


@pytest.mark.parametrize("spec, what", REFUSED)
def test_file_resources_are_refused(fresh_client, spec, what) -> None:
    with pytest.raises(MilvusException) as info:
        fresh_client.run_analyzer("x", analyzer_params=_std(spec))
    assert info.value.code == 3000
    assert info.value.message.split("; supported: ")[0] == f"analyzer of field run_analyzer: {what} is not " \
                                                             "supported by pgmilvus"


FIELDS = {
    "fold": _std("lowercase", "asciifolding"),
    "dec": _std("lowercase", {"type": "decompounder", "word_list": ["dampf", "schiff", "fahrt"]}),
    "syn": _std("lowercase", {"type": "synonym", "synonyms": ["quick, fast", "car => auto"]}),
    "pin": {"tokenizer": "jieba", "filter": ["removepunct", "pinyin"]},
}
DOCS = [
    {"fold": "Crème brûlée at the Café", "dec": "Die Dampfschifffahrt", "syn": "a quick red car", "pin": "中文测试"},
    {"fold": "creme fraiche", "dec": "ein Dampfschiff", "syn": "a fast car", "pin": "向量数据库"},
    {"fold": "plain text", "dec": "Schifffahrt", "syn": "slow auto", "pin": "测试，中文"},
]


@pytest.fixture(scope="module", params=FACES)
def filtered_client(request: pytest.FixtureRequest, module_db: str) -> Iterator:
    """A collection with a text_match field per new filter and a BM25 function on ``fold``."""
    yield from analyzed_client(request.param, module_db, "flt", FIELDS, DOCS, "fold")


MATCHES = [
    ('text_match(fold, "CAFE")', [0]),
    ('text_match(fold, "crème")', [0, 1]),
    ('phrase_match(fold, "creme brulee")', [0]),
    ('text_match(dec, "schiff")', [0, 1, 2]),
    ('text_match(dec, "fahrt")', [0, 2]),
    ('phrase_match(dec, "Dampfschifffahrt")', [0]),  # the parts share the compound's position
    ('phrase_match(dec, "dampf fahrt")', []),        # ... so they are no phrase of their own
    ('text_match(syn, "fast")', [0, 1]),
    ('text_match(syn, "car")', [0, 1, 2]),           # "car => auto", in the rows and in the query
    ('phrase_match(syn, "fast auto")', [1]),         # a synonym holds its word's position
    ('phrase_match(syn, "quick red car")', [0]),
    ('text_match(pin, "zhong")', [0, 2]),
    ('text_match(pin, "中文")', [0, 2]),
    ('text_match(pin, "shu")', [1]),
    ('text_match(pin, "，")', []),                   # removepunct dropped the comma before pinyin
]


@pytest.mark.parametrize("expr, expected", MATCHES, ids=[m[0] for m in MATCHES])
def test_text_and_phrase_match(filtered_client, expr, expected) -> None:
    assert sorted(r["id"] for r in filtered_client.query("flt", filter=expr, output_fields=["id"])) == expected


def test_bm25_search_over_a_folded_field(filtered_client) -> None:
    hits = filtered_client.search("flt", data=["CREME brulee"], anns_field="sparse", limit=3)[0]
    assert [h["id"] for h in hits] == [0, 1]  # doc 0 holds both folded terms, doc 1 one
