/**
 * The environment and secret matrix (the guides' env tables), declared once: which variable reaches which process
 * (through the process's env groups in processes.ts), whether it is secret, and where its value
 * comes from. Components read it to build each process's env and Kubernetes Secret; the policy pack
 * reads it to know which names are secret; tests read it to assert scoping.
 *
 * Imports only types, so the policy pack can read it without the program's dependencies.
 */
import type { EnvGroup } from "./processes";

/**
 * Where a value comes from. The platform resolves each `ref` from one dictionary it builds from
 * validated config, the data tier and the stack's flags (wiring/processEnv.ts).
 */
export type EnvSource =
    /** A fixed value, the same on every stack. */
    | { readonly kind: "constant"; readonly value: string }
    /** Plain stack config (`ref` names the validated config field). */
    | { readonly kind: "config"; readonly ref: string }
    /** Encrypted stack config (`pulumi config set --secret`). */
    | { readonly kind: "configSecret"; readonly ref: string }
    /** Connection details produced by the data tier (always secret). */
    | { readonly kind: "data"; readonly ref: string }
    /** Derived from the stack's domain or flags. */
    | { readonly kind: "derived"; readonly ref: string };

export interface EnvVarSpec {
    readonly name: string;
    readonly group: EnvGroup;
    /** Secret values reach a process only through its own Kubernetes Secret. */
    readonly secret: boolean;
    readonly source: EnvSource;
    /** When true, a missing value is an error; otherwise the variable is left out. */
    readonly required: boolean;
}

const constant = (value: string): EnvSource => ({ kind: "constant", value });
const config = (ref: string): EnvSource => ({ kind: "config", ref });
const configSecret = (ref: string): EnvSource => ({ kind: "configSecret", ref });
const data = (ref: string): EnvSource => ({ kind: "data", ref });
const derived = (ref: string): EnvSource => ({ kind: "derived", ref });

