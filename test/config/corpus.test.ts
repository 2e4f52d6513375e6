/**
 * The bad-config corpus: every key of the schema, wrong in the ways a person or an attacker would
 * get it wrong. Each case is refused with the key the user wrote named at the start of a problem
 * line, or accepted with its reason next to it. Every value a case sets carries a unique marker
 * where it can hold one and is stored with --secret (unless the case is about plaintext storage),
 * so no marker, and no set value, may appear anywhere in the output.
 *
 * Property-based checks follow: markers in every key, stored encrypted, in any invalid shape;
 * credential keys stored in plaintext; secret-looking content under keys that are not secret.
 */
import * as assert from "assert";
import * as crypto from "crypto";
import fc from "fast-check";
import { awsLimits, hstsMaxAgeBounds, probeDeadlineBounds } from "../../catalog/guardrails";
import { ConfigError } from "../../config/errors";
import { leafKeyPatterns } from "../../config/keys";
import { validateConfig } from "../../config/load";
import { fakeStripe, stackValues, testKeyPair } from "../../sandbox/stacks";

type Stack = "local" | "staging" | "production";

interface Case {
    /** What is wrong (refused) or why it is fine (accepted), one line. */
    readonly why: string;
    readonly stack: Stack;
    /** The Pulumi stack name, when it differs from `stack`. */
    readonly stackName?: string;
    /** Dotted key path → value (undefined deletes); `@M` inside a string becomes the case's marker. */
    readonly set: Readonly<Record<string, unknown>>;
    /** Paths stored in plaintext (`true`: every set path); by default every set path is stored with --secret. */
    readonly plaintext?: true | readonly string[];
    /** Further paths stored with --secret. */
    readonly encrypted?: readonly string[];
    /** The key the refusal must name, or undefined when the case is accepted. */
    readonly refused?: string;
    /** The reason an accepted case is right. */
    readonly accepted?: string;
}

// ---- Values built at run time: no key-shaped literal in the repository. ----
const rsa = (bits: number) =>
    crypto.generateKeyPairSync("rsa", {
        modulusLength: bits,
        privateKeyEncoding: { type: "pkcs8", format: "pem" },
        publicKeyEncoding: { type: "spki", format: "pem" },
    });
let keysCache: ReturnType<typeof makeKeys> | undefined;
function makeKeys() {
    const own = testKeyPair();
    const ownObject = crypto.createPrivateKey(own.privateKey);
    return {
        own,
        other: rsa(2048),
        small: rsa(1024),
        ec: crypto.generateKeyPairSync("ec", {
            namedCurve: "P-256",
            privateKeyEncoding: { type: "pkcs8", format: "pem" },
            publicKeyEncoding: { type: "spki", format: "pem" },
        }),
        ed: crypto.generateKeyPairSync("ed25519", {
            privateKeyEncoding: { type: "pkcs8", format: "pem" },
            publicKeyEncoding: { type: "spki", format: "pem" },
        }),
        encrypted: ownObject.export({
            type: "pkcs8",
            format: "pem",
            cipher: "aes-256-cbc",
            passphrase: crypto.randomBytes(8).toString("hex"),
        }) as string,
        pkcs1Private: ownObject.export({ type: "pkcs1", format: "pem" }) as string,
        pkcs1Public: crypto.createPublicKey(ownObject).export({ type: "pkcs1", format: "pem" }) as string,
    };
}
const keys = () => (keysCache ??= makeKeys());
const armour = (label: string, body: string) => [`-----BEGIN ${label}-----`, body, `-----END ${label}-----`].join("\n");
const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
const jwt = (claims: object) => [b64url({ alg: "HS256", typ: "JWT" }), b64url(claims), "c2ln"].join(".");
const kubeconfig = (user: object) =>
    [
        "apiVersion: v1",
        "kind: Config",
        "clusters: [{ name: c, cluster: { server: 'https://k.example.com' } }]",
        `users: [{ name: u, user: ${JSON.stringify(user)} }]`,
        "contexts: [{ name: x, context: { cluster: c, user: u } }]",
        "current-context: x",
    ].join("\n");
const stagingArn = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";

