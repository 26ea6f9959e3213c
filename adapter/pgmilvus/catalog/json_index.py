"""JSON path indexes (Milvus 2.6 ``params={"json_path": ..., "json_cast_type": ...}``).

Milvus indexes one path of a JSON field per index and allows several per
field.  Here:

* every JSON index of a field is served by one GIN index (``jsonb_path_ops``)
  on the whole column: it serves the ``@>`` and ``@?`` forms the filter
  compiler emits for equality and ``in`` on *any* path, so the first JSON
  index of a field builds it and the others share it (index_ops);
* a path index cast to DOUBLE or VARCHAR also gets a B-tree on the path's
  typed value (``pgmilvus_catalog.json_number`` / ``json_text``, migration
  005), and the filter compiler adds that same expression to range
  comparisons on the path (``indexed_paths``), so the B-tree serves them;
* an NGRAM path index (json_cast_type VARCHAR, Milvus's index for ``like``)
  gets a trigram GIN index (pg_trgm's ``gin_trgm_ops``) on ``json_text`` of
  the path instead, and the compiler adds ``json_text(path) LIKE pattern`` to
  a ``like`` on that path, so the GIN index serves infix and suffix patterns
  (without pg_trgm in the database: no path index, ``like`` scans).

Keys of the dynamic field (Milvus 2.5.11+) are indexed the same way on the
``$meta`` column: ``field_name`` is then the key's name (not a schema field),
``json_path`` starts with it (``my_key`` or ``my_key["a"]``), and the path
covers ``$meta -> 'my_key' -> ...``; ``field_name="$meta"`` with a path
``$meta["my_key"]`` says the same.  All the indexes on ``$meta`` share one GIN
index, as those of one JSON field do.

What the params say is checked like Milvus does and kept for describe_index.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from psycopg import sql

from . import index_checks
from ..errors import ErrorCode, MilvusException, invalid_parameter
from ..filters.compile import JSON_VALUE_FUNCTIONS, json_value
from ..filters.errors import SyntaxProblem
from ..filters.ast import Ident, Path, StructField
from ..filters.parser import parse
from ..schema.model import DYNAMIC_FIELD, CollectionSchema, FieldSchema
from ..types import DataType

#: Milvus 2.6's json_cast_type values.
CAST_TYPES = ("BOOL", "DOUBLE", "VARCHAR", "ARRAY_BOOL", "ARRAY_DOUBLE", "ARRAY_VARCHAR", "JSON")
CAST_FUNCTIONS = {"STRING_TO_DOUBLE": "DOUBLE"}
#: STL_SORT and BITMAP are served like INVERTED (the GIN index, plus the B-tree on the cast value).
INDEX_TYPES = ("INVERTED", "AUTOINDEX", "STL_SORT", "BITMAP")


def is_json_path_index(params: dict[str, Any]) -> bool:
    return "json_path" in params or "json_cast_type" in params


def parse_path(field: FieldSchema, path: Any) -> tuple[Any, ...]:
    """``field["a"]['b'][0]`` -> ("a", "b", 0); the bare field name is the whole document.

    Read with the filter lexer, so a path is written as in a filter: keys in double or
    single quotes (Milvus accepts both), array positions as numbers.
    """
    text = str(path)  # pymilvus sends every index param as its str()
    fix = (f"write '{field.name}[\"key\"][\"nested\"]' (keys in double or single quotes, array positions as "
           "numbers)")
    try:
        node = parse(text)
    except SyntaxProblem as exc:  # Milvus parses the path as a filter identifier
        raise invalid_parameter(f"cannot parse identifier: {text}, error: {exc}", fix) from None
    if isinstance(node, StructField):  # field[key]: a struct sub-field's form, an unquoted key here
        raise invalid_parameter(f"cannot parse identifier: {text}, error: json key must be enclosed in double quotes "
                                "or single quotes", fix)
    if not isinstance(node, (Ident, Path)):
        raise invalid_parameter(f"cannot parse identifier: {text}", fix)
    if (node.name if isinstance(node, Ident) else node.base) != field.name:
        raise invalid_parameter(f"json_path {path!r} of the index on JSON field {field.name} must start with "
                                f"the field name, e.g. '{field.name}[\"key\"]'")
    return () if isinstance(node, Ident) else node.keys


def column_of(schema: CollectionSchema, field_name: str) -> Optional[str]:
    """The JSON column an index on ``field_name`` covers: the JSON field itself, or ``$meta``
    for ``$meta`` and for any name that is not a field when the dynamic field is on."""
    field = schema.field(field_name)
    if field is not None:
        return field.name if field.dtype == DataType.JSON else None
    return DYNAMIC_FIELD if schema.enable_dynamic_field else None


@dataclass(frozen=True)
class _Named:
    """What parse_path reads of a field (its name), for ``$meta`` and dynamic keys."""

    name: str


def _keys(schema: CollectionSchema, field_name: str, params: dict[str, Any]) -> tuple[Any, ...]:
    """The path under the JSON column (column_of) that an index on ``field_name`` covers:
    a dynamic key's path starts with the key, under ``$meta``."""
    path = params.get("json_path", field_name)
    keys = parse_path(_Named(field_name), path)  # type: ignore[arg-type]
    if schema.field(field_name) is not None or field_name == DYNAMIC_FIELD:
        return keys
    return (field_name,) + keys


