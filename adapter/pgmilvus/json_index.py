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
  comparisons on the path (``indexed_paths``), so the B-tree serves them.

What the params say is checked like Milvus does and kept for describe_index.
"""

from __future__ import annotations

from typing import Any, Optional

from psycopg import sql

from .errors import MilvusException, invalid_parameter
from .filters.compile import JSON_VALUE_FUNCTIONS, json_value
from .filters.errors import SyntaxProblem
from .filters.lexer import IDENT, PATH, tokenize
from .schema import FieldSchema

#: Milvus 2.6's json_cast_type values.
CAST_TYPES = ("BOOL", "DOUBLE", "VARCHAR", "ARRAY_BOOL", "ARRAY_DOUBLE", "ARRAY_VARCHAR", "JSON")
CAST_FUNCTIONS = {"STRING_TO_DOUBLE": "DOUBLE"}
INDEX_TYPES = ("INVERTED", "AUTOINDEX")


def is_json_path_index(params: dict[str, Any]) -> bool:
    return "json_path" in params or "json_cast_type" in params


def parse_path(field: FieldSchema, path: Any) -> tuple[Any, ...]:
    """``field["a"]['b'][0]`` -> ("a", "b", 0); the bare field name is the whole document.

    Read with the filter lexer, so a path is written as in a filter: keys in double or
    single quotes (Milvus accepts both), array positions as numbers.
    """
    if not isinstance(path, str) or not path.startswith(field.name):
        raise invalid_parameter(f"json_path {path!r} of the index on JSON field {field.name} must start with "
                                f"the field name, e.g. '{field.name}[\"key\"]'")
    try:
        tokens = tokenize(path)
    except SyntaxProblem:
        tokens = []
    first = tokens[0] if len(tokens) == 2 and tokens[0].kind in (IDENT, PATH) else None
    base = None if first is None else first.value if first.kind == IDENT else first.value[0]
    if first is None or base != field.name or first.text != path:
        raise invalid_parameter(f"json_path {path!r} is not a path of JSON field {field.name}: write "
                                f"'{field.name}[\"key\"][\"nested\"]' (keys in double or single quotes, "
                                "array positions as numbers)")
    return () if first.kind == IDENT else first.value[1]


def check(field: FieldSchema, index_type: str, params: dict[str, Any]) -> tuple[Any, ...]:
    """Milvus's rules for a JSON path index; returns the parsed path."""
    if index_type not in INDEX_TYPES:
        raise invalid_parameter(f"index type {index_type or '(none)'} is not supported on a JSON path of field "
                                f"{field.name}: use INVERTED or AUTOINDEX")
    cast = params.get("json_cast_type")
    if not isinstance(cast, str) or cast.upper() not in CAST_TYPES:
        raise invalid_parameter(f"json_cast_type {cast!r} of the index on JSON field {field.name} is not "
                                f"supported: use one of {', '.join(CAST_TYPES)}")
    function: Optional[Any] = params.get("json_cast_function")
    if function is not None:
        wanted = CAST_FUNCTIONS.get(str(function).upper()) if isinstance(function, str) else None
        if wanted is None or wanted != cast.upper():
            raise invalid_parameter(f"json_cast_function {function!r} does not apply to json_cast_type "
                                    f"{cast} (supported: STRING_TO_DOUBLE with DOUBLE)")
    return parse_path(field, params.get("json_path", field.name))


def path_of(field: FieldSchema, params: dict[str, Any]) -> tuple[Any, ...]:
    """The path an existing index on JSON field ``field`` covers (() for the whole document)."""
    try:
        return parse_path(field, params.get("json_path", field.name))
    except MilvusException:  # not a path index: the whole document
        return ()


def range_cast(params: dict[str, Any]) -> Optional[str]:
    """DOUBLE / VARCHAR for a path index whose values a B-tree can order, else None."""
    cast = params.get("json_cast_type")
    if not isinstance(cast, str) or cast.upper() not in JSON_VALUE_FUNCTIONS or "json_path" not in params:
        return None
    return cast.upper()


def create_btree_sql(schema_name: str, table: str, pg_index: str, field: FieldSchema,
                     params: dict[str, Any]) -> sql.Composed:
    """The B-tree on the path's typed value (the filter compiler writes the same expression)."""
    cast = range_cast(params)
    assert cast is not None
    expression = json_value(field.name, path_of(field, params), cast).sql(dialect="postgres")
    collate = sql.SQL(' COLLATE "C"') if cast == "VARCHAR" else sql.SQL("")
    return sql.SQL("CREATE INDEX {} ON {} USING btree (({}){})").format(
        sql.Identifier(pg_index), sql.Identifier(schema_name, table), sql.SQL(expression), collate)


def indexed_paths(info: Any) -> frozenset[tuple[str, tuple[Any, ...], str]]:
    """(JSON field, path keys, DOUBLE | VARCHAR) of the collection's range-capable path indexes."""
    out = set()
    for index in info.indexes:
        cast = range_cast(index.params)
        field = info.schema.field(index.field_name)
        if cast and field is not None:
            out.add((field.name, path_of(field, index.params), cast))
    return frozenset(out)
