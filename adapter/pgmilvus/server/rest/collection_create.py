"""``/v2/vectordb/collections/create``, as handler_v2.go's ``createCollection``.

The body becomes the CreateCollectionRequest Milvus's REST handler builds (quick setup:
an id field and a vector field; else ``schema.fields`` / ``schema.functions``), with the
handler's own checks and texts (bad ``vectorFieldType``, ``idType``, ``dataType``,
``elementDataType``, default values, consistency levels, TTL given twice, an index on
an unknown field); the schema then goes through the gRPC face's conversion
(convert/schema.py) and the core's create_collection, so every other rule is the
core's.  Then, as Milvus: the quick setup's index (or each ``indexParams``), and a load
(none when a full schema comes without ``indexParams``).
"""

from __future__ import annotations

import json
from typing import Any, Optional

from pymilvus.grpc_gen import common_pb2, schema_pb2

from ...errors import ErrorCode, MilvusException
from ...schema.index_params import IndexParams
from ..convert.schema import collection_schema
from ..rpc_admin import index_arguments
from .binding import MISSING_CODE, MISSING_TEXT, Body, Field, element_error, go_keys
from .databases import go_value
from .face import RestCall, Route, ok
from .externals import refuse_schema
from .go_schema import FIELD_ZEROS, default_value, invalid, invalid_msg, struct_proto
from .indexes import extra_params

CREATE = Body("CollectionReq", (
    Field("dbName", "DbName"), Field("collectionName", "CollectionName", required=True),
    Field("dimension", "Dimension", "int32"), Field("idType", "IDType"), Field("autoID", "AutoID", "bool"),
    Field("metricType", "MetricType"), Field("vectorFieldType", "VectorFieldType"),
    Field("consistencyLevel", "ConsistencyLevel"), Field("primaryFieldName", "PrimaryFieldName"),
    Field("vectorFieldName", "VectorFieldName"), Field("schema", "Schema", "httpserver.CollectionSchema"),
    Field("indexParams", "IndexParams", "[]httpserver.IndexParam"),
    Field("params", "Params", "map[string]interface {}"), Field("properties", "Properties", "map[string]interface {}"),
    Field("description", "Description"), Field("externalSource", "TopLevelExternalSource"),
    Field("externalSpec", "TopLevelExternalSpec")))

_QUICK_VECTORS = {"": schema_pb2.FloatVector, "FloatVector": schema_pb2.FloatVector,
                  "BinaryVector": schema_pb2.BinaryVector, "Float16Vector": schema_pb2.Float16Vector,
                  "BFloat16Vector": schema_pb2.BFloat16Vector, "SparseFloatVector": schema_pb2.SparseFloatVector}
_DEFAULT_METRICS = {schema_pb2.BinaryVector: "HAMMING", schema_pb2.SparseFloatVector: "IP"}
_BINARY_METRICS, _SPARSE_METRICS, _FLOAT_METRICS = ("HAMMING", "JACCARD"), ("IP", "BM25"), ("L2", "IP", "COSINE")
#: params keys copied into the collection's properties as they are (handler_v2.go's list).
_PROPERTY_PARAMS = (("ttlField", "ttl_field"), ("partitionKeyIsolation", "partitionkey.isolation"),
                    ("mmap.enabled", "mmap.enabled"), ("warmup.scalarField", "warmup.scalarField"),
                    ("warmup.scalarIndex", "warmup.scalarIndex"), ("warmup.vectorField", "warmup.vectorField"),
                    ("warmup.vectorIndex", "warmup.vectorIndex"))
_TTL_KEY = "collection.ttl.seconds"


#: The keys of request_v2.go's FunctionSchema and IndexParam structs (FieldSchema's: go_schema.FIELD_ZEROS).
_FUNCTION_KEYS = ("name", "description", "type", "inputFieldNames", "outputFieldNames", "params")
_INDEX_KEYS = ("fieldName", "indexName", "metricType", "indexType", "params")


#: request_v2.go's CollectionSchema, bound as encoding/json decodes it inside CollectionReq.
SCHEMA = Body("CollectionReq.schema", (
    Field("fields", "Fields", "[]interface {}"), Field("structFields", "StructFields", "[]interface {}"),
    Field("functions", "Functions", "[]interface {}"), Field("autoID", "AutoId", "bool"),
    Field("enableDynamicField", "EnableDynamicField", "bool"), Field("externalSource", "ExternalSource"),
    Field("externalSpec", "ExternalSpec")))

