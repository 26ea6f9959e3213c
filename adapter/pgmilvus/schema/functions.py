"""A schema's functions at create time: pymilvus's client checks, Milvus 2.6's proxy checks
(internal/proxy/util.go validateFunction, checkFunctionBasicParams / InputField / OutputField),
then what pgmilvus cannot run.

Kept apart from model.py (the schema itself) so every rule about functions is in one place;
each check takes the schema, reads its fields, and raises in the words of whoever refuses it
in Milvus: pymilvus's ParamError texts first (its ``schema.verify()`` runs before the request
leaves the client), then the proxy's plain errors (code 65535, as Milvus's fmt.Errorf reach
the client).
"""

from __future__ import annotations

from typing import Any

from ..data import analyzer, minhash
from ..errors import ErrorCode, MilvusException, ParamError
from ..types import DataType, FunctionType, go_name

_TEXT_TYPES = (DataType.VARCHAR, DataType.TEXT)


class Refusal(MilvusException):
    """The proxy's refusal of a function (code 65535 at create time); ``missing``: Milvus's
    ErrParameterMissing rather than ErrParameterInvalid (add_function_field answers 1101 / 1100)."""

    def __init__(self, message: str, missing: bool = False) -> None:
        super().__init__(ErrorCode.SERVER_ERROR, message)
        self.missing = missing


def _server(message: str) -> MilvusException:
    return Refusal(message)


def _missing(message: str) -> MilvusException:
    return Refusal(message, missing=True)


def verify_client(schema: Any) -> None:
    """pymilvus's CollectionSchema._check_functions (orm/schema.py), for schema functions."""
    for function in schema.functions:
        if function.type == FunctionType.RERANK:
            continue  # not a schema function: refused by verify_pgmilvus
        for name in function.output_field_names:
            field = schema.field(name)
            if field is None:
                raise ParamError(message=f"Function output field not found in collection schema.: {name}")
            if field.is_primary or field.is_partition_key or field.is_clustering_key:
                raise ParamError(message="The output field must not be primary key, partition key, "
                                         "clustering key.")
        for name in function.input_field_names:
            if schema.field(name) is None:
                raise ParamError(message=f"Function input field not found in collection schema.: {name}")
        if function.type == FunctionType.BM25:
            _client_bm25(schema, function)
        elif function.type == FunctionType.UNKNOWN:
            raise ParamError(message="Unknown function type.")


def _client_bm25(schema: Any, function: Any) -> None:
    """pymilvus's Function._check_bm25_function."""
    if len(function.input_field_names) != 1 or len(function.output_field_names) != 1:
        raise ParamError(message="BM25 function must have exact 1 input and 1 output field.")
    if schema.field(function.input_field_names[0]).dtype not in _TEXT_TYPES:
        raise ParamError(message="BM25 function input field must be VARCHAR.")
    if schema.field(function.output_field_names[0]).dtype != DataType.SPARSE_FLOAT_VECTOR:
        raise ParamError(message="BM25 function output field must be SPARSE_FLOAT_VECTOR.")


_RUN_HERE = (FunctionType.BM25, FunctionType.MINHASH)


def verify_server(schema: Any) -> None:
    """The proxy's validateFunction for the functions pgmilvus runs (BM25, MinHash), in its order
    and words; it also decides which fields are function outputs (the flag a client sent is
    ignored, as Milvus resets it).  MinHash's own checks (master's ValidateMinHashFunction) come
    after every function's common ones, as its runtime check does."""
    used_names: set[str] = set()
    used_outputs: set[str] = set()
    for field in schema.fields:
        field.is_function_output = False
    for function in schema.functions:
        if function.type not in _RUN_HERE:
            continue  # refused by verify_pgmilvus
        _basic_params(function)
        if function.name in used_names:
            raise _server(f"duplicate function name: {function.name}")
        used_names.add(function.name)
        inputs = []
        for name in function.input_field_names:
            field = schema.field(name)
            if field is None:
                raise _server(f"function input field not found: {name}")
            inputs.append(field)
        _text_input(function, inputs)
        outputs = []
        for name in function.output_field_names:
            field = schema.field(name)
            if field is None:
                raise _server(f"function output field not found: {name}")
            _output_flags(function, field)
            field.is_function_output = True
            outputs.append(field)
            if name in used_outputs:
                raise _server(f"duplicate function output field: function {function.name}, field {name}")
            used_outputs.add(name)
        _output_type(function, outputs)
    for function in schema.functions:
        if function.type == FunctionType.MINHASH:
            _minhash(schema, function)


def _output_type(function: Any, outputs: list[Any]) -> None:
    """checkFunctionOutputField: one output, of the function's vector type."""
    label, wanted = (("BM25", DataType.SPARSE_FLOAT_VECTOR) if function.type == FunctionType.BM25
                     else ("MinHash", DataType.BINARY_VECTOR))
    if len(outputs) != 1:
        raise _server(f"{label} function only need 1 output field, but got {len(outputs)}")
    if outputs[0].dtype != wanted:
        raise _server(f"{label} function output field must be a {go_name(wanted)} field, but got "
                      f"{go_name(outputs[0].dtype)}")


def _minhash(schema: Any, function: Any) -> None:
    """Milvus master's ValidateMinHashFunction: the input is a VARCHAR, the params parse, the
    output's dim is num_hashes * 32 (or, without num_hashes, a multiple of 32)."""
    source, output = schema.field(function.input_field_names[0]), schema.field(function.output_field_names[0])
    if source.dtype != DataType.VARCHAR:
        raise _server(f"minhash function input field '{source.name}' is not string type, is "
                      f"{go_name(source.dtype)}: invalid parameter")
    params = minhash.read_params(function.params, output.dim)
    explicit = any(str(k).lower() == "num_hashes" for k in function.params)
    minhash.check_output_dim(params, explicit, output.name, output.dim)


