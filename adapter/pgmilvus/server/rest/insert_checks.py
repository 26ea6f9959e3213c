"""The checks Milvus's REST face makes on insert and upsert rows before the proxy sees them.

``checkAndSetData`` and ``anyToColumns`` (httpserver/utils.go) refuse, with merr's 1804
``fail to deal the insert data``, a null or missing value where the schema has no room for one
(a vector, a number, a bool, an array) and a dense vector of the wrong length: a REST client gets
those codes and texts, not the core's (which answers as pymilvus and the proxy do).  A VarChar, JSON
or Geometry value Milvus would take as ``""`` is left to the core, which refuses it: taking an empty
string for a missing one would be a trap.
"""

from __future__ import annotations

from typing import Any

from ...errors import MilvusException
from ...types import VECTOR_TYPES, DataType, go_name

#: merr.ErrInvalidInsertData (pkg/util/merr/errors.go)
INSERT_CODE, INSERT_TEXT = 1804, "fail to deal the insert data"
#: What Go's parsers say of an empty string, by the field's type (spf13/cast, strconv, encoding/json).
_EMPTY = {DataType.BOOL: 'strconv.ParseBool: parsing "": invalid syntax',
          DataType.INT8: 'unable to cast "" of type string to int8',
          DataType.INT16: 'unable to cast "" of type string to int16',
          DataType.INT32: 'unable to cast "" of type string to int32',
          DataType.INT64: 'strconv.ParseInt: parsing "": invalid syntax',
          DataType.FLOAT: 'unable to cast "" of type string to float32',
          DataType.DOUBLE: 'unable to cast "" of type string to float64',
          DataType.ARRAY: "unexpected end of JSON input"}
#: A dense vector's Go element type and its length per dimension (anyToColumns' convert*ToArray).
_ELEMENTS = {DataType.FLOAT_VECTOR: ("[]float32", 1.0), DataType.INT8_VECTOR: ("[]int8", 1.0),
             DataType.BINARY_VECTOR: ("[]byte", 1 / 8), DataType.FLOAT16_VECTOR: ("[]byte", 2.0),
             DataType.BFLOAT16_VECTOR: ("[]byte", 2.0)}


def invalid_insert(detail: str) -> MilvusException:
    return MilvusException(INSERT_CODE, f"{INSERT_TEXT}, error: {detail}")


def parameter_invalid(expected: str, actual: Any, message: str) -> MilvusException:
    """merr.WrapErrParameterInvalid(expected, actual, message), as the insert error's detail."""
    return invalid_insert(f"{message}: invalid parameter[expected={expected}][actual={actual}]")


def check_rows(data: list, fields: dict[str, dict[str, Any]], partial_update: bool = False) -> None:
    """Refuse the body's rows as checkAndSetData, then anyToColumns' vector lengths, would."""
    for row in data:
        for field in fields.values():
            if not (partial_update and field["name"] not in (row or {})):
                _check_present(field, (row or {}).get(field["name"]))
    for field in fields.values():
        if DataType(field["type"]) in _ELEMENTS:
            for row in data:
                _check_length(field, (row or {}).get(field["name"]))


def _check_present(field: dict[str, Any], value: Any) -> None:
    if value is not None or field.get("nullable") or field.get("default_value") is not None:
        return
    if (field.get("is_primary") and field.get("auto_id")) or field.get("is_function_output"):
        return
    dtype = DataType(field["type"])
    if dtype in VECTOR_TYPES:
        raise parameter_invalid(go_name(dtype), "", f"missing vector field: {field['name']}")
    if dtype in _EMPTY:
        expected = go_name(dtype)
        if dtype == DataType.ARRAY:
            expected += f" of {go_name(field.get('element_type', DataType.NONE))}"
        raise parameter_invalid(expected, "", _EMPTY[dtype])


def _check_length(field: dict[str, Any], value: Any) -> None:
    """A dense vector sent as a JSON list of the wrong length (a base64 one is the core's to check)."""
    dtype = DataType(field["type"])
    if not isinstance(value, list):
        return
    element, per_dim = _ELEMENTS[dtype]
    size = len(value) * (2 if dtype in (DataType.FLOAT16_VECTOR, DataType.BFLOAT16_VECTOR) else 1)
    dim = int(field["params"].get("dim", 0))
    if size != int(dim * per_dim):
        raise invalid_insert(f"{element} size {size} doesn't equal to vector dimension {dim} of "
                             f"{go_name(dtype)}: invalid parameter")

