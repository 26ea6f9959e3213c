"""data/wkt.py against go-geom v1.6.1's WKT reader and writer (what Milvus 2.6 accepts and returns).

Pure Python, no database: one line per case, input -> the WKT Milvus returns, or the
start of go-geom's syntax error.
"""

from __future__ import annotations

import pytest

from pgmilvus.data.wkt import WKTError, go_float, normalize

NORMALIZED = [
    ("POINT(1 2)", "POINT (1 2)"),
    ("point (1.50 -2.0)", "POINT (1.5 -2)"),
    ("  POINT\n(1 2)  ", "POINT (1 2)"),
    ("POINT (1 2 3)", "POINT Z (1 2 3)"),
    ("POINT Z (1 2 3)", "POINT Z (1 2 3)"),
    ("POINTZ(1 2 3)", "POINT Z (1 2 3)"),
    ("POINT M (1 2 3)", "POINT M (1 2 3)"),
    ("POINT ZM (1 2 3 4)", "POINT ZM (1 2 3 4)"),
    ("POINT (1 2 3 4)", "POINT ZM (1 2 3 4)"),
    ("POINT EMPTY", "POINT EMPTY"),
    ("POINT Z EMPTY", "POINT Z EMPTY"),
    ("POINT (1e20 -0.0)", "POINT (100000000000000000000 -0)"),
    ("POINT (0.1 1e-7)", "POINT (0.1 0.0000001)"),
    ("POINT (.5 5.)", "POINT (0.5 5)"),
    ("POINT (-74.0060 40.7128)", "POINT (-74.006 40.7128)"),
    ("LINESTRING(0 0,1 1.5)", "LINESTRING (0 0, 1 1.5)"),
    ("LINESTRING EMPTY", "LINESTRING EMPTY"),
    ("POLYGON((0 0,1 0,1 1,0 0))", "POLYGON ((0 0, 1 0, 1 1, 0 0))"),
    ("POLYGON((0 0,4 0,4 4,0 0),(1 1,2 1,2 2,1 1))", "POLYGON ((0 0, 4 0, 4 4, 0 0), (1 1, 2 1, 2 2, 1 1))"),
    ("POLYGON Z ((0 0 1,1 0 1,1 1 1,0 0 1))", "POLYGON Z ((0 0 1, 1 0 1, 1 1 1, 0 0 1))"),
    ("POLYGON M ((0 0 1,1 0 2,1 1 3,0 0 4))", "POLYGON M ((0 0 1, 1 0 2, 1 1 3, 0 0 4))"),
    ("MULTIPOINT(1 2,3 4)", "MULTIPOINT (1 2, 3 4)"),
    ("MULTIPOINT((1 2),(3 4))", "MULTIPOINT (1 2, 3 4)"),
    ("MULTIPOINT(1 2,EMPTY)", "MULTIPOINT (1 2, EMPTY)"),
    ("MULTIPOINT EMPTY", "MULTIPOINT EMPTY"),
    ("MULTILINESTRING((0 0,1 1),EMPTY)", "MULTILINESTRING ((0 0, 1 1), EMPTY)"),
    ("MULTIPOLYGON(((0 0,1 0,1 1,0 0)),EMPTY)", "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), EMPTY)"),
    ("GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(0 0,1 1))", "GEOMETRYCOLLECTION (POINT (1 2), LINESTRING (0 0, 1 1))"),
    ("GEOMETRYCOLLECTION EMPTY", "GEOMETRYCOLLECTION EMPTY"),
    ("GEOMETRYCOLLECTION (GEOMETRYCOLLECTION EMPTY)", "GEOMETRYCOLLECTION (GEOMETRYCOLLECTION EMPTY)"),
    ("GEOMETRYCOLLECTION Z (POINT EMPTY)", "GEOMETRYCOLLECTION Z (POINT Z EMPTY)"),
    ("GEOMETRYCOLLECTION (POINT M (1 2 3))", "GEOMETRYCOLLECTION M (POINT M (1 2 3))"),
    ("GEOMETRYCOLLECTION M (POINT EMPTY)", "GEOMETRYCOLLECTION M (POINT M EMPTY)"),
    ("GEOMETRYCOLLECTION (POINT (1 2 3), POINT (4 5 6))", "GEOMETRYCOLLECTION Z (POINT Z (1 2 3), POINT Z (4 5 6))"),
]

