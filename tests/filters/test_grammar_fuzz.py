"""Grammar-shaped filters never reach the user as a raw error (grammar_fuzz.py)."""

from __future__ import annotations

from pgmilvus import MilvusClient

from tests.filters.grammar_fuzz import collection, fuzz


def test_grammar_shaped_filters_get_rows_or_milvus_errors(fresh_db: str) -> None:
    with MilvusClient(fresh_db) as client:
        findings = fuzz(client, collection(client), count=1500, seed=7)
    assert not findings, "\n".join(f"{n} x {key}" for key, n in findings.most_common())
