"""Bound filter values (filters/bind.py): which literals are bound, the SQL of a shape, and that a
bound query returns exactly what the ordinary path returns.

Table lines: ``<filter> => <template SQL> | <values>``, or ``<filter> => -`` when nothing is bound
(the filter takes the ordinary path).
"""

from __future__ import annotations

from typing import Any, Optional

import pytest

from pgmilvus import DataType, MilvusClient
from pgmilvus.data import bound_filters
from pgmilvus.catalog import collections
from pgmilvus.data import reads
from pgmilvus.filters import bind, filter_sql

from .schemas import stored_tokens_schema

SCHEMA = stored_tokens_schema()

CASES = """
s == "red" => "s" = %(b0)s | {'b0': 'red'}
s == 'red' => "s" = %(b0)s | {'b0': 'red'}
i == 7 => "i" = %(b0)s | {'b0': 7}
id in [1, 2, 3] => "id" IN (%(b0)s, %(b1)s, %(b2)s) | {'b0': 1, 'b1': 2, 'b2': 3}
s in ["a", "b"] => "s" IN (%(b0)s, %(b1)s) | {'b0': 'a', 'b1': 'b'}
i > 3 and i < 9 => "i" > %(b0)s AND "i" < %(b1)s | {'b0': 3, 'b1': 9}
(s != "x") or (i >= 0) => "s" <> %(b0)s OR "i" >= %(b1)s | {'b0': 'x', 'b1': 0}
i == 7 && f > 0.5 => "i" = %(b0)s AND "f" > 0.5 | {'b0': 7}
s like "a%" and i == 2 => "s" LIKE 'a%%' ESCAPE '\\' AND "i" = %(b0)s | {'b0': 2}
i == 9223372036854775807 => "i" = %(b0)s | {'b0': 9223372036854775807}
i == 9223372036854775808 => -
i == -7 => -
i == 010 => -
i8 == 3 => -
i32 == 3 => -
f == 1 => -
i == 1 + 1 => -
i + 1 == 2 => -
s == "a\\"b" => -
s == 5 => -
i == "5" => -
dyn_key == 5 => "$meta" @> CAST(%(b0)s AS JSONB) | {'b0': '{"dyn_key": 5}'}
j["a"] == 5 => "j" @> CAST(%(b0)s AS JSONB) | {'b0': '{"a": 5}'}
j["a"]["b"] == "x" => "j" @> CAST(%(b0)s AS JSONB) | {'b0': '{"a": {"b": "x"}}'}
dyn_key["z"] == "q" => "$meta" @> CAST(%(b0)s AS JSONB) | {'b0': '{"dyn_key": {"z": "q"}}'}
$meta["x"] == 1 => "$meta" @> CAST(%(b0)s AS JSONB) | {'b0': '{"x": 1}'}
dyn_key == "50 %" => "$meta" @> CAST(%(b0)s AS JSONB) | {'b0': '{"dyn_key": "50 %"}'}
dyn_key == "é" and i == 3 => "$meta" @> CAST(%(b0)s AS JSONB) AND "i" = %(b1)s | {'b0': '{"dyn_key": "é"}', 'b1': 3}
s like "%(b" and dyn_key == 1 => "s" LIKE '%%(b' ESCAPE '\\' AND "$meta" @> CAST(%(b0)s AS JSONB) | {'b0': '{"dyn_key": 1}'}
j["a"][0] == 1 => -
j == 5 => -
j["a"] > 5 => -
dyn_key != 5 => -
dyn_key == 1.5 => -
dyn_key == true => -
array_contains(a, 5) => -
i in [1, "a"] => -
i in [1, 2] + x => -
text_match(t, "Hello, World") => ("$match$t" -> 't') ?| CAST(%(b0)s AS TEXT[]) | {'b0': '{"hello","world"}'}
TEXT_MATCH(t, "a a b") and i == 3 => ("$match$t" -> 't') ?| CAST(%(b0)s AS TEXT[]) AND "i" = %(b1)s | {'b0': '{"a","b"}', 'b1': 3}
not text_match(t, "x") => NOT (("$match$t" -> 't') ?| CAST(%(b0)s AS TEXT[])) | {'b0': '{"x"}'}
text_match(t, "...") => ("$match$t" -> 't') ?| CAST(%(b0)s AS TEXT[]) | {'b0': '{}'}
text_match(t, 'say "hi"') => ("$match$t" -> 't') ?| CAST(%(b0)s AS TEXT[]) | {'b0': '{"say","hi"}'}
text_match(t, 'a\\"b') => -
text_match(tz, "网球滑雪") => ("$match$tz" -> 't') ?| CAST(%(b0)s AS TEXT[]) | {'b0': '{"网球","滑雪"}'}
text_match(t, "x", minimum_should_match=2) => -
phrase_match(t, "a b") => -
text_match(s, "x") => -
s =~ "red" => "s" ~ %(b0)s | {'b0': 'red'}
s !~ "^r.d$" and i == 3 => NOT ("s" ~ %(b0)s) AND "i" = %(b1)s | {'b0': '^r.d$', 'b1': 3}
s =~ "a|b" or s == "c" => "s" ~ %(b0)s OR "s" = %(b1)s | {'b0': '(?:a|b)', 'b1': 'c'}
s =~ "(?i)ab" => "s" ~ %(b0)s | {'b0': '[Aa][Bb]'}
s =~ "(x" => -
s =~ "a\\.b" => -
not s =~ "x" => -
j["a"] =~ "x" => -
dyn_key =~ "x" => -
sa[0] =~ "x" => -
"""


