"""alter_collection_properties / drop_collection_properties, with the keys Milvus acts on.

Most properties are stored and shown by describe_collection, nothing more.
``dynamicfield.enabled`` changes the schema instead (Milvus 2.6, rootcoord's
alter dynamic field): ``True`` adds the dynamic field to an existing
collection, so inserts may carry keys beyond the schema from then on; ``False`` (Milvus master)
takes it away with its values and the indexes of its keys.
``collection.ttl.seconds`` makes entities expire (ttl.py): the first TTL adds
the write-time column the reads test; ``ttl_field`` names the TIMESTAMPTZ field
holding each entity's expiry (ttl.py, Milvus master).  ``query_mode: large_topk`` (Milvus 2.6.14)
raises the collection's search topk and query window from 16,384 to 1,000,000
(``topk_limit``).  ``collection.description`` and ``consistency_level`` change the
collection's description and consistency level instead of being stored (2.6's rootcoord).
"""

from __future__ import annotations

import json
from typing import Any, Optional

import psycopg
from psycopg import sql

from . import json_index, segments, store as catalog, ttl
from ..data import timestamps
from ..schema import ddl
from ..schema.model import DYNAMIC_FIELD, warmup_problem
from .store import CollectionInfo
from ..types import ConsistencyLevel
from ..errors import ErrorCode, MilvusException, collection_loaded, invalid_parameter

DYNAMIC_FIELD_KEY = "dynamicfield.enabled"
#: The spellings Milvus's property parser (Go's strconv.ParseBool) takes; pymilvus sends str(value).
GO_TRUE = frozenset({"1", "t", "T", "true", "TRUE", "True"})
GO_FALSE = frozenset({"0", "f", "F", "false", "FALSE", "False"})


#: Properties a loaded collection's replica was built with (Milvus's hasMmapProp / hasLazyLoadProp /
#: hasWarmupProp): nothing to tune here, but Milvus refuses to change them while loaded.
MMAP_KEY = "mmap.enabled"
#: Index params Milvus lets alter_index_properties change (its configableIndexParams); given to
#: create_index they make a repeated create a different index (datacoord's checkParams).
OFFSET_CACHE_KEY = "indexoffsetcache.enabled"
CONFIGURABLE_INDEX_KEYS = (MMAP_KEY, OFFSET_CACHE_KEY, "warmup")
#: alter_collection_field's key that changes the field's description (Milvus master, #47057), not a param.
FIELD_DESCRIPTION_KEY = "field.description"
_LOAD_KEYS = (MMAP_KEY, "lazyload.enabled")
#: Milvus's warmup keys: the field-level one, then the collection-level ones (common.IsWarmupKey).
WARMUP_KEYS = ("warmup", "warmup.scalarField", "warmup.scalarIndex", "warmup.vectorField", "warmup.vectorIndex")


def check_warmup(properties: dict[str, Any]) -> None:
    """A collection's warmup properties (Milvus 2.6's create / alter collection, after the TTL): only the
    ``warmup.*`` keys, each a policy Milvus knows."""
    for key, value in properties.items():
        if key == "warmup":
            raise invalid_parameter("warmup key 'warmup' is only allowed at field level, use warmup.scalarField/"
                                    "warmup.scalarIndex/warmup.vectorField/warmup.vectorIndex at collection level")
        problem = warmup_problem(value) if key in WARMUP_KEYS else None
        if problem:
            raise invalid_parameter(f"invalid warmup value for key {key}: {problem}")


ISOLATION_KEY = "partitionkey.isolation"


def isolation_value(properties: dict[str, Any]) -> bool:
    """Milvus's IsPartitionKeyIsolationKvEnabled: the key's value through Go's ParseBool, lower-cased."""
    if ISOLATION_KEY not in properties:
        return False
    text = str(properties[ISOLATION_KEY]).lower()
    if text not in GO_TRUE | GO_FALSE:
        raise invalid_parameter(f"failed to parse partition key isolation: strconv.ParseBool: parsing \"{text}\": "
                                "invalid syntax (use true or false)")
    return text in GO_TRUE


def isolated(info: CollectionInfo) -> bool:
    """Whether searches of ``info`` must name one partition key value (filters/isolation.py)."""
    return info.schema.partition_key_field is not None and isolation_value(info.properties)


def check_isolation(name: str, schema: Any, properties: dict[str, Any]) -> None:
    """Milvus 2.6's validatePartitionKeyIsolation, at create and alter time."""
    if isolation_value(properties) and schema.partition_key_field is None:
        raise MilvusException(ErrorCode.COLLECTION_ILLEGAL_SCHEMA,
                              "partition key isolation mode is enabled but no partition key field is set. Please set "
                              f"the partition key first: illegal collection schema[collection={name}]")


