"""Milvus's text analyzers (``enable_analyzer`` / ``analyzer_params``), in Python.

Milvus runs tantivy analyzers (internal/core/thirdparty/tantivy/tantivy-binding/src/analyzer/)
on the text of a BM25 function's input field, at insert and at search time.  pgmilvus
tokenizes in Python at the same two moments, so the stored term frequencies and the query's
terms come from one implementation for every face (in process, ``pgmilvus serve``).

Supported, exactly as tantivy does it:

* no ``analyzer_params`` / ``{}`` / ``{"type": "standard"}``: tantivy's SimpleTokenizer (a token is
  a maximal run of ``char::is_alphanumeric`` characters) then LowerCaser; ``stop_words`` (literal
  words) on the standard type adds a StopWordFilter;
* ``{"tokenizer": "standard" | "whitespace" | "jieba" | "icu" | {"type": "lindera", ...}, "filter": [...]}``:
  a custom analyzer, *without*
  lowercasing unless ``"lowercase"`` is among the filters (as in Milvus); filters
  ``"lowercase"``, ``"alphanumonly"`` (ASCII letters and digits only), ``"cncharonly"`` /
  ``"cnalphanumonly"`` (tokens holding a Han character / or an ASCII letter or digit),
  ``{"type": "length", "max": n}`` (tokens of at most n UTF-8 bytes), ``{"type": "stop",
  "stop_words": [...]}`` (literal words), and Milvus's other filters, in data/analyzer_filters.py:
  ``removepunct``, ``decimaldigit``, ``arabic_normalization``, ``asciifolding`` (Lucene's table),
  ``{"type": "regex", "expr": ...}``, ``{"type": "decompounder", "word_list": [...]}``,
  ``{"type": "synonym", "synonyms": [...], "expand": ...}`` and ``pinyin`` (pypinyin's readings);
* ``{"type": "chinese"}``: jieba, then cnalphanumonly, then any ``stop_words``.  jieba is Milvus's
  own jieba-rs crate (the ``rjieba`` binding) with ``dict`` / ``mode`` / ``hmm`` as Milvus reads them;
* ``{"type": "english"}``: standard, lowercase, the English stemmer, the English stop words, then
  any ``stop_words``; ``{"type": "stemmer", "language": ...}`` filters (tantivy's rust-stemmers
  languages) run the same Snowball algorithms from ``snowballstemmer``; ``_english_`` in a stop
  word list stands for Snowball's English list.

Approximated: the ``icu`` tokenizer makes every segment between two word breaks a token, as
Milvus's does, but the breaks are UAX #29's (``regex``) with Han runs cut by jieba's dictionary
rather than ICU's (data/icu.py).

The ``lindera`` tokenizer (ipadic, ko-dic, cc-cedict, its tag filters) runs lindera itself through
its Python binding, the optional ``pgmilvus[lindera]`` extra (data/lindera.py).

Refused with code 3000 naming the analyzer (never silently replaced by another): thai /
char_group / language_identifier / grpc tokenizers, lindera's user dictionaries and unidic /
ipadic-neologd dictionaries, lindera without its extra, jieba's ``_extend_default_`` dictionary,
word lists and synonyms read from Milvus's file resources (``word_list_file``, ``synonyms_file``),
the other languages' built-in stop word lists.  Multi-analyzer fields (``multi_analyzer_params``) pick one of these per row
(MultiAnalyzer).

One known difference: Python's ``str.isalnum`` (the regex ``[^\\W_]``) leaves out the Unicode
``Other_Alphabetic`` combining marks (e.g. Devanagari vowel signs U+093E..U+094C), which Rust's
``is_alphanumeric`` counts as letters, so such words split at those marks here.  Scripts written
without them (Latin, Greek, Cyrillic, CJK ideographs, Arabic letters, digits) tokenize the same.
"""

from __future__ import annotations

import json
import re
import threading
import zlib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, ClassVar, Iterator, Optional

from ..errors import JSON_ERRORS, ErrorCode, MilvusException
from . import analyzer_filters, lindera
from .icu import Icu

