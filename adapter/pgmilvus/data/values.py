"""Validation and encoding of field values for writing, with pymilvus's and Milvus's errors.

Every value is checked here, before Postgres sees it, so a bad row fails
with the exception class and message a pymilvus user knows (plus the row
index, the field and the value) instead of a driver error, and nothing of
the batch is written.

Encoded values are ready for psycopg's *binary* protocol: plain Python
scalars for scalar columns, and the wire bytes themselves (wrapped in the
marker classes below) for pgvector and jsonb columns, so COPY does no
per-value conversion work of its own.  ``writes.py`` registers the dumpers
for the marker classes (``wire_dumpers``).

Decoding (stored value -> pymilvus's Python value) lives in ``outputs.py``.
"""

from __future__ import annotations

import json
import math
import struct
import sys
import warnings
from array import array
from datetime import datetime, timezone
from typing import Any, Callable, Optional, Sequence

import numpy as np
from psycopg.adapt import Dumper
from psycopg.pq import Format

from ..errors import JSON_ERRORS, DataNotMatchException, ErrorCode, MilvusException, ParamError, client_side
from ..schema.model import DYNAMIC_FIELD, FieldSchema
from ..types import DataType, INT_RANGES
from . import timestamps, wkt
from ..pg import instants

#: The dimension every sparsevec is stored with: pgvector needs one, and both sides of a
#: distance must have the same; Milvus indices are < 2**32 - 1, pgvector's are < 1e9.
SPARSE_DIM = 1_000_000_000
SPARSE_MAX_NNZ = 16_000
_F32_MAX = float(np.finfo(np.float32).max)
_F16_MAX = 65504.0

Encoder = Callable[[Any, int], Any]


# -- wire markers (bytes already in the binary format of the column type) ---------------------

class VectorWire(bytes):
    """pgvector ``vector`` binary: dim u16, unused u16, dim big-endian float32."""


class HalfvecWire(bytes):
    """pgvector ``halfvec`` binary: dim u16, unused u16, dim big-endian float16."""


class BitWire(bytes):
    """``bit``/``varbit`` binary: bit length int32, then the packed bits."""


class SparseWire(bytes):
    """pgvector ``sparsevec`` binary: dim, nnz, unused (int32), nnz indices (0-based), nnz float32."""


class JsonbWire(bytes):
    """``jsonb`` binary: version byte 1, then the JSON text in UTF-8."""


class VectorArrayWire(bytes):
    """``vector[]`` binary (a struct array's vector sub-field, data/structs.py): array_send's layout."""


class HalfvecArrayWire(bytes):
    """``halfvec[]`` binary."""


class BitArrayWire(bytes):
    """``bit[]`` binary."""


class Int8ArrayWire(bytes):
    """``bigint[]`` binary (copy_binary.int8_array): a batch's primary keys as one parameter."""


class TimestamptzWire(bytes):
    """``timestamptz`` binary (instants.pg_binary): any instant Milvus takes, years before 1 and
    after 9999 UTC too, which no datetime holds."""


WIRE_TYPES = {"vector": VectorWire, "halfvec": HalfvecWire, "bit": BitWire,
              "sparsevec": SparseWire, "jsonb": JsonbWire}
EMPTY_OBJECT = JsonbWire(b"\x01{}")


class _WireDumper(Dumper):
    """Pass bytes that are already in the column type's binary format through untouched."""

    format = Format.BINARY

    def dump(self, obj: bytes) -> bytes:
        return obj


class _Int8ArrayDumper(_WireDumper):
    """Int8ArrayWire as ``bigint[]``.  The oid is set per instance, not on the class: a class oid
    would also make this the dumper COPY's set_types() picks for every bigint[] column, whose
    values (ARRAY fields) are lists."""

    oid = 0

    def __init__(self, cls: type, context: Any = None) -> None:
        super().__init__(cls, context)
        self.oid = _INT8_ARRAY_OID


_INT8_ARRAY_OID = 1016


class _TimestamptzDumper(_WireDumper):
    """TimestamptzWire as ``timestamptz``.  Its oid on the class makes it the dumper COPY's
    set_types() picks for every timestamptz column too, whose values are TimestamptzWire (the
    TIMESTAMPTZ encoder's); an aware datetime, should one come, is converted."""

    oid = instants.TIMESTAMPTZ_OID

    def dump(self, obj: Any) -> bytes:
        if isinstance(obj, bytes):
            return obj
        return instants.pg_binary(instants.from_datetime(obj if obj.tzinfo else obj.replace(tzinfo=timezone.utc)))


def wire_adapters(conn: Any) -> None:
    """Let ``conn`` send the wire markers above as-is, in binary, with their types' oids.

    Registered once per adapters map, for COPY and for query parameters alike; the
    marker classes are pgmilvus's own, so no other value is affected.  The map, not the
    connection, keeps the mark: a pooled connection bound as a caller's (callers.py, an
    import job's transaction) runs with another map swapped in.  The oids come from the
    connection's type registry (pgvector's types are registered on every pooled
    connection), so this costs no query.
    """
    if getattr(conn.adapters, "_pgmilvus_wire", False):
        return
    for type_name, cls in WIRE_TYPES.items():
        info = conn.adapters.types.get(type_name)
        if info is not None:
            conn.adapters.register_dumper(cls, type(f"{cls.__name__}Dumper", (_WireDumper,),
                                                    {"oid": info.oid}))
        if info is not None and type_name in ("vector", "halfvec"):
            _register_array(conn, {"vector": VectorArrayWire, "halfvec": HalfvecArrayWire}[type_name], info.array_oid,
                            info.oid)
    _register_array(conn, BitArrayWire, _BIT_ARRAY_OID, _BIT_OID)
    conn.adapters.register_dumper(Int8ArrayWire, _Int8ArrayDumper)
    conn.adapters.register_dumper(TimestamptzWire, _TimestamptzDumper)
    conn.adapters._pgmilvus_wire = True


