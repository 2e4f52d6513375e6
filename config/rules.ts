/**
 * Rules that span keys or depend on the environment: what the guides require of each stack.
 * Each returns problems (errors.ts); an empty list means the config may be used. The floors they
 * enforce are data in config/floors.ts. Rules report values through `got` only: whether a value
 * may be printed is decided by the loader, never by the rule.
 */
import type { ProcessSpec } from "../catalog/processes";
import { inspectKubeconfig, inspectPrivateKey, inspectPublicKey, supabaseKeyRole } from "./credentials";
import { connectionBudgetProblems } from "./connectionBudget";
import { dataDefaults, dataProblems } from "./data";
import { serviceDefaults } from "./defaults";
import { problem, type Problem } from "./errors";
import {
    clusterIssuerFloor,
    environmentMismatchReasonMinLength,
    floorFor,
    httpsUrlEnvironments,
    jwtRsaMinBits,
    publicProcessMinReplicas,
    stackNameEnvironments,
} from "./floors";
import { credentialLeaves } from "./keys";
import { monitoringProblems } from "./monitoring";
import { processEnvProblems } from "./processEnv";
import { recoveryObjectives } from "./recovery";
import { environments, type Environment, type RawConfig } from "./schema";

export interface RuleContext {
    readonly catalog: readonly ProcessSpec[];
    /** The stack's name (`pulumi.getStack()`). */
    readonly stack: string;
    /** Whether the value at this key path was stored without --secret (itself and every key above it). */
    readonly isPlaintext: (path: readonly string[]) => boolean;
}

type Rule = (cfg: RawConfig, ctx: RuleContext) => Problem[];

/** How to change the floor that guards `key` (config/floors.ts), for the problem's `change`. */
const toChange = (key: string) => floorFor(key).change;

/** Production uses live Stripe keys only; every other stack test keys only (guides: staging uses non-live keys). */
const stripeKeysMatchEnvironment: Rule = (cfg) => {
    const key = cfg.stripeSecretKey;
    if (key === undefined) return [];
    const live = /^(sk|rk)_live_/.test(key);
    if (cfg.environment === "production" && !live) {
        return [problem("stripeSecretKey", "must be a live key (sk_live_...) in production: test credentials are refused", { got: key })];
    }
    if (cfg.environment !== "production" && live) {
        return [
            problem(
                "stripeSecretKey",
                `must be a test key (sk_test_...) outside production, the ${cfg.environment} stack refuses live keys`,
                { got: key },
            ),
        ];
    }
    return [];
};

/** What production must have before it may serve customers. */
const productionRequirements: Rule = (cfg) => {
    if (cfg.environment !== "production") return [];
    const out: Problem[] = [];
    const require = (key: keyof RawConfig, why: string) => {
        if (cfg[key] === undefined) out.push(problem(key, `is required in production: ${why}`));
    };
    require("stripeSecretKey", "payments need the live Stripe key");
    require("stripeWebhookSecret", "webhooks must be verified (guides: STRIPE_WEBHOOK_SECRET)");
    require("supabaseServiceRoleKey", "identity and worker call Supabase as a trusted service");
    require("identityJwtPrivateKey", "identity signs tokens with RS256 in production");
    if (cfg.identity.jwtPublicKey === undefined) {
        out.push(problem("identity.jwtPublicKey", "is required in production: workers verify identity's RS256 tokens"));
    }
    if (cfg.flags.genericExecutor === true) {
        out.push(
            problem("flags.genericExecutor", "must be false in production: the generic executor is for non-production only", { got: true }),
        );
    }
    if (cfg.data.provider !== "aws") {
        out.push(
            problem("data.provider", 'must be "aws" in production: managed Postgres with PITR and managed Redis', {
                got: cfg.data.provider,
            }),
        );
    }
    return out;
};