def _cases() -> list[tuple[str, str]]:
    out = []
    for line in CASES.strip().splitlines():
        text, expected = line.split(" => ")
        out.append(pytest.param(text, expected, id=text))
    return out


def _bound(expr: str) -> Optional[tuple[str, dict[str, Any]]]:
    found = bind.scan(expr)
    if found is None:
        return None
    mask = bind.mask(found, SCHEMA)
    if not any(mask):
        return None
    made = bind.template(found, mask, lambda t: filter_sql(t, SCHEMA), SCHEMA)
    params = None if made is None else found.values(mask, made.docs)
    return None if made is None or params is None else (made.text, params)


@pytest.mark.parametrize("expr, expected", _cases())
def test_bind_table(expr: str, expected: str) -> None:
    got = _bound(expr)
    shown = "-" if got is None else f"{got[0]} | {got[1]}"
    assert shown == expected


#: Whether a bound shape's statement may be prepared (equalities and in-lists only) or is planned
#: for each call's values (a range or an inequality among its bound values).
PREPARED = """
s == "red" => prepared
id in [1, 2, 3] => prepared
s in ["a", "b"] and i == 3 => prepared
i == 7 && f > 0.5 => prepared
i > 3 and i < 9 => planned
s != "x" => planned
i == 1 or i >= 2 => planned
dyn_key == "red" and j["a"] == 1 => prepared
dyn_key == "red" and i > 1 => planned
text_match(t, "fox") => prepared
s =~ "^re" => planned
s =~ "x" and i == 1 => planned
"""


@pytest.mark.parametrize("expr, expected", [pytest.param(*line.split(" => "), id=line.split(" => ")[0])
                                            for line in PREPARED.strip().splitlines()])
def test_which_bound_shapes_are_prepared(expr: str, expected: str) -> None:
    found = bind.scan(expr)
    prepared = bind.only_equalities(found, SCHEMA, bind.mask(found, SCHEMA))
    assert ("prepared" if prepared else "planned") == expected


def test_the_same_shape_has_the_same_key_whatever_its_values() -> None:
    keys = set()
    for i in range(5):
        found = bind.scan(f's == "v{i}" and i in [{i}, {i + 1}] and f > 0.25')
        keys.add(found.key(bind.mask(found, SCHEMA)))
    assert len(keys) == 1


# -- on the server ------------------------------------------------------------------------------

