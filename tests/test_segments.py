"""Segments (segments.py): writes into an indexed collection land in a growing segment, sealed
segments get their vector indexes in bulk; searches are right at every moment."""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

import numpy as np
import psycopg
import pytest

from pgmilvus.catalog import store as catalog
from pgmilvus.catalog import segments
from pgmilvus.errors import MilvusException

from .subproc import run_python
from .test_search_recall import clustered

SEAL = 300


@pytest.fixture(autouse=True)
def small_segments(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small segments, and no idle seals (a growing segment of 256 to 299 rows would be sealed at
    any 0.5 s pause of a busy host's test, moving the layouts asserted; the idle test turns them on)."""
    monkeypatch.setenv("PGMILVUS_SEGMENT_ROWS", str(SEAL))
    monkeypatch.setenv("PGMILVUS_IDLE_SEAL_ROWS", "0")


def _vectors(n: int, dim: int = 8, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n, dim), dtype=np.float32)


def _rows(vectors: np.ndarray, start: int = 0) -> list[dict]:
    return [{"id": start + i, "vector": v.tolist(), "tag": (start + i) % 3} for i, v in enumerate(vectors)]


def _segments(client, name: str) -> list[tuple[str, int]]:
    with client._conn() as conn:
        info = catalog.get_collection(conn, "default", name)
        return conn.execute("SELECT state, rows FROM pgmilvus_catalog.segments WHERE collection_id = %s"
                            " ORDER BY id", (info.id,)).fetchall()


def _l2_collection(client, name: str = "seg") -> None:
    index = client.prepare_index_params()
    index.add_index("vector", index_type="AUTOINDEX", metric_type="L2")
    schema = client.create_schema(auto_id=False, enable_dynamic_field=True)
    schema.add_field("id", 5, is_primary=True)
    schema.add_field("vector", 101, dim=8)
    client.create_collection(name, schema=schema, index_params=index)


def _check_nearest(client, vectors: np.ndarray, ids: list[int], name: str = "seg") -> None:
    """Each vector's own row is its nearest, at its exact distance (0), and the runner-up's
    distance is the exact one."""
    found = client.search(name, [vectors[i].tolist() for i in ids], limit=2, search_params={"metric_type": "L2"})
    for i, hits in zip(ids, found):
        assert hits[0]["id"] == i
        assert hits[0]["distance"] == pytest.approx(0.0, abs=1e-6)
        exact = float(np.sum((vectors[hits[1]["id"]] - vectors[i]) ** 2))
        assert hits[1]["distance"] == pytest.approx(exact, rel=1e-4, abs=1e-5)


def test_insert_then_search_at_once_across_seals_and_builds(client) -> None:
    _l2_collection(client)
    vectors = _vectors(1200)
    for start in range(0, 1200, 200):
        client.insert("seg", _rows(vectors[start:start + 200], start))
        # at once: rows in the growing segment, sealed segments waiting or being built, built ones
        _check_nearest(client, vectors, [start, start + 199, max(0, start - 150)])
    states = [s for s, _ in _segments(client, "seg")]
    assert states[-1] == "growing" and len(states) >= 4
    described = client.describe_index("seg", "vector")
    assert described["total_rows"] == 1200 and described["indexed_rows"] + described["pending_index_rows"] == 1200
    assert described["state"] == ("InProgress" if described["pending_index_rows"] else "Finished")
    client.flush("seg")
    assert {k: client.describe_index("seg", "vector")[k] for k in ("indexed_rows", "pending_index_rows", "state")} \
        == {"indexed_rows": 1200, "pending_index_rows": 0, "state": "Finished"}
    assert [s for s, _ in _segments(client, "seg")][:-1] == ["indexed"] * (len(states) - 1)
    assert _segments(client, "seg")[-1] == ("growing", 0)
    _check_nearest(client, vectors, [0, 333, 1199])
    assert client.query("seg", "", output_fields=["count(*)"])[0]["count(*)"] == 1200


def test_plan_merges_index_scans_and_sorts_the_growing_segment(client) -> None:
    _l2_collection(client)
    vectors = _vectors(700)
    client.insert("seg", _rows(vectors[:300]))
    client.insert("seg", _rows(vectors[300:600], 300))
    client.flush("seg")
    client.insert("seg", _rows(vectors[600:], 600))
    with client._conn() as conn:
        info = catalog.get_collection(conn, "default", "seg")
        conn.execute("SET enable_seqscan = off")
        plan = "\n".join(r[0] for r in conn.execute(
            psycopg.sql.SQL("EXPLAIN SELECT id FROM {} ORDER BY vector <-> %s::vector LIMIT 5").format(
                psycopg.sql.Identifier(info.schema_name, info.table_name)), (str(vectors[0].tolist()),)))
        conn.execute("RESET enable_seqscan")
    assert "Merge Append" in plan
    assert plan.count("Index Scan using") == 2, plan   # the two sealed segments' HNSW indexes
    assert "Sort Key" in plan                          # the growing segment's exact distances
    _check_nearest(client, vectors, [0, 650, 699])


def test_primary_keys_stay_unique_across_segments(client) -> None:
    _l2_collection(client)
    vectors = _vectors(700)
    client.insert("seg", _rows(vectors[:400]))
    client.flush("seg")  # ids 0..399 sealed and indexed
    before = _segments(client, "seg")
    with pytest.raises(MilvusException) as err:
        client.insert("seg", _rows(vectors[400:700], 400) + [{"id": 5, "vector": vectors[5].tolist()}])
    assert err.value.message == ("primary key 5 (row 300) already exists in collection seg: pgmilvus keeps `id` "
                                 "unique; nothing was inserted. Use upsert() to replace existing entities")
    assert _segments(client, "seg") == before  # nothing written, nothing counted, nothing sealed
    client.upsert("seg", [{"id": 5, "vector": vectors[6].tolist(), "tag": 9}])
    got = client.get("seg", ids=[5], output_fields=["tag"])
    assert [r["tag"] for r in got] == [9]
    assert client.query("seg", "", output_fields=["count(*)"])[0]["count(*)"] == 400
    client.create_partition("seg", "p2")
    client.upsert("seg", [{"id": 7, "tag": 10}], partition_name="p2", partial_update=True)
    assert client.query("seg", "id == 7", output_fields=["tag"], partition_names=["p2"])[0]["tag"] == 10
    assert client.delete("seg", filter="tag == 1")["delete_count"] == 132  # id 7's tag is 10 now
    assert client.query("seg", "", output_fields=["count(*)"])[0]["count(*)"] == 268


def test_varchar_keys_are_found_in_every_segment_by_insert_upsert_and_delete(client) -> None:
    """The keys' array goes to the server behind a subquery (writes.pk_in): text keys too."""
    schema = client.create_schema(auto_id=False)
    schema.add_field("pk", 21, is_primary=True, max_length=16)
    schema.add_field("vector", 101, dim=8)
    schema.add_field("tag", 5)
    client.create_collection("vseg", schema=schema)
    vectors = _vectors(800)
    for start in (0, 300, 600):  # a write seals its segment once full: 0-299, 300-599, 600-799
        client.insert("vseg", [{"pk": f"k{i}", "vector": vectors[i].tolist(), "tag": 0}
                               for i in range(start, min(start + 300, 800))])
    client.flush("vseg")
    assert [rows for _, rows in _segments(client, "vseg")] == [300, 300, 200, 0]
    with pytest.raises(MilvusException) as err:
        client.insert("vseg", [{"pk": "new", "vector": vectors[0].tolist(), "tag": 0},
                               {"pk": "k750", "vector": vectors[0].tolist(), "tag": 0}])
    assert err.value.message.startswith("primary key 'k750' (row 1) already exists in collection vseg")
    replaced = [f"k{i}" for i in (1, 299, 300, 650)]  # the first, second and third segments
    upserted = client.upsert("vseg", [{"pk": k, "vector": vectors[2].tolist(), "tag": 7} for k in replaced])
    assert upserted["upsert_count"] == 4
    assert client.query("vseg", "tag == 7", output_fields=["pk"]) == [{"pk": k} for k in sorted(replaced)]
    assert client.query("vseg", "", output_fields=["count(*)"])[0]["count(*)"] == 800
    assert client.delete("vseg", ids=["k0", "k299", "k300", "k799", "absent"])["delete_count"] == 4
    assert client.query("vseg", "", output_fields=["count(*)"])[0]["count(*)"] == 796


_INVALID = ("SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE NOT i.indisvalid AND c.relname LIKE 'seg$%'")


def _wait_for(watcher: psycopg.Connection, backend: int, victim) -> None:
    """Until the victim's CREATE INDEX CONCURRENTLY waits for the holder's transaction."""
    deadline = time.monotonic() + 60
    row = None
    while time.monotonic() < deadline:
        row = watcher.execute("SELECT wait_event, state, query FROM pg_stat_activity WHERE pid = %s",
                              (backend,)).fetchone()
        if row and row[0] == "virtualxid":
            return
        assert victim.poll() is None, victim.stdout.read() + victim.stderr.read()
        time.sleep(0.05)
    raise AssertionError(f"the build never waited: {row}")


def _unbuilt_sealed_segment(client, vectors: np.ndarray) -> catalog.CollectionInfo:
    """A collection "seg" whose first segment is sealed without its vector index, this client's
    builder stopped (the test builds it)."""
    _l2_collection(client)
    client.insert("seg", _rows(vectors))
    assert [s for s, _ in _segments(client, "seg")] in (["sealed", "growing"], ["indexed", "growing"])
    client._builder.stop()  # the test must take the segment first
    with client._conn() as conn:
        info = catalog.get_collection(conn, "default", "seg")
        conn.execute("UPDATE pgmilvus_catalog.segments SET state = 'sealed' WHERE collection_id = %s"
                     " AND state = 'indexed'", (info.id,))
        for _, leaf in segments.segment_tables(conn, info):
            conn.execute(psycopg.sql.SQL("DROP INDEX IF EXISTS {}").format(
                psycopg.sql.Identifier(info.schema_name, segments.leaf_index_name(leaf, "vector"))))
    return info


def test_killed_builder_leaves_a_segment_the_next_claimant_builds(client) -> None:
    vectors = _vectors(SEAL + 10)
    info = _unbuilt_sealed_segment(client, vectors)
    holder = psycopg.connect(client._server, autocommit=True)
    holder.execute("BEGIN")
    sealed_leaf = segments.segment_tables(holder, info)[0][1]
    # A writer in flight on the leaf: the concurrent build waits for it once its invalid index exists.
    holder.execute(psycopg.sql.SQL("LOCK TABLE {} IN ROW EXCLUSIVE MODE").format(
        psycopg.sql.Identifier(info.schema_name, sealed_leaf)))
    victim = run_python(f"""
        import psycopg
        from pgmilvus.catalog import store as catalog
        from pgmilvus.catalog import segments
        conn = psycopg.connect({client._server!r}, autocommit=True)
        info = catalog.get_collection(conn, {info.db_name!r}, "seg", aliases=False)
        print(conn.info.backend_pid, flush=True)
        print(segments.build_pending(conn, info), segments.segment_tables(conn, info, ("sealed",)), info.indexes)
    """, wait=False)
    try:
        backend = int(victim.stdout.readline())
        with psycopg.connect(client._server, autocommit=True) as watcher:
            _wait_for(watcher, backend, victim)
            victim.send_signal(signal.SIGKILL)   # the builder's process dies mid-build...
            victim.wait(10)
            watcher.execute("SELECT pg_terminate_backend(%s)", (backend,))  # ...and its session with it
    finally:
        victim.kill()
        holder.execute("ROLLBACK")
        holder.close()
    time.sleep(0.2)
    with client._conn() as conn:
        invalid = conn.execute(_INVALID).fetchone()[0]
    assert invalid == 1                           # the killed build's leftover
    assert [s for s, _ in _segments(client, "seg")] == ["sealed", "growing"]
    _check_nearest(client, vectors, [0, SEAL + 5])   # searches stay right meanwhile
    client.flush("seg")
    assert [s for s, _ in _segments(client, "seg")] == ["indexed", "growing"]
    with client._conn() as conn:
        assert conn.execute(_INVALID).fetchone()[0] == 0
    _check_nearest(client, vectors, [0, 100, SEAL + 5])


_LEAF_DDL = {
    "drop_collection": lambda c: c.drop_collection("seg"),
    "drop_index": lambda c: (c.release_collection("seg"), c.drop_index("seg", "vector")),
    "create_index": lambda c: c.create_index("seg", _scalar_index(c)),
    "add_collection_field": lambda c: c.add_collection_field("seg", "extra", 5, nullable=True),
    "truncate_collection": lambda c: c.truncate_collection("seg"),
}


def _scalar_index(client):
    index = client.prepare_index_params()
    index.add_index("id", index_type="STL_SORT")
    return index


@pytest.mark.parametrize("client", ["embedded"], indirect=True)
@pytest.mark.parametrize("ddl", list(_LEAF_DDL))
def test_ddl_stops_a_build_in_flight_instead_of_deadlocking_with_it(client, ddl: str, caplog) -> None:
    """A builder's CREATE INDEX CONCURRENTLY waits for older transactions to end, the DDL's
    included, while the DDL waits for the build's lock on the leaf: the DDL cancels the build, which
    ends without building (the next build takes the segment) and without an error."""
    caplog.set_level(logging.INFO, logger="pgmilvus")
    info = _unbuilt_sealed_segment(client, _vectors(SEAL + 10))
    holder = psycopg.connect(client._server, autocommit=True)
    holder.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
    holder.execute("SELECT 1")  # a snapshot the build waits for at its end, holding its lock meanwhile
    builder = psycopg.connect(client._server, autocommit=True)
    failure: list[Any] = []
    thread = threading.Thread(target=lambda: _build_catching(builder, info, failure))
    thread.start()
    release = threading.Timer(20, holder.execute, ("ROLLBACK",))   # unblocks a drop that waits
    release.start()
    try:
        with psycopg.connect(client._server, autocommit=True) as watcher:
            deadline = time.monotonic() + 30
            while watcher.execute("SELECT count(*) FROM pg_stat_progress_create_index WHERE pid = %s AND "
                                  "phase = 'waiting for old snapshots'", (builder.info.backend_pid,)
                                  ).fetchone()[0] == 0:
                assert time.monotonic() < deadline, "the build never waited for the old snapshot"
                time.sleep(0.05)
        _LEAF_DDL[ddl](client)
        # It returned while the holder's transaction (and so the build's wait) still ran.
        assert holder.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        thread.join(10)
        assert failure == [0] and "canceling statement due to user request" in caplog.text
        assert client.has_collection("seg") == (ddl != "drop_collection")
    finally:
        release.cancel()
        holder.close()
        thread.join(10)
        builder.close()


@pytest.mark.parametrize("client", ["embedded"], indirect=True)
@pytest.mark.parametrize("ddl", list(_LEAF_DDL))
@pytest.mark.parametrize("tries", ["nowait", "waiting"])
def test_ddl_stops_a_build_that_starts_after_its_first_cancel(client, ddl: str, tries: str, monkeypatch,
                                                              caplog) -> None:
    """The race the cancel alone left: a build starting between the DDL's cancel and its lock on
    the leaves holds its leaf and waits for the DDL's transaction.  The DDL takes the leaves NOWAIT
    and cancels again: the build is cancelled (never a deadlock, for either side).  ``waiting``: the
    tries without waiting ran out (a busy collection) and the build starts before the DDL waits in
    the lock's queue; it waits in turns, cancelling between them (segments.wait_in_turns)."""
    caplog.set_level(logging.INFO, logger="pgmilvus")
    if tries == "waiting":
        monkeypatch.setattr(segments, "_HOLD_TRIES", 0)
    info = _unbuilt_sealed_segment(client, _vectors(SEAL + 10))
    builder = psycopg.connect(client._server, autocommit=True)
    failure: list[Any] = []
    real_cancel = segments.cancel_builds
    thread = threading.Thread(target=lambda: _build_catching(builder, info, failure))

    def cancel_then_a_build_starts(conn, info_):
        cancelled = real_cancel(conn, info_)
        if not thread.ident:  # the first call only
            thread.start()
            with psycopg.connect(client._server, autocommit=True) as watcher:
                deadline = time.monotonic() + 30
                while watcher.execute("SELECT count(*) FROM pg_stat_progress_create_index WHERE pid = %s AND "
                                      "phase = 'waiting for old snapshots'", (builder.info.backend_pid,)
                                      ).fetchone()[0] == 0:   # it holds its leaf, waiting for this DDL
                    assert time.monotonic() < deadline, "the build never waited for the DDL's snapshot"
                    time.sleep(0.05)
        return cancelled

    monkeypatch.setattr(segments, "cancel_builds", cancel_then_a_build_starts)
    try:
        _LEAF_DDL[ddl](client)
        thread.join(10)
        assert failure == [0] and "canceling statement due to user request" in caplog.text, failure
        assert client.has_collection("seg") == (ddl != "drop_collection")
    finally:
        thread.join(10)
        builder.close()


def _build_catching(builder: psycopg.Connection, info, outcome: list[Any]) -> None:
    """How many segments the build built, or the error it raised (before hold_leaves, a deadlock's)."""
    try:
        outcome.append(segments.build_pending(builder, info))
    except psycopg.Error as exc:
        outcome.append(exc)


@pytest.mark.parametrize("client", ["embedded"], indirect=True)
def test_recall_after_indexing_catches_up(client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGMILVUS_SEGMENT_ROWS", "3000")
    data, queries = clustered(7, 12_000, 40, dim=32)
    client.create_collection("rc", dimension=32, metric_type="L2")
    for start in range(0, len(data), 2000):
        client.insert("rc", [{"id": start + i, "vector": v.tolist()} for i, v in enumerate(data[start:start + 2000])])
    client.flush("rc")
    assert [s for s, _ in _segments(client, "rc")] == ["indexed"] * 3 + ["growing"]
    found = client.search("rc", [q.tolist() for q in queries], limit=10)
    hits = 0
    for q, got in zip(queries, found):
        truth = set(np.argsort(np.sum((data - q) ** 2, axis=1))[:10].tolist())
        hits += len(truth & {h["id"] for h in got})
    assert hits / (10 * len(queries)) >= 0.95


def test_rows_written_by_plain_sql_are_adopted_by_flush(client) -> None:
    _l2_collection(client)
    vectors = _vectors(50)
    with client._conn() as conn:
        info = catalog.get_collection(conn, "default", "seg")
        with conn.cursor() as cur:
            cur.executemany(psycopg.sql.SQL("INSERT INTO {} (id, vector) VALUES (%s, %s::vector)").format(
                psycopg.sql.Identifier(info.schema_name, info.table_name)),
                [(i, str(v.tolist())) for i, v in enumerate(vectors)])
    _check_nearest(client, vectors, [0, 49])  # segment 0, searched exactly
    client.flush("seg")
    assert _segments(client, "seg") == [("indexed", 50), ("growing", 0)]
    with client._conn() as conn:
        leaf = segments.leaf_name(info.partition("_default").table_name, segments.OUTSIDE_SEGMENT)
        assert conn.execute(psycopg.sql.SQL("SELECT count(*) FROM {}").format(
            psycopg.sql.Identifier(info.schema_name, leaf))).fetchone()[0] == 0
    _check_nearest(client, vectors, [0, 49])


def test_truncate_empties_every_segment_and_writes_go_on(client) -> None:
    _l2_collection(client)
    client.insert("seg", _rows(_vectors(SEAL + 20)))
    client.flush("seg")
    assert client.list_persistent_segments("seg")
    client.truncate_collection("seg")
    assert client.query("seg", filter="", output_fields=["count(*)"])[0]["count(*)"] == 0
    assert {(state, rows) for state, rows in _segments(client, "seg")} == {("growing", 0)}
    assert client.list_persistent_segments("seg") == []  # Milvus drops a truncated collection's segments
    vectors = _vectors(30, seed=1)
    client.insert("seg", _rows(vectors))
    _check_nearest(client, vectors, [0, 29])


def test_segments_by_id_of_any_collection_and_state(client) -> None:
    """get_segments_info (REST's segments/describe): indexed and growing segments of any collection,
    by id in the order asked; an unknown id is datacoord's 600, a bad argument pymilvus-style."""
    from pgmilvus import ParamError

    _l2_collection(client)
    _l2_collection(client, "other")
    client.insert("seg", _rows(_vectors(SEAL + 20)))
    client.flush("seg")
    client.insert("seg", _rows(_vectors(5, seed=1), start=1000))
    client.insert("other", _rows(_vectors(5, seed=2)))
    listed = client.list_segments("seg") + client.list_segments("other")
    assert {s.state.name for s in listed} == {"Flushed", "Growing"}
    assert client.get_segments_info([s.segment_id for s in listed[::-1]]) == listed[::-1]
    assert client.get_segments_info([]) == []
    with pytest.raises(MilvusException) as info:
        client.get_segments_info([listed[0].segment_id, 424242])
    assert (info.value.code, info.value.message) == (600, "segment not found[segment=424242]")
    with pytest.raises(ParamError, match="segment_ids"):
        client.get_segments_info("1")


def test_a_built_segment_is_vacuumed_so_scans_skip_visibility_checks(client) -> None:
    """After its build, an indexed segment's pages are all-visible (VACUUM), and the planner has
    its statistics (ANALYZE)."""
    _l2_collection(client)
    vectors = _vectors(SEAL + 20)
    client.insert("seg", _rows(vectors))
    client.flush("seg")
    with client._conn() as conn:
        info = catalog.get_collection(conn, "default", "seg")
        built = conn.execute("SELECT id FROM pgmilvus_catalog.segments WHERE collection_id = %s"
                             " AND state = 'indexed' AND rows > 0", (info.id,)).fetchall()
        assert built
        for (segment_id,) in built:
            leaf = psycopg.sql.Identifier(info.schema_name, segments.leaf_name(
                info.partition("_default").table_name, segment_id)).as_string(conn)
            pages, all_visible, vacuumed, analyzed = conn.execute(
                "SELECT relpages, relallvisible, pg_stat_get_last_vacuum_time(oid) IS NOT NULL,"
                " pg_stat_get_last_analyze_time(oid) IS NOT NULL FROM pg_class WHERE oid = %s::regclass",
                (leaf,)).fetchone()
            assert pages > 0 and all_visible == pages and vacuumed and analyzed
    _check_nearest(client, vectors, [0, SEAL + 19])


# -- partition-key collections: a growing segment per hash partition ------------------------------

HASHED_KEYS = [  # partition-key type, values: where the writer thinks a row goes is where Postgres puts it
    ("INT64", [0, 1, -1, 7, 2**31, -(2**31) - 1, 2**63 - 1, -(2**63)] + list(range(-500, 500, 7))),
    ("VARCHAR", ["", "a", "tenant_7", "ünïcödé", "x" * 200] + [f"t{i}" for i in range(100)]),
]


@pytest.mark.parametrize("dtype, keys", HASHED_KEYS)
def test_hash_remainders_match_the_servers_routing(client, dtype: str, keys: list) -> None:
    _keyed_collection(client, dtype)
    client.insert("keyed", [{"id": i, "vector": [0.5] * 8, "tenant": key} for i, key in enumerate(keys)])
    with client._conn() as conn:
        info = catalog.get_collection(conn, "default", "keyed")
        # each row's hash partition: the parent of the segment leaf it landed in
        landed = dict(conn.execute('SELECT k.id, c.relname FROM "default"."keyed" k JOIN pg_inherits i'
                                   " ON i.inhrelid = k.tableoid JOIN pg_class c ON c.oid = i.inhparent").fetchall())
        computed = segments.hash_remainders(conn, info, keys)
    remainder_of = {p.table_name: int(p.name.rsplit("_", 1)[1]) for p in info.partitions}
    assert [remainder_of[landed[i]] for i in range(len(keys))] == computed


def _keyed_collection(client, dtype: str = "INT64", name: str = "keyed") -> None:
    index = client.prepare_index_params()
    index.add_index("vector", index_type="AUTOINDEX", metric_type="L2")
    schema = client.create_schema(auto_id=False)
    schema.add_field("id", 5, is_primary=True)
    schema.add_field("vector", 101, dim=8)
    if dtype == "INT64":
        schema.add_field("tenant", 5, is_partition_key=True)
    else:
        schema.add_field("tenant", 21, max_length=256, is_partition_key=True)
    client.create_collection(name, schema=schema, index_params=index, num_partitions=4)


def test_partition_key_collection_is_segmented_per_hash_partition(client) -> None:
    """Rows are found at once, at exact distances, while each hash partition's segments are
    sealed and built; flush() indexes everything; a partial update that changes a row's key
    moves it to the growing segment of its new hash partition."""
    _keyed_collection(client)
    vectors = _vectors(2400)
    for start in range(0, 2400, 400):
        client.insert("keyed", [{"id": start + i, "vector": v.tolist(), "tenant": (start + i) % 10}
                                for i, v in enumerate(vectors[start:start + 400])])
        _check_nearest(client, vectors, [start, start + 399, max(0, start - 250)], name="keyed")
    states = _segments(client, "keyed")
    assert [s for s, _ in states].count("growing") == 4
    assert any(s in ("sealed", "indexed") for s, _ in states)
    client.flush("keyed")
    assert {k: client.describe_index("keyed", "vector")[k] for k in ("indexed_rows", "pending_index_rows")} \
        == {"indexed_rows": 2400, "pending_index_rows": 0}
    assert {s for s, _ in _segments(client, "keyed")} == {"indexed", "growing"}
    listed = client.list_persistent_segments("keyed")
    assert sum(s.num_rows for s in listed) == 2400
    for tenant in (3, 4):
        assert client.query("keyed", filter=f"tenant == {tenant}", output_fields=["count(*)"])[0]["count(*)"] == 240
    client.upsert("keyed", [{"id": 3, "tenant": 4}], partial_update=True)
    assert client.get("keyed", ids=[3], output_fields=["tenant"])[0]["tenant"] == 4
    assert client.query("keyed", filter="tenant == 4", output_fields=["count(*)"])[0]["count(*)"] == 241
    # Several keys at once, to several hash partitions (their segments found in one round trip).
    moved = {10: 5, 11: 6, 12: 7, 13: 8, 14: 9, 15: 0}
    client.upsert("keyed", [{"id": i, "tenant": t} for i, t in moved.items()] + [{"id": 16, "vector": vectors[16].tolist()}],
                  partial_update=True)
    got = client.get("keyed", ids=list(moved), output_fields=["tenant"])
    assert {r["id"]: r["tenant"] for r in got} == moved
    _check_nearest(client, vectors, [0, 3, 1234, 2399], name="keyed")
    with pytest.raises(MilvusException, match="already exists"):
        client.insert("keyed", [{"id": 5, "vector": vectors[5].tolist(), "tenant": 9}])


def test_background_builds_wait_for_a_pause_in_the_writes(client, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sealed segment is not built while the process keeps writing (the build's workers would
    take the writer's cores); once the writes pause, it is built without a flush()."""
    from pgmilvus.catalog import builder

    monkeypatch.setattr(builder, "QUIET", 3.0)
    _l2_collection(client)
    vectors = _vectors(2 * SEAL)
    client.insert("seg", _rows(vectors[:SEAL + 10]))
    client.insert("seg", _rows(vectors[SEAL + 10:], SEAL + 10))
    assert [s for s, _ in _segments(client, "seg")].count("sealed") == 1  # not built yet: no pause
    _check_nearest(client, vectors, [0, SEAL + 20])
    deadline = time.monotonic() + 30
    while "sealed" in [s for s, _ in _segments(client, "seg")] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [s for s, _ in _segments(client, "seg")][0] == "indexed"


def test_an_idle_growing_segment_worth_an_index_is_sealed_and_built_without_flush(client, monkeypatch) -> None:
    """A collection loaded below the seal size and then only searched: once the writes pause, its
    growing segment is sealed and built in the background (from idle_seal_rows up); a smaller
    one stays growing."""
    monkeypatch.delenv("PGMILVUS_IDLE_SEAL_ROWS")
    _l2_collection(client)
    least = 256
    assert segments.idle_seal_rows(_info(client)) == least
    vectors = _vectors(least + 100)
    client.insert("seg", _rows(vectors[:least]))
    deadline = time.monotonic() + 30
    while _segments(client, "seg")[0][0] != "indexed" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _segments(client, "seg") == [("indexed", least), ("growing", 0)]
    client.insert("seg", _rows(vectors[least:], least))   # 100 rows: below idle_seal_rows
    time.sleep(2.0)
    assert _segments(client, "seg") == [("indexed", least), ("growing", 100)]
    _check_nearest(client, vectors, [0, least - 1, least + 50])


def _info(client):
    with client._conn() as conn:
        return catalog.get_collection(conn, "default", "seg")


def test_ignore_growing_reads_the_sealed_segments_only(client) -> None:
    """Milvus's ignore_growing skips the growing (unflushed) segments: query, count(*), search and
    hybrid_search see the flushed rows only; without it every row is read."""
    _l2_collection(client)
    vectors = _vectors(120, seed=4)
    client.insert("seg", _rows(vectors[:100]))
    client.flush("seg")                                      # 100 rows sealed
    client.insert("seg", _rows(vectors[100:], start=100))    # 20 rows growing
    assert [s for s, _ in _segments(client, "seg")][-1] == "growing"
    for flag, expected in ((True, 100), ("true", 100), (False, 120), (None, 120)):
        kwargs = {} if flag is None else {"ignore_growing": flag}
        rows = client.query("seg", filter="id >= 0", limit=500, **kwargs)
        assert len(rows) == expected and (expected == 120 or max(r["id"] for r in rows) == 99)
        assert client.query("seg", output_fields=["count(*)"], **kwargs)[0]["count(*)"] == expected
        hits = client.search("seg", [vectors[110].tolist()], limit=200, **kwargs)[0]
        assert len(hits) == expected and (hits[0]["id"] == 110) == (expected == 120)
        sub = client.search("seg", [vectors[110].tolist()], limit=200, search_params={"ignore_growing": flag})[0] \
            if flag is not None else hits
        assert len(sub) == expected
    from pgmilvus import AnnSearchRequest, RRFRanker

    req = AnnSearchRequest([vectors[110].tolist()], "vector", {"metric_type": "L2"}, 50)
    assert all(h["id"] < 100 for h in client.hybrid_search("seg", [req], RRFRanker(), limit=50,
                                                            ignore_growing=True)[0])
    own = AnnSearchRequest([vectors[110].tolist()], "vector", {"metric_type": "L2", "ignore_growing": True}, 50)
    assert all(h["id"] < 100 for h in client.hybrid_search("seg", [own], RRFRanker(), limit=50)[0])
    iterator = client.search_iterator("seg", [vectors[110].tolist()], batch_size=30, ignore_growing=True)
    seen = []
    while page := iterator.next():  # the Go SDK's iterators skip growing segments too
        seen.extend(h["id"] for h in page)
    assert sorted(seen) == list(range(100))


def test_flush_all_flushes_every_collection_of_every_database(client) -> None:
    vectors = _vectors(100)
    _l2_collection(client, "one")
    client.insert("one", _rows(vectors))
    client.create_database("other")
    client.using_database("other")
    try:
        _l2_collection(client, "two")
        client.insert("two", _rows(vectors))
        client.flush_all(db="other")  # that database only
        assert client.describe_index("two", "vector")["indexed_rows"] == 100
        client.using_database("default")
        assert [s for s, _ in _segments(client, "one")] == ["growing"]
        client.flush_all()
        assert client.get_flush_all_state() is True
        assert [s for s, _ in _segments(client, "one")] == ["indexed", "growing"]
        assert client.describe_index("one", "vector")["indexed_rows"] == 100
        with pytest.raises(MilvusException, match="database not found"):
            client.flush_all(db="nope")
    finally:
        client.using_database("other")
        client.drop_collection("two")
        client.using_database("default")
        client.drop_database("other")


@pytest.mark.parametrize("error, changed", [
    (psycopg.errors.QueryCanceled("canceling statement due to user request"), True),   # cancel_builds
    (psycopg.errors.QueryCanceled("canceling statement due to statement timeout"), False),  # the caller's
    (psycopg.errors.DeadlockDetected("deadlock detected"), True),   # a DDL waiting for the leaf
    (psycopg.errors.UndefinedColumn('column "f1" does not exist'), True),  # a field dropped meanwhile
    (psycopg.errors.UndefinedTable('relation "x" does not exist'), True),
    (psycopg.errors.UniqueViolation("duplicate key"), False),
])
def test_a_build_stopped_by_ddl_ends_quietly_and_others_fail(error: psycopg.Error, changed: bool) -> None:
    assert segments._changed_meanwhile(error) is changed
