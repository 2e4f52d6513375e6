import type { PolicyConfigSchema, StackValidationPolicy } from "@pulumi/policy";
import { rotationFloors } from "../../catalog/guardrails";
import { databaseCredentialsKind, secretKindTag } from "../../catalog/labels";
import { outsideStacks, readConfig, stringList } from "../lib/config";
import { validateStackWith, type StackResource } from "../lib/policy";
import { awsTypes } from "../lib/types";
import { bool, get, isUnknown, num, str } from "../lib/unknowns";

const configSchema: PolicyConfigSchema = {
    properties: {
        stacks: stringList("Stack names whose database credentials must rotate.", ["production"]),
        maximumRotationDays: {
            type: "integer",
            minimum: 1,
            maximum: rotationFloors.maxDatabaseRotationDays,
            default: rotationFloors.maxDatabaseRotationDays,
            description: "Longest accepted rotationRules.automaticallyAfterDays of a database credentials secret.",
        },
    },
};

interface Config {
    stacks: string[];
    maximumRotationDays: number;
}

/**
 * The SecretRotations whose `secretId` comes from `target` (the instance whose master secret it is, or
 * the secret itself). The engine sends every resource's property dependencies; a rotation sent with
 * none at all (an engine that does not) is matched by its dependencies instead.
 */
function rotationsOf(target: StackResource, rotations: readonly StackResource[]): StackResource[] {
    return rotations.filter((r) => {
        const byProperty = Object.keys(r.propertyDependencies).length > 0;
        return (byProperty ? (r.propertyDependencies.secretId ?? []) : r.dependencies).includes(target);
    });
}

/** What is wrong with a rotation's schedule, or undefined when it rotates often enough. */
function scheduleProblem(rotation: StackResource, max: number): string | undefined {
    const enabled = bool(rotation.props.rotationEnabled);
    if (isUnknown(enabled)) return "has rotationEnabled unknown during preview; leave it unset or set it to the literal true";
    if (enabled === false) return "turns rotation off (rotationEnabled: false); remove rotationEnabled and set rotationRules";
    const days = num(get(rotation.props, "rotationRules", "automaticallyAfterDays"));
    if (isUnknown(days)) return `has rotationRules.automaticallyAfterDays unknown during preview; set it from config to at most ${max}`;
    if (days === undefined) return `sets no rotationRules.automaticallyAfterDays; set it to at most ${max} (rotation.databaseRotationDays)`;
    if (days > max)
        return `rotates every ${days} days; set rotationRules.automaticallyAfterDays to at most ${max} (rotation.databaseRotationDays)`;
    return undefined;
}

/**
 * Database credentials rotate on a schedule: every RDS instance lets RDS manage its master password
 * (`manageMasterUserPassword`, so it lives in Secrets Manager) and has a SecretRotation on that secret;
 * every Secrets Manager secret tagged as holding database credentials has one too. A rotation counts
 * when its `secretId` comes from the instance or the secret (the resource graph, which also holds in
 * preview, where the ARN is unknown) and it rotates at least every `maximumRotationDays`.
 */
export const databaseCredentialsRotate: StackValidationPolicy = {
    name: "database-credentials-rotate",
    description:
        "The Deployment & Production Readiness guide keeps secrets in AWS Secrets Manager and the Production Readiness guide (§6) " +
        `rotates keys at least quarterly; issue 13 rotates database credentials (AWS FSBP SecretsManager.1 and .4: rotated within ${rotationFloors.maxDatabaseRotationDays} days). ` +
        "Every RDS instance must let RDS manage its master password and rotate it with a SecretRotation, and every Secrets Manager " +
        `secret tagged ${secretKindTag}: ${databaseCredentialsKind} must have a SecretRotation.`,
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

        const checkRotated = (what: string, target: StackResource, secretId: string) => {
            const own = rotationsOf(target, rotations);
            if (own.length === 0) {
                report(`${what} has no SecretRotation; ${fix} and secretId: ${secretId} (components/data/aws/postgresAws.ts).`, target.urn);
                return;
            }
            const problems = own.map((r) => [r, scheduleProblem(r, max)] as const).filter(([, p]) => p !== undefined);
            if (problems.length === own.length) {
                for (const [r, p] of problems) report(`SecretRotation "${r.name}" of ${what} ${p}.`, r.urn);
            }
        };

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
            checkRotated(`the master secret of ${what}`, db, "instance.masterUserSecrets[0].secretArn");
        }

        for (const secret of stack.ofType(awsTypes.secretsManagerSecret)) {
            if (str(get(secret.props, "tags", secretKindTag)) !== databaseCredentialsKind) continue;
            checkRotated(`Secrets Manager secret "${secret.name}" (${secretKindTag}: ${databaseCredentialsKind})`, secret, "secret.id");
        }
    }),
};
