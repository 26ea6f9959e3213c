"""RPCs of the data plane: insert, upsert, delete, query (get, count, iterators) and search."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Callable, Optional

from pymilvus.grpc_gen import common_pb2, milvus_pb2, schema_pb2

from ..errors import ErrorCode, MilvusException
from ..search.function_rank import FunctionScore, fusion_weights
from ..data.outputs import output_plan
from ..data import order_by
from ..search.aggregation import spec as aggregation_spec
from ..search.rerank import AnnSearchRequest, BaseRanker, RRFRanker, WeightedRanker
from ..search.results import Hits
from ..schema.model import DYNAMIC_FIELD, CollectionSchema
from ..types import DataType
from .convert import aggregation, structs
from .convert.chains import chains as function_chains
from .convert.columns import is_struct_column, rows_from_columns
from .convert.fields import aggregate_columns, columns, group_column
from .convert.params import go_type_name, json_kind, json_object, kv_dict, template_values
from .convert.schema import function
from .convert.vectors import EmbeddingLists, check_vector_type, query_vectors
from .handler import Call, RPCBase, rpc
from .iterators import ITER_KEYS, SearchIterators
from .rpc_admin import hybrid_ts
from .status import SUCCESS, bad_request

#: Search parameters (pymilvus's search_params KVs) passed to search() as keyword arguments.
_SEARCH_KWARGS = ("offset", "round_decimal", "group_by_field", "group_size", "strict_group_size", "json_path",
                  "json_type", "strict_cast", "ignore_growing")
#: How TIMESTAMPTZ values come back (Milvus 2.6's query and search params), passed on as sent: names.
_TIME_KWARGS = ("timezone", "time_fields")
_HYBRID_KWARGS = ("offset", "round_decimal", "group_by_field", "group_size", "strict_group_size",
                  "rank_group_scorer", "ignore_growing")
#: SDKs that build search hits from ``fields_data`` only (never from ``ids``): they need the pk column.
_PK_COLUMN_SDKS = {"nodejs"}


def namespace(request: Any) -> dict[str, Any]:
    """The request's ``namespace`` (an optional field in pymilvus 3's stubs, absent from 2.6's) as the
    core's keyword argument, so the core judges it as it does in process."""
    try:
        return {"namespace": request.namespace} if request.HasField("namespace") else {}
    except ValueError:  # no such field in these stubs
        return {}


def ids_proto(ids: list[Any]) -> schema_pb2.IDs:
    out = schema_pb2.IDs()
    if ids and isinstance(ids[0], str):
        out.str_id.data.extend(ids)
    elif ids:
        out.int_id.data.extend(ids)
    return out


