"""The report's checks: rows counted per partition on both sides, and a sample compared field by field."""

from __future__ import annotations

import math
from typing import Any, List

import numpy as np

#: Vectors and floats agree within this.
_REL, _ABS = 1e-5, 1e-6


def partition_counts(src: Any, dst: Any, name: str, keyed: bool, every_row: str) -> List[str]:
    """A line per partition; mismatches prefixed ``MISMATCH``.  ``every_row`` is a filter every row
    passes: Milvus Lite counts the whole collection for ``count(*)`` without a filter, whatever
    ``partition_names`` says."""
    out = []
    for part in ([None] if keyed else src.list_partitions(name)):
        names = [part] if part else None
        a, b = (c.query(name, filter=every_row, output_fields=["count(*)"], partition_names=names)[0]["count(*)"]
                for c in (src, dst))
        label = f"{name}/{part}" if part else name
        out.append(f"{'MISMATCH: ' if a != b else ''}{label}: source {a} rows, target {b} rows")
    return out


def sample(src: Any, dst: Any, name: str, pk: str, size: int) -> List[str]:
    """The first ``size`` rows of the source read from both sides and compared field by field."""
    if size <= 0:
        return []
    ids = [r[pk] for r in src.query(name, filter="", output_fields=[pk], limit=size)]
    if not ids:
        return [f"{name}: sample of 0 rows (empty collection)"]
    theirs = {r[pk]: r for r in src.get(name, ids=ids, output_fields=["*"])}
    ours = {r[pk]: r for r in dst.get(name, ids=ids, output_fields=["*"])}
    problems = []
    for key in ids:
        if key not in ours:
            problems.append(f"MISMATCH: {name}: row {key!r} missing on the target")
            continue
        for field, value in theirs[key].items():
            if not _same(value, ours[key].get(field)):
                problems.append(f"MISMATCH: {name}: row {key!r} field {field}: source {_short(value)}, "
                                f"target {_short(ours[key].get(field))}")
    return [f"{name}: sample of {len(ids)} rows compared field by field, {len(problems)} differences"] + problems


def _same(a: Any, b: Any) -> bool:
    a, b = _plain(a), _plain(b)
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(float(a), float(b), rel_tol=_REL, abs_tol=_ABS) or (a != a and b != b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        if a and all(isinstance(x, (int, float)) for x in a + b) and any(isinstance(x, float) for x in a + b):
            return len(a) == len(b) and bool(np.allclose(a, b, rtol=_REL, atol=_ABS))
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _plain(value: Any) -> Any:
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (bytes, bytearray)):
        return list(value)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], (bytes, bytearray)):
        return list(value[0])  # a binary vector as pymilvus returns it
    if isinstance(value, dict) and value and all(isinstance(k, (int, str)) and str(k).isdigit() for k in value):
        return {int(k): v for k, v in value.items()}  # a sparse vector, keys as ints
    return value


def _short(value: Any) -> str:
    text = repr(_plain(value))
    return text if len(text) <= 80 else text[:77] + "..."
