/**
 * The floors the config rules hold every stack to, as data in one place: config/rules.ts reads the
 * values, docs/configuration.md quotes `floorTable` (a test checks it does), and each
 * error quotes the floor's `change` line so the operator knows the way out.
 *
 * The numbers are guardrail data (catalog/guardrails.ts: the data tier's floors, the public-replica
 * floor); this module holds the floors' rules and rows, and reads the numbers from there.
 */
import { environmentFloors, environments, type Environment } from "../catalog/guardrails";

/** The smallest autoscaler minimum of a process with a public host (catalog `publicHost`). */
export const publicProcessMinReplicas: Readonly<Record<Environment, number>> = Object.fromEntries(
    environments.map((e) => [e, environmentFloors[e].publicProcessMinReplicas]),
) as Record<Environment, number>;

/**
 * cert-manager ClusterIssuers. Where `environments` binds, the issuer must not match a denied
 * pattern (self-signed, CA-less or staging ACME issuers, whose certificates browsers reject), and
 * must be one of `allowed` or of the stack's `edge.trustedClusterIssuers`. Denied wins over allowed.
 */
export const clusterIssuerFloor = {
    environments: ["production"] as readonly Environment[],
    allowed: ["letsencrypt-production", "letsencrypt-prod", "letsencrypt"] as readonly string[],
    denied: [/self-?signed/i, /staging/i, /(^|[-_.])(test|fake|dev|local|snakeoil)([-_.]|$)/i] as readonly RegExp[],
};

/** Stacks whose public URLs (`supabase.url`, `sentryDsn`) must be https: they face the internet. */
export const httpsUrlEnvironments: readonly Environment[] = ["staging", "production"];

/** RS256 signing keys: RSA with at least this many bits (RFC 7518 §3.3). */
export const jwtRsaMinBits = 2048;

/**
 * Stack names that name an environment: a stack called (or containing the word) `prod` must say
 * `environment: production`. Compared word by word on `-`, `_` and `.`.
 */
export const stackNameEnvironments: Readonly<Record<Environment, readonly string[]>> = {
    local: ["local", "dev", "development"],
    staging: ["staging", "stage", "stg"],
    production: ["production", "prod", "prd", "live"],
};

/** Shortest `environmentMismatchReason` accepted: a sentence, not a checkbox. */
export const environmentMismatchReasonMinLength = 20;

/** One row per floor: the key an error names, where it binds, what it requires, how to change it. */
export interface Floor {
    readonly key: string;
    readonly environments: readonly Environment[] | "all";
    readonly rule: string;
    readonly change: string;
}

// The README quotes these rows word for word (test/config/floors.test.ts); publicProcessMinReplicas'
// number is read from catalog/guardrails.ts (environmentFloors), the row keeps the name operators know.
const editFloors = "edit config/floors.ts (reviewed like code); a stack file cannot lower it";

export const floorTable: readonly Floor[] = [
    {
        key: "services.<process>.autoscale.min",
        environments: ["production"],
        rule: `every process with a public host autoscales with min >= ${publicProcessMinReplicas.production}, so one pod's loss or rollout never takes a host down`,
        change: `${editFloors} (publicProcessMinReplicas)`,
    },
    {
        key: "edge.clusterIssuer",
        environments: clusterIssuerFloor.environments,
        rule: `a publicly trusted issuer: ${clusterIssuerFloor.allowed.join(", ")} or one listed in edge.trustedClusterIssuers; self-signed and staging issuers are refused`,
        change: "list your issuer in edge.trustedClusterIssuers; names that look self-signed or staging stay refused unless you edit clusterIssuerFloor in config/floors.ts",
    },
    {
        key: "supabase.url, sentryDsn",
        environments: httpsUrlEnvironments,
        rule: "https, without credentials in the URL",
        change: `${editFloors} (httpsUrlEnvironments)`,
    },
    {
        key: "identityJwtPrivateKey, identity.jwtPublicKey",
        environments: "all",
        rule: `an RSA private key of at least ${jwtRsaMinBits} bits (RS256), and its own public half`,
        change: `${editFloors} (jwtRsaMinBits)`,
    },
    {
        key: "supabase.anonKey",
        environments: "all",
        rule: "the project's anon (publishable) key, never the service-role key: it ships to every browser",
        change: "none: put the service-role key in supabaseServiceRoleKey with --secret",
    },
    {
        key: "services.<process>.resources",
        environments: "all",
        rule: "each request at most its limit",
        change: "none: Kubernetes refuses the workload otherwise, after AWS changes were applied",
    },
    {
        key: "edge.ingressClassName, edge.clusterIssuer, kubernetes.namespace, kubernetes.context, data.inCluster.storageClassName",
        environments: "all",
        rule: "Kubernetes names (DNS-1123); a context name without surrounding whitespace",
        change: "none: the cluster refuses other names",
    },
    {
        key: "data.aws.privateSubnetIds",
        environments: "all",
        rule: "no subnet listed twice",
        change: "none: RDS and ElastiCache subnet groups refuse duplicates",
    },
    {
        key: "data.aws.clusterOidcProviderArn, kubernetes.context",
        environments: "all",
        rule: "the region and partition of the OIDC provider ARN (and of an EKS context ARN) match data.aws.region",
        change: "none: fix the region or the ARN",
    },
    {
        key: "environment",
        environments: "all",
        rule: "agrees with the stack's name (Pulumi.production.yaml says production)",
        change: `set environmentMismatchReason to a sentence (>= ${environmentMismatchReasonMinLength} characters) saying why this stack differs`,
    },
];

/** The floor row guarding `key`, for error messages. */
export function floorFor(key: string): Floor {
    const row = floorTable.find((f) => f.key.split(", ").includes(key));
    if (row === undefined) throw new Error(`no floor row for ${key}`);
    return row;
}
