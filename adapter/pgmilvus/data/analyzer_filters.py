"""Milvus's other token filters (tantivy-binding's analyzer/filter/*.rs), in Python.

data/analyzer.py builds an analyzer and calls :func:`build` for the filters named here; this
module knows nothing of analyzer.py.  A filter is a function from a list of tokens to the tokens
it keeps, as there.  The filters that add tokens (``synonym``, ``decompounder``, ``pinyin``) also
have ``spread(token, position, length)``: the tokens one token becomes, each with its position and
position length, as Milvus's filter streams give them (a synonym or a compound's part takes the
position and offsets of the token it came from).

A bad parameter raises :class:`Invalid` with Milvus's text; a parameter pgmilvus cannot honour
(a word list or synonym file, which Milvus reads through its file resources) raises
:class:`Unsupported`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterator, Optional

import regex

Filter = Callable[[list[str]], list[str]]
Spread = list[tuple[str, int, int]]


class Invalid(Exception):
    """Parameters Milvus refuses; the message is Milvus's text (analyzer.invalid names the field)."""


class Unsupported(Exception):
    """Parameters Milvus accepts and pgmilvus cannot run; the message names them (the lindera
    tokenizer raises these too; analyzer.unsupported names the field)."""


# -- one token in, one token (or none) out -------------------------------------------------------
#: remove_punct_filter.rs: a token holding any punctuation (Unicode general category P) or white
#: space is dropped (``[\\p{Punct}\\s]+`` found anywhere in it).
_PUNCT = regex.compile(r"[\p{P}\p{White_Space}]")


def _remove_punct(tokens: list[str]) -> list[str]:
    return [t for t in tokens if not _PUNCT.search(t)]


#: decimal_digit_filter.rs: the digit zero of each Unicode decimal digit block Milvus folds to ASCII.
_DIGIT_ZEROS = (0x0660, 0x06F0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66,
                0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
                0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0,
                0xFF10)
_DIGITS = {zero + i: str(i) for zero in _DIGIT_ZEROS for i in range(10)}


def _decimal_digit(tokens: list[str]) -> list[str]:
    return [t if t.isascii() else t.translate(_DIGITS) for t in tokens]


#: arabic_normalization_filter.rs: alef with hamza or madda -> alef, teh marbuta -> heh, alef
#: maksura -> yeh; tatweel and the harakat U+064B..U+065F removed.
_ARABIC: dict[int, Optional[str]] = {0x0622: "\u0627", 0x0623: "\u0627", 0x0625: "\u0627", 0x0629: "\u0647",
                                     0x0649: "\u064a", 0x0640: None, **{c: None for c in range(0x064B, 0x0660)}}


def _arabic_normalization(tokens: list[str]) -> list[str]:
    return [t if t.isascii() else t.translate(_ARABIC) for t in tokens]


@lru_cache(maxsize=None)
def _folding() -> dict[int, str]:
    """Lucene's ASCIIFoldingFilter table, which tantivy's AsciiFoldingFilter carries (fold_to_ascii
    ships the same 1242 non-ASCII entries); a character it lacks stays as it is."""
    from fold_to_ascii.mapping import translate_table

    return {code: text for code, text in translate_table if code >= 128}


def _ascii_folding(tokens: list[str]) -> list[str]:
    return [t if t.isascii() else t.translate(_folding()) for t in tokens]


def _regex_filter(spec: dict[str, Any]) -> Filter:
    """regex_filter.rs: keeps the tokens the expression is found in (fancy_regex's is_match).  The
    expression is compiled by the ``regex`` module (version 1 syntax: Rust's set operations and
    ``\\p{..}`` classes)."""
    if "expr" not in spec:
        raise Invalid("must set expr for regex filter")
    expr = spec["expr"]
    if not isinstance(expr, str):
        raise Invalid("expr must be string")
    try:
        pattern = regex.compile(expr, regex.V1)
    except (regex.error, ValueError) as exc:
        raise Invalid(f"regex expression invalid, expr:{expr}, err: {exc}") from None
    return lambda tokens: [t for t in tokens if pattern.search(t)]


