"""Boost rankers: ``Function(reranker="boost")`` in a search's ``ranker``, Milvus 2.6's segment scorers.

What Milvus does (``planparserv2.CreateSearchScorers``, segcore's ``RescoresNode`` and
``rescores/Scorer.cpp``; master moved it into the query node's reduce, same arithmetic):

* each boost function gives a hit a value: ``weight``, when its ``filter`` matches the hit (no
  filter: every hit); with ``random_score`` (``{"seed": s, "field": "<int64 field>"}``),
  ``weight × r`` where ``r`` in [0, 1) hashes the field's value with the seed (MurmurHash3);
* the values of the functions a hit matches are combined by ``function_mode``
  (``multiply``, the default, or ``sum``);
* the combination is applied to the hit's score by ``boost_mode`` (``multiply``, the default,
  or ``sum``); a hit no function matches keeps its score.  The score is "larger is better"
  (Milvus master: L2, HAMMING and JACCARD distances negated, so a sum pulls a distance
  down), computed in float32;
* the boosted hits are sorted again, then offset and limit apply.

Milvus boosts each segment's top ``limit + offset`` hits before merging them; pgmilvus boosts
the collection's top ``limit + offset``: the same hits when the collection is one segment
(docs/compatibility.md).  Without ``field``, Milvus hashes a hit's segment offset, which
changes with compaction; pgmilvus hashes its primary key.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np
from sqlglot import exp

from ..catalog import json_index
from ..catalog.store import CollectionInfo
from ..errors import JSON_ERRORS, invalid_parameter
from ..filters import FilterError, filter_sql
from ..types import DataType, GO_NAMES
from .rerank import pk_order

MODES = ("multiply", "sum")
_MASK64 = (1 << 64) - 1
_FLOAT32_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class Scorer:
    """One boost function: the SQL of its filter (None: every hit), its weight, and for a
    random score its seed and the INT64 field hashed (None: the primary key)."""

    filter: Optional[str]
    weight: np.float32
    random: bool = False
    seed: int = 0
    field: Optional[str] = None


@dataclass(frozen=True)
class Boosts:
    scorers: tuple[Scorer, ...]
    boost_mode: str = "multiply"
    function_mode: str = "multiply"


def is_boost(name: str) -> bool:
    return name == "boost"


def _plan_error(message: str) -> Exception:
    """Milvus's proxy wraps a plan error: ``failed to create query plan: ...: invalid parameter``."""
    return invalid_parameter(f"failed to create query plan: {message}")


def parse(functions: Sequence[dict[str, str]], params: dict[str, str], info: CollectionInfo,
          filter_params: Optional[dict], timezone: str) -> Optional[Boosts]:
    """The boost functions of a ranker, checked in Milvus's order; None when it has none.

    ``functions``: the parameters of each boost function as sent (text values; Milvus reads
    ``filter``, ``weight`` and ``random_score`` by their exact keys); ``params``: the
    FunctionScore's own (``boost_mode``, ``function_mode``, exact keys too).
    """
    scorers = tuple(_scorer(p, info, filter_params, timezone) for p in functions)
    if not scorers:
        return None
    return Boosts(scorers, _mode(params, "boost_mode", "boost"), _mode(params, "function_mode", "function"))


def _mode(params: dict[str, str], key: str, what: str) -> str:
    value = params.get(key)
    if value is None:
        return "multiply"
    if value.lower() not in MODES:
        raise _plan_error(f"unknown {what} mode: {value}: invalid parameter")
    return value.lower()


def _scorer(params: dict[str, str], info: CollectionInfo, filter_params: Optional[dict],
            timezone: str) -> Scorer:
    text = None
    if "filter" in params:
        try:
            text = filter_sql(params["filter"], info.schema, filter_params or None,
                              json_index.indexed_paths(info), timezone)
        except FilterError as exc:
            if exc.segcore:  # the proxy parsed it; the query node refuses the plan
                raise exc.wrap("", "search") from None
            raise _plan_error(f"parse expr failed with error: {{{exc.message}}}") from None
    if "weight" not in params:
        raise _plan_error("must set weight params for weight scorer")
    weight = _go_float32(params["weight"])
    if "random_score" not in params:
        return Scorer(text, weight)
    seed, field = _random_params(params["random_score"], info)
    return Scorer(text, weight, True, seed, field)


def _go_float32(text: str) -> np.float32:
    """strconv.ParseFloat(text, 32): Go's syntax (no spaces, no underscores) and range."""
    problem = "invalid syntax"
    try:
        value = float(text) if text == text.strip() and "_" not in text else None
    except ValueError:
        value = None
    if value is not None:
        if math.isinf(value) or abs(value) <= _FLOAT32_MAX or math.isnan(value):
            return np.float32(value)
        problem = "value out of range"
    raise _plan_error(f"parse function scorer weight params failed with error: "
                      f"{{strconv.ParseFloat: parsing {json.dumps(text)}: {problem}}}")


