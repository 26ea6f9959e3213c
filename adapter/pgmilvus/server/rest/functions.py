"""``/v2/vectordb/collections/{add_function,alter_function,drop_function}``, as handler_v2.go's
``addCollectionFunction`` / ``alterCollectionFunction`` / ``dropCollectionFunction``.

The body's ``function`` is request_v2.go's FunctionSchema (gin validates its ``required`` name,
type and field lists), built into the message as ``genFunctionSchema`` builds it
(collection_create.function_schema: an unknown type is its 1100); then the core call the
gRPC face's AddCollectionFunction ... makes, so every rule of changing a collection's functions
is the core's (pgmilvus runs no embedding model: schema/functions.py).  Where Milvus's handler
answers a bad function type and then calls the proxy anyway (two JSON bodies in one answer),
pgmilvus answers the first alone.  Answers ``{}``.
"""

from __future__ import annotations

from typing import Any

from ..convert.schema import function as function_of
from .binding import COLLECTION_NAME, DB, Body, Field
from .collection_create import function_schema
from .face import RestCall, Route, ok

_DB, _NAME = DB, COLLECTION_NAME
#: request_v2.go's FunctionSchema.
FUNCTION = Body("FunctionSchema", (
    Field("name", "FunctionName", required=True), Field("description", "Description"),
    Field("type", "FunctionType", required=True),
    Field("inputFieldNames", "InputFieldNames", "[]string", required=True),
    Field("outputFieldNames", "OutputFieldNames", "[]string", required=True),
    Field("params", "Params", "map[string]interface {}")))
_FUNCTION = Field("function", "Function", "httpserver.FunctionSchema", required=True, struct=FUNCTION)
ADD = Body("CollectionAddFunction", (_DB, _NAME, _FUNCTION))
ALTER = Body("CollectionAlterFunction", (_DB, _NAME, Field("functionName", "FunctionName", required=True),
                                         _FUNCTION))
DROP = Body("CollectionDropFunction", (_DB, _NAME, Field("FunctionName", "FunctionName", required=True)))


def add_function(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    call.client().add_collection_function(body["collectionName"], function_of(function_schema(body["function"])))
    return ok({})


def alter_function(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    function = function_of(function_schema(body["function"]))
    call.client().alter_collection_function(body["collectionName"], body["functionName"], function)
    return ok({})


def drop_function(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    call.client().drop_collection_function(body["collectionName"], body["FunctionName"])
    return ok({})


ROUTES = {
    "collections/add_function": Route(ADD, add_function),
    "collections/alter_function": Route(ALTER, alter_function),
    "collections/drop_function": Route(DROP, drop_function),
}
