"""``/v2/vectordb/aliases/*``, shaped as Milvus's handler_v2.go (listAlias ... alterAlias).

Each endpoint is the pgmilvus client call the gRPC face makes (rpc_more.py);
``describe`` answers ``{dbName, collectionName, aliasName}``, the others a list or ``{}``.
"""

from __future__ import annotations

from typing import Any

from . import binding
from .binding import Body, Field
from .face import RestCall, Route, ok, plain_call

_ALIAS = Field("aliasName", "AliasName", required=True)
ALIAS = Body("AliasReq", (Field("dbName", "DbName"), _ALIAS))
ALIAS_COLLECTION = Body("AliasCollectionReq", (Field("dbName", "DbName"),
                                               Field("collectionName", "CollectionName", required=True), _ALIAS))


def list_aliases(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    return ok(call.client().list_aliases(body["collectionName"])["aliases"] or [])


def describe_alias(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    desc = call.client().describe_alias(body["aliasName"])
    return ok({"dbName": desc["db_name"], "collectionName": desc["collection_name"], "aliasName": desc["alias"]})


ROUTES = {
    "aliases/list": Route(binding.OPTIONAL_COLLECTION, list_aliases),
    "aliases/describe": Route(ALIAS, describe_alias),
    "aliases/create": Route(ALIAS_COLLECTION, plain_call("create_alias", "collectionName", "aliasName")),
    "aliases/drop": Route(ALIAS, plain_call("drop_alias", "aliasName")),
    "aliases/alter": Route(ALIAS_COLLECTION, plain_call("alter_alias", "collectionName", "aliasName")),
}