_BIT_ARRAY_OID, _BIT_OID = 1561, 1560


def with_element_oid(wire: Optional[bytes], oid: int) -> Optional[bytes]:
    """An array ``_wide_encoder`` wrote (element oid 0: pgvector's types have no fixed oid), with its
    element type's oid: _ArrayWireDumper's for a bound parameter, the writer's for COPY, which
    sends the wire as it is."""
    if wire is None or wire[8:12] != b"\0\0\0\0":
        return wire
    return type(wire)(wire[:8] + struct.pack(">I", oid) + wire[12:])


class _ArrayWireDumper(_WireDumper):
    """An array of vectors, passed through, with its element oid set if an encoder left it 0."""

    element_oid = 0

    def dump(self, obj: bytes) -> bytes:
        return with_element_oid(obj, self.element_oid)


def _register_array(conn: Any, cls: type, oid: int, element_oid: int) -> None:
    """An array of vectors (a struct's vector sub-field, a wide vector field): psycopg's COPY picks
    dumpers by the column's oid, so the passthrough is registered for the array type."""
    conn.adapters.register_dumper(cls, type(f"{cls.__name__}Dumper", (_ArrayWireDumper,),
                                            {"oid": oid, "element_oid": element_oid}))


# -- error helpers ------------------------------------------------------------------------------

_LABELS = {DataType.INT8: "int", DataType.INT16: "int", DataType.INT32: "int",
           DataType.TIMESTAMPTZ: "string"}


def _label(dtype: DataType) -> str:
    return _LABELS.get(dtype, dtype.name.lower())


