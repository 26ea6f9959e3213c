"""The fixed schemas the filter tests use (reference Appendix A, plus extras)."""

from __future__ import annotations

from pgmilvus.schema.model import CollectionSchema, FieldSchema
from pgmilvus.types import DataType


def appendix_schema(dynamic: bool = True) -> CollectionSchema:
    """id INT64 pk, vec FLOAT_VECTOR(2), s VARCHAR(64), i INT64, i8 INT8, i32 INT32,
    f DOUBLE, f32 FLOAT, b BOOL, j JSON, a ARRAY<INT64>(10), sa ARRAY<VARCHAR(20)>(10),
    n INT64 nullable, t VARCHAR with text match, nj JSON nullable, fa ARRAY<FLOAT>."""
    fields = [
        FieldSchema("id", DataType.INT64, is_primary=True),
        FieldSchema("vec", DataType.FLOAT_VECTOR, dim=2),
        FieldSchema("s", DataType.VARCHAR, max_length=64),
        FieldSchema("i", DataType.INT64),
        FieldSchema("i8", DataType.INT8),
        FieldSchema("i32", DataType.INT32),
        FieldSchema("f", DataType.DOUBLE),
        FieldSchema("f32", DataType.FLOAT),
        FieldSchema("b", DataType.BOOL),
        FieldSchema("j", DataType.JSON),
        FieldSchema("a", DataType.ARRAY, element_type=DataType.INT64, max_capacity=10),
        FieldSchema("sa", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=10,
                    max_length=20),
        FieldSchema("n", DataType.INT64, nullable=True),
        FieldSchema("t", DataType.VARCHAR, max_length=200, enable_analyzer=True, enable_match=True),
        FieldSchema("nj", DataType.JSON, nullable=True),
        FieldSchema("fa", DataType.ARRAY, element_type=DataType.FLOAT, max_capacity=10),
    ]
    return CollectionSchema(fields, enable_dynamic_field=dynamic)


def timestamptz_schema() -> CollectionSchema:
    """id INT64 pk, vec FLOAT_VECTOR(2), ts TIMESTAMPTZ nullable, ts2 TIMESTAMPTZ, i INT64,
    s VARCHAR(64), j JSON, dynamic field on (cases.txt lines starting ``tsz:``)."""
    fields = [
        FieldSchema("id", DataType.INT64, is_primary=True),
        FieldSchema("vec", DataType.FLOAT_VECTOR, dim=2),
        FieldSchema("ts", DataType.TIMESTAMPTZ, nullable=True),
        FieldSchema("ts2", DataType.TIMESTAMPTZ),
        FieldSchema("i", DataType.INT64),
        FieldSchema("s", DataType.VARCHAR, max_length=64),
        FieldSchema("j", DataType.JSON),
    ]
    return CollectionSchema(fields, enable_dynamic_field=True)


def stored_tokens_schema() -> CollectionSchema:
    """appendix_schema as a collection made now has it: the tokens of t stored in its hidden
    column (ddl.match_column), plus tz, a jieba-analyzed text_match field (cases.txt ``tok:``)."""
    schema = appendix_schema(dynamic=True)
    schema.add_field("tz", DataType.VARCHAR, max_length=200, enable_analyzer=True, enable_match=True,
                     analyzer_params={"tokenizer": "jieba"})
    schema.token_fields = frozenset({"t", "tz"})
    return schema
