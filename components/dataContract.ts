/**
 * What the data tier hands to the rest of the platform: connection values for the env matrix's
 * `data` sources, the migration gate each process waits for, and per-process service-account
 * annotations (IAM roles for service accounts on AWS).
 */
import type * as pulumi from "@pulumi/pulumi";

/** The `data` refs of catalog/environment.ts; every value is a Pulumi secret. */
export const dataEnvKeys = [
    "appDatabaseUrl",
    "identityDatabaseUrl",
    "tasksDatabaseUrl",
    "tasksDatabaseDirectUrl",
    "redisUrl",
    "redisHost",
    "redisPort",
    "redisPassword",
    "redisTls",
] as const;
export type DataEnvKey = (typeof dataEnvKeys)[number];

export type DatabaseName = "app" | "identity";

export interface DataTierOutputs {
    /** Secret connection values by env-matrix ref. */
    readonly env: Readonly<Record<DataEnvKey, pulumi.Output<string>>>;
    /** The migrations Job a process of this database must wait for (release gate). */
    migrationGate(database: DatabaseName): pulumi.Resource | undefined;
    /** Annotations for a process's ServiceAccount (e.g. `eks.amazonaws.com/role-arn`). */
    serviceAccountAnnotations(process: string): Record<string, pulumi.Input<string>>;
    /** `aws` when a managed secret store holds each group's values; undefined in-cluster. */
    readonly secretManagerProvider?: string;
}

/** Outputs of the stack's KMS key (AWS stacks only). */
export interface StackKeyOutputs {
    readonly arn: pulumi.Output<string>;
    readonly id: pulumi.Output<string>;
}

/** What the secret store (Secrets Manager + IRSA, AWS stacks only) gives each process. */
export interface SecretAccessOutputs {
    /** ServiceAccount annotations binding a process to its own IAM role. */
    serviceAccountAnnotations(process: string): Record<string, pulumi.Input<string>>;
}