#: request_v2.go's FieldSchema (with master's description, externalField, typeParams and struct
#: sub-fields): the types each schema field's values must have, as encoding/json decodes them.
FIELD = Body("FieldSchema", (
    Field("fieldName", "FieldName"), Field("description", "Description"), Field("dataType", "DataType"),
    Field("elementDataType", "ElementDataType"), Field("externalField", "ExternalField"),
    Field("isPrimary", "IsPrimary", "bool"), Field("isPartitionKey", "IsPartitionKey", "bool"),
    Field("isClusteringKey", "IsClusteringKey", "bool"),
    Field("elementTypeParams", "ElementTypeParams", "map[string]interface {}"),
    Field("typeParams", "TypeParams", "map[string]interface {}"), Field("fields", "Fields", "[]interface {}"),
    Field("nullable", "Nullable", "bool"), Field("defaultValue", "DefaultValue", "interface {}")))


def create_collection(call: RestCall, body: dict[str, Any]) -> dict[str, Any]:
    schema = SCHEMA.bind_object(body["schema"])
    body = {**body, "schema": schema}
    if body["externalSource"] or body["externalSpec"]:
        raise invalid("schema.externalSource/schema.externalSpec", "top-level externalSource/externalSpec",
                      "externalSource and externalSpec must be set under schema when creating an external collection")
    fields = schema.get("fields") or []
    if fields:  # the quick setup refuses an external source itself
        refuse_schema("create_collection", schema["externalSource"], schema["externalSpec"], fields)
    proto = _full_schema(body, fields) if fields else _quick_schema(body)
    field_names = {f.name for f in proto.fields} | {f"{s.name}[{sub.name}]" for s in proto.struct_array_fields
                                                     for sub in s.fields}  # typeutil.ConcatStructFieldName
    params = body["params"] or {}
    kwargs: dict[str, Any] = {"shards_num": _int_param(params, "shardsNum") or 1,
                              "consistency_level": _consistency_level(body), "properties": _properties(body)}
    partitions = _int_param(params, "partitionsNum") if any(f.is_partition_key for f in proto.fields) else None
    if partitions and partitions > 0:
        kwargs["num_partitions"] = partitions
    client, name = call.client(), body["collectionName"]
    client.create_collection(name, schema=collection_schema(proto.SerializeToString(), name), **kwargs)
    if fields:
        indexes = body["indexParams"] or []
        if not indexes:
            return ok({})
        for index in indexes:
            _create_index(client, name, index, field_names)
    else:
        _create_index(client, name, {"fieldName": body["vectorFieldName"], "indexName": body["vectorFieldName"],
                                     "metricType": body["metricType"]}, field_names)
    client.load_collection(name)
    return ok({})


def _quick_schema(body: dict[str, Any]) -> schema_pb2.CollectionSchema:
    """The quick setup's two fields; fills ``body``'s defaults (field names, metric) as Milvus does."""
    if body["schema"].get("externalSource") or body["schema"].get("externalSpec"):
        raise invalid("schema.fields", "empty schema fields",
                      "external collection is not supported by quick create; provide schema.fields with externalField")
    if body["schema"].get("functions"):
        raise invalid("schema", "functions", "functions are not supported for quickly create collection")
    kind = body["vectorFieldType"]
    if kind not in _QUICK_VECTORS:
        raise invalid("FloatVector, BinaryVector, Float16Vector, BFloat16Vector, SparseFloatVector", kind,
                      "vectorFieldType can only be [FloatVector, BinaryVector, Float16Vector, BFloat16Vector, "
                      "SparseFloatVector], default: FloatVector")
    vector_type, dim = _QUICK_VECTORS[kind], body["dimension"]
    sparse = vector_type == schema_pb2.SparseFloatVector
    if sparse and dim != 0:
        raise invalid(0, dim, "dimension should not be specified for SparseFloatVector quick create")
    if not sparse and dim == 0:
        raise invalid("collectionName & dimension", "collectionName",
                      "dimension is required for quickly create collection(default metric type: COSINE)")
    body["metricType"] = body["metricType"] or _DEFAULT_METRICS.get(vector_type, "COSINE")
    _check_quick_metric(vector_type, body["metricType"])
    params = body["params"] or {}
    id_type, id_params = schema_pb2.Int64, []
    if body["idType"] in ("VarChar", "Varchar"):
        id_type, id_params = schema_pb2.VarChar, [_kv("max_length", go_value(params.get("max_length")))]
    elif body["idType"] not in ("", "Int64", "int64"):
        raise invalid("Int64, Varchar", body["idType"], "idType can only be [Int64, VarChar], default: Int64")
    body["primaryFieldName"] = body["primaryFieldName"] or "id"
    body["vectorFieldName"] = body["vectorFieldName"] or "vector"
    dynamic = True
    if "enableDynamicField" in params:
        dynamic = _parse_bool(go_value(params["enableDynamicField"]))
    return schema_pb2.CollectionSchema(
        name=body["collectionName"], enable_dynamic_field=dynamic, description=body["description"], fields=[
            schema_pb2.FieldSchema(fieldID=100, name=body["primaryFieldName"], is_primary_key=True,
                                   data_type=id_type, autoID=body["autoID"], type_params=id_params),
            schema_pb2.FieldSchema(fieldID=101, name=body["vectorFieldName"], data_type=vector_type,
                                   type_params=[] if sparse else [_kv("dim", str(dim))])])