def _random_params(text: str, info: CollectionInfo) -> tuple[int, Optional[str]]:
    """``random_score``'s JSON object: the seed (a number) and the INT64 field hashed."""
    try:
        value = json.loads(text)
    except JSON_ERRORS:
        raise _plan_error(f"random_score is not valid JSON: {text}") from None
    if not isinstance(value, dict):
        raise _plan_error(f"json: cannot unmarshal {type(value).__name__} into Go value of type "
                          "map[string]interface {}")
    seed, field = 0, None
    for key, item in value.items():  # Milvus reads the object in its own order; each key is checked
        if key == "field":
            if not isinstance(item, str):
                raise _plan_error("random seed field name must be string: invalid parameter")
            found = info.schema.field(item)
            if found is None:
                raise _plan_error(f"random seed field not found: field not found[field={item}]")
            if found.dtype != DataType.INT64:
                raise _plan_error(f"only support int64 field as random seed, but got "
                                  f"{GO_NAMES.get(found.dtype, found.dtype.name)}: invalid parameter")
            field = found.name
        elif key == "seed":
            if isinstance(item, bool) or not isinstance(item, (int, float)):
                raise _plan_error("random seed must be number: invalid parameter")
            seed = int(item)  # segcore's std::stoll reads the integer part
    return seed, field


def refuse_grouping() -> Exception:
    return _plan_error("don't support use segment scorer with group_by or search_iterator")


# -- applying ---------------------------------------------------------------------------------------

def columns(boosts: Boosts) -> tuple[str, ...]:
    """What the search selects of each hit for the boosts (SearchRequest.extra_columns): per
    function, whether its filter holds, then the seed field's value for a random score.  Read
    in the search's own statement: no second round trip."""
    out: list[str] = []
    for scorer in boosts.scorers:
        out.append("TRUE" if scorer.filter is None else f"({scorer.filter}) IS TRUE")
        if scorer.field is not None:
            out.append(exp.column(scorer.field, quoted=True).sql(dialect="postgres"))
    return tuple(out)


def apply(boosts: Boosts, per_query: list[list[tuple[Any, float, Sequence[Any]]]], larger_is_better: bool
          ) -> list[list[tuple[Any, float]]]:
    """Each query's (pk, distance, the hit's ``columns`` values) boosted and sorted again: (pk,
    boosted distance), best first, ties by key."""
    out = []
    for hits in per_query:
        boosted = []
        for pk, distance, values in hits:
            score = np.float32(distance if larger_is_better else -distance)
            boost = _value(boosts, pk, values)
            if boost is not None:
                score = score * boost if boosts.boost_mode == "multiply" else score + boost
            boosted.append((pk, score))
        boosted.sort(key=lambda hit: (-hit[1], pk_order(hit[0])))
        out.append([(pk, float(s if larger_is_better else -s)) for pk, s in boosted])
    return out


def _value(boosts: Boosts, pk: Any, values: Sequence[Any]) -> Optional[np.float32]:
    """The combined value of the functions a hit matches (None: it matches none)."""
    cells, combined = iter(values), None
    for scorer in boosts.scorers:
        matched = next(cells)
        seed_value = next(cells) if scorer.field is not None else None
        if not matched:
            continue
        value = scorer.weight
        if scorer.random:  # the seed field's value (NULL: 0), else the key's (hashed only here)
            key = (seed_value or 0) if scorer.field is not None else _pk_key(pk)
            value = np.float32(np.float32(random_value(key, scorer.seed)) * scorer.weight)
        if combined is None:
            combined = value
        else:
            combined = combined * value if boosts.function_mode == "multiply" else combined + value
    return None if combined is None else np.float32(combined)


def _pk_key(pk: Any) -> int:
    """The hashed key of a hit without a seed field: an INT64 key itself, a VARCHAR key's digest."""
    if isinstance(pk, int):
        return pk
    return int.from_bytes(hashlib.sha256(str(pk).encode()).digest()[:8], "little")


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (64 - r))) & _MASK64


def _fmix(k: int) -> int:
    k ^= k >> 33
    k = (k * 0xFF51AFD7ED558CCD) & _MASK64
    k ^= k >> 33
    k = (k * 0xC4CEB9FE1A85EC53) & _MASK64
    return k ^ (k >> 33)


def murmur3_special(key: int, seed: int) -> int:
    """Milvus's MurmurHash3_x64_64_Special: one 16-byte block (key, seed), 64 bits out."""
    c1, c2 = 0x87C37B91114253D5, 0x4CF5AD432745937F
    key, seed = key & _MASK64, seed & _MASK64
    h1, h2 = key ^ seed, seed
    k1 = (_rotl((key * c1) & _MASK64, 31) * c2) & _MASK64
    h1 ^= k1
    h1 = (_rotl(h1, 27) + h2) & _MASK64
    h1 = (h1 * 5 + 0x52DCE729) & _MASK64
    k2 = (_rotl((seed * c2) & _MASK64, 33) * c1) & _MASK64
    h2 ^= k2
    h2 = (_rotl(h2, 31) + h1) & _MASK64
    h2 = (h2 * 5 + 0x38495AB5) & _MASK64
    h1 ^= 16
    h2 ^= 16
    h1 = (h1 + h2) & _MASK64
    h2 = (h2 + h1) & _MASK64
    h1, h2 = _fmix(h1), _fmix(h2)
    return (h1 + h2) & _MASK64


def random_value(key: int, seed: int) -> float:
    """Milvus's hash_to_double: the hash's low 52 bits as the mantissa of a double in [1, 2), minus 1."""
    return (murmur3_special(key, seed) & ((1 << 52) - 1)) / float(1 << 52)
