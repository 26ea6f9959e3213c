"""Rows the DB, differential and injection tests load into Postgres.

Columns follow :func:`schemas.appendix_schema` (the vector column is left
out: vectors are not filterable).  ``APPENDIX_ROWS`` is the reference file's
Appendix A data; ``nasty_rows`` is the larger seeded dataset the
differential test shares with milvus-lite.
"""

from __future__ import annotations

import random
from typing import Any

# Postgres column types, as the collection DDL creates them.
COLUMNS = [
    ("id", "bigint PRIMARY KEY"), ("s", "varchar(64) NOT NULL"), ("i", "bigint NOT NULL"),
    ("i8", "smallint NOT NULL"), ("i32", "integer NOT NULL"), ("f", "double precision NOT NULL"),
    ("f32", "real NOT NULL"), ("b", "boolean NOT NULL"), ("j", "jsonb NOT NULL"),
    ("a", "bigint[] NOT NULL"), ("sa", "varchar(20)[] NOT NULL"), ("n", "bigint"),
    ("t", "varchar(200) NOT NULL"), ("nj", "jsonb"), ("fa", "real[] NOT NULL"),
    ("$meta", "jsonb NOT NULL DEFAULT '{}'"),
]
JSON_COLUMNS = {"j", "nj", "$meta"}

APPENDIX_ROWS: list[dict[str, Any]] = [
    dict(id=1, s="apple", i=1, i8=1, i32=1, f=1.5, f32=0.1, b=True,
         j={"x": 1, "y": {"z": "a"}, "arr": [1, 2, 3], "s": "hello"}, a=[1, 2, 3], sa=["red", "green"],
         n=1, t="hello world", nj={"x": 1}, fa=[0.1, 1.5],
         meta={"color": "red", "num": 10, "dj": {"k": 1}}),
    dict(id=2, s="banana", i=2, i8=2, i32=2, f=2.5, f32=0.25, b=False,
         j={"x": 2, "y": {"z": "b"}, "arr": [4, 5], "s": "world"}, a=[4, 5], sa=["blue"],
         n=None, t="Hello there, world", nj=None, fa=[],
         meta={"color": "blue", "num": 20}),
    dict(id=3, s="Apple pie", i=3, i8=3, i32=3, f=-1.0, f32=-1.5, b=True,
         j={"x": "3", "arr": []}, a=[], sa=[],
         n=3, t="world peace", nj={"x": "3"}, fa=[2.5],
         meta={"color": "Red"}),
    dict(id=4, s="a_b%c", i=4, i8=4, i32=4, f=0.0, f32=0.0, b=False,
         j={"x": None, "k": True}, a=[1], sa=["red"],
         n=None, t="", nj={"x": None}, fa=[0.1],
         meta={"num": 40}),
    dict(id=5, s='it\'s "q"', i=5, i8=5, i32=5, f=100.0, f32=100.0, b=True,
         j={"arr": [1, 2, 3, 4]}, a=[5, 5], sa=["x_y"],
         n=5, t="the quick brown fox", nj={}, fa=[1.0, 2.0],
         meta={"color": "green", "num": 50.5}),
    dict(id=6, s="abc", i=6, i8=6, i32=6, f=6.0, f32=6.5, b=False,
         j={"x": 6}, a=[6], sa=["abc"],
         n=6, t="hello", nj=[1, 2], fa=[6.5],
         meta={"num": "60"}),
    dict(id=7, s="ab", i=-7, i8=-7, i32=-7, f=7.0, f32=7.0, b=False,
         j={"x": 7.5}, a=[7], sa=["ab"],
         n=None, t="quick hello world", nj=7, fa=[],
         meta={"color": None}),
]

# -- the nasty dataset ---------------------------------------------------------------------------
NASTY_STRINGS = ["", " ", "a", "A", "ab", "abc", "a_b", "a%b", "100%", "_x", "%", "_", "it's",
                 'say "hi"', "back\\slash", "\\", "C:\\dir\\", "tab\tsep", "new\nline", "naïve",
                 "日本", "emoji😀", "Zebra", "zebra", "apple", "apples", "Apple", "ap", "-1", "0",
                 "1", "1.5", "true", "null", "$$", "--", "/*x*/", ";", "a.c", "a*c", "[a]"]
_COLORS = ["red", "blue", "Red", "green", "", "re%d", "r_d"]


