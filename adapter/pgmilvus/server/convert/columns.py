"""Insert / upsert payloads: columnar ``FieldData`` -> the row dicts pgmilvus's insert takes.

Only the protocol is checked here (equal column lengths, whole vectors,
decodable JSON, known types); every value rule (types, ranges, max_length,
nullability, dynamic keys) is the core's, as for an in-process insert.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Optional, Sequence

import numpy as np
from pymilvus.grpc_gen import schema_pb2

from ...schema.model import DYNAMIC_FIELD
from ...errors import JSON_ERRORS, ErrorCode, MilvusException
from ...data.values import undivided_text
from ...types import DataType
from ..status import bad_request
from .schema import data_type
from .slots import BYTE_VECTORS, SCALAR_SLOTS, SPARSE_PAIR, sparse_pairs


#: Milvus's names of the vector types in its proxy's "array type mismatch" text.
_VECTOR_NAMES = {DataType.FLOAT_VECTOR: "float vector", DataType.FLOAT16_VECTOR: "float16 vector",
                 DataType.BFLOAT16_VECTOR: "bfloat16 vector", DataType.BINARY_VECTOR: "binary vector",
                 DataType.SPARSE_FLOAT_VECTOR: "sparse float vector", DataType.INT8_VECTOR: "int8 vector"}


#: Milvus's proxy words for a scalar column sent without values (validate_util): the text before
#: "field" and the expected kind.
_NIL_SCALARS = {DataType.INT8: ("", "need int array"), DataType.INT16: ("", "need int array"),
                DataType.INT32: ("", "need int array"), DataType.INT64: ("", "need long int array"),
                DataType.FLOAT: ("", "need float32 array"), DataType.DOUBLE: ("", "need float64(double) array"),
                DataType.VARCHAR: ("varchar ", "need string array"), DataType.JSON: ("json ", "need json array")}


def rows_from_columns(columns: Sequence[schema_pb2.FieldData], num_rows: int,
                      nullable: Callable[[str], bool] = lambda name: True,
                      structs: Optional[Callable[[schema_pb2.FieldData], Optional[list[Any]]]] = None,
                      elements: Callable[[str], Optional[DataType]] = lambda name: None
                      ) -> list[dict[str, Any]]:
    """The rows of an InsertRequest / UpsertRequest (``num_rows`` 0: taken from the columns).

    ``nullable(name)``: whether the collection's field may hold nulls; a vector column sent with no
    vector at all is then all nulls, else Milvus's proxy refuses it (validate_util's "array type
    mismatch": pymilvus sends a non-nullable vector field whose rows are all None that way).
    ``structs(column)``: an ArrayOfStruct column's values (convert/structs.struct_values), None
    when it carries no payload at all (its rows are then NULL).  ``elements(name)``: an ARRAY
    field's element type in the collection's schema, which each cell's slot must match."""
    decoded = []
    for col in columns:
        if is_struct_column(col):
            if structs is None:
                raise bad_request(f"field {col.field_name}: struct arrays cannot be written here")
            values = structs(col)
            decoded.append((col, [None] * (num_rows or _mask_rows(col)) if values is None else values))
        else:
            values = _values(col, elements)
            if values == [] and num_rows and not col.is_dynamic:
                _refuse_nil_scalars(col, nullable)
            decoded.append((col, _nil_vectors(col, nullable, num_rows) if values is None else values))
    for col, _ in decoded:
        _refuse_valid_data(col, nullable)
    lengths = {col.field_name or DYNAMIC_FIELD: len(values) for col, values in decoded}
    if not num_rows and lengths:
        num_rows = max(lengths.values())
    for name, length in lengths.items():
        if length != num_rows:  # Milvus's checkAligned: merr.WrapErrParameterInvalid(passed, field's, msg)
            raise MilvusException(ErrorCode.INVALID_PARAMETER,
                                  f"the num_rows ({length}) of field ({name}) is not equal to passed num_rows "
                                  f"({num_rows}): invalid parameter[expected={num_rows}][actual={length}]")
    rows: list[dict[str, Any]] = [{} for _ in range(num_rows)]
    for col, values in decoded:
        if col.is_dynamic:
            for at, (row, extra) in enumerate(zip(rows, values)):
                if extra is None:
                    continue
                if not isinstance(extra, dict):
                    raise bad_request(f"the dynamic field {col.field_name} holds {extra!r}, not a JSON object")
                if DYNAMIC_FIELD in extra:  # the Java SDK sends a row's "$meta" key in it (checkDynamicFieldData)
                    raise MilvusException(ErrorCode.SERVER_ERROR,
                                          f"cannot set json key to: {DYNAMIC_FIELD} (row {at}: {DYNAMIC_FIELD} names "
                                          "the dynamic field itself; rename the key)")
                for key, value in extra.items():
                    row.setdefault(key, value)
        else:
            name = col.field_name
            if col.type == DataType.JSON:  # the core reads a str in a JSON field as JSON text:
                values = [json.dumps(v) if isinstance(v, str) else v for v in values]  # a JSON string goes as one
            for row, value in zip(rows, values):
                row[name] = value
    return rows


