"""Milvus 2.6's naming rules for collections, aliases, partitions, fields, databases, and its texts.

Milvus accepts only ``[A-Za-z_][A-Za-z0-9_]*`` (up to 255 characters) for
collection, alias, field and database names, so such a name can never carry a
quote or a keyword trick into SQL; partition names may also start with a digit
and hold '-' ("2024-01"), which quoting handles.  We check the rule before any
SQL is built, and quote identifiers anyway.

Each kind keeps the wording of its Milvus 2.6 check (internal/proxy/util.go):
collections and aliases share validateCollectionNameOrAlias (lower case, code
1100), databases ValidateDatabaseName (802), partitions validatePartitionTag
(a plain error: code 65535), fields validateFieldName (1701).  A non-str name
is pymilvus's client-side "`<argument>` value <v> is illegal" (over the wire a
name is always a string).
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import ErrorCode, MilvusException, client_side, illegal, invalid_parameter

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
#: validatePartitionTag (strict): a digit may come first, '-' later (Milvus #38494).
_PARTITION = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*\Z")
#: proxy.maxNameLength; Milvus's texts say "less than 255" of a limit that 255 itself passes.
_MAX = 255


def _first_ok(name: str, digits: bool = False) -> bool:
    first = name[0]
    return first.isascii() and (first.isalpha() or first == "_" or (digits and first.isdigit()))


def a_str(argument: str, name: Any) -> str:
    """pymilvus refuses a non-str name client-side; this is its text."""
    if not isinstance(name, str):
        raise illegal(argument, name, f"expected a str, got {type(name).__name__}")
    return name


def _collection_or_alias(entity: str, name: object, argument: str, *, client_checks_empty: bool) -> str:
    """Milvus's validateCollectionNameOrAlias(name, entity), entity "name" or "alias".

    ``client_checks_empty``: pymilvus refuses "" itself before sending (its own text, in process);
    the server, which gets "" only from clients that do not check, answers Milvus's text.
    """
    name = a_str(argument, name)
    if name == "":
        raise _empty(entity, argument, client_checks_empty)
    invalid = f"Invalid collection {entity}: {name}."
    if len(name.encode()) > _MAX:  # Go counts bytes
        raise invalid_parameter(f"{invalid} the length of a collection {entity} must be less than {_MAX} characters")
    if not _first_ok(name):
        raise invalid_parameter(f"{invalid} the first character of a collection {entity} must be an underscore "
                                "or letter")
    if not _NAME.match(name):
        raise invalid_parameter(f"{invalid} collection {entity} can only contain numbers, letters and underscores")
    return name


#: Collection names that passed the check: every read checks its collection's name again.
_valid_collection_names: set[str] = set()


def _empty(entity: str, argument: str, client_checks_empty: bool) -> MilvusException:
    """Milvus's answer to an empty collection name or alias; where pymilvus refuses "" before
    sending, its own error, carrying Milvus's answer for the server to send (errors.client_side)."""
    answer = invalid_parameter(f"collection {entity} should not be empty")
    return client_side(illegal(argument, ""), answer) if client_checks_empty else answer


def collection_name(name: object) -> str:
    """A collection name as Milvus's proxy checks it (pymilvus refuses "" before sending)."""
    if type(name) is str and name in _valid_collection_names:
        return name
    checked = _collection_or_alias("name", name, "collection_name", client_checks_empty=True)
    if len(_valid_collection_names) < 4096:
        _valid_collection_names.add(checked)
    return checked


def collection_lookup(name: object) -> str:
    """A collection name for calls Milvus 2.6 does not name-check (create_index, drop_collection,
    alter/drop_collection_properties, rename's old name): only a str, so a bad name is just not
    found; pymilvus still refuses a non-str or "" before sending."""
    name = a_str("collection_name", name)
    if name == "":
        raise _empty("name", "collection_name", client_checks_empty=True)
    return name


def alias_name(name: object, *, client_checks_empty: bool = False) -> str:
    """An alias as Milvus's proxy checks it; pymilvus checks "" itself only in describe_alias.
    Where it does not check, pymilvus sends None as "" (protobuf leaves the field unset)."""
    if name is None and not client_checks_empty:
        name = ""
    return _collection_or_alias("alias", name, "alias", client_checks_empty=client_checks_empty)


#: validCharInIndexName: brackets too, for a struct array's sub-field (clips[emb]).
_INDEX_CHARS = re.compile(r"[A-Za-z0-9_\[\]]*\Z")