def _check_quick_metric(vector_type: int, metric: str) -> None:
    if vector_type == schema_pb2.BinaryVector and metric not in _BINARY_METRICS:
        raise invalid("valid index params", "invalid index params",
                      f"binary vector index does not support metric type: {metric}")
    if vector_type == schema_pb2.SparseFloatVector:
        if metric not in _SPARSE_METRICS:
            raise invalid("valid index params", "invalid index params",
                          "only IP&BM25 is the supported metric type for sparse index")
        if metric == "BM25":
            raise invalid("valid index params", "invalid index params",
                          "only BM25 Function output field support BM25 metric type")
    elif vector_type != schema_pb2.BinaryVector and metric not in _FLOAT_METRICS:
        raise invalid("valid index params", "invalid index params",
                      f"float vector index does not support metric type: {metric}")


def _parse_bool(text: str) -> bool:
    """strconv.ParseBool, refused with Milvus's text."""
    if text in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if text in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise MilvusException(ErrorCode.UNEXPECTED_ERROR, f'parse enableDynamicField fail, err:strconv.ParseBool: '
                                                      f'parsing "{text}": invalid syntax')


def _full_schema(body: dict[str, Any], fields: list[Any]) -> schema_pb2.CollectionSchema:
    schema = body["schema"]
    proto = schema_pb2.CollectionSchema(name=body["collectionName"], autoID=bool(schema.get("autoID")),
                                        enable_dynamic_field=bool(schema.get("enableDynamicField")),
                                        description=body["description"])
    outputs: list[str] = []
    for function in schema.get("functions") or []:
        if not isinstance(function, dict):
            raise element_error(SCHEMA, "functions", function, "httpserver.FunctionSchema")
        proto.functions.append(function_schema(function))
        outputs += function.get("outputFieldNames") or []
    for field in fields:
        if not isinstance(field, dict):
            raise element_error(SCHEMA, "fields", field, "httpserver.FieldSchema")
        FIELD.check_types(field, "schema.fields")
        proto.fields.append(_field(field, bool(schema.get("autoID")), outputs))
    names = {f.name for f in proto.fields}
    for struct in schema.get("structFields") or []:
        name = (go_keys(struct, ("fieldName",)) or {}).get("fieldName") if isinstance(struct, dict) else ""
        if name in names:
            raise invalid_msg(f"duplicated field name: {name}")
        proto.struct_array_fields.append(struct_proto(struct))
        names.add(name)
    return proto


def _field(field: dict[str, Any], auto_id: bool, outputs: list[str]) -> schema_pb2.FieldSchema:
    field = go_keys(field, tuple(FIELD_ZEROS))
    data_type, name = field.get("dataType") or "", field.get("fieldName") or ""
    if data_type not in schema_pb2.DataType.keys():
        raise MilvusException(ErrorCode.INVALID_PARAMETER,
                              f"invalid parameter, data type {data_type} is invalid(case sensitive).")
    proto = schema_pb2.FieldSchema(
        name=name, is_primary_key=bool(field.get("isPrimary")), is_partition_key=bool(field.get("isPartitionKey")),
        is_clustering_key=bool(field.get("isClusteringKey")), data_type=schema_pb2.DataType.Value(data_type),
        nullable=bool(field.get("nullable")), is_function_output=name in outputs)
    default = default_value(field.get("defaultValue"), proto.data_type)
    if default is not None:
        proto.default_value.CopyFrom(default)
    if proto.data_type == schema_pb2.Array:
        element = field.get("elementDataType") or ""
        if element not in schema_pb2.DataType.keys():
            raise MilvusException(ErrorCode.INVALID_PARAMETER,
                                  f"invalid parameter, element data type {element} is invalid(case sensitive).")
        proto.element_type = schema_pb2.DataType.Value(element)
    if proto.is_primary_key:
        proto.autoID = auto_id
    for key, value in (field.get("elementTypeParams") or {}).items():
        proto.type_params.append(_kv(key, value if isinstance(value, str) else _go_json(value)))
    return proto


