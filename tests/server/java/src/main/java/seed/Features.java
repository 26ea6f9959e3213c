// What a Java application typically does with MilvusClientV2, against pgmilvus serve; run by
// tests/server/test_java_sdk.py (test_java_features). Each step prints one JSON line,
// {"step": name, "value": ...} or {"step": name, "error": {code, legacy, kind, message}}, and a failed
// step does not stop the run: the Python test checks every value and compares the reads with what
// pymilvus gets from the same server for the same calls.
// The collections "java_features" and "java_types" are left in place for that comparison; everything
// else is dropped.
package seed;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import io.milvus.common.clientenum.FunctionType;
import io.milvus.common.utils.Float16Utils;
import io.milvus.orm.iterator.QueryIterator;
import io.milvus.orm.iterator.SearchIterator;
import io.milvus.orm.iterator.SearchIteratorV2;
import io.milvus.response.QueryResultsWrapper;
import io.milvus.v2.client.ConnectConfig;
import io.milvus.v2.client.MilvusClientV2;
import io.milvus.v2.common.ConsistencyLevel;
import io.milvus.v2.common.DataType;
import io.milvus.v2.common.IndexParam;
import io.milvus.v2.exception.MilvusClientException;
import io.milvus.v2.service.collection.request.AddCollectionFieldReq;
import io.milvus.v2.service.collection.request.AddFieldReq;
import io.milvus.v2.service.collection.request.AlterCollectionFieldReq;
import io.milvus.v2.service.collection.request.AlterCollectionPropertiesReq;
import io.milvus.v2.service.collection.request.CreateCollectionReq;
import io.milvus.v2.service.collection.request.DescribeCollectionReq;
import io.milvus.v2.service.collection.request.DescribeReplicasReq;
import io.milvus.v2.service.collection.request.DropCollectionFieldPropertiesReq;
import io.milvus.v2.service.collection.request.DropCollectionPropertiesReq;
import io.milvus.v2.service.collection.request.DropCollectionReq;
import io.milvus.v2.service.collection.request.GetLoadStateReq;
import io.milvus.v2.service.collection.request.GetCollectionStatsReq;
import io.milvus.v2.service.collection.request.HasCollectionReq;
import io.milvus.v2.service.collection.request.ListCollectionsReq;
import io.milvus.v2.service.collection.request.LoadCollectionReq;
import io.milvus.v2.service.collection.request.ReleaseCollectionReq;
import io.milvus.v2.service.collection.request.RenameCollectionReq;
import io.milvus.v2.service.collection.request.TruncateCollectionReq;
import io.milvus.v2.service.collection.response.DescribeCollectionResp;
import io.milvus.v2.service.database.request.AlterDatabasePropertiesReq;
import io.milvus.v2.service.database.request.CreateDatabaseReq;
import io.milvus.v2.service.database.request.DescribeDatabaseReq;
import io.milvus.v2.service.database.request.DropDatabasePropertiesReq;
import io.milvus.v2.service.database.request.DropDatabaseReq;
import io.milvus.v2.service.index.request.AlterIndexPropertiesReq;
import io.milvus.v2.service.index.request.CreateIndexReq;
import io.milvus.v2.service.index.request.DescribeIndexReq;
import io.milvus.v2.service.index.request.DropIndexPropertiesReq;
import io.milvus.v2.service.index.request.DropIndexReq;
import io.milvus.v2.service.index.request.ListIndexesReq;
import io.milvus.v2.service.index.response.DescribeIndexResp;
import io.milvus.v2.service.partition.request.CreatePartitionReq;
import io.milvus.v2.service.partition.request.DropPartitionReq;
import io.milvus.v2.service.partition.request.GetPartitionStatsReq;
import io.milvus.v2.service.partition.request.HasPartitionReq;
import io.milvus.v2.service.partition.request.ListPartitionsReq;
import io.milvus.v2.service.partition.request.LoadPartitionsReq;
import io.milvus.v2.service.partition.request.ReleasePartitionsReq;
import io.milvus.v2.service.rbac.request.CreateRoleReq;
import io.milvus.v2.service.rbac.request.CreateUserReq;
import io.milvus.v2.service.rbac.request.DescribeRoleReq;
import io.milvus.v2.service.rbac.request.DescribeUserReq;
import io.milvus.v2.service.rbac.request.DropRoleReq;
import io.milvus.v2.service.rbac.request.DropUserReq;
import io.milvus.v2.service.rbac.request.GrantPrivilegeReqV2;
import io.milvus.v2.service.rbac.request.GrantRoleReq;
import io.milvus.v2.service.rbac.request.RevokePrivilegeReqV2;
import io.milvus.v2.service.rbac.request.RevokeRoleReq;
import io.milvus.v2.service.rbac.response.DescribeRoleResp;
import io.milvus.v2.service.utility.request.CreateAliasReq;
import io.milvus.v2.service.utility.request.DescribeAliasReq;
import io.milvus.v2.service.utility.request.DropAliasReq;
import io.milvus.v2.service.utility.request.CompactReq;
import io.milvus.v2.service.utility.request.AlterAliasReq;
import io.milvus.v2.service.utility.request.FlushReq;
import io.milvus.v2.service.utility.request.GetCompactionStateReq;
import io.milvus.v2.service.utility.request.GetPersistentSegmentInfoReq;
import io.milvus.v2.service.utility.request.ListAliasesReq;
import io.milvus.v2.service.utility.response.DescribeAliasResp;
import io.milvus.v2.service.vector.request.AnnSearchReq;
import io.milvus.v2.service.vector.request.DeleteReq;
import io.milvus.v2.service.vector.request.GetReq;
import io.milvus.v2.service.vector.request.HybridSearchReq;
import io.milvus.v2.service.vector.request.InsertReq;
import io.milvus.v2.service.vector.request.QueryIteratorReq;
import io.milvus.v2.service.vector.request.QueryReq;
import io.milvus.v2.service.vector.request.RunAnalyzerReq;
import io.milvus.v2.service.vector.request.SearchIteratorReq;
import io.milvus.v2.service.vector.request.SearchIteratorReqV2;
import io.milvus.v2.service.vector.request.SearchReq;
import io.milvus.v2.service.vector.request.UpsertReq;
import io.milvus.v2.service.vector.request.data.BaseVector;
import io.milvus.v2.service.vector.request.data.BinaryVec;
import io.milvus.v2.service.vector.request.data.EmbeddedText;
import io.milvus.v2.service.vector.request.data.EmbeddingList;
import io.milvus.v2.service.vector.request.data.BFloat16Vec;
import io.milvus.v2.service.vector.request.data.Float16Vec;
import io.milvus.v2.service.vector.request.data.FloatVec;
import io.milvus.v2.service.vector.request.data.Int8Vec;
import io.milvus.v2.service.vector.request.data.SparseFloatVec;
import io.milvus.v2.service.vector.request.FunctionScore;
import io.milvus.v2.service.vector.request.highlighter.LexicalHighlighter;
import io.milvus.v2.service.vector.request.ranker.BoostRanker;
import io.milvus.v2.service.vector.request.ranker.DecayRanker;
import io.milvus.v2.service.vector.request.ranker.RRFRanker;
import io.milvus.v2.service.vector.request.ranker.WeightedRanker;
import io.milvus.v2.service.vector.response.QueryResp;
import io.milvus.v2.service.vector.response.RunAnalyzerResp;
import io.milvus.v2.service.vector.response.SearchResp;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Supplier;

public class Features {
    static final String COLL = "java_features";
    static final String NOPE = "java_nope";
    static final String[] COLORS = {"red", "green", "blue"};
    static final Gson GSON = new GsonBuilder().serializeNulls().create();
    static MilvusClientV2 client;
    static String uri;

