"""DDL and DML racing on shared names from four clients get answers or clean MilvusExceptions,
and leave every collection usable and nothing behind once dropped (race_fuzz.py)."""

from __future__ import annotations

from tests.race_fuzz import fuzz


def test_racing_ddl_and_dml_get_milvus_errors_and_leave_nothing_half_done(fresh_db: str) -> None:
    findings = fuzz(fresh_db, count=150, seed=7)
    assert not findings, "\n".join(f"{n} x {key}" for key, n in findings.most_common())
