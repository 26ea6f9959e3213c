"""Several processes on one ``./x.db`` through MilvusClient, as Milvus Lite users do."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from .subproc import run_python



def _postgres_running(folder: Path) -> bool:
    from pgmilvus.pg import embedded

    return embedded.server_pid(folder) is not None


def test_two_processes_share_collections(test_root: Path) -> None:
    path = test_root / "shared_mp.db"
    writer = run_python(f"""
        from pgmilvus import MilvusClient
        c = MilvusClient({str(path)!r})
        c.create_collection("from_a", dimension=3)
        c.create_partition("from_a", "pA")
        print("ok")
    """)
    assert writer.returncode == 0, writer.stderr
    reader = run_python(f"""
        from pgmilvus import MilvusClient
        c = MilvusClient({str(path)!r})
        print(c.list_collections(), c.list_partitions("from_a"))
    """)
    assert reader.returncode == 0, reader.stderr
    assert reader.stdout.strip() == "['from_a'] ['_default', 'pA']"
    deadline = time.monotonic() + 30
    while _postgres_running(path) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _postgres_running(path), "the server must stop when the last process exits"


def test_sigkilled_client_leaves_no_orphan(test_root: Path) -> None:
    path = test_root / "killed_mp.db"
    victim = run_python(f"""
        import sys, time
        from pgmilvus import MilvusClient
        c = MilvusClient({str(path)!r})
        c.create_collection("k", dimension=2)
        print("ready", flush=True)
        time.sleep(600)
    """, wait=False)
    assert victim.stdout.readline().strip() == "ready"
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    assert _postgres_running(path), "nobody stopped the server yet"
    survivor = run_python(f"""
        from pgmilvus import MilvusClient
        with MilvusClient({str(path)!r}) as c:
            print(c.list_collections())
    """)
    assert survivor.returncode == 0, survivor.stderr
    assert survivor.stdout.strip() == "['k']"
    deadline = time.monotonic() + 30
    while _postgres_running(path) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _postgres_running(path), "the next open+close must stop the orphaned server"


@pytest.mark.parametrize("uri", ["http://localhost:19530", ""])
def test_milvus_server_uri_and_no_uri_use_the_embedded_default(tmp_path_factory, uri: str) -> None:
    folder = Path(tmp_path_factory.mktemp("cwd", numbered=True))
    os.chmod(folder, 0o755)
    proc = run_python(f"""
        import os
        os.chdir({str(folder)!r})
        from pgmilvus import MilvusClient
        c = MilvusClient({uri!r}) if {uri!r} else MilvusClient()
        c.create_collection("q", dimension=2)
        print(os.path.isdir("milvus_demo.db/pgdata"), c.list_collections())
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "True ['q']"


def test_catalog_changes_by_another_process_are_seen_at_once(test_root: Path) -> None:
    """This process keeps parsed collections in memory; another process's DDL must show up in the
    very next call (the catalog's change notification reaches the pooled connection first)."""
    from pgmilvus import MilvusClient

    path = test_root / "notify_mp.db"
    client = MilvusClient(str(path))
    try:
        client.create_collection("c", dimension=2)
        assert client.describe_collection("c")["fields"][1]["params"] == {"dim": 2}
        assert client.list_partitions("c") == ["_default"]
        other = run_python(f"""
            from pgmilvus import MilvusClient
            c = MilvusClient({str(path)!r})
            c.drop_collection("c")
            c.create_collection("c", dimension=3)
            c.create_partition("c", "pB")
            c.insert("c", [{{"id": 1, "vector": [1.0, 2.0, 3.0]}}], partition_name="pB")
        """)
        assert other.returncode == 0, other.stderr
        assert client.describe_collection("c")["fields"][1]["params"] == {"dim": 3}
        assert client.list_partitions("c") == ["_default", "pB"]
        hits = client.search("c", [[1.0, 2.0, 3.0]], limit=1)
        assert hits[0][0]["id"] == 1
        assert client.insert("c", [{"id": 2, "vector": [0.0, 0.0, 1.0]}])["insert_count"] == 1
    finally:
        client.close()


def test_a_write_right_after_another_process_recreated_the_collection(test_root: Path) -> None:
    """A write looks its collection up in the cache before BEGIN, on a connection not checked at
    checkout: the notification BEGIN delivers sends it back to the catalog, not to an error."""
    from pgmilvus import MilvusClient

    path = test_root / "notify_write_mp.db"
    client = MilvusClient(str(path))
    try:
        client.create_collection("c", dimension=2)
        assert client.insert("c", [{"id": 1, "vector": [1.0, 2.0]}])["insert_count"] == 1
        other = run_python(f"""
            from pgmilvus import MilvusClient
            c = MilvusClient({str(path)!r})
            c.drop_collection("c")
            c.create_collection("c", dimension=3)
        """)
        assert other.returncode == 0, other.stderr
        assert client.insert("c", [{"id": 2, "vector": [0.0, 0.0, 1.0]}])["insert_count"] == 1
        assert client.query("c", filter="id > 0", output_fields=["id"]) == [{"id": 2}]
    finally:
        client.close()


def test_a_new_client_does_not_trust_what_a_closed_one_cached(fresh_db: str) -> None:
    """The description cache is the process's: DDL another process made while no client of this
    one was listening must not be hidden from the next client (a dropped collection 'existed')."""
    from pgmilvus import MilvusClient

    with MilvusClient(fresh_db) as first:
        first.create_collection("gone", dimension=2)
        assert first.has_collection("gone") and first.query("gone", filter="id >= 0") == []
    other = run_python(f"""
        from pgmilvus import MilvusClient
        MilvusClient({fresh_db!r}).drop_collection("gone")
    """)
    assert other.returncode == 0, other.stderr
    with MilvusClient(fresh_db) as second:
        assert not second.has_collection("gone")
