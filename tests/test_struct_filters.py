"""Filters on ARRAY<STRUCT> fields (Milvus master), in process (MilvusClient and AsyncMilvusClient):
``S[a]`` as an array column, ``S[i][a]``, ``S is null``, ``array_length(S)``, MATCH_* (row level),
``element_filter`` (element-level query: one dict per element with its ``offset``; count(*), limit,
offset and query_iterator count elements; delete removes whole rows), and Milvus's refusals in its
words.  Expectations follow spec-struct-filters (parser_visitor.go, MatchExpr.cpp) and the e2e files
test_milvus_client_struct_array_element_query.py / _nullable.py.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from pgmilvus import DataType as D, MilvusException, StructFieldSchema

from .fix_client import open_client


def _clip(n: int, color: str) -> dict:
    return {"n": n, "color": color, "score": n * 0.5, "ok": n % 2 == 1, "emb": [float(n), 1.0]}


ROWS = [
    {"id": 0, "v": [0.0, 1.0], "doc": 0, "clips": [_clip(1, "red"), _clip(2, "blue")]},
    {"id": 1, "v": [1.0, 1.0], "doc": 10, "clips": [_clip(3, "red"), _clip(3, "green"), _clip(5, "red")]},
    {"id": 2, "v": [2.0, 1.0], "doc": 20, "clips": []},
    {"id": 3, "v": [3.0, 1.0], "doc": 30, "clips": None},
    {"id": 4, "v": [4.0, 1.0], "doc": 40},                      # omitted: NULL
    {"id": 5, "v": [5.0, 1.0], "doc": 50, "clips": [_clip(7, "blue")]},
]


def _make(client) -> None:
    sub = StructFieldSchema()
    sub.add_field("n", D.INT64).add_field("color", D.VARCHAR, max_length=16).add_field("score", D.FLOAT)
    sub.add_field("ok", D.BOOL).add_field("emb", D.FLOAT_VECTOR, dim=2)
    schema = client.create_schema()
    schema.add_field("id", D.INT64, is_primary=True)
    schema.add_field("v", D.FLOAT_VECTOR, dim=2)
    schema.add_field("doc", D.INT64)
    schema.add_field("clips", D.ARRAY, element_type=D.STRUCT, struct_schema=sub, max_capacity=4, nullable=True)
    index = client.prepare_index_params()
    index.add_index("v", index_type="FLAT", metric_type="L2")
    client.create_collection("sf", schema=schema, index_params=index)
    client.insert("sf", ROWS)


@pytest.fixture(scope="module", params=["sync", "async"])
def sf(request: pytest.FixtureRequest, module_db: str) -> Iterator:
    """The cases' collection, made once, read by both faces."""
    client = open_client(request.param, module_db)
    if not client.has_collection("sf"):
        _make(client)
    yield client
    client.close()


def _ids(client, expr: str, **kwargs) -> list[int]:
    return sorted(r["id"] for r in client.query("sf", filter=expr, output_fields=["id"], **kwargs))


# filter -> ids: row-level struct filters (NULL rows: 3, 4; empty: 2)
ROW_CASES = [
    ("array_contains(clips[n], 3)", [1]),
    ('array_contains_all(clips[color], ["red", "blue"])', [0]),
    ("array_contains_any(clips[n], [1, 7])", [0, 5]),
    ("not array_contains(clips[n], 3)", [0, 2, 5]),             # NULL arrays stay unselected under not
    ("array_length(clips[n]) == 0", [2]),
    ("array_length(clips) == 3", [1]),
    ("array_length(clips[emb]) == 1", [5]),
    ("clips is null", [3, 4]),
    ("clips is not null", [0, 1, 2, 5]),
    ("clips IS NOT NULL && doc > 10", [2, 5]),
    ("clips[0][n] == 3", [1]),
    ('clips[1][color] != "x"', [0, 1]),                          # past the end: NULL, not selected
    ("not (clips[1][n] > 2)", [0]),
    ("1 < clips[0][n] < 5", [1]),
    ("clips[0][n] in [1, 7]", [0, 5]),
    ('clips[2][color] like "r%"', [1]),
    ("MATCH_ALL(clips, $[n] > 0)", [0, 1, 2, 3, 4, 5]),          # vacuous on NULL and empty arrays
    ('MATCH_ALL(clips, $[color] == "red")', [2, 3, 4]),
    ('match_any(clips, $[color] == "red" && $[n] == 5)', [1]),
    ('MATCH_ANY(clips, $[color] == "red" && $[n] == 2)', []),   # one element must hold both
    ('MATCH_LEAST(clips, $[color] == "red", threshold=2)', [1]),
    ('MATCH_MOST(clips, $[color] == "red", THRESHOLD=0)', [2, 3, 4, 5]),
    ("MATCH_EXACT(clips, $[n] == 3, threshold=2)", [1]),
    ("MATCH_EXACT(clips, $[n] == 3, threshold=0)", [0, 2, 3, 4, 5]),
    ("match_most(clips, $[n] > 0, threshold=010)", [0, 1, 2, 3, 4, 5]),  # ParseInt(text, 10): 10
    ("not MATCH_ANY(clips, $[n] > 2)", [0, 2, 3, 4]),
    ("MATCH_ANY(clips, $[n] > doc)", [0]),                       # a row's field, the same for each element
    ("MATCH_ANY(clips, $[score] > 2.0 || $[ok] == false)", [0, 1, 5]),
    ('MATCH_ALL(clips, $[n] % 2 == 1) && MATCH_ANY(clips, $[color] =~ "^gr")', [1]),
    ("doc >= 10 || MATCH_ANY(clips, 0 < $[n] <= 1)", [0, 1, 2, 3, 4, 5]),
    ("MATCH_ANY(clips, $[n] in [2, 7])", [0, 5]),
    ("MATCH_ANY(clips, $[n] == {x})", [5]),
]


