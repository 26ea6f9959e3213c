"""Seeded generator of filter expressions for the differential test.

It avoids the constructs where milvus-lite 3.x is known to disagree with the
2.6 server (so a mismatch means a pgmilvus bug): octal literals, FLOAT-field
literals (float32 rounding), templates and ``%`` (Lite rejects them), and
JSON comparisons between booleans and numbers (Lite treats ``true`` as 1).
Negations over JSON paths *are* generated; test_differential allows only
the server-documented difference for them (rows with a missing or mistyped
key match on the server, not on Lite).
"""

from __future__ import annotations

import json
import random

_STRINGS = ["", "a", "ab", "abc", "apple", "Apple", "a_b", "a%b", "100%", "it's", 'say "hi"',
            "back\\slash", "naïve", "日本", "emoji😀", "zebra", "Zebra", "red", "x", "%", "_"]
_PATTERNS = ["a%", "%a", "%b%", "a_", "_", "%", "a\\\\_b", "%\\\\%%", "ap%", "A%", "%😀",
             "日%", "%e", "__", "%\\\\\\\\%", "it's%", "a.c", "[a]%", "%_%"]
_SA_PATTERNS = ["r%", "%", "_", "a\\\\_b", "%x"]
_INTS = [-100, -7, -1, 0, 1, 2, 3, 5, 7, 10, 42, 100, 1099511627776]
_FLOATS = [-1.5, 0.0, 0.1, 1.5, 2.0, 3.0, 100.0, 1e10]
_CMP = ["==", "!=", "<", "<=", ">", ">="]


def _str(rng: random.Random) -> str:
    return json.dumps(rng.choice(_STRINGS), ensure_ascii=False)


def _scalar(rng: random.Random, numeric_only: bool = False) -> str:
    roll = rng.random()
    if roll < 0.45 or numeric_only:
        return str(rng.choice(_INTS)) if rng.random() < 0.6 else repr(rng.choice(_FLOATS))
    return _str(rng)


def _list(rng: random.Random, make, lo: int = 0, hi: int = 3) -> str:
    return "[" + ", ".join(make(rng) for _ in range(rng.randint(lo, hi))) + "]"


