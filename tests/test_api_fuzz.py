"""Odd arguments to every public method get answers or MilvusExceptions (api_fuzz.py)."""

from __future__ import annotations

from pgmilvus import MilvusClient

from tests.api_fuzz import fuzz


def test_random_calls_with_odd_arguments_get_milvus_errors(fresh_db: str) -> None:
    with MilvusClient(fresh_db) as client:
        findings = fuzz(client, count=1500, seed=7)
    assert not findings, "\n".join(f"{n} x {key}" for key, n in findings.most_common())
