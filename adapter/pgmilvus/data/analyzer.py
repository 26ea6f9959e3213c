"""Milvus's text analyzers (``enable_analyzer`` / ``analyzer_params``), in Python.

Milvus runs tantivy analyzers (internal/core/thirdparty/tantivy/tantivy-binding/src/analyzer/)
on the text of a BM25 function's input field, at insert and at search time.  pgmilvus
tokenizes in Python at the same two moments, so the stored term frequencies and the query's
terms come from one implementation for every face (in process, ``pgmilvus serve``).

Supported, exactly as tantivy does it:

* no ``analyzer_params`` / ``{}`` / ``{"type": "standard"}``: tantivy's SimpleTokenizer (a token is
  a maximal run of ``char::is_alphanumeric`` characters) then LowerCaser; ``stop_words`` (literal
  words) on the standard type adds a StopWordFilter;
* ``{"tokenizer": "standard" | "whitespace", "filter": [...]}``: a custom analyzer, *without*
  lowercasing unless ``"lowercase"`` is among the filters (as in Milvus); filters
  ``"lowercase"``, ``"alphanumonly"`` (ASCII letters and digits only), ``{"type": "length", "max": n}``
  (tokens of at most n UTF-8 bytes), ``{"type": "stop", "stop_words": [...]}`` (literal words).

Refused with code 3000 naming the analyzer (never silently replaced by another): the ``english``
and ``chinese`` types, stemmers, jieba / lindera / icu / char_group / language_identifier / grpc
tokenizers, ``asciifolding`` / ``removepunct`` / ``cncharonly`` / ``cnalphanumonly`` / decompounder /
regex filters, the ``_english_``-style built-in stop word lists, multi-analyzer fields: each needs
a dictionary or a stemming algorithm whose exact output Python's standard library cannot give.

One known difference: Python's ``str.isalnum`` (the regex ``[^\\W_]``) leaves out the Unicode
``Other_Alphabetic`` combining marks (e.g. Devanagari vowel signs U+093E..U+094C), which Rust's
``is_alphanumeric`` counts as letters, so such words split at those marks here.  Scripts written
without them (Latin, Greek, Cyrillic, CJK ideographs, Arabic letters, digits) tokenize the same.
"""

from __future__ import annotations

import json
import re
import zlib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Optional

from ..errors import ErrorCode, MilvusException

#: tantivy's SimpleTokenizer: runs of alphanumeric characters (Python's Unicode ``\w`` minus "_").
_SIMPLE = re.compile(r"[^\W_]+")
#: tantivy's WhitespaceTokenizer splits on Rust's ``is_ascii_whitespace`` (no vertical tab).
_WHITESPACE = re.compile(r"[^ \t\n\f\r]+")
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]+")

SUPPORTED = ("no analyzer_params (standard tokenizer + lowercase), {\"type\": \"standard\"} with optional "
             "literal stop_words, or {\"tokenizer\": \"standard\" | \"whitespace\", \"filter\": [\"lowercase\", "
             "\"alphanumonly\", {\"type\": \"length\", \"max\": n}, {\"type\": \"stop\", \"stop_words\": [...]}]}")


def unsupported(field: str, what: str) -> MilvusException:
    """Code 3000 naming the analyzer part pgmilvus cannot run and what it can."""
    return MilvusException(ErrorCode.UNSUPPORTED,
                           f"analyzer of field {field}: {what} is not supported by pgmilvus; supported: {SUPPORTED}")


def invalid(field: str, what: str) -> MilvusException:
    """An analyzer Milvus itself refuses (tantivy's texts, as the proxy reports them)."""
    return MilvusException(ErrorCode.SERVER_ERROR, f"create analyzer failed with error: {what} (field {field})")


Filter = Callable[[list[str]], list[str]]


@dataclass(frozen=True)
class Analyzer:
    """A tokenizer and its filters, applied in order (tantivy's TextAnalyzer)."""

    split: "re.Pattern[str]"
    filters: tuple[Filter, ...] = ()

    def tokens(self, text: str) -> list[str]:
        out = self.split.findall(text)
        for apply in self.filters:
            out = apply(out)
        return out

    def detailed(self, text: str) -> list[dict[str, Any]]:
        """run_analyzer's ``with_detail`` tokens: the token, its UTF-8 byte offsets in ``text`` and
        its position among the tokenizer's tokens (a token a filter drops keeps its position
        number used, as tantivy's filters do)."""
        out = []
        for position, found in enumerate(self.split.finditer(text)):
            kept = [found.group()]
            for apply in self.filters:  # every filter maps or drops one token at a time
                kept = apply(kept)
            if kept:
                start = len(text[:found.start()].encode())
                out.append({"token": kept[0], "start_offset": start,
                            "end_offset": start + len(found.group().encode()), "position": position,
                            "position_length": 1})
        return out

    def frequencies(self, text: Optional[str]) -> dict[str, int]:
        """The term -> count map Milvus's BM25 function builds (an empty text / NULL: none)."""
        if not text:
            return {}
        return dict(Counter(self.tokens(text)))


def _lower(tokens: list[str]) -> list[str]:
    return [t.lower() for t in tokens]


def _alnum_only(tokens: list[str]) -> list[str]:
    return [t for t in tokens if _ASCII_ALNUM.fullmatch(t)]


def _max_bytes(limit: int) -> Filter:
    """tantivy's RemoveLongFilter::limit(max + 1): keeps tokens shorter than max + 1 bytes."""
    return lambda tokens: [t for t in tokens if len(t.encode()) <= limit]


