"""Regular expression filters (``field =~ "pattern"`` / ``!~``, Milvus master) through MilvusClient,
sync and async: query, count(*), query_iterator, search, hybrid_search and delete select the same
rows; NULL fields and missing or mistyped JSON values are in neither ``=~`` nor ``!~``; templates;
the refusals and their texts.  The rows and most expectations are those of Milvus's own e2e file
(milvus_client/test_milvus_client_regex_filter.py)."""

from __future__ import annotations

import pytest

from pgmilvus import AnnSearchRequest, DataType, MilvusClient, MilvusException, WeightedRanker

ROWS = [
    {"id": 1, "text": "ERROR E1001: connection timeout", "email": "alice@gmail.com", "url": "/api/v1/users/123",
     "level": "ERROR", "metadata": {"level": "ERROR", "version": "v1.2", "trace": "abc-123", "version_num": 12,
                                    "nested": {"x": "abc"}}, "tags": ["release-v1", "prod"], "dyn": "ERROR dynamic timeout"},
    {"id": 2, "text": "WARN W2002: retry later", "email": "bob@example.com", "url": "/api/v2/orders/456",
     "level": "WARN", "metadata": {"level": "WARN", "version": "v2.0", "trace": "def-456", "version_num": 20,
                                   "nested": {"x": "def"}}, "tags": ["release-v2", "staging"], "dyn": "INFO dynamic ok"},
    {"id": 3, "text": "DEBUG cache hit", "email": "carol@GMAIL.com", "url": "/api/v10/users/789",
     "level": "DEBUG", "metadata": {"level": "DEBUG", "version": "v10.1", "trace": "ghi-789", "version_num": 101,
                                    "nested": {"x": "ghi"}}, "tags": ["debug", "dev"], "dyn": 10},
    {"id": 4, "text": "中文日志 error code 555-1234", "email": None, "url": "/static/index.html",
     "level": "INFO", "metadata": {"level": "INFO", "version": "alpha", "trace": None, "version_num": 0,
                                   "nested": {"x": "中文"}}, "tags": ["cn", "release-alpha"]},
    {"id": 5, "text": "multi\nline c\nd pattern", "email": "dave@gmail.com", "url": "/api/v1/users/search",
     "level": "ERROR", "metadata": {"level": "ERROR", "version": "v1.3", "trace": "jkl-000", "version_num": 13,
                                    "nested": {"x": "jkl"}}, "tags": ["release-v1-hotfix", "prod"]},
    {"id": 6, "text": "", "email": "empty@gmail.com", "url": "", "level": "",
     "metadata": {"level": "", "version": "", "trace": "", "version_num": None, "nested": {}}, "tags": ["", "empty"]},
    {"id": 7, "text": "status OK ✅ deploy success 🚀", "email": "emo@dev.io", "url": "/api/health",
     "level": "INFO", "metadata": {"level": "INFO", "version": "v1.0", "trace": "emoji-001", "version_num": 10,
                                   "nested": {"x": "ok"}}, "tags": []},
]

QUERIES = [  # filter, ids (the e2e file's, plus cases of ours)
    ('text =~ "timeout"', [1]),
    ('text =~ "^ERROR"', [1]),
    ('text =~ "hit$"', [3]),
    ('text =~ "^DEBUG cache hit$"', [3]),
    (r'text =~ "E[0-9]{4}:"', [1]),
    (r'text =~ "\d{3}-\d{4}"', [4]),
    ('text =~ "c.d"', [4, 5]),
    ('text =~ "(?-s)c.d"', [4]),
    ('text =~ "(?i)error"', [1, 4]),
    (r'text =~ "\p{Han}+"', [4]),
    ('text =~ "🚀"', [7]),
    ('text =~ ""', [1, 2, 3, 4, 5, 6, 7]),
    ('text =~ "^$"', [6]),
    ('text !~ "^DEBUG"', [1, 2, 4, 5, 6, 7]),
    ('not (text =~ "^DEBUG")', [1, 2, 4, 5, 6, 7]),
    ('not text =~ "ERROR" and id > 3', [4, 5, 6, 7]),
    ('text =~ "ERROR" or text =~ "WARN" and id > 3', [1]),
    ('(text =~ "ERROR" or text =~ "WARN") and id > 3', []),
    (r'email =~ "(?i)gmail\.com$"', [1, 3, 5, 6]),
    ('email =~ "gmail"', [1, 5, 6]),
    ('email !~ "gmail"', [2, 3, 7]),                     # the NULL email (4) in neither
    ('not (email =~ "gmail")', [2, 3, 7]),
    ('email !~ "gmail" or email is null', [2, 3, 4, 7]),
    ('url =~ "/api/v[0-9]+/users"', [1, 3, 5]),
    (r'metadata["version"] =~ "^v[0-9]+\.[0-9]+$"', [1, 2, 3, 5, 7]),
    ('metadata["nested"]["x"] =~ "^abc$"', [1]),
    ('metadata["nested"]["x"] !~ "^abc$"', [2, 3, 4, 5, 7]),   # 6: no "x", UNKNOWN
    ('metadata["trace"] =~ "[a-z]+-[0-9]+"', [1, 2, 3, 5, 7]),
    ('metadata["trace"] !~ "^abc"', [2, 3, 5, 6, 7]),          # 4: null, UNKNOWN
    ('metadata["version_num"] =~ "1"', []),                     # numbers are no strings
    ('metadata["version_num"] !~ "1"', []),
    ('metadata["nested"] =~ "abc"', []),
    ('metadata =~ "ERROR"', []),                                # the whole object
    ('metadata["missing"] =~ ".*"', []),
    ('tags[0] =~ "^release-v[0-9]+"', [1, 2, 5]),
    ('tags[0] !~ "^release"', [3, 4, 6]),                       # 7: no tags[0], UNKNOWN
    ('tags[10] =~ ".*"', []),
    ('tags[10] !~ ".*"', []),
    ('dyn =~ "ERROR.*timeout"', [1]),
    ('$meta["dyn"] !~ "ERROR"', [2]),                           # 3: a number; 4-7: no key
    ('dyn =~ "10"', []),
    ('level in ["ERROR", "WARN"] and text =~ "E[0-9]{4}|W[0-9]{4}"', [1, 2]),
    ('text =~ "(a+)+b"', []),
]