def _check_isolation_change(info: CollectionInfo, new: dict[str, Any]) -> None:
    """Changing the isolation mode needs the vector index dropped first (2.6's alter check)."""
    if isolation_value(new) == isolation_value(info.properties):
        return
    vector = _vector_index(info)
    if vector is not None:
        raise MilvusException(ErrorCode.INDEX_DUPLICATE,
                              "can not alter partition key isolation mode if the collection already has a vector "
                              f"index. Please drop the index first: index duplicates[indexName={vector.field_name}]")


QUERY_MODE_KEY = "query_mode"
LARGE_TOPK = "large_topk"
#: Milvus's quotaAndLimits.limits.topK / maxQueryResultWindow, and their large_topk counterparts
#: (largeTopK / largeMaxQueryResultWindow, 2.6.14).
TOPK_LIMIT, LARGE_TOPK_LIMIT = 16384, 1_000_000


def topk_limit(info: CollectionInfo) -> int:
    """The most hits a search of ``info`` may ask for (topk, offset + topk), and rows a query."""
    return LARGE_TOPK_LIMIT if info.properties.get(QUERY_MODE_KEY) == LARGE_TOPK else TOPK_LIMIT


def check_query_mode(properties: dict[str, Any]) -> None:
    """Milvus 2.6's ValidateQueryMode, on the properties in their order: the key's one value is
    ``large_topk``, exactly; a key that is ``query_mode`` in another case is a mistake."""
    for key, value in properties.items():
        if key == QUERY_MODE_KEY:
            if str(value) != LARGE_TOPK:
                raise invalid_parameter(f"invalid query_mode value {_go_quoted(str(value))}, valid values: "
                                        f"[{LARGE_TOPK}]")
            return
        if isinstance(key, str) and key.casefold() == QUERY_MODE_KEY:
            raise invalid_parameter(f'invalid property key {_go_quoted(key)}, did you mean "{QUERY_MODE_KEY}"?')


def _go_quoted(text: str) -> str:
    """Go's %q of a printable string (what Milvus's messages show)."""
    return json.dumps(text, ensure_ascii=False)


def _check_query_mode_change(info: CollectionInfo, new: dict[str, Any]) -> None:
    """Changing the query mode needs the vector index dropped first (2.6's detectQueryModeChange)."""
    if new.get(QUERY_MODE_KEY) == info.properties.get(QUERY_MODE_KEY):
        return
    vector = _vector_index(info)
    if vector is not None:
        raise MilvusException(ErrorCode.INDEX_DUPLICATE,
                              f"can not alter {QUERY_MODE_KEY} if the collection already has a vector index. "
                              f"Please drop the index first: index duplicates[indexName={vector.field_name}]")


def _vector_index(info: CollectionInfo) -> Any:
    return next((i for i in info.indexes if (f := info.schema.field(i.field_name)) is not None and f.is_vector),
                None)


DESCRIPTION_KEY = "collection.description"
CONSISTENCY_KEY = "consistency_level"
#: Milvus's proxy.maxCollectionDescriptionLength (2.6, #50178), in UTF-8 bytes.
MAX_DESCRIPTION_BYTES = 1024


def check_description(description: str) -> None:
    """Milvus 2.6's validateCollectionDescription (create_collection and the alter key)."""
    if len(description.encode("utf-8", "surrogatepass")) > MAX_DESCRIPTION_BYTES:
        raise invalid_parameter(f"the length of a collection description must not exceed {MAX_DESCRIPTION_BYTES} "
                                "bytes")


def _consistency_level(value: Any) -> Optional[int]:
    """rootcoord's unmarshalConsistencyLevel: a level's number or name, else None (the key is then
    ignored, not stored)."""
    text = str(value)
    try:
        number = int(text, 10)
    except ValueError:
        return int(ConsistencyLevel[text]) if text in ConsistencyLevel.__members__ else None
    return number if number in ConsistencyLevel._value2member_map_ else None


def _alter_collection_attributes(conn: psycopg.Connection, info: CollectionInfo, properties: dict[str, Any]
                                 ) -> dict[str, Any]:
    """Apply the keys that are no properties (description, consistency level); the rest."""
    if DESCRIPTION_KEY in properties and str(properties[DESCRIPTION_KEY]) != info.schema.description:
        schema = info.schema.copy()
        schema.description = str(properties[DESCRIPTION_KEY])
        catalog.set_description(conn, info.id, schema)
    if CONSISTENCY_KEY in properties:
        level = _consistency_level(properties[CONSISTENCY_KEY])
        if level is not None and level != info.consistency_level:
            catalog.set_consistency_level(conn, info.id, level)
    return {k: v for k, v in properties.items() if k not in (DESCRIPTION_KEY, CONSISTENCY_KEY)}


