"""insert / upsert / delete are all-or-nothing: a failure anywhere leaves the collection as it was.

Failures tried: a bad row at the end of a batch (999 of 1,000, and 24,999 of
25,000, after two 10,000-row COPY chunks were already sent); a PostgreSQL
constraint that fires inside COPY (a CHECK added with plain SQL), including
an upsert whose deletes already ran; a trigger that fails a delete half-way;
and the connection killed (``pg_terminate_backend``) in the middle of an
insert / upsert fed by a generator.  "As it was" is the snapshot of
test_bad_input: catalog rows, relations, and a hash of every table's contents.
"""

from __future__ import annotations

from typing import Any, Iterator

import psycopg
import pytest
from psycopg import sql

from pgmilvus import DataType, MilvusClient
from pgmilvus.pg.connection import ConnectionLost
from pgmilvus.errors import DataNotMatchException, MilvusException

from .test_bad_input import snapshot
from .fix_client import FACES, open_client


def _schema():
    s = MilvusClient.create_schema()
    s.add_field("pk", DataType.INT64, is_primary=True)
    s.add_field("i32", DataType.INT32)
    s.add_field("s", DataType.VARCHAR, max_length=20)
    s.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    return s


def row(pk: int, **changes: Any) -> dict:
    return {"pk": pk, "i32": pk % 1000, "s": f"r{pk}", "v": [pk % 7 / 7, 0.5], **changes}


@pytest.fixture(params=FACES)
def coll(request: pytest.FixtureRequest, fresh_db: str) -> Iterator[tuple[MilvusClient, str]]:
    """A client (of each face) on a brand-new database with collection ``c`` (partitions _default
    and p1) holding pk 0..499 (400..499 in p1)."""
    c = open_client(request.param, fresh_db)
    c.create_collection("c", schema=_schema())  # no vector index: keeps 25k-row inserts fast
    c.create_partition("c", "p1")
    c.insert("c", [row(i) for i in range(400)])
    c.insert("c", [row(i) for i in range(400, 500)], partition_name="p1")
    yield c, fresh_db
    c.close()


def _table(dsn: str, name: str = "c") -> sql.Identifier:
    with psycopg.connect(dsn, autocommit=True) as conn:
        schema, table = conn.execute(
            "SELECT d.schema_name, c.table_name FROM pgmilvus_catalog.collections c JOIN "
            "pgmilvus_catalog.databases d ON d.name = c.db_name WHERE c.name = %s", (name,)).fetchone()
    return sql.Identifier(schema, table)


