"""compact() on a segmented collection (catalog/compaction.py): small indexed segments merged into
one with its indexes built in bulk; every row found exactly once at every moment."""

from __future__ import annotations

import threading
import time

import numpy as np
import psycopg
import pytest
from psycopg import sql

from pgmilvus import DataType, MilvusClient, MilvusException
from pgmilvus.catalog import builder, compaction, indexes
from pgmilvus.catalog import store as catalog

from .subproc import run_python
from .test_search_recall import clustered
from .test_segments import SEAL, _check_nearest, _l2_collection, _rows, _segments, _vectors


@pytest.fixture(autouse=True)
def small_segments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGMILVUS_SEGMENT_ROWS", str(SEAL))
    monkeypatch.setenv("PGMILVUS_MERGE_ROWS", str(4 * SEAL))


GROUPS = [  # (id, live rows) in id order, target -> merged runs
    ([(1, 100), (2, 100), (3, 100)], 300, [[1, 2, 3]]),
    ([(1, 100), (2, 100), (3, 100)], 250, [[1, 2]]),
    ([(1, 300), (2, 10), (3, 10)], 300, [[2, 3]]),
    ([(1, 500), (2, 10), (3, 500), (4, 10)], 300, []),
    ([(1, 150), (2, 150)], 300, [[1, 2]]),  # half the target is still small (Milvus's smallProportion)
    ([(1, 200), (2, 10), (3, 10)], 300, [[2, 3]]),  # over half: left as it is, though 220 would fit
    ([(1, 10), (2, 200), (3, 10), (4, 10)], 300, [[3, 4]]),  # and it ends the run
    ([(1, 10)], 300, []),
    ([], 300, []),
]


@pytest.mark.parametrize("live, target, expected", GROUPS)
def test_groups(live, target, expected) -> None:
    assert compaction.groups(live, target) == expected


BACKGROUND_GROUPS = [  # what the background compaction merges: runs of AUTO_MERGE_SEGMENTS or more
    ([(1, 10), (2, 10), (3, 10), (4, 10)], 300, [[1, 2, 3, 4]]),
    ([(1, 10), (2, 10), (3, 10)], 300, []),
    ([(1, 100), (2, 100), (3, 100), (4, 100), (5, 10)], 300, []),
]


@pytest.mark.parametrize("live, target, expected", BACKGROUND_GROUPS)
def test_background_groups(live, target, expected) -> None:
    assert compaction.groups(live, target, builder.AUTO_MERGE_SEGMENTS) == expected


DIRTY_GROUPS = [  # the user's compact(): a segment a fifth deleted is rewritten even alone
    ([(1, 100)], 300, {1}, [[1]]),
    ([(1, 500)], 300, {1}, [[1]]),
    ([(1, 500), (2, 10)], 300, {2}, [[2]]),
    ([(1, 500), (2, 10)], 300, {1}, [[1]]),
    ([(1, 200), (2, 10)], 300, {1}, [[1]]),
    ([(1, 100), (2, 100)], 300, {2}, [[1, 2]]),
    ([(1, 100)], 300, set(), []),
]


@pytest.mark.parametrize("live, target, dirty, expected", DIRTY_GROUPS)
def test_dirty_groups(live, target, dirty, expected) -> None:
    assert compaction.groups(live, target, dirty=frozenset(dirty)) == expected


MERGE_ROWS = [  # dimension -> rows of a merged segment: Milvus's 1 GB of float32 vectors, at least two seals
    (8, 1 << 25),
    (128, 1 << 21),
    (768, 349_525),
    (32_768, 8_192),
]


@pytest.mark.parametrize("dim, expected", MERGE_ROWS)
def test_merge_rows(client, monkeypatch: pytest.MonkeyPatch, dim: int, expected: int) -> None:
    monkeypatch.delenv("PGMILVUS_MERGE_ROWS")
    monkeypatch.delenv("PGMILVUS_SEGMENT_ROWS")
    client.create_collection(f"m{dim}", dimension=dim)
    with client._conn() as conn:
        assert compaction.merge_rows(catalog.get_collection(conn, "default", f"m{dim}")) == expected


