/**
 * The cache's Redis beside the queue's, under mocks: on AWS a second replication group whose
 * parameter group evicts (allkeys-lru), with the queue's encryption, auth and cluster-only security
 * group but no snapshots; locally a second StatefulSet that evicts and keeps nothing. Each is tagged
 * or labelled with its role, and CACHE_REDIS_URL is the cache's URL, never the queue's.
 */
import * as assert from "assert";
import type * as awsTypes from "@pulumi/aws";
import type * as k8sTypes from "@pulumi/kubernetes";
import type { DataTier as DataTierType } from "../../../components/data/dataTier";
import { redisAwsProblems } from "../../../components/data/aws/redisAws";
import { dataDefaults } from "../../../config/data";
import type { PlatformConfig } from "../../../config/load";
import { installMocks, isSecret, isSecretInput, promiseOf, recorder, settle, unwrap } from "../../../sandbox/mocks";
import { awsNetwork, clusterSg, minimalStackConfig } from "../../fixtures/minimalStacks";

const T = {
    params: "aws:elasticache/parameterGroup:ParameterGroup",
    subnets: "aws:elasticache/subnetGroup:SubnetGroup",
    group: "aws:elasticache/replicationGroup:ReplicationGroup",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    sts: "kubernetes:apps/v1:StatefulSet",
};
const role = "grownext.io/redis-role";

