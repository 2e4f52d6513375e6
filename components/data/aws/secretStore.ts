/**
 * AWS Secrets Manager for the AWS stacks: one secret per process (service group) named
 * `grownext/<stack>/<process>`, encrypted with the stack's rotating KMS key, holding that process's
 * secret env values as JSON; and one IAM role per process for its Kubernetes ServiceAccount (IRSA)
 * that may read its own secret, the shared secrets it borrows values from, and nothing else. An
 * owner with no value of its own (the migrations and roles Jobs, which only borrow) gets the role and
 * no secret.
 *
 * Least privilege, per role:
 *  - `secretsmanager:GetSecretValue` and `DescribeSecret` on its own secret's ARN, and on the shared
 *    secrets whose properties its ExternalSecret reads (`ReadSharedSecrets`: a database role's
 *    credentials, the master secret for the migrations, the Redis auth tokens, the JWT key), only;
 *  - `kms:Decrypt` on the stack key only when called through Secrets Manager in the stack's region
 *    (`kms:ViaService`), so the role cannot decrypt anything else with the key;
 *  - encryption-rotation, whose job is re-encrypting application data under the key, additionally
 *    uses the key directly: Encrypt, Decrypt, GenerateDataKey*, ReEncrypt*, DescribeKey.
 * The trust policy admits exactly `system:serviceaccount:<namespace>:<process>` with audience
 * `sts.amazonaws.com` from the cluster's OIDC provider. The platform names ServiceAccounts after
 * their process, so `serviceAccountAnnotations(process)` is all it needs.
 */
import * as aws from "../../../wiring/aws";
import * as pulumi from "@pulumi/pulumi";
import { dataProtectionDefaults } from "../../../catalog/guardrails";
import { secretKindTag } from "../../../catalog/labels";
import type { PlatformConfig } from "../../../config/load";
import { dataResourceOptions, isDnsLabel, type SecretAccessOutputs, type StackKeyOutputs } from "../../../wiring/dataContract";
import { componentError } from "../../../config/errors";

export interface ProcessSecrets {
    /** Catalog process name; also its ServiceAccount's name. */
    readonly process: string;
    /** The process's secret env values (name → value); none: no secret of its own, only its role. */
    readonly values: Record<string, pulumi.Input<string>>;
    /** Other secrets it borrows env values from (wiring/dataContract.ts `BorrowedValue`, `borrowedSecretArns`). */
    readonly sharedSecretArns?: readonly pulumi.Input<string>[];
    /** What its own secret holds, as the `grownext.io/secret-kind` tag (catalog/labels.ts), when the owner says. */
    readonly kind?: string;
}

/** What the secret store reads of the stack config: its tier, names and AWS data settings. */
export type SecretStoreConfig = Pick<PlatformConfig, "environment" | "project" | "stack" | "data">;

export interface SecretStoreArgs {
    /** The parts of the validated stack config the store reads (plain object; never passed to `super`). */
    readonly config: SecretStoreConfig;
    /** Namespace of the processes' ServiceAccounts. */
    readonly namespace: pulumi.Input<string>;
    /** The stack's KMS key. */
    readonly kmsKey: StackKeyOutputs;
    /** Secret env values per process. */
    readonly processSecrets: readonly ProcessSecrets[];
}

/** Processes that use the stack key directly, beyond reading their own secret. */
export const stackKeyUserProcesses: readonly string[] = ["encryption-rotation"];

/** `grownext/<stack>/<process>`. */
export function secretName(project: string, stack: string, process: string): string {
    return `${project}/${stack}/${process}`;
}

/** The OIDC issuer (host/path) of an IAM OIDC provider ARN: the part after `oidc-provider/`. */
export function oidcIssuer(providerArn: string): string {
    const i = providerArn.indexOf(":oidc-provider/");
    if (i < 0)
        throw new pulumi.RunError(
            `data.aws.clusterOidcProviderArn must be an IAM OIDC provider ARN (arn:aws:iam::<account>:oidc-provider/<issuer>), got ${JSON.stringify(providerArn)}`,
        );
    return providerArn.slice(i + ":oidc-provider/".length);
}

/** Trust policy of a process's role: only its ServiceAccount, through the cluster's OIDC provider. */
export function irsaTrustPolicy(providerArn: string, namespace: string, serviceAccount: string): Record<string, unknown> {
    const issuer = oidcIssuer(providerArn);
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ServiceAccountOnly",
                Effect: "Allow",
                Principal: { Federated: providerArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
                        [`${issuer}:aud`]: "sts.amazonaws.com",
                    },
                },
            },
        ],
    };
}

/**
 * Permissions of a process's role: its own secret (when it has one), the shared secrets it borrows
 * values from (database credentials, Redis auth tokens, ...; each encrypted with the stack key, so the
 * one Decrypt statement covers them), and the key only as the guides require.
 */