/** Cases whose values need keys: built lazily, when the suite runs. */
function semanticCases(): Case[] {
    const k = keys();
    return [
        // ---- environment and the stack's name ----
        { why: "an environment that does not exist", stack: "local", set: { environment: "prod@M" }, refused: "environment" },
        {
            why: "a staging stack file inside Pulumi.production.yaml",
            stack: "staging",
            stackName: "production",
            set: { domain: "staging.example.com" },
            refused: "environment",
        },
        {
            why: "a staging file in a stack named prod-eu",
            stack: "staging",
            stackName: "prod-eu",
            set: { domain: "staging.example.com" },
            refused: "environment",
        },
        {
            why: "a production file in a stack named dev",
            stack: "production",
            stackName: "dev",
            set: { domain: "example.com" },
            refused: "environment",
        },
        {
            why: "an override reason that is not a sentence",
            stack: "staging",
            stackName: "production",
            set: { environmentMismatchReason: "ok @M" },
            refused: "environmentMismatchReason",
        },
        {
            why: "an override reason that is whitespace",
            stack: "local",
            set: { environmentMismatchReason: "                         " },
            refused: "environmentMismatchReason",
        },
        // ---- domain ----
        { why: "a domain with spaces and capitals", stack: "local", set: { domain: "Bad Domain @M" }, refused: "domain" },
        { why: "a domain label over 63 characters", stack: "local", set: { domain: `${"a".repeat(60)}@M.example.com` }, refused: "domain" },
        {
            why: "a domain too long to put hosts under",
            stack: "local",
            set: { domain: `@M.${Array.from({ length: 4 }, () => "b".repeat(60)).join(".")}.com` },
            refused: "domain",
        },
        { why: "a bare hostname as domain", stack: "local", set: { domain: "localhost@M" }, refused: "domain" },
        // ---- kubernetes ----
        {
            why: "a namespace that is not a DNS label",
            stack: "local",
            set: { "kubernetes.namespace": "Grown Ext@M" },
            refused: "kubernetes.namespace",
        },
        {
            why: "a namespace over 63 characters",
            stack: "local",
            set: { "kubernetes.namespace": `${"n".repeat(60)}@M` },
            refused: "kubernetes.namespace",
        },
        { why: "a context that is whitespace", stack: "staging", set: { "kubernetes.context": "   " }, refused: "kubernetes.context" },
        { why: "a context with a leading space", stack: "staging", set: { "kubernetes.context": " @M" }, refused: "kubernetes.context" },
        {
            why: "a context with a control character",
            stack: "staging",
            set: { "kubernetes.context": "a\t@M" },
            refused: "kubernetes.context",
        },
        { why: "an empty context", stack: "staging", set: { "kubernetes.context": "" }, refused: "kubernetes.context" },
        { why: "an empty kubeconfig", stack: "local", set: { "kubernetes.kubeconfig": "" }, refused: "kubernetes.kubeconfig" },
        {
            why: "an inline kubeconfig with a token, in plaintext",
            stack: "staging",
            set: { "kubernetes.context": undefined, "kubernetes.kubeconfig": kubeconfig({ token: "@M" }) },
            plaintext: true,
            refused: "kubernetes.kubeconfig",
        },
        {
            why: "an inline kubeconfig with a client key, in plaintext",
            stack: "staging",
            set: { "kubernetes.context": undefined, "kubernetes.kubeconfig": kubeconfig({ "client-key-data": "@M" }) },
            plaintext: true,
            refused: "kubernetes.kubeconfig",
        },
        {
            why: "an inline kubeconfig with a password, in plaintext",
            stack: "production",
            set: { "kubernetes.context": undefined, "kubernetes.kubeconfig": kubeconfig({ username: "admin", password: "@M" }) },
            plaintext: true,
            refused: "kubernetes.kubeconfig",
        },
        {
            why: "an inline kubeconfig with an OIDC refresh token, in plaintext",
            stack: "staging",
            set: {
                "kubernetes.context": undefined,
                "kubernetes.kubeconfig": kubeconfig({ "auth-provider": { name: "oidc", config: { "refresh-token": "@M" } } }),
            },
            plaintext: true,
            refused: "kubernetes.kubeconfig",
        },
        {
            why: "an inline kubeconfig as JSON with a token, in plaintext",
            stack: "staging",
            set: {
                "kubernetes.context": undefined,
                "kubernetes.kubeconfig": JSON.stringify({ apiVersion: "v1", users: [{ name: "u", user: { token: "@M" } }] }),
            },
            plaintext: true,
            refused: "kubernetes.kubeconfig",
        },
        {
            why: "an inline kubeconfig that is not YAML",
            stack: "staging",
            set: { "kubernetes.context": undefined, "kubernetes.kubeconfig": "apiVersion: v1\n  - : [@M" },
            refused: "kubernetes.kubeconfig",
        },
        {
            why: "both a context and a kubeconfig",
            stack: "staging",
            set: { "kubernetes.kubeconfig": "/home/ci/.kube/@M" },
            refused: "kubernetes.kubeconfig",
        },
        {
            why: "a render directory on staging",
            stack: "staging",
            set: { "kubernetes.renderDirectory": "out/@M" },
            refused: "kubernetes.renderDirectory",
        },
        { why: "staging without a cluster", stack: "staging", set: { "kubernetes.context": undefined }, refused: "kubernetes.context" },
        {
            why: "an EKS context in another region",
            stack: "staging",
            set: { "kubernetes.context": "arn:aws:eks:us-west-2:123456789012:cluster/grownext-@M" },
            refused: "kubernetes.context",
        },
        {
            why: "an EKS context in another account",
            stack: "staging",
            set: { "kubernetes.context": "arn:aws:eks:eu-west-1:999999999999:cluster/grownext-@M" },
            refused: "kubernetes.context",
        },
        { why: "an unknown kubernetes key", stack: "local", set: { "kubernetes.contxt": "kind-@M" }, refused: "kubernetes.contxt" },
        // ---- data ----
        {
            why: "in-cluster data stores in production",
            stack: "production",
            set: {
                "data.provider": "inCluster",
                "data.aws": undefined,
                "data.postgres": undefined,
                "data.redis": undefined,
                "data.kms": undefined,
            },
            refused: "data.provider",
        },
        { why: "a data provider that does not exist", stack: "local", set: { "data.provider": "gcp@M" }, refused: "data.provider" },
        {
            why: "in-cluster data stores on staging",
            stack: "staging",
            set: {
                "data.provider": "inCluster",
                "data.aws": undefined,
                "data.postgres": undefined,
                "data.redis": undefined,
                "data.kms": undefined,
            },
            refused: "data.provider",
        },
        { why: "AWS data stores without their network", stack: "staging", set: { "data.aws": undefined }, refused: "data.aws" },
        { why: "a region that is not one", stack: "staging", set: { "data.aws.region": "eu-west@M" }, refused: "data.aws.region" },
        {
            why: "a region that contradicts the OIDC provider ARN",
            stack: "staging",
            set: { "data.aws.region": "us-east-1" },
            refused: "data.aws.clusterOidcProviderArn",
        },
        {
            why: "an ARN partition that contradicts the region",
            stack: "staging",
            set: { "data.aws.clusterOidcProviderArn": stagingArn.replace("arn:aws:", "arn:aws-cn:") },
            refused: "data.aws.clusterOidcProviderArn",
        },
        { why: "a VPC id that is not one", stack: "staging", set: { "data.aws.vpcId": "vpc-@M" }, refused: "data.aws.vpcId" },
        {
            why: "the same subnet twice",
            stack: "staging",
            set: { "data.aws.privateSubnetIds": ["subnet-0fedcba987654321a", "subnet-0fedcba987654321a"] },
            refused: "data.aws.privateSubnetIds.1",
        },
        {
            why: "a subnet repeated among three",
            stack: "production",
            set: { "data.aws.privateSubnetIds": ["subnet-0fedcba987654321a", "subnet-1fedcba987654321a", "subnet-0fedcba987654321a"] },
            refused: "data.aws.privateSubnetIds.2",
        },
        {
            why: "a single subnet",
            stack: "staging",
            set: { "data.aws.privateSubnetIds": ["subnet-0fedcba987654321a"] },
            refused: "data.aws.privateSubnetIds",
        },
        {
            why: "a subnet id that is not one",
            stack: "staging",
            set: { "data.aws.privateSubnetIds": ["subnet-@M", "subnet-1a2b3c4d5e6f70819"] },
            refused: "data.aws.privateSubnetIds.0",
        },
        {
            why: "a security group id that is not one",
            stack: "staging",
            set: { "data.aws.clusterSecurityGroupId": "sg@M" },
            refused: "data.aws.clusterSecurityGroupId",
        },
        {
            why: "an OIDC provider ARN that is not one",
            stack: "staging",
            set: { "data.aws.clusterOidcProviderArn": "arn:@M" },
            refused: "data.aws.clusterOidcProviderArn",
        },
        {
            why: "an RDS class that is not one",
            stack: "staging",
            set: { "data.postgres.instanceClass": "m5.large@M" },
            refused: "data.postgres.instanceClass",
        },
        {
            why: "PostgreSQL older than 16",
            stack: "staging",
            set: { "data.postgres.engineVersion": "15.4" },
            refused: "data.postgres.engineVersion",
        },
        {
            why: "a week of PITR in production",
            stack: "production",
            set: { "data.postgres.backupRetentionDays": 7 },
            refused: "data.postgres.backupRetentionDays",
        },
        {
            why: "three days of PITR in staging",
            stack: "staging",
            set: { "data.postgres.backupRetentionDays": 3 },
            refused: "data.postgres.backupRetentionDays",
        },
        {
            why: "a single-AZ database in production",
            stack: "production",
            set: { "data.postgres.multiAz": false },
            refused: "data.postgres.multiAz",
        },
        {
            why: "a deletable database in production",
            stack: "production",
            set: { "data.postgres.deletionProtection": false },
            refused: "data.postgres.deletionProtection",
        },
        {
            why: "no final snapshot in production",
            stack: "production",
            set: { "data.postgres.skipFinalSnapshot": true },
            refused: "data.postgres.skipFinalSnapshot",
        },
        {
            why: "a storage ceiling under the allocation",
            stack: "staging",
            set: { "data.postgres.allocatedStorage": 300, "data.postgres.maxAllocatedStorage": 200 },
            refused: "data.postgres.maxAllocatedStorage",
        },
        {
            why: "an allocation above the default storage ceiling",
            stack: "staging",
            set: { "data.postgres.allocatedStorage": 500 },
            refused: "data.postgres.allocatedStorage",
        },
        {
            why: "an enhanced-monitoring interval AWS does not offer",
            stack: "staging",
            set: { "data.postgres.monitoringIntervalSeconds": 2 },
            refused: "data.postgres.monitoringIntervalSeconds",
        },
        {
            why: "production's app database without its RDS Proxy",
            stack: "production",
            set: { "data.postgres.proxy.enabled": false },
            refused: "data.postgres.proxy.enabled",
        },
        {
            why: "a proxy switch that is not a boolean",
            stack: "staging",
            set: { "data.postgres.proxy.enabled": "yes@M" },
            refused: "data.postgres.proxy.enabled",
        },
        {
            why: "a proxy share that leaves no reserve for migrations and operators (99% of 901 > 883)",
            stack: "production",
            set: { "data.postgres.proxy.maxConnectionsPercent": 99 },
            plaintext: true,
            refused: "data.postgres.proxy.maxConnectionsPercent",
        },
        {
            why: "an idle share above the proxy's whole share",
            stack: "staging",
            set: { "data.postgres.proxy": { enabled: true, maxConnectionsPercent: 40, maxIdleConnectionsPercent: 60 } },
            refused: "data.postgres.proxy.maxIdleConnectionsPercent",
        },
        {
            why: "a proxy setting the proxy does not have",
            stack: "staging",
            set: { "data.postgres.proxy.poolMode": "transaction@M" },
            refused: "data.postgres.proxy.poolMode",
        },
        { why: "a proxy on the in-cluster stack", stack: "local", set: { "data.postgres.proxy.enabled": true }, refused: "data.postgres" },
        {
            why: "an ESO refresh interval that is not a duration",
            stack: "staging",
            set: { "rotation.refreshInterval": "hourly@M" },
            refused: "rotation.refreshInterval",
        },
        {
            why: "a zero ESO refresh interval (never re-read)",
            stack: "production",
            set: { "rotation.refreshInterval": "0h" },
            refused: "rotation.refreshInterval",
        },
        {
            why: "a zero refresh of the rotated database credentials",
            stack: "production",
            set: { "rotation.credentialsRefreshInterval": "0m" },
            refused: "rotation.credentialsRefreshInterval",
        },
        {
            why: "the retired master-password keeper: RDS manages and rotates the master password now",
            stack: "production",
            set: { "data.postgres.passwordVersion": 2 },
            refused: "data.postgres.passwordVersion",
        },
        {
            why: "the retired master-password keeper on staging, at its old default",
            stack: "staging",
            set: { "data.postgres.passwordVersion": 1 },
            refused: "data.postgres.passwordVersion",
        },
        {
            why: "database rotation less often than every 90 days",
            stack: "production",
            set: { "rotation.databaseRotationDays": 120 },
            refused: "rotation.databaseRotationDays",
        },
        {
            why: "Redis auth token rotation less often than every 90 days",
            stack: "production",
            set: { "rotation.redisRotationDays": 120 },
            refused: "rotation.redisRotationDays",
        },
        {
            why: "the Redis token keeper on an AWS stack: the auth tokens rotate by themselves there",
            stack: "production",
            set: { "data.redis.authTokenVersion": 2 },
            refused: "data.redis.authTokenVersion",
        },
        {
            why: "the Redis token keeper on staging, at its old default",
            stack: "staging",
            set: { "data.redis.authTokenVersion": 1 },
            refused: "data.redis.authTokenVersion",
        },
        {
            why: "JWT signing key rotation less often than every 90 days",
            stack: "production",
            set: { "rotation.jwtRotationDays": 180 },
            refused: "rotation.jwtRotationDays",
        },
        {
            why: "a cache node type that is not one",
            stack: "staging",
            set: { "data.redis.nodeType": "t4g.small@M" },
            refused: "data.redis.nodeType",
        },
        {
            why: "a cache engine that is not offered",
            stack: "staging",
            set: { "data.redis.engine": "memcached" },
            refused: "data.redis.engine",
        },
        { why: "valkey older than 7.2", stack: "staging", set: { "data.redis.engineVersion": "7.0" }, refused: "data.redis.engineVersion" },
        {
            why: "redis other than 7.x",
            stack: "staging",
            set: { "data.redis.engine": "redis", "data.redis.engineVersion": "6.2" },
            refused: "data.redis.engineVersion",
        },
        {
            why: "an engine version that is not major.minor",
            stack: "staging",
            set: { "data.redis.engineVersion": "seven@M" },
            refused: "data.redis.engineVersion",
        },
        {
            why: "a cache without failover in production",
            stack: "production",
            set: { "data.redis.multiAz": false },
            refused: "data.redis.multiAz",
        },
        {
            why: "one day of cache snapshots in production",
            stack: "production",
            set: { "data.redis.snapshotRetentionLimit": 1 },
            refused: "data.redis.snapshotRetentionLimit",
        },
        {
            why: "an in-cluster memory ceiling on AWS",
            stack: "staging",
            set: { "data.redis.maxmemory": "1gb" },
            refused: "data.redis.maxmemory",
        },
        {
            why: "a memory ceiling that is not a size",
            stack: "local",
            set: { "data.redis.maxmemory": "lots@M" },
            refused: "data.redis.maxmemory",
        },
        {
            why: "an ElastiCache node type on the in-cluster stack",
            stack: "local",
            set: { "data.redis.nodeType": "cache.t4g.micro" },
            refused: "data.redis.nodeType",
        },
        {
            why: "an eviction policy: noeviction is not a setting",
            stack: "staging",
            set: { "data.redis.maxmemoryPolicy": "allkeys-lru@M" },
            refused: "data.redis.maxmemoryPolicy",
        },
        {
            why: "in-cluster settings on an AWS stack",
            stack: "staging",
            set: { "data.inCluster.storageSize": "5Gi" },
            refused: "data.inCluster",
        },
        {
            why: "a storage size in the wrong unit",
            stack: "local",
            set: { "data.inCluster.storageSize": "2GB@M" },
            refused: "data.inCluster.storageSize",
        },
        {
            why: "a storage class that is not a Kubernetes name",
            stack: "local",
            set: { "data.inCluster.storageClassName": "Fast SSD@M" },
            refused: "data.inCluster.storageClassName",
        },
        {
            why: "an in-cluster Postgres image on latest",
            stack: "local",
            set: { "data.inCluster.postgresImage": "postgres:latest" },
            refused: "data.inCluster.postgresImage",
        },
        {
            why: "an untagged in-cluster Redis image",
            stack: "local",
            set: { "data.inCluster.redisImage": "redis" },
            refused: "data.inCluster.redisImage",
        },
        {
            why: "a seven-day KMS deletion window in production",
            stack: "production",
            set: { "data.kms.deletionWindowDays": 7 },
            refused: "data.kms.deletionWindowDays",
        },
        {
            why: "RDS settings on the in-cluster stack",
            stack: "local",
            set: { "data.postgres.instanceClass": "db.t4g.micro" },
            refused: "data.postgres",
        },
        { why: "KMS settings on the in-cluster stack", stack: "local", set: { "data.kms.rotationPeriodDays": 365 }, refused: "data.kms" },
        // ---- images ----
        { why: "an app image on latest", stack: "local", set: { "images.app": "ghcr.io/grownext/app:latest" }, refused: "images.app" },
        { why: "an untagged portal image", stack: "local", set: { "images.portal": "ghcr.io/grownext/portal" }, refused: "images.portal" },
        { why: "a missing identity image", stack: "local", set: { "images.identity": undefined }, refused: "images.identity" },
        {
            why: "an image reference with spaces",
            stack: "local",
            set: { "images.app": "ghcr.io/grownext/app:1.0 @M" },
            refused: "images.app",
        },
        {
            why: "an image name that is not lower-case",
            stack: "local",
            set: { "images.App": "ghcr.io/grownext/app:1.0.0" },
            refused: "images.App",
        },
        // ---- services ----
        {
            why: "a process that is not in the catalog",
            stack: "local",
            set: { "services.admin": { replicas: 1 } },
            refused: "services.admin",
        },
        {
            why: "replicas on a singleton",
            stack: "local",
            set: { "services.scheduler.replicas": 2 },
            refused: "services.scheduler.replicas",
        },
        {
            why: "an autoscaler on a singleton",
            stack: "local",
            set: { "services.timers.autoscale": { min: 1, max: 2 } },
            refused: "services.timers.autoscale",
        },
        {
            why: "an autoscaler on the other singleton",
            stack: "production",
            set: { "services.encryption-rotation.autoscale": { min: 2, max: 4 } },
            refused: "services.encryption-rotation.autoscale",
        },
        { why: "replicas on an autoscaled process", stack: "local", set: { "services.web.replicas": 3 }, refused: "services.web.replicas" },
        {
            why: "an autoscaler on a horizontal process",
            stack: "local",
            set: { "services.worker.autoscale": { min: 1, max: 3 } },
            refused: "services.worker.autoscale",
        },
        {
            why: "a liveness command on an HTTP process",
            stack: "local",
            set: { "services.web.livenessCommand": ["node", "@M.js"] },
            refused: "services.web.livenessCommand",
        },
        {
            why: "a disabled process in production",
            stack: "production",
            set: { "services.worker.enabled": false },
            refused: "services.worker.enabled",
        },
        {
            why: "web autoscaled 1..1 in production",
            stack: "production",
            set: { "services.web.autoscale": { min: 1, max: 1 } },
            refused: "services.web.autoscale.min",
        },
        {
            why: "identity autoscaled from 1 in production",
            stack: "production",
            set: { "services.identity.autoscale": { min: 1, max: 4 } },
            refused: "services.identity.autoscale.min",
        },
        {
            why: "portal autoscaled from 1 in production",
            stack: "production",
            set: { "services.portal.autoscale": { min: 1, max: 4 } },
            refused: "services.portal.autoscale.min",
        },
        {
            why: "an autoscaler whose max is under its min",
            stack: "local",
            set: { "services.web.autoscale": { min: 3, max: 2 } },
            refused: "services.web.autoscale.max",
        },
        {
            why: "an autoscaler without max",
            stack: "local",
            set: { "services.web.autoscale": { min: 1 } },
            refused: "services.web.autoscale.max",
        },
        {
            why: "a cpu request above its limit",
            stack: "staging",
            set: { "services.web.resources": { requests: { cpu: "2", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } } },
            refused: "services.web.resources.requests.cpu",
        },
        {
            why: "a memory request above its limit",
            stack: "production",
            set: { "services.worker.resources": { requests: { cpu: "250m", memory: "2Gi" }, limits: { cpu: "1", memory: "1Gi" } } },
            refused: "services.worker.resources.requests.memory",
        },
        {
            why: "a memory request above its limit across units",
            stack: "local",
            set: { "services.portal.resources": { requests: { cpu: "100m", memory: "1G" }, limits: { cpu: "1", memory: "512Mi" } } },
            refused: "services.portal.resources.requests.memory",
        },
        {
            why: "a cpu quantity in bytes",
            stack: "local",
            set: { "services.web.resources": { requests: { cpu: "512Mi", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } } },
            refused: "services.web.resources.requests.cpu",
        },
        {
            why: "a memory quantity in millibytes",
            stack: "local",
            set: { "services.web.resources": { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "500m" } } },
            refused: "services.web.resources.limits.memory",
        },
        {
            why: "a quantity that is not one",
            stack: "local",
            set: { "services.web.resources": { requests: { cpu: "lots@M", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } } },
            refused: "services.web.resources.requests.cpu",
        },
        {
            why: "resources without limits",
            stack: "local",
            set: { "services.web.resources": { requests: { cpu: "100m", memory: "256Mi" } } },
            refused: "services.web.resources.limits",
        },
        {
            why: "an empty liveness command",
            stack: "local",
            set: { "services.worker.livenessCommand": [] },
            refused: "services.worker.livenessCommand",
        },
        {
            why: "an empty word in a liveness command",
            stack: "local",
            set: { "services.worker.livenessCommand": ["node", ""] },
            refused: "services.worker.livenessCommand.1",
        },
        { why: "a misspelt service key", stack: "local", set: { "services.web.replica": 2 }, refused: "services.web.replica" },
        {
            why: "a web pool that overruns the in-cluster app database's connections",
            stack: "local",
            set: { "services.web.databasePoolSize": 50 },
            refused: "services.web.databasePoolSize",
        },
        {
            why: "identity scaled past the identity database's connections",
            stack: "staging",
            set: { "services.identity.autoscale": { min: 1, max: 100 } },
            refused: "services.identity.autoscale.max",
        },
        {
            why: "a service name that is not a DNS label",
            stack: "local",
            set: { "services.Web": { enabled: true } },
            refused: "services.Web",
        },
        // ---- services.<process>.env and .secretEnv (config/processEnv.ts) ----
        {
            why: "an API key as plain env",
            stack: "local",
            set: { "services.web.env.OPENAI_API_KEY": "@M" },
            plaintext: true,
            refused: "services.web.env.OPENAI_API_KEY",
        },
        {
            why: "a plain env value stored with --secret",
            stack: "local",
            set: { "services.web.env.CONCIERGE_DISABLED": "@M" },
            refused: "services.web.env.CONCIERGE_DISABLED",
        },
        {
            why: "a URL with credentials as plain env",
            stack: "local",
            set: { "services.web.env.REPORTS_URL": "https://u:@M@reports.example.com" },
            plaintext: true,
            refused: "services.web.env.REPORTS_URL",
        },
        {
            why: "the catalog's NODE_ENV overridden",
            stack: "local",
            set: { "services.portal.env.NODE_ENV": "development" },
            plaintext: true,
            refused: "services.portal.env.NODE_ENV",
        },
        {
            why: "the service-role key given to web",
            stack: "staging",
            set: { "services.web.secretEnv.SUPABASE_SERVICE_ROLE_KEY": "@M-service-role" },
            refused: "services.web.secretEnv.SUPABASE_SERVICE_ROLE_KEY",
        },
        {
            why: "a secret published as NEXT_PUBLIC_",
            stack: "local",
            set: { "services.portal.secretEnv.NEXT_PUBLIC_ANALYTICS_KEY": "@M" },
            refused: "services.portal.secretEnv.NEXT_PUBLIC_ANALYTICS_KEY",
        },
        {
            why: "an API key in secretEnv stored in plaintext",
            stack: "local",
            set: { "services.web.secretEnv.OPENAI_API_KEY": "@M" },
            plaintext: true,
            refused: "services.web.secretEnv.OPENAI_API_KEY",
        },
        {
            why: "the catalog's STRIPE_SECRET_KEY given to the worker",
            stack: "local",
            set: { "services.worker.secretEnv.STRIPE_SECRET_KEY": "@M" },
            refused: "services.worker.secretEnv.STRIPE_SECRET_KEY",
        },
        {
            why: "an env name in lower case",
            stack: "local",
            set: { "services.web.env.kill_switch": "true" },
            plaintext: true,
            refused: "services.web.env.kill_switch",
        },
        {
            why: "a cache hit-rate threshold above 99%",
            stack: "staging",
            set: { "monitoring.thresholds.redis.cacheHitRatePercent": 100 },
            refused: "monitoring.thresholds.redis.cacheHitRatePercent",
        },
        // ---- edge ----
        {
            why: "an ingress class that is not a DNS name",
            stack: "staging",
            set: { "edge.ingressClassName": "Nginx Public@M" },
            refused: "edge.ingressClassName",
        },
        { why: "an empty ingress class", stack: "local", set: { "edge.ingressClassName": "" }, refused: "edge.ingressClassName" },
        {
            why: "a self-signed issuer in production",
            stack: "production",
            set: { "edge.clusterIssuer": "selfsigned" },
            refused: "edge.clusterIssuer",
        },
        {
            why: "a staging ACME issuer in production",
            stack: "production",
            set: { "edge.clusterIssuer": "letsencrypt-staging" },
            refused: "edge.clusterIssuer",
        },
        {
            why: "a self-signed issuer listed as trusted in production",
            stack: "production",
            set: { "edge.clusterIssuer": "self-signed-ca", "edge.trustedClusterIssuers": ["self-signed-ca"] },
            refused: "edge.clusterIssuer",
        },
        {
            why: "an unknown issuer in production",
            stack: "production",
            set: { "edge.clusterIssuer": "my-ca-issuer" },
            refused: "edge.clusterIssuer",
        },
        {
            why: "an issuer name that is not a Kubernetes name",
            stack: "local",
            set: { "edge.clusterIssuer": "Lets Encrypt@M" },
            refused: "edge.clusterIssuer",
        },
        {
            why: "a trusted issuer that is not a Kubernetes name",
            stack: "local",
            set: { "edge.trustedClusterIssuers": ["Bad Name@M"] },
            refused: "edge.trustedClusterIssuers.0",
        },
        {
            why: "a staging issuer listed as trusted in production",
            stack: "production",
            set: { "edge.trustedClusterIssuers": ["acme-staging"] },
            refused: "edge.trustedClusterIssuers.0",
        },
        { why: "a misspelt edge key", stack: "local", set: { "edge.hsts": 31536000 }, refused: "edge.hsts" },
        // ---- dns ----
        { why: "a DNS provider that does not exist", stack: "staging", set: { "dns.provider": "cloudflare@M" }, refused: "dns.provider" },
        {
            why: "route53 without the domain's hosted zone",
            stack: "staging",
            set: { "dns.hostedZoneId": undefined },
            refused: "dns.hostedZoneId",
        },
        {
            why: "route53 on a stack without an AWS account",
            stack: "local",
            set: { "dns.provider": "route53", "dns.hostedZoneId": "Z0LOCALZONE" },
            refused: "dns.provider",
        },
        {
            why: "a hosted zone id that is not one",
            stack: "production",
            set: { "dns.hostedZoneId": "zone-@M" },
            refused: "dns.hostedZoneId",
        },
        {
            why: "a hosted zone set while external-dns writes the records",
            stack: "staging",
            set: { "dns.provider": "externalDns", "dns.loadBalancerZoneId": undefined },
            refused: "dns.hostedZoneId",
        },
        {
            why: "a load balancer hostname that is not a DNS name",
            stack: "staging",
            set: { "dns.loadBalancerHostname": "Edge LB@M" },
            refused: "dns.loadBalancerHostname",
        },
        {
            why: "a load balancer zone that is not a zone id",
            stack: "production",
            set: { "dns.loadBalancerZoneId": "elb-@M" },
            refused: "dns.loadBalancerZoneId",
        },
        { why: "a misspelt dns key", stack: "local", set: { "dns.zone": "Z0ZONE" }, refused: "dns.zone" },
        // ---- probes, flags, migrations ----
        { why: "probes switched on by a string", stack: "local", set: { "probes.enabled": "yes@M" }, refused: "probes.enabled" },
        {
            why: "the generic executor in production",
            stack: "production",
            set: { "flags.genericExecutor": true },
            refused: "flags.genericExecutor",
        },
        { why: "an unknown flag", stack: "local", set: { "flags.turbo": true }, refused: "flags.turbo" },
        { why: "an empty app migration command", stack: "local", set: { "migrations.app": [] }, refused: "migrations.app" },
        {
            why: "an empty word in the identity migration command",
            stack: "local",
            set: { "migrations.identity": ["pnpm", ""] },
            refused: "migrations.identity.1",
        },
        // ---- public URLs ----
        {
            why: "supabase.url over http in production",
            stack: "production",
            set: { "supabase.url": "http://@M.supabase.co" },
            refused: "supabase.url",
        },
        {
            why: "supabase.url over http in staging",
            stack: "staging",
            set: { "supabase.url": "http://@M.supabase.co" },
            refused: "supabase.url",
        },
        {
            why: "supabase.url with credentials, published to browsers",
            stack: "local",
            set: { "supabase.url": "https://admin:@M@abcd.supabase.co" },
            plaintext: true,
            refused: "supabase.url",
        },
        { why: "supabase.url over ftp", stack: "local", set: { "supabase.url": "ftp://@M.supabase.co" }, refused: "supabase.url" },
        { why: "supabase.url that is not a URL", stack: "local", set: { "supabase.url": "not a url @M" }, refused: "supabase.url" },
        { why: "sentryDsn that is not a URL", stack: "staging", set: { sentryDsn: "not a url @M" }, refused: "sentryDsn" },
        {
            why: "sentryDsn over http in production",
            stack: "production",
            set: { sentryDsn: "http://@M@o1.ingest.sentry.io/1" },
            plaintext: true,
            refused: "sentryDsn",
        },
        // ---- Supabase keys ----
        {
            why: "a service-role JWT in the anon slot",
            stack: "production",
            set: { "supabase.anonKey": jwt({ role: "service_role", ref: "@M" }) },
            plaintext: true,
            refused: "supabase.anonKey",
        },
        {
            why: "a service-role JWT in the anon slot on local",
            stack: "local",
            set: { "supabase.anonKey": jwt({ role: "service_role", ref: "@M" }) },
            plaintext: true,
            refused: "supabase.anonKey",
        },
        {
            why: "a new-style secret key in the anon slot",
            stack: "staging",
            set: { "supabase.anonKey": "sb_secret_@M" },
            plaintext: true,
            refused: "supabase.anonKey",
        },
        {
            why: "an authenticated-role JWT in the anon slot",
            stack: "staging",
            set: { "supabase.anonKey": jwt({ role: "authenticated", ref: "@M" }) },
            plaintext: true,
            refused: "supabase.anonKey",
        },
        { why: "an empty anon key", stack: "local", set: { "supabase.anonKey": "" }, refused: "supabase.anonKey" },
        {
            why: "the anon slot holding the service-role key",
            stack: "production",
            set: { "supabase.anonKey": "service-role-FAKE-0123456789abcdef" },
            refused: "supabase.anonKey",
        },
        {
            why: "an anon JWT in the service-role slot",
            stack: "production",
            set: { supabaseServiceRoleKey: jwt({ role: "anon", ref: "@M" }) },
            refused: "supabaseServiceRoleKey",
        },
        {
            why: "a publishable key in the service-role slot",
            stack: "staging",
            set: { supabaseServiceRoleKey: "sb_publishable_@M" },
            refused: "supabaseServiceRoleKey",
        },
        {
            why: "a service-role key too short to be one",
            stack: "staging",
            set: { supabaseServiceRoleKey: "@M" },
            refused: "supabaseServiceRoleKey",
        },
        {
            why: "the service-role key in plaintext",
            stack: "staging",
            set: { supabaseServiceRoleKey: "service-role-@M-0123456789" },
            plaintext: true,
            refused: "supabaseServiceRoleKey",
        },
        {
            why: "no service-role key in production",
            stack: "production",
            set: { supabaseServiceRoleKey: undefined },
            refused: "supabaseServiceRoleKey",
        },
        // ---- identity and its keys ----
        {
            why: "a product slug with capitals",
            stack: "local",
            set: { "identity.productSlug": "Tasks@M" },
            refused: "identity.productSlug",
        },
        {
            why: "a public key that is not PEM",
            stack: "local",
            set: { "identity.jwtPublicKey": "not a key @M" },
            refused: "identity.jwtPublicKey",
        },
        {
            why: "garbage in public-key armour",
            stack: "local",
            set: { "identity.jwtPublicKey": armour("PUBLIC KEY", "@M") },
            plaintext: true,
            refused: "identity.jwtPublicKey",
        },
        {
            why: "a public key of another pair",
            stack: "production",
            set: { "identity.jwtPublicKey": k.other.publicKey },
            refused: "identity.jwtPublicKey",
        },
        {
            why: "an EC public key for RS256",
            stack: "local",
            set: { "identity.jwtPublicKey": k.ec.publicKey },
            refused: "identity.jwtPublicKey",
        },
        {
            why: "the current key listed as a retired one",
            stack: "production",
            set: { "identity.previousJwtPublicKeys": [k.own.publicKey] },
            plaintext: true,
            refused: "identity.previousJwtPublicKeys.0",
        },
        {
            why: "a retired key that is not a key",
            stack: "production",
            set: { "identity.previousJwtPublicKeys": [armour("PUBLIC KEY", "@M")] },
            plaintext: true,
            refused: "identity.previousJwtPublicKeys.0",
        },
        {
            why: "a retired EC key",
            stack: "local",
            set: { "identity.jwtPublicKey": k.own.publicKey, "identity.previousJwtPublicKeys": [k.ec.publicKey] },
            plaintext: true,
            refused: "identity.previousJwtPublicKeys.0",
        },
        {
            why: "retired keys without a current key",
            stack: "local",
            set: { "identity.previousJwtPublicKeys": [k.other.publicKey] },
            plaintext: true,
            refused: "identity.previousJwtPublicKeys",
        },
        {
            why: "three retired keys (overlaps must end)",
            stack: "production",
            set: { "identity.previousJwtPublicKeys": [k.other.publicKey, k.other.publicKey, k.other.publicKey] },
            plaintext: true,
            refused: "identity.previousJwtPublicKeys",
        },
        {
            why: "a private key pasted as the public key",
            stack: "production",
            set: { "identity.jwtPublicKey": k.own.privateKey },
            plaintext: true,
            refused: "identity.jwtPublicKey",
        },
        {
            why: "no public key in production",
            stack: "production",
            set: { "identity.jwtPublicKey": undefined },
            refused: "identity.jwtPublicKey",
        },
        { why: "an unknown identity key", stack: "local", set: { "identity.issuer": "https://@M" }, refused: "identity.issuer" },
        {
            why: "garbage in private-key armour",
            stack: "production",
            set: { identityJwtPrivateKey: armour("PRIVATE KEY", "@M") },
            refused: "identityJwtPrivateKey",
        },
        {
            why: "garbage in RSA private-key armour",
            stack: "staging",
            set: { identityJwtPrivateKey: armour("RSA PRIVATE KEY", "@M") },
            refused: "identityJwtPrivateKey",
        },
        {
            why: "an EC signing key where RS256 is required",
            stack: "production",
            set: { identityJwtPrivateKey: k.ec.privateKey },
            refused: "identityJwtPrivateKey",
        },
        {
            why: "an Ed25519 signing key where RS256 is required",
            stack: "staging",
            set: { identityJwtPrivateKey: k.ed.privateKey },
            refused: "identityJwtPrivateKey",
        },
        {
            why: "a 1024-bit RSA signing key",
            stack: "production",
            set: { identityJwtPrivateKey: k.small.privateKey, "identity.jwtPublicKey": k.small.publicKey },
            refused: "identityJwtPrivateKey",
        },
        {
            why: "a passphrase-protected signing key",
            stack: "production",
            set: { identityJwtPrivateKey: k.encrypted },
            refused: "identityJwtPrivateKey",
        },
        {
            why: "the signing key in plaintext",
            stack: "production",
            set: { identityJwtPrivateKey: k.own.privateKey },
            plaintext: true,
            refused: "identityJwtPrivateKey",
        },
        {
            why: "no signing key in production",
            stack: "production",
            set: { identityJwtPrivateKey: undefined },
            refused: "identityJwtPrivateKey",
        },
        { why: "a signing key without PEM armour", stack: "local", set: { identityJwtPrivateKey: "@M" }, refused: "identityJwtPrivateKey" },
        // ---- Stripe ----
        {
            why: "a Stripe test key in production",
            stack: "production",
            set: { stripeSecretKey: ["sk", "test", "@M"].join("_") },
            refused: "stripeSecretKey",
        },
        {
            why: "a live Stripe key in staging",
            stack: "staging",
            set: { stripeSecretKey: ["sk", "live", "@M"].join("_") },
            refused: "stripeSecretKey",
        },
        {
            why: "a Stripe publishable key as the secret key",
            stack: "staging",
            set: { stripeSecretKey: ["pk", "test", "@M"].join("_") },
            refused: "stripeSecretKey",
        },
        {
            why: "the Stripe key in plaintext",
            stack: "staging",
            set: { stripeSecretKey: ["sk", "test", "@M"].join("_") },
            plaintext: true,
            refused: "stripeSecretKey",
        },
        {
            why: "a webhook secret without its prefix",
            stack: "staging",
            set: { stripeWebhookSecret: "@M" },
            refused: "stripeWebhookSecret",
        },
        {
            why: "the webhook secret in plaintext",
            stack: "production",
            set: { stripeWebhookSecret: ["whsec", "@M"].join("_") },
            plaintext: true,
            refused: "stripeWebhookSecret",
        },
        {
            why: "no webhook secret in production",
            stack: "production",
            set: { stripeWebhookSecret: undefined },
            refused: "stripeWebhookSecret",
        },
        // ---- OAuth ----
        {
            why: "an OAuth client id not named *_CLIENT_ID",
            stack: "local",
            set: { "oauthClientIds.GITHUB_ID": "@M" },
            refused: "oauthClientIds.GITHUB_ID",
        },
        {
            why: "an OAuth client id published as NEXT_PUBLIC_",
            stack: "local",
            set: { "oauthClientIds.NEXT_PUBLIC_GITHUB_CLIENT_ID": "@M" },
            refused: "oauthClientIds.NEXT_PUBLIC_GITHUB_CLIENT_ID",
        },
        {
            why: "an OAuth client id name in lower case",
            stack: "local",
            set: { "oauthClientIds.github_client_id": "@M" },
            refused: "oauthClientIds.github_client_id",
        },
        {
            why: "an empty OAuth client id",
            stack: "local",
            set: { "oauthClientIds.GITHUB_CLIENT_ID": "" },
            refused: "oauthClientIds.GITHUB_CLIENT_ID",
        },
        {
            why: "an OAuth secret not named *_CLIENT_SECRET",
            stack: "local",
            set: { "oauthClientSecrets.GITHUB_SECRET": "@M" },
            refused: "oauthClientSecrets.GITHUB_SECRET",
        },
        {
            why: "an OAuth secret published as NEXT_PUBLIC_",
            stack: "local",
            set: { "oauthClientSecrets.NEXT_PUBLIC_GITHUB_CLIENT_SECRET": "@M" },
            refused: "oauthClientSecrets.NEXT_PUBLIC_GITHUB_CLIENT_SECRET",
        },
        {
            why: "an OAuth secret in plaintext",
            stack: "local",
            set: { "oauthClientSecrets.GITHUB_CLIENT_SECRET": "@M" },
            plaintext: true,
            refused: "oauthClientSecrets.GITHUB_CLIENT_SECRET",
        },
        {
            why: "one plaintext OAuth secret next to an encrypted one",
            stack: "production",
            set: { "oauthClientSecrets.GITHUB_CLIENT_SECRET": "a@M", "oauthClientSecrets.GOOGLE_CLIENT_SECRET": "b@M" },
            plaintext: ["oauthClientSecrets.GOOGLE_CLIENT_SECRET"],
            refused: "oauthClientSecrets.GOOGLE_CLIENT_SECRET",
        },
        // ---- unknown top-level keys ----
        { why: "a misspelt top-level key", stack: "local", set: { domian: "example.com" }, refused: "domian" },
        {
            why: "a secret under an unknown top-level key, in plaintext",
            stack: "local",
            set: { stripeKey: ["sk", "live", "@M"].join("_") },
            plaintext: true,
            refused: "stripeKey",
        },
    ];
}

