"""The seed guide's Java example (MilvusClientV2) against ``pgmilvus serve``.

tests/server/java is a small Maven project with a copy of the guide's Java
code, changed only as far as compiling against the current SDK requires (its
header lists each change).  Maven fetches the SDK from Maven Central on first
use; the test is skipped where java / mvn are missing.  Every printed count
and the rows left in each partition are checked against the recorded answers
the Python seed test uses.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests import test_seed

PROJECT = Path(__file__).parent / "java"
PRINTED = [("InsertCnt", 10), ("InsertCnt", 10), ("upsertCnt", 10), ("upsertCnt", 10),
           ("deleteCnt", 3), ("deleteCnt", 2), ("deleteCnt", 2)]


@pytest.fixture(scope="module")
def java_seed(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The command that runs the compiled example (built in a copy of the project)."""
    if not (shutil.which("java") and shutil.which("mvn")):
        pytest.skip("java / mvn are not installed")
    build = tmp_path_factory.mktemp("java") / "seed"
    shutil.copytree(PROJECT, build)
    done = subprocess.run(["mvn", "-q", "-B", "compile", "dependency:build-classpath",
                           "-Dmdep.outputFile=classpath.txt"], cwd=build, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    classpath = f"{build / 'target' / 'classes'}:{(build / 'classpath.txt').read_text().strip()}"
    return ["java", "-Dorg.slf4j.simpleLogger.defaultLogLevel=error", "-cp", classpath, "seed.Seed"]


def _plain_row(row: dict) -> dict:
    """A Java query row as the Python client gives it (float32 values widened the same way)."""
    entity = dict(row["entity"])
    entity["vector"] = np.asarray(entity["vector"], dtype=np.float32).tolist()
    return entity


def test_java_seed_example(java_seed, serve_address, wire_client) -> None:
    done = subprocess.run([*java_seed, f"http://{serve_address}"], capture_output=True, text=True, timeout=300,
                          cwd="/tmp")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    out, rows_line = done.stdout.split("ROWS:", 1)
    printed = [json.loads(line) for line in out.strip().splitlines()]
    assert [next((k, v) for k, v in p.items() if k.endswith("Cnt")) for p in printed] == PRINTED
    rows = {name: sorted((_plain_row(r) for r in part), key=lambda r: r["id"])
            for name, part in json.loads(rows_line).items()}
    assert rows == test_seed.STEPS["delete_like_partitionA"]["rows"]