#: tantivy's SimpleTokenizer: runs of alphanumeric characters (Python's Unicode ``\w`` minus "_").
_SIMPLE = re.compile(r"[^\W_]+")
#: tantivy's WhitespaceTokenizer splits on Rust's ``is_ascii_whitespace`` (no vertical tab).
_WHITESPACE = re.compile(r"[^ \t\n\f\r]+")
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]+")
#: Unicode's Han script (Rust regex's ``\\p{Han}``, Unicode 15): the CJK ideograph blocks, radicals,
#: and the iteration / numeral marks 々 〇 〡-〩 〸-〻.
_HAN_CLASS = ("\u2e80-\u2e99\u2e9b-\u2ef3\u2f00-\u2fd5\u3005\u3007\u3021-\u3029\u3038-\u303b"
              "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufa6d\ufa70-\ufad9\U00016fe2\U00016fe3"
              "\U00016ff0\U00016ff1\U00020000-\U0002a6df\U0002a700-\U0002b739\U0002b740-\U0002b81d"
              "\U0002b820-\U0002cea1\U0002ceb0-\U0002ebe0\U0002f800-\U0002fa1d\U00030000-\U0003134a"
              "\U00031350-\U000323af")
_HAN = re.compile(f"[{_HAN_CLASS}]")
_HAN_ALNUM = re.compile(f"[{_HAN_CLASS}a-zA-Z0-9]")

SUPPORTED = ("no analyzer_params (standard tokenizer + lowercase), {\"type\": \"standard\" | \"english\" | "
             "\"chinese\"} with "
             "optional literal stop_words, or {\"tokenizer\": \"standard\" | \"whitespace\" | \"jieba\" | \"icu\" | "
             "{\"type\": \"lindera\", \"dict_kind\": \"ipadic\" | \"ko-dic\" | \"cc-cedict\"}, \"filter\": "
             "[\"lowercase\", \"alphanumonly\", \"cncharonly\", \"cnalphanumonly\", \"asciifolding\", \"removepunct\", "
             "\"decimaldigit\", \"arabic_normalization\", \"pinyin\", {\"type\": \"length\", \"max\": n}, "
             "{\"type\": \"stop\", \"stop_words\": [...]}, {\"type\": \"stemmer\", \"language\": ...}, "
             "{\"type\": \"regex\", \"expr\": ...}, {\"type\": \"decompounder\", \"word_list\": [...]}, "
             "{\"type\": \"synonym\", \"synonyms\": [...]}, {\"type\": \"pinyin\", ...}]}")


def unsupported(field: str, what: str) -> MilvusException:
    """Code 3000 naming the analyzer part pgmilvus cannot run and what it can."""
    return MilvusException(ErrorCode.UNSUPPORTED,
                           f"analyzer of field {field}: {what} is not supported by pgmilvus; supported: {SUPPORTED}")


def invalid(field: str, what: str) -> MilvusException:
    """An analyzer Milvus itself refuses (tantivy's texts, as the proxy reports them)."""
    return MilvusException(ErrorCode.SERVER_ERROR, f"create analyzer failed with error: {what} (field {field})")


Filter = analyzer_filters.Filter


@dataclass(frozen=True)
class Regex:
    """tantivy's Simple and Whitespace tokenizers: the runs a pattern matches, positions 0, 1, 2..."""

    pattern: "re.Pattern[str]"

    def words(self, text: str) -> list[str]:
        return self.pattern.findall(text)

    def spans(self, text: str) -> Iterator[tuple[str, int, int, int, int]]:
        """(token, start, end character, position, position length) of every token."""
        return ((m.group(), m.start(), m.end(), i, 1) for i, m in enumerate(self.pattern.finditer(text)))


@dataclass(frozen=True)
class Jieba:
    """Milvus's jieba tokenizer (tantivy-binding's jieba_tokenizer.rs), on the same jieba-rs crate
    through rjieba: ``search`` mode (the default) adds a long word's dictionary 2- and 3-grams before
    it; a token's position is its first character's index and its length its character count."""

    segmenter: Any
    mode: str = "search"
    hmm: bool = True
    name: ClassVar[str] = "jieba"

    def words(self, text: str) -> list[str]:
        return [word for word, _, _ in self.segmenter.tokenize(text, self.mode, self.hmm)]

    def spans(self, text: str) -> Iterator[tuple[str, int, int, int, int]]:
        return ((word, start, end, start, end - start)
                for word, start, end in self.segmenter.tokenize(text, self.mode, self.hmm))


