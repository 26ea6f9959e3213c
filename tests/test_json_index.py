"""JSON path indexes: several per JSON field, one GIN index serving them, Milvus's checks."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from pgmilvus import DataType, MilvusClient
from pgmilvus.catalog import collections
from pgmilvus.catalog import json_index
from pgmilvus.errors import MilvusException
from pgmilvus.filters import plan_sql


def _create(client: MilvusClient, docs: list[dict]) -> None:
    """Collection ``c``: id, a 2-d vector and the JSON field ``metadata`` holding ``docs``."""
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("metadata", DataType.JSON)
    client.create_collection("c", schema=schema)
    client.insert("c", [{"id": i, "v": [0.1, 0.2], "metadata": doc} for i, doc in enumerate(docs)])


def _coll(client: MilvusClient) -> None:
    _create(client, [{"category": f"c{i % 5}", "price": i, "supplier": {"name": f"s{i % 3}"}}
                     for i in range(200)])


def _path_index(client: MilvusClient, name: str, path: str, cast: str, **extra: Any) -> None:
    index = client.prepare_index_params()
    index.add_index("metadata", index_type=extra.pop("index_type", "INVERTED"), index_name=name,
                    params={"json_path": path, "json_cast_type": cast, **extra})
    client.create_index("c", index)


def _gin_indexes(client: MilvusClient) -> list[str]:
    with psycopg.connect(client._db.conninfo, autocommit=True) as conn:
        return [r[0] for r in conn.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'default' AND tablename = 'c' "
            "AND indexdef LIKE '%USING gin%'")]


def test_several_paths_of_one_field_share_one_gin_index(client: MilvusClient) -> None:
    _coll(client)
    _path_index(client, "cat_idx", 'metadata["category"]', "VARCHAR")
    _path_index(client, "price_idx", 'metadata["price"]', "DOUBLE")
    _path_index(client, "supplier_idx", 'metadata["supplier"]["name"]', "varchar")
    assert client.list_indexes("c") == ["cat_idx", "price_idx", "supplier_idx"]
    assert client.list_indexes("c", field_name="metadata") == ["cat_idx", "price_idx", "supplier_idx"]
    described = client.describe_index("c", "price_idx")
    assert {k: described[k] for k in ("json_path", "json_cast_type", "index_type", "field_name")} == {
        "json_path": 'metadata["price"]', "json_cast_type": "DOUBLE", "index_type": "INVERTED",
        "field_name": "metadata"}
    assert len(_gin_indexes(client)) == 1
    rows = client.query("c", filter='metadata["category"] == "c1" and metadata["price"] > 180',
                        output_fields=["id"])
    assert [r["id"] for r in rows] == [181, 186, 191, 196]
    # the last of the sharing indexes takes the GIN index with it
    client.drop_index("c", "cat_idx")
    client.drop_index("c", "price_idx")
    assert len(_gin_indexes(client)) == 1
    client.drop_index("c", "supplier_idx")
    assert _gin_indexes(client) == []
    assert client.list_indexes("c") == []


def test_the_gin_index_serves_equality_on_an_indexed_path(client: MilvusClient) -> None:
    _coll(client)
    _path_index(client, "cat_idx", 'metadata["category"]', "VARCHAR")
    with client._db.connection() as conn:
        info = collections.require(conn, "default", "c")
    where = plan_sql('metadata["category"] == "c1"', info.schema, {}, "query")
    with psycopg.connect(client._db.conninfo, autocommit=True) as conn:
        conn.execute("SET enable_seqscan = off")
        plan = "\n".join(r[0] for r in conn.execute(f'EXPLAIN SELECT id FROM "default"."c" WHERE {where}'))
    # the partitions' copies of the GIN index (Postgres names them after the column)
    assert "Index Cond: (metadata @> '{\"category\": \"c1\"}'::jsonb)" in plan, plan


@pytest.mark.parametrize("index_type,path,cast,extra,message", [
    ("HNSW", 'metadata["a"]', "DOUBLE", {}, "index HNSW only supports vector data type: invalid parameter; field metadata is scalar"),
    ("TRIE", 'metadata["a"]', "VARCHAR", {}, "TRIE are only supported on varchar field (metadata is JSON)"),
    ("INVERTED", 'metadata["a"]', "INT64", {}, "json_cast_type 'INT64' of the index on JSON field metadata"),
    ("INVERTED", 'metadata["a"]', None, {}, "json index must specify cast type: missing parameter"
     "[missing_param=json_cast_type]: invalid parameter[expected=valid index params][actual=invalid index "
     "params]: set params json_cast_type for the index on metadata to one of BOOL, DOUBLE"),
    ("INVERTED", 'meta["a"]', "VARCHAR", {}, "must start with the field name"),
    ("INVERTED", 'metadata.a', "VARCHAR", {}, "cannot parse identifier: metadata.a, error: token recognition error at: '.'"),
    ("INVERTED", 'metadata["a"', "VARCHAR", {}, "cannot parse identifier: metadata[\"a\""),
    ("INVERTED", "/", "VARCHAR", {}, "cannot parse identifier: /, error: mismatched input '/'"),  # Milvus's parser texts
    ("INVERTED", 1, "VARCHAR", {}, "cannot parse identifier: 1: invalid parameter; write 'metadata["),
    ("INVERTED", 'metadata["a"]', "VARCHAR", {"json_cast_function": "STRING_TO_DOUBLE"},
     "json_cast_function 'STRING_TO_DOUBLE' does not apply to json_cast_type VARCHAR"),
])
def test_bad_json_path_indexes_are_refused(client: MilvusClient, index_type: str, path: str, cast: Any,
                                           extra: dict, message: str) -> None:
    _coll(client)
    params = {"json_path": path, **extra}
    if cast is not None:
        params["json_cast_type"] = cast
    index = client.prepare_index_params()
    index.add_index("metadata", index_type=index_type, index_name="bad", params=params)
    with pytest.raises(MilvusException) as info:
        client.create_index("c", index)
    assert info.value.code == 1100 and message in info.value.message, info.value.message
    assert client.list_indexes("c") == [] and _gin_indexes(client) == []


def test_one_index_per_json_path(client: MilvusClient) -> None:
    _coll(client)
    _path_index(client, "cat_idx", 'metadata["category"]', "VARCHAR")
    _path_index(client, "cat_idx", 'metadata["category"]', "VARCHAR")  # the same index again: no-op
    with pytest.raises(MilvusException) as info:
        _path_index(client, "cat_idx2", 'metadata["category"]', "VARCHAR")
    assert "already has index cat_idx on path" in info.value.message
    _path_index(client, "cast_fn", 'metadata["price"]', "DOUBLE", json_cast_function="STRING_TO_DOUBLE",
                index_type="AUTOINDEX")
    assert client.list_indexes("c") == ["cat_idx", "cast_fn"]



def test_single_quoted_json_paths_are_the_same_path(client: MilvusClient) -> None:
    """Milvus accepts both quote styles in json_path (e2e cause #4: 94 tests use my_json['a']['b'])."""
    _coll(client)
    _path_index(client, "sup_idx", "metadata['supplier']['name']", "VARCHAR")
    _path_index(client, "price_idx", "metadata[\"price\"]", "DOUBLE")
    with pytest.raises(MilvusException) as info:  # the same path, other quotes: one index per path
        _path_index(client, "sup_idx2", 'metadata["supplier"][\'name\']', "VARCHAR")
    assert "already has index sup_idx on path" in info.value.message
    described = client.describe_index("c", "sup_idx")
    assert described["json_path"] == "metadata['supplier']['name']"
    rows = client.query("c", filter="metadata['supplier']['name'] >= 's2' and metadata['price'] < 9",
                        output_fields=["id"])
    assert sorted(r["id"] for r in rows) == [2, 5, 8]


@pytest.mark.parametrize("path,keys", [
    ("metadata['a']['b']", ("a", "b")), ('metadata["a"][\'b\'][0]', ("a", "b", 0)),
    ("metadata['it\\'s']", ("it's",)), ('metadata["q\\"x"]', ('q"x',)), ("metadata", ()),
    ("metadata['a'] ", ("a",)),
])
def test_parse_path_reads_both_quote_styles(path: str, keys: tuple) -> None:
    field = MilvusClient.create_schema().add_field("metadata", DataType.JSON).fields[0]
    assert json_index.parse_path(field, path) == keys


@pytest.mark.parametrize("path, message", [
    ("metadata['a'", "cannot parse identifier: metadata['a', error: invalid expression: metadata['a'"),
    ("metadata[a]", "cannot parse identifier: metadata[a], error: json key must be enclosed in double quotes"),
    ("metadatax['a']", "json_path \"metadatax['a']\" of the index on JSON field metadata must start with the field"),
    ("metadata['']", "cannot parse identifier: metadata[''], error: invalid identifier: empty JSON key"),
    ("metadata[-1]", "cannot parse identifier: metadata[-1], error: invalid expression: metadata[-1]"),
])
def test_parse_path_refuses_what_is_not_a_path(path: str, message: str) -> None:
    field = MilvusClient.create_schema().add_field("metadata", DataType.JSON).fields[0]
    with pytest.raises(MilvusException) as info:
        json_index.parse_path(field, path)
    assert info.value.message.startswith(message), info.value.message

TRICKY = [
    {"price": 3}, {"price": 5.5}, {"price": 9}, {"price": "7"}, {"price": None}, {}, {"price": True},
    {"price": {"x": 1}}, {"price": [6, 7]}, {"price": 10 ** 30}, {"price": -2.25}, {"price": 1e-300},
    {"name": "a"}, {"name": "b"}, {"name": "B"}, {"name": "é"}, {"name": "zz"}, {"name": 5},
    {"name": ""}, {"name": "bx"}, {"a": [0, 5]}, {"a": [2]}, {"a": "s"},
]
RANGE_FILTERS = [
    'metadata["price"] > 5', 'metadata["price"] <= 5', 'not (metadata["price"] > 5)',
    '1 < metadata["price"] < 9', '-3 <= metadata["price"] <= 3.5', 'metadata["price"] >= 1e20',
    'metadata["price"] < 0.5 or metadata["name"] > "b"', 'metadata["name"] > "b"',
    'not (metadata["name"] >= "b")', 'metadata["name"] < "é"', '"a" <= metadata["name"] < "c"',
    'metadata["a"][0] > 1', 'not (metadata["a"][0] <= 1)', 'metadata["price"] > "5"',
]


@pytest.fixture
def tricky(client: MilvusClient) -> MilvusClient:
    _create(client, TRICKY)
    return client


def _ids(client: MilvusClient, expr: str) -> list[int]:
    return [r["id"] for r in client.query("c", filter=expr, output_fields=["id"])]


def test_range_filters_give_the_same_rows_with_and_without_btree_path_indexes(tricky: MilvusClient) -> None:
    before = {expr: _ids(tricky, expr) for expr in RANGE_FILTERS}
    _path_index(tricky, "price", 'metadata["price"]', "DOUBLE")
    _path_index(tricky, "name", 'metadata["name"]', "VARCHAR")
    _path_index(tricky, "a0", 'metadata["a"][0]', "DOUBLE")
    after = {expr: _ids(tricky, expr) for expr in RANGE_FILTERS}
    assert after == before
    assert before['metadata["price"] > 5'] == [1, 2, 9]
    assert before['metadata["name"] > "b"'] == [15, 16, 19]  # "é", "zz", "bx": code point order
    # search and delete compile the same way
    hits = tricky.search("c", [[0.1, 0.2]], limit=30, filter='metadata["price"] > 5')[0]
    assert sorted(hits.ids) == [1, 2, 9]
    assert tricky.delete("c", filter='metadata["price"] > 5')["delete_count"] == 3


@pytest.mark.parametrize("cast,path,expr,index", [
    ("DOUBLE", 'metadata["price"]', 'metadata["price"] > 5', "price"),
    ("DOUBLE", 'metadata["price"]', '1 < metadata["price"] < 9', "price"),
    ("VARCHAR", 'metadata["name"]', 'metadata["name"] >= "b"', "name"),
    ("DOUBLE", 'metadata["a"][0]', 'metadata["a"][0] > 1', "a0"),
])
def test_a_btree_path_index_serves_range_filters(tricky: MilvusClient, cast: str, path: str, expr: str,
                                                 index: str) -> None:
    _path_index(tricky, index, path, cast)
    with tricky._db.connection() as conn:
        info = collections.require(conn, "default", "c")
    where = plan_sql(expr, info.schema, {}, "query", json_index.indexed_paths(info))
    with psycopg.connect(tricky._db.conninfo, autocommit=True) as conn:
        conn.execute("SET enable_seqscan = off")
        conn.execute("SET enable_bitmapscan = off")
        plan = "\n".join(r[0] for r in conn.execute(f'EXPLAIN SELECT id FROM "default"."c" WHERE {where}'))
    # the partitions' copies of the B-tree, named by Postgres after the function
    assert "Index Scan using" in plan and "_json_" in plan, plan
    assert "Index Cond:" in plan and "CASE WHEN (jsonb_typeof" in plan, plan
    tricky.drop_index("c", index)
    with psycopg.connect(tricky._db.conninfo, autocommit=True) as conn:
        left = conn.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'c'").fetchone()[0]
    assert left == 1  # the primary key only


PATHS = frozenset({("metadata", ("price",), "DOUBLE"), ("metadata", ("name",), "VARCHAR"),
                   ("metadata", ("a", 0), "DOUBLE"), ("metadata", ("body",), "NGRAM")})
SQL_CASES = [
    ('metadata["price"] > 5',
     '''("metadata" @? 'strict $ ? (@."price" > 5)' AND pgmilvus_catalog.json_number("metadata" -> 'price') > 5)'''),
    ('1 < metadata["price"] <= 9.5',
     '''("metadata" @? 'strict $ ? (@."price" > 1 && @."price" <= 9.5)' AND '''
     '''pgmilvus_catalog.json_number("metadata" -> 'price') > 1 AND '''
     '''pgmilvus_catalog.json_number("metadata" -> 'price') <= 9.5)'''),
    ('metadata["name"] < "b"',
     '''("metadata" @? 'strict $ ? (@."name" < "b")' AND '''
     '''pgmilvus_catalog.json_text("metadata" -> 'name') COLLATE "C" < 'b')'''),
    ('metadata["a"][0] >= 2',
     '''("metadata" @? 'strict $ ? (@."a"[0] >= 2)' AND pgmilvus_catalog.json_number("metadata" -> 'a' -> 0) >= 2)'''),
    ('metadata["body"] like "%a_c%"',
     '''("metadata" @? 'strict $ ? (@."body" like_regex "^.*a.c.*$" flag "s")' AND '''
     r'''pgmilvus_catalog.json_text("metadata" -> 'body') LIKE '%a_c%' ESCAPE '\')'''),
    # not indexed that way: the jsonpath test alone
    ('metadata["price"] > "5"', '''"metadata" @? 'strict $ ? (@."price" > "5")\''''),
    ('metadata["name"] > 5', '''"metadata" @? 'strict $ ? (@."name" > 5)\''''),
    ('metadata["other"] > 5', '''"metadata" @? 'strict $ ? (@."other" > 5)\''''),
    ('metadata["price"] == 5', '''"metadata" @> CAST('{"price": 5}' AS JSONB)'''),
]


@pytest.mark.parametrize("expr,expected", SQL_CASES)
def test_range_filters_on_indexed_paths_compile_with_the_indexed_expression(expr: str, expected: str) -> None:
    schema = MilvusClient.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("metadata", DataType.JSON)
    assert plan_sql(expr, schema, {}, "query", PATHS) == expected


# -- NGRAM path indexes: a trigram GIN index on the path's text, which ``like`` uses ------------------
LIKE_DOCS = [{"body": b} for b in ("This is a stadium", "北京大学 building", "café☕北京🏙️", "a_b%c", "a\\b",
                                   "line\nbreak", "", "STADIUM", "stad", "ab")] + [
    {"body": 5}, {"body": None}, {"body": ["stadium"]}, {"body": {"x": "stadium"}}, {}, {"other": "stadium"}]
LIKE_FILTERS = [
    'metadata["body"] like "%stadium%"', 'metadata["body"] like "stad%"', 'metadata["body"] like "%ium"',
    'metadata["body"] like "%st_d_um%"', 'metadata["body"] like "%北京%"', 'metadata["body"] like "%☕%"',
    r'metadata["body"] like "a\\_b\\%c"', r'metadata["body"] like "a\\\\b"', 'metadata["body"] like "line_break"',
    'metadata["body"] like "%"', 'metadata["body"] like ""', 'metadata["body"] like "_b"',
    'not (metadata["body"] like "%stad%")', 'metadata["body"] like "%stad%" or metadata["body"] like "ab"',
    'metadata["other"] like "%stadium%"',
]


def _ngram(client: MilvusClient, path: str = 'metadata["body"]', name: str = "body_ngram") -> None:
    _path_index(client, name, path, "varchar", index_type="NGRAM", min_gram=2, max_gram=3)


def test_like_filters_give_the_same_rows_with_and_without_an_ngram_path_index(client: MilvusClient) -> None:
    _create(client, LIKE_DOCS)
    before = {expr: _ids(client, expr) for expr in LIKE_FILTERS}
    _ngram(client)
    assert {expr: _ids(client, expr) for expr in LIKE_FILTERS} == before
    assert before['metadata["body"] like "%stadium%"'] == [0]
    assert before['metadata["body"] like "%北京%"'] == [1, 2]
    assert before['not (metadata["body"] like "%stad%")'] == [1, 2, 3, 4, 5, 6, 7, 9]  # strings only
    hits = client.search("c", [[0.1, 0.2]], limit=30, filter='metadata["body"] like "%北京%"')[0]
    assert sorted(hits.ids) == [1, 2]


def test_an_ngram_path_index_serves_like_filters(client: MilvusClient) -> None:
    _create(client, [{"body": f"doc {i} about {('stadium', 'park', 'school')[i % 3]}"} for i in range(300)])
    _ngram(client)
    with client._db.connection() as conn:
        info = collections.require(conn, "default", "c")
    assert ("metadata", ("body",), "NGRAM") in json_index.indexed_paths(info)
    where = plan_sql('metadata["body"] like "%stadium%"', info.schema, {}, "query", json_index.indexed_paths(info))
    with psycopg.connect(client._db.conninfo, autocommit=True) as conn:
        conn.execute("SET enable_seqscan = off")
        plan = "\n".join(r[0] for r in conn.execute(f'EXPLAIN SELECT id FROM "default"."c" WHERE {where}'))
        assert "Bitmap Index Scan" in plan and "~~ '%stadium%'" in plan, plan
        trigram = conn.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'c' AND indexdef LIKE "
                               "'%gin_trgm_ops%'").fetchone()[0]
    assert trigram == 1
    assert len(_ids(client, 'metadata["body"] like "%stadium%"')) == 100
    client.drop_index("c", "body_ngram")
    with psycopg.connect(client._db.conninfo, autocommit=True) as conn:
        left = conn.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'c'").fetchone()[0]
    assert left == 1  # the primary key only


