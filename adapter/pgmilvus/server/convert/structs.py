"""ARRAY<STRUCT> values on the wire: ``FieldData`` of type ArrayOfStruct <-> the core's rows.

A struct array travels column by column (spec: Milvus's proxy, pymilvus's prepare.py): one
FieldData of type ArrayOfStruct per struct, its ``struct_arrays.fields`` one FieldData per
sub-field — an Array (one ScalarField per row: that row's elements) or an ArrayOfVector (one
VectorField per row: the row's element vectors concatenated).  The core takes and gives rows
(``{"clips": [{"label": "a", "emb": [...]}, ...]}`` or None); this module only reshapes, and
refuses payloads whose shape is broken with the texts of Milvus's checkAndFlattenStructFieldData.
Every value rule (capacity, lengths, types, dims of the vectors) stays the core's.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np
from pymilvus.grpc_gen import schema_pb2

from ...errors import invalid_parameter
from ...schema.model import FieldSchema
from ...schema.structs import StructFieldSchema, split_column_name
from ...types import DataType, go_name
from .columns import apply_valid
from .slots import BYTE_VECTORS, SCALAR_SLOTS

#: Bytes per dimension of a vector sub-field's payload (float vectors: one float per dimension).
_PER_DIM = {DataType.FLOAT_VECTOR: 1, **{t: per_dim for t, (_, per_dim) in BYTE_VECTORS.items()}}


# -- insert / upsert: FieldData -> rows ------------------------------------------------------------

def struct_values(col: schema_pb2.FieldData, struct: Optional[StructFieldSchema],
                  collection: str) -> Optional[list[Optional[list[dict[str, Any]]]]]:
    """The rows' values of one ArrayOfStruct column (None per NULL row); None when every
    sub-field is empty, which Milvus takes for a struct not sent (all NULL if nullable)."""
    subs = _struct_fields(col, struct, collection)
    assert struct is not None
    if not _has_payload(col.field_name, subs):
        return None
    if struct.nullable:
        _same_masks(col.field_name, subs)
    columns = [_sub_column(struct, sub) for sub in subs]
    per_sub = [_sub_rows(col.field_name, sub, column, len(subs)) for sub, column in zip(subs, columns)]
    valid = list(subs[0].valid_data)
    _same_counts(col.field_name, subs, per_sub, valid)
    names = [c.sub_name for c in columns]
    values = [[dict(zip(names, items)) for items in zip(*row)] for row in zip(*per_sub)]
    return apply_valid(values, valid, col.field_name)


def _struct_fields(col: schema_pb2.FieldData, struct: Optional[StructFieldSchema],
                   collection: str) -> list[schema_pb2.FieldData]:
    """The column's sub-field FieldData, one per sub-field of the schema's struct."""
    name = col.field_name
    if struct is None:
        raise invalid_parameter(f"fieldName {name} not exist in collection schema, fieldType {go_name(col.type)}, "
                                f"fieldId {col.field_id}")
    if col.WhichOneof("field") != "struct_arrays":
        raise invalid_parameter(f"field convert FieldData_StructArrays fail in fieldData, fieldName: {name}, "
                                f"collectionName:{collection}")
    subs = list(col.struct_arrays.fields)
    if len(subs) != len(struct.fields):
        raise invalid_parameter(f"length of fields of struct field mismatch length of the fields in schema, fieldName: "
                                f"{name}, collectionName:{collection}, fieldData fields length:{len(subs)}, schema "
                                f"fields length:{len(struct.fields)}")
    return subs


def _has_payload(name: str, subs: list[schema_pb2.FieldData]) -> bool:
    """Whether the sub-fields carry rows: all of them, or none (then no row may claim to be valid)."""
    filled = sum(1 for s in subs if _payload_rows(s) is not None)
    if filled == 0:
        for sub in subs:
            if any(sub.valid_data):
                row = list(sub.valid_data).index(True)
                raise invalid_parameter(f"sub-field '{sub.field_name}' in struct '{name}' claims row {row} is valid but "
                                        "no payload is provided")
        return False
    if filled != len(subs):
        raise invalid_parameter(f"inconsistent sub-field data in struct '{name}': {filled} of {len(subs)} sub-fields "
                                "have data, all must be present or all absent")
    return True


def _same_counts(name: str, subs: list[schema_pb2.FieldData], per_sub: list[list[list[Any]]],
                 valid: list[bool]) -> None:
    """As many payload rows in every sub-field, as many as ``valid_data`` marks valid, and as many
    elements in each row of every sub-field (rows named by their logical number)."""
    payload_rows = len(per_sub[0])
    for sub, rows in zip(subs[1:], per_sub[1:]):
        if len(rows) != payload_rows:
            raise invalid_parameter(f"inconsistent array length in struct field '{name}': expected {payload_rows}, got "
                                    f"{len(rows)} for sub-field '{sub.field_name}'")
    compact = bool(valid) and sum(valid) == payload_rows
    if valid and not compact and len(valid) != payload_rows:
        raise invalid_parameter(f"invalid ValidData for struct '{name}': true count {sum(valid)} does not match payload "
                                f"row count {payload_rows}")
    logical = [i for i, ok in enumerate(valid) if ok] if compact else list(range(payload_rows))
    for sub, rows in zip(subs[1:], per_sub[1:]):
        for at, (first, other) in enumerate(zip(per_sub[0], rows)):
            if len(first) != len(other):
                raise invalid_parameter(f"inconsistent struct element count in struct '{name}' at row {logical[at]}: "
                                        f"'{subs[0].field_name}' has {len(first)}, '{sub.field_name}' has {len(other)}")


def missing_structs(schema: Any, columns: Sequence[schema_pb2.FieldData]) -> None:
    """Milvus's last flatten check of an insert: every struct array that is not nullable is sent."""
    sent = {c.field_name for c in columns}
    for struct in schema.struct_fields:
        if not struct.nullable and struct.name not in sent:
            raise invalid_parameter(f"required struct array field '{struct.name}' is missing in insert data")


