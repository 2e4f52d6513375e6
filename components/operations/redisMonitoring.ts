/**
 * What watches an ElastiCache replication group, per node (CloudWatch reports ElastiCache by
 * `CacheClusterId`, the members `<group>-001`, `<group>-002`), by the group's role:
 *  - both: engine CPU, connections, and replication lag where there are replicas;
 *  - the queue: memory use with a warning and a page threshold (it runs `noeviction`, so a full
 *    Redis fails every enqueue) and any eviction at all (each one is a lost job);
 *  - the cache: its hit rate (the guide's "cache miss > 40%"), and neither memory nor evictions:
 *    it runs full by design and evicting is how it makes room, so either alarm would only cry wolf.
 */
import * as aws from "../../wiring/aws";
import * as pulumi from "@pulumi/pulumi";
import type { RedisRole } from "../../catalog/network";
import type { AlarmThresholds } from "../../config/monitoring";
import { metricAlarmArgs, window, type AlarmSpec } from "./alarms";
import { componentError } from "../../config/errors";

export interface RedisMonitoringArgs {
    /** What the group is for: the queue is watched for filling up, the cache for missing. */
    readonly role: RedisRole;
    /** The replication group's id. */
    readonly replicationGroupId: pulumi.Input<string>;
    /** Nodes in the group (primary plus replicas); replication lag is watched only when above 1. */
    readonly nodeCount: number;
    /** The stack's resolved thresholds. */
    readonly thresholds: AlarmThresholds;
    /** ARN of the alert route's topic. */
    readonly topicArn: pulumi.Input<string>;
    /** Prefix of alarm names, `<project>-<stack>`. */
    readonly namePrefix: string;
    /** Region of the group. */
    readonly region?: pulumi.Input<string>;
}

/** ElastiCache's member cluster id of node `index` (0-based): `<group>-001`. */
export function memberClusterId(groupId: string, index: number): string {
    return `${groupId}-${String(index + 1).padStart(3, "0")}`;
}

