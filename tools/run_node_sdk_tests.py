"""Run the Node.js SDK's own test suite (milvus-sdk-node's ``test/grpc``) against ``pgmilvus serve``.

The SDK's jest specs talk gRPC to a Milvus server at ``test/tools/ip.ts``'s address; this points
them at a ``pgmilvus serve`` on a private embedded PostgreSQL instead, so the SDK (and Attu, built
on it) is tested unchanged.  Usage (neither checkout is part of this repo)::

    python tools/run_node_sdk_tests.py --sdk $SDK --proto $PROTO --out /tmp/node-sdk [--s3]
    python tools/run_node_sdk_tests.py --sdk $SDK --out /tmp/node-sdk test/grpc/Data.spec.ts ...

``--sdk`` is a work copy of github.com/milvus-io/milvus-sdk-node that this script changes: it
writes ``test/tools/ip.ts`` (the address), copies ``--proto`` (a checkout of milvus-io/milvus-proto
at the SDK's submodule commit) into ``proto/`` when the submodule is empty, runs ``npm install``
when ``node_modules`` is missing and copies protobufjs's ``descriptor.proto`` where the SDK's
``pre`` script puts it.  ``--s3`` serves the BulkWriter and Import specs' MinIO (127.0.0.1:9000,
bucket ``a-bucket``, minioadmin) with moto, and ``pgmilvus serve`` imports from it.  The specs run
in band (one at a time: the User spec changes what others see).  Results: ``<out>/results.json``
(jest's), ``<out>/jest.log``, ``<out>/server.log``, a line per spec in ``<out>/summary.md``
(passed / failed / skipped) and each failure's first lines in ``<out>/failures.txt``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_milvus_e2e import S3_KEYS, S3_PORT, start_s3, start_server  # noqa: E402

#: The bucket of the SDK's MinIO (its docker-compose's, and its specs').
NODE_BUCKET = "a-bucket"


def prepare(sdk: Path, proto: Optional[Path], port: int) -> None:
    """Point the checkout at ``port`` and give it what its ``pre`` script and ``npm install`` give."""
    if not any((sdk / "proto").glob("proto/*.proto")):
        if proto is None:
            raise SystemExit(f"{sdk / 'proto'} is empty (a git submodule): give --proto, a milvus-proto checkout")
        shutil.copytree(proto, sdk / "proto", dirs_exist_ok=True)
    if not (sdk / "node_modules").is_dir():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=sdk, check=True)
    descriptor = sdk / "proto/proto/google/protobuf/descriptor.proto"
    descriptor.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(sdk / "node_modules/protobufjs/google/protobuf/descriptor.proto", descriptor)
    (sdk / "test/tools/ip.ts").write_text(f"// test IP (run_node_sdk_tests.py)\nexport const IP = '127.0.0.1:{port}';\n"
                                          "export const ENDPOINT = `http://${IP}`;\n")


def write_summary(out: Path, unit: str, rows: list[tuple[str, list[int]]], failures: list[str]) -> str:
    """``summary.md`` (a line per spec or class with its passed / failed / skipped counts, then the
    total) and ``failures.txt``; returns the summary (the Java harness writes the same files)."""
    total = [sum(counts[i] for _, counts in rows) for i in range(3)]
    lines = [f"| {unit} | passed | failed | skipped |", "|---|---|---|---|",
             *(f"| {name} | {c[0]} | {c[1]} | {c[2]} |" for name, c in [*rows, ("total", total)])]
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    (out / "failures.txt").write_text("\n".join(failures) + "\n")
    return "\n".join(lines)


def report(results: Path, out: Path) -> str:
    """The summary (one line per spec, then the total) and ``failures.txt``."""
    data = json.loads(results.read_text())
    rows, failures = [], []
    for spec in sorted(data["testResults"], key=lambda r: r["name"]):
        name = spec["name"].split("/test/", 1)[-1]
        states = [a["status"] for a in spec["assertionResults"]]
        counts = [states.count("passed"), states.count("failed"), len(states) - states.count("passed")
                  - states.count("failed")]
        if not states and spec.get("message"):  # the spec failed before any test (e.g. compile error)
            counts[1] = 1
            failures.append(f"{name} :: (suite)\n    {spec['message'].strip().splitlines()[0][:300]}")
        rows.append((name, counts))
        for test in spec["assertionResults"]:
            if test["status"] == "failed":
                first = " ".join(x.strip() for x in (test["failureMessages"] or [""])[0].splitlines()[:6])
                failures.append(f"{name} :: {test['fullName']}\n    {first[:400]}")
    return write_summary(out, "spec", rows, failures)


def sdk_arguments(doc: str, language: str) -> argparse.ArgumentParser:
    """The options both SDK harnesses take: the SDK work copy, the proto checkout, the scratch folder."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--sdk", type=Path, required=True,
                        help=f"a work copy of milvus-sdk-{language} (changed in place)")
    parser.add_argument("--proto", type=Path, help="a milvus-proto checkout, when the SDK's proto submodule is empty")
    parser.add_argument("--out", type=Path, default=Path(f"/tmp/pgmilvus-{language}-sdk"),
                        help="scratch folder (under /tmp)")
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    parser = sdk_arguments(__doc__, "node")
    parser.add_argument("--port", type=int, default=19530,
                        help="19530 (the default) keeps MilvusClient.spec.ts's unreachable-port test meaningful")
    parser.add_argument("--s3", action="store_true", help="serve the specs' MinIO with moto (127.0.0.1:9000)")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds for the whole jest run")
    parser.add_argument("specs", nargs="*", default=["test/grpc"], help="jest paths (default: test/grpc)")
    args = parser.parse_args(argv)
    sdk, out = args.sdk.resolve(), args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    prepare(sdk, args.proto.resolve() if args.proto else None, args.port)
    s3 = start_s3("127.0.0.1", NODE_BUCKET) if args.s3 else None
    import_from = f"s3://{S3_KEYS}@127.0.0.1:{S3_PORT}/{NODE_BUCKET}" if s3 else ""
    server = start_server(out, args.port, import_from=import_from, rest=True)  # test/http: REST on the same port
    results = out / "results.json"
    try:
        with open(out / "jest.log", "wb") as sink:
            subprocess.run(["npx", "jest", *args.specs, "--runInBand", "--json", f"--outputFile={results}"],
                           cwd=sdk, env={**os.environ, "NODE_ENV": "dev"}, stdout=sink,
                           stderr=subprocess.STDOUT, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        print(f"jest did not finish within {args.timeout} s", file=sys.stderr)
    finally:
        server.terminate()
        server.wait(60)
        if s3 is not None:
            s3.stop()
    if not results.exists():
        raise SystemExit(f"jest wrote no results; see {out / 'jest.log'}")
    print(report(results, out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
