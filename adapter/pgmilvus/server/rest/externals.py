"""Milvus master's external collections over REST (collections backed by files in object storage,
refreshed by jobs), which pgmilvus has not: each request gets code 3000 and a text naming what is
missing, after Milvus's own binding and handler checks.

``jobs/external_collection/refresh`` / ``describe`` / ``list`` bind Milvus's request structs
(RefreshExternalCollectionReq, RefreshExternalCollectionProgressReq, OptionalCollectionNameReq:
1801 / 1802 as gin answers) and then call the client's methods, whose refusal is the core's
(client/unsupported.py); ``refuse_schema`` is what collections/create and collections/fields/add
answer for ``schema.externalSource`` / ``externalSpec`` or a field's ``externalField``.
"""

from __future__ import annotations

from typing import Any, Iterable

from ...client.unsupported import EXTERNAL
from ...errors import ErrorCode, MilvusException
from .binding import OPTIONAL_COLLECTION, Body, Field
from .face import RestCall, Route

REFRESH = Body("RefreshExternalCollectionReq", (
    Field("dbName", "DbName"), Field("collectionName", "CollectionName", required=True),
    Field("externalSource", "ExternalSource"), Field("externalSpec", "ExternalSpec")))
PROGRESS = Body("RefreshExternalCollectionProgressReq", (Field("jobId", "JobID", "int64", required=True),))


def refuse_schema(what: str, source: str, spec: str, fields: Iterable[Any]) -> None:
    """A schema with an external source, spec or field mapping: refused before anything is created."""
    mapped = [f.get("fieldName") for f in fields if isinstance(f, dict) and f.get("externalField")]
    if source or spec or mapped:
        given = "externalField of " + ", ".join(map(str, mapped)) if mapped else "schema.externalSource/externalSpec"
        raise MilvusException(ErrorCode.UNSUPPORTED, f"{what}: {EXTERNAL} ({given})")


def refresh(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    return call.client().refresh_external_collection(body["collectionName"], body["externalSource"],
                                                     body["externalSpec"])


def describe(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    return call.client().get_refresh_external_collection_progress(body["jobId"])


def list_jobs(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    return call.client().list_refresh_external_collection_jobs(body["collectionName"])


ROUTES = {
    "jobs/external_collection/refresh": Route(REFRESH, refresh),
    "jobs/external_collection/describe": Route(PROGRESS, describe),
    "jobs/external_collection/list": Route(OPTIONAL_COLLECTION, list_jobs),
}