FILTERS = ['k == 3', 'k != 3', 'k in [1, 5, 9]', 's == "s_4"', 's in ["s_1", "s_7", "nope"]',
           's > "s_5" and k < 8', '(k >= 2) or (s == "s_9")', 'k == 4 and f > 0.25',
           's == "it\'s"', "s == 'it\"s'", 's == "50%"', 's like "s_%" and k == 1',
           'color == "red"', 'j["a"] == 1', 'j["t"] == "t0" and k > 2', 'color == "it\'s %"',
           'j["a"] == 2 or color == "blue"', 'j["n"]["m"] == 3', 'color == 7',
           'text_match(t, "red fox")', 'not text_match(t, "Fox")', 'text_match(t, "blue") and k > 2',
           'text_match(t, "...")', 'text_match(t, "it\'s") or k == 1',
           's =~ "^s_[1-3]$"', 's !~ "_5" and k > 2', 's =~ "(?i)S_9|it" or k == 0', 's =~ "%"']


@pytest.fixture
def filled(client: MilvusClient) -> MilvusClient:
    schema = client.create_schema(enable_dynamic_field=True)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("k", DataType.INT64)
    schema.add_field("s", DataType.VARCHAR, max_length=16)
    schema.add_field("f", DataType.DOUBLE)
    schema.add_field("j", DataType.JSON)
    schema.add_field("t", DataType.VARCHAR, max_length=64, enable_analyzer=True, enable_match=True)
    client.create_collection("c", schema=schema)
    rows = [{"id": i, "v": [0.0, float(i)], "k": i, "s": f"s_{i}", "f": i / 10,
             "j": {"a": i % 3, "t": f"t{i % 2}", "n": {"m": i}}, "color": ["red", "blue", 7][i % 3],
             "t": ["red fox", "blue bird", "lazy dog"][i % 3] + f" w{i}"} for i in range(10)]
    rows += [{"id": 10, "v": [1.0, 1.0], "k": 10, "s": "it's", "f": 0.0, "j": {}, "color": "it's %", "t": "it's"},
             {"id": 11, "v": [1.0, 1.0], "k": 11, "s": 'it"s', "f": 0.0, "j": [1], "t": "fox"},
             {"id": 12, "v": [1.0, 1.0], "k": 12, "s": "50%", "f": 0.0, "j": {"a": 1.0}, "t": "50%"}]
    client.insert("c", rows)
    return client


def _on_reads_connection(client: MilvusClient, fn: Any) -> Any:
    """``fn(conn)`` on the connection the client's reads run on (prepared statements are the
    session's): the async face's are its AsyncConnectionPool's, used in a green call."""
    if hasattr(client, "_aclient"):
        from pgmilvus.pg import green

        return client.run(green.run_green(client._read, fn))
    return client._read(fn)


def _same_shape_other_values(client: MilvusClient, expr: str) -> str:
    """``expr`` with other values (sentinels): querying it first makes ``expr``'s values bound,
    since binding starts with a shape's second set of values."""
    info = client._read(lambda conn: collections.require(conn, "default", "c"))
    found = bind.scan(expr)
    mask = bind.mask(found, info.schema)
    assert any(mask), expr
    return found.with_sentinels(mask, 0)


@pytest.mark.parametrize("expr", FILTERS)
def test_a_bound_query_returns_what_the_ordinary_path_returns(filled: MilvusClient, monkeypatch, expr):
    filled.query("c", filter=_same_shape_other_values(filled, expr))
    calls: list = []
    real = bound_filters.condition
    monkeypatch.setattr(bound_filters, "condition", lambda *a: calls.append(real(*a)) or calls[-1])
    bound = filled.query("c", filter=expr, output_fields=["k", "s"])
    assert calls[-1] is not None   # it did take the bound path
    with monkeypatch.context() as m:
        m.setattr(bound_filters, "condition", lambda *a: None)   # the ordinary path
        ordinary = filled.query("c", filter=expr, output_fields=["k", "s"])
    assert bound == ordinary
    it = filled.query_iterator("c", batch_size=2, filter=expr, output_fields=["k"])
    assert [r["id"] for page in it for r in page] == [r["id"] for r in ordinary]


