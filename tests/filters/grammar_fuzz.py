"""Grammar-shaped filter fuzz: random Milvus expressions, valid or nearly so, through query and search.

Where test_injection throws hostile text at the parser and test_differential checks valid filters'
rows against Milvus Lite, this draws expressions from Milvus's grammar with operands of every
kind on a collection of every scalar type (nullable ones, JSON paths, dynamic keys, array
elements): mismatched types, arithmetic against arrays, empty lists, int64 limits, templates with
values of any type.  Each call must return rows or raise a MilvusException whose text shows no raw
PostgreSQL or Python error; psycopg must log nothing.  test_grammar_fuzz.py runs 1,500 of them;
a longer run, on a scratch database::

    python -m tests.filters.grammar_fuzz --seed 3 --count 20000 /tmp/grammar-fuzz.db
"""

from __future__ import annotations

import collections
import logging
import random
from typing import Any

from pgmilvus import DataType, MilvusClient
from pgmilvus.errors import MilvusException

from tests.server.fuzz import RAW_ERROR, Logged, arguments, report

_NUMERIC = [("i8", DataType.INT8), ("i16", DataType.INT16), ("i32", DataType.INT32), ("i64", DataType.INT64),
            ("fl", DataType.FLOAT), ("db", DataType.DOUBLE), ("bo", DataType.BOOL)]
_ARRAYS = [("ai", DataType.INT64), ("as", DataType.VARCHAR), ("af", DataType.DOUBLE), ("ab", DataType.BOOL)]
_FIELDS = [n for n, _ in _NUMERIC] + ["s", "id"] + [n for n, _ in _ARRAYS] + [
    "j", 'j["a"]', 'j["b"][0]', 'j["c"]["d"]', '$meta["x"]', "dyn", 'j["s"]', "ai[0]", "as[1]", "ai[-1]", "ai[100]"]
_INTS = ["0", "1", "-1", "42", "127", "128", "-129", "32768", "2147483648", "9223372036854775807",
         "-9223372036854775808", "9223372036854775808", "1e3", "0x10", "007"]
_FLOATS = ["0.5", "-1.5", "1e10", "1e309", "3.4e38", "0.0", "-0.0", ".5", "5.", "1e-50"]
_STRS = ['"a"', "'b'", '""', '"a%"', '"%_"', '"\\\\"', '"é"', '"a\\"b"', 'r"x"', '"[1]"']
_LISTS = ["[1, 2]", '["a"]']
_OTHER = ["true", "false", "True", "null", *_LISTS, "[]", "{x}"]
_FUNCTIONS = ["array_contains", "array_contains_all", "array_contains_any", "json_contains", "json_contains_all",
              "json_contains_any"]
_TEMPLATE_VALUES = [1, "a", [1, 2], 1.5, None, True, {"k": 1}, [[1]], -2**63]