/** Staging and production run on AWS-managed data stores and an existing cluster. */
const clusterAndDataPlacement: Rule = (cfg) => {
    const out: Problem[] = [];
    const k = cfg.kubernetes;
    if (k.context !== undefined && k.kubeconfig !== undefined) {
        out.push(problem("kubernetes.kubeconfig", "must not be set together with kubernetes.context: choose one"));
    }
    const targetsCluster = k.context !== undefined || k.kubeconfig !== undefined;
    if (cfg.environment !== "local") {
        if (!targetsCluster) {
            out.push(
                problem(
                    "kubernetes.context",
                    `is required on the ${cfg.environment} stack (or set kubernetes.kubeconfig): it deploys to an existing cluster`,
                ),
            );
        }
        if (k.renderDirectory !== undefined) {
            out.push(
                problem("kubernetes.renderDirectory", "is only for the local stack: staging and production deploy to a cluster", {
                    got: k.renderDirectory,
                }),
            );
        }
    }
    if (cfg.data.provider === "aws" && cfg.data.aws === undefined) {
        out.push(
            problem(
                "data.aws",
                "is required when data.provider is aws: region, vpcId, privateSubnetIds, clusterSecurityGroupId, clusterOidcProviderArn",
            ),
        );
    }
    if (cfg.dns.provider === "route53" && cfg.data.provider !== "aws") {
        out.push(
            problem(
                "dns.provider",
                'can be "route53" only when data.provider is aws (the stack\'s AWS account and region); use "externalDns" or "none"',
                { got: cfg.dns.provider },
            ),
        );
    }
    if (cfg.data.provider === "inCluster" && cfg.environment !== "local") {
        out.push(
            problem("data.provider", `must be "aws" on the ${cfg.environment} stack: in-cluster data stores are for local only`, {
                got: cfg.data.provider,
            }),
        );
    }
    return out;
};

/** Every catalog image is configured, services only name catalog processes, and scaling keys fit the process. */
const catalogCoverage: Rule = (cfg, { catalog }) => {
    const out: Problem[] = [];
    for (const image of new Set(catalog.map((p) => p.image))) {
        if (cfg.images[image] === undefined) out.push(problem(`images.${image}`, "is required: a pinned image reference"));
    }
    for (const [name, svc] of Object.entries(cfg.services)) {
        const spec = catalog.find((p) => p.name === name);
        if (spec === undefined) {
            out.push(
                problem(
                    `services.${name}`,
                    `is not a process of the catalog (${catalog.map((p) => p.name).join(", ")}): add it to catalog/processes.ts first`,
                ),
            );
            continue;
        }
        if (spec.scaling === "singleton") {
            for (const key of ["replicas", "autoscale"] as const) {
                if (svc[key] === undefined) continue;
                out.push(
                    problem(
                        `services.${name}.${key}`,
                        `must not be set: ${name} is a singleton (exactly 1 replica) so nothing fires twice`,
                        { got: svc[key] },
                    ),
                );
            }
        }
        if (spec.scaling === "autoscaled" && svc.replicas !== undefined) {
            out.push(
                problem(
                    `services.${name}.replicas`,
                    `must not be set: ${name} is autoscaled, set services.${name}.autoscale.min/max instead`,
                    { got: svc.replicas },
                ),
            );
        }
        if (spec.scaling === "horizontal" && svc.autoscale !== undefined) {
            out.push(
                problem(`services.${name}.autoscale`, `must not be set: ${name} scales by services.${name}.replicas`, {
                    got: svc.autoscale,
                }),
            );
        }
        if (spec.http !== undefined && svc.livenessCommand !== undefined) {
            out.push(
                problem(
                    `services.${name}.livenessCommand`,
                    `must not be set: ${name} serves HTTP and takes its liveness check from catalog/processes.ts`,
                    { got: svc.livenessCommand },
                ),
            );
        }
        if (cfg.environment === "production" && svc.enabled === false) {
            out.push(
                problem(`services.${name}.enabled`, "must be true in production: the guides' topology runs every process", { got: false }),
            );
        }
    }
    return out;
};

/**
 * Credentials must be set with --secret so they are encrypted in the stack file and in state. Checked
 * per leaf: a secret map with one plaintext entry next to encrypted ones is refused for that entry.
 * An inline kubeconfig that carries credentials (a token, a client key, a password) is one too.
 */
const secretsAreEncrypted: Rule = (cfg, { isPlaintext }) => {
    const out: Problem[] = [];
    for (const path of credentialLeaves(cfg)) {
        if (!isPlaintext(path)) continue;
        const key = path.join(".");
        const how = path.length === 1 ? `pulumi config set --secret ${key} ...` : `pulumi config set --secret --path '${key}' ...`;
        out.push(problem(path, `must be set with --secret (${how}): it is stored in plaintext`));
    }
    const kubeconfig = cfg.kubernetes.kubeconfig;
    if (kubeconfig !== undefined) {
        const info = inspectKubeconfig(kubeconfig);
        if (info.inline && !info.valid) {
            out.push(
                problem(
                    "kubernetes.kubeconfig",
                    "is neither a file path nor a kubeconfig document: its contents do not parse as a YAML mapping",
                ),
            );
        } else if (info.inline && info.credentialFields.length > 0 && isPlaintext(["kubernetes", "kubeconfig"])) {
            out.push(
                problem(
                    "kubernetes.kubeconfig",
                    `carries credentials (${info.credentialFields.join(", ")}) and must be set with --secret: it is stored in plaintext`,
                ),
            );
        }
    }
    return out;
};

