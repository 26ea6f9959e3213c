"""RPCs that change a collection after it was created: fields (add, alter, drop) and index properties.

pymilvus 3 adds and drops fields through ``AlterCollectionSchema`` and falls
back to ``AddCollectionField`` when a server does not implement it; both
arrive at the same MilvusClient calls the in-process client makes.  A field
with a function (add_function_field) and a function's drop (drop_function_field)
arrive at MilvusClient.alter_collection_schema_add / _drop, after the checks
pymilvus made on the client.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.message import DecodeError
from pymilvus.grpc_gen import milvus_pb2, schema_pb2

from ..errors import ErrorCode
from ..schema.index_params import IndexParam
from ..schema.model import FieldSchema
from .convert.params import kv_dict
from .convert.schema import field_arguments, function as function_of, struct_schema
from .handler import Call, RPCBase, rpc
from .rpc_admin import index_arguments
from .status import SUCCESS, bad_request


class SchemaRPCs(RPCBase):

    @rpc
    def AlterCollectionSchema(self, call: Call, request: milvus_pb2.AlterCollectionSchemaRequest) -> Any:
        action = request.action
        if action.HasField("drop_request"):
            self._drop(call, request.collection_name, action.drop_request)
        elif action.HasField("add_request"):
            self._add(call, request.collection_name, action.add_request)
        else:
            raise bad_request("AlterCollectionSchema names neither an add_request nor a drop_request")
        return milvus_pb2.AlterCollectionSchemaResponse(alter_status=SUCCESS)

    @rpc
    def AddCollectionField(self, call: Call, request: milvus_pb2.AddCollectionFieldRequest) -> Any:
        proto = schema_pb2.FieldSchema()
        try:
            proto.ParseFromString(request.schema)
        except DecodeError:
            raise bad_request("AddCollectionField.schema is not a valid schema.FieldSchema message") from None
        self._add_field(call, request.collection_name, proto)
        return SUCCESS

    @rpc
    def AddCollectionStructField(self, call: Call, request: Any) -> Any:
        """Milvus master's add of an ARRAY<STRUCT> field: the in-process call, with the struct as
        pymilvus built it (its mmap / warmup params kept in it)."""
        struct = struct_schema(request.struct_array_field_schema, request.collection_name)
        self._client(call).add_collection_struct_field(request.collection_name, struct.name, struct,
                                                       struct.max_capacity, struct.description or None,
                                                       nullable=struct.nullable)
        return SUCCESS

    @rpc
    def AddCollectionFunction(self, call: Call, request: milvus_pb2.AddCollectionFunctionRequest) -> Any:
        self._client(call).add_collection_function(request.collection_name, _function(request))
        return SUCCESS

    @rpc
    def AlterCollectionFunction(self, call: Call, request: milvus_pb2.AlterCollectionFunctionRequest) -> Any:
        self._client(call).alter_collection_function(request.collection_name, request.function_name,
                                                     _function(request))
        return SUCCESS

    @rpc
    def DropCollectionFunction(self, call: Call, request: milvus_pb2.DropCollectionFunctionRequest) -> Any:
        self._client(call).drop_collection_function(request.collection_name, request.function_name)
        return SUCCESS

    @rpc
    def AlterCollectionField(self, call: Call, request: milvus_pb2.AlterCollectionFieldRequest) -> Any:
        """Properties set, or ``delete_keys`` dropped (the Java and Node SDKs' dropCollectionFieldProperties)."""
        client = self._client(call)
        if request.properties or not request.delete_keys:
            client.alter_collection_field(request.collection_name, request.field_name,
                                          kv_dict(request.properties, parse=False))
        if request.delete_keys:
            client.drop_collection_field_properties(request.collection_name, request.field_name,
                                                    list(request.delete_keys))
        return SUCCESS

    @rpc
    def AlterIndex(self, call: Call, request: milvus_pb2.AlterIndexRequest) -> Any:
        client = self._client(call)
        if request.delete_keys:
            client.drop_index_properties(request.collection_name, request.index_name, list(request.delete_keys))
        else:
            client.alter_index_properties(request.collection_name, request.index_name,  # values as sent:
                                          kv_dict(request.extra_params, parse=False))  # "true" stays "true"
        return SUCCESS

    def _add(self, call: Call, collection: str, add: Any) -> None:
        """Master's ParseAlterSchemaAddRequest: at most one field and one function; a field with a
        function is add_function_field (its index from the field's index_name / extra_params)."""
        if len(add.func_schema) > 1:
            raise bad_request("For now, at most one function schema is supported")
        if len(add.field_infos) > 1:
            raise bad_request("For now, only one field info is supported")
        if not add.field_infos and not add.func_schema:
            raise bad_request("fieldInfos and function schema are both empty")
        info = add.field_infos[0] if add.field_infos else None
        if add.func_schema:
            field = _field(info.field_schema) if info is not None else None
            index = _bound_index(info) if info is not None and info.extra_params else None
            self._client(call).alter_collection_schema_add(collection, field, function_of(add.func_schema[0]), index)
            return
        if info.index_name or info.extra_params:
            raise bad_request("adding a field with its index in one call is not supported by pgmilvus: "
                              "add the field, then create_index", int(ErrorCode.UNSUPPORTED))
        self._add_field(call, collection, info.field_schema)

    def _add_field(self, call: Call, collection: str, proto: schema_pb2.FieldSchema) -> None:
        name, dtype, description, kwargs = field_arguments(proto)
        self._client(call).add_collection_field(collection, name, dtype, description, **kwargs)

    def _drop(self, call: Call, collection: str, drop: Any) -> None:
        if drop.function_name:
            self._client(call).alter_collection_schema_drop(collection, drop.function_name,
                                                            drop.drop_function_output_fields)
            return
        self._client(call).drop_collection_field(collection, field_name=drop.field_name, field_id=drop.field_id)


def _field(proto: schema_pb2.FieldSchema) -> FieldSchema:
    name, dtype, description, kwargs = field_arguments(proto)
    return FieldSchema(name, dtype, description, **kwargs)


def _bound_index(info: Any) -> IndexParam:
    """A FieldInfo's index_name and extra_params as the index create_index would take (the JSON
    ``params`` and flat keys both build parameters; no index_type: AUTOINDEX, refused as implicit)."""
    return IndexParam(info.field_schema.name, index_name=info.index_name, **index_arguments(info.extra_params))


def _function(request: Any) -> Any:
    """The request's FunctionSchema as pgmilvus's Function; None when it carries none (the core
    answers 2.6's ``function schema is empty``)."""
    return function_of(request.functionSchema) if request.HasField("functionSchema") else None
