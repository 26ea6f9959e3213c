"""text_match / phrase_match on the tokens pgmilvus stores for every ``enable_match`` field.

Milvus builds a tantivy index of such a field with the field's analyzer; pgmilvus runs the same
analyzer at write time and keeps each row's tokens and positions in a hidden column
(``"$match$<field>"``, GIN-indexed), so a filter matches exactly the rows Milvus matches: the
analyzer's tokenization (no Postgres parser), stemming, jieba, ``minimum_should_match``, and
phrases with ``slop`` (tantivy's PhraseQuery, sql/catalog/015_phrase_match.sql).
"""

from __future__ import annotations

from typing import Iterator

import psycopg
import pytest
from psycopg import sql

from pgmilvus import DataType, MilvusException
from pgmilvus.catalog.store import invalidate_cache

from .fix_client import open_client

DOCS = [
    "a b",                          # 0
    "b a",                          # 1
    "a x b",                        # 2
    "a x y b",                      # 3
    "e-mail bob@example.com",       # 4: Postgres's parser keeps the address whole
    "pi is 3.14",                   # 5
    "a b c",                        # 6
    "c x a y b",                    # 7
]
ZH = ["网球和滑雪", "网球以及滑雪", "x", "x", "x", "x", "x", "x"]
EN = ["The dogs are running home", "a cat sleeps", "x", "x", "x", "x", "x", "x"]
IC = ["Don't stop, 3.14!", "stop don't", "中文分词测试", "東京スカイツリーの駅", "a.b@example.com", "x", "x", "x"]


def _make(client, name: str = "tm") -> None:
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("t", DataType.VARCHAR, max_length=500, enable_analyzer=True, enable_match=True,
                     nullable=True)
    schema.add_field("zh", DataType.VARCHAR, max_length=500, enable_analyzer=True, enable_match=True,
                     analyzer_params={"tokenizer": "jieba"})
    schema.add_field("en", DataType.VARCHAR, max_length=500, enable_analyzer=True, enable_match=True,
                     analyzer_params={"type": "english"})
    schema.add_field("ic", DataType.VARCHAR, max_length=500, enable_analyzer=True, enable_match=True,
                     analyzer_params={"tokenizer": "icu"}, nullable=True)
    client.create_collection(name, schema=schema)
    client.insert(name, [{"id": i, "v": [0.0, 1.0], "t": t, "zh": z, "en": e, "ic": c}
                         for i, (t, z, e, c) in enumerate(zip(DOCS, ZH, EN, IC))])


def _ids(client, expr: str, name: str = "tm") -> list[int]:
    return sorted(r["id"] for r in client.query(name, filter=expr, output_fields=["id"]))


CASES = [
    # the field's analyzer, not Postgres's parser: "bob@example.com" is three tokens, "3.14" two
    ('text_match(t, "example")', [4]),
    ('text_match(t, "14")', [5]),
    ('text_match(t, "mail")', [4]),
    ('text_match(t, "A, Y!")', [0, 1, 2, 3, 6, 7]),
    ('text_match(t, "...")', []),
    # a repeated query token is one clause per occurrence, as tantivy's BooleanQuery has it
    ('text_match(t, "a b c", minimum_should_match=3)', [6, 7]),
    ('text_match(t, "x y c", minimum_should_match=2)', [3, 7]),
    ('text_match(t, "a a", minimum_should_match=2)', [0, 1, 2, 3, 6, 7]),
    ('text_match(t, "a b", minimum_should_match=3)', []),
    ('not text_match(t, "a")', [4, 5]),
    # the english analyzer stems both sides, and drops its stop words
    ('text_match(en, "run")', [0]),
    ('text_match(en, "dog")', [0]),
    ('text_match(en, "sleeping cats")', [1]),
    ('text_match(en, "the")', []),
    # jieba
    ('text_match(zh, "滑雪")', [0, 1]),
    # phrases: in order and adjacent; slop lets the terms move apart, and out of order
    ('phrase_match(t, "a b")', [0, 6]),
    ('phrase_match(t, "a b", 0)', [0, 6]),
    ('phrase_match(t, "a b", 1)', [0, 2, 6, 7]),
    ('phrase_match(t, "a b", 2)', [0, 1, 2, 3, 6, 7]),
    ('phrase_match(t, "b a", 2)', [0, 1, 6]),
    ('phrase_match(t, "a b c")', [6]),
    ('phrase_match(t, "c a b", 2)', [7]),  # in "a b c", c is 3 from where the phrase puts it
    ('phrase_match(t, "a")', [0, 1, 2, 3, 6, 7]),
    ('phrase_match(t, "A-B")', [0, 6]),
    ('phrase_match(t, "example com")', [4]),
    ('phrase_match(t, "com example")', []),
    # Milvus's own case (tantivy-binding index_reader_text.rs): jieba positions are characters
    ('phrase_match(zh, "网球滑雪", 1)', [0]),
    ('phrase_match(zh, "网球滑雪", 2)', [0, 1]),
    ('phrase_match(zh, "网球滑雪")', []),
    # a stop word keeps its position: "are" leaves a gap between "dog" and "run"
    ('phrase_match(en, "dogs running")', []),
    ('phrase_match(en, "dogs are running")', [0]),
    ('phrase_match(en, "dogs running", 1)', [0]),
    # icu: UAX #29 segments, spaces and punctuation included, case kept; positions count characters
    ('text_match(ic, "don\'t")', [1]),
    ('text_match(ic, "3.14")', [0]),
    ('text_match(ic, "example.com")', [4]),
    ('text_match(ic, "example")', []),
    ('text_match(ic, ", ")', [0, 1]),  # "," or " "
    ('text_match(ic, "!")', [0]),
    ('text_match(ic, "分词")', [2]),
    ('text_match(ic, "スカイツリー")', [3]),
    ('phrase_match(ic, "stop, 3.14")', [0]),
    ('phrase_match(ic, "stop 3.14")', []),
    ('phrase_match(ic, "stop  don\'t")', []),  # "  " is a token of its own, not " "
    ('phrase_match(ic, "中文测试")', []),
    ('phrase_match(ic, "中文测试", 2)', [2]),  # 分词 holds two positions
    ('phrase_match(ic, "中文测试", 1)', []),
]