function acceptedCases(): Case[] {
    const k = keys();
    return [
        {
            why: "the in-cluster Redis password keeper on the local stack",
            stack: "local",
            set: { "data.redis.authTokenVersion": 2 },
            accepted: "the in-cluster Redis keeps its keeper; only the ElastiCache tokens rotate by themselves",
        },
        {
            why: "an image pinned by digest",
            stack: "local",
            set: { "images.app": `ghcr.io/grownext/app@sha256:${"a".repeat(64)}` },
            accepted: "a digest pins the exact content",
        },
        {
            why: "supabase.url over http on local",
            stack: "local",
            set: { "supabase.url": "http://localhost:54321" },
            accepted: "the Supabase CLI serves http on the developer's machine; the https floor binds staging and production",
        },
        {
            why: "a production issuer listed as trusted",
            stack: "production",
            set: { "edge.clusterIssuer": "corp-acme", "edge.trustedClusterIssuers": ["corp-acme"] },
            accepted: "the stack vouches for its own publicly trusted issuer",
        },
        {
            why: "letsencrypt-prod in production",
            stack: "production",
            set: { "edge.clusterIssuer": "letsencrypt-prod" },
            accepted: "on the floor's allow-list",
        },
        {
            why: "a self-signed issuer on staging",
            stack: "staging",
            set: { "edge.clusterIssuer": "selfsigned" },
            accepted: "the issuer floor binds production only",
        },
        {
            why: "web autoscaled 1..2 on staging",
            stack: "staging",
            set: { "services.web.autoscale": { min: 1, max: 2 } },
            accepted: "the public-replica floor is 1 outside production",
        },
        {
            why: "a stack name that names no environment",
            stack: "production",
            stackName: "eu-1",
            set: { "edge.hstsMaxAgeSeconds": 31536000 },
            accepted: "eu-1 names no environment, so nothing contradicts environment: production",
        },
        {
            why: "a mismatch with a reason",
            stack: "staging",
            stackName: "production",
            set: { environmentMismatchReason: "pre-production rehearsal of the cut-over, ticket OPS-12 (@M)" },
            accepted: "the override says why, in a sentence",
        },
        {
            why: "a kubeconfig path in plaintext",
            stack: "staging",
            set: { "kubernetes.context": undefined, "kubernetes.kubeconfig": "/home/ci/.kube/grownext-@M" },
            plaintext: true,
            accepted: "a path carries no credential itself",
        },
        {
            why: "an inline kubeconfig with an exec plugin in plaintext",
            stack: "staging",
            set: {
                "kubernetes.context": undefined,
                "kubernetes.kubeconfig": kubeconfig({
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "aws",
                        args: ["eks", "get-token", "--cluster-name", "g-@M"],
                    },
                }),
            },
            plaintext: true,
            accepted: "the exec plugin fetches short-lived tokens; nothing secret is stored",
        },
        {
            why: "an inline kubeconfig with a token, encrypted",
            stack: "staging",
            set: { "kubernetes.context": undefined, "kubernetes.kubeconfig": kubeconfig({ token: "@M" }) },
            accepted: "stored with --secret",
        },
        {
            why: "an anon JWT in the anon slot",
            stack: "production",
            set: { "supabase.anonKey": jwt({ role: "anon", ref: "@M" }) },
            plaintext: true,
            accepted: "the anon key is publishable by design",
        },
        {
            why: "an sb_publishable_ key in the anon slot",
            stack: "staging",
            set: { "supabase.anonKey": "sb_publishable_@M" },
            plaintext: true,
            accepted: "new-style publishable keys are meant for browsers",
        },
        {
            why: "an opaque anon key",
            stack: "local",
            set: { "supabase.anonKey": "anon-@M" },
            accepted: "neither a JWT nor an sb_ key: it grants nothing Supabase knows of, nothing to decode",
        },
        {
            why: "requests equal to limits",
            stack: "production",
            set: { "services.web.resources": { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1000m", memory: "1024Mi" } } },
            accepted: "equal requests and limits give Guaranteed QoS",
        },
        {
            why: "fractional cpu under its limit",
            stack: "staging",
            set: { "services.worker.resources": { requests: { cpu: "0.5", memory: "256Mi" }, limits: { cpu: "1500m", memory: "1G" } } },
            accepted: "0.5 < 1.5 cores, 256Mi < 1G bytes",
        },
        {
            why: "three distinct subnets",
            stack: "staging",
            set: { "data.aws.privateSubnetIds": ["subnet-0a1b2c3d4e5f60718", "subnet-1a2b3c4d5e6f70819", "subnet-2a2b3c4d5e6f70819"] },
            accepted: "one per availability zone",
        },
        {
            why: "an EKS context in the stack's region and account",
            stack: "staging",
            set: { "kubernetes.context": "arn:aws:eks:eu-west-1:123456789012:cluster/grownext" },
            accepted: "agrees with data.aws.region and the OIDC provider's account",
        },
        {
            why: "a context name with inner spaces",
            stack: "staging",
            set: { "kubernetes.context": "grownext staging @M" },
            accepted: "kubeconfig context names are free text; only surrounding whitespace is a mistake",
        },
        {
            why: "PKCS#1 private and public keys of one pair",
            stack: "production",
            set: { identityJwtPrivateKey: k.pkcs1Private, "identity.jwtPublicKey": k.pkcs1Public },
            accepted: "the same RSA pair in the older encoding",
        },
        {
            why: "the upper bound of worker replicas",
            stack: "production",
            set: { "services.worker.replicas": 100, "services.worker.databasePoolSize": 1 },
            accepted: "bounds are inclusive, and 101 pods x 2 clients x pool 1 fit the app database's budget",
        },
        {
            why: "a Sentry DSN with its key in production",
            stack: "production",
            set: { sentryDsn: "https://@M@o1.ingest.sentry.io/1" },
            plaintext: true,
            accepted: "a DSN's key is public by Sentry's design; it is still never printed",
        },
        {
            why: "OAuth secrets encrypted leaf by leaf",
            stack: "local",
            set: { "oauthClientSecrets.GITHUB_CLIENT_SECRET": "a@M", "oauthClientSecrets.GOOGLE_CLIENT_SECRET": "b@M" },
            accepted: "every leaf encrypted, though the map itself is not",
        },
        {
            why: "https Supabase on staging",
            stack: "staging",
            set: { "supabase.url": "https://@M.supabase.co" },
            accepted: "https, no credentials",
        },
        {
            why: "one retired signing key during a rotation",
            stack: "production",
            set: { "identity.previousJwtPublicKeys": [k.other.publicKey] },
            plaintext: true,
            accepted: "tokens the retired key signed verify until they expire",
        },
        {
            why: "HSTS at its upper bound",
            stack: "local",
            set: { "edge.hstsMaxAgeSeconds": 63072000 },
            accepted: "two years, the preload list's maximum",
        },
        {
            why: "a storage class that is a Kubernetes name",
            stack: "local",
            set: { "data.inCluster.storageClassName": "gp3.encrypted" },
            accepted: "DNS-1123 subdomains may contain dots",
        },
        {
            why: "an incident kill switch as plain env",
            stack: "production",
            set: { "services.web.env.CONCIERGE_DISABLED": true },
            plaintext: true,
            accepted: "a flag, not a secret: plain env, written into web's container",
        },
        {
            why: "a webhook signing secret in secretEnv, stored with --secret",
            stack: "staging",
            set: { "services.web.secretEnv.RESEND_WEBHOOK_SIGNING_SECRET": "@M" },
            accepted: "set with --secret, reaches web through its own Secret",
        },
    ];
}

// ---- Generated families: every leaf key with a value of the wrong type, every number out of bounds. ----

/** A concrete key for a schema pattern, and the stack where that key belongs. */
function concrete(pattern: string): { path: string; stack: Stack } {
    const horizontalOnly = /^services\.\*\.(replicas|livenessCommand)$/.test(pattern);
    const path = pattern
        .replace(/^images\.\*/, "images.app")
        .replace(/^services\.\*/, horizontalOnly ? "services.worker" : "services.web")
        .replace(/^oauthClientIds\.\*/, "oauthClientIds.GITHUB_CLIENT_ID")
        .replace(/^oauthClientSecrets\.\*/, "oauthClientSecrets.GITHUB_CLIENT_SECRET")
        .replace(/^alertHttpsEndpoints\.\*/, "alertHttpsEndpoints.pagerduty")
        .replace(/^monitoring\.healthCheckSearchStrings\.\*/, "monitoring.healthCheckSearchStrings.web")
        .replace(/\.env\.\*$/, ".env.CONCIERGE_DISABLED")
        .replace(/\.secretEnv\.\*$/, ".secretEnv.OPENAI_API_KEY");
    // Day-2 keys (alert route, thresholds, recovery objectives, restores) only apply where the data is on AWS.
    const awsOnly =
        /^data\.(aws|postgres|kms|restore)\./.test(pattern) ||
        /^data\.redis\.(?!maxmemory)/.test(pattern) ||
        /^data\.(rpoMinutes|rtoHours)$/.test(pattern) ||
        /^(monitoring|alertHttpsEndpoints)\./.test(pattern);
    return { path, stack: awsOnly ? "staging" : "local" };
}

function wrongTypeCases(): Case[] {
    const arrays = new Set([
        "identity.previousJwtPublicKeys",
        "data.aws.privateSubnetIds",
        "monitoring.alertEmails",
        "services.*.livenessCommand",
        "edge.trustedClusterIssuers",
        "migrations.app",
        "migrations.identity",
    ]);
    return leafKeyPatterns().map(({ pattern }) => {
        const { path, stack } = concrete(pattern);
        return {
            why: `${pattern} given a value of the wrong type`,
            stack,
            set: { [path]: arrays.has(pattern) ? "@M" : ["@M"] },
            refused: path,
        };
    });
}

/** Numeric keys with their bounds and a stack where they apply. */
const numericKeys: ReadonlyArray<{ key: string; stack: Stack; min: number; max?: number; wrap?: (n: number) => Record<string, unknown> }> =
    [
        { key: "data.postgres.allocatedStorage", stack: "staging", min: 20, max: 65536 },
        { key: "data.postgres.maxAllocatedStorage", stack: "staging", min: 20, max: 65536 },
        { key: "data.postgres.backupRetentionDays", stack: "staging", min: 1, max: 35 },
        { key: "data.postgres.proxy.maxConnectionsPercent", stack: "staging", min: 1, max: 100 },
        { key: "data.postgres.proxy.maxIdleConnectionsPercent", stack: "staging", min: 0, max: 100 },
        { key: "data.postgres.proxy.connectionBorrowTimeoutSeconds", stack: "staging", min: 0, max: 3600 },
        { key: "data.postgres.proxy.idleClientTimeoutSeconds", stack: "staging", min: 1, max: 28800 },
        { key: "data.redis.snapshotRetentionLimit", stack: "staging", min: 0, max: 35 },
        { key: "data.redis.authTokenVersion", stack: "local", min: 1 },
        { key: "data.kms.rotationPeriodDays", stack: "staging", ...awsLimits.kms.rotationPeriodDays },
        { key: "data.kms.deletionWindowDays", stack: "staging", ...awsLimits.kms.deletionWindowDays },
        { key: "services.worker.replicas", stack: "local", min: 1, max: 100 },
        { key: "services.web.autoscale.min", stack: "local", min: 1, wrap: (n) => ({ "services.web.autoscale": { min: n, max: 100 } }) },
        {
            key: "services.web.autoscale.max",
            stack: "local",
            min: 1,
            max: 100,
            wrap: (n) => ({ "services.web.autoscale": { min: 1, max: n } }),
        },
        {
            key: "services.web.autoscale.targetCpuPercent",
            stack: "local",
            min: 10,
            max: 95,
            wrap: (n) => ({ "services.web.autoscale": { min: 1, max: 2, targetCpuPercent: n } }),
        },
        { key: "services.worker.terminationGracePeriodSeconds", stack: "local", min: 30, max: 3600 },
        { key: "services.worker.databasePoolSize", stack: "local", min: 1, max: 200 },
        { key: "edge.hstsMaxAgeSeconds", stack: "local", min: hstsMaxAgeBounds.min, max: hstsMaxAgeBounds.max },
        { key: "probes.deadlineSeconds", stack: "local", min: probeDeadlineBounds.min, max: probeDeadlineBounds.max },
        { key: "migrations.timeoutSeconds", stack: "local", min: 30, max: 7200 },
        { key: "rotation.databaseRotationDays", stack: "staging", min: 1, max: 90 },
        { key: "rotation.redisRotationDays", stack: "staging", min: 1, max: 90 },
        { key: "rotation.jwtRotationDays", stack: "staging", min: 1, max: 90 },
    ];

function numericCases(): Case[] {
    const out: Case[] = [];
    for (const { key, stack, min, max, wrap } of numericKeys) {
        const set = (n: number) => (wrap ? wrap(n) : { [key]: n });
        out.push({ why: `${key} below its minimum`, stack, set: set(min - 1), refused: key });
        if (max !== undefined) out.push({ why: `${key} above its maximum`, stack, set: set(max + 1), refused: key });
        out.push({ why: `${key} above 2^53 (a numeric bound, never "characters")`, stack, set: set(2 ** 53 + 2), refused: key });
        out.push({ why: `${key} not a whole number`, stack, set: set(min + 0.5), refused: key });
    }
    return out;
}

// ---- The runner ----

interface Outcome {
    readonly output: string;
    readonly accepted: boolean;
    readonly marker: string;
    readonly setValues: unknown[];
}

function withMarker(value: unknown, m: string): unknown {
    if (typeof value === "string") return value.split("@M").join(m);
    if (Array.isArray(value)) return value.map((v) => withMarker(v, m));
    if (value !== null && typeof value === "object")
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withMarker(v, m)]));
    return value;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
    let node = target;
    for (const seg of path.slice(0, -1)) {
        if (node[seg] === null || typeof node[seg] !== "object") node[seg] = {};
        node = node[seg] as Record<string, unknown>;
    }
    const last = path[path.length - 1]!;
    if (value === undefined) delete node[last];
    else node[last] = value;
}

