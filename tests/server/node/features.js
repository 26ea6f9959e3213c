// The data path as Node apps (and Attu) drive it, against `pgmilvus serve`: a full schema, indexes,
// writes, reads, searches of every kind, partitions, aliases, databases and a few bad inputs.
// The SDK turns an UNIMPLEMENTED answer into an empty success, so every answer's values are
// printed, one JSON line per step ({"step": name, "value": ...} or {"step": name, "error": ...}),
// for tests/server/test_node_sdk.py to check. The collections searched are left in place so the test
// can ask pymilvus the same questions of the same rows.
const { MilvusClient, DataType, FunctionType, RRFRanker, WeightedRanker, ShowCollectionsType, ShowPartitionsType } =
    require("@zilliz/milvus2-sdk-node");

const NAME = "node_features";
const DB = "node_features_db";

/** Print one step's answer; a thrown error is printed as its code, reason and message. */
async function step(name, fn) {
    try {
        console.log(JSON.stringify({ step: name, value: await fn() }));
    } catch (err) {
        const status = err && (err.status || err);
        console.log(JSON.stringify({ step: name, error: {
            error_code: status && status.error_code, code: status && status.code,
            reason: status && status.reason, message: String((err && err.message) || "") } }));
    }
}

/** The status fields a caller compares with Milvus's. */
const status = s => ({ error_code: s.error_code, code: s.code, reason: s.reason });

/** Row i of the main collection: every field type, dynamic keys color and n. */
function row(i) {
    return {
        id: i, title: `t${i}`, meta: { k: i % 3, name: `m${i}` }, tags: [i, i + 1], flag: i % 2 === 0,
        price: i * 1.5, vec: [Math.cos(i / 3), Math.sin(i / 3), i / 10, 1],
        sparse: { [i % 5]: 1.0, [5 + (i % 3)]: 0.5 }, color: i % 2 ? "red" : "blue", n: i,
    };
}

const FIELDS = [
    { name: "id", data_type: DataType.Int64, is_primary_key: true, autoID: false },
    { name: "title", data_type: DataType.VarChar, max_length: 64 },
    { name: "meta", data_type: DataType.JSON },
    { name: "tags", data_type: DataType.Array, element_type: DataType.Int64, max_capacity: 8 },
    { name: "flag", data_type: DataType.Bool },
    { name: "price", data_type: DataType.Float },
    { name: "vec", data_type: DataType.FloatVector, dim: 4 },
    { name: "sparse", data_type: DataType.SparseFloatVector },
    { name: "note", data_type: DataType.VarChar, max_length: 32, nullable: true, default_value: "none" },
];

async function schemaSteps(c) {
    await step("create", async () => status(await c.createCollection({
        collection_name: NAME, fields: FIELDS, enable_dynamic_field: true, consistency_level: "Strong",
        index_params: [
            { field_name: "vec", index_type: "HNSW", metric_type: "COSINE", params: { M: 8, efConstruction: 64 } },
            { field_name: "sparse", index_type: "SPARSE_INVERTED_INDEX", metric_type: "IP" },
        ] })));
    await step("describe", async () => {
        const d = await c.describeCollection({ collection_name: NAME });
        return { dynamic: d.schema.enable_dynamic_field, consistency: d.consistency_level,
                 fields: d.schema.fields.map(f => ({ name: f.name, type: f.data_type, element: f.element_type,
                     pk: f.is_primary_key, nullable: f.nullable, default: f.default_value,
                     params: Object.fromEntries(f.type_params.map(p => [p.key, p.value])) })) };
    });
    await step("create_index_title", async () => status(await c.createIndex({
        collection_name: NAME, field_name: "title", index_type: "INVERTED", index_name: "title_idx" })));
    await step("describe_index", async () => {
        const d = await c.describeIndex({ collection_name: NAME });
        return d.index_descriptions.map(i => ({ field: i.field_name, name: i.index_name,
            params: Object.fromEntries(i.params.map(p => [p.key, p.value])) }))
            .sort((a, b) => a.field.localeCompare(b.field));
    });
    await step("list_indexes", async () => (await c.listIndexes({ collection_name: NAME })).indexes.sort());
    await step("load_state", async () => (await c.getLoadState({ collection_name: NAME })).state);
    await step("show_collections", async () => {
        const d = await c.describeCollection({ collection_name: NAME });
        const mine = list => list.data.filter(x => x.name === NAME);
        return { all: mine(await c.showCollections()).map(x => [x.name, x.id === d.collectionID,
                                                               x.timestamp === d.created_utc_timestamp]),
                 loaded: mine(await c.showCollections({ type: ShowCollectionsType.Loaded }))
                     .map(x => [x.name, x.loadedPercentage]) };
    });
}

