"""The articles' embeddings: a pgmilvus collection in Django's own database.

Writes go through ``client.bind()`` on Django's connection, so they belong to
the ``transaction.atomic()`` block around them: the model row and its vector
commit or roll back together.
"""

from __future__ import annotations

import functools
import hashlib

from django.conf import settings
from django.db import connection, transaction

from pgmilvus import DataType, MilvusClient

COLLECTION = "article_embeddings"
DIM = 8


@functools.cache
def client() -> MilvusClient:
    return MilvusClient(settings.DSN)


def embed(text: str) -> list[float]:
    """A stand-in for a real embedding model: the same text always gives the same vector."""
    digest = hashlib.sha256(text.lower().encode()).digest()
    return [b / 255 for b in digest[:DIM]]


def on_django():
    """Bind pgmilvus to Django's current connection (and its transaction)."""
    connection.ensure_connection()
    return client().bind(connection.connection)


def create_collection() -> None:
    schema = client().create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=DIM)
    index = client().prepare_index_params()
    index.add_index("vector", index_type="HNSW", metric_type="COSINE")
    with on_django():
        client().create_collection(COLLECTION, schema=schema, index_params=index)


def drop_collection() -> None:
    with on_django():
        client().drop_collection(COLLECTION)


def save_article(title: str, body: str = "") -> "Article":
    """The model row and its vector, in one transaction."""
    from .models import Article

    with transaction.atomic():
        article = Article.objects.create(title=title, body=body)
        with on_django():
            client().insert(COLLECTION, [{"id": article.pk, "vector": embed(f"{title} {body}".strip())}])
    return article


def search(text: str, limit: int = 5) -> list:
    """Articles nearest to ``text``, in search order, as model instances."""
    from .models import Article

    with on_django():
        hits = client().search(COLLECTION, [embed(text)], limit=limit)[0]
    by_id = Article.objects.in_bulk([h["id"] for h in hits])
    return [by_id[h["id"]] for h in hits if h["id"] in by_id]
