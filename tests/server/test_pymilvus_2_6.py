"""The wire tests again with the newest pymilvus 2.6.x (the main run uses the newest 3.x), and
LlamaIndex's Milvus store, which needs 2.6.

pymilvus 2.6 and 3.x send different RPCs for some calls (2.6 has no
``AlterCollectionSchema``, 3.x falls back to ``AddCollectionField``), and the
server is built on whichever stubs are installed, so both lines are run.  The
2.6 client is installed with pgmilvus into a venv under /tmp on first use;
the nested run starts its own server on its own embedded PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV = Path("/tmp/pgmilvus-pymilvus-2.6")
FILES = ["test_seed_wire.py", "test_seed_async_orm.py", "test_wire_parity.py", "test_wire_more.py",
         "test_wire_schema.py", "test_wire_errors.py", "test_wire_limits.py",
         "test_llamaindex.py"]  # LlamaIndex's Milvus store pins pymilvus 2.6: it runs here only
#: What the venv holds besides pgmilvus: the client line under test, the test tools, LlamaIndex's store.
PACKAGES = ["pymilvus>=2.6,<2.7", "pytest>=8", "hypothesis>=6", "grpcio>=1.66.2",
            "llama-index-vector-stores-milvus>=1"]


def _python() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, timeout=300)
    probe = subprocess.run([str(python), "-c", "import pymilvus, pgmilvus, pytest, llama_index.vector_stores.milvus; "
                                               "print(pymilvus.__version__)"],
                           capture_output=True, text=True)
    # pgmilvus's dependencies as this checkout declares them: a venv made before a new one was added
    # installs again (the stamp is the pyproject it was installed from)
    stamp, declared = VENV / "pgmilvus-pyproject.toml", (ROOT / "pyproject.toml").read_text()
    current = stamp.read_text() if stamp.exists() else None
    if probe.returncode != 0 or not probe.stdout.startswith("2.6") or current != declared:
        done = subprocess.run([str(python), "-m", "pip", "install", "-q", "-e", str(ROOT), *PACKAGES],
                              capture_output=True, text=True, timeout=1200)
        if done.returncode != 0:
            pytest.skip(f"pip install of pymilvus 2.6 failed: {done.stderr[-500:]}")
        stamp.write_text(declared)
    return python


def test_the_wire_tests_pass_with_pymilvus_2_6(tmp_path) -> None:
    python = _python()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "adapter")}  # this checkout's pgmilvus, whatever is installed
    done = subprocess.run([str(python), "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                           *[f"tests/server/{name}" for name in FILES]],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    version = subprocess.run([str(python), "-c", "import pymilvus; print(pymilvus.__version__)"],
                             capture_output=True, text=True).stdout.strip()
    assert version.startswith("2.6"), version
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    skipped = [line for line in done.stdout.splitlines() if line.startswith("SKIPPED") and "llamaindex" in line]
    assert not skipped, skipped  # LlamaIndex's store must be importable in this venv