def test_a_shape_compiles_once_whatever_its_values(filled: MilvusClient, monkeypatch):
    compiled: list[str] = []
    real = bound_filters.plan_sql

    def counting(expr, *args, **kwargs):
        compiled.append(expr)
        return real(expr, *args, **kwargs)
    monkeypatch.setattr(bound_filters, "plan_sql", counting)
    monkeypatch.setattr(reads, "plan_sql", counting)
    for k in range(10):
        assert [r["k"] for r in filled.query("c", filter=f'k == {k} and s != "x"', output_fields=["k"])] == [k]
    # the first filter as written (binding starts with a shape's second values), then the shape
    # with two sets of sentinel values; no compilation after that
    assert len(compiled) == 3


def test_bad_values_still_get_the_ordinary_errors(filled: MilvusClient):
    from pgmilvus.errors import MilvusException

    filled.query("c", filter="k == 1")   # the shape is known
    with pytest.raises(MilvusException):
        filled.query("c", filter="k == 99999999999999999999")
    for pattern in ("s_1", "s_2"):       # a bound regex shape: a pattern Milvus refuses still raises
        filled.query("c", filter=f's =~ "{pattern}"')
    with pytest.raises(MilvusException, match="missing closing \\)"):
        filled.query("c", filter='s =~ "(x"')


def test_a_bound_equality_is_prepared_on_the_server_and_a_bound_range_is_not(filled: MilvusClient):
    def prepared_statements() -> list[str]:
        return _on_reads_connection(filled, lambda conn: [r[0] for r in conn.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%$1%'")])

    for k in range(4):
        assert [r["k"] for r in filled.query("c", filter=f"k == {k}", output_fields=["k"])] == [k]
        filled.query("c", filter=f"k > {k} and k < {k + 3}", output_fields=["k"])
    statements = prepared_statements()
    assert any('"k" = $1' in text for text in statements), statements
    assert not any('"k" > $1' in text for text in statements), statements


def test_a_json_key_equality_is_one_prepared_statement_whatever_its_value(filled: MilvusClient):
    for k in range(6):
        color = ["red", "blue"][k % 2]
        assert {r["color"] for r in filled.query("c", filter=f'color == "{color}"', output_fields=["color"])} \
            == {color}
    statements = _on_reads_connection(filled, lambda conn: [r[0] for r in conn.execute(
        "SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%%$meta%%'")])
    assert [text for text in statements if "@>" in text] == [
        next(text for text in statements if '"$meta" @> CAST($1 AS JSONB)' in text)], statements


def test_a_repeated_filter_text_binds_once_its_shape_has_other_values(filled: MilvusClient):
    info = filled._read(lambda conn: collections.require(conn, "default", "c"))
    for _ in range(3):   # the same text, word for word: remembered as unbound after the first
        assert bound_filters.condition(info, "k == 3") is None
    assert bound_filters.condition(info, "k == 4").params == {"b0": 4}   # the shape now varies
    assert bound_filters.condition(info, "k == 3").params == {"b0": 3}
    assert bound_filters.condition(info, "k > f") is None                  # nothing to bind, ever
    assert bound_filters.condition(info, "k > f") is None


def test_a_bound_filter_text_that_comes_back_is_one_lookup_and_inlined_once(filled: MilvusClient):
    info = filled._read(lambda conn: collections.require(conn, "default", "c"))
    bound_filters.condition(info, "k < 100")
    first = bound_filters.condition(info, "k < 10")          # the shape varies: bound
    assert bound_filters.condition(info, "k < 10") is first   # the text again: the same Bound
    statement = b"SELECT 1 WHERE " + first.text
    assert first.inline(statement) == b'SELECT 1 WHERE "k" < 10'
    assert first.inline(statement) is first.inline(statement)
    bound_filters.condition(info, 's > "a" and k < 4')
    other = bound_filters.condition(info, 's > "it\'s 5%" and k < 3')
    assert other.inline(other.text) == b"\"s\" COLLATE \"C\" > 'it''s 5%%' AND \"k\" < 3"