export const envMatrix: readonly EnvVarSpec[] = [
    { name: "NODE_ENV", group: "runtime", secret: false, source: constant("production"), required: true },
    { name: "DATABASE_URL", group: "appDatabase", secret: true, source: data("appDatabaseUrl"), required: true },
    { name: "DATABASE_URL", group: "identityDatabase", secret: true, source: data("identityDatabaseUrl"), required: true },
    { name: "TASKS_DATABASE_URL", group: "tasksDatabase", secret: true, source: data("tasksDatabaseUrl"), required: true },
    { name: "TASKS_DATABASE_DIRECT_URL", group: "tasksDatabase", secret: true, source: data("tasksDatabaseDirectUrl"), required: true },
    { name: "REDIS_URL", group: "queue", secret: true, source: data("redisUrl"), required: true },
    { name: "QUEUE_REDIS_HOST", group: "queue", secret: true, source: data("redisHost"), required: true },
    { name: "QUEUE_REDIS_PORT", group: "queue", secret: true, source: data("redisPort"), required: true },
    { name: "QUEUE_REDIS_PASSWORD", group: "queue", secret: true, source: data("redisPassword"), required: true },
    { name: "QUEUE_REDIS_TLS", group: "queue", secret: true, source: data("redisTls"), required: true },
    // The cache's own Redis (evicting), never the queue's: flushing it must not touch BullMQ (issue 12).
    { name: "CACHE_REDIS_URL", group: "cache", secret: true, source: data("cacheRedisUrl"), required: true },
    { name: "SUPABASE_URL", group: "supabaseServer", secret: false, source: config("supabase.url"), required: false },
    { name: "SUPABASE_ANON_KEY", group: "supabaseServer", secret: false, source: config("supabase.anonKey"), required: false },
    {
        name: "SUPABASE_SERVICE_ROLE_KEY",
        group: "supabaseServiceRole",
        secret: true,
        source: configSecret("supabaseServiceRoleKey"),
        required: false,
    },
    { name: "NEXT_PUBLIC_SUPABASE_URL", group: "supabasePublic", secret: false, source: config("supabase.url"), required: false },
    { name: "NEXT_PUBLIC_SUPABASE_ANON_KEY", group: "supabasePublic", secret: false, source: config("supabase.anonKey"), required: false },
    { name: "IDENTITY_BASE_URL", group: "identityClient", secret: false, source: derived("identityUrl"), required: true },
    { name: "NEXT_PUBLIC_IDENTITY_BASE_URL", group: "identityClient", secret: false, source: derived("identityUrl"), required: true },
    { name: "IDENTITY_ISSUER", group: "identityServer", secret: false, source: derived("identityIssuer"), required: true },
    { name: "IDENTITY_COOKIE_DOMAIN", group: "identityServer", secret: false, source: derived("cookieDomain"), required: true },
    { name: "TRUST_PROXY", group: "identityServer", secret: false, source: constant("true"), required: true },
    { name: "TASKS_PRODUCT_SLUG", group: "identityServer", secret: false, source: config("identity.productSlug"), required: true },
    {
        name: "IDENTITY_JWT_PRIVATE_KEY",
        group: "identityJwt",
        secret: true,
        source: configSecret("identityJwtPrivateKey"),
        required: false,
    },
    { name: "IDENTITY_JWT_PUBLIC_KEY", group: "identityJwt", secret: false, source: config("identity.jwtPublicKey"), required: false },
    // Retired public keys during a rotation's overlap, concatenated PEM blocks (docs/secret-rotation.md).
    {
        name: "IDENTITY_JWT_PREVIOUS_PUBLIC_KEYS",
        group: "identityJwt",
        secret: false,
        source: config("identity.previousJwtPublicKeys"),
        required: false,
    },
    { name: "SECRET_MANAGER_PROVIDER", group: "secretManager", secret: false, source: derived("secretManagerProvider"), required: false },
    { name: "GENERIC_EXECUTOR_ENABLED", group: "executor", secret: false, source: derived("genericExecutorEnabled"), required: true },
    { name: "STRIPE_SECRET_KEY", group: "stripe", secret: true, source: configSecret("stripeSecretKey"), required: false },
    { name: "STRIPE_WEBHOOK_SECRET", group: "stripe", secret: true, source: configSecret("stripeWebhookSecret"), required: false },
    { name: "SENTRY_DSN", group: "observability", secret: false, source: config("sentryDsn"), required: false },
];

/**
 * OAuth client ids and secrets are open-ended (one pair per connector), so their names come from
 * config; they belong to the `oauth` group and these patterns decide which are secret.
 */
export const oauthClientIdPattern = /^[A-Z][A-Z0-9_]*_CLIENT_ID$/;
export const oauthClientSecretPattern = /^[A-Z][A-Z0-9_]*_CLIENT_SECRET$/;

/**
 * Names that are secret wherever they appear, for the policy pack: every secret row of the matrix,
 * plus anything that looks like a credential.
 */
export const secretEnvNames: readonly string[] = [...new Set(envMatrix.filter((v) => v.secret).map((v) => v.name))];
export const secretLookingName =
    /(SECRET|SECRET_KEY|PASSWORD|PASSWD|PRIVATE_KEY|SERVICE_ROLE_KEY|TOKEN|API_KEY|CREDENTIALS?|DATABASE(_[A-Z]+)*_URL|REDIS_URL)$/;

/** Whether a variable of this name must only ever come from a Secret. */
export function isSecretEnvName(name: string): boolean {
    return secretEnvNames.includes(name) || secretLookingName.test(name);
}

/** The only processes the guides let hold the Supabase service-role key. */
export const serviceRoleTrustedProcesses: readonly string[] = ["identity", "worker"];

/** The Supabase service-role key's variable: only trusted processes may hold it. */
export const serviceRoleKeyName = "SUPABASE_SERVICE_ROLE_KEY";
