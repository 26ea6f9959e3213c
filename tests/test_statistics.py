"""The planner's statistics follow the data (stats.py), seen from the server's side.

Each test looks at what PostgreSQL knows (the plan of a query, the time of the
last ANALYZE of the collection's leaf tables) after ordinary client calls: no
manual ANALYZE, and no timing.
"""

from __future__ import annotations

import re
import time
from typing import Iterator, Optional

import psycopg
import pytest

from pgmilvus import DataType, MilvusClient
from pgmilvus.catalog import stats

ROWS = 3000


@pytest.fixture
def raw(client: MilvusClient) -> Iterator[psycopg.Connection]:
    with psycopg.connect(client._db.conninfo, autocommit=True) as conn:
        yield conn


@pytest.fixture
def no_background(monkeypatch: pytest.MonkeyPatch) -> None:
    """The background refresh waits an hour: what a test sees is the calls' own doing."""
    monkeypatch.setattr(stats, "QUIET_SECONDS", 3600.0)


def _create(client: MilvusClient, name: str = "c", index_first: bool = False) -> None:
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("k", DataType.INT64)
    schema.add_field("j", DataType.JSON)
    index = None
    if index_first:
        index = client.prepare_index_params()
        index.add_index("k", index_type="STL_SORT")
    client.create_collection(name, schema=schema, index_params=index)


def _load(client: MilvusClient, name: str = "c", rows: int = ROWS, start: int = 0) -> None:
    for first in range(start, start + rows, 1000):
        client.insert(name, [{"id": i, "v": [0.5, float(i)], "k": i, "j": {"a": i % 10}}
                             for i in range(first, min(first + 1000, start + rows))])


def _analyzed(raw: psycopg.Connection, name: str = "c") -> dict[str, Optional[object]]:
    """The last ANALYZE time of each leaf table of collection ``name`` holding rows (None: never
    analyzed with its rows: segments' leaves are analyzed empty when created, segments.py)."""
    return dict(raw.execute(
        "SELECT c.relname, CASE WHEN c.reltuples > 0 THEN COALESCE(pg_stat_get_last_analyze_time(t.relid),"
        " pg_stat_get_last_autoanalyze_time(t.relid)) END FROM pg_partition_tree(%s::regclass) t"
        " JOIN pg_class c ON c.oid = t.relid WHERE t.isleaf AND pg_relation_size(t.relid) > 0",
        (f'"default"."{name}"',)).fetchall())


def _last_analyze(raw: psycopg.Connection, name: str = "c") -> list[Optional[object]]:
    return list(_analyzed(raw, name).values())


def _plan(raw: psycopg.Connection, where: str) -> str:
    rows = raw.execute(f'EXPLAIN SELECT id FROM "default"."c" WHERE {where} ORDER BY id LIMIT 10').fetchall()
    return "\n".join(r[0] for r in rows)


def test_create_index_after_a_bulk_insert_gives_the_planner_statistics(client: MilvusClient, raw, no_background):
    _create(client)
    _load(client)
    index = client.prepare_index_params()
    index.add_index("k", index_type="STL_SORT")
    client.create_index("c", index)
    assert all(_last_analyze(raw))
    plan = _plan(raw, "k = ANY('{5,50,500,1500,2500}'::bigint[])")
    assert re.search(r"c\$_default(\$s\d+)?_k_idx", plan) and "pkey" not in plan, plan


def test_the_first_read_after_a_bulk_insert_analyzes_and_the_insert_did_not(client: MilvusClient, raw,
                                                                             no_background):
    _create(client, index_first=True)
    _load(client)
    assert _last_analyze(raw) == [None]   # three batches, no ANALYZE paid by any of them
    assert len(client.query("c", filter="k in [5, 50, 500]", output_fields=["k"])) == 3
    assert all(_last_analyze(raw))
    assert re.search(r"c\$_default(\$s\d+)?_k_idx", _plan(raw, "k = ANY('{5,50,500}'::bigint[])"))


@pytest.mark.parametrize("read", ["query", "get", "search", "query_iterator", "count"])
def test_every_read_settles_stale_statistics(client: MilvusClient, raw, no_background, read):
    _create(client, index_first=True)
    _load(client)
    {"query": lambda: client.query("c", filter="k < 3"),
     "get": lambda: client.get("c", ids=[1]),
     "search": lambda: client.search("c", [[0.5, 1.0]], limit=1),
     "query_iterator": lambda: client.query_iterator("c", batch_size=2).next(),
     "count": lambda: client.query("c", output_fields=["count(*)"])}[read]()
    assert all(_last_analyze(raw))


def test_a_small_write_into_an_analyzed_collection_costs_no_analyze(client: MilvusClient, raw, no_background):
    _create(client, index_first=True)
    _load(client)
    client.flush("c")
    analyzed = _analyzed(raw)
    assert all(analyzed.values())
    _load(client, rows=ROWS // 20, start=ROWS)   # 5%: under 50 + 10% of the rows
    client.query("c", filter="k < 3")
    now = _analyzed(raw)
    assert {leaf: now[leaf] for leaf in analyzed} == analyzed  # (the new rows are in a new segment)


def test_a_delete_of_most_rows_is_a_large_change(client: MilvusClient, raw, no_background):
    _create(client, index_first=True)
    _load(client)
    client.flush("c")
    analyzed = _last_analyze(raw)
    assert client.delete("c", filter="k >= 100")["delete_count"] == ROWS - 100
    client.query("c", filter="k < 3")
    assert _last_analyze(raw) != analyzed


def test_a_json_path_index_gets_its_expression_statistics(client: MilvusClient, raw, no_background):
    _create(client)
    _load(client)
    client.flush("c")
    index = client.prepare_index_params()
    index.add_index("j", index_type="INVERTED", index_name="j_a",
                    params={"json_path": 'j["a"]', "json_cast_type": "double"})
    client.create_index("c", index)
    stats_rows = raw.execute("SELECT count(*) FROM pg_stats s JOIN pg_index i ON i.indexrelid = "
                             "format('%I.%I', s.schemaname, s.tablename)::regclass "
                             "WHERE s.schemaname = 'default' AND i.indexprs IS NOT NULL").fetchone()[0]
    assert stats_rows >= 1


def test_writes_that_pause_are_settled_in_the_background(client: MilvusClient, raw, monkeypatch):
    monkeypatch.setattr(stats, "QUIET_SECONDS", 0.2)
    _create(client, index_first=True)
    _load(client)
    deadline = time.monotonic() + 30
    while not all(_last_analyze(raw)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(_last_analyze(raw))   # no read, no flush: the pause was enough


def test_close_settles_what_is_due(client: MilvusClient, raw, no_background):
    writer = MilvusClient(client._db.conninfo)   # a loader script: insert, then close
    _create(writer, index_first=True)
    _load(writer)
    assert _last_analyze(raw) == [None]
    writer.close()
    assert all(_last_analyze(raw))


def test_a_dropped_collection_with_pending_writes_is_no_error(client: MilvusClient, raw, no_background):
    _create(client, index_first=True)
    _load(client)
    client.drop_collection("c")
    _create(client)
    assert client.query("c", filter="k < 3") == []
