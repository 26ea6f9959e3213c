"""A bulk file's row as ``insert`` takes it, under Milvus's import-time rules.

Milvus's readers (internal/util/importutilv2: json/row_parser.go, parquet/util.go, csv/row_parser.go,
numpy/util.go) refuse an auto_id primary key in the file, data for a function's output field, a
missing field that is neither nullable nor defaulted, and a dynamic key given twice; they skip
unknown fields when the collection has no dynamic field and gather them into ``$meta`` when it has.
Those rules live here, with Milvus's texts; every value check after them is ``insert``'s own.
Values come as the bulk writer lays them out: JSON, sparse vectors and ``$meta`` may be JSON text
(Parquet, CSV), binary and 16-bit float vectors lists of byte values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from ..errors import JSON_ERRORS, import_failed
from ..types import go_name

META = "$meta"
#: DataType values (pymilvus's enum: describe_collection gives them)
BOOL, INT8, INT16, INT32, INT64, FLOAT, DOUBLE = 1, 2, 3, 4, 5, 10, 11
JSON, ARRAY, STRUCT = 23, 22, 201
BINARY_VECTOR, FLOAT_VECTOR, FLOAT16_VECTOR, BFLOAT16_VECTOR, SPARSE, INT8_VECTOR = 100, 101, 102, 103, 104, 105
_HALF = (FLOAT16_VECTOR, BFLOAT16_VECTOR)
_DENSE = (BINARY_VECTOR, FLOAT_VECTOR, FLOAT16_VECTOR, BFLOAT16_VECTOR, INT8_VECTOR)
#: Values a CSV cell or a Parquet string column holds as JSON text.
_JSON_TEXT = (JSON, ARRAY, SPARSE, BINARY_VECTOR, FLOAT_VECTOR, FLOAT16_VECTOR, BFLOAT16_VECTOR, INT8_VECTOR)
#: Milvus's property allowing data for non-BM25 function outputs (pkg/common/common.go).
ALLOW_NON_BM25 = "collection.function.allowInsertNonBM25FunctionOutputs"


@dataclass
class Layout:
    """What the rows of a collection's bulk files may and must hold (from describe_collection)."""

    fields: dict[str, dict] = field(default_factory=dict)
    pk: str = ""
    auto_pk: bool = False        # auto_id without allow_insert_auto_id: the file must not hold it
    optional_pk: bool = False    # auto_id: the file need not hold it
    dynamic: bool = False
    rejected: dict[str, str] = field(default_factory=dict)
    outputs: frozenset = frozenset()

    @classmethod
    def of(cls, desc: Mapping[str, Any]) -> "Layout":
        props = {k: str(v).lower() for k, v in (desc.get("properties") or {}).items()}
        layout = cls(dynamic=bool(desc.get("enable_dynamic_field")))
        bm25 = {name for f in desc.get("functions") or [] if int(f.get("type", 0)) == 1
                for name in f.get("output_field_names") or []}
        for f in desc.get("fields") or []:
            name = f["name"]
            if f.get("is_dynamic") or name == META:
                continue
            layout.fields[name] = f
            if f.get("is_primary"):
                layout.pk, layout.optional_pk = name, bool(f.get("auto_id"))
                layout.auto_pk = layout.optional_pk and props.get("allow_insert_auto_id") != "true"
            if f.get("is_function_output"):
                layout.outputs |= {name}
                if name in bm25:
                    layout.rejected[name] = f"not allowed to provide data for BM25 function output field '{name}'"
                elif props.get(ALLOW_NON_BM25) != "true":
                    layout.rejected[name] = (f"not allowed to provide data for function output field '{name}', "
                                             f"set collection property '{ALLOW_NON_BM25}' to enable")
        for f in desc.get("struct_array_fields") or []:  # pymilvus's describe of a Milvus server
            layout.fields.setdefault(f["name"], {**f, "type": ARRAY, "element_type": STRUCT,
                                                 "struct_fields": f.get("fields", [])})
        return layout

    def required(self) -> list[str]:
        """Fields every row must give: not the auto_id key, a function's output, nullable or defaulted."""
        return [name for name, f in self.fields.items()
                if not (name in self.outputs or (name == self.pk and self.optional_pk) or f.get("nullable")
                        or f.get("default_value") is not None)]

    def refuse_columns(self, names: list[str]) -> None:
        """The checks of a columnar file (Parquet, numpy) on its column names alone."""
        if self.auto_pk and self.pk in names:
            raise import_failed(f"the primary key '{self.pk}' is auto-generated, no need to provide")
        for name in names:
            if name in self.rejected:
                raise import_failed(self.rejected[name])