class DataRPCs(RPCBase):

    def _schema(self, call: Call, collection: str) -> CollectionSchema:
        return self._client(call).collection_schema(collection)

    def _nullable(self, call: Call, collection: str) -> Callable[[str], bool]:
        """Whether a field of ``collection`` may be sent without values (nullable, or a default),
        for rows_from_columns (the schema is read only if a column needs it)."""
        def nullable(name: str) -> bool:
            field = self._schema(call, collection).field(name)
            return field is None or bool(field.nullable) or (field.has_default and field.default_value is not None)
        return nullable

    def _rows(self, call: Call, request: Any, every_struct: bool) -> list[dict[str, Any]]:
        """An Insert / Upsert request's rows; ``every_struct``: each struct array that is not
        nullable must be sent (an insert, a full upsert)."""
        collection = request.collection_name

        def struct_values(col: schema_pb2.FieldData) -> Optional[list[Any]]:
            return structs.struct_values(col, self._schema(call, collection).struct_field(col.field_name), collection)

        def element_type(name: str) -> Optional[DataType]:
            field = self._schema(call, collection).field(name)
            return field.element_type if field is not None and field.dtype == DataType.ARRAY else None

        rows = rows_from_columns(request.fields_data, request.num_rows, self._nullable(call, collection),
                                 struct_values, element_type)
        if every_struct and any(is_struct_column(c) for c in request.fields_data):
            structs.missing_structs(self._schema(call, collection), request.fields_data)
        return rows

    def _check_schema_timestamp(self, call: Call, request: Any) -> None:
        """Milvus's proxy refuses a write built from another schema than the collection's: the
        ``schema_timestamp`` SDKs send (DescribeCollection's ``update_timestamp`` they cached) must be
        the collection's, or 109 ``collection schema mismatch``, whose legacy ``SchemaMismatch``
        makes pymilvus and the Node SDK describe the collection again and resend.  Without it, a
        Node client whose cached schema predated another client's change (the collection made
        again with another dimension) had its write built from the old schema refused.  0 (not
        sent) is not checked."""
        sent = request.schema_timestamp
        if not sent:
            return
        current = self._client(call).schema_timestamp(request.collection_name)
        if sent != current:
            raise MilvusException(ErrorCode.COLLECTION_SCHEMA_MISMATCH,
                                  f"collection schema mismatch[collection={request.collection_name}] (schema_timestamp "
                                  f"{sent}, the collection's is {current}: describe the collection again and resend)")

    def _refuse_no_rows(self, call: Call, request: Any) -> None:
        """Milvus's proxy refuses an insert or upsert whose ``num_rows`` is 0 (the Go SDK sends 0
        for no columns or empty ones), once the collection is known and before looking at the
        columns' values; pgmilvus's own conversion would take the count from the columns."""
        if request.num_rows > 0:
            return
        self._schema(call, request.collection_name)  # an unknown collection first
        raise MilvusException(ErrorCode.INVALID_PARAMETER,
                              "num_rows should be greater than 0: invalid parameter[expected=invalid num_rows]"
                              f"[actual={request.num_rows}]")

    # -- writes ----------------------------------------------------------------------------------
    @rpc
    def Insert(self, call: Call, request: milvus_pb2.InsertRequest) -> milvus_pb2.MutationResult:
        self._check_schema_timestamp(call, request)
        self._refuse_no_rows(call, request)
        rows = self._rows(call, request, every_struct=True)
        result = self._client(call).insert(request.collection_name, rows, partition_name=request.partition_name,
                                           **namespace(request))
        count = result["insert_count"]
        return milvus_pb2.MutationResult(status=SUCCESS, IDs=ids_proto(result["ids"]), insert_cnt=count,
                                         succ_index=range(count), timestamp=hybrid_ts())

    @rpc
    def Upsert(self, call: Call, request: milvus_pb2.UpsertRequest) -> milvus_pb2.MutationResult:
        self._check_schema_timestamp(call, request)
        self._refuse_no_rows(call, request)
        rows = self._rows(call, request, every_struct=not request.partial_update)
        result = self._client(call).upsert(request.collection_name, rows, partition_name=request.partition_name,
                                           partial_update=bool(request.partial_update),
                                           field_ops={op.field_name: op.op for op in request.field_ops},
                                           **namespace(request))
        count = result["upsert_count"]
        return milvus_pb2.MutationResult(status=SUCCESS, IDs=ids_proto(result["ids"]), upsert_cnt=count,
                                         succ_index=range(count), timestamp=hybrid_ts())

    @rpc
    def Delete(self, call: Call, request: milvus_pb2.DeleteRequest) -> milvus_pb2.MutationResult:
        """Milvus answers a delete with its count only (``delete_cnt``), never the primary keys."""
        result = self._client(call).delete(request.collection_name, filter=request.expr,
                                           partition_name=request.partition_name or None,
                                           filter_params=template_values(request.expr_template_values),
                                           **namespace(request))
        return milvus_pb2.MutationResult(status=SUCCESS, delete_cnt=result["delete_count"], timestamp=hybrid_ts())

    # -- reads -----------------------------------------------------------------------------------
    @rpc
    def Query(self, call: Call, request: milvus_pb2.QueryRequest) -> milvus_pb2.QueryResults:
        params = kv_dict(request.query_params)
        texts = kv_dict(request.query_params, parse=False)
        order = texts.get("order_by_fields")
        if params.get("iterator") is True:  # pymilvus's QueryIterator pages by key, as pgmilvus's
            order_by.refuse_iterator(order_by.specs(order))
        group_by = [texts["group_by_fields"]] if texts.get("group_by_fields") else []  # "a,b": split by the core
        schema = self._schema(call, request.collection_name)
        # Milvus's proxy answers a query that names no output field with the primary key alone
        # (translateToOutputFieldIDs); MilvusClient sends ["*"] for none, the ORM and other SDKs nothing.
        output_fields = list(request.output_fields) or (None if group_by else [schema.primary_field.name])
        rows = self._client(call).query(request.collection_name, filter=request.expr, output_fields=output_fields,
                                        partition_names=list(request.partition_names) or None,
                                        limit=params.get("limit"), offset=params.get("offset"),
                                        ignore_growing=params.get("ignore_growing"), order_by_fields=order,
                                        group_by_fields=group_by,
                                        filter_params=template_values(request.expr_template_values),
                                        query_iter_last_pk=texts.get("query_iter_last_pk"),
                                        query_iter_last_element_offset=texts.get("query_iter_last_element_offset"),
                                        **time_kwargs(request.query_params), **namespace(request))
        response = milvus_pb2.QueryResults(status=SUCCESS, collection_name=request.collection_name,
                                           session_ts=hybrid_ts())
        response.primary_field_name = schema.primary_field.name
        agg = getattr(rows, "aggregate", None)  # the core's plan of an aggregating query (data/reads.py)
        if agg is not None:  # one column per output, typed as Milvus types it
            response.fields_data.extend(aggregate_columns(rows, agg.columns))
            response.output_fields.extend(agg.names)
            return response
        plan = output_plan(schema, output_fields)
        regrouped = structs.element_rows(rows, schema.primary_field.name)
        if regrouped is not None:
            rows, indices = regrouped
            for positions in indices:
                response.element_indices.add().indices.data.extend(positions)
        response.fields_data.extend(columns(rows, plan.fields, plan.needs_meta, plan.struct_names))
        response.fields_data.extend(structs.struct_columns(rows, plan, schema))
        response.output_fields.extend(_user_output_fields(plan, list(plan.fields)))  # as a search's
        return response

    def _check_vector_type(self, call: Call, collection: str, placeholders: bytes, anns_field: Optional[str],
                           partitions: Any = ()) -> None:
        """The placeholder's vector type against the searched field (convert/vectors.check_vector_type);
        an unknown collection, partition or field is left to the core, which reports it in Milvus's
        order (the proxy resolves partitions before it converts the placeholder)."""
        try:
            schema = self._schema(call, collection)
            if partitions and not set(partitions) <= set(self._client(call).list_partitions(collection)):
                return
        except MilvusException:
            return
        if anns_field:
            field = schema.field(anns_field)
        else:
            vectors = schema.vector_fields
            field = vectors[0] if len(vectors) == 1 else None
        if field is not None and field.is_vector:
            check_vector_type(placeholders, field)

    @rpc
    def Search(self, call: Call, request: milvus_pb2.SearchRequest) -> milvus_pb2.SearchResults:
        if request.sub_reqs:
            raise bad_request("advanced search (sub_reqs) goes through HybridSearch")
        ann = Ann.of(request)
        self._check_vector_type(call, request.collection_name, request.placeholder_group, ann.anns_field,
                                request.partition_names)
        found = function_chains(getattr(request, "function_chains", None))  # pymilvus 3's stubs only
        if found is not None:
            ann.kwargs["function_chains"] = found
        if "search_aggregation" in request.DESCRIPTOR.fields_by_name and request.HasField("search_aggregation"):
            ann.kwargs["search_aggregation"] = aggregation_spec.from_message(request.search_aggregation)
        if request.HasField("function_score"):
            ann.kwargs["ranker"] = function_score(request.function_score)
        if request.HasField("highlighter"):  # its params as pymilvus sent them (text)
            ann.kwargs["highlighter"] = SimpleNamespace(type=request.highlighter.type,
                                                        params=kv_dict(request.highlighter.params, parse=False))
        output_fields = list(request.output_fields) or None
        if ann.iterator.get("search_iter_v2"):
            return self._search_page(call, request, ann, output_fields)
        result = self._client(call).search(
            request.collection_name, data=ann.data, filter=request.dsl, limit=ann.limit,
            output_fields=output_fields, search_params=ann.search_params,
            partition_names=list(request.partition_names) or None, anns_field=ann.anns_field, **ann.kwargs,
            **namespace(request))
        return self._search_results(call, request.collection_name, result, output_fields, ann.limit,
                                    _grouping(request.search_params))

    @rpc
    def HybridSearch(self, call: Call, request: milvus_pb2.HybridSearchRequest) -> milvus_pb2.SearchResults:
        reqs = []
        for sub in request.requests:
            ann = Ann.of(sub)
            self._check_vector_type(call, request.collection_name, sub.placeholder_group, ann.anns_field,
                                    request.partition_names)
            if isinstance(ann.data, EmbeddingLists):
                column = self._schema(call, request.collection_name).field(ann.anns_field or "")
                ann.data = ann.data.objects(int(column.dim or 0) if column is not None else 0)
            if "ignore_growing" in ann.kwargs:  # a sub-request's own (the Go SDK's AnnRequest), as pymilvus's param
                ann.search_params["ignore_growing"] = ann.kwargs["ignore_growing"]
            reqs.append(AnnSearchRequest(ann.data, ann.anns_field, ann.search_params, ann.limit,
                                         expr=sub.dsl or None, expr_params=ann.kwargs["filter_params"]))
        rank = kv_dict(request.rank_params)
        kwargs = {k: rank[k] for k in _HYBRID_KWARGS if rank.get(k) not in (None, "")}
        # function_chains exists in pymilvus 3's stubs only (the server runs on 2.6's too); the core refuses them
        chains = function_chains(getattr(request, "function_chains", None))
        if chains is not None:
            kwargs["function_chains"] = chains
        output_fields = list(request.output_fields) or None
        if request.HasField("function_score"):  # Function(reranker="rrf" | "weighted" | "decay")
            fused = hybrid_ranker(function_score(request.function_score))
        else:
            fused = ranker(rank)
        result = self._client(call).hybrid_search(request.collection_name, reqs, fused, limit=rank.get("limit"),
                                                  output_fields=output_fields,
                                                  partition_names=list(request.partition_names) or None, **kwargs,
                                                  **namespace(request))
        return self._search_results(call, request.collection_name, result, output_fields, rank.get("limit"),
                                    _grouping(request.rank_params))

    def _search_page(self, call: Call, request: milvus_pb2.SearchRequest, ann: "Ann",
                     output_fields: Optional[list[str]]) -> milvus_pb2.SearchResults:
        """One page of pymilvus's SearchIteratorV2 (server/iterators.py): a new core iterator for a
        request without a token, else the token's."""
        owner = (call.caller, call.db_name, request.collection_name)
        token = str(ann.iterator.get("search_iter_id") or "")
        batch_size = ann.iterator.get("search_iter_batch_size", ann.limit)  # this page's, as in Milvus
        if token:
            iterator = self.search_iterators.get(owner, token)
            if iterator is None:
                raise bad_request(f"search iterator {token} is not known to this server (idle for more than "
                                  f"{SearchIterators.IDLE_SECONDS / 60:.0f} minutes, or the server restarted): "
                                  "start a new search_iterator")
            iterator.resize(batch_size)
        else:
            kwargs = {k: v for k, v in ann.kwargs.items() if k != "round_decimal"}
            iterator = self._client(call).search_iterator(
                request.collection_name, ann.data, batch_size=batch_size,
                filter=request.dsl or None, limit=-1, output_fields=output_fields,
                search_params=ann.search_params, partition_names=list(request.partition_names) or None,
                anns_field=ann.anns_field, round_decimal=ann.kwargs.get("round_decimal", -1), **kwargs,
                **namespace(request))
            token = self.search_iterators.start(owner, iterator)
        page = iterator.next()
        schema = self._schema(call, request.collection_name)
        response = self._search_results(call, request.collection_name,
                                        [Hits(page, pk_name=schema.primary_field.name)], output_fields, ann.limit)
        last = page[-1]["distance"] if page else ann.iterator.get("search_iter_last_bound", 0.0)
        response.results.search_iterator_v2_results.token = token
        response.results.search_iterator_v2_results.last_bound = float(last)
        return response

    def _search_results(self, call: Call, collection: str, result: Any, output_fields: Optional[list[str]],
                        limit: Any, grouping: Optional["Grouping"] = None) -> milvus_pb2.SearchResults:
        schema = self._schema(call, collection)
        results = search_result_data(result, schema, output_fields, limit,
                                     with_pk=self.sessions.sdk(call.identifier) in _PK_COLUMN_SDKS)
        if grouping is not None:
            grouping.fill(results, schema, result)
        return milvus_pb2.SearchResults(status=SUCCESS, results=results, collection_name=collection,
                                        session_ts=hybrid_ts())


