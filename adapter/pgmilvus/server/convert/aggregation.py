"""search_aggregation over the wire: the request's SearchAggregationSpec in (read by the core's
``spec.from_message``) and the buckets out as Milvus master's ``SearchResultData.agg_buckets`` /
``agg_topks``, which unmodified pymilvus 3 parses into its AggregationBucket objects."""

from __future__ import annotations

from typing import Any, Sequence

from pymilvus.grpc_gen import schema_pb2

from ...schema.model import CollectionSchema
from ...search.aggregation.buckets import AggregationBucket
from ...types import DataType


def fill(data: schema_pb2.SearchResultData, per_query: Sequence[Sequence[AggregationBucket]],
         schema: CollectionSchema) -> None:
    """Write the buckets of every query into ``data`` (a pymilvus 2.6 stub has no such fields: nothing
    to write, its client could not read them)."""
    if "agg_buckets" not in data.DESCRIPTOR.fields_by_name:
        return
    for buckets in per_query:
        data.agg_topks.append(len(buckets))
        data.agg_buckets.extend(_bucket(b, schema) for b in buckets)


def _bucket(bucket: AggregationBucket, schema: CollectionSchema) -> schema_pb2.AggBucket:
    out = schema_pb2.AggBucket(count=bucket.count)
    for entry in bucket.key:
        key = out.key.add(field_id=entry["field_id"], field_name=entry["field_name"])
        _set(key, entry["value"], "int_val", "double_val")
    for alias, value in bucket.metrics.items():
        _set(out.metrics[alias], value, "int_val", "double_val")
    for hit in bucket.hits:
        agg_hit = out.hits.add(score=hit.score)
        if isinstance(hit.pk, str):
            agg_hit.str_pk = hit.pk
        elif hit.pk is not None:
            agg_hit.int_pk = hit.pk
        ids = hit.field_ids()
        for name in sorted(hit.fields, key=lambda n: ids.get(n, 0)):  # Milvus sends them by field id
            field = agg_hit.fields.add(field_id=ids.get(name, 0), field_name=name)
            _set(field, hit.fields[name], "int_val", _float_kind(schema, ids.get(name, 0)))
    out.sub_groups.extend(_bucket(b, schema) for b in bucket.sub_groups)
    return out


def _float_kind(schema: CollectionSchema, field_id: int) -> str:
    """A FLOAT field's values go as float_val, a DOUBLE's as double_val (Milvus's Go types)."""
    index = field_id - 100
    if 0 <= index < len(schema.fields) and schema.fields[index].dtype == DataType.FLOAT:
        return "float_val"
    return "double_val"


def _set(message: Any, value: Any, integer: str, floating: str) -> None:
    """Set the oneof branch of ``value``'s kind (None: none, as Milvus leaves a NULL)."""
    if value is None:
        return
    if isinstance(value, bool):
        message.bool_val = value
    elif isinstance(value, int):
        setattr(message, integer, value)
    elif isinstance(value, float):
        setattr(message, floating, value)
    elif isinstance(value, bytes):
        message.bytes_val = value
    else:
        message.string_val = str(value)
