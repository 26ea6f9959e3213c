"""Milvus's RESTful API v2 on ``pgmilvus serve``'s port (server/mux.py routes HTTP/1.1 here).

The endpoints served, each with its request struct (binding.py) and handler;
every other path answers gin's ``404 page not found``, as Milvus does for a path
it does not know (docs/server.md lists what is not served yet).
"""

from __future__ import annotations

from typing import Any

from ..backend import Backend
from . import binding, collections, imports
from .face import RestFace, Route

PREFIX = "/v2/vectordb"

ROUTES: dict[str, Route] = {
    f"{PREFIX}/collections/list": Route(binding.DATABASE, collections.list_collections),
    f"{PREFIX}/collections/has": Route(binding.COLLECTION, collections.has_collection),
    f"{PREFIX}/collections/describe": Route(binding.COLLECTION, collections.describe_collection),
    f"{PREFIX}/jobs/import/create": Route(binding.IMPORT, imports.create),
    f"{PREFIX}/jobs/import/describe": Route(binding.JOB_ID, imports.describe),
    f"{PREFIX}/jobs/import/get_progress": Route(binding.JOB_ID, imports.describe),
    f"{PREFIX}/jobs/import/list": Route(binding.OPTIONAL_COLLECTION, imports.list_jobs),
}


def rest_face(backend: Backend, import_source: Any = None) -> RestFace:
    return RestFace(backend, ROUTES, import_source)
