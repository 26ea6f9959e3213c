"""Turn pymilvus's connection arguments into a PostgreSQL DSN (or an embedded server path).

pymilvus code passes ``uri="http://localhost:19530"`` or ``"./milvus_demo.db"``;
the first means "a Milvus server" and the second "Milvus Lite in this file".
We map ``*.db`` paths (and no uri) to a private embedded Postgres in that
folder, ``postgresql://`` URIs to that server, and Milvus server URIs to
``$PGMILVUS_URI`` when set, else to the embedded default, so the seed code
runs unchanged.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Optional
from urllib.parse import unquote

from ..errors import ConnectionConfigException

_log = logging.getLogger("pgmilvus")
DEFAULT_EMBEDDED_PATH = "./milvus_demo.db"
ENV_URI = "PGMILVUS_URI"
_MILVUS_SCHEMES = ("http://", "https://", "tcp://", "grpc://", "grpcs://", "unix:")
_PG_SCHEMES = ("postgresql://", "postgres://")


@dataclass(frozen=True)
class Target:
    """Where to connect: an embedded data folder, or a server DSN."""

    embedded_path: Optional[str] = None
    dsn: Optional[str] = None


def _credentials(user: str, password: str, token: str) -> tuple[str, str]:
    """pymilvus builds ``token = "user:password"``; split it back for Postgres."""
    if not user and token:
        if ":" in token:
            user, password = token.split(":", 1)
        else:
            password = token
    return user or "", password or ""


def resolve(uri: Optional[str], user: str = "", password: str = "", token: str = "") -> Target:
    if uri is not None and not isinstance(uri, str):
        raise ConnectionConfigException(message=f"uri must be a str, got {type(uri).__name__}")
    uri = (uri or "").strip()
    if not uri:
        uri = os.environ.get(ENV_URI) or DEFAULT_EMBEDDED_PATH
    if uri.startswith(_MILVUS_SCHEMES):
        configured = os.environ.get(ENV_URI)
        if configured and not configured.startswith(_MILVUS_SCHEMES):
            return resolve(configured, user, password, token)
        _log.info("uri %s names a Milvus server; pgmilvus uses the embedded PostgreSQL at %s "
                  "(set %s to a postgresql:// URI to use a server)", uri, DEFAULT_EMBEDDED_PATH, ENV_URI)
        return Target(embedded_path=DEFAULT_EMBEDDED_PATH)
    if uri.startswith(_PG_SCHEMES):
        return Target(dsn=_with_credentials(uri, *_credentials(user, password, token)))
    if uri.endswith(".db") or os.path.isdir(uri):
        return Target(embedded_path=uri)
    raise ConnectionConfigException(
        message=f"uri: {uri} is illegal, needs start with [postgresql, http, https, tcp, unix] "
                "or a local folder ending with [.db]")


def _with_credentials(dsn: str, user: str, password: str) -> str:
    if not user and not password:
        return dsn
    from ..pg.connection import dsn_with

    return dsn_with(dsn, user=unquote(user) or None, password=password or None)
