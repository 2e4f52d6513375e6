import type { PolicyConfigSchema, StackValidationPolicy } from "@pulumi/policy";
import { rotationFloors } from "../../catalog/guardrails";
import { issuedKind, secretKindTag } from "../../catalog/labels";
import { outsideStacks, readConfig, stringList } from "../lib/config";
import { validateStackWith } from "../lib/policy";
import { checkRotated } from "../lib/rotation";
import { awsTypes } from "../lib/types";
import { get, isUnknown, str } from "../lib/unknowns";

const configSchema: PolicyConfigSchema = {
    properties: {
        stacks: stringList("Stack names whose Secrets Manager secrets must rotate.", ["production"]),
        maximumRotationDays: {
            type: "integer",
            minimum: 1,
            maximum: rotationFloors.maxRotationDays,
            default: rotationFloors.maxRotationDays,
            description: "Longest accepted rotationRules.automaticallyAfterDays of a secret's rotation (AWS FSBP SecretsManager.4).",
        },
    },
};

interface Config {
    stacks: string[];
    maximumRotationDays: number;
}

/**
 * Every Secrets Manager secret the program declares rotates by itself (AWS FSBP SecretsManager.1),
 * at least every `maximumRotationDays` (SecretsManager.4), through a SecretRotation whose `secretId`
 * comes from it. The one exception is a secret tagged as holding issued values (catalog/labels.ts
 * `issuedKind`): only their issuer can replace them, so they rotate by hand (docs/secret-rotation.md),
 * and tests keep that kind to secrets that hold nothing else.
 */
export const secretsRotate: StackValidationPolicy = {
    name: "secrets-rotate",
    description:
        "The Deployment & Production Readiness guide keeps secrets in AWS Secrets Manager and the Production Readiness guide (§6) " +
        `rotates keys at least quarterly; issue 13 asks that an AWS FSBP review find no failing Secrets Manager control (SecretsManager.1: rotation on; .4: rotated within ${rotationFloors.maxRotationDays} days). ` +
        `Every Secrets Manager secret must have a SecretRotation, except one tagged ${secretKindTag}: ${issuedKind}, whose values only their issuer can replace.`,
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema,
    validateStack: validateStackWith((stack, args, report) => {
        const config = readConfig<Config>(args, configSchema);
        const outside = outsideStacks(stack.stack, config.stacks, "must rotate their Secrets Manager secrets.");
        if (outside !== undefined) return args.notApplicable(outside);
        const max = config.maximumRotationDays;
        const rotations = stack.ofType(awsTypes.secretsManagerSecretRotation);
        for (const secret of stack.ofType(awsTypes.secretsManagerSecret)) {
            const kind = str(get(secret.props, "tags", secretKindTag));
            const what = `Secrets Manager secret "${secret.name}"`;
            if (isUnknown(kind)) {
                report(`${what} has its ${secretKindTag} tag unknown during preview; set the tag to a literal.`, secret.urn);
                continue;
            }
            if (kind === issuedKind) continue;
            checkRotated(
                kind === undefined ? what : `${what} (${secretKindTag}: ${kind})`,
                secret,
                rotations,
                max,
                "rotation.*Days",
                `declare an aws.secretsmanager.SecretRotation with secretId: secret.id and rotationRules.automaticallyAfterDays at most ${max}, ` +
                    `or, if only a third party can replace its values, tag it ${secretKindTag}: ${issuedKind} and keep a runbook (docs/secret-rotation.md)`,
                report,
            );
        }
    }),
};
