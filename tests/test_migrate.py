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
