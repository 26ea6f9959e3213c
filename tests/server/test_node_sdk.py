"""The seed guide's Node.js example, unchanged but for the address, against ``pgmilvus serve``.

The SDK (``@zilliz/milvus2-sdk-node``, the newest 3.x and 2.6.x) is installed
from the npm registry into a folder under /tmp on first use; the test is
skipped where node / npm are missing.  Every count the example prints and the
rows it leaves in each partition are checked against the same recorded
answers the Python seed test uses.  The Node SDK turns an UNIMPLEMENTED answer
into an empty success, so only values prove anything here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import test_seed

SEED_JS = Path(__file__).parent / "node" / "seed.js"
PRINTED = ["10", "10", "10", "10", "3", "2", "Entities deleted from partitionA: 2"]


def _sdk(major: str) -> Path:
    """node_modules holding the newest SDK of line ``major`` (installed once per machine)."""
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node / npm are not installed")
    folder = Path(f"/tmp/pgmilvus-node-sdk-{major}")
    if not (folder / "node_modules" / "@zilliz" / "milvus2-sdk-node").is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(folder),
                               f"@zilliz/milvus2-sdk-node@{major}"], capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            pytest.skip(f"npm install @zilliz/milvus2-sdk-node@{major} failed: {done.stderr[-500:]}")
    return folder / "node_modules"


def _plain_row(row: dict) -> dict:
    """A Node query row as the Python client gives it: int64 ids (Node sends strings), $meta flattened."""
    out = {k: v for k, v in row.items() if k != "$meta"}
    out["id"] = int(out["id"])
    out.update(row.get("$meta") or {})
    return out


@pytest.mark.parametrize("major", ["3", "2.6"])
def test_node_seed_example(serve_address, wire_client, major) -> None:
    modules = _sdk(major)
    env = {**os.environ, "NODE_PATH": str(modules), "MILVUS_ADDRESS": serve_address}
    done = subprocess.run(["node", str(SEED_JS)], capture_output=True, text=True, timeout=300, env=env, cwd="/tmp")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    out = json.loads(done.stdout.split("ROWS:", 1)[1])
    assert out["printed"] == PRINTED
    rows = {name: sorted((_plain_row(r) for r in part), key=lambda r: r["id"]) for name, part in out["rows"].items()}
    assert rows == test_seed.STEPS["delete_like_partitionA"]["rows"]
    hits = out["hits"]
    # output_fields=["color"]: the dynamic key is a key of the hit, as Milvus lists it (no "$meta")
    assert len(hits) == 3 and all(h["id"] and h["color"] and "$meta" not in h for h in hits)
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


@pytest.mark.parametrize("major", ["3", "2.6"])
def test_node_admin_calls_answer_values(serve_address, wire_client, major) -> None:
    """getMetric, getIndexState, getIndexBuildProgress, describeResourceGroup and
    batchDescribeCollections (what Attu's views ask) get values, not the empty success the SDK
    makes of UNIMPLEMENTED."""
    modules = _sdk(major)
    env = {**os.environ, "NODE_PATH": str(modules), "MILVUS_ADDRESS": serve_address}
    done = subprocess.run(["node", str(SEED_JS.with_name("admin.js"))], capture_output=True, text=True,
                          timeout=300, env=env, cwd="/tmp")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    out = json.loads(done.stdout.split("ANSWERS:", 1)[1])
    assert out["roles"] == ["proxy", "rootcoord", "datanode", "datacoord", "querynode", "querycoord"]
    assert (out["state"], out["total_rows"]) == ("Finished", 3)
    assert out["group"] == ["__default_resource_group", 1000000, {"node_admin": 1}]
    assert out["batch"] == [[0, "node_admin", 2]]  # a missing name: the SDK formats its null schema and throws