def to_insert(raw: Any, layout: Layout, parquet: bool = False) -> dict:
    """``raw`` (one row of a file) as an insert row, or Milvus's ErrImportFailed (``parquet``: a
    Parquet row, whose nulls Milvus refuses in other words)."""
    if not isinstance(raw, dict):
        raise import_failed(f"invalid JSON format, each row should be a key-value map, but got type {_go_type(raw)}")
    if layout.auto_pk and layout.pk in raw:
        raise import_failed(f"the primary key '{layout.pk}' is auto-generated, no need to provide")
    out: dict = {}
    dynamic: dict = {}
    for key, value in raw.items():
        if key in layout.rejected:
            raise import_failed(layout.rejected[key])
        spec = layout.fields.get(key)
        if spec is not None:
            if value is None:
                _refuse_null(spec, parquet)
            out[key] = value_of(spec, value)
        elif layout.dynamic:
            dynamic[key] = value
        # else: skipped, as Milvus 2.6 does with fields the collection lacks
    for name in layout.required():
        if name not in out:
            raise import_failed(f"value of field '{name}' is missed")
    if layout.dynamic:
        out.update(_dynamic(dynamic))
    return out


def _refuse_null(spec: Mapping[str, Any], parquet: bool) -> None:
    """A null is a value only of a nullable field, or of a defaulted one (which then takes its default)."""
    if spec.get("nullable") or spec.get("default_value") is not None:
        return
    name = spec["name"]
    if int(spec["type"]) == ARRAY and int(spec.get("element_type", 0)) == STRUCT and not parquet:
        raise import_failed(f"the struct field '{name}' is not nullable but the file contains null value")
    if parquet:
        raise import_failed(f"the field '{name}' is not nullable but the file contains null value")
    raise import_failed(f"expected type '{go_name(spec['type'])}' for field '{name}', got type '<nil>' with value "
                        "'<nil>'")


def _dynamic(values: dict) -> dict:
    """The dynamic keys of a row: the file's ``$meta`` object and its other unknown keys, none twice."""
    meta = values.pop(META, None)
    if isinstance(meta, str):
        try:
            meta = json.loads(meta)
        except JSON_ERRORS:
            raise import_failed("illegal value for dynamic field, not a JSON format string") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise import_failed("illegal value for dynamic field, not a JSON object")
    for key in meta:
        if key in values:
            raise import_failed(f"duplicated key is not allowed, key={key}")
    return {**values, **meta}


def value_of(spec: Mapping[str, Any], value: Any) -> Any:
    """A file's value of the field ``spec`` as insert takes it (insert checks it)."""
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        value = value.tolist()
    elif isinstance(value, np.generic):
        value = value.item()
    kind = int(spec["type"])
    if isinstance(value, str) and kind in _JSON_TEXT:
        value = _json_text(spec, value)
    if kind == SPARSE and isinstance(value, dict):
        if "indices" in value and "values" in value:
            return {int(i): float(v) for i, v in zip(value["indices"], value["values"])}
        return {int(k): float(v) for k, v in value.items()}
    if kind in _DENSE and isinstance(value, list):
        _check_dim(spec, len(value) * 8 if kind == BINARY_VECTOR else len(value), value)
    if kind == BINARY_VECTOR and isinstance(value, list):
        return _bytes(spec, value)
    if kind in _HALF and isinstance(value, list) and len(value) == 2 * _dim(spec) \
            and all(isinstance(x, int) for x in value):
        return _bytes(spec, value)  # the writer's list<uint8> of the vector's bytes
    if kind == ARRAY and int(spec.get("element_type", 0)) == STRUCT and isinstance(value, list):
        subs = {s["name"]: s for s in spec.get("struct_fields") or []}
        return [{k: value_of(subs[k], v) if k in subs else v for k, v in item.items()}
                if isinstance(item, dict) else item for item in value]
    return value


def _check_dim(spec: Mapping[str, Any], dim: int, value: list) -> None:
    """Milvus's readers' wrapDimError; a 16-bit vector may also come as its 2 * dim bytes."""
    want = _dim(spec)
    if dim == want or (int(spec["type"]) in _HALF and dim == 2 * want):
        return
    raise import_failed(f"expected dim '{want}' for field '{spec['name']}' with type '{go_name(spec['type'])}', "
                        f"got dim '{dim}'")


def _json_text(spec: Mapping[str, Any], text: str) -> Any:
    try:
        return json.loads(text)
    except JSON_ERRORS:
        if int(spec["type"]) == JSON:
            raise import_failed(f"failed to parse value '{text}' for JSON field '{spec['name']}', "
                                "error: not a JSON format string") from None
        return text  # insert names the field and the type it wants


def _bytes(spec: Mapping[str, Any], value: list) -> Any:
    try:
        return bytes(value)
    except (TypeError, ValueError):
        return value  # not byte values: insert's check names the field


def _dim(spec: Mapping[str, Any]) -> int:
    return int((spec.get("params") or {}).get("dim") or spec.get("dim") or 0)


def _go_type(value: Any) -> str:
    """How Go's %T names a value Milvus's JSON reader decoded (with UseNumber: numbers are json.Number)."""
    return {list: "[]interface {}", str: "string", bool: "bool", int: "json.Number", float: "json.Number",
            type(None): "<nil>"}.get(type(value), type(value).__name__)
