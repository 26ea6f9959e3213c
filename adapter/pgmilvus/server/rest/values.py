"""Entity values between Milvus's REST JSON and the pgmilvus client's Python values.

In: as Milvus's ``checkAndSetData`` (httpserver/utils.go) reads a row: a binary
or float16 / bfloat16 vector is a base64 string (Go's ``[]byte``) or a list
(bytes, or float32 values for fp16 / bf16), a sparse vector a ``{"index":
value}`` or ``{"indices", "values"}`` object.  Out: as ``buildQueryResp``
prints one: Int64 as a string unless ``Accept-Type-Allow-Int64`` is true,
float32 values at float32 precision, bytes vectors base64, a JSON field as its
JSON text, an Array as Go prints a ``ScalarField`` (``{"Data": {"IntData":
{"data": [...]}}}``), a search hit's score under ``distance``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any, Mapping, Optional

import numpy as np

from ...errors import JSON_ERRORS, MilvusException, invalid_parameter
from ...types import VECTOR_TYPES, DataType, go_name
from .databases import go_value
from .insert_checks import parameter_invalid

ALLOW_INT64 = "Accept-Type-Allow-Int64"  # httpserver/constant.go HTTPHeaderAllowInt64
DISTANCE = "distance"
BYTES_VECTORS = (DataType.BINARY_VECTOR, DataType.FLOAT16_VECTOR, DataType.BFLOAT16_VECTOR)
_INTS = (DataType.INT8, DataType.INT16, DataType.INT32, DataType.INT64)
#: Text Go's strconv reads as a number or a bool (ParseInt base 10, ParseFloat, ParseBool).
_INT_TEXT = re.compile(r"[+-]?[0-9]+\Z")
_FLOAT_TEXT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\Z")
_BOOL_TEXT = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
              "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False}
#: The ScalarField oneof slot Go names for an Array's element type.
_ARRAY_SLOTS = {DataType.BOOL: "BoolData", DataType.INT8: "IntData", DataType.INT16: "IntData",
                DataType.INT32: "IntData", DataType.INT64: "LongData", DataType.FLOAT: "FloatData",
                DataType.DOUBLE: "DoubleData", DataType.VARCHAR: "StringData", DataType.STRING: "StringData"}


def allow_int64(headers: Mapping[str, str]) -> bool:
    """Go's ``strconv.ParseBool`` of the header: anything unparsable is false."""
    return (headers.get(ALLOW_INT64) or "").strip() in ("1", "t", "T", "TRUE", "true", "True")


