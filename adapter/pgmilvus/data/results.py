"""Result containers that print like pymilvus 2.6's.

User code prints results and sometimes compares the printed text; pymilvus's
``OmitZeroDict`` hides zero values in ``str()`` (so ``cost: 0`` disappears)
while ``repr()`` shows everything, and query results are a ``list``
subclass carrying ``.extra`` that prints as ``data: [...], extra_info: {...}``.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

#: Keys pymilvus keeps in ``str()`` even when zero.
_ALWAYS_SHOWN = frozenset({"scanned_remote_bytes", "scanned_total_bytes", "cache_hit_ratio"})


class OmitZeroDict(dict):
    """A dict whose ``str()`` leaves out falsy values (``repr()`` shows all), as pymilvus's."""

    def _shown(self) -> dict:
        return {k: v for k, v in self.items() if v or k in _ALWAYS_SHOWN}

    def omit_zero_len(self) -> int:
        return len(self._shown())

    def __str__(self) -> str:
        return str(self._shown())

    def __repr__(self) -> str:
        return str(dict(self))


class HybridExtraList(list):
    """Query/get results: a list of row dicts plus ``.extra`` (``{"cost": 0}``).

    ``str()``/``repr()`` show at most 10 rows, then `` ...``, then ``extra_info``.
    """

    def __init__(self, rows: Iterable[Any] = (), extra: Optional[dict] = None) -> None:
        super().__init__(rows)
        self.extra = OmitZeroDict(extra if extra is not None else {"cost": 0})

    def materialize(self) -> "HybridExtraList":
        """pymilvus materialises lazy fields; every row here is already complete."""
        return self

    def __str__(self) -> str:
        preview = [str(row) for row in list.__getitem__(self, slice(0, 10))]
        more = " ..." if len(self) > 10 else ""
        return f"data: {preview}{more}, extra_info: {self.extra}"

    __repr__ = __str__
