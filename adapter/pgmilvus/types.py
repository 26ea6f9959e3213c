"""Enums that pymilvus user code imports by name (DataType, LoadState, ...)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, IntEnum
from typing import Any, List


class DataType(IntEnum):
    """Every member of pymilvus 2.6's DataType, same values.

    ``str(DataType.X)`` is the str of its value, as in pymilvus.
    """

    NONE = 0
    BOOL = 1
    INT8 = 2
    INT16 = 3
    INT32 = 4
    INT64 = 5
    FLOAT = 10
    DOUBLE = 11
    STRING = 20
    VARCHAR = 21
    ARRAY = 22
    JSON = 23
    GEOMETRY = 24
    TEXT = 25
    TIMESTAMPTZ = 26
    BINARY_VECTOR = 100
    FLOAT_VECTOR = 101
    FLOAT16_VECTOR = 102
    BFLOAT16_VECTOR = 103
    SPARSE_FLOAT_VECTOR = 104
    INT8_VECTOR = 105
    _ARRAY_OF_VECTOR = 106
    _ARRAY_OF_STRUCT = 200
    STRUCT = 201
    UNKNOWN = 999

    def __str__(self) -> str:
        return str(self.value)


VECTOR_TYPES = frozenset({
    DataType.BINARY_VECTOR, DataType.FLOAT_VECTOR, DataType.FLOAT16_VECTOR,
    DataType.BFLOAT16_VECTOR, DataType.SPARSE_FLOAT_VECTOR, DataType.INT8_VECTOR,
})
DENSE_VECTOR_TYPES = VECTOR_TYPES - {DataType.SPARSE_FLOAT_VECTOR}
#: Milvus (Go) names of the data types, as its error messages spell them.
GO_NAMES = {
    DataType.BOOL: "Bool", DataType.INT8: "Int8", DataType.INT16: "Int16",
    DataType.INT32: "Int32", DataType.INT64: "Int64", DataType.FLOAT: "Float",
    DataType.DOUBLE: "Double", DataType.VARCHAR: "VarChar", DataType.TEXT: "Text",
    DataType.ARRAY: "Array", DataType.JSON: "JSON", DataType.TIMESTAMPTZ: "Timestamptz",
    DataType.GEOMETRY: "Geometry", DataType.FLOAT_VECTOR: "FloatVector",
    DataType.BINARY_VECTOR: "BinaryVector", DataType.FLOAT16_VECTOR: "Float16Vector",
    DataType.BFLOAT16_VECTOR: "BFloat16Vector", DataType.SPARSE_FLOAT_VECTOR: "SparseFloatVector",
    DataType.INT8_VECTOR: "Int8Vector", DataType.NONE: "None", DataType.STRING: "String",
    DataType._ARRAY_OF_VECTOR: "ArrayOfVector", DataType._ARRAY_OF_STRUCT: "ArrayOfStruct",
    DataType.STRUCT: "Struct",
}


def go_name(value: int) -> str:
    """Milvus's (Go protobuf's) name of a data type; an unknown number prints as itself, as Go's
    enum String() does, so messages about a type the client invented still read like Milvus's."""
    member = DataType._value2member_map_.get(int(value))
    return GO_NAMES.get(member, str(int(value)))


INTEGER_TYPES = frozenset({DataType.INT8, DataType.INT16, DataType.INT32, DataType.INT64})
FLOAT_TYPES = frozenset({DataType.FLOAT, DataType.DOUBLE})
NUMERIC_TYPES = INTEGER_TYPES | FLOAT_TYPES
STRING_TYPES = frozenset({DataType.VARCHAR, DataType.TEXT})

#: Inclusive value ranges Milvus enforces for the narrow integer types.
INT_RANGES = {
    DataType.INT8: (-(2**7), 2**7 - 1),
    DataType.INT16: (-(2**15), 2**15 - 1),
    DataType.INT32: (-(2**31), 2**31 - 1),
    DataType.INT64: (-(2**63), 2**63 - 1),
}


class _Shown(IntEnum):
    """pymilvus's enums: repr ``<LoadState: Loaded>``, str ``Loaded``."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.name}>"

    def __str__(self) -> str:
        return self.name


class LoadState(_Shown):
    """pymilvus's LoadState."""

    NotExist = 0
    NotLoad = 1
    Loading = 2
    Loaded = 3


class ConsistencyLevel(IntEnum):
    """Accepted everywhere and ignored: PostgreSQL always reads its own writes."""

    Strong = 0
    Session = 1
    Bounded = 2
    Eventually = 3
    Customized = 4


class FunctionType(IntEnum):
    UNKNOWN = 0
    BM25 = 1
    TEXTEMBEDDING = 2
    RERANK = 3
    MINHASH = 4