def nasty_rows(count: int = 60, seed: int = 20240613) -> list[dict[str, Any]]:
    """Deterministic rows covering negatives, zero, empties, wildcards, unicode, mixed JSON."""
    rng = random.Random(seed)
    json_values: list[Any] = [0, 1, -1, 2, 3, 1.5, -2.5, 1e10, "1", "a", "", "a%", "b_c", True,
                              False, None, [], [1, 2], [1, [2, 3]], {"k": 1}, {"k": "v"}, "Ω"]
    rows = []
    for index in range(1, count + 1):
        i = rng.choice([0, 1, -1, 2, 3, 5, 7, -7, 10, 100, -100, 2**40, -(2**40), 42])
        arr_len = rng.choice([0, 0, 1, 2, 3, 4])
        j: dict[str, Any] = {}
        for key in ("x", "y", "s", "arr", "k", "nested"):
            roll = rng.random()
            if roll < 0.25:
                continue                          # missing key
            if key == "arr":
                j[key] = rng.choice([[], [1], [1, 2, 3], [2, 4], ["a", "b"], [1, "1", True, None],
                                     [[1, 2], 3], 5, "arr"])
            elif key == "nested":
                j[key] = rng.choice([{"z": "a"}, {"z": 1}, {"z": None}, {"w": [1, 2]}, [1], "z"])
            elif key == "s":
                j[key] = rng.choice(NASTY_STRINGS + [1, None])
            else:
                j[key] = rng.choice(json_values)
        meta: dict[str, Any] = {}
        if rng.random() < 0.8:
            meta["color"] = rng.choice(_COLORS + [None, 1])
        if rng.random() < 0.7:
            meta["num"] = rng.choice([0, 10, 20, -5, 50.5, "60", True, None, [1, 2]])
        if rng.random() < 0.5:
            meta["tags"] = rng.choice([[], ["a"], ["a", "b"], ["b", "c"], [1, 2], "a"])
        if rng.random() < 0.3:
            meta["dj"] = rng.choice([{"k": 1}, {"k": "1"}, {"k": [1]}, {}])
        rows.append(dict(
            id=index,
            s=rng.choice(NASTY_STRINGS),
            i=i,
            i8=rng.choice([-128, -7, -1, 0, 1, 3, 7, 127]),
            i32=rng.choice([-(2**31), -5, 0, 1, 5, 2**31 - 1, 100000]),
            f=rng.choice([0.0, -0.0, 1.5, -1.5, 2.0, 0.1, 1e10, -1e-5, 100.0, 3.0]),
            f32=rng.choice([0.1, 0.0, -1.5, 2.5, 1e-3, 3.0, 100.0]),
            b=rng.random() < 0.5,
            j=j,
            a=[rng.choice([-3, 0, 1, 2, 3, 4, 5]) for _ in range(arr_len)],
            sa=[rng.choice(["red", "blue", "", "a_b", "%", "x"]) for _ in range(rng.choice([0, 1, 2]))],
            n=rng.choice([None, None, 0, 1, -1, 5]),
            t=rng.choice(["hello world", "", "quick brown fox", "Hello", "world"]),
            nj=rng.choice([None, {"x": 1}, {"x": "1"}, [1], {"x": None}, {}]),  # Lite: no JSON scalars
            fa=[rng.choice([0.1, 1.5, -2.0]) for _ in range(rng.choice([0, 1, 2]))],
            meta=meta,
        ))
    return rows


def create_table(conn, schema: str, table: str, rows: list[dict[str, Any]]) -> None:
    """Create ``schema.table`` with the collection's column layout and load ``rows``."""
    from psycopg import sql
    from psycopg.types.json import Jsonb

    columns = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(ddl))
                                 for name, ddl in COLUMNS)
    target = sql.Identifier(schema, table)
    conn.execute(sql.SQL("CREATE TABLE {} ({})").format(target, columns))
    names = [name for name, _ in COLUMNS]
    insert = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
        target, sql.SQL(", ").join(map(sql.Identifier, names)),
        sql.SQL(", ").join(sql.Placeholder() * len(names)))
    for row in rows:
        values = []
        for name in names:
            value = row["meta" if name == "$meta" else name]
            if name in JSON_COLUMNS and not (name == "nj" and value is None):
                value = Jsonb(value)
            values.append(value)
        conn.execute(insert, values)