def _show(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def type_mismatch(field: FieldSchema, value: Any, row: int, detail: str = "") -> DataNotMatchException:
    """pymilvus's FieldDataInconsistent message, with the row and value appended."""
    message = (f"The Input data type is inconsistent with defined schema, {{{field.name}}} field should "
               f"be a {_label(field.dtype)}, but got a {{{type(value)}}} instead.")
    where = f"row {row}, value {_show(value)}"
    return DataNotMatchException(message=f"{message} Detail: {detail + '; ' if detail else ''}{where}")


def not_finite(field: FieldSchema, value: float, row: int) -> MilvusException:
    """Milvus's server check on float data (Go's %f spelling of NaN / +Inf / -Inf)."""
    text = "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
    return MilvusException(ErrorCode.SERVER_ERROR,
                           f"value '{text}' is not a number or infinity (row {row}, field {field.name}): "
                           "Milvus stores only finite floats")


def wrong_dim(field: FieldSchema, got: int, row: int) -> MilvusException:
    return MilvusException(ErrorCode.INVALID_PARAMETER,
                           f"the dim ({got}) of field data({field.name}) is not equal to schema dim "
                           f"({field.dim}) (row {row}): invalid parameter[expected={field.dim}][actual={got}]")


def undivided_text(dtype: DataType, size: int, dim: int) -> str:
    """Milvus 2.6's proxy text (funcutil.GetNumRowsOf*VectorField) for a column whose ``size``
    (floats for FLOAT_VECTOR, else bytes) is no whole number of vectors of ``dim``."""
    if dtype == DataType.FLOAT_VECTOR:
        return f"the length({size}) of float data should divide the dim({dim})"
    if dtype == DataType.BINARY_VECTOR:
        return f"the num({8 * size}) of all bits should divide the dim({dim})"
    if dtype == DataType.INT8_VECTOR:
        return f"the length({size}) of int8 data should divide the dim({dim})"
    kind = "float16" if dtype == DataType.FLOAT16_VECTOR else "bfloat"
    return f"the length({size}) of {kind} data should divide the row width({2 * dim})"


def undivided_float_data(field: FieldSchema, column: list[Any], base: int) -> Optional[MilvusException]:
    """Milvus 2.6's proxy first checks that a FLOAT_VECTOR column's floats, all rows end to end as
    pymilvus sends them, divide into vectors of the schema's dim (funcutil.GetNumRowsOfFloatVectorField),
    before any other check of the column: its text when they do not (pgmilvus's row detail after
    it), else None.  Only for columns of sequences: anything else fails pymilvus's own checks."""
    if field.dtype != DataType.FLOAT_VECTOR:
        return None
    present = [value for value in column if value is not None]
    if not all(isinstance(value, (list, tuple, np.ndarray)) for value in present):
        return None
    dim = int(field.dim)
    floats = sum(len(value) for value in present)
    if floats % dim == 0:
        return None
    row = next(i for i, value in enumerate(column) if value is not None and len(value) != dim)
    return MilvusException(ErrorCode.SERVER_ERROR,
                           f"{undivided_text(DataType.FLOAT_VECTOR, floats, dim)} "
                           f"(row {base + row} of field {field.name} has {len(column[row])} dimensions)")


def missing_field(field: FieldSchema, row: int) -> DataNotMatchException:
    """pymilvus's client-side text for a row without a required field; over the wire (an SDK that
    sends the request without that column) the text of Milvus 2.6's proxy (checkFieldsDataBySchema)."""
    return _missing_value(field, row, f"fieldSchema({field.name}) has no corresponding fieldData pass in")


def missing_upsert_pk(field: FieldSchema, row: int) -> DataNotMatchException:
    """An upsert row without its primary key: over the wire (the Go SDK, the Java SDK on an auto_id
    collection) the text of Milvus master's proxy, whose upsert looks for the key column before any
    other field (CheckDuplicatePkExist), whatever the collection's auto_id."""
    return _missing_value(field, row, f"must assign pk when upsert, primary field: {field.name}")


def _missing_value(field: FieldSchema, row: int, server_text: str) -> DataNotMatchException:
    """pymilvus's "Insert missed an field" in process, ``server_text`` (1100) over the wire."""
    fix = f"(row {row}: give `{field.name}` a value)"
    return client_side(
        DataNotMatchException(message=f"Insert missed an field `{field.name}` to collection without set "
                                      f"nullable==true or set default_value {fix}"),
        MilvusException(ErrorCode.INVALID_PARAMETER, f"{server_text}: invalid parameter {fix}"))


def unsent_field(field: FieldSchema, row: int) -> MilvusException:
    """Milvus 2.6's proxy text for a partial update of a new entity that lacks a field (pymilvus
    does not check a partial row; the server does)."""
    return MilvusException(ErrorCode.INVALID_PARAMETER,
                           f"fieldSchema({field.name}) has no corresponding fieldData pass in: invalid parameter "
                           f"(row {row}: a partial update of an entity that does not exist yet must give every "
                           "field that is not nullable and has no default)")


def unexpected_field(name: Any, row: int) -> DataNotMatchException:
    return DataNotMatchException(
        message=f"Attempt to insert an unexpected field `{name}` to collection without enabling dynamic "
                f"field (row {row}: remove the key or create the collection with "
                "enable_dynamic_field=True)")


# -- scalars -------------------------------------------------------------------------------------

def _is_int(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or isinstance(value, np.integer)


def _is_number(value: Any) -> bool:
    return _is_int(value) or isinstance(value, (float, np.floating))


def _int_encoder(field: FieldSchema) -> Encoder:
    lo, hi = INT_RANGES[field.dtype]

    def encode(value: Any, row: int) -> int:
        if not _is_int(value):
            raise type_mismatch(field, value, row)
        value = int(value)
        if not lo <= value <= hi:
            raise out_of_range(field, value, row, lo, hi)
        return value
    return encode


def out_of_range(field: FieldSchema, value: int, row: int, lo: int, hi: int) -> DataNotMatchException:
    """pymilvus's text for an integer its field cannot hold; over the wire (an SDK that sends it: the
    Java SDK sends an INT8 / INT16 value in the int32 column unchecked) Milvus 2.6's proxy text
    (verifyOverflowByRange), with the field named after it."""
    return client_side(
        type_mismatch(field, value, row, f"Value out of range: {value}"),
        MilvusException(ErrorCode.INVALID_PARAMETER,
                        f"the {row}th element ({value}) out of range: [{lo}, {hi}]: invalid parameter"
                        f"[expected=integer doesn't overflow][actual=out of range] (field {field.name}: "
                        f"{field.dtype.name} holds {lo} to {hi})"))


def _float_encoder(field: FieldSchema) -> Encoder:
    single = field.dtype == DataType.FLOAT

    def encode(value: Any, row: int) -> float:
        if not _is_number(value):
            raise type_mismatch(field, value, row)
        value = float(value)
        if not math.isfinite(value):
            raise not_finite(field, value, row)
        if single and abs(value) > _F32_MAX:
            raise MilvusException(ErrorCode.INVALID_PARAMETER,
                                  f"value {value} of field {field.name} (row {row}) is out of the FLOAT "
                                  "(float32) range: invalid parameter; use a DOUBLE field for larger values")
        return value
    return encode


def _bool_encoder(field: FieldSchema) -> Encoder:
    def encode(value: Any, row: int) -> bool:
        if isinstance(value, (bool, np.bool_)) or _is_int(value):
            return bool(value)
        raise type_mismatch(field, value, row)
    return encode


def _check_text(field: FieldSchema, value: str, row: int, what: str = "string") -> None:
    if "\x00" in value:
        raise MilvusException(ErrorCode.INVALID_PARAMETER,
                              f"the {row}th {what} of field {field.name} contains a NUL character (\\x00), "
                              "which PostgreSQL text cannot store: invalid parameter; remove it")


def _varchar_encoder(field: FieldSchema) -> Encoder:
    max_length = field.byte_limit

    def encode(value: Any, row: int) -> str:
        if not isinstance(value, str):
            raise type_mismatch(field, value, row)
        # Milvus counts UTF-8 bytes, not characters.
        if len(value) * 4 > max_length:
            size = len(value.encode())
            if size > max_length:  # Milvus 2.6's proxy text (validate_util.go)
                raise MilvusException(
                    ErrorCode.INVALID_PARAMETER,
                    f"length of varchar field {field.name} exceeds max length, row number: {row}, length: "
                    f"{size}, max length: {max_length}: invalid parameter (value {_show(value)})")
        _check_text(field, value, row)
        return value
    return encode


def _text_encoder(field: FieldSchema) -> Encoder:
    def encode(value: Any, row: int) -> str:
        if not isinstance(value, str):
            raise type_mismatch(field, value, row)
        _check_text(field, value, row)
        return value
    return encode


def _timestamp_encoder(field: FieldSchema, timezone_name: str) -> Encoder:
    """ISO strings as Milvus 2.6 takes them (timestamps.parse: years 0000..9999 in any zone), or
    datetimes; a value without an offset is a local time in the collection's zone
    ``timezone_name``.  The wire value is the instant's binary timestamptz: no datetime holds
    every instant Milvus takes, and COPY takes the bytes as they are (copy_binary)."""
    tz = timestamps.zone(timezone_name)

    def encode(value: Any, row: int) -> TimestamptzWire:
        if isinstance(value, str):
            parsed = timestamps.parse(value, timezone_name)
        elif isinstance(value, datetime):
            parsed = instants.from_datetime(value if value.tzinfo else value.replace(tzinfo=tz))
        else:
            raise type_mismatch(field, value, row)
        if parsed is None:
            raise MilvusException(
                ErrorCode.INVALID_PARAMETER,
                f"got invalid timestamptz string '{value}': invalid timezone name; must be a valid IANA Time "
                f"Zone ID (e.g., 'Asia/Shanghai' or 'UTC'): invalid parameter (field {field.name}, row {row}: "
                "use ISO 8601 like '2024-12-31T22:00:00+08:00', '2024-12-31 22:00:00Z' or a local "
                "'2024-12-31 22:00:00', offsets within -12:00..+14:00)")
        return TimestamptzWire(instants.pg_binary(parsed))
    return encode


#: pymilvus checks GEOMETRY strings against the VARCHAR default length (Config.MaxVarCharLength).
GEOMETRY_MAX_CHARS = 65535


def geometry_text(name: str, value: str, where: str) -> str:
    """Milvus 2.6's check of a GEOMETRY value (proxy checkGeometryFieldData: go-geom's
    WKT parser, merr IO failed 1001), and the WKT it returns for it: pgmilvus stores
    that normalized text, so every read gives back what Milvus would."""
    try:
        return wkt.normalize(value)
    except wkt.WKTError as exc:
        raise MilvusException(ErrorCode.IO_FAILED,
                              f"IO failed: {exc}\n(field {name}, {where}, value {_show(value)}: "
                              "give a WKT string such as 'POINT (1 2)')") from None


def _geometry_encoder(field: FieldSchema) -> Encoder:
    def encode(value: Any, row: int) -> str:
        if not isinstance(value, str):
            raise type_mismatch(field, value, row)
        if len(value) > GEOMETRY_MAX_CHARS:
            raise ParamError(message=f"invalid input of field ({field.name}), length of string exceeds max "
                                     f"length. length: {len(value)}, max length: {GEOMETRY_MAX_CHARS}")
        return geometry_text(field.name, value, f"row {row}")
    return encode


# -- JSON ----------------------------------------------------------------------------------------

def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _check_keys(value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise DataNotMatchException(message="JSON key must be str.")
            if isinstance(item, (dict, list)):
                _check_keys(item)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)):
                _check_keys(item)


def json_text(value: Any, where: str) -> str:
    """Serialise one JSON value, refusing what Milvus/Postgres refuse (with ``where`` in the message)."""
    try:
        _check_keys(value)
    except DataNotMatchException as exc:
        raise DataNotMatchException(message=f"{exc.message} ({where})") from None
    except RecursionError:  # nested deeper than json.dumps would go either
        raise DataNotMatchException(message=f"Invalid JSON value: maximum recursion depth exceeded ({where}): "
                                            "the value nests lists or dicts about 1,000 levels deep or more; "
                                            "flatten it") from None
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                          default=_json_default)
    except (TypeError, *JSON_ERRORS) as exc:
        raise DataNotMatchException(message=f"Invalid JSON value: {exc} ({where}, value "
                                            f"{_show(value)}); use only str/int/float/bool/None/list/dict "
                                            "with finite numbers") from None
    if "\\u0000" in text:
        raise DataNotMatchException(message=f"Invalid JSON value: strings containing \\u0000 cannot be "
                                            f"stored by PostgreSQL jsonb ({where})")
    return text


