"""The embedded server behind ``MilvusClient("./x.db")``, exercised with real processes.

Each test runs ``python -c`` children (the way users run scripts) against a
fresh folder under the session's /tmp root, and checks what a user would see:
the URI connects, processes share one server, and no postgres process is left
behind once the last user is gone, even after a SIGKILL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path
from typing import Callable, Iterator

import psutil
import pytest

from pgmilvus.pg import embedded
from pgmilvus.errors import ConnectionConfigException

ADAPTER = str(Path(__file__).resolve().parents[1] / "adapter")
WAIT = 30.0  # upper bound for any single wait in this file


# ------------------------------------------------------------------ helpers

def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = ADAPTER + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _script(body: str) -> list[str]:
    prelude = "import sys, json, os, time, psycopg\nfrom pgmilvus.pg import embedded\n"
    return [sys.executable, "-c", prelude + textwrap.dedent(body)]


def run(body: str, *args: str, cwd: Path | None = None) -> str:
    """Run a child to completion; return its stdout, fail with its stderr."""
    done = subprocess.run(_script(body) + list(args), env=_env(), cwd=cwd, capture_output=True,
                          text=True, timeout=WAIT)
    assert done.returncode == 0, done.stderr
    return done.stdout


def spawn(body: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(_script(body) + list(args), env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen) -> str:
    out, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 0, err
    return out


def wait_for(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)


def postgres_processes(folder: Path) -> list[psutil.Process]:
    """Every postmaster whose command line names a data dir inside ``folder``."""
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if proc.info["name"] == "postgres" and any(str(folder) in part for part in cmdline):
            found.append(proc)
    return found


def server_running(folder: Path) -> bool:
    return embedded.server_pid(folder) is not None


@pytest.fixture
def db_path(test_root: Path) -> Iterator[Path]:
    """A Milvus-Lite-style path in a fresh folder; any server left behind is killed afterwards."""
    parent = test_root / f"lite-{uuid.uuid4().hex[:8]}"
    parent.mkdir()
    path = parent / "x.db"
    yield path
    for proc in postgres_processes(parent):  # only after a failed test
        proc.kill()


# A child that acquires, reports its URI, then holds the server until argv[2] exists.
HOLD = """
    uri = embedded.acquire(sys.argv[1])
    print(json.dumps({"uri": uri, "pid": os.getpid()}), flush=True)
    deadline = time.monotonic() + 30
    while not os.path.exists(sys.argv[2]) and time.monotonic() < deadline:
        time.sleep(0.05)
