"""Filters whose values are bound, per collection: the cache around filters.bind.

A query or search whose filter has comparison values written into its text
(``f'user_id == {uid}'``) runs the statement of its *shape*, with the values as
parameters: the client compiles the shape once (see filters/bind.py for what
binds).  The skeletons, shapes and their SQL live on the collection's
description (``CollectionInfo.plans``), so a catalog change drops them with it.

Binding starts with a shape's second set of values: a filter repeated with the
same values keeps its literal statement, prepared on the server with the values
known to its plan.  A bound statement whose values are all ``==`` / ``in``
operands is prepared like hand-written SQL (PostgreSQL plans those from the
column's statistics whatever the value, and keeps the generic plan only when it
costs no more than the per-value ones: planning a small read costs as much as
running it).  A shape with a range gets its values written back into the
statement (``inline``: string replacement, no compiling): a generic plan does
not know them, and PostgreSQL's fixed guess for a range chooses the wrong scan
(hand-written SQL prepared by psycopg measured 1.4-1.8 ms for a range read
that takes 0.3 ms planned per call), so each set of values is planned for
itself, and prepared when it comes back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from psycopg import sql

from ..catalog.store import CollectionInfo
from ..filters import bind, has_spatial, plan_sql
from ..catalog import json_index

#: Entries kept per collection description (shared with read shapes and search plans).
ENTRIES_PER_COLLECTION = 256
_UNKNOWN = object()
_VARYING = object()   # a shape seen with more than one set of values
_NEVER = object()     # a filter text that never binds
#: Filter texts remembered per collection description as not binding (``_unbound``).
TEXTS_PER_COLLECTION = 64


@dataclass(frozen=True)
class Bound:
    """A filter's condition with ``%(bN)s`` placeholders (``%`` doubled), the shape it is the SQL
    of, and this filter's values."""

    text: bytes
    shape: tuple
    params: dict[str, Any]
    prepare: bool = False    # equalities only: the statement may be prepared (see above)
    #: statement -> inlined statement: a filter text that comes back is kept with its Bound
    #: (``condition``), and so are the statements it was written into.
    inlined: dict[bytes, bytes] = field(default_factory=dict, compare=False, repr=False)

    def inline(self, statement: bytes) -> bytes:
        """``statement`` (with this filter's ``%(bN)s`` placeholders) with the values written in
        as SQL literals (``%`` doubled: the statement's other placeholders are still to be bound)."""
        done = self.inlined.get(statement)
        if done is not None:
            return done
        out = statement
        for name, value in self.params.items():
            out = out.replace(b"%%(%s)s" % name.encode(), _literal(value))
        if len(self.inlined) < 8:
            self.inlined[statement] = out
        return out


def _literal(value: Any) -> bytes:
    """``value`` as a SQL literal, ``%`` doubled; an int's digits without psycopg's Literal (the
    common range operand, 1.5 µs less per value)."""
    if type(value) is int:
        return b"%d" % value
    return sql.Literal(value).as_bytes(None).strip().replace(b"%", b"%%")


def condition(info: CollectionInfo, filter: str) -> Optional[Bound]:
    """``filter``'s condition with its comparison values bound, or None (the ordinary path).

    Per call: one regex pass and two lookups on the collection's description; the lexer
    runs once per skeleton and the compiler twice per shape.  A skeleton whose shapes keep
    missing (its unbound literals vary) stops being bound: each miss costs two compilations.
    """
    plans = info.plans
    texts = plans.get(("texts",))
    if texts is not None:
        known = texts.get(filter)
        if known.__class__ is Bound:
            return known
        if known is _NEVER or known is not None and plans.get(("first", known)) is not _VARYING:
            return None
    found = bind.scan(filter)
    if found is None or has_spatial(filter):  # a spatial filter's SQL is made per call (filters/spatial.py)
        return _unbound(plans, filter, _NEVER)
    skeleton = plans.get(("mask", found.skeleton))
    if skeleton is None:
        made_mask = bind.mask(found, info.schema)
        skeleton = remember(plans, ("mask", found.skeleton),
                            [made_mask, 0, bind.only_equalities(found, info.schema, made_mask)])
    mask = skeleton[0]
    if not any(mask):
        return _unbound(plans, filter, _NEVER)
    shape = found.key(mask)
    key = ("bound", shape)
    text = plans.get(key, _UNKNOWN)
    if text is _UNKNOWN:
        skeleton[1] += 1
        if skeleton[1] > bind.MISSES_PER_SKELETON:
            skeleton[0] = (False,) * len(mask)
            return None
        text = None
        if bind.mask(found, info.schema) == mask:  # this text binds as its skeleton says
            paths = json_index.indexed_paths(info)
            text = bind.template(found, mask, lambda t: plan_sql(t, info.schema, None, "query", paths), info.schema)
        remember(plans, key, text)
    if text is None:
        return None
    params = found.values(mask, text.docs)
    if params is None:
        return None
    first = plans.get(("first", shape))
    if first is None:
        remember(plans, ("first", shape), params)
        return _unbound(plans, filter, shape)
    if first is not _VARYING:
        if first == params:
            return _unbound(plans, filter, shape)
        plans[("first", shape)] = _VARYING
    return _remember_text(plans, filter, Bound(text.sql, shape, params, skeleton[2]))


def _unbound(plans: dict, filter: str, why: Any) -> None:
    """Remember that ``filter`` runs unbound: for good (``_NEVER``), or while its ``shape`` has been
    seen with these values only (the first ones)."""
    _remember_text(plans, filter, why)
    return None


def _remember_text(plans: dict, filter: str, outcome: Any) -> Any:
    """Remember ``filter``'s outcome (a reason to run it unbound, or its Bound): the filter an
    application repeats word for word then costs one lookup per call instead of the regex pass.
    At most ``TEXTS_PER_COLLECTION`` texts, then the memo starts again (texts whose values
    change on every call pass through it)."""
    texts = plans.get(("texts",))
    if texts is None or len(texts) >= TEXTS_PER_COLLECTION:
        texts = remember(plans, ("texts",), {})
    texts[filter] = outcome
    return outcome


def remember(plans: dict, key: Any, value: Any) -> Any:
    """Keep ``value`` on the collection's description, within ``ENTRIES_PER_COLLECTION`` entries."""
    if len(plans) >= ENTRIES_PER_COLLECTION:
        plans.clear()
    plans[key] = value
    return value
