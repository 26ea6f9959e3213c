"""Run Python code in a child process that imports this checkout's pgmilvus (tests only)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ADAPTER = str(Path(__file__).resolve().parents[1] / "adapter")


def run_python(code: str, *, wait: bool = True,
               timeout: float = 180) -> subprocess.Popen | subprocess.CompletedProcess:
    """``wait``: run to the end (bounded by ``timeout``); else return the running Popen (pipes open)."""
    env = {**os.environ, "PYTHONPATH": ADAPTER + os.pathsep + os.environ.get("PYTHONPATH", "")}
    args = [sys.executable, "-c", textwrap.dedent(code)]
    if wait:
        return subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
