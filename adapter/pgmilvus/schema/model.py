"""CollectionSchema / FieldSchema with pymilvus's names, kwargs and checks.

The schema is the single description every other layer reads: DDL builds
columns from it, the filter compiler types expressions with it, writes
validate rows against it.  It round-trips through the catalog as JSON
(``to_catalog`` / ``from_catalog``), so any process sees the same schema.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Iterable, Optional

import numpy as np
from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt, ValidationError

from . import functions as function_checks, names, structs
from .structs import StructFieldSchema
from ..data import wkt
from ..errors import (AutoIDException, ClusteringKeyException, DataTypeNotSupportException, ErrorCode,
                     MilvusException, ParamError, PartitionKeyException, PrimaryKeyException, client_side,
                     invalid_parameter)
from ..types import (DENSE_VECTOR_TYPES, INT_RANGES, INTEGER_TYPES, FLOAT_TYPES, DataType, FunctionType,
                    VECTOR_TYPES, go_name)

DYNAMIC_FIELD = "$meta"
MAX_DIM = 32768
MIN_DIM = 2
#: Milvus 2.6's proxy.maxFieldNum and proxy.maxVectorFieldNum defaults (2.5's vector limit was 4):
#: create_collection and add_collection_field hold a collection to the same limits.
MAX_FIELDS = 64
MAX_VECTOR_FIELDS = 10
#: pgvector's column types hold fewer dimensions than Milvus allows (vector.h / halfvec.h VECTOR_MAX_DIM,
#: HALFVEC_MAX_DIM); BINARY_VECTOR (bit) holds Milvus's whole range.
PGVECTOR_MAX_DIM = {DataType.FLOAT_VECTOR: ("vector", 16000), DataType.INT8_VECTOR: ("vector", 16000),
                    DataType.FLOAT16_VECTOR: ("halfvec", 16000), DataType.BFLOAT16_VECTOR: ("halfvec", 16000)}
#: A wider vector field (``FieldSchema.is_wide``) is stored as an array of pieces of this many
#: dimensions (the last one shorter), searched exactly (search/sql.py WideMetric).
WIDE_PIECE = 16000
MAX_VARCHAR = 65535
#: Milvus's VARCHAR auto_id keys are its int64 ids in decimal (18-19 characters), whatever the
#: field's max_length says (proxy autoGenPrimaryFieldData: strconv.FormatInt).
AUTO_ID_KEY_LENGTH = 19
MAX_CAPACITY = 4096
#: Longer column names would be truncated by PostgreSQL (NAMEDATALEN - 1).
PG_COLUMN_LIMIT = 63

#: Types Postgres + pgvector cannot hold faithfully; refused at create time.
UNSUPPORTED_TYPES = {
    DataType.UNKNOWN: "UNKNOWN is not a storable type",
    DataType._ARRAY_OF_VECTOR: "arrays of vectors have no pgvector column type",
    DataType._ARRAY_OF_STRUCT: "arrays of structs are not supported",
    DataType.STRUCT: "STRUCT fields are not supported",
}
_ARRAY_ELEMENT_TYPES = {DataType.BOOL, DataType.INT8, DataType.INT16, DataType.INT32, DataType.INT64,
                        DataType.FLOAT, DataType.DOUBLE, DataType.VARCHAR}
#: Keys pymilvus keeps in FieldSchema.params (orm/constants.COMMON_TYPE_PARAMS, and 2.6's ``warmup``).
_TYPE_PARAMS = ("dim", "max_length", "max_capacity", "enable_match", "enable_analyzer",
                "analyzer_params", "multi_analyzer_params", "mmap_enabled", "warmup")
#: Milvus 2.6's warmup policies (common.ValidateWarmupPolicy): of a field, an index or a collection's
#: ``warmup.*`` properties.  Postgres has nothing to warm: they are checked, stored and shown.
WARMUP_POLICIES = ("disable", "sync")


def warmup_problem(value: Any) -> Optional[str]:
    """Milvus's text for a warmup policy it refuses, None for "disable" / "sync"."""
    if value in WARMUP_POLICIES:
        return None
    return f"invalid warmup policy: {value}, must be 'disable' or 'sync'"


class _FieldArgs(BaseModel):
    """Types of the add_field kwargs; pydantic rejects e.g. is_primary="yes"."""

    model_config = ConfigDict(extra="allow", arbitrary_types_allowed=True)

    is_primary: StrictBool = False
    auto_id: Optional[StrictBool] = None
    nullable: StrictBool = False
    is_partition_key: StrictBool = False
    is_clustering_key: StrictBool = False
    is_dynamic: StrictBool = False
    is_function_output: StrictBool = False
    dim: Optional[StrictInt] = None
    max_length: Optional[StrictInt] = None
    max_capacity: Optional[StrictInt] = None


#: add_field kwargs whose type pymilvus checks in add_field itself (the others wait for create_collection).
#: The flags pymilvus's FieldSchema checks itself: its exception class and text come first.
_CHECKED_BY_PYMILVUS = {"is_primary": PrimaryKeyException, "auto_id": AutoIDException,
                        "is_partition_key": PartitionKeyException, "is_clustering_key": ClusteringKeyException}


#: Type params Milvus parses as integers (strconv.ParseInt) when it checks the field.
_INT_PARAMS = ("dim", "max_length", "max_capacity")


def _param_error(exc: ValidationError, field: str) -> MilvusException:
    """A wrongly typed add_field kwarg, in the words of whoever refuses it: pymilvus for its flags,
    Milvus's proxy for the integer type params (its max_capacity text, which pgmilvus uses for
    dim and max_length too); never pydantic's own text, which no Milvus client has seen."""
    first = exc.errors()[0]
    key = ".".join(str(p) for p in first["loc"])
    pymilvus_class = _CHECKED_BY_PYMILVUS.get(key)
    if pymilvus_class is not None:
        detail = f"invalid value {first.get('input')!r} for `{key}` of field {field}: {first['msg']}"
        return pymilvus_class(message=f"Param {key} must be bool type. ({detail})")
    if key == "dim":  # the proxy's validateDimension returns strconv.ParseInt's own error (pymilvus sends str(dim))
        sent = json.dumps(str(first.get("input")), ensure_ascii=False)
        return MilvusException(ErrorCode.SERVER_ERROR, f"strconv.ParseInt: parsing {sent}: invalid syntax (the "
                                                       f"value for dim of field {field} must be an integer)")
    if key in _INT_PARAMS:
        return MilvusException(ErrorCode.SERVER_ERROR, f"the value for {key} of field {field} must be an integer")
    return ParamError(message=f"invalid value {first.get('input')!r} for `{key}` of field {field}: "
                              "expected a bool")


