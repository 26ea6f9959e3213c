"""Timing two ways of doing the same work in turns, for the benchmarks' ratios.

This VM's speed drifts by several percent within a minute, and other work on
the machine disturbs single turns: timing one side after the other would put
both into the ratio.  So the sides run in turns on the same arguments (the
order swapped each turn), each side's calls back to back within a turn as an
application would make them, and a ratio is the median over turns of the two
sides' turn times.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence


@dataclass
class Side:
    """One side's measurements: per call, wall time and this thread's CPU time (the client's own
    work, without the server's or the wait); the wall time of each turn; what the first pass returned."""

    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    turns: list[float] = field(default_factory=list)
    found: list[Any] = field(default_factory=list)


def measure_sides(fns: dict[str, Callable[[Any], Any]], calls: Sequence[Any], rounds: int,
                  turn: int, collect: bool = True) -> dict[str, Side]:
    """Time the sides in turns of ``turn`` calls on the same arguments, the order swapped each turn.

    ``collect``: each call returns a list whose items are added to ``Side.found`` (first pass only).
    """
    out = {name: Side() for name in fns}
    for fn in fns.values():
        for args in calls[:3]:
            fn(args)  # warm-up: caches, prepared statements
    names = list(fns)
    number = 0
    for r in range(rounds):
        for start in range(0, len(calls), turn):
            chunk = calls[start:start + turn]
            for name in (names if number % 2 == 0 else names[::-1]):
                side, fn = out[name], fns[name]
                turn_started = time.perf_counter()
                for args in chunk:
                    c0, t0 = time.thread_time(), time.perf_counter()
                    got = fn(args)
                    side.times.append(time.perf_counter() - t0)
                    side.cpu.append(time.thread_time() - c0)
                    if r == 0 and collect:
                        side.found.extend(got)
                side.turns.append(time.perf_counter() - turn_started)
            number += 1
    return out


def cell(side: Side, width: int = 9) -> str:
    """``calls/s  p50 ms  p99 ms`` of one side, for a bench's table row."""
    times = sorted(side.times)
    p99 = times[min(len(times) - 1, int(round(0.99 * (len(times) - 1))))]
    qps = len(times) / sum(times)
    return f"{qps:{width}.1f} {statistics.median(times) * 1000:7.2f} {p99 * 1000:7.2f}"


def turn_ratio(base: Side, side: Side) -> float:
    """Median over turns of (base time / time): each turn times both sides on the same arguments,
    next to each other, so a turn disturbed by something else on the machine does not skew it."""
    return statistics.median(b / t for b, t in zip(base.turns, side.turns))


_ALL_CPUS = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []


#: The header of a two-sides table (bench/minhash.py, bench/struct_search.py): SQL, then pgmilvus.
SIDES_HEADER = (f"{'search':<34} {'sql /s':>9} {'p50':>7} {'p99':>7} {'pgm /s':>9} {'p50':>7} {'p99':>7} "
                f"{'ratio':>6}")


def sides_line(name: str, sql_side: Side, pgmilvus: Side) -> str:
    """One row of a SIDES_HEADER table."""
    return f"{name:<34} {cell(sql_side)} {cell(pgmilvus)} {turn_ratio(sql_side, pgmilvus):6.2f}"


def pin_server_apart(servers: Iterable[int] = (), names: Sequence[str] = ("postgres", "milvus")) -> str:
    """Run this process on CPU 0 and every server process (PostgreSQL's and Milvus's, by name,
    plus the ``servers`` pids: a ``pgmilvus serve``) on the others.

    On a small VM the scheduler places each side's server backend near or far from
    the client anew in every run, and that alone moved the ratios by 5-10% from run
    to run.  Pinned, both sides' backends share the same CPUs, away from the client
    (new backends inherit the postmaster's CPUs).  Linux only; what was done, as a
    line for the report.
    """
    cpus = _ALL_CPUS  # not this process's own: it may be pinned already (an earlier shape)
    if len(cpus) < 2 or not os.path.isdir("/proc"):
        return "not pinned (needs Linux and 2 CPUs)"
    client, rest = {cpus[0]}, set(cpus[1:])
    extra = {str(pid) for pid in servers}
    pinned = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if pid not in extra:
                with open(f"/proc/{pid}/comm") as f:
                    if f.read().strip() not in names:
                        continue
            for task in os.listdir(f"/proc/{pid}/task"):
                os.sched_setaffinity(int(task), rest)
            pinned += 1
        except (OSError, PermissionError):
            continue
    os.sched_setaffinity(0, client)
    return f"pinned: this process on CPU {cpus[0]}, {pinned} server processes on CPU {sorted(rest)}"


def shapes_main(description: str, name: str, default_shapes: Sequence[str], queries: int, header: str,
                run_shape: Callable[[Any, str, int, int, Any], list[str]], label: str = "ROWSxDIM") -> None:
    """The command line of a bench run per data shape: ``--shape`` (repeatable), ``--queries``,
    ``--rounds``, ``--dsn``; prints ``header`` and each shape's lines from ``run_shape(client, dsn,
    rows, second number, args)``."""
    import argparse

    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", action="append", metavar=label,
                        help=f"data shape, repeatable (default: {' and '.join(default_shapes)})")
    parser.add_argument("--queries", type=int, default=queries)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dsn", help="an existing PostgreSQL + pgvector (default: embedded under /tmp)")
    args = parser.parse_args()
    shapes = [tuple(int(n) for n in s.lower().split("x")) for s in (args.shape or default_shapes)]
    with bench_client(args.dsn, name) as (client, dsn, _folder):
        lines = [header, "-" * len(header)]
        for rows, second in shapes:
            lines += run_shape(client, dsn, rows, second, args)
        print("\n".join(lines))


@contextlib.contextmanager
def bench_client(dsn: Optional[str], name: str) -> Iterator[tuple[Any, str, str]]:
    """(client, DSN, scratch folder): on ``dsn``, else on an embedded server in a folder under /tmp
    (removed afterwards, as is the server's data)."""
    from pgmilvus import MilvusClient
    from pgmilvus.pg import embedded

    folder = tempfile.mkdtemp(prefix=f"pgmilvus-bench-{name}-", dir="/tmp")
    os.chmod(folder, 0o755)
    try:
        if dsn:
            client = MilvusClient(dsn)
        else:
            path = os.path.join(folder, "bench.db")
            client = MilvusClient(path)
            dsn = embedded.acquire(path)
        yield client, dsn, folder
        client.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
