/**
 * Day-2 operations of the committed stacks under mocks: production and staging declare the whole
 * set (alert route, alarms per store, event subscriptions, health checks in us-east-1, dashboard),
 * local declares none of it, and an eighth catalog process gets its health check from data alone.
 */
import * as assert from "assert";
import { processCatalog } from "../../../catalog/processes";
import { evaluateStack } from "../../../sandbox/evaluate";
import { installMocks, recorder, settle, type RecordedResource } from "../../../sandbox/mocks";
import { stackConfig } from "../../../sandbox/stacks";

const T = {
    topic: "aws:sns/topic:Topic",
    subscription: "aws:sns/topicSubscription:TopicSubscription",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    events: "aws:rds/eventSubscription:EventSubscription",
    healthCheck: "aws:route53/healthCheck:HealthCheck",
    dashboard: "aws:cloudwatch/dashboard:Dashboard",
    rds: "aws:rds/instance:Instance",
    kmsKey: "aws:kms/key:Key",
};

/** `<metric>` names of the alarms watching a resource (by dependency on its URN). */
function alarmsOn(resources: RecordedResource[], target: RecordedResource): string[] {
    return resources
        .filter((r) => r.type === T.alarm && r.dependencies?.includes(target.urn!))
        .map((r) => r.inputs.metricName)
        .sort();
}

