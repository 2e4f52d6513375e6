/**
 * The day-2 components under mocks: every alarm, subscription, event subscription and health check
 * they declare, with its inputs (metric, statistic, threshold, period, evaluation periods,
 * missing-data treatment, actions).
 */
import * as assert from "assert";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { processCatalog } from "../../../catalog/processes";
import { AlertRoute, emailLabel } from "../../../components/operations/alertRoute";
import { HealthChecks, healthCheckTargets } from "../../../components/operations/healthChecks";
import { dashboardBody } from "../../../components/operations/operationsDashboard";
import { postgresConnectionLimit, PostgresMonitoring, rdsEventCategories } from "../../../components/operations/postgresMonitoring";
import { memberClusterId, RedisMonitoring } from "../../../components/operations/redisMonitoring";
import { alarmDefaults, instanceClassMemoryGiB, rdsMaxConnections, runbook } from "../../../config/monitoring";
import { installMocks, isSecretInput, promiseOf, recorder, settle, unwrap } from "../../../sandbox/mocks";

const T = {
    topic: "aws:sns/topic:Topic",
    subscription: "aws:sns/topicSubscription:TopicSubscription",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    events: "aws:rds/eventSubscription:EventSubscription",
    healthCheck: "aws:route53/healthCheck:HealthCheck",
};
const topicArn = "arn:aws:sns:eu-west-1:123456789012:grownext-production-alerts";
const gib = 1024 ** 3;

function alarm(name: string): Record<string, any> {
    return recorder.one(T.alarm, name).inputs;
}

/** The asserted shape of an alarm: what it watches, how it is evaluated, and where it goes. */
function shape(a: Record<string, any>) {
    return {
        namespace: a.namespace,
        metricName: a.metricName,
        statistic: a.statistic,
        comparisonOperator: a.comparisonOperator,
        threshold: a.threshold,
        period: a.period,
        evaluationPeriods: a.evaluationPeriods,
        datapointsToAlarm: a.datapointsToAlarm,
        treatMissingData: a.treatMissingData,
    };
}