@dataclass(frozen=True)
class Analyzer:
    """A tokenizer and its filters, applied in order (tantivy's TextAnalyzer)."""

    split: Any   # Regex | Jieba | Icu | Lindera
    filters: tuple[Filter, ...] = ()

    def tokens(self, text: str) -> list[str]:
        out = self.split.words(text)
        for apply in self.filters:
            out = apply(out)
        return out

    def detailed(self, text: str) -> list[dict[str, Any]]:
        """run_analyzer's ``with_detail`` tokens: the token, its UTF-8 byte offsets in ``text`` and
        its position (a token a filter drops keeps its position number used, as tantivy's
        filters do; a token a filter adds has the offsets of the token it came from)."""
        out = []
        for token, start, end, position, length in self._filtered(text):
            first = len(text[:start].encode())
            out.append({"token": token, "start_offset": first, "end_offset": first + len(text[start:end].encode()),
                        "position": position, "position_length": length})
        return out

    def marks(self, text: str) -> list[tuple[str, int, int]]:
        """(token, start, end character) of every token the filters keep (highlighters)."""
        return [(token, start, end) for token, start, end, _, _ in self._filtered(text)]

    def _filtered(self, text: str) -> Iterator[tuple[str, int, int, int, int]]:
        """Every filter maps or drops one token at a time; one that adds tokens (``spread``) gives
        each its position and position length."""
        for token, start, end, position, length in self.split.spans(text):
            items = [(token, position, length)]
            for apply in self.filters:
                spread = getattr(apply, "spread", None)
                if spread is None:
                    items = [(word, place, size) for held, place, size in items for word in apply([held])]
                else:
                    items = [out for held, place, size in items for out in spread(held, place, size)]
                if not items:
                    break
            for word, place, size in items:
                yield word, start, end, place, size

    @property
    def spreads(self) -> bool:
        """Whether a filter adds tokens (synonym, decompounder, pinyin)."""
        return any(hasattr(apply, "spread") for apply in self.filters)

    def sequence(self, text: str) -> list[tuple[str, int]]:
        """(token, position) in token order: a phrase query's terms and offsets."""
        return [(token, position) for token, _, _, position, _ in self._filtered(text)]

    def positions(self, text: Optional[str]) -> dict[str, list[int]]:
        """token -> its positions, ascending: what tantivy's index of a text_match field records
        (a token a filter drops keeps its position used; jieba's position is the token's first
        character).  The filters run on the whole list first; only when one drops a token are
        they run token by token to keep each survivor's position (always, when a filter may add
        tokens)."""
        if not text:
            return {}
        split = self.split
        if isinstance(split, Regex):
            words = split.words(text)
            places: Any = range(len(words))
        else:  # jieba and icu: a token's position is its first character's index; lindera's its own
            spans = list(split.spans(text))
            words, places = [span[0] for span in spans], [span[3] for span in spans]
        kept = words
        spreads = self.spreads
        if not spreads:
            for apply in self.filters:
                kept = apply(kept)
        pairs: Any = zip(kept, places) if not spreads and len(kept) == len(words) else (
            (token, position) for token, _, _, position, _ in self._filtered(text))
        out: dict[str, list[int]] = {}
        for token, position in pairs:
            held = out.get(token)
            if held is None:
                out[token] = [position]
            else:
                held.append(position)
        if isinstance(split, Jieba) or spreads:  # search mode's sub-words may come before their word's start
            for token, held in out.items():
                if any(a >= b for a, b in zip(held, held[1:])):
                    out[token] = sorted(held)
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


def _cn_char_only(tokens: list[str]) -> list[str]:
    """tantivy-binding's CnCharOnlyFilter: tokens holding a Han character (``\\p{Han}+`` found)."""
    return [t for t in tokens if _HAN.search(t)]


def _cn_alnum_only(tokens: list[str]) -> list[str]:
    """CnAlphaNumOnlyFilter: tokens holding a Han character or an ASCII letter or digit."""
    return [t for t in tokens if _HAN_ALNUM.search(t)]


