"""Which columns a read returns, and how a stored row becomes the dict pymilvus gives.

Shared by query/get/query_iterator (reads.py) and search (search.py): both
resolve ``output_fields`` the same way ("*", "$meta", dynamic keys,
``count(*)``, unknown names) and both must hand back values in pymilvus's
Python shapes (float vectors as ``list[float]``, byte vectors as
``[bytes]``, sparse as ``{int: float}``), so the rules live here once.

Usage (the signatures are stable)::

    plan = output_plan(schema, output_fields)              # query: None -> "*"
    plan = output_plan(schema, output_fields, default_all=False, include_pk=False)  # search entity
    sql.SQL(", ").join(plan.select_items("t"))             # the SELECT list (qualified by alias "t")
    row_dict = plan.decode(values)                         # values: the plan.width selected values

``plan.count`` is True for ``count(*)``: then ``select_items`` is ``[count(*)]``
and ``decode`` gives ``{"count(*)": n}``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import numpy as np
from psycopg import sql

from ..errors import ErrorCode, MilvusException, ParamError
from ..filters.ast import Path
from ..filters.errors import SyntaxProblem
from ..filters.lexer import is_identifier
from ..filters.parser import parse
from ..schema.model import DYNAMIC_FIELD, CollectionSchema, FieldSchema
from ..types import DataType
from . import structs, timestamps

COUNT_STAR = "count(*)"
_F32 = struct.Struct("f")


# -- value decoders (stored value -> pymilvus's Python value) ----------------------------------

def _float32(value: float) -> float:
    """The float32 value as a Python float, as pymilvus returns FLOAT fields (0.1 -> 0.10000000149...)."""
    return _F32.unpack(_F32.pack(value))[0]


def _dense_floats(value: Any) -> list[float]:
    # pgvector's Vector / HalfVector (or a numpy array): float32 values as Python floats.
    arr = value.to_numpy() if hasattr(value, "to_numpy") else np.asarray(value)
    return arr.astype(np.float32).tolist()


def _float16_bytes(value: Any) -> list[bytes]:
    arr = value.to_numpy() if hasattr(value, "to_numpy") else np.asarray(value)
    return [arr.astype("<f2").tobytes()]


def _bfloat16_bytes(value: Any) -> list[bytes]:
    arr = value.to_numpy() if hasattr(value, "to_numpy") else np.asarray(value)
    bits = np.ascontiguousarray(arr, dtype=np.float32).view(np.uint32)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype("<u2")  # round to nearest even
    return [rounded.tobytes()]


def _int8_bytes(value: Any) -> list[bytes]:
    arr = value.to_numpy() if hasattr(value, "to_numpy") else np.asarray(value)
    return [np.rint(arr).astype(np.int8).tobytes()]


def _binary_bytes(value: Any) -> list[bytes]:
    """bit(dim) -> [bytes], most significant bit first (as pgvector's Bit packs it)."""
    if isinstance(value, str):  # text format: '0101...'
        return [int(value, 2).to_bytes(len(value) // 8, "big") if value else b""]
    if hasattr(value, "to_numpy"):
        return [np.packbits(value.to_numpy()).tobytes()]
    return [bytes(value)[4:]]  # binary format: bit length (int32), then the packed bits


def _sparse_dict(value: Any) -> dict[int, float]:
    indices = value.indices()
    values = np.asarray(value.values(), dtype=np.float32).tolist()
    return dict(zip((int(i) for i in indices), values))


def _float_array(value: Any) -> list[float]:
    return [None if v is None else _float32(v) for v in value]


def _identity(value: Any) -> Any:
    return value


def value_decoder(field_schema: FieldSchema, timezone_name: str = timestamps.DEFAULT_TIMEZONE,
                  time_fields: Optional[tuple[str, ...]] = None) -> Callable[[Any], Any]:
    """The function that turns a non-NULL stored value of ``field_schema`` into pymilvus's value
    (a TIMESTAMPTZ one rendered in ``timezone_name``, or as its ``time_fields``: timestamps.py)."""
    if field_schema.dtype == DataType.TIMESTAMPTZ:
        return timestamps.decoder(timezone_name, time_fields)
    if field_schema.dtype == DataType.ARRAY and field_schema.element_type == DataType.FLOAT:
        return _float_array
    if field_schema.is_wide:
        return _joined(_DECODERS[field_schema.dtype])
    return _DECODERS.get(field_schema.dtype, _identity)


def _joined(decode: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A wide vector's pieces (schema/model.py WIDE_PIECE) put back together, then decoded."""
    return lambda pieces: decode(np.concatenate([p.to_numpy() for p in pieces]))


# -- the plan ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class OutputPlan:
    """What a read returns: schema fields (in schema order), dynamic keys, or count(*).

    ``fields``: schema fields whose columns are selected, in order.
    ``dynamic_keys``: dynamic keys named explicitly (taken from ``$meta``).
    ``all_dynamic``: "*" or "$meta" was asked: every ``$meta`` key is flattened into the row.
    ``count``: the request was ``count(*)``.
    """

    fields: tuple[FieldSchema, ...] = ()
    dynamic_keys: tuple[str, ...] = ()
    all_dynamic: bool = False
    count: bool = False
    _decoders: tuple[Callable[[Any], Any], ...] = field(default=(), repr=False, compare=False)
    #: struct array fields returned: (name, the sub-field columns selected, their zipper), after
    #: the fields (data/structs.py)
    structs: tuple[tuple[str, tuple[FieldSchema, ...], Callable[[Sequence[Any]], Any]], ...] = ()

    @property
    def needs_meta(self) -> bool:
        return self.all_dynamic or bool(self.dynamic_keys)

    @property
    def width(self) -> int:
        """How many values ``select_items`` selects (and ``decode`` consumes)."""
        if self.count:
            return 1
        return len(self.fields) + self._struct_width + (1 if self.needs_meta else 0)

    @property
    def _struct_width(self) -> int:
        return sum(len(columns) for _, columns, _ in self.structs)

    @property
    def names(self) -> list[str]:
        """Schema field names returned (dynamic keys are per row)."""
        return [f.name for f in self.fields]

    @property
    def struct_names(self) -> list[str]:
        """Struct array fields returned (after ``names``)."""
        return [name for name, _, _ in self.structs]

    def select_items(self, qualifier: Optional[str] = None) -> list[sql.Composable]:
        """The SELECT list items, each column qualified by ``qualifier`` (a table alias) if given."""
        if self.count:
            return [sql.SQL("count(*)")]

        def col(name: str) -> sql.Identifier:
            return sql.Identifier(qualifier, name) if qualifier else sql.Identifier(name)

        items: list[sql.Composable] = [col(f.name) for f in self.fields]
        items += [col(c.name) for _, columns, _ in self.structs for c in columns]
        if self.needs_meta:
            items.append(col(DYNAMIC_FIELD))
        return items

    def select_sql(self, qualifier: Optional[str] = None) -> sql.Composable:
        """``select_items`` joined with commas (``NULL`` when nothing is selected)."""
        items = self.select_items(qualifier)
        return sql.SQL(", ").join(items) if items else sql.SQL("NULL")

    def decode_rows(self, rows: list[tuple]) -> list[dict[str, Any]]:
        """``decode`` of every row, in one loop: a read of plain columns (integers, strings,
        floats: values that come back from the server as pymilvus returns them) builds each
        dict with ``zip``, without a call per value."""
        if self.count or self.needs_meta or self.structs or any(d is not _identity for d in self._decoders):
            decode = self.decode
            return [decode(r) for r in rows]
        names = self.names
        return [dict(zip(names, r)) for r in rows]

    def decode(self, values: Sequence[Any]) -> dict[str, Any]:
        """The selected ``values`` (in ``select_items`` order) as the dict pymilvus returns."""
        if self.count:
            return {COUNT_STAR: int(values[0])}
        row: dict[str, Any] = {}
        for i, (f, dec) in enumerate(zip(self.fields, self._decoders)):
            value = values[i]  # a plain column's value as it comes (no call per value)
            row[f.name] = value if value is None or dec is _identity else dec(value)
        at = len(self.fields)
        for name, columns, zip_row in self.structs:
            row[name] = zip_row(values[at:at + len(columns)])
            at += len(columns)
        if self.all_dynamic or self.dynamic_keys:  # needs_meta, read without a call per row
            meta = values[at] or {}
            if self.all_dynamic:
                for key, value in meta.items():
                    row.setdefault(key, value)
            else:
                for key in self.dynamic_keys:
                    if key in meta:
                        row.setdefault(key, meta[key])
        return row


def output_plan(schema: CollectionSchema, output_fields: Optional[Sequence[str]], *,
                default_all: bool = True, include_pk: bool = True,
                timezone: str = timestamps.DEFAULT_TIMEZONE,
                time_fields: Optional[tuple[str, ...]] = None) -> OutputPlan:
    """Resolve ``output_fields`` like Milvus does.

    ``default_all``: None / [] means "*" (query/get); False means nothing but the PK (search).
    ``include_pk``: the primary key is always returned (query/get); search passes False since
    the PK travels as the hit's id.
    ``timezone`` / ``time_fields``: how TIMESTAMPTZ values are returned (timestamps.read_timezone,
    timestamps.time_fields).
    Errors: unknown name with the dynamic field off -> 1100 ``field X not exist``;
    ``count(*)`` with other names -> ``parse output field name failed: count(*)``.
    """
    names = checked_names(output_fields)
    counts = [n for n in names if n.replace(" ", "").lower() == COUNT_STAR]
    if counts:
        if len(names) != 1:
            raise MilvusException(ErrorCode.INVALID_PARAMETER,
                                  f"parse output field name failed: {COUNT_STAR}: count(*) cannot be "
                                  "combined with other output fields")
        return OutputPlan(count=True)
    if not names and default_all:
        names = ["*"]

    wanted: set[str] = set()
    struct_subs: dict[str, set[str]] = {}  # struct field -> its sub-fields asked for
    dynamic_keys: list[str] = []
    all_dynamic = False
    hidden = schema.bm25_outputs  # Milvus's schemaInfo.CanRetrieveRawFieldData: BM25 outputs are not
    for name in names:
        name = name.strip()
        if name == "*":
            wanted.update(f.name for f in schema.fields if f.name not in hidden)
            struct_subs.update((s.name, {f.name for f in s.fields}) for s in schema.struct_fields)
            all_dynamic = all_dynamic or schema.enable_dynamic_field
        elif schema.struct_field(name) is not None:
            struct_subs[name] = {f.name for f in schema.struct_field(name).fields}
        elif name in hidden:
            raise MilvusException(ErrorCode.SERVER_ERROR, f"not allowed to retrieve raw data of field {name}")
        elif name == DYNAMIC_FIELD:
            if not schema.enable_dynamic_field:
                raise MilvusException(ErrorCode.INVALID_PARAMETER, f"field {name} not exist")
            all_dynamic = True
        elif schema.field(name) is not None:
            column = schema.field(name)
            if column.struct_name is not None:  # "struct[sub]": the structs with that sub-field only
                struct_subs.setdefault(column.struct_name, set()).add(column.sub_name)
            else:
                wanted.add(name)
        elif schema.enable_dynamic_field:
            key = _dynamic_key(name)
            if key is None:
                raise MilvusException(ErrorCode.INVALID_PARAMETER, f"parse output field name failed: {name}")
            # ``$meta["x"]`` where x is also a schema field (added by add_collection_field) gives
            # neither: the field was not named, the key is shadowed (Milvus issue 41702)
            if key not in dynamic_keys and schema.field(key) is None:
                dynamic_keys.append(key)
        else:
            raise MilvusException(ErrorCode.INVALID_PARAMETER, f"field {name} not exist")
    if include_pk:
        wanted.add(schema.primary_field.name)
    fields = tuple(f for f in schema.fields if f.name in wanted)
    return OutputPlan(fields=fields, dynamic_keys=tuple(dynamic_keys) if not all_dynamic else (),
                      all_dynamic=all_dynamic, _decoders=tuple(value_decoder(f, timezone, time_fields) for f in fields),
                      structs=_struct_outputs(schema, struct_subs, timezone))


#: A struct's vector sub-field, one element, as pymilvus decodes it (entity_helper's
#: _materialize_vector_array_value): 16-bit and int8 vectors as lists of numpy scalars (bfloat16
#: as uint16 where numpy has no bfloat16), not the [bytes] of a vector field.
_ELEMENT_NUMPY = {DataType.FLOAT16_VECTOR: (_float16_bytes, "<f2"), DataType.INT8_VECTOR: (_int8_bytes, "i1"),
                  DataType.BFLOAT16_VECTOR: (_bfloat16_bytes, "<u2")}


def _struct_element_decoder(column: FieldSchema, timezone: str) -> Callable[[Any], Any]:
    element = column.element_type
    if element in _ELEMENT_NUMPY:
        to_bytes, dtype = _ELEMENT_NUMPY[element]
        return lambda value: list(np.frombuffer(to_bytes(value)[0], dtype=dtype))
    return value_decoder(FieldSchema(column.name, element, dim=column.dim), timezone)


def _struct_outputs(schema: CollectionSchema, asked: dict[str, set[str]], timezone: str) -> tuple:
    """The struct arrays of a plan, in schema order, each with its asked sub-fields in struct order."""
    out = []
    for struct in schema.struct_fields:
        subs = asked.get(struct.name)
        if not subs:
            continue
        columns = tuple(c for c in schema.struct_columns if c.struct_name == struct.name and c.sub_name in subs)
        decoders = [_struct_element_decoder(c, timezone) for c in columns]
        out.append((struct.name, columns, structs.zipper(struct, [c.sub_name for c in columns], decoders)))
    return tuple(out)


def checked_names(output_fields: Any) -> list[str]:
    """``output_fields`` as a list of names, refused as pymilvus refuses anything but a list of str
    (None and ``""``, which pymilvus sends for none, are no names)."""
    if output_fields is None or output_fields == "":
        return []
    if isinstance(output_fields, str) or not isinstance(output_fields, (list, tuple)):
        raise ParamError(message=f"Invalid query format. 'output_fields' must be a list (got "
                                 f"{output_fields!r}; e.g. [\"*\"])")
    for name in output_fields:
        if not isinstance(name, str):
            raise ParamError(message=f"Invalid query format. 'output_fields' must be a list of str (got "
                                     f"{output_fields!r})")
    return list(output_fields)


def _dynamic_key(name: str) -> Optional[str]:
    """The dynamic key an output field names: a bare identifier, or Milvus's explicit form
    ``$meta["key"]`` (one string key); None for anything else (a JSON field's subkey, two levels),
    which Milvus refuses too."""
    if is_identifier(name):
        return name
    if not name.startswith(DYNAMIC_FIELD):
        return None
    try:
        node = parse(name)
    except SyntaxProblem:
        return None
    if isinstance(node, Path) and node.base == DYNAMIC_FIELD and len(node.keys) == 1 \
            and isinstance(node.keys[0], str):
        return node.keys[0]
    return None


#: Stored form -> pymilvus's form, per type (every other type comes back as stored).
_DECODERS: dict[DataType, Callable[[Any], Any]] = {
    DataType.FLOAT: _float32,
    DataType.FLOAT_VECTOR: _dense_floats,
    DataType.FLOAT16_VECTOR: _float16_bytes,
    DataType.BFLOAT16_VECTOR: _bfloat16_bytes,
    DataType.INT8_VECTOR: _int8_bytes,
    DataType.BINARY_VECTOR: _binary_bytes,
    DataType.SPARSE_FLOAT_VECTOR: _sparse_dict,
}
