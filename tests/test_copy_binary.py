"""copy_binary: COPY data built column by column must store exactly what psycopg's row-by-row
write_row stores, and must leave to write_row every column it does not know.

Each case COPYs one column both ways into a real table and compares what Postgres holds.
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np
import psycopg
import pytest
from pgvector.psycopg import register_vector
from psycopg import sql

from pgmilvus.data import copy_binary, values
from pgmilvus.schema.model import FieldSchema
from pgmilvus.types import DataType

VEC = FieldSchema("v", DataType.FLOAT_VECTOR, dim=3)
JSON = FieldSchema("j", DataType.JSON)

# column type, values (as the row encoder hands them over)
BULK = [
    ("bigint", [1, -2, 2**63 - 1, -(2**63)]),
    ("integer", [7, -7, 2**31 - 1, 0]),
    ("smallint", [1, 2, -(2**15), 2**15 - 1]),
    ("double precision", [0.5, -1e300, 3, 1e-310]),
    ("real", [0.25, -3.5, 1, 3.4e38]),
    ("boolean", [True, False, True, True]),
    ("text", ["a", "", "ünïcödé", "x" * 300]),
    ("varchar(8)", ["ab", "cd", "€", "12345678"]),
    ("text", ["_default"] * 4),                                   # one value for every row
    ("integer", [5] * 4),
    ("jsonb", [values.EMPTY_OBJECT] * 4),
    ("jsonb", [values.encode_value(JSON, {"a": i}) for i in range(4)]),
    ("vector(3)", values._dense_fast(VEC, [np.array([i, 0.5, -1], dtype=np.float32) for i in range(4)])),
    ("vector(3)", values._dense_fast(VEC, [[1, 2, 3], [4, 5, 6], [7, 8, 9], [0, 0, 0]])),
    ("vector(3)", values._dense_fast(VEC, [[0.1, -2.5, 3e38], [1e-45, 0.0, -0.0], [np.float32(0.5), 2, 3], [7, 8, 9]])),
    ("bytea", [b"\x00\x01", b"", b"\xff" * 10, b"z"]),
    ("text", [None] * 4),                                         # NULL in every row
]

# columns left to write_row: the bulk encoder answers None
FALLBACK = [
    ("text", ["a", None, "b", "c"]),          # NULL among values
    ("bigint", [1, 2.0, 3, 4]),               # a float in an integer column
    ("bigint", [1, True, 3, 4]),              # a bool is not an int here
    ("bigint", [2**63, 1, 2, 3]),             # out of range
    ("bigint[]", [[1], [2], [3], [4]]),       # arrays
    ("timestamptz", ["2024-01-01T00:00:00Z"] * 2 + ["2025-01-01T00:00:00Z"] * 2),
    ("boolean", [1, 0, 1, 0]),
]


# FLOAT_VECTOR rows of Python lists that struct does not pack: numpy's path or the per-value
# encoders decide (a NaN, a bool row, a str: refused there with the row's index)
NOT_PACKED = [
    [[1.0, 2.0], [1.0, 2.0, 3.0]],                    # a row of another length
    [[float("nan"), 0.0, 0.0]],                       # NaN
    [[float("inf"), 0.0, 0.0]],                       # infinity
    [[1e39, 0.0, 0.0]],                               # beyond float32
    [["1", 0.0, 0.0]],                                # a str
    [[True, False, True]],                            # bools
    [[None, 0.0, 0.0]],                               # None
    [[]],                                             # empty
]


@pytest.mark.parametrize("col", NOT_PACKED)
def test_float_vector_lists_struct_does_not_pack(col: list) -> None:
    assert values._packed_lists(3, col) is None


@pytest.fixture
def conn(fresh_db: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(fresh_db, autocommit=True) as c:
        c.execute("CREATE EXTENSION IF NOT EXISTS vector")
        register_vector(c)
        values.wire_adapters(c)
        yield c


def _oid(conn: psycopg.Connection, pg_type: str) -> int:
    return conn.execute("SELECT %s::regtype::oid::int", (pg_type,)).fetchone()[0]


def _copy(conn: psycopg.Connection, table: str, pg_type: str, col: list[Any], bulk: bool) -> None:
    conn.execute(sql.SQL("CREATE TABLE {} (i int, c {})").format(sql.Identifier(table), sql.SQL(pg_type)))
    oids = [_oid(conn, "integer"), _oid(conn, pg_type)]
    columns = [list(range(len(col))), col]
    statement = sql.SQL("COPY {} (i, c) FROM STDIN (FORMAT BINARY)").format(sql.Identifier(table))
    with conn.cursor().copy(statement) as copy:
        if bulk:
            pieces = copy_binary.encode(columns, oids)
            assert pieces is not None
            for piece in pieces:
                copy.write(piece)
        else:
            copy.set_types(oids)
            for row in zip(*columns):
                copy.write_row(row)


@pytest.mark.parametrize("pg_type, col", BULK)
def test_bulk_copy_stores_what_write_row_stores(conn: psycopg.Connection, pg_type: str, col: list) -> None:
    _copy(conn, "by_rows", pg_type, col, bulk=False)
    _copy(conn, "bulk", pg_type, col, bulk=True)
    query = "SELECT i, c::text FROM {} ORDER BY i"
    assert conn.execute(query.format("bulk")).fetchall() == conn.execute(query.format("by_rows")).fetchall()


@pytest.mark.parametrize("pg_type, col", FALLBACK)
def test_other_columns_are_left_to_write_row(conn: psycopg.Connection, pg_type: str, col: list) -> None:
    assert copy_binary.encode([list(range(len(col))), col], [_oid(conn, "integer"), _oid(conn, pg_type)]) is None


def test_rows_span_several_pieces(conn: psycopg.Connection) -> None:
    rows = 2 * copy_binary.PIECE_ROWS + 7
    col = [f"row {i}" for i in range(rows)]
    _copy(conn, "bulk", "text", col, bulk=True)
    assert conn.execute("SELECT count(*), min(i), max(i), count(DISTINCT c) FROM bulk").fetchone() == (
        rows, 0, rows - 1, rows)


@pytest.mark.parametrize("keys", [[], [1], [3, -(2**63), 2**63 - 1], list(range(10_000))])
def test_int8_array_is_a_bigint_array_parameter(conn: psycopg.Connection, keys: list[int]) -> None:
    wire = values.Int8ArrayWire(copy_binary.int8_array(keys))
    assert conn.execute("SELECT %s::bigint[]", (wire,)).fetchone()[0] == keys


@pytest.mark.parametrize("keys", [[1, "2"], [2**63], [1.0]])
def test_int8_array_refuses_what_is_not_an_int8(keys: list) -> None:
    assert copy_binary.int8_array(keys) is None
