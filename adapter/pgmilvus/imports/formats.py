"""Rows from the files pymilvus's bulk writers write (LocalBulkWriter, RemoteBulkWriter), as Milvus reads them.

A job's ``files`` is a list of groups; a group is one file (JSON ``{"rows": [...]}`` or a bare list,
JSONL / NDJSON one row per line, Parquet one column per field, CSV with a header row) or, for
numpy, one ``<field>.npy`` per field holding the same number of rows.  ``file_type`` makes
Milvus's checks of a group's names (importutilv2.GetFileType, with its texts); ``read_group`` yields
the group's rows as ``insert`` takes them (rows.py applies Milvus's row rules).  ``pgmilvus import``
reads files with the same code.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Iterator, Mapping, Sequence

import numpy as np

from ..errors import JSON_ERRORS, MilvusException, import_failed
from ..types import go_name
from . import rows as R
from .rows import Layout, to_insert

#: Extension -> Milvus's FileType name.
FILE_TYPES = {".json": "JSON", ".jsonl": "JSONLines", ".ndjson": "JSONLines", ".npy": "Numpy",
              ".parquet": "Parquet", ".csv": "CSV"}
_SINGLE = {"JSON": "JSON", "JSONLines": "JSON", "Parquet": "Parquet", "CSV": "CSV"}
_UNSUPPORTED_SEPS = ("\x00", "\n", "\r", '"', "\ufffd")


def file_type(group: Sequence[str]) -> str:
    """The group's FileType name, or Milvus's refusal (proxy's PreExecute, before the job exists)."""
    if not group:
        raise import_failed("no file to import")
    exts = [PurePosixPath(p).suffix for p in group]
    for i, ext in enumerate(exts[1:], 1):
        both_lines = FILE_TYPES.get(ext) == FILE_TYPES.get(exts[0]) == "JSONLines"
        if ext != exts[0] and not both_lines:
            raise import_failed(f"inconsistency in file types, ({group[0]}) vs ({group[i]})")
    kind = FILE_TYPES.get(exts[0])
    if kind is None:
        raise import_failed(f"unexpected file type, files=[{' '.join(group)}]")
    if kind in _SINGLE and len(group) != 1:
        raise import_failed(f"for {_SINGLE[kind]} import, accepts only one file")
    return kind


def csv_options(options: Mapping[str, str]) -> tuple[str, str]:
    """The ``sep`` and ``nullkey`` options (Milvus's GetCSVSep / GetCSVNullKey)."""
    sep = options.get("sep") or ","
    if sep[0] in _UNSUPPORTED_SEPS:
        raise import_failed(f"unsupported csv separator: {sep}")
    return sep[0], options.get("nullkey", "")


def read_group(kind: str, paths: Sequence[Path], layout: Layout, options: Mapping[str, str]) -> Iterator[dict]:
    """The insert rows of one group, read as they stream (local ``paths``, in the group's order)."""
    if kind == "Numpy":
        yield from _numpy(paths, layout)
        return
    path = paths[0]
    if kind == "Parquet":
        yield from _parquet(path, layout)
        return
    if kind == "CSV":
        raw = _csv(path, layout, *csv_options(options))
    elif kind == "JSONLines":
        raw = _json_lines(path)
    else:
        raw = _json(path)
    for row in raw:
        yield to_insert(row, layout)


def _not_utf8(exc: UnicodeDecodeError) -> MilvusException:
    """A row file that is no UTF-8 text: refused, where Go's decoder would put U+FFFD in its strings."""
    return import_failed(f"the file is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} is not UTF-8): save it "
                         "as UTF-8")


def _json(path: Path) -> Iterator[Any]:
    try:
        text = path.read_text(encoding="utf-8").lstrip()
    except UnicodeDecodeError as exc:
        raise _not_utf8(exc) from None
    if not text.startswith(("{", "[")):
        raise import_failed("invalid JSON format, the content should be started with '{' or '['")
    try:
        data = json.loads(text)
    except JSON_ERRORS as exc:
        raise import_failed(f"failed to parse row, error: {exc}") from None
    if isinstance(data, dict):
        keys = list(data)
        if keys != ["rows"]:
            raise import_failed(f"invalid JSON format, the root key should be 'rows', but get '{keys[0] if keys else ''}'")
        data = data["rows"]
        if not isinstance(data, list):
            raise import_failed("invalid JSON format, rows list should begin with '['")
    yield from data


def _json_lines(path: Path) -> Iterator[Any]:
    with path.open(encoding="utf-8") as lines:
        for line in _utf8_lines(lines):
            if line.strip():
                try:
                    yield json.loads(line)
                except JSON_ERRORS as exc:
                    raise import_failed(f"failed to parse row, error: {exc}") from None


def _utf8_lines(lines: Iterable[str]) -> Iterator[str]:
    """The lines of a text file opened as UTF-8, or the refusal of a byte that is not UTF-8."""
    try:
        yield from lines
    except UnicodeDecodeError as exc:
        raise _not_utf8(exc) from None


def _parquet(path: Path, layout: Layout) -> Iterator[dict]:
    import pyarrow.parquet as pq

    try:
        source = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow's errors have no common base
        raise import_failed(f"new parquet reader failed, err={exc}") from None
    names = source.schema_arrow.names
    layout.refuse_columns(names)
    for name in layout.required():
        if name not in names:
            raise import_failed(f"no parquet field for milvus field '{name}'")
    for batch in source.iter_batches():
        for row in batch.to_pylist():
            yield to_insert(row, layout, parquet=True)


def _csv(path: Path, layout: Layout, sep: str, nullkey: str) -> Iterator[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(_utf8_lines(handle), delimiter=sep)
        header = next(reader, None)
        if header is None:
            return
        for cells in reader:
            if len(cells) != len(header):
                raise import_failed("the number of fields in the row is not equal to the header")
            yield {name: _cell(layout.fields.get(name), cell, nullkey) for name, cell in zip(header, cells)}


def _cell(spec: Any, cell: str, nullkey: str) -> Any:
    """A CSV cell as the value rows.py takes (JSON text stays text: value_of parses it)."""
    if spec is None:
        return cell  # "$meta" (JSON text) or a dynamic key
    if cell == nullkey and (spec.get("nullable") or spec.get("default_value") is not None):
        return None  # null, or the field's default
    kind = int(spec["type"])
    try:
        if kind == R.BOOL:
            return {"true": True, "false": False, "1": True, "0": False, "t": True, "f": False}[cell.lower()]
        if kind in (R.INT8, R.INT16, R.INT32, R.INT64):
            return int(cell)
        if kind in (R.FLOAT, R.DOUBLE):
            return float(cell)
    except (KeyError, ValueError):
        raise import_failed(f"expected type '{go_name(kind)}' for field '{spec['name']}', got type 'string' with "
                            f"value '{cell}'") from None
    return cell


def _numpy(paths: Sequence[Path], layout: Layout) -> Iterator[dict]:
    by_name = {p.stem: p for p in paths}
    layout.refuse_columns(list(by_name))
    for name in layout.required():
        if name not in by_name:
            raise import_failed(f"no file for field: {name}, files: [{' '.join(p.name for p in paths)}]")
    columns = {}
    for name, path in by_name.items():
        if name in layout.fields or (name == R.META and layout.dynamic):
            try:
                columns[name] = np.load(path, mmap_mode="r", allow_pickle=False)
            except (OSError, ValueError) as exc:
                raise import_failed(f"failed to read the file '{path}', error: {exc}") from None
    counts = {name: len(array) for name, array in columns.items()}
    if len(set(counts.values())) > 1:
        raise import_failed("the numpy files of a group hold different row counts: "
                            + ", ".join(f"{name}.npy {n}" for name, n in counts.items()))
    for i in range(next(iter(counts.values()), 0)):
        yield to_insert({name: array[i] for name, array in columns.items()}, layout)
