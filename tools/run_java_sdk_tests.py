"""Run the Java SDK's own integration tests (milvus-sdk-java's docker tests) against ``pgmilvus serve``.

``MilvusClientV2DockerTest`` (MilvusClientV2), ``MilvusClientDockerTest`` (the v1 API),
``MilvusClientV2SessionDockerTest`` and ``NullableVectorTest`` start a Milvus standalone with
docker compose in ``TestUtils.startMilvusStandalone`` and talk gRPC to
``http://localhost:19530``; this serves that port with ``pgmilvus serve`` on a private embedded
PostgreSQL instead, so the SDK is tested unchanged.  Usage (neither checkout is part of this repo)::

    python tools/run_java_sdk_tests.py --sdk $SDK --proto $PROTO --out /tmp/java-sdk
    python tools/run_java_sdk_tests.py --sdk $SDK --out /tmp/java-sdk MilvusClientV2DockerTest#testReplica

``--sdk`` is a work copy of github.com/milvus-io/milvus-sdk-java that this script changes: it copies
``--proto`` (a checkout of milvus-io/milvus-proto at the SDK's submodule commit) into
``sdk-core/src/main/milvus-proto`` when the submodule is empty, and makes
``TestUtils.startMilvusStandalone`` return at once when ``MILVUS_SERVER_RUNNING`` is set (its
``stopMilvusStandalone`` then has nothing to stop); the test classes are untouched.  Maven runs the
classes in one JVM, one test at a time, against one server on port 19530 (the tests' fixed address).
Maven fetches the build's plugins and dependencies from Maven Central on its first run.
Results: surefire's XML reports in ``<out>/surefire-reports``, Maven's output in ``<out>/mvn.log``,
the server's in ``<out>/server.log`` (a line per call: refusals with their code and reason), a
line per class in ``<out>/summary.md`` (passed / failed / skipped) and each failure's first lines
in ``<out>/failures.txt``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_milvus_e2e import start_server  # noqa: E402
from run_node_sdk_tests import sdk_arguments, write_summary  # noqa: E402

#: The SDK's docker test classes that need one Milvus (each starts it through TestUtils);
#: MilvusMultiClientDockerTest wants a second one on 19531 with its health port 9092.
CLASSES = ["MilvusClientV2DockerTest", "MilvusClientDockerTest", "MilvusClientV2SessionDockerTest",
           "NullableVectorTest"]
#: The environment variable the patched TestUtils reads.
RUNNING = "MILVUS_SERVER_RUNNING"
#: Where the SDK's tests find their Milvus (TestUtils.MilvusStandaloneUri).
PORT = 19530
_START = "    public static void startMilvusStandalone(File composeFile, File volumeDirectory, List<String> containerNames) {\n"
_SKIP = (f'        if (System.getenv("{RUNNING}") != null) {{\n'
         "            return; // run_java_sdk_tests.py: a server already listens on MilvusStandaloneUri\n"
         "        }\n")


def prepare(sdk: Path, proto: Optional[Path]) -> None:
    """Fill the proto submodule and make TestUtils use the running server (idempotent)."""
    target = sdk / "sdk-core/src/main/milvus-proto"
    if not any(target.glob("proto/*.proto")):
        if proto is None:
            raise SystemExit(f"{target} is empty (a git submodule): give --proto, a milvus-proto checkout")
        shutil.copytree(proto, target, dirs_exist_ok=True)
    utils = sdk / "sdk-core/src/test/java/io/milvus/TestUtils.java"
    text = utils.read_text()
    if _SKIP not in text:
        if _START not in text:
            raise SystemExit(f"{utils}: startMilvusStandalone not found; the SDK changed, adapt this script")
        utils.write_text(text.replace(_START, _START + _SKIP, 1))


def report(reports: Path, out: Path) -> str:
    """The summary (one line per test class, then the total) and ``failures.txt``."""
    rows, failures = [], []
    for path in sorted(reports.glob("TEST-*.xml")):
        suite = ET.parse(path).getroot()
        name = suite.get("name", path.stem).rsplit(".", 1)[-1]
        counts = [0, 0, 0]
        for case in suite.iter("testcase"):
            bad = case.find("failure") if case.find("failure") is not None else case.find("error")
            if case.find("skipped") is not None:
                counts[2] += 1
            elif bad is not None:
                counts[1] += 1
                first = " ".join(x.strip() for x in (bad.text or bad.get("message") or "").splitlines()[:4])
                failures.append(f"{name} :: {case.get('name')}\n    {first[:500]}")
            else:
                counts[0] += 1
        rows.append((name, counts))
    return write_summary(out, "class", rows, failures)


def main(argv: Optional[list[str]] = None) -> int:
    parser = sdk_arguments(__doc__, "java")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds for the whole Maven run")
    parser.add_argument("tests", nargs="*", default=CLASSES,
                        help="surefire -Dtest patterns (default: CLASSES, the docker test classes)")
    args = parser.parse_args(argv)
    sdk, out = args.sdk.resolve(), args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    prepare(sdk, args.proto.resolve() if args.proto else None)
    reports = sdk / "sdk-core/target/surefire-reports"
    shutil.rmtree(reports, ignore_errors=True)
    server = start_server(out, PORT, log_level="INFO")  # the refused calls, with their reasons
    try:
        with open(out / "mvn.log", "wb") as sink:
            # -am builds the parent POM too; gpg, javadoc and jacoco are the release build's, not the tests'
            subprocess.run(["mvn", "-B", "-pl", "sdk-core", "-am", "test", f"-Dtest={','.join(args.tests)}",
                            "-DfailIfNoTests=false", "-Dgpg.skip", "-Dmaven.javadoc.skip", "-Djacoco.skip=true"],
                           cwd=sdk, env={**os.environ, RUNNING: "1"}, stdout=sink, stderr=subprocess.STDOUT,
                           timeout=args.timeout)
    except subprocess.TimeoutExpired:
        print(f"Maven did not finish within {args.timeout} s", file=sys.stderr)
    finally:
        server.terminate()
        server.wait(60)
    if not any(reports.glob("TEST-*.xml")):
        raise SystemExit(f"surefire wrote no reports; see {out / 'mvn.log'}")
    shutil.copytree(reports, out / "surefire-reports", dirs_exist_ok=True)
    print(report(reports, out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