GRAPH_MEMORY = [  # server host, dim, M, rows, machine GB -> maintenance_work_mem of the build (None: 1GB)
    ("/tmp/s", 128, 16, 100_000, 16, None),           # the graph fits in BUILD_MEMORY
    ("/tmp/s", 128, 16, 1 << 21, 16, "2711MB"),       # a full 128-d merge: 1,232 bytes a row, and 10%
    ("127.0.0.1", 768, 16, 349_525, 16, "1391MB"),    # a full 768-d merge, over TCP on this machine
    ("/tmp/s", 768, 48, 349_525, 16, "1766MB"),       # M's neighbours count
    ("/tmp/s", 128, 16, 1 << 21, 6, "1536MB"),        # at most a quarter of the machine's memory
    ("/tmp/s", 128, 16, 1 << 21, 2, "1024MB"),        # never below BUILD_MEMORY
    ("db.internal", 128, 16, 1 << 21, 16, None),      # another machine: its memory is unknown here
]


@pytest.mark.parametrize("host, dim, m, rows, machine_gb, expected", GRAPH_MEMORY)
def test_graph_memory(monkeypatch: pytest.MonkeyPatch, host: str, dim: int, m: int, rows: int, machine_gb: int,
                      expected: str | None) -> None:
    monkeypatch.setattr(indexes, "machine_memory", lambda: machine_gb << 30)
    schema = MilvusClient.create_schema()
    schema.add_field("pk", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=dim)
    plan = indexes.IndexPlan("v", "v", "HNSW", "L2", {}, "hnsw", "vector_l2_ops", {"m": m, "ef_construction": 64})
    assert indexes.graph_memory(host, schema, [plan], rows) == expected
    monkeypatch.setenv("PGMILVUS_INDEX_BUILD_MEMORY", "512MB")  # the user's setting decides
    assert indexes.graph_memory(host, schema, [plan], rows) is None


DIRTY = [  # rows written into each segment, (id, live rows) -> the segments to rewrite
    ({1: 100, 2: 100}, [(1, 80), (2, 81)], {1}),
    ({1: 100}, [(1, 0)], {1}),
    ({1: 100}, [(1, 100)], set()),
    ({1: 0}, [(1, 0)], set()),
]


@pytest.mark.parametrize("written, live, expected", DIRTY)
def test_dirty_segments(written, live, expected) -> None:
    assert compaction.dirty_segments(written, live) == expected


def _loaded(client, n: int = 1500) -> np.ndarray:
    _l2_collection(client)
    vectors = _vectors(n)
    for start in range(0, n, SEAL):
        client.insert("seg", _rows(vectors[start:start + SEAL], start))
    client.flush("seg")
    return vectors


def _ids(client) -> list[int]:
    return sorted(r["id"] for r in client.query("seg", filter="id >= 0", limit=16384))


def test_compact_merges_small_segments_and_keeps_every_row(client) -> None:
    vectors = _loaded(client)
    client.delete("seg", filter="id in [3, 4, 5]")
    before = [s for s, _ in _segments(client, "seg")]
    assert before.count("indexed") == 5
    job = client.compact("seg")
    assert client.get_compaction_state(job) == "Completed"
    assert sorted(_segments(client, "seg")) == [("growing", 0), ("indexed", SEAL), ("indexed", 4 * SEAL - 3)]
    assert _ids(client) == [i for i in range(1500) if i not in (3, 4, 5)]
    _check_nearest(client, vectors, [0, 700, 1100, 1499])
    described = client.describe_index("seg", "vector")
    assert (described["indexed_rows"], described["pending_index_rows"]) == (1497, 0)
    client.compact("seg")   # nothing left to merge (the merged segment is full)
    assert sorted(_segments(client, "seg")) == [("growing", 0), ("indexed", SEAL), ("indexed", 4 * SEAL - 3)]