/** Nothing secret may be published to browsers (guides: never expose secrets through NEXT_PUBLIC_*). */
const oauthNames: Rule = (cfg) => {
    const out: Problem[] = [];
    for (const name of Object.keys(cfg.oauthClientIds)) {
        if (!name.endsWith("_CLIENT_ID")) out.push(problem(`oauthClientIds.${name}`, "must be named <PROVIDER>_CLIENT_ID"));
        if (name.startsWith("NEXT_PUBLIC_"))
            out.push(problem(`oauthClientIds.${name}`, "must not be NEXT_PUBLIC_: server-side OAuth settings stay on the server"));
    }
    for (const name of Object.keys(cfg.oauthClientSecrets)) {
        if (!name.endsWith("_CLIENT_SECRET")) out.push(problem(`oauthClientSecrets.${name}`, "must be named <PROVIDER>_CLIENT_SECRET"));
        if (name.startsWith("NEXT_PUBLIC_"))
            out.push(problem(`oauthClientSecrets.${name}`, "must never be NEXT_PUBLIC_: that would publish a secret to every browser"));
    }
    return out;
};

/** Data-tier settings: per-environment floors (30-day PITR, multi-AZ, ...) and cross-key checks (config/data.ts). */
const dataTierSettings: Rule = (cfg) => dataProblems(cfg.environment, cfg.data);

/**
 * identity's signing key, parsed: RSA of at least jwtRsaMinBits (RS256 needs RSA; an EC key or
 * garbage in PEM armour fails every token at run time), and the public key must be its own half,
 * or workers reject every token identity signs.
 */
const jwtKeysByMeaning: Rule = (cfg) => {
    const out: Problem[] = [];
    const change = toChange("identityJwtPrivateKey");
    let privateDer: Buffer | undefined;
    if (cfg.identityJwtPrivateKey !== undefined) {
        const key = inspectPrivateKey(cfg.identityJwtPrivateKey);
        if (!key.ok) {
            out.push(problem("identityJwtPrivateKey", key.why));
        } else if (key.type !== "rsa") {
            out.push(problem("identityJwtPrivateKey", `must be an RSA key for RS256, got a key of type ${key.type}`, { change }));
        } else if ((key.bits ?? 0) < jwtRsaMinBits) {
            out.push(
                problem("identityJwtPrivateKey", `must be an RSA key of at least ${jwtRsaMinBits} bits for RS256, got ${key.bits} bits`, {
                    change,
                }),
            );
        } else {
            privateDer = key.publicDer;
        }
    }
    if (cfg.identity.jwtPublicKey !== undefined) {
        const pub = inspectPublicKey(cfg.identity.jwtPublicKey);
        if (!pub.ok) {
            out.push(problem("identity.jwtPublicKey", pub.why));
        } else if (pub.type !== "rsa") {
            out.push(problem("identity.jwtPublicKey", `must be an RSA public key for RS256, got a key of type ${pub.type}`));
        } else if (privateDer !== undefined && !privateDer.equals(pub.der)) {
            out.push(
                problem(
                    "identity.jwtPublicKey",
                    "must be the public half of identityJwtPrivateKey: it belongs to another key pair, so workers would reject every token identity signs (openssl pkey -in jwt-rs256.pem -pubout)",
                ),
            );
        }
    }
    // Retired keys published during a rotation's overlap (docs/secret-rotation.md).
    (cfg.identity.previousJwtPublicKeys ?? []).forEach((pem, i) => {
        const key = `identity.previousJwtPublicKeys.${i}`;
        const pub = inspectPublicKey(pem);
        if (!pub.ok) out.push(problem(key, pub.why));
        else if (pub.type !== "rsa") out.push(problem(key, `must be an RSA public key for RS256, got a key of type ${pub.type}`));
        else if (privateDer !== undefined && privateDer.equals(pub.der)) {
            out.push(
                problem(
                    key,
                    "is the current signing key's public half: list only retired keys here; the current one is identity.jwtPublicKey",
                ),
            );
        }
    });
    if (
        cfg.identity.previousJwtPublicKeys !== undefined &&
        cfg.identity.previousJwtPublicKeys.length > 0 &&
        cfg.identity.jwtPublicKey === undefined
    ) {
        out.push(
            problem(
                "identity.previousJwtPublicKeys",
                "needs identity.jwtPublicKey: retired keys are published beside the current one, never alone",
            ),
        );
    }
    return out;
};