def fields_of(described: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The client's describe_collection fields by name."""
    return {f["name"]: f for f in described.get("fields", [])}


def struct_vector(described: dict[str, Any], name: str) -> bool:
    """Whether ``name`` is a vector sub-field of a struct array, ``clips[emb]`` (an ArrayOfVector)."""
    struct, _, sub = name.partition("[")
    field = fields_of(described).get(struct)
    return bool(field and sub.endswith("]") and any(
        s["name"] == sub[:-1] and DataType(s["type"]) in VECTOR_TYPES for s in field.get("struct_fields", [])))


def primary_of(described: dict[str, Any]) -> dict[str, Any]:
    return next(f for f in described.get("fields", []) if f.get("is_primary"))


# -- rows in -------------------------------------------------------------------------------------------


def rows_in(data: Optional[list], fields: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The body's ``data`` rows with each schema field's JSON value made the client's value."""
    if not data:
        raise MilvusException(1802, "missing required parameters")
    return [{key: _value_in(fields[key], value) if key in fields and value is not None else value
             for key, value in (row or {}).items()} for row in data]


def search_ids(ids: list, primary: dict[str, Any]) -> list:
    """convertIDsToSchemapbIDs: an Int64 key from a JSON number without a fraction or a decimal
    string (ids beyond 2**53 survive as strings), a VarChar key from a string or a number."""
    int64 = DataType(primary["type"]) == DataType.INT64
    out: list = []
    for i, value in enumerate(ids):
        expected = "int64" if int64 else "string"
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            kind = {bool: "bool", list: "[]interface {}", dict: "map[string]interface {}"}.get(type(value), "<nil>")
            raise invalid_parameter(f"invalid id type at index {i}: expected {expected}, got {kind}")
        if int64 and isinstance(value, float) and not value.is_integer():
            raise invalid_parameter(f"invalid int64 id at index {i}: {value!r} has fractional part")
        if int64 and isinstance(value, str):
            try:
                value = int(value, 10)
            except ValueError:
                raise invalid_parameter(f"invalid int64 id at index {i}: {value}: strconv.ParseInt: parsing "
                                        f"{json.dumps(value)}: invalid syntax") from None
        if not int64 and isinstance(value, str) and value == "":
            raise invalid_parameter(f"empty string id at index {i}")
        out.append(int(value) if int64 else value if isinstance(value, str) else go_value(value))
    return out


def query_vector(field: dict[str, Any], value: Any) -> Any:
    """A search's query vector, read as a row's value of its field."""
    return _value_in(field, value)


def score(value: Any) -> float:
    """A float32 as Go prints it: a hit's score, a FLOAT value outside a row."""
    return _f32(value)


def _value_in(field: dict[str, Any], value: Any) -> Any:
    dtype = DataType(field["type"])
    try:
        if dtype in BYTES_VECTORS:
            return _bytes_vector(dtype, value)
        if dtype == DataType.SPARSE_FLOAT_VECTOR:
            return _sparse(value)
        if dtype == DataType.JSON and isinstance(value, str):
            return json.loads(value)
        if isinstance(value, str) and dtype in _SCALAR_TEXT:
            return _SCALAR_TEXT[dtype](value)
    except (*JSON_ERRORS, TypeError, binascii.Error) as exc:
        raise parameter_invalid(go_name(dtype), value, str(exc)) from None
    return value


def _int_text(value: str) -> int:
    """A number in a string, as checkAndSetData reads Int fields (an Int64 id a query printed as
    text, written back: the Node HttpClient's read-modify-upsert)."""
    if not _INT_TEXT.match(value):
        raise ValueError(f'strconv.ParseInt: parsing {json.dumps(value)}: invalid syntax')
    return int(value)


def _float_text(value: str) -> float:
    if not _FLOAT_TEXT.match(value):
        raise ValueError(f'strconv.ParseFloat: parsing {json.dumps(value)}: invalid syntax')
    return float(value)


def _bool_text(value: str) -> bool:
    if value not in _BOOL_TEXT:
        raise ValueError(f'strconv.ParseBool: parsing {json.dumps(value)}: invalid syntax')
    return _BOOL_TEXT[value]


_SCALAR_TEXT = {**{d: _int_text for d in _INTS}, DataType.FLOAT: _float_text, DataType.DOUBLE: _float_text,
                DataType.BOOL: _bool_text}


def _bytes_vector(dtype: DataType, value: Any) -> Any:
    """Go's ``[]byte`` (base64 text or a list of bytes); fp16 / bf16 may also be float32 values
    (the client reads raw bytes as the vector's little-endian 16-bit floats)."""
    if isinstance(value, str):
        return base64.b64decode(value, validate=True)
    return bytes(value) if dtype == DataType.BINARY_VECTOR else value


def _sparse(value: Any) -> dict[int, float]:
    """typeutil.CreateSparseFloatRowFromJSON: ``{"3": 0.5}`` or ``{"indices": [3], "values": [0.5]}``."""
    if not isinstance(value, dict):
        raise ValueError("invalid JSON input for sparse float vector")
    if set(value) == {"indices", "values"}:
        return {int(i): float(v) for i, v in zip(value["indices"], value["values"], strict=True)}
    return {int(k): float(v) for k, v in value.items()}


# -- rows out ------------------------------------------------------------------------------------------


def row_out(row: Mapping[str, Any], fields: dict[str, dict[str, Any]], int64: bool) -> dict[str, Any]:
    """One query row (or search hit's entity) as buildQueryResp prints it."""
    return {key: value_out(fields.get(key), value, int64) for key, value in row.items()}


def value_out(field: Optional[dict[str, Any]], value: Any, int64: bool) -> Any:
    if value is None:
        return None
    if field is None:  # a dynamic field (Go re-decodes $meta) or an aggregate such as count(*)
        return _plain(value)
    dtype = DataType(field["type"])
    if dtype == DataType.INT64:
        return int64_out(value, int64)
    if dtype == DataType.FLOAT:
        return _f32(value)
    if dtype == DataType.FLOAT_VECTOR:
        return [_f32(v) for v in value]
    if dtype in BYTES_VECTORS:
        return base64.b64encode(_raw(value)).decode()
    if dtype == DataType.INT8_VECTOR:
        return [int(v) for v in _raw_list(value)]
    if dtype == DataType.SPARSE_FLOAT_VECTOR:
        return {str(k): _f32(v) for k, v in sorted(dict(value).items())}
    if dtype == DataType.JSON:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if dtype == DataType.ARRAY and field.get("element_type") == DataType.STRUCT:
        return _structs(field, value, int64)
    if dtype == DataType.ARRAY:
        return _array(field, value)
    return _plain(value)


def _structs(field: dict[str, Any], value: list, int64: bool) -> list[dict[str, Any]]:
    """extractStructArrayRow: one object per element, its sub-fields by their short names (scalars
    as their array's elements print, vectors as float32 lists)."""
    subs = {s["name"]: s for s in field.get("struct_fields", [])}
    out = []
    for element in value:
        row = {}
        for key, item in element.items():
            sub = subs.get(key)
            if sub is not None and DataType(sub["type"]) in VECTOR_TYPES:
                row[key] = value_out(sub, item, int64)  # float vectors as float32 lists
            else:
                row[key] = _plain(item)
        out.append(row)
    return out


def int64_out(value: Any, int64: bool) -> Any:
    """An Int64 (a column, ``count(*)``, an aggregation's counts): a JSON number only when the caller
    allows one (``formatRESTInt64``), since JavaScript's numbers lose precision past 2**53."""
    return int(value) if int64 else str(int(value))


def _array(field: dict[str, Any], value: list) -> dict[str, Any]:
    element = DataType(field.get("element_type", DataType.NONE))
    slot = _ARRAY_SLOTS.get(element, "StringData")
    items = [_f32(v) if element == DataType.FLOAT else _plain(v) for v in value]
    return {"Data": {slot: {"data": items} if items else {}}}


def _raw(value: Any) -> bytes:
    """A bytes vector as the client returns it: bytes, a one-item list of bytes, or a numpy array."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], (bytes, bytearray)):
        value = value[0]
    if isinstance(value, np.ndarray):
        return value.tobytes()
    return bytes(value)


def _raw_list(value: Any) -> list:
    return list(np.asarray(value).ravel()) if not isinstance(value, list) else value


def _f32(value: Any) -> float:
    """A float32 as Go's encoding/json prints it: the shortest text that reads back as that float32."""
    return float(str(np.float32(value)))


def _plain(value: Any) -> Any:
    """numpy scalars and arrays as JSON values."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