def test_a_compaction_job_answers_its_plans(client) -> None:
    """get_compaction_plans: each merge of the job, its sources the segments listed before and its
    target the one listed after; list_compaction_tasks lists them; an unknown id has no plan."""
    from pgmilvus.types import CompactionTaskState, CompactionType, State

    _loaded(client)
    before = [s.segment_id for s in client.list_persistent_segments("seg")]
    job = client.compact("seg")
    after = [s.segment_id for s in client.list_persistent_segments("seg")]
    plans = client.get_compaction_plans(job)
    assert (plans.compaction_id, plans.state) == (job, State.Completed)
    [plan] = plans.plans
    assert plan.sources == before[:4] and [plan.target] == plan.targets == [after[-1]] and after[0] == before[4]
    assert (plan.trigger_id, plan.plan_id, plan.partition_id, plan.compaction_type, plan.state) \
        == (job, plan.target, client.list_partition_details("seg")[0].id, CompactionType.MixCompaction,
            CompactionTaskState.Completed)
    assert "- sources: " + str(before[:4]) in repr(plans)
    again = client.compact("seg")
    assert again > job and client.get_compaction_plans(again).plans == []
    tasks = client.list_compaction_tasks("seg")
    assert (tasks.collection_name, [p.sources for p in tasks.plans]) == ("seg", [before[:4]])
    assert client.get_compaction_plans(12345).plans == [] and client.get_compaction_state(12345) == "Completed"
    with pytest.raises(MilvusException, match="compaction_id value x is illegal"):
        client.get_compaction_plans("x")
    client.drop_collection("seg")
    assert client.get_compaction_plans(job).plans == []


