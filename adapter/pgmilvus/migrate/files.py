"""``pgmilvus export`` / ``pgmilvus import``: a collection to bulk-writer files and back (bulk.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

from ..imports import formats
from ..imports.rows import Layout
from . import bulk
from .endpoints import parse


def export_collection(source: str, collection: str, out: str, fmt: str, batch: int) -> int:
    """Every row of ``collection`` into ``out`` in the bulk-writer layout of ``fmt``."""
    if fmt not in bulk.FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(bulk.FORMATS)}")
    src = parse(source).open()
    desc = src.describe_collection(collection)
    types = _types(desc)
    src.load_collection(collection)
    counted = [0]

    def batches() -> Iterator[List[Dict[str, Any]]]:
        it = src.query_iterator(collection, batch_size=batch, output_fields=["*"])
        try:
            while rows := it.next():
                counted[0] += len(rows)
                print(f"{collection}: {counted[0]} rows exported", file=sys.stderr)
                yield rows
        finally:
            it.close()

    paths = bulk.write_rows(batches(), Path(out), fmt, types)
    print(f"exported {counted[0]} rows of {collection} to {', '.join(map(str, paths))}")
    return 0


def import_files(target: str, collection: str, files: List[str], batch: int, partition: Optional[str]) -> int:
    """The rows of bulk-writer ``files`` (or folders of them) inserted into ``collection``."""
    paths = _expand(files)
    dst = parse(target).open()
    layout = Layout.of(dst.describe_collection(collection))
    done = 0
    for rows in _batches(paths, layout, batch):
        dst.insert(collection, rows, partition_name=partition or "")
        done += len(rows)
        print(f"{collection}: {done} rows imported", file=sys.stderr)
    print(f"imported {done} rows into {collection} from {len(paths)} file(s)")
    return 0


def _batches(paths: List[Path], layout: Layout, batch: int) -> Iterator[List[Dict[str, Any]]]:
    """The files' rows, each file read as an import job reads a one-file group, ``batch`` at a time."""
    out: List[Dict[str, Any]] = []
    for path in paths:
        for row in formats.read_group(formats.file_type([path.name]), [path], layout, {}):
            out.append(row)
            if len(out) >= batch:
                yield out
                out = []
    if out:
        yield out


def _types(desc: Dict[str, Any]) -> Dict[str, Any]:
    types = bulk.field_types(desc)
    if desc.get("enable_dynamic_field"):
        types[bulk.META] = None  # the dynamic field's keys go to "$meta"
    return types


def _expand(files: List[str]) -> List[Path]:
    out: List[Path] = []
    for name in files:
        path = Path(name)
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.suffix.lower() in _READ)
        elif path.exists():
            out.append(path)
        else:
            raise ValueError(f"{name}: no such file or folder")
    if not out:
        raise ValueError(f"no bulk-writer files ({', '.join(_READ)}) in {', '.join(files)}")
    return out


#: The one-file formats ``pgmilvus import`` reads from a folder (numpy needs a job's file groups).
_READ = (".json", ".jsonl", ".ndjson", ".parquet", ".csv")
