"""The buckets of an aggregation search, shaped like pymilvus 3's ``AggregationBucket`` /
``AggregationHit`` (``res.agg_buckets[query][i]``): the same properties and ``repr``, so code
reading them runs unchanged.  Values are what pymilvus decodes from Milvus's reply: a NULL key
is ``None``, a hit's NULL field is left out of ``fields``, a metric nothing fed is left out of
``metrics``."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Union


class AggregationHit:
    """One document of a bucket's top_hits."""

    def __init__(self, pk: Optional[Union[int, str]], score: float, fields: Dict[str, Any],
                 field_ids: Dict[str, int]) -> None:
        self._pk = pk
        self._score = score
        self._fields = fields
        self._field_ids = field_ids

    @property
    def pk(self) -> Optional[Union[int, str]]:
        return self._pk

    @property
    def score(self) -> float:
        return self._score

    @property
    def fields(self) -> Dict[str, Any]:
        return dict(self._fields)

    def field_ids(self) -> Dict[str, int]:
        """field name -> field id, for the fields present on this hit."""
        return dict(self._field_ids)

    def __repr__(self) -> str:
        return f"AggregationHit(pk={self._pk!r}, score={self._score}, fields={self._fields!r})"


class AggregationBucket:
    """One bucket: its composite ``key`` ([{field_name, field_id, value}]), ``count`` (the hits of the
    search that fell in it), ``metrics`` (alias -> value), ``hits`` and ``sub_groups``."""

    def __init__(self, key: List[Dict[str, Any]], count: int, metrics: Dict[str, Any],
                 hits: List[AggregationHit], sub_groups: List["AggregationBucket"]) -> None:
        self._key = key
        self._count = count
        self._metrics = metrics
        self._hits = hits
        self._sub_groups = sub_groups

    @property
    def key(self) -> List[Dict[str, Any]]:
        return [dict(k) for k in self._key]

    @property
    def count(self) -> int:
        return self._count

    @property
    def metrics(self) -> Dict[str, Any]:
        return dict(self._metrics)

    @property
    def hits(self) -> List[AggregationHit]:
        return list(self._hits)

    @property
    def sub_groups(self) -> List["AggregationBucket"]:
        return list(self._sub_groups)

    def __repr__(self) -> str:
        return (f"AggregationBucket(key={self._key!r}, count={self._count}, metrics={self._metrics!r}, "
                f"hits={len(self._hits)}, sub_groups={len(self._sub_groups)})")
