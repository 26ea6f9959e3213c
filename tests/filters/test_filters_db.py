"""Appendix A of the reference, executed: compiled filters on a real Postgres.

Each case is (filter, ids the Milvus 2.3.5 *server* returned, or "ERR").
``SERVER_26`` overrides the cases where section 11 of the reference says the
2.6 server (our target) answers differently, with the reason.  A few extra
cases cover the columns pgmilvus's test schema adds (nullable ``n``, FLOAT
``f32``, nullable JSON ``nj``, text-match ``t``, ARRAY<FLOAT> ``fa``).
"""

from __future__ import annotations

import uuid

import pytest

from pgmilvus.errors import MilvusException
from pgmilvus.filters import FilterError, compile_filter

from .dataset import APPENDIX_ROWS, create_table
from .schemas import appendix_schema

psycopg = pytest.importorskip("psycopg")

APPENDIX_A = [
    ('i == 1', [1]),
    ('i != 1', [2, 3, 4, 5, 6, 7]),
    ('i > 3', [4, 5, 6]),
    ('i >= 3', [3, 4, 5, 6]),
    ('i < 3', [1, 2, 7]),
    ('i <= 3', [1, 2, 3, 7]),
    ('1 < i < 4', [2, 3]),
    ('1 <= i <= 4', [1, 2, 3, 4]),
    ('4 > i > 1', [2, 3]),
    ('1 < i <= 4 and i != 2', [3, 4]),
    ('i < 4 > 1', 'ERR'),
    ('5 < i < 1', []),
    ('3 == i', [3]),
    ('i == 1.0', 'ERR'),
    ('i == 1.5', 'ERR'),
    ('f == 1', []),
    ('f > 1', [1, 2, 5, 6, 7]),
    ('i8 > 3', [4, 5, 6]),
    ('i8 == 300', []),
    ('i == "1"', 'ERR'),
    ('s == "apple"', [1]),
    ("s == 'apple'", [1]),
    ('s > "apple"', [2, 5]),
    ('s < "b"', [1, 3, 4, 6, 7]),
    ('s == apple', 'ERR'),
    ('b == true', [1, 3, 5]),
    ('b == True', [1, 3, 5]),
    ('b == TRUE', [1, 3, 5]),
    ('b == 1', 'ERR'),
    ('b', 'ERR'),
    ('not b', 'ERR'),
    ('b != false', [1, 3, 5]),
    ('i == 1 and b == true', [1]),
    ('i == 1 && b == true', [1]),
    ('i == 1 or i == 2', [1, 2]),
    ('i == 1 || i == 2', [1, 2]),
    ('i == 1 AND b == true', 'ERR'),
    ('i == 1 OR i == 2', 'ERR'),
    ('i == 1 And b == true', 'ERR'),
    ('not (i == 1)', [2, 3, 4, 5, 6, 7]),
    ('NOT (i == 1)', 'ERR'),
    ('!(i == 1)', [2, 3, 4, 5, 6, 7]),
    ('not i == 1', 'ERR'),
    ('i == 1 or i == 2 and b == true', [1]),
    ('(i == 1 or i == 2) and b == true', [1]),
    ('i in [1,2,3]', [1, 2, 3]),
    ('i not in [1,2,3]', [4, 5, 6, 7]),
    ('i IN [1,2]', 'ERR'),
    ('i NOT IN [1,2]', 'ERR'),
    ('not i in [1,2]', 'ERR'),
    ('i in []', []),
    ('i not in []', [1, 2, 3, 4, 5, 6, 7]),
    ('i in [1, 2.5]', 'ERR'),
    ('i in [1, "2"]', 'ERR'),
    ('s in ["apple", "abc"]', [1, 6]),
    ('s in [\'apple\', "abc"]', [1, 6]),
    ('i in (1,2)', 'ERR'),
    ('i in [1,2,]', [1, 2]),
    ('1 in i', 'ERR'),
    ('s like "app%"', [1]),
    ('s like "%pple"', 'ERR'),
    ('s like "%ppl%"', 'ERR'),
    ('s like "apple"', [1]),
    ('s like "Apple%"', [3]),
    ('s LIKE "ab%"', [6, 7]),
    ('s like "a_"', []),
    ('s like "ab_"', []),
    ('s like "a_c"', []),
    ('s like "_pple"', []),
    ('s like "%"', [1, 2, 3, 4, 5, 6, 7]),
    ('s like "a\\\\_b%"', []),
    ('s like "a\\_b%"', 'ERR'),
    ('s like "%\\\\%%"', 'ERR'),
    ('s like "%b\\\\%c"', 'ERR'),
    ('s not like "app%"', 'ERR'),
    ('not (s like "app%")', [2, 3, 4, 5, 6, 7]),
    ('i like "1%"', 'ERR'),
    ("s like 'ab%'", [6, 7]),
    ('s like "AB%"', []),
    ('s like "[a]%"', []),
    ('s like "a.c"', []),
    ('s like "a.*"', []),
    ('i + 1 == 3', [2]),
    ('i - 1 == 2', [3]),
    ('i * 2 == 6', [3]),
    ('i / 2 == 2', [4, 5]),
    ('i % 2 == 0', [2, 4, 6]),
    ('i % 2 == 1', [1, 3, 5]),
    ('i ** 2 == 4', 'ERR'),
    ('2 * i == 6', [3]),
    ('1 + i == 3', [2]),
    ('10 - i == 7', 'ERR'),
    ('i + 1 > 3', 'ERR'),
    ('f * 2 > 3', 'ERR'),
    ('(i + 1) * 2 == 6', 'ERR'),
    ('i + i == 4', 'ERR'),
    ('i + 1 == i', 'ERR'),
    ('i == 2 + 1', [3]),
    ('i == 2 * 3', [6]),
    ('i == 2 ** 2', 'ERR'),
    ('i > 10 / 5', [3, 4, 5, 6]),
    ('-i == -1', 'ERR'),
    ('i == -7', [7]),
    ('i > -10 and i < 0', [7]),
    ('i % 0 == 0', []),
    ('a[0] + 1 == 2', [1, 4]),
    ('j["x"] + 1 == 3', [2]),
    ('num + 1 == 21', [2]),
    ('i == 0x3', [3]),
    ('i == 03', [3]),
    ('i == 0b11', [3]),
    ('f == 1.5e0', [1]),
    ('f == .5e1', []),
    ('f < 1e10', [1, 2, 3, 4, 5, 6, 7]),
    ('i == 1e0', 'ERR'),
    ('s == "it\'s \\"q\\""', [5]),
    ('s == \'it\\\'s "q"\'', [5]),
    ('s == "it\\\'s \\"q\\""', [5]),
    ('s == "a_b%c"', [4]),
    ('s == u"apple"', []),
    ('s == "\\u0061pple"', [1]),
    ('s == "\\x61pple"', [1]),
    ('j["x"] == 1', [1]),
    ("j['x'] == 1", [1]),
    ('j["x"] == "3"', [3]),
    ('j["x"] > 1', [2, 6, 7]),
    ('j["x"] in [1, 2]', [1, 2]),
    ('j["y"]["z"] == "a"', [1]),
    ('j["arr"][0] == 1', [1, 5]),
    ('j["arr"][1] == 5', [2]),
    ('j["s"] like "hel%"', [1]),
    ('j["x"] == 1.0', [1]),
    ('j["k"] == true', [4]),
    ('j["x"] is null', 'ERR'),
    ('j["x"] is not null', 'ERR'),
    ('j["x"] IS NULL', 'ERR'),
    ('exists j["x"]', [1, 2, 3, 4, 6, 7]),
    ('exists j["k"]', [4]),
    ('EXISTS j["y"]["z"]', [1, 2]),
    ('not exists j["x"]', [5]),
    ('exists(j["x"])', [1, 2, 3, 4, 6, 7]),
    ('j[0] == 1', []),
    ('j == 7', 'ERR'),
    ('j["x"] != 1', [2, 3, 4, 5, 6, 7]),
    ('j["nokey"] != 1', [1, 2, 3, 4, 5, 6, 7]),
    ('j["x"] != "zz"', [1, 2, 3, 4, 5, 6, 7]),
    ('j is null', 'ERR'),
    ('j is not null', 'ERR'),
    ('json_contains(j["arr"], 1)', [1, 5]),
    ('json_contains(j["arr"], 4)', [2, 5]),
    ('JSON_CONTAINS(j["arr"], 1)', [1, 5]),
    ('json_contains_all(j["arr"], [1, 2])', [1, 5]),
    ('json_contains_any(j["arr"], [2, 4])', [1, 2, 5]),
    ('json_contains(j, 2)', 'ERR'),
    ('json_contains_all(j["arr"], [])', 'ERR'),
    ('json_contains_any(j["arr"], [])', 'ERR'),
    ('j["x"] == null', 'ERR'),
    ('j["arr"] == [1,2,3]', [1]),
    ('array_length(j["arr"]) == 3', [1]),
    ('color == "red"', [1]),
    ('color == "Red"', [3]),
    ('color in ["red", "blue"]', [1, 2]),
    ('$meta["color"] == "red"', [1]),
    ('$meta[\'color\'] == "red"', [1]),
    ('num > 15', [2, 4, 5]),
    ('num == 50.5', [5]),
    ('num == "60"', [6]),
    ('num + 1 > 20', 'ERR'),
    ('color like "r%"', [1]),
    ('exists color', [1, 2, 3, 5, 7]),
    ('exists $meta["color"]', [1, 2, 3, 5, 7]),
    ('color is null', 'ERR'),
    ('color is not null', 'ERR'),
    ('$meta["dj"]["k"] == 1', [1]),
    ('dj["k"] == 1', [1]),
    ('nosuchkey == 1', []),
    ('nosuchkey != 1', [1, 2, 3, 4, 5, 6, 7]),
    ('$meta == 1', 'ERR'),
    ('a[0] == 1', [1, 4]),
    ('a[1] > 2', [2, 5]),
    ('a[5] == 1', []),
    ('a == [1,2,3]', [1]),
    ('a[0] in [1, 4]', [1, 2, 4]),
    ('array_contains(a, 1)', [1, 4]),
    ('array_contains(a, 5)', [2, 5]),
    ('array_contains_all(a, [1, 2])', [1]),
    ('array_contains_any(a, [2, 4, 7])', [1, 2, 7]),
    ('ARRAY_CONTAINS(a, 1)', [1, 4]),
    ('array_contains(sa, "red")', [1, 4]),
    ('array_contains_any(sa, ["red", "blue"])', [1, 2, 4]),
    ('array_contains_all(sa, ["red", "green"])', [1]),
    ('array_length(a) == 0', [3]),
    ('array_length(a) > 1', 'ERR'),
    ('array_length(sa) == 1', [2, 4, 5, 6, 7]),
    ('array_contains(a, "x")', 'ERR'),
    ('array_contains_all(a, 1)', 'ERR'),
    ('sa[0] == "red"', [1, 4]),
    ('sa[0] like "r%"', [1, 4]),
    ('a > 1', 'ERR'),
    ('array_contains(i, 1)', 'ERR'),
    ('json_contains(a, 1)', [1, 4]),
    ('s is null', 'ERR'),
    ('s is not null', 'ERR'),
    ('i is null', 'ERR'),
    ('true', 'ERR'),
    ('false', 'ERR'),
    ('1 == 1', 'ERR'),
    ('i == i', [1, 2, 3, 4, 5, 6, 7]),
    ('i > f', [3, 4]),
    ('i == f', [6]),
    ('i < i8', []),
    ('s == s', [1, 2, 3, 4, 5, 6, 7]),
    ('""', 'ERR'),
    ('i = 1', 'ERR'),
    ('i === 1', 'ERR'),
    ('i == 1 ;', 'ERR'),
    ('i == 1 and', 'ERR'),
    ('id == 1', [1]),
    ('id in [1, 7]', [1, 7]),
    ('I == 1', []),
    ('i == {x}', 'ERR'),
    ('text_match(s, "apple")', 'ERR'),
    ('random_sample(0.5)', 'ERR'),
    ('i > 3 and random_sample(0.99)', 'ERR'),
]