def is_struct_column(col: schema_pb2.FieldData) -> bool:
    """An ArrayOfStruct column: by its type (pymilvus, Java) or by its ``struct_arrays`` payload.
    The Node SDK types a struct array's column as the field's ``Array`` (its element type is
    ``Struct``); Milvus's proxy tells struct columns by name, so it takes either."""
    return col.type == DataType._ARRAY_OF_STRUCT or col.WhichOneof("field") == "struct_arrays"


def _mask_rows(col: schema_pb2.FieldData) -> int:
    """The rows of a struct sent with no payload: as many as its sub-fields' valid_data flags."""
    return max((len(sub.valid_data) for sub in col.struct_arrays.fields), default=0)


def _nil_vectors(col: schema_pb2.FieldData, nullable: Callable[[str], bool], num_rows: int) -> list[Any]:
    """A vector column without a single vector (Milvus: its array is nil)."""
    if not nullable(col.field_name):
        kind = _VECTOR_NAMES[DataType(col.type)]
        raise MilvusException(ErrorCode.INVALID_PARAMETER, f"{kind} field '{col.field_name}' is illegal, array type "
                                                           f"mismatch: invalid parameter[expected=need {kind}][actual=got nil]")
    return [None] * (num_rows or len(col.valid_data))


def _refuse_nil_scalars(col: schema_pb2.FieldData, nullable: Callable[[str], bool]) -> None:
    """A scalar column without a single value in a request of rows: Milvus's proxy checks each
    column's type before their lengths (validate_util's check*FieldData: its array is nil), unless
    the field may be left out (nullable, or a default)."""
    words = _NIL_SCALARS.get(DataType(col.type))  # _values took the type already
    if words is None or col.valid_data or nullable(col.field_name):
        return
    kind, expected = words
    raise MilvusException(ErrorCode.INVALID_PARAMETER, f"{kind}field '{col.field_name}' is illegal, array type "
                                                       f"mismatch: invalid parameter[expected={expected}][actual=got nil]")


def _refuse_valid_data(col: schema_pb2.FieldData, nullable: Callable[[str], bool]) -> None:
    """A field that can hold no null (not nullable, no default) takes no ``valid_data`` at all
    (Milvus's nullutil.CheckValidData, once each column's type is checked)."""
    if not col.valid_data or col.is_dynamic or is_struct_column(col) or nullable(col.field_name):
        return
    raise MilvusException(ErrorCode.INVALID_PARAMETER,
                          f"the length of valid_data of field({col.field_name}) is wrong: invalid parameter"
                          f"[expected=0][actual={len(col.valid_data)}] (the field is not nullable: send its "
                          "values without valid_data)")


def _values(col: schema_pb2.FieldData, elements: Callable[[str], Optional[DataType]] = lambda name: None
            ) -> Optional[list[Any]]:
    """One column's values, one per row (None where ``valid_data`` says null); None for a vector
    column that holds no vector at all (see _nil_vectors)."""
    dtype = data_type(col.type, f"field {col.field_name}")
    if dtype in _VECTOR_NAMES and not col.valid_data and _no_vectors(col, dtype):
        return None
    if dtype in SCALAR_SLOTS:
        if dtype == DataType.ARRAY:
            _check_array_cells(col, elements(col.field_name))
        values = _scalars(col.scalars, dtype, col.field_name, col)
    elif dtype == DataType.FLOAT_VECTOR:
        values = _float_vectors(col)
    elif dtype in BYTE_VECTORS:
        values = _byte_vectors(col, dtype)
    elif dtype == DataType.SPARSE_FLOAT_VECTOR:
        values = [_sparse_row(raw, col.field_name) for raw in col.vectors.sparse_float_vector.contents]
    else:
        raise bad_request(f"field {col.field_name}: data type {dtype.name} cannot be inserted through "
                          "pgmilvus serve")
    return apply_valid(values, list(col.valid_data), col.field_name)


def _no_vectors(col: schema_pb2.FieldData, dtype: DataType) -> bool:
    vectors = col.vectors
    if dtype == DataType.FLOAT_VECTOR:
        return not vectors.float_vector.data
    if dtype == DataType.SPARSE_FLOAT_VECTOR:
        return not vectors.sparse_float_vector.contents
    return not getattr(vectors, BYTE_VECTORS[dtype][0])


def apply_valid(values: list[Any], valid: list[bool], name: str) -> list[Any]:
    """Nulls from ``valid_data``: full form (one value per row) or compact (values of valid rows only)."""
    if not valid:
        return values
    if len(values) == len(valid):
        return [v if ok else None for v, ok in zip(values, valid)]
    if len(values) == sum(valid):
        it = iter(values)
        return [next(it) if ok else None for ok in valid]
    raise bad_request(f"field {name} has {len(values)} values for {len(valid)} valid_data flags "
                      f"({sum(valid)} of them true)")