class IndexType(str, Enum):
    """Index type names Milvus knows; see docs/search.md for the pgvector mapping."""

    FLAT = "FLAT"
    IVF_FLAT = "IVF_FLAT"
    IVF_SQ8 = "IVF_SQ8"
    IVF_PQ = "IVF_PQ"
    HNSW = "HNSW"
    DISKANN = "DISKANN"
    AUTOINDEX = "AUTOINDEX"
    SCANN = "SCANN"
    BIN_FLAT = "BIN_FLAT"
    BIN_IVF_FLAT = "BIN_IVF_FLAT"
    SPARSE_INVERTED_INDEX = "SPARSE_INVERTED_INDEX"
    SPARSE_WAND = "SPARSE_WAND"
    INVERTED = "INVERTED"
    STL_SORT = "STL_SORT"
    TRIE = "Trie"
    BITMAP = "BITMAP"


class Shard:
    """pymilvus's Shard (client/types.py): one DML channel of a replica.  ``leader_address`` is the
    ShardReplica's ``leader_addr``, which pymilvus leaves out and the Java and Node SDKs hand out."""

    def __init__(self, channel_name: str, shard_nodes: list, shard_leader: int, leader_address: str = "") -> None:
        self._channel_name = channel_name
        self._shard_nodes = set(shard_nodes)
        self._shard_leader = shard_leader
        self.leader_address = leader_address

    def __repr__(self) -> str:
        return (f"Shard: <channel_name:{self.channel_name}>, "
                f"<shard_leader:{self.shard_leader}>, <shard_nodes:{self.shard_nodes}>")

    @property
    def channel_name(self) -> str:
        return self._channel_name

    @property
    def shard_nodes(self) -> set:
        return self._shard_nodes

    @property
    def shard_leader(self) -> int:
        return self._shard_leader


class ProtoView:
    """A read-only stand-in for a protobuf message pymilvus hands out (ResourceGroupConfig and its
    parts): its fields as attributes, and printed as protobuf prints it (text format, zero values
    and absent messages left out), so code and logs written for pymilvus see the same thing.
    Built from the message's fields as a dict; ``to_dict`` gives them back."""

    def __init__(self, fields: dict[str, Any]) -> None:
        self._fields = fields
        for key, value in fields.items():
            setattr(self, key, _view(value))

    def to_dict(self) -> dict[str, Any]:
        return self._fields

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ProtoView) and other._fields == self._fields

    def __str__(self) -> str:
        return "".join(_text(key, value, "") for key, value in self._fields.items())

    __repr__ = __str__


def _view(value: Any) -> Any:
    if isinstance(value, dict):
        return ProtoView(value)
    if isinstance(value, list):
        return [_view(v) for v in value]
    return value


def _text(key: str, value: Any, indent: str) -> str:
    """One field in protobuf's text format (what str() of a message gives)."""
    if value is None or (not isinstance(value, dict) and not value):
        return ""
    if isinstance(value, list):
        return "".join(_text(key, item, indent) for item in value)
    if isinstance(value, dict):
        inner = "".join(_text(k, v, indent + "  ") for k, v in value.items())
        return f"{indent}{key} {{\n{inner}{indent}}}\n"
    shown = f'"{value}"' if isinstance(value, str) else value
    return f"{indent}{key}: {shown}\n"


class ResourceGroupInfo:
    """pymilvus's ResourceGroupInfo (describe_resource_group): name, capacity, num_available_node,
    num_loaded_replica, num_outgoing_node, num_incoming_node, config, nodes, as attributes; config
    reads like pymilvus's ResourceGroupConfig message (``config.limits.node_num``)."""

    def __init__(self, **fields: Any) -> None:
        fields["config"] = ProtoView(fields["config"])
        self.__dict__.update(fields)

    def __repr__(self) -> str:
        return "ResourceGroupInfo:" + "".join(f"\n<{k}:{v}>" for k, v in self.__dict__.items())


class ReplicaInfo:
    """pymilvus's ReplicaInfo (client/types.py), what describe_replica returns a list of."""

    def __init__(self, replica_id: int, shards: list, nodes: list, resource_group: str,
                 num_outbound_node: dict) -> None:
        self._id = replica_id
        self._shards = shards
        self._nodes = tuple(nodes)
        self._resource_group = resource_group
        self._num_outbound_node = num_outbound_node

    def __repr__(self) -> str:
        return (f"ReplicaInfo: <id:{self.id}>, <nodes:{self.group_nodes}>, <shards:{self.shards}>, "
                f"<resource_group: {self.resource_group}>, <num_outbound_node: {self.num_outbound_node}>")

    @property
    def id(self) -> int:
        return self._id

    @property
    def group_nodes(self) -> tuple:
        return self._nodes

    @property
    def shards(self) -> list:
        return self._shards

    @property
    def resource_group(self) -> str:
        return self._resource_group

    @property
    def num_outbound_node(self) -> dict:
        return self._num_outbound_node


