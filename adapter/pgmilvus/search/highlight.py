"""search(highlighter=LexicalHighlighter(...)): Milvus 2.6's lexical highlighter.

What Milvus does (proxy ``highlighter.go``, query node ``GetHighlight`` / ``fetchFragmentsFromOffsets``):

* the texts to look for: with ``highlight_search_text`` a BM25 search's own query texts (each hit
  is highlighted with its query's text; the field is the BM25 function's input), and
  ``highlight_query`` entries ``{"type": "TextMatch", "field": f, "text": t}`` (for every hit);
  they are tokenized by the field's analyzer;
* a hit's field text is tokenized by the same analyzer; every token that is one of the texts'
  tokens marks its characters; overlapping marks merge;
* fragments: from each mark not inside the previous fragment, ``fragment_offset`` characters
  before it, at least ``fragment_size`` characters long (not past the text's end), extended to
  the last mark it takes; at most ``num_of_fragments``;
* each fragment's marks are wrapped in ``pre_tags[i] ... post_tags[i]`` (the i-th mark of the
  fragment, the tags cycling); a hit gets ``highlight = {field: {"fragments": [...], "scores": []}}``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import psycopg

from ..catalog.store import CollectionInfo
from ..data import analyzer, outputs
from ..errors import JSON_ERRORS, ErrorCode, MilvusException, invalid_parameter
from ..schema.model import CollectionSchema
from . import bm25

DEFAULT_PRE_TAG, DEFAULT_POST_TAG = "<em>", "</em>"
DEFAULT_FRAGMENT_SIZE, DEFAULT_FRAGMENT_NUM = 100, 5
QUERY_TYPES = ("TextMatch",)


class LexicalHighlighter:
    """pymilvus's LexicalHighlighter: its constructor, ``with_query``, ``params`` and ``type``."""

    def __init__(self, *, highlight_query: Optional[list] = None, highlight_search_text: Optional[bool] = None,
                 pre_tags: Optional[list[str]] = None, post_tags: Optional[list[str]] = None,
                 fragment_offset: Optional[int] = None, fragment_size: Optional[int] = None,
                 num_of_fragments: Optional[int] = None) -> None:
        self._params = {"pre_tags": pre_tags, "post_tags": post_tags, "fragment_offset": fragment_offset,
                        "fragment_size": fragment_size, "num_of_fragments": num_of_fragments,
                        "highlight_search_text": highlight_search_text, "highlight_query": highlight_query}

    def with_query(self, field: str, text: str, query_type: str) -> None:
        queries = self._params["highlight_query"] = self._params["highlight_query"] or []
        queries.append({"type": query_type, "field": field, "text": text})

    @property
    def params(self) -> dict[str, Any]:
        return {k: v for k, v in self._params.items() if v is not None}

    @property
    def type(self) -> int:
        return 0  # HighlightType.Lexical


@dataclass(frozen=True)
class Highlight:
    """A checked lexical highlighter."""

    pre_tags: tuple[str, ...] = (DEFAULT_PRE_TAG,)
    post_tags: tuple[str, ...] = (DEFAULT_POST_TAG,)
    fragment_offset: int = 0
    fragment_size: int = DEFAULT_FRAGMENT_SIZE
    num_of_fragments: int = DEFAULT_FRAGMENT_NUM
    search_text: bool = False
    queries: tuple[tuple[str, str], ...] = ()       # (field, text) of the TextMatch queries


def _text(value: Any) -> str:
    """A parameter as pymilvus sends it (Prepare.common_kv_value): lists / dicts as JSON, else str()."""
    return json.dumps(value) if isinstance(value, (dict, list)) else str(value)


