"""``/v2/vectordb/databases/{create,drop,list,describe,alter,alter_properties,drop_properties}``.

As handler_v2.go: the database named is the body's ``dbName`` (required, except for
``list``), properties are sent as ``fmt.Sprintf("%v")`` of their JSON values, and the
answer is ``{"code": 0, "data": {}}``; ``describe`` answers ``dbName``, ``dbID`` and
the properties as ``{"key", "value"}`` objects.  The rules are the core's (the same
calls the gRPC face's rpc_more.py makes), run on the caller's default-database client.
"""

from __future__ import annotations

from typing import Any

from .binding import Body, Field
from .face import RestCall, Route, ok

_NAME = Field("dbName", "DbName", required=True)
WITH_PROPERTIES = Body("DatabaseReqWithProperties", (_NAME, Field("properties", "Properties",
                                                                  "map[string]interface {}")))
REQUIRED_NAME = Body("DatabaseReqRequiredName", (_NAME,))
DROP_PROPERTIES = Body("DropDatabasePropertiesReq", (_NAME, Field("propertyKeys", "PropertyKeys", "[]string")))
EMPTY = Body("EmptyReq", ())


def go_value(value: Any) -> str:
    """Go's ``fmt.Sprintf("%v", v)`` of a decoded JSON value (how Milvus turns properties into strings)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, list):
        return "[" + " ".join(go_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_value(value[k])}" for k in sorted(value)) + "]"
    return str(value)


def _go_float(value: float) -> str:
    """%v of a float64: %g with the shortest digits; exponent form from 1e21 on (Go's 'g' with -1)."""
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else "+"
        return f"{mantissa}e{sign}{abs(int(exponent)):02d}"
    return text


def go_properties(values: dict[str, Any] | None) -> dict[str, str]:
    return {key: go_value(value) for key, value in (values or {}).items()}


def _client(call: RestCall) -> Any:
    """The caller's default-database client: database calls name their target themselves."""
    return call.backend.client(None, call.caller)


def create_database(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    _client(call).create_database(call.db_name, properties=go_properties(body["properties"]))
    return ok({})


def drop_database(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    _client(call).drop_database(call.db_name)
    call.backend.forget(call.db_name)
    return ok({})


def list_databases(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    return ok(_client(call).list_databases())


def describe_database(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    client = _client(call)
    properties = dict(client.describe_database(call.db_name))
    name = properties.pop("name")
    ids = {d.name: d.id for d in client.list_database_details()}  # the catalog's, as ListDatabases gives
    return ok({"dbName": name, "dbID": ids.get(name, 0),
               "properties": [{"key": k, "value": str(v)} if str(v) else {"key": k}
                              for k, v in properties.items()]})


def alter_database(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    _client(call).alter_database_properties(call.db_name, go_properties(body["properties"]))
    return ok({})


def drop_database_properties(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    _client(call).drop_database_properties(call.db_name, body["propertyKeys"] or [])
    return ok({})


ROUTES = {
    "databases/create": Route(WITH_PROPERTIES, create_database),
    "databases/drop": Route(REQUIRED_NAME, drop_database),
    "databases/list": Route(EMPTY, list_databases),
    "databases/describe": Route(REQUIRED_NAME, describe_database),
    "databases/alter": Route(WITH_PROPERTIES, alter_database),
    "databases/alter_properties": Route(WITH_PROPERTIES, alter_database),
    "databases/drop_properties": Route(DROP_PROPERTIES, drop_database_properties),
}
