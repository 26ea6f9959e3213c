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
"""

from __future__ import annotations

import array
import bisect
from functools import lru_cache
from typing import Optional, Union

MAX_RUNE = 0x10FFFF
_FOLD, _MULTI, _DOTNL = 1, 2, 4
#: Go's limits: repetition counts (and their products when nested) and nesting depth.
_MAX_REPEAT = 1000
_MAX_DEPTH = 1000
#: PostgreSQL's RE_DUP_MAX: the largest bound ARE takes in ``{m,n}``.
_ARE_DUP_MAX = 255

Ranges = tuple[tuple[int, int], ...]


class RegexProblem(Exception):
    """A pattern Milvus refuses (``detail`` is Go's error text) or pgmilvus cannot run."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _go_error(code: str, expr: str) -> RegexProblem:
    return RegexProblem(f"error parsing regexp: {code}: `{expr}`")


_INVALID_CHAR_RANGE = "invalid character class range"
_INVALID_ESCAPE = "invalid escape sequence"
_INVALID_NAMED_CAPTURE = "invalid named capture"
_INVALID_PERL_OP = "invalid or unsupported Perl syntax"
_INVALID_REPEAT_OP = "invalid nested repetition operator"
_INVALID_REPEAT_SIZE = "invalid repeat count"
_MISSING_BRACKET = "missing closing ]"
_MISSING_PAREN = "missing closing )"
_MISSING_REPEAT_ARGUMENT = "missing argument to repetition operator"
_TRAILING_BACKSLASH = "trailing backslash at end of expression"
_UNEXPECTED_PAREN = "unexpected )"
_NESTING_DEPTH = "expression nests too deeply"


# -- the tree ------------------------------------------------------------------------------------
class _Set:
    """A character set: sorted, disjoint, non-adjacent code point ranges."""

    __slots__ = ("ranges",)

    def __init__(self, ranges: Ranges) -> None:
        self.ranges = ranges


class _Assert:
    """A zero-width test: ``bot`` / ``eot`` (text start / end), ``bol`` / ``eol`` (line start /
    end, ``(?m)``), ``wb`` / ``nwb`` (ASCII word boundary or not)."""

    __slots__ = ("kind",)

    def __init__(self, kind: str) -> None:
        self.kind = kind


class _Concat:
    __slots__ = ("items",)

    def __init__(self, items: list) -> None:
        self.items = items


class _Alt:
    __slots__ = ("items",)

    def __init__(self, items: list) -> None:
        self.items = items


class _Repeat:
    """``sub{lo,hi}`` (hi -1: unbounded); ``braces``: written with ``{}`` (Go bounds those)."""

    __slots__ = ("sub", "lo", "hi", "braces")

    def __init__(self, sub: "_Node", lo: int, hi: int, braces: bool) -> None:
        self.sub, self.lo, self.hi, self.braces = sub, lo, hi, braces


_Node = Union[_Set, _Assert, _Concat, _Alt, _Repeat]


class _Paren:
    """Stack marker of an open group, with the flags to restore at its ``)``."""

    __slots__ = ("flags",)

    def __init__(self, flags: int) -> None:
        self.flags = flags


_BAR = object()  # stack marker of a ``|``


# -- character sets ----------------------------------------------------------------------------
def _normalize(ranges) -> Ranges:
    out: list[list[int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1][1] = hi
        else:
            out.append([lo, hi])
    return tuple((lo, hi) for lo, hi in out)


def _negate(ranges: Ranges) -> Ranges:
    out = []
    nxt = 0
    for lo, hi in ranges:
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = hi + 1
    if nxt <= MAX_RUNE:
        out.append((nxt, MAX_RUNE))
    return tuple(out)


@lru_cache(maxsize=1)
def _orbits() -> tuple[tuple[int, ...], dict[int, tuple[int, ...]]]:
    """Unicode's simple case folding orbits (RE2's ``(?i)``): the characters whose lower or upper
    case is one character joined; U+0131 (dotless i) is left alone, as CaseFolding.txt's C and S
    entries leave it (only the Turkic mapping joins it to I)."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    for cp in range(0x1F000):  # no character above has a case mapping
        if 0xD800 <= cp <= 0xDFFF or cp == 0x131:
            continue
        ch = chr(cp)
        for mapped in (ch.lower(), ch.upper()):
            if len(mapped) == 1 and mapped != ch and mapped != "\u0131":
                a, b = find(cp), find(ord(mapped))
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for cp in list(parent):
        groups.setdefault(find(cp), []).append(cp)
    for root in list(groups):
        if root not in groups[root]:
            groups[root].append(root)
    orbit_of = {}
    for members in groups.values():
        orbit = tuple(sorted(members))
        for cp in orbit:
            orbit_of[cp] = orbit
    return tuple(sorted(orbit_of)), orbit_of


def _fold(ranges: Ranges) -> Ranges:
    """``ranges`` closed under case folding."""
    cased, orbit_of = _orbits()
    extra = []
    for lo, hi in ranges:
        for cp in cased[bisect.bisect_left(cased, lo):bisect.bisect_right(cased, hi)]:
            extra.extend((c, c) for c in orbit_of[cp])
    return _normalize(ranges + tuple(extra)) if extra else ranges


def _group(ranges: Ranges, negated: bool, flags: int) -> Ranges:
    """A named group (``\\d``, ``[:alpha:]``, ``\\pL``) as Go adds it: folded under ``(?i)``, then
    negated."""
    if flags & _FOLD:
        ranges = _fold(ranges)
    return _negate(ranges) if negated else ranges


_DIGIT = ((0x30, 0x39),)
_PERL = {"d": _DIGIT, "s": ((0x09, 0x0A), (0x0C, 0x0D), (0x20, 0x20)),
         "w": ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A))}
_POSIX = {
    "alnum": ((0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)), "alpha": ((0x41, 0x5A), (0x61, 0x7A)),
    "ascii": ((0x00, 0x7F),), "blank": ((0x09, 0x09), (0x20, 0x20)), "cntrl": ((0x00, 0x1F), (0x7F, 0x7F)),
    "digit": _DIGIT, "graph": ((0x21, 0x7E),), "lower": ((0x61, 0x7A),), "print": ((0x20, 0x7E),),
    "punct": ((0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)), "space": ((0x09, 0x0D), (0x20, 0x20)),
    "upper": ((0x41, 0x5A),), "word": _PERL["w"], "xdigit": ((0x30, 0x39), (0x41, 0x46), (0x61, 0x66)),
}

#: Go's (and RE2's) names for ``\p{...}``: "Any", the general categories and the scripts of
#: Unicode 15.0 (the exact spellings; Go <= 1.24 takes no aliases).
_CATEGORIES = frozenset(
    "C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs"
    .split())
_SCRIPTS = frozenset("""
Adlam Ahom Anatolian_Hieroglyphs Arabic Armenian Avestan Balinese Bamum Bassa_Vah Batak Bengali
Bhaiksuki Bopomofo Brahmi Braille Buginese Buhid Canadian_Aboriginal Carian Caucasian_Albanian Chakma
Cham Cherokee Chorasmian Common Coptic Cuneiform Cypriot Cypro_Minoan Cyrillic Deseret Devanagari
Dives_Akuru Dogra Duployan Egyptian_Hieroglyphs Elbasan Elymaic Ethiopic Georgian Glagolitic Gothic
Grantha Greek Gujarati Gunjala_Gondi Gurmukhi Han Hangul Hanifi_Rohingya Hanunoo Hatran Hebrew Hiragana
Imperial_Aramaic Inherited Inscriptional_Pahlavi Inscriptional_Parthian Javanese Kaithi Kannada Katakana
Kawi Kayah_Li Kharoshthi Khitan_Small_Script Khmer Khojki Khudawadi Lao Latin Lepcha Limbu Linear_A
Linear_B Lisu Lycian Lydian Mahajani Makasar Malayalam Mandaic Manichaean Marchen Masaram_Gondi
Medefaidrin Meetei_Mayek Mende_Kikakui Meroitic_Cursive Meroitic_Hieroglyphs Miao Modi Mongolian Mro
Multani Myanmar Nabataean Nag_Mundari Nandinagari New_Tai_Lue Newa Nko Nushu Nyiakeng_Puachue_Hmong
Ogham Ol_Chiki Old_Hungarian Old_Italic Old_North_Arabian Old_Permic Old_Persian Old_Sogdian
Old_South_Arabian Old_Turkic Old_Uyghur Oriya Osage Osmanya Pahawh_Hmong Palmyrene Pau_Cin_Hau Phags_Pa
Phoenician Psalter_Pahlavi Rejang Runic Samaritan Saurashtra Sharada Shavian Siddham SignWriting Sinhala
Sogdian Sora_Sompeng Soyombo Sundanese Syloti_Nagri Syriac Tagalog Tagbanwa Tai_Le Tai_Tham Tai_Viet
Takri Tamil Tangsa Tangut Telugu Thaana Thai Tibetan Tifinagh Tirhuta Toto Ugaritic Vai Vithkuqi Wancho
Warang_Citi Yezidi Yi Zanabazar_Square""".split())


@lru_cache(maxsize=None)
def unicode_class(name: str) -> Optional[Ranges]:
    """The code points of ``\\p{name}``; None when Go does not know the name."""
    if name == "Any":
        return ((0, MAX_RUNE),)
    if name in _CATEGORIES:
        prop = f"gc={name}"
    elif name in _SCRIPTS:
        prop = f"sc={name}"
    else:
        return None
    if name == "Cs":
        return ((0xD800, 0xDFFF),)  # Python strings cannot hand surrogates to the Rust engine
    return _rust_ranges(prop)


def _rust_ranges(prop: str) -> Ranges:
    """The code points of ``\\p{prop}`` by the Rust regex crate (pydantic-core's pattern engine),
    found by bisecting the code point space: a block all of whose characters match (``^\\p{..}*$``)
    or none of them (``^\\P{..}*$``) is settled, any other is split."""
    from pydantic_core import SchemaValidator, ValidationError, core_schema

    def validator(pattern: str) -> SchemaValidator:
        return SchemaValidator(core_schema.str_schema(pattern=pattern, regex_engine="rust-regex"))

    every, none = validator(rf"^\p{{{prop}}}*$"), validator(rf"^\P{{{prop}}}*$")

    def holds(check: SchemaValidator, text: str) -> bool:
        try:
            check.validate_python(text)
        except ValidationError:
            return False
        return True

    # every scalar value, surrogates left out: index i is code point i, or i + 0x800 past 0xD7FF
    chars = (array.array("I", range(0xD800)).tobytes().decode("utf-32-le")
             + array.array("I", range(0xE000, MAX_RUNE + 1)).tobytes().decode("utf-32-le"))
    found = []
    stack = [(0, len(chars))]
    while stack:
        lo, hi = stack.pop()
        block = chars[lo:hi]
        if holds(every, block):
            found.append((lo, hi - 1))
        elif not holds(none, block):
            mid = (lo + hi) // 2
            stack.append((mid, hi))
            stack.append((lo, mid))
    ranges = []
    for lo, hi in found:
        for a, b in ((lo, min(hi, 0xD7FF)), (max(lo, 0xD800), hi)):
            if a <= b:
                ranges.append((a if a < 0xD800 else a + 0x800, b if b < 0xD800 else b + 0x800))
    return _normalize(ranges)


# -- Go's parser (regexp/syntax, Perl flags) -----------------------------------------------------
class _Parser:
    def __init__(self, pattern: str) -> None:
        self.s = pattern
        self.stack: list = []
        self.flags = _DOTNL  # RE2 as Milvus runs it: dot_nl on, one-line, case-sensitive
        self.depth = 0

    # -- stack ---------------------------------------------------------------------------------
    def push(self, node: _Node) -> None:
        self.stack.append(node)

    def literal(self, cp: int) -> None:
        ranges: Ranges = ((cp, cp),)
        self.push(_Set(_fold(ranges) if self.flags & _FOLD else ranges))

    def concat(self) -> None:
        items = []
        while self.stack and not (self.stack[-1] is _BAR or isinstance(self.stack[-1], _Paren)):
            items.append(self.stack.pop())
        items.reverse()
        self.push(items[0] if len(items) == 1 else _Concat(items))

    def alternate(self) -> None:
        items = [self.stack.pop()]
        while self.stack and self.stack[-1] is _BAR:
            self.stack.pop()
            items.append(self.stack.pop())
        items.reverse()
        self.push(items[0] if len(items) == 1 else _Alt(items))

    # -- main loop -----------------------------------------------------------------------------
    def parse(self) -> _Node:
        s = self.s
        n = len(s)
        i = 0
        last_repeat: Optional[int] = None  # where the previous operator's repetition began
        while i < n:
            repeat: Optional[int] = None
            c = s[i]
            if c == "(":
                if i + 1 < n and s[i + 1] == "?":
                    i = self.perl_flags(i)
                else:
                    self.open_paren()
                    i += 1
            elif c == "|":
                self.concat()
                self.push(_BAR)
                i += 1
            elif c == ")":
                self.right_paren()
                i += 1
            elif c == "^":
                self.push(_Assert("bol" if self.flags & _MULTI else "bot"))
                i += 1
            elif c == "$":
                self.push(_Assert("eol" if self.flags & _MULTI else "eot"))
                i += 1
            elif c == ".":
                self.push(_Set(((0, MAX_RUNE),) if self.flags & _DOTNL else ((0, 9), (11, MAX_RUNE))))
                i += 1
            elif c == "[":
                i = self.parse_class(i)
            elif c in "*+?":
                lo, hi = {"*": (0, -1), "+": (1, -1), "?": (0, 1)}[c]
                repeat = i
                i = self.repeat(lo, hi, i, i + 1, last_repeat, braces=False)
            elif c == "{":
                bounds = _parse_repeat(s, i)
                if bounds is None:  # not a repetition: a literal {
                    self.literal(ord("{"))
                    i += 1
                else:
                    lo, hi, after = bounds
                    if lo < 0 or lo > _MAX_REPEAT or hi > _MAX_REPEAT or (hi >= 0 and lo > hi):
                        raise _go_error(_INVALID_REPEAT_SIZE, s[i:after])
                    repeat = i
                    i = self.repeat(lo, hi, i, after, last_repeat, braces=True)
            elif c == "\\":
                i = self.backslash(i)
            else:
                self.literal(ord(c))
                i += 1
            last_repeat = repeat
        self.concat()
        self.alternate()
        if len(self.stack) != 1:
            raise _go_error(_MISSING_PAREN, s)
        return self.stack[0]

    def open_paren(self) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise _go_error(_NESTING_DEPTH, self.s)
        self.push(_Paren(self.flags))

    def right_paren(self) -> None:
        self.concat()
        self.alternate()
        if len(self.stack) < 2 or not isinstance(self.stack[-2], _Paren):
            raise _go_error(_UNEXPECTED_PAREN, self.s)
        node = self.stack.pop()
        paren = self.stack.pop()
        self.flags = paren.flags
        self.depth -= 1
        self.push(node)

    def repeat(self, lo: int, hi: int, start: int, after: int, last_repeat: Optional[int],
               braces: bool) -> int:
        s = self.s
        if after < len(s) and s[after] == "?":  # non-greedy: the same rows match
            after += 1
        if last_repeat is not None:  # a** / a*+ / a{2}{3}: Perl forbids stacking them
            raise _go_error(_INVALID_REPEAT_OP, s[last_repeat:after])
        if not self.stack or self.stack[-1] is _BAR or isinstance(self.stack[-1], _Paren):
            raise _go_error(_MISSING_REPEAT_ARGUMENT, s[start:after])
        node = _Repeat(self.stack.pop(), lo, hi, braces)
        if braces and (lo >= 2 or hi >= 2) and not _repeat_valid(node, _MAX_REPEAT):
            raise _go_error(_INVALID_REPEAT_SIZE, s[start:after])
        self.push(node)
        return after

    def perl_flags(self, i: int) -> int:
        """``(?P<name>``, ``(?flags)``, ``(?flags:``, as Go reads them (from ``(`` at ``i``)."""
        s = self.s
        t = s[i:]
        if (len(t) > 4 and t[2] == "P" and t[3] == "<") or (len(t) > 3 and t[2] == "<"):
            begin = 4 if t[2] == "P" else 3
            end = t.find(">")
            if end < 0:
                raise _go_error(_INVALID_NAMED_CAPTURE, t)
            capture, name = t[:end + 1], t[begin:end]
            if not name or not all(ch == "_" or (ch.isascii() and ch.isalnum()) for ch in name):
                raise _go_error(_INVALID_NAMED_CAPTURE, capture)
            if begin == 3:  # Go 1.22 reads it; the RE2 that evaluates the pattern does not
                raise RegexProblem(f"named group {capture} is not supported by the RE2 that runs Milvus's "
                                   f"regular expressions, write (?P<{name}>...): `{s}`")
            self.open_paren()
            return i + end + 1
        flags = self.flags
        negative = False
        saw_flag = False
        j = i + 2
        while j < len(s):
            c = s[j]
            j += 1
            bit = {"i": _FOLD, "m": _MULTI, "s": _DOTNL, "U": 0}.get(c)
            if bit is not None:
                flags = flags & ~bit if negative else flags | bit
                saw_flag = True
                continue
            if c == "-" and not negative:
                negative = True
                saw_flag = False
                continue
            if c in ":)" and not (negative and not saw_flag):
                if c == ":":
                    self.open_paren()  # restores the flags of before at its )
                self.flags = flags
                return j
            break
        raise _go_error(_INVALID_PERL_OP, s[i:j])

    def backslash(self, i: int) -> int:
        s = self.s
        nxt = s[i + 1] if i + 1 < len(s) else ""
        if nxt in ("A", "z"):
            self.push(_Assert("bot" if nxt == "A" else "eot"))
            return i + 2
        if nxt in ("b", "B"):
            self.push(_Assert("wb" if nxt == "b" else "nwb"))
            return i + 2
        if nxt == "C":
            raise _go_error(_INVALID_ESCAPE, s[i:i + 2])
        if nxt == "Q":  # \Q...\E: literal text (to the end without \E)
            end = s.find("\\E", i + 2)
            text = s[i + 2:] if end < 0 else s[i + 2:end]
            for ch in text:
                self.literal(ord(ch))
            return len(s) if end < 0 else end + 2
        if nxt in ("p", "P"):
            ranges, i = self.unicode_class(i)
            self.push(_Set(ranges))
            return i
        if nxt and nxt in "dDsSwW":
            self.push(_Set(_group(_PERL[nxt.lower()], nxt.isupper(), self.flags)))
            return i + 2
        cp, i = self.escape(i)
        self.literal(cp)
        return i

    def escape(self, i: int) -> tuple[int, int]:
        """Go's parseEscape: one character (at ``i`` the backslash); returns it and the next index."""
        s = self.s
        n = len(s)
        if i + 1 >= n:
            raise _go_error(_TRAILING_BACKSLASH, "")
        c = s[i + 1]
        j = i + 2
        if c.isascii() and not c.isalnum():
            return ord(c), j  # escaped punctuation is itself (\_ too)
        if c in "1234567" and j < n and s[j] in "01234567" or c == "0":
            value = int(c)
            for _ in range(2):
                if j < n and s[j] in "01234567":
                    value = value * 8 + int(s[j])
                    j += 1
            return value, j
        if c == "x" and j < n:
            d = s[j]
            j += 1
            if d == "{":
                value, digits = 0, 0
                while j < n:
                    d = s[j]
                    j += 1
                    if d == "}":
                        if digits:
                            return value, j
                        break
                    if d not in "0123456789abcdefABCDEF":
                        break
                    value = value * 16 + int(d, 16)
                    digits += 1
                    if value > MAX_RUNE:
                        break
                raise _go_error(_INVALID_ESCAPE, s[i:j])
            e = s[j] if j < n else ""
            j += 1 if e else 0
            if d in "0123456789abcdefABCDEF" and e and e in "0123456789abcdefABCDEF":
                return int(d + e, 16), j
            raise _go_error(_INVALID_ESCAPE, s[i:j])
        simple = {"a": 7, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11}
        if c in simple:
            return simple[c], j
        raise _go_error(_INVALID_ESCAPE, s[i:j])

    def unicode_class(self, i: int) -> tuple[Ranges, int]:
        """``\\pL``, ``\\p{Greek}``, ``\\P{..}``, ``\\p{^..}`` at ``i``: the set and the next index."""
        s = self.s
        negated = s[i + 1] == "P"
        if i + 2 >= len(s):
            seq, name, j = s[i:i + 2], "", i + 2
        elif s[i + 2] != "{":
            seq, name, j = s[i:i + 3], s[i + 2], i + 3
        else:
            end = s.find("}", i)
            if end < 0:
                raise _go_error(_INVALID_CHAR_RANGE, s[i:])
            seq, name, j = s[i:end + 1], s[i + 3:end], end + 1
        if name.startswith("^"):
            negated = not negated
            name = name[1:]
        ranges = unicode_class(name)
        if ranges is None:
            raise _go_error(_INVALID_CHAR_RANGE, seq)
        return _group(ranges, negated, self.flags), j

    def parse_class(self, i: int) -> int:
        """``[...]`` at ``i`` (Go's parseClass); returns the index after ``]``."""
        s = self.s
        n = len(s)
        whole = s[i:]
        j = i + 1
        negated = j < n and s[j] == "^"
        if negated:
            j += 1
        parts: list[tuple[int, int]] = []
        first = True
        while j >= n or s[j] != "]" or first:
            first = False
            if n - j > 2 and s[j] == "[" and s[j + 1] == ":":
                end = s.find(":]", j + 2)
                if end >= 0:
                    name = s[j:end + 2]
                    inner = name[2:-2]
                    negated_group = inner.startswith("^")
                    group = _POSIX.get(inner[1:] if negated_group else inner)
                    if group is None:
                        raise _go_error(_INVALID_CHAR_RANGE, name)
                    parts.extend(_group(group, negated_group, self.flags))
                    j = end + 2
                    continue
            if j + 1 < n and s[j] == "\\" and s[j + 1] in ("p", "P"):
                ranges, j = self.unicode_class(j)
                parts.extend(ranges)
                continue
            if j + 1 < n and s[j] == "\\" and s[j + 1] in "dDsSwW":
                parts.extend(_group(_PERL[s[j + 1].lower()], s[j + 1].isupper(), self.flags))
                j += 2
                continue
            start = j
            lo, j = self.class_char(j, whole)
            hi = lo
            if n - j >= 2 and s[j] == "-" and s[j + 1] != "]":
                hi, j = self.class_char(j + 1, whole)
                if hi < lo:
                    raise _go_error(_INVALID_CHAR_RANGE, s[start:j])
            ranges: Ranges = ((lo, hi),)
            parts.extend(_fold(ranges) if self.flags & _FOLD else ranges)
        ranges = _normalize(parts)
        self.push(_Set(_negate(ranges) if negated else ranges))
        return j + 1

    def class_char(self, j: int, whole: str) -> tuple[int, int]:
        if j >= len(self.s):
            raise _go_error(_MISSING_BRACKET, whole)
        if self.s[j] == "\\":
            return self.escape(j)
        return ord(self.s[j]), j + 1


def _parse_repeat(s: str, i: int) -> Optional[tuple[int, int, int]]:
    """``{n}``, ``{n,}``, ``{n,m}`` at ``i`` as (lo, hi, index after), hi -1 when open; lo -1 when a
    number is too big; None when it is not one (then ``{`` is a literal)."""
    j = i + 1

    def number(k: int) -> Optional[tuple[int, int]]:
        if k >= len(s) or not "0" <= s[k] <= "9":
            return None
        if s[k] == "0" and k + 1 < len(s) and "0" <= s[k + 1] <= "9":
            return None  # Go disallows leading zeros
        end = k
        while end < len(s) and "0" <= s[end] <= "9":
            end += 1
        digits = s[k:end]
        return (int(digits) if len(digits) <= 8 else -1), end

    first = number(j)
    if first is None:
        return None
    lo, j = first
    if j >= len(s):
        return None
    if s[j] != ",":
        hi = lo
    else:
        j += 1
        if j >= len(s):
            return None
        if s[j] == "}":
            hi = -1
        else:
            second = number(j)
            if second is None:
                return None
            hi, j = second
            if hi < 0:
                lo = -1
    if j >= len(s) or s[j] != "}":
        return None
    return lo, hi, j + 1


def _repeat_valid(node: _Node, n: int) -> bool:
    """Go's repeatIsValid: nested ``{}`` counts multiply to at most ``n`` copies."""
    stack = [(node, n)]
    while stack:
        node, n = stack.pop()
        if isinstance(node, _Repeat) and node.braces:
            m = node.hi if node.hi >= 0 else node.lo
            if m == 0:
                continue
            if m > n:
                return False
            n //= m
        if isinstance(node, _Repeat):
            stack.append((node.sub, n))
        elif isinstance(node, (_Concat, _Alt)):
            stack.extend((item, n) for item in node.items)
    return True


# -- ARE ---------------------------------------------------------------------------------------
#: ``\\b``: an ASCII word character on exactly one side (RE2's \\b ignores Unicode and case).
_W = "[0-9A-Za-z_]"
_ASSERTS = {
    "bot": "^", "eot": "$",
    "bol": "(?:^|(?<=\\u000a))", "eol": "(?:$|(?=\\u000a))",
    "wb": f"(?:(?<={_W})(?!{_W})|(?<!{_W})(?={_W}))",
    "nwb": f"(?:(?<={_W})(?={_W})|(?<!{_W})(?!{_W}))",
}
#: Characters PostgreSQL text cannot hold: a set of them only matches nothing.
_UNSTORABLE = ((0, 0), (0xD800, 0xDFFF))
_NOTHING = "[^\\u0001-\\U0010ffff]"


def _char(cp: int, bracket: bool) -> str:
    """One character in ARE: ASCII letters and digits as themselves (and ``_``, which binds
    verbatim); outside brackets a space and printable non-ASCII characters as themselves and other
    ASCII punctuation backslash-escaped; anything else as a ``\\u`` / ``\\U`` escape."""
    ch = chr(cp)
    if ch.isascii() and (ch.isalnum() or ch == "_"):
        return ch
    if not bracket and cp == 0x20:
        return ch
    if not bracket and 0x21 <= cp <= 0x7E:
        return "\\" + ch
    if not bracket and cp > 0x7F and ch.isprintable():
        return ch
    return f"\\u{cp:04x}" if cp <= 0xFFFF else f"\\U{cp:08x}"


def _set(ranges: Ranges) -> str:
    ranges = tuple(r for r in _remove(ranges, _UNSTORABLE))
    if not ranges:
        return _NOTHING
    if ranges == _remove(((0, MAX_RUNE),), _UNSTORABLE):
        return "."
    if len(ranges) == 1 and ranges[0][0] == ranges[0][1]:
        return _char(ranges[0][0], bracket=False)
    complement = _remove(_negate(ranges), _UNSTORABLE)
    negated = len(complement) < len(ranges)
    items = []
    for lo, hi in complement if negated else ranges:
        if lo == hi:
            items.append(_char(lo, True))
        elif lo + 1 == hi:
            items.append(_char(lo, True) + _char(hi, True))
        else:
            items.append(f"{_char(lo, True)}-{_char(hi, True)}")
    return "[" + ("^" if negated else "") + "".join(items) + "]"


def _remove(ranges: Ranges, gone: Ranges) -> Ranges:
    out = []
    for lo, hi in ranges:
        for glo, ghi in gone:
            if ghi < lo or glo > hi:
                continue
            if glo > lo:
                out.append((lo, glo - 1))
            lo = ghi + 1
            if lo > hi:
                break
        if lo <= hi:
            out.append((lo, hi))
    return tuple(out)


def _emit(root: _Node) -> str:
    """The ARE of a tree, children first (no recursion: Go takes 1000 nested groups)."""
    text: dict[int, str] = {}
    zero: dict[int, bool] = {}  # matches only the empty string (anchors, empty groups)
    stack: list = [(root, False)]
    while stack:
        node, ready = stack.pop()
        key = id(node)
        if isinstance(node, _Set):
            text[key], zero[key] = _set(node.ranges), False
        elif isinstance(node, _Assert):
            text[key], zero[key] = _ASSERTS[node.kind], True
        elif not ready:
            stack.append((node, True))
            children = [node.sub] if isinstance(node, _Repeat) else node.items
            stack.extend((child, False) for child in children)
        elif isinstance(node, _Repeat):
            zero[key] = zero[id(node.sub)]
            text[key] = _emit_repeat(node, text[id(node.sub)], zero[key])
        else:
            parts = [text[id(item)] for item in node.items]
            zero[key] = all(zero[id(item)] for item in node.items)
            text[key] = "".join(parts) if isinstance(node, _Concat) else "(?:" + "|".join(parts) + ")"
    return text[id(root)]


def _emit_repeat(node: _Repeat, sub: str, zero_width: bool) -> str:
    lo, hi = node.lo, node.hi
    if zero_width or hi == 0:  # x{0} matches the empty string; a repeated anchor is one anchor
        return sub if lo > 0 and hi != 0 else ""
    atom = sub if isinstance(node.sub, _Set) else f"(?:{sub})"
    if hi < 0 and lo <= 1:
        return atom + ("*" if lo == 0 else "+")
    if (lo, hi) == (0, 1):
        return atom + "?"
    parts = []
    if hi < 0:  # x{lo,}: lo copies, then any number
        hi_left, lo_left = -1, lo
    else:
        hi_left, lo_left = hi, lo
    while lo_left > _ARE_DUP_MAX or hi_left > _ARE_DUP_MAX:  # ARE's bounds stop at 255
        take_hi = min(_ARE_DUP_MAX, hi_left) if hi_left >= 0 else _ARE_DUP_MAX
        take_lo = min(take_hi, lo_left)
        parts.append(_bound(atom, take_lo, take_hi))
        lo_left -= take_lo
        if hi_left >= 0:
            hi_left -= take_hi
    parts.append(_bound(atom, lo_left, hi_left))
    return "".join(parts)


def _bound(atom: str, lo: int, hi: int) -> str:
    if hi < 0:
        return atom + ("*" if lo == 0 else "+" if lo == 1 else f"{{{lo},}}")
    if lo == hi:
        return "" if lo == 0 else atom if lo == 1 else f"{atom}{{{lo}}}"
    return f"{atom}{{{lo},{hi}}}"


@lru_cache(maxsize=1024)
def translate(pattern: str) -> str:
    """The PostgreSQL ARE that matches the rows RE2's ``PartialMatch(pattern)`` matches; raises
    RegexProblem with Go's text for a pattern Milvus refuses."""
    return _emit(_Parser(pattern).parse())


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