def test_an_ngram_varchar_index_is_a_trigram_index(client: MilvusClient) -> None:
    """NGRAM on a VARCHAR: pg_trgm's GIN index, which serves infix and suffix ``like`` patterns."""
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("s", DataType.VARCHAR, max_length=64)
    client.create_collection("c", schema=schema)
    client.insert("c", [{"id": i, "v": [0.1, 0.2], "s": f"doc {i} {('stadium', 'park')[i % 2]}"} for i in range(50)])
    index = client.prepare_index_params()
    index.add_index("s", index_type="NGRAM", index_name="s_ngram", params={"min_gram": 2, "max_gram": 4})
    client.create_index("c", index)
    with psycopg.connect(client._db.conninfo, autocommit=True) as conn:
        defs = [r[0] for r in conn.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'c' AND "
                                           "indexdef LIKE '%gin_trgm_ops%'")]
        conn.execute("SET enable_seqscan = off")
        plan = "\n".join(r[0] for r in conn.execute(
            """EXPLAIN SELECT id FROM "default"."c" WHERE s LIKE '%tadi%'"""))
    assert len(defs) == 1 and "USING gin (s " in defs[0], defs
    assert "Bitmap Index Scan" in plan, plan
    assert len(client.query("c", filter='s like "%tadi%"', output_fields=["id"])) == 25