/**
 * Supabase keys decoded (legacy keys are JWTs whose `role` claim says what they grant): the anon
 * key ships to every browser as NEXT_PUBLIC_SUPABASE_ANON_KEY, so a service-role key there would
 * hand out full database access. The service-role slot must not hold the anon key either.
 */
const supabaseKeysByMeaning: Rule = (cfg) => {
    const out: Problem[] = [];
    const anon = cfg.supabase.anonKey;
    // A value that is neither a JWT nor an sb_ key grants nothing Supabase knows of: nothing to decode.
    if (anon !== undefined) {
        const role = supabaseKeyRole(anon);
        if (role === "service_role") {
            out.push(
                problem(
                    "supabase.anonKey",
                    "is a service-role key: it would ship to every browser as NEXT_PUBLIC_SUPABASE_ANON_KEY and bypass row-level security; set the project's anon key here and the service-role key in supabaseServiceRoleKey with --secret",
                ),
            );
        } else if (role !== undefined && role !== "anon") {
            out.push(problem("supabase.anonKey", "must be the project's anon key: its role claim is neither anon nor service_role"));
        }
    }
    const serviceRole = cfg.supabaseServiceRoleKey;
    if (serviceRole !== undefined) {
        const role = supabaseKeyRole(serviceRole);
        if (role !== undefined && role !== "service_role") {
            out.push(
                problem(
                    "supabaseServiceRoleKey",
                    "is not a service-role key (its role claim says otherwise): identity and worker would fail every trusted call",
                ),
            );
        }
        if (anon !== undefined && anon === serviceRole) {
            out.push(problem("supabase.anonKey", "must differ from supabaseServiceRoleKey"));
        }
    }
    return out;
};

/** Public URLs the program hands to processes and browsers: https where the stack faces the internet, never with credentials. */
const publicUrls: Rule = (cfg) => {
    const out: Problem[] = [];
    const urls: Array<[string, string | undefined]> = [
        ["supabase.url", cfg.supabase.url],
        ["sentryDsn", cfg.sentryDsn],
    ];
    for (const [key, value] of urls) {
        if (value === undefined) continue;
        const url = new URL(value);
        if (key === "supabase.url" && (url.username !== "" || url.password !== "")) {
            out.push(problem(key, "must not carry credentials: it is published to every browser as NEXT_PUBLIC_SUPABASE_URL"));
        }
        if (httpsUrlEnvironments.includes(cfg.environment) && url.protocol !== "https:") {
            out.push(problem(key, `must be an https:// URL on the ${cfg.environment} stack`, { change: toChange(key) }));
        }
    }
    return out;
};

/** Every public host keeps at least the floor's replicas: one pod's loss or rollout must not take it down. */
const publicProcessesScale: Rule = (cfg, { catalog }) => {
    const out: Problem[] = [];
    const floor = publicProcessMinReplicas[cfg.environment];
    const change = toChange("services.<process>.autoscale.min");
    for (const spec of catalog) {
        if (spec.publicHost === undefined || cfg.services[spec.name]?.enabled === false) continue;
        if (spec.scaling !== "autoscaled") {
            if (floor > 1)
                out.push(
                    problem(
                        `services.${spec.name}`,
                        `serves the public host ${spec.publicHost} and must autoscale in ${cfg.environment}, but catalog/processes.ts makes it ${spec.scaling}`,
                    ),
                );
            continue;
        }
        const own = cfg.services[spec.name]?.autoscale;
        const min = own?.min ?? serviceDefaults(cfg.environment, spec).autoscale.min;
        if (min < floor) {
            out.push(
                problem(
                    `services.${spec.name}.autoscale.min`,
                    `must be at least ${floor} in ${cfg.environment}: ${spec.name} serves the public host ${spec.publicHost}`,
                    { got: own?.min, change },
                ),
            );
        }
    }
    return out;
};

