"""Regular expression filters (``=~`` / ``!~``, Milvus master) on a real Postgres: RE2 patterns
rewritten as PostgreSQL AREs (filters/regex/) must match exactly the rows RE2's PartialMatch
matches, on a VARCHAR column, a JSON string value and an ARRAY<VARCHAR> element alike.

``PATTERNS`` is one case a line: a pattern as RE2 reads it and the ids of ``ROWS`` it matches.
Many lines are where RE2 and PostgreSQL's ARE part ways (the comment says how).  Each line is
checked for ``s =~``, ``s !~`` (the other strings: a NULL ``s`` is in neither), ``not (s =~)``,
``j["s"] =~`` / ``!~`` (rows whose ``s`` key is missing, null or not a string in neither),
``sa[0] =~`` / ``!~`` (an empty array in neither) and ``s =~ {p}`` with ``filter_params``.
"""

from __future__ import annotations

import json
import uuid

import pytest

from pgmilvus.filters import FilterError, compile_filter, filter_sql
from pgmilvus.filters.regex import literal_pattern, translate
from pgmilvus.schema.model import CollectionSchema, FieldSchema
from pgmilvus.types import DataType

psycopg = pytest.importorskip("psycopg")

ROWS = {
    1: "ERROR E1001: connection timeout",
    2: "WARN W2002: retry later",
    3: "DEBUG cache hit",
    4: "中文日志 error code 555-1234",
    5: "multi\nline c\nd pattern",
    6: "",
    7: "status OK ✅ deploy success 🚀",
    8: "a.b*c",
    9: "\u212aelvin",            # KELVIN SIGN, which folds to k
    10: "ſtraße",                # LATIN SMALL LETTER LONG S, which folds to s
    11: "tab\there",
    12: "back\\slash",
    13: "line1\nline2\n",
    14: "word_boundary-test",
    15: "ÉCOLE école",
    16: 'quote"d it\'s',
    17: "x\u000by",                # a vertical tab: \s in ARE, not in RE2
    18: "αβγ ΣΑΣ",
    19: "{braces} [brackets] (parens)",
    20: "aaa",
    21: "a{2} a{,2}",
    22: "digits ٣٤٥",             # ARABIC-INDIC digits: \p{Nd}, not \d
}
ALL = sorted(ROWS)
#: Rows whose VARCHAR is NULL and whose JSON "s" is anything but a string; their array is empty.
OTHERS = {23: {"s": 123}, 24: {"s": None}, 25: {}, 26: {"s": ["x"]}, 27: {"s": {"x": "y"}}}

