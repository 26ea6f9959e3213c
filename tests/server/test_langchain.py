"""LangChain's Milvus vector store (langchain-milvus, which imports pymilvus) over ``pgmilvus serve``:
add texts with stub embeddings, similarity search with a metadata filter, delete."""

from __future__ import annotations

import pytest

pytest.importorskip("langchain_milvus")

from langchain_core.documents import Document  # noqa: E402
from langchain_core.embeddings import Embeddings  # noqa: E402
from langchain_milvus import Milvus  # noqa: E402

TEXTS = ["apples are red", "bananas are yellow", "cherries are red", "grapes are green", "lemons are yellow"]
COLORS = ["red", "yellow", "red", "green", "yellow"]


class LetterEmbeddings(Embeddings):
    """Stub embeddings: letter counts of the text (8 dimensions), so near texts are near vectors."""

    def _embed(self, text: str) -> list[float]:
        return [float(text.count(c)) + 0.1 for c in "abceglnr"]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._embed(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._embed(text)


@pytest.fixture(params=[False, True], ids=["metadata-fields", "dynamic-field"])
def store(request, serve_address, wire_client) -> Milvus:
    store = Milvus(LetterEmbeddings(), collection_name="lc_docs", auto_id=False, drop_old=True,
                   enable_dynamic_field=request.param, connection_args={"uri": f"http://{serve_address}"},
                   index_params={"index_type": "HNSW", "metric_type": "L2", "params": {"M": 8}})
    docs = [Document(page_content=t, metadata={"color": c, "n": i}) for i, (t, c) in enumerate(zip(TEXTS, COLORS))]
    ids = store.add_documents(docs, ids=[f"doc{i}" for i in range(len(docs))])
    assert ids == [f"doc{i}" for i in range(len(docs))]
    return store


def test_similarity_search_with_a_metadata_filter(store, local_client) -> None:
    found = store.similarity_search("red cherries", k=2, expr='color == "red"')
    assert sorted(d.page_content for d in found) == ["apples are red", "cherries are red"]
    assert {d.metadata["color"] for d in found} == {"red"}
    scored = store.similarity_search_with_score("lemons are yellow", k=1)
    assert scored[0][0].page_content == "lemons are yellow" and scored[0][1] == pytest.approx(0.0, abs=1e-5)
    assert local_client.query("lc_docs", output_fields=["count(*)"])[0]["count(*)"] == 5


def test_delete_by_id_and_by_filter(store, local_client) -> None:
    assert store.delete(ids=["doc0"])
    assert store.delete(expr='color == "yellow"')
    left = store.similarity_search("anything", k=10)
    assert sorted(d.metadata["n"] for d in left) == [2, 3]
    assert local_client.query("lc_docs", output_fields=["count(*)"])[0]["count(*)"] == 2


def test_full_text_and_hybrid_search_with_bm25(serve_address, wire_client) -> None:
    """langchain-milvus's BM25BuiltInFunction: a BM25 function in the collection's schema; full-text
    search alone, then hybrid with the dense embeddings (RRF)."""
    from langchain_milvus import BM25BuiltInFunction

    docs = [Document(page_content=t, metadata={"color": c}) for t, c in zip(TEXTS, COLORS)]
    text_only = Milvus(embedding_function=None, builtin_function=BM25BuiltInFunction(), vector_field="sparse",
                       collection_name="lc_bm25", drop_old=True, auto_id=True,
                       connection_args={"uri": f"http://{serve_address}"})
    text_only.add_documents(docs)
    found = text_only.similarity_search("yellow lemons", k=2)
    assert [d.page_content for d in found] == ["lemons are yellow", "bananas are yellow"]
    hybrid = Milvus(embedding_function=LetterEmbeddings(), builtin_function=BM25BuiltInFunction(),
                    vector_field=["dense", "sparse"], collection_name="lc_hybrid", drop_old=True, auto_id=True,
                    connection_args={"uri": f"http://{serve_address}"})
    hybrid.add_documents(docs)
    found = hybrid.similarity_search("cherries are red", k=2, ranker_type="rrf", ranker_params={"k": 60})
    assert found[0].page_content == "cherries are red"
    found = hybrid.similarity_search("red", k=3, ranker_type="weighted", ranker_params={"weights": [0.0, 1.0]},
                                     expr='color == "red"')
    assert sorted(d.page_content for d in found) == ["apples are red", "cherries are red"]
