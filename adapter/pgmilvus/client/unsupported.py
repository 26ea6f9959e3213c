"""pymilvus 3 MilvusClient methods for parts of Milvus pgmilvus does not have.

Code written for pymilvus that calls one of them gets a MilvusException (code 3000) naming what
is missing and what to use instead, rather than an AttributeError from a missing method; over the
wire the same calls answer UNIMPLEMENTED (docs/server.md).  Each refusal is marked
(``pgmilvus_refused``) so the RBAC map (rbac/privileges.py) does not list them as operations.
"""

from __future__ import annotations

from typing import Any, Callable

from ..errors import ErrorCode, MilvusException
from ..schema import model as schema_model

_FILES = "file resources (remote files for analyzers) are not supported by pgmilvus"
_REPLICATION = ("Milvus's replication and WAL messages are not supported by pgmilvus: use PostgreSQL's "
                "streaming or logical replication")
EXTERNAL = schema_model.EXTERNAL
_EXTERNAL_SNAPSHOTS = ("snapshots in external object storage (S3) are not supported by pgmilvus: a snapshot stays "
                       "in its PostgreSQL database (create_snapshot, restore_snapshot); back the database up with "
                       "PostgreSQL's tools (pg_dump, pg_basebackup) to keep it elsewhere")

#: method -> why it is refused.
REFUSED: dict[str, str] = {
    "add_file_resource": _FILES, "list_file_resources": _FILES, "remove_file_resource": _FILES,
    "dump_messages": _REPLICATION, "get_replicate_configuration": _REPLICATION,
    "get_replicate_info": _REPLICATION, "update_replicate_configuration": _REPLICATION,
    "session": _REPLICATION,
    "refresh_external_collection": EXTERNAL, "get_refresh_external_collection_progress": EXTERNAL,
    "list_refresh_external_collection_jobs": EXTERNAL,
    # Milvus master's ExportSnapshot / RestoreExternalSnapshot (REST's jobs/snapshot/export and
    # restore_external; pymilvus 3 has no method for them yet)
    "export_snapshot": _EXTERNAL_SNAPSHOTS, "restore_external_snapshot": _EXTERNAL_SNAPSHOTS,
}


def _refusal(name: str, why: str) -> Callable[..., Any]:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise MilvusException(ErrorCode.UNSUPPORTED, f"{name}: {why}")
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"Refused: {why}."
    method.pgmilvus_refused = True  # type: ignore[attr-defined]
    return method


def install(cls: type) -> type:
    """Add the refusals to ``cls`` for the names it does not define itself."""
    for name, why in REFUSED.items():
        if name not in vars(cls):
            setattr(cls, name, _refusal(name, why))
    return cls
