"""Milvus's ``icu`` tokenizer (tantivy-binding's icu_tokneizer.rs), approximated in Python.

Milvus cuts the text at the breakpoints of ICU4X's ``WordSegmenter::try_new_auto`` and makes
*every* segment a token, spaces and punctuation included; a token's position is the number of
characters before it (a position advances by the token's character count) and its offsets are
UTF-8 byte offsets (Analyzer.detailed).

ICU4X applies Unicode's word-break rules (UAX #29) except on runs of Han and Hiragana, which its
Chinese/Japanese dictionary cuts, and on Thai / Lao / Khmer / Burmese, which an LSTM model cuts.
Here the rules are the ``regex`` module's UAX #29 boundaries; a Han run is cut by jieba's
dictionary (exact mode, as ``{"type": "jieba", "mode": "exact"}`` does) and a Hiragana run is
one token, where ICU's dictionary knows Japanese words; the other complex scripts keep the
boundaries UAX #29 gives them (grapheme by grapheme), where ICU's model finds words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Iterator

import regex

#: UAX #29's default word boundaries (version 1 behaviour, Unicode word boundaries)
_BOUNDARY = regex.compile(r"\b", regex.V1 | regex.WORD)
#: ICU4X's Chinese-or-Japanese characters (complex/language.rs): the Han and Hiragana scripts
_DICTIONARY = regex.compile(r"[\p{Han}\p{Hiragana}]+")
_HAN = regex.compile(r"\p{Han}+")


@dataclass(frozen=True)
class Icu:
    """The icu tokenizer: ``segmenter`` is the jieba-rs segmenter with jieba's dictionary."""

    segmenter: Any
    name: ClassVar[str] = "icu"

    def words(self, text: str) -> list[str]:
        return [text[start:end] for start, end in self._segments(text)]

    def spans(self, text: str) -> Iterator[tuple[str, int, int, int, int]]:
        """(token, start, end character, position, position length): the position is the start."""
        return ((text[start:end], start, end, start, end - start) for start, end in self._segments(text))

    def _segments(self, text: str) -> Iterator[tuple[int, int]]:
        done = 0
        for run in _DICTIONARY.finditer(text):
            yield from _rules(text, done, run.start())
            yield from self._dictionary(run.group(), run.start())
            done = run.end()
        yield from _rules(text, done, len(text))

    def _dictionary(self, run: str, offset: int) -> Iterator[tuple[int, int]]:
        """A Han / Hiragana run: each Han part as jieba cuts it, each Hiragana part whole."""
        done = 0
        for han in _HAN.finditer(run):
            if han.start() > done:
                yield offset + done, offset + han.start()
            for _, start, end in self.segmenter.tokenize(han.group(), "default", True):
                yield offset + han.start() + start, offset + han.start() + end
            done = han.end()
        if done < len(run):
            yield offset + done, offset + len(run)


def _rules(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The UAX #29 segments of text[start:end]."""
    for piece in _BOUNDARY.split(text[start:end]):
        if piece:
            yield start, start + len(piece)
            start += len(piece)
