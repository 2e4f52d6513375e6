/**
 * What the data tier hands to the rest of the platform: connection values for the env matrix's
 * `data` sources, the migration gate each process waits for, and per-process service-account
 * annotations (IAM roles for service accounts on AWS).
 */
import * as pulumi from "@pulumi/pulumi";

/** The `data` refs of catalog/envMatrix.ts; every value is a Pulumi secret. */
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
    "cacheRedisUrl",
] as const;
export type DataEnvKey = (typeof dataEnvKeys)[number];

export type DatabaseName = "app" | "identity";

/** The database each Postgres ref connects to (the tasks database is the app database). */
export const databaseOfRef: Partial<Record<DataEnvKey, DatabaseName>> = {
    appDatabaseUrl: "app",
    identityDatabaseUrl: "identity",
    tasksDatabaseUrl: "app",
    tasksDatabaseDirectUrl: "app",
};

/**
 * A Secrets Manager secret whose JSON has `username` and `password` properties (what RDS keeps for a
 * managed master password, and what AWS's rotation Lambdas rewrite). A connection URL that takes its
 * credentials from one is stored without them, and the External Secrets Operator reads them from it,
 * so a rotation reaches the pods without `pulumi up` (docs/secret-rotation.md).
 */
export interface CredentialsSecret {
    /** Name or ARN: Secrets Manager and ESO accept either as the key. */
    readonly name: pulumi.Input<string>;
    readonly arn: pulumi.Input<string>;
}

/**
 * One JSON property of another Secrets Manager secret (a credentials secret, a Redis auth token's
 * secret, the JWT signing key's secret): where an env value is read from when a rotation, not
 * `pulumi up`, owns it.
 */
export interface SecretProperty {
    readonly secret: CredentialsSecret;
    readonly property: string;
}

/**
 * An env key whose value is borrowed from other secrets instead of its owner's own secret:
 *  - `{ value }`: the whole value is that property (`QUEUE_REDIS_PASSWORD`, the JWT signing key);
 *  - `{ url }`: a connection URL's user and/or password are (a database role's `username`/`password`;
 *    a Redis token's `password`, where the user stays the empty one of `rediss://:token@host:6379`).
 * The owner's secret then holds nothing of what is borrowed, its ExternalSecret reads it from the
 * other secret, and its IRSA role may read that secret (docs/secret-rotation.md).
 */
export type BorrowedValue =
    { readonly value: SecretProperty } | { readonly url: { readonly username?: SecretProperty; readonly password?: SecretProperty } };

/** A URL's user and password from a credentials secret, under the `username`/`password` properties RDS and AWS's rotation functions write. */
export function borrowedCredentials<S extends CredentialsSecret>(
    secret: S,
): { readonly url: { readonly username: { secret: S; property: string }; readonly password: { secret: S; property: string } } } {
    return { url: { username: { secret, property: "username" }, password: { secret, property: "password" } } };
}

/**
 * The `data` refs that carry no credential: where a store is and how to reach it. On AWS stacks their
 * values are written into each ExternalSecret's template as text (a secret spec in state), like a
 * URL's host, so no owner's Secrets Manager secret holds them; the env matrix still keeps them in the
 * processes' Secrets, beside the URLs they belong with.
 */
export const connectionDetailRefs: readonly DataEnvKey[] = ["redisHost", "redisPort", "redisTls"];

/** The ARNs of the secrets an owner's borrowed values are read from (its IRSA role may read these). */
export function borrowedSecretArns(borrowed: Readonly<Record<string, BorrowedValue>>): pulumi.Input<string>[] {
    return Object.values(borrowed).flatMap((b) =>
        "value" in b ? [b.value.secret.arn] : [b.url.username, b.url.password].flatMap((p) => (p ? [p.secret.arn] : [])),
    );
}

/** The stores' ports, the same on AWS and in the cluster (the in-cluster stores mirror the managed ones). */
export const postgresPort = 5432;
export const redisPort = 6379;

/** User and database name of a database inside its instance (letters, digits, underscores), on AWS and in the cluster. */
export function postgresNames(database: DatabaseName): { user: string; database: string } {
    return { user: `grownext_${database}`, database };
}