def _json_encoder(field: FieldSchema) -> Encoder:
    def encode(value: Any, row: int) -> JsonbWire:
        if isinstance(value, (str, bytes)):
            # pymilvus parses a str given for a JSON field as JSON text.
            try:
                value = json.loads(value)
            except JSON_ERRORS as exc:
                raise DataNotMatchException(message=f"Invalid JSON string: {exc}. Input string: "
                                                    f"{_show(value)} (row {row}, field {field.name})") from None
        return JsonbWire(b"\x01" + json_text(value, f"row {row}, field {field.name}").encode())
    return encode


def encode_meta(extra: dict[str, Any], row: int) -> JsonbWire:
    """The dynamic-field object of one row (keys not in the schema)."""
    if not extra:
        return EMPTY_OBJECT
    return JsonbWire(b"\x01" + json_text(extra, f"row {row}, dynamic field {DYNAMIC_FIELD}").encode())


# -- arrays --------------------------------------------------------------------------------------

def _array_encoder(field: FieldSchema) -> Encoder:
    assert field.element_type is not None
    element_field = FieldSchema(field.name, field.element_type,
                                **({"max_length": field.max_length} if field.max_length else {}))
    element = scalar_encoder(element_field)
    capacity = int(field.max_capacity or 4096)
    limit = element_field.byte_limit if field.element_type == DataType.VARCHAR else 0

    def encode(value: Any, row: int) -> list:
        if isinstance(value, np.ndarray):
            value = value.tolist()
        if not isinstance(value, (list, tuple)):
            raise type_mismatch(field, value, row)
        if len(value) > capacity:
            raise MilvusException(
                ErrorCode.INVALID_PARAMETER,
                f"the length ({len(value)}) of {row}th array exceeds max capacity ({capacity}): invalid "
                "parameter[expected=valid length array][actual=array length exceeds max capacity] "
                f"(field {field.name})")
        out = []
        for index, item in enumerate(value):
            try:
                if item is None:
                    raise type_mismatch(element_field, item, row)
                if limit and isinstance(item, str) and len(item) * 4 > limit and len(item.encode()) > limit:
                    raise MilvusException(
                        ErrorCode.INVALID_PARAMETER,
                        f'length of Array array field "{field.name}" exceeds max length, row number: {row}, '  # 2.6 prints the field's type
                        f"array index: {index}, length: {len(item.encode())}, max length: {limit}: invalid "
                        f"parameter (value {_show(item)})")
                out.append(element(item, row))
            except DataNotMatchException as exc:
                raise type_mismatch(field, value, row,
                                    f"element {_show(item)} is not a valid {field.element_type.name}: "
                                    f"{exc.message}") from None
        return out
    return encode


