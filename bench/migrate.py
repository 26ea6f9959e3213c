"""Throughput of `pgmilvus migrate` Milvus Lite -> pgmilvus against the source's own read rate (prints a table).

    python bench/migrate.py --rows 200000 --dim 128

Steps, each in a process of its own (Milvus Lite holds its file while its process lives):
1. build the source: ``--rows`` random ``--dim``-d vectors, FLAT index, loaded;
2. read it all with ``query_iterator`` (batches of ``--batch``, every field), as migrate does: the
   source's read rate, the ceiling for any copy through pymilvus;
3. ``pgmilvus migrate`` to a new embedded pgmilvus, whose HNSW index (AUTOINDEX) is created after the
   rows (a bulk build per sealed segment).

Prints rows/s of the read, of migrate (its own "copied N rows in S s" line: copy and index build) and of the whole
command (start-up, copy, index build, report), and copy / read.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ADAPTER = str(Path(__file__).resolve().parents[1] / "adapter")

BUILD = """
import random, sys
from pymilvus import DataType, MilvusClient
path, rows, dim = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
src = MilvusClient(path)
s = src.create_schema(auto_id=False)
s.add_field("id", DataType.INT64, is_primary=True)
s.add_field("v", DataType.FLOAT_VECTOR, dim=dim)
ip = src.prepare_index_params()
ip.add_index("v", index_type="AUTOINDEX", metric_type="L2")
src.create_collection("bench", schema=s, index_params=ip)
for lo in range(0, rows, 10_000):
    src.insert("bench", [{"id": i, "v": [random.random() for _ in range(dim)]} for i in range(lo, min(lo + 10_000, rows))])
"""

READ = """
import sys, time
from pymilvus import MilvusClient
src = MilvusClient(sys.argv[1])
src.load_collection("bench")
t0, it, n = time.perf_counter(), src.query_iterator("bench", batch_size=int(sys.argv[2]), output_fields=["*"]), 0
while rows := it.next():
    n += len(rows)
it.close()
print(n / (time.perf_counter() - t0))
"""


def _python(code: str, *args: str) -> str:
    return subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True).stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--batch", type=int, default=5000)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-migrate-", dir="/tmp"))
    src = tmp / "src.db"
    _python(BUILD, str(src), str(a.rows), str(a.dim))
    read = max(float(_python(READ, str(src), str(a.batch)).split()[-1]) for _ in range(2))
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pgmilvus.cli", "migrate", "--from", f"milvus-lite://{src}",
                           "--to", f"pgmilvus://{tmp}/dst.db", "--batch", str(a.batch), "--checkpoint",
                           str(tmp / "ck.json")], check=True, capture_output=True, text=True,
                          env={"PYTHONPATH": ADAPTER, "PATH": "/usr/bin:/bin"})
    total = a.rows / (time.perf_counter() - t0)
    copied = re.search(r"copied (\d+) rows in ([\d.]+)s", done.stdout)
    copy = int(copied.group(1)) / float(copied.group(2)) if copied else float("nan")
    print("| rows x dim | source read rows/s | migrate rows/s (copy + index build) | whole command rows/s | migrate / read |")
    print("|---|---|---|---|---|")
    print(f"| {a.rows} x {a.dim} | {read:,.0f} | {copy:,.0f} | {total:,.0f} | {copy / read:.2f} |")


if __name__ == "__main__":
    main()
