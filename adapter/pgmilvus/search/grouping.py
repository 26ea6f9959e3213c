"""The group value of a grouping search: a scalar field or a JSON value, as Milvus 2.6 groups.

2.6's segcore groups by INT8-INT64, TIMESTAMPTZ, BOOL, VARCHAR and JSON fields (the
dynamic field too).  A JSON value is found by a path and grouped

- by its JSON text when no ``json_type`` is given (``1`` and ``1.0`` are two groups,
  a missing path is the null group);
- by its typed value with ``json_type`` (Bool, Int8-Int64, VarChar): a value of another
  JSON type is the null group, integers wrap to the narrower type as C++ casts do, and
  ``strict_cast=True`` makes such a value an error instead.

Which path: ``group_by_field`` names a field (a JSON field: its whole value), a path
(``meta["k"][0]``) or a dynamic key (``color``, ``color["rgb"]``), and ``json_path``,
when given, overrides the path.  That is Milvus master's reading of the name (the fix
of milvus#46605): 2.6 resolves a dynamic key's name to the whole dynamic field and
groups by all of ``$meta``, which is never what the caller meant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from psycopg import sql

from ..catalog.store import CollectionInfo
from ..errors import ErrorCode, MilvusException, invalid_parameter
from ..filters import identifier
from ..schema.model import DYNAMIC_FIELD
from ..types import DataType
from .params import SearchRequest

#: Field types a grouping search accepts (2.6's SearchGroupByOperator).
GROUPABLE = {DataType.INT8, DataType.INT16, DataType.INT32, DataType.INT64, DataType.TIMESTAMPTZ,
             DataType.BOOL, DataType.VARCHAR, DataType.JSON}
#: json_type names (schemapb.DataType) -> integer width in bits, 0 for Bool, None for VarChar.
JSON_TYPES: dict[str, Optional[int]] = {"Bool": 0, "Int8": 8, "Int16": 16, "Int32": 32, "Int64": 64,
                                         "VarChar": None}
#: segcore's C++ type names in its cast errors.
_CPP_NAMES = {0: "bool", 8: "int8_t", 16: "int16_t", 32: "int32_t", 64: "int64_t"}

#: segcore's names of the vector types (milvus::DataType), which its group-by error prints
_SEGCORE_NAMES = {DataType.FLOAT_VECTOR: "VECTOR_FLOAT", DataType.BINARY_VECTOR: "VECTOR_BINARY",
                  DataType.FLOAT16_VECTOR: "VECTOR_FLOAT16", DataType.BFLOAT16_VECTOR: "VECTOR_BFLOAT16",
                  DataType.SPARSE_FLOAT_VECTOR: "VECTOR_SPARSE_FLOAT", DataType.INT8_VECTOR: "VECTOR_INT8"}


@dataclass(frozen=True)
class GroupBy:
    """What one grouping search groups by (column ``t.<column>``, a JSON path in it)."""

    column: str
    json: bool
    path: tuple[str, ...] = ()
    json_type: Optional[str] = None
    strict_cast: bool = False

    def expression(self) -> sql.Composable:
        """The group value of a row of ``t`` (NULL: the null group)."""
        column = sql.Identifier("t", self.column)
        if not self.json:
            return column
        value = self._value()
        if self.json_type is None:
            return sql.SQL("({})::text").format(value)
        bits = JSON_TYPES[self.json_type]
        text = sql.SQL("({} #>> '{{}}')").format(value)
        if bits is None:
            return sql.SQL("CASE WHEN jsonb_typeof({v}) = 'string' THEN {t} END").format(v=value, t=text)
        if bits == 0:
            return sql.SQL("CASE WHEN jsonb_typeof({v}) = 'boolean' THEN ({v})::boolean END").format(v=value)
        number = sql.SQL("{}::numeric").format(text)
        if bits == 64:
            typed: sql.Composable = sql.SQL("{}::int8").format(number)
        else:  # C++'s static_cast of an int64 to a narrower integer keeps the low bits
            half, whole = 1 << (bits - 1), 1 << bits
            typed = sql.SQL("(mod(mod({n} + {h}, {w}) + {w}, {w}) - {h})::int8").format(
                n=number, h=sql.Literal(half), w=sql.Literal(whole))
        return sql.SQL("CASE WHEN jsonb_typeof({v}) = 'number' AND {t} ~ '^-?[0-9]+$' AND {n} BETWEEN "
                       "-9223372036854775808 AND 9223372036854775807 THEN {typed} END").format(
            v=value, t=text, n=number, typed=typed)

    def uncastable(self) -> Optional[sql.Composable]:
        """With ``strict_cast``: the condition of a row segcore refuses (a JSON value that is
        there but not of ``json_type``, or a missing path); None when nothing is refused."""
        if not (self.json and self.strict_cast):
            return None
        return sql.SQL("({} IS NOT NULL AND {} IS NULL)").format(sql.Identifier("t", self.column),
                                                                 self.expression())

    def cast_error(self) -> MilvusException:
        """segcore's error for a value ``uncastable`` finds."""
        if self.json_type is None:
            text = "failed to cast json object node to string, wrong json data inner type"
        elif JSON_TYPES[self.json_type] is None:
            text = "failed to cast json string to string, wrong json data inner type"
        else:
            text = f"failed to cast json value to {_CPP_NAMES[JSON_TYPES[self.json_type]]}, wrong json data inner type"
        return MilvusException(ErrorCode.SERVER_ERROR, text)

    def _value(self) -> sql.Composable:
        column = sql.Identifier("t", self.column)
        if not self.path:
            return column
        return sql.SQL("({} #> {}::text[])").format(column, sql.Literal(list(self.path)))


