"""Milvus bulk-writer files: ``pgmilvus export`` writes them (``pgmilvus import`` reads them with the
import jobs' readers, imports/formats.py).

The layouts are the ones pymilvus's ``LocalBulkWriter`` produces, which Milvus's bulk import takes:

* JSON: ``{"rows": [row, ...]}``; JSONL: one row per line.  A row holds each field by name, the
  dynamic field's keys in ``"$meta"``, JSON fields as JSON, sparse vectors as ``{"index": value}``,
  binary (and 16-bit float) vectors as lists of byte values.
* Parquet: one column per field (and ``$meta``), JSON fields, sparse vectors and ``$meta`` as JSON
  text, vectors as lists (needs pyarrow).

Rows move through the source's ``query_iterator`` and the target's ``insert``, in batches, so a file
of any size streams; the collection must exist on the target (as for Milvus's bulk import).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Iterable, List

from pymilvus import DataType

from ..imports.rows import META

FORMATS = ("json", "jsonl", "parquet")
#: Vector types a bulk file holds as byte values.
_BYTES_VECTORS = (DataType.BINARY_VECTOR, DataType.FLOAT16_VECTOR, DataType.BFLOAT16_VECTOR)


def field_types(desc: Dict[str, Any]) -> Dict[str, DataType]:
    return {f["name"]: f["type"] for f in desc["fields"]}


# -- writing -----------------------------------------------------------------------------------------

def to_file_row(row: Dict[str, Any], types: Dict[str, DataType], parquet: bool) -> Dict[str, Any]:
    """A queried row in the bulk-writer layout (the dynamic field's keys gathered in ``$meta``)."""
    out: Dict[str, Any] = {}
    meta: Dict[str, Any] = {}
    for name, value in row.items():
        kind = types.get(name)
        if name not in types or name == META:
            meta[name] = value
            continue
        if hasattr(value, "tolist"):
            value = value.tolist()
        if kind in _BYTES_VECTORS and isinstance(value, (bytes, bytearray)):
            value = list(value)
        elif kind in _BYTES_VECTORS and isinstance(value, list) and value and isinstance(value[0], bytes):
            value = list(value[0])  # pymilvus returns a binary vector as [bytes]
        elif kind == DataType.SPARSE_FLOAT_VECTOR and isinstance(value, dict):
            value = {str(k): float(v) for k, v in value.items()}
        if parquet and kind in (DataType.JSON, DataType.SPARSE_FLOAT_VECTOR):
            value = json.dumps(value)
        out[name] = value
    if META in types or meta:
        out[META] = json.dumps(meta) if parquet else meta
    return out


def write_rows(batches: Iterable[List[Dict[str, Any]]], out_dir: Path, fmt: str,
               types: Dict[str, DataType]) -> List[Path]:
    """The rows into ``out_dir/1.<fmt>``; the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"1.{fmt}"
    parquet = fmt == "parquet"
    rows = (to_file_row(r, types, parquet) for batch in batches for r in batch)
    if fmt == "jsonl":
        with path.open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row) + "\n")
    elif fmt == "json":
        with path.open("w", encoding="utf-8") as out:
            out.write('{"rows": [')
            for i, row in enumerate(rows):
                out.write((",\n" if i else "\n") + json.dumps(row))
            out.write("\n]}\n")
    elif parquet:
        _write_parquet(rows, path)
    else:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    return [path]


def _write_parquet(rows: Iterable[Dict[str, Any]], path: Path, group: int = 10_000) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    chunk: List[Dict[str, Any]] = []

    def flush() -> None:
        nonlocal writer
        table = pa.Table.from_pylist(chunk) if writer is None else pa.Table.from_pylist(chunk, schema=writer.schema)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
        chunk.clear()

    for row in rows:
        chunk.append(row)
        if len(chunk) >= group:
            flush()
    if chunk or writer is None:
        flush()
    assert writer is not None
    writer.close()