def _output_flags(function: Any, field: Any) -> None:
    if field.is_primary:
        raise _server(f"function output field cannot be primary key: function {function.name}, "
                      f"field {field.name}")
    if field.is_partition_key or field.is_clustering_key:
        raise _server(f"function output field cannot be partition key or clustering key: function "
                      f"{function.name}, field {field.name}")
    if field.nullable:
        raise _server(f"function output field cannot be nullable: function {function.name}, field {field.name}")


def _basic_params(function: Any) -> None:
    """checkFunctionBasicParams (the names' checks pymilvus's constructor mostly made already)."""
    if function.name == "":
        raise _missing("function name cannot be empty")
    if not function.input_field_names:
        raise _missing(f"function input field names cannot be empty, function: {function.name}")
    if not function.output_field_names:
        raise _missing(f"function output field names cannot be empty, function: {function.name}")
    for name in function.input_field_names:
        if name == "":
            raise _missing(f"function input field name cannot be empty string, function: {function.name}")
    for name in function.output_field_names:
        if name == "":
            raise _missing(f"function output field name cannot be empty string, function: {function.name}")
    if function.params and function.type == FunctionType.BM25:  # MinHash's are optional
        raise _server("BM25 function accepts no params")


def _text_input(function: Any, fields: list[Any]) -> None:
    """checkFunctionInputField: one VARCHAR / TEXT field; BM25's with enable_analyzer."""
    label = "BM25" if function.type == FunctionType.BM25 else "MinHash"
    if len(fields) != 1 or fields[0].dtype not in _TEXT_TYPES:
        raise _server(f"{label} function input field must be a VARCHAR/TEXT field, got {len(fields)} field "
                      f"with type {go_name(fields[0].dtype)}")
    if function.type == FunctionType.BM25 and fields[0].params.get("enable_analyzer") is not True:
        raise _server("BM25 function input field must set enable_analyzer to true")


def verify_pgmilvus(schema: Any, collection_name: str = "") -> None:
    """What Milvus runs and pgmilvus cannot: embedding functions (a model service), and analyzers
    data/analyzer.py does not implement."""
    for function in schema.functions:
        if function.type not in _RUN_HERE:
            raise MilvusException(ErrorCode.UNSUPPORTED,
                                  f"function {function.name} ({function.type.name}) is not supported "
                                  "by pgmilvus: compute embeddings before insert")
    for source in schema.bm25_outputs.values():
        analyzer.check_multi(source, schema, collection_name)
        analyzer.for_field(source)
    for source, _ in schema.minhash_outputs.values():  # word-level shingles use its analyzer
        analyzer.for_field(source)
    bm25_inputs = {source.name for source in schema.bm25_outputs.values()}
    for field in schema.fields:  # rootcoord validates a text_match field's analyzer too
        if field.params.get("enable_match") and field.name not in bm25_inputs:
            try:
                analyzer.for_field(field)
            except MilvusException as exc:
                if exc.code != ErrorCode.UNSUPPORTED:  # text_match there reads Postgres's parser
                    raise


# -- add / alter / drop a function of an existing collection (Milvus 2.6's function_task.go) -------

def a_function(function: Any) -> None:
    """pymilvus's Function (or pgmilvus's): anything else is refused as its wrong type."""
    if not all(hasattr(function, a) for a in ("name", "type", "input_field_names", "output_field_names")):
        raise ParamError(message=f"function must be a Function, got {type(function).__name__}")


def check_add(function: Any) -> None:
    """add_collection_function, before the collection is looked up (2.6's PreExecute order)."""
    if function is None:
        raise _server("function schema is empty")
    a_function(function)
    if function.type == FunctionType.BM25:
        raise _server("currently does not support adding BM25 function")


def check_alter(function_name: str, function: Any) -> None:
    """alter_collection_function, before the collection is looked up."""
    if function is None:
        raise _server("function schema is empty")
    a_function(function)
    if function.type == FunctionType.BM25:
        raise _server("currently does not support alter BM25 function")
    if function_name != function.name:
        raise _server("invalid function config, name not match")


def refuse_change(schema: Any, verb: str, function_name: str, function: Any = None) -> None:
    """The rest, with the collection's schema: what 2.6 refuses, then what pgmilvus cannot run
    (every function other than BM25 needs a model service).  Dropping a function the schema
    lacks changes nothing, as in 2.6; altering one is ``function X not found``."""
    existing = next((f for f in schema.functions if f.name == function_name), None)
    if existing is not None and existing.type == FunctionType.BM25:
        raise _server("currently does not support alter BM25 function" if verb == "alter"
                      else "currently does not support droping BM25 function")  # sic, 2.6's spelling
    if existing is None and verb == "alter":
        raise _server(f"function {function_name} not found")
    if existing is None and verb == "drop":
        return
    shown = function if function is not None else existing
    if shown.type == FunctionType.MINHASH:  # master adds one with its field (add_function_field)
        raise MilvusException(ErrorCode.UNSUPPORTED,
                              f"function {shown.name} (MINHASH): pgmilvus cannot {verb} a MinHash function alone; "
                              "add_function_field adds one with its output field")
    raise MilvusException(ErrorCode.UNSUPPORTED,
                          f"function {shown.name} ({shown.type.name}) is not supported by pgmilvus: "
                          "compute embeddings before insert")
