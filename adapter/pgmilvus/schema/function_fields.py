"""The checks of add_function_field / drop_function_field (Milvus master's AlterCollectionSchema
with a function), pure: no I/O, each in the words and order of whoever refuses it in Milvus.

pymilvus checks the arguments first (``client_checks``, code 1); then the proxy
(internal/proxy/task.go ``alterCollectionSchemaTask.preExecuteAdd`` / ``validateDropFunction``,
internal/util/schemautil ``ValidateAlterSchemaAddFunctionPlan``, internal/util/indexparamcheck
``PrepareFunctionOutputIndexParams``) answers with merr codes 1100 / 1101, and its function
validator runs over the schema with the new field and function.  catalog/function_fields.py
runs them, then changes the collection.
"""

from __future__ import annotations

from typing import Any, Optional

from . import functions
from ..errors import ErrorCode, MilvusException, ParamError, check_argument, invalid_parameter
from .index_params import IndexParam, IndexParams
from .model import CollectionSchema, FieldSchema, Function
from ..types import DataType, FunctionType, go_name

#: The functions add_function_field adds, and the type of the field each computes.
OUTPUT_TYPES = {FunctionType.BM25: DataType.SPARSE_FLOAT_VECTOR, FunctionType.MINHASH: DataType.BINARY_VECTOR}
_LABELS = {FunctionType.BM25: "BM25", FunctionType.MINHASH: "MinHash"}
_MAX_INDEX_NAME = 255


# -- pymilvus's MilvusClient.add_function_field (before the request leaves the client) -------------

def client_checks(field: Any, function: Any, index_params: Any) -> Optional[IndexParam]:
    """pymilvus's own checks and ``extract_bound_index_param``: the bound index, named for the field."""
    check_argument("field_schema", field, FieldSchema)
    check_argument("func", function, Function)
    wanted = OUTPUT_TYPES.get(function.type)
    if wanted is None:
        raise ParamError(message="add_function_field only supports FunctionType.BM25 with SPARSE_FLOAT_VECTOR or "
                                 f"FunctionType.MINHASH with BINARY_VECTOR for now, got {int(function.type)}")
    if field.dtype != wanted:
        raise ParamError(message=f"add_function_field requires {wanted.name} output field for "
                                 f"{int(function.type)}, got {int(field.dtype)}")
    if not isinstance(index_params, IndexParams):
        raise ParamError(message="wrong type of argument index_params, expected: IndexParams, got: "
                                 f"{type(index_params).__name__}")
    if len(index_params) != 1:
        raise ParamError(message="index_params must contain exactly one index for the function output field")
    param = index_params[0]
    if param.field_name not in ("", field.name):
        raise ParamError(message=f"index_params field_name {param.field_name!r} does not match the function "
                                 f"output field {field.name!r}")
    if not param.index_type:
        raise ParamError(message="an explicit index_type is required for the bound index of the function "
                                 "output field")
    return IndexParam(field.name, param.index_type, param.index_name, **_configs(param))


def _configs(param: IndexParam) -> dict[str, Any]:
    configs = dict(param.params)
    if param.metric_type is not None:
        configs["metric_type"] = param.metric_type
    return configs


# -- the proxy: ValidateAlterSchemaAddFunctionPlan, then the bound index ---------------------------

def check_plan(field: FieldSchema, function: Function, index: Optional[IndexParam]) -> None:
    """The function of a field-and-function add; ``index`` None: the request named no index params."""
    label = _LABELS.get(function.type)
    if label is None:
        raise invalid_parameter("For now, only BM25 and MinHash functions are supported in add_function_field "
                                "interface")
    if len(function.input_field_names) != 1 or len(function.output_field_names) != 1:
        raise invalid_parameter(f"{label} function should have exactly one input field and exactly one output field")
    if function.output_field_names[0] != field.name:
        raise invalid_parameter(f'function output field "{function.output_field_names[0]}" must be the '
                                f'newly-added field "{field.name}"')
    if field.is_vector and index is None:
        raise invalid_parameter(f'index params are required when adding function output field "{field.name}" of '
                                f"vector type {go_name(field.dtype)}: provide index_type/metric_type (and "
                                "params) in field_info.extra_params")


