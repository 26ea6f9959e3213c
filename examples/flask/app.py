"""Flask + SQLAlchemy with pgmilvus: an Article model and its embeddings collection in one database.

    PGMILVUS_FLASK_DSN=postgresql://user@host/db flask --app app run

* ``POST /articles {"title": ...}``: the model row and its vector in one session, one transaction
  (pgmilvus bound to the session's connection); a failure rolls both back.
* ``GET /search?q=...``: one SQL statement, a JOIN of the collection (reflected as a SQLAlchemy
  Table, pgvector's types) with the app's table, ordered by distance.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from flask import Flask, abort, jsonify, request
from pgvector.sqlalchemy import VECTOR  # noqa: F401  (registers the vector type for reflection)
from sqlalchemy import BigInteger, MetaData, String, Table, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from pgmilvus import DataType, MilvusClient

COLLECTION = "article_embeddings"
DIM = 8


class Base(DeclarativeBase):
    pass


class Article(Base):
    __tablename__ = "article"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))


def embed(text: str) -> list[float]:
    """A stand-in for a real embedding model: the same text always gives the same vector."""
    digest = hashlib.sha256(text.strip().lower().encode()).digest()
    return [b / 255 for b in digest[:DIM]]


def sqlalchemy_url(dsn: str) -> str:
    """The same database for SQLAlchemy's psycopg 3 dialect."""
    return dsn.replace("postgresql://", "postgresql+psycopg://", 1)


def setup(engine: Any, client: MilvusClient) -> Table:
    """The app's table, the collection (created once), and the collection reflected as a Table:
    a Milvus database is a Postgres schema (``default``), a collection a table in it."""
    Base.metadata.create_all(engine)
    if not client.has_collection(COLLECTION):
        schema = client.create_schema(auto_id=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=DIM)
        index = client.prepare_index_params()
        index.add_index("vector", index_type="HNSW", metric_type="COSINE")
        client.create_collection(COLLECTION, schema=schema, index_params=index)
    return Table(COLLECTION, MetaData(), schema="default", autoload_with=engine)


def create_app(dsn: str | None = None) -> Flask:
    dsn = dsn or os.environ["PGMILVUS_FLASK_DSN"]
    engine = create_engine(sqlalchemy_url(dsn))
    client = MilvusClient(dsn)
    embeddings = setup(engine, client)
    app = Flask(__name__)

    @app.post("/articles")
    def add_article():
        body = request.get_json()
        with Session(engine) as session, session.begin():  # one transaction for both writes
            article = Article(title=body["title"])
            session.add(article)
            session.flush()  # the id, before the vector is written
            raw = session.connection().connection.driver_connection
            with client.bind(raw):
                client.insert(COLLECTION, [{"id": article.id, "vector": embed(article.title)}])
            if body.get("fail"):
                abort(500, "failing on purpose: the article and its vector roll back")
            return jsonify({"id": article.id, "title": article.title}), 201

    @app.get("/search")
    def search():
        distance = embeddings.c.vector.cosine_distance(embed(request.args.get("q", "")))
        statement = (select(Article.id, Article.title, distance.label("distance"))
                     .join(embeddings, embeddings.c.id == Article.id)
                     .order_by(distance).limit(int(request.args.get("limit", 5))))
        with Session(engine) as session:
            rows = session.execute(statement).all()
        return jsonify({"articles": [{"id": r.id, "title": r.title, "distance": r.distance} for r in rows]})

    app.extensions["pgmilvus"] = client
    return app
