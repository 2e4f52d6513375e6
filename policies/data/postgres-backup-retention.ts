import type { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";
import { awsLimits, environmentFloors } from "../../catalog/guardrails";
import { readConfig } from "../lib/config";
import { validateTypes } from "../lib/policy";
import { awsTypes } from "../lib/types";
import { isUnknown, num, unknownMessage } from "../lib/unknowns";

const configSchema: PolicyConfigSchema = {
    properties: {
        minimumRetentionDays: {
            type: "integer",
            minimum: 1,
            maximum: awsLimits.rds.backupRetentionDays.max,
            // Unconfigured, the strictest floor; policies/config/<stack>.json sets each stack's own (a test checks they match).
            default: environmentFloors.production.postgresBackupRetentionDays,
            description: `Minimum automated backup retention in days (RDS allows at most ${awsLimits.rds.backupRetentionDays.max}).`,
        },
    },
};

interface Config {
    minimumRetentionDays: number;
}

/** RDS Postgres keeps automated backups (and so point-in-time recovery) long enough. */
export const postgresBackupRetention: ResourceValidationPolicy = {
    name: "postgres-backup-retention",
    description:
        "The Deployment & Production Readiness guide (§1) requires managed PostgreSQL with PITR or equivalent backups, " +
        `and the Production Readiness and DevOps guides retain database backups for ${environmentFloors.production.postgresBackupRetentionDays} days, so every RDS instance and ` +
        "cluster must keep automated backups for at least the configured number of days.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema,
    validateResource: validateTypes([awsTypes.rdsInstance, awsTypes.rdsCluster], (r, args, report) => {
        const { minimumRetentionDays } = readConfig<Config>(args, configSchema);
        const days = num(r.props.backupRetentionPeriod);
        const fix = `set backupRetentionPeriod to at least ${minimumRetentionDays} (days)`;
        if (isUnknown(days)) {
            report(unknownMessage("backupRetentionPeriod", `${fix} as a plain value`));
        } else if (days === undefined) {
            report(`backupRetentionPeriod is not set, so RDS keeps the provider default (1 day or none); ${fix}.`);
        } else if (days < minimumRetentionDays) {
            report(`backupRetentionPeriod is ${days} days; ${fix}.`);
        }
    }),
};