@pytest.mark.parametrize("expr, expected", ROW_CASES)
def test_row_filters(sf, expr: str, expected: list[int]) -> None:
    params = {"x": 7} if "{x}" in expr else None
    assert _ids(sf, expr, filter_params=params) == expected
    assert sf.query("sf", filter=expr, output_fields=["count(*)"], filter_params=params) == [
        {"count(*)": len(expected)}]


# element_filter filter -> (id, offset) of the selected elements, pk then element order
ELEMENT_CASES = [
    ('element_filter(clips, $[color] == "red")', [(0, 0), (1, 0), (1, 2)]),
    ('ELEMENT_FILTER(clips, $[n] >= 3 && $[color] != "green")', [(1, 0), (1, 2), (5, 0)]),
    ("id > 0 && element_filter(clips, $[n] % 2 == 1)", [(1, 0), (1, 1), (1, 2), (5, 0)]),
    ("id > 0 and (element_filter(clips, $[score] > 1.0))", [(1, 0), (1, 1), (1, 2), (5, 0)]),
    ("doc < 50 && (id >= 1 && element_filter(clips, $[ok] == true))", [(1, 0), (1, 1), (1, 2)]),
    ('MATCH_ANY(clips, $[n] == 5) && element_filter(clips, $[color] == "red")', [(1, 0), (1, 2)]),
    ('element_filter(clips, 1 < $[n] < 5 || $[color] like "bl%")', [(0, 1), (1, 0), (1, 1), (5, 0)]),
    ("element_filter(clips, !($[n] < 3))", [(1, 0), (1, 1), (1, 2), (5, 0)]),
    ("element_filter(clips, $[n] > 100)", []),
    ("element_filter(clips, $[n] == {x})", [(5, 0)]),
]


@pytest.mark.parametrize("expr, expected", ELEMENT_CASES)
def test_element_query(sf, expr: str, expected: list[tuple[int, int]]) -> None:
    params = {"x": 7} if "{x}" in expr else None
    rows = sf.query("sf", filter=expr, output_fields=["id"], filter_params=params)
    assert [(r["id"], r["offset"]) for r in rows] == expected
    assert sf.query("sf", filter=expr, output_fields=["count(*)"], filter_params=params) == [
        {"count(*)": len(expected)}]


def test_element_rows_are_whole_rows(sf) -> None:
    """Each element's dict is its row's (the whole struct array), "offset" right after the first key."""
    rows = sf.query("sf", filter='element_filter(clips, $[color] == "green")', output_fields=["doc", "clips"])
    assert len(rows) == 1 and list(rows[0]) == ["id", "offset", "doc", "clips"]
    assert rows[0]["offset"] == 1 and [c["n"] for c in rows[0]["clips"]] == [3, 3, 5]
    assert getattr(rows, "element_level", False) is True
    assert getattr(sf.query("sf", filter="MATCH_ANY(clips, $[n] > 0)"), "element_level", False) is False


@pytest.mark.parametrize("limit, offset, expected", [
    (2, 0, [(0, 0), (0, 1)]),
    (2, 2, [(1, 0), (1, 1)]),       # the window counts elements and may cut a row's elements
    (10, 5, [(5, 0)]),
    (10, 6, []),
])
def test_element_window(sf, limit: int, offset: int, expected: list) -> None:
    rows = sf.query("sf", filter="element_filter(clips, $[n] > 0)", output_fields=["id"], limit=limit,
                    offset=offset)
    assert [(r["id"], r["offset"]) for r in rows] == expected