/** A ClusterIssuer whose certificates browsers trust, where the floor binds (config/floors.ts). */
const trustedIssuer: Rule = (cfg) => {
    if (!clusterIssuerFloor.environments.includes(cfg.environment)) return [];
    const issuer = cfg.edge.clusterIssuer;
    const change = toChange("edge.clusterIssuer");
    if (clusterIssuerFloor.denied.some((re) => re.test(issuer))) {
        return [
            problem(
                "edge.clusterIssuer",
                `must not be a self-signed or staging issuer in ${cfg.environment}: browsers reject its certificates`,
                { got: issuer, change },
            ),
        ];
    }
    const allowed = [...clusterIssuerFloor.allowed, ...cfg.edge.trustedClusterIssuers];
    if (!allowed.includes(issuer)) {
        return [
            problem(
                "edge.clusterIssuer",
                `must be a publicly trusted issuer in ${cfg.environment} (${clusterIssuerFloor.allowed.join(", ")})`,
                { got: issuer, change },
            ),
        ];
    }
    return cfg.edge.trustedClusterIssuers.flatMap((name, i) =>
        clusterIssuerFloor.denied.some((re) => re.test(name))
            ? [
                  problem(
                      `edge.trustedClusterIssuers.${i}`,
                      `names a self-signed or staging issuer, which cannot be trusted in ${cfg.environment}`,
                      { got: name, change },
                  ),
              ]
            : [],
    );
};