# -- keys of the dynamic field ($meta) ---------------------------------------------------------------
def _dynamic(client: MilvusClient, docs: list[dict]) -> None:
    """Collection ``c``: id, a 2-d vector, the dynamic field holding ``docs``' keys."""
    schema = client.create_schema(enable_dynamic_field=True)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    client.create_collection("c", schema=schema)
    client.insert("c", [{"id": i, "v": [0.1, 0.2], **doc} for i, doc in enumerate(docs)])


def _dynamic_index(client: MilvusClient, field: str, name: str, path: str, cast: str, index_type: str = "INVERTED"
                   ) -> None:
    index = client.prepare_index_params()
    index.add_index(field, index_type=index_type, index_name=name,
                    params={"json_path": path, "json_cast_type": cast})
    client.create_index("c", index)


def _explain(client: MilvusClient, expr: str) -> str:
    with client._db.connection() as conn:
        info = collections.require(conn, "default", "c")
    where = plan_sql(expr, info.schema, {}, "query", json_index.indexed_paths(info))
    with psycopg.connect(client._db.conninfo, autocommit=True) as conn:
        conn.execute("SET enable_seqscan = off")
        conn.execute("SET enable_bitmapscan = off")
        return "\n".join(r[0] for r in conn.execute(f'EXPLAIN SELECT id FROM "default"."c" WHERE {where}'))