export interface DataTierOutputs {
    /** Secret connection values by env-matrix ref. */
    readonly env: Readonly<Record<DataEnvKey, pulumi.Output<string>>>;
    /** The migrations Job a process of this database must wait for (release gate). */
    migrationGate(database: DatabaseName): pulumi.Resource | undefined;
    /** `aws` when a managed secret store holds each group's values; undefined in-cluster. */
    readonly secretManagerProvider?: string;
    /**
     * AWS stacks: the secret a connection URL of `owner` (a process, or `migrate-<database>`) takes its
     * user and password from; undefined when the URL carries them itself (the in-cluster stores).
     */
    databaseCredentials?(owner: string, database: DatabaseName): CredentialsSecret | undefined;
    /**
     * AWS stacks: where a ref's value (or a URL ref's password) is read from when a rotation owns it,
     * the same for every process (the Redis auth tokens); undefined when the ref's value is the program's.
     */
    borrowedRef?(ref: DataEnvKey): BorrowedValue | undefined;
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

// ---------------------------------------------------------------------------------------------
// Shared by the data-tier components (postgresAws, postgresInCluster, redisAws, redisInCluster):
// the connection shapes both placements produce, and the pure helpers tests call directly.
// ---------------------------------------------------------------------------------------------

/** What a Postgres component (RDS or in-cluster) hands to the data tier; every value is secret. */
export interface PostgresConnection {
    /** `postgresql://user:pass@host:5432/db?sslmode=...`, for `DATABASE_URL`/`TASKS_DATABASE_URL`. */
    readonly url: pulumi.Output<string>;
    /**
     * The URL that bypasses any connection pooler (`TASKS_DATABASE_DIRECT_URL`, what Prisma migrations
     * need). Without a pooler it equals `url`; with RDS Proxy (components/data/aws/postgresProxy.ts) `url` goes
     * through the proxy and this one straight to the instance.
     */
    readonly directUrl: pulumi.Output<string>;
}

/** What a Redis component (ElastiCache or in-cluster) hands to the data tier; every value is secret. */
export interface RedisConnection {
    /** `rediss://:token@host:6379` (TLS) or `redis://:password@host:6379` (in-cluster). */
    readonly url: pulumi.Output<string>;
    readonly host: pulumi.Output<string>;
    /** The port as a string, as `QUEUE_REDIS_PORT` wants it. */
    readonly port: pulumi.Output<string>;
    readonly password: pulumi.Output<string>;
    /** `"true"` or `"false"`, for `QUEUE_REDIS_TLS`. */
    readonly tls: pulumi.Output<string>;
}

/**
 * Resource options of data resources (databases, caches, the KMS key, secrets): production ones are
 * protected so neither `pulumi destroy` nor a refactor that drops them can delete customer data.
 * Components spread this into the options of exactly those resources (not their subnet groups,
 * security groups or parameter groups, which hold no data and must stay replaceable).
 */
export function dataResourceOptions(environment: "local" | "staging" | "production"): { protect: boolean } {
    return { protect: environment === "production" };
}

/** `postgresql://` URL with the credentials URL-encoded. */
export function postgresUrl(c: {
    user: string;
    password: string;
    host: string;
    port: number;
    database: string;
    sslmode: "require" | "disable";
}): string {
    return `postgresql://${encodeURIComponent(c.user)}:${encodeURIComponent(c.password)}@${c.host}:${c.port}/${encodeURIComponent(c.database)}?sslmode=${c.sslmode}`;
}

/** `redis://` or `rediss://` URL with an empty user name (Redis AUTH with the password only). */
export function redisUrl(c: { password: string; host: string; port: number; tls: boolean }): string {
    return `${c.tls ? "rediss" : "redis"}://:${encodeURIComponent(c.password)}@${c.host}:${c.port}`;
}

/** Whether a string is a DNS-1123 label of at most `max` characters (Kubernetes object names). */
export function isDnsLabel(name: string, max = 63): boolean {
    return name.length <= max && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name);
}

/**
 * The refs a process's Prisma client pools on: each carries the process's pool size as Prisma's
 * `connection_limit` (`pooledEnv`), so the connection budget (config/connectionBudget.ts) is what
 * runs. The direct URL is Prisma Migrate's, one connection at a time: it carries none.
 */
export const pooledDatabaseRefs: readonly DataEnvKey[] = ["appDatabaseUrl", "identityDatabaseUrl", "tasksDatabaseUrl"];

/** The URL with `connection_limit=<poolSize>` set (replacing any there). */
export function withConnectionLimit(url: string, poolSize: number): string {
    if (!Number.isInteger(poolSize) || poolSize < 1) throw new Error(`a database pool size must be a positive integer, got ${poolSize}`);
    const u = new URL(url);
    u.searchParams.set("connection_limit", String(poolSize));
    return u.toString();
}

/** A process's view of the data env: its pooled URLs carry its pool size; every value stays secret. */
export function pooledEnv<K extends string>(
    env: Readonly<Record<K, pulumi.Output<string>>>,
    poolSize: number,
): Record<K, pulumi.Output<string>> {
    const out = { ...env } as Record<K, pulumi.Output<string>>;
    for (const key of pooledDatabaseRefs as readonly string[]) {
        if (key in out) out[key as K] = pulumi.secret(out[key as K].apply((url) => withConnectionLimit(url, poolSize)));
    }
    return out;
}
