/**
 * The shape every CloudWatch alarm of the program is declared from: pure data (tests and the
 * dashboard read the same specs) turned into `aws.cloudwatch.MetricAlarm` args in one place, so every
 * alarm routes to the alert route on breach and on recovery, and names its runbook action.
 */
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { runbook, type AlarmThresholds, type RunbookAction } from "../../config/monitoring";

export type Comparison = "GreaterThanOrEqualToThreshold" | "GreaterThanThreshold" | "LessThanThreshold" | "LessThanOrEqualToThreshold";

/**
 * How an alarm treats a period without data: `breaching` where silence means trouble (the resource
 * stopped reporting), `notBreaching` for metrics only some nodes emit or that are sparse.
 */
export type MissingData = "breaching" | "notBreaching" | "missing" | "ignore";

export interface AlarmSpec {
    /** Unique within its component; the alarm's resource name suffix. */
    readonly id: string;
    /** What breached, for the alarm's description. */
    readonly summary: string;
    /** `page` wakes someone; `warning` is time to plan. Both go to the alert route. */
    readonly severity: "page" | "warning";
    readonly runbook: RunbookAction;
    readonly namespace: string;
    readonly metricName: string;
    readonly statistic: "Average" | "Maximum" | "Minimum" | "Sum";
    readonly comparison: Comparison;
    readonly threshold: number;
    readonly periodSeconds: number;
    readonly evaluationPeriods: number;
    readonly datapointsToAlarm: number;
    readonly treatMissingData: MissingData;
    readonly dimensions: Readonly<Record<string, pulumi.Input<string>>>;
}

/** Evaluation window of a stack's thresholds, for specs that use the common one. */
export function window(t: AlarmThresholds): Pick<AlarmSpec, "periodSeconds" | "evaluationPeriods" | "datapointsToAlarm"> {
    return { periodSeconds: t.periodSeconds, evaluationPeriods: t.evaluationPeriods, datapointsToAlarm: t.datapointsToAlarm };
}

/** `[PAGE] ... Runbook: ...`: the description says what breached and what to do. */
export function alarmDescription(spec: Pick<AlarmSpec, "severity" | "summary" | "runbook">): string {
    return `[${spec.severity.toUpperCase()}] ${spec.summary}. Runbook: ${runbook[spec.runbook]}`.slice(0, 1024);
}

/** The MetricAlarm args of a spec: alarm and OK both notify the alert route. */
export function metricAlarmArgs(
    spec: AlarmSpec,
    alarmName: string,
    topicArn: pulumi.Input<string>,
    region?: pulumi.Input<string>,
): aws.cloudwatch.MetricAlarmArgs {
    return {
        name: alarmName,
        alarmDescription: alarmDescription(spec),
        namespace: spec.namespace,
        metricName: spec.metricName,
        statistic: spec.statistic,
        comparisonOperator: spec.comparison,
        threshold: spec.threshold,
        period: spec.periodSeconds,
        evaluationPeriods: spec.evaluationPeriods,
        datapointsToAlarm: spec.datapointsToAlarm,
        treatMissingData: spec.treatMissingData,
        dimensions: spec.dimensions,
        alarmActions: [topicArn],
        okActions: [topicArn],
        actionsEnabled: true,
        region,
    };
}
