"""segcore's filter functions (``empty(s)``, ``starts_with(s, p)``, Milvus master) through MilvusClient,
sync and async: query, count(*), query_iterator, search, hybrid_search and delete select the same rows;
a NULL argument selects the row under neither the call nor its ``not``; any other call, or other argument
types, is the query node's ``function NAME(TYPES) not found.`` (code 65535).  The collection has a
VarChar primary key, as Milvus's e2e test_query_function_calls."""

from __future__ import annotations

import pytest

from pgmilvus import AnnSearchRequest, DataType, MilvusClient, MilvusException, WeightedRanker

ROWS = [
    {"key": "k1", "title": "apple pie", "prefix": "app", "note": "", "num": 1, "meta": {"a": "x"}, "dyn": "d"},
    {"key": "k2", "title": "banana", "prefix": "ban", "note": None, "num": 2, "meta": {"a": ""}},
    {"key": "k3", "title": "", "prefix": "", "note": "x", "num": 3, "meta": {}},
    {"key": "k4", "title": "Apple", "prefix": None, "note": "", "num": 4, "meta": {"a": 1}},
    {"key": "k5", "title": "a_b%c", "prefix": "a_b%", "note": "y", "num": 5, "meta": {}},
    {"key": "k6", "title": "日本語テキスト", "prefix": "日本", "note": None, "num": 6, "meta": {}},
]

QUERIES = [  # filter, keys
    ("empty(title)", ["k3"]),
    ("EmPty(title)", ["k3"]),
    ("not EMPTY(title) && num >= 0", ["k1", "k2", "k4", "k5", "k6"]),
    ("empty(note)", ["k1", "k4"]),
    ("not empty(note)", ["k3", "k5"]),                    # the NULL notes (k2, k6) in neither
    ("empty(note) or note is null", ["k1", "k2", "k4", "k6"]),
    ('starts_with(title, "app")', ["k1"]),
    ('starts_with(title, "a")', ["k1", "k5"]),
    ('starts_with(title, "A")', ["k4"]),                  # bytes: no case folding
    ('starts_with(title, "a_b%")', ["k5"]),               # no LIKE wildcards
    ('starts_with(title, "日本")', ["k6"]),
    ('starts_with(title, "")', ["k1", "k2", "k3", "k4", "k5", "k6"]),
    ("starts_with(title, prefix)", ["k1", "k2", "k3", "k5", "k6"]),
    ("not starts_with(title, prefix)", []),               # k4's prefix is NULL
    ("starts_with(title, title)", ["k1", "k2", "k3", "k4", "k5", "k6"]),
    ('starts_with(key, "k")', ["k1", "k2", "k3", "k4", "k5", "k6"]),
    ('starts_with("apple pie", title)', ["k1", "k3"]),
    ('starts_with(title, "a") and num > 1', ["k5"]),
    ('empty("")', ["k1", "k2", "k3", "k4", "k5", "k6"]),
]


@pytest.fixture
def client(fresh_client: MilvusClient) -> MilvusClient:
    schema = fresh_client.create_schema(enable_dynamic_field=True)
    schema.add_field("key", DataType.VARCHAR, max_length=16, is_primary=True)
    schema.add_field("vec", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("title", DataType.VARCHAR, max_length=64)
    schema.add_field("prefix", DataType.VARCHAR, max_length=64, nullable=True)
    schema.add_field("note", DataType.VARCHAR, max_length=64, nullable=True)
    schema.add_field("num", DataType.INT64)
    schema.add_field("meta", DataType.JSON)
    index = fresh_client.prepare_index_params()
    index.add_index("vec", index_type="FLAT", metric_type="L2")
    fresh_client.create_collection("docs", schema=schema, index_params=index)
    fresh_client.insert("docs", [{**row, "vec": [0.1 * row["num"], 1.0]} for row in ROWS])
    return fresh_client


def _keys(rows) -> list[str]:
    return sorted(row["key"] for row in rows)


def test_query_search_and_count_select_the_same_rows(client: MilvusClient) -> None:
    for expr, expected in QUERIES:
        assert _keys(client.query("docs", filter=expr, output_fields=["key"])) == expected, expr
        assert _keys(client.search("docs", [[0.0, 1.0]], filter=expr, limit=10, output_fields=["key"])[0]) \
            == expected, expr
        assert client.query("docs", filter=expr, output_fields=["count(*)"])[0]["count(*)"] == len(expected), expr


def test_query_iterator_hybrid_search_and_delete(client: MilvusClient) -> None:
    it = client.query_iterator("docs", batch_size=2, filter="not empty(note)", output_fields=["key"])
    assert sorted(row["key"] for page in it for row in page) == ["k3", "k5"]
    reqs = [AnnSearchRequest([[0.0, 1.0]], "vec", {"metric_type": "L2"}, 3, expr='starts_with(title, "a")'),
            AnnSearchRequest([[0.0, 1.0]], "vec", {"metric_type": "L2"}, 3, expr="empty(title)")]
    assert _keys(client.hybrid_search("docs", reqs, WeightedRanker(0.5, 0.5), limit=10,
                                      output_fields=["key"])[0]) == ["k1", "k3", "k5"]
    assert client.delete("docs", filter="starts_with(title, prefix) and not empty(title)")["delete_count"] == 4
    assert _keys(client.query("docs", filter='key != ""', output_fields=["key"])) == ["k3", "k4"]


@pytest.mark.parametrize("expr, detail", [
    ("a_function_that_does_not_exist()", "function a_function_that_does_not_exist() not found."),
    ("empty()", "function empty() not found."),
    ("empty(num)", "function empty(int64_t) not found."),
    ("starts_with(num)", "function starts_with(int64_t) not found."),
    ("starts_with(num, num)", "function starts_with(int64_t, int64_t) not found."),
    ('starts_with(title, 1) and num > 0', "function starts_with(varChar, int64_t) not found."),
    ('empty(meta["a"])', "function empty(json) not found."),
    ("empty(dyn)", "function empty(json) not found."),
    ("empty(vec)", "function empty(vector_float) not found."),
    ("empty(title > \"a\")", "function empty(bool) not found."),
])
def test_not_found(client: MilvusClient, expr: str, detail: str) -> None:
    with pytest.raises(MilvusException) as info:
        client.query("docs", filter=expr, output_fields=["key"])
    assert (info.value.code, info.value.message) == (65535, f"fail to Query on QueryNode: worker query failed: {detail}")
    with pytest.raises(MilvusException) as info:
        client.search("docs", [[0.0, 1.0]], filter=expr, limit=3)
    assert (info.value.code, info.value.message) == (65535, f"fail to search on QueryNode: worker query failed: {detail}")
    with pytest.raises(MilvusException) as info:
        client.delete("docs", filter=expr)
    assert info.value.code == 65535 and info.value.message.endswith(detail)


def test_parser_errors_come_first_and_templates_stay_unfilled(client: MilvusClient) -> None:
    with pytest.raises(MilvusException) as info:
        client.query("docs", filter='empty(num) and num > "a"', output_fields=["key"])
    assert info.value.code == 1100
    assert "comparisons between Int64 and VarChar are not supported" in info.value.message
    with pytest.raises(MilvusException) as info:  # FillExpressionValue does not enter a CallExpr
        client.query("docs", filter="starts_with(title, {p})", filter_params={"p": "a"}, output_fields=["key"])
    assert (info.value.code, info.value.message) == (
        65535, "fail to Query on QueryNode: worker query failed: function starts_with(varChar, none) not found.")
