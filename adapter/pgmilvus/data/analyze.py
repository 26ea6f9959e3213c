"""run_analyzer(): the tokens Milvus's analyzers make of texts, in pymilvus's result shapes.

Milvus 2.5+ runs an analyzer on request (MilvusClient.run_analyzer, the RunAnalyzer RPC):
given ``analyzer_params``, or the analyzer of a collection's field.  The analyzers are the
ones BM25 functions use (data/analyzer.py), so what run_analyzer shows is what is indexed.
"""

from __future__ import annotations

from typing import Any, Union

from .analyzer import Analyzer, token_hash


class AnalyzeToken:
    """One token with its details and/or hash (pymilvus's AnalyzeToken: ``.dict``, properties,
    ``token["start_offset"]``)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.dict = data

    token = property(lambda self: self.dict["token"])
    start_offset = property(lambda self: self.dict["start_offset"])
    end_offset = property(lambda self: self.dict["end_offset"])
    position = property(lambda self: self.dict["position"])
    position_length = property(lambda self: self.dict["position_length"])
    hash = property(lambda self: self.dict["hash"])

    def __getitem__(self, key: str) -> Any:
        return self.dict[key]

    def __str__(self) -> str:
        return str(self.dict)

    __repr__ = __str__


class AnalyzeResult:
    """The tokens of one text: strings, or AnalyzeTokens with ``with_detail`` / ``with_hash``."""

    def __init__(self, tokens: list) -> None:
        self.tokens = tokens

    def __str__(self) -> str:
        return str(self.tokens)

    __repr__ = __str__


def analyze(analyzer: Analyzer, text: str, with_hash: bool, with_detail: bool) -> AnalyzeResult:
    if not with_hash and not with_detail:
        return AnalyzeResult(analyzer.tokens(text))
    tokens = []
    for detail in analyzer.detailed(text):
        data = detail if with_detail else {"token": detail["token"]}
        if with_hash:
            data["hash"] = token_hash(data["token"])
        tokens.append(AnalyzeToken(data))
    return AnalyzeResult(tokens)


def run(analyzer: Analyzer, texts: Union[str, list[str]], with_hash: bool = False,
        with_detail: bool = False) -> Union[AnalyzeResult, list[AnalyzeResult]]:
    """One result for a str, a list of results for a list (pymilvus's shapes)."""
    if isinstance(texts, str):
        return analyze(analyzer, texts, with_hash, with_detail)
    return [analyze(analyzer, text, with_hash, with_detail) for text in texts]