async function writeSteps(c) {
    await step("insert_rows", async () => {
        const r = await c.insert({ collection_name: NAME, data: [1, 2, 3, 4, 5, 6].map(row) });
        return { cnt: r.insert_cnt, ids: r.IDs.int_id.data.map(Number), status: status(r.status) };
    });
    await step("insert_fields_data", async () => {
        const rows = [7, 8, 9, 10, 11, 12].map(row).map(r => { const { note, ...rest } = r; return rest; });
        rows[0].note = "seven";
        rows[1].note = null;
        const r = await c.insert({ collection_name: NAME, fields_data: rows });
        return { cnt: r.insert_cnt, ids: r.IDs.int_id.data.map(Number) };
    });
    await step("upsert", async () => {
        const r = await c.upsert({ collection_name: NAME, data: [{ ...row(3), title: "three", extra: "x" }] });
        return { cnt: r.upsert_cnt, ids: r.IDs.int_id.data.map(Number) };
    });
    await step("delete_ids", async () => Number((await c.delete({ collection_name: NAME, ids: [12] })).delete_cnt));
    await step("delete_filter", async () =>
        Number((await c.delete({ collection_name: NAME, filter: "id in [11, 99]" })).delete_cnt));
}

async function readSteps(c) {
    await step("count", async () => (await c.count({ collection_name: NAME })).data);
    await step("index_statistics", async () => {
        const r = await c.getIndexStatistics({ collection_name: NAME, index_name: "vec" });
        const missing = await c.getIndexStatistics({ collection_name: NAME, index_name: "nope" });
        return { found: r.index_descriptions.map(i => [i.field_name, i.index_name, i.total_rows, i.indexed_rows,
                                                          i.state]),
                 missing: status(missing.status) };
    });
    await step("count_star", async () =>
        (await c.query({ collection_name: NAME, filter: "price > 3", output_fields: ["count(*)"] })).data);
    await step("get", async () => (await c.get({ collection_name: NAME, ids: [3, 7, 8],
        output_fields: ["title", "note", "tags", "meta", "flag", "price", "color", "extra"] })).data);
    await step("query_page", async () => (await c.query({ collection_name: NAME, filter: "price > 3",
        limit: 3, offset: 2, output_fields: ["id", "price"] })).data);
    await step("query_template", async () => (await c.query({ collection_name: NAME,
        filter: "id in {ids} and title != {t}", exprValues: { ids: [1, 2, 3, 4], t: "t2" },
        output_fields: ["id"] })).data.map(r => Number(r.id)).sort((a, b) => a - b));
    await step("query_json_array", async () => (await c.query({ collection_name: NAME,
        filter: 'meta["k"] == 1 and array_contains(tags, 5) or color == "blue" and n < 3',
        output_fields: ["id"] })).data.map(r => Number(r.id)).sort((a, b) => a - b));
    await step("query_consistency", async () => {
        const out = {};
        for (const level of ["Strong", "Bounded", "Session", "Eventually"]) {
            out[level] = (await c.query({ collection_name: NAME, filter: "id > 0", output_fields: ["count(*)"],
                                          consistency_level: level })).data[0]["count(*)"];
        }
        return out;
    });
    await step("query_iterator", async () => {
        const batches = [];
        const it = await c.queryIterator({ collection_name: NAME, filter: "id > 1", batchSize: 4,
                                           output_fields: ["id"] });
        for await (const batch of it) batches.push(batch.map(r => Number(r.id)));
        return batches;
    });
}

const Q = [1, 0.2, 0.3, 1];
const Q2 = [0, 1, 0.5, 1];
const SPARSE = { 1: 1.0, 6: 0.5 };
const hits = res => res.results.map(h => ({ id: Number(h.id), score: h.score, ...pick(h) }));
const pick = h => Object.fromEntries(Object.entries(h).filter(([k]) => k !== "id" && k !== "score"));