def _max_bytes(limit: int) -> Filter:
    """tantivy's RemoveLongFilter::limit(max + 1): keeps tokens shorter than max + 1 bytes."""
    return lambda tokens: [t for t in tokens if len(t.encode()) <= limit]


def _stop(words: frozenset[str]) -> Filter:
    return lambda tokens: [t for t in tokens if t not in words]


STANDARD = Analyzer(Regex(_SIMPLE), (_lower,))


#: Snowball's English stop words, tantivy-binding's ``_english_`` list (Lucene's English set).
ENGLISH_STOP_WORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their then there "
    "these they this to was will with".split())
#: tantivy-binding's other built-in lists (Snowball's): not carried by pgmilvus
_OTHER_STOP_LISTS = ("_danish_", "_dutch_", "_finnish_", "_french_", "_german_", "_hungarian_", "_italian_",
                     "_norwegian_", "_portuguese_", "_russian_", "_spanish_", "_swedish_")


def _stop_words(field: str, value: Any) -> frozenset[str]:
    """A stop word list: literal words, ``_english_`` standing for the English list (any other
    ``_name_`` that is no list is a literal word, as in tantivy-binding)."""
    if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
        raise invalid(field, "stop_words should be a list of strings")
    words: set[str] = set()
    for word in value:
        if word in _OTHER_STOP_LISTS:
            raise unsupported(field, f"the built-in stop word list {word}")
        words.update(ENGLISH_STOP_WORDS if word == "_english_" else (word,))
    return frozenset(words)


#: tantivy's stemmer languages (rust-stemmers) -> the Snowball algorithm it runs; Snowball 3
#: renamed the Dutch stemmer rust-stemmers has to dutch_porter.
_STEMMERS = {"arabic": "arabic", "arabig": "arabic", "danish": "danish", "dutch": "dutch_porter",
             "english": "english", "finnish": "finnish", "french": "french", "german": "german",
             "greek": "greek", "hungarian": "hungarian", "italian": "italian", "norwegian": "norwegian",
             "portuguese": "portuguese", "romanian": "romanian", "russian": "russian", "spanish": "spanish",
             "swedish": "swedish", "tamil": "tamil", "turkish": "turkish"}


def _stemmer_filter(field: str, spec: dict[str, Any]) -> Filter:
    """``{"type": "stemmer", "language": ...}``: tantivy's Stemmer (Snowball algorithms)."""
    language = spec.get("language")
    if not isinstance(language, str):
        raise invalid(field, "stemmer language field should be string")
    name = _STEMMERS.get(language.lower())
    if name is None:
        raise invalid(field, f"create stemmer failed : unsupport language: {language.lower()}")
    return stemmer(name)


@lru_cache(maxsize=None)
def stemmer(algorithm: str) -> Filter:
    """A filter stemming every token with a Snowball algorithm (``snowballstemmer``); a stemmer
    object keeps state while it works, so each thread (the server's workers) has its own."""
    import snowballstemmer

    local = threading.local()

    def stem(tokens: list[str]) -> list[str]:
        found = getattr(local, "stemmer", None)
        if found is None:
            found = local.stemmer = snowballstemmer.stemmer(algorithm)
        return found.stemWords(tokens)
    return stem


def _filter(field: str, spec: Any) -> Filter:
    if isinstance(spec, str):
        if spec == "lowercase":
            return _lower
        if spec == "alphanumonly":
            return _alnum_only
        if spec == "cncharonly":
            return _cn_char_only
        if spec == "cnalphanumonly":
            return _cn_alnum_only
        if spec in analyzer_filters.NAMED:
            return analyzer_filters.NAMED[spec]
        raise invalid(field, f"build analyzer failed, filter not found :{spec}")
    if not isinstance(spec, dict):
        raise invalid(field, "filter should be a name or a dict")
    if "type" not in spec:
        raise invalid(field, "no type field in filter params")
    kind = spec["type"]
    if not isinstance(kind, str):
        raise invalid(field, "filter type should be string")
    if kind == "length":
        limit = spec.get("max")
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            raise invalid(field, "lenth max param was none or not uint")
        return _max_bytes(limit)
    if kind == "stop":
        if "stop_words" not in spec:
            raise invalid(field, "stop filter stop_words can't be empty")
        return _stop(_stop_words(field, spec["stop_words"]))
    if kind == "stemmer":
        return _stemmer_filter(field, spec)
    build = analyzer_filters.TYPED.get(kind)
    if build is None:
        raise invalid(field, f"unsupport filter type: {kind}")
    return _built(field, build, spec)


