"""Milvus's ``lindera`` tokenizer (tantivy-binding's lindera_tokenizer.rs), on lindera itself.

``{"type": "lindera", "dict_kind": "ipadic" | "ko-dic" | "cc-cedict", "mode": "normal" |
"decompose", "filter": [...]}``.  The morphological analysis is lindera's, through its Python
binding (``lindera-python-cjk``, the optional ``pgmilvus[lindera]`` extra), which embeds the
dictionaries Milvus's build loads (mecab-ipadic 2.7.0, mecab-ko-dic 2.1.1, CC-CEDICT).  What
Milvus does around lindera is done here as Milvus does it: the text is cut after each 。 、 \\n
\\t, one Viterbi lattice per piece; every lattice token is kept (whitespace too), positions count
tokens 0, 1, 2..., offsets add up the surfaces' lengths; then lindera's token filters named in the
tokenizer's ``filter`` run, with lindera 0.42's tag rules (an unknown word's tag is ``UNK``).

Refused (3000): ``user_dict`` (a Milvus file resource, as other file resources are) and the
``ipadic-neologd`` / ``unidic`` dictionaries, which the binding does not embed.  The binding is
lindera 2.x where Milvus pins 0.42.4: the same dictionaries and lattice rules, rewritten since.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, ClassVar, Iterator

from .analyzer_filters import Invalid, Unsupported  # one pair for every analyzer part

#: dict_kind values Milvus knows (lindera_tokenizer.rs's into_dict_kind) and those run here
KNOWN_KINDS = ("ipadic", "ipadic-neologd", "unidic", "ko-dic", "cc-cedict")
KINDS = ("ipadic", "ko-dic", "cc-cedict")
EXTRA = 'the lindera tokenizer without the lindera extra (pip install "pgmilvus[lindera]")'
#: Milvus's LinderaSegmenter: a lattice per sentence, each ending after one of these characters
_SENTENCE = re.compile(r"[^。、\n\t]*[。、\n\t]|[^。、\n\t]+")

#: a token between tokenizer and filters: surface, start / end character, position, position
#: length, lindera's details (["UNK"] for an unknown word, as lindera 0.42 gives)
Morpheme = tuple[str, int, int, int, int, tuple[str, ...]]
TokenFilter = Callable[[list[Morpheme]], list[Morpheme]]


@dataclass(frozen=True)
class Lindera:
    tokenizer: Any
    filters: tuple[TokenFilter, ...] = ()
    name: ClassVar[str] = "lindera"

    def morphemes(self, text: str) -> list[Morpheme]:
        out: list[Morpheme] = []
        start = 0
        for sentence in _SENTENCE.findall(text):
            for token in self.tokenizer.tokenize(sentence):
                surface = token.surface
                details = ("UNK",) if token.is_unknown else tuple(token.details or ())
                out.append((surface, start, start + len(surface), len(out), 1, details))
                start += len(surface)
        for apply in self.filters:
            out = apply(out)
        return out

    def words(self, text: str) -> list[str]:
        return [m[0] for m in self.morphemes(text)]

    def spans(self, text: str) -> Iterator[tuple[str, int, int, int, int]]:
        return (m[:5] for m in self.morphemes(text))


def build(params: dict[str, Any]) -> Lindera:
    """LinderaTokenizer::from_json: dict_kind, mode, user_dict, filter (raises Invalid /
    Unsupported with Milvus's words)."""
    if "dict_kind" not in params:
        raise Invalid("lindera tokenizer dict_kind must be set")
    kind = params["dict_kind"]
    if not isinstance(kind, str):
        raise Invalid("lindera tokenizer dict kind should be string")
    if kind not in KNOWN_KINDS:
        raise Invalid(f"unsupported lindera dict type: {kind}")
    if kind not in KINDS:
        raise Unsupported(f"the lindera tokenizer's dict_kind {kind} (pgmilvus runs {', '.join(KINDS)})")
    mode = params.get("mode", "normal")
    if not isinstance(mode, str):
        raise Invalid("lindera tokenizer mode must be string")
    if mode not in ("normal", "decompose"):
        raise Invalid(f'lindera tokenizer mode must be "normal" or "decompose", got "{mode}"')
    if "user_dict" in params:
        raise Unsupported("the lindera tokenizer's user_dict (a Milvus file resource)")
    filters: list[TokenFilter] = []
    if "filter" in params:
        if not isinstance(params["filter"], list):
            raise Invalid("lindera filters should be array")
        filters = [_filter(kind, spec) for spec in params["filter"]]
    return Lindera(_tokenizer(kind, mode), tuple(filters))


@lru_cache(maxsize=8)
def _tokenizer(kind: str, mode: str) -> Any:
    """lindera's tokenizer for a dictionary and mode, built once (the binding is imported here,
    when the first lindera analyzer is built)."""
    try:
        import lindera
    except ImportError:
        raise Unsupported(EXTRA) from None
    builder = lindera.TokenizerBuilder()
    if not hasattr(builder, "set_keep_whitespace"):  # another "lindera" package (no dictionaries)
        raise Unsupported(EXTRA)
    builder.set_mode(mode)
    try:
        builder.set_dictionary(f"embedded://{kind}")
        builder.set_keep_whitespace(True)  # Milvus keeps every lattice token
        return builder.build()
    except Exception as exc:  # a lindera binding built without this dictionary
        raise Unsupported(f"the lindera tokenizer's dict_kind {kind} without a lindera binding that embeds it "
                          f'({exc}; pip install "pgmilvus[lindera]")') from None


def _filter(kind: str, spec: Any) -> TokenFilter:
    """fetch_lindera_token_filter_params / fetch_lindera_token_filter."""
    if isinstance(spec, str):
        name, params = spec, None
    elif not isinstance(spec, dict):
        raise Invalid("lindera tokenizer filter params must be object")
    elif "kind" not in spec:
        raise Invalid("lindera tokenizer filter must have type")
    elif not isinstance(spec["kind"], str):
        raise Invalid("lindera tokenizer filter type should be string")
    else:
        name, params = spec["kind"], spec
    if name != _COMPOUND and name not in _FILTERS:
        raise Invalid("unknown lindera filter type")
    if params is None:
        raise Invalid(f"lindera {name.replace('_', ' ')} filter must use with params")
    tags = _tags(params)
    if name == _COMPOUND:
        new_tag = params.get("new_tag")
        if new_tag is not None and not isinstance(new_tag, str):
            raise Invalid("lindera japanese compound word filter new_tag must be string")
        return _compound(kind, {_four(tag) for tag in tags}, new_tag)
    return _FILTERS[name](tags)


def _tags(params: dict[str, Any]) -> set[str]:
    if "tags" not in params:
        raise Invalid("lindera filter tags must be set")
    tags = params["tags"]
    if not isinstance(tags, list):
        raise Invalid("lindera filter tags must be array")
    if not all(isinstance(tag, str) for tag in tags):
        raise Invalid("lindera filter tags must be string")
    return set(tags)


def _four(tag: str) -> str:
    """A Japanese tag as lindera's filters hold it: four comma-separated parts, ``*`` filled."""
    return ",".join((tag.split(",") + ["*"] * 4)[:4])


def _japanese_tag(details: tuple[str, ...]) -> str:
    return ",".join(details[:4])


def _korean_tag(details: tuple[str, ...]) -> str:
    return details[0] if details else ""


def _keep(tag: Callable[[tuple[str, ...]], str], tags: set[str], keep: bool) -> TokenFilter:
    def apply(morphemes: list[Morpheme]) -> list[Morpheme]:
        return [m for m in morphemes if (tag(m[5]) in tags) == keep]
    return apply


def _compound(kind: str, tags: set[str], new_tag: Any) -> TokenFilter:
    """JapaneseCompoundWordTokenFilter: a run of tokens whose tags are all listed becomes one token
    (its position the first's, its position length the sum); on ipadic its details are ``new_tag``
    (or 複合語) padded to 9 parts, on the other dictionaries none."""
    merged_details: tuple[str, ...] = ()
    if kind == "ipadic":
        merged_details = tuple(((new_tag or "複合語").split(",") + ["*"] * 9)[:9])

    def apply(morphemes: list[Morpheme]) -> list[Morpheme]:
        out: list[Morpheme] = []
        run: list[Morpheme] = []
        for m in [*morphemes, None]:
            if m is not None and _japanese_tag(m[5]) in tags:
                run.append(m)
                continue
            if len(run) == 1:
                out.append(run[0])
            elif run:
                first = run[0]
                out.append(("".join(r[0] for r in run), first[1], run[-1][2], first[3],
                            sum(r[4] for r in run), merged_details))
            run = []
            if m is not None:
                out.append(m)
        return out
    return apply


#: the compound-word filter, built from its dictionary kind and new_tag as well (_filter)
_COMPOUND = "japanese_compound_word"
#: the tag filters, built from their tags
_FILTERS: dict[str, Callable[[set[str]], TokenFilter]] = {
    "japanese_keep_tags": lambda tags: _keep(_japanese_tag, {_four(t) for t in tags}, True),
    "japanese_stop_tags": lambda tags: _keep(_japanese_tag, {_four(t) for t in tags}, False),
    "korean_keep_tags": lambda tags: _keep(_korean_tag, tags, True),
    "korean_stop_tags": lambda tags: _keep(_korean_tag, tags, False),
}