# -- vectors ----------------------------------------------------------------------------------------

def _numeric_array(field: FieldSchema, value: Any, row: int) -> np.ndarray:
    if isinstance(value, np.ndarray):
        arr = value
    elif isinstance(value, (list, tuple)):
        try:
            arr = np.asarray(value)
        except (ValueError, TypeError) as exc:
            raise type_mismatch(field, value, row, str(exc)) from None
    else:
        raise type_mismatch(field, value, row)
    if arr.ndim != 1 or arr.dtype.kind not in "fiu":
        raise type_mismatch(field, value, row, "expected a flat list of numbers")
    return arr


_NDARRAY, _FLOAT32 = np.ndarray, np.dtype(np.float32)
_isfinite, _fsum = math.isfinite, math.fsum
# A finite vector past 1.8e19 in _float_vector_encoder's check: it is accepted, as Milvus does.
warnings.filterwarnings("ignore", "overflow encountered in dot", RuntimeWarning, __name__)


def _check_finite(field: FieldSchema, arr: np.ndarray, row: int) -> None:
    if not np.isfinite(arr).all():
        bad = float(arr[~np.isfinite(arr)][0])
        raise not_finite(field, bad, row)


#: Up to this dimension a float32 vector is checked and byte-swapped with the array module
#: (_short_float32_body); past it numpy's vectorised calls win.
_SHORT_VECTOR = 128


def _short_float32_body(arr: np.ndarray, field: FieldSchema, row: int) -> bytes:
    """A short float32 vector's values, big-endian, after the finiteness check.

    Each numpy call costs 2-3 µs right after a search's wait (its code and data out of the
    CPU caches) where the array module's cost a fraction of that: 64-d, 10.5 -> 6.5 µs per
    query vector.  ``fsum`` is exact (no overflow): NaN or inf in, NaN or inf out (ValueError
    for inf and -inf together).
    """
    values = array("f")
    values.frombytes(arr.tobytes())
    try:
        finite = _isfinite(_fsum(values))
    except ValueError:
        finite = False
    if not finite:
        _check_finite(field, arr, row)
    values.byteswap()
    return values.tobytes()


def _float_vector_encoder(field: FieldSchema) -> Encoder:
    dim = int(field.dim)
    header = struct.pack(">HH", dim, 0)
    short = dim <= _SHORT_VECTOR

    def encode(value: Any, row: int) -> VectorWire:
        # A float32 row of a numpy matrix is the common query vector: checked without a call.
        arr = value if type(value) is _NDARRAY and value.dtype == _FLOAT32 and value.ndim == 1 \
            else _numeric_array(field, value, row)
        if arr.shape[0] != dim:
            raise wrong_dim(field, arr.shape[0], row)
        if arr.dtype == _FLOAT32:
            if short:
                return VectorWire(header + _short_float32_body(arr, field, row))
            # Nothing can overflow: no errstate, which costs as much as the cast (searches encode
            # their query vectors on every call).  The sum of squares is finite when every value
            # is (inf and NaN carry through it without a floating-point warning): one call and no
            # temporary array, where isfinite and all() cost two (measured 15 -> 10 µs per query
            # vector right after a search's wait).  Values past 1.8e19 overflow it: the exact
            # check decides then.
            big = arr.astype(">f4")
            finite = _isfinite(arr.dot(arr)) or bool(np.isfinite(arr).all())
        else:
            with np.errstate(over="ignore", invalid="ignore"):
                big = arr.astype(">f4")
            finite = arr.dtype.kind != "f" or np.isfinite(big).all()
        if not finite:
            _check_finite(field, big.astype(np.float32), row)
        return VectorWire(header + big.tobytes())
    return encode


def _int8_vector_encoder(field: FieldSchema) -> Encoder:
    dim = int(field.dim)
    header = struct.pack(">HH", dim, 0)

    def encode(value: Any, row: int) -> VectorWire:
        if isinstance(value, (bytes, bytearray, memoryview)):
            arr = np.frombuffer(bytes(value), dtype=np.int8)
        else:
            arr = _numeric_array(field, value, row)
            if arr.dtype.kind == "f" or (arr.size and (arr.min() < -128 or arr.max() > 127)):
                raise type_mismatch(field, value, row, "INT8_VECTOR elements must be ints in [-128, 127]")
        if arr.shape[0] != dim:
            raise wrong_dim(field, arr.shape[0], row)
        return VectorWire(header + arr.astype(">f4").tobytes())
    return encode


def _half_vector_encoder(field: FieldSchema) -> Encoder:
    dim = int(field.dim)
    header = struct.pack(">HH", dim, 0)
    brain = field.dtype == DataType.BFLOAT16_VECTOR

    def encode(value: Any, row: int) -> HalfvecWire:
        if isinstance(value, (bytes, bytearray, memoryview)):
            raw = bytes(value)
            if len(raw) % 2:
                raise type_mismatch(field, value, row, "an odd number of bytes is not 16-bit floats")
            if brain:
                arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
            else:
                arr = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        elif isinstance(value, np.ndarray) and value.dtype.name == "bfloat16":
            arr = value.astype(np.float32)
        else:
            arr = _numeric_array(field, value, row).astype(np.float32)
        if arr.shape[0] != dim:
            raise wrong_dim(field, arr.shape[0], row)
        _check_finite(field, arr, row)
        if arr.size and float(np.abs(arr).max()) > _F16_MAX:
            raise MilvusException(ErrorCode.INVALID_PARAMETER,
                                  f"value {float(np.abs(arr).max())} of field {field.name} (row {row}) is out "
                                  f"of the 16-bit float range (|x| <= {_F16_MAX}) that pgvector halfvec "
                                  "stores: invalid parameter; scale the vector or use FLOAT_VECTOR")
        return HalfvecWire(header + arr.astype(">f2").tobytes())
    return encode