def _built(field: str, build: Callable[[Any], Any], spec: Any) -> Any:
    """A filter or tokenizer built by its own module, whose refusals become the field's errors."""
    try:
        return build(spec)
    except analyzer_filters.Invalid as exc:
        raise invalid(field, str(exc)) from None
    except analyzer_filters.Unsupported as exc:
        raise unsupported(field, str(exc)) from None


def _tokenizer(field: str, spec: Any) -> Any:
    """tokenizers/tokenizer.rs's get_builder_with_tokenizer: a name or a dict with a ``type``."""
    if not isinstance(spec, (str, dict)):
        raise invalid(field, "tokenizer name should be string or dict")
    name = spec.get("type") if isinstance(spec, dict) else spec
    if isinstance(spec, dict) and not isinstance(name, str):
        raise invalid(field, "tokenizer type should be string" if "type" in spec
                      else "customized tokenizer must set type")
    if name == "standard":
        return Regex(_SIMPLE)
    if name == "whitespace":
        return Regex(_WHITESPACE)
    if name == "jieba":
        return jieba(field, spec if isinstance(spec, dict) else {})
    if name == "icu":  # icu_builder: no parameters (any others are ignored)
        return Icu(_segmenter(True, ()))
    if name == "lindera":
        return _built(field, lindera.build, spec if isinstance(spec, dict) else {})
    if name in ("thai", "char_group", "language_identifier", "grpc"):
        raise unsupported(field, f"the {name} tokenizer")
    raise invalid(field, f"unsupported tokenizer: {name}")


def jieba(field: str, params: dict[str, Any]) -> Jieba:
    """jieba_tokenizer.rs's from_json: ``dict`` (words; ``_default_`` adds jieba's dictionary, which
    an absent ``dict`` means), ``mode`` (``exact`` | ``search``), ``hmm`` (new words by HMM)."""
    words: tuple[str, ...] = ()
    system: Optional[str] = "_default_"
    if "dict" in params:
        value = params["dict"]
        if not isinstance(value, list):
            raise invalid(field, "jieba tokenizer dict must be array")
        system, found = None, []
        for word in value:
            if not isinstance(word, str):
                raise invalid(field, "jieba tokenizer dict item must be string")
            if word in ("_default_", "_extend_default_"):
                if system is not None:
                    raise invalid(field, "jieba tokenizer dict can only set one default dict")
                system = word
            elif word:
                found.append(word)
        words = tuple(found)
    if system == "_extend_default_":
        raise unsupported(field, "jieba's _extend_default_ dictionary (dict.txt.big)")
    mode = params.get("mode", "search")
    if not isinstance(mode, str):
        raise invalid(field, "jieba tokenizer mode must be string")
    if mode not in ("exact", "search"):
        raise invalid(field, 'jieba tokenizer mode must be "exact" or "search"')
    hmm = params.get("hmm", True)
    if not isinstance(hmm, bool):
        raise invalid(field, "jieba tokenizer mode must be boolean")  # sic, Milvus's text
    return Jieba(_segmenter(system is not None, words), "default" if mode == "exact" else "search", hmm)


@lru_cache(maxsize=16)
def _segmenter(default_dictionary: bool, words: tuple[str, ...]) -> Any:
    """A jieba-rs segmenter with jieba's dictionary (or none) and the user's words, each added with
    the frequency that keeps it whole (add_word without a frequency); built once per word list."""
    import rjieba

    segmenter = rjieba.Jieba() if default_dictionary else rjieba.Jieba.empty()
    for word in words:
        segmenter.add_word(word, None, None)
    return segmenter


