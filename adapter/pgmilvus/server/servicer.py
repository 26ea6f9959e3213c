"""The MilvusService servicer: pymilvus's generated base class with pgmilvus behind it.

Handlers live in the mixins (rpc_admin, rpc_data), each wrapped by
``handler.rpc``; RPCs without a handler answer gRPC UNIMPLEMENTED naming the
method.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Optional

import grpc
from pymilvus.grpc_gen import milvus_pb2_grpc

from ..imports.source import ImportSource
from .backend import Backend
from .handler import SERVICE as _SERVICE
from .rpc_admin import AdminRPCs
from .rpc_data import DataRPCs
from .rpc_imports import ImportRPCs
from .rpc_more import MoreRPCs
from .rpc_rbac import RbacRPCs
from .rpc_schema import SchemaRPCs
from .rpc_snapshots import SnapshotRPCs
from .iterators import SearchIterators
from .sessions import Sessions

_log = logging.getLogger("pgmilvus.server")


class MilvusServicer(AdminRPCs, DataRPCs, ImportRPCs, MoreRPCs, RbacRPCs, SchemaRPCs, SnapshotRPCs,
                     milvus_pb2_grpc.MilvusServiceServicer):
    def __init__(self, backend: Backend, import_source: Optional[ImportSource] = None) -> None:
        self.backend = backend
        self.import_source = import_source  # --import-from: where Import reads files
        self.sessions = Sessions()
        self.search_iterators = SearchIterators()


def _unimplemented(name: str) -> Callable[..., Any]:
    def method(self: MilvusServicer, request: Any, context: grpc.ServicerContext) -> Any:
        _log.info("%s unimplemented", name)
        context.abort(grpc.StatusCode.UNIMPLEMENTED,
                      f"pgmilvus serve does not implement {name} (see docs/server.md for the supported RPCs)")
    method.__name__ = name
    return method


def _fill_unimplemented() -> None:
    for name in _SERVICE.methods_by_name:
        if not getattr(getattr(MilvusServicer, name, None), "rpc_handler", False):
            setattr(MilvusServicer, name, _unimplemented(name))


_fill_unimplemented()


def implemented() -> list[str]:
    """The RPCs this server answers (for docs and tests)."""
    return sorted(n for n in _SERVICE.methods_by_name if getattr(getattr(MilvusServicer, n), "rpc_handler", False))
