/**
 * The stack config schema (namespace `grownext`), validated with zod before any resource is declared.
 * Structure and types live here; rules that span keys (per-environment requirements) live in
 * rules.ts; defaults that depend on the environment live in defaults.ts.
 */
import { z } from "zod";
import { environments, hstsMaxAgeBounds, probeDeadlineBounds } from "../catalog/guardrails";
import { dataConfig } from "./data";
import { pinnedImage } from "./images";
import { rotationDefaults, rotationFloors } from "../catalog/guardrails";
import { alertHttpsEndpointsConfig, monitoringConfig } from "./monitoring";

// The stack tiers are guardrail data (catalog/guardrails.ts); re-exported for the config's readers.
export { environments, type Environment } from "../catalog/guardrails";

/**
 * Marks on keys, read by config/keys.ts: a `credential` must be stored with --secret; a
 * `confidential` value (a kubeconfig: a path, or contents that may carry tokens) is never printed.
 * Errors never print either, whatever its storage.
 */
export type KeyKind = "credential" | "confidential";
export const keyKinds = z.registry<{ kind: KeyKind }>();
const mark = <T extends z.ZodType>(schema: T, kind: KeyKind): T => {
    keyKinds.add(schema, { kind });
    return schema;
};
const credential = <T extends z.ZodType>(schema: T): T => mark(schema, "credential");
const confidential = <T extends z.ZodType>(schema: T): T => mark(schema, "confidential");

/** DNS-1123 subdomain: the name of a cluster-scoped Kubernetes object (IngressClass, ClusterIssuer, StorageClass). */
export const dns1123Subdomain = z
    .string()
    .max(253)
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
        message: "must be a Kubernetes object name (DNS-1123: lower-case letters, digits, '-' and '.')",
    });

/** DNS-1123 subdomain, as Kubernetes and certificates want it. */
const dnsName = z.string().regex(/^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/, {
    message: "must be a lower-case DNS name",
});

export { isPinnedImage, pinnedImage } from "./images";

const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G)?$/, {
    message: "must be a Kubernetes quantity",
});

const resources = z
    .object({
        requests: z.object({ cpu: quantity, memory: quantity }).strict(),
        limits: z.object({ cpu: quantity, memory: quantity }).strict(),
    })
    .strict();

const autoscale = z
    .object({
        min: z.number().int().min(1),
        max: z.number().int().min(1).max(100),
        targetCpuPercent: z.number().int().min(10).max(95).default(70),
    })
    .strict()
    .refine((a) => a.max >= a.min, { message: "max must be at least min", path: ["max"] });

/** An environment variable name, as the guides write them (upper case). */
const envName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, { message: "must be an upper-case environment variable name" });
/** A value of an extra variable: `pulumi config set --path` stores true and 3 as a boolean and a number. */
const envValue = z.union([z.string(), z.number(), z.boolean()], { message: "must be a string, number or boolean" });

export const serviceConfig = z
    .object({
        /** Fixed replica count for horizontally scaled processes (not singletons, not autoscaled). */
        replicas: z.number().int().min(1).max(100).optional(),
        autoscale: autoscale.optional(),
        resources: resources.optional(),
        /** Seconds a pod gets between SIGTERM and SIGKILL; workers drain in-flight jobs meanwhile. */
        terminationGracePeriodSeconds: z.number().int().min(30).max(3600).optional(),
        /** Exec liveness command for background processes (they serve no HTTP port of their own). */
        livenessCommand: z.array(z.string().min(1)).min(1).optional(),
        /** Connections per database client of each pod (config/connectionBudget.ts: defaults by environment and process kind). */
        databasePoolSize: z.number().int().min(1).max(200).optional(),
        /** Extra plain variables for the container (config/processEnv.ts refuses secret-looking and catalog-owned names). */
        env: z.record(envName, envValue).optional(),
        /** Extra secret variables, each set with --secret; they reach the process through its own Secret. */
        secretEnv: credential(z.record(envName, envValue)).optional(),
        /** Whether this stack runs the process at all; every stack runs the guides' topology by default. */
        enabled: z.boolean().default(true),
    })
    .strict();
export type ServiceConfig = z.infer<typeof serviceConfig>;

export const kubernetesConfig = z
    .object({
        namespace: z
            .string()
            .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: "must be a DNS-1123 label" })
            .max(63),
        /** A kubeconfig context name of the ambient kubeconfig. */
        context: z
            .string()
            .min(1)
            .regex(/^[^\s\p{Cc}]([^\p{Cc}]*[^\s\p{Cc}])?$/u, {
                message: "must be a context name without surrounding whitespace or control characters",
            })
            .optional(),
        /** A kubeconfig file path or its contents (set it with --secret when it holds credentials). */
        kubeconfig: confidential(z.string().min(1)).optional(),
        /** Folder the manifests are rendered to when no cluster is configured (local stack only). */
        renderDirectory: z.string().min(1).optional(),
    })
    .strict();

