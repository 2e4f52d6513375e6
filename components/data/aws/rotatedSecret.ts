/**
 * A Secrets Manager secret whose value a rotation function owns: the program writes its first version
 * and never again. Database credentials, the Redis auth tokens and the JWT signing key all take this
 * shape from here:
 *  - the secret under the stack's KMS key, with the environment's recovery window, protected in
 *    production (dataResourceOptions);
 *  - its first version, secret in state, whose `secretString` and stages are ignored afterwards: from
 *    the first rotation on the function owns them, and `pulumi up` writing the first value back would
 *    undo a rotation.
 * The caller declares the rotation itself (its function and schedule differ per kind).
 */
import * as aws from "../../../wiring/aws";
import * as pulumi from "@pulumi/pulumi";
import { dataProtectionDefaults, type Environment } from "../../../catalog/guardrails";
import { dataResourceOptions } from "../../../wiring/dataContract";

export interface RotatedSecretArgs {
    /** Resource names of the secret and of its first version (kept as each kind first named them: URNs). */
    readonly names: { readonly secret: string; readonly firstVersion: string };
    /** The secret's name in Secrets Manager (`grownext/<stack>/...`). */
    readonly secretName: string;
    readonly description: pulumi.Input<string>;
    readonly environment: Environment;
    readonly kmsKeyArn: pulumi.Input<string>;
    readonly region: string;
    readonly tags: Readonly<Record<string, string>>;
    /** The first value, as the rotation function's JSON; made secret here. */
    readonly firstValue: pulumi.Input<string>;
}

export function rotatedSecret(
    args: RotatedSecretArgs,
    parent: pulumi.Resource,
): { secret: aws.secretsmanager.Secret; firstVersion: aws.secretsmanager.SecretVersion } {
    const secret = new aws.secretsmanager.Secret(
        args.names.secret,
        {
            name: args.secretName,
            description: args.description,
            kmsKeyId: args.kmsKeyArn,
            recoveryWindowInDays: dataProtectionDefaults[args.environment].secretRecoveryWindowDays,
            region: args.region,
            tags: { ...args.tags },
        },
        { parent, ...dataResourceOptions(args.environment) },
    );
    const firstVersion = new aws.secretsmanager.SecretVersion(
        args.names.firstVersion,
        { secretId: secret.id, secretString: pulumi.secret(args.firstValue), region: args.region },
        { parent, ignoreChanges: ["secretString", "versionStages"] },
    );
    return { secret, firstVersion };
}