def atom(rng: random.Random) -> str:
    kind = rng.randrange(30)
    if kind == 0:
        return f"i {rng.choice(_CMP)} {rng.choice(_INTS)}"
    if kind == 1:
        lo, hi = sorted(rng.sample(_INTS, 2))
        return f"{lo} {rng.choice(['<', '<='])} i {rng.choice(['<', '<='])} {hi}"
    if kind == 2:
        op = rng.choice(["in", "not in"])
        return f"i {op} {_list(rng, lambda r: str(r.choice(_INTS)))}"
    if kind == 3:
        return f"f {rng.choice(_CMP)} {rng.choice(_FLOATS + [1, -1, 0])}"
    if kind == 4:
        return f"s {rng.choice(_CMP)} {_str(rng)}"
    if kind == 5:
        return f"s like \"{rng.choice(_PATTERNS)}\""
    if kind == 6:
        return f"b == {rng.choice(['true', 'false'])}"
    if kind == 7:
        return f"i8 {rng.choice(_CMP)} {rng.choice([-128, -7, 0, 1, 3, 127])}"
    if kind == 8:
        return f"i32 {rng.choice(_CMP)} {rng.choice([-5, 0, 5, 100000, 2147483647])}"
    if kind == 9:
        key = rng.choice(["x", "y", "s", "k", "nokey"])
        return f'j["{key}"] {rng.choice(_CMP)} {_scalar(rng, numeric_only=rng.random() < 0.5)}'
    if kind == 10:
        key = rng.choice(["x", "y", "k"])
        op = rng.choice(["in", "not in"])
        return f'j["{key}"] {op} {_list(rng, _scalar, 1, 3)}'
    if kind == 11:
        return f'j["s"] like "{rng.choice(_PATTERNS)}"'
    if kind == 12:
        key = rng.choice(['["x"]', '["s"]', '["arr"]', '["nested"]["z"]', '["nested"]', '["nokey"]'])
        return f"exists j{key}"
    if kind == 13:
        return f'json_contains(j["arr"], {_scalar(rng)})'
    if kind == 14:
        fn = rng.choice(["json_contains_any", "json_contains_all"])
        return f'{fn}(j["arr"], {_list(rng, _scalar, 1, 3)})'
    if kind == 15:
        return f'array_length(j["arr"]) == {rng.choice([0, 1, 2, 3, 4])}'
    if kind == 16:
        return f'j["nested"]["z"] {rng.choice(["==", "!="])} {rng.choice(["1", chr(34) + "a" + chr(34)])}'
    if kind == 17:
        return f'j["arr"][{rng.choice([0, 1, 2])}] {rng.choice(_CMP)} {_scalar(rng)}'
    if kind == 18:
        color = json.dumps(rng.choice(["red", "blue", "Red", "", "re%d", "green", "nope"]))
        return f"color {rng.choice(['==', '!=', '<', '>='])} {color}"
    if kind == 19:
        colors = _list(rng, lambda r: json.dumps(r.choice(["red", "blue", "", "r_d"])), 1, 3)
        return f"color {rng.choice(['in', 'not in'])} {colors}"
    if kind == 20:
        return f"num {rng.choice(_CMP)} {rng.choice(['10', '20', '50.5', '-5', '0', chr(34) + '60' + chr(34)])}"
    if kind == 21:
        return f"exists {rng.choice(['color', 'num', 'tags', 'dj', 'nothing'])}"
    if kind == 22:
        fn = rng.choice(["array_contains", "array_contains_any", "array_contains_all"])
        if fn == "array_contains":
            return f"{fn}(a, {rng.choice([-3, 0, 1, 2, 3, 4, 5, 9])})"
        return f"{fn}(a, {_list(rng, lambda r: str(r.choice([-3, 0, 1, 2, 3, 9])), 1, 3)})"
    if kind == 23:
        return f"array_length(a) {rng.choice(['==', '!='])} {rng.choice([0, 1, 2, 3, 4])}"
    if kind == 24:
        return f"a[{rng.choice([0, 1, 3])}] {rng.choice(_CMP)} {rng.choice([-3, 0, 1, 2, 3, 5])}"
    if kind == 25:
        value = json.dumps(rng.choice(["red", "blue", "", "a_b", "%", "x"]))
        pattern = rng.choice(_SA_PATTERNS)
        return rng.choice([f"array_contains(sa, {value})", f"sa[0] == {value}",
                           f'sa[0] like "{pattern}"'])
    if kind == 26:
        return rng.choice(["n is null", "n is not null", f"n {rng.choice(_CMP)} {rng.choice([-1, 0, 1, 5])}",
                           f"n in [0, {rng.choice([1, 5])}]"])
    if kind == 27:
        op = rng.choice(["+", "-", "*", "/"])
        const = rng.choice([1, 2, 3, -2]) if op != "/" else rng.choice([2, 3, -2])
        return f"i {op} {const} {rng.choice(_CMP)} {rng.choice([-4, 0, 1, 2, 4, 6])}"
    if kind == 28:
        op = rng.choice(["+", "-", "*"])
        return f"f {op} {rng.choice([1, 2, 0.5])} {rng.choice(_CMP)} {rng.choice([0, 1, 3, 4.5])}"
    return f"id {rng.choice(['<=', '>', '=='])} {rng.randint(0, 61)}"


def expression(rng: random.Random, depth: int = 0) -> str:
    roll = rng.random()
    if depth >= 2 or roll < 0.45:
        return atom(rng)
    if roll < 0.65:
        return f"{expression(rng, depth + 1)} {rng.choice(['and', '&&', 'AND'])} {expression(rng, depth + 1)}"
    if roll < 0.85:
        return f"({expression(rng, depth + 1)}) {rng.choice(['or', '||', 'OR'])} ({expression(rng, depth + 1)})"
    return f"{rng.choice(['not', '!', 'NOT '])}({expression(rng, depth + 1)})"


def expressions(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    seen: dict[str, None] = {}
    while len(seen) < count:
        seen[expression(rng)] = None
    return list(seen)