def _build(field: str, params: dict[str, Any]) -> Analyzer:
    """tantivy-binding's create_analyzer_by_json, for what pgmilvus supports."""
    if not params:
        return STANDARD
    if "type" in params:
        kind = params["type"]
        words = _stop_words(field, params["stop_words"]) if "stop_words" in params else frozenset()
        stop = (_stop(words),) if words else ()
        if kind == "chinese":  # build_in_analyzer.rs: jieba, CnAlphaNumOnlyFilter, the stop words
            return Analyzer(jieba(field, {}), (_cn_alnum_only, *stop))
        if kind == "english":  # standard, lowercase, English stemmer, then the English stop words
            return Analyzer(Regex(_SIMPLE), (_lower, stemmer("english"), _stop(ENGLISH_STOP_WORDS), *stop))
        if kind != "standard":
            raise invalid(field, f"unknown build-in analyzer type: {kind}")
        return Analyzer(Regex(_SIMPLE), (_lower, *stop)) if words else STANDARD
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
        params = _json_params(params, field.name)
    if not isinstance(params, dict):
        raise invalid(field.name, "params should be a json map")
    return params


def from_params(params: Any, label: str = "") -> Analyzer:
    """The analyzer of run_analyzer's ``analyzer_params`` (a dict or its JSON text; none: standard)."""
    if params is None or params == "":
        return STANDARD
    if isinstance(params, str):
        params = _json_params(params, label)
    if not isinstance(params, dict):
        raise invalid(label, "params should be a json map")
    return _cached(label, json.dumps(params, sort_keys=True))


#: Python's JSON error messages -> serde_json's (tantivy-binding's JsonError prints serde's).
_SERDE_TEXTS = {"Expecting value": "expected value", "Extra data": "trailing characters",
                "Expecting property name enclosed in double quotes": "key must be a string",
                "Expecting ':' delimiter": "expected `:`", "Expecting ',' delimiter": "expected `,` or `}`",
                "Unterminated string starting at": "EOF while parsing a string"}


def _json_params(text: str, label: str) -> Any:
    """Analyzer params given as JSON text; text that is not JSON is refused as tantivy-binding's
    create_analyzer refuses it (``JsonError: <serde's message> at line L column C``)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        why = _SERDE_TEXTS.get(exc.msg, exc.msg)
        raise invalid(label, f"JsonError: {why} at line {exc.lineno} column {exc.colno} (analyzer params "
                             f"should be a json map: {text!r})") from None
    except RecursionError:  # serde_json's own limit is 128 levels
        raise invalid(label, f"JsonError: recursion limit exceeded (analyzer params should be a json map: "
                             f"{text[:200]!r})") from None


def token_hash(token: str) -> int:
    """Milvus's hash of a token (typeutil.HashString2LessUint32: CRC-32 of its first 100 bytes)."""
    return zlib.crc32(token.encode()[:100]) % 0xFFFFFFFF


def for_field(field: Any, name: Optional[str] = None) -> Analyzer:
    """The analyzer of a BM25 input field (built once per distinct params); raises for params
    Milvus refuses (65535) or pgmilvus cannot run (3000).  A multi-analyzer field's: the one
    ``name`` picks (a row's by_field value, a search's ``analyzer_name``; None: ``default``)."""
    multi = multi_for_field(field)
    if multi is not None:
        return multi.pick(name)
    return _cached(field.name, json.dumps(analyzer_params(field), sort_keys=True))


def token_fields(schema: Any) -> list[Any]:
    """The text_match fields (``enable_match``) whose tokens a new table stores (ddl.match_column):
    those whose analyzer pgmilvus runs.  A field whose analyzer it cannot run (thai, lindera without its extra...)
    gets no column; text_match there falls back to Postgres's parser (filters/compile.py)."""
    return [field for field in schema.fields if stores_tokens(field)]


def stores_tokens(field: Any) -> bool:
    """Whether a table made now stores ``field``'s tokens (token_fields)."""
    if not field.params.get("enable_match") or multi_for_field(field) is not None:
        return False
    try:
        for_field(field)
    except MilvusException:
        return False
    return True


@dataclass(frozen=True)
class MultiAnalyzer:
    """``multi_analyzer_params``: one analyzer per language, picked per row by the VARCHAR field
    ``by_field`` (Milvus 2.6's MultiAnalyzerBM25FunctionRunner): a name goes through ``alias``,
    then names an analyzer, else ``default`` is used."""

    by_field: str
    alias: dict[str, str]
    analyzers: dict[str, Analyzer]

    def pick(self, name: Optional[str]) -> Analyzer:
        name = self.alias.get(name or "", name or "")
        if name in self.analyzers:
            return self.analyzers[name]
        return self.analyzers.get(self.alias.get("default", "default"), self.analyzers["default"])


