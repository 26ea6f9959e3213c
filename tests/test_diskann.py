"""DISKANN on a database with pgvectorscale: the SQL pgmilvus sends for that path.

pgvectorscale is not installable on this machine, so the test gives the
database what pgmilvus relies on from it, built from pgvector's own parts:
an index access method named ``diskann`` (pgvector's HNSW handler behind
it) with pgvectorscale's operator class names (``vector_l2_ops``,
``vector_ip_ops``, ``vector_cosine_ops``), and pgmilvus is told the extension
is there.  What this proves: the CREATE INDEX pgmilvus writes for DISKANN,
the settings it applies at search time (``diskann.query_search_list_size``)
and the search statement are accepted by a real server and return the exact
neighbours; it does not prove anything about pgvectorscale's own recall.
"""

from __future__ import annotations

import numpy as np
import psycopg
import pytest

from pgmilvus import DataType, MilvusClient
from pgmilvus.catalog import index_ops

from .test_search import exact_ids

DISKANN_LIKE = """
CREATE ACCESS METHOD diskann TYPE INDEX HANDLER hnswhandler;
CREATE OPERATOR CLASS vector_l2_ops FOR TYPE vector USING diskann AS
    OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
    FUNCTION 1 vector_l2_squared_distance(vector, vector);
CREATE OPERATOR CLASS vector_ip_ops FOR TYPE vector USING diskann AS
    OPERATOR 1 <#> (vector, vector) FOR ORDER BY float_ops,
    FUNCTION 1 vector_negative_inner_product(vector, vector);
CREATE OPERATOR CLASS vector_cosine_ops FOR TYPE vector USING diskann AS
    OPERATOR 1 <=> (vector, vector) FOR ORDER BY float_ops,
    FUNCTION 1 vector_negative_inner_product(vector, vector),
    FUNCTION 2 vector_norm(vector);
"""


@pytest.mark.parametrize("metric", ["L2", "IP", "COSINE"])
def test_diskann_path_with_vectorscale(fresh_db: str, monkeypatch: pytest.MonkeyPatch, metric: str) -> None:
    client = MilvusClient(fresh_db)  # creates the vector extension
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(DISKANN_LIKE)
    monkeypatch.setattr(index_ops, "has_vectorscale", lambda conn: True)
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=8)
    schema.add_field("g", DataType.INT64)
    client.create_collection("d", schema=schema)
    vectors = np.random.default_rng(7).standard_normal((300, 8)).astype(np.float32)
    client.insert("d", [{"id": i, "v": vectors[i], "g": i % 3} for i in range(300)])
    index = client.prepare_index_params()
    index.add_index("v", index_type="DISKANN", metric_type=metric)
    client.create_index("d", index)
    client.flush("d")  # the rows' segment sealed and indexed: the index lives on its leaf (segments.py)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        indexdef = conn.execute("SELECT indexdef FROM pg_indexes WHERE tablename LIKE 'd$%' AND indexdef LIKE "
                                "'%USING diskann%'").fetchone()
    assert indexdef is not None and f"vector_{metric.lower()}_ops" in indexdef[0], indexdef
    queries = vectors[:4] + 0.01
    res = client.search("d", queries.tolist(), limit=5, search_params={"params": {"search_list": 200}})
    for q, hits in zip(queries, res):
        assert hits.ids == exact_ids(vectors, q, metric, 5)
    filtered = client.search("d", queries[:1].tolist(), limit=5, filter="g == 1")
    assert filtered[0].ids == exact_ids(vectors, queries[0], metric, 5, [i % 3 == 1 for i in range(300)])
    assert client.describe_index("d", "v")["index_type"] == "DISKANN"
    client.close()