describe("day-2 operations of the committed stacks", () => {
    before(() => installMocks());

    for (const stack of ["production", "staging"] as const) {
        describe(stack, () => {
            let resources: RecordedResource[];
            before(async () => {
                resources = await evaluateStack(stack);
            });
            const ofType = (type: string) => resources.filter((r) => r.type === type);

            it("routes alerts through SNS topics under KMS keys of their own region, with the configured subscriber", () => {
                const topics = ofType(T.topic);
                assert.deepStrictEqual(topics.map((t) => t.inputs.region).sort(), ["eu-west-1", "us-east-1"]);
                const keys = ofType(T.kmsKey);
                for (const topic of topics) {
                    const key = keys.find((k) => topic.dependencies!.includes(k.urn!));
                    assert.ok(key, `${topic.name} is encrypted with a declared key`);
                    assert.strictEqual(key.inputs.region, topic.inputs.region, `${topic.name}: the key is in the topic's region`);
                }
                const emails = ofType(T.subscription)
                    .map((s) => [s.inputs.protocol, s.inputs.region])
                    .sort();
                assert.deepStrictEqual(emails, [
                    ["email", "eu-west-1"],
                    ["email", "us-east-1"],
                ]);
            });

            it("watches each RDS instance: CPU, storage, memory, connections, transaction logs, disk queue, and its events", () => {
                const instances = ofType(T.rds);
                assert.strictEqual(instances.length, 2);
                for (const db of instances) {
                    assert.deepStrictEqual(
                        alarmsOn(resources, db),
                        [
                            "CPUUtilization",
                            "DatabaseConnections",
                            "DiskQueueDepth",
                            "FreeStorageSpace",
                            "FreeableMemory",
                            "TransactionLogsDiskUsage",
                        ],
                        db.name,
                    );
                    const subs = ofType(T.events).filter((e) => e.dependencies!.includes(db.urn!));
                    assert.strictEqual(subs.length, 1, `${db.name} has one event subscription`);
                    assert.deepStrictEqual(subs[0]!.inputs.sourceIds, [`${db.name}-abc123`]);
                }
            });

            const groupOf = (role: string) => {
                const groups = ofType("aws:elasticache/replicationGroup:ReplicationGroup").filter(
                    (g) => g.inputs.tags?.["grownext.io/redis-role"] === role,
                );
                assert.strictEqual(groups.length, 1, `one ${role} group`);
                return groups[0]!;
            };

            it("watches the queue Redis on every node, replication lag only with replicas", () => {
                const metrics = alarmsOn(resources, groupOf("queue"));
                const nodes = stack === "production" ? 2 : 1;
                const perNode = [
                    "CurrConnections",
                    "DatabaseMemoryUsagePercentage",
                    "DatabaseMemoryUsagePercentage",
                    "EngineCPUUtilization",
                    "Evictions",
                    ...(nodes > 1 ? ["ReplicationLag"] : []),
                ];
                assert.deepStrictEqual(
                    metrics,
                    Array.from({ length: nodes }, () => perNode)
                        .flat()
                        .sort(),
                );
            });

            it("watches the cache Redis for its hit rate, never for filling up or evicting", () => {
                const metrics = alarmsOn(resources, groupOf("cache"));
                const nodes = stack === "production" ? 2 : 1;
                const perNode = ["CacheHitRate", "CurrConnections", "EngineCPUUtilization", ...(nodes > 1 ? ["ReplicationLag"] : [])];
                assert.deepStrictEqual(
                    metrics,
                    Array.from({ length: nodes }, () => perNode)
                        .flat()
                        .sort(),
                );
                // Production: 12 Postgres + 12 queue + 8 cache + 4 health-check alarms; staging: 12 + 5 + 3 + 4.
                assert.strictEqual(ofType(T.alarm).length, stack === "production" ? 36 : 24);
            });

            it("checks the public readiness paths and the queue heartbeat, alarmed in us-east-1", () => {
                const domain = stackConfig(stack).domain;
                const checks = ofType(T.healthCheck)
                    .map((c) => `${c.inputs.type} ${c.inputs.fqdn}${c.inputs.resourcePath}`)
                    .sort();
                assert.deepStrictEqual(checks, [
                    `HTTPS api.${domain}/api/health/ready`,
                    `HTTPS identity.${domain}/health`,
                    `HTTPS portal.${domain}/api/health`,
                    `HTTPS_STR_MATCH api.${domain}/api/production/queue/heartbeat`,
                ]);
                const provider = resources.find((r) => r.type === "pulumi:providers:aws" && r.inputs.region === "us-east-1")!;
                for (const check of ofType(T.healthCheck)) {
                    const alarms = ofType(T.alarm).filter((a) => a.dependencies!.includes(check.urn!));
                    assert.strictEqual(alarms.length, 1, check.name);
                    assert.strictEqual(alarms[0]!.inputs.region, "us-east-1");
                    assert.ok(alarms[0]!.provider?.startsWith(provider.urn!), `${alarms[0]!.name} uses the us-east-1 provider`);
                }
            });

            it("routes every alarm to a topic in its own region, and draws one dashboard", () => {
                const topics = ofType(T.topic);
                for (const a of ofType(T.alarm)) {
                    assert.strictEqual(a.inputs.alarmActions.length, 1, a.name);
                    const topic = topics.find((t) => a.inputs.alarmActions[0] === `arn:aws:sns:eu-west-1:123456789012:${t.name}`);
                    assert.ok(topic, `${a.name} notifies a declared topic`);
                    assert.strictEqual(topic.inputs.region, a.inputs.region, `${a.name}: an alarm can only notify a topic in its region`);
                }
                assert.strictEqual(ofType(T.dashboard).length, 1);
            });
        });
    }

    it("local declares none of the AWS parts", async () => {
        const resources = await evaluateStack("local");
        assert.deepStrictEqual(
            resources.filter((r) => r.type.startsWith("aws:") || r.type.startsWith("grownext:operations:")).map((r) => r.type),
            [],
        );
    });

    it("an eighth public process gets its health check from its catalog entry alone", async () => {
        const { Platform } = await import("../../../components/platform");
        const admin = {
            ...processCatalog.find((p) => p.name === "portal")!,
            name: "admin",
            publicHost: "admin",
            description: "The admin console.",
        };
        recorder.reset();
        new Platform("grownext", {
            config: stackConfig(
                "production",
                {
                    images: {
                        app: "ghcr.io/grownext/app:0.1.0",
                        identity: "ghcr.io/grownext/identity:0.1.0",
                        portal: "ghcr.io/grownext/portal:0.1.0",
                    },
                },
                [...processCatalog, admin],
            ),
        });
        await settle();
        const check = recorder.ofType(T.healthCheck).find((c) => c.inputs.fqdn === "admin.example.com");
        assert.ok(check, "admin.example.com is checked");
        assert.strictEqual(check.inputs.resourcePath, "/api/health");
        assert.ok(recorder.ofType(T.alarm).some((a) => a.dependencies?.includes(check.urn!) && a.inputs.region === "us-east-1"));
    });
});