def group_by(info: CollectionInfo, request: SearchRequest) -> GroupBy:
    """The request's grouping, with Milvus's errors (its proxy's, then segcore's)."""
    name = str(request.group_by_field)
    schema = info.schema
    base = name.split("[", 1)[0] if "[" in name and "]" in name else name
    field = schema.field(base)
    path: Optional[str] = None
    if field is not None:
        column = field.name
        if field.dtype == DataType.JSON and base != name:
            path = name
    elif schema.enable_dynamic_field:
        field, column, path = None, DYNAMIC_FIELD, name
    else:
        raise MilvusException(ErrorCode.FIELD_NOT_FOUND, f"groupBy field not found in schema: field not "
                                                         f"found[field={name}]")
    if request.group_json_path is not None:
        path = request.group_json_path
    dtype = field.dtype if field is not None else DataType.JSON
    keys = _keys(path, info, column) if path else ()
    if dtype not in GROUPABLE:
        raise ungroupable(dtype)
    json_type = request.group_json_type if request.group_json_type in JSON_TYPES else None
    return GroupBy(column, dtype == DataType.JSON, keys, json_type, request.group_strict_cast)


def ungroupable(dtype: DataType) -> MilvusException:
    """segcore's refusal of a field type it cannot group by (grouping searches, search_aggregation)."""
    kind = _SEGCORE_NAMES.get(dtype, dtype.name)
    return invalid_parameter(f"unsupported data type {kind} for group by operator: group by needs an "
                             "INT8-INT64, TIMESTAMPTZ, BOOL, VARCHAR or JSON field")


def _keys(path: str, info: CollectionInfo, column: str) -> tuple[str, ...]:
    """The JSON pointer tokens of ``path`` (Milvus's ParseAndVerifyNestedPath)."""
    found = identifier(path, info.schema)
    if found is None:
        raise MilvusException(ErrorCode.QUERY_PLAN, f"cannot parse identifier: {path}")
    ref_column, keys = found
    if ref_column != column:
        raise MilvusException(ErrorCode.SERVER_ERROR, "fieldID not match with field name")
    return tuple(str(key) for key in keys)
