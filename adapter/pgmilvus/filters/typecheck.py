"""Milvus's semantic rules: resolve names against the schema and type the tree.

Mirrors what Milvus's plan visitor (parser_visitor.go) accepts and rejects,
with its messages where users may recognise them:

* unknown names become ``$meta["name"]`` when the dynamic field is on,
  else ``field X not exist``;
* constants are folded (``2 + 1``, C-style ``/`` and ``%``, ``**`` is float);
* integer literals must fit int64 (Milvus parses them with strconv.ParseInt);
* ``castValue``: an INT field takes only ints (``i == 1.0`` is an error; an
  integer ARRAY element also takes ``5.0``), a VARCHAR only strings, BOOL only
  bools, FLOAT/DOUBLE ints or floats, JSON anything;
* ``%`` only on integer fields / elements / JSON values, with an integer;
* a whole JSON field compares its top-level value like a path's value;
* arithmetic only in the shape ``field op const  cmp  const``;
* the whole filter must be a predicate (a bare BOOL field is not one);
* a TIMESTAMPTZ field compares with ``ISO '<timestamp>'`` only, optionally
  moved by ``+`` / ``- INTERVAL '<ISO 8601 duration>'`` (a timestamp without an
  offset is a local time of the read's time zone: the call's ``timezone``, else
  the collection's);
* any other call ``name(args)`` is one of segcore's registry (``empty``, ``starts_with``), else its
  ``function name(types) not found.``, raised after the parser's errors (functions.py).

The output is an :mod:`.ir` predicate tree that the SQL compiler trusts.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Optional, Union

from ..data import analyzer, timestamps, wkt
from ..errors import ErrorCode
from ..schema import ddl
from ..schema.model import DYNAMIC_FIELD, CollectionSchema
from ..types import FLOAT_TYPES, GO_NAMES, INTEGER_TYPES, STRING_TYPES, VECTOR_TYPES, DataType
from . import ast, functions, fuzzy, ir, spatial, structcheck
from .errors import INT64_MAX as _INT64_MAX, INT64_MIN as _INT64_MIN, SyntaxProblem, int64_out_of_range
from .regex import RegexProblem, translate

_FLIP = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_COMPARISONS = set(_FLIP)
_ARITH = {"+", "-", "*", "/", "%", "**"}
_BIT_ERRORS = {"&": "BitAnd is not supported", "|": "BitOr is not supported",
               "^": "BitXor is not supported", "<<": "shift is not supported",
               ">>": "shift is not supported"}
_NUMERIC = INTEGER_TYPES | FLOAT_TYPES
#: Why a GEOMETRY field cannot be an operand (code 3000): Milvus's plans test geometries only with
#: ST_* functions (spatial.py) and ``is null``; the values are WKT text in PostgreSQL.
GEOMETRY_FILTERS_WHY = ("test geometries with ST_EQUALS, ST_TOUCHES, ST_OVERLAPS, ST_CROSSES, ST_CONTAINS, "
                        "ST_INTERSECTS, ST_WITHIN, ST_DWITHIN or ST_ISVALID")
_MODULO_ERROR = "modulo can only apply on integer types"
#: Kinds of the TIMESTAMPTZ constants (``ISO '...'``, ``INTERVAL '...'``): usable only with a TIMESTAMPTZ field.
_TIME_KINDS = ("iso", "interval")
_ISO_HINT = ("ISO takes 'YYYY-MM-DDTHH:MM:SS[.ffffff]' and Z, +hh:mm or no offset: a time of the query's "
             "timezone, else the collection's")
_INTERVAL_HINT = "INTERVAL takes an ISO 8601 duration of whole numbers, P[nY][nM][nD][T[nH][nM][nS]], e.g. 'P1DT2H'"
#: ``ts + INTERVAL '...'`` anywhere but compared with an ISO constant (Plan.g4 has no other place for it).
SHIFT_NOT_COMPARED = "a TIMESTAMPTZ field moved by an INTERVAL can only be compared with ISO '<timestamp>'"
#: pgmilvus shifts TIMESTAMPTZ values in Postgres timestamps (4713 BC to 294276 AD): an INTERVAL longer
#: than this (in days, months counted as 31) could leave that range for a stored value (UTC years -1..10000).
_MAX_SHIFT_DAYS = 4000 * 366


@dataclass(frozen=True, slots=True)
class Value:
    """A folded constant: ``kind`` is int/float/bool/str/list/json."""

    value: Any
    kind: str
    text: str
    template: bool = False


Typed = Union[Value, ir.Column, ir.JsonRef, ir.ArrayCol, ir.ArrayElem, ir.Length, ir.Arith, "ir.Pred"]


def kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list):
        return "list"
    return "json"


def _go_float(value: float) -> str:
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def _source(node: ast.Node) -> str:
    """A constant or a name as written (Milvus prints the operand's text in some errors)."""
    if isinstance(node, ast.Const):
        return node.text
    if isinstance(node, ast.Ident):
        return node.name
    return "an expression"


def _written(node: ast.Node) -> str:
    """An operand as Milvus's errors print it (the parser's GetText(): its tokens, no spaces)."""
    if isinstance(node, (ast.Const, ast.RegexLiteral)):
        return node.text
    if isinstance(node, (ast.Ident, ast.Path)):
        return _source_text(node)
    if isinstance(node, ast.ListExpr):
        return "[" + ",".join(_written(item) for item in node.items) + "]"
    if isinstance(node, ast.Template):
        return "{" + node.name + "}"
    if isinstance(node, ast.Unary):
        return node.op + _written(node.operand)
    if isinstance(node, ast.Binary):
        return _written(node.left) + node.op + _written(node.right)
    return "an expression"


def _source_text(node: ast.Node) -> str:
    """A name or path as written, without spaces (Milvus prints the parser's GetText())."""
    if isinstance(node, ast.Path):
        return node.base + "".join(f"[{k}]" if isinstance(k, int) else f'["{k}"]' for k in node.keys)
    return _source(node)


def generic_value_text(value: Any) -> str:
    """A list element as Milvus 2.6 prints it when a cast fails: the protobuf text of its
    GenericValue (``int64_val:0``, ``float_val:1``, ``string_val:"a"``, ``bool_val:true``)."""
    slot = {"bool": "bool_val", "int": "int64_val", "float": "float_val", "str": "string_val"}.get(kind_of(value))
    if isinstance(value, dict):  # a template's JSON object
        return json.dumps(value, ensure_ascii=False)
    return f"{slot}:{value_text(value)}" if slot else value_text(value)


def value_text(value: Any) -> str:
    """How Milvus prints a constant inside an error message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, str):
        return '"' + value + '"'
    if isinstance(value, list):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    return str(value)


def check(node: ast.Node, schema: CollectionSchema, params: Optional[dict], text: str,
          timezone: str = timestamps.DEFAULT_TIMEZONE) -> "ir.Pred":
    """Type ``node`` against ``schema``; the whole filter must be a predicate.  ``timezone``: the
    zone of an ``ISO`` timestamp written without an offset."""
    checker = _Checker(schema, params or {}, timezone)
    typed = checker.visit(node)
    if _bool_literal(typed):  # Milvus master: a standalone true / false selects every row or none
        typed = ir.Truth(typed.value)
    if not isinstance(typed, ir.PRED_TYPES):
        raise SyntaxProblem(f"predicate is not a boolean expression: {text}, data type: "
                            f"{checker.type_name(typed)}", node.pos, whole=True)  # 2.6: after parsing
    _check_random_sample(typed, node.pos, top=True)
    if checker.refused is not None:  # the parser took the filter; segcore refuses its plan
        raise checker.refused
    return typed


def resolve(node: "ast.Ident | ast.Path", schema: CollectionSchema) -> Typed:
    """What a field name or path names in ``schema`` (a column, JSON path, array or element);
    SyntaxProblem when it names nothing a filter can use."""
    return _Checker(schema, {}, timestamps.DEFAULT_TIMEZONE).visit(node)


def _is_element(target: Typed) -> bool:
    """An ARRAY field, one of its elements, or arithmetic on an element: Milvus casts a float
    constant without a fractional part to an integer element type there (5.0 -> 5)."""
    if isinstance(target, ir.Arith):
        target = target.target
    return isinstance(target, (ir.ArrayCol, ir.ArrayElem))


def _bool_literal(typed: Typed) -> bool:
    """A true / false constant (folded, not a template's value)."""
    return isinstance(typed, Value) and typed.kind == "bool" and not typed.template


def _fold_logic(op: str, left: Typed, right: Typed) -> Optional[Typed]:
    """Milvus master's short-circuit folds of a boolean literal under and / or (VisitLogicalAnd,
    VisitLogicalOr): two literals fold to one; ``true or x`` is always true, ``false and x``
    always false, and the other literal leaves ``x``.  None: nothing to fold (or a literal beside
    something that is no predicate, refused by the caller in its words)."""
    if _bool_literal(left) and _bool_literal(right):
        value = (left.value or right.value) if op == "or" else (left.value and right.value)
        return Value(value, "bool", value_text(value))
    literal, other = (left, right) if _bool_literal(left) else (right, left)
    if not _bool_literal(literal) or not isinstance(other, ir.PRED_TYPES):
        return None
    if literal.value == (op == "or"):  # true or x, false and x
        return ir.Truth(literal.value)
    return other


def _check_random_sample(pred: "ir.Pred", pos: int, top: bool) -> None:
    """random_sample must be the whole filter or the last operand of a top-level and."""
    if isinstance(pred, ir.Logic):
        for index, item in enumerate(pred.items):
            last_of_top_and = top and pred.op == "and" and index == len(pred.items) - 1
            if isinstance(item, ir.RandomSample) and last_of_top_and:
                continue
            _check_random_sample(item, pos, top=False)
    elif isinstance(pred, ir.Negate):
        _check_random_sample(pred.item, pos, top=False)
    elif isinstance(pred, ir.RandomSample) and not top:
        raise SyntaxProblem("random_sample can only be the last expression in the logical and "
                            "expression", pos)


class _Checker:
    def __init__(self, schema: CollectionSchema, params: dict, timezone: str) -> None:
        self.schema = schema
        self.params = params
        self.timezone = timezone
        #: the struct array of the element_filter / MATCH_* being checked (``$[a]`` names its sub-fields)
        self.struct: Optional[str] = None
        #: segcore's first refusal of the plan (functions.py), raised once the whole filter has checked
        self.refused: Optional[SyntaxProblem] = None

    def refuse(self, problem: SyntaxProblem) -> None:
        """Remember segcore's refusal; the parser's errors, found later in the filter, come first."""
        if self.refused is None:
            self.refused = problem

    # -- helpers ---------------------------------------------------------------------------
    @staticmethod
    def type_name(typed: Any) -> str:
        if isinstance(typed, Value):
            return {"int": "Int64", "float": "Double", "bool": "Bool", "str": "VarChar",
                    "list": "Array", "json": "JSON", "iso": "Timestamptz", "interval": "Interval"}[typed.kind]
        if isinstance(typed, ir.Column):
            return GO_NAMES.get(typed.dtype, typed.dtype.name)
        if isinstance(typed, ir.JsonRef):
            return "JSON"
        if isinstance(typed, ir.ArrayCol):
            return "Array"
        if isinstance(typed, ir.ArrayElem):
            return GO_NAMES[typed.array.element]
        if isinstance(typed, ir.Length):
            return "Int64"
        if isinstance(typed, (ir.Arith, ir.TimeShift)):
            return _Checker.type_name(typed.target)
        return "Bool"

    @staticmethod
    def element_name(typed: Any) -> str:
        if isinstance(typed, ir.ArrayCol):
            return GO_NAMES[typed.element]
        return "None"

    def mismatch(self, left: Any, right: Any, pos: int) -> SyntaxProblem:
        """Milvus 2.6's HandleCompare text (an array shows as ``Array[Int64]``)."""
        return SyntaxProblem(f"comparisons between {self.compared_name(left)} and {self.compared_name(right)} "
                             "are not supported", pos)

    def compared_name(self, typed: Any) -> str:
        name = self.type_name(typed)
        return f"{name}[{self.element_name(typed)}]" if isinstance(typed, ir.ArrayCol) else name

    @staticmethod
    def describe(typed: Any) -> str:
        if isinstance(typed, (ir.Column, ir.ArrayCol)):
            return typed.name
        if isinstance(typed, ir.JsonRef):
            base = typed.column
            if typed.dynamic and typed.keys:
                return str(typed.keys[0])
            return base
        if isinstance(typed, ir.ArrayElem):
            return typed.array.name
        if isinstance(typed, (ir.Arith, ir.TimeShift)):
            return _Checker.describe(typed.target)
        return "expression"

    # -- dispatch --------------------------------------------------------------------------
    def visit(self, node: ast.Node) -> Typed:
        method = getattr(self, "visit_" + type(node).__name__)
        return method(node)

    def visit_Const(self, node: ast.Const) -> Value:
        if isinstance(node.value, int) and not isinstance(node.value, bool) and node.value > _INT64_MAX:
            raise SyntaxProblem(int64_out_of_range(node.text), node.pos)
        return Value(node.value, kind_of(node.value), node.text)

    def visit_ListExpr(self, node: ast.ListExpr) -> Value:
        items = []
        for item in node.items:
            typed = self.visit(item)
            if not isinstance(typed, Value):
                raise SyntaxProblem("list elements must be constants", item.pos)
            self.no_time_constant(typed, None, item.pos)
            items.append(typed.value)
        text = "[" + ", ".join(value_text(v) for v in items) + "]"
        return Value(items, "list", text)

    def template_given(self, node: ast.Node, role: str = "") -> None:
        """A template ``node`` must be given in the params; Milvus's fill_expression_value names the
        template's ``role`` ("lower ", "upper ", "right operand ") where it has one."""
        if isinstance(node, ast.Template) and node.name not in self.params:
            raise SyntaxProblem(f"the {role}value of expression template variable name {{{node.name}}} is not "
                                "found (give it in filter_params)", node.pos)

    def visit_Template(self, node: ast.Template) -> Value:
        self.template_given(node)
        value = _template_value(self.params[node.name], node.name, node.pos)
        return Value(value, kind_of(value), value_text(value), template=True)

    def visit_Iso(self, node: ast.Iso) -> Value:
        return Value(node.value, "iso", node.text)   # parsed where it meets its field (timestamp)

    def visit_Interval(self, node: ast.Interval) -> Value:
        return Value(node.value, "interval", node.text)

    def visit_Ident(self, node: ast.Ident) -> Typed:
        return self.resolve(node.name, (), node.pos)

    def visit_Path(self, node: ast.Path) -> Typed:
        return self.resolve(node.base, node.keys, node.pos)

    def visit_StructField(self, node: ast.StructField) -> Typed:
        return structcheck.struct_array(self, node.struct, node.sub, node.pos)

    def visit_StructIndex(self, node: ast.StructIndex) -> Typed:
        return structcheck.struct_index(self, node)

    def visit_SubField(self, node: ast.SubField) -> Typed:
        return structcheck.sub_field(self, node)

    def resolve(self, name: str, keys: tuple, pos: int) -> Typed:
        dynamic = self.schema.enable_dynamic_field
        if name == DYNAMIC_FIELD:
            if not dynamic:
                raise SyntaxProblem(f"field {name} not exist", pos)
            return ir.JsonRef(DYNAMIC_FIELD, keys, False, True)
        field = self.schema.field(name)
        if field is None:
            if not dynamic:
                raise SyntaxProblem(f"field {name} not exist", pos)
            return ir.JsonRef(DYNAMIC_FIELD, (name,) + keys, False, True)
        dtype = field.dtype
        if dtype == DataType.JSON:
            return ir.JsonRef(name, keys, bool(field.nullable), False)
        if dtype == DataType.ARRAY:
            array = ir.ArrayCol(name, field.element_type, field.max_length, bool(field.nullable))
            if not keys:
                return array
            if len(keys) != 1 or not isinstance(keys[0], int):
                raise SyntaxProblem(f"array field {name} can only be accessed with one integer "
                                    f"index, like {name}[0]", pos)
            return ir.ArrayElem(array, keys[0])
        if keys:
            raise SyntaxProblem(f"{GO_NAMES.get(dtype, dtype.name)} data type not supported "
                                f"accessed with []", pos)
        if dtype in VECTOR_TYPES:
            raise SyntaxProblem(f"field {name} of type {GO_NAMES.get(dtype, dtype.name)} cannot be "
                                f"used in a filter expression", pos)
        if dtype == DataType.GEOMETRY:
            raise SyntaxProblem(f"field {name} of type Geometry can only be tested with is null / is not "
                                f"null or a spatial function: {GEOMETRY_FILTERS_WHY}", pos, code=ErrorCode.UNSUPPORTED)
        return ir.Column(name, dtype, bool(field.nullable))

    # -- operators -------------------------------------------------------------------------
    def visit_Unary(self, node: ast.Unary) -> Typed:
        if node.op == "-" and isinstance(node.operand, ast.Const) and node.operand.value == -_INT64_MIN:
            # -9223372036854775808: the one literal whose digits alone leave int64
            return Value(_INT64_MIN, "int", value_text(_INT64_MIN))
        operand = self.visit(node.operand)
        structcheck.no_unary(operand, node.pos)
        if node.op == "not":
            if _bool_literal(operand):  # folded, as Milvus master's Not of a constant
                return Value(not operand.value, "bool", value_text(not operand.value))
            if not isinstance(operand, ir.PRED_TYPES):
                raise SyntaxProblem("not op can only be applied on boolean expression", node.pos)
            if isinstance(operand, ir.Negate):
                return operand.item
            return ir.Negate(operand)
        if node.op == "~":
            raise SyntaxProblem("BNOT is not supported", node.pos)
        if not isinstance(operand, Value):
            raise SyntaxProblem(f"unexpected op: {node.op}", node.pos)
        if operand.kind not in ("int", "float"):
            raise SyntaxProblem(f"unary {node.op} can only be applied to numbers", node.pos)
        value = -operand.value if node.op == "-" else operand.value
        if isinstance(value, int) and not _INT64_MIN <= value <= _INT64_MAX:
            raise SyntaxProblem(f"integer {value} is out of range of int64", node.pos)
        return Value(value, operand.kind, value_text(value), operand.template)

    def visit_Binary(self, node: ast.Binary) -> Typed:
        op = node.op
        if op in _BIT_ERRORS:
            raise SyntaxProblem(_BIT_ERRORS[op], node.pos)
        vectors = [self.vector_type(node.left), self.vector_type(node.right)]
        if op in _COMPARISONS and any(vectors):  # HandleCompare: a column compared with a vector field
            names = [v or self.compared_name(self.visit(side)) for v, side in zip(vectors, (node.left, node.right))]
            raise SyntaxProblem(f"comparisons between {names[0]} and {names[1]} are not supported", node.pos)
        if op in _ARITH:
            self.operand_template_given(node)
        left = self.visit(node.left)
        right = self.visit(node.right)
        if op in ("and", "or"):
            return self.logic(op, left, right, node.pos)
        if op in _ARITH:
            return self.arith(op, left, right, node.pos)
        return self.comparison(op, left, right, node.pos)

    def operand_template_given(self, node: ast.Binary) -> None:
        """A field's arithmetic operand that is a template nobody gave: Milvus fills it in after the
        parse, in FillBinaryArithOpEvalRangeExpressionValue's words (two constants are the parse's
        own refusal, arith)."""
        for side, other in ((node.right, node.left), (node.left, node.right)):
            if not isinstance(other, (ast.Const, ast.Template)):
                self.template_given(side, "right operand ")

    def vector_type(self, node: ast.Node) -> Optional[str]:
        """The Go name of a vector field ``node`` names bare, else None: Milvus's parser types such a
        field and refuses it where it is used, in that operation's words."""
        field = self.schema.field(node.name) if isinstance(node, ast.Ident) else None
        return GO_NAMES.get(field.dtype, field.dtype.name) if field is not None and field.dtype in VECTOR_TYPES \
            else None

    def logic(self, op: str, left: Typed, right: Typed, pos: int) -> "Typed":
        structcheck.placement(op, left, right, pos)
        folded = _fold_logic(op, left, right)
        if folded is not None:
            return folded
        for side in (left, right):
            if not isinstance(side, ir.PRED_TYPES):
                raise SyntaxProblem(f"{op} op can only be applied on boolean expression", pos)
        items: list = []
        for side in (left, right):
            if isinstance(side, ir.Logic) and side.op == op:
                items.extend(side.items)
            else:
                items.append(side)
        return ir.Logic(op, tuple(items))

    def arith(self, op: str, left: Typed, right: Typed, pos: int) -> Typed:
        if isinstance(left, Value) and isinstance(right, Value):
            _no_template_between_constants(op, left, right, pos)
            return _fold(op, left, right, pos)
        if op == "**":
            raise SyntaxProblem("power can only apply on constants", pos)
        for side in (left, right):
            if isinstance(side, ir.PRED_TYPES):
                raise SyntaxProblem(f"arithmetic operation {op} cannot be applied to a boolean "
                                    f"expression", pos)
            if isinstance(side, (ir.Arith, ir.TimeShift)):
                raise SyntaxProblem("complicated arithmetic operations are not supported", pos)
        if any(isinstance(side, Value) and side.kind in _TIME_KINDS for side in (left, right)):
            return self.time_shift(op, left, right, pos)
        if not isinstance(left, Value) and not isinstance(right, Value):
            raise SyntaxProblem("not supported to do arithmetic operations between multiple fields",
                                pos)
        if isinstance(left, Value):
            if op not in ("+", "*"):
                raise SyntaxProblem("module field is not yet supported", pos)
            left, right = right, left
        target = left
        if not self.arith_target(target):
            raise SyntaxProblem(f"arithmetic operations are not supported on "
                                f"{self.describe(target)} of type {self.type_name(target)}", pos)
        if op == "%" and not (self.integer_operand(target) and right.kind == "int"):
            raise SyntaxProblem(_MODULO_ERROR, pos)
        value = self.cast(target, right, pos)
        if op in ("/", "%") and value == 0:
            raise SyntaxProblem("division or modulus by zero", pos)
        return ir.Arith(target, op, value)

    def time_shift(self, op: str, left: Typed, right: Typed, pos: int) -> ir.TimeShift:
        """``ts + INTERVAL 'P1D'`` / ``ts - INTERVAL '...'`` (Plan.g4's TimestamptzCompare forms)."""
        if not isinstance(right, Value) or right.kind != "interval":
            constant = left if isinstance(left, Value) else right
            raise SyntaxProblem(f"{constant.text} can only follow a TIMESTAMPTZ field and + or -, as in "
                                f"ts + INTERVAL 'P1D' > ISO '2025-01-01T00:00:00Z'", pos)
        if not self.is_time_column(left):
            raise SyntaxProblem(f"field '{self.describe(left)}' is not a timestamptz datatype", pos)
        if op not in ("+", "-"):
            raise SyntaxProblem(f"an INTERVAL can only be added (+) or subtracted (-), got {op}", pos)
        parts = timestamps.parse_duration(right.value)
        if isinstance(parts, str):
            raise SyntaxProblem(f"{parts} ({_INTERVAL_HINT})", pos)
        years, months, days, hours, minutes, seconds = parts
        months += 12 * years
        seconds += 3600 * hours + 60 * minutes
        if months * 31 + days + seconds / 86400 > _MAX_SHIFT_DAYS:
            raise SyntaxProblem(f"{right.text} is longer than pgmilvus supports (about 4000 years)", pos)
        sign = 1 if op == "+" else -1
        return ir.TimeShift(left, sign * months, sign * days, sign * seconds)

    @staticmethod
    def is_time_column(typed: Typed) -> bool:
        return isinstance(typed, ir.Column) and typed.dtype == DataType.TIMESTAMPTZ

    def no_time_constant(self, value: Value, target: Typed, pos: int) -> None:
        """An ISO or INTERVAL constant anywhere but with a TIMESTAMPTZ field: Milvus's text when a
        field is named, else ours (Plan.g4 has no other place for them)."""
        if value.kind not in _TIME_KINDS:
            return
        if target is not None and not isinstance(target, Value) and value.kind == "iso":
            raise SyntaxProblem(f"field '{self.describe(target)}' is not a timestamptz datatype", pos)
        raise SyntaxProblem(f"{value.text} can only be compared with a TIMESTAMPTZ field, as in "
                            f"ts > ISO '2025-01-01T00:00:00Z'", pos)

    def timestamp(self, value: Value, pos: int) -> Any:
        """An ISO constant as its instant (timestamps.parse; a time without an offset is in ``self.timezone``);
        any other value: a TIMESTAMPTZ field compares with ISO constants only."""
        if value.kind != "iso":
            raise SyntaxProblem(f"a TIMESTAMPTZ field is compared with ISO '<timestamp>', as in ts > ISO "
                                f"'2025-01-01T00:00:00Z', got {value.text}", pos)
        parsed = timestamps.parse(value.value, self.timezone)
        if parsed is None:
            raise SyntaxProblem(f"{timestamps.parse_problem(value.value)} ({_ISO_HINT})", pos)
        return parsed

    @staticmethod
    def arith_target(target: Typed) -> bool:
        if isinstance(target, ir.Column):
            return target.dtype in _NUMERIC
        if isinstance(target, ir.JsonRef):
            return True  # a path's value, or the whole field's top-level value, per row
        if isinstance(target, ir.ArrayElem):
            return target.array.element in _NUMERIC
        return False

    @staticmethod
    def integer_operand(target: Typed) -> bool:
        """Milvus's canConvertToIntegerType: integer fields and elements, and JSON (checked per row)."""
        if isinstance(target, ir.Column):
            return target.dtype in INTEGER_TYPES
        if isinstance(target, ir.ArrayElem):
            return target.array.element in INTEGER_TYPES
        return isinstance(target, ir.JsonRef)

    def comparison(self, op: str, left: Typed, right: Typed, pos: int) -> Typed:
        if isinstance(left, Value) and isinstance(right, Value):
            _no_template_between_constants(op, left, right, pos)
            for side in (left, right):
                self.no_time_constant(side, None, pos)
            return _fold_comparison(op, left, right, pos, self)
        if isinstance(left, ir.PRED_TYPES) or isinstance(right, ir.PRED_TYPES):
            raise self.mismatch(left, right, pos)
        if isinstance(right, Value):
            return self.compare(op, left, right, pos)
        if isinstance(left, Value):
            return self.compare(_FLIP[op], right, left, pos)
        if isinstance(left, ir.Arith) or isinstance(right, ir.Arith):
            raise SyntaxProblem("only comparison between two fields is supported", pos)
        if isinstance(left, ir.TimeShift) or isinstance(right, ir.TimeShift):
            raise SyntaxProblem(SHIFT_NOT_COMPARED, pos)
        return self.compare_columns(op, left, right, pos)

    def compare(self, op: str, target: Typed, value: Value, pos: int) -> "ir.Pred":
        if isinstance(target, ir.TimeShift) or self.is_time_column(target):
            return ir.Compare(op, target, self.timestamp(value, pos))
        self.no_time_constant(value, target, pos)
        if isinstance(target, ir.JsonRef):
            if value.kind in ("list", "json") and op not in ("==", "!="):
                raise SyntaxProblem(f"operator {op} cannot compare JSON with {self.type_name(value)}",
                                    pos)
            return ir.Compare(op, target, value.value)
        if isinstance(target, ir.ArrayCol):
            if op not in ("==", "!=") or value.kind != "list":
                raise SyntaxProblem("can not comparisons array fields directly", pos)
            items = tuple(self.cast_list_item(target, v, value_text(v), pos) for v in value.value)
            return ir.Compare(op, target, items)
        if isinstance(target, ir.Arith) and self.scalar_type(target) is None and value.kind in ("list", "json"):
            # Milvus's parser passes it (castValue takes anything for JSON) and segcore's JSON
            # arithmetic then fails on the value's type; a jsonpath has no array or object literal
            raise SyntaxProblem(f"comparisons between JSON arithmetic and {self.type_name(value)} are not "
                                "supported", pos)
        return ir.Compare(op, target, self.cast(target, value, pos))

    def compare_columns(self, op: str, left: Typed, right: Typed, pos: int) -> "ir.Pred":
        if isinstance(left, ir.JsonRef) or isinstance(right, ir.JsonRef):
            raise SyntaxProblem("two column comparison with JSON type is not supported", pos)
        if not isinstance(left, ir.Column) or not isinstance(right, ir.Column):
            raise SyntaxProblem("comparison between two fields is only supported on scalar fields",
                                pos)
        families = []
        for col in (left, right):
            if col.dtype in _NUMERIC:
                families.append("number")
            elif col.dtype in STRING_TYPES:
                families.append("string")
            else:
                families.append(col.dtype)
        if families[0] != families[1]:
            raise self.mismatch(left, right, pos)
        return ir.CompareColumns(op, left, right)

    # -- value casting (Milvus castValue) --------------------------------------------------
    def scalar_type(self, target: Typed) -> Optional[DataType]:
        """The data type a constant must be cast to, None for JSON."""
        if isinstance(target, ir.Column):
            return target.dtype
        if isinstance(target, ir.ArrayElem):
            return target.array.element
        if isinstance(target, ir.Arith):
            return self.scalar_type(target.target)
        if isinstance(target, ir.Length):
            return DataType.INT64
        return None

    def cast(self, target: Typed, value: Value, pos: int) -> Any:
        dtype = self.scalar_type(target)
        if dtype is None:  # JSON accepts anything
            self.no_time_constant(value, target, pos)
            return value.value
        return self.cast_to(dtype, target, value, pos)

    def cast_to(self, dtype: DataType, target: Typed, value: Value, pos: int) -> Any:
        kind = value.kind
        if dtype == DataType.TIMESTAMPTZ:
            return self.timestamp(value, pos)
        self.no_time_constant(value, target, pos)
        if dtype in INTEGER_TYPES:
            if kind == "int":
                return value.value
            if kind == "float":
                if _is_element(target) and value.value.is_integer() and \
                        _INT64_MIN <= value.value <= _INT64_MAX:
                    return int(value.value)  # nums[0] == 5.0: Milvus casts to the element type
                raise SyntaxProblem(f"cannot cast value to {GO_NAMES[dtype]}, value: "
                                    f"float_val:{_go_float(value.value)}", pos)
        elif dtype in FLOAT_TYPES:
            if kind in ("int", "float"):
                return float(value.value) if kind == "float" else value.value
        elif dtype in STRING_TYPES:
            if kind == "str":
                return value.value
        elif dtype == DataType.BOOL:
            if kind == "bool":
                return value.value
        if value.template:  # typed when Milvus fills the template in (castValue), not by HandleCompare
            raise SyntaxProblem(f"cannot cast value to {GO_NAMES.get(dtype, dtype.name)}, value: "
                                f"{generic_value_text(value.value)}", pos)
        raise self.mismatch(target, value, pos)

    def cast_list_item(self, target: Typed, item: Any, text: str, pos: int) -> Any:
        """One element of an ``in`` list or array literal; Milvus's list message."""
        if isinstance(target, ir.ArrayCol):
            dtype: Optional[DataType] = target.element
        else:
            dtype = self.scalar_type(target)
        if dtype is None:
            if kind_of(item) in ("list", "json"):
                raise SyntaxProblem(f"value '{text}' in list cannot be compared with a JSON value "
                                    f"(nested lists and objects are not supported in 'in')", pos)
            return item
        try:
            return self.cast_to(dtype, target, Value(item, kind_of(item), text), pos)
        except SyntaxProblem:
            raise SyntaxProblem(f"value '{generic_value_text(item)}' in list cannot be casted to "
                                f"{GO_NAMES.get(dtype, dtype.name)}", pos) from None

    # -- other constructs ------------------------------------------------------------------
    def visit_Range(self, node: ast.Range) -> "ir.Pred":
        if isinstance(node.target, ast.SubField):  # VisitRange's own words outside element_filter
            target: Typed = structcheck.sub_field(self, node.target, in_range=True)
        else:
            target = self.visit(node.target)
        if isinstance(target, ir.ArrayCol):
            raise SyntaxProblem("can not comparisons array fields directly", node.pos)
        low_high = (node.lower, node.upper) if node.op1 in ("<", "<=") else (node.upper, node.lower)
        for role, bound in zip(("lower ", "upper "), low_high):  # FillBinaryRangeExpressionValue's words
            self.template_given(bound, role)
        bounds = []
        for bound in (node.lower, node.upper):
            typed = self.visit(bound)
            if not isinstance(typed, Value):
                raise SyntaxProblem("the bounds of a range expression must be constants", bound.pos)
            if isinstance(target, ir.JsonRef) and typed.kind in ("list", "json"):
                raise SyntaxProblem("range bounds must be numbers or strings", bound.pos)
            bounds.append(self.cast(target, typed, bound.pos))
        first, second = bounds
        if node.op1 in ("<", "<="):
            return ir.Between(target, first, node.op1 == "<=", second, node.op2 == "<=")
        return ir.Between(target, second, node.op2 == ">=", first, node.op1 == ">=")

    def visit_In(self, node: ast.In) -> "ir.Pred":
        vector = self.vector_type(node.target)
        if vector and isinstance(node.values, ast.ListExpr) and node.values.items:
            first = node.values.items[0]
            raise SyntaxProblem(f"value '{_written(first)}' in list cannot be casted to {vector}", first.pos)
        target = self.visit(node.target)
        if not isinstance(target, (ir.Column, ir.JsonRef, ir.ArrayElem)):
            raise SyntaxProblem("the left operand of 'in' must be a field, a JSON path or an array "
                                "element", node.pos)
        if isinstance(node.values, ast.ListExpr):
            values = []
            for item in node.values.items:
                typed = self.visit(item)
                if not isinstance(typed, Value):
                    raise SyntaxProblem("list elements must be constants", item.pos)
                if self.is_time_column(target) or typed.kind in _TIME_KINDS:
                    values.append(self.cast(target, typed, item.pos))  # ISO constants: pgmilvus's extension
                    continue
                values.append(self.cast_list_item(target, typed.value, typed.text, item.pos))
        elif isinstance(node.values, ast.Template):
            typed = self.visit(node.values)
            if typed.kind != "list":
                raise SyntaxProblem(f"the value of term expression template variable {{{node.values.name}}} is "
                                    "not array", node.values.pos)
            if self.is_time_column(target):
                raise SyntaxProblem(f"a TIMESTAMPTZ field is compared with ISO '<timestamp>', got the "
                                    f"template {{{node.values.name}}}", node.values.pos)
            values = [self.cast_list_item(target, v, value_text(v), node.values.pos)
                      for v in typed.value]
        else:
            raise SyntaxProblem(f"the right-hand side of 'in' must be a list, but got: "
                                f"{_source(node.values)} (give a list like [1, 2] or a template)",
                                node.values.pos)
        return ir.InList(target, tuple(values), node.negated)

    def visit_Like(self, node: ast.Like) -> "ir.Pred":
        target = self.visit(node.target)
        ok = (isinstance(target, ir.Column) and target.dtype in STRING_TYPES) or \
             isinstance(target, ir.JsonRef) or \
             (isinstance(target, ir.ArrayElem) and target.array.element in STRING_TYPES)
        if not ok:
            raise SyntaxProblem("like operation on non-string or no-json field is unsupported",
                                node.pos)
        pattern = self.visit(node.pattern)
        if isinstance(node.pattern, ast.Template) and isinstance(pattern, Value) and pattern.kind != "str":
            raise SyntaxProblem(f"the value of like expression template variable {{{node.pattern.name}}} is not "
                                "string", node.pattern.pos)  # FillExpressionValue's words
        if not isinstance(pattern, Value) or pattern.kind != "str":
            raise SyntaxProblem("the pattern of like must be a string", node.pattern.pos)
        return ir.LikeMatch(target, pattern.value)

    def visit_Regex(self, node: ast.Regex) -> "ir.Pred":
        """``target =~ pattern`` / ``!~`` (Milvus master's VisitRegexMatch / VisitRegexNotMatch, its
        checks in its order and words; ``!~`` is ``not (=~)``)."""
        target = self.visit(node.target)
        if not isinstance(target, (ir.Column, ir.JsonRef, ir.ArrayCol, ir.ArrayElem)):
            raise SyntaxProblem("regex match on complicated expr is unsupported", node.pos)
        if isinstance(target, ir.ArrayCol):
            raise SyntaxProblem("can not comparisons array fields directly", node.pos)
        if not (isinstance(target, ir.JsonRef) or
                (isinstance(target, ir.Column) and target.dtype in STRING_TYPES) or
                (isinstance(target, ir.ArrayElem) and target.array.element in STRING_TYPES)):
            raise SyntaxProblem("regex match on non-string or non-json field is unsupported", node.pos)
        pattern = self.regex_pattern(node.pattern)
        try:
            regex = translate(pattern)
        except RegexProblem as problem:
            raise SyntaxProblem(f"invalid regex pattern: {problem.detail}", node.pattern.pos) from None
        pred = ir.RegexMatch(target, pattern, regex)
        return ir.Negate(pred) if node.negated else pred

    def regex_pattern(self, node: ast.Node) -> str:
        """The pattern right of ``=~``: a string literal or a template variable holding a string."""
        if isinstance(node, ast.RegexLiteral):
            return node.pattern
        typed = self.visit(node)
        if isinstance(typed, Value) and typed.template and isinstance(node, ast.Template):
            if typed.kind != "str":
                raise SyntaxProblem(f"the value of regex expression template variable {{{node.name}}} is not "
                                    f"string", node.pos)
            return typed.value
        raise SyntaxProblem(f"regex pattern should be a string literal or template variable, got: "
                            f"{_written(node)}", node.pos)

    def visit_Exists(self, node: ast.Exists) -> "ir.Pred":
        target = self.visit(node.operand)
        if not isinstance(target, (ir.Column, ir.JsonRef, ir.ArrayCol, ir.ArrayElem)):  # VisitExists
            raise SyntaxProblem(f"exists operations are only supported on single fields now, got: "
                                f"{node.operand_text}", node.pos)
        if not isinstance(target, ir.JsonRef):
            dtype = target.dtype if isinstance(target, ir.Column) else DataType.ARRAY
            raise SyntaxProblem(f"exists operations are only supportted on json field, got:"
                                f"{GO_NAMES.get(dtype, dtype.name)}", node.pos)
        if not target.keys:
            raise SyntaxProblem("exists operations are only supportted on json key", node.pos)
        return ir.KeyExists(target)

    def visit_IsNull(self, node: ast.IsNull) -> "ir.Pred":
        struct = structcheck.parent(self, node.target)
        if struct is not None:  # `S is null`: the struct array (every sub-field column) is NULL
            return ir.NullTest(struct, node.negated)
        if isinstance(node.target, ast.Ident):
            field = self.schema.field(node.target.name)
            if field is not None and field.dtype in VECTOR_TYPES:  # Milvus 2.6's parser words
                raise SyntaxProblem("IsNull/IsNotNull operations are not supported on vector fields", node.pos)
            if field is not None and field.dtype == DataType.GEOMETRY:
                return ir.NullTest(ir.Column(field.name, field.dtype, bool(field.nullable)), node.negated)
        target = self.visit(node.target)
        if isinstance(target, ir.ArrayElem):
            raise SyntaxProblem("IsNull/IsNotNull operations are not supported on array element access, got: "
                                f"{_source_text(node.target)}", node.pos)
        if isinstance(target, ir.JsonRef) and target.keys:
            # Milvus 2.6 rewrites `path is null` to `not exists path`.
            exists = ir.KeyExists(target)
            return exists if node.negated else ir.Negate(exists)
        if isinstance(target, ir.JsonRef) and target.dynamic:
            raise SyntaxProblem("$meta cannot be tested with is null", node.pos)
        if not isinstance(target, (ir.Column, ir.JsonRef, ir.ArrayCol)):
            raise SyntaxProblem("is null can only be applied to a field or a JSON path", node.pos)
        return ir.NullTest(target, node.negated)

    # -- functions -------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> Typed:
        name = node.name
        if name in ("json_contains", "array_contains", "json_contains_all", "array_contains_all",
                    "json_contains_any", "array_contains_any"):
            return self.contains(node)
        if name == "array_length":
            return self.array_length(node)
        if name == "text_match":
            return self.text_match(node)
        if name == "phrase_match":
            return self.phrase_match(node)
        if name == "text_match_fuzzy":
            return fuzzy.text_match_fuzzy(self, node)
        if name == "random_sample":
            return self.random_sample(node)
        if name in spatial.NAMES:
            return self.spatial(node)
        if name in structcheck.ELEMENT_CALLS:
            return structcheck.element_call(self, node)
        return functions.call(self, node)

    def spatial(self, node: ast.Call) -> "ir.Pred":
        """``ST_<op>(field, wkt[, distance])``, checked as Milvus's parser visitor checks it
        (VisitSpatialBinary, VisitSTDWithin, VisitSTIsValid) and its template filling."""
        name = node.name
        count = 1 if name == "st_isvalid" else 3 if name == "st_dwithin" else 2
        if len(node.args) != count or node.options:
            raise SyntaxProblem(f"{node.spelled} takes {count} argument{'s' if count > 1 else ''}, got "
                                f"{len(node.args)}", node.pos)
        target = node.args[0]
        field = self.schema.field(target.name) if isinstance(target, ast.Ident) else None
        if field is None or field.dtype != DataType.GEOMETRY:
            if field is None and isinstance(target, (ast.Ident, ast.Path)):
                self.visit(target)  # a field that does not exist: Milvus's own text
            whole = f"{node.spelled}({','.join(node.arg_texts)})"
            what = {"st_isvalid": "STIsValid", "st_dwithin": "ST_DWITHIN"}.get(name, "spatial")
            raise SyntaxProblem(f"{what} operation are only supported on geometry fields now, got: {whole}",
                                node.pos)
        if name == "st_isvalid":
            return ir.Spatial(name, field.name)
        text = self.wkt_argument(node, 1)
        try:
            parsed = wkt.parse(text)
        except wkt.WKTError as exc:
            raise SyntaxProblem(str(exc), node.args[1].pos) from None
        if name != "st_dwithin":
            return ir.Spatial(name, field.name, text)
        if parsed.kind != "POINT":
            raise SyntaxProblem(f"only supports POINT geometry: {text}", node.args[1].pos)
        return ir.Spatial(name, field.name, text, self.distance_argument(node))

    def wkt_argument(self, node: ast.Call, index: int) -> str:
        """A spatial function's WKT: a string literal or a template variable holding a string."""
        arg = node.args[index]
        value = self.visit(arg) if isinstance(arg, (ast.Const, ast.Template)) else None
        if isinstance(value, Value) and value.template and value.kind != "str":
            raise SyntaxProblem(f"the value of GIS WKT template variable {{{arg.name}}} is not string", arg.pos)
        if not isinstance(value, Value) or value.kind != "str":
            raise SyntaxProblem(f"WKT string should be a string literal or template variable, got: "
                                f"{node.arg_texts[index]}", arg.pos)
        return value.value

    def distance_argument(self, node: ast.Call) -> float:
        """ST_DWITHIN's distance: a constant int or float, not negative."""
        arg = node.args[2]
        value = self.visit(arg)
        if not isinstance(value, Value):
            raise SyntaxProblem(f"distance parameter must be a constant numeric value, got: {node.arg_texts[2]}",
                                arg.pos)
        if value.kind not in ("int", "float"):
            raise SyntaxProblem(f"distance parameter must be a numeric value (int or float), got: "
                                f"{node.arg_texts[2]}", arg.pos)
        if value.value < 0:
            raise SyntaxProblem(f"distance parameter must be non-negative, got: {float(value.value):f}", arg.pos)
        return float(value.value)

    def args(self, node: ast.Call, count: int, optional: int = 0) -> list[Typed]:
        if not count <= len(node.args) <= count + optional:
            raise SyntaxProblem(f"{node.spelled} takes {count}"
                                f"{'-' + str(count + optional) if optional else ''} arguments, got "
                                f"{len(node.args)}", node.pos)
        if node.options and node.name != "text_match":
            raise SyntaxProblem(f"{node.spelled} takes no keyword arguments", node.pos)
        return [self.visit(arg) for arg in node.args]

    def contains(self, node: ast.Call) -> "ir.Pred":
        target, value = self.args(node, 2)
        mode = "all" if node.name.endswith("_all") else "any" if node.name.endswith("_any") else "one"
        if not isinstance(target, (ir.JsonRef, ir.ArrayCol)) or (
                isinstance(target, ir.ArrayCol) and target.element in VECTOR_TYPES):
            raise SyntaxProblem(f"contains operation are only supported on json or array fields now, "
                                f"got: {self.describe(target)}", node.pos)
        if not isinstance(value, Value):
            raise SyntaxProblem("the second argument of contains operations must be a constant",
                                node.args[1].pos)
        self.no_time_constant(value, None, node.args[1].pos)
        if mode == "one":
            values = (value.value,)
        else:
            if value.kind != "list":
                raise SyntaxProblem(f"Contains{mode.capitalize()} operation element must be an array",
                                    node.pos)  # 2.6's JSONContainsExpr_JSONOp names
            values = tuple(value.value)
        if isinstance(target, ir.ArrayCol):
            checked = []
            for item in values:
                typed = Value(item, kind_of(item), value_text(item))
                try:
                    checked.append(self.cast_to(target.element, target, typed, node.pos))
                except SyntaxProblem:
                    if typed.kind == "float" and target.element in INTEGER_TYPES:
                        raise  # 5.5 on an integer array: castValue's message, as Milvus
                    raise SyntaxProblem(f"contains operation can't compare between array element "
                                        f"type: {GO_NAMES[target.element]} and "
                                        f"{self.type_name(Value(item, kind_of(item), ''))}",
                                        node.pos) from None
            values = tuple(checked)
        return ir.Contains(mode, target, values)

    def array_length(self, node: ast.Call) -> ir.Length:
        if len(node.args) == 1 and isinstance(node.args[0], (ast.StructIndex, ast.SubField)):
            raise SyntaxProblem(f"mismatched input '{node.arg_texts[0]}' expecting {{Identifier, JSONIdentifier, "
                                "StructFieldIdentifier}", node.args[0].pos)  # Plan.g4's ArrayLength
        struct = structcheck.parent(self, node.args[0]) if len(node.args) == 1 else None
        if struct is not None:  # array_length(S): its elements, counted on the first sub-field
            return ir.Length(struct)
        (target,) = self.args(node, 1)
        if not isinstance(target, (ir.JsonRef, ir.ArrayCol)):
            raise SyntaxProblem(f"array_length operation are only supported on array or json "
                                f"fields, got: {self.describe(target)}", node.pos)
        return ir.Length(target)

    def text_column(self, node: ast.Call, target: Typed) -> ir.Column:
        """The field of text_match / phrase_match / text_match_fuzzy: a string field with
        enable_match (Milvus's parseTextMatchOperand, its texts: "text match fuzzy operation ...")."""
        if not isinstance(node.args[0], ast.Ident) or not isinstance(target, ir.Column) \
                or target.dtype not in STRING_TYPES:
            raise SyntaxProblem(f"{node.name.replace('_', ' ')} operation on non-string is unsupported",
                                node.args[0].pos)
        field = self.schema.field(target.name)
        if not field.params.get("enable_match"):
            raise SyntaxProblem(f'field "{target.name}" does not enable match', node.pos)
        return target

    def text_query(self, node: ast.Call, query: Typed) -> str:
        """The query of a text_match-like call: a string literal or template (Milvus's
        parseStringLiteralOrTemplate, its text)."""
        if not isinstance(query, Value) or query.kind != "str":
            raise SyntaxProblem(f"{node.name} query should be a string literal or template variable, got: "
                                f"{node.arg_texts[1]}", node.args[1].pos)
        return query.value

    def text_match(self, node: ast.Call) -> "ir.Pred":
        target, query = self.args(node, 2)
        column = self.text_column(node, target)
        text = self.text_query(node, query)
        minimum, minimum_pos = 1, None
        for key, option in node.options:
            opt = self.visit(option)
            if key != "minimum_should_match":
                raise SyntaxProblem(f"unknown option {key} of text_match", option.pos)
            if not isinstance(opt, Value) or opt.kind != "int" or not 1 <= opt.value <= 1000:
                raise SyntaxProblem("minimum_should_match should be an integer in [1, 1000]",
                                    option.pos)
            minimum, minimum_pos = opt.value, option.pos
        chosen = analyzer.for_field(self.schema.field(column.name))
        if column.name in self.schema.token_fields:
            terms: Optional[str] = ddl.match_column(column.name)
        else:  # a collection made before pgmilvus stored tokens: a BM25 function's terms, if any
            terms = next((out for out, source in self.schema.bm25_outputs.items() if source.name == column.name),
                         None)
        if terms is not None:  # the analyzer's own tokens, matched against the stored ones
            return ir.TextMatch(column.name, text, terms, tuple(chosen.tokens(text)), minimum)
        if minimum != 1:
            raise SyntaxProblem(f"minimum_should_match other than 1 is not supported by pgmilvus on field "
                                f"{column.name}: its collection was made before pgmilvus stored a text_match "
                                "field's tokens", minimum_pos)
        self.parser_can_split(node, column.name, chosen)
        return ir.TextMatch(column.name, text)

    @staticmethod
    def parser_can_split(node: ast.Call, field: str, chosen: "analyzer.Analyzer") -> None:
        """Postgres's parser (the fallback without stored tokens) splits as the standard and
        whitespace tokenizers roughly do, not as a dictionary (jieba, icu): those are refused."""
        if not isinstance(chosen.split, analyzer.Regex):
            raise SyntaxProblem(f"{node.spelled} on field {field}, analyzed by {chosen.split.name}, is not supported "
                                "by pgmilvus on a collection made before it stored a text_match field's tokens "
                                "(compact() stores them)", node.pos, code=ErrorCode.UNSUPPORTED)

    def phrase_match(self, node: ast.Call) -> "ir.Pred":
        typed = self.args(node, 2, optional=1)
        column = self.text_column(node, typed[0])
        phrase = self.text_query(node, typed[1])
        slop = 0
        if len(typed) == 3:  # Milvus's parser (VisitPhraseMatch): a uint32 constant
            given = typed[2]
            if not isinstance(given, Value) or given.kind != "int":
                raise SyntaxProblem('"slop" should be a const integer expression with "uint32" value',
                                    node.args[2].pos)
            if given.value < 0:
                raise SyntaxProblem(f'"slop" should not be a negative interger. "slop" passed: {given.value}',
                                    node.args[2].pos)
            if given.value > 0xFFFFFFFF:
                raise SyntaxProblem(f'"slop" exceeds the range of "uint32". "slop" expression passed: '
                                    f'{given.value}', node.args[2].pos)
            slop = given.value
        chosen = analyzer.for_field(self.schema.field(column.name))
        if column.name in self.schema.token_fields:
            # tantivy's PhraseQuery sorts its terms by offset (stably); one term or none: a text match
            terms = sorted(chosen.sequence(phrase), key=lambda pair: pair[1])
            if len(terms) <= 1:
                return ir.TextMatch(column.name, phrase, ddl.match_column(column.name),
                                    tuple(t for t, _ in terms))
            return ir.PhraseMatch(column.name, phrase, ddl.match_column(column.name),
                                  tuple(t for t, _ in terms), tuple(p for _, p in terms), slop)
        self.parser_can_split(node, column.name, chosen)
        if slop != 0:
            raise SyntaxProblem(f"phrase_match with slop > 0 is not supported by pgmilvus on field {column.name}: "
                                "its collection was made before pgmilvus stored a text_match field's tokens",
                                node.args[2].pos)
        return ir.PhraseMatch(column.name, phrase)

    def random_sample(self, node: ast.Call) -> "ir.Pred":
        (factor,) = self.args(node, 1)
        if not isinstance(factor, Value) or factor.kind != "float" or not 1e-10 < factor.value < 1 - 1e-10:
            shown = value_text(factor.value) if isinstance(factor, Value) else "an expression"
            raise SyntaxProblem("the sample factor should be between 0 and 1 and not too close to 0 or 1(the "
                                f"difference should be larger than 1e-10), but got {shown}", node.pos)
        return ir.RandomSample(factor.value)


# -- constant folding --------------------------------------------------------------------------

def _no_template_between_constants(op: str, left: Value, right: Value, pos: int) -> None:
    """Milvus folds an operation of two constants while it parses, before templates are filled
    in, so a template on either side is refused (VisitAddSub / VisitEquality / VisitRelational)."""
    if left.template or right.template:
        raise SyntaxProblem(f"placeholder was not supported between two constants with operator: {op}", pos)


def _fold(op: str, left: Value, right: Value, pos: int) -> Value:
    if left.kind not in ("int", "float") or right.kind not in ("int", "float"):
        raise SyntaxProblem(f"arithmetic operation {op} is only supported on numbers", pos)
    a, b = left.value, right.value
    if op == "**":
        try:
            result: Any = math.pow(a, b)
        except (OverflowError, ValueError):
            raise SyntaxProblem("invalid power operation", pos) from None
    elif op in ("/", "%") and b == 0:
        raise SyntaxProblem("division or modulus by zero", pos)
    elif isinstance(a, int) and isinstance(b, int):
        if op == "+":
            result = a + b
        elif op == "-":
            result = a - b
        elif op == "*":
            result = a * b
        elif op == "/":
            result = abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)   # C truncation
        else:
            result = abs(a) % abs(b) * (1 if a >= 0 else -1)                  # sign of dividend
        if not _INT64_MIN <= result <= _INT64_MAX:
            raise SyntaxProblem("integer overflow in constant expression", pos)
    else:
        if op == "%":
            raise SyntaxProblem(_MODULO_ERROR, pos)
        a, b = float(a), float(b)
        result = {"+": a + b, "-": a - b, "*": a * b}.get(op, a / b if op == "/" else None)
    if isinstance(result, float) and not math.isfinite(result):
        raise SyntaxProblem("constant expression overflows", pos)
    return Value(result, kind_of(result), value_text(result))


def _fold_comparison(op: str, left: Value, right: Value, pos: int, checker: _Checker) -> Value:
    numbers = ("int", "float")
    if (left.kind in numbers) != (right.kind in numbers) or \
            (left.kind not in numbers and left.kind != right.kind):
        raise checker.mismatch(left, right, pos)
    a, b = left.value, right.value
    try:
        result = {"==": a == b, "!=": a != b}.get(op)
        if result is None:
            result = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    except TypeError:
        raise checker.mismatch(left, right, pos) from None
    # a template's value is no literal: Milvus never folds it into a predicate
    return Value(result, "bool", value_text(result), left.template or right.template)


def _template_value(value: Any, name: str, pos: int) -> Any:
    """Check a filter_params value (pymilvus encodes bool/int/float/str/list/dict)."""
    if isinstance(value, bool) or value is None:
        if value is None:
            raise SyntaxProblem(f"template variable {{{name}}}: null values are not supported", pos)
        return value
    if isinstance(value, int):
        if not _INT64_MIN <= value <= _INT64_MAX:
            raise SyntaxProblem(f"template variable {{{name}}}: integer {value} is out of range of int64 "
                                f"[{_INT64_MIN}, {_INT64_MAX}]", pos)
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise SyntaxProblem(f"template variable {{{name}}}: NaN and infinity are not supported",
                                pos)
        return float(value)
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise SyntaxProblem(f"template variable {{{name}}}: invalid unicode (lone surrogate)",
                                pos) from None
        if "\0" in value:
            raise SyntaxProblem(f"template variable {{{name}}}: NUL characters are not allowed", pos)
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_template_value(v, name, pos) for v in value]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str) or "\0" in key or not _valid_utf8(key):
                raise SyntaxProblem(f"template variable {{{name}}}: object keys must be strings "
                                    f"without NUL", pos)
            out[key] = _template_value(item, name, pos)
        return out
    raise SyntaxProblem(f"template variable {{{name}}}: unsupported value type "
                        f"{type(value).__name__}", pos)


def _valid_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
