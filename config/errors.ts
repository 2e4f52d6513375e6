/**
 * Turns validation problems into one line each: the key, what is wrong, what came, and an example of
 * a right value. Secret values are never echoed.
 */
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";

/** Thrown for invalid config; a RunError, so Pulumi prints the message without a stack trace. */
export class ConfigError extends pulumi.RunError {
    constructor(readonly problems: readonly string[]) {
        super(
            `Stack config is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

/** Example values, by key pattern (`*` stands for one key segment). First match wins. */
const examples: ReadonlyArray<readonly [string, string]> = [
    ["environment", "production"],
    ["domain", "example.com"],
    ["kubernetes.namespace", "grownext"],
    ["kubernetes.context", "kind-grownext"],
    ["kubernetes.renderDirectory", "rendered/local"],
    ["images.*", "ghcr.io/grownext/app:1.4.2"],
    ["services.*.replicas", "2"],
    ["services.*.autoscale.min", "2"],
    ["services.*.autoscale.max", "10"],
    ["services.*.autoscale.targetCpuPercent", "70"],
    ["services.*.resources.*.cpu", "250m"],
    ["services.*.resources.*.memory", "512Mi"],
    ["services.*.terminationGracePeriodSeconds", "120"],
    ["services.*.livenessCommand", '["node","dist/healthcheck.js"]'],
    ["edge.hstsMaxAgeSeconds", "31536000"],
    ["edge.clusterIssuer", "letsencrypt-production"],
    ["probes.deadlineSeconds", "120"],
    ["supabase.url", "https://abcd.supabase.co"],
    ["identity.productSlug", "tasks"],
    ["identity.jwtPublicKey", "-----BEGIN PUBLIC KEY-----..."],
    ["sentryDsn", "https://key@o1.ingest.sentry.io/1"],
    ["oauthClientIds.*", "GITHUB_CLIENT_ID: Iv1.abc"],
    ["data.provider", "aws"],
    ["data.aws.region", "eu-west-1"],
    ["data.aws.vpcId", "vpc-0a1b2c3d4e5f60718"],
    ["data.aws.privateSubnetIds", '["subnet-0a1b2c3d","subnet-1a2b3c4d"]'],
    ["data.aws.privateSubnetIds.*", "subnet-0a1b2c3d4e5f60718"],
    ["data.aws.clusterSecurityGroupId", "sg-0a1b2c3d4e5f60718"],
    ["data.aws.clusterOidcProviderArn", "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"],
    ["data.postgres.instanceClass", "db.m7g.large"],
    ["data.postgres.allocatedStorage", "100"],
    ["data.postgres.maxAllocatedStorage", "1000"],
    ["data.postgres.engineVersion", '"16"'],
    ["data.postgres.backupRetentionDays", "30"],
    ["data.postgres.multiAz", "true"],
    ["data.postgres.deletionProtection", "true"],
    ["data.postgres.skipFinalSnapshot", "false"],
    ["data.postgres.performanceInsights", "true"],
    ["data.postgres.iamDatabaseAuthentication", "false"],
    ["data.postgres.monitoringIntervalSeconds", "60"],
    ["data.postgres.passwordVersion", "2"],
    ["data.redis.nodeType", "cache.m7g.large"],
    ["data.redis.engine", "valkey"],
    ["data.redis.engineVersion", '"7.2"'],
    ["data.redis.snapshotRetentionLimit", "7"],
    ["data.redis.multiAz", "true"],
    ["data.redis.maxmemory", "256mb"],
    ["data.redis.authTokenVersion", "2"],
    ["data.inCluster.storageSize", "2Gi"],
    ["data.inCluster.storageClassName", "standard"],
    ["data.inCluster.postgresImage", "postgres:16.6-alpine"],
    ["data.inCluster.redisImage", "redis:7.4.2-alpine"],
    ["data.kms.rotationPeriodDays", "365"],
    ["data.kms.deletionWindowDays", "30"],
    ["stripeSecretKey", "pulumi config set --secret stripeSecretKey sk_live_..."],
    ["stripeWebhookSecret", "pulumi config set --secret stripeWebhookSecret whsec_..."],
    ["supabaseServiceRoleKey", "pulumi config set --secret supabaseServiceRoleKey <key>"],
    ["identityJwtPrivateKey", "pulumi config set --secret identityJwtPrivateKey -- \"$(cat jwt-rs256.pem)\""],
];

function matches(pattern: string, path: string): boolean {
    const p = pattern.split(".");
    const k = path.split(".");
    return p.length === k.length && p.every((seg, i) => seg === "*" || seg === k[i]);
}

export function exampleFor(path: string): string | undefined {
    return examples.find(([pattern]) => matches(pattern, path))?.[1];
}

/** Renders a value for a message: short, and never a secret's content. */
export function describeValue(value: unknown, secret: boolean): string {
    if (value === undefined) return "nothing";
    if (secret) return "a value that is not shown because it is secret";
    const text = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** One line: `<key> <what is wrong>, got <value>. Example: <example>`. */
export function problem(path: string, what: string, value: unknown, secret: boolean): string {
    const example = exampleFor(path);
    const got = value === undefined ? "" : `, got ${describeValue(value, secret)}`;
    return `${path} ${what}${got}${example ? ` (example: ${example})` : ""}`;
}

function describeIssue(issue: z.core.$ZodIssue): string {
    switch (issue.code) {
        case "too_small":
            if (issue.origin === "number") return `must be at least ${issue.minimum}`;
            if (issue.origin === "array") return `must have at least ${issue.minimum} item(s)`;
            return issue.minimum === 1 ? "must not be empty" : `must be at least ${issue.minimum} characters`;
        case "too_big":
            if (issue.origin === "number") return `must be at most ${issue.maximum}`;
            return `must have at most ${issue.maximum} ${issue.origin === "array" ? "item(s)" : "characters"}`;
        case "invalid_type":
            return issue.input === undefined ? "is required" : `must be ${article(issue.expected)}`;
        case "invalid_value":
            return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
        case "unrecognized_keys":
            return `has unknown key(s) ${issue.keys.join(", ")}: remove them or fix their spelling`;
        case "invalid_key":
            return `is not an allowed key: it ${issue.issues.map((i) => i.message).join("; ")}`;
        case "not_multiple_of":
            return `must be a multiple of ${issue.divisor}`;
        default:
            return issue.message;
    }
}

function article(type: string): string {
    return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** `a.b.c` for ordinary keys; odd keys quoted, `services[":"]`, so a line always starts with its key. */
export function formatPath(path: readonly PropertyKey[]): string {
    return path.map((seg, i) => {
        const text = String(seg);
        if (/^[A-Za-z0-9_-]+$/.test(text)) return i === 0 ? text : `.${text}`;
        return `[${JSON.stringify(text)}]`;
    }).join("");
}

/** Formats zod issues; `isSecretPath` says which values must not be echoed. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], isSecretPath: (path: string) => boolean): string[] {
    return issues.map((issue) => {
        const path = formatPath(issue.path) || "(config)";
        const value = issue.code === "unrecognized_keys" || issue.code === "invalid_type" && issue.input === undefined
            ? undefined
            : issue.input;
        return problem(path, describeIssue(issue), value, isSecretPath(path));
    });
}