def check_bound_index(field: FieldSchema, function: Function, index: IndexParam) -> IndexParam:
    """validateIndexName and PrepareFunctionOutputIndexParams: an explicit index type, and BM25's
    metric (BM25, its default); the index as create_index would take it."""
    check_index_name(index.index_name)
    index_type = str(index.index_type or "")
    if index_type.upper() in ("", "AUTOINDEX"):
        raise invalid_parameter(f'an explicit index_type is required for the bound index of function output '
                                f'field "{field.name}"')
    configs = _configs(index)
    if function.type == FunctionType.BM25:
        metric = configs.setdefault("metric_type", "BM25")
        if metric != "BM25":
            raise invalid_parameter(f"index metric type of BM25 function output field must be BM25, got {metric}")
    return IndexParam(field.name, index_type, index.index_name, **configs)


def check_index_name(name: str) -> None:
    """Milvus's ValidateIndexName (an empty name is the field's)."""
    name = name.strip()
    if not name:
        return
    invalid = f"Invalid index name: {name}. "
    if len(name) > _MAX_INDEX_NAME:
        raise invalid_parameter(f"{invalid}The length of a index name must be less than {_MAX_INDEX_NAME} "
                                "characters.")
    if not (name[0] == "_" or (name[0].isascii() and name[0].isalpha())):
        raise invalid_parameter(f"{invalid}The first character of a index name must be an underscore or letter.")
    if any(not (c in "_[]" or (c.isascii() and c.isalnum())) for c in name[1:]):
        raise invalid_parameter(f"{invalid}Index name can only contain numbers, letters, and underscores.")


def check_merged(merged: CollectionSchema, function: Function) -> None:
    """validateAddFunctionInputNotText, then the function validator over the schema with the new
    field and function (it also marks the function outputs), with the proxy's merr codes."""
    source = merged.field(function.input_field_names[0])
    if source is not None and source.dtype == DataType.TEXT:
        raise invalid_parameter(f"adding a {_LABELS[function.type]} function with a TEXT input field "
                                f"({source.name}) is not supported: its output cannot be backfilled into "
                                "existing segments; use a VARCHAR input field")
    try:
        functions.verify_server(merged)
    except MilvusException as exc:  # the create-time answers (2.6's code 65535), in master's codes
        if exc.code != ErrorCode.SERVER_ERROR:
            raise
        missing = isinstance(exc, functions.Refusal) and exc.missing
        code = ErrorCode.MISSING_PARAMETER if missing else ErrorCode.INVALID_PARAMETER
        suffix = ": missing parameter" if missing else ": invalid parameter"
        text = exc.message if exc.message.endswith(suffix) else exc.message + suffix
        raise MilvusException(code, text) from None


# -- drop_function_field ---------------------------------------------------------------------------

def check_drop(schema: CollectionSchema, function_name: str, cascade: bool) -> Function:
    """validateDropFunction: the function, and whether its output field may go with it
    (``cascade``) or stay a plain field."""
    if function_name == "":
        raise invalid_parameter("function name is empty")
    function = next((f for f in schema.functions if f.name == function_name), None)
    if function is None:
        raise invalid_parameter(f"function not found: {function_name}")
    if not cascade:
        if function.type == FunctionType.BM25:
            raise invalid_parameter(f"BM25 function must be dropped with its output field in drop_function_field "
                                    f"interface: {function_name}")
        return function
    if function.type not in _LABELS:
        raise invalid_parameter(f"only BM25 and MinHash functions support dropping output fields: {function_name}")
    outputs = {name for name in function.output_field_names if (f := schema.field(name)) is not None and f.is_vector}
    if len(outputs) >= len(schema.vector_fields):
        raise invalid_parameter(f"cannot drop function {function_name}: it would leave no vector field in the "
                                "collection")
    return function