def parse(highlighter: Any) -> Highlight:
    """NewLexicalHighlighter's checks and texts (1100), from any object with ``type`` and ``params``
    (pymilvus's LexicalHighlighter, pgmilvus's, or the server's reading of the request)."""
    kind = int(getattr(highlighter, "type", 0) or 0)
    if kind == 1:
        raise invalid_parameter("semantic highlighter is not supported by pgmilvus: it calls a model service; "
                                "use LexicalHighlighter")
    if kind != 0:
        raise invalid_parameter(f"unsupported highlight type: {kind}")
    params = {str(k): _text(v) for k, v in (getattr(highlighter, "params", None) or {}).items()}
    return Highlight(_tags(params, "pre_tags", DEFAULT_PRE_TAG, "string array"),
                     _tags(params, "post_tags", DEFAULT_POST_TAG, "string list"),
                     _int(params, "fragment_offset", 0, 0), _int(params, "fragment_size", DEFAULT_FRAGMENT_SIZE, 1),
                     _int(params, "num_of_fragments", DEFAULT_FRAGMENT_NUM, 0), _bool(params),
                     _queries(params))


def _tags(params: dict[str, str], key: str, default: str, shape: str) -> tuple[str, ...]:
    if key not in params:
        return (default,)
    try:
        tags = json.loads(params[key])
    except JSON_ERRORS as exc:
        raise invalid_parameter(f"unmarshal {key} as {shape} failed: {exc}") from None
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise invalid_parameter(f"unmarshal {key} as {shape} failed: json: cannot unmarshal into Go value of "
                                "type string")
    if not tags:
        raise invalid_parameter(f"{key} cannot be empty list")
    return tuple(tags)


def _int(params: dict[str, str], key: str, default: int, least: int) -> int:
    if key not in params:
        return default
    text = params[key]
    try:
        value = int(text, 10) if text.lstrip("+-").isdigit() else None
    except ValueError:
        value = None
    if value is None or value < least:
        raise invalid_parameter(f"invalid {key}: {text}")
    return value


def _bool(params: dict[str, str]) -> bool:
    """strconv.ParseBool's spellings."""
    text = params.get("highlight_search_text")
    if text is None:
        return False
    if text in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if text in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise invalid_parameter(f'unmarshal highlight_search_text as bool failed: strconv.ParseBool: parsing '
                            f'{json.dumps(text)}: invalid syntax')


def _queries(params: dict[str, str]) -> tuple[tuple[str, str], ...]:
    if "highlight_query" not in params:
        return ()
    prefix = "unmarshal highlight queries failed: "
    try:
        queries = json.loads(params["highlight_query"])
    except JSON_ERRORS as exc:
        raise invalid_parameter(f"unmarshal highlight queries as json array failed: {exc}") from None
    if not isinstance(queries, list):
        raise invalid_parameter("unmarshal highlight queries as json array failed: not an array")
    out = []
    for query in queries:
        if not isinstance(query, dict):
            raise invalid_parameter(prefix + "item in array is not json object")
        for key in ("text", "type", "field"):
            if key not in query:
                raise invalid_parameter(prefix + f"must set `{key}` in query")
            if not isinstance(query[key], str):
                raise invalid_parameter(prefix + f"`{key}` must be string")
            if key == "type" and query["type"] not in QUERY_TYPES:
                raise invalid_parameter(prefix + f"invalid highlight query type: {query['type']}")
        out.append((query["field"], query["text"]))
    return tuple(out)


# -- the tasks of one search ---------------------------------------------------------------------

@dataclass
class Task:
    """One highlighted field: its analyzer's tokens of each query's search text and of the
    highlight queries' texts."""

    source: Any                       # the highlighted text field
    per_query: list[frozenset[str]] = field(default_factory=list)
    shared: set[str] = field(default_factory=set)


def tasks(highlight: Highlight, schema: CollectionSchema, search_texts: Optional[Sequence[Any]],
          metric: str, anns_field: str, analyzer_name: Optional[str]) -> list[Task]:
    """The fields to highlight (createLexicalHighlighter, then initHighlightQueries)."""
    found: dict[str, Task] = {}
    if highlight.search_text:  # the metric as given, checked before the search runs
        if metric != "BM25":  # Milvus names the task's metric, not known yet at that point: ""
            raise invalid_parameter('Search highlight only support with metric type "BM25" but was: ')
        source = schema.bm25_outputs.get(anns_field)
        if source is None:
            raise MilvusException(ErrorCode.SERVICE_INTERNAL, "service internal error: Search with highlight failed, "
                                                              "input field of BM25 annsField not found")
        found[source.name] = Task(source, [frozenset(terms) for terms in
                                           bm25.query_terms(source, search_texts or [], analyzer_name)])
    for name, text in highlight.queries:
        target = schema.field(name)
        if target is None:
            raise invalid_parameter(f"highlight field not found in schema: {name}")
        if not target.params.get("enable_analyzer"):
            raise invalid_parameter(f"get highlight failed, the highlight field not found, {name}")
        task = found.setdefault(name, Task(target))
        task.shared.update(analyzer.for_field(target).tokens(text))
    return list(found.values())


