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
from ..errors import ParamError
from ..schema.model import CollectionSchema
from . import cache, ir
from .compile import to_sql
from .errors import FilterError, SyntaxProblem
from .typecheck import check


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
    if not isinstance(expr, str) or "element_filter" not in expr.lower() or not expr.strip():
        return None
    if params is not None and not isinstance(params, dict):
        raise ParamError(message=f"filter_params must be a dict, got {type(params).__name__}")
    from . import parse_filter  # the package imports this module

    key = ("element", cache.schema_key(schema), expr, cache.params_key(params), json_indexes, timezone)

    def build():
        tree = parse_filter(expr)
        try:
            pred = check(tree, schema, params, expr, timezone) if tree is not None else None
            if not ir.ends_in_element_filter(pred):
                return False  # "element_filter" was a name or a string, or stood inside MATCH_* (refused there)
            rest: Optional[ir.Pred] = None
            if isinstance(pred, ir.Logic):
                items = pred.items[:-1]
                rest = items[0] if len(items) == 1 else ir.Logic("and", items)
                pred = pred.items[-1]
            row = None if rest is None else to_sql(rest, json_indexes).sql(dialect="postgres")
        except SyntaxProblem as problem:
            raise problem.to_filter_error(expr) from None
        except RecursionError:
            raise FilterError(expr, "expression is nested too deeply") from None
        return ElementSplit(pred.struct, row, pred.column, pred.pred, json_indexes)

    try:
        found = cache.compile_cache.get_or_build(key, build)
    except FilterError as exc:
        raise exc.wrap(f"failed to create {operation} plan") from None
    return found or None


def is_element_level(expr: object) -> bool:
    """Whether a filter may hold an element_filter (a cheap test before :func:`element_split`)."""
    return isinstance(expr, str) and "element_filter" in expr.lower()
