"""GetMetrics: Milvus's ``system_info`` topology, told of one ``pgmilvus serve`` process.

Tools read it to show a deployment (Attu's system view) or to find its nodes
(Milvus's own test harness, ``MilvusSys``, asks for it before anything else).
A Milvus standalone answers a graph of its proxy, coordinators and nodes, all in
one process under one node id; pgmilvus answers the same graph with the same
JSON keys (pkg/util/metricsinfo), this host's hardware, and the server's
build, because every role runs in this process (the data in PostgreSQL).
Other metric types answer Milvus's 1200 ``metric not found``.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from typing import Any, Optional

import psutil

from ..catalog.segments import NODE_ID, node_address  # one process, one node id, as a standalone's components share
from ..errors import JSON_ERRORS, ErrorCode, MilvusException
from ..version import __version__

#: What Connect's ServerInfo and the topology's system_info both tell of this server: the build
#: names pgmilvus; the deploy mode is a standalone's (metricsinfo.StandaloneDeployMode), the
#: topology this server reports, which SDKs and tools read (the Java SDK's tests expect it).
BUILD_TAGS = f"pgmilvus-{__version__}"
DEPLOY_MODE = "STANDALONE"
_STARTED = datetime.now(timezone.utc)


def metric_type(request: str) -> str:
    """The request's ``req_type`` or ``metric_type`` (metricsinfo.ParseMetricRequestType)."""
    try:
        parsed = json.loads(request) if request else None
    except JSON_ERRORS:
        parsed = None
    if isinstance(parsed, dict):
        for key in ("req_type", "metric_type"):
            if key in parsed:
                value = parsed[key]
                return value if isinstance(value, str) else json.dumps(value)
    raise MilvusException(ErrorCode.INVALID_PARAMETER,
                          "metric_type or req_type not found in request: invalid parameter")


def system_info(request: str, address: str = "") -> tuple[str, str]:
    """(the response JSON, the component name) for a GetMetrics request; other types refused."""
    kind = metric_type(request)
    if kind != "system_info":
        raise MilvusException(ErrorCode.METRIC_NOT_FOUND, f"metric not found[metric={kind}]")
    return json.dumps(_topology(address or node_address())), f"proxy{NODE_ID}"


def _topology(address: str) -> dict[str, Any]:
    """Milvus's order: the proxy (forwarding to every other role), the root coordinator, the
    data node and its coordinator, the query node and its coordinator (mix_coord.GetMetrics)."""
    hardware = _hardware(address)

    def node(role: str, configurations: dict[str, Any], edges: Optional[list[tuple[str, str]]],
             quota: bool = False) -> dict[str, Any]:
        """A graph node; ``edges`` None for a data or query node (Go's nil ``connected``)."""
        infos: dict[str, Any] = {
            "has_error": False, "error_reason": "", "name": f"{role}{NODE_ID}", "hardware_infos": hardware,
            "system_info": _deploy(), "created_time": str(_STARTED), "updated_time": str(_STARTED),
            "type": role, "id": NODE_ID, "system_configurations": configurations}
        if quota:
            infos["quota_metrics"] = None
        connected = None if edges is None else [
            {"connected_identifier": NODE_ID, "type": kind, "target_type": target} for kind, target in edges]
        return {"identifier": NODE_ID, "connected": connected, "infos": infos}

    simd = {"simd_type": "auto"}
    coords = [("forward", r) for r in ("rootcoord", "datacoord", "querycoord")]
    return {"nodes_info": [
        node("proxy", {"default_partition_name": "_default", "default_index_name": "_default_idx"},
             coords + [("forward", "datanode"), ("forward", "querynode")], quota=True),
        node("rootcoord", {"min_segment_size_to_enable_index": 1024},
             [("forward", "datacoord"), ("forward", "querycoord")]),
        node("datanode", {"minio_bucket_name": "", **simd, "flush_insert_buffer_size": 16777216}, None, quota=True),
        node("datacoord", {"segment_max_size": 1024},
             [("forward", "rootcoord"), ("forward", "querycoord"), ("manage", "datanode")], quota=True),
        node("querynode", simd, None, quota=True),
        node("querycoord", {"search_channel_prefix": "", "search_result_channel_prefix": ""},
             [("forward", "rootcoord"), ("forward", "datacoord"), ("manage", "querynode")]),
    ]}


def _deploy() -> dict[str, str]:
    return {"system_version": "", "deploy_mode": DEPLOY_MODE, "build_version": BUILD_TAGS, "build_time": "",
            "used_go_version": ""}


def _hardware(address: str) -> dict[str, Any]:
    """This host, as Milvus's hardware package reads it (memory in bytes, disk in bytes of the
    server's working folder, CPU and IO wait in percent)."""
    memory = psutil.virtual_memory()
    disk = _disk(os.getcwd())
    times = psutil.cpu_times_percent(interval=None)
    return {"ip": address, "cpu_core_count": psutil.cpu_count() or 1,
            "cpu_core_usage": psutil.cpu_percent(interval=None), "memory": memory.total,
            "memory_usage": memory.total - memory.available, "disk": float(disk[0]), "disk_usage": float(disk[1]),
            "io_wait_percentage": float(getattr(times, "iowait", 0.0))}


def _disk(folder: str) -> tuple[int, int]:
    try:
        usage = psutil.disk_usage(folder)
    except OSError:
        return 0, 0
    return usage.total, usage.used


def quota_metrics() -> str:
    """GetQuotaMetrics (REST's quotacenter/describe): rootcoord's QuotaCenterMetrics as JSON.  pgmilvus
    has no quota center collecting node metrics, so it answers what a Milvus whose quota center has
    collected nothing answers (quotaAndLimits.enabled false): empty maps, no datacoord metrics."""
    return json.dumps({"QueryNodeMetrics": {}, "DataNodeMetrics": {}, "ProxyMetrics": {}, "DataCoordMetrics": None},
                      separators=(",", ":"))
