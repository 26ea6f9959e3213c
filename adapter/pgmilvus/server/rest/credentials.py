"""Who a REST call runs as: Milvus's ``Authorization`` header of the RESTful API.

Milvus (internal/distributed/proxy/service.go ``authenticate``, httpserver/utils.go
``ParseUsernamePassword``) takes HTTP Basic credentials, else ``Bearer
user:password`` as plain text (not base64, unlike gRPC's metadata); a token
without ``:`` is an API key, which pgmilvus does not serve.  What the
credentials then mean (checked, or ignored by a server without
``--require-auth``) is the backend's business, the same as for gRPC (auth.py).
"""

from __future__ import annotations

import base64
import binascii
from typing import Optional

from ..auth import Credentials


def caller_of(header: Optional[str]) -> Optional[Credentials]:
    """The caller named by an ``Authorization`` header; None when it names nobody usable."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            token = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
    else:
        token = header[len("Bearer "):] if header.startswith("Bearer ") else header
    user, sep, password = token.partition(":")
    return Credentials(user, password) if sep and user and password else None