class SegmentState(_Shown):
    """pymilvus's SegmentState (Milvus's common.SegmentState numbers)."""

    SegmentStateNone = 0
    NotExist = 1
    Growing = 2
    Sealed = 3
    Flushed = 4
    Flushing = 5
    Dropped = 6
    Importing = 7


#: Milvus's SegmentLevel names by number (pymilvus keeps the protobuf enum's number).
SEGMENT_LEVELS = ("Legacy", "L0", "L1", "L2")


@dataclass
class SegmentInfo:
    """pymilvus's SegmentInfo: what list_persistent_segments / list_segments return a list of."""

    segment_id: int
    collection_id: int
    collection_name: str
    num_rows: int
    is_sorted: bool
    state: SegmentState
    level: int
    storage_version: int
    partition_id: int = 0
    insert_channel: str = ""
    compaction_from: List[int] = field(default_factory=list)

    @property
    def state_name(self) -> str:
        return self.state.name

    @property
    def level_name(self) -> str:
        return SEGMENT_LEVELS[self.level]


@dataclass
class LoadedSegmentInfo(SegmentInfo):
    """pymilvus's LoadedSegmentInfo (list_loaded_segments): a segment a query node serves."""

    index_name: str = ""
    index_id: int = 0
    node_ids: List[int] = field(default_factory=list)
    mem_size: int = 0


@dataclass
class SnapshotInfo:
    """pymilvus's SnapshotInfo (describe_snapshot); create_ts is a hybrid timestamp, as Milvus's."""

    name: str
    description: str
    collection_name: str
    partition_names: List[str]
    create_ts: int
    s3_location: str


@dataclass
class RestoreSnapshotJobInfo:
    """pymilvus's RestoreSnapshotJobInfo (get_restore_snapshot_state, list_restore_snapshot_jobs):
    state is a RestoreSnapshotState name ('RestoreSnapshotCompleted', ...)."""

    job_id: int
    snapshot_name: str
    db_name: str
    collection_name: str
    state: str
    progress: int
    reason: str
    start_time: int
    time_cost: int


class State(_Shown):
    """pymilvus's State: a compaction job's (get_compaction_plans, list_compaction_tasks)."""

    UndefiedState = 0
    Executing = 1
    Completed = 2


class CompactionType(_Shown):
    """pymilvus's CompactionType (Milvus's common.CompactionType numbers)."""

    UndefinedCompaction = 0
    MergeCompaction = 2
    MixCompaction = 3
    SingleCompaction = 4
    MinorCompaction = 5
    MajorCompaction = 6
    Level0DeleteCompaction = 7
    ClusteringCompaction = 8
    SortCompaction = 9
    PartitionKeySortCompaction = 10
    ClusteringPartitionKeySortCompaction = 11
    BumpSchemaVersionCompaction = 12


class CompactionTaskState(_Shown):
    """pymilvus's CompactionTaskState (Milvus's common.CompactionTaskState numbers)."""

    Unknown = 0
    Executing = 1
    Pipelining = 2
    Completed = 3
    Failed = 4
    Timeout = 5
    Analyzing = 6
    Indexing = 7
    Cleaned = 8
    MetaSaved = 9
    Statistic = 10


@dataclass(repr=False)
class Plan:
    """pymilvus's Plan: one merge of a compaction job, its source segments and the target."""

    sources: List[int]
    target: int
    plan_id: int = 0
    trigger_id: int = 0
    collection_id: int = 0
    partition_id: int = 0
    channel: str = ""
    compaction_type: CompactionType = CompactionType.UndefinedCompaction
    state: CompactionTaskState = CompactionTaskState.Unknown
    failure_reason: str = ""
    targets: List[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.targets and self.target > 0:
            self.targets = [self.target]

    @property
    def task_id(self) -> int:
        return self.plan_id

    def __repr__(self) -> str:
        return (f"\nPlan:\n - plan id: {self.plan_id}\n - trigger id: {self.trigger_id}\n"
                f" - type: {self.compaction_type}\n - state: {self.state}\n - sources: {self.sources}\n"
                f" - targets: {self.targets}\n")


@dataclass(repr=False)
class CompactionPlans:
    """pymilvus's CompactionPlans: get_compaction_plans (one job) and list_compaction_tasks
    (a collection's retained jobs)."""

    compaction_id: int
    state: State
    collection_name: str = ""
    plans: List[Plan] = field(default_factory=list)

    def __repr__(self) -> str:
        return (f"\nCompaction Plans:\n - compaction id: {self.compaction_id}\n - collection name: "
                f"{self.collection_name}\n - state: {self.state.name}\n - plans: {self.plans}\n  ")