#: 2.6-server answers that differ from the 2.3.5 column, and why (reference section 11).
SERVER_26 = {
    # 11.11: uppercase AND / OR / NOT / IN are keywords from 2.4.20 / 2.5.2 on.
    "i == 1 AND b == true": [1],
    "i == 1 OR i == 2": [1, 2],
    "NOT (i == 1)": [2, 3, 4, 5, 6, 7],
    "i IN [1,2]": [1, 2],
    "i NOT IN [1,2]": [3, 4, 5, 6, 7],
    # 11.6: LIKE has %/_ anywhere and backslash escapes since 2.4; exact full match.
    's like "%pple"': [1],
    's like "%ppl%"': [1, 3],
    's like "a_"': [7],
    's like "ab_"': [6],
    's like "a_c"': [6],
    's like "_pple"': [1],
    's like "a\\\\_b%"': [4],
    's like "%\\\\%%"': [4],
    's like "%b\\\\%c"': [4],
    # 11.4: arithmetic with < <= > >= and array_length with > since 2.4.
    "i + 1 > 3": [3, 4, 5, 6],
    "f * 2 > 3": [2, 5, 6, 7],
    "num + 1 > 20": [2, 4, 5],
    "array_length(a) > 1": [1, 2, 5],
    # 11.4: modulus by a constant 0 is rejected ("division or modulus by zero").
    "i % 0 == 0": "ERR",
    # 11.5 / 11.8: is [not] null on fields (2.5) and JSON paths (2.6: = not exists).  2.6's
    # exists (Json::exist) is false for a JSON null, {} or [] (row 4: "x": null).
    'j["x"] is null': [4, 5],
    'j["x"] is not null': [1, 2, 3, 6, 7],
    'j["x"] IS NULL': [4, 5],
    'exists j["x"]': [1, 2, 3, 6, 7],
    'not exists j["x"]': [4, 5],
    'exists(j["x"])': [1, 2, 3, 6, 7],
    "exists color": [1, 2, 3, 5],           # row 7: "color": null
    'exists $meta["color"]': [1, 2, 3, 5],
    "color is null": [4, 6, 7],
    "color is not null": [1, 2, 3, 5],
    "s is null": [],
    "s is not null": [1, 2, 3, 4, 5, 6, 7],
    "i is null": [],
    "j is null": [],                        # j is a non-nullable JSON field
    "j is not null": [1, 2, 3, 4, 5, 6, 7],
    # 11.7: empty lists parse in 2.5+; pgmilvus: all-of-nothing is true for arrays, any is false.
    'json_contains_all(j["arr"], [])': [1, 2, 3, 5],
    'json_contains_any(j["arr"], [])': [],
    # 11.9: random_sample exists in 2.6 (nondeterministic: only checked to run).
    "random_sample(0.5)": "RUN",
    "i > 3 and random_sample(0.99)": "RUN",
    # 2.6 compares a whole JSON field like a path (issue 19 / e2e cause #20); j holds objects here.
    "j == 7": [],
    "json_contains(j, 2)": [],
    "$meta == 1": [],
    # 2.6 since #50723: a missing, null or mistyped JSON value is UNKNOWN, also for != and not.
    'j["x"] != 1': [2, 6, 7],
    'j["nokey"] != 1': [],
    'j["x"] != "zz"': [3],
    "nosuchkey != 1": [],
    # deliberate: string prefixes are mangled by Milvus (u"apple" matches nothing); we reject.
    's == u"apple"': "ERR",
}