def _element_type(value: Any) -> Any:
    """An array's element type as a DataType when it is one; anything else is kept as given, so
    the create-time check can name it as Milvus does (``element type 1001 is not supported``)."""
    if isinstance(value, int) and not isinstance(value, bool) and value in DataType._value2member_map_:
        return DataType(value)
    return value


#: The ValueField slot pymilvus sends a (plain) default value in, as Milvus's messages name it.
_DEFAULT_KINDS = {bool: "DataType_Bool", int: "DataType_Int64", float: "DataType_Double", str: "DataType_VarChar"}


def _auto_id_not_primary(name: str) -> PrimaryKeyException:
    """pymilvus's check in process; an SDK that sends the field (Go) gets Milvus's proxy's text
    (validateAutoIDAndPartitionKey, add_collection_field's own)."""
    return client_side(PrimaryKeyException(message="The auto_id can only be specified on the primary key field"),
                       invalid_parameter(f"only primary field can speficy AutoID with true, field name = {name}"))


def _default_kind(value: Any) -> str:
    return _DEFAULT_KINDS.get(type(value), type(value).__name__)


def check_max_length(name: str, value: int) -> None:
    """Milvus's range for a VARCHAR's max_length (proxy validateMaxLengthPerRow): create_collection,
    add_collection_field and alter_collection_field say the same."""
    if not 0 < value <= MAX_VARCHAR:
        raise invalid_parameter(f"the maximum length specified for the field({name}) should be in "
                                f"(0, {MAX_VARCHAR}], but got {value} instead")


def check_varchar_length(name: str, max_length: Optional[int], collection_name: str) -> None:
    """Milvus's validateMaxLengthPerRow as add_collection_field and a struct's sub-fields run it:
    a missing max_length is a missing parameter (1101), then the range."""
    if max_length is None:
        raise MilvusException(ErrorCode.MISSING_PARAMETER,
                              f"type param(max_length) should be specified for the field({name}) of "
                              f"collection {collection_name}: missing parameter")
    check_max_length(name, max_length)


def _to_datatype(value: Any, what: str) -> DataType:
    if isinstance(value, DataType):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return DataType(value)
        except ValueError:
            pass
    raise DataTypeNotSupportException(message=f"Field dtype must be of DataType: {what} must be a DataType, "
                                              f"got {value!r}")


def _plain(value: Any) -> Any:
    """A numpy scalar (``np.int32(1)``, ``np.float32(1.0)``, ``np.str_``...) as the Python value it
    holds: pymilvus accepts them as default values, and the catalog (JSON) and SQL take plain ones."""
    return value.item() if isinstance(value, np.generic) else value


def check_field_counts(fields: int, vectors: int) -> None:
    """Milvus's proxy.maxFieldNum / maxVectorFieldNum for a schema of ``fields`` fields, ``vectors``
    of them vectors (create_collection; add_collection_field counts the field it adds)."""
    if fields > MAX_FIELDS:
        raise MilvusException(ErrorCode.SERVER_ERROR, f"maximum field's number should be limited to {MAX_FIELDS}")
    if vectors > MAX_VECTOR_FIELDS:
        raise MilvusException(ErrorCode.SERVER_ERROR,
                              f"maximum vector field's number should be limited to {MAX_VECTOR_FIELDS}")