PATTERNS = [
    (r"timeout", [1]),
    (r"^ERROR", [1]),
    (r"hit$", [3]),
    (r"^DEBUG cache hit$", [3]),
    (r"E[0-9]{4}:", [1]),
    (r"[0-9]{3}-[0-9]{4}", [4]),
    (r"", ALL),                                   # the empty pattern matches every string
    (r"^$", [6]),
    (r"^.{0}$", [6]),
    (r"c.d", [4, 5]),                            # RE2 with dot_nl, ARE by default: . takes \n
    (r"(?-s)c.d", [4]),                          # ARE has no scoped flags: [^\n]
    (r"(?s:c.d)", [4, 5]),
    (r"line2$", []),                             # $ is the text's end only, not before a last \n
    (r"line2\z", []),                            # \z: ARE has none (its \Z)
    (r"(?m)line2$", [13]),                       # (?m): ARE's newline-sensitive mode is global
    (r"line1$", []),
    (r"(?m)line1$", [13]),
    (r"^line2", []),
    (r"(?m)^line2", [13]),
    (r"\Aline1", [13]),
    (r"(?i)error", [1, 4]),                      # (?i) is spelled out: [Ee][Rr]...
    (r"(?i)kelvin", [9]),                        # Unicode simple folding: K (U+212A) is k
    (r"(?i)stra", [10]),                         # ſ (U+017F) is s
    (r"(?i)^école", [15]),                       # É is é whatever the collation
    (r"(?i)ÉCOLE$", [15]),
    (r"(?i)σας", [18]),                          # σ, ς and Σ are one letter
    (r"(?i)ß", [10]),
    (r"(?i)[k]", [7, 9, 12, 19]),                # classes fold too
    (r"(?i:e)rror", [4]),                        # flags inside a group: ARE has none
    (r"(?i:E)RROR", [1]),
    (r"a(?i)A", [20]),
    (r"\bcache\b", [3]),                         # \b is a backspace in ARE: lookarounds here
    (r"\bache", []),
    (r"\Bache", [3]),
    (r"\bboundary\b", []),                       # _ is a word character
    (r"\btest\b", [14]),
    (r"\bcole\b", [15]),                         # RE2's \b is ASCII: é is no word character
    (r"x\sy", []),                               # RE2's \s is [\t\n\f\r ]: no \v
    (r"x[[:space:]]y", [17]),                    # POSIX space has \v
    (r"x\vy", [17]),
    (r"\t", [11]),
    (r"\x09", [11]),
    (r"\011", [11]),                             # octal escape
    (r"\x{1F680}", [7]),                         # \x{...}: ARE writes \U0001f680
    (r"🚀", [7]),
    (r"✅", [7]),
    (r"\d", [1, 2, 4, 13, 21]),                  # ASCII digits only
    (r"\d{3}", [1, 2, 4]),
    (r"\p{Nd}", [1, 2, 4, 13, 21, 22]),          # \p{..}: ARE has none; Unicode tables here
    (r"\pN+\z", [4, 22]),
    (r"^\p{Lu}", [1, 2, 3, 9, 15]),
    (r"\p{Greek}+", [18]),
    (r"\p{Han}", [4]),
    (r"\P{L}", [i for i in ALL if i not in (6, 9, 10, 20)]),
    (r"[\p{Han}\p{Greek}]", [4, 18]),
    (r"^\w+$", [20]),                            # \w is ASCII
    (r"^[[:alpha:]]+$", [20]),                   # POSIX classes are ASCII whatever the locale
    (r"[[:^alpha:][:digit:]]{4}", [1, 2, 4, 18, 21, 22]),
    (r"\Qa.b*c\E", [8]),                         # \Q...\E: ARE has none
    (r"a\.b\*c", [8]),
    (r"a.b*c", []),
    (r"{braces}", [19]),                         # a { that starts no repetition is itself
    (r"a{2}", [20]),
    (r"a\{2\}", [21]),
    (r"a{,2}", [21]),                            # not a repetition for RE2 (ARE: {0,2})
    (r"^[]{]", [19]),                            # ] first in a class is itself
    (r"[a-]b", [11]),                            # - last in a class is itself
    (r"a|b|", ALL),                              # an empty alternative
    (r"^.{3}$", [17, 20]),
    (r"[^\x00-\x{10FFFF}]", []),                 # an empty class
    (r"a{1000}", []),                            # ARE's bounds stop at 255: split
    (r"a{2,300}", [20]),
    (r"(?:a{100}){10}", []),
    (r"(?P<x>a)a", [20]),                        # named groups: ARE has none
    (r"(?U)a+?", [2, 3, 5, 7, 8, 10, 11, 12, 14, 19, 20, 21]),
    (r"[a-c]{2,}", [3, 7, 11, 12, 19, 20]),
    (r"[^a-z\s]{3}", [1, 2, 3, 4, 15, 18, 21, 22]),
    (r"\.", [8]),
    (r"\\", [12]),
    (r'"', [16]),
    (r"'", [16]),
    (r"it's", [16]),
    (r"^(?:)*a", [8, 20, 21]),                   # a repeated empty group
    (r"(?m)^*x", [17]),                          # a repeated anchor (an error in ARE)
    (r"\b+cache", [3]),
    ("a" * 10000, []),
    ("|".join(f"alt_{i}" for i in range(1000)), []),
    ("(a|b" * 1000 + ")" * 1000, [2, 3, 5, 7, 8, 10, 11, 12, 14, 19, 20, 21]),   # Go's deepest nesting
]

SCHEMA = CollectionSchema([
    FieldSchema("id", DataType.INT64, is_primary=True),
    FieldSchema("vec", DataType.FLOAT_VECTOR, dim=2),
    FieldSchema("s", DataType.VARCHAR, max_length=256, nullable=True),
    FieldSchema("j", DataType.JSON),
    FieldSchema("sa", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=4, max_length=256),
], enable_dynamic_field=False)


