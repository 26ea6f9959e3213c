"""pgmilvus: the pymilvus MilvusClient API on PostgreSQL + pgvector."""

from .errors import (AmbiguousIndexName, AutoIDException, CannotInferSchemaException,
                     ClusteringKeyException, CollectionNotExistException, ConnectError,
                     ConnectionConfigException, ConnectionNotExistException, DataNotMatchException,
                     DataTypeNotMatchException, DataTypeNotSupportException, DescribeCollectionException,
                     ErrorCode, FieldsTypeException, FieldTypeException, FunctionsTypeException,
                     IndexNotExistException, InvalidConsistencyLevel, MilvusException,
                     MilvusUnavailableException, ParamError, PartitionAlreadyExistException,
                     PartitionKeyException, PrimaryKeyException, SchemaNotReadyException)
from .schema.model import CollectionSchema, FieldSchema, Function
from .schema.structs import StructFieldSchema
from .schema.index_params import IndexParam, IndexParams
from .client.milvus_client import MilvusClient
from .client.async_client import AsyncMilvusClient
from .pg.connection import ConnectionLost
from .types import (ConsistencyLevel, DataType, FunctionType, IndexType, LoadedSegmentInfo, LoadState,
                    SegmentInfo, SegmentState)
from .search.rerank import AnnSearchRequest, BaseRanker, RRFRanker, WeightedRanker
from .search.function_rank import FunctionScore
from .function_chain import FunctionChain, FunctionChainStage
from .search.highlight import LexicalHighlighter
from .search.embedding_list import EmbeddingList
from .search.results import Hit, Hits, HybridHits, SearchPage, SearchResult
from .search.aggregation.spec import SearchAggregation, TopHits
from .search.aggregation.buckets import AggregationBucket, AggregationHit

from .version import __version__