/** The alarms of one node, as data. */
export function redisAlarmSpecs(
    node: { label: string; cacheClusterId: pulumi.Input<string> },
    t: AlarmThresholds,
    replicated: boolean,
    role: RedisRole,
): AlarmSpec[] {
    const r = t.redis;
    const common = { namespace: "AWS/ElastiCache", dimensions: { CacheClusterId: node.cacheClusterId }, ...window(t) } as const;
    const who = `${role === "queue" ? "Queue" : "Cache"} Redis node ${node.label}`;
    const filling: AlarmSpec[] =
        role !== "queue"
            ? []
            : [
                  {
                      ...common,
                      id: `${node.label}-memory-warning`,
                      severity: "warning",
                      runbook: "redisMemory",
                      summary: `${who}: memory use at or above ${r.memoryWarningPercent}% (noeviction: writes fail when full)`,
                      metricName: "DatabaseMemoryUsagePercentage",
                      statistic: "Maximum",
                      comparison: "GreaterThanOrEqualToThreshold",
                      threshold: r.memoryWarningPercent,
                      treatMissingData: "notBreaching",
                  },
                  {
                      ...common,
                      id: `${node.label}-memory-page`,
                      severity: "page",
                      runbook: "redisMemory",
                      summary: `${who}: memory use at or above ${r.memoryPagePercent}% (noeviction: writes fail when full)`,
                      metricName: "DatabaseMemoryUsagePercentage",
                      statistic: "Maximum",
                      comparison: "GreaterThanOrEqualToThreshold",
                      threshold: r.memoryPagePercent,
                      // Every node reports memory while it runs: silence means the queue may be gone.
                      treatMissingData: "breaching",
                  },
              ];
    const specs: AlarmSpec[] = [
        ...filling,
        {
            ...common,
            id: `${node.label}-engine-cpu`,
            severity: "page",
            runbook: "redisLoad",
            summary: `${who}: engine CPU at or above ${r.engineCpuPercent}%`,
            metricName: "EngineCPUUtilization",
            statistic: "Average",
            comparison: "GreaterThanOrEqualToThreshold",
            threshold: r.engineCpuPercent,
            treatMissingData: "notBreaching",
        },
        {
            ...common,
            id: `${node.label}-connections`,
            severity: "warning",
            runbook: "redisLoad",
            summary: `${who}: ${r.currConnections} or more client connections`,
            metricName: "CurrConnections",
            statistic: "Maximum",
            comparison: "GreaterThanOrEqualToThreshold",
            threshold: r.currConnections,
            treatMissingData: "notBreaching",
        },
    ];
    if (role === "queue") {
        specs.push({
            ...common,
            id: `${node.label}-evictions`,
            severity: "page",
            runbook: "redisEvictions",
            summary: `${who}: keys were evicted (must never happen under noeviction)`,
            metricName: "Evictions",
            statistic: "Sum",
            comparison: "GreaterThanThreshold",
            threshold: 0,
            // One eviction is already lost jobs: alarm on the first period that has one.
            evaluationPeriods: 1,
            datapointsToAlarm: 1,
            treatMissingData: "notBreaching",
        });
    } else {
        specs.push({
            ...common,
            id: `${node.label}-hit-rate`,
            severity: "warning",
            runbook: "cacheHitRate",
            summary: `${who}: hit rate below ${r.cacheHitRatePercent}% (more than ${100 - r.cacheHitRatePercent}% of lookups miss)`,
            metricName: "CacheHitRate",
            statistic: "Average",
            comparison: "LessThanThreshold",
            threshold: r.cacheHitRatePercent,
            // An idle cache reports no lookups: quiet is not a miss.
            treatMissingData: "notBreaching",
        });
    }
    if (replicated) {
        specs.push({
            ...common,
            id: `${node.label}-replication-lag`,
            severity: "page",
            runbook: "redisReplication",
            summary: `${who}: replication lag at or above ${r.replicationLagSeconds} s`,
            metricName: "ReplicationLag",
            statistic: "Maximum",
            comparison: "GreaterThanOrEqualToThreshold",
            threshold: r.replicationLagSeconds,
            // Only the node that is currently a replica reports lag; the primary is silent.
            treatMissingData: "notBreaching",
        });
    }
    return specs;
}

export class RedisMonitoring extends pulumi.ComponentResource {
    readonly alarms: aws.cloudwatch.MetricAlarm[];
    /** What each alarm watches, in the order of `alarms` (the dashboard draws them). */
    readonly specs: AlarmSpec[];

    constructor(name: string, args: RedisMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("grownext:operations:RedisMonitoring", name, {}, opts);
        if (!Number.isInteger(args.nodeCount) || args.nodeCount < 1)
            throw componentError(this, "RedisMonitoring", name, `nodeCount must be a positive integer, got ${args.nodeCount}`);
        const replicated = args.nodeCount > 1;
        const specs = Array.from({ length: args.nodeCount }, (_, i) =>
            redisAlarmSpecs(
                {
                    label: String(i + 1).padStart(3, "0"),
                    cacheClusterId: pulumi.output(args.replicationGroupId).apply((id) => memberClusterId(id, i)),
                },
                args.thresholds,
                replicated,
                args.role,
            ),
        ).flat();
        this.specs = specs;
        this.alarms = specs.map(
            (spec) =>
                new aws.cloudwatch.MetricAlarm(
                    `${name}-${spec.id}`,
                    // The queue's alarms keep the names they were created with; the cache's say "cache".
                    metricAlarmArgs(
                        spec,
                        `${args.namePrefix}-${args.role === "queue" ? "redis" : "cache"}-${spec.id}`,
                        args.topicArn,
                        args.region,
                    ),
                    { parent: this },
                ),
        );
        this.registerOutputs({ alarms: this.alarms.map((a) => a.arn) });
    }
}
