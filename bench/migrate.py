"""Throughput of `pgmilvus migrate` Milvus Lite -> pgmilvus against the source's own read rate (prints a table).

    python bench/migrate.py --rows 200000 --dim 128
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--source-only", default="", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if not a.source_only:
        tmp = Path(tempfile.mkdtemp(prefix="bench-migrate-", dir="/tmp"))
        out = subprocess.run([sys.executable, __file__, "--rows", str(a.rows), "--dim", str(a.dim), "--batch",
                              str(a.batch), "--source-only", str(tmp)], check=True, capture_output=True, text=True)
        read = float(out.stdout.split()[-1])
        t0 = time.time()
        subprocess.run([sys.executable, "-m", "pgmilvus.cli", "migrate", "--from", f"milvus-lite://{tmp}/src.db",
                        "--to", f"pgmilvus://{tmp}/dst.db", "--batch", str(a.batch), "--checkpoint",
                        str(tmp / "ck.json")], check=True, capture_output=True)
        mig = a.rows / (time.time() - t0)
        print("| rows x dim | source read rows/s | migrate rows/s (incl. start-up, index) |")
        print(f"| {a.rows} x {a.dim} | {read:.0f} | {mig:.0f} |")
        return
    tmp = Path(a.source_only)
    from pymilvus import DataType, MilvusClient

    src = MilvusClient(str(tmp / "src.db"))
    s = src.create_schema(auto_id=False)
    s.add_field("id", DataType.INT64, is_primary=True)
    s.add_field("v", DataType.FLOAT_VECTOR, dim=a.dim)
    ip = src.prepare_index_params()
    ip.add_index("v", index_type="FLAT", metric_type="L2")
    src.create_collection("bench", schema=s, index_params=ip)
    for lo in range(0, a.rows, 10_000):
        src.insert("bench", [{"id": i, "v": [random.random() for _ in range(a.dim)]}
                             for i in range(lo, min(lo + 10_000, a.rows))])
    src.load_collection("bench")
    t0, it, n = time.time(), src.query_iterator("bench", batch_size=a.batch, output_fields=["*"]), 0
    while rows := it.next():
        n += len(rows)
    it.close()
    print(n / (time.time() - t0))


if __name__ == "__main__":
    main()