async function searchSteps(c) {
    await step("search", async () => hits(await c.search({ collection_name: NAME, anns_field: "vec", data: Q,
        limit: 3, filter: "price < 12", output_fields: ["title", "color"], params: { ef: 32 } })));
    await step("search_nq2", async () => {
        const r = await c.search({ collection_name: NAME, anns_field: "vec", data: [Q, Q2], limit: 2 });
        return r.results.map(q => q.map(h => ({ id: Number(h.id), score: h.score })));
    });
    await step("search_range", async () => hits(await c.search({ collection_name: NAME, anns_field: "vec",
        data: Q, limit: 10, params: { radius: 0.8, range_filter: 0.99 } })));
    await step("search_group", async () => hits(await c.search({ collection_name: NAME, anns_field: "vec",
        data: Q, limit: 2, group_by_field: "color", output_fields: ["color"] })));
    await step("search_sparse", async () => hits(await c.search({ collection_name: NAME, anns_field: "sparse",
        data: SPARSE, limit: 3 })));
    await step("search_template", async () => hits(await c.search({ collection_name: NAME, anns_field: "vec",
        data: Q, limit: 3, filter: "color == {c}", exprValues: { c: "red" }, output_fields: ["color"] })));
    for (const [label, rerank] of [["rrf", RRFRanker(60)], ["weighted", WeightedRanker([0.7, 0.3])]]) {
        await step(`hybrid_${label}`, async () => hits(await c.hybridSearch({ collection_name: NAME,
            data: [{ data: Q, anns_field: "vec", params: { ef: 32 } }, { data: SPARSE, anns_field: "sparse" }],
            rerank, limit: 4, output_fields: ["title"] })));
    }
    const decay = { name: "decay", description: "", type: FunctionType.RERANK, input_field_names: ["price"],
                    output_field_names: [], params: { reranker: "decay", function: "gauss", origin: 0, scale: 10 } };
    await step("search_decay", async () => hits(await c.search({ collection_name: NAME, anns_field: "vec", data: Q,
        limit: 3, rerank: decay, output_fields: ["price"] })));
    await step("hybrid_decay", async () => hits(await c.hybridSearch({ collection_name: NAME,
        data: [{ data: Q, anns_field: "vec" }, { data: SPARSE, anns_field: "sparse" }],
        rerank: decay, limit: 3, output_fields: ["price"] })));
    await step("search_iterator", async () => {
        const batches = [];
        const it = await c.searchIterator({ collection_name: NAME, anns_field: "vec", data: Q, batchSize: 3,
                                            limit: 7, output_fields: ["id"] });
        for await (const batch of it) batches.push(batch.map(h => Number(h.id)));
        return batches;
    });
}

async function partitionSteps(c) {
    const p = "part_a";
    await step("partitions", async () => {
        const out = {};
        out.create = status(await c.createPartition({ collection_name: NAME, partition_name: p }));
        out.has = (await c.hasPartition({ collection_name: NAME, partition_name: p })).value;
        out.names = (await c.showPartitions({ collection_name: NAME })).partition_names;
        out.insert = (await c.insert({ collection_name: NAME, partition_name: p,
                                       data: [20, 21].map(row) })).insert_cnt;
        out.load = status(await c.loadPartitions({ collection_name: NAME, partition_names: [p] }));
        out.search = hits(await c.search({ collection_name: NAME, anns_field: "vec", data: Q, limit: 5,
                                           partition_names: [p] })).map(h => h.id);
        out.query = (await c.query({ collection_name: NAME, filter: "id > 0", partition_names: [p],
                                     output_fields: ["id"] })).data.map(r => Number(r.id)).sort();
        out.release = status(await c.releasePartitions({ collection_name: NAME, partition_names: [p] }));
        out.delete = Number((await c.delete({ collection_name: NAME, filter: "id >= 20",
                                              partition_name: p })).delete_cnt);
        out.drop = status(await c.dropPartition({ collection_name: NAME, partition_name: p }));
        out.after = (await c.showPartitions({ collection_name: NAME })).partition_names;
        return out;
    });
    await step("aliases", async () => {
        const out = {};
        out.create = status(await c.createAlias({ collection_name: NAME, alias: "node_alias" }));
        const d = await c.describeAlias({ collection_name: NAME, alias: "node_alias" });
        out.describe = [d.alias, d.collection];
        out.list = (await c.listAliases({ collection_name: NAME })).aliases;
        out.count = (await c.query({ collection_name: "node_alias", filter: "",
                                     output_fields: ["count(*)"] })).data[0]["count(*)"];
        out.drop = status(await c.dropAlias({ alias: "node_alias" }));
        out.after = (await c.listAliases({ collection_name: NAME })).aliases;
        return out;
    });
}

async function databaseSteps(c) {
    await step("databases", async () => {
        const out = {};
        out.create = status(await c.createDatabase({ db_name: DB }));
        out.list = (await c.listDatabases()).db_names.filter(n => n === DB || n === "default").sort();
        await c.use({ db_name: DB });
        out.created = status(await c.createCollection({ collection_name: "in_db", dimension: 2 }));
        out.insert = (await c.insert({ collection_name: "in_db", data: [{ id: 1, vector: [1, 0] }] })).insert_cnt;
        out.shown = (await c.showCollections()).data.map(x => x.name);
        await c.use({ db_name: "default" });
        out.default_has = (await c.hasCollection({ collection_name: "in_db" })).value;
        out.by_name = (await c.query({ collection_name: "in_db", db_name: DB, filter: "",
                                       output_fields: ["count(*)"] })).data[0]["count(*)"];
        out.drop_non_empty = status(await c.dropDatabase({ db_name: DB }));
        out.drop_collection = status(await c.dropCollection({ collection_name: "in_db", db_name: DB }));
        out.drop = status(await c.dropDatabase({ db_name: DB }));
        out.after = (await c.listDatabases()).db_names.filter(n => n === DB);
        return out;
    });
}