const cpuUnits: Record<string, number> = { "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9 };
const memoryUnits: Record<string, number> = { "": 1, k: 1e3, M: 1e6, G: 1e9, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** A Kubernetes quantity as a number, or undefined when the suffix does not fit the resource. */
function quantityValue(q: string, units: Record<string, number>): number | undefined {
    const m = /^([0-9]+(?:\.[0-9]+)?)([A-Za-z]*)$/.exec(q);
    const unit = m === null ? undefined : units[m[2]!];
    return unit === undefined ? undefined : Number(m![1]) * unit;
}

/** Requests at most limits: Kubernetes refuses the pod otherwise, but only after AWS changes were applied. */
const requestsWithinLimits: Rule = (cfg) => {
    const out: Problem[] = [];
    for (const [name, svc] of Object.entries(cfg.services)) {
        if (svc.resources === undefined) continue;
        for (const [resource, units, unitHint] of [
            ["cpu", cpuUnits, "cores (1, 0.5) or millicores (250m)"],
            ["memory", memoryUnits, "bytes with a suffix such as 512Mi or 1Gi"],
        ] as const) {
            const values: Partial<Record<"requests" | "limits", number>> = {};
            for (const side of ["requests", "limits"] as const) {
                const q = svc.resources[side][resource];
                const v = quantityValue(q, units);
                if (v === undefined) out.push(problem(`services.${name}.resources.${side}.${resource}`, `must be ${unitHint}`, { got: q }));
                else values[side] = v;
            }
            if (values.requests !== undefined && values.limits !== undefined && values.requests > values.limits) {
                out.push(
                    problem(
                        `services.${name}.resources.requests.${resource}`,
                        `must be at most services.${name}.resources.limits.${resource}: Kubernetes refuses a request above its limit`,
                        { got: svc.resources.requests[resource] },
                    ),
                );
            }
        }
    }
    return out;
};

/** The domain's hosts must be DNS names: labels of at most 63 characters, hosts of at most 253. */
const publicHostNames: Rule = (cfg, { catalog }) => {
    const out: Problem[] = [];
    if (cfg.domain.split(".").some((label) => label.length > 63)) {
        out.push(problem("domain", "must have DNS labels of at most 63 characters each"));
    }
    const longest = Math.max(0, ...catalog.map((p) => p.publicHost?.length ?? 0));
    if (longest > 0 && cfg.domain.length + longest + 1 > 253) {
        out.push(
            problem(
                "domain",
                `must leave room for its hosts: a host name is at most 253 characters, so the domain at most ${252 - longest}`,
            ),
        );
    }
    return out;
};

const arnRegion = /^arn:(aws[a-z-]*):iam::(\d{12}):oidc-provider\/oidc\.eks\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\//;
const eksContextArn = /^arn:(aws[a-z-]*):eks:([a-z0-9-]+):(\d{12}):cluster\//;

function partitionOf(region: string): string {
    if (region.startsWith("cn-")) return "aws-cn";
    if (region.startsWith("us-gov-")) return "aws-us-gov";
    return "aws";
}

/** The ARNs given agree with data.aws.region: AWS refuses them only once it is called. */
const regionMatchesArns: Rule = (cfg) => {
    const aws = cfg.data.aws;
    if (aws === undefined) return [];
    const out: Problem[] = [];
    const change = toChange("data.aws.clusterOidcProviderArn");
    const oidc = arnRegion.exec(aws.clusterOidcProviderArn);
    if (oidc !== null) {
        const [, partition, , region] = oidc;
        // The message names keys, not values: either may have been stored with --secret.
        if (region !== aws.region) {
            out.push(
                problem(
                    "data.aws.clusterOidcProviderArn",
                    `must be the OIDC provider of a cluster in data.aws.region, but it names another region`,
                    { change },
                ),
            );
        } else if (partition !== partitionOf(aws.region)) {
            out.push(
                problem(
                    "data.aws.clusterOidcProviderArn",
                    `must be in the AWS partition of data.aws.region (aws-cn for cn-*, aws-us-gov for us-gov-*, aws elsewhere)`,
                    { change },
                ),
            );
        }
    }
    const context = cfg.kubernetes.context === undefined ? null : eksContextArn.exec(cfg.kubernetes.context);
    if (context !== null && context !== undefined) {
        const [, , region, account] = context;
        if (region !== aws.region) {
            out.push(
                problem("kubernetes.context", `must be a cluster in data.aws.region, but the EKS context names another region`, { change }),
            );
        }
        if (oidc !== null && account !== oidc[2]) {
            out.push(
                problem(
                    "kubernetes.context",
                    `must be a cluster of the account in data.aws.clusterOidcProviderArn, but the EKS context names another account`,
                    { change },
                ),
            );
        }
    }
    return out;
};

/** The environment a stack's name names, word by word (`prod-eu` names production); undefined when it names none. */
export function environmentNamedBy(stack: string): Environment | undefined {
    const words = stack.toLowerCase().split(/[-_.]/);
    const named = environments.filter((env) => stackNameEnvironments[env].some((alias) => words.includes(alias)));
    return named.length === 1 ? named[0] : undefined;
}

/**
 * The stack's name and `environment` agree: a staging file copied into Pulumi.production.yaml would
 * otherwise deploy production with staging's floors. An override must say why.
 */
const stackNameMatchesEnvironment: Rule = (cfg, { stack }) => {
    const named = environmentNamedBy(stack);
    const reason = cfg.environmentMismatchReason;
    if (reason !== undefined && reason.trim().length < environmentMismatchReasonMinLength) {
        return [
            problem(
                "environmentMismatchReason",
                `must be a sentence of at least ${environmentMismatchReasonMinLength} characters saying why the stack's name and environment differ`,
            ),
        ];
    }
    if (named === undefined || named === cfg.environment || reason !== undefined) return [];
    return [
        problem(
            "environment",
            `must agree with the stack's name: stack ${JSON.stringify(stack)} names ${named}, the config says ${cfg.environment}`,
            { change: toChange("environment") },
        ),
    ];
};
/** Alert route and thresholds (config/monitoring.ts): production must page someone. */
const monitoringSettings: Rule = (cfg) =>
    monitoringProblems(
        cfg.environment,
        cfg.data.provider,
        cfg.monitoring,
        cfg.alertHttpsEndpoints,
        cfg.data.provider === "aws"
            ? (cfg.data.postgres?.instanceClass ?? dataDefaults(cfg.environment).postgres.instanceClass)
            : undefined,
        recoveryObjectives(cfg.environment, cfg.data)?.rpoMinutes,
    );

export const rules: readonly Rule[] = [
    stripeKeysMatchEnvironment,
    productionRequirements,
    clusterAndDataPlacement,
    catalogCoverage,
    secretsAreEncrypted,
    oauthNames,
    dataTierSettings,
    jwtKeysByMeaning,
    supabaseKeysByMeaning,
    publicUrls,
    publicProcessesScale,
    trustedIssuer,
    requestsWithinLimits,
    publicHostNames,
    regionMatchesArns,
    stackNameMatchesEnvironment,
    monitoringSettings,
    (cfg, { catalog, isPlaintext }) => connectionBudgetProblems(cfg, catalog, isPlaintext),
    // services.<process>.env and .secretEnv keep the env matrix's rules (config/processEnv.ts).
    (cfg, { catalog, isPlaintext }) => processEnvProblems(cfg, catalog, isPlaintext),
];
