"""The pgmilvus clients the server's threads share: one MilvusClient per database (and caller), made on first use.

A MilvusClient is bound to one database (``use_database`` would change it for
every thread), so each database named by a call (``db_name`` field or
``dbname`` header) gets its own client; with authentication (auth.py) each
caller gets its own too, connected as the caller's PostgreSQL role.  An embedded
server trusts its local connections, so there the backend checks the password
itself (``--require-auth`` only; without it credentials are ignored, as by a
Milvus server without authorization) and creates Milvus's ``root`` user.  Clients
are thread-safe (pooled connections) and live until the server stops.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from typing import Callable, Optional

from ..client.milvus_client import MilvusClient
from ..errors import MilvusException
from ..pg.connection import dsn_with
from .auth import FAILED, MISSING, Credentials, Unauthenticated

_log = logging.getLogger("pgmilvus.server")
DEFAULT_DB = "default"
_PG_SCHEMES = ("postgresql://", "postgres://")


class Backend:
    def __init__(self, uri: str, pool_size: int = 8, user: str = "", password: str = "",
                 require_auth: bool = False) -> None:
        self._uri, self._pool_size = uri, pool_size
        self._auth = {"user": user, "password": password}
        embedded = not uri.startswith(_PG_SCHEMES)
        self.checks_passwords = require_auth or not embedded
        self.require_auth = require_auth
        self._clients: dict[tuple[str, str, str], MilvusClient] = {}
        self._lock = threading.Lock()
        self._warned = False
        #: An embedded server's URI, when this backend checks its callers' passwords itself.
        self._trusting: Optional[str] = None
        # Connect as the server's own role (and install the catalog) before serving.
        self._clients[(DEFAULT_DB, "", "")] = self._connect(DEFAULT_DB, None)
        if embedded and require_auth:
            from ..client import uri as uri_mod
            from ..pg import embedded as embedded_server

            path = uri_mod.resolve(uri).embedded_path
            assert path is not None
            self._trusting = embedded_server.acquire(path)  # the server client's own, acquired above
            if self._clients[(DEFAULT_DB, "", "")].ensure_root_user():
                _log.info("created Milvus's root user (password Milvus): change it with update_password")

    def client(self, db_name: Optional[str] = None, caller: Optional[Credentials] = None) -> MilvusClient:
        """The client of ``db_name`` for ``caller`` (database not found: Milvus's 800 error, from the core)."""
        name = db_name or DEFAULT_DB
        if caller is None and self.require_auth:
            raise Unauthenticated(MISSING)
        if caller is not None and not self.checks_passwords:
            if not self._warned:
                _log.warning("a client sent credentials: ignored, as by a Milvus server without authorization "
                             "(--require-auth checks them)")
                self._warned = True
            caller = None
        key = (name, caller.user, hashlib.sha256(caller.password.encode()).hexdigest()) if caller else (name, "", "")
        client = self._clients.get(key)
        if client is not None:
            return client
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._connect(name, caller)
                self._clients[key] = client
        return client

    def server_client(self) -> MilvusClient:
        """The default database's client as the server's own role (health checks need no login)."""
        return self._clients[(DEFAULT_DB, "", "")]

    def _connect(self, db_name: str, caller: Optional[Credentials]) -> MilvusClient:
        if caller is None:
            return MilvusClient(self._uri, db_name=db_name, pool_size=self._pool_size, **self._auth)
        if self._trusting is not None:
            if not self.server_client().verify_password(caller.user, caller.password):
                _log.info("login of %r refused: wrong user or password", caller.user)
                raise Unauthenticated(FAILED)
            return MilvusClient(dsn_with(self._trusting, user=caller.user), db_name=db_name,
                                pool_size=self._pool_size)
        try:
            return MilvusClient(self._uri, db_name=db_name, pool_size=self._pool_size, user=caller.user,
                                password=caller.password)
        except MilvusException as exc:
            if exc.code == 2:  # PostgreSQL refused the login
                _log.info("login of %r refused: %s", caller.user, exc.message)
                raise Unauthenticated(FAILED) from None
            raise

    def forget(self, db_name: str) -> None:
        """Close the clients of a dropped database."""
        self._forget(lambda key: key[0] == db_name)

    def _forget(self, match: Callable[[tuple[str, str, str]], bool]) -> None:
        with self._lock:
            gone = [key for key in self._clients if match(key) and key != (DEFAULT_DB, "", "")]
            clients = [self._clients.pop(key) for key in gone]
        for client in clients:
            client.close()

    def forget_user(self, user: str) -> None:
        """Close the clients logged in as ``user`` (its password changed, or it was dropped)."""
        self._forget(lambda key: key[1] == user)

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()
