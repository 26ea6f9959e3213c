"""Request bodies -> checked dicts, refused as Milvus's gin binding refuses them.

Milvus decodes each endpoint's body into a Go struct (``request_v2.go``) with
``encoding/json`` and then checks ``binding:"required"`` tags; this module
declares the same structs (:class:`Body`) and answers the same codes and texts:
an empty body or a body that is no JSON object of the right types is 1801 (``can
only accept json format request, ...``), a missing required field 1802 (``missing
required parameters, error: Key: 'ImportReq.CollectionName' Error:Field validation
for 'CollectionName' failed on the 'required' tag``).  As ``encoding/json`` does,
keys match case-insensitively, unknown keys are ignored and ``null`` leaves the
zero value.  A struct inside the body (:attr:`Field.struct`) is decoded and validated as Go does
it: a wrong type names the innermost struct and the JSON path (``ResourceGroupLimit.config.requests.
node_num``), a missing field the Go path (``ResourceGroupReq.Config.Requests``).  A syntax error's
detail is Python's, not Go's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Optional

from ...errors import MilvusException
from ..convert.params import json_kind

#: merr.ErrIncorrectParameterFormat, merr.ErrMissingRequiredParameters (pkg/util/merr/errors.go)
FORMAT_CODE, FORMAT_TEXT = 1801, "can only accept json format request"
MISSING_CODE, MISSING_TEXT = 1802, "missing required parameters"


@dataclass(frozen=True)
class Field:
    """One struct field: its JSON key, Go name, Go type (``string``, ``*string``, ``[]string``, ``[][]string``,
    ``map[string]string``, ``int32``, ``uint64``, ``[]int64``, ``map[string]interface {}``,
    ``[]httpserver.IndexParam``: a list of JSON objects) and whether it is required."""

    key: str
    go_name: str
    go_type: str = "string"
    required: bool = False
    #: The struct a struct-typed field holds (``httpserver.X``, ``*httpserver.X``, or the elements of
    #: ``[]*httpserver.X`` / ``map[string]*httpserver.X``): decoded with it, its own ``required`` tags
    #: checked as the validator dives into a struct or a non-nil pointer (never into slices or maps).
    struct: Optional["Body"] = None


@dataclass(frozen=True)
class Body:
    """One request struct of request_v2.go (``name``: the Go type name in Go's error texts).

    ``alias``: the type a custom UnmarshalJSON decodes into (ImportReq's ``importReqAlias``), which
    ``encoding/json``'s texts name; ``check``: what that UnmarshalJSON refuses after decoding (it sees
    the decoded object, nulls included), before the ``required`` tags are validated."""

    name: str
    fields: tuple[Field, ...]
    alias: str = ""
    check: Optional[Callable[[dict[str, Any]], None]] = None

    def bind(self, raw: bytes) -> dict[str, Any]:
        """The body's values by JSON key (zero values for absent keys), or Milvus's 1801 / 1802 error."""
        if not raw.strip():
            raise MilvusException(FORMAT_CODE, f"{FORMAT_TEXT}, the request body should be nil, however {{}} is valid")
        try:
            decoded = json.loads(raw, parse_constant=_no_constant)
        except (ValueError, UnicodeDecodeError) as exc:
            raise MilvusException(FORMAT_CODE, f"{FORMAT_TEXT}, error: {exc}") from None
        except RecursionError:  # encoding/json's words for its own limit (10,000 levels; Python's ~1,000)
            raise MilvusException(FORMAT_CODE, f"{FORMAT_TEXT}, error: exceeded max depth") from None
        return self.bind_object(decoded)

    def bind_object(self, decoded: Any) -> dict[str, Any]:
        """A decoded JSON value bound as :meth:`bind` binds the body (a nested struct: ``name`` is its
        path, ``SearchReqV2.searchAggregation``, as Go's errors name the field)."""
        values = self._decode(decoded, "")
        missing = self._missing(values, self.name)
        if missing:
            raise MilvusException(MISSING_CODE, f"{MISSING_TEXT}, error: " + "\n".join(
                f"Key: '{space}.{go_name}' Error:Field validation for '{go_name}' failed on the 'required' tag"
                for space, go_name in missing))
        return values

    def check_types(self, decoded: Any, path: str) -> None:
        """Refuse a value of a wrong type in ``decoded`` (an element of a list the handler reads by
        hand) with encoding/json's 1801, naming ``path`` (the JSON keys down to the list)."""
        self._decode(decoded, path)

    def _decode(self, decoded: Any, path: str) -> dict[str, Any]:
        """encoding/json's pass: the values by key, or its error for the first value of a wrong type
        (``path``: the JSON keys down to this struct, which Go's texts put after the struct's name)."""
        if decoded is None:  # encoding/json: null into a struct leaves it as it is
            decoded = {}
        if not isinstance(decoded, dict):
            raise _format(f"json: cannot unmarshal {json_kind(decoded)} into Go value of type httpserver."
                          f"{self.alias or self.name}")
        matched = go_keys(decoded, tuple(f.key for f in self.fields))
        place = {key.lower(): i for i, key in reversed(list(enumerate(decoded)))}
        in_body_order = sorted(self.fields, key=lambda f: place.get(f.key.lower(), len(place)))
        values = {f.key: self._value(f, matched.get(f.key), path)  # Go: the first wrong one
                  for f in in_body_order}
        if self.check is not None:
            self.check(matched)
        return values

    def _missing(self, values: dict[str, Any], space: str) -> list[tuple[str, str]]:
        """The validator's pass, in field order: each empty required field (namespace, Go name), and
        those of the structs it dives into."""
        out = []
        for f in self.fields:
            value = values[f.key]
            if f.required and _is_zero(f, value):
                out.append((space, f.go_name))
            elif f.struct is not None and isinstance(value, dict) and not f.go_type.startswith(("[]", "map[")):
                out += f.struct._missing(value, f"{space}.{f.go_name}")
        return out

    def _value(self, field: Field, value: Any, path: str = "") -> Any:
        shape = _shape(field.go_type)
        key_path = f"{path}.{field.key}" if path else field.key
        if value is None:
            value = _ZEROS[shape]()
            return field.struct._decode(value, key_path) if field.struct and value == {} else value
        if not _CHECKS[shape](value):
            part, go_type = _wrong_part(field.go_type, value)
            raise _format(f"json: cannot unmarshal {json_kind(part)} into Go struct field "
                          f"{self.alias or self.name}.{key_path} of type {go_type}")
        value = _normalise(shape, value)
        if field.struct is None:
            return value
        if isinstance(value, list):  # a slice's or a map's elements carry no key in Go's path
            return [None if v is None else field.struct._decode(v, key_path) for v in value]
        if field.go_type.startswith("map["):
            return {k: None if v is None else field.struct._decode(v, key_path) for k, v in value.items()}
        return field.struct._decode(value, key_path)


def _shape(go_type: str) -> str:
    """The row of the tables below for a Go type: every struct pointer (``*httpserver.FieldSchema``)
    and every slice of structs (``[]httpserver.IndexParam``) binds alike."""
    if go_type.startswith("*httpserver."):
        return "*httpserver.FieldSchema"
    if go_type.startswith(("[]httpserver.", "[]*httpserver.")):
        return "[]httpserver.IndexParam"
    if go_type.startswith("httpserver."):
        return "httpserver.CollectionSchema"
    if go_type.startswith("map[string]*httpserver."):
        return "map[string]*httpserver.Struct"
    return go_type


def _format(detail: str) -> MilvusException:
    return MilvusException(FORMAT_CODE, f"{FORMAT_TEXT}, error: {detail}")


def _is_zero(field: Field, value: Any) -> bool:
    """validator's ``required``: a non-empty string, a non-zero number, ``true``, a non-nil slice,
    map or pointer (``[]`` passes)."""
    if field.go_type == "string":
        return value == ""
    if field.go_type in ("int32", "int64", "uint64", "bool"):
        return not value
    return value is None


def _is_int32(value: Any) -> bool:
    return type(value) is int and -2**31 <= value < 2**31 or type(value) is float and value.is_integer()


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(v is None or isinstance(v, str) for v in value)


_CHECKS: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "*string": lambda v: isinstance(v, str),  # a string that may be absent (None): a description
    "int32": _is_int32,
    "[]string": _strings,
    "[][]string": lambda v: isinstance(v, list) and all(x is None or _strings(x) for x in v),
    "map[string]string": lambda v: isinstance(v, dict) and all(x is None or isinstance(x, str) for x in v.values()),
    "map[string]*string": lambda v: isinstance(v, dict) and all(x is None or isinstance(x, str) for x in v.values()),
    "map[string]interface {}": lambda v: isinstance(v, dict),
    "bool": lambda v: isinstance(v, bool),
    "int64": lambda v: type(v) is int and -2**63 <= v < 2**63 or type(v) is float and v.is_integer(),
    "uint64": lambda v: type(v) in (int, float) and 0 <= v < 2**64 and float(v).is_integer(),
    "[]int64": lambda v: isinstance(v, list) and all(x is None or _CHECKS["int64"](x) for x in v),
    "httpserver.CollectionSchema": lambda v: isinstance(v, dict),
    "*httpserver.FieldSchema": lambda v: isinstance(v, dict),
    "[]httpserver.IndexParam": lambda v: isinstance(v, list) and all(x is None or isinstance(x, dict) for x in v),
    "map[string]*httpserver.Struct": lambda v: isinstance(v, dict) and all(x is None or isinstance(x, dict)
                                                                           for x in v.values()),
    # the entity structs' (rest/entities.py): any JSON value, lists of values / objects
    "interface {}": lambda v: True,
    "[]interface {}": lambda v: isinstance(v, list),
    "[]map[string]interface {}": lambda v: isinstance(v, list) and all(x is None or isinstance(x, dict) for x in v),
}
_ZEROS: dict[str, Callable[[], Any]] = {"string": str, "*string": lambda: None, "int32": int, "[]string": lambda: None,
                                        "[]int64": lambda: None, "[][]string": lambda: None,
                                        "map[string]string": lambda: None,
                                        "map[string]*string": lambda: None,
                                        "map[string]interface {}": lambda: None, "bool": bool, "int64": int,
                                        "uint64": int, "httpserver.CollectionSchema": dict,
                                        "*httpserver.FieldSchema": lambda: None,
                                        "[]httpserver.IndexParam": lambda: None,
                                        "map[string]*httpserver.Struct": lambda: None, "interface {}": lambda: None,
                                        "[]interface {}": lambda: None, "[]map[string]interface {}": lambda: None}


def _normalise(go_type: str, value: Any) -> Any:
    """Go's zero values for the ``null`` items a Go slice or map would hold."""
    if go_type in ("int32", "int64", "uint64"):
        return int(value)
    if go_type == "[]int64":
        return [int(v or 0) for v in value]
    if go_type == "[]httpserver.IndexParam":
        return [v or {} for v in value]
    if go_type == "[]string":
        return [v or "" for v in value]
    if go_type == "[][]string":
        return [[v or "" for v in x or []] for x in value]
    if go_type in ("map[string]string", "map[string]*string"):
        return {k: v or "" for k, v in value.items()}
    return value


def _wrong_part(go_type: str, value: Any) -> tuple[Any, str]:
    """The JSON value ``encoding/json`` complains about and the Go type of its slot: the container
    itself, or its first wrong element (``[][]string``: a wrong group, or a group's wrong path)."""
    element = {"*string": "string", "[]string": "string", "[][]string": "[]string", "map[string]string": "string",
               "map[string]*string": "string", "[]map[string]interface {}": "map[string]interface {}",
               "[]int64": "int64"}.get(go_type)
    if go_type.startswith(("[]httpserver.", "[]*httpserver.", "*httpserver.", "map[string]*httpserver.")):
        if go_type.startswith("*"):  # a pointer: the struct it is decoded into
            return value, go_type[1:]
        element = "httpserver." + go_type.split("httpserver.")[1]  # a slice's or a map's wrong element
    if element is None or go_type == "*string":
        return value, element or go_type
    items = list(value.values()) if isinstance(value, dict) else value
    if not isinstance(value, list if go_type.startswith("[]") else dict):
        return value, go_type
    if go_type == "[][]string":
        for item in items:
            if item is not None and not isinstance(item, list):
                return item, "[]string"
            bad = [x for x in item or [] if x is not None and not isinstance(x, str)]
            if bad:
                return bad[0], "string"
    if element == "int64":
        return next((v for v in items if v is not None and not _CHECKS[element](v)), value), element
    accepted = dict if element.startswith(("httpserver.", "map[")) else str
    return next((v for v in items if v is not None and not isinstance(v, accepted)), value), element


def _no_constant(name: str) -> Any:
    """``NaN`` / ``Infinity`` / ``-Infinity`` are no JSON (Python's decoder takes them, Go's does not)."""
    raise ValueError(f"invalid character {name[0]!r} looking for beginning of value")


def element_error(body: Body, key: str, value: Any, go_type: str) -> MilvusException:
    """encoding/json's error for an element of ``body``'s list ``key`` (bound as ``[]interface {}``
    and read by hand) that is no ``go_type`` struct."""
    return _format(f"json: cannot unmarshal {json_kind(value)} into Go struct field "
                   f"{body.alias or body.name}.{key} of type {go_type}")


def go_keys(value: Any, keys: tuple[str, ...]) -> Any:
    """A nested JSON object's keys as ``encoding/json`` matches a struct's (an exact key, else one
    equal but for case), for the parts a handler reads unbound; anything but an object as it is."""
    if not isinstance(value, dict):
        return value
    out = dict(value)
    lowered = {k.lower(): v for k, v in value.items()}
    for key in keys:
        if key not in value and key.lower() in lowered:
            out[key] = lowered[key.lower()]
    return out


# The request structs of the endpoints served (request_v2.go), and the two fields most of them open with.
DB = Field("dbName", "DbName")
COLLECTION_NAME = Field("collectionName", "CollectionName", required=True)
DATABASE = Body("DatabaseReq", (DB,))
COLLECTION = Body("CollectionNameReq", (DB, COLLECTION_NAME,
                                        Field("partitionNames", "PartitionNames", "[]string")))
OPTIONAL_COLLECTION = Body("OptionalCollectionNameReq", (DB, Field("collectionName", "CollectionName")))


def _auto_commit(body: dict[str, Any]) -> None:
    """ImportReq.UnmarshalJSON: ``options.auto_commit`` is "true" or "false", any case (not null)."""
    options = body.get("options")
    if isinstance(options, dict) and "auto_commit" in options:
        value = options["auto_commit"]
        if value is None or value.lower() not in ("true", "false"):
            raise _format('options.auto_commit must be one of "true" or "false": invalid parameter')


#: ImportReq decodes through its own alias type (``importReqAlias``), validates as ImportReq.
IMPORT = Body("ImportReq", (DB, COLLECTION_NAME,
                            Field("partitionName", "PartitionName"),
                            Field("files", "Files", "[][]string", required=True),
                            Field("options", "Options", "map[string]*string")),
              alias="importReqAlias", check=_auto_commit)
JOB_ID = Body("JobIDReq", (Field("jobId", "JobID", required=True),))
