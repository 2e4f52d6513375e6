/**
 * The queue's Redis and the cache's Redis, told apart by their `grownext.io/redis-role` label or tag
 * (never by name): redis-noeviction holds the queue to noeviction and the cache to an evicting
 * policy, and redis-memory-alarm wants the fill alarm on the queue only. Both ways for each.
 */
import { labelKeys } from "../../catalog/labels";
import { redisNoeviction } from "../../policies/data/redis-noeviction";
import { redisMemoryAlarm } from "../../policies/monitoring/redis-memory-alarm";
import { assertClean, assertReports } from "./assertions";
import {
    container,
    mutate,
    parameterGroupProps,
    rdsInstanceProps,
    redisStatefulSetProps,
    replicationGroupProps,
    types,
} from "../fixtures/policyResources";
import { resource, UNKNOWN_VALUE, type PolicyResourceLike } from "./harness";
import { monitoringResources } from "../fixtures/monitoringResources";

const role = labelKeys.redisRole;
const tagged = (value: string) => ({ [role]: value });

/** A cache's parameter group and replication group, as components/data/aws/redisAws.ts declares them (names say nothing). */
function cacheGroups(policy = "allkeys-lru", stack?: string): PolicyResourceLike[] {
    const params = resource(
        types.parameterGroup,
        "store-b-params",
        { ...parameterGroupProps(), name: "store-b", parameters: [{ name: "maxmemory-policy", value: policy }], tags: tagged("cache") },
        { stack },
    );
    const group = resource(
        types.replicationGroup,
        "store-b",
        { ...replicationGroupProps(), parameterGroupName: "store-b", tags: tagged("cache") },
        { stack, dependencies: [params.urn] },
    );
    return [params, group];
}
function queueGroups(policy = "noeviction", stack?: string): PolicyResourceLike[] {
    const params = resource(
        types.parameterGroup,
        "store-a-params",
        { ...parameterGroupProps(), name: "store-a", parameters: [{ name: "maxmemory-policy", value: policy }], tags: tagged("queue") },
        { stack },
    );
    const group = resource(
        types.replicationGroup,
        "store-a",
        { ...replicationGroupProps(), parameterGroupName: "store-a", tags: tagged("queue") },
        { stack, dependencies: [params.urn] },
    );
    return [params, group];
}
const withLabel = (r: PolicyResourceLike, value: string) =>
    mutate(r, (p) => {
        p.metadata.labels[role] = value;
        p.spec.template.metadata.labels[role] = value;
    });
const inCluster = (value: string | undefined, args: unknown) => {
    const base = resource(types.statefulSet, "store-c", redisStatefulSetProps());
    const labelled = value === undefined ? base : withLabel(base, value);
    return mutate(labelled, (p) => (container(p).args = args));
};

