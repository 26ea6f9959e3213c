"""Where an import job's files come from: an S3 bucket (Milvus's object storage) or a local folder.

Milvus reads import files from its own MinIO/S3 bucket, by object key.  ``pgmilvus serve
--import-from`` names that bucket (``s3://ACCESS:SECRET@HOST:PORT/BUCKET``, ``?secure=true`` for
https) or a directory whose paths stand for the keys; each job reads its files from there.
Readers need seekable local files (Parquet's footer, numpy's header), so an object is copied to a
temporary file for as long as it is read.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path, PurePosixPath
from typing import Iterator, Optional, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from ..errors import ErrorCode, MilvusException


class ImportSource(Protocol):
    """Import files by key (Milvus's object keys)."""

    def check(self, key: str) -> None:
        """Refuse a key that cannot name a file of this source (MilvusException)."""

    def size(self, key: str) -> int:
        """The file's size in bytes (MilvusException when it is missing)."""

    def local(self, key: str) -> contextlib.AbstractContextManager[Path]:
        """A local path holding the file's bytes for the block."""


def _missing(key: str, where: str, detail: str = "") -> MilvusException:
    """A file the job names is not there: Milvus's 2101 (the object storage's side)."""
    return MilvusException(ErrorCode.IMPORT_SYS_FAILED,
                           f"failed to read the file '{key}' from {where}{': ' + detail if detail else ''}: "
                           "importing data failed on server side")


class LocalSource:
    """Keys are paths relative to ``root``; none may lead out of it."""

    def __init__(self, root: str) -> None:
        path = Path(root).expanduser()
        if not path.is_dir():
            raise MilvusException(ErrorCode.INVALID_PARAMETER,
                                  f"--import-from {root!r}: no such directory; give a directory or "
                                  "s3://ACCESS:SECRET@HOST:PORT/BUCKET")
        self.root = path.resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key.lstrip("/")).resolve()
        if path != self.root and self.root not in path.parents:
            raise MilvusException(ErrorCode.IMPORT_FAILED,
                                  f"the file '{key}' is outside the import directory {self.root}: importing "
                                  "data failed; name files by their path inside it")
        return path

    def check(self, key: str) -> None:
        self._path(key)

    def size(self, key: str) -> int:
        path = self._path(key)
        if not path.is_file():
            raise _missing(key, str(self.root), "no such file")
        return path.stat().st_size

    @contextlib.contextmanager
    def local(self, key: str) -> Iterator[Path]:
        self.size(key)
        yield self._path(key)


class S3Source:
    """Objects of one bucket of an S3-speaking server (MinIO, AWS S3, ...), through the minio client."""

    def __init__(self, endpoint: str, access_key: str, secret_key: str, bucket: str, secure: bool) -> None:
        try:
            from minio import Minio
        except ImportError as exc:
            raise MilvusException(ErrorCode.INVALID_PARAMETER,
                                  f"--import-from s3://... needs the minio package: pip install "
                                  f"\"pgmilvus[server]\" ({exc})") from None
        self.bucket = bucket
        self._where = f"bucket {bucket} at {endpoint}"
        self._client = Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=secure)

    def check(self, key: str) -> None:
        return None

    def size(self, key: str) -> int:
        from minio.error import S3Error

        try:
            return int(self._client.stat_object(self.bucket, key).size or 0)
        except S3Error as exc:
            raise _missing(key, self._where, exc.code) from None
        except OSError as exc:
            raise _missing(key, self._where, str(exc)) from None

    @contextlib.contextmanager
    def local(self, key: str) -> Iterator[Path]:
        """The object in a temporary folder, under its own file name (numpy's name the field)."""
        from minio.error import S3Error

        with tempfile.TemporaryDirectory(prefix="pgmilvus-import-") as folder:
            path = Path(folder) / (PurePosixPath(key).name or "object")
            try:
                self._client.fget_object(self.bucket, key, str(path))
            except S3Error as exc:
                raise _missing(key, self._where, exc.code) from None
            except OSError as exc:
                raise _missing(key, self._where, str(exc)) from None
            yield path


def open_source(spec: str) -> ImportSource:
    """The source ``spec`` names: ``s3://ACCESS:SECRET@HOST:PORT/BUCKET[?secure=true]`` or a directory."""
    if not spec.startswith("s3://"):
        return LocalSource(spec)
    parts = urlsplit(spec)
    bucket = parts.path.strip("/")
    if not parts.hostname or not bucket or "/" in bucket:
        raise MilvusException(ErrorCode.INVALID_PARAMETER,
                              f"--import-from {_redacted(spec)}: expected s3://ACCESS:SECRET@HOST:PORT/BUCKET "
                              "(one bucket; ?secure=true for https)")
    endpoint = parts.hostname + (f":{parts.port}" if parts.port else "")
    secure = _flag(parse_qs(parts.query).get("secure", ["false"])[0])
    return S3Source(endpoint, unquote(parts.username or ""), unquote(parts.password or ""), bucket, secure)


def _flag(text: str) -> bool:
    return text.strip().lower() in ("true", "1", "yes")


def _redacted(spec: str) -> str:
    """``spec`` without its secret key (errors and logs never show it)."""
    parts = urlsplit(spec)
    if parts.password is None:
        return spec
    return spec.replace(f":{parts.password}@", ":***@", 1)


def describe(source: Optional[ImportSource]) -> str:
    """The source for a log line, secrets left out."""
    if isinstance(source, LocalSource):
        return str(source.root)
    if isinstance(source, S3Source):
        return source._where
    return "none"
