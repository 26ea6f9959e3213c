"""Key-value pairs and filter templates as the SDKs send them.

pymilvus sends every search / index parameter as ``str(value)`` (dicts as
JSON: ``"10"``, ``"True"``, ``'{"nprobe": 8}'``); the Node and Java SDKs send
JSON or plain strings.  ``kv_value`` reads all of them back.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from pymilvus.grpc_gen import schema_pb2

from ...errors import JSON_ERRORS
from ..status import bad_request

_WORDS = {"True": True, "False": False, "true": True, "false": False, "None": None}


def kv_value(text: str) -> Any:
    """``"10"`` -> 10, ``"True"`` -> True, ``'{"a": 1}'`` -> dict; anything else stays a str."""
    if text in _WORDS:
        return _WORDS[text]
    if text[:1] in "[{-0123456789\"":
        try:
            return json.loads(text)
        except JSON_ERRORS:
            return text
    return text


def kv_dict(pairs: Iterable[Any], parse: bool = True) -> dict[str, Any]:
    """Repeated KeyValuePair -> dict (values parsed with ``kv_value`` unless ``parse`` is False)."""
    return {p.key: kv_value(p.value) if parse else p.value for p in pairs}


def kv_pairs(values: dict[str, Any]) -> list[Any]:
    from pymilvus.grpc_gen import common_pb2

    return [common_pb2.KeyValuePair(key=str(k), value=v if isinstance(v, str) else json.dumps(v))
            for k, v in values.items()]


#: Per decoded JSON value type: encoding/json's name of its kind (``cannot unmarshal <kind> into ...``)
#: and Go's ``%T`` of it once decoded into an ``interface{}``.
_GO_NAMES = {bool: ("bool", "bool"), int: ("number", "float64"), float: ("number", "float64"),
             str: ("string", "string"), list: ("array", "[]interface {}"), dict: ("object", "map[string]interface {}")}


def json_kind(value: Any) -> str:
    return _GO_NAMES.get(type(value), ("value", "<nil>"))[0]


def go_type_name(value: Any) -> str:
    return _GO_NAMES.get(type(value), ("value", "<nil>"))[1]


def json_object(text: str, what: str) -> dict[str, Any]:
    """A JSON object parameter (search ``params``, index ``params``), or 1100 naming it."""
    try:
        value = json.loads(text) if text else {}
    except JSON_ERRORS:
        raise bad_request(f"{what} is not valid JSON: {text[:200]!r}") from None
    if not isinstance(value, dict):
        raise bad_request(f"{what} must be a JSON object, got {text[:200]!r}")
    return value


# -- filter templates (expr_template_values) -> filter_params -------------------------------------

def template_values(entries: Any) -> dict[str, Any]:
    """``expr_template_values`` (name -> TemplateValue) as the ``filter_params`` dict pgmilvus takes."""
    return {name: _template(value, name) for name, value in entries.items()}


def _template(value: schema_pb2.TemplateValue, name: str) -> Any:
    kind = value.WhichOneof("val")
    if kind is None:
        raise bad_request(f"filter template value {name} is empty")
    if kind == "array_val":
        return _template_array(value.array_val, name)
    if kind == "bytes_val":
        return value.bytes_val
    return getattr(value, kind)


def _template_array(array: schema_pb2.TemplateArrayValue, name: str) -> list[Any]:
    kind = array.WhichOneof("data")
    if kind is None:
        return []
    if kind == "array_data":
        return [_template_array(a, name) for a in array.array_data.data]
    if kind == "json_data":
        return [_json(b, name) for b in array.json_data.data]
    return list(getattr(array, kind).data)


def _json(raw: bytes, name: str) -> Any:
    try:
        return json.loads(raw)
    except JSON_ERRORS:
        raise bad_request(f"filter template value {name} holds invalid JSON: {raw[:100]!r}") from None