@pytest.fixture(scope="module")
def table(pg_dsn):
    """ROWS and OTHERS in a private schema, with the column types collections get."""
    from psycopg.types.json import Jsonb

    schema = f"regex_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        try:
            conn.execute(f'CREATE TABLE "{schema}".t (id bigint PRIMARY KEY, s varchar(256) COLLATE "C", '
                         f'j jsonb NOT NULL, sa varchar(256)[] COLLATE "C" NOT NULL)')
            for i, value in ROWS.items():
                conn.execute(f'INSERT INTO "{schema}".t VALUES (%s, %s, %s, %s)', (i, value, Jsonb({"s": value}), [value]))
            for i, doc in OTHERS.items():
                conn.execute(f'INSERT INTO "{schema}".t VALUES (%s, NULL, %s, %s)', (i, Jsonb(doc), []))
            yield conn, f'"{schema}".t'
        finally:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def literal(pattern: str) -> str:
    """``pattern`` as a filter's string literal (Milvus's extractRegexPattern gives it back)."""
    text = '"' + pattern.replace("\\", "\\\\").replace('"', '\\"') + '"'
    assert literal_pattern(text) == pattern
    return text


def ids(table, expr: str, params=None) -> list[int]:
    conn, name = table
    where = compile_filter(expr, SCHEMA, params)
    return [row[0] for row in conn.execute(f"SELECT id FROM {name} WHERE {where.sql(dialect='postgres')} ORDER BY id")]


@pytest.mark.parametrize("pattern, expected", [pytest.param(p, e, id=p[:40] or "<empty>") for p, e in PATTERNS])
def test_pattern(table, pattern: str, expected: list[int]) -> None:
    lit = literal(pattern)
    others = [i for i in ALL if i not in expected]
    assert ids(table, f"s =~ {lit}") == expected
    assert ids(table, f"s !~ {lit}") == others
    assert ids(table, f"not (s =~ {lit})") == others
    assert ids(table, f'j["s"] =~ {lit}') == expected
    assert ids(table, f'j["s"] !~ {lit}') == others
    assert ids(table, f'not (j["s"] =~ {lit})') == others
    assert ids(table, f"sa[0] =~ {lit}") == expected
    assert ids(table, f"sa[0] !~ {lit}") == others
    assert filter_sql("s =~ {p}", SCHEMA, {"p": pattern}) == filter_sql(f"s =~ {lit}", SCHEMA)


def test_a_raw_string_keeps_its_backslashes(table) -> None:
    assert ids(table, r's =~ r"\d{3}-\d{4}"') == [4]
    assert ids(table, r's =~ "\d{3}-\d{4}"') == [4]        # Milvus keeps unknown escapes for the regex
    assert ids(table, r's =~ "a\\\\b"') == []              # \\\\ is \\ : one literal backslash
    assert ids(table, r's =~ "k\\\\s"') == [12]
    assert ids(table, r"s =~ 'it\'s'") == [16]
    assert ids(table, r's =~ "quote\"d"') == [16]


def test_the_whole_json_value(table) -> None:
    """``j =~`` tests the top-level value: only a bare string there could match (none here)."""
    assert ids(table, 'j =~ ""') == []
    assert ids(table, 'j !~ ""') == []


def test_null_and_unknown_rows_are_in_neither_side(table) -> None:
    assert ids(table, 's =~ "" or s !~ ""') == ALL
    assert ids(table, 's =~ "x" or s is null') == [17, 23, 24, 25, 26, 27]
    assert ids(table, 'j["s"] =~ "" or j["s"] !~ ""') == ALL
    assert ids(table, 'j["missing"] =~ ".*" or j["missing"] !~ ".*"') == []
    assert ids(table, 'sa[3] =~ ".*" or sa[3] !~ ".*"') == []