def check(schema: CollectionSchema, field_name: str, index_type: str, params: dict[str, Any]
          ) -> tuple[Any, ...]:
    """Milvus's rules for a JSON path index on a JSON field or a dynamic key; returns the path."""
    if index_type == "NGRAM":  # its own checker (json_cast_type VARCHAR, the grams), then the path
        index_checks.check_ngram(DataType.JSON, params)
        return _keys(schema, field_name, params)
    if index_type == "TRIE":  # Milvus 2.6's trie checker
        raise invalid_parameter(f"TRIE are only supported on varchar field ({field_name} is JSON): use INVERTED, "
                                "AUTOINDEX, STL_SORT or BITMAP")
    if index_type not in INDEX_TYPES:
        raise invalid_parameter(f"index type {index_type or '(none)'} is not supported on a JSON path of field "
                                f"{field_name}: use INVERTED, AUTOINDEX, STL_SORT, BITMAP or NGRAM")
    cast = params.get("json_cast_type")
    if cast is None:
        raise _missing("cast type", "json_cast_type", f"set params json_cast_type for the index on {field_name} "
                                                      f"to one of {', '.join(CAST_TYPES)}")
    # no json_path: the whole field, or the whole dynamic key (Milvus 2.6's proxy fills in the field name)
    if not isinstance(cast, str) or cast.upper() not in CAST_TYPES:
        raise invalid_parameter(f"json_cast_type {cast!r} of the index on JSON field {field_name} is not "
                                f"supported: use one of {', '.join(CAST_TYPES)}")
    function: Optional[Any] = params.get("json_cast_function")
    if function is not None:
        wanted = CAST_FUNCTIONS.get(str(function).upper()) if isinstance(function, str) else None
        if wanted is None or wanted != cast.upper():
            raise invalid_parameter(f"json_cast_function {function!r} does not apply to json_cast_type "
                                    f"{cast} (supported: STRING_TO_DOUBLE with DOUBLE)")
    return _keys(schema, field_name, params)


def missing_cast_type(fix: str) -> MilvusException:
    """Milvus's error for a JSON index that needs a json_cast_type and has none, and the fix."""
    return _missing("cast type", "json_cast_type", fix)


def _missing(what: str, param: str, fix: str) -> MilvusException:
    """Milvus's error for a JSON index without json_cast_type / json_path, and the fix."""
    return MilvusException(ErrorCode.INVALID_PARAMETER,
                           f"json index must specify {what}: missing parameter[missing_param={param}]: invalid "
                           f"parameter[expected=valid index params][actual=invalid index params]: {fix}")