def test_compact_rewrites_a_segment_a_fifth_deleted(client) -> None:
    """Milvus's single compaction: a segment that lost 20% of its rows to deletes is rewritten
    without them (a new id, its index rebuilt); one that lost fewer is left as it is."""
    vectors = _loaded(client, 2 * 4 * SEAL)
    client.compact("seg")  # two full merged segments
    first, second = [s.segment_id for s in client.list_persistent_segments("seg")]
    client.delete("seg", filter=f"id < {4 * SEAL // 5}")          # 20% of the first
    client.delete("seg", filter=f"id >= {4 * SEAL} and id < {4 * SEAL + 10}")  # 10 of the second
    job = client.compact("seg")
    [plan] = client.get_compaction_plans(job).plans
    assert plan.sources == [first]
    listed = client.list_persistent_segments("seg")
    assert [(s.segment_id, s.num_rows) for s in listed] == [(second, 4 * SEAL - 10), (plan.target, 4 * SEAL * 4 // 5)]
    _check_nearest(client, vectors, [4 * SEAL // 5, 4 * SEAL - 1, 5 * SEAL])


def test_writes_between_the_copy_and_the_swap_are_carried(client, monkeypatch) -> None:
    vectors = _loaded(client, 4 * SEAL)

    def writes() -> None:   # another session, while compact() is between its build and its swap
        with psycopg.connect(client._db.conninfo) as other:
            other.execute('DELETE FROM "default"."seg" WHERE id IN (10, 11)')
        client.upsert("seg", [{"id": 20, "vector": [9.0] * 8, "tag": 1}])          # moved to growing
        client.upsert("seg", [{"id": 30, "tag": 99}], partial_update=True)        # updated in place
    monkeypatch.setattr(compaction, "between", writes)
    client.compact("seg")
    assert _ids(client) == [i for i in range(4 * SEAL) if i not in (10, 11)]
    assert client.get("seg", ids=[20, 30], output_fields=["tag"]) == [{"id": 20, "tag": 1}, {"id": 30, "tag": 99}]
    assert client.search("seg", [[9.0] * 8], limit=1)[0][0]["id"] == 20
    _check_nearest(client, vectors, [0, 599, 1199])


@pytest.mark.parametrize("stage, change", [("copy", "add"), ("create", "drop"), ("copy", "drop"), ("create", "add")])
def test_a_field_added_or_dropped_during_the_merge_abandons_it(client, monkeypatch, stage, change) -> None:
    """A field added or dropped after compact() read the collection: before the new table is made
    (a dropped field's B-tree names a column it lacks) or after (the copy names an added column it
    lacks), the merge is left, the call answers, nothing is left behind; the next compact() merges."""
    from pgmilvus import DataType

    _loaded(client, 4 * SEAL)
    if change == "drop":
        client.add_collection_field("seg", "extra", DataType.INT64, nullable=True)

    def alter(at: str) -> None:
        if at != stage:
            return
        monkeypatch.setattr(compaction, "before", None)
        if change == "add":
            client.add_collection_field("seg", "extra", DataType.INT64, nullable=True)
        else:
            client.drop_collection_field("seg", "extra")
    monkeypatch.setattr(compaction, "before", alter)
    before = sorted(_segments(client, "seg"))
    client.compact("seg")
    assert sorted(_segments(client, "seg")) == before
    assert _ids(client) == list(range(4 * SEAL))
    client.compact("seg")
    assert sorted(_segments(client, "seg")) == [("growing", 0), ("indexed", 4 * SEAL)]
    assert _ids(client) == list(range(4 * SEAL))


def _commit_once_waiting(dsn: str, conn: psycopg.Connection, waiting: str) -> threading.Thread:
    """A thread that commits ``conn``'s open transaction once a session of the database waits as
    ``waiting`` (a condition on pg_stat_activity) says: the other side of a race, put in place."""
    def commit() -> None:
        with psycopg.connect(dsn, autocommit=True) as watcher:
            while not watcher.execute(f"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                                      f" AND {waiting}").fetchone()[0]:
                time.sleep(0.01)
        conn.commit()
    thread = threading.Thread(target=commit)
    thread.start()
    return thread


def _collision(dsn: str) -> psycopg.Error:
    """A real "tuple concurrently updated": two GRANTs on one table, the first committed while the
    second waits for it (PostgreSQL orders such catalog updates by no lock)."""
    with psycopg.connect(dsn, autocommit=True) as setup:
        setup.execute("CREATE TABLE IF NOT EXISTS public.granted (a int)")
    first, second = psycopg.connect(dsn), psycopg.connect(dsn, autocommit=True)
    first.execute("GRANT SELECT ON public.granted TO PUBLIC")
    committer = _commit_once_waiting(dsn, first, "wait_event = 'transactionid' AND query LIKE 'GRANT INSERT%%'")
    try:
        with pytest.raises(psycopg.Error) as raised:
            second.execute("GRANT INSERT ON public.granted TO PUBLIC")
    finally:
        committer.join()
        first.close()
        second.close()
    return raised.value


def test_a_catalog_collision_abandons_the_merge(client, monkeypatch) -> None:
    """A statement of the merge fails because another session rewrote the same row of PostgreSQL's
    catalog at once ("tuple concurrently updated"): compact() answers, the merge is left, nothing
    is left behind, the next compact() merges.  Anywhere else the error is the retryable conflict."""
    from pgmilvus.pg.connection import ConnectionLost, translated

    collision = _collision(client._db.conninfo)
    assert str(collision).startswith("tuple concurrently updated")
    error = translated(collision)
    assert isinstance(error, ConnectionLost) and error.message.startswith("the call conflicted with a concurrent one")
    _loaded(client, 4 * SEAL)
    merging: list[str] = []

    def collide(at: str) -> None:
        if at == "copy":
            monkeypatch.setattr(compaction, "before", None)
            with psycopg.connect(client._db.conninfo) as look:
                merging.extend(look.execute(f"SELECT table_name FROM {catalog.CATALOG}.segments"
                                            " WHERE state = 'merging'").fetchone())
            raise collision
    monkeypatch.setattr(compaction, "before", collide)
    before = sorted(_segments(client, "seg"))
    client.compact("seg")
    assert sorted(_segments(client, "seg")) == before
    with psycopg.connect(client._db.conninfo) as look:
        assert look.execute("SELECT to_regclass(%s)", (f'"default"."{merging[0]}"',)).fetchone()[0] is None
    assert _ids(client) == list(range(4 * SEAL))
    client.compact("seg")
    assert sorted(_segments(client, "seg")) == [("growing", 0), ("indexed", 4 * SEAL)]


def test_a_regrant_beside_the_merge_waits_for_it(client, monkeypatch) -> None:
    """A re-grant (GRANT ... ON ALL TABLES IN SCHEMA, as create_collection makes as a superuser)
    open while the merge's new table gets its partition constraint: both rewrite that table's
    pg_class row, which PostgreSQL orders by no lock (one of them failed "tuple concurrently
    updated").  The merge waits for the grants' lock instead, and merges."""
    from pgmilvus.rbac import roles as rbac

    _loaded(client, 4 * SEAL)
    other = psycopg.connect(client._db.conninfo)

    def regrant(at: str) -> None:
        if at != "copy":
            return
        monkeypatch.setattr(compaction, "before", None)
        rbac.lock_grants(other, shared=False)
        other.execute('GRANT SELECT ON ALL TABLES IN SCHEMA "default" TO PUBLIC')
        _commit_once_waiting(client._db.conninfo, other, "wait_event_type = 'Lock'")
    monkeypatch.setattr(compaction, "before", regrant)
    try:
        client.compact("seg")
    finally:
        other.close()
    assert sorted(_segments(client, "seg")) == [("growing", 0), ("indexed", 4 * SEAL)]
    assert _ids(client) == list(range(4 * SEAL))


def test_searches_during_compaction_see_each_row_once(client) -> None:
    vectors = _loaded(client)
    seen: list[list[int]] = []
    counts: list[int] = []
    done = threading.Event()

    def search() -> None:
        while not done.is_set():
            hits = client.search("seg", [vectors[42].tolist()], limit=1500,
                                 search_params={"metric_type": "L2", "params": {"ef": 1000}})
            seen.append(sorted(h["id"] for h in hits[0]))
            counts.append(client.query("seg", filter="", output_fields=["count(*)"])[0]["count(*)"])
    reader = threading.Thread(target=search)
    reader.start()
    try:
        client.compact("seg")
    finally:
        done.set()
        reader.join()
    assert seen and all(len(ids) == len(set(ids)) for ids in seen)
    assert set(counts) == {1500}


def test_a_merge_killed_before_its_swap_is_cleaned_up_by_the_next_compact(client) -> None:
    vectors = _loaded(client)
    run_python(f"""
        import os
        from pgmilvus import MilvusClient
        from pgmilvus.catalog import builder, compaction
        compaction.between = lambda: os._exit(9)
        MilvusClient({client._db.conninfo!r}).compact("seg")
    """)  # the environment (small segments) is inherited
    assert "merging" in [s for s, _ in _segments(client, "seg")]
    assert _ids(client) == list(range(1500))
    client.compact("seg")
    assert sorted(s for s, _ in _segments(client, "seg")) == ["growing", "indexed", "indexed"]
    assert _ids(client) == list(range(1500))
    _check_nearest(client, vectors, [1, 900])


@pytest.mark.parametrize("then", ["drop", "rename"])
def test_a_killed_merge_leaves_nothing_behind_a_drop_or_rename(client, then: str) -> None:
    _loaded(client)
    run_python(f"""
        import os
        from pgmilvus import MilvusClient
        from pgmilvus.catalog import builder, compaction
        compaction.between = lambda: os._exit(9)
        MilvusClient({client._db.conninfo!r}).compact("seg")
    """)
    with client._conn() as conn:
        left = conn.execute("SELECT table_name FROM pgmilvus_catalog.segments WHERE state = 'merging'").fetchall()
    assert len(left) == 1
    if then == "drop":
        client.drop_collection("seg")
    else:
        client.create_database("elsewhere")
        client.rename_collection("seg", "moved", target_db="elsewhere")
    with client._conn() as conn:
        assert conn.execute("SELECT count(*) FROM pg_class WHERE relname = %s", left[0]).fetchone()[0] == 0


def test_recall_after_compaction_on_clustered_data(client) -> None:
    data, queries = clustered(5, 1200, 40, dim=16)
    index = client.prepare_index_params()
    index.add_index("vector", index_type="HNSW", metric_type="L2", params={"M": 16, "efConstruction": 64})
    schema = client.create_schema()
    schema.add_field("id", 5, is_primary=True)
    schema.add_field("vector", 101, dim=16)
    client.create_collection("seg", schema=schema, index_params=index)
    for start in range(0, 1200, SEAL):
        client.insert("seg", [{"id": start + i, "vector": v.tolist()} for i, v in enumerate(data[start:start + SEAL])])
    client.flush("seg")
    client.compact("seg")
    found = client.search("seg", queries.tolist(), limit=10, search_params={"params": {"ef": 64}})
    exact = np.argsort(((queries[:, None, :] - data[None, :, :]) ** 2).sum(-1), axis=1)[:, :10]
    recall = np.mean([len({h["id"] for h in hits} & set(truth)) / 10 for hits, truth in zip(found, exact)])
    assert recall >= 0.95


def test_segments_are_listed_as_milvus_lists_them(client) -> None:
    from pgmilvus import SegmentState
    from pgmilvus.catalog.store import partition_id

    _loaded(client, 3 * SEAL)
    client.insert("seg", _rows(_vectors(10, seed=1), 5000))
    listed = client.list_persistent_segments("seg")
    default_id = partition_id(client.describe_collection("seg")["collection_id"], 1)  # _default's, ShowPartitions'
    assert [(s.state, s.num_rows, s.partition_id, s.collection_name) for s in listed] \
        == [(SegmentState.Flushed, SEAL, default_id, "seg")] * 3
    everything = client.list_segments("seg")
    assert [s.state_name for s in everything] == ["Flushed"] * 3 + ["Growing"] and everything[-1].num_rows == 10
    assert [s.is_sorted for s in everything] == [True] * 3 + [False]  # sorted by key once sealed, as Milvus's
    assert [s.state for s in client.list_persistent_segments("seg", states=[SegmentState.Growing])] \
        == [SegmentState.Growing]
    loaded = client.list_loaded_segments("seg")
    assert [(s.segment_id, s.index_name, s.node_ids) for s in loaded] \
        == [(s.segment_id, "vector", [1]) for s in listed] and all(s.mem_size > 0 and s.is_sorted for s in loaded)
    # a query node's segments are Sealed whatever datacoord's state; every segment is L1, as datacoord's
    assert {(s.state_name, s.level_name) for s in loaded} == {("Sealed", "L1")}
    assert {s.level_name for s in everything} == {"L1"}
    client.release_collection("seg")
    assert client.list_loaded_segments("seg") == []
    client.compact("seg")
    assert [s.num_rows for s in client.list_persistent_segments("seg")] == [3 * SEAL]


def test_a_quiet_collection_is_compacted_in_the_background(client, monkeypatch: pytest.MonkeyPatch) -> None:
    """No compact() call: a second after the last write, the client's builder merges the run of
    four small segments (the fifth does not fit the merged segment), every row still found."""
    monkeypatch.setenv("PGMILVUS_AUTO_COMPACT_SECONDS", "1")
    vectors = _loaded(client)
    deadline = time.monotonic() + 60
    while ("indexed", 4 * SEAL) not in _segments(client, "seg") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert sorted(_segments(client, "seg")) == [("growing", 0), ("indexed", SEAL), ("indexed", 4 * SEAL)]
    assert _ids(client) == list(range(len(vectors)))
    _check_nearest(client, vectors, list(range(0, len(vectors), 97)))


def test_reads_take_up_what_a_writer_that_exited_left(client, monkeypatch: pytest.MonkeyPatch) -> None:
    """A loader killed right after its last insert leaves four sealed segments without an index
    and 260 rows growing; the next process to read the collection builds the sealed ones, and once
    nothing changed for compact_after() seals the idle growing segment and merges the four
    (builder.adopt).  Every read in between finds every row."""
    monkeypatch.setattr(builder, "ADOPT_SECONDS", 0.05)
    monkeypatch.setenv("PGMILVUS_AUTO_COMPACT_SECONDS", "0.5")
    _l2_collection(client)
    n = 4 * SEAL + 260
    vectors = _vectors(n)
    loader = run_python(f"""
        import os
        import numpy as np
        from pgmilvus import MilvusClient
        vectors = np.random.default_rng(0).random(({n}, 8), dtype=np.float32)
        client = MilvusClient({client._db.conninfo!r})
        for start in range(0, {n}, {SEAL}):
            client.insert("seg", [{{"id": start + i, "vector": v.tolist(), "tag": (start + i) % 3}}
                                  for i, v in enumerate(vectors[start:start + {SEAL}])])
        os._exit(0)  # before its builder's pause
    """)
    assert loader.returncode == 0, loader.stderr
    assert sorted(_segments(client, "seg")) == [("growing", 260)] + [("sealed", SEAL)] * 4
    deadline = time.monotonic() + 120
    while sorted(_segments(client, "seg")) != [("growing", 0), ("indexed", 260), ("indexed", 4 * SEAL)]:
        assert time.monotonic() < deadline, _segments(client, "seg")
        assert client.query("seg", filter="", output_fields=["count(*)"])[0]["count(*)"] == n
        _check_nearest(client, vectors, [0, SEAL + 1, n - 1])
        time.sleep(0.1)
    assert _ids(client) == list(range(n))


def test_optimize_builds_merges_and_reports_its_stages(client) -> None:
    """pymilvus 3's optimize: the same merge as compact, its stages and result as pymilvus gives them."""
    from pgmilvus import ParamError

    _loaded(client)
    client.load_collection("seg")
    result = client.optimize("seg", target_size="512MB")
    assert (result.status, result.collection_name, result.target_size) == ("success", "seg", "512MB")
    assert result.progress == ["initializing", "waiting for indexes", "compacting", "waiting for compaction",
                               "waiting for index rebuild", "refreshing load"]
    assert sorted(_segments(client, "seg")) == [("growing", 0), ("indexed", SEAL), ("indexed", 4 * SEAL)]
    task = client.optimize("seg", wait=False)
    assert task.done() and not task.cancel() and task.progress() == "refreshing load"
    done = task.result()
    done = client.run(done) if hasattr(done, "__await__") else done  # AsyncOptimizeTask's is awaited
    assert done.compaction_id != result.compaction_id
    for size, message in (("12XB", "Invalid unit: 'xb'. Supported units: B, KB, MB, GB, TB, PB"),
                          ("1KB", "target size too small: 1KB, must be at least 1MB"),
                          ([1], "target_size must be a string or number, got list")):
        with pytest.raises(ParamError) as err:
            client.optimize("seg", target_size=size)
        assert err.value.message == message


# One line per compact(target_size=...) refusal: size, unit, error class, message (pymilvus's checks,
# then datacoord's forceMergePolicy against Milvus's 1024 MB segment size).
TARGET_REFUSED = [
    ("512", "mb", "ParamError", "target_size must be an int, got str"),
    (True, "mb", "ParamError", "target_size must be an int, got bool"),
    (0, "mb", "ParamError", "target_size must be a positive integer, got 0"),
    (5, "xb", "ParamError", "Invalid unit: 'xb'. Supported units: B, KB, MB, GB, TB, PB"),
    (100, "kb", "ParamError", "target size too small: 100kb, must be at least 1MB"),
    (1000, "mb", "MilvusException",
     "targetSize 1000 MB should be greater than or equal to configMaxSize 1024 MB: invalid parameter"),
    (1023, "mb", "MilvusException",
     "targetSize 1023 MB should be greater than or equal to configMaxSize 1024 MB: invalid parameter"),
]


@pytest.mark.parametrize("size, unit, kind, message", TARGET_REFUSED, ids=[str(c[0]) + c[1] for c in TARGET_REFUSED])
def test_compact_target_size_refusals(client, size, unit, kind: str, message: str) -> None:
    from pgmilvus import MilvusException

    client.create_collection("t", dimension=2)
    with pytest.raises(MilvusException) as err:
        client.compact("t", target_size=size, target_size_unit=unit)
    assert (type(err.value).__name__, err.value.message) == (kind, message)
    assert err.value.code == 1100 or kind == "ParamError"


def test_compact_target_size_at_or_past_the_segment_size_merges(client) -> None:
    client.create_collection("t", dimension=2)
    client.insert("t", [{"id": i, "vector": [float(i), 0.0]} for i in range(5)])
    for size, unit in ((1024, "mb"), (2, "gb")):
        assert client.compact("t", target_size=size, target_size_unit=unit) > 0
    assert client.query("t", "id >= 0", output_fields=["id"]) == [{"id": i} for i in range(5)]


def test_compact_skips_a_segment_an_index_build_holds(client) -> None:
    """The background builder's CREATE INDEX CONCURRENTLY holds a segment's table (SHARE UPDATE
    EXCLUSIVE) and waits for older transactions, compact()'s VACUUM among them: VACUUM must not
    wait for that table in turn (a deadlock PostgreSQL resolved by failing compact)."""
    _loaded(client, 2 * SEAL)
    holder = psycopg.connect(client._db.conninfo)
    try:
        (leaf,) = holder.execute("SELECT s.table_name FROM pgmilvus_catalog.segments s JOIN pgmilvus_catalog"
                                 ".collections c ON c.id = s.collection_id WHERE c.name = 'seg' AND s.state = "
                                 "'growing'").fetchone()
        # what CREATE INDEX CONCURRENTLY takes on the segment it indexes (a segment not merged)
        holder.execute(sql.SQL("LOCK TABLE {} IN SHARE UPDATE EXCLUSIVE MODE").format(
            sql.Identifier("default", leaf)))
        finished = threading.Event()
        worker = threading.Thread(target=lambda: (client.compact("seg"), finished.set()))
        worker.start()
        worker.join(30)
        assert finished.is_set(), "compact() waited for a segment table another session holds"
    finally:
        holder.close()
    assert _ids(client) == list(range(2 * SEAL))
