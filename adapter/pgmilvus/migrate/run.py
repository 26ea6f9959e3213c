"""The migration driver: per collection, schema -> partitions -> rows (checkpointed) -> indexes -> report."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from pymilvus import DataType

from . import copy as copy_mod, verify
from .endpoints import parse
from .schema import computed_fields, lossy_notes, schema_of


def _progress(name: str, total: int) -> Any:
    """tqdm bar on a TTY; otherwise a line per checkpoint."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        return tqdm(total=total, desc=name, unit="rows").update
    done = [0]

    def line(n: int) -> None:
        done[0] += n
        print(f"{name}: {done[0]}/{total} rows checkpointed", file=sys.stderr)
    return line


DEFAULT_DB = "default"


@dataclass
class Outcome:
    """What a run copied and found, over every database."""

    rows: int = 0
    lost: List[str] = field(default_factory=list)
    assumed: List[str] = field(default_factory=list)
    report: List[str] = field(default_factory=list)
    mismatched: bool = False


def migrate(source: str, target: str, collections: Optional[List[str]], batch: int, resume: bool,
            allow_lossy: bool, checkpoint: Optional[str] = None, sample: int = 100,
            databases: Optional[List[str]] = None) -> int:
    """Copy ``collections`` (default: all) of ``databases`` (default: the default one; ``*``: all)."""
    src_ep, dst_ep = parse(source), parse(target)
    home_src, home_dst = src_ep.open(), dst_ep.open()
    ckpt = Path(checkpoint or (dst_ep.uri.split("?")[0].replace("/", "_")[-60:] + ".migrate.json"))
    state = copy_mod.load(ckpt) if resume else {}
    names = databases or [DEFAULT_DB]
    if names == ["*"]:
        names = home_src.list_databases()
    out = Outcome()
    t0 = time.time()
    for db in names:
        if db != DEFAULT_DB and db not in home_dst.list_databases():
            home_dst.create_database(db)
        src, dst = (home_src, home_dst) if db == DEFAULT_DB else (src_ep.open(db), dst_ep.open(db))
        _copy_database(src, dst, dst_ep.kind, db, collections, batch, state, ckpt, sample, out)
    secs = time.time() - t0
    print(f"copied {out.rows} rows in {secs:.1f}s ({out.rows / max(secs, 1e-9):.0f} rows/s)")
    for line in out.report:
        print(line)
    for note in out.assumed:
        print(f"NOTE: {note}")
    for note in out.lost:
        print(f"LOSSY: {note}")
    return 1 if out.mismatched or (out.lost and not allow_lossy) else 0


def _copy_database(src: Any, dst: Any, dst_kind: str, db: str, collections: Optional[List[str]], batch: int,
                   state: Dict[str, Any], ckpt: Path, sample: int, out: Outcome) -> None:
    scope = "" if db == DEFAULT_DB else f"{db}."
    names = collections or src.list_collections()
    keys: Dict[str, tuple] = {}   # name -> (primary field, partition-keyed), for the report
    for name in names:
        desc = src.describe_collection(name)
        out.lost += lossy_notes(desc, dst_kind)
        pk = next(f for f in desc["fields"] if f.get("is_primary"))
        keyed = any(f.get("is_partition_key") for f in desc["fields"])
        keys[name] = (pk, keyed)
        if not dst.has_collection(name):
            dst.create_collection(name, schema=schema_of(desc, dst, out.assumed))
            for part in src.list_partitions(name):
                if part != "_default" and not keyed and not dst.has_partition(name, part):
                    dst.create_partition(name, part)
            out.assumed += _carry_properties(dst, name, desc.get("properties") or {})
        out.assumed += _carry_aliases(src, dst, name)
        src.load_collection(name)
        n = src.get_collection_stats(name).get("row_count", 0)
        bar = _progress(scope + name, int(n))
        for part in ([""] if keyed else src.list_partitions(name)):
            out.rows += copy_mod.copy_rows(src, dst, name, pk["name"], pk["type"] == DataType.VARCHAR, batch,
                                           state, ckpt, bar, part, scope, computed_fields(desc))
        out.lost += _copy_indexes(src, dst, name)
    if scope:
        out.report.append(f"database {db}:")
    for name in names:
        out.report.append(f"{name}: source {src.query(name, output_fields=['count(*)'])[0]['count(*)']} rows, "
                          f"target {dst.query(name, output_fields=['count(*)'])[0]['count(*)']} rows")
        pk, keyed = keys[name]
        every_row = f'{pk["name"]} >= ""' if pk["type"] == DataType.VARCHAR else f'{pk["name"]} >= {-2 ** 63}'
        for line in (verify.partition_counts(src, dst, name, keyed, every_row)
                     + verify.sample(src, dst, name, pk["name"], sample)):
            out.mismatched |= line.startswith("MISMATCH")
            out.report.append(line)


def _carry_properties(dst: Any, name: str, properties: Dict[str, Any]) -> List[str]:
    """The collection's properties set on the target; what it refuses becomes a NOTE."""
    notes = []
    for key, value in properties.items():
        try:
            dst.alter_collection_properties(name, {key: value})
        except Exception as exc:  # the target's refusal, whatever its client raises
            notes.append(f"{name}: property {key}={value!r} not carried ({getattr(exc, 'message', exc)})")
    return notes


def _carry_aliases(src: Any, dst: Any, name: str) -> List[str]:
    """The source's aliases of ``name`` created on the target (where missing)."""
    try:
        aliases = src.list_aliases(collection_name=name).get("aliases", [])
    except Exception as exc:  # a source without aliases (Milvus Lite lacks some calls)
        return [f"{name}: aliases not read from the source ({getattr(exc, 'message', exc)})"]
    have = set(dst.list_aliases(collection_name=name).get("aliases", []))
    for alias in aliases:
        if alias not in have:
            dst.create_alias(name, alias)
    return []


def _copy_indexes(src: Any, dst: Any, name: str) -> List[str]:
    """Indexes are built after the data (one bulk build each), then the collection is loaded; an
    index the target refuses (a type or parameter it has no equivalent for) is reported, the
    others are built, and the rows stay searchable (exactly) without it."""
    lost = []
    have = set(dst.list_indexes(name))
    for idx in src.list_indexes(name):
        if idx in have:
            continue
        d = dict(src.describe_index(name, idx))
        field, itype = d.pop("field_name"), d.pop("index_type", "")
        metric = d.pop("metric_type", None)
        for k in ("index_name", "total_rows", "indexed_rows", "pending_index_rows", "state"):
            d.pop(k, None)
        params = dst.prepare_index_params()
        params.add_index(field_name=field, index_type=itype, index_name=idx, metric_type=metric, params=d)
        try:
            dst.create_index(name, params)
        except Exception as exc:  # the target's refusal, whatever its client raises
            lost.append(f"{name}.{field}: index {idx} ({itype}) not created: {getattr(exc, 'message', exc)}")
    try:
        dst.load_collection(name)
    except Exception as exc:  # Milvus loads only with every vector field indexed
        lost.append(f"{name}: not loaded on the target: {getattr(exc, 'message', exc)}")
    return lost