def default_index_name(schema: CollectionSchema, field_name: str, params: dict[str, Any]) -> str:
    """Milvus's name for a path index created without one: the field's name and the path as a
    JSON pointer (``my_json/a/0``; ``$meta/key/a`` for a dynamic key), so several paths of one
    field get distinct names, and ``describe_index(name)`` finds them as in Milvus."""
    keys = _keys(schema, field_name, params)
    base = field_name if schema.field(field_name) is not None or field_name == DYNAMIC_FIELD else DYNAMIC_FIELD
    return base + "".join("/" + str(k).replace("~", "~0").replace("/", "~1") for k in keys)


def path_of(schema: CollectionSchema, field_name: str, params: dict[str, Any]) -> tuple[Any, ...]:
    """The path an existing index on ``field_name`` covers under its JSON column (() for the
    whole column)."""
    try:
        return _keys(schema, field_name, params)
    except MilvusException:  # not a path index: the whole document
        return ()


def range_cast(schema: CollectionSchema, field_name: str, params: dict[str, Any], index_type: str = ""
               ) -> Optional[str]:
    """DOUBLE / VARCHAR for a path index whose values a B-tree can order, else None (an NGRAM
    index gets a trigram index instead, ``create_trigram_sql``)."""
    if index_type.upper() == "NGRAM":
        return None
    cast = params.get("json_cast_type")
    if not isinstance(cast, str) or cast.upper() not in JSON_VALUE_FUNCTIONS:
        return None
    return cast.upper() if path_of(schema, field_name, params) else None


def create_btree_sql(schema_name: str, table: str, pg_index: str, schema: CollectionSchema, field_name: str,
                     params: dict[str, Any]) -> sql.Composed:
    """The B-tree on the path's typed value (the filter compiler writes the same expression)."""
    cast = range_cast(schema, field_name, params)
    column = column_of(schema, field_name)
    assert cast is not None and column is not None
    expression = json_value(column, path_of(schema, field_name, params), cast).sql(dialect="postgres")
    collate = sql.SQL(' COLLATE "C"') if cast == "VARCHAR" else sql.SQL("")
    return sql.SQL("CREATE INDEX {} ON {} USING btree (({}){})").format(
        sql.Identifier(pg_index), sql.Identifier(schema_name, table), sql.SQL(expression), collate)


def create_trigram_sql(schema_name: str, table: str, pg_index: str, schema: CollectionSchema, field_name: str,
                       params: dict[str, Any], opclass: sql.Composable) -> Optional[sql.Composed]:
    """An NGRAM path index: a trigram GIN index on the path's text (``json_text``, the expression
    the compiler adds to ``like`` on the path), or None for the whole field (no text to index)."""
    keys = path_of(schema, field_name, params)
    column = column_of(schema, field_name)
    if not keys or column is None:
        return None
    expression = json_value(column, keys, "VARCHAR").sql(dialect="postgres")
    return sql.SQL("CREATE INDEX {} ON {} USING gin (({}) {})").format(
        sql.Identifier(pg_index), sql.Identifier(schema_name, table), sql.SQL(expression), opclass)


def indexed_paths(info: Any) -> frozenset[tuple[str, tuple[Any, ...], str]]:
    """(JSON column, path keys, DOUBLE | VARCHAR) of the collection's range-capable path indexes,
    (JSON column, path keys, NGRAM) of its trigram-indexed ones (the column is ``$meta`` for
    dynamic keys).

    Every read compiles or looks up its filter with these, so they are worked out once per
    collection description (kept in ``info.plans``, which a catalog change replaces)."""
    found = info.plans.get(_PATHS_KEY)
    if found is None:
        found = info.plans[_PATHS_KEY] = _indexed_paths(info)
    return found


_PATHS_KEY = ("json_index.indexed_paths",)


def _indexed_paths(info: Any) -> frozenset[tuple[str, tuple[Any, ...], str]]:
    out = set()
    schema = info.schema
    for index in info.indexes:
        column = column_of(schema, index.field_name)
        if column is None:
            continue
        cast = range_cast(schema, index.field_name, index.params, index.index_type)
        if index.index_type == "NGRAM" and (index.params.get("$pg") or {}).get("path_index"):
            cast = "NGRAM"  # built only where pg_trgm is (index_ops.trigram_opclass)
        if cast:
            out.add((column, path_of(schema, index.field_name, index.params), cast))
    return frozenset(out)
