/**
 * Turns validation problems into one line each: the key, what is wrong, what came, and an example of
 * a right value. Whether the value may be shown is not the caller's call: the loader decides it from
 * how the value is stored, how the schema marks its key, and what the value contains.
 */
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import {
    dataProtectionDefaults,
    hstsMaxAgeBounds,
    kmsRotationPeriodDays,
    probeDeadlineBounds,
    rotationDefaults,
} from "../catalog/guardrails";
import { describeShape, looksSecret } from "./credentials";

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

/** Production's data-protection defaults, which the examples quote. */
const protection = dataProtectionDefaults.production;

/**
 * The one error convention of the program: config refuses with a `ConfigError` (a RunError, one line
 * per problem); a component refuses its args with `componentError`, whose message starts
 * `<Kind> <name>: ` and which Pulumi attaches to the component, printed without a stack trace (the
 * message names the key and the fix). Free functions that check config outside any component throw
 * a `pulumi.RunError` with the same `<Kind> <name>: ` prefix where there is a kind to name.
 */
export function componentError(component: pulumi.Resource, kind: string, name: string, message: string): pulumi.ResourceError {
    const hideStack = true;
    return new pulumi.ResourceError(`${kind} ${name}: ${message}`, component, hideStack);
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
    ["services.*.databasePoolSize", "5"],
    ["services.*.livenessCommand", '["node","dist/healthcheck.js"]'],
    ["services.*.env.*", "pulumi config set --path 'services.web.env.CONCIERGE_DISABLED' true"],
    ["services.*.secretEnv.*", "pulumi config set --secret --path 'services.web.secretEnv.OPENAI_API_KEY' ..."],
    ["kubernetes.kubeconfig", 'pulumi config set --secret --path kubernetes.kubeconfig -- "$(cat kubeconfig.yaml)"'],
    ["edge.ingressClassName", "nginx"],
    ["edge.hstsMaxAgeSeconds", String(hstsMaxAgeBounds.default)],
    ["edge.clusterIssuer", "letsencrypt-production"],
    ["edge.trustedClusterIssuers", '["corp-acme"]'],
    ["environmentMismatchReason", "eu production runs from the stack named eu-1 (ticket OPS-12)"],
    ["probes.deadlineSeconds", String(probeDeadlineBounds.default)],
    ["supabase.url", "https://abcd.supabase.co"],
    ["supabase.anonKey", "the project's anon key (Supabase: Settings, API keys)"],
    ["identity.productSlug", "tasks"],
    ["identity.jwtPublicKey", "-----BEGIN PUBLIC KEY-----..."],
    ["identity.previousJwtPublicKeys", '["-----BEGIN PUBLIC KEY-----..."]'],
    ["rotation.refreshInterval", "1h"],
    ["rotation.databaseRotationDays", "30"],
    ["rotation.redisRotationDays", String(rotationDefaults.redisRotationDays)],
    ["rotation.jwtRotationDays", String(rotationDefaults.jwtRotationDays)],
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
    ["data.postgres.backupRetentionDays", String(protection.postgresBackupRetentionDays)],
    ["data.postgres.multiAz", "true"],
    ["data.postgres.deletionProtection", "true"],
    ["data.postgres.skipFinalSnapshot", "false"],
    ["data.postgres.performanceInsights", "true"],
    ["data.postgres.iamDatabaseAuthentication", "false"],
    ["data.postgres.monitoringIntervalSeconds", "60"],
    ["data.redis.nodeType", "cache.m7g.large"],
    ["data.redis.engine", "valkey"],
    ["data.redis.engineVersion", '"7.2"'],
    ["data.redis.snapshotRetentionLimit", String(protection.redisSnapshotRetentionDays)],
    ["data.redis.multiAz", "true"],
    ["data.redis.maxmemory", "256mb"],
    ["data.redis.authTokenVersion", "2"],
    ["data.inCluster.storageSize", "2Gi"],
    ["data.inCluster.storageClassName", "standard"],
    ["data.inCluster.postgresImage", "postgres:16.6-alpine"],
    ["data.inCluster.redisImage", "redis:7.4.2-alpine"],
    ["data.kms.rotationPeriodDays", String(kmsRotationPeriodDays)],
    ["data.kms.deletionWindowDays", String(protection.kmsDeletionWindowDays)],
    ["stripeSecretKey", "pulumi config set --secret stripeSecretKey sk_live_..."],
    ["stripeWebhookSecret", "pulumi config set --secret stripeWebhookSecret whsec_..."],
    ["supabaseServiceRoleKey", "pulumi config set --secret supabaseServiceRoleKey <key>"],
    [
        "identityJwtPrivateKey",
        'openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out jwt-rs256.pem; pulumi config set --secret identityJwtPrivateKey -- "$(cat jwt-rs256.pem)"',
    ],
    ["oauthClientSecrets.*", "pulumi config set --secret --path oauthClientSecrets.GITHUB_CLIENT_SECRET <secret>"],
];

function matches(pattern: string, path: string): boolean {
    const p = pattern.split(".");
    const k = path.split(".");
    return p.length === k.length && p.every((seg, i) => seg === "*" || seg === k[i]);
}

export function exampleFor(path: string): string | undefined {
    return examples.find(([pattern]) => matches(pattern, path))?.[1];
}

/**
 * One problem: the key path the user wrote, what is wrong with it and how to fix it, and what came.
 * `what` must not quote any config value; `got` is shown only when the loader says it may be.
 */