function leaves(value: unknown): unknown[] {
    if (Array.isArray(value)) return value.flatMap(leaves);
    if (value !== null && typeof value === "object") return Object.values(value).flatMap(leaves);
    return [value];
}

let counter = 0;
function run(c: Case): Outcome {
    const marker = `mk${(counter++).toString(36)}x${crypto.randomBytes(4).toString("hex")}`;
    const base = stackValues(c.stack);
    const values = structuredClone(base.values);
    const setValues: unknown[] = [];
    for (const [key, raw] of Object.entries(c.set)) {
        const value = withMarker(raw, marker);
        setPath(values, key.split("."), value);
        setValues.push(...leaves(value));
    }
    const plaintext = c.plaintext === true ? Object.keys(c.set) : (c.plaintext ?? []);
    const encrypted = [...Object.keys(c.set).filter((k) => !plaintext.includes(k)), ...(c.encrypted ?? [])];
    const isPlaintext = (key: string) => {
        if (encrypted.includes(key)) return false;
        // A plaintext path makes its parents plain too: the stack file holds the leaf itself.
        if (plaintext.some((p) => p === key || p.startsWith(`${key}.`))) return true;
        return base.isPlaintext(key);
    };
    try {
        validateConfig(values, { project: "grownext", stack: c.stackName ?? c.stack, isPlaintext });
        return { output: "", accepted: true, marker, setValues };
    } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        return { output: err.message, accepted: false, marker, setValues };
    }
}