@dataclass
class Grouping:
    """A grouping search's answer of its hits' group values, as Milvus's proxy gives it: in
    ``group_by_field_value`` when the request named ``group_by_field`` only (the older SDKs, the Go
    SDK among them, read that one), else in ``group_by_field_values``."""

    name: str
    legacy: bool
    json_type: Optional[str]

    def fill(self, data: schema_pb2.SearchResultData, schema: CollectionSchema, result: Any) -> None:
        values = [getattr(hit, "_group_value", None) for hits in result for hit in hits]
        column = group_column(schema, self.name, values, self.json_type)
        if self.legacy:
            data.group_by_field_value.CopyFrom(column)
        else:
            data.group_by_field_values.append(column)


def _grouping(params: Any) -> Optional[Grouping]:
    raw = kv_dict(params, parse=False)
    several, one = raw.get("group_by_fields"), raw.get("group_by_field")
    if not several and not one:
        return None
    name = str(several or one).split(",")[0].strip()  # pgmilvus groups by one field
    return Grouping(name, not several, raw.get("json_type") or None)


@dataclass
class Ann:
    """One ANN search of a SearchRequest (or of a hybrid sub-request) as search() arguments."""

    data: Optional[list[Any]]  # None in a search by ids
    limit: Any
    anns_field: Optional[str]
    search_params: dict[str, Any]
    kwargs: dict[str, Any]
    iterator: dict[str, Any]  # pymilvus's SearchIteratorV2 keys (server/iterators.py)

    @classmethod
    def of(cls, request: Any) -> "Ann":
        ids = search_ids(request)
        data = query_vectors(request.placeholder_group) if ids is None else None
        if data is not None and request.nq and request.nq != len(data):
            raise bad_request(f"nq ({request.nq}) is not the number of query vectors ({len(data)})")
        params = kv_dict(request.search_params)
        inner = params.get("params") or {}
        if isinstance(inner, str):
            inner = json_object(inner, "search params")
        search_params: dict[str, Any] = {"params": inner}
        for key in ("metric_type", "analyzer_name", "hints"):  # analyzer_name: a multi-analyzer BM25 field's
            if params.get(key):
                search_params[key] = params[key]
        kwargs = {k: params[k] for k in _SEARCH_KWARGS if params.get(k) not in (None, "")}
        kwargs.update(time_kwargs(request.search_params))
        raw = kv_dict(request.search_params, parse=False)
        if raw.get("order_by_fields"):  # pymilvus's text ("price:asc,..."), read by the core as in process
            kwargs["order_by_fields"] = raw["order_by_fields"]
        if "group_by_fields" in raw:  # "a,b": split by the core, as the proxy splits it
            kwargs["group_by_fields"] = [raw["group_by_fields"]]
        kwargs["filter_params"] = template_values(request.expr_template_values)
        if isinstance(data, EmbeddingLists):
            kwargs["is_embedding_list"] = True
        if ids is not None:
            kwargs["ids"] = ids
        return cls(data, params.get("topk", params.get("limit")), params.get("anns_field") or None,
                   search_params, kwargs, {k: params[k] for k in ITER_KEYS if k in params})