class Grammar:
    """Seeded expressions (``expr``) and the ``filter_params`` a template among them takes."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def literal(self) -> str:
        return self.r.choice(self.r.choice([_INTS, _FLOATS, _STRS, _OTHER]))

    def atom(self) -> str:
        r, f = self.r, self.r.choice(_FIELDS)
        forms = [
            lambda: f"{f} {r.choice(['==', '!=', '<', '<=', '>', '>='])} {self.literal()}",
            lambda: f"{f} {r.choice(['+', '-', '*', '/', '%', '**'])} {r.choice(_INTS + _FLOATS)} "
                    f"{r.choice(['==', '!=', '<', '>'])} {self.literal()}",
            lambda: f"{f} {r.choice(['in', 'not in'])} [{', '.join(self.literal() for _ in range(r.randint(0, 3)))}]",
            lambda: f"{f} {r.choice(['like', 'LIKE'])} {r.choice(_STRS)}",
            lambda: f"{f} is {r.choice(['null', 'not null'])}",
            lambda: f"{r.choice(_FUNCTIONS)}({f}, {r.choice([self.literal(), *_LISTS])})",
            lambda: f"array_length({f}) {r.choice(['==', '>'])} {r.choice(_INTS)}",
            lambda: f"exists {f}",
            lambda: f"{self.literal()} {r.choice(['<', '<='])} {f} {r.choice(['<', '<='])} {self.literal()}",
            lambda: f"{f} {r.choice(['==', '<', '!='])} {r.choice(_FIELDS)}",
            lambda: f"{r.choice(['text_match', 'phrase_match', 'empty', 'starts_with'])}({f}, {r.choice(_STRS)})",
            lambda: f"{f} {r.choice(['=~', '!~'])} {r.choice(_STRS)}",
            lambda: r.choice(["true", "false", "not true"]),
        ]
        return r.choice(forms)()

    def expr(self, depth: int = 0) -> str:
        r = self.r
        if depth > 2 or r.random() < 0.4:
            return self.atom()
        roll = r.random()
        if roll < 0.4:
            return f"{self.expr(depth + 1)} {r.choice(['and', 'or', '&&', '||', 'AND', 'OR'])} {self.expr(depth + 1)}"
        if roll < 0.6:
            return f"not ({self.expr(depth + 1)})"
        return f"!({self.expr(depth + 1)})" if roll < 0.7 else f"({self.expr(depth + 1)})"

    def params(self, text: str) -> Any:
        return {"x": self.r.choice(_TEMPLATE_VALUES)} if "{x}" in text else None


def collection(client: MilvusClient, name: str = "grammar") -> str:
    """A collection of every scalar type (nullable), JSON, arrays and a dynamic field, 60 rows."""
    schema = client.create_schema(enable_dynamic_field=True)
    schema.add_field("id", DataType.INT64, is_primary=True)
    for field, dtype in _NUMERIC:
        schema.add_field(field, dtype, nullable=True)
    schema.add_field("s", DataType.VARCHAR, max_length=32, nullable=True, enable_analyzer=True, enable_match=True)
    schema.add_field("j", DataType.JSON, nullable=True)
    for field, element in _ARRAYS:
        schema.add_field(field, DataType.ARRAY, element_type=element, max_capacity=4, max_length=8, nullable=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    index = client.prepare_index_params()
    index.add_index("v", index_type="HNSW", metric_type="L2")
    client.create_collection(name, schema=schema, index_params=index)
    client.insert(name, [{"id": i, "i8": i % 100 - 50 if i % 7 else None, "i16": i * 300, "i32": i * 70000,
                          "i64": i * 10**12, "fl": i / 3, "db": i * 1.5, "bo": i % 2 == 0,
                          "s": f"a{i} word" if i % 5 else None,
                          "j": {"a": i, "b": [i, "x"], "c": {"d": i % 3}, "s": f"v{i}"} if i % 4 else
                          (None if i % 8 else [1, 2]),
                          "ai": [i, i + 1], "as": ["a", str(i)], "af": [i / 2], "ab": [True],
                          "v": [i / 10, 0.5], "dyn": i if i % 2 else "str", "x": {"y": i}} for i in range(60)])
    return name


def fuzz(client: MilvusClient, name: str, count: int, seed: int) -> collections.Counter:
    """Run ``count`` expressions through query and search; findings: (call, what, text) -> times."""
    grammar, findings = Grammar(seed), collections.Counter()
    logged = Logged()
    psycopg_log = logging.getLogger("psycopg")
    psycopg_log.addHandler(logged)
    try:
        for _ in range(count):
            text = grammar.expr()
            params = grammar.params(text)
            for call in ("query", "search"):
                try:
                    if call == "query":
                        client.query(name, filter=text, filter_params=params, output_fields=["id"], limit=5)
                    else:
                        client.search(name, [[0.1, 0.2]], filter=text, filter_params=params, limit=3)
                except MilvusException as exc:
                    if RAW_ERROR.search(exc.message) or "PostgreSQL error" in exc.message:
                        findings[(call, str(exc.code), f"{exc.message[:150]} <- {text}")] += 1
                except Exception as exc:  # the finding this hunts: no Milvus error at all
                    findings[(call, type(exc).__name__, f"{exc} <- {text}"[:220])] += 1
                for message in logged.records:
                    findings[(call, "psycopg log", f"{message[:120]} <- {text}")] += 1
                logged.records.clear()
    finally:
        psycopg_log.removeHandler(logged)
    return findings


def main() -> None:
    args = arguments(__doc__)
    with MilvusClient(args.db) as client:
        if client.has_collection("grammar"):
            client.drop_collection("grammar")
        report(f"{args.count} expressions", fuzz(client, collection(client), args.count, args.seed))


if __name__ == "__main__":
    main()