class FieldSchema:
    """One field; constructor and attributes follow pymilvus's FieldSchema."""

    #: The column of a struct array's sub-field (schema/structs.py): the struct field's name and
    #: the sub-field's own; None for every field of the schema itself.
    struct_name: Optional[str] = None
    sub_name: Optional[str] = None

    def __init__(self, name: str, dtype: DataType, description: str = "", **kwargs: Any) -> None:
        # pymilvus checks only a few things here (the type, the flags' types, auto_id and a None
        # default); the rest is Milvus's server-side checks, which surface at create_collection:
        # they are kept in _deferred and raised by verify(), so code that catches them there works.
        self._deferred: Optional[MilvusException] = None
        try:
            names.field_name(name)
        except MilvusException as exc:
            self._deferred = exc
        self.name = name
        self.dtype = _to_datatype(dtype, f"data type of field {name}")
        if not isinstance(description, str):
            self._deferred = self._deferred or ParamError(message=f"description of field {name} must be a str")
        self.description = description
        if kwargs.pop("external_field", None):  # Milvus master's external collections: refused at create
            self._deferred = self._deferred or external_refusal(f"field {name} maps an external column")
        for key in ("dim", "max_length", "max_capacity"):
            # pymilvus coerces numeric strings ("128") for type params.
            if isinstance(kwargs.get(key), str) and kwargs[key].isdigit():
                kwargs[key] = int(kwargs[key])
        try:
            args = _FieldArgs(**kwargs)
        except ValidationError as exc:
            if exc.errors()[0]["loc"][0] in _CHECKED_BY_PYMILVUS:
                raise _param_error(exc, name) from None
            self._deferred = self._deferred or _param_error(exc, name)
            args = _FieldArgs.model_construct(**kwargs)
        if "max_capacity" in kwargs and kwargs["max_capacity"] is None:
            # pymilvus sends the None on ("null"), which Milvus cannot read as an integer
            self._deferred = self._deferred or MilvusException(
                ErrorCode.SERVER_ERROR, f"the value for max_capacity of field {name} must be an integer")
        if args.auto_id and not args.is_primary:
            raise _auto_id_not_primary(name)
        self.is_primary = args.is_primary
        self.auto_id = bool(args.auto_id)
        self.nullable = args.nullable
        self.is_partition_key = args.is_partition_key
        self.is_clustering_key = args.is_clustering_key
        self.is_dynamic = args.is_dynamic
        self.is_function_output = args.is_function_output
        self.element_type = _element_type(kwargs.get("element_type"))
        self.has_default = "default_value" in kwargs
        self.default_value = _plain(kwargs.get("default_value"))
        self.params: dict[str, Any] = {}
        for key in _TYPE_PARAMS:
            if kwargs.get(key) is not None:
                value = kwargs[key]
                if isinstance(value, str) and value.lower() in ("true", "false"):
                    value = value.lower() == "true"
                self.params[key] = value
        if isinstance(self.default_value, (list, tuple, dict, set)):
            # pymilvus cannot put a container in a ValueField: its client-side error, at add_field
            raise ParamError(message=f"Default value unsupported data type: {DataType.UNKNOWN.value}")
        if self.has_default and self.default_value is None and not self.nullable:
            raise ParamError(message="Default value cannot be None for a field that is defined "
                                     "as nullable == false.")

    # -- convenience accessors -------------------------------------------------------------
    @property
    def dim(self) -> Optional[int]:
        return self.params.get("dim")

    @property
    def max_length(self) -> Optional[int]:
        return self.params.get("max_length")

    @property
    def byte_limit(self) -> int:
        """The UTF-8 bytes a VARCHAR value may take: ``max_length``, widened for an auto_id
        primary key so it holds the keys Milvus generates even when max_length is smaller."""
        limit = int(self.max_length or MAX_VARCHAR)
        return max(limit, AUTO_ID_KEY_LENGTH) if self.auto_id else limit

    @property
    def max_capacity(self) -> Optional[int]:
        return self.params.get("max_capacity")

    @property
    def is_vector(self) -> bool:
        return self.dtype in VECTOR_TYPES

    @property
    def takes_vector_index(self) -> bool:
        """A vector field, or a struct's vector sub-field (an array of vectors): what a vector
        index (with its metric) is built on."""
        return self.dtype in VECTOR_TYPES or self.dtype == DataType._ARRAY_OF_VECTOR

    @property
    def is_wide(self) -> bool:
        """A dense vector wider than pgvector's column types hold (16,000 dims; Milvus takes
        32,768): stored as ``vector[]`` / ``halfvec[]`` of ``WIDE_PIECE``-dim pieces."""
        column = PGVECTOR_MAX_DIM.get(self.dtype)
        return column is not None and int(self.dim or 0) > column[1]

    @property
    def pieces(self) -> list[int]:
        """The dimensions of a wide vector's pieces, in order (one piece for any other vector)."""
        dim = int(self.dim or 0)
        return [min(WIDE_PIECE, dim - start) for start in range(0, dim, WIDE_PIECE)] if self.is_wide else [dim]

    def verify(self, collection_name: str = "") -> None:
        """Milvus 2.6's server-side checks of one field, in its order and words: the proxy's type
        check, its parameter checks, then rootcoord's (add_collection_field runs them all at once;
        create_collection runs each stage over every field, as Milvus does)."""
        self.verify_type()
        self.verify_params(collection_name)
        self.verify_stored()

    def verify_type(self) -> None:
        """The proxy's validateFieldType: types Milvus has no column for."""
        if self.dtype == DataType.STRING:
            raise MilvusException(ErrorCode.SERVER_ERROR,
                                  "string data type not supported yet, please use VarChar type instead")
        if self.dtype == DataType.NONE:
            raise MilvusException(ErrorCode.SERVER_ERROR, "data type None is not valid")
        if self.dtype == DataType.ARRAY:
            self._verify_element_type()

    def _verify_element_type(self) -> None:
        element = self.element_type
        if element is None or element == DataType.NONE:
            raise MilvusException(ErrorCode.SERVER_ERROR, "element data type None is not valid")
        if element == DataType.STRING:
            raise MilvusException(ErrorCode.SERVER_ERROR,
                                  "string data type not supported yet, please use VarChar type instead")
        if element not in _ARRAY_ELEMENT_TYPES:
            shown = go_name(element) if isinstance(element, int) and not isinstance(element, bool) \
                else repr(element)
            raise MilvusException(ErrorCode.SERVER_ERROR, f"element type {shown} is not supported")

    def verify_params(self, collection_name: str = "") -> None:
        """The proxy's ValidateField (name, dim, max_length, max_capacity), then what only
        PostgreSQL limits: column name length, types pgmilvus cannot store."""
        if self._deferred is not None:
            raise self._deferred
        names.field_name_not_keyword(self.name)
        if self.dtype in DENSE_VECTOR_TYPES:
            self._verify_dim()
        elif self.dtype == DataType.SPARSE_FLOAT_VECTOR and "dim" in self.params:
            raise MilvusException(ErrorCode.SERVER_ERROR,  # validateDimension; 0: no field id yet
                                  f"dim should not be specified for sparse vector field {self.name}(0) (a "
                                  "sparse vector has no fixed dimension: leave dim out)")
        if self.dtype == DataType.VARCHAR or (self.dtype == DataType.ARRAY
                                              and self.element_type == DataType.VARCHAR):
            self._verify_max_length(collection_name)
        if self.dtype == DataType.ARRAY:
            self._verify_capacity(collection_name)
        if len(self.name.encode()) > PG_COLUMN_LIMIT:
            raise invalid_parameter(f"field name {self.name} is {len(self.name.encode())} bytes long; "
                                    f"PostgreSQL column names hold at most {PG_COLUMN_LIMIT} bytes: use a "
                                    "shorter field name")
        reason = UNSUPPORTED_TYPES.get(self.dtype)
        if reason:
            raise MilvusException(ErrorCode.UNSUPPORTED,
                                  f"field {self.name}: data type {self.dtype.name} is not supported "
                                  f"by pgmilvus ({reason})")
        problem = warmup_problem(self.params["warmup"]) if "warmup" in self.params else None
        if problem:
            raise invalid_parameter(f"invalid warmup policy for field {self.name}: {problem}")

    def verify_stored(self) -> None:
        """rootcoord's checkFieldSchema, which runs after every proxy check: null and default values."""
        if self.nullable and self.is_primary:
            raise invalid_parameter(f"primary field not support null, type:{go_name(self.dtype)}, "
                                    f"name:{self.name}")
        if self.has_default and self.default_value is not None:
            self._verify_default()

    def _verify_max_length(self, collection_name: str) -> None:
        if self.max_length is None:
            raise MilvusException(ErrorCode.SERVER_ERROR,
                                  f"type param(max_length) should be specified for the field({self.name}) "
                                  f"of collection {collection_name}")
        check_max_length(self.name, self.max_length)

    def _verify_capacity(self, collection_name: str) -> None:
        if self.max_capacity is None:
            raise MilvusException(ErrorCode.SERVER_ERROR,
                                  f"type param(max_capacity) should be specified for array field "
                                  f"{self.name} of collection {collection_name}")
        if not 0 < self.max_capacity <= MAX_CAPACITY:
            raise MilvusException(ErrorCode.SERVER_ERROR, "the maximum capacity specified for a Array "
                                                          f"should be in (0, {MAX_CAPACITY}]")

    def _verify_dim(self) -> None:
        """Milvus 2.6's proxy validateDimension: its order, words and code (plain errors: 65535)."""
        if self.dim is None:
            raise MilvusException(ErrorCode.SERVER_ERROR,
                                  f"dimension is not defined in field type params of field {self.name}, "
                                  "check type param `dim` for vector field")
        if self.dim < MIN_DIM:
            raise MilvusException(ErrorCode.SERVER_ERROR, f"invalid dimension: {self.dim}. should be in range "
                                                          f"{MIN_DIM} ~ {MAX_DIM} (field {self.name})")
        if self.dtype == DataType.BINARY_VECTOR:
            if self.dim % 8:
                raise MilvusException(ErrorCode.SERVER_ERROR,
                                      f"invalid dimension: {self.dim} of field {self.name}. binary vector "
                                      "dimension should be multiple of 8. ")
            kind, largest = "binary", 8 * MAX_DIM
        else:
            kind, largest = "float", MAX_DIM
        if self.dim > largest:
            raise MilvusException(ErrorCode.SERVER_ERROR,
                                  f"invalid dimension: {self.dim} of field {self.name}. {kind} vector dimension "
                                  f"should be in range {MIN_DIM} ~ {largest}")

    def _verify_pgvector_dim(self) -> None:
        """A struct's vector sub-field is an array of vectors already: no wider pieces there."""
        column, limit = PGVECTOR_MAX_DIM.get(self.dtype, (None, MAX_DIM))
        if self.dim > limit:
            raise MilvusException(ErrorCode.UNSUPPORTED,
                                  f"invalid dimension: {self.dim} of field {self.name}: pgmilvus stores "
                                  f"{self.dtype.name} as pgvector's {column}, which holds at most {limit} "
                                  f"dimensions (Milvus allows {MAX_DIM}); reduce the dimension")

    def _verify_default(self) -> None:
        """rootcoord's default-value checks, in its words.  One leniency: pymilvus sends every
        Python int as int64 data and Milvus then refuses it on INT8/16/32, FLOAT and DOUBLE fields;
        pgmilvus takes any int that fits the field (docs/compatibility.md)."""
        where = f"type:{go_name(self.dtype)}, name:{self.name}"
        if self.is_primary:
            raise invalid_parameter(f"primary field not support default_value, {where}")
        if self.is_vector or self.dtype in (DataType.JSON, DataType.ARRAY, DataType.TEXT):  # TEXT: Milvus master
            raise invalid_parameter(f"type not support default_value, {where}")
        value = self.default_value
        if self.dtype == DataType.GEOMETRY:
            return self._verify_geometry_default(value)
        if not self._default_type_ok(value):
            raise invalid_parameter(f"type ({go_name(self.dtype)}) of field ({self.name}) is not equal to the "
                                    f"type({_default_kind(value)}) of default_value")
        if self.dtype == DataType.TIMESTAMPTZ:
            self._verify_timestamp_default(value)
        if self.dtype in INTEGER_TYPES:
            lo, hi = INT_RANGES[self.dtype]
            if not lo <= value <= hi:
                raise MilvusException(ErrorCode.INVALID_PARAMETER,
                                      f"default value out of range: invalid parameter[{value} out of range "
                                      f"{lo} <= value <= {hi}]")
        if self.dtype == DataType.VARCHAR and len(value.encode()) > self.max_length:
            raise MilvusException(ErrorCode.INVALID_PARAMETER,
                                  f"the length ({len(value.encode())}) of string exceeds max length "
                                  f"({self.max_length}): invalid parameter[expected=valid length string]"
                                  "[actual=string length exceeds max length]")

    def _verify_timestamp_default(self, value: str) -> None:
        """Milvus 2.6 parses a TIMESTAMPTZ default at create time (timestamptz.ParseTimeTz, UTC
        when it has no offset) and refuses what it cannot read, in its words."""
        from ..data import timestamps  # data imports the schema model

        if timestamps.parse(value, timestamps.DEFAULT_TIMEZONE) is None:
            raise invalid_parameter(f"invalid timestamp string: '{value}'. Does not match any known format "
                                    f"(default_value of field {self.name}: use ISO 8601 like "
                                    "'2025-01-01T00:00:00Z' or '2025-01-01 08:00:00+08:00')")

    def _verify_geometry_default(self, value: Any) -> None:
        """rootcoord checkGeometryDefaultValue: the default must parse as WKT (a non-string
        reaches it as "", which does not); it is kept as given and normalized on insert."""
        try:
            wkt.parse(value if isinstance(value, str) else "")
        except wkt.WKTError as exc:
            raise MilvusException(ErrorCode.INVALID_PARAMETER,
                                  f"invalid default value for geometry field: invalid parameter (field "
                                  f"{self.name}, default_value {value!r}: {str(exc).splitlines()[0]}; "
                                  "give a WKT string such as 'POINT (1 2)')") from None

    def _default_type_ok(self, value: Any) -> bool:
        if isinstance(value, bool):
            return self.dtype == DataType.BOOL
        if isinstance(value, int):
            return self.dtype in INTEGER_TYPES or self.dtype in FLOAT_TYPES
        if isinstance(value, float):
            return self.dtype in FLOAT_TYPES
        if isinstance(value, str):
            return self.dtype in (DataType.VARCHAR, DataType.TEXT, DataType.TIMESTAMPTZ)
        return False

    # -- (de)serialisation ---------------------------------------------------------------------
    def to_dict(self, field_id: Optional[int] = None) -> dict[str, Any]:
        """The field dict describe_collection returns (keys only when set, as pymilvus)."""
        out: dict[str, Any] = {}
        if field_id is not None:
            out["field_id"] = field_id
        out.update(name=self.name, description=self.description, type=self.dtype,
                   params=dict(self.params))
        # Same key order as pymilvus's FieldSchema.dict(), so printed dicts look alike.
        if self.has_default and self.default_value is not None:
            out["default_value"] = self.default_value
        if self.element_type is not None:
            out["element_type"] = self.element_type
        for key in ("is_partition_key", "is_dynamic", "auto_id", "nullable", "is_primary",
                    "is_clustering_key", "is_function_output"):
            if getattr(self, key):
                out[key] = True
        return out

    def to_catalog(self) -> dict[str, Any]:
        data = self.to_dict()
        data["type"] = int(self.dtype)
        if self.element_type is not None:
            data["element_type"] = int(self.element_type)
        data["has_default"] = self.has_default
        data["default_value"] = self.default_value
        return data

    @classmethod
    def from_catalog(cls, data: dict[str, Any]) -> "FieldSchema":
        kwargs = dict(data.get("params") or {})
        for key in ("is_primary", "auto_id", "is_partition_key", "is_clustering_key", "nullable",
                    "is_function_output"):
            if data.get(key):
                kwargs[key] = True
        if data.get("element_type") is not None:
            kwargs["element_type"] = DataType(data["element_type"])
        if data.get("has_default"):
            kwargs["default_value"] = data.get("default_value")
        return cls(data["name"], DataType(data["type"]), data.get("description", ""), **kwargs)

    def __repr__(self) -> str:
        return f"FieldSchema({self.to_dict()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldSchema) and self.to_catalog() == other.to_catalog()