describe("day-2 operations components", () => {
    before(() => installMocks());
    beforeEach(() => recorder.reset());

    describe("AlertRoute", () => {
        it("encrypts the topic with the given key and subscribes e-mail and HTTPS endpoints, the URL as a secret", async () => {
            const pager = ["https://events.example.com/integration", "0123"].join("/");
            new AlertRoute("alerts", {
                topicName: "grownext-production-alerts",
                kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/k",
                emails: ["Ops@Example.com"],
                httpsEndpoints: { pagerduty: pager },
                region: "eu-west-1",
            });
            await settle();
            const topic = recorder.one(T.topic, "alerts-topic");
            assert.strictEqual(topic.inputs.kmsMasterKeyId, "arn:aws:kms:eu-west-1:123456789012:key/k");
            assert.strictEqual(topic.inputs.name, "grownext-production-alerts");
            const email = recorder.one(T.subscription, "alerts-email-ops-at-example-com");
            assert.strictEqual(email.inputs.protocol, "email");
            assert.strictEqual(email.inputs.endpoint, "Ops@Example.com");
            const https = recorder.one(T.subscription, "alerts-https-pagerduty");
            assert.strictEqual(https.inputs.protocol, "https");
            assert.ok(isSecretInput(https.inputs.endpoint), "the pager URL is a secret input");
            assert.strictEqual(unwrap(https.inputs.endpoint), pager);
            assert.ok(https.additionalSecretOutputs?.includes("endpoint"), "the endpoint stays secret in state");
            for (const r of recorder.resources)
                assert.ok(
                    !r.name.includes("events.example.com") && !(r.urn ?? "").includes("events.example.com"),
                    "the URL never names a resource",
                );
        });

        it("refuses the same address twice", () => {
            assert.throws(
                () =>
                    new AlertRoute("dup", {
                        topicName: "t",
                        kmsKeyArn: "k",
                        emails: ["a@example.com", "A@example.com"],
                        httpsEndpoints: {},
                    }),
                /monitoring\.alertEmails lists the same address twice/,
            );
            assert.strictEqual(emailLabel("on.call+db@example.com"), "on-call-db-at-example-com");
        });
    });

    describe("PostgresMonitoring", () => {
        const t = alarmDefaults("production");
        async function declare(instanceClass = "db.m7g.large", maxConnections?: number) {
            const m = new PostgresMonitoring("pg", {
                database: "app",
                instanceIdentifier: "grownext-app-abc",
                instanceClass,
                allocatedStorage: 100,
                maxConnections,
                thresholds: t,
                topicArn,
                namePrefix: "grownext-production",
                region: "eu-west-1",
            });
            await settle();
            return m;
        }

        it("derives max_connections from the instance class's memory, as data", () => {
            assert.strictEqual(instanceClassMemoryGiB("db.m7g.large"), 8);
            assert.strictEqual(instanceClassMemoryGiB("db.r6g.2xlarge"), 64);
            assert.strictEqual(instanceClassMemoryGiB("db.t4g.medium"), 4);
            assert.strictEqual(instanceClassMemoryGiB("db.z9.huge"), undefined);
            assert.strictEqual(rdsMaxConnections(8), 901);
            assert.strictEqual(rdsMaxConnections(512), 5000, "RDS caps the default at 5000");
            assert.strictEqual(postgresConnectionLimit("db.z9.huge", 300), 300);
            assert.throws(() => postgresConnectionLimit("db.z9.huge"), /monitoring\.postgresMaxConnections/);
        });

        it("alarms on CPU, free storage, freeable memory, connections, transaction logs and disk queue, all to the alert route", async () => {
            await declare();
            const common = { namespace: "AWS/RDS", period: 60, evaluationPeriods: 5, datapointsToAlarm: 3 };
            assert.deepStrictEqual(shape(alarm("pg-cpu")), {
                ...common,
                metricName: "CPUUtilization",
                statistic: "Average",
                comparisonOperator: "GreaterThanOrEqualToThreshold",
                threshold: 80,
                treatMissingData: "breaching",
            });
            assert.deepStrictEqual(shape(alarm("pg-free-storage")), {
                ...common,
                metricName: "FreeStorageSpace",
                statistic: "Minimum",
                comparisonOperator: "LessThanThreshold",
                threshold: 15 * gib,
                treatMissingData: "breaching",
            });
            assert.deepStrictEqual(shape(alarm("pg-freeable-memory")), {
                ...common,
                metricName: "FreeableMemory",
                statistic: "Minimum",
                comparisonOperator: "LessThanThreshold",
                threshold: Math.round(0.8 * gib),
                treatMissingData: "breaching",
            });
            assert.deepStrictEqual(shape(alarm("pg-connections")), {
                ...common,
                metricName: "DatabaseConnections",
                statistic: "Maximum",
                comparisonOperator: "GreaterThanOrEqualToThreshold",
                threshold: Math.floor(901 * 0.8),
                treatMissingData: "notBreaching",
            });
            assert.deepStrictEqual(shape(alarm("pg-transaction-logs")), {
                ...common,
                metricName: "TransactionLogsDiskUsage",
                statistic: "Maximum",
                comparisonOperator: "GreaterThanOrEqualToThreshold",
                threshold: 10 * gib,
                treatMissingData: "notBreaching",
            });
            assert.deepStrictEqual(shape(alarm("pg-disk-queue")), {
                ...common,
                metricName: "DiskQueueDepth",
                statistic: "Average",
                comparisonOperator: "GreaterThanOrEqualToThreshold",
                threshold: 20,
                treatMissingData: "notBreaching",
            });
            const alarms = recorder.ofType(T.alarm);
            assert.strictEqual(alarms.length, 6);
            for (const a of alarms) {
                assert.deepStrictEqual(a.inputs.alarmActions, [topicArn], a.name);
                assert.deepStrictEqual(a.inputs.okActions, [topicArn], a.name);
                assert.deepStrictEqual(a.inputs.dimensions, { DBInstanceIdentifier: "grownext-app-abc" }, a.name);
                assert.strictEqual(a.inputs.region, "eu-west-1");
                assert.match(a.inputs.alarmDescription, /Runbook: .*guide/, `${a.name} names the guide's runbook action`);
            }
            assert.ok(alarm("pg-free-storage").alarmDescription.includes(runbook.postgresStorage));
            assert.match(alarm("pg-cpu").alarmDescription, /^\[PAGE\]/);
            assert.match(alarm("pg-disk-queue").alarmDescription, /^\[WARNING\]/);
        });

        it("takes max_connections from config when the class is not in the memory table, and skips the memory alarm", async () => {
            await declare("db.z9.huge", 400);
            assert.strictEqual(alarm("pg-connections").threshold, 320);
            assert.deepStrictEqual(
                recorder.ofType(T.alarm).filter((a) => a.inputs.metricName === "FreeableMemory"),
                [],
            );
        });

        it("subscribes the alert route to the instance's failover, failure, low storage, backup and recovery events", async () => {
            await declare();
            const sub = recorder.one(T.events, "pg-events").inputs;
            assert.strictEqual(sub.snsTopic, topicArn);
            assert.strictEqual(sub.sourceType, "db-instance");
            assert.deepStrictEqual(sub.sourceIds, ["grownext-app-abc"]);
            assert.deepStrictEqual(sub.eventCategories, ["failover", "failure", "low storage", "backup", "recovery"]);
            assert.deepStrictEqual([...rdsEventCategories], sub.eventCategories);
            assert.strictEqual(sub.enabled, true);
        });
    });

    describe("RedisMonitoring", () => {
        it("watches every node: memory warning and page (noeviction), engine CPU, connections, evictions, and replication lag with replicas", async () => {
            const t = alarmDefaults("production");
            new RedisMonitoring("redis", {
                role: "queue",
                replicationGroupId: "grownext-queue",
                nodeCount: 2,
                thresholds: t,
                topicArn,
                namePrefix: "grownext-production",
                region: "eu-west-1",
            });
            await settle();
            const common = { namespace: "AWS/ElastiCache", period: 60, evaluationPeriods: 5, datapointsToAlarm: 3 };
            for (const node of ["001", "002"]) {
                assert.deepStrictEqual(shape(alarm(`redis-${node}-memory-warning`)), {
                    ...common,
                    metricName: "DatabaseMemoryUsagePercentage",
                    statistic: "Maximum",
                    comparisonOperator: "GreaterThanOrEqualToThreshold",
                    threshold: 70,
                    treatMissingData: "notBreaching",
                });
                assert.deepStrictEqual(shape(alarm(`redis-${node}-memory-page`)), {
                    ...common,
                    metricName: "DatabaseMemoryUsagePercentage",
                    statistic: "Maximum",
                    comparisonOperator: "GreaterThanOrEqualToThreshold",
                    threshold: 85,
                    treatMissingData: "breaching",
                });
                assert.deepStrictEqual(shape(alarm(`redis-${node}-engine-cpu`)), {
                    ...common,
                    metricName: "EngineCPUUtilization",
                    statistic: "Average",
                    comparisonOperator: "GreaterThanOrEqualToThreshold",
                    threshold: 80,
                    treatMissingData: "notBreaching",
                });
                assert.deepStrictEqual(shape(alarm(`redis-${node}-connections`)), {
                    ...common,
                    metricName: "CurrConnections",
                    statistic: "Maximum",
                    comparisonOperator: "GreaterThanOrEqualToThreshold",
                    threshold: 5000,
                    treatMissingData: "notBreaching",
                });
                assert.deepStrictEqual(shape(alarm(`redis-${node}-evictions`)), {
                    ...common,
                    evaluationPeriods: 1,
                    datapointsToAlarm: 1,
                    metricName: "Evictions",
                    statistic: "Sum",
                    comparisonOperator: "GreaterThanThreshold",
                    threshold: 0,
                    treatMissingData: "notBreaching",
                });
                assert.deepStrictEqual(shape(alarm(`redis-${node}-replication-lag`)), {
                    ...common,
                    metricName: "ReplicationLag",
                    statistic: "Maximum",
                    comparisonOperator: "GreaterThanOrEqualToThreshold",
                    threshold: 30,
                    treatMissingData: "notBreaching",
                });
                assert.deepStrictEqual(alarm(`redis-${node}-memory-page`).dimensions, { CacheClusterId: `grownext-queue-${node}` });
            }
            for (const a of recorder.ofType(T.alarm)) assert.deepStrictEqual(a.inputs.alarmActions, [topicArn], a.name);
            assert.match(alarm("redis-001-memory-page").alarmDescription, /noeviction/);
        });

        it("has no replication-lag alarm without replicas", async () => {
            new RedisMonitoring("single", {
                role: "queue",
                replicationGroupId: "q",
                nodeCount: 1,
                thresholds: alarmDefaults("staging"),
                topicArn,
                namePrefix: "grownext-staging",
            });
            await settle();
            const names = recorder
                .ofType(T.alarm)
                .map((a) => a.name)
                .sort();
            assert.deepStrictEqual(names, [
                "single-001-connections",
                "single-001-engine-cpu",
                "single-001-evictions",
                "single-001-memory-page",
                "single-001-memory-warning",
            ]);
            assert.strictEqual(alarm("single-001-memory-page").threshold, 90, "staging's table");
            assert.strictEqual(memberClusterId("q", 11), "q-012");
        });

        it("watches the cache for misses, not for filling up or evicting: it runs full and evicts by design", async () => {
            const t = alarmDefaults("production");
            new RedisMonitoring("cache", {
                role: "cache",
                replicationGroupId: "grownext-cache",
                nodeCount: 2,
                thresholds: t,
                topicArn,
                namePrefix: "grownext-production",
                region: "eu-west-1",
            });
            await settle();
            const cache = recorder.ofType(T.alarm).filter((a) => a.name.startsWith("cache-"));
            assert.deepStrictEqual(cache.map((a) => a.name).sort(), [
                "cache-001-connections",
                "cache-001-engine-cpu",
                "cache-001-hit-rate",
                "cache-001-replication-lag",
                "cache-002-connections",
                "cache-002-engine-cpu",
                "cache-002-hit-rate",
                "cache-002-replication-lag",
            ]);
            const common = { namespace: "AWS/ElastiCache", period: 60, evaluationPeriods: 5, datapointsToAlarm: 3 };
            assert.deepStrictEqual(shape(alarm("cache-002-hit-rate")), {
                ...common,
                metricName: "CacheHitRate",
                statistic: "Average",
                comparisonOperator: "LessThanThreshold",
                threshold: 60,
                treatMissingData: "notBreaching",
            });
            assert.deepStrictEqual(alarm("cache-002-hit-rate").dimensions, { CacheClusterId: "grownext-cache-002" });
            assert.strictEqual(
                alarm("cache-001-hit-rate").name,
                "grownext-production-cache-001-hit-rate",
                "apart from the queue's alarm names",
            );
            assert.match(alarm("cache-001-hit-rate").alarmDescription, /cache miss > 40%.*prewarm/);
            assert.ok(!cache.some((a) => ["DatabaseMemoryUsagePercentage", "Evictions"].includes(a.inputs.metricName)));
        });
    });

    describe("HealthChecks", () => {
        it('checks every public process\'s readiness path and the queue heartbeat for "pass", alarms declared in us-east-1', async () => {
            const usEast1 = new aws.Provider("use1", { region: "us-east-1" });
            const targets = healthCheckTargets(processCatalog, "example.com", { portal: "ok" });
            new HealthChecks("health", {
                targets,
                thresholds: alarmDefaults("production"),
                topicArn: "arn:aws:sns:us-east-1:123456789012:alerts",
                namePrefix: "grownext-production",
                usEast1,
            });
            await settle();
            const check = (id: string) => recorder.one(T.healthCheck, `health-${id}`).inputs;
            assert.deepStrictEqual(
                recorder
                    .ofType(T.healthCheck)
                    .map((r) => r.name)
                    .sort(),
                ["health-identity-ready", "health-portal-ready", "health-queue-heartbeat", "health-web-ready"],
            );
            assert.deepStrictEqual(
                [check("web-ready").type, check("web-ready").fqdn, check("web-ready").resourcePath, check("web-ready").port],
                ["HTTPS", "api.example.com", "/api/health/ready", 443],
            );
            assert.deepStrictEqual(
                [check("identity-ready").fqdn, check("identity-ready").resourcePath],
                ["identity.example.com", "/health"],
            );
            assert.deepStrictEqual([check("portal-ready").type, check("portal-ready").searchString], ["HTTPS_STR_MATCH", "ok"]);
            const hb = check("queue-heartbeat");
            assert.deepStrictEqual(
                [hb.type, hb.fqdn, hb.resourcePath, hb.searchString],
                ["HTTPS_STR_MATCH", "api.example.com", "/api/production/queue/heartbeat", '"pass"'],
            );
            assert.deepStrictEqual([hb.failureThreshold, hb.requestInterval], [3, 30]);
            const alarms = recorder.ofType(T.alarm);
            assert.strictEqual(alarms.length, 4);
            const providerUrn = recorder.one("pulumi:providers:aws", "use1").urn!;
            for (const a of alarms) {
                assert.deepStrictEqual(shape(a.inputs), {
                    namespace: "AWS/Route53",
                    metricName: "HealthCheckStatus",
                    statistic: "Minimum",
                    comparisonOperator: "LessThanThreshold",
                    threshold: 1,
                    period: 60,
                    evaluationPeriods: 5,
                    datapointsToAlarm: 3,
                    treatMissingData: "breaching",
                });
                assert.strictEqual(a.inputs.region, "us-east-1");
                assert.ok(a.provider?.startsWith(providerUrn), `${a.name} is declared with the us-east-1 provider (${a.provider})`);
                assert.deepStrictEqual(a.inputs.alarmActions, ["arn:aws:sns:us-east-1:123456789012:alerts"]);
            }
            assert.deepStrictEqual(alarm("health-queue-heartbeat-alarm").dimensions, { HealthCheckId: "health-queue-heartbeat-id" });
            assert.match(
                alarm("health-queue-heartbeat-alarm").alarmDescription,
                /worker, scheduler, timers, encryption-rotation.*check:queue/,
            );
        });

        it("has no heartbeat check when no background process runs", () => {
            const targets = healthCheckTargets(
                processCatalog.filter((p) => p.http !== undefined),
                "example.com",
            );
            assert.ok(!targets.some((t) => t.id === "queue-heartbeat"));
        });
    });

    it("draws the dashboard from the alarm specs, health checks from us-east-1", async () => {
        const body = JSON.parse(
            await promiseOf(
                dashboardBody([
                    {
                        title: "Health",
                        region: "us-east-1",
                        specs: [
                            {
                                id: "web-ready",
                                summary: "s",
                                severity: "page",
                                runbook: "restartInspect",
                                namespace: "AWS/Route53",
                                metricName: "HealthCheckStatus",
                                statistic: "Minimum",
                                comparison: "LessThanThreshold",
                                threshold: 1,
                                periodSeconds: 60,
                                evaluationPeriods: 3,
                                datapointsToAlarm: 3,
                                treatMissingData: "breaching",
                                dimensions: { HealthCheckId: pulumi.output("hc-1") },
                            },
                        ],
                    },
                ]),
            ),
        );
        const graph = body.widgets.find((w: any) => w.type === "metric");
        assert.deepStrictEqual(graph.properties.metrics, [["AWS/Route53", "HealthCheckStatus", "HealthCheckId", "hc-1"]]);
        assert.strictEqual(graph.properties.region, "us-east-1");
        assert.deepStrictEqual(graph.properties.annotations.horizontal[0].value, 1);
    });
});