#: Milvus master's answers where they differ from 2.6's (pgmilvus follows master there).
MASTER = {
    # boolean literals: a filter of its own, and folded beside and / or (VisitLogicalOr, ParseExpr)
    "true": [1, 2, 3, 4, 5, 6, 7],
    "false": [],
    "1 == 1": [1, 2, 3, 4, 5, 6, 7],
}

EXTRA = [
    ("n == 1", [1]),
    ("n != 1", [3, 5, 6]),
    ("not (n == 1)", [3, 5, 6]),
    ("n is null", [2, 4, 7]),
    ("n is not null", [1, 3, 5, 6]),
    ("n in [1, 3]", [1, 3]),
    ("n not in [1, 3]", [5, 6]),
    ("n not in []", [1, 3, 5, 6]),
    ("n > 2 or i == 2", [2, 3, 5, 6]),
    ("f32 == 0.1", [1]),
    ("f32 > 0.1", [2, 5, 6, 7]),
    ("f32 <= 0.1", [1, 3, 4]),
    ("f32 in [0.25, 6.5]", [2, 6]),
    ("0 < f32 < 1", [1, 2]),
    ("f32 * 2 == 13", [6]),
    ("f32 < 1e39", [1, 2, 3, 4, 5, 6, 7]),
    ("f32 > 1e-50", [1, 2, 5, 6, 7]),
    ("array_contains(fa, 0.1)", [1, 4]),
    ("fa[0] == 0.1", [1, 4]),
    ("array_length(fa) == 0", [2, 7]),
    ('nj["x"] == 1', [1]),
    ('nj["x"] != 1', []),                   # "3", null, no "x": UNKNOWN (2.6, #50723)
    ('not (nj["x"] == 1)', []),
    ("nj is null", [2]),
    ("nj is not null", [1, 3, 4, 5, 6, 7]),
    ('exists nj["x"]', [1, 3]),              # row 4: "x": null (2.6: not there)
    # the whole JSON field: nj holds [1, 2] in row 6 and 7 in row 7, NULL in row 2
    ("json_contains(nj, 1)", [6]),
    ("json_contains(nj, 7)", []),
    ('json_contains(nj, "1")', []),
    ("json_contains_all(nj, [2, 1])", [6]),
    ("json_contains_any(nj, [5, 2])", [6]),
    ("nj == 7", [7]),
    ("nj == 7.0", [7]),
    ("nj != 7", []),                        # objects and an array: UNKNOWN
    ("not (nj == 7)", []),
    ("nj < 10", [7]),
    ("nj > 6 and nj <= 7", [7]),
    ("0 < nj < 10", [7]),
    ("nj / 1 == 7", [7]),
    ("nj % 2 == 1", [7]),
    ("nj + 1 == 8", [7]),
    ("nj in [7, 8]", [7]),
    ("nj not in [7]", []),
    ("nj == [1, 2]", [6]),
    ("nj == {obj}", []),
    ('nj == "x"', []),
    ("array_length(nj) == 2", [6]),
    ("j == {jx6}", [6]),
    ("j != {jx6}", [1, 2, 3, 4, 5, 7]),
    ('nj["x"] == [1]', []),
    ('text_match(t, "hello")', [1, 2, 6, 7]),
    ('text_match(t, "peace fox")', [3, 5]),
    ('phrase_match(t, "hello world")', [1, 7]),
    ('i32 * 1000000000 > 2', [1, 2, 3, 4, 5, 6]),
    ("i / 2 == -3", [7]),
    ("i % 2 == -1", [7]),
    ('j["x"] / 2 == 3', [6, 7]),
    ('j["x"] % 2 == 1', [1]),
    ('j["x"] - 1 != 0', [2, 6, 7]),         # a non-number: UNKNOWN (2.6, #51135)
    ('j["arr"] != [1,2,3]', [2, 3, 5]),
    ('not (j["x"] > 1)', [1]),
    ('not (j["x"] in [1, "3"])', [2, 6, 7]),
    ('not json_contains(j["arr"], 4)', [1, 3]),
    ('not (j["s"] like "w%")', [1]),
    ('not (1 < j["x"] < 7)', [1, 7]),
    ('not (j["x"] == 1 or i == 2)', [6, 7]),
    ('j["x"] != 1 or not exists j["x"]', [2, 4, 5, 6, 7]),
    ('json_contains(j["arr"], 4)', [2, 5]),
    ('json_contains_all(j["arr"], [4, 1])', [5]),
    ('array_length(j["arr"]) != 3', [2, 3, 5]),  # no array: UNKNOWN
    ('a[0] != 1', [2, 5, 6, 7]),
    ('not (a[0] == 1)', [2, 5, 6, 7]),      # row 3's [] has no a[0]: UNKNOWN (2.6, #51135)
    ('not (a[1] > 2 and a[1] < 1)', [1, 2, 5]),
    ('a[2] == 3', [1]),
    ('sa[0] < "b"', [6, 7]),
    ('s like "it\'s%"', [5]),
    ('s like "%\\"%"', [5]),
    ('color like "%e%"', [1, 2, 3, 5]),
    ('j["s"] like "w_rld"', [2]),
    ('num == 10.0', [1]),
    ('num in [10, "60"]', [1, 6]),
    ('1 < num < 30', [1, 2]),
    ('num != "60"', []),                    # no other string num
    ('j["k"] == 1', []),
    ('j["x"] == true', []),
    ('j["y"] == {obj}', [1]),
    ('i in {ids} and s != {name}', [1, 2]),
    ('color == {c}', [1]),
    ("j['arr'][3] == 4", [5]),
    ('exists j["y"]["z"] and not exists j["k"]', [1, 2]),
    # segcore's filter functions (functions.py)
    ("empty(t)", [4]),
    ("not EMPTY(t)", [1, 2, 3, 5, 6, 7]),
    ('starts_with(s, "a")', [1, 4, 6, 7]),
    ('starts_with(s, "A")', [3]),                # bytes: no case folding
    ('starts_with(s, "a_b%")', [4]),             # LIKE's wildcards are plain characters here
    ('starts_with(s, "it\'s \\"")', [5]),
    ('starts_with(s, "")', [1, 2, 3, 4, 5, 6, 7]),
    ("starts_with(s, s)", [1, 2, 3, 4, 5, 6, 7]),
    ('starts_with("abc", s)', [6, 7]),
    ('starts_with(t, "hello") or starts_with(s, "ban")', [1, 2, 6]),
    ('not starts_with(s, "a") and empty(t)', []),
    ("empty(i)", "ERR"),
]
PARAMS = {"obj": {"z": "a"}, "ids": [1, 2, 3], "name": "Apple pie", "c": "red", "jx6": {"x": 6}}


