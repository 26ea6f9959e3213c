"""Exceptions with pymilvus's names, codes and string form.

User code written for pymilvus catches these classes by name and reads
``.code`` / ``.message``; keeping both identical is what lets it run
unchanged.  Server-side failures carry Milvus's merr codes (100, 200, 1100,
...); client-side checks use code 1 as pymilvus does.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TypeVar


class ErrorCode(IntEnum):
    """pymilvus's ErrorCode plus the merr codes a Milvus server returns."""

    SUCCESS = 0
    UNEXPECTED_ERROR = 1
    SERVICE_INTERNAL = 5
    RATE_LIMIT = 8
    FORCE_DENY = 9
    COLLECTION_NOT_FOUND = 100
    COLLECTION_NOT_LOADED = 101
    COLLECTION_LOADED = 104
    COLLECTION_ILLEGAL_SCHEMA = 105
    COLLECTION_SCHEMA_MISMATCH = 109
    PARTITION_NOT_FOUND = 200
    PARTITION_NOT_LOADED = 201
    RESOURCE_GROUP_NOT_FOUND = 300
    INDEX_NOT_FOUND = 700
    INDEX_DUPLICATE = 702
    DATABASE_NOT_FOUND = 800
    DATABASE_INVALID_NAME = 802
    IO_FAILED = 1001
    PERMISSION_DENIED = 1401
    PRIVILEGE_GROUP_INVALID_NAME = 1402
    INVALID_PARAMETER = 1100
    MISSING_PARAMETER = 1101
    PARAMETER_TOO_LARGE = 1102
    METRIC_NOT_FOUND = 1200
    ALIAS_NOT_FOUND = 1600
    ALIAS_COLLECTION_NAME_CONFLICT = 1601
    ALIAS_ALREADY_EXIST = 1602
    FIELD_NOT_FOUND = 1700
    FIELD_NAME_INVALID = 1701
    IMPORT_FAILED = 2100
    IMPORT_SYS_FAILED = 2101
    QUERY_PLAN = 2201
    UNSUPPORTED = 3000
    SERVER_ERROR = 65535


class MilvusException(Exception):
    """Base of every error pgmilvus raises; same shape as pymilvus's."""

    def __init__(self, code: int = ErrorCode.UNEXPECTED_ERROR, message: str = "",
                 compatible_code: int = 1) -> None:
        super().__init__(message)
        self._code = int(code)
        self._message = message
        self._compatible_code = compatible_code

    @property
    def code(self) -> int:
        return self._code

    @property
    def message(self) -> str:
        return self._message

    @property
    def compatible_code(self) -> int:
        return self._compatible_code

    def __str__(self) -> str:
        return f"<{type(self).__name__}: (code={self.code}, message={self.message})>"

    def __reduce__(self) -> tuple:
        """Copied and pickled with its code (a schema holding a deferred error is deep-copied)."""
        return _rebuild, (type(self), self._code, self._message, self._compatible_code)


def _rebuild(cls: type, code: int, message: str, compatible_code: int) -> MilvusException:
    error = cls.__new__(cls)
    MilvusException.__init__(error, code, message, compatible_code)
    return error


class _ClientError(MilvusException):
    """Client-side check: pymilvus raises these with code 1 unless told otherwise."""

    def __init__(self, code: int = ErrorCode.UNEXPECTED_ERROR, message: str = "", **kwargs) -> None:
        # pymilvus lets client errors be built as Cls(message="...") as well.
        super().__init__(code=code, message=message, **kwargs)


class ParamError(_ClientError): ...
class ConnectError(_ClientError): ...
class MilvusUnavailableException(_ClientError): ...
class CollectionNotExistException(_ClientError): ...
class DescribeCollectionException(_ClientError): ...
class PartitionAlreadyExistException(_ClientError): ...
class IndexNotExistException(_ClientError): ...
class AmbiguousIndexName(_ClientError): ...
class CannotInferSchemaException(_ClientError): ...
class SchemaNotReadyException(_ClientError): ...
class DataTypeNotMatchException(_ClientError): ...
class DataTypeNotSupportException(_ClientError): ...
class DataNotMatchException(_ClientError): ...
class SchemaMismatchRetryableException(_ClientError): ...
class ConnectionNotExistException(_ClientError): ...
class ConnectionConfigException(_ClientError): ...
class PrimaryKeyException(_ClientError): ...
class PartitionKeyException(_ClientError): ...
class ClusteringKeyException(_ClientError): ...
class FieldsTypeException(_ClientError): ...
class FunctionsTypeException(_ClientError): ...
class FieldTypeException(_ClientError): ...
class AutoIDException(_ClientError): ...
class InvalidConsistencyLevel(_ClientError): ...
class ServerVersionIncompatibleException(_ClientError): ...