export interface Problem {
    readonly path: readonly string[];
    readonly what: string;
    /** The offending value; absent when there is nothing to show (a missing key). */
    readonly got?: unknown;
    /** How to change the floor that refused it (config/floors.ts), when a floor did. */
    readonly change?: string;
}

/** A problem under `key` (dotted, or already split); pass `{ got }` to report the value that came. */
export function problem(
    key: string | readonly string[],
    what: string,
    opts: { readonly got?: unknown; readonly change?: string } = {},
): Problem {
    const path = typeof key === "string" ? key.split(".") : key;
    return {
        path,
        what,
        ...(opts.got !== undefined ? { got: opts.got } : {}),
        ...(opts.change !== undefined ? { change: opts.change } : {}),
    };
}

/** Renders a value the loader judged printable: short. */
function describePlain(value: unknown): string {
    const text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * One line: `<key> <what is wrong>, got <value>. Example: <example>`. `isSensitive(path, got)` says
 * whether the value may be printed; a sensitive one is described by its shape only.
 */
export function renderProblem(p: Problem, isSensitive: (path: readonly string[], got: unknown) => boolean): string {
    const key = formatPath(p.path.map((seg) => (looksSecret(seg) ? `[${describeShape(seg)}]` : seg))) || "(config)";
    const example = exampleFor(p.path.join("."));
    const got = !("got" in p) ? "" : `, got ${isSensitive(p.path, p.got) ? describeShape(p.got) : describePlain(p.got)}`;
    const change = p.change === undefined ? "" : `; to change this floor: ${p.change}`;
    return `${key} ${p.what}${got}${change}${example ? ` (example: ${example})` : ""}`;
}

const numericOrigins = new Set(["number", "int", "bigint"]);
const safeIntegerNote = "(the largest whole number a config value holds exactly)";

function describeIssue(issue: z.core.$ZodIssue): string {
    switch (issue.code) {
        case "too_small":
            if (numericOrigins.has(issue.origin)) return `must be at least ${issue.minimum}`;
            if (issue.origin === "array" || issue.origin === "set") return `must have at least ${issue.minimum} item(s)`;
            if (issue.origin === "string")
                return issue.minimum === 1 ? "must not be empty" : `must be at least ${issue.minimum} characters`;
            return `must be at least ${issue.minimum}`;
        case "too_big":
            if (issue.origin === "int") return `must be at most ${issue.maximum} ${safeIntegerNote}`;
            if (numericOrigins.has(issue.origin)) return `must be at most ${issue.maximum}`;
            if (issue.origin === "array" || issue.origin === "set") return `must have at most ${issue.maximum} item(s)`;
            if (issue.origin === "string") return `must have at most ${issue.maximum} characters`;
            return `must be at most ${issue.maximum}`;
        case "invalid_type":
            if (issue.input === undefined) return "is required";
            if (issue.expected === "int") return "must be a whole number";
            return `must be ${article(issue.expected)}`;
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
    return path
        .map((seg, i) => {
            const text = String(seg);
            if (/^[A-Za-z0-9_-]+$/.test(text)) return i === 0 ? text : `.${text}`;
            return `[${JSON.stringify(text)}]`;
        })
        .join("");
}

/** The known key a misspelt one most likely meant: same letters ignoring case, or at most two edits away. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
    const distance = (a: string, b: string): number => {
        const row = Array.from({ length: b.length + 1 }, (_, j) => j);
        for (let i = 1; i <= a.length; i++) {
            let prev = row[0]!;
            row[0] = i;
            for (let j = 1; j <= b.length; j++) {
                const tmp = row[j]!;
                row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
                prev = tmp;
            }
        }
        return row[b.length]!;
    };
    const scored = known
        .map((k) => ({ k, d: k.toLowerCase() === key.toLowerCase() ? 0 : distance(key.toLowerCase(), k.toLowerCase()) }))
        .filter(({ d }) => d <= Math.min(2, Math.floor(key.length / 3)))
        .sort((a, b) => a.d - b.d);
    return scored[0]?.k;
}

/**
 * Zod issues as problems, one per key: a whole number beyond 2^53 fails both the safe-integer check
 * and the key's own bound, and only the key's bound is worth reading.
 */
export function issueProblems(
    issues: readonly z.core.$ZodIssue[],
    opts: { readonly knownKeys?: (path: readonly string[]) => readonly string[] } = {},
): Problem[] {
    const pathKey = (i: z.core.$ZodIssue) => JSON.stringify(i.path.map(String));
    const hasNumericBound = new Set(
        issues.filter((i) => i.code === "too_big" && (i.origin === "number" || i.origin === "bigint")).map(pathKey),
    );
    return issues
        .filter((i) => !(i.code === "too_big" && i.origin === "int" && hasNumericBound.has(pathKey(i))))
        .flatMap((issue) => {
            // An unknown key is named itself, so the line starts with what the user wrote.
            if (issue.code === "unrecognized_keys") {
                const parent = issue.path.map(String);
                return issue.keys.map((k) => {
                    const near = closestKey(k, opts.knownKeys?.(parent) ?? []);
                    return problem(
                        [...parent, k],
                        `is not a known key: remove it or fix its spelling${near === undefined ? "" : ` (did you mean ${[...parent, near].join(".")}?)`}`,
                    );
                });
            }
            const path = issue.path.map(String);
            const missing = issue.code === "invalid_type" && issue.input === undefined;
            // A record key that fails is named by the path itself; its value is not the problem.
            const got = missing || issue.code === "invalid_key" ? undefined : issue.input;
            return [problem(path, describeIssue(issue), { got })];
        });
}