@pytest.mark.parametrize("expr,expected", CASES, ids=[c[0] for c in CASES])
def test_matches(matched_client, expr, expected):
    assert _ids(matched_client, expr) == expected


@pytest.fixture(scope="module", params=["sync", "async"])
def matched_client(request: pytest.FixtureRequest, module_db: str) -> Iterator:
    """The table of cases' collection, made once, read by both faces."""
    client = open_client(request.param, module_db)
    if not client.has_collection("tm"):
        _make(client)
    yield client
    client.close()


def test_slop_errors(fresh_client):
    _make(fresh_client)
    for expr, text in [('phrase_match(t, "a b", -1)', '"slop" should not be a negative interger. "slop" passed: -1'),
                       ('phrase_match(t, "a b", 4294967296)',
                        '"slop" exceeds the range of "uint32". "slop" expression passed: 4294967296'),
                       ('phrase_match(t, "a b", 1.5)',
                        '"slop" should be a const integer expression with "uint32" value')]:
        with pytest.raises(MilvusException) as info:
            fresh_client.query("tm", filter=expr)
        assert info.value.code == 1100 and text in info.value.message, expr
    assert _ids(fresh_client, 'phrase_match(t, "a b", 4294967295)') == [0, 1, 2, 3, 6, 7]


def test_writes_keep_tokens(fresh_client):
    """upsert, partial update, NULL and default values, delete: the stored tokens follow the text."""
    _make(fresh_client)
    fresh_client.upsert("tm", [{"id": 0, "v": [0.0, 1.0], "t": "zeta", "zh": "x", "en": "x"}])
    assert _ids(fresh_client, 'text_match(t, "zeta")') == [0]
    assert _ids(fresh_client, 'phrase_match(t, "a b")') == [6]
    fresh_client.upsert("tm", [{"id": 6, "t": "eta theta"}], partial_update=True)
    assert _ids(fresh_client, 'phrase_match(t, "eta theta")') == [6]
    fresh_client.upsert("tm", [{"id": 6, "en": "cats"}], partial_update=True)  # t is left as it is
    assert _ids(fresh_client, 'text_match(t, "theta")') == [6]
    fresh_client.upsert("tm", [{"id": 7, "t": None}], partial_update=True)
    assert _ids(fresh_client, 'text_match(t, "c")') == []
    assert 7 not in _ids(fresh_client, 'not text_match(t, "c")')  # a NULL text matches neither way
    fresh_client.delete("tm", ids=[6])
    assert _ids(fresh_client, 'text_match(t, "theta")') == []
    fresh_client.upsert("tm", [{"id": 1, "zh": 'a"b\\c'}], partial_update=True)  # jieba keeps " and \
    for query in ('q"', "q\\\\", 'q"\\\\', "b"):
        assert _ids(fresh_client, f"text_match(zh, '{query}')") == [1], query


