"""Milvus's rules for ARRAY<STRUCT> fields in filters (parser_visitor.go, master): the type
checker's part for ``S[a]``, ``S[i][a]``, ``$[a]``, ``S is null``, ``array_length(S)``,
``element_filter(S, P)`` and ``MATCH_*(S, P[, threshold=N])``.

A struct array ``S`` is stored as one ARRAY column per sub-field, ``"S[a]"`` (schema/structs.py),
so ``S[a]`` is an ordinary array column and ``S[i][a]`` an ordinary element; ``$[a]`` is the
current element's value of ``"S[a]"`` (an ``ir.Column`` marked ``element``).  Texts are Milvus's;
the errors of a predicate are wrapped as its ``cannot parse element|predicate expression: <P>,
error: ...``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..schema.structs import column_name
from ..types import GO_NAMES, VECTOR_TYPES
from . import ast, ir
from .errors import SyntaxProblem
from .parser import integer_constant

if TYPE_CHECKING:
    from .typecheck import _Checker

#: Milvus's names of the MATCH_* operators, by the parser's lower-cased call name.
MATCH_NAMES = {"match_all": "MATCH_ALL", "match_any": "MATCH_ANY", "match_least": "MATCH_LEAST",
               "match_most": "MATCH_MOST", "match_exact": "MATCH_EXACT"}
_THRESHOLD = ("match_least", "match_most", "match_exact")
ELEMENT_CALLS = frozenset(MATCH_NAMES) | {"element_filter"}
#: segcore's refusal of an element_filter below an ``or`` (PlanProto.cpp), which pgmilvus gives at parse time.
BELOW_OR = ("ParseElementFilterExprs should not be called directly. ElementFilterExpr must be handled at PlanNode "
            "level.")
NOT_LAST_IN_AND = "element filter expression can only be the last expression in the logical and expression"
NOT_LAST_IN_OR = "element filter expression can only be the last expression in the logical or expression"
IN_UNARY = "element filter expression cannot be used in unary expression"


def _not_found(name: str) -> str:
    """typeutil.SchemaHelper.GetFieldFromName's error, as the visitor prints it."""
    return f"failed to get field schema by name: fieldName({name}) not found: invalid parameter"


def struct_array(checker: "_Checker", struct: str, sub: str, pos: int) -> ir.ArrayCol:
    """``S[a]``: the sub-field column as an ARRAY (vector sub-fields too: array_length takes them)."""
    name = column_name(struct, sub)
    field = checker.schema.field(name)
    if field is None:
        if checker.schema.field(struct) is not None:  # an ordinary field read with an unquoted key
            raise SyntaxProblem("json key must be enclosed in double quotes or single quotes", pos + len(struct))
        raise SyntaxProblem(f"struct field not found: {name}, error: {_not_found(name)}", pos)
    return ir.ArrayCol(name, field.element_type, field.max_length, bool(field.nullable))


def struct_index(checker: "_Checker", node: ast.StructIndex) -> ir.ArrayElem:
    """``S[i][a]``: element i's sub-field a, exactly ``arr[i]`` of an ARRAY field."""
    return ir.ArrayElem(struct_array(checker, node.struct, node.sub, node.pos), node.index)


def sub_field(checker: "_Checker", node: ast.SubField, in_range: bool = False) -> ir.Column:
    """``$[a]`` inside element_filter / MATCH_* of struct S: the element's value of ``"S[a]"``."""
    struct = checker.struct
    if struct is None:
        where = "ElementFilter" if in_range else "ElementFilter or MATCH_*"
        raise SyntaxProblem(f"$[{node.sub}] syntax can only be used inside {where}", node.pos)
    name = column_name(struct, node.sub)
    field = checker.schema.field(name)
    if field is None:
        raise SyntaxProblem(f"array field not found: {name}, error: {_not_found(name)}", node.pos)
    if field.element_type in VECTOR_TYPES:
        raise SyntaxProblem(f"field {name} of type {GO_NAMES.get(field.element_type, field.element_type.name)} "
                            "cannot be used in a filter expression", node.pos)
    return ir.Column(name, field.element_type, False, element=True)


def parent(checker: "_Checker", node: ast.Node) -> Optional[ir.ArrayCol]:
    """A bare ``S`` naming a struct array (``S is null``, ``array_length(S)``): its first
    sub-field column (Milvus's getStructArrayParentColumnInfo); None for anything else."""
    if not isinstance(node, ast.Ident) or checker.schema.field(node.name) is not None:
        return None
    struct = checker.schema.struct_field(node.name)
    if struct is None:
        return None
    first = struct.columns()[0]
    return ir.ArrayCol(first.name, first.element_type, first.max_length, bool(struct.nullable))


