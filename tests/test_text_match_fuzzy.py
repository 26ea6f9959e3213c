"""text_match_fuzzy(field, query, max_edit_distance=N) on the tokens pgmilvus stores for every
``enable_match`` field (Milvus master: parser_visitor.go VisitTextMatchFuzzy, tantivy-binding
index_reader_text.rs fuzzy_match_query).

The query is tokenized by the field's analyzer; a row matches when one of its tokens is within N
edits of one of the query's, a swap of adjacent characters costing one (tantivy's
FuzzyTermQuery, transposition_cost_one): the optimal string alignment distance over characters,
computed by the catalog (sql/catalog/021_text_match_fuzzy.sql).  N = 0 is text_match.
"""

from __future__ import annotations

import random
from typing import Iterator

import psycopg
import pytest
from psycopg import sql

from pgmilvus import DataType, MilvusException
from pgmilvus.catalog.store import invalidate_cache

from .fix_client import open_client

NAME = "fz"
DOCS = [
    "allergy season",           # 0: Milvus's e2e case (rows 0-2)
    "allergic reaction",        # 1
    "vector database",          # 2
    "the Café au lait",         # 3
    "teh quick fox",            # 4
    "网球和滑雪",                # 5: jieba field below
    None,                       # 6: a NULL text matches neither way
    "abc",                      # 7
]
ZH = ["x", "x", "x", "x", "x", "网球和滑雪", "x", "x"]


def _make(client) -> None:
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("text", DataType.VARCHAR, max_length=500, enable_analyzer=True, enable_match=True,
                     nullable=True)  # the standard analyzer: lower-cased tokens
    schema.add_field("zh", DataType.VARCHAR, max_length=500, enable_analyzer=True, enable_match=True,
                     analyzer_params={"tokenizer": "jieba"})
    schema.add_field("plain", DataType.VARCHAR, max_length=50)
    client.create_collection(NAME, schema=schema)
    client.insert(NAME, [{"id": i, "v": [float(i), 1.0], "text": t, "zh": z, "plain": "p"}
                         for i, (t, z) in enumerate(zip(DOCS, ZH))])


def _ids(client, expr: str, **kwargs) -> list[int]:
    return sorted(r["id"] for r in client.query(NAME, filter=expr, output_fields=["id"], **kwargs))


@pytest.fixture(scope="module", params=["sync", "async"])
def fuzzy_client(request: pytest.FixtureRequest, module_db: str) -> Iterator:
    """The cases' collection, made once, read by both faces."""
    client = open_client(request.param, module_db)
    if not client.has_collection(NAME):
        _make(client)
    yield client
    client.close()


CASES = [
    # Milvus's e2e case: "alergy" is one edit from "allergy", three from "allergic"
    ('text_match_fuzzy(text, "alergy", max_edit_distance=1)', [0]),
    ('text_match_fuzzy(text, "alergy", max_edit_distance=0)', []),
    ('text_match(text, "alergy")', []),
    ('text_match_fuzzy(text, "alergy", max_edit_distance=2)', [0]),   # tantivy's own test: "allergic" is 3 away
    ('text_match_fuzzy(text, "alergic", max_edit_distance=1)', [1]),
    ('text_match_fuzzy(text, "allergy", max_edit_distance=0)', [0]),  # 0: text_match
    # a swap of adjacent characters is one edit ("teh" / "the" both ways), but no character is edited
    # twice: "hte" is 2 from "teh", "cab" 2 from "abc" (test_within_edits: "ca" is 3 from "abc")
    ('text_match_fuzzy(text, "hte", max_edit_distance=1)', [3]),
    ('text_match_fuzzy(text, "the", max_edit_distance=1)', [3, 4]),
    ('text_match_fuzzy(text, "the", max_edit_distance=0)', [3]),
    ('text_match_fuzzy(text, "bac", max_edit_distance=1)', [7]),
    ('text_match_fuzzy(text, "cab", max_edit_distance=1)', []),
    ('text_match_fuzzy(text, "cab", max_edit_distance=2)', [3, 7]),   # "au" (row 3) is 2 from "cab"
    # characters, not bytes: é is one character; the analyzer lower-cases both sides
    ('text_match_fuzzy(text, "CAFE", max_edit_distance=1)', [3]),
    ('text_match_fuzzy(text, "cafeé", max_edit_distance=1)', [3]),
    ('text_match_fuzzy(zh, "网珠", max_edit_distance=1)', [5]),
    ('text_match_fuzzy(zh, "网珠", max_edit_distance=0)', []),
    # several query tokens: any of them (OR); insertions and deletions
    ('text_match_fuzzy(text, "alergy vectr", max_edit_distance=1)', [0, 2]),
    ('text_match_fuzzy(text, "zzz databse", max_edit_distance=1)', [2]),
    ('text_match_fuzzy(text, "seasons reactions", max_edit_distance=1)', [0, 1]),
    ('text_match_fuzzy(text, "sea", max_edit_distance=2)', [4]),      # "teh"; "season" is 3 longer
    ('text_match_fuzzy(text, "seaso", max_edit_distance=2)', [0]),
    ('text_match_fuzzy(text, "...", max_edit_distance=2)', []),
    # keyword and option spellings, negation, other predicates around it
    ('TEXT_MATCH_FUZZY(text, "alergy", MAX_EDIT_DISTANCE=1)', [0]),
    ('text_match_fuzzy(text, "alergy", Max_Edit_Distance=0x1)', [0]),
    ('not text_match_fuzzy(text, "alergy", max_edit_distance=1)', [1, 2, 3, 4, 5, 7]),
    ('id > 0 and text_match_fuzzy(text, "the", max_edit_distance=1)', [3, 4]),
    ('id == 2 or text_match_fuzzy(text, "quik", max_edit_distance=1)', [2, 4]),
]