def _foreign_function(value: Any) -> "Function":
    """pymilvus's own Function (code that imports it beside pgmilvus's client) as pgmilvus's."""
    attrs = ("name", "type", "input_field_names", "output_field_names", "description", "params")
    if not all(hasattr(value, a) for a in attrs):
        raise ParamError(message="The function of schema type must be Function.")
    return Function(value.name, FunctionType(int(value.type)), list(value.input_field_names),
                    list(value.output_field_names), value.description, dict(value.params or {}))


class Function:
    """pymilvus's Function: BM25 runs here (data/analyzer.py, search/bm25.py); embedding functions are
    refused at create time, rerank functions serve search (search/function_rank.py).

    The constructor makes pymilvus's own client-side checks, in its words (orm/schema.py Function)."""

    def __init__(self, name: str, function_type: FunctionType, input_field_names: Any,
                 output_field_names: Any = None, description: str = "",
                 params: Optional[dict] = None) -> None:
        if not isinstance(name, str):
            raise ParamError(message=f"The name of the function should be a string, but got {type(name)}")
        if not isinstance(description, str):
            raise ParamError(message="The description of the function should be a string, but got "
                                     f"{type(description)}")
        try:
            self.type = FunctionType(function_type)
        except ValueError:
            raise ParamError(message="Unknown function type.") from None
        self.name = name
        self.input_field_names = [input_field_names] if isinstance(input_field_names, str) \
            else list(input_field_names)
        if output_field_names is None:
            output_field_names = []
        self.output_field_names = [output_field_names] if isinstance(output_field_names, str) \
            else list(output_field_names)
        for field_name in self.input_field_names + self.output_field_names:
            if not isinstance(field_name, str):
                raise ParamError(message="The type of function input and output must be str.")
        if len(self.input_field_names) != len(set(self.input_field_names)):
            raise ParamError(message="Duplicate input field names are not allowed in function.")
        if len(self.output_field_names) != len(set(self.output_field_names)):
            raise ParamError(message="Duplicate output field names are not allowed in function.")
        if set(self.input_field_names) & set(self.output_field_names):
            raise ParamError(message="Input and output field names must be different.")
        self.description = description
        self.params = params if params is not None else {}
        if not isinstance(self.params, dict):
            raise ParamError(message="The parameters of the function should be a dictionary.")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "type": self.type,
                "input_field_names": self.input_field_names,
                "output_field_names": self.output_field_names, "params": self.params}

    def to_catalog(self) -> dict[str, Any]:
        data = self.to_dict()
        data["type"] = int(self.type)
        return data

    @classmethod
    def from_catalog(cls, data: dict[str, Any]) -> "Function":
        return cls(data["name"], FunctionType(data["type"]), list(data["input_field_names"]),
                   list(data["output_field_names"]), data.get("description", ""), dict(data.get("params") or {}))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Function) and self.to_catalog() == other.to_catalog()

    def __repr__(self) -> str:
        return str(self.to_dict())


