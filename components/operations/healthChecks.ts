/**
 * Route 53 HTTPS health checks on every public process's readiness path and on the queue heartbeat
 * (`/api/production/queue/heartbeat`, body must contain `"pass"`), each with a CloudWatch alarm on
 * `HealthCheckStatus` to the alert route. Built from the process catalog, so a new public process
 * gets its check from its catalog entry alone.
 *
 * Route 53 publishes health-check metrics only in us-east-1: the alarms (and the topic they notify,
 * which must be in the alarm's region) are declared with an explicit us-east-1 provider.
 */
import * as aws from "../../wiring/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ProcessSpec } from "../../catalog/processes";
import { queueHeartbeat, type AlarmThresholds } from "../../config/monitoring";
import { metricAlarmArgs, window, type AlarmSpec } from "./alarms";
import { componentError } from "../../config/errors";

/** The region Route 53 health-check metrics live in. */
export const healthCheckMetricsRegion = "us-east-1";

export interface HealthCheckTarget {
    /** Unique, DNS-label shaped: `<process>-ready` or `queue-heartbeat`. */
    readonly id: string;
    readonly fqdn: string;
    readonly path: string;
    /** When set, the body's first 5120 bytes must contain it (HTTPS_STR_MATCH); else any 2xx/3xx passes. */
    readonly searchString?: string;
    readonly summary: string;
    readonly runbook: AlarmSpec["runbook"];
}

/**
 * One target per public HTTP process (its readiness path on `<publicHost>.<domain>`), plus the queue
 * heartbeat on the host of the process that serves it, for every background process that consumes
 * the queue.
 */
export function healthCheckTargets(
    processes: readonly ProcessSpec[],
    domain: string,
    searchStrings: Readonly<Record<string, string>> = {},
): HealthCheckTarget[] {
    // Route 53 can only GET a path: a process whose readiness is a bare TCP connect has nothing to match.
    const targets: HealthCheckTarget[] = processes.flatMap((p) => {
        const check = p.http?.readiness.check;
        if (p.publicHost === undefined || check === undefined || !("httpGet" in check)) return [];
        return [
            {
                id: `${p.name}-ready`,
                fqdn: `${p.publicHost}.${domain}`,
                path: check.httpGet,
                searchString: searchStrings[p.name],
                summary: `${p.name}: https://${p.publicHost}.${domain}${check.httpGet} is failing from Route 53's checkers`,
                runbook: "restartInspect" as const,
            },
        ];
    });
    const server = processes.find((p) => p.name === queueHeartbeat.servedBy && p.publicHost !== undefined);
    const background = processes.filter((p) => p.http === undefined).map((p) => p.name);
    if (server && background.length > 0) {
        targets.push({
            id: "queue-heartbeat",
            fqdn: `${server.publicHost}.${domain}`,
            path: queueHeartbeat.path,
            searchString: queueHeartbeat.searchString,
            summary: `Queue heartbeat (${background.join(", ")}): https://${server.publicHost}.${domain}${queueHeartbeat.path} does not report "pass"`,
            runbook: "queueHeartbeat",
        });
    }
    return targets;
}

/** The Route 53 health check of a target. */
export function healthCheckArgs(target: HealthCheckTarget, t: AlarmThresholds, referenceName: string): aws.route53.HealthCheckArgs {
    return {
        type: target.searchString === undefined ? "HTTPS" : "HTTPS_STR_MATCH",
        fqdn: target.fqdn,
        port: 443,
        resourcePath: target.path,
        searchString: target.searchString,
        enableSni: true,
        failureThreshold: t.healthChecks.failureThreshold,
        requestInterval: t.healthChecks.requestIntervalSeconds,
        measureLatency: true,
        referenceName: referenceName.slice(0, 64),
        tags: { Name: referenceName },
    };
}

/** The alarm of a health check: healthy is 1, anything less for the window pages. */
export function healthCheckAlarmSpec(target: HealthCheckTarget, healthCheckId: pulumi.Input<string>, t: AlarmThresholds): AlarmSpec {
    return {
        id: target.id,
        summary: target.summary,
        severity: "page",
        runbook: target.runbook,
        namespace: "AWS/Route53",
        metricName: "HealthCheckStatus",
        statistic: "Minimum",
        comparison: "LessThanThreshold",
        threshold: 1,
        ...window(t),
        // Route 53 reports every minute while the check exists: silence means nobody is checking.
        treatMissingData: "breaching",
        dimensions: { HealthCheckId: healthCheckId },
    };
}

export interface HealthChecksArgs {
    /** Endpoints to check (`healthCheckTargets`). */
    readonly targets: readonly HealthCheckTarget[];
    /** The stack's resolved thresholds. */
    readonly thresholds: AlarmThresholds;
    /** ARN of an alert-route topic in us-east-1. */
    readonly topicArn: pulumi.Input<string>;
    /** Prefix of check and alarm names, `<project>-<stack>`. */
    readonly namePrefix: string;
    /** The explicit us-east-1 provider the alarms are declared with. */
    readonly usEast1: aws.Provider;
}

export class HealthChecks extends pulumi.ComponentResource {
    readonly checks: aws.route53.HealthCheck[];
    readonly alarms: aws.cloudwatch.MetricAlarm[];
    /** What each alarm watches, in the order of `alarms` (the dashboard draws them). */
    readonly specs: AlarmSpec[];

    constructor(name: string, args: HealthChecksArgs, opts?: pulumi.ComponentResourceOptions) {
        super("grownext:operations:HealthChecks", name, {}, opts);
        const ids = args.targets.map((t) => t.id);
        const dup = ids.find((id, i) => ids.indexOf(id) !== i);
        if (dup !== undefined) throw componentError(this, "HealthChecks", name, `two targets are named ${dup}`);
        const inUsEast1 = { parent: this, provider: args.usEast1 };
        this.checks = [];
        this.alarms = [];
        this.specs = [];
        for (const target of args.targets) {
            const check = new aws.route53.HealthCheck(
                `${name}-${target.id}`,
                healthCheckArgs(target, args.thresholds, `${args.namePrefix}-${target.id}`),
                inUsEast1,
            );
            const spec = healthCheckAlarmSpec(target, check.id, args.thresholds);
            this.checks.push(check);
            this.specs.push(spec);
            this.alarms.push(
                new aws.cloudwatch.MetricAlarm(
                    `${name}-${target.id}-alarm`,
                    metricAlarmArgs(spec, `${args.namePrefix}-health-${target.id}`, args.topicArn, healthCheckMetricsRegion),
                    inUsEast1,
                ),
            );
        }
        this.registerOutputs({ checks: this.checks.map((c) => c.id) });
    }
}