def _scalars(field: schema_pb2.ScalarField, dtype: DataType, name: str,
             col: schema_pb2.FieldData | None = None) -> list[Any]:
    slot = SCALAR_SLOTS[dtype]
    data = getattr(field, slot).data
    if dtype == DataType.JSON:
        return [_json(raw, name) for raw in data]
    if dtype == DataType.ARRAY:
        element = col.scalars.array_data.element_type if col is not None else 0
        element_type = data_type(element, f"the elements of field {name}") if element else None
        return [_array_cell(cell, element_type, name) for cell in data]
    return list(data)


#: Milvus's proxy words for an ARRAY field's element type (validate_util.checkArrayElement).
_ELEMENT_WORDS = {DataType.BOOL: "bool array", DataType.INT8: "int array", DataType.INT16: "int array",
                  DataType.INT32: "int array", DataType.INT64: "int64 array", DataType.FLOAT: "float array",
                  DataType.DOUBLE: "double array", DataType.VARCHAR: "string array"}


def _check_array_cells(col: schema_pb2.FieldData, element: Optional[DataType]) -> None:
    """Each cell of an ARRAY column must fill the slot of the schema's element type, whatever
    element type the column declares (an SDK sends int64 cells for an INT8 array, bools for an
    INT64 one): Milvus's proxy refuses the request with the Go type of the cell it met."""
    expected = _ELEMENT_WORDS.get(element) if element is not None else None
    if expected is None:
        return
    slot = SCALAR_SLOTS[element]
    for cell in col.scalars.array_data.data:
        kind = cell.WhichOneof("data")
        if kind is None or kind == slot:  # no slot at all: an empty array (or a null row's cell)
            continue
        actual = "*schemapb.ScalarField_" + "".join(part.capitalize() for part in kind.split("_")) + " array"
        raise MilvusException(ErrorCode.INVALID_PARAMETER, f"insert data does not match: invalid parameter"
                                                           f"[expected={expected}][actual={actual}] (field "
                                                           f"{col.field_name})")


def _array_cell(cell: schema_pb2.ScalarField, element_type: DataType | None, name: str) -> list[Any]:
    kind = cell.WhichOneof("data")
    if kind is None:
        return []
    if element_type is not None and SCALAR_SLOTS.get(element_type) != kind:
        raise bad_request(f"field {name}: an array cell holds {kind}, not {element_type.name} elements")
    return list(getattr(cell, kind).data)


def _json(raw: bytes, name: str) -> Any:
    """A JSON cell's value; empty bytes are null, as the Node SDK writes a null (or falsy) value and
    reads empty bytes back."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (*JSON_ERRORS, UnicodeDecodeError):
        raise bad_request(f"field {name} holds bytes that are not JSON: {bytes(raw[:60])!r}") from None


def _float_vectors(col: schema_pb2.FieldData) -> list[Any]:
    dim, flat = col.vectors.dim, col.vectors.float_vector.data
    if dim <= 0:
        raise bad_request(f"field {col.field_name}: the vectors' dim is {dim}")
    if len(flat) % dim:
        raise bad_request(f"{undivided_text(DataType.FLOAT_VECTOR, len(flat), dim)} (field {col.field_name}: a "
                          "truncated vector?)", int(ErrorCode.SERVER_ERROR))
    return list(np.asarray(flat, dtype=np.float32).reshape(-1, dim))


def _byte_vectors(col: schema_pb2.FieldData, dtype: DataType) -> list[bytes]:
    slot, per_dim = BYTE_VECTORS[dtype]
    raw, dim = getattr(col.vectors, slot), col.vectors.dim
    width = int(dim * per_dim)
    if dim <= 0 or width <= 0 or dim * per_dim != width:
        raise bad_request(f"field {col.field_name}: dim {dim} is not valid for {dtype.name}")
    if len(raw) % width:
        raise bad_request(f"{undivided_text(dtype, len(raw), dim)} (field {col.field_name}: a truncated vector?)",
                          int(ErrorCode.SERVER_ERROR))
    return [raw[i:i + width] for i in range(0, len(raw), width)]


def _sparse_row(raw: bytes, name: str) -> dict[int, float]:
    """One row of a sparse column; its pairs must come in strictly increasing index order below
    2^32-1, which Milvus's proxy checks on the bytes (typeutil.ValidateSparseFloatRows): a dict would
    otherwise silently merge a repeated index."""
    if len(raw) % SPARSE_PAIR.size:
        raise bad_request(f"field {name}: a sparse vector of {len(raw)} bytes is not whole (index, value) pairs")
    row: dict[int, float] = {}
    for index, value in sparse_pairs(raw, lambda index, last: MilvusException(
            ErrorCode.INVALID_PARAMETER, "unsorted or same indices in sparse float vector: invalid parameter "
                                         f"(field {name}: index {index} after {last})")):
        if index == 0xFFFFFFFF:
            raise MilvusException(ErrorCode.INVALID_PARAMETER, "invalid index in sparse float vector: must be "
                                  f"less than 2^32-1: invalid parameter (field {name})")
        row[index] = value
    return row