def test_added_and_dropped_field(fresh_client):
    """add_collection_field with enable_match: the rows stored before hold its default's tokens."""
    _make(fresh_client)
    fresh_client.add_collection_field("tm", "extra", DataType.VARCHAR, max_length=100, nullable=True,
                                      enable_analyzer=True, enable_match=True, default_value="green tea")
    assert _ids(fresh_client, 'phrase_match(extra, "green tea")') == list(range(8))
    fresh_client.insert("tm", [{"id": 9, "v": [0.0, 1.0], "t": "a", "zh": "x", "en": "x", "extra": "tea green"}])
    assert _ids(fresh_client, 'phrase_match(extra, "green tea")') == list(range(8))
    assert _ids(fresh_client, 'phrase_match(extra, "green tea", 2)') == list(range(8)) + [9]
    if hasattr(fresh_client, "drop_collection_field"):
        fresh_client.drop_collection_field("tm", "extra")
        assert _ids(fresh_client, 'text_match(t, "b")') == [0, 1, 2, 3, 6, 7]


def test_collection_made_before_tokens_were_stored(fresh_client, fresh_db):
    """A collection without the column (made by an older pgmilvus) keeps Postgres's parser: no
    phrase slop, and jieba and icu fields are refused, with a message saying why."""
    _make(fresh_client)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        table = conn.execute("SELECT d.schema_name, c.table_name FROM pgmilvus_catalog.collections c "
                             "JOIN pgmilvus_catalog.databases d ON d.name = c.db_name WHERE c.name = 'tm'").fetchone()
        for column in ("$match$t", "$match$zh", "$match$ic"):
            conn.execute(sql.SQL("ALTER TABLE {} DROP COLUMN {}").format(sql.Identifier(*table), sql.Identifier(column)))
    invalidate_cache()  # what a catalog change notification does
    client = fresh_client
    assert _ids(client, 'text_match(t, "a")') == [0, 1, 2, 3, 6, 7]
    assert _ids(client, 'text_match(en, "run")') == [0]  # en still stores its tokens
    with pytest.raises(MilvusException) as info:
        client.query("tm", filter='phrase_match(t, "a b", 1)')
    assert "made before pgmilvus stored a text_match field's tokens" in info.value.message
    with pytest.raises(MilvusException) as info:
        client.query("tm", filter='text_match(zh, "滑雪")')
    assert info.value.code == 3000
    with pytest.raises(MilvusException) as info:
        client.query("tm", filter='phrase_match(ic, "中文测试", 2)')
    assert info.value.code == 3000 and "field ic, analyzed by icu" in info.value.message
    client.compact("tm")  # adds the columns back and tokenizes every row
    assert _ids(client, 'phrase_match(t, "a b", 1)') == [0, 2, 6, 7]
    assert _ids(client, 'text_match(zh, "滑雪")') == [0, 1]
    assert _ids(client, 'phrase_match(ic, "中文测试", 2)') == [2]


def test_rows_written_by_plain_sql_get_their_tokens_from_compact(fresh_client, fresh_db):
    _make(fresh_client)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("""INSERT INTO "default".tm (id, v, t, zh, en) VALUES (50, '[0, 1]', 'plain sql text', 'x', 'x')""")
    assert _ids(fresh_client, 'text_match(t, "plain")') == []  # no tokens stored for it yet
    fresh_client.compact("tm")
    assert _ids(fresh_client, 'phrase_match(t, "plain sql")') == [50]
    assert _ids(fresh_client, 'text_match(t, "a")') == [0, 1, 2, 3, 6, 7]  # the others as they were


SPAN_DOCS = ["b d a d b", "a c b d", "d c b a", "a x x b c", "c b a"]


@pytest.mark.parametrize("phrase,slop,expected", [
    ("b a d", 1, [0]),        # b _ a d: one extra gap in all
    ("a b c", 1, []),
    ("a b c", 2, [1, 3]),     # a c b: the terms may change places within the slop
    ("a b c", 4, [1, 2, 3, 4]),
    ("c b a", 0, [2, 4]),
    ("a b", 3, [0, 1, 2, 3, 4]),
    ("d b", 1, [0, 2]),
    ("b d", 1, [0, 1]),
])
def test_phrase_slop_spans(fresh_client, phrase, slop, expected):
    """Phrases of three terms: the span of the terms' places (each moved by its offset in the phrase)
    may grow to ``slop``, widened term by term as tantivy's phrase scorer (Milvus's fork) does."""
    schema = fresh_client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("t", DataType.VARCHAR, max_length=100, enable_analyzer=True, enable_match=True)
    fresh_client.create_collection("spans", schema=schema)
    fresh_client.insert("spans", [{"id": i, "v": [1.0, 0.0], "t": d} for i, d in enumerate(SPAN_DOCS)])
    assert _ids(fresh_client, f'phrase_match(t, "{phrase}", {slop})', "spans") == expected
