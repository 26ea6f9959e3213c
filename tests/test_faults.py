"""Faults outside pgmilvus: the server restarts or dies, the client is SIGKILLed, a statement
runs too long, the disk fills up.  Each gives a clear (and, where it makes sense, retryable)
error, and nothing committed is lost or half-written.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Iterator

import numpy as np
import psycopg
import pytest
from psycopg import sql

from pgmilvus import DataType, MilvusClient
from pgmilvus.pg import embedded
from pgmilvus.pg.connection import ConnectionLost, dsn_with
from pgmilvus.errors import MilvusException

from .fix_db import _chown, _pg
from .subproc import run_python
from .test_bad_input import snapshot



def _schema(dim: int = 4):
    s = MilvusClient.create_schema()
    s.add_field("pk", DataType.INT64, is_primary=True)
    s.add_field("v", DataType.FLOAT_VECTOR, dim=dim)
    return s


def _rows(first: int, count: int, dim: int = 4):
    return [{"pk": first + i, "v": [0.5] * dim} for i in range(count)]


def _count(c: MilvusClient, name: str = "c") -> int:
    return c.query(name, filter="", output_fields=["count(*)"])[0]["count(*)"]


def _pg_ctl(path: Path, *args: str) -> None:
    bin_dir, user = embedded.binaries()
    pgdata = path / "pgdata"
    _pg(bin_dir, user, "pg_ctl", "-D", str(pgdata), "-l", str(path / "server.log"), "-w", "-t", "60", *args)


@pytest.fixture
def private_path(test_root: Path) -> Iterator[Path]:
    """A private embedded server for this test only (restarting it disturbs nobody)."""
    path = test_root / f"faults_{uuid.uuid4().hex[:8]}.db"
    yield path
    embedded.release(path)


# ------------------------------------------------------------------ the server restarts

#: The first call after the restart: a read and each kind of write (a write's connection skips
#: the checkout check: its BEGIN fails on the dead connection, and it runs on a checked one).
_FIRST_CALLS = {
    "count": lambda c: _count(c) == 100,
    "insert": lambda c: c.insert("c", _rows(100, 10))["insert_count"] == 10 and _count(c) == 110,
    "upsert": lambda c: c.upsert("c", _rows(90, 20))["upsert_count"] == 20 and _count(c) == 110,
    "delete": lambda c: c.delete("c", filter="pk < 10")["delete_count"] == 10 and _count(c) == 90,
}


@pytest.mark.parametrize("timeout", [None, 10], ids=["no-timeout", "timeout"])  # timeout: set at checkout
@pytest.mark.parametrize("first", list(_FIRST_CALLS))
def test_server_restart_between_calls_next_call_succeeds(private_path: Path, first: str,
                                                         timeout: float | None) -> None:
    c = MilvusClient(str(private_path), timeout=timeout)
    c.create_collection("c", schema=_schema())
    c.insert("c", _rows(0, 100))
    c.get("c", ids=[0])   # a read keeps its connection for the next call
    pid = embedded.server_pid(private_path)
    _pg_ctl(private_path, "-m", "fast", "restart")
    assert embedded.server_pid(private_path) not in (None, pid)
    # every pooled connection is dead now; the pool's check replaces them
    assert _FIRST_CALLS[first](c)
    assert c.insert("c", _rows(200, 10))["insert_count"] == 10
    assert c.list_collections() == ["c"]
    c.close()


def test_call_in_flight_when_server_dies_is_retryable(private_path: Path) -> None:
    """The server stops (immediate: like a crash) in the middle of an insert: the call fails with
    ConnectionLost, which says to retry; after the server is back the retry succeeds and the
    failed call left nothing."""
    c = MilvusClient(str(private_path), timeout=5)
    c.create_collection("c", schema=_schema())
    c.insert("c", _rows(0, 100))

    def rows():
        for i in range(30_000):
            if i == 15_000:  # one 10,000-row chunk sent, the transaction is open
                _pg_ctl(private_path, "-m", "immediate", "stop")
            yield {"pk": 1000 + i, "v": [0.5] * 4}

    started = time.monotonic()
    with pytest.raises(ConnectionLost) as info:
        c.insert("c", rows())
    assert time.monotonic() - started < 30
    assert "retry" in info.value.message
    # while it is down: a clear retryable error in bounded time, not a hang
    started = time.monotonic()
    with pytest.raises(ConnectionLost):
        c.list_collections()
    assert time.monotonic() - started < 30
    embedded.acquire(private_path)  # what reopening the path does: starts the server again
    assert _count(c) == 100  # crash recovery kept the committed rows, dropped the open insert
    assert c.insert("c", _rows(100, 5))["insert_count"] == 5
    c.close()


# ------------------------------------------------------------------ SIGKILL mid-insert

def test_sigkill_during_200k_row_insert_keeps_all_or_nothing(test_root: Path) -> None:
    path = test_root / "sigkill_200k.db"
    victim = run_python(f"""
        import sys, time
        from pgmilvus import MilvusClient, DataType
        c = MilvusClient({str(path)!r})
        s = c.create_schema()
        s.add_field("pk", DataType.INT64, is_primary=True)
        s.add_field("v", DataType.FLOAT_VECTOR, dim=8)
        c.create_collection("k", schema=s)
        c.insert("k", [{{"pk": i, "v": [float(i)] * 8}} for i in range(1000)])
        print("committed", flush=True)
        def rows():
            for i in range(200_000):
                if i == 120_000:
                    print("progress", flush=True)
                    time.sleep(0.3)
                yield {{"pk": 1000 + i, "v": [0.25] * 8}}
        c.insert("k", rows())
        print("finished", flush=True)
    """, wait=False)
    try:
        assert victim.stdout.readline().strip() == "committed", victim.stderr.read() if victim.poll() else ""
        assert victim.stdout.readline().strip() == "progress"
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
    finally:
        if victim.poll() is None:
            victim.kill()
    assert victim.returncode == -signal.SIGKILL
    assert embedded.server_pid(path) is not None, "the victim's server keeps running until someone closes"
    check = run_python(f"""
        from pgmilvus import MilvusClient
        with MilvusClient({str(path)!r}) as c:
            n = c.query("k", filter="", output_fields=["count(*)"])[0]["count(*)"]
            old = c.query("k", filter="pk < 1000", output_fields=["pk", "v"])
            ok = len(old) == 1000 and all(r["v"] == [float(r["pk"])] * 8 for r in old)
            print(n, ok)
    """)
    assert check.returncode == 0, check.stderr
    count, intact = check.stdout.split()
    assert int(count) in (1000, 201_000), f"half an insert survived: {count} rows"
    assert intact == "True", "rows committed before the kill changed"
    deadline = time.monotonic() + 30
    while embedded.server_pid(path) is not None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert embedded.server_pid(path) is None, "the SIGKILLed client's server was orphaned"


# ------------------------------------------------------------------ statement timeout

@pytest.fixture
def locked(fresh_db: str) -> Iterator[tuple[str, callable]]:
    """A collection ``c`` with 10 rows, and a function that takes an ACCESS EXCLUSIVE lock on its
    table from another session (held until the returned release function is called)."""
    with MilvusClient(fresh_db) as c:
        c.create_collection("c", schema=_schema())
        c.insert("c", _rows(0, 10))
    holder = psycopg.connect(fresh_db)
    schema, table = holder.execute(
        "SELECT d.schema_name, c.table_name FROM pgmilvus_catalog.collections c JOIN "
        "pgmilvus_catalog.databases d ON d.name = c.db_name WHERE c.name = 'c'").fetchone()
    holder.rollback()

    def lock():
        holder.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(sql.Identifier(schema, table)))
        return holder.rollback

    yield fresh_db, lock
    holder.close()


@pytest.mark.parametrize("call", ["query", "insert", "delete"])
def test_client_timeout_gives_a_clear_error(locked, call: str) -> None:
    dsn, lock = locked
    with MilvusClient(dsn, timeout=1) as c:
        before = snapshot(dsn)
        release = lock()
        try:
            started = time.monotonic()
            with pytest.raises(MilvusException) as info:
                if call == "query":
                    c.query("c", filter="pk >= 0")
                elif call == "insert":
                    c.insert("c", _rows(100, 10))
                else:
                    c.delete("c", filter="pk >= 0")
            assert time.monotonic() - started < 10
        finally:
            release()
        assert "timeout" in info.value.message and "cancel" in info.value.message, info.value.message
        assert "the timeout was reached" in info.value.message, info.value.message
        assert not isinstance(info.value, ConnectionLost)  # not retryable as is: raise the timeout
        assert snapshot(dsn) == before
        assert _count(c) == 10  # and the connection is usable again


def test_per_call_timeout_gives_a_clear_error(locked) -> None:
    dsn, lock = locked
    with MilvusClient(dsn) as c:
        outcome: list[BaseException | object] = []

        def run():
            try:
                outcome.append(c.query("c", filter="pk >= 0", timeout=1))
            except BaseException as exc:  # noqa: BLE001 - reported below
                outcome.append(exc)

        release = lock()
        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        worker.join(6)
        release()  # never leave the call hanging
        worker.join(10)
        assert outcome and isinstance(outcome[0], MilvusException), f"no timeout error: {outcome}"
        assert "the timeout was reached" in outcome[0].message, outcome[0].message
        assert not isinstance(outcome[0], ConnectionLost)


# ------------------------------------------------------------------ full disk

@pytest.fixture
def tiny_disk_db(pg_dsn: str, test_root: Path) -> Iterator[str]:
    """A database whose tablespace is a 24 MB tmpfs (needs root to mount; skipped otherwise).

    WAL stays on the server's normal disk, so Postgres reports ENOSPC as an ordinary error
    (DiskFull, 53100) instead of a PANIC, exactly what a full data volume looks like to a call.
    """
    mnt = test_root / f"tiny_{uuid.uuid4().hex[:6]}"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs", str(mnt)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        mnt.rmdir()
        pytest.skip(f"cannot mount a small tmpfs to fill up (needs root): {done.stderr.strip()}")
    name = f"tiny_{uuid.uuid4().hex[:8]}"
    try:
        _chown(mnt, embedded.binaries()[1])
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE TABLESPACE {} LOCATION {}").format(sql.Identifier(name),
                                                                            sql.Literal(str(mnt))))
            conn.execute(sql.SQL("CREATE DATABASE {} TABLESPACE {}").format(sql.Identifier(name),
                                                                            sql.Identifier(name)))
        yield dsn_with(pg_dsn, dbname=name)
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("DROP TABLESPACE IF EXISTS {}").format(sql.Identifier(name)))
        subprocess.run(["umount", str(mnt)], capture_output=True)
        mnt.rmdir()


def _fill_up(conn: psycopg.Connection) -> Path:
    """Fill the database's volume to the last byte and remove its relcache init file (as
    PostgreSQL does when a catalog changes); returns the filler file."""
    location, oid = conn.execute(
        "SELECT pg_tablespace_location(dattablespace), oid FROM pg_database"
        " WHERE datname = current_database()").fetchone()
    for init in Path(location).glob(f"PG_*/{oid}/pg_internal.init"):
        init.unlink()
    filler = Path(location) / "filler"
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 65536)
        except OSError:
            pass
    return filler


def test_full_disk_gives_a_clear_error_and_writes_nothing(tiny_disk_db: str) -> None:
    dim, batch = 256, 2000  # ~1 KB per row, ~2 MB per call
    # One connection for the checks: on a full volume a new backend may have to rewrite the
    # relcache init file (any catalog vacuum invalidates it) and is then refused.
    with MilvusClient(tiny_disk_db) as c, psycopg.connect(tiny_disk_db, autocommit=True) as check:
        c.create_collection("c", schema=_schema(dim))
        committed = 0
        err = None
        for attempt in range(40):
            before = snapshot(check)
            try:
                c.insert("c", _rows(committed, batch, dim))
            except MilvusException as exc:
                err = exc
                break
            committed += batch
        assert err is not None, "the 24 MB volume never filled up"
        assert "out of disk space" in err.message and "retry" in err.message, err.message
        assert snapshot(check) == before, "a failed insert left rows behind"
        # What CI once met: a new backend must rewrite the relcache init file (a catalog vacuum
        # removes it at any moment) and the volume has no room left for it, so the server refuses
        # new connections.  The client goes on with the connections it has, and dropping makes room.
        filler = _fill_up(check)
        with pytest.raises(psycopg.OperationalError, match="No space left on device"):
            psycopg.connect(tiny_disk_db).close()
        with pytest.raises(MilvusException, match="No space left on device") as refused:
            MilvusClient(tiny_disk_db).close()  # a new client: pymilvus's "Fail connecting", code 2
        assert refused.value.code == 2 and "Fail connecting" in refused.value.message
        assert _count(c) == committed
        # Make room: dropping frees the space without writing new catalog pages (a TRUNCATE writes
        # new pg_class row versions, which can need a page the full volume no longer has).
        c.drop_collection("c")
        c.create_collection("c", schema=_schema(dim))
        assert c.insert("c", _rows(0, 10, dim))["insert_count"] == 10
        filler.unlink()


# ------------------------------------------------------------------ no room for parallel builds

@pytest.fixture
def no_room_for_parallel_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parallel index builds the server cannot give their shared memory: pgvector takes all of
    maintenance_work_mem (1 TB here) as one segment in /dev/shm at the start, as it takes 1 GB in a
    container with Docker's 64 MB; every table gets parallel workers (min_parallel_table_scan_size 0)."""
    monkeypatch.setenv("PGMILVUS_INDEX_BUILD_MEMORY", "1TB")
    monkeypatch.setenv("PGOPTIONS", "-c min_parallel_table_scan_size=0")
    monkeypatch.setattr("pgmilvus.catalog.indexes._told_serial", False)


