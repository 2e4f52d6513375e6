import type { PolicyConfigSchema, StackValidationPolicy } from "@pulumi/policy";
import { rotationFloors } from "../../catalog/guardrails";
import { outsideStacks, readConfig, stringList } from "../lib/config";
import { validateStackWith } from "../lib/policy";
import { checkRotated } from "../lib/rotation";
import { awsTypes } from "../lib/types";
import { bool, isUnknown } from "../lib/unknowns";

const configSchema: PolicyConfigSchema = {
    properties: {
        stacks: stringList("Stack names whose database credentials must rotate.", ["production"]),
        maximumRotationDays: {
            type: "integer",
            minimum: 1,
            maximum: rotationFloors.maxRotationDays,
            default: rotationFloors.maxRotationDays,
            description: "Longest accepted rotationRules.automaticallyAfterDays of a database credentials secret.",
        },
    },
};

interface Config {
    stacks: string[];
    maximumRotationDays: number;
}

/**
 * Master passwords rotate on a schedule: every RDS instance lets RDS manage its master password
 * (`manageMasterUserPassword`, so it lives in a Secrets Manager secret RDS creates, which the program
 * never declares) and has a SecretRotation on that secret. A rotation counts when its `secretId` comes
 * from the instance (the resource graph, which also holds in preview, where the ARN is unknown) and it
 * rotates at least every `maximumRotationDays`. The secrets the program declares itself, the
 * processes' credentials among them, are secrets-rotate's.
 */
export const databaseCredentialsRotate: StackValidationPolicy = {
    name: "database-credentials-rotate",
    description:
        "The Deployment & Production Readiness guide keeps secrets in AWS Secrets Manager and the Production Readiness guide (§6) " +
        `rotates keys at least quarterly; issue 13 rotates database credentials (AWS FSBP SecretsManager.1 and .4: rotated within ${rotationFloors.maxRotationDays} days). ` +
        "Every RDS instance must let RDS manage its master password and rotate it with a SecretRotation on the secret RDS keeps it in.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema,
    validateStack: validateStackWith((stack, args, report) => {
        const config = readConfig<Config>(args, configSchema);
        const outside = outsideStacks(stack.stack, config.stacks, "must rotate their database credentials.");
        if (outside !== undefined) return args.notApplicable(outside);
        const max = config.maximumRotationDays;
        const rotations = stack.ofType(awsTypes.secretsManagerSecretRotation);
        const fix = `declare an aws.secretsmanager.SecretRotation with rotationRules.automaticallyAfterDays at most ${max}`;

        for (const db of stack.ofType(awsTypes.rdsInstance)) {
            const what = `RDS instance "${db.name}"`;
            const managed = bool(db.props.manageMasterUserPassword);
            if (isUnknown(managed)) {
                report(`${what} has manageMasterUserPassword unknown during preview; set it to the literal true.`, db.urn);
                continue;
            }
            if (managed !== true) {
                report(
                    `${what} does not let RDS manage its master password; set manageMasterUserPassword: true (and no password) so ` +
                        "RDS keeps it in Secrets Manager and rotates it (components/data/aws/postgresAws.ts protectedInstanceArgs).",
                    db.urn,
                );
                continue;
            }
            checkRotated(
                `the master secret of ${what}`,
                db,
                rotations,
                max,
                "rotation.databaseRotationDays",
                `${fix} and secretId: instance.masterUserSecrets[0].secretArn (components/data/aws/postgresAws.ts)`,
                report,
            );
        }
    }),
};