function assertNothingLeaks(c: Case, o: Outcome): void {
    assert.ok(!o.output.includes(o.marker), `${c.why}: the marker was printed:\n${o.output}`);
    for (const v of o.setValues) {
        if (typeof v === "string" && v.length >= 8) assert.ok(!o.output.includes(v), `${c.why}: a set value was printed:\n${o.output}`);
        if (typeof v === "number" || typeof v === "boolean")
            assert.ok(!o.output.includes(`got ${JSON.stringify(v)}`), `${c.why}: a set value was printed:\n${o.output}`);
    }
}

function check(c: Case): Outcome {
    const o = run(c);
    if (c.refused !== undefined) {
        const lines = o.output
            .split("\n")
            .slice(1)
            .map((l) => l.replace(/^ {2}- /, ""));
        assert.ok(
            lines.some((l) => l.startsWith(`${c.refused} `)),
            `${c.why}: expected a problem for ${c.refused}, got:\n${o.output || "(accepted)"}`,
        );
    } else {
        assert.ok(o.accepted, `${c.why} (${c.accepted}) was refused:\n${o.output}`);
    }
    assertNothingLeaks(c, o);
    return o;
}

/** The schema pattern a concrete key belongs to (`services.web.autoscale.min` → `services.*.autoscale.min`). */
function patternOf(key: string, patterns: readonly string[]): string | undefined {
    const segs = key.split(".");
    return patterns.find((p) => {
        const ps = p.split(".");
        return ps.length <= segs.length && ps.every((s, i) => s === "*" || s === segs[i]);
    });
}

