import type { PolicyConfigSchema, StackValidationPolicy } from "@pulumi/policy";
import { labelKeys } from "../../catalog/labels";
import { outsideStacks, readConfig } from "../lib/config";
import { metricOf, productionStacks, watches } from "../lib/monitoring";
import { validateStackWith, type StackResource } from "../lib/policy";
import { awsTypes } from "../lib/types";
import { arr, get, str } from "../lib/unknowns";

const configSchema: PolicyConfigSchema = { properties: { stacks: productionStacks } };

interface Config {
    stacks: string[];
}

/** Whether a replication group runs an evicting policy that is proven (anything unproven counts as noeviction). */
function provablyEvicting(group: StackResource, parameterGroups: readonly StackResource[]): boolean {
    const name = str(group.props.parameterGroupName);
    const pg = parameterGroups.find(
        (p) => (typeof name === "string" && (p.props.name === name || p.name === name)) || group.dependencies.includes(p),
    );
    if (!pg) return false;
    const params = arr(pg.props.parameters);
    if (!Array.isArray(params)) return false;
    const entry = [...params].reverse().find((p) => get(p, "name") === "maxmemory-policy");
    const value = str(get(entry, "value"));
    return typeof value === "string" && value !== "noeviction";
}

/** A noeviction Redis in production has a memory alarm: when it fills, every enqueue fails. */
export const redisMemoryAlarm: StackValidationPolicy = {
    name: "redis-memory-alarm",
    description:
        "The Deployment & Production Readiness guide runs the BullMQ Redis with maxmemory-policy=noeviction and asks to " +
        "monitor Redis memory usage (§6, §8); under noeviction a full Redis fails every write, so in production every " +
        "ElastiCache replication group must be watched by a CloudWatch alarm on DatabaseMemoryUsagePercentage; a cache " +
        "Redis that provably evicts (allkeys-lru, its role) runs full by design and needs none.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema,
    validateStack: validateStackWith((stack, args, report) => {
        const config = readConfig<Config>(args, configSchema);
        const outside = outsideStacks(stack.stack, config.stacks, "must alarm on Redis memory.");
        if (outside !== undefined) return args.notApplicable(outside);
        const alarms = stack.ofType(awsTypes.metricAlarm).filter((a) => metricOf(a) === "DatabaseMemoryUsagePercentage");
        const parameterGroups = stack.ofType(awsTypes.elasticacheParameterGroup);
        for (const group of stack.ofType(awsTypes.elasticacheReplicationGroup)) {
            // An evicting cache runs full by design (and redis-noeviction reports an evicting queue); a group
            // tagged as the queue keeps its alarm whatever its parameters say.
            if (str(get(group.props.tags, labelKeys.redisRole)) !== "queue" && provablyEvicting(group, parameterGroups)) continue;
            if (!alarms.some((a) => watches(a, group))) {
                report(
                    `ElastiCache replication group "${group.name}" runs noeviction with no alarm on DatabaseMemoryUsagePercentage; declare one (dimension CacheClusterId of each member) that notifies the alert route.`,
                    group.urn,
                );
            }
        }
    }),
};