@pytest.mark.parametrize("expr,expected", CASES, ids=[c[0] for c in CASES])
def test_matches(fuzzy_client, expr, expected):
    assert _ids(fuzzy_client, expr) == expected


@pytest.mark.parametrize("params,expected", [
    ({"q": "alergy"}, [0]),
    ({"q": "ALERGY databse"}, [0, 2]),
    ({"q": ""}, []),
])
def test_template(fuzzy_client, params, expected):
    assert _ids(fuzzy_client, 'text_match_fuzzy(text, {q}, max_edit_distance=1)', filter_params=params) == expected


REFUSED = [  # Milvus's parser texts, code 1100
    ('text_match_fuzzy(text, "a", max_edit_distance=3)', "max_edit_distance should be in [0, 2], got 3"),
    ('text_match_fuzzy(text, "a", max_edit_distance=9223372036854775808)',
     "invalid max_edit_distance value: 9223372036854775808"),
    ('text_match_fuzzy(text, "a", fuzziness=1)',
     'invalid option "fuzziness" for text_match_fuzzy, expected max_edit_distance'),
    ('text_match_fuzzy(plain, "a", max_edit_distance=1)', 'field "plain" does not enable match'),
    ('text_match_fuzzy(id, "a", max_edit_distance=1)', "text match fuzzy operation on non-string is unsupported"),
    ('text_match_fuzzy(text, 5, max_edit_distance=1)',
     "text_match_fuzzy query should be a string literal or template variable, got: 5"),
    ('text_match_fuzzy(text, "a", max_edit_distance=-1)', "mismatched input '-' expecting IntegerConstant"),
    ('text_match_fuzzy(text, "a")', "mismatched input ')' expecting ','"),
]


@pytest.mark.parametrize("expr,text", REFUSED, ids=[c[0] for c in REFUSED])
def test_refused(fuzzy_client, expr, text):
    with pytest.raises(MilvusException) as info:
        fuzzy_client.query(NAME, filter=expr)
    assert info.value.code == 1100
    message = info.value.message  # "... error: column N: <text>: invalid parameter", N where the problem is
    assert message.startswith(f"failed to create query plan: cannot parse expression: {expr}, error: column ")
    assert message.endswith(f": {text}: invalid parameter")


def test_search_delete_and_iterator(fresh_client):
    """The same filter in a search, a delete and a query iterator."""
    _make(fresh_client)
    expr = 'text_match_fuzzy(text, "the", max_edit_distance=1)'
    hits = fresh_client.search(NAME, [[1.0, 1.0]], limit=10, filter=expr, output_fields=["id"])
    assert sorted(h["id"] for h in hits[0]) == [3, 4]
    if hasattr(fresh_client, "query_iterator"):
        iterator = fresh_client.query_iterator(NAME, batch_size=1, filter=expr, output_fields=["id"])
        seen = []
        while batch := iterator.next():
            seen += [r["id"] for r in batch]
        iterator.close()
        assert sorted(seen) == [3, 4]
    fresh_client.delete(NAME, filter='text_match_fuzzy(text, "alergy vectr", max_edit_distance=1)')
    assert _ids(fresh_client, "id >= 0") == [1, 3, 4, 5, 6, 7]
    fresh_client.upsert(NAME, [{"id": 1, "v": [0.0, 1.0], "text": "alergy", "zh": "x", "plain": "p"}])
    assert _ids(fresh_client, 'text_match_fuzzy(text, "allergy", max_edit_distance=1)') == [1]