def element_call(checker: "_Checker", node: ast.Call) -> "ir.Pred":
    """``element_filter(S, P)`` / ``MATCH_*(S, P[, threshold=N])``, Milvus's checks in its order."""
    name = MATCH_NAMES.get(node.name, "ElementFilter")
    _syntax(node)
    count = _threshold(node, name) if node.name in _THRESHOLD else 0
    struct = node.args[0].name
    if checker.struct is not None:
        inside = "ElementFilter" if name == "ElementFilter" else "match expression"
        raise SyntaxProblem(f"nested {name} is not supported, already inside {inside} for field: {checker.struct}",
                            node.pos)
    what = "element" if name == "ElementFilter" else "predicate"
    checker.struct = struct
    try:
        pred = checker.visit(node.args[1])
    except SyntaxProblem as problem:
        raise SyntaxProblem(f"cannot parse {what} expression: {node.arg_texts[1]}, error: {problem.detail}: "
                            "invalid parameter", problem.pos, code=problem.code) from None
    finally:
        checker.struct = None
    if not isinstance(pred, ir.PRED_TYPES):
        raise SyntaxProblem(f"invalid {what} expression: {node.arg_texts[1]} (a boolean expression over $[...] "
                            "is expected)", node.args[1].pos)
    found = checker.schema.struct_field(struct)
    if found is None:
        raise SyntaxProblem(f"{node.spelled} takes a struct array field, {struct} is not one", node.args[0].pos)
    column = found.columns()[0].name
    if name == "ElementFilter":
        return ir.ElementFilter(struct, column, pred)
    return ir.Match(name[len("MATCH_"):].lower(), struct, column, pred, count)


def _syntax(node: ast.Call) -> None:
    """What Plan.g4 itself refuses: ``(Identifier, expr)`` and ``threshold=IntegerConstant`` exactly."""
    threshold = node.name in _THRESHOLD
    if not node.args or not isinstance(node.args[0], ast.Ident) or node.args[0].name == "$meta":
        shown = node.arg_texts[0] if node.arg_texts else ")"
        raise SyntaxProblem(f"mismatched input '{shown}' expecting Identifier", node.pos)
    if len(node.args) < 2:
        raise SyntaxProblem("mismatched input ')' expecting ','", node.pos)
    if len(node.args) > 2:
        expected = "THRESHOLD" if threshold else "')'"
        raise SyntaxProblem(f"mismatched input ',' expecting {expected}", node.args[2].pos)
    if not threshold and node.options:
        raise SyntaxProblem(f"mismatched input '{node.options[0][0]}' expecting ')'", node.options[0][1].pos)
    if threshold:
        if len(node.options) != 1 or node.options[0][0] not in ("threshold", "THRESHOLD"):
            raise SyntaxProblem("mismatched input ')' expecting ','" if not node.options else
                                f"mismatched input '{node.options[0][0]}' expecting THRESHOLD", node.pos)
        integer_constant(node.options[0][1])


def _threshold(node: ast.Call, name: str) -> int:
    """``threshold=N`` read as Milvus reads it (strconv.ParseInt(text, 10, 64): ``010`` is 10,
    ``0x2`` an invalid count), then its range check."""
    text = node.options[0][1].text
    if not text.isdigit():
        raise SyntaxProblem(f"invalid count: {text}", node.options[0][1].pos)
    count = int(text, 10)
    if count >= 2 ** 63:
        raise SyntaxProblem(f"invalid count: {text}", node.options[0][1].pos)
    if name == "MATCH_LEAST" and count <= 0:
        raise SyntaxProblem(f"count in MATCH_LEAST must be positive, got: {count}", node.options[0][1].pos)
    return count


def placement(op: str, left: object, right: object, pos: int) -> None:
    """Where an element_filter may stand (VisitLogicalAnd / VisitLogicalOr): only last in ``and``;
    not left of ``or`` (Milvus's parser text), nor right of it (segcore's)."""
    if ir.ends_in_element_filter(left):
        raise SyntaxProblem(NOT_LAST_IN_AND if op == "and" else NOT_LAST_IN_OR, pos)
    if op == "or" and ir.ends_in_element_filter(right):
        raise SyntaxProblem(BELOW_OR, pos)


def no_unary(operand: object, pos: int) -> None:
    if ir.ends_in_element_filter(operand):
        raise SyntaxProblem(IN_UNARY, pos)


__all__ = ["ELEMENT_CALLS", "element_call", "no_unary", "parent", "placement", "struct_array", "struct_index",
           "sub_field"]
