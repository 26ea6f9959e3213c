"""Index requests as pymilvus's ORM sends them (``Collection.create_index(field, {...})``, every
value a string or the ``params`` JSON), answered over the wire as Milvus answers them: the same
refusals as in process (tests/test_index_checks.py) and the request's own pairs described back."""

from __future__ import annotations

import uuid
from typing import Any, Iterator, Optional

import pytest

pytest.importorskip("pymilvus")

from pymilvus import MilvusException  # noqa: E402

NAME = "wic"


@pytest.fixture
def orm(serve_address: str, wire_client) -> Iterator[Any]:
    """A collection of the ORM on the wire server (wire_client wipes the data afterwards)."""
    from pymilvus import Collection, CollectionSchema, DataType, FieldSchema, connections

    alias = f"wic_{uuid.uuid4().hex[:6]}"
    connections.connect(alias=alias, uri=f"http://{serve_address}")
    schema = CollectionSchema([
        FieldSchema("id", DataType.INT64, is_primary=True), FieldSchema("v", DataType.FLOAT_VECTOR, dim=4),
        FieldSchema("sp", DataType.SPARSE_FLOAT_VECTOR), FieldSchema("i16", DataType.INT16),
        FieldSchema("tags", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=4, max_length=8)])
    try:
        yield Collection(NAME, schema, using=alias)
    finally:
        connections.disconnect(alias)


# field, the ORM's index params, Milvus's message (1100)
REFUSED = [
    ("sp", {"index_type": "SPARSE_WAND", "metric_type": "IP", "params": {"drop_ratio_build": 1}},
     "Out of range in json: param 'drop_ratio_build' (1.0) should be in range [0.000000, 1.000000): invalid parameter"),
    ("v", {"index_type": "SCANN", "metric_type": "L2", "params": {"nlist": 65537}},
     "Out of range in json: param 'nlist' (65537) should be in range [1, 65536]: invalid parameter"),
    ("v", {"metric_type": "L2", "nlist": "1024", "M": "100"},
     "only metric type can be passed when use AutoIndex: invalid parameter"),
    ("id", {"index_type": "BITMAP"}, "create bitmap index on primary key not supported: invalid parameter"),
    ("sp", {"index_type": "BITMAP", "metric_type": "IP"},
     "data type SparseFloatVector can't build with this index BITMAP: invalid parameter; use one of HNSW, IVF_FLAT, "
     "FLAT, AUTOINDEX for vector field sp"),
]


@pytest.mark.filterwarnings("ignore::FutureWarning")  # pymilvus 3 deprecates the ORM API
@pytest.mark.parametrize("field, index, message", REFUSED)
def test_refused(orm, field: str, index: dict, message: str) -> None:
    with pytest.raises(MilvusException) as info:
        orm.create_index(field, index)
    assert (info.value.code, info.value.message) == (1100, message)


# field, the ORM's index params, the index's params as the ORM reads them back
DESCRIBED = [
    ("tags", {}, {}),
    ("tags", {"index_type": "INVERTED"}, {"index_type": "INVERTED"}),
    ("v", {}, {"index_type": "AUTOINDEX", "metric_type": "COSINE"}),
    ("v", {"metric_type": "L2"}, {"index_type": "AUTOINDEX", "metric_type": "L2"}),
]


@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.parametrize("field, index, described", DESCRIBED)
def test_described_as_sent(orm, field: str, index: dict, described: dict) -> None:
    orm.create_index(field, index)
    assert orm.index().params == described


# alter_index({"mmap.enabled": True}) after creating the index: None when taken
ALTER_MMAP = [
    ("i16", {"index_type": "STL_SORT"},
     "invalid mmap index params: index type STL_SORT does not support mmap: invalid parameter: invalid parameter"),
    ("v", {"index_type": "DISKANN", "metric_type": "L2"},
     "invalid mmap index params: index type DISKANN does not support mmap: invalid parameter: invalid parameter"),
    ("tags", {"index_type": "BITMAP"}, None),
]


@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.parametrize("field, index, refusal", ALTER_MMAP)
def test_alter_mmap(orm, field: str, index: dict, refusal: Optional[str]) -> None:
    orm.create_index(field, index, index_name="x")
    if refusal is None:
        orm.alter_index("x", {"mmap.enabled": True})
        assert orm.index(index_name="x").params["mmap.enabled"] == "True"
        orm.create_index(field, index, index_name="x")  # the request that built it: still that index
        return
    with pytest.raises(MilvusException) as info:
        orm.alter_index("x", {"mmap.enabled": True})
    assert (info.value.code, info.value.message) == (1100, refusal)


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_second_index_on_a_field(orm) -> None:
    hnsw = {"index_type": "HNSW", "metric_type": "L2", "params": {"M": 8, "efConstruction": 64}}
    orm.create_index("v", hnsw, index_name="a")
    with pytest.raises(MilvusException) as info:
        orm.create_index("v", hnsw, index_name="b")
    assert info.value.message.startswith(
        "CreateIndex failed: creating multiple indexes on same field is not supported: invalid parameter")
    orm.create_index("v", hnsw)  # no name: the field's index, asked for again
    with pytest.raises(MilvusException) as info:
        orm.create_index("v", {**hnsw, "metric_type": "IP"})
    assert info.value.message.startswith("at most one distinct index is allowed per field: invalid parameter")
    assert [i.index_name for i in orm.indexes] == ["a"]