def _binary_vector_encoder(field: FieldSchema) -> Encoder:
    dim = int(field.dim)
    header = struct.pack(">i", dim)

    def encode(value: Any, row: int) -> BitWire:
        if isinstance(value, (bytes, bytearray, memoryview)):
            raw = bytes(value)
        elif isinstance(value, np.ndarray) and value.dtype == np.uint8 and value.ndim == 1:
            raw = value.tobytes()
        elif isinstance(value, list) and len(value) == 1 and isinstance(value[0], bytes):
            raw = value[0]  # the shape query returns: [bytes]
        else:
            raise type_mismatch(field, value, row, "a BINARY_VECTOR is bytes of dim/8 bytes "
                                                   "(e.g. numpy.packbits(bits).tobytes())")
        if len(raw) * 8 != dim:
            raise wrong_dim(field, len(raw) * 8, row)
        return BitWire(header + raw)
    return encode


def _wide_encoder(field: FieldSchema) -> Encoder:
    """A vector wider than pgvector's types (``FieldSchema.is_wide``): checked whole by its type's
    encoder, then cut into the pieces of its ``vector[]`` / ``halfvec[]`` column (array_send's
    layout; the element oid is left 0 for _ArrayWireDumper, which knows the connection's)."""
    encode_whole = _dense_encoder(field)
    width = 2 if field.dtype in (DataType.FLOAT16_VECTOR, DataType.BFLOAT16_VECTOR) else 4
    marker = HalfvecArrayWire if width == 2 else VectorArrayWire
    head = struct.pack(">iiiii", 1, 0, 0, len(field.pieces), 1)
    cuts, start = [], 4   # after the whole vector's header (dim, unused)
    for dim in field.pieces:
        cuts.append((struct.pack(">iHH", 4 + width * dim, dim, 0), start, start + width * dim))
        start += width * dim

    def encode(value: Any, row: int) -> bytes:
        body = encode_whole(value, row)
        return marker(head + b"".join(prefix + body[a:b] for prefix, a, b in cuts))
    return encode


def _sparse_items(value: Any) -> list[tuple[Any, Any]]:
    if isinstance(value, dict):
        return list(value.items())
    if hasattr(value, "tocoo"):  # scipy sparse row
        coo = value.tocoo()
        if coo.shape[0] != 1:
            raise ValueError("a scipy sparse matrix must have exactly one row per entity")
        return list(zip(coo.col.tolist(), coo.data.tolist()))
    if isinstance(value, (list, tuple)):
        items = []
        for pair in value:
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise ValueError("expected (index, value) pairs")
            items.append((pair[0], pair[1]))
        return items
    raise ValueError("expected a dict {index: value}, a list of (index, value) pairs or a scipy sparse row")


def _sparse_encoder(field: FieldSchema) -> Encoder:
    def encode(value: Any, row: int) -> SparseWire:
        try:
            items = _sparse_items(value)
        except ValueError as exc:
            raise type_mismatch(field, value, row, str(exc)) from None
        pairs: dict[int, float] = {}
        for index, item in items:
            if not _is_int(index) or not _is_number(item):
                raise type_mismatch(field, value, row, "sparse indices must be ints and values numbers")
            index, item = int(index), float(item)
            if not 0 <= index < SPARSE_DIM:
                raise MilvusException(ErrorCode.INVALID_PARAMETER,
                                      f"sparse vector index {index} of field {field.name} (row {row}) is out "
                                      f"of range: invalid parameter; pgmilvus stores indices in [0, "
                                      f"{SPARSE_DIM})")
            if not math.isfinite(item):
                raise not_finite(field, item, row)
            if index in pairs:
                raise MilvusException(ErrorCode.INVALID_PARAMETER,
                                      f"sparse vector of field {field.name} (row {row}) has index {index} "
                                      "twice: invalid parameter")
            if item != 0.0:
                pairs[index] = item
        if len(pairs) > SPARSE_MAX_NNZ:
            raise MilvusException(ErrorCode.INVALID_PARAMETER,
                                  f"sparse vector of field {field.name} (row {row}) has {len(pairs)} non-zero "
                                  f"elements; pgvector stores at most {SPARSE_MAX_NNZ}: invalid parameter")
        indices = sorted(pairs)
        nnz = len(indices)
        return SparseWire(struct.pack(f">iii{nnz}i{nnz}f", SPARSE_DIM, nnz, 0, *indices,
                                      *(pairs[i] for i in indices)))
    return encode


# -- dispatch ------------------------------------------------------------------------------------

def scalar_encoder(field: FieldSchema, timezone_name: str = timestamps.DEFAULT_TIMEZONE) -> Encoder:
    """``encode(value, row_index)`` for a scalar field; ``timezone_name``: the zone a TIMESTAMPTZ
    string without an offset is local to (the collection's ``timezone`` property)."""
    dtype = field.dtype
    if dtype in INT_RANGES:
        return _int_encoder(field)
    if dtype in (DataType.FLOAT, DataType.DOUBLE):
        return _float_encoder(field)
    if dtype == DataType.BOOL:
        return _bool_encoder(field)
    if dtype == DataType.VARCHAR:
        return _varchar_encoder(field)
    if dtype == DataType.TEXT:
        return _text_encoder(field)
    if dtype == DataType.TIMESTAMPTZ:
        return _timestamp_encoder(field, timezone_name)
    if dtype == DataType.GEOMETRY:
        return _geometry_encoder(field)
    raise MilvusException(ErrorCode.UNSUPPORTED, f"field {field.name}: {dtype.name} is not writable")