def time_kwargs(pairs: Any) -> dict[str, str]:
    """A read's ``timezone`` / ``time_fields`` (query_params or search_params) as the client's
    keyword arguments, the text as sent (a zone name is no JSON to parse), so the core renders
    TIMESTAMPTZ values and checks the names exactly as in process."""
    raw = kv_dict(pairs, parse=False)
    return {k: raw[k] for k in _TIME_KWARGS if k in raw}


def search_ids(request: Any) -> Optional[list[Any]]:
    """The primary keys of a search by ids (SearchRequest's ``ids``, pymilvus 2.6.x / 3), or None
    when the request carries query vectors."""
    if "ids" not in request.DESCRIPTOR.fields_by_name or not request.HasField("ids"):
        return None
    kind = request.ids.WhichOneof("id_field")
    if kind is None:
        return []
    return list(getattr(request.ids, kind).data)


def ranker(rank: dict[str, Any]) -> BaseRanker:
    """HybridSearch ``rank_params`` (strategy + JSON params) as the ranker pgmilvus takes."""
    strategy = str(rank.get("strategy") or "rrf").lower()
    params = rank.get("params") or {}
    if isinstance(params, str):
        params = json_object(params, "rank params")
    if not isinstance(params, dict):  # NewFunctionScoreWithlegacy unmarshals them into a map
        raise MilvusException(ErrorCode.SERVER_ERROR, "parse rerank params failed, err: json: cannot unmarshal "
                                                      f"{json_kind(params)} into Go value of type map[string]interface {{}}")
    if strategy == "rrf":
        k = params.get("k", 60)
        if isinstance(k, bool) or not isinstance(k, (int, float)):
            raise MilvusException(ErrorCode.SERVER_ERROR, "the type of rank param k should be float")
        return RRFRanker(k)
    if strategy == "weighted":
        norm = params.get("norm_score", True)
        if not isinstance(norm, bool):
            raise MilvusException(ErrorCode.SERVER_ERROR, "weighted rerank err, norm_score should been bool type, "
                                                          f"but [norm_score:{norm}]'s type is {go_type_name(norm)}")
        return WeightedRanker(*fusion_weights(params.get("weights")), norm_score=norm)
    raise bad_request(f"rank strategy {strategy!r} is not supported by pgmilvus: use rrf or weighted",
                      int(ErrorCode.UNSUPPORTED))