def _payload_rows(sub: schema_pb2.FieldData) -> Optional[Sequence[Any]]:
    """The sub-field's payload rows, None when it carries none (Milvus's subFieldHasData)."""
    kind = sub.WhichOneof("field")
    if kind == "scalars" and sub.scalars.HasField("array_data") and sub.scalars.array_data.data:
        return sub.scalars.array_data.data
    if kind == "vectors" and sub.vectors.HasField("vector_array") and sub.vectors.vector_array.data:
        return sub.vectors.vector_array.data
    return None


def _same_masks(name: str, subs: list[schema_pb2.FieldData]) -> None:
    first = subs[0]
    for sub in subs[1:]:
        if len(sub.valid_data) != len(first.valid_data):
            raise invalid_parameter(f"sub-field ValidData length mismatch in struct '{name}': '{first.field_name}' has "
                                    f"{len(first.valid_data)}, '{sub.field_name}' has {len(sub.valid_data)}")
        for row, (a, b) in enumerate(zip(first.valid_data, sub.valid_data)):
            if a != b:
                raise invalid_parameter(f"sub-field ValidData mismatch in struct '{name}' at row {row}: "
                                        f"'{first.field_name}'={str(a).lower()}, '{sub.field_name}'={str(b).lower()}")


def _sub_column(struct: StructFieldSchema, sub: schema_pb2.FieldData) -> FieldSchema:
    """The column of the sub-field a FieldData names, bare (``label``) or stored (``clips[label]``)."""
    bare = sub.field_name
    split = split_column_name(bare)
    if split is not None and split[0] == struct.name:
        bare = split[1]
    column = next((c for c in struct.columns() if c.sub_name == bare), None)
    if column is None:
        raise invalid_parameter(f"sub-field '{sub.field_name}' not found in struct schema '{struct.name}'")
    return column


def _sub_rows(name: str, sub: schema_pb2.FieldData, column: FieldSchema, count: int) -> list[list[Any]]:
    """One list of element values per payload row of a sub-field."""
    where = sub.field_name
    if column.dtype == DataType.ARRAY:
        if sub.WhichOneof("field") != "scalars":
            raise invalid_parameter(f"scalar array data is nil in struct field '{name}', sub-field '{where}'")
        out = []
        for row, cell in enumerate(sub.scalars.array_data.data):
            kind = cell.WhichOneof("data")
            if kind is None and count > 1:
                raise invalid_parameter(f"struct '{name}' row {row} sub-field '{where}': nil array data")
            out.append(list(getattr(cell, kind).data) if kind else [])
        return out
    if sub.WhichOneof("field") != "vectors":
        raise invalid_parameter(f"vector array data is nil in struct field '{name}', sub-field '{where}'")
    element = DataType(column.element_type)
    width = int(column.dim * _PER_DIM[element])
    out = []
    for row, vectors in enumerate(sub.vectors.vector_array.data):
        if element == DataType.FLOAT_VECTOR:
            payload: Any = np.asarray(vectors.float_vector.data, dtype=np.float32)
        else:
            payload = getattr(vectors, BYTE_VECTORS[element][0])
        if len(payload) % width:
            if count > 1:
                raise invalid_parameter(f"struct '{name}' row {row} sub-field '{where}': payload length "
                                        f"{len(payload)} is not divisible by vector width {width}")
            raise invalid_parameter(
                f"array of vector field {column.name} has invalid payload length {len(payload)}, should be divisible "
                f"by vector width {width}: invalid parameter[expected=valid array of vector payload length][actual="
                "invalid payload length]", wraps=0)
        out.append([payload[i:i + width] for i in range(0, len(payload), width)])
    return out


# -- reads: rows -> FieldData ------------------------------------------------------------------------

