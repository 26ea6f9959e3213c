"""DDL and DML racing on shared names from four pymilvus clients through ``pgmilvus serve`` get
answers or clean Milvus errors, and leave every collection usable and nothing behind once dropped
(race_fuzz.py; test_race_fuzz.py runs the same in process)."""

from __future__ import annotations

import pytest

pytest.importorskip("grpc")
pytest.importorskip("pymilvus")

from tests.fix_server import _wipe  # noqa: E402
from tests.race_fuzz import fuzz, leftover_tables  # noqa: E402


def test_racing_ddl_and_dml_over_the_wire_get_milvus_errors(serve_address: str, serve_dsn: str) -> None:
    try:
        findings = fuzz(f"http://{serve_address}", count=150, seed=7)
        findings.update(("after", f"{table} left behind") for table in leftover_tables(serve_dsn))
    finally:
        _wipe(serve_dsn)
    assert not findings, "\n".join(f"{n} x {key}" for key, n in findings.most_common())