def field_encoder(field: FieldSchema, timezone_name: str = timestamps.DEFAULT_TIMEZONE) -> Encoder:
    """``encode(value, row_index) -> wire value`` for one field (value is not None); see
    scalar_encoder for ``timezone_name``."""
    dtype = field.dtype
    if field.is_wide:
        return _wide_encoder(field)
    if dtype == DataType.JSON:
        return _json_encoder(field)
    if dtype == DataType.ARRAY:
        return _array_encoder(field)
    if dtype in _DENSE_ENCODERS:
        return _dense_encoder(field)
    if dtype == DataType.SPARSE_FLOAT_VECTOR:
        return _sparse_encoder(field)
    return scalar_encoder(field, timezone_name)


def _dense_encoder(field: FieldSchema) -> Encoder:
    """One dense vector in its pgvector type's binary form, whatever the dimension."""
    return _DENSE_ENCODERS[field.dtype](field)


_DENSE_ENCODERS: dict[DataType, Callable[[FieldSchema], Encoder]] = {
    DataType.FLOAT_VECTOR: _float_vector_encoder, DataType.INT8_VECTOR: _int8_vector_encoder,
    DataType.FLOAT16_VECTOR: _half_vector_encoder, DataType.BFLOAT16_VECTOR: _half_vector_encoder,
    DataType.BINARY_VECTOR: _binary_vector_encoder}


def encode_default(field: FieldSchema) -> Any:
    """The wire value of ``field``'s default_value (validated at create time).  A TIMESTAMPTZ
    default without an offset is UTC whatever the collection's zone: Milvus 2.6 fixes it at create
    time from the schema's own properties, which pymilvus never sets."""
    return field_encoder(field)(field.default_value, 0) if field.default_value is not None else None


def encode_value(field: FieldSchema, value: Any, row: int = 0,
                 timezone_name: str = timestamps.DEFAULT_TIMEZONE) -> Any:
    """One value of ``field`` in wire form (None -> default / NULL / error as Milvus decides)."""
    if value is None:
        if field.has_default and field.default_value is not None:
            return encode_default(field)
        if field.nullable:
            return None
        raise type_mismatch(field, value, row, "None is only allowed for nullable fields")
    return field_encoder(field, timezone_name)(value, row)


def pk_value(field: FieldSchema, value: Any, row: int) -> Any:
    """A primary key as a Python value (int or str), checked like the field's other values."""
    if value is None:
        raise type_mismatch(field, value, row, "the primary key cannot be None")
    return field_encoder(field)(value, row)


def pk_values(field: FieldSchema, ids: Sequence[Any], operation: str) -> list[Any]:
    """Primary keys named in ``ids=`` (get/query/delete), checked against the key's type.

    A mismatch is Milvus's plan error for the ``pk in [...]`` expression pymilvus
    builds from ``ids``; ``operation`` is "query" or "delete".
    """
    if field.dtype == DataType.INT64:
        lo, hi = INT_RANGES[DataType.INT64]
        if all(type(v) is int and lo <= v <= hi for v in ids):
            return list(ids)  # the common case, checked in one pass
    out = []
    encode = field_encoder(field)
    for i, value in enumerate(ids):
        try:
            if value is None:
                raise type_mismatch(field, value, i, "the primary key cannot be None")
            out.append(encode(value, i))
        except MilvusException:
            raise MilvusException(
                ErrorCode.INVALID_PARAMETER,
                f"failed to create {operation} plan: cannot parse expression: {field.name} in "
                f"{list(ids)!r:.80}, error: value {value!r} does not match the type of primary key "
                f"{field.name} ({field.dtype.name}): invalid parameter") from None
    return out


def sparse_query_wire(value: Any) -> SparseWire:
    """A sparse query vector in the same stored form (for search)."""
    return _sparse_encoder(FieldSchema("query", DataType.SPARSE_FLOAT_VECTOR))(value, 0)



# -- column fast paths ---------------------------------------------------------------------------
# A batch is encoded column by column: when every value of a column is of the plain expected
# type and within limits, numpy / builtins check and encode the whole column at C speed.
# Anything else (None, wrong types, out-of-range values) returns None and the caller falls back
# to the per-value encoders above, which raise the precise error with the row index.

def _ints_fast(field: FieldSchema, col: list) -> Any:
    if not all(type(v) is int for v in col):
        return None
    lo, hi = INT_RANGES[field.dtype]
    return col if lo <= min(col) and max(col) <= hi else None


def _floats_fast(field: FieldSchema, col: list) -> Any:
    if not all(type(v) is float or type(v) is int for v in col):
        return None
    if not all(map(math.isfinite, col)):
        return None
    if field.dtype == DataType.FLOAT and max(map(abs, col)) > _F32_MAX:
        return None
    return col


def _bools_fast(field: FieldSchema, col: list) -> Any:
    return col if all(type(v) is bool for v in col) else None


def _strings_fast(field: FieldSchema, col: list) -> Any:
    if not all(type(v) is str for v in col):
        return None
    if field.dtype == DataType.VARCHAR:
        limit = field.byte_limit
        if max(map(len, col)) * 4 > limit and any(len(v.encode()) > limit for v in col):
            return None
    if any("\x00" in v for v in col):
        return None
    return col


_LITTLE_ENDIAN = sys.byteorder == "little"


