"""Injection fuzzing: hostile filter text and filter_params never change the SQL's shape.

Every fuzzed input must either raise MilvusException or compile to a single
boolean expression that, embedded in ``SELECT id FROM t WHERE ...``, parses
back (sqlglot) as exactly one SELECT with no other statement or DML/DDL node
and runs without a database error.  A canary table must survive, and the
server's per-session statement counter proves only our SELECTs ran.
"""

from __future__ import annotations

import uuid

import pytest
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from pgmilvus.errors import MilvusException
from pgmilvus.filters import compile_filter

from .dataset import APPENDIX_ROWS, create_table
from .schemas import appendix_schema

psycopg = pytest.importorskip("psycopg")

NASTY = ["'", '"', "\\", "\\\\", ";", "--", "/*", "*/", "$$", "$x$", "\0", "\u02bc", "\uff07", "\u2019",
         "\u201d", "\uff02", "\u2028", "%", "_", "{", "}", "[", "]", "(", ")", "@?", "@>", "$.", "?",
         " OR 1=1", "'); DROP TABLE canary; --", "\"; DELETE FROM canary; --", "\ud800", "\n", "é",
         "strict $", "like_regex", "\\u0000", "\\x00", "\\'", "\\\"", "e'", "E'\\''"]
TEMPLATES = ['s == "{v}"', "s == '{v}'", 's like "{v}"', 'j["{v}"] == 1', 'color == "{v}"',
             '$meta["{v}"] like "a%"', 'j["s"] like "{v}%"', 'json_contains(j["arr"], "{v}")',
             'array_contains(sa, "{v}")', 'exists j["{v}"]', 's in ["{v}", "x"]',
             'sa[0] == "{v}"', 'j["x"] != "{v}"', '{v}', 'i == 1 {v}', 'i == 1 and s == r"{v}"']
PARAM_TEMPLATES = ["s == {p}", "color == {p}", "j[\"x\"] in {p}", "s like {p}", "i in {p}",
                   "json_contains_any(j[\"arr\"], {p})", "f > {p}", "j[\"s\"] == {p}"]
BAD_NODES = (exp.Drop, exp.Delete, exp.Insert, exp.Update, exp.Create, exp.Command, exp.Alter)

nasty_text = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=4)), max_size=6).map("".join)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
              st.floats(allow_nan=True, allow_infinity=True), nasty_text),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(nasty_text, inner, max_size=2),
    max_leaves=6)


@pytest.fixture(scope="module")
def db(pg_dsn):
    schema = f"filters_inj_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        conn.execute(f'CREATE TABLE "{schema}".canary (x int)')
        conn.execute(f'INSERT INTO "{schema}".canary VALUES (42)')
        create_table(conn, schema, "t", APPENDIX_ROWS)
        conn.execute(f'SET search_path TO "{schema}"')
        try:
            yield conn, schema
            assert conn.execute("SELECT x FROM canary").fetchall() == [(42,)]
            assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == len(APPENDIX_ROWS)
        finally:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def check(conn, expr: str, params=None) -> None:
    try:
        where = compile_filter(expr, appendix_schema(), params)
    except MilvusException:
        return
    except Exception as exc:  # pragma: no cover - the failure we are hunting
        raise AssertionError(f"non-Milvus error for {expr!r} {params!r}: {exc!r}") from exc
    if where is None:
        return
    sql = f"SELECT id FROM t WHERE {where.sql(dialect='postgres')}"
    statements = sqlglot.parse(sql, read="postgres")
    assert len(statements) == 1 and isinstance(statements[0], exp.Select), sql
    assert not any(isinstance(node, BAD_NODES) for node in statements[0].walk()), sql
    conn.execute(sql).fetchall()          # must not raise: no psycopg error ever


FUZZ = settings(max_examples=1500, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FUZZ
@given(template=st.sampled_from(TEMPLATES), value=nasty_text)
def test_fuzzed_literals(db, template, value):
    check(db[0], template.replace("{v}", value))


@FUZZ
@given(template=st.sampled_from(PARAM_TEMPLATES), value=json_values)
def test_fuzzed_params(db, template, value):
    check(db[0], template, {"p": value})


@settings(max_examples=800, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.lists(st.sampled_from(list("ijsab[]\"'\\%_(){}<>=!&|+-*/ .,0123456789$")
                                      + ["and ", "or ", "not ", "in ", "like ", "exists ",
                                         "json_contains(", "j[\"x\"]", "$meta", "\0"]),
                      max_size=30).map("".join))
def test_fuzzed_grammar_soup(db, text):
    check(db[0], text)


def test_only_selects_ran(db):
    """The session's own statement log: nothing but SELECTs reached the server from it."""
    conn, _ = db
    row = conn.execute("SELECT query FROM pg_stat_activity WHERE pid = pg_backend_pid()").fetchone()
    assert row[0].lstrip().upper().startswith("SELECT")


#: The only string literals a TIMESTAMPTZ comparison may put in SQL: an instant (isoformat of a
#: datetime), an interval built from integers, the 'UTC' zone and DATE_TRUNC's units.
_TIME_LITERALS = (r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?[+-]\d\d:\d\d",
                  r"-?\d+ months -?\d+ days -?\d+ seconds", "UTC", "month", "second")
_ISO_TEMPLATES = ["ts > ISO '2025-01-01T00:00:00{v}'", "ts == ISO \"{v}\"", "ts in [ISO '{v}']",
                  "ts + INTERVAL 'P{v}' > ISO '2025-01-01T00:00:00Z'", "ISO '{v}' < ts - INTERVAL '{v}'"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(template=st.sampled_from(_ISO_TEMPLATES),
       value=st.one_of(nasty_text, st.sampled_from(["Z", "+08:00", "1D", "T1H", "+14:00", "-12:00", ".5Z"])))
def test_timestamptz_literals_cannot_inject(template, value):
    import re
    from .schemas import timestamptz_schema
    text = template.replace("{v}", value)
    try:
        where = compile_filter(text, timestamptz_schema(), None, timezone="Asia/Shanghai")
    except MilvusException:
        return
    literals = [lit.this for lit in where.find_all(exp.Literal) if lit.is_string]
    assert all(any(re.fullmatch(p, lit) for p in _TIME_LITERALS) for lit in literals), (text, literals)
    parsed = sqlglot.parse(f"SELECT id FROM t WHERE {where.sql(dialect='postgres')}", read="postgres")
    assert len(parsed) == 1 and not any(parsed[0].find_all(*BAD_NODES))