def struct_column(struct: StructFieldSchema, struct_id: int, sub_ids: dict[str, int],
                  columns: Sequence[FieldSchema], values: Sequence[Optional[list[dict[str, Any]]]]
                  ) -> schema_pb2.FieldData:
    """One ArrayOfStruct FieldData of a result, as Milvus's proxy regroups it: a dense entry per
    row in every returned sub-field (an empty one for a NULL row, marked in ``valid_data`` when
    the struct is nullable), every vector row carrying its ``dim``."""
    fd = schema_pb2.FieldData(type=int(DataType._ARRAY_OF_STRUCT), field_name=struct.name, field_id=struct_id)
    for column in columns:
        sub = fd.struct_arrays.fields.add(type=int(column.dtype), field_name=column.sub_name,
                                          field_id=sub_ids.get(column.sub_name, 0))
        if struct.nullable:
            sub.valid_data.extend(v is not None for v in values)
        items = [None if v is None else [element[column.sub_name] for element in v] for v in values]
        if column.dtype == DataType.ARRAY:
            _scalar_rows(sub, column, items)
        else:
            _vector_rows(sub, column, items)
    return fd


def _scalar_rows(sub: schema_pb2.FieldData, column: FieldSchema, items: list[Optional[list[Any]]]) -> None:
    array = sub.scalars.array_data
    array.element_type = int(column.element_type)
    slot = SCALAR_SLOTS[column.element_type]
    for item in items:
        cell = array.data.add()
        if item is not None:
            getattr(cell, slot).data.extend(item)
            getattr(cell, slot).SetInParent()


def _vector_rows(sub: schema_pb2.FieldData, column: FieldSchema, items: list[Optional[list[Any]]]) -> None:
    element = DataType(column.element_type)
    dim = int(column.dim or 0)
    sub.vectors.dim = dim
    array = sub.vectors.vector_array
    array.dim = dim
    array.element_type = int(element)
    for item in items:
        row = array.data.add(dim=dim)
        if element == DataType.FLOAT_VECTOR:
            row.float_vector.data.extend(np.asarray(item or [], dtype=np.float32).ravel().tolist())
            row.float_vector.SetInParent()
        else:
            setattr(row, BYTE_VECTORS[element][0], b"".join(_vector_bytes(element, v) for v in item or []))


def _vector_bytes(element: DataType, value: Any) -> bytes:
    """One element vector in the core's read shape (pymilvus's: ``[bytes]`` for binary, a list of
    numpy scalars for float16 / bfloat16 bit patterns / int8) as its payload bytes."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], (bytes, bytearray)):
        return bytes(value[0])
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    dtype = {DataType.FLOAT16_VECTOR: "<f2", DataType.BFLOAT16_VECTOR: "<u2",
             DataType.INT8_VECTOR: np.int8}.get(element, np.uint8)
    return np.asarray(value, dtype=dtype).tobytes()


def struct_columns(rows: Sequence[dict[str, Any]], plan: Any, schema: Any) -> list[schema_pb2.FieldData]:
    """The ArrayOfStruct columns of a read's rows: one per struct array the output plan returns
    (data/outputs.OutputPlan.structs), in schema order, with the field ids describe gives."""
    ids = {struct.name: (struct, struct_id, dict(zip((f.name for f in struct.fields), sub_ids)))
           for struct, struct_id, sub_ids in schema.struct_ids()}
    out = []
    for name, columns, _ in plan.structs:
        struct, struct_id, sub_ids = ids[name]
        out.append(struct_column(struct, struct_id, sub_ids, columns, [row.get(name) for row in rows]))
    return out


# -- element-level results ---------------------------------------------------------------------------

#: The key of a hit's (and an element-level query row's) element position, as pymilvus shows it.
OFFSET = "offset"


def hit_offsets(hits: Sequence[Any], pk_name: str) -> Optional[list[int]]:
    """SearchResultData.element_indices of an element-level search (a struct's vector sub-field
    searched with a plain vector): the core gives each hit its element's position as
    ``hit["offset"]`` (search/structs.py); None for row-level hits, which carry none."""
    if pk_name == OFFSET or not hits or dict.get(hits[0], OFFSET) is None:
        return None
    return [int(dict.get(hit, OFFSET)) for hit in hits]


def element_rows(rows: Sequence[dict[str, Any]], pk_name: str
                 ) -> Optional[tuple[list[dict[str, Any]], list[list[int]]]]:
    """An element-level query's rows (one per selected element, with ``"offset"``) regrouped as
    Milvus sends them: one row per entity, and QueryResults.element_indices listing its elements'
    positions.  None for any other result.

    STUB MARKER: the core does not mark element-level query results on this branch yet; this
    reads ``rows.element_level`` (a flag on the core's result list, as ``rows.aggregate`` marks an
    aggregating query) and does nothing until the core sets it."""
    if not getattr(rows, "element_level", False):
        return None
    entities: list[dict[str, Any]] = []
    indices: list[list[int]] = []
    for row in rows:
        entity = {k: v for k, v in row.items() if k != OFFSET}
        if entities and entity.get(pk_name) == entities[-1].get(pk_name):
            indices[-1].append(int(row[OFFSET]))
            continue
        entities.append(entity)
        indices.append([int(row[OFFSET])])
    return entities, indices