export const edgeConfig = z
    .object({
        ingressClassName: dns1123Subdomain.default("nginx"),
        /** cert-manager ClusterIssuer that signs every public host's certificate. */
        clusterIssuer: dns1123Subdomain.default("letsencrypt-production"),
        /** Further ClusterIssuers production may use (config/floors.ts: self-signed and staging ones stay refused). */
        trustedClusterIssuers: z.array(dns1123Subdomain).default([]),
        /** HSTS max-age; the guides require HTTPS with HSTS, browsers want at least 180 days. */
        hstsMaxAgeSeconds: z.number().int().min(hstsMaxAgeBounds.min).max(hstsMaxAgeBounds.max).default(hstsMaxAgeBounds.default),
        /** Namespace of the ingress controller: the only namespace the NetworkPolicies admit traffic from. */
        ingressNamespace: z
            .string()
            .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: "must be a namespace name (DNS-1123 label)" })
            .max(63)
            .default("ingress-nginx"),
    })
    .strict();

/** A Route 53 hosted zone id (the zone of the domain, or an ELB's canonical zone). */
const hostedZoneId = z
    .string()
    .regex(/^Z[A-Z0-9]{1,31}$/, { message: "must be a Route 53 hosted zone id (Z followed by upper-case letters and digits)" });

/** Public DNS for the edge hosts (components/edge/dnsRecords.ts). */
export const dnsConfig = z
    .object({
        /** route53: records declared here; externalDns: Ingress annotations for an external-dns controller; none: managed elsewhere. */
        provider: z.enum(["route53", "externalDns", "none"]).default("none"),
        /** Hosted zone of `domain` (route53). */
        hostedZoneId: hostedZoneId.optional(),
        /** The ingress load balancer's DNS name; unset, it is read from the Ingress status. */
        loadBalancerHostname: dnsName.optional(),
        /** The load balancer's canonical hosted zone: set, records are aliases; unset, CNAMEs. */
        loadBalancerZoneId: hostedZoneId.optional(),
    })
    .strict()
    .superRefine((d, ctx) => {
        if (d.provider === "route53" && d.hostedZoneId === undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["hostedZoneId"],
                message: "is required when dns.provider is route53: the hosted zone of the stack's domain",
            });
        }
        if (d.provider !== "route53") {
            for (const key of ["hostedZoneId", "loadBalancerHostname", "loadBalancerZoneId"] as const) {
                if (d[key] !== undefined)
                    ctx.addIssue({
                        code: "custom",
                        path: [key],
                        input: d[key],
                        message: "is only read when dns.provider is route53: remove it or set dns.provider to route53",
                    });
            }
        }
    });

export const probesConfig = z
    .object({
        /** Post-deploy smoke probes; default on except where the stack only renders manifests. */
        enabled: z.boolean().optional(),
        deadlineSeconds: z.number().int().min(probeDeadlineBounds.min).max(probeDeadlineBounds.max).default(probeDeadlineBounds.default),
    })
    .strict();

/** A Go duration as ESO reads it (30s, 15m, 1h, 1h30m), never zero. */
const esoDuration = z
    .string()
    .regex(/^([0-9]+h)?([0-9]+m)?([0-9]+s)?$/, { message: "must be a duration such as 15m, 1h or 1h30m" })
    .refine((d) => /[1-9]/.test(d), { message: "must be a non-zero duration such as 15m or 1h" });

/** Secret rotation on AWS stacks (docs/secret-rotation.md); defaults in catalog/guardrails.ts. */
export const rotationConfig = z
    .object({
        /** How often the External Secrets Operator re-reads Secrets Manager (Go duration: 30m, 1h, 1h30m). */
        refreshInterval: esoDuration.default(rotationDefaults.refreshInterval),
        /** How often it re-reads the Secrets holding database credentials that AWS rotates (short: see guardrails). */
        credentialsRefreshInterval: esoDuration.default(rotationDefaults.credentialsRefreshInterval),
        /** Days between automatic rotations of the RDS-managed master passwords and of each process's credentials. */
        databaseRotationDays: z.number().int().min(1).max(rotationFloors.maxRotationDays).default(rotationDefaults.databaseRotationDays),
        /** Days between automatic rotations of the ElastiCache auth tokens (queue and cache). */
        redisRotationDays: z.number().int().min(1).max(rotationFloors.maxRotationDays).default(rotationDefaults.redisRotationDays),
        /** Days between automatic rotations of identity's JWT signing key (AWS stacks; components/data/aws/jwtSigningKey.ts). */
        jwtRotationDays: z.number().int().min(1).max(rotationFloors.maxRotationDays).default(rotationDefaults.jwtRotationDays),
    })
    .strict();