/** An auto-id VarChar key, a partition key and a binary vector: string ids end to end. */
async function autoIdSteps(c) {
    const auto = "node_auto", renamed = "node_auto_renamed";
    await c.dropCollection({ collection_name: renamed });
    await step("auto_ids", async () => {
        const out = {};
        out.create = status(await c.createCollection({ collection_name: auto, description: "auto ids",
            num_partitions: 4, fields: [
                { name: "pk", data_type: DataType.VarChar, is_primary_key: true, autoID: true, max_length: 40 },
                { name: "cat", data_type: DataType.Int64, is_partition_key: true },
                { name: "bin", data_type: DataType.BinaryVector, dim: 16 },
                { name: "v", data_type: DataType.FloatVector, dim: 2 }],
            index_params: [{ field_name: "v", index_type: "AUTOINDEX", metric_type: "L2" },
                           { field_name: "bin", index_type: "BIN_FLAT", metric_type: "HAMMING" }] }));
        const d = await c.describeCollection({ collection_name: auto });
        out.describe = [d.schema.description, d.schema.autoID, d.num_partitions,
                        d.schema.fields.map(f => [f.name, f.autoID, f.is_partition_key])];
        const ins = await c.insert({ collection_name: auto,
                                     data: [1, 2, 3, 4].map(i => ({ cat: i % 2, bin: [i, 255 - i], v: [i, 0] })) });
        const ids = ins.IDs.str_id.data;
        out.insert = [ins.insert_cnt, ids.length, new Set(ids).size];
        out.stats = (await c.getCollectionStatistics({ collection_name: auto })).data;
        out.get = (await c.get({ collection_name: auto, ids: ids.slice(0, 2), output_fields: ["cat", "bin"] }))
            .data.map(r => [ids.indexOf(r.pk), r.cat, r.bin]);
        out.first_two = (await c.query({ collection_name: auto, limit: 2, output_fields: ["cat"] })).data.length;
        out.count_cat = (await c.count({ collection_name: auto, expr: "cat == 1" })).data;
        out.search_bin = (await c.search({ collection_name: auto, anns_field: "bin", data: [1, 254], limit: 2,
                                           output_fields: ["cat"] })).results.map(h => [ids.indexOf(h.pk), h.score, h.cat]);
        out.search_by_id = (await c.search({ collection_name: auto, anns_field: "v", ids: [ids[0]], limit: 2,
                                             output_fields: ["cat"] })).results.map(h => [ids.indexOf(h.pk), h.score]);
        out.delete = Number((await c.delete({ collection_name: auto, ids: [ids[0]] })).delete_cnt);
        out.alter = status(await c.alterCollectionProperties({ collection_name: auto,
                                                               properties: { "collection.ttl.seconds": 3600 } }));
        out.properties = (await c.describeCollection({ collection_name: auto })).properties
            .filter(p => p.key === "collection.ttl.seconds").map(p => p.value);
        out.rename = status(await c.renameCollection({ collection_name: auto, new_collection_name: renamed }));
        out.has = [(await c.hasCollection({ collection_name: auto })).value,
                   (await c.hasCollection({ collection_name: renamed })).value];
        out.partitions = (await c.showPartitions({ collection_name: renamed })).partition_names;
        out.release = status(await c.releaseCollection({ collection_name: renamed }));
        out.state = (await c.getLoadState({ collection_name: renamed })).state;
        out.released_count = (await c.count({ collection_name: renamed })).data;
        out.drop = status(await c.dropCollection({ collection_name: renamed }));
        return out;
    });
}

const MORE = "node_more";

