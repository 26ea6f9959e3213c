"""``/v2/vectordb/common/run_analyzer``, ``segments/describe`` and ``quotacenter/describe``, as
handler_v2.go's ``runAnalyzer``, ``getSegmentsInfo`` and ``getQuotaMetrics`` answer them.

- run_analyzer: RunAnalyzerReq (``text`` required) -> the core's run_analyzer (the call the gRPC
  face's RunAnalyzer makes); ``{"results": [{"tokens": [...]}]}``, each token ``{"token"}`` with
  ``startOffset`` / ``endOffset`` / ``position`` / ``positionLength`` when ``withDetail`` and
  ``hash`` when ``withHash``.
- segments/describe: GetSegmentsInfoReq -> the core's get_segments_info (``segmentIDs``; Milvus's
  proxy, too, ignores ``collectionID``); each segment as the handler's map.  pgmilvus keeps rows
  in PostgreSQL, not binlogs: ``insertLogs`` / ``deltaLogs`` / ``statsLogs`` are empty.
- quotacenter/describe: the QuotaCenterMetrics JSON text (server/metrics.py), as ``data``.
"""

from __future__ import annotations

from typing import Any

from ..metrics import quota_metrics
from .binding import DB, Body, Field
from .face import RestCall, Route, ok

_DB = DB
ANALYZER = Body("RunAnalyzerReq", (
    _DB, Field("analyzerParams", "AnalyzerParams"), Field("text", "Text", "[]string", required=True),
    Field("withDetail", "WithDetail", "bool"), Field("withHash", "WithHash", "bool"),
    Field("collectionName", "CollectionName"), Field("fieldName", "FieldName"),
    Field("analyzerNames", "AnalyzerNames", "[]string")))
SEGMENTS = Body("GetSegmentsInfoReq", (_DB, Field("collectionID", "CollectionID", "int64"),
                                       Field("segmentIDs", "SegmentIDs", "[]int64")))
QUOTA = Body("GetQuotaMetricsReq", ())
#: AnalyzerToken's details, REST key -> the core token's key.
_DETAILS = (("startOffset", "start_offset"), ("endOffset", "end_offset"), ("position", "position"),
            ("positionLength", "position_length"))


def run_analyzer(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    results = call.client().run_analyzer(
        body["text"], analyzer_params=body["analyzerParams"] or None, with_hash=body["withHash"],
        with_detail=body["withDetail"], collection_name=body["collectionName"] or None,
        field_name=body["fieldName"] or None, analyzer_names=body["analyzerNames"] or None)
    return ok({"results": [{"tokens": [_token(t, body["withDetail"], body["withHash"]) for t in r.tokens]}
                           for r in results]})


def _token(token: Any, with_detail: bool, with_hash: bool) -> dict[str, Any]:
    data = token.dict if hasattr(token, "dict") else {"token": token}
    out = {"token": data["token"]}
    if with_detail:
        out.update((key, data.get(core, 0)) for key, core in _DETAILS)
    if with_hash:
        out["hash"] = data.get("hash", 0)
    return out


def describe_segments(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    listed = call.client().get_segments_info(body["segmentIDs"] or [])
    return ok({"segmentInfos": [
        {"segmentID": s.segment_id, "collectionID": s.collection_id, "partitionID": s.partition_id,
         "vChannel": s.insert_channel, "numRows": s.num_rows, "state": int(s.state), "level": s.level,
         "isSorted": s.is_sorted, "insertLogs": [], "deltaLogs": [], "statsLogs": []} for s in listed]})


def describe_quota(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    call.client()  # the caller must be one the server knows, as for any call
    return ok(quota_metrics())


ROUTES = {
    "common/run_analyzer": Route(ANALYZER, run_analyzer),
    "segments/describe": Route(SEGMENTS, describe_segments),
    "quotacenter/describe": Route(QUOTA, describe_quota),
}