DYNAMIC_DOCS = [{"my_json": {"a": {"b": i}}, "price": i % 50, "name": f"n{i % 7}"} for i in range(300)] + [
    {"my_json": 5}, {"my_json": {}}, {"my_json": {"a": [1, 2, 3]}}, {"price": "7"}, {}]


@pytest.mark.parametrize("index_type", ["INVERTED", "AUTOINDEX", "STL_SORT", "BITMAP"])
def test_json_path_indexes_on_dynamic_keys(client: MilvusClient, index_type: str) -> None:
    _dynamic(client, DYNAMIC_DOCS)
    before = {e: _ids(client, e) for e in ('my_json["a"]["b"] > 290', "price >= 48", 'name == "n3"',
                                           'my_json["a"]["b"] == 7')}
    _dynamic_index(client, "my_json", "ab", 'my_json["a"]["b"]', "DOUBLE", index_type)
    _dynamic_index(client, "my_json", "whole", "my_json", "JSON", index_type)
    _dynamic_index(client, "price", "price_idx", "price", "double", index_type)
    _dynamic_index(client, "name", "name_idx", "name", "VARCHAR", index_type)
    assert client.list_indexes("c") == ["ab", "whole", "price_idx", "name_idx"]
    assert client.list_indexes("c", field_name="my_json") == ["ab", "whole"]
    described = client.describe_index("c", "ab")
    assert {k: described[k] for k in ("json_path", "json_cast_type", "index_type", "field_name", "index_name")} == {
        "json_path": 'my_json["a"]["b"]', "json_cast_type": "DOUBLE", "index_type": index_type,
        "field_name": "my_json", "index_name": "ab"}
    assert client.describe_index("c", "price_idx")["json_cast_type"] == "double"
    assert len(_gin_indexes(client)) == 1  # one GIN index on $meta serves them all
    after = {e: _ids(client, e) for e in before}
    assert after == before
    assert before['my_json["a"]["b"] > 290'] == list(range(291, 300))
    assert before["price >= 48"] == [i for i in range(300) if i % 50 >= 48]
    # range filters on the keys use the B-tree on the cast value, equality the GIN index
    plan = _explain(client, 'my_json["a"]["b"] > 290')
    assert "Index Scan using" in plan and "json_number" in plan and "Index Cond:" in plan, plan
    plan = _explain(client, "price >= 48")
    assert "Index Scan using" in plan and "json_number" in plan, plan
    plan = _explain(client, 'name < "n1"')
    assert "Index Scan using" in plan and "json_text" in plan, plan
    with psycopg.connect(client._db.conninfo, autocommit=True) as conn:
        conn.execute("SET enable_seqscan = off")
        where = plan_sql('name == "n3"', MilvusClient.create_schema(enable_dynamic_field=True), {}, "query")
        plan = "\n".join(r[0] for r in conn.execute(f'EXPLAIN SELECT id FROM "default"."c" WHERE {where}'))
    assert "Index Cond: (\"$meta\" @> '{\"name\": \"n3\"}'::jsonb)" in plan, plan
    for name in ("ab", "whole", "price_idx"):
        client.drop_index("c", name)
    assert len(_gin_indexes(client)) == 1
    client.drop_index("c", "name_idx")
    assert _gin_indexes(client) == [] and client.list_indexes("c") == []
    with psycopg.connect(client._db.conninfo, autocommit=True) as conn:
        left = conn.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'c'").fetchone()[0]
    assert left == 1  # the primary key only