describe("redis-noeviction by role", () => {
    it("passes a noeviction queue beside an allkeys-lru cache, on ElastiCache and in the cluster", async () => {
        await assertClean(redisNoeviction, [...queueGroups(), ...cacheGroups()]);
        await assertClean(redisNoeviction, [
            inCluster("queue", ["--maxmemory-policy", "noeviction"]),
            inCluster("cache", ["--maxmemory-policy", "allkeys-lru", "--appendonly", "no"]),
        ]);
    });
    it("reports a cache parameter group that runs noeviction, naming the role and the fix", async () => {
        await assertReports(
            redisNoeviction,
            cacheGroups("noeviction"),
            /tagged grownext\.io\/redis-role=cache but sets maxmemory-policy noeviction; set maxmemory-policy to an evicting policy such as allkeys-lru/,
        );
    });
    it("reports a queue that evicts even when it is named like a cache: the tag decides", async () => {
        const [params, group] = queueGroups("allkeys-lru");
        const renamed = [mutate(params!, (p) => (p.name = "cache")), mutate(group!, (p) => (p.parameterGroupName = "cache"))];
        await assertReports(redisNoeviction, renamed, /maxmemory-policy is allkeys-lru; set it to noeviction/);
    });
    it("holds an untagged group, or one whose role is unknown during preview, to the queue's rule", async () => {
        const [params, group] = cacheGroups();
        const untagged = [mutate(params!, (p) => delete p.tags), mutate(group!, (p) => delete p.tags)];
        await assertReports(redisNoeviction, untagged, /maxmemory-policy is allkeys-lru; set it to noeviction/);
        const unknown = [
            mutate(params!, (p) => (p.tags = { [role]: UNKNOWN_VALUE })),
            mutate(group!, (p) => (p.tags = { [role]: UNKNOWN_VALUE })),
        ];
        await assertReports(redisNoeviction, unknown, /set it to noeviction/);
    });
    it("reports a cache-tagged parameter group that a queue uses", async () => {
        const [cacheParams] = cacheGroups();
        const [, queue] = queueGroups();
        const sharing = mutate(queue!, (p) => (p.parameterGroupName = "store-b"));
        await assertReports(
            redisNoeviction,
            [cacheParams!, sharing],
            /tagged grownext\.io\/redis-role=cache but the queue "store-a" uses it: give the cache a parameter group of its own/,
        );
    });
    it("lets a cache use AWS's evicting default group, never a queue", async () => {
        const [, cache] = cacheGroups();
        await assertClean(redisNoeviction, [mutate(cache!, (p) => delete p.parameterGroupName)]);
        await assertClean(redisNoeviction, [mutate(cache!, (p) => (p.parameterGroupName = "default.valkey7"))]);
        const [, queue] = queueGroups();
        await assertReports(
            redisNoeviction,
            [mutate(queue!, (p) => (p.parameterGroupName = "default.valkey7"))],
            /AWS default group default\.valkey7/,
        );
    });
    it("reports a cache whose parameter group is not in the stack, since nothing proves it evicts", async () => {
        const [, cache] = cacheGroups();
        await assertReports(redisNoeviction, [cache!], /not declared in this stack.*evicting policy such as allkeys-lru/);
    });
    it("reports an in-cluster cache on noeviction, or on redis-server's default (noeviction)", async () => {
        await assertReports(
            redisNoeviction,
            [inCluster("cache", ["--maxmemory-policy", "noeviction"])],
            /labelled a cache but sets --maxmemory-policy noeviction/,
        );
        await assertReports(
            redisNoeviction,
            [inCluster("cache", ["--appendonly", "no"])],
            /labelled a cache but does not set maxmemory-policy, so Redis runs its default noeviction/,
        );
    });
    it("reports an in-cluster queue that evicts, and an unlabelled Redis that evicts", async () => {
        await assertReports(
            redisNoeviction,
            [inCluster("queue", ["--maxmemory-policy", "allkeys-lru"])],
            /sets --maxmemory-policy allkeys-lru; run redis-server with "--maxmemory-policy noeviction"/,
        );
        await assertReports(
            redisNoeviction,
            [inCluster(undefined, ["--maxmemory-policy", "allkeys-lru"])],
            /sets --maxmemory-policy allkeys-lru/,
        );
    });
});

describe("redis-memory-alarm by role", () => {
    function stack(cachePolicy = "allkeys-lru", queuePolicy = "noeviction", alarmOnQueue = true): PolicyResourceLike[] {
        const db = resource(types.rdsInstance, "app-db", rdsInstanceProps(), { stack: "production" });
        const queue = queueGroups(queuePolicy, "production");
        const cache = cacheGroups(cachePolicy, "production");
        const watchers = monitoringResources("production", db, queue[1]!).filter((r) => alarmOnQueue || r.name !== "redis-memory");
        return [db, ...queue, ...cache, ...watchers];
    }
    it("wants no memory alarm on an evicting cache: it runs full by design", async () => {
        await assertClean(redisMemoryAlarm, stack());
    });
    it("wants one on a cache-tagged group that does not provably evict", async () => {
        await assertReports(redisMemoryAlarm, stack("noeviction"), /replication group "store-b" runs noeviction with no alarm/);
    });
    it("wants one on a queue-tagged group whatever its parameters say", async () => {
        await assertReports(
            redisMemoryAlarm,
            stack("allkeys-lru", "allkeys-lru", false),
            /replication group "store-a" runs noeviction with no alarm/,
        );
    });
});