/** Float16 vectors, nulls, offsets, partial upserts and per-request hybrid filters; left in place. */
async function moreSteps(c) {
    await c.dropCollection({ collection_name: MORE });
    await step("more_create", async () => status(await c.createCollection({ collection_name: MORE, fields: [
        { name: "id", data_type: DataType.Int64, is_primary_key: true },
        { name: "s", data_type: DataType.VarChar, max_length: 10, nullable: true },
        { name: "h", data_type: DataType.Float16Vector, dim: 4 },
        { name: "v", data_type: DataType.FloatVector, dim: 2 }],
        index_params: [{ field_name: "v", index_type: "FLAT", metric_type: "L2" },
                       { field_name: "h", index_type: "FLAT", metric_type: "L2" }] })));
    await step("more_insert", async () => (await c.insert({ collection_name: MORE, data: [1, 2, 3, 4, 5].map(i =>
        ({ id: i, s: i % 2 ? `s${i}` : null, h: [i, 0, 0, 0.5], v: [i, 0] })) })).insert_cnt);
    await step("more_nulls", async () => (await c.query({ collection_name: MORE, filter: "s is null",
                                                          output_fields: ["s"] })).data);
    await step("more_f16", async () => hits(await c.search({ collection_name: MORE, anns_field: "h",
        data: [2, 0, 0, 0.5], limit: 2, output_fields: ["h", "s"] })));
    await step("more_offset", async () => hits(await c.search({ collection_name: MORE, anns_field: "v",
        data: [0, 0], limit: 2, offset: 2, output_fields: ["s"] })));
    await step("more_partial", async () => status((await c.upsert({ collection_name: MORE,
        data: [{ id: 1, s: "p1" }], partial_update: true })).status));
    await step("more_after_partial", async () => (await c.get({ collection_name: MORE, ids: [1],
                                                                output_fields: ["s", "v"] })).data);
    // another client drops the collection and makes it again with another dimension: this client's
    // cached schema is stale, and Milvus refuses the write it builds from it (SchemaMismatch, found
    // by the schema timestamp the SDK sends); the SDK then describes again and resends
    await step("stale_schema", async () => {
        const name = "node_recreated";
        await c.dropCollection({ collection_name: name });
        await c.createCollection({ collection_name: name, dimension: 2 });
        const first = (await c.insert({ collection_name: name, data: [{ id: 1, vector: [1, 0] }] })).insert_cnt;
        const other = new MilvusClient({ address: process.env.MILVUS_ADDRESS });
        await other.dropCollection({ collection_name: name });
        await other.createCollection({ collection_name: name, dimension: 3 });
        other.closeConnection();
        const r = await c.insert({ collection_name: name, data: [{ id: 2, vector: [1, 2, 3] }] });
        const rows = (await c.query({ collection_name: name, filter: "id > 0", output_fields: ["vector"] })).data;
        await c.dropCollection({ collection_name: name });
        return { first, insert: [status(r.status), r.insert_cnt], rows };
    });
    // a sub-request's filter is its `expr` (the SDK sends a sub-request's `filter` nowhere)
    await step("more_hybrid", async () => hits(await c.hybridSearch({ collection_name: MORE, data: [
        { data: [0, 0], anns_field: "v", expr: "id > 2", limit: 2 },
        { data: [1, 0, 0, 0.5], anns_field: "h", limit: 3 }], rerank: RRFRanker(), limit: 2, output_fields: ["s"] })));
}

const TEXTS = "node_bm25";

/** Full text search: a BM25 function, text queries, TEXT_MATCH, a highlighter, runAnalyzer; left in place. */
async function textSteps(c) {
    await c.dropCollection({ collection_name: TEXTS });
    await step("bm25_create", async () => status(await c.createCollection({ collection_name: TEXTS, fields: [
        { name: "id", data_type: DataType.Int64, is_primary_key: true },
        { name: "text", data_type: DataType.VarChar, max_length: 200, enable_analyzer: true, enable_match: true },
        { name: "sparse", data_type: DataType.SparseFloatVector }],
        functions: [{ name: "bm25", type: FunctionType.BM25, input_field_names: ["text"],
                      output_field_names: ["sparse"], params: {} }],
        index_params: [{ field_name: "sparse", index_type: "SPARSE_INVERTED_INDEX", metric_type: "BM25" }] })));
    await step("bm25_describe", async () => {
        const d = await c.describeCollection({ collection_name: TEXTS });
        return { functions: d.schema.functions.map(f => [f.name, f.type, f.input_field_names, f.output_field_names]),
                 outputs: d.schema.fields.map(f => [f.name, f.is_function_output]) };
    });
    await step("bm25_insert", async () => (await c.insert({ collection_name: TEXTS, data: [
        { id: 1, text: "the quick brown fox" }, { id: 2, text: "lazy dogs sleep all day" },
        { id: 3, text: "a quick quick rabbit" }] })).insert_cnt);
    await step("bm25_search", async () => hits(await c.search({ collection_name: TEXTS, anns_field: "sparse",
        data: ["quick fox"], limit: 3, output_fields: ["text"] })));
    await step("bm25_search_nq2", async () => (await c.search({ collection_name: TEXTS, anns_field: "sparse",
        data: ["quick", "dogs"], limit: 2, output_fields: ["id"] })).results.map(q => q.map(h => [Number(h.id), h.score])));
    await step("text_match", async () => (await c.query({ collection_name: TEXTS, filter: "TEXT_MATCH(text, 'quick')",
                                                          output_fields: ["id"] })).data.map(r => Number(r.id)).sort());
    await step("highlight", async () => hits(await c.search({ collection_name: TEXTS, anns_field: "sparse",
        data: ["quick"], limit: 2, metric_type: "BM25", output_fields: ["text"],
        highlighter: { type: "lexical", pre_tags: ["<b>"], post_tags: ["</b>"], highlight_search_text: true } })));
    await step("run_analyzer", async () => (await c.runAnalyzer({ text: "The Quick fox",
        analyzer_params: { tokenizer: "standard", filter: ["lowercase"] } })).results.map(r => r.tokens.map(t => t.token)));
}