def _sql(dsn: str, statement: sql.Composable | str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(statement)


def _count(c: MilvusClient) -> int:
    return c.query("c", filter="", output_fields=["count(*)"])[0]["count(*)"]


# ------------------------------------------------------------------ a bad row

@pytest.mark.parametrize("op, size", [("insert", 1000), ("upsert", 1000), ("insert", 25_000),
                                      ("upsert", 25_000)])
def test_bad_last_row_leaves_collection_unchanged(coll, op: str, size: int) -> None:
    c, dsn = coll
    first = 1000 if op == "insert" else 0  # upsert overlaps the existing 500 rows
    rows = [row(first + i, s="changed") for i in range(size)]
    rows[-1]["i32"] = "not an int"
    before = snapshot(dsn)
    with pytest.raises(DataNotMatchException) as info:
        getattr(c, op)("c", rows)
    assert f"row {size - 1}" in info.value.message and "i32" in info.value.message
    assert snapshot(dsn) == before
    assert _count(c) == 500
    assert c.query("c", filter='s == "changed"', output_fields=["count(*)"])[0]["count(*)"] == 0


def test_bad_row_in_a_generator_after_two_chunks(coll) -> None:
    """A streamed insert: 20,000 rows were COPYed in two chunks before row 24,999 fails."""
    c, dsn = coll
    before = snapshot(dsn)

    def rows():
        for i in range(25_000):
            yield row(10_000 + i, v=[0.1, 0.2, 0.3] if i == 24_999 else [0.1, 0.2])

    with pytest.raises(MilvusException) as info:
        c.insert("c", rows())
    assert info.value.code == 65535 and "should divide the dim(2) (row 24999 of field v" in info.value.message
    assert snapshot(dsn) == before


# ------------------------------------------------------------------ a Postgres constraint

@pytest.mark.parametrize("op", ["insert", "upsert"])
@pytest.mark.parametrize("size", [1000, 25_000])
def test_postgres_constraint_inside_copy_rolls_back_everything(coll, op: str, size: int) -> None:
    """A CHECK constraint (added with plain SQL, unknown to pgmilvus) rejects the last row
    inside COPY: Postgres's error becomes a MilvusException and nothing stays, not even the
    rows an upsert had already deleted."""
    c, dsn = coll
    _sql(dsn, sql.SQL("ALTER TABLE {} ADD CONSTRAINT small_i32 CHECK (i32 < 1000000)").format(_table(dsn)))
    first = 1000 if op == "insert" else 0
    rows = [row(first + i, s="changed") for i in range(size)]
    rows[-1]["i32"] = 2_000_000
    before = snapshot(dsn)
    with pytest.raises(MilvusException) as info:
        getattr(c, op)("c", rows)
    err = info.value
    assert type(err).__module__.startswith("pgmilvus"), type(err)
    assert "small_i32" in err.message, err.message
    assert snapshot(dsn) == before
    assert _count(c) == 500


def test_duplicate_key_across_partitions_refused_atomically(coll) -> None:
    """pgmilvus keeps primary keys unique across partitions (advisory lock + check): a batch
    whose last key exists in another partition inserts nothing."""
    c, dsn = coll
    before = snapshot(dsn)
    with pytest.raises(MilvusException) as info:
        c.insert("c", [row(1000 + i) for i in range(999)] + [row(450)])
    assert info.value.code == 1100 and "450" in info.value.message
    assert snapshot(dsn) == before


# ------------------------------------------------------------------ a delete failing half-way

def _failing_delete_trigger(dsn: str, pk: int) -> None:
    table = _table(dsn)
    _sql(dsn, sql.SQL("""
        CREATE FUNCTION public.refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.pk = {pk} THEN RAISE EXCEPTION 'refused to delete pk {pk}'; END IF;
            RETURN OLD;
        END $$""").format(pk=sql.Literal(pk)))
    _sql(dsn, sql.SQL("CREATE TRIGGER refuse_delete BEFORE DELETE ON {} FOR EACH ROW "
                      "EXECUTE FUNCTION public.refuse_delete()").format(table))


@pytest.mark.parametrize("how", ["ids", "filter", "upsert"])
def test_delete_failing_midway_deletes_nothing(coll, how: str) -> None:
    c, dsn = coll
    c.insert("c", [{"pk": i, "i32": 1, "s": "x", "v": [0.1, 0.2]} for i in range(60_000, 61_000)])
    _failing_delete_trigger(dsn, 60_500)
    before = snapshot(dsn)
    with pytest.raises(MilvusException) as info:
        if how == "ids":  # two 50,000-key chunks: the second fails after the first deleted 500 rows
            c.delete("c", ids=list(range(61_000)))
        elif how == "filter":
            c.delete("c", filter="pk >= 0")
        else:
            c.upsert("c", [row(i) for i in range(60_000, 61_000)])
    assert "refused to delete pk 60500" in info.value.message
    assert snapshot(dsn) == before
    assert _count(c) == 1500


# ------------------------------------------------------------------ the connection dies mid-call

def _kill_other_backends(dsn: str) -> int:
    """Terminate every backend of this database but our own (the client's pool included)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = "
            "current_database() AND pid <> pg_backend_pid()").fetchone()[0]


@pytest.mark.parametrize("op", ["insert", "upsert"])
def test_connection_killed_mid_stream_is_retryable_and_writes_nothing(coll, op: str) -> None:
    c, dsn = coll
    before = snapshot(dsn)
    killed = []

    def rows():
        first = 1000 if op == "insert" else 0
        for i in range(30_000):
            if i == 15_000:  # the first 10,000-row chunk is already COPYed, transaction open
                killed.append(_kill_other_backends(dsn))
            yield row(first + i, s="changed")

    with pytest.raises(ConnectionLost) as info:
        getattr(c, op)("c", rows())
    assert killed and killed[0] >= 1
    err = info.value
    assert "retry" in err.message and "nothing of this call was committed" in err.message, err.message
    assert snapshot(dsn) == before
    # the same client goes on: the pool replaces the dead connection
    assert c.insert("c", [row(100_000)])["insert_count"] == 1
    assert _count(c) == 501


def test_connection_killed_between_calls_next_call_succeeds(coll) -> None:
    c, dsn = coll
    for _ in range(3):
        _kill_other_backends(dsn)
        assert _count(c) == 500  # a dead pooled connection is replaced, never handed out