def _check_not_loaded(info: CollectionInfo, keys: Any, verb: str) -> None:
    """Milvus 2.6's proxy: mmap, lazy-load and warmup properties change only on a released
    collection; its texts name mmap for both of the first two ("alter"), the key itself ("delete")."""
    if not info.loaded:
        return
    named = [k for k in keys if k in _LOAD_KEYS or k in WARMUP_KEYS]
    if not named:
        return
    if verb == "alter":
        what = "mmap" if any(k in _LOAD_KEYS for k in named) else "warmup"
    else:
        what = "mmap" if named[0] == MMAP_KEY else named[0]
    raise collection_loaded(info.name, f"can not {verb} {what} properties if collection loaded")


def alter(conn: psycopg.Connection, info: CollectionInfo, properties: dict[str, Any]) -> None:
    _check_not_loaded(info, properties, "alter")
    timestamps.check_properties(properties)  # Milvus 2.6 checks the zone before the dynamic field
    ttl.check(properties)  # then the TTL (its proxy's alterCollectionTask)
    ttl.check_field(properties, info.schema, info.properties)  # Milvus master: the TTL field, one TTL of two
    check_warmup(properties)
    if ISOLATION_KEY in properties:
        check_isolation(info.name, info.schema, properties)
        _check_isolation_change(info, {**info.properties, **properties})
    if QUERY_MODE_KEY in properties:
        check_query_mode(properties)
        _check_query_mode_change(info, {**info.properties, **properties})
    if DESCRIPTION_KEY in properties:
        check_description(str(properties[DESCRIPTION_KEY]))
    if DYNAMIC_FIELD_KEY in properties:
        _alter_dynamic_field(conn, info, properties)
        return
    properties = _alter_collection_attributes(conn, info, properties)
    if ttl.needs_column(info, properties):
        info = ttl.add_column(conn, info)
    ttl.forget_expired(conn, info, {**info.properties, **properties})
    catalog.set_properties(conn, info.id, {**info.properties, **properties})


def drop(conn: psycopg.Connection, info: CollectionInfo, property_keys: list[str]) -> None:
    _check_not_loaded(info, property_keys, "delete")
    if DYNAMIC_FIELD_KEY in property_keys:
        raise invalid_parameter(f"cannot delete key {DYNAMIC_FIELD_KEY}")
    if ISOLATION_KEY in property_keys:
        _check_isolation_change(info, {k: v for k, v in info.properties.items() if k != ISOLATION_KEY})
    if QUERY_MODE_KEY in property_keys:
        _check_query_mode_change(info, {k: v for k, v in info.properties.items() if k != QUERY_MODE_KEY})
    remaining = {k: v for k, v in info.properties.items() if k not in property_keys}
    ttl.forget_expired(conn, info, remaining)
    catalog.set_properties(conn, info.id, remaining)


def _alter_dynamic_field(conn: psycopg.Connection, info: CollectionInfo, properties: dict[str, Any]) -> None:
    """Milvus's rules: alone in the call; the current value is a no-op; ``True`` adds the dynamic
    field, ``False`` takes it away (master; 2.6 refused it)."""
    if len(properties) != 1:
        raise invalid_parameter("cannot alter dynamic schema with other properties at the same time")
    enabled = _as_bool(properties[DYNAMIC_FIELD_KEY])
    if enabled == info.schema.enable_dynamic_field:
        return
    info = segments.lock_for_ddl(conn, info)  # waits for writers in flight, stops builds
    if not enabled:
        _disable_dynamic_field(conn, info)
        return
    conn.execute(ddl.add_dynamic_column(info.schema_name, info.table_name))
    schema = info.schema.copy()
    schema.enable_dynamic_field = True
    catalog.set_schema(conn, info.id, schema)


def _disable_dynamic_field(conn: psycopg.Connection, info: CollectionInfo) -> None:
    """Milvus master's broadcastDisableDynamicField: the dynamic field leaves the schema, its values
    and the indexes of its keys with it (its column dropped: PostgreSQL drops those indexes); its
    field id is not given again, so enabling it later adds an empty one with a new id."""
    for index in info.indexes:
        if json_index.column_of(info.schema, index.field_name) == DYNAMIC_FIELD:
            catalog.remove_index(conn, info.id, index.index_name)
    conn.execute(sql.SQL("ALTER TABLE {} DROP COLUMN {}").format(
        ddl.qualified(info.schema_name, info.table_name), sql.Identifier(DYNAMIC_FIELD)))
    schema = info.schema.copy()
    schema.enable_dynamic_field = False
    catalog.remove_field(conn, info.id, schema, DYNAMIC_FIELD)


def _as_bool(value: Any) -> bool:
    text = str(value)
    if text in GO_TRUE:
        return True
    if text in GO_FALSE:
        return False
    raise invalid_parameter(f"invalid value {value!r} for collection property {DYNAMIC_FIELD_KEY}: use True or "
                            "False")
