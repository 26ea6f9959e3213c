"""The parsed tree (syntax) written as a PostgreSQL ARE whose meaning depends on nothing else
(explicit code point brackets, lookarounds for line anchors and word boundaries, bounds split at
255), and ``translate``: a Milvus pattern to that ARE, parsed and written once per pattern."""

from __future__ import annotations

from functools import lru_cache

from .classes import MAX_RUNE, Ranges, _negate, _remove
from .syntax import _Assert, _Concat, _Node, _Parser, _Repeat, _Set

# -- ARE ---------------------------------------------------------------------------------------
#: PostgreSQL's RE_DUP_MAX: the largest bound ARE takes in ``{m,n}``.
_ARE_DUP_MAX = 255
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