@pytest.fixture(scope="module")
def appendix_table(pg_dsn):
    """The Appendix A rows in a private schema; yields (connection, qualified table)."""
    schema = f"filters_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        try:
            create_table(conn, schema, "appendix", APPENDIX_ROWS)
            yield conn, f'"{schema}"."appendix"'
        finally:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def run(conn, table: str, expr: str, params=None):
    """Matched ids, or "ERR" when pgmilvus rejects the filter."""
    try:
        where = compile_filter(expr, appendix_schema(), params)
    except FilterError:
        return "ERR"
    sql = f"SELECT id FROM {table} WHERE {where.sql(dialect='postgres')} ORDER BY id"
    return [row[0] for row in conn.execute(sql).fetchall()]


def _cases():
    for expr, server in APPENDIX_A:
        yield pytest.param(expr, MASTER.get(expr, SERVER_26.get(expr, server)), id=expr)
    for expr, expected in EXTRA:
        yield pytest.param(expr, expected, id="extra:" + expr)


@pytest.mark.parametrize("expr,expected", list(_cases()))
def test_appendix(appendix_table, expr, expected):
    conn, table = appendix_table
    got = run(conn, table, expr, PARAMS)
    if expected == "RUN":
        assert isinstance(got, list)
    else:
        assert got == expected


def test_every_override_names_an_appendix_case():
    assert set(SERVER_26) | set(MASTER) <= {expr for expr, _ in APPENDIX_A}


def test_errors_are_milvus_exceptions(appendix_table):
    with pytest.raises(MilvusException) as info:
        compile_filter("i == 1 and", appendix_schema())
    assert info.value.code == 1100