REFUSED = [
    ("", "syntax error: unexpected $end at line 1, pos 0"),
    ("INVALID WKT STRING", "syntax error: invalid keyword at line 1, pos 0"),
    ("POINT ()", "syntax error: unexpected ')', expecting NUM at line 1, pos 7"),
    ("POINT (abc def)", "syntax error: invalid keyword at line 1, pos 7"),
    ("POINT (1)", "syntax error: not enough coordinates"),
    ("POINT (1 2 3 4 5)", "syntax error: too many coordinates"),
    ("POINT (1 2", "syntax error: unexpected $end, expecting ')'"),
    ("POINT (1 2),", "syntax error: unexpected ','"),
    ("POINT (1 2) x", "syntax error: invalid keyword at line 1, pos 12"),
    ("POINT (1e400 2)", "syntax error: invalid number"),
    ("POINT (+1 2)", "syntax error: invalid character"),
    ("POINT (1-2 3)", "syntax error: invalid number"),
    ("POINT (1 2) # x", "syntax error: invalid character"),
    ("POINT (\u0661 2)", "syntax error: invalid keyword"),
    ("POINT Z (1 2)", "syntax error: mixed dimensionality, parsed layout is XYZ so expecting 3 coords but got 2"),
    ("LINESTRING (0 0)", "syntax error: non-empty linestring with only one point"),
    ("LINESTRING (1 2, 1 2 3)", "syntax error: mixed dimensionality, parsed layout is XY so expecting 2"),
    ("POLYGON ((0 0, 1 1))", "syntax error: polygon ring doesn't have enough points"),
    ("POLYGON ((0 0, 1 0, 1 1, 0 1))", "syntax error: polygon ring not closed"),
    ("GEOMETRYCOLLECTION M (POINT (1 2 3))", "syntax error: mixed dimensionality, parsed layout is XYM but "
                                             "encountered layout of not XYM"),
    ("GEOMETRYCOLLECTION (POINT EMPTY, POINT Z (1 2 3))", "syntax error: mixed dimensionality, parsed layout "
                                                          "is XY but encountered layout of XYZ"),
    ("POINT M EMPTY Z", "syntax error: invalid keyword"),
    ("CIRCLE (1 2)", "syntax error: invalid keyword"),
]


@pytest.mark.parametrize("text,expected", NORMALIZED, ids=[c[0] or "empty" for c in NORMALIZED])
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected
    assert normalize(expected) == expected  # stable: stored text reads back unchanged


@pytest.mark.parametrize("text,start", REFUSED, ids=[c[0] or "empty" for c in REFUSED])
def test_refused(text: str, start: str) -> None:
    with pytest.raises(WKTError) as info:
        normalize(text)
    assert str(info.value).startswith(start)


@pytest.mark.parametrize("x,text", [(1.0, "1"), (-0.0, "-0"), (1e21, "1000000000000000000000"), (1.5e-7, "0.00000015"),
                                    (0.1 + 0.2, "0.30000000000000004"), (123456.789, "123456.789")])
def test_go_float(x: float, text: str) -> None:
    assert go_float(x) == text


def test_error_shows_the_line_and_a_caret() -> None:
    with pytest.raises(WKTError) as info:
        normalize("POLYGON ((0 0, 1 0, 1 1, 0 1))")
    lines = str(info.value).split("\n")
    assert lines[1] == "LINE 1: POLYGON ((0 0, 1 0, 1 1, 0 1))"
    assert lines[2].index("^") == len("LINE 1: ") + int(lines[0].rsplit("pos ", 1)[1])
    assert lines[3] == "HINT: ensure first and last point are the same"
