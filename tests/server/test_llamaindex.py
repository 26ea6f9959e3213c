"""LlamaIndex's Milvus vector store (llama-index-vector-stores-milvus, which imports pymilvus) over
``pgmilvus serve``: add nodes with stub embeddings, search with metadata filters, get, delete by
document and by node, full-text and hybrid search through Milvus's BM25 function, the async path.

The store pins pymilvus 2.6, so it runs in tests/server/test_pymilvus_2_6.py's venv (this file is
one of its files); the main run, on pymilvus 3, skips it."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("llama_index.vector_stores.milvus")

from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode  # noqa: E402
from llama_index.core.vector_stores.types import (FilterOperator, MetadataFilter, MetadataFilters,  # noqa: E402
                                                  VectorStoreQuery, VectorStoreQueryMode)
from llama_index.vector_stores.milvus import MilvusVectorStore  # noqa: E402
from llama_index.vector_stores.milvus.utils import BM25BuiltInFunction  # noqa: E402

TEXTS = ["apples are red", "bananas are yellow", "cherries are red", "grapes are green", "lemons are yellow"]
COLORS = ["red", "yellow", "red", "green", "yellow"]
QUERY = [4.0, 1.0, 0.5, 0.0]


def _node(i: int) -> TextNode:
    """Node i of document ``doc{i % 2}``: its embedding's first value is i, so a query's inner
    products rank the nodes by number."""
    node = TextNode(text=TEXTS[i], id_=f"n{i}", embedding=[float(i), 1.0, 0.5, 0.0],
                    metadata={"color": COLORS[i], "n": i})
    node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=f"doc{i % 2}")
    return node


@pytest.fixture
def store(serve_address, wire_client) -> MilvusVectorStore:
    store = MilvusVectorStore(uri=f"http://{serve_address}", dim=4, overwrite=True, collection_name="li_nodes")
    assert store.add([_node(i) for i in range(5)]) == [f"n{i}" for i in range(5)]
    return store


def test_search_with_metadata_filters(store, local_client) -> None:
    found = store.query(VectorStoreQuery(query_embedding=QUERY, similarity_top_k=3))
    assert found.ids == ["n4", "n3", "n2"]
    assert found.similarities == pytest.approx([17.25, 13.25, 9.25])  # inner products (the store's IP)
    both = MetadataFilters(filters=[MetadataFilter(key="color", value="red"),
                                    MetadataFilter(key="n", value=0, operator=FilterOperator.GT)])
    assert store.query(VectorStoreQuery(query_embedding=QUERY, similarity_top_k=3, filters=both)).ids == ["n2"]
    listed = MetadataFilters(filters=[MetadataFilter(key="color", value=["green", "yellow"],
                                                     operator=FilterOperator.IN)])
    assert store.query(VectorStoreQuery(query_embedding=QUERY, similarity_top_k=5, filters=listed)).ids == \
        ["n4", "n3", "n1"]
    assert local_client.query("li_nodes", output_fields=["count(*)"])[0]["count(*)"] == 5


def test_get_and_delete_by_document_and_by_node(store, local_client) -> None:
    assert sorted(n.node_id for n in store.get_nodes(node_ids=["n0", "n2"])) == ["n0", "n2"]
    store.delete("doc1")  # the nodes whose source document is doc1: n1 and n3
    assert store.query(VectorStoreQuery(query_embedding=QUERY, similarity_top_k=5)).ids == ["n4", "n2", "n0"]
    store.delete_nodes(node_ids=["n0"])
    red = MetadataFilters(filters=[MetadataFilter(key="color", value="red")])
    assert [n.node_id for n in store.get_nodes(filters=red)] == ["n2"]
    assert local_client.query("li_nodes", output_fields=["count(*)"])[0]["count(*)"] == 2
    store.clear()
    assert not local_client.has_collection("li_nodes")


def test_async_search(store) -> None:
    found = asyncio.run(store.aquery(VectorStoreQuery(query_embedding=QUERY, similarity_top_k=2)))
    assert found.ids == ["n4", "n3"]


def test_full_text_and_hybrid_search_with_bm25(serve_address, wire_client) -> None:
    """The store's BM25BuiltInFunction: a BM25 function in the collection's schema; full-text search
    alone, then hybrid with the dense embeddings (RRF)."""
    store = MilvusVectorStore(uri=f"http://{serve_address}", dim=4, overwrite=True, collection_name="li_hybrid",
                              enable_sparse=True, sparse_embedding_function=BM25BuiltInFunction(),
                              hybrid_ranker="RRFRanker", hybrid_ranker_params={"k": 60})
    store.add([_node(i) for i in range(5)])
    sparse = store.query(VectorStoreQuery(query_str="yellow lemons", similarity_top_k=2,
                                          mode=VectorStoreQueryMode.SPARSE))
    assert sparse.ids == ["n4", "n1"]
    hybrid = store.query(VectorStoreQuery(query_embedding=[1.0, 0.0, 0.0, 0.0], query_str="yellow lemons",
                                          similarity_top_k=2, mode=VectorStoreQueryMode.HYBRID))
    assert hybrid.ids[0] == "n4"  # first by text and first by its embedding (n4, n3, ...)