def function_schema(function: dict[str, Any]) -> schema_pb2.FunctionSchema:
    """genFunctionSchema: the type by its enum name, list and map params as JSON."""
    function = go_keys(function, _FUNCTION_KEYS)
    kind = function.get("type") or ""
    if kind not in schema_pb2.FunctionType.keys():
        raise invalid_msg(f"Unsupported function type: {kind}")
    params = [_kv(k, _go_json(v) if isinstance(v, (list, dict)) else go_value(v))
              for k, v in (function.get("params") or {}).items()]
    return schema_pb2.FunctionSchema(
        name=function.get("name") or "", description=function.get("description") or "",
        type=schema_pb2.FunctionType.Value(kind), input_field_names=function.get("inputFieldNames") or [],
        output_field_names=function.get("outputFieldNames") or [], params=params)


def _create_index(client: Any, collection: str, index: dict[str, Any], field_names: set[str]) -> None:
    """One indexParams entry as convertToExtraParams sends it (index_type, metric_type, params JSON)."""
    index = go_keys(index, _INDEX_KEYS)
    field = index.get("fieldName") or ""
    if field not in field_names:
        raise MilvusException(MISSING_CODE, f"{MISSING_TEXT}, error: `{field}` hasn't defined in schema")
    pairs = extra_params(index.get("indexType") or "", index.get("metricType") or "", index.get("params") or {})
    index_params = IndexParams()
    index_params.add_index(field, index_name=index.get("indexName") or "", **index_arguments(pairs))
    client.create_index(collection, index_params)


def _consistency_level(body: dict[str, Any]) -> int:
    """consistencyLevelForCreateCollection: the top-level level, else params.consistencyLevel, else Bounded."""
    params = body["params"] or {}
    top, has_param = body["consistencyLevel"], "consistencyLevel" in params
    param = go_value(params.get("consistencyLevel")) if has_param else ""
    if top and has_param and top != param:
        raise invalid("same consistencyLevel", params["consistencyLevel"],
                      "top-level consistencyLevel conflicts with params.consistencyLevel")
    level, actual = (top, top) if top or not has_param else (param, params["consistencyLevel"])
    if not level:
        return common_pb2.Bounded
    if level in common_pb2.ConsistencyLevel.keys():
        return common_pb2.ConsistencyLevel.Value(level)
    raise invalid("Strong, Session, Bounded, Eventually, Customized", actual,
                  "consistencyLevel can only be [Strong, Session, Bounded, Eventually, Customized], default: Bounded")


def _properties(body: dict[str, Any]) -> dict[str, str]:
    """The request's properties: the TTL (once, from properties or params.ttlSeconds) and the params
    handler_v2.go copies, as strings."""
    given, params, out = body["properties"] or {}, body["params"] or {}, {}
    ttl = [given[k] for k in (_TTL_KEY, "ttl.seconds") if k in given] + (
        [params["ttlSeconds"]] if "ttlSeconds" in params else [])
    if len(ttl) > 1:
        raise invalid_msg("collection TTL is specified multiple times")
    if ttl:
        out[_TTL_KEY] = go_value(ttl[0])
    for param, key in _PROPERTY_PARAMS:
        if param in params:
            out[key] = go_value(params[param])
    return out


def _int_param(params: dict[str, Any], key: str) -> Optional[int]:
    """strconv.ParseInt of ``%v``: a value that is no integer is ignored, as Milvus ignores it."""
    try:
        return int(go_value(params[key])) if key in params else None
    except ValueError:
        return None


def _kv(key: str, value: str) -> common_pb2.KeyValuePair:
    return common_pb2.KeyValuePair(key=key, value=value)


def _go_json(value: Any) -> str:
    """json.Marshal of a decoded value: compact, map keys sorted."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


ROUTES = {"collections/create": Route(CREATE, create_collection)}
