"""Copy one collection's rows in checkpointed batches.

The checkpoint is a JSON sidecar file (``--checkpoint``, default ``<target>.migrate.json``): before each target
insert it records the batch's last key as ``pending``, after it the new ``last`` key copied per collection and
partition.  The source is read in primary-key order (query_iterator), so ``--resume`` reads on from
``pk > last``; a batch whose insert may have landed before a kill (its keys up to ``pending``) is written
with upsert, which replaces what is there: no row is repeated or skipped, whatever ``--batch`` the resumed
run uses.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable, Dict


def load(path: Path) -> Dict[str, Any]:
    return json.loads(path.read_text()) if path.exists() else {}


def save(path: Path, state: Dict[str, Any]) -> None:
    """Atomic write: a kill leaves the previous checkpoint or the new one, never half of one."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state))
    os.replace(tmp, path)


def copy_rows(src: Any, dst: Any, name: str, pk: str, pk_is_str: bool, batch: int, state: Dict[str, Any],
              ckpt: Path, on_batch: Callable[[int], None], partition: str = "", scope: str = "",
              computed: frozenset = frozenset()) -> int:
    """Copy rows of ``name`` after the checkpointed key; returns rows copied in this run.
    ``scope`` prefixes the checkpoint's key (``db.`` outside the default database); ``computed``:
    fields the target's functions compute, left out of the copied rows."""
    key = f"{scope}{name}/{partition}"
    last = state.get(key, {}).get("last")
    flt = ""
    if last is not None:
        flt = f'{pk} > {json.dumps(last)}' if pk_is_str else f"{pk} > {int(last)}"
    parts = [partition] if partition else None
    it = src.query_iterator(name, batch_size=batch, filter=flt, output_fields=["*"], partition_names=parts)
    copied = 0
    try:
        while True:
            rows = it.next()
            if not rows:
                break
            rows = [_plain(r, computed) for r in rows]
            entry = state.get(key, {})
            pending = entry.get("pending")
            state[key] = {**entry, "pending": rows[-1][pk]}
            save(ckpt, state)
            if pending is not None and rows[0][pk] <= pending:
                dst.upsert(name, rows, partition_name=partition)  # may have landed before a kill
            else:
                dst.insert(name, rows, partition_name=partition)
            copied += len(rows)
            state[key] = {"last": rows[-1][pk], "rows": entry.get("rows", 0) + len(rows),
                          **({"pending": pending} if pending is not None and rows[-1][pk] < pending else {})}
            save(ckpt, state)
            on_batch(len(rows))
    finally:
        it.close()
    return copied


def _plain(row: Dict[str, Any], computed: frozenset = frozenset()) -> Dict[str, Any]:
    """Rows as plain Python values (numpy/bytes-backed vectors become lists the other client
    accepts), without the ``computed`` fields."""
    out = {}
    for k, v in row.items():
        if k not in computed:
            out[k] = v.tolist() if hasattr(v, "tolist") else v
    return out