export function secretAccessPolicy(p: {
    secretArn?: string;
    keyArn: string;
    region: string;
    usesKeyDirectly: boolean;
    sharedSecretArns?: readonly string[];
}): Record<string, unknown> {
    const statements: Record<string, unknown>[] = [];
    if (p.secretArn !== undefined) {
        statements.push({
            Sid: "ReadOwnSecret",
            Effect: "Allow",
            Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            Resource: p.secretArn,
        });
    }
    const shared = [...new Set(p.sharedSecretArns ?? [])].sort();
    if (shared.length > 0) {
        statements.push({
            Sid: "ReadSharedSecrets",
            Effect: "Allow",
            Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            Resource: shared,
        });
    }
    statements.push({
        Sid: "DecryptThroughSecretsManager",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: p.keyArn,
        Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${p.region}.amazonaws.com` } },
    });
    if (p.usesKeyDirectly) {
        statements.push({
            Sid: "UseStackKeyForDataEncryption",
            Effect: "Allow",
            Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*", "kms:DescribeKey"],
            Resource: p.keyArn,
        });
    }
    return { Version: "2012-10-17", Statement: statements };
}

/** JSON of a process's secret values with sorted keys (a stable secret version). */
export function secretJson(values: Record<string, string>): string {
    return JSON.stringify(
        Object.fromEntries(
            Object.keys(values)
                .sort()
                .map((k) => [k, values[k]]),
        ),
    );
}

export class SecretStore extends pulumi.ComponentResource implements SecretAccessOutputs {
    private readonly roles = new Map<string, aws.iam.Role>();
    private readonly versions = new Map<string, aws.secretsmanager.SecretVersion>();

    constructor(name: string, args: SecretStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        // The args hold every credential of the stack: never recorded as component inputs.
        // The AWS provider comes through opts (or the parent), like every component's.
        super("grownext:data:SecretStore", name, {}, opts);
        const cfg = args.config;
        const network = cfg.data.aws;
        if (cfg.data.provider !== "aws" || network === undefined) {
            throw componentError(
                this,
                "SecretStore",
                name,
                `data.provider must be "aws" with data.aws set: Secrets Manager exists only on AWS stacks`,
            );
        }
        const seen = new Set<string>();
        for (const p of args.processSecrets) {
            if (!isDnsLabel(p.process))
                throw componentError(
                    this,
                    "SecretStore",
                    name,
                    `process ${JSON.stringify(p.process)} must be a DNS-1123 label (it names a ServiceAccount)`,
                );
            if (seen.has(p.process))
                throw componentError(this, "SecretStore", name, `process ${p.process} is listed twice; give each process one entry`);
            seen.add(p.process);
        }
        const providerArn = network.clusterOidcProviderArn;
        oidcIssuer(providerArn); // validates up front
        const region = network.region;

        for (const p of args.processSecrets) {
            const tags = { "grownext.io/process": p.process };
            const secret = Object.keys(p.values).length === 0 ? undefined : this.ownSecret(name, args, p, tags);

            const role = new aws.iam.Role(
                `${name}-${p.process}-role`,
                {
                    description: `IRSA role of the ${p.process} ServiceAccount (${cfg.stack}): reads ${secret ? "its own secret" : "the credentials secrets it names"}`,
                    assumeRolePolicy: pulumi
                        .output(args.namespace)
                        .apply((ns) => JSON.stringify(irsaTrustPolicy(providerArn, ns, p.process))),
                    tags,
                },
                { parent: this },
            );

            new aws.iam.RolePolicy(
                `${name}-${p.process}-policy`,
                {
                    role: role.id,
                    policy: pulumi
                        .all([secret?.arn, args.kmsKey.arn, pulumi.all([...(p.sharedSecretArns ?? [])])])
                        .apply(([secretArn, keyArn, sharedSecretArns]) =>
                            JSON.stringify(
                                secretAccessPolicy({
                                    secretArn,
                                    keyArn,
                                    region,
                                    usesKeyDirectly: stackKeyUserProcesses.includes(p.process),
                                    sharedSecretArns,
                                }),
                            ),
                        ),
                },
                { parent: this },
            );

            this.roles.set(p.process, role);
        }
        this.registerOutputs({});
    }

    /** The owner's own secret and the version holding its values. */
    private ownSecret(name: string, args: SecretStoreArgs, p: ProcessSecrets, tags: Record<string, string>): aws.secretsmanager.Secret {
        const cfg = args.config;
        const region = cfg.data.aws!.region;
        const secret = new aws.secretsmanager.Secret(
            `${name}-${p.process}`,
            {
                name: secretName(cfg.project, cfg.stack, p.process),
                description: `Secret environment of the ${p.process} process (${cfg.stack})`,
                kmsKeyId: args.kmsKey.arn,
                recoveryWindowInDays: dataProtectionDefaults[cfg.environment].secretRecoveryWindowDays,
                region,
                tags: { ...tags, ...(p.kind === undefined ? {} : { [secretKindTag]: p.kind }) },
            },
            { parent: this, ...dataResourceOptions(cfg.environment) },
        );

        const version = new aws.secretsmanager.SecretVersion(
            `${name}-${p.process}-version`,
            {
                secretId: secret.id,
                secretString: pulumi.secret(pulumi.output(p.values).apply((v) => secretJson(v as Record<string, string>))),
                region,
            },
            { parent: this },
        );
        this.versions.set(p.process, version);
        return secret;
    }

    /** `eks.amazonaws.com/role-arn` of the process's role; empty for a process the store was not given. */
    serviceAccountAnnotations(process: string): Record<string, pulumi.Input<string>> {
        const role = this.roles.get(process);
        return role ? { "eks.amazonaws.com/role-arn": role.arn } : {};
    }

    /** Whether the owner has a secret of its own (it has values); an owner without one reads only credentials secrets. */
    hasOwnSecret(process: string): boolean {
        return this.versions.has(process);
    }

    /** Version id of the process's secret as this update wrote it (the External Secrets Operator syncs on a change); undefined without one. */
    secretVersionId(process: string): pulumi.Output<string> | undefined {
        return this.versions.get(process)?.versionId;
    }
}
