"""Differential test: pgmilvus on Postgres vs milvus-lite, replayed from JSON.

reference_results.json was produced by gen_reference.py (milvus-lite 3.x in a
separate venv) over :func:`dataset.nasty_rows` and :mod:`exprgen`'s seeded
expressions.  Here the same rows go into Postgres and every expression is
compiled by pgmilvus; the matched ids must be identical, except:

* ``LITE_ERROR``: Lite's own parser rejects constructs the 2.6 server
  accepts (negative range bounds, ``in`` on JSON paths, ``array_length`` of a
  JSON path).  Those expressions must still compile and run here, and the
  Appendix A DB test covers their semantics.
* documented Lite-vs-2.6-server differences (issue 3 / reference section 11),
  allowed only row by row: every row on which the answers differ must carry
  the trigger of one of them for an operand the expression uses:

  - a JSON / dynamic value that is missing, JSON null, a bool, an array or an
    object, a string compared with a number or a number with a string, or no
    array in ``json_contains`` (server 2.6 since #50723: such a value makes the
    comparison UNKNOWN, which ``!=``, ``not in`` and ``not`` keep UNKNOWN; Lite
    selects it there; ``exists`` is false for null, {} and [], ``true`` is not 1);
  - a NULL in the nullable field ``n`` (server: NULL never satisfies ``!=``);
  - an ARRAY shorter than the index used (server 2.6 since #51135: out of range
    is UNKNOWN, so ``not (a[3] > 0)`` does not match it either);
  - a negative dividend under ``/`` (server truncates like C);
  - a backslash escape in a LIKE pattern (server: ``\\%`` is a literal ``%``).
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest

from pgmilvus.filters import FilterError, compile_filter

from .dataset import create_table, nasty_rows
from .schemas import appendix_schema

psycopg = pytest.importorskip("psycopg")

REFERENCE = json.loads(Path(__file__).with_name("reference_results.json").read_text(encoding="utf-8"))


def test_reference_matches_dataset():
    import hashlib

    rows = nasty_rows()
    gen = REFERENCE["generator"]
    digest = hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()[:16]
    assert (gen["rows"], gen["rows_digest"]) == (len(rows), digest), \
        "dataset changed: rerun tests/filters/gen_reference.py in the reference venv"
    assert len(REFERENCE["results"]) >= 200


@pytest.fixture(scope="module")
def nasty_table(pg_dsn):
    schema = f"filters_diff_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        try:
            create_table(conn, schema, "nasty", nasty_rows())
            yield conn, f'"{schema}"."nasty"'
        finally:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


_DYNAMIC = ("color", "num", "tags", "dj", "nothing")
_PATH = re.compile(r'\bj((?:\[(?:"[^"]*"|\d+)\])+)')
_KEY = re.compile(r'\[("[^"]*"|\d+)\]')
_ELEMENT = re.compile(r'\b(a|sa)\[(\d+)\]')
_MISSING = object()


def _lookup(doc, keys):
    for key in keys:
        if isinstance(key, int):
            if not isinstance(doc, list) or key >= len(doc):
                return _MISSING
            doc = doc[key]
        else:
            if not isinstance(doc, dict) or key not in doc:
                return _MISSING
            doc = doc[key]
    return doc


def _odd_json(value, numeric_compare: bool, string_compare: bool, contains: bool = False) -> bool:
    """Missing, null, bool, container, of the other kind than a compared constant, or (for
    json_contains) no array."""
    return (value is _MISSING or value is None or isinstance(value, (bool, list, dict))
            or (numeric_compare and isinstance(value, str))
            or (string_compare and isinstance(value, (int, float)))
            or (contains and not isinstance(value, list)))


def explained(expr: str, row: dict) -> bool:
    """Does ``row`` carry the trigger of a documented difference for ``expr``?"""
    numeric = bool(re.search(r"[<>=] -?\d|\bin \[-?\d", expr))
    stringy = bool(re.search(r'[<>=] "|\bin \["', expr))
    contains = "json_contains" in expr.lower()
    for match in _PATH.finditer(expr):
        keys = [json.loads(k) for k in _KEY.findall(match.group(1))]
        if _odd_json(_lookup(row["j"], keys), numeric, stringy, contains):
            return True
        if keys and _odd_json(_lookup(row["j"], keys[:1]), numeric, stringy):
            return True
    for name in _DYNAMIC:
        if re.search(rf"\b{name}\b", expr) and _odd_json(row["meta"].get(name, _MISSING), numeric, stringy):
            return True
    if re.search(r"\bn\b", expr) and row["n"] is None:
        return True
    for name, index in _ELEMENT.findall(expr):
        if len(row[name]) <= int(index):
            return True
    if " / " in expr and row["i"] < 0:
        return True
    return "like" in expr and "\\" in expr


def classify(expr: str, lite: dict, ours, rows: dict) -> str:
    """'same', 'LITE_ERROR', 'EXPLAINED' (documented difference on every differing row)
    or 'MISMATCH'."""
    if "error" in lite:
        return "LITE_ERROR" if isinstance(ours, list) else "same"
    if ours == lite["ids"]:
        return "same"
    if isinstance(ours, list):
        differing = set(ours) ^ set(lite["ids"])
        if all(explained(expr, rows[i]) for i in differing):
            return "EXPLAINED"
    return "MISMATCH"


def test_differential(nasty_table):
    conn, table = nasty_table
    schema = appendix_schema()
    rows = {row["id"]: row for row in nasty_rows()}
    outcomes: dict[str, list[str]] = {}
    mismatches = []
    for case in REFERENCE["results"]:
        expr = case["expr"]
        try:
            where = compile_filter(expr, schema).sql(dialect="postgres")
            ours = [r[0] for r in conn.execute(f"SELECT id FROM {table} WHERE {where} ORDER BY id")]
        except FilterError as exc:
            ours = f"ERR {exc.detail}"
        verdict = classify(expr, case, ours, rows)
        outcomes.setdefault(verdict, []).append(expr)
        if verdict == "MISMATCH":
            mismatches.append((expr, case.get("ids", case.get("error")), ours))
    assert not mismatches, "\n".join(f"{e}\n  lite: {l}\n  ours: {o}" for e, l, o in mismatches)
    counts = {k: len(v) for k, v in outcomes.items()}
    assert counts.get("same", 0) >= 150, counts
    assert counts.get("same", 0) + counts.get("EXPLAINED", 0) >= 200, counts