def _server(message: str) -> MilvusException:
    return MilvusException(ErrorCode.SERVER_ERROR, message)


def multi_for_field(field: Any) -> Optional[MultiAnalyzer]:
    """The field's MultiAnalyzer, or None without ``multi_analyzer_params``."""
    params = field.params.get("multi_analyzer_params")
    if params is None or params == "":
        return None
    text = params if isinstance(params, str) else json.dumps(params, sort_keys=True)
    return _multi(field.name, text)


@lru_cache(maxsize=64)
def _multi(field: str, text: str) -> MultiAnalyzer:
    """rootcoord's validateMultiAnalyzerParams, its words and order, then each analyzer built."""
    try:
        params = json.loads(text)
    except JSON_ERRORS as exc:
        raise _server(f"multi analyzer params is not valid JSON: {exc}") from None
    if not isinstance(params, dict):
        raise _server("json: cannot unmarshal multi analyzer params into Go value of type map[string]json.RawMessage")
    if "by_field" not in params:
        raise _server("multi analyzer params now must set by_field to specify with field decide analyzer")
    by_field = params["by_field"]
    if not isinstance(by_field, str):
        raise _server(f"multi analyzer params by_field must be string but now: {json.dumps(by_field)}")
    alias = params.get("alias", {})
    if not isinstance(alias, dict) or not all(isinstance(v, str) for v in alias.values()):
        raise _server(f"multi analyzer alias must be string map but now: {json.dumps(alias)}")
    if "analyzers" not in params:
        raise _server("multi analyzer params must set analyzers ")
    analyzers = params["analyzers"]
    if not isinstance(analyzers, dict):
        raise _server(f"unmarshal analyzers failed: json: cannot unmarshal {json.dumps(analyzers)} into Go "
                      "value of type map[string]json.RawMessage")
    if "default" not in analyzers:
        raise _server("multi analyzer must set default analyzer for all unknown value")
    built = []
    for name, spec in analyzers.items():
        if not isinstance(spec, dict):
            raise invalid(field, f"analyzer {name}: params should be a json map")
        built.append((name, _cached(field, json.dumps(spec, sort_keys=True))))
    return MultiAnalyzer(by_field, dict(alias), dict(built))


def check_multi(field: Any, schema: Any, collection_name: str = "") -> None:
    """rootcoord's validateAnalyzer for a multi-analyzer field (before the analyzers are built)."""
    if field.params.get("multi_analyzer_params") in (None, ""):
        return
    if field.params.get("enable_match"):
        raise _server(f"multi analyzer now only support for bm25, but now field {field.name} enable match")
    if field.params.get("analyzer_params") not in (None, ""):
        raise _server(f"field {field.name} analyzer params should be none if has multi analyzer params")
    multi = multi_for_field(field)
    by = schema.field(multi.by_field)
    if by is None:
        raise _server(f'multi analyzer dependent field "{multi.by_field}" not exist in collection {collection_name}')
    if by.dtype.name != "VARCHAR":
        raise _server(f"multi analyzer params now only support by string field, but field {by.name} is not string")



def match_document(positions: dict[str, list[int]]) -> bytes:
    """A text_match field's stored tokens as JSON text: ``{"t": [token, ...], "p": {token:
    [position, ...]}}``.  The GIN index covers ``-> 't'`` alone (an array of strings: no position
    number becomes an index entry); phrase_match reads ``-> 'p'``."""
    return json.dumps({"t": list(positions), "p": positions}, ensure_ascii=False,
                      separators=(",", ":")).encode()


def document(freqs: dict[str, int]) -> bytes:
    """A BM25 output field's stored value as JSON text: ``{"l": document length, "t": {term: tf}}``.

    The length is the token count (the sum of the term frequencies, Milvus's row "length" for
    avgdl); it sits beside the terms so a term can be any string without colliding with it."""
    return json.dumps({"l": sum(freqs.values()), "t": freqs}, ensure_ascii=False,
                      separators=(",", ":")).encode()