class PermissionDenied(MilvusException):
    """Postgres refused a statement for lack of a privilege (Postgres enforces Milvus RBAC).

    ``user`` is the Postgres role that was refused; the client rewrites the
    message into Milvus's ``Privilege<X>: permission deny to <user> ...``.
    """

    def __init__(self, message: str, user: str = "") -> None:
        super().__init__(ErrorCode.PERMISSION_DENIED, message, compatible_code=3)
        self.user = user

#: What ``json.loads`` / ``json.dumps`` raise for input they refuse: bad syntax or values, and
#: nesting deeper than Python's recursion limit (about 1,000 levels; Go's decoder takes 10,000).
#: Every place that reads or writes a user's JSON catches both, so neither reaches a user raw.
JSON_ERRORS = (ValueError, RecursionError)


# --- helpers that build the server-side messages Milvus users recognise ---

def invalid_parameter(message: str, hint: str = "", wraps: int = 1) -> MilvusException:
    """A 1100 error; Milvus appends ': invalid parameter' to these (once per time its proxy wraps
    the error), then pgmilvus's ``hint`` after "; "."""
    text = message + ": invalid parameter" * wraps
    return MilvusException(ErrorCode.INVALID_PARAMETER, f"{text}; {hint}" if hint else text)


def collection_loaded(name: str, message: str) -> MilvusException:
    """Milvus's ErrCollectionLoaded (104): what cannot change while the collection is loaded."""
    return MilvusException(ErrorCode.COLLECTION_LOADED, f"{message}: collection already loaded[collection={name}]")


def collection_not_found(name: str, db_name: str = "default", *, describe: bool = False) -> MilvusException:
    """Unknown collection: describe-style calls get DescribeCollectionException like pymilvus."""
    if describe:
        return DescribeCollectionException(
            ErrorCode.COLLECTION_NOT_FOUND,
            f"can't find collection[database={db_name}][collection={name}]")
    return MilvusException(ErrorCode.COLLECTION_NOT_FOUND,
                           f"collection not found[database={db_name}][collection={name}]")


def collection_replaced(name: str, iterator: str) -> MilvusException:
    """An iterator's collection was dropped (and maybe created again) between two pages."""
    return MilvusException(ErrorCode.COLLECTION_NOT_FOUND,
                           f"collection not found[collection={name}]: it was dropped (and created again) "
                           f"while this {iterator} ran, so its pages would mix two collections: create a new "
                           "iterator")


def partition_not_found(name: str, context: str = "") -> MilvusException:
    """merr.WrapErrPartitionNotFound; ``context`` is the text the proxy wraps it in (delete's
    "Failed to get partition id")."""
    text = f"partition not found[partition={name}]"
    return MilvusException(ErrorCode.PARTITION_NOT_FOUND, f"{context}: {text}" if context else text)


def database_not_found(name: str) -> MilvusException:
    return MilvusException(ErrorCode.DATABASE_NOT_FOUND, f"database not found[database={name}]")


def import_failed(message: str) -> MilvusException:
    """Milvus's ErrImportFailed (2100): a bulk import's files or request do not fit the collection."""
    return MilvusException(ErrorCode.IMPORT_FAILED, f"{message}: importing data failed")


# --- pymilvus's client-side texts (code 1); user code matches on them, so ours start with them ---

def illegal(key: str, value: object, detail: str = "") -> ParamError:
    """pymilvus's check_pass_param text, "`<key>` value <value> is illegal", our detail after ': '."""
    return ParamError(message=f"`{key}` value {value} is illegal" + (f": {detail}" if detail else ""))


_Client = TypeVar("_Client", bound=_ClientError)


def client_side(pymilvus_error: _Client, server_answer: MilvusException) -> _Client:
    """pymilvus's client-side error, carrying what a Milvus server answers when the request is sent
    anyway (by an SDK that does not check): in process the caller gets the former, as from pymilvus;
    ``pgmilvus serve`` answers with the latter (server/status.py)."""
    pymilvus_error.server_answer = server_answer  # type: ignore[attr-defined]
    return pymilvus_error


def check_argument(name: str, value: object, expected: "type | tuple[type, ...]", detail: str = "") -> None:
    """pymilvus's validate_param (MilvusClient.search, hybrid_search, create_index, flush,
    quick-setup dimension): "missing required argument: [<name>]" for None, else
    "wrong type of argument [<name>], expected type: [<type>], got type: [<type>]"."""
    if value is None:
        message = f"missing required argument: [{name}]"
    elif not isinstance(value, expected):
        expected_name = getattr(expected, "__name__", str(expected))
        message = (f"wrong type of argument [{name}], expected type: [{expected_name}], got type: "
                   f"[{type(value).__name__}]")
    else:
        return
    raise ParamError(message=message + (f": {detail}" if detail else ""))