describe("the cache Redis beside the queue", () => {
    let DataTier: typeof DataTierType;
    let k8s: typeof k8sTypes;
    let aws: typeof awsTypes;

    before(async () => {
        installMocks();
        ({ DataTier } = await import("../../../components/data/dataTier"));
        k8s = await import("@pulumi/kubernetes");
        aws = await import("@pulumi/aws");
    });
    beforeEach(() => recorder.reset());

    async function declare(cfg: PlatformConfig): Promise<DataTierType> {
        const awsProvider = cfg.data.provider === "aws" ? new aws.Provider("test-aws", { region: "eu-west-1" }) : undefined;
        const providers = [new k8s.Provider("test-k8s", {}), ...(awsProvider ? [awsProvider] : [])];
        const tier = new DataTier("test-data", { config: cfg, namespace: "grownext" }, { providers });
        await settle();
        return tier;
    }
    const inputs = (type: string, name: string) => recorder.one(type, name).inputs;

    describe("on AWS (production)", () => {
        it("declares a second group whose parameter group evicts, tagged by role, the queue's untouched", async () => {
            await declare(minimalStackConfig("production"));
            assert.strictEqual(recorder.ofType(T.group).length, 2);
            const cacheParams = inputs(T.params, "test-data-cache-params");
            assert.strictEqual(cacheParams.family, "valkey7");
            assert.deepStrictEqual(cacheParams.parameters, [{ name: "maxmemory-policy", value: "allkeys-lru" }]);
            assert.strictEqual(cacheParams.tags[role], "cache");
            assert.match(cacheParams.description, /allkeys-lru/);
            const queueParams = inputs(T.params, "test-data-redis-params");
            assert.deepStrictEqual(queueParams.parameters, [{ name: "maxmemory-policy", value: "noeviction" }]);
            assert.strictEqual(
                queueParams.description,
                "GrowNext queue: noeviction (BullMQ must never lose keys)",
                "the queue's parameter group is not replaced",
            );
            assert.strictEqual(queueParams.tags[role], "queue");
            assert.strictEqual(
                inputs(T.subnets, "test-data-redis-subnets").description,
                "Private subnets of the queue Redis",
                "nor its subnet group",
            );
            assert.strictEqual(inputs(T.subnets, "test-data-cache-subnets").description, "Private subnets of the cache Redis");
        });

        it("gives the cache the queue's encryption, auth, topology and protection, its own security group, and no snapshots", async () => {
            await declare(minimalStackConfig("production"));
            const queue = inputs(T.group, "test-data-redis-group");
            const cache = inputs(T.group, "test-data-cache-group");
            assert.strictEqual(cache.parameterGroupName, "test-data-cache-params");
            for (const key of [
                "engine",
                "engineVersion",
                "nodeType",
                "numCacheClusters",
                "automaticFailoverEnabled",
                "multiAzEnabled",
                "transitEncryptionEnabled",
                "transitEncryptionMode",
                "atRestEncryptionEnabled",
                "kmsKeyId",
                "port",
            ]) {
                assert.deepStrictEqual(cache[key], queue[key], key);
            }
            assert.strictEqual(cache.transitEncryptionEnabled, true);
            assert.ok(isSecretInput(cache.authToken), "the cache's auth token is a secret");
            assert.match(unwrap<string>(cache.authToken), /^pw-test-data-cache-auth-token-/, "a token of its own");
            assert.deepStrictEqual(cache.securityGroupIds, ["test-data-cache-sg-id"]);
            assert.strictEqual(cache.tags[role], "cache");
            assert.strictEqual(queue.tags[role], "queue");
            assert.strictEqual(cache.snapshotRetentionLimit, 0, "a restored cache would serve stale entries");
            assert.strictEqual(cache.snapshotWindow, undefined);
            assert.strictEqual(cache.finalSnapshotIdentifier, undefined);
            assert.strictEqual(queue.snapshotRetentionLimit, 7);
            assert.strictEqual(queue.finalSnapshotIdentifier, "grownext-production-queue-final");
            assert.strictEqual(
                recorder.one(T.group, "test-data-cache-group").protect,
                true,
                "production-data-protected covers every replication group",
            );
            const rule = unwrap(inputs(T.ingress, "test-data-cache-from-cluster"));
            assert.deepStrictEqual(
                [rule.securityGroupId, rule.referencedSecurityGroupId, rule.fromPort, rule.toPort],
                ["test-data-cache-sg-id", clusterSg, 6379, 6379],
            );
            assert.match(inputs(T.sg, "test-data-cache-sg").description, /^Cache Redis: port 6379 from the cluster only$/);
            assert.strictEqual(
                inputs(T.sg, "test-data-redis-sg").description,
                "Redis: port 6379 from the cluster only",
                "the queue's security group is not replaced",
            );
        });

        it("hands the cache's URL as CACHE_REDIS_URL's ref, a secret apart from the queue's", async () => {
            const tier = await declare(minimalStackConfig("production"));
            assert.ok(await isSecret(tier.env.cacheRedisUrl));
            const cache = await promiseOf(tier.env.cacheRedisUrl);
            assert.match(cache, /^rediss:\/\/:pw-test-data-cache-auth-token-x*@master\.test-data-cache-group\..+:6379$/);
            assert.notStrictEqual(cache, await promiseOf(tier.env.redisUrl));
            assert.strictEqual(tier.aws!.cache.replicationGroup !== tier.aws!.redis.replicationGroup, true);
        });

        it("holds only the queue to a week of snapshots in production", () => {
            const settings = { ...dataDefaults("production").redis, snapshotRetentionLimit: 0 };
            assert.deepStrictEqual(redisAwsProblems({ role: "cache", environment: "production", settings, network: awsNetwork }), []);
            assert.deepStrictEqual(redisAwsProblems({ role: "queue", environment: "production", settings, network: awsNetwork }), [
                "data.redis.snapshotRetentionLimit must be at least 7 in production, got 0",
            ]);
        });
    });

    describe("in the cluster (local)", () => {
        it("runs a second StatefulSet that evicts and keeps nothing, labelled cache; the queue keeps its claim", async () => {
            const tier = await declare(minimalStackConfig("local"));
            const cache = inputs(T.sts, "test-data-cache-statefulset");
            const queue = inputs(T.sts, "test-data-redis-statefulset");
            const args = (sts: any): string[] => sts.spec.template.spec.containers[0].args;
            assert.strictEqual(args(cache)[args(cache).indexOf("--maxmemory-policy") + 1], "allkeys-lru");
            assert.strictEqual(args(cache)[args(cache).indexOf("--appendonly") + 1], "no");
            assert.strictEqual(args(queue)[args(queue).indexOf("--maxmemory-policy") + 1], "noeviction");
            assert.strictEqual(cache.spec.volumeClaimTemplates, undefined);
            assert.deepStrictEqual(cache.spec.template.spec.volumes, [{ name: "data", emptyDir: { sizeLimit: "64Mi" } }]);
            assert.strictEqual(queue.spec.volumeClaimTemplates.length, 1);
            assert.strictEqual(
                queue.spec.volumeClaimTemplates[0].metadata.labels[role],
                undefined,
                "claim templates are immutable: the queue's keeps its labels",
            );
            assert.strictEqual(cache.spec.template.metadata.labels[role], "cache");
            assert.strictEqual(queue.spec.template.metadata.labels[role], "queue");
            assert.notDeepStrictEqual(cache.spec.selector.matchLabels, queue.spec.selector.matchLabels, "each Service selects its own pod");
            assert.match(
                await promiseOf(tier.env.cacheRedisUrl),
                /^redis:\/\/:pw-[^@]+@test-data-cache\.grownext\.svc\.cluster\.local:6379$/,
            );
            assert.deepStrictEqual(tier.stores.cache, {
                port: 6379,
                location: { kind: "pods", podSelector: cache.spec.selector.matchLabels },
            });
        });
    });
});