describe("bad-config corpus", () => {
    const families: Array<[string, () => Case[]]> = [
        ["every key given the wrong type", wrongTypeCases],
        ["every number out of its bounds", numericCases],
        ["dangerous and mistaken configs", semanticCases],
        ["configs that are right, with their reason", acceptedCases],
    ];
    const all: Case[] = [];

    for (const [title, make] of families) {
        it(title, function () {
            this.timeout(120000);
            const cases = make();
            for (const c of cases) {
                assert.ok((c.refused === undefined) !== (c.accepted === undefined), `${c.why}: exactly one of refused/accepted`);
                check(c);
            }
            all.push(...cases);
        });
    }

    it("holds at least 200 cases and names every key of the schema in a refusal", () => {
        const patterns = leafKeyPatterns().map((l) => l.pattern);
        const refused = all.filter((c) => c.refused !== undefined);
        const covered = new Set(refused.map((c) => patternOf(c.refused!, patterns)).filter((p): p is string => p !== undefined));
        const missing = patterns.filter((p) => !covered.has(p));
        assert.deepStrictEqual(missing, [], "keys no refusal names");
        assert.ok(all.length >= 200, `corpus size ${all.length}`);
        // The figures for the closing note (printed, not asserted).
        process.stdout.write(`      corpus: ${all.length} cases, ${refused.length} refused, ${all.length - refused.length} accepted\n`);
    });

    it("data.redis.authTokenVersion on an AWS stack names the fix: the tokens rotate, rotate-secret rotates now", () => {
        const o = run({
            why: "retired on aws",
            stack: "production",
            set: { "data.redis.authTokenVersion": 3 },
            refused: "data.redis.authTokenVersion",
        });
        const line = o.output.split("\n").find((l) => l.startsWith("  - data.redis.authTokenVersion ")) ?? "";
        assert.match(line, /rotation\.redisRotationDays/, o.output);
        assert.match(line, /pulumi config rm --path data\.redis\.authTokenVersion/, o.output);
        assert.match(line, /aws secretsmanager rotate-secret --secret-id <project>\/<stack>\/redis-queue/, o.output);
        const local = run({ why: "local keeps it", stack: "local", set: { "data.redis.authTokenVersion": 3 }, accepted: "set" });
        assert.ok(local.accepted, local.output);
    });

    it("the retired data.postgres.passwordVersion names the fix: RDS rotates, rotation.databaseRotationDays sets how often", () => {
        const o = run({
            why: "retired",
            stack: "staging",
            set: { "data.postgres.passwordVersion": 3 },
            refused: "data.postgres.passwordVersion",
        });
        const line = o.output.split("\n").find((l) => l.startsWith("  - data.postgres.passwordVersion ")) ?? "";
        assert.match(line, /RDS now generates each master password/, o.output);
        assert.match(line, /rotation\.databaseRotationDays/, o.output);
        assert.match(line, /pulumi config rm --path data\.postgres\.passwordVersion/, o.output);
        const absent = run({ why: "absent", stack: "staging", set: {}, accepted: "unset" });
        assert.ok(absent.accepted, absent.output);
    });

    it("numbers beyond 2^53 report the key's numeric bound", () => {
        for (const { key, stack, max, wrap } of numericKeys) {
            const o = run({ why: key, stack, set: wrap ? wrap(2 ** 53 + 2) : { [key]: 2 ** 53 + 2 }, refused: key });
            const line = o.output.split("\n").find((l) => l.startsWith(`  - ${key} `)) ?? "";
            assert.match(line, max === undefined ? /must be at most 9007199254740991/ : new RegExp(`must be at most ${max}\\b`), o.output);
            assert.doesNotMatch(o.output, /characters/);
        }
    });
});

