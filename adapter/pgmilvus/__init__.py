"""pgmilvus: the pymilvus MilvusClient API on PostgreSQL + pgvector."""

from .errors import (AmbiguousIndexName, AutoIDException, CannotInferSchemaException,
                     ClusteringKeyException, CollectionNotExistException, ConnectError,
                     ConnectionConfigException, ConnectionNotExistException, DataNotMatchException,
                     DataTypeNotMatchException, DataTypeNotSupportException, DescribeCollectionException,
                     ErrorCode, FieldsTypeException, FieldTypeException, FunctionsTypeException,
                     IndexNotExistException, InvalidConsistencyLevel, MilvusException,
                     MilvusUnavailableException, ParamError, PartitionAlreadyExistException,
                     PartitionKeyException, PrimaryKeyException, SchemaNotReadyException)
from .schema import CollectionSchema, FieldSchema, Function
from .index_params import IndexParam, IndexParams
from .client import MilvusClient
from .async_client import AsyncMilvusClient
from .types import ConsistencyLevel, DataType, FunctionType, IndexType, LoadState
from .rerank import AnnSearchRequest, BaseRanker, RRFRanker, WeightedRanker
from .function_rank import FunctionScore
from .search_results import Hit, Hits, HybridHits, SearchPage, SearchResult

__version__ = "0.1.0"
