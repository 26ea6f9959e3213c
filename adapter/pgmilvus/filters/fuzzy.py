"""``text_match_fuzzy(field, query, max_edit_distance=N)``: the type checker's part (Milvus master's
VisitTextMatchFuzzy, parser_visitor.go).

Segcore tokenizes the query with the field's analyzer and ORs one tantivy ``FuzzyTermQuery`` per
token (index_reader_text.rs ``fuzzy_match_query``): a row matches when one of its tokens is within
N edits of a query token, a transposition of adjacent characters costing one edit (optimal string
alignment, over characters).  N = 0 is exactly ``text_match`` (segcore takes its path), so it
becomes an ``ir.TextMatch``; N > 0 an ``ir.TextMatchFuzzy``, which compiles to the catalog's
function over the row's stored tokens (sql/catalog/021_text_match_fuzzy.sql).  A collection that
does not store the field's tokens is refused: Postgres's parser cannot answer an edit distance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..data import analyzer
from ..errors import ErrorCode
from ..schema import ddl
from . import ast, ir
from .errors import INT64_MAX, SyntaxProblem
from .parser import integer_constant

if TYPE_CHECKING:
    from .typecheck import _Checker

#: tantivy's Levenshtein automata go up to this distance (Milvus's parser and segcore check it).
MAX_EDIT_DISTANCE = 2
OPTION = "max_edit_distance"


def text_match_fuzzy(checker: "_Checker", node: ast.Call) -> "ir.Pred":
    """Milvus's checks in its order: the grammar, the field, the query, the option's name, its value."""
    distance_node = _syntax(node)
    target, query = (checker.visit(arg) for arg in node.args)
    column = checker.text_column(node, target)
    text = checker.text_query(node, query)
    name = node.options[0][0]
    if name.lower() != OPTION:  # a soft keyword: any identifier parses, only this one is taken
        raise SyntaxProblem(f'invalid option "{name}" for text_match_fuzzy, expected {OPTION}', distance_node.pos)
    distance = distance_node.value
    if distance > INT64_MAX:  # strconv.ParseInt fails
        raise SyntaxProblem(f"invalid {OPTION} value: {distance_node.text}", distance_node.pos)
    if distance > MAX_EDIT_DISTANCE:
        raise SyntaxProblem(f"{OPTION} should be in [0, {MAX_EDIT_DISTANCE}], got {distance}", distance_node.pos)
    if column.name not in checker.schema.token_fields:
        raise SyntaxProblem(f"{node.spelled} on field {column.name} is not supported by pgmilvus: the collection "
                            "does not store the field's tokens (it was made before pgmilvus stored a text_match "
                            "field's tokens, or pgmilvus cannot run its analyzer)", node.pos,
                            code=ErrorCode.UNSUPPORTED)
    tokens = tuple(analyzer.for_field(checker.schema.field(column.name)).tokens(text))
    terms = ddl.match_column(column.name)
    if distance == 0:  # segcore's match_query: text_match itself, the GIN index serves it
        return ir.TextMatch(column.name, text, terms, tokens)
    return ir.TextMatchFuzzy(column.name, text, terms, tokens, distance)


def _syntax(node: ast.Call) -> ast.Const:
    """What Plan.g4's ``TEXTMATCHFUZZY '(' Identifier ',' expr ',' Identifier ASSIGN
    IntegerConstant ')'`` refuses; the IntegerConstant."""
    if len(node.args) < 2:
        raise SyntaxProblem("mismatched input ')' expecting ','", node.pos)
    if len(node.args) > 2:
        raise SyntaxProblem(f"mismatched input '{node.arg_texts[2]}' expecting Identifier", node.args[2].pos)
    if not node.options:
        raise SyntaxProblem("mismatched input ')' expecting ','", node.pos)
    if len(node.options) > 1:
        raise SyntaxProblem("mismatched input ',' expecting ')'", node.options[1][1].pos)
    return integer_constant(node.options[0][1])


__all__ = ["MAX_EDIT_DISTANCE", "text_match_fuzzy"]