@pytest.mark.parametrize("batch", [1, 4, 100])
def test_element_query_iterator(sf, batch: int) -> None:
    """Pages by (pk, element index): every selected element once, in order."""
    it = sf.query_iterator("sf", batch_size=batch, filter="element_filter(clips, $[n] > 0)", output_fields=["id"])
    seen = []
    while page := it.next():
        assert len(page) <= batch
        seen += [(r["id"], r["offset"]) for r in page]
    it.close()
    assert seen == [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (5, 0)]


def test_element_query_iterator_limit(sf) -> None:
    it = sf.query_iterator("sf", batch_size=2, limit=3, filter="id >= 0 && element_filter(clips, $[n] > 0)",
                           output_fields=["id"])
    seen = []
    while page := it.next():
        seen += [(r["id"], r["offset"]) for r in page]
    assert seen == [(0, 0), (0, 1), (1, 0)]


def test_delete_by_element_filter(fresh_client) -> None:
    """Whole rows having a selected element are deleted, counted as rows."""
    _make(fresh_client)
    assert fresh_client.delete("sf", filter='element_filter(clips, $[color] == "red")')["delete_count"] == 2
    assert _ids(fresh_client, "id >= 0") == [2, 3, 4, 5]
    assert fresh_client.delete("sf", filter="MATCH_ALL(clips, $[n] > 100)")["delete_count"] == 3
    assert _ids(fresh_client, "id >= 0") == [5]


def _refused(expr: str, detail: str) -> str:
    return f"failed to create query plan: cannot parse expression: {expr}, error: {detail}: invalid parameter"


# filter -> Milvus's words (after "column N: ")
NOT_FOUND = "failed to get field schema by name: fieldName({0}) not found: invalid parameter"
ERRORS = [
    ("clips[n] > 5", "column 10: can not comparisons array fields directly"),
    ("clips[x] == 1", f"column 1: struct field not found: clips[x], error: {NOT_FOUND.format('clips[x]')}"),
    ("clips[0][x] == 1", f"column 1: struct field not found: clips[x], error: {NOT_FOUND.format('clips[x]')}"),
    ("clips[n][0] > 0", "column 9: invalid expression: clips[n][0] > 0 (extraneous input '[' expecting <EOF>)"),
    ("array_length(clips[0][n]) == 1",
     "column 14: mismatched input 'clips[0][n]' expecting {Identifier, JSONIdentifier, StructFieldIdentifier}"),
    ("array_contains(clips[emb], 1)",
     "column 1: contains operation are only supported on json or array fields now, got: clips[emb]"),
    ("element_filter(clips, $[n] > 1) && id > 3",
     "column 33: element filter expression can only be the last expression in the logical and expression"),
    ("element_filter(clips, $[n] > 1) || id > 3",
     "column 33: element filter expression can only be the last expression in the logical or expression"),
    ("id > 3 || element_filter(clips, $[n] > 1)",
     "column 8: ParseElementFilterExprs should not be called directly. ElementFilterExpr must be handled at "
     "PlanNode level."),
    ("id > 3 || (id < 1 && element_filter(clips, $[n] > 1))",
     "column 8: ParseElementFilterExprs should not be called directly. ElementFilterExpr must be handled at "
     "PlanNode level."),
    ("not element_filter(clips, $[n] > 1)", "column 1: element filter expression cannot be used in unary expression"),
    ("id > 1 && element_filter(clips, $[n] > 1) && element_filter(clips, $[n] > 2)",
     "column 43: element filter expression can only be the last expression in the logical and expression"),
    ("element_filter(clips, $[x] > 0)",
     "column 23: cannot parse element expression: $[x]>0, error: array field not found: clips[x], error: "
     f"{NOT_FOUND.format('clips[x]')}: invalid parameter"),
    ("element_filter(doc, $[n] > 0)",
     "column 21: cannot parse element expression: $[n]>0, error: array field not found: doc[n], error: "
     f"{NOT_FOUND.format('doc[n]')}: invalid parameter"),
    ("MATCH_ANY(clips, $[x] > 0)",
     "column 18: cannot parse predicate expression: $[x]>0, error: array field not found: clips[x], error: "
     f"{NOT_FOUND.format('clips[x]')}: invalid parameter"),
    ("element_filter(clips, element_filter(clips, $[n] > 0))",
     "column 23: cannot parse element expression: element_filter(clips,$[n]>0), error: nested ElementFilter is not "
     "supported, already inside ElementFilter for field: clips: invalid parameter"),
    ("MATCH_ANY(clips, MATCH_ALL(clips, $[n] > 0))",
     "column 18: cannot parse predicate expression: MATCH_ALL(clips,$[n]>0), error: nested MATCH_ALL is not "
     "supported, already inside match expression for field: clips: invalid parameter"),
    ("element_filter(clips, $[emb] > 1)",
     "column 23: cannot parse element expression: $[emb]>1, error: field clips[emb] of type FloatVector cannot be "
     "used in a filter expression: invalid parameter"),
    ("$[n] > 0", "column 1: $[n] syntax can only be used inside ElementFilter or MATCH_*"),
    ("1 < $[n] < 3", "column 5: $[n] syntax can only be used inside ElementFilter"),
    ("MATCH_LEAST(clips, $[n] > 1, threshold=0)", "column 40: count in MATCH_LEAST must be positive, got: 0"),
    ("MATCH_EXACT(clips, $[n] > 1, threshold=0x2)", "column 40: invalid count: 0x2"),
    ("MATCH_LEAST(clips, $[n] > 1, threshold=-1)", "column 40: mismatched input '-' expecting IntegerConstant"),
    ("MATCH_ALL(clips, $[n] > 1, threshold=1)", "column 38: mismatched input 'threshold' expecting ')'"),
    ("MATCH_MOST(clips, $[n] > 1)", "column 1: mismatched input ')' expecting ','"),
    ("element_filter(clips)", "column 1: mismatched input ')' expecting ','"),
    ("element_filter(clips[n], $[n] > 0)", "column 1: mismatched input 'clips[n]' expecting Identifier"),
    ('element_filter(clips, $[n] == "a")',
     "column 28: cannot parse element expression: $[n]==\"a\", error: comparisons between Int64 and VarChar are not "
     "supported: invalid parameter"),
]