#: Milvus master's external collections (rows read from files in object storage): pgmilvus keeps
#: every row in PostgreSQL; the REST face and the refused client methods say the same.
EXTERNAL = "external collections are not supported by pgmilvus"


def external_refusal(what: str) -> MilvusException:
    return MilvusException(ErrorCode.UNSUPPORTED, f"{what}: {EXTERNAL}; load the rows with insert or bulk import")


class _SchemaArgs(BaseModel):
    model_config = ConfigDict(extra="allow")

    auto_id: Optional[StrictBool] = None
    enable_dynamic_field: Optional[StrictBool] = None
    primary_field: Optional[str] = None
    partition_key_field: Optional[str] = None
    clustering_key_field: Optional[str] = None
    enable_namespace: Optional[StrictBool] = None


def _sub_key(struct: str, sub: str) -> str:
    """A struct sub-field's key among the field ids: its column's name (``struct[sub]``)."""
    return f"{struct}[{sub}]"


class CollectionSchema:
    """pymilvus's CollectionSchema: add_field is chainable, verify() runs at create time."""

    def __init__(self, fields: Optional[Iterable[FieldSchema]] = None, description: str = "",
                 functions: Optional[list[Function]] = None, **kwargs: Any) -> None:
        kwargs.pop("check_fields", None)
        struct_fields = kwargs.pop("struct_fields", None)
        external = kwargs.pop("external_source", None), kwargs.pop("external_spec", None)
        if any(external):
            raise external_refusal(f"the schema names an external source {external[0] or external[1]!r}")
        try:
            args = _SchemaArgs(**kwargs)
        except ValidationError as exc:
            first = exc.errors()[0]
            key = ".".join(str(p) for p in first["loc"])
            if key == "auto_id":
                raise AutoIDException(message="Param auto_id must be bool type.") from None
            raise ParamError(message=f"invalid value {first.get('input')!r} for schema argument "
                                     f"`{key}`: {first['msg']}") from None
        if not isinstance(description, str):
            raise ParamError(message="schema description must be a str")
        self.description = description
        self.auto_id = bool(args.auto_id)
        self._auto_id_given = args.auto_id is not None
        self.enable_dynamic_field = bool(args.enable_dynamic_field)
        self._primary_field = args.primary_field
        self._partition_key_field = args.partition_key_field
        self._clustering_key_field = args.clustering_key_field
        self.enable_namespace = bool(args.enable_namespace)
        self.functions: list[Function] = list(functions or [])
        #: The fields whose tokens the collection's table stores (ddl.match_column), read from the
        #: table by the catalog (catalog/store.py); not part of the schema Milvus describes.
        self.token_fields: frozenset[str] = frozenset()
        self.fields: list[FieldSchema] = []
        #: ARRAY<STRUCT> fields (schema/structs.py), in the order they were added.
        self.struct_fields: list[StructFieldSchema] = []
        #: Milvus's field ids (describe_collection's field_id), kept in the catalog from the
        #: collection's creation (assign_field_ids): name -> id, a struct's sub-field as
        #: ``struct[sub]``, the dynamic field as ``$meta``; the highest id ever given.  Empty for a
        #: schema not stored yet, or stored before ids were kept (positions number it then).
        self.assigned_ids: dict[str, int] = {}
        self.max_field_id = 0
        #: Read from a catalog that kept no ids: assign_field_ids keeps its positional numbers.
        self._stored_without_ids = False
        for field in fields or []:
            if not isinstance(field, FieldSchema):
                raise ParamError(message=f"schema fields must be FieldSchema objects, got {field!r}")
            self._append(field)
        for struct in struct_fields or []:
            self.add_struct_field(struct)

    def _append(self, field: FieldSchema) -> None:
        if self._primary_field == field.name:
            field.is_primary = True
        if self._partition_key_field == field.name:
            field.is_partition_key = True
        if self._clustering_key_field == field.name:
            field.is_clustering_key = True
        if field.is_primary and self._auto_id_given and self.auto_id:
            field.auto_id = True
        self.fields.append(field)

    def add_field(self, field_name: str, datatype: DataType, **kwargs: Any) -> "CollectionSchema":
        if datatype == DataType.ARRAY and kwargs.get("element_type") == DataType.STRUCT:
            return self._add_struct(field_name, **kwargs)
        description = kwargs.pop("description", "")
        self._append(FieldSchema(field_name, datatype, description, **kwargs))
        return self

    def _add_struct(self, field_name: str, **kwargs: Any) -> "CollectionSchema":
        """pymilvus's add_field of an ARRAY whose elements are STRUCTs: its client-side checks."""
        if "struct_schema" not in kwargs:
            raise ParamError(message="Param struct_schema is required when datatype is STRUCT")
        struct = structs.foreign(kwargs["struct_schema"]).copy()
        struct.name = field_name
        struct._nullable = kwargs.get("nullable", False)
        if "max_capacity" not in kwargs:
            raise ParamError(message="Param max_capacity is required when datatype is STRUCT")
        struct.max_capacity = kwargs["max_capacity"]
        if "description" in kwargs:
            struct._description = kwargs["description"]
        for key in ("mmap_enabled", "warmup"):
            if key in kwargs:
                struct._type_params[key] = kwargs[key]
        self.struct_fields.append(struct)
        return self

    def add_struct_field(self, struct_field_schema: Any) -> "CollectionSchema":
        self.struct_fields.append(structs.foreign(struct_field_schema))
        return self

    @property
    def struct_columns(self) -> list[FieldSchema]:
        """The columns of every struct array's sub-fields (``struct[sub]``), struct by struct."""
        key = tuple(map(id, self.struct_fields))
        cached = getattr(self, "_struct_columns", None)
        if cached is None or cached[0] != key:
            cached = (key, [column for struct in self.struct_fields for column in struct.columns()])
            self._struct_columns = cached
        return cached[1]

    @property
    def columns(self) -> list[FieldSchema]:
        """Every stored field: the schema's fields, then the struct arrays' sub-field columns."""
        return self.fields + self.struct_columns if self.struct_fields else self.fields

    def struct_field(self, name: str) -> Optional[StructFieldSchema]:
        return next((s for s in self.struct_fields if s.name == name), None)

    def field_ids(self) -> dict[str, int]:
        """Each field's Milvus id (struct arrays: struct_ids)."""
        ids = self.assigned_ids
        if not ids:
            return {f.name: 100 + i for i, f in enumerate(self.fields)}
        return {f.name: ids[f.name] for f in self.fields}

    def struct_ids(self) -> list[tuple[StructFieldSchema, int, list[int]]]:
        """Each struct array with the field ids describe_collection gives it and its sub-fields
        (without assigned ids: after the fields' 100, 101, ..., a struct's id, then its
        sub-fields', as Milvus's rootcoord numbers a new schema without a dynamic field)."""
        ids = self.assigned_ids
        if ids:
            return [(struct, ids[struct.name], [ids[_sub_key(struct.name, sub.name)] for sub in struct.fields])
                    for struct in self.struct_fields]
        out = []
        next_id = 100 + len(self.fields)
        for struct in self.struct_fields:
            subs = list(range(next_id + 1, next_id + 1 + len(struct.fields)))
            out.append((struct, next_id, subs))
            next_id = next_id + 1 + len(struct.fields)
        return out

    def assign_field_ids(self) -> None:
        """Give ids as Milvus's rootcoord does, before the schema is stored.  A new collection:
        its fields from 100 in order, then the dynamic field, then each struct array and its
        sub-fields (createCollectionTask.assignFieldAndFunctionID, after appendDynamicField).  A
        field added later (or the dynamic field once enabled): max_field_id + 1.  Ids are never
        reused: a dropped field's id stays taken.  A schema stored before ids were kept keeps the
        numbers its positions gave it."""
        names = [f.name for f in self.fields]
        if self.enable_dynamic_field:
            names.append(DYNAMIC_FIELD)
        for struct in self.struct_fields:
            names += [struct.name] + [_sub_key(struct.name, sub.name) for sub in struct.fields]
        if self._stored_without_ids and not self.assigned_ids:
            frozen = self.field_ids()
            for struct, struct_id, sub_ids in self.struct_ids():
                frozen[struct.name] = struct_id
                frozen.update(zip((_sub_key(struct.name, sub.name) for sub in struct.fields), sub_ids))
            self.assigned_ids, self.max_field_id = frozen, max(frozen.values(), default=99)
        kept = {name: self.assigned_ids[name] for name in names if name in self.assigned_ids}
        next_id = max(self.max_field_id, 99) + 1
        for name in names:
            if name not in kept:
                kept[name] = next_id
                next_id += 1
        self.assigned_ids, self.max_field_id = kept, next_id - 1

    def add_function(self, function: Function) -> "CollectionSchema":
        if not isinstance(function, Function):
            function = _foreign_function(function)
        self.functions.append(function)
        self._mark_outputs()
        return self

    def _mark_outputs(self) -> None:
        """pymilvus's add_function marks the output fields; Milvus's proxy then derives the flag
        from the functions alone (validateFunction resets it first), and so does this."""
        outputs = {name for f in self.functions for name in f.output_field_names}
        for field in self.fields:
            field.is_function_output = field.name in outputs

    def bm25_function(self, output: str) -> Optional[Function]:
        """The BM25 function whose output is the field ``output`` (None: not such a field)."""
        return next((f for f in self.functions if f.type == FunctionType.BM25
                     and f.output_field_names == [output]), None)

    @property
    def bm25_outputs(self) -> dict[str, FieldSchema]:
        """BM25 output field name -> its input (text) field."""
        out = {}
        for function in self.functions:
            if function.type == FunctionType.BM25 and len(function.output_field_names) == 1:
                source = self.field(function.input_field_names[0])
                if source is not None:
                    out[function.output_field_names[0]] = source
        return out

    @property
    def minhash_outputs(self) -> dict[str, tuple[FieldSchema, "Function"]]:
        """MinHash output field name -> (its input (text) field, the function: its params)."""
        out = {}
        for function in self.functions:
            if function.type == FunctionType.MINHASH and len(function.output_field_names) == 1 \
                    and len(function.input_field_names) == 1:
                source = self.field(function.input_field_names[0])
                if source is not None:
                    out[function.output_field_names[0]] = (source, function)
        return out

    @property
    def computed_fields(self) -> dict[str, FieldSchema]:
        """Every field a function computes on insert (BM25 and MinHash outputs) -> its input field."""
        out = self.bm25_outputs
        out.update((name, source) for name, (source, _) in self.minhash_outputs.items())
        return out

    # -- lookups -------------------------------------------------------------------------------
    @property
    def primary_field(self) -> FieldSchema:
        for field in self.fields:
            if field.is_primary:
                return field
        raise PrimaryKeyException(message="Schema must have a primary key field.")

    @property
    def partition_key_field(self) -> Optional[FieldSchema]:
        return next((f for f in self.fields if f.is_partition_key), None)

    @property
    def vector_fields(self) -> list[FieldSchema]:
        return [f for f in self.fields if f.is_vector]

    def field(self, name: str) -> Optional[FieldSchema]:
        """The field ``name``, or the column of a struct array's sub-field named ``struct[sub]``."""
        found = next((f for f in self.fields if f.name == name), None)
        if found is None and self.struct_fields and name.endswith("]"):
            found = next((c for c in self.struct_columns if c.name == name), None)
        return found

    # -- checks --------------------------------------------------------------------------------
    def verify(self, collection_name: str = "") -> None:
        """pymilvus's client checks, then Milvus 2.6's proxy checks (createCollectionTask.PreExecute)
        and rootcoord's (checkFieldSchema), in their order, before any DDL runs: a schema with
        several faults is refused for the one Milvus names."""
        try:
            self._verify_client()
        except (PrimaryKeyException, PartitionKeyException) as exc:
            answer = self._proxy_answer()  # what an SDK that does not check (Go) gets from Milvus
            if answer is None:
                raise
            raise client_side(exc, answer) from None
        for struct in self.struct_fields:
            structs.verify_client(struct)
        function_checks.verify_client(self)
        function_checks.verify_server(self)
        self._verify_counts()
        self._verify_reserved()
        for field in self.fields:
            field.verify_type()
        for field in self.partition_keys:
            if field.nullable:
                raise invalid_parameter("partition key field not support nullable")
        for field in self.fields:
            field.verify_params(collection_name)
        for struct in self.struct_fields:
            structs.verify_server(struct, collection_name)
        self._verify_field_names()
        for field in self.fields:
            field.verify_stored()
        self._verify_pgmilvus(collection_name)

    @property
    def partition_keys(self) -> list[FieldSchema]:
        return [f for f in self.fields if f.is_partition_key]

    def _verify_client(self) -> None:
        """What pymilvus checks before the request leaves the client: keys and their types."""
        primaries = [f.name for f in self.fields if f.is_primary]
        if not primaries:
            raise PrimaryKeyException(message="Schema must have a primary key field.")
        if len(primaries) > 1:
            raise PrimaryKeyException(message=f"Expected only one primary key field, got "
                                              f"[{', '.join(primaries)}].")
        if self.primary_field.dtype not in (DataType.INT64, DataType.VARCHAR):
            raise PrimaryKeyException(message="Primary key type must be DataType.INT64 or "
                                              "DataType.VARCHAR.")
        for field in self.fields:
            if field.auto_id and not field.is_primary:
                raise _auto_id_not_primary(field.name)
        keys = self.partition_keys
        if len(keys) > 1:
            raise PartitionKeyException(message="Expected only one partition key field, got "
                                                f"[{', '.join(f.name for f in keys)}].")
        for field in keys:  # pymilvus means to refuse a primary partition key too, but never raises
            if field.is_primary:
                raise MilvusException(ErrorCode.SERVER_ERROR, "the partition key field must not be primary field")
            if field.dtype not in (DataType.INT64, DataType.VARCHAR):
                raise PartitionKeyException(message="Partition key field type must be DataType.INT64 or "
                                                    f"DataType.VARCHAR. (field {field.name})")

    def _proxy_answer(self) -> Optional[MilvusException]:
        """Milvus's proxy's answer to a schema pymilvus refuses itself (keys, auto_id, partition
        keys), in createCollectionTask.PreExecute's order: the vector fields first, the reserved
        names, then validatePrimaryKey, ValidateFieldAutoID and validatePartitionKey; None if it takes it."""
        try:
            self._verify_counts()
            self._verify_reserved()
        except MilvusException as exc:
            return exc
        return self._proxy_key_answer() or self._proxy_auto_id_answer() or self._proxy_partition_key_answer()

    def _proxy_key_answer(self) -> Optional[MilvusException]:
        keys = [f for f in self.fields if f.is_primary]
        if len(keys) > 1:
            return invalid_parameter(f"there are more than one primary key, field name = {keys[0].name}, "
                                     f"{keys[1].name}")
        if not keys:
            return MilvusException(ErrorCode.MISSING_PARAMETER, "primary key is not specified: missing parameter")
        if keys[0].dtype not in (DataType.INT64, DataType.VARCHAR):
            return invalid_parameter("the data type of primary key should be Int64 or VarChar")
        return None

    def _proxy_auto_id_answer(self) -> Optional[MilvusException]:
        auto = [f for f in self.fields if f.auto_id]
        if len(auto) > 1:
            return invalid_parameter(f"only one field can speficy AutoID with true, field name = {auto[0].name}, "
                                     f"{auto[1].name}")
        if auto and not auto[0].is_primary:
            return invalid_parameter(f"only primary field can speficy AutoID with true, field name = {auto[0].name}")
        return None

    def _proxy_partition_key_answer(self) -> Optional[MilvusException]:
        keys = self.partition_keys
        if len(keys) > 1:
            return invalid_parameter(f"there are more than one partition key, field name = {keys[0].name}, "
                                     f"{keys[1].name}")
        if keys and keys[0].is_primary:
            return invalid_parameter("the partition key field must not be primary field")
        if keys and keys[0].dtype not in (DataType.INT64, DataType.VARCHAR):
            return invalid_parameter("the data type of partition key should be Int64 or VarChar")
        return None

    def _verify_counts(self) -> None:
        """The proxy's first checks: Milvus's field limits, then at least one vector field (its
        text first, pgmilvus's hint after it)."""
        struct_vectors = [c for c in self.struct_columns if c.dtype == DataType._ARRAY_OF_VECTOR]
        check_field_counts(len(self.fields) + sum(1 + len(s.fields) for s in self.struct_fields),
                           len(self.vector_fields) + len(struct_vectors))
        if not self.vector_fields and not struct_vectors:
            raise MilvusException(ErrorCode.INVALID_PARAMETER,
                                  "schema does not contain vector field: invalid parameter (add one with "
                                  "add_field(name, DataType.FLOAT_VECTOR, dim=N))")

    def _verify_reserved(self) -> None:
        """Milvus's validateReservedFieldNames: the fields, then each struct and its sub-fields."""
        for field in self.fields:
            names.field_name_not_reserved(field.name)
        for struct in self.struct_fields:
            structs.verify_reserved(struct)

    def _verify_field_names(self) -> None:
        """Milvus's validateDuplicatedFieldName over the fields, the structs and their ``struct[sub]``
        columns: a struct's sub-field may share a name with a field or another struct's sub-field."""
        seen: set[str] = set()
        for field in self.fields + self.struct_fields + self.struct_columns:
            if field.name in seen:
                raise MilvusException(ErrorCode.SERVER_ERROR, f"duplicated field name {field.name} found")
            seen.add(field.name)

    def _verify_pgmilvus(self, collection_name: str = "") -> None:
        """What Milvus 2.6 accepts and pgmilvus cannot run: namespaces, functions (and the analyzers
        of BM25 input fields checked as rootcoord checks them)."""
        if self.enable_namespace:
            raise MilvusException(ErrorCode.UNSUPPORTED,
                                  "namespaces (enable_namespace=True) are not supported by pgmilvus: add a "
                                  "VARCHAR field with is_partition_key=True for the tenant and filter on it")
        function_checks.verify_pgmilvus(self, collection_name)

    # -- (de)serialisation ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out = {"auto_id": self.primary_field.auto_id if any(f.is_primary for f in self.fields)
               else self.auto_id,
               "description": self.description,
               "fields": [f.to_dict() for f in self.fields],
               "enable_dynamic_field": self.enable_dynamic_field}
        if self.struct_fields:  # as pymilvus: the key only when there are struct fields
            out["struct_fields"] = [s.to_dict() for s in self.struct_fields]
        if self.functions:  # as pymilvus: the key only when there are functions
            out["functions"] = [f.to_dict() for f in self.functions]
        return out

    def to_catalog(self) -> str:
        data: dict[str, Any] = {"description": self.description,
                                "enable_dynamic_field": self.enable_dynamic_field,
                                "fields": [f.to_catalog() for f in self.fields]}
        if self.functions:  # older catalogs (and schemas without functions) have no key
            data["functions"] = [f.to_catalog() for f in self.functions]
        if self.struct_fields:
            data["struct_fields"] = [s.to_catalog() for s in self.struct_fields]
        if self.assigned_ids:  # older catalogs have no key (positions number their fields)
            data["field_ids"], data["max_field_id"] = self.assigned_ids, self.max_field_id
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_catalog(cls, data: Any) -> "CollectionSchema":
        if isinstance(data, str):
            data = json.loads(data)
        schema = cls(description=data.get("description", ""),
                     enable_dynamic_field=bool(data.get("enable_dynamic_field")))
        schema.fields = [FieldSchema.from_catalog(f) for f in data["fields"]]
        schema.functions = [Function.from_catalog(f) for f in data.get("functions") or []]
        schema.struct_fields = [StructFieldSchema.from_catalog(s) for s in data.get("struct_fields") or []]
        schema.assigned_ids = dict(data.get("field_ids") or {})
        schema.max_field_id = int(data.get("max_field_id") or 0)
        schema._stored_without_ids = "field_ids" not in data
        return schema

    def copy(self) -> "CollectionSchema":
        return copy.deepcopy(self)

    def __repr__(self) -> str:
        return f"CollectionSchema({self.to_dict()!r})"

    def __eq__(self, other: object) -> bool:
        """The same fields, functions and settings (the ids a stored schema carries aside)."""
        def described(schema: CollectionSchema) -> dict[str, Any]:
            data = json.loads(schema.to_catalog())
            data.pop("field_ids", None), data.pop("max_field_id", None)
            return data
        return isinstance(other, CollectionSchema) and described(self) == described(other)