describe("no value stored as a secret is ever printed (property-based, every key)", () => {
    const patterns = leafKeyPatterns();
    /** Invalid shapes a marker can take: mangled strings, wrong types, nested. */
    const shapes = (m: string) =>
        fc.constantFrom<unknown>(
            m,
            ` ${m} `,
            `${m}!`,
            m.toUpperCase(),
            [m],
            { value: m },
            [[m]],
            `http://${m}`,
            `${m}:latest`,
            `-----${m}`,
            `${m}\n${m}`,
            "",
            [m, m],
        );

    it("encrypted values, in any shape, under any key", function () {
        this.timeout(120000);
        const markedValue = fc.stringMatching(/^[a-z][a-z0-9]{9,15}$/).chain((m) => fc.tuple(fc.constant(m), shapes(m)));
        fc.assert(
            fc.property(fc.constantFrom(...patterns.map((p) => p.pattern)), markedValue, (pattern, [m, value]) => {
                const { path, stack } = concrete(pattern);
                const o = run({ why: `${pattern} = ${JSON.stringify(value)}`, stack, set: { [path]: value } });
                assert.ok(!o.output.includes(m), `${pattern}: marker printed:\n${o.output}`);
            }),
            { numRuns: 300 },
        );
    });

    it("credential keys in plaintext: refused at that key, never printed", function () {
        this.timeout(120000);
        const credentials = patterns.filter((p) => p.kind === "credential");
        assert.ok(credentials.length >= 5, "the schema marks the credentials");
        fc.assert(
            fc.property(fc.constantFrom(...credentials.map((p) => p.pattern)), fc.stringMatching(/^[a-z][a-z0-9]{9,15}$/), (pattern, m) => {
                const { path } = concrete(pattern);
                const value =
                    pattern === "stripeSecretKey"
                        ? `${fakeStripe.test.slice(0, 8)}${m}`
                        : pattern === "stripeWebhookSecret"
                          ? `whsec_${m}`
                          : `${m}-${m}`;
                const o = run({ why: pattern, stack: "local", set: { [path]: value }, plaintext: true });
                assert.ok(
                    o.output.split("\n").some((l) => l.startsWith(`  - ${path} `)),
                    o.output,
                );
                assert.ok(!o.output.includes(m), o.output);
            }),
            { numRuns: 60 },
        );
    });

    it("secret-looking content under keys that are not secret, in plaintext, is never printed", function () {
        this.timeout(120000);
        const strings = patterns.filter((p) => p.kind === undefined).map((p) => p.pattern);
        const disguises = (m: string) => [
            armour("RSA PRIVATE KEY", m),
            `https://user:${m}@example.com/x`,
            jwt({ role: "service_role", note: m }),
            `token: ${m}`,
            ["sk", "live", m].join("_"),
        ];
        fc.assert(
            fc.property(fc.constantFrom(...strings), fc.stringMatching(/^[a-z][a-z0-9]{9,15}$/), fc.nat(4), (pattern, m, d) => {
                const { path, stack } = concrete(pattern);
                const o = run({ why: pattern, stack, set: { [path]: disguises(m)[d] }, plaintext: true });
                assert.ok(!o.output.includes(m), `${pattern}: marker printed:\n${o.output}`);
            }),
            { numRuns: 300 },
        );
    });
});
