"""Milvus's RESTful API v2 on ``pgmilvus serve``'s port (server/mux.py routes HTTP/1.1 here).

The endpoints served, each with its request struct (binding.py) and handler;
every other path answers gin's ``404 page not found``, as Milvus does for a path
it does not know (docs/server.md lists what is not served yet).
"""

from __future__ import annotations

from typing import Any

from ..backend import Backend
from . import (aliases, collection_create, collection_ops, collections, databases, entities, externals, fields,
               functions, imports, indexes, partitions, rbac, resource_groups, snapshots, system)
from .face import RestFace, Route

PREFIX = "/v2/vectordb"

#: Each endpoint module's routes (paths under PREFIX), one table: a module adds its own.
_MODULES = (collections, collection_create, collection_ops, functions, fields, databases, imports, snapshots,
            partitions, aliases, indexes, entities, rbac, externals, resource_groups, system)
ROUTES: dict[str, Route] = {f"{PREFIX}/{path}": route
                            for module in _MODULES for path, route in module.ROUTES.items()}


def rest_face(backend: Backend, import_source: Any = None) -> RestFace:
    return RestFace(backend, ROUTES, import_source)