const KEYS = "node_keys";

/** A VarChar key with int8 / bfloat16 vectors and an Array<VarChar>: iterators by string key, group
 * sizes, nq 2 hybrid search, `$meta` and array filters; then schema changes Attu makes. */
async function stringKeySteps(c) {
    await c.dropCollection({ collection_name: KEYS });
    await step("keys_create", async () => status(await c.createCollection({ collection_name: KEYS,
        enable_dynamic_field: true, fields: [
            { name: "pk", data_type: DataType.VarChar, is_primary_key: true, max_length: 20 },
            { name: "g", data_type: DataType.Int64 },
            { name: "names", data_type: DataType.Array, element_type: DataType.VarChar, max_capacity: 4, max_length: 8 },
            { name: "i8", data_type: DataType.Int8Vector, dim: 4 },
            { name: "bf", data_type: DataType.BFloat16Vector, dim: 4 },
            { name: "v", data_type: DataType.FloatVector, dim: 2 }],
        index_params: [{ field_name: "v", index_type: "HNSW", metric_type: "L2", params: { M: 4, efConstruction: 16 } },
                       { field_name: "i8", index_type: "HNSW", metric_type: "L2", params: { M: 4, efConstruction: 16 } },
                       { field_name: "bf", index_type: "FLAT", metric_type: "IP" }] })));
    await step("keys_insert", async () => (await c.insert({ collection_name: KEYS, data: Array.from({ length: 12 }, (_, i) =>
        ({ pk: `k${String(i).padStart(2, "0")}`, g: i % 3, names: [`n${i}`], i8: [i, -i, 1, 2], bf: [i / 10, 0.5, 0, 1],
           v: [i, i % 4], color: i % 2 ? "red" : "blue" })) })).insert_cnt);
    await step("keys_query_iterator", async () => {
        const out = [];
        for await (const batch of await c.queryIterator({ collection_name: KEYS, batchSize: 5, output_fields: ["pk"] })) {
            out.push(batch.map(r => r.pk));
        }
        return out;
    });
    await step("keys_group_size", async () => (await c.search({ collection_name: KEYS, anns_field: "v", data: [0, 0],
        limit: 2, group_by_field: "g", group_size: 2, strict_group_size: true, output_fields: ["g"] }))
        .results.map(h => [h.pk, h.g, h.score]));
    await step("keys_hybrid_nq2", async () => (await c.hybridSearch({ collection_name: KEYS, data: [
        { data: [[0, 0], [5, 1]], anns_field: "v" }, { data: [[0.1, 0.5, 0, 1], [0.5, 0.5, 0, 1]], anns_field: "bf" }],
        rerank: RRFRanker(), limit: 2 })).results.map(q => q.map(h => [h.pk, h.score])));
    await step("keys_int8", async () => (await c.search({ collection_name: KEYS, anns_field: "i8", data: [3, -3, 1, 2],
        limit: 2, output_fields: ["i8", "bf"] })).results);
    await step("keys_filters", async () => ({
        meta: (await c.query({ collection_name: KEYS, filter: '$meta["color"] == "red" and g == 1',
                               output_fields: ["pk", "color"] })).data,
        array: (await c.query({ collection_name: KEYS, filter: 'array_contains_any(names, ["n1", "n2"])',
                                output_fields: ["names"] })).data }));
    await step("keys_search_iterator", async () => {
        const out = [];
        for await (const batch of await c.searchIterator({ collection_name: KEYS, anns_field: "v", data: [0, 0],
            batchSize: 3, filter: "g != 1", params: { radius: 30 }, output_fields: ["pk"] })) {
            out.push(batch.map(h => [h.pk, h.score]));
        }
        return out;
    });
    await step("keys_schema_changes", async () => {
        const out = {};
        out.add = status(await c.addCollectionField({ collection_name: KEYS,
                                                      field: { name: "extra", data_type: DataType.Int32, nullable: true } }));
        const fields = (await c.describeCollection({ collection_name: KEYS })).schema.fields;
        out.added = fields.filter(f => f.name === "extra").map(f => [f.data_type, f.nullable]);
        out.extra = (await c.query({ collection_name: KEYS, filter: "pk == 'k01'", output_fields: ["extra"] })).data;
        out.alter = status(await c.alterCollectionFieldProperties({ collection_name: KEYS, field_name: "names",
                                                                    properties: { max_capacity: 6 } }));
        out.capacity = (await c.describeCollection({ collection_name: KEYS })).schema.fields
            .filter(f => f.name === "names")[0].type_params.filter(p => p.key === "max_capacity").map(p => p.value);
        out.alter_index_loaded = status(await c.alterIndexProperties({ collection_name: KEYS, index_name: "v",
                                                                       params: { "mmap.enabled": true } }));
        return out;
    });
    await step("truncate", async () => {
        const name = "node_truncated";
        await c.createCollection({ collection_name: name, dimension: 2 });
        await c.insert({ collection_name: name, data: [{ id: 1, vector: [1, 0] }, { id: 2, vector: [0, 1] }] });
        const truncated = await c.truncateCollection({ collection_name: name });
        const out = [status(truncated.status || truncated), (await c.count({ collection_name: name })).data];
        await c.dropCollection({ collection_name: name });
        return out;
    });
}

