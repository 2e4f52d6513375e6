import type { PolicyConfigSchema, StackValidationPolicy } from "@pulumi/policy";
import { outsideStacks, readConfig } from "../lib/config";
import { metricOf, productionStacks, watches } from "../lib/monitoring";
import { validateStackWith } from "../lib/policy";
import { awsTypes } from "../lib/types";

const configSchema: PolicyConfigSchema = { properties: { stacks: productionStacks } };

interface Config {
    stacks: string[];
}

/** A production RDS instance has a free-storage alarm and an RDS event subscription. */
export const postgresMonitored: StackValidationPolicy = {
    name: "postgres-monitored",
    description:
        "The Deployment & Production Readiness guide asks to monitor Postgres (§8) and the Production Readiness guide " +
        "keeps backups for an RPO of 1 hour (§4, §5); AWS Foundational Security Best Practices RDS.19-22 ask for event " +
        "subscriptions, so in production every RDS instance must be watched by a FreeStorageSpace alarm and by an RDS " +
        "event subscription (failover, failure, low storage, backup, recovery).",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema,
    validateStack: validateStackWith((stack, args, report) => {
        const config = readConfig<Config>(args, configSchema);
        const outside = outsideStacks(stack.stack, config.stacks, "must monitor their databases.");
        if (outside !== undefined) return args.notApplicable(outside);
        const storageAlarms = stack.ofType(awsTypes.metricAlarm).filter((a) => metricOf(a) === "FreeStorageSpace");
        const subscriptions = stack.ofType(awsTypes.rdsEventSubscription);
        for (const db of stack.ofType(awsTypes.rdsInstance)) {
            if (!storageAlarms.some((a) => watches(a, db))) {
                report(
                    `RDS instance "${db.name}" has no FreeStorageSpace alarm; declare one (dimension DBInstanceIdentifier) that notifies the alert route.`,
                    db.urn,
                );
            }
            if (!subscriptions.some((s) => watches(s, db))) {
                report(
                    `RDS instance "${db.name}" has no RDS event subscription; subscribe the alert route to its failover, failure, low storage, backup and recovery events.`,
                    db.urn,
                );
            }
        }
    }),
};
