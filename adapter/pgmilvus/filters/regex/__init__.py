"""Milvus's regular expressions (``field =~ "pattern"``) rewritten for PostgreSQL.

Milvus master checks a pattern with Go's ``regexp.Compile`` (regexp/syntax, Perl flags) and
evaluates it with RE2's ``PartialMatch`` (an unanchored search; ``dot_nl`` on, UTF-8).  PostgreSQL's
``~`` (and jsonpath ``like_regex``) run Henry Spencer's ARE engine, whose syntax differs: no
``\\z``, ``\\Q...\\E``, ``\\pL``, ``(?P<name>...)`` or scoped flags ``(?i:...)``, flags only at the
start, ``\\b`` is a backspace, ``{n}`` stops at 255, ``[[:alpha:]]`` and case folding follow the
collation, ``\\s`` also takes ``\\v``...  So a pattern is parsed here as Go's parser reads it (the same
accepted language and error texts: ``error parsing regexp: missing closing ): `(unclosed```), into a
small tree of character sets, anchors, concatenations, alternations and repetitions, and that tree
is written back in a subset of ARE whose meaning depends on nothing else:

* every character set is an explicit bracket of code points (``\\uXXXX`` escapes): ``\\d``,
  ``\\w``, ``[[:word:]]``, ``\\p{Han}``, ``\\pL`` and ``(?i)`` case folding are expanded here, so
  neither the collation nor the locale of the database changes a match;
* ``.`` is ``.`` when it takes newlines (RE2's ``dot_nl``, ARE's default), else ``[^\\n]``;
* ``^`` / ``$`` / ``\\A`` / ``\\z`` are the text's start and end; under ``(?m)`` a line's
  (lookbehind / lookahead on ``\\n``), ``\\b`` / ``\\B`` ASCII word boundaries by lookarounds;
* groups are non-capturing, greedy and lazy quantifiers alike greedy (only whether a row matches
  counts, never which substring), bounds above 255 split into several.

The Unicode tables (``\\p{Greek}``, ``\\p{Lu}``) are those of the Rust regex crate that pydantic-core
ships, read once per class; case folding is Unicode's simple folding (Python's case mappings).

The package, dependencies pointing one way: ``are`` (the ARE writer and ``translate``) uses
``syntax`` (Go's parser, its tree and error texts), which uses ``classes`` (code point ranges,
case folding, the Perl, POSIX and Unicode classes); this module re-exports what the rest of the
filters use and holds the two small Milvus-specific helpers on the pattern text itself
(``literal_pattern``, ``optimized_op``).
"""

from __future__ import annotations

from .are import translate
from .classes import MAX_RUNE, Ranges, unicode_class
from .syntax import RegexProblem

__all__ = ["MAX_RUNE", "Ranges", "RegexProblem", "literal_pattern", "optimized_op", "translate",
           "unicode_class"]


def literal_pattern(text: str) -> str:
    """The pattern a filter's string literal (its token text, quotes included) gives ``=~``:
    Milvus's extractRegexPattern: an escaped quote or backslash is that character, every other
    backslash sequence stays as written for the regular expression (``"\\d"`` is ``\\d``); a raw
    string ``r"..."`` is its text verbatim."""
    if text[:1] in ("r", "R"):
        return text[2:-1]
    quote, inner = text[0], text[1:-1]
    out = []
    i = 0
    while i < len(inner):
        ch = inner[i]
        if ch == "\\" and i + 1 < len(inner):
            nxt = inner[i + 1]
            out.append(nxt if nxt in (quote, "\\") else ch + nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def optimized_op(pattern: str) -> str:
    """The operator Milvus's parser turns a pattern into (tryOptimizeRegexToLike): ``Equal``,
    ``PrefixMatch`` or ``PostfixMatch`` for an anchored run of literal characters, else
    ``RegexMatch``.  Partition key isolation names it in its refusals."""
    if not pattern:
        return "RegexMatch"
    start = pattern.startswith("^")
    inner = pattern[1:] if start else pattern
    end = inner.endswith("$") and (len(inner) < 2 or inner[-2] != "\\")
    if end:
        inner = inner[:-1]
    i = 0
    while i < len(inner):
        ch = inner[i]
        if ch == "\\" and i + 1 < len(inner):
            if inner[i + 1] not in ".+*?^${}()|[]\\":
                return "RegexMatch"
            i += 2
            continue
        if ch in ".+*?{}()|[]^$":
            return "RegexMatch"
        i += 1
    if start and end:
        return "Equal"
    if start and inner:
        return "PrefixMatch"
    if end and inner:
        return "PostfixMatch"
    return "RegexMatch"
