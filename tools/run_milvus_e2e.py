"""Run Milvus's own e2e files (tests/python_client/milvus_client) against ``pgmilvus serve``.

Unmodified pymilvus talks gRPC to a ``pgmilvus serve`` on a private embedded
PostgreSQL, so the harness runs exactly as it does against a Milvus server
(no substitution of classes).  Usage (the test checkout is not part of this repo)::

    python tools/run_milvus_e2e.py --tests $MILVUS/tests/python_client \\
        --client-python $E2E/venv/bin/python --out /tmp/e2e-wire  insert upsert query ...
    python tools/run_milvus_e2e.py ... --lite-script $LITE/tools/run_upstream_milvus_client_supported.sh allowlist

Each stem names ``milvus_client/test_milvus_client_<stem>.py`` (a stem with a ``/``, such as
``expressions/json_filtering``, a file in that sub-folder; one ending in ``.py``, that file of
``milvus_client``); ``allowlist`` runs the
test ids of Milvus Lite's script (ids whose class moved upstream are found by file and
function name).  ``--s3`` starts an S3 server (moto) on localhost:9000 with the bucket Milvus's
tests expect of MinIO and serves bulk imports from it, REST on the gRPC port too (the struct-array,
minhash and bulk-insert tests upload their files there and import over REST or gRPC).  ``--rest``
runs Milvus's REST e2e files instead (``--tests $MILVUS/tests/restful_client_v2``, stems such as
``collection_operations vector_operations``) against ``pgmilvus serve --rest``.  ``--client-python`` is a venv with the harness's requirements (see
/work/shared/reference/milvus-e2e.md); the server runs with this interpreter.  ``-k EXPR`` runs
only the tests pytest's ``-k`` selects in each file.  Results:
``<out>/results/<stem>.xml`` (JUnit), ``<out>/logs/<stem>.out``, and a line per file in
``<out>/summary.md`` (passed / failed / errors / skipped, wall seconds).
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Optional

_ID = re.compile(r'"\$MILVUS_CLIENT_TEST_DIR/([^"]+)"')


#: What Milvus's test conftest expects of its MinIO (``--minio_host`` localhost, ``--minio_bucket``).
S3_PORT, S3_BUCKET, S3_KEYS = 9000, "milvus-bucket", "minioadmin:minioadmin"


def start_s3(host: str, bucket: str = S3_BUCKET) -> object:
    """An S3 server where Milvus's tests expect MinIO (``host``:9000, bucket ``milvus-bucket``):
    moto's, in this process, so the bulk-import tests upload files that ``pgmilvus serve`` then reads.
    The tests fix the port, not the host: runs side by side take 127.0.0.2, 127.0.0.3, ..."""
    import logging

    from minio import Minio
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request

    s3 = ThreadedMotoServer(ip_address=host, port=S3_PORT, verbose=False)
    s3.start()
    access, secret = S3_KEYS.split(":")
    store = Minio(f"{host}:{S3_PORT}", access_key=access, secret_key=secret, secure=False)
    if not store.bucket_exists(bucket):
        store.make_bucket(bucket)
    return s3


def start_server(out: Path, port: int, require_auth: bool = False, import_from: str = "",
                 rest: bool = False, log_level: str = "WARNING") -> subprocess.Popen:
    """``pgmilvus serve`` on an embedded PostgreSQL under ``out``; returns once it accepts calls
    (``require_auth``: as a Milvus server with authorization on; the harness logs in as root:Milvus;
    ``import_from``: where bulk imports read their files; ``log_level`` INFO logs every call, a
    refused one with its code and reason)."""
    log = open(out / "server.log", "ab")
    proc = subprocess.Popen([sys.executable, "-m", "pgmilvus.cli", "serve", "--uri", str(out / "pgm.db"),
                             "--port", str(port), "--workers", "8", "--log-level", log_level,
                             *(["--require-auth"] if require_auth else []),
                             # Milvus's import tests call REST bulk_import on the gRPC port
                             *(["--import-from", import_from] if import_from else []),
                             *(["--rest"] if import_from or rest else [])],
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"pgmilvus serve exited with {proc.returncode}; see {out / 'server.log'}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(1)
    proc.terminate()
    raise SystemExit("pgmilvus serve did not start listening within 300 s")


def allowlist_ids(script: Path, tests: Path, python: str) -> list[str]:
    """Milvus Lite's allow-listed ids, each mapped to the class that holds the test in this checkout.

    (The harness's pytest.ini adds ``-v``: two ``-q`` make ``--collect-only`` list bare ids.)
    """
    ids = _ID.findall(script.read_text())
    files = sorted({i.split("::")[0] for i in ids})
    collected = subprocess.run([python, "-m", "pytest", "--collect-only", "-q", "-q", "-p", "no:cacheprovider",
                                *[f"milvus_client/{f}" for f in files]], cwd=tests,
                               capture_output=True, text=True).stdout.split()
    known = {c.split("[")[0] for c in collected if "::" in c}
    out = []
    for test_id in ids:
        path = f"milvus_client/{test_id}"
        base = path.split("[")[0]
        if base not in known:
            file, func = base.split("::")[0], base.split("::")[-1]
            moved = sorted(k for k in known if k.startswith(file + "::") and k.endswith("::" + func))
            if moved:
                path = moved[0] + path[len(base):]
        out.append(path)
    return out


def counts(xml: Path) -> tuple[int, int, int, int]:
    """(passed, failed, errors, skipped) from a JUnit file (zeros if pytest wrote none)."""
    if not xml.exists():
        return 0, 0, 0, 0
    root = ET.parse(xml).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    total, failed, errors, skipped = (int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
    return total - failed - errors - skipped, failed, errors, skipped


def run_file(stem: str, args: argparse.Namespace, targets: list[str]) -> str:
    """One pytest session (bounded by ``--file-timeout``); the summary line for it."""
    xml, log = args.out / "results" / f"{stem}.xml", args.out / "logs" / f"{stem}.out"
    env = dict(os.environ, CI_LOG_PATH=str(args.out / "logs" / stem), OMP_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1")
    # --host / --port too: some files (rbac) build their own uri from them, not from --uri
    where = (["--endpoint", f"http://127.0.0.1:{args.port}"] if args.rest else
             ["--uri", f"http://127.0.0.1:{args.port}", "--host", "127.0.0.1", "--port", str(args.port)])
    if args.s3:
        where += ["--minio_host", args.s3_host]
    command = [args.client_python, "-m", "pytest", *targets, *where, "--token", "root:Milvus",
               "-p", "no:cacheprovider", "-p", "no:rerunfailures", "--timeout", "180" if args.rest else "120",
               "--timeout-method=signal", "-q", "-q", f"--junitxml={xml}", "-o", "junit_logging=log",
               "-o", "junit_log_passing_tests=False", *(["-k", args.keyword] if args.keyword else [])]
    started = time.monotonic()
    with open(log, "wb") as sink:
        try:
            subprocess.run(command, cwd=args.tests, env=env, stdout=sink, stderr=subprocess.STDOUT,
                           timeout=args.file_timeout)
        except subprocess.TimeoutExpired:
            sink.write(b"\nrun_milvus_e2e: file timeout\n")
    passed, failed, errors, skipped = counts(xml)
    return f"| {stem} | {passed} | {failed} | {errors} | {skipped} | {time.monotonic() - started:.0f} |"


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tests", type=Path, required=True, help="a checkout's tests/python_client")
    parser.add_argument("--client-python", required=True, help="python of a venv with the harness's requirements")
    parser.add_argument("--out", type=Path, default=Path("/tmp/pgmilvus-e2e"), help="scratch folder (under /tmp)")
    parser.add_argument("--port", type=int, default=19631)
    parser.add_argument("--lite-script", type=Path, help="milvus-lite's tools/run_upstream_milvus_client_supported.sh")
    parser.add_argument("--file-timeout", type=int, default=3600, help="seconds per file (default 3600)")
    parser.add_argument("--require-auth", action="store_true",
                        help="serve with --require-auth: passwords and RBAC checked (the rbac file needs it)")
    parser.add_argument("--s3", action="store_true",
                        help="start an S3 server (moto) where the tests expect MinIO, and serve imports from it")
    parser.add_argument("--s3-host", default="127.0.0.1",
                        help="the S3 server's loopback address (port 9000 is the tests'): 127.0.0.2 for a second run")
    parser.add_argument("--rest", action="store_true",
                        help="--tests is a checkout's tests/restful_client_v2: each stem names testcases/"
                             "test_<stem>.py, run with --endpoint against a server answering REST")
    parser.add_argument("-k", dest="keyword", default="",
                        help="pytest's -k expression: only the matching tests of each file (e.g. search_aggregation)")
    parser.add_argument("stems", nargs="+", help="insert, upsert, query, ... or allowlist")
    args = parser.parse_args(argv)
    args.tests = args.tests.resolve()
    for sub in ("results", "logs"):
        (args.out / sub).mkdir(parents=True, exist_ok=True)
    s3 = start_s3(args.s3_host) if args.s3 else None
    import_from = f"s3://{S3_KEYS}@{args.s3_host}:{S3_PORT}/{S3_BUCKET}" if s3 else ""
    server = start_server(args.out, args.port, args.require_auth, import_from, args.rest)
    summary = args.out / "summary.md"
    try:
        for stem in args.stems:
            if stem == "allowlist":
                if not args.lite_script:
                    raise SystemExit("allowlist needs --lite-script")
                targets = allowlist_ids(args.lite_script, args.tests, args.client_python)
            elif args.rest:
                targets = [f"testcases/test_{stem}.py"]
            else:
                folder, _, name = stem.rpartition("/")
                file = name if name.endswith(".py") else f"test_milvus_client_{name}.py"
                targets = [str(Path("milvus_client", folder, file))]
            line = run_file(stem.replace("/", "-").removesuffix(".py"), args, targets)
            with open(summary, "a") as f:
                f.write(line + "\n")
            print(line, flush=True)
    finally:
        server.terminate()
        server.wait(60)
        if s3 is not None:
            s3.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
