"""Run Milvus's Go SDK e2e suite (tests/go_client) against ``pgmilvus serve``.

The suite's ``testcases`` package talks gRPC to the server its ``-addr`` flag names through Milvus's
Go SDK (``client/milvusclient``); this points it at a ``pgmilvus serve`` on a private embedded
PostgreSQL, so the Go SDK is tested unchanged.  Usage (the checkout is not part of this repo)::

    python tools/run_go_client_tests.py --go-client $MILVUS/tests/go_client --out /tmp/go-e2e
    python tools/run_go_client_tests.py --go-client ... --out ... --run 'TestUpsert|TestInsert'

``--go-client`` is a Milvus checkout's ``tests/go_client`` (its go.mod replaces the SDK with the
sibling ``client/`` and ``pkg/``, so those must be there too).  The test binary is built once with
``go test -c`` (``<out>/testcases.test``; ``--rebuild`` builds it again) and runs through
``go tool test2json``.  A test that panics ends the whole binary: the run then starts again,
skipping (``-test.skip``) every test that already finished and the one that crashed (counted as
failed, ``panic`` its first error line).  Results: ``<out>/go.json`` (test2json events),
``<out>/server.log``, a line per ``*_test.go`` file in ``<out>/summary.md`` (passed / failed /
skipped top-level tests) and each failure's first error line in ``<out>/failures.txt``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_milvus_e2e import start_server  # noqa: E402

_FUNC = re.compile(r"^func (Test\w+)\(", re.M)
#: A testify assertion's message line, and a panic's.
_ERROR = re.compile(r"^\s*(Error:|panic:)\s*(.*)")


def test_files(testcases: Path) -> dict[str, str]:
    """Each top-level test's ``*_test.go`` file (the grep of ``^func Test`` the summary groups by)."""
    files = {}
    for path in sorted(testcases.glob("*_test.go")):
        for name in _FUNC.findall(path.read_text(errors="replace")):
            files[name] = path.name
    return files


def build(go_client: Path, binary: Path) -> None:
    """``go test -c`` the testcases package into ``binary``."""
    subprocess.run(["go", "test", "-c", "-o", str(binary), "./testcases"], cwd=go_client, check=True)


class Results:
    """Top-level tests' outcomes and output, fed test2json events."""

    def __init__(self) -> None:
        self.outcome: dict[str, str] = {}
        self.output: dict[str, list[str]] = defaultdict(list)
        self.started: list[str] = []

    def feed(self, event: dict) -> None:
        """One test2json event; subtests' output counts towards their top-level test."""
        test = event.get("Test")
        if not test:
            return
        top = test.split("/")[0]
        action = event.get("Action")
        if action == "run" and top == test:
            self.started.append(top)
        elif action == "output":
            self.output[top].append(event.get("Output", ""))
        elif action in ("pass", "fail", "skip") and top == test:
            self.outcome[top] = action

    def unfinished(self) -> list[str]:
        """Tests that started and never ended (the binary died under them)."""
        return [t for t in self.started if t not in self.outcome]

    def first_error(self, test: str) -> str:
        """The first ``Error:`` / ``panic:`` line of ``test``'s output (else its last output line)."""
        lines = "".join(self.output.get(test, [])).splitlines()
        for index, line in enumerate(lines):
            match = _ERROR.match(line)
            if match:
                text = match.group(2).strip()
                if not text and index + 1 < len(lines):  # testify puts long messages on the next line
                    text = lines[index + 1].strip()
                return f"{match.group(1)} {text}"[:400]
        tail = [x.strip() for x in lines if x.strip() and not x.strip().startswith(("---", "==="))]
        return tail[-1][:400] if tail else "(no output)"


def run_binary(binary: Path, testcases: Path, addr: str, run: str, skip: list[str], events: Path,
               timeout: int, results: Results) -> int:
    """One run of the binary under ``go tool test2json``; returns its exit code."""
    args = ["go", "tool", "test2json", "-t", "-p", "testcases", str(binary), "-test.v=test2json",
            "-test.count", "1", "-test.timeout", f"{timeout}s", "-addr", addr]
    if run:
        args += ["-test.run", run]
    if skip:
        args += ["-test.skip", "^(" + "|".join(map(re.escape, skip)) + ")$"]
    env = {**os.environ, "GO_CLIENT_SKIP_EXTERNAL_TABLE_DEPS_INSTALL": "1"}
    with open(events, "a") as sink, subprocess.Popen(args, cwd=testcases, env=env, stdout=subprocess.PIPE,
                                                      stderr=subprocess.STDOUT, text=True) as proc:
        for line in proc.stdout:
            sink.write(line)
            try:
                results.feed(json.loads(line))
            except json.JSONDecodeError:
                pass
        return proc.wait()


def report(results: Results, files: dict[str, str], out: Path) -> list[str]:
    """The summary lines (one per test file, then the total) and ``failures.txt``."""
    per_file: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    failures = []
    for test, action in sorted(results.outcome.items(), key=lambda kv: (files.get(kv[0], "?"), kv[0])):
        name = files.get(test, "?")
        per_file[name][("pass", "fail", "skip").index(action)] += 1
        if action == "fail":
            failures.append(f"{name} :: {test}\n    {results.first_error(test)}")
    total = [sum(c[i] for c in per_file.values()) for i in range(3)]
    lines = [f"| {name} | {c[0]} | {c[1]} | {c[2]} |" for name, c in sorted(per_file.items())]
    lines.append(f"| total | {total[0]} | {total[1]} | {total[2]} |")
    (out / "failures.txt").write_text("\n".join(failures) + "\n")
    return lines


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--go-client", type=Path, required=True, help="a Milvus checkout's tests/go_client")
    parser.add_argument("--out", type=Path, default=Path("/tmp/pgmilvus-go-client"), help="scratch folder")
    parser.add_argument("--port", type=int, default=19530, help="the port pgmilvus serve listens on")
    parser.add_argument("--run", default="", help="-test.run's regular expression (default: every test)")
    parser.add_argument("--rebuild", action="store_true", help="build the test binary even if it exists")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds for each run of the binary")
    parser.add_argument("--restarts", type=int, default=20, help="how often to go on after a crash")
    args = parser.parse_args(argv)
    go_client, out = args.go_client.resolve(), args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    binary = out / "testcases.test"
    if args.rebuild or not binary.exists():
        build(go_client, binary)
    files = test_files(go_client / "testcases")
    events = out / "go.json"
    events.write_text("")
    results = Results()
    server = start_server(out, args.port, rest=True)
    try:
        wanted = {t for t in files if re.search(args.run.split("/")[0], t)}
        for _ in range(args.restarts + 1):
            before = len(results.outcome)
            code = run_binary(binary, go_client / "testcases", f"http://127.0.0.1:{args.port}", args.run,
                              sorted(results.outcome), events, args.timeout, results)
            for test in results.unfinished():  # the binary died under these: count them failed, go on
                results.outcome[test] = "fail"
                results.output[test].append("panic: the test binary ended during this test (see go.json)\n")
            if code == 0 or not wanted - set(results.outcome) or len(results.outcome) == before:
                break
    finally:
        server.terminate()
        server.wait(60)
    lines = ["| file | passed | failed | skipped |", "|---|---|---|---|", *report(results, files, out)]
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