#: Rows of a vector column converted at once: a few MB, so numpy's buffers are reused from the heap
#: (a 30 MB one per 10k x 768 batch was a fresh mmap each time, and its first touch cost more than
#: the conversion itself).
_DENSE_BLOCK = 1024


def _dense_fast(field: FieldSchema, col: list) -> Any:
    dim = int(field.dim)
    if field.dtype == DataType.FLOAT_VECTOR and all(type(v) is list for v in col):
        packed = _packed_lists(dim, col)
        if packed is not None:
            return packed
    header = np.frombuffer(struct.pack(">HH", dim, 0), dtype=np.uint8)
    out: list[bytes] = []
    for start in range(0, len(col), _DENSE_BLOCK):
        block = _dense_block(field, dim, col[start:start + _DENSE_BLOCK])
        if block is None:
            return None
        # header + big-endian floats per row, laid out by numpy: one slice (one copy) per row.
        rows = np.empty((len(block), 4 + 4 * dim), dtype=np.uint8)
        rows[:, :4] = header
        rows[:, 4:] = block.view(np.uint8)
        buf = rows.tobytes()
        step = 4 + 4 * dim
        out.extend(buf[i:i + step] for i in range(0, len(buf), step))
    return out


#: pgvector's binary vector for each dimension: int16 dim, int16 unused, big-endian float4s.
_VECTOR_STRUCTS: dict[int, struct.Struct] = {}


def _packed_lists(dim: int, col: list) -> Optional[list[bytes]]:
    """A FLOAT_VECTOR column of Python lists (what an application builds): each row packed by
    struct straight into pgvector's binary form, twice as fast as numpy's conversion of nested
    lists followed by a byteswap.  None (the numpy and per-value paths decide) for a row of
    another length, an element that is no number (struct.error), a value beyond float32
    (OverflowError), a row of bools (numpy sees no number there), or a NaN / infinity (checked on
    the packed floats at once)."""
    packer = _VECTOR_STRUCTS.get(dim)
    if packer is None:
        packer = _VECTOR_STRUCTS.setdefault(dim, struct.Struct(f">HH{dim}f"))
    try:
        out = [packer.pack(dim, 0, *row) for row in col if row and type(row[0]) is not bool]
    except (struct.error, OverflowError, TypeError):
        return None
    if len(out) != len(col):
        return None
    floats = np.frombuffer(b"".join(out), dtype=np.uint8).reshape(len(out), 4 + 4 * dim)[:, 4:]
    if not np.isfinite(np.ascontiguousarray(floats).view(">f4")).all():
        return None
    return out


def _dense_block(field: FieldSchema, dim: int, col: list) -> Optional[np.ndarray]:
    """``col``'s vectors as a big-endian float32 matrix, or None when one needs the per-value path."""
    try:
        matrix = np.stack(col) if all(type(v) is np.ndarray for v in col) else np.asarray(col)
    except (ValueError, TypeError):
        return None
    if matrix.ndim != 2 or matrix.shape[1] != dim or matrix.dtype.kind not in "fiu":
        return None
    if field.dtype == DataType.INT8_VECTOR:
        if matrix.dtype.kind == "f" or (matrix.size and (matrix.min() < -128 or matrix.max() > 127)):
            return None
    with np.errstate(over="ignore", invalid="ignore"):
        native = matrix.astype(np.float32, copy=False)  # float64 beyond float32's range: inf
    if matrix.dtype.kind == "f" and not np.isfinite(native).all():
        return None
    # byteswap of the native array: numpy's cast straight to ">f4" is ~15x slower
    return native.byteswap() if _LITTLE_ENDIAN else np.ascontiguousarray(native)


_FAST = {
    DataType.INT8: _ints_fast, DataType.INT16: _ints_fast, DataType.INT32: _ints_fast,
    DataType.INT64: _ints_fast, DataType.FLOAT: _floats_fast, DataType.DOUBLE: _floats_fast,
    DataType.BOOL: _bools_fast, DataType.VARCHAR: _strings_fast, DataType.TEXT: _strings_fast,
    DataType.FLOAT_VECTOR: _dense_fast, DataType.INT8_VECTOR: _dense_fast,
}


def encode_column_fast(field: FieldSchema, col: list) -> Any:
    """The whole column encoded at once, or None when a value needs the per-value path."""
    fast = _FAST.get(field.dtype)
    if fast is None or not col or field.is_wide:
        return None
    if any(v is None for v in col):
        return None
    return fast(field, col)


_META_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                                 default=_json_default)
def _c_encoder() -> Any:
    """json's C encoder built once (json.dumps rebuilds it on every call), or None without it."""
    from json import encoder as json_encoder

    make = getattr(json_encoder, "c_make_encoder", None)
    if make is None:
        return None
    return make(None, _json_default, json_encoder.encode_basestring, None, ":", ",", False, False, False)


_flat_json = _c_encoder()
_SCALAR_TYPES = frozenset({str, int, float, bool, type(None)})
_STR_TYPE = frozenset({str})


def encode_meta_fast(extra: dict[str, Any]) -> Any:
    """The dynamic object as jsonb wire bytes when it is a flat dict of plain scalars, else None.

    The checks run as C-level set operations; anything unusual (non-str keys, nested values,
    NaN, NUL characters) returns None and takes the careful path (values.encode_meta).
    """
    if not _STR_TYPE.issuperset(map(type, extra)) or not _SCALAR_TYPES.issuperset(map(type, extra.values())):
        return None
    try:
        text = "".join(_flat_json(extra, 0)) if _flat_json is not None else _META_ENCODER.encode(extra)
    except ValueError:  # NaN / inf
        return None
    if "\\u0000" in text:
        return None
    return b"\x01" + text.encode()