@pytest.mark.parametrize("expr, detail", ERRORS)
def test_errors(sf, expr: str, detail: str) -> None:
    with pytest.raises(MilvusException) as info:
        sf.query("sf", filter=expr, output_fields=["id"])
    assert (info.value.code, info.value.message) == (1100, _refused(expr, detail))


# index on a scalar sub-field (field_name "S[a]") -> Milvus's refusal, or None when accepted
SUB_FIELD_INDEXES = [
    ("clips[n]", "INVERTED", None),
    ("clips[color]", "STL_SORT", None),
    ("clips[score]", "STL_SORT", None),
    ("clips[ok]", "BITMAP", None),
    ("clips[n]", "AUTOINDEX", None),
    ("clips[ok]", "STL_SORT",
     "STL_SORT are only supported on numeric, varchar or timestamptz field, got struct sub-field of Bool: "
     "invalid parameter"),
    ("clips[score]", "BITMAP", "bitmap index are only supported on bool, int, string for array field: invalid "
                               "parameter"),
    ("clips[x]", "INVERTED", "cannot create index on non-exist field: clips[x]: field not found[field=clips[x]]"),
]


@pytest.mark.parametrize("field, index_type, refusal", SUB_FIELD_INDEXES)
def test_sub_field_indexes(fresh_client, field: str, index_type: str, refusal) -> None:
    _make(fresh_client)
    params = fresh_client.prepare_index_params()
    params.add_index(field, index_type=index_type)
    if refusal is not None:
        with pytest.raises(MilvusException) as info:
            fresh_client.create_index("sf", params)
        assert info.value.message == refusal
        return
    fresh_client.create_index("sf", params)
    assert fresh_client.describe_index("sf", field)["field_name"] == field
    assert _ids(fresh_client, "array_contains(clips[n], 3) || MATCH_ANY(clips, $[ok] == true)") == [0, 1, 5]


def test_element_after(sf) -> None:
    """reads.query's ``element_after`` (pymilvus's query_iterator over the wire sends ``pk >= last and
    (<filter>)`` with query_iter_last_pk / query_iter_last_element_offset): the elements after that one."""
    from pgmilvus.catalog import collections
    from pgmilvus.data import reads

    def call(conn):
        info = sf._fresh(conn, collections.require(conn, sf._db_name, "sf"))
        return reads.query(conn, info, filter="id >= 1 and (element_filter(clips, $[n] > 0))", output_fields=["id"],
                           limit=3, element_after=(1, 0))
    assert [(r["id"], r["offset"]) for r in sf._read(call)] == [(1, 1), (1, 2), (5, 0)]
