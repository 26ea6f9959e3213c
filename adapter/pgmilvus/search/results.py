"""Search result classes shaped like pymilvus 2.6's (``SearchResult`` / ``Hits`` / ``Hit``).

User code indexes results in many styles (``res[0][0]["id"]``,
``hit["entity"]["k"]``, ``hit["k"]``, ``hit.id``, ``hits.ids``) and prints them;
keeping the same classes, fallbacks and ``str()`` is what lets it run
unchanged.  The behaviour follows pymilvus's ``client/search_result.py`` and
``orm/iterator.py`` (re-implemented, not copied):

* ``SearchResult(list)`` of ``Hits(list)`` of ``Hit(dict)``;
* a hit is ``{<pk name>: pk, "distance": d, "entity": {...}}``; the PK key is
  the PK field's name (pymilvus >= 2.5.4); ``hit["id"]`` / ``hit.id`` also
  resolve to the PK when the field has another name;
* ``hit[k]`` falls back into ``entity``; ``hit.entity`` is the hit itself;
* ``str(SearchResult)`` is ``data: [...]`` with at most 10 query results.
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence

_MISSING = object()


class Hit(dict):
    """One hit: a dict with attribute access and a fallback into ``entity``.  A grouping search's
    hit carries its group value in ``_group_value`` (what Milvus answers in ``group_by_field_value``;
    pymilvus shows none)."""

    _pk_name = "id"
    _group_value: Any = None

    def __init__(self, *args: Any, pk_name: str = "id", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if pk_name != "id":
            self._pk_name = pk_name

    def __getitem__(self, key: Any) -> Any:
        try:
            return super().__getitem__(key)
        except KeyError:
            pass
        entity = super().get("entity")
        if isinstance(entity, dict) and key in entity:
            return entity[key]
        if key == "id" and self._pk_name != "id":
            return super().__getitem__(self._pk_name)
        raise KeyError(key)

    def get(self, key: Any, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __getattr__(self, item: str) -> Any:
        if item.startswith("__") or item in ("_pk_name", "_group_value"):
            raise AttributeError(item)
        if item == "entity":  # pymilvus: hit.entity is the hit itself (ORM compatibility)
            return self
        try:
            return self[item]
        except KeyError:
            raise AttributeError(item) from None

    @property
    def id(self) -> Any:
        return super().get(self._pk_name)

    @property
    def pk(self) -> Any:
        return self.id

    @property
    def distance(self) -> Optional[float]:
        return super().get("distance")

    @property
    def score(self) -> Optional[float]:
        return self.distance

    @property
    def fields(self) -> Optional[dict]:
        return super().get("entity")

    @property
    def highlight(self) -> Optional[dict]:
        return super().get("highlight")

    def to_dict(self) -> "Hit":
        return self

    def __reduce__(self):  # keep pk_name through copy / pickle
        return (_rebuild_hit, (dict(self), self._pk_name))


def _rebuild_hit(data: dict, pk_name: str) -> Hit:
    return Hit(data, pk_name=pk_name)


_new_dict = dict.__new__


def make_hit(pk_name: str, pk: Any, distance: float, entity: dict) -> Hit:
    """``Hit({pk_name: pk, "distance": distance, "entity": entity}, pk_name=pk_name)``, faster.

    A search makes one per hit; dict's own constructor and item assignment spare
    the Python-level ``__init__`` and a temporary dict (0.25 -> 0.15 µs each).
    """
    hit = _new_dict(Hit)
    hit[pk_name] = pk
    hit["distance"] = distance
    hit["entity"] = entity
    if pk_name != "id":
        hit._pk_name = pk_name
    return hit


class Hits(list):
    """The hits of one query vector, best first; ``ids`` and ``distances`` as lists."""

    _pk_name = "id"

    def __init__(self, hits: Sequence[Hit] = (), pk_name: str = "id") -> None:
        super().__init__(hits)
        if pk_name != "id":
            self._pk_name = pk_name

    @property
    def ids(self) -> List[Any]:
        return [dict.get(h, self._pk_name) for h in self]

    @property
    def distances(self) -> List[float]:
        return [dict.get(h, "distance") for h in self]

    def __str__(self) -> str:
        reminder = f" ... and {len(self) - 10} entities remaining" if len(self) > 10 else ""
        return f"{list(self[:10])}{reminder}"

    __repr__ = __str__


#: pymilvus 2.6 returns HybridHits from search(); same behaviour here.
HybridHits = Hits


_new_list = list.__new__


def search_result(per_query: Sequence[Sequence[Hit]], pk_name: str) -> "SearchResult":
    """``SearchResult([Hits(hits, pk_name=pk_name) for hits in per_query])``, faster.

    Every search ends here: list's own constructor spares the two classes'
    Python-level ``__init__`` calls (one per query vector and one per result).
    """
    out = _new_list(SearchResult)
    for hits in per_query:
        one = _new_list(Hits)
        one.extend(hits)
        if pk_name != "id":
            one._pk_name = pk_name
        out.append(one)
    out.extra = {}
    return out


class SearchResult(list):
    """One ``Hits`` per query vector, plus ``extra`` and ``recalls`` like pymilvus's."""

    recalls: Optional[list] = None

    def __init__(self, data: Sequence[Hits] = (), extra: Optional[dict] = None,
                 recalls: Optional[list] = None) -> None:
        super().__init__(data)
        self.extra = dict(extra or {})
        self.recalls = recalls

    def __str__(self) -> str:
        text = f"data: {list(self[:10])}"
        if self.recalls:
            text += f",recalls: {self.recalls[:10]}"
        if len(self) > 10:
            text += f" ... and {len(self) - 10} results remaining"
        if self.extra:
            text += f",{self.extra}"
        return text

    __repr__ = __str__

    @property
    def agg_buckets(self) -> list:
        """search_aggregation's buckets, one list per query (search/aggregation/); [] otherwise."""
        return self.__dict__.get("_agg_buckets") or []

    @agg_buckets.setter
    def agg_buckets(self, value: list) -> None:
        self.__dict__["_agg_buckets"] = value

    def materialize(self) -> None:
        """pymilvus decodes lazily; results here are always materialized."""


class SearchPage(list):
    """One page of ``search_iterator``: a list of ``Hit`` with pymilvus's SearchPage helpers."""

    def __init__(self, hits: Sequence[Hit] = (), session_ts: int = 0) -> None:
        super().__init__(hits)
        self._session_ts = session_ts

    def get_session_ts(self) -> int:
        return self._session_ts

    def get_res(self) -> List[Hits]:
        return [Hits(self)] if self else []

    def ids(self) -> List[Any]:
        return [h.id for h in self]

    def distances(self) -> List[float]:
        return [h.distance for h in self]

    def __str__(self) -> str:
        return str([str(h) for h in self[:10]])

    __repr__ = __str__
