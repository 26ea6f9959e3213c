"""Table-driven compile tests, sqlglot style: one case per line in cases.txt.

Line formats (no database needed)::

    <milvus filter> => <expected Postgres SQL>
    <milvus filter> =! <expected error detail (exact text after "error: column N: ")>
    nodyn: <filter> ...     same, against the schema without the dynamic field
    tok: <filter> ...       against :func:`schemas.stored_tokens_schema` (text_match tokens stored)
    tsz: <filter> ...       against :func:`schemas.timestamptz_schema` (TIMESTAMPTZ fields)
    tsz@<zone>: <filter>    same, ``ISO`` times without an offset read in ``<zone>`` (else UTC)

``#`` starts a comment line.  Templates read :data:`PARAMS`.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from pgmilvus.errors import MilvusException
from pgmilvus.filters import FilterError, compile_filter, filter_sql, parse_filter
from pgmilvus.filters.compile import like_to_pg, like_to_regex

from .schemas import appendix_schema, stored_tokens_schema, timestamptz_schema

SCHEMAS = {"dyn": appendix_schema(dynamic=True), "nodyn": appendix_schema(dynamic=False),
           "tsz": timestamptz_schema(), "tok": stored_tokens_schema()}
PARAMS = {"x": 3, "y": 7, "s": "red", "lst": [1, 2], "strs": ["a", "b"], "fl": 1.5,
          "mixed": [1, "a", True], "pat": "r%", "flag": True, "obj": {"a": 1},
          "nul": "a\0b", "big": 2**70, "nan": math.nan, "none": None, "two": 2.0, "bigs": [1, 2**63]}
CASES_FILE = Path(__file__).with_name("cases.txt")


def _load_cases() -> list:
    cases = []
    for number, raw in enumerate(CASES_FILE.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        schema, zone = "dyn", "UTC"
        line = raw
        if line.startswith(("nodyn: ", "tok: ")):
            schema, line = line.split(": ", 1)
        elif line.startswith("tsz"):
            prefix, line = line.split(": ", 1)
            schema, _, zone = prefix.partition("@")
            zone = zone or "UTC"
        for sep, kind in ((" => ", "sql"), (" =! ", "error")):
            if sep in line:
                expr, expected = line.split(sep, 1)
                cases.append(pytest.param(schema, expr, kind, expected, zone, id=f"L{number}"))
                break
        else:
            raise AssertionError(f"cases.txt line {number} has no ' => ' or ' =! ': {raw!r}")
    return cases


CASES = _load_cases()


def test_case_count():
    assert len(CASES) >= 300


@pytest.mark.parametrize("schema,expr,kind,expected,zone", CASES)
def test_case(schema, expr, kind, expected, zone):
    if kind == "sql":
        assert filter_sql(expr, SCHEMAS[schema], PARAMS, timezone=zone) == expected
    else:
        with pytest.raises(FilterError) as info:
            filter_sql(expr, SCHEMAS[schema], PARAMS, timezone=zone)
        assert info.value.detail == expected
        # 3000: what Milvus runs and pgmilvus cannot ("... is not supported by pgmilvus: why"); 1100: what Milvus
        # refuses too; 65535: what segcore refuses when the query node builds the plan (functions.py)
        segcore = expected.endswith(" not found.") or expected.startswith("unsupported expr proto node")
        assert info.value.code == (3000 if "is not supported by pgmilvus: " in expected else 65535 if segcore else 1100)
        assert info.value.segcore == segcore
        if expected.startswith("predicate is not a boolean expression") or segcore:  # said after parsing
            assert info.value.message == expected
        else:
            assert info.value.message.startswith(f"cannot parse expression: {expr}, error: ")


# -- API behaviour beyond the table ----------------------------------------------------------
def test_empty_filter_is_none():
    for text in ("", "   ", "\n\t "):
        assert compile_filter(text, SCHEMAS["dyn"]) is None
        assert filter_sql(text, SCHEMAS["dyn"]) is None


def test_error_message_shape_and_wrap():
    with pytest.raises(FilterError) as info:
        filter_sql("i == 1 and", SCHEMAS["dyn"])
    err = info.value
    assert isinstance(err, MilvusException)
    assert err.column == 11
    assert err.message == ("cannot parse expression: i == 1 and, error: column 11: mismatched "
                           "input '<EOF>' expecting an operand")
    wrapped = err.wrap("failed to create query plan")
    assert type(wrapped) is MilvusException and wrapped.code == 1100
    assert wrapped.message == f"failed to create query plan: {err.message}: invalid parameter"


def test_unknown_field_without_dynamic_names_it():
    with pytest.raises(FilterError) as info:
        filter_sql("nofield == 1", SCHEMAS["nodyn"])
    assert info.value.message == ("cannot parse expression: nofield == 1, error: column 1: "
                                  "field nofield not exist")


def test_compile_returns_private_copies():
    first = compile_filter("i == 1", SCHEMAS["dyn"])
    first.set("this", None)
    assert filter_sql("i == 1", SCHEMAS["dyn"]) == '"i" = 1'
    assert compile_filter("i == 1", SCHEMAS["dyn"]).sql(dialect="postgres") == '"i" = 1'


def test_params_are_part_of_the_cache_key():
    schema = SCHEMAS["dyn"]
    assert filter_sql("i == {x}", schema, {"x": 1}) == '"i" = 1'
    assert filter_sql("i == {x}", schema, {"x": 2}) == '"i" = 2'
    assert filter_sql("f == {x}", schema, {"x": 1}) == '"f" = 1'
    assert filter_sql("f == {x}", schema, {"x": 1.0}) == '"f" = 1.0'
    assert filter_sql("j[\"k\"] == {x}", schema, {"x": True}) == \
        '"j" @> CAST(\'{"k": true}\' AS JSONB)'


def test_schema_is_part_of_the_cache_key():
    assert filter_sql("color == 1", SCHEMAS["dyn"]).startswith('"$meta"')
    with pytest.raises(FilterError):
        filter_sql("color == 1", SCHEMAS["nodyn"])


def test_parse_tree_is_cached_by_text():
    assert parse_filter("i == 1") is parse_filter("i == 1")


def test_non_str_filter_and_params_rejected():
    with pytest.raises(FilterError):
        filter_sql(123, SCHEMAS["dyn"])
    with pytest.raises(FilterError):
        filter_sql("i == {x}", SCHEMAS["dyn"], [("x", 1)])


def test_deep_nesting_is_an_error_not_a_crash():
    expr = "(" * 5000 + "i == 1" + ")" * 5000
    with pytest.raises(FilterError):
        filter_sql(expr, SCHEMAS["dyn"])


@pytest.mark.parametrize("pattern,pg,regex", [
    ("abc", "abc", "^abc$"),
    ("a%", "a%", "^a.*$"),
    ("a_c", "a_c", "^a.c$"),
    ("a\\%", "a\\%", "^a%$"),
    ("a\\_", "a\\_", "^a_$"),
    ("a\\\\", "a\\\\", "^a\\\\$"),
    ("a\\", "a\\\\", "^a\\\\$"),
    ("a\\b", "ab", "^ab$"),
    ("a.b*", "a.b*", "^a\\.b\\*$"),
    ("(x)[y]{z}|^$+?", "(x)[y]{z}|^$+?", "^\\(x\\)\\[y\\]\\{z\\}\\|\\^\\$\\+\\?$"),
])
def test_like_translation(pattern, pg, regex):
    assert like_to_pg(pattern) == pg
    assert like_to_regex(pattern) == regex
