"""Nothing a user passes can become SQL: fuzzed names, filters, parameters, JSON keys.

Hypothesis builds strings from the pieces SQL injection is made of (quotes,
comments, semicolons, dollar quotes, backslashes, NUL, unicode look-alikes of
quotes and semicolons, SQL keywords), each carrying the marker ``ZQX``.  They
go in as collection / partition / alias / database / field names,
output_fields, filter strings, filter_params values, JSON keys and ``$meta``
keys.  Every call either gives the correct result or raises a MilvusException.

Evidence that nothing leaked into SQL, on the TCP test server:
* a canary table created with plain SQL in the same database survives intact;
* with ``log_statement = 'all'`` set for the test database, every statement in
  the server log starts with a known command, holds exactly one statement (no
  ``;`` outside quotes and comments), and the marker never appears outside a
  quoted literal or identifier (user input is only ever data, never syntax).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any, Iterator

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from pgmilvus import DataType, MilvusClient
from pgmilvus.data import aggregates
from pgmilvus.pg.connection import dsn_with
from pgmilvus.errors import MilvusException

MARK = "ZQX"
SQL_DIR = Path(__file__).resolve().parents[1] / "sql"
PIECES = ["'", "''", '"', ";", "; DROP TABLE public.canary; --", "--", "/*", "*/", "$$", "$q$", "\\", "\\'",
          "\x00", "\u02bc", "\uff07", "\u2019", "\uff1b", "\u037e", "\u0430", " ", "\n", "\t", "a", "_", "1",
          "é", "%", "{", "}", "[", "]", "(", ")", "$meta", "E'", "OR 1=1", "select", "pg_sleep(5)", "\"\"",
          "`", "#", "@", ",", ".", ":", "::text", "\\x00", "\u0000\u0000"]
NAME_RULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}\Z")
#: Milvus 2.6 validatePartitionTag: a digit may come first and '-' later; checked after trimming spaces.
PARTITION_RULE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,254}\Z")
SETTINGS = settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                          HealthCheck.too_slow])


def nasty() -> st.SearchStrategy[str]:
    """A string of injection pieces with the marker somewhere in it."""
    return st.tuples(st.lists(st.sampled_from(PIECES), max_size=6), st.lists(st.sampled_from(PIECES), max_size=6),
                     st.sampled_from(["", "_", "x"])).map(lambda t: "".join(t[0]) + t[2] + MARK + "".join(t[1]))


def name_like() -> st.SearchStrategy[str]:
    """Mostly invalid names, sometimes valid ones (which must then work)."""
    valid = st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,20}\Z").map(lambda s: s + MARK)
    dated = st.from_regex(r"\A[0-9][0-9-]{0,10}\Z").map(lambda s: s + MARK)  # a valid partition name
    return st.one_of(nasty(), valid, dated, st.sampled_from(["select", "_x1", "drop", "user", "pg_class"]).map(lambda s: s + MARK))


# ------------------------------------------------------------------ the server and its log

@pytest.fixture(scope="module")
def inj(tcp_dsn: str, test_root: Path) -> Iterator[dict[str, Any]]:
    name = f"inj_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(tcp_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("ALTER DATABASE {} SET log_statement = 'all'").format(sql.Identifier(name)))
    dsn = dsn_with(tcp_dsn, dbname=name)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.canary (x int PRIMARY KEY, note text)")
        conn.execute("INSERT INTO public.canary VALUES (1, 'a'), (2, 'b'), (3, 'c')")
    log = test_root / "tcp-pg" / "server.log"
    start = log.stat().st_size if log.exists() else None
    c = MilvusClient(dsn)
    s = c.create_schema(enable_dynamic_field=True)
    s.add_field("pk", DataType.INT64, is_primary=True)
    s.add_field("s", DataType.VARCHAR, max_length=512)
    s.add_field("j", DataType.JSON)
    s.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    c.create_collection("inj", schema=s, index_params=c.prepare_index_params("v", index_type="HNSW", metric_type="L2"))
    c.insert("inj", [{"pk": i, "s": f"row{i}", "j": {"k": i}, "v": [0.1, 0.2]} for i in range(3)])
    state = {"client": c, "dsn": dsn, "log": log if start is not None else None, "start": start, "pk": 1000}
    yield state
    c.close()
    with psycopg.connect(tcp_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _canary(dsn: str) -> list[tuple]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute("SELECT x, note FROM public.canary ORDER BY x").fetchall()


def _new_pk(inj: dict[str, Any]) -> int:
    inj["pk"] += 1
    return inj["pk"]


def _milvus_literal(text: str) -> str:
    """A double-quoted Milvus string literal for ``text`` (Go-style escapes)."""
    out = []
    for ch in text:
        if ch in "\\\"":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 32:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


# ------------------------------------------------------------------ names

@SETTINGS
@given(name=name_like(), kind=st.sampled_from(["collection", "partition", "alias", "database", "field", "lookup"]))
def test_fuzzed_names_work_or_are_refused(inj: dict[str, Any], name: str, kind: str) -> None:
    c = inj["client"]
    valid = bool((PARTITION_RULE.match(name.strip()) if kind == "partition" else NAME_RULE.match(name)))
    try:
        if kind == "collection":
            c.create_collection(name, dimension=2)
            assert c.has_collection(name) and name in c.list_collections()
            c.drop_collection(name)
        elif kind == "partition":
            c.create_partition("inj", name)
            assert c.has_partition("inj", name)
            c.release_partitions("inj", [name])
            c.drop_partition("inj", name)
        elif kind == "alias":
            c.create_alias("inj", name)
            assert c.describe_alias(name)["collection_name"] == "inj"
            c.drop_alias(name)
        elif kind == "lookup":  # calls Milvus 2.6 does not name-check: the name is only looked up
            c.drop_collection(name)
            for call in (lambda: c.describe_database(name), lambda: c.drop_collection_properties(name, ["k"])):
                with pytest.raises(MilvusException) as info:
                    call()
                assert info.value.code in (100, 800), info.value
            return
        elif kind == "database":
            c.create_database(name)
            assert name in c.list_databases()
            c.drop_database(name)
        else:
            c.create_collection("fz", dimension=2, primary_field_name=name)
            try:
                c.insert("fz", [{name: 7, "vector": [0.1, 0.2]}])
                assert c.query("fz", filter=f"{name} == 7", output_fields=[name]) == [{name: 7}]
            finally:
                c.drop_collection("fz")
    except MilvusException as exc:
        assert not valid or (kind == "database" and name.startswith("pg_")), f"valid name {name!r} refused: {exc}"
        return
    assert valid, f"invalid {kind} name {name!r} was accepted"


# ------------------------------------------------------------------ filters and parameters

@SETTINGS
@given(expr=nasty())
def test_fuzzed_filter_strings(inj: dict[str, Any], expr: str) -> None:
    c = inj["client"]
    for call in (lambda: c.query("inj", filter=expr, limit=10),
                 lambda: c.search("inj", data=[[0.1, 0.2]], filter=expr, limit=3),
                 lambda: c.delete("inj", filter=f"pk < 0 and {expr}")):
        try:
            result = call()
        except MilvusException:
            continue
        assert result is not None
    assert c.get_collection_stats("inj")["row_count"] >= 3


@SETTINGS
@given(value=nasty())
def test_fuzzed_filter_params_are_data(inj: dict[str, Any], value: str) -> None:
    """A template value is compared as data: it finds exactly the row that holds it."""
    c = inj["client"]
    pk = _new_pk(inj)
    try:
        c.insert("inj", [{"pk": pk, "s": value, "j": {"k": value}, "v": [0.1, 0.2]}])
    except MilvusException:
        assert "\x00" in value, f"insert of {value!r} refused"
        with pytest.raises(MilvusException):
            c.query("inj", filter="s == {p}", filter_params={"p": value})
        return
    got = c.query("inj", filter="s == {p}", filter_params={"p": value}, output_fields=["s"])
    assert got == [{"pk": pk, "s": value}]
    got = c.query("inj", filter="s in {p}", filter_params={"p": [value, "nothing"]}, output_fields=["pk"])
    assert got == [{"pk": pk}]
    got = c.query("inj", filter="j['k'] == {p}", filter_params={"p": value}, output_fields=["pk"])
    assert got == [{"pk": pk}]
    assert c.delete("inj", filter="s == {p}", filter_params={"p": value})["delete_count"] == 1


@SETTINGS
@given(key=nasty(), value=nasty())
def test_fuzzed_json_and_meta_keys(inj: dict[str, Any], key: str, value: str) -> None:
    """Keys of a JSON field and of the dynamic field round-trip and can be filtered on."""
    c = inj["client"]
    pk = _new_pk(inj)
    row = {"pk": pk, "s": "json", "j": {key: value}, "v": [0.1, 0.2], key: value}
    try:
        c.insert("inj", [row])
    except MilvusException:
        assert "\x00" in key + value, f"insert with key {key!r} refused"
        return
    got = c.get("inj", ids=[pk], output_fields=["j", "$meta"])
    assert got == [{"pk": pk, "j": {key: value}, key: value}]
    lit = _milvus_literal(key)
    for expr in (f"j[{lit}] == {_milvus_literal(value)}", f"$meta[{lit}] == {_milvus_literal(value)}"):
        try:
            rows = c.query("inj", filter=f"pk == {pk} and {expr}", output_fields=["pk"])
        except MilvusException:
            continue  # a key the filter language cannot spell is refused, never executed
        assert rows == [{"pk": pk}], expr
    c.delete("inj", ids=[pk])


@SETTINGS
@given(fields=st.lists(st.one_of(nasty(), st.sampled_from(["*", "pk", "s", "$meta", "count(*)"])),
                       min_size=1, max_size=3))
def test_fuzzed_output_fields(inj: dict[str, Any], fields: list[str]) -> None:
    c = inj["client"]
    try:
        rows = c.query("inj", filter="pk < 3", output_fields=fields)
    except MilvusException:
        return
    if any(aggregates.match(f.strip()) for f in fields):  # Milvus master: aggregates only, one row of them
        assert len(rows) == 1 and set(rows[0]) <= set(fields), rows
        assert "count(*)" not in fields or rows[0]["count(*)"] == 3
        return
    assert sorted(r["pk"] for r in rows) == [0, 1, 2]
    allowed = {"pk", "s", "j", "v"}
    for r in rows:
        assert set(r) <= allowed | set(fields), r  # unknown names are dynamic keys: absent


# ------------------------------------------------------------------ the canary and the log

def test_canary_table_survived(inj: dict[str, Any]) -> None:
    assert _canary(inj["dsn"]) == [(1, "a"), (2, "b"), (3, "c")]


ALLOWED_COMMANDS = ("SELECT", "INSERT", "UPDATE", "DELETE", "COPY", "CREATE", "DROP", "ALTER", "BEGIN", "COMMIT",
                    "ROLLBACK", "SAVEPOINT", "RELEASE", "LOCK", "SET", "RESET", "SHOW", "TRUNCATE", "VACUUM",
                    "WITH", "COMMENT", "GRANT", "REVOKE", "ANALYZE", "DISCARD", "DEALLOCATE", "LISTEN")
_ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", re.M)
_STATEMENT = re.compile(r"LOG:\s+(?:statement|execute [^:]*):\s(.*)", re.S)


def skeleton(statement: str) -> str:
    """The statement with every literal, quoted identifier, dollar-quoted string and comment
    replaced by a placeholder: what is left is the SQL syntax itself."""
    out, i, n = [], 0, len(statement)
    while i < n:
        ch = statement[i]
        if ch in "eE" and statement[i + 1:i + 2] == "'" and (i == 0 or not statement[i - 1].isalnum()):
            j = i + 2
            while j < n and statement[j] != "'":
                j += 2 if statement[j] == "\\" else 1
                if j < n and statement[j] == "'" and statement[j + 1:j + 2] == "'":
                    j += 2
            out.append("<lit>")
            i = j + 1
        elif ch in "'\"":
            j = i + 1
            while j < n:
                if statement[j] == ch:
                    if statement[j + 1:j + 2] == ch:
                        j += 2
                        continue
                    break
                j += 1
            out.append("<lit>" if ch == "'" else "<ident>")
            i = j + 1
        elif ch == "$" and (m := re.match(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$", statement[i:])) and \
                (i == 0 or not (statement[i - 1].isalnum() or statement[i - 1] == "_")):
            tag = m.group(0)
            end = statement.find(tag, i + len(tag))
            out.append("<dollar>")
            i = n if end < 0 else end + len(tag)
        elif statement.startswith("--", i):
            end = statement.find("\n", i)
            i = n if end < 0 else end
        elif statement.startswith("/*", i):
            end = statement.find("*/", i + 2)
            i = n if end < 0 else end + 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def test_skeleton_strips_quoted_text() -> None:
    assert skeleton("SELECT 'a;b''c', \"x;\"\"y\", $t$ ; $t$, E'\\'; x' -- ; c\n; /* ; */") == \
        "SELECT <lit>, <ident>, <dollar>, <lit> \n; "


def test_statement_log_shows_only_intended_sql(inj: dict[str, Any]) -> None:
    if inj["log"] is None:
        pytest.skip("no server log to read: the TCP test server is external (PGMILVUS_TEST_DSN)")
    text = inj["log"].read_text(errors="replace")[inj["start"]:]
    entries = [text[m.start():(nxt.start() if (nxt := _ENTRY.search(text, m.end())) else len(text))]
               for m in _ENTRY.finditer(text)]
    statements = []
    for entry in entries:
        m = _STATEMENT.search(entry)
        if m:  # the log indents continuation lines with a tab
            statements.append(m.group(1).replace("\n\t", "\n").strip())
    scripts = {p.read_text().strip() for p in SQL_DIR.rglob("*.sql")}
    # Runs after the fuzz tests of this module (it reads what they logged): alone it has nothing to check.
    assert len(statements) > 200, f"statement logging did not work ({len(statements)} statements)"
    marked = 0
    for stmt in statements:
        if "public.canary" in stmt and stmt.startswith("SELECT x, note FROM public.canary"):
            continue  # the test's own canary check
        if stmt == "":
            continue  # psycopg_pool's health check (ConnectionPool.check_connection) sends ""
        if stmt in scripts:
            continue  # one of pgmilvus's own catalog scripts (sql/), sent verbatim
        shape = skeleton(stmt)
        assert shape.lstrip("( \n").upper().startswith(ALLOWED_COMMANDS), f"unexpected statement: {stmt[:300]!r}"
        assert ";" not in shape.rstrip().rstrip(";"), f"two statements in one: {stmt[:300]!r}"
        assert MARK not in shape, f"user input outside quotes: {stmt[:300]!r} -> {shape[:300]!r}"
        assert "canary" not in shape.lower(), stmt[:300]
        marked += MARK in stmt
    assert marked > 0, "no fuzzed input reached SQL at all: the log check proves nothing"
    assert _canary(inj["dsn"]) == [(1, "a"), (2, "b"), (3, "c")]
