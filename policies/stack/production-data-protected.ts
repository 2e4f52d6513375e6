import type { PolicyConfigSchema, StackValidationPolicy } from "@pulumi/policy";
import { environmentFloors } from "../../catalog/guardrails";
import { outsideStacks, readConfig, stringList } from "../lib/config";
import { validateStackWith } from "../lib/policy";
import { awsTypes } from "../lib/types";

const configSchema: PolicyConfigSchema = {
    properties: {
        stacks: stringList("Stack names whose data resources must be protected.", ["production"]),
        types: stringList("Type tokens of the data resources to protect.", [
            awsTypes.rdsInstance,
            awsTypes.rdsCluster,
            awsTypes.elasticacheReplicationGroup,
            awsTypes.kmsKey,
            awsTypes.secretsManagerSecret,
        ]),
    },
};

interface Config {
    stacks: string[];
    types: string[];
}

/** Production data resources carry `protect: true`, so `pulumi destroy` or a refactor cannot delete them. */
export const productionDataProtected: StackValidationPolicy = {
    name: "production-data-protected",
    description:
        `The Production Readiness and DevOps guides keep ${environmentFloors.production.postgresBackupRetentionDays} days of database backups and a recovery objective of one ` +
        "hour, which a deleted database or KMS key would void, so in production stacks every RDS instance and cluster, " +
        "ElastiCache replication group, KMS key and Secrets Manager secret must be declared with the protect resource option.",
    enforcementLevel: "mandatory",
    severity: "critical",
    configSchema,
    validateStack: validateStackWith((stack, args, report) => {
        const config = readConfig<Config>(args, configSchema);
        const outside = outsideStacks(stack.stack, config.stacks, "must protect their data resources.");
        if (outside !== undefined) return args.notApplicable(outside);
        for (const r of stack.ofType(...config.types)) {
            if (!r.protect) {
                report(`${r.type} "${r.name}" is not protected; declare it with the resource option { protect: true }.`, r.urn);
            }
        }
    }),
};