NAMED: dict[str, Filter] = {"asciifolding": _ascii_folding, "removepunct": _remove_punct,
                            "decimaldigit": _decimal_digit, "arabic_normalization": _arabic_normalization}


# -- filters that add tokens ---------------------------------------------------------------------
def _strings(value: Any, not_list: str, not_string: str) -> Iterator[str]:
    """The items of a parameter that must be a list of strings, each checked as it is read (Milvus
    reads a synonym rule before it looks at the next item)."""
    if not isinstance(value, list):
        raise Invalid(not_list)
    for item in value:
        if not isinstance(item, str):
            raise Invalid(not_string)
        yield item


@dataclass(frozen=True)
class Decompounder:
    """tantivy's SplitCompoundWords: a token is replaced by its parts only when it is, from its start,
    a run of dictionary words, each the longest word found where the last one ended (Aho-Corasick,
    leftmost-longest, no backtracking); the parts keep the token's position."""

    words: frozenset[str]
    longest: int

    def parts(self, token: str) -> list[str]:
        found, at, size = [], 0, len(token)
        while at < size:
            for width in range(min(self.longest, size - at), 0, -1):
                if token[at:at + width] in self.words:
                    found.append(token[at:at + width])
                    at += width
                    break
            else:
                return [token]
        return found

    def __call__(self, tokens: list[str]) -> list[str]:
        return [part for token in tokens for part in self.parts(token)]

    def spread(self, token: str, position: int, length: int) -> Spread:
        return [(part, position, length) for part in self.parts(token)]


def _decompounder(spec: dict[str, Any]) -> Decompounder:
    """decompounder_filter.rs's from_json: ``word_list`` (inline words)."""
    words: list[str] = []
    if "word_list" in spec:
        words.extend(_strings(spec["word_list"], "decompounder word list should be array",
                              "decompounder word list item should be string"))
    if "word_list_file" in spec:
        raise Unsupported("the decompounder filter's word_list_file (a Milvus file resource)")
    if not words:
        raise Invalid("decompounder word list is empty")
    kept = frozenset(w for w in words if w)  # an empty word never starts a part
    return Decompounder(kept, max((len(w) for w in kept), default=0))


@dataclass(frozen=True)
class Synonym:
    """synonym_filter.rs: a token found in the dictionary is replaced by its synonyms, all at its
    position (a token mapped to nothing stays); others pass.  Milvus keeps each word's synonyms in
    a hash set, so their order varies there; here they come in the order the rules name them."""

    table: dict[str, tuple[str, ...]]

    def words(self, token: str) -> tuple[str, ...]:
        return self.table.get(token) or (token,)

    def __call__(self, tokens: list[str]) -> list[str]:
        return [word for token in tokens for word in self.words(token)]

    def spread(self, token: str, position: int, length: int) -> Spread:
        return [(word, position, length) for word in self.words(token)]

    def __hash__(self) -> int:
        return id(self)


def _synonym_rule(row: str) -> tuple[bool, list[str], list[str]]:
    """One Solr-style rule as Milvus reads it (SynonymDictBuilder::add_row): ``a, b, c`` (a group)
    or ``a, b => c, d`` (a mapping); ``\\`` escapes ``,`` ``\\`` a space or ``=>``; a space inside a
    word is an error.  Returns (is a mapping, left words, right words)."""
    mapping, spaced = False, False
    left: list[str] = []
    right: list[str] = []
    word = ""
    at, size = 0, len(row)
    while at < size:
        char = row[at]
        if char == "\\":
            if at + 1 >= size:
                raise Invalid(f"invalid synonym escaped in the end: {row}")
            following = row[at + 1]
            if following in ", \\":
                word += following
                at += 2
            elif row.startswith("=>", at + 1):
                word += "=>"
                at += 3
            else:
                raise Invalid(f"invalid synonym escaped: \\{following} in {row}")
            continue
        if char == " ":
            if word:
                while at + 1 < size and row[at + 1] == " ":
                    at += 1
                spaced = True
            at += 1
            continue
        if char == ",":
            if word:
                (right if mapping else left).append(word)
            word, spaced = "", False
            at += 1
            continue
        if row.startswith("=>", at):
            if mapping:
                raise Invalid(f'read synonym dict failed, has more than one "=>" in {row}')
            mapping = True
            if word:
                left.append(word)
            word, spaced = "", False
            at += 2
            continue
        if spaced:
            raise Invalid(f"read synonym dict failed, has space between words {row}, please use \\ to escape space")
        word += char
        at += 1
    if word:
        (right if mapping else left).append(word)
    return mapping, left, right


