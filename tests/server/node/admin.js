// What tools built on the Node SDK (Attu's system, index and resource group views) ask besides
// the seed's calls, against `pgmilvus serve`. The SDK turns an UNIMPLEMENTED answer into an
// empty success, so the answers are printed (one JSON line after ANSWERS:) for
// tests/server/test_node_sdk.py to check their values.
const { MilvusClient } = require("@zilliz/milvus2-sdk-node");

async function main() {
    const client = new MilvusClient({ address: process.env.MILVUS_ADDRESS });
    const name = "node_admin";
    await client.dropCollection({ collection_name: name });
    await client.createCollection({ collection_name: name, dimension: 4, metric_type: "L2" });
    await client.insert({ collection_name: name, data: [1, 2, 3].map(i => ({ id: i, vector: [i, 0, 0, 1] })) });
    const index = (await client.describeIndex({ collection_name: name })).index_descriptions[0].index_name;
    const metrics = await client.getMetric({ request: { metric_type: "system_info" } });
    const state = await client.getIndexState({ collection_name: name, index_name: index });
    const progress = await client.getIndexBuildProgress({ collection_name: name, index_name: index });
    const group = await client.describeResourceGroup({ resource_group: "__default_resource_group" });
    const batch = await client.batchDescribeCollections({ collection_names: [name] });
    // resource groups: created, described, refused and dropped with real answers (an UNIMPLEMENTED
    // create would read as an empty success)
    const created = await client.createResourceGroup({
        resource_group: "node_rg", config: { requests: { node_num: 1 }, limits: { node_num: 2 } } });
    const made = (await client.describeResourceGroup({ resource_group: "node_rg" })).resource_group;
    const badName = await client.createResourceGroup({ resource_group: "1rg" });
    const busy = await client.dropResourceGroup({ resource_group: "node_rg" });
    await client.updateResourceGroups({ resource_groups: {
        node_rg: { requests: { node_num: 0 }, limits: { node_num: 0 } } } });
    const dropped = await client.dropResourceGroup({ resource_group: "node_rg" });
    const listed = (await client.listResourceGroups()).resource_groups;
    await client.dropCollection({ collection_name: name });
    console.log("ANSWERS:" + JSON.stringify({
        roles: metrics.response.nodes_info.map(n => n.infos.type),
        state: state.state, total_rows: Number(progress.total_rows),
        group: [group.resource_group.name, group.resource_group.capacity, group.resource_group.num_loaded_replica],
        batch: batch.responses.map(r => [r.status.code, r.schema.name, r.schema.fields.length]),
        rg: [created.code, made.name, made.capacity, made.num_available_node, made.config.requests.node_num,
             made.config.limits.node_num, badName.code, badName.reason, busy.code, busy.reason, dropped.code, listed],
    }));
}

main().then(() => process.exit(0), err => { console.error(err); process.exit(1); });