def test_builds_without_room_for_parallel_workers_build_serially(fresh_db: str, no_room_for_parallel_builds: None,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    vectors = np.random.default_rng(3).random((6000, 8), dtype=np.float32)
    rows = [{"pk": i, "v": v.tolist()} for i, v in enumerate(vectors)]
    with MilvusClient(fresh_db) as c:
        index = c.prepare_index_params()
        index.add_index("v", index_type="HNSW", metric_type="L2")
        c.create_collection("c", schema=_schema(8), index_params=index)
        for start in (0, 2000, 4000):      # three sealed segments, built by flush (they used to fail:
            c.insert("c", rows[start:start + 2000])  # "the PostgreSQL server is out of disk space")
            c.flush("c")
        assert c.describe_index("c", "v")["indexed_rows"] == 6000
        c.release_collection("c")
        c.drop_index("c", "v")
        c.create_index("c", index)         # on every sealed segment, inside create_index's transaction
        assert c.describe_index("c", "v")["indexed_rows"] == 6000
        c.compact("c")                     # the merge builds its new segment's index
        assert [s.num_rows for s in c.list_segments("c") if s.num_rows] == [6000]
        c.load_collection("c")
        hits = c.search("c", [vectors[4321].tolist()], limit=1)[0]
        assert hits[0]["id"] == 4321
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING" and "shared memory" in r.getMessage()]
    assert len(warnings) == 1, warnings    # once a process, then at debug level
    assert "could not resize shared memory segment" in warnings[0] and "shm_size" in warnings[0]
