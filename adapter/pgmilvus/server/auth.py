"""Who a call runs as: the ``authorization`` header, checked by PostgreSQL itself.

pymilvus and the Node SDK send ``authorization: base64(user:password)`` (a
``token`` of the form ``user:password`` travels the same way).  With a
``postgresql://`` URI the call runs on a connection opened as that role, so
PostgreSQL checks the password and its privileges (pgmilvus's RBAC) apply to
the caller.  An embedded server trusts local connections: there, as on a Milvus
server without authorization, credentials are ignored, unless ``--require-auth``
is given: then the backend checks each caller's password against PostgreSQL's
stored verifier before connecting as its role (backend.py), and Milvus's
``root`` user (password ``Milvus``) is created.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Optional


class Unauthenticated(Exception):
    """The call answers gRPC UNAUTHENTICATED, as Milvus's authentication interceptor does."""


#: Milvus's messages (milvus-io/milvus internal/proxy/authentication_interceptor.go).
MISSING = "missing authorization in header"
FAILED = "auth check failure, please check username and password are correct"


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str


def credentials(header: Optional[str]) -> Optional[Credentials]:
    """The caller's credentials from the ``authorization`` header (None when absent)."""
    if not header:
        return None
    try:
        raw = base64.b64decode(header, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Unauthenticated("invalid token format") from None
    if ":" not in raw:
        raise Unauthenticated("auth check failure: API keys are not supported by pgmilvus serve, send "
                              "user:password")
    user, password = raw.split(":", 1)
    return Credentials(user, password)
