"""Code point ranges, the character sets of Go's regexp/syntax: sorted, disjoint, non-adjacent
``(lo, hi)`` pairs, their union, complement and difference, Unicode's simple case folding (RE2's
``(?i)``), the Perl (``\\d``, ``\\s``, ``\\w``) and POSIX (``[:alpha:]``) classes, and the Unicode
classes of ``\\p{...}`` (general categories and scripts, read from the Rust regex crate).  It knows
nothing of patterns: the parser (syntax) builds its sets from these."""

from __future__ import annotations

import array
import bisect
from functools import lru_cache
from typing import Optional

MAX_RUNE = 0x10FFFF

Ranges = tuple[tuple[int, int], ...]


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
