"""Many writers on one collection: nothing lost, nothing duplicated, no deadlock.

4 processes on one embedded data dir (and, separately, 8 threads sharing one
client) insert, upsert, delete, query and search the same collection.  Each
worker owns a disjoint primary-key range and keeps a model (pk -> tag) of
what it did; since nobody else touches its range, every query of its own range
must equal its model at once (read-your-writes), and at the end the collection
must equal the union of the models.  The only error tolerated is the
documented retryable one (``connection.ConnectionLost``), which is retried.

The default run is short (a few seconds); ``--soak`` runs the 30 s versions.
DDL racing DML: a process inserting while another drops and re-creates the
collection gets either success or Milvus's "collection not found", never a
raw error, and no half-created / half-dropped state remains.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any, Callable

import pytest
from psycopg import sql

from pgmilvus import DataType, MilvusClient
from pgmilvus.pg import embedded
from pgmilvus.pg.connection import ConnectionLost

from .test_bad_input import snapshot

ROOT = Path(__file__).resolve().parents[1]
ADAPTER = str(ROOT / "adapter")
RANGE = 1_000_000
DIM = 4


def create(c: MilvusClient, name: str = "conc") -> None:
    s = c.create_schema()
    s.add_field("pk", DataType.INT64, is_primary=True)
    s.add_field("tag", DataType.INT64)
    s.add_field("v", DataType.FLOAT_VECTOR, dim=DIM)
    c.create_collection(name, schema=s,
                        index_params=c.prepare_index_params("v", index_type="HNSW", metric_type="L2"))


def _retry(call: Callable[[], Any], stats: dict[str, int]) -> Any:
    """Retry the documented retryable error (ConnectionLost: conflicts, dropped connections)."""
    for attempt in range(20):
        try:
            return call()
        except ConnectionLost:
            stats["retries"] += 1
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("20 retries in a row")


def worker(c: MilvusClient, wid: int, seconds: float, name: str = "conc") -> dict[str, Any]:
    """Random writes on [wid * RANGE, (wid + 1) * RANGE), checked against a local model."""
    rng = random.Random(wid)
    lo, hi = wid * RANGE, (wid + 1) * RANGE
    model: dict[int, int] = {}
    stats = {"ops": 0, "retries": 0}
    next_pk = lo
    own = f"pk >= {lo} and pk < {hi}"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        op = rng.choice(["insert", "insert", "upsert", "delete_ids", "delete_filter", "query", "search"])
        tag = rng.randrange(1_000_000)
        vec = [rng.random() for _ in range(DIM)]
        if op == "insert":
            pks = list(range(next_pk, next_pk + rng.randint(1, 30)))
            next_pk += len(pks)
            _retry(lambda: c.insert(name, [{"pk": p, "tag": tag, "v": vec} for p in pks]), stats)
            model.update((p, tag) for p in pks)
        elif op == "upsert":
            pks = rng.sample(sorted(model), min(len(model), rng.randint(1, 10))) + [next_pk]
            next_pk += 1
            _retry(lambda: c.upsert(name, [{"pk": p, "tag": tag, "v": vec} for p in pks]), stats)
            model.update((p, tag) for p in pks)
        elif op == "delete_ids" and model:
            pks = rng.sample(sorted(model), min(len(model), rng.randint(1, 5)))
            _retry(lambda: c.delete(name, ids=pks), stats)
            for p in pks:
                model.pop(p)
        elif op == "delete_filter" and model:
            cut = rng.randrange(1_000_000)
            _retry(lambda: c.delete(name, filter=f"{own} and tag < {cut // 20}"), stats)
            model = {p: t for p, t in model.items() if not t < cut // 20}
        elif op == "query":
            got = _retry(lambda: c.query(name, filter=own, output_fields=["tag"]), stats)
            assert {r["pk"]: r["tag"] for r in got} == model, f"worker {wid}: query != model"
        elif op == "search":
            _retry(lambda: c.search(name, data=[vec], limit=5, filter=own), stats)
        stats["ops"] += 1
    return {"model": {str(k): v for k, v in model.items()}, **stats}


def _final_state(c: MilvusClient, name: str = "conc") -> dict[str, int]:
    rows = c.query(name, filter="pk >= 0", output_fields=["tag"])
    assert len(rows) == len({r["pk"] for r in rows}), "duplicated primary keys"
    return {str(r["pk"]): r["tag"] for r in rows}


def _spawn(code: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([ADAPTER, str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=str(ROOT),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# ------------------------------------------------------------------ processes

def _processes(test_root: Path, seconds: float, workers: int = 4) -> None:
    path = test_root / f"conc_{int(seconds)}s.db"
    c = MilvusClient(str(path))
    try:
        create(c)
        procs = [_spawn(f"""
            import json
            from pgmilvus import MilvusClient
            from tests.test_concurrency import worker
            c = MilvusClient({str(path)!r})
            print(json.dumps(worker(c, {w}, {seconds})))
            c.close()
        """) for w in range(workers)]
        union: dict[str, int] = {}
        ops = 0
        for proc in procs:
            try:
                out, err = proc.communicate(timeout=seconds + 90)  # no deadlock: bounded time
            except subprocess.TimeoutExpired:
                for p in procs:
                    p.kill()
                raise AssertionError("a worker process hung (deadlock?)")
            assert proc.returncode == 0, err[-3000:]
            result = json.loads(out.strip().splitlines()[-1])
            union.update(result["model"])
            ops += result["ops"]
        assert ops > workers * 10, f"only {ops} operations ran"
        assert _final_state(c) == union
    finally:
        c.close()
        embedded.release(path)


def test_four_processes_short(test_root: Path) -> None:
    _processes(test_root, 6)


@pytest.mark.soak
def test_four_processes_soak(test_root: Path) -> None:
    _processes(test_root, 30)


# ------------------------------------------------------------------ threads on one client

def _threads(dsn: str, seconds: float, workers: int = 8) -> None:
    with MilvusClient(dsn) as c:
        create(c)
        results: list[Any] = [None] * workers

        def run(w: int) -> None:
            try:
                results[w] = worker(c, w, seconds)
            except BaseException as exc:  # noqa: BLE001 - reported by the main thread
                results[w] = exc

        threads = [threading.Thread(target=run, args=(w,), daemon=True) for w in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(seconds + 90)
            assert not t.is_alive(), "a worker thread hung (deadlock?)"
        union: dict[str, int] = {}
        for w, result in enumerate(results):
            if isinstance(result, BaseException):
                raise AssertionError(f"thread {w} failed: {result!r}") from result
            union.update(result["model"])
        assert _final_state(c) == union


def test_eight_threads_one_client_short(fresh_db: str) -> None:
    _threads(fresh_db, 5)


@pytest.mark.soak
def test_eight_threads_one_client_soak(fresh_db: str) -> None:
    _threads(fresh_db, 30)


# ------------------------------------------------------------------ DDL racing DML

@pytest.fixture(scope="module")
def ddl_race(test_root: Path) -> dict[str, Any]:
    """Run once: a process inserts 50-row batches in a loop for 4 s while this one drops and
    re-creates the collection; returns the insert outcomes and the state afterwards."""
    path = test_root / "ddl_race.db"
    c = MilvusClient(str(path))
    try:
        create(c, "d")
        proc = _spawn(f"""
            import json, time
            from pgmilvus import MilvusClient
            from pgmilvus.errors import MilvusException
            c = MilvusClient({str(path)!r})
            outcomes = []
            print("ready", flush=True)
            deadline = time.monotonic() + 4
            pk = 0
            while time.monotonic() < deadline:
                rows = [{{"pk": pk + i, "tag": 0, "v": [0.1] * {DIM}}} for i in range(50)]
                try:
                    c.insert("d", rows)
                    outcomes.append(["ok", pk])
                except MilvusException as exc:
                    outcomes.append([type(exc).__name__, exc.code, exc.message])
                except BaseException as exc:
                    outcomes.append(["RAW", type(exc).__module__ + "." + type(exc).__name__, str(exc)])
                pk += 50
            print(json.dumps(outcomes))
        """)
        assert proc.stdout.readline().strip() == "ready"
        cycles = 0
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            time.sleep(0.05)
            c.drop_collection("d")  # DDL never fails because of the concurrent inserts
            create(c, "d")
            cycles += 1
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-3000:]
        count = c.query("d", filter="", output_fields=["count(*)"])[0]["count(*)"]
        collections = c.list_collections()
        c.drop_collection("d")
        state = snapshot(embedded.acquire(path))
        return {"outcomes": json.loads(out.strip().splitlines()[-1]), "cycles": cycles, "count": count,
                "collections": collections, "state": state}
    finally:
        c.close()
        embedded.release(path)


def test_drop_collection_racing_inserts_leaves_no_half_state(ddl_race: dict[str, Any]) -> None:
    """Each insert is whole or absent; after the last drop no table or catalog row remains."""
    outcomes = ddl_race["outcomes"]
    assert ddl_race["cycles"] > 3 and any(o[0] == "ok" for o in outcomes)
    assert ddl_race["collections"] == ["d"]
    assert ddl_race["count"] % 50 == 0, "a partial batch survived"
    state = ddl_race["state"]
    leftovers = [r for r in state["relations"] if r[0] not in ("pgmilvus_catalog", "public")]
    assert leftovers == [], f"tables left behind by the race: {leftovers}"
    assert state["pgmilvus_catalog.collections"] == []
    assert state["pgmilvus_catalog.partitions"] == [] and state["pgmilvus_catalog.fields"] == []


def test_drop_collection_racing_inserts_fails_cleanly(ddl_race: dict[str, Any]) -> None:
    """Each insert either succeeds or gets Milvus's collection-not-found (or the retryable
    ConnectionLost) -- never a raw Python error or a bare PostgreSQL message."""
    outcomes = ddl_race["outcomes"]
    raw = [o for o in outcomes if o[0] == "RAW"]
    assert not raw, f"raw errors reached the user: {raw[:3]}"
    unexpected = [o for o in outcomes if o[0] != "ok" and not (o[1] == 100 or o[0] == "ConnectionLost")]
    assert not unexpected, f"unclean failures: {unexpected[:3]}"


def test_identical_concurrent_creates_all_succeed(fresh_db: str) -> None:
    """Milvus answers every identical create_collection with success, racing ones too (the
    catalog's unique key used to refuse all but one of a race with a raw code 1)."""
    clients = [MilvusClient(fresh_db) for _ in range(6)]
    errors: list[str] = []
    start = threading.Barrier(len(clients))

    def create(client: MilvusClient) -> None:
        start.wait()
        try:
            client.create_collection("same", dimension=8, metric_type="L2")
        except Exception as exc:  # noqa: BLE001 - the test reports every failure
            errors.append(repr(exc))

    threads = [threading.Thread(target=create, args=(c,)) for c in clients]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == []
    assert clients[0].list_collections() == ["same"]
    assert clients[0].get_load_state("same")["state"].name == "Loaded"
    [c.close() for c in clients]


def test_drop_waiting_for_a_writer_leaves_its_segment_insert_free(fresh_db: str) -> None:
    """A writer holds the collection's write lock and then adds a segment row (its foreign key
    checks the collection's row); a drop_collection arriving in between waits for the writer.
    The drop's row lock used to be FOR UPDATE, which blocks that key check: a deadlock, and one
    of the two failed (Milvus's e2e timestamptz teardown hit it)."""
    import psycopg

    from pgmilvus.catalog import store

    client = MilvusClient(fresh_db)
    try:
        client.create_collection("w", dimension=2)
        with client._conn() as conn:
            info = store.get_collection(conn, "default", "w")
        dropped: list[Any] = []
        with psycopg.connect(fresh_db) as writer:
            writer.execute("SELECT pg_advisory_xact_lock(%s::int, %s::int)", (store._COLLECTION_LOCK_SPACE, info.id))
            drop = threading.Thread(target=lambda: dropped.append(_outcome(lambda: client.drop_collection("w"))))
            drop.start()
            time.sleep(0.5)  # the drop has its row lock and waits for the write lock
            writer.execute("SET LOCAL lock_timeout = '5s'")
            writer.execute("INSERT INTO pgmilvus_catalog.segments (id, collection_id, partition_name, table_name,"
                           " state) VALUES (-1, %s, 'p_fake', 'w$p_fake$fake', 'growing')", (info.id,))
            writer.rollback()
        drop.join(30)
        assert dropped == ["ok"] and not client.has_collection("w")
    finally:
        client.close()


def _outcome(call: Callable[[], Any]) -> str:
    try:
        call()
        return "ok"
    except Exception as exc:  # the test reports what went wrong
        return repr(exc)


# ------------------------------------------------------------------ DDL racing DDL (race_fuzz.py's findings)
#
# Each test holds one side of a race open in a transaction of its own (a client bound to it, or the
# locks that side takes), waits until the other side's call is blocked on it (pg_locks, not a
# sleep), then ends it and looks at what the other call answered.

def _blocked(dsn: str, waiters: int = 1) -> None:
    """Return once ``waiters`` backends wait for a lock (a call in another thread reached it)."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        for _ in range(600):
            if conn.execute("SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted").fetchone()[0] >= waiters:
                return
            time.sleep(0.05)
    raise AssertionError("the other call never waited for the lock")


def _in_thread(call: Callable[[], Any]) -> tuple[threading.Thread, list[str]]:
    out: list[str] = []
    thread = threading.Thread(target=lambda: out.append(_outcome(call)))
    thread.start()
    return thread, out


@pytest.fixture
def two_clients(fresh_db: str) -> Any:
    """A client whose calls run in a transaction the test ends (bound), and a plain one."""
    import psycopg

    with MilvusClient(fresh_db) as held, MilvusClient(fresh_db) as other, psycopg.connect(fresh_db) as app:
        create(other, "c")
        other.create_partition("c", "p")
        other.insert("c", [{"pk": 1, "tag": 1, "v": [0.1] * DIM}], partition_name="p")
        yield held, other, app


def test_a_rename_racing_a_create_of_its_new_name_waits_and_names_the_clash(two_clients: Any, fresh_db: str) -> None:
    held, other, app = two_clients
    with held.bind(app):
        held.create_collection("x", dimension=DIM)
    thread, out = _in_thread(lambda: other.rename_collection("c", "x"))
    _blocked(fresh_db)
    app.commit()
    thread.join(60)
    assert "duplicated new collection name default:x" in out[0], out  # was a raw unique-key error


def test_an_insert_into_a_partition_dropped_meanwhile_gets_partition_not_found(two_clients: Any,
                                                                               fresh_db: str) -> None:
    held, other, app = two_clients
    other.get("c", ids=[1])  # the partition is in the inserting client's cached description
    with held.bind(app):
        held.release_partitions("c", ["p"])
        held.drop_partition("c", "p")
    thread, out = _in_thread(lambda: other.insert("c", [{"pk": 2, "tag": 1, "v": [0.1] * DIM}], partition_name="p"))
    _blocked(fresh_db)
    app.commit()
    thread.join(60)
    assert "partition not found[partition=p]" in out[0], out  # was an AssertionError


def test_a_load_racing_a_drop_gets_collection_not_found(two_clients: Any, fresh_db: str) -> None:
    held, other, app = two_clients
    with held.bind(app):
        held.drop_collection("c")
    thread, out = _in_thread(lambda: other.load_collection("c"))
    _blocked(fresh_db)
    app.commit()
    thread.join(60)
    assert "collection not found" in out[0], out  # was a success on the dropped collection


def test_a_rename_waits_for_a_delete_holding_the_table_before_its_leaves(two_clients: Any, fresh_db: str) -> None:
    """A delete locks the table, then its leaves; DDL used to take the leaves first, then the table:
    each waited for the other (PostgreSQL failed one with 'deadlock detected')."""
    _, other, app = two_clients
    other.flush("c")
    leaves = app.execute("SELECT relid::regclass::text FROM pg_partition_tree('\"default\".c') WHERE isleaf").fetchall()
    app.execute('LOCK TABLE ONLY "default".c IN ROW EXCLUSIVE MODE')  # a delete's first lock
    thread, out = _in_thread(lambda: other.rename_collection("c", "c2"))
    _blocked(fresh_db)
    app.execute("SET LOCAL lock_timeout = '10s'")
    for (leaf,) in leaves:  # the delete's next locks: free, since the rename waits for the table first
        app.execute(f"LOCK TABLE {leaf} IN ROW EXCLUSIVE MODE")
    app.commit()
    thread.join(60)
    assert out == ["ok"] and other.list_collections() == ["c2"]


def test_create_index_replaces_a_segment_index_a_stale_build_left(fresh_db: str) -> None:
    """A builder that planned with the dropped index's definition (or was cancelled mid-build) leaves an
    index of the new index's name on a segment: create_index used to fail on 'already exists'."""
    import psycopg

    from pgmilvus.catalog.segments import leaf_index_name

    with MilvusClient(fresh_db) as c:
        create(c, "c")
        c.insert("c", [{"pk": i, "tag": i, "v": [i / 10, 0.5, 0.5, 0.5]} for i in range(20)])
        c.flush("c")
        c.release_collection("c")
        c.drop_index("c", "v")
        with psycopg.connect(fresh_db, autocommit=True) as conn:
            leaf, = conn.execute("SELECT table_name FROM pgmilvus_catalog.segments WHERE state = 'indexed'").fetchone()
            conn.execute(sql.SQL("CREATE INDEX {} ON {} USING hnsw (v vector_cosine_ops)").format(
                sql.Identifier(leaf_index_name(leaf, "v")), sql.Identifier("default", leaf)))
        c.create_index("c", c.prepare_index_params("v", index_type="HNSW", metric_type="L2"))
        c.load_collection("c")
        hits = c.search("c", [[0.3, 0.5, 0.5, 0.5]], limit=1)[0]
        assert hits[0]["id"] == 3 and hits[0]["distance"] == pytest.approx(0.0, abs=1e-6)


def test_ddl_cancels_a_builders_drop_index_concurrently(fresh_db: str) -> None:
    """A builder drops an invalid index (a killed build's) CONCURRENTLY before building it again; that
    waits for every transaction holding its leaf, as its CREATE INDEX CONCURRENTLY does, so DDL
    cancels it as it cancels the build (it deadlocked with drop_index in race_fuzz.py)."""
    import psycopg

    from pgmilvus.catalog import segments, store
    from pgmilvus.catalog.segments import leaf_index_name

    with MilvusClient(fresh_db) as c, psycopg.connect(fresh_db) as reader, \
            psycopg.connect(fresh_db, autocommit=True) as ddl:
        create(c, "c")
        c.insert("c", [{"pk": i, "tag": i, "v": [i / 10, 0.5, 0.5, 0.5]} for i in range(20)])
        c.flush("c")
        leaf, = ddl.execute("SELECT table_name FROM pgmilvus_catalog.segments WHERE state = 'indexed'").fetchone()
        reader.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("default", leaf)))  # holds it
        drop = sql.SQL("DROP INDEX CONCURRENTLY {}").format(sql.Identifier("default", leaf_index_name(leaf, "v")))

        def run_drop() -> None:
            with psycopg.connect(fresh_db, autocommit=True) as builder:
                builder.execute(drop)

        thread, out = _in_thread(run_drop)
        _blocked(fresh_db)
        info = store.get_collection(ddl, "default", "c")
        assert segments.cancel_builds(ddl, info) == 1
        thread.join(60)
        assert "QueryCanceled" in out[0], out
