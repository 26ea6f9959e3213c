"""describe_collection / describe_index compared with what milvus-lite returned for the same calls.

The expected dicts were recorded by tests/fixtures/record_describe.py. Milvus
Lite differs from the Milvus server in a few fields, and pgmilvus follows the
server there: field_id (Lite 0, server 100, 101, ...), collection_id,
consistency level (Lite Strong, server default Bounded), created_timestamp and
update_timestamp (Lite omits them), the collection description (Lite drops it) and the
``timezone`` property (a Milvus 2.6 server gives every collection one; Lite none).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pgmilvus import DataType, MilvusClient

from .fixtures.describe_setup import create_collections

RECORDED = json.loads((Path(__file__).parent / "fixtures" / "describe_milvus_lite.json").read_text())
SERVER_ONLY = {"collection_id", "consistency_level", "consistency_level_name", "created_timestamp",
               "update_timestamp", "description"}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, DataType):
        return {"DataType": value.name}
    return value


def _comparable(desc: dict) -> dict:
    out = {k: v for k, v in desc.items() if k not in SERVER_ONLY}
    out["fields"] = [{k: v for k, v in f.items() if k != "field_id"} for f in desc["fields"]]
    out["properties"] = {k: v for k, v in desc["properties"].items() if k != "timezone"}
    return out


def _create(client: MilvusClient) -> None:
    create_collections(client, MilvusClient, DataType)


def test_describe_collection_matches_milvus_lite(client: MilvusClient) -> None:
    _create(client)
    for name in ("quick_setup", "custom"):
        ours = _plain(client.describe_collection(name))
        lite = RECORDED[name]
        assert list(ours) == list(lite) + ["created_timestamp", "update_timestamp"]
        assert _comparable(ours) == _comparable(lite)
        for ours_field, lite_field in zip(ours["fields"], lite["fields"]):
            assert list(ours_field) == list(lite_field)
        assert [f["field_id"] for f in ours["fields"]] == list(range(100, 100 + len(ours["fields"])))
    assert client.describe_collection("custom")["description"] == "d"


def test_describe_index_matches_milvus_lite(client: MilvusClient) -> None:
    _create(client)
    assert client.describe_index("quick_setup", "vector") == RECORDED["quick_setup_index"]
    ours = client.describe_index("custom", "emb")
    lite = RECORDED["custom_index"]
    # Lite drops the build parameters; the server returns them as strings (as pgmilvus does).
    assert {k: v for k, v in ours.items() if k not in ("M", "efConstruction")} == lite
    assert (ours["M"], ours["efConstruction"]) == ("8", "64")