const STRUCTS = "node_structs";

/** An array of structs with a vector sub-field: written, read back and searched as an embedding list. */
async function structSteps(c) {
    await c.dropCollection({ collection_name: STRUCTS });
    await step("structs", async () => {
        const out = {};
        out.create = status(await c.createCollection({ collection_name: STRUCTS, fields: [
            { name: "id", data_type: DataType.Int64, is_primary_key: true },
            { name: "v", data_type: DataType.FloatVector, dim: 2 },
            { name: "clips", data_type: DataType.Array, element_type: DataType.Struct, max_capacity: 4, fields: [
                { name: "label", data_type: DataType.VarChar, max_length: 16 },
                { name: "emb", data_type: DataType.FloatVector, dim: 2 }] }],
            index_params: [{ field_name: "v", index_type: "FLAT", metric_type: "L2" },
                           { field_name: "clips[emb]", index_type: "HNSW", metric_type: "MAX_SIM_COSINE",
                             params: { M: 4, efConstruction: 16 } }] }));
        const r = await c.insert({ collection_name: STRUCTS, data: [
            { id: 1, v: [1, 0], clips: [{ label: "a", emb: [1, 0] }, { label: "b", emb: [0, 1] }] },
            { id: 2, v: [0, 1], clips: [{ label: "c", emb: [0.5, 0.5] }] }] });
        out.insert = [status(r.status), r.insert_cnt];
        out.rows = (await c.query({ collection_name: STRUCTS, filter: "id > 0", output_fields: ["clips"] })).data;
        out.search = hits(await c.search({ collection_name: STRUCTS, anns_field: "clips[emb]",
                                           data: [[[1, 0], [0, 1]]], limit: 2, output_fields: ["id"] }));
        return out;
    });
}

const FOUND = "node_found";

/** What the SDK's own test suite found (tools/run_node_sdk_tests.py): a TIMESTAMPTZ default it sends as
 * UTC microseconds, a null JSON value it sends as empty bytes, an empty result's columns, the loaded
 * partitions, loadBalance and a move to another database under the same name. */
async function foundSteps(c) {
    await c.dropCollection({ collection_name: FOUND });
    await step("found", async () => {
        const out = {};
        out.create = status(await c.createCollection({ collection_name: FOUND, fields: [
            { name: "id", data_type: DataType.Int64, is_primary_key: true },
            { name: "v", data_type: DataType.FloatVector, dim: 2 },
            { name: "j", data_type: DataType.JSON, nullable: true },
            { name: "at", data_type: DataType.Timestamptz, default_value: "1984-04-14T15:00:00+08:00" }],
            index_params: [{ field_name: "v", index_type: "FLAT", metric_type: "L2" }] }));
        const fields = (await c.describeCollection({ collection_name: FOUND })).schema.fields;
        out.default = fields.find(f => f.name === "at").default_value;
        const r = await c.insert({ collection_name: FOUND, data: [{ id: 1, v: [1, 0], j: { a: 1 } },
                                                                  { id: 2, v: [0, 1], j: null }] });
        out.insert = [status(r.status), r.insert_cnt];
        out.rows = (await c.query({ collection_name: FOUND, filter: "id > 0", output_fields: ["j", "at"] })).data;
        out.empty = (await c.query({ collection_name: FOUND, filter: "id > 5", output_fields: ["id", "v"] })).data;
        await c.createPartition({ collection_name: FOUND, partition_name: "p" });
        await c.releaseCollection({ collection_name: FOUND });
        await c.loadPartitions({ collection_name: FOUND, partition_names: ["p"] });
        out.loaded = (await c.showPartitions({ collection_name: FOUND, type: ShowPartitionsType.Loaded })).partition_names;
        out.balance = [status(await c.loadBalance({ src_nodeID: 1 })),
                       status(await c.loadBalance({ collectionName: FOUND, src_nodeID: 1 }))];
        await c.dropDatabase({ db_name: "node_found_db" });
        await c.createDatabase({ db_name: "node_found_db" });
        out.move = status(await c.renameCollection({ collection_name: FOUND, new_collection_name: FOUND,
                                                     new_db_name: "node_found_db" }));
        out.moved = [(await c.hasCollection({ collection_name: FOUND })).value,
                     (await c.hasCollection({ collection_name: FOUND, db_name: "node_found_db" })).value];
        await c.dropCollection({ collection_name: FOUND, db_name: "node_found_db" });
        await c.dropDatabase({ db_name: "node_found_db" });
        return out;
    });
}