def _stop(words: frozenset[str]) -> Filter:
    return lambda tokens: [t for t in tokens if t not in words]


STANDARD = Analyzer(_SIMPLE, (_lower,))


def _stop_words(field: str, value: Any) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
        raise invalid(field, "stop_words should be a list of strings")
    for word in value:
        if word.startswith("_") and word.endswith("_") and len(word) > 2:
            raise unsupported(field, f"the built-in stop word list {word}")
    return frozenset(value)


def _filter(field: str, spec: Any) -> Filter:
    if isinstance(spec, str):
        if spec == "lowercase":
            return _lower
        if spec == "alphanumonly":
            return _alnum_only
        if spec in ("asciifolding", "removepunct", "cncharonly", "cnalphanumonly"):
            raise unsupported(field, f"the filter {spec!r}")
        raise invalid(field, f"build analyzer failed, filter not found :{spec}")
    if not isinstance(spec, dict):
        raise invalid(field, "filter should be a name or a dict")
    kind = spec.get("type")
    if kind == "length":
        limit = spec.get("max")
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            raise invalid(field, "lenth max param was none or not uint")
        return _max_bytes(limit)
    if kind == "stop":
        if "stop_words" not in spec:
            raise invalid(field, "stop filter stop_words can't be empty")
        return _stop(_stop_words(field, spec["stop_words"]))
    if kind in ("stemmer", "decompounder", "regex"):
        raise unsupported(field, f"the {kind} filter")
    raise invalid(field, f"unsupport filter type: {kind}")


def _tokenizer(field: str, spec: Any) -> "re.Pattern[str]":
    name = spec.get("type") if isinstance(spec, dict) else spec
    if name == "standard":
        return _SIMPLE
    if name == "whitespace":
        return _WHITESPACE
    if name in ("jieba", "lindera", "icu", "char_group", "language_identifier", "grpc"):
        raise unsupported(field, f"the {name} tokenizer")
    raise invalid(field, f"unsupported tokenizer: {name}")


def _build(field: str, params: dict[str, Any]) -> Analyzer:
    """tantivy-binding's create_analyzer_by_json, for what pgmilvus supports."""
    if not params:
        return STANDARD
    if "type" in params:
        kind = params["type"]
        if kind != "standard":
            if kind in ("english", "chinese"):
                raise unsupported(field, f"the built-in {kind} analyzer")
            raise invalid(field, f"unknown build-in analyzer type: {kind}")
        words = _stop_words(field, params["stop_words"]) if "stop_words" in params else frozenset()
        return Analyzer(_SIMPLE, (_lower, _stop(words))) if words else STANDARD
    if "tokenizer" not in params:
        raise invalid(field, "tokenizer name or type must be set")
    split = _tokenizer(field, params["tokenizer"])
    filters: list[Filter] = []
    for key, value in params.items():
        if key == "filter":
            if not isinstance(value, list):
                raise invalid(field, "filter params should be array")
            filters.extend(_filter(field, spec) for spec in value)
        elif key != "tokenizer":
            raise invalid(field, f"unknown analyzer option key: {key}")
    return Analyzer(split, tuple(filters))


@lru_cache(maxsize=256)
def _cached(field: str, text: str) -> Analyzer:
    return _build(field, json.loads(text))


def analyzer_params(field: Any) -> dict[str, Any]:
    """The field's analyzer_params as a dict (the wire sends JSON text)."""
    params = field.params.get("analyzer_params")
    if params is None or params == "":
        return {}
    if isinstance(params, str):
        try:
            params = json.loads(params)
        except ValueError:
            raise invalid(field.name, f"analyzer params should be a json map: {params!r}") from None
    if not isinstance(params, dict):
        raise invalid(field.name, "params should be a json map")
    return params


def from_params(params: Any, label: str = "") -> Analyzer:
    """The analyzer of run_analyzer's ``analyzer_params`` (a dict or its JSON text; none: standard)."""
    if params is None or params == "":
        return STANDARD
    if isinstance(params, str):
        try:
            params = json.loads(params)
        except ValueError:
            raise invalid(label, f"analyzer params should be a json map: {params!r}") from None
    if not isinstance(params, dict):
        raise invalid(label, "params should be a json map")
    return _cached(label, json.dumps(params, sort_keys=True))


def token_hash(token: str) -> int:
    """Milvus's hash of a token (typeutil.HashString2LessUint32: CRC-32 of its first 100 bytes)."""
    return zlib.crc32(token.encode()[:100]) % 0xFFFFFFFF


def for_field(field: Any) -> Analyzer:
    """The analyzer of a BM25 input field (built once per distinct params); raises for params
    Milvus refuses (65535) or pgmilvus cannot run (3000)."""
    if field.params.get("multi_analyzer_params") is not None:
        raise unsupported(field.name, "multi_analyzer_params (one analyzer per language)")
    return _cached(field.name, json.dumps(analyzer_params(field), sort_keys=True))


def document(freqs: dict[str, int]) -> bytes:
    """A BM25 output field's stored value as JSON text: ``{"l": document length, "t": {term: tf}}``.

    The length is the token count (the sum of the term frequencies, Milvus's row "length" for
    avgdl); it sits beside the terms so a term can be any string without colliding with it."""
    return json.dumps({"l": sum(freqs.values()), "t": freqs}, ensure_ascii=False,
                      separators=(",", ":")).encode()