def index_name(name: str) -> str:
    """Milvus master's ValidateIndexName (indexparamcheck) of a given index name, trimmed: an empty
    one is the field's default name; the checks of the length, the first character and the rest."""
    name = name.strip()
    if name == "":
        return name
    invalid = f"Invalid index name: {name}. "
    if len(name.encode()) > _MAX:
        raise invalid_parameter(f"{invalid}The length of a index name must be less than {_MAX} characters.")
    if not _first_ok(name):
        raise invalid_parameter(f"{invalid}The first character of a index name must be an underscore or letter.")
    if not _INDEX_CHARS.match(name[1:]):
        raise invalid_parameter(f"{invalid}Index name can only contain numbers, letters, and underscores.")
    return name


def partition_name(name: object, *, strict: bool = True) -> str:
    """Milvus's validatePartitionTag: checked after trimming spaces; ``strict`` (create, drop, has,
    insert, delete) also checks the characters, a read's partition_names only emptiness and length.
    Milvus returns a plain error here: code 65535, no ': invalid parameter'."""
    name = a_str("partition_name", name)
    tag = name.strip()
    invalid = f"Invalid partition name: {tag}. "
    if tag == "":
        raise MilvusException(ErrorCode.SERVER_ERROR, f"{invalid}Partition name should not be empty.")
    if len(tag.encode()) > _MAX:  # Go counts bytes
        raise MilvusException(ErrorCode.SERVER_ERROR,
                              f"{invalid}The length of a partition name must be less than {_MAX} characters.")
    if strict and not _first_ok(tag, digits=True):
        raise MilvusException(ErrorCode.SERVER_ERROR,
                              f"{invalid}The first character of a partition name must be an underscore or letter.")
    if strict and not _PARTITION.match(tag):
        raise MilvusException(ErrorCode.SERVER_ERROR,
                              f"{invalid}Partition name can only contain numbers, letters and underscores.")
    return name


def field_name(name: object) -> str:
    """Milvus's validateFieldName (1701, the field named in the suffix; note its Oxford comma)."""
    name = a_str("field_name", name)
    if name == "":
        raise _field_invalid(name, "field name should not be empty")
    invalid = f"Invalid field name: {name}. "
    if len(name.encode()) > _MAX:  # Go counts bytes
        raise _field_invalid(name, f"{invalid}The length of a field name must be less than {_MAX} characters.")
    if not _first_ok(name):
        raise _field_invalid(name, f"{invalid}The first character of a field name must be an underscore or letter.")
    if not _NAME.match(name):
        raise _field_invalid(name, f"{invalid}Field name can only contain numbers, letters, and underscores.")
    return name


def _field_invalid(name: str, message: str) -> MilvusException:
    return MilvusException(ErrorCode.FIELD_NAME_INVALID, f"{message}: field name invalid[field={name}]")


#: Names Milvus keeps for its own columns (pkg/common: the segments' RowID and Timestamp, the virtual key
#: of external collections): create_collection refuses a field or struct so named
#: (validateReservedFieldNames), before it looks at the keys.
RESERVED_FIELD_NAMES = ("RowID", "Timestamp", "__virtual_pk__")
#: What adding a field or a struct refuses as a system field: those, the dynamic and the namespace fields.
SYSTEM_FIELD_NAMES = RESERVED_FIELD_NAMES + ("$meta", "$namespace_id")


def field_name_not_reserved(name: str) -> str:
    """The proxy's reserved-name check of create_collection, in its words (code 1701)."""
    if name in RESERVED_FIELD_NAMES:
        raise _field_invalid(name, f'field name "{name}" is reserved for internal use and cannot be used in user '
                                   "schemas")
    return name


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
        raise _field_invalid(name, f"Invalid field name: {name}. {name} is keyword in milvus.")
    return name


def database_name(name: object) -> str:
    """Milvus's ValidateDatabaseName: its reason first, then "invalid database name[database=X]" (802)."""
    name = a_str("db_name", name)
    if name == "":
        raise _database_invalid(name, "database name couldn't be empty")
    if len(name.encode()) > _MAX:  # Go counts bytes
        raise _database_invalid(name, f"the length of a database name must be less than {_MAX} characters")
    if not _first_ok(name):
        raise _database_invalid(name, "the first character of a database name must be an underscore or letter")
    if not _NAME.match(name):
        raise _database_invalid(name, "database name can only contain numbers, letters and underscores")
    return name


def database_lookup(name: object) -> str:
    """A database name for calls Milvus 2.6 does not name-check (describe_database): only a str,
    "" meaning the default database as in Milvus's rootcoord."""
    return a_str("db_name", name) or "default"


def _database_invalid(name: str, reason: str) -> MilvusException:
    return MilvusException(ErrorCode.DATABASE_INVALID_NAME, f"{reason}: invalid database name[database={name}]")