    /** Runs one step and prints its value or the error the client raised, never stopping the run. */
    static void step(String name, Supplier<Object> body) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("step", name);
        try {
            line.put("value", body.get());
        } catch (MilvusClientException e) {
            Map<String, Object> err = new LinkedHashMap<>();
            err.put("code", e.getServerErrCode());
            err.put("legacy", e.getLegacyServerCode());
            err.put("kind", e.getErrorCode().name());
            err.put("message", e.getMessage());
            line.put("error", err);
        } catch (RuntimeException e) {
            line.put("error", Map.of("kind", e.getClass().getName(), "message", String.valueOf(e.getMessage())));
        }
        System.out.println(GSON.toJson(line));
    }

    static List<Float> vec(int i) {
        return Arrays.asList((float) (i % 5 + 1), (float) (i % 3 + 1), (float) (i % 7 + 1), (float) (i % 2 + 1));
    }

    static SortedMap<Long, Float> sparse(int i) {
        SortedMap<Long, Float> m = new TreeMap<>();
        m.put((long) (i % 10), 1.0f + i);
        m.put((long) (10 + i % 4), 0.5f);
        return m;
    }

    /** Row i: every declared field, a nullable field set, unset or null, and dynamic keys. */
    static JsonObject row(int i, String title) {
        JsonObject r = new JsonObject();
        r.addProperty("id", (long) i);
        r.addProperty("title", title);
        JsonObject meta = new JsonObject();
        meta.addProperty("color", COLORS[i % 3]);
        meta.addProperty("n", i);
        r.add("meta", meta);
        JsonArray tags = new JsonArray();
        tags.add((long) i);
        tags.add((long) i * 2);
        r.add("tags", tags);
        r.addProperty("flag", i % 2 == 0);
        r.addProperty("price", i * 1.5f);
        if (i % 4 == 1) {
            r.add("rating", JsonNull.INSTANCE);
        } else if (i % 4 != 0) {
            r.addProperty("rating", i % 5);
        }
        r.add("vec", GSON.toJsonTree(vec(i)));
        r.add("sparse", GSON.toJsonTree(sparse(i)));
        r.addProperty("extra", "x" + i);
        if (i % 2 == 0) {
            r.addProperty("num", i);
        }
        return r;
    }

    static List<JsonObject> rows(int from, int to, String prefix) {
        List<JsonObject> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(row(i, prefix + i));
        }
        return out;
    }

    static List<Map<String, Object>> entities(List<QueryResp.QueryResult> results) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (QueryResp.QueryResult r : results) {
            out.add(plain(r.getEntity()));
        }
        return out;
    }

    static List<List<Map<String, Object>>> hits(SearchResp resp) {
        List<List<Map<String, Object>>> out = new ArrayList<>();
        for (List<SearchResp.SearchResult> one : resp.getSearchResults()) {
            out.add(hitList(one));
        }
        return out;
    }

    static List<Map<String, Object>> hitList(List<SearchResp.SearchResult> one) {
        List<Map<String, Object>> hits = new ArrayList<>();
        for (SearchResp.SearchResult h : one) {
            Map<String, Object> hit = new LinkedHashMap<>();
            hit.put("id", h.getId());
            hit.put("score", h.getScore());
            hit.put("entity", plain(h.getEntity()));
            hits.add(hit);
        }
        return hits;
    }

    /** An entity with its binary vectors (ByteBuffers, which Gson cannot print) as hex strings. */
    static Map<String, Object> plain(Map<String, Object> entity) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : entity.entrySet()) {
            Object v = e.getValue();
            if (v instanceof ByteBuffer) {
                ByteBuffer b = (ByteBuffer) v;
                StringBuilder hex = new StringBuilder();
                for (int k = 0; k < b.limit(); k++) {
                    hex.append(String.format("%02x", b.get(k)));
                }
                v = hex.toString();
            }
            out.put(e.getKey(), v);
        }
        return out;
    }

    /** The ``key`` of each row of each batch an iterator gives (next() until an empty batch), closed after. */
    static List<List<Object>> keyBatches(Supplier<List<QueryResultsWrapper.RowRecord>> next, Runnable close,
                                         String key) {
        List<List<Object>> batches = new ArrayList<>();
        for (List<QueryResultsWrapper.RowRecord> batch = next.get(); !batch.isEmpty(); batch = next.get()) {
            List<Object> keys = new ArrayList<>();
            for (QueryResultsWrapper.RowRecord r : batch) {
                keys.add(r.get(key));
            }
            batches.add(keys);
        }
        close.run();
        return batches;
    }

    static List<List<Object>> keyBatches(QueryIterator it, String key) {
        return keyBatches(it::next, it::close, key);
    }

    /** A run starts from scratch: the collection a section creates is dropped first if a run left it. */
    static String dropIfExists(String name) {
        if (client.hasCollection(HasCollectionReq.builder().collectionName(name).build())) {
            client.dropCollection(DropCollectionReq.builder().collectionName(name).build());
        }
        return name;
    }

    static List<BaseVector> query(int i) {
        return Collections.singletonList(new FloatVec(vec(i)));
    }

    static CreateCollectionReq.CollectionSchema schema() {
        CreateCollectionReq.CollectionSchema schema = MilvusClientV2.CreateSchema();
        schema.setEnableDynamicField(true);
        schema.addField(AddFieldReq.builder().fieldName("id").dataType(DataType.Int64).isPrimaryKey(true).build());
        schema.addField(AddFieldReq.builder().fieldName("title").dataType(DataType.VarChar).maxLength(64).build());
        schema.addField(AddFieldReq.builder().fieldName("meta").dataType(DataType.JSON).build());
        schema.addField(AddFieldReq.builder().fieldName("tags").dataType(DataType.Array).elementType(DataType.Int64)
                .maxCapacity(8).build());
        schema.addField(AddFieldReq.builder().fieldName("flag").dataType(DataType.Bool).build());
        schema.addField(AddFieldReq.builder().fieldName("price").dataType(DataType.Float).build());
        schema.addField(AddFieldReq.builder().fieldName("rating").dataType(DataType.Int32).isNullable(true)
                .defaultValue(3).build());
        schema.addField(AddFieldReq.builder().fieldName("vec").dataType(DataType.FloatVector).dimension(4).build());
        schema.addField(AddFieldReq.builder().fieldName("sparse").dataType(DataType.SparseFloatVector).build());
        return schema;
    }

    static List<IndexParam> indexes() {
        Map<String, Object> hnsw = new LinkedHashMap<>();
        hnsw.put("M", 16);
        hnsw.put("efConstruction", 64);
        return Arrays.asList(
                IndexParam.builder().fieldName("vec").indexName("vec_idx").indexType(IndexParam.IndexType.HNSW)
                        .metricType(IndexParam.MetricType.COSINE).extraParams(hnsw).build(),
                IndexParam.builder().fieldName("sparse").indexType(IndexParam.IndexType.AUTOINDEX)
                        .metricType(IndexParam.MetricType.IP).build(),
                IndexParam.builder().fieldName("title").indexName("title_idx")
                        .indexType(IndexParam.IndexType.INVERTED).build());
    }

    static Map<String, Object> describe(DescribeCollectionResp d) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", d.getCollectionName());
        out.put("fieldNames", d.getFieldNames());
        out.put("vectorFieldNames", d.getVectorFieldNames());
        out.put("primaryFieldName", d.getPrimaryFieldName());
        out.put("enableDynamicField", d.getEnableDynamicField());
        out.put("autoID", d.getAutoID());
        out.put("consistencyLevel", String.valueOf(d.getConsistencyLevel()));
        out.put("numOfPartitions", d.getNumOfPartitions());
        out.put("databaseName", d.getDatabaseName());
        List<Map<String, Object>> fields = new ArrayList<>();
        for (CreateCollectionReq.FieldSchema f : d.getCollectionSchema().getFieldSchemaList()) {
            Map<String, Object> field = new LinkedHashMap<>();
            field.put("name", f.getName());
            field.put("dataType", String.valueOf(f.getDataType()));
            field.put("isPrimaryKey", f.getIsPrimaryKey());
            field.put("autoID", f.getAutoID());
            field.put("maxLength", f.getDataType() == DataType.VarChar ? f.getMaxLength() : null);
            field.put("dimension", f.getDimension());
            field.put("elementType", f.getElementType() == null ? null : String.valueOf(f.getElementType()));
            field.put("maxCapacity", f.getMaxCapacity());
            field.put("isNullable", f.getIsNullable());
            field.put("defaultValue", f.getDefaultValue());
            fields.add(field);
        }
        out.put("fields", fields);
        return out;
    }

    static Map<String, Object> indexDesc(DescribeIndexResp.IndexDesc d) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("fieldName", d.getFieldName());
        out.put("indexName", d.getIndexName());
        out.put("indexType", String.valueOf(d.getIndexType()));
        out.put("metricType", String.valueOf(d.getMetricType()));
        out.put("extraParams", new TreeMap<>(d.getExtraParams()));
        out.put("indexState", String.valueOf(d.getIndexState()));
        return out;
    }

    public static void main(String[] args) throws InterruptedException {
        uri = args.length > 0 ? args[0] : "http://localhost:19530";
        client = new MilvusClientV2(ConnectConfig.builder().uri(uri).build());
        collections();
        writes();
        reads();
        searches();
        partitions();
        aliases();
        databases();
        varcharCollection();
        types();
        vectors();
        rbac();
        partitionKey();
        structs();
        rankers();
        defaults();
        errors();
        moreErrors();
        valueErrors();
        staleSchema();
        client.close();
    }

    static void collections() {
        dropIfExists(COLL);
        step("create", () -> {
            client.createCollection(CreateCollectionReq.builder().collectionName(COLL).collectionSchema(schema())
                    .indexParams(indexes()).consistencyLevel(ConsistencyLevel.STRONG).build());
            return true;
        });
        step("describe", () -> describe(client.describeCollection(
                DescribeCollectionReq.builder().collectionName(COLL).build())));
        step("listIndexes", () -> client.listIndexes(ListIndexesReq.builder().collectionName(COLL).build()));
        step("listIndexesVec", () -> client.listIndexes(ListIndexesReq.builder().collectionName(COLL)
                .fieldName("vec").build()));
        for (String field : Arrays.asList("vec", "sparse", "title")) {
            step("describeIndex_" + field, () -> indexDesc(client.describeIndex(DescribeIndexReq.builder()
                    .collectionName(COLL).fieldName(field).build()).getIndexDescriptions().get(0)));
        }
        step("describeIndexByName", () -> indexDesc(client.describeIndex(DescribeIndexReq.builder()
                .collectionName(COLL).indexName("title_idx").build()).getIndexDescriptions().get(0)));
        step("loadState", () -> client.getLoadState(GetLoadStateReq.builder().collectionName(COLL).build()));
        step("listCollections", () -> client.listCollections().getCollectionNames().contains(COLL));
        step("hasCollection", () -> Arrays.asList(
                client.hasCollection(HasCollectionReq.builder().collectionName(COLL).build()),
                client.hasCollection(HasCollectionReq.builder().collectionName("java_nope").build())));
    }

    static void writes() {
        step("insert", () -> {
            var r = client.insert(InsertReq.builder().collectionName(COLL).data(rows(0, 20, "t")).build());
            return Map.of("insertCnt", r.getInsertCnt(), "primaryKeys", r.getPrimaryKeys());
        });
        step("upsert", () -> {
            var r = client.upsert(UpsertReq.builder().collectionName(COLL).data(rows(0, 3, "u")).build());
            return Map.of("upsertCnt", r.getUpsertCnt(), "primaryKeys", r.getPrimaryKeys());
        });
        step("deleteIds", () -> client.delete(DeleteReq.builder().collectionName(COLL)
                .ids(Arrays.asList(18L, 19L)).build()).getDeleteCnt());
        step("deleteFilter", () -> client.delete(DeleteReq.builder().collectionName(COLL)
                .filter("id in [16, 17] or title == \"nope\"").build()).getDeleteCnt());
    }

    static void reads() {
        step("get", () -> entities(client.get(GetReq.builder().collectionName(COLL).ids(Arrays.asList(0L, 1L, 5L, 99L))
                .outputFields(Arrays.asList("title", "rating", "extra", "meta", "tags")).build()).getGetResults()));
        step("query", () -> entities(client.query(QueryReq.builder().collectionName(COLL)
                .filter("price > 10 and flag == true and meta[\"color\"] != \"green\"")
                .outputFields(Arrays.asList("id", "title", "tags", "meta", "num", "price")).build()).getQueryResults()));
        step("queryNull", () -> entities(client.query(QueryReq.builder().collectionName(COLL)
                .filter("id < 6").outputFields(Arrays.asList("rating")).build()).getQueryResults()));
        step("count", () -> entities(client.query(QueryReq.builder().collectionName(COLL).filter("")
                .outputFields(Collections.singletonList("count(*)")).build()).getQueryResults()));
        step("countFilter", () -> entities(client.query(QueryReq.builder().collectionName(COLL)
                .filter("array_contains(tags, 6) or extra == \"x7\"")
                .outputFields(Collections.singletonList("count(*)")).build()).getQueryResults()));
        step("template", () -> {
            Map<String, Object> values = new LinkedHashMap<>();
            values.put("ids", Arrays.asList(1L, 2L, 3L, 4L));
            values.put("t", "t3");
            values.put("p", 2.0);
            return entities(client.query(QueryReq.builder().collectionName(COLL)
                    .filter("id in {ids} and title != {t} and price > {p}").filterTemplateValues(values)
                    .outputFields(Arrays.asList("id", "title")).build()).getQueryResults());
        });
        step("offsetLimit", () -> entities(client.query(QueryReq.builder().collectionName(COLL).filter("id >= 0")
                .offset(3).limit(4).outputFields(Collections.singletonList("id")).build()).getQueryResults()));
        step("queryIterator", () -> keyBatches(client.queryIterator(QueryIteratorReq.builder().collectionName(COLL)
                .expr("id > 2").outputFields(Arrays.asList("id", "title")).batchSize(5).build()), "id"));
        step("queryIteratorLimit", () -> keyBatches(client.queryIterator(QueryIteratorReq.builder()
                .collectionName(COLL).expr("id > 2").outputFields(Collections.singletonList("id")).batchSize(2)
                .limit(5).build()), "id"));
        step("stats", () -> Arrays.asList(
                client.getCollectionStats(GetCollectionStatsReq.builder().collectionName(COLL).build())
                        .getNumOfEntities(),
                client.getPartitionStats(GetPartitionStatsReq.builder().collectionName(COLL).partitionName("_default")
                        .build()).getNumOfEntities()));
        for (ConsistencyLevel level : ConsistencyLevel.values()) {
            step("consistency_" + level.name(), () -> entities(client.query(QueryReq.builder().collectionName(COLL)
                    .filter("").outputFields(Collections.singletonList("count(*)")).consistencyLevel(level).build())
                    .getQueryResults()));
        }
    }

    static void searches() {
        step("search", () -> hits(client.search(SearchReq.builder().collectionName(COLL).annsField("vec")
                .data(Arrays.asList(new FloatVec(vec(3)), new FloatVec(vec(8)))).topK(3).filter("id < 10")
                .outputFields(Arrays.asList("title", "extra", "rating")).build())));
        step("searchParams", () -> hits(client.search(SearchReq.builder().collectionName(COLL).annsField("vec")
                .data(query(3)).limit(4).offset(1).searchParams(Map.of("ef", 32))
                .consistencyLevel(ConsistencyLevel.EVENTUALLY).build())));
        step("rangeSearch", () -> hits(client.search(SearchReq.builder().collectionName(COLL).annsField("vec")
                .data(query(3)).topK(20).searchParams(Map.of("radius", 0.9, "range_filter", 0.99)).build())));
        step("groupBy", () -> hits(client.search(SearchReq.builder().collectionName(COLL).annsField("vec")
                .data(query(3)).topK(5).groupByFieldName("flag").outputFields(Collections.singletonList("flag"))
                .build())));
        step("sparseSearch", () -> hits(client.search(SearchReq.builder().collectionName(COLL).annsField("sparse")
                .data(Collections.singletonList(new SparseFloatVec(sparse(4)))).topK(3).build())));
        step("searchTemplate", () -> hits(client.search(SearchReq.builder().collectionName(COLL).annsField("vec")
                .data(query(3)).topK(3).filter("meta[\"color\"] in {colors}")
                .filterTemplateValues(Map.of("colors", Arrays.asList("red", "blue"))).build())));
        for (String ranker : Arrays.asList("rrf", "weighted")) {
            step("hybrid_" + ranker, () -> hits(client.hybridSearch(HybridSearchReq.builder().collectionName(COLL)
                    .searchRequests(Arrays.asList(
                            AnnSearchReq.builder().vectorFieldName("vec").vectors(query(3)).limit(5)
                                    .params("{\"ef\": 32}").build(),
                            AnnSearchReq.builder().vectorFieldName("sparse").filter("id > 1")
                                    .vectors(Collections.singletonList(new SparseFloatVec(sparse(4)))).limit(5).build()))
                    .ranker(ranker.equals("rrf") ? new RRFRanker(60) : new WeightedRanker(Arrays.asList(0.7f, 0.3f)))
                    .limit(4).outFields(Collections.singletonList("title")).build())));
        }
        step("searchIterator", () -> {
            SearchIteratorV2 it = client.searchIteratorV2(SearchIteratorReqV2.builder().collectionName(COLL)
                    .vectorFieldName("vec").vectors(query(3)).batchSize(4).limit(10).filter("id != 4")
                    .metricType(IndexParam.MetricType.COSINE).build());
            List<List<Map<String, Object>>> batches = new ArrayList<>();
            while (true) {
                List<SearchResp.SearchResult> batch = it.next();
                if (batch.isEmpty()) {
                    break;
                }
                batches.add(hitList(batch));
            }
            it.close();
            return batches;
        });
    }

    static void partitions() {
        step("createPartition", () -> {
            client.createPartition(CreatePartitionReq.builder().collectionName(COLL).partitionName("p1").build());
            return client.insert(InsertReq.builder().collectionName(COLL).partitionName("p1")
                    .data(rows(100, 103, "p")).build()).getInsertCnt();
        });
        step("listPartitions", () -> client.listPartitions(ListPartitionsReq.builder().collectionName(COLL).build()));
        step("hasPartition", () -> Arrays.asList(
                client.hasPartition(HasPartitionReq.builder().collectionName(COLL).partitionName("p1").build()),
                client.hasPartition(HasPartitionReq.builder().collectionName(COLL).partitionName("p9").build())));
        step("loadPartitions", () -> {
            client.loadPartitions(LoadPartitionsReq.builder().collectionName(COLL)
                    .partitionNames(Collections.singletonList("p1")).build());
            return client.getLoadState(GetLoadStateReq.builder().collectionName(COLL).partitionName("p1").build());
        });
        step("searchPartition", () -> hits(client.search(SearchReq.builder().collectionName(COLL).annsField("vec")
                .partitionNames(Collections.singletonList("p1")).data(query(3)).topK(5).build())));
        step("queryPartition", () -> entities(client.query(QueryReq.builder().collectionName(COLL)
                .partitionNames(Collections.singletonList("p1")).filter("")
                .outputFields(Collections.singletonList("count(*)")).build()).getQueryResults()));
        step("dropPartition", () -> {
            client.releasePartitions(ReleasePartitionsReq.builder().collectionName(COLL)
                    .partitionNames(Collections.singletonList("p1")).build());
            client.dropPartition(DropPartitionReq.builder().collectionName(COLL).partitionName("p1").build());
            return client.listPartitions(ListPartitionsReq.builder().collectionName(COLL).build());
        });
    }

    static void aliases() {
        step("createAlias", () -> {
            client.createAlias(CreateAliasReq.builder().collectionName(COLL).alias("jf_alias").build());
            DescribeAliasResp d = client.describeAlias(DescribeAliasReq.builder().alias("jf_alias").build());
            return Arrays.asList(d.getAlias(), d.getCollectionName(), d.getDatabaseName());
        });
        step("listAliases", () -> client.listAliases(ListAliasesReq.builder().collectionName(COLL).build())
                .getAlias());
        step("queryAlias", () -> entities(client.query(QueryReq.builder().collectionName("jf_alias").filter("")
                .outputFields(Collections.singletonList("count(*)")).build()).getQueryResults()));
        step("dropAlias", () -> {
            client.dropAlias(DropAliasReq.builder().alias("jf_alias").build());
            return client.listAliases(ListAliasesReq.builder().collectionName(COLL).build()).getAlias();
        });
    }

    static void databases() throws InterruptedException {
        step("createDatabase", () -> {
            client.createDatabase(CreateDatabaseReq.builder().databaseName("java_db").build());
            return client.listDatabases().getDatabaseNames().contains("java_db");
        });
        client.useDatabase("java_db");
        step("dbCollection", () -> {
            client.createCollection(CreateCollectionReq.builder().collectionName("in_db").dimension(3).build());
            List<JsonObject> data = new ArrayList<>();
            for (long i = 0; i < 2; i++) {
                JsonObject r = new JsonObject();
                r.addProperty("id", i);
                r.add("vector", GSON.toJsonTree(Arrays.asList(1f, 2f, (float) i)));
                data.add(r);
            }
            client.insert(InsertReq.builder().collectionName("in_db").data(data).build());
            return Arrays.asList(client.listCollections().getCollectionNames(),
                    entities(client.query(QueryReq.builder().collectionName("in_db").filter("")
                            .outputFields(Collections.singletonList("count(*)")).build()).getQueryResults()),
                    client.describeCollection(DescribeCollectionReq.builder().collectionName("in_db").build())
                            .getDatabaseName());
        });
        client.useDatabase("default");
        step("dbClient", () -> {  // a second client bound to the database at connect time (ConnectConfig.dbName)
            MilvusClientV2 other = new MilvusClientV2(ConnectConfig.builder().uri(uri).dbName("java_db").build());
            try {
                other.createAlias(CreateAliasReq.builder().collectionName("in_db").alias("in_db_alias").build());
                List<Object> out = Arrays.asList(other.currentUsedDatabase(),
                        other.listCollections().getCollectionNames(),
                        other.listAliases(ListAliasesReq.builder().collectionName("in_db").build()).getAlias(),
                        entities(other.query(QueryReq.builder().collectionName("in_db_alias").filter("")
                                .outputFields(Collections.singletonList("count(*)")).build()).getQueryResults()),
                        client.hasCollection(HasCollectionReq.builder().collectionName("in_db_alias").build()));
                return out;
            } finally {
                other.dropAlias(DropAliasReq.builder().alias("in_db_alias").build());
                other.close();
            }
        });
        step("dropDatabase", () -> {
            boolean seen = client.hasCollection(HasCollectionReq.builder().collectionName("in_db").build());
            client.dropCollection(DropCollectionReq.builder().databaseName("java_db").collectionName("in_db").build());
            client.dropDatabase(DropDatabaseReq.builder().databaseName("java_db").build());
            return Arrays.asList(seen, client.listDatabases().getDatabaseNames().contains("java_db"));
        });
    }

    /** A VARCHAR primary key, no dynamic field: partial upsert, get by string ids, L2 with rounding,
     * stats, flush, a synchronous reload, rename and truncate. */
    static void varcharCollection() {
        String name = "java_more";
        step("varcharCreate", () -> {
            CreateCollectionReq.CollectionSchema schema = MilvusClientV2.CreateSchema();
            schema.addField(AddFieldReq.builder().fieldName("pk").dataType(DataType.VarChar).maxLength(16)
                    .isPrimaryKey(true).build());
            schema.addField(AddFieldReq.builder().fieldName("n").dataType(DataType.Int64).build());
            schema.addField(AddFieldReq.builder().fieldName("vec").dataType(DataType.FloatVector).dimension(2).build());
            client.createCollection(CreateCollectionReq.builder().collectionName(name).collectionSchema(schema)
                    .indexParams(Collections.singletonList(IndexParam.builder().fieldName("vec")
                            .metricType(IndexParam.MetricType.L2).build())).build());
            List<JsonObject> data = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                JsonObject r = new JsonObject();
                r.addProperty("pk", String.valueOf((char) ('a' + i)));
                r.addProperty("n", (long) i);
                r.add("vec", GSON.toJsonTree(Arrays.asList((float) i, 1f)));
                data.add(r);
            }
            var done = client.insert(InsertReq.builder().collectionName(name).data(data).build());
            return Arrays.asList(done.getInsertCnt(), done.getPrimaryKeys(),
                    describe(client.describeCollection(DescribeCollectionReq.builder().collectionName(name).build()))
                            .get("enableDynamicField"));
        });
        step("partialUpsert", () -> {
            JsonObject r = new JsonObject();
            r.addProperty("pk", "a");
            r.addProperty("n", 10L);
            long count = client.upsert(UpsertReq.builder().collectionName(name).partialUpdate(true)
                    .data(Collections.singletonList(r)).build()).getUpsertCnt();
            return Arrays.asList(count, entities(client.get(GetReq.builder().collectionName(name)
                    .ids(Arrays.asList("a", "c", "zz")).outputFields(Arrays.asList("n", "vec")).build())
                    .getGetResults()));
        });
        step("roundDecimal", () -> hits(client.search(SearchReq.builder().collectionName(name).annsField("vec")
                .data(Collections.singletonList(new FloatVec(Arrays.asList(0.3f, 1.2f)))).topK(3).roundDecimal(2)
                .outputFields(Collections.singletonList("n")).build())));
        step("flushReload", () -> {
            client.flush(FlushReq.builder().collectionNames(Collections.singletonList(name)).build());
            client.releaseCollection(ReleaseCollectionReq.builder().collectionName(name).build());
            boolean released = client.getLoadState(GetLoadStateReq.builder().collectionName(name).build());
            client.loadCollection(LoadCollectionReq.builder().collectionName(name).build());
            return Arrays.asList(released, client.getLoadState(GetLoadStateReq.builder().collectionName(name).build()),
                    client.getCollectionStats(GetCollectionStatsReq.builder().collectionName(name).build())
                            .getNumOfEntities());
        });
        step("renameTruncate", () -> {
            client.renameCollection(RenameCollectionReq.builder().collectionName(name).newCollectionName("java_more2")
                    .build());
            boolean old = client.hasCollection(HasCollectionReq.builder().collectionName(name).build());
            client.truncateCollection(TruncateCollectionReq.builder().collectionName("java_more2").build());
            List<Map<String, Object>> count = entities(client.query(QueryReq.builder().collectionName("java_more2")
                    .filter("").outputFields(Collections.singletonList("count(*)")).build()).getQueryResults());
            return Arrays.asList(old, count);
        });
        step("errFieldNotExist", () -> client.query(QueryReq.builder().collectionName("java_more2").filter("n > 0")
                .outputFields(Collections.singletonList("nope")).build()));
        step("errFilterField", () -> client.query(QueryReq.builder().collectionName("java_more2").filter("nope > 0")
                .build()));
        step("errDropNonEmptyDatabase", () -> {
            client.createDatabase(CreateDatabaseReq.builder().databaseName("java_db2").build());
            client.createCollection(CreateCollectionReq.builder().databaseName("java_db2").collectionName("c")
                    .dimension(2).build());
            try {
                client.dropDatabase(DropDatabaseReq.builder().databaseName("java_db2").build());
                return true;
            } finally {
                client.dropCollection(DropCollectionReq.builder().databaseName("java_db2").collectionName("c").build());
                client.dropDatabase(DropDatabaseReq.builder().databaseName("java_db2").build());
            }
        });
        client.dropCollection(DropCollectionReq.builder().collectionName("java_more2").build());
    }

    static final String[] TEXTS = {"apple banana", "banana cherry", "cherry apple apple", "durian",
            "apple pie recipe", "banana split"};

    /** A java_types row with every required field and nothing else, ``i`` in its numbers. */
    static JsonObject bareTypesRow(int i) {
        JsonObject r = new JsonObject();
        r.addProperty("i8", i);
        r.addProperty("i16", i);
        r.addProperty("d", (double) i);
        r.add("names", new JsonArray());
        r.add("floats", new JsonArray());
        r.add("bools", new JsonArray());
        r.addProperty("geo", String.format("POINT (%d %d)", i, i));
        r.addProperty("text", "late");
        r.add("bin", GSON.toJsonTree(new byte[]{1, 1}));
        return r;
    }

    /** Every other scalar type (Int8, Int16, Double, arrays of VarChar/Float/Bool, a nullable JSON,
     * Timestamptz, Geometry), auto ids, a BM25 function (full-text search, TEXT_MATCH, runAnalyzer),
     * a binary vector; then schema and property changes. */
    static void types() {
        String name = dropIfExists("java_types");
        step("typesCreate", () -> {
            CreateCollectionReq.CollectionSchema schema = MilvusClientV2.CreateSchema();
            schema.addField(AddFieldReq.builder().fieldName("id").dataType(DataType.Int64).isPrimaryKey(true)
                    .autoID(true).build());
            schema.addField(AddFieldReq.builder().fieldName("i8").dataType(DataType.Int8).build());
            schema.addField(AddFieldReq.builder().fieldName("i16").dataType(DataType.Int16).build());
            schema.addField(AddFieldReq.builder().fieldName("d").dataType(DataType.Double).build());
            schema.addField(AddFieldReq.builder().fieldName("names").dataType(DataType.Array)
                    .elementType(DataType.VarChar).maxLength(8).maxCapacity(4).build());
            schema.addField(AddFieldReq.builder().fieldName("floats").dataType(DataType.Array)
                    .elementType(DataType.Float).maxCapacity(4).build());
            schema.addField(AddFieldReq.builder().fieldName("bools").dataType(DataType.Array)
                    .elementType(DataType.Bool).maxCapacity(4).build());
            schema.addField(AddFieldReq.builder().fieldName("js").dataType(DataType.JSON).isNullable(true).build());
            schema.addField(AddFieldReq.builder().fieldName("ts").dataType(DataType.Timestamptz).isNullable(true)
                    .build());
            schema.addField(AddFieldReq.builder().fieldName("geo").dataType(DataType.Geometry).build());
            schema.addField(AddFieldReq.builder().fieldName("text").dataType(DataType.VarChar).maxLength(256)
                    .enableAnalyzer(true).enableMatch(true).build());
            schema.addField(AddFieldReq.builder().fieldName("bm25").dataType(DataType.SparseFloatVector).build());
            schema.addField(AddFieldReq.builder().fieldName("bin").dataType(DataType.BinaryVector).dimension(16)
                    .build());
            schema.addFunction(CreateCollectionReq.Function.builder().name("bm25_fn").functionType(FunctionType.BM25)
                    .inputFieldNames(Collections.singletonList("text"))
                    .outputFieldNames(Collections.singletonList("bm25")).build());
            client.createCollection(CreateCollectionReq.builder().collectionName(name).collectionSchema(schema)
                    .indexParams(Arrays.asList(
                            IndexParam.builder().fieldName("bm25").indexType(IndexParam.IndexType.AUTOINDEX)
                                    .metricType(IndexParam.MetricType.BM25).build(),
                            IndexParam.builder().fieldName("bin").indexType(IndexParam.IndexType.BIN_FLAT)
                                    .metricType(IndexParam.MetricType.HAMMING).build()))
                    .build());
            DescribeCollectionResp d = client.describeCollection(DescribeCollectionReq.builder().collectionName(name)
                    .build());
            List<Object> functions = new ArrayList<>();
            for (CreateCollectionReq.Function f : d.getCollectionSchema().getFunctionList()) {
                functions.add(Arrays.asList(f.getName(), String.valueOf(f.getFunctionType()), f.getInputFieldNames(),
                        f.getOutputFieldNames()));
            }
            Map<String, Object> out = describe(d);
            return Arrays.asList(out.get("autoID"), out.get("vectorFieldNames"), functions, out.get("fields"));
        });
        step("typesInsert", () -> {
            List<JsonObject> data = new ArrayList<>();
            for (int i = 0; i < TEXTS.length; i++) {
                JsonObject r = new JsonObject();
                r.addProperty("i8", i - 3);
                r.addProperty("i16", 1000 * i);
                r.addProperty("d", i / 4.0);
                r.add("names", GSON.toJsonTree(Arrays.asList("n" + i, "m" + i)));
                r.add("floats", GSON.toJsonTree(Arrays.asList(i * 0.5f, -1.25f)));
                r.add("bools", GSON.toJsonTree(Arrays.asList(i % 2 == 0, true)));
                if (i % 3 == 0) {
                    r.add("js", JsonNull.INSTANCE);
                } else {
                    JsonObject js = new JsonObject();
                    js.addProperty("k", i);
                    js.add("list", GSON.toJsonTree(Arrays.asList(i, "x")));
                    r.add("js", js);
                }
                if (i % 2 == 1) {
                    r.addProperty("ts", String.format("2025-01-0%dT10:00:00Z", i));
                }
                r.addProperty("geo", String.format("POINT (%d %d)", i, i + 1));
                r.addProperty("text", TEXTS[i]);
                r.add("bin", GSON.toJsonTree(new byte[]{(byte) (1 << i), (byte) i}));
                data.add(r);
            }
            var done = client.insert(InsertReq.builder().collectionName(name).data(data).build());
            return Arrays.asList(done.getInsertCnt(), done.getPrimaryKeys().size());
        });
        step("typesQuery", () -> entities(client.query(QueryReq.builder().collectionName(name).filter("i8 >= -3")
                .outputFields(Arrays.asList("i8", "i16", "d", "names", "floats", "bools", "js", "ts", "geo", "text",
                        "bin")).build()).getQueryResults()));
        step("typesFilters", () -> Arrays.asList(
                entities(client.query(QueryReq.builder().collectionName(name)
                        .filter("array_contains(names, \"m2\") or d > 1.0 or js[\"k\"] == 4")
                        .outputFields(Collections.singletonList("i8")).build()).getQueryResults()),
                entities(client.query(QueryReq.builder().collectionName(name).filter("js is null")
                        .outputFields(Collections.singletonList("i8")).build()).getQueryResults()),
                entities(client.query(QueryReq.builder().collectionName(name)
                        .filter("ts > ISO '2025-01-02T00:00:00Z'")
                        .outputFields(Collections.singletonList("i8")).build()).getQueryResults())));
        step("geoFilter", () -> entities(client.query(QueryReq.builder().collectionName(name)
                .filter("ST_DWITHIN(geo, 'POINT (2 3)', 200000)").outputFields(Collections.singletonList("i8"))
                .build()).getQueryResults()));
        step("errGeoFilter", () -> client.query(QueryReq.builder().collectionName(name)
                .filter("ST_DWITHIN(geo, 'POINT (2 3)', -1)").build()));
        step("textMatch", () -> entities(client.query(QueryReq.builder().collectionName(name)
                .filter("TEXT_MATCH(text, \"banana\")").outputFields(Collections.singletonList("text")).build())
                .getQueryResults()));
        step("fullText", () -> hits(client.search(SearchReq.builder().collectionName(name).annsField("bm25")
                .data(Collections.singletonList(new EmbeddedText("apple"))).topK(3)
                .outputFields(Collections.singletonList("text")).build())));
        step("binarySearch", () -> hits(client.search(SearchReq.builder().collectionName(name).annsField("bin")
                .data(Collections.singletonList(new BinaryVec(new byte[]{(byte) 3, (byte) 0}))).topK(3)
                .outputFields(Arrays.asList("i8", "bin")).build())));
        step("runAnalyzer", () -> {
            RunAnalyzerResp r = client.runAnalyzer(RunAnalyzerReq.builder()
                    .texts(Collections.singletonList("Hello, World of Milvus")).build());
            List<Object> tokens = new ArrayList<>();
            for (RunAnalyzerResp.AnalyzerToken t : r.getResults().get(0).getTokens()) {
                tokens.add(t.getToken());
            }
            return tokens;
        });
        step("addField", () -> {
            client.addCollectionField(AddCollectionFieldReq.builder().collectionName(name).fieldName("later")
                    .dataType(DataType.Int64).isNullable(true).build());
            return entities(client.query(QueryReq.builder().collectionName(name).filter("i8 == 0")
                    .outputFields(Arrays.asList("i8", "later")).build()).getQueryResults());
        });
        step("properties", () -> {
            client.alterCollectionProperties(AlterCollectionPropertiesReq.builder().collectionName(name)
                    .property("collection.ttl.seconds", "3600").build());
            Map<String, String> props = client.describeCollection(DescribeCollectionReq.builder()
                    .collectionName(name).build()).getProperties();
            client.alterDatabaseProperties(AlterDatabasePropertiesReq.builder().databaseName("default")
                    .property("database.max.collections", "50").build());
            Map<String, String> dbProps = client.describeDatabase(DescribeDatabaseReq.builder()
                    .databaseName("default").build()).getProperties();
            return Arrays.asList(props.get("collection.ttl.seconds"), dbProps.get("database.max.collections"));
        });
        step("server", () -> Arrays.asList(client.checkHealth().getIsHealthy(),
                client.getServerVersion().isEmpty()));
        step("errPartitionInsert", () -> {
            JsonObject r = new JsonObject();
            r.add("vec", GSON.toJsonTree(vec(1)));
            r.add("sparse", GSON.toJsonTree(sparse(1)));
            r.addProperty("id", 500L);
            r.addProperty("title", "x");
            r.add("meta", new JsonObject());
            r.add("tags", new JsonArray());
            r.addProperty("flag", true);
            r.addProperty("price", 1.0f);
            return client.insert(InsertReq.builder().collectionName(COLL).partitionName("nope")
                    .data(Collections.singletonList(r)).build());
        });
        step("errMetric", () -> client.search(SearchReq.builder().collectionName(COLL).annsField("vec")
                .data(query(3)).topK(3).metricType(IndexParam.MetricType.L2).build()));
        step("errUpsertNoPk", () -> {
            JsonObject r = bareTypesRow(1);  // an auto_id collection: the SDK sends the row without its key
            return client.upsert(UpsertReq.builder().collectionName(name).data(Collections.singletonList(r)).build());
        });
        step("errInsertMissingField", () -> {
            JsonObject r = row(400, "x");
            r.remove("title");
            return client.insert(InsertReq.builder().collectionName(COLL).data(Collections.singletonList(r)).build());
        });
    }

    static List<Float> vec4(int i) {
        return Arrays.asList((float) (i % 3), (float) (i % 4 + 1), 0.5f * i, 1f);
    }

    static byte[] int8(int i) {
        return new byte[]{(byte) (i - 4), (byte) (i % 3), (byte) 2, (byte) -i};
    }

    /** Float16, BFloat16 and Int8 vectors; a vector field left without an index (load refused),
     * indexed afterwards with a synchronous createIndex; search by ids, the V1 search iterator, a
     * query iterator with an offset, a grouping hybrid search; dropping a loaded collection's index. */
    static void vectors() {
        String name = dropIfExists("java_vecs");
        step("errLoadNoIndex", () -> {
            CreateCollectionReq.CollectionSchema schema = MilvusClientV2.CreateSchema();
            schema.addField(AddFieldReq.builder().fieldName("id").dataType(DataType.Int64).isPrimaryKey(true).build());
            schema.addField(AddFieldReq.builder().fieldName("tag").dataType(DataType.Int64).build());
            schema.addField(AddFieldReq.builder().fieldName("f16").dataType(DataType.Float16Vector).dimension(4)
                    .build());
            schema.addField(AddFieldReq.builder().fieldName("bf16").dataType(DataType.BFloat16Vector).dimension(4)
                    .build());
            schema.addField(AddFieldReq.builder().fieldName("i8v").dataType(DataType.Int8Vector).dimension(4)
                    .build());
            schema.addField(AddFieldReq.builder().fieldName("fv").dataType(DataType.FloatVector).dimension(4).build());
            client.createCollection(CreateCollectionReq.builder().collectionName(name).collectionSchema(schema)
                    .indexParams(Arrays.asList(
                            IndexParam.builder().fieldName("f16").indexType(IndexParam.IndexType.HNSW)
                                    .metricType(IndexParam.MetricType.L2).build(),
                            IndexParam.builder().fieldName("bf16").indexType(IndexParam.IndexType.FLAT)
                                    .metricType(IndexParam.MetricType.IP).build(),
                            IndexParam.builder().fieldName("i8v").indexType(IndexParam.IndexType.HNSW)
                                    .metricType(IndexParam.MetricType.COSINE).build()))
                    .build());
            return true;
        });
        step("vecsIndex", () -> {
            List<JsonObject> data = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                JsonObject r = new JsonObject();
                r.addProperty("id", (long) i);
                r.addProperty("tag", (long) (i % 3));
                // 16-bit vectors travel in rows as their bytes (the SDK's Float16Utils encodes them)
                r.add("f16", GSON.toJsonTree(Float16Utils.f32VectorToFp16Buffer(vec4(i)).array()));
                r.add("bf16", GSON.toJsonTree(Float16Utils.f32VectorToBf16Buffer(vec4(i + 1)).array()));
                r.add("i8v", GSON.toJsonTree(int8(i)));
                r.add("fv", GSON.toJsonTree(vec4(i + 2)));
                data.add(r);
            }
            long inserted = client.insert(InsertReq.builder().collectionName(name).data(data).build()).getInsertCnt();
            client.createIndex(CreateIndexReq.builder().collectionName(name).indexParams(Collections.singletonList(
                    IndexParam.builder().fieldName("fv").indexType(IndexParam.IndexType.IVF_FLAT)
                            .metricType(IndexParam.MetricType.L2).extraParams(Map.of("nlist", 4)).build())).build());
            client.loadCollection(LoadCollectionReq.builder().collectionName(name).build());
            DescribeIndexResp.IndexDesc d = client.describeIndex(DescribeIndexReq.builder().collectionName(name)
                    .fieldName("fv").build()).getIndexDescriptions().get(0);
            var state = client.getLoadStateV2(GetLoadStateReq.builder().collectionName(name).build());
            return Arrays.asList(inserted, indexDesc(d), d.getTotalRows(), String.valueOf(state.getState()),
                    state.getProgress());
        });
        step("vecsSearch", () -> Arrays.asList(
                hits(client.search(SearchReq.builder().collectionName(name).annsField("f16")
                        .data(Collections.singletonList(new Float16Vec(vec4(3)))).topK(3).build())),
                hits(client.search(SearchReq.builder().collectionName(name).annsField("bf16")
                        .data(Collections.singletonList(new BFloat16Vec(vec4(3)))).topK(3).build())),
                hits(client.search(SearchReq.builder().collectionName(name).annsField("i8v")
                        .data(Collections.singletonList(new Int8Vec(int8(3)))).topK(3).build())),
                hits(client.search(SearchReq.builder().collectionName(name).annsField("fv")
                        .data(Collections.singletonList(new FloatVec(vec4(3)))).topK(3)
                        .searchParams(Map.of("nprobe", 4)).outputFields(Arrays.asList("f16", "i8v")).build()))));
        step("searchByIds", () -> hits(client.search(SearchReq.builder().collectionName(name).annsField("fv")
                .ids(Arrays.asList(1L, 2L)).topK(3).build())));
        step("searchIteratorV1", () -> {
            SearchIterator it = client.searchIterator(SearchIteratorReq.builder().collectionName(name)
                    .vectorFieldName("fv").vectors(Collections.singletonList(new FloatVec(vec4(3)))).batchSize(3)
                    .limit(7).metricType(IndexParam.MetricType.L2).outputFields(Collections.singletonList("tag"))
                    .build());
            return keyBatches(it::next, it::close, "id");
        });
        step("queryIteratorOffset", () -> keyBatches(client.queryIterator(QueryIteratorReq.builder()
                .collectionName(name).expr("id >= 0").outputFields(Collections.singletonList("tag")).batchSize(3)
                .offset(2).limit(4).build()), "id"));
        step("hybridGroupBy", () -> hits(client.hybridSearch(HybridSearchReq.builder().collectionName(name)
                .searchRequests(Arrays.asList(
                        AnnSearchReq.builder().vectorFieldName("fv").vectors(Collections.singletonList(
                                new FloatVec(vec4(3)))).limit(8).build(),
                        AnnSearchReq.builder().vectorFieldName("f16").vectors(Collections.singletonList(
                                new Float16Vec(vec4(5)))).limit(8).build()))
                .ranker(new RRFRanker(10)).groupByFieldName("tag").limit(3)
                .outFields(Collections.singletonList("tag")).build())));
        step("indexProperties", () -> {
            client.releaseCollection(ReleaseCollectionReq.builder().collectionName(name).build());
            client.alterIndexProperties(AlterIndexPropertiesReq.builder().collectionName(name).indexName("fv")
                    .property("mmap.enabled", "true").build());
            Map<String, String> set = client.describeIndex(DescribeIndexReq.builder().collectionName(name)
                    .indexName("fv").build()).getIndexDescriptions().get(0).getProperties();
            client.dropIndexProperties(DropIndexPropertiesReq.builder().collectionName(name).indexName("fv")
                    .propertyKeys(Collections.singletonList("mmap.enabled")).build());
            Map<String, String> dropped = client.describeIndex(DescribeIndexReq.builder().collectionName(name)
                    .indexName("fv").build()).getIndexDescriptions().get(0).getProperties();
            client.alterCollectionField(AlterCollectionFieldReq.builder().collectionName(name).fieldName("tag")
                    .property("mmap.enabled", "true").build());
            client.dropCollectionFieldProperties(DropCollectionFieldPropertiesReq.builder().collectionName(name)
                    .fieldName("tag").propertyKeys(Collections.singletonList("mmap.enabled")).build());
            client.dropDatabaseProperties(DropDatabasePropertiesReq.builder().databaseName("default")
                    .propertyKeys(Collections.singletonList("database.max.collections")).build());
            client.loadCollection(LoadCollectionReq.builder().collectionName(name).build());
            return Arrays.asList(set.get("mmap.enabled"), dropped.containsKey("mmap.enabled"),
                    client.describeDatabase(DescribeDatabaseReq.builder().databaseName("default").build())
                            .getProperties().containsKey("database.max.collections"));
        });
        step("errDropLoadedIndex", () -> {
            client.dropIndex(DropIndexReq.builder().collectionName(name).fieldName("fv").build());
            return true;
        });
    }

    /** Users and roles over a server that does not check passwords: what Attu-like Java tools call. */
    static void rbac() {
        step("rbac", () -> {
            client.createRole(CreateRoleReq.builder().roleName("java_role").build());
            client.grantPrivilegeV2(GrantPrivilegeReqV2.builder().roleName("java_role").privilege("Search")
                    .dbName("default").collectionName(COLL).build());
            client.createUser(CreateUserReq.builder().userName("java_user").password("Secret123!").build());
            client.grantRole(GrantRoleReq.builder().userName("java_user").roleName("java_role").build());
            DescribeRoleResp role = client.describeRole(DescribeRoleReq.builder().roleName("java_role").build());
            List<Object> grants = new ArrayList<>();
            for (DescribeRoleResp.GrantInfo g : role.getGrantInfos()) {
                grants.add(Arrays.asList(g.getObjectType(), g.getObjectName(), g.getPrivilege(), g.getDbName()));
            }
            List<Object> out = Arrays.asList(client.listRoles().contains("java_role"),
                    client.listUsers().contains("java_user"), grants,
                    client.describeUser(DescribeUserReq.builder().userName("java_user").build()).getRoles());
            client.revokeRole(RevokeRoleReq.builder().userName("java_user").roleName("java_role").build());
            client.revokePrivilegeV2(RevokePrivilegeReqV2.builder().roleName("java_role").privilege("Search")
                    .dbName("default").collectionName(COLL).build());
            client.dropUser(DropUserReq.builder().userName("java_user").build());
            client.dropRole(DropRoleReq.builder().roleName("java_role").build());
            return out;
        });
    }

    /** A field added after this client cached the schema (its first insert did): Milvus refuses the
     * next insert's old schema_timestamp with SchemaMismatch, and the SDK then re-reads the schema and
     * sends the row again, the new field's value in the new field. */
    static void staleSchema() {
        step("staleSchemaDynamic", () -> {
            client.addCollectionField(AddCollectionFieldReq.builder().collectionName(COLL).fieldName("added")
                    .dataType(DataType.Int64).isNullable(true).build());
            JsonObject r = row(300, "late");
            r.addProperty("added", 7L);
            client.insert(InsertReq.builder().collectionName(COLL).data(Collections.singletonList(r)).build());
            List<Map<String, Object>> rows = entities(client.query(QueryReq.builder().collectionName(COLL)
                    .filter("id == 300").outputFields(Arrays.asList("added", "$meta")).build()).getQueryResults());
            client.delete(DeleteReq.builder().collectionName(COLL).filter("id == 300").build());  // reads compare
            return rows;
        });
        step("staleSchemaStatic", () -> {
            JsonObject r = bareTypesRow(9);
            r.addProperty("later", 9L);
            client.insert(InsertReq.builder().collectionName("java_types").data(Collections.singletonList(r)).build());
            List<Map<String, Object>> rows = entities(client.query(QueryReq.builder().collectionName("java_types")
                    .filter("i8 == 9").outputFields(Arrays.asList("i8", "later")).build()).getQueryResults());
            client.delete(DeleteReq.builder().collectionName("java_types").filter("i8 == 9").build());
            return rows;
        });
    }

    /** A VARCHAR primary key and a partition key over 4 partitions, a JSON path index; the field and
     * property calls, replicas, segments and compaction a Java admin tool makes; a query iterator
     * paging by string keys, query by ids, delete by string ids. */
    static void partitionKey() {
        String name = dropIfExists("java_pk");
        step("pkCreate", () -> {
            CreateCollectionReq.CollectionSchema schema = MilvusClientV2.CreateSchema();
            schema.addField(AddFieldReq.builder().fieldName("pk").dataType(DataType.VarChar).maxLength(8)
                    .isPrimaryKey(true).build());
            schema.addField(AddFieldReq.builder().fieldName("tenant").dataType(DataType.Int64).isPartitionKey(true)
                    .build());
            schema.addField(AddFieldReq.builder().fieldName("doc").dataType(DataType.JSON).build());
            schema.addField(AddFieldReq.builder().fieldName("note").dataType(DataType.VarChar).maxLength(16).build());
            schema.addField(AddFieldReq.builder().fieldName("vec").dataType(DataType.FloatVector).dimension(2).build());
            Map<String, Object> path = new LinkedHashMap<>();
            path.put("json_path", "doc[\"kind\"]");
            path.put("json_cast_type", "varchar");
            client.createCollection(CreateCollectionReq.builder().collectionName(name).collectionSchema(schema)
                    .numPartitions(4).properties(Map.of("mmap.enabled", "false"))
                    .indexParams(Arrays.asList(
                            IndexParam.builder().fieldName("vec").metricType(IndexParam.MetricType.IP).build(),
                            IndexParam.builder().fieldName("doc").indexName("kind_idx")
                                    .indexType(IndexParam.IndexType.INVERTED).extraParams(path).build()))
                    .build());
            List<JsonObject> data = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                JsonObject r = new JsonObject();
                r.addProperty("pk", "k" + i);
                r.addProperty("tenant", (long) (i % 3));
                JsonObject doc = new JsonObject();
                doc.addProperty("kind", i % 2 == 0 ? "even" : "odd");
                r.add("doc", doc);
                r.addProperty("note", "n" + i);
                r.add("vec", GSON.toJsonTree(Arrays.asList(1f, (float) i)));
                data.add(r);
            }
            client.insert(InsertReq.builder().collectionName(name).data(data).build());
            Map<String, Object> d = describe(client.describeCollection(DescribeCollectionReq.builder()
                    .collectionName(name).build()));
            return Arrays.asList(d.get("numOfPartitions"),
                    client.listPartitions(ListPartitionsReq.builder().collectionName(name).build()).size(),
                    indexDesc(client.describeIndex(DescribeIndexReq.builder().collectionName(name)
                            .indexName("kind_idx").build()).getIndexDescriptions().get(0)));
        });
        step("pkReads", () -> Arrays.asList(
                entities(client.query(QueryReq.builder().collectionName(name)
                        .filter("tenant == 1 and doc[\"kind\"] == \"odd\"")
                        .outputFields(Collections.singletonList("note")).build()).getQueryResults()),
                entities(client.query(QueryReq.builder().collectionName(name).ids(Arrays.asList("k2", "k5", "zz"))
                        .outputFields(Collections.singletonList("tenant")).build()).getQueryResults()),
                hits(client.search(SearchReq.builder().collectionName(name).annsField("vec")
                        .data(Collections.singletonList(new FloatVec(Arrays.asList(0f, 1f)))).topK(2)
                        .filter("tenant == 2").outputFields(Collections.singletonList("tenant")).build()))));
        step("pkIterator", () -> keyBatches(client.queryIterator(QueryIteratorReq.builder().collectionName(name)
                .expr("tenant >= 0").outputFields(Collections.singletonList("pk")).batchSize(4).build()), "pk"));
        step("pkDelete", () -> client.delete(DeleteReq.builder().collectionName(name)
                .ids(Arrays.asList("k0", "k1", "nope")).build()).getDeleteCnt());
        step("pkAdmin", () -> {
            client.releaseCollection(ReleaseCollectionReq.builder().collectionName(name).build());
            client.alterCollectionField(AlterCollectionFieldReq.builder().collectionName(name).fieldName("note")
                    .property("max_length", "32").build());
            client.dropCollectionProperties(DropCollectionPropertiesReq.builder().collectionName(name)
                    .propertyKeys(Collections.singletonList("mmap.enabled")).build());
            client.loadCollection(LoadCollectionReq.builder().collectionName(name).build());
            DescribeCollectionResp d = client.describeCollection(DescribeCollectionReq.builder()
                    .collectionName(name).build());
            Object maxLength = null;
            for (CreateCollectionReq.FieldSchema f : d.getCollectionSchema().getFieldSchemaList()) {
                if (f.getName().equals("note")) {
                    maxLength = f.getMaxLength();
                }
            }
            var replicas = client.describeReplicas(DescribeReplicasReq.builder().collectionName(name).build())
                    .getReplicas();
            var segments = client.getPersistentSegmentInfo(GetPersistentSegmentInfoReq.builder()
                    .collectionName(name).build()).getSegmentInfos();
            long rows = 0;
            for (var seg : segments) {
                rows += seg.getNumOfRows();
            }
            long compaction = client.compact(CompactReq.builder().collectionName(name).build()).getCompactionID();
            String state = String.valueOf(client.getCompactionState(GetCompactionStateReq.builder()
                    .compactionID(compaction).build()).getState());
            boolean listed = false;
            for (var info : client.listCollectionsV2(ListCollectionsReq.builder().build()).getCollectionInfos()) {
                listed = listed || (info.getCollectionName().equals(name)
                        && Integer.valueOf(1).equals(info.getShardNum()));
            }
            return Arrays.asList(maxLength, d.getProperties().containsKey("mmap.enabled"), replicas.size(), rows,
                    state, listed);
        });
    }

    /** Refusals a Java application meets, each compared by the Python test with what pymilvus gets. */
    static void moreErrors() {
        step("errNoIndex", () -> client.describeIndex(DescribeIndexReq.builder().collectionName(COLL)
                .fieldName("flag").build()));
        step("errEmptyFilterNoLimit", () -> client.query(QueryReq.builder().collectionName(COLL).filter("")
                .outputFields(Collections.singletonList("id")).build()));
        step("errHasPartitionUnknown", () -> client.hasPartition(HasPartitionReq.builder().collectionName(NOPE)
                .partitionName("p").build()));
        step("errAliasUnknownCollection", () -> {
            client.createAlias(CreateAliasReq.builder().collectionName(NOPE).alias("jf_a2").build());
            return true;
        });
        step("errDescribeAliasUnknown", () -> client.describeAlias(DescribeAliasReq.builder().alias("jf_none")
                .build()));
        step("errAlterAliasUnknown", () -> {
            client.alterAlias(AlterAliasReq.builder().collectionName(COLL).alias("jf_none").build());
            return true;
        });
        step("errCreateDatabaseTwice", () -> {
            client.createDatabase(CreateDatabaseReq.builder().databaseName("default").build());
            return true;
        });
        step("errLoadPartitionUnknown", () -> {
            client.loadPartitions(LoadPartitionsReq.builder().collectionName(COLL)
                    .partitionNames(Collections.singletonList("p9")).build());
            return true;
        });
        step("errGetUnknownPartition", () -> client.getLoadState(GetLoadStateReq.builder().collectionName(COLL)
                .partitionName("p9").build()));
        step("errSearchUnknownField", () -> client.search(SearchReq.builder().collectionName(COLL).annsField("nope")
                .data(query(3)).topK(3).build()));
        step("errTopK", () -> client.search(SearchReq.builder().collectionName(COLL).annsField("vec")
                .data(query(3)).topK(20000).build()));
        step("errGroupByVector", () -> client.search(SearchReq.builder().collectionName(COLL).annsField("vec")
                .data(query(3)).topK(3).groupByFieldName("vec").build()));
        step("dropUnknownCollection", () -> {
            client.dropCollection(DropCollectionReq.builder().collectionName(NOPE).build());
            return true;
        });
        step("errDeleteBadFilter", () -> client.delete(DeleteReq.builder().collectionName(COLL)
                .filter("nope_field >>").build()));
    }

    /** An ARRAY<STRUCT> field with a vector sub-field, indexed for embedding-list search (MAX_SIM_L2),
     * as the SDK's StructExample builds it: structs inserted as JSON arrays of objects, read back as
     * lists of maps, searched with an EmbeddingList. */
    static void structs() {
        String name = dropIfExists("java_structs");
        step("structCreate", () -> {
            CreateCollectionReq.CollectionSchema schema = MilvusClientV2.CreateSchema();
            schema.addField(AddFieldReq.builder().fieldName("id").dataType(DataType.Int64).isPrimaryKey(true).build());
            schema.addField(AddFieldReq.builder().fieldName("v").dataType(DataType.FloatVector).dimension(2).build());
            schema.addField(AddFieldReq.builder().fieldName("s").dataType(DataType.Array).elementType(DataType.Struct)
                    .maxCapacity(4)
                    .addStructField(AddFieldReq.builder().fieldName("e").dataType(DataType.FloatVector).dimension(2)
                            .build())
                    .addStructField(AddFieldReq.builder().fieldName("t").dataType(DataType.VarChar).maxLength(8)
                            .build())
                    .build());
            client.createCollection(CreateCollectionReq.builder().collectionName(name).collectionSchema(schema)
                    .indexParams(Arrays.asList(
                            IndexParam.builder().fieldName("v").indexType(IndexParam.IndexType.FLAT)
                                    .metricType(IndexParam.MetricType.L2).build(),
                            IndexParam.builder().fieldName("s[e]").indexName("s_e").indexType(IndexParam.IndexType.HNSW)
                                    .metricType(IndexParam.MetricType.MAX_SIM_L2)
                                    .extraParams(Map.of("M", 8, "efConstruction", 64)).build()))
                    .build());
            List<JsonObject> data = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                JsonObject r = new JsonObject();
                r.addProperty("id", (long) i);
                r.add("v", GSON.toJsonTree(Arrays.asList(1f, (float) i)));
                JsonArray elements = new JsonArray();
                for (int j = 0; j < 3; j++) {
                    JsonObject element = new JsonObject();
                    element.add("e", GSON.toJsonTree(Arrays.asList(1f, (float) (i + 2 * j))));
                    element.addProperty("t", "t" + i + j);
                    elements.add(element);
                }
                r.add("s", elements);
                data.add(r);
            }
            long inserted = client.insert(InsertReq.builder().collectionName(name).data(data).build()).getInsertCnt();
            List<Object> structs = new ArrayList<>();
            for (CreateCollectionReq.StructFieldSchema st : client.describeCollection(DescribeCollectionReq.builder()
                    .collectionName(name).build()).getCollectionSchema().getStructFields()) {
                List<String> subs = new ArrayList<>();
                for (CreateCollectionReq.FieldSchema f : st.getFields()) {
                    subs.add(f.getName() + ":" + f.getDataType());
                }
                structs.add(Arrays.asList(st.getName(), st.getMaxCapacity(), subs));
            }
            return Arrays.asList(inserted, structs);
        });
        step("structQuery", () -> entities(client.query(QueryReq.builder().collectionName(name).filter("id in [1, 2]")
                .outputFields(Collections.singletonList("s")).build()).getQueryResults()));
        step("structSearch", () -> {
            EmbeddingList list = new EmbeddingList();
            list.add(new FloatVec(Arrays.asList(1f, 2f)));
            list.add(new FloatVec(Arrays.asList(1f, 3f)));
            return hits(client.search(SearchReq.builder().collectionName(name).annsField("s[e]")
                    .data(Collections.singletonList(list)).limit(3).outputFields(Collections.singletonList("s[t]"))
                    .build()));
        });
    }

    /** Milvus 2.6's function rankers (a decay ranker, a boost FunctionScore), on a search and on a
     * hybrid search, and a lexical highlighter on a full-text search. */
    static void rankers() {
        DecayRanker decay = DecayRanker.builder().name("near_ten").inputFieldNames(Collections.singletonList("price"))
                .function("gauss").origin(10).scale(5).offset(1).decay(0.5).build();
        step("decaySearch", () -> hits(client.search(SearchReq.builder().collectionName(COLL).annsField("vec")
                .data(query(3)).limit(4).ranker(decay).outputFields(Collections.singletonList("price")).build())));
        step("boostSearch", () -> hits(client.search(SearchReq.builder().collectionName(COLL).annsField("vec")
                .data(query(3)).limit(4).outputFields(Collections.singletonList("flag"))
                .functionScore(FunctionScore.builder().addFunction(BoostRanker.builder().name("even")
                        .filter("flag == true").weight(2.0f).build()).build()).build())));
        step("decayHybrid", () -> hits(client.hybridSearch(HybridSearchReq.builder().collectionName(COLL)
                .searchRequests(Arrays.asList(
                        AnnSearchReq.builder().vectorFieldName("vec").vectors(query(3)).limit(5).build(),
                        AnnSearchReq.builder().vectorFieldName("sparse")
                                .vectors(Collections.singletonList(new SparseFloatVec(sparse(4)))).limit(5).build()))
                .ranker(decay).limit(4).outFields(Collections.singletonList("price")).build())));
        LexicalHighlighter highlighter = LexicalHighlighter.builder().highlightSearchText(true)
                .preTags(Collections.singletonList("<b>")).postTags(Collections.singletonList("</b>")).build();
        // Milvus 2.6 checks the metric the request names (none: ""), not the index's
        step("errHighlightNoMetric", () -> client.search(SearchReq.builder().collectionName("java_types")
                .annsField("bm25").data(Collections.singletonList(new EmbeddedText("apple"))).limit(3)
                .highlighter(highlighter).build()));
        step("highlight", () -> {
            SearchResp resp = client.search(SearchReq.builder().collectionName("java_types").annsField("bm25")
                    .data(Collections.singletonList(new EmbeddedText("apple"))).limit(3)
                    .metricType(IndexParam.MetricType.BM25).highlighter(highlighter).build());
            List<Object> out = new ArrayList<>();
            for (SearchResp.SearchResult hit : resp.getSearchResults().get(0)) {
                SearchResp.HighlightResult found = hit.getHighlightResult("text");
                out.add(Arrays.asList(hit.getId(), found == null ? null : found.getFragments()));
            }
            return out;
        });
    }

    /** A default value of each scalar type, described back and filled into rows that leave the
     * field out; search and query outputs with "*" and a timezone. */
    static void defaults() {
        String name = dropIfExists("java_defaults");
        step("defaultsDescribe", () -> {
            CreateCollectionReq.CollectionSchema schema = MilvusClientV2.CreateSchema();
            schema.setEnableDynamicField(true);
            schema.addField(AddFieldReq.builder().fieldName("id").dataType(DataType.Int64).isPrimaryKey(true).build());
            schema.addField(AddFieldReq.builder().fieldName("b").dataType(DataType.Bool).defaultValue(true).build());
            schema.addField(AddFieldReq.builder().fieldName("i8").dataType(DataType.Int8).defaultValue((short) 8)
                    .build());
            schema.addField(AddFieldReq.builder().fieldName("i16").dataType(DataType.Int16).defaultValue((short) 16)
                    .build());
            schema.addField(AddFieldReq.builder().fieldName("i64").dataType(DataType.Int64).defaultValue(64L).build());
            schema.addField(AddFieldReq.builder().fieldName("f").dataType(DataType.Float).defaultValue(1.5f).build());
            schema.addField(AddFieldReq.builder().fieldName("d").dataType(DataType.Double).defaultValue(2.25).build());
            schema.addField(AddFieldReq.builder().fieldName("s").dataType(DataType.VarChar).maxLength(8)
                    .defaultValue("n/a").isNullable(true).build());
            schema.addField(AddFieldReq.builder().fieldName("ts").dataType(DataType.Timestamptz)
                    .defaultValue("2025-06-01T12:00:00Z").build());
            schema.addField(AddFieldReq.builder().fieldName("v").dataType(DataType.FloatVector).dimension(2).build());
            client.createCollection(CreateCollectionReq.builder().collectionName(name).collectionSchema(schema)
                    .indexParams(Collections.singletonList(IndexParam.builder().fieldName("v")
                            .metricType(IndexParam.MetricType.L2).build())).build());
            Map<String, Object> out = new LinkedHashMap<>();
            for (CreateCollectionReq.FieldSchema f : client.describeCollection(DescribeCollectionReq.builder()
                    .collectionName(name).build()).getCollectionSchema().getFieldSchemaList()) {
                Object v = f.getDefaultValue();
                out.put(f.getName(), v == null ? null : Arrays.asList(v.getClass().getSimpleName(), v));
            }
            return out;
        });
        step("defaultsRows", () -> {
            List<JsonObject> data = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                JsonObject r = new JsonObject();
                r.addProperty("id", (long) i);
                r.add("v", GSON.toJsonTree(Arrays.asList((float) i, 0f)));
                if (i == 1) {
                    r.add("s", JsonNull.INSTANCE);
                    r.addProperty("f", 9.5f);
                    r.addProperty("extra", "dyn");
                }
                data.add(r);
            }
            client.insert(InsertReq.builder().collectionName(name).data(data).build());
            return entities(client.query(QueryReq.builder().collectionName(name).filter("id >= 0")
                    .outputFields(Collections.singletonList("*")).build()).getQueryResults());
        });
        step("starSearch", () -> hits(client.search(SearchReq.builder().collectionName(name).annsField("v")
                .data(Collections.singletonList(new FloatVec(Arrays.asList(1f, 0f)))).limit(1)
                .outputFields(Collections.singletonList("*")).build())));
        step("timezone", () -> entities(client.query(QueryReq.builder().collectionName(name).filter("id == 1")
                .outputFields(Collections.singletonList("ts")).timezone("Asia/Shanghai").build()).getQueryResults()));
        step("partialDynamic", () -> {
            JsonObject r = new JsonObject();  // a partial update merges dynamic keys into the entity's
            r.addProperty("id", 1L);
            r.addProperty("i64", 640L);
            r.addProperty("more", 2);
            client.upsert(UpsertReq.builder().collectionName(name).partialUpdate(true)
                    .data(Collections.singletonList(r)).build());
            return entities(client.query(QueryReq.builder().collectionName(name).filter("id == 1")
                    .outputFields(Arrays.asList("i64", "f", "$meta")).build()).getQueryResults());
        });
        step("iteratorTemplate", () -> {
            SearchIteratorV2 it = client.searchIteratorV2(SearchIteratorReqV2.builder().collectionName(COLL)
                    .vectorFieldName("vec").vectors(query(3)).batchSize(2).limit(4).filter("id in {ids}")
                    .filterTemplateValues(Map.of("ids", Arrays.asList(1L, 3L, 5L, 7L, 9L)))
                    .metricType(IndexParam.MetricType.COSINE).build());
            List<Object> ids = new ArrayList<>();
            for (List<SearchResp.SearchResult> batch = it.next(); !batch.isEmpty(); batch = it.next()) {
                for (SearchResp.SearchResult hit : batch) {
                    ids.add(hit.getId());
                }
            }
            it.close();
            return ids;
        });
        step("deleteTemplate", () -> Arrays.asList(client.delete(DeleteReq.builder().collectionName(name)
                .filter("id in {ids} and b == {flag}").filterTemplateValues(Map.of("ids", Arrays.asList(0L, 9L),
                        "flag", true)).build()).getDeleteCnt(),
                entities(client.query(QueryReq.builder().collectionName(name).filter("")
                        .outputFields(Collections.singletonList("count(*)")).build()).getQueryResults())));
    }

    /** Bad values the SDK sends as they are: each refused by the server, nothing written. */
    static void valueErrors() {
        Map<String, java.util.function.Consumer<JsonObject>> cases = new LinkedHashMap<>();
        cases.put("errVarcharTooLong", r -> r.addProperty("title", "x".repeat(70)));
        cases.put("errArrayTooLong", r -> r.add("tags", GSON.toJsonTree(Arrays.asList(1, 2, 3, 4, 5, 6, 7, 8, 9))));
        cases.put("errNaNVector", r -> r.add("vec", GSON.toJsonTree(Arrays.asList(Float.NaN, 1f, 1f, 1f))));
        cases.put("errSparseNegative", r -> r.add("sparse", GSON.toJsonTree(Map.of(-3L, 1.0f))));
        cases.put("errDynamicMetaKey", r -> r.add("$meta", new JsonObject()));
        for (Map.Entry<String, java.util.function.Consumer<JsonObject>> c : cases.entrySet()) {
            step(c.getKey(), () -> {
                JsonObject r = row(700, "bad");
                c.getValue().accept(r);
                return client.insert(InsertReq.builder().collectionName(COLL).data(Collections.singletonList(r))
                        .build());
            });
        }
        // documented divergences (docs/compatibility.md): a key that exists already is refused; a
        // released collection still answers reads
        step("errDuplicatePk", () -> client.insert(InsertReq.builder().collectionName(COLL)
                .data(Collections.singletonList(row(5, "again"))).build()));
        step("releasedSearch", () -> {
            client.releaseCollection(ReleaseCollectionReq.builder().collectionName("java_structs").build());
            boolean loaded = client.getLoadState(GetLoadStateReq.builder().collectionName("java_structs").build());
            int found = client.search(SearchReq.builder().collectionName("java_structs").annsField("v")
                    .data(Collections.singletonList(new FloatVec(Arrays.asList(1f, 2f)))).limit(2).build())
                    .getSearchResults().get(0).size();
            return Arrays.asList(loaded, found);
        });
        step("errNullNotNullable", () -> {
            JsonObject r = row(701, "x");
            r.add("title", JsonNull.INSTANCE);
            return client.insert(InsertReq.builder().collectionName(COLL).data(Collections.singletonList(r)).build());
        });
        step("errInt8Overflow", () -> {
            JsonObject r = bareTypesRow(1);
            r.addProperty("i8", 300);
            return client.insert(InsertReq.builder().collectionName("java_types").data(Collections.singletonList(r))
                    .build());
        });
    }

    static void errors() {
        step("errUnknownCollection", () -> client.describeCollection(
                DescribeCollectionReq.builder().collectionName("java_nope").build()));
        step("errQueryUnknown", () -> client.query(QueryReq.builder().collectionName("java_nope").filter("id > 0")
                .build()));
        step("errInsertDim", () -> {
            JsonObject r = row(50, "bad");
            r.add("vec", GSON.toJsonTree(Arrays.asList(1f, 2f, 3f)));
            return client.insert(InsertReq.builder().collectionName(COLL).data(Collections.singletonList(r)).build());
        });
        step("errSearchDim", () -> client.search(SearchReq.builder().collectionName(COLL).annsField("vec")
                .data(Collections.singletonList(new FloatVec(Arrays.asList(1f, 2f, 3f)))).topK(3).build()));
        step("errFilter", () -> client.query(QueryReq.builder().collectionName(COLL).filter("id >>> 3").build()));
        step("errUnknownField", () -> client.query(QueryReq.builder().collectionName(COLL).filter("")
                .outputFields(Collections.singletonList("count(*)")).partitionNames(Collections.singletonList("p9"))
                .build()));
        step("errDropLoadedPartition", () -> {
            client.dropPartition(DropPartitionReq.builder().collectionName(COLL).partitionName("_default").build());
            return true;
        });
        step("errDuplicateCollection", () -> {
            client.createCollection(CreateCollectionReq.builder().collectionName(COLL).dimension(8).build());
            return true;
        });
        step("errUseDatabase", () -> {
            try {
                client.useDatabase("java_no_db");
            } catch (InterruptedException e) {
                throw new RuntimeException(e);
            }
            return client.currentUsedDatabase();
        });
    }
}