export const rawConfigSchema = z
    .object({
        environment: z.enum(environments),
        /** Why `environment` differs from what the stack's name says (config/floors.ts); unset, they must agree. */
        environmentMismatchReason: z.string().optional(),
        domain: dnsName,
        kubernetes: kubernetesConfig,
        data: dataConfig,
        images: z.record(
            z.string().regex(/^[a-z][a-z0-9-]*$/, { message: "must be an image name of the catalog (app, identity, portal)" }),
            pinnedImage,
        ),
        services: z
            .record(
                z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: "must be a process name from the catalog" }),
                serviceConfig,
            )
            .default({}),
        edge: edgeConfig.default(edgeConfig.parse({})),
        probes: probesConfig.default(probesConfig.parse({})),
        /** Public DNS records for the edge hosts (route53, externalDns or none). */
        dns: dnsConfig.default(dnsConfig.parse({})),
        /** Day-2 operations: alert route, alarm thresholds, Prometheus rules (config/monitoring.ts). */
        monitoring: monitoringConfig.default(monitoringConfig.parse({})),
        /** Secret sync and rotation (docs/secret-rotation.md). */
        rotation: rotationConfig.default(rotationConfig.parse({})),
        supabase: z
            .object({ url: z.url({ protocol: /^https?$/ }).optional(), anonKey: z.string().min(1).optional() })
            .strict()
            .default({}),
        identity: z
            .object({
                productSlug: z
                    .string()
                    .regex(/^[a-z][a-z0-9-]*$/)
                    .default("tasks"),
                jwtPublicKey: z.string().includes("PUBLIC KEY").optional(),
                /** Public keys of retired signing keys, still accepted while tokens they signed live (docs/secret-rotation.md). */
                previousJwtPublicKeys: z.array(z.string().includes("PUBLIC KEY")).max(2).optional(),
            })
            .strict()
            .default({ productSlug: "tasks" }),
        flags: z.object({ genericExecutor: z.boolean().optional() }).strict().default({}),
        oauthClientIds: z.record(envName, z.string().min(1)).default({}),
        sentryDsn: z.url().optional(),
        /** Migration commands run by the release gate, per database. */
        migrations: z
            .object({
                app: z.array(z.string().min(1)).min(1).default(["npm", "run", "prisma:migrate-deploy"]),
                identity: z.array(z.string().min(1)).min(1).default(["pnpm", "db:migrate"]),
                /** Seconds a migration may run before the update fails. */
                timeoutSeconds: z.number().int().min(30).max(7200).default(600),
            })
            .strict()
            .default({ app: ["npm", "run", "prisma:migrate-deploy"], identity: ["pnpm", "db:migrate"], timeoutSeconds: 600 }),
        // Secrets: set with `pulumi config set --secret`; rules.ts refuses them in plaintext.
        supabaseServiceRoleKey: credential(z.string().min(20)).optional(),
        identityJwtPrivateKey: credential(z.string().includes("PRIVATE KEY")).optional(),
        stripeSecretKey: credential(
            z.string().regex(/^(sk|rk)_(test|live)_[A-Za-z0-9]{10,}$/, { message: "must be a Stripe secret key" }),
        ).optional(),
        stripeWebhookSecret: credential(
            z.string().regex(/^whsec_[A-Za-z0-9]{10,}$/, { message: "must be a Stripe webhook secret" }),
        ).optional(),
        oauthClientSecrets: credential(z.record(envName, z.string().min(1))).default({}),
        /** HTTPS subscribers of the alert route (a pager's integration URL), by name: secrets. */
        alertHttpsEndpoints: credential(alertHttpsEndpointsConfig).default({}),
    })
    .strict();

export type RawConfig = z.infer<typeof rawConfigSchema>;

/** The schema inside optional/default/nullable/pipe wrappers, with the first key mark found on the way. */
export function unwrapSchema(schema: z.ZodType): { schema: z.ZodType; kind?: KeyKind } {
    let s = schema;
    let kind = keyKinds.get(s)?.kind;
    for (;;) {
        const def = s._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
        const next = def.innerType ?? (def.type === "pipe" ? def.in : undefined);
        if (next === undefined) return { schema: s, kind };
        s = next;
        kind ??= keyKinds.get(s)?.kind;
    }
}

/** Top-level keys the schema marks as credentials: never echoed, and refused when set in plaintext. */
export const secretConfigKeys: readonly (keyof RawConfig)[] = (Object.keys(rawConfigSchema.shape) as (keyof RawConfig)[]).filter(
    (k) => unwrapSchema(rawConfigSchema.shape[k]).kind === "credential",
);
