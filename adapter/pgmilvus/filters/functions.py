"""Milvus's generic filter functions: a call ``name(args)`` that is none of Plan.g4's own rules.

Milvus's parser (planparserv2 VisitCall) takes any ``Identifier(expr, ...)``: it lower-cases the
name, makes each argument a plan expression and sends a CallExpr, checking neither.  The query
node's segcore looks the call up when it builds the plan (ProtoParser::ParseCallExprs), in its
FunctionFactory, by the name and the data types of the arguments, and refuses one it does not hold
with ``function NAME(TYPES) not found.`` (ExprInvalid; the client gets code 65535), each type
spelled by GetDataTypeName (``varChar``, ``int64_t``, ``json``, ...).  Master's registry:

* ``empty(VarChar)``: the value is the empty string;
* ``starts_with(VarChar, VarChar)``: the first starts with the second (bytewise).

A NULL argument makes the result NULL: the row is not selected, under ``not`` neither.  The type
of an argument is its field's (a JSON path or dynamic key: json; an ARRAY field or element, a
struct sub-field or ``$[a]``: array), a literal's (int64_t, float, bool, varChar, array), bool for
a predicate, and none for a template variable: FillExpressionValue does not enter a CallExpr, so
the variable stays without a value.

The parser's errors come first, wherever they are: a refusal here is remembered (the first in
segcore's order: arguments before their call, left before right) and raised once the whole
filter has type-checked (typecheck.check).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..types import VECTOR_TYPES, DataType
from . import ast, ir
from .errors import SyntaxProblem, segcore_problem

if TYPE_CHECKING:
    from .typecheck import Typed, _Checker

#: FunctionFactory::RegisterAllFunctions: the filter functions, by name and argument types.
REGISTRY = frozenset({("empty", (DataType.VARCHAR,)), ("starts_with", (DataType.VARCHAR, DataType.VARCHAR))})
#: GetDataTypeName (common/Types.h): segcore's spelling of each data type.
SEGCORE_NAMES = {
    DataType.NONE: "none", DataType.BOOL: "bool", DataType.INT8: "int8_t", DataType.INT16: "int16_t",
    DataType.INT32: "int32_t", DataType.INT64: "int64_t", DataType.FLOAT: "float", DataType.DOUBLE: "double",
    DataType.TIMESTAMPTZ: "timestamptz", DataType.STRING: "string", DataType.VARCHAR: "varChar",
    DataType.ARRAY: "array", DataType.JSON: "json", DataType.TEXT: "text", DataType.GEOMETRY: "geometry",
    DataType.FLOAT_VECTOR: "vector_float", DataType.BINARY_VECTOR: "vector_binary",
    DataType.FLOAT16_VECTOR: "vector_float16", DataType.BFLOAT16_VECTOR: "vector_bfloat16",
    DataType.SPARSE_FLOAT_VECTOR: "VECTOR_SPARSE_U32_F32", DataType.INT8_VECTOR: "vector_int8",
    DataType._ARRAY_OF_VECTOR: "vector_array",
}
#: The data type of a literal's GenericValue (expr::ValueExpr): a float literal is FLOAT.
_LITERAL_TYPES = {"int": DataType.INT64, "float": DataType.FLOAT, "bool": DataType.BOOL, "str": DataType.VARCHAR,
                  "list": DataType.ARRAY}
#: Fields a filter cannot name, which a call's argument can (VisitIdentifier takes any field).
_UNFILTERABLE = VECTOR_TYPES | {DataType.GEOMETRY}
#: Arguments that are arithmetic: a BinaryArithExpr, which segcore's ParseExprs has no case for.
_ARITHMETIC = "unsupported expr proto node: binary_arith_expr"


def call(checker: "_Checker", node: ast.Call) -> "ir.Pred":
    """The checked call: an ir.FunctionCall, or, when segcore would refuse it, a stand-in
    (``ir.Truth``) with the refusal remembered on ``checker`` (raised by typecheck.check)."""
    if node.options:
        raise SyntaxProblem(f"{node.spelled} takes no keyword arguments", node.pos)
    typed = [_argument(checker, arg) for arg in node.args]
    types = []
    for item, arg in zip(typed, node.args):
        dtype = _segcore_type(checker, item, arg.pos)
        if dtype is None:
            checker.refuse(segcore_problem(_ARITHMETIC))
            return ir.Truth(False)
        types.append(dtype)
    if (node.name, tuple(types)) not in REGISTRY:
        names = ", ".join(SEGCORE_NAMES.get(dtype, dtype.name) for dtype in types)
        checker.refuse(segcore_problem(f"function {node.name.lower()}({names}) not found."))
        return ir.Truth(False)
    return ir.FunctionCall(node.name, tuple(item if isinstance(item, ir.Column) else item.value for item in typed))


def _argument(checker: "_Checker", arg: ast.Node) -> "Typed | DataType":
    """An argument, typed; a vector or geometry field (no filter operand elsewhere): its type."""
    if isinstance(arg, ast.Ident):
        field = checker.schema.field(arg.name)
        if field is not None and field.dtype in _UNFILTERABLE:
            return field.dtype
    return checker.visit(arg)


def _segcore_type(checker: "_Checker", typed: "Typed | DataType", pos: int) -> Optional[DataType]:
    """The data type segcore gives an argument's plan expression; None for arithmetic."""
    from .typecheck import SHIFT_NOT_COMPARED, Value  # typecheck imports this module

    if isinstance(typed, DataType):
        return typed
    if isinstance(typed, Value):
        if typed.template:
            return DataType.NONE
        checker.no_time_constant(typed, None, pos)  # ISO / INTERVAL: only beside a TIMESTAMPTZ field
        return _LITERAL_TYPES[typed.kind]
    if isinstance(typed, ir.Column):
        return DataType.ARRAY if typed.element else typed.dtype
    if isinstance(typed, ir.JsonRef):
        return DataType.JSON
    if isinstance(typed, (ir.ArrayCol, ir.ArrayElem)):
        return DataType.ARRAY
    if isinstance(typed, (ir.Arith, ir.Length)):
        return None
    if isinstance(typed, ir.TimeShift):
        raise SyntaxProblem(SHIFT_NOT_COMPARED, pos)
    return DataType.BOOL  # a predicate
