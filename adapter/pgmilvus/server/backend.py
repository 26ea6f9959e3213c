"""The pgmilvus clients the server's threads share: one MilvusClient per database, made on first use.

A MilvusClient is bound to one database (``use_database`` would change it for
every thread), so each database named by a call (``db_name`` field or
``dbname`` header) gets its own client; they are thread-safe (pooled
connections) and live until the server stops.
"""

from __future__ import annotations

import threading
from typing import Optional

from ..client import MilvusClient

DEFAULT_DB = "default"


class Backend:
    def __init__(self, uri: str, pool_size: int = 8, user: str = "", password: str = "", token: str = "") -> None:
        self._uri, self._pool_size = uri, pool_size
        self._auth = {"user": user, "password": password, "token": token}
        self._clients: dict[str, MilvusClient] = {}
        self._lock = threading.Lock()
        self.client(DEFAULT_DB)  # connect (and install the catalog) before serving

    def client(self, db_name: Optional[str] = None) -> MilvusClient:
        """The client of ``db_name`` (database not found: Milvus's 800 error, from the core)."""
        name = db_name or DEFAULT_DB
        client = self._clients.get(name)
        if client is not None:
            return client
        with self._lock:
            client = self._clients.get(name)
            if client is None:
                client = MilvusClient(self._uri, db_name=name, pool_size=self._pool_size, **self._auth)
                self._clients[name] = client
        return client

    def forget(self, db_name: str) -> None:
        """Close the client of a dropped database."""
        with self._lock:
            client = self._clients.pop(db_name, None)
        if client is not None:
            client.close()

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()