def function_score(proto: schema_pb2.FunctionScore) -> FunctionScore:
    """A search's ``function_score`` (pymilvus's ranker Function or FunctionScore) as pgmilvus's."""
    return FunctionScore([function(f) for f in proto.functions], kv_dict(proto.params) or None)


def hybrid_ranker(score: FunctionScore) -> Any:
    """A hybrid search's ``function_score`` as its ranker: its one function, else the whole."""
    return score.functions[0] if len(score.functions) == 1 else score


def search_result_data(result: Any, schema: CollectionSchema, output_fields: Optional[list[str]], limit: Any,
                       with_pk: bool) -> schema_pb2.SearchResultData:
    """pgmilvus's SearchResult -> one flat SearchResultData (hits of all queries in a row, ``topks``
    saying how many each).  The pk column is sent when asked for (``"*"`` or by name), as Milvus does,
    and always to SDKs that read hits from the columns (``with_pk``)."""
    pk = schema.primary_field
    plan = output_plan(schema, output_fields, default_all=False, include_pk=False)
    fields = list(plan.fields)
    if with_pk and pk not in fields:
        fields.insert(0, pk)
    pk_wanted = pk in fields
    ids: list[Any] = []
    scores: list[float] = []
    topks: list[int] = []
    rows: list[dict[str, Any]] = []
    columns_wanted = bool(fields) or plan.needs_meta or bool(plan.structs)
    offsets: list[int] = []
    for hits in result:
        topks.append(len(hits))
        offsets.extend(structs.hit_offsets(hits, pk.name) or [])
        # Hits' own lists (plain dict reads): Hit's item access falls back into the entity, in Python.
        keys = hits.ids
        ids.extend(keys)
        scores.extend(hits.distances)
        if columns_wanted:
            for hit, key in zip(hits, keys):
                entity = dict.get(hit, "entity") or {}
                rows.append({**entity, pk.name: key} if pk_wanted else entity)
    data = schema_pb2.SearchResultData(num_queries=len(topks), top_k=int(limit or 0), topks=topks, scores=scores,
                                       ids=ids_proto(ids) if ids else _empty_ids(pk.dtype),
                                       primary_field_name=pk.name)
    if offsets:
        data.element_indices.data.extend(offsets)
    data.fields_data.extend(columns(rows, fields, plan.needs_meta, plan.struct_names))
    data.fields_data.extend(structs.struct_columns(rows, plan, schema))
    data.output_fields.extend(_user_output_fields(plan, fields))
    data.highlight_results.extend(_highlights(result))
    buckets = getattr(result, "agg_buckets", None)  # search_aggregation's (a SearchResult's)
    if buckets:
        aggregation.fill(data, buckets, schema)
    return data


