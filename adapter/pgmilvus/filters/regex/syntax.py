"""Go's regexp/syntax parser (Perl flags), as Milvus checks a pattern with ``regexp.Compile``: the
same accepted language, limits and error texts (``RegexProblem``), read into a small tree of
character sets, anchors, concatenations, alternations and repetitions (the node classes below),
which are.py writes as a PostgreSQL ARE."""

from __future__ import annotations

from typing import Optional, Union

from .classes import _PERL, _POSIX, MAX_RUNE, Ranges, _fold, _negate, _normalize, unicode_class

_FOLD, _MULTI, _DOTNL = 1, 2, 4
#: Go's limits: repetition counts (and their products when nested) and nesting depth.
_MAX_REPEAT = 1000
_MAX_DEPTH = 1000


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


def _group(ranges: Ranges, negated: bool, flags: int) -> Ranges:
    """A named group (``\\d``, ``[:alpha:]``, ``\\pL``) as Go adds it: folded under ``(?i)``, then
    negated."""
    if flags & _FOLD:
        ranges = _fold(ranges)
    return _negate(ranges) if negated else ranges


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