"""


def hold(path: Path, release_file: Path) -> tuple[subprocess.Popen, dict]:
    proc = spawn(HOLD, str(path), str(release_file))
    line = proc.stdout.readline()
    assert line, proc.communicate(timeout=WAIT)[1]
    return proc, json.loads(line)


# -------------------------------------------------------------------- tests

def test_acquire_returns_a_uri_with_pgvector(db_path: Path) -> None:
    out = run("""
        uri = embedded.acquire(sys.argv[1])
        again = embedded.acquire(os.path.basename(sys.argv[1]))   # relative, from its folder
        with psycopg.connect(uri, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            vec = conn.execute("SELECT '[1,2,3]'::vector::text").fetchone()[0]
            fsync = conn.execute("SHOW fsync").fetchone()[0]
            tcp = conn.execute("SHOW listen_addresses").fetchone()[0]
            buffers = conn.execute("SELECT pg_size_bytes(current_setting('shared_buffers'))").fetchone()[0]
        owners = json.load(open(os.path.join(sys.argv[1], "owners.json")))
        print(json.dumps({"uri": uri, "again": again, "vec": vec, "fsync": fsync, "tcp": tcp,
                          "buffers": buffers, "owners": len(owners)}))
    """, str(db_path), cwd=db_path.parent)
    seen = json.loads(out)
    assert seen["uri"].startswith("postgresql://postgres@/postgres?host=")
    assert seen["again"] == seen["uri"]
    assert seen["vec"] == "[1,2,3]"
    assert (seen["fsync"], seen["tcp"]) == ("on", "")
    assert seen["buffers"] == embedded.shared_buffers_mb(embedded.machine_memory()) << 20
    assert seen["owners"] == 1, "acquiring twice must not register twice"
    assert db_path.is_dir() and (db_path / "pgdata" / "PG_VERSION").exists()
    wait_for(lambda: not postgres_processes(db_path), "the server to stop after the only user exited")


@pytest.mark.parametrize("memory_mb, buffers_mb", [
    (256, 128),            # a small machine keeps the floor
    (512, 128),
    (1024, 256),           # a quarter
    (4096, 1024),
    (8192, 2048),
    (65536, 2048),         # the ceiling: a modest server beside its users, DROP TABLE stays cheap
])
def test_shared_buffers_are_a_quarter_of_the_memory_within_bounds(memory_mb: int, buffers_mb: int) -> None:
    assert embedded.shared_buffers_mb(memory_mb << 20) == buffers_mb
    assert f"shared_buffers = {buffers_mb}MB " in embedded.settings(memory_mb << 20)


def test_two_processes_opening_a_new_path_at_once_share_one_server(db_path: Path) -> None:
    go = db_path.parent / "go"
    racer = """
        deadline = time.monotonic() + 30
        while not os.path.exists(sys.argv[2]) and time.monotonic() < deadline:
            time.sleep(0.005)
        uri = embedded.acquire(sys.argv[1])
        with psycopg.connect(uri, autocommit=True) as conn:
            if sys.argv[3] == "writer":
                with conn.transaction():
                    conn.execute("CREATE TABLE shared_t (v text)")
                    conn.execute("INSERT INTO shared_t VALUES ('from the writer')")
                open(sys.argv[2] + ".written", "w").close()
                seen = None
                while not os.path.exists(sys.argv[2] + ".read") and time.monotonic() < deadline:
                    time.sleep(0.05)   # keep the server up until the reader has read
            else:
                while not os.path.exists(sys.argv[2] + ".written") and time.monotonic() < deadline:
                    time.sleep(0.05)
                seen = conn.execute("SELECT v FROM shared_t").fetchone()[0]
                open(sys.argv[2] + ".read", "w").close()
        print(json.dumps({"uri": uri, "seen": seen}))
    """
    writer = spawn(racer, str(db_path), str(go), "writer")
    reader = spawn(racer, str(db_path), str(go), "reader")
    time.sleep(0.5)  # let both interpreters import, so they reach the first initdb together
    go.touch()
    w, r = json.loads(finish(writer)), json.loads(finish(reader))
    assert w["uri"] == r["uri"]
    assert r["seen"] == "from the writer"
    wait_for(lambda: not postgres_processes(db_path), "the server to stop after both exited")


def test_server_stops_when_the_last_owner_exits(db_path: Path) -> None:
    quit_file = db_path.parent / "quit"
    first, info = hold(db_path, quit_file)
    run("embedded.acquire(sys.argv[1])", str(db_path))  # a second user comes and goes
    assert server_running(db_path), "the server must outlive a user while another one holds it"
    pid = embedded.server_pid(db_path)
    quit_file.touch()
    finish(first)
    wait_for(lambda: not psutil.pid_exists(pid), "the postmaster to exit")
    assert postgres_processes(db_path) == []
    # and the folder opens again afterwards, data intact
    run("""
        with psycopg.connect(embedded.acquire(sys.argv[1])) as conn:
            conn.execute("SELECT 1")
    """, str(db_path))


def test_a_sigkilled_owner_leaves_no_orphan_after_the_next_open_and_close(db_path: Path) -> None:
    victim, _ = hold(db_path, db_path.parent / "never")
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=WAIT)
    assert server_running(db_path), "nobody is left to stop it yet"

    run("embedded.acquire(sys.argv[1])", str(db_path))

    wait_for(lambda: not postgres_processes(db_path), "the next user's exit to stop the server")


def test_a_sigkilled_owner_does_not_stop_the_exit_of_a_live_one(db_path: Path) -> None:
    quit_file = db_path.parent / "quit"
    survivor, _ = hold(db_path, quit_file)
    victim, _ = hold(db_path, db_path.parent / "never")
    victim.kill()
    victim.wait(timeout=WAIT)
    quit_file.touch()
    finish(survivor)
    wait_for(lambda: not postgres_processes(db_path), "the survivor's exit to stop the server")


def test_a_recycled_pid_does_not_keep_the_server_alive(db_path: Path) -> None:
    quit_file = db_path.parent / "quit"
    owner, _ = hold(db_path, quit_file)
    # A dead owner whose pid now belongs to a live process (this one), started at another time.
    owners_file = db_path / "owners.json"
    owners = json.loads(owners_file.read_text())
    owners.append({"pid": os.getpid(), "started": 1.0})
    owners_file.write_text(json.dumps(owners))
    quit_file.touch()
    finish(owner)
    wait_for(lambda: not postgres_processes(db_path), "the server to stop despite the recycled pid")


def test_missing_parent_folder_is_refused_like_pymilvus(test_root: Path) -> None:
    missing = test_root / "no-such-dir"
    with pytest.raises(ConnectionConfigException) as err:
        embedded.acquire(missing / "x.db")
    assert err.value.message == f"Open local milvus failed, dir: {missing} not exists"
    assert not missing.exists()


def test_a_regular_file_is_refused_and_left_alone(test_root: Path) -> None:
    lite_file = test_root / f"lite-{uuid.uuid4().hex[:8]}.db"
    lite_file.write_bytes(b"SQLite format 3\x00 a Milvus Lite database")
    with pytest.raises(ConnectionConfigException) as err:
        embedded.acquire(lite_file)
    assert "not a pgmilvus data folder" in err.value.message
    assert str(lite_file) in err.value.message
    assert lite_file.read_bytes().startswith(b"SQLite format 3")


def test_deleting_the_folder_before_exit_leaves_no_orphan(db_path: Path) -> None:
    out = run("""
        import shutil
        embedded.acquire(sys.argv[1])
        print(embedded.server_pid(sys.argv[1]))
        shutil.rmtree(sys.argv[1])   # e.g. a temporary folder removed before the process exits
    """, str(db_path))
    pid = int(out.strip())
    wait_for(lambda: not psutil.pid_exists(pid), "the server of the deleted folder to stop")