@pytest.fixture
def client(fresh_client: MilvusClient) -> MilvusClient:
    schema = fresh_client.create_schema(enable_dynamic_field=True)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vec", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("text", DataType.VARCHAR, max_length=512)
    schema.add_field("email", DataType.VARCHAR, max_length=256, nullable=True)
    schema.add_field("url", DataType.VARCHAR, max_length=512)
    schema.add_field("level", DataType.VARCHAR, max_length=32)
    schema.add_field("metadata", DataType.JSON)
    schema.add_field("tags", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=8, max_length=128)
    index = fresh_client.prepare_index_params()
    index.add_index("vec", index_type="FLAT", metric_type="L2")
    fresh_client.create_collection("logs", schema=schema, index_params=index)
    fresh_client.insert("logs", [{**row, "vec": [0.1 * row["id"], 1.0]} for row in ROWS])
    return fresh_client


def _ids(rows) -> list[int]:
    return sorted(row["id"] for row in rows)


def test_query_search_and_count_select_the_same_rows(client: MilvusClient) -> None:
    for expr, expected in QUERIES:
        assert _ids(client.query("logs", filter=expr, output_fields=["id"])) == expected, expr
        assert _ids(client.search("logs", [[0.0, 1.0]], filter=expr, limit=10)[0]) == expected, expr
        assert client.query("logs", filter=expr, output_fields=["count(*)"])[0]["count(*)"] == len(expected), expr


def test_templates(client: MilvusClient) -> None:
    def query(expr: str, pattern) -> list[int]:
        return _ids(client.query("logs", filter=expr, filter_params={"p": pattern}, output_fields=["id"]))

    assert query("text =~ {p}", "timeout") == [1]
    assert query('metadata["version"] =~ {p}', r"^v[0-9]+\.[0-9]+$") == [1, 2, 3, 5, 7]
    assert query("tags[0] =~ {p}", r"^release-v[0-9]+") == [1, 2, 5]
    assert query("email !~ {p}", r"(?i)gmail\.com$") == [2, 7]
    assert query('text =~ {p} and level == "ERROR"', 'timeout" or id > 0 or text =~ "') == []  # data, never grammar
    hits = client.search("logs", [[0.0, 1.0]], filter="url =~ {p}", filter_params={"p": "^/api/v[0-9]+/users"},
                         limit=3)[0]
    assert _ids(hits) == [1, 3, 5]


def test_query_iterator_and_hybrid_search(client: MilvusClient) -> None:
    it = client.query_iterator("logs", batch_size=2, filter='text !~ "^DEBUG"', output_fields=["id"])
    assert sorted(row["id"] for page in it for row in page) == [1, 2, 4, 5, 6, 7]
    reqs = [AnnSearchRequest([[0.0, 1.0]], "vec", {"metric_type": "L2"}, 3, expr='url =~ "^/api/v[0-9]+/users"'),
            AnnSearchRequest([[0.0, 1.0]], "vec", {"metric_type": "L2"}, 4, expr='email !~ "gmail" or email is null')]
    hits = client.hybrid_search("logs", reqs, WeightedRanker(0.5, 0.5), limit=10)[0]
    assert _ids(hits) == [1, 2, 3, 4, 5, 7]


def test_delete(client: MilvusClient) -> None:
    assert client.delete("logs", filter='text =~ "^DEBUG"')["delete_count"] == 1
    assert client.delete("logs", filter='metadata["trace"] !~ "-[0-9]+$"')["delete_count"] == 1  # 6 (""), not 4
    assert _ids(client.query("logs", filter="id > 0", output_fields=["id"])) == [1, 2, 4, 5, 7]


@pytest.mark.parametrize("expr, detail", [
    ('text =~ "(unclosed"', "invalid regex pattern: error parsing regexp: missing closing ): `(unclosed`"),
    (r'text =~ "(a)\\1"', "invalid regex pattern: error parsing regexp: invalid escape sequence: `\\1`"),
    ('text =~ "ERROR(?= E1001)"', "invalid regex pattern: error parsing regexp: invalid or unsupported Perl "
                                  "syntax: `(?=`"),
    ('id =~ "1"', "regex match on non-string or non-json field is unsupported"),
    ('tags =~ "prod"', "can not comparisons array fields directly"),
    ("text =~ 123", "regex pattern should be a string literal or template variable, got: 123"),
    ("text =~ email", "regex pattern should be a string literal or template variable, got: email"),
])
def test_refusals(client: MilvusClient, expr: str, detail: str) -> None:
    with pytest.raises(MilvusException) as info:
        client.query("logs", filter=expr, output_fields=["id"])
    assert info.value.code == 1100
    assert detail in info.value.message
    assert info.value.message.startswith(f"failed to create query plan: cannot parse expression: {expr}, error:")
    with pytest.raises(MilvusException) as info:
        client.delete("logs", filter=expr)
    assert info.value.code == 1100 and detail in info.value.message
    with pytest.raises(MilvusException) as info:
        client.query("logs", filter="text =~ {p}", filter_params={"p": "["}, output_fields=["id"])
    assert "invalid regex pattern: error parsing regexp: missing closing ]: `[`" in info.value.message
