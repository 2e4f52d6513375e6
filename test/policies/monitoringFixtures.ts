/**
 * Compliant monitoring baselines: an alert route with a subscriber, alarms that route to it, and the
 * watchers of an RDS instance and a replication group (linked by dependencies, as the engine links
 * an alarm to the resource whose outputs fill its dimensions).
 */
import { resource, type PolicyResourceLike } from "./harness";

export const monitoringTypes = {
    topic: "aws:sns/topic:Topic",
    subscription: "aws:sns/topicSubscription:TopicSubscription",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    events: "aws:rds/eventSubscription:EventSubscription",
} as const;

const topicArn = "arn:aws:sns:eu-west-1:123456789012:alerts";

export const alarmProps = (metricName: string, dimensions: Record<string, string>): Record<string, any> => ({
    namespace: metricName === "DatabaseMemoryUsagePercentage" ? "AWS/ElastiCache" : "AWS/RDS",
    metricName,
    statistic: "Maximum",
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    threshold: 85,
    period: 60,
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
    treatMissingData: "breaching",
    dimensions,
    alarmActions: [topicArn],
    okActions: [topicArn],
});

/** The alert route and the watchers of `rds` and `redis` (resources of the same stack). */
export function monitoringResources(stack: string, rds: PolicyResourceLike, redis: PolicyResourceLike): PolicyResourceLike[] {
    const topic = resource(monitoringTypes.topic, "alerts", { name: "alerts", kmsMasterKeyId: "arn:aws:kms:eu-west-1:123456789012:key/k" }, { stack });
    return [
        topic,
        resource(monitoringTypes.subscription, "alerts-email", { topic: topicArn, protocol: "email", endpoint: "oncall@example.com" }, { stack, dependencies: [topic.urn] }),
        resource(monitoringTypes.alarm, "db-free-storage", alarmProps("FreeStorageSpace", { DBInstanceIdentifier: "app-db-abc" }), { stack, dependencies: [topic.urn, rds.urn] }),
        resource(monitoringTypes.events, "db-events", { snsTopic: topicArn, sourceType: "db-instance", sourceIds: ["app-db-abc"], eventCategories: ["failover", "failure", "low storage", "backup", "recovery"] }, { stack, dependencies: [topic.urn, rds.urn] }),
        resource(monitoringTypes.alarm, "redis-memory", alarmProps("DatabaseMemoryUsagePercentage", { CacheClusterId: "redis-001" }), { stack, dependencies: [topic.urn, redis.urn] }),
    ];
}
