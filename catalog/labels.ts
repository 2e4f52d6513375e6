/**
 * Label and annotation keys shared by the program, the policy pack and the tests. The policy pack
 * recognises workloads by these labels (and by their env and images), never by resource names.
 */
export const labelKeys = {
    /** The catalog name of the process a workload runs (`web`, `worker`, ...). */
    process: "grownext.io/process",
    /** `singleton`, `horizontal` or `autoscaled`, from the catalog. */
    scaling: "grownext.io/scaling",
    name: "app.kubernetes.io/name",
    partOf: "app.kubernetes.io/part-of",
    component: "app.kubernetes.io/component",
    managedBy: "app.kubernetes.io/managed-by",
    /**
     * `queue` or `cache`: what a Redis is for, as a Kubernetes label and an AWS tag. The redis-noeviction
     * policy tells the two apart by it (never by name); an unlabelled Redis is held to the queue's rule.
     */
    redisRole: "grownext.io/redis-role",
} as const;

export const partOf = "grownext";

/**
 * The post-deploy smoke probe Command carries this key in its `environment`, naming the probe suite;
 * the stack policy finds the probe by it.
 */
export const smokeProbeMarker = "GROWNEXT_PROBE_SUITE";

/**
 * The AWS tag that says what a Secrets Manager secret holds. A secret tagged
 * `secretKindTag: databaseCredentialsKind` holds database `username`/`password` that AWS's
 * alternating-users function rotates. The secrets-rotate policy requires every secret the program
 * declares to rotate, except one tagged `issuedKind` (the RDS-managed master secrets are
 * database-credentials-rotate's: RDS names and tags them itself).
 */
export const secretKindTag = "grownext.io/secret-kind";
export const databaseCredentialsKind = "database-credentials";
/**
 * Values a third party issues and only it can replace (Stripe's keys and webhook secret, Supabase's
 * service-role key, the OAuth providers' client secrets): they rotate at the issuer, by the runbooks
 * in docs/secret-rotation.md, and reach Secrets Manager through `pulumi up`. The one kind of secret
 * without an automatic rotation, and the only one AWS FSBP SecretsManager.1 flags.
 */
export const issuedKind = "issued";
/** A secret holding an ElastiCache group's auth token (`password`), rotated by our own function (components/data/aws/redisAuthToken.ts). */
export const redisAuthTokenKind = "redis-auth-token";
/** identity's JWT signing keys (components/data/aws/jwtSigningKey.ts), rotated by a function of our own. */
export const jwtSigningKeyKind = "jwt-signing-key";