def test_dynamic_key_indexes_at_create_collection_and_on_meta(client: MilvusClient) -> None:
    schema = client.create_schema(enable_dynamic_field=True)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    index = client.prepare_index_params()
    index.add_index("v", metric_type="L2")
    index.add_index("my_json", index_type="INVERTED", index_name="j",
                    params={"json_path": 'my_json["a"]', "json_cast_type": "DOUBLE"})
    index.add_index("$meta", index_type="INVERTED", index_name="m",
                    params={"json_path": '$meta["other"]', "json_cast_type": "VARCHAR"})
    client.create_collection("c", schema=schema, index_params=index)
    client.insert("c", [{"id": i, "v": [0.1, 0.2], "my_json": {"a": i}, "other": str(i)} for i in range(20)])
    assert _ids(client, 'my_json["a"] >= 18') == [18, 19]
    assert _ids(client, 'other > "8"') == [9]
    assert client.describe_index("c", "m")["field_name"] == "$meta"
    # one index per path, whatever name the key is given under
    with pytest.raises(MilvusException) as info:
        _dynamic_index(client, "$meta", "j2", '$meta["my_json"]["a"]', "DOUBLE")
    assert "already has index j on path" in info.value.message


@pytest.mark.parametrize("dynamic,field,params,code,message", [
    (False, "my_json", {"json_path": 'my_json["a"]', "json_cast_type": "DOUBLE"}, 1700,
     "cannot create index on non-exist field: my_json"),
    (True, "my_json", {}, 1100, "json index must specify cast type: missing parameter"
     "[missing_param=json_cast_type]: invalid parameter[expected=valid index params][actual=invalid index params]"),
    (True, "my_json", {"json_path": 'my_json["a"]'}, 1100, "json index must specify cast type"),
    (True, "my_json", {"json_path": 'other["a"]', "json_cast_type": "DOUBLE"}, 1100,
     "json_path 'other[\"a\"]' of the index on JSON field my_json must start with the field name"),
    (True, "my_json", {"json_path": 'my_json["a"]', "json_cast_type": "INT64"}, 1100,
     "json_cast_type 'INT64' of the index on JSON field my_json is not supported"),
])
def test_bad_dynamic_key_indexes(client: MilvusClient, dynamic: bool, field: str, params: dict, code: int,
                                 message: str) -> None:
    schema = client.create_schema(enable_dynamic_field=dynamic)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    client.create_collection("c", schema=schema)
    index = client.prepare_index_params()
    index.add_index(field, index_type="INVERTED", index_name="bad", params=params)
    with pytest.raises(MilvusException) as info:
        client.create_index("c", index)
    assert info.value.code == code and message in info.value.message, info.value.message
    assert client.list_indexes("c") == [] and _gin_indexes(client) == []