ERRORS = [  # pattern, Milvus's text (Go's regexp.Compile after "invalid regex pattern: ")
    ("(unclosed", "error parsing regexp: missing closing ): `(unclosed`"),
    ("a)", "error parsing regexp: unexpected ): `a)`"),
    ("[", "error parsing regexp: missing closing ]: `[`"),
    ("[a", "error parsing regexp: missing closing ]: `[a`"),
    ("(a)\\1", "error parsing regexp: invalid escape sequence: `\\1`"),
    ("ERROR(?= E1001)", "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"),
    ("a(?!b)", "error parsing regexp: invalid or unsupported Perl syntax: `(?!`"),
    ("(?<=a)b", "error parsing regexp: invalid named capture: `(?<=a)b`"),
    ("(?>a)", "error parsing regexp: invalid or unsupported Perl syntax: `(?>`"),
    ("(?#c)", "error parsing regexp: invalid or unsupported Perl syntax: `(?#`"),
    ("(?x)a", "error parsing regexp: invalid or unsupported Perl syntax: `(?x`"),
    ("(?i-)a", "error parsing regexp: invalid or unsupported Perl syntax: `(?i-)`"),
    ("(?i", "error parsing regexp: invalid or unsupported Perl syntax: `(?i`"),
    ("(?P<a-b>x)", "error parsing regexp: invalid named capture: `(?P<a-b>`"),
    ("(?P<n", "error parsing regexp: invalid named capture: `(?P<n`"),
    ("a*+", "error parsing regexp: invalid nested repetition operator: `*+`"),
    ("a++", "error parsing regexp: invalid nested repetition operator: `++`"),
    ("a**", "error parsing regexp: invalid nested repetition operator: `**`"),
    ("a{2}{3}", "error parsing regexp: invalid nested repetition operator: `{2}{3}`"),
    ("*a", "error parsing regexp: missing argument to repetition operator: `*`"),
    ("a|*", "error parsing regexp: missing argument to repetition operator: `*`"),
    ("(+)", "error parsing regexp: missing argument to repetition operator: `+`"),
    ("x{1001}", "error parsing regexp: invalid repeat count: `{1001}`"),
    ("x{2,1}", "error parsing regexp: invalid repeat count: `{2,1}`"),
    ("(a{100}){11}", "error parsing regexp: invalid repeat count: `{11}`"),
    ("\\k", "error parsing regexp: invalid escape sequence: `\\k`"),
    ("\\x", "error parsing regexp: invalid escape sequence: `\\x`"),
    ("\\xZ", "error parsing regexp: invalid escape sequence: `\\xZ`"),
    ("\\x{}", "error parsing regexp: invalid escape sequence: `\\x{}`"),
    ("\\x{110000}", "error parsing regexp: invalid escape sequence: `\\x{110000`"),
    ("\\C", "error parsing regexp: invalid escape sequence: `\\C`"),
    ("\\Z", "error parsing regexp: invalid escape sequence: `\\Z`"),
    ("\\u00e9", "error parsing regexp: invalid escape sequence: `\\u`"),
    ("\\e", "error parsing regexp: invalid escape sequence: `\\e`"),
    ("\\8", "error parsing regexp: invalid escape sequence: `\\8`"),
    ("a\\", "error parsing regexp: trailing backslash at end of expression: ``"),
    ("\\p{UnknownClass}", "error parsing regexp: invalid character class range: `\\p{UnknownClass}`"),
    ("\\p{Hani}", "error parsing regexp: invalid character class range: `\\p{Hani}`"),
    ("\\pX", "error parsing regexp: invalid character class range: `\\pX`"),
    ("\\p{Greek", "error parsing regexp: invalid character class range: `\\p{Greek`"),
    ("[[:word]]x:]", "error parsing regexp: invalid character class range: `[:word]]x:]`"),
    ("[[:foo:]]", "error parsing regexp: invalid character class range: `[:foo:]`"),
    ("[z-a]", "error parsing regexp: invalid character class range: `z-a`"),
    ("[a-\\d]", "error parsing regexp: invalid escape sequence: `\\d`"),
    ("(" * 1001 + ")" * 1001, "error parsing regexp: expression nests too deeply: `" + "(" * 1001 + ")" * 1001 + "`"),
    ("(?<name>x)", "named group (?<name> is not supported by the RE2 that runs Milvus's regular expressions, "
                   "write (?P<name>...): `(?<name>x)`"),
]


@pytest.mark.parametrize("pattern, detail", [pytest.param(p, d, id=p[:30]) for p, d in ERRORS])
def test_refused_pattern(pattern: str, detail: str) -> None:
    for expr, params in ((f"s =~ {literal(pattern)}", None), ("s !~ {p}", {"p": pattern})):
        with pytest.raises(FilterError) as info:
            compile_filter(expr, SCHEMA, params)
        assert info.value.code == 1100
        assert info.value.detail == f"invalid regex pattern: {detail}"


def test_the_right_operand_is_a_string_literal_or_a_template() -> None:
    for expr, got in [("s =~ 123", "123"), ("s =~ id", "id"), ("s =~ true", "true"), ("s =~ [1,2]", "[1,2]"),
                      ("s =~ 1.5", "1.5"), ("s =~ (id)", "id")]:
        with pytest.raises(FilterError) as info:
            compile_filter(expr, SCHEMA)
        assert info.value.detail == f"regex pattern should be a string literal or template variable, got: {got}"
    with pytest.raises(FilterError) as info:
        compile_filter("s =~ {p}", SCHEMA, {"p": 123})
    assert info.value.detail == "the value of regex expression template variable {p} is not string"


def test_translations_are_cached_and_repeatable() -> None:
    assert translate(r"(?i)\p{Greek}x") is translate(r"(?i)\p{Greek}x")
    assert translate("a{256}") == "a{255}a"