def _synonym(spec: dict[str, Any]) -> Synonym:
    """SynonymFilter::from_json: ``expand`` (default true: every word of a group stands for all of
    them; false: for the group's first word) and the inline rules ``synonyms``."""
    expand = spec.get("expand", True)
    if not isinstance(expand, bool):
        raise Invalid("create synonym filter failed, `expand` must be bool")
    table: dict[str, dict[str, None]] = {}

    def add(key: str, words: list[str]) -> None:
        held = table.get(key)
        if held is not None:
            held.update(dict.fromkeys(words))
        else:  # a new key stands for itself too when expanding (SynonymDictBuilder::add)
            table[key] = dict.fromkeys(words + [key] if expand else words)

    if "synonyms" in spec:
        for row in _strings(spec["synonyms"], "create synonym filter failed, `synonyms` must be array",
                            "create synonym filter failed, item in `synonyms` must be string"):
            mapping, left, right = _synonym_rule(row)
            if mapping:
                for key in left:
                    add(key, right)
            elif left:
                for key in left:
                    add(key, left if expand else left[:1])
    if "synonyms_file" in spec:
        raise Unsupported("the synonym filter's synonyms_file (a Milvus file resource)")
    return Synonym({key: tuple(words) for key, words in table.items()})


_PINYIN_OPTIONS = ("keep_original", "keep_full_pinyin", "keep_joined_full_pinyin", "keep_separate_first_letter")
#: combining tone marks the pinyin crate's plain style drops (a ü or ê keeps its own mark)
_TONES = dict.fromkeys((0x0300, 0x0301, 0x0304, 0x030C))


@lru_cache(maxsize=None)
def _readings() -> dict[int, str]:
    """Character -> its first (most common) reading without tones: pinyin-data's table as pypinyin
    ships it, the data Milvus's ``pinyin`` crate is built from."""
    from pypinyin.pinyin_dict import pinyin_dict

    return {code: unicodedata.normalize("NFC", unicodedata.normalize("NFD", text.split(",")[0]).translate(_TONES))
            for code, text in pinyin_dict.items()}


@dataclass(frozen=True)
class Pinyin:
    """pinyin_filter.rs: each token, then the readings of its Chinese characters (``keep_full_pinyin``:
    one token each, the n-th at the token's position + n while n is at most its position length, else
    at its position), all of them joined, and their first letters joined, as the options ask."""

    keep_original: bool = True
    keep_full_pinyin: bool = True
    keep_joined_full_pinyin: bool = False
    keep_separate_first_letter: bool = False

    def spread(self, token: str, position: int, length: int) -> Spread:
        out: Spread = [(token, position, length)] if self.keep_original else []
        table = _readings()
        readings = [r for r in (table.get(ord(c)) for c in token) if r]
        if self.keep_full_pinyin:
            out.extend((r, position + n if n <= length else position, 1) for n, r in enumerate(readings))
        if readings and self.keep_joined_full_pinyin:
            out.append(("".join(readings), position, length))
        if readings and self.keep_separate_first_letter:
            out.append(("".join(r[0] for r in readings), position, length))
        return out

    def __call__(self, tokens: list[str]) -> list[str]:
        return [word for token in tokens for word, _, _ in self.spread(token, 0, 1)]


def _pinyin(spec: dict[str, Any]) -> Pinyin:
    options = {}
    for key in _PINYIN_OPTIONS:
        if key in spec:
            if not isinstance(spec[key], bool):
                raise Invalid(f"{key} must be a boolean value")
            options[key] = spec[key]
    return Pinyin(**options)


NAMED["pinyin"] = Pinyin()

#: filter ``type`` -> its builder from the filter's parameters
TYPED: dict[str, Callable[[dict[str, Any]], Filter]] = {
    "regex": _regex_filter, "decompounder": _decompounder, "synonym": _synonym, "pinyin": _pinyin}
