"""Migration endpoints: an explicit URI scheme names which client opens it, so nothing is ambiguous."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Endpoint:
    kind: str  # "milvus" (pymilvus) or "pgmilvus"
    uri: str   # what the client is opened with

    def open(self, db_name: str = "") -> Any:
        """The client for this endpoint (of ``db_name``, else the default database): pymilvus's for
        Milvus/Milvus Lite, pgmilvus's for pgmilvus."""
        if self.kind == "milvus":
            from pymilvus import MilvusClient
        else:
            from pgmilvus import MilvusClient
        return MilvusClient(self.uri, db_name=db_name) if db_name else MilvusClient(self.uri)


def parse(uri: str) -> Endpoint:
    """``milvus://h:p``, ``milvus-lite:///x.db``, ``postgresql://...``, ``pgmilvus:///x.db``."""
    if uri.startswith("milvus-lite://"):
        return Endpoint("milvus", uri[len("milvus-lite://"):])
    if uri.startswith("milvus://"):
        return Endpoint("milvus", "http://" + uri[len("milvus://"):])
    if uri.startswith(("postgresql://", "postgres://")):
        return Endpoint("pgmilvus", uri)
    if uri.startswith("pgmilvus://"):
        return Endpoint("pgmilvus", uri[len("pgmilvus://"):])
    raise ValueError(f"unknown endpoint {uri!r}: use milvus://host:port, milvus-lite:///path.db, "
                     "postgresql://... or pgmilvus:///path.db")
