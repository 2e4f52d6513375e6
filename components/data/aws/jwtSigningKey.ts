/**
 * identity's JWT signing key on AWS stacks, rotated by a function of our own (docs/secret-rotation.md
 * "JWT signing key rotates by itself on AWS stacks"):
 *  - a Secrets Manager secret `grownext/<stack>/identity-jwt` under the stack key, tagged
 *    `grownext.io/secret-kind: jwt-signing-key`, protected in production, holding the JSON of
 *    rotation/jwtSigningKey.ts (current pair, next pair, previous public keys, and the previous and
 *    next public keys as one PEM string);
 *  - its first version, seeded from config (`identityJwtPrivateKey`, `identity.jwtPublicKey`,
 *    `identity.previousJwtPublicKeys`), with no next pair. From the first rotation on the function owns
 *    the value: the version ignores changes to `secretString` and its stages, so `pulumi up` never
 *    undoes a rotation;
 *  - the rotation function (RotationFunction over rotation/jwtSigningKey.ts; it needs no network but
 *    Secrets Manager's public endpoint, so it runs outside the VPC), told `jwtRsaMinBits`;
 *  - a `SecretRotation` every `rotation.jwtRotationDays`, rotated at once: the seed's first rotation
 *    only publishes the next key, it changes no signing key.
 * identity and worker read IDENTITY_JWT_* from this secret's properties (`jwtEnvProperties`).
 */
import { createPrivateKey, createPublicKey } from "crypto";
import * as aws from "../../../wiring/aws";
import * as pulumi from "@pulumi/pulumi";
import { rotationFloors, type Environment } from "../../../catalog/guardrails";
import { jwtSigningKeyKind, secretKindTag } from "../../../catalog/labels";
import { componentError } from "../../../config/errors";
import { jwtRsaMinBits } from "../../../config/floors";
import { jwtSigningKeyStrategy, minBitsEnv, type JwtSigningKeys } from "../../../rotation/jwtSigningKey";
import { rotatedSecret } from "./rotatedSecret";
import { RotationFunction } from "./rotationFunction";
import { secretName } from "./secretStore";

/** `grownext/<stack>/identity-jwt`. */
export function jwtSecretName(project: string, stack: string): string {
    return secretName(project, stack, "identity-jwt");
}

/** The rotation function's name (Lambda names: at most 64 characters). */
export function jwtRotationFunctionName(project: string, stack: string): string {
    return `${project}-${stack}-identity-jwt-rotation`.slice(0, 64);
}

/**
 * The env keys of the `identityJwt` group (catalog/envMatrix.ts) and the secret's property each is
 * read from: PREVIOUS carries every key that verifies besides the current one (previous and next).
 */
export const jwtEnvProperties = {
    IDENTITY_JWT_PRIVATE_KEY: "privateKey",
    IDENTITY_JWT_PUBLIC_KEY: "publicKey",
    IDENTITY_JWT_PREVIOUS_PUBLIC_KEYS: "otherPublicKeysPem",
} as const satisfies Readonly<Record<string, keyof JwtSigningKeys | "otherPublicKeysPem">>;

/** The first version's keys, from config: the private key, its public half (derived when not configured) and retired public keys. */
export interface JwtSeed {
    readonly privateKey: string;
    readonly publicKey?: string;
    readonly previousPublicKeys?: readonly string[];
}

/** The seed's JSON, in the function's own format (its `serialize`): no next pair yet. */
export function jwtSeedJson(seed: JwtSeed): string {
    const publicKey =
        seed.publicKey ?? createPublicKey(createPrivateKey(seed.privateKey)).export({ type: "spki", format: "pem" }).toString();
    return jwtSigningKeyStrategy({ minBits: jwtRsaMinBits }).serialize({
        privateKey: seed.privateKey,
        publicKey,
        previousPublicKeys: [...(seed.previousPublicKeys ?? [])],
    });
}

export interface JwtSigningKeyArgs {
    readonly environment: Environment;
    /** `project` and `stack` name the secret and the function. */
    readonly project: string;
    readonly stack: string;
    readonly region: string;
    /** ARN of the stack's KMS key. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** The first version's keys, from config (`identityJwtPrivateKey` is a secret: it stays one). */
    readonly seed: pulumi.Input<JwtSeed>;
    /** `rotation.jwtRotationDays`. */
    readonly rotationDays: number;
}

export class JwtSigningKey extends pulumi.ComponentResource {
    readonly secret: aws.secretsmanager.Secret;
    /** The secret's name and ARN, as env values borrow them (wiring/dataContract.ts `CredentialsSecret`). */
    readonly name: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;

    constructor(name: string, args: JwtSigningKeyArgs, opts?: pulumi.ComponentResourceOptions) {
        // The seed is a secret: nothing of the args is recorded on the component.
        super("grownext:data:JwtSigningKey", name, {}, opts);
        const max = rotationFloors.maxRotationDays;
        if (!Number.isInteger(args.rotationDays) || args.rotationDays < 1 || args.rotationDays > max)
            throw componentError(
                this,
                "JwtSigningKey",
                name,
                `rotation.jwtRotationDays must be an integer in 1..${max}, got ${args.rotationDays}`,
            );
        const region = args.region;
        const tags = { [secretKindTag]: jwtSigningKeyKind, "grownext.io/process": "identity" };

        // The seed is the first version only: writing it back would undo a rotation (and unpublish the next key).
        const { secret, firstVersion: seed } = rotatedSecret(
            {
                names: { secret: `${name}-secret`, firstVersion: `${name}-seed` },
                secretName: jwtSecretName(args.project, args.stack),
                description: `identity's JWT signing keys (${args.stack}): current, next and previous, rotated every ${args.rotationDays} days`,
                environment: args.environment,
                kmsKeyArn: args.kmsKeyArn,
                region,
                tags,
                firstValue: pulumi.output(args.seed).apply((s) => jwtSeedJson(s)),
            },
            this,
        );
        this.secret = secret;
        const fn = new RotationFunction(
            `${name}-rotation-function`,
            {
                environment: args.environment,
                functionName: jwtRotationFunctionName(args.project, args.stack),
                entry: "jwtSigningKey.ts",
                secretArns: [this.secret.arn],
                kmsKeyArn: args.kmsKeyArn,
                region,
                environmentVariables: { [minBitsEnv]: String(jwtRsaMinBits) },
                tags: { [secretKindTag]: jwtSigningKeyKind },
            },
            { parent: this },
        );
        new aws.secretsmanager.SecretRotation(
            `${name}-rotation`,
            {
                secretId: this.secret.id,
                rotationLambdaArn: fn.arn,
                rotationRules: { automaticallyAfterDays: args.rotationDays },
                // Safe at once: the seed's first rotation only publishes the next key.
                rotateImmediately: true,
                region,
            },
            { parent: this, dependsOn: [seed, fn] },
        );
        this.name = this.secret.name;
        this.arn = this.secret.arn;
        this.registerOutputs({ name: this.name, arn: this.arn });
    }
}
