"""Milvus's naming rules for collections, fields, partitions, aliases, databases.

Milvus accepts only ``[A-Za-z_][A-Za-z0-9_]*`` (up to 255 characters) for
these names, so a valid name can never carry a quote or a keyword trick into
SQL; we check the rule before any SQL is built, and quote identifiers anyway.
"""

from __future__ import annotations

import re

from ..errors import ErrorCode, MilvusException, illegal

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_MAX = 255
#: What a name may contain, as each of Milvus 2.6's checks words it (its field check has the
#: Oxford comma, the others not).
_CONTENTS = {"field": "numbers, letters, and underscores"}
#: The argument names pymilvus's client-side check prints ("`alias` value 5 is illegal").
_ARGUMENT = {"collection": "collection_name", "partition": "partition_name", "alias": "alias",
             "database": "db_name", "field": "field_name"}


def _check(kind: str, name: object, code: int, *, suffix: str = "") -> str:
    if not isinstance(name, str):
        raise illegal(_ARGUMENT[kind], name, f"expected a str, got {type(name).__name__}")
    if name == "":
        raise illegal(_ARGUMENT[kind], name)
    label = kind.capitalize()
    if len(name) > _MAX:
        raise MilvusException(code, f"Invalid {kind} name: {name}. The length of a {kind} name "
                                    f"must be less than {_MAX + 1} characters.{suffix}")
    if not (name[0].isascii() and (name[0].isalpha() or name[0] == "_")):
        raise MilvusException(code, f"Invalid {kind} name: {name}. The first character of a {kind} "
                                    f"name must be an underscore or letter.{suffix}")
    if not _NAME.match(name):
        contents = _CONTENTS.get(kind, "numbers, letters and underscores")
        raise MilvusException(code, f"Invalid {kind} name: {name}. {label} name can only contain "
                                    f"{contents}.{suffix}")
    return name


#: Collection names that passed the check: every read checks its collection's name again.
_valid_collection_names: set[str] = set()


def collection_name(name: object) -> str:
    if type(name) is str and name in _valid_collection_names:
        return name
    checked = _check("collection", name, ErrorCode.INVALID_PARAMETER, suffix=": invalid parameter")
    if len(_valid_collection_names) < 4096:
        _valid_collection_names.add(checked)
    return checked


def alias_name(name: object) -> str:
    return _check("alias", name, ErrorCode.INVALID_PARAMETER, suffix=": invalid parameter")


def partition_name(name: object) -> str:
    if isinstance(name, str) and name and not name.strip():  # Milvus trims the name first
        raise MilvusException(ErrorCode.INVALID_PARAMETER, "Invalid partition name: . Partition name should "
                                                           "not be empty.: invalid parameter")
    return _check("partition", name, ErrorCode.INVALID_PARAMETER, suffix=": invalid parameter")


def field_name(name: object) -> str:
    return _check("field", name, ErrorCode.FIELD_NAME_INVALID,
                  suffix=f": field name invalid[field={name}]")


#: Milvus's filter keywords (pkg/common FieldNameKeywords): a field so named could not be used in a
#: filter, so create_collection refuses it.  Exact spellings, plus ``null`` in any case
#: (common.IsFieldNameKeyword).
FIELD_NAME_KEYWORDS = frozenset(
    ["$meta", "like", "exists", "EXISTS", "and", "or", "not", "in", "true", "True", "TRUE",
     "false", "False", "FALSE"]
    + [spelled for word in ("json_contains", "json_contains_all", "json_contains_any", "array_contains",
                            "array_contains_all", "array_contains_any", "array_length", "text_match",
                            "phrase_match", "random_sample")
       for spelled in (word, word.upper())])


def field_name_not_keyword(name: str) -> str:
    """Milvus's server-side keyword check (validateFieldName), made at create_collection."""
    if name in FIELD_NAME_KEYWORDS or name.lower() == "null":
        raise MilvusException(ErrorCode.FIELD_NAME_INVALID,
                              f"Invalid field name: {name}. {name} is keyword in milvus.: "
                              f"field name invalid[field={name}]")
    return name


def database_name(name: object) -> str:
    return _check("database", name, ErrorCode.DATABASE_INVALID_NAME,
                  suffix=": invalid database name")
