/**
 * What watches one RDS PostgreSQL instance: CloudWatch alarms on CPU, free storage, freeable memory,
 * connections against the instance class's `max_connections`, transaction log disk usage and disk
 * queue depth, plus an RDS event subscription (failover, failure, low storage, backup, recovery),
 * all to the stack's alert route. Thresholds come from config/monitoring.ts.
 */
import * as aws from "../../wiring/aws";
import * as pulumi from "@pulumi/pulumi";
import { instanceClassMemoryGiB, rdsMaxConnections, type AlarmThresholds } from "../../config/monitoring";
import { metricAlarmArgs, window, type AlarmSpec } from "./alarms";

export interface PostgresMonitoringArgs {
    /** Which database the instance holds (for names and descriptions). */
    readonly database: string;
    /** The instance's identifier (CloudWatch's `DBInstanceIdentifier`). */
    readonly instanceIdentifier: pulumi.Input<string>;
    /** RDS instance class: its memory sets the memory and connection thresholds. */
    readonly instanceClass: string;
    /** Allocated storage in GiB: the storage and transaction-log thresholds are shares of it. */
    readonly allocatedStorage: number;
    /** `max_connections` when the class is not in the memory table (`monitoring.postgresMaxConnections`). */
    readonly maxConnections?: number;
    /** The stack's resolved thresholds. */
    readonly thresholds: AlarmThresholds;
    /** ARN of the alert route's topic. */
    readonly topicArn: pulumi.Input<string>;
    /** Prefix of alarm names, `<project>-<stack>`. */
    readonly namePrefix: string;
    /** Region of the instance. */
    readonly region?: pulumi.Input<string>;
}

/** RDS event categories that need a human: the guides' failovers, failures and failed backups. */
export const rdsEventCategories = ["failover", "failure", "low storage", "backup", "recovery"] as const;

const gib = 1024 ** 3;

/** `max_connections` of the instance: the override, or derived from the class's memory. */
export function postgresConnectionLimit(instanceClass: string, override?: number): number {
    if (override !== undefined) return override;
    const memory = instanceClassMemoryGiB(instanceClass);
    if (memory === undefined) {
        throw new pulumi.RunError(
            `data.postgres.instanceClass ${instanceClass} is not in the memory table: set monitoring.postgresMaxConnections (example: 800)`,
        );
    }
    return rdsMaxConnections(memory);
}

/** The alarms of one instance, as data. */
export function postgresAlarmSpecs(
    args: Pick<
        PostgresMonitoringArgs,
        "database" | "instanceIdentifier" | "instanceClass" | "allocatedStorage" | "maxConnections" | "thresholds"
    >,
): AlarmSpec[] {
    const t = args.thresholds;
    const p = t.postgres;
    const memoryGiB = instanceClassMemoryGiB(args.instanceClass);
    const limit = postgresConnectionLimit(args.instanceClass, args.maxConnections);
    const common = { namespace: "AWS/RDS", dimensions: { DBInstanceIdentifier: args.instanceIdentifier }, ...window(t) } as const;
    const db = `Postgres ${args.database}`;
    const specs: AlarmSpec[] = [
        {
            ...common,
            id: "cpu",
            severity: "page",
            runbook: "postgresCapacity",
            summary: `${db}: CPU at or above ${p.cpuPercent}%`,
            metricName: "CPUUtilization",
            statistic: "Average",
            comparison: "GreaterThanOrEqualToThreshold",
            threshold: p.cpuPercent,
            // CPU is always reported while the instance runs: silence means it is down.
            treatMissingData: "breaching",
        },
        {
            ...common,
            id: "free-storage",
            severity: "page",
            runbook: "postgresStorage",
            summary: `${db}: free storage below ${p.freeStoragePercent}% of ${args.allocatedStorage} GiB`,
            metricName: "FreeStorageSpace",
            statistic: "Minimum",
            comparison: "LessThanThreshold",
            threshold: Math.round((args.allocatedStorage * gib * p.freeStoragePercent) / 100),
            treatMissingData: "breaching",
        },
        {
            ...common,
            id: "connections",
            severity: "page",
            runbook: "postgresConnections",
            summary: `${db}: connections at or above ${p.connectionsPercent}% of max_connections ${limit} (${args.instanceClass})`,
            metricName: "DatabaseConnections",
            statistic: "Maximum",
            comparison: "GreaterThanOrEqualToThreshold",
            threshold: Math.floor((limit * p.connectionsPercent) / 100),
            treatMissingData: "notBreaching",
        },
        {
            ...common,
            id: "transaction-logs",
            severity: "warning",
            runbook: "postgresWal",
            summary: `${db}: transaction logs use ${p.transactionLogsPercent}% or more of ${args.allocatedStorage} GiB`,
            metricName: "TransactionLogsDiskUsage",
            statistic: "Maximum",
            comparison: "GreaterThanOrEqualToThreshold",
            threshold: Math.round((args.allocatedStorage * gib * p.transactionLogsPercent) / 100),
            treatMissingData: "notBreaching",
        },
        {
            ...common,
            id: "disk-queue",
            severity: "warning",
            runbook: "postgresCapacity",
            summary: `${db}: disk queue depth at or above ${p.diskQueueDepth}`,
            metricName: "DiskQueueDepth",
            statistic: "Average",
            comparison: "GreaterThanOrEqualToThreshold",
            threshold: p.diskQueueDepth,
            treatMissingData: "notBreaching",
        },
    ];
    if (memoryGiB !== undefined) {
        specs.splice(2, 0, {
            ...common,
            id: "freeable-memory",
            severity: "page",
            runbook: "postgresCapacity",
            summary: `${db}: freeable memory below ${p.freeableMemoryPercent}% of ${memoryGiB} GiB`,
            metricName: "FreeableMemory",
            statistic: "Minimum",
            comparison: "LessThanThreshold",
            threshold: Math.round((memoryGiB * gib * p.freeableMemoryPercent) / 100),
            treatMissingData: "breaching",
        });
    }
    return specs;
}

export class PostgresMonitoring extends pulumi.ComponentResource {
    readonly alarms: aws.cloudwatch.MetricAlarm[];
    /** What each alarm watches, in the order of `alarms` (the dashboard draws them). */
    readonly specs: AlarmSpec[];
    readonly eventSubscription: aws.rds.EventSubscription;

    constructor(name: string, args: PostgresMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("grownext:operations:PostgresMonitoring", name, {}, opts);
        const specs = postgresAlarmSpecs(args);
        this.specs = specs;
        this.alarms = specs.map(
            (spec) =>
                new aws.cloudwatch.MetricAlarm(
                    `${name}-${spec.id}`,
                    metricAlarmArgs(spec, `${args.namePrefix}-postgres-${args.database}-${spec.id}`, args.topicArn, args.region),
                    { parent: this },
                ),
        );
        this.eventSubscription = new aws.rds.EventSubscription(
            `${name}-events`,
            {
                name: `${args.namePrefix}-postgres-${args.database}`,
                snsTopic: args.topicArn,
                sourceType: "db-instance",
                sourceIds: [args.instanceIdentifier],
                eventCategories: [...rdsEventCategories],
                enabled: true,
                region: args.region,
            },
            { parent: this },
        );
        this.registerOutputs({ alarms: this.alarms.map((a) => a.arn) });
    }
}