def test_collection_without_stored_tokens_is_refused(fresh_client, fresh_db):
    """No stored tokens (a collection made by an older pgmilvus): Postgres's parser cannot give an
    edit distance, so the filter is refused (3000) until compact() stores them; 0 stays text_match."""
    _make(fresh_client)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        table = conn.execute("SELECT d.schema_name, c.table_name FROM pgmilvus_catalog.collections c "
                             "JOIN pgmilvus_catalog.databases d ON d.name = c.db_name WHERE c.name = %s",
                             (NAME,)).fetchone()
        conn.execute(sql.SQL("ALTER TABLE {} DROP COLUMN {}").format(sql.Identifier(*table),
                                                                    sql.Identifier("$match$text")))
    invalidate_cache()  # what a catalog change notification does
    expr = 'text_match_fuzzy(text, "alergy", max_edit_distance=1)'
    with pytest.raises(MilvusException) as info:
        fresh_client.query(NAME, filter=expr)
    assert info.value.code == 3000
    assert ("text_match_fuzzy on field text is not supported by pgmilvus: the collection does not store the "
            "field's tokens (it was made before pgmilvus stored a text_match field's tokens, or pgmilvus cannot "
            "run its analyzer)") in info.value.message
    with pytest.raises(MilvusException) as info:  # Milvus's own checks come first
        fresh_client.query(NAME, filter='text_match_fuzzy(text, "a", max_edit_distance=5)')
    assert info.value.code == 1100 and "max_edit_distance should be in [0, 2], got 5" in info.value.message
    assert _ids(fresh_client, 'text_match_fuzzy(zh, "网珠", max_edit_distance=1)') == [5]  # zh keeps its tokens
    fresh_client.compact(NAME)  # adds the column back and tokenizes every row
    assert _ids(fresh_client, expr) == [0]


@pytest.fixture(scope="module")
def conn(module_db: str) -> Iterator[psycopg.Connection]:
    with open_client("sync", module_db):  # installs the catalog
        pass
    with psycopg.connect(module_db, autocommit=True) as connection:
        yield connection


@pytest.mark.parametrize("a,b,n,expected", [
    ("the", "the", 0, True),
    ("the", "teh", 1, True),        # one swap
    ("the", "teh", 0, False),
    ("abcd", "badc", 2, True),      # two swaps
    ("abcd", "badc", 1, False),
    ("ca", "abc", 2, False),        # optimal string alignment: 3 (Damerau-Levenshtein: 2)
    ("ca", "abc", 3, True),
    ("kitten", "sitting", 2, False),
    ("kitten", "sittin", 2, True),
    ("a", "", 1, True),
    ("", "ab", 1, False),
    ("café", "cafe", 1, True),      # characters, not bytes
    ("😀a", "a😀", 1, True),
    ("网球", "球网", 1, True),
    ("网球", "网", 1, True),
    ("abcdef", "abcxyz", 2, False), # the rows' minimum passes 2: the early exit
    ("xbcdefgh", "abcdefgy", 2, True),
])
def test_within_edits(conn, a, b, n, expected):
    assert conn.execute("SELECT pgmilvus_catalog.within_edits(%s, %s, %s)", (a, b, n)).fetchone()[0] is expected


def _osa(a: str, b: str) -> int:
    """The optimal string alignment distance, the textbook table (the reference the catalog's
    banded, early-exiting within_edits is checked against)."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def test_within_edits_agrees_with_the_table(conn):
    """3,000 random pairs over a small alphabet (many near misses, swaps, repeats), n = 0..2."""
    rng = random.Random(7)
    pairs = [("".join(rng.choice("abcé网") for _ in range(rng.randint(0, 7))),
              "".join(rng.choice("abcé网") for _ in range(rng.randint(0, 7))), rng.randint(0, 2))
             for _ in range(3000)]
    got = conn.execute("SELECT array_agg(pgmilvus_catalog.within_edits(a, b, n) ORDER BY k) "
                       "FROM unnest(%s::text[], %s::text[], %s::int[]) WITH ORDINALITY AS p(a, b, n, k)",
                       ([a for a, _, _ in pairs], [b for _, b, _ in pairs], [n for _, _, n in pairs])).fetchone()[0]
    assert [(a, b, n) for (a, b, n), ok in zip(pairs, got) if ok != (_osa(a, b) <= n)] == []
    assert sum(got) > 300  # near pairs are common enough to test both answers


@pytest.mark.parametrize("tokens,query,n,expected", [
    (["allergy", "season"], ["alergy"], 1, True),
    (["allergic", "reaction"], ["alergy"], 2, False),
    (["allergic", "reaction"], ["alergy", "reactoin"], 1, True),
    ([], ["a"], 2, False),
    (["a"], [], 2, False),
])
def test_text_match_fuzzy_function(conn, tokens, query, n, expected):
    row = conn.execute("SELECT pgmilvus_catalog.text_match_fuzzy(%s::jsonb, %s::text[], %s)",
                       (psycopg.types.json.Jsonb(tokens), query, n)).fetchone()
    assert row[0] is expected
