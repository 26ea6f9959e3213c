"""Element-level filters on ARRAY<STRUCT> fields: the split a search or a query needs.

``element_filter(S, P)`` selects *elements* of the struct array ``S`` (element i of a row is
``(S[a][i], S[b][i], ...)``, PostgreSQL subscript i+1 of every sub-field column ``"S[a]"``), in the
rows that pass the rest of the filter (Milvus: the doc-level predicate, the operands of the
top-level ``&&`` before it).  A row-level read (delete, a search of an ordinary vector field) gets
the whole filter from :func:`filters.plan_sql`, where ``element_filter`` means "the row has at
least one selected element"; an element-level read (query, element-level search of ``S[v]``)
takes the two parts apart with :func:`element_split`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from sqlglot import exp

from ..data.timestamps import DEFAULT_TIMEZONE
from ..schema.model import CollectionSchema
from . import ir
from .compile import to_sql


@dataclass(frozen=True)
class ElementSplit:
    """A filter whose last top-level ``&&`` operand (or whole self) is ``element_filter(S, P)``.

    ``struct``: S, the struct array field's name (a search checks it is the struct of its anns
    field ``S[v]``).  ``row_sql``: the row-level condition (the doc-level predicate before the
    element_filter, Postgres SQL over the table's unqualified quoted columns), None when there is
    none.  ``first_column``: the column ``"S[<first sub-field>]"`` whose subscripts enumerate the
    elements (every sub-field column has the same length).
    """

    struct: str
    row_sql: Optional[str]
    first_column: str
    pred: "ir.Pred"
    json_indexes: frozenset = frozenset()
    _made: dict = field(default_factory=dict, repr=False, compare=False)

    def element_sql(self, position: str) -> str:
        """P at one element, as a Postgres boolean: ``position`` is a trusted SQL expression (the
        caller's own, never user text) giving the element's **1-based** PostgreSQL subscript, e.g.
        ``e."$o"`` of ``unnest(t."S[v]") WITH ORDINALITY AS e("$e", "$o")``; each ``$[a]`` becomes
        ``"S[a]"[<position>]`` (unqualified columns of the row).  TRUE selects the element, FALSE or
        NULL does not."""
        made = self._made.get(position)
        if made is None:
            made = to_sql(self.pred, self.json_indexes, exp.Var(this=position)).sql(dialect="postgres")
            self._made[position] = made
        return made


def element_split(expr: str, schema: CollectionSchema, params: Optional[dict] = None, operation: str = "search",
                  json_indexes: frozenset = frozenset(),
                  timezone: str = DEFAULT_TIMEZONE) -> Optional[ElementSplit]:
    """The :class:`ElementSplit` of ``expr``, or None when it holds no ``element_filter``.

    Raises Milvus's errors as :func:`filters.plan_sql` does (``failed to create <operation> plan:
    ...``), including the placement rules (element_filter only as the whole filter or the last
    operand of the top-level ``&&``).  Cached like every compiled filter.
    """
    if not is_element_level(expr) or not expr.strip():
        return None
    from . import split_filter  # the package imports this module

    return split_filter(expr, schema, params, operation, json_indexes, timezone, ir.ElementFilter,
                        lambda rest, found: ElementSplit(found.struct, rest, found.column, found.pred, json_indexes))


def is_element_level(expr: object) -> bool:
    """Whether a filter may hold an element_filter (a cheap test before :func:`element_split`)."""
    return isinstance(expr, str) and "element_filter" in expr.lower()