def _user_output_fields(plan: Any, fields: list[Any]) -> list[str]:
    """The names a search answers, as Milvus's proxy sets ``SearchResultData.output_fields`` (its
    ``userOutputFields``): a dynamic key asked by name is listed as itself, ``$meta`` only for
    ``"*"`` or ``$meta``.  The Node SDK builds each hit from these names (a name with no column of
    its own is read from ``$meta``), so listing ``$meta`` instead gave Node hits a ``$meta`` object
    where Milvus gives ``color`` itself; pymilvus keeps those keys of ``$meta`` either way."""
    dynamic = [DYNAMIC_FIELD] if plan.all_dynamic else list(plan.dynamic_keys)
    return [f.name for f in fields] + plan.struct_names + dynamic


def _highlights(result: Any) -> list[Any]:
    """The hits' ``highlight`` dicts (search/highlight.py) as Milvus's HighlightResults: one per
    field, with one HighlightData per hit of every query, in the hits' order."""
    first = next((hit for found in result for hit in found), None)
    if first is None or dict.get(first, "highlight") is None:  # a highlighter marks every hit
        return []
    hits = [hit for found in result for hit in found]
    return [common_pb2.HighlightResult(field_name=name, datas=[
        common_pb2.HighlightData(fragments=hit["highlight"][name]["fragments"]) for hit in hits])
        for name in dict.get(first, "highlight")]


def _empty_ids(dtype: DataType) -> schema_pb2.IDs:
    out = schema_pb2.IDs()
    if dtype == DataType.VARCHAR:
        out.str_id.SetInParent()
    else:
        out.int_id.SetInParent()
    return out