def attach(conn: psycopg.Connection, info: CollectionInfo, highlight: Highlight, found: list[Task],
           result: Any) -> None:
    """Each hit of ``result`` (per query) gets its ``highlight`` dict."""
    if not found:
        return
    from .hybrid import entities_by_pk

    names = [t.source.name for t in found]
    multi = {t.source.name: analyzer.multi_for_field(t.source) for t in found}
    names += [m.by_field for m in multi.values() if m is not None]
    plan = outputs.output_plan(info.schema, list(dict.fromkeys(names)), default_all=False, include_pk=False)
    texts = entities_by_pk(conn, info, plan, {_pk(hit) for hits in result for hit in hits})
    for q, hits in enumerate(result):
        for hit in hits:
            row = texts.get(_pk(hit), {})
            marks = {}
            for task in found:
                by = multi[task.source.name]
                chosen = analyzer.for_field(task.source, row.get(by.by_field) if by is not None else None)
                wanted = task.shared | (task.per_query[q] if q < len(task.per_query) else frozenset())
                text = row.get(task.source.name) or ""
                spans = merge([(s, e) for token, s, e in chosen.marks(text) if token in wanted])
                marks[task.source.name] = {"fragments": render(text, fragments(text, spans, highlight), highlight),
                                          "scores": []}
            hit["highlight"] = marks


def _pk(hit: Any) -> Any:
    """A hit's primary key (Hit answers ``hit["id"]`` whatever the key's name)."""
    return hit["id"]


def merge(spans: list[tuple[int, int]]) -> list[list[int]]:
    """mergeOffsets: sorted, overlapping or touching character spans joined."""
    out: list[list[int]] = []
    last_end = -1
    for start, end in sorted(spans):
        if end > last_end:
            if not out or start > out[-1][1]:
                out.append([start, end])
            else:
                out[-1][1] = end
            last_end = end
    return out


def fragments(text: str, spans: list[list[int]], highlight: Highlight) -> list[tuple[int, int, list[int]]]:
    """fetchFragmentsFromOffsets: (start, end, the marks' offsets) of each fragment."""
    out: list[tuple[int, int, list[int]]] = []
    length = len(text)
    frag: Optional[list] = None
    for start, end in spans:
        if frag is None or start > frag[1]:
            if frag is not None:
                out.append((frag[0], frag[1], frag[2]))
            if len(out) >= highlight.num_of_fragments:
                frag = None
                break
            begin = max(0, start - highlight.fragment_offset)
            frag = [begin, min(max(end, begin + highlight.fragment_size), length), [start, end]]
        else:
            frag[2].extend((start, end))
            frag[1] = max(frag[1], end)
    if frag is not None:
        out.append((frag[0], frag[1], frag[2]))
    return out


def render(text: str, frags: list[tuple[int, int, list[int]]], highlight: Highlight) -> list[str]:
    """buildStringFragments: the marks of each fragment wrapped in the tags (cycling)."""
    out = []
    for start, end, offsets in frags:
        pieces, cursor = [], start
        for i in range(len(offsets) // 2):
            mark_start, mark_end = offsets[2 * i], offsets[2 * i + 1]
            if cursor < mark_start:
                pieces.append(text[cursor:mark_start])
            pieces.append(highlight.pre_tags[i % len(highlight.pre_tags)] + text[mark_start:mark_end]
                          + highlight.post_tags[i % len(highlight.post_tags)])
            cursor = mark_end
        if cursor < end:
            pieces.append(text[cursor:end])
        out.append("".join(pieces))
    return out