def test_a_dynamic_key_index_without_json_path_covers_the_key(client: MilvusClient) -> None:
    """Milvus 2.6 fills in json_path with the key's name: the index covers the whole key."""
    schema = client.create_schema(enable_dynamic_field=True)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    client.create_collection("c", schema=schema)
    client.insert("c", [{"id": i, "v": [0.1, 0.2], "my_json": f"s{i}"} for i in range(20)])
    index = client.prepare_index_params()
    index.add_index("my_json", index_type="INVERTED", index_name="k", params={"json_cast_type": "varchar"})
    client.create_index("c", index)
    assert client.list_indexes("c") == ["k"]
    assert _ids(client, 'my_json == "s7"') == [7]


#: Unnamed path indexes take Milvus's default name: the field and the path as a JSON pointer.
UNNAMED = ["x['a']['b']", "x['a']", "x", "x['a'][0]['b']", "x['a'][0]", 'x["k/~"]']


@pytest.mark.parametrize("dynamic,names", [
    (False, ["x", "x/a", "x/a/0", "x/a/0/b", "x/a/b", "x/k~1~0"]),
    (True, ["$meta/x", "$meta/x/a", "$meta/x/a/0", "$meta/x/a/0/b", "$meta/x/a/b", "$meta/x/k~1~0"]),
])
def test_unnamed_path_indexes_of_one_field_get_milvus_default_names(client: MilvusClient, dynamic: bool,
                                                                    names: list[str]) -> None:
    schema = client.create_schema(enable_dynamic_field=dynamic)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    if not dynamic:
        schema.add_field("x", DataType.JSON)
    client.create_collection("c", schema=schema)
    client.insert("c", [{"id": 1, "v": [0.1, 0.2], "x": {"a": {"b": 1}}}])
    index = client.prepare_index_params()
    for path in UNNAMED:
        index.add_index("x", index_type="INVERTED", params={"json_path": path, "json_cast_type": "double"})
    client.create_index("c", index)
    client.create_index("c", index)  # the same indexes again: no-ops, as in Milvus
    assert client.list_indexes("c") == names
    described = client.describe_index("c", names[-2])
    assert (described["index_name"], described["json_path"], described["field_name"]) == (names[-2], "x['a']['b']", "x")
    assert [r["id"] for r in client.query("c", filter='x["a"]["b"] == 1')] == [1]