async function errorSteps(c) {
    await step("err_describe_unknown", async () => status((await c.describeCollection({ collection_name: "nope" })).status));
    await step("err_query_unknown", async () => status((await c.query({ collection_name: "nope", filter: "id > 0" })).status));
    await step("err_search_unknown", async () => status((await c.search({ collection_name: "nope", data: Q })).status));
    await step("err_insert_dim", async () => status((await c.insert({ collection_name: NAME,
        data: [{ ...row(30), vec: [1, 2, 3] }] })).status));
    await step("err_search_dim", async () => status((await c.search({ collection_name: NAME, anns_field: "vec",
        data: [1, 2, 3] })).status));
    await step("err_bad_filter", async () => status((await c.query({ collection_name: NAME,
        filter: "id >>> 3" })).status));
    await step("err_template_missing", async () => status((await c.query({ collection_name: NAME,
        filter: "nofield > 3 and id == {x}" })).status));
    const more = [
        ["err_insert_partition", () => c.insert({ collection_name: MORE, partition_name: "nope",
                                                   data: [{ id: 9, s: "x", h: [1, 1, 1, 1], v: [1, 1] }] })],
        ["err_output_field", () => c.query({ collection_name: MORE, filter: "id > 0", output_fields: ["nofield"] })],
        ["err_metric", () => c.search({ collection_name: MORE, anns_field: "v", data: [0, 0], metric_type: "IP" })],
        ["err_index_field", () => c.createIndex({ collection_name: MORE, field_name: "nofield",
                                                  index_type: "INVERTED" })],
        ["err_release_unknown", () => c.releaseCollection({ collection_name: "nope" })],
        ["err_varchar_long", () => c.insert({ collection_name: MORE,
                                              data: [{ id: 11, s: "x".repeat(22), h: [1, 1, 1, 1], v: [1, 1] }] })],
        ["err_index_unknown", () => c.describeIndex({ collection_name: MORE, index_name: "nope" })],
        ["err_topk", () => c.search({ collection_name: MORE, anns_field: "v", data: [0, 0], limit: 20000 })],
        ["err_database_unknown", () => c.query({ collection_name: MORE, db_name: "nodb", filter: "id > 0" })],
        ["err_delete_filter", () => c.delete({ collection_name: MORE, filter: "s like" })],
    ];
    for (const [name, call] of more) {
        await step(name, async () => { const r = await call(); return status(r.status || r); });
    }
    await step("err_load_unknown", async () => status(await c.loadCollection({ collection_name: "nope" })));
    await step("err_create_different", async () => status(await c.createCollection({ collection_name: MORE,
        fields: [{ name: "id", data_type: DataType.Int64, is_primary_key: true },
                 { name: "w", data_type: DataType.FloatVector, dim: 8 }] })));
    await step("err_drop_unknown_partition", async () => status(await c.dropPartition({ collection_name: NAME,
        partition_name: "nope" })));
}

async function main() {
    const c = new MilvusClient({ address: process.env.MILVUS_ADDRESS });
    await c.dropCollection({ collection_name: NAME });
    const groups = [schemaSteps, writeSteps, readSteps, searchSteps, partitionSteps, databaseSteps, autoIdSteps,
                    moreSteps, textSteps, stringKeySteps, structSteps, foundSteps, errorSteps];  // in order: later groups read earlier rows
    for (const group of groups) {
        await group(c);
    }
    c.closeConnection();
}

main().then(() => process.exit(0), err => { console.error(err); process.exit(1); });
