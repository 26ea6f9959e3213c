"""pgmilvus migrate: Milvus Lite -> pgmilvus with partitions, a dynamic field and an index; resume adds nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("milvus_lite")

HERE = Path(__file__).parent


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(HERE.parent / "adapter"), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "pgmilvus.cli", "migrate", *args], capture_output=True,
                          text=True, env=env, timeout=600)


def test_lite_to_pgmilvus_then_resume(tmp_path: Path) -> None:
    src, dst, ck = tmp_path / "src.db", tmp_path / "dst.db", tmp_path / "ck.json"
    subprocess.run([sys.executable, str(HERE / "migrate_source.py"), str(src), "3000"], check=True)
    args = ["--from", f"milvus-lite://{src}", "--to", f"pgmilvus://{dst}", "--batch", "700", "--checkpoint", str(ck)]
    first = _run(*args)
    assert first.returncode == 0, first.stderr
    assert "docs: source 3000 rows, target 3000 rows" in first.stdout
    again = _run(*args, "--resume")
    assert again.returncode == 0, again.stderr
    assert "copied 0 rows" in again.stdout
    assert "docs: source 3000 rows, target 3000 rows" in again.stdout
    from pgmilvus import MilvusClient
    from pgmilvus.pg import embedded

    client = MilvusClient(str(dst))
    try:
        assert sorted(client.list_partitions("docs")) == ["_default", "p1"]
        row = client.query("docs", filter="id == 5", output_fields=["tag", "x", "extra"])[0]
        assert (row["tag"], row["x"], row["extra"]) == ("t5", 5 / 3, 5)
    finally:
        client.close()
        embedded.release(str(dst))


def _ids(uri_path: Path, lite: bool = False) -> list[int]:
    if lite:
        from pymilvus import MilvusClient as Lite

        client = Lite(str(uri_path))
        client.load_collection("docs")
        try:
            return sorted(r["id"] for r in client.query("docs", filter="id >= 0", limit=16384))
        finally:
            client.close()
    from pgmilvus import MilvusClient
    from pgmilvus.pg import embedded

    client = MilvusClient(str(uri_path))
    try:
        return sorted(r["id"] for r in client.query("docs", filter="id >= 0", limit=16384))
    finally:
        client.close()
        embedded.release(str(uri_path))


def test_a_killed_migration_resumes_to_exactly_the_source_rows_and_goes_back(tmp_path: Path) -> None:
    import signal

    src, dst, ck, back = tmp_path / "src.db", tmp_path / "dst.db", tmp_path / "ck.json", tmp_path / "back.db"
    subprocess.run([sys.executable, str(HERE / "migrate_source.py"), str(src), "3000"], check=True)
    args = ["--from", f"milvus-lite://{src}", "--to", f"pgmilvus://{dst}", "--batch", "100", "--checkpoint", str(ck)]
    env = {"PYTHONPATH": str(HERE.parent / "adapter"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen([sys.executable, "-m", "pgmilvus.cli", "migrate", *args], stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True, env=env)
    checkpoints = 0
    for line in proc.stderr:
        checkpoints += "checkpointed" in line
        if checkpoints == 8:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    resumed = _run(*args[:-4], "--batch", "350", "--checkpoint", str(ck), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "docs: source 3000 rows, target 3000 rows" in resumed.stdout
    assert _ids(dst) == list(range(3000))
    # and back: pgmilvus -> a new Milvus Lite file
    home = _run("--from", f"pgmilvus://{dst}", "--to", f"milvus-lite://{back}", "--checkpoint",
                str(tmp_path / "back.json"))
    assert home.returncode == 0, home.stderr
    assert "docs: source 3000 rows, target 3000 rows" in home.stdout
    assert _ids(back, lite=True) == list(range(3000))


def test_a_batch_pending_at_the_kill_is_upserted_on_resume(tmp_path: Path) -> None:
    """The kill between a batch's insert and its checkpoint: its rows are in the target, the
    checkpoint says they are pending; the resumed run replaces them instead of failing."""
    import json

    src, dst, ck = tmp_path / "src.db", tmp_path / "dst.db", tmp_path / "ck.json"
    subprocess.run([sys.executable, str(HERE / "migrate_source.py"), str(src), "600"], check=True)
    args = ["--from", f"milvus-lite://{src}", "--to", f"pgmilvus://{dst}", "--checkpoint", str(ck)]
    assert _run(*args, "--collections", "docs").returncode == 0
    from pgmilvus import MilvusClient
    from pgmilvus.pg import embedded

    client = MilvusClient(str(dst))
    client.delete("docs", filter="id >= 200")   # the target holds _default's 0..199 (100..199 unconfirmed)
    client.close()
    embedded.release(str(dst))
    ck.write_text(json.dumps({"docs/_default": {"last": 99, "rows": 100, "pending": 199}}))
    resumed = _run(*args, "--batch", "70", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert _ids(dst) == list(range(600))


def test_a_lossy_source_is_reported_and_exits_non_zero(tmp_path: Path) -> None:
    src, dst = tmp_path / "src.db", tmp_path / "dst.db"
    subprocess.run([sys.executable, "-c", f"""
from pymilvus import MilvusClient, DataType
c = MilvusClient({str(src)!r})
s = c.create_schema()
s.add_field("id", DataType.INT64, is_primary=True)
s.add_field("v", DataType.FLOAT_VECTOR, dim=2048)
c.create_collection("wide", schema=s)
c.insert("wide", [{{"id": i, "v": [i / 10] * 2048}} for i in range(20)])
ip = c.prepare_index_params(); ip.add_index("v", index_type="FLAT", metric_type="L2"); c.create_index("wide", ip)
"""], check=True)
    args = ["--from", f"milvus-lite://{src}", "--to", f"pgmilvus://{dst}", "--checkpoint", str(tmp_path / "ck.json")]
    lossy = _run(*args)
    assert lossy.returncode == 1, lossy.stderr
    assert "LOSSY: wide.v: 2048-dim vector above pgvector's 2000-dim index limit: left unindexed" in lossy.stdout
    assert "wide: source 20 rows, target 20 rows" in lossy.stdout
    allowed = _run(*args, "--allow-lossy", "--resume")
    assert allowed.returncode == 0, allowed.stderr
    assert "LOSSY: wide.v" in allowed.stdout
